//! Access reviews: definitions, the instances each occurrence starts, reviewers' decisions, and
//! the scheduled work that starts, reminds, advances, completes and applies them.
//!
//! The rules are the domain's (`tessera_domain::review`). This module decides who may act
//! (administrators everywhere; catalog owners for reviews of their catalogs' packages;
//! reviewers on their own items), loads what the rules need (the people in scope, the
//! directory to resolve reviewers), and persists each step with compare-and-set.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use tessera_domain::assignment::{Justification, PersonSummary};
use tessera_domain::notification::NotificationKind;
use tessera_domain::page::PageQuery;
use tessera_domain::policy::DirectoryView;
use tessera_domain::review::{
    self, AcceptRecommendationsInput, AppliedBy, BulkDecisionInput, DecisionInput, DecisionSource,
    ItemAudience, ItemRemoval, NewReviewItem, NoResponseRule, OutcomeBasis, RemovalResult,
    ReviewDefinitionInput, ReviewDefinitionView, ReviewDueAction, ReviewEvent, ReviewInstance,
    ReviewInstanceView, ReviewItem, ReviewItemRecord, ReviewItemView, ReviewManagers,
    ReviewProgress, ReviewReferenceTarget, ReviewRefusal, ReviewedResource, ValidReviewDefinition,
    resolve_reviewers,
};
use tessera_domain::{
    AccessPackageId, GroupId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId,
};
use uuid::Uuid;

use super::audit_event;
use super::notifications::{AccessEndReason, access_ended, render};
use super::page::{PageRequest, parse_search};
use super::users::is_guest;
use crate::auth::Actor;
use crate::auth::authz::authorize_package;
use crate::auth::authz::catalog_permission::ManageCatalog;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::assignments::{AssignmentFilter, EndAssignment};
use crate::store::notifications::NewNotification;
use crate::store::reviews::{
    DefinitionRow, DefinitionWrite, InstanceInsert, InstanceList, InstanceRow, InstanceWrite,
    ItemFilter, ItemRow, ItemWrite, NewItem,
};
use crate::store::{self, StoreError};

/// How many due definitions and instances one scheduler round handles.
const DUE_BATCH: u32 = 50;

fn corrupt(what: &'static str, id: Uuid) -> ApiError {
    tracing::error!(%id, field = what, "stored review data does not parse");
    ApiError::Internal
}

fn definition_of(row: &DefinitionRow) -> ApiResult<ValidReviewDefinition> {
    serde_json::from_str(&row.definition).map_err(|_| corrupt("definition", row.id))
}

fn instance_of(row: &InstanceRow) -> ApiResult<ReviewInstance> {
    serde_json::from_str(&row.record).map_err(|_| corrupt("instance", row.id))
}

fn item_of(row: &ItemRow) -> ApiResult<ReviewItem> {
    let record: ReviewItemRecord =
        serde_json::from_str(&row.record).map_err(|_| corrupt("item", row.id))?;
    ReviewItem::try_from(record).map_err(|_| corrupt("item", row.id))
}

fn json<T: serde::Serialize>(value: &T) -> ApiResult<String> {
    serde_json::to_string(value).map_err(|_| ApiError::Internal)
}

fn item_write(item: &ReviewItem, version: i64) -> ApiResult<ItemWrite> {
    Ok(ItemWrite {
        id: *item.id().as_uuid(),
        version,
        outcome: outcome_of(item),
        record: json(&ReviewItemRecord::from(item.clone()))?,
    })
}

fn outcome_of(item: &ReviewItem) -> &'static str {
    item.final_outcome()
        .map_or(item.latest_outcome(), |outcome| outcome.outcome)
        .as_str()
}

fn refusal(refusal: ReviewRefusal) -> ApiError {
    let conflict = |code: &'static str, detail: String| ApiError::Conflict {
        code,
        detail,
        field: None,
    };
    match refusal {
        ReviewRefusal::NotAReviewer | ReviewRefusal::NotInCurrentStage { .. } => {
            ApiError::Forbidden("You do not review this item in the current stage.")
        }
        ReviewRefusal::OwnAccess => {
            ApiError::Forbidden("Nobody reviews their own access, except in a self-review.")
        }
        ReviewRefusal::JustificationRequired => {
            ApiError::invalid("justification", "this review requires a justification")
        }
        ReviewRefusal::SelfReviewIsYesOrNo => ApiError::invalid(
            "verdict",
            "in a self-review, answer whether you still need the access: approve or deny",
        ),
        ReviewRefusal::StageEnded { .. } | ReviewRefusal::NotInProgress { .. } => {
            conflict("review_not_open", refusal.to_string())
        }
        ReviewRefusal::NotCompleted { .. } => conflict("review_not_completed", refusal.to_string()),
        other => conflict("review_refused", other.to_string()),
    }
}

/// Whether the caller may manage reviews of this definition: administrators always; the
/// owners of the catalog of the reviewed package for package reviews.
async fn may_manage(
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

/// Every id the definition names exists (and policies belong to their package).
async fn check_references(state: &AppState, definition: &ValidReviewDefinition) -> ApiResult<()> {
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

fn package_of(definition: &ValidReviewDefinition) -> Option<Uuid> {
    match definition.managed_by() {
        ReviewManagers::Administrators => None,
        ReviewManagers::AdministratorsAndCatalogOwnersOf(package) => Some(*package.as_uuid()),
    }
}

fn definition_view(row: &DefinitionRow, now: DateTime<Utc>) -> ApiResult<ReviewDefinitionView> {
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

pub async fn create_definition(
    state: &AppState,
    actor: &Actor,
    input: ReviewDefinitionInput,
) -> ApiResult<ReviewDefinitionView> {
    let now = Utc::now();
    let definition = review::validate(&input, now).map_err(ApiError::Validation)?;
    may_manage(state, actor, &definition).await?;
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

/// The definition `id`, if the caller may manage it.
async fn managed_definition(
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

pub async fn get_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<ReviewDefinitionView> {
    let (row, _) = managed_definition(state, actor, id).await?;
    definition_view(&row, Utc::now())
}

pub async fn list_definitions(
    state: &AppState,
    actor: &Actor,
    query: &PageQuery,
) -> ApiResult<review::ReviewDefinitionPage> {
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let owner = (!actor.is_admin).then_some(*actor.id.as_uuid());
    let rows = store::reviews::list_definitions(&state.db, owner, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let now = Utc::now();
    let items = rows
        .iter()
        .map(|row| definition_view(row, now))
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(review::ReviewDefinitionPage { items, next_cursor })
}

pub async fn replace_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
    input: ReviewDefinitionInput,
) -> ApiResult<ReviewDefinitionView> {
    let (row, _) = managed_definition(state, actor, id).await?;
    let now = Utc::now();
    // A series that has started keeps its past: its start may lie behind.
    let definition = if row.occurrences_started > 0 {
        review::validate_record(&input)
    } else {
        review::validate(&input, now)
    }
    .map_err(ApiError::Validation)?;
    may_manage(state, actor, &definition).await?;
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
    let before: ReviewDefinitionInput = definition_of(&row)?.to_input();
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
            code: "access_review_changed",
            detail: "The review changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    })?;
    definition_view(&row, now)
}

pub async fn delete_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<()> {
    let (row, definition) = managed_definition(state, actor, id).await?;
    let before = definition.to_input();
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

async fn all_items(state: &AppState, instance: Uuid) -> ApiResult<(Vec<ItemRow>, Vec<ReviewItem>)> {
    let rows =
        store::reviews::list_items(&state.db, instance, &ItemFilter::default(), None, None).await?;
    let items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    Ok((rows, items))
}

async fn instance_view(state: &AppState, row: &InstanceRow) -> ApiResult<ReviewInstanceView> {
    let instance = instance_of(row)?;
    let (_, items) = all_items(state, row.id).await?;
    let mut view = ReviewInstanceView::new(
        &instance,
        row.definition_name.clone(),
        row.resource_name.clone(),
        ReviewProgress::of(&instance, &items),
    );
    if let Some(definition) = store::reviews::find_definition(&state.db, row.definition_id).await? {
        view.description_for_reviewers = definition_of(&definition)?
            .description_for_reviewers()
            .to_string();
    }
    Ok(view)
}

/// How the caller relates to an instance: a manager of its definition, a reviewer of some of
/// its items, or neither (they learn nothing of it).
async fn relation(
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

async fn visible_instance(
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

pub async fn get_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, _) = visible_instance(state, actor, id).await?;
    instance_view(state, &row).await
}

pub async fn list_instances(
    state: &AppState,
    actor: &Actor,
    definition: Option<ReviewDefinitionId>,
    query: &PageQuery,
) -> ApiResult<review::ReviewInstancePage> {
    let list = match definition {
        Some(id) => {
            let (row, _) = managed_definition(state, actor, id).await?;
            InstanceList::OfDefinition(row.id)
        }
        None => InstanceList::ReviewedBy(*actor.id.as_uuid()),
    };
    let page = PageRequest::parse(query)?;
    let before = page.after_id()?;
    let rows = store::reviews::list_instances(&state.db, &list, before, page.fetch()).await?;
    let (rows, next_cursor) = page.finish(rows, |row| row.id.to_string());
    let mut items = Vec::with_capacity(rows.len());
    for row in &rows {
        items.push(instance_view(state, row).await?);
    }
    Ok(review::ReviewInstancePage { items, next_cursor })
}

fn person(row: &ItemRow) -> PersonSummary {
    PersonSummary {
        id: UserId::from_uuid(row.user_id),
        username: row.username.clone(),
        display_name: row.display_name.clone(),
        guest: is_guest(&row.user_type),
    }
}

const ITEM_CURSOR_SEPARATOR: char = '\u{1f}';

/// The items of an instance: a reviewer's own (`mine`), or all of them for its managers.
pub async fn list_items(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    query: &review::ReviewItemQuery,
) -> ApiResult<review::ReviewItemPage> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    let mine = query.mine.unwrap_or(audience == ItemAudience::Reviewer);
    if !mine && audience == ItemAudience::Reviewer {
        return Err(ApiError::Forbidden(
            "Reviewers see the items they review; ask with mine=true.",
        ));
    }
    let audience = if mine {
        ItemAudience::Reviewer
    } else {
        audience
    };
    let page = PageRequest::parse(&PageQuery {
        limit: query.limit,
        cursor: query.cursor.clone(),
    })?;
    let after = match page.after.as_deref() {
        None => None,
        Some(raw) => Some(
            raw.split_once(ITEM_CURSOR_SEPARATOR)
                .and_then(|(name, id)| Uuid::parse_str(id).ok().map(|id| (name.to_string(), id)))
                .ok_or_else(super::page::not_a_cursor)?,
        ),
    };
    let filter = ItemFilter {
        reviewer: mine.then_some(*actor.id.as_uuid()),
        outcome: query.outcome.map(|outcome| outcome.as_str()),
        search: parse_search(query.q.as_deref())?.map(str::to_lowercase),
        ids: None,
    };
    let rows =
        store::reviews::list_items(&state.db, row.id, &filter, after, Some(page.fetch())).await?;
    let (rows, next_cursor) = page.finish(rows, |item| {
        format!("{}{ITEM_CURSOR_SEPARATOR}{}", item.username, item.id)
    });
    let instance = instance_of(&row)?;
    let items = rows
        .iter()
        .map(|item_row| {
            Ok(ReviewItemView::new(
                &instance,
                &item_of(item_row)?,
                person(item_row),
                row.resource_name.clone(),
                audience,
            ))
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(review::ReviewItemPage { items, next_cursor })
}

/// A reviewer decides one item (or changes their decision) while its stage runs.
pub async fn decide(
    state: &AppState,
    actor: &Actor,
    id: ReviewItemId,
    input: DecisionInput,
) -> ApiResult<ReviewItemView> {
    let item_row = store::reviews::find_item(&state.db, *id.as_uuid())
        .await?
        .ok_or(ApiError::NotFound("review item"))?;
    let row = store::reviews::find_instance(&state.db, item_row.instance_id)
        .await?
        .ok_or(ApiError::NotFound("review item"))?;
    if relation(state, actor, &row).await?.is_none() {
        return Err(ApiError::NotFound("review item"));
    }
    let instance = instance_of(&row)?;
    let mut item = item_of(&item_row)?;
    let now = Utc::now();
    let event = instance
        .decide(&mut item, actor.id, input.verdict, input.justification, now)
        .map_err(refusal)?;
    let write = item_write(&item, item_row.version)?;
    let audit = audit_event::<(), _>(
        Some(actor),
        "access_review.decide",
        "access_review_item",
        item_row.id.to_string(),
        None,
        Some(&event),
    );
    store::reviews::write_decisions(&state.db, row.id, row.version, &[write], &[audit])
        .await
        .map_err(decision_conflict)?;
    Ok(ReviewItemView::new(
        &instance,
        &item,
        person(&item_row),
        row.resource_name.clone(),
        ItemAudience::Reviewer,
    ))
}

fn decision_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::Conflict {
            code: "review_changed",
            detail: "The review moved on meanwhile (a stage ended, or the item changed); read it \
                     again."
                .into(),
            field: None,
        },
        other => other.into(),
    }
}

/// The outcome of one item of a bulk action: a wire type of the domain crate.
pub use tessera_domain::review::ItemOutcome;

async fn bulk(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    ids: Option<&[ReviewItemId]>,
    act: impl FnOnce(
        &ReviewInstance,
        &mut [ReviewItem],
        DateTime<Utc>,
    ) -> Result<Vec<review::ItemResult>, ReviewRefusal>,
    action: &'static str,
) -> ApiResult<Vec<ItemOutcome>> {
    let (row, _) = visible_instance(state, actor, id).await?;
    let instance = instance_of(&row)?;
    let filter = ItemFilter {
        reviewer: Some(*actor.id.as_uuid()),
        ids: ids.map(|ids| ids.iter().map(|id| *id.as_uuid()).collect()),
        ..ItemFilter::default()
    };
    let rows = store::reviews::list_items(&state.db, row.id, &filter, None, None).await?;
    let mut items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    let now = Utc::now();
    let results = act(&instance, &mut items, now).map_err(refusal)?;
    let by_id: HashMap<ReviewItemId, (&ItemRow, &ReviewItem)> = rows
        .iter()
        .zip(items.iter())
        .map(|(row, item)| (item.id(), (row, item)))
        .collect();
    let mut writes = Vec::new();
    let mut audit = Vec::new();
    let mut outcomes = Vec::new();
    for (item_id, result) in &results {
        match (result, by_id.get(item_id)) {
            (Ok(event), Some((item_row, item))) => {
                writes.push(item_write(item, item_row.version)?);
                audit.push(audit_event::<(), _>(
                    Some(actor),
                    action,
                    "access_review_item",
                    item_id.to_string(),
                    None,
                    Some(event),
                ));
                outcomes.push(ItemOutcome {
                    item_id: *item_id,
                    item: Some(ReviewItemView::new(
                        &instance,
                        item,
                        person(item_row),
                        row.resource_name.clone(),
                        ItemAudience::Reviewer,
                    )),
                    refused: None,
                });
            }
            (Err(refused), _) => outcomes.push(ItemOutcome {
                item_id: *item_id,
                item: None,
                refused: Some(refused.to_string()),
            }),
            (Ok(_), None) => return Err(ApiError::Internal),
        }
    }
    // Items named but not the caller's to review are refused too, without saying more.
    if let Some(ids) = ids {
        for id in ids {
            if !by_id.contains_key(id) {
                outcomes.push(ItemOutcome {
                    item_id: *id,
                    item: None,
                    refused: Some(ReviewRefusal::NotAReviewer.to_string()),
                });
            }
        }
    }
    store::reviews::write_decisions(&state.db, row.id, row.version, &writes, &audit)
        .await
        .map_err(decision_conflict)?;
    Ok(outcomes)
}

/// One verdict for several of the caller's items; each is decided or refused on its own.
pub async fn decide_many(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    input: BulkDecisionInput,
) -> ApiResult<Vec<ItemOutcome>> {
    input.validate().map_err(ApiError::Validation)?;
    let reviewer = actor.id;
    bulk(
        state,
        actor,
        id,
        Some(&input.item_ids),
        |instance, items, now| {
            instance.decide_many(
                items,
                reviewer,
                input.verdict,
                input.justification.clone(),
                now,
            )
        },
        "access_review.decide",
    )
    .await
}

/// Accepts the recommendation for the given items, or for every undecided one of the caller.
pub async fn accept_recommendations(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    input: AcceptRecommendationsInput,
) -> ApiResult<Vec<ItemOutcome>> {
    input.validate().map_err(ApiError::Validation)?;
    let reviewer = actor.id;
    let selected = input.item_ids.clone();
    bulk(
        state,
        actor,
        id,
        input.item_ids.as_deref(),
        |instance, items, now| {
            instance.accept_recommendations(items, reviewer, selected.as_deref(), now)
        },
        "access_review.accept_recommendation",
    )
    .await
}

/// The directory around a review: everyone's manager and enabled flag, and the members and
/// owners of the groups the reviewers name (and the reviewed group).
#[derive(Default)]
struct ReviewDirectory {
    managers: HashMap<UserId, UserId>,
    enabled: BTreeSet<UserId>,
    members: HashMap<GroupId, BTreeSet<UserId>>,
    owners: HashMap<GroupId, BTreeSet<UserId>>,
}

impl DirectoryView for ReviewDirectory {
    fn manager_of(&self, user: UserId) -> Option<UserId> {
        self.managers.get(&user).copied()
    }
    fn sponsors_of(&self, _user: UserId) -> BTreeSet<UserId> {
        BTreeSet::new()
    }
    fn members_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.members.get(&group).cloned().unwrap_or_default()
    }
    fn owners_of(&self, group: GroupId) -> BTreeSet<UserId> {
        self.owners.get(&group).cloned().unwrap_or_default()
    }
    fn can_approve(&self, user: UserId) -> bool {
        self.enabled.contains(&user)
    }
}

async fn load_directory(
    state: &AppState,
    definition: &ValidReviewDefinition,
    resource: ReviewedResource,
) -> ApiResult<ReviewDirectory> {
    let mut directory = ReviewDirectory::default();
    for (id, manager, enabled) in store::reviews::managers_and_enabled(&state.db).await? {
        if let Some(manager) = manager {
            directory
                .managers
                .insert(UserId::from_uuid(id), UserId::from_uuid(manager));
        }
        if enabled {
            directory.enabled.insert(UserId::from_uuid(id));
        }
    }
    let mut groups = BTreeSet::new();
    if let ReviewedResource::Group { group_id } = resource {
        groups.insert(group_id);
    }
    for stage in definition.stages() {
        for spec in stage.reviewers().iter().chain(stage.fallback()) {
            if let review::ReviewerSpec::GroupMembers { group_id } = spec {
                groups.insert(*group_id);
            }
        }
    }
    for group in groups {
        let to_set = |people: Vec<Uuid>| people.into_iter().map(UserId::from_uuid).collect();
        directory.members.insert(
            group,
            to_set(store::requests::group_people(&state.db, *group.as_uuid(), false).await?),
        );
        directory.owners.insert(
            group,
            to_set(store::requests::group_people(&state.db, *group.as_uuid(), true).await?),
        );
    }
    Ok(directory)
}

async fn resource_name(state: &AppState, resource: ReviewedResource) -> ApiResult<String> {
    let name = match resource {
        ReviewedResource::Group { group_id } => {
            store::catalogs::find_resource_name(&state.db, "group", *group_id.as_uuid()).await?
        }
        ReviewedResource::Application { application_id } => {
            store::catalogs::find_resource_name(&state.db, "application", *application_id.as_uuid())
                .await?
        }
        ReviewedResource::AccessPackage {
            access_package_id, ..
        } => store::packages::find_package(&state.db, *access_package_id.as_uuid())
            .await?
            .map(|package| package.name),
    };
    Ok(name.unwrap_or_else(|| "(deleted)".into()))
}

/// Who reviews which item now: the reviewers of the items in the instance's current stage.
fn reviewer_pairs(instance: &ReviewInstance, items: &[ReviewItem]) -> Vec<(Uuid, Uuid)> {
    let Some(current) = instance.current_stage() else {
        return Vec::new();
    };
    items
        .iter()
        .filter(|item| item.final_outcome().is_none() && item.stages().len() == current + 1)
        .filter_map(|item| item.last_stage().map(|stage| (item, stage)))
        .flat_map(|(item, stage)| {
            stage
                .reviewers
                .iter()
                .map(move |reviewer| (*item.id().as_uuid(), *reviewer.as_uuid()))
        })
        .collect()
}

fn instance_write(instance: &ReviewInstance, now: DateTime<Utc>) -> ApiResult<InstanceWrite> {
    Ok(InstanceWrite {
        state: instance.state().as_str(),
        record: json(instance)?,
        due_at: instance.next_due(now).map(|due| due.at),
        now,
    })
}

fn notes_to(
    state: &AppState,
    people: impl IntoIterator<Item = UserId>,
    kind: NotificationKind,
    subject: &str,
    line: &str,
    row: &InstanceRow,
) -> Vec<NewNotification> {
    let url = state.settings.public_url();
    let link = format!("/reviews/{}", row.id);
    people
        .into_iter()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .map(|person| {
            render(
                person,
                kind,
                subject,
                &[line],
                &[("Review", &row.definition_name), ("Of", &row.resource_name)],
                &link,
                &url,
            )
        })
        .collect()
}

/// Starts a scheduled instance: snapshots the people in scope, resolves their reviewers and
/// tells the reviewers.
async fn start_instance(state: &AppState, row: &InstanceRow, now: DateTime<Utc>) -> ApiResult<()> {
    let mut instance = instance_of(row)?;
    let definition_row = store::reviews::find_definition(&state.db, row.definition_id)
        .await?
        .ok_or(ApiError::Internal)?;
    let definition = definition_of(&definition_row)?;
    let resource = instance.resource();
    let scoped = match resource {
        ReviewedResource::Group { group_id } => {
            store::reviews::group_scope(&state.db, *group_id.as_uuid()).await?
        }
        ReviewedResource::Application { application_id } => {
            store::reviews::application_scope(&state.db, *application_id.as_uuid()).await?
        }
        ReviewedResource::AccessPackage {
            access_package_id,
            policy_id,
        } => {
            store::reviews::package_scope(
                &state.db,
                *access_package_id.as_uuid(),
                policy_id.map(|id| *id.as_uuid()),
            )
            .await?
        }
    };
    let filter = definition.filter();
    let people: Vec<NewReviewItem> = scoped
        .into_iter()
        .filter(|person| {
            filter.includes(
                person.user_type == "guest",
                person.last_sign_in_at,
                person.created_at,
                now,
            )
        })
        .map(|person| NewReviewItem {
            id: ReviewItemId::from_uuid(Uuid::now_v7()),
            person: UserId::from_uuid(person.id),
            created_at: person.created_at,
            last_sign_in_at: person.last_sign_in_at,
        })
        .collect();
    let directory = load_directory(state, &definition, resource).await?;
    let stages = definition.stages().to_vec();
    let (event, items) = instance
        .start(now, people, |stage, person| {
            stages
                .get(stage)
                .map(|stage| resolve_reviewers(stage, resource, person, &directory))
                .unwrap_or_default()
        })
        .map_err(refusal)?;
    let new_items = items
        .iter()
        .map(|item| {
            Ok(NewItem {
                id: *item.id().as_uuid(),
                user_id: *item.person().as_uuid(),
                outcome: outcome_of(item),
                record: json(&ReviewItemRecord::from(item.clone()))?,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let reviewers = reviewer_pairs(&instance, &items);
    let notes = notes_to(
        state,
        reviewers.iter().map(|(_, user)| UserId::from_uuid(*user)),
        NotificationKind::ReviewStarted,
        &format!("Please review access to {}", row.resource_name),
        &format!(
            "An access review started: decide whether people should keep access to {}.",
            row.resource_name
        ),
        row,
    );
    let audit = [audit_event::<(), _>(
        None,
        "access_review.start",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &new_items,
        &[],
        Some(&reviewers),
        &notes,
        &audit,
    )
    .await?;
    Ok(())
}

/// Removes the access a review denied, item by item, with the rule used everywhere: a role
/// still granted by a delivered assignment stays.
async fn remove_access(
    state: &AppState,
    resource: ReviewedResource,
    person: UserId,
    note: &NewNotification,
    now: DateTime<Utc>,
) -> RemovalResult {
    let user = *person.as_uuid();
    let result = match resource {
        ReviewedResource::Group { group_id } => {
            store::reviews::remove_group_member(&state.db, *group_id.as_uuid(), user, note).await
        }
        ReviewedResource::Application { application_id } => {
            store::reviews::remove_application_roles(
                &state.db,
                *application_id.as_uuid(),
                user,
                note,
            )
            .await
        }
        ReviewedResource::AccessPackage {
            access_package_id,
            policy_id,
        } => {
            let filter = AssignmentFilter {
                package: Some(*access_package_id.as_uuid()),
                user: Some(user),
                states: vec!["scheduled", "delivered"],
                ..AssignmentFilter::default()
            };
            match store::assignments::list_assignments(&state.db, &filter, None, 1).await {
                Err(err) => Err(err),
                Ok(rows) => match rows.into_iter().next() {
                    Some(held)
                        if policy_id
                            .is_none_or(|policy| Some(*policy.as_uuid()) == held.policy_id) =>
                    {
                        let end = EndAssignment {
                            id: held.id,
                            version: held.version,
                            state: "removed",
                            ended_by: None,
                            now,
                        };
                        let notes = std::slice::from_ref(note);
                        store::assignments::end_assignment(&state.db, &end, notes, |row| {
                            audit_event::<(), ()>(
                                None,
                                "assignment.remove_by_review",
                                "assignment",
                                row.id.to_string(),
                                None,
                                None,
                            )
                        })
                        .await
                        .map(|_| (true, true))
                    }
                    _ => Ok((false, false)),
                },
            }
        }
    };
    match result {
        Ok((true, _)) => RemovalResult::Removed,
        // Nothing to remove, or only what an assignment grants, which stays.
        Ok((false, _)) => RemovalResult::NotApplicable,
        Err(err) => {
            tracing::error!(error = %err, %user, "removing access after a review failed");
            RemovalResult::Failed
        }
    }
}

/// Why a review removes the access of `item`, for the person: the basis of its final outcome.
fn why_removed(item: &ReviewItem) -> String {
    match item.final_outcome().map(|outcome| outcome.basis) {
        Some(OutcomeBasis::Decision { stage }) => {
            let source = item
                .stages()
                .get(stage)
                .and_then(|stage| stage.decision.as_ref())
                .map(|decision| decision.source);
            match source {
                Some(DecisionSource::Recommendation) => {
                    "a reviewer accepted the recommendation to remove it.".into()
                }
                Some(DecisionSource::Reviewer) | None => "a reviewer denied it.".into(),
            }
        }
        Some(OutcomeBasis::NoResponse {
            rule: NoResponseRule::TakeRecommendations,
        }) => "nobody reviewed it in time, and the review follows its recommendation to remove it."
            .into(),
        Some(OutcomeBasis::NoResponse { .. }) => {
            "nobody reviewed it in time, and the review removes access nobody reviewed.".into()
        }
        None => "it was denied.".into(),
    }
}

/// Applies a completed instance's results: kept access stays, denied access is removed, and
/// each person whose access goes is told why.
async fn apply_instance(
    state: &AppState,
    row: &InstanceRow,
    by: AppliedBy,
    actor: Option<&Actor>,
    now: DateTime<Utc>,
) -> ApiResult<InstanceRow> {
    let mut instance = instance_of(row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before: Vec<ReviewItem> = items.clone();
    let event = instance.apply(&mut items, by, now).map_err(refusal)?;
    let to_remove = match &event {
        ReviewEvent::ApplyStarted { to_remove, .. } => to_remove.clone(),
        _ => Vec::new(),
    };
    let mut results = Vec::new();
    for removal in &to_remove {
        let why = items
            .iter()
            .find(|item| item.id() == removal.item)
            .map_or_else(|| "it was denied.".into(), why_removed);
        let note = access_ended(
            state,
            removal.person,
            &row.resource_name,
            &AccessEndReason::Review {
                review: row.definition_name.clone(),
                why,
            },
        );
        let result = remove_access(state, instance.resource(), removal.person, &note, now).await;
        results.push(ItemRemoval {
            item: removal.item,
            result,
        });
    }
    let mut audit = vec![audit_event::<(), _>(
        actor,
        "access_review.apply",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    if !results.is_empty() {
        let recorded = instance
            .record_removals(&mut items, &results, now)
            .map_err(refusal)?;
        audit.push(audit_event::<(), _>(
            actor,
            "access_review.removals",
            "access_review_instance",
            row.id.to_string(),
            None,
            Some(&recorded),
        ));
    }
    let changed = changed_items(&rows, &before, &items)?;
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        Some(&[]),
        &[],
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)
}

fn instance_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::Conflict {
            code: "review_changed",
            detail: "The review changed meanwhile; read it again.".into(),
            field: None,
        },
        other => other.into(),
    }
}

fn changed_items(
    rows: &[ItemRow],
    before: &[ReviewItem],
    after: &[ReviewItem],
) -> ApiResult<Vec<ItemWrite>> {
    rows.iter()
        .zip(before.iter().zip(after.iter()))
        .filter(|(_, (old, new))| old != new)
        .map(|(row, (_, new))| item_write(new, row.version))
        .collect()
}

/// Moves an in-progress instance on with time: a reminder, a stage's end, or completion.
async fn advance_instance(
    state: &AppState,
    row: &InstanceRow,
    action: ReviewDueAction,
    now: DateTime<Utc>,
) -> ApiResult<()> {
    let mut instance = instance_of(row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before = items.clone();
    let (event, notes) = match action {
        ReviewDueAction::Remind => {
            let event = instance.remind(&items, now).map_err(refusal)?;
            let reviewers = match &event {
                ReviewEvent::Reminded { reviewers, .. } => reviewers.clone(),
                _ => BTreeSet::new(),
            };
            let notes = notes_to(
                state,
                reviewers,
                NotificationKind::ReviewReminder,
                &format!("Reminder: review access to {}", row.resource_name),
                "Some people's access still waits for your decision; the review ends soon.",
                row,
            );
            (event, notes)
        }
        ReviewDueAction::AdvanceStage => {
            let definition_row = store::reviews::find_definition(&state.db, row.definition_id)
                .await?
                .ok_or(ApiError::Internal)?;
            let definition = definition_of(&definition_row)?;
            let resource = instance.resource();
            let directory = load_directory(state, &definition, resource).await?;
            let stages = definition.stages().to_vec();
            let event = instance
                .advance_stage(&mut items, now, |stage, person| {
                    stages
                        .get(stage)
                        .map(|stage| resolve_reviewers(stage, resource, person, &directory))
                        .unwrap_or_default()
                })
                .map_err(refusal)?;
            let reviewers: BTreeSet<UserId> = reviewer_pairs(&instance, &items)
                .into_iter()
                .map(|(_, user)| UserId::from_uuid(user))
                .collect();
            let notes = notes_to(
                state,
                reviewers,
                NotificationKind::ReviewStarted,
                &format!("Please review access to {}", row.resource_name),
                "The next stage of an access review started and waits for your decisions.",
                row,
            );
            (event, notes)
        }
        ReviewDueAction::Complete => {
            let event = instance.complete(&mut items, now).map_err(refusal)?;
            (event, ended_notes(state, row).await?)
        }
        ReviewDueAction::Start | ReviewDueAction::Apply => return Ok(()),
    };
    let changed = changed_items(&rows, &before, &items)?;
    let reviewers = reviewer_pairs(&instance, &items);
    let audit = [audit_event::<(), _>(
        None,
        match action {
            ReviewDueAction::Remind => "access_review.remind",
            ReviewDueAction::AdvanceStage => "access_review.advance",
            _ => "access_review.complete",
        },
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        Some(&reviewers),
        &notes,
        &audit,
    )
    .await?;
    Ok(())
}

/// "The review ended" to whoever set the definition up.
async fn ended_notes(state: &AppState, row: &InstanceRow) -> ApiResult<Vec<NewNotification>> {
    let owner = store::reviews::find_definition(&state.db, row.definition_id)
        .await?
        .and_then(|definition| definition.created_by);
    Ok(notes_to(
        state,
        owner.map(UserId::from_uuid),
        NotificationKind::ReviewEnded,
        &format!("The access review of {} ended", row.resource_name),
        "The review ended; its results are ready to read and, unless applied automatically, to apply.",
        row,
    ))
}

/// An administrator (or the catalog owner) ends an instance early. With automatic apply, the
/// results apply at once.
pub async fn stop_instance(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(
            "Only those who manage the review may stop it.",
        ));
    }
    let now = Utc::now();
    let mut instance = instance_of(&row)?;
    let (rows, mut items) = all_items(state, row.id).await?;
    let before = items.clone();
    let event = instance.stop(&mut items, actor.id, now).map_err(refusal)?;
    let changed = changed_items(&rows, &before, &items)?;
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.stop",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    let notes = ended_notes(state, &row).await?;
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        Some(&[]),
        &notes,
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    let mut row = store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)?;
    if instance.settings().auto_apply {
        row = apply_instance(state, &row, AppliedBy::Automatically, Some(actor), now).await?;
    }
    instance_view(state, &row).await
}

/// Stops every instance of a definition still in progress, as [`stop_instance`] does each;
/// answers the instances stopped (none when nothing ran).
pub async fn stop_definition(
    state: &AppState,
    actor: &Actor,
    id: ReviewDefinitionId,
) -> ApiResult<Vec<ReviewInstanceView>> {
    let (definition, _) = managed_definition(state, actor, id).await?;
    let mut stopped = Vec::new();
    let mut before = None;
    loop {
        let rows = store::reviews::list_instances(
            &state.db,
            &InstanceList::OfDefinition(definition.id),
            before,
            200,
        )
        .await?;
        let Some(last) = rows.last() else {
            break;
        };
        before = Some(last.id);
        for row in rows
            .iter()
            .filter(|row| row.state == review::ReviewInstanceState::InProgress.as_str())
        {
            let id = ReviewInstanceId::from_uuid(row.id);
            stopped.push(stop_instance(state, actor, id).await?);
        }
    }
    Ok(stopped)
}

/// The instance `id` and its instance, items and rows, for one who manages it (`doing` says
/// what they are refused otherwise).
async fn managed_instance(
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

/// Sends a reminder now, through the notifications outbox, to every reviewer with undecided
/// items in the current stage.
pub async fn remind_now(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<review::ReminderSent> {
    let (row, instance, _, items) = managed_instance(
        state,
        actor,
        id,
        "Only those who manage the review may remind its reviewers.",
    )
    .await?;
    let now = Utc::now();
    let event = instance
        .remind_now(&items, actor.id, now)
        .map_err(refusal)?;
    let ReviewEvent::RemindedNow {
        stage, reviewers, ..
    } = &event
    else {
        return Err(ApiError::Internal);
    };
    let sent = review::ReminderSent {
        stage: *stage + 1,
        reviewers: reviewers.iter().copied().collect(),
    };
    let notes = notes_to(
        state,
        reviewers.iter().copied(),
        NotificationKind::ReviewReminder,
        &format!("Reminder: review access to {}", row.resource_name),
        "Some people's access still waits for your decision.",
        &row,
    );
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.remind_now",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &[],
        None,
        &notes,
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    Ok(sent)
}

/// Clears the decisions made in the current stage, so its reviewers decide again.
pub async fn reset_decisions(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, instance, rows, mut items) = managed_instance(
        state,
        actor,
        id,
        "Only those who manage the review may reset its decisions.",
    )
    .await?;
    let now = Utc::now();
    let before = items.clone();
    let event = instance
        .reset_stage(&mut items, actor.id, now)
        .map_err(refusal)?;
    let changed = changed_items(&rows, &before, &items)?;
    let audit = [audit_event::<(), _>(
        Some(actor),
        "access_review.reset",
        "access_review_instance",
        row.id.to_string(),
        None,
        Some(&event),
    )];
    store::reviews::write_instance(
        &state.db,
        row.id,
        row.version,
        &instance_write(&instance, now)?,
        &[],
        &changed,
        None,
        &[],
        &audit,
    )
    .await
    .map_err(instance_conflict)?;
    let row = store::reviews::find_instance(&state.db, row.id)
        .await?
        .ok_or(ApiError::Internal)?;
    instance_view(state, &row).await
}

/// An administrator (or the catalog owner) applies a completed instance's results.
pub async fn apply_results(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
) -> ApiResult<ReviewInstanceView> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(
            "Only those who manage the review may apply its results.",
        ));
    }
    let row = apply_instance(
        state,
        &row,
        AppliedBy::Administrator { user_id: actor.id },
        Some(actor),
        Utc::now(),
    )
    .await?;
    instance_view(state, &row).await
}

const RESULTS_CSV_HEADER: [&str; 10] = [
    "item_id",
    "user_id",
    "username",
    "display_name",
    "outcome",
    "decided_by",
    "justification",
    "recommendation",
    "applied",
    "outcome_source",
];

/// Where an item's outcome came from, for the results CSV: `reviewer` (a reviewer chose it),
/// `recommendation` (a reviewer accepted the recommendation), `no_response_rule` (nobody
/// decided in the last stage and the review's rule did), or empty while nobody has decided.
fn outcome_source(item: &ReviewItem) -> &'static str {
    if let Some(final_outcome) = item.final_outcome()
        && let review::OutcomeBasis::NoResponse { .. } = final_outcome.basis
    {
        return "no_response_rule";
    }
    match item.last_stage().and_then(|stage| stage.decision.as_ref()) {
        Some(decision) => match decision.source {
            review::DecisionSource::Reviewer => "reviewer",
            review::DecisionSource::Recommendation => "recommendation",
        },
        None => "",
    }
}

/// An instance's results as CSV: one row per person, for its managers.
pub async fn export_results(
    state: &AppState,
    actor: &Actor,
    id: ReviewInstanceId,
    query: &review::ReviewResultsQuery,
) -> ApiResult<Vec<u8>> {
    let (row, audience) = visible_instance(state, actor, id).await?;
    if audience != ItemAudience::Administrator {
        return Err(ApiError::Forbidden(
            "Only those who manage the review may export its results.",
        ));
    }
    let filter = ItemFilter {
        reviewer: None,
        outcome: query.outcome.map(|outcome| outcome.as_str()),
        search: parse_search(query.q.as_deref())?.map(str::to_lowercase),
        ids: None,
    };
    let rows = store::reviews::list_items(&state.db, row.id, &filter, None, None).await?;
    let items = rows.iter().map(item_of).collect::<ApiResult<Vec<_>>>()?;
    let names: BTreeMap<Uuid, String> = {
        let deciders: Vec<Uuid> = items
            .iter()
            .filter_map(|item| {
                item.last_stage()?
                    .decision
                    .as_ref()
                    .map(|d| *d.by.as_uuid())
            })
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        store::users::find_people(&state.db, &deciders)
            .await?
            .into_iter()
            .map(|row| (row.id, row.username))
            .collect()
    };
    let records = rows.iter().zip(items.iter()).map(|(row, item)| {
        let decision = item.last_stage().and_then(|stage| stage.decision.clone());
        vec![
            row.id.to_string(),
            row.user_id.to_string(),
            row.username.clone(),
            row.display_name.clone(),
            outcome_of(item).to_string(),
            decision
                .as_ref()
                .and_then(|d| names.get(d.by.as_uuid()).cloned())
                .unwrap_or_default(),
            decision
                .as_ref()
                .and_then(|d| d.justification.as_ref().map(Justification::to_string))
                .unwrap_or_default(),
            item.recommendation().message(),
            item.applied()
                .map(|applied| {
                    serde_json::to_value(applied)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default()
                })
                .unwrap_or_default(),
            outcome_source(item).to_string(),
        ]
    });
    super::csv::write(&RESULTS_CSV_HEADER, records)
}

/// One round of scheduled review work at `now`: occurrences due start their instances, and
/// instances start, remind, advance, complete and apply on time. Every step is a
/// compare-and-set, so replicas racing do each once. Returns how many steps were taken.
pub async fn run_due_reviews(state: &AppState, now: DateTime<Utc>) -> ApiResult<usize> {
    let mut moved = 0;
    for (id, version) in store::reviews::due_definitions(&state.db, now, DUE_BATCH).await? {
        let Some(row) = store::reviews::find_definition(&state.db, id).await? else {
            continue;
        };
        if row.version != version {
            continue;
        }
        let definition = definition_of(&row)?;
        let started = u32::try_from(row.occurrences_started).unwrap_or(u32::MAX);
        let Some(occurrence) = definition.next_occurrence(started, now) else {
            continue;
        };
        if occurrence.starts_at > now {
            continue;
        }
        let planned = ReviewInstance::plan_occurrence(
            ReviewDefinitionId::from_uuid(row.id),
            &definition,
            occurrence,
            || ReviewInstanceId::from_uuid(Uuid::now_v7()),
        );
        let mut inserts = Vec::new();
        for instance in &planned {
            inserts.push(InstanceInsert {
                id: *instance.id().as_uuid(),
                occurrence: i64::from(occurrence.index),
                resource: json(&instance.resource())?,
                resource_name: resource_name(state, instance.resource()).await?,
                state: instance.state().as_str(),
                record: json(instance)?,
                due_at: instance.next_due(now).map(|due| due.at),
            });
        }
        let next = definition
            .next_occurrence(occurrence.index + 1, now)
            .map(|o| o.starts_at);
        match store::reviews::plan_occurrence(
            &state.db,
            row.id,
            row.version,
            i64::from(occurrence.index) + 1,
            next,
            &inserts,
            now,
        )
        .await
        {
            Ok(()) => moved += 1,
            Err(StoreError::Conflict) => {}
            Err(other) => return Err(other.into()),
        }
    }
    for (id, version) in store::reviews::due_instances(&state.db, now, DUE_BATCH).await? {
        let Some(row) = store::reviews::find_instance(&state.db, id).await? else {
            continue;
        };
        if row.version != version {
            continue;
        }
        let instance = instance_of(&row)?;
        let Some(due) = instance.next_due(now) else {
            continue;
        };
        if due.at > now {
            continue;
        }
        let done = match due.action {
            ReviewDueAction::Start => start_instance(state, &row, now).await,
            ReviewDueAction::Apply => {
                apply_instance(state, &row, AppliedBy::Automatically, None, now)
                    .await
                    .map(|_| ())
            }
            action => advance_instance(state, &row, action, now).await,
        };
        match done {
            Ok(()) => moved += 1,
            Err(ApiError::Conflict { .. }) => {}
            Err(err) => {
                // One instance that cannot move must not stop the others.
                tracing::error!(instance = %row.id, error = %err, "scheduled review work failed");
            }
        }
    }
    Ok(moved)
}

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
            code: "access_review_changed",
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
