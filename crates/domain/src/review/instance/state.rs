//! Where an instance is, what its stages and its stop and apply hold, and what time lets happen
//! next.

use std::collections::BTreeSet;
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::review::decision::ReviewOutcome;
use crate::review::definition::{ReviewStage, ReviewedResource};
use crate::review::schedule::Occurrence;
use crate::{ReviewDefinitionId, ReviewInstanceId, UserId};

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
    pub(super) fn planned(stage: &ReviewStage) -> InstanceStage {
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
