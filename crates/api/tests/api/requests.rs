//! Requests end to end: asking, approving in stages, denial, races between approvers,
//! escalation and timeouts, fallback approvers, idempotent submission, cancellation,
//! extension and self-removal, what is available to whom, and the overview.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::jobs::requests::run_due_requests;
use uuid::Uuid;

use super::catalogs::{create_catalog, insert_group};
use super::packages::create_package;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// A catalog with one group resource, and a package granting its membership under `policy`.
pub struct Offer {
    pub package: String,
    pub policy: String,
    pub group: Uuid,
}

pub async fn offer(app: &TestApp, name: &str, policy: impl FnOnce(Uuid) -> Value) -> Offer {
    let catalog = id(&create_catalog(&app.admin, &format!("{name} catalog")).await);
    let group = insert_group(app, &format!("{name} group"), None).await;
    let added = app
        .admin
        .post(
            &format!("/api/v1/catalogs/{catalog}/resources"),
            &json!({"kind": "group", "id": group}),
        )
        .await;
    assert_eq!(added.status(), 201);
    let package = id(&create_package(&app.admin, &catalog, name).await);
    let role = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/resource-roles"),
            &json!({"kind": "group_member", "group_id": group}),
        )
        .await;
    assert_eq!(role.status(), 201);
    let created = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{package}/policies"),
            &policy(group),
        )
        .await;
    assert_eq!(created.status(), 201, "{:?}", created.text().await);
    let created: Value = app
        .admin
        .get(&format!("/api/v1/access-packages/{package}/policies"))
        .await
        .json()
        .await
        .unwrap();
    Offer {
        package,
        policy: id(&created[0]),
        group,
    }
}

fn open_policy(_: Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {
            "expiry": {"type": "after_days", "days": 30},
            "extension": {"type": "allowed", "approval_required": false},
            "self_removal_allowed": true,
        },
    })
}

/// One stage decided by `approvers` (user ids), timing out after 14 days.
pub fn one_stage(approvers: &[&str]) -> Value {
    let specs: Vec<Value> = approvers
        .iter()
        .map(|user| json!({"type": "user", "user_id": user}))
        .collect();
    json!({
        "name": "Approved",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "required", "stages": [
            {"primary_approvers": specs, "timeout_days": 14},
        ]},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

async fn ask(session: &Session, offer: &Offer, extra: Value) -> reqwest::Response {
    let mut body =
        json!({"access_package_id": offer.package, "policy_id": offer.policy, "ask": "add"});
    for (key, value) in extra.as_object().unwrap() {
        body[key] = value.clone();
    }
    session.post("/api/v1/requests", &body).await
}

pub async fn asked(session: &Session, offer: &Offer, extra: Value) -> Value {
    let response = ask(session, offer, extra).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn decide(
    session: &Session,
    request: &str,
    stage: usize,
    verdict: &str,
) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/requests/{request}/decision"),
            &json!({"stage": stage, "verdict": verdict}),
        )
        .await
}

async fn members(app: &TestApp, group: Uuid) -> Vec<String> {
    let listed: Value = app
        .admin
        .get(&format!("/api/v1/groups/{group}/members"))
        .await
        .json()
        .await
        .unwrap();
    listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_string())
        .collect()
}

async fn set_manager(app: &TestApp, user: &Session, manager: &Session) {
    let response = app
        .admin
        .patch(
            &format!("/api/v1/users/{}", user.id()),
            &json!({"manager_id": manager.id()}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

async fn notification_kinds(session: &Session) -> Vec<String> {
    let page: Value = session
        .get("/api/v1/me/notifications")
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn pending_ids(session: &Session) -> Vec<String> {
    let page: Value = session
        .get("/api/v1/me/approvals")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().iter().map(id).collect()
}

on_both_backends! {
    async fn a_request_without_approval_is_delivered_at_once(app: TestApp) {
        let alice = app.person("alice").await;
        let offer = offer(&app, "Wiki", open_policy).await;
        let request = asked(&alice, &offer, json!({})).await;
        assert_eq!(request["state"], "delivered");
        assert_eq!(request["kind"], "user_add");
        assert_eq!(request["requester"]["username"], "alice");
        assert!(request["assignment_id"].is_string());
        assert_eq!(members(&app, offer.group).await, ["alice"]);

        let mine: Value = alice.get("/api/v1/me/assignments").await.json().await.unwrap();
        assert_eq!(mine["items"][0]["id"], request["assignment_id"]);
        assert!(mine["items"][0]["ends_at"].is_string(), "the policy's 30 days apply");
        let history: Value = alice.get("/api/v1/me/requests").await.json().await.unwrap();
        assert_eq!(history["items"][0]["id"], request["id"]);
        let events: Vec<&str> = request["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(events.first(), Some(&"submitted"));
        assert_eq!(events.last(), Some(&"delivered"));

        let options: Value = alice.get(&format!("/api/v1/access-packages/{}/request-options", offer.package)).await.json().await.unwrap();
        assert_eq!(options["can_request"], false);
        assert_eq!(options["blockers"][0]["reason"], "already_assigned");
        assert_problem(ask(&alice, &offer, json!({})).await, 409, "already_assigned").await;
    }
}

on_both_backends! {
    async fn two_stages_are_decided_in_order_by_the_people_they_ask(app: TestApp) {
        let alice = app.person("alice").await;
        let manager = app.person("manager").await;
        let owner = app.person("owner").await;
        let fallback = app.person("fallback").await;
        let eve = app.person("eve").await;
        set_manager(&app, &alice, &manager).await;
        let fallback_id = fallback.id();
        let owner_id = owner.id();
        let offer = offer(&app, "Payroll", |group| json!({
            "name": "Two stages",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [
                {"primary_approvers": [{"type": "manager"}], "fallback_approvers": [{"type": "user", "user_id": fallback_id}], "timeout_days": 14},
                {"primary_approvers": [{"type": "group_owners", "group_id": group}], "timeout_days": 7, "approver_justification_required": true},
            ]},
            "requester": {
                "justification_required": true,
                "questions": [{"type": "short_text", "id": "why", "text": "Which project?", "required": true}],
            },
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let put = app.admin.put(&format!("/api/v1/groups/{}/owners/{owner_id}", offer.group)).await;
        assert_eq!(put.status(), 204);

        let refused = ask(&alice, &offer, json!({})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        let mut fields = problem_fields(&problem);
        fields.sort();
        assert_eq!(fields, ["answers", "justification"]);

        let request = asked(&alice, &offer, json!({
            "justification": "quarter close",
            "answers": [{"question_id": "why", "value": "Q4"}],
        })).await;
        let r = id(&request);
        assert_eq!(request["state"], "pending_approval");
        assert_eq!(request["stages"][0]["approvers"][0]["username"], "manager");
        assert_eq!(request["stages"][0]["used_fallback"], false);
        assert_eq!(request["stages"][1]["started_at"], Value::Null);
        assert_eq!(pending_ids(&manager).await, std::slice::from_ref(&r));

        assert_problem(decide(&eve, &r, 1, "approve").await, 404, "not_found").await;
        assert_problem(decide(&alice, &r, 1, "approve").await, 403, "forbidden").await;
        assert_problem(decide(&manager, &r, 2, "approve").await, 409, "stage_not_current").await;

        let approved = decide(&manager, &r, 1, "approve").await;
        assert_eq!(approved.status(), 200);
        let approved: Value = approved.json().await.unwrap();
        assert_eq!(approved["state"], "pending_approval");
        assert_eq!(approved["stages"][0]["decision"]["by"]["username"], "manager");
        assert_eq!(approved["stages"][1]["approvers"][0]["username"], "owner");
        assert!(pending_ids(&manager).await.is_empty());
        assert_eq!(pending_ids(&owner).await, std::slice::from_ref(&r));
        let history: Value = manager.get("/api/v1/me/approvals?list=history").await.json().await.unwrap();
        assert_eq!(history["items"][0]["id"], r.as_str());
        // The owner sees what stage 1 decided, the answers and the justification.
        let seen: Value = owner.get(&format!("/api/v1/requests/{r}")).await.json().await.unwrap();
        assert_eq!(seen["justification"], "quarter close");
        assert_eq!(seen["answers"][0]["answer"]["value"], "Q4");

        assert_problem(decide(&owner, &r, 1, "approve").await, 409, "already_decided").await;
        let unjustified = decide(&owner, &r, 2, "approve").await;
        let problem = assert_problem(unjustified, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["justification"]);
        assert!(members(&app, offer.group).await.is_empty());

        let done = owner.post(&format!("/api/v1/requests/{r}/decision"), &json!({"stage": 2, "verdict": "approve", "justification": "fine"})).await;
        assert_eq!(done.status(), 200);
        let done: Value = done.json().await.unwrap();
        assert_eq!(done["state"], "delivered");
        assert_eq!(members(&app, offer.group).await, ["alice"]);
        let events: Vec<&str> = done["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
        assert_eq!(events, ["submitted", "stage_started", "approved", "stage_started", "approved", "delivering", "delivered"]);

        // Each stage's approvers were told when it started; alice, when her access was ready.
        assert_eq!(notification_kinds(&manager).await, ["approval_needed"]);
        assert_eq!(notification_kinds(&owner).await, ["approval_needed"]);
        assert_eq!(notification_kinds(&alice).await, ["access_delivered"]);
        assert!(notification_kinds(&fallback).await.is_empty(), "the fallback was not needed");
        let note: Value = manager.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(note["items"][0]["subject"], "Approve access to Payroll for alice Example?");
    }
}

on_both_backends! {
    async fn a_denial_ends_the_request_and_the_target_never_approves_their_own(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let approvers = insert_group(&app, "Approvers", None).await;
        for person in [&alice, &bob] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{approvers}/members/{}", person.id())).await.status(), 204);
        }
        let offer = offer(&app, "Vault", |_| json!({
            "name": "Approvers decide",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [
                {"primary_approvers": [{"type": "group_members", "group_id": approvers}], "timeout_days": 7},
            ]},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let request = asked(&alice, &offer, json!({})).await;
        let approver_names: Vec<&str> = request["stages"][0]["approvers"].as_array().unwrap().iter().map(|p| p["username"].as_str().unwrap()).collect();
        assert_eq!(approver_names, ["bob"], "alice is left out of her own approvers");
        assert_problem(decide(&alice, &id(&request), 1, "approve").await, 403, "forbidden").await;

        let denied = decide(&bob, &id(&request), 1, "deny").await;
        assert_eq!(denied.status(), 200);
        let denied: Value = denied.json().await.unwrap();
        assert_eq!(denied["state"], "denied");
        assert_eq!(notification_kinds(&alice).await, ["request_denied"]);
        assert!(denied["outcome"].as_str().unwrap().contains("denied"));
        assert!(members(&app, offer.group).await.is_empty());
        assert_problem(decide(&bob, &id(&request), 1, "approve").await, 409, "already_decided").await;
        // Denied, she may ask again.
        let again = asked(&alice, &offer, json!({})).await;
        assert_eq!(again["state"], "pending_approval");
    }
}

on_both_backends! {
    async fn when_approvers_decide_at_once_exactly_one_decision_wins(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let (b, c) = (bob.id(), carol.id());
        let offer = offer(&app, "Race", move |_| one_stage(&[&b, &c])).await;
        for round in 0..3 {
            let request = asked(&alice, &offer, json!({})).await;
            let r = id(&request);
            let (one, two) = tokio::join!(decide(&bob, &r, 1, "approve"), decide(&carol, &r, 1, "deny"));
            let mut statuses = [one.status().as_u16(), two.status().as_u16()];
            statuses.sort();
            assert_eq!(statuses, [200, 409], "round {round}");
            let read: Value = alice.get(&format!("/api/v1/requests/{r}")).await.json().await.unwrap();
            let decision = &read["stages"][0]["decision"];
            assert!(decision.is_object());
            let state = read["state"].as_str().unwrap();
            match decision["verdict"].as_str().unwrap() {
                "approve" => {
                    assert_eq!(state, "delivered");
                    let removed = app.admin.post(&format!("/api/v1/assignments/{}/remove", read["assignment_id"].as_str().unwrap()), &json!({})).await;
                    assert_eq!(removed.status(), 200);
                }
                _ => assert_eq!(state, "denied"),
            }
        }
    }
}

on_both_backends! {
    async fn undecided_stages_escalate_then_time_out_and_fallbacks_stand_in(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let manager = app.person("manager").await;
        let escalation = app.person("escalation").await;
        let fallback = app.person("fallback").await;
        set_manager(&app, &alice, &manager).await;
        let (e, f) = (escalation.id(), fallback.id());
        let offer = offer(&app, "Slow", move |_| json!({
            "name": "Manager, escalating",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [{
                "primary_approvers": [{"type": "manager"}],
                "fallback_approvers": [{"type": "user", "user_id": f}],
                "timeout_days": 14,
                "escalation": {"after_days": 8, "approvers": [{"type": "user", "user_id": e}]},
            }]},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let for_alice = asked(&alice, &offer, json!({})).await;
        // Bob has no manager: the fallback approver decides for him.
        let for_bob = asked(&bob, &offer, json!({})).await;
        assert_eq!(for_bob["stages"][0]["used_fallback"], true);
        assert_eq!(for_bob["stages"][0]["approvers"][0]["username"], "fallback");

        let state = app.state().await;
        assert_eq!(run_due_requests(&state, Utc::now() + Duration::days(7)).await.unwrap(), 0);
        assert!(pending_ids(&escalation).await.is_empty());
        assert_eq!(run_due_requests(&state, Utc::now() + Duration::days(9)).await.unwrap(), 2);
        let mut escalated = pending_ids(&escalation).await;
        escalated.sort();
        let mut both = vec![id(&for_alice), id(&for_bob)];
        both.sort();
        assert_eq!(escalated, both);
        assert_eq!(pending_ids(&manager).await, [id(&for_alice)], "the manager may still decide");

        let approved = decide(&escalation, &id(&for_alice), 1, "approve").await;
        assert_eq!(approved.status(), 200);
        assert_eq!(approved.json::<Value>().await.unwrap()["state"], "delivered");

        assert_eq!(run_due_requests(&state, Utc::now() + Duration::days(15)).await.unwrap(), 1);
        let expired: Value = bob.get(&format!("/api/v1/requests/{}", id(&for_bob))).await.json().await.unwrap();
        assert_eq!(expired["state"], "expired");
        assert_eq!(notification_kinds(&bob).await, ["request_expired"]);
        assert_eq!(notification_kinds(&escalation).await, ["approval_needed", "approval_needed"], "told on escalation");
        assert!(pending_ids(&fallback).await.is_empty());
        assert_eq!(run_due_requests(&state, Utc::now() + Duration::days(15)).await.unwrap(), 0);
    }
}

on_both_backends! {
    async fn a_retried_submission_never_makes_a_second_request(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let offer = offer(&app, "Retry", move |_| one_stage(&[&b])).await;
        let body = json!({"access_package_id": offer.package, "policy_id": offer.policy, "ask": "add"});
        let send = || {
            alice
                .client
                .post(app.url("/api/v1/requests"))
                .header("X-CSRF-Token", &alice.csrf)
                .header("Idempotency-Key", "submit-1")
                .json(&body)
                .send()
        };
        let first = send().await.unwrap();
        assert_eq!(first.status(), 201);
        let first: Value = first.json().await.unwrap();
        let second = send().await.unwrap();
        assert_eq!(second.status(), 200);
        let second: Value = second.json().await.unwrap();
        assert_eq!(first["id"], second["id"]);
        let history: Value = alice.get("/api/v1/me/requests").await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 1);
        // Without the key, a second open request for the same package is refused.
        assert_problem(ask(&alice, &offer, json!({})).await, 409, "request_pending").await;
        let options: Value = alice.get(&format!("/api/v1/access-packages/{}/request-options", offer.package)).await.json().await.unwrap();
        assert_eq!(options["blockers"], json!([{"reason": "pending_request", "request_id": first["id"]}]));
    }
}

on_both_backends! {
    async fn requests_are_canceled_by_their_people_or_an_administrator(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let eve = app.person("eve").await;
        let b = bob.id();
        let offer = offer(&app, "Cancel", move |_| one_stage(&[&b])).await;
        let request = asked(&alice, &offer, json!({})).await;
        let r = id(&request);
        assert_problem(cancel_as(&eve, &r).await, 404, "not_found").await;
        assert_problem(cancel_as(&bob, &r).await, 403, "forbidden").await;
        let canceled = cancel_as(&alice, &r).await;
        assert_eq!(canceled.status(), 200);
        assert_eq!(canceled.json::<Value>().await.unwrap()["state"], "canceled");
        assert!(pending_ids(&bob).await.is_empty());
        assert_problem(cancel_as(&alice, &r).await, 409, "request_not_pending").await;

        let again = asked(&alice, &offer, json!({})).await;
        let by_admin = app.admin.post(&format!("/api/v1/requests/{}/cancel", id(&again)), &json!({"justification": "duplicate"})).await;
        assert_eq!(by_admin.status(), 200);
    }
}

on_both_backends! {
    async fn a_cancel_reason_is_kept_with_the_request_and_shown_to_the_requester(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let offer = offer(&app, "Reason", move |_| one_stage(&[&b])).await;
        let r = id(&asked(&alice, &offer, json!({})).await);
        let cancel = |body: Value| {
            let path = format!("/api/v1/requests/{r}/cancel");
            let admin = &app.admin;
            async move { admin.post(&path, &body).await }
        };

        let too_long = assert_problem(cancel(json!({"justification": "x".repeat(2001)})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&too_long), ["justification"], "{too_long}");
        assert_problem(cancel(json!({"justification": "   "})).await, 422, "validation_failed").await;
        let still: Value = alice.get(&format!("/api/v1/requests/{r}")).await.json().await.unwrap();
        assert_eq!(still["state"], "pending_approval");
        assert_eq!(still["cancellation"], Value::Null);

        let canceled = cancel(json!({"justification": "  duplicate of another request "})).await;
        assert_eq!(canceled.status(), 200);
        let canceled: Value = canceled.json().await.unwrap();
        assert_eq!(canceled["cancellation"]["reason"], "duplicate of another request");
        assert_eq!(canceled["cancellation"]["as_administrator"], true);

        let read: Value = alice.get(&format!("/api/v1/requests/{r}")).await.json().await.unwrap();
        assert_eq!(read["state"], "canceled");
        assert_eq!(read["cancellation"], canceled["cancellation"]);
        let admin_name = read["cancellation"]["by"]["display_name"].as_str().unwrap().to_string();
        let entry = read["timeline"].as_array().unwrap().iter().find(|e| e["event"] == "canceled").cloned().unwrap();
        assert_eq!(entry["summary"], format!("Canceled by {admin_name}: duplicate of another request"));
        let history: Value = alice.get("/api/v1/me/requests").await.json().await.unwrap();
        assert_eq!(history["items"][0]["cancellation"]["reason"], "duplicate of another request");

        // Without a reason, the request says so.
        let again = id(&asked(&alice, &offer, json!({})).await);
        assert_eq!(cancel_as(&alice, &again).await.status(), 200);
        let read: Value = alice.get(&format!("/api/v1/requests/{again}")).await.json().await.unwrap();
        assert_eq!(read["cancellation"]["reason"], Value::Null);
        assert_eq!(read["cancellation"]["as_administrator"], false);
        let entry = read["timeline"].as_array().unwrap().iter().find(|e| e["event"] == "canceled").cloned().unwrap();
        assert_eq!(entry["summary"], format!("Canceled by {}.", read["requester"]["display_name"].as_str().unwrap()));
    }
}

on_both_backends! {
    async fn access_is_extended_and_given_up_where_the_policy_allows(app: TestApp) {
        let alice = app.person("alice").await;
        let offer = offer(&app, "Keep", open_policy).await;
        let request = asked(&alice, &offer, json!({})).await;
        let assignment = request["assignment_id"].as_str().unwrap().to_string();
        let read = |session: &'static str| {
            let _ = session;
            async { alice.get("/api/v1/me/assignments?state=active").await.json::<Value>().await.unwrap() }
        };
        let before: chrono::DateTime<Utc> = read("alice").await["items"][0]["ends_at"].as_str().unwrap().parse().unwrap();

        let extend = alice.post("/api/v1/requests", &json!({"access_package_id": offer.package, "ask": "extend"})).await;
        assert_eq!(extend.status(), 201);
        let extend: Value = extend.json().await.unwrap();
        assert_eq!(extend["kind"], "user_extend");
        assert_eq!(extend["state"], "delivered");
        let after: chrono::DateTime<Utc> = read("alice").await["items"][0]["ends_at"].as_str().unwrap().parse().unwrap();
        assert_eq!((after - before).num_days(), 30, "the policy's 30 days are added to what is left");

        let remove = alice.post("/api/v1/requests", &json!({"access_package_id": offer.package, "ask": "remove"})).await;
        assert_eq!(remove.status(), 201);
        let remove: Value = remove.json().await.unwrap();
        assert_eq!(remove["state"], "delivered");
        assert_eq!(remove["assignment_id"], assignment.as_str());
        assert!(members(&app, offer.group).await.is_empty());
        assert_eq!(read("alice").await["items"], json!([]));
        let expired: Value = alice.get("/api/v1/me/assignments?state=removed").await.json().await.unwrap();
        assert_eq!(expired["items"][0]["id"], assignment.as_str());

        assert_problem(alice.post("/api/v1/requests", &json!({"access_package_id": offer.package, "ask": "remove"})).await, 409, "not_assigned").await;
        // A policy without self-removal refuses it.
        let strict = offer_strict(&app).await;
        asked(&alice, &strict, json!({})).await;
        assert_problem(alice.post("/api/v1/requests", &json!({"access_package_id": strict.package, "ask": "remove"})).await, 409, "removal_not_allowed").await;
        assert_problem(alice.post("/api/v1/requests", &json!({"access_package_id": strict.package, "ask": "extend"})).await, 409, "does_not_expire").await;
    }
}

async fn cancel_as(session: &Session, request: &str) -> reqwest::Response {
    session
        .post(&format!("/api/v1/requests/{request}/cancel"), &json!({}))
        .await
}

async fn offer_strict(app: &TestApp) -> Offer {
    offer(app, "Strict", |_| {
        json!({
            "name": "No way back",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })
    })
    .await
}

on_both_backends! {
    async fn people_see_what_they_may_request_and_why_not(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let staff = insert_group(&app, "Staff", None).await;
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{staff}/members/{}", alice.id())).await.status(), 204);
        let wiki = offer(&app, "Wiki", open_policy).await;
        let staff_only = offer(&app, "Staff handbook", |_| json!({
            "name": "Staff",
            "who_can_request": {"type": "specific_users_and_groups", "groups": [staff]},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let hidden = offer(&app, "Secret", open_policy).await;
        assert_eq!(app.admin.patch(&format!("/api/v1/access-packages/{}", hidden.package), &json!({"hidden": true})).await.status(), 200);
        let admin_only = offer(&app, "Admins assign", |_| json!({
            "name": "Nobody requests",
            "who_can_request": {"type": "nobody"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;

        let names = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
        };
        let for_alice: Value = alice.get("/api/v1/me/available-packages").await.json().await.unwrap();
        assert_eq!(names(&for_alice), ["Staff handbook", "Wiki"]);
        assert_eq!(for_alice["items"][1]["resources"], json!(["Member of Wiki group"]));
        let for_bob: Value = bob.get("/api/v1/me/available-packages").await.json().await.unwrap();
        assert_eq!(names(&for_bob), ["Wiki"]);
        let searched: Value = alice.get("/api/v1/me/available-packages?q=HANDBOOK").await.json().await.unwrap();
        assert_eq!(names(&searched), ["Staff handbook"]);
        let by_resource: Value = alice.get("/api/v1/me/available-packages?q=wiki%20gr").await.json().await.unwrap();
        assert_eq!(names(&by_resource), ["Wiki"]);
        let paged: Value = alice.get("/api/v1/me/available-packages?limit=1").await.json().await.unwrap();
        let cursor = paged["next_cursor"].as_str().unwrap();
        let rest: Value = alice.get(&format!("/api/v1/me/available-packages?limit=1&cursor={cursor}")).await.json().await.unwrap();
        assert_eq!(names(&rest), ["Wiki"]);

        let options: Value = bob.get(&format!("/api/v1/access-packages/{}/request-options", staff_only.package)).await.json().await.unwrap();
        assert_eq!(options["can_request"], false);
        assert_eq!(options["blockers"], json!([{"reason": "not_in_scope"}]));
        let refused = ask(&bob, &staff_only, json!({})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["policy_id"]);
        let refused = ask(&bob, &admin_only, json!({})).await;
        assert_problem(refused, 422, "validation_failed").await;

        // A hidden package opens by direct link and can be requested.
        let options: Value = bob.get(&format!("/api/v1/access-packages/{}/request-options", hidden.package)).await.json().await.unwrap();
        assert_eq!(options["can_request"], true);
        assert_eq!(options["policies"][0]["definition"]["name"], "Anyone");
        assert_eq!(asked(&bob, &hidden, json!({})).await["state"], "delivered");

        // Separation of duties is named before anyone asks.
        let put = app.admin.put(&format!("/api/v1/access-packages/{}/incompatible-packages/{}", wiki.package, hidden.package)).await;
        assert_eq!(put.status(), 204);
        let options: Value = bob.get(&format!("/api/v1/access-packages/{}/request-options", wiki.package)).await.json().await.unwrap();
        assert_eq!(options["blockers"], json!([{"reason": "conflict", "conflicting": ["the access package Secret"]}]));
        assert_problem(ask(&bob, &wiki, json!({})).await, 409, "separation_of_duties").await;
    }
}

on_both_backends! {
    async fn managers_ask_for_their_reports_only_where_the_policy_lets_them(app: TestApp) {
        let alice = app.person("alice").await;
        let manager = app.person("manager").await;
        let stranger = app.person("stranger").await;
        set_manager(&app, &alice, &manager).await;
        let offer = offer(&app, "Team", |_| json!({
            "name": "Managers may ask",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "requester": {"on_behalf_of_direct_reports": true},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let for_report = asked(&manager, &offer, json!({"target_user_id": alice.id()})).await;
        assert_eq!(for_report["target"]["username"], "alice");
        assert_eq!(for_report["requester"]["username"], "manager");
        assert_eq!(members(&app, offer.group).await, ["alice"]);
        let seen = alice.get(&format!("/api/v1/requests/{}", id(&for_report))).await;
        assert_eq!(seen.status(), 200, "the target sees requests made for them");

        let refused = ask(&stranger, &offer, json!({"target_user_id": alice.id()})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["target_user_id"]);

        let strict = offer_strict(&app).await;
        let refused = ask(&manager, &strict, json!({"target_user_id": alice.id()})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["target_user_id"]);
    }
}

on_both_backends! {
    async fn a_direct_assignment_under_an_approval_policy_waits_for_the_approvers(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let offer = offer(&app, "Gated", move |_| one_stage(&[&b])).await;
        let response = app.admin.post(&format!("/api/v1/access-packages/{}/assignments", offer.package), &json!({"policy_id": offer.policy, "user_id": alice.id()})).await;
        assert_eq!(response.status(), 202);
        let request: Value = response.json().await.unwrap();
        assert_eq!(request["kind"], "admin_add");
        assert_eq!(request["state"], "pending_approval");
        assert_eq!(request["requester"]["username"], "admin");
        assert!(members(&app, offer.group).await.is_empty());
        let approved = decide(&bob, &id(&request), 1, "approve").await;
        assert_eq!(approved.json::<Value>().await.unwrap()["state"], "delivered");
        assert_eq!(members(&app, offer.group).await, ["alice"]);
    }
}

on_both_backends! {
    async fn a_disabled_person_keeps_no_open_request(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let offer = offer(&app, "Leaver", move |_| one_stage(&[&b])).await;
        let request = asked(&alice, &offer, json!({})).await;
        let held = offer_strict(&app).await;
        asked(&alice, &held, json!({})).await;
        assert_eq!(members(&app, held.group).await, ["alice"]);
        let disabled = app.admin.patch(&format!("/api/v1/users/{}", alice.id()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200);
        // Closed at once; the scheduler finds nothing left.
        let state = app.state().await;
        assert_eq!(run_due_requests(&state, Utc::now()).await.unwrap(), 0);
        assert!(members(&app, held.group).await.is_empty(), "the disabled account's access is gone");
        let assignments: Value = app.admin.get(&format!("/api/v1/assignments?user_id={}", alice.id())).await.json().await.unwrap();
        assert_eq!(assignments["items"][0]["state"], "removed");
        let read: Value = app.admin.get(&format!("/api/v1/requests/{}", id(&request))).await.json().await.unwrap();
        assert_eq!(read["state"], "canceled");
        assert_eq!(read["outcome"], "The person's account was disabled.");
        assert!(pending_ids(&bob).await.is_empty());
    }
}

on_both_backends! {
    async fn the_overview_shows_what_needs_attention(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let gated = offer(&app, "Gated", move |_| one_stage(&[&b])).await;
        let quick = offer(&app, "Quick", |_| json!({
            "name": "A week",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "after_days", "days": 7}},
        })).await;
        let waiting = asked(&alice, &gated, json!({})).await;
        asked(&alice, &quick, json!({})).await;

        let mine: Value = alice.get("/api/v1/me/overview").await.json().await.unwrap();
        assert_eq!(mine["approvals_waiting_count"], 0);
        assert_eq!(mine["requests_in_flight"][0]["id"], waiting["id"]);
        assert_eq!(mine["expiring_soon"][0]["access_package_name"], "Quick");
        let bobs: Value = bob.get("/api/v1/me/overview").await.json().await.unwrap();
        assert_eq!(bobs["approvals_waiting_count"], 1);
        assert_eq!(bobs["approvals_waiting"][0]["id"], waiting["id"]);
        assert_eq!(bobs["requests_in_flight"], json!([]));
    }
}

on_both_backends! {
    async fn two_replicas_running_the_scheduler_move_each_request_once(app: TestApp) {
        let approver = app.person("approver").await;
        let escalation = app.person("escalation").await;
        let (a, e) = (approver.id(), escalation.id());
        let offer = offer(&app, "Busy", move |_| json!({
            "name": "Escalating",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [{
                "primary_approvers": [{"type": "user", "user_id": a}],
                "timeout_days": 14,
                "escalation": {"after_days": 8, "approvers": [{"type": "user", "user_id": e}]},
            }]},
            "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let mut requests = Vec::new();
        for n in 0..12 {
            let person = app.person(&format!("person{n}")).await;
            requests.push(id(&asked(&person, &offer, json!({})).await));
        }
        // Two replicas: two more application instances on the same database, each running the
        // same rounds of scheduled work.
        let first = tessera_api::startup::Application::build(app.settings.clone()).await.unwrap();
        let second = tessera_api::startup::Application::build(app.settings.clone()).await.unwrap();
        let (one, two) = (first.state(), second.state());
        let escalate_at = Utc::now() + Duration::days(9);
        let (x, y) = tokio::join!(run_due_requests(one, escalate_at), run_due_requests(two, escalate_at));
        assert_eq!(x.unwrap() + y.unwrap(), requests.len());
        let expire_at = Utc::now() + Duration::days(15);
        let (x, y) = tokio::join!(run_due_requests(one, expire_at), run_due_requests(two, expire_at));
        assert_eq!(x.unwrap() + y.unwrap(), requests.len());
        for request in &requests {
            let actions: Vec<String> = tessera_api::store::audit::list_events_for_target(&one.db, "request", request)
                .await.unwrap().into_iter().map(|event| event.action).collect();
            let count = |action: &str| actions.iter().filter(|a| a.as_str() == action).count();
            assert_eq!((count("request.escalate"), count("request.time_out")), (1, 1), "{request}: {actions:?}");
        }
    }
}

on_both_backends! {
    async fn the_demo_organisation_shows_every_flow(app: TestApp) {
        // The demo seeds only an empty directory; this app has its administrator already, so
        // seed a second, empty database the same way the `demo` command does.
        let _ = &app;
        let (url, _dir) = fresh_database(app.backend).await;
        let settings = tessera_api::config::Settings { database_url: url, ..app.settings.clone() };
        let state = tessera_api::state::AppState::open(settings).await.unwrap();
        assert!(tessera_api::demo::seed(&state).await.unwrap());
        assert!(!tessera_api::demo::seed(&state).await.unwrap(), "seeding twice changes nothing");
        let maria = tessera_api::store::users::find_user_by_username(&state.db, "maria").await.unwrap().unwrap();
        let waiting = tessera_api::store::requests::count_awaiting_decision(&state.db, maria.id).await.unwrap();
        assert_eq!(waiting, 1, "Alice's ledger request waits for Maria");
        let bob = tessera_api::store::users::find_user_by_username(&state.db, "bob").await.unwrap().unwrap();
        let available = tessera_api::store::access::list_available(&state.db, &tessera_api::store::access::RequestableFor::themselves(bob.id, true), None, None, None, 10).await.unwrap();
        let names: Vec<&str> = available.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["Finance ledger", "Wiki editors"], "administrator-only packages are not offered");
        let gina = tessera_api::store::users::find_user_by_username(&state.db, "gina").await.unwrap().unwrap();
        assert!(!gina.is_member(), "gina is a guest");
        let available = tessera_api::store::access::list_available(&state.db, &tessera_api::store::access::RequestableFor::themselves(gina.id, gina.is_member()), None, None, None, 10).await.unwrap();
        assert!(available.is_empty(), "the demo's packages are for members");
        // The guests' review starts with the scheduler's first round: one item, Gina's, for Maria.
        tessera_api::service::reviews::run_due_reviews(&state, chrono::Utc::now()).await.unwrap();
        let reviews = tessera_api::store::reviews::list_instances(&state.db, &tessera_api::store::reviews::InstanceList::ReviewedBy(maria.id), None, 10).await.unwrap();
        assert_eq!(reviews.len(), 1);
        assert_eq!(reviews[0].resource_name, "Engineering wiki");
    }
}
