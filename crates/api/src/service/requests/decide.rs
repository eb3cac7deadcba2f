//! Approvers' decisions, and cancellation.

use chrono::Utc;
use tessera_domain::access::RequestView;
use tessera_domain::assignment::Justification;
use tessera_domain::problem::ProblemCode;
use tessera_domain::request::{RequestState, Verdict};

use super::deliver::deliver;
use super::directory::{LoadedDirectory, load_directory, stage_resolver};
use super::notes::notes_for;
use super::views::request_view;
use crate::auth::request_authz::{CancelerOf, DeciderOf};
use crate::error::{ApiError, ApiResult};
use crate::request_record::{policy_of, write_of};
use crate::request_refusals::refusal;
use crate::service::audit_event;
use crate::state::AppState;
use crate::store::requests::DecisionRow;
use crate::store::{self, StoreError};

/// An approver decides the stage they were authorised to decide. When several decide at once,
/// one decision lands and the others get 409.
pub async fn decide(
    state: &AppState,
    decider: &DeciderOf,
    verdict: Verdict,
    justification: Option<Justification>,
) -> ApiResult<RequestView> {
    let (actor, row, stage) = (decider.actor(), decider.row(), decider.stage());
    let mut request = decider.request().clone();
    let now = Utc::now();
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
    let event = match verdict {
        Verdict::Approve => request.approve(
            stage,
            actor.id,
            justification,
            now,
            stage_resolver(policy.as_ref(), requester, target, &directory),
        ),
        Verdict::Deny => request.deny(stage, actor.id, justification, now),
    }
    .map_err(refusal)?;
    let mut write = write_of(&request, request.closing_reason().map(String::from), now)?;
    write.calls =
        crate::service::extensions::calls_after(state, policy.as_ref(), row, &request, &event, now)
            .await?;
    let notes = notes_for(state, &row.package_name, &request, &event).await?;
    let decision = DecisionRow {
        stage: i64::try_from(stage).unwrap_or_default(),
        approver: *actor.id.as_uuid(),
        verdict: match verdict {
            Verdict::Approve => "approve",
            Verdict::Deny => "deny",
        },
    };
    let updated = store::requests::update_request(
        &state.db,
        row.id,
        row.version,
        &write,
        Some(&decision),
        &notes,
        |row| {
            audit_event::<(), _>(
                Some(actor),
                match verdict {
                    Verdict::Approve => "request.approve",
                    Verdict::Deny => "request.deny",
                },
                "request",
                row.id.to_string(),
                None,
                Some(&event),
            )
        },
    )
    .await
    .map_err(|err| match err {
        StoreError::Conflict | StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::AlreadyDecided,
            detail: "Someone decided this request first; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    let updated = if updated.state == RequestState::Delivering {
        deliver(state, updated).await?
    } else {
        updated
    };
    request_view(state, &updated).await
}

/// Withdraws a request not yet delivered: its requester or target, an assignment manager of
/// its catalog, or an administrator, with the reason they gave.
pub async fn cancel(
    state: &AppState,
    canceler: &CancelerOf,
    reason: Option<Justification>,
) -> ApiResult<RequestView> {
    let (actor, row) = (canceler.actor(), canceler.row());
    let mut request = canceler.request().clone();
    let now = Utc::now();
    let justification = reason.as_ref().map(ToString::to_string);
    // The reason is part of the request's record, so it is written by the same
    // compare-and-set as the transition.
    let event = request
        .cancel(canceler.who(), reason, now)
        .map_err(refusal)?;
    let write = write_of(&request, request.closing_reason().map(String::from), now)?;
    let updated =
        store::requests::update_request(&state.db, row.id, row.version, &write, None, &[], |row| {
            audit_event::<(), _>(
                Some(actor),
                "request.cancel",
                "request",
                row.id.to_string(),
                None,
                Some(&serde_json::json!({"event": event, "justification": justification})),
            )
        })
        .await
        .map_err(|err| match err {
            StoreError::Conflict => ApiError::Conflict {
                code: ProblemCode::RequestChanged,
                detail: "The request changed meanwhile; read it again.".into(),
                field: None,
            },
            other => other.into(),
        })?;
    request_view(state, &updated).await
}
