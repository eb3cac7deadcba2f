//! What groups and applications share: names unique regardless of case, searchable paged
//! lists, compare-and-set changes, deletion, and links to users (members, owners, assignees).
//! `groups` and `applications` put their own types on top.

use chrono::Utc;
use serde::Serialize;
use tessera_domain::directory::{Description, MemberView, NameSearchQuery};
use tessera_domain::page::{MemberPage, PageQuery};
use tessera_domain::problem::ProblemCode;
use tessera_domain::{DisplayName, UserId, Username};
use uuid::Uuid;

use super::audit_event;
use super::page::PageRequest;
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::directory::{Link, LinkOutcome, LinkedUserRow, Named, NamedRecord, NamedRow};
use crate::store::usage::Resource;
use crate::store::{self, StoreError};

impl Named {
    pub(crate) fn noun(self) -> &'static str {
        match self {
            Named::Group => "group",
            Named::Application => "application",
        }
    }
}

/// What the audit trail records of a link: who, to what, as what.
#[derive(Serialize)]
struct LinkSnapshot<'a> {
    target_id: Uuid,
    relation: &'static str,
    user_id: Uuid,
    username: &'a str,
}

impl Link {
    fn relation(self) -> &'static str {
        match self {
            Link::GroupMember => "member",
            Link::GroupOwner => "owner",
            Link::AppRoleAssignee => "assignee",
        }
    }
}

/// The search text of a list, lowercased; blank means no search.
pub(crate) fn search_text(query: &NameSearchQuery) -> ApiResult<Option<String>> {
    Ok(super::page::parse_search(query.q.as_deref())?.map(str::to_lowercase))
}

pub(crate) fn page_query(query: &NameSearchQuery) -> PageQuery {
    PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    }
}

/// One page of groups or applications, as stored rows, with the next cursor.
pub(crate) async fn list_named(
    state: &AppState,
    kind: Named,
    query: &NameSearchQuery,
) -> ApiResult<(Vec<NamedRow>, Option<String>)> {
    let page = PageRequest::parse(&page_query(query))?;
    let search = search_text(query)?;
    let rows = store::directory::list_named(
        &state.db,
        kind,
        search.as_deref(),
        page.after.as_deref(),
        page.fetch(),
    )
    .await?;
    Ok(page.finish(rows, |row| row.name_key.clone()))
}

pub(crate) async fn find_named(state: &AppState, kind: Named, id: Uuid) -> ApiResult<NamedRow> {
    store::directory::find_named(&state.db, kind, id)
        .await?
        .ok_or(ApiError::NotFound(kind.noun()))
}

fn name_taken(kind: Named, name: &str) -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::NameTaken,
        detail: format!("Another {} is called {name}.", kind.noun()),
        field: Some("name"),
    }
}

/// Creates a group or application; `view` makes the audit snapshot. A taken name is 409.
pub(crate) async fn create_named<V: Serialize>(
    state: &AppState,
    actor: Option<&Actor>,
    kind: Named,
    record: NamedRecord,
    view: impl Fn(&NamedRow) -> ApiResult<V>,
) -> ApiResult<NamedRow> {
    let action = match kind {
        Named::Group => "group.create",
        Named::Application => "application.create",
    };
    let id = Uuid::now_v7();
    let row = store::directory::insert_named(&state.db, kind, id, &record, Utc::now(), |row| {
        let after = view(row).ok();
        audit_event::<V, V>(
            actor,
            action,
            kind.noun(),
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => name_taken(kind, &record.name),
        other => other.into(),
    })?;
    tracing::info!(id = %row.id, kind = kind.noun(), "created");
    Ok(row)
}

/// Applies new values to a group or application read as `current`, compare-and-set.
pub(crate) async fn update_named<V: Serialize>(
    state: &AppState,
    actor: Option<&Actor>,
    kind: Named,
    current: &NamedRow,
    update: NamedRecord,
    view: impl Fn(&NamedRow) -> ApiResult<V>,
) -> ApiResult<NamedRow> {
    let action = match kind {
        Named::Group => "group.update",
        Named::Application => "application.update",
    };
    let before = view(current)?;
    store::directory::transition_named(
        &state.db,
        kind,
        current.id,
        current.version,
        &update,
        Utc::now(),
        |row| {
            let after = view(row).ok();
            audit_event(
                actor,
                action,
                kind.noun(),
                row.id.to_string(),
                Some(&before),
                after.as_ref(),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Duplicate(_) => name_taken(kind, &update.name),
        other => other.into(),
    })
}

/// Deletes a group or application. Refused with `resource_in_use` while access packages grant
/// it or policies name it, unless `cascade`.
pub(crate) async fn delete_named<V: Serialize>(
    state: &AppState,
    actor: &Actor,
    kind: Named,
    id: Uuid,
    view: impl Fn(&NamedRow) -> ApiResult<V>,
    cascade: bool,
) -> ApiResult<()> {
    let action = match kind {
        Named::Group => "group.delete",
        Named::Application => "application.delete",
    };
    let resource = match kind {
        Named::Group => Resource::Group(id),
        Named::Application => Resource::Application(id),
    };
    find_named(state, kind, id).await?;
    let checked = super::usage::check(state, resource, None, cascade, kind.noun()).await?;
    let deleted = store::directory::delete_named(&state.db, kind, id, &checked.guard(), |row| {
        let before = view(row).ok();
        let before = before.as_ref().map(|resource| super::usage::Removed {
            resource,
            cascaded: checked.cascaded(),
        });
        audit_event::<_, V>(
            Some(actor),
            action,
            kind.noun(),
            row.id.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Conflict => super::usage::changed_meanwhile(),
        other => other.into(),
    })?;
    if deleted {
        tracing::info!(%id, kind = kind.noun(), cascade = checked.cascade, "deleted");
        Ok(())
    } else {
        Err(ApiError::NotFound(kind.noun()))
    }
}

/// The new values of a group or application from its current row and the changes asked for.
pub(crate) fn changed_record(
    current: &NamedRow,
    name: Option<&str>,
    name_key: Option<String>,
    description: Option<&Description>,
) -> NamedRecord {
    NamedRecord {
        name: name.map_or_else(|| current.name.clone(), str::to_string),
        name_key: name_key.unwrap_or_else(|| current.name_key.clone()),
        description: description
            .map_or_else(|| current.description.clone(), |d| d.as_str().to_string()),
    }
}

pub(crate) fn member_view(row: &LinkedUserRow) -> ApiResult<MemberView> {
    let corrupt = |what: &str| {
        tracing::error!(user = %row.user_id, field = what, "stored user does not parse");
        ApiError::Internal
    };
    Ok(MemberView {
        user_id: UserId::from_uuid(row.user_id),
        username: Username::parse(row.username.clone()).map_err(|_| corrupt("username"))?,
        display_name: DisplayName::parse(row.display_name.clone())
            .map_err(|_| corrupt("display_name"))?,
        guest: row.guest,
        since: row.since,
    })
}

/// One page of the users linked to a group or app role, by username.
pub(crate) async fn list_links(
    state: &AppState,
    link: Link,
    owner: Uuid,
    query: &PageQuery,
) -> ApiResult<MemberPage> {
    let page = PageRequest::parse(query)?;
    let rows =
        store::directory::list_links(&state.db, link, owner, page.after.as_deref(), page.fetch())
            .await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.username.clone());
    let items = rows
        .iter()
        .map(member_view)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(MemberPage { items, next_cursor })
}

/// Links a user to a group or app role that the caller found; linking twice changes nothing
/// and writes no event. Answers whether a link was made.
pub(crate) async fn add_link(
    state: &AppState,
    actor: Option<&Actor>,
    link: Link,
    target_type: &'static str,
    target_id: Uuid,
    owner: Uuid,
    user: UserId,
) -> ApiResult<bool> {
    let action = match link {
        Link::GroupMember => "group.member.add",
        Link::GroupOwner => "group.owner.add",
        Link::AppRoleAssignee => "application.role.assign",
    };
    let outcome =
        store::directory::insert_link(&state.db, link, owner, *user.as_uuid(), Utc::now(), |row| {
            let after = LinkSnapshot {
                target_id: owner,
                relation: link.relation(),
                user_id: row.user_id,
                username: &row.username,
            };
            audit_event::<(), _>(
                actor,
                action,
                target_type,
                target_id.to_string(),
                None,
                Some(&after),
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::MissingReference => ApiError::NotFound(target_type),
            other => other.into(),
        })?;
    match outcome {
        LinkOutcome::Added => Ok(true),
        LinkOutcome::AlreadyThere => Ok(false),
        LinkOutcome::NoSuchUser => Err(ApiError::NotFound("user")),
    }
}

/// Removes a user's link to a group or app role; removing a link that is not there is fine and
/// writes no event.
pub(crate) async fn remove_link(
    state: &AppState,
    actor: &Actor,
    link: Link,
    target_type: &'static str,
    target_id: Uuid,
    owner: Uuid,
    user: UserId,
) -> ApiResult<()> {
    let action = match link {
        Link::GroupMember => "group.member.remove",
        Link::GroupOwner => "group.owner.remove",
        Link::AppRoleAssignee => "application.role.unassign",
    };
    store::directory::delete_link(&state.db, link, owner, *user.as_uuid(), Utc::now(), |row| {
        let before = LinkSnapshot {
            target_id: owner,
            relation: link.relation(),
            user_id: row.user_id,
            username: &row.username,
        };
        audit_event::<_, ()>(
            Some(actor),
            action,
            target_type,
            target_id.to_string(),
            Some(&before),
            None,
        )
    })
    .await?;
    Ok(())
}
