//! What a change of a person does to their access and to what waits for them.
//!
//! - A **leaver** (disabled, or deleted) keeps nothing: their assignments end (a directory
//!   row stays when another assignment or an administrator grants it), their open requests
//!   close, the approval stages and review items waiting for them go to the approvers and
//!   reviewers left, else to the stage's fallback approvers or reviewers (a request nobody is
//!   left to decide is denied, as when a stage starts with nobody; an item nobody is left to
//!   review ends its stage "not reviewed", as when nobody could review it from the start), and
//!   their sessions and API tokens end. Enabling them again gives nothing back.
//! - A **mover** whose manager changes takes their manager approvals and reviews along: the
//!   pending stages of their requests and the undecided review items of their access that
//!   asked the previous manager *as their manager* go to the new one (a person named in the
//!   policy or the review who happens to be the manager keeps the item).
//!
//! The writes are planned from what was read, each compare-and-set on the version seen, and
//! written in the transaction that changes the person ([`crate::store::users`]), so either
//! all of it happens or none. The scheduler runs [`leaver_writes`] too, for disabled people
//! who still hold something ([`crate::jobs::users`]).

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::assignment::AssignmentState;

use super::assignment_view::assignment_view;
use super::audit_event;
use super::notifications::{AccessEndReason, access_ended};
use super::{requests, reviews};
use crate::auth::Actor;
use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;
use crate::store::assignments::{AssignmentRow, EndAssignment};
use crate::store::lifecycle::{AssignmentEnd, LifecycleWrites};

/// Everything `leaver` leaving takes away or hands over, as of `now`. `actor` is the
/// administrator (or provisioning account) making the change; `None` for the scheduler.
pub async fn leaver_writes(
    state: &AppState,
    actor: Option<&Actor>,
    leaver: UserId,
    now: DateTime<Utc>,
) -> ApiResult<LifecycleWrites> {
    let mut writes = LifecycleWrites::default();
    for (id, version) in
        store::lifecycle::active_assignments_of(&state.db, *leaver.as_uuid()).await?
    {
        let Some(row) = store::assignments::find_assignment(&state.db, id).await? else {
            continue;
        };
        let note = access_ended(
            state,
            leaver,
            &row.package_name,
            &AccessEndReason::AccountDisabled,
        );
        let by = actor.cloned();
        writes.assignments.push(AssignmentEnd {
            end: EndAssignment {
                id,
                version,
                state: AssignmentState::Removed.as_str(),
                ended_by: by.as_ref().map(|actor| *actor.id.as_uuid()),
                now,
            },
            notes: vec![note],
            audit: Box::new(move |row: &AssignmentRow| {
                let after = assignment_view(row).ok();
                audit_event::<(), _>(
                    by.as_ref(),
                    "assignment.remove_disabled_user",
                    "assignment",
                    row.id.to_string(),
                    None,
                    after.as_ref(),
                )
            }),
        });
    }
    writes.requests = requests::close_open_requests(state, actor, leaver, now).await?;
    writes.requests.extend(
        requests::reroute_approvals(state, actor, leaver, requests::Removal::Leaver, now).await?,
    );
    writes.reviews =
        reviews::reviewer_changes(state, actor, leaver, reviews::Removal::Leaver, now).await?;
    Ok(writes)
}

/// What `person`'s manager changing from `previous` to `new` moves along, as of `now`.
pub async fn mover_writes(
    state: &AppState,
    actor: Option<&Actor>,
    person: UserId,
    previous: UserId,
    new: Option<UserId>,
    now: DateTime<Utc>,
) -> ApiResult<LifecycleWrites> {
    let requests = requests::reroute_approvals(
        state,
        actor,
        previous,
        requests::Removal::Manager { person, new },
        now,
    )
    .await?;
    let reviews = reviews::reviewer_changes(
        state,
        actor,
        previous,
        reviews::Removal::Manager { person, new },
        now,
    )
    .await?;
    Ok(LifecycleWrites {
        assignments: Vec::new(),
        requests,
        reviews,
    })
}
