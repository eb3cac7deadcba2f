//! The users' scheduled work: what a disabled or deleted account held is taken away.

use chrono::Utc;

use crate::state::AppState;

/// A disabled (or deleted) account keeps no access and no open request. The scheduler does
/// this too; doing it now closes the gap until its next round.
pub(crate) async fn close_what_a_disabled_user_held(state: &AppState) {
    let now = Utc::now();
    if let Err(err) = super::assignments::end_access_of_disabled(state, now).await {
        tracing::error!(error = %err, "ending a disabled user's access failed; the scheduler retries");
    }
    if let Err(err) = super::requests::close_requests_of_disabled(state, now).await {
        tracing::error!(error = %err, "closing a disabled user's requests failed; the scheduler retries");
    }
}
