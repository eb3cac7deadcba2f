//! A request as stored: columns for what is queried (ids, kind, state, people, times) and the
//! stages as a JSON blob. Reading one back checks that it is a state the transitions can
//! reach, so a row edited by hand or written by a buggy version is noticed when read, not
//! acted upon: above all, nothing counts as approved unless each stage was approved once, by
//! someone it asked, other than the target and the requester.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::stage::{Cancellation, Stage};
use super::wait::Wait;
use super::{Request, RequestKind, RequestState};
use crate::policy::approval::{MAX_STAGES, MAX_TIMEOUT_DAYS, MIN_TIMEOUT_DAYS};
use crate::policy::{ExtensionOutcome, ExtensionStage};
use crate::{AccessPackageId, PolicyId, RequestId, UserId};

/// Every field of a [`Request`], readable and writable. Turn one into a `Request` with
/// `TryFrom`, which checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct RequestRecord {
    pub id: RequestId,
    pub access_package_id: AccessPackageId,
    pub policy_id: PolicyId,
    pub kind: RequestKind,
    pub state: RequestState,
    pub requester: UserId,
    pub target: UserId,
    pub submitted_at: DateTime<Utc>,
    pub start_at: Option<DateTime<Utc>>,
    pub stages: Vec<Stage>,
    /// Launch-and-wait custom extensions; absent in records written before they existed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub waits: Vec<Wait>,
    pub cancellation: Option<Cancellation>,
    pub delivery_started_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Why a stored request can't be read back: what is inconsistent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent request record: {0}")]
pub struct InvalidRecord(pub String);

impl TryFrom<RequestRecord> for Request {
    type Error = InvalidRecord;

    fn try_from(record: RequestRecord) -> Result<Self, Self::Error> {
        check(&record).map_err(InvalidRecord)?;
        Ok(Request {
            id: record.id,
            access_package_id: record.access_package_id,
            policy_id: record.policy_id,
            kind: record.kind,
            state: record.state,
            requester: record.requester,
            target: record.target,
            submitted_at: record.submitted_at,
            start_at: record.start_at,
            stages: record.stages,
            waits: record.waits,
            cancellation: record.cancellation,
            delivery_started_at: record.delivery_started_at,
            closed_at: record.closed_at,
        })
    }
}

impl From<Request> for RequestRecord {
    fn from(request: Request) -> Self {
        RequestRecord {
            id: request.id,
            access_package_id: request.access_package_id,
            policy_id: request.policy_id,
            kind: request.kind,
            state: request.state,
            requester: request.requester,
            target: request.target,
            submitted_at: request.submitted_at,
            start_at: request.start_at,
            stages: request.stages,
            waits: request.waits,
            cancellation: request.cancellation,
            delivery_started_at: request.delivery_started_at,
            closed_at: request.closed_at,
        }
    }
}

/// Whether the record is one the transitions can produce.
fn check(record: &RequestRecord) -> Result<(), String> {
    let stages = &record.stages;
    if stages.len() > MAX_STAGES {
        return Err(format!("{} stages, at most {MAX_STAGES}", stages.len()));
    }
    if record.kind.removes() && (!stages.is_empty() || record.start_at.is_some()) {
        return Err("a removal has no approval and no start".into());
    }
    for (index, stage) in stages.iter().enumerate() {
        check_stage(record, stage).map_err(|problem| format!("stage {index}: {problem}"))?;
    }
    let started = stages.iter().take_while(|stage| stage.is_started()).count();
    if stages[started..].iter().any(Stage::is_started) {
        return Err("a stage started before an earlier one".into());
    }
    let (earlier, last) = match started.checked_sub(1) {
        Some(last) => (&stages[..last], stages.get(last)),
        None => (&stages[..0], None),
    };
    if !earlier.iter().all(Stage::is_approved) {
        return Err("a stage started before the previous one was approved".into());
    }
    let all_approved = started == stages.len() && stages.iter().all(Stage::is_approved);
    let waits = &record.waits;
    if record.kind.removes() && !waits.is_empty() {
        return Err("a removal waits for no extension".into());
    }
    let open: Vec<&Wait> = waits.iter().filter(|wait| wait.is_open()).collect();
    if open.len() > 1 {
        return Err("it waits for two extensions at once".into());
    }
    for wait in waits {
        if !wait.stage.may_wait() || wait.timeout_seconds == 0 {
            return Err(format!("an impossible wait for {}", wait.extension));
        }
        if wait.started_at.is_none() && wait.answer.is_some() {
            return Err("an answer to a wait that never started".into());
        }
    }
    // The request passes a stage only once its wait there let it through.
    let wait_passed = |stage: ExtensionStage| {
        waits.iter().filter(|wait| wait.stage == stage).all(|wait| {
            wait.answer
                .as_ref()
                .is_some_and(|answer| answer.outcome == ExtensionOutcome::Continue)
        })
    };
    if started > 0 && !wait_passed(ExtensionStage::RequestCreated) {
        return Err("approval started before the request_created extension let it".into());
    }
    let delivering_now = matches!(
        record.state,
        RequestState::Scheduled
            | RequestState::Delivering
            | RequestState::Delivered
            | RequestState::PartiallyDelivered
            | RequestState::DeliveryFailed
    );
    if delivering_now
        && !(wait_passed(ExtensionStage::RequestCreated)
            && wait_passed(ExtensionStage::RequestApproved))
    {
        return Err("delivery came before an extension let it".into());
    }
    let waiting_now = open.first().is_some_and(|wait| match wait.stage {
        ExtensionStage::RequestCreated => started == 0,
        ExtensionStage::RequestApproved => all_approved,
        ExtensionStage::AssignmentGranted | ExtensionStage::AssignmentRemoval => false,
    });
    let denied_by_extension = waits.iter().any(|wait| {
        wait.answer
            .as_ref()
            .is_some_and(|answer| answer.outcome == ExtensionOutcome::Deny)
    });
    if !open.is_empty() && !matches!(record.state, RequestState::Waiting | RequestState::Canceled) {
        return Err("an unanswered wait in a request that is not waiting".into());
    }

    let waiting = last.is_some_and(|stage| stage.decision.is_none() && !stage.approvers.is_empty());
    let consistent = match record.state {
        RequestState::Submitted => started == 0 && !waits.iter().any(|w| w.started_at.is_some()),
        RequestState::Waiting => waiting_now,
        RequestState::PendingApproval | RequestState::Expired => waiting,
        RequestState::Scheduled
        | RequestState::Delivering
        | RequestState::Delivered
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed => all_approved,
        // Denied by an approver, or because nobody could decide.
        RequestState::Denied => {
            denied_by_extension
                || last.is_some_and(|stage| match stage.decision {
                    Some(_) => !stage.is_approved(),
                    None => stage.approvers.is_empty(),
                })
        }
        RequestState::Canceled => started == 0 || waiting || all_approved || waiting_now,
    };
    if !consistent {
        return Err(format!("its stages don't fit the state {}", record.state));
    }
    let delivering = match record.state {
        RequestState::Delivering
        | RequestState::Delivered
        | RequestState::PartiallyDelivered
        | RequestState::DeliveryFailed => true,
        RequestState::Submitted
        | RequestState::PendingApproval
        | RequestState::Waiting
        | RequestState::Scheduled
        | RequestState::Denied
        | RequestState::Canceled
        | RequestState::Expired => false,
    };
    if record.delivery_started_at.is_some() != delivering {
        return Err("a delivery start only once delivery started".into());
    }
    if record.cancellation.is_some() != (record.state == RequestState::Canceled) {
        return Err("a cancellation only in a canceled request".into());
    }
    if record.closed_at.is_some() != record.state.is_final() {
        return Err("a closing time only in a final request".into());
    }
    Ok(())
}

fn check_stage(record: &RequestRecord, stage: &Stage) -> Result<(), String> {
    if !(MIN_TIMEOUT_DAYS..=MAX_TIMEOUT_DAYS).contains(&stage.timeout_days) {
        return Err(format!("a timeout of {} days", stage.timeout_days));
    }
    if let Some(days) = stage.escalate_after_days
        && !(1..stage.timeout_days).contains(&days)
    {
        return Err("escalation must come before the timeout".into());
    }
    let is_self = |user: &UserId| *user == record.target || *user == record.requester;
    if stage.approvers.iter().any(is_self) || stage.escalation_approvers.iter().any(is_self) {
        return Err("the target or the requester is an approver".into());
    }
    if !stage.is_started()
        && (!stage.approvers.is_empty() || stage.used_fallback || stage.decision.is_some())
    {
        return Err("approvers or a decision before the stage started".into());
    }
    if stage.escalated_at.is_some() && (!stage.is_started() || stage.escalate_after_days.is_none())
    {
        return Err("escalated without an escalation, or before starting".into());
    }
    if stage.escalated_at.is_none() && !stage.escalation_approvers.is_empty() {
        return Err("escalation approvers without an escalation".into());
    }
    if let Some(decision) = &stage.decision {
        if !stage.asks(decision.by) {
            return Err("decided by someone it did not ask".into());
        }
        if stage.approver_justification_required && decision.justification.is_none() {
            return Err("decided without the required justification".into());
        }
    }
    Ok(())
}
