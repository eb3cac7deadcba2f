//! Users: people and service accounts.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use tessera_domain::user::{UserKind, UserType};
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::lifecycle::{LifecycleWrites, apply_in};
use super::notifications::{NewNotification, insert_notification};
use super::search::{Search, Searched, TextSearch, push_matches};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, push_ids, select};

/// The columns a [`UserRow`] reads.
const USER_COLUMN_NAMES: [&str; 22] = [
    "id",
    "username",
    "email",
    "display_name",
    "kind",
    "manager_id",
    "enabled",
    "is_admin",
    "password_hash",
    "last_sign_in_at",
    "created_at",
    "updated_at",
    "version",
    "department",
    "attributes",
    "user_type",
    "deleted_at",
    "blocked_at",
    "external_id",
    "given_name",
    "family_name",
    "formatted_name",
];

/// The columns a [`UserRow`] reads, each prefixed with a table alias such as `"u."` (or
/// `""`), as a select list to push into a query.
#[derive(Clone, Copy)]
pub(crate) struct UserColumns(pub &'static str);

impl std::fmt::Display for UserColumns {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (n, column) in USER_COLUMN_NAMES.iter().enumerate() {
            if n > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{}{column}", self.0)?;
        }
        Ok(())
    }
}

/// A user as stored. Stored enums (`kind`, `user_type`) are decoded into the domain's enums
/// when the row is read, through their one strum spelling (`try_from` the column's text); a
/// spelling no variant has fails the read.
#[derive(Clone, sqlx::FromRow)]
pub struct UserRow {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    #[sqlx(try_from = "&'a str")]
    pub kind: UserKind,
    pub manager_id: Option<Uuid>,
    pub enabled: bool,
    pub is_admin: bool,
    pub password_hash: Option<String>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
    pub department: Option<String>,
    /// A JSON object of string values.
    pub attributes: String,
    #[sqlx(try_from = "&'a str")]
    pub user_type: UserType,
    /// When the user was deleted: a tombstone, disabled for good.
    pub deleted_at: Option<DateTime<Utc>>,
    /// When this guest was blocked from signing in because their last access ended.
    pub blocked_at: Option<DateTime<Utc>>,
    /// The person's id in the organisation's directory (imports, SCIM, OIDC linking).
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub formatted_name: Option<String>,
    /// The sponsors' ids, sorted; filled by the functions that return users for display.
    #[sqlx(skip)]
    pub sponsors: Vec<Uuid>,
}

impl UserRow {
    /// A person of the organisation: neither a service account nor a guest. Policies for "all
    /// members" are for them.
    pub fn is_member(&self) -> bool {
        self.kind == UserKind::Person && self.user_type == UserType::Member
    }
}

impl std::fmt::Debug for UserRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRow")
            .field("id", &self.id)
            .field("username", &self.username)
            .field("version", &self.version)
            .finish_non_exhaustive()
    }
}

/// A user to insert. `password_hash` is already hashed.
pub struct NewUserRecord {
    pub id: Uuid,
    pub username: String,
    pub email: String,
    pub display_name: String,
    pub kind: UserKind,
    pub user_type: UserType,
    pub manager_id: Option<Uuid>,
    pub is_admin: bool,
    pub password_hash: Option<String>,
    pub department: Option<String>,
    /// A JSON object of string values.
    pub attributes: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub formatted_name: Option<String>,
    pub sponsors: Vec<Uuid>,
    pub now: DateTime<Utc>,
}

/// Reads one user with their sponsors through `conn`, a connection of either backend.
pub(crate) async fn fetch_user_with_sponsors<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<UserRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(UserColumns(""), "users WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<UserRow>().fetch_optional(conn).await
    })?;
    let Some(mut row) = row else {
        return Ok(None);
    };
    let sponsors: Vec<(Uuid,)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT sponsor_id FROM user_sponsors WHERE user_id = $1 ORDER BY sponsor_id",
    )
    .bind(id)
    .fetch_all(conn)
    .await)?;
    row.sponsors = sponsors.into_iter().map(|(id,)| id).collect();
    Ok(Some(row))
}

/// Replaces the sponsors of `user` through `conn`. A sponsor that does not exist fails on the
/// foreign key.
async fn replace_sponsors<'c>(
    conn: impl Into<Conn<'c>>,
    user: Uuid,
    sponsors: &[Uuid],
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        sqlx::query("DELETE FROM user_sponsors WHERE user_id = $1")
            .bind(user)
            .execute(&mut *conn)
            .await?;
        for sponsor in sponsors {
            sqlx::query("INSERT INTO user_sponsors (user_id, sponsor_id) VALUES ($1, $2)")
                .bind(user)
                .bind(*sponsor)
                .execute(&mut *conn)
                .await?;
        }
    });
    Ok(())
}

/// Fills the sponsors of `rows` with one query.
async fn attach_sponsors(db: &Db, rows: &mut [UserRow]) -> StoreResult<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let pairs: Vec<(Uuid, Uuid)> = on_db!(db, pool => {
        let mut query = select("user_id, sponsor_id", "user_sponsors WHERE user_id IN ");
        push_ids(&mut query, &rows.iter().map(|row| row.id).collect::<Vec<_>>());
        query.push(" ORDER BY user_id, sponsor_id");
        query.build_query_as().fetch_all(pool).await
    })?;
    for row in rows.iter_mut() {
        row.sponsors = pairs
            .iter()
            .filter(|(user, _)| *user == row.id)
            .map(|(_, sponsor)| *sponsor)
            .collect();
    }
    Ok(())
}

/// The ids among `ids` that name no user.
pub async fn find_missing_users(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut missing = Vec::new();
    for id in ids {
        let found: Option<(Uuid,)> = on_db!(db, pool => sqlx::query_as(
            "SELECT id FROM users WHERE id = $1",
        )
        .bind(*id)
        .fetch_optional(pool)
        .await)?;
        if found.is_none() {
            missing.push(*id);
        }
    }
    Ok(missing)
}

pub async fn insert_user(
    db: &Db,
    user: &NewUserRecord,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => insert_user_in(&mut *conn, user, audit).await);
    tx.commit_if_ok(out).await
}

/// Inserts `user` with its audit event through `conn`, inside the caller's transaction.
pub(crate) async fn insert_user_in<'c>(
    conn: impl Into<Conn<'c>>,
    user: &NewUserRecord,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        if let Some(manager) = user.manager_id {
            let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
                .bind(manager)
                .fetch_optional(&mut *conn)
                .await?;
            if found.is_none() {
                return Err(StoreError::MissingReference);
            }
        }
        sqlx::query(
            "INSERT INTO users (id, username, email, display_name, kind, manager_id, enabled, \
             is_admin, password_hash, created_at, updated_at, version, department, attributes, \
             user_type, external_id, given_name, family_name, formatted_name) \
             VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $8, $9, $9, 1, $10, $11, $12, $13, $14, $15, \
             $16)",
        )
        .bind(user.id)
        .bind(&user.username)
        .bind(&user.email)
        .bind(&user.display_name)
        .bind(user.kind.as_str())
        .bind(user.manager_id)
        .bind(user.is_admin)
        .bind(user.password_hash.as_deref())
        .bind(user.now)
        .bind(user.department.as_deref())
        .bind(&user.attributes)
        .bind(user.user_type.as_str())
        .bind(user.external_id.as_deref())
        .bind(user.given_name.as_deref())
        .bind(user.family_name.as_deref())
        .bind(user.formatted_name.as_deref())
        .execute(&mut *conn)
        .await?;
        replace_sponsors(&mut *conn, user.id, &user.sponsors).await?;
        let row = fetch_user_with_sponsors(&mut *conn, user.id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    })
}

pub async fn find_user(db: &Db, id: Uuid) -> StoreResult<Option<UserRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    let mut rows: Vec<UserRow> = row.into_iter().collect();
    attach_sponsors(db, &mut rows).await?;
    Ok(rows.pop())
}

pub async fn find_user_by_username(db: &Db, username: &str) -> StoreResult<Option<UserRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users WHERE username = ");
        query.push_bind(username);
        query.build_query_as::<UserRow>().fetch_optional(pool).await
    })?;
    let mut rows: Vec<UserRow> = row.into_iter().collect();
    attach_sponsors(db, &mut rows).await?;
    Ok(rows.pop())
}

/// Users ordered by username, starting after `after`, at most `limit` of them, optionally only
/// those whose username, display name or e-mail contains `search` (ignoring case).
pub async fn list_users(
    db: &Db,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<UserRow>> {
    let search = search.map(Search::new);
    let mut rows = on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users WHERE deleted_at IS NULL");
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, Searched::People, "users", search);
        }
        if let Some(after) = after {
            query.push(" AND username > ").push_bind(after);
        }
        query.push(" ORDER BY username LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<UserRow>().fetch_all(pool).await
    })?;
    attach_sponsors(db, &mut rows).await?;
    Ok(rows)
}

/// A person as lists name them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonRow {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "&'a str")]
    pub user_type: UserType,
}

/// The users among `ids`, enabled or not, by username; ids that name nobody are left out.
pub async fn find_people(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<PersonRow>> {
    let mut found = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let rows: Vec<PersonRow> = on_db!(db, pool => {
            let mut query = select(
                "id, username, display_name, user_type",
                "users WHERE id IN ",
            );
            push_ids(&mut query, chunk);
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows);
    }
    found.sort_by(|a, b| a.username.cmp(&b.username));
    Ok(found)
}

/// Pushes `WITH matches (…) AS MATERIALIZED (…)`: the enabled users whose username, display
/// name or e-mail address contains `search`, from the text indexes, as a [`PersonRow`].
/// Gathered first, then sorted: PostgreSQL plans a prepared statement once for any text,
/// guessing hundreds of matches either way, and would otherwise walk the username index and
/// test every person to fill a page of a few dozen (first name and two letters), or hash the
/// whole table to join the matches back.
fn push_matching_people<DB: TextSearch>(query: &mut QueryBuilder<DB>, search: &Search) {
    query.push(
        "WITH matches (id, username, display_name, user_type) AS MATERIALIZED \
         (SELECT u.id, u.username, u.display_name, u.user_type FROM users u WHERE u.enabled AND ",
    );
    push_matches(query, Searched::People, "u", search);
    query.push(") ");
}

/// Enabled users matching `search` (lowercase), by username, after `after`.
pub async fn list_people(
    db: &Db,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<PersonRow>> {
    let search = search.map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new("");
        match &search {
            // The matches first, then sorted: see `push_matching_people`.
            Some(search) if search.is_indexed() => {
                push_matching_people(&mut query, search);
                query.push(
                    "SELECT u.id, u.username, u.display_name, u.user_type FROM matches u \
                     WHERE TRUE",
                );
            }
            Some(search) => {
                query.push(
                    "SELECT u.id, u.username, u.display_name, u.user_type FROM users u \
                     WHERE u.enabled AND ",
                );
                push_matches(&mut query, Searched::People, "u", search);
            }
            None => {
                query.push(
                    "SELECT u.id, u.username, u.display_name, u.user_type FROM users u \
                     WHERE u.enabled",
                );
            }
        }
        if let Some(after) = after {
            query.push(" AND u.username > ").push_bind(after);
        }
        query.push(" ORDER BY u.username LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<PersonRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// A direct report: who they are, and their e-mail address.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportRow {
    #[sqlx(flatten)]
    pub person: PersonRow,
    pub email: String,
}

/// The enabled people whose manager is `manager`, in no order: callers sort them by name
/// (`service::people::sort_by_name`), the same way on both databases.
pub async fn list_direct_reports(db: &Db, manager: Uuid) -> StoreResult<Vec<ReportRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, ReportRow>(
        "SELECT id, username, display_name, user_type, email FROM users \
         WHERE manager_id = $1 AND enabled AND deleted_at IS NULL",
    )
    .bind(manager)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Whether any enabled person's manager is `manager`.
pub async fn has_direct_reports(db: &Db, manager: Uuid) -> StoreResult<bool> {
    let found: Option<(i32,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT 1 FROM users WHERE manager_id = $1 AND enabled AND deleted_at IS NULL LIMIT 1",
    )
    .bind(manager)
    .fetch_optional(pool)
    .await)?;
    Ok(found.is_some())
}

pub async fn count_users(db: &Db) -> StoreResult<i64> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as("SELECT COUNT(*) FROM users")
        .fetch_one(pool)
        .await)?;
    Ok(count)
}

/// The new values of a user's editable fields.
pub struct UserUpdate {
    pub username: String,
    pub email: String,
    pub user_type: UserType,
    pub display_name: String,
    pub manager_id: Option<Uuid>,
    pub enabled: bool,
    pub is_admin: bool,
    pub department: Option<String>,
    /// A JSON object of string values.
    pub attributes: String,
    pub external_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub formatted_name: Option<String>,
    pub sponsors: Vec<Uuid>,
}

impl From<&UserRow> for UserUpdate {
    /// The user as stored: a change starts from this and sets what it changes.
    fn from(row: &UserRow) -> Self {
        UserUpdate {
            username: row.username.clone(),
            email: row.email.clone(),
            user_type: row.user_type,
            display_name: row.display_name.clone(),
            manager_id: row.manager_id,
            enabled: row.enabled,
            is_admin: row.is_admin,
            department: row.department.clone(),
            attributes: row.attributes.clone(),
            external_id: row.external_id.clone(),
            given_name: row.given_name.clone(),
            family_name: row.family_name.clone(),
            formatted_name: row.formatted_name.clone(),
            sponsors: row.sponsors.clone(),
        }
    }
}

/// Ends every session of `user` and revokes every API token, for good: enabling the user again
/// revives neither.
async fn end_access_of_user<'c>(
    conn: impl Into<Conn<'c>>,
    user: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        sqlx::query("UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL")
            .bind(now)
            .bind(user)
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE owner_id = $2 AND revoked_at IS NULL",
        )
        .bind(now)
        .bind(user)
        .execute(&mut *conn)
        .await?;
    });
    Ok(())
}

/// Writes `update` if the user is still at `seen_version` (compare-and-set), with its audit
/// event. A user that changed meanwhile answers [`StoreError::Conflict`]. Disabling a user ends
/// their sessions and revokes their API tokens in the same transaction.
/// Refuses ([`StoreError::LastAdministrator`]) to disable or demote the last enabled
/// administrator.
pub async fn transition_user(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    update: &UserUpdate,
    now: DateTime<Utc>,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let effects = LifecycleWrites::default();
    transition_user_with(db, id, seen_version, update, now, effects, audit).await
}

/// [`transition_user`] with what the change does beyond the user's row (a leaver's or a
/// mover's [`LifecycleWrites`]), written in the same transaction: when any of it conflicts,
/// the user's row is not written either.
pub async fn transition_user_with(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    update: &UserUpdate,
    now: DateTime<Utc>,
    effects: LifecycleWrites,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE",
        Db::Sqlite(_) => "",
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        if !(update.enabled && update.is_admin) {
            // Disabling an administrator or taking the role away: another enabled one must
            // remain. As in `delete_user`, PostgreSQL locks the administrators' rows first, so
            // two administrators disabling each other at once cannot both succeed.
            let mut admins = select(
                "id",
                "users WHERE is_admin AND enabled AND deleted_at IS NULL ORDER BY id",
            );
            admins.push(lock);
            let admins: Vec<(Uuid,)> = admins.build_query_as().fetch_all(&mut *conn).await?;
            let is_one = admins.iter().any(|(admin,)| *admin == id);
            if is_one && !admins.iter().any(|(admin,)| *admin != id) {
                return Err(StoreError::LastAdministrator);
            }
        }
        if let Some(manager) = update.manager_id {
            let found: Option<(Uuid,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
                .bind(manager)
                .fetch_optional(&mut *conn)
                .await?;
            if found.is_none() {
                return Err(StoreError::MissingReference);
            }
        }
        // Read before the write, which is compare-and-set on the version: whether this change
        // is the one that disables them.
        let was_enabled: Option<(bool,)> = sqlx::query_as("SELECT enabled FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let leaves = was_enabled.is_some_and(|(enabled,)| enabled) && !update.enabled;
        let changed = sqlx::query(
            "UPDATE users SET email = $1, display_name = $2, manager_id = $3, enabled = $4, \
             is_admin = $5, updated_at = $6, version = version + 1, department = $9, \
             attributes = $10, user_type = $11, external_id = $12, given_name = $13, \
             family_name = $14, username = $15, formatted_name = $16 \
             WHERE id = $7 AND version = $8",
        )
        .bind(&update.email)
        .bind(&update.display_name)
        .bind(update.manager_id)
        .bind(update.enabled)
        .bind(update.is_admin)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .bind(update.department.as_deref())
        .bind(&update.attributes)
        .bind(update.user_type.as_str())
        .bind(update.external_id.as_deref())
        .bind(update.given_name.as_deref())
        .bind(update.family_name.as_deref())
        .bind(&update.username)
        .bind(update.formatted_name.as_deref())
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        replace_sponsors(&mut *conn, id, &update.sponsors).await?;
        if !update.enabled {
            end_access_of_user(&mut *conn, id, now).await?;
        }
        let row = fetch_user_with_sponsors(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        apply_in(&mut *conn, effects).await?;
        if leaves {
            // After the removals the leaver's writes queued, so it reaches the target last.
            super::provisioning::queue_deactivation(&mut *conn, id, now).await?;
        }
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Walks up the management chain from `start`, at most `limit` steps, returning the ids met.
/// Used to refuse a manager assignment that would close a loop.
pub async fn list_manager_chain(db: &Db, start: Uuid, limit: usize) -> StoreResult<Vec<Uuid>> {
    let mut chain = Vec::new();
    let mut current = Some(start);
    while let Some(id) = current {
        if chain.len() >= limit || chain.contains(&id) {
            break;
        }
        chain.push(id);
        let next: Option<(Option<Uuid>,)> = on_db!(db, pool => sqlx::query_as(
            "SELECT manager_id FROM users WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(pool)
        .await)?;
        current = next.and_then(|(manager,)| manager);
    }
    Ok(chain)
}

pub async fn record_sign_in(db: &Db, id: Uuid, at: DateTime<Utc>) -> StoreResult<()> {
    on_db!(db.writer(), pool => sqlx::query("UPDATE users SET last_sign_in_at = $1 WHERE id = $2")
        .bind(at)
        .bind(id)
        .execute(pool)
        .await
        .map(|done| done.rows_affected()))?;
    Ok(())
}

/// What [`delete_user`] did.
pub enum Deletion {
    Deleted(Box<UserRow>),
    /// The user is the last enabled administrator.
    LastAdministrator,
    /// No such user, or deleted already.
    Gone,
}

/// How a deletion goes: `blocked_by` limits it to a user blocked at or before that time (a
/// guest given access again meanwhile is [`Deletion::Gone`]); `effects` are a leaver's writes,
/// made in the same transaction (when any of them conflicts, the user is not deleted either).
#[derive(Default)]
pub struct Removal {
    pub blocked_by: Option<DateTime<Utc>>,
    pub effects: LifecycleWrites,
}

/// Deletes a user, leaving a tombstone: disabled, `deleted_at` set, sessions ended and API
/// tokens revoked, with its notifications and audit event, in one transaction. Refuses to
/// remove the last enabled administrator; on PostgreSQL the administrators' rows are locked
/// first, so two administrators deleting each other at once cannot both succeed (SQLite's
/// single writer serialises them already).
pub async fn delete_user(
    db: &Db,
    id: Uuid,
    now: DateTime<Utc>,
    removal: Removal,
    notes: impl FnOnce(&UserRow) -> Vec<NewNotification>,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<Deletion> {
    let Removal {
        blocked_by,
        effects,
    } = removal;
    let lock = match db {
        Db::Postgres(_) => " FOR UPDATE",
        Db::Sqlite(_) => "",
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut admins = select(
            "id",
            "users WHERE is_admin AND enabled AND deleted_at IS NULL ORDER BY id",
        );
        admins.push(lock);
        let admins: Vec<(Uuid,)> = admins.build_query_as().fetch_all(&mut *conn).await?;
        let Some(current) = fetch_user_with_sponsors(&mut *conn, id).await? else {
            return Ok(Deletion::Gone);
        };
        if current.deleted_at.is_some() {
            return Ok(Deletion::Gone);
        }
        if current.is_admin && !admins.iter().any(|(admin,)| *admin != id) {
            return Ok(Deletion::LastAdministrator);
        }
        let changed = sqlx::query(
            "UPDATE users SET enabled = FALSE, deleted_at = $1, updated_at = $1, \
             version = version + 1 WHERE id = $2 AND deleted_at IS NULL \
             AND ($3 IS NULL OR blocked_at <= $3)",
        )
        .bind(now)
        .bind(id)
        .bind(blocked_by)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Ok(Deletion::Gone);
        }
        end_access_of_user(&mut *conn, id, now).await?;
        let row = fetch_user_with_sponsors(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        for note in notes(&row) {
            insert_notification(&mut *conn, &note).await?;
        }
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        apply_in(&mut *conn, effects).await?;
        // Also when they were disabled before: a connector set up since then learns it too,
        // and deactivating twice is harmless at the target.
        super::provisioning::queue_deactivation(&mut *conn, id, now).await?;
        Ok::<_, StoreError>(Deletion::Deleted(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

/// Sets a person's password hash, compare-and-set on the version, and ends their sessions
/// except `keep` (the caller's own, when they change their own password), with the audit
/// event, in one transaction. API tokens are left alone: they are not passwords.
pub async fn set_password_hash(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    hash: &str,
    keep: Option<Uuid>,
    now: DateTime<Utc>,
    audit: impl FnOnce(&UserRow) -> AuditEvent,
) -> StoreResult<UserRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND deleted_at IS NULL AND kind = 'person'",
        )
        .bind(hash)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        sqlx::query(
            "UPDATE sessions SET ended_at = $1 WHERE user_id = $2 AND ended_at IS NULL \
             AND ($3 IS NULL OR id <> $3)",
        )
        .bind(now)
        .bind(id)
        .bind(keep)
        .execute(&mut *conn)
        .await?;
        let row = fetch_user_with_sponsors(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}
