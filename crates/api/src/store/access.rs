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

/// A policy `ap` lets user `$1` (of kind `$2`) request through it.
const IN_AUDIENCE: &str = "ap.enabled AND (ap.audience = 'all_users' \
     OR (ap.audience = 'all_members' AND $2 = 'person') \
     OR (ap.audience = 'specific_users_and_groups' AND EXISTS (SELECT 1 FROM policy_requesters pr \
         WHERE pr.policy_id = ap.id AND (pr.user_id = $1 OR pr.group_id IN \
         (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = $1)))))";

/// Packages `user` may request, by name: catalog enabled, package not hidden, an enabled
/// policy whose audience includes them. `search` (lowercase) matches the name, description or
/// a resource's name. `after` is the last (name key, id) seen.
pub async fn list_available(
    db: &Db,
    user: Uuid,
    kind: &str,
    search: Option<&str>,
    after: Option<(String, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<PackageCardRow>> {
    let pattern = search.map(|s| format!("%{}%", super::escape_like(&s.to_lowercase())));
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT p.id, p.catalog_id, c.name AS catalog_name, p.name, p.name_key, p.description \
         FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id \
         WHERE c.enabled AND NOT p.hidden \
         AND EXISTS (SELECT 1 FROM assignment_policies ap WHERE ap.package_id = p.id \
             AND {IN_AUDIENCE}) \
         AND ($3 IS NULL OR p.name_key LIKE $3 ESCAPE '\\' \
             OR LOWER(p.description) LIKE $3 ESCAPE '\\' \
             OR EXISTS (SELECT 1 FROM package_resource_roles r \
                 LEFT JOIN groups g ON g.id = r.group_id \
                 LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
                 LEFT JOIN applications a ON a.id = ar.application_id \
                 WHERE r.package_id = p.id AND (g.name_key LIKE $3 ESCAPE '\\' \
                     OR a.name_key LIKE $3 ESCAPE '\\' OR ar.name_key LIKE $3 ESCAPE '\\'))) \
         AND ($4 IS NULL OR p.name_key > $4 OR (p.name_key = $4 AND p.id > $5)) \
         ORDER BY p.name_key, p.id LIMIT {limit}"
    ));
    let (after_key, after_id) = match after {
        Some((key, id)) => (Some(key), Some(id)),
        None => (None, None),
    };
    let rows = on_db!(db, pool => sqlx::query_as::<_, PackageCardRow>(sql)
        .bind(user)
        .bind(kind)
        .bind(pattern.as_deref())
        .bind(after_key.as_deref())
        .bind(after_id)
        .fetch_all(pool)
        .await)?;
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
        let placeholders: Vec<String> = (1..=chunk.len()).map(|n| format!("${n}")).collect();
        let sql = sqlx::AssertSqlSafe(format!(
            "SELECT r.package_id, CASE r.kind WHEN 'group_member' THEN 'Member of ' || g.name \
             WHEN 'group_owner' THEN 'Owner of ' || g.name ELSE a.name || ': ' || ar.name END \
             FROM package_resource_roles r LEFT JOIN groups g ON g.id = r.group_id \
             LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
             LEFT JOIN applications a ON a.id = ar.application_id \
             WHERE r.package_id IN ({}) ORDER BY 2",
            placeholders.join(", ")
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
