//! Assignment policies. A policy's definition is stored as JSON and validated again whenever it
//! is read, so a stored policy always satisfies the rules of the running version.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::assignments::count_active_assignments;
use super::audit::{AuditEvent, insert_audit_event};
use super::{Conn, Db, DeleteOutcome, StoreError, StoreResult, Tx, on_db, push_ids, select};

const POLICY_COLUMNS: &str =
    "id, package_id, name, enabled, definition, created_at, updated_at, version";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PolicyRow {
    pub id: Uuid,
    pub package_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub definition: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Reads policy `id` of package `package` through `conn`.
async fn fetch_policy<'c>(
    conn: impl Into<Conn<'c>>,
    package: Uuid,
    id: Uuid,
) -> StoreResult<Option<PolicyRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(POLICY_COLUMNS, "assignment_policies WHERE id = ");
        query.push_bind(id).push(" AND package_id = ").push_bind(package);
        query.build_query_as::<PolicyRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub struct PolicyRecord {
    pub id: Uuid,
    pub package_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub definition: String,
    /// Who may request, copied out of the definition so that "what may I request" is a query:
    /// `specific_users_and_groups`, `all_members`, `all_users` or `nobody`.
    pub audience: &'static str,
    /// The users and groups named, for `specific_users_and_groups`.
    pub requester_users: Vec<Uuid>,
    pub requester_groups: Vec<Uuid>,
    pub now: DateTime<Utc>,
}

/// Writes the queryable copy of a policy's audience through `conn`.
async fn write_audience<'c>(conn: impl Into<Conn<'c>>, record: &PolicyRecord) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        sqlx::query("UPDATE assignment_policies SET audience = $1 WHERE id = $2")
            .bind(record.audience)
            .bind(record.id)
            .execute(&mut *conn)
            .await?;
        sqlx::query("DELETE FROM policy_requesters WHERE policy_id = $1")
            .bind(record.id)
            .execute(&mut *conn)
            .await?;
        for user in &record.requester_users {
            sqlx::query("INSERT INTO policy_requesters (policy_id, user_id) VALUES ($1, $2)")
                .bind(record.id)
                .bind(*user)
                .execute(&mut *conn)
                .await?;
        }
        for group in &record.requester_groups {
            sqlx::query("INSERT INTO policy_requesters (policy_id, group_id) VALUES ($1, $2)")
                .bind(record.id)
                .bind(*group)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}

pub async fn insert_policy(
    db: &Db,
    record: &PolicyRecord,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<PolicyRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO assignment_policies (id, package_id, name, enabled, definition, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $6, 1)",
        )
        .bind(record.id)
        .bind(record.package_id)
        .bind(&record.name)
        .bind(record.enabled)
        .bind(&record.definition)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        write_audience(&mut *conn, record).await?;
        let row = fetch_policy(&mut *conn, record.package_id, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_policy(db: &Db, package: Uuid, id: Uuid) -> StoreResult<Option<PolicyRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(POLICY_COLUMNS, "assignment_policies WHERE id = ");
        query.push_bind(id).push(" AND package_id = ").push_bind(package);
        query.build_query_as::<PolicyRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// A package's policies, oldest first.
pub async fn list_policies(db: &Db, package: Uuid) -> StoreResult<Vec<PolicyRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(POLICY_COLUMNS, "assignment_policies WHERE package_id = ");
        query.push_bind(package).push(" ORDER BY id");
        query.build_query_as::<PolicyRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Replaces a policy's definition if it is still at `seen_version`.
pub async fn transition_policy(
    db: &Db,
    record: &PolicyRecord,
    seen_version: i64,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<PolicyRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE assignment_policies SET name = $1, enabled = $2, definition = $3, \
             updated_at = $4, version = version + 1 \
             WHERE id = $5 AND package_id = $6 AND version = $7",
        )
        .bind(&record.name)
        .bind(record.enabled)
        .bind(&record.definition)
        .bind(record.now)
        .bind(record.id)
        .bind(record.package_id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        write_audience(&mut *conn, record).await?;
        let row = fetch_policy(&mut *conn, record.package_id, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a policy no active assignment or open request follows.
pub async fn delete_policy(
    db: &Db,
    package: Uuid,
    id: Uuid,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<DeleteOutcome> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_policy(&mut *conn, package, id).await? else {
            return Ok(DeleteOutcome::NotFound);
        };
        let active = count_active_assignments(&mut *conn, id).await?;
        let (open,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM requests WHERE policy_id = $1 \
             AND state IN ('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering')",
        )
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        if active + open > 0 {
            return Ok(DeleteOutcome::InUse(active + open));
        }
        sqlx::query("DELETE FROM assignment_policies WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(DeleteOutcome::Deleted)
    });
    tx.commit_if_ok(out).await
}

/// Which of `users` exist.
pub async fn existing_users(db: &Db, users: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    existing(db, "users", users).await
}

/// Which of `groups` exist.
pub async fn existing_groups(db: &Db, groups: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    existing(db, "groups", groups).await
}

async fn existing(db: &Db, table: &'static str, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut found = Vec::new();
    // Policies name at most a few hundred ids; chunks keep each statement's parameters bounded.
    for chunk in ids.chunks(100) {
        let rows: Vec<(Uuid,)> = on_db!(db, pool => {
            let mut query = select("id", table);
            query.push(" WHERE id IN ");
            push_ids(&mut query, chunk);
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(found)
}

/// The groups whose membership or ownership `package` grants.
pub async fn package_groups(db: &Db, package: Uuid) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT DISTINCT group_id FROM package_resource_roles \
         WHERE package_id = $1 AND group_id IS NOT NULL",
    )
    .bind(package)
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}
