//! The pure parts of this feature, tested natively.

use chrono::{FixedOffset, TimeZone};
use serde_json::json;
use tessera_domain::CatalogId;

use super::*;

const POLICY: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const USER: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";

fn definition(extra: serde_json::Value) -> PolicyDefinition {
    let mut value = json!({
        "name": "Direct",
        "who_can_request": {"type": "nobody"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "after_days", "days": 30}},
        "requester": {"questions": [
            {"type": "short_text", "id": "ticket", "text": "Ticket?", "required": false},
            {"type": "single_choice", "id": "site", "text": "Which site?", "required": true,
             "choices": ["Oslo", "Paris"]},
            {"type": "multiple_choice", "id": "tools", "text": "Tools?", "required": false,
             "choices": ["git", "wiki", "ci"]},
        ]},
    });
    if let (Some(target), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        for (key, field) in extra {
            target.insert(key.clone(), field.clone());
        }
    }
    serde_json::from_value(value).unwrap()
}

/// The browser's zone in these tests: two hours east of UTC.
fn plus_two(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    FixedOffset::east_opt(2 * 3600)?
        .from_local_datetime(&naive)
        .single()
        .map(|at| at.with_timezone(&Utc))
}

fn form() -> NewAssignmentForm {
    NewAssignmentForm {
        policy_id: POLICY.into(),
        user_id: USER.into(),
        answers: vec![
            AnswerDraft::default(),
            AnswerDraft {
                text: "Paris".into(),
                chosen: Vec::new(),
            },
            AnswerDraft {
                text: String::new(),
                chosen: vec!["ci".into(), "git".into()],
            },
        ],
        ..Default::default()
    }
}

fn refused_fields(error: ApiError) -> Vec<String> {
    error
        .problem()
        .map(|p| p.errors.iter().map(|e| e.field.clone()).collect())
        .unwrap_or_default()
}

#[test]
fn a_filled_form_becomes_the_apis_input_with_local_times_in_utc() {
    let policy = definition(json!({}));
    let mut form = form();
    form.starts_at = "2030-03-04T14:05".into();
    form.ends_at = "2030-03-05T09:00".into();
    form.justification = "  Joins the project  ".into();
    let new = form.parse(Some(&policy), plus_two).unwrap();
    let body = serde_json::to_value(&new).unwrap();
    assert_eq!(
        body,
        json!({
            "policy_id": POLICY,
            "user_id": USER,
            "starts_at": "2030-03-04T12:05:00Z",
            "ends_at": "2030-03-05T07:00:00Z",
            "justification": "Joins the project",
            "answers": [
                {"question_id": "ticket", "value": ""},
                {"question_id": "site", "value": "Paris"},
                {"question_id": "tools", "value": ["git", "ci"]},
            ],
        })
    );
}

#[test]
fn empty_dates_and_justification_are_left_to_the_policy() {
    let new = form()
        .parse(Some(&definition(json!({}))), plus_two)
        .unwrap();
    assert_eq!(new.starts_at, None);
    assert_eq!(new.ends_at, None);
    assert_eq!(new.justification, None);
}

#[test]
fn a_required_question_left_blank_is_refused_at_its_answer() {
    let mut form = form();
    form.answers[1].text = String::new();
    let error = form
        .parse(Some(&definition(json!({}))), plus_two)
        .unwrap_err();
    assert_eq!(refused_fields(error.clone()), vec!["answers[1].value"]);
    assert_eq!(
        message_under(&error, "answers[1]").as_deref(),
        Some("this question needs an answer")
    );
    assert_eq!(message_under(&error, "answers[0]"), None);
}

#[test]
fn every_local_refusal_names_the_apis_field() {
    let policy = definition(json!({}));
    let form = NewAssignmentForm {
        policy_id: String::new(),
        user_id: "someone".into(),
        starts_at: "tomorrow".into(),
        ends_at: "2030-01-01T10:00".into(),
        justification: "x".repeat(2001),
        answers: vec![
            AnswerDraft::default(),
            AnswerDraft {
                text: "Rome".into(),
                chosen: Vec::new(),
            },
        ],
    };
    let fields = refused_fields(form.parse(Some(&policy), plus_two).unwrap_err());
    assert_eq!(
        fields,
        vec![
            "policy_id",
            "user_id",
            "starts_at",
            "justification",
            "answers[1].value"
        ]
    );
    let error = form.parse(None, plus_two).unwrap_err();
    assert!(refused_fields(error).contains(&"policy_id".to_string()));
}

#[test]
fn an_end_before_the_start_or_a_time_missing_in_the_zone_is_refused() {
    let policy = definition(json!({}));
    let mut form = form();
    form.starts_at = "2030-03-04T14:05".into();
    form.ends_at = "2030-03-04T14:05".into();
    let error = form.parse(Some(&policy), plus_two).unwrap_err();
    assert_eq!(refused_fields(error), vec!["ends_at"]);
    let error = form.parse(Some(&policy), |_| None).unwrap_err();
    assert_eq!(refused_fields(error), vec!["starts_at", "ends_at"]);
}

#[test]
fn datetime_local_values_are_read_to_the_minute_or_second() {
    assert!(local_date_time("2030-03-04T14:05").is_some());
    assert!(local_date_time("2030-03-04T14:05:09").is_some());
    assert!(local_date_time("2030-03-04T14:05:09.5").is_some());
    assert!(local_date_time("2030-03-04").is_none());
}

#[test]
fn filters_become_the_lists_query_and_the_csv_link() {
    let catalog: CatalogId = POLICY.parse().unwrap();
    let user: UserId = USER.parse().unwrap();
    let filters = AssignmentQuery {
        catalog_id: Some(catalog),
        user_id: Some(user),
        state: StateChoice::parse("removed").filter(),
        ..Default::default()
    };
    assert_eq!(
        query_pairs(&filters),
        vec![
            ("catalog_id", POLICY.to_string()),
            ("user_id", USER.to_string()),
            ("state", "removed".to_string()),
        ]
    );
    assert_eq!(
        csv_href(&filters),
        format!("/api/v1/assignments.csv?catalog_id={POLICY}&user_id={USER}&state=removed")
    );
    assert_eq!(
        csv_href(&AssignmentQuery::default()),
        "/api/v1/assignments.csv"
    );
}

#[test]
fn the_state_filter_is_active_unless_chosen_otherwise() {
    assert_eq!(StateChoice::parse(""), StateChoice::Active);
    assert_eq!(StateChoice::Active.filter(), Some(StateFilter::Active));
    assert_eq!(StateChoice::All.filter(), None);
    for choice in StateChoice::ALL {
        assert_eq!(StateChoice::parse(choice.value()), choice);
    }
}

#[test]
fn policies_that_need_approval_or_are_disabled_cannot_be_used() {
    assert_eq!(PolicyUse::of(&definition(json!({}))), PolicyUse::Usable);
    assert_eq!(
        PolicyUse::of(&definition(json!({"enabled": false}))),
        PolicyUse::Disabled
    );
    let approval = definition(json!({"approval": {"type": "required", "stages": [
        {"primary_approvers": [{"type": "user", "user_id": USER}], "timeout_days": 7}
    ]}}));
    assert_eq!(PolicyUse::of(&approval), PolicyUse::RequiresApproval);
    assert!(PolicyUse::RequiresApproval.warning().is_some());
    assert_eq!(PolicyUse::Usable.suffix(), "");
}

#[test]
fn the_expiry_hint_says_what_the_policy_decides() {
    assert_eq!(
        expiry_hint(&definition(json!({}))),
        "Under this policy, access ends 30 days after it starts."
    );
}

#[test]
fn a_removal_reason_is_optional_but_bounded() {
    assert_eq!(removal("  "), Ok(RemoveAssignment::default()));
    let given = removal(" left the team ").unwrap();
    assert_eq!(
        given.justification.map(String::from).as_deref(),
        Some("left the team")
    );
    let error = removal(&"x".repeat(2001)).unwrap_err();
    assert_eq!(refused_fields(error), vec!["justification"]);
}

fn assignment(state: AssignmentState) -> AssignmentView {
    let at = |hour| {
        Utc.with_ymd_and_hms(2030, 3, 4, hour, 5, 0)
            .single()
            .unwrap()
    };
    let someone = PersonSummary {
        id: USER.parse().unwrap(),
        username: "ada".into(),
        display_name: "Ada".into(),
        guest: false,
    };
    AssignmentView {
        id: POLICY.parse().unwrap(),
        access_package_id: POLICY.parse().unwrap(),
        access_package_name: "Wiki".into(),
        catalog_id: POLICY.parse().unwrap(),
        policy_id: None,
        policy_name: "Direct".into(),
        user: someone,
        state,
        starts_at: at(1),
        ends_at: Some(at(20)),
        justification: None,
        answers: Vec::new(),
        assigned_by: None,
        created_at: at(1),
        ended_at: (!state.is_active()).then(|| at(9)),
        ended_by: None,
    }
}

#[test]
fn the_end_column_says_when_access_ends_or_ended() {
    assert_eq!(
        end_label(&assignment(AssignmentState::Delivered)),
        "2030-03-04 20:05 UTC"
    );
    assert_eq!(
        end_label(&assignment(AssignmentState::Removed)),
        "Removed 2030-03-04 09:05 UTC"
    );
    assert_eq!(
        end_label(&assignment(AssignmentState::Expired)),
        "Expired 2030-03-04 09:05 UTC"
    );
    let mut open_ended = assignment(AssignmentState::Scheduled);
    open_ended.ends_at = None;
    assert_eq!(end_label(&open_ended), "No end");
    assert_eq!(person(&open_ended.user), "Ada (ada)");
}

#[test]
fn a_reprocess_report_reads_as_what_was_found_or_done() {
    let report: ReprocessReport = serde_json::from_value(json!({
        "dry_run": true,
        "added": [{
            "user": {"id": USER, "username": "alice", "display_name": "Alice", "guest": false},
            "kind": "group_member",
            "group_id": POLICY,
            "resource_name": "Wiki group",
        }],
        "removed": [],
    }))
    .unwrap();
    assert_eq!(
        reprocess_summary(&report),
        "Found 1 directory row to put back and 0 directory rows to take away. Nothing was changed yet."
    );
    let rows = reprocess_rows(&report);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "Member of Wiki group");
    assert_eq!(rows[0].2, "To put back");
    let done = ReprocessReport {
        dry_run: false,
        ..report.clone()
    };
    assert_eq!(
        reprocess_summary(&done),
        "Put back 1 directory row and took away 0 directory rows."
    );
    assert_eq!(reprocess_rows(&done)[0].2, "Put back");
    let nothing = ReprocessReport {
        added: vec![],
        ..done
    };
    assert!(reprocess_summary(&nothing).contains("nothing to put right"));
    assert!(reprocess_rows(&nothing).is_empty());
}
