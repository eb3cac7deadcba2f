//! "My team": a manager's direct reports with their access, open requests and the review items
//! waiting for the manager; removing a report's access where its policy lets managers, and
//! nobody else's.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::service::reviews::run_due_reviews;

use super::requests::{Offer, asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

async fn report_to(app: &TestApp, user: &Session, manager: &Session) {
    let response = app
        .admin
        .patch(
            &format!("/api/v1/users/{}", user.id()),
            &json!({"manager_id": manager.id()}),
        )
        .await;
    assert_eq!(response.status(), 200);
}

/// A package whose policy lets managers ask for their reports and people give access up.
async fn team_offer(app: &TestApp, name: &str) -> Offer {
    offer(app, name, |_| {
        json!({
            "name": "Managers may act",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "requester": {"on_behalf_of_direct_reports": true},
            "lifecycle": {
                "expiry": {"type": "after_days", "days": 30},
                "self_removal_allowed": true,
            },
        })
    })
    .await
}

/// A package whose policy lets people give access up, but not managers act for them.
async fn own_only_offer(app: &TestApp, name: &str) -> Offer {
    offer(app, name, |_| {
        json!({
            "name": "Only for oneself",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": true},
        })
    })
    .await
}

async fn team(session: &Session, query: &str) -> Value {
    let response = session.get(&format!("/api/v1/me/team{query}")).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn usernames(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|member| member["person"]["username"].as_str().unwrap())
        .collect()
}

fn member<'a>(page: &'a Value, username: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|member| member["person"]["username"] == username)
        .unwrap_or_else(|| panic!("no {username} in {page}"))
}

async fn remove_for(session: &Session, offer: &Offer, target: &str) -> reqwest::Response {
    session
        .post(
            "/api/v1/requests",
            &json!({
                "access_package_id": offer.package,
                "ask": "remove",
                "target_user_id": target,
                "justification": "Moved to another team.",
            }),
        )
        .await
}

on_both_backends! {
    async fn a_manager_sees_each_direct_report_with_access_requests_and_reviews(app: TestApp) {
        let maria = app.person("maria").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let dave = app.person("dave").await;
        let carol = app.person("carol").await;
        let approver = app.person("approver").await;
        for report in [&alice, &bob] {
            report_to(&app, report, &maria).await;
        }
        report_to(&app, &carol, &dave).await;
        let wiki = team_offer(&app, "Wiki").await;
        let ledger = own_only_offer(&app, "Ledger").await;
        let a = approver.id();
        let gated = offer(&app, "Gated", move |_| one_stage(&[&a])).await;
        asked(&alice, &wiki, json!({})).await;
        asked(&bob, &ledger, json!({})).await;
        asked(&carol, &wiki, json!({})).await;
        let waiting = asked(&alice, &gated, json!({})).await;
        assert_eq!(waiting["state"], "pending_approval");

        // Maria reviews the wiki group's members who report to her.
        let review = app.admin.post("/api/v1/access-reviews", &json!({
            "name": "Wiki check",
            "scope": {"resources": {"type": "groups", "group_ids": [wiki.group]}},
            "stages": [{
                "reviewers": [{"type": "manager"}],
                "fallback_reviewers": [{"type": "user", "user_id": app.admin.id()}],
                "duration_days": 7,
            }],
            "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
        })).await;
        assert_eq!(review.status(), 201, "{:?}", review.text().await);
        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();

        let page = team(&maria, "").await;
        assert_eq!(usernames(&page), ["alice", "bob"], "her direct reports only, by name");
        assert_eq!(page["next_cursor"], Value::Null);
        let alices = member(&page, "alice");
        assert_eq!(alices["access"].as_array().unwrap().len(), 1);
        let access = &alices["access"][0];
        assert_eq!(access["access_package_name"], "Wiki");
        assert_eq!(access["catalog_name"], "Wiki catalog");
        assert_eq!(access["state"], "delivered");
        assert!(access["ends_at"].is_string(), "the access ends after 30 days");
        assert_eq!(access["manager_may_remove"], true);
        let request = &alices["requests"][0];
        assert_eq!(request["id"], waiting["id"]);
        assert_eq!(request["access_package_name"], "Gated");
        assert_eq!(request["state"], "pending_approval");
        assert_eq!(request["stage"], 1, "stages are numbered from 1");
        assert_eq!(request["stages"], 1);
        assert!(request["decide_by"].is_string());
        assert_eq!(request["requested_by_you"], false);
        assert_eq!(request["you_may_open"], false, "maria is neither its requester nor its approver");
        assert_eq!(alices["reviews"].as_array().unwrap().len(), 1);
        assert_eq!(alices["reviews"][0]["review_name"], "Wiki check");
        assert_eq!(alices["reviews"][0]["access_name"], "Wiki group");
        let bobs = member(&page, "bob");
        assert_eq!(bobs["access"][0]["access_package_name"], "Ledger");
        assert_eq!(bobs["access"][0]["ends_at"], Value::Null);
        assert_eq!(bobs["access"][0]["manager_may_remove"], false, "its policy does not let managers act");
        assert_eq!(bobs["requests"], json!([]));
        assert_eq!(bobs["reviews"], json!([]), "bob is not in the reviewed group");

        // A decided item no longer waits.
        let item = alices["reviews"][0]["item_id"].as_str().unwrap();
        let decided = maria.post(&format!("/api/v1/access-review-items/{item}/decision"), &json!({"verdict": "approve"})).await;
        assert_eq!(decided.status(), 200);
        assert_eq!(member(&team(&maria, "").await, "alice")["reviews"], json!([]));

        // One page at a time, with a cursor.
        let first = team(&maria, "?limit=1").await;
        assert_eq!(usernames(&first), ["alice"]);
        let cursor = first["next_cursor"].as_str().unwrap().to_string();
        let second = team(&maria, &format!("?limit=1&cursor={cursor}")).await;
        assert_eq!(usernames(&second), ["bob"]);
        assert_eq!(second["next_cursor"], Value::Null);
        for limit in ["0", "51"] {
            let refused = maria.get(&format!("/api/v1/me/team?limit={limit}")).await;
            let problem = assert_problem(refused, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), ["limit"]);
        }

        // Dave sees his report only; someone who manages nobody, and the administrator, see
        // an empty team; nobody signed in sees nothing.
        assert_eq!(usernames(&team(&dave, "").await), ["carol"]);
        for session in [&alice, &app.admin] {
            assert_eq!(team(session, "").await["items"], json!([]));
        }
        let anonymous = app.anonymous().get(app.url("/api/v1/me/team")).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}

on_both_backends! {
    async fn a_manager_removes_a_reports_access_only_where_its_policy_lets_managers(app: TestApp) {
        let maria = app.person("maria").await;
        let alice = app.person("alice").await;
        let otto = app.person("otto").await;
        report_to(&app, &alice, &maria).await;
        let wiki = team_offer(&app, "Wiki").await;
        let ledger = own_only_offer(&app, "Ledger").await;
        // Maria asks for the wiki for alice: asking on behalf is the ordinary request.
        let made = asked(&maria, &wiki, json!({"target_user_id": alice.id()})).await;
        assert_eq!(made["state"], "delivered");
        asked(&alice, &ledger, json!({})).await;

        // Someone who is not alice's manager can't remove her access.
        let refused = remove_for(&otto, &wiki, &alice.id()).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["target_user_id"]);
        // Nor can maria where the policy does not let managers act.
        let refused = remove_for(&maria, &ledger, &alice.id()).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["target_user_id"]);
        let held = team(&maria, "").await;
        assert_eq!(member(&held, "alice")["access"].as_array().unwrap().len(), 2, "nothing was removed");

        // Where it does, the removal needs no approval and is audited as maria's request.
        let response = remove_for(&maria, &wiki, &alice.id()).await;
        let status = response.status();
        let removal: Value = response.json().await.unwrap();
        assert_eq!(status, 201, "{removal}");
        assert_eq!(removal["kind"], "user_remove");
        assert_eq!(removal["state"], "delivered");
        assert_eq!(removal["requester"]["username"], "maria");
        assert_eq!(removal["target"]["username"], "alice");
        let left = team(&maria, "").await;
        let names: Vec<&str> = member(&left, "alice")["access"]
            .as_array()
            .unwrap()
            .iter()
            .map(|access| access["access_package_name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Ledger"]);

        let events: Value = app.admin.get(&format!("/api/v1/audit-events?target_id={}", removal["id"].as_str().unwrap())).await.json().await.unwrap();
        let submitted = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["action"] == "request.submit")
            .unwrap_or_else(|| panic!("no request.submit in {events}"));
        assert_eq!(submitted["actor_id"], maria.id());
        assert_eq!(submitted["after"]["kind"], "user_remove");
        assert_eq!(submitted["after"]["target_id"], alice.id());
        let assignment = removal["assignment_id"].as_str().unwrap();
        let events: Value = app.admin.get(&format!("/api/v1/audit-events?target_id={assignment}")).await.json().await.unwrap();
        let removed = events["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|event| event["action"] == "assignment.remove")
            .unwrap_or_else(|| panic!("no assignment.remove in {events}"));
        assert_eq!(removed["after"]["ended_by"]["username"], "maria");
    }
}
