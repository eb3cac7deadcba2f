//! Assignments, and the directory rows they grant.
//!
//! Granting and revoking happen in the transaction that changes an assignment's state, so the
//! directory never disagrees with the assignments. A directory row an assignment created is
//! marked `granted_by_assignment`; it is removed when no delivered assignment grants it any
//! more. Rows that existed before (an administrator's, an import's) are never removed here.

use chrono::{DateTime, Utc};
use sqlx::{Database, Encode, QueryBuilder, Type};
use tessera_domain::assignment::AssignmentState;
use tessera_domain::package::ResourceRoleKind;
use tessera_domain::policy::ExtensionStage;
use tessera_domain::user::UserType;
use uuid::Uuid;

use super::audit::{AuditEvent, insert_audit_event};
use super::extensions::queue_assignment_calls;
use super::notifications::{NewNotification, insert_notification};
use super::provisioning::{Action, RoleChange, queue_for_changes, queue_for_package};
use super::{Conn, Db, Nullable, StoreError, StoreResult, Tx, decode_variant, on_db};

/// The directory tables a resource role writes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleTable {
    GroupMembers,
    GroupOwners,
    AppRoleAssignments,
}

impl RoleTable {
    pub const ALL: [RoleTable; 3] = [
        RoleTable::GroupMembers,
        RoleTable::GroupOwners,
        RoleTable::AppRoleAssignments,
    ];

    /// The table that `kind` (a `package_resource_roles.kind`) writes to.
    pub fn of_kind(kind: ResourceRoleKind) -> RoleTable {
        match kind {
            ResourceRoleKind::GroupMember => RoleTable::GroupMembers,
            ResourceRoleKind::GroupOwner => RoleTable::GroupOwners,
            ResourceRoleKind::AppRole => RoleTable::AppRoleAssignments,
        }
    }

    /// The stored `package_resource_roles.kind` of the roles this table grants.
    pub(super) fn kind(self) -> &'static str {
        let kind = match self {
            RoleTable::GroupMembers => ResourceRoleKind::GroupMember,
            RoleTable::GroupOwners => ResourceRoleKind::GroupOwner,
            RoleTable::AppRoleAssignments => ResourceRoleKind::AppRole,
        };
        kind.as_str()
    }

    /// (table, resource column in the table and in `package_resource_roles`, time column)
    pub(super) fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            RoleTable::GroupMembers => ("group_members", "group_id", "added_at"),
            RoleTable::GroupOwners => ("group_owners", "group_id", "added_at"),
            RoleTable::AppRoleAssignments => ("app_role_assignments", "app_role_id", "assigned_at"),
        }
    }

    /// `INSERT INTO <table> (<resource>, user_id, <since>, granted_by_assignment) SELECT
    /// r.<resource>, `: the start of a grant from `package_resource_roles r`. The caller pushes
    /// the user, the time, `TRUE FROM ...` and its conditions, then [`Self::push_grant_end`].
    fn grant_query<DB: Database>(self) -> QueryBuilder<DB> {
        let (name, resource, since) = self.parts();
        let mut grant = QueryBuilder::new("INSERT INTO ");
        grant
            .push(name)
            .push(" (")
            .push(resource)
            .push(", user_id, ")
            .push(since)
            .push(", granted_by_assignment) SELECT r.")
            .push(resource)
            .push(", ");
        grant
    }

    /// Ends a [`Self::grant_query`]: only this table's roles, and a row already there stays.
    fn push_grant_end<DB: Database>(self, grant: &mut QueryBuilder<DB>)
    where
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    {
        grant
            .push(" AND r.kind = ")
            .push_bind(self.kind())
            .push(" ON CONFLICT (")
            .push(self.parts().1)
            .push(", user_id) DO NOTHING");
    }

    /// Pushes the condition that no delivered assignment grants the row this table is looking
    /// at (the statement's target table, not aliased).
    pub(super) fn push_not_granted_elsewhere<DB: Database>(self, query: &mut QueryBuilder<DB>)
    where
        for<'q> &'q str: Encode<'q, DB> + Type<DB>,
    {
        let (table, resource, _) = self.parts();
        query
            .push(
                "NOT EXISTS (SELECT 1 FROM assignments a2 JOIN package_resource_roles r2 \
                 ON r2.package_id = a2.package_id WHERE a2.user_id = ",
            )
            .push(table)
            .push(".user_id AND a2.state = 'delivered' AND r2.kind = ")
            .push_bind(self.kind())
            .push(" AND r2.")
            .push(resource)
            .push(" = ")
            .push(table)
            .push(".")
            .push(resource)
            .push(")");
    }
}

/// Grants package `package`'s resource roles to `user` through `conn`, inside a transaction,
/// and queues an `add` for every connector binding of its groups and app roles (whether or not
/// the person held them already: adding is idempotent at the target). `assignment` is the
/// assignment that grants them, when there is one: its policy's `assignment_granted`
/// extensions are called.
pub(crate) async fn grant_package_roles<'c>(
    conn: impl Into<Conn<'c>>,
    package: Uuid,
    user: Uuid,
    assignment: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    for table in RoleTable::ALL {
        on_db!(&mut conn, conn => {
            let mut grant = table.grant_query();
            grant
                .push_bind(user)
                .push(", ")
                .push_bind(now)
                .push(", TRUE FROM package_resource_roles r WHERE r.package_id = ")
                .push_bind(package);
            table.push_grant_end(&mut grant);
            grant.build().execute(conn).await.map(|_| ())
        })?;
    }
    queue_for_package(&mut conn, package, user, assignment, Action::Add, now).await?;
    if let Some(assignment) = assignment {
        queue_assignment_calls(
            &mut conn,
            assignment,
            ExtensionStage::AssignmentGranted,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Revokes package `package`'s resource roles from `user` where nothing else grants them, and
/// queues a `remove` for every connector binding of the groups and app roles actually revoked.
/// `assignment` is the assignment that ended, when there is one: its policy's
/// `assignment_removal` extensions are called.
pub(crate) async fn revoke_package_roles<'c>(
    conn: impl Into<Conn<'c>>,
    package: Uuid,
    user: Uuid,
    assignment: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    for table in RoleTable::ALL {
        let (name, resource, _) = table.parts();
        let revoked = on_db!(&mut conn, conn => {
            let mut revoke = QueryBuilder::new("DELETE FROM ");
            revoke
                .push(name)
                .push(" WHERE user_id = ")
                .push_bind(user)
                .push(" AND granted_by_assignment AND ")
                .push(resource)
                .push(" IN (SELECT r.")
                .push(resource)
                .push(" FROM package_resource_roles r WHERE r.package_id = ")
                .push_bind(package)
                .push(" AND r.kind = ")
                .push_bind(table.kind())
                .push(") AND ");
            table.push_not_granted_elsewhere(&mut revoke);
            revoke.push(" RETURNING ").push(resource);
            revoke.build_query_as::<(Uuid,)>().fetch_all(conn).await
        })?;
        let revoked: Vec<RoleChange> = revoked
            .into_iter()
            .map(|(resource,)| RoleChange {
                user,
                resource,
                assignment,
            })
            .collect();
        queue_for_changes(&mut conn, table, &revoked, Action::Remove, now).await?;
    }
    if let Some(assignment) = assignment {
        queue_assignment_calls(
            &mut conn,
            assignment,
            ExtensionStage::AssignmentRemoval,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Grants the new resource role `role` of a package to everyone its package is delivered to,
/// and queues an `add` for them on every connector binding of its group or app role.
pub(crate) async fn grant_role_to_assignees<'c>(
    conn: impl Into<Conn<'c>>,
    role: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    for table in RoleTable::ALL {
        on_db!(&mut conn, conn => {
            let mut grant = table.grant_query();
            grant
                .push("a.user_id, ")
                .push_bind(now)
                .push(
                    ", TRUE FROM package_resource_roles r JOIN assignments a \
                     ON a.package_id = r.package_id AND a.state = 'delivered' WHERE r.id = ",
                )
                .push_bind(role);
            table.push_grant_end(&mut grant);
            grant.build().execute(conn).await.map(|_| ())
        })?;
    }
    super::provisioning::queue_for_new_role(&mut conn, role, now).await
}

/// Revokes `resource` (a group or an app role, of `table`) from everyone package `package` is
/// delivered to, where nothing else grants it, and queues a `remove` for those it was revoked
/// from on every connector binding of the resource.
pub(crate) async fn revoke_resource_from_assignees<'c>(
    conn: impl Into<Conn<'c>>,
    table: RoleTable,
    package: Uuid,
    resource: Option<Uuid>,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let (name, column, _) = table.parts();
    let revoked: Vec<(Uuid, Option<Uuid>)> = on_db!(&mut conn, conn => {
        let mut revoke = QueryBuilder::new("DELETE FROM ");
        revoke
            .push(name)
            .push(" WHERE ")
            .push(column)
            .push(" = ")
            .push_bind(resource)
            .push(
                " AND granted_by_assignment AND user_id IN (SELECT a.user_id FROM assignments a \
                 WHERE a.state = 'delivered' AND a.package_id = ",
            )
            .push_bind(package)
            .push(") AND ");
        table.push_not_granted_elsewhere(&mut revoke);
        // The assignment whose package lost the role, for its deliveries.
        revoke
            .push(
                " RETURNING user_id, (SELECT a.id FROM assignments a WHERE a.state = 'delivered' \
                 AND a.user_id = ",
            )
            .push(name)
            .push(".user_id AND a.package_id = ")
            .push_bind(package)
            .push(" LIMIT 1)");
        revoke.build_query_as().fetch_all(conn).await
    })?;
    let Some(resource) = resource else {
        return Ok(());
    };
    let revoked: Vec<RoleChange> = revoked
        .into_iter()
        .map(|(user, assignment)| RoleChange {
            user,
            resource,
            assignment,
        })
        .collect();
    queue_for_changes(&mut conn, table, &revoked, Action::Remove, now).await
}

/// How many active (scheduled or delivered) assignments policy `policy` has, through `conn`.
/// Used to refuse deleting a policy people still hold.
pub(crate) async fn count_active_assignments<'c>(
    conn: impl Into<Conn<'c>>,
    policy: Uuid,
) -> StoreResult<i64> {
    let mut conn: Conn<'c> = conn.into();
    let (count,): (i64,) = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT COUNT(*) FROM assignments WHERE policy_id = $1 \
         AND state IN ('scheduled', 'delivered')",
    )
    .bind(policy)
    .fetch_one(conn)
    .await)?;
    Ok(count)
}

const SELECT_ASSIGNMENT: &str = "SELECT a.id, a.package_id, p.name AS package_name, \
     p.catalog_id, a.policy_id, a.policy_name, a.user_id, u.username, \
     u.display_name AS user_display_name, u.user_type, a.state, a.starts_at, a.ends_at, \
     a.justification, a.answers, a.assigned_by, ab.username AS assigned_by_username, \
     ab.display_name AS assigned_by_display_name, ab.user_type AS assigned_by_user_type, \
     a.created_at, a.updated_at, a.ended_at, a.ended_by, eb.username AS ended_by_username, \
     eb.display_name AS ended_by_display_name, eb.user_type AS ended_by_user_type, a.version \
     FROM assignments a JOIN access_packages p ON p.id = a.package_id \
     JOIN users u ON u.id = a.user_id \
     LEFT JOIN users ab ON ab.id = a.assigned_by \
     LEFT JOIN users eb ON eb.id = a.ended_by";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AssignmentRow {
    pub id: Uuid,
    pub package_id: Uuid,
    pub package_name: String,
    pub catalog_id: Uuid,
    pub policy_id: Option<Uuid>,
    pub policy_name: String,
    pub user_id: Uuid,
    pub username: String,
    pub user_display_name: String,
    #[sqlx(try_from = "&'a str")]
    pub user_type: UserType,
    #[sqlx(try_from = "&'a str")]
    pub state: AssignmentState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub justification: Option<String>,
    pub answers: String,
    pub assigned_by: Option<Uuid>,
    pub assigned_by_username: Option<String>,
    pub assigned_by_display_name: Option<String>,
    #[sqlx(try_from = "Option<&'a str>")]
    pub assigned_by_user_type: Nullable<UserType>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_by: Option<Uuid>,
    pub ended_by_username: Option<String>,
    pub ended_by_display_name: Option<String>,
    #[sqlx(try_from = "Option<&'a str>")]
    pub ended_by_user_type: Nullable<UserType>,
    pub version: i64,
}

/// Reads the assignment `id` through `conn`.
pub(crate) async fn fetch_assignment<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<AssignmentRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = QueryBuilder::new(SELECT_ASSIGNMENT);
        query.push(" WHERE a.id = ").push_bind(id);
        query.build_query_as::<AssignmentRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

/// Access that stands in the way of an assignment under separation of duties.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConflictRow {
    /// An active assignment of a package the new one lists as incompatible.
    Package {
        package_id: Uuid,
        name: String,
        assignment_id: Uuid,
    },
    /// Membership of a group the new package is incompatible with.
    Group { group_id: Uuid, name: String },
}

/// The packages `$1` lists as incompatible that user `$2` holds. The relation is one way, as
/// documented: holders of a listed package may not get `$1`, but holders of `$1` may still get
/// a package that lists it, unless `$1` lists that one too.
pub(crate) const CONFLICTING_PACKAGES: &str = "SELECT p.id, p.name, a.id FROM assignments a \
     JOIN access_packages p ON p.id = a.package_id \
     WHERE a.user_id = $2 AND a.state IN ('scheduled', 'delivered') AND a.package_id IN ( \
     SELECT incompatible_package_id FROM package_incompatible_packages WHERE package_id = $1) \
     ORDER BY p.name_key, p.id";

pub(crate) const CONFLICTING_GROUPS: &str = "SELECT g.id, g.name FROM package_incompatible_groups i \
     JOIN group_members m ON m.group_id = i.group_id AND m.user_id = $2 \
     JOIN groups g ON g.id = i.group_id WHERE i.package_id = $1 ORDER BY g.name_key, g.id";

/// What `user` holds that conflicts with package `package`, through `conn`.
pub(crate) async fn find_conflicts<'c>(
    conn: impl Into<Conn<'c>>,
    package: Uuid,
    user: Uuid,
) -> StoreResult<Vec<ConflictRow>> {
    let mut conn: Conn<'c> = conn.into();
    let packages: Vec<(Uuid, String, Uuid)> = on_db!(&mut conn, conn => sqlx::query_as(CONFLICTING_PACKAGES)
        .bind(package)
        .bind(user)
        .fetch_all(conn)
        .await)?;
    let groups: Vec<(Uuid, String)> = on_db!(&mut conn, conn => sqlx::query_as(CONFLICTING_GROUPS)
        .bind(package)
        .bind(user)
        .fetch_all(conn)
        .await)?;
    Ok(packages
        .into_iter()
        .map(|(package_id, name, assignment_id)| ConflictRow::Package {
            package_id,
            name,
            assignment_id,
        })
        .chain(
            groups
                .into_iter()
                .map(|(group_id, name)| ConflictRow::Group { group_id, name }),
        )
        .collect())
}

/// Inserts an assignment row and, when it is delivered, grants its package's resource roles,
/// through `conn` inside a transaction. Separation of duties is the caller's to check first.
pub(crate) async fn insert_assignment_row<'c>(
    conn: impl Into<Conn<'c>>,
    record: &NewAssignmentRecord,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => sqlx::query(
        "INSERT INTO assignments (id, package_id, policy_id, policy_name, user_id, state, \
         starts_at, ends_at, justification, answers, assigned_by, created_at, updated_at, \
         version) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, 1)",
    )
    .bind(record.id)
    .bind(record.package_id)
    .bind(record.policy_id)
    .bind(&record.policy_name)
    .bind(record.user_id)
    .bind(record.state.as_str())
    .bind(record.starts_at)
    .bind(record.ends_at)
    .bind(record.justification.as_deref())
    .bind(&record.answers)
    .bind(record.assigned_by)
    .bind(record.now)
    .execute(conn)
    .await
    .map(|_| ()))?;
    if record.state == AssignmentState::Delivered {
        grant_package_roles(
            &mut conn,
            record.package_id,
            record.user_id,
            Some(record.id),
            record.now,
        )
        .await?;
        // Access given again lifts a guest's block.
        super::guests::lift_block(&mut conn, record.user_id, record.now).await?;
    }
    Ok(())
}

pub struct NewAssignmentRecord {
    pub id: Uuid,
    pub package_id: Uuid,
    pub policy_id: Uuid,
    pub policy_name: String,
    pub user_id: Uuid,
    /// `Scheduled` or `Delivered`.
    pub state: AssignmentState,
    pub starts_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub justification: Option<String>,
    pub answers: String,
    pub assigned_by: Option<Uuid>,
    pub now: DateTime<Utc>,
}

pub enum InsertAssignment {
    Inserted(Box<AssignmentRow>),
    /// Separation of duties forbids it; nothing was written.
    Conflicts(Vec<ConflictRow>),
}

/// Inserts an assignment and, when it is delivered, grants its package's resource roles, in
/// one transaction that first checks separation of duties. A second active assignment of the
/// same package to the same person is [`StoreError::Duplicate`].
pub async fn insert_assignment(
    db: &Db,
    record: &NewAssignmentRecord,
    audit: impl FnOnce(&AssignmentRow) -> AuditEvent,
) -> StoreResult<InsertAssignment> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let conflicts = find_conflicts(&mut *conn, record.package_id, record.user_id).await?;
        if !conflicts.is_empty() {
            return Ok(InsertAssignment::Conflicts(conflicts));
        }
        insert_assignment_row(&mut *conn, record).await?;
        let row = fetch_assignment(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(InsertAssignment::Inserted(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

pub async fn find_assignment(db: &Db, id: Uuid) -> StoreResult<Option<AssignmentRow>> {
    let row = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_ASSIGNMENT);
        query.push(" WHERE a.id = ").push_bind(id);
        query.build_query_as::<AssignmentRow>().fetch_optional(pool).await
    })?;
    Ok(row)
}

/// Which assignments a list shows. Every `Some` narrows it.
#[derive(Clone, Debug, Default)]
pub struct AssignmentFilter {
    pub catalog: Option<Uuid>,
    pub package: Option<Uuid>,
    pub user: Option<Uuid>,
    pub policy: Option<Uuid>,
    /// Only assignments ending at or after this (so never those without an end).
    pub ends_after: Option<DateTime<Utc>>,
    /// Only assignments ending before this.
    pub ends_before: Option<DateTime<Utc>>,
    /// The states let through; all when empty.
    pub states: Vec<&'static str>,
}

/// Assignments matching `filter`, newest first, after the cursor `before` (an id: ids are
/// time-ordered UUIDv7).
pub async fn list_assignments(
    db: &Db,
    filter: &AssignmentFilter,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<AssignmentRow>> {
    let rows = on_db!(db, pool => {
        let mut query = QueryBuilder::new(SELECT_ASSIGNMENT);
        let mut keyword = " WHERE ";
        let mut next = |query: &mut QueryBuilder<_>, condition: &str| {
            query.push(keyword).push(condition);
            keyword = " AND ";
        };
        let ids = [
            ("p.catalog_id = ", filter.catalog),
            ("a.package_id = ", filter.package),
            ("a.user_id = ", filter.user),
            ("a.policy_id = ", filter.policy),
        ];
        for (condition, id) in ids {
            if let Some(id) = id {
                next(&mut query, condition);
                query.push_bind(id);
            }
        }
        if let Some(after) = filter.ends_after {
            next(&mut query, "a.ends_at >= ");
            query.push_bind(after);
        }
        if let Some(before) = filter.ends_before {
            next(&mut query, "a.ends_at < ");
            query.push_bind(before);
        }
        if let Some(before) = before {
            next(&mut query, "a.id < ");
            query.push_bind(before);
        }
        if !filter.states.is_empty() {
            next(&mut query, "a.state IN (");
            let mut states = query.separated(", ");
            for state in &filter.states {
                states.push_bind(*state);
            }
            query.push(")");
        }
        query.push(" ORDER BY a.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<AssignmentRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// How an assignment leaves `delivered` or `scheduled`.
pub struct EndAssignment {
    pub id: Uuid,
    /// The version read; another change since makes this [`StoreError::Conflict`].
    pub version: i64,
    /// `expired` or `removed`.
    pub state: &'static str,
    pub ended_by: Option<Uuid>,
    pub now: DateTime<Utc>,
}

/// Ends an active assignment and revokes what only it granted, compare-and-set on its
/// version: when someone else changed it first, nothing is written and the answer is
/// [`StoreError::Conflict`].
pub async fn end_assignment(
    db: &Db,
    end: &EndAssignment,
    notes: &[NewNotification],
    audit: impl FnOnce(&AssignmentRow) -> AuditEvent,
) -> StoreResult<AssignmentRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => end_assignment_in(&mut *conn, end, notes, audit).await);
    tx.commit_if_ok(out).await
}

/// [`end_assignment`] inside the caller's transaction.
pub(crate) async fn end_assignment_in<'c>(
    conn: impl Into<Conn<'c>>,
    end: &EndAssignment,
    notes: &[NewNotification],
    audit: impl FnOnce(&AssignmentRow) -> AuditEvent,
) -> StoreResult<AssignmentRow> {
    let mut conn: Conn<'c> = conn.into();
    on_db!(&mut conn, conn => {
        let changed = sqlx::query(
            "UPDATE assignments SET state = $1, ended_at = $2, ended_by = $3, updated_at = $2, \
             version = version + 1 WHERE id = $4 AND version = $5 \
             AND state IN ('scheduled', 'delivered')",
        )
        .bind(end.state)
        .bind(end.now)
        .bind(end.ended_by)
        .bind(end.id)
        .bind(end.version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_assignment(&mut *conn, end.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        revoke_package_roles(&mut *conn, row.package_id, row.user_id, Some(row.id), end.now).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        for note in notes {
            insert_notification(&mut *conn, note).await?;
        }
        Ok::<_, StoreError>(row)
    })
}

/// Delivers a scheduled assignment whose start came, compare-and-set on its version.
pub async fn start_assignment(
    db: &Db,
    id: Uuid,
    version: i64,
    now: DateTime<Utc>,
    audit: impl FnOnce(&AssignmentRow) -> AuditEvent,
) -> StoreResult<AssignmentRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE assignments SET state = 'delivered', updated_at = $1, \
             version = version + 1 WHERE id = $2 AND version = $3 AND state = 'scheduled'",
        )
        .bind(now)
        .bind(id)
        .bind(version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_assignment(&mut *conn, id)
            .await?
            .ok_or(StoreError::Conflict)?;
        grant_package_roles(&mut *conn, row.package_id, row.user_id, Some(row.id), now).await?;
        super::guests::lift_block(&mut *conn, row.user_id, now).await?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Scheduled assignments whose start is at or before `now`, oldest first: (id, version).
pub async fn due_to_start(
    db: &Db,
    now: DateTime<Utc>,
    limit: u32,
) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM assignments WHERE state = 'scheduled' AND starts_at <= $1 \
         ORDER BY starts_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Delivered assignments whose end is at or before `now`, oldest first: (id, version).
pub async fn due_to_end(db: &Db, now: DateTime<Utc>, limit: u32) -> StoreResult<Vec<(Uuid, i64)>> {
    let rows = on_db!(db, pool => sqlx::query_as(
        "SELECT id, version FROM assignments WHERE state = 'delivered' AND ends_at <= $1 \
         ORDER BY ends_at, id LIMIT $2",
    )
    .bind(now)
    .bind(i64::from(limit))
    .fetch_all(pool)
    .await)?;
    Ok(rows)
}

/// Delivered assignments ending within `days` days of `now` whose reminder for that many
/// days (or fewer) was not sent: (id, user, package name, end).
pub async fn due_reminders(
    db: &Db,
    now: DateTime<Utc>,
    days: i64,
    limit: u32,
) -> StoreResult<Vec<(Uuid, Uuid, String, DateTime<Utc>)>> {
    let sql = "SELECT a.id, a.user_id, p.name, a.ends_at FROM assignments a \
         JOIN access_packages p ON p.id = a.package_id \
         WHERE a.state = 'delivered' AND a.ends_at IS NOT NULL AND a.ends_at > $1 \
         AND a.ends_at <= $2 AND (a.reminded_days IS NULL OR a.reminded_days > $3) \
         ORDER BY a.ends_at, a.id LIMIT $4";
    let until = now + chrono::TimeDelta::days(days);
    let rows = on_db!(db, pool => sqlx::query_as(sql)
        .bind(now)
        .bind(until)
        .bind(days)
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await)?;
    Ok(rows)
}

/// Records that the `days` reminder of assignment `id` went out, with its notification and its
/// `assignment.expiring` webhook event, once: a reminder another replica sent first is `false`.
pub async fn record_reminder(
    db: &Db,
    id: Uuid,
    days: i64,
    note: &NewNotification,
    event: &super::webhooks::NewWebhookEvent,
) -> StoreResult<bool> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE assignments SET reminded_days = $1 WHERE id = $2 AND state = 'delivered' \
             AND (reminded_days IS NULL OR reminded_days > $1)",
        )
        .bind(days)
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 1 {
            insert_notification(&mut *conn, note).await?;
            super::webhooks::insert_event(&mut *conn, event).await?;
        }
        Ok::<_, StoreError>(changed == 1)
    });
    tx.commit_if_ok(out).await
}

/// One person who holds package `package` and something it is incompatible with.
#[derive(Clone, Debug)]
pub struct HolderConflictRow {
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub user_type: UserType,
    pub assignment_id: Uuid,
    pub conflict: ConflictRow,
}

/// Holders of `$1` and the active assignments they have of packages incompatible with it,
/// either way round.
const HOLDER_PACKAGE_CONFLICTS: &str = "SELECT u.id, u.username, u.display_name, u.user_type, \
     a.id, p.id, p.name, o.id FROM assignments a JOIN users u ON u.id = a.user_id \
     JOIN assignments o ON o.user_id = a.user_id AND o.state IN ('scheduled', 'delivered') \
     JOIN access_packages p ON p.id = o.package_id \
     WHERE a.package_id = $1 AND a.state IN ('scheduled', 'delivered') AND o.package_id IN ( \
     SELECT incompatible_package_id FROM package_incompatible_packages WHERE package_id = $1 \
     UNION SELECT package_id FROM package_incompatible_packages \
     WHERE incompatible_package_id = $1)";

/// Holders of `$1` who are members of groups it is incompatible with.
const HOLDER_GROUP_CONFLICTS: &str = "SELECT u.id, u.username, u.display_name, u.user_type, \
     a.id, g.id, g.name FROM assignments a JOIN users u ON u.id = a.user_id \
     JOIN package_incompatible_groups i ON i.package_id = a.package_id \
     JOIN group_members m ON m.group_id = i.group_id AND m.user_id = a.user_id \
     JOIN groups g ON g.id = i.group_id \
     WHERE a.package_id = $1 AND a.state IN ('scheduled', 'delivered')";

/// Everyone with an active assignment of `package` who also holds access it is incompatible
/// with, by username.
pub async fn list_holder_conflicts(db: &Db, package: Uuid) -> StoreResult<Vec<HolderConflictRow>> {
    type PackageConflict = (Uuid, String, String, String, Uuid, Uuid, String, Uuid);
    type GroupConflict = (Uuid, String, String, String, Uuid, Uuid, String);
    let (packages, groups): (Vec<PackageConflict>, Vec<GroupConflict>) = on_db!(db, pool => {
        let packages = sqlx::query_as(HOLDER_PACKAGE_CONFLICTS)
            .bind(package)
            .fetch_all(pool)
            .await?;
        let groups = sqlx::query_as(HOLDER_GROUP_CONFLICTS)
            .bind(package)
            .fetch_all(pool)
            .await?;
        (packages, groups)
    });
    let mut rows: Vec<HolderConflictRow> = packages
        .into_iter()
        .map(
            |(
                user_id,
                username,
                display_name,
                user_type,
                assignment_id,
                package_id,
                name,
                other,
            )| {
                Ok(HolderConflictRow {
                    user_id,
                    username,
                    display_name,
                    user_type: decode_variant(&user_type)?,
                    assignment_id,
                    conflict: ConflictRow::Package {
                        package_id,
                        name,
                        assignment_id: other,
                    },
                })
            },
        )
        .chain(groups.into_iter().map(
            |(user_id, username, display_name, user_type, assignment_id, group_id, name)| {
                Ok(HolderConflictRow {
                    user_id,
                    username,
                    display_name,
                    user_type: decode_variant(&user_type)?,
                    assignment_id,
                    conflict: ConflictRow::Group { group_id, name },
                })
            },
        ))
        .collect::<StoreResult<_>>()?;
    rows.sort_by(|a, b| a.username.cmp(&b.username).then(a.user_id.cmp(&b.user_id)));
    Ok(rows)
}

/// What `user` holds that conflicts with `package` (outside a transaction: for checks before
/// one, and for telling people why they cannot request).
pub async fn conflicts_for(db: &Db, package: Uuid, user: Uuid) -> StoreResult<Vec<ConflictRow>> {
    let conflicts = on_db!(db, pool => {
        let mut conn = pool.acquire().await?;
        find_conflicts(&mut *conn, package, user).await?
    });
    Ok(conflicts)
}

/// Whether `user` is a member of at least one of `groups`.
pub async fn is_member_of_any(db: &Db, user: Uuid, groups: &[Uuid]) -> StoreResult<bool> {
    for group in groups {
        let (count,): (i64,) = on_db!(db, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM group_members WHERE group_id = $1 AND user_id = $2",
        )
        .bind(*group)
        .bind(user)
        .fetch_one(pool)
        .await)?;
        if count > 0 {
            return Ok(true);
        }
    }
    Ok(false)
}
