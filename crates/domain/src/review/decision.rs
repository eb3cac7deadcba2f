//! The vocabulary of decisions: what a reviewer answers, what a stage concludes, what the
//! review finally does with the access, and how applying it went.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::recommendation::{Recommendation, RecommendedVerdict};
use crate::UserId;
use crate::assignment::Justification;

/// A reviewer's answer. In a self-review the person answers only `approve` ("yes, I still need
/// it") or `deny` ("no, remove it").
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewVerdict {
    /// Keep the access.
    Approve,
    /// Remove the access.
    Deny,
    /// The reviewer can't tell; the access is kept, and the answer is recorded.
    DontKnow,
}

impl ReviewVerdict {
    pub const ALL: [ReviewVerdict; 3] = crate::variants::all();

    pub fn outcome(self) -> ReviewOutcome {
        match self {
            ReviewVerdict::Approve => ReviewOutcome::Approve,
            ReviewVerdict::Deny => ReviewOutcome::Deny,
            ReviewVerdict::DontKnow => ReviewOutcome::DontKnow,
        }
    }
}

/// What a stage concluded about an item, or what the review finally concluded: a reviewer's
/// verdict, or nobody's. The values of a stage's `decisions_that_move_on`.
#[derive(
    Clone,
    Copy,
    Debug,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::VariantArray,
)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum ReviewOutcome {
    Approve,
    Deny,
    DontKnow,
    NotReviewed,
}

impl ReviewOutcome {
    pub const ALL: [ReviewOutcome; 4] = crate::variants::all();

    pub fn as_str(self) -> &'static str {
        self.into()
    }

    /// Only a denial takes access away: "don't know" and "not reviewed" keep it.
    pub fn removes_access(self) -> bool {
        match self {
            ReviewOutcome::Deny => true,
            ReviewOutcome::Approve | ReviewOutcome::DontKnow | ReviewOutcome::NotReviewed => false,
        }
    }
}

/// What happens to access nobody decided on when the review ends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum NoResponseRule {
    /// Keep it, recorded as not reviewed.
    #[default]
    NoChange,
    /// Keep it, recorded as approved.
    Approve,
    /// Remove it. With automatic apply, a review nobody answers removes everyone's access;
    /// that is what this setting is for, so it is allowed.
    Deny,
    /// Follow the recommendation; keep it (not reviewed) when there is none.
    TakeRecommendations,
}

impl NoResponseRule {
    /// The final outcome of an item nobody decided, given its recommendation.
    pub fn outcome_for(self, recommendation: Recommendation) -> ReviewOutcome {
        match self {
            NoResponseRule::NoChange => ReviewOutcome::NotReviewed,
            NoResponseRule::Approve => ReviewOutcome::Approve,
            NoResponseRule::Deny => ReviewOutcome::Deny,
            NoResponseRule::TakeRecommendations => match recommendation.verdict() {
                RecommendedVerdict::Approve => ReviewOutcome::Approve,
                RecommendedVerdict::Deny => ReviewOutcome::Deny,
                RecommendedVerdict::NoInfo => ReviewOutcome::NotReviewed,
            },
        }
    }
}

/// How a decision was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DecisionSource {
    /// The reviewer chose the verdict.
    Reviewer,
    /// The reviewer accepted the recommendation; its reason is the justification.
    Recommendation,
}

/// One reviewer's decision on one item in one stage. A later decision in the same stage, by
/// the same or another reviewer of the item, replaces it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewDecision {
    pub by: UserId,
    pub verdict: ReviewVerdict,
    pub justification: Option<Justification>,
    pub source: DecisionSource,
    pub at: DateTime<Utc>,
}

/// What the review concluded about an item, once it completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct FinalOutcome {
    pub outcome: ReviewOutcome,
    pub basis: OutcomeBasis,
}

impl FinalOutcome {
    /// Whether applying the review removes the access.
    pub fn should_remove(&self) -> bool {
        self.outcome.removes_access()
    }
}

/// Why an item's final outcome is what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OutcomeBasis {
    /// The decision in the last stage the item reached.
    Decision { stage: usize },
    /// Nobody decided in the last stage the item reached; the review's rule did.
    NoResponse { rule: NoResponseRule },
}

/// What applying the review did to one item's access.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplyOutcome {
    /// The access stays: the outcome was not a denial.
    Kept,
    /// The access was removed.
    Removed,
    /// There was nothing the review could remove: the access had already ended, or it comes
    /// from somewhere the review does not govern.
    NotApplicable,
    /// Removing it failed; an administrator must look.
    Failed,
}

/// What the code removing denied access reports for one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RemovalResult {
    Removed,
    NotApplicable,
    Failed,
}

impl From<RemovalResult> for ApplyOutcome {
    fn from(result: RemovalResult) -> ApplyOutcome {
        match result {
            RemovalResult::Removed => ApplyOutcome::Removed,
            RemovalResult::NotApplicable => ApplyOutcome::NotApplicable,
            RemovalResult::Failed => ApplyOutcome::Failed,
        }
    }
}
