//! The provisioner global role: who may provision people and groups through SCIM at
//! `/scim/v2`. Administrators grant it, usually to a service account with an API token.

use actix_web::{HttpResponse, delete, get, put, web};
use tessera_domain::UserId;
use tessera_domain::problem::Problem;
use tessera_domain::roles::{GlobalRoleHolder, GrantableRole};

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::service;
use crate::state::AppState;

/// Who holds the provisioner role. Administrators only.
#[utoipa::path(
    operation_id = "list_provisioners",
    tag = "users",
    responses(
        (status = 200, description = "Provisioners, by username", body = [GlobalRoleHolder]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/provisioners")]
pub async fn list_provisioners(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let holders =
        service::global_roles::list_role_holders(&proof, &state, GrantableRole::Provisioner)
            .await?;
    Ok(HttpResponse::Ok().json(holders))
}

/// Lets a user provision through SCIM with their API tokens. Idempotent. Administrators only.
#[utoipa::path(
    operation_id = "grant_provisioner",
    tag = "users",
    params(("id" = UserId, Path, description = "The user")),
    responses(
        (status = 204, description = "The user is a provisioner"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/provisioners/{id}")]
pub async fn grant_provisioner(
    state: web::Data<AppState>,
    actor: Actor,
    user: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::global_roles::set_role(
        &proof,
        &state,
        &actor,
        user.into_inner(),
        GrantableRole::Provisioner,
        true,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes the provisioner role away. Idempotent. Administrators only.
#[utoipa::path(
    operation_id = "revoke_provisioner",
    tag = "users",
    params(("id" = UserId, Path, description = "The user")),
    responses(
        (status = 204, description = "The user is not a provisioner"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/provisioners/{id}")]
pub async fn revoke_provisioner(
    state: web::Data<AppState>,
    actor: Actor,
    user: web::Path<UserId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    service::global_roles::set_role(
        &proof,
        &state,
        &actor,
        user.into_inner(),
        GrantableRole::Provisioner,
        false,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
