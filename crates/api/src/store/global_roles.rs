//! Global roles granted one by one (`global_role_assignments`): catalog creator, provisioner.
//! The role's stored spelling comes only from [`GrantableRole::as_str`], never from input.

use chrono::{DateTime, Utc};
use tessera_domain::roles::GrantableRole;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::catalogs::RoleHolderRow;
use super::{Db, StoreError, StoreResult, Tx, on_db};

/// Whether `user` holds `role`.
pub async fn holds_role(db: &Db, user: Uuid, role: GrantableRole) -> StoreResult<bool> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM global_role_assignments WHERE user_id = $1 AND role = $2",
    )
    .bind(user)
    .bind(role.as_str())
    .fetch_one(pool)
    .await)?;
    Ok(count > 0)
}

/// The roles `user` was granted, in no particular order; a spelling no role has is skipped.
pub async fn granted_roles(db: &Db, user: Uuid) -> StoreResult<Vec<GrantableRole>> {
    let rows: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT role FROM global_role_assignments WHERE user_id = $1",
    )
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(role,)| {
            [GrantableRole::CatalogCreator, GrantableRole::Provisioner]
                .into_iter()
                .find(|known| known.as_str() == role)
        })
        .collect())
}

/// Who holds `role`, by username.
pub async fn list_role_holders(db: &Db, role: GrantableRole) -> StoreResult<Vec<RoleHolderRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, RoleHolderRow>(
        "SELECT g.user_id, u.username, u.display_name, g.role, g.granted_at \
         FROM global_role_assignments g JOIN users u ON u.id = g.user_id \
         WHERE g.role = $1 ORDER BY u.username",
    )
    .bind(role.as_str())
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Grants or revokes `role`; the audit event is written only when something changed. Answers
/// whether something changed.
pub async fn set_role(
    db: &Db,
    user: Uuid,
    role: GrantableRole,
    grant: bool,
    now: DateTime<Utc>,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = if grant {
            sqlx::query(
                "INSERT INTO global_role_assignments (user_id, role, granted_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (user_id, role) DO NOTHING",
            )
            .bind(user)
            .bind(role.as_str())
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected()
        } else {
            sqlx::query("DELETE FROM global_role_assignments WHERE user_id = $1 AND role = $2")
                .bind(user)
                .bind(role.as_str())
                .execute(&mut *conn)
                .await?
                .rows_affected()
        };
        if changed == 1 {
            insert_audit_event(&mut *conn, &audit()).await?;
        }
        Ok::<_, StoreError>(changed == 1)
    });
    tx.commit_if_ok(out).await
}
