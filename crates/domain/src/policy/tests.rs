//! Validation tests: one row per rule, each naming the exact paths it must report, and property
//! tests for the rules with numbers in them.

use chrono::{TimeZone, Utc};
use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;

const U1: &str = "00000000-0000-0000-0000-000000000001";
const U2: &str = "00000000-0000-0000-0000-000000000002";
const U3: &str = "00000000-0000-0000-0000-000000000003";
const G1: &str = "00000000-0000-0000-0000-0000000000a1";
const G2: &str = "00000000-0000-0000-0000-0000000000a2";
const G3: &str = "00000000-0000-0000-0000-0000000000a3";

/// A policy using every feature, valid as it stands.
pub(crate) fn base() -> Value {
    json!({
        "name": "Engineering requests",
        "description": "For engineers.\nAsk your manager first.",
        "who_can_request": { "type": "specific_users_and_groups", "users": [U1], "groups": [G1] },
        "approval": { "type": "required", "stages": [
            {
                "primary_approvers": [{ "type": "manager" }],
                "fallback_approvers": [{ "type": "user", "user_id": U2 }],
                "timeout_days": 14,
                "escalation": {
                    "after_days": 8,
                    "approvers": [{ "type": "group_members", "group_id": G2 }]
                },
                "approver_justification_required": true
            },
            {
                "primary_approvers": [{ "type": "group_owners", "group_id": G3 }],
                "timeout_days": 7
            }
        ]},
        "requester": {
            "justification_required": true,
            "questions": [
                { "type": "short_text", "id": "cost_center", "text": "Cost centre?", "required": true,
                  "regex": "[0-9]{4}" },
                { "type": "single_choice", "id": "site", "text": "Which site?", "required": true,
                  "choices": ["Paris", "Oslo"] },
                { "type": "multiple_choice", "id": "tools", "text": "Which tools?",
                  "choices": ["git", "ci", "wiki"] },
                { "type": "long_text", "id": "notes", "text": "Anything else?" }
            ],
            "may_choose_dates": true,
            "on_behalf_of_direct_reports": true
        },
        "lifecycle": {
            "expiry": { "type": "after_days", "days": 365 },
            "extension": { "type": "allowed", "approval_required": true },
            "self_removal_allowed": true
        }
    })
}

/// Sets (or with `None` removes) the value at a JSON pointer; `-` appends to an array.
pub(crate) fn patch(mut value: Value, edits: &[(&str, Option<Value>)]) -> Value {
    for (pointer, new) in edits {
        let (parent, key) = match pointer.rsplit_once('/') {
            Some(split) => split,
            None => panic!("bad pointer {pointer}"),
        };
        let Some(target) = value.pointer_mut(parent) else {
            panic!("no {parent} in the test policy");
        };
        match (target, new) {
            (Value::Object(map), Some(new)) => {
                map.insert(key.to_string(), new.clone());
            }
            (Value::Object(map), None) => {
                map.remove(key);
            }
            (Value::Array(items), Some(new)) if key == "-" => items.push(new.clone()),
            (Value::Array(items), Some(new)) => match key.parse::<usize>() {
                Ok(index) if index < items.len() => items[index] = new.clone(),
                _ => panic!("bad index in {pointer}"),
            },
            (Value::Array(items), None) => match key.parse::<usize>() {
                Ok(index) if index < items.len() => {
                    items.remove(index);
                }
                _ => panic!("bad index in {pointer}"),
            },
            (other, _) => panic!("{parent} is not a container: {other}"),
        }
    }
    value
}

fn definition(value: Value) -> PolicyDefinition {
    match serde_json::from_value(value) {
        Ok(definition) => definition,
        Err(error) => panic!("test policy does not deserialize: {error}"),
    }
}

fn fields(result: Result<ValidPolicy, Vec<FieldError>>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|error| error.field).collect(),
    }
}

pub(crate) fn valid(value: Value) -> ValidPolicy {
    match validate(&definition(value)) {
        Ok(policy) => policy,
        Err(errors) => panic!("refused: {errors:#?}"),
    }
}

fn users(count: u128) -> Value {
    Value::Array(
        (0..count)
            .map(|n| json!(uuid::Uuid::from_u128(0x1000 + n).to_string()))
            .collect(),
    )
}

fn user_approvers(count: u128) -> Value {
    Value::Array(
        (0..count)
            .map(|n| json!({ "type": "user", "user_id": uuid::Uuid::from_u128(0x2000 + n).to_string() }))
            .collect(),
    )
}

fn stage_of(user: &str) -> Value {
    json!({ "primary_approvers": [{ "type": "user", "user_id": user }], "timeout_days": 3 })
}

fn question(n: usize) -> Value {
    json!({ "type": "short_text", "id": format!("q{n}"), "text": format!("Question {n}?") })
}

fn choices(count: usize) -> Value {
    Value::Array((0..count).map(|n| json!(format!("Choice {n}"))).collect())
}

type Edits = Vec<(&'static str, Option<Value>)>;

fn set(pointer: &'static str, value: Value) -> (&'static str, Option<Value>) {
    (pointer, Some(value))
}

fn remove(pointer: &'static str) -> (&'static str, Option<Value>) {
    (pointer, None)
}

/// Policies that must be refused, with exactly the paths reported.
fn refused_cases() -> Vec<(&'static str, Edits, Vec<&'static str>)> {
    vec![
        (
            "a blank name",
            vec![set("/name", json!("   "))],
            vec!["name"],
        ),
        (
            "a name of 101 characters",
            vec![set("/name", json!("n".repeat(101)))],
            vec!["name"],
        ),
        (
            "a name on two lines",
            vec![set("/name", json!("two\nlines"))],
            vec!["name"],
        ),
        (
            "a description of 1001 characters",
            vec![set("/description", json!("d".repeat(1001)))],
            vec!["description"],
        ),
        (
            "specific requesters naming nobody",
            vec![set(
                "/who_can_request",
                json!({ "type": "specific_users_and_groups" }),
            )],
            vec!["who_can_request"],
        ),
        (
            "501 specific requesters",
            vec![
                set("/who_can_request/users", users(500)),
                set("/who_can_request/groups", json!([G1])),
            ],
            vec!["who_can_request"],
        ),
        (
            "a requester listed twice",
            vec![set("/who_can_request/users", json!([U1, U2, U1]))],
            vec!["who_can_request.users[2]"],
        ),
        (
            "a requesting group listed twice",
            vec![set("/who_can_request/groups", json!([G1, G1]))],
            vec!["who_can_request.groups[1]"],
        ),
        (
            "approval required with no stage",
            vec![set("/approval/stages", json!([]))],
            vec!["approval.stages"],
        ),
        (
            "four stages",
            vec![
                set("/approval/stages/-", stage_of(U1)),
                set("/approval/stages/-", stage_of(U2)),
            ],
            vec!["approval.stages"],
        ),
        (
            "a stage without approvers",
            vec![set("/approval/stages/1/primary_approvers", json!([]))],
            vec!["approval.stages[1].primary_approvers"],
        ),
        (
            "26 primary approvers",
            vec![set(
                "/approval/stages/1/primary_approvers",
                user_approvers(26),
            )],
            vec!["approval.stages[1].primary_approvers"],
        ),
        (
            "the same group's owners twice in a stage",
            vec![set(
                "/approval/stages/1/primary_approvers/-",
                json!({ "type": "group_owners", "group_id": G3 }),
            )],
            vec!["approval.stages[1].primary_approvers[1]"],
        ),
        (
            "the manager without fallback approvers",
            vec![remove("/approval/stages/0/fallback_approvers")],
            vec!["approval.stages[0].fallback_approvers"],
        ),
        (
            "sponsors without fallback approvers",
            vec![set(
                "/approval/stages/1/primary_approvers",
                json!([{ "type": "sponsors" }]),
            )],
            vec!["approval.stages[1].fallback_approvers"],
        ),
        (
            "the manager as a fallback approver",
            vec![set(
                "/approval/stages/0/fallback_approvers",
                json!([{ "type": "manager", "level": 2 }]),
            )],
            vec!["approval.stages[0].fallback_approvers[0]"],
        ),
        (
            "a fallback approver who is already a primary approver",
            vec![set(
                "/approval/stages/1/fallback_approvers",
                json!([{ "type": "group_owners", "group_id": G3 }]),
            )],
            vec!["approval.stages[1].fallback_approvers[0]"],
        ),
        (
            "a fallback approver listed twice",
            vec![set(
                "/approval/stages/0/fallback_approvers/-",
                json!({ "type": "user", "user_id": U2 }),
            )],
            vec!["approval.stages[0].fallback_approvers[1]"],
        ),
        (
            "a timeout of 0 days",
            vec![set("/approval/stages/0/timeout_days", json!(0))],
            vec!["approval.stages[0].timeout_days"],
        ),
        (
            "a timeout of 15 days",
            vec![set("/approval/stages/0/timeout_days", json!(15))],
            vec!["approval.stages[0].timeout_days"],
        ),
        (
            "escalation with a 3-day timeout",
            vec![
                set("/approval/stages/0/timeout_days", json!(3)),
                set("/approval/stages/0/escalation/after_days", json!(2)),
            ],
            vec!["approval.stages[0].escalation"],
        ),
        (
            "escalation before half the timeout plus a day",
            vec![set("/approval/stages/0/escalation/after_days", json!(7))],
            vec!["approval.stages[0].escalation.after_days"],
        ),
        (
            "escalation on the last day",
            vec![set("/approval/stages/0/escalation/after_days", json!(14))],
            vec!["approval.stages[0].escalation.after_days"],
        ),
        (
            "escalation to nobody",
            vec![set("/approval/stages/0/escalation/approvers", json!([]))],
            vec!["approval.stages[0].escalation.approvers"],
        ),
        (
            "escalation to a primary approver",
            vec![set(
                "/approval/stages/0/escalation/approvers",
                json!([{ "type": "manager" }]),
            )],
            vec![
                "approval.stages[0].escalation.approvers[0]",
                "approval.stages[0].escalation.fallback_approvers",
            ],
        ),
        (
            "escalation to sponsors without fallback",
            vec![set(
                "/approval/stages/0/escalation/approvers",
                json!([{ "type": "sponsors" }]),
            )],
            vec!["approval.stages[0].escalation.fallback_approvers"],
        ),
        (
            "the manager deciding two stages",
            vec![
                set(
                    "/approval/stages/1/primary_approvers",
                    json!([{ "type": "manager", "level": 1 }]),
                ),
                set(
                    "/approval/stages/1/fallback_approvers",
                    json!([{ "type": "user", "user_id": U3 }]),
                ),
            ],
            vec!["approval.stages[1].primary_approvers[0]"],
        ),
        (
            "the sponsors deciding two stages",
            vec![
                set(
                    "/approval/stages/0/primary_approvers",
                    json!([{ "type": "sponsors" }]),
                ),
                set(
                    "/approval/stages/1/primary_approvers",
                    json!([{ "type": "sponsors" }]),
                ),
                set(
                    "/approval/stages/1/fallback_approvers",
                    json!([{ "type": "user", "user_id": U3 }]),
                ),
            ],
            vec!["approval.stages[1].primary_approvers[0]"],
        ),
        (
            "on-behalf requests when nobody may request",
            vec![
                set("/who_can_request", json!({ "type": "nobody" })),
                set("/lifecycle/extension", json!({ "type": "not_allowed" })),
            ],
            vec!["requester.on_behalf_of_direct_reports"],
        ),
        (
            "extension when nobody may request",
            vec![
                set("/who_can_request", json!({ "type": "nobody" })),
                set("/requester/on_behalf_of_direct_reports", json!(false)),
            ],
            vec!["lifecycle.extension"],
        ),
        (
            "extension of access that never expires",
            vec![set("/lifecycle/expiry", json!({ "type": "never" }))],
            vec!["lifecycle.extension"],
        ),
        (
            "extension of access ending on a fixed date nobody can end earlier",
            vec![
                set(
                    "/lifecycle/expiry",
                    json!({ "type": "on_date", "at": "2030-01-01T00:00:00Z" }),
                ),
                set("/requester/may_choose_dates", json!(false)),
            ],
            vec!["lifecycle.extension"],
        ),
        (
            "extension approval without approval stages",
            vec![set("/approval", json!({ "type": "none" }))],
            vec!["lifecycle.extension.approval_required"],
        ),
        (
            "21 questions",
            vec![set(
                "/requester/questions",
                Value::Array((0..21).map(question).collect()),
            )],
            vec!["requester.questions"],
        ),
        (
            "two questions with one id",
            vec![set("/requester/questions/1/id", json!("cost_center"))],
            vec!["requester.questions[1].id"],
        ),
        (
            "two questions asking the same, in different case",
            vec![set("/requester/questions/3/text", json!("  cost CENTRE? "))],
            vec!["requester.questions[3].text"],
        ),
        (
            "a question id with spaces and capitals",
            vec![set("/requester/questions/0/id", json!("Cost Center"))],
            vec!["requester.questions[0].id"],
        ),
        (
            "a question without text",
            vec![set("/requester/questions/2/text", json!(""))],
            vec!["requester.questions[2].text"],
        ),
        (
            "a question of 501 characters",
            vec![set("/requester/questions/2/text", json!("q".repeat(501)))],
            vec!["requester.questions[2].text"],
        ),
        (
            "a choice question with one choice",
            vec![set("/requester/questions/1/choices", json!(["Paris"]))],
            vec!["requester.questions[1].choices"],
        ),
        (
            "a choice question with 31 choices",
            vec![set("/requester/questions/2/choices", choices(31))],
            vec!["requester.questions[2].choices"],
        ),
        (
            "the same choice twice, in different case",
            vec![set(
                "/requester/questions/1/choices",
                json!(["Paris", " paris", "Oslo"]),
            )],
            vec!["requester.questions[1].choices[1]"],
        ),
        (
            "a blank choice",
            vec![set("/requester/questions/2/choices/1", json!(" "))],
            vec!["requester.questions[2].choices[1]"],
        ),
        (
            "a choice of 201 characters",
            vec![set(
                "/requester/questions/2/choices/1",
                json!("c".repeat(201)),
            )],
            vec!["requester.questions[2].choices[1]"],
        ),
        (
            "a pattern that does not compile",
            vec![set("/requester/questions/0/regex", json!("([0-9]"))],
            vec!["requester.questions[0].regex"],
        ),
        (
            "a pattern that only compiles once wrapped",
            vec![set("/requester/questions/3/regex", json!("a)|(b"))],
            vec!["requester.questions[3].regex"],
        ),
        (
            "an empty pattern",
            vec![set("/requester/questions/0/regex", json!(""))],
            vec!["requester.questions[0].regex"],
        ),
        (
            "a pattern of 501 characters",
            vec![set("/requester/questions/0/regex", json!("a".repeat(501)))],
            vec!["requester.questions[0].regex"],
        ),
        (
            "a hint without a pattern",
            vec![set("/requester/questions/3/hint", json!("Say more"))],
            vec!["requester.questions[3].hint"],
        ),
        (
            "an example without a pattern",
            vec![set("/requester/questions/3/example", json!("More"))],
            vec!["requester.questions[3].example"],
        ),
        (
            "a blank hint",
            vec![set("/requester/questions/0/hint", json!("  "))],
            vec!["requester.questions[0].hint"],
        ),
        (
            "a hint of 201 characters",
            vec![set("/requester/questions/0/hint", json!("h".repeat(201)))],
            vec!["requester.questions[0].hint"],
        ),
        (
            "an example the pattern refuses",
            vec![set("/requester/questions/0/example", json!("12a4"))],
            vec!["requester.questions[0].example"],
        ),
        (
            "expiry after 3661 days",
            vec![set("/lifecycle/expiry/days", json!(3661))],
            vec!["lifecycle.expiry.days"],
        ),
        (
            "expiry after 0 hours",
            vec![set(
                "/lifecycle/expiry",
                json!({ "type": "after_hours", "hours": 0 }),
            )],
            vec!["lifecycle.expiry.hours"],
        ),
        (
            "expiry after 8785 hours",
            vec![set(
                "/lifecycle/expiry",
                json!({ "type": "after_hours", "hours": 8785 }),
            )],
            vec!["lifecycle.expiry.hours"],
        ),
        (
            "several problems at once",
            vec![
                set("/name", json!("")),
                set("/approval/stages/1/timeout_days", json!(0)),
                set("/requester/questions/1/choices", json!([])),
                set("/lifecycle/expiry/days", json!(99999)),
            ],
            vec![
                "name",
                "approval.stages[1].timeout_days",
                "requester.questions[1].choices",
                "lifecycle.expiry.days",
            ],
        ),
    ]
}

#[test]
fn every_refusal_names_exactly_the_fields_at_fault() {
    for (name, edits, expected) in refused_cases() {
        let got = fields(validate(&definition(patch(base(), &edits))));
        assert_eq!(got, expected, "{name}");
    }
}

/// Policies that must be accepted.
fn accepted_cases() -> Vec<(&'static str, Edits)> {
    vec![
        ("the policy using every feature", vec![]),
        (
            "all members",
            vec![set("/who_can_request", json!({ "type": "all_members" }))],
        ),
        (
            "all users",
            vec![set("/who_can_request", json!({ "type": "all_users" }))],
        ),
        (
            "nobody, for direct assignment with approval and questions",
            vec![
                set("/who_can_request", json!({ "type": "nobody" })),
                set("/requester/on_behalf_of_direct_reports", json!(false)),
                set("/lifecycle/extension", json!({ "type": "not_allowed" })),
            ],
        ),
        (
            "exactly 500 specific requesters",
            vec![
                set("/who_can_request/users", users(499)),
                set("/who_can_request/groups", json!([G1])),
            ],
        ),
        ("only groups", vec![remove("/who_can_request/users")]),
        (
            "no approval, extension without approval",
            vec![
                set("/approval", json!({ "type": "none" })),
                set("/lifecycle/extension", json!({ "type": "allowed" })),
            ],
        ),
        (
            "three stages",
            vec![set("/approval/stages/-", stage_of(U3))],
        ),
        (
            "a 4-day timeout escalating on day 3",
            vec![
                set("/approval/stages/0/timeout_days", json!(4)),
                set("/approval/stages/0/escalation/after_days", json!(3)),
            ],
        ),
        (
            "escalation on day 13 of 14",
            vec![set("/approval/stages/0/escalation/after_days", json!(13))],
        ),
        (
            "a 1-day timeout without escalation",
            vec![
                set("/approval/stages/0/timeout_days", json!(1)),
                remove("/approval/stages/0/escalation"),
            ],
        ),
        (
            "the manager in stage 1 and the second-level manager in stage 2",
            vec![
                set(
                    "/approval/stages/1/primary_approvers",
                    json!([{ "type": "manager", "level": 2 }]),
                ),
                set(
                    "/approval/stages/1/fallback_approvers",
                    json!([{ "type": "user", "user_id": U3 }]),
                ),
            ],
        ),
        (
            "the same group deciding two stages, one member each",
            vec![
                set(
                    "/approval/stages/0/primary_approvers",
                    json!([{ "type": "group_members", "group_id": G1 }]),
                ),
                set(
                    "/approval/stages/1/primary_approvers",
                    json!([{ "type": "group_members", "group_id": G1 }]),
                ),
            ],
        ),
        (
            "the members and the owners of one group in one stage",
            vec![set(
                "/approval/stages/1/primary_approvers/-",
                json!({ "type": "group_members", "group_id": G3 }),
            )],
        ),
        (
            "escalation to the second-level manager with a fallback",
            vec![
                set(
                    "/approval/stages/0/escalation/approvers",
                    json!([{ "type": "manager", "level": 2 }]),
                ),
                set(
                    "/approval/stages/0/escalation/fallback_approvers",
                    json!([{ "type": "group_members", "group_id": G2 }]),
                ),
            ],
        ),
        (
            "a fallback for fixed approvers",
            vec![set(
                "/approval/stages/1/fallback_approvers",
                json!([{ "type": "user", "user_id": U3 }]),
            )],
        ),
        (
            "expiry after 0 days",
            vec![set("/lifecycle/expiry/days", json!(0))],
        ),
        (
            "expiry after 3660 days",
            vec![set("/lifecycle/expiry/days", json!(3660))],
        ),
        (
            "expiry after 1 hour",
            vec![set(
                "/lifecycle/expiry",
                json!({ "type": "after_hours", "hours": 1 }),
            )],
        ),
        (
            "expiry after 8784 hours",
            vec![set(
                "/lifecycle/expiry",
                json!({ "type": "after_hours", "hours": 8784 }),
            )],
        ),
        (
            "expiry on a date",
            vec![set(
                "/lifecycle/expiry",
                json!({ "type": "on_date", "at": "2030-01-01T00:00:00Z" }),
            )],
        ),
        (
            "expiry on a date, extension up to it for those who chose to end earlier",
            vec![
                set(
                    "/lifecycle/expiry",
                    json!({ "type": "on_date", "at": "2030-01-01T00:00:00Z" }),
                ),
                set("/requester/may_choose_dates", json!(true)),
            ],
        ),
        (
            "no expiry, no extension",
            vec![
                set("/lifecycle/expiry", json!({ "type": "never" })),
                set("/lifecycle/extension", json!({ "type": "not_allowed" })),
            ],
        ),
        (
            "20 questions",
            vec![set(
                "/requester/questions",
                Value::Array((0..20).map(question).collect()),
            )],
        ),
        (
            "30 choices",
            vec![set("/requester/questions/2/choices", choices(30))],
        ),
        ("no questions", vec![remove("/requester/questions")]),
        ("no requester section", vec![remove("/requester")]),
        ("a description left out", vec![remove("/description")]),
        (
            "a name of 100 characters and a description of 1000",
            vec![
                set("/name", json!("n".repeat(100))),
                set("/description", json!("d".repeat(1000))),
            ],
        ),
    ]
}

#[test]
fn every_acceptable_policy_is_accepted() {
    for (name, edits) in accepted_cases() {
        let got = fields(validate(&definition(patch(base(), &edits))));
        assert_eq!(got, Vec::<String>::new(), "{name}");
    }
}

#[test]
fn messages_say_what_to_do() {
    let message = |edits: Edits, field: &str| -> String {
        match validate(&definition(patch(base(), &edits))) {
            Ok(_) => panic!("accepted"),
            Err(errors) => errors
                .into_iter()
                .find(|error| error.field == field)
                .map(|error| error.message)
                .unwrap_or_default(),
        }
    };
    assert!(
        message(
            vec![
                set("/approval/stages/0/timeout_days", json!(3)),
                set("/approval/stages/0/escalation/after_days", json!(2))
            ],
            "approval.stages[0].escalation",
        )
        .starts_with("escalation needs a timeout of at least 4 days")
    );
    assert_eq!(
        message(
            vec![set("/approval/stages/0/escalation/after_days", json!(5))],
            "approval.stages[0].escalation.after_days",
        ),
        "must be between 8 and 13 days for a 14-day timeout: after half the time plus one day, \
         and before the last day"
    );
    assert!(
        message(
            vec![remove("/approval/stages/0/fallback_approvers")],
            "approval.stages[0].fallback_approvers"
        )
        .contains("the requester's manager")
    );
    assert_eq!(
        message(
            vec![set("/requester/questions/0/regex", json!("([0-9]"))],
            "requester.questions[0].regex",
        ),
        "is not a valid regular expression: unclosed group"
    );
}

#[test]
fn names_and_texts_are_trimmed() {
    let policy = valid(patch(
        base(),
        &[
            set("/name", json!("  Padded  ")),
            set("/requester/questions/1/choices", json!([" Paris ", "Oslo"])),
        ],
    ));
    assert_eq!(policy.name(), "Padded");
    assert_eq!(
        policy.questions()[1].format(),
        &AnswerFormat::SingleChoice {
            choices: vec!["Paris".into(), "Oslo".into()]
        }
    );
}

#[test]
fn a_policy_reads_back_as_the_definition_it_came_from() {
    let definition = definition(base());
    let policy = valid(base());
    assert_eq!(policy.to_definition(), definition);
    let json = serde_json::to_value(&policy).unwrap_or_default();
    let as_definition: Result<PolicyDefinition, _> = serde_json::from_value(json.clone());
    assert_eq!(as_definition.ok(), Some(definition));
    let back: Result<ValidPolicy, _> = serde_json::from_value(json);
    assert_eq!(back.ok(), Some(policy));
}

#[test]
fn a_stored_policy_that_no_longer_passes_is_refused_when_read() {
    let stored = patch(base(), &[set("/approval/stages/0/timeout_days", json!(30))]);
    let read: Result<ValidPolicy, _> = serde_json::from_value(stored);
    let message = read.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.contains("approval.stages[0].timeout_days"),
        "{message}"
    );
}

#[test]
fn unknown_fields_and_types_are_refused_by_serde() {
    for (name, edits) in [
        ("a top-level field", vec![set("/owner", json!("me"))]),
        (
            "a stage field",
            vec![set("/approval/stages/0/quorum", json!(2))],
        ),
        (
            "an escalation field",
            vec![set("/approval/stages/0/escalation/when", json!(1))],
        ),
        (
            "a regex on a choice question",
            vec![set("/requester/questions/1/regex", json!("x"))],
        ),
        (
            "choices on a text question",
            vec![set("/requester/questions/0/choices", json!(["a", "b"]))],
        ),
        (
            "an unknown requester kind",
            vec![set("/who_can_request", json!({ "type": "everyone" }))],
        ),
        (
            "users with all members",
            vec![set(
                "/who_can_request",
                json!({ "type": "all_members", "users": [U1] }),
            )],
        ),
        (
            "stages with no approval",
            vec![set("/approval/type", json!("none"))],
        ),
        (
            "days with no expiry",
            vec![set("/lifecycle/expiry/type", json!("never"))],
        ),
        (
            "approval with no extension",
            vec![set("/lifecycle/extension/type", json!("not_allowed"))],
        ),
        (
            "a level for sponsors",
            vec![set(
                "/approval/stages/0/primary_approvers/0",
                json!({ "type": "sponsors", "level": 1 }),
            )],
        ),
        (
            "an unknown expiry",
            vec![set("/lifecycle/expiry", json!({ "type": "someday" }))],
        ),
        (
            "a negative timeout",
            vec![set("/approval/stages/0/timeout_days", json!(-1))],
        ),
        (
            "a manager level of 3",
            vec![set(
                "/approval/stages/0/primary_approvers/0/level",
                json!(3),
            )],
        ),
        (
            "a user id that is not a UUID",
            vec![set("/who_can_request/users/0", json!("ada"))],
        ),
    ] {
        let parsed: Result<PolicyDefinition, _> = serde_json::from_value(patch(base(), &edits));
        assert!(parsed.is_err(), "{name} was accepted");
    }
}

#[test]
fn an_expiry_date_in_the_past_is_refused_when_saving_but_not_when_reading() {
    let now = Utc
        .with_ymd_and_hms(2030, 6, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let past = definition(patch(
        base(),
        &[set(
            "/lifecycle/expiry",
            json!({ "type": "on_date", "at": "2030-01-01T00:00:00Z" }),
        )],
    ));
    assert_eq!(fields(validate_at(&past, now)), vec!["lifecycle.expiry.at"]);
    assert!(validate(&past).is_ok());
    let mut both = past.clone();
    both.name = String::new();
    assert_eq!(
        fields(validate_at(&both, now)),
        vec!["name", "lifecycle.expiry.at"]
    );
    let future = definition(patch(
        base(),
        &[set(
            "/lifecycle/expiry",
            json!({ "type": "on_date", "at": "2031-01-01T00:00:00Z" }),
        )],
    ));
    assert!(validate_at(&future, now).is_ok());
}

#[test]
fn references_name_every_user_and_group_with_its_path() {
    let policy = valid(base());
    let found: Vec<(String, ReferenceTarget)> = policy
        .references()
        .into_iter()
        .map(|reference| (reference.field, reference.target))
        .collect();
    let user = |raw: &str| UserId::from_uuid(raw.parse().unwrap_or_default());
    let group = |raw: &str| GroupId::from_uuid(raw.parse().unwrap_or_default());
    assert_eq!(
        found,
        vec![
            (
                "who_can_request.users[0]".into(),
                ReferenceTarget::User(user(U1))
            ),
            (
                "who_can_request.groups[0]".into(),
                ReferenceTarget::Group(group(G1))
            ),
            (
                "approval.stages[0].fallback_approvers[0]".into(),
                ReferenceTarget::User(user(U2))
            ),
            (
                "approval.stages[0].escalation.approvers[0]".into(),
                ReferenceTarget::Group(group(G2))
            ),
            (
                "approval.stages[1].primary_approvers[0]".into(),
                ReferenceTarget::PackageGroup(group(G3))
            ),
        ]
    );
}

#[test]
fn a_policy_without_stages_requires_no_approval() {
    let policy = valid(patch(
        base(),
        &[
            set("/approval", json!({ "type": "none" })),
            set("/lifecycle/extension", json!({ "type": "not_allowed" })),
        ],
    ));
    assert!(!policy.requires_approval());
    assert!(policy.stages().is_empty());
    assert!(valid(base()).requires_approval());
}

fn with_escalation(timeout: u32, after: u32) -> PolicyDefinition {
    definition(patch(
        base(),
        &[
            set("/approval/stages/0/timeout_days", json!(timeout)),
            set("/approval/stages/0/escalation/after_days", json!(after)),
        ],
    ))
}

proptest! {
    #[test]
    fn validation_never_accepts_escalation_when_the_timeout_is_under_four_days(
        timeout in 0u32..4,
        after in 0u32..20,
    ) {
        prop_assert!(validate(&with_escalation(timeout, after)).is_err());
    }

    #[test]
    fn escalation_is_accepted_exactly_after_half_the_timeout_plus_a_day_and_before_the_last(
        timeout in 0u32..20,
        after in 0u32..20,
    ) {
        let expected = (1..=14).contains(&timeout)
            && timeout >= 4
            && after > timeout / 2
            && after < timeout;
        prop_assert_eq!(validate(&with_escalation(timeout, after)).is_ok(), expected);
    }

    #[test]
    fn an_accepted_policy_validates_again_to_itself(
        timeout in 4u32..=14,
        pick in 0u32..14,
        days in 0u32..=3660,
        choice_count in 2usize..=30,
        stages in 1usize..=3,
    ) {
        let after = timeout / 2 + 1 + pick % (timeout - timeout / 2 - 1);
        let mut edits = vec![
            set("/approval/stages/0/timeout_days", json!(timeout)),
            set("/approval/stages/0/escalation/after_days", json!(after)),
            set("/lifecycle/expiry/days", json!(days)),
            set("/requester/questions/2/choices", choices(choice_count)),
        ];
        if stages == 1 {
            edits.push(remove("/approval/stages/1"));
        }
        if stages == 3 {
            edits.push(set("/approval/stages/-", stage_of(U3)));
        }
        let policy = valid(patch(base(), &edits));
        prop_assert_eq!(validate(&policy.to_definition()), Ok(policy.clone()));
        prop_assert_eq!(policy.stages().len(), stages);
    }

    #[test]
    fn every_reported_path_names_a_field_of_the_input(
        name_len in 0usize..120,
        timeout in 0u32..30,
        after in 0u32..30,
        choice_count in 0usize..40,
        days in 0u32..5000,
        question_count in 0usize..25,
    ) {
        let questions: Vec<Value> = (0..question_count).map(question).collect();
        let edits = vec![
            set("/name", json!("n".repeat(name_len))),
            set("/approval/stages/0/timeout_days", json!(timeout)),
            set("/approval/stages/0/escalation/after_days", json!(after)),
            set("/requester/questions/2/choices", choices(choice_count)),
            set("/lifecycle/expiry/days", json!(days)),
        ];
        let mut value = patch(base(), &edits);
        if let Some(list) = value.pointer_mut("/requester/questions").and_then(Value::as_array_mut) {
            list.extend(questions);
        }
        for field in fields(validate(&definition(value.clone()))) {
            let pointer = format!(
                "/{}",
                field.replace("].", "/").replace('[', "/").replace(']', "").replace('.', "/")
            );
            prop_assert!(value.pointer(&pointer).is_some(), "{} is not in the input", field);
        }
    }
}

#[cfg(feature = "server")]
#[test]
fn the_openapi_schemas_show_each_choice_with_its_type_tag() {
    use utoipa::PartialSchema;
    let schema = |value| serde_json::to_string(&value).unwrap_or_default();
    let who = schema(WhoCanRequest::schema());
    for tag in [
        "specific_users_and_groups",
        "all_members",
        "all_users",
        "nobody",
    ] {
        assert!(who.contains(tag), "{tag} missing from {who}");
    }
}
