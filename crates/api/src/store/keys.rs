//! Keys that sign session tokens. Stored in the database so every replica signs and checks with
//! the same key.

use chrono::Utc;

use super::{Db, StoreResult, on_db};

#[derive(Clone, sqlx::FromRow)]
pub struct SigningKeyRow {
    pub id: String,
    pub secret: Vec<u8>,
}

/// Stores `secret` under `id` unless a key with that id exists; a replica that loses the race
/// keeps the winner's key.
pub async fn insert_signing_key_if_absent(db: &Db, id: &str, secret: &[u8]) -> StoreResult<()> {
    let now = Utc::now();
    on_db!(db.writer(), pool => sqlx::query(
        "INSERT INTO signing_keys (id, secret, created_at) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
    )
    .bind(id)
    .bind(secret)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}

pub async fn list_signing_keys(db: &Db) -> StoreResult<Vec<SigningKeyRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, SigningKeyRow>(
        "SELECT id, secret FROM signing_keys ORDER BY created_at DESC, id",
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}
