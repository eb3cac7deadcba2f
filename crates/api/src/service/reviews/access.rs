//! Who may see and manage a definition or an instance.

use tessera_domain::review::{
    ItemAudience, ReviewInstance, ReviewItem, ReviewManagers, ValidReviewDefinition,
};
use tessera_domain::{AccessPackageId, ReviewDefinitionId, ReviewInstanceId};

use super::records::{all_items, definition_of, instance_of};
use crate::auth::Actor;
use crate::auth::authz::authorize_package;
use crate::auth::authz::catalog_permission::ManageCatalog;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::reviews::{DefinitionRow, InstanceRow, ItemFilter, ItemRow};

/// Whether the caller may manage reviews of this definition: administrators always; the
/// owners of the catalog of the reviewed package for package reviews.
pub(super) async fn may_manage(
    state: &AppState,
    actor: &Actor,
    definition: &ValidReviewDefinition,
) -> ApiResult<()> {
    if actor.is_admin {
        return Ok(());
    }
    match definition.managed_by() {
        ReviewManagers::Administrators => Err(ApiError::Forbidden(
            "Only administrators manage reviews of groups and applications.",
        )),
        ReviewManagers::AdministratorsAndCatalogOwnersOf(package) => {
            authorize_package::<ManageCatalog>(state, actor, package).await?;
            Ok(())
        }
    }
}

/// The definition `id`, if the caller may manage it.
pub(super) async fn managed_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<(DefinitionRow, ValidReviewDefinition)> {
    let row = store::reviews::find_definition(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review"))?;
    let definition = definition_of(&row)?;
    may_manage(state, actor, &definition)
        .await
        .map_err(|err| match err {
            ApiError::Forbidden(_) if !actor.is_admin => ApiError::NotFound("access review"),
            other => other,
        })?;
    Ok((row, definition))
}

/// How the caller relates to an instance: a manager of its definition, a reviewer of some of
/// its items, or neither (they learn nothing of it).
pub(super) async fn relation(
    state: &AppState,
    actor: &Actor,
    row: &InstanceRow,
) -> ApiResult<Option<ItemAudience>> {
    if actor.is_admin {
        return Ok(Some(ItemAudience::Administrator));
    }
    if let Some(package) = row.package_id
        && authorize_package::<ManageCatalog>(state, actor, AccessPackageId::from_uuid(package))
            .await
            .is_ok()
    {
        return Ok(Some(ItemAudience::Administrator));
    }
    let filter = ItemFilter {
        reviewer: Some(*actor.id.as_uuid()),
        ..ItemFilter::default()
    };
    let mine = store::reviews::list_items(&state.db, row.id, &filter, None, Some(1)).await?;
    Ok((!mine.is_empty()).then_some(ItemAudience::Reviewer))
}

pub(super) async fn visible_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<(InstanceRow, ItemAudience)> {
    let row = store::reviews::find_instance(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review instance"))?;
    match relation(state, actor, &row).await? {
        Some(audience) => Ok((row, audience)),
        None => Err(ApiError::NotFound("access review instance")),
    }
}

/// The instance `id` and its instance, items and rows, for one who manages it (`doing` says
/// what they are refused otherwise).
pub(super) async fn managed_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    doing: &'static str,
) -> ApiResult<(InstanceRow, ReviewInstance, Vec<ItemRow>, Vec<ReviewItem>)> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(doing));
    }
    let instance = instance_of(&row)?;
    let (rows, items) = all_items(state, row.id).await?;
    Ok((row, instance, rows, items))
}
