use actix_web::{HttpResponse, delete, get, put, web};
use tessera_domain::incompatibility::IncompatibilitiesView;
use tessera_domain::problem::Problem;
use tessera_domain::{AccessPackageId, GroupId};

use crate::auth::Actor;
use crate::auth::authz::authorize_package;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::error::ApiResult;
use crate::service;
use crate::service::incompatibilities::other_package_not_found;
use crate::state::AppState;

/// Separation of duties for a package: the access packages and groups it is incompatible with
/// (holders of those may not get this one), and the packages that list it in turn
/// (`incompatible_with`: holders of this one may not get those). The relation is
/// one-directional; configure both packages for mutual exclusion. Refusing requests and
/// direct assignments that would break it is enforced once assignments exist. Anyone with a
/// role in the package's catalog, and administrators.
#[utoipa::path(
    operation_id = "get_access_package_incompatibilities",
    tag = "access packages",
    params(("id" = AccessPackageId, Path, description = "The package's id")),
    responses(
        (status = 200, description = "What the package is incompatible with, and what lists it", body = IncompatibilitiesView),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/access-packages/{id}/incompatibilities")]
pub async fn get_access_package_incompatibilities(
    state: web::Data<AppState>,
    actor: Actor,
    id: web::Path<AccessPackageId>,
) -> ApiResult<HttpResponse> {
    let id = id.into_inner();
    let proof = authorize_package::<Read>(&state, &actor, id).await?;
    let view = service::incompatibilities::get_incompatibilities(&proof, &state, id).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Makes a package incompatible with another: people holding the other may not get this one.
/// Needs the package-manager role in this package's catalog and any role in the other's.
/// Adding a recorded relation changes nothing.
#[utoipa::path(
    operation_id = "add_incompatible_access_package",
    tag = "access packages",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("other_id" = AccessPackageId, Path, description = "The incompatible package's id"),
    ),
    responses(
        (status = 204, description = "The package is incompatible with the other"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package, or incompatible package, that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The two are the same package", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/access-packages/{id}/incompatible-packages/{other_id}")]
pub async fn add_incompatible_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, AccessPackageId)>,
) -> ApiResult<HttpResponse> {
    let (id, other) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let other_proof = authorize_package::<Read>(&state, &actor, other)
        .await
        .map_err(other_package_not_found)?;
    service::incompatibilities::add_incompatible_package(
        &proof,
        &other_proof,
        &state,
        &actor,
        id,
        other,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes an incompatible package. Removing one not listed changes nothing.
#[utoipa::path(
    operation_id = "remove_incompatible_access_package",
    tag = "access packages",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("other_id" = AccessPackageId, Path, description = "The incompatible package's id"),
    ),
    responses(
        (status = 204, description = "The package is not incompatible with the other"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package, or incompatible package, that you may see", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The two are the same package", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}/incompatible-packages/{other_id}")]
pub async fn remove_incompatible_access_package(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, AccessPackageId)>,
) -> ApiResult<HttpResponse> {
    let (id, other) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    let other_proof = authorize_package::<Read>(&state, &actor, other)
        .await
        .map_err(other_package_not_found)?;
    service::incompatibilities::remove_incompatible_package(
        &proof,
        &other_proof,
        &state,
        &actor,
        id,
        other,
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Makes a package incompatible with a group: its members may not get the package. Adding a
/// recorded relation changes nothing.
#[utoipa::path(
    operation_id = "add_incompatible_group",
    tag = "access packages",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("group_id" = GroupId, Path, description = "The group's id"),
    ),
    responses(
        (status = 204, description = "The package is incompatible with the group"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see, or no such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[put("/access-packages/{id}/incompatible-groups/{group_id}")]
pub async fn add_incompatible_group(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, GroupId)>,
) -> ApiResult<HttpResponse> {
    let (id, group) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    service::incompatibilities::add_incompatible_group(&proof, &state, &actor, id, group).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Removes an incompatible group. Removing one not listed changes nothing.
#[utoipa::path(
    operation_id = "remove_incompatible_group",
    tag = "access packages",
    params(
        ("id" = AccessPackageId, Path, description = "The package's id"),
        ("group_id" = GroupId, Path, description = "The group's id"),
    ),
    responses(
        (status = 204, description = "The package is not incompatible with the group"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Your catalog role does not allow it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such package that you may see, or no such group", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/access-packages/{id}/incompatible-groups/{group_id}")]
pub async fn remove_incompatible_group(
    state: web::Data<AppState>,
    actor: Actor,
    path: web::Path<(AccessPackageId, GroupId)>,
) -> ApiResult<HttpResponse> {
    let (id, group) = path.into_inner();
    let proof = authorize_package::<ManagePackages>(&state, &actor, id).await?;
    service::incompatibilities::remove_incompatible_group(&proof, &state, &actor, id, group)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}
