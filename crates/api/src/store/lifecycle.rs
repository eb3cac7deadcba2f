//! What a change of a person does to what they hold and what waits for them: a leaver's
//! assignments end, their open requests close, their approvals and reviews go to others; a
//! mover's manager approvals and reviews follow the new manager.
//!
//! The service plans these writes from what it read (each row with the version it saw), and
//! they are written in the transaction that changes the person ([`super::users`]), or, for the
//! scheduler's safety net, in one transaction of their own. Every write is a compare-and-set:
//! when anything changed since it was read, nothing of the whole change is written and the
//! answer is [`StoreError::Conflict`].

use uuid::Uuid;

use super::assignments::{AssignmentRow, EndAssignment, end_assignment_in};
use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::{NewNotification, insert_notification};
use super::requests::{RequestWrite, update_request_in};
use super::reviews::ItemWrite;
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, select};

/// Builds the audit event of an ended assignment from the row as ended.
pub type AssignmentAudit = Box<dyn FnOnce(&AssignmentRow) -> AuditEvent + Send + Sync>;

/// An assignment to end, with its notifications and audit event.
pub struct AssignmentEnd {
    pub end: EndAssignment,
    pub notes: Vec<NewNotification>,
    pub audit: AssignmentAudit,
}

/// A request transition (closing it, or changing who decides it).
pub struct RequestChange {
    pub id: Uuid,
    pub version: i64,
    pub write: RequestWrite,
    pub notes: Vec<NewNotification>,
    pub audit: AuditEvent,
}

/// Review items of one instance whose reviewers change. The instance's version is
/// compare-and-set and moved on too, so a stage ending at the same time (which rewrites every
/// item's reviewers) and this change cannot both win.
pub struct ReviewerChange {
    pub instance: Uuid,
    pub instance_version: i64,
    /// Each item with who reviews it now.
    pub items: Vec<(ItemWrite, Vec<Uuid>)>,
    pub notes: Vec<NewNotification>,
    pub audit: Vec<AuditEvent>,
}

/// Everything a change of a person does beyond their own row.
#[derive(Default)]
pub struct LifecycleWrites {
    pub assignments: Vec<AssignmentEnd>,
    pub requests: Vec<RequestChange>,
    pub reviews: Vec<ReviewerChange>,
}

impl LifecycleWrites {
    pub fn is_empty(&self) -> bool {
        self.assignments.is_empty() && self.requests.is_empty() && self.reviews.is_empty()
    }
}

/// Writes `writes` inside the caller's transaction; any row changed since it was read makes
/// the whole transaction [`StoreError::Conflict`].
pub(crate) async fn apply_in<'c>(
    conn: impl Into<Conn<'c>>,
    writes: LifecycleWrites,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    for AssignmentEnd { end, notes, audit } in writes.assignments {
        end_assignment_in(&mut conn, &end, &notes, audit).await?;
    }
    for change in writes.requests {
        let audit = change.audit;
        update_request_in(
            &mut conn,
            change.id,
            change.version,
            &change.write,
            None,
            &change.notes,
            move |_| audit,
        )
        .await?;
    }
    for change in writes.reviews {
        write_reviewers(&mut conn, &change).await?;
    }
    Ok(())
}

async fn write_reviewers<'c>(
    conn: impl Into<Conn<'c>>,
    change: &ReviewerChange,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        let changed = sqlx::query(
            "UPDATE review_instances SET version = version + 1 WHERE id = $1 AND version = $2 \
             AND state = 'in_progress'",
        )
        .bind(change.instance)
        .bind(change.instance_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        for (item, reviewers) in &change.items {
            let changed = sqlx::query(
                "UPDATE review_items SET outcome = $1, record = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4 AND instance_id = $5",
            )
            .bind(item.outcome)
            .bind(&item.record)
            .bind(item.id)
            .bind(item.version)
            .bind(change.instance)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
            sqlx::query("DELETE FROM review_item_reviewers WHERE item_id = $1")
                .bind(item.id)
                .execute(&mut *conn)
                .await?;
            for user in reviewers {
                sqlx::query(
                    "INSERT INTO review_item_reviewers (item_id, instance_id, user_id) \
                     VALUES ($1, $2, $3)",
                )
                .bind(item.id)
                .bind(change.instance)
                .bind(*user)
                .execute(&mut *conn)
                .await?;
            }
        }
        for note in &change.notes {
            insert_notification(&mut *conn, note).await?;
        }
        for event in &change.audit {
            insert_audit_event(&mut *conn, event).await?;
        }
        Ok::<_, StoreError>(())
    })
}

/// The scheduler's safety net: writes what a disabled person still held away, in one
/// transaction, if they are still disabled then. Answers whether it wrote; a row changed
/// since it was read is [`StoreError::Conflict`] and nothing is written.
pub async fn apply_to_disabled(db: &Db, user: Uuid, writes: LifecycleWrites) -> StoreResult<bool> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE",
        Db::Sqlite(_) => "",
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        // Locking the person's row (PostgreSQL) keeps a re-enable from landing half-way.
        let mut query = select("enabled", "users WHERE id = ");
        query.push_bind(user).push(lock);
        let enabled: Option<(bool,)> = query.build_query_as().fetch_optional(&mut *conn).await?;
        if enabled.is_none_or(|(enabled,)| enabled) {
            return Ok(false);
        }
        apply_in(&mut *conn, writes).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}

/// Disabled people who still hold something a leaver must not: an active assignment, an
/// open request for them, a request waiting for their approval, or an undecided item of
/// someone else's they review in a review in progress.
pub async fn disabled_holding_something(db: &Db, limit: u32) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT id FROM users u WHERE NOT u.enabled AND ( \
         EXISTS (SELECT 1 FROM assignments a WHERE a.user_id = u.id \
                 AND a.state IN ('scheduled', 'delivered')) \
         OR EXISTS (SELECT 1 FROM requests r WHERE r.target_id = u.id \
                 AND r.state IN ('submitted', 'pending_approval', 'waiting', 'scheduled')) \
         OR EXISTS (SELECT 1 FROM request_approvers ra JOIN requests r ON r.id = ra.request_id \
                 WHERE ra.user_id = u.id AND r.state = 'pending_approval') \
         OR EXISTS (SELECT 1 FROM review_item_reviewers ir \
                 JOIN review_instances i ON i.id = ir.instance_id \
                 JOIN review_items it ON it.id = ir.item_id \
                 WHERE ir.user_id = u.id AND i.state = 'in_progress' AND it.user_id <> u.id \
                 AND it.outcome = 'not_reviewed')) \
         ORDER BY id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// The active assignments of `user`: (id, version).
pub async fn active_assignments_of(db: &Db, user: Uuid) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM assignments WHERE user_id = $1 \
         AND state IN ('scheduled', 'delivered') ORDER BY id",
    )
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// The open requests for `user`: (id, version).
pub async fn open_requests_for(db: &Db, user: Uuid) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM requests WHERE target_id = $1 \
         AND state IN ('submitted', 'pending_approval', 'waiting', 'scheduled') ORDER BY id",
    )
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Requests waiting for `approver`'s decision: their ids. With `target`, only the requests
/// for that person.
pub async fn pending_asking(
    db: &Db,
    approver: Uuid,
    target: Option<Uuid>,
) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_db!(db, pool => {
        let mut query = select(
            "r.id",
            "requests r JOIN request_approvers a ON a.request_id = r.id WHERE a.user_id = ",
        );
        query.push_bind(approver).push(" AND r.state = 'pending_approval'");
        if let Some(target) = target {
            query.push(" AND r.target_id = ").push_bind(target);
        }
        query.push(" ORDER BY r.id");
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Items of reviews in progress that `reviewer` reviews in their current stage, undecided
/// there (an item's outcome so far is its current stage's): (instance, item), by instance.
/// With `person`, only the items reviewing that person's access.
pub async fn items_reviewed_by(
    db: &Db,
    reviewer: Uuid,
    person: Option<Uuid>,
) -> StoreResult<Vec<(Uuid, Uuid)>> {
    let rows = on_db!(db, pool => {
        let mut query = select(
            "ir.instance_id, ir.item_id",
            "review_item_reviewers ir JOIN review_instances i ON i.id = ir.instance_id \
             JOIN review_items it ON it.id = ir.item_id WHERE i.state = 'in_progress' \
             AND it.outcome = 'not_reviewed' AND ir.user_id = ",
        );
        query.push_bind(reviewer);
        if let Some(person) = person {
            query.push(" AND it.user_id = ").push_bind(person);
        }
        query.push(" ORDER BY ir.instance_id, ir.item_id");
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows)
}
