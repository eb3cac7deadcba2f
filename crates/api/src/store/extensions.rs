//! Custom extension calls: the outbox rows, their claims, and the waits they record.
//!
//! A call is written in the transaction of the request transition that triggers it
//! ([`insert_call`], called from [`super::requests`] for the calls a [`super::requests::RequestWrite`]
//! carries). Workers claim due calls like webhook deliveries ([`super::webhooks::claim_next_due`]):
//! a compare-and-set lease in `claimed_until`, plus `FOR UPDATE SKIP LOCKED` on PostgreSQL. The
//! claim also writes the SHA-256 of a fresh callback token, so only the token of the latest
//! attempt resumes the request. A wait ends once: [`answer_call`] and [`close_open_waits`]
//! change only calls still open.

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::{NewNotification, NextAttempt};
use super::requests::{RequestRow, RequestWrite, update_request_in};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, select};

/// A call ready to be written.
#[derive(Clone, Debug)]
pub struct NewExtensionCall {
    pub id: Uuid,
    pub policy_id: Uuid,
    pub request_id: Option<Uuid>,
    pub assignment_id: Option<Uuid>,
    pub extension: String,
    pub stage: &'static str,
    pub mode: &'static str,
    pub url: String,
    pub payload: String,
    /// For launch-and-wait calls: when the wait times out.
    pub wait_until: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Writes `call` through `conn`, inside the transaction of the change that triggers it.
pub(crate) async fn insert_call<'c>(
    conn: impl Into<Conn<'c>>,
    call: &NewExtensionCall,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => sqlx::query(
        "INSERT INTO extension_calls (id, policy_id, request_id, assignment_id, extension, \
         stage, mode, url, payload, state, wait_until, attempts, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'pending', $10, 0, $11, $11)",
    )
    .bind(call.id)
    .bind(call.policy_id)
    .bind(call.request_id)
    .bind(call.assignment_id)
    .bind(&call.extension)
    .bind(call.stage)
    .bind(call.mode)
    .bind(&call.url)
    .bind(&call.payload)
    .bind(call.wait_until)
    .bind(call.now)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// Marks the open waits of request `id` (calls in launch-and-wait mode not yet answered)
/// `state` (`timed_out`), through `conn`.
pub(crate) async fn close_open_waits<'c>(
    conn: impl Into<Conn<'c>>,
    request: Uuid,
    state: &'static str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => sqlx::query(
        "UPDATE extension_calls SET state = $2, answered_at = NULL, claimed_until = NULL, \
         last_attempt_at = COALESCE(last_attempt_at, $3) \
         WHERE request_id = $1 AND mode = 'launch_and_wait' \
         AND state IN ('pending', 'waiting', 'failed')",
    )
    .bind(request)
    .bind(state)
    .bind(now)
    .execute(conn)
    .await
    .map(|_| ()))?;
    Ok(())
}

/// One call as the request's timeline and view show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CallRow {
    pub id: Uuid,
    pub extension: String,
    pub stage: String,
    pub mode: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status: Option<i64>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
    pub wait_until: Option<DateTime<Utc>>,
    pub answer: Option<String>,
    pub answer_message: Option<String>,
    pub answered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

const CALL_COLUMNS: &str = "id, extension, stage, mode, state, attempts, next_attempt_at, \
     last_attempt_at, last_status, last_error, sent_at, wait_until, answer, answer_message, \
     answered_at, created_at";

/// The calls made for request `request`, oldest first.
pub async fn list_request_calls(db: &Db, request: Uuid) -> StoreResult<Vec<CallRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(CALL_COLUMNS, "extension_calls WHERE request_id = ");
        query.push_bind(request).push(" ORDER BY id");
        query.build_query_as::<CallRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// What the callback needs to check before it answers: the call's request and token hash.
#[derive(Clone, sqlx::FromRow)]
pub struct CallbackTarget {
    pub id: Uuid,
    pub request_id: Option<Uuid>,
    pub mode: String,
    pub state: String,
    pub callback_token_hash: Option<String>,
}

pub async fn find_callback_target(db: &Db, id: Uuid) -> StoreResult<Option<CallbackTarget>> {
    let row = on_db!(db, pool => sqlx::query_as::<_, CallbackTarget>(
        "SELECT id, request_id, mode, state, callback_token_hash FROM extension_calls \
         WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// Records the answer to call `id` through `conn` if its wait is still open and its token hash
/// is still `token_hash`: `false` when it was answered, timed out or re-sent meanwhile.
pub(crate) async fn answer_call<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
    token_hash: &str,
    answer: &'static str,
    message: Option<&str>,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let mut conn: Conn<'c> = conn.into();
    let done = on_db!(&mut conn, conn => sqlx::query(
        "UPDATE extension_calls SET state = 'resumed', answer = $3, answer_message = $4, \
         answered_at = $5 WHERE id = $1 AND callback_token_hash = $2 \
         AND mode = 'launch_and_wait' AND state IN ('pending', 'waiting', 'failed')",
    )
    .bind(id)
    .bind(token_hash)
    .bind(answer)
    .bind(message)
    .bind(now)
    .execute(conn)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// A call a worker holds the lease of, with what it needs to send it. Not `Debug`: it carries
/// the signing secret and the callback token.
#[derive(Clone)]
pub struct ClaimedCall {
    pub id: Uuid,
    pub mode: String,
    pub attempts: i64,
    pub payload: String,
    pub url: String,
    /// The policy's signing secret; `None` when the policy has none (or is gone).
    pub secret: Option<String>,
    /// The plain callback token of this attempt (launch and wait only); only its hash is stored.
    pub callback_token: Option<String>,
    pub claimed_until: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: Uuid,
    mode: String,
    attempts: i64,
    payload: String,
    url: String,
    secret: Option<String>,
}

/// Claims the due call waiting longest, writing the lease `lease_until` into it, and for a
/// launch-and-wait call the hash of `token` (`token` is `(plain, hash)`). `None`: nothing is
/// due. The update repeats the conditions on the row itself, so it is a compare-and-set.
pub async fn claim_next_due(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
    token: (String, String),
) -> StoreResult<Option<ClaimedCall>> {
    let lease_until = lease_until.trunc_subsecs(6);
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE SKIP LOCKED",
    };
    let (plain, hash) = token;
    let claimed: Option<(Uuid,)> = on_db!(db, pool => {
        let mut claim = sqlx::QueryBuilder::new("UPDATE extension_calls SET claimed_until = ");
        claim
            .push_bind(lease_until)
            .push(", callback_token_hash = CASE WHEN mode = 'launch_and_wait' THEN ")
            .push_bind(hash.clone())
            .push(
                " ELSE NULL END WHERE id = (SELECT c.id FROM extension_calls c \
                 WHERE c.state = 'pending' AND c.next_attempt_at <= ",
            )
            .push_bind(now)
            .push(" AND (c.claimed_until IS NULL OR c.claimed_until <= ")
            .push_bind(now)
            .push(") ORDER BY c.next_attempt_at, c.id LIMIT 1")
            .push(lock)
            .push(") AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ")
            .push_bind(now)
            .push(") RETURNING id");
        claim.build_query_as().fetch_optional(pool).await
    })?;
    let Some((id,)) = claimed else {
        return Ok(None);
    };
    let row = on_db!(db, pool => sqlx::query_as::<_, ClaimedRow>(
        "SELECT c.id, c.mode, c.attempts, c.payload, c.url, p.extension_secret AS secret \
         FROM extension_calls c LEFT JOIN assignment_policies p ON p.id = c.policy_id \
         WHERE c.id = $1 AND c.claimed_until = $2",
    )
    .bind(id)
    .bind(lease_until)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|row| ClaimedCall {
        callback_token: (row.mode == "launch_and_wait").then_some(plain),
        id: row.id,
        mode: row.mode,
        attempts: row.attempts,
        payload: row.payload,
        url: row.url,
        secret: row.secret,
        claimed_until: lease_until,
    }))
}

/// Records that the claimed call was accepted with `status` at `now`: `sent`, or `waiting`
/// for a launch-and-wait call. `false` when the call is no longer the claimed, pending one
/// (its lease ran out, or the extension already answered during the call).
pub async fn mark_sent(
    db: &Db,
    claimed: &ClaimedCall,
    status: u16,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = on_db!(db, pool => sqlx::query(
        "UPDATE extension_calls SET \
         state = CASE WHEN mode = 'launch_and_wait' THEN 'waiting' ELSE 'sent' END, \
         sent_at = $3, last_attempt_at = $3, last_status = $4, last_error = NULL, \
         attempts = attempts + 1, claimed_until = NULL \
         WHERE id = $1 AND claimed_until = $2 AND state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(now)
    .bind(i64::from(status))
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    if done > 0 {
        return Ok(true);
    }
    // Answered while the call was being made: the receiver called back before it answered.
    let settled = on_db!(db, pool => sqlx::query(
        "UPDATE extension_calls SET sent_at = $2, last_attempt_at = $2, last_status = $3, \
         attempts = attempts + 1, claimed_until = NULL \
         WHERE id = $1 AND state IN ('resumed', 'timed_out') AND sent_at IS NULL",
    )
    .bind(claimed.id)
    .bind(now)
    .bind(i64::from(status))
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(settled > 0)
}

/// Records a failed attempt and releases the call: due again at the next attempt's time, or
/// `failed` for good. `false`: the lease ran out, or the call is settled already.
pub async fn mark_failed_attempt(
    db: &Db,
    claimed: &ClaimedCall,
    status: Option<u16>,
    error: &str,
    now: DateTime<Utc>,
    next: NextAttempt,
) -> StoreResult<bool> {
    let (state, next_attempt_at) = match next {
        NextAttempt::At(at) => ("pending", Some(at)),
        NextAttempt::GiveUp => ("failed", None),
    };
    let done = on_db!(db, pool => sqlx::query(
        "UPDATE extension_calls SET attempts = attempts + 1, last_status = $3, \
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

/// Sets the signing secret of policy `policy` of package `package`, with `audit`; `false` when
/// there is no such policy.
pub async fn rotate_policy_secret(
    db: &Db,
    package: Uuid,
    policy: Uuid,
    secret: &str,
    audit: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let done = sqlx::query(
            "UPDATE assignment_policies SET extension_secret = $3 \
             WHERE id = $2 AND package_id = $1",
        )
        .bind(package)
        .bind(policy)
        .bind(secret)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if done > 0 {
            insert_audit_event(&mut *conn, audit).await?;
        }
        Ok::<_, StoreError>(done > 0)
    });
    tx.commit_if_ok(out).await
}

/// The answer an extension gives to its call.
pub struct CallAnswer<'a> {
    pub call: Uuid,
    pub token_hash: &'a str,
    pub answer: &'static str,
    pub message: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// Records `answer` on its call and the request's transition `write` (at `version`) in one
/// transaction. `None` when the call's wait was over already (answered, timed out, or re-sent
/// with a new token); [`StoreError::Conflict`] when the request changed meanwhile.
#[allow(clippy::too_many_arguments)]
pub async fn answer_and_transition(
    db: &Db,
    answer: CallAnswer<'_>,
    request: Uuid,
    version: i64,
    write: &RequestWrite,
    notes: &[NewNotification],
    audit: impl FnOnce(&RequestRow) -> AuditEvent,
) -> StoreResult<Option<RequestRow>> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let answered = answer_call(
            &mut *conn,
            answer.call,
            answer.token_hash,
            answer.answer,
            answer.message,
            answer.now,
        )
        .await?;
        if !answered {
            return Ok(None);
        }
        update_request_in(&mut *conn, request, version, write, None, notes, audit)
            .await
            .map(Some)
    });
    tx.commit_if_ok(out).await
}

/// Sets the signing secret of policy `policy` unless it has one; `true` when it was set.
pub async fn set_policy_secret_if_missing(
    db: &Db,
    policy: Uuid,
    secret: &str,
) -> StoreResult<bool> {
    let done = on_db!(db, pool => sqlx::query(
        "UPDATE assignment_policies SET extension_secret = $2 \
         WHERE id = $1 AND extension_secret IS NULL",
    )
    .bind(policy)
    .bind(secret)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}
