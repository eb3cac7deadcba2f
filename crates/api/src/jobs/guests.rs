//! The guests' scheduled work, as Microsoft Entra's "manage the lifecycle of external users"
//! does it: a guest who held access and has none left (nothing delivered, nothing scheduled to
//! start, no request open) is blocked from signing in, and `guests.remove_after_days` later
//! removed (deleted, leaving a tombstone). Access delivered again lifts the block (in the
//! delivering transaction; this sweep catches a delivery that raced the block, and a blocked
//! guest an administrator made a member).
//!
//! Who is told: at the block, the guest and their sponsors, with the date of removal; at the
//! removal, the sponsors (the guest's account is gone by then).

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::notification::NotificationKind;
use tessera_domain::user::UserView;

use crate::error::ApiResult;
use crate::service::audit_event;
use crate::service::notifications::render;
use crate::service::users::{remove_user, user_view};
use crate::state::AppState;
use crate::store::notifications::NewNotification;
use crate::store::users::{Deletion, UserRow};
use crate::store::{self, StoreError};

/// What one round of guest work did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuestWork {
    pub blocked: usize,
    pub unblocked: usize,
    pub removed: usize,
}

/// How many guests one round handles of each kind; the next round takes the rest.
const BATCH: u32 = 200;

/// Lifts the blocks of guests who hold access after all, blocks guests left without access,
/// and removes guests blocked for `guests.remove_after_days`, as of `now`. Each is a
/// compare-and-set: replicas racing change each guest once.
pub async fn run_guest_lifecycle(state: &AppState, now: DateTime<Utc>) -> ApiResult<GuestWork> {
    let settings = &state.settings.guests;
    let mut work = GuestWork::default();
    for id in store::guests::blocked_without_cause(&state.db, BATCH).await? {
        if store::guests::unblock(&state.db, id, now).await? {
            work.unblocked += 1;
        }
    }
    if settings.block_when_last_assignment_ends {
        let removal = settings.removal_delay().map(|delay| now + delay);
        for (id, version) in store::guests::guests_to_block(&state.db, BATCH).await? {
            let blocked = store::guests::block_guest(
                &state.db,
                id,
                version,
                now,
                |row| block_notes(state, row, removal),
                |row| {
                    let after = user_view(row).ok();
                    audit_event::<UserView, _>(
                        None,
                        "user.block",
                        "user",
                        row.id.to_string(),
                        None,
                        after.as_ref(),
                    )
                },
            )
            .await;
            match blocked {
                Ok(row) => {
                    tracing::info!(user = %row.id, "guest blocked: their last access ended");
                    work.blocked += 1;
                }
                Err(StoreError::Conflict) => {}
                Err(other) => return Err(other.into()),
            }
        }
    }
    // Guests blocked before are removed on time even when new blocks are switched off.
    if let Some(delay) = settings.removal_delay() {
        let due = now - delay;
        for id in store::guests::blocked_before(&state.db, due, BATCH).await? {
            let deletion = remove_user(
                state,
                None,
                UserId::from_uuid(id),
                "user.remove_blocked_guest",
                Some(due),
                |row| removal_notes(state, row),
            )
            .await;
            match deletion {
                Ok(Deletion::Deleted(_)) => work.removed += 1,
                Ok(_) => {}
                // One guest's failure does not hold back the others; the next round retries.
                Err(err) => tracing::error!(
                    user = %id,
                    error = %err,
                    "removing a blocked guest failed; the next round tries again"
                ),
            }
        }
    }
    Ok(work)
}

fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M UTC").to_string()
}

/// The guest and each sponsor are told of the block, and when removal follows.
fn block_notes(
    state: &AppState,
    guest: &UserRow,
    removal: Option<DateTime<Utc>>,
) -> Vec<NewNotification> {
    let url = state.settings.public_url();
    let removal_line = match removal {
        Some(at) => format!(
            "Unless access is given again, the account will be removed on {}.",
            when(at)
        ),
        None => "The account stays until access is given again or an administrator deletes it."
            .to_owned(),
    };
    let removal_fact = removal.map(when);
    let mut facts = vec![("Guest", guest.display_name.as_str())];
    if let Some(at) = &removal_fact {
        facts.push(("Removal", at.as_str()));
    }
    let mut notes = vec![render(
        UserId::from_uuid(guest.id),
        NotificationKind::GuestBlocked,
        "Your access has ended and you can no longer sign in",
        &[
            "Your last access ended, so your guest account is blocked from signing in.",
            &removal_line,
            "If you still need access, ask your sponsor to request it for you.",
        ],
        &facts,
        "/",
        &url,
    )];
    let about = format!(
        "{} ({}), a guest you sponsor, has no access left and is blocked from signing in.",
        guest.display_name, guest.username
    );
    for sponsor in &guest.sponsors {
        notes.push(render(
            UserId::from_uuid(*sponsor),
            NotificationKind::GuestBlocked,
            &format!("{} can no longer sign in", guest.display_name),
            &[
                &about,
                &removal_line,
                "To keep them, request or assign access for them before then.",
            ],
            &facts,
            "/",
            &url,
        ));
    }
    notes
}

/// Each sponsor is told that the guest was removed.
fn removal_notes(state: &AppState, guest: &UserRow) -> Vec<NewNotification> {
    let url = state.settings.public_url();
    let blocked = guest.blocked_at.map(when).unwrap_or_default();
    let line = format!(
        "{} ({}), a guest you sponsor, was blocked on {blocked} with no access left and has now \
         been removed.",
        guest.display_name, guest.username
    );
    guest
        .sponsors
        .iter()
        .map(|sponsor| {
            render(
                UserId::from_uuid(*sponsor),
                NotificationKind::GuestRemoved,
                &format!("{} was removed", guest.display_name),
                &[&line],
                &[
                    ("Guest", guest.display_name.as_str()),
                    ("Blocked", &blocked),
                ],
                "/",
                &url,
            )
        })
        .collect()
}
