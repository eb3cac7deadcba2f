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
    /// Only events about one person: their user, their assignments and the requests for them.
    pub about: Option<Uuid>,
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

/// SQL that writes the UUID column `column` as text, the way events name their targets
/// (lowercase, hyphenated): PostgreSQL casts it; SQLite stores UUIDs as 16 bytes and spells
/// them out from their hex. `column` is one of the store's constants, never a value.
fn uuid_as_text(db: &super::Db, column: &'static str) -> String {
    match db {
        super::Db::Postgres(_) => format!("CAST({column} AS TEXT)"),
        super::Db::Sqlite(_) => format!(
            "lower(substr(hex({column}), 1, 8) || '-' || substr(hex({column}), 9, 4) || '-' || \
             substr(hex({column}), 13, 4) || '-' || substr(hex({column}), 17, 4) || '-' || \
             substr(hex({column}), 21, 12))"
        ),
    }
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
    let assignment_id = uuid_as_text(db, "assignments.id");
    let request_id = uuid_as_text(db, "requests.id");
    let rows = super::on_db!(db, pool => {
        let mut query = sqlx::QueryBuilder::new(
            "SELECT id, occurred_at, actor_id, actor_name, action, target_type, target_id, \
             before, after, request_id FROM audit_events WHERE 1 = 1",
        );
        if let Some(actor) = filter.actor_id {
            query.push(" AND actor_id = ").push_bind(actor);
        }
        if let Some(about) = filter.about {
            // Subqueries rather than the ids themselves: a person with many assignments and
            // requests would otherwise pass the databases' limit on bound values.
            query
                .push(" AND ((target_type = 'user' AND target_id = ")
                .push_bind(about.to_string())
                .push(") OR (target_type = 'assignment' AND target_id IN (SELECT ")
                .push(assignment_id.as_str())
                .push(" FROM assignments WHERE user_id = ")
                .push_bind(about)
                .push(")) OR (target_type = 'request' AND target_id IN (SELECT ")
                .push(request_id.as_str())
                .push(" FROM requests WHERE target_id = ")
                .push_bind(about)
                .push(")))");
        }
        if let Some(target_type) = filter.target_type.as_deref() {
            query.push(" AND target_type = ").push_bind(target_type);
        }
        if let Some(target_id) = filter.target_id.as_deref() {
            query.push(" AND target_id = ").push_bind(target_id);
        }
        if let Some(action) = filter.action.as_deref() {
            query.push(" AND action = ").push_bind(action);
        }
        if let Some(prefix) = prefix.as_deref() {
            query.push(" AND action LIKE ").push_bind(prefix).push(" ESCAPE '\\'");
        }
        if let Some(since) = filter.since {
            query.push(" AND occurred_at >= ").push_bind(since);
        }
        if let Some(until) = filter.until {
            query.push(" AND occurred_at < ").push_bind(until);
        }
        if let Some(before) = before {
            query.push(" AND id < ").push_bind(before);
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<AuditRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The kinds of object whose names [`find_names`] reads, and the statement that reads them:
/// the object's id, its name, and the name of the person it is for (requests, assignments).
const NAMED: [(&str, &str); 11] = [
    (
        "user",
        "SELECT CAST('user' AS TEXT), x.id, x.display_name, CAST(NULL AS TEXT) FROM users x",
    ),
    (
        "request",
        "SELECT CAST('request' AS TEXT), x.id, p.name, t.display_name FROM requests x \
         JOIN access_packages p ON p.id = x.package_id JOIN users t ON t.id = x.target_id",
    ),
    (
        "assignment",
        "SELECT CAST('assignment' AS TEXT), x.id, p.name, t.display_name FROM assignments x \
         JOIN access_packages p ON p.id = x.package_id JOIN users t ON t.id = x.user_id",
    ),
    (
        "access_package",
        "SELECT CAST('access_package' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM access_packages x",
    ),
    (
        "catalog",
        "SELECT CAST('catalog' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) FROM catalogs x",
    ),
    (
        "group",
        "SELECT CAST('group' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) FROM groups x",
    ),
    (
        "application",
        "SELECT CAST('application' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) FROM applications x",
    ),
    (
        "policy",
        "SELECT CAST('policy' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM assignment_policies x",
    ),
    (
        "access_review",
        "SELECT CAST('access_review' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) \
         FROM review_definitions x",
    ),
    (
        "access_review_instance",
        "SELECT CAST('access_review_instance' AS TEXT), x.id, x.resource_name, \
         CAST(NULL AS TEXT) FROM review_instances x",
    ),
    (
        "connector",
        "SELECT CAST('connector' AS TEXT), x.id, x.name, CAST(NULL AS TEXT) FROM connectors x",
    ),
];

/// The names of objects by kind and id, as they are now.
#[derive(Clone, Debug, Default)]
pub struct Names(std::collections::HashMap<(String, Uuid), (Option<String>, Option<String>)>);

impl Names {
    /// The name of an object and of the person it is for, if it still exists.
    pub fn of(&self, kind: &str, id: Uuid) -> Option<&(Option<String>, Option<String>)> {
        self.0.get(&(kind.to_string(), id))
    }
}

/// Reads the names of `objects` (a kind of [`NAMED`] and an id; others are skipped) in one
/// statement: one branch per kind present, each through its primary key.
pub async fn find_names(db: &super::Db, objects: &[(&str, Uuid)]) -> StoreResult<Names> {
    let mut by_kind: Vec<(&str, Vec<Uuid>)> = Vec::new();
    for (kind, statement) in NAMED {
        let mut ids: Vec<Uuid> = objects
            .iter()
            .filter(|(of, _)| *of == kind)
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        if !ids.is_empty() {
            by_kind.push((statement, ids));
        }
    }
    if by_kind.is_empty() {
        return Ok(Names::default());
    }
    let rows: Vec<(String, Uuid, Option<String>, Option<String>)> = on_db!(db, pool => {
        let mut query = sqlx::QueryBuilder::new("");
        for (i, (statement, ids)) in by_kind.iter().enumerate() {
            if i > 0 {
                query.push(" UNION ALL ");
            }
            query.push(*statement).push(" WHERE x.id IN ");
            super::push_ids(&mut query, ids);
        }
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(Names(
        rows.into_iter()
            .map(|(kind, id, name, person)| ((kind, id), (name, person)))
            .collect(),
    ))
}

/// Writes `event` on its own, for a change outside Tessera's tables (a connected system's
/// members set right by reconciliation).
pub async fn insert_event(db: &super::Db, event: &AuditEvent) -> StoreResult<()> {
    let mut tx = super::Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => insert_audit_event(&mut *conn, event).await);
    tx.commit_if_ok(out).await
}
