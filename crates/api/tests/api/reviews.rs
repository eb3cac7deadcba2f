//! Access reviews end to end: definitions and who may make them, instances started on
//! schedule with a snapshot of the people in scope, reviewers resolved from managers with a
//! fallback, decisions only by the item's reviewers, stages, the no-response rule with
//! recommendations, recurrence, and results applied with the removal rule.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::service::reviews::run_due_reviews;
use uuid::Uuid;

use super::catalogs::insert_group;
use super::requests::{asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

fn soon() -> String {
    (Utc::now() + Duration::seconds(5)).to_rfc3339()
}

/// A review of `group`'s members by each person's manager (falling back to `fallback`).
fn manager_review(group: Uuid, fallback: &str, settings: Value) -> Value {
    json!({
        "name": "Quarterly check",
        "scope": {"resources": {"type": "groups", "group_ids": [group]}},
        "stages": [{
            "reviewers": [{"type": "manager"}],
            "fallback_reviewers": [{"type": "user", "user_id": fallback}],
            "duration_days": 7,
        }],
        "schedule": {"type": "one_time", "starts_at": soon()},
        "settings": settings,
    })
}

async fn create(session: &Session, body: &Value) -> Value {
    let response = session.post("/api/v1/access-reviews", body).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

async fn my_reviews(session: &Session) -> Vec<Value> {
    let page: Value = session
        .get("/api/v1/me/access-reviews")
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn my_items(session: &Session, instance: &str) -> Vec<Value> {
    let page: Value = session
        .get(&format!(
            "/api/v1/access-review-instances/{instance}/items?mine=true"
        ))
        .await
        .json()
        .await
        .unwrap();
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("{page}"))
        .clone()
}

fn item_of<'a>(items: &'a [Value], username: &str) -> &'a Value {
    items
        .iter()
        .find(|item| item["person"]["username"] == username)
        .unwrap_or_else(|| panic!("no item for {username}"))
}

async fn decide(
    session: &Session,
    item: &Value,
    verdict: &str,
    justification: Option<&str>,
) -> reqwest::Response {
    let mut body = json!({"verdict": verdict});
    if let Some(justification) = justification {
        body["justification"] = json!(justification);
    }
    session
        .post(
            &format!("/api/v1/access-review-items/{}/decision", id(item)),
            &body,
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
    let mut names: Vec<String> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["username"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// The newest instance of definition `definition` as the list of definitions shows it.
async fn latest_in_list(session: &Session, definition: &str) -> Value {
    let page: Value = session
        .get("/api/v1/access-reviews")
        .await
        .json()
        .await
        .unwrap();
    let listed = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|item| item["id"] == definition)
        .unwrap_or_else(|| panic!("{definition} is not listed: {page}"));
    listed["latest_instance"].clone()
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

on_both_backends! {
    async fn managers_review_their_reports_and_denied_access_is_removed(app: TestApp) {
        let maria = app.person("maria").await;
        let dave = app.person("dave").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let eve = app.person("eve").await;
        for report in [&alice, &bob] {
            set_manager(&app, report, &maria).await;
        }
        set_manager(&app, &carol, &dave).await;
        // Carol also holds a package granting the same membership.
        let offer = offer(&app, "Finance", |_| json!({
            "name": "Anyone", "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"}, "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let group = offer.group;
        asked(&carol, &offer, json!({})).await;
        for person in [&alice, &bob] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        assert_eq!(members(&app, group).await, ["alice", "bob", "carol"]);

        let definition = create(&app.admin, &manager_review(group, &app.admin.id(), json!({"auto_apply": true}))).await;
        assert_eq!(definition["occurrences_started"], 0);
        let listed = latest_in_list(&app.admin, &id(&definition)).await;
        assert!(listed.is_null(), "nothing has started yet: {listed}");
        let state = app.state().await;
        assert_eq!(run_due_reviews(&state, Utc::now()).await.unwrap(), 0, "not yet");
        let start = Utc::now() + Duration::minutes(1);
        assert_eq!(run_due_reviews(&state, start).await.unwrap(), 2, "planned and started");
        assert_eq!(run_due_reviews(&state, start).await.unwrap(), 0, "once");

        let reviews = my_reviews(&maria).await;
        assert_eq!(reviews.len(), 1);
        let instance = id(&reviews[0]);
        assert_eq!(reviews[0]["resource_name"], "Finance group");
        assert_eq!(reviews[0]["progress"]["total"], 3);
        assert_eq!(reviews[0]["current_stage"], 1, "stages are numbered from 1");
        let overview: Value = maria.get("/api/v1/me/overview").await.json().await.unwrap();
        assert_eq!(overview["reviews_waiting_count"], 1);
        let notes: Value = maria.get("/api/v1/me/notifications").await.json().await.unwrap();
        assert_eq!(notes["items"][0]["kind"], "review_started");

        let marias = my_items(&maria, &instance).await;
        let names: Vec<&str> = marias.iter().map(|item| item["person"]["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["alice", "bob"], "maria reviews her reports only");
        let daves = my_items(&dave, &instance).await;
        assert_eq!(daves.len(), 1);
        assert_eq!(daves[0]["stage"], 1);

        // Nobody decides an item not assigned to them.
        assert_problem(decide(&dave, item_of(&marias, "alice"), "deny", None).await, 403, "forbidden").await;
        assert_problem(decide(&alice, item_of(&marias, "alice"), "approve", None).await, 404, "not_found").await;
        assert_problem(decide(&eve, item_of(&marias, "bob"), "approve", None).await, 404, "not_found").await;
        let all = eve.get(&format!("/api/v1/access-review-instances/{instance}/items")).await;
        assert_problem(all, 404, "not_found").await;
        let all = dave.get(&format!("/api/v1/access-review-instances/{instance}/items?mine=false")).await;
        assert_problem(all, 403, "forbidden").await;

        let approved = decide(&maria, item_of(&marias, "alice"), "deny", None).await;
        assert_eq!(approved.status(), 200);
        // A decision can change until the stage ends.
        let approved: Value = decide(&maria, item_of(&marias, "alice"), "approve", None).await.json().await.unwrap();
        assert_eq!(approved["decision"]["verdict"], "approve");
        let denied: Value = decide(&maria, item_of(&marias, "bob"), "deny", Some("left the team")).await.json().await.unwrap();
        assert_eq!(denied["decision"]["verdict"], "deny");
        let listed = latest_in_list(&app.admin, &id(&definition)).await;
        assert_eq!(listed, json!({"id": instance, "state": "in_progress", "items": 3, "decided": 2}));
        assert_eq!(decide(&dave, &daves[0], "deny", Some("no longer needed")).await.status(), 200);

        let end = start + Duration::days(8);
        assert_eq!(run_due_reviews(&state, end).await.unwrap(), 1, "completed");
        assert_eq!(run_due_reviews(&state, end).await.unwrap(), 1, "applied");
        let view: Value = app.admin.get(&format!("/api/v1/access-review-instances/{instance}")).await.json().await.unwrap();
        assert_eq!(view["state"], "applied");
        assert_eq!(view["progress"]["denied"], 2);
        assert_eq!(members(&app, group).await, ["alice", "carol"], "bob is removed; carol keeps what her package grants");

        let results: Value = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/items?outcome=deny")).await.json().await.unwrap();
        let applied: Vec<(&str, &str)> = results["items"].as_array().unwrap().iter()
            .map(|item| (item["person"]["username"].as_str().unwrap(), item["applied"].as_str().unwrap()))
            .collect();
        assert_eq!(applied, [("bob", "removed"), ("carol", "not_applicable")]);
        let csv = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/results.csv")).await.text().await.unwrap();
        assert!(csv.lines().any(|line| line.contains(",bob,") && line.contains(",deny,maria,left the team,")), "{csv}");
        // The download follows the page's filters.
        let approved_only = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/results.csv?outcome=approve")).await.text().await.unwrap();
        let people: Vec<&str> = approved_only.lines().skip(1).map(|line| line.split(',').nth(2).unwrap()).collect();
        assert_eq!(people, ["alice"], "{approved_only}");
        let searched = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/results.csv?q=CAR")).await.text().await.unwrap();
        assert_eq!(searched.lines().count(), 2, "{searched}");
        assert_problem(app.admin.get(&format!("/api/v1/access-review-instances/{instance}/results.csv?outcome=maybe")).await, 400, "bad_request").await;
        assert!(my_reviews(&maria).await.is_empty(), "nothing waits for maria any more");

        let history: Value = app.admin.get(&format!("/api/v1/access-reviews/{}/instances", id(&definition))).await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 1);
    }
}

on_both_backends! {
    async fn self_reviews_recommendations_and_the_no_response_rule(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let group = insert_group(&app, "Lab", None).await;
        for person in [&alice, &bob, &carol] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        // Bob and Carol are old accounts; only Alice has signed in (the test signed her in).
        let state = app.state().await;
        let old = Utc::now() - Duration::days(90);
        for person in [&bob, &carol] {
            let id: Uuid = person.id().parse().unwrap();
            match &state.db {
                tessera_api::store::Db::Sqlite(pools) => sqlx::query("UPDATE users SET created_at = $1, last_sign_in_at = NULL WHERE id = $2").bind(old).bind(id).execute(pools.writer()).await.unwrap().rows_affected(),
                tessera_api::store::Db::Postgres(pool) => sqlx::query("UPDATE users SET created_at = $1, last_sign_in_at = NULL WHERE id = $2").bind(old).bind(id).execute(pool).await.unwrap().rows_affected(),
            };
        }
        create(&app.admin, &json!({
            "name": "Do you still need the lab?",
            "scope": {"resources": {"type": "groups", "group_ids": [group]}},
            "stages": [{
                "reviewers": [{"type": "self_review"}],
                "fallback_reviewers": [{"type": "user", "user_id": app.admin.id()}],
                "duration_days": 14,
            }],
            "schedule": {"type": "one_time", "starts_at": soon()},
            "settings": {"if_no_response": "take_recommendations", "justification_required": true},
        })).await;
        let start = Utc::now() + Duration::minutes(1);
        run_due_reviews(&state, start).await.unwrap();
        let instance = id(&my_reviews(&alice).await[0]);
        let mine = my_items(&alice, &instance).await;
        assert_eq!(mine.len(), 1, "each person reviews only their own access");
        assert_eq!(mine[0]["self_review"], true);
        assert_eq!(mine[0]["recommendation"]["verdict"], "approve");
        let bobs = my_items(&bob, &instance).await;
        assert_eq!(bobs[0]["recommendation"]["verdict"], "deny");

        let dont_know = decide(&alice, &mine[0], "dont_know", Some("?")).await;
        let problem = assert_problem(dont_know, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["verdict"]);
        let unjustified = decide(&alice, &mine[0], "approve", None).await;
        let problem = assert_problem(unjustified, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["justification"]);
        assert_eq!(decide(&alice, &mine[0], "approve", Some("daily work")).await.status(), 200);
        // Carol accepts her recommendation; Bob says nothing.
        let accepted = carol.post(&format!("/api/v1/access-review-instances/{instance}/accept-recommendations"), &json!({})).await;
        assert_eq!(accepted.status(), 200);
        let accepted: Value = accepted.json().await.unwrap();
        assert_eq!(accepted[0]["item"]["decision"]["verdict"], "deny");

        let end = start + Duration::days(15);
        run_due_reviews(&state, end).await.unwrap();
        let results: Value = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/items")).await.json().await.unwrap();
        let outcomes: Vec<(String, String)> = results["items"].as_array().unwrap().iter()
            .map(|item| (item["person"]["username"].as_str().unwrap().to_string(), item["final_outcome"]["outcome"].as_str().unwrap().to_string()))
            .collect();
        assert_eq!(outcomes, [("alice".to_string(), "approve".to_string()), ("bob".into(), "deny".into()), ("carol".into(), "deny".into())],
            "bob's silence follows his recommendation");
        assert_eq!(results["items"][1]["final_outcome"]["basis"]["type"], "no_response");
        // The results say where each outcome came from, in the last column.
        let csv = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/results.csv")).await.text().await.unwrap();
        assert!(csv.lines().next().unwrap().ends_with(",applied,outcome_source"), "{csv}");
        let sources: Vec<(&str, &str)> = csv.lines().skip(1)
            .map(|line| (line.split(',').nth(2).unwrap(), line.rsplit(',').next().unwrap()))
            .collect();
        assert_eq!(sources, [("alice", "reviewer"), ("bob", "no_response_rule"), ("carol", "recommendation")], "{csv}");
        // Not applied automatically: the administrator applies.
        assert_eq!(members(&app, group).await, ["alice", "bob", "carol"]);
        let applied = app.admin.post(&format!("/api/v1/access-review-instances/{instance}/apply"), &json!({})).await;
        assert_eq!(applied.status(), 200);
        assert_eq!(members(&app, group).await, ["alice"]);
        assert_problem(app.admin.post(&format!("/api/v1/access-review-instances/{instance}/apply"), &json!({})).await, 409, "review_not_completed").await;
    }
}

on_both_backends! {
    async fn a_package_review_by_its_catalog_owner_ends_denied_assignments(app: TestApp) {
        let owner = app.person("owner").await;
        let stranger = app.person("stranger").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let offer = offer(&app, "Tools", |_| json!({
            "name": "Anyone", "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"}, "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let package: Value = app.admin.get(&format!("/api/v1/access-packages/{}", offer.package)).await.json().await.unwrap();
        let catalog = package["catalog_id"].as_str().unwrap();
        assert_eq!(app.admin.put(&format!("/api/v1/catalogs/{catalog}/roles/owner/{}", owner.id())).await.status(), 204);
        asked(&alice, &offer, json!({})).await;
        asked(&bob, &offer, json!({})).await;
        let body = json!({
            "name": "Tools holders",
            "scope": {"resources": {"type": "access_package", "access_package_id": offer.package}},
            "stages": [{"reviewers": [{"type": "user", "user_id": owner.id()}], "duration_days": 7}],
            "schedule": {"type": "recurring", "starts_at": soon(), "frequency": "weekly", "end": {"type": "after_occurrences", "occurrences": 2}},
        });
        assert_problem(stranger.post("/api/v1/access-reviews", &body).await, 404, "not_found").await;
        let group_review = manager_review(offer.group, &owner.id(), json!({}));
        assert_problem(owner.post("/api/v1/access-reviews", &group_review).await, 403, "forbidden").await;
        let definition = create(&owner, &body).await;
        let listed: Value = owner.get("/api/v1/access-reviews").await.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], definition["id"]);
        let theirs: Value = stranger.get("/api/v1/access-reviews").await.json().await.unwrap();
        assert_eq!(theirs["items"], json!([]));

        let state = app.state().await;
        let start = Utc::now() + Duration::minutes(1);
        run_due_reviews(&state, start).await.unwrap();
        let instance = id(&my_reviews(&owner).await[0]);
        let items = my_items(&owner, &instance).await;
        let outcome = owner.post(&format!("/api/v1/access-review-instances/{instance}/decisions"),
            &json!({"item_ids": [id(item_of(&items, "bob")), Uuid::nil()], "verdict": "deny"})).await;
        assert_eq!(outcome.status(), 200);
        let outcome: Value = outcome.json().await.unwrap();
        assert_eq!(outcome.as_array().unwrap().len(), 2);
        assert!(outcome.as_array().unwrap().iter().any(|o| o["refused"].is_string()), "an item that is not theirs is refused");
        // The owner stops the review early and applies it.
        let stopped: Value = owner.post(&format!("/api/v1/access-review-instances/{instance}/stop"), &json!({})).await.json().await.unwrap();
        assert_eq!(stopped["state"], "completed");
        assert!(stopped["stopped"].is_object());
        assert_eq!(owner.post(&format!("/api/v1/access-review-instances/{instance}/apply"), &json!({})).await.status(), 200);
        let bobs: Value = app.admin.get(&format!("/api/v1/assignments?user_id={}", bob.id())).await.json().await.unwrap();
        assert_eq!(bobs["items"][0]["state"], "removed");
        let alices: Value = app.admin.get(&format!("/api/v1/assignments?user_id={}", alice.id())).await.json().await.unwrap();
        assert_eq!(alices["items"][0]["state"], "delivered");

        // The series recurs weekly, twice in all.
        let second = start + Duration::days(7);
        run_due_reviews(&state, second).await.unwrap();
        run_due_reviews(&state, second + Duration::days(7)).await.unwrap();
        let history: Value = owner.get(&format!("/api/v1/access-reviews/{}/instances", id(&definition))).await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 2, "{history}");
        let newest = &history["items"][0];
        assert_ne!(newest["id"], json!(instance), "the second one is the newest");
        let listed = latest_in_list(&owner, &id(&definition)).await;
        assert_eq!(listed["id"], newest["id"], "the list shows the newest instance");
        assert_eq!(listed["state"], newest["state"]);
        assert_eq!(listed["items"], newest["progress"]["total"]);
        assert_eq!(listed["decided"], newest["progress"]["decided"]);
        let read: Value = owner.get(&format!("/api/v1/access-reviews/{}", id(&definition))).await.json().await.unwrap();
        assert_eq!(read["occurrences_started"], 2);
        assert_eq!(read["next_start_at"], Value::Null);
    }
}

on_both_backends! {
    async fn review_definitions_are_validated_at_their_paths(app: TestApp) {
        let group = insert_group(&app, "Checked", None).await;
        let mut body = manager_review(group, &Uuid::nil().to_string(), json!({}));
        body["stages"][0]["duration_days"] = json!(0);
        let refused = app.admin.post("/api/v1/access-reviews", &body).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["stages[0].duration_days"]);
        body["stages"][0]["duration_days"] = json!(7);
        let refused = app.admin.post("/api/v1/access-reviews", &body).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["stages[0].fallback_reviewers[0].user_id"], "an unknown user");
        let plain = app.person("plain").await;
        body["stages"][0]["fallback_reviewers"][0]["user_id"] = json!(plain.id());
        assert_problem(plain.post("/api/v1/access-reviews", &body).await, 403, "forbidden").await;
        let created = create(&app.admin, &body).await;
        body["name"] = json!("Renamed");
        let replaced = app.admin.send(reqwest::Method::PUT, &format!("/api/v1/access-reviews/{}", id(&created)), Some(&body)).await;
        assert_eq!(replaced.status(), 200);
        assert_eq!(replaced.json::<Value>().await.unwrap()["definition"]["name"], "Renamed");
        assert_eq!(app.admin.delete(&format!("/api/v1/access-reviews/{}", id(&created))).await.status(), 204);
        assert_problem(app.admin.get(&format!("/api/v1/access-reviews/{}", id(&created))).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn later_stages_review_what_moves_on_and_reminders_reach_the_undecided(app: TestApp) {
        let maria = app.person("maria").await;
        let auditor = app.person("auditor").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        for report in [&alice, &bob] {
            set_manager(&app, report, &maria).await;
        }
        let group = insert_group(&app, "Vault", None).await;
        for person in [&alice, &bob] {
            assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
        }
        create(&app.admin, &json!({
            "name": "Two stages",
            "scope": {"resources": {"type": "groups", "group_ids": [group]}},
            "stages": [
                {
                    "reviewers": [{"type": "manager"}],
                    "fallback_reviewers": [{"type": "user", "user_id": auditor.id()}],
                    "duration_days": 4,
                    "decisions_that_move_on": ["approve"],
                },
                {"reviewers": [{"type": "user", "user_id": auditor.id()}], "duration_days": 4},
            ],
            "schedule": {"type": "one_time", "starts_at": soon()},
            "settings": {"show_earlier_decisions": true},
        })).await;
        let state = app.state().await;
        let start = Utc::now() + Duration::minutes(1);
        run_due_reviews(&state, start).await.unwrap();
        let instance = id(&my_reviews(&maria).await[0]);
        assert!(my_reviews(&auditor).await.is_empty(), "the second stage has not started");
        let items = my_items(&maria, &instance).await;
        assert_eq!(decide(&maria, item_of(&items, "alice"), "approve", None).await.status(), 200);

        // Halfway through, only reviewers with undecided items are reminded.
        run_due_reviews(&state, start + Duration::days(2) + Duration::hours(1)).await.unwrap();
        let notes: Value = maria.get("/api/v1/me/notifications").await.json().await.unwrap();
        let kinds: Vec<&str> = notes["items"].as_array().unwrap().iter().map(|n| n["kind"].as_str().unwrap()).collect();
        assert_eq!(kinds, ["review_reminder", "review_started"]);

        run_due_reviews(&state, start + Duration::days(4) + Duration::hours(1)).await.unwrap();
        assert!(my_reviews(&maria).await.is_empty(), "maria's stage is over");
        let auditors = my_items(&auditor, &instance).await;
        let names: Vec<&str> = auditors.iter().map(|item| item["person"]["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["alice"], "only what stage one approved moves on");
        assert_eq!(auditors[0]["earlier_decisions"][0]["outcome"], "approve");
        assert_eq!(decide(&auditor, &auditors[0], "deny", None).await.status(), 200);
        // A decision in a stage that ended is refused.
        assert_problem(decide(&maria, item_of(&items, "bob"), "deny", None).await, 404, "not_found").await;

        run_due_reviews(&state, start + Duration::days(9)).await.unwrap();
        let results: Value = app.admin.get(&format!("/api/v1/access-review-instances/{instance}/items")).await.json().await.unwrap();
        let outcomes: Vec<(&str, &str)> = results["items"].as_array().unwrap().iter()
            .map(|item| (item["person"]["username"].as_str().unwrap(), item["final_outcome"]["outcome"].as_str().unwrap()))
            .collect();
        assert_eq!(outcomes, [("alice", "deny"), ("bob", "not_reviewed")]);
    }
}

on_both_backends! {
    async fn group_owners_review_and_fallback_reviewers_stand_in(app: TestApp) {
        let owner = app.person("owner").await;
        let fallback = app.person("fallback").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let owned = insert_group(&app, "Owned", Some(owner.id().as_str())).await;
        let orphan = insert_group(&app, "Orphan", None).await;
        for group in [owned, orphan] {
            for person in [&alice, &bob] {
                assert_eq!(app.admin.put(&format!("/api/v1/groups/{group}/members/{}", person.id())).await.status(), 204);
            }
        }
        let definition = create(&app.admin, &json!({
            "name": "Owners decide",
            "scope": {"resources": {"type": "groups", "group_ids": [owned, orphan]}},
            "stages": [{
                "reviewers": [{"type": "group_owners"}],
                "fallback_reviewers": [{"type": "user", "user_id": fallback.id()}],
                "duration_days": 7,
            }],
            "schedule": {"type": "one_time", "starts_at": soon()},
        })).await;
        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();
        // One instance per group: the owner reviews hers, the fallback the group without owners.
        let history: Value = app.admin.get(&format!("/api/v1/access-reviews/{}/instances", id(&definition))).await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 2);
        let owners = my_reviews(&owner).await;
        assert_eq!(owners.len(), 1);
        assert_eq!(owners[0]["resource_name"], "Owned");
        let fallbacks = my_reviews(&fallback).await;
        assert_eq!(fallbacks.len(), 1);
        assert_eq!(fallbacks[0]["resource_name"], "Orphan");
        assert_eq!(my_items(&owner, &id(&owners[0])).await.len(), 2);
        let items = my_items(&fallback, &id(&fallbacks[0])).await;
        assert_eq!(items.len(), 2);
        // The fallback cannot decide the owned group's items.
        let theirs = my_items(&owner, &id(&owners[0])).await;
        assert_problem(decide(&fallback, &theirs[0], "approve", None).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn a_policy_carries_the_review_of_its_own_assignments(app: TestApp) {
        let reviewer = app.person("reviewer").await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let offer = offer(&app, "Carried", |_| json!({
            "name": "Anyone", "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"}, "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        // A second policy of the same package: its holders are not in the first policy's review.
        let other = app.admin.post(&format!("/api/v1/access-packages/{}/policies", offer.package), &json!({
            "name": "Administrators assign", "who_can_request": {"type": "nobody"},
            "approval": {"type": "none"}, "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let other: Value = other.json().await.unwrap();
        asked(&alice, &offer, json!({})).await;
        let direct = app.admin.post(&format!("/api/v1/access-packages/{}/assignments", offer.package),
            &json!({"policy_id": id(&other), "user_id": bob.id()})).await;
        assert_eq!(direct.status(), 201);

        let path = format!("/api/v1/access-packages/{}/policies/{}/access-review", offer.package, offer.policy);
        assert_problem(app.admin.get(&path).await, 404, "not_found").await;
        let mut body = json!({
            "stages": [{"reviewers": [{"type": "user", "user_id": reviewer.id()}], "duration_days": 0}],
            "schedule": {"type": "recurring", "starts_at": soon(), "frequency": "quarterly"},
        });
        let refused = app.admin.send(reqwest::Method::PUT, &path, Some(&body)).await;
        let problem = assert_problem(refused, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), ["stages[0].duration_days"]);
        body["stages"][0]["duration_days"] = json!(14);
        let carried = app.admin.send(reqwest::Method::PUT, &path, Some(&body)).await;
        assert_eq!(carried.status(), 200);
        let carried: Value = carried.json().await.unwrap();
        assert_eq!(carried["definition"]["name"], "Carried: Anyone");
        assert_eq!(carried["definition"]["scope"]["resources"]["policy_id"], offer.policy.as_str());
        let again = app.admin.send(reqwest::Method::PUT, &path, Some(&body)).await;
        assert_eq!(again.json::<Value>().await.unwrap()["id"], carried["id"], "one review per policy");

        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();
        let instance = id(&my_reviews(&reviewer).await[0]);
        let items = my_items(&reviewer, &instance).await;
        let names: Vec<&str> = items.iter().map(|item| item["person"]["username"].as_str().unwrap()).collect();
        assert_eq!(names, ["alice"], "only the policy's own assignments are reviewed");

        assert_eq!(app.admin.delete(&path).await.status(), 204);
        assert_problem(app.admin.get(&format!("/api/v1/access-reviews/{}", id(&carried))).await, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn who_may_act_on_a_review_is_checked_before_what_they_send(app: TestApp) {
        let group = insert_group(&app, "Checked first", None).await;
        let plain = app.person("plain").await;
        let mut body = manager_review(group, &plain.id(), json!({}));
        body["stages"][0]["duration_days"] = json!(0);
        // Invalid, but not theirs to write at all: the refusal comes first.
        assert_problem(plain.post("/api/v1/access-reviews", &body).await, 403, "forbidden").await;
        body["stages"][0]["duration_days"] = json!(7);
        let created = create(&app.admin, &body).await;
        body["stages"][0]["duration_days"] = json!(0);
        let path = format!("/api/v1/access-reviews/{}", id(&created));
        assert_problem(plain.send(reqwest::Method::PUT, &path, Some(&body)).await, 404, "not_found").await;
        assert_problem(app.admin.send(reqwest::Method::PUT, &path, Some(&body)).await, 422, "validation_failed").await;
        // A bulk decision with no items, in an instance the caller does not see.
        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();
        let instances: Value = app.admin.get(&format!("{path}/instances")).await.json().await.unwrap();
        let instance = id(&instances["items"][0]);
        let empty = json!({"item_ids": [], "verdict": "deny"});
        let decisions = format!("/api/v1/access-review-instances/{instance}/decisions");
        assert_problem(plain.post(&decisions, &empty).await, 404, "not_found").await;
        assert_problem(app.admin.post(&decisions, &empty).await, 422, "validation_failed").await;
    }
}

on_both_backends! {
    async fn review_items_say_through_which_package_and_since_when_a_person_has_the_access(app: TestApp) {
        let maria = app.person("maria").await;
        let eve = app.person("eve").await;
        let alice = app.person("alice").await;
        let carol = app.person("carol").await;
        for report in [&alice, &carol] {
            set_manager(&app, report, &maria).await;
        }
        let offer = offer(&app, "Ledger", |_| json!({
            "name": "Anyone", "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"}, "lifecycle": {"expiry": {"type": "never"}},
        })).await;
        let before = Utc::now() - Duration::seconds(1);
        asked(&carol, &offer, json!({})).await;
        // Alice is a member without any package: given directly.
        assert_eq!(app.admin.put(&format!("/api/v1/groups/{}/members/{}", offer.group, alice.id())).await.status(), 204);
        create(&app.admin, &manager_review(offer.group, &app.admin.id(), json!({}))).await;
        let state = app.state().await;
        run_due_reviews(&state, Utc::now() + Duration::minutes(1)).await.unwrap();
        let instance = id(&my_reviews(&maria).await[0]);

        let items = my_items(&maria, &instance).await;
        let carols = item_of(&items, "carol");
        let grants = carols["granted_by"].as_array().unwrap_or_else(|| panic!("{carols}"));
        assert_eq!(grants.len(), 1, "{carols}");
        assert_eq!(grants[0]["access_package_id"], offer.package.as_str());
        assert_eq!(grants[0]["access_package_name"], "Ledger");
        assert_eq!(grants[0]["policy_name"], "Anyone");
        assert_eq!(grants[0]["ends_at"], Value::Null);
        let since: chrono::DateTime<Utc> = grants[0]["since"].as_str().unwrap().parse().unwrap();
        assert!(since >= before && since <= Utc::now(), "{since}");
        assert_eq!(item_of(&items, "alice")["granted_by"], json!([]), "given directly");

        // What a decision answers says it too, one at a time or in bulk.
        let decided: Value = decide(&maria, carols, "approve", None).await.json().await.unwrap();
        assert_eq!(decided["granted_by"], carols["granted_by"]);
        let outcome: Value = maria
            .post(
                &format!("/api/v1/access-review-instances/{instance}/decisions"),
                &json!({"item_ids": [id(carols), id(item_of(&items, "alice"))], "verdict": "deny"}),
            )
            .await
            .json()
            .await
            .unwrap();
        let decided: Vec<&Value> = outcome.as_array().unwrap().iter().map(|o| &o["item"]).collect();
        assert_eq!(decided.len(), 2, "{outcome}");
        for item in decided {
            let expected = if item["person"]["username"] == "carol" { &carols["granted_by"] } else { &json!([]) };
            assert_eq!(&item["granted_by"], expected, "{outcome}");
        }

        // Only the item's reviewers read it.
        let theirs = eve.get(&format!("/api/v1/access-review-instances/{instance}/items?mine=true")).await;
        assert_problem(theirs, 404, "not_found").await;
    }
}
