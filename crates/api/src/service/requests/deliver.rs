//! Delivering approved requests: creating, extending or ending the assignment.

use chrono::Utc;
use tessera_domain::UserId;
use tessera_domain::assignment::{self, AssignmentState};
use tessera_domain::notification::NotificationKind;
use tessera_domain::request::{DeliveryResult, Request, RequestKind, RequestState};
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};
use crate::request_record::{policy_of, request_of, write_of};
use crate::request_refusals::refusal;
use crate::service::audit_event;
use crate::service::notifications::{AccessEndReason, access_ended, render};
use crate::state::AppState;
use crate::store::assignments::{AssignmentRow, EndAssignment, NewAssignmentRecord};
use crate::store::notifications::NewNotification;
use crate::store::requests::{Delivered, Delivery, DeliveryOutcomes, RequestRow, RequestWrite};
use crate::store::{self, StoreError};

/// Delivers `row` if it waits for delivery (made now, or made by a retry still delivering it):
/// whoever loses the claim answers with what the winner delivered.
pub(super) async fn deliver_if_due(state: &AppState, row: RequestRow) -> ApiResult<RequestRow> {
    if row.state == RequestState::Delivering {
        deliver(state, row).await
    } else {
        Ok(row)
    }
}

/// Carries out a request in state `delivering`: creates, extends or ends the assignment, and
/// records the result on the request. The HTTP path, an approver's decision and the scheduler
/// (on every replica) may deliver the same request at once: the store's claim lets one apply
/// it, and the others answer with the request as it delivered it, never an error.
pub(crate) async fn deliver(state: &AppState, row: RequestRow) -> ApiResult<RequestRow> {
    let now = Utc::now();
    let request = request_of(&row)?;
    let kind = row.kind;
    let policy = match row.policy_id {
        Some(id) => store::policies::find_policy(&state.db, row.package_id, id)
            .await?
            .map(|p| policy_of(&p.definition, p.id))
            .transpose()?,
        None => None,
    };
    let planned: Result<Delivery, String> = match kind {
        RequestKind::UserAdd | RequestKind::AdminAdd => match &policy {
            None => Err("The policy of this request was deleted.".into()),
            Some(policy) => match assignment::schedule(policy, None, row.ends_at, now) {
                Err(errors) => Err(format!(
                    "The requested end no longer fits: {}",
                    errors
                        .iter()
                        .map(|e| e.message.clone())
                        .collect::<Vec<_>>()
                        .join("; ")
                )),
                Ok(schedule) => Ok(Delivery::Add(NewAssignmentRecord {
                    id: Uuid::now_v7(),
                    package_id: row.package_id,
                    policy_id: row.policy_id.unwrap_or_default(),
                    policy_name: row.policy_name.clone(),
                    user_id: row.target_id,
                    state: AssignmentState::Delivered,
                    starts_at: now,
                    ends_at: schedule.ends_at,
                    justification: row.justification.clone(),
                    answers: row.answers.clone(),
                    assigned_by: row.requester_id,
                    now,
                })),
            },
        },
        RequestKind::UserExtend => {
            let held = match row.assignment_id {
                Some(id) => store::assignments::find_assignment(&state.db, id).await?,
                None => None,
            };
            match (held, &policy) {
                (Some(held), Some(policy)) => {
                    let ends_at = assignment::extended_end(policy, held.ends_at, row.ends_at, now);
                    Ok(Delivery::Extend {
                        assignment: held.id,
                        version: held.version,
                        ends_at,
                    })
                }
                (None, _) | (_, None) => {
                    Err("The assignment or its policy no longer exists.".into())
                }
            }
        }
        RequestKind::UserRemove | RequestKind::AdminRemove => match row.assignment_id {
            Some(id) => Ok(Delivery::Remove(EndAssignment {
                id,
                version: 0,
                state: AssignmentState::Removed.as_str(),
                ended_by: row.requester_id,
                now,
            })),
            None => Err("The assignment no longer exists.".into()),
        },
    };
    let (done_notes, failed_notes) = delivery_notes(state, &row.package_name, &request).await?;
    let mut done = request.clone();
    done.finish_delivery(DeliveryResult::Delivered, now)
        .map_err(refusal)?;
    let done_write = write_of(&done, None, now)?;
    let mut failed = request.clone();
    failed
        .finish_delivery(DeliveryResult::Failed, now)
        .map_err(refusal)?;
    let failed_write = write_of(&failed, None, now)?;
    let audit = |request: &RequestRow, assignment: Option<&AssignmentRow>| {
        let mut events = vec![audit_event::<(), _>(
            None,
            if assignment.is_some() {
                "request.deliver"
            } else {
                "request.delivery_failed"
            },
            "request",
            request.id.to_string(),
            None,
            Some(&serde_json::json!({"state": request.state, "outcome": request.outcome})),
        )];
        if let Some(assignment) = assignment {
            let after = crate::service::assignment_view::assignment_view(assignment).ok();
            let action = match kind {
                RequestKind::UserAdd | RequestKind::AdminAdd => "assignment.create",
                RequestKind::UserExtend => "assignment.extend",
                RequestKind::UserRemove | RequestKind::AdminRemove => "assignment.remove",
            };
            events.push(audit_event::<(), _>(
                None,
                action,
                "assignment",
                assignment.id.to_string(),
                None,
                after.as_ref(),
            ));
        }
        events
    };
    let result = match planned {
        Ok(delivery) => {
            store::requests::deliver_request(
                &state.db,
                row.id,
                row.version,
                &delivery,
                &DeliveryOutcomes {
                    done: &done_write,
                    done_notes: &done_notes,
                    failed: &failed_write,
                    failed_notes: &failed_notes,
                },
                audit,
            )
            .await
        }
        Err(reason) => {
            let write = RequestWrite {
                outcome: Some(reason.clone()),
                ..failed_write
            };
            store::requests::update_request(
                &state.db,
                row.id,
                row.version,
                &write,
                None,
                &failed_notes,
                |r| audit(r, None).remove(0),
            )
            .await
            .map(|request| Delivered::Failed {
                request: Box::new(request),
                reason,
            })
        }
    };
    match result {
        Ok(Delivered::Done { request, .. }) | Ok(Delivered::Failed { request, .. }) => Ok(*request),
        // Someone else delivered it meanwhile: read what they wrote.
        Err(StoreError::Conflict) => store::requests::find_request(&state.db, row.id)
            .await?
            .ok_or(ApiError::NotFound("request")),
        Err(other) => Err(other.into()),
    }
}

/// What delivery tells, when done and when failed.
async fn delivery_notes(
    state: &AppState,
    package: &str,
    request: &Request,
) -> ApiResult<(Vec<NewNotification>, Vec<NewNotification>)> {
    let ids = [*request.target().as_uuid()];
    let target = store::users::find_people(&state.db, &ids)
        .await?
        .into_iter()
        .map(|row| row.display_name)
        .next()
        .unwrap_or_default();
    let link = format!("/requests/{}", request.id());
    let url = state.settings.public_url();
    let note = |person: UserId, kind: NotificationKind, subject: String, line: &str| {
        render(
            person,
            kind,
            &subject,
            &[line],
            &[("Access package", package), ("For", &target)],
            &link,
            &url,
        )
    };
    let done = match request.kind() {
        RequestKind::UserAdd | RequestKind::AdminAdd => request
            .concerned()
            .into_iter()
            .map(|person| {
                note(
                    person,
                    NotificationKind::AccessDelivered,
                    format!("Access to {package} is ready"),
                    "The access was granted and can be used now.",
                )
            })
            .collect(),
        RequestKind::UserExtend => vec![note(
            request.target(),
            NotificationKind::AccessDelivered,
            format!("Your access to {package} was extended"),
            "The access now lasts longer; the portal shows its new end.",
        )],
        // The person whose access ended is told, also when they asked themselves.
        RequestKind::UserRemove | RequestKind::AdminRemove => vec![access_ended(
            state,
            request.target(),
            package,
            &if request.requester() == request.target() {
                AccessEndReason::GivenUp
            } else {
                AccessEndReason::RemovedOnRequest
            },
        )],
    };
    let failed = request
        .concerned()
        .into_iter()
        .map(|person| {
            note(
                person,
                NotificationKind::DeliveryFailed,
                format!("Access to {package} could not be delivered"),
                "The request was approved but could not be carried out; the request says why.",
            )
        })
        .collect();
    Ok((done, failed))
}
