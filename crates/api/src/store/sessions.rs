//! Browser sessions. The session token is a signed JWT naming a row here, so a sign-out or a
//! disabled user takes effect on the next request even though the token is still valid.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::users::{UserColumns, UserRow};
use super::{Db, StoreResult, on_db, select};

pub async fn insert_session(
    db: &Db,
    id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> StoreResult<()> {
    on_db!(db, pool => sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The user of a live session: not ended, not past its absolute expiry, user enabled.
pub async fn find_session_user(
    db: &Db,
    session_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<Option<UserRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(
            UserColumns("u."),
            "sessions s JOIN users u ON u.id = s.user_id WHERE s.id = ",
        );
        query
            .push_bind(session_id)
            .push(" AND s.user_id = ")
            .push_bind(user_id)
            .push(" AND s.ended_at IS NULL AND s.expires_at > ")
            .push_bind(now)
            .push(" AND u.enabled");
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

pub async fn end_session(db: &Db, session_id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    on_db!(db, pool => sqlx::query(
        "UPDATE sessions SET ended_at = $1 WHERE id = $2 AND ended_at IS NULL",
    )
    .bind(now)
    .bind(session_id)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// Deletes sessions that ended or expired before `before`.
pub async fn delete_stale_sessions(db: &Db, before: DateTime<Utc>) -> StoreResult<u64> {
    let done = on_db!(db, pool => sqlx::query(
        "DELETE FROM sessions WHERE expires_at < $1 OR ended_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done)
}
