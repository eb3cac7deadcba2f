//! The instance: one table row per transition and refusal, specific outcomes, stored records,
//! then property tests over arbitrary sequences of events by arbitrary people.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, TimeDelta, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::{input, noon, user};
use crate::assignment::Justification;
use crate::review::*;
use crate::{GroupId, ReviewDefinitionId, ReviewInstanceId, ReviewItemId, UserId};

/// In scope: signed in two days ago (recommended: approve).
const ADA: u128 = 1;
/// In scope: never signed in (recommended: deny).
const BOB: u128 = 2;
/// In scope: last signed in 100 days ago (recommended: deny).
const CAROL: u128 = 3;
/// Has nothing to do with the review.
const MALLORY: u128 = 6;
/// The fallback reviewer of self-review stages.
const FAY: u128 = 9;
/// Reviews the first stage.
const REX: u128 = 10;
/// Reviews the second stage.
const RAY: u128 = 11;
/// Reviews the third stage.
const ROY: u128 = 12;
/// Stops reviews and applies results.
const ADMIN: u128 = 20;

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

fn item_id(index: usize) -> ReviewItemId {
    ReviewItemId::from_uuid(uuid::Uuid::from_u128(0x5000 + index as u128))
}

fn instance_id() -> ReviewInstanceId {
    ReviewInstanceId::from_uuid(uuid::Uuid::from_u128(0x6000))
}

fn reason() -> Justification {
    match Justification::parse("Still on the project") {
        Ok(reason) => reason,
        Err(error) => panic!("test justification refused: {error}"),
    }
}

/// One stage as a test writes it.
#[derive(Clone, Debug)]
struct StageSpec {
    days: u32,
    self_review: bool,
    moves_on: Option<Vec<ReviewOutcome>>,
}

fn plain(days: u32) -> StageSpec {
    StageSpec {
        days,
        self_review: false,
        moves_on: None,
    }
}

fn self_review(days: u32) -> StageSpec {
    StageSpec {
        self_review: true,
        ..plain(days)
    }
}

fn moving(days: u32, outcomes: &[ReviewOutcome]) -> StageSpec {
    StageSpec {
        moves_on: Some(outcomes.to_vec()),
        ..plain(days)
    }
}

/// A person in scope; accounts are a year old.
#[derive(Clone, Copy, Debug)]
struct Person {
    id: u128,
    signed_in_days_ago: Option<i64>,
}

fn person(id: u128) -> Person {
    let signed_in_days_ago = match id {
        ADA => Some(2),
        BOB => None,
        CAROL => Some(100),
        _ => Some(1),
    };
    Person {
        id,
        signed_in_days_ago,
    }
}

impl Person {
    fn new_item(self, index: usize) -> NewReviewItem {
        NewReviewItem {
            id: item_id(index),
            person: user(self.id),
            created_at: noon() - days(365),
            last_sign_in_at: self.signed_in_days_ago.map(|ago| noon() - days(ago)),
        }
    }
}

/// A definition and the world around an instance of it: who is in scope, and what
/// resolution answers.
#[derive(Clone, Debug)]
struct Setup {
    stages: Vec<StageSpec>,
    rule: NoResponseRule,
    justification: bool,
    recommendations: bool,
    reminders: bool,
    auto_apply: bool,
    people: Vec<Person>,
    /// What resolution answers for everyone in each stage. In a self-review it (wrongly) adds
    /// these to the person; elsewhere, with `names_person`, it (wrongly) adds the person.
    reviewers: [BTreeSet<UserId>; 3],
    names_person: bool,
    /// People resolution can't find to review themselves: their fallback (Fay) is asked.
    cannot_self_review: BTreeSet<UserId>,
}

impl Setup {
    fn stages(stages: &[StageSpec]) -> Setup {
        Setup {
            stages: stages.to_vec(),
            rule: NoResponseRule::NoChange,
            justification: false,
            recommendations: true,
            reminders: true,
            auto_apply: false,
            people: vec![person(ADA), person(BOB), person(CAROL)],
            reviewers: [
                BTreeSet::from([user(REX)]),
                BTreeSet::from([user(RAY)]),
                BTreeSet::from([user(ROY)]),
            ],
            names_person: true,
            cannot_self_review: BTreeSet::new(),
        }
    }

    fn people(mut self, people: &[u128]) -> Setup {
        self.people = people.iter().map(|id| person(*id)).collect();
        self
    }

    fn rule(mut self, rule: NoResponseRule) -> Setup {
        self.rule = rule;
        self
    }

    fn justified(mut self) -> Setup {
        self.justification = true;
        self
    }

    fn without_recommendations(mut self) -> Setup {
        self.recommendations = false;
        self
    }

    fn without_reminders(mut self) -> Setup {
        self.reminders = false;
        self
    }

    fn auto_apply(mut self) -> Setup {
        self.auto_apply = true;
        self
    }

    fn reviewers(mut self, stage: usize, people: &[u128]) -> Setup {
        self.reviewers[stage] = people.iter().map(|id| user(*id)).collect();
        self
    }

    fn cannot_self_review(mut self, id: u128) -> Setup {
        self.cannot_self_review.insert(user(id));
        self
    }

    fn definition_json(&self) -> Value {
        let last = self.stages.len().saturating_sub(1);
        let stages: Vec<Value> = self
            .stages
            .iter()
            .enumerate()
            .map(|(index, stage)| {
                let mut value = if stage.self_review {
                    json!({
                        "reviewers": [{ "type": "self_review" }],
                        "fallback_reviewers": [{ "type": "user", "user_id": user(FAY) }],
                    })
                } else {
                    json!({ "reviewers": [{ "type": "user", "user_id": user(100 + index as u128) }] })
                };
                value["duration_days"] = json!(stage.days);
                if let Some(outcomes) = &stage.moves_on
                    && index != last
                {
                    value["decisions_that_move_on"] = json!(outcomes);
                }
                value
            })
            .collect();
        let recommendations = if self.recommendations {
            json!({ "type": "last_sign_in" })
        } else {
            json!({ "type": "off" })
        };
        json!({
            "name": "Test review",
            "scope": { "resources": { "type": "groups", "group_ids": [group_id()] } },
            "stages": stages,
            "schedule": { "type": "one_time", "starts_at": noon() },
            "settings": {
                "justification_required": self.justification,
                "recommendations": recommendations,
                "if_no_response": self.rule,
                "auto_apply": self.auto_apply,
                "reminders": self.reminders,
            },
        })
    }

    fn definition(&self) -> ValidReviewDefinition {
        match validate_record(&input(self.definition_json())) {
            Ok(definition) => definition,
            Err(errors) => panic!("test definition refused: {errors:#?}"),
        }
    }

    fn world(&self) -> World {
        let definition = self.definition();
        let instance = match ReviewInstance::plan(
            NewReviewInstance {
                id: instance_id(),
                definition_id: ReviewDefinitionId::from_uuid(uuid::Uuid::from_u128(0x7000)),
                occurrence: Occurrence {
                    index: 0,
                    starts_at: noon(),
                },
                resource: ReviewedResource::Group {
                    group_id: group_id(),
                },
            },
            &definition,
        ) {
            Ok(instance) => instance,
            Err(refusal) => panic!("test instance refused: {refusal}"),
        };
        World {
            setup: self.clone(),
            instance,
            items: Vec::new(),
            now: noon(),
            asked: BTreeMap::new(),
        }
    }
}

fn group_id() -> GroupId {
    GroupId::from_uuid(uuid::Uuid::from_u128(0x8000))
}

/// Something that happens to an instance. Items are named by their place among the people.
#[derive(Clone, Debug)]
enum Step {
    Start,
    Decide {
        item: usize,
        by: u128,
        verdict: ReviewVerdict,
        justified: bool,
    },
    Accept {
        item: usize,
        by: u128,
    },
    AcceptAll {
        by: u128,
    },
    AcceptSelected {
        items: Vec<usize>,
        by: u128,
    },
    Remind,
    Advance,
    Complete,
    Stop(u128),
    Apply {
        automatically: bool,
    },
    Record(Vec<(usize, RemovalResult)>),
    Wait(TimeDelta),
}

fn approve(item: usize, by: u128) -> Step {
    Step::Decide {
        item,
        by,
        verdict: ReviewVerdict::Approve,
        justified: false,
    }
}

fn approve_saying_why(item: usize, by: u128) -> Step {
    Step::Decide {
        item,
        by,
        verdict: ReviewVerdict::Approve,
        justified: true,
    }
}

fn deny(item: usize, by: u128) -> Step {
    Step::Decide {
        item,
        by,
        verdict: ReviewVerdict::Deny,
        justified: false,
    }
}

fn dont_know(item: usize, by: u128) -> Step {
    Step::Decide {
        item,
        by,
        verdict: ReviewVerdict::DontKnow,
        justified: false,
    }
}

fn manually() -> Step {
    Step::Apply {
        automatically: false,
    }
}

/// What a step returned: one event, or one result per item of a bulk action.
#[derive(Clone, Debug)]
enum Answer {
    One(Result<ReviewEvent, ReviewRefusal>),
    Many(Result<Vec<ItemResult>, ReviewRefusal>),
}

impl Answer {
    fn events(&self) -> Vec<&ReviewEvent> {
        match self {
            Answer::One(Ok(event)) => vec![event],
            Answer::Many(Ok(results)) => results
                .iter()
                .filter_map(|(_, result)| result.as_ref().ok())
                .collect(),
            Answer::One(Err(_)) | Answer::Many(Err(_)) => Vec::new(),
        }
    }

    fn is_refused(&self) -> bool {
        matches!(self, Answer::One(Err(_)) | Answer::Many(Err(_)))
    }
}

#[derive(Clone, Debug)]
struct World {
    setup: Setup,
    instance: ReviewInstance,
    items: Vec<ReviewItem>,
    now: DateTime<Utc>,
    /// Everyone resolution handed over for each stage and person.
    asked: BTreeMap<(usize, UserId), BTreeSet<UserId>>,
}

impl World {
    /// Applies a step; `None` for a wait, or for an item that does not exist.
    fn apply(&mut self, step: &Step) -> Option<Answer> {
        let World {
            setup,
            instance,
            items,
            now,
            asked,
        } = self;
        let now = *now;
        let answer = match step {
            Step::Start => {
                let people = setup
                    .people
                    .iter()
                    .enumerate()
                    .map(|(index, person)| person.new_item(index))
                    .collect();
                Answer::One(instance.start(now, people, resolver(setup, asked)).map(
                    |(event, started)| {
                        *items = started;
                        event
                    },
                ))
            }
            Step::Decide {
                item,
                by,
                verdict,
                justified,
            } => Answer::One(instance.decide(
                items.get_mut(*item)?,
                user(*by),
                *verdict,
                justified.then(reason),
                now,
            )),
            Step::Accept { item, by } => {
                Answer::One(instance.accept_recommendation(items.get_mut(*item)?, user(*by), now))
            }
            Step::AcceptAll { by } => {
                Answer::Many(instance.accept_recommendations(items, user(*by), None, now))
            }
            Step::AcceptSelected {
                items: selected,
                by,
            } => {
                let ids: Vec<ReviewItemId> = selected.iter().map(|index| item_id(*index)).collect();
                Answer::Many(instance.accept_recommendations(items, user(*by), Some(&ids), now))
            }
            Step::Remind => Answer::One(instance.remind(items, now)),
            Step::Advance => {
                Answer::One(instance.advance_stage(items, now, resolver(setup, asked)))
            }
            Step::Complete => Answer::One(instance.complete(items, now)),
            Step::Stop(by) => Answer::One(instance.stop(items, user(*by), now)),
            Step::Apply { automatically } => {
                let by = if *automatically {
                    AppliedBy::Automatically
                } else {
                    AppliedBy::Administrator {
                        user_id: user(ADMIN),
                    }
                };
                Answer::One(instance.apply(items, by, now))
            }
            Step::Record(results) => {
                let results: Vec<ItemRemoval> = results
                    .iter()
                    .map(|(index, result)| ItemRemoval {
                        item: item_id(*index),
                        result: *result,
                    })
                    .collect();
                Answer::One(instance.record_removals(items, &results, now))
            }
            Step::Wait(delay) => {
                self.now += *delay;
                return None;
            }
        };
        Some(answer)
    }

    fn play(&mut self, steps: &[Step]) {
        for step in steps {
            let _ = self.apply(step);
        }
    }

    fn item(&self, index: usize) -> &ReviewItem {
        match self.items.get(index) {
            Some(item) => item,
            None => panic!("no item {index}"),
        }
    }
}

/// Answers resolution from the setup, remembering who was handed over.
fn resolver<'a>(
    setup: &'a Setup,
    asked: &'a mut BTreeMap<(usize, UserId), BTreeSet<UserId>>,
) -> impl FnMut(usize, UserId) -> ResolvedReviewers + 'a {
    move |stage, person| {
        let self_review = setup.stages.get(stage).is_some_and(|spec| spec.self_review);
        let resolved = if self_review && setup.cannot_self_review.contains(&person) {
            ResolvedReviewers {
                reviewers: BTreeSet::from([user(FAY)]),
                used_fallback: true,
            }
        } else {
            let mut reviewers = setup.reviewers.get(stage).cloned().unwrap_or_default();
            if self_review || setup.names_person {
                reviewers.insert(person);
            }
            ResolvedReviewers {
                reviewers,
                used_fallback: false,
            }
        };
        asked
            .entry((stage, person))
            .or_default()
            .extend(resolved.reviewers.iter().copied());
        resolved
    }
}

use ReviewInstanceState::{Applied, Applying, Completed, InProgress, Scheduled};

/// The state after the step, or the refusal: for a bulk action, the first item refused.
fn state_or_refusal(
    world: &World,
    answer: Option<Answer>,
) -> Result<ReviewInstanceState, ReviewRefusal> {
    match answer {
        None => panic!("the step did nothing"),
        Some(Answer::One(result)) => result.map(|_| world.instance.state()),
        Some(Answer::Many(result)) => {
            let results = result?;
            match results.into_iter().find_map(|(_, result)| result.err()) {
                Some(refusal) => Err(refusal),
                None => Ok(world.instance.state()),
            }
        }
    }
}

#[test]
fn every_transition_and_refusal() {
    use ReviewOutcome as O;
    let one = || Setup::stages(&[plain(7)]);
    let two = || Setup::stages(&[plain(7), plain(7)]);
    let only_denials_move_on = || Setup::stages(&[moving(7, &[O::Deny]), plain(7)]);
    let self_one = || Setup::stages(&[self_review(7)]);
    let started = || vec![Step::Start];
    let ended = || vec![Step::Start, Step::Wait(days(7))];
    let completed = || vec![Step::Start, Step::Wait(days(7)), Step::Complete];
    let denied_completed = || {
        vec![
            Step::Start,
            deny(0, REX),
            Step::Wait(days(7)),
            Step::Complete,
        ]
    };
    let two_denied_applying = || {
        vec![
            Step::Start,
            deny(0, REX),
            deny(1, REX),
            Step::Wait(days(7)),
            Step::Complete,
            manually(),
        ]
    };
    type Case = (
        &'static str,
        Setup,
        Vec<Step>,
        Step,
        Result<ReviewInstanceState, ReviewRefusal>,
    );
    let cases: Vec<Case> = vec![
        // Start.
        (
            "an instance starts at its occurrence",
            one(),
            vec![],
            Step::Start,
            Ok(InProgress),
        ),
        (
            "an instance does not start early",
            one(),
            vec![Step::Wait(TimeDelta::seconds(-1))],
            Step::Start,
            Err(ReviewRefusal::NotYetDue { due_at: noon() }),
        ),
        (
            "an instance whose whole time passed before it started is skipped",
            one(),
            vec![Step::Wait(days(7))],
            Step::Start,
            Err(ReviewRefusal::WindowPassed {
                ends_at: noon() + days(7),
            }),
        ),
        (
            "an instance starts once",
            one(),
            started(),
            Step::Start,
            Err(ReviewRefusal::AlreadyStarted { state: InProgress }),
        ),
        (
            "a person in scope twice is refused",
            one().people(&[ADA, BOB, ADA]),
            vec![],
            Step::Start,
            Err(ReviewRefusal::DuplicatePerson { person: user(ADA) }),
        ),
        (
            "an instance with nobody in scope starts",
            one().people(&[]),
            vec![],
            Step::Start,
            Ok(InProgress),
        ),
        // Decisions.
        (
            "a reviewer approves",
            one(),
            started(),
            approve(0, REX),
            Ok(InProgress),
        ),
        (
            "a reviewer denies",
            one(),
            started(),
            deny(0, REX),
            Ok(InProgress),
        ),
        (
            "a reviewer doesn't know",
            one(),
            started(),
            dont_know(0, REX),
            Ok(InProgress),
        ),
        (
            "a reviewer changes their decision",
            one(),
            vec![Step::Start, approve(0, REX)],
            deny(0, REX),
            Ok(InProgress),
        ),
        (
            "someone not asked can't decide",
            one(),
            started(),
            approve(0, MALLORY),
            Err(ReviewRefusal::NotAReviewer),
        ),
        (
            "nobody decides their own access, even when resolution names them",
            one(),
            started(),
            approve(0, ADA),
            Err(ReviewRefusal::OwnAccess),
        ),
        (
            "a reviewer who is in scope too reviews the others",
            one().people(&[ADA, REX]),
            started(),
            approve(0, REX),
            Ok(InProgress),
        ),
        (
            "a reviewer who is in scope too doesn't review their own access",
            one().people(&[ADA, REX]),
            started(),
            approve(1, REX),
            Err(ReviewRefusal::OwnAccess),
        ),
        (
            "in a self-review the person keeps their access",
            self_one(),
            started(),
            approve(0, ADA),
            Ok(InProgress),
        ),
        (
            "in a self-review the person gives their access up",
            self_one(),
            started(),
            deny(0, ADA),
            Ok(InProgress),
        ),
        (
            "in a self-review nobody else decides, even when resolution names them",
            self_one(),
            started(),
            approve(0, REX),
            Err(ReviewRefusal::NotAReviewer),
        ),
        (
            "a self-review answers yes or no",
            self_one(),
            started(),
            dont_know(0, ADA),
            Err(ReviewRefusal::SelfReviewIsYesOrNo),
        ),
        (
            "someone who can't review themselves is reviewed by the fallback",
            self_one().cannot_self_review(ADA),
            started(),
            approve(0, FAY),
            Ok(InProgress),
        ),
        (
            "and then can't decide their own access",
            self_one().cannot_self_review(ADA),
            started(),
            approve(0, ADA),
            Err(ReviewRefusal::OwnAccess),
        ),
        (
            "a decision needs a reason when the review says so",
            one().justified(),
            started(),
            approve(0, REX),
            Err(ReviewRefusal::JustificationRequired),
        ),
        (
            "a decision with a reason is taken",
            one().justified(),
            started(),
            approve_saying_why(0, REX),
            Ok(InProgress),
        ),
        (
            "no decision once the stage ended",
            one(),
            ended(),
            approve(0, REX),
            Err(ReviewRefusal::StageEnded {
                stage: 0,
                ended_at: noon() + days(7),
            }),
        ),
        (
            "no decision once the review completed",
            one(),
            vec![Step::Start, Step::Wait(days(7)), Step::Complete],
            approve(0, REX),
            Err(ReviewRefusal::NotInProgress { state: Completed }),
        ),
        (
            "an item that moved on is decided by the next stage's reviewers",
            two(),
            vec![
                Step::Start,
                approve(0, REX),
                Step::Wait(days(7)),
                Step::Advance,
            ],
            approve(0, RAY),
            Ok(InProgress),
        ),
        (
            "not by the earlier stage's",
            two(),
            vec![
                Step::Start,
                approve(0, REX),
                Step::Wait(days(7)),
                Step::Advance,
            ],
            approve(0, REX),
            Err(ReviewRefusal::NotAReviewer),
        ),
        (
            "an item that did not move on is not decided in the next stage",
            only_denials_move_on(),
            vec![
                Step::Start,
                approve(0, REX),
                deny(1, REX),
                Step::Wait(days(7)),
                Step::Advance,
            ],
            approve(0, RAY),
            Err(ReviewRefusal::NotInCurrentStage { item: item_id(0) }),
        ),
        // Recommendations.
        (
            "accepting a recommendation decides as it says",
            one(),
            started(),
            Step::Accept { item: 1, by: REX },
            Ok(InProgress),
        ),
        (
            "there is no recommendation to accept when they are off",
            one().without_recommendations(),
            started(),
            Step::Accept { item: 0, by: REX },
            Err(ReviewRefusal::NoRecommendation),
        ),
        (
            "only the item's reviewers accept its recommendation",
            one(),
            started(),
            Step::Accept {
                item: 0,
                by: MALLORY,
            },
            Err(ReviewRefusal::NotAReviewer),
        ),
        (
            "accepting all decides every undecided item",
            one(),
            started(),
            Step::AcceptAll { by: REX },
            Ok(InProgress),
        ),
        (
            "accepting selected items refuses those already decided",
            one(),
            vec![Step::Start, deny(0, REX)],
            Step::AcceptSelected {
                items: vec![1, 0],
                by: REX,
            },
            Err(ReviewRefusal::AlreadyDecided { item: item_id(0) }),
        ),
        (
            "accepting selected items refuses unknown ones",
            one(),
            started(),
            Step::AcceptSelected {
                items: vec![7],
                by: REX,
            },
            Err(ReviewRefusal::NoSuchItem { item: item_id(7) }),
        ),
        (
            "nothing is accepted once the stage ended",
            one(),
            ended(),
            Step::AcceptAll { by: REX },
            Err(ReviewRefusal::StageEnded {
                stage: 0,
                ended_at: noon() + days(7),
            }),
        ),
        // Reminders.
        (
            "reviewers are reminded halfway through the stage",
            one(),
            vec![Step::Start, Step::Wait(hours(84))],
            Step::Remind,
            Ok(InProgress),
        ),
        (
            "not before halfway",
            one(),
            vec![Step::Start, Step::Wait(hours(83))],
            Step::Remind,
            Err(ReviewRefusal::NotYetDue {
                due_at: noon() + hours(84),
            }),
        ),
        (
            "once per stage",
            one(),
            vec![Step::Start, Step::Wait(hours(84)), Step::Remind],
            Step::Remind,
            Err(ReviewRefusal::AlreadyReminded { stage: 0 }),
        ),
        (
            "not when the review does not remind",
            one().without_reminders(),
            vec![Step::Start, Step::Wait(hours(84))],
            Step::Remind,
            Err(ReviewRefusal::RemindersOff),
        ),
        (
            "not once the stage ended",
            one(),
            ended(),
            Step::Remind,
            Err(ReviewRefusal::StageEnded {
                stage: 0,
                ended_at: noon() + days(7),
            }),
        ),
        // Stages.
        (
            "a stage ends and items move on",
            two(),
            vec![Step::Start, approve(0, REX), Step::Wait(days(7))],
            Step::Advance,
            Ok(InProgress),
        ),
        (
            "a stage does not end early",
            two(),
            started(),
            Step::Advance,
            Err(ReviewRefusal::NotYetDue {
                due_at: noon() + days(7),
            }),
        ),
        (
            "the last stage is completed, not advanced",
            one(),
            ended(),
            Step::Advance,
            Err(ReviewRefusal::LastStage { stage: 0 }),
        ),
        (
            "when nobody moves on, the review completes",
            only_denials_move_on(),
            vec![
                Step::Start,
                approve(0, REX),
                dont_know(1, REX),
                approve(2, REX),
                Step::Wait(days(7)),
            ],
            Step::Advance,
            Ok(Completed),
        ),
        (
            "nothing advances before the review starts",
            two(),
            vec![],
            Step::Advance,
            Err(ReviewRefusal::NotInProgress { state: Scheduled }),
        ),
        // Completion.
        (
            "the last stage ends and the review completes",
            one(),
            ended(),
            Step::Complete,
            Ok(Completed),
        ),
        (
            "not before the last stage ends",
            one(),
            started(),
            Step::Complete,
            Err(ReviewRefusal::NotYetDue {
                due_at: noon() + days(7),
            }),
        ),
        (
            "not while stages remain",
            two(),
            ended(),
            Step::Complete,
            Err(ReviewRefusal::StagesRemaining { stage: 0 }),
        ),
        (
            "a review completes once",
            one(),
            completed(),
            Step::Complete,
            Err(ReviewRefusal::NotInProgress { state: Completed }),
        ),
        // Stopping.
        (
            "an administrator stops a review early",
            two(),
            started(),
            Step::Stop(ADMIN),
            Ok(Completed),
        ),
        (
            "a review that has not started can't be stopped",
            one(),
            vec![],
            Step::Stop(ADMIN),
            Err(ReviewRefusal::NotInProgress { state: Scheduled }),
        ),
        (
            "a completed review can't be stopped",
            one(),
            completed(),
            Step::Stop(ADMIN),
            Err(ReviewRefusal::NotInProgress { state: Completed }),
        ),
        // Applying.
        (
            "applying denials starts removing access",
            one(),
            denied_completed(),
            manually(),
            Ok(Applying),
        ),
        (
            "applying without denials is done at once",
            one(),
            vec![
                Step::Start,
                approve(0, REX),
                Step::Wait(days(7)),
                Step::Complete,
            ],
            manually(),
            Ok(Applied),
        ),
        (
            "nothing is applied before the review completes",
            one(),
            started(),
            manually(),
            Err(ReviewRefusal::NotCompleted { state: InProgress }),
        ),
        (
            "results are applied automatically only when the review says so",
            one(),
            denied_completed(),
            Step::Apply {
                automatically: true,
            },
            Err(ReviewRefusal::AutoApplyOff),
        ),
        (
            "and are when it does",
            one().auto_apply(),
            denied_completed(),
            Step::Apply {
                automatically: true,
            },
            Ok(Applying),
        ),
        (
            "results are applied once",
            one(),
            {
                let mut steps = denied_completed();
                steps.push(manually());
                steps
            },
            manually(),
            Err(ReviewRefusal::NotCompleted { state: Applying }),
        ),
        // Reporting removals.
        (
            "reporting the last removal applies the review",
            one(),
            {
                let mut steps = denied_completed();
                steps.push(manually());
                steps
            },
            Step::Record(vec![(0, RemovalResult::Removed)]),
            Ok(Applied),
        ),
        (
            "the review stays applying until every removal is reported",
            one(),
            two_denied_applying(),
            Step::Record(vec![(0, RemovalResult::Removed)]),
            Ok(Applying),
        ),
        (
            "a failed removal is a result too",
            one(),
            two_denied_applying(),
            Step::Record(vec![
                (0, RemovalResult::Failed),
                (1, RemovalResult::NotApplicable),
            ]),
            Ok(Applied),
        ),
        (
            "kept access is not removed",
            one(),
            two_denied_applying(),
            Step::Record(vec![(2, RemovalResult::Removed)]),
            Err(ReviewRefusal::NotBeingRemoved { item: item_id(2) }),
        ),
        (
            "a removal is reported once",
            one(),
            {
                let mut steps = two_denied_applying();
                steps.push(Step::Record(vec![(0, RemovalResult::Failed)]));
                steps
            },
            Step::Record(vec![(0, RemovalResult::Removed)]),
            Err(ReviewRefusal::AlreadyApplied { item: item_id(0) }),
        ),
        (
            "an item reported twice in one report",
            one(),
            two_denied_applying(),
            Step::Record(vec![
                (0, RemovalResult::Removed),
                (0, RemovalResult::Failed),
            ]),
            Err(ReviewRefusal::DuplicateItem { item: item_id(0) }),
        ),
        (
            "an unknown item",
            one(),
            two_denied_applying(),
            Step::Record(vec![(9, RemovalResult::Removed)]),
            Err(ReviewRefusal::NoSuchItem { item: item_id(9) }),
        ),
        (
            "nothing is reported before applying",
            one(),
            denied_completed(),
            Step::Record(vec![(0, RemovalResult::Removed)]),
            Err(ReviewRefusal::NotApplying { state: Completed }),
        ),
    ];
    for (name, setup, before, step, expected) in cases {
        let mut world = setup.world();
        world.play(&before);
        let snapshot = (world.instance.clone(), world.items.clone());
        let answer = world.apply(&step);
        let refused = answer.as_ref().is_some_and(Answer::is_refused);
        let got = state_or_refusal(&world, answer);
        assert_eq!(got, expected, "{name}");
        if refused {
            assert_eq!(
                (world.instance.clone(), world.items.clone()),
                snapshot,
                "{name}: a refusal changed something"
            );
        }
    }
}

#[test]
fn the_no_response_rule_decides_only_what_nobody_decided() {
    use ReviewOutcome as O;
    // Ada (recently signed in) and Bob (never) are not decided; Carol is: "don't know".
    let cases = [
        (NoResponseRule::NoChange, [O::NotReviewed, O::NotReviewed]),
        (NoResponseRule::Approve, [O::Approve, O::Approve]),
        (NoResponseRule::Deny, [O::Deny, O::Deny]),
        (NoResponseRule::TakeRecommendations, [O::Approve, O::Deny]),
    ];
    for (rule, [ada, bob]) in cases {
        let mut world = Setup::stages(&[plain(7)]).rule(rule).world();
        world.play(&[Step::Start, dont_know(2, REX), Step::Wait(days(7))]);
        let completion = match world.apply(&Step::Complete) {
            Some(Answer::One(Ok(ReviewEvent::Completed { completion }))) => completion,
            other => panic!("{rule:?}: {other:?}"),
        };
        let finals: Vec<FinalOutcome> = world
            .items
            .iter()
            .filter_map(ReviewItem::final_outcome)
            .collect();
        let by_rule = OutcomeBasis::NoResponse { rule };
        assert_eq!(
            finals,
            vec![
                FinalOutcome {
                    outcome: ada,
                    basis: by_rule
                },
                FinalOutcome {
                    outcome: bob,
                    basis: by_rule
                },
                FinalOutcome {
                    outcome: O::DontKnow,
                    basis: OutcomeBasis::Decision { stage: 0 }
                },
            ],
            "{rule:?}"
        );
        let removed: Vec<bool> = world.items.iter().map(ReviewItem::should_remove).collect();
        assert_eq!(
            removed,
            vec![ada == O::Deny, bob == O::Deny, false],
            "{rule:?}: don't know keeps access"
        );
        assert_eq!(completion.by_no_response_rule, 2, "{rule:?}");
        assert_eq!(
            completion.approved
                + completion.denied
                + completion.dont_know
                + completion.not_reviewed,
            3
        );
        assert_eq!(completion.dont_know, 1);
    }
    // Without a recommendation, "take recommendations" keeps the access, not reviewed.
    assert_eq!(
        NoResponseRule::TakeRecommendations.outcome_for(Recommendation::Off {}),
        O::NotReviewed
    );
}

#[test]
fn the_outcomes_that_move_on_decide_who_is_reviewed_again() {
    use ReviewOutcome as O;
    let setup = Setup::stages(&[moving(7, &[O::Deny, O::NotReviewed]), plain(7)])
        .rule(NoResponseRule::Deny);
    let mut world = setup.world();
    world.play(&[
        Step::Start,
        approve(0, REX),
        deny(1, REX),
        Step::Wait(days(7)),
    ]);
    match world.apply(&Step::Advance) {
        Some(Answer::One(Ok(ReviewEvent::StageEnded {
            stage: 0,
            moved_on,
            next:
                AfterStage::Stage {
                    stage: 1,
                    ends_at,
                    unassigned,
                },
        }))) => {
            assert_eq!(moved_on, vec![item_id(1), item_id(2)]);
            assert_eq!(ends_at, noon() + days(14));
            assert!(unassigned.is_empty());
        }
        other => panic!("{other:?}"),
    }
    let reached: Vec<usize> = world.items.iter().map(ReviewItem::stage).collect();
    assert_eq!(reached, vec![0, 1, 1]);
    assert_eq!(
        world.item(1).stages()[1].reviewers,
        BTreeSet::from([user(RAY)]),
        "the next stage's reviewers, resolved now, without the person"
    );
    world.play(&[approve(1, RAY), Step::Wait(days(7)), Step::Complete]);
    let finals: Vec<(ReviewOutcome, OutcomeBasis)> = world
        .items
        .iter()
        .filter_map(ReviewItem::final_outcome)
        .map(|outcome| (outcome.outcome, outcome.basis))
        .collect();
    assert_eq!(
        finals,
        vec![
            (O::Approve, OutcomeBasis::Decision { stage: 0 }),
            (O::Approve, OutcomeBasis::Decision { stage: 1 }),
            (
                O::Deny,
                OutcomeBasis::NoResponse {
                    rule: NoResponseRule::Deny
                }
            ),
        ]
    );
    assert_eq!(
        world.item(1).stages()[0].outcome(),
        O::Deny,
        "the earlier decision is kept"
    );
}

#[test]
fn a_later_stage_that_says_nothing_does_not_confirm_an_earlier_approval() {
    let mut world = Setup::stages(&[plain(7), plain(7)])
        .rule(NoResponseRule::Deny)
        .world();
    world.play(&[
        Step::Start,
        approve(0, REX),
        Step::Wait(days(7)),
        Step::Advance,
        Step::Wait(days(7)),
        Step::Complete,
    ]);
    assert_eq!(
        world.item(0).final_outcome(),
        Some(FinalOutcome {
            outcome: ReviewOutcome::Deny,
            basis: OutcomeBasis::NoResponse {
                rule: NoResponseRule::Deny
            },
        })
    );
}

#[test]
fn the_latest_decision_wins_and_the_event_says_what_it_replaced() {
    let mut world = Setup::stages(&[plain(7)]).reviewers(0, &[REX, FAY]).world();
    world.play(&[Step::Start, approve(0, REX), Step::Wait(hours(1))]);
    match world.apply(&deny(0, FAY)) {
        Some(Answer::One(Ok(ReviewEvent::Decided {
            item,
            stage: 0,
            decision,
            replaced,
        }))) => {
            assert_eq!(item, item_id(0));
            assert_eq!(replaced, Some(ReviewVerdict::Approve));
            assert_eq!(decision.by, user(FAY));
            assert_eq!(decision.at, noon() + hours(1));
            assert_eq!(decision.source, DecisionSource::Reviewer);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world.item(0).latest_outcome(), ReviewOutcome::Deny);
}

#[test]
fn accepting_recommendations_records_the_reason_and_never_changes_a_decision() {
    let mut world = Setup::stages(&[plain(7)])
        .people(&[ADA, BOB, CAROL, MALLORY])
        .world();
    world.play(&[Step::Start, deny(0, REX)]);
    let recommendations: Vec<Recommendation> =
        world.items.iter().map(ReviewItem::recommendation).collect();
    assert_eq!(
        recommendations,
        vec![
            Recommendation::SignedInRecently { look_back_days: 30 },
            Recommendation::NeverSignedIn { look_back_days: 30 },
            Recommendation::NoRecentSignIn { look_back_days: 30 },
            Recommendation::SignedInRecently { look_back_days: 30 },
        ]
    );
    let decided: Vec<ReviewItemId> = match world.apply(&Step::AcceptAll { by: REX }) {
        Some(Answer::Many(Ok(results))) => results
            .into_iter()
            .map(|(id, result)| match result {
                Ok(_) => id,
                Err(refusal) => panic!("{id}: {refusal}"),
            })
            .collect(),
        other => panic!("{other:?}"),
    };
    assert_eq!(
        decided,
        vec![item_id(1), item_id(2), item_id(3)],
        "Ada was decided already"
    );
    let outcomes: Vec<ReviewOutcome> = world.items.iter().map(ReviewItem::latest_outcome).collect();
    use ReviewOutcome as O;
    assert_eq!(outcomes, vec![O::Deny, O::Deny, O::Deny, O::Approve]);
    let carol = world.item(2).stages()[0].decision.clone();
    assert_eq!(
        carol.as_ref().map(|decision| decision.source),
        Some(DecisionSource::Recommendation)
    );
    assert_eq!(
        carol
            .and_then(|decision| decision.justification)
            .map(|reason| reason.as_str().to_string()),
        Some("no sign-in in the last 30 days".to_string())
    );
}

#[test]
fn a_stopped_review_completes_with_who_stopped_it_and_later_stages_never_start() {
    let mut world = Setup::stages(&[plain(7), plain(7)]).world();
    world.play(&[Step::Start, approve(0, REX), Step::Wait(days(1))]);
    match world.apply(&Step::Stop(ADMIN)) {
        Some(Answer::One(Ok(ReviewEvent::Stopped { stop, completion }))) => {
            assert_eq!(
                stop,
                Stop {
                    by: user(ADMIN),
                    at: noon() + days(1),
                    stage: 0
                }
            );
            assert_eq!((completion.approved, completion.not_reviewed), (1, 2));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world.instance.state(), Completed);
    assert_eq!(world.instance.completed_at(), Some(noon() + days(1)));
    assert!(world.instance.stopped().is_some());
    assert_eq!(world.instance.stages()[1].started_at, None);
    assert!(
        world
            .items
            .iter()
            .all(|item| item.final_outcome().is_some())
    );
}

#[test]
fn items_from_elsewhere_or_a_partial_set_are_refused() {
    let mut world = Setup::stages(&[plain(7)]).world();
    world.play(&[Step::Start]);
    let mut other = Setup::stages(&[plain(7)]).world();
    other.instance = match ReviewInstance::plan(
        NewReviewInstance {
            id: ReviewInstanceId::from_uuid(uuid::Uuid::from_u128(0x6001)),
            definition_id: world.instance.definition_id(),
            occurrence: Occurrence {
                index: 0,
                starts_at: noon(),
            },
            resource: world.instance.resource(),
        },
        &other.setup.definition(),
    ) {
        Ok(instance) => instance,
        Err(refusal) => panic!("{refusal}"),
    };
    other.play(&[Step::Start]);
    let mut foreign = other.item(0).clone();
    assert_eq!(
        world
            .instance
            .decide(&mut foreign, user(REX), ReviewVerdict::Deny, None, noon()),
        Err(ReviewRefusal::ForeignItem { item: foreign.id() })
    );
    world.play(&[Step::Wait(days(7))]);
    let before = world.clone();
    let mut partial = world.items[..2].to_vec();
    assert_eq!(
        world.instance.complete(&mut partial, world.now),
        Err(ReviewRefusal::ItemsMismatch)
    );
    let mut doubled = vec![
        world.item(0).clone(),
        world.item(0).clone(),
        world.item(1).clone(),
    ];
    assert_eq!(
        world.instance.complete(&mut doubled, world.now),
        Err(ReviewRefusal::ItemsMismatch)
    );
    assert_eq!(world.instance, before.instance);
}

#[test]
fn items_nobody_can_review_are_reported_and_end_not_reviewed() {
    let mut world = Setup::stages(&[plain(7)]).reviewers(0, &[]).world();
    match world.apply(&Step::Start) {
        Some(Answer::One(Ok(ReviewEvent::Started {
            items,
            stage_ends_at,
            unassigned,
        }))) => {
            assert_eq!(items, 3);
            assert_eq!(stage_ends_at, noon() + days(7));
            assert_eq!(unassigned, vec![item_id(0), item_id(1), item_id(2)]);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        world
            .items
            .iter()
            .all(|item| item.stages()[0].reviewers.is_empty()),
        "resolution named each person as their own reviewer; that was dropped"
    );
    world.play(&[Step::Wait(days(7)), Step::Complete]);
    assert!(
        world
            .items
            .iter()
            .all(|item| item.final_outcome().map(|outcome| outcome.outcome)
                == Some(ReviewOutcome::NotReviewed))
    );
}

#[test]
fn next_due_says_what_time_alone_moves_on() {
    let mut world = Setup::stages(&[plain(7), plain(4)]).auto_apply().world();
    let due = |world: &World| {
        world
            .instance
            .next_due(world.now)
            .map(|due| (due.action, due.at))
    };
    assert_eq!(due(&world), Some((ReviewDueAction::Start, noon())));
    world.play(&[Step::Start]);
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::Remind, noon() + hours(84)))
    );
    world.play(&[Step::Wait(hours(84)), Step::Remind]);
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::AdvanceStage, noon() + days(7)))
    );
    world.play(&[Step::Wait(days(5)), approve(0, REX)]);
    assert_eq!(
        world.item(0).latest_outcome(),
        ReviewOutcome::NotReviewed,
        "too late"
    );
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::AdvanceStage, noon() + days(7))),
        "advanced late, the second stage still ends on time"
    );
    world.play(&[Step::Advance]);
    assert_eq!(world.instance.stage_ends_at(1), noon() + days(11));
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::Remind, noon() + days(9))),
        "halfway through the second stage as planned"
    );
    world.play(&[Step::Wait(days(3))]);
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::Complete, noon() + days(11))),
        "a reminder whose stage ended is no longer due"
    );
    world.play(&[Step::Complete]);
    assert_eq!(
        due(&world),
        Some((ReviewDueAction::Apply, noon() + days(11) + hours(12)))
    );
    world.play(&[Step::Apply {
        automatically: true,
    }]);
    assert_eq!(
        world.instance.state(),
        Applied,
        "not reviewed, kept: nothing to remove"
    );
    assert_eq!(due(&world), None);
}

#[test]
fn applying_settles_kept_access_at_once_and_lists_the_removals() {
    let mut world = Setup::stages(&[plain(7)]).world();
    world.play(&[
        Step::Start,
        deny(1, REX),
        Step::Wait(days(7)),
        Step::Complete,
    ]);
    match world.apply(&manually()) {
        Some(Answer::One(Ok(ReviewEvent::ApplyStarted {
            by,
            to_remove,
            kept,
        }))) => {
            assert_eq!(
                by,
                AppliedBy::Administrator {
                    user_id: user(ADMIN)
                }
            );
            assert_eq!(
                to_remove,
                vec![PendingRemoval {
                    item: item_id(1),
                    person: user(BOB)
                }]
            );
            assert_eq!(kept, 2);
        }
        other => panic!("{other:?}"),
    }
    let applied: Vec<Option<ApplyOutcome>> = world.items.iter().map(ReviewItem::applied).collect();
    assert_eq!(
        applied,
        vec![Some(ApplyOutcome::Kept), None, Some(ApplyOutcome::Kept)]
    );
    world.play(&[
        Step::Wait(hours(1)),
        Step::Record(vec![(1, RemovalResult::Removed)]),
    ]);
    assert_eq!(world.item(1).applied(), Some(ApplyOutcome::Removed));
    assert_eq!(
        world.instance.applied_at(),
        Some(noon() + days(7) + hours(1))
    );
}

#[test]
fn several_resources_plan_one_instance_each() {
    let setup = Setup::stages(&[plain(7)]);
    let mut value = setup.definition_json();
    value["scope"]["resources"]["group_ids"] = json!([
        group_id(),
        GroupId::from_uuid(uuid::Uuid::from_u128(0x8001))
    ]);
    let definition = match validate_record(&input(value)) {
        Ok(definition) => definition,
        Err(errors) => panic!("{errors:?}"),
    };
    let mut next = 0x9000u128;
    let instances = ReviewInstance::plan_occurrence(
        ReviewDefinitionId::from_uuid(uuid::Uuid::from_u128(0x7000)),
        &definition,
        Occurrence {
            index: 3,
            starts_at: noon(),
        },
        || {
            next += 1;
            ReviewInstanceId::from_uuid(uuid::Uuid::from_u128(next))
        },
    );
    let resources: Vec<ReviewedResource> = instances.iter().map(ReviewInstance::resource).collect();
    assert_eq!(resources, definition.resources());
    assert!(
        instances
            .iter()
            .all(|instance| instance.occurrence() == 3 && instance.state() == Scheduled)
    );
    assert_eq!(
        instances[0].id(),
        ReviewInstanceId::from_uuid(uuid::Uuid::from_u128(0x9001))
    );
    let elsewhere = NewReviewInstance {
        id: instance_id(),
        definition_id: ReviewDefinitionId::from_uuid(uuid::Uuid::from_u128(0x7000)),
        occurrence: Occurrence {
            index: 0,
            starts_at: noon(),
        },
        resource: ReviewedResource::Group {
            group_id: GroupId::from_uuid(uuid::Uuid::from_u128(1)),
        },
    };
    assert_eq!(
        ReviewInstance::plan(elsewhere, &definition),
        Err(ReviewRefusal::ResourceNotInScope)
    );
}

#[test]
fn states_are_snake_case_on_the_wire_and_in_columns() {
    for state in ReviewInstanceState::ALL {
        assert_eq!(ReviewInstanceState::parse(state.as_str()), Some(state));
        assert_eq!(
            serde_json::to_value(state).unwrap_or_default(),
            json!(state.as_str())
        );
    }
    let completed: Vec<_> = ReviewInstanceState::ALL
        .into_iter()
        .filter(|state| state.is_completed())
        .collect();
    assert_eq!(completed, vec![Completed, Applying, Applied]);
    assert_eq!(
        serde_json::to_value(ReviewOutcome::DontKnow).unwrap_or_default(),
        json!("dont_know")
    );
    for outcome in ReviewOutcome::ALL {
        assert_eq!(
            serde_json::to_value(outcome).unwrap_or_default(),
            json!(outcome.as_str())
        );
    }
}

#[test]
fn stored_instances_and_items_read_back_as_themselves() {
    let mut world = Setup::stages(&[self_review(7), plain(7)])
        .cannot_self_review(BOB)
        .world();
    world.play(&[
        Step::Start,
        approve(0, ADA),
        approve(1, FAY),
        Step::Wait(days(7)),
        Step::Advance,
        deny(0, RAY),
        Step::Wait(days(7)),
        Step::Complete,
        manually(),
    ]);
    let stored = serde_json::to_value(&world.instance).unwrap_or_default();
    assert_eq!(
        serde_json::from_value::<ReviewInstance>(stored)
            .ok()
            .as_ref(),
        Some(&world.instance)
    );
    for item in &world.items {
        let stored = serde_json::to_value(item).unwrap_or_default();
        assert_eq!(
            serde_json::from_value::<ReviewItem>(stored).ok().as_ref(),
            Some(item)
        );
    }
}

/// A named way to break a stored record.
type Corruption<T> = (&'static str, Box<dyn Fn(&mut T)>);

#[test]
fn a_stored_item_or_instance_no_transition_could_reach_is_refused() {
    let mut world = Setup::stages(&[self_review(7)]).world();
    world.play(&[
        Step::Start,
        approve(0, ADA),
        Step::Wait(days(7)),
        Step::Complete,
    ]);
    let item = ReviewItemRecord::from(world.item(0).clone());
    let item_cases: Vec<Corruption<ReviewItemRecord>> = vec![
        (
            "decided by someone not asked",
            Box::new(|record| {
                if let Some(decision) = record.stages[0].decision.as_mut() {
                    decision.by = user(MALLORY);
                }
            }),
        ),
        (
            "the person reviewing their own access outside a self-review",
            Box::new(|record| {
                record.stages[0].self_review = false;
            }),
        ),
        (
            "a self-review by someone else too",
            Box::new(|record| {
                record.stages[0].reviewers.insert(user(REX));
            }),
        ),
        (
            "don't know in a self-review",
            Box::new(|record| {
                if let Some(decision) = record.stages[0].decision.as_mut() {
                    decision.verdict = ReviewVerdict::DontKnow;
                }
                record.final_outcome = None;
            }),
        ),
        (
            "a final outcome that does not follow",
            Box::new(|record| {
                record.final_outcome = Some(FinalOutcome {
                    outcome: ReviewOutcome::Deny,
                    basis: OutcomeBasis::Decision { stage: 0 },
                });
            }),
        ),
        (
            "applied against the outcome",
            Box::new(|record| {
                record.applied = Some(ApplyOutcome::Removed);
            }),
        ),
        ("no stage", Box::new(|record| record.stages.clear())),
    ];
    for (name, corrupt) in item_cases {
        let mut record = item.clone();
        corrupt(&mut record);
        assert!(ReviewItem::try_from(record).is_err(), "{name} read back");
    }
    let instance = ReviewInstanceRecord::from(world.instance.clone());
    let instance_cases: Vec<Corruption<ReviewInstanceRecord>> = vec![
        (
            "completed without a completion time",
            Box::new(|record| record.completed_at = None),
        ),
        (
            "scheduled with a started stage",
            Box::new(|record| {
                record.state = Scheduled;
                record.completed_at = None;
            }),
        ),
        (
            "applied without applying",
            Box::new(|record| {
                record.state = Applied;
                record.applied_at = record.completed_at;
            }),
        ),
        (
            "a stage of no days",
            Box::new(|record| record.stages[0].duration_days = 0),
        ),
        (
            "applied automatically against its settings",
            Box::new(|record| {
                record.state = Applying;
                record.apply_started = Some(ApplyStart {
                    by: AppliedBy::Automatically,
                    at: noon(),
                });
            }),
        ),
    ];
    for (name, corrupt) in instance_cases {
        let mut record = instance.clone();
        corrupt(&mut record);
        let json = serde_json::to_value(&record).unwrap_or_default();
        assert!(
            serde_json::from_value::<ReviewInstance>(json).is_err(),
            "{name} read back"
        );
    }
}

// Property tests.

fn any_person() -> impl Strategy<Value = u128> {
    1u128..=12
}

fn any_stage(last: bool) -> impl Strategy<Value = StageSpec> {
    (
        1u32..=10,
        any::<bool>(),
        proptest::option::of(proptest::sample::subsequence(
            ReviewOutcome::ALL.to_vec(),
            1..=4,
        )),
    )
        .prop_map(move |(days, self_review, moves_on)| StageSpec {
            days,
            self_review,
            moves_on: if last { None } else { moves_on },
        })
}

fn any_stages() -> impl Strategy<Value = Vec<StageSpec>> {
    (1usize..=3).prop_flat_map(|count| {
        (0..count)
            .map(|index| any_stage(index + 1 == count))
            .collect::<Vec<_>>()
    })
}

fn any_rule() -> impl Strategy<Value = NoResponseRule> {
    prop_oneof![
        Just(NoResponseRule::NoChange),
        Just(NoResponseRule::Approve),
        Just(NoResponseRule::Deny),
        Just(NoResponseRule::TakeRecommendations),
    ]
}

fn any_setup() -> impl Strategy<Value = Setup> {
    (
        any_stages(),
        any_rule(),
        (
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
            any::<bool>(),
        ),
        proptest::collection::btree_map(1u128..=8, proptest::option::of(0i64..200), 0..=5),
        proptest::array::uniform3(proptest::collection::btree_set(
            any_person().prop_map(user),
            0..4,
        )),
        proptest::collection::btree_set((1u128..=8).prop_map(user), 0..3),
    )
        .prop_map(
            |(
                stages,
                rule,
                (justification, recommendations, reminders, auto_apply, names_person),
                people,
                reviewers,
                cannot_self_review,
            )| Setup {
                stages,
                rule,
                justification,
                recommendations: recommendations || rule == NoResponseRule::TakeRecommendations,
                reminders,
                auto_apply,
                people: people
                    .into_iter()
                    .map(|(id, signed_in_days_ago)| Person {
                        id,
                        signed_in_days_ago,
                    })
                    .collect(),
                reviewers,
                names_person,
                cannot_self_review,
            },
        )
}

fn any_verdict() -> impl Strategy<Value = ReviewVerdict> {
    proptest::sample::select(ReviewVerdict::ALL.to_vec())
}

fn any_removal() -> impl Strategy<Value = RemovalResult> {
    prop_oneof![
        Just(RemovalResult::Removed),
        Just(RemovalResult::NotApplicable),
        Just(RemovalResult::Failed),
    ]
}

fn any_step() -> impl Strategy<Value = Step> {
    prop_oneof![
        8 => (0usize..6, any_person(), any_verdict(), any::<bool>())
            .prop_map(|(item, by, verdict, justified)| Step::Decide { item, by, verdict, justified }),
        2 => (0usize..6, any_person()).prop_map(|(item, by)| Step::Accept { item, by }),
        1 => any_person().prop_map(|by| Step::AcceptAll { by }),
        1 => (proptest::collection::vec(0usize..7, 0..4), any_person())
            .prop_map(|(items, by)| Step::AcceptSelected { items, by }),
        4 => (0i64..=120).prop_map(|n| Step::Wait(hours(n))),
        1 => Just(Step::Remind),
        2 => Just(Step::Advance),
        2 => Just(Step::Complete),
        1 => (any_person()).prop_map(Step::Stop),
        1 => any::<bool>().prop_map(|automatically| Step::Apply { automatically }),
        1 => proptest::collection::vec((0usize..7, any_removal()), 0..4).prop_map(Step::Record),
        1 => Just(Step::Start),
    ]
}

/// What the test itself knows, from the events alone, about each item.
#[derive(Clone, Debug, Default)]
struct Model {
    /// The latest verdict per item and stage.
    verdicts: BTreeMap<(ReviewItemId, usize), ReviewVerdict>,
    /// The last stage each item reached.
    reached: BTreeMap<ReviewItemId, usize>,
    /// Each item's recommendation, computed when the instance started.
    recommended: BTreeMap<ReviewItemId, Recommendation>,
    /// The final outcomes once completed; they never change after.
    finals: Option<Vec<Option<FinalOutcome>>>,
}

impl Model {
    fn expected_final(&self, id: ReviewItemId, rule: NoResponseRule) -> Option<FinalOutcome> {
        let stage = *self.reached.get(&id)?;
        Some(match self.verdicts.get(&(id, stage)) {
            Some(verdict) => FinalOutcome {
                outcome: verdict.outcome(),
                basis: OutcomeBasis::Decision { stage },
            },
            None => FinalOutcome {
                outcome: rule.outcome_for(*self.recommended.get(&id)?),
                basis: OutcomeBasis::NoResponse { rule },
            },
        })
    }
}

/// The user a step acts as, when it decides.
fn actor(step: &Step) -> Option<UserId> {
    match step {
        Step::Decide { by, .. }
        | Step::Accept { by, .. }
        | Step::AcceptAll { by }
        | Step::AcceptSelected { by, .. } => Some(user(*by)),
        Step::Start
        | Step::Remind
        | Step::Advance
        | Step::Complete
        | Step::Stop(_)
        | Step::Apply { .. }
        | Step::Record(_)
        | Step::Wait(_) => None,
    }
}

/// Plays `steps` after a start and checks, after each one, what must always hold.
fn play(setup: &Setup, steps: Vec<Step>) -> Result<World, TestCaseError> {
    let mut world = setup.world();
    let mut model = Model::default();
    let rule = setup.rule;
    let look_back = setup.recommendations.then_some(30);
    for step in std::iter::once(Step::Start).chain(steps) {
        let before = (world.instance.clone(), world.items.clone());
        let Some(answer) = world.apply(&step) else {
            continue;
        };
        if let Answer::One(Err(_)) | Answer::Many(Err(_)) = &answer {
            prop_assert_eq!(
                &(world.instance.clone(), world.items.clone()),
                &before,
                "refusing {:?} changed something",
                step
            );
        }
        for event in answer.events() {
            match event {
                ReviewEvent::Started { .. } => {
                    for (index, person) in setup.people.iter().enumerate() {
                        let new = person.new_item(index);
                        model.reached.insert(new.id, 0);
                        model.recommended.insert(
                            new.id,
                            recommendation(
                                new.last_sign_in_at,
                                new.created_at,
                                look_back,
                                world.now,
                            ),
                        );
                    }
                }
                ReviewEvent::Decided {
                    item,
                    stage,
                    decision,
                    ..
                } => {
                    let index = world
                        .items
                        .iter()
                        .position(|candidate| candidate.id() == *item);
                    prop_assert!(index.is_some());
                    let person = world.items[index.unwrap_or_default()].person();
                    prop_assert_eq!(Some(decision.by), actor(&step));
                    prop_assert_eq!(
                        model.reached.get(item),
                        Some(stage),
                        "decided in a stage the item is not in"
                    );
                    let asked = world
                        .asked
                        .get(&(*stage, person))
                        .cloned()
                        .unwrap_or_default();
                    prop_assert!(
                        asked.contains(&decision.by),
                        "{} decided an item resolution never gave them",
                        decision.by
                    );
                    prop_assert!(
                        decision.by != person || setup.stages[*stage].self_review,
                        "{} decided their own access outside a self-review",
                        person
                    );
                    prop_assert!(!(setup.justification && decision.justification.is_none()));
                    model.verdicts.insert((*item, *stage), decision.verdict);
                }
                ReviewEvent::StageEnded {
                    stage,
                    moved_on,
                    next,
                } => {
                    for id in moved_on {
                        let outcome = model
                            .verdicts
                            .get(&(*id, *stage))
                            .map_or(ReviewOutcome::NotReviewed, |verdict| verdict.outcome());
                        let moves_on = setup.stages[*stage]
                            .moves_on
                            .clone()
                            .unwrap_or_else(|| ReviewOutcome::ALL.to_vec());
                        prop_assert!(
                            moves_on.contains(&outcome),
                            "{:?} moved on from stage {}",
                            outcome,
                            stage
                        );
                        model.reached.insert(*id, stage + 1);
                    }
                    if let AfterStage::Completed { .. } = next {
                        prop_assert!(moved_on.is_empty());
                    }
                }
                ReviewEvent::DecisionsReset { stage, items, .. } => {
                    for id in items {
                        model.verdicts.remove(&(*id, *stage));
                    }
                }
                ReviewEvent::Reminded { .. }
                | ReviewEvent::RemindedNow { .. }
                | ReviewEvent::Completed { .. }
                | ReviewEvent::Stopped { .. }
                | ReviewEvent::ApplyStarted { .. }
                | ReviewEvent::RemovalsRecorded { .. } => {}
            }
            prop_assert_eq!(event.state_after(), world.instance.state());
        }

        // (a) Whoever is recorded as deciding was asked by that stage, and is the person only
        // in a self-review; the person is never among their own reviewers otherwise.
        for item in &world.items {
            for (index, stage) in item.stages().iter().enumerate() {
                let asked = world
                    .asked
                    .get(&(index, item.person()))
                    .cloned()
                    .unwrap_or_default();
                prop_assert!(stage.reviewers.is_subset(&asked));
                prop_assert!(
                    !stage.reviewers.contains(&item.person())
                        || (stage.self_review && setup.stages[index].self_review)
                );
                if let Some(decision) = &stage.decision {
                    prop_assert!(stage.reviewers.contains(&decision.by));
                    prop_assert_eq!(
                        model.verdicts.get(&(item.id(), index)),
                        Some(&decision.verdict)
                    );
                }
            }
            prop_assert_eq!(model.reached.get(&item.id()), Some(&item.stage()));
        }

        // (b) Once completed, each item has exactly one final outcome, the one its last stage
        // and the no-response rule give, and it never changes.
        if world.instance.state().is_completed() {
            let finals: Vec<Option<FinalOutcome>> =
                world.items.iter().map(ReviewItem::final_outcome).collect();
            for (item, outcome) in world.items.iter().zip(&finals) {
                prop_assert_eq!(*outcome, model.expected_final(item.id(), rule));
                prop_assert_eq!(
                    item.should_remove(),
                    outcome.is_some_and(|outcome| outcome.outcome == ReviewOutcome::Deny)
                );
            }
            match &model.finals {
                Some(earlier) => prop_assert_eq!(earlier, &finals, "final outcomes changed"),
                None => model.finals = Some(finals),
            }
        } else {
            prop_assert!(
                world
                    .items
                    .iter()
                    .all(|item| item.final_outcome().is_none())
            );
        }
        for item in &world.items {
            if let Some(applied) = item.applied() {
                prop_assert_eq!(applied == ApplyOutcome::Kept, !item.should_remove());
            }
        }

        let stored = serde_json::to_value(&world.instance).unwrap_or_default();
        let read: Result<ReviewInstance, _> = serde_json::from_value(stored);
        prop_assert_eq!(
            read.as_ref().ok(),
            Some(&world.instance),
            "{:?}",
            read.as_ref().err()
        );
        for item in &world.items {
            let stored = serde_json::to_value(item).unwrap_or_default();
            let read: Result<ReviewItem, _> = serde_json::from_value(stored);
            prop_assert_eq!(read.as_ref().ok(), Some(item), "{:?}", read.as_ref().err());
        }
    }
    Ok(world)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1500))]

    /// Arbitrary events by arbitrary people (the reviewed included, resolution naming them
    /// wrongly): nobody decides an item resolution did not give them, nor their own access
    /// outside a self-review; a refusal changes nothing; once completed, every item has one
    /// final outcome following the no-response rule, and it never changes; everything reads
    /// back from storage as itself.
    #[test]
    fn no_sequence_lets_a_reviewer_decide_what_is_not_theirs_and_completion_follows_the_rule(
        setup in any_setup(),
        steps in proptest::collection::vec(any_step(), 0..40),
    ) {
        play(&setup, steps)?;
    }

    /// Whatever happened before, letting time run to the end completes the review with one
    /// final outcome per item, and applying it settles every item.
    #[test]
    fn every_review_completes_with_one_final_outcome_per_item_and_applies(
        setup in any_setup(),
        steps in proptest::collection::vec(any_step(), 0..25),
        removals in proptest::collection::vec(any_removal(), 6),
    ) {
        let mut ending = steps;
        for _ in 0..3 {
            ending.extend([Step::Wait(days(40)), Step::Advance, Step::Complete]);
        }
        ending.push(manually());
        let world = play(&setup, ending.clone())?;
        prop_assert!(world.instance.state().is_completed());
        prop_assert!(world.items.iter().all(|item| item.final_outcome().is_some()));
        let report: Vec<(usize, RemovalResult)> = world
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| item.removal_pending())
            .map(|(index, _)| (index, removals[index]))
            .collect();
        ending.push(Step::Record(report));
        let world = play(&setup, ending)?;
        prop_assert_eq!(world.instance.state(), Applied);
        prop_assert!(world.items.iter().all(|item| item.applied().is_some()));
    }
}

// Views.

fn summary(id: u128) -> crate::assignment::PersonSummary {
    crate::assignment::PersonSummary {
        id: user(id),
        username: format!("user{id}"),
        display_name: format!("User {id}"),
        guest: false,
    }
}

#[test]
fn progress_counts_each_item_once_by_its_latest_or_final_outcome() {
    let mut world = Setup::stages(&[plain(7), plain(7)])
        .rule(NoResponseRule::Deny)
        .world();
    world.play(&[Step::Start, approve(0, REX), dont_know(1, REX)]);
    let progress = ReviewProgress::of(&world.instance, &world.items);
    assert_eq!(
        progress,
        ReviewProgress {
            total: 3,
            decided: 2,
            approved: 1,
            denied: 0,
            dont_know: 1,
            not_reviewed: 1,
            by_no_response_rule: 0,
            in_current_stage: 3,
        }
    );
    world.play(&[
        Step::Wait(days(7)),
        Step::Advance,
        Step::Wait(days(7)),
        Step::Complete,
    ]);
    let progress = ReviewProgress::of(&world.instance, &world.items);
    assert_eq!(
        (
            progress.denied,
            progress.by_no_response_rule,
            progress.decided,
            progress.in_current_stage
        ),
        (3, 3, 3, 0),
        "nobody decided the second stage; the rule denied all three"
    );
    let view = ReviewInstanceView::new(
        &world.instance,
        "Test review".into(),
        "Engineering".into(),
        progress,
    );
    assert_eq!(view.state, Completed);
    assert_eq!(view.current_stage, None);
    assert_eq!(view.stage_count, 2);
    assert_eq!(view.ends_at, noon() + days(14));
    assert_eq!(view.progress, progress);
}

#[test]
fn reviewers_see_earlier_stages_only_when_the_review_shows_them() {
    for show in [false, true] {
        let setup = Setup::stages(&[plain(7), plain(7)]);
        let mut value = setup.definition_json();
        value["settings"]["show_earlier_decisions"] = json!(show);
        let definition = match validate_record(&input(value)) {
            Ok(definition) => definition,
            Err(errors) => panic!("{errors:?}"),
        };
        let mut world = setup.world();
        world.instance = match ReviewInstance::plan(
            NewReviewInstance {
                id: instance_id(),
                definition_id: world.instance.definition_id(),
                occurrence: Occurrence {
                    index: 0,
                    starts_at: noon(),
                },
                resource: world.instance.resource(),
            },
            &definition,
        ) {
            Ok(instance) => instance,
            Err(refusal) => panic!("{refusal}"),
        };
        world.play(&[
            Step::Start,
            deny(0, REX),
            Step::Wait(days(7)),
            Step::Advance,
            approve(0, RAY),
        ]);
        let view = |audience| {
            ReviewItemView::new(
                &world.instance,
                world.item(0),
                summary(ADA),
                "Engineering".into(),
                audience,
            )
        };
        let reviewer = view(ItemAudience::Reviewer);
        // Views number stages from 1: the item is in the second.
        assert_eq!(reviewer.stage, 2);
        assert_eq!(
            reviewer.decision.as_ref().map(|decision| decision.by),
            Some(user(RAY))
        );
        assert_eq!(
            reviewer.earlier_decisions.len(),
            usize::from(show),
            "show = {show}"
        );
        let administrator = view(ItemAudience::Administrator);
        assert_eq!(
            administrator
                .earlier_decisions
                .first()
                .map(|earlier| (earlier.stage, earlier.outcome)),
            Some((1, ReviewOutcome::Deny))
        );
        assert_eq!(
            administrator.recommendation.verdict,
            RecommendedVerdict::Approve
        );
        assert_eq!(
            administrator.recommendation.message,
            "signed in within the last 30 days"
        );
        assert_eq!(
            administrator.access,
            ReviewedResource::Group {
                group_id: group_id()
            }
        );
    }
}

#[test]
fn a_definition_view_says_when_the_next_instance_starts() {
    let definition = Setup::stages(&[plain(7)]).definition();
    let id = ReviewDefinitionId::from_uuid(uuid::Uuid::from_u128(0x7000));
    let view = ReviewDefinitionView::new(id, &definition, 0, noon(), noon(), noon() - days(1));
    assert_eq!(view.next_start_at, Some(noon()));
    assert_eq!(view.instance_duration_days, 7);
    assert_eq!(view.definition, definition.to_input());
    let over = ReviewDefinitionView::new(id, &definition, 1, noon(), noon(), noon());
    assert_eq!(
        over.next_start_at, None,
        "a one-time review that started is over"
    );
}

#[test]
fn bulk_inputs_name_one_to_five_hundred_items_once() {
    let ids = |count: usize| (0..count).map(item_id).collect::<Vec<_>>();
    let bulk = |item_ids| BulkDecisionInput {
        item_ids,
        verdict: ReviewVerdict::Deny,
        justification: None,
    };
    let fields = |result: Result<(), Vec<crate::problem::FieldError>>| -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| error.field)
            .collect()
    };
    assert!(bulk(ids(500)).validate().is_ok());
    assert_eq!(fields(bulk(ids(0)).validate()), vec!["item_ids"]);
    assert_eq!(fields(bulk(ids(501)).validate()), vec!["item_ids"]);
    assert_eq!(
        fields(bulk(vec![item_id(1), item_id(2), item_id(1)]).validate()),
        vec!["item_ids[2]"]
    );
    assert!(
        AcceptRecommendationsInput::default().validate().is_ok(),
        "all undecided"
    );
    assert_eq!(
        fields(
            AcceptRecommendationsInput {
                item_ids: Some(Vec::new())
            }
            .validate()
        ),
        vec!["item_ids"]
    );
    let decision: Result<DecisionInput, _> = serde_json::from_value(
        json!({ "verdict": "dont_know", "justification": "Unsure who this is" }),
    );
    assert!(decision.is_ok());
    for refused in [
        json!({ "verdict": "maybe" }),
        json!({ "verdict": "approve", "justification": "   " }),
        json!({ "verdict": "approve", "item_id": item_id(1) }),
    ] {
        assert!(
            serde_json::from_value::<DecisionInput>(refused.clone()).is_err(),
            "{refused}"
        );
    }
    let accept_all: AcceptRecommendationsInput = match serde_json::from_value(json!({})) {
        Ok(input) => input,
        Err(error) => panic!("{error}"),
    };
    assert_eq!(accept_all.item_ids, None);
}

#[test]
fn reminding_now_names_the_reviewers_still_waiting_and_changes_nothing() {
    let mut world = Setup::stages(&[plain(7)])
        .without_reminders()
        .reviewers(0, &[REX, FAY])
        .world();
    world.play(&[Step::Start, approve(0, REX), Step::Wait(hours(1))]);
    let before = world.instance.clone();
    match world
        .instance
        .remind_now(&world.items, user(ADMIN), world.now)
    {
        Ok(ReviewEvent::RemindedNow {
            stage: 0,
            by,
            reviewers,
        }) => {
            assert_eq!(by, user(ADMIN));
            assert_eq!(reviewers, BTreeSet::from([user(REX), user(FAY)]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world.instance, before);
    world.play(&[Step::Wait(days(7))]);
    assert!(matches!(
        world
            .instance
            .remind_now(&world.items, user(ADMIN), world.now),
        Err(ReviewRefusal::StageEnded { .. })
    ));
}

#[test]
fn resetting_clears_the_current_stage_only_and_its_reviewers_decide_again() {
    let mut world = Setup::stages(&[moving(7, &[ReviewOutcome::Approve]), plain(7)]).world();
    world.play(&[
        Step::Start,
        approve(0, REX),
        approve(1, REX),
        Step::Wait(days(7)),
        Step::Advance,
        deny(0, RAY),
    ]);
    let now = world.now;
    let event = world
        .instance
        .reset_stage(&mut world.items, user(ADMIN), now);
    match event {
        Ok(ReviewEvent::DecisionsReset {
            stage: 1,
            by,
            items,
        }) => {
            assert_eq!(by, user(ADMIN));
            assert_eq!(items, vec![item_id(0)]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(world.item(0).latest_outcome(), ReviewOutcome::NotReviewed);
    assert_eq!(
        world.item(0).stages()[0]
            .decision
            .as_ref()
            .map(|d| d.verdict),
        Some(ReviewVerdict::Approve),
        "the first stage's decision stays"
    );
    assert!(
        world
            .apply(&approve(0, RAY))
            .is_some_and(|a| !a.is_refused())
    );
}

/// The first stage under way, every item waiting for Rex.
fn waiting_for_rex() -> World {
    let mut world = Setup::stages(&[plain(7)]).world();
    world.play(&[Step::Start]);
    world
}

fn fallback_fay(_: usize, _: UserId) -> ResolvedReviewers {
    ResolvedReviewers {
        reviewers: BTreeSet::from([user(FAY)]),
        used_fallback: true,
    }
}

/// The item reads back from its stored form, as storage reads it.
fn stored_again(item: &ReviewItem) -> ReviewItem {
    match ReviewItem::try_from(ReviewItemRecord::from(item.clone())) {
        Ok(read) => read,
        Err(err) => panic!("the rerouted item does not read back: {err}"),
    }
}

#[test]
fn a_leaving_reviewer_hands_an_undecided_item_to_the_fallback_who_decides_it() {
    let mut world = waiting_for_rex();
    let now = world.now + hours(1);
    let mut item = world.item(0).clone();
    let rerouted = world
        .instance
        .reroute_item(&mut item, user(REX), None, now, fallback_fay);
    let Ok(rerouted) = rerouted else {
        panic!("refused: {rerouted:?}");
    };
    assert_eq!(rerouted.added, BTreeSet::from([user(FAY)]));
    assert_eq!(rerouted.reviewers, BTreeSet::from([user(FAY)]));
    assert!(rerouted.used_fallback);
    let mut item = stored_again(&item);
    assert_eq!(
        world
            .instance
            .decide(&mut item, user(REX), ReviewVerdict::Approve, None, now),
        Err(ReviewRefusal::NotAReviewer)
    );
    assert!(
        world
            .instance
            .decide(&mut item, user(FAY), ReviewVerdict::Approve, None, now)
            .is_ok()
    );
    world.items[0] = item;
}

#[test]
fn a_new_manager_replaces_the_old_one_and_a_decided_item_stays_as_it_is() {
    let world = waiting_for_rex();
    let now = world.now + hours(1);
    let mut item = world.item(0).clone();
    let rerouted =
        world
            .instance
            .reroute_item(&mut item, user(REX), Some(user(RAY)), now, |_, _| {
                panic!("no fallback needed")
            });
    assert_eq!(
        rerouted.map(|r| r.reviewers),
        Ok(BTreeSet::from([user(RAY)]))
    );
    assert!(stored_again(&item).stages()[0].asks(user(RAY)));

    let mut decided = world.item(1).clone();
    assert!(
        world
            .instance
            .decide(
                &mut decided,
                user(REX),
                ReviewVerdict::Deny,
                Some(reason()),
                now
            )
            .is_ok()
    );
    assert_eq!(
        world
            .instance
            .reroute_item(&mut decided, user(REX), Some(user(RAY)), now, fallback_fay)
            .map(|r| r.reviewers),
        Err(ReviewRefusal::NotAReviewer)
    );
    let mut other = world.item(2).clone();
    assert_eq!(
        world
            .instance
            .reroute_item(&mut other, user(MALLORY), None, now, fallback_fay)
            .map(|r| r.reviewers),
        Err(ReviewRefusal::NotAReviewer)
    );
}
