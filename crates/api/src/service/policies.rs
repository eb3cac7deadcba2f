//! Assignment policies of access packages: validated in the domain, checked here against the
//! directory (every user and group named must exist; groups whose owners approve must be
//! resources of the package), and stored as their normalised definition.

use std::collections::BTreeSet;

use chrono::Utc;
use tessera_domain::package::PolicyView;
use tessera_domain::policy::{self, Audience, PolicyDefinition, ReferenceTarget, ValidPolicy};
use tessera_domain::problem::{FieldError, ProblemCode};
use tessera_domain::{AccessPackageId, PolicyId};
use uuid::Uuid;

use super::audit_event;
use crate::auth::Actor;
use crate::auth::authz::CatalogProof;
use crate::auth::authz::catalog_permission::{ManagePackages, Read};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::policies::{PolicyRecord, PolicyRow};
use crate::store::{self, DeleteOutcome, StoreError};

fn policy_view(row: &PolicyRow) -> ApiResult<PolicyView> {
    let policy: ValidPolicy = serde_json::from_str(&row.definition).map_err(|err| {
        tracing::error!(policy = %row.id, error = %err, "stored policy no longer validates");
        ApiError::Internal
    })?;
    Ok(PolicyView {
        id: PolicyId::from_uuid(row.id),
        access_package_id: AccessPackageId::from_uuid(row.package_id),
        definition: policy.to_definition(),
        created_at: row.created_at,
        updated_at: row.updated_at,
        extension_secret: None,
    })
}

/// The package, if it is in the proof's catalog.
async fn package_in_catalog<P>(
    proof: &CatalogProof<P>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Uuid> {
    store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .map(|row| row.id)
        .ok_or(ApiError::NotFound("access package"))
}

/// Validates a definition completely: the domain's rules, then the references.
async fn check(
    state: &AppState,
    package: Uuid,
    definition: &PolicyDefinition,
) -> ApiResult<ValidPolicy> {
    let policy = policy::validate_at(definition, Utc::now()).map_err(ApiError::Validation)?;
    let references = policy.references();
    let users: Vec<Uuid> = references
        .iter()
        .filter_map(|r| match r.target {
            ReferenceTarget::User(user) => Some(*user.as_uuid()),
            ReferenceTarget::Group(_) | ReferenceTarget::PackageGroup(_) => None,
        })
        .collect();
    let groups: Vec<Uuid> = references
        .iter()
        .filter_map(|r| match r.target {
            ReferenceTarget::Group(group) => Some(*group.as_uuid()),
            ReferenceTarget::User(_) | ReferenceTarget::PackageGroup(_) => None,
        })
        .collect();
    let users: BTreeSet<Uuid> = store::policies::existing_users(&state.db, &users)
        .await?
        .into_iter()
        .collect();
    let groups: BTreeSet<Uuid> = store::policies::existing_groups(&state.db, &groups)
        .await?
        .into_iter()
        .collect();
    let package_groups: BTreeSet<Uuid> = store::policies::package_groups(&state.db, package)
        .await?
        .into_iter()
        .collect();
    let errors: Vec<FieldError> = references
        .into_iter()
        .filter_map(|reference| {
            let message = match reference.target {
                ReferenceTarget::User(user) if !users.contains(user.as_uuid()) => {
                    "no user has this id"
                }
                ReferenceTarget::Group(group) if !groups.contains(group.as_uuid()) => {
                    "no group has this id"
                }
                ReferenceTarget::PackageGroup(group)
                    if !package_groups.contains(group.as_uuid()) =>
                {
                    "must be a group whose membership or ownership this package grants"
                }
                ReferenceTarget::User(_)
                | ReferenceTarget::Group(_)
                | ReferenceTarget::PackageGroup(_) => return None,
            };
            Some(FieldError {
                field: reference.field,
                message: message.into(),
            })
        })
        .collect();
    if errors.is_empty() {
        Ok(policy)
    } else {
        Err(ApiError::Validation(errors))
    }
}

fn record(id: Uuid, package: Uuid, policy: &ValidPolicy) -> ApiResult<PolicyRecord> {
    let definition = serde_json::to_string(policy).map_err(|err| {
        tracing::error!(error = %err, "policy does not serialize");
        ApiError::Internal
    })?;
    let (audience, requester_users, requester_groups) = match policy.audience() {
        Audience::SpecificUsersAndGroups { users, groups } => (
            "specific_users_and_groups",
            users.iter().map(|u| *u.as_uuid()).collect(),
            groups.iter().map(|g| *g.as_uuid()).collect(),
        ),
        Audience::AllMembers => ("all_members", Vec::new(), Vec::new()),
        Audience::AllUsers => ("all_users", Vec::new(), Vec::new()),
        Audience::Nobody => ("nobody", Vec::new(), Vec::new()),
    };
    Ok(PolicyRecord {
        id,
        package_id: package,
        name: policy.name().to_string(),
        enabled: policy.enabled(),
        definition,
        audience,
        requester_users,
        requester_groups,
        now: Utc::now(),
    })
}

pub async fn list_policies(
    proof: &CatalogProof<Read>,
    state: &AppState,
    package: AccessPackageId,
) -> ApiResult<Vec<PolicyView>> {
    let package = package_in_catalog(proof, state, package).await?;
    store::policies::list_policies(&state.db, package)
        .await?
        .iter()
        .map(policy_view)
        .collect()
}

pub async fn get_policy(
    proof: &CatalogProof<Read>,
    state: &AppState,
    package: AccessPackageId,
    id: PolicyId,
) -> ApiResult<PolicyView> {
    let package = package_in_catalog(proof, state, package).await?;
    let row = store::policies::find_policy(&state.db, package, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("policy of this package"))?;
    policy_view(&row)
}

pub async fn create_policy(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    definition: PolicyDefinition,
) -> ApiResult<PolicyView> {
    let package = package_in_catalog(proof, state, package).await?;
    let policy = check(state, package, &definition).await?;
    let record = record(Uuid::now_v7(), package, &policy)?;
    let row = store::policies::insert_policy(&state.db, &record, |row| {
        let after = policy_view(row).ok();
        audit_event::<PolicyView, _>(
            Some(actor),
            "policy.create",
            "access_package",
            package.to_string(),
            None,
            after.as_ref(),
        )
    })
    .await?;
    let mut view = policy_view(&row)?;
    view.extension_secret = super::extensions::secret_if_missing(state, row.id, &policy).await?;
    Ok(view)
}

/// Replaces a policy's whole definition. Requests already made keep the rules they were made
/// under.
pub async fn replace_policy(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    id: PolicyId,
    definition: PolicyDefinition,
) -> ApiResult<PolicyView> {
    let package = package_in_catalog(proof, state, package).await?;
    let current = store::policies::find_policy(&state.db, package, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("policy of this package"))?;
    let before = policy_view(&current)?;
    let policy = check(state, package, &definition).await?;
    let record = record(current.id, package, &policy)?;
    let row = store::policies::transition_policy(&state.db, &record, current.version, |row| {
        let after = policy_view(row).ok();
        audit_event(
            Some(actor),
            "policy.update",
            "access_package",
            package.to_string(),
            Some(&before),
            after.as_ref(),
        )
    })
    .await
    .map_err(|err| match err {
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::Changed,
            detail: "The policy changed while this request ran; read it again and retry.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    let mut view = policy_view(&row)?;
    view.extension_secret = super::extensions::secret_if_missing(state, row.id, &policy).await?;
    Ok(view)
}

pub async fn delete_policy(
    proof: &CatalogProof<ManagePackages>,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    id: PolicyId,
) -> ApiResult<()> {
    let package = package_in_catalog(proof, state, package).await?;
    let deleted = store::policies::delete_policy(&state.db, package, *id.as_uuid(), |row| {
        let before = policy_view(row).ok();
        audit_event::<_, PolicyView>(
            Some(actor),
            "policy.delete",
            "access_package",
            package.to_string(),
            before.as_ref(),
            None,
        )
    })
    .await?;
    match deleted {
        DeleteOutcome::Deleted => Ok(()),
        DeleteOutcome::NotFound => Err(ApiError::NotFound("policy of this package")),
        DeleteOutcome::InUse(count) => Err(ApiError::Conflict {
            code: ProblemCode::PolicyHasAssignments,
            detail: format!(
                "{count} active assignments or open requests follow this policy; end them, or \
                 disable the policy to stop new requests and assignments."
            ),
            field: None,
        }),
    }
}
