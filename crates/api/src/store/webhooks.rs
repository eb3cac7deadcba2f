//! Webhook subscriptions, the event outbox and its deliveries.
//!
//! A change subscribers may hear about writes a `webhook_events` row in its own transaction,
//! through [`insert_event`]. [`super::audit::insert_audit_event`] calls
//! [`insert_event_for_audit`] for every audit event, which maps the audit action to an event
//! type ([`event_type_of_action`]) so that each change that is audited is also announced, with
//! no call of its own in the services. The same statement fans the event out: one delivery per
//! enabled subscription that asked for its type.
//!
//! Workers claim due deliveries like the notification outbox does
//! ([`super::notifications::claim_next_due`]): a compare-and-set lease in `claimed_until`, plus
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL. A delivery is due only when it is the oldest pending
//! one of its subscription, so each subscription has one delivery in flight at a time and gets
//! them in the order they were written.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use tessera_domain::webhook::{WebhookEventSelection, WebhookEventType};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::NextAttempt;
use super::{Conn, Db, Pooled, StoreError, StoreResult, Tx, on_db, select};

/// The audit actions that are also webhook events, and which.
pub fn event_type_of_action(action: &str) -> Option<WebhookEventType> {
    use WebhookEventType as T;
    Some(match action {
        "request.submit" => T::RequestSubmitted,
        "request.approve" | "request.deny" | "request.time_out" => T::RequestDecided,
        "request.deliver" => T::RequestDelivered,
        "request.cancel" | "request.close_disabled_user" => T::RequestCancelled,
        "assignment.create" | "assignment.start" => T::AssignmentGranted,
        "assignment.extend" => T::AssignmentExtended,
        "assignment.remove"
        | "assignment.expire"
        | "assignment.remove_by_review"
        | "assignment.remove_disabled_user" => T::AssignmentRemoved,
        "access_review.start" => T::ReviewStarted,
        "access_review.complete" => T::ReviewCompleted,
        "access_review.apply" => T::ReviewApplied,
        "policy.create" | "policy.update" | "policy.delete" => T::PolicyChanged,
        action if action.starts_with("access_package.") => T::PackageChanged,
        _ => return None,
    })
}

/// An event ready to be written.
#[derive(Clone, Debug)]
pub struct NewWebhookEvent {
    /// Time-ordered (UUIDv7); the `webhook-id` of its deliveries.
    pub id: Uuid,
    pub event_type: WebhookEventType,
    pub occurred_at: DateTime<Utc>,
    /// The JSON body: `{"type": …, "timestamp": …, "data": {…}}`.
    pub payload: String,
}

impl NewWebhookEvent {
    /// The event `event_type` with `data`, occurring at `occurred_at`.
    pub fn new(
        event_type: WebhookEventType,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
    ) -> NewWebhookEvent {
        let payload = serde_json::json!({
            "type": event_type.as_str(),
            "timestamp": occurred_at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": data,
        });
        NewWebhookEvent {
            id: Uuid::now_v7(),
            event_type,
            occurred_at,
            payload: payload.to_string(),
        }
    }

    /// The event an audit event announces, if its action is one ([`event_type_of_action`]).
    /// `data` names the object changed, the change, who made it, and the object before and
    /// after, as the audit trail records them.
    pub fn for_audit(event: &AuditEvent) -> Option<NewWebhookEvent> {
        let event_type = event_type_of_action(event.action)?;
        let snapshot = |json: &Option<String>| {
            json.as_deref()
                .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
                .unwrap_or(serde_json::Value::Null)
        };
        let actor = match (event.actor_id, &event.actor_name) {
            (Some(id), name) => serde_json::json!({"id": id, "username": name}),
            (None, _) => serde_json::Value::Null,
        };
        let data = serde_json::json!({
            "object_type": event.target_type,
            "object_id": event.target_id,
            "action": event.action,
            "actor": actor,
            "before": snapshot(&event.before),
            "after": snapshot(&event.after),
        });
        Some(Self::new(event_type, event.occurred_at, data))
    }
}

/// How a selection is stored: `*`, or the type names between single spaces.
pub fn stored_selection(selection: &WebhookEventSelection) -> String {
    match selection {
        WebhookEventSelection::All => "*".into(),
        WebhookEventSelection::Only(types) => {
            let mut text = String::from(" ");
            for kind in types {
                text.push_str(kind.as_str());
                text.push(' ');
            }
            text
        }
    }
}

/// The selection stored as `text`; unknown names (from a later version) are left out.
pub fn parse_selection(text: &str) -> WebhookEventSelection {
    if text == "*" {
        return WebhookEventSelection::All;
    }
    WebhookEventSelection::Only(
        text.split_whitespace()
            .filter_map(WebhookEventType::parse)
            .collect(),
    )
}

/// Writes `event` through `conn` (inside the transaction of the change it announces) and a
/// pending delivery of it for every enabled subscription that asked for its type; an event
/// no subscription asked for is not written at all.
pub(crate) async fn insert_event<'c>(
    conn: impl Into<Conn<'c>>,
    event: &NewWebhookEvent,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let pattern = format!("% {} %", event.event_type.as_str());
    on_db!(&mut conn, conn => {
        let subscribers: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT id FROM webhook_subscriptions WHERE enabled \
             AND (event_types = '*' OR event_types LIKE $1) ORDER BY id",
        )
        .bind(pattern.as_str())
        .fetch_all(&mut *conn)
        .await?;
        // An event nobody subscribes to is not kept: the table holds only what is delivered.
        if subscribers.is_empty() {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO webhook_events (id, event_type, occurred_at, payload) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(event.id)
        .bind(event.event_type.as_str())
        .bind(event.occurred_at)
        .bind(event.payload.as_str())
        .execute(&mut *conn)
        .await?;
        for (subscription,) in subscribers {
            insert_delivery(&mut *conn, subscription, event.id, event.event_type, event.occurred_at)
                .await?;
        }
        Ok::<_, StoreError>(())
    })
}

/// The webhook event `event` announces, if any, written through `conn`.
pub(crate) async fn insert_event_for_audit<'c>(
    conn: impl Into<Conn<'c>>,
    event: &AuditEvent,
) -> StoreResult<()> {
    match NewWebhookEvent::for_audit(event) {
        Some(webhook) => insert_event(conn, &webhook).await,
        None => Ok(()),
    }
}

async fn insert_delivery<'c>(
    conn: impl Into<Conn<'c>>,
    subscription: Uuid,
    event: Uuid,
    event_type: WebhookEventType,
    now: DateTime<Utc>,
) -> StoreResult<Uuid> {
    let mut conn: Conn<'c> = conn.into();
    let id = Uuid::now_v7();
    on_db!(&mut conn, conn => sqlx::query(
        "INSERT INTO webhook_deliveries (id, subscription_id, event_id, event_type, state, \
         attempts, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, 'pending', 0, $5, $5)",
    )
    .bind(id)
    .bind(subscription)
    .bind(event)
    .bind(event_type.as_str())
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(id)
}

const SUBSCRIPTION_COLUMNS: &str = "id, url, description, event_types, enabled, created_at, \
     updated_at, previous_secret_until, version";

/// A subscription without its secrets.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SubscriptionRow {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    pub version: i64,
}

/// A subscription's fields as written by an insert or an update.
#[derive(Clone, Debug)]
pub struct SubscriptionRecord {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    pub event_types: String,
    pub enabled: bool,
    pub now: DateTime<Utc>,
}

async fn fetch_subscription<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<SubscriptionRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(SUBSCRIPTION_COLUMNS, "webhook_subscriptions WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<SubscriptionRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

/// Writes a new subscription with its signing `secret`.
pub async fn insert_subscription(
    db: &Db,
    record: &SubscriptionRecord,
    secret: &str,
    audit: impl FnOnce(&SubscriptionRow) -> AuditEvent,
) -> StoreResult<SubscriptionRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO webhook_subscriptions (id, url, description, event_types, enabled, \
             secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(record.id)
        .bind(&record.url)
        .bind(&record.description)
        .bind(&record.event_types)
        .bind(record.enabled)
        .bind(secret)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        let row = fetch_subscription(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_subscription(db: &Db, id: Uuid) -> StoreResult<Option<SubscriptionRow>> {
    let mut conn = on_db!(db, pool => pool.acquire().await.map(Pooled::from))?;
    fetch_subscription(&mut conn, id).await
}

/// Subscriptions, newest first (ids are time-ordered), older than `before`.
pub async fn list_subscriptions(
    db: &Db,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<SubscriptionRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(SUBSCRIPTION_COLUMNS, "webhook_subscriptions WHERE (");
        query
            .push_bind(before)
            .push(" IS NULL OR id < ")
            .push_bind(before)
            .push(") ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<SubscriptionRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Replaces a subscription's fields if it is still at `seen_version`.
pub async fn update_subscription(
    db: &Db,
    record: &SubscriptionRecord,
    seen_version: i64,
    audit: impl FnOnce(&SubscriptionRow) -> AuditEvent,
) -> StoreResult<SubscriptionRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE webhook_subscriptions SET url = $1, description = $2, event_types = $3, \
             enabled = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(&record.url)
        .bind(&record.description)
        .bind(&record.event_types)
        .bind(record.enabled)
        .bind(record.now)
        .bind(record.id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_subscription(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Makes `secret` the signing secret of subscription `id` (still at `seen_version`); the one it
/// replaces keeps signing until `previous_until`.
pub async fn rotate_secret(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    secret: &str,
    previous_until: DateTime<Utc>,
    now: DateTime<Utc>,
    audit: impl FnOnce(&SubscriptionRow) -> AuditEvent,
) -> StoreResult<SubscriptionRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE webhook_subscriptions SET previous_secret = secret, secret = $1, \
             previous_secret_until = $2, updated_at = $3, version = version + 1 \
             WHERE id = $4 AND version = $5",
        )
        .bind(secret)
        .bind(previous_until)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_subscription(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a subscription and its delivery log. `None`: there was no such subscription.
pub async fn delete_subscription(
    db: &Db,
    id: Uuid,
    audit: impl FnOnce(&SubscriptionRow) -> AuditEvent,
) -> StoreResult<Option<SubscriptionRow>> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_subscription(&mut *conn, id).await? else {
            return Ok(None);
        };
        sqlx::query("DELETE FROM webhook_deliveries WHERE subscription_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM webhook_subscriptions WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(Some(row))
    });
    tx.commit_if_ok(out).await
}

const DELIVERY_COLUMNS: &str = "id, subscription_id, event_id, event_type, state, attempts, \
     next_attempt_at, last_attempt_at, last_status, last_error, created_at, delivered_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

/// A subscription's deliveries, newest first, older than `before`.
pub async fn list_deliveries(
    db: &Db,
    subscription: Uuid,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<DeliveryRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(DELIVERY_COLUMNS, "webhook_deliveries WHERE subscription_id = ");
        query
            .push_bind(subscription)
            .push(" AND (")
            .push_bind(before)
            .push(" IS NULL OR id < ")
            .push_bind(before)
            .push(") ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<DeliveryRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

pub async fn find_delivery(
    db: &Db,
    subscription: Uuid,
    id: Uuid,
) -> StoreResult<Option<DeliveryRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(DELIVERY_COLUMNS, "webhook_deliveries WHERE id = ");
        query
            .push_bind(id)
            .push(" AND subscription_id = ")
            .push_bind(subscription);
        query.build_query_as::<DeliveryRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// A new pending delivery of delivery `of`'s event to its subscription, due at `now`, with
/// an audit event. It queues behind the subscription's other pending deliveries.
pub async fn replay_delivery(
    db: &Db,
    of: &DeliveryRow,
    now: DateTime<Utc>,
    audit: impl FnOnce(&DeliveryRow) -> AuditEvent,
) -> StoreResult<DeliveryRow> {
    let event_type = WebhookEventType::parse(&of.event_type).ok_or(StoreError::Conflict)?;
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let id = insert_delivery(&mut *conn, of.subscription_id, of.event_id, event_type, now)
            .await?;
        let mut query = select(DELIVERY_COLUMNS, "webhook_deliveries WHERE id = ");
        query.push_bind(id);
        let row = query.build_query_as::<DeliveryRow>().fetch_one(&mut *conn).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Writes `event` (a `webhook.test`) with one delivery, to `subscription` only, whatever it
/// subscribed to.
pub async fn insert_test_event(
    db: &Db,
    subscription: Uuid,
    event: &NewWebhookEvent,
) -> StoreResult<DeliveryRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO webhook_events (id, event_type, occurred_at, payload) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(event.id)
        .bind(event.event_type.as_str())
        .bind(event.occurred_at)
        .bind(event.payload.as_str())
        .execute(&mut *conn)
        .await?;
        let id = insert_delivery(&mut *conn, subscription, event.id, event.event_type, event.occurred_at)
            .await?;
        let mut query = select(DELIVERY_COLUMNS, "webhook_deliveries WHERE id = ");
        query.push_bind(id);
        let row = query.build_query_as::<DeliveryRow>().fetch_one(&mut *conn).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// A delivery a worker holds the lease of, with what it needs to send it. Not `Debug`: it
/// carries the signing secrets.
#[derive(Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    pub subscription_id: Uuid,
    pub event_id: Uuid,
    /// Failed attempts so far.
    pub attempts: i64,
    pub payload: String,
    pub url: String,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTime<Utc>>,
    /// The lease this worker wrote; recording the outcome needs it to still be there.
    pub claimed_until: DateTime<Utc>,
}

/// Claims the due delivery waiting longest, writing the lease `lease_until` into it. A delivery
/// is due when it is pending, its time has come, nobody's lease holds it, its subscription is
/// enabled, and no older delivery of its subscription is pending. `None`: nothing is due.
///
/// The update repeats the conditions on the row itself, so it is a compare-and-set: of two
/// workers that picked the same row, the second changes nothing. On PostgreSQL the candidate
/// is also locked with `FOR UPDATE SKIP LOCKED`.
pub async fn claim_next_due(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<Option<ClaimedDelivery>> {
    let lease_until = lease_until.trunc_subsecs(6);
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE OF d SKIP LOCKED",
    };
    let claimed: Option<(Uuid,)> = on_db!(db.writer(), pool => {
        let mut claim = sqlx::QueryBuilder::new("UPDATE webhook_deliveries SET claimed_until = ");
        claim
            .push_bind(lease_until)
            .push(
                " WHERE id = (SELECT d.id FROM webhook_deliveries d \
                 JOIN webhook_subscriptions s ON s.id = d.subscription_id \
                 WHERE s.enabled AND d.state = 'pending' AND d.next_attempt_at <= ",
            )
            .push_bind(now)
            .push(" AND (d.claimed_until IS NULL OR d.claimed_until <= ")
            .push_bind(now)
            .push(
                ") AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
                 WHERE e.subscription_id = d.subscription_id AND e.state = 'pending' \
                 AND e.id < d.id) ORDER BY d.next_attempt_at, d.id LIMIT 1",
            )
            .push(lock)
            .push(") AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ")
            .push_bind(now)
            .push(") RETURNING id");
        claim.build_query_as().fetch_optional(pool).await
    })?;
    let Some((id,)) = claimed else {
        return Ok(None);
    };
    let row = on_db!(db, pool => sqlx::query_as::<_, ClaimedDelivery>(
        "SELECT d.id, d.subscription_id, d.event_id, d.attempts, e.payload, s.url, s.secret, \
         s.previous_secret, s.previous_secret_until, d.claimed_until \
         FROM webhook_deliveries d JOIN webhook_events e ON e.id = d.event_id \
         JOIN webhook_subscriptions s ON s.id = d.subscription_id \
         WHERE d.id = $1 AND d.claimed_until = $2",
    )
    .bind(id)
    .bind(lease_until)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// Records that the claimed delivery was accepted with `status` at `now`. `false`: the lease
/// ran out and another worker claimed it meanwhile.
pub async fn mark_delivered(
    db: &Db,
    claimed: &ClaimedDelivery,
    status: u16,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE webhook_deliveries SET state = 'delivered', delivered_at = $3, \
         last_attempt_at = $3, last_status = $4, last_error = NULL, attempts = attempts + 1, \
         claimed_until = NULL WHERE id = $1 AND claimed_until = $2 AND state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(now)
    .bind(i64::from(status))
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// Records a failed attempt (`status` if the receiver answered) and releases the delivery:
/// due again at the next attempt's time, or `failed` for good. `false`: the lease ran out and
/// another worker claimed it meanwhile.
pub async fn mark_failed_attempt(
    db: &Db,
    claimed: &ClaimedDelivery,
    status: Option<u16>,
    error: &str,
    now: DateTime<Utc>,
    next: NextAttempt,
) -> StoreResult<bool> {
    let (state, next_attempt_at) = match next {
        NextAttempt::At(at) => ("pending", Some(at)),
        NextAttempt::GiveUp => ("failed", None),
    };
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = $3, \
         last_error = $4, last_attempt_at = $5, state = $6, \
         next_attempt_at = COALESCE($7, next_attempt_at), claimed_until = NULL \
         WHERE id = $1 AND claimed_until = $2 AND state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(status.map(i64::from))
    .bind(error)
    .bind(now)
    .bind(state)
    .bind(next_attempt_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// The event rows written, oldest first: for tests and operators.
pub async fn list_events(db: &Db, limit: u32) -> StoreResult<Vec<(Uuid, String, String)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, event_type, payload FROM webhook_events ORDER BY id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}
