//! Reviewers decide the items of the current stage; managers remind them or reset the stage.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ItemResult, ReviewEvent, ReviewInstance, ReviewRefusal};
use crate::assignment::Justification;
use crate::review::decision::{DecisionSource, ReviewDecision, ReviewOutcome, ReviewVerdict};
use crate::review::item::ReviewItem;
use crate::review::recommendation::RecommendedVerdict;
use crate::review::resolve::ResolvedReviewers;
use crate::{ReviewItemId, UserId};

/// What [`ReviewInstance::reroute_item`] changed on one item, for the audit trail.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRerouted {
    pub item: ReviewItemId,
    pub stage: usize,
    pub removed: UserId,
    /// Who now reviews the item too: the replacement, or the fallback reviewers.
    pub added: BTreeSet<UserId>,
    pub used_fallback: bool,
    /// Who reviews the item now. Empty when nobody could: the stage then ends "not
    /// reviewed" for it, as for an item nobody could review when the stage started.
    pub reviewers: BTreeSet<UserId>,
}

impl ReviewInstance {
    /// Takes `removed` off the reviewers of `item` in the current stage, while it is
    /// undecided there, and asks `replacement` instead when given (never the person
    /// reviewed). When nobody is left, the stage's fallback reviewers (`fallback` resolves
    /// them for the person) are asked. A self-review is left alone: only the person reviews
    /// their own access.
    pub fn reroute_item(
        &self,
        item: &mut ReviewItem,
        removed: UserId,
        replacement: Option<UserId>,
        now: DateTime<Utc>,
        fallback: impl FnOnce(usize, UserId) -> ResolvedReviewers,
    ) -> Result<ItemRerouted, ReviewRefusal> {
        let stage = self.check_open(now)?;
        if item.instance_id != self.id {
            return Err(ReviewRefusal::ForeignItem { item: item.id });
        }
        let (id, person) = (item.id, item.person);
        if item.stages.len() != stage + 1 {
            return Err(ReviewRefusal::NotInCurrentStage { item: id });
        }
        let Some(asked) = item
            .stages
            .get_mut(stage)
            .filter(|asked| asked.decision.is_none() && !asked.self_review)
        else {
            return Err(ReviewRefusal::NotAReviewer);
        };
        if !asked.reviewers.remove(&removed) {
            return Err(ReviewRefusal::NotAReviewer);
        }
        let mut added: BTreeSet<UserId> = replacement
            .filter(|new| *new != person && asked.reviewers.insert(*new))
            .into_iter()
            .collect();
        let mut used_fallback = false;
        if asked.reviewers.is_empty() {
            let mut found = fallback(stage, person).reviewers;
            found.remove(&person);
            added.extend(found.iter().copied());
            used_fallback = !found.is_empty();
            asked.used_fallback |= used_fallback;
            asked.reviewers = found;
        }
        Ok(ItemRerouted {
            item: id,
            stage,
            removed,
            added,
            used_fallback,
            reviewers: asked.reviewers.clone(),
        })
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
