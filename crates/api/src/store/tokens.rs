//! API tokens. Only a SHA-256 hash of each secret is stored: the secrets carry 256 bits of
//! randomness, so a slow password hash would add nothing but latency.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::users::{UserColumns, UserRow};
use super::{Db, StoreError, StoreResult, Tx, on_db, select};

const TOKEN_COLUMNS: &str =
    "id, owner_id, name, prefix, created_at, expires_at, last_used_at, revoked_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub struct NewTokenRecord {
    pub id: Uuid,
    pub owner_id: Uuid,
    pub name: String,
    pub prefix: String,
    pub secret_hash: Vec<u8>,
    pub created_by: Uuid,
    pub now: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert_token(
    db: &Db,
    token: &NewTokenRecord,
    audit: impl FnOnce(&TokenRow) -> AuditEvent,
) -> StoreResult<TokenRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO api_tokens (id, owner_id, name, prefix, secret_hash, created_by, \
             created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(token.id)
        .bind(token.owner_id)
        .bind(&token.name)
        .bind(&token.prefix)
        .bind(&token.secret_hash)
        .bind(token.created_by)
        .bind(token.now)
        .bind(token.expires_at)
        .execute(&mut *conn)
        .await?;
        let mut query = select(TOKEN_COLUMNS, "api_tokens WHERE id = ");
        query.push_bind(token.id);
        let row = query.build_query_as::<TokenRow>().fetch_one(&mut *conn).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_token(db: &Db, id: Uuid) -> StoreResult<Option<TokenRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(TOKEN_COLUMNS, "api_tokens WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<TokenRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// A user's tokens, newest first (ids are time-ordered UUIDv7), before `before`.
pub async fn list_tokens_of(
    db: &Db,
    owner_id: Uuid,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<TokenRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(TOKEN_COLUMNS, "api_tokens WHERE owner_id = ");
        query.push_bind(owner_id);
        if let Some(before) = before {
            query.push(" AND id < ").push_bind(before);
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<TokenRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Marks a token revoked, once. Revoking a revoked token changes nothing and writes no event.
pub async fn revoke_token(
    db: &Db,
    id: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce(&TokenRow) -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 1 {
            let mut query = select(TOKEN_COLUMNS, "api_tokens WHERE id = ");
            query.push_bind(id);
            let row = query.build_query_as::<TokenRow>().fetch_one(&mut *conn).await?;
            insert_audit_event(&mut *conn, &audit(&row)).await?;
        }
        Ok::<_, StoreError>(changed == 1)
    });
    tx.commit_if_ok(out).await
}

/// The token with this secret hash and its owner, if the token is live and the owner enabled.
pub async fn find_live_token_owner(
    db: &Db,
    secret_hash: &[u8],
    now: DateTime<Utc>,
) -> StoreResult<Option<(Uuid, UserRow)>> {
    #[derive(sqlx::FromRow)]
    struct Found {
        token_id: Uuid,
        #[sqlx(flatten)]
        user: UserRow,
    }
    let found = on_db!(db, pool => {
        let mut query = select(
            format_args!("t.id AS token_id, {}", UserColumns("u.")),
            "api_tokens t JOIN users u ON u.id = t.owner_id WHERE t.secret_hash = ",
        );
        query
            .push_bind(secret_hash)
            .push(" AND t.revoked_at IS NULL AND t.expires_at > ")
            .push_bind(now)
            .push(" AND u.enabled AND u.blocked_at IS NULL");
        query.build_query_as::<Found>().fetch_optional(pool).await
    })?;
    Ok(found.map(|f| (f.token_id, f.user)))
}

/// Records a use, at most once a minute per token, to keep reads from becoming writes.
pub async fn touch_token(db: &Db, id: Uuid, now: DateTime<Utc>) -> StoreResult<()> {
    let stale = now - chrono::Duration::minutes(1);
    on_db!(db.writer(), pool => sqlx::query(
        "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2 \
         AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(now)
    .bind(id)
    .bind(stale)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(())
}
