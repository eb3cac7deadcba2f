//! Reading requests: who may see one, one request as people read it, and pages of them.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, SecondsFormat, Utc};
use tessera_domain::access::{
    ApprovalList, CancellationView, DecisionView, ExtensionCallView, RequestPage, RequestView,
    StageView, TimelineEntry, WaitingFor,
};
use tessera_domain::assignment::PersonSummary;
use tessera_domain::policy::{Answer, ExtensionMode, ExtensionOutcome, ExtensionStage};
use tessera_domain::request::{RequestKind, Verdict};
use tessera_domain::{AssignmentId, PolicyId, UserId};
use uuid::Uuid;

use crate::auth::request_authz::{OwnRequests, RequestReader};
use crate::error::ApiResult;
use crate::request_record::{corrupt, request_of};
use crate::service::page::{PageRequest, not_a_cursor};
use crate::state::AppState;
use crate::store;
use crate::store::extensions::CallRow;
use crate::store::requests::{RequestList, RequestRow};

/// The request `reader` was authorised to read.
pub async fn get_request(state: &AppState, reader: &RequestReader) -> ApiResult<RequestView> {
    request_view(state, reader.row()).await
}

/// Which of their own lists of requests someone reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OwnList {
    /// The requests they made or that are for them.
    Mine,
    /// The requests waiting for their decision.
    AwaitingDecision,
    /// The requests they decided (at some stage).
    Decided,
}

impl From<ApprovalList> for OwnList {
    fn from(list: ApprovalList) -> Self {
        match list {
            ApprovalList::Pending => OwnList::AwaitingDecision,
            ApprovalList::History => OwnList::Decided,
        }
    }
}

/// A page of the actor's own list `which`, newest first; `open_only` keeps the requests not
/// yet final.
pub async fn list(
    state: &AppState,
    own: &OwnRequests,
    which: OwnList,
    open_only: bool,
    query: &tessera_domain::page::PageQuery,
) -> ApiResult<RequestPage> {
    let user = *own.user().as_uuid();
    let list = match which {
        OwnList::Mine => RequestList::Mine(user),
        OwnList::AwaitingDecision => RequestList::AwaitingDecisionBy(user),
        OwnList::Decided => RequestList::DecidedBy(user),
    };
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows =
        store::requests::list_requests(&state.db, &list, open_only, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    page_of(state, &rows, next_cursor).await
}

/// A page of the requests waiting for the actor's decision, the one whose current stage must
/// be decided soonest first. The cursor is the last row's decide-by moment and id.
pub async fn list_pending_by_deadline(
    state: &AppState,
    own: &OwnRequests,
    query: &tessera_domain::page::PageQuery,
) -> ApiResult<RequestPage> {
    let page = PageRequest::parse(query)?;
    let after = page.after.as_deref().map(deadline_cursor_of).transpose()?;
    let rows = store::requests::list_awaiting_decision_by_deadline(
        &state.db,
        *own.user().as_uuid(),
        after,
        page.fetch(),
    )
    .await?;
    let (rows, next_cursor) = page.finish(rows, deadline_cursor);
    page_of(state, &rows, next_cursor).await
}

/// The sort key a deadline-ordered page ends on: `<decide-by, RFC 3339> <id>`.
fn deadline_cursor(row: &RequestRow) -> String {
    let at = row
        .decide_by
        .map(|at| at.to_rfc3339_opts(SecondsFormat::Nanos, true))
        .unwrap_or_default();
    format!("{at} {}", row.id)
}

fn deadline_cursor_of(key: &str) -> ApiResult<(DateTime<Utc>, Uuid)> {
    let (at, id) = key.split_once(' ').ok_or_else(not_a_cursor)?;
    let at = DateTime::parse_from_rfc3339(at).map_err(|_| not_a_cursor())?;
    let id = Uuid::parse_str(id).map_err(|_| not_a_cursor())?;
    Ok((at.with_timezone(&Utc), id))
}

/// One page of `rows` as people read them, with the cursor of the next page.
pub async fn page_of(
    state: &AppState,
    rows: &[RequestRow],
    next_cursor: Option<String>,
) -> ApiResult<RequestPage> {
    let mut items = Vec::with_capacity(rows.len());
    for row in rows {
        items.push(request_view(state, row).await?);
    }
    Ok(RequestPage { items, next_cursor })
}

/// The request as people read it: names instead of ids, stages, and a timeline.
pub async fn request_view(state: &AppState, row: &RequestRow) -> ApiResult<RequestView> {
    let request = request_of(row)?;
    let mut ids: BTreeSet<Uuid> = BTreeSet::new();
    ids.insert(*request.requester().as_uuid());
    ids.insert(*request.target().as_uuid());
    for stage in request.stages() {
        ids.extend(stage.approvers.iter().map(|id| *id.as_uuid()));
        ids.extend(stage.escalation_approvers.iter().map(|id| *id.as_uuid()));
        if let Some(decision) = &stage.decision {
            ids.insert(*decision.by.as_uuid());
        }
    }
    if let Some(cancellation) = request.cancellation() {
        ids.insert(*cancellation.by.as_uuid());
    }
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let names: BTreeMap<Uuid, PersonSummary> = store::users::find_people(&state.db, &ids)
        .await?
        .iter()
        .map(|row| (row.id, crate::service::people::person_summary(row)))
        .collect();
    let person = |id: UserId| {
        names
            .get(id.as_uuid())
            .cloned()
            .unwrap_or_else(|| PersonSummary {
                id,
                username: "(deleted)".into(),
                display_name: "(deleted user)".into(),
                guest: false,
            })
    };
    let target =
        (request.target() != request.requester()).then(|| person(request.target()).display_name);
    let mut timeline = vec![TimelineEntry {
        at: request.submitted_at(),
        event: "submitted".into(),
        summary: submitted_summary(
            request.kind(),
            &person(request.requester()).display_name,
            target.as_deref(),
        ),
    }];
    let mut stages = Vec::new();
    for (index, stage) in request.stages().iter().enumerate() {
        if let Some(started) = stage.started_at {
            let names: Vec<String> = stage
                .approvers
                .iter()
                .map(|id| person(*id).display_name)
                .collect();
            timeline.push(TimelineEntry {
                at: started,
                event: "stage_started".into(),
                summary: if names.is_empty() {
                    format!("Stage {} found nobody to decide it.", index + 1)
                } else {
                    format!("Stage {} waits for {}.", index + 1, names.join(", "))
                },
            });
        }
        if let Some(at) = stage.escalated_at {
            let names: Vec<String> = stage
                .escalation_approvers
                .iter()
                .map(|id| person(*id).display_name)
                .collect();
            timeline.push(TimelineEntry {
                at,
                event: "escalated".into(),
                summary: format!("Stage {} was escalated to {}.", index + 1, names.join(", ")),
            });
        }
        if let Some(decision) = &stage.decision {
            let verb = match decision.verdict {
                Verdict::Approve => "approved",
                Verdict::Deny => "denied",
            };
            timeline.push(TimelineEntry {
                at: decision.at,
                event: verb.into(),
                summary: format!(
                    "{} {verb} stage {}{}",
                    person(decision.by).display_name,
                    index + 1,
                    decision
                        .justification
                        .as_ref()
                        .map(|j| format!(": {j}"))
                        .unwrap_or_else(|| ".".into())
                ),
            });
        }
        stages.push(StageView {
            number: index + 1,
            started_at: stage.started_at,
            deadline_at: stage.deadline_at(),
            approvers: stage.approvers.iter().map(|id| person(*id)).collect(),
            used_fallback: stage.used_fallback,
            escalated_at: stage.escalated_at,
            escalation_approvers: stage
                .escalation_approvers
                .iter()
                .map(|id| person(*id))
                .collect(),
            approver_justification_required: stage.approver_justification_required,
            decision: stage.decision.as_ref().map(|decision| DecisionView {
                by: person(decision.by),
                verdict: decision.verdict,
                justification: decision.justification.as_ref().map(|j| j.to_string()),
                at: decision.at,
            }),
        });
    }
    if let Some(cancellation) = request.cancellation() {
        let by = person(cancellation.by).display_name;
        timeline.push(TimelineEntry {
            at: cancellation.at,
            event: "canceled".into(),
            summary: match &cancellation.reason {
                Some(reason) => format!("Canceled by {by}: {reason}"),
                None => format!("Canceled by {by}."),
            },
        });
    }
    if let Some(at) = request.delivery_started_at() {
        timeline.push(TimelineEntry {
            at,
            event: "delivering".into(),
            summary: "Delivery started.".into(),
        });
    }
    if let Some(at) = request.closed_at()
        && request.cancellation().is_none()
    {
        timeline.push(TimelineEntry {
            at,
            event: request.state().as_str().into(),
            summary: row
                .outcome
                .clone()
                .unwrap_or_else(|| format!("The request was {}.", request.state().describe())),
        });
    }
    for wait in request.waits() {
        let (Some(since), Some(until)) = (wait.started_at, wait.until()) else {
            continue;
        };
        timeline.push(TimelineEntry {
            at: since,
            event: "waiting".into(),
            summary: format!(
                "Waiting for {} until {}.",
                wait.extension,
                until.format("%Y-%m-%d %H:%M:%S UTC")
            ),
        });
        if let Some(answer) = &wait.answer {
            let (event, summary) = match (answer.timed_out, answer.outcome) {
                (true, ExtensionOutcome::Continue) => (
                    "extension_timed_out",
                    format!(
                        "{} did not answer in time; the request went on.",
                        wait.extension
                    ),
                ),
                (true, ExtensionOutcome::Deny) => (
                    "extension_timed_out",
                    format!(
                        "{} did not answer in time, so the request was denied.",
                        wait.extension
                    ),
                ),
                (false, ExtensionOutcome::Continue) => (
                    "extension_answered",
                    format!(
                        "{} let the request go on{}",
                        wait.extension,
                        answer
                            .message
                            .as_ref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_else(|| ".".into())
                    ),
                ),
                (false, ExtensionOutcome::Deny) => (
                    "extension_answered",
                    format!(
                        "{} denied the request{}",
                        wait.extension,
                        answer
                            .message
                            .as_ref()
                            .map(|m| format!(": {m}"))
                            .unwrap_or_else(|| ".".into())
                    ),
                ),
            };
            timeline.push(TimelineEntry {
                at: answer.at,
                event: event.into(),
                summary,
            });
        }
    }
    let calls = store::extensions::list_request_calls(&state.db, row.id).await?;
    let mut extension_calls = Vec::with_capacity(calls.len());
    for call in &calls {
        let view = call_view(call)?;
        if let Some(at) = view.sent_at {
            timeline.push(TimelineEntry {
                at,
                event: "extension_called".into(),
                summary: format!(
                    "Called {} ({}): it answered HTTP {}.",
                    view.extension,
                    view.stage.as_str(),
                    view.last_status.unwrap_or_default()
                ),
            });
        } else if let Some(at) = call.last_attempt_at {
            let error = view.last_error.clone().unwrap_or_default();
            let summary = match (view.state.as_str(), view.next_attempt_at) {
                ("pending", Some(next)) => format!(
                    "Calling {} failed {} times ({error}); next attempt at {}.",
                    view.extension,
                    view.attempts,
                    next.format("%Y-%m-%d %H:%M:%S UTC")
                ),
                ("closed", _) => format!(
                    "Calling {} failed {} times ({error}); the request closed before it went through.",
                    view.extension, view.attempts
                ),
                _ => format!(
                    "Calling {} failed {} times ({error}) and was given up.",
                    view.extension, view.attempts
                ),
            };
            timeline.push(TimelineEntry {
                at,
                event: "extension_call_failed".into(),
                summary,
            });
        }
        extension_calls.push(view);
    }
    let waiting_for = request.current_wait().and_then(|wait| {
        Some(WaitingFor {
            extension: wait.extension.clone(),
            stage: wait.stage,
            since: wait.started_at?,
            until: wait.until()?,
            timeout_outcome: wait.timeout_outcome,
        })
    });
    timeline.sort_by_key(|entry| entry.at);
    let answers: Vec<Answer> =
        serde_json::from_str(&row.answers).map_err(|_| corrupt("answers", row.id))?;
    Ok(RequestView {
        id: request.id(),
        access_package_id: request.access_package_id(),
        access_package_name: row.package_name.clone(),
        policy_id: row.policy_id.map(PolicyId::from_uuid),
        policy_name: row.policy_name.clone(),
        kind: request.kind(),
        state: request.state(),
        requester: person(request.requester()),
        target: person(request.target()),
        justification: row.justification.clone(),
        answers,
        starts_at: request.start_at(),
        ends_at: row.ends_at,
        submitted_at: request.submitted_at(),
        closed_at: request.closed_at(),
        outcome: row.outcome.clone(),
        stages,
        assignment_id: row.assignment_id.map(AssignmentId::from_uuid),
        timeline,
        waiting_for,
        extension_calls,
        cancellation: request.cancellation().map(|cancellation| CancellationView {
            by: person(cancellation.by),
            as_administrator: cancellation.as_administrator,
            at: cancellation.at,
            reason: cancellation.reason.as_ref().map(ToString::to_string),
        }),
    })
}

fn call_view(call: &CallRow) -> ApiResult<ExtensionCallView> {
    let stage = ExtensionStage::parse(&call.stage).ok_or_else(|| corrupt("call stage", call.id))?;
    let mode = ExtensionMode::parse(&call.mode).ok_or_else(|| corrupt("call mode", call.id))?;
    let answer = match call.answer.as_deref() {
        Some(answer) => {
            Some(ExtensionOutcome::parse(answer).ok_or_else(|| corrupt("call answer", call.id))?)
        }
        None => None,
    };
    Ok(ExtensionCallView {
        id: call.id,
        extension: call.extension.clone(),
        stage,
        mode,
        state: call.state.clone(),
        attempts: u32::try_from(call.attempts).unwrap_or(u32::MAX),
        last_status: call.last_status.and_then(|s| u16::try_from(s).ok()),
        last_error: call.last_error.clone(),
        next_attempt_at: (call.state == "pending").then_some(call.next_attempt_at),
        sent_at: call.sent_at,
        wait_until: call.wait_until,
        answer,
        answer_message: call.answer_message.clone(),
        answered_at: call.answered_at,
        created_at: call.created_at,
    })
}

/// The first line of a request's timeline: who asked what, naming the person it is for only
/// when that is someone else (`target`), so that nobody "asks to give access to" themselves.
fn submitted_summary(kind: RequestKind, requester: &str, target: Option<&str>) -> String {
    match (kind, target) {
        (RequestKind::UserAdd, None) => format!("{requester} asked for access."),
        (RequestKind::UserAdd, Some(target)) => {
            format!("{requester} asked for access for {target}.")
        }
        (RequestKind::UserExtend, None) => {
            format!("{requester} asked to keep their access longer.")
        }
        (RequestKind::UserExtend, Some(target)) => {
            format!("{requester} asked to extend the access of {target}.")
        }
        (RequestKind::UserRemove, None) => format!("{requester} gave up their access."),
        (RequestKind::UserRemove, Some(target)) => {
            format!("{requester} asked to remove the access of {target}.")
        }
        (RequestKind::AdminAdd, None) => format!("{requester} assigned the access to themselves."),
        (RequestKind::AdminAdd, Some(target)) => {
            format!("{requester} assigned the access to {target}.")
        }
        (RequestKind::AdminRemove, None) => format!("{requester} removed their own access."),
        (RequestKind::AdminRemove, Some(target)) => {
            format!("{requester} removed the access of {target}.")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_timeline_line_names_the_person_only_when_it_is_someone_else() {
        let cases = [
            (
                RequestKind::UserAdd,
                None,
                "Alice Analyst asked for access.",
            ),
            (
                RequestKind::UserAdd,
                Some("Bob Builder"),
                "Alice Analyst asked for access for Bob Builder.",
            ),
            (
                RequestKind::UserExtend,
                None,
                "Alice Analyst asked to keep their access longer.",
            ),
            (
                RequestKind::UserRemove,
                None,
                "Alice Analyst gave up their access.",
            ),
            (
                RequestKind::AdminAdd,
                Some("Bob Builder"),
                "Alice Analyst assigned the access to Bob Builder.",
            ),
            (
                RequestKind::AdminRemove,
                Some("Bob Builder"),
                "Alice Analyst removed the access of Bob Builder.",
            ),
        ];
        for (kind, target, expected) in cases {
            assert_eq!(submitted_summary(kind, "Alice Analyst", target), expected);
        }
        for kind in [
            RequestKind::UserAdd,
            RequestKind::UserExtend,
            RequestKind::UserRemove,
        ] {
            let summary = submitted_summary(kind, "Alice Analyst", None);
            assert_eq!(summary.matches("Alice Analyst").count(), 1, "{summary}");
        }
    }
}
