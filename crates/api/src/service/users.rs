//! Managing users: administrators list, create and change people and service accounts.

use std::time::Instant;

use chrono::Utc;
use tessera_domain::page::{PersonPage, UserPage};
use tessera_domain::problem::ProblemCode;
use tessera_domain::user::{
    ChangePassword, Department, ExternalId, NewUser, PeopleQuery, PersonName, SetPassword,
    Sponsors, UserAttributes, UserChanges, UserKind, UserQuery, UserType, UserView,
};
use tessera_domain::{DisplayName, Email, Password, UserId, Username};
use uuid::Uuid;

use super::page::{PageRequest, parse_search};
use super::people::person_summary;
use super::{audit_event, lifecycle};
use crate::auth::authz::ProvisionerProof;
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::lifecycle::LifecycleWrites;
use crate::store::users::{NewUserRecord, UserRow, UserUpdate};
use crate::store::{self, StoreError};

/// How far up a management chain a loop check walks; deeper chains are refused.
const MAX_MANAGEMENT_DEPTH: usize = 64;

/// Turns a stored row into its wire form. A row that no longer parses is a server fault.
pub fn user_view(row: &UserRow) -> ApiResult<UserView> {
    let corrupt = |what: &str| {
        tracing::error!(user = %row.id, field = what, "stored user does not parse");
        ApiError::Internal
    };
    Ok(UserView {
        id: UserId::from_uuid(row.id),
        username: Username::parse(row.username.clone()).map_err(|_| corrupt("username"))?,
        display_name: DisplayName::parse(row.display_name.clone())
            .map_err(|_| corrupt("display_name"))?,
        email: Email::parse(row.email.clone()).map_err(|_| corrupt("email"))?,
        kind: row.kind,
        user_type: row.user_type,
        manager_id: row.manager_id.map(UserId::from_uuid),
        department: row
            .department
            .clone()
            .map(Department::parse)
            .transpose()
            .map_err(|_| corrupt("department"))?,
        attributes: serde_json::from_str(&row.attributes).map_err(|_| corrupt("attributes"))?,
        external_id: row
            .external_id
            .clone()
            .map(ExternalId::parse)
            .transpose()
            .map_err(|_| corrupt("external_id"))?,
        given_name: row
            .given_name
            .clone()
            .map(PersonName::parse)
            .transpose()
            .map_err(|_| corrupt("given_name"))?,
        family_name: row
            .family_name
            .clone()
            .map(PersonName::parse)
            .transpose()
            .map_err(|_| corrupt("family_name"))?,
        formatted_name: row
            .formatted_name
            .clone()
            .map(DisplayName::parse)
            .transpose()
            .map_err(|_| corrupt("formatted_name"))?,
        sponsors: row
            .sponsors
            .iter()
            .copied()
            .map(UserId::from_uuid)
            .collect(),
        enabled: row.enabled,
        blocked_at: row.blocked_at,
        removal_due_at: None,
        is_admin: row.is_admin,
        last_sign_in_at: row.last_sign_in_at,
        created_at: row.created_at,
        identity_links: Vec::new(),
    })
}

/// [`user_view`] with the removal date of a blocked guest, which the configuration decides.
pub fn user_view_for(state: &AppState, row: &UserRow) -> ApiResult<UserView> {
    let mut view = user_view(row)?;
    view.removal_due_at = guest_removal_due(state, row);
    Ok(view)
}

/// When a blocked guest is due to be removed, if they are blocked and ever will be.
pub fn guest_removal_due(state: &AppState, row: &UserRow) -> Option<chrono::DateTime<Utc>> {
    let delay = state.settings.guests.removal_delay()?;
    row.blocked_at.map(|blocked| blocked + delay)
}

pub async fn list_users(
    _: &AdminProof,
    state: &AppState,
    query: &UserQuery,
) -> ApiResult<UserPage> {
    let page = PageRequest::parse(&query.page())?;
    let search = parse_search(query.q.as_deref())?;
    let rows =
        store::users::list_users(&state.db, search, page.after.as_deref(), page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.username.clone());
    let items = rows
        .iter()
        .map(|row| user_view_for(state, row))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(UserPage { items, next_cursor })
}

/// People as pickers and summaries show them: enabled users matching the search, or the
/// users with the given ids, disabled ones too, since what names them may predate that.
pub async fn list_people(state: &AppState, query: &PeopleQuery) -> ApiResult<PersonPage> {
    if query.mixes_ids_and_search() {
        return Err(ApiError::BadRequest {
            field: Some("ids".into()),
            message: "cannot be combined with q, limit or cursor".into(),
        });
    }
    if let Some(ids) = &query.ids {
        let ids: Vec<Uuid> = ids.ids().iter().map(|id| *id.as_uuid()).collect();
        let rows = store::users::find_people(&state.db, &ids).await?;
        return Ok(PersonPage {
            items: rows.iter().map(person_summary).collect(),
            next_cursor: None,
        });
    }
    let query = query.search();
    let page = PageRequest::parse(&query.page())?;
    let search = parse_search(query.q.as_deref())?;
    let rows =
        store::users::list_people(&state.db, search, page.after.as_deref(), page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.username.clone());
    let items = rows.iter().map(person_summary).collect();
    Ok(PersonPage { items, next_cursor })
}

/// The caller's direct reports: the enabled people whose manager they are, in one page. Empty
/// for everyone who manages nobody.
pub async fn list_my_reports(state: &AppState, actor: &Actor) -> ApiResult<PersonPage> {
    let mut rows = store::users::list_direct_reports(&state.db, *actor.id.as_uuid()).await?;
    super::people::sort_by_name(&mut rows, |row| &row.person);
    Ok(PersonPage {
        items: rows.iter().map(|row| person_summary(&row.person)).collect(),
        next_cursor: None,
    })
}

/// One user, with their identity links.
pub async fn get_user(_: &AdminProof, state: &AppState, id: UserId) -> ApiResult<UserView> {
    let mut view = user_view_for(state, &find_live_user(state, id).await?)?;
    view.identity_links = super::oidc::identity_links(state, id).await?;
    Ok(view)
}

/// A user that exists and was not deleted; a deleted user is not found.
async fn find_live_user(state: &AppState, id: UserId) -> ApiResult<UserRow> {
    store::users::find_user(&state.db, *id.as_uuid())
        .await?
        .filter(|row| row.deleted_at.is_none())
        .ok_or(ApiError::NotFound("user"))
}

/// Creates a user. `actor` is `None` only for the command line and the demo seed.
pub async fn create_user(
    state: &AppState,
    actor: Option<&Actor>,
    input: NewUser,
) -> ApiResult<UserView> {
    if input.kind == UserKind::ServiceAccount && input.password.is_some() {
        return Err(ApiError::invalid(
            "password",
            "service accounts sign in with API tokens only; leave the password out",
        ));
    }
    check_user_type(input.kind, input.user_type)?;
    check_sponsors(state, None, &input.sponsors).await?;
    let password_hash = match input.password {
        Some(password) => Some(state.passwords.hash(&password).await?),
        None => None,
    };
    let record = NewUserRecord {
        id: Uuid::now_v7(),
        username: input.username.to_string(),
        email: input.email.to_string(),
        display_name: input.display_name.to_string(),
        kind: input.kind,
        user_type: input.user_type,
        manager_id: input.manager_id.map(Uuid::from),
        is_admin: input.is_admin,
        password_hash,
        department: input.department.map(String::from),
        attributes: attributes_json(&input.attributes)?,
        external_id: input.external_id.map(String::from),
        given_name: input.given_name.map(String::from),
        family_name: input.family_name.map(String::from),
        formatted_name: input.formatted_name.map(String::from),
        sponsors: sponsor_uuids(&input.sponsors),
        now: Utc::now(),
    };
    let row = store::users::insert_user(&state.db, &record, |row| {
        let after = user_view(row).ok();
        audit_event::<UserView, _>(
            actor,
            "user.create",
            "user",
            row.id.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Duplicate("external_id") => external_id_taken(),
        StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::UsernameTaken,
            detail: format!("The username {} is taken.", record.username),
            field: Some("username"),
        },
        StoreError::MissingReference => missing_reference(record.manager_id.is_some()),
        other => other.into(),
    })?;
    tracing::info!(user = %row.id, username = %row.username, "user created");
    user_view(&row)
}

pub async fn create_user_as_admin(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    input: NewUser,
) -> ApiResult<UserView> {
    create_user(state, Some(actor), input).await
}

pub async fn update_user(
    proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: UserId,
    changes: UserChanges,
) -> ApiResult<UserView> {
    if changes.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "name at least one field to change",
        ));
    }
    let current = find_live_user(state, id).await?;

    if id == proof.actor() && (changes.enabled == Some(false) || changes.is_admin == Some(false)) {
        return Err(ApiError::Conflict {
            code: ProblemCode::SelfLockout,
            detail: "You cannot disable yourself or remove your own administrator role; ask \
                     another administrator."
                .into(),
            field: None,
        });
    }
    change_user(state, Some(actor), &current, changes).await
}

/// Only a person can be a guest: a service account belongs to the organisation that runs it.
fn check_user_type(kind: UserKind, user_type: UserType) -> ApiResult<()> {
    if kind == UserKind::ServiceAccount && user_type == UserType::Guest {
        return Err(ApiError::invalid(
            "user_type",
            "a service account cannot be a guest; only people can",
        ));
    }
    Ok(())
}

/// Applies `changes` to the user read as `current`, compare-and-set, with the audit event.
/// `actor` is `None` only for the command line.
pub(crate) async fn change_user(
    state: &AppState,
    actor: Option<&Actor>,
    current: &UserRow,
    changes: UserChanges,
) -> ApiResult<UserView> {
    let before = user_view(current)?;
    let id = UserId::from_uuid(current.id);
    let manager_id = match changes.manager_id {
        Some(Some(manager)) => {
            check_manager(state, id, manager).await?;
            Some(*manager.as_uuid())
        }
        Some(None) => None,
        None => current.manager_id,
    };
    if let Some(sponsors) = &changes.sponsors {
        check_sponsors(state, Some(id), sponsors).await?;
    }
    let user_type = changes.user_type.unwrap_or(before.user_type);
    check_user_type(before.kind, user_type)?;
    let update = UserUpdate {
        username: changes
            .username
            .map_or(current.username.clone(), |u| u.to_string()),
        user_type,
        email: changes
            .email
            .map_or(current.email.clone(), |e| e.to_string()),
        display_name: changes
            .display_name
            .map_or(current.display_name.clone(), |n| n.to_string()),
        manager_id,
        enabled: changes.enabled.unwrap_or(current.enabled),
        is_admin: changes.is_admin.unwrap_or(current.is_admin),
        department: match changes.department {
            Some(department) => department.map(String::from),
            None => current.department.clone(),
        },
        attributes: match &changes.attributes {
            Some(attributes) => attributes_json(attributes)?,
            None => current.attributes.clone(),
        },
        external_id: match changes.external_id {
            Some(external_id) => external_id.map(String::from),
            None => current.external_id.clone(),
        },
        given_name: match changes.given_name {
            Some(name) => name.map(String::from),
            None => current.given_name.clone(),
        },
        family_name: match changes.family_name {
            Some(name) => name.map(String::from),
            None => current.family_name.clone(),
        },
        formatted_name: match changes.formatted_name {
            Some(name) => name.map(String::from),
            None => current.formatted_name.clone(),
        },
        sponsors: match &changes.sponsors {
            Some(sponsors) => sponsor_uuids(sponsors),
            None => current.sponsors.clone(),
        },
    };
    let mut attempts = 0;
    let row = loop {
        attempts += 1;
        let now = Utc::now();
        let effects = lifecycle_of(state, actor, current, &update, now).await?;
        let written = store::users::transition_user_with(
            &state.db,
            current.id,
            current.version,
            &update,
            now,
            effects,
            |row| {
                let after = user_view(row).ok();
                audit_event(
                    actor,
                    "user.update",
                    "user",
                    row.id.to_string(),
                    Some(&before),
                    after.as_ref(),
                )
            },
        )
        .await;
        match written {
            Ok(row) => break row,
            // Something the person held or awaited changed since it was planned (the user
            // row itself did not): plan again, a few times.
            Err(StoreError::Conflict) if attempts < LIFECYCLE_ATTEMPTS => {
                if !unchanged(state, current).await? {
                    return Err(StoreError::Conflict.into());
                }
            }
            Err(StoreError::MissingReference) => {
                return Err(missing_reference(update.manager_id.is_some()));
            }
            Err(StoreError::Duplicate("external_id")) => return Err(external_id_taken()),
            Err(StoreError::Duplicate(_)) => {
                return Err(ApiError::Conflict {
                    code: ProblemCode::UsernameTaken,
                    detail: format!("The username {} is taken.", update.username),
                    field: Some("username"),
                });
            }
            Err(other) => return Err(other.into()),
        }
    };
    user_view_for(state, &row)
}

/// How many times a change of a person plans its effects again when one of them changed
/// while it was being written.
const LIFECYCLE_ATTEMPTS: u32 = 3;

/// Whether the user is still as `current` was read.
async fn unchanged(state: &AppState, current: &UserRow) -> ApiResult<bool> {
    let now = store::users::find_user(&state.db, current.id).await?;
    Ok(now.is_some_and(|row| row.version == current.version))
}

/// What the change from `current` to `update` does beyond the user's row: a leaver's or a
/// mover's writes (`service::lifecycle`).
async fn lifecycle_of(
    state: &AppState,
    actor: Option<&Actor>,
    current: &UserRow,
    update: &UserUpdate,
    now: chrono::DateTime<Utc>,
) -> ApiResult<LifecycleWrites> {
    let id = UserId::from_uuid(current.id);
    if current.enabled && !update.enabled {
        return lifecycle::leaver_writes(state, actor, id, now).await;
    }
    match current.manager_id {
        Some(previous) if update.manager_id != Some(previous) => {
            let new = update.manager_id.map(UserId::from_uuid);
            lifecycle::mover_writes(state, actor, id, UserId::from_uuid(previous), new, now).await
        }
        Some(_) | None => Ok(LifecycleWrites::default()),
    }
}

/// Deletes a user: as disabling, for good (sessions end, API tokens are revoked, access ends,
/// open requests close), leaving a tombstone so the audit trail and history still name them.
/// Refused for yourself and for the last enabled administrator.
pub async fn delete_user(
    proof: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: UserId,
) -> ApiResult<()> {
    if id == proof.actor() {
        return Err(ApiError::Conflict {
            code: ProblemCode::SelfLockout,
            detail: "You cannot delete yourself; ask another administrator.".into(),
            field: None,
        });
    }
    deleted(remove_user(state, Some(actor), id, "user.delete", None, |_| Vec::new()).await?)
}

/// Deletes a person an identity provider deprovisioned through SCIM: as an administrator's
/// deletion, audited as the provisioning account.
pub async fn delete_user_as_provisioner(
    _: &ProvisionerProof,
    state: &AppState,
    actor: &Actor,
    id: UserId,
) -> ApiResult<()> {
    deleted(remove_user(state, Some(actor), id, "user.delete", None, |_| Vec::new()).await?)
}

/// A deletion's outcome as the API answers it.
fn deleted(deletion: store::users::Deletion) -> ApiResult<()> {
    match deletion {
        store::users::Deletion::Deleted(_) => Ok(()),
        store::users::Deletion::LastAdministrator => Err(ApiError::Conflict {
            code: ProblemCode::LastAdministrator,
            detail: "This is the last enabled administrator; make someone else one first.".into(),
            field: None,
        }),
        store::users::Deletion::Gone => Err(ApiError::NotFound("user")),
    }
}

/// Deletes user `id` (see [`delete_user`]) with the audit event `action` and the notifications
/// `notes` makes, and a leaver's writes (`service::lifecycle`), all in one transaction.
/// `actor` is `None` for the scheduler, which removes a guest blocked at or before
/// `blocked_by` (and only while they still are). Callers refuse what is theirs to refuse first.
pub(crate) async fn remove_user(
    state: &AppState,
    actor: Option<&Actor>,
    id: UserId,
    action: &'static str,
    blocked_by: Option<chrono::DateTime<Utc>>,
    notes: impl Fn(&UserRow) -> Vec<store::notifications::NewNotification>,
) -> ApiResult<store::users::Deletion> {
    let mut attempts = 0;
    let deletion = loop {
        attempts += 1;
        let now = Utc::now();
        let effects = lifecycle::leaver_writes(state, actor, id, now).await?;
        let deleted = store::users::delete_user(
            &state.db,
            *id.as_uuid(),
            now,
            store::users::Removal {
                blocked_by,
                effects,
            },
            &notes,
            |row| {
                let after = user_view(row).ok();
                audit_event::<UserView, _>(
                    actor,
                    action,
                    "user",
                    row.id.to_string(),
                    None,
                    after.as_ref(),
                )
            },
        )
        .await;
        match deleted {
            Ok(deletion) => break deletion,
            // Something the person held or awaited changed while it was written: plan again.
            Err(StoreError::Conflict) if attempts < LIFECYCLE_ATTEMPTS => {}
            Err(other) => return Err(other.into()),
        }
    };
    if let store::users::Deletion::Deleted(row) = &deletion {
        tracing::info!(user = %row.id, action, "user deleted");
    }
    Ok(deletion)
}

/// An administrator sets a person's password (imported people have none until then). Ends
/// the person's sessions, except the caller's own when they set their own.
pub async fn set_password(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    id: UserId,
    input: SetPassword,
) -> ApiResult<()> {
    let current = find_live_user(state, id).await?;
    if current.kind != UserKind::Person {
        return Err(ApiError::invalid(
            "password",
            "service accounts sign in with API tokens only; they have no password",
        ));
    }
    let keep = (actor.id == id).then(|| actor.session_id()).flatten();
    store_password(
        state,
        actor,
        &current,
        &input.password,
        keep,
        "user.set_password",
    )
    .await
}

/// The signed-in person changes their own password, giving the current one. Ends their other
/// sessions; the one making the change stays signed in.
pub async fn change_own_password(
    state: &AppState,
    actor: &Actor,
    address: &str,
    input: ChangePassword,
) -> ApiResult<()> {
    let current = find_live_user(state, actor.id).await?;
    let Some(hash) = current.password_hash.clone() else {
        return Err(ApiError::invalid(
            "current_password",
            "you have no password; ask an administrator to set one",
        ));
    };
    if input.current_password.is_empty() || input.current_password.chars().count() > 256 {
        return Err(ApiError::invalid(
            "current_password",
            "must be between 1 and 256 characters",
        ));
    }
    // Guessing the current password is throttled like signing in.
    let attempt = state
        .limiter
        .begin_attempt(address, &current.username, Instant::now())
        .map_err(|retry_after_secs| ApiError::RateLimited { retry_after_secs })?;
    match state.passwords.verify(hash, input.current_password).await {
        Ok(true) => attempt.succeeded(),
        Ok(false) => {
            attempt.failed();
            return Err(ApiError::invalid(
                "current_password",
                "is not your current password",
            ));
        }
        Err(busy) => {
            attempt.abandon();
            return Err(busy.into());
        }
    }
    let keep = actor.session_id();
    store_password(
        state,
        actor,
        &current,
        &input.new_password,
        keep,
        "user.change_password",
    )
    .await
}

async fn store_password(
    state: &AppState,
    actor: &Actor,
    current: &UserRow,
    password: &Password,
    keep_session: Option<Uuid>,
    action: &'static str,
) -> ApiResult<()> {
    let hash = state.passwords.hash(password).await?;
    // The audit event says that the password changed, never the password or its hash.
    store::users::set_password_hash(
        &state.db,
        current.id,
        current.version,
        &hash,
        keep_session,
        Utc::now(),
        |row| audit_event::<(), ()>(Some(actor), action, "user", row.id.to_string(), None, None),
    )
    .await?;
    tracing::info!(user = %current.id, "password set");
    Ok(())
}

/// Refuses sponsors that are the user or do not exist.
async fn check_sponsors(
    state: &AppState,
    user: Option<UserId>,
    sponsors: &Sponsors,
) -> ApiResult<()> {
    if let Some(user) = user
        && sponsors.ids().contains(&user)
    {
        return Err(ApiError::invalid(
            "sponsors",
            "a user cannot sponsor themselves",
        ));
    }
    let missing = store::users::find_missing_users(&state.db, &sponsor_uuids(sponsors)).await?;
    if let Some(first) = missing.first() {
        return Err(ApiError::invalid(
            "sponsors",
            format!("no user has the id {first}"),
        ));
    }
    Ok(())
}

fn sponsor_uuids(sponsors: &Sponsors) -> Vec<Uuid> {
    sponsors.ids().iter().map(|id| *id.as_uuid()).collect()
}

pub(crate) fn attributes_json(attributes: &UserAttributes) -> ApiResult<String> {
    serde_json::to_string(attributes).map_err(|err| {
        tracing::error!(error = %err, "attributes do not serialize");
        ApiError::Internal
    })
}

fn external_id_taken() -> ApiError {
    ApiError::Conflict {
        code: ProblemCode::ExternalIdTaken,
        detail: "Another user has this external id.".into(),
        field: Some("external_id"),
    }
}

/// The store found a reference missing: the manager (which it checks first), or a sponsor
/// deleted between the check above and the write.
fn missing_reference(has_manager: bool) -> ApiError {
    if has_manager {
        ApiError::invalid("manager_id", "no user has this id")
    } else {
        ApiError::invalid("sponsors", "a sponsor no longer exists")
    }
}
/// Refuses a manager that is the user, does not exist, or would close a management loop.
async fn check_manager(state: &AppState, user: UserId, manager: UserId) -> ApiResult<()> {
    if manager == user {
        return Err(ApiError::invalid(
            "manager_id",
            "a user cannot be their own manager",
        ));
    }
    let chain =
        store::users::list_manager_chain(&state.db, *manager.as_uuid(), MAX_MANAGEMENT_DEPTH)
            .await?;
    if chain.is_empty() {
        return Err(ApiError::invalid("manager_id", "no user has this id"));
    }
    if chain.contains(user.as_uuid()) {
        return Err(ApiError::invalid(
            "manager_id",
            "this manager reports to the user, directly or indirectly",
        ));
    }
    if chain.len() >= MAX_MANAGEMENT_DEPTH {
        return Err(ApiError::invalid(
            "manager_id",
            "the management chain is too deep",
        ));
    }
    Ok(())
}
