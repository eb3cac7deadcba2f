use actix_web::{HttpResponse, delete, get, patch, post, put, web};
use tessera_domain::catalog::{
    CatalogChanges, CatalogQuery, CatalogResource, CatalogRole, CatalogRoleHolder, CatalogView,
    NewCatalog, NewCatalogResource, ResourceKind,
};
use tessera_domain::directory::NameSearchQuery;
use tessera_domain::page::{CatalogPage, GroupPage};
use tessera_domain::problem::{CascadeQuery, Problem, ResourceInUse};
use tessera_domain::roles::{GlobalRoleHolder, GrantableRole};
use tessera_domain::{CatalogId, UserId};
use uuid::Uuid;

use crate::auth::Actor;
use crate::auth::authz::catalog_permission::{ManageCatalog, Read};
use crate::auth::authz::{authorize_catalog, require_admin, require_catalog_creator};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::state::AppState;

/// Catalogs you may see: all of them as an administrator, otherwise those where you hold a role.
#[utoipa::path(
    operation_id = "list_catalogs",
    tag = "catalogs",
    params(CatalogQuery),
    responses(
        (status = 200, description = "One page of catalogs, by name", body = CatalogPage),
        (status = 400, description = "Bad limit, cursor or search", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs")]
pub async fn list_catalogs(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<CatalogQuery>,
) -> ApiResult<HttpResponse> {
    let page = service::catalogs::list_catalogs(&state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates a catalog. Administrators and catalog creators; a catalog creator becomes its
/// first owner.
#[utoipa::path(
    operation_id = "create_catalog",
    tag = "catalogs",
    request_body = NewCatalog,
    responses(
        (status = 201, description = "Created", body = CatalogView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Neither administrator nor catalog creator", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogs")]
pub async fn create_catalog(
    state: web::Data<AppState>,
    actor: Actor,
    input: Json<NewCatalog>,
) -> ApiResult<HttpResponse> {
    let proof = require_catalog_creator(&state, &actor).await?;
    let catalog = service::catalogs::create_catalog(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/catalogs/{}", catalog.id)))
        .json(catalog))
}

/// One catalog. Anyone with a role in it, and administrators.
#[utoipa::path(
    operation_id = "get_catalog",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    responses(
        (status = 200, description = "The catalog", body = CatalogView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs/{id}")]
pub async fn get_catalog(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<Read>(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(service::catalogs::get_catalog(&proof, &state).await?))
}

/// Changes a catalog's name, description or enabled flag. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "update_catalog",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    request_body = CatalogChanges,
    responses(
        (status = 200, description = "The changed catalog", body = CatalogView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the catalog changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/catalogs/{id}")]
pub async fn update_catalog(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
    changes: Json<CatalogChanges>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, id.into_inner()).await?;
    let catalog = service::catalogs::update_catalog(&proof, &state, &actor, changes.0).await?;
    Ok(HttpResponse::Ok().json(catalog))
}

/// Deletes a catalog that holds no access packages. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "delete_catalog",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The catalog holds access packages", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/catalogs/{id}")]
pub async fn delete_catalog(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, id.into_inner()).await?;
    service::catalogs::delete_catalog(&proof, &state, &actor).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who holds which role in a catalog.
#[utoipa::path(
    operation_id = "list_catalog_roles",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    responses(
        (status = 200, description = "Role holders, by role then username", body = [CatalogRoleHolder]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs/{id}/roles")]
pub async fn list_catalog_roles(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<Read>(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(service::catalogs::list_roles(&proof, &state).await?))
}

/// Grants a catalog role to a user. Idempotent. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "grant_catalog_role",
    tag = "catalogs",
    params(
        ("id" = CatalogId, Path, description = "The catalog's id"),
        ("role" = CatalogRole, Path, description = "The role"),
        ("user_id" = UserId, Path, description = "The user"),
    ),
    responses(
        (status = 204, description = "The user holds the role"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog or user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/catalogs/{id}/roles/{role}/{user_id}")]
pub async fn grant_catalog_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(CatalogId, CatalogRole, UserId)>,
) -> ApiResult<HttpResponse> {
    let (catalog, role, user) = path.into_inner();
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, catalog).await?;
    service::catalogs::grant_role(&proof, &state, &actor, role, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Revokes a catalog role from a user. Idempotent. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "revoke_catalog_role",
    tag = "catalogs",
    params(
        ("id" = CatalogId, Path, description = "The catalog's id"),
        ("role" = CatalogRole, Path, description = "The role"),
        ("user_id" = UserId, Path, description = "The user"),
    ),
    responses(
        (status = 204, description = "The user does not hold the role"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/catalogs/{id}/roles/{role}/{user_id}")]
pub async fn revoke_catalog_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(CatalogId, CatalogRole, UserId)>,
) -> ApiResult<HttpResponse> {
    let (catalog, role, user) = path.into_inner();
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, catalog).await?;
    service::catalogs::revoke_role(&proof, &state, &actor, role, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The groups and applications in a catalog.
#[utoipa::path(
    operation_id = "list_catalog_resources",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    responses(
        (status = 200, description = "Groups, then applications, by name", body = [CatalogResource]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs/{id}/resources")]
pub async fn list_catalog_resources(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<Read>(&state, &actor, id.into_inner()).await?;
    Ok(HttpResponse::Ok().json(service::catalogs::list_resources(&proof, &state).await?))
}

/// Adds a group or application to a catalog, so its packages can use it. Catalog owners who
/// also own the group, and administrators.
#[utoipa::path(
    operation_id = "add_catalog_resource",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    request_body = NewCatalogResource,
    responses(
        (status = 201, description = "Added", body = CatalogResource),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "No right on the catalog or on the resource", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already in the catalog", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No such group or application", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogs/{id}/resources")]
pub async fn add_catalog_resource(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
    input: Json<NewCatalogResource>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, id.into_inner()).await?;
    let added = service::catalogs::add_resource(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created().json(added))
}

/// Removes a group or application from a catalog. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "remove_catalog_resource",
    tag = "catalogs",
    params(
        ("id" = CatalogId, Path, description = "The catalog's id"),
        ("kind" = ResourceKind, Path, description = "group or application"),
        ("resource_id" = String, Path, format = Uuid, description = "The resource's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog, or the resource is not in it", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resource_in_use`: packages of the catalog grant it or their policies name it (`used_by`); send `cascade=true` to go ahead", body = ResourceInUse, content_type = "application/problem+json"),
    )
)]
#[delete("/catalogs/{id}/resources/{kind}/{resource_id}")]
pub async fn remove_catalog_resource(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(CatalogId, ResourceKind, Uuid)>,
    query: Query<CascadeQuery>,
) -> ApiResult<HttpResponse> {
    let (catalog, kind, resource) = path.into_inner();
    let cascade = query.0.cascade.unwrap_or(false);
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, catalog).await?;
    service::catalogs::remove_resource(&proof, &state, &actor, kind, resource, cascade).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The groups the caller may add to the catalog, by name: the groups they own (every group,
/// for administrators) that are not in it yet. Catalog owners and administrators.
#[utoipa::path(
    operation_id = "list_addable_groups",
    tag = "catalogs",
    params(("id" = CatalogId, Path, description = "The catalog's id"), NameSearchQuery),
    responses(
        (status = 200, description = "One page of groups", body = GroupPage),
        (status = 400, description = "Bad search, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs/{id}/addable-groups")]
pub async fn list_addable_groups(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
    query: Query<NameSearchQuery>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<ManageCatalog>(&state, &actor, id.into_inner()).await?;
    let page = service::groups::list_addable_groups(&proof, &state, &actor, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Who holds the catalog-creator role. Administrators only.
#[utoipa::path(
    operation_id = "list_catalog_creators",
    tag = "catalogs",
    responses(
        (status = 200, description = "Catalog creators, by username", body = [GlobalRoleHolder]),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalog-creators")]
pub async fn list_catalog_creators(
    state: web::Data<AppState>,
    actor: Actor,
) -> ApiResult<HttpResponse> {
    let proof = require_admin(&actor)?;
    let holders =
        service::global_roles::list_role_holders(&proof, &state, GrantableRole::CatalogCreator)
            .await?;
    Ok(HttpResponse::Ok().json(holders))
}

/// Makes a user a catalog creator. Idempotent. Administrators only.
#[utoipa::path(
    operation_id = "grant_catalog_creator",
    tag = "catalogs",
    params(("user_id" = UserId, Path, description = "The user")),
    responses(
        (status = 204, description = "The user is a catalog creator"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/catalog-creators/{user_id}")]
pub async fn grant_catalog_creator(
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
        GrantableRole::CatalogCreator,
        true,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Takes the catalog-creator role away. Idempotent. Administrators only.
#[utoipa::path(
    operation_id = "revoke_catalog_creator",
    tag = "catalogs",
    params(("user_id" = UserId, Path, description = "The user")),
    responses(
        (status = 204, description = "The user is not a catalog creator"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an administrator", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/catalog-creators/{user_id}")]
pub async fn revoke_catalog_creator(
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
        GrantableRole::CatalogCreator,
        false,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
