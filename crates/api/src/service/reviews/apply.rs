//! Applying a completed instance: denied access is removed, and its holders are told why.

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::review::{
    AppliedBy, DecisionSource, ItemRemoval, NoResponseRule, OutcomeBasis, RemovalResult,
    ReviewEvent, ReviewItem, ReviewedResource,
};

use super::records::{
    all_items, changed_items, instance_conflict, instance_of, instance_write, refusal,
};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::service::notifications::{AccessEndReason, access_ended};
use crate::state::AppState;
use crate::store;
use crate::store::assignments::{AssignmentFilter, EndAssignment};
use crate::store::notifications::NewNotification;
use crate::store::reviews::InstanceRow;

/// Removes the access a review denied, item by item, with the rule used everywhere: a role
/// still granted by a delivered assignment stays.
async fn remove_access(
    state: &AppState,
    resource: ReviewedResource,
    person: UserId,
    note: &NewNotification,
    now: DateTime<Utc>,
) -> RemovalResult {
    let user = *person.as_uuid();
    let result = match resource {
        ReviewedResource::Group { group_id } => {
            store::reviews::remove_group_member(&state.db, *group_id.as_uuid(), user, note, now)
                .await
        }
        ReviewedResource::Application { application_id } => {
            store::reviews::remove_application_roles(
                &state.db,
                *application_id.as_uuid(),
                user,
                note,
                now,
            )
            .await
        }
        ReviewedResource::AccessPackage {
            access_package_id,
            policy_id,
        } => {
            let filter = AssignmentFilter {
                package: Some(*access_package_id.as_uuid()),
                user: Some(user),
                states: vec!["scheduled", "delivered"],
                ..AssignmentFilter::default()
            };
            match store::assignments::list_assignments(&state.db, &filter, None, 1).await {
                Err(err) => Err(err),
                Ok(rows) => match rows.into_iter().next() {
                    Some(held)
                        if policy_id
                            .is_none_or(|policy| Some(*policy.as_uuid()) == held.policy_id) =>
                    {
                        let end = EndAssignment {
                            id: held.id,
                            version: held.version,
                            state: "removed",
                            ended_by: None,
                            now,
                        };
                        let notes = std::slice::from_ref(note);
                        store::assignments::end_assignment(&state.db, &end, notes, |row| {
                            audit_event::<(), ()>(
                                None,
                                "assignment.remove_by_review",
                                "assignment",
                                row.id.to_string(),
                                None,
                                None,
                            )
                        })
                        .await
                        .map(|_| (true, true))
                    }
                    _ => Ok((false, false)),
                },
            }
        }
    };
    match result {
        Ok((true, _)) => RemovalResult::Removed,
        // Nothing to remove, or only what an assignment grants, which stays.
        Ok((false, _)) => RemovalResult::NotApplicable,
        Err(err) => {
            tracing::error!(error = %err, %user, "removing access after a review failed");
            RemovalResult::Failed
        }
    }
}

/// Why a review removes the access of `item`, for the person: the basis of its final outcome.
fn why_removed(item: &ReviewItem) -> String {
    match item.final_outcome().map(|outcome| outcome.basis) {
        Some(OutcomeBasis::Decision { stage }) => {
            let source = item
                .stages()
                .get(stage)
                .and_then(|stage| stage.decision.as_ref())
                .map(|decision| decision.source);
            match source {
                Some(DecisionSource::Recommendation) => {
                    "a reviewer accepted the recommendation to remove it.".into()
                }
                Some(DecisionSource::Reviewer) | None => "a reviewer denied it.".into(),
            }
        }
        Some(OutcomeBasis::NoResponse {
            rule: NoResponseRule::TakeRecommendations,
        }) => "nobody reviewed it in time, and the review follows its recommendation to remove it."
            .into(),
        Some(OutcomeBasis::NoResponse { .. }) => {
            "nobody reviewed it in time, and the review removes access nobody reviewed.".into()
        }
        None => "it was denied.".into(),
    }
}

/// Applies a completed instance's results: kept access stays, denied access is removed, and
/// each person whose access goes is told why.
pub(super) async fn apply_instance(
    state: &AppState,
    row: &InstanceRow,
    by: AppliedBy,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> ApiResult<InstanceRow> {
    let mut instance = instance_of(row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before: Vec<ReviewItem> = items.clone();
    let event = instance.apply(&mut items, by, now).map_err(refusal)?;
    let to_remove = match &event {
        ReviewEvent::ApplyStarted { to_remove, .. } => to_remove.clone(),
        ReviewEvent::Started { .. }
        | ReviewEvent::Decided { .. }
        | ReviewEvent::Reminded { .. }
        | ReviewEvent::RemindedNow { .. }
        | ReviewEvent::DecisionsReset { .. }
        | ReviewEvent::StageEnded { .. }
        | ReviewEvent::Completed { .. }
        | ReviewEvent::Stopped { .. }
        | ReviewEvent::RemovalsRecorded { .. } => Vec::new(),
    };
    let mut results = Vec::new();
    for removal in &to_remove {
        let why = items
            .iter()
            .find(|item| item.id() == removal.item)
            .map_or_else(|| "it was denied.".into(), why_removed);
        let note = access_ended(
            state,
            removal.person,
            &row.resource_name,
            &AccessEndReason::Review {
                review: row.definition_name.clone(),
                why,
            },
        );
        let result = remove_access(state, instance.resource(), removal.person, &note, now).await;
        results.push(ItemRemoval {
            item: removal.item,
            result,
        });
    }
    let mut audit = vec![audit_event::<(), _>(
        actor,
        "access_review.apply",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    if !results.is_empty() {
        let recorded = instance
            .record_removals(&mut items, &results, now)
            .map_err(refusal)?;
        audit.push(audit_event::<(), _>(
            actor,
            "access_review.removals",
            "access_review_instance",
            row.id.to_string(),
            None,
            Some(&recorded),
        ));
    }
    let changed = changed_items(&rows, &before, &items)?;
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        Some(&[]),
        &[],
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)
}
