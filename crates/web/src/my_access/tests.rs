//! The pure parts of this feature, tested natively.

use chrono::TimeZone;
use serde_json::json;
use tessera_domain::PolicyId;
use tessera_domain::problem::ProblemCode;

use super::*;
use crate::my_access::{BulkApproval, approval_href, by_deadline, decide_by};

const PACKAGE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5a";
const POLICY: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
const ALICE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c";
const BOB: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d";

fn package() -> AccessPackageId {
    PACKAGE.parse().unwrap()
}

fn policy(requester: serde_json::Value, lifecycle: serde_json::Value) -> RequestablePolicy {
    RequestablePolicy {
        id: POLICY.parse::<PolicyId>().unwrap(),
        definition: serde_json::from_value(json!({
            "name": "Staff",
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "requester": requester,
            "lifecycle": lifecycle,
        }))
        .unwrap(),
        requires_approval: false,
    }
}

fn with_question() -> RequestablePolicy {
    policy(
        json!({
            "justification_required": true,
            "may_choose_dates": true,
            "questions": [
                {"type": "short_text", "id": "badge", "text": "Badge number", "required": true,
                 "regex": "[0-9]{4}"},
                {"type": "multiple_choice", "id": "sites", "text": "Sites",
                 "choices": ["Oslo", "Lyon", "Pune"]},
            ],
        }),
        json!({"expiry": {"type": "after_days", "days": 30}}),
    )
}

fn utc(naive: NaiveDateTime) -> Option<DateTime<Utc>> {
    Some(naive.and_utc())
}

fn fields(error: &ApiError) -> Vec<String> {
    error
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|e| e.field.clone())
        .collect()
}

fn request(state: RequestState, kind: RequestKind, requester: &str, target: &str) -> RequestView {
    serde_json::from_value(json!({
        "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60",
        "access_package_id": PACKAGE,
        "access_package_name": "Finance",
        "policy_id": POLICY,
        "policy_name": "Staff",
        "kind": kind,
        "state": state,
        "requester": {"id": requester, "username": "r", "display_name": "Requester", "guest": false},
        "target": {"id": target, "username": "t", "display_name": "Target", "guest": false},
        "justification": null,
        "answers": [],
        "starts_at": null,
        "ends_at": null,
        "submitted_at": "2026-01-01T10:00:00Z",
        "closed_at": null,
        "outcome": null,
        "stages": [
            {"number": 1, "started_at": "2026-01-01T10:00:00Z", "deadline_at": null,
             "approvers": [{"id": BOB, "username": "bob", "display_name": "Bob Builder", "guest": false}],
             "used_fallback": false, "escalated_at": null, "escalation_approvers": [],
             "approver_justification_required": false,
             "decision": {"by": {"id": BOB, "username": "bob", "display_name": "Bob Builder", "guest": false},
                          "verdict": "approve", "justification": "ok",
                          "at": "2026-01-01T11:00:00Z"}},
            {"number": 2, "started_at": "2026-01-01T11:00:00Z", "deadline_at": null,
             "approvers": [{"id": BOB, "username": "bob", "display_name": "Bob Builder", "guest": false},
                           {"id": ALICE, "username": "ada", "display_name": "Ada Admin", "guest": false}],
             "used_fallback": false, "escalated_at": null, "escalation_approvers": [],
             "approver_justification_required": true, "decision": null},
        ],
        "assignment_id": null,
        "timeline": [],
    }))
    .unwrap()
}

#[test]
fn tabs_are_read_from_the_query_and_written_back() {
    assert_eq!(PackagesTab::parse(None), PackagesTab::Available);
    assert_eq!(PackagesTab::parse(Some("expired")), PackagesTab::Expired);
    assert_eq!(PackagesTab::parse(Some("nonsense")), PackagesTab::Available);
    for tab in PackagesTab::ALL {
        let href = tab.href("/access-packages");
        let query = href.split_once("tab=").map(|(_, tab)| tab);
        assert_eq!(PackagesTab::parse(query), tab);
    }
    assert_eq!(ApprovalsTab::parse(Some("history")), ApprovalsTab::History);
    assert_eq!(ApprovalsTab::Pending.href("/approvals"), "/approvals");
}

#[test]
fn blockers_read_as_sentences_naming_the_person_and_the_conflicting_access() {
    assert_eq!(
        describe_blocker(
            &Blocker::AlreadyAssigned {
                assignment_id: PACKAGE.parse().unwrap()
            },
            Whom::Other("Bob Builder")
        ),
        "Bob Builder already has this package."
    );
    let conflict = Blocker::Conflict {
        conflicting: vec!["Payments".into(), "Group member: Auditors".into()],
    };
    assert_eq!(
        describe_blocker(&conflict, Whom::Myself),
        "Separation of duties: this package is incompatible with access you hold: Payments and Group member: Auditors."
    );
    assert!(describe_blocker(&Blocker::NotInScope, Whom::Myself).contains("No policy"));
    assert!(describe_blocker(&Blocker::CatalogDisabled, Whom::Myself).contains("disabled"));
}

#[test]
fn lists_are_joined_with_and() {
    assert_eq!(joined(&[]), "");
    assert_eq!(joined(&["A".into()]), "A");
    assert_eq!(joined(&["A".into(), "B".into(), "C".into()]), "A, B and C");
}

#[test]
fn a_complete_form_becomes_a_request_with_every_answer_in_question_order() {
    let form = RequestForm {
        policy_id: POLICY.into(),
        target_user_id: None,
        justification: "  Month-end close  ".into(),
        starts_at: "2030-01-01T09:00".into(),
        ends_at: String::new(),
        answers: vec![
            AnswerDraft {
                text: "1234".into(),
                chosen: vec![],
            },
            AnswerDraft {
                text: String::new(),
                chosen: vec!["Pune".into(), "Oslo".into()],
            },
        ],
    };
    let input = form.parse(package(), &[with_question()], utc).unwrap();
    assert_eq!(input.ask, Ask::Add);
    assert_eq!(
        input.policy_id.map(|id| id.to_string()).as_deref(),
        Some(POLICY)
    );
    assert_eq!(
        input.justification.as_ref().map(Justification::as_str),
        Some("Month-end close")
    );
    assert_eq!(
        input.starts_at,
        Some(Utc.with_ymd_and_hms(2030, 1, 1, 9, 0, 0).unwrap())
    );
    assert_eq!(input.answers[0].question_id, "badge");
    // Choices are sent in the policy's order.
    assert_eq!(
        input.answers[1].value,
        AnswerValueInput::Many(vec!["Oslo".into(), "Pune".into()])
    );
}

#[test]
fn refusals_name_the_fields_the_api_would_name() {
    let form = RequestForm {
        policy_id: POLICY.into(),
        answers: vec![AnswerDraft::default(), AnswerDraft::default()],
        starts_at: "2030-01-02T09:00".into(),
        ends_at: "2030-01-01T09:00".into(),
        ..RequestForm::default()
    };
    let error = form.parse(package(), &[with_question()], utc).unwrap_err();
    assert_eq!(
        fields(&error),
        ["justification", "ends_at", "answers[0].value"]
    );
    assert_eq!(
        error.field_message("answers[0].value").as_deref(),
        Some("this question needs an answer")
    );
}

/// Natively, as on the server. The portal's WebAssembly has no pattern engine and leaves this to
/// the server, whose refusal names the same field (e2e/test_my_access.py checks it shows there).
#[test]
fn an_answer_not_matching_its_pattern_is_refused_at_the_answer() {
    let form = RequestForm {
        policy_id: POLICY.into(),
        justification: "why".into(),
        answers: vec![
            AnswerDraft {
                text: "12".into(),
                chosen: vec![],
            },
            AnswerDraft::default(),
        ],
        ..RequestForm::default()
    };
    let error = form.parse(package(), &[with_question()], utc).unwrap_err();
    assert_eq!(fields(&error), ["answers[0].value"]);
    assert_eq!(
        question_pattern(&with_question().definition.requester.questions[0]),
        Some("[0-9]{4}")
    );
}

#[test]
fn without_a_chosen_policy_the_policy_is_refused() {
    let error = RequestForm::default()
        .parse(package(), &[with_question()], utc)
        .unwrap_err();
    assert_eq!(fields(&error), ["policy_id"]);
}

#[test]
fn dates_are_not_sent_when_the_policy_does_not_let_requesters_choose_them() {
    let plain = policy(json!({}), json!({"expiry": {"type": "never"}}));
    let form = RequestForm {
        policy_id: POLICY.into(),
        starts_at: "not a date".into(),
        ..RequestForm::default()
    };
    let input = form.parse(package(), &[plain], utc).unwrap();
    assert_eq!((input.starts_at, input.justification), (None, None));
}

#[test]
fn a_resubmission_keeps_the_answers_of_questions_still_asked() {
    let earlier: Vec<Answer> = serde_json::from_value(json!([
        {"question_id": "sites", "question": "Sites", "answer": {"type": "choices", "value": ["Lyon"]}},
        {"question_id": "gone", "question": "Old", "answer": {"type": "text", "value": "x"}},
    ]))
    .unwrap();
    let drafts = drafts_from(&with_question().definition.requester.questions, &earlier);
    assert_eq!(drafts[0], AnswerDraft::default());
    assert_eq!(drafts[1].chosen, ["Lyon"]);
}

#[test]
fn an_extension_needs_the_justification_its_policy_requires_and_a_removal_does_not() {
    let definition = with_question().definition;
    let form = ChangeForm::default();
    let error = form
        .parse(Ask::Extend, package(), Some(&definition), utc)
        .unwrap_err();
    assert_eq!(fields(&error), ["justification"]);
    let removal = form
        .parse(Ask::Remove, package(), Some(&definition), utc)
        .unwrap();
    assert_eq!((removal.ask, removal.policy_id), (Ask::Remove, None));
}

#[test]
fn what_a_policy_allows_for_held_access_is_said_before_asking() {
    let strict = policy(
        json!({}),
        json!({"expiry": {"type": "after_days", "days": 5}}),
    );
    assert!(change_allowed(&strict.definition, Ask::Extend).is_err());
    assert!(change_allowed(&strict.definition, Ask::Remove).is_err());
    let lenient = policy(
        json!({}),
        json!({"expiry": {"type": "after_days", "days": 5},
               "extension": {"type": "allowed", "approval_required": true},
               "self_removal_allowed": true}),
    );
    assert_eq!(
        change_allowed(&lenient.definition, Ask::Extend),
        Ok("An extension goes through the policy's approval.")
    );
    assert!(change_allowed(&lenient.definition, Ask::Remove).is_ok());
}

#[test]
fn the_current_stage_is_the_first_started_and_undecided_one() {
    let pending = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    assert_eq!(current_stage(&pending).map(|s| s.number), Some(2));
    let denied = request(RequestState::Denied, RequestKind::UserAdd, ALICE, ALICE);
    assert_eq!(current_stage(&denied), None);
    assert_eq!(
        stage_approvers(&pending.stages[1]),
        "Bob Builder and Ada Admin"
    );
    let bob = BOB.parse().unwrap();
    assert_eq!(
        decision_by(&pending, bob).map(|d| d.verdict),
        Some(Verdict::Approve)
    );
}

#[test]
fn a_decision_needs_a_justification_only_when_the_stage_says_so() {
    let pending = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    let error = decision(&pending.stages[1], Verdict::Deny, " ").unwrap_err();
    assert_eq!(
        error.field_message("justification").as_deref(),
        Some("this stage requires a justification")
    );
    let input = decision(&pending.stages[1], Verdict::Approve, "Needed for the audit").unwrap();
    assert_eq!((input.stage, input.verdict), (2, Verdict::Approve));
    assert!(decision(&pending.stages[0], Verdict::Approve, "").is_ok());
}

#[test]
fn only_ones_own_open_requests_are_canceled_and_closed_add_requests_resubmitted() {
    let alice = ALICE.parse().unwrap();
    let bob = BOB.parse().unwrap();
    let pending = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    assert!(can_cancel(&pending, alice));
    assert!(!can_cancel(&pending, bob));
    assert!(!can_resubmit(&pending, alice));
    let denied = request(RequestState::Denied, RequestKind::UserAdd, ALICE, ALICE);
    assert!(can_resubmit(&denied, alice));
    assert!(!can_resubmit(&denied, bob));
    let removal = request(
        RequestState::Canceled,
        RequestKind::UserRemove,
        ALICE,
        ALICE,
    );
    assert!(!can_resubmit(&removal, alice));
    assert!(!on_behalf(&pending));
    assert!(on_behalf(&request(
        RequestState::Denied,
        RequestKind::UserAdd,
        BOB,
        ALICE
    )));
}

#[test]
fn conflicts_read_in_words_and_other_refusals_keep_the_servers() {
    let body = r#"{"type":"about:blank","title":"Conflict","status":409,
        "code":"request_pending","detail":"A request for this person and package is already open."}"#;
    let error = ApiError::from_response(409, body, None);
    assert!(refusal_message(&error).contains("Request history"));
    let body = r#"{"type":"about:blank","title":"Conflict","status":409,
        "code":"separation_of_duties","detail":"Separation of duties: the person holds Payments."}"#;
    let error = ApiError::from_response(409, body, None);
    assert_eq!(
        refusal_message(&error),
        "Separation of duties: the person holds Payments."
    );
    assert!(decided_elsewhere(&error));
    assert_eq!(
        conflict_words(ProblemCode::AlreadyDecided),
        Some("Someone decided first: this request no longer waits for your decision.")
    );
}

#[test]
fn a_submitted_request_is_described_by_what_happens_next() {
    let pending = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    assert_eq!(
        submitted_words(&pending),
        "Your request for Finance was submitted and waits for approval."
    );
    let removed = request(
        RequestState::Delivered,
        RequestKind::UserRemove,
        ALICE,
        ALICE,
    );
    assert_eq!(
        submitted_words(&removed),
        "Your access to Finance was removed."
    );
}

#[test]
fn a_cancellation_reason_is_optional() {
    assert_eq!(cancellation("  ").unwrap(), CancelInput::default());
    assert!(
        cancellation("No longer needed")
            .unwrap()
            .justification
            .is_some()
    );
}

#[test]
fn state_filters_are_spelled_as_the_api_spells_them() {
    assert_eq!(state_filter_value(StateFilter::Removed), "removed");
    assert_eq!(state_filter_value(StateFilter::Active), "active");
}

#[test]
fn a_waiting_request_is_labelled_with_the_extension_it_waits_for() {
    let mut waiting = request(RequestState::Waiting, RequestKind::UserAdd, ALICE, ALICE);
    assert_eq!(request_label(&waiting), "Waiting for an extension");
    waiting.waiting_for = serde_json::from_value(json!({
        "extension": "Service desk ticket",
        "stage": "request_created",
        "since": "2026-01-01T10:00:00Z",
        "until": "2026-01-01T11:00:00Z",
        "timeout_outcome": "deny",
    }))
    .unwrap();
    assert_eq!(request_label(&waiting), "Waiting for Service desk ticket");
    assert!(submitted_words(&waiting).contains("Waiting for Service desk ticket"));
    let pending = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    assert_eq!(request_label(&pending), "Pending approval");
}

#[test]
fn requesters_read_the_hint_and_example_of_a_pattern_never_the_pattern() {
    let question = |extra: serde_json::Value| -> QuestionDefinition {
        let mut value = json!({"type": "short_text", "id": "ticket", "text": "Ticket"});
        if let (Some(object), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
            object.extend(extra.clone());
        }
        serde_json::from_value(value).unwrap()
    };
    let pattern = "[A-Z]{2,6}-[0-9]{1,6}";
    let cases = [
        (json!({}), None),
        (
            json!({"regex": pattern}),
            Some("This answer has to follow a set format; it is checked when you submit."),
        ),
        (
            json!({"regex": pattern, "hint": "A project key, a hyphen and a number"}),
            Some("A project key, a hyphen and a number."),
        ),
        (
            json!({"regex": pattern, "hint": "A project key and a number.", "example": "FIN-1234"}),
            Some("A project key and a number. For example: FIN-1234"),
        ),
        (
            json!({"regex": pattern, "example": "FIN-1234"}),
            Some("For example: FIN-1234"),
        ),
    ];
    for (extra, expected) in cases {
        let guide = pattern_guide(&question(extra.clone()));
        assert_eq!(guide.as_deref(), expected, "{extra}");
        assert!(!guide.unwrap_or_default().contains(pattern));
    }
}

#[test]
fn a_removal_or_extension_that_went_through_does_not_read_delivered() {
    use tessera_domain::request::{RequestKind, RequestState};
    assert_eq!(
        request_status_label(RequestKind::UserRemove, RequestState::Delivered),
        "Removed"
    );
    assert_eq!(
        request_status_label(RequestKind::AdminRemove, RequestState::Delivered),
        "Removed"
    );
    assert_eq!(
        request_status_label(RequestKind::UserExtend, RequestState::Delivered),
        "Extended"
    );
    assert_eq!(
        request_status_label(RequestKind::UserAdd, RequestState::Delivered),
        "Delivered"
    );
    assert_eq!(
        request_status_label(RequestKind::UserRemove, RequestState::PendingApproval),
        "Pending approval"
    );
}

fn waiting_until(id: &str, deadline: Option<&str>, submitted: &str) -> RequestView {
    let mut shown = request(
        RequestState::PendingApproval,
        RequestKind::UserAdd,
        ALICE,
        ALICE,
    );
    shown.id = id.parse().unwrap();
    shown.stages[1].deadline_at = deadline.map(|at| at.parse().unwrap());
    shown.submitted_at = submitted.parse().unwrap();
    shown
}

#[test]
fn approvals_are_listed_by_the_date_to_decide_by_soonest_first_and_undated_last() {
    let late = waiting_until(
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61",
        Some("2026-02-10T00:00:00Z"),
        "2026-01-01T10:00:00Z",
    );
    let soon = waiting_until(
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a62",
        Some("2026-01-05T00:00:00Z"),
        "2026-01-03T10:00:00Z",
    );
    let undated_old = waiting_until(
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a63",
        None,
        "2025-12-01T10:00:00Z",
    );
    let undated_new = waiting_until(
        "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a64",
        None,
        "2026-01-02T10:00:00Z",
    );
    let sorted = by_deadline(&[
        undated_new.clone(),
        late.clone(),
        undated_old.clone(),
        soon.clone(),
    ]);
    let ids: Vec<_> = sorted.iter().map(|r| r.id).collect();
    assert_eq!(ids, [soon.id, late.id, undated_old.id, undated_new.id]);
    assert_eq!(decide_by(&soon), soon.stages[1].deadline_at);
    let closed = request(RequestState::Denied, RequestKind::UserAdd, ALICE, ALICE);
    assert_eq!(
        decide_by(&closed),
        None,
        "a closed request waits for nobody"
    );
}

#[test]
fn a_deep_link_names_the_request_and_a_bulk_decision_says_what_it_came_to() {
    let id: tessera_domain::RequestId = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61".parse().unwrap();
    assert_eq!(
        approval_href("/approvals", id),
        "/approvals?request=0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61"
    );
    let all = BulkApproval {
        decided: 3,
        refused: vec![],
    };
    assert_eq!(all.headline("approved"), "You approved 3 requests.");
    let some = BulkApproval {
        decided: 1,
        refused: vec!["Finance for Target: someone else decided first".into()],
    };
    assert_eq!(
        some.headline("denied"),
        "You denied 1 request; 1 could not be decided."
    );
}

#[test]
fn a_package_one_holds_says_so_and_when_it_ends() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let held = |ends_at| Holding::Held {
        assignment_id: ALICE.parse().unwrap(),
        ends_at,
    };
    assert_eq!(holding_label(&held(None), now), "You have it");
    assert_eq!(
        holding_label(&held(Some(now + chrono::Duration::days(6))), now),
        "Ends in 6 days"
    );
    assert_eq!(
        holding_label(&held(Some(now + chrono::Duration::days(90))), now),
        "You have it"
    );
    let pending = Holding::Pending {
        request_id: BOB.parse().unwrap(),
    };
    assert_eq!(holding_label(&pending, now), "Pending");
    assert_eq!(report_holding_label(&held(None), now), "They have it");
    assert_eq!(
        report_holding_label(&held(Some(now + chrono::Duration::days(6))), now),
        "Ends in 6 days"
    );
    assert_eq!(report_holding_label(&pending, now), "Pending");
}

#[test]
fn suggestions_say_why_in_a_sentence() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let utc = chrono::FixedOffset::east_opt(0).unwrap();
    let day = |at: &DateTime<Utc>| crate::format::day_at(at, now, utc);
    let department = |count| SuggestionReason::SameDepartment {
        department: "Finance".into(),
        count,
    };
    assert_eq!(
        suggestion_reason(&department(3), day),
        "3 people in your department (Finance) have it"
    );
    assert_eq!(
        suggestion_reason(&department(1), day),
        "1 person in your department (Finance) has it"
    );
    assert_eq!(
        suggestion_reason(&SuggestionReason::SameManager { count: 2 }, day),
        "2 people with your manager have it"
    );
    assert_eq!(
        suggestion_reason(&SuggestionReason::DirectReports { count: 1 }, day),
        "1 of your direct reports has it"
    );
    assert_eq!(
        suggestion_reason(&SuggestionReason::DirectReports { count: 4 }, day),
        "4 of your direct reports have it"
    );
    let until = Utc.with_ymd_and_hms(2026, 11, 2, 16, 0, 0).unwrap();
    assert_eq!(
        suggestion_reason(&SuggestionReason::HeldBefore { until, count: 1 }, day),
        "You had it until 2 Nov"
    );
    assert_eq!(
        suggestion_reason(&SuggestionReason::HeldBefore { until, count: 3 }, day),
        "You had it 3 times, last until 2 Nov"
    );
    let last_year = Utc.with_ymd_and_hms(2025, 3, 9, 16, 0, 0).unwrap();
    assert_eq!(
        suggestion_reason(
            &SuggestionReason::HeldBefore {
                until: last_year,
                count: 1
            },
            day
        ),
        "You had it until 9 Mar 2025"
    );
    assert_eq!(
        suggestion_reasons(
            &[
                SuggestionReason::SameManager { count: 1 },
                SuggestionReason::HeldBefore { until, count: 1 },
            ],
            day
        ),
        "1 person with your manager has it. You had it until 2 Nov."
    );
}

#[test]
fn a_day_reads_in_the_browsers_time_zone() {
    let now = Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap();
    let late = Utc.with_ymd_and_hms(2026, 3, 11, 23, 30, 0).unwrap();
    let utc = chrono::FixedOffset::east_opt(0).unwrap();
    let paris = chrono::FixedOffset::east_opt(3600).unwrap();
    assert_eq!(crate::format::day_at(&late, now, utc), "11 Mar");
    assert_eq!(crate::format::day_at(&late, now, paris), "12 Mar");
    // New Year's Eve in UTC is already next year in Paris: the year is said when it differs.
    let eve = Utc.with_ymd_and_hms(2025, 12, 31, 23, 30, 0).unwrap();
    assert_eq!(crate::format::day_at(&eve, now, utc), "31 Dec 2025");
    assert_eq!(crate::format::day_at(&eve, now, paris), "1 Jan");
}

#[test]
fn descriptions_are_cut_at_a_word() {
    assert_eq!(excerpt("Short\n text", 40), "Short text");
    assert_eq!(
        excerpt("The general ledger, for clerks and controllers", 24),
        "The general ledger, for…"
    );
    assert_eq!(
        excerpt("The general ledger, for", 19),
        "The general ledger…"
    );
}

#[test]
fn a_manager_removes_a_reports_access_with_a_reason_only() {
    let package: AccessPackageId = ALICE.parse().unwrap();
    let report: UserId = BOB.parse().unwrap();
    let refused = removal_for_report(package, report, "  ").unwrap_err();
    assert_eq!(
        refused.field_message("justification").as_deref(),
        Some("say why you remove this person's access")
    );
    let input = removal_for_report(package, report, " Moved to sales. ").unwrap();
    assert_eq!(input.ask, Ask::Remove);
    assert_eq!(input.target_user_id, Some(report));
    assert_eq!(input.access_package_id, package);
    assert_eq!(
        input
            .justification
            .map(|j| j.as_str().to_string())
            .as_deref(),
        Some("Moved to sales.")
    );
}
