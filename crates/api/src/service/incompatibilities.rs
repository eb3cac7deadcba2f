//! Separation of duties: which access packages and groups a package is incompatible with.
//!
//! Only the configuration lives here for now. Refusing a request or a direct assignment that
//! would break it, and reporting people who already hold conflicting access, need assignments.

use chrono::Utc;
use tessera_domain::catalog::ResourceKind;
use tessera_domain::directory::GroupName;
use tessera_domain::incompatibility::{GroupSummary, IncompatibilitiesView, PackageSummary};
use tessera_domain::package::PackageName;
use tessera_domain::{AccessPackageId, CatalogId, GroupId};
use uuid::Uuid;

use super::audit_event;
use crate::auth::Actor;
use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::incompatibilities::{GroupSummaryRow, Incompatible, PackageSummaryRow};
use crate::store::packages::PackageRow;

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored name does not parse");
    ApiError::Internal
}

fn package_summary(row: &PackageSummaryRow) -> ApiResult<PackageSummary> {
    Ok(PackageSummary {
        id: AccessPackageId::from_uuid(row.id),
        name: PackageName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
        catalog_id: CatalogId::from_uuid(row.catalog_id),
    })
}

fn group_summary(row: &GroupSummaryRow) -> ApiResult<GroupSummary> {
    Ok(GroupSummary {
        id: GroupId::from_uuid(row.id),
        name: GroupName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
    })
}

/// The package `id`, if it is in `catalog`.
async fn find_in(
    state: &AppState,
    catalog: CatalogId,
    id: Uuid,
    what: &'static str,
) -> ApiResult<PackageRow> {
    store::packages::find_package(&state.db, id)
        .await?
        .filter(|row| row.catalog_id == *catalog.as_uuid())
        .ok_or(ApiError::NotFound(what))
}

/// How the other package of a relation is reported when it does not exist, or the caller
/// may not see it: as not found, named so that it is not taken for the package of the path.
pub fn other_package_not_found(err: ApiError) -> ApiError {
    match err {
        ApiError::NotFound(_) => ApiError::NotFound("incompatible access package"),
        other => other,
    }
}

fn not_itself(package: AccessPackageId, other: AccessPackageId) -> ApiResult<()> {
    if package == other {
        Err(ApiError::invalid(
            "other_id",
            "a package cannot be incompatible with itself",
        ))
    } else {
        Ok(())
    }
}

pub async fn get_incompatibilities(
    proof: &CatalogProof<Read>,
    state: &AppState,
    id: AccessPackageId,
) -> ApiResult<IncompatibilitiesView> {
    let package = find_in(state, proof.catalog(), *id.as_uuid(), "access package").await?;
    let packages = store::incompatibilities::list_incompatible_packages(&state.db, package.id)
        .await?
        .iter()
        .map(package_summary)
        .collect::<ApiResult<Vec<_>>>()?;
    let groups = store::incompatibilities::list_incompatible_groups(&state.db, package.id)
        .await?
        .iter()
        .map(group_summary)
        .collect::<ApiResult<Vec<_>>>()?;
    let incompatible_with =
        store::incompatibilities::list_packages_incompatible_with(&state.db, package.id)
            .await?
            .iter()
            .map(package_summary)
            .collect::<ApiResult<Vec<_>>>()?;
    Ok(IncompatibilitiesView {
        packages,
        groups,
        incompatible_with,
    })
}

/// The other package, checked: not the package itself, existing in the catalog the caller
/// was found to read.
async fn other_package(
    proof: &CatalogProof<ManagePackages>,
    other_proof: &CatalogProof<Read>,
    state: &AppState,
    id: AccessPackageId,
    other: AccessPackageId,
) -> ApiResult<(PackageRow, PackageSummary)> {
    let package = find_in(state, proof.catalog(), *id.as_uuid(), "access package").await?;
    not_itself(id, other)?;
    let row = find_in(
        state,
        other_proof.catalog(),
        *other.as_uuid(),
        "incompatible access package",
    )
    .await?;
    let summary = PackageSummary {
        id: other,
        name: PackageName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
        catalog_id: CatalogId::from_uuid(row.catalog_id),
    };
    Ok((package, summary))
}

/// Makes `id` incompatible with `other`: holders of `other` may not get `id`. `other_proof`
/// shows the caller may read `other`'s catalog. Adding a recorded relation changes nothing.
pub async fn add_incompatible_package(
    proof: &CatalogProof<ManagePackages>,
    other_proof: &CatalogProof<Read>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    other: AccessPackageId,
) -> ApiResult<()> {
    let (package, summary) = other_package(proof, other_proof, state, id, other).await?;
    store::incompatibilities::insert_incompatibility(
        &state.db,
        Incompatible::Package,
        package.id,
        *other.as_uuid(),
        Utc::now(),
        || {
            audit_event::<(), _>(
                Some(actor),
                "access_package.incompatible_package.add",
                "access_package",
                package.id.to_string(),
                None,
                Some(&summary),
            )
        },
    )
    .await?;
    Ok(())
}

pub async fn remove_incompatible_package(
    proof: &CatalogProof<ManagePackages>,
    other_proof: &CatalogProof<Read>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    other: AccessPackageId,
) -> ApiResult<()> {
    let (package, summary) = other_package(proof, other_proof, state, id, other).await?;
    store::incompatibilities::delete_incompatibility(
        &state.db,
        Incompatible::Package,
        package.id,
        *other.as_uuid(),
        || {
            audit_event::<_, ()>(
                Some(actor),
                "access_package.incompatible_package.remove",
                "access_package",
                package.id.to_string(),
                Some(&summary),
                None,
            )
        },
    )
    .await?;
    Ok(())
}

async fn group(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    id: AccessPackageId,
    group: GroupId,
) -> ApiResult<(PackageRow, GroupSummary)> {
    let package = find_in(state, proof.catalog(), *id.as_uuid(), "access package").await?;
    let name =
        store::catalogs::find_resource_name(&state.db, ResourceKind::Group, *group.as_uuid())
            .await?
            .ok_or(ApiError::NotFound("group"))?;
    let name = GroupName::parse(name).map_err(|_| corrupt("name", *group.as_uuid()))?;
    Ok((package, GroupSummary { id: group, name }))
}

/// Makes `id` incompatible with `group`: its members may not get `id`. Adding a recorded
/// relation changes nothing.
pub async fn add_incompatible_group(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    group_id: GroupId,
) -> ApiResult<()> {
    let (package, summary) = group(proof, state, id, group_id).await?;
    store::incompatibilities::insert_incompatibility(
        &state.db,
        Incompatible::Group,
        package.id,
        *group_id.as_uuid(),
        Utc::now(),
        || {
            audit_event::<(), _>(
                Some(actor),
                "access_package.incompatible_group.add",
                "access_package",
                package.id.to_string(),
                None,
                Some(&summary),
            )
        },
    )
    .await?;
    Ok(())
}

pub async fn remove_incompatible_group(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    group_id: GroupId,
) -> ApiResult<()> {
    let (package, summary) = group(proof, state, id, group_id).await?;
    store::incompatibilities::delete_incompatibility(
        &state.db,
        Incompatible::Group,
        package.id,
        *group_id.as_uuid(),
        || {
            audit_event::<_, ()>(
                Some(actor),
                "access_package.incompatible_group.remove",
                "access_package",
                package.id.to_string(),
                Some(&summary),
                None,
            )
        },
    )
    .await?;
    Ok(())
}
