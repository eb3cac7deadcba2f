//! What the managers of an instance do to it: stop it (or every instance of a definition),
//! remind its reviewers, reset the current stage's decisions, apply its results.

use chrono::{DateTime, Utc};
use tessera_domain::notification::NotificationKind;
use tessera_domain::review::{
    self, AppliedBy, ReviewEvent, ReviewInstance, ReviewInstanceView, ReviewItem, ReviewRefusal,
};
use tessera_domain::{ReviewInstanceId, UserId};
use uuid::Uuid;

use super::apply::apply_instance;
use super::instances::instance_view;
use super::notices::{ended_notes, notes_to};
use super::records::{
    all_items, changed_items, instance_conflict, instance_of, instance_write, refusal,
};
use crate::auth::review_authz::{InstanceManager, ReviewManager, manage_instance_of};
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::notifications::NewNotification;
use crate::store::reviews::{InstanceList, InstanceRow};

/// One manager's action on an instance, the way each is done: run the transition on the
/// instance and all its items, then write the instance, the items it changed, the effects and
/// the audit event (`action`) with compare-and-set, with the current stage's `reviewers` when
/// the action changes them and the `notes` the event calls for. Returns the instance and the
/// event.
async fn act_on_instance(
    state: &AppState,
    manager: &InstanceManager,
    action: &'static str,
    now: DateTime<Utc>,
    transition: impl FnOnce(
        &mut ReviewInstance,
        &mut [ReviewItem],
        UserId,
    ) -> Result<ReviewEvent, ReviewRefusal>,
    reviewers: Option<&[(Uuid, Uuid)]>,
    notes: impl FnOnce(&ReviewEvent) -> ApiResult<Vec<NewNotification>>,
) -> ApiResult<(ReviewInstance, ReviewEvent)> {
    let actor = manager.actor();
    let row = manager.row();
    let mut instance = instance_of(row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before = items.clone();
    let event = transition(&mut instance, &mut items, actor.id).map_err(refusal)?;
    let changed = changed_items(&rows, &before, &items)?;
    let audit = [audit_event::<(), _>(
        Some(actor),
        action,
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    let notes = notes(&event)?;
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        reviewers,
        &notes,
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    Ok((instance, event))
}

/// The instance as stored after an action.
async fn reread(state: &AppState, row: &InstanceRow) -> ApiResult<InstanceRow> {
    store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)
}

/// An administrator (or the catalog owner) ends an instance early. With automatic apply, the
/// results apply at once.
pub async fn stop_instance(
    state: &AppState,
    manager: &InstanceManager,
) -> ApiResult<ReviewInstanceView> {
    let now = Utc::now();
    let notes = ended_notes(state, manager.row()).await?;
    let (instance, _) = act_on_instance(
        state,
        manager,
        "access_review.stop",
        now,
        |instance, items, by| instance.stop(items, by, now),
        Some(&[]),
        |_| Ok(notes),
    )
    .await?;
    let mut row = reread(state, manager.row()).await?;
    if instance.settings().auto_apply {
        row = apply_instance(
            state,
            &row,
            AppliedBy::Automatically,
            Some(manager.actor()),
            now,
        )
        .await?;
    }
    instance_view(state, &row).await
}

/// Stops every instance of a definition still in progress, as [`stop_instance`] does each;
/// answers the instances stopped (none when nothing ran).
pub async fn stop_definition(
    state: &AppState,
    manager: &ReviewManager,
) -> ApiResult<Vec<ReviewInstanceView>> {
    let mut stopped = Vec::new();
    let mut before = None;
    loop {
        let rows = store::reviews::list_instances(
            &state.db,
            &InstanceList::OfDefinition(manager.row().id),
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
            .filter(|row| row.state == review::ReviewInstanceState::InProgress)
        {
            let id = ReviewInstanceId::from_uuid(row.id);
            let instance = manage_instance_of(state, manager, id).await?;
            stopped.push(stop_instance(state, &instance).await?);
        }
    }
    Ok(stopped)
}

/// Sends a reminder now, through the notifications outbox, to every reviewer with undecided
/// items in the current stage.
pub async fn remind_now(
    state: &AppState,
    manager: &InstanceManager,
) -> ApiResult<review::ReminderSent> {
    let row = manager.row();
    let now = Utc::now();
    let (_, event) = act_on_instance(
        state,
        manager,
        "access_review.remind_now",
        now,
        |instance, items, by| instance.remind_now(items, by, now),
        None,
        |event| {
            let ReviewEvent::RemindedNow { reviewers, .. } = event else {
                return Err(ApiError::Internal);
            };
            Ok(notes_to(
                state,
                reviewers.iter().copied(),
                NotificationKind::ReviewReminder,
                &format!("Reminder: review access to {}", row.resource_name),
                "Some people's access still waits for your decision.",
                row,
            ))
        },
    )
    .await?;
    let ReviewEvent::RemindedNow {
        stage, reviewers, ..
    } = &event
    else {
        return Err(ApiError::Internal);
    };
    Ok(review::ReminderSent {
        stage: *stage + 1,
        reviewers: reviewers.iter().copied().collect(),
    })
}

/// Clears the decisions made in the current stage, so its reviewers decide again.
pub async fn reset_decisions(
    state: &AppState,
    manager: &InstanceManager,
) -> ApiResult<ReviewInstanceView> {
    let now = Utc::now();
    act_on_instance(
        state,
        manager,
        "access_review.reset",
        now,
        |instance, items, by| instance.reset_stage(items, by, now),
        None,
        |_| Ok(Vec::new()),
    )
    .await?;
    let row = reread(state, manager.row()).await?;
    instance_view(state, &row).await
}

/// An administrator (or the catalog owner) applies a completed instance's results.
pub async fn apply_results(
    state: &AppState,
    manager: &InstanceManager,
) -> ApiResult<ReviewInstanceView> {
    let actor = manager.actor();
    let row = apply_instance(
        state,
        manager.row(),
        AppliedBy::Administrator { user_id: actor.id },
        Some(actor),
        Utc::now(),
    )
    .await?;
    instance_view(state, &row).await
}
