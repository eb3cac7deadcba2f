//! The users' scheduled work: the safety net behind leaving. Disabling or deleting a person
//! takes what they held away in the same transaction (`service::lifecycle`); whatever reached
//! them after that was planned (a request delivered a moment later, a review started), or
//! an account disabled outside the API, is taken away here, with the same code.

use chrono::{DateTime, Utc};
use tessera_domain::UserId;

use crate::error::ApiResult;
use crate::service::lifecycle::leaver_writes;
use crate::state::AppState;
use crate::store::{self, StoreError};

/// How many disabled people one round handles; the next round takes the rest.
const DUE_BATCH: u32 = 50;

/// Takes away what disabled people still hold or await, one person per transaction, each
/// only while they are still disabled. Every write is a compare-and-set, so replicas racing
/// change each thing once. Returns how many people it cleared.
pub async fn close_what_leavers_held(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut cleared = 0;
    for user in store::lifecycle::disabled_holding_something(&state.db, DUE_BATCH).await? {
        let writes = leaver_writes(state, None, UserId::from_uuid(user), now).await?;
        if writes.is_empty() {
            continue;
        }
        match store::lifecycle::apply_to_disabled(&state.db, user, writes).await {
            Ok(true) => cleared += 1,
            // Enabled again, or someone else changed something first: the next round looks again.
            Ok(false) | Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    Ok(cleared)
}
