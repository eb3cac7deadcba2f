//! Guests: people from outside the organisation. They sign in like members, but a policy for
//! "all members" is not for them (neither to request nor to be assigned under), and access
//! reviews can be limited to them.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::service::reviews::run_due_reviews;

use super::catalogs::insert_group;
use super::requests::offer;
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// Creates a guest through the API and signs them in.
async fn guest(app: &TestApp, username: &str) -> Session {
    let created = app
        .create_user(json!({
            "username": username,
            "display_name": format!("{username} Guest"),
            "email": format!("{username}@partner.example"),
            "password": PASSWORD,
            "user_type": "guest",
        }))
        .await;
    assert_eq!(created["user_type"], "guest");
    Session::sign_in(&app.base, username, PASSWORD).await
}

fn policy(audience: &str) -> Value {
    json!({
        "name": audience,
        "who_can_request": {"type": audience},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

on_both_backends! {
    async fn only_people_can_be_guests_and_a_guest_can_become_a_member(app: TestApp) {
        let refused = app.admin.post("/api/v1/users", &json!({
            "username": "robot", "display_name": "Robot", "email": "robot@example.org",
            "kind": "service_account", "user_type": "guest",
        })).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["user_type"]);
        let refused = app.admin.post("/api/v1/users", &json!({
            "username": "robot", "display_name": "Robot", "email": "robot@example.org",
            "user_type": "visitor",
        })).await;
        assert_eq!(refused.status(), 422);

        let gwen = guest(&app, "gwen").await;
        let me: Value = gwen.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["username"], "gwen", "a guest signs in like anyone");
        let changed = app.admin.patch(&format!("/api/v1/users/{}", gwen.id()), &json!({"user_type": "member"})).await;
        assert_eq!(changed.status(), 200);
        assert_eq!(changed.json::<Value>().await.unwrap()["user_type"], "member");
        let listed: Value = app.admin.get("/api/v1/users?q=gwen").await.json().await.unwrap();
        assert_eq!(listed["items"][0]["user_type"], "member");

        let robot = app.create_user(json!({
            "username": "robot", "display_name": "Robot", "email": "robot@example.org",
            "kind": "service_account",
        })).await;
        assert_eq!(robot["user_type"], "member");
        let refused = app.admin.patch(&format!("/api/v1/users/{}", id(&robot)), &json!({"user_type": "guest"})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["user_type"]);
        // Only an administrator changes it.
        let refused = gwen.patch(&format!("/api/v1/users/{}", gwen.id()), &json!({"user_type": "member"})).await;
        assert_eq!(refused.status(), 403);
    }
}

on_both_backends! {
    async fn a_policy_for_all_members_is_not_for_guests(app: TestApp) {
        let gwen = guest(&app, "gwen").await;
        let alice = app.person("alice").await;
        let members = offer(&app, "Members", |_| policy("all_members")).await;
        let everyone = offer(&app, "Everyone", |_| policy("all_users")).await;

        let names = |page: &Value| -> Vec<String> {
            page["items"].as_array().unwrap().iter().map(|p| p["name"].as_str().unwrap().to_string()).collect()
        };
        let for_gwen: Value = gwen.get("/api/v1/me/available-packages").await.json().await.unwrap();
        assert_eq!(names(&for_gwen), ["Everyone"]);
        let for_alice: Value = alice.get("/api/v1/me/available-packages").await.json().await.unwrap();
        assert_eq!(names(&for_alice), ["Everyone", "Members"]);

        let options: Value = gwen.get(&format!("/api/v1/access-packages/{}/request-options", members.package)).await.json().await.unwrap();
        assert_eq!(options["blockers"], json!([{"reason": "not_in_scope"}]));
        let refused = gwen.post("/api/v1/requests", &json!({
            "access_package_id": members.package, "policy_id": members.policy, "ask": "add",
        })).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["policy_id"]);
        let granted = gwen.post("/api/v1/requests", &json!({
            "access_package_id": everyone.package, "policy_id": everyone.policy, "ask": "add",
        })).await;
        assert_eq!(granted.status(), 201);

        // An assignment manager cannot put a guest under the members' policy either.
        let refused = app.admin.post(&format!("/api/v1/access-packages/{}/assignments", members.package),
            &json!({"policy_id": members.policy, "user_id": gwen.id()})).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["user_id"]);
        let assigned = app.admin.post(&format!("/api/v1/access-packages/{}/assignments", members.package),
            &json!({"policy_id": members.policy, "user_id": alice.id()})).await;
        assert_eq!(assigned.status(), 201);
    }
}

on_both_backends! {
    async fn a_review_of_guests_only_snapshots_only_guests(app: TestApp) {
        let reviewer = app.person("reviewer").await;
        let alice = app.person("alice").await;
        let gwen = guest(&app, "gwen").await;
        let gus = guest(&app, "gus").await;
        let group = insert_group(&app, "Partners", None).await;
        for person in [&alice, &gwen, &gus] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        let created = app.admin.post("/api/v1/access-reviews", &json!({
            "name": "Guests in Partners",
            "scope": {"resources": {"type": "groups", "group_ids": [group]}, "filter": {"type": "guests_only"}},
            "stages": [{"reviewers": [{"type": "user", "user_id": reviewer.id()}], "duration_days": 7}],
            "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
        })).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        assert_eq!(created["definition"]["scope"]["filter"], json!({"type": "guests_only"}));
        // Gus becomes a member before the review starts: who is a guest is decided at the start.
        assert_eq!(app.admin.patch(&format!("/api/v1/users/{}", gus.id()), &json!({"user_type": "member"})).await.status(), 200);

        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();
        let mine: Value = reviewer.get("/api/v1/me/access-reviews").await.json().await.unwrap();
        let instance = id(&mine["items"][0]);
        let items: Value = reviewer.get(&format!("/api/v1/access-review-instances/{instance}/items?mine=true")).await.json().await.unwrap();
        let names: Vec<&str> = items["items"].as_array().unwrap().iter().map(|item| item["person"]["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["gwen"]);

        // The two filters combine: guests who have not signed in for 30 days.
        let inactive = app.admin.post("/api/v1/access-reviews", &json!({
            "name": "Inactive guests",
            "scope": {"resources": {"type": "groups", "group_ids": [group]},
                      "filter": {"type": "inactive_for_days", "days": 30, "guests_only": true}},
            "stages": [{"reviewers": [{"type": "user", "user_id": reviewer.id()}], "duration_days": 7}],
            "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
        })).await;
        assert_eq!(inactive.status(), 201);
        let inactive: Value = inactive.json().await.unwrap();
        assert_eq!(inactive["definition"]["scope"]["filter"], json!({"type": "inactive_for_days", "days": 30, "guests_only": true}));
    }
}

on_both_backends! {
    async fn an_import_creates_guests_and_turns_them_into_members(app: TestApp) {
        let import = |csv: &'static str| {
            let admin = &app.admin;
            async move {
                let response = admin.post_raw("/api/v1/directory/imports", "text/csv; charset=utf-8", csv).await;
                let status = response.status();
                let body: Value = response.json().await.unwrap();
                assert_eq!(status, 200, "{body}");
                body
            }
        };
        let first = import("type,username,display_name,email,user_type\nuser,gwen,Gwen,gwen@partner.example,guest\n").await;
        assert_eq!(first["created"]["users"], 1, "{first}");
        let users: Value = app.admin.get("/api/v1/users?q=gwen").await.json().await.unwrap();
        assert_eq!(users["items"][0]["user_type"], "guest");
        let second = import("type,username,display_name,email,user_type\nuser,gwen,Gwen,gwen@partner.example,member\n").await;
        assert_eq!(second["updated"]["users"], 1, "{second}");
        let users: Value = app.admin.get("/api/v1/users?q=gwen").await.json().await.unwrap();
        assert_eq!(users["items"][0]["user_type"], "member");
        let refused = import("type,username,display_name,email,kind,user_type\nuser,bot,Bot,bot@example.org,service_account,guest\n").await;
        assert_eq!(refused["rejected"][0]["field"], "user_type", "{refused}");
    }
}

on_both_backends! {
    async fn group_members_say_who_is_a_guest(app: TestApp) {
        let group = insert_group(&app, "Partners", None).await;
        let gwen = guest(&app, "gwen").await;
        let alice = app.person("alice").await;
        for person in [&gwen, &alice] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        let page: Value = app.admin.get(&format!("/api/v1/groups/{group}/members")).await.json().await.unwrap();
        let flags: Vec<(&str, bool)> = page["items"].as_array().unwrap().iter()
            .map(|m| (m["username"].as_str().unwrap(), m["guest"].as_bool().unwrap()))
            .collect();
        assert_eq!(flags, [("alice", false), ("gwen", true)]);
    }
}
