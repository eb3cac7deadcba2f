//! What a transition records ([`ReviewEvent`]) or why it refuses ([`ReviewRefusal`]).

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{AppliedBy, ReviewInstanceState, Stop};
use crate::review::decision::{RemovalResult, ReviewDecision, ReviewVerdict};
use crate::{ReviewItemId, UserId};

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
