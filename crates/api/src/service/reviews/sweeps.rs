//! The scheduled review work: occurrences start their instances, and instances start,
//! remind, advance, complete and apply on time.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use tessera_domain::catalog::ResourceKind;
use tessera_domain::notification::NotificationKind;
use tessera_domain::policy::DirectoryView;
use tessera_domain::review::{
    self, AppliedBy, NewReviewItem, ReviewDueAction, ReviewEvent, ReviewInstance, ReviewItem,
    ReviewItemRecord, ReviewedResource, ValidReviewDefinition, resolve_reviewers,
};
use tessera_domain::user::UserType;
use tessera_domain::{GroupId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};
use uuid::Uuid;

use super::apply::apply_instance;
use super::notices::{ended_notes, notes_to};
use super::records::{
    all_items, changed_items, definition_of, instance_of, instance_write, json, outcome_of, refusal,
};
use crate::error::{ApiError, ApiResult};
use crate::service::audit_event;
use crate::state::AppState;
use crate::store::reviews::{InstanceInsert, InstanceRow, NewItem};
use crate::store::{self, StoreError};

/// How many due definitions and instances one scheduler round handles.
const DUE_BATCH: u32 = 50;

/// The directory around a review: everyone's manager and enabled flag, and the members and
/// owners of the groups the reviewers name (and the reviewed group).
#[derive(Default)]
pub(super) struct ReviewDirectory {
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

pub(super) async fn load_directory(
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
            store::catalogs::find_resource_name(&state.db, ResourceKind::Group, *group_id.as_uuid())
                .await?
        }
        ReviewedResource::Application { application_id } => {
            store::catalogs::find_resource_name(
                &state.db,
                ResourceKind::Application,
                *application_id.as_uuid(),
            )
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
                person.user_type == UserType::Guest,
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
    let (event, notes, audit_action) = match action {
        ReviewDueAction::Remind => {
            let event = instance.remind(&items, now).map_err(refusal)?;
            let reviewers = match &event {
                ReviewEvent::Reminded { reviewers, .. } => reviewers.clone(),
                ReviewEvent::Started { .. }
                | ReviewEvent::Decided { .. }
                | ReviewEvent::RemindedNow { .. }
                | ReviewEvent::DecisionsReset { .. }
                | ReviewEvent::StageEnded { .. }
                | ReviewEvent::Completed { .. }
                | ReviewEvent::Stopped { .. }
                | ReviewEvent::ApplyStarted { .. }
                | ReviewEvent::RemovalsRecorded { .. } => BTreeSet::new(),
            };
            let notes = notes_to(
                state,
                reviewers,
                NotificationKind::ReviewReminder,
                &format!("Reminder: review access to {}", row.resource_name),
                "Some people's access still waits for your decision; the review ends soon.",
                row,
            );
            (event, notes, "access_review.remind")
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
            (event, notes, "access_review.advance")
        }
        ReviewDueAction::Complete => {
            let event = instance.complete(&mut items, now).map_err(refusal)?;
            (
                event,
                ended_notes(state, row).await?,
                "access_review.complete",
            )
        }
        ReviewDueAction::Start | ReviewDueAction::Apply => return Ok(()),
    };
    let changed = changed_items(&rows, &before, &items)?;
    let reviewers = reviewer_pairs(&instance, &items);
    let audit = [audit_event::<(), _>(
        None,
        audit_action,
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
