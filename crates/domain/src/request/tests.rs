//! One table row per transition and refusal, then property tests over arbitrary sequences of
//! events by arbitrary people.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::policy::approval::escalation_days_allowed;
use crate::policy::{PolicyDefinition, ResolvedApprovers, ValidPolicy, validate};

fn user(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

fn users(people: &[u128]) -> BTreeSet<UserId> {
    people.iter().map(|n| user(*n)).collect()
}

/// Asks for access for herself, or is asked for by her manager.
const ADA: u128 = 1;
/// Approves the first stage.
const BOB: u128 = 2;
/// Approves the second stage.
const CAROL: u128 = 3;
/// Asked when a stage escalates.
const DAN: u128 = 4;
/// Approves the first stage with Bob, and the third.
const ERIN: u128 = 5;
/// Has nothing to do with the request.
const MALLORY: u128 = 6;
/// Ada's manager.
const MANAGER: u128 = 7;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

fn days(n: i64) -> TimeDelta {
    TimeDelta::days(n)
}

fn second() -> TimeDelta {
    TimeDelta::seconds(1)
}

fn reason() -> Justification {
    match Justification::parse("Needed for the quarterly audit") {
        Ok(reason) => reason,
        Err(error) => panic!("test justification refused: {error}"),
    }
}

/// One policy stage as a test writes it.
#[derive(Clone, Copy, Debug)]
struct StageSpec {
    timeout_days: u8,
    escalate_after_days: Option<u8>,
    justification: bool,
}

fn plain(timeout_days: u8) -> StageSpec {
    StageSpec {
        timeout_days,
        escalate_after_days: None,
        justification: false,
    }
}

fn escalating(timeout_days: u8, after_days: u8) -> StageSpec {
    StageSpec {
        escalate_after_days: Some(after_days),
        ..plain(timeout_days)
    }
}

fn justified(timeout_days: u8) -> StageSpec {
    StageSpec {
        justification: true,
        ..plain(timeout_days)
    }
}

/// A policy everyone may request under, for themselves or a report, choosing their start,
/// extending (with approval when there are stages) and removing their own access. Who the
/// stages name does not matter here: the tests answer resolution themselves.
fn policy_json(stages: &[StageSpec]) -> Value {
    let stages: Vec<Value> = stages
        .iter()
        .enumerate()
        .map(|(index, stage)| {
            let mut value = json!({
                "primary_approvers": [{ "type": "user", "user_id": user(100 + index as u128) }],
                "timeout_days": stage.timeout_days,
                "approver_justification_required": stage.justification,
            });
            if let Some(after_days) = stage.escalate_after_days {
                value["escalation"] = json!({
                    "after_days": after_days,
                    "approvers": [{ "type": "user", "user_id": user(200 + index as u128) }],
                });
            }
            value
        })
        .collect();
    let approval = if stages.is_empty() {
        json!({ "type": "none" })
    } else {
        json!({ "type": "required", "stages": stages })
    };
    json!({
        "name": "Test policy",
        "who_can_request": { "type": "all_members" },
        "approval": approval,
        "requester": { "may_choose_dates": true, "on_behalf_of_direct_reports": true },
        "lifecycle": {
            "expiry": { "type": "after_days", "days": 30 },
            "extension": { "type": "allowed", "approval_required": !stages.is_empty() },
            "self_removal_allowed": true,
        },
    })
}

fn policy_from(value: Value) -> ValidPolicy {
    let definition: PolicyDefinition = match serde_json::from_value(value) {
        Ok(definition) => definition,
        Err(error) => panic!("test policy does not deserialize: {error}"),
    };
    match validate(&definition) {
        Ok(policy) => policy,
        Err(errors) => panic!("test policy refused: {errors:#?}"),
    }
}

fn new_request(kind: RequestKind, requester: u128, target: u128) -> NewRequest {
    NewRequest {
        id: RequestId::from_uuid(uuid::Uuid::from_u128(0xaaa)),
        access_package_id: AccessPackageId::from_uuid(uuid::Uuid::from_u128(0xbbb)),
        policy_id: PolicyId::from_uuid(uuid::Uuid::from_u128(0xccc)),
        kind,
        requester: user(requester),
        target: user(target),
        start_at: None,
    }
}

/// A request and the world around it: the clock, and what resolution answers for each stage.
#[derive(Clone, Debug)]
struct Setup {
    kind: RequestKind,
    requester: u128,
    target: u128,
    start_in: Option<TimeDelta>,
    stages: Vec<StageSpec>,
    approvers: [BTreeSet<UserId>; 3],
    escalation: [BTreeSet<UserId>; 3],
}

impl Setup {
    /// Ada asks for herself. Resolution answers Bob, Erin and (wrongly) Ada for the first
    /// stage, Carol for the second, Erin for the third, and Dan on escalation.
    fn stages(stages: &[StageSpec]) -> Setup {
        Setup {
            kind: RequestKind::UserAdd,
            requester: ADA,
            target: ADA,
            start_in: None,
            stages: stages.to_vec(),
            approvers: [users(&[ADA, BOB, ERIN]), users(&[CAROL]), users(&[ERIN])],
            escalation: [users(&[DAN]), users(&[DAN]), users(&[DAN])],
        }
    }

    /// Ada's manager asks for her; resolution (wrongly) answers the manager too.
    fn on_behalf(mut self) -> Setup {
        self.requester = MANAGER;
        self.approvers[0].insert(user(MANAGER));
        self
    }

    fn starting_in(mut self, delay: TimeDelta) -> Setup {
        self.start_in = Some(delay);
        self
    }

    fn approvers(mut self, stage: usize, people: &[u128]) -> Setup {
        self.approvers[stage] = users(people);
        self
    }

    fn escalation(mut self, stage: usize, people: &[u128]) -> Setup {
        self.escalation[stage] = users(people);
        self
    }

    fn world(&self) -> World {
        let policy = policy_from(policy_json(&self.stages));
        let new = NewRequest {
            start_at: self.start_in.map(|delay| noon() + delay),
            ..new_request(self.kind, self.requester, self.target)
        };
        match Request::new(new, &policy, noon()) {
            Ok(request) => World {
                request,
                now: noon(),
                approvers: self.approvers.clone(),
                escalation: self.escalation.clone(),
                asked: Default::default(),
            },
            Err(refusal) => panic!("test request refused: {refusal}"),
        }
    }
}

/// Something that happens to a request.
#[derive(Clone, Debug)]
enum Step {
    Submit,
    /// `stage: None` means the current stage (or the first, when none is).
    Approve {
        stage: Option<usize>,
        by: u128,
        justified: bool,
    },
    Deny {
        stage: Option<usize>,
        by: u128,
        justified: bool,
    },
    Escalate,
    TimeOut,
    Cancel(Actor),
    StartDelivery,
    FinishDelivery(DeliveryResult),
    Wait(TimeDelta),
}

fn approve(stage: usize, by: u128) -> Step {
    Step::Approve {
        stage: Some(stage),
        by,
        justified: false,
    }
}

fn approve_saying_why(stage: usize, by: u128) -> Step {
    Step::Approve {
        stage: Some(stage),
        by,
        justified: true,
    }
}

fn deny(stage: usize, by: u128) -> Step {
    Step::Deny {
        stage: Some(stage),
        by,
        justified: false,
    }
}

fn person(n: u128) -> Actor {
    Actor::Person(user(n))
}

fn administrator(n: u128) -> Actor {
    Actor::Administrator(user(n))
}

#[derive(Clone, Debug)]
struct World {
    request: Request,
    now: DateTime<Utc>,
    approvers: [BTreeSet<UserId>; 3],
    escalation: [BTreeSet<UserId>; 3],
    /// Everyone resolution handed to the request for each stage, first or on escalation.
    asked: [BTreeSet<UserId>; 3],
}

impl World {
    /// Applies a step; `None` for a wait, which only moves the clock.
    fn apply(&mut self, step: &Step) -> Option<Result<RequestEvent, Refusal>> {
        let World {
            request,
            now,
            approvers,
            escalation,
            asked,
        } = self;
        let current = request.current_stage().unwrap_or(0);
        let result = match step {
            Step::Submit => request.submit(*now, resolver(approvers, asked)),
            Step::Approve {
                stage,
                by,
                justified,
            } => request.approve(
                stage.unwrap_or(current),
                user(*by),
                justified.then(reason),
                *now,
                resolver(approvers, asked),
            ),
            Step::Deny {
                stage,
                by,
                justified,
            } => request.deny(
                stage.unwrap_or(current),
                user(*by),
                justified.then(reason),
                *now,
            ),
            Step::Escalate => request.escalate(*now, resolver(escalation, asked)),
            Step::TimeOut => request.time_out(*now),
            Step::Cancel(actor) => request.cancel(*actor, None, *now),
            Step::StartDelivery => request.start_delivery(*now),
            Step::FinishDelivery(result) => request.finish_delivery(*result, *now),
            Step::Wait(delay) => {
                *now += *delay;
                return None;
            }
        };
        Some(result)
    }
}

/// Answers resolution from `sets`, remembering who was handed to the request.
fn resolver<'a>(
    sets: &'a [BTreeSet<UserId>; 3],
    asked: &'a mut [BTreeSet<UserId>; 3],
) -> impl FnOnce(usize) -> ResolvedApprovers + 'a {
    move |stage| {
        let approvers = sets.get(stage).cloned().unwrap_or_default();
        if let Some(asked) = asked.get_mut(stage) {
            asked.extend(approvers.iter().copied());
        }
        ResolvedApprovers {
            approvers,
            used_fallback: false,
        }
    }
}

use RequestState::{
    Canceled, Delivered, Delivering, DeliveryFailed, Denied, Expired, PartiallyDelivered,
    PendingApproval, Scheduled, Submitted,
};

#[test]
fn every_transition_and_refusal() {
    let one = || Setup::stages(&[plain(7)]);
    let two = || Setup::stages(&[plain(7), plain(7)]);
    let none = || Setup::stages(&[]);
    let escalates = || Setup::stages(&[escalating(14, 8)]);
    let deadline = noon() + days(7);
    type Case = (
        &'static str,
        Setup,
        Vec<Step>,
        Step,
        Result<RequestState, Refusal>,
    );
    let cases: Vec<Case> = vec![
        // Submission.
        (
            "without approval, delivery starts at once",
            none(),
            vec![],
            Step::Submit,
            Ok(Delivering),
        ),
        (
            "without approval and with a start ahead, the request is scheduled",
            none().starting_in(days(2)),
            vec![],
            Step::Submit,
            Ok(Scheduled),
        ),
        (
            "with approval, the first stage starts",
            one(),
            vec![],
            Step::Submit,
            Ok(PendingApproval),
        ),
        (
            "a first stage nobody can decide denies the request",
            one().approvers(0, &[]),
            vec![],
            Step::Submit,
            Ok(Denied),
        ),
        (
            "a first stage resolving only to the target and the requester denies the request",
            one().on_behalf().approvers(0, &[ADA, MANAGER]),
            vec![],
            Step::Submit,
            Ok(Denied),
        ),
        (
            "a request is submitted once",
            one(),
            vec![Step::Submit],
            Step::Submit,
            Err(Refusal::AlreadySubmitted),
        ),
        // Approval.
        (
            "one approval decides a one-stage request",
            one(),
            vec![Step::Submit],
            approve(0, BOB),
            Ok(Delivering),
        ),
        (
            "approving the first of two stages starts the second",
            two(),
            vec![Step::Submit],
            approve(0, BOB),
            Ok(PendingApproval),
        ),
        (
            "approving the last of three stages starts delivery",
            Setup::stages(&[plain(7), plain(7), plain(7)]),
            vec![Step::Submit, approve(0, BOB), approve(1, CAROL)],
            approve(2, ERIN),
            Ok(Delivering),
        ),
        (
            "approved with a start ahead, the request is scheduled",
            one().starting_in(days(3)),
            vec![Step::Submit],
            approve(0, BOB),
            Ok(Scheduled),
        ),
        (
            "approved after the requested start, delivery starts at once",
            one().starting_in(days(3)),
            vec![Step::Submit, Step::Wait(days(3))],
            approve(0, BOB),
            Ok(Delivering),
        ),
        (
            "a next stage nobody can decide denies the request",
            two().approvers(1, &[]),
            vec![Step::Submit],
            approve(0, BOB),
            Ok(Denied),
        ),
        (
            "the target can't approve their own request, even when resolution names them",
            one(),
            vec![Step::Submit],
            approve(0, ADA),
            Err(Refusal::SelfApproval),
        ),
        (
            "a manager can't approve the request they made for a report",
            one().on_behalf(),
            vec![Step::Submit],
            approve(0, MANAGER),
            Err(Refusal::SelfApproval),
        ),
        (
            "someone not asked can't decide",
            one(),
            vec![Step::Submit],
            approve(0, MALLORY),
            Err(Refusal::NotAnApprover),
        ),
        (
            "an approver of a later stage can't decide the current one",
            two(),
            vec![Step::Submit],
            approve(0, CAROL),
            Err(Refusal::NotAnApprover),
        ),
        (
            "the first decision in a stage wins",
            two(),
            vec![Step::Submit, approve(0, BOB)],
            approve(0, ERIN),
            Err(Refusal::StageAlreadyDecided { stage: 0 }),
        ),
        (
            "a denied stage is decided too",
            one(),
            vec![Step::Submit, deny(0, BOB)],
            approve(0, ERIN),
            Err(Refusal::StageAlreadyDecided { stage: 0 }),
        ),
        (
            "a later stage waits for the current one",
            two(),
            vec![Step::Submit],
            approve(1, CAROL),
            Err(Refusal::StageNotStarted { stage: 1 }),
        ),
        (
            "a stage the request does not have",
            one(),
            vec![Step::Submit],
            approve(3, BOB),
            Err(Refusal::NoSuchStage { stage: 3 }),
        ),
        (
            "nothing is decided before submission",
            one(),
            vec![],
            approve(0, BOB),
            Err(Refusal::NotPending { state: Submitted }),
        ),
        (
            "a stage requiring justification refuses an approval without one",
            Setup::stages(&[justified(7)]),
            vec![Step::Submit],
            approve(0, BOB),
            Err(Refusal::JustificationRequired),
        ),
        (
            "a stage requiring justification accepts an approval with one",
            Setup::stages(&[justified(7)]),
            vec![Step::Submit],
            approve_saying_why(0, BOB),
            Ok(Delivering),
        ),
        (
            "an approval at the deadline is too late",
            one(),
            vec![Step::Submit, Step::Wait(days(7))],
            approve(0, BOB),
            Err(Refusal::StageTimedOut {
                stage: 0,
                deadline_at: deadline,
            }),
        ),
        (
            "an approval a second before the deadline counts",
            one(),
            vec![Step::Submit, Step::Wait(days(7) - second())],
            approve(0, BOB),
            Ok(Delivering),
        ),
        // Denial.
        (
            "a denial ends the request",
            two(),
            vec![Step::Submit],
            deny(0, BOB),
            Ok(Denied),
        ),
        (
            "a denial in a later stage ends the request too",
            two(),
            vec![Step::Submit, approve(0, BOB)],
            deny(1, CAROL),
            Ok(Denied),
        ),
        (
            "the target can't deny their own request either",
            one(),
            vec![Step::Submit],
            deny(0, ADA),
            Err(Refusal::SelfApproval),
        ),
        (
            "a stage requiring justification refuses a denial without one",
            Setup::stages(&[justified(7)]),
            vec![Step::Submit],
            deny(0, BOB),
            Err(Refusal::JustificationRequired),
        ),
        // Timeout.
        (
            "a stage undecided at its deadline expires the request",
            one(),
            vec![Step::Submit, Step::Wait(days(7))],
            Step::TimeOut,
            Ok(Expired),
        ),
        (
            "a stage does not time out before its deadline",
            one(),
            vec![Step::Submit, Step::Wait(days(7) - second())],
            Step::TimeOut,
            Err(Refusal::NotYetDue { due_at: deadline }),
        ),
        (
            "the second stage's deadline counts from its own start",
            two(),
            vec![
                Step::Submit,
                Step::Wait(days(5)),
                approve(0, BOB),
                Step::Wait(days(5)),
            ],
            Step::TimeOut,
            Err(Refusal::NotYetDue {
                due_at: noon() + days(12),
            }),
        ),
        (
            "a request not waiting for approval does not time out",
            none(),
            vec![Step::Submit],
            Step::TimeOut,
            Err(Refusal::NotPending { state: Delivering }),
        ),
        // Escalation.
        (
            "a stage escalates at its escalation time",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8))],
            Step::Escalate,
            Ok(PendingApproval),
        ),
        (
            "a stage does not escalate before its escalation time",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8) - second())],
            Step::Escalate,
            Err(Refusal::NotYetDue {
                due_at: noon() + days(8),
            }),
        ),
        (
            "a stage escalates once",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8)), Step::Escalate],
            Step::Escalate,
            Err(Refusal::AlreadyEscalated { stage: 0 }),
        ),
        (
            "a stage without escalation does not escalate",
            Setup::stages(&[plain(14)]),
            vec![Step::Submit, Step::Wait(days(8))],
            Step::Escalate,
            Err(Refusal::NoEscalation { stage: 0 }),
        ),
        (
            "a stage past its deadline does not escalate",
            escalates(),
            vec![Step::Submit, Step::Wait(days(14))],
            Step::Escalate,
            Err(Refusal::StageTimedOut {
                stage: 0,
                deadline_at: noon() + days(14),
            }),
        ),
        (
            "escalation approvers decide once the stage escalated",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8)), Step::Escalate],
            approve(0, DAN),
            Ok(Delivering),
        ),
        (
            "the first approvers still decide after an escalation",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8)), Step::Escalate],
            approve(0, BOB),
            Ok(Delivering),
        ),
        (
            "escalation approvers decide nothing before the escalation",
            escalates(),
            vec![Step::Submit, Step::Wait(days(8))],
            approve(0, DAN),
            Err(Refusal::NotAnApprover),
        ),
        (
            "an escalation never asks the target",
            escalates().escalation(0, &[ADA, DAN]),
            vec![Step::Submit, Step::Wait(days(8)), Step::Escalate],
            approve(0, ADA),
            Err(Refusal::SelfApproval),
        ),
        // Cancellation.
        (
            "the requester cancels a pending request",
            one(),
            vec![Step::Submit],
            Step::Cancel(person(ADA)),
            Ok(Canceled),
        ),
        (
            "the target cancels a request made for them",
            one().on_behalf(),
            vec![Step::Submit],
            Step::Cancel(person(ADA)),
            Ok(Canceled),
        ),
        (
            "the manager who asked cancels",
            one().on_behalf(),
            vec![Step::Submit],
            Step::Cancel(person(MANAGER)),
            Ok(Canceled),
        ),
        (
            "a submitted request can be canceled",
            one(),
            vec![],
            Step::Cancel(person(ADA)),
            Ok(Canceled),
        ),
        (
            "an administrator cancels a scheduled request",
            none().starting_in(days(2)),
            vec![Step::Submit],
            Step::Cancel(administrator(MALLORY)),
            Ok(Canceled),
        ),
        (
            "someone else can't cancel",
            one(),
            vec![Step::Submit],
            Step::Cancel(person(MALLORY)),
            Err(Refusal::NotYourRequest),
        ),
        (
            "an approver can't cancel",
            one(),
            vec![Step::Submit],
            Step::Cancel(person(BOB)),
            Err(Refusal::NotYourRequest),
        ),
        (
            "nothing is canceled once delivery started",
            none(),
            vec![Step::Submit],
            Step::Cancel(administrator(MALLORY)),
            Err(Refusal::NotCancelable { state: Delivering }),
        ),
        // Delivery.
        (
            "a scheduled request starts delivery at its start",
            none().starting_in(days(2)),
            vec![Step::Submit, Step::Wait(days(2))],
            Step::StartDelivery,
            Ok(Delivering),
        ),
        (
            "a scheduled request does not start delivery before its start",
            none().starting_in(days(2)),
            vec![Step::Submit, Step::Wait(days(2) - second())],
            Step::StartDelivery,
            Err(Refusal::NotYetDue {
                due_at: noon() + days(2),
            }),
        ),
        (
            "only a scheduled request starts delivery",
            one(),
            vec![Step::Submit],
            Step::StartDelivery,
            Err(Refusal::NotScheduled {
                state: PendingApproval,
            }),
        ),
        (
            "delivery ends delivered",
            none(),
            vec![Step::Submit],
            Step::FinishDelivery(DeliveryResult::Delivered),
            Ok(Delivered),
        ),
        (
            "delivery ends partially delivered",
            none(),
            vec![Step::Submit],
            Step::FinishDelivery(DeliveryResult::PartiallyDelivered),
            Ok(PartiallyDelivered),
        ),
        (
            "delivery ends failed",
            none(),
            vec![Step::Submit],
            Step::FinishDelivery(DeliveryResult::Failed),
            Ok(DeliveryFailed),
        ),
        (
            "a pending request is not being delivered",
            one(),
            vec![Step::Submit],
            Step::FinishDelivery(DeliveryResult::Delivered),
            Err(Refusal::NotDelivering {
                state: PendingApproval,
            }),
        ),
        // Final states.
        (
            "a delivered request stays delivered",
            none(),
            vec![
                Step::Submit,
                Step::FinishDelivery(DeliveryResult::Delivered),
            ],
            Step::Cancel(administrator(MALLORY)),
            Err(Refusal::AlreadyFinal { state: Delivered }),
        ),
        (
            "an expired request can't be approved",
            one(),
            vec![Step::Submit, Step::Wait(days(7)), Step::TimeOut],
            approve(0, BOB),
            Err(Refusal::AlreadyFinal { state: Expired }),
        ),
        (
            "a canceled request can't be submitted",
            one(),
            vec![Step::Cancel(person(ADA))],
            Step::Submit,
            Err(Refusal::AlreadyFinal { state: Canceled }),
        ),
        (
            "a denied request does not time out",
            one(),
            vec![Step::Submit, deny(0, BOB), Step::Wait(days(7))],
            Step::TimeOut,
            Err(Refusal::AlreadyFinal { state: Denied }),
        ),
        (
            "a failed delivery is not retried through the request",
            none(),
            vec![Step::Submit, Step::FinishDelivery(DeliveryResult::Failed)],
            Step::FinishDelivery(DeliveryResult::Delivered),
            Err(Refusal::AlreadyFinal {
                state: DeliveryFailed,
            }),
        ),
    ];
    for (name, setup, steps, then, expected) in cases {
        let mut world = setup.world();
        for step in &steps {
            if let Some(Err(refusal)) = world.apply(step) {
                panic!("{name}: {step:?} refused while setting up: {refusal}");
            }
        }
        let before = world.request.clone();
        let Some(result) = world.apply(&then) else {
            panic!("{name}: the step under test must be a transition");
        };
        assert_eq!(
            result.clone().map(|event| event.state_after()),
            expected,
            "{name}"
        );
        match expected {
            Ok(state) => assert_eq!(world.request.state(), state, "{name}"),
            Err(_) => assert_eq!(
                world.request, before,
                "{name}: a refusal changed the request"
            ),
        }
    }
}

#[test]
fn what_the_policy_alone_tells_about_new_requests() {
    let base = || policy_json(&[plain(7)]);
    let edit = |path: &[&str], value: Value| {
        let mut policy = base();
        let mut at = &mut policy;
        for key in path {
            at = &mut at[*key];
        }
        *at = value;
        policy
    };
    let administrators_only = || {
        let mut policy = base();
        policy["who_can_request"] = json!({ "type": "nobody" });
        policy["requester"]["on_behalf_of_direct_reports"] = json!(false);
        policy["lifecycle"]["extension"] = json!({ "type": "not_allowed" });
        policy
    };
    let disabled = || edit(&["enabled"], json!(false));
    let no_on_behalf = || edit(&["requester", "on_behalf_of_direct_reports"], json!(false));
    let fixed_dates = || edit(&["requester", "may_choose_dates"], json!(false));
    let no_extension = || {
        edit(
            &["lifecycle", "extension"],
            json!({ "type": "not_allowed" }),
        )
    };
    let free_extension = || {
        edit(
            &["lifecycle", "extension"],
            json!({ "type": "allowed", "approval_required": false }),
        )
    };
    let no_self_removal = || edit(&["lifecycle", "self_removal_allowed"], json!(false));
    let starting = |mut new: NewRequest| {
        new.start_at = Some(noon() + days(2));
        new
    };
    use NewRequestRefusal as No;
    use RequestKind::{AdminAdd, AdminRemove, UserAdd, UserExtend, UserRemove};
    type Case = (
        &'static str,
        Value,
        NewRequest,
        Result<usize, NewRequestRefusal>,
    );
    let cases: Vec<Case> = vec![
        (
            "access for oneself goes through every stage",
            base(),
            new_request(UserAdd, ADA, ADA),
            Ok(1),
        ),
        (
            "a manager asks for a report",
            base(),
            new_request(UserAdd, MANAGER, ADA),
            Ok(1),
        ),
        (
            "a disabled policy takes no request",
            disabled(),
            new_request(UserAdd, ADA, ADA),
            Err(No::PolicyDisabled),
        ),
        (
            "nor an administrator's assignment",
            disabled(),
            new_request(AdminAdd, MALLORY, ADA),
            Err(No::PolicyDisabled),
        ),
        (
            "an administrators-only policy takes no request",
            administrators_only(),
            new_request(UserAdd, ADA, ADA),
            Err(No::AdministratorsOnly),
        ),
        (
            "but an administrator's assignment",
            administrators_only(),
            new_request(AdminAdd, MALLORY, ADA),
            Ok(1),
        ),
        (
            "a manager asks only when the policy lets them",
            no_on_behalf(),
            new_request(UserAdd, MANAGER, ADA),
            Err(No::OnBehalfNotAllowed),
        ),
        (
            "a requester chooses a start when the policy lets them",
            base(),
            starting(new_request(UserAdd, ADA, ADA)),
            Ok(1),
        ),
        (
            "and only then",
            fixed_dates(),
            starting(new_request(UserAdd, ADA, ADA)),
            Err(No::StartNotAllowed),
        ),
        (
            "an administrator always may",
            fixed_dates(),
            starting(new_request(AdminAdd, MALLORY, ADA)),
            Ok(1),
        ),
        (
            "an extension requiring approval goes through every stage",
            base(),
            new_request(UserExtend, ADA, ADA),
            Ok(1),
        ),
        (
            "an extension without approval goes through none",
            free_extension(),
            new_request(UserExtend, ADA, ADA),
            Ok(0),
        ),
        (
            "an extension the policy does not allow",
            no_extension(),
            new_request(UserExtend, ADA, ADA),
            Err(No::ExtensionNotAllowed),
        ),
        (
            "an extension does not choose its start",
            base(),
            starting(new_request(UserExtend, ADA, ADA)),
            Err(No::StartNotAllowed),
        ),
        (
            "giving up one's access needs no approval",
            base(),
            new_request(UserRemove, ADA, ADA),
            Ok(0),
        ),
        (
            "even under a disabled policy",
            disabled(),
            new_request(UserRemove, ADA, ADA),
            Ok(0),
        ),
        (
            "unless the policy does not allow it",
            no_self_removal(),
            new_request(UserRemove, ADA, ADA),
            Err(No::SelfRemovalNotAllowed),
        ),
        (
            "a manager removes a report's access only when they may ask for them",
            no_on_behalf(),
            new_request(UserRemove, MANAGER, ADA),
            Err(No::OnBehalfNotAllowed),
        ),
        (
            "an administrator removes without approval",
            base(),
            new_request(AdminRemove, MALLORY, ADA),
            Ok(0),
        ),
        (
            "a removal has no start",
            base(),
            starting(new_request(AdminRemove, MALLORY, ADA)),
            Err(No::StartNotAllowed),
        ),
    ];
    for (name, policy, new, expected) in cases {
        let made = Request::new(new, &policy_from(policy), noon());
        assert_eq!(
            made.as_ref()
                .map(|request| request.stages().len())
                .map_err(|refusal| *refusal),
            expected,
            "{name}"
        );
        if let Ok(request) = made {
            assert_eq!(request.state(), Submitted, "{name}");
            assert_eq!(request.kind(), new.kind, "{name}");
        }
    }
}

#[test]
fn states_and_kinds_are_snake_case_on_the_wire_and_in_columns() {
    for state in RequestState::ALL {
        assert_eq!(
            serde_json::to_value(state).ok(),
            Some(json!(state.as_str()))
        );
        assert_eq!(RequestState::parse(state.as_str()), Some(state));
    }
    for kind in RequestKind::ALL {
        assert_eq!(serde_json::to_value(kind).ok(), Some(json!(kind.as_str())));
        assert_eq!(RequestKind::parse(kind.as_str()), Some(kind));
    }
    assert_eq!(RequestState::parse("pendingApproval"), None);
    assert_eq!(
        serde_json::to_value(RequestState::PartiallyDelivered).ok(),
        Some(json!("partially_delivered"))
    );
}

#[test]
fn a_request_is_over_once_delivered_denied_canceled_or_expired_and_cancelable_until_delivery() {
    let finals: Vec<RequestState> = RequestState::ALL
        .into_iter()
        .filter(|state| state.is_final())
        .collect();
    assert_eq!(
        finals,
        vec![
            Delivered,
            PartiallyDelivered,
            DeliveryFailed,
            Denied,
            Canceled,
            Expired
        ]
    );
    let cancelable: Vec<RequestState> = RequestState::ALL
        .into_iter()
        .filter(|state| state.is_cancelable())
        .collect();
    assert_eq!(
        cancelable,
        vec![Submitted, PendingApproval, RequestState::Waiting, Scheduled]
    );
}

#[test]
fn an_approval_event_says_who_decided_and_what_follows() {
    let mut world = Setup::stages(&[justified(7), plain(3)]).world();
    let _ = world.apply(&Step::Submit);
    let event = world.apply(&approve_saying_why(0, BOB));
    let json = event
        .and_then(Result::ok)
        .and_then(|event| serde_json::to_value(event).ok());
    assert_eq!(
        json,
        Some(json!({
            "type": "approved",
            "stage": 0,
            "decision": {
                "by": user(BOB),
                "verdict": "approve",
                "justification": "Needed for the quarterly audit",
                "at": "2026-03-02T12:00:00Z",
            },
            "next": {
                "type": "stage",
                "stage": 1,
                "approvers": [user(CAROL)],
                "used_fallback": false,
                "deadline_at": "2026-03-05T12:00:00Z",
            },
        }))
    );
}

#[test]
fn stages_keep_the_policy_timing_and_never_ask_the_target_or_the_requester() {
    let setup = Setup::stages(&[escalating(14, 8)]).on_behalf();
    let policy = policy_from(policy_json(&setup.stages));
    let mut world = setup.world();
    let _ = world.apply(&Step::Submit);
    let stage = &world.request.stages()[0];
    let planned = &policy.stages()[0];
    assert_eq!(stage.deadline_at(), Some(planned.deadline_at(noon())));
    assert_eq!(stage.escalates_at(), planned.escalation_at(noon()));
    assert!(!stage.approver_justification_required);
    assert_eq!(world.request.current_approvers(), users(&[BOB, ERIN]));
    let _ = world.apply(&Step::Wait(days(8)));
    let _ = world.apply(&Step::Escalate);
    assert_eq!(world.request.current_approvers(), users(&[BOB, DAN, ERIN]));
}

#[test]
fn next_due_says_when_time_alone_moves_a_request_on() {
    let due = |at, action| Some(Due { at, action });
    let mut world = Setup::stages(&[escalating(14, 8)])
        .starting_in(days(20))
        .world();
    assert_eq!(world.request.next_due(), due(noon(), DueAction::Submit));
    let _ = world.apply(&Step::Submit);
    assert_eq!(
        world.request.next_due(),
        due(noon() + days(8), DueAction::Escalate)
    );
    let _ = world.apply(&Step::Wait(days(9)));
    let _ = world.apply(&Step::Escalate);
    assert_eq!(
        world.request.next_due(),
        due(noon() + days(14), DueAction::TimeOut)
    );
    let _ = world.apply(&approve(0, DAN));
    assert_eq!(world.request.state(), Scheduled);
    assert_eq!(
        world.request.next_due(),
        due(noon() + days(20), DueAction::StartDelivery)
    );
    let _ = world.apply(&Step::Wait(days(11)));
    let _ = world.apply(&Step::StartDelivery);
    assert_eq!(world.request.state(), Delivering);
    assert_eq!(world.request.next_due(), None);
}

/// A delivered two-stage request's record, for the corruption cases to edit.
fn delivered_record() -> RequestRecord {
    let mut world = Setup::stages(&[plain(7), plain(7)]).world();
    for step in [
        Step::Submit,
        approve(0, BOB),
        approve(1, CAROL),
        Step::FinishDelivery(DeliveryResult::Delivered),
    ] {
        let _ = world.apply(&step);
    }
    assert_eq!(world.request.state(), Delivered);
    world.request.into()
}

#[test]
fn a_stored_request_reads_back_as_itself() {
    let mut world = Setup::stages(&[escalating(14, 8), plain(7)])
        .on_behalf()
        .world();
    for step in [
        Step::Submit,
        Step::Wait(days(8)),
        Step::Escalate,
        approve_saying_why(0, DAN),
    ] {
        let _ = world.apply(&step);
    }
    let stored = serde_json::to_string(&world.request).unwrap_or_default();
    let read: Result<Request, _> = serde_json::from_str(&stored);
    assert_eq!(read.ok(), Some(world.request));
    let record = delivered_record();
    assert_eq!(
        Request::try_from(record.clone()).map(RequestRecord::from),
        Ok(record)
    );
}

#[test]
fn a_cancellation_keeps_its_reason_in_the_stored_request_and_older_records_read_without_one() {
    let mut request = waiting_for(&[BOB]);
    let canceled = request.cancel(administrator(DAN), Some(reason()), noon() + days(1));
    let Ok(RequestEvent::Canceled { cancellation }) = canceled else {
        panic!("not canceled: {canceled:?}")
    };
    assert_eq!(cancellation.reason, Some(reason()));
    assert!(cancellation.as_administrator);
    let read = stored_again(&request);
    assert_eq!(
        read.cancellation().and_then(|c| c.reason.clone()),
        Some(reason())
    );

    // A record written before reasons were kept has no `reason` key.
    let mut record = serde_json::to_value(RequestRecord::from(request)).unwrap_or_default();
    if let Some(cancellation) = record["cancellation"].as_object_mut() {
        cancellation.remove("reason");
    }
    let older: Result<RequestRecord, _> = serde_json::from_value(record);
    let older = older.map(|record| record.cancellation.map(|c| (c.by, c.reason)));
    assert_eq!(older.ok(), Some(Some((user(DAN), None))));
}

#[test]
fn a_stored_request_that_no_transition_could_reach_is_refused() {
    type Corruption = (&'static str, fn(&mut RequestRecord));
    let corruptions: Vec<Corruption> = vec![
        ("delivered without the second approval", |record| {
            record.stages[1].decision = None
        }),
        ("approved by the target", |record| {
            if let Some(decision) = record.stages[0].decision.as_mut() {
                decision.by = record.target;
            }
        }),
        ("approved by someone not asked", |record| {
            if let Some(decision) = record.stages[0].decision.as_mut() {
                decision.by = user(MALLORY);
            }
        }),
        ("the requester among the approvers", |record| {
            record.stages[1].approvers.insert(record.requester);
        }),
        ("delivered after a denial", |record| {
            if let Some(decision) = record.stages[1].decision.as_mut() {
                decision.verdict = Verdict::Deny;
            }
        }),
        ("pending with every stage approved", |record| {
            record.state = PendingApproval;
            record.delivery_started_at = None;
            record.closed_at = None;
        }),
        ("delivered but never closed", |record| {
            record.closed_at = None
        }),
        ("a second stage started before the first", |record| {
            record.state = PendingApproval;
            record.delivery_started_at = None;
            record.closed_at = None;
            record.stages[0] = Stage {
                started_at: None,
                approvers: BTreeSet::new(),
                decision: None,
                ..record.stages[0].clone()
            };
        }),
        ("escalation approvers without an escalation", |record| {
            record.stages[0].escalation_approvers.insert(user(DAN));
        }),
        ("a fourth stage", |record| {
            let extra = record.stages[0].clone();
            record.stages.extend([extra.clone(), extra]);
        }),
        ("a removal with stages", |record| {
            record.kind = RequestKind::AdminRemove
        }),
    ];
    for (name, corrupt) in corruptions {
        let mut record = delivered_record();
        corrupt(&mut record);
        assert!(
            Request::try_from(record.clone()).is_err(),
            "{name} was accepted"
        );
        let json = serde_json::to_value(&record).unwrap_or_default();
        assert!(
            serde_json::from_value::<Request>(json).is_err(),
            "{name} deserialized"
        );
    }
}

fn any_person() -> impl Strategy<Value = u128> {
    1u128..=7
}

fn any_people() -> impl Strategy<Value = BTreeSet<UserId>> {
    proptest::collection::btree_set(any_person().prop_map(user), 0..5)
}

fn any_stage() -> impl Strategy<Value = StageSpec> {
    (1u8..=14, any::<bool>(), 0u8..14, any::<bool>()).prop_map(
        |(timeout_days, escalates, pick, justification)| StageSpec {
            timeout_days,
            escalate_after_days: escalation_days_allowed(timeout_days)
                .filter(|_| escalates)
                .map(|allowed| allowed.start() + pick % (allowed.end() - allowed.start() + 1)),
            justification,
        },
    )
}

fn any_setup() -> impl Strategy<Value = Setup> {
    (
        proptest::collection::vec(any_stage(), 0..=3),
        any_person(),
        any_person(),
        any::<bool>(),
        proptest::option::of((0i64..400).prop_map(TimeDelta::hours)),
        proptest::array::uniform3(any_people()),
        proptest::array::uniform3(any_people()),
    )
        .prop_map(
            |(stages, requester, target, by_administrator, start_in, approvers, escalation)| {
                Setup {
                    kind: if by_administrator {
                        RequestKind::AdminAdd
                    } else {
                        RequestKind::UserAdd
                    },
                    requester,
                    target,
                    start_in,
                    stages,
                    approvers,
                    escalation,
                }
            },
        )
}

fn any_step() -> impl Strategy<Value = Step> {
    let stage = || prop_oneof![Just(None), (0usize..4).prop_map(Some)];
    prop_oneof![
        5 => (stage(), any_person(), any::<bool>())
            .prop_map(|(stage, by, justified)| Step::Approve { stage, by, justified }),
        1 => (stage(), any_person(), any::<bool>())
            .prop_map(|(stage, by, justified)| Step::Deny { stage, by, justified }),
        2 => (0i64..=200).prop_map(|hours| Step::Wait(TimeDelta::hours(hours))),
        1 => Just(Step::Escalate),
        1 => Just(Step::TimeOut),
        1 => (any_person(), any::<bool>()).prop_map(|(who, administrator)| {
            Step::Cancel(if administrator {
                Actor::Administrator(user(who))
            } else {
                Actor::Person(user(who))
            })
        }),
        1 => Just(Step::StartDelivery),
        1 => prop_oneof![
            Just(DeliveryResult::Delivered),
            Just(DeliveryResult::PartiallyDelivered),
            Just(DeliveryResult::Failed),
        ]
        .prop_map(Step::FinishDelivery),
        1 => Just(Step::Submit),
    ]
}

fn approved_or_delivered(state: RequestState) -> bool {
    match state {
        Scheduled | Delivering | Delivered | PartiallyDelivered | DeliveryFailed => true,
        Submitted | PendingApproval | RequestState::Waiting | Denied | Canceled | Expired => false,
    }
}

/// Plays `steps` after a submission and checks, after each one, what must always hold.
fn play(setup: &Setup, steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut world = setup.world();
    let (requester, target) = (user(setup.requester), user(setup.target));
    let mut approvals: Vec<(usize, UserId)> = Vec::new();
    for step in std::iter::once(Step::Submit).chain(steps) {
        let before = world.request.clone();
        let current = before.current_stage().unwrap_or(0);
        // The checks that authorization runs ahead of a transition refuse what it refuses.
        let checked = match &step {
            Step::Approve { stage, by, .. } | Step::Deny { stage, by, .. } => {
                Some(before.check_decider(stage.unwrap_or(current), user(*by), world.now))
            }
            Step::Cancel(actor) => Some(before.check_canceler(*actor).map(|_| ())),
            _ => None,
        };
        let Some(result) = world.apply(&step) else {
            continue;
        };
        match (checked, &result) {
            (Some(Err(refusal)), result) => prop_assert_eq!(result, &Err(refusal)),
            (Some(Ok(())), Err(refusal)) => {
                prop_assert_eq!(refusal, &Refusal::JustificationRequired, "{:?}", step)
            }
            _ => {}
        }
        prop_assert_eq!(
            world.request.closing_reason().is_some(),
            matches!(
                world.request.state(),
                RequestState::Denied | RequestState::Expired | RequestState::Canceled
            )
        );
        match &result {
            Ok(event) => {
                prop_assert!(
                    !before.is_final(),
                    "{step:?} changed a final request: {event:?}"
                );
                prop_assert_eq!(event.state_after(), world.request.state());
                if let RequestEvent::Approved {
                    stage, decision, ..
                } = event
                {
                    approvals.push((*stage, decision.by));
                }
            }
            Err(_) => prop_assert_eq!(&world.request, &before, "refusing {:?} changed it", step),
        }
        let request = &world.request;
        if approved_or_delivered(request.state()) {
            let stages: Vec<usize> = approvals.iter().map(|(stage, _)| *stage).collect();
            prop_assert_eq!(stages, (0..setup.stages.len()).collect::<Vec<_>>());
            for (stage, by) in &approvals {
                prop_assert!(
                    *by != target && *by != requester,
                    "stage {stage} approved by {by}"
                );
                prop_assert!(
                    world.asked[*stage].contains(by),
                    "stage {stage} approved by {by}, who was never asked"
                );
                let recorded = request.stages()[*stage].decision.as_ref();
                prop_assert_eq!(recorded.map(|decision| decision.by), Some(*by));
            }
        }
        for stage in request.stages() {
            if let Some(decision) = &stage.decision {
                prop_assert!(decision.by != target && decision.by != requester);
            }
        }
        let stored = serde_json::to_value(request).unwrap_or_default();
        let read: Result<Request, _> = serde_json::from_value(stored);
        prop_assert_eq!(
            read.as_ref().ok(),
            Some(request),
            "{:?}",
            read.as_ref().err()
        );
    }
    Ok(())
}

/// Someone each stage asked, other than the target and the requester, once `setup` makes
/// sure there is one: the people it draws from, or an outsider added to every stage.
fn outside_approvers(setup: &mut Setup) -> Vec<u128> {
    let (requester, target) = (user(setup.requester), user(setup.target));
    let count = setup.stages.len();
    setup.approvers[..count]
        .iter_mut()
        .enumerate()
        .map(|(stage, asked)| {
            let outsider = 10 + stage as u128;
            asked.insert(user(outsider));
            asked
                .iter()
                .find(|person| **person != requester && **person != target)
                .map_or(outsider, |person| person.as_uuid().as_u128())
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// Arbitrary events by arbitrary people (the target and the requester included): the
    /// request is never approved or delivered without exactly one approval per stage, in
    /// order, each by someone that stage asked who is neither the target nor the requester;
    /// a final request never changes; a refusal changes nothing; every state reads back
    /// from storage as itself.
    #[test]
    fn no_path_delivers_without_one_approval_per_stage_by_someone_asked_other_than_the_target(
        setup in any_setup(),
        steps in proptest::collection::vec(any_step(), 0..40),
    ) {
        play(&setup, steps)?;
    }

    #[test]
    fn a_request_is_delivered_when_each_stage_in_turn_is_approved_by_someone_it_asked(
        mut setup in any_setup(),
    ) {
        let deciders = outside_approvers(&mut setup);
        let mut world = setup.world();
        let _ = world.apply(&Step::Submit);
        for (stage, by) in deciders.into_iter().enumerate() {
            let approved = world.apply(&approve_saying_why(stage, by));
            prop_assert!(matches!(approved, Some(Ok(_))), "stage {}: {:?}", stage, approved);
        }
        let _ = world.apply(&Step::Wait(TimeDelta::hours(400)));
        let _ = world.apply(&Step::StartDelivery);
        prop_assert_eq!(world.request.state(), Delivering);
        let finished = world.apply(&Step::FinishDelivery(DeliveryResult::Delivered));
        prop_assert!(matches!(finished, Some(Ok(_))));
        prop_assert_eq!(world.request.state(), Delivered);
    }
}

#[test]
fn a_request_concerns_its_target_and_a_requester_who_asked_for_someone_else() {
    let own = Setup::stages(&[plain(7)]).world().request;
    assert_eq!(own.concerned(), vec![user(ADA)]);
    let for_report = Setup::stages(&[plain(7)]).on_behalf().world().request;
    assert_eq!(for_report.concerned(), vec![user(ADA), user(MANAGER)]);
}

#[test]
fn every_state_has_its_own_words() {
    let words: BTreeSet<&str> = RequestState::ALL.iter().map(|s| s.describe()).collect();
    assert_eq!(words.len(), RequestState::ALL.len());
}

/// A request for Ada waiting in its first stage for `first`.
fn waiting_for(first: &[u128]) -> Request {
    let mut request = Setup::stages(&[plain(14)]).world().request;
    let resolved = ResolvedApprovers {
        approvers: users(first),
        used_fallback: false,
    };
    match request.submit(noon(), |_| resolved) {
        Ok(_) => request,
        Err(refusal) => panic!("test submission refused: {refusal}"),
    }
}

fn fallback_of(people: &[u128]) -> impl FnOnce(usize) -> ResolvedApprovers {
    let approvers = users(people);
    move |_| ResolvedApprovers {
        approvers,
        used_fallback: true,
    }
}

/// The request reads back from its stored form, as storage reads it.
fn stored_again(request: &Request) -> Request {
    match Request::try_from(RequestRecord::from(request.clone())) {
        Ok(read) => read,
        Err(err) => panic!("the rerouted request does not read back: {err}"),
    }
}

#[test]
fn a_leaving_approver_leaves_the_stage_to_the_others_still_asked() {
    let mut request = waiting_for(&[BOB, ERIN]);
    let event = request.reroute(user(BOB), None, noon(), |_| panic!("no fallback needed"));
    assert_eq!(
        event,
        Ok(RequestEvent::Rerouted {
            stage: 0,
            removed: user(BOB),
            added: BTreeSet::new(),
            used_fallback: false,
        })
    );
    assert_eq!(request.current_approvers(), users(&[ERIN]));
    assert_eq!(
        stored_again(&request).check_decider(0, user(BOB), noon()),
        Err(Refusal::NotAnApprover)
    );
    assert_eq!(request.check_decider(0, user(ERIN), noon()), Ok(()));
}

#[test]
fn the_last_approver_leaving_hands_the_stage_to_the_fallback_but_never_to_ada() {
    let mut request = waiting_for(&[BOB]);
    let event = request.reroute(user(BOB), None, noon(), fallback_of(&[CAROL, ADA]));
    assert_eq!(
        event,
        Ok(RequestEvent::Rerouted {
            stage: 0,
            removed: user(BOB),
            added: users(&[CAROL]),
            used_fallback: true,
        })
    );
    assert_eq!(stored_again(&request).current_approvers(), users(&[CAROL]));
    assert!(request.stages()[0].used_fallback);
}

#[test]
fn nobody_left_to_decide_denies_the_request_as_a_stage_starting_with_nobody_does() {
    let mut request = waiting_for(&[BOB]);
    let event = request.reroute(user(BOB), None, noon(), fallback_of(&[]));
    assert_eq!(
        event,
        Ok(RequestEvent::NoApproverLeft {
            stage: 0,
            removed: user(BOB),
        })
    );
    assert_eq!(request.state(), RequestState::Denied);
    assert_eq!(stored_again(&request).state(), RequestState::Denied);
    assert_eq!(
        request.closing_reason(),
        Some("Nobody could approve a stage of this request, so it was denied.")
    );
}

#[test]
fn a_new_manager_takes_the_place_of_the_old_one() {
    let mut request = waiting_for(&[MANAGER, ERIN]);
    let event = request.reroute(user(MANAGER), Some(user(CAROL)), noon(), |_| {
        panic!("no fallback needed")
    });
    assert_eq!(
        event,
        Ok(RequestEvent::Rerouted {
            stage: 0,
            removed: user(MANAGER),
            added: users(&[CAROL]),
            used_fallback: false,
        })
    );
    assert_eq!(
        stored_again(&request).current_approvers(),
        users(&[CAROL, ERIN])
    );
}

#[test]
fn a_replacement_who_is_the_target_is_not_asked_and_only_someone_asked_is_rerouted() {
    let mut request = waiting_for(&[MANAGER]);
    assert_eq!(
        request.reroute(
            user(MALLORY),
            Some(user(CAROL)),
            noon(),
            fallback_of(&[DAN])
        ),
        Err(Refusal::NotAnApprover)
    );
    let event = request.reroute(user(MANAGER), Some(user(ADA)), noon(), fallback_of(&[DAN]));
    assert_eq!(
        event,
        Ok(RequestEvent::Rerouted {
            stage: 0,
            removed: user(MANAGER),
            added: users(&[DAN]),
            used_fallback: true,
        })
    );
    assert_eq!(stored_again(&request).current_approvers(), users(&[DAN]));
}
