//! The person lifecycle: a leaver (disabled or deleted) keeps no access, no open request and
//! no sign-in, and what waited for their decision goes to others; a mover's manager approvals
//! and reviews follow the new manager. All of it in the transaction that changes the person.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use tessera_api::jobs::users::close_what_leavers_held;
use tessera_api::service::lifecycle::leaver_writes;
use tessera_api::service::reviews::run_due_reviews;
use tessera_api::store::{self, StoreError};
use tessera_domain::UserId;
use uuid::Uuid;

use super::catalogs::insert_group;
use super::requests::{Offer, asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

fn open_policy(_: Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

/// One stage decided by `primary` (approver specs), falling back to the user `fallback`.
fn stage_with_fallback(primary: Value, fallback: &str) -> Value {
    json!({
        "name": "Approved",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "required", "stages": [{
            "primary_approvers": primary,
            "fallback_approvers": [{"type": "user", "user_id": fallback}],
            "timeout_days": 14,
        }]},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

fn user_spec(user: &str) -> Value {
    json!({"type": "user", "user_id": user})
}

/// A review of `group`'s members by each person's manager, falling back to `fallback`,
/// starting in a moment.
fn manager_review(group: Uuid, fallback: &str) -> Value {
    json!({
        "name": "Quarterly check",
        "scope": {"resources": {"type": "groups", "group_ids": [group]}},
        "stages": [{
            "reviewers": [{"type": "manager"}],
            "fallback_reviewers": [{"type": "user", "user_id": fallback}],
            "duration_days": 7,
        }],
        "schedule": {"type": "one_time", "starts_at": (Utc::now() + Duration::seconds(5)).to_rfc3339()},
        "settings": {},
    })
}

/// Starts the review `body` describes; returns its instance id.
async fn started_review(app: &TestApp, body: &Value) -> String {
    let created = app.admin.post("/api/v1/access-reviews", body).await;
    assert_eq!(created.status(), 201);
    let definition: Value = created.json().await.unwrap();
    let state = app.state().await;
    run_due_reviews(&state, Utc::now() + Duration::minutes(1))
        .await
        .unwrap();
    let page: Value = app
        .admin
        .get(&format!(
            "/api/v1/access-reviews/{}/instances",
            id(&definition)
        ))
        .await
        .json()
        .await
        .unwrap();
    let instances = page["items"].as_array().unwrap_or_else(|| panic!("{page}"));
    id(&instances[0])
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
    page["items"].as_array().cloned().unwrap_or_default()
}

async fn review_decision(session: &Session, item: &Value, verdict: &str) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/access-review-items/{}/decision", id(item)),
            &json!({"verdict": verdict, "justification": "checked"}),
        )
        .await
}

async fn approve(session: &Session, request: &Value) -> reqwest::Response {
    session
        .post(
            &format!("/api/v1/requests/{}/decision", id(request)),
            &json!({"stage": 1, "verdict": "approve"}),
        )
        .await
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

async fn patch_user(app: &TestApp, user: &Session, body: Value) -> reqwest::Response {
    app.admin
        .patch(&format!("/api/v1/users/{}", user.id()), &body)
        .await
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

async fn actions_on(app: &TestApp, target_type: &str, target: &str) -> Vec<String> {
    let state = app.state().await;
    store::audit::list_events_for_target(&state.db, target_type, target)
        .await
        .unwrap()
        .into_iter()
        .map(|event| event.action)
        .collect()
}

async fn read(app: &TestApp, path: &str) -> Value {
    app.admin.get(path).await.json().await.unwrap()
}

async fn token_of(session: &Session) -> Bearer {
    let created: Value = session
        .post("/api/v1/tokens", &json!({"name": "laptop"}))
        .await
        .json()
        .await
        .unwrap();
    Bearer::new(&session.base, created["secret"].as_str().unwrap())
}

/// What a leaver holds and awaits: two delivered packages (one group the administrator also
/// added them to by hand), an open request of their own, a request only they approve (with
/// a fallback), a request they approve with someone else, and a review item they review as
/// carol's manager.
struct Leaving {
    wiki: Offer,
    shared: Offer,
    own_request: Value,
    alone: Value,
    together: Value,
    instance: String,
    reviewed_group: Uuid,
}

async fn leaving(
    app: &TestApp,
    alice: &Session,
    bob: &Session,
    fran: &Session,
    carol: &Session,
) -> Leaving {
    let wiki = offer(app, "Wiki", open_policy).await;
    asked(alice, &wiki, json!({})).await;
    let shared = offer(app, "Shared", open_policy).await;
    let put = app
        .admin
        .put(&format!(
            "/api/v1/groups/{}/members/{}",
            shared.group,
            alice.id()
        ))
        .await;
    assert_eq!(put.status(), 204);
    asked(alice, &shared, json!({})).await;
    let b = bob.id();
    let gated = offer(app, "Gated", move |_| one_stage(&[&b])).await;
    let own_request = asked(alice, &gated, json!({})).await;
    let (a, f) = (alice.id(), fran.id());
    let by_alice = offer(app, "By Alice", move |_| {
        stage_with_fallback(json!([user_spec(&a)]), &f)
    })
    .await;
    let alone = asked(carol, &by_alice, json!({})).await;
    let (a, b, f) = (alice.id(), bob.id(), fran.id());
    let by_two = offer(app, "By two", move |_| {
        stage_with_fallback(json!([user_spec(&a), user_spec(&b)]), &f)
    })
    .await;
    let together = asked(carol, &by_two, json!({})).await;
    assert_eq!(
        patch_user(app, carol, json!({"manager_id": alice.id()}))
            .await
            .status(),
        200
    );
    let reviewed_group = insert_group(app, "Lab", None).await;
    let put = app
        .admin
        .put(&format!(
            "/api/v1/groups/{reviewed_group}/members/{}",
            carol.id()
        ))
        .await;
    assert_eq!(put.status(), 204);
    let instance = started_review(app, &manager_review(reviewed_group, &fran.id())).await;
    assert_eq!(
        my_items(alice, &instance).await.len(),
        1,
        "alice reviews carol"
    );
    assert!(pending_ids(alice).await.contains(&id(&alone)));
    Leaving {
        wiki,
        shared,
        own_request,
        alone,
        together,
        instance,
        reviewed_group,
    }
}

/// Everything `leaving` set up was taken away or handed over, and audited.
async fn left(app: &TestApp, alice: &Session, bob: &Session, fran: &Session, setup: &Leaving) {
    // Access ends; the membership an administrator gave stays.
    assert!(members(app, setup.wiki.group).await.is_empty());
    assert_eq!(members(app, setup.shared.group).await, ["alice"]);
    let assignments = read(app, &format!("/api/v1/assignments?user_id={}", alice.id())).await;
    let items = assignments["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items.iter().all(|a| a["state"] == "removed"),
        "{assignments}"
    );
    // Their own request is closed, as the scheduler closed it before.
    let own = read(app, &format!("/api/v1/requests/{}", id(&setup.own_request))).await;
    assert_eq!(own["state"], "canceled");
    assert_eq!(own["outcome"], "The person's account was disabled.");
    assert!(
        pending_ids(bob)
            .await
            .iter()
            .all(|r| *r != id(&setup.own_request))
    );
    // What only they approved goes to the fallback approver, who decides it.
    assert!(pending_ids(fran).await.contains(&id(&setup.alone)));
    assert_eq!(approve(fran, &setup.alone).await.status(), 200);
    // What they approved with bob stays with bob alone.
    assert_eq!(pending_ids(bob).await, [id(&setup.together)]);
    assert!(!pending_ids(fran).await.contains(&id(&setup.together)));
    let together = read(app, &format!("/api/v1/requests/{}", id(&setup.together))).await;
    assert_eq!(together["state"], "pending_approval");
    // The review item goes to the fallback reviewer, who decides it.
    let frans = my_items(fran, &setup.instance).await;
    assert_eq!(frans.len(), 1);
    assert_eq!(frans[0]["person"]["username"], "carol");
    assert_eq!(
        review_decision(fran, &frans[0], "approve").await.status(),
        200
    );
    assert!(
        notification_kinds(fran)
            .await
            .contains(&"approval_needed".to_string())
    );
    assert!(
        notification_kinds(fran)
            .await
            .contains(&"review_started".to_string())
    );
    // Every effect is audited.
    for assignment in items {
        let actions = actions_on(app, "assignment", &id(assignment)).await;
        assert!(
            actions.contains(&"assignment.remove_disabled_user".into()),
            "{actions:?}"
        );
    }
    let actions = actions_on(app, "request", &id(&setup.own_request)).await;
    assert!(
        actions.contains(&"request.close_disabled_user".into()),
        "{actions:?}"
    );
    for request in [&setup.alone, &setup.together] {
        let actions = actions_on(app, "request", &id(request)).await;
        assert!(actions.contains(&"request.reroute".into()), "{actions:?}");
    }
    let actions = actions_on(app, "access_review_item", &id(&frans[0])).await;
    assert!(
        actions.contains(&"access_review.reroute".into()),
        "{actions:?}"
    );
    let _ = setup.reviewed_group;
}

on_both_backends! {
    async fn disabling_a_leaver_takes_everything_away_at_once_and_enabling_gives_nothing_back(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let fran = app.person("fran").await;
        let carol = app.person("carol").await;
        let bearer = token_of(&alice).await;
        let setup = leaving(&app, &alice, &bob, &fran, &carol).await;

        assert_eq!(patch_user(&app, &alice, json!({"enabled": false})).await.status(), 200);

        // Signed out, and the token is dead.
        assert_problem(alice.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        left(&app, &alice, &bob, &fran, &setup).await;
        // Nothing was left for the scheduler's safety net.
        let state = app.state().await;
        assert_eq!(close_what_leavers_held(&state, Utc::now()).await.unwrap(), 0);
        let actions = actions_on(&app, "user", &alice.id()).await;
        assert!(actions.contains(&"user.update".into()), "{actions:?}");

        // Enabled again, alice signs in to nothing of what she had.
        assert_eq!(patch_user(&app, &alice, json!({"enabled": true})).await.status(), 200);
        let again = Session::sign_in(&app.base, "alice", PASSWORD).await;
        assert_eq!(again.get("/api/v1/me").await.status(), 200);
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert!(members(&app, setup.wiki.group).await.is_empty());
        let assignments = read(&app, &format!("/api/v1/assignments?user_id={}", alice.id())).await;
        assert!(assignments["items"].as_array().unwrap().iter().all(|a| a["state"] == "removed"));
        assert!(pending_ids(&again).await.is_empty(), "her approvals stay with others");
        assert!(my_items(&again, &setup.instance).await.is_empty(), "her review items stay with others");
        let own = read(&app, &format!("/api/v1/requests/{}", id(&setup.own_request))).await;
        assert_eq!(own["state"], "canceled");
    }
}

on_both_backends! {
    async fn deleting_a_leaver_takes_everything_away_in_the_same_way(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let fran = app.person("fran").await;
        let carol = app.person("carol").await;
        let bearer = token_of(&alice).await;
        let setup = leaving(&app, &alice, &bob, &fran, &carol).await;

        let deleted = app.admin.delete(&format!("/api/v1/users/{}", alice.id())).await;
        assert_eq!(deleted.status(), 204);

        assert_problem(alice.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        left(&app, &alice, &bob, &fran, &setup).await;
        let actions = actions_on(&app, "user", &alice.id()).await;
        assert!(actions.contains(&"user.delete".into()), "{actions:?}");
    }
}

on_both_backends! {
    async fn a_leaver_change_that_conflicts_writes_nothing_at_all(app: TestApp) {
        let alice = app.person("alice").await;
        let fran = app.person("fran").await;
        let carol = app.person("carol").await;
        let wiki = offer(&app, "Wiki", open_policy).await;
        asked(&alice, &wiki, json!({})).await;
        let (a, f) = (alice.id(), fran.id());
        let by_alice = offer(&app, "By Alice", move |_| stage_with_fallback(json!([user_spec(&a)]), &f)).await;
        let request = asked(&carol, &by_alice, json!({})).await;

        // The leaver's effects are planned (the assignment's end first, then the request's
        // hand-over), then carol cancels her request before they are written.
        let state = app.state().await;
        let alice_id: Uuid = alice.id().parse().unwrap();
        let writes = leaver_writes(&state, None, UserId::from_uuid(alice_id), Utc::now()).await.unwrap();
        assert_eq!((writes.assignments.len(), writes.requests.len()), (1, 1));
        let canceled = carol.post(&format!("/api/v1/requests/{}/cancel", id(&request)), &json!({})).await;
        assert_eq!(canceled.status(), 200);

        let row = store::users::find_user(&state.db, alice_id).await.unwrap().unwrap();
        let update = store::users::UserUpdate {
            enabled: false,
            ..store::users::UserUpdate::from(&row)
        };
        let written = store::users::transition_user_with(&state.db, alice_id, row.version, &update, Utc::now(), writes, |r| {
            tessera_api::service::audit_event::<(), ()>(None, "user.update", "user", r.id.to_string(), None, None)
        })
        .await;
        assert!(matches!(written, Err(StoreError::Conflict)));

        // Nothing of it happened: alice is enabled and signed in, and keeps her access.
        let user = read(&app, &format!("/api/v1/users/{}", alice.id())).await;
        assert_eq!(user["enabled"], true);
        assert_eq!(alice.get("/api/v1/me").await.status(), 200);
        assert_eq!(members(&app, wiki.group).await, ["alice"]);
        let assignments = read(&app, &format!("/api/v1/assignments?user_id={}", alice.id())).await;
        assert_eq!(assignments["items"][0]["state"], "delivered");
        assert_eq!(actions_on(&app, "assignment", &id(&assignments["items"][0])).await.iter().filter(|a| *a == "assignment.remove_disabled_user").count(), 0);
        assert!(!actions_on(&app, "user", &alice.id()).await.contains(&"user.update".into()));

        // Through the API the same change plans again and goes through.
        assert_eq!(patch_user(&app, &alice, json!({"enabled": false})).await.status(), 200);
        assert!(members(&app, wiki.group).await.is_empty());
    }
}

on_both_backends! {
    async fn the_safety_net_takes_away_what_a_leaver_still_holds_once(app: TestApp) {
        let alice = app.person("alice").await;
        let fran = app.person("fran").await;
        let carol = app.person("carol").await;
        let wiki = offer(&app, "Wiki", open_policy).await;
        asked(&alice, &wiki, json!({})).await;
        let (a, f) = (alice.id(), fran.id());
        let by_alice = offer(&app, "By Alice", move |_| stage_with_fallback(json!([user_spec(&a)]), &f)).await;
        let request = asked(&carol, &by_alice, json!({})).await;

        // Disabled in the store alone, as an account changed outside the API would be.
        let state = app.state().await;
        let alice_id: Uuid = alice.id().parse().unwrap();
        let row = store::users::find_user(&state.db, alice_id).await.unwrap().unwrap();
        let update = store::users::UserUpdate {
            enabled: false,
            ..store::users::UserUpdate::from(&row)
        };
        store::users::transition_user(&state.db, alice_id, row.version, &update, Utc::now(), |r| {
            tessera_api::service::audit_event::<(), ()>(None, "user.update", "user", r.id.to_string(), None, None)
        })
        .await
        .unwrap();
        assert_eq!(members(&app, wiki.group).await, ["alice"]);

        // Two replicas run the safety net at once: it happens once.
        let replica = app.state().await;
        let now = Utc::now();
        let (one, two) = tokio::join!(close_what_leavers_held(&state, now), close_what_leavers_held(&replica, now));
        assert_eq!(one.unwrap() + two.unwrap(), 1);
        assert_eq!(close_what_leavers_held(&state, now).await.unwrap(), 0);
        assert!(members(&app, wiki.group).await.is_empty());
        assert_eq!(pending_ids(&fran).await, [id(&request)]);
        let actions = actions_on(&app, "request", &id(&request)).await;
        assert_eq!(actions.iter().filter(|a| *a == "request.reroute").count(), 1, "{actions:?}");
    }
}

on_both_backends! {
    async fn only_administrators_disable_or_delete_people(app: TestApp) {
        let alice = app.person("alice").await;
        let mallory = app.person("mallory").await;
        let wiki = offer(&app, "Wiki", open_policy).await;
        asked(&alice, &wiki, json!({})).await;
        let path = format!("/api/v1/users/{}", alice.id());
        assert_problem(mallory.patch(&path, &json!({"enabled": false})).await, 403, "forbidden").await;
        assert_problem(mallory.delete(&path).await, 403, "forbidden").await;
        assert_eq!(alice.get("/api/v1/me").await.status(), 200);
        assert_eq!(members(&app, wiki.group).await, ["alice"]);
    }
}

on_both_backends! {
    async fn a_new_manager_takes_over_the_manager_approvals_and_reviews(app: TestApp) {
        let maria = app.person("maria").await;
        let dave = app.person("dave").await;
        let fran = app.person("fran").await;
        let carol = app.person("carol").await;
        assert_eq!(patch_user(&app, &carol, json!({"manager_id": maria.id()})).await.status(), 200);
        let f = fran.id();
        let by_manager = offer(&app, "By manager", move |_| {
            stage_with_fallback(json!([{"type": "manager"}]), &f)
        })
        .await;
        let as_manager = asked(&carol, &by_manager, json!({})).await;
        let m = maria.id();
        let by_name = offer(&app, "By Maria", move |_| one_stage(&[&m])).await;
        let by_name_request = asked(&carol, &by_name, json!({})).await;
        let group = insert_group(&app, "Lab", None).await;
        let put = app.admin.put(&format!("/api/v1/groups/{group}/members/{}", carol.id())).await;
        assert_eq!(put.status(), 204);
        let instance = started_review(&app, &manager_review(group, &fran.id())).await;
        let mut marias = pending_ids(&maria).await;
        marias.sort();
        let mut both = vec![id(&as_manager), id(&by_name_request)];
        both.sort();
        assert_eq!(marias, both);
        assert_eq!(my_items(&maria, &instance).await.len(), 1);

        let moved = patch_user(&app, &carol, json!({
            "manager_id": dave.id(),
            "department": "Sales",
            "attributes": {"cost_center": "4711"},
        }))
        .await;
        assert_eq!(moved.status(), 200);

        // The manager stage moves to dave; the stage naming maria stays hers.
        assert_eq!(pending_ids(&dave).await, [id(&as_manager)]);
        assert_eq!(pending_ids(&maria).await, [id(&by_name_request)]);
        assert_problem(approve(&maria, &as_manager).await, 404, "not_found").await;
        assert_eq!(approve(&dave, &as_manager).await.status(), 200);
        assert!(pending_ids(&fran).await.is_empty(), "the fallback is not needed");
        // The review item too.
        assert!(my_items(&maria, &instance).await.is_empty());
        let daves = my_items(&dave, &instance).await;
        assert_eq!(daves.len(), 1);
        assert_eq!(daves[0]["person"]["username"], "carol");
        assert_problem(review_decision(&maria, &daves[0], "approve").await, 404, "not_found").await;
        assert_eq!(review_decision(&dave, &daves[0], "approve").await.status(), 200);
        let told = notification_kinds(&dave).await;
        assert!(told.contains(&"approval_needed".to_string()), "{told:?}");
        assert!(told.contains(&"review_started".to_string()), "{told:?}");

        // Audited: the moves, and the person's change with department and attributes.
        let actions = actions_on(&app, "request", &id(&as_manager)).await;
        assert!(actions.contains(&"request.reroute".into()), "{actions:?}");
        assert!(!actions_on(&app, "request", &id(&by_name_request)).await.contains(&"request.reroute".into()));
        assert!(actions_on(&app, "access_review_item", &id(&daves[0])).await.contains(&"access_review.reroute".into()));
        let state = app.state().await;
        let events = store::audit::list_events_for_target(&state.db, "user", &carol.id()).await.unwrap();
        let update = events.iter().rev().find(|e| e.action == "user.update").unwrap();
        let before: Value = serde_json::from_str(update.before.as_deref().unwrap()).unwrap();
        let after: Value = serde_json::from_str(update.after.as_deref().unwrap()).unwrap();
        assert_eq!(before["manager_id"], maria.id());
        assert_eq!(after["manager_id"], dave.id());
        assert_eq!(before["department"], Value::Null);
        assert_eq!(after["department"], "Sales");
        assert_eq!(after["attributes"]["cost_center"], "4711");
    }
}
