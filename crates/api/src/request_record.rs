//! Reading and writing a request's stored form.

use chrono::{DateTime, Utc};
use tessera_domain::policy::ValidPolicy;
use tessera_domain::request::{Request, RequestRecord, RequestState};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::store::requests::{RequestRow, RequestWrite};

pub(crate) fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored request data does not parse");
    ApiError::Internal
}

pub(crate) fn request_of(row: &RequestRow) -> ApiResult<Request> {
    let record: RequestRecord =
        serde_json::from_str(&row.record).map_err(|_| corrupt("record", row.id))?;
    Request::try_from(record).map_err(|err| {
        tracing::error!(request = %row.id, error = %err, "stored request is inconsistent");
        ApiError::Internal
    })
}

pub(crate) fn policy_of(definition: &str, id: Uuid) -> ApiResult<ValidPolicy> {
    serde_json::from_str(definition).map_err(|_| corrupt("policy", id))
}

/// When `request`'s current stage must be decided: `None` unless it waits for approval.
pub(crate) fn decide_by(request: &Request) -> Option<DateTime<Utc>> {
    if request.state() != RequestState::PendingApproval {
        return None;
    }
    request
        .current_stage()
        .and_then(|index| request.stages().get(index))
        .and_then(|stage| stage.deadline_at())
}

/// What to write for `request` after a transition.
pub(crate) fn write_of(
    request: &Request,
    outcome: Option<String>,
    now: DateTime<Utc>,
) -> ApiResult<RequestWrite> {
    let record = RequestRecord::from(request.clone());
    let due_at = match request.state() {
        // Delivery follows at once; if this process stops first, the scheduler takes over.
        RequestState::Delivering => Some(now),
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Waiting
        | RequestState::Scheduled
        | RequestState::Delivered
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed
        | RequestState::Denied
        | RequestState::Canceled
        | RequestState::Expired => request.next_due().map(|due| due.at),
    };
    Ok(RequestWrite {
        state: request.state().as_str(),
        record: serde_json::to_string(&record).map_err(|_| ApiError::Internal)?,
        due_at,
        decide_by: decide_by(request),
        outcome,
        approvers: request
            .current_approvers()
            .iter()
            .map(|id| *id.as_uuid())
            .collect(),
        now,
        calls: Vec::new(),
        // A request closed while it waits for an extension closes the wait: the call is not
        // sent if it is still pending, and its answer is no longer taken. (The scheduler
        // marks a wait that ran out `timed_out` instead.)
        close_waits: match request.state() {
            RequestState::Denied | RequestState::Canceled | RequestState::Expired => Some("closed"),
            RequestState::Submitted
            | RequestState::PendingApproval
            | RequestState::Waiting
            | RequestState::Scheduled
            | RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed => None,
        },
    })
}
