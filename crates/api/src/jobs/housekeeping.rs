//! Housekeeping: OpenID Connect sign-in flows and browser sessions that are over are deleted.
//!
//! Each is a plain `DELETE ... WHERE` over rows that are already dead, so two replicas running
//! it at once delete each row once between them and neither fails.

use chrono::{DateTime, Utc};

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;

/// How long a flow or a session is kept after it expired or ended: the same day that storing a
/// new flow has always allowed, so that a callback that comes back a little late is still told
/// its sign-in expired rather than that its state is unknown.
pub const GRACE_DAYS: i64 = 1;

/// What one round of housekeeping deleted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    pub flows: u64,
    pub sessions: u64,
}

/// Deletes the sign-in flows that expired, and the sessions that expired or ended, more than
/// [`GRACE_DAYS`] before `now`.
pub async fn purge_expired(state: &AppState, now: DateTime<Utc>) -> ApiResult<Purged> {
    let before = now - chrono::Duration::days(GRACE_DAYS);
    let flows = store::identity::delete_expired_flows(&state.db, before).await?;
    let sessions = store::sessions::delete_stale_sessions(&state.db, before).await?;
    Ok(Purged { flows, sessions })
}
