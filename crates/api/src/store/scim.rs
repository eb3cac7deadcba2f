//! What SCIM reads and writes beyond the users' and groups' own statements: people as SCIM
//! lists them (by creation, with an optional indexed equality), the groups SCIM manages with
//! their members, and member changes written as one difference per request.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::directory::{Named, NamedRow};
use super::users::{UserColumns, UserRow};
use super::{Db, StoreError, StoreResult, Tx, on_db, push_ids, select};

/// Statements bind at most this many ids at once (SQLite allows 32766 parameters, PostgreSQL
/// 65535).
const CHUNK: usize = 500;

/// An equality the list can answer from an index. Values are already in the stored form
/// (lowercased where the column is).
#[derive(Clone, Debug)]
pub enum Lookup {
    Id(Uuid),
    /// `users.username` or `groups.name_key`.
    Key(String),
    ExternalId(String),
    /// `LOWER(users.email)`.
    EmailKey(String),
    /// `LOWER(users.display_name)`.
    DisplayNameKey(String),
}

/// One page of people (not deleted, never service accounts) in creation order, optionally only
/// those matching `lookup`, with how many match in all.
pub async fn list_people(
    db: &Db,
    lookup: Option<&Lookup>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<UserRow>, i64)> {
    on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users");
        push_people_where(&mut query, lookup);
        query
            .push(" ORDER BY id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = query.build_query_as::<UserRow>().fetch_all(pool).await?;
        let mut count = select("COUNT(*)", "users");
        push_people_where(&mut count, lookup);
        let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
        Ok::<_, StoreError>((rows, total))
    })
}

/// The next `limit` people (as [`list_people`] lists them) after id `after`, by id: what a
/// filter evaluated in memory reads, a bounded batch at a time.
pub async fn scan_people(db: &Db, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<UserRow>> {
    on_db!(db, pool => {
        let mut query = select(UserColumns(""), "users");
        push_people_where(&mut query, None);
        if let Some(after) = after {
            query.push(" AND id > ").push_bind(after);
        }
        query.push(" ORDER BY id LIMIT ").push_bind(limit);
        Ok::<_, StoreError>(query.build_query_as::<UserRow>().fetch_all(pool).await?)
    })
}

fn push_people_where<DB: sqlx::Database>(query: &mut QueryBuilder<DB>, lookup: Option<&Lookup>)
where
    for<'q> Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query.push(" WHERE kind = 'person' AND deleted_at IS NULL");
    match lookup {
        None => {}
        Some(Lookup::Id(id)) => {
            query.push(" AND id = ").push_bind(*id);
        }
        Some(Lookup::Key(key)) => {
            query.push(" AND username = ").push_bind(key.clone());
        }
        Some(Lookup::ExternalId(value)) => {
            query.push(" AND external_id = ").push_bind(value.clone());
        }
        Some(Lookup::EmailKey(value)) => {
            query.push(" AND LOWER(email) = ").push_bind(value.clone());
        }
        Some(Lookup::DisplayNameKey(value)) => {
            query
                .push(" AND LOWER(display_name) = ")
                .push_bind(value.clone());
        }
    }
}

/// One page of the groups SCIM manages, in creation order, optionally only those matching
/// `lookup`, with how many match in all.
pub async fn list_groups(
    db: &Db,
    lookup: Option<&Lookup>,
    offset: i64,
    limit: i64,
) -> StoreResult<(Vec<NamedRow>, i64)> {
    on_db!(db, pool => {
        let mut query = select(Named::Group.columns(), "groups");
        push_groups_where(&mut query, lookup);
        query
            .push(" ORDER BY id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = query.build_query_as::<NamedRow>().fetch_all(pool).await?;
        let mut count = select("COUNT(*)", "groups");
        push_groups_where(&mut count, lookup);
        let (total,): (i64,) = count.build_query_as().fetch_one(pool).await?;
        Ok::<_, StoreError>((rows, total))
    })
}

/// The next `limit` SCIM groups after id `after`, by id (see [`scan_people`]).
pub async fn scan_groups(db: &Db, after: Option<Uuid>, limit: i64) -> StoreResult<Vec<NamedRow>> {
    on_db!(db, pool => {
        let mut query = select(Named::Group.columns(), "groups");
        push_groups_where(&mut query, None);
        if let Some(after) = after {
            query.push(" AND id > ").push_bind(after);
        }
        query.push(" ORDER BY id LIMIT ").push_bind(limit);
        Ok::<_, StoreError>(query.build_query_as::<NamedRow>().fetch_all(pool).await?)
    })
}

fn push_groups_where<DB: sqlx::Database>(query: &mut QueryBuilder<DB>, lookup: Option<&Lookup>)
where
    for<'q> Uuid: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    for<'q> String: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
{
    query.push(" WHERE managed_by = 'scim'");
    match lookup {
        None => {}
        Some(Lookup::Id(id)) => {
            query.push(" AND id = ").push_bind(*id);
        }
        Some(Lookup::Key(key) | Lookup::DisplayNameKey(key)) => {
            query.push(" AND name_key = ").push_bind(key.clone());
        }
        Some(Lookup::ExternalId(value)) => {
            query.push(" AND external_id = ").push_bind(value.clone());
        }
        // Groups have no e-mail address: nothing matches.
        Some(Lookup::EmailKey(_)) => {
            query.push(" AND 1 = 0");
        }
    }
}

/// A group SCIM manages, or `None`: a group Tessera manages is not SCIM's to see.
pub async fn find_group(db: &Db, id: Uuid) -> StoreResult<Option<NamedRow>> {
    Ok(super::directory::find_named(db, Named::Group, id)
        .await?
        .filter(|row| row.managed_by == tessera_domain::directory::GroupManager::Scim))
}

/// A member as a SCIM group lists them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MemberRow {
    pub group_id: Uuid,
    pub user_id: Uuid,
    pub display_name: String,
}

/// The members of `groups`, by group then user id.
pub async fn list_members(db: &Db, groups: &[Uuid]) -> StoreResult<Vec<MemberRow>> {
    let mut out = Vec::new();
    for chunk in groups.chunks(CHUNK) {
        let rows: Vec<MemberRow> = on_db!(db, pool => {
            let mut query = select(
                "m.group_id, m.user_id, u.display_name",
                "group_members m JOIN users u ON u.id = m.user_id WHERE m.group_id IN ",
            );
            push_ids(&mut query, chunk);
            query.push(" ORDER BY m.group_id, m.user_id");
            query.build_query_as::<MemberRow>().fetch_all(pool).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// A SCIM group one of `users` belongs to.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MembershipRow {
    pub user_id: Uuid,
    pub group_id: Uuid,
    pub name: String,
}

/// The SCIM-managed groups `users` belong to, by user then group id.
pub async fn list_memberships(db: &Db, users: &[Uuid]) -> StoreResult<Vec<MembershipRow>> {
    let mut out = Vec::new();
    for chunk in users.chunks(CHUNK) {
        let rows: Vec<MembershipRow> = on_db!(db, pool => {
            let mut query = select(
                "m.user_id, m.group_id, g.name",
                "group_members m JOIN groups g ON g.id = m.group_id \
                 WHERE g.managed_by = 'scim' AND m.user_id IN ",
            );
            push_ids(&mut query, chunk);
            query.push(" ORDER BY m.user_id, m.group_id");
            query.build_query_as::<MembershipRow>().fetch_all(pool).await
        })?;
        out.extend(rows);
    }
    Ok(out)
}

/// The ids among `ids` that name no person SCIM can see (deleted users and service accounts
/// included): what a group member or a manager must not be.
pub async fn find_non_people(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<Uuid>> {
    let mut found = std::collections::BTreeSet::new();
    for chunk in ids.chunks(CHUNK) {
        let rows: Vec<(Uuid,)> = on_db!(db, pool => {
            let mut query = select(
                "id",
                "users WHERE kind = 'person' AND deleted_at IS NULL AND id IN ",
            );
            push_ids(&mut query, chunk);
            query.build_query_as().fetch_all(pool).await
        })?;
        found.extend(rows.into_iter().map(|(id,)| id));
    }
    Ok(ids
        .iter()
        .filter(|id| !found.contains(*id))
        .copied()
        .collect())
}

/// The new values of a SCIM group and the difference of its members.
pub struct GroupWrite<'a> {
    pub name: &'a str,
    pub name_key: &'a str,
    pub external_id: Option<&'a str>,
    pub add: &'a [Uuid],
    pub remove: &'a [Uuid],
}

/// Inserts a SCIM-managed group with its first members and its audit events. A taken name or
/// external id is [`StoreError::Duplicate`].
pub async fn insert_group(
    db: &Db,
    id: Uuid,
    group: &GroupWrite<'_>,
    now: DateTime<Utc>,
    audit: impl FnOnce(&NamedRow) -> Vec<AuditEvent>,
) -> StoreResult<NamedRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO groups (id, name, name_key, description, created_at, updated_at, \
             version, managed_by, external_id) VALUES ($1, $2, $3, '', $4, $4, 1, 'scim', $5)",
        )
        .bind(id)
        .bind(group.name)
        .bind(group.name_key)
        .bind(now)
        .bind(group.external_id)
        .execute(&mut *conn)
        .await?;
        for chunk in group.add.chunks(CHUNK) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO group_members (group_id, user_id, added_at) ",
            );
            insert.push_values(chunk, |mut row, user| {
                row.push_bind(id).push_bind(*user).push_bind(now);
            });
            insert.push(" ON CONFLICT (group_id, user_id) DO NOTHING");
            insert.build().execute(&mut *conn).await?;
        }
        let mut query = select(Named::Group.columns(), "groups WHERE id = ");
        query.push_bind(id);
        let row = query.build_query_as::<NamedRow>().fetch_one(&mut *conn).await?;
        for event in audit(&row) {
            insert_audit_event(&mut *conn, &event).await?;
        }
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Writes a SCIM group's new values and member difference if it is still at `seen_version`
/// (compare-and-set; [`StoreError::Conflict`] otherwise), with its audit events.
pub async fn transition_group(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    group: &GroupWrite<'_>,
    now: DateTime<Utc>,
    audit: impl FnOnce(&NamedRow) -> Vec<AuditEvent>,
) -> StoreResult<NamedRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE groups SET name = $1, name_key = $2, external_id = $3, updated_at = $4, \
             version = version + 1 WHERE id = $5 AND version = $6 AND managed_by = 'scim'",
        )
        .bind(group.name)
        .bind(group.name_key)
        .bind(group.external_id)
        .bind(now)
        .bind(id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        for chunk in group.remove.chunks(CHUNK) {
            let mut delete = QueryBuilder::new("DELETE FROM group_members WHERE group_id = ");
            delete.push_bind(id).push(" AND user_id IN ");
            push_ids(&mut delete, chunk);
            delete.build().execute(&mut *conn).await?;
        }
        for chunk in group.add.chunks(CHUNK) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO group_members (group_id, user_id, added_at) ",
            );
            insert.push_values(chunk, |mut row, user| {
                row.push_bind(id).push_bind(*user).push_bind(now);
            });
            insert.push(" ON CONFLICT (group_id, user_id) DO NOTHING");
            insert.build().execute(&mut *conn).await?;
        }
        let mut query = select(Named::Group.columns(), "groups WHERE id = ");
        query.push_bind(id);
        let row = query.build_query_as::<NamedRow>().fetch_one(&mut *conn).await?;
        for event in audit(&row) {
            insert_audit_event(&mut *conn, &event).await?;
        }
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}
