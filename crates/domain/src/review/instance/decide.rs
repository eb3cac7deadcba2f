//! Reviewers decide the items of the current stage; managers remind them or reset the stage.

use chrono::{DateTime, Utc};

use super::{ItemResult, ReviewEvent, ReviewInstance, ReviewRefusal};
use crate::assignment::Justification;
use crate::review::decision::{DecisionSource, ReviewDecision, ReviewOutcome, ReviewVerdict};
use crate::review::item::ReviewItem;
use crate::review::recommendation::RecommendedVerdict;
use crate::{ReviewItemId, UserId};

impl ReviewInstance {
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
