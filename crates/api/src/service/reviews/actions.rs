//! What the managers of an instance do to it: stop, remind, reset, apply.

use chrono::Utc;
use tessera_domain::notification::NotificationKind;
use tessera_domain::review::{self, AppliedBy, ItemAudience, ReviewEvent, ReviewInstanceView};
use tessera_domain::{ReviewDefinitionId, ReviewInstanceId};

use super::access::{managed_definition, managed_instance, visible_instance};
use super::apply::apply_instance;
use super::instances::instance_view;
use super::notices::{ended_notes, notes_to};
use super::records::{
    all_items, changed_items, instance_conflict, instance_of, instance_write, refusal,
};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::reviews::InstanceList;

/// An administrator (or the catalog owner) ends an instance early. With automatic apply, the
/// results apply at once.
pub async fn stop_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(
            "Only those who manage the review may stop it.",
        ));
    }
    let now = Utc::now();
    let mut instance = instance_of(&row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before = items.clone();
    let event = instance.stop(&mut items, actor.id, now).map_err(refusal)?;
    let changed = changed_items(&rows, &before, &items)?;
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.stop",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    let notes = ended_notes(state, &row).await?;
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        Some(&[]),
        &notes,
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    let mut row = store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)?;
    if instance.settings().auto_apply {
        row = apply_instance(state, &row, AppliedBy::Automatically, Some(actor), now).await?;
    }
    instance_view(state, &row).await
}

/// Stops every instance of a definition still in progress, as [`stop_instance`] does each;
/// answers the instances stopped (none when nothing ran).
pub async fn stop_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<Vec<ReviewInstanceView>> {
    let (definition, _) = managed_definition(state, actor, id).await?;
    let mut stopped = Vec::new();
    let mut before = None;
    loop {
        let rows = store::reviews::list_instances(
            &state.db,
            &InstanceList::OfDefinition(definition.id),
            before,
            200,
        )
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        before = Some(last.id);
        for row in rows
            .iter()
            .filter(|row| row.state == review::ReviewInstanceState::InProgress.as_str())
        {
            let id = ReviewInstanceId::from_uuid(row.id);
            stopped.push(stop_instance(state, actor, id).await?);
        }
    }
    Ok(stopped)
}

/// Sends a reminder now, through the notifications outbox, to every reviewer with undecided
/// items in the current stage.
pub async fn remind_now(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<review::ReminderSent> {
    let (row, instance, _, items) = managed_instance(
        state,
        actor,
        id,
        "Only those who manage the review may remind its reviewers.",
    )
    .await?;
    let now = Utc::now();
    let event = instance
        .remind_now(&items, actor.id, now)
        .map_err(refusal)?;
    let ReviewEvent::RemindedNow {
        stage, reviewers, ..
    } = &event
    else {
        return Err(ApiError::Internal);
    };
    let sent = review::ReminderSent {
        stage: *stage + 1,
        reviewers: reviewers.iter().copied().collect(),
    };
    let notes = notes_to(
        state,
        reviewers.iter().copied(),
        NotificationKind::ReviewReminder,
        &format!("Reminder: review access to {}", row.resource_name),
        "Some people's access still waits for your decision.",
        &row,
    );
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.remind_now",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &[],
        None,
        &notes,
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    Ok(sent)
}

/// Clears the decisions made in the current stage, so its reviewers decide again.
pub async fn reset_decisions(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, instance, rows, mut items) = managed_instance(
        state,
        actor,
        id,
        "Only those who manage the review may reset its decisions.",
    )
    .await?;
    let now = Utc::now();
    let before = items.clone();
    let event = instance
        .reset_stage(&mut items, actor.id, now)
        .map_err(refusal)?;
    let changed = changed_items(&rows, &before, &items)?;
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.reset",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        None,
        &[],
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    let row = store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)?;
    instance_view(state, &row).await
}

/// An administrator (or the catalog owner) applies a completed instance's results.
pub async fn apply_results(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(
            "Only those who manage the review may apply its results.",
        ));
    }
    let row = apply_instance(
        state,
        &row,
        AppliedBy::Administrator { user_id: actor.id },
        Some(actor),
        Utc::now(),
    )
    .await?;
    instance_view(state, &row).await
}
