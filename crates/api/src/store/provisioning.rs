//! Connectors, their bindings, and the provisioning outbox.
//!
//! Operations are written in the transaction that changes a person's groups and app roles:
//! [`queue_for_package`] when an assignment grants a package, [`queue_for_changes`] for the
//! rows actually revoked (an assignment ending, a role leaving a package, a review's removal,
//! reprocessing) or restored, [`queue_for_new_role`] when a package with holders gains a role,
//! and [`queue_deactivation`] when a person leaves. Without bindings they cost one small
//! `SELECT`.
//!
//! Workers claim due operations like the webhook deliveries are claimed
//! ([`super::webhooks::claim_next_due`]): a compare-and-set lease in `claimed_until`, plus
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL. An operation is due only when no older operation of
//! its binding and person is pending, so an add and a later remove are never reordered.

use chrono::{DateTime, SubsecRound, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use tessera_domain::connector::ConnectorSettings;

use super::assignments::RoleTable;
use super::audit::{AuditEvent, insert_audit_event};
use super::notifications::NextAttempt;
use super::{Conn, Db, Pooled, StoreError, StoreResult, Tx, on_db, select};

/// What an operation does at the target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Add,
    Remove,
    Deactivate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
            Action::Deactivate => "deactivate",
        }
    }

    pub fn parse(text: &str) -> Option<Action> {
        match text {
            "add" => Some(Action::Add),
            "remove" => Some(Action::Remove),
            "deactivate" => Some(Action::Deactivate),
            _ => None,
        }
    }
}

/// Writes one pending `action` for `user` per (binding, connector) in `targets`; a `None`
/// binding is an operation of the whole connector (`deactivate`). Each gets its `seq` from the
/// database, which orders it after everything written before it.
async fn insert_operations<'c>(
    conn: impl Into<Conn<'c>>,
    targets: &[(Option<Uuid>, Uuid)],
    user: Uuid,
    assignment: Option<Uuid>,
    action: Action,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    for (binding, connector) in targets {
        on_db!(&mut conn, conn => sqlx::query(
            "INSERT INTO provisioning_operations (id, binding_id, connector_id, user_id, \
             assignment_id, action, state, attempts, next_attempt_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)",
        )
        .bind(Uuid::now_v7())
        .bind(binding)
        .bind(connector)
        .bind(user)
        .bind(assignment)
        .bind(action.as_str())
        .bind(now)
        .execute(conn)
        .await
        .map(|_| ()))?;
    }
    Ok(())
}

/// Queues `action` for `user` on every binding of package `package`'s group memberships and
/// app roles, through `conn` inside the transaction that grants or revokes them.
pub(crate) async fn queue_for_package<'c>(
    conn: impl Into<Conn<'c>>,
    package: Uuid,
    user: Uuid,
    assignment: Option<Uuid>,
    action: Action,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let bindings: Vec<(Uuid, Uuid)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT b.id, b.connector_id FROM connector_bindings b \
         JOIN package_resource_roles r ON (r.kind = 'group_member' AND b.group_id = r.group_id) \
         OR (r.kind = 'app_role' AND b.app_role_id = r.app_role_id) \
         WHERE r.package_id = $1 ORDER BY b.id",
    )
    .bind(package)
    .fetch_all(conn)
    .await)?;
    let targets: Vec<(Option<Uuid>, Uuid)> = bindings
        .into_iter()
        .map(|(binding, connector)| (Some(binding), connector))
        .collect();
    insert_operations(&mut conn, &targets, user, assignment, action, now).await
}

/// One person gaining or losing one group membership or app role, and the assignment behind
/// the change when there is one (its deliveries then show the operations).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RoleChange {
    pub user: Uuid,
    /// The group or the app role, of the table the caller names.
    pub resource: Uuid,
    pub assignment: Option<Uuid>,
}

/// Queues `action` for every change in `changes` (groups or app roles, as `table` says) on
/// every binding of its resource, through `conn` inside the transaction that made the changes.
/// This is how every change of a directory row reaches the connected systems; group ownership
/// is not provisioned.
pub(crate) async fn queue_for_changes<'c>(
    conn: impl Into<Conn<'c>>,
    table: RoleTable,
    changes: &[RoleChange],
    action: Action,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let column = match table {
        RoleTable::GroupMembers => "group_id",
        RoleTable::AppRoleAssignments => "app_role_id",
        RoleTable::GroupOwners => return Ok(()),
    };
    let mut resources: Vec<Uuid> = changes.iter().map(|change| change.resource).collect();
    resources.sort_unstable();
    resources.dedup();
    if resources.is_empty() {
        return Ok(());
    }
    let mut conn: Conn<'c> = conn.into();
    let bindings: Vec<(Uuid, Uuid, Uuid)> = on_db!(&mut conn, conn => {
        let mut query = QueryBuilder::new("SELECT id, connector_id, ");
        query
            .push(column)
            .push(" FROM connector_bindings WHERE ")
            .push(column)
            .push(" IN (");
        let mut list = query.separated(", ");
        for resource in &resources {
            list.push_bind(*resource);
        }
        query.push(") ORDER BY id");
        query.build_query_as().fetch_all(conn).await
    })?;
    if bindings.is_empty() {
        return Ok(());
    }
    for change in changes {
        let targets: Vec<(Option<Uuid>, Uuid)> = bindings
            .iter()
            .filter(|(_, _, resource)| *resource == change.resource)
            .map(|(binding, connector, _)| (Some(*binding), *connector))
            .collect();
        insert_operations(
            &mut conn,
            &targets,
            change.user,
            change.assignment,
            action,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Queues an `add` on every binding of the resource role `role` (a row of
/// `package_resource_roles`, just added to its package) for everyone its package is delivered
/// to, through `conn` in the transaction that grants it to them. Adding is idempotent at the
/// target, so people who held the role already are included.
pub(crate) async fn queue_for_new_role<'c>(
    conn: impl Into<Conn<'c>>,
    role: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let holders: Vec<(Uuid, Uuid, String, Uuid)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT a.user_id, a.id, r.kind, COALESCE(r.group_id, r.app_role_id) \
         FROM package_resource_roles r JOIN assignments a \
         ON a.package_id = r.package_id AND a.state = 'delivered' WHERE r.id = $1 \
         ORDER BY a.id",
    )
    .bind(role)
    .fetch_all(conn)
    .await)?;
    let Some((_, _, kind, _)) = holders.first() else {
        return Ok(());
    };
    let table = RoleTable::of_kind(super::decode_variant(kind)?);
    let changes: Vec<RoleChange> = holders
        .iter()
        .map(|(user, assignment, _, resource)| RoleChange {
            user: *user,
            resource: *resource,
            assignment: Some(*assignment),
        })
        .collect();
    queue_for_changes(&mut conn, table, &changes, Action::Add, now).await
}

/// Queues a `deactivate` of `user` at every connector configured to deactivate leavers, through
/// `conn` in the transaction in which they leave (are disabled or deleted). One operation per
/// connector, whatever its bindings: it marks the person, not a membership. It goes out after
/// the removals queued before it in the same transaction.
pub(crate) async fn queue_deactivation<'c>(
    conn: impl Into<Conn<'c>>,
    user: Uuid,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let mut conn: Conn<'c> = conn.into();
    let connectors: Vec<(Uuid, String)> = on_db!(&mut conn, conn => sqlx::query_as(
        "SELECT id, settings FROM connectors ORDER BY id",
    )
    .fetch_all(conn)
    .await)?;
    let targets: Vec<(Option<Uuid>, Uuid)> = connectors
        .into_iter()
        .filter(|(_, settings)| deactivates_leavers(settings))
        .map(|(connector, _)| (None, connector))
        .collect();
    insert_operations(&mut conn, &targets, user, None, Action::Deactivate, now).await
}

/// Whether stored connector settings ask for leavers to be deactivated. Settings that do not
/// parse ask for nothing (the worker reports them when it pushes the connector's operations).
fn deactivates_leavers(settings: &str) -> bool {
    match serde_json::from_str::<ConnectorSettings>(settings) {
        Ok(ConnectorSettings::Scim(scim)) => scim.deactivate_on_leave,
        Ok(ConnectorSettings::Ldap(_)) | Err(_) => false,
    }
}

// ---- connectors ----

const CONNECTOR_COLUMNS: &str =
    "id, name, settings, secret <> '' AS has_secret, enabled, created_at, updated_at, version";

/// A connector without its secret.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ConnectorRow {
    pub id: Uuid,
    pub name: String,
    pub settings: String,
    pub has_secret: bool,
    pub enabled: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// A connector's fields as an insert or an update writes them; `secret: None` keeps it.
#[derive(Clone)]
pub struct ConnectorRecord {
    pub id: Uuid,
    pub name: String,
    pub settings: String,
    pub secret: Option<String>,
    pub enabled: bool,
    pub now: DateTime<Utc>,
}

async fn fetch_connector<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<ConnectorRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(CONNECTOR_COLUMNS, "connectors WHERE id = ");
        query.push_bind(id);
        query.build_query_as::<ConnectorRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub async fn insert_connector(
    db: &Db,
    record: &ConnectorRecord,
    audit: impl FnOnce(&ConnectorRow) -> AuditEvent,
) -> StoreResult<ConnectorRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO connectors (id, name, name_key, settings, secret, enabled, created_at, \
             updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(record.id)
        .bind(&record.name)
        .bind(record.name.to_lowercase())
        .bind(&record.settings)
        .bind(record.secret.as_deref().unwrap_or_default())
        .bind(record.enabled)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        let row = fetch_connector(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

pub async fn find_connector(db: &Db, id: Uuid) -> StoreResult<Option<ConnectorRow>> {
    let mut conn = on_db!(db, pool => pool.acquire().await.map(Pooled::from))?;
    fetch_connector(&mut conn, id).await
}

/// The stored settings of every enabled connector: what the workers may push to.
pub async fn list_enabled_settings(db: &Db) -> StoreResult<Vec<String>> {
    let rows: Vec<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT settings FROM connectors WHERE enabled ORDER BY id",
    )
    .fetch_all(pool)
    .await)?;
    Ok(rows.into_iter().map(|(settings,)| settings).collect())
}

/// The connector's secret, for connecting; never for an answer.
pub async fn find_connector_secret(db: &Db, id: Uuid) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = on_db!(db, pool => sqlx::query_as(
        "SELECT secret FROM connectors WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await)?;
    Ok(row.map(|(secret,)| secret))
}

/// Connectors, newest first (ids are time-ordered), older than `before`.
pub async fn list_connectors(
    db: &Db,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<ConnectorRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(CONNECTOR_COLUMNS, "connectors WHERE (");
        query
            .push_bind(before)
            .push(" IS NULL OR id < ")
            .push_bind(before)
            .push(") ORDER BY id DESC LIMIT ")
            .push_bind(i64::from(limit));
        query.build_query_as::<ConnectorRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Replaces a connector's fields if it is still at `seen_version`.
pub async fn update_connector(
    db: &Db,
    record: &ConnectorRecord,
    seen_version: i64,
    audit: impl FnOnce(&ConnectorRow) -> AuditEvent,
) -> StoreResult<ConnectorRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let changed = sqlx::query(
            "UPDATE connectors SET name = $1, name_key = $2, settings = $3, \
             secret = COALESCE($4, secret), enabled = $5, updated_at = $6, \
             version = version + 1 WHERE id = $7 AND version = $8",
        )
        .bind(&record.name)
        .bind(record.name.to_lowercase())
        .bind(&record.settings)
        .bind(record.secret.as_deref())
        .bind(record.enabled)
        .bind(record.now)
        .bind(record.id)
        .bind(seen_version)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_connector(&mut *conn, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// Deletes a connector, its bindings and their operations. `None`: no such connector.
pub async fn delete_connector(
    db: &Db,
    id: Uuid,
    audit: impl FnOnce(&ConnectorRow) -> AuditEvent,
) -> StoreResult<Option<ConnectorRow>> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_connector(&mut *conn, id).await? else {
            return Ok(None);
        };
        for statement in [
            "DELETE FROM provisioning_operations WHERE connector_id = $1",
            "DELETE FROM connector_bindings WHERE connector_id = $1",
            "DELETE FROM connectors WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *conn).await?;
        }
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(Some(row))
    });
    tx.commit_if_ok(out).await
}

// ---- bindings ----

const BINDING_COLUMNS: &str = "b.id, b.connector_id, b.group_id, b.app_role_id, b.target, \
     b.created_at, COALESCE((SELECT g.name FROM groups g WHERE g.id = b.group_id), \
     (SELECT ap.name || ' / ' || ar.name FROM app_roles ar \
     JOIN applications ap ON ap.id = ar.application_id WHERE ar.id = b.app_role_id), '') \
     AS resource_name";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BindingRow {
    pub id: Uuid,
    pub connector_id: Uuid,
    pub group_id: Option<Uuid>,
    pub app_role_id: Option<Uuid>,
    pub target: String,
    pub created_at: DateTime<Utc>,
    pub resource_name: String,
}

pub struct BindingRecord {
    pub id: Uuid,
    pub connector_id: Uuid,
    pub group_id: Option<Uuid>,
    pub app_role_id: Option<Uuid>,
    pub target: String,
    pub now: DateTime<Utc>,
}

async fn fetch_binding<'c>(
    conn: impl Into<Conn<'c>>,
    connector: Uuid,
    id: Uuid,
) -> StoreResult<Option<BindingRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(BINDING_COLUMNS, "connector_bindings b WHERE b.id = ");
        query.push_bind(id).push(" AND b.connector_id = ").push_bind(connector);
        query.build_query_as::<BindingRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub async fn insert_binding(
    db: &Db,
    record: &BindingRecord,
    audit: impl FnOnce(&BindingRow) -> AuditEvent,
) -> StoreResult<BindingRow> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO connector_bindings (id, connector_id, group_id, app_role_id, target, \
             created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(record.id)
        .bind(record.connector_id)
        .bind(record.group_id)
        .bind(record.app_role_id)
        .bind(&record.target)
        .bind(record.now)
        .execute(&mut *conn)
        .await?;
        let row = fetch_binding(&mut *conn, record.connector_id, record.id)
            .await?
            .ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(row)
    });
    tx.commit_if_ok(out).await
}

/// A connector's bindings, oldest first.
pub async fn list_bindings(db: &Db, connector: Uuid) -> StoreResult<Vec<BindingRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(BINDING_COLUMNS, "connector_bindings b WHERE b.connector_id = ");
        query.push_bind(connector).push(" ORDER BY b.id");
        query.build_query_as::<BindingRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Deletes a binding and its operations. `None`: no such binding of this connector.
pub async fn delete_binding(
    db: &Db,
    connector: Uuid,
    id: Uuid,
    audit: impl FnOnce(&BindingRow) -> AuditEvent,
) -> StoreResult<Option<BindingRow>> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let Some(row) = fetch_binding(&mut *conn, connector, id).await? else {
            return Ok(None);
        };
        for statement in [
            "DELETE FROM provisioning_operations WHERE binding_id = $1",
            "DELETE FROM connector_bindings WHERE id = $1",
        ] {
            sqlx::query(statement).bind(id).execute(&mut *conn).await?;
        }
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(Some(row))
    });
    tx.commit_if_ok(out).await
}

// ---- operations ----

const OPERATION_COLUMNS: &str = "o.id, o.seq, o.binding_id, o.connector_id, \
     c.name AS connector_name, COALESCE(b.target, '') AS target, o.user_id, o.assignment_id, o.action, o.state, o.attempts, o.next_attempt_at, \
     o.last_attempt_at, o.last_error, o.created_at, o.done_at, o.decided_by, o.version, \
     u.username";

const OPERATION_FROM: &str = "provisioning_operations o \
     JOIN connectors c ON c.id = o.connector_id \
     LEFT JOIN connector_bindings b ON b.id = o.binding_id \
     JOIN users u ON u.id = o.user_id WHERE ";

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OperationRow {
    pub id: Uuid,
    /// The order the database wrote it in.
    pub seq: i64,
    /// `None` for an operation of the whole connector (`deactivate`).
    pub binding_id: Option<Uuid>,
    pub connector_id: Uuid,
    pub connector_name: String,
    /// The binding's target; empty for an operation of the whole connector.
    pub target: String,
    pub user_id: Uuid,
    pub assignment_id: Option<Uuid>,
    pub action: String,
    pub state: String,
    pub attempts: i64,
    pub next_attempt_at: DateTime<Utc>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    pub decided_by: Option<Uuid>,
    pub version: i64,
    pub username: String,
}

async fn fetch_operation<'c>(
    conn: impl Into<Conn<'c>>,
    id: Uuid,
) -> StoreResult<Option<OperationRow>> {
    let mut conn: Conn<'c> = conn.into();
    let row = on_db!(&mut conn, conn => {
        let mut query = select(OPERATION_COLUMNS, OPERATION_FROM);
        query.push("o.id = ").push_bind(id);
        query.build_query_as::<OperationRow>().fetch_optional(conn).await
    })?;
    Ok(row)
}

pub async fn find_operation(db: &Db, id: Uuid) -> StoreResult<Option<OperationRow>> {
    let mut conn = on_db!(db, pool => pool.acquire().await.map(Pooled::from))?;
    fetch_operation(&mut conn, id).await
}

/// The operations an assignment caused, oldest first.
pub async fn list_operations_of_assignment(
    db: &Db,
    assignment: Uuid,
) -> StoreResult<Vec<OperationRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(OPERATION_COLUMNS, OPERATION_FROM);
        query
            .push("o.assignment_id = ")
            .push_bind(assignment)
            .push(" ORDER BY o.seq");
        query.build_query_as::<OperationRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Connector `connector`'s operations, newest first, older than `before`, only those in
/// `state` when it is given.
pub async fn list_operations_of_connector(
    db: &Db,
    connector: Uuid,
    state: Option<&str>,
    before: Option<Uuid>,
    limit: u32,
) -> StoreResult<Vec<OperationRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(OPERATION_COLUMNS, OPERATION_FROM);
        query.push("o.connector_id = ").push_bind(connector);
        if let Some(state) = state {
            query.push(" AND o.state = ").push_bind(state);
        }
        if let Some(before) = before {
            query.push(" AND o.id < ").push_bind(before);
        }
        query.push(" ORDER BY o.id DESC LIMIT ").push_bind(i64::from(limit));
        query.build_query_as::<OperationRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// Every operation of `user`, oldest first: for tests and operators.
pub async fn list_operations_of_user(db: &Db, user: Uuid) -> StoreResult<Vec<OperationRow>> {
    let rows = on_db!(db, pool => {
        let mut query = select(OPERATION_COLUMNS, OPERATION_FROM);
        query.push("o.user_id = ").push_bind(user).push(" ORDER BY o.seq");
        query.build_query_as::<OperationRow>().fetch_all(pool).await
    })?;
    Ok(rows)
}

/// An administrator's decision on an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// A failed operation is due again now, with its attempts counted afresh.
    Retry,
    /// A failed or pending operation (not held by a worker) is given up.
    Skip,
}

/// The condition that an operation newer than `provisioning_operations.<row>` exists for the
/// same person at the same binding (or connector-wide, for `deactivate`): what the person
/// should hold there has changed since `<row>` was written.
fn superseded(row: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM provisioning_operations n WHERE n.connector_id = {row}.connector_id \
         AND n.user_id = {row}.user_id AND n.seq > {row}.seq AND (n.binding_id = {row}.binding_id \
         OR n.binding_id IS NULL OR {row}.binding_id IS NULL))"
    )
}

/// The same person and binding, with a connector-wide operation (`binding_id` null) counting
/// for every binding of its connector: operations of one such queue go out in `seq` order.
const SAME_QUEUE: &str = "e.connector_id = o.connector_id AND e.user_id = o.user_id \
     AND (e.binding_id = o.binding_id OR e.binding_id IS NULL OR o.binding_id IS NULL)";

/// What [`decide_operation`] did.
pub enum Decided {
    Decided(Box<OperationRow>),
    /// A retry refused: a newer operation for the same person and binding exists, so pushing
    /// this one again could undo it (a failed `add` retried after the `remove` that followed
    /// it went out would give the access back). Nothing was written.
    Superseded,
}

/// Applies `decision` by `actor` to operation `id` seen at `seen_version`, compare-and-set,
/// with its audit event. `Conflict`: it changed meanwhile or is not in a state the decision
/// applies to.
pub async fn decide_operation(
    db: &Db,
    id: Uuid,
    seen_version: i64,
    decision: Decision,
    actor: Uuid,
    now: DateTime<Utc>,
    audit: impl FnOnce(&OperationRow) -> AuditEvent,
) -> StoreResult<Decided> {
    let statement = match decision {
        // The superseded condition (`superseded`) is repeated in the update, so that a newer
        // operation committed after the check below still stops the retry.
        Decision::Retry => {
            "UPDATE provisioning_operations SET state = 'pending', attempts = 0, \
             next_attempt_at = $1, decided_by = $2, version = version + 1 \
             WHERE id = $3 AND version = $4 AND state = 'failed' AND NOT EXISTS \
             (SELECT 1 FROM provisioning_operations n \
             WHERE n.connector_id = provisioning_operations.connector_id \
             AND n.user_id = provisioning_operations.user_id \
             AND n.seq > provisioning_operations.seq \
             AND (n.binding_id = provisioning_operations.binding_id OR n.binding_id IS NULL \
             OR provisioning_operations.binding_id IS NULL))"
        }
        Decision::Skip => {
            "UPDATE provisioning_operations SET state = 'skipped', decided_by = $2, \
             claimed_until = NULL, version = version + 1 WHERE id = $3 AND version = $4 \
             AND (state = 'failed' OR (state = 'pending' \
             AND (claimed_until IS NULL OR claimed_until <= $1)))"
        }
    };
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        if decision == Decision::Retry {
            let mut newer = QueryBuilder::new("SELECT COUNT(*) FROM provisioning_operations WHERE id = ");
            newer.push_bind(id).push(" AND ").push(superseded("provisioning_operations"));
            let (count,): (i64,) = newer.build_query_as().fetch_one(&mut *conn).await?;
            if count > 0 {
                return Ok(Decided::Superseded);
            }
        }
        let changed = sqlx::query(statement)
            .bind(now)
            .bind(actor)
            .bind(id)
            .bind(seen_version)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if changed == 0 {
            return Err(StoreError::Conflict);
        }
        let row = fetch_operation(&mut *conn, id).await?.ok_or(StoreError::Conflict)?;
        insert_audit_event(&mut *conn, &audit(&row)).await?;
        Ok::<_, StoreError>(Decided::Decided(Box::new(row)))
    });
    tx.commit_if_ok(out).await
}

/// An operation a worker holds the lease of, with what it needs to push it. Not `Debug`: it
/// carries the connector's secret.
#[derive(Clone, sqlx::FromRow)]
pub struct ClaimedOperation {
    pub id: Uuid,
    pub connector_id: Uuid,
    /// `None` for an operation of the whole connector (`deactivate`).
    pub binding_id: Option<Uuid>,
    pub action: String,
    /// Failed attempts so far.
    pub attempts: i64,
    /// The binding's target; empty for an operation of the whole connector.
    pub target: String,
    pub settings: String,
    pub secret: String,
    pub user_id: Uuid,
    pub username: String,
    pub email: String,
    pub external_id: Option<String>,
    pub display_name: String,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub user_enabled: bool,
    pub deleted_at: Option<DateTime<Utc>>,
    /// The lease this worker wrote; recording the outcome needs it to still be there.
    pub claimed_until: DateTime<Utc>,
}

/// Claims the due operation waiting longest, writing the lease `lease_until` into it. An
/// operation is due when it is pending, its time has come, nobody's lease holds it, its
/// connector is enabled, and no older operation (by `seq`) of its binding and person is
/// pending (a connector-wide `deactivate` shares every binding's queue). `None`: nothing is
/// due.
///
/// The update repeats the conditions on the row itself, so it is a compare-and-set: of two
/// workers that picked the same row, the second changes nothing. On PostgreSQL the candidate
/// is also locked with `FOR UPDATE SKIP LOCKED`.
pub async fn claim_next_due(
    db: &Db,
    now: DateTime<Utc>,
    lease_until: DateTime<Utc>,
) -> StoreResult<Option<ClaimedOperation>> {
    let lease_until = lease_until.trunc_subsecs(6);
    let lock = match db {
        Db::Sqlite(_) => "",
        Db::Postgres(_) => " FOR UPDATE OF o SKIP LOCKED",
    };
    let claimed: Option<(Uuid,)> = on_db!(db.writer(), pool => {
        let mut claim =
            QueryBuilder::new("UPDATE provisioning_operations SET claimed_until = ");
        claim
            .push_bind(lease_until)
            .push(
                " WHERE id = (SELECT o.id FROM provisioning_operations o \
                 JOIN connectors c ON c.id = o.connector_id \
                 WHERE c.enabled AND o.state = 'pending' AND o.next_attempt_at <= ",
            )
            .push_bind(now)
            .push(" AND (o.claimed_until IS NULL OR o.claimed_until <= ")
            .push_bind(now)
            .push(") AND NOT EXISTS (SELECT 1 FROM provisioning_operations e WHERE ")
            .push(SAME_QUEUE)
            .push(" AND e.state = 'pending' AND e.seq < o.seq) ORDER BY o.next_attempt_at, o.seq LIMIT 1")
            .push(lock)
            .push(") AND state = 'pending' AND (claimed_until IS NULL OR claimed_until <= ")
            .push_bind(now)
            .push(") RETURNING id");
        claim.build_query_as().fetch_optional(pool).await
    })?;
    let Some((id,)) = claimed else {
        return Ok(None);
    };
    let row = on_db!(db, pool => sqlx::query_as::<_, ClaimedOperation>(
        "SELECT o.id, o.connector_id, o.binding_id, o.action, o.attempts, \
         COALESCE(b.target, '') AS target, \
         c.settings, c.secret, u.id AS user_id, u.username, u.email, u.external_id, \
         u.display_name, u.given_name, u.family_name, u.enabled AS user_enabled, u.deleted_at, \
         o.claimed_until FROM provisioning_operations o \
         JOIN connectors c ON c.id = o.connector_id \
         LEFT JOIN connector_bindings b ON b.id = o.binding_id \
         JOIN users u ON u.id = o.user_id \
         WHERE o.id = $1 AND o.claimed_until = $2",
    )
    .bind(id)
    .bind(lease_until)
    .fetch_optional(pool)
    .await)?;
    Ok(row)
}

/// Records that the claimed operation reached its target at `now`. `false`: the lease ran
/// out and another worker claimed it meanwhile.
pub async fn mark_done(
    db: &Db,
    claimed: &ClaimedOperation,
    now: DateTime<Utc>,
) -> StoreResult<bool> {
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE provisioning_operations SET state = 'done', done_at = $3, last_attempt_at = $3, \
         last_error = NULL, attempts = attempts + 1, claimed_until = NULL, version = version + 1 \
         WHERE id = $1 AND claimed_until = $2 AND state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(now)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}

/// Records a failed attempt and releases the operation: due again at the next attempt's
/// time, or `failed` for good. `false`: the lease ran out and another worker claimed it.
pub async fn mark_failed_attempt(
    db: &Db,
    claimed: &ClaimedOperation,
    error: &str,
    now: DateTime<Utc>,
    next: NextAttempt,
) -> StoreResult<bool> {
    let (state, next_attempt_at) = match next {
        NextAttempt::At(at) => ("pending", Some(at)),
        NextAttempt::GiveUp => ("failed", None),
    };
    let done = on_db!(db.writer(), pool => sqlx::query(
        "UPDATE provisioning_operations SET attempts = attempts + 1, last_error = $3, \
         last_attempt_at = $4, state = $5, next_attempt_at = COALESCE($6, next_attempt_at), \
         claimed_until = NULL, version = version + 1 \
         WHERE id = $1 AND claimed_until = $2 AND state = 'pending'",
    )
    .bind(claimed.id)
    .bind(claimed.claimed_until)
    .bind(error)
    .bind(now)
    .bind(state)
    .bind(next_attempt_at)
    .execute(pool)
    .await
    .map(|done| done.rows_affected()))?;
    Ok(done > 0)
}
