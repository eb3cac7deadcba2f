//! Groups: administrators create, rename and delete them, and manage their members and owners.

use tessera_domain::directory::{
    Description, GroupChanges, GroupManager, GroupName, GroupRole, GroupSummary, GroupView,
    NameSearchQuery, NewGroup,
};
use tessera_domain::ids::IdList;
use tessera_domain::page::{GroupPage, MemberPage, PageQuery};
use tessera_domain::problem::ProblemCode;
use tessera_domain::{GroupId, UserId};
use uuid::Uuid;

use super::directory;
use super::page::PageRequest;
use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::ManageCatalog;
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::directory::{Link, Named, NamedRecord, NamedRow};

/// Turns a stored row into its wire form. A row that no longer parses is a server fault.
pub fn group_view(row: &NamedRow) -> ApiResult<GroupView> {
    let corrupt = |what: &str| {
        tracing::error!(group = %row.id, field = what, "stored group does not parse");
        ApiError::Internal
    };
    Ok(GroupView {
        id: GroupId::from_uuid(row.id),
        name: GroupName::parse(row.name.clone()).map_err(|_| corrupt("name"))?,
        description: Description::parse(row.description.clone())
            .map_err(|_| corrupt("description"))?,
        managed_by: row.managed_by,
        external_id: row.external_id.clone(),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// Refuses, with `group_managed_by_provider`, to let Tessera change the members of a group the
/// identity provider manages through SCIM: by hand, or by delivering access packages into it.
/// A group's manager never changes once it is created, so checking before the write is enough.
pub(crate) fn refuse_scim_managed(row: &NamedRow) -> ApiResult<()> {
    match row.managed_by {
        GroupManager::Tessera => Ok(()),
        GroupManager::Scim => Err(ApiError::Conflict {
            code: ProblemCode::GroupManagedByProvider,
            detail: format!(
                "The identity provider manages the members of {} through SCIM; change them there.",
                row.name
            ),
            field: None,
        }),
    }
}

/// [`refuse_scim_managed`] for a group named by id; a group that does not exist passes (the
/// caller's own checks report it).
pub(crate) async fn refuse_scim_managed_id(state: &AppState, id: Uuid) -> ApiResult<()> {
    match store::directory::find_named(&state.db, Named::Group, id).await? {
        Some(row) => refuse_scim_managed(&row),
        None => Ok(()),
    }
}

fn link_of(role: GroupRole) -> Link {
    match role {
        GroupRole::Member => Link::GroupMember,
        GroupRole::Owner => Link::GroupOwner,
    }
}

pub async fn list_groups(
    _: &AdminProof,
    state: &AppState,
    query: &NameSearchQuery,
) -> ApiResult<GroupPage> {
    let (rows, next_cursor) = directory::list_named(state, Named::Group, query).await?;
    let items = rows.iter().map(group_view).collect::<ApiResult<Vec<_>>>()?;
    Ok(GroupPage { items, next_cursor })
}

/// The groups a catalog owner may add to their catalog, by name: those they own (any group,
/// for administrators) that are not in it yet.
pub async fn list_addable_groups(
    proof: &CatalogProof<ManageCatalog>,
    state: &AppState,
    actor: &Actor,
    query: &NameSearchQuery,
) -> ApiResult<GroupPage> {
    let page = PageRequest::parse(&directory::page_query(query))?;
    let search = directory::search_text(query)?;
    let owner = (!actor.is_admin).then(|| *actor.id.as_uuid());
    let rows = store::directory::list_addable_groups(
        &state.db,
        *proof.catalog().as_uuid(),
        owner,
        search.as_deref(),
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.name_key.clone());
    let items = rows.iter().map(group_view).collect::<ApiResult<Vec<_>>>()?;
    Ok(GroupPage { items, next_cursor })
}

/// The names of the groups among `ids`, by name, for anyone signed in: a policy or an access
/// review that names a group shows its name to people who may not list the directory.
pub async fn list_group_names(
    state: &AppState,
    ids: &IdList<GroupId>,
) -> ApiResult<Vec<GroupSummary>> {
    let ids: Vec<Uuid> = ids.ids().iter().map(|id| *id.as_uuid()).collect();
    let rows = store::directory::find_named_by_ids(&state.db, Named::Group, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|row| GroupSummary {
            id: GroupId::from_uuid(row.id),
            name: row.name,
        })
        .collect())
}

pub async fn get_group(_: &AdminProof, state: &AppState, id: GroupId) -> ApiResult<GroupView> {
    group_view(&directory::find_named(state, Named::Group, *id.as_uuid()).await?)
}

/// Creates a group. `actor` is `None` only for the command line.
pub(crate) async fn create_group(
    state: &AppState,
    actor: Option<&Actor>,
    input: NewGroup,
) -> ApiResult<NamedRow> {
    let record = NamedRecord {
        name_key: input.name.key(),
        name: input.name.to_string(),
        description: String::from(input.description),
    };
    directory::create_named(state, actor, Named::Group, record, group_view).await
}

pub async fn create_group_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    input: NewGroup,
) -> ApiResult<GroupView> {
    group_view(&create_group(state, Some(actor), input).await?)
}

/// Applies `changes` to the group read as `current`. `actor` is `None` only for the command
/// line.
pub(crate) async fn change_group(
    state: &AppState,
    actor: Option<&Actor>,
    current: &NamedRow,
    changes: GroupChanges,
) -> ApiResult<NamedRow> {
    let record = directory::changed_record(
        current,
        changes.name.as_ref().map(GroupName::as_str),
        changes.name.as_ref().map(GroupName::key),
        changes.description.as_ref(),
    );
    directory::update_named(state, actor, Named::Group, current, record, group_view).await
}

pub async fn update_group(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    changes: GroupChanges,
) -> ApiResult<GroupView> {
    if changes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "name at least one field to change",
        ));
    }
    let current = directory::find_named(state, Named::Group, *id.as_uuid()).await?;
    group_view(&change_group(state, Some(actor), &current, changes).await?)
}

/// Deletes a group; its memberships and ownerships go with it.
pub async fn delete_group(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    cascade: bool,
) -> ApiResult<()> {
    directory::delete_named(
        state,
        actor,
        Named::Group,
        *id.as_uuid(),
        group_view,
        cascade,
    )
    .await
}

/// The members or owners of a group, by username.
pub async fn list_group_users(
    _: &AdminProof,
    state: &AppState,
    id: GroupId,
    role: GroupRole,
    query: &PageQuery,
) -> ApiResult<MemberPage> {
    let group = directory::find_named(state, Named::Group, *id.as_uuid()).await?;
    directory::list_links(state, link_of(role), group.id, query).await
}

/// Makes a user a member or owner of a group; doing it twice changes nothing. Answers whether
/// the user was added. `actor` is `None` only for the command line. The members of a group
/// SCIM manages are refused (by hand and by import alike).
pub(crate) async fn add_group_user(
    state: &AppState,
    actor: Option<&Actor>,
    group: &NamedRow,
    role: GroupRole,
    user: UserId,
) -> ApiResult<bool> {
    if role == GroupRole::Member {
        refuse_scim_managed(group)?;
    }
    directory::add_link(
        state,
        actor,
        link_of(role),
        "group",
        group.id,
        group.id,
        user,
    )
    .await
}

pub async fn add_group_user_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    role: GroupRole,
    user: UserId,
) -> ApiResult<()> {
    let group = directory::find_named(state, Named::Group, *id.as_uuid()).await?;
    add_group_user(state, Some(actor), &group, role, user).await?;
    Ok(())
}

/// Removes a member or owner; removing someone who is not one is fine.
pub async fn remove_group_user(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: GroupId,
    role: GroupRole,
    user: UserId,
) -> ApiResult<()> {
    let group = directory::find_named(state, Named::Group, *id.as_uuid()).await?;
    if role == GroupRole::Member {
        refuse_scim_managed(&group)?;
    }
    directory::remove_link(
        state,
        actor,
        link_of(role),
        "group",
        group.id,
        group.id,
        user,
    )
    .await
}
