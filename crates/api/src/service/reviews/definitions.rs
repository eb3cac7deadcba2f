//! Review definitions: create, read, list, replace, delete.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use tessera_domain::page::PageQuery;
use tessera_domain::problem::ProblemCode;
use tessera_domain::review::{
    self, LatestInstance, ReviewDefinitionInput, ReviewDefinitionView, ReviewManagers,
    ReviewReferenceTarget, ValidReviewDefinition,
};
use tessera_domain::{ReviewDefinitionId, ReviewInstanceId};
use uuid::Uuid;

use super::records::{definition_of, json};
use crate::auth::review_authz::{DefinitionReader, ReviewAuthor, ReviewManager};
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::service::page::PageRequest;
use crate::state::AppState;
use crate::store::reviews::{DefinitionRow, DefinitionWrite};
use crate::store::{self, StoreError};

/// Every id the definition names exists (and policies belong to their package).
pub(super) async fn check_references(
    state: &AppState,
    definition: &ValidReviewDefinition,
) -> ApiResult<()> {
    let mut errors = Vec::new();
    for reference in definition.references() {
        let found = match reference.target {
            ReviewReferenceTarget::User(id) => store::users::find_user(&state.db, *id.as_uuid())
                .await?
                .is_some(),
            ReviewReferenceTarget::Group(id) => {
                !store::policies::existing_groups(&state.db, &[*id.as_uuid()])
                    .await?
                    .is_empty()
            }
            ReviewReferenceTarget::Application(id) => store::directory::find_named(
                &state.db,
                store::directory::Named::Application,
                *id.as_uuid(),
            )
            .await?
            .is_some(),
            ReviewReferenceTarget::AccessPackage(id) => {
                store::packages::find_package(&state.db, *id.as_uuid())
                    .await?
                    .is_some()
            }
            ReviewReferenceTarget::PackagePolicy {
                access_package_id,
                policy_id,
            } => store::policies::find_policy(
                &state.db,
                *access_package_id.as_uuid(),
                *policy_id.as_uuid(),
            )
            .await?
            .is_some(),
        };
        if !found {
            errors.push(tessera_domain::problem::FieldError {
                field: reference.field,
                message: "does not exist".into(),
            });
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

pub(super) fn package_of(definition: &ValidReviewDefinition) -> Option<Uuid> {
    match definition.managed_by() {
        ReviewManagers::Administrators => None,
        ReviewManagers::AdministratorsAndCatalogOwnersOf(package) => Some(*package.as_uuid()),
    }
}

pub(super) fn definition_view(
    row: &DefinitionRow,
    now: DateTime<Utc>,
) -> ApiResult<ReviewDefinitionView> {
    let definition = definition_of(row)?;
    Ok(ReviewDefinitionView::new(
        ReviewDefinitionId::from_uuid(row.id),
        &definition,
        u32::try_from(row.occurrences_started).unwrap_or(u32::MAX),
        row.created_at,
        row.updated_at,
        now,
    ))
}

/// The valid definition the author was allowed to write: its managers are those the
/// authorization checked on the input.
fn authored(author: &ReviewAuthor, definition: &ValidReviewDefinition) -> ApiResult<()> {
    if definition.managed_by() == author.managers() {
        Ok(())
    } else {
        tracing::error!("a review definition's managers differ from its input's");
        Err(ApiError::Internal)
    }
}

/// Creates a definition, once the author may write what it reviews.
pub async fn create_definition(
    state: &AppState,
    author: &ReviewAuthor,
    input: ReviewDefinitionInput,
) -> ApiResult<ReviewDefinitionView> {
    let actor = author.actor();
    let now = Utc::now();
    let definition = review::validate(&input, now).map_err(ApiError::Validation)?;
    authored(author, &definition)?;
    check_references(state, &definition).await?;
    let write = DefinitionWrite {
        name: definition.name().to_string(),
        definition: json(&definition)?,
        package_id: package_of(&definition),
        next_start_at: definition.next_occurrence(0, now).map(|o| o.starts_at),
        now,
    };
    let row = store::reviews::insert_definition(
        &state.db,
        Uuid::now_v7(),
        *actor.id.as_uuid(),
        None,
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
    .await?;
    definition_view(&row, now)
}

pub fn get_definition(manager: &ReviewManager) -> ApiResult<ReviewDefinitionView> {
    definition_view(manager.row(), Utc::now())
}

pub async fn list_definitions(
    state: &AppState,
    reader: &DefinitionReader,
    query: &PageQuery,
) -> ApiResult<review::ReviewDefinitionPage> {
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let owner = reader.owner().map(|owner| *owner.as_uuid());
    let rows = store::reviews::list_definitions(&state.db, owner, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let now = Utc::now();
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut latest: HashMap<Uuid, LatestInstance> =
        store::reviews::latest_instances(&state.db, &ids)
            .await?
            .into_iter()
            .map(|row| {
                let instance = LatestInstance {
                    id: ReviewInstanceId::from_uuid(row.id),
                    state: row.state,
                    items: usize::try_from(row.items).unwrap_or_default(),
                    decided: usize::try_from(row.decided).unwrap_or_default(),
                };
                (row.definition_id, instance)
            })
            .collect();
    let items = rows
        .iter()
        .map(|row| {
            let mut view = definition_view(row, now)?;
            view.latest_instance = latest.remove(&row.id);
            Ok(view)
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(review::ReviewDefinitionPage { items, next_cursor })
}

/// Replaces the definition `manager` manages with `input`, which `author` may write.
pub async fn replace_definition(
    state: &AppState,
    manager: &ReviewManager,
    author: &ReviewAuthor,
    input: ReviewDefinitionInput,
) -> ApiResult<ReviewDefinitionView> {
    let actor = manager.actor();
    let row = manager.row();
    let now = Utc::now();
    // A series that has started keeps its past: its start may lie behind.
    let definition = if row.occurrences_started > 0 {
        review::validate_record(&input)
    } else {
        review::validate(&input, now)
    }
    .map_err(ApiError::Validation)?;
    authored(author, &definition)?;
    check_references(state, &definition).await?;
    let started = u32::try_from(row.occurrences_started).unwrap_or(u32::MAX);
    let write = DefinitionWrite {
        name: definition.name().to_string(),
        definition: json(&definition)?,
        package_id: package_of(&definition),
        next_start_at: definition
            .next_occurrence(started, now)
            .map(|o| o.starts_at),
        now,
    };
    let before: ReviewDefinitionInput = definition_of(row)?.to_input();
    let row = store::reviews::replace_definition(&state.db, row.id, row.version, &write, |row| {
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
    .map_err(|err| match err {
        StoreError::Conflict => ApiError::Conflict {
            code: ProblemCode::AccessReviewChanged,
            detail: "The review changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    definition_view(&row, now)
}

pub async fn delete_definition(state: &AppState, manager: &ReviewManager) -> ApiResult<()> {
    let actor = manager.actor();
    let row = manager.row();
    let before = definition_of(row)?.to_input();
    let deleted = store::reviews::delete_definition(&state.db, row.id, |row| {
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
    if deleted {
        Ok(())
    } else {
        Err(ApiError::NotFound("access review"))
    }
}
