//! Handing pending approvals to someone else: from an approver who leaves to the remaining
//! or fallback approvers, and from a person's previous manager to the new one. Also closing
//! a leaver's own open requests. The writes are planned here and written with the change of
//! the person ([`crate::store::lifecycle`]).

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::policy::{Without, asked_only_as_manager, resolve_fallback};
use tessera_domain::request::Actor as RequestActor;

use super::{LoadedDirectory, load_directory, notes_for, policy_of, request_of, write_of};
use crate::auth::Actor;
use crate::error::ApiResult;
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::lifecycle::RequestChange;

/// Why an approver is taken off pending stages.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Removal {
    /// They leave: every stage waiting for them goes to the approvers left, or to the
    /// stage's fallback approvers, or, with nobody at all, the request is denied.
    Leaver,
    /// They are no longer `person`'s manager: stages of `person`'s requests that asked them as
    /// "the requester's manager" (not by name) go to `new`, or as for a leaver when `person`
    /// has no manager now (or one who can't approve).
    Manager { person: UserId, new: Option<UserId> },
}

/// The open requests for `leaver`, closed as an administrator would cancel them, with the
/// outcome saying why. As the scheduler always did, they notify nobody: the person left.
pub(crate) async fn close_open_requests(
    state: &AppState,
    actor: Option<&Actor>,
    leaver: UserId,
    now: DateTime<Utc>,
) -> ApiResult<Vec<RequestChange>> {
    let mut changes = Vec::new();
    for (id, version) in store::lifecycle::open_requests_for(&state.db, *leaver.as_uuid()).await? {
        let Some(row) = store::requests::find_request(&state.db, id).await? else {
            continue;
        };
        if row.version != version {
            continue;
        }
        let mut request = request_of(&row)?;
        if request
            .cancel(RequestActor::Administrator(leaver), None, now)
            .is_err()
        {
            continue;
        }
        let mut write = write_of(&request, None, now)?;
        write.outcome = Some("The person's account was disabled.".into());
        changes.push(RequestChange {
            id,
            version,
            write,
            notes: Vec::new(),
            audit: audit_event::<(), ()>(
                actor,
                "request.close_disabled_user",
                "request",
                id.to_string(),
                None,
                None,
            ),
        });
    }
    Ok(changes)
}

/// The pending requests whose current stage stops asking `removed`, rerouted.
pub(crate) async fn reroute_approvals(
    state: &AppState,
    actor: Option<&Actor>,
    removed: UserId,
    removal: Removal,
    now: DateTime<Utc>,
) -> ApiResult<Vec<RequestChange>> {
    let only_for = match removal {
        Removal::Leaver => None,
        Removal::Manager { person, .. } => Some(*person.as_uuid()),
    };
    let mut changes = Vec::new();
    for id in store::lifecycle::pending_asking(&state.db, *removed.as_uuid(), only_for).await? {
        let Some(row) = store::requests::find_request(&state.db, id).await? else {
            continue;
        };
        // A policy deleted since is no fallback: with nobody else asked, the request is denied.
        let policy = match row.policy_id {
            Some(policy_id) => store::policies::find_policy(&state.db, row.package_id, policy_id)
                .await?
                .map(|p| policy_of(&p.definition, p.id))
                .transpose()?,
            None => None,
        };
        let mut request = request_of(&row)?;
        let (requester, target) = (request.requester(), request.target());
        let directory = match &policy {
            Some(policy) => load_directory(state, policy, target).await?,
            None => LoadedDirectory::default(),
        };
        let Some(index) = request.current_stage() else {
            continue;
        };
        let replacement = match removal {
            Removal::Leaver => None,
            Removal::Manager { new, .. } => {
                let by_fallback = request.stages().get(index).is_none_or(|s| s.used_fallback);
                let as_manager = policy
                    .as_ref()
                    .and_then(|policy| policy.stages().get(index))
                    .is_some_and(|stage| {
                        asked_only_as_manager(stage, requester, target, removed, &directory)
                    });
                if by_fallback || !as_manager {
                    continue;
                }
                match new {
                    Some(new) => {
                        let enabled =
                            store::requests::enabled_among(&state.db, &[*new.as_uuid()]).await?;
                        (!enabled.is_empty()).then_some(new)
                    }
                    None => None,
                }
            }
        };
        // A leaver is still enabled in the directory until this change is written.
        let view = Without {
            view: &directory,
            gone: matches!(removal, Removal::Leaver).then_some(removed),
        };
        let event = request.reroute(removed, replacement, now, |index| {
            policy
                .as_ref()
                .and_then(|policy| policy.stages().get(index))
                .map(|stage| resolve_fallback(stage, requester, target, &view))
                .unwrap_or_default()
        });
        let Ok(event) = event else {
            continue;
        };
        let write = write_of(&request, request.closing_reason().map(String::from), now)?;
        let notes = notes_for(state, &row.package_name, &request, &event).await?;
        changes.push(RequestChange {
            id,
            version: row.version,
            write,
            notes,
            audit: audit_event::<(), _>(
                actor,
                "request.reroute",
                "request",
                id.to_string(),
                None,
                Some(&event),
            ),
        });
    }
    Ok(changes)
}
