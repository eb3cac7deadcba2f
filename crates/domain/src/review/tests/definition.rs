//! Validation: one row per rule, each naming the exact paths it must report.

use serde_json::{Value, json};

use super::{at, group, input, patch, user};
use crate::review::*;
use crate::{AccessPackageId, ApplicationId, PolicyId};

const U1: &str = "00000000-0000-0000-0000-000000000001";
const U2: &str = "00000000-0000-0000-0000-000000000002";
const G1: &str = "00000000-0000-0000-0000-000000001001";
const G2: &str = "00000000-0000-0000-0000-000000001002";
const G3: &str = "00000000-0000-0000-0000-000000001003";
const A1: &str = "00000000-0000-0000-0000-00000000a001";
const P1: &str = "00000000-0000-0000-0000-00000000b001";
const POL1: &str = "00000000-0000-0000-0000-00000000c001";

const NOW: &str = "2026-06-01T12:00:00Z";

/// A definition using every feature, valid as it stands: people inactive for 90 days in two
/// groups review themselves, then those who said yes or don't know go to their manager or the
/// group's owners, every quarter for two years.
fn base() -> Value {
    json!({
        "name": "Quarterly engineering review",
        "description_for_reviewers": "Keep only what people use.\nAsk the team lead if unsure.",
        "scope": {
            "resources": { "type": "groups", "group_ids": [G1, G2] },
            "filter": { "type": "inactive_for_days", "days": 90 }
        },
        "stages": [
            {
                "reviewers": [{ "type": "self_review" }],
                "fallback_reviewers": [{ "type": "user", "user_id": U1 }],
                "duration_days": 7,
                "decisions_that_move_on": ["approve", "dont_know"]
            },
            {
                "reviewers": [{ "type": "manager" }, { "type": "group_owners" }],
                "fallback_reviewers": [{ "type": "group_members", "group_id": G3 }],
                "duration_days": 14
            }
        ],
        "schedule": {
            "type": "recurring",
            "starts_at": "2026-07-01T09:00:00Z",
            "frequency": "quarterly",
            "end": { "type": "after_occurrences", "occurrences": 8 }
        },
        "settings": {
            "justification_required": true,
            "recommendations": { "type": "last_sign_in", "look_back_days": 60 },
            "if_no_response": "take_recommendations",
            "auto_apply": true,
            "reminders": false,
            "show_earlier_decisions": true
        }
    })
}

/// JSON pointer edits to the base definition.
type Edits = Vec<(&'static str, Option<Value>)>;

fn fields(result: Result<ValidReviewDefinition, Vec<crate::problem::FieldError>>) -> Vec<String> {
    match result {
        Ok(_) => Vec::new(),
        Err(errors) => errors.into_iter().map(|error| error.field).collect(),
    }
}

fn valid(value: Value) -> ValidReviewDefinition {
    match validate(&input(value), at(NOW)) {
        Ok(definition) => definition,
        Err(errors) => panic!("refused: {errors:#?}"),
    }
}

fn g<T: std::str::FromStr>(s: &str) -> T
where
    T::Err: std::fmt::Debug,
{
    match s.parse() {
        Ok(id) => id,
        Err(error) => panic!("{s}: {error:?}"),
    }
}

fn users(count: u128) -> Value {
    Value::Array(
        (0..count)
            .map(|n| json!({ "type": "user", "user_id": uuid::Uuid::from_u128(0x2000 + n) }))
            .collect(),
    )
}

fn groups(count: u128) -> Value {
    Value::Array(
        (0..count)
            .map(|n| json!(uuid::Uuid::from_u128(0x3000 + n)))
            .collect(),
    )
}

fn stage(days: u32) -> Value {
    json!({ "reviewers": [{ "type": "user", "user_id": U2 }], "duration_days": days })
}

fn one_time() -> Option<Value> {
    Some(json!({ "type": "one_time", "starts_at": "2026-07-01T09:00:00Z" }))
}

#[test]
fn the_base_definition_is_valid() {
    let definition = valid(base());
    assert_eq!(definition.name(), "Quarterly engineering review");
    assert_eq!(definition.resources().len(), 2);
    assert_eq!(
        definition.filter(),
        PersonFilter {
            guests_only: false,
            inactive_days: Some(90)
        }
    );
    assert_eq!(definition.instance_duration_days(), 21);
    assert!(definition.stages()[0].is_self_review());
    assert_eq!(
        definition.stages()[0]
            .moves_on()
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![ReviewOutcome::Approve, ReviewOutcome::DontKnow]
    );
    assert_eq!(definition.stages()[1].moves_on().len(), 4);
    assert_eq!(
        *definition.settings(),
        ReviewSettings {
            justification_required: true,
            look_back_days: Some(60),
            if_no_response: NoResponseRule::TakeRecommendations,
            auto_apply: true,
            reminders: false,
            show_earlier_decisions: true,
        }
    );
}

#[test]
fn every_rule_is_reported_at_its_path() {
    type Case = (
        &'static str,
        Vec<(&'static str, Option<Value>)>,
        Vec<&'static str>,
    );
    let cases: Vec<Case> = vec![
        // Text.
        (
            "an empty name",
            vec![("/name", Some(json!("  ")))],
            vec!["name"],
        ),
        (
            "a long name",
            vec![("/name", Some(json!("n".repeat(101))))],
            vec!["name"],
        ),
        (
            "a name on two lines",
            vec![("/name", Some(json!("a\nb")))],
            vec!["name"],
        ),
        (
            "a long description",
            vec![("/description_for_reviewers", Some(json!("d".repeat(1001))))],
            vec!["description_for_reviewers"],
        ),
        // Scope.
        (
            "no group",
            vec![("/scope/resources/group_ids", Some(json!([])))],
            vec!["scope.resources.group_ids"],
        ),
        (
            "too many groups",
            vec![("/scope/resources/group_ids", Some(groups(51)))],
            vec!["scope.resources.group_ids"],
        ),
        (
            "a group twice",
            vec![("/scope/resources/group_ids", Some(json!([G1, G2, G1])))],
            vec!["scope.resources.group_ids[2]"],
        ),
        (
            "an application twice",
            vec![
                (
                    "/scope/resources",
                    Some(json!({ "type": "applications", "application_ids": [A1, A1] })),
                ),
                ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
            ],
            vec!["scope.resources.application_ids[1]"],
        ),
        (
            "group owners when an access package is reviewed",
            vec![(
                "/scope/resources",
                Some(json!({ "type": "access_package", "access_package_id": P1 })),
            )],
            vec!["stages[1].reviewers[1]"],
        ),
        (
            "inactive for no days",
            vec![("/scope/filter/days", Some(json!(0)))],
            vec!["scope.filter.days"],
        ),
        (
            "inactive for more than two years",
            vec![("/scope/filter/days", Some(json!(731)))],
            vec!["scope.filter.days"],
        ),
        // Stages.
        (
            "no stage (and so no earlier decisions to show)",
            vec![("/stages", Some(json!([])))],
            vec!["stages", "settings.show_earlier_decisions"],
        ),
        (
            "four stages",
            vec![
                ("/stages/1/decisions_that_move_on", Some(json!(["deny"]))),
                ("/stages/-", Some(stage(7))),
                ("/stages/-", Some(stage(7))),
            ],
            vec!["stages"],
        ),
        (
            "a stage without reviewers",
            vec![("/stages/1/reviewers", Some(json!([])))],
            vec!["stages[1].reviewers"],
        ),
        (
            "too many reviewers",
            vec![("/stages/1/reviewers", Some(users(26)))],
            vec!["stages[1].reviewers"],
        ),
        (
            "a reviewer twice",
            vec![(
                "/stages/1/reviewers",
                Some(json!([{ "type": "manager" }, { "type": "manager" }])),
            )],
            vec!["stages[1].reviewers[1]"],
        ),
        (
            "self-review sharing a stage",
            vec![(
                "/stages/0/reviewers",
                Some(json!([{ "type": "self_review" }, { "type": "user", "user_id": U2 }])),
            )],
            vec!["stages[0].reviewers[0]"],
        ),
        (
            "self-review without fallback reviewers",
            vec![("/stages/0/fallback_reviewers", None)],
            vec!["stages[0].fallback_reviewers"],
        ),
        (
            "managers without fallback reviewers",
            vec![("/stages/1/fallback_reviewers", Some(json!([])))],
            vec!["stages[1].fallback_reviewers"],
        ),
        (
            "a relative fallback reviewer",
            vec![(
                "/stages/0/fallback_reviewers",
                Some(json!([{ "type": "manager" }])),
            )],
            vec!["stages[0].fallback_reviewers[0]"],
        ),
        (
            "a fallback reviewer who already reviews",
            vec![(
                "/stages/1/reviewers",
                Some(json!([{ "type": "group_members", "group_id": G3 }])),
            )],
            vec!["stages[1].fallback_reviewers[0]"],
        ),
        (
            "a fallback reviewer twice",
            vec![(
                "/stages/0/fallback_reviewers",
                Some(json!([{ "type": "user", "user_id": U1 }, { "type": "user", "user_id": U1 }])),
            )],
            vec!["stages[0].fallback_reviewers[1]"],
        ),
        (
            "too many fallback reviewers",
            vec![("/stages/0/fallback_reviewers", Some(users(26)))],
            vec!["stages[0].fallback_reviewers"],
        ),
        (
            "a stage of no days",
            vec![("/stages/0/duration_days", Some(json!(0)))],
            vec!["stages[0].duration_days"],
        ),
        (
            "a stage longer than a review may last",
            vec![
                ("/schedule", one_time()),
                ("/stages/0/duration_days", Some(json!(181))),
            ],
            vec!["stages[0].duration_days"],
        ),
        (
            "stages longer than a review may last together",
            vec![
                ("/schedule", one_time()),
                ("/stages/0/duration_days", Some(json!(100))),
                ("/stages/1/duration_days", Some(json!(81))),
            ],
            vec!["stages"],
        ),
        (
            "outcomes moving on from the last stage",
            vec![("/stages/1/decisions_that_move_on", Some(json!(["approve"])))],
            vec!["stages[1].decisions_that_move_on"],
        ),
        (
            "no outcome moving on",
            vec![("/stages/0/decisions_that_move_on", Some(json!([])))],
            vec!["stages[0].decisions_that_move_on"],
        ),
        (
            "an outcome moving on twice",
            vec![(
                "/stages/0/decisions_that_move_on",
                Some(json!(["deny", "not_reviewed", "deny"])),
            )],
            vec!["stages[0].decisions_that_move_on[2]"],
        ),
        // Schedule.
        (
            "a weekly review lasting more than a week",
            vec![("/schedule/frequency", Some(json!("weekly")))],
            vec!["schedule.frequency"],
        ),
        (
            "a monthly review lasting more than 28 days",
            vec![
                ("/schedule/frequency", Some(json!("monthly"))),
                ("/stages/1/duration_days", Some(json!(22))),
            ],
            vec!["schedule.frequency"],
        ),
        (
            "an end date not after the first start",
            vec![(
                "/schedule/end",
                Some(json!({ "type": "on_date", "at": "2026-07-01T09:00:00Z" })),
            )],
            vec!["schedule.end.at"],
        ),
        (
            "no occurrence",
            vec![("/schedule/end/occurrences", Some(json!(0)))],
            vec!["schedule.end.occurrences"],
        ),
        (
            "more than a thousand occurrences",
            vec![("/schedule/end/occurrences", Some(json!(1001)))],
            vec!["schedule.end.occurrences"],
        ),
        (
            "a first start in the past",
            vec![("/schedule/starts_at", Some(json!("2026-06-01T11:49:59Z")))],
            vec!["schedule.starts_at"],
        ),
        (
            "a first start more than five years ahead",
            vec![("/schedule/starts_at", Some(json!("2031-06-10T00:00:00Z")))],
            vec!["schedule.starts_at"],
        ),
        // Settings.
        (
            "a look-back of no days",
            vec![("/settings/recommendations/look_back_days", Some(json!(0)))],
            vec!["settings.recommendations.look_back_days"],
        ),
        (
            "a look-back of more than two years",
            vec![("/settings/recommendations/look_back_days", Some(json!(731)))],
            vec!["settings.recommendations.look_back_days"],
        ),
        (
            "taking recommendations that are off",
            vec![("/settings/recommendations", Some(json!({ "type": "off" })))],
            vec!["settings.if_no_response"],
        ),
        (
            "earlier decisions with a single stage",
            vec![
                ("/stages/1", None),
                ("/stages/0/decisions_that_move_on", None),
            ],
            vec!["settings.show_earlier_decisions"],
        ),
        // Several at once, in the order of the input.
        (
            "every problem is reported, not only the first",
            vec![
                ("/name", Some(json!(""))),
                ("/scope/filter/days", Some(json!(0))),
                ("/stages/1/reviewers/1", Some(json!({ "type": "manager" }))),
                ("/schedule/end/occurrences", Some(json!(0))),
                ("/schedule/starts_at", Some(json!("2020-01-01T00:00:00Z"))),
            ],
            vec![
                "name",
                "scope.filter.days",
                "stages[1].reviewers[1]",
                "schedule.end.occurrences",
                "schedule.starts_at",
            ],
        ),
    ];
    for (name, edits, expected) in cases {
        let got = fields(validate(&input(patch(base(), &edits)), at(NOW)));
        assert_eq!(got, expected, "{name}");
    }
}

#[test]
fn boundaries_that_are_allowed() {
    let cases: Vec<(&str, Edits)> = vec![
        (
            "a monthly review of exactly 28 days",
            vec![
                ("/schedule/frequency", Some(json!("monthly"))),
                ("/stages/1/duration_days", Some(json!(21))),
            ],
        ),
        (
            "a weekly review of exactly 7 days",
            vec![
                ("/schedule/frequency", Some(json!("weekly"))),
                ("/stages/0/duration_days", Some(json!(3))),
                ("/stages/1/duration_days", Some(json!(4))),
            ],
        ),
        (
            "a one-time review of 180 days",
            vec![
                ("/schedule", one_time()),
                ("/stages/0/duration_days", Some(json!(90))),
                ("/stages/1/duration_days", Some(json!(90))),
            ],
        ),
        (
            "a first start a few minutes ago",
            vec![("/schedule/starts_at", Some(json!("2026-06-01T11:55:00Z")))],
        ),
        (
            "a name of 100 characters",
            vec![("/name", Some(json!("n".repeat(100))))],
        ),
        (
            "inactive for 730 days",
            vec![("/scope/filter/days", Some(json!(730)))],
        ),
        (
            "a single occurrence",
            vec![("/schedule/end/occurrences", Some(json!(1)))],
        ),
        (
            "twenty-five reviewers",
            vec![("/stages/1/reviewers", Some(users(25)))],
        ),
        (
            "fifty groups",
            vec![("/scope/resources/group_ids", Some(groups(50)))],
        ),
        (
            "an access package with one of its policies, reviewed by specific people",
            vec![
                (
                    "/scope/resources",
                    Some(
                        json!({ "type": "access_package", "access_package_id": P1, "policy_id": POL1 }),
                    ),
                ),
                ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
            ],
        ),
    ];
    for (name, edits) in cases {
        let got = fields(validate(&input(patch(base(), &edits)), at(NOW)));
        assert!(got.is_empty(), "{name}: {got:?}");
    }
}

#[test]
fn serde_refuses_what_is_malformed() {
    let cases: Vec<(&str, Edits)> = vec![
        ("an unknown field", vec![("/color", Some(json!("red")))]),
        (
            "a guests-only flag, which Tessera has no guests for",
            vec![("/scope/guests_only", Some(json!(true)))],
        ),
        (
            "an unknown filter",
            vec![("/scope/filter", Some(json!({ "type": "contractors_only" })))],
        ),
        (
            "days on the everyone filter",
            vec![("/scope/filter", Some(json!({ "type": "all", "days": 30 })))],
        ),
        (
            "a user on self-review",
            vec![(
                "/stages/0/reviewers/0",
                Some(json!({ "type": "self_review", "user_id": U1 })),
            )],
        ),
        (
            "occurrences on a never-ending schedule",
            vec![(
                "/schedule/end",
                Some(json!({ "type": "never", "occurrences": 3 })),
            )],
        ),
        (
            "an unknown frequency",
            vec![("/schedule/frequency", Some(json!("daily")))],
        ),
        (
            "an unknown no-response rule",
            vec![("/settings/if_no_response", Some(json!("remove_everyone")))],
        ),
        (
            "an unknown outcome moving on",
            vec![(
                "/stages/0/decisions_that_move_on",
                Some(json!(["recommendation"])),
            )],
        ),
        (
            "a group id that is not a UUID",
            vec![("/scope/resources/group_ids/0", Some(json!("engineering")))],
        ),
    ];
    for (name, edits) in cases {
        let value = patch(base(), &edits);
        assert!(
            serde_json::from_value::<ReviewDefinitionInput>(value).is_err(),
            "{name} deserialized"
        );
    }
}

#[test]
fn settings_have_defaults_and_reminders_are_on() {
    let minimal = json!({
        "name": "Minimal",
        "scope": { "resources": { "type": "applications", "application_ids": [A1] } },
        "stages": [{ "reviewers": [{ "type": "user", "user_id": U1 }], "duration_days": 14 }],
        "schedule": { "type": "recurring", "starts_at": "2026-07-01T00:00:00Z", "frequency": "annually" }
    });
    let definition = valid(minimal);
    assert_eq!(
        *definition.settings(),
        ReviewSettings {
            justification_required: false,
            look_back_days: Some(30),
            if_no_response: NoResponseRule::NoChange,
            auto_apply: false,
            reminders: true,
            show_earlier_decisions: false,
        }
    );
    assert_eq!(definition.filter(), PersonFilter::ALL);
    assert_eq!(
        definition.schedule().recurrence(),
        Recurrence::Repeats {
            frequency: Frequency::Annually,
            end: RecurrenceEnd::Never
        }
    );
    assert_eq!(definition.managed_by(), ReviewManagers::Administrators);
}

#[test]
fn a_definition_reads_back_as_itself_and_normalised() {
    let definition = valid(patch(
        base(),
        &[
            ("/name", Some(json!("  Quarterly engineering review  "))),
            (
                "/stages/0/decisions_that_move_on",
                Some(json!(["not_reviewed", "deny", "dont_know", "approve"])),
            ),
        ],
    ));
    let normalised = definition.to_input();
    assert_eq!(normalised.name, "Quarterly engineering review");
    assert_eq!(
        normalised.stages[0].decisions_that_move_on, None,
        "every outcome moving on is written as nothing"
    );
    let stored = serde_json::to_value(&definition).unwrap_or_default();
    let read: ValidReviewDefinition = match serde_json::from_value(stored) {
        Ok(read) => read,
        Err(error) => panic!("does not read back: {error}"),
    };
    assert_eq!(read, definition);
    let original = valid(base());
    assert_eq!(
        valid(serde_json::to_value(original.to_input()).unwrap_or_default()),
        original
    );
}

#[test]
fn a_stored_definition_is_not_refused_for_its_past_start() {
    let started = input(patch(
        base(),
        &[("/schedule/starts_at", Some(json!("2025-01-01T00:00:00Z")))],
    ));
    assert!(validate(&started, at(NOW)).is_err());
    assert!(validate_record(&started).is_ok());
    let broken = patch(base(), &[("/name", Some(json!("")))]);
    assert!(serde_json::from_value::<ValidReviewDefinition>(broken).is_err());
}

#[test]
fn references_name_every_id_with_its_path() {
    let definition = valid(patch(
        base(),
        &[(
            "/stages/1/reviewers/-",
            Some(json!({ "type": "user", "user_id": U2 })),
        )],
    ));
    let references: Vec<(String, ReviewReferenceTarget)> = definition
        .references()
        .into_iter()
        .map(|reference| (reference.field, reference.target))
        .collect();
    assert_eq!(
        references,
        vec![
            (
                "scope.resources.group_ids[0]".into(),
                ReviewReferenceTarget::Group(g(G1))
            ),
            (
                "scope.resources.group_ids[1]".into(),
                ReviewReferenceTarget::Group(g(G2))
            ),
            (
                "stages[0].fallback_reviewers[0].user_id".into(),
                ReviewReferenceTarget::User(user(1))
            ),
            (
                "stages[1].reviewers[2].user_id".into(),
                ReviewReferenceTarget::User(user(2))
            ),
            (
                "stages[1].fallback_reviewers[0].group_id".into(),
                ReviewReferenceTarget::Group(group(3))
            ),
        ]
    );

    let package = valid(patch(
        base(),
        &[
            (
                "/scope/resources",
                Some(
                    json!({ "type": "access_package", "access_package_id": P1, "policy_id": POL1 }),
                ),
            ),
            ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
        ],
    ));
    let package_id: AccessPackageId = g(P1);
    let policy_id: PolicyId = g(POL1);
    let targets: Vec<(String, ReviewReferenceTarget)> = package
        .references()
        .into_iter()
        .take(2)
        .map(|reference| (reference.field, reference.target))
        .collect();
    assert_eq!(
        targets,
        vec![
            (
                "scope.resources.access_package_id".into(),
                ReviewReferenceTarget::AccessPackage(package_id)
            ),
            (
                "scope.resources.policy_id".into(),
                ReviewReferenceTarget::PackagePolicy {
                    access_package_id: package_id,
                    policy_id
                }
            ),
        ]
    );
    assert_eq!(
        package.managed_by(),
        ReviewManagers::AdministratorsAndCatalogOwnersOf(package_id)
    );
    assert_eq!(
        package.resources(),
        [ReviewedResource::AccessPackage {
            access_package_id: package_id,
            policy_id: Some(policy_id)
        }]
    );

    let apps = valid(patch(
        base(),
        &[
            (
                "/scope/resources",
                Some(json!({ "type": "applications", "application_ids": [A1] })),
            ),
            ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
        ],
    ));
    let application: ApplicationId = g(A1);
    assert_eq!(
        apps.references()[0].target,
        ReviewReferenceTarget::Application(application)
    );
}

#[test]
fn the_next_occurrence_skips_those_whose_whole_instance_was_missed() {
    // Quarterly from 1 July 2026, 21 days each, eight times.
    let definition = valid(base());
    let next = |started: u32, now: &str| {
        definition
            .next_occurrence(started, at(now))
            .map(|occurrence| (occurrence.index, occurrence.starts_at))
    };
    assert_eq!(
        next(0, NOW),
        Some((0, at("2026-07-01T09:00:00Z"))),
        "the first, ahead"
    );
    assert_eq!(
        next(0, "2026-07-10T00:00:00Z"),
        Some((0, at("2026-07-01T09:00:00Z"))),
        "started late, still within its 21 days: start it now"
    );
    assert_eq!(
        next(0, "2026-07-30T00:00:00Z"),
        Some((1, at("2026-10-01T09:00:00Z"))),
        "its whole instance missed: skip to the next"
    );
    assert_eq!(next(8, NOW), None, "all eight started");
    assert_eq!(
        occurrence_start(definition.schedule(), 7),
        Some(at("2028-04-01T09:00:00Z"))
    );
    assert_eq!(occurrence_start(definition.schedule(), 8), None);
}

#[test]
fn the_inactivity_filter_selects_by_last_sign_in_or_creation() {
    let definition = valid(base());
    let now = at(NOW);
    let old = at("2020-01-01T00:00:00Z");
    let filter = definition.filter();
    assert!(filter.includes(false, None, old, now), "never signed in");
    assert!(filter.includes(false, Some(at("2026-02-01T00:00:00Z")), old, now));
    assert!(!filter.includes(false, Some(at("2026-05-01T00:00:00Z")), old, now));
    assert!(
        !filter.includes(false, None, at("2026-05-01T00:00:00Z"), now),
        "a new account is not inactive"
    );
    assert!(PersonFilter::ALL.includes(false, None, old, now));
}

#[test]
fn the_guest_filter_keeps_only_guests_and_combines_with_inactivity() {
    let now = at(NOW);
    let old = at("2020-01-01T00:00:00Z");
    let recent = Some(at("2026-05-01T00:00:00Z"));
    let filter_of = |filter: Value| {
        let mut input = base();
        input["scope"]["filter"] = filter;
        valid(input).filter()
    };
    let guests = filter_of(json!({ "type": "guests_only" }));
    assert!(guests.includes(true, recent, old, now));
    assert!(
        !guests.includes(false, None, old, now),
        "a member is left out"
    );
    let inactive_guests =
        filter_of(json!({ "type": "inactive_for_days", "days": 90, "guests_only": true }));
    assert!(inactive_guests.includes(true, None, old, now));
    assert!(
        !inactive_guests.includes(true, recent, old, now),
        "an active guest"
    );
    assert!(
        !inactive_guests.includes(false, None, old, now),
        "an inactive member"
    );
    let inactive = filter_of(json!({ "type": "inactive_for_days", "days": 90 }));
    assert!(inactive.includes(false, None, old, now));
    assert!(inactive.includes(true, None, old, now));
}

#[test]
fn every_filter_survives_the_round_trip_through_its_input() {
    for filter in [
        json!({ "type": "all" }),
        json!({ "type": "guests_only" }),
        json!({ "type": "inactive_for_days", "days": 30, "guests_only": false }),
        json!({ "type": "inactive_for_days", "days": 30, "guests_only": true }),
    ] {
        let mut input = base();
        input["scope"]["filter"] = filter.clone();
        let definition = valid(input);
        let again = serde_json::to_value(definition.to_input().scope.filter).unwrap_or_default();
        assert_eq!(again, filter);
    }
}

#[test]
fn an_input_names_the_same_managers_as_the_definition_it_validates_to() {
    let package = patch(
        base(),
        &[
            (
                "/scope/resources",
                Some(json!({ "type": "access_package", "access_package_id": P1 })),
            ),
            ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
        ],
    );
    let applications = patch(
        base(),
        &[
            (
                "/scope/resources",
                Some(json!({ "type": "applications", "application_ids": [G1] })),
            ),
            ("/stages/1/reviewers", Some(json!([{ "type": "manager" }]))),
        ],
    );
    for value in [base(), package, applications] {
        let definition = valid(value.clone());
        assert_eq!(input(value).managed_by(), definition.managed_by());
    }
    assert_eq!(
        input(patch(
            base(),
            &[(
                "/scope/resources",
                Some(json!({ "type": "access_package", "access_package_id": P1 })),
            )],
        ))
        .managed_by(),
        ReviewManagers::AdministratorsAndCatalogOwnersOf(g(P1))
    );
}
