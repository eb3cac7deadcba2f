//! What people may request: the "Available" list and its search.

use uuid::Uuid;

use super::{Db, StoreResult, on_db};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageCardRow {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub catalog_name: String,
    pub name: String,
    pub name_key: String,
    pub description: String,
}

/// A policy `ap` lets user `$1` request through it; `$2` says whether they are a member (a
/// person of the organisation: neither a service account nor a guest).
const IN_AUDIENCE: &str = "ap.enabled AND (ap.audience = 'all_users' \
     OR (ap.audience = 'all_members' AND $2) \
     OR (ap.audience = 'specific_users_and_groups' AND EXISTS (SELECT 1 FROM policy_requesters pr \
         WHERE pr.policy_id = ap.id AND (pr.user_id = $1 OR pr.group_id IN \
         (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = $1)))))";

/// Packages `user` may request, by name: catalog enabled, package not hidden, an enabled
/// policy whose audience includes them. `search` (lowercase) matches the name, description or
/// a resource's name. `after` is the last (name key, id) seen.
///
/// The statement is built for what is asked, rather than with `$n IS NULL OR …` branches, so
/// that each database plans the query it runs; the search is one set of matching package ids
/// (a union of three plain scans), not a subquery per package.
pub async fn list_available(
    db: &Db,
    user: Uuid,
    is_member: bool,
    search: Option<&str>,
    after: Option<(String, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<PackageCardRow>> {
    let pattern = search.map(|s| format!("%{}%", super::escape_like(&s.to_lowercase())));
    let mut conditions = vec![
        "c.enabled".to_string(),
        "NOT p.hidden".to_string(),
        format!(
            "EXISTS (SELECT 1 FROM assignment_policies ap WHERE ap.package_id = p.id AND \
             {IN_AUDIENCE})"
        ),
    ];
    let mut next = 3;
    if pattern.is_some() {
        conditions.push(format!(
            "p.id IN (SELECT id FROM access_packages WHERE name_key LIKE ${next} ESCAPE '\\' \
             OR LOWER(description) LIKE ${next} ESCAPE '\\' \
             UNION SELECT r.package_id FROM package_resource_roles r \
             JOIN groups g ON g.id = r.group_id WHERE g.name_key LIKE ${next} ESCAPE '\\' \
             UNION SELECT r.package_id FROM package_resource_roles r \
             JOIN app_roles ar ON ar.id = r.app_role_id \
             JOIN applications a ON a.id = ar.application_id \
             WHERE a.name_key LIKE ${next} ESCAPE '\\' OR ar.name_key LIKE ${next} ESCAPE '\\')"
        ));
        next += 1;
    }
    if after.is_some() {
        // A row comparison: both databases use it as the index condition on (name_key, id).
        conditions.push(format!("(p.name_key, p.id) > (${next}, ${})", next + 1));
    }
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.catalog_id, c.name AS catalog_name, p.name, p.name_key, p.description \
         FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id \
         WHERE {} ORDER BY p.name_key, p.id LIMIT {limit}",
        conditions.join(" AND ")
    ));
    let rows = on_db!(db, pool => {
        let mut query = sqlx::query_as::<_, PackageCardRow>(sql).bind(user).bind(is_member);
        if let Some(pattern) = &pattern {
            query = query.bind(pattern.clone());
        }
        if let Some((key, id)) = &after {
            query = query.bind(key.clone()).bind(*id);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// One package as a card, whatever its visibility (for a direct link).
pub async fn find_card(db: &Db, package: Uuid) -> StoreResult<Option<(PackageCardRow, bool)>> {
    let row: Option<(Uuid, Uuid, String, String, String, String, bool)> = on_db!(db, pool => sqlx::query_as(
        "SELECT p.id, p.catalog_id, c.name, p.name, p.name_key, p.description, c.enabled \
         FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id WHERE p.id = $1",
    )
    .bind(package)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(
        |(id, catalog_id, catalog_name, name, name_key, description, enabled)| {
            (
                PackageCardRow {
                    id,
                    catalog_id,
                    catalog_name,
                    name,
                    name_key,
                    description,
                },
                enabled,
            )
        },
    ))
}

/// The resource roles of `packages` in words ("Member of Finance", "Ledger: Clerk"), by
/// package.
pub async fn resource_names(db: &Db, packages: &[Uuid]) -> StoreResult<Vec<(Uuid, String)>> {
    let mut found = Vec::new();
    for chunk in packages.chunks(500) {
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT r.package_id, CASE r.kind WHEN 'group_member' THEN 'Member of ' || g.name \
             WHEN 'group_owner' THEN 'Owner of ' || g.name ELSE a.name || ': ' || ar.name END \
             FROM package_resource_roles r LEFT JOIN groups g ON g.id = r.group_id \
             LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
             LEFT JOIN applications a ON a.id = ar.application_id \
             WHERE r.package_id IN ({}) ORDER BY 2",
            super::placeholders(chunk.len())
        ));
        let rows: Vec<(Uuid, String)> = on_db!(db, pool => {
            let mut query = sqlx::query_as(sql);
            for id in chunk {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    Ok(found)
}
