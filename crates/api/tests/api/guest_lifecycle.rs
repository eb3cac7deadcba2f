//! The lifecycle of guests who lose their last access, as Microsoft Entra manages external
//! users: blocked from signing in, told (with their sponsors), unblocked by access given again,
//! and removed `guests.remove_after_days` later.

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};
use tessera_api::jobs::assignments::run_due_work;
use tessera_api::jobs::guests::{GuestWork, run_guest_lifecycle};
use uuid::Uuid;

use super::requests::{Offer, asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

fn policy(expiry: Value) -> impl FnOnce(Uuid) -> Value {
    move |_| {
        json!({
            "name": "Everyone",
            "who_can_request": {"type": "all_users"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": expiry},
        })
    }
}

/// Creates a guest sponsored by `sponsor`, with a password; returns their id.
async fn guest(app: &TestApp, username: &str, sponsor: &str) -> String {
    let created = app
        .create_user(json!({
            "username": username,
            "display_name": format!("{username} Guest"),
            "email": format!("{username}@partner.example"),
            "password": PASSWORD,
            "user_type": "guest",
            "sponsors": [sponsor],
        }))
        .await;
    created["id"].as_str().unwrap().to_string()
}

async fn sign_in(app: &TestApp, username: &str) -> reqwest::Response {
    app.anonymous()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
}

async fn user(app: &TestApp, id: &str) -> reqwest::Response {
    app.admin.get(&format!("/api/v1/users/{id}")).await
}

async fn view(app: &TestApp, id: &str) -> Value {
    let response = user(app, id).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// `person`'s notifications of `kind`: (subject, text), newest first.
async fn notes(app: &TestApp, person: &str, kind: &str) -> Vec<(String, String)> {
    let state = app.state().await;
    let person: Uuid = person.parse().unwrap();
    tessera_api::store::notifications::list_for_recipient(&state.db, person, false, None, 50)
        .await
        .unwrap()
        .into_iter()
        .filter(|note| note.kind.as_str() == kind)
        .map(|note| (note.subject, note.body_text))
        .collect()
}

async fn assign(
    app: &TestApp,
    offer: &Offer,
    user: &str,
    starts_at: Option<DateTime<Utc>>,
) -> Value {
    let mut body = json!({"policy_id": offer.policy, "user_id": user});
    if let Some(at) = starts_at {
        body["starts_at"] = json!(at.to_rfc3339());
    }
    let created = app
        .admin
        .post(
            &format!("/api/v1/access-packages/{}/assignments", offer.package),
            &body,
        )
        .await;
    let status = created.status();
    let created: Value = created.json().await.unwrap();
    assert_eq!(status, 201, "{created}");
    created
}

async fn remove(app: &TestApp, assignment: &Value) {
    let id = assignment["id"].as_str().unwrap();
    let removed = app
        .admin
        .post(&format!("/api/v1/assignments/{id}/remove"), &json!({}))
        .await;
    assert_eq!(removed.status(), 200);
}

async fn audited(app: &TestApp, action: &str, target: &str) -> usize {
    let listed: Value = app
        .admin
        .get(&format!(
            "/api/v1/audit-events?action={action}&target_id={target}"
        ))
        .await
        .json()
        .await
        .unwrap();
    listed["items"].as_array().unwrap().len()
}

on_both_backends! {
    async fn a_guest_whose_last_access_expires_is_blocked_then_unblocked_by_new_access(app: TestApp) {
        // The guest's own API token must stop working while blocked, so guests may create one.
        let app = TestApp::spawn_with(app.backend, |settings| settings.guests.allow_api_tokens = true).await;
        let state = app.state().await;
        let maria = app.person("maria").await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "after_days", "days": 30}))).await;
        let gwen_id = guest(&app, "gwen", &maria.id()).await;
        let gwen = Session::sign_in(&app.base, "gwen", PASSWORD).await;
        asked(&gwen, &wiki, json!({})).await;
        let token = gwen
            .post("/api/v1/tokens", &json!({"name": "script", "expires_in_days": 90}))
            .await;
        assert_eq!(token.status(), 201);
        let token: Value = token.json().await.unwrap();
        let token = Bearer::new(&app.base, token["secret"].as_str().unwrap());

        // Holding access: nothing happens.
        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap(), GuestWork::default());

        let later = Utc::now() + Duration::days(31);
        run_due_work(&state, later).await.unwrap();
        let work = run_guest_lifecycle(&state, later).await.unwrap();
        assert_eq!(work.blocked, 1);
        assert_eq!(run_guest_lifecycle(&state, later).await.unwrap(), GuestWork::default(), "once");

        // The block shows, apart from an administrator's disable, with the removal date.
        let shown = view(&app, &gwen_id).await;
        assert_eq!(shown["enabled"], true);
        let blocked_at: DateTime<Utc> = serde_json::from_value(shown["blocked_at"].clone()).unwrap();
        let due: DateTime<Utc> = serde_json::from_value(shown["removal_due_at"].clone()).unwrap();
        assert_eq!(due - blocked_at, Duration::days(30));
        let listed: Value = app.admin.get("/api/v1/users?q=gwen").await.json().await.unwrap();
        assert_eq!(listed["items"][0]["blocked_at"], shown["blocked_at"]);

        // No sign-in: the password is refused with the reason, the session and token stop.
        let problem = assert_problem(sign_in(&app, "gwen").await, 403, "sign_in_blocked").await;
        assert!(problem["detail"].as_str().unwrap().contains("sponsor"), "{problem}");
        assert_eq!(gwen.get("/api/v1/me").await.status(), 401);
        assert_eq!(token.get("/api/v1/me").await.status(), 401);
        // A wrong password says no more than for anyone else.
        let wrong = app.anonymous().post(app.url("/api/v1/session"))
            .json(&json!({"username": "gwen", "password": "not the password at all"}))
            .send().await.unwrap();
        assert_problem(wrong, 401, "sign_in_failed").await;

        // Told: the guest and the sponsor, with the removal date.
        let to_guest = notes(&app, &gwen_id, "guest_blocked").await;
        assert_eq!(to_guest.len(), 1, "{to_guest:?}");
        let to_sponsor = notes(&app, &maria.id(), "guest_blocked").await;
        assert_eq!(to_sponsor.len(), 1, "{to_sponsor:?}");
        assert_eq!(to_sponsor[0].0, "gwen Guest can no longer sign in");
        assert!(to_sponsor[0].1.contains(&due.format("%Y-%m-%d").to_string()), "{}", to_sponsor[0].1);
        assert_eq!(audited(&app, "user.block", &gwen_id).await, 1);

        // Access given again lifts the block at once.
        assign(&app, &wiki, &gwen_id, None).await;
        let shown = view(&app, &gwen_id).await;
        assert_eq!(shown["blocked_at"], Value::Null);
        assert_eq!(shown["removal_due_at"], Value::Null);
        assert_eq!(sign_in(&app, "gwen").await.status(), 200);
        assert_eq!(token.get("/api/v1/me").await.status(), 200, "the block kept it from working");
        assert_eq!(audited(&app, "user.unblock", &gwen_id).await, 1);
    }
}

on_both_backends! {
    async fn a_blocked_guest_is_removed_after_the_configured_days_and_sponsors_are_told(app: TestApp) {
        let state = app.state().await;
        let maria = app.person("maria").await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "never"}))).await;
        let gwen = guest(&app, "gwen", &maria.id()).await;
        let held = assign(&app, &wiki, &gwen, None).await;
        remove(&app, &held).await;

        let now = Utc::now();
        assert_eq!(run_guest_lifecycle(&state, now).await.unwrap().blocked, 1);
        assert_eq!(run_guest_lifecycle(&state, now + Duration::days(29)).await.unwrap().removed, 0);
        assert_eq!(user(&app, &gwen).await.status(), 200);

        let due = now + Duration::days(30) + Duration::minutes(1);
        let replica = app.state().await;
        let (one, two) = tokio::join!(run_guest_lifecycle(&state, due), run_guest_lifecycle(&replica, due));
        assert_eq!(one.unwrap().removed + two.unwrap().removed, 1, "replicas remove once");
        assert_eq!(user(&app, &gwen).await.status(), 404, "deleted, a tombstone");
        assert_problem(sign_in(&app, "gwen").await, 401, "sign_in_failed").await;
        let removed = notes(&app, &maria.id(), "guest_removed").await;
        assert_eq!(removed.len(), 1, "{removed:?}");
        assert_eq!(removed[0].0, "gwen Guest was removed");
        assert_eq!(audited(&app, "user.remove_blocked_guest", &gwen).await, 1);
    }
}

on_both_backends! {
    async fn guests_are_never_removed_when_remove_after_days_is_zero(app: TestApp) {
        let app = TestApp::spawn_with(app.backend, |settings| settings.guests.remove_after_days = 0).await;
        let state = app.state().await;
        let maria = app.person("maria").await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "never"}))).await;
        let gwen = guest(&app, "gwen", &maria.id()).await;
        let held = assign(&app, &wiki, &gwen, None).await;
        remove(&app, &held).await;
        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap().blocked, 1);
        let shown = view(&app, &gwen).await;
        assert!(shown["blocked_at"].is_string());
        assert_eq!(shown["removal_due_at"], Value::Null);
        let work = run_guest_lifecycle(&state, Utc::now() + Duration::days(4000)).await.unwrap();
        assert_eq!(work.removed, 0);
        assert_eq!(user(&app, &gwen).await.status(), 200);
    }
}

on_both_backends! {
    async fn guests_with_access_to_come_and_members_are_not_blocked(app: TestApp) {
        let state = app.state().await;
        let maria = app.person("maria").await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "never"}))).await;
        let lab = offer(&app, "Lab", policy(json!({"type": "never"}))).await;

        // A guest whose next access starts later.
        let gwen = guest(&app, "gwen", &maria.id()).await;
        let held = assign(&app, &wiki, &gwen, None).await;
        let scheduled = assign(&app, &lab, &gwen, Some(Utc::now() + Duration::days(3))).await;
        assert_eq!(scheduled["state"], "scheduled");
        remove(&app, &held).await;
        // A guest who never held anything.
        guest(&app, "newcomer", &maria.id()).await;
        // A member who lost their last access.
        let bob = app.person("bob").await;
        let held = assign(&app, &wiki, &bob.id(), None).await;
        remove(&app, &held).await;

        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap(), GuestWork::default());
        assert_eq!(view(&app, &gwen).await["blocked_at"], Value::Null);
        assert_eq!(bob.get("/api/v1/me").await.status(), 200);
        assert_eq!(sign_in(&app, "gwen").await.status(), 200);

        // Once the later access has come and gone, the guest is blocked.
        remove(&app, &scheduled).await;
        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap().blocked, 1);
        // Made a member, they are a guest no more: the next round lifts the block.
        let member = app.admin.patch(&format!("/api/v1/users/{gwen}"), &json!({"user_type": "member"})).await;
        assert_eq!(member.status(), 200);
        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap().unblocked, 1);
        assert_eq!(sign_in(&app, "gwen").await.status(), 200);
    }
}

on_both_backends! {
    async fn blocking_is_switched_off_by_configuration(app: TestApp) {
        let app = TestApp::spawn_with(app.backend, |settings| {
            settings.guests.block_when_last_assignment_ends = false;
        })
        .await;
        let state = app.state().await;
        let maria = app.person("maria").await;
        let wiki = offer(&app, "Wiki", policy(json!({"type": "never"}))).await;
        let gwen = guest(&app, "gwen", &maria.id()).await;
        let held = assign(&app, &wiki, &gwen, None).await;
        remove(&app, &held).await;
        assert_eq!(run_guest_lifecycle(&state, Utc::now()).await.unwrap(), GuestWork::default());
        assert_eq!(sign_in(&app, "gwen").await.status(), 200);
    }
}
