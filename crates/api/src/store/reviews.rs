//! Access reviews: definitions, instances, items and who reviews them.
//!
//! An instance of a large group has thousands of items: they are inserted in multi-row
//! statements, and a decision touches one item. Transitions of a whole instance rewrite the
//! items they changed and the reviewer table in one transaction, compare-and-set on the
//! instance's version (and each item's), so a decision racing a stage's end loses cleanly.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use tessera_domain::review::instance::ReviewInstanceState;
use tessera_domain::user::UserType;
use uuid::Uuid;

use super::assignments::RoleTable;
use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::{NewNotification, insert_notification};
use super::provisioning::{Action, RoleChange, queue_for_changes};
use super::search::{Search, Searched, push_matches};
use super::{Conn, Db, StoreError, StoreResult, Tx, on_db, push_ids, select};

const DEFINITION_COLUMNS: &str = "id, name, definition, package_id, created_by, \
     occurrences_started, next_start_at, created_at, updated_at, version";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DefinitionRow {
    pub id: Uuid,
    pub name: String,
    pub definition: String,
    pub package_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub occurrences_started: i64,
    pub next_start_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Reads the definition `id` through `conn`.
async fn fetch_definition<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<DefinitionRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(DEFINITION_COLUMNS, "review_definitions WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<DefinitionRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub struct DefinitionWrite {
    pub name: String,
    pub definition: String,
    pub package_id: Option<Uuid>,
    pub next_start_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Inserts a definition; `policy` names the policy that carries it, if one does (a policy
/// carries at most one: a second is [`StoreError::Duplicate`]).
pub async fn insert_definition(
    db: &Db,
    id: Uuid,
    created_by: Uuid,
    policy: Option<Uuid>,
    write: &DefinitionWrite,
    audit: impl FnOnce(&DefinitionRow) -> AuditEvent,
) -> StoreResult<DefinitionRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO review_definitions (id, name, definition, package_id, created_by, \
             occurrences_started, next_start_at, created_at, updated_at, version, policy_id) \
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $7, 1, $8)",
        )
        .bind(id)
        .bind(&write.name)
        .bind(&write.definition)
        .bind(write.package_id)
        .bind(created_by)
        .bind(write.next_start_at)
        .bind(write.now)
        .bind(policy)
        .execute(&mut *conn)
        .await?;
        let row = fetch_definition(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// The definition policy `policy` carries, if any.
pub async fn find_definition_of_policy(
    db: &Db,
    policy: Uuid,
) -> StoreResult<Option<DefinitionRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(DEFINITION_COLUMNS, "review_definitions WHERE policy_id = ");
        query.push_bind(policy);
        query.build_query_as::<DefinitionRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

pub async fn find_definition(db: &Db, id: Uuid) -> StoreResult<Option<DefinitionRow>> {
    let row = on_db!(db, pool => {
        let mut query = select(DEFINITION_COLUMNS, "review_definitions WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<DefinitionRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Definitions newest first, before the cursor id. `owner` limits them to the access-package
/// reviews of catalogs that user owns.
pub async fn list_definitions(
    db: &Db,
    owner: Option<Uuid>,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<DefinitionRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(DEFINITION_COLUMNS, "review_definitions WHERE TRUE");
        if let Some(owner) = owner {
            query
                .push(
                    " AND package_id IN (SELECT p.id FROM access_packages p \
                     JOIN catalog_role_assignments r ON r.catalog_id = p.catalog_id \
                     WHERE r.role = 'owner' AND r.user_id = ",
                )
                .push_bind(owner)
                .push(")");
        }
        if let Some(before) = before {
            query.push(" AND id < ").push_bind(before);
        }
        query.push(" ORDER BY id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<DefinitionRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Replaces a definition if it is still at `version`.
pub async fn replace_definition(
    db: &Db,
    id: Uuid,
    version: i64,
    write: &DefinitionWrite,
    audit: impl FnOnce(&DefinitionRow) -> AuditEvent,
) -> StoreResult<DefinitionRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE review_definitions SET name = $1, definition = $2, package_id = $3, \
             next_start_at = $4, updated_at = $5, version = version + 1 \
             WHERE id = $6 AND version = $7",
        )
        .bind(&write.name)
        .bind(&write.definition)
        .bind(write.package_id)
        .bind(write.next_start_at)
        .bind(write.now)
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_definition(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a definition with its instances and items.
pub async fn delete_definition(
    db: &Db,
    id: Uuid,
    audit: impl FnOnce(&DefinitionRow) -> AuditEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_definition(&mut *conn, id).await? else {
            return Ok(false);
        };
        sqlx::query("DELETE FROM review_definitions WHERE id = $1")
            .bind(id)
            .execute(&mut *conn)
            .await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(true)
    });
    tx.commit_if_ok(out).await
}

/// Definitions whose next occurrence is due: (id, version).
pub async fn due_definitions(
    db: &Db,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM review_definitions WHERE next_start_at IS NOT NULL \
         AND next_start_at <= $1 ORDER BY next_start_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

pub struct InstanceInsert {
    pub id: Uuid,
    pub occurrence: i64,
    pub resource: String,
    pub resource_name: String,
    pub state: &'static str,
    pub record: String,
    pub due_at: Option<DateTime<Utc>>,
}

/// Records that the occurrence of definition `id` (at `version`) started: its instances, the
/// new count and the next start. Compare-and-set, so one replica plans it.
pub async fn plan_occurrence(
    db: &Db,
    id: Uuid,
    version: i64,
    occurrences_started: i64,
    next_start_at: Option<DateTime<Utc>>,
    instances: &[InstanceInsert],
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE review_definitions SET occurrences_started = $1, next_start_at = $2, \
             version = version + 1 WHERE id = $3 AND version = $4",
        )
        .bind(occurrences_started)
        .bind(next_start_at)
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        for instance in instances {
            sqlx::query(
                "INSERT INTO review_instances (id, definition_id, occurrence, resource, \
                 resource_name, state, record, due_at, created_at, updated_at, version) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1) \
                 ON CONFLICT (definition_id, occurrence, resource) DO NOTHING",
            )
            .bind(instance.id)
            .bind(id)
            .bind(instance.occurrence)
            .bind(&instance.resource)
            .bind(&instance.resource_name)
            .bind(instance.state)
            .bind(&instance.record)
            .bind(instance.due_at)
            .bind(now)
            .execute(&mut *conn)
            .await?;
        }
        Ok::<_, StoreError>(())
    });
    tx.commit_if_ok(out).await
}

const INSTANCE_SELECT: &str = "SELECT i.id, i.definition_id, d.name AS definition_name, \
     d.package_id, i.occurrence, i.resource, i.resource_name, i.state, i.record, i.due_at, \
     i.created_at, i.updated_at, i.version \
     FROM review_instances i JOIN review_definitions d ON d.id = i.definition_id";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InstanceRow {
    pub id: Uuid,
    pub definition_id: Uuid,
    pub definition_name: String,
    pub package_id: Option<Uuid>,
    pub occurrence: i64,
    pub resource: String,
    pub resource_name: String,
    #[sqlx(try_from = "&'a str")]
    pub state: ReviewInstanceState,
    pub record: String,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

pub async fn find_instance(db: &Db, id: Uuid) -> StoreResult<Option<InstanceRow>> {
    let row = on_db!(db, pool => {
        let mut query = QueryBuilder::new(INSTANCE_SELECT);
        query.push(" WHERE i.id = ").push_bind(id);
        query.build_query_as::<InstanceRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// The instances with these ids, in no particular order; ids that name none are left out.
pub async fn find_instances(db: &Db, ids: &[Uuid]) -> StoreResult<Vec<InstanceRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(INSTANCE_SELECT);
        query.push(" WHERE i.id IN ");
        push_ids(&mut query, ids);
        query.build_query_as::<InstanceRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Which instances a list shows, newest first.
pub enum InstanceList {
    OfDefinition(Uuid),
    /// In progress, with items the user reviews in the current stage.
    ReviewedBy(Uuid),
}

pub async fn list_instances(
    db: &Db,
    list: &InstanceList,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<InstanceRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(INSTANCE_SELECT);
        match list {
            InstanceList::OfDefinition(id) => query.push(" WHERE i.definition_id = ").push_bind(*id),
            InstanceList::ReviewedBy(user) => query
                .push(
                    " WHERE i.state = 'in_progress' AND i.id IN \
                     (SELECT instance_id FROM review_item_reviewers WHERE user_id = ",
                )
                .push_bind(*user)
                .push(")"),
        };
        if let Some(before) = before {
            query.push(" AND i.id < ").push_bind(before);
        }
        query.push(" ORDER BY i.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<InstanceRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The newest instance of a definition, with how many items it has and how many of them
/// have an outcome.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LatestInstanceRow {
    pub id: Uuid,
    pub definition_id: Uuid,
    #[sqlx(try_from = "&'a str")]
    pub state: ReviewInstanceState,
    pub items: i64,
    pub decided: i64,
}

/// The newest instance of each of `definitions` that has one, in one query.
pub async fn latest_instances(
    db: &Db,
    definitions: &[Uuid],
) -> StoreResult<Vec<LatestInstanceRow>> {
    if definitions.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT i.id, i.definition_id, i.state, \
             (SELECT COUNT(*) FROM review_items t WHERE t.instance_id = i.id) AS items, \
             (SELECT COUNT(*) FROM review_items t WHERE t.instance_id = i.id \
              AND t.outcome <> 'not_reviewed') AS decided \
             FROM review_instances i WHERE NOT EXISTS (SELECT 1 FROM review_instances n \
             WHERE n.definition_id = i.definition_id AND n.id > i.id) AND i.definition_id IN ",
        );
        push_ids(&mut query, definitions);
        query.build_query_as::<LatestInstanceRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// How many in-progress instances have items waiting for the user.
pub async fn count_reviews_waiting(db: &Db, user: Uuid) -> StoreResult<i64> {
    let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
        "SELECT COUNT(DISTINCT r.instance_id) FROM review_item_reviewers r \
         JOIN review_instances i ON i.id = r.instance_id \
         WHERE r.user_id = $1 AND i.state = 'in_progress'",
    )
    .bind(user)
    .fetch_one(pool)
    .await)?;
    Ok(count)
}

pub async fn due_instances(
    db: &Db,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM review_instances WHERE due_at IS NOT NULL AND due_at <= $1 \
         ORDER BY due_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub id: Uuid,
    pub instance_id: Uuid,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    #[sqlx(try_from = "&'a str")]
    pub user_type: UserType,
    pub outcome: String,
    pub record: String,
    pub version: i64,
}

const ITEM_SELECT: &str = "SELECT it.id, it.instance_id, it.user_id, u.username, \
     u.display_name, u.user_type, it.outcome, it.record, it.version \
     FROM review_items it JOIN users u ON u.id = it.user_id";

pub async fn find_item(db: &Db, id: Uuid) -> StoreResult<Option<ItemRow>> {
    let row = on_db!(db, pool => {
        let mut query = QueryBuilder::new(ITEM_SELECT);
        query.push(" WHERE it.id = ").push_bind(id);
        query.build_query_as::<ItemRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Which items a list shows, by person.
#[derive(Clone, Debug, Default)]
pub struct ItemFilter {
    /// Only items this user reviews in the current stage.
    pub reviewer: Option<Uuid>,
    pub outcome: Option<&'static str>,
    /// Lowercase text in the person's username or display name.
    pub search: Option<String>,
    /// Only these items.
    pub ids: Option<Vec<Uuid>>,
}

/// The items of `instance` the filter lets through, by username then id, after `after`
/// (username, id); all of them when `limit` is `None`.
pub async fn list_items(
    db: &Db,
    instance: Uuid,
    filter: &ItemFilter,
    after: Option<(String, Uuid)>,
    limit: Option<u32>,
) -> StoreResult<Vec<ItemRow>> {
    if filter.ids.as_ref().is_some_and(Vec::is_empty) {
        return Ok(Vec::new());
    }
    let search = filter.search.as_deref().map(Search::new);
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(ITEM_SELECT);
        query.push(" WHERE it.instance_id = ").push_bind(instance);
        if let Some(reviewer) = filter.reviewer {
            query
                .push(" AND it.id IN (SELECT item_id FROM review_item_reviewers WHERE instance_id = ")
                .push_bind(instance)
                .push(" AND user_id = ")
                .push_bind(reviewer)
                .push(")");
        }
        if let Some(outcome) = filter.outcome {
            query.push(" AND it.outcome = ").push_bind(outcome);
        }
        if let Some(search) = &search {
            query.push(" AND ");
            push_matches(&mut query, Searched::PeopleByName, "u", search);
        }
        if let Some(ids) = &filter.ids {
            query.push(" AND it.id IN ");
            push_ids(&mut query, ids);
        }
        if let Some((username, id)) = &after {
            query
                .push(" AND (u.username > ")
                .push_bind(username.as_str())
                .push(" OR (u.username = ")
                .push_bind(username.as_str())
                .push(" AND it.id > ")
                .push_bind(*id)
                .push("))");
        }
        query.push(" ORDER BY u.username, it.id");
        if let Some(limit) = limit {
            query.push(" LIMIT ").push_bind(i64::from(limit));
        }
        query.build_query_as::<ItemRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// The review items about one person, newest first (item ids are time-ordered), older than
/// the item `before`.
pub async fn list_items_of_person(
    db: &Db,
    user: Uuid,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<ItemRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(ITEM_SELECT);
        query.push(" WHERE it.user_id = ").push_bind(user);
        if let Some(before) = before {
            query.push(" AND it.id < ").push_bind(before);
        }
        query.push(" ORDER BY it.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<ItemRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// One item as written.
pub struct ItemWrite {
    pub id: Uuid,
    /// The version read; another change since makes the whole write [`StoreError::Conflict`].
    pub version: i64,
    pub outcome: &'static str,
    pub record: String,
}

pub struct NewItem {
    pub id: Uuid,
    pub user_id: Uuid,
    pub outcome: &'static str,
    pub record: String,
}

/// What an instance transition writes.
pub struct InstanceWrite {
    pub state: &'static str,
    pub record: String,
    pub due_at: Option<DateTime<Utc>>,
    pub now: DateTime<Utc>,
}

/// Rows per multi-row INSERT: well under both databases' limits on bound values.
const ROWS_PER_INSERT: usize = 300;

/// Writes an instance transition: the instance (compare-and-set on `version`), new items,
/// changed items (each compare-and-set), and, when given, the reviewers of every item in the
/// current stage (replacing the old), with notifications and audit events.
#[allow(clippy::too_many_arguments)]
pub async fn write_instance(
    db: &Db,
    id: Uuid,
    version: i64,
    write: &InstanceWrite,
    new_items: &[NewItem],
    changed_items: &[ItemWrite],
    reviewers: Option<&[(Uuid, Uuid)]>,
    notes: &[NewNotification],
    audit: &[AuditEvent],
) -> StoreResult<()> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE review_instances SET state = $1, record = $2, due_at = $3, updated_at = $4, \
             version = version + 1 WHERE id = $5 AND version = $6",
        )
        .bind(write.state)
        .bind(&write.record)
        .bind(write.due_at)
        .bind(write.now)
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        for chunk in new_items.chunks(ROWS_PER_INSERT) {
            let mut insert = QueryBuilder::new(
                "INSERT INTO review_items (id, instance_id, user_id, outcome, record, version) ",
            );
            insert.push_values(chunk, |mut row, item| {
                row.push_bind(item.id)
                    .push_bind(id)
                    .push_bind(item.user_id)
                    .push_bind(item.outcome)
                    .push_bind(item.record.as_str())
                    .push("1");
            });
            insert.build().execute(&mut *conn).await?;
        }
        for item in changed_items {
            let changed = sqlx::query(
                "UPDATE review_items SET outcome = $1, record = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4",
            )
            .bind(item.outcome)
            .bind(&item.record)
            .bind(item.id)
            .bind(item.version)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
        }
        if let Some(reviewers) = reviewers {
            sqlx::query("DELETE FROM review_item_reviewers WHERE instance_id = $1")
                .bind(id)
                .execute(&mut *conn)
                .await?;
            for chunk in reviewers.chunks(ROWS_PER_INSERT) {
                let mut insert = QueryBuilder::new(
                    "INSERT INTO review_item_reviewers (item_id, instance_id, user_id) ",
                );
                insert.push_values(chunk, |mut row, (item, user)| {
                    row.push_bind(*item).push_bind(id).push_bind(*user);
                });
                insert.build().execute(&mut *conn).await?;
            }
        }
        for note in notes {
            insert_notification(&mut *conn, note).await?;
        }
        for event in audit {
            insert_audit_event(&mut *conn, event).await?;
        }
        Ok::<_, StoreError>(())
    });
    tx.commit_if_ok(out).await
}

/// Writes decided items (each compare-and-set) with their audit events, while the instance is
/// still at `instance_version`: a decision racing the end of its stage loses.
pub async fn write_decisions(
    db: &Db,
    instance: Uuid,
    instance_version: i64,
    items: &[ItemWrite],
    audit: &[AuditEvent],
) -> StoreResult<()> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let (current,): (i64,) = sqlx::query_as("SELECT version FROM review_instances WHERE id = $1")
            .bind(instance)
            .fetch_one(&mut *conn)
            .await?;
        if current != instance_version {
            return Err(StoreError::Conflict);
        }
        for item in items {
            let changed = sqlx::query(
                "UPDATE review_items SET outcome = $1, record = $2, version = version + 1 \
                 WHERE id = $3 AND version = $4",
            )
            .bind(item.outcome)
            .bind(&item.record)
            .bind(item.id)
            .bind(item.version)
            .execute(&mut *conn)
            .await?
            .rows_affected();
            if changed == 0 {
                return Err(StoreError::Conflict);
            }
        }
        for event in audit {
            insert_audit_event(&mut *conn, event).await?;
        }
        Ok::<_, StoreError>(())
    });
    tx.commit_if_ok(out).await
}

/// A person in scope of a review when it starts.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ScopedPerson {
    pub id: Uuid,
    pub created_at: DateTime<Utc>,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    #[sqlx(try_from = "&'a str")]
    pub user_type: UserType,
}

/// The members of `group`.
pub async fn group_scope(db: &Db, group: Uuid) -> StoreResult<Vec<ScopedPerson>> {
    scope(
        db,
        "SELECT u.id, u.created_at, u.last_sign_in_at, u.user_type FROM group_members m \
         JOIN users u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.id",
        group,
        None,
    )
    .await
}

/// Everyone holding a role of `application`.
pub async fn application_scope(db: &Db, application: Uuid) -> StoreResult<Vec<ScopedPerson>> {
    scope(
        db,
        "SELECT u.id, u.created_at, u.last_sign_in_at, u.user_type FROM users u WHERE u.id IN \
         (SELECT a.user_id FROM app_role_assignments a JOIN app_roles r ON r.id = a.app_role_id \
         WHERE r.application_id = $1) ORDER BY u.id",
        application,
        None,
    )
    .await
}

/// Everyone with a delivered assignment of `package` (under `policy`, when given).
pub async fn package_scope(
    db: &Db,
    package: Uuid,
    policy: Option<Uuid>,
) -> StoreResult<Vec<ScopedPerson>> {
    match policy {
        None => {
            scope(
                db,
                "SELECT u.id, u.created_at, u.last_sign_in_at, u.user_type FROM assignments a \
             JOIN users u ON u.id = a.user_id WHERE a.package_id = $1 AND a.state = 'delivered' \
             ORDER BY u.id",
                package,
                None,
            )
            .await
        }
        Some(policy) => {
            scope(
                db,
                "SELECT u.id, u.created_at, u.last_sign_in_at, u.user_type FROM assignments a \
             JOIN users u ON u.id = a.user_id WHERE a.package_id = $1 AND a.state = 'delivered' \
             AND a.policy_id = $2 ORDER BY u.id",
                package,
                Some(policy),
            )
            .await
        }
    }
}

async fn scope(
    db: &Db,
    sql: &'static str,
    id: Uuid,
    second: Option<Uuid>,
) -> StoreResult<Vec<ScopedPerson>> {
    let rows = on_db!(db, pool => {
        let mut query = sqlx::query_as::<_, ScopedPerson>(sql).bind(id);
        if let Some(second) = second {
            query = query.bind(second);
        }
        query.fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Every user's manager and whether they are enabled: what reviewer resolution needs, read in
/// one query however many people are reviewed.
pub async fn managers_and_enabled(db: &Db) -> StoreResult<Vec<(Uuid, Option<Uuid>, bool)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, manager_id, enabled FROM users",
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Removes `user`'s membership of `group` after a review denied it, unless a delivered
/// assignment grants it, queues its removal at the connected systems, and tells them with
/// `note`: (removed, whether there was anything to remove).
pub async fn remove_group_member(
    db: &Db,
    group: Uuid,
    user: Uuid,
    note: &NewNotification,
    now: DateTime<Utc>,
) -> StoreResult<(bool, bool)> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let (held,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
        )
        .bind(group)
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
        let removed = sqlx::query(
            "DELETE FROM group_members WHERE group_id = $1 AND user_id = $2 AND NOT EXISTS ( \
             SELECT 1 FROM assignments a JOIN package_resource_roles r \
             ON r.package_id = a.package_id WHERE a.user_id = $2 AND a.state = 'delivered' \
             AND r.kind = 'group_member' AND r.group_id = $1)",
        )
        .bind(group)
        .bind(user)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if removed > 0 {
            let change = RoleChange { user, resource: group, assignment: None };
            queue_for_changes(&mut *conn, RoleTable::GroupMembers, &[change], Action::Remove, now)
                .await?;
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>((removed > 0, held > 0))
    });
    tx.commit_if_ok(out).await
}

/// Removes `user`'s roles of `application` after a review denied them, except those a
/// delivered assignment grants, queues their removal at the connected systems, and tells them
/// with `note`: (removed, whether there was anything to remove).
pub async fn remove_application_roles(
    db: &Db,
    application: Uuid,
    user: Uuid,
    note: &NewNotification,
    now: DateTime<Utc>,
) -> StoreResult<(bool, bool)> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let (held,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM app_role_assignments a JOIN app_roles r ON r.id = a.app_role_id \
             WHERE r.application_id = $1 AND a.user_id = $2",
        )
        .bind(application)
        .bind(user)
        .fetch_one(&mut *conn)
        .await?;
        let removed: Vec<(Uuid,)> = sqlx::query_as(
            "DELETE FROM app_role_assignments WHERE user_id = $2 AND app_role_id IN \
             (SELECT id FROM app_roles WHERE application_id = $1) AND NOT EXISTS ( \
             SELECT 1 FROM assignments a JOIN package_resource_roles r \
             ON r.package_id = a.package_id WHERE a.user_id = $2 AND a.state = 'delivered' \
             AND r.kind = 'app_role' AND r.app_role_id = app_role_assignments.app_role_id) \
             RETURNING app_role_id",
        )
        .bind(application)
        .bind(user)
        .fetch_all(&mut *conn)
        .await?;
        if !removed.is_empty() {
            let changes: Vec<RoleChange> = removed
                .iter()
                .map(|(role,)| RoleChange { user, resource: *role, assignment: None })
                .collect();
            queue_for_changes(&mut *conn, RoleTable::AppRoleAssignments, &changes, Action::Remove, now)
                .await?;
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>((!removed.is_empty(), held > 0))
    });
    tx.commit_if_ok(out).await
}

/// The access a review asks about, as [`list_grants`] looks for the assignments that give it.
#[derive(Clone, Copy, Debug)]
pub enum GrantedAccess {
    /// Membership of the group.
    Group(Uuid),
    /// Any role of the application.
    Application(Uuid),
    /// The package itself, given under `policy` only when one is named.
    Package { package: Uuid, policy: Option<Uuid> },
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct GrantRow {
    pub user_id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub policy_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
}

/// The delivered assignments through which `users` hold `access`, oldest first.
pub async fn list_grants(
    db: &Db,
    access: GrantedAccess,
    users: &[Uuid],
) -> StoreResult<Vec<GrantRow>> {
    if users.is_empty() {
        return Ok(Vec::new());
    }
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(
            "SELECT a.user_id, a.package_id, p.name AS package_name, a.policy_name, \
             a.starts_at, a.ends_at FROM assignments a \
             JOIN access_packages p ON p.id = a.package_id \
             WHERE a.state = 'delivered' AND a.user_id IN ",
        );
        push_ids(&mut query, users);
        match access {
            GrantedAccess::Group(group) => {
                query
                    .push(
                        " AND a.package_id IN (SELECT r.package_id FROM package_resource_roles r \
                         WHERE r.kind = 'group_member' AND r.group_id = ",
                    )
                    .push_bind(group)
                    .push(")");
            }
            GrantedAccess::Application(application) => {
                query
                    .push(
                        " AND a.package_id IN (SELECT r.package_id FROM package_resource_roles r \
                         JOIN app_roles ar ON ar.id = r.app_role_id WHERE ar.application_id = ",
                    )
                    .push_bind(application)
                    .push(")");
            }
            GrantedAccess::Package { package, policy } => {
                query.push(" AND a.package_id = ").push_bind(package);
                if let Some(policy) = policy {
                    query.push(" AND a.policy_id = ").push_bind(policy);
                }
            }
        }
        query.push(" ORDER BY a.starts_at, a.id");
        query.build_query_as::<GrantRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// One delivered assignment of a person with one resource role of its package (a package
/// without roles gives one row with none): what [`list_grants_of_person`] reads to tell which
/// of the person's assignments give a reviewed access.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PersonGrantRow {
    pub assignment_id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub policy_id: Option<Uuid>,
    pub policy_name: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    /// The role's kind (`group_member`, `group_owner`, `app_role`), if the package has roles.
    pub role_kind: Option<String>,
    pub group_id: Option<Uuid>,
    /// The application of an application role.
    pub application_id: Option<Uuid>,
}

/// Every delivered assignment of `user` with the resource roles of its package, oldest
/// assignment first: in one statement, whatever the number of reviews asked about.
pub async fn list_grants_of_person(db: &Db, user: Uuid) -> StoreResult<Vec<PersonGrantRow>> {
    let rows = on_db!(db, pool => sqlx::query_as::<_, PersonGrantRow>(
        "SELECT a.id AS assignment_id, a.package_id, p.name AS package_name, a.policy_id, \
         a.policy_name, a.starts_at, a.ends_at, r.kind AS role_kind, r.group_id, \
         ar.application_id FROM assignments a \
         JOIN access_packages p ON p.id = a.package_id \
         LEFT JOIN package_resource_roles r ON r.package_id = a.package_id \
         LEFT JOIN app_roles ar ON ar.id = r.app_role_id \
         WHERE a.state = 'delivered' AND a.user_id = $1 \
         ORDER BY a.starts_at, a.id",
    )
    .bind(user)
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}
