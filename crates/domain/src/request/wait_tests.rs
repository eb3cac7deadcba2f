//! Waits for launch-and-wait custom extensions, one table row per path through them.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use serde_json::{Value, json};

use super::*;
use crate::policy::{PolicyDefinition, ResolvedApprovers, validate};

fn user(n: u128) -> UserId {
    UserId::from_uuid(uuid::Uuid::from_u128(n))
}

const ADA: u128 = 1;
const BOB: u128 = 2;

fn noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 12, 0, 0)
        .single()
        .unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// A policy with `stages` one-day approval stages and these extensions.
fn policy(stages: usize, extensions: Value) -> ValidPolicy {
    let stage = json!({
        "primary_approvers": [{ "type": "user", "user_id": user(BOB) }],
        "timeout_days": 1,
    });
    let approval = if stages == 0 {
        json!({ "type": "none" })
    } else {
        json!({ "type": "required", "stages": vec![stage; stages] })
    };
    let definition: PolicyDefinition = match serde_json::from_value(json!({
        "name": "Extended",
        "who_can_request": { "type": "all_members" },
        "approval": approval,
        "lifecycle": { "expiry": { "type": "never" } },
        "custom_extensions": extensions,
    })) {
        Ok(definition) => definition,
        Err(error) => panic!("test policy does not deserialize: {error}"),
    };
    match validate(&definition) {
        Ok(policy) => policy,
        Err(errors) => panic!("test policy refused: {errors:#?}"),
    }
}

fn wait_at(stage: &str, name: &str, outcome: &str) -> Value {
    json!({
        "name": name, "stage": stage, "url": "https://hooks.example.org/x",
        "mode": "launch_and_wait", "timeout_seconds": 60, "timeout_outcome": outcome,
    })
}

fn request(kind: RequestKind, policy: &ValidPolicy) -> Request {
    let new = NewRequest {
        id: RequestId::from_uuid(uuid::Uuid::from_u128(0xaaa)),
        access_package_id: AccessPackageId::from_uuid(uuid::Uuid::from_u128(0xbbb)),
        policy_id: PolicyId::from_uuid(uuid::Uuid::from_u128(0xccc)),
        kind,
        requester: user(ADA),
        target: user(ADA),
        start_at: None,
    };
    match Request::new(new, policy, noon()) {
        Ok(request) => request,
        Err(refusal) => panic!("refused: {refusal}"),
    }
}

fn bob(_: usize) -> ResolvedApprovers {
    ResolvedApprovers {
        approvers: [user(BOB)].into_iter().collect(),
        used_fallback: false,
    }
}

#[derive(Clone, Copy, Debug)]
enum Step {
    Submit,
    Approve,
    Answer(ExtensionOutcome),
    /// Seconds after noon.
    TimeOutAt(i64),
    AnswerAt(ExtensionOutcome, i64),
    Cancel,
}

/// Runs `steps`, returning the state after each, or the refusal.
fn run(request: &mut Request, steps: &[Step]) -> Vec<Result<RequestState, Refusal>> {
    let mut seen = Vec::new();
    for step in steps {
        let at = |seconds: i64| noon() + TimeDelta::seconds(seconds);
        let event = match *step {
            Step::Submit => request.submit(noon(), bob),
            Step::Approve => {
                let stage = request.current_stage().unwrap_or_default();
                request.approve(stage, user(BOB), None, at(1), bob)
            }
            Step::Answer(outcome) => {
                request.answer_wait(outcome, Some("checked".into()), at(2), bob)
            }
            Step::AnswerAt(outcome, seconds) => {
                request.answer_wait(outcome, None, at(seconds), bob)
            }
            Step::TimeOutAt(seconds) => request.time_out_wait(at(seconds), bob),
            Step::Cancel => request.cancel(Actor::Person(user(ADA)), None, at(3)),
        };
        seen.push(event.map(|event| {
            assert_eq!(event.state_after(), request.state(), "{step:?}");
            request.state()
        }));
        // Every state a transition reaches is one storage accepts back.
        assert!(
            Request::try_from(RequestRecord::from(request.clone())).is_ok(),
            "{step:?} left a record storage refuses: {request:#?}"
        );
    }
    seen
}

use ExtensionOutcome::{Continue, Deny};
use RequestState::{Canceled, Delivering, Denied, PendingApproval, Waiting};

#[test]
fn waits_follow_the_table() {
    let created = || wait_at("request_created", "Ticket", "deny");
    let approved = || wait_at("request_approved", "HR check", "continue");
    #[allow(clippy::type_complexity)]
    let table: Vec<(
        &str,
        usize,
        Value,
        Vec<Step>,
        Vec<Result<RequestState, Refusal>>,
    )> = vec![
        (
            "no extension: straight to approval",
            1,
            json!([]),
            vec![Step::Submit],
            vec![Ok(PendingApproval)],
        ),
        (
            "created wait, continue: approval starts",
            1,
            json!([created()]),
            vec![Step::Submit, Step::Answer(Continue), Step::Approve],
            vec![Ok(Waiting), Ok(PendingApproval), Ok(Delivering)],
        ),
        (
            "created wait, deny: denied, and a second answer is refused",
            1,
            json!([created()]),
            vec![Step::Submit, Step::Answer(Deny), Step::Answer(Continue)],
            vec![
                Ok(Waiting),
                Ok(Denied),
                Err(Refusal::AlreadyFinal { state: Denied }),
            ],
        ),
        (
            "no approval while waiting",
            1,
            json!([created()]),
            vec![Step::Submit, Step::Approve],
            vec![Ok(Waiting), Err(Refusal::NotPending { state: Waiting })],
        ),
        (
            "approved wait after the last stage: delivery waits for it",
            2,
            json!([approved()]),
            vec![
                Step::Submit,
                Step::Approve,
                Step::Approve,
                Step::Answer(Continue),
            ],
            vec![
                Ok(PendingApproval),
                Ok(PendingApproval),
                Ok(Waiting),
                Ok(Delivering),
            ],
        ),
        (
            "both waits without approval stages",
            0,
            json!([created(), approved()]),
            vec![Step::Submit, Step::Answer(Continue), Step::Answer(Continue)],
            vec![Ok(Waiting), Ok(Waiting), Ok(Delivering)],
        ),
        (
            "timeout too early is refused, then applies the deny outcome",
            1,
            json!([created()]),
            vec![Step::Submit, Step::TimeOutAt(59), Step::TimeOutAt(60)],
            vec![
                Ok(Waiting),
                Err(Refusal::NotYetDue {
                    due_at: noon() + TimeDelta::seconds(60),
                }),
                Ok(Denied),
            ],
        ),
        (
            "timeout with continue goes on to delivery",
            0,
            json!([approved()]),
            vec![Step::Submit, Step::TimeOutAt(60)],
            vec![Ok(Waiting), Ok(Delivering)],
        ),
        (
            "an answer after the timeout is refused",
            0,
            json!([approved()]),
            vec![Step::Submit, Step::AnswerAt(Deny, 60)],
            vec![
                Ok(Waiting),
                Err(Refusal::WaitTimedOut {
                    until: noon() + TimeDelta::seconds(60),
                }),
            ],
        ),
        (
            "a waiting request can be canceled; answers then find it over",
            1,
            json!([created()]),
            vec![Step::Submit, Step::Cancel, Step::Answer(Continue)],
            vec![
                Ok(Waiting),
                Ok(Canceled),
                Err(Refusal::AlreadyFinal { state: Canceled }),
            ],
        ),
        (
            "answering a request that does not wait is refused",
            1,
            json!([]),
            vec![Step::Submit, Step::Answer(Continue)],
            vec![
                Ok(PendingApproval),
                Err(Refusal::NotWaiting {
                    state: PendingApproval,
                }),
            ],
        ),
    ];
    for (name, stages, extensions, steps, expected) in table {
        let policy = policy(stages, extensions);
        let mut request = request(RequestKind::UserAdd, &policy);
        assert_eq!(run(&mut request, &steps), expected, "{name}");
    }
}

#[test]
fn the_due_time_of_a_wait_is_its_timeout() {
    let policy = policy(1, json!([wait_at("request_created", "Ticket", "deny")]));
    let mut request = request(RequestKind::UserAdd, &policy);
    let _ = run(&mut request, &[Step::Submit]);
    assert_eq!(
        request.next_due(),
        Some(Due {
            at: noon() + TimeDelta::seconds(60),
            action: DueAction::TimeOutWait,
        })
    );
    assert_eq!(
        request.current_wait().map(|wait| wait.extension.as_str()),
        Some("Ticket")
    );
    assert!(request.current_approvers().is_empty());
}

#[test]
fn removals_never_wait() {
    let policy = policy(0, json!([wait_at("request_created", "Ticket", "deny")]));
    let mut request = request(RequestKind::AdminRemove, &policy);
    assert!(request.waits().is_empty());
    let event = request.submit(noon(), bob);
    assert!(matches!(
        event,
        Ok(RequestEvent::Submitted {
            next: Next::Delivering
        })
    ));
    if let Ok(event) = event {
        assert!(
            event
                .extension_stages_reached(RequestKind::AdminRemove)
                .is_empty()
        );
    }
}

#[test]
fn the_stages_reached_name_when_continue_extensions_are_called() {
    use ExtensionStage::{RequestApproved, RequestCreated};
    let policy = policy(1, json!([wait_at("request_created", "Ticket", "deny")]));
    let mut request = request(RequestKind::UserAdd, &policy);
    let reached = |event: &RequestEvent| event.extension_stages_reached(RequestKind::UserAdd);
    let Ok(submitted) = request.submit(noon(), bob) else {
        panic!("submit refused")
    };
    assert_eq!(reached(&submitted), vec![RequestCreated]);
    assert_eq!(
        submitted.began_waiting(),
        Some(("Ticket", ExtensionStage::RequestCreated))
    );
    let Ok(answered) = request.answer_wait(Continue, None, noon(), bob) else {
        panic!("answer refused")
    };
    assert!(reached(&answered).is_empty(), "approval has just started");
    let Ok(approved) = request.approve(0, user(BOB), None, noon(), bob) else {
        panic!("approval refused")
    };
    assert_eq!(reached(&approved), vec![RequestApproved]);
    assert_eq!(approved.began_waiting(), None);
}

#[test]
fn storage_refuses_delivery_past_an_unanswered_wait() {
    let policy = policy(0, json!([wait_at("request_approved", "HR check", "deny")]));
    let mut request = request(RequestKind::UserAdd, &policy);
    let _ = run(&mut request, &[Step::Submit]);
    let mut record = RequestRecord::from(request);
    record.state = RequestState::Delivering;
    record.delivery_started_at = Some(noon());
    assert!(Request::try_from(record).is_err());
}

#[test]
fn messages_are_trimmed_and_bounded() {
    assert_eq!(clean_message(Some("  ok  ")), Ok(Some("ok".into())));
    assert_eq!(clean_message(Some("   ")), Ok(None));
    assert!(clean_message(Some(&"x".repeat(1001))).is_err());
    assert!(clean_message(Some("bell\u{7}")).is_err());
}
