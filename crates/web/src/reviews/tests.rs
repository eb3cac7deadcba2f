//! The access review pages' pure parts, tested natively.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::json;
use tessera_domain::assignment::PersonSummary;
use tessera_domain::directory::GroupSummary;
use tessera_domain::problem::FieldError;
use tessera_domain::review::*;
use tessera_domain::{AccessPackageId, GroupId, PolicyId, ReviewInstanceId, ReviewItemId, UserId};

use super::*;
use crate::assignments::local_date_time;
use crate::names::KnownNames;

const GROUP: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a";
const OTHER_GROUP: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const USER: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const PACKAGE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";
const ITEM: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5e";
const POLICY: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5f";

/// The browser's time zone in these tests: UTC.
fn utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    Some(naive.and_utc())
}

fn start() -> NaiveDateTime {
    local_date_time("2030-03-04T14:05").unwrap()
}

fn manager_review_of_one_group() -> DefinitionDraft {
    let mut draft = DefinitionDraft::new(start());
    draft.name = "Quarterly sales review".into();
    draft.group_ids = vec![GROUP.into()];
    draft.stages[0].fallback = vec![ReviewerDraft {
        key: 0,
        kind: ReviewerKind::User,
        target: USER.into(),
    }];
    draft
}

fn fields(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn a_one_time_manager_review_is_sent_in_the_apis_shape() {
    let input = manager_review_of_one_group().parse(utc).unwrap();
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({
            "name": "Quarterly sales review",
            "description_for_reviewers": "",
            "scope": {
                "resources": {"type": "groups", "group_ids": [GROUP]},
                "filter": {"type": "all"}
            },
            "stages": [{
                "reviewers": [{"type": "manager"}],
                "fallback_reviewers": [{"type": "user", "user_id": USER}],
                "duration_days": 14
            }],
            "schedule": {"type": "one_time", "starts_at": "2030-03-04T14:05:00Z"},
            "settings": {
                "justification_required": false,
                "recommendations": {"type": "last_sign_in", "look_back_days": 30},
                "if_no_response": "no_change",
                "auto_apply": false,
                "reminders": true,
                "show_earlier_decisions": false
            }
        })
    );
}

#[test]
fn a_recurring_two_stage_review_of_an_access_package_reads_back_the_same() {
    let mut draft = manager_review_of_one_group();
    draft.scope = ScopeKind::AccessPackage;
    draft.access_package_id = PACKAGE.into();
    draft.inactive_only = true;
    draft.inactive_days = "60".into();
    draft.schedule = ScheduleKind::Recurring;
    draft.frequency = Frequency::Quarterly;
    draft.end = EndKind::AfterOccurrences;
    draft.occurrences = "4".into();
    draft.stages[0].moves_on = [ReviewOutcome::Approve, ReviewOutcome::DontKnow].into();
    draft.stages.push(StageDraft {
        key: 1,
        reviewers: vec![ReviewerDraft {
            key: 0,
            kind: ReviewerKind::GroupMembers,
            target: OTHER_GROUP.into(),
        }],
        fallback: Vec::new(),
        duration_days: "7".into(),
        moves_on: BTreeSet::new(),
    });
    draft.show_earlier_decisions = true;
    draft.if_no_response = NoResponseRule::TakeRecommendations;
    draft.auto_apply = true;
    let input = draft.parse(utc).unwrap();
    let value = serde_json::to_value(&input).unwrap();
    assert_eq!(
        value["scope"],
        json!({
            "resources": {"type": "access_package", "access_package_id": PACKAGE},
            "filter": {"type": "inactive_for_days", "days": 60, "guests_only": false}
        })
    );
    assert_eq!(
        value["stages"][0]["decisions_that_move_on"],
        json!(["approve", "dont_know"])
    );
    assert!(value["stages"][1].get("decisions_that_move_on").is_none());
    assert_eq!(
        value["schedule"],
        json!({
            "type": "recurring",
            "starts_at": "2030-03-04T14:05:00Z",
            "frequency": "quarterly",
            "end": {"type": "after_occurrences", "occurrences": 4}
        })
    );
    // The editor opens a stored definition as it was written.
    let again = DefinitionDraft::of(&input, |at| at.naive_utc());
    assert_eq!(again.parse(utc).unwrap(), input);
}

#[test]
fn an_end_date_means_the_last_minute_of_that_day() {
    let mut draft = manager_review_of_one_group();
    draft.schedule = ScheduleKind::Recurring;
    draft.frequency = Frequency::Monthly;
    draft.end = EndKind::OnDate;
    draft.end_date = "2030-12-31".into();
    let input = draft.parse(utc).unwrap();
    assert_eq!(
        input.schedule,
        ScheduleInput::Recurring {
            starts_at: Utc.with_ymd_and_hms(2030, 3, 4, 14, 5, 0).unwrap(),
            frequency: Frequency::Monthly,
            end: EndInput::OnDate {
                at: Utc.with_ymd_and_hms(2030, 12, 31, 23, 59, 0).unwrap()
            },
        }
    );
    assert_eq!(
        DefinitionDraft::of(&input, |at| at.naive_utc()).end_date,
        "2030-12-31"
    );
}

#[test]
fn unreadable_values_are_refused_where_the_api_would_refuse_them() {
    let mut draft = manager_review_of_one_group();
    draft.name = String::new();
    draft.stages[0].duration_days = "two weeks".into();
    draft.stages[0].fallback = vec![ReviewerDraft {
        key: 0,
        kind: ReviewerKind::User,
        target: String::new(),
    }];
    draft.schedule = ScheduleKind::Recurring;
    draft.end = EndKind::AfterOccurrences;
    draft.occurrences = "many".into();
    draft.starts_at = String::new();
    let errors = draft.parse(utc).unwrap_err();
    let found = fields(&errors);
    for expected in [
        "name",
        "stages[0].duration_days",
        "stages[0].fallback_reviewers[0].user_id",
        "schedule.end.occurrences",
        "schedule.starts_at",
    ] {
        assert!(found.contains(&expected), "{expected} in {found:?}");
    }
    // Each field once: the domain's own check does not repeat what was refused here.
    let mut unique = found.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), found.len(), "{found:?}");
    // The fallback left out is not reported as missing by the domain as well.
    assert!(
        !found.contains(&"stages[0].fallback_reviewers"),
        "{found:?}"
    );
}

#[test]
fn the_domains_rules_are_checked_before_sending() {
    let mut draft = manager_review_of_one_group();
    draft.stages[0].fallback.clear();
    draft.recommendations = false;
    draft.if_no_response = NoResponseRule::TakeRecommendations;
    draft.group_ids.clear();
    let errors = draft.parse(utc).unwrap_err();
    let found = fields(&errors);
    assert!(found.contains(&"stages[0].fallback_reviewers"), "{found:?}");
    assert!(found.contains(&"settings.if_no_response"), "{found:?}");
    assert!(found.contains(&"scope.resources.group_ids"), "{found:?}");
}

#[test]
fn showing_earlier_decisions_is_only_sent_with_several_stages() {
    let mut draft = manager_review_of_one_group();
    draft.show_earlier_decisions = true;
    let input = draft.parse(utc).unwrap();
    assert!(!input.settings.show_earlier_decisions);
}

#[test]
fn messages_are_found_under_a_control_or_at_a_list() {
    let errors = vec![
        FieldError {
            field: "stages[1].reviewers[0].group_id".into(),
            message: "no such group".into(),
        },
        FieldError {
            field: "stages[1].reviewers".into(),
            message: "add at least one reviewer".into(),
        },
        FieldError {
            field: "stages[10].reviewers".into(),
            message: "elsewhere".into(),
        },
    ];
    assert_eq!(
        messages_under(&errors, "stages[1].reviewers[0]").as_deref(),
        Some("no such group")
    );
    assert_eq!(
        messages_at(&errors, "stages[1].reviewers").as_deref(),
        Some("add at least one reviewer")
    );
    assert_eq!(messages_under(&errors, "stages[1].reviewers[1]"), None);
}

#[test]
fn a_required_justification_is_asked_for_before_sending() {
    let refused = decision(ReviewVerdict::Deny, "  ", true).unwrap_err();
    assert!(refused.field_message("justification").is_some());
    let decided = decision(ReviewVerdict::Deny, " left the team ", true).unwrap();
    assert_eq!(
        serde_json::to_value(&decided).unwrap(),
        json!({"verdict": "deny", "justification": "left the team"})
    );
    let optional = decision(ReviewVerdict::DontKnow, "", false).unwrap();
    assert_eq!(optional.justification, None);
}

#[test]
fn a_bulk_decision_needs_chosen_items() {
    assert!(
        bulk_decision(Vec::new(), ReviewVerdict::Approve, "", false)
            .unwrap_err()
            .field_message("item_ids")
            .is_some()
    );
    let item: ReviewItemId = ITEM.parse().unwrap();
    let input = bulk_decision(vec![item], ReviewVerdict::Approve, "", false).unwrap();
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({"item_ids": [ITEM], "verdict": "approve", "justification": null})
    );
}

#[test]
fn accepting_recommendations_without_a_choice_means_every_undecided_item() {
    assert_eq!(
        serde_json::to_value(accept_recommendations(Vec::new()).unwrap()).unwrap(),
        json!({})
    );
    let item: ReviewItemId = ITEM.parse().unwrap();
    assert_eq!(
        serde_json::to_value(accept_recommendations(vec![item]).unwrap()).unwrap(),
        json!({"item_ids": [ITEM]})
    );
}

#[test]
fn item_filters_become_a_query() {
    assert_eq!(
        ItemQuery::mine(true, " ali ").pairs(),
        vec![
            ("mine", "true".to_string()),
            ("outcome", "not_reviewed".to_string()),
            ("q", "ali".to_string())
        ]
    );
    let results = ItemQuery {
        mine: false,
        outcome: OutcomeChoice::Only(ReviewOutcome::Deny),
        q: "a b".into(),
    };
    assert_eq!(
        results.pairs(),
        vec![
            ("mine", "false".to_string()),
            ("outcome", "deny".to_string()),
            ("q", "a b".to_string())
        ]
    );
    let instance = ReviewInstanceId::from_uuid(uuid::Uuid::nil());
    assert_eq!(
        results_csv_href(instance, &results),
        "/api/v1/access-review-instances/00000000-0000-0000-0000-000000000000/results.csv\
         ?outcome=deny&q=a%20b"
    );
    assert_eq!(
        results_csv_href(instance, &ItemQuery::default()),
        "/api/v1/access-review-instances/00000000-0000-0000-0000-000000000000/results.csv"
    );
    assert_eq!(
        OutcomeChoice::parse("dont_know"),
        OutcomeChoice::Only(ReviewOutcome::DontKnow)
    );
    assert_eq!(OutcomeChoice::parse("nonsense"), OutcomeChoice::All);
}

#[test]
fn bulk_results_are_counted_and_refusals_named() {
    let item: ReviewItemId = ITEM.parse().unwrap();
    let results: Vec<ItemOutcome> = serde_json::from_value(json!([
        {"item_id": ITEM, "item": null, "refused": "You can't review your own access."}
    ]))
    .unwrap();
    let summary = BulkSummary::of(&results, |id| (id == item).then(|| "Bob".to_string()));
    assert_eq!(summary.decided, 0);
    assert_eq!(
        summary.refused,
        vec!["Bob: You can't review your own access.".to_string()]
    );
    assert_eq!(
        summary.headline("approved"),
        "0 items approved; 1 could not be."
    );
    assert_eq!(
        BulkSummary {
            decided: 1,
            refused: Vec::new()
        }
        .headline("denied"),
        "1 item denied."
    );
}

#[test]
fn schedules_and_scopes_read_as_sentences() {
    let input = manager_review_of_one_group().parse(utc).unwrap();
    assert_eq!(
        schedule_summary(&input.schedule),
        "Once, starting 2030-03-04 14:05 UTC"
    );
    assert_eq!(scope_summary(&input.scope), "Members of 1 group");
    assert_eq!(
        stage_summary(&input.stages[0], &KnownNames::default()),
        "Their managers; fallback: a user; 14 days"
    );
    let recurring = ScheduleInput::Recurring {
        starts_at: Utc.with_ymd_and_hms(2030, 3, 4, 14, 5, 0).unwrap(),
        frequency: Frequency::SemiAnnually,
        end: EndInput::AfterOccurrences { occurrences: 3 },
    };
    assert_eq!(
        schedule_summary(&recurring),
        "Every six months from 2030-03-04 14:05 UTC, 3 times"
    );
}

#[test]
fn stages_name_the_users_and_groups_whose_names_are_known() {
    let mut draft = manager_review_of_one_group();
    draft.stages[0].reviewers = vec![
        ReviewerDraft {
            key: 0,
            kind: ReviewerKind::GroupMembers,
            target: OTHER_GROUP.into(),
        },
        ReviewerDraft {
            key: 1,
            kind: ReviewerKind::Manager,
            target: String::new(),
        },
    ];
    let input = draft.parse(utc).unwrap();
    let (people, groups) = named_reviewers(&input.stages);
    assert_eq!(people, [USER.parse::<UserId>().unwrap()]);
    assert_eq!(groups, [OTHER_GROUP.parse::<GroupId>().unwrap()]);

    let mut known = KnownNames::default();
    assert_eq!(
        stage_summary(&input.stages[0], &known),
        "Members of a group, their managers; fallback: a user; 14 days"
    );
    known.learn_people(&[PersonSummary {
        id: people[0],
        username: "maria".into(),
        display_name: "Maria Manager".into(),
        guest: false,
    }]);
    known.learn_groups(&[GroupSummary {
        id: groups[0],
        name: "Finance".into(),
    }]);
    assert_eq!(
        stage_summary(&input.stages[0], &known),
        "Members of Finance, their managers; fallback: Maria Manager (maria); 14 days"
    );
}

#[test]
fn guests_only_is_sent_alone_or_with_inactivity_and_reads_back() {
    let mut draft = manager_review_of_one_group();
    draft.guests_only = true;
    let guests = draft.parse(utc).unwrap();
    assert_eq!(
        serde_json::to_value(guests.scope.filter).unwrap(),
        json!({"type": "guests_only"})
    );
    assert_eq!(DefinitionDraft::of(&guests, |at| at.naive_utc()), draft);
    assert_eq!(
        scope_summary(&guests.scope),
        "Members of 1 group, guests only"
    );
    assert_eq!(filter_summary(guests.scope.filter), "Only guests");

    draft.inactive_only = true;
    draft.inactive_days = "45".into();
    let inactive_guests = draft.parse(utc).unwrap();
    assert_eq!(
        serde_json::to_value(inactive_guests.scope.filter).unwrap(),
        json!({"type": "inactive_for_days", "days": 45, "guests_only": true})
    );
    assert_eq!(
        DefinitionDraft::of(&inactive_guests, |at| at.naive_utc()),
        draft
    );
    assert_eq!(
        scope_summary(&inactive_guests.scope),
        "Members of 1 group, guests inactive for 45 days"
    );
    assert_eq!(
        filter_summary(inactive_guests.scope.filter),
        "Only guests inactive for 45 days"
    );
    assert_eq!(
        filter_summary(FilterInput::InactiveForDays {
            days: 45,
            guests_only: false
        }),
        "Only people inactive for 45 days"
    );
    assert_eq!(filter_summary(FilterInput::All {}), "Everyone");
}

fn quarterly_review_by_a_user() -> DefinitionDraft {
    let mut draft = DefinitionDraft::for_policy(start());
    draft.stages[0].reviewers = vec![ReviewerDraft {
        key: 0,
        kind: ReviewerKind::User,
        target: USER.into(),
    }];
    draft
}

#[test]
fn a_policys_review_is_sent_without_the_name_and_resources_the_policy_decides() {
    let package: AccessPackageId = PACKAGE.parse().unwrap();
    let policy: PolicyId = POLICY.parse().unwrap();
    let input = quarterly_review_by_a_user()
        .parse_policy_review(package, policy, utc)
        .unwrap();
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        json!({
            "description_for_reviewers": "",
            "filter": {"type": "all"},
            "stages": [{
                "reviewers": [{"type": "user", "user_id": USER}],
                "fallback_reviewers": [],
                "duration_days": 14
            }],
            "schedule": {
                "type": "recurring",
                "starts_at": "2030-03-04T14:05:00Z",
                "frequency": "quarterly",
                "end": {"type": "never"}
            },
            "settings": {
                "justification_required": false,
                "recommendations": {"type": "last_sign_in", "look_back_days": 30},
                "if_no_response": "no_change",
                "auto_apply": false,
                "reminders": true,
                "show_earlier_decisions": false
            }
        })
    );
    // The stored review, as the server answers it, opens in the form as it was written.
    let stored = input
        .clone()
        .into_definition("Ledger: Staff".into(), package, policy);
    let again = DefinitionDraft::of(&stored, |at| at.naive_utc());
    assert_eq!(
        again.parse_policy_review(package, policy, utc).unwrap(),
        input
    );
}

#[test]
fn a_policys_review_is_refused_at_the_forms_paths_and_never_for_its_name() {
    let package: AccessPackageId = PACKAGE.parse().unwrap();
    let policy: PolicyId = POLICY.parse().unwrap();
    let mut draft = quarterly_review_by_a_user();
    draft.stages[0].reviewers[0].kind = ReviewerKind::Manager;
    draft.inactive_only = true;
    draft.inactive_days = "soon".into();
    let errors = draft.parse_policy_review(package, policy, utc).unwrap_err();
    let found = fields(&errors);
    assert!(found.contains(&"scope.filter.days"), "{found:?}");
    assert!(found.contains(&"stages[0].fallback_reviewers"), "{found:?}");
    assert!(
        !found
            .iter()
            .any(|field| *field == "name" || field.starts_with("scope.resources")),
        "{found:?}"
    );
}

#[test]
fn the_servers_refusals_of_a_policys_review_land_on_the_forms_fields() {
    let refused = |field: &str| FieldError {
        field: field.into(),
        message: "no".into(),
    };
    let mapped = policy_review_errors(&[
        refused("filter.days"),
        refused("filter"),
        refused("scope.filter.days"),
        refused("stages[0].reviewers[0].user_id"),
        refused("filtered"),
    ]);
    assert_eq!(
        fields(&mapped),
        vec![
            "scope.filter.days",
            "scope.filter",
            "scope.filter.days",
            "stages[0].reviewers[0].user_id",
            "filtered"
        ]
    );
}

#[test]
fn option_values_read_back() {
    for rule in NO_RESPONSE_RULES {
        assert_eq!(parse_no_response(no_response_value(rule)), rule);
    }
    for frequency in Frequency::ALL {
        assert_eq!(parse_frequency(frequency.as_str()), frequency);
    }
    for kind in ReviewerKind::ALL {
        assert_eq!(ReviewerKind::parse(kind.value()), kind);
    }
}

#[test]
fn a_new_manager_review_falls_back_to_the_person_setting_it_up() {
    let me: UserId = USER.parse().unwrap();
    let mut draft = DefinitionDraft::new(start());
    draft.default_fallback_to(me);
    let fallback: Vec<(ReviewerKind, &str)> = draft.stages[0]
        .fallback
        .iter()
        .map(|reviewer| (reviewer.kind, reviewer.target.as_str()))
        .collect();
    assert_eq!(fallback, vec![(ReviewerKind::User, USER)]);

    // A fallback already chosen, or reviewers who do not depend on the person, stay as they are.
    draft.default_fallback_to(me);
    assert_eq!(draft.stages[0].fallback.len(), 1);
    let mut owners = DefinitionDraft::new(start());
    owners.stages[0].reviewers[0].kind = ReviewerKind::GroupOwners;
    owners.default_fallback_to(me);
    assert!(owners.stages[0].fallback.is_empty());
}

fn item_recommended(
    recommendation: Recommendation,
    decided: Option<ReviewVerdict>,
) -> ReviewItemView {
    ReviewItemView {
        id: ITEM.parse().unwrap(),
        instance_id: ITEM.parse().unwrap(),
        person: PersonSummary {
            id: USER.parse().unwrap(),
            username: "alice".into(),
            display_name: "Alice Analyst".into(),
            guest: false,
        },
        access: ReviewedResource::Group {
            group_id: GROUP.parse().unwrap(),
        },
        access_name: "Sales".into(),
        last_sign_in_at: None,
        recommendation: RecommendationView {
            verdict: recommendation.verdict(),
            reason: recommendation,
            message: recommendation.message(),
        },
        stage: 1,
        self_review: false,
        decision: decided.map(|verdict| ReviewDecision {
            by: USER.parse().unwrap(),
            verdict,
            justification: None,
            source: DecisionSource::Reviewer,
            at: "2030-03-04T14:05:00Z".parse().unwrap(),
        }),
        earlier_decisions: Vec::new(),
        final_outcome: None,
        applied: None,
        granted_by: Vec::new(),
    }
}

#[test]
fn the_preview_of_accepting_recommendations_counts_the_items_by_what_happens_and_why() {
    let recent = Recommendation::SignedInRecently { look_back_days: 30 };
    let stale = Recommendation::NoRecentSignIn { look_back_days: 30 };
    let never = Recommendation::NeverSignedIn { look_back_days: 30 };
    let items = vec![
        item_recommended(stale, None),
        item_recommended(recent, None),
        item_recommended(stale, None),
        item_recommended(never, None),
        item_recommended(recent, Some(ReviewVerdict::Deny)),
        item_recommended(Recommendation::Off {}, None),
    ];
    let preview = AcceptPreview::of(&items);
    assert_eq!(
        preview.lines,
        vec![
            (
                AcceptEffect::Approved,
                "Signed in within the last 30 days".to_string(),
                1
            ),
            (
                AcceptEffect::Denied,
                "No sign-in in the last 30 days".to_string(),
                2
            ),
            (AcceptEffect::Denied, "Never signed in".to_string(), 1),
            (
                AcceptEffect::LeftUndecided,
                "Recommendations are off for this review".to_string(),
                1
            ),
            (
                AcceptEffect::AlreadyDecided,
                "Signed in within the last 30 days".to_string(),
                1
            ),
        ]
    );
    assert_eq!(preview.decided(), 4);
    assert_eq!(
        preview.headline(),
        "4 items will be decided as recommended:"
    );
    assert_eq!(
        AcceptPreview::of(&[]).headline(),
        "No item would be decided: none of them has a recommendation to accept."
    );
}

#[test]
fn a_d_and_k_decide_a_row_but_not_with_a_modifier() {
    assert_eq!(verdict_for_key("a", false), Some(ReviewVerdict::Approve));
    assert_eq!(verdict_for_key("D", false), Some(ReviewVerdict::Deny));
    assert_eq!(verdict_for_key("k", false), Some(ReviewVerdict::DontKnow));
    assert_eq!(verdict_for_key("a", true), None);
    assert_eq!(verdict_for_key("x", false), None);
}
