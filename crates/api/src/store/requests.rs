//! Requests: their rows, who may decide them now, the decisions made, and delivery.
//!
//! A request's full state is the domain's `RequestRecord` as JSON; columns copy out what lists
//! and the scheduler query. Every change is a compare-and-set on `version`, written with its
//! audit event (and, for delivery, the assignment change) in one transaction: when two
//! approvers or two replicas act at once, one wins and the other gets [`StoreError::Conflict`].

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use tessera_domain::request::{RequestKind, RequestState};
use uuid::Uuid;

use super::assignments::{
    AssignmentRow, ConflictRow, EndAssignment, NewAssignmentRecord, find_conflicts,
    insert_assignment_row, revoke_package_roles,
};
use super::audit::{AuditEvent, insert_audit_event};
use super::extensions::{NewExtensionCall, close_open_waits, insert_call};
use super::notifications::{NewNotification, insert_notification};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, push_ids, select};

pub(super) const SELECT_REQUEST: &str = "SELECT r.id, r.package_id, p.name AS package_name, p.catalog_id, \
     r.policy_id, r.policy_name, r.kind, r.state, r.requester_id, r.target_id, r.assignment_id, \
     r.justification, r.answers, r.ends_at, r.outcome, r.record, r.due_at, r.decide_by, \
     r.created_at, r.updated_at, r.version \
     FROM requests r JOIN access_packages p ON p.id = r.package_id";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub catalog_id: Uuid,
    pub policy_id: Option<Uuid>,
    pub policy_name: String,
    #[sqlx(try_from = "&'a str")]
    pub kind: RequestKind,
    #[sqlx(try_from = "&'a str")]
    pub state: RequestState,
    pub requester_id: Option<Uuid>,
    pub target_id: Uuid,
    pub assignment_id: Option<Uuid>,
    pub justification: Option<String>,
    pub answers: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    pub record: String,
    pub due_at: Option<DateTime<Utc>>,
    /// The current stage's deadline while the request waits for approval.
    pub decide_by: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// One request, read through `conn`, a connection of either backend.
async fn fetch_request<'c>(conn: impl Into<Conn<'c>>, id: Uuid) -> StoreResult<RequestRow> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query.push(" WHERE r.id = ").push_bind(id);
        query.build_query_as::<RequestRow>().fetch_one(conn).await
    })?;
    Ok(row)
}

/// What a transition writes: the new state and record, and who may decide next.
pub struct RequestWrite {
    pub state: &'static str,
    pub record: String,
    pub due_at: Option<DateTime<Utc>>,
    /// The current stage's deadline; `None` unless pending approval.
    pub decide_by: Option<DateTime<Utc>>,
    pub outcome: Option<String>,
    /// Who may decide now; empty unless pending approval.
    pub approvers: Vec<Uuid>,
    pub now: DateTime<Utc>,
    /// Custom extension calls the transition triggers, written with it.
    pub calls: Vec<NewExtensionCall>,
    /// Marks the request's open extension waits so (`timed_out`), with the transition.
    pub close_waits: Option<&'static str>,
}

/// Writes what `write` carries besides the request row: its extension calls and waits.
async fn write_extension_calls<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
    write: &RequestWrite,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    if let Some(state) = write.close_waits {
        close_open_waits(&mut conn, id, state, write.now).await?;
    }
    for call in &write.calls {
        insert_call(&mut conn, call).await?;
    }
    Ok(())
}

/// Rewrites the approvers of request `id` through `conn`.
async fn replace_approvers<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
    approvers: &[Uuid],
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        sqlx::query("DELETE FROM request_approvers WHERE request_id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        for user in approvers {
            sqlx::query(
                "INSERT INTO request_approvers (request_id, user_id) VALUES ($1, $2) \
                 ON CONFLICT (request_id, user_id) DO NOTHING",
            )
            .bind(id)
            .bind(*user)
            .execute(&mut *conn)
            .await?;
        }
    });
    Ok(())
}

pub struct NewRequestRow {
    pub id: Uuid,
    pub package_id: Uuid,
    pub policy_id: Uuid,
    pub policy_name: String,
    pub kind: &'static str,
    pub requester_id: Uuid,
    pub target_id: Uuid,
    pub assignment_id: Option<Uuid>,
    pub justification: Option<String>,
    pub answers: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub write: RequestWrite,
}

/// An `Idempotency-Key` a new request claims.
pub struct IdempotencyClaim<'a> {
    pub user: Uuid,
    pub key: &'a str,
    /// The fingerprint of the request the key came with.
    pub fingerprint: &'a str,
    /// Keys made before this are forgotten: the same key is then a new key.
    pub remembered_since: DateTime<Utc>,
}

pub enum InsertRequest {
    Inserted(Box<RequestRow>),
    /// The caller sent this idempotency key before: the request it made then.
    Replayed(Box<RequestRow>),
    /// The caller sent this idempotency key before with another request (another
    /// fingerprint); nothing was written.
    KeyReused,
}

/// Inserts a submitted request, remembering the idempotency key it claims, if any. A second
/// open request for the same person and package is [`StoreError::Duplicate`].
pub async fn insert_request(
    db: &Db,
    new: &NewRequestRow,
    idempotency: Option<&IdempotencyClaim<'_>>,
    notes: &[NewNotification],
    audit: impl FnOnce(&RequestRow) -> AuditEvent,
) -> StoreResult<InsertRequest> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        if let Some(claim) = idempotency {
            sqlx::query(
                "DELETE FROM request_idempotency WHERE user_id = $1 AND key = $2 \
                 AND created_at < $3",
            )
            .bind(claim.user)
            .bind(claim.key)
            .bind(claim.remembered_since)
            .execute(&mut *conn)
            .await?;
            let seen: Option<(Uuid, Option<String>)> = sqlx::query_as(
                "SELECT request_id, fingerprint FROM request_idempotency \
                 WHERE user_id = $1 AND key = $2",
            )
            .bind(claim.user)
            .bind(claim.key)
            .fetch_optional(&mut *conn)
            .await?;
            if let Some((request, fingerprint)) = seen {
                if fingerprint.is_some_and(|seen| seen != claim.fingerprint) {
                    return Ok(InsertRequest::KeyReused);
                }
                let row = fetch_request(&mut *conn, request).await?;
                return Ok(InsertRequest::Replayed(Box::new(row)));
            }
        }
        sqlx::query(
            "INSERT INTO requests (id, package_id, policy_id, policy_name, kind, state, \
             requester_id, target_id, assignment_id, justification, answers, ends_at, outcome, \
             record, due_at, decide_by, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, \
             $17, $17, 1)",
        )
        .bind(new.id)
        .bind(new.package_id)
        .bind(new.policy_id)
        .bind(&new.policy_name)
        .bind(new.kind)
        .bind(new.write.state)
        .bind(new.requester_id)
        .bind(new.target_id)
        .bind(new.assignment_id)
        .bind(new.justification.as_deref())
        .bind(&new.answers)
        .bind(new.ends_at)
        .bind(new.write.outcome.as_deref())
        .bind(&new.write.record)
        .bind(new.write.due_at)
        .bind(new.write.decide_by)
        .bind(new.write.now)
        .execute(&mut *conn)
        .await?;
        replace_approvers(&mut *conn, new.id, &new.write.approvers).await?;
        write_extension_calls(&mut *conn, new.id, &new.write).await?;
        if let Some(claim) = idempotency {
            sqlx::query(
                "INSERT INTO request_idempotency (user_id, key, request_id, created_at, \
                 fingerprint) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(claim.user)
            .bind(claim.key)
            .bind(new.id)
            .bind(new.write.now)
            .bind(claim.fingerprint)
            .execute(&mut *conn)
            .await?;
        }
        let row = fetch_request(&mut *conn, new.id).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        for note in notes {
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>(InsertRequest::Inserted(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

/// The request an idempotency key made, and the fingerprint of the request the key came with
/// (none for keys kept before fingerprints were).
pub struct KeyedRequest {
    pub request: RequestRow,
    pub fingerprint: Option<String>,
}

/// The request `user`'s idempotency `key` made, if the key is not older than
/// `remembered_since`.
pub async fn find_by_idempotency_key(
    db: &Db,
    user: Uuid,
    key: &str,
    remembered_since: DateTime<Utc>,
) -> StoreResult<Option<KeyedRequest>> {
    let seen: Option<(Uuid, Option<String>)> = on_db!(db, pool => sqlx::query_as(
        "SELECT request_id, fingerprint FROM request_idempotency \
         WHERE user_id = $1 AND key = $2 AND created_at >= $3",
    )
    .bind(user)
    .bind(key)
    .bind(remembered_since)
    .fetch_optional(pool)
    .await)?;
    let Some((request, fingerprint)) = seen else {
        return Ok(None);
    };
    Ok(find_request(db, request)
        .await?
        .map(|request| KeyedRequest {
            request,
            fingerprint,
        }))
}

/// Forgets the idempotency keys made before `before`. Returns how many.
pub async fn purge_idempotency_keys(db: &Db, before: DateTime<Utc>) -> StoreResult<u64> {
    let purged = on_db!(db.writer(), pool => sqlx::query(
        "DELETE FROM request_idempotency WHERE created_at < $1",
    )
    .bind(before)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(purged)
}

/// A decision to record with a transition, for the approvers' history.
pub struct DecisionRow {
    pub stage: i64,
    pub approver: Uuid,
    pub verdict: &'static str,
}

/// Writes a transition of request `id` if it is still at `version`.
pub async fn update_request(
    db: &Db,
    id: Uuid,
    version: i64,
    write: &RequestWrite,
    decision: Option<&DecisionRow>,
    notes: &[NewNotification],
    audit: impl FnOnce(&RequestRow) -> AuditEvent,
) -> StoreResult<RequestRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        update_request_in(&mut *conn, id, version, write, decision, notes, audit).await
    });
    tx.commit_if_ok(out).await
}

/// [`update_request`] inside the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn update_request_in<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
    version: i64,
    write: &RequestWrite,
    decision: Option<&DecisionRow>,
    notes: &[NewNotification],
    audit: impl FnOnce(&RequestRow) -> AuditEvent,
) -> StoreResult<RequestRow> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        let changed = sqlx::query(
            "UPDATE requests SET state = $1, record = $2, due_at = $3, outcome = $4, \
             updated_at = $5, version = version + 1, decide_by = $8 \
             WHERE id = $6 AND version = $7",
        )
        .bind(write.state)
        .bind(&write.record)
        .bind(write.due_at)
        .bind(write.outcome.as_deref())
        .bind(write.now)
        .bind(id)
        .bind(version)
        .bind(write.decide_by)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        replace_approvers(&mut *conn, id, &write.approvers).await?;
        write_extension_calls(&mut *conn, id, write).await?;
        if let Some(decision) = decision {
            sqlx::query(
                "INSERT INTO request_decisions (request_id, stage, approver_id, verdict, \
                 decided_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(decision.stage)
            .bind(decision.approver)
            .bind(decision.verdict)
            .bind(write.now)
            .execute(&mut *conn)
            .await?;
        }
        let row = fetch_request(&mut *conn, id).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        for note in notes {
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>(row)
    })
}

/// What delivering a request changes.
pub enum Delivery {
    /// A new assignment (checked for separation of duties in the transaction).
    Add(NewAssignmentRecord),
    /// A new end for the delivered assignment `id`, if it is still at `version`.
    Extend {
        assignment: Uuid,
        version: i64,
        ends_at: Option<DateTime<Utc>>,
    },
    /// The end of an active assignment.
    Remove(EndAssignment),
}

/// How a delivery went.
pub enum Delivered {
    Done {
        request: Box<RequestRow>,
        assignment: Box<AssignmentRow>,
    },
    /// Nothing changed on the resources: the request records `failed` instead.
    Failed {
        request: Box<RequestRow>,
        reason: String,
    },
}

/// What a delivery writes on the request, and tells, when it is done and when it failed.
pub struct DeliveryOutcomes<'a> {
    pub done: &'a RequestWrite,
    pub done_notes: &'a [NewNotification],
    /// Written with the failure's reason as its outcome.
    pub failed: &'a RequestWrite,
    pub failed_notes: &'a [NewNotification],
}

/// Delivers request `id` (at `version`, in state `delivering`): claims it, applies `delivery`
/// and writes the `done` outcome in one transaction; when the delivery cannot be applied (a
/// separation-of-duties conflict, the assignment changed or ended), writes the `failed`
/// outcome with the reason instead. When someone else claimed it first, nothing is written
/// and the answer is [`StoreError::Conflict`].
pub async fn deliver_request(
    db: &Db,
    id: Uuid,
    version: i64,
    delivery: &Delivery,
    outcomes: &DeliveryOutcomes<'_>,
    audit: impl FnOnce(&RequestRow, Option<&AssignmentRow>) -> Vec<AuditEvent>,
) -> StoreResult<Delivered> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        // Claim the delivery before applying it: whoever moves the version first delivers.
        // A concurrent claim (the scheduler, another replica, an approver) waits on the row
        // lock, then finds the version moved on and gets `Conflict`; a read would not wait,
        // and both would apply the delivery.
        let claimed = sqlx::query(
            "UPDATE requests SET version = version + 1 \
             WHERE id = $1 AND version = $2 AND state = 'delivering'",
        )
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if claimed == 0 {
            return Err(StoreError::Conflict);
        }
        let applied: Result<Uuid, String> = match delivery {
            Delivery::Add(record) => {
                let conflicts = find_conflicts(&mut *conn, record.package_id, record.user_id).await?;
                if conflicts.is_empty() {
                    insert_assignment_row(&mut *conn, record).await?;
                    Ok(record.id)
                } else {
                    let names: Vec<String> = conflicts
                        .iter()
                        .map(|conflict| match conflict {
                            ConflictRow::Package { name, .. } => format!("the package {name}"),
                            ConflictRow::Group { name, .. } => format!("the group {name}"),
                        })
                        .collect();
                    Err(format!(
                        "Separation of duties: the person holds {}, which this package is \
                         incompatible with.",
                        names.join(", ")
                    ))
                }
            }
            Delivery::Extend { assignment, version, ends_at } => {
                let changed = sqlx::query(
                    "UPDATE assignments SET ends_at = $1, updated_at = $2, reminded_days = NULL, \
                     version = version + 1 WHERE id = $3 AND version = $4 AND state = 'delivered'",
                )
                .bind(*ends_at)
                .bind(outcomes.done.now)
                .bind(*assignment)
                .bind(*version)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if changed == 1 {
                    Ok(*assignment)
                } else {
                    Err("The assignment changed or ended before the extension.".to_string())
                }
            }
            Delivery::Remove(end) => {
                let changed = sqlx::query(
                    "UPDATE assignments SET state = $1, ended_at = $2, ended_by = $3, \
                     updated_at = $2, version = version + 1 WHERE id = $4 \
                     AND state IN ('scheduled', 'delivered')",
                )
                .bind(end.state)
                .bind(end.now)
                .bind(end.ended_by)
                .bind(end.id)
                .execute(&mut *conn)
                .await?
                .rows_affected();
                if changed == 1 {
                    let (package, user): (Uuid, Uuid) = sqlx::query_as(
                        "SELECT package_id, user_id FROM assignments WHERE id = $1",
                    )
                    .bind(end.id)
                    .fetch_one(&mut *conn)
                    .await?;
                    revoke_package_roles(&mut *conn, package, user, Some(end.id), end.now).await?;
                    Ok(end.id)
                } else {
                    Err("The assignment had ended already.".to_string())
                }
            }
        };
        let (write, assignment_id, reason) = match &applied {
            Ok(assignment) => (outcomes.done, Some(*assignment), None),
            Err(reason) => (outcomes.failed, None, Some(reason.clone())),
        };
        sqlx::query(
            "UPDATE requests SET state = $1, record = $2, due_at = $3, outcome = $4, \
             assignment_id = COALESCE($5, assignment_id), updated_at = $6, decide_by = $8 \
             WHERE id = $7",
        )
        .bind(write.state)
        .bind(&write.record)
        .bind(write.due_at)
        .bind(reason.as_deref().or(write.outcome.as_deref()))
        .bind(assignment_id)
        .bind(write.now)
        .bind(id)
        .bind(write.decide_by)
        .execute(&mut *conn)
        .await?;
        replace_approvers(&mut *conn, id, &write.approvers).await?;
        let request = fetch_request(&mut *conn, id).await?;
        let assignment = match assignment_id {
            Some(assignment) => Some(
                super::assignments::fetch_assignment(&mut *conn, assignment)
                    .await?
                    .ok_or(StoreError::Conflict)?,
            ),
            None => None,
        };
        for event in audit(&request, assignment.as_ref()) {
            insert_audit_event(&mut *conn, &event).await?;
        }
        let notes = if assignment.is_some() {
            outcomes.done_notes
        } else {
            outcomes.failed_notes
        };
        for note in notes {
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>(match (assignment, reason) {
            (Some(assignment), _) => Delivered::Done {
                request: Box::new(request),
                assignment: Box::new(assignment),
            },
            (None, reason) => Delivered::Failed {
                request: Box::new(request),
                reason: reason.unwrap_or_default(),
            },
        })
    });
    tx.commit_if_ok(out).await
}

pub async fn find_request(db: &Db, id: Uuid) -> StoreResult<Option<RequestRow>> {
    let row = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query.push(" WHERE r.id = ").push_bind(id);
        query.build_query_as::<RequestRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// The requests that delivered (or extended) assignment `assignment`, oldest first.
pub async fn requests_of_assignment(db: &Db, assignment: Uuid) -> StoreResult<Vec<RequestRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query
            .push(" WHERE r.assignment_id = ")
            .push_bind(assignment)
            .push(" ORDER BY r.created_at, r.id");
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The open request of `target` for `package`, if any.
pub async fn find_open_request(
    db: &Db,
    package: Uuid,
    target: Uuid,
) -> StoreResult<Option<RequestRow>> {
    let row = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query
            .push(" WHERE r.package_id = ")
            .push_bind(package)
            .push(" AND r.target_id = ")
            .push_bind(target)
            .push(" AND r.state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering')");
        query.build_query_as::<RequestRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Which requests a list shows.
pub enum RequestList {
    /// Made by or for the user.
    Mine(Uuid),
    /// Waiting for the user's decision.
    AwaitingDecisionBy(Uuid),
    /// Decided (at some stage) by the user.
    DecidedBy(Uuid),
}

/// A page of requests, newest first, before the cursor id `before`. `open_only` keeps the
/// ones not yet final.
pub async fn list_requests(
    db: &Db,
    list: &RequestList,
    open_only: bool,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<RequestRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        match list {
            RequestList::Mine(user) => query
                .push(" WHERE (r.target_id = ")
                .push_bind(*user)
                .push(" OR r.requester_id = ")
                .push_bind(*user)
                .push(")"),
            RequestList::AwaitingDecisionBy(user) => query
                .push(
                    " WHERE r.state = 'pending_approval' AND r.id IN \
                     (SELECT request_id FROM request_approvers WHERE user_id = ",
                )
                .push_bind(*user)
                .push(")"),
            RequestList::DecidedBy(user) => query
                .push(" WHERE r.id IN (SELECT request_id FROM request_decisions WHERE approver_id = ")
                .push_bind(*user)
                .push(")"),
        };
        if open_only {
            query.push(" AND r.state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering')");
        }
        if let Some(before) = before {
            query.push(" AND r.id < ").push_bind(before);
        }
        query.push(" ORDER BY r.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// A page of the requests waiting for `user`'s decision, the one to decide soonest first,
/// after the cursor `after` (a decide-by moment and an id). A request without a decide-by (its
/// stored record could not be read at start-up) is left out: it could not be shown anyway.
pub async fn list_awaiting_decision_by_deadline(
    db: &Db,
    user: Uuid,
    after: Option<(DateTime<Utc>, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<RequestRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query
            .push(
                " WHERE r.state = 'pending_approval' AND r.decide_by IS NOT NULL AND r.id IN \
                 (SELECT request_id FROM request_approvers WHERE user_id = ",
            )
            .push_bind(user)
            .push(")");
        if let Some((decide_by, id)) = after {
            query
                .push(" AND (r.decide_by > ")
                .push_bind(decide_by)
                .push(" OR (r.decide_by = ")
                .push_bind(decide_by)
                .push(" AND r.id > ")
                .push_bind(id)
                .push("))");
        }
        query
            .push(" ORDER BY r.decide_by, r.id LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Writes the decide-by moment of every request waiting for approval that has none: those
/// that were waiting when the column arrived (migration 0025). `decide_by` reads it from a
/// stored row; rows it cannot read are skipped. Safe to run from several replicas at once:
/// each writes the same value, and only where none is yet. Returns how many it wrote.
pub async fn fill_decide_by(
    db: &Db,
    decide_by: impl Fn(&RequestRow) -> Option<DateTime<Utc>>,
) -> StoreResult<u64> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        query.push(" WHERE r.state = 'pending_approval' AND r.decide_by IS NULL");
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    let mut written = 0;
    for row in &rows {
        let Some(at) = decide_by(row) else { continue };
        let done = on_db!(db.writer(), pool => {
            sqlx::query(
                "UPDATE requests SET decide_by = $1 \
                 WHERE id = $2 AND version = $3 AND decide_by IS NULL",
            )
            .bind(at)
            .bind(row.id)
            .bind(row.version)
            .execute(pool)
            .await
            .map(|done| done.rows_affected())
        })?;
        written += done;
    }
    Ok(written)
}

/// What the request list of administrators and catalog managers filters on.
#[derive(Default)]
pub struct RequestSearch {
    /// Only packages in these catalogs; every catalog when `None`.
    pub catalogs: Option<Vec<Uuid>>,
    pub package: Option<Uuid>,
    pub requester: Option<Uuid>,
    pub target: Option<Uuid>,
    /// A state's stored spelling (the domain's own literal).
    pub state: Option<&'static str>,
    /// Only requests not yet over (`true`) or only those that are (`false`).
    pub open: Option<bool>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
}

/// Pushes the `WHERE` clause of `search`, the cursor `before` (an id) included, with every
/// value bound.
fn push_search_clause<DB: Database>(
    query: &mut QueryBuilder<DB>,
    search: &RequestSearch,
    before: Option<Uuid>,
) where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> DateTime<Utc>: Encode<'q, DB> + Type<DB>,
    for<'q> &'q str: Encode<'q, DB> + Type<DB>,
{
    let mut keyword = " WHERE ";
    let mut next = |query: &mut QueryBuilder<DB>, condition: &str| {
        query.push(keyword).push(condition);
        keyword = " AND ";
    };
    if let Some(package) = search.package {
        next(query, "r.package_id = ");
        query.push_bind(package);
    }
    if let Some(requester) = search.requester {
        next(query, "r.requester_id = ");
        query.push_bind(requester);
    }
    if let Some(target) = search.target {
        next(query, "r.target_id = ");
        query.push_bind(target);
    }
    if let Some(after) = search.created_after {
        next(query, "r.created_at >= ");
        query.push_bind(after);
    }
    if let Some(before) = search.created_before {
        next(query, "r.created_at < ");
        query.push_bind(before);
    }
    if let Some(before) = before {
        next(query, "r.id < ");
        query.push_bind(before);
    }
    if let Some(catalogs) = &search.catalogs {
        if catalogs.is_empty() {
            next(query, "1 = 0");
        } else {
            next(query, "p.catalog_id IN ");
            push_ids(query, catalogs);
        }
    }
    if let Some(state) = search.state {
        next(query, "r.state = ");
        query.push_bind(state);
    }
    if let Some(open) = search.open {
        next(
            query,
            if open {
                "r.state IN ("
            } else {
                "r.state NOT IN ("
            },
        );
        let mut separated = query.separated(", ");
        for state in RequestState::ALL
            .into_iter()
            .filter(|state| !state.is_final())
        {
            separated.push_bind(state.as_str());
        }
        separated.push_unseparated(")");
    }
}

/// Requests matching `search`, newest first, after the cursor `before` (an id: ids are
/// time-ordered UUIDv7).
pub async fn search_requests(
    db: &Db,
    search: &RequestSearch,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<RequestRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_REQUEST);
        push_search_clause(&mut query, search, before);
        query.push(" ORDER BY r.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<RequestRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// One line of the request CSV export: the request with its people's usernames.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestExportRow {
    pub id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub catalog_id: Uuid,
    pub policy_name: String,
    #[sqlx(try_from = "&'a str")]
    pub kind: RequestKind,
    #[sqlx(try_from = "&'a str")]
    pub state: RequestState,
    pub requester_id: Option<Uuid>,
    pub requester_username: Option<String>,
    pub target_id: Uuid,
    pub target_username: Option<String>,
    pub justification: Option<String>,
    pub outcome: Option<String>,
    pub ends_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// The export lines of requests matching `search`, newest first.
pub async fn export_requests(
    db: &Db,
    search: &RequestSearch,
    limit: u32,
) -> StoreResult<Vec<RequestExportRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(
            "r.id, r.package_id, p.name AS package_name, p.catalog_id, r.policy_name, r.kind, \
             r.state, r.requester_id, ru.username AS requester_username, r.target_id, \
             tu.username AS target_username, r.justification, r.outcome, r.ends_at, \
             r.created_at, r.updated_at",
            "requests r JOIN access_packages p ON p.id = r.package_id \
             LEFT JOIN users ru ON ru.id = r.requester_id \
             LEFT JOIN users tu ON tu.id = r.target_id",
        );
        push_search_clause(&mut query, search, None);
        query.push(" ORDER BY r.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<RequestExportRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// How many requests wait for `user`'s decision.
pub async fn count_awaiting_decision(db: &Db, user: Uuid) -> StoreResult<i64> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM requests r JOIN request_approvers a ON a.request_id = r.id \
         WHERE a.user_id = $1 AND r.state = 'pending_approval'",
    )
    .bind(user)
    .fetch_one(pool)
    .await)?;
    Ok(count)
}

/// Requests time alone moves on at or before `now`: (id, version), soonest first.
pub async fn due_requests(
    db: &Db,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM requests WHERE due_at IS NOT NULL AND due_at <= $1 \
         ORDER BY due_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// The members (`owners` false) or owners of `group`.
pub async fn group_people(db: &Db, group: Uuid, owners: bool) -> StoreResult<Vec<Uuid>> {
    let sql = if owners {
        "SELECT user_id FROM group_owners WHERE group_id = $1"
    } else {
        "SELECT user_id FROM group_members WHERE group_id = $1"
    };
    let rows: Vec<(Uuid,)> =
        on_db!(db, pool => sqlx::query_as(sql).bind(group).fetch_all(pool).await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Which of `ids` are enabled users.
pub async fn enabled_among(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut found = Vec::new();
    for chunk in ids.chunks(500) {
        let rows: Vec<(Uuid,)> = on_db!(db, pool => {
            let mut query = select("id", "users WHERE enabled AND id IN ");
            push_ids(&mut query, chunk);
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(found)
}
