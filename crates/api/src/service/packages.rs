//! Access packages: what people request, and the resource roles an assignment grants.
//!
//! Changing a package's resource roles grants or removes them for everyone the package is
//! delivered to (the store does it in the same transaction). Deleting a package ends its
//! assignments the same way: nobody keeps access through a package that no longer exists.

use chrono::Utc;
use tessera_domain::catalog::Description;
use tessera_domain::package::{
    AccessPackageChanges, AccessPackageQuery, AccessPackageView, CatalogPackageQuery,
    NewAccessPackage, NewResourceRole, PackageName, ResourceRoleView,
};
use tessera_domain::page::{AccessPackagePage, PageQuery};
use tessera_domain::problem::ProblemCode;
use tessera_domain::{AccessPackageId, AppRoleId, ApplicationId, CatalogId, GroupId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::page::PageRequest;
use crate::auth::Actor;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::auth::authz::{AdminProof, CatalogProof, CatalogsProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::packages::{
    AddResourceRole, MovePackage, NewPackageRecord, NewResourceRoleRecord, PackageRow,
    PackageUpdate, ResourceRoleRow,
};
use crate::store::{self, DeleteOutcome, StoreError};

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored access package data does not parse");
    ApiError::Internal
}

fn resource_role_view(row: &ResourceRoleRow) -> ApiResult<ResourceRoleView> {
    Ok(ResourceRoleView {
        id: row.id,
        kind: row.kind,
        group_id: row.group_id.map(GroupId::from_uuid),
        application_id: row.application_id.map(ApplicationId::from_uuid),
        app_role_id: row.app_role_id.map(AppRoleId::from_uuid),
        resource_name: row.resource_name.clone(),
        role_name: row.role_name.clone(),
    })
}

fn package_view(row: &PackageRow, roles: &[ResourceRoleRow]) -> ApiResult<AccessPackageView> {
    Ok(AccessPackageView {
        id: AccessPackageId::from_uuid(row.id),
        catalog_id: CatalogId::from_uuid(row.catalog_id),
        name: PackageName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
        description: Description::parse(row.description.clone())
            .map_err(|_| corrupt("description", row.id))?,
        hidden: row.hidden,
        resource_roles: roles
            .iter()
            .filter(|role| role.package_id == row.id)
            .map(resource_role_view)
            .collect::<ApiResult<Vec<_>>>()?,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

async fn load(
    state: &AppState,
    catalog: CatalogId,
    id: Uuid,
) -> ApiResult<(PackageRow, Vec<ResourceRoleRow>)> {
    let row = store::packages::find_package(&state.db, id)
        .await?
        .filter(|row| row.catalog_id == *catalog.as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let roles = store::packages::list_resource_roles(&state.db, row.catalog_id, &[row.id]).await?;
    Ok((row, roles))
}

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::PackageNameTaken,
        detail: format!("The catalog has a package named {name}."),
        field: Some("name"),
    }
}

pub async fn list_packages(
    proof: &CatalogProof<Read>,
    state: &AppState,
    query: &CatalogPackageQuery,
) -> ApiResult<AccessPackagePage> {
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let search = super::page::parse_search(query.q.as_deref())?;
    let catalog = *proof.catalog().as_uuid();
    let rows = store::packages::list_packages(
        &state.db,
        catalog,
        search,
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.name_key.clone());
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let roles = store::packages::list_resource_roles(&state.db, catalog, &ids).await?;
    let items = rows
        .iter()
        .map(|row| package_view(row, &roles))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AccessPackagePage { items, next_cursor })
}

/// Which catalogs' packages a caller may list across catalogs.
pub enum PackageScope {
    /// Administrators: every catalog.
    All(AdminProof),
    /// One catalog the caller named and may read.
    Catalog(CatalogProof<Read>),
    /// The catalogs where the caller holds a role (none for people with no catalog role).
    Readable(CatalogsProof<Read>),
}

/// Packages across the catalogs `scope` lets the caller see, by name.
pub async fn list_all_packages(
    scope: &PackageScope,
    state: &AppState,
    query: &AccessPackageQuery,
) -> ApiResult<AccessPackagePage> {
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let search = super::page::parse_search(query.q.as_deref())?;
    // The cursor is the last package's id (36 characters) followed by its name key.
    let after = match page.after.as_deref() {
        None => None,
        Some(after) => {
            let (id, key) = after
                .split_at_checked(36)
                .ok_or_else(super::page::not_a_cursor)?;
            let id = Uuid::parse_str(id).map_err(|_| super::page::not_a_cursor())?;
            Some((key, id))
        }
    };
    let catalogs: Option<Vec<Uuid>> = match scope {
        PackageScope::All(_) => None,
        PackageScope::Catalog(proof) => Some(vec![*proof.catalog().as_uuid()]),
        PackageScope::Readable(proof) => {
            Some(proof.catalogs().iter().map(|id| *id.as_uuid()).collect())
        }
    };
    let rows = store::packages::list_packages_across(
        &state.db,
        catalogs.as_deref(),
        search,
        after,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| format!("{}{}", row.id, row.name_key));
    let mut roles = Vec::new();
    let mut by_catalog: std::collections::BTreeMap<Uuid, Vec<Uuid>> = Default::default();
    for row in &rows {
        by_catalog.entry(row.catalog_id).or_default().push(row.id);
    }
    for (catalog, ids) in by_catalog {
        roles.extend(store::packages::list_resource_roles(&state.db, catalog, &ids).await?);
    }
    let items = rows
        .iter()
        .map(|row| package_view(row, &roles))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AccessPackagePage { items, next_cursor })
}

pub async fn create_package(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    input: NewAccessPackage,
) -> ApiResult<AccessPackageView> {
    let record = NewPackageRecord {
        id: Uuid::now_v7(),
        catalog_id: *proof.catalog().as_uuid(),
        name: input.name.to_string(),
        name_key: input.name.key(),
        description: input.description.as_str().to_string(),
        hidden: input.hidden,
        now: Utc::now(),
    };
    let row = store::packages::insert_package(&state.db, &record, |row| {
        let after = package_view(row, &[]).ok();
        audit_event::<AccessPackageView, _>(
            Some(actor),
            "access_package.create",
            "access_package",
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => name_taken(&record.name),
        other => other.into(),
    })?;
    package_view(&row, &[])
}

pub async fn get_package(
    proof: &CatalogProof<Read>,
    state: &AppState,
    id: AccessPackageId,
) -> ApiResult<AccessPackageView> {
    let (row, roles) = load(state, proof.catalog(), *id.as_uuid()).await?;
    package_view(&row, &roles)
}

pub async fn update_package(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    changes: AccessPackageChanges,
) -> ApiResult<AccessPackageView> {
    if changes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "name at least one field to change",
        ));
    }
    let (current, roles) = load(state, proof.catalog(), *id.as_uuid()).await?;
    let before = package_view(&current, &roles)?;
    let (name, name_key) = match &changes.name {
        Some(name) => (name.to_string(), name.key()),
        None => (current.name.clone(), current.name_key.clone()),
    };
    let update = PackageUpdate {
        name: name.clone(),
        name_key,
        description: changes
            .description
            .map_or(current.description.clone(), |d| d.as_str().to_string()),
        hidden: changes.hidden.unwrap_or(current.hidden),
    };
    let row = store::packages::transition_package(
        &state.db,
        current.id,
        current.version,
        &update,
        Utc::now(),
        |row| {
            let after = package_view(row, &roles).ok();
            audit_event(
                Some(actor),
                "access_package.update",
                "access_package",
                row.id.to_string(),
                Some(&before),
                after.as_ref(),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => name_taken(&name),
        other => other.into(),
    })?;
    package_view(&row, &roles)
}

/// Moves a package to another catalog the caller also manages packages in. Every group and
/// application its resource roles name must be in the target catalog already (409
/// `resources_not_in_catalog` names those that are not); its policies, assignments and
/// requests go with it.
pub async fn move_package(
    proof: &CatalogProof<ManagePackages>,
    target: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
) -> ApiResult<AccessPackageView> {
    let (current, roles) = load(state, proof.catalog(), *id.as_uuid()).await?;
    if target.catalog() == proof.catalog() {
        return package_view(&current, &roles);
    }
    let before = package_view(&current, &roles)?;
    let moved = store::packages::move_package(
        &state.db,
        current.id,
        current.version,
        *target.catalog().as_uuid(),
        Utc::now(),
        |row| {
            let after = package_view(row, &roles).ok();
            audit_event(
                Some(actor),
                "access_package.move",
                "access_package",
                row.id.to_string(),
                Some(&before),
                after.as_ref(),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::PackageNameTaken,
            detail: format!("The target catalog has a package named {}.", current.name),
            field: Some("catalog_id"),
        },
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::PackageChanged,
            detail: "The package changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    match moved {
        MovePackage::Moved(row) => {
            let roles =
                store::packages::list_resource_roles(&state.db, row.catalog_id, &[row.id]).await?;
            package_view(&row, &roles)
        }
        MovePackage::MissingResources(missing) => {
            let named: Vec<String> = missing
                .iter()
                .map(|(kind, id, name)| format!("{name} ({kind} {id})"))
                .collect();
            Err(ApiError::Conflict {
                code: ProblemCode::ResourcesNotInCatalog,
                detail: format!(
                    "The package grants roles of resources the target catalog does not hold: {}. \
                     Add them to that catalog first.",
                    named.join(", ")
                ),
                field: Some("catalog_id"),
            })
        }
    }
}

pub async fn delete_package(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
) -> ApiResult<()> {
    let (current, roles) = load(state, proof.catalog(), *id.as_uuid()).await?;
    let before = package_view(&current, &roles)?;
    let tell = |row: &PackageRow, holder: Uuid| {
        super::notifications::access_ended(
            state,
            UserId::from_uuid(holder),
            &row.name,
            &super::notifications::AccessEndReason::PackageDeleted,
        )
    };
    let deleted =
        store::packages::delete_package(&state.db, current.id, Utc::now(), tell, |row, ended| {
            #[derive(serde::Serialize)]
            struct Deleted {
                ended_assignments: usize,
            }
            audit_event(
                Some(actor),
                "access_package.delete",
                "access_package",
                row.id.to_string(),
                Some(&before),
                Some(&Deleted {
                    ended_assignments: ended,
                }),
            )
        })
        .await?;
    match deleted {
        DeleteOutcome::Deleted => Ok(()),
        DeleteOutcome::NotFound | DeleteOutcome::InUse(_) => {
            Err(ApiError::NotFound("access package"))
        }
    }
}

pub async fn add_resource_role(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    input: NewResourceRole,
) -> ApiResult<ResourceRoleView> {
    let (package, _) = load(state, proof.catalog(), *id.as_uuid()).await?;
    let (group_id, app_role_id) = match &input {
        NewResourceRole::GroupMember { group_id } | NewResourceRole::GroupOwner { group_id } => {
            (Some(*group_id.as_uuid()), None)
        }
        NewResourceRole::AppRole { app_role_id } => (None, Some(*app_role_id.as_uuid())),
    };
    if let NewResourceRole::GroupMember { group_id } = &input {
        super::groups::refuse_scim_managed_id(state, *group_id.as_uuid()).await?;
    }
    let record = NewResourceRoleRecord {
        id: Uuid::now_v7(),
        package_id: package.id,
        catalog_id: package.catalog_id,
        kind: input.kind().as_str(),
        group_id,
        app_role_id,
        now: Utc::now(),
    };
    let added = store::packages::insert_resource_role(&state.db, &record, |row| {
        let after = resource_role_view(row).ok();
        audit_event::<ResourceRoleView, _>(
            Some(actor),
            "access_package.resource_role.add",
            "access_package",
            package.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::ResourceRoleExists,
            detail: "The package grants this role already.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    match added {
        AddResourceRole::Added(row) => resource_role_view(&row),
        AddResourceRole::NotInCatalog => {
            let field = if group_id.is_some() {
                "group_id"
            } else {
                "app_role_id"
            };
            Err(ApiError::invalid(
                field,
                "is not a resource of the package's catalog; add it to the catalog first",
            ))
        }
    }
}

pub async fn remove_resource_role(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    id: AccessPackageId,
    role: Uuid,
) -> ApiResult<()> {
    let (package, _) = load(state, proof.catalog(), *id.as_uuid()).await?;
    let removed = store::packages::delete_resource_role(&state.db, package.id, role, |row| {
        let before = resource_role_view(row).ok();
        audit_event::<_, ResourceRoleView>(
            Some(actor),
            "access_package.resource_role.remove",
            "access_package",
            package.id.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await?;
    if removed {
        Ok(())
    } else {
        Err(ApiError::NotFound("resource role of this package"))
    }
}
