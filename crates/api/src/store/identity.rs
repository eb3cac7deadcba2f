//! Sign-ins with OpenID Connect providers: flows under way, and people's identity links.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::users::{NewUserRecord, UserColumns, UserRow, insert_user_in};
use super::{Db, StoreResult, Tx, on_db, select};

/// A sign-in that left for the provider and has not come back.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FlowRow {
    pub state: String,
    pub provider_id: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub return_to: Option<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// Stores a new flow; flows that expired more than a day ago go at the same time.
pub async fn insert_flow(db: &Db, flow: &FlowRow) -> StoreResult<()> {
    delete_expired_flows(db, flow.created_at - chrono::Duration::days(1)).await?;
    on_db!(db.writer(), pool => sqlx::query(
        "INSERT INTO oidc_flows (state, provider_id, nonce, pkce_verifier, return_to, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&flow.state)
    .bind(&flow.provider_id)
    .bind(&flow.nonce)
    .bind(&flow.pkce_verifier)
    .bind(flow.return_to.as_deref())
    .bind(flow.created_at)
    .bind(flow.expires_at)
    .execute(pool)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Deletes the flows that expired before `before`; returns how many went.
pub async fn delete_expired_flows(db: &Db, before: DateTime<Utc>) -> StoreResult<u64> {
    let done = on_db!(db.writer(), pool => sqlx::query("DELETE FROM oidc_flows WHERE expires_at < $1")
        .bind(before)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(done)
}

/// Takes the flow of `state` out of the store: of two callbacks with one state, one gets it.
pub async fn take_flow(db: &Db, state: &str) -> StoreResult<Option<FlowRow>> {
    let row = on_db!(db.writer(), pool => sqlx::query_as::<_, FlowRow>(
        "DELETE FROM oidc_flows WHERE state = $1 RETURNING state, provider_id, nonce, \
         pkce_verifier, return_to, created_at, expires_at",
    )
    .bind(state)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// The user linked to `subject` at `provider_id`.
pub async fn find_linked_user(
    db: &Db,
    provider_id: &str,
    subject: &str,
) -> StoreResult<Option<UserRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(
            UserColumns("u."),
            "identity_links l JOIN users u ON u.id = l.user_id WHERE l.provider_id = ",
        );
        query
            .push_bind(provider_id)
            .push(" AND l.subject = ")
            .push_bind(subject);
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// The one person, not deleted, whose e-mail is `email` (compared without case); `None` when
/// nobody or several people have it, since a link must not guess.
pub async fn find_person_by_email(db: &Db, email: &str) -> StoreResult<Option<UserRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users WHERE LOWER(email) = ");
        query
            .push_bind(email.to_lowercase())
            .push(" AND kind = 'person' AND deleted_at IS NULL LIMIT 2");
        query.build_query_as::<UserRow>().fetch_all(pool).await
    })?;
    Ok(match <[UserRow; 1]>::try_from(rows) {
        Ok([row]) => Some(row),
        Err(_) => None,
    })
}

/// The person, not deleted, whose `external_id` is `external_id`.
pub async fn find_person_by_external_id(
    db: &Db,
    external_id: &str,
) -> StoreResult<Option<UserRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users WHERE external_id = ");
        query
            .push_bind(external_id)
            .push(" AND kind = 'person' AND deleted_at IS NULL");
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Sets a user's `external_id` (imports and SCIM will; tests do now). Unique when set.
pub async fn set_external_id(db: &Db, user_id: Uuid, external_id: Option<&str>) -> StoreResult<()> {
    on_db!(db.writer(), pool => sqlx::query("UPDATE users SET external_id = $1 WHERE id = $2")
        .bind(external_id)
        .bind(user_id)
        .execute(pool)
        .await
        .map(|_| ()))?;
    Ok(())
}

/// A new link of (`provider_id`, `subject`) to a user.
pub struct NewLink<'a> {
    pub provider_id: &'a str,
    pub subject: &'a str,
    pub now: DateTime<Utc>,
}

/// Links an existing user, with its audit event.
pub async fn insert_link(
    db: &Db,
    user_id: Uuid,
    link: &NewLink<'_>,
    audit: AuditEvent,
) -> StoreResult<()> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO identity_links (provider_id, subject, user_id, linked_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(link.provider_id)
        .bind(link.subject)
        .bind(user_id)
        .bind(link.now)
        .execute(&mut *conn)
        .await?;
        insert_audit_event(&mut *conn, &audit).await
    });
    tx.commit_if_ok(out).await
}

/// Creates a user and links them, in one transaction with both audit events.
pub async fn insert_user_with_link(
    db: &Db,
    user: &NewUserRecord,
    link: &NewLink<'_>,
    audit: impl FnOnce(&UserRow) -> (AuditEvent, AuditEvent),
) -> StoreResult<UserRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut events = None;
        let row = insert_user_in(&mut *conn, user, |row| {
            let (created, linked) = audit(row);
            events = Some(linked);
            created
        })
        .await?;
        sqlx::query(
            "INSERT INTO identity_links (provider_id, subject, user_id, linked_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(link.provider_id)
        .bind(link.subject)
        .bind(row.id)
        .bind(link.now)
        .execute(&mut *conn)
        .await?;
        if let Some(linked) = &events {
            insert_audit_event(&mut *conn, linked).await?;
        }
        Ok(row)
    });
    tx.commit_if_ok(out).await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkRow {
    pub provider_id: String,
    pub subject: String,
    pub linked_at: DateTime<Utc>,
}

/// A user's links, by provider then subject.
pub async fn list_links_of_user(db: &Db, user_id: Uuid) -> StoreResult<Vec<LinkRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, LinkRow>(
        "SELECT provider_id, subject, linked_at FROM identity_links WHERE user_id = $1 \
         ORDER BY provider_id, subject",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Removes a user's links to `provider_id`, with the audit event; `false` when there were none.
pub async fn delete_links(
    db: &Db,
    user_id: Uuid,
    provider_id: &str,
    audit: AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let removed = sqlx::query(
            "DELETE FROM identity_links WHERE user_id = $1 AND provider_id = $2",
        )
        .bind(user_id)
        .bind(provider_id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if removed > 0 {
            insert_audit_event(&mut *conn, &audit).await?;
        }
        Ok(removed > 0)
    });
    tx.commit_if_ok(out).await
}

/// Records a sign-in's refusal: an audit event of its own.
pub async fn insert_refusal(db: &Db, audit: AuditEvent) -> StoreResult<()> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => insert_audit_event(&mut *conn, &audit).await);
    tx.commit_if_ok(out).await
}
