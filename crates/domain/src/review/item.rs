//! One item of a review instance: one person's access to the instance's resource, who reviews
//! it in each stage it reached, what they decided, what the review concluded and what applying
//! it did.
//!
//! Items are stored apart from their instance (a review of a large group has thousands), so a
//! decision reads the instance and changes one item. Only the instance's transitions change an
//! item; reading one back from storage checks what can be checked without its instance, above
//! all that every decision was made by someone the item's stage asked, and by the person
//! themselves only in a self-review.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::decision::{
    ApplyOutcome, FinalOutcome, OutcomeBasis, ReviewDecision, ReviewOutcome, ReviewVerdict,
};
use super::definition::MAX_STAGES;
use super::recommendation::Recommendation;
use super::resolve::ResolvedReviewers;
use crate::{ReviewInstanceId, ReviewItemId, UserId};

/// A person in scope when an instance starts, as the caller found them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NewReviewItem {
    pub id: ReviewItemId,
    pub person: UserId,
    /// When the person's account was created.
    pub created_at: DateTime<Utc>,
    /// When they last signed in; for a service account, when it last used an API token.
    pub last_sign_in_at: Option<DateTime<Utc>>,
}

/// Who reviews an item in one stage, and what they decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ItemStage {
    /// Resolved when the item reached the stage. Empty when nobody could review it: the stage
    /// then ends "not reviewed" for it.
    pub reviewers: BTreeSet<UserId>,
    /// Whether the stage's reviewers were nobody and its fallback reviewers were asked.
    pub used_fallback: bool,
    /// Whether the person reviews their own access: then `reviewers` is them alone.
    pub self_review: bool,
    /// The latest decision; a later one in the same stage replaces it.
    pub decision: Option<ReviewDecision>,
}

impl ItemStage {
    /// The stage's reviewers as the item keeps them: the person alone in a self-review that
    /// found them, otherwise everyone found but the person.
    pub(crate) fn assigned(
        self_review_stage: bool,
        person: UserId,
        resolved: ResolvedReviewers,
    ) -> ItemStage {
        if self_review_stage && !resolved.used_fallback && resolved.reviewers.contains(&person) {
            return ItemStage {
                reviewers: BTreeSet::from([person]),
                used_fallback: false,
                self_review: true,
                decision: None,
            };
        }
        let mut reviewers = resolved.reviewers;
        reviewers.remove(&person);
        ItemStage {
            reviewers,
            used_fallback: resolved.used_fallback,
            self_review: false,
            decision: None,
        }
    }

    /// What the stage concluded: the latest decision's verdict, or not reviewed.
    pub fn outcome(&self) -> ReviewOutcome {
        self.decision
            .as_ref()
            .map_or(ReviewOutcome::NotReviewed, |decision| {
                decision.verdict.outcome()
            })
    }

    pub fn asks(&self, user: UserId) -> bool {
        self.reviewers.contains(&user)
    }
}

/// One person's access under review. Built by [`super::ReviewInstance::start`], changed only by
/// the instance's transitions, read back from storage through [`ReviewItemRecord`]'s checks.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ReviewItemRecord", into = "ReviewItemRecord")]
pub struct ReviewItem {
    pub(crate) id: ReviewItemId,
    pub(crate) instance_id: ReviewInstanceId,
    pub(crate) person: UserId,
    pub(crate) last_sign_in_at: Option<DateTime<Utc>>,
    pub(crate) recommendation: Recommendation,
    pub(crate) stages: Vec<ItemStage>,
    pub(crate) final_outcome: Option<FinalOutcome>,
    pub(crate) applied: Option<ApplyOutcome>,
}

impl ReviewItem {
    pub fn id(&self) -> ReviewItemId {
        self.id
    }

    pub fn instance_id(&self) -> ReviewInstanceId {
        self.instance_id
    }

    /// The person whose access is reviewed.
    pub fn person(&self) -> UserId {
        self.person
    }

    /// As known when the instance started.
    pub fn last_sign_in_at(&self) -> Option<DateTime<Utc>> {
        self.last_sign_in_at
    }

    /// Computed when the instance started.
    pub fn recommendation(&self) -> Recommendation {
        self.recommendation
    }

    /// The stages the item reached, in order; never empty.
    pub fn stages(&self) -> &[ItemStage] {
        &self.stages
    }

    /// The index of the last stage the item reached.
    pub fn stage(&self) -> usize {
        self.stages.len().saturating_sub(1)
    }

    /// The last stage the item reached: where it is reviewed, or was last reviewed.
    pub fn last_stage(&self) -> Option<&ItemStage> {
        self.stages.last()
    }

    /// What the last stage reached concludes so far: its decision, or not reviewed.
    pub fn latest_outcome(&self) -> ReviewOutcome {
        self.last_stage()
            .map_or(ReviewOutcome::NotReviewed, ItemStage::outcome)
    }

    /// Set when the instance completes (or is stopped).
    pub fn final_outcome(&self) -> Option<FinalOutcome> {
        self.final_outcome
    }

    /// Whether applying the review removes this access; `false` until the instance completes.
    pub fn should_remove(&self) -> bool {
        self.final_outcome
            .is_some_and(|outcome| outcome.should_remove())
    }

    /// Set when results are applied: at once for kept access, when reported for removals.
    pub fn applied(&self) -> Option<ApplyOutcome> {
        self.applied
    }

    /// Whether the access is denied and its removal not reported yet.
    pub fn removal_pending(&self) -> bool {
        self.should_remove() && self.applied.is_none()
    }
}

/// Every field of a [`ReviewItem`], readable and writable. Turn one into a `ReviewItem` with
/// `TryFrom`, which checks it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct ReviewItemRecord {
    pub id: ReviewItemId,
    pub instance_id: ReviewInstanceId,
    pub person: UserId,
    pub last_sign_in_at: Option<DateTime<Utc>>,
    pub recommendation: Recommendation,
    pub stages: Vec<ItemStage>,
    pub final_outcome: Option<FinalOutcome>,
    pub applied: Option<ApplyOutcome>,
}

/// Why a stored review item or instance can't be read back: what is inconsistent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("inconsistent review record: {0}")]
pub struct InvalidReviewRecord(pub String);

impl TryFrom<ReviewItemRecord> for ReviewItem {
    type Error = InvalidReviewRecord;

    fn try_from(record: ReviewItemRecord) -> Result<Self, Self::Error> {
        check(&record).map_err(InvalidReviewRecord)?;
        Ok(ReviewItem {
            id: record.id,
            instance_id: record.instance_id,
            person: record.person,
            last_sign_in_at: record.last_sign_in_at,
            recommendation: record.recommendation,
            stages: record.stages,
            final_outcome: record.final_outcome,
            applied: record.applied,
        })
    }
}

impl From<ReviewItem> for ReviewItemRecord {
    fn from(item: ReviewItem) -> Self {
        ReviewItemRecord {
            id: item.id,
            instance_id: item.instance_id,
            person: item.person,
            last_sign_in_at: item.last_sign_in_at,
            recommendation: item.recommendation,
            stages: item.stages,
            final_outcome: item.final_outcome,
            applied: item.applied,
        }
    }
}

fn check(record: &ReviewItemRecord) -> Result<(), String> {
    if record.stages.is_empty() || record.stages.len() > MAX_STAGES {
        return Err(format!("{} stages, 1 to {MAX_STAGES}", record.stages.len()));
    }
    for (index, stage) in record.stages.iter().enumerate() {
        let problem = if stage.self_review
            && (stage.reviewers != BTreeSet::from([record.person]) || stage.used_fallback)
        {
            Some("a self-review not by the person alone")
        } else if !stage.self_review && stage.reviewers.contains(&record.person) {
            Some("the person reviews their own access outside a self-review")
        } else if let Some(decision) = &stage.decision {
            if !stage.asks(decision.by) {
                Some("decided by someone it did not ask")
            } else if stage.self_review && decision.verdict == ReviewVerdict::DontKnow {
                Some("\"don't know\" in a self-review")
            } else {
                None
            }
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(format!("stage {index}: {problem}"));
        }
    }
    let last_index = record.stages.len() - 1;
    let last = &record.stages[last_index];
    if let Some(outcome) = &record.final_outcome {
        let consistent = match (outcome.basis, &last.decision) {
            (OutcomeBasis::Decision { stage }, Some(decision)) => {
                stage == last_index && outcome.outcome == decision.verdict.outcome()
            }
            (OutcomeBasis::NoResponse { rule }, None) => {
                outcome.outcome == rule.outcome_for(record.recommendation)
            }
            (OutcomeBasis::Decision { .. }, None) | (OutcomeBasis::NoResponse { .. }, Some(_)) => {
                false
            }
        };
        if !consistent {
            return Err("the final outcome does not follow from the last stage".into());
        }
    }
    match (record.applied, &record.final_outcome) {
        (None, _) => Ok(()),
        (Some(_), None) => Err("applied before the review completed".into()),
        (Some(applied), Some(outcome)) => {
            if (applied == ApplyOutcome::Kept) == outcome.should_remove() {
                Err("applied against the final outcome".into())
            } else {
                Ok(())
            }
        }
    }
}
