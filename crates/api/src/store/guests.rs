//! The lifecycle of guests: a guest who held access and has none left is blocked from signing
//! in, the block lifts when they are given access again, and a guest blocked long enough is
//! due for removal (the removal itself is [`super::users::delete_user`]).

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::{NewNotification, insert_notification};
use super::users::{UserRow, fetch_user_with_sponsors};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db};

/// Conditions on `users u`: an enabled guest, not deleted and not blocked, who held an
/// assignment that ended, and now holds nothing and asks for nothing: no assignment delivered
/// or scheduled to start, no request to add one still open.
const BLOCKABLE_GUEST: &str = "u.kind = 'person' AND u.user_type = 'guest' AND u.enabled \
     AND u.deleted_at IS NULL AND u.blocked_at IS NULL \
     AND EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id \
     AND a.state IN ('expired', 'removed')) \
     AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id \
     AND a.state IN ('scheduled', 'delivered')) \
     AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.target_id = u.id \
     AND r.kind IN ('user_add', 'admin_add') \
     AND r.state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering'))";

/// Guests to block now, with the version they were read at, at most `limit`.
pub async fn guests_to_block(db: &Db, limit: u32) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new("SELECT u.id, u.version FROM users u WHERE ");
        query
            .push(BLOCKABLE_GUEST)
            .push(" ORDER BY u.id LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Blocks guest `id` if they are still at `seen_version` and still hold nothing (checked again
/// in the same statement, so access given meanwhile wins): sets `blocked_at`, ends their
/// sessions, writes `notes` and the audit event, in one transaction. A guest that changed
/// meanwhile, or another replica's block, answers [`StoreError::Conflict`]. API tokens are not
/// revoked: the block keeps them from working, and they work again if the block lifts.
pub async fn block_guest(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    now: DateTime<Utc>,
    notes: impl FnOnce(&UserRow) -> Vec<NewNotification>,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut block = QueryBuilder::new("UPDATE users SET blocked_at = ");
        block
            .push_bind(now)
            .push(", blocked_reason = 'no_access', updated_at = ")
            .push_bind(now)
            .push(", version = version + 1 WHERE id = ")
            .push_bind(id)
            .push(" AND version = ")
            .push_bind(seen_version)
            .push(" AND id IN (SELECT u.id FROM users u WHERE ")
            .push(BLOCKABLE_GUEST)
            .push(")");
        let changed = block.build().execute(&mut *conn).await?.rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let row = fetch_user_with_sponsors(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        for note in notes(&row) {
            insert_notification(&mut *conn, &note).await?;
        }
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// The condition under which a block no longer holds (see [`blocked_without_cause`]), on the
/// `users` row `u`.
const WITHOUT_CAUSE: &str = "(u.user_type <> 'guest' OR EXISTS (SELECT 1 FROM assignments a \
     WHERE a.user_id = u.id AND a.state = 'delivered'))";

/// Lifts the block of `user` through `conn`, inside the transaction that delivers them an
/// assignment, with its audit event (written by the system). Nothing happens to a user who is
/// not blocked. Answers whether a block was lifted.
pub(crate) async fn lift_block<'c>(
    conn: impl Into<Conn<'c>>,
    user: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    lift_block_if(conn, user, now, "TRUE").await
}

/// [`lift_block`] only while `condition` (SQL on the `users` row `u`) holds, checked in the
/// same statement.
async fn lift_block_if<'c>(
    conn: impl Into<Conn<'c>>,
    user: Uuid,
    now: DateTime<Utc>,
    condition: &'static str,
) -> StoreResult<bool> {
    let mut conn: Conn<'c> = conn.into();
    let lifted = on_db!(&mut conn, conn => {
        let mut update = QueryBuilder::new(
            "UPDATE users AS u SET blocked_at = NULL, blocked_reason = NULL, updated_at = ",
        );
        update
            .push_bind(now)
            .push(", version = version + 1 WHERE u.id = ")
            .push_bind(user)
            .push(" AND u.blocked_at IS NOT NULL AND ")
            .push(condition);
        let lifted = update.build().execute(&mut *conn).await?.rows_affected();
        if lifted > 0 {
            let event = AuditEvent {
                actor_id: None,
                actor_name: None,
                action: "user.unblock",
                target_type: "user",
                target_id: user.to_string(),
                before: None,
                after: Some(r#"{"blocked_at":null}"#.to_owned()),
                request_id: None,
                occurred_at: now,
            };
            insert_audit_event(&mut *conn, &event).await?;
        }
        Ok::<_, StoreError>(lifted > 0)
    })?;
    Ok(lifted)
}

/// Blocked users whose block no longer holds: they hold a delivered assignment after all
/// (given one while the block was being written), or an administrator made them a member.
/// The scheduler lifts their block.
pub async fn blocked_without_cause(db: &Db, limit: u32) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT u.id FROM users u WHERE u.blocked_at IS NOT NULL AND u.deleted_at IS NULL AND ",
        );
        query
            .push(WITHOUT_CAUSE)
            .push(" ORDER BY u.id LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Lifts `user`'s block in a transaction of its own, only while it still has no cause (checked
/// in the same statement, so a stale read cannot undo a newer block).
pub async fn unblock(db: &Db, user: Uuid, now: DateTime<Utc>) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => lift_block_if(&mut *conn, user, now, WITHOUT_CAUSE).await);
    tx.commit_if_ok(out).await
}

/// Guests blocked at or before `before`, not deleted: due for removal, at most `limit`.
pub async fn blocked_before(db: &Db, before: DateTime<Utc>, limit: u32) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id FROM users WHERE blocked_at IS NOT NULL AND blocked_at <= $1 \
         AND deleted_at IS NULL AND user_type = 'guest' ORDER BY blocked_at, id LIMIT $2",
    )
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
