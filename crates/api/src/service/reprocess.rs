//! Reprocessing an assignment or a whole package, as the reference product's "reprocess"
//! does: directory rows changed by hand are put back to what the delivered assignments say
//! (missing memberships, ownerships and application roles granted again), and rows the
//! package's ended assignments left behind are taken away. The difference is answered and
//! audited (`assignment.reprocess`, `package.reprocess`); a dry run only reports it.

use chrono::Utc;
use tessera_domain::assignment::{PersonSummary, ReprocessChange, ReprocessQuery, ReprocessReport};
use tessera_domain::package::ResourceRoleKind;
use tessera_domain::{AccessPackageId, AppRoleId, GroupId, UserId};

use super::audit_event;
use crate::auth::Actor;
use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::assignments::{AssignmentRow, RoleTable};
use crate::store::reprocess::{Difference, RoleRow, Scope};

/// Reprocesses one assignment: its person's rows for its package.
pub async fn reprocess_assignment(
    _proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    actor: &Actor,
    assignment: &AssignmentRow,
    query: &ReprocessQuery,
) -> ApiResult<ReprocessReport> {
    let scope = Scope {
        package: assignment.package_id,
        user: Some(assignment.user_id),
    };
    let target = assignment.id.to_string();
    run(
        state,
        actor,
        scope,
        query,
        "assignment.reprocess",
        "assignment",
        target,
    )
    .await
}

/// Reprocesses every assignment of a package.
pub async fn reprocess_package(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    query: &ReprocessQuery,
) -> ApiResult<ReprocessReport> {
    let row = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let scope = Scope {
        package: row.id,
        user: None,
    };
    let target = row.id.to_string();
    run(
        state,
        actor,
        scope,
        query,
        "package.reprocess",
        "access_package",
        target,
    )
    .await
}

async fn run(
    state: &AppState,
    actor: &Actor,
    scope: Scope,
    query: &ReprocessQuery,
    action: &'static str,
    target_type: &'static str,
    target_id: String,
) -> ApiResult<ReprocessReport> {
    let dry_run = query.dry_run;
    let difference = store::reprocess::reprocess(&state.db, scope, Utc::now(), dry_run, |found| {
        let report = report(found, dry_run);
        audit_event::<(), _>(
            Some(actor),
            action,
            target_type,
            target_id.clone(),
            None,
            Some(&report),
        )
    })
    .await?;
    let report = report(&difference, dry_run);
    if !dry_run && !report.is_empty() {
        tracing::info!(
            action,
            target = %target_id,
            added = report.added.len(),
            removed = report.removed.len(),
            "directory put back to what the assignments say"
        );
    }
    Ok(report)
}

fn report(found: &Difference, dry_run: bool) -> ReprocessReport {
    ReprocessReport {
        dry_run,
        added: found.missing.iter().map(change).collect(),
        removed: found.stale.iter().map(change).collect(),
    }
}

fn change(row: &RoleRow) -> ReprocessChange {
    let kind = match row.table {
        RoleTable::GroupMembers => ResourceRoleKind::GroupMember,
        RoleTable::GroupOwners => ResourceRoleKind::GroupOwner,
        RoleTable::AppRoleAssignments => ResourceRoleKind::AppRole,
    };
    let is_app_role = kind == ResourceRoleKind::AppRole;
    ReprocessChange {
        user: PersonSummary {
            id: UserId::from_uuid(row.user_id),
            username: row.username.clone(),
            display_name: row.display_name.clone(),
            guest: row.user_type == "guest",
        },
        kind,
        group_id: (!is_app_role).then(|| GroupId::from_uuid(row.resource_id)),
        app_role_id: is_app_role.then(|| AppRoleId::from_uuid(row.resource_id)),
        resource_name: row.resource_name.clone(),
    }
}
