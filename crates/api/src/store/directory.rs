//! Groups and applications (named, described, unique by case-insensitive name), app roles, and
//! the links from them to users: group members, group owners and app role assignees.
//!
//! Groups and applications have the same shape, so one set of statements serves both, with the
//! table chosen by [`Named`]. Table and column names come only from these enums, never from
//! input.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use tessera_domain::directory::GroupManager;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::search::{Search, Searched, push_matches};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, push_ids, select};

/// The two kinds of named directory object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    Group,
    Application,
}

impl Named {
    fn table(self) -> &'static str {
        match self {
            Named::Group => "groups",
            Named::Application => "applications",
        }
    }

    /// What a search of this kind looks in.
    fn searched(self) -> Searched {
        match self {
            Named::Group => Searched::Groups,
            Named::Application => Searched::Applications,
        }
    }
}

impl Named {
    /// The columns a [`NamedRow`] reads from the table: groups add who manages them.
    pub(crate) fn columns(self) -> &'static str {
        match self {
            Named::Group => {
                "id, name, name_key, description, created_at, updated_at, version, managed_by, \
                 external_id"
            }
            Named::Application => {
                "id, name, name_key, description, created_at, updated_at, version"
            }
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct NamedRow {
    pub id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    /// Groups only: who masters the members (applications read the default).
    #[sqlx(default, try_from = "&'a str")]
    pub managed_by: GroupManager,
    /// Groups only: the identity provider's id of a SCIM group.
    #[sqlx(default)]
    pub external_id: Option<String>,
}

/// A group or application to insert, or the new values of one.
pub struct NamedRecord {
    pub name: String,
    /// The lowercased name, unique per table.
    pub name_key: String,
    pub description: String,
}

/// Reads the group or application `id` through `conn`.
async fn fetch_named<'c>(
    conn: impl Into<Conn<'c>>,
    kind: Named,
    id: Uuid,
) -> StoreResult<Option<NamedRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(kind.columns(), kind.table());
        query.push(" WHERE id = ").push_bind(id);
        query.build_query_as::<NamedRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

/// Inserts a group or application with its audit event. A taken name is
/// [`StoreError::Duplicate`].
pub async fn insert_named(
    db: &Db,
    kind: Named,
    id: Uuid,
    record: &NamedRecord,
    now: DateTime<Utc>,
    audit: impl FnOnce(&NamedRow) -> AuditEvent,
) -> StoreResult<NamedRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut insert = QueryBuilder::new("INSERT INTO ");
        insert
            .push(kind.table())
            .push(" (id, name, name_key, description, created_at, updated_at, version) VALUES (")
            .separated(", ")
            .push_bind(id)
            .push_bind(&record.name)
            .push_bind(&record.name_key)
            .push_bind(&record.description)
            .push_bind(now)
            .push_bind(now)
            .push("1")
            .push_unseparated(")");
        insert.build().execute(&mut *conn).await?;
        let row = fetch_named(&mut *conn, kind, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_named(db: &Db, kind: Named, id: Uuid) -> StoreResult<Option<NamedRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(kind.columns(), kind.table());
        query.push(" WHERE id = ").push_bind(id);
        query.build_query_as::<NamedRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

pub async fn find_named_by_key(
    db: &Db,
    kind: Named,
    name_key: &str,
) -> StoreResult<Option<NamedRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(kind.columns(), kind.table());
        query.push(" WHERE name_key = ").push_bind(name_key);
        query.build_query_as::<NamedRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Groups or applications ordered by lowercased name, after `after`, whose lowercased name
/// contains `search` (already lowercased) when given.
pub async fn list_named(
    db: &Db,
    kind: Named,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<NamedRow>> {
    let search = search.map(Search::new);
    let after = after.unwrap_or_default();
    let rows = on_db!(db, pool => {
        let mut query = select(kind.columns(), kind.table());
        query.push(" WHERE name_key > ").push_bind(after);
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, kind.searched(), kind.table(), search);
        }
        query.push(" ORDER BY name_key LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<NamedRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Groups not yet in `catalog` whose name contains `search` (lowercased), by name after
/// `after`; only those `owner` owns when given.
pub async fn list_addable_groups(
    db: &Db,
    catalog: Uuid,
    owner: Option<Uuid>,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<NamedRow>> {
    let search = search.map(Search::new);
    let after = after.unwrap_or_default();
    let rows = on_db!(db, pool => {
        let mut query = select(Named::Group.columns(), Named::Group.table());
        query.push(" WHERE name_key > ").push_bind(after);
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, Searched::Groups, "groups", search);
        }
        query
            .push(
                " AND NOT EXISTS (SELECT 1 FROM catalog_resources c \
                 WHERE c.group_id = groups.id AND c.catalog_id = ",
            )
            .push_bind(catalog)
            .push(")");
        if let Some(owner) = owner {
            query
                .push(
                    " AND EXISTS (SELECT 1 FROM group_owners o \
                     WHERE o.group_id = groups.id AND o.user_id = ",
                )
                .push_bind(owner)
                .push(")");
        }
        query.push(" ORDER BY name_key LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<NamedRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The groups or applications among `ids`, by lowercased name; ids that name none are left
/// out.
pub async fn find_named_by_ids(db: &Db, kind: Named, ids: &[Uuid]) -> StoreResult<Vec<NamedRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = select(kind.columns(), kind.table());
        query.push(" WHERE id IN ");
        push_ids(&mut query, ids);
        query.push(" ORDER BY name_key");
        query.build_query_as::<NamedRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Writes new values if the row is still at `seen_version` (compare-and-set), with its audit
/// event. A row that changed meanwhile is [`StoreError::Conflict`]; a taken name
/// [`StoreError::Duplicate`].
pub async fn transition_named(
    db: &Db,
    kind: Named,
    id: Uuid,
    seen_version: i64,
    update: &NamedRecord,
    now: DateTime<Utc>,
    audit: impl FnOnce(&NamedRow) -> AuditEvent,
) -> StoreResult<NamedRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut statement = QueryBuilder::new("UPDATE ");
        statement
            .push(kind.table())
            .push(" SET name = ")
            .push_bind(&update.name)
            .push(", name_key = ")
            .push_bind(&update.name_key)
            .push(", description = ")
            .push_bind(&update.description)
            .push(", updated_at = ")
            .push_bind(now)
            .push(", version = version + 1 WHERE id = ")
            .push_bind(id)
            .push(" AND version = ")
            .push_bind(seen_version);
        let changed = statement.build().execute(&mut *conn).await?.rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_named(&mut *conn, kind, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a group or application (its links and roles go with it, and the package roles that
/// grant them) and writes the audit event made from the row as it was, once `guard` found the
/// packages and policies using it to be the ones the caller saw. Answers `false` when there
/// was no such row.
pub async fn delete_named(
    db: &Db,
    kind: Named,
    id: Uuid,
    guard: &super::usage::UsageGuard<'_>,
    audit: impl FnOnce(&NamedRow) -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_named(&mut *conn, kind, id).await? else {
            return Ok(false);
        };
        super::usage::guard_usage(&mut *conn, guard).await?;
        let mut statement = QueryBuilder::new("DELETE FROM ");
        statement.push(kind.table()).push(" WHERE id = ").push_bind(id);
        statement.build().execute(&mut *conn).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}

const ROLE_COLUMNS: &str = "id, application_id, name, name_key, description, created_at";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AppRoleRow {
    pub id: Uuid,
    pub application_id: Uuid,
    pub name: String,
    pub name_key: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// Inserts an app role with its audit event. A name the application already has is
/// [`StoreError::Duplicate`]; a vanished application [`StoreError::MissingReference`].
pub async fn insert_app_role(
    db: &Db,
    application_id: Uuid,
    id: Uuid,
    record: &NamedRecord,
    now: DateTime<Utc>,
    audit: impl FnOnce(&AppRoleRow) -> AuditEvent,
) -> StoreResult<AppRoleRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO app_roles (id, application_id, name, name_key, description, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(application_id)
        .bind(&record.name)
        .bind(&record.name_key)
        .bind(&record.description)
        .bind(now)
        .execute(&mut *conn)
        .await?;
        let mut query = select(ROLE_COLUMNS, "app_roles WHERE id = ");
        query.push_bind(id);
        let row = query.build_query_as::<AppRoleRow>().fetch_one(&mut *conn).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// The role `role_id` of application `application_id`.
pub async fn find_app_role(
    db: &Db,
    application_id: Uuid,
    role_id: Uuid,
) -> StoreResult<Option<AppRoleRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(ROLE_COLUMNS, "app_roles WHERE id = ");
        query.push_bind(role_id).push(" AND application_id = ").push_bind(application_id);
        query.build_query_as::<AppRoleRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

pub async fn find_app_role_by_key(
    db: &Db,
    application_id: Uuid,
    name_key: &str,
) -> StoreResult<Option<AppRoleRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(ROLE_COLUMNS, "app_roles WHERE application_id = ");
        query.push_bind(application_id).push(" AND name_key = ").push_bind(name_key);
        query.build_query_as::<AppRoleRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// An application's roles ordered by lowercased name, after `after`.
pub async fn list_app_roles(
    db: &Db,
    application_id: Uuid,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<AppRoleRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(ROLE_COLUMNS, "app_roles WHERE application_id = ");
        query
            .push_bind(application_id)
            .push(" AND name_key > ")
            .push_bind(after.unwrap_or_default())
            .push(" ORDER BY name_key LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<AppRoleRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Deletes an app role of an application (its assignments go with it), with the audit event
/// made from the row as it was. Answers `false` when there was no such role.
pub async fn delete_app_role(
    db: &Db,
    application_id: Uuid,
    role_id: Uuid,
    guard: &super::usage::UsageGuard<'_>,
    audit: impl FnOnce(&AppRoleRow) -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut query = select(ROLE_COLUMNS, "app_roles WHERE id = ");
        query.push_bind(role_id).push(" AND application_id = ").push_bind(application_id);
        let row = query.build_query_as::<AppRoleRow>().fetch_optional(&mut *conn).await?;
        let Some(row) = row else {
            return Ok(false);
        };
        super::usage::guard_usage(&mut *conn, guard).await?;
        sqlx::query("DELETE FROM app_roles WHERE id = $1")
            .bind(role_id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}

/// The three ways a user is linked into the directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    GroupMember,
    GroupOwner,
    AppRoleAssignee,
}

impl Link {
    /// Table, column of the group or role, column of the time the link was made.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Link::GroupMember => ("group_members", "group_id", "added_at"),
            Link::GroupOwner => ("group_owners", "group_id", "added_at"),
            Link::AppRoleAssignee => ("app_role_assignments", "app_role_id", "assigned_at"),
        }
    }

    /// The same rows as assignments grant them.
    fn table(self) -> super::assignments::RoleTable {
        match self {
            Link::GroupMember => super::assignments::RoleTable::GroupMembers,
            Link::GroupOwner => super::assignments::RoleTable::GroupOwners,
            Link::AppRoleAssignee => super::assignments::RoleTable::AppRoleAssignments,
        }
    }
}

/// Queues `action` for `user`'s link to `owner` at the connected systems bound to it.
async fn queue_link<'c>(
    conn: impl Into<Conn<'c>>,
    link: Link,
    owner: Uuid,
    user: Uuid,
    action: super::provisioning::Action,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let change = super::provisioning::RoleChange {
        user,
        resource: owner,
        assignment: None,
    };
    super::provisioning::queue_for_changes(conn, link.table(), &[change], action, now).await
}

/// A linked user, for lists and audit snapshots.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LinkedUserRow {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub guest: bool,
    pub since: DateTime<Utc>,
}

/// What adding a link did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkOutcome {
    Added,
    /// The link was there already; nothing was written.
    AlreadyThere,
    NoSuchUser,
}

/// `SELECT … WHERE l.<owner column> = owner`: the users linked to `owner`, as
/// [`LinkedUserRow`]s, for the caller to narrow and order.
fn select_linked<DB: Database>(link: Link, owner: Uuid) -> QueryBuilder<DB>
where
    DB::Arguments: Default,
    for<'q> Uuid: Encode<'q, DB> + Type<DB>,
{
    let (table, owner_column, since) = link.parts();
    let mut query = QueryBuilder::new(
        "SELECT u.id AS user_id, u.username, u.display_name, u.user_type = 'guest' AS guest, l.",
    );
    query
        .push(since)
        .push(" AS since FROM ")
        .push(table)
        .push(" l JOIN users u ON u.id = l.user_id WHERE l.")
        .push(owner_column)
        .push(" = ")
        .push_bind(owner);
    query
}

/// Links `user` to `owner` (a group or an app role) unless it already is; only a new link
/// writes an audit event and queues an `add` at the connected systems. A link an assignment
/// made becomes the administrator's: it stays when the assignment ends. A vanished owner is
/// [`StoreError::MissingReference`].
pub async fn insert_link(
    db: &Db,
    link: Link,
    owner: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce(&LinkedUserRow) -> AuditEvent,
) -> StoreResult<LinkOutcome> {
    let (table, owner_column, since) = link.parts();
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
            .bind(user)
            .fetch_optional(&mut *conn)
            .await?;
        if found.is_none() {
            return Ok(LinkOutcome::NoSuchUser);
        }
        let mut insert = QueryBuilder::new("INSERT INTO ");
        insert
            .push(table)
            .push(" (")
            .push(owner_column)
            .push(", user_id, ")
            .push(since)
            .push(") VALUES (")
            .separated(", ")
            .push_bind(owner)
            .push_bind(user)
            .push_bind(now)
            .push_unseparated(") ON CONFLICT (");
        insert
            .push(owner_column)
            .push(", user_id) DO UPDATE SET granted_by_assignment = FALSE WHERE ")
            .push(table)
            .push(".granted_by_assignment");
        let added = insert.build().execute(&mut *conn).await?.rows_affected();
        if added == 0 {
            return Ok(LinkOutcome::AlreadyThere);
        }
        let mut query = select_linked(link, owner);
        query.push(" AND l.user_id = ").push_bind(user);
        let row = query.build_query_as::<LinkedUserRow>().fetch_one(&mut *conn).await?;
        queue_link(&mut *conn, link, owner, user, super::provisioning::Action::Add, now).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(LinkOutcome::Added)
    });
    tx.commit_if_ok(out).await
}

/// Removes the link of `user` to `owner` if there is one, with the audit event made from the
/// link as it was, and queues a `remove` at the connected systems. Answers `false`, writing
/// nothing, when there was no link.
pub async fn delete_link(
    db: &Db,
    link: Link,
    owner: Uuid,
    user: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce(&LinkedUserRow) -> AuditEvent,
) -> StoreResult<bool> {
    let (table, owner_column, _) = link.parts();
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut query = select_linked(link, owner);
        query.push(" AND l.user_id = ").push_bind(user);
        let row = query.build_query_as::<LinkedUserRow>().fetch_optional(&mut *conn).await?;
        let Some(row) = row else {
            return Ok(false);
        };
        let mut delete = QueryBuilder::new("DELETE FROM ");
        delete
            .push(table)
            .push(" WHERE ")
            .push(owner_column)
            .push(" = ")
            .push_bind(owner)
            .push(" AND user_id = ")
            .push_bind(user);
        delete.build().execute(&mut *conn).await?;
        queue_link(&mut *conn, link, owner, user, super::provisioning::Action::Remove, now).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}

/// The users linked to `owner`, ordered by username, after `after`.
pub async fn list_links(
    db: &Db,
    link: Link,
    owner: Uuid,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<LinkedUserRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select_linked(link, owner);
        query
            .push(" AND u.username > ")
            .push_bind(after.unwrap_or_default())
            .push(" ORDER BY u.username LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<LinkedUserRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}
