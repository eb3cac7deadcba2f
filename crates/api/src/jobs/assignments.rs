//! The assignments' scheduled work: starting and ending assignments on time, and reminding
//! people before their access ends.

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::assignment::AssignmentState;
use tessera_domain::notification::NotificationKind;
use tessera_domain::webhook::WebhookEventType;

use crate::error::ApiResult;
use crate::service::assignment_view::assignment_view;
use crate::service::audit_event;
use crate::service::notifications::{AccessEndReason, access_ended, render};
use crate::state::AppState;
use crate::store::assignments::EndAssignment;
use crate::store::webhooks::NewWebhookEvent;
use crate::store::{self, StoreError};

/// What one round of scheduled assignment work did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DueWork {
    pub started: usize,
    pub ended: usize,
    /// Expiry reminders sent.
    pub reminded: usize,
}

/// How many due assignments one round handles of each kind; the next round takes the rest.
const DUE_BATCH: u32 = 200;

/// Starts the scheduled assignments whose start came, expires the delivered ones whose end
/// passed and sends expiry reminders, as of `now` (disabled accounts are
/// [`super::users::close_what_leavers_held`]'s). Each is a compare-and-set: when several replicas run this at once,
/// each assignment changes exactly once and the others skip it.
pub async fn run_due_work(state: &AppState, now: DateTime<Utc>) -> ApiResult<DueWork> {
    let mut work = DueWork::default();
    for (id, version) in store::assignments::due_to_start(&state.db, now, DUE_BATCH).await? {
        let started = store::assignments::start_assignment(&state.db, id, version, now, |row| {
            let after = assignment_view(row).ok();
            audit_event::<(), _>(
                None,
                "assignment.start",
                "assignment",
                row.id.to_string(),
                None,
                after.as_ref(),
            )
        })
        .await;
        match started {
            Ok(_) => work.started += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    for (id, version) in store::assignments::due_to_end(&state.db, now, DUE_BATCH).await? {
        let Some(row) = store::assignments::find_assignment(&state.db, id).await? else {
            continue;
        };
        let end = EndAssignment {
            id,
            version,
            state: AssignmentState::Expired.as_str(),
            ended_by: None,
            now,
        };
        let note = access_ended(
            state,
            UserId::from_uuid(row.user_id),
            &row.package_name,
            &AccessEndReason::Expired,
        );
        let ended = store::assignments::end_assignment(&state.db, &end, &[note], |row| {
            let after = assignment_view(row).ok();
            audit_event::<(), _>(
                None,
                "assignment.expire",
                "assignment",
                row.id.to_string(),
                None,
                after.as_ref(),
            )
        })
        .await;
        match ended {
            Ok(_) => work.ended += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    work.reminded += send_expiry_reminders(state, now).await?;
    Ok(work)
}

/// Reminds people 14 days and 1 day before their access ends (once each; one that is already
/// within a day gets only the last), with a link to extend it.
async fn send_expiry_reminders(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut sent = 0;
    for days in REMINDER_DAYS {
        for (id, user, package, ends_at) in
            store::assignments::due_reminders(&state.db, now, days, DUE_BATCH).await?
        {
            let when = ends_at.format("%Y-%m-%d %H:%M UTC").to_string();
            let note = render(
                UserId::from_uuid(user),
                NotificationKind::ExpiryReminder,
                &format!("Your access to {package} ends soon"),
                &[
                    &format!("Your access to {package} ends on {when}."),
                    "If you still need it, ask to extend it in the portal.",
                ],
                &[("Access package", &package), ("Ends", &when)],
                "/access-packages?tab=active",
                &state.settings.public_url(),
            );
            let event = NewWebhookEvent::new(
                WebhookEventType::AssignmentExpiring,
                now,
                serde_json::json!({
                    "object_type": "assignment",
                    "object_id": id,
                    "assignment_id": id,
                    "user_id": user,
                    "access_package": package,
                    "ends_at": ends_at,
                    "reminder_days": days,
                }),
            );
            if store::assignments::record_reminder(&state.db, id, days, &note, &event).await? {
                sent += 1;
            }
        }
    }
    Ok(sent)
}

/// Reminders before an assignment ends, in days; the nearest first, so that access already
/// close to its end gets the last reminder only.
const REMINDER_DAYS: [i64; 2] = [1, 14];
