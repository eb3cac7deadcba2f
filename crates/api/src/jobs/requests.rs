//! The requests' scheduled work: escalations, timeouts, scheduled starts and deliveries left
//! half-way.

use chrono::{DateTime, Utc};
use tessera_domain::request::{DueAction, RequestState};

use crate::error::ApiResult;
use crate::idempotency;
use crate::service::requests::{
    LoadedDirectory, deliver, escalation_resolver, load_directory, notes_for, policy_of,
    request_of, stage_resolver, write_of,
};
use crate::service::{self, audit_event};
use crate::state::AppState;
use crate::store::{self, StoreError};

/// One round of the requests' scheduled work at `now`: escalations, timeouts, scheduled
/// starts and deliveries left half-way; idempotency keys older than their retention are
/// forgotten. Returns how many requests moved.
pub async fn run_due_requests(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    store::requests::purge_idempotency_keys(&state.db, idempotency::remembered_since(now)).await?;
    let mut moved = 0;
    for (id, version) in store::requests::due_requests(&state.db, now, 200).await? {
        let Some(row) = store::requests::find_request(&state.db, id).await? else {
            continue;
        };
        if row.version != version {
            continue;
        }
        if row.state == RequestState::Delivering {
            deliver(state, row).await?;
            moved += 1;
            continue;
        }
        let mut request = request_of(&row)?;
        let Some(due) = request.next_due() else {
            continue;
        };
        let policy = match row.policy_id {
            Some(policy) => store::policies::find_policy(&state.db, row.package_id, policy)
                .await?
                .map(|p| policy_of(&p.definition, p.id))
                .transpose()?,
            None => None,
        };
        let directory = match &policy {
            Some(policy) => load_directory(state, policy, request.target()).await?,
            None => LoadedDirectory::default(),
        };
        let (requester, target) = (request.requester(), request.target());
        let (event, action) = match due.action {
            DueAction::Submit => (
                request.submit(
                    now,
                    stage_resolver(policy.as_ref(), requester, target, &directory),
                ),
                "request.submit",
            ),
            DueAction::Escalate => (
                request.escalate(
                    now,
                    escalation_resolver(policy.as_ref(), requester, target, &directory),
                ),
                "request.escalate",
            ),
            DueAction::TimeOut => (request.time_out(now), "request.time_out"),
            DueAction::StartDelivery => (request.start_delivery(now), "request.start"),
            DueAction::TimeOutWait => (
                request.time_out_wait(
                    now,
                    stage_resolver(policy.as_ref(), requester, target, &directory),
                ),
                "request.extension_time_out",
            ),
        };
        let Ok(event) = event else {
            continue;
        };
        let mut write = write_of(&request, request.closing_reason().map(String::from), now)?;
        write.calls =
            service::extensions::calls_after(state, policy.as_ref(), &row, &request, &event, now)
                .await?;
        if due.action == DueAction::TimeOutWait {
            service::extensions::time_out_waits(&mut write);
        }
        let notes = notes_for(state, &row.package_name, &request, &event).await?;
        let updated = store::requests::update_request(
            &state.db,
            row.id,
            row.version,
            &write,
            None,
            &notes,
            |row| {
                audit_event::<(), _>(
                    None,
                    action,
                    "request",
                    row.id.to_string(),
                    None,
                    Some(&event),
                )
            },
        )
        .await;
        match updated {
            Ok(updated) => {
                moved += 1;
                if updated.state == RequestState::Delivering {
                    deliver(state, updated).await?;
                }
            }
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(moved)
}
