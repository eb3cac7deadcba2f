//! The review a policy carries for its own assignments.

use chrono::Utc;
use tessera_domain::AccessPackageId;
use tessera_domain::problem::ProblemCode;
use tessera_domain::review::{self, ReviewDefinitionView};
use uuid::Uuid;

use super::definitions::{check_references, definition_view, package_of};
use super::records::{definition_of, json};
use crate::auth::Actor;
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::state::AppState;
use crate::store::reviews::DefinitionWrite;
use crate::store::{self, StoreError};

/// The policy `policy` of the package the proof's catalog holds: (package name, policy name).
async fn policy_in_catalog<P>(
    proof: &crate::auth::authz::CatalogProof<P>,
    state: &AppState,
    package: AccessPackageId,
    policy: tessera_domain::PolicyId,
) -> ApiResult<String> {
    let package_row = store::packages::find_package(&state.db, *package.as_uuid())
        .await?
        .filter(|row| row.catalog_id == *proof.catalog().as_uuid())
        .ok_or(ApiError::NotFound("access package"))?;
    let policy_row = store::policies::find_policy(&state.db, package_row.id, *policy.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("policy of this package"))?;
    let name: String = format!("{}: {}", package_row.name, policy_row.name)
        .chars()
        .take(100)
        .collect();
    Ok(name)
}

/// The review a policy carries for its assignments, if it carries one.
pub async fn get_policy_review(
    proof: &crate::auth::authz::CatalogProof<crate::auth::authz::catalog_permission::Read>,
    state: &AppState,
    package: AccessPackageId,
    policy: tessera_domain::PolicyId,
) -> ApiResult<ReviewDefinitionView> {
    policy_in_catalog(proof, state, package, policy).await?;
    let row = store::reviews::find_definition_of_policy(&state.db, *policy.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review of this policy"))?;
    definition_view(&row, Utc::now())
}

/// Sets the review a policy carries for its own assignments: creates it, or replaces it
/// (keeping the occurrences already started). Whoever may edit the policy.
pub async fn put_policy_review(
    proof: &crate::auth::authz::CatalogProof<
        crate::auth::authz::catalog_permission::ManagePackages,
    >,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    policy: tessera_domain::PolicyId,
    input: review::PolicyReviewInput,
) -> ApiResult<ReviewDefinitionView> {
    let name = policy_in_catalog(proof, state, package, policy).await?;
    let input = input.into_definition(name, package, policy);
    let now = Utc::now();
    let existing = store::reviews::find_definition_of_policy(&state.db, *policy.as_uuid()).await?;
    let started = existing.as_ref().map_or(0, |row| {
        u32::try_from(row.occurrences_started).unwrap_or(u32::MAX)
    });
    let definition = if started > 0 {
        review::validate_record(&input)
    } else {
        review::validate(&input, now)
    }
    .map_err(|errors| {
        // The caller wrote the settings, not the scope or name this module adds.
        ApiError::Validation(errors)
    })?;
    check_references(state, &definition).await?;
    let write = DefinitionWrite {
        name: definition.name().to_string(),
        definition: json(&definition)?,
        package_id: package_of(&definition),
        next_start_at: definition
            .next_occurrence(started, now)
            .map(|o| o.starts_at),
        now,
    };
    let row = match existing {
        None => {
            store::reviews::insert_definition(
                &state.db,
                Uuid::now_v7(),
                *actor.id.as_uuid(),
                Some(*policy.as_uuid()),
                &write,
                |row| {
                    audit_event::<(), _>(
                        Some(actor),
                        "access_review.create",
                        "access_review",
                        row.id.to_string(),
                        None,
                        Some(&input),
                    )
                },
            )
            .await
        }
        Some(row) => {
            let before = definition_of(&row)?.to_input();
            store::reviews::replace_definition(&state.db, row.id, row.version, &write, |row| {
                audit_event(
                    Some(actor),
                    "access_review.update",
                    "access_review",
                    row.id.to_string(),
                    Some(&before),
                    Some(&input),
                )
            })
            .await
        }
    }
    .map_err(|err| match err {
        StoreError::Conflict | StoreError::Duplicate(_) => ApiError::Conflict {
            code: ProblemCode::AccessReviewChanged,
            detail: "The policy's review changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    definition_view(&row, now)
}

/// Removes the review a policy carries, with its instances.
pub async fn delete_policy_review(
    proof: &crate::auth::authz::CatalogProof<
        crate::auth::authz::catalog_permission::ManagePackages,
    >,
    state: &AppState,
    actor: &Actor,
    package: AccessPackageId,
    policy: tessera_domain::PolicyId,
) -> ApiResult<()> {
    policy_in_catalog(proof, state, package, policy).await?;
    let row = store::reviews::find_definition_of_policy(&state.db, *policy.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review of this policy"))?;
    let before = definition_of(&row)?.to_input();
    store::reviews::delete_definition(&state.db, row.id, |row| {
        audit_event::<_, ()>(
            Some(actor),
            "access_review.delete",
            "access_review",
            row.id.to_string(),
            Some(&before),
            None,
        )
    })
    .await?;
    Ok(())
}
