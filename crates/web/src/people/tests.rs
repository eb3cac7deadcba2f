//! The pure parts of the person page, tested natively.

use serde_json::{Value, json};
use tessera_domain::request::RequestState;

use super::*;

const ADA: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a01";
const MARIA: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a02";
const ASSIGNMENT: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a03";
const REQUEST: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a04";
const ADMIN: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a05";
const PACKAGE: &str = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a06";

fn someone(id: &str, name: &str) -> Value {
    json!({"id": id, "username": name.to_lowercase(), "display_name": name, "guest": false})
}

fn user(extra: Value) -> UserView {
    let mut user = json!({
        "id": ADA, "username": "ada", "display_name": "Ada Lovelace",
        "email": "ada@example.com", "kind": "person", "user_type": "member",
        "manager_id": null, "department": null, "attributes": {}, "sponsors": [],
        "enabled": true, "is_admin": false, "last_sign_in_at": null,
        "created_at": "2026-01-01T10:00:00Z",
    });
    for (key, value) in extra.as_object().unwrap() {
        user[key] = value.clone();
    }
    serde_json::from_value(user).unwrap()
}

fn assignment(assigned_by: Value) -> AssignmentView {
    serde_json::from_value(json!({
        "id": ASSIGNMENT, "access_package_id": PACKAGE, "access_package_name": "Wiki",
        "catalog_id": PACKAGE, "policy_id": null, "policy_name": "Staff",
        "user": someone(ADA, "Ada Lovelace"), "state": "delivered",
        "starts_at": "2026-01-02T10:00:00Z", "ends_at": null, "justification": null,
        "answers": [], "assigned_by": assigned_by, "created_at": "2026-01-02T10:00:00Z",
        "ended_at": null, "ended_by": null,
    }))
    .unwrap()
}

fn request(kind: &str, requester: Value, state: &str, stages: Value) -> RequestView {
    serde_json::from_value(json!({
        "id": REQUEST, "access_package_id": PACKAGE, "access_package_name": "Wiki",
        "policy_id": null, "policy_name": "Staff", "kind": kind, "state": state,
        "requester": requester, "target": someone(ADA, "Ada Lovelace"),
        "justification": null, "answers": [], "starts_at": null, "ends_at": null,
        "submitted_at": "2026-01-02T09:00:00Z", "closed_at": null, "outcome": null,
        "stages": stages, "assignment_id": ASSIGNMENT, "timeline": [],
    }))
    .unwrap()
}

fn stage(number: usize, decided: bool) -> Value {
    json!({
        "number": number, "started_at": "2026-01-02T09:00:00Z",
        "deadline_at": "2026-01-09T09:00:00Z", "approvers": [someone(MARIA, "Maria")],
        "used_fallback": false, "escalated_at": null, "escalation_approvers": [],
        "approver_justification_required": false,
        "decision": if decided {
            json!({"by": someone(MARIA, "Maria"), "verdict": "approve", "justification": null,
                   "at": "2026-01-03T09:00:00Z"})
        } else {
            Value::Null
        },
    })
}

#[test]
fn an_account_says_where_it_comes_from_and_only_local_ones_take_a_password() {
    let local = AccountSource::of(&user(json!({})));
    assert_eq!(local, AccountSource::Local);
    assert!(local.has_password());
    assert!(local.label().starts_with("Local account"));

    let linked = AccountSource::of(&user(json!({"identity_links": [
        {"provider_id": "corp", "provider_name": "Corp SSO", "subject": "s-1",
         "linked_at": "2026-01-01T10:00:00Z"},
    ], "external_id": "E-1"})));
    assert_eq!(
        linked,
        AccountSource::IdentityProvider(vec!["Corp SSO".into()])
    );
    assert!(!linked.has_password());
    assert!(linked.label().contains("Corp SSO"), "{}", linked.label());

    let directory = AccountSource::of(&user(json!({"external_id": "E-1"})));
    assert_eq!(directory, AccountSource::Directory("E-1".into()));
    assert!(!directory.has_password());

    let service = AccountSource::of(&user(json!({"kind": "service_account"})));
    assert_eq!(service, AccountSource::Service);
    assert!(!service.has_password());
}

#[test]
fn access_says_the_request_it_came_from_or_who_assigned_it() {
    let asked = request(
        "user_add",
        someone(ADA, "Ada Lovelace"),
        "delivered",
        json!([]),
    );
    let why_asked = why(&assignment(someone(ADA, "Ada Lovelace")), &[asked]);
    assert_eq!(why_asked.text, "Requested under the policy “Staff”");
    assert_eq!(why_asked.request, Some(REQUEST.parse().unwrap()));

    let for_her = request("user_add", someone(MARIA, "Maria"), "delivered", json!([]));
    let why_for = why(&assignment(someone(MARIA, "Maria")), &[for_her]);
    assert_eq!(
        why_for.text,
        "Requested for them by Maria under the policy “Staff”"
    );

    let assigned = request("admin_add", someone(ADMIN, "Admin"), "delivered", json!([]));
    assert_eq!(
        why(&assignment(someone(ADMIN, "Admin")), &[assigned]).text,
        "Assigned by Admin under the policy “Staff”, approved as a request"
    );

    // No request read for it: who made it says why.
    let direct = why(&assignment(someone(ADMIN, "Admin")), &[]);
    assert_eq!(
        direct,
        Why {
            text: "Assigned directly by Admin under the policy “Staff”".into(),
            request: None
        }
    );
    assert_eq!(
        why(&assignment(Value::Null), &[]).text,
        "Given by Tessera under the policy “Staff”"
    );
    // An extension of it is not where it came from.
    let extended = request(
        "user_extend",
        someone(ADA, "Ada Lovelace"),
        "delivered",
        json!([]),
    );
    assert_eq!(
        why(&assignment(someone(ADMIN, "Admin")), &[extended]).request,
        None
    );
}

#[test]
fn a_pending_request_says_which_stage_of_how_many_waits() {
    let second = request(
        "user_add",
        someone(ADA, "Ada Lovelace"),
        "pending_approval",
        json!([stage(1, true), stage(2, false), stage(3, false)]),
    );
    assert_eq!(stage_line(&second).as_deref(), Some("Stage 2 of 3"));
    assert!(admin_may_cancel(&second));
    let delivered = request(
        "user_add",
        someone(ADA, "Ada Lovelace"),
        "delivered",
        json!([]),
    );
    assert_eq!(stage_line(&delivered), None);
    assert!(!admin_may_cancel(&delivered));
    let mut delivering = delivered.clone();
    delivering.state = RequestState::Delivering;
    assert!(!admin_may_cancel(&delivering), "not stopped half-way");
}

#[test]
fn the_edit_form_sends_only_what_changed_and_names_each_refusal() {
    let ada = user(json!({"manager_id": MARIA, "department": "Finance"}));
    let form = PersonForm::of(&ada);
    assert_eq!(form.manager_id, MARIA);
    assert_eq!(
        serde_json::to_value(form.changes(&ada).unwrap()).unwrap(),
        json!({})
    );

    let moved = PersonForm {
        display_name: " Ada King ".into(),
        department: String::new(),
        manager_id: String::new(),
        ..form.clone()
    };
    let changes = moved.changes(&ada).unwrap();
    assert_eq!(changes.display_name.unwrap().as_str(), "Ada King");
    assert_eq!(changes.email, None);
    assert_eq!(changes.department, Some(None));
    assert_eq!(changes.manager_id, Some(None));

    let bad = PersonForm {
        display_name: " ".into(),
        email: "not an address".into(),
        department: String::new(),
        manager_id: ADA.into(),
    };
    let refused = bad.changes(&ada).unwrap_err();
    let fields: Vec<String> = refused
        .problem()
        .unwrap()
        .errors
        .iter()
        .map(|error| error.field.clone())
        .collect();
    assert_eq!(fields, ["display_name", "email", "manager_id"]);
    assert_eq!(
        refused.field_message("manager_id").as_deref(),
        Some("nobody is their own manager")
    );
}

#[test]
fn a_person_page_is_under_the_administration() {
    assert_eq!(
        person_href(ADA.parse().unwrap()),
        format!("/admin/people/{ADA}")
    );
}
