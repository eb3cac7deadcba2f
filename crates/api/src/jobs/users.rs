//! The users' scheduled work: the safety net behind leaving. Disabling or deleting a person
//! takes what they held away in the same transaction (`service::lifecycle`); whatever reached
//! them after that was planned (a request delivered a moment later, a review started), or
//! an account disabled outside the API, is taken away here, with the same code.

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::service::lifecycle::leaver_writes;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// How many disabled people one round handles; the next round takes the rest.
const DUE_BATCH: u32 = 50;

/// Takes away what disabled people still hold or await, one person per transaction, each
/// only while they are still disabled. Every write is a compare-and-set, so replicas racing
/// change each thing once. One person's failure is logged and does not hold back the others.
/// Returns how many people it cleared.
pub async fn close_what_leavers_held(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut cleared = 0;
    for user in store::lifecycle::disabled_holding_something(&state.db, DUE_BATCH).await? {
        match clear(state, user, now).await {
            Ok(true) => cleared += 1,
            Ok(false) => {}
            Err(err) => tracing::error!(
                user = %user,
                error = %err,
                "taking away what a disabled person holds failed; the next round tries again"
            ),
        }
    }
    Ok(cleared)
}

/// Clears one disabled person; `false` when there was nothing to write or someone else
/// changed something first (the next round looks again).
async fn clear(state: &AppState, user: Uuid, now: DateTime<Utc>) -> ApiResult<bool> {
    let writes = leaver_writes(state, None, UserId::from_uuid(user), now).await?;
    if writes.is_empty() {
        tracing::warn!(
            user = %user,
            "a disabled person still holds something that no leaver write takes away"
        );
        return Ok(false);
    }
    match store::lifecycle::apply_to_disabled(&state.db, user, writes).await {
        Ok(cleared) => Ok(cleared),
        Err(StoreError::Conflict) => Ok(false),
        Err(other) => Err(other.into()),
    }
}
