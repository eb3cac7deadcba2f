//! What people may request: the "Available" list and its search.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use uuid::Uuid;

use super::search::{Search, Searched, TextSearch, push_matches};
use super::{Db, StoreResult, on_db, push_ids, select};

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageCardRow {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub catalog_name: String,
    pub name: String,
    pub name_key: String,
    pub description: String,
    /// The caller's active (scheduled or delivered) assignment of the package, and its end.
    pub held_id: Option<Uuid>,
    pub held_until: Option<DateTime<Utc>>,
    /// The caller's oldest open request to get the package.
    pub pending_id: Option<Uuid>,
}

/// The requests still on their way: what "Pending" means to the person who asked.
const OPEN_REQUEST_STATES: &str =
    "('submitted', 'pending_approval', 'waiting', 'scheduled', 'delivering')";

/// Pushes the select list of a [`PackageCardRow`] for `user`, from `p` and `c`. The marks are
/// subqueries through the (package, user) index of assignments and the requests' target index,
/// run for the rows of one page only.
fn push_card_columns<DB: Database>(query: &mut QueryBuilder<DB>, user: Uuid)
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
{
    query
        .push(
            "SELECT p.id, p.catalog_id, c.name AS catalog_name, p.name, p.name_key, p.description, \
             (SELECT a.id FROM assignments a WHERE a.package_id = p.id AND a.user_id = ",
        )
        .push_bind(user)
        .push(
            " AND a.state IN ('scheduled', 'delivered')) AS held_id, \
             (SELECT a.ends_at FROM assignments a WHERE a.package_id = p.id AND a.user_id = ",
        )
        .push_bind(user)
        .push(
            " AND a.state IN ('scheduled', 'delivered')) AS held_until, \
             (SELECT r.id FROM requests r WHERE r.package_id = p.id AND r.target_id = ",
        )
        .push_bind(user)
        .push(" AND r.kind IN ('user_add', 'admin_add') AND r.state IN ")
        .push(OPEN_REQUEST_STATES)
        .push(" ORDER BY r.id LIMIT 1) AS pending_id ");
}

/// The columns of a package that the matches carry.
const MATCH_COLUMNS: &str = "p.id, p.catalog_id, p.name, p.name_key, p.description";

/// Pushes `WITH matches (…) AS MATERIALIZED (…)`: the packages, not hidden, whose name,
/// description or resources match `search`, from the text indexes ([`super::search`]), with
/// the columns a card shows ([`MATCH_COLUMNS`]).
///
/// Each part reaches its packages from the few rows its text index gives, and the matches
/// carry their columns so that nothing joins them back to every package: PostgreSQL plans a
/// prepared statement once for any text, guessing hundreds of matches, and would hash the
/// whole table to join them.
fn push_matches_cte<DB: TextSearch>(query: &mut QueryBuilder<DB>, search: &Search)
where
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    query
        .push("WITH matches (id, catalog_id, name, name_key, description) AS MATERIALIZED (SELECT ")
        .push(MATCH_COLUMNS)
        .push(" FROM access_packages p WHERE NOT p.hidden AND ");
    push_matches(query, Searched::Packages, "p", search);
    // CROSS JOIN: SQLite keeps the order written, from the few matching groups or app
    // roles to their resource roles and packages, instead of scanning every package.
    query.push(" UNION SELECT ").push(MATCH_COLUMNS).push(
        " FROM groups g CROSS JOIN package_resource_roles r CROSS JOIN access_packages p \
             WHERE r.group_id = g.id AND p.id = r.package_id AND NOT p.hidden AND ",
    );
    push_matches(query, Searched::Groups, "g", search);
    query.push(" UNION SELECT ").push(MATCH_COLUMNS).push(
        " FROM app_roles ar JOIN applications a ON a.id = ar.application_id \
             CROSS JOIN package_resource_roles r CROSS JOIN access_packages p \
             WHERE r.app_role_id = ar.id AND p.id = r.package_id AND NOT p.hidden AND (",
    );
    push_matches(query, Searched::Applications, "a", search);
    query
        .push(" OR ar.name_key LIKE ")
        .push_bind(search.pattern().to_string())
        .push(" ESCAPE '\\')) ");
}

/// Whom a list of requestable packages is for.
#[derive(Clone, Copy, Debug)]
pub struct RequestableFor {
    /// The person who would get the packages: the audiences and the marks are theirs.
    pub user: Uuid,
    /// Whether they are a member (a person of the organisation: neither a service account nor
    /// a guest).
    pub is_member: bool,
    /// Whether their manager asks for them: then only policies that let managers request for
    /// their direct reports count.
    pub by_manager: bool,
}

impl RequestableFor {
    /// The packages `user` may request for themselves.
    pub fn themselves(user: Uuid, is_member: bool) -> RequestableFor {
        RequestableFor {
            user,
            is_member,
            by_manager: false,
        }
    }
}

/// How a database reads a flag of a policy's stored definition (JSON text), for the rare
/// list that filters on one.
pub trait PolicyFlags: Database {
    /// The condition that policy `ap` lets managers request for their direct reports. A
    /// definition that predates the flag, or sets it false, does not.
    const MANAGERS_MAY_REQUEST: &'static str;
}

impl PolicyFlags for sqlx::Sqlite {
    const MANAGERS_MAY_REQUEST: &'static str =
        "json_extract(ap.definition, '$.requester.on_behalf_of_direct_reports') = 1";
}

impl PolicyFlags for sqlx::Postgres {
    const MANAGERS_MAY_REQUEST: &'static str =
        "(ap.definition::json -> 'requester' ->> 'on_behalf_of_direct_reports') = 'true'";
}

/// Pushes `FROM … WHERE …`: the packages `who` may request (catalog enabled, package not
/// hidden, an enabled policy whose audience includes them).
fn push_requestable<DB: PolicyFlags>(query: &mut QueryBuilder<DB>, who: &RequestableFor)
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    query.push(
        "FROM access_packages p JOIN catalogs c ON c.id = p.catalog_id \
         WHERE c.enabled AND NOT p.hidden AND EXISTS (SELECT 1 FROM assignment_policies ap \
         WHERE ap.package_id = p.id AND ",
    );
    push_in_audience(query, who);
    query.push(")");
}

/// Pushes the condition that package `p` has an enabled policy whose audience includes
/// `who`, as a count rather than EXISTS: PostgreSQL turns an EXISTS into a semi-join and
/// would hash every policy to check a few matches, while a count stays a subquery run per
/// row, through the policies' package index, for the rows actually reached.
fn push_audience_count<DB: PolicyFlags>(query: &mut QueryBuilder<DB>, who: &RequestableFor)
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    query.push("(SELECT COUNT(*) FROM assignment_policies ap WHERE ap.package_id = p.id AND ");
    push_in_audience(query, who);
    query.push(") > 0");
}

/// Pushes the condition that policy `ap` lets `who` be requested for through it: its
/// audience includes them, and when their manager asks, it lets managers ask.
fn push_in_audience<DB: PolicyFlags>(query: &mut QueryBuilder<DB>, who: &RequestableFor)
where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> bool: Encode<'q, DB> + Type<DB>,
{
    query.push("ap.enabled AND ");
    if who.by_manager {
        query.push(DB::MANAGERS_MAY_REQUEST).push(" AND ");
    }
    query
        .push(
            "(ap.audience = 'all_users' \
             OR (ap.audience = 'all_members' AND ",
        )
        .push_bind(who.is_member)
        .push(
            ") OR (ap.audience = 'specific_users_and_groups' AND EXISTS \
             (SELECT 1 FROM policy_requesters pr WHERE pr.policy_id = ap.id AND (pr.user_id = ",
        )
        .push_bind(who.user)
        .push(" OR pr.group_id IN (SELECT gm.group_id FROM group_members gm WHERE gm.user_id = ")
        .push_bind(who.user)
        .push(")))))");
}

/// Packages that may be requested for `who`, by name: catalog enabled, package not hidden, an
/// enabled policy whose audience includes them (and that lets managers ask, when theirs does). `search` matches the name, description or a
/// resource's name. `after` is the last (name key, id) seen.
///
/// The statement is built for what is asked, rather than with `$n IS NULL OR …` branches, so
/// that each database plans the query it runs. Without a search, the name index is walked and
/// each package checked until the page is full. A search is first the matching packages, from
/// the text indexes ([`push_matches_cte`]), materialised before anything else; those (a few
/// hundred at most for a word) are sorted by name in a subquery, and only then is each checked
/// for its catalog and audience and given its marks, in that order, until the page is full: a
/// few dozen checks instead of one per match. Both databases keep the subquery's order for the
/// outer `ORDER BY` (SQLite since 3.46, PostgreSQL through the subquery's sort keys), so
/// nothing is sorted twice and the `LIMIT` stops the walk; `CROSS JOIN` keeps SQLite from
/// putting the catalogs first.
pub async fn list_available(
    db: &Db,
    who: &RequestableFor,
    search: Option<&str>,
    catalog: Option<Uuid>,
    after: Option<(String, Uuid)>,
    limit: u32,
) -> StoreResult<Vec<PackageCardRow>> {
    let search = search.map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new("");
        match &search {
            Some(search) => {
                push_matches_cte(&mut query, search);
                push_card_columns(&mut query, who.user);
                query
                    .push("FROM (SELECT ")
                    .push(MATCH_COLUMNS)
                    .push(" FROM matches p WHERE TRUE");
                push_page_conditions(&mut query, catalog, after.as_ref());
                // A LIMIT no page reaches keeps SQLite from merging the subquery into the
                // outer query or dropping its ORDER BY as redundant.
                query.push(
                    " ORDER BY p.name_key, p.id LIMIT 9223372036854775807) p \
                     CROSS JOIN catalogs c WHERE c.id = p.catalog_id AND c.enabled AND ",
                );
                push_audience_count(&mut query, who);
            }
            None => {
                push_card_columns(&mut query, who.user);
                push_requestable(&mut query, who);
                push_page_conditions(&mut query, catalog, after.as_ref());
            }
        }
        query.push(" ORDER BY p.name_key, p.id LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<PackageCardRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Pushes ` AND …`: only packages of `catalog` when given, and after `after` (a name key and
/// an id) when given.
fn push_page_conditions<DB: Database>(
    query: &mut QueryBuilder<DB>,
    catalog: Option<Uuid>,
    after: Option<&(String, Uuid)>,
) where
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
    for<'q> String: Encode<'q, DB> + Type<DB>,
{
    if let Some(catalog) = catalog {
        query.push(" AND p.catalog_id = ").push_bind(catalog);
    }
    if let Some((key, id)) = after {
        // A row comparison: both databases use it as the index condition on (name_key, id).
        query
            .push(" AND (p.name_key, p.id) > (")
            .push_bind(key.clone())
            .push(", ")
            .push_bind(*id)
            .push(")");
    }
}

/// The catalogs of the packages that may be requested for `who` (those matching `search`, when
/// given), by name, with how many each holds.
pub async fn count_available_by_catalog(
    db: &Db,
    who: &RequestableFor,
    search: Option<&str>,
) -> StoreResult<Vec<(Uuid, String, i64)>> {
    let search = search.map(Search::new);
    let rows: Vec<(Uuid, String, i64)> = on_db!(db, pool => {
        let mut query = QueryBuilder::new("");
        match &search {
            Some(search) => {
                push_matches_cte(&mut query, search);
                query.push(
                    "SELECT c.id, c.name, COUNT(*) FROM matches p \
                     JOIN catalogs c ON c.id = p.catalog_id WHERE c.enabled AND ",
                );
                push_audience_count(&mut query, who);
            }
            None => {
                query.push("SELECT c.id, c.name, COUNT(*) ");
                push_requestable(&mut query, who);
            }
        }
        query.push(" GROUP BY c.id, c.name ORDER BY c.name, c.id");
        query.build_query_as().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// A package suggested to someone, with what speaks for it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SuggestionRow {
    pub id: Uuid,
    pub catalog_id: Uuid,
    pub catalog_name: String,
    pub name: String,
    pub name_key: String,
    pub description: String,
    /// Other people of their department who hold it.
    pub department_count: i64,
    /// Other people with their manager who hold it.
    pub manager_count: i64,
    /// Their direct reports who hold it.
    pub report_count: i64,
    /// The people of any of those relations who hold it, each counted once.
    pub related_count: i64,
    /// How many of their own assignments of it ended (expired or removed).
    pub past_count: i64,
    /// When their own last assignment of it ended.
    pub held_until: Option<DateTime<Utc>>,
}

/// Who a suggestion is for.
pub struct SuggestionsFor<'a> {
    pub user: Uuid,
    pub is_member: bool,
    pub department: Option<&'a str>,
    pub manager: Option<Uuid>,
}

/// Up to `limit` packages `of.user` may request (the rules of the "Available" list,
/// [`push_requestable`]) but neither holds nor has asked for, that enabled people related to
/// them hold (of their department, with their manager, or reporting to them; never
/// themselves), or that they held before: held by the most related people first, then the
/// most recently ended, then by name.
///
/// One statement: the related people first (through the manager index, and the department),
/// their active assignments counted per package and relation, the caller's ended ones per
/// package, and only the packages so found checked for what they may request.
pub async fn list_suggested(
    db: &Db,
    of: &SuggestionsFor<'_>,
    limit: u32,
) -> StoreResult<Vec<SuggestionRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "WITH related (id, department, peer, report) AS (SELECT u.id, u.department = ",
        );
        query
            .push_bind(of.department)
            .push(", u.manager_id = ")
            .push_bind(of.manager)
            .push(", u.manager_id = ")
            .push_bind(of.user)
            .push(" FROM users u WHERE u.enabled AND u.deleted_at IS NULL AND u.id <> ")
            .push_bind(of.user)
            .push(" AND (u.department = ")
            .push_bind(of.department)
            .push(" OR u.manager_id = ")
            .push_bind(of.manager)
            .push(" OR u.manager_id = ")
            .push_bind(of.user)
            .push(
                ")), \
                 held (package_id, department_count, manager_count, report_count, related_count) AS \
                 (SELECT a.package_id, \
                 SUM(CASE WHEN r.department THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN r.peer THEN 1 ELSE 0 END), \
                 SUM(CASE WHEN r.report THEN 1 ELSE 0 END), COUNT(*) \
                 FROM related r JOIN assignments a ON a.user_id = r.id \
                 WHERE a.state IN ('scheduled', 'delivered') GROUP BY a.package_id), \
                 past (package_id, past_count, held_until) AS \
                 (SELECT a.package_id, COUNT(*), MAX(a.ended_at) FROM assignments a \
                 WHERE a.state IN ('expired', 'removed') AND a.ended_at IS NOT NULL AND a.user_id = ",
            )
            .push_bind(of.user)
            .push(
                " GROUP BY a.package_id) \
                 SELECT s.id, s.catalog_id, s.catalog_name, s.name, s.name_key, s.description, \
                 COALESCE(h.department_count, 0) AS department_count, \
                 COALESCE(h.manager_count, 0) AS manager_count, \
                 COALESCE(h.report_count, 0) AS report_count, \
                 COALESCE(h.related_count, 0) AS related_count, \
                 COALESCE(pa.past_count, 0) AS past_count, pa.held_until \
                 FROM (SELECT p.id, p.catalog_id, c.name AS catalog_name, p.name, p.name_key, \
                 p.description ",
            );
        push_requestable(&mut query, &RequestableFor::themselves(of.user, of.is_member));
        query
            .push(
                " AND p.id IN (SELECT package_id FROM held UNION SELECT package_id FROM past) \
                 AND NOT EXISTS (SELECT 1 FROM assignments a WHERE a.package_id = p.id \
                 AND a.state IN ('scheduled', 'delivered') AND a.user_id = ",
            )
            .push_bind(of.user)
            .push(") AND NOT EXISTS (SELECT 1 FROM requests r WHERE r.package_id = p.id AND r.target_id = ")
            .push_bind(of.user)
            .push(" AND r.kind IN ('user_add', 'admin_add') AND r.state IN ")
            .push(OPEN_REQUEST_STATES)
            // Booleans sort false first on both databases: ended ones before never held.
            .push(
                ")) s LEFT JOIN held h ON h.package_id = s.id \
                 LEFT JOIN past pa ON pa.package_id = s.id \
                 ORDER BY related_count DESC, pa.held_until IS NULL, pa.held_until DESC, \
                 s.name_key, s.id LIMIT ",
            )
            .push_bind(i64::from(limit));
        query.build_query_as::<SuggestionRow>().fetch_all(pool).await
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
                    held_id: None,
                    held_until: None,
                    pending_id: None,
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
