//! Authorization for access reviews. Each check returns a proof holding the row it authorised,
//! and every privileged function of `service::reviews` takes one, so a service cannot act on a
//! definition, an instance or an item nobody checked. The proofs are built only here.
//!
//! Who may do what: administrators everything; the owners of a package's catalog what concerns
//! reviews of that package; reviewers what concerns the instances they review. Someone who
//! may not see a review learns nothing of it (404); someone who sees it but may not do this
//! gets 403. A failing database stays an error, never "not allowed".

use tessera_domain::review::{ItemAudience, ReviewDefinitionInput, ReviewManagers};
use tessera_domain::{AccessPackageId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};

use super::Actor;
use super::authz::authorize_package;
use super::authz::catalog_permission::ManageCatalog;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store;
use crate::store::reviews::{DefinitionRow, InstanceRow, ItemFilter, ItemRow};

/// Proof that the actor may write a definition reviewing what `managers` names: create one,
/// or make an existing one review that.
#[derive(Debug)]
pub struct ReviewAuthor {
    actor: Actor,
    managers: ReviewManagers,
}

impl ReviewAuthor {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    /// Who manages the definition the actor may write.
    pub fn managers(&self) -> ReviewManagers {
        self.managers
    }
}

/// Checks that `actor` may write `input`, from what it reviews alone, before the rest of it is
/// validated: administrators always; the owners of the catalog of the reviewed package for
/// package reviews.
pub async fn may_write_review(
    state: &AppState,
    actor: &Actor,
    input: &ReviewDefinitionInput,
) -> ApiResult<ReviewAuthor> {
    let managers = input.managed_by();
    may_manage(state, actor, managers).await?;
    Ok(ReviewAuthor {
        actor: actor.clone(),
        managers,
    })
}

async fn may_manage(state: &AppState, actor: &Actor, managers: ReviewManagers) -> ApiResult<()> {
    if actor.is_admin {
        return Ok(());
    }
    match managers {
        ReviewManagers::Administrators => Err(ApiError::Forbidden(
            "Only administrators manage reviews of groups and applications.",
        )),
        ReviewManagers::AdministratorsAndCatalogOwnersOf(package) => {
            authorize_package::<ManageCatalog>(state, actor, package).await?;
            Ok(())
        }
    }
}

/// Who manages a stored definition, from the package it reviews (none: administrators only).
fn managers_of(package: Option<uuid::Uuid>) -> ReviewManagers {
    match package {
        None => ReviewManagers::Administrators,
        Some(package) => {
            ReviewManagers::AdministratorsAndCatalogOwnersOf(AccessPackageId::from_uuid(package))
        }
    }
}

/// Proof that the actor manages the review definition it holds.
#[derive(Debug)]
pub struct ReviewManager {
    actor: Actor,
    row: DefinitionRow,
}

impl ReviewManager {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &DefinitionRow {
        &self.row
    }
}

/// The definition `id`, if the actor manages it. To anyone else it does not exist.
pub async fn manage_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<ReviewManager> {
    let row = store::reviews::find_definition(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review"))?;
    may_manage(state, actor, managers_of(row.package_id))
        .await
        .map_err(|err| match err {
            ApiError::Forbidden(_) if !actor.is_admin => ApiError::NotFound("access review"),
            other => other,
        })?;
    Ok(ReviewManager {
        actor: actor.clone(),
        row,
    })
}

/// Proof of which definitions the actor may list: all for administrators, else those of the
/// packages whose catalogs they own.
#[derive(Debug)]
pub struct DefinitionReader {
    owner: Option<UserId>,
}

impl DefinitionReader {
    /// The catalog owner whose definitions these are; `None`: everyone's.
    pub fn owner(&self) -> Option<UserId> {
        self.owner
    }
}

pub fn read_definitions(actor: &Actor) -> DefinitionReader {
    DefinitionReader {
        owner: (!actor.is_admin).then_some(actor.id),
    }
}

/// Proof that the actor asks for the instances they review themselves.
#[derive(Debug)]
pub struct OwnReviews {
    reviewer: UserId,
}

impl OwnReviews {
    pub fn reviewer(&self) -> UserId {
        self.reviewer
    }
}

pub fn own_reviews(actor: &Actor) -> OwnReviews {
    OwnReviews { reviewer: actor.id }
}

/// How the actor relates to an instance: a manager of its definition, a reviewer of some of
/// its items, or neither (they learn nothing of it).
async fn relation(
    state: &AppState,
    actor: &Actor,
    row: &InstanceRow,
) -> ApiResult<Option<ItemAudience>> {
    if actor.is_admin {
        return Ok(Some(ItemAudience::Administrator));
    }
    if let Some(package) = row.package_id {
        match authorize_package::<ManageCatalog>(state, actor, AccessPackageId::from_uuid(package))
            .await
        {
            Ok(_) => return Ok(Some(ItemAudience::Administrator)),
            Err(ApiError::NotFound(_) | ApiError::Forbidden(_)) => {}
            Err(other) => return Err(other),
        }
    }
    let filter = ItemFilter {
        reviewer: Some(*actor.id.as_uuid()),
        ..ItemFilter::default()
    };
    let mine = store::reviews::list_items(&state.db, row.id, &filter, None, Some(1)).await?;
    Ok((!mine.is_empty()).then_some(ItemAudience::Reviewer))
}

/// Proof that the actor sees the instance it holds, as a manager or as a reviewer of some of
/// its items.
#[derive(Debug)]
pub struct InstanceReader {
    actor: Actor,
    row: InstanceRow,
    audience: ItemAudience,
}

impl InstanceReader {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &InstanceRow {
        &self.row
    }

    /// Whether the actor sees it as a manager (`Administrator`) or as a reviewer.
    pub fn audience(&self) -> ItemAudience {
        self.audience
    }
}

/// The instance `id`, if the actor sees it. To anyone else it does not exist.
pub async fn read_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<InstanceReader> {
    let row = store::reviews::find_instance(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("access review instance"))?;
    match relation(state, actor, &row).await? {
        Some(audience) => Ok(InstanceReader {
            actor: actor.clone(),
            row,
            audience,
        }),
        None => Err(ApiError::NotFound("access review instance")),
    }
}

/// What a manager does to an instance, for the refusal a reviewer gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InstanceAction {
    Stop,
    Remind,
    Reset,
    Apply,
    Export,
}

impl InstanceAction {
    fn refusal(self) -> &'static str {
        match self {
            InstanceAction::Stop => "Only those who manage the review may stop it.",
            InstanceAction::Remind => "Only those who manage the review may remind its reviewers.",
            InstanceAction::Reset => "Only those who manage the review may reset its decisions.",
            InstanceAction::Apply => "Only those who manage the review may apply its results.",
            InstanceAction::Export => "Only those who manage the review may export its results.",
        }
    }
}

/// Proof that the actor manages the instance it holds.
#[derive(Debug)]
pub struct InstanceManager {
    actor: Actor,
    row: InstanceRow,
}

impl InstanceManager {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn row(&self) -> &InstanceRow {
        &self.row
    }
}

/// The instance `id`, if the actor manages it: 404 when they do not see it, 403 (saying they
/// may not do `action`) when they only review it.
pub async fn manage_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    action: InstanceAction,
) -> ApiResult<InstanceManager> {
    let reader = read_instance(state, actor, id).await?;
    match reader.audience {
        ItemAudience::Administrator => Ok(InstanceManager {
            actor: reader.actor,
            row: reader.row,
        }),
        ItemAudience::Reviewer => Err(ApiError::Forbidden(action.refusal())),
    }
}

/// The instance `id` of a definition `manager` manages, read afresh: whoever manages a
/// definition manages its instances.
pub async fn manage_instance_of(
    state: &AppState,
    manager: &ReviewManager,
    id: ReviewInstanceId,
) -> ApiResult<InstanceManager> {
    let row = store::reviews::find_instance(&state.db, *id.as_uuid())
        .await?
        .filter(|row| row.definition_id == manager.row.id)
        .ok_or(ApiError::NotFound("access review instance"))?;
    Ok(InstanceManager {
        actor: manager.actor.clone(),
        row,
    })
}

/// Proof that the actor sees the item it holds and the instance it belongs to. Whether they
/// decide it in the current stage is the review's own rule, which the decision checks.
#[derive(Debug)]
pub struct ReviewerOf {
    actor: Actor,
    item: ItemRow,
    instance: InstanceRow,
}

impl ReviewerOf {
    pub fn actor(&self) -> &Actor {
        &self.actor
    }

    pub fn item(&self) -> &ItemRow {
        &self.item
    }

    pub fn instance(&self) -> &InstanceRow {
        &self.instance
    }
}

/// The item `id` with its instance, if the actor sees that instance. To anyone else it does
/// not exist.
pub async fn review_item(
    state: &AppState,
    actor: &Actor,
    id: ReviewItemId,
) -> ApiResult<ReviewerOf> {
    let item = store::reviews::find_item(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("review item"))?;
    let instance = store::reviews::find_instance(&state.db, item.instance_id)
        .await?
        .ok_or(ApiError::NotFound("review item"))?;
    if relation(state, actor, &instance).await?.is_none() {
        return Err(ApiError::NotFound("review item"));
    }
    Ok(ReviewerOf {
        actor: actor.clone(),
        item,
        instance,
    })
}
