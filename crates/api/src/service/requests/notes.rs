//! The notifications a request's transitions send.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::notification::NotificationKind;
use tessera_domain::request::{Next, Request, RequestEvent};
use uuid::Uuid;

use crate::error::ApiResult;
use crate::service::notifications::render;
use crate::state::AppState;
use crate::store;
use crate::store::notifications::NewNotification;

/// The notifications a transition sends, rendered now so they are written with it.
pub(crate) async fn notes_for(
    state: &AppState,
    package: &str,
    request: &Request,
    event: &RequestEvent,
) -> ApiResult<Vec<NewNotification>> {
    let ids = [*request.requester().as_uuid(), *request.target().as_uuid()];
    let names: BTreeMap<Uuid, String> = store::users::find_people(&state.db, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id, row.display_name))
        .collect();
    let name = |id: UserId| names.get(id.as_uuid()).cloned().unwrap_or_default();
    let (requester, target) = (name(request.requester()), name(request.target()));
    let link = format!("/requests/{}", request.id());
    let url = state.settings.public_url();
    let stages = request.stages().len().to_string();
    let to_concerned =
        |kind: NotificationKind, subject: &str, line: &str| -> Vec<NewNotification> {
            request
                .concerned()
                .into_iter()
                .map(|person| {
                    render(
                        person,
                        kind,
                        subject,
                        &[line],
                        &[("Access package", package), ("For", &target)],
                        &link,
                        &url,
                    )
                })
                .collect()
        };
    let ask_approvers = |approvers: &BTreeSet<UserId>,
                         stage: usize,
                         deadline: Option<DateTime<Utc>>,
                         escalated: bool| {
        let deadline = deadline
            .map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        let stage_text = format!("{} of {stages}", stage + 1);
        let first = if request.requester() == request.target() {
            format!("{requester} asks for access to {package}.")
        } else {
            format!("{requester} asks for access to {package} for {target}.")
        };
        let second = if escalated {
            format!("It was escalated to you: decide by {deadline}.")
        } else {
            format!("Please approve or deny it by {deadline}.")
        };
        approvers
            .iter()
            .map(|approver| {
                render(
                    *approver,
                    NotificationKind::ApprovalNeeded,
                    &format!("Approve access to {package} for {target}?"),
                    &[&first, &second],
                    &[
                        ("Access package", package),
                        ("For", &target),
                        ("Asked by", &requester),
                        ("Stage", &stage_text),
                        ("Decide by", &deadline),
                    ],
                    "/approvals",
                    &url,
                )
            })
            .collect::<Vec<_>>()
    };
    let next_notes = |next: &Next| match next {
        Next::Stage {
            stage,
            approvers,
            deadline_at,
            ..
        } => ask_approvers(approvers, *stage, Some(*deadline_at), false),
        Next::NoApprover { .. } => to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "Nobody could approve it, so it was denied. Ask an administrator who approves this package.",
        ),
        Next::Scheduled { start_at } => to_concerned(
            NotificationKind::RequestApproved,
            &format!("Your request for {package} was approved"),
            &format!(
                "It was approved; the access starts on {}.",
                start_at.format("%Y-%m-%d %H:%M UTC")
            ),
        ),
        // Delivery follows at once and tells its own news; a wait for an extension is not
        // news to anyone yet.
        Next::Delivering | Next::Waiting { .. } => Vec::new(),
    };
    let denied_by_extension = || {
        to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "A check this package's policy runs denied it. The request shows why.",
        )
    };
    Ok(match event {
        RequestEvent::Submitted { next } | RequestEvent::Approved { next, .. } => next_notes(next),
        RequestEvent::Denied { .. } => to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "An approver denied it. The request shows their justification.",
        ),
        RequestEvent::Escalated { stage, approvers } => {
            let deadline = request.stages().get(*stage).and_then(|s| s.deadline_at());
            ask_approvers(approvers, *stage, deadline, true)
        }
        RequestEvent::TimedOut { .. } => to_concerned(
            NotificationKind::RequestExpired,
            &format!("Your request for {package} expired"),
            "Nobody decided before the deadline. You may ask again.",
        ),
        RequestEvent::Rerouted { stage, added, .. } => {
            let deadline = request.stages().get(*stage).and_then(|s| s.deadline_at());
            ask_approvers(added, *stage, deadline, false)
        }
        RequestEvent::NoApproverLeft { .. } => to_concerned(
            NotificationKind::RequestDenied,
            &format!("Your request for {package} was denied"),
            "Its approver left and nobody else could approve it, so it was denied. Ask an \
             administrator who approves this package.",
        ),
        RequestEvent::ExtensionAnswered { next, .. }
        | RequestEvent::ExtensionTimedOut { next, .. } => match next {
            Some(next) => next_notes(next),
            None => denied_by_extension(),
        },
        RequestEvent::Canceled { .. }
        | RequestEvent::DeliveryStarted
        | RequestEvent::DeliveryFinished { .. } => Vec::new(),
    })
}
