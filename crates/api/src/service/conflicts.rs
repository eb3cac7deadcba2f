//! Separation of duties: what a person holds that a package is incompatible with, and the
//! report of the people who hold a package and access incompatible with it.

use tessera_domain::assignment::{ConflictView, ConflictingAccess, PersonSummary};
use tessera_domain::user::UserType;
use tessera_domain::{AccessPackageId, AssignmentId, GroupId, UserId};
use uuid::Uuid;

use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::ManageAssignments;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::assignments::ConflictRow;

fn conflict_view(row: &ConflictRow) -> ConflictingAccess {
    match row {
        ConflictRow::Package {
            package_id,
            name,
            assignment_id,
        } => ConflictingAccess::AccessPackage {
            access_package_id: AccessPackageId::from_uuid(*package_id),
            name: name.clone(),
            assignment_id: AssignmentId::from_uuid(*assignment_id),
        },
        ConflictRow::Group { group_id, name } => ConflictingAccess::Group {
            group_id: GroupId::from_uuid(*group_id),
            name: name.clone(),
        },
    }
}

/// What `user` holds that `package` is incompatible with, in words, e.g. "the access package
/// Payments".
pub async fn conflicts_of(state: &AppState, package: Uuid, user: Uuid) -> ApiResult<Vec<String>> {
    Ok(store::assignments::conflicts_for(&state.db, package, user)
        .await?
        .iter()
        .map(name_conflict)
        .collect())
}

fn name_conflict(conflict: &ConflictRow) -> String {
    match conflict {
        ConflictRow::Package { name, .. } => format!("the access package {name}"),
        ConflictRow::Group { name, .. } => format!("membership of the group {name}"),
    }
}

pub(crate) fn describe(conflicts: &[ConflictRow]) -> String {
    let named: Vec<String> = conflicts.iter().map(name_conflict).collect();
    format!(
        "Separation of duties: the person holds {}, which this package is incompatible with.",
        named.join(", ")
    )
}

/// People who hold the package and access it is incompatible with (either way round for
/// packages; membership for groups), by username.
pub async fn list_conflicts(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Vec<ConflictView>> {
    let package = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let rows = store::assignments::list_holder_conflicts(&state.db, package.id).await?;
    Ok(rows
        .iter()
        .map(|row| ConflictView {
            user: PersonSummary {
                id: UserId::from_uuid(row.user_id),
                username: row.username.clone(),
                display_name: row.display_name.clone(),
                guest: row.user_type == UserType::Guest,
            },
            assignment_id: AssignmentId::from_uuid(row.assignment_id),
            conflicting: conflict_view(&row.conflict),
        })
        .collect())
}

const CONFLICT_CSV_HEADER: [&str; 7] = [
    "user_id",
    "username",
    "display_name",
    "assignment_id",
    "conflict_kind",
    "conflict_id",
    "conflict_name",
];

pub async fn export_conflicts(
    proof: &CatalogProof<ManageAssignments>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Vec<u8>> {
    let conflicts = list_conflicts(proof, state, package).await?;
    let records = conflicts.iter().map(|conflict| {
        let (kind, id, name) = match &conflict.conflicting {
            ConflictingAccess::AccessPackage {
                access_package_id,
                name,
                ..
            } => ("access_package", access_package_id.to_string(), name),
            ConflictingAccess::Group { group_id, name } => ("group", group_id.to_string(), name),
        };
        vec![
            conflict.user.id.to_string(),
            conflict.user.username.clone(),
            conflict.user.display_name.clone(),
            conflict.assignment_id.to_string(),
            kind.to_string(),
            id,
            name.clone(),
        ]
    });
    super::csv::write(&CONFLICT_CSV_HEADER, records)
}
