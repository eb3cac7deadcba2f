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
        assert_eq!(alices["email"], "alice@example.org");
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

async fn ok(response: reqwest::Response) -> Value {
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body
}

fn names(page: &Value) -> Vec<&str> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["name"].as_str().unwrap())
        .collect()
}

fn card<'a>(page: &'a Value, name: &str) -> &'a Value {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in {page}"))
}

/// A policy for `users` only that lets managers ask for their reports.
fn for_users(users: &[String]) -> Value {
    json!({
        "name": "Named people",
        "who_can_request": {"type": "specific_users_and_groups", "users": users},
        "approval": {"type": "none"},
        "requester": {"on_behalf_of_direct_reports": true},
        "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": true},
    })
}

on_both_backends! {
    async fn a_manager_lists_what_they_may_request_for_a_direct_report_marked_with_what_the_report_has(app: TestApp) {
        let maria = app.person("maria").await;
        let alice = app.person("alice").await;
        let carol = app.person("carol").await;
        let otto = app.person("otto").await;
        let approver = app.person("approver").await;
        report_to(&app, &alice, &maria).await;
        report_to(&app, &carol, &otto).await;
        let wiki = team_offer(&app, "Wiki").await;
        let handbook = team_offer(&app, "Handbook").await;
        // Policies that do not let managers ask, or whose audience is not alice's.
        own_only_offer(&app, "Ledger").await;
        let (m, a) = ([maria.id()], [alice.id()]);
        offer(&app, "Maria only", move |_| for_users(&m)).await;
        offer(&app, "Alice only", move |_| for_users(&a)).await;
        let approver_id = approver.id();
        let gated = offer(&app, "Gated", move |_| {
            let mut policy = one_stage(&[&approver_id]);
            policy["requester"] = json!({"on_behalf_of_direct_reports": true});
            policy
        })
        .await;
        // Alice holds the wiki and waits for the gated package; maria holds the handbook.
        asked(&maria, &wiki, json!({"target_user_id": alice.id()})).await;
        let pending = asked(&maria, &gated, json!({"target_user_id": alice.id()})).await;
        assert_eq!(pending["state"], "pending_approval");
        asked(&maria, &handbook, json!({})).await;

        let for_alice = ok(maria.get(&format!("/api/v1/me/available-packages?for={}", alice.id())).await).await;
        assert_eq!(
            names(&for_alice),
            ["Alice only", "Gated", "Handbook", "Wiki"],
            "alice's audience, under policies that let managers ask"
        );
        assert_eq!(card(&for_alice, "Wiki")["holding"]["state"], "held", "{for_alice}");
        assert_eq!(card(&for_alice, "Gated")["holding"]["state"], "pending");
        assert_eq!(card(&for_alice, "Gated")["holding"]["request_id"], pending["id"]);
        assert_eq!(card(&for_alice, "Handbook")["holding"], Value::Null, "maria's access is not alice's");
        let searched = ok(maria.get(&format!("/api/v1/me/available-packages?for={}&q=only", alice.id())).await).await;
        assert_eq!(names(&searched), ["Alice only"]);
        let catalogs = ok(maria.get(&format!("/api/v1/me/available-catalogs?for={}", alice.id())).await).await;
        let counted: Vec<(&str, u64)> = catalogs["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["catalog_name"].as_str().unwrap(), c["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(counted, [("Alice only catalog", 1), ("Gated catalog", 1), ("Handbook catalog", 1), ("Wiki catalog", 1)]);

        // Maria's own list is hers.
        let own = ok(maria.get("/api/v1/me/available-packages").await).await;
        assert_eq!(names(&own), ["Gated", "Handbook", "Ledger", "Maria only", "Wiki"]);
        assert_eq!(card(&own, "Handbook")["holding"]["state"], "held");
        assert_eq!(card(&own, "Wiki")["holding"], Value::Null);

        // Nobody lists for someone who is not their direct report: another manager's report,
        // a report of someone else, themselves, a person who does not exist.
        for (session, person) in [
            (&otto, alice.id()),
            (&maria, carol.id()),
            (&maria, maria.id()),
            (&alice, alice.id()),
            (&maria, uuid::Uuid::now_v7().to_string()),
        ] {
            for list in ["available-packages", "available-catalogs"] {
                let refused = session.get(&format!("/api/v1/me/{list}?for={person}")).await;
                let problem = assert_problem(refused, 422, "validation_failed").await;
                assert_eq!(problem_fields(&problem), ["for"]);
            }
        }
        let refused = maria.get("/api/v1/me/available-packages?for=nope").await;
        let problem = assert_problem(refused, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), ["for"]);
        // A report who was disabled is nobody's to ask for.
        let disabled = app.admin.patch(&format!("/api/v1/users/{}", alice.id()), &json!({"enabled": false})).await;
        assert_eq!(disabled.status(), 200, "{:?}", disabled.text().await);
        let refused = maria.get(&format!("/api/v1/me/available-packages?for={}", alice.id())).await;
        assert_problem(refused, 422, "validation_failed").await;
    }
}

/// Creates a person with `display_name` (who never signs in) reporting to `manager`.
async fn report_named(
    app: &TestApp,
    username: &str,
    display_name: &str,
    manager: &Session,
) -> String {
    let created = app
        .create_user(json!({
            "username": username,
            "display_name": display_name,
            "email": format!("{username}@example.org"),
            "password": PASSWORD,
            "manager_id": manager.id(),
        }))
        .await;
    created["id"].as_str().unwrap().to_string()
}

on_both_backends! {
    async fn the_team_is_in_name_order_ignoring_case_and_pages_with_short_cursors_whatever_the_names(app: TestApp) {
        let maria = app.person("maria").await;
        let long = |first: &str, last: char| format!("{}{last}", first.repeat(199));
        // Created out of order. Bytes, and SQLite's ASCII-only folding, would put "Bob" before
        // "alice", "ÉLODIE" before "élise", and both "Ж…" before "ж…".
        for (username, name) in [
            ("u-elodie", "ÉLODIE".to_string()),
            ("u-carol", "carol".to_string()),
            ("u-long-b", long("ж", 'Б')),
            ("u-bob", "Bob".to_string()),
            ("u-elise", "élise".to_string()),
            ("u-alice", "alice".to_string()),
            ("u-long-a", long("Ж", 'а')),
            ("u-bob2", "bob".to_string()),
            ("u-long-c", long("Ж", 'в')),
        ] {
            report_named(&app, username, &name, &maria).await;
        }
        let expected = ["u-alice", "u-bob", "u-bob2", "u-carol", "u-elise", "u-elodie", "u-long-a", "u-long-b", "u-long-c"];
        let whole = team(&maria, "?limit=50").await;
        assert_eq!(usernames(&whole), expected);
        let reports = ok(maria.get("/api/v1/me/reports").await).await;
        let listed: Vec<&str> = reports["items"].as_array().unwrap().iter().map(|p| p["username"].as_str().unwrap()).collect();
        assert_eq!(listed, expected, "the reports picker lists them the same way");

        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let query = match &cursor {
                Some(cursor) => format!("?limit=2&cursor={cursor}"),
                None => "?limit=2".to_string(),
            };
            let page = team(&maria, &query).await;
            seen.extend(usernames(&page).into_iter().map(str::to_string));
            match page["next_cursor"].as_str() {
                Some(next) => {
                    assert!(next.len() <= 64, "a short cursor: {next}");
                    cursor = Some(next.to_string());
                }
                None => break,
            }
        }
        assert_eq!(seen, expected);

        // A report who leaves the team between pages does not lose the place.
        let first = team(&maria, "?limit=2").await;
        assert_eq!(usernames(&first), ["u-alice", "u-bob"]);
        let bob = member(&first, "u-bob")["person"]["id"].as_str().unwrap().to_string();
        let moved = app.admin.patch(&format!("/api/v1/users/{bob}"), &json!({"manager_id": null})).await;
        assert_eq!(moved.status(), 200);
        let next = first["next_cursor"].as_str().unwrap();
        assert_eq!(usernames(&team(&maria, &format!("?limit=2&cursor={next}")).await), ["u-bob2", "u-carol"]);
        // A cursor naming nobody is refused.
        let refused = maria.get("/api/v1/me/team?cursor=bm9wZQ").await;
        let problem = assert_problem(refused, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), ["cursor"]);
    }
}

on_both_backends! {
    async fn a_manager_who_administers_a_catalogs_requests_may_open_their_reports_requests_there(app: TestApp) {
        let maria = app.person("maria").await;
        let alice = app.person("alice").await;
        let approver = app.person("approver").await;
        report_to(&app, &alice, &maria).await;
        let a = approver.id();
        let gated = offer(&app, "Gated", move |_| one_stage(&[&a])).await;
        let b = approver.id();
        let other = offer(&app, "Other", move |_| one_stage(&[&b])).await;
        asked(&alice, &gated, json!({})).await;
        asked(&alice, &other, json!({})).await;
        let package: Value = app.admin.get(&format!("/api/v1/access-packages/{}", gated.package)).await.json().await.unwrap();
        let catalog = package["catalog_id"].as_str().unwrap();
        let granted = app.admin.put(&format!("/api/v1/catalogs/{catalog}/roles/access_package_assignment_manager/{}", maria.id())).await;
        assert!(granted.status().is_success(), "{:?}", granted.text().await);

        let page = team(&maria, "").await;
        let requests = member(&page, "alice")["requests"].as_array().unwrap().clone();
        let may_open = |name: &str| {
            requests
                .iter()
                .find(|request| request["access_package_name"] == name)
                .unwrap_or_else(|| panic!("no {name} in {requests:?}"))["you_may_open"]
                .clone()
        };
        assert_eq!(may_open("Gated"), true, "maria administers the gated catalog's requests");
        assert_eq!(may_open("Other"), false);
        for request in &requests {
            let id = request["id"].as_str().unwrap();
            let opened = maria.get(&format!("/api/v1/requests/{id}")).await.status().as_u16();
            let expected = if request["you_may_open"] == true { 200 } else { 404 };
            assert_eq!(opened, expected, "you_may_open says what GET /requests/{{id}} answers");
        }
    }
}
