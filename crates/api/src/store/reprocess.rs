//! Reprocessing: comparing what a package's delivered assignments say the directory should
//! hold with what it holds, and putting it right, in one transaction.
//!
//! A row is missing when a delivered assignment of the package calls for it and the directory
//! has no such row (whoever created it: an administrator's row counts as present). A row is
//! stale when an assignment created it (`granted_by_assignment`), the person's assignment of
//! this package has ended, and no delivered assignment of any package grants it any more: the
//! rows that ending the assignment should have removed.
//!
//! What is restored or removed is queued for the connected systems too, in the same
//! transaction, as any other change of these rows is.

use chrono::{DateTime, Utc};
use sqlx::QueryBuilder;
use uuid::Uuid;

use super::assignments::RoleTable;
use super::audit::{AuditEvent, insert_audit_event};
use super::provisioning::{Action, RoleChange, queue_for_changes};
use super::{Db, StoreError, StoreResult, Tx, on_db};

/// What is reprocessed: every assignment of `package`, or only `user`'s.
#[derive(Clone, Copy, Debug)]
pub struct Scope {
    pub package: Uuid,
    pub user: Option<Uuid>,
}

/// One directory row found missing or stale, with the names a report shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoleRow {
    pub table: RoleTable,
    pub user_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub user_type: String,
    /// The group or the app role.
    pub resource_id: Uuid,
    pub resource_name: String,
    /// The delivered assignment that calls for a missing row; the ended one behind a stale row.
    pub assignment_id: Option<Uuid>,
}

/// A [`RoleRow`] as read, before its table is known.
#[derive(sqlx::FromRow)]
struct Found {
    user_id: Uuid,
    username: String,
    display_name: String,
    user_type: String,
    resource_id: Uuid,
    resource_name: String,
    assignment_id: Option<Uuid>,
}

impl Found {
    fn of(self, table: RoleTable) -> RoleRow {
        RoleRow {
            table,
            user_id: self.user_id,
            username: self.username,
            display_name: self.display_name,
            user_type: self.user_type,
            resource_id: self.resource_id,
            resource_name: self.resource_name,
            assignment_id: self.assignment_id,
        }
    }
}

/// What reprocessing found (and, unless it was a dry run, changed).
#[derive(Clone, Debug, Default)]
pub struct Difference {
    pub missing: Vec<RoleRow>,
    pub stale: Vec<RoleRow>,
}

/// The resource's name as a report shows it, from `package_resource_roles r`.
fn resource_name(table: RoleTable) -> &'static str {
    match table {
        RoleTable::GroupMembers | RoleTable::GroupOwners => {
            "(SELECT g.name FROM groups g WHERE g.id = r.group_id)"
        }
        RoleTable::AppRoleAssignments => {
            "(SELECT ap.name || ' / ' || ar.name FROM app_roles ar \
             JOIN applications ap ON ap.id = ar.application_id WHERE ar.id = r.app_role_id)"
        }
    }
}

/// Compares and, unless `dry_run`, puts right the directory for `scope`, writing the audit
/// event `audit` makes of the difference (a difference found in a dry run is not audited).
pub async fn reprocess(
    db: &Db,
    scope: Scope,
    now: DateTime<Utc>,
    dry_run: bool,
    audit: impl FnOnce(&Difference) -> AuditEvent,
) -> StoreResult<Difference> {
    let mut tx = Tx::begin(db).await?;
    let out = on_db!(&mut tx, conn => {
        let mut found = Difference::default();
        for table in RoleTable::ALL {
            let (name, resource, since) = table.parts();
            // Rows the delivered assignments call for that the directory lacks.
            let mut missing = QueryBuilder::new("SELECT a.user_id, u.username, u.display_name, \
                 u.user_type, r.");
            missing
                .push(resource)
                .push(" AS resource_id, ")
                .push(resource_name(table))
                .push(
                    " AS resource_name, a.id AS assignment_id FROM assignments a \
                     JOIN users u ON u.id = a.user_id \
                     JOIN package_resource_roles r ON r.package_id = a.package_id \
                     WHERE a.state = 'delivered' AND a.package_id = ",
                )
                .push_bind(scope.package)
                .push(" AND r.kind = ")
                .push_bind(table.kind());
            if let Some(user) = scope.user {
                missing.push(" AND a.user_id = ").push_bind(user);
            }
            missing
                .push(" AND NOT EXISTS (SELECT 1 FROM ")
                .push(name)
                .push(" t WHERE t.user_id = a.user_id AND t.")
                .push(resource)
                .push(" = r.")
                .push(resource)
                .push(")");
            let rows: Vec<Found> = missing.build_query_as().fetch_all(&mut *conn).await?;
            found.missing.extend(rows.into_iter().map(|row| row.of(table)));

            // Rows assignments granted, whose assignment of this package ended, that nothing
            // delivered grants any more.
            let mut stale = QueryBuilder::new("SELECT u.id AS user_id, u.username, \
                 u.display_name, u.user_type, r.");
            stale
                .push(resource)
                .push(" AS resource_id, ")
                .push(resource_name(table))
                .push(
                    " AS resource_name, (SELECT e.id FROM assignments e \
                     WHERE e.package_id = r.package_id AND e.user_id = u.id \
                     AND e.state IN ('expired', 'removed') \
                     ORDER BY e.ended_at DESC, e.id DESC LIMIT 1) AS assignment_id FROM ",
                )
                .push(name)
                .push(" JOIN users u ON u.id = ")
                .push(name)
                .push(".user_id JOIN package_resource_roles r ON r.")
                .push(resource)
                .push(" = ")
                .push(name)
                .push(".")
                .push(resource)
                .push(" AND r.package_id = ")
                .push_bind(scope.package)
                .push(" AND r.kind = ")
                .push_bind(table.kind())
                .push(" WHERE ")
                .push(name)
                .push(".granted_by_assignment AND EXISTS (SELECT 1 FROM assignments a \
                     WHERE a.package_id = r.package_id AND a.user_id = ")
                .push(name)
                .push(".user_id AND a.state IN ('expired', 'removed'))");
            if let Some(user) = scope.user {
                stale.push(" AND u.id = ").push_bind(user);
            }
            stale.push(" AND ");
            table.push_not_granted_elsewhere(&mut stale);
            let rows: Vec<Found> = stale.build_query_as().fetch_all(&mut *conn).await?;
            found.stale.extend(rows.into_iter().map(|row| row.of(table)));

            if dry_run {
                continue;
            }
            for row in found.missing.iter().filter(|row| row.table == table) {
                let mut insert = QueryBuilder::new("INSERT INTO ");
                insert
                    .push(name)
                    .push(" (")
                    .push(resource)
                    .push(", user_id, ")
                    .push(since)
                    .push(", granted_by_assignment) VALUES (")
                    .push_bind(row.resource_id)
                    .push(", ")
                    .push_bind(row.user_id)
                    .push(", ")
                    .push_bind(now)
                    .push(", TRUE) ON CONFLICT (")
                    .push(resource)
                    .push(", user_id) DO NOTHING");
                insert.build().execute(&mut *conn).await?;
            }
            for row in found.stale.iter().filter(|row| row.table == table) {
                let mut delete = QueryBuilder::new("DELETE FROM ");
                delete
                    .push(name)
                    .push(" WHERE user_id = ")
                    .push_bind(row.user_id)
                    .push(" AND ")
                    .push(resource)
                    .push(" = ")
                    .push_bind(row.resource_id)
                    .push(" AND granted_by_assignment");
                delete.build().execute(&mut *conn).await?;
            }
            // The connected systems follow: what was restored is added there, what was
            // removed is taken out.
            let change = |row: &RoleRow| RoleChange {
                user: row.user_id,
                resource: row.resource_id,
                assignment: row.assignment_id,
            };
            let restored: Vec<RoleChange> =
                found.missing.iter().filter(|row| row.table == table).map(change).collect();
            queue_for_changes(&mut *conn, table, &restored, Action::Add, now).await?;
            let removed: Vec<RoleChange> =
                found.stale.iter().filter(|row| row.table == table).map(change).collect();
            queue_for_changes(&mut *conn, table, &removed, Action::Remove, now).await?;
        }
        let key = |row: &RoleRow| (row.username.clone(), row.resource_name.clone(), row.resource_id);
        found.missing.sort_by_key(key);
        found.stale.sort_by_key(key);
        if !dry_run {
            insert_audit_event(&mut *conn, &audit(&found)).await?;
        }
        Ok::<_, StoreError>(found)
    });
    if dry_run {
        // Nothing was written; let the transaction roll back.
        return out;
    }
    tx.commit_if_ok(out).await
}
