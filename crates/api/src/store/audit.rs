//! The append-only audit trail. Events are written inside the transaction of the change they
//! describe, so a change and its record land together or not at all.

use chrono::{DateTime, Utc};
use uuid::Uuid;

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

/// Inserts `$event` through `$conn`, a connection of either backend inside a transaction.
/// A macro rather than a function: the statement is the same, the connection types differ.
macro_rules! insert_audit_event {
    ($conn:expr, $event:expr) => {{
        let event: &$crate::store::audit::AuditEvent = $event;
        sqlx::query(
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
        .execute($conn)
        .await
    }};
}

pub(crate) use insert_audit_event;

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
