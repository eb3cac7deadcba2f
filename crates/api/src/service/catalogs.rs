//! Catalogs: creating and editing them, delegating their roles, and adding resources.

use std::collections::BTreeMap;

use chrono::Utc;
use serde::Serialize;
use tessera_domain::catalog::{
    CatalogChanges, CatalogName, CatalogQuery, CatalogResource, CatalogRole, CatalogRoleHolder,
    CatalogView, Description, NewCatalog, NewCatalogResource, ResourceKind,
};
use tessera_domain::page::CatalogPage;
use tessera_domain::problem::ProblemCode;
use tessera_domain::{CatalogId, UserId};
use uuid::Uuid;

use super::audit_event;
use super::page::{PageRequest, parse_search};
use crate::auth::Actor;
use crate::auth::authz::catalog_permission::{ManageCatalog, Read};
use crate::auth::authz::{CatalogCreatorProof, CatalogProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::catalogs::{
    CatalogRow, CatalogUpdate, DeleteCatalog, NewCatalogRecord, RemoveResource,
};
use crate::store::usage::Resource;
use crate::store::{self, StoreError};

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored catalog data does not parse");
    ApiError::Internal
}

pub(crate) fn catalog_view(row: &CatalogRow, my_roles: Vec<CatalogRole>) -> ApiResult<CatalogView> {
    Ok(CatalogView {
        id: CatalogId::from_uuid(row.id),
        name: CatalogName::parse(row.name.clone()).map_err(|_| corrupt("name", row.id))?,
        description: Description::parse(row.description.clone())
            .map_err(|_| corrupt("description", row.id))?,
        enabled: row.enabled,
        created_at: row.created_at,
        updated_at: row.updated_at,
        my_roles,
    })
}

async fn my_roles(state: &AppState, catalog: Uuid, actor: UserId) -> ApiResult<Vec<CatalogRole>> {
    Ok(
        store::catalogs::list_roles_of(&state.db, catalog, *actor.as_uuid())
            .await?
            .iter()
            .filter_map(|role| CatalogRole::parse(role))
            .collect(),
    )
}

fn name_taken(name: &str) -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::CatalogNameTaken,
        detail: format!("A catalog named {name} exists."),
        field: Some("name"),
    }
}

/// Creates a catalog. A catalog creator who is not an administrator becomes its first owner.
pub async fn create_catalog(
    proof: &CatalogCreatorProof,
    state: &AppState,
    actor: &Actor,
    input: NewCatalog,
) -> ApiResult<CatalogView> {
    let record = NewCatalogRecord {
        id: Uuid::now_v7(),
        name: input.name.to_string(),
        name_key: input.name.key(),
        description: input.description.as_str().to_string(),
        enabled: input.enabled,
        first_owner: (!actor.is_admin).then(|| *proof.actor().as_uuid()),
        now: Utc::now(),
    };
    let row = store::catalogs::insert_catalog(&state.db, &record, |row| {
        let after = catalog_view(row, Vec::new()).ok();
        audit_event::<CatalogView, _>(
            Some(actor),
            "catalog.create",
            "catalog",
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
    let roles = my_roles(state, row.id, actor.id).await?;
    catalog_view(&row, roles)
}

/// The catalogs the actor may see: all for administrators, otherwise those where they hold a
/// role.
pub async fn list_catalogs(
    state: &AppState,
    actor: &Actor,
    query: &CatalogQuery,
) -> ApiResult<CatalogPage> {
    let page = PageRequest::parse(&query.page())?;
    let search = parse_search(query.q.as_deref())?;
    let member = (!actor.is_admin).then(|| *actor.id.as_uuid());
    let rows = store::catalogs::list_catalogs(
        &state.db,
        member,
        search,
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.name_key.clone());
    let mut roles: BTreeMap<Uuid, Vec<CatalogRole>> = BTreeMap::new();
    for (catalog, role) in
        store::catalogs::list_roles_of_user(&state.db, *actor.id.as_uuid()).await?
    {
        if let Some(role) = CatalogRole::parse(&role) {
            roles.entry(catalog).or_default().push(role);
        }
    }
    let items = rows
        .iter()
        .map(|row| {
            let mut mine = roles.remove(&row.id).unwrap_or_default();
            mine.sort();
            catalog_view(row, mine)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(CatalogPage { items, next_cursor })
}

pub async fn get_catalog(proof: &CatalogProof<Read>, state: &AppState) -> ApiResult<CatalogView> {
    let id = *proof.catalog().as_uuid();
    let row = store::catalogs::find_catalog(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("catalog"))?;
    catalog_view(&row, my_roles(state, id, proof.actor()).await?)
}

pub async fn update_catalog(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    changes: CatalogChanges,
) -> ApiResult<CatalogView> {
    if changes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "name at least one field to change",
        ));
    }
    let id = *proof.catalog().as_uuid();
    let current = store::catalogs::find_catalog(&state.db, id)
        .await?
        .ok_or(ApiError::NotFound("catalog"))?;
    let before = catalog_view(&current, Vec::new())?;
    let (name, name_key) = match &changes.name {
        Some(name) => (name.to_string(), name.key()),
        None => (current.name.clone(), current.name_key.clone()),
    };
    let update = CatalogUpdate {
        name: name.clone(),
        name_key,
        description: changes
            .description
            .map_or(current.description.clone(), |d| d.as_str().to_string()),
        enabled: changes.enabled.unwrap_or(current.enabled),
    };
    let row = store::catalogs::transition_catalog(
        &state.db,
        id,
        current.version,
        &update,
        Utc::now(),
        |row| {
            let after = catalog_view(row, Vec::new()).ok();
            audit_event(
                Some(actor),
                "catalog.update",
                "catalog",
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
    catalog_view(&row, my_roles(state, id, proof.actor()).await?)
}

/// Deletes a catalog that holds no access packages.
pub async fn delete_catalog(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
) -> ApiResult<()> {
    let outcome = store::catalogs::delete_catalog(&state.db, *proof.catalog().as_uuid(), |row| {
        let before = catalog_view(row, Vec::new()).ok();
        audit_event::<_, CatalogView>(
            Some(actor),
            "catalog.delete",
            "catalog",
            row.id.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await?;
    match outcome {
        DeleteCatalog::Deleted => Ok(()),
        DeleteCatalog::NotFound => Err(ApiError::NotFound("catalog")),
        DeleteCatalog::HasPackages(count) => Err(ApiError::Conflict {
            code: ProblemCode::CatalogHasPackages,
            detail: format!(
                "The catalog holds {count} access package(s); delete or move them first."
            ),
            field: None,
        }),
    }
}

pub async fn list_roles(
    proof: &CatalogProof<Read>,
    state: &AppState,
) -> ApiResult<Vec<CatalogRoleHolder>> {
    store::catalogs::list_role_holders(&state.db, *proof.catalog().as_uuid())
        .await?
        .into_iter()
        .map(|row| {
            Ok(CatalogRoleHolder {
                user_id: UserId::from_uuid(row.user_id),
                role: CatalogRole::parse(&row.role).ok_or_else(|| corrupt("role", row.user_id))?,
                username: row.username,
                display_name: row.display_name,
                granted_at: row.granted_at,
            })
        })
        .collect()
}

#[derive(Serialize)]
struct RoleGrant {
    user_id: UserId,
    role: CatalogRole,
}

/// Grants `role` in the catalog to `user`. Idempotent.
pub async fn grant_role(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    role: CatalogRole,
    user: UserId,
) -> ApiResult<()> {
    store::users::find_user(&state.db, *user.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("user"))?;
    let catalog = proof.catalog();
    let grant = RoleGrant {
        user_id: user,
        role,
    };
    store::catalogs::grant_role(
        &state.db,
        *catalog.as_uuid(),
        *user.as_uuid(),
        role.as_str(),
        Utc::now(),
        || {
            audit_event::<RoleGrant, _>(
                Some(actor),
                "catalog.role.grant",
                "catalog",
                catalog.to_string(),
                None,
                Some(&grant),
            )
        },
    )
    .await?;
    Ok(())
}

/// Revokes `role` in the catalog from `user`. Revoking a role not held is not an error.
pub async fn revoke_role(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    role: CatalogRole,
    user: UserId,
) -> ApiResult<()> {
    let catalog = proof.catalog();
    let grant = RoleGrant {
        user_id: user,
        role,
    };
    store::catalogs::revoke_role(
        &state.db,
        *catalog.as_uuid(),
        *user.as_uuid(),
        role.as_str(),
        || {
            audit_event::<_, RoleGrant>(
                Some(actor),
                "catalog.role.revoke",
                "catalog",
                catalog.to_string(),
                Some(&grant),
                None,
            )
        },
    )
    .await?;
    Ok(())
}

pub async fn list_resources(
    proof: &CatalogProof<Read>,
    state: &AppState,
) -> ApiResult<Vec<CatalogResource>> {
    store::catalogs::list_resources(&state.db, *proof.catalog().as_uuid())
        .await?
        .into_iter()
        .map(|row| {
            Ok(CatalogResource {
                kind: row.kind,
                id: row.id,
                name: row.name,
                added_at: row.added_at,
            })
        })
        .collect()
}

/// Adds a group or application to the catalog. Besides owning the catalog, the actor needs
/// rights on the resource itself: administrators may add anything, a group's owners may add
/// that group.
pub async fn add_resource(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    input: NewCatalogResource,
) -> ApiResult<CatalogResource> {
    let kind = input.kind.as_str();
    let name = store::catalogs::find_resource_name(&state.db, input.kind, input.id)
        .await?
        .ok_or_else(|| ApiError::invalid("id", format!("no {kind} has this id")))?;
    let may_add = actor.is_admin
        || (input.kind == ResourceKind::Group
            && store::catalogs::is_group_owner(&state.db, input.id, *actor.id.as_uuid()).await?);
    if !may_add {
        return Err(ApiError::Forbidden(match input.kind {
            ResourceKind::Group => "Only administrators and the group's owners may add a group.",
            ResourceKind::Application => "Only administrators may add an application.",
        }));
    }
    if input.kind == ResourceKind::Group {
        super::groups::refuse_scim_managed_id(state, input.id).await?;
    }
    let catalog = proof.catalog();
    let now = Utc::now();
    let added = CatalogResource {
        kind: input.kind,
        id: input.id,
        name,
        added_at: now,
    };
    store::catalogs::insert_resource(
        &state.db,
        *catalog.as_uuid(),
        input.kind,
        input.id,
        now,
        || {
            audit_event::<CatalogResource, _>(
                Some(actor),
                "catalog.resource.add",
                "catalog",
                catalog.to_string(),
                None,
                Some(&added),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::ResourceInCatalog,
            detail: format!("This {kind} is in the catalog already."),
            field: Some("id"),
        },
        other => other.into(),
    })?;
    Ok(added)
}

/// Removes a group or application from the catalog. Refused with `resource_in_use` while
/// packages of the catalog grant it or their policies name it, unless `cascade`: then those
/// packages stop granting it (their holders lose its roles) and those policies are disabled.
pub async fn remove_resource(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    kind: ResourceKind,
    id: Uuid,
    cascade: bool,
) -> ApiResult<()> {
    let catalog = proof.catalog();
    let resource = match kind {
        ResourceKind::Group => Resource::Group(id),
        ResourceKind::Application => Resource::Application(id),
    };
    let checked = super::usage::check(
        state,
        resource,
        Some(*catalog.as_uuid()),
        cascade,
        kind.as_str(),
    )
    .await?;
    let removed = store::catalogs::delete_resource(
        &state.db,
        *catalog.as_uuid(),
        kind,
        id,
        &checked.guard(),
        cascade,
        || {
            #[derive(Serialize)]
            struct Removed {
                kind: ResourceKind,
                id: Uuid,
                #[serde(skip_serializing_if = "Option::is_none")]
                cascaded: Option<tessera_domain::problem::UsedBy>,
            }
            audit_event::<_, ()>(
                Some(actor),
                "catalog.resource.remove",
                "catalog",
                catalog.to_string(),
                Some(&Removed {
                    kind,
                    id,
                    cascaded: checked.cascaded(),
                }),
                None,
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict => super::usage::changed_meanwhile(),
        other => other.into(),
    })?;
    match removed {
        RemoveResource::Removed => Ok(()),
        RemoveResource::NotInCatalog => Err(ApiError::NotFound("resource in this catalog")),
    }
}
