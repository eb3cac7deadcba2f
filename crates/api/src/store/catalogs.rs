//! Catalogs, their delegated roles and resources, and the catalog-creator global role.

use chrono::{DateTime, Utc};
use tessera_domain::catalog::ResourceKind;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::{Conn, Db, StoreError, StoreResult, Tx, escape_like, on_db, select};

const CATALOG_COLUMNS: &str =
    "id, name, name_key, description, enabled, created_at, updated_at, version";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CatalogRow {
    pub id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

pub struct NewCatalogRecord {
    pub id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub enabled: bool,
    /// Made the first owner in the same transaction.
    pub first_owner: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// Reads catalog `id` through `conn`.
async fn fetch_catalog<'c>(conn: impl Into<Conn<'c>>, id: Uuid) -> StoreResult<Option<CatalogRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(CATALOG_COLUMNS, "catalogs WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<CatalogRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub async fn insert_catalog(
    db: &Db,
    record: &NewCatalogRecord,
    audit: impl FnOnce(&CatalogRow) -> AuditEvent,
) -> StoreResult<CatalogRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO catalogs (id, name, name_key, description, enabled, created_at, \
             updated_at, version) VALUES ($1, $2, $3, $4, $5, $6, $6, 1)",
        )
        .bind(record.id)
        .bind(&record.name)
        .bind(&record.name_key)
        .bind(&record.description)
        .bind(record.enabled)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        if let Some(owner) = record.first_owner {
            sqlx::query(
                "INSERT INTO catalog_role_assignments (catalog_id, user_id, role, granted_at) \
                 VALUES ($1, $2, 'owner', $3)",
            )
            .bind(record.id)
            .bind(owner)
            .bind(record.now)
            .execute(&mut *conn)
            .await?;
        }
        let row = fetch_catalog(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_catalog(db: &Db, id: Uuid) -> StoreResult<Option<CatalogRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(CATALOG_COLUMNS, "catalogs WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<CatalogRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Catalogs ordered by name (case-insensitively), after `after` (a `name_key`), optionally
/// only those where `member` holds a role, optionally whose name contains `search`.
pub async fn list_catalogs(
    db: &Db,
    member: Option<Uuid>,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<CatalogRow>> {
    let pattern = search.map(|s| format!("%{}%", escape_like(&s.to_lowercase())));
    let rows = on_db!(db, pool => {
        let mut query = select(CATALOG_COLUMNS, "catalogs c WHERE TRUE");
        if let Some(member) = member {
            query
                .push(
                    " AND EXISTS (SELECT 1 FROM catalog_role_assignments r \
                     WHERE r.catalog_id = c.id AND r.user_id = ",
                )
                .push_bind(member)
                .push(")");
        }
        if let Some(pattern) = &pattern {
            query
                .push(" AND c.name_key LIKE ")
                .push_bind(pattern.as_str())
                .push(" ESCAPE '\\'");
        }
        if let Some(after) = after {
            query.push(" AND c.name_key > ").push_bind(after);
        }
        query.push(" ORDER BY c.name_key LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<CatalogRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

pub struct CatalogUpdate {
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub enabled: bool,
}

/// Compare-and-set update with its audit event.
pub async fn transition_catalog(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    update: &CatalogUpdate,
    now: DateTime<Utc>,
    audit: impl FnOnce(&CatalogRow) -> AuditEvent,
) -> StoreResult<CatalogRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE catalogs SET name = $1, name_key = $2, description = $3, enabled = $4, \
             updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7",
        )
        .bind(&update.name)
        .bind(&update.name_key)
        .bind(&update.description)
        .bind(update.enabled)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_catalog(&mut *conn, id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Why a catalog could not be deleted.
#[derive(Debug)]
pub enum DeleteCatalog {
    Deleted,
    NotFound,
    HasPackages(i64),
}

/// Deletes a catalog that holds no access packages, with its roles and resources. The foreign
/// key from packages (RESTRICT) backs the count up against a package created meanwhile.
pub async fn delete_catalog(
    db: &Db,
    id: Uuid,
    audit: impl FnOnce(&CatalogRow) -> AuditEvent,
) -> StoreResult<DeleteCatalog> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_catalog(&mut *conn, id).await? else {
            return Ok(DeleteCatalog::NotFound);
        };
        let (packages,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM access_packages WHERE catalog_id = $1")
                .bind(id)
                .fetch_one(&mut *conn)
                .await?;
        if packages > 0 {
            return Ok(DeleteCatalog::HasPackages(packages));
        }
        sqlx::query("DELETE FROM catalogs WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(DeleteCatalog::Deleted)
    });
    tx.commit_if_ok(out).await
}

/// The roles `user` holds in `catalog`, as stored strings.
pub async fn list_roles_of(db: &Db, catalog: Uuid, user: Uuid) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT role FROM catalog_role_assignments WHERE catalog_id = $1 AND user_id = $2 \
         ORDER BY role",
    )
    .bind(catalog)
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(role,)| role).collect())
}

/// Every catalog role `user` holds, as (catalog, role) pairs.
pub async fn list_roles_of_user(db: &Db, user: Uuid) -> StoreResult<Vec<(Uuid, String)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT catalog_id, role FROM catalog_role_assignments WHERE user_id = $1",
    )
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RoleHolderRow {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: String,
    pub granted_at: DateTime<Utc>,
}

pub async fn list_role_holders(db: &Db, catalog: Uuid) -> StoreResult<Vec<RoleHolderRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, RoleHolderRow>(
        "SELECT r.user_id, u.username, u.display_name, r.role, r.granted_at \
         FROM catalog_role_assignments r JOIN users u ON u.id = r.user_id \
         WHERE r.catalog_id = $1 ORDER BY r.role, u.username",
    )
    .bind(catalog)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Grants a role once; granting a held role changes nothing and writes no event.
pub async fn grant_role(
    db: &Db,
    catalog: Uuid,
    user: Uuid,
    role: &'static str,
    now: DateTime<Utc>,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let inserted = sqlx::query(
            "INSERT INTO catalog_role_assignments (catalog_id, user_id, role, granted_at) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (catalog_id, user_id, role) DO NOTHING",
        )
        .bind(catalog)
        .bind(user)
        .bind(role)
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

/// Revokes a role; revoking one not held changes nothing and writes no event.
pub async fn revoke_role(
    db: &Db,
    catalog: Uuid,
    user: Uuid,
    role: &'static str,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let deleted = sqlx::query(
            "DELETE FROM catalog_role_assignments WHERE catalog_id = $1 AND user_id = $2 \
             AND role = $3",
        )
        .bind(catalog)
        .bind(user)
        .bind(role)
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

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ResourceRow {
    #[sqlx(try_from = "&'a str")]
    pub kind: ResourceKind,
    pub id: Uuid,
    pub name: String,
    pub added_at: DateTime<Utc>,
}

pub async fn list_resources(db: &Db, catalog: Uuid) -> StoreResult<Vec<ResourceRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, ResourceRow>(
        "SELECT 'group' AS kind, g.id AS id, g.name AS name, r.added_at AS added_at \
         FROM catalog_resources r JOIN groups g ON g.id = r.group_id WHERE r.catalog_id = $1 \
         UNION ALL \
         SELECT 'application' AS kind, a.id AS id, a.name AS name, r.added_at AS added_at \
         FROM catalog_resources r JOIN applications a ON a.id = r.application_id \
         WHERE r.catalog_id = $1 ORDER BY kind DESC, name",
    )
    .bind(catalog)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// The name of the group or application, if it exists.
pub async fn find_resource_name(
    db: &Db,
    kind: ResourceKind,
    id: Uuid,
) -> StoreResult<Option<String>> {
    let sql = match kind {
        ResourceKind::Group => "SELECT name FROM groups WHERE id = $1",
        ResourceKind::Application => "SELECT name FROM applications WHERE id = $1",
    };
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as(sql)
        .bind(id)
        .fetch_optional(pool)
        .await)?;
    Ok(row.map(|(name,)| name))
}

pub async fn is_group_owner(db: &Db, group: Uuid, user: Uuid) -> StoreResult<bool> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(*) FROM group_owners WHERE group_id = $1 AND user_id = $2",
    )
    .bind(group)
    .bind(user)
    .fetch_one(pool)
    .await)?;
    Ok(count > 0)
}

/// Adds a resource; one already in the catalog is [`StoreError::Duplicate`].
pub async fn insert_resource(
    db: &Db,
    catalog: Uuid,
    kind: ResourceKind,
    id: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<()> {
    let (group, application) = match kind {
        ResourceKind::Group => (Some(id), None),
        ResourceKind::Application => (None, Some(id)),
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO catalog_resources (catalog_id, group_id, application_id, added_at) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(catalog)
        .bind(group)
        .bind(application)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        insert_audit_event(&mut *conn, &audit()).await?;
        Ok::<_, StoreError>(())
    });
    tx.commit_if_ok(out).await
}

#[derive(Debug)]
pub enum RemoveResource {
    Removed,
    NotInCatalog,
}

/// Removes a resource from a catalog once `guard` found the packages and policies of the
/// catalog using it to be the ones the caller saw. When `strip` (the caller cascades), the
/// catalog's packages stop granting its roles first, and their holders lose those roles unless
/// another of their assignments grants them.
pub async fn delete_resource(
    db: &Db,
    catalog: Uuid,
    kind: ResourceKind,
    id: Uuid,
    guard: &super::usage::UsageGuard<'_>,
    strip: bool,
    audit: impl FnOnce() -> AuditEvent,
) -> StoreResult<RemoveResource> {
    use super::assignments::RoleTable;
    let (present, delete, roles) = match kind {
        ResourceKind::Group => (
            "SELECT COUNT(*) FROM catalog_resources WHERE catalog_id = $1 AND group_id = $2",
            "DELETE FROM catalog_resources WHERE catalog_id = $1 AND group_id = $2",
            "SELECT r.id, r.package_id, r.kind, COALESCE(r.group_id, r.app_role_id) \
             FROM package_resource_roles r JOIN access_packages p ON p.id = r.package_id \
             WHERE p.catalog_id = $1 AND r.group_id = $2",
        ),
        ResourceKind::Application => (
            "SELECT COUNT(*) FROM catalog_resources WHERE catalog_id = $1 AND application_id = $2",
            "DELETE FROM catalog_resources WHERE catalog_id = $1 AND application_id = $2",
            "SELECT r.id, r.package_id, r.kind, COALESCE(r.group_id, r.app_role_id) \
             FROM package_resource_roles r JOIN access_packages p ON p.id = r.package_id \
             JOIN app_roles ar ON ar.id = r.app_role_id \
             WHERE p.catalog_id = $1 AND ar.application_id = $2",
        ),
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let (present,): (i64,) = sqlx::query_as(present)
        .bind(catalog)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        if present == 0 {
            return Ok(RemoveResource::NotInCatalog);
        }
        super::usage::guard_usage(&mut *conn, guard).await?;
        if strip {
            let granted: Vec<(Uuid, Uuid, String, Uuid)> =
                sqlx::query_as(roles)
                    .bind(catalog)
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
            for (role, package, kind, resource) in granted {
                sqlx::query("DELETE FROM package_resource_roles WHERE id = $1")
                    .bind(role)
                    .execute(&mut *conn)
                    .await?;
                let table = RoleTable::of_kind(super::decode_variant(&kind)?);
                super::assignments::revoke_resource_from_assignees(
                    &mut *conn,
                    table,
                    package,
                    Some(resource),
                    Utc::now(),
                ).await?;
            }
        }
        sqlx::query(delete)
            .bind(catalog)
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit()).await?;
        Ok::<_, StoreError>(RemoveResource::Removed)
    });
    tx.commit_if_ok(out).await
}
