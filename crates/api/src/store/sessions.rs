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
    on_db!(db.writer(), pool => sqlx::query(
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

/// Where a session signed in with a provider came from: the provider, and its ID token, the
/// hint of an RP-initiated logout.
pub struct ProviderOrigin<'a> {
    pub provider_id: &'a str,
    pub id_token: &'a str,
}

pub async fn insert_provider_session(
    db: &Db,
    id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    origin: &ProviderOrigin<'_>,
) -> StoreResult<()> {
    on_db!(db.writer(), pool => sqlx::query(
        "INSERT INTO sessions (id, user_id, created_at, expires_at, oidc_provider_id, \
         oidc_id_token) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .bind(origin.provider_id)
    .bind(origin.id_token)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

/// The provider and ID token of a session signed in with a provider.
pub async fn find_session_origin(
    db: &Db,
    session_id: Uuid,
) -> StoreResult<Option<(String, String)>> {
    let row: Option<(Option<String>, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT oidc_provider_id, oidc_id_token FROM sessions WHERE id = $1",
    )
    .bind(session_id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.and_then(|(provider, token)| provider.zip(token)))
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
            .push(" AND u.enabled AND u.blocked_at IS NULL");
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

pub async fn end_session(db: &Db, session_id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    on_db!(db.writer(), pool => sqlx::query(
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
    let done = on_db!(db.writer(), pool => sqlx::query(
        "DELETE FROM sessions WHERE expires_at < $1 OR ended_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done)
}
