//! Custom extension calls: the outbox rows, their claims, and the waits they record.
//!
//! A call is written in the transaction of the request transition that triggers it
//! ([`insert_call`], called from [`super::requests`] for the calls a [`super::requests::RequestWrite`]
//! carries). Workers claim due calls like webhook deliveries ([`super::webhooks::claim_next_due`]):
//! a compare-and-set lease in `claimed_until`, plus `FOR UPDATE SKIP LOCKED` on PostgreSQL. The
//! claim also adds the SHA-256 of a fresh callback token to the call's, so the token of any
//! attempt resumes the request (an endpoint may answer an attempt whose acceptance timed out). A wait ends once: [`answer_call`] and [`close_open_waits`]
//! change only calls still open.

use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use tessera_domain::policy::{ExtensionMode, ExtensionStage, ValidPolicy};
use tessera_domain::user::UserType;
use uuid::Uuid;

use super::assignments::fetch_assignment;

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

/// Writes, through `conn` inside the transaction that grants (`AssignmentGranted`) or ends
/// (`AssignmentRemoval`) assignment `assignment`, a launch-and-continue call for each extension
/// its policy has at `stage`. Called from [`super::assignments`] where the assignment's roles
/// are granted or revoked, so every way in and out (a delivered request, a scheduled start,
/// an expiry, a removal by anyone, a review, a leaver) makes the calls. The call belongs to
/// the request being delivered, if one is, so that its timeline shows it.
pub(crate) async fn queue_assignment_calls<'c>(
    conn: impl Into<Conn<'c>>,
    assignment: Uuid,
    stage: ExtensionStage,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let policy: Option<(Uuid, String)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT p.id, p.definition FROM assignments a \
         JOIN assignment_policies p ON p.id = a.policy_id WHERE a.id = $1",
    )
    .bind(assignment)
    .fetch_optional(conn)
    .await)?;
    let Some((policy_id, definition)) = policy else {
        return Ok(());
    };
    // Most policies call nothing: skip parsing them.
    if !definition.contains(stage.as_str()) {
        return Ok(());
    }
    let policy = match serde_json::from_str::<ValidPolicy>(&definition) {
        Ok(policy) => policy,
        Err(_) => {
            tracing::error!(policy = %policy_id, "a stored policy does not parse; its extensions are not called");
            return Ok(());
        }
    };
    let extensions: Vec<_> = policy
        .extensions_at(stage)
        .filter(|extension| extension.mode() == ExtensionMode::LaunchAndContinue)
        .collect();
    if extensions.is_empty() {
        return Ok(());
    }
    let Some(row) = fetch_assignment(&mut conn, assignment).await? else {
        return Ok(());
    };
    // The request being delivered: at most one is open per person and package.
    let request: Option<(Uuid,)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT id FROM requests WHERE package_id = $1 AND target_id = $2 \
         AND state = 'delivering'",
    )
    .bind(row.package_id)
    .bind(row.user_id)
    .fetch_optional(conn)
    .await)?;
    let person = |id: Option<Uuid>, username: Option<&str>, name: Option<&str>, guest: bool| match (
        id, username, name,
    ) {
        (Some(id), Some(username), Some(name)) => serde_json::json!({
            "id": id, "username": username, "display_name": name, "guest": guest,
        }),
        _ => serde_json::Value::Null,
    };
    let answers: serde_json::Value =
        serde_json::from_str(&row.answers).unwrap_or(serde_json::Value::Null);
    for extension in extensions {
        let id = Uuid::now_v7();
        let payload = serde_json::json!({
            "type": format!("custom_extension.{}", stage.as_str()),
            "timestamp": now.to_rfc3339_opts(SecondsFormat::Millis, true),
            "data": {
                "call_id": id,
                "extension": extension.name(),
                "stage": stage,
                "mode": extension.mode(),
                "assignment": {
                    "id": row.id,
                    "state": row.state,
                    "starts_at": row.starts_at,
                    "ends_at": row.ends_at,
                    "ended_at": row.ended_at,
                    "justification": row.justification,
                    "answers": answers,
                    "assigned_by": person(
                        row.assigned_by,
                        row.assigned_by_username.as_deref(),
                        row.assigned_by_display_name.as_deref(),
                        row.assigned_by_user_type.0 == Some(UserType::Guest),
                    ),
                    "ended_by": person(
                        row.ended_by,
                        row.ended_by_username.as_deref(),
                        row.ended_by_display_name.as_deref(),
                        row.ended_by_user_type.0 == Some(UserType::Guest),
                    ),
                },
                "request": request.map(|(id,)| serde_json::json!({"id": id})),
                "access_package": {"id": row.package_id, "name": row.package_name},
                "policy": {"id": policy_id, "name": policy.name()},
                "person": person(
                    Some(row.user_id),
                    Some(&row.username),
                    Some(&row.user_display_name),
                    row.user_type == UserType::Guest,
                ),
            },
        });
        let call = NewExtensionCall {
            id,
            policy_id,
            request_id: request.map(|(id,)| id),
            assignment_id: Some(row.id),
            extension: extension.name().to_string(),
            stage: stage.as_str(),
            mode: extension.mode().as_str(),
            url: extension.url().to_string(),
            payload: payload.to_string(),
            wait_until: None,
            now,
        };
        insert_call(&mut conn, &call).await?;
    }
    Ok(())
}

/// Marks the open waits of request `id` (calls in launch-and-wait mode not yet answered)
/// `state` through `conn`: `timed_out` when the wait ran out, `closed` when the request was
/// closed (canceled, denied, expired) first. Either way a call not yet sent is not sent any
/// more (only `pending` calls are claimed) and no answer is taken.
pub(crate) async fn close_open_waits<'c>(
    conn: impl Into<Conn<'c>>,
    request: Uuid,
    state: &'static str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    // A timed-out wait records when it ended; a closed one leaves no trace of an attempt
    // that was never made.
    on_db!(&mut conn, conn => sqlx::query(
        "UPDATE extension_calls SET state = $2, answered_at = NULL, claimed_until = NULL, \
         last_attempt_at = CASE WHEN $2 = 'timed_out' THEN COALESCE(last_attempt_at, $3) \
         ELSE last_attempt_at END \
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

/// Records the answer to call `id` through `conn` if its wait is still open and `token_hash`
/// is one of the hashes of the tokens issued for it: `false` when it was answered, timed out
/// or closed meanwhile.
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
         answered_at = $5 WHERE id = $1 \
         AND (' ' || callback_token_hash || ' ') LIKE ('% ' || $2 || ' %') \
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
    /// The secret the last rotation replaced, and until when it still signs.
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTime<Utc>>,
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
    previous_secret: Option<String>,
    previous_secret_until: Option<DateTime<Utc>>,
}

/// Claims the due call waiting longest, writing the lease `lease_until` into it, and for a
/// launch-and-wait call adding the hash of `token` (`token` is `(plain, hash)`) to those of
/// its earlier attempts. `None`: nothing is
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
    let claimed: Option<(Uuid,)> = on_db!(db.writer(), pool => {
        let mut claim = sqlx::QueryBuilder::new("UPDATE extension_calls SET claimed_until = ");
        claim
            .push_bind(lease_until)
            // Each attempt's token is added to those of the earlier attempts, so an endpoint
            // that answers an attempt whose acceptance never reached us is still heard.
            .push(
                ", callback_token_hash = CASE WHEN mode = 'launch_and_wait' THEN \
                 COALESCE(callback_token_hash || ' ', '') || ",
            )
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
        "SELECT c.id, c.mode, c.attempts, c.payload, c.url, p.extension_secret AS secret, \
         p.extension_secret_previous AS previous_secret, \
         p.extension_secret_previous_until AS previous_secret_until \
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
        previous_secret: row.previous_secret,
        previous_secret_until: row.previous_secret_until,
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
    let done = on_db!(db.writer(), pool => sqlx::query(
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
    let settled = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE extension_calls SET sent_at = $2, last_attempt_at = $2, last_status = $3, \
         attempts = attempts + 1, claimed_until = NULL \
         WHERE id = $1 AND state IN ('resumed', 'timed_out', 'closed') AND sent_at IS NULL",
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
    let done = on_db!(db.writer(), pool => sqlx::query(
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

/// Sets the signing secret of policy `policy` of package `package`, with `audit`; the secret it
/// replaces keeps signing until `previous_until`. `false` when there is no such policy.
pub async fn rotate_policy_secret(
    db: &Db,
    package: Uuid,
    policy: Uuid,
    secret: &str,
    previous_until: DateTime<Utc>,
    audit: &AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let done = sqlx::query(
            "UPDATE assignment_policies SET extension_secret_previous = extension_secret, \
             extension_secret_previous_until = CASE WHEN extension_secret IS NULL THEN NULL \
             ELSE $4 END, extension_secret = $3 \
             WHERE id = $2 AND package_id = $1",
        )
        .bind(package)
        .bind(policy)
        .bind(secret)
        .bind(previous_until)
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
    let done = on_db!(db.writer(), pool => sqlx::query(
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
