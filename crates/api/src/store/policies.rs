//! Assignment policies. A policy's definition is stored as JSON and validated again whenever it
//! is read, so a stored policy always satisfies the rules of the running version.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::assignments::count_active_assignments;
use super::audit::{AuditEvent, insert_audit_event};
use super::{Db, DeleteOutcome, StoreError, StoreResult, in_transaction, on_db};

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

fn select_policy() -> sqlx::AssertSqlSafe<String> {
    sqlx::AssertSqlSafe(format!(
        "SELECT {POLICY_COLUMNS} FROM assignment_policies WHERE id = $1 AND package_id = $2"
    ))
}

pub struct PolicyRecord {
    pub id: Uuid,
    pub package_id: Uuid,
    pub name: String,
    pub enabled: bool,
    pub definition: String,
    pub now: DateTime<Utc>,
}

pub async fn insert_policy(
    db: &Db,
    record: &PolicyRecord,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<PolicyRow> {
    in_transaction!(db, conn => {
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
        let row = sqlx::query_as::<_, PolicyRow>(select_policy())
            .bind(record.id)
            .bind(record.package_id)
            .fetch_one(&mut *conn)
            .await?;
        insert_audit_event!(&mut *conn, &audit(&row))?;
        Ok::<_, StoreError>(row)
    })
}

pub async fn find_policy(db: &Db, package: Uuid, id: Uuid) -> StoreResult<Option<PolicyRow>> {
    let row = on_db!(db, pool => sqlx::query_as::<_, PolicyRow>(select_policy())
        .bind(id)
        .bind(package)
        .fetch_optional(pool)
        .await)?;
    Ok(row)
}

/// A package's policies, oldest first.
pub async fn list_policies(db: &Db, package: Uuid) -> StoreResult<Vec<PolicyRow>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {POLICY_COLUMNS} FROM assignment_policies WHERE package_id = $1 ORDER BY id"
    ));
    let rows = on_db!(db, pool => sqlx::query_as::<_, PolicyRow>(sql)
        .bind(package)
        .fetch_all(pool)
        .await)?;
    Ok(rows)
}

/// Replaces a policy's definition if it is still at `seen_version`.
pub async fn transition_policy(
    db: &Db,
    record: &PolicyRecord,
    seen_version: i64,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<PolicyRow> {
    in_transaction!(db, conn => {
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
        let row = sqlx::query_as::<_, PolicyRow>(select_policy())
            .bind(record.id)
            .bind(record.package_id)
            .fetch_one(&mut *conn)
            .await?;
        insert_audit_event!(&mut *conn, &audit(&row))?;
        Ok::<_, StoreError>(row)
    })
}

/// Deletes a policy no active assignment follows.
pub async fn delete_policy(
    db: &Db,
    package: Uuid,
    id: Uuid,
    audit: impl FnOnce(&PolicyRow) -> AuditEvent,
) -> StoreResult<DeleteOutcome> {
    in_transaction!(db, conn => {
        let Some(row) = sqlx::query_as::<_, PolicyRow>(select_policy())
            .bind(id)
            .bind(package)
            .fetch_optional(&mut *conn)
            .await?
        else {
            return Ok(DeleteOutcome::NotFound);
        };
        let active = count_active_assignments!(conn, "policy_id", id);
        if active > 0 {
            return Ok(DeleteOutcome::InUse(active));
        }
        sqlx::query("DELETE FROM assignment_policies WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event!(&mut *conn, &audit(&row))?;
        Ok::<_, StoreError>(DeleteOutcome::Deleted)
    })
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
        let placeholders = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT id FROM {table} WHERE id IN ({placeholders})"
        ));
        let rows: Vec<(Uuid,)> = on_db!(db, pool => {
            let mut query = sqlx::query_as(sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
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
