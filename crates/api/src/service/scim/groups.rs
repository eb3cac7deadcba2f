//! SCIM Groups: only the groups SCIM manages (`managed_by = 'scim'`). POST creates one; a
//! group Tessera governs is invisible here and never overwritten. A write stores the new
//! values and only the difference of the members, compare-and-set, with audit events of the
//! group change and of the members added and removed.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;
use serde_json::{Map, Value, json};
use tessera_domain::directory::GroupName;
use tessera_domain::problem::ProblemCode;
use tessera_domain::scim::{GROUP_SCHEMA, ResourceKind, apply_patch, normalise, parse_patch};
use uuid::Uuid;

use super::{
    ListQuery, PageScan, Precondition, Resource, SCAN_BATCH, ScimResult, from_api, invalid_value,
    list_response, member, meta, not_found, parse_id,
};
use crate::auth::Actor;
use crate::auth::authz::ProvisionerProof;
use crate::error::ApiError;
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::StoreError;
use crate::store::directory::{Named, NamedRow};
use crate::store::scim::{GroupWrite, Lookup, MemberRow};

fn render(row: &NamedRow, members: &[&MemberRow], base: &str) -> Value {
    let id = row.id.to_string();
    let mut group = Map::new();
    group.insert("schemas".into(), json!([GROUP_SCHEMA]));
    group.insert("id".into(), json!(id));
    if let Some(external_id) = &row.external_id {
        group.insert("externalId".into(), json!(external_id));
    }
    group.insert("displayName".into(), json!(row.name));
    let members: Vec<Value> = members
        .iter()
        // No `display`: clients compare what they wrote with what they read back.
        .map(|member| {
            json!({
                "value": member.user_id.to_string(),
                "$ref": format!("{base}/Users/{}", member.user_id),
                "type": "User",
            })
        })
        .collect();
    group.insert("members".into(), Value::Array(members));
    group.insert(
        "meta".into(),
        meta(
            "Group",
            format!("{base}/Groups/{id}"),
            row.created_at,
            row.updated_at,
            row.version,
        ),
    );
    Value::Object(group)
}

/// Renders `rows` with their members, or with none when the answer leaves `members` out
/// (`excludedAttributes=members`, as Microsoft Entra ID asks): a group of everyone is then not
/// read for nothing.
async fn render_all(
    state: &AppState,
    rows: &[NamedRow],
    base: &str,
    members: Members,
) -> ScimResult<Vec<Value>> {
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let members = if ids.is_empty() || members == Members::Skipped {
        Vec::new()
    } else {
        store::scim::list_members(&state.db, &ids)
            .await
            .map_err(|err| from_api(err.into()))?
    };
    let mut by_group: HashMap<Uuid, Vec<&MemberRow>> = HashMap::new();
    for member in &members {
        by_group.entry(member.group_id).or_default().push(member);
    }
    Ok(rows
        .iter()
        .map(|row| render(row, by_group.get(&row.id).map_or(&[], Vec::as_slice), base))
        .collect())
}

async fn render_one(
    state: &AppState,
    row: &NamedRow,
    base: &str,
    members: Members,
) -> ScimResult<Resource> {
    let json = render_all(state, std::slice::from_ref(row), base, members)
        .await?
        .pop()
        .ok_or_else(|| from_api(ApiError::Internal))?;
    Ok(Resource {
        json,
        version: row.version,
    })
}

async fn find_group(state: &AppState, raw_id: &str) -> ScimResult<NamedRow> {
    let id = parse_id(raw_id, "group")?;
    store::scim::find_group(&state.db, id)
        .await
        .map_err(|err| from_api(err.into()))?
        .ok_or_else(|| not_found("group"))
}

fn lookup(query: &ListQuery) -> Option<Lookup> {
    let (name, value) = query.simple_eq(ResourceKind::Group)?;
    Some(match name.as_str() {
        "id" => Lookup::Id(Uuid::parse_str(&value).unwrap_or(Uuid::nil())),
        // As uniqueness compares names (trimmed, NFC, case ignored); no group has a name that
        // does not parse.
        "displayname" => {
            Lookup::Key(GroupName::parse(value).map_or_else(|_| String::new(), |name| name.key()))
        }
        "externalid" => Lookup::ExternalId(value),
        _ => return None,
    })
}

/// Whether a group's members are read for an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Members {
    Read,
    /// The answer does not show them.
    Skipped,
}

pub async fn list(
    _: &ProvisionerProof,
    state: &AppState,
    base: &str,
    query: &ListQuery,
    members: Members,
) -> ScimResult<Value> {
    let db_err = |err: StoreError| from_api(err.into());
    let lookup = lookup(query);
    match &query.filter {
        Some(filter) if lookup.is_none() => {
            let mut page = PageScan::new(query);
            let mut after = None;
            loop {
                let rows = store::scim::scan_groups(&state.db, after, SCAN_BATCH)
                    .await
                    .map_err(db_err)?;
                // Read in any case: the filter may name them.
                for resource in render_all(state, &rows, base, Members::Read).await? {
                    if filter.matches(&resource, ResourceKind::Group) {
                        page.offer(resource);
                    }
                }
                match rows.last() {
                    Some(last) if rows.len() as i64 == SCAN_BATCH => after = Some(last.id),
                    _ => break,
                }
            }
            Ok(page.finish())
        }
        _ => {
            let (rows, total) = store::scim::list_groups(
                &state.db,
                lookup.as_ref(),
                query.start_index - 1,
                query.count,
            )
            .await
            .map_err(db_err)?;
            let resources = render_all(state, &rows, base, members).await?;
            Ok(list_response(total, query.start_index, resources))
        }
    }
}

pub async fn get(
    _: &ProvisionerProof,
    state: &AppState,
    base: &str,
    id: &str,
    members: Members,
) -> ScimResult<Resource> {
    let row = find_group(state, id).await?;
    render_one(state, &row, base, members).await
}

/// A group's values as a SCIM body gives them.
struct Profile {
    name: GroupName,
    external_id: Option<String>,
    members: BTreeSet<Uuid>,
}

fn profile(body: &Value) -> ScimResult<Profile> {
    let name = match member(body, "displayName") {
        Some(Value::String(name)) => name.clone(),
        Some(_) => return Err(invalid_value("displayName must be a string")),
        None => return Err(invalid_value("displayName is required")),
    };
    let name =
        GroupName::parse(name).map_err(|err| invalid_value(format!("displayName: {err}")))?;
    let external_id = match member(body, "externalId") {
        None => None,
        Some(Value::String(id)) if id.trim().is_empty() => None,
        Some(Value::String(id)) => Some(
            tessera_domain::user::ExternalId::parse(id.clone())
                .map_err(|err| invalid_value(format!("externalId: {err}")))?
                .to_string(),
        ),
        Some(_) => return Err(invalid_value("externalId must be a string")),
    };
    let mut members = BTreeSet::new();
    match member(body, "members") {
        None => {}
        Some(Value::Array(list)) => {
            for entry in list {
                let value = match member(entry, "value") {
                    Some(Value::String(value)) => value,
                    _ => return Err(invalid_value("members: each member needs a value")),
                };
                let id = Uuid::parse_str(value.trim())
                    .map_err(|_| invalid_value(format!("members: no user has the id {value}")))?;
                members.insert(id);
            }
        }
        Some(_) => return Err(invalid_value("members must be a list")),
    }
    Ok(Profile {
        name,
        external_id,
        members,
    })
}

/// Members must be people SCIM can see.
async fn check_members(state: &AppState, members: &[Uuid]) -> ScimResult<()> {
    if members.is_empty() {
        return Ok(());
    }
    let missing = store::scim::find_non_people(&state.db, members)
        .await
        .map_err(|err| from_api(err.into()))?;
    match missing.first() {
        None => Ok(()),
        Some(id) => Err(invalid_value(format!("members: no user has the id {id}"))),
    }
}

/// What the audit trail records of a SCIM group.
#[derive(Serialize)]
struct GroupSnapshot<'a> {
    id: Uuid,
    name: &'a str,
    external_id: Option<&'a str>,
    managed_by: &'static str,
}

fn snapshot(row: &NamedRow) -> GroupSnapshot<'_> {
    GroupSnapshot {
        id: row.id,
        name: &row.name,
        external_id: row.external_id.as_deref(),
        managed_by: row.managed_by.as_str(),
    }
}

/// The members added and removed by one write, as one audit event.
#[derive(Serialize)]
struct MemberChange<'a> {
    added: &'a [Uuid],
    removed: &'a [Uuid],
}

fn taken(err: StoreError, name: &str) -> ApiError {
    match err {
        StoreError::Duplicate("external_id") => ApiError::Conflict {
            code: ProblemCode::ExternalIdTaken,
            detail: "Another group has this external id.".into(),
            field: Some("external_id"),
        },
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::NameTaken,
            detail: format!("Another group is called {name}."),
            field: Some("name"),
        },
        other => other.into(),
    }
}

/// Creates a SCIM-managed group with its members. A display name any group has already
/// (whoever manages it) is 409 uniqueness.
pub async fn create(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    mut body: Value,
) -> ScimResult<Resource> {
    normalise(&mut body, ResourceKind::Group)?;
    let profile = profile(&body)?;
    let add: Vec<Uuid> = profile.members.iter().copied().collect();
    check_members(state, &add).await?;
    let name_key = profile.name.key();
    let write = GroupWrite {
        name: profile.name.as_str(),
        name_key: &name_key,
        external_id: profile.external_id.as_deref(),
        add: &add,
        remove: &[],
    };
    let row = store::scim::insert_group(
        &state.db,
        Uuid::now_v7(),
        &write,
        chrono::Utc::now(),
        |row| {
            let mut events = vec![audit_event::<(), _>(
                Some(actor),
                "group.create",
                "group",
                row.id.to_string(),
                None,
                Some(&snapshot(row)),
            )];
            if !add.is_empty() {
                events.push(audit_event::<(), _>(
                    Some(actor),
                    "group.members.change",
                    "group",
                    row.id.to_string(),
                    None,
                    Some(&MemberChange {
                        added: &add,
                        removed: &[],
                    }),
                ));
            }
            events
        },
    )
    .await
    .map_err(|err| from_api(taken(err, profile.name.as_str())))?;
    tracing::info!(group = %row.id, members = add.len(), "SCIM group created");
    render_one(state, &row, base, Members::Read).await
}

/// Writes `profile` over the group read as `current` with `members`: new values and the member
/// difference, compare-and-set at its version. `None` when another write came first.
async fn write(
    state: &AppState,
    actor: &Actor,
    current: &NamedRow,
    members: &BTreeSet<Uuid>,
    profile: Profile,
    precondition: &Precondition,
) -> ScimResult<Option<NamedRow>> {
    precondition.check(current.version)?;
    let add: Vec<Uuid> = profile.members.difference(members).copied().collect();
    let remove: Vec<Uuid> = members.difference(&profile.members).copied().collect();
    check_members(state, &add).await?;
    let unchanged = add.is_empty()
        && remove.is_empty()
        && profile.name.as_str() == current.name
        && profile.external_id == current.external_id;
    if unchanged {
        return Ok(Some(current.clone()));
    }
    let name_key = profile.name.key();
    let write = GroupWrite {
        name: profile.name.as_str(),
        name_key: &name_key,
        external_id: profile.external_id.as_deref(),
        add: &add,
        remove: &remove,
    };
    let before = snapshot(current);
    let row = store::scim::transition_group(
        &state.db,
        current.id,
        current.version,
        &write,
        chrono::Utc::now(),
        |row| {
            let mut events = Vec::new();
            if row.name != current.name || row.external_id != current.external_id {
                events.push(audit_event(
                    Some(actor),
                    "group.update",
                    "group",
                    row.id.to_string(),
                    Some(&before),
                    Some(&snapshot(row)),
                ));
            }
            if !add.is_empty() || !remove.is_empty() {
                events.push(audit_event::<(), _>(
                    Some(actor),
                    "group.members.change",
                    "group",
                    row.id.to_string(),
                    None,
                    Some(&MemberChange {
                        added: &add,
                        removed: &remove,
                    }),
                ));
            }
            events
        },
    )
    .await;
    match row {
        Ok(row) => {
            tracing::info!(group = %row.id, added = add.len(), removed = remove.len(), "SCIM group changed");
            Ok(Some(row))
        }
        Err(StoreError::Conflict) => Ok(None),
        Err(other) => Err(from_api(taken(other, profile.name.as_str()))),
    }
}

async fn current_members(state: &AppState, group: Uuid) -> ScimResult<BTreeSet<Uuid>> {
    Ok(store::scim::list_members(&state.db, &[group])
        .await
        .map_err(|err| from_api(err.into()))?
        .into_iter()
        .map(|member| member.user_id)
        .collect())
}

pub async fn replace(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    id: &str,
    precondition: &Precondition,
    mut body: Value,
) -> ScimResult<Resource> {
    let current = find_group(state, id).await?;
    normalise(&mut body, ResourceKind::Group)?;
    let profile = profile(&body)?;
    let members = current_members(state, current.id).await?;
    let row = write(state, actor, &current, &members, profile, precondition)
        .await?
        .ok_or_else(|| precondition.lost_race())?;
    render_one(state, &row, base, Members::Read).await
}

pub async fn patch(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    base: &str,
    id: &str,
    precondition: &Precondition,
    body: Value,
) -> ScimResult<Resource> {
    let operations = parse_patch(&body)?;
    for _ in 0..precondition.patch_attempts() {
        let current = find_group(state, id).await?;
        precondition.check(current.version)?;
        let mut resource = render_one(state, &current, base, Members::Read).await?.json;
        // The members as rendered, so that the difference is taken against the same read.
        let members: BTreeSet<Uuid> = profile(&resource)?.members;
        apply_patch(&mut resource, ResourceKind::Group, &operations)?;
        let profile = profile(&resource)?;
        if let Some(row) = write(state, actor, &current, &members, profile, precondition).await? {
            return render_one(state, &row, base, Members::Read).await;
        }
    }
    Err(precondition.lost_race())
}

/// Deletes a SCIM group with its memberships. `If-Match` applies.
pub async fn delete(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    id: &str,
    precondition: &Precondition,
) -> ScimResult<()> {
    let current = find_group(state, id).await?;
    precondition.check(current.version)?;
    crate::service::directory::delete_named(
        state,
        actor,
        Named::Group,
        current.id,
        |row| Ok(snapshot_owned(row)),
        false,
    )
    .await
    .map_err(from_api)
}

/// [`GroupSnapshot`] with owned values, for the deletion's audit event.
#[derive(Serialize)]
struct OwnedSnapshot {
    id: Uuid,
    name: String,
    external_id: Option<String>,
    managed_by: &'static str,
}

fn snapshot_owned(row: &NamedRow) -> OwnedSnapshot {
    OwnedSnapshot {
        id: row.id,
        name: row.name.clone(),
        external_id: row.external_id.clone(),
        managed_by: row.managed_by.as_str(),
    }
}
