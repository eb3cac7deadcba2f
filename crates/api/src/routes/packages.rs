use actix_web::{HttpResponse, delete, get, patch, post, web};
use tessera_domain::package::{
    AccessPackageChanges, AccessPackageQuery, AccessPackageView, CatalogPackageQuery,
    MoveAccessPackage, NewAccessPackage, NewResourceRole, ResourceRoleView,
};
use tessera_domain::page::AccessPackagePage;
use tessera_domain::problem::Problem;
use tessera_domain::{AccessPackageId, CatalogId};
use uuid::Uuid;

use crate::auth::Actor;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::auth::authz::{authorize_catalog, authorize_catalogs, authorize_package, require_admin};
use crate::error::ApiResult;
use crate::extract::{Json, Query};
use crate::service;
use crate::service::packages::PackageScope;
use crate::state::AppState;

/// A catalog's access packages, by name; `q` searches names and descriptions. Anyone with a
/// role in the catalog, and administrators.
#[utoipa::path(
    operation_id = "list_catalog_access_packages",
    tag = "access packages",
    params(("id" = CatalogId, Path, description = "The catalog's id"), CatalogPackageQuery),
    responses(
        (status = 200, description = "One page of packages", body = AccessPackagePage),
        (status = 400, description = "Bad search, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/catalogs/{id}/access-packages")]
pub async fn list_catalog_access_packages(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
    query: Query<CatalogPackageQuery>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<Read>(&state, &actor, id.into_inner()).await?;
    let page = service::packages::list_packages(&proof, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Access packages across catalogs, by name: `q` searches names and descriptions, `catalog_id`
/// narrows to one catalog. Administrators see every catalog's; others those of the catalogs
/// where they hold a role (as `GET /access-packages/{id}`). People looking for something to
/// request use `GET /me/available-packages`.
#[utoipa::path(
    operation_id = "list_access_packages",
    tag = "access packages",
    params(AccessPackageQuery),
    responses(
        (status = 200, description = "One page of packages", body = AccessPackagePage),
        (status = 400, description = "Bad search, limit or cursor", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages")]
pub async fn list_access_packages(
    state: web::Data<AppState>,
    actor: Actor,
    query: Query<AccessPackageQuery>,
) -> ApiResult<HttpResponse> {
    let scope = if let Some(catalog) = query.0.catalog_id {
        PackageScope::Catalog(authorize_catalog::<Read>(&state, &actor, catalog).await?)
    } else if actor.is_admin {
        PackageScope::All(require_admin(&actor)?)
    } else {
        PackageScope::Readable(authorize_catalogs::<Read>(&state, &actor).await?)
    };
    let page = service::packages::list_all_packages(&scope, &state, &query.0).await?;
    Ok(HttpResponse::Ok().json(page))
}

/// Creates an access package in a catalog. Catalog owners, access package managers and
/// administrators.
#[utoipa::path(
    operation_id = "create_access_package",
    tag = "access packages",
    params(("id" = CatalogId, Path, description = "The catalog's id")),
    request_body = NewAccessPackage,
    responses(
        (status = 201, description = "Created", body = AccessPackageView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such catalog that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The catalog has a package with this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/catalogs/{id}/access-packages")]
pub async fn create_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<CatalogId>,
    input: Json<NewAccessPackage>,
) -> ApiResult<HttpResponse> {
    let proof = authorize_catalog::<ManagePackages>(&state, &actor, id.into_inner()).await?;
    let package = service::packages::create_package(&proof, &state, &actor, input.0).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/access-packages/{}", package.id),
        ))
        .json(package))
}

/// One access package with its resource roles.
#[utoipa::path(
    operation_id = "get_access_package",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 200, description = "The package", body = AccessPackageView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}")]
pub async fn get_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<Read>(&state, &actor, id).await?;
    Ok(HttpResponse::Ok().json(service::packages::get_package(&proof, &state, id).await?))
}

/// Changes a package's name, description or hidden flag.
#[utoipa::path(
    operation_id = "update_access_package",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    request_body = AccessPackageChanges,
    responses(
        (status = 200, description = "The changed package", body = AccessPackageView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken, or the package changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/access-packages/{id}")]
pub async fn update_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    changes: Json<AccessPackageChanges>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let package = service::packages::update_package(&proof, &state, &actor, id, changes.0).await?;
    Ok(HttpResponse::Ok().json(package))
}

/// Deletes an access package. Its active assignments end first: their holders lose the
/// package's resource roles, except those another assignment grants. Its policies, assignments
/// and requests go with it; the audit trail keeps the record.
#[utoipa::path(
    operation_id = "delete_access_package",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}")]
pub async fn delete_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    service::packages::delete_package(&proof, &state, &actor, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Moves an access package to another catalog, with its policies, assignments and requests.
/// Every group and application its resource roles name must be in the target catalog already;
/// 409 `resources_not_in_catalog` names those that are not. Catalog owners and access package
/// managers of both catalogs, and administrators.
#[utoipa::path(
    operation_id = "move_access_package",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    request_body = MoveAccessPackage,
    responses(
        (status = 200, description = "Moved; the package in its new catalog", body = AccessPackageView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your role in one of the catalogs does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or target catalog that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "`resources_not_in_catalog`, `package_name_taken` in the target, or changed meanwhile", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, named in `errors`", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/move")]
pub async fn move_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    input: Json<MoveAccessPackage>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let target = authorize_catalog::<ManagePackages>(&state, &actor, input.0.catalog_id).await?;
    let package = service::packages::move_package(&proof, &target, &state, &actor, id).await?;
    Ok(HttpResponse::Ok().json(package))
}

/// Adds a resource role (group member, group owner, or application role) to a package. The
/// group or application must be in the package's catalog.
#[utoipa::path(
    operation_id = "add_access_package_resource_role",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    request_body = NewResourceRole,
    responses(
        (status = 201, description = "Added", body = ResourceRoleView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The package grants this role already", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The resource is not in the catalog, or invalid input", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/access-packages/{id}/resource-roles")]
pub async fn add_access_package_resource_role(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
    input: Json<NewResourceRole>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let role = service::packages::add_resource_role(&proof, &state, &actor, id, input.0).await?;
    Ok(HttpResponse::Created().json(role))
}

/// Removes a resource role from a package.
#[utoipa::path(
    operation_id = "remove_access_package_resource_role",
    tag = "access packages",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("role_id" = String, Path, format = Uuid, description = "The resource role's id"),
    ),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package or resource role", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}/resource-roles/{role_id}")]
pub async fn remove_access_package_resource_role(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, Uuid)>,
) -> ApiResult<HttpResponse> {
    let (id, role) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    service::packages::remove_resource_role(&proof, &state, &actor, id, role).await?;
    Ok(HttpResponse::NoContent().finish())
}
