use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

/// A package in a new catalog whose resource is `group` (as a member role); returns its path.
pub async fn package_with_group(app: &TestApp, name: &str, group: Uuid) -> String {
    let catalog = create_catalog(&app.admin, &format!("{name} catalog")).await;
    let c = catalog["id"].as_str().unwrap();
    let added = app
        .admin
        .post(
            &format!("/api/v1/catalogs/{c}/resources"),
            &json!({"kind": "group", "id": group}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let package = create_package(&app.admin, c, name).await;
    let p = format!(
        "/api/v1/access-packages/{}",
        package["id"].as_str().unwrap()
    );
    let role = app
        .admin
        .post(
            &format!("{p}/resource-roles"),
            &json!({"kind": "group_member", "group_id": group}),
        )
        .await;
    assert_eq!(role.status(), 201);
    p
}

/// A two-stage policy: the requester's manager (with a fallback user), then the group's owners.
pub fn two_stage_policy(fallback: &str, group: Uuid) -> Value {
    json!({
        "name": "Employees",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "required", "stages": [
            {
                "primary_approvers": [{"type": "manager"}],
                "fallback_approvers": [{"type": "user", "user_id": fallback}],
                "timeout_days": 14,
                "escalation": {"after_days": 8, "approvers": [{"type": "user", "user_id": fallback}]},
            },
            {"primary_approvers": [{"type": "group_owners", "group_id": group}], "timeout_days": 7},
        ]},
        "requester": {
            "justification_required": true,
            "questions": [{"type": "single_choice", "id": "site", "text": "Which site?", "required": true, "choices": ["Paris", "Oslo"]}],
        },
        "lifecycle": {"expiry": {"type": "after_days", "days": 180}, "extension": {"type": "allowed", "approval_required": true}, "self_removal_allowed": true},
    })
}

on_both_backends! {
    async fn a_two_stage_policy_is_created_read_replaced_and_deleted(app: TestApp) {
        let fallback = app.person("fallback").await;
        let group = insert_group(&app, "Finance readers", None).await;
        let p = package_with_group(&app, "Ledger", group).await;

        let created = app.admin.post(&format!("{p}/policies"), &two_stage_policy(&fallback.id(), group)).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        let stages = created["definition"]["approval"]["stages"].as_array().unwrap();
        assert_eq!(stages.len(), 2);
        assert_eq!(created["definition"]["enabled"], true);
        let path = format!("{p}/policies/{}", created["id"].as_str().unwrap());
        let read: Value = app.admin.get(&path).await.json().await.unwrap();
        assert_eq!(read, created);
        let listed: Value = app.admin.get(&format!("{p}/policies")).await.json().await.unwrap();
        assert_eq!(listed, json!([created]));

        let mut simpler = two_stage_policy(&fallback.id(), group);
        simpler["approval"] = json!({"type": "none"});
        simpler["lifecycle"]["extension"] = json!({"type": "allowed", "approval_required": false});
        simpler["name"] = json!("No approval");
        let replaced = app.admin.send(reqwest::Method::PUT, &path, Some(&simpler)).await;
        assert_eq!(replaced.status(), 200);
        let replaced: Value = replaced.json().await.unwrap();
        assert_eq!(replaced["definition"]["approval"], json!({"type": "none"}));
        assert_eq!(replaced["definition"]["name"], "No approval");

        assert_eq!(app.admin.delete(&path).await.status(), 204);
        assert_problem(app.admin.get(&path).await, 404, "not_found").await;

        let state = app.state().await;
        let package_id = p.rsplit('/').next().unwrap();
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "access_package", package_id).await.unwrap();
        let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).filter(|a| a.starts_with("policy")).collect();
        assert_eq!(actions, ["policy.create", "policy.update", "policy.delete"]);
    }
}

on_both_backends! {
    async fn every_problem_in_a_policy_is_reported_at_its_path(app: TestApp) {
        let group = insert_group(&app, "Ops", None).await;
        let other_group = insert_group(&app, "Not in the package", None).await;
        let p = package_with_group(&app, "Servers", group).await;
        let mut bad = two_stage_policy(&Uuid::new_v4().to_string(), other_group);
        bad["approval"]["stages"][0]["timeout_days"] = json!(3);
        bad["approval"]["stages"][0]["escalation"]["after_days"] = json!(2);
        bad["requester"]["questions"][0]["choices"] = json!(["Only one"]);
        let response = app.admin.post(&format!("{p}/policies"), &bad).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let fields = problem_fields(&problem);
        assert!(fields.contains(&"approval.stages[0].escalation".to_string()) || fields.iter().any(|f| f.starts_with("approval.stages[0].escalation")), "{fields:?}");
        assert!(fields.iter().any(|f| f.starts_with("requester.questions[0].choices")), "{fields:?}");

        // Domain-valid, but naming a user who does not exist and owners of a group the package
        // does not grant.
        let dangling = two_stage_policy(&Uuid::new_v4().to_string(), other_group);
        let response = app.admin.post(&format!("{p}/policies"), &dangling).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, [
            "approval.stages[0].escalation.approvers[0]",
            "approval.stages[0].fallback_approvers[0]",
            "approval.stages[1].primary_approvers[0]",
        ]);
        let unknown_field = app.admin.post(&format!("{p}/policies"), &json!({"name": "x", "colour": 1})).await;
        assert_eq!(unknown_field.status(), 422);
        let none: Value = app.admin.get(&format!("{p}/policies")).await.json().await.unwrap();
        assert_eq!(none, json!([]), "nothing was stored");
    }
}

on_both_backends! {
    async fn a_pattern_question_keeps_its_hint_and_example_and_a_wrong_example_is_refused(app: TestApp) {
        let group = insert_group(&app, "Tickets", None).await;
        let p = package_with_group(&app, "Tracker", group).await;
        let mut policy = two_stage_policy(&app.admin.id(), group);
        policy["approval"] = json!({"type": "none"});
        policy["lifecycle"]["extension"] = json!({"type": "allowed", "approval_required": false});
        policy["requester"]["questions"] = json!([{
            "type": "short_text", "id": "ticket", "text": "Ticket", "required": true,
            "regex": "[A-Z]{2,6}-[0-9]{1,6}",
            "hint": "A project key, a hyphen and a number",
            "example": "FIN-1234",
        }]);
        let created = app.admin.post(&format!("{p}/policies"), &policy).await;
        let status = created.status();
        let created: Value = created.json().await.unwrap();
        assert_eq!(status, 201, "{created}");
        let question = &created["definition"]["requester"]["questions"][0];
        assert_eq!(question["hint"], "A project key, a hyphen and a number");
        assert_eq!(question["example"], "FIN-1234");

        policy["requester"]["questions"][0]["example"] = json!("fin-1234");
        policy["requester"]["questions"].as_array_mut().unwrap().push(json!({
            "type": "long_text", "id": "notes", "text": "Notes", "hint": "Anything",
        }));
        let refused = app.admin.post(&format!("{p}/policies"), &policy).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, ["requester.questions[0].example", "requester.questions[1].hint"]);
    }
}
