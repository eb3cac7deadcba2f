//! What people may request: the "Available" list and its search.

use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::search::{Search, Searched, push_matches};
use super::{Db, StoreResult, on_db, push_ids, select};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageCardRow {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub catalog_name: String,
    pub name: String,
    pub name_key: String,
    pub description: String,
}

/// Pushes the condition that policy `ap` lets `user` request through it; `is_member` says
/// whether they are a member (a person of the organisation: neither a service account nor a
/// guest).
fn push_in_audience<DB: Database>(query: &mut QueryBuilder<DB>, user: Uuid, is_member: bool)
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    query
        .push(
            "ap.enabled AND (ap.audience = 'all_users' \
             OR (ap.audience = 'all_members' AND ",
        )
        .push_bind(is_member)
        .push(
            ") OR (ap.audience = 'specific_users_and_groups' AND EXISTS \
             (SELECT 1 FROM policy_requesters pr WHERE pr.policy_id = ap.id AND (pr.user_id = ",
        )
        .push_bind(user)
        .push(" OR pr.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ")
        .push_bind(user)
        .push(")))))");
}

/// Packages `user` may request, by name: catalog enabled, package not hidden, an enabled
/// policy whose audience includes them. `search` matches the name, description or a
/// resource's name. `after` is the last (name key, id) seen.
///
/// The statement is built for what is asked, rather than with `$n IS NULL OR …` branches, so
/// that each database plans the query it runs. A search is first the set of matching package
/// ids, from the text indexes ([`super::search`]), materialised before anything else: the few
/// matches are then checked and sorted, instead of the name index being walked and every
/// package tested until a page is full.
pub async fn list_available(
    db: &Db,
    user: Uuid,
    is_member: bool,
    search: Option<&str>,
    after: Option<(String, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<PackageCardRow>> {
    let search = search.map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new("");
        if let Some(search) = &search {
            query.push("WITH matches (id) AS MATERIALIZED (SELECT p.id FROM access_packages p WHERE ");
            push_matches(&mut query, Searched::Packages, "p", search);
            query.push(
                " UNION SELECT r.package_id FROM package_resource_roles r \
                 JOIN groups g ON g.id = r.group_id WHERE ",
            );
            push_matches(&mut query, Searched::Groups, "g", search);
            // From the (few) app roles to the resource roles naming them: SQLite keeps the
            // order of a CROSS JOIN, instead of scanning every resource role.
            query.push(
                " UNION SELECT r.package_id FROM app_roles ar \
                 JOIN applications a ON a.id = ar.application_id \
                 CROSS JOIN package_resource_roles r WHERE r.app_role_id = ar.id AND (",
            );
            push_matches(&mut query, Searched::Applications, "a", search);
            query
                .push(" OR ar.name_key LIKE ")
                .push_bind(search.pattern().to_string())
                .push(" ESCAPE '\\')) ");
        }
        query.push(
            "SELECT p.id, p.catalog_id, c.name AS catalog_name, p.name, p.name_key, p.description \
             FROM ",
        );
        if search.is_some() {
            // A count rather than EXISTS: PostgreSQL turns an EXISTS into a semi-join and
            // would hash every policy to check a few hundred matches, while a count stays a
            // subquery run per match through the policies' package index.
            query.push(
                "matches m JOIN access_packages p ON p.id = m.id \
                 JOIN catalogs c ON c.id = p.catalog_id WHERE c.enabled AND NOT p.hidden \
                 AND (SELECT COUNT(*) FROM assignment_policies ap WHERE ap.package_id = p.id AND ",
            );
            push_in_audience(&mut query, user, is_member);
            query.push(") > 0");
        } else {
            query.push(
                "access_packages p JOIN catalogs c ON c.id = p.catalog_id \
                 WHERE c.enabled AND NOT p.hidden AND EXISTS (SELECT 1 FROM assignment_policies ap \
                 WHERE ap.package_id = p.id AND ",
            );
            push_in_audience(&mut query, user, is_member);
            query.push(")");
        }
        if let Some((key, id)) = &after {
            // A row comparison: both databases use it as the index condition on (name_key, id).
            query
                .push(" AND (p.name_key, p.id) > (")
                .push_bind(key.as_str())
                .push(", ")
                .push_bind(*id)
                .push(")");
        }
        query.push(" ORDER BY p.name_key, p.id LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<PackageCardRow>().fetch_all(pool).await
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
        let rows: Vec<(Uuid, String)> = on_db!(db, pool => {
            let mut query = select(
                "r.package_id, CASE r.kind WHEN 'group_member' THEN 'Member of ' || g.name \
                 WHEN 'group_owner' THEN 'Owner of ' || g.name ELSE a.name || ': ' || ar.name END",
                "package_resource_roles r LEFT JOIN groups g ON g.id = r.group_id \
                 LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
                 LEFT JOIN applications a ON a.id = ar.application_id WHERE r.package_id IN ",
            );
            push_ids(&mut query, chunk);
            query.push(" ORDER BY 2");
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    Ok(found)
}
