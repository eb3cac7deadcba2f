//! Deleting users and setting passwords: what ends, what stays, and who may.

use chrono::Utc;
use futures_util::future::join;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tessera_api::store::users::Deletion;

use crate::helpers::*;
use crate::on_both_backends;
use crate::requests::{asked, offer, one_stage};

const NEW_PASSWORD: &str = "a brand new passphrase";

async fn token_of(session: &Session) -> Bearer {
    let created: Value = session
        .post("/api/v1/tokens", &json!({"name": "laptop"}))
        .await
        .json()
        .await
        .unwrap();
    Bearer::new(&session.base, created["secret"].as_str().unwrap())
}

async fn sign_in_status(app: &TestApp, username: &str, password: &str) -> StatusCode {
    app.anonymous()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

fn open_policy(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

on_both_backends! {
    async fn deleting_a_user_ends_their_access_and_keeps_the_trail(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let bearer = token_of(&alice).await;
        let b = bob.id();
        let gated = offer(&app, "Gated", move |_| one_stage(&[&b])).await;
        let request = asked(&alice, &gated, json!({})).await;
        let open = offer(&app, "Open", open_policy).await;
        asked(&alice, &open, json!({})).await;
        let user = format!("/api/v1/users/{}", alice.id());

        let deleted = app.admin.delete(&user).await;
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

        // Signed out everywhere, for good.
        assert_problem(alice.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_eq!(sign_in_status(&app, "alice", PASSWORD).await, 401);
        // Access ended, the open request closed, the approver has nothing left to decide.
        let assignments: Value = app.admin
            .get(&format!("/api/v1/assignments?user_id={}", alice.id()))
            .await.json().await.unwrap();
        assert_eq!(assignments["items"][0]["state"], "removed", "{assignments}");
        let read: Value = app.admin
            .get(&format!("/api/v1/requests/{}", request["id"].as_str().unwrap()))
            .await.json().await.unwrap();
        assert_eq!(read["state"], "canceled");
        let approvals: Value = bob.get("/api/v1/me/approvals").await.json().await.unwrap();
        assert_eq!(approvals["items"], json!([]), "{approvals}");

        // Gone from the user administration, and it cannot be brought back.
        assert_problem(app.admin.get(&user).await, 404, "not_found").await;
        assert_problem(app.admin.patch(&user, &json!({"enabled": true})).await, 404, "not_found").await;
        assert_problem(app.admin.delete(&user).await, 404, "not_found").await;
        let listed: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert!(listed["items"].as_array().unwrap().iter().all(|u| u["username"] != "alice"));
        // The username stays taken by the tombstone.
        let again = app.admin.post("/api/v1/users", &json!({
            "username": "alice", "display_name": "Alice Again", "email": "alice@example.org",
        })).await;
        assert_problem(again, 409, "username_taken").await;

        // The trail still reads: what names alice still names her.
        let named: Value = app.admin
            .get(&format!("/api/v1/people?ids={}", alice.id()))
            .await.json().await.unwrap();
        assert_eq!(named["items"][0]["username"], "alice", "{named}");
        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "user", &alice.id())
            .await
            .unwrap();
        let delete = events.iter().find(|e| e.action == "user.delete").expect("a user.delete event");
        assert_eq!(delete.actor_name.as_deref(), Some(ADMIN));
        let after: Value = serde_json::from_str(delete.after.as_deref().unwrap()).unwrap();
        assert_eq!((after["username"].as_str(), after["enabled"].as_bool()), (Some("alice"), Some(false)));
    }
}

on_both_backends! {
    async fn only_an_administrator_deletes_and_never_themselves(app: TestApp) {
        let carol = app.person("carol").await;
        let dave = app.person("dave").await;
        let refused = carol.delete(&format!("/api/v1/users/{}", dave.id())).await;
        assert_problem(refused, 403, "forbidden").await;
        assert_eq!(dave.get("/api/v1/me").await.status(), 200);
        let own = app.admin.delete(&format!("/api/v1/users/{}", app.admin.id())).await;
        assert_problem(own, 409, "self_lockout").await;
        let nobody = app.admin.delete(&format!("/api/v1/users/{}", uuid::Uuid::new_v4())).await;
        assert_problem(nobody, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn two_administrators_deleting_each_other_leave_one(app: TestApp) {
        app.create_user(json!({
            "username": "root2", "display_name": "Second Admin", "email": "root2@example.org",
            "password": PASSWORD, "is_admin": true,
        })).await;
        let root2 = Session::sign_in(&app.base, "root2", PASSWORD).await;
        let (first, second) = join(
            app.admin.delete(&format!("/api/v1/users/{}", root2.id())),
            root2.delete(&format!("/api/v1/users/{}", app.admin.id())),
        )
        .await;
        let statuses = [first.status().as_u16(), second.status().as_u16()];
        assert_eq!(statuses.iter().filter(|s| **s == 204).count(), 1, "{statuses:?}");
        // The loser was either deleted before its request was authenticated, or found itself
        // the last administrator.
        assert!(statuses.iter().all(|s| [204, 401, 409].contains(s)), "{statuses:?}");
        let survivors = [app.admin.get("/api/v1/me").await.status(), root2.get("/api/v1/me").await.status()];
        assert_eq!(survivors.iter().filter(|s| **s == 200).count(), 1, "{survivors:?}");
    }
}

on_both_backends! {
    async fn two_administrators_disabling_or_demoting_each_other_leave_one(app: TestApp) {
        app.create_user(json!({
            "username": "root2", "display_name": "Second Admin", "email": "root2@example.org",
            "password": PASSWORD, "is_admin": true,
        })).await;
        let root2 = Session::sign_in(&app.base, "root2", PASSWORD).await;
        let (first, second) = join(
            app.admin.patch(&format!("/api/v1/users/{}", root2.id()), &json!({"enabled": false})),
            root2.patch(&format!("/api/v1/users/{}", app.admin.id()), &json!({"is_admin": false})),
        )
        .await;
        let statuses = [first.status().as_u16(), second.status().as_u16()];
        assert_eq!(statuses.iter().filter(|s| **s == 200).count(), 1, "{statuses:?}");
        // The loser was disabled or demoted before its request was authorised, or found the
        // other the last administrator.
        assert!(statuses.iter().all(|s| [200, 401, 403, 409].contains(s)), "{statuses:?}");
        if let Some(at) = statuses.iter().position(|s| *s == 409) {
            let loser = if at == 0 { first } else { second };
            assert_problem(loser, 409, "last_administrator").await;
        }
        let state = app.state().await;
        let admins: Vec<(bool,)> = match &state.db {
            tessera_api::store::Db::Sqlite(pools) => sqlx::query_as(
                "SELECT enabled FROM users WHERE is_admin AND enabled AND deleted_at IS NULL",
            ).fetch_all(pools.reads()).await.unwrap(),
            tessera_api::store::Db::Postgres(pool) => sqlx::query_as(
                "SELECT enabled FROM users WHERE is_admin AND enabled AND deleted_at IS NULL",
            ).fetch_all(pool).await.unwrap(),
        };
        assert_eq!(admins.len(), 1, "exactly one enabled administrator remains");
    }
}

on_both_backends! {
    async fn the_last_enabled_administrator_is_never_disabled_or_demoted(app: TestApp) {
        let state = app.state().await;
        let admin: uuid::Uuid = app.admin.id().parse().unwrap();
        let row = tessera_api::store::users::find_user(&state.db, admin).await.unwrap().unwrap();
        for (enabled, is_admin) in [(false, true), (true, false)] {
            let update = tessera_api::store::users::UserUpdate {
                username: row.username.clone(),
                email: row.email.clone(),
                user_type: row.user_type,
                display_name: row.display_name.clone(),
                manager_id: row.manager_id,
                enabled,
                is_admin,
                department: row.department.clone(),
                attributes: row.attributes.clone(),
                external_id: row.external_id.clone(),
                given_name: row.given_name.clone(),
                family_name: row.family_name.clone(),
                formatted_name: row.formatted_name.clone(),
                sponsors: row.sponsors.clone(),
            };
            let refused = tessera_api::store::users::transition_user(
                &state.db, admin, row.version, &update, Utc::now(),
                |row| tessera_api::service::audit_event::<(), ()>(None, "user.update", "user", row.id.to_string(), None, None),
            )
            .await;
            assert!(matches!(refused, Err(tessera_api::store::StoreError::LastAdministrator)));
        }
        assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    }
}

on_both_backends! {
    async fn the_last_enabled_administrator_is_never_deleted(app: TestApp) {
        let state = app.state().await;
        let admin: uuid::Uuid = app.admin.id().parse().unwrap();
        let deletion = tessera_api::store::users::delete_user(&state.db, admin, Utc::now(), Default::default(), |_| Vec::new(), |row| {
            tessera_api::service::audit_event::<(), ()>(None, "user.delete", "user", row.id.to_string(), None, None)
        })
        .await
        .unwrap();
        assert!(matches!(deletion, Deletion::LastAdministrator));
        assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    }
}

async fn set_password(session: &Session, user: &str, body: &Value) -> reqwest::Response {
    session
        .send(
            Method::PUT,
            &format!("/api/v1/users/{user}/password"),
            Some(body),
        )
        .await
}

on_both_backends! {
    async fn an_imported_person_signs_in_once_an_administrator_sets_a_password(app: TestApp) {
        let report: Value = app.admin.post("/api/v1/directory/imports", &json!({
            "users": [
                {"username": "ines", "display_name": "Ines", "email": "ines@example.org"},
                {"username": "sync-bot", "display_name": "Sync", "email": "sync@example.org",
                 "kind": "service_account"},
            ],
        })).await.json().await.unwrap();
        assert_eq!(report["rejected"], json!([]), "{report}");
        let users: Value = app.admin.get("/api/v1/users?q=ines").await.json().await.unwrap();
        let ines = users["items"][0]["id"].as_str().unwrap().to_string();
        let users: Value = app.admin.get("/api/v1/users?q=sync").await.json().await.unwrap();
        let bot = users["items"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(sign_in_status(&app, "ines", NEW_PASSWORD).await, 401);

        // Not for anyone else to do, and the password is checked, naming the field.
        let carol = app.person("carol").await;
        assert_problem(set_password(&carol, &ines, &json!({"password": NEW_PASSWORD})).await, 403, "forbidden").await;
        let short = assert_problem(set_password(&app.admin, &ines, &json!({"password": "short"})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&short), ["password"]);
        let robot = assert_problem(set_password(&app.admin, &bot, &json!({"password": NEW_PASSWORD})).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&robot), ["password"]);
        let nobody = uuid::Uuid::new_v4().to_string();
        assert_problem(set_password(&app.admin, &nobody, &json!({"password": NEW_PASSWORD})).await, 404, "not_found").await;

        let set = set_password(&app.admin, &ines, &json!({"password": NEW_PASSWORD})).await;
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
        assert_eq!(sign_in_status(&app, "ines", NEW_PASSWORD).await, 200);
        // Audited without the password or its hash.
        let state = app.state().await;
        let events = tessera_api::store::audit::list_events_for_target(&state.db, "user", &ines).await.unwrap();
        let event = events.iter().find(|e| e.action == "user.set_password").expect("audited");
        assert_eq!((event.before.as_deref(), event.after.as_deref()), (None, None));
    }
}

on_both_backends! {
    async fn a_reset_password_ends_the_persons_sessions_but_not_their_tokens(app: TestApp) {
        let dave = app.person("dave").await;
        let bearer = token_of(&dave).await;
        let set = set_password(&app.admin, &dave.id(), &json!({"password": NEW_PASSWORD})).await;
        assert_eq!(set.status(), StatusCode::NO_CONTENT);
        assert_problem(dave.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_eq!(bearer.get("/api/v1/me").await.status(), 200);
        assert_eq!(sign_in_status(&app, "dave", PASSWORD).await, 401);
        // An administrator setting their own keeps the session they do it from.
        let own = set_password(&app.admin, &app.admin.id(), &json!({"password": NEW_PASSWORD})).await;
        assert_eq!(own.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    }
}

on_both_backends! {
    async fn a_person_changes_their_password_and_their_other_sessions_end(app: TestApp) {
        let erin = app.person("erin").await;
        let elsewhere = Session::sign_in(&app.base, "erin", PASSWORD).await;
        let change = |current: &str, new: &str| {
            let body = json!({"current_password": current, "new_password": new});
            let erin = &erin;
            async move { erin.post("/api/v1/me/password", &body).await }
        };
        let wrong = assert_problem(change("not my password", NEW_PASSWORD).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&wrong), ["current_password"]);
        let short = assert_problem(change(PASSWORD, "short").await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&short), ["new_password"]);
        let missing = erin.post("/api/v1/me/password", &json!({"new_password": NEW_PASSWORD})).await;
        let missing = assert_problem(missing, 422, "validation_failed").await;
        assert_eq!(problem_fields(&missing), ["current_password"]);
        assert_eq!(elsewhere.get("/api/v1/me").await.status(), 200);

        assert_eq!(change(PASSWORD, NEW_PASSWORD).await.status(), StatusCode::NO_CONTENT);
        assert_eq!(erin.get("/api/v1/me").await.status(), 200);
        assert_problem(elsewhere.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_eq!(sign_in_status(&app, "erin", PASSWORD).await, 401);
        assert_eq!(sign_in_status(&app, "erin", NEW_PASSWORD).await, 200);
        // Without the CSRF header a session cannot change it.
        let forged = erin.client.post(app.url("/api/v1/me/password"))
            .json(&json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD}))
            .send().await.unwrap();
        assert_problem(forged, 403, "csrf_failed").await;
        let anonymous = app.anonymous().post(app.url("/api/v1/me/password"))
            .json(&json!({"current_password": NEW_PASSWORD, "new_password": PASSWORD}))
            .send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
    }
}
