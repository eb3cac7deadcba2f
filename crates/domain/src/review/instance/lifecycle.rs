//! The transitions of the whole instance: start, advance a stage, complete or stop, apply and
//! record the removals.

use std::collections::BTreeSet;

use chrono::{DateTime, Utc};

use super::{
    AfterStage, AppliedBy, ApplyStart, Completion, ItemRemoval, PendingRemoval, ReviewEvent,
    ReviewInstance, ReviewInstanceState, ReviewRefusal, Stop,
};
use crate::review::decision::{ApplyOutcome, FinalOutcome, OutcomeBasis, ReviewOutcome};
use crate::review::item::{ItemStage, NewReviewItem, ReviewItem};
use crate::review::recommendation::recommendation;
use crate::review::resolve::ResolvedReviewers;
use crate::{ReviewItemId, UserId};

impl ReviewInstance {
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
