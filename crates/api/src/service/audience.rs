//! Who a policy is for: whether a person may request through it, or be assigned under it.

use tessera_domain::policy::Audience;
use uuid::Uuid;

use crate::error::ApiResult;
use crate::state::AppState;
use crate::store;
use crate::store::users::UserRow;

/// Whether `user` is among the people `audience` lets request; `is_member` says whether they
/// are a member of the organisation ([`UserRow::is_member`](crate::store::users::UserRow::is_member)).
pub async fn in_audience(
    state: &AppState,
    audience: &Audience,
    user: Uuid,
    is_member: bool,
) -> ApiResult<bool> {
    Ok(match audience {
        Audience::Nobody => false,
        Audience::AllUsers => true,
        Audience::AllMembers => is_member,
        Audience::SpecificUsersAndGroups { users, groups } => {
            users.iter().any(|listed| *listed.as_uuid() == user) || {
                let groups: Vec<Uuid> = groups.iter().map(|g| *g.as_uuid()).collect();
                store::assignments::is_member_of_any(&state.db, user, &groups).await?
            }
        }
    })
}

/// Whether `user` may be assigned under a policy with this audience: anyone under an
/// administrators-only policy, otherwise the people who could request through it (so a policy
/// for all members takes no guest).
pub async fn in_assignment_scope(
    state: &AppState,
    audience: &Audience,
    user: &UserRow,
) -> ApiResult<bool> {
    match audience {
        Audience::Nobody => Ok(true),
        Audience::SpecificUsersAndGroups { .. } | Audience::AllMembers | Audience::AllUsers => {
            in_audience(state, audience, user.id, user.is_member()).await
        }
    }
}
