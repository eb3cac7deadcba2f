//! One occurrence of a review for one resource, as a pure state machine over the instance and
//! its items. See the module documentation of [`super`] for the lifecycle.

mod decide;
mod event;
mod lifecycle;
mod record;
mod state;

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::review::definition::{ReviewSettings, ReviewedResource, ValidReviewDefinition};
use crate::review::item::ReviewItem;
use crate::review::schedule::Occurrence;
use crate::{ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};

pub use decide::ItemRerouted;
pub use event::{AfterStage, Completion, ItemRemoval, PendingRemoval, ReviewEvent, ReviewRefusal};
pub use record::ReviewInstanceRecord;
pub use state::{
    AppliedBy, ApplyStart, InstanceStage, NewReviewInstance, ReviewDue, ReviewDueAction,
    ReviewInstanceState, Stop,
};

/// A review instance, consistent in every state: planned by [`ReviewInstance::plan`], changed
/// only by its transitions, read back from storage only through [`ReviewInstanceRecord`]'s
/// checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReviewInstanceRecord", into = "ReviewInstanceRecord")]
pub struct ReviewInstance {
    id: ReviewInstanceId,
    definition_id: ReviewDefinitionId,
    occurrence: u32,
    resource: ReviewedResource,
    state: ReviewInstanceState,
    starts_at: DateTime<Utc>,
    stages: Vec<InstanceStage>,
    settings: ReviewSettings,
    started_at: Option<DateTime<Utc>>,
    item_count: usize,
    completed_at: Option<DateTime<Utc>>,
    stopped: Option<Stop>,
    apply_started: Option<ApplyStart>,
    applied_at: Option<DateTime<Utc>>,
}

/// The outcome of one item in a bulk action.
pub type ItemResult = (ReviewItemId, Result<ReviewEvent, ReviewRefusal>);

impl ReviewInstance {
    /// A `scheduled` instance reviewing `resource` at `occurrence`, with the definition's
    /// stages and settings copied: a definition edited later does not change instances
    /// already planned.
    pub fn plan(
        new: NewReviewInstance,
        definition: &ValidReviewDefinition,
    ) -> Result<ReviewInstance, ReviewRefusal> {
        if !definition.resources().contains(&new.resource) {
            return Err(ReviewRefusal::ResourceNotInScope);
        }
        Ok(ReviewInstance {
            id: new.id,
            definition_id: new.definition_id,
            occurrence: new.occurrence.index,
            resource: new.resource,
            state: ReviewInstanceState::Scheduled,
            starts_at: new.occurrence.starts_at,
            stages: definition
                .stages()
                .iter()
                .map(InstanceStage::planned)
                .collect(),
            settings: *definition.settings(),
            started_at: None,
            item_count: 0,
            completed_at: None,
            stopped: None,
            apply_started: None,
            applied_at: None,
        })
    }

    /// The instances of one occurrence: one per resource the definition reviews, each with
    /// the id `next_id` gives it.
    pub fn plan_occurrence(
        definition_id: ReviewDefinitionId,
        definition: &ValidReviewDefinition,
        occurrence: Occurrence,
        mut next_id: impl FnMut() -> ReviewInstanceId,
    ) -> Vec<ReviewInstance> {
        definition
            .resources()
            .iter()
            .filter_map(|resource| {
                ReviewInstance::plan(
                    NewReviewInstance {
                        id: next_id(),
                        definition_id,
                        occurrence,
                        resource: *resource,
                    },
                    definition,
                )
                .ok()
            })
            .collect()
    }

    pub fn id(&self) -> ReviewInstanceId {
        self.id
    }

    pub fn definition_id(&self) -> ReviewDefinitionId {
        self.definition_id
    }

    /// Which occurrence of the definition this is; the first is 0.
    pub fn occurrence(&self) -> u32 {
        self.occurrence
    }

    pub fn resource(&self) -> ReviewedResource {
        self.resource
    }

    pub fn state(&self) -> ReviewInstanceState {
        self.state
    }

    /// When the occurrence is due to start; stage ends count from it, so an instance started
    /// late still ends on time, before the next occurrence.
    pub fn starts_at(&self) -> DateTime<Utc> {
        self.starts_at
    }

    /// When the last stage ends.
    pub fn ends_at(&self) -> DateTime<Utc> {
        self.stage_ends_at(self.stages.len().saturating_sub(1))
    }

    pub fn stages(&self) -> &[InstanceStage] {
        &self.stages
    }

    pub fn settings(&self) -> &ReviewSettings {
        &self.settings
    }

    /// When it actually started.
    pub fn started_at(&self) -> Option<DateTime<Utc>> {
        self.started_at
    }

    /// How many items it has: the people in scope when it started.
    pub fn item_count(&self) -> usize {
        self.item_count
    }

    pub fn completed_at(&self) -> Option<DateTime<Utc>> {
        self.completed_at
    }

    /// Who ended it early, if anyone.
    pub fn stopped(&self) -> Option<&Stop> {
        self.stopped.as_ref()
    }

    pub fn apply_started(&self) -> Option<&ApplyStart> {
        self.apply_started.as_ref()
    }

    pub fn applied_at(&self) -> Option<DateTime<Utc>> {
        self.applied_at
    }

    /// The stage reviewers decide in, while in progress.
    pub fn current_stage(&self) -> Option<usize> {
        match self.state {
            ReviewInstanceState::InProgress => self
                .stages
                .iter()
                .rposition(|stage| stage.started_at.is_some()),
            ReviewInstanceState::Scheduled
            | ReviewInstanceState::Completed
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => None,
        }
    }

    /// When stage `stage` ends: the occurrence's start plus the durations of the stages up to
    /// it, days of 24 hours. Saturates rather than panic on absurd input.
    pub fn stage_ends_at(&self, stage: usize) -> DateTime<Utc> {
        self.after_stages(stage + 1)
    }

    /// When stage `stage` is meant to start, and halfway through it its reviewers are
    /// reminded.
    pub fn reminder_at(&self, stage: usize) -> DateTime<Utc> {
        let half = self
            .stages
            .get(stage)
            .map_or(0, |stage| 12 * i64::from(stage.duration_days));
        self.after_stages(stage)
            .checked_add_signed(TimeDelta::hours(half))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    fn after_stages(&self, count: usize) -> DateTime<Utc> {
        let days: i64 = self
            .stages
            .iter()
            .take(count)
            .map(|stage| i64::from(stage.duration_days))
            .sum();
        self.starts_at
            .checked_add_signed(TimeDelta::days(days))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// What time alone lets happen next, as of `now`, and when. A reminder whose stage has
    /// ended is no longer due. Absent while results are being applied (their end is
    /// reported, not awaited), once applied, and when completed without automatic apply.
    pub fn next_due(&self, now: DateTime<Utc>) -> Option<ReviewDue> {
        let due = |at, action| Some(ReviewDue { at, action });
        match self.state {
            ReviewInstanceState::Scheduled => due(self.starts_at, ReviewDueAction::Start),
            ReviewInstanceState::InProgress => {
                let index = self.current_stage()?;
                let stage = self.stages.get(index)?;
                let ends_at = self.stage_ends_at(index);
                if self.settings.reminders && stage.reminded_at.is_none() && now < ends_at {
                    return due(self.reminder_at(index), ReviewDueAction::Remind);
                }
                if index + 1 == self.stages.len() {
                    due(ends_at, ReviewDueAction::Complete)
                } else {
                    due(ends_at, ReviewDueAction::AdvanceStage)
                }
            }
            ReviewInstanceState::Completed if self.settings.auto_apply => {
                due(self.completed_at?, ReviewDueAction::Apply)
            }
            ReviewInstanceState::Completed
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => None,
        }
    }

    /// The current stage, or why the instance is not in progress.
    fn in_progress_stage(&self) -> Result<usize, ReviewRefusal> {
        match self.state {
            ReviewInstanceState::InProgress => self
                .current_stage()
                .ok_or(ReviewRefusal::NotInProgress { state: self.state }),
            ReviewInstanceState::Scheduled
            | ReviewInstanceState::Completed
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => {
                Err(ReviewRefusal::NotInProgress { state: self.state })
            }
        }
    }

    /// The current stage, if it still takes decisions at `now`.
    fn check_open(&self, now: DateTime<Utc>) -> Result<usize, ReviewRefusal> {
        let stage = self.in_progress_stage()?;
        let ended_at = self.stage_ends_at(stage);
        if now >= ended_at {
            return Err(ReviewRefusal::StageEnded { stage, ended_at });
        }
        Ok(stage)
    }

    /// Every check of who decides, in the order a person can act on: the review (in
    /// progress, stage not over), the item (this instance's, still reviewed in this stage),
    /// then the reviewer (not their own access, asked). Returns the stage.
    fn check_reviewer(
        &self,
        item: &ReviewItem,
        reviewer: UserId,
        now: DateTime<Utc>,
    ) -> Result<usize, ReviewRefusal> {
        let stage = self.check_open(now)?;
        if item.instance_id != self.id {
            return Err(ReviewRefusal::ForeignItem { item: item.id });
        }
        let Some(asked) = item
            .stages
            .get(stage)
            .filter(|_| item.stages.len() == stage + 1)
        else {
            return Err(ReviewRefusal::NotInCurrentStage { item: item.id });
        };
        if reviewer == item.person && !asked.self_review {
            return Err(ReviewRefusal::OwnAccess);
        }
        if !asked.asks(reviewer) {
            return Err(ReviewRefusal::NotAReviewer);
        }
        Ok(stage)
    }

    /// Whether `items` are exactly this instance's items, each once.
    fn check_items(&self, items: &[ReviewItem]) -> Result<(), ReviewRefusal> {
        let mut ids = BTreeSet::new();
        let exact = items.len() == self.item_count
            && items
                .iter()
                .all(|item| item.instance_id == self.id && ids.insert(item.id));
        if exact {
            Ok(())
        } else {
            Err(ReviewRefusal::ItemsMismatch)
        }
    }
}
