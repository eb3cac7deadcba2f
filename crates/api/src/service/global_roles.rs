//! Granting and revoking the global roles held one by one (catalog creator, provisioner):
//! one implementation, parameterised by the role.

use chrono::Utc;
use serde::Serialize;
use tessera_domain::UserId;
use tessera_domain::roles::{GlobalRole, GlobalRoleHolder, GrantableRole};

use super::audit_event;
use crate::auth::{Actor, AdminProof};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;

/// Who holds `role`, by username.
pub async fn list_role_holders(
    _: &AdminProof,
    state: &AppState,
    role: GrantableRole,
) -> ApiResult<Vec<GlobalRoleHolder>> {
    Ok(store::global_roles::list_role_holders(&state.db, role)
        .await?
        .into_iter()
        .map(|row| GlobalRoleHolder {
            user_id: UserId::from_uuid(row.user_id),
            username: row.username,
            display_name: row.display_name,
            role: role.global_role(),
            granted_at: row.granted_at,
        })
        .collect())
}

/// Grants or revokes `role`. Idempotent; only a change is audited.
pub async fn set_role(
    _: &AdminProof,
    state: &AppState,
    actor: &Actor,
    user: UserId,
    role: GrantableRole,
    grant: bool,
) -> ApiResult<()> {
    store::users::find_user(&state.db, *user.as_uuid())
        .await?
        .filter(|row| row.deleted_at.is_none())
        .ok_or(ApiError::NotFound("user"))?;
    #[derive(Serialize)]
    struct Holder {
        user_id: UserId,
        role: GlobalRole,
    }
    let holder = Holder {
        user_id: user,
        role: role.global_role(),
    };
    store::global_roles::set_role(&state.db, *user.as_uuid(), role, grant, Utc::now(), || {
        let (action, before, after) = if grant {
            ("global_role.grant", None, Some(&holder))
        } else {
            ("global_role.revoke", Some(&holder), None)
        };
        audit_event(Some(actor), action, "user", user.to_string(), before, after)
    })
    .await?;
    Ok(())
}
