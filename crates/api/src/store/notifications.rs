//! The notification outbox.
//!
//! A change that people should hear about writes its notifications inside its own transaction,
//! with [`insert_notification`], so the notification exists exactly when the change does. The
//! service renders them (`service::notifications::render`) and hands them to the store
//! function that makes the change:
//!
//! ```ignore
//! use crate::store::notifications::{NewNotification, insert_notification};
//!
//! pub async fn transition_request(db: &Db, …, notes: &[NewNotification]) -> StoreResult<…> {
//!     let mut tx = Tx::begin(db).await?;
//!     let out = on_db!(&mut tx, conn => {
//!         // … the compare-and-set, the audit event …
//!         for note in notes {
//!             insert_notification(&mut *conn, note).await?;
//!         }
//!         Ok::<_, StoreError>(…)
//!     });
//!     tx.commit_if_ok(out).await
//! }
//! ```
//!
//! Callers outside a transaction use [`enqueue`]. The portal lists a person's notifications;
//! `service::notifications::deliver_due` e-mails the pending ones. A worker claims one row at
//! a time by writing a lease into `claimed_until` with a compare-and-set (on PostgreSQL the
//! candidate is also locked with `FOR UPDATE SKIP LOCKED`, so racing replicas take different
//! rows), and records the outcome only while its lease still holds. So each notification is
//! sent by one worker, even with several replicas on one database.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use tessera_domain::notification::{EmailState, NotificationKind};
use uuid::Uuid;

use super::{Conn, Db, Pooled, StoreResult, on_db};

/// A notification ready to be written. Build one with `service::notifications::render`,
/// which fills in the plain-text and HTML bodies.
#[derive(Clone, Debug)]
pub struct NewNotification {
    /// Time-ordered (UUIDv7): lists page by id.
    pub id: Uuid,
    pub recipient_id: Uuid,
    /// A `NotificationKind` name, such as `approval_needed`.
    pub kind: &'static str,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// The portal path to act on it, such as `/requests/…`.
    pub link: String,
    /// Also when it is first due for e-mail.
    pub created_at: DateTime<Utc>,
}

/// Inserts `notification` through `conn`, a connection of either backend, typically inside the
/// transaction of the change it tells about: `insert_notification(&mut *conn, &note).await?`.
pub(crate) async fn insert_notification<'c>(
    conn: impl Into<Conn<'c>>,
    notification: &NewNotification,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => sqlx::query(
        "INSERT INTO notifications (id, recipient_id, kind, subject, body_text, body_html, \
         link, created_at, email_state, attempts, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'pending', 0, $8)",
    )
    .bind(notification.id)
    .bind(notification.recipient_id)
    .bind(notification.kind)
    .bind(notification.subject.as_str())
    .bind(notification.body_text.as_str())
    .bind(notification.body_html.as_str())
    .bind(notification.link.as_str())
    .bind(notification.created_at)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Writes one notification on its own, for callers without a transaction of their own.
pub async fn enqueue(db: &Db, notification: &NewNotification) -> StoreResult<()> {
    let mut conn = on_db!(db.writer(), pool => pool.acquire().await.map(Pooled::from))?;
    insert_notification(&mut conn, notification).await
}

/// A notification as its recipient reads it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRow {
    pub id: Uuid,
    #[sqlx(try_from = "&'a str")]
    pub kind: NotificationKind,
    pub subject: String,
    pub body_text: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
}

/// `recipient`'s notifications, newest first, older than the notification `before`; only the
/// unread ones when `unread_only`.
pub async fn list_for_recipient(
    db: &Db,
    recipient: Uuid,
    unread_only: bool,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<NotificationRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, NotificationRow>(
        "SELECT id, kind, subject, body_text, link, created_at, read_at FROM notifications \
         WHERE recipient_id = $1 AND (NOT $2 OR read_at IS NULL) AND ($3 IS NULL OR id < $3) \
         ORDER BY id DESC LIMIT $4",
    )
    .bind(recipient)
    .bind(unread_only)
    .bind(before)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

pub async fn count_unread(db: &Db, recipient: Uuid) -> StoreResult<i64> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM notifications WHERE recipient_id = $1 AND read_at IS NULL",
    )
    .bind(recipient)
    .fetch_one(pool)
    .await)?;
    Ok(count)
}

/// Marks notification `id` read at `now` if `recipient` is its recipient; reading it again
/// keeps the first time. `false`: no such notification of theirs.
pub async fn mark_read(
    db: &Db,
    id: Uuid,
    recipient: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE notifications SET read_at = COALESCE(read_at, $3) \
         WHERE id = $1 AND recipient_id = $2",
    )
    .bind(id)
    .bind(recipient)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// Marks every unread notification of `recipient` read at `now`; returns how many.
pub async fn mark_all_read(db: &Db, recipient: Uuid, now: DateTime<Utc>) -> StoreResult<u64> {
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE notifications SET read_at = $2 WHERE recipient_id = $1 AND read_at IS NULL",
    )
    .bind(recipient)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done)
}

/// Everything about one notification, including its e-mail bookkeeping, for operators and
/// tests.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NotificationRecord {
    pub id: Uuid,
    pub recipient_id: Uuid,
    #[sqlx(try_from = "&'a str")]
    pub kind: NotificationKind,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub link: String,
    pub created_at: DateTime<Utc>,
    pub read_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "&'a str")]
    pub email_state: EmailState,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub claimed_until: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

pub async fn find_notification(db: &Db, id: Uuid) -> StoreResult<Option<NotificationRecord>> {
    let row = on_db!(db, pool => sqlx::query_as::<_, NotificationRecord>(
        "SELECT id, recipient_id, kind, subject, body_text, body_html, link, created_at, \
         read_at, email_state, attempts, next_attempt_at, claimed_until, last_error, sent_at \
         FROM notifications WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// A notification a worker holds the lease of, with where to send it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedEmail {
    pub id: Uuid,
    pub recipient_id: Uuid,
    #[sqlx(try_from = "&'a str")]
    pub kind: NotificationKind,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// Failed attempts so far.
    pub attempts: i64,
    pub email: String,
    pub display_name: String,
    pub enabled: bool,
    /// The lease this worker wrote; recording the outcome needs it to still be there.
    pub claimed_until: DateTime<Utc>,
}

/// Pushes which rows are due at `now`: pending, their time come, and nobody's lease holding
/// them.
fn push_due<DB: Database>(query: &mut QueryBuilder<DB>, now: DateTime<Utc>)
where
    for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
{
    query
        .push("email_state = 'pending' AND next_attempt_at <= ")
        .push_bind(now)
        .push(" AND (claimed_until IS NULL OR claimed_until <= ")
        .push_bind(now)
        .push(")");
}

/// Claims the pending notification due longest, writing the lease `lease_until` into it.
/// `None`: nothing is due (or every due row is claimed by someone else).
///
/// The outer condition repeats [`push_due`]'s, so the update is a compare-and-set: of two workers
/// that picked the same row, the second finds it claimed and changes nothing. On PostgreSQL
/// `FOR UPDATE SKIP LOCKED` makes the second pick another row instead of waiting; on SQLite
/// the single writer already serialises the statement.
pub async fn claim_next_due(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<Option<ClaimedEmail>> {
    // PostgreSQL keeps microseconds: the lease must read back exactly as written.
    let lease_until = lease_until.trunc_subsecs(6);
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let claimed: Option<(Uuid,)> = on_db!(db.writer(), pool => {
        let mut claim = QueryBuilder::new("UPDATE notifications SET claimed_until = ");
        claim
            .push_bind(lease_until)
            .push(" WHERE id = (SELECT id FROM notifications WHERE ");
        push_due(&mut claim, now);
        claim.push(" ORDER BY next_attempt_at, id LIMIT 1").push(lock).push(") AND ");
        push_due(&mut claim, now);
        claim.push(" RETURNING id");
        claim.build_query_as().fetch_optional(pool).await
    })?;
    let Some((id,)) = claimed else {
        return Ok(None);
    };
    let row = on_db!(db, pool => sqlx::query_as::<_, ClaimedEmail>(
        "SELECT n.id, n.recipient_id, n.kind, n.subject, n.body_text, n.body_html, n.attempts, \
         u.email, u.display_name, u.enabled, n.claimed_until FROM notifications n \
         JOIN users u ON u.id = n.recipient_id WHERE n.id = $1 AND n.claimed_until = $2",
    )
    .bind(id)
    .bind(lease_until)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// Records that the claimed notification was e-mailed at `now`. `false`: the lease ran out and
/// another worker claimed it meanwhile.
pub async fn mark_sent(db: &Db, claimed: &ClaimedEmail, now: DateTime<Utc>) -> StoreResult<bool> {
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE notifications SET email_state = 'sent', sent_at = $3, attempts = attempts + 1, \
         claimed_until = NULL, last_error = NULL \
         WHERE id = $1 AND claimed_until = $2 AND email_state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// What a failed attempt leads to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextAttempt {
    /// Try again at this time.
    At(DateTime<Utc>),
    /// No more tries: the notification stays `failed` (and visible in the portal).
    GiveUp,
}

/// Records a failed attempt on the claimed notification and releases it: it is due again at
/// the next attempt's time, or `failed` for good. `error` is for operators only. `false`: the
/// lease ran out and another worker claimed it meanwhile.
pub async fn mark_failed_attempt(
    db: &Db,
    claimed: &ClaimedEmail,
    error: &str,
    next: NextAttempt,
) -> StoreResult<bool> {
    let (state, next_attempt_at) = match next {
        NextAttempt::At(at) => (EmailState::Pending, Some(at)),
        NextAttempt::GiveUp => (EmailState::Failed, None),
    };
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE notifications SET attempts = attempts + 1, last_error = $3, email_state = $4, \
         next_attempt_at = COALESCE($5, next_attempt_at), claimed_until = NULL \
         WHERE id = $1 AND claimed_until = $2 AND email_state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(error)
    .bind(state.as_str())
    .bind(next_attempt_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}
