//! One occurrence of a review for one resource, as a pure state machine over the instance and
//! its items. See the module documentation of [`super`] for the lifecycle.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{
    ApplyOutcome, DecisionSource, FinalOutcome, OutcomeBasis, RemovalResult, ReviewDecision,
    ReviewOutcome, ReviewVerdict,
};
use super::definition::{
    MAX_INSTANCE_DAYS, MAX_STAGES, ReviewSettings, ReviewStage, ReviewedResource,
    ValidReviewDefinition,
};
use super::item::{InvalidReviewRecord, ItemStage, NewReviewItem, ReviewItem};
use super::recommendation::{MAX_LOOK_BACK_DAYS, RecommendedVerdict, recommendation};
use super::resolve::ResolvedReviewers;
use super::schedule::Occurrence;
use crate::assignment::Justification;
use crate::{ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};

/// Where an instance is in its life. Sent and stored in `snake_case`.
///
/// An instance stopped early by an administrator is `completed` like one that ran its course,
/// with [`ReviewInstance::stopped`] saying who stopped it and in which stage: both end the same
/// way (undecided items take the no-response rule, results can be applied), so one state keeps
/// every query and every later transition the same.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewInstanceState {
    /// Planned for its occurrence; nobody is in scope yet.
    Scheduled,
    /// Reviewers decide in the current stage.
    InProgress,
    /// Every item has its final outcome; nothing was removed yet.
    Completed,
    /// Denied access is being removed.
    Applying,
    /// Every result is applied; the instance is over.
    Applied,
}

impl ReviewInstanceState {
    pub const ALL: [ReviewInstanceState; 5] = crate::variants::all();

    /// The wire and column spelling.
    pub fn as_str(self) -> &'static str {
        self.into()
    }

    pub fn parse(raw: &str) -> Option<ReviewInstanceState> {
        raw.parse().ok()
    }

    /// Whether every item has its final outcome.
    pub fn is_completed(self) -> bool {
        match self {
            ReviewInstanceState::Scheduled | ReviewInstanceState::InProgress => false,
            ReviewInstanceState::Completed
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => true,
        }
    }
}

impl fmt::Display for ReviewInstanceState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stage of an instance: what the definition said about it when the instance was planned,
/// and when it started and reminded its reviewers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct InstanceStage {
    /// 1 to 180.
    pub duration_days: u8,
    /// Whether each person reviews their own access.
    pub self_review: bool,
    /// The outcomes that send an item on to the next stage.
    pub moves_on: BTreeSet<ReviewOutcome>,
    /// When the stage began; absent until it does, and for ever when the instance ended
    /// before it (stopped, or nobody moved on).
    pub started_at: Option<DateTime<Utc>>,
    /// When its reviewers were reminded, halfway through.
    pub reminded_at: Option<DateTime<Utc>>,
}

impl InstanceStage {
    fn planned(stage: &ReviewStage) -> InstanceStage {
        InstanceStage {
            duration_days: stage.duration_days(),
            self_review: stage.is_self_review(),
            moves_on: stage.moves_on().clone(),
            started_at: None,
            reminded_at: None,
        }
    }
}

/// An administrator ending an instance before its time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Stop {
    pub by: UserId,
    pub at: DateTime<Utc>,
    /// The stage that was running.
    pub stage: usize,
}

/// Who applied the results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AppliedBy {
    /// At the end of the instance, because the definition applies results automatically.
    Automatically,
    Administrator {
        user_id: UserId,
    },
}

/// When results started being applied, and by whom.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ApplyStart {
    pub by: AppliedBy,
    pub at: DateTime<Utc>,
}

/// An instance to plan for one resource at one occurrence of a definition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewReviewInstance {
    pub id: ReviewInstanceId,
    pub definition_id: ReviewDefinitionId,
    pub occurrence: Occurrence,
    pub resource: ReviewedResource,
}

/// What happened in one transition: what the audit trail records and notifications follow.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ReviewEvent {
    /// The instance started: the people in scope became items, the first stage began.
    Started {
        items: usize,
        stage_ends_at: DateTime<Utc>,
        /// Items nobody can review in the first stage, not even a fallback reviewer. They end
        /// the stage not reviewed.
        unassigned: Vec<ReviewItemId>,
    },
    /// A reviewer decided an item, or changed their decision.
    Decided {
        item: ReviewItemId,
        stage: usize,
        decision: ReviewDecision,
        /// The verdict this decision replaced, when the item had one in this stage.
        replaced: Option<ReviewVerdict>,
    },
    /// Reviewers with undecided items were reminded, halfway through the stage.
    Reminded {
        stage: usize,
        reviewers: BTreeSet<UserId>,
    },
    /// An administrator reminded, there and then, the reviewers with undecided items in the
    /// current stage (the halfway reminder still comes).
    RemindedNow {
        stage: usize,
        by: UserId,
        reviewers: BTreeSet<UserId>,
    },
    /// An administrator cleared the decisions of the current stage: those items are undecided
    /// again.
    DecisionsReset {
        stage: usize,
        by: UserId,
        items: Vec<ReviewItemId>,
    },
    /// A stage ended: some items moved on to the next, the others keep their outcome.
    StageEnded {
        stage: usize,
        moved_on: Vec<ReviewItemId>,
        next: AfterStage,
    },
    /// The last stage ended.
    Completed { completion: Completion },
    /// An administrator ended the instance early.
    Stopped { stop: Stop, completion: Completion },
    /// Results are being applied: kept access is settled at once, the listed removals are to
    /// be carried out and reported.
    ApplyStarted {
        by: AppliedBy,
        to_remove: Vec<PendingRemoval>,
        kept: usize,
    },
    /// The code removing access reported how some removals went.
    RemovalsRecorded {
        results: Vec<ItemRemoval>,
        /// Whether that was the last pending removal.
        finished: bool,
    },
}

impl ReviewEvent {
    /// The state the instance is in after this event.
    pub fn state_after(&self) -> ReviewInstanceState {
        match self {
            ReviewEvent::Started { .. }
            | ReviewEvent::Decided { .. }
            | ReviewEvent::Reminded { .. }
            | ReviewEvent::RemindedNow { .. }
            | ReviewEvent::DecisionsReset { .. } => ReviewInstanceState::InProgress,
            ReviewEvent::StageEnded { next, .. } => match next {
                AfterStage::Stage { .. } => ReviewInstanceState::InProgress,
                AfterStage::Completed { .. } => ReviewInstanceState::Completed,
            },
            ReviewEvent::Completed { .. } | ReviewEvent::Stopped { .. } => {
                ReviewInstanceState::Completed
            }
            ReviewEvent::ApplyStarted { to_remove, .. } if to_remove.is_empty() => {
                ReviewInstanceState::Applied
            }
            ReviewEvent::ApplyStarted { .. } => ReviewInstanceState::Applying,
            ReviewEvent::RemovalsRecorded { finished: true, .. } => ReviewInstanceState::Applied,
            ReviewEvent::RemovalsRecorded {
                finished: false, ..
            } => ReviewInstanceState::Applying,
        }
    }
}

/// What follows the end of a stage that is not the last.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AfterStage {
    /// The next stage began for the items that moved on.
    Stage {
        stage: usize,
        ends_at: DateTime<Utc>,
        /// Items nobody can review in it.
        unassigned: Vec<ReviewItemId>,
    },
    /// No item moved on, so there is nothing left to review: the instance completed at once.
    Completed { completion: Completion },
}

/// How an instance ended: the final outcomes, counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Completion {
    pub approved: usize,
    pub denied: usize,
    pub dont_know: usize,
    pub not_reviewed: usize,
    /// How many of those the no-response rule decided.
    pub by_no_response_rule: usize,
    /// Whether results are to be applied now, without an administrator.
    pub apply_automatically: bool,
}

/// A denied item whose access is to be removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct PendingRemoval {
    pub item: ReviewItemId,
    pub person: UserId,
}

/// How removing one item's access went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ItemRemoval {
    pub item: ReviewItemId,
    pub result: RemovalResult,
}

/// When an instance can next move on with time alone, and what to call then.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReviewDue {
    pub at: DateTime<Utc>,
    pub action: ReviewDueAction,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReviewDueAction {
    /// [`ReviewInstance::start`].
    Start,
    /// [`ReviewInstance::remind`].
    Remind,
    /// [`ReviewInstance::advance_stage`].
    AdvanceStage,
    /// [`ReviewInstance::complete`].
    Complete,
    /// [`ReviewInstance::apply`] with [`AppliedBy::Automatically`].
    Apply,
}

/// Why a transition was refused. The instance and its items are unchanged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewRefusal {
    #[error("the resource is not one the definition reviews")]
    ResourceNotInScope,
    #[error("the instance has already started ({state})")]
    AlreadyStarted { state: ReviewInstanceState },
    #[error("not before {due_at}")]
    NotYetDue { due_at: DateTime<Utc> },
    #[error("the instance's time ran out at {ends_at} before it started; skip this occurrence")]
    WindowPassed { ends_at: DateTime<Utc> },
    #[error("the same person is in scope twice")]
    DuplicatePerson { person: UserId },
    #[error("the same item is given twice")]
    DuplicateItem { item: ReviewItemId },
    #[error("the items given are not exactly this instance's")]
    ItemsMismatch,
    #[error("the item belongs to another instance")]
    ForeignItem { item: ReviewItemId },
    #[error("no item {item} in this instance")]
    NoSuchItem { item: ReviewItemId },
    #[error("the review is not in progress ({state})")]
    NotInProgress { state: ReviewInstanceState },
    #[error("stage {} ended at {ended_at}", .stage + 1)]
    StageEnded {
        stage: usize,
        ended_at: DateTime<Utc>,
    },
    #[error("stage {} is the last; complete the review instead", .stage + 1)]
    LastStage { stage: usize },
    #[error("stage {} is not the last; advance to the next stage instead", .stage + 1)]
    StagesRemaining { stage: usize },
    #[error("this item's review ended in an earlier stage")]
    NotInCurrentStage { item: ReviewItemId },
    #[error("nobody reviews their own access, except in a self-review")]
    OwnAccess,
    #[error("only the item's reviewers in the current stage decide it")]
    NotAReviewer,
    #[error("in a self-review, say whether you still need the access: approve or deny")]
    SelfReviewIsYesOrNo,
    #[error("this review needs reviewers to say why they decide")]
    JustificationRequired,
    #[error("there is no recommendation to accept for this item")]
    NoRecommendation,
    #[error("the item is already decided in this stage")]
    AlreadyDecided { item: ReviewItemId },
    #[error("this review does not remind its reviewers")]
    RemindersOff,
    #[error("stage {} has already reminded its reviewers", .stage + 1)]
    AlreadyReminded { stage: usize },
    #[error("the review is not completed, or already applied ({state})")]
    NotCompleted { state: ReviewInstanceState },
    #[error("this review does not apply results automatically")]
    AutoApplyOff,
    #[error("results are not being applied ({state})")]
    NotApplying { state: ReviewInstanceState },
    #[error("the item's access is not being removed")]
    NotBeingRemoved { item: ReviewItemId },
    #[error("the item's result is already applied")]
    AlreadyApplied { item: ReviewItemId },
}

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

    /// Starts the instance with the people in scope now, one item each: computes their
    /// recommendations and asks `resolve` for each one's reviewers in the first stage.
    /// Returns the items to store with the instance.
    pub fn start(
        &mut self,
        now: DateTime<Utc>,
        people: Vec<NewReviewItem>,
        mut resolve: impl FnMut(usize, UserId) -> ResolvedReviewers,
    ) -> Result<(ReviewEvent, Vec<ReviewItem>), ReviewRefusal> {
        match self.state {
            ReviewInstanceState::Scheduled => {}
            ReviewInstanceState::InProgress
            | ReviewInstanceState::Completed
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => {
                return Err(ReviewRefusal::AlreadyStarted { state: self.state });
            }
        }
        if now < self.starts_at {
            return Err(ReviewRefusal::NotYetDue {
                due_at: self.starts_at,
            });
        }
        let ends_at = self.ends_at();
        if now >= ends_at {
            return Err(ReviewRefusal::WindowPassed { ends_at });
        }
        let mut persons = BTreeSet::new();
        let mut ids = BTreeSet::new();
        for new in &people {
            if !persons.insert(new.person) {
                return Err(ReviewRefusal::DuplicatePerson { person: new.person });
            }
            if !ids.insert(new.id) {
                return Err(ReviewRefusal::DuplicateItem { item: new.id });
            }
        }
        // Validation and stored records guarantee a first stage.
        let self_review = self.stages.first().is_some_and(|first| first.self_review);
        let look_back = self.settings.look_back_days;
        let items: Vec<ReviewItem> = people
            .into_iter()
            .map(|new| ReviewItem {
                id: new.id,
                instance_id: self.id,
                person: new.person,
                last_sign_in_at: new.last_sign_in_at,
                recommendation: recommendation(new.last_sign_in_at, new.created_at, look_back, now),
                stages: vec![ItemStage::assigned(
                    self_review,
                    new.person,
                    resolve(0, new.person),
                )],
                final_outcome: None,
                applied: None,
            })
            .collect();
        self.state = ReviewInstanceState::InProgress;
        self.started_at = Some(now);
        self.item_count = items.len();
        if let Some(first) = self.stages.first_mut() {
            first.started_at = Some(now);
        }
        let event = ReviewEvent::Started {
            items: items.len(),
            stage_ends_at: self.stage_ends_at(0),
            unassigned: unassigned(items.iter()),
        };
        Ok((event, items))
    }

    /// `reviewer` decides `item` in the current stage, or changes their decision (or another
    /// reviewer's: the latest decision wins).
    pub fn decide(
        &self,
        item: &mut ReviewItem,
        reviewer: UserId,
        verdict: ReviewVerdict,
        justification: Option<Justification>,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.check_reviewer(item, reviewer, now)?;
        if item.stages[stage].self_review && verdict == ReviewVerdict::DontKnow {
            return Err(ReviewRefusal::SelfReviewIsYesOrNo);
        }
        if self.settings.justification_required && justification.is_none() {
            return Err(ReviewRefusal::JustificationRequired);
        }
        Ok(record(
            item,
            stage,
            ReviewDecision {
                by: reviewer,
                verdict,
                justification,
                source: DecisionSource::Reviewer,
                at: now,
            },
        ))
    }

    /// `reviewer` decides `item` as its recommendation says; the recommendation's reason is
    /// the justification.
    pub fn accept_recommendation(
        &self,
        item: &mut ReviewItem,
        reviewer: UserId,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.check_reviewer(item, reviewer, now)?;
        let verdict = match item.recommendation.verdict() {
            RecommendedVerdict::Approve => ReviewVerdict::Approve,
            RecommendedVerdict::Deny => ReviewVerdict::Deny,
            RecommendedVerdict::NoInfo => return Err(ReviewRefusal::NoRecommendation),
        };
        let justification = Justification::parse(item.recommendation.message()).ok();
        Ok(record(
            item,
            stage,
            ReviewDecision {
                by: reviewer,
                verdict,
                justification,
                source: DecisionSource::Recommendation,
                at: now,
            },
        ))
    }

    /// [`Self::decide`] for each of `items`, each refused or not on its own. Refused as a whole
    /// only when the instance takes no decision at all.
    pub fn decide_many(
        &self,
        items: &mut [ReviewItem],
        reviewer: UserId,
        verdict: ReviewVerdict,
        justification: Option<Justification>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ItemResult>, ReviewRefusal> {
        self.check_open(now)?;
        Ok(items
            .iter_mut()
            .map(|item| {
                let result = self.decide(item, reviewer, verdict, justification.clone(), now);
                (item.id, result)
            })
            .collect())
    }

    /// "Accept recommendations": with `selected`, for those items (an item already decided in
    /// this stage is refused, not changed); without, for every item among `items` that
    /// `reviewer` reviews in the current stage, has not been decided in it and has a
    /// recommendation. Prior decisions are never changed.
    pub fn accept_recommendations(
        &self,
        items: &mut [ReviewItem],
        reviewer: UserId,
        selected: Option<&[ReviewItemId]>,
        now: DateTime<Utc>,
    ) -> Result<Vec<ItemResult>, ReviewRefusal> {
        let stage = self.check_open(now)?;
        let undecided_in_stage = |item: &ReviewItem| {
            item.stages.len() == stage + 1 && item.latest_outcome() == ReviewOutcome::NotReviewed
        };
        let Some(selected) = selected else {
            return Ok(items
                .iter_mut()
                .filter(|item| {
                    undecided_in_stage(item)
                        && item.stages[stage].asks(reviewer)
                        && item.recommendation.verdict() != RecommendedVerdict::NoInfo
                })
                .map(|item| {
                    let result = self.accept_recommendation(item, reviewer, now);
                    (item.id, result)
                })
                .collect());
        };
        Ok(selected
            .iter()
            .map(|id| {
                let result = match items.iter_mut().find(|item| item.id == *id) {
                    None => Err(ReviewRefusal::NoSuchItem { item: *id }),
                    Some(item) if item.stages.len() == stage + 1 && !undecided_in_stage(item) => {
                        Err(ReviewRefusal::AlreadyDecided { item: *id })
                    }
                    Some(item) => self.accept_recommendation(item, reviewer, now),
                };
                (*id, result)
            })
            .collect())
    }

    /// Reminds the reviewers who still have undecided items in the current stage, once,
    /// halfway through it.
    pub fn remind(
        &mut self,
        items: &[ReviewItem],
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.check_open(now)?;
        if !self.settings.reminders {
            return Err(ReviewRefusal::RemindersOff);
        }
        if self.stages[stage].reminded_at.is_some() {
            return Err(ReviewRefusal::AlreadyReminded { stage });
        }
        let due_at = self.reminder_at(stage);
        if now < due_at {
            return Err(ReviewRefusal::NotYetDue { due_at });
        }
        self.check_items(items)?;
        let reviewers = items
            .iter()
            .filter(|item| {
                item.stages.len() == stage + 1
                    && item.latest_outcome() == ReviewOutcome::NotReviewed
            })
            .flat_map(|item| item.stages[stage].reviewers.iter().copied())
            .collect();
        self.stages[stage].reminded_at = Some(now);
        Ok(ReviewEvent::Reminded { stage, reviewers })
    }

    /// An administrator reminds now the reviewers who still have undecided items in the
    /// current stage, whatever the reminder setting. The instance does not change: the halfway
    /// reminder still comes.
    pub fn remind_now(
        &self,
        items: &[ReviewItem],
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.check_open(now)?;
        self.check_items(items)?;
        let reviewers = items
            .iter()
            .filter(|item| {
                item.stages.len() == stage + 1
                    && item.latest_outcome() == ReviewOutcome::NotReviewed
            })
            .flat_map(|item| item.stages[stage].reviewers.iter().copied())
            .collect();
        Ok(ReviewEvent::RemindedNow {
            stage,
            by,
            reviewers,
        })
    }

    /// An administrator clears every decision made in the current stage, so its reviewers
    /// decide again. Decisions of earlier stages stay.
    pub fn reset_stage(
        &self,
        items: &mut [ReviewItem],
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.check_open(now)?;
        self.check_items(items)?;
        let reset = items
            .iter_mut()
            .filter(|item| item.stages.len() == stage + 1)
            .filter_map(|item| item.stages[stage].decision.take().map(|_| item.id))
            .collect();
        Ok(ReviewEvent::DecisionsReset {
            stage,
            by,
            items: reset,
        })
    }

    /// Ends the current stage once its time is up. The items whose outcome is among the
    /// stage's `moves_on` go on to the next stage, with the reviewers `resolve` finds for
    /// them; the others keep that outcome. When none moves on, the instance completes.
    pub fn advance_stage(
        &mut self,
        items: &mut [ReviewItem],
        now: DateTime<Utc>,
        mut resolve: impl FnMut(usize, UserId) -> ResolvedReviewers,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.in_progress_stage()?;
        if stage + 1 >= self.stages.len() {
            return Err(ReviewRefusal::LastStage { stage });
        }
        let due_at = self.stage_ends_at(stage);
        if now < due_at {
            return Err(ReviewRefusal::NotYetDue { due_at });
        }
        self.check_items(items)?;
        let moves_on = self.stages[stage].moves_on.clone();
        let moving: Vec<usize> = items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                item.stages.len() == stage + 1 && moves_on.contains(&item.latest_outcome())
            })
            .map(|(index, _)| index)
            .collect();
        if moving.is_empty() {
            let completion = self.finish(items, now);
            return Ok(ReviewEvent::StageEnded {
                stage,
                moved_on: Vec::new(),
                next: AfterStage::Completed { completion },
            });
        }
        let next = stage + 1;
        let self_review = self.stages[next].self_review;
        self.stages[next].started_at = Some(now);
        let mut moved_on = Vec::with_capacity(moving.len());
        for index in moving {
            let item = &mut items[index];
            let resolved = resolve(next, item.person);
            item.stages
                .push(ItemStage::assigned(self_review, item.person, resolved));
            moved_on.push(item.id);
        }
        let unassigned = unassigned(items.iter().filter(|item| item.stages.len() == next + 1));
        Ok(ReviewEvent::StageEnded {
            stage,
            moved_on,
            next: AfterStage::Stage {
                stage: next,
                ends_at: self.stage_ends_at(next),
                unassigned,
            },
        })
    }

    /// Ends the last stage once its time is up: every item gets its final outcome, the
    /// no-response rule deciding those nobody decided.
    pub fn complete(
        &mut self,
        items: &mut [ReviewItem],
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.in_progress_stage()?;
        if stage + 1 < self.stages.len() {
            return Err(ReviewRefusal::StagesRemaining { stage });
        }
        let due_at = self.stage_ends_at(stage);
        if now < due_at {
            return Err(ReviewRefusal::NotYetDue { due_at });
        }
        self.check_items(items)?;
        let completion = self.finish(items, now);
        Ok(ReviewEvent::Completed { completion })
    }

    /// An administrator ends the instance now, in whatever stage: it completes as if that
    /// stage were the last and had ended. It can't be undone.
    pub fn stop(
        &mut self,
        items: &mut [ReviewItem],
        by: UserId,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        let stage = self.in_progress_stage()?;
        self.check_items(items)?;
        let stop = Stop { by, at: now, stage };
        self.stopped = Some(stop);
        let completion = self.finish(items, now);
        Ok(ReviewEvent::Stopped { stop, completion })
    }

    /// Starts applying the results of a completed instance: kept access is settled at once;
    /// the event lists the access to remove, whose results [`Self::record_removals`] takes.
    /// With nothing to remove, the instance is applied at once.
    pub fn apply(
        &mut self,
        items: &mut [ReviewItem],
        by: AppliedBy,
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        match self.state {
            ReviewInstanceState::Completed => {}
            ReviewInstanceState::Scheduled
            | ReviewInstanceState::InProgress
            | ReviewInstanceState::Applying
            | ReviewInstanceState::Applied => {
                return Err(ReviewRefusal::NotCompleted { state: self.state });
            }
        }
        match by {
            AppliedBy::Automatically if !self.settings.auto_apply => {
                return Err(ReviewRefusal::AutoApplyOff);
            }
            AppliedBy::Automatically | AppliedBy::Administrator { .. } => {}
        }
        self.check_items(items)?;
        let mut to_remove = Vec::new();
        let mut kept = 0;
        for item in items.iter_mut() {
            if item.should_remove() {
                to_remove.push(PendingRemoval {
                    item: item.id,
                    person: item.person,
                });
            } else {
                item.applied = Some(ApplyOutcome::Kept);
                kept += 1;
            }
        }
        self.apply_started = Some(ApplyStart { by, at: now });
        if to_remove.is_empty() {
            self.state = ReviewInstanceState::Applied;
            self.applied_at = Some(now);
        } else {
            self.state = ReviewInstanceState::Applying;
        }
        Ok(ReviewEvent::ApplyStarted {
            by,
            to_remove,
            kept,
        })
    }

    /// Records how removing some denied access went. Once every removal is reported, the
    /// instance is applied.
    pub fn record_removals(
        &mut self,
        items: &mut [ReviewItem],
        results: &[ItemRemoval],
        now: DateTime<Utc>,
    ) -> Result<ReviewEvent, ReviewRefusal> {
        match self.state {
            ReviewInstanceState::Applying => {}
            ReviewInstanceState::Scheduled
            | ReviewInstanceState::InProgress
            | ReviewInstanceState::Completed
            | ReviewInstanceState::Applied => {
                return Err(ReviewRefusal::NotApplying { state: self.state });
            }
        }
        self.check_items(items)?;
        let mut seen = BTreeSet::new();
        let mut positions = Vec::with_capacity(results.len());
        for removal in results {
            if !seen.insert(removal.item) {
                return Err(ReviewRefusal::DuplicateItem { item: removal.item });
            }
            let Some(position) = items.iter().position(|item| item.id == removal.item) else {
                return Err(ReviewRefusal::NoSuchItem { item: removal.item });
            };
            let item = &items[position];
            if !item.should_remove() {
                return Err(ReviewRefusal::NotBeingRemoved { item: removal.item });
            }
            if item.applied.is_some() {
                return Err(ReviewRefusal::AlreadyApplied { item: removal.item });
            }
            positions.push((position, removal.result));
        }
        for (position, result) in positions {
            items[position].applied = Some(result.into());
        }
        let finished = !items.iter().any(ReviewItem::removal_pending);
        if finished {
            self.state = ReviewInstanceState::Applied;
            self.applied_at = Some(now);
        }
        Ok(ReviewEvent::RemovalsRecorded {
            results: results.to_vec(),
            finished,
        })
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

    /// Gives every item its final outcome and completes the instance.
    fn finish(&mut self, items: &mut [ReviewItem], now: DateTime<Utc>) -> Completion {
        let rule = self.settings.if_no_response;
        let mut completion = Completion {
            apply_automatically: self.settings.auto_apply,
            ..Completion::default()
        };
        for item in items.iter_mut() {
            let stage = item.stage();
            let outcome = match item.last_stage().and_then(|last| last.decision.as_ref()) {
                Some(decision) => FinalOutcome {
                    outcome: decision.verdict.outcome(),
                    basis: OutcomeBasis::Decision { stage },
                },
                None => {
                    completion.by_no_response_rule += 1;
                    FinalOutcome {
                        outcome: rule.outcome_for(item.recommendation),
                        basis: OutcomeBasis::NoResponse { rule },
                    }
                }
            };
            match outcome.outcome {
                ReviewOutcome::Approve => completion.approved += 1,
                ReviewOutcome::Deny => completion.denied += 1,
                ReviewOutcome::DontKnow => completion.dont_know += 1,
                ReviewOutcome::NotReviewed => completion.not_reviewed += 1,
            }
            item.final_outcome = Some(outcome);
        }
        self.state = ReviewInstanceState::Completed;
        self.completed_at = Some(now);
        completion
    }
}

/// Records `decision` as the item's latest in `stage`.
fn record(item: &mut ReviewItem, stage: usize, decision: ReviewDecision) -> ReviewEvent {
    let replaced = item.stages[stage]
        .decision
        .replace(decision.clone())
        .map(|previous| previous.verdict);
    ReviewEvent::Decided {
        item: item.id,
        stage,
        decision,
        replaced,
    }
}

/// The items among these whose last stage has nobody to review them.
fn unassigned<'a>(items: impl Iterator<Item = &'a ReviewItem>) -> Vec<ReviewItemId> {
    items
        .filter(|item| {
            item.last_stage()
                .is_some_and(|stage| stage.reviewers.is_empty())
        })
        .map(|item| item.id)
        .collect()
}

/// Every field of a [`ReviewInstance`], readable and writable. Turn one into a
/// `ReviewInstance` with `TryFrom`, which checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewInstanceRecord {
    pub id: ReviewInstanceId,
    pub definition_id: ReviewDefinitionId,
    pub occurrence: u32,
    pub resource: ReviewedResource,
    pub state: ReviewInstanceState,
    pub starts_at: DateTime<Utc>,
    pub stages: Vec<InstanceStage>,
    pub settings: ReviewSettings,
    pub started_at: Option<DateTime<Utc>>,
    pub item_count: usize,
    pub completed_at: Option<DateTime<Utc>>,
    pub stopped: Option<Stop>,
    pub apply_started: Option<ApplyStart>,
    pub applied_at: Option<DateTime<Utc>>,
}

impl TryFrom<ReviewInstanceRecord> for ReviewInstance {
    type Error = InvalidReviewRecord;

    fn try_from(record: ReviewInstanceRecord) -> Result<Self, Self::Error> {
        check(&record).map_err(InvalidReviewRecord)?;
        Ok(ReviewInstance {
            id: record.id,
            definition_id: record.definition_id,
            occurrence: record.occurrence,
            resource: record.resource,
            state: record.state,
            starts_at: record.starts_at,
            stages: record.stages,
            settings: record.settings,
            started_at: record.started_at,
            item_count: record.item_count,
            completed_at: record.completed_at,
            stopped: record.stopped,
            apply_started: record.apply_started,
            applied_at: record.applied_at,
        })
    }
}

impl From<ReviewInstance> for ReviewInstanceRecord {
    fn from(instance: ReviewInstance) -> Self {
        ReviewInstanceRecord {
            id: instance.id,
            definition_id: instance.definition_id,
            occurrence: instance.occurrence,
            resource: instance.resource,
            state: instance.state,
            starts_at: instance.starts_at,
            stages: instance.stages,
            settings: instance.settings,
            started_at: instance.started_at,
            item_count: instance.item_count,
            completed_at: instance.completed_at,
            stopped: instance.stopped,
            apply_started: instance.apply_started,
            applied_at: instance.applied_at,
        }
    }
}

/// Whether the record is one the transitions can produce.
fn check(record: &ReviewInstanceRecord) -> Result<(), String> {
    let stages = &record.stages;
    if stages.is_empty() || stages.len() > MAX_STAGES {
        return Err(format!("{} stages, 1 to {MAX_STAGES}", stages.len()));
    }
    let total: u16 = stages
        .iter()
        .map(|stage| u16::from(stage.duration_days))
        .sum();
    if stages.iter().any(|stage| stage.duration_days == 0) || total > MAX_INSTANCE_DAYS {
        return Err(format!("stages lasting {total} days"));
    }
    if record
        .settings
        .look_back_days
        .is_some_and(|days| !(1..=MAX_LOOK_BACK_DAYS).contains(&days))
    {
        return Err("a look-back window out of range".into());
    }
    let started = stages
        .iter()
        .take_while(|stage| stage.started_at.is_some())
        .count();
    if stages[started..]
        .iter()
        .any(|stage| stage.started_at.is_some() || stage.reminded_at.is_some())
    {
        return Err("a stage started or reminded before an earlier one started".into());
    }
    let consistent = match record.state {
        ReviewInstanceState::Scheduled => {
            started == 0 && record.started_at.is_none() && record.item_count == 0
        }
        ReviewInstanceState::InProgress
        | ReviewInstanceState::Completed
        | ReviewInstanceState::Applying
        | ReviewInstanceState::Applied => started > 0 && record.started_at.is_some(),
    };
    if !consistent {
        return Err(format!("its stages don't fit the state {}", record.state));
    }
    if record.completed_at.is_some() != record.state.is_completed() {
        return Err("a completion time only in a completed instance".into());
    }
    if record.stopped.is_some() && !record.state.is_completed() {
        return Err("stopped but not completed".into());
    }
    let applying = match record.state {
        ReviewInstanceState::Applying | ReviewInstanceState::Applied => true,
        ReviewInstanceState::Scheduled
        | ReviewInstanceState::InProgress
        | ReviewInstanceState::Completed => false,
    };
    if record.apply_started.is_some() != applying {
        return Err("an apply start only once results are applied".into());
    }
    if record.applied_at.is_some() != (record.state == ReviewInstanceState::Applied) {
        return Err("an applied time only in an applied instance".into());
    }
    if matches!(
        record.apply_started,
        Some(ApplyStart {
            by: AppliedBy::Automatically,
            ..
        })
    ) && !record.settings.auto_apply
    {
        return Err("applied automatically without automatic apply".into());
    }
    Ok(())
}
