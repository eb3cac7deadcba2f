//! Applications, their app roles and the roles' assignees. Administrators only.

use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use tessera_domain::directory::{
    AppRoleView, ApplicationChanges, ApplicationView, NameSearchQuery, NewAppRole, NewApplication,
};
use tessera_domain::page::{AppRolePage, ApplicationPage, MemberPage, PageQuery};
use tessera_domain::problem::{CascadeQuery, Problem, ResourceInUse};
use tessera_domain::{AppRoleId, ApplicationId, UserId};

use crate::auth::Actor;
use crate::auth::authz::require_admin;
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// Lists applications by name, optionally only those whose name contains `q`.
#[utoipa::path(
    operation_id = "list_applications",
    tag = "applications",
    params(NameSearchQuery),
    responses(
        (status = 200, description = "One page of applications", body = ApplicationPage),
        (status = 400, description = "Bad limit, cursor or search", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications")]
pub async fn list_applications(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<NameSearchQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page = service::applications::list_applications(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Registers an application. Names are unique regardless of case.
#[utoipa::path(
    operation_id = "create_application",
    tag = "applications",
    request_body = NewApplication,
    responses(
        (status = 201, description = "Created", body = ApplicationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/applications")]
pub async fn create_application(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewApplication>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let application =
        service::applications::create_application_as_admin(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/applications/{}", application.id),
        ))
        .json(application))
}

/// One application.
#[utoipa::path(
    operation_id = "get_application",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id")),
    responses(
        (status = 200, description = "The application", body = ApplicationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{id}")]
pub async fn get_application(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ApplicationId>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let application =
        service::applications::get_application(&proof, &state, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(application))
}

/// Renames an application or changes its description.
#[utoipa::path(
    operation_id = "update_application",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id")),
    request_body = ApplicationChanges,
    responses(
        (status = 200, description = "The changed application", body = ApplicationView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the application changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/applications/{id}")]
pub async fn update_application(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ApplicationId>,
    changes: Json<ApplicationChanges>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let application = service::applications::update_application(
        &proof,
        &state,
        &actor,
        id.into_inner(),
        changes.0,
    )
    .await?;
    Ok(HttpResponse::Ok().json(application))
}

/// Deletes an application with its roles and their assignments. Refused while access
/// packages grant one of its roles, unless `cascade=true` (audited): then the packages stop
/// granting them.
#[utoipa::path(
    operation_id = "delete_application",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), CascadeQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resource_in_use`: access packages grant it or policies name it (`used_by`); send `cascade=true` to go ahead", body = ResourceInUse, content_type = "application/problem+json"),
    )
)]
#[delete("/applications/{id}")]
pub async fn delete_application(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ApplicationId>,
    query: Query<CascadeQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let cascade = query.0.cascade.unwrap_or(false);
    service::applications::delete_application(&proof, &state, &actor, id.into_inner(), cascade)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An application's roles, by name.
#[utoipa::path(
    operation_id = "list_app_roles",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), PageQuery),
    responses(
        (status = 200, description = "One page of roles", body = AppRolePage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{id}/roles")]
pub async fn list_app_roles(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ApplicationId>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let page =
        service::applications::list_app_roles(&proof, &state, id.into_inner(), &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Adds a role to an application. Role names are unique within an application regardless of case.
#[utoipa::path(
    operation_id = "create_app_role",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id")),
    request_body = NewAppRole,
    responses(
        (status = 201, description = "Created", body = AppRoleView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The application has a role of this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/applications/{id}/roles")]
pub async fn create_app_role(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<ApplicationId>,
    input: Json<NewAppRole>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let role = service::applications::create_app_role_as_admin(
        &proof,
        &state,
        &actor,
        id.into_inner(),
        input.0,
    )
    .await?;
    Ok(HttpResponse::Created().json(role))
}

/// Deletes a role of an application with its assignments. Refused while access packages
/// grant it, unless `cascade=true` (audited): then the packages stop granting it.
#[utoipa::path(
    operation_id = "delete_app_role",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), ("role_id" = AppRoleId, Path, description = "The app role's id"), CascadeQuery),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application role", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resource_in_use`: access packages grant it or policies name it (`used_by`); send `cascade=true` to go ahead", body = ResourceInUse, content_type = "application/problem+json"),
    )
)]
#[delete("/applications/{id}/roles/{role_id}")]
pub async fn delete_app_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ApplicationId, AppRoleId)>,
    query: Query<CascadeQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, role) = path.into_inner();
    let cascade = query.0.cascade.unwrap_or(false);
    service::applications::delete_app_role(&proof, &state, &actor, id, role, cascade).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The users a role is assigned to, by username.
#[utoipa::path(
    operation_id = "list_app_role_assignees",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), ("role_id" = AppRoleId, Path, description = "The app role's id"), PageQuery),
    responses(
        (status = 200, description = "One page of assignees", body = MemberPage),
        (status = 400, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/applications/{id}/roles/{role_id}/assignees")]
pub async fn list_app_role_assignees(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ApplicationId, AppRoleId)>,
    query: Query<PageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, role) = path.into_inner();
    let page = service::applications::list_assignees(&proof, &state, id, role, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Assigns a role to a user. Doing it again changes nothing.
#[utoipa::path(
    operation_id = "assign_app_role",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), ("role_id" = AppRoleId, Path, description = "The app role's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user has the role"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application role or user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/applications/{id}/roles/{role_id}/assignees/{user_id}")]
pub async fn assign_app_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ApplicationId, AppRoleId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, role, user) = path.into_inner();
    service::applications::assign_app_role(&proof, &state, &actor, id, role, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes a role away from a user. Taking away a role they do not have is fine.
#[utoipa::path(
    operation_id = "unassign_app_role",
    tag = "applications",
    params(("id" = ApplicationId, Path, description = "The application's id"), ("role_id" = AppRoleId, Path, description = "The app role's id"), ("user_id" = UserId, Path, description = "The user's id")),
    responses(
        (status = 204, description = "The user does not have the role"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such application role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/applications/{id}/roles/{role_id}/assignees/{user_id}")]
pub async fn unassign_app_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(ApplicationId, AppRoleId, UserId)>,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let (id, role, user) = path.into_inner();
    service::applications::unassign_app_role(&proof, &state, &actor, id, role, user).await?;
    Ok(HttpResponse::NoContent().finish())
}
