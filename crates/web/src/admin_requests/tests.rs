//! The pure parts of this feature, tested natively.

#![allow(clippy::unwrap_used)]

use serde_json::{Value, json};

use super::*;

const PACKAGE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06";

fn someone(n: u8, name: &str) -> Value {
    json!({
        "id": format!("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a{n:02}"),
        "username": name.to_lowercase().replace(' ', "."), "display_name": name, "guest": false,
    })
}

fn stage(number: usize, approvers: Value, decided: bool) -> Value {
    json!({
        "number": number, "started_at": "2026-01-02T09:00:00Z",
        "deadline_at": "2026-01-09T09:00:00Z", "approvers": approvers, "used_fallback": false,
        "escalated_at": null, "escalation_approvers": [],
        "approver_justification_required": false,
        "decision": decided.then(|| json!({
            "by": someone(9, "Dan Decider"), "verdict": "approve", "justification": null,
            "at": "2026-01-03T09:00:00Z",
        })),
    })
}

fn not_started(number: usize) -> Value {
    json!({
        "number": number, "started_at": null, "deadline_at": null, "approvers": [],
        "used_fallback": false, "escalated_at": null, "escalation_approvers": [],
        "approver_justification_required": false, "decision": null,
    })
}

fn request(state: &str, stages: Value) -> RequestView {
    serde_json::from_value(json!({
        "id": "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a07", "access_package_id": PACKAGE,
        "access_package_name": "Payroll", "policy_id": null, "policy_name": "Staff",
        "kind": "user_add", "state": state, "requester": someone(1, "Ann Asker"),
        "target": someone(2, "Tom Target"), "justification": null, "answers": [],
        "starts_at": null, "ends_at": null, "submitted_at": "2026-01-02T09:00:00Z",
        "closed_at": null, "outcome": null, "stages": stages, "assignment_id": null,
        "timeline": [],
    }))
    .unwrap()
}

#[test]
fn a_packages_open_requests_are_asked_for_by_package_and_openness() {
    let package: AccessPackageId = PACKAGE.parse().unwrap();
    assert_eq!(
        query_pairs(&open_requests_of(package)),
        [
            ("access_package_id", PACKAGE.to_string()),
            ("open", "true".to_string())
        ]
    );
}

#[test]
fn the_waiting_line_names_the_stage_and_whoever_may_decide_it() {
    let maria = json!([someone(3, "Maria Manager")]);
    let two = json!([someone(3, "Maria Manager"), someone(4, "Bob Boss")]);
    let second_of_three = request(
        "pending_approval",
        json!([
            stage(1, maria.clone(), true),
            stage(2, maria.clone(), false),
            not_started(3)
        ]),
    );
    assert_eq!(
        waiting_line(&second_of_three).as_deref(),
        Some("Stage 2 of 3, waiting for Maria Manager")
    );
    let either = request("pending_approval", json!([stage(1, two, false)]));
    assert_eq!(
        waiting_line(&either).as_deref(),
        Some("Stage 1 of 1, waiting for Maria Manager or Bob Boss")
    );
    let nobody = request("pending_approval", json!([stage(1, json!([]), false)]));
    assert_eq!(
        waiting_line(&nobody).as_deref(),
        Some("Stage 1 of 1, with nobody to decide it")
    );
    let scheduled = request("scheduled", json!([stage(1, maria, true)]));
    assert_eq!(
        waiting_line(&scheduled),
        None,
        "approved: nobody to wait for"
    );
    assert_eq!(
        canceled_notice(&scheduled),
        "The request for Tom Target was canceled."
    );
}

#[test]
fn empty_filters_ask_for_everything() {
    let filters = RequestFilterForm::default().parse();
    assert_eq!(filters.as_ref().ok(), Some(&RequestExportQuery::default()));
    assert_eq!(csv_href(&RequestExportQuery::default()), CSV_EXPORT_PATH);
}

#[test]
fn filters_become_the_query_of_the_list_and_the_csv_link() {
    let form = RequestFilterForm {
        state: "delivery_failed".into(),
        requester_id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        created_after: "2025-03-04T14:05".into(),
        ..RequestFilterForm::default()
    };
    let Ok(filters) = form.parse() else {
        panic!("refused")
    };
    assert_eq!(
        csv_href(&filters),
        "/api/v1/requests.csv?state=delivery_failed\
         &requester_id=0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b\
         &created_after=2025-03-04T14%3A05%3A00Z"
    );
}

#[test]
fn every_bad_filter_is_named() {
    let form = RequestFilterForm {
        state: "stuck".into(),
        access_package_id: "nope".into(),
        requester_id: "nobody".into(),
        created_after: "2025-03-04T14:05".into(),
        created_before: "2025-03-04T14:00".into(),
    };
    let Err(ApiError::Problem(problem)) = form.parse() else {
        panic!("accepted")
    };
    let fields: Vec<&str> = problem.errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "state",
            "access_package_id",
            "requester_id",
            "created_before"
        ]
    );
}
