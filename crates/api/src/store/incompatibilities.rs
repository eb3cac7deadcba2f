//! Separation of duties: the packages and groups an access package is incompatible with.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::{Db, StoreError, StoreResult, Tx, on_db};

/// What a package can be incompatible with; each kind has its own table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Incompatible {
    Package,
    Group,
}

impl Incompatible {
    fn insert_sql(self) -> &'static str {
        match self {
            Incompatible::Package => {
                "INSERT INTO package_incompatible_packages (package_id, incompatible_package_id, \
                 added_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (package_id, incompatible_package_id) DO NOTHING"
            }
            Incompatible::Group => {
                "INSERT INTO package_incompatible_groups (package_id, group_id, added_at) \
                 VALUES ($1, $2, $3) ON CONFLICT (package_id, group_id) DO NOTHING"
            }
        }
    }

    fn delete_sql(self) -> &'static str {
        match self {
            Incompatible::Package => {
                "DELETE FROM package_incompatible_packages WHERE package_id = $1 \
                 AND incompatible_package_id = $2"
            }
            Incompatible::Group => {
                "DELETE FROM package_incompatible_groups WHERE package_id = $1 AND group_id = $2"
            }
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageSummaryRow {
    pub id: Uuid,
    pub name: String,
    pub catalog_id: Uuid,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GroupSummaryRow {
    pub id: Uuid,
    pub name: String,
}

/// The packages `package` lists as incompatible, by name.
pub async fn list_incompatible_packages(
    db: &Db,
    package: Uuid,
) -> StoreResult<Vec<PackageSummaryRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, PackageSummaryRow>(
        "SELECT p.id, p.name, p.catalog_id FROM package_incompatible_packages i \
         JOIN access_packages p ON p.id = i.incompatible_package_id \
         WHERE i.package_id = $1 ORDER BY p.name_key, p.id",
    )
    .bind(package)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// The packages that list `package` as incompatible, by name.
pub async fn list_packages_incompatible_with(
    db: &Db,
    package: Uuid,
) -> StoreResult<Vec<PackageSummaryRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, PackageSummaryRow>(
        "SELECT p.id, p.name, p.catalog_id FROM package_incompatible_packages i \
         JOIN access_packages p ON p.id = i.package_id \
         WHERE i.incompatible_package_id = $1 ORDER BY p.name_key, p.id",
    )
    .bind(package)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// The groups `package` lists as incompatible, by name.
pub async fn list_incompatible_groups(db: &Db, package: Uuid) -> StoreResult<Vec<GroupSummaryRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, GroupSummaryRow>(
        "SELECT g.id, g.name FROM package_incompatible_groups i \
         JOIN groups g ON g.id = i.group_id \
         WHERE i.package_id = $1 ORDER BY g.name_key, g.id",
    )
    .bind(package)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Records that `package` is incompatible with `other`, once: adding a recorded relation
/// changes nothing and writes no event. A package or group deleted meanwhile is
/// [`StoreError::MissingReference`].
pub async fn insert_incompatibility(
    db: &Db,
    kind: Incompatible,
    package: Uuid,
    other: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let inserted = sqlx::query(kind.insert_sql())
            .bind(package)
            .bind(other)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if inserted == 1 {
            insert_audit_event(&mut *conn, &audit()).await?;
        }
        Ok::<_, StoreError>(inserted == 1)
    });
    tx.commit_if_ok(out).await
}

/// Removes a relation; removing one not recorded changes nothing and writes no event.
pub async fn delete_incompatibility(
    db: &Db,
    kind: Incompatible,
    package: Uuid,
    other: Uuid,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let deleted = sqlx::query(kind.delete_sql())
            .bind(package)
            .bind(other)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if deleted == 1 {
            insert_audit_event(&mut *conn, &audit()).await?;
        }
        Ok::<_, StoreError>(deleted == 1)
    });
    tx.commit_if_ok(out).await
}
