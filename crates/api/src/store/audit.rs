//! The append-only audit trail. Events are written inside the transaction of the change they
//! describe, so a change and its record land together or not at all.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Conn, StoreResult, on_db};

/// One administrative change, ready to be written.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    /// JSON of the target before the change, if it existed.
    pub before: Option<String>,
    /// JSON of the target after the change, if it still exists.
    pub after: Option<String>,
    pub request_id: Option<String>,
    pub occurred_at: DateTime<Utc>,
}

/// Writes `event` through `conn`, a connection of either backend inside the transaction of the
/// change it describes, and the webhook event it announces, if its action is one
/// ([`super::webhooks::event_type_of_action`]).
pub(crate) async fn insert_audit_event<'c>(
    conn: impl Into<Conn<'c>>,
    event: &AuditEvent,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => sqlx::query(
        "INSERT INTO audit_events (id, occurred_at, actor_id, actor_name, action, target_type, \
         target_id, before, after, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(uuid::Uuid::now_v7())
    .bind(event.occurred_at)
    .bind(event.actor_id)
    .bind(event.actor_name.as_deref())
    .bind(event.action)
    .bind(event.target_type)
    .bind(event.target_id.as_str())
    .bind(event.before.as_deref())
    .bind(event.after.as_deref())
    .bind(event.request_id.as_deref())
    .execute(conn)
    .await
    .map(|_| ()))?;
    super::webhooks::insert_event_for_audit(&mut conn, event).await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_type: String,
    pub target_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub request_id: Option<String>,
}

/// The events about one target, oldest first.
pub async fn list_events_for_target(
    db: &super::Db,
    target_type: &str,
    target_id: &str,
) -> super::StoreResult<Vec<AuditRow>> {
    let rows = super::on_db!(db, pool => sqlx::query_as::<_, AuditRow>(
        "SELECT id, occurred_at, actor_id, actor_name, action, target_type, target_id, before, \
         after, request_id FROM audit_events WHERE target_type = $1 AND target_id = $2 ORDER BY id",
    )
    .bind(target_type)
    .bind(target_id)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Which events [`list_events`] returns. `None` filters nothing.
#[derive(Clone, Debug, Default)]
pub struct EventFilter {
    pub actor_id: Option<Uuid>,
    pub target_type: Option<String>,
    pub target_id: Option<String>,
    /// An exact action.
    pub action: Option<String>,
    /// A prefix of the action, matched literally.
    pub action_prefix: Option<String>,
    /// At or after.
    pub since: Option<DateTime<Utc>>,
    /// Strictly before.
    pub until: Option<DateTime<Utc>>,
}

/// Events matching `filter`, newest first (ids are UUIDv7), older than the event `before`.
/// On SQLite, timestamps are RFC 3339 text in UTC, whose order is their text order.
pub async fn list_events(
    db: &super::Db,
    filter: &EventFilter,
    before: Option<Uuid>,
    limit: u32,
) -> super::StoreResult<Vec<AuditRow>> {
    let prefix = filter
        .action_prefix
        .as_deref()
        .map(|p| format!("{}%", super::escape_like(p)));
    let rows = super::on_db!(db, pool => sqlx::query_as::<_, AuditRow>(
        "SELECT id, occurred_at, actor_id, actor_name, action, target_type, target_id, before, \
         after, request_id FROM audit_events WHERE \
         ($1 IS NULL OR actor_id = $1) \
         AND ($2 IS NULL OR target_type = $2) \
         AND ($3 IS NULL OR target_id = $3) \
         AND ($4 IS NULL OR action = $4) \
         AND ($5 IS NULL OR action LIKE $5 ESCAPE '\\') \
         AND ($6 IS NULL OR occurred_at >= $6) \
         AND ($7 IS NULL OR occurred_at < $7) \
         AND ($8 IS NULL OR id < $8) \
         ORDER BY id DESC LIMIT $9",
    )
    .bind(filter.actor_id)
    .bind(filter.target_type.as_deref())
    .bind(filter.target_id.as_deref())
    .bind(filter.action.as_deref())
    .bind(prefix.as_deref())
    .bind(filter.since)
    .bind(filter.until)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Writes `event` on its own, for a change outside Tessera's tables (a connected system's
/// members set right by reconciliation).
pub async fn insert_event(db: &super::Db, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = super::Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => insert_audit_event(&mut *conn, event).await);
    tx.commit_if_ok(out).await
}
