//! Handing undecided review items to someone else: from a reviewer who leaves to the
//! remaining or fallback reviewers, and from a person's previous manager to the new one.
//!
//! Only the items' current stage in reviews in progress changes, and only items still
//! undecided there. The writes are planned here and written with the change of the person
//! ([`crate::store::lifecycle`]).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use tessera_domain::UserId;
use tessera_domain::notification::NotificationKind;
use tessera_domain::policy::{DirectoryView, Without};
use tessera_domain::review::{resolve_fallback_reviewers, reviews_only_as_manager};
use uuid::Uuid;

use super::notices::notes_to;
use super::records::{definition_of, instance_of, item_of, item_write};
use super::sweeps::load_directory;
use crate::auth::Actor;
use crate::error::ApiResult;
use crate::service::audit_event;
use crate::state::AppState;
use crate::store;
use crate::store::lifecycle::ReviewerChange;

/// Why a reviewer is taken off items.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Removal {
    /// They leave: every undecided item they review goes to the remaining reviewers, or to
    /// the stage's fallback reviewers.
    Leaver,
    /// They are no longer `person`'s manager: the items of `person` they review as the
    /// manager (not as a named reviewer) go to `new`, or to the fallback reviewers when
    /// `person` has no manager now (or one who can't review).
    Manager { person: UserId, new: Option<UserId> },
}

/// The reviewer changes that taking `removed` off their items makes, one per instance.
pub(crate) async fn reviewer_changes(
    state: &AppState,
    actor: Option<&Actor>,
    removed: UserId,
    removal: Removal,
    now: DateTime<Utc>,
) -> ApiResult<Vec<ReviewerChange>> {
    let only_person = match removal {
        Removal::Leaver => None,
        Removal::Manager { person, .. } => Some(*person.as_uuid()),
    };
    let mut by_instance: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (instance, item) in
        store::lifecycle::items_reviewed_by(&state.db, *removed.as_uuid(), only_person).await?
    {
        by_instance.entry(instance).or_default().push(item);
    }
    let mut changes = Vec::new();
    for (instance_id, items) in by_instance {
        let Some(row) = store::reviews::find_instance(&state.db, instance_id).await? else {
            continue;
        };
        let instance = instance_of(&row)?;
        let Some(definition_row) =
            store::reviews::find_definition(&state.db, row.definition_id).await?
        else {
            continue;
        };
        let definition = definition_of(&definition_row)?;
        let resource = instance.resource();
        let directory = load_directory(state, &definition, resource).await?;
        let leaving = matches!(removal, Removal::Leaver).then_some(removed);
        let view = Without {
            view: &directory,
            gone: leaving,
        };
        let mut writes = Vec::new();
        let mut notes = Vec::new();
        let mut audit = Vec::new();
        for item_id in items {
            let Some(item_row) = store::reviews::find_item(&state.db, item_id).await? else {
                continue;
            };
            let mut item = item_of(&item_row)?;
            let replacement = match removal {
                Removal::Leaver => None,
                Removal::Manager { person, new } => {
                    let as_manager = definition.stages().get(item.stage()).is_some_and(|stage| {
                        reviews_only_as_manager(stage, resource, person, removed, &directory)
                    });
                    let by_fallback = item.last_stage().is_none_or(|stage| stage.used_fallback);
                    if !as_manager || by_fallback {
                        continue;
                    }
                    new.filter(|new| directory.can_approve(*new))
                }
            };
            let rerouted =
                instance.reroute_item(&mut item, removed, replacement, now, |stage, person| {
                    definition
                        .stages()
                        .get(stage)
                        .map(|stage| resolve_fallback_reviewers(stage, resource, person, &view))
                        .unwrap_or_default()
                });
            // Decided already, a self-review, or the stage is over: the item stays as it is.
            let Ok(rerouted) = rerouted else {
                continue;
            };
            notes.extend(notes_to(
                state,
                rerouted.added.iter().copied(),
                NotificationKind::ReviewStarted,
                &format!("Please review access to {}", row.resource_name),
                "An access review was handed to you: someone else's review of a person's access \
                 now waits for your decision.",
                &row,
            ));
            audit.push(audit_event::<(), _>(
                actor,
                "access_review.reroute",
                "access_review_item",
                item_id.to_string(),
                None,
                Some(&rerouted),
            ));
            let reviewers = rerouted.reviewers.iter().map(|id| *id.as_uuid()).collect();
            writes.push((item_write(&item, item_row.version)?, reviewers));
        }
        if !writes.is_empty() {
            changes.push(ReviewerChange {
                instance: row.id,
                instance_version: row.version,
                items: writes,
                notes,
                audit,
            });
        }
    }
    Ok(changes)
}
