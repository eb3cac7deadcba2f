use actix_web::{HttpResponse, delete, get, post, put, web};
use tessera_domain::package::PolicyView;
use tessera_domain::policy::PolicyDefinition;
use tessera_domain::problem::Problem;
use tessera_domain::{AccessPackageId, PolicyId};

use crate::auth::Actor;
use crate::auth::authz::authorize_package;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::error::ApiResult;
use crate::extract::Json;
use crate::service;
use crate::state::AppState;

/// A package's assignment policies, oldest first.
#[utoipa::path(
    operation_id = "list_policies",
    tag = "policies",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 200, description = "The package's policies", body = [PolicyView]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/policies")]
pub async fn list_policies(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<Read>(&state, &actor, id).await?;
    Ok(HttpResponse::Ok().json(service::policies::list_policies(&proof, &state, id).await?))
}

/// Adds an assignment policy to a package: who may request it, how requests are approved,
/// what requesters answer, and how long access lasts. Every problem is reported at once, under
/// the JSON path of the input at fault.
#[utoipa::path(
    operation_id = "create_policy",
    tag = "policies",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    request_body = PolicyDefinition,
    responses(
        (status = 201, description = "Created", body = PolicyView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy; every problem is named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/policies")]
pub async fn create_policy(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    input: Json<PolicyDefinition>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let policy = service::policies::create_policy(&proof, &state, &actor, id, input.0).await?;
    Ok(HttpResponse::Created().json(policy))
}

/// One assignment policy.
#[utoipa::path(
    operation_id = "get_policy",
    tag = "policies",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    responses(
        (status = 200, description = "The policy", body = PolicyView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/policies/{policy_id}")]
pub async fn get_policy(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
) -> ApiResult<HttpResponse> {
    let (id, policy) = path.into_inner();
    let proof = authorize_package::<Read>(&state, &actor, id).await?;
    Ok(HttpResponse::Ok().json(service::policies::get_policy(&proof, &state, id, policy).await?))
}

/// Replaces an assignment policy's whole definition.
#[utoipa::path(
    operation_id = "replace_policy",
    tag = "policies",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    request_body = PolicyDefinition,
    responses(
        (status = 200, description = "The policy as stored", body = PolicyView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The policy changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid policy; every problem is named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/access-packages/{id}/policies/{policy_id}")]
pub async fn replace_policy(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
    input: Json<PolicyDefinition>,
) -> ApiResult<HttpResponse> {
    let (id, policy) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let stored =
        service::policies::replace_policy(&proof, &state, &actor, id, policy, input.0).await?;
    Ok(HttpResponse::Ok().json(stored))
}

/// Deletes an assignment policy no active assignment follows (disable it to stop new requests
/// and assignments instead); ended assignments keep its name.
#[utoipa::path(
    operation_id = "delete_policy",
    tag = "policies",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("policy_id" = PolicyId, Path, description = "The policy's id"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or policy", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Active assignments follow the policy (`policy_has_assignments`)", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}/policies/{policy_id}")]
pub async fn delete_policy(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, PolicyId)>,
) -> ApiResult<HttpResponse> {
    let (id, policy) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    service::policies::delete_policy(&proof, &state, &actor, id, policy).await?;
    Ok(HttpResponse::NoContent().finish())
}
