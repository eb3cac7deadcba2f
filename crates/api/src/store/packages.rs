//! Access packages and the resource roles they grant.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use tessera_domain::package::ResourceRoleKind;
use uuid::Uuid;

use super::assignments::{
    RoleTable, grant_role_to_assignees, revoke_package_roles, revoke_resource_from_assignees,
};
use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::{NewNotification, insert_notification};
use super::search::{Search, Searched, push_matches};
use super::{Conn, Db, DeleteOutcome, StoreError, StoreResult, Tx, on_db, push_ids, select};

const PACKAGE_COLUMNS: &str =
    "id, catalog_id, name, name_key, description, hidden, created_at, updated_at, version";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageRow {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub hidden: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Reads the package `id` through `conn`.
async fn fetch_package<'c>(conn: impl Into<Conn<'c>>, id: Uuid) -> StoreResult<Option<PackageRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(PACKAGE_COLUMNS, "access_packages WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<PackageRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub struct NewPackageRecord {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub hidden: bool,
    pub now: DateTime<Utc>,
}

pub async fn insert_package(
    db: &Db,
    record: &NewPackageRecord,
    audit: impl FnOnce(&PackageRow) -> AuditEvent,
) -> StoreResult<PackageRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO access_packages (id, catalog_id, name, name_key, description, hidden, \
             created_at, updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 1)",
        )
        .bind(record.id)
        .bind(record.catalog_id)
        .bind(&record.name)
        .bind(&record.name_key)
        .bind(&record.description)
        .bind(record.hidden)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        let row = fetch_package(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_package(db: &Db, id: Uuid) -> StoreResult<Option<PackageRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(PACKAGE_COLUMNS, "access_packages WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<PackageRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// A catalog's packages by name, after `after` (a `name_key`), optionally only those whose
/// name or description contains `search` (ignoring case).
pub async fn list_packages(
    db: &Db,
    catalog: Uuid,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<PackageRow>> {
    let search = search.map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = select(PACKAGE_COLUMNS, "access_packages WHERE catalog_id = ");
        query.push_bind(catalog);
        if let Some(after) = after {
            query.push(" AND name_key > ").push_bind(after);
        }
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, Searched::Packages, "access_packages", search);
        }
        query.push(" ORDER BY name_key LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<PackageRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Packages of `catalogs` (all catalogs when `None`) by name and id, after `after` (a
/// `name_key` and an id), optionally only those whose name or description contains `search`.
pub async fn list_packages_across(
    db: &Db,
    catalogs: Option<&[Uuid]>,
    search: Option<&str>,
    after: Option<(&str, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<PackageRow>> {
    if catalogs.is_some_and(|catalogs| catalogs.is_empty()) {
        return Ok(Vec::new());
    }
    let search = search.map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = select(PACKAGE_COLUMNS, "access_packages WHERE TRUE");
        if let Some((key, id)) = after {
            query
                .push(" AND (name_key > ")
                .push_bind(key)
                .push(" OR (name_key = ")
                .push_bind(key)
                .push(" AND id > ")
                .push_bind(id)
                .push("))");
        }
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, Searched::Packages, "access_packages", search);
        }
        if let Some(catalogs) = catalogs {
            query.push(" AND catalog_id IN ");
            push_ids(&mut query, catalogs);
        }
        query.push(" ORDER BY name_key, id LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<PackageRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// How moving a package to another catalog went.
pub enum MovePackage {
    Moved(Box<PackageRow>),
    /// Resources its roles name that the target catalog lacks: (kind, id, name), by name.
    MissingResources(Vec<(String, Uuid, String)>),
}

/// Moves package `id` (if still at `seen_version`) to catalog `target`, once every group and
/// application its resource roles name is a resource of `target`, checked in the same
/// transaction. A name the target has already is [`StoreError::Duplicate`].
pub async fn move_package(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    target: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce(&PackageRow) -> AuditEvent,
) -> StoreResult<MovePackage> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let missing: Vec<(String, Uuid, String)> = sqlx::query_as(
            "SELECT DISTINCT CASE WHEN r.group_id IS NULL THEN 'application' ELSE 'group' END, \
             COALESCE(r.group_id, ar.application_id), COALESCE(g.name, a.name) \
             FROM package_resource_roles r \
             LEFT JOIN groups g ON g.id = r.group_id \
             LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
             LEFT JOIN applications a ON a.id = ar.application_id \
             WHERE r.package_id = $1 AND NOT EXISTS (SELECT 1 FROM catalog_resources c \
                 WHERE c.catalog_id = $2 \
                 AND (c.group_id = r.group_id OR c.application_id = ar.application_id)) \
             ORDER BY 3, 2",
        )
        .bind(id)
        .bind(target)
        .fetch_all(&mut *conn)
        .await?;
        if !missing.is_empty() {
            return Ok(MovePackage::MissingResources(missing));
        }
        let changed = sqlx::query(
            "UPDATE access_packages SET catalog_id = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4",
        )
        .bind(target)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_package(&mut *conn, id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(MovePackage::Moved(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

pub struct PackageUpdate {
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub hidden: bool,
}

pub async fn transition_package(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    update: &PackageUpdate,
    now: DateTime<Utc>,
    audit: impl FnOnce(&PackageRow) -> AuditEvent,
) -> StoreResult<PackageRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE access_packages SET name = $1, name_key = $2, description = $3, hidden = $4, \
             updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(&update.name)
        .bind(&update.name_key)
        .bind(&update.description)
        .bind(update.hidden)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_package(&mut *conn, id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a package: its active assignments end first (their holders lose what no other
/// assignment grants), then the package goes with its policies, assignments and requests.
/// `audit` receives the package and how many assignments ended; `tell` makes the notification
/// each holder gets.
pub async fn delete_package(
    db: &Db,
    id: Uuid,
    now: DateTime<Utc>,
    tell: impl Fn(&PackageRow, Uuid) -> NewNotification,
    audit: impl FnOnce(&PackageRow, usize) -> AuditEvent,
) -> StoreResult<DeleteOutcome> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_package(&mut *conn, id).await? else {
            return Ok(DeleteOutcome::NotFound);
        };
        // Its holders lose what only this package granted, while its resource roles still say
        // what that is; their assignments and open requests then go with the package.
        let holders: Vec<(Uuid,)> = sqlx::query_as(
            "SELECT user_id FROM assignments WHERE package_id = $1 \
             AND state IN ('scheduled', 'delivered')",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE assignments SET state = 'removed', ended_at = $2, updated_at = $2, \
             version = version + 1 WHERE package_id = $1 AND state IN ('scheduled', 'delivered')",
        )
        .bind(id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        for (user,) in &holders {
            // The assignments go with the package: their operations keep no assignment.
            revoke_package_roles(&mut *conn, id, *user, None, now).await?;
            insert_notification(&mut *conn, &tell(&row, *user)).await?;
        }
        sqlx::query("DELETE FROM access_packages WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row, holders.len())).await?;
        Ok::<_, StoreError>(DeleteOutcome::Deleted)
    });
    tx.commit_if_ok(out).await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResourceRoleRow {
    pub id: Uuid,
    pub package_id: Uuid,
    #[sqlx(try_from = "&'a str")]
    pub kind: ResourceRoleKind,
    pub group_id: Option<Uuid>,
    pub application_id: Option<Uuid>,
    pub app_role_id: Option<Uuid>,
    pub resource_name: String,
    pub role_name: String,
}

const RESOURCE_ROLE_SELECT: &str = "SELECT r.id, r.package_id, r.kind, r.group_id, \
     a.id AS application_id, r.app_role_id, COALESCE(g.name, a.name) AS resource_name, \
     CASE r.kind WHEN 'group_member' THEN 'Member' WHEN 'group_owner' THEN 'Owner' \
     ELSE ar.name END AS role_name \
     FROM package_resource_roles r \
     LEFT JOIN groups g ON g.id = r.group_id \
     LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
     LEFT JOIN applications a ON a.id = ar.application_id";

/// The resource roles of the given packages, ordered by resource and role name.
pub async fn list_resource_roles(
    db: &Db,
    catalog: Uuid,
    packages: &[Uuid],
) -> StoreResult<Vec<ResourceRoleRow>> {
    if packages.is_empty() {
        return Ok(Vec::new());
    }
    // Bounded by the page size (at most 200 packages), so the IN list stays small.
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(RESOURCE_ROLE_SELECT);
        query
            .push(" JOIN access_packages p ON p.id = r.package_id WHERE p.catalog_id = ")
            .push_bind(catalog)
            .push(" AND r.package_id IN ");
        push_ids(&mut query, packages);
        query.push(" ORDER BY resource_name, role_name");
        query.build_query_as::<ResourceRoleRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

pub struct NewResourceRoleRecord {
    pub id: Uuid,
    pub package_id: Uuid,
    pub catalog_id: Uuid,
    pub kind: &'static str,
    pub group_id: Option<Uuid>,
    pub app_role_id: Option<Uuid>,
    pub now: DateTime<Utc>,
}

#[derive(Debug)]
pub enum AddResourceRole {
    Added(Box<ResourceRoleRow>),
    /// The group or the application role's application is not in the package's catalog.
    NotInCatalog,
}

/// Adds a resource role if its resource is in the package's catalog, checked in the same
/// transaction, and grants it to everyone the package is delivered to; a role the package
/// grants already is [`StoreError::Duplicate`].
pub async fn insert_resource_role(
    db: &Db,
    record: &NewResourceRoleRecord,
    audit: impl FnOnce(&ResourceRoleRow) -> AuditEvent,
) -> StoreResult<AddResourceRole> {
    let check = if record.group_id.is_some() {
        "SELECT COUNT(*) FROM catalog_resources WHERE catalog_id = $1 AND group_id = $2"
    } else {
        "SELECT COUNT(*) FROM catalog_resources cr JOIN app_roles ar \
         ON ar.application_id = cr.application_id WHERE cr.catalog_id = $1 AND ar.id = $2"
    };
    let resource = record.group_id.or(record.app_role_id);
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let (count,): (i64,) = sqlx::query_as(check)
            .bind(record.catalog_id)
            .bind(resource)
            .fetch_one(&mut *conn)
            .await?;
        if count == 0 {
            return Ok(AddResourceRole::NotInCatalog);
        }
        sqlx::query(
            "INSERT INTO package_resource_roles (id, package_id, kind, group_id, app_role_id, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(record.id)
        .bind(record.package_id)
        .bind(record.kind)
        .bind(record.group_id)
        .bind(record.app_role_id)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        grant_role_to_assignees(&mut *conn, record.id, record.now).await?;
        let mut query = QueryBuilder::new(RESOURCE_ROLE_SELECT);
        query.push(" WHERE r.id = ").push_bind(record.id);
        let row = query.build_query_as::<ResourceRoleRow>().fetch_one(&mut *conn).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(AddResourceRole::Added(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

/// Removes a resource role, and revokes it from everyone the package is delivered to unless
/// another of their delivered assignments grants it too.
pub async fn delete_resource_role(
    db: &Db,
    package: Uuid,
    id: Uuid,
    audit: impl FnOnce(&ResourceRoleRow) -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut query = QueryBuilder::new(RESOURCE_ROLE_SELECT);
        query
            .push(" WHERE r.id = ")
            .push_bind(id)
            .push(" AND r.package_id = ")
            .push_bind(package);
        let Some(row) = query.build_query_as::<ResourceRoleRow>().fetch_optional(&mut *conn).await?
        else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM package_resource_roles WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        let table = RoleTable::of_kind(row.kind);
        let resource = row.group_id.or(row.app_role_id);
        revoke_resource_from_assignees(&mut *conn, table, package, resource, Utc::now()).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}
