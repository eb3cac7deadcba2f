use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    async fn a_token_authenticates_until_it_is_revoked(app: TestApp) {
        let response = app
            .admin
            .post("/api/v1/tokens", &json!({"name": "deploy script", "expires_in_days": 7}))
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        let created: Value = response.json().await.unwrap();
        let secret = created["secret"].as_str().unwrap();
        assert!(secret.starts_with("tsr_"));
        assert!(secret.starts_with(created["token"]["prefix"].as_str().unwrap()));

        let bearer = Bearer::new(&app.base, secret);
        let me: Value = bearer.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["username"], ADMIN);
        assert_eq!(me["authenticated_by"], "api_token");
        // Tokens need no CSRF header: browsers never attach them on their own.
        let listed = bearer.get("/api/v1/tokens").await;
        let listed: Value = listed.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], created["token"]["id"]);
        assert!(!listed.to_string().contains(secret), "a listing never shows the secret");
        assert!(listed["items"][0]["last_used_at"].is_string());

        let id = created["token"]["id"].as_str().unwrap();
        let revoked = bearer.send(Method::DELETE, &format!("/api/v1/tokens/{id}"), None).await;
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        // Revoking again is harmless.
        assert_eq!(app.admin.delete(&format!("/api/v1/tokens/{id}")).await.status(), 204);
        let listed: Value = app.admin.get("/api/v1/tokens").await.json().await.unwrap();
        assert!(listed["items"][0]["revoked_at"].is_string());
    }
}

on_both_backends! {
    async fn malformed_unknown_and_expired_tokens_are_refused(app: TestApp) {
        let unknown = format!("tsr_{}", "A".repeat(43));
        for header in ["Bearer nonsense", "Basic YWRtaW46eA==", "Bearer ", unknown.as_str()] {
            let header = if header.starts_with("tsr_") { format!("Bearer {header}") } else { header.to_string() };
            let response = app
                .anonymous()
                .get(app.url("/api/v1/me"))
                .header("authorization", header.clone())
                .send()
                .await
                .unwrap();
            assert_problem(response, 401, "unauthenticated").await;
        }

        let state = app.state().await;
        let generated = tessera_api::auth::api_token::generate();
        let owner: uuid::Uuid = app.admin.id().parse().unwrap();
        let past = chrono::Utc::now() - chrono::Duration::days(10);
        tessera_api::store::tokens::insert_token(
            &state.db,
            &tessera_api::store::tokens::NewTokenRecord {
                id: uuid::Uuid::now_v7(),
                owner_id: owner,
                name: "old".into(),
                prefix: generated.display_prefix.clone(),
                secret_hash: generated.hash.clone(),
                created_by: owner,
                now: past,
                expires_at: past + chrono::Duration::days(1),
            },
            |row| tessera_api::service::audit_event::<(), ()>(
                None, "token.create", "api_token", row.id.to_string(), None, None,
            ),
        )
        .await
        .unwrap();
        let expired = Bearer::new(&app.base, &generated.secret);
        assert_problem(expired.get("/api/v1/me").await, 401, "unauthenticated").await;
    }
}

on_both_backends! {
    async fn token_input_is_validated(app: TestApp) {
        for (body, field) in [
            (json!({"name": ""}), "name"),
            (json!({"name": "x".repeat(101)}), "name"),
            (json!({"name": "ok", "expires_in_days": 0}), "expires_in_days"),
            (json!({"name": "ok", "expires_in_days": 367}), "expires_in_days"),
            (json!({"name": "ok", "scope": "all"}), "scope"),
        ] {
            let response = app.admin.post("/api/v1/tokens", &body).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), vec![field.to_string()], "{body}");
        }
    }
}

on_both_backends! {
    async fn people_manage_only_their_own_tokens(app: TestApp) {
        let kate = app.person("kate").await;
        let leo = app.person("leo").await;
        let kates: Value = kate
            .post("/api/v1/tokens", &json!({"name": "kate's"}))
            .await
            .json()
            .await
            .unwrap();
        let kate_token = kates["token"]["id"].as_str().unwrap();

        assert_problem(leo.get(&format!("/api/v1/users/{}/tokens", kate.id())).await, 403, "forbidden").await;
        assert_problem(leo.delete(&format!("/api/v1/tokens/{kate_token}")).await, 404, "not_found").await;
        let made_for_kate = leo
            .post(&format!("/api/v1/users/{}/tokens", kate.id()), &json!({"name": "sneaky"}))
            .await;
        assert_problem(made_for_kate, 403, "forbidden").await;

        // Kate's token still works, and she has exactly one.
        let bearer = Bearer::new(&app.base, kates["secret"].as_str().unwrap());
        assert_eq!(bearer.get("/api/v1/me").await.status(), 200);
        let hers: Value = kate.get("/api/v1/tokens").await.json().await.unwrap();
        assert_eq!(hers["items"].as_array().unwrap().len(), 1);

        // An administrator sees and may revoke anyone's token, but not mint one for a person.
        let listed: Value = app.admin.get(&format!("/api/v1/users/{}/tokens", kate.id())).await.json().await.unwrap();
        assert_eq!(listed["items"][0]["id"], kates["token"]["id"]);
        let minted = app
            .admin
            .post(&format!("/api/v1/users/{}/tokens", kate.id()), &json!({"name": "for kate"}))
            .await;
        assert_problem(minted, 403, "forbidden").await;
        assert_eq!(app.admin.delete(&format!("/api/v1/tokens/{kate_token}")).await.status(), 204);
        assert_eq!(bearer.get("/api/v1/me").await.status(), 401);
    }
}

on_both_backends! {
    async fn administrators_create_tokens_for_service_accounts(app: TestApp) {
        let robot = app
            .create_user(json!({
                "username": "ci-bot", "display_name": "CI bot", "email": "ci@example.org",
                "kind": "service_account",
            }))
            .await;
        let path = format!("/api/v1/users/{}/tokens", robot["id"].as_str().unwrap());
        let created: Value = app.admin.post(&path, &json!({"name": "pipeline"})).await.json().await.unwrap();
        assert_eq!(created["token"]["owner_id"], robot["id"]);
        let bearer = Bearer::new(&app.base, created["secret"].as_str().unwrap());
        let me: Value = bearer.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["kind"], "service_account");
        assert_problem(bearer.get("/api/v1/users").await, 403, "forbidden").await;
    }
}

/// Creates a guest and a member, signed in, on `app`.
async fn a_guest_and_a_member(app: &TestApp) -> (Session, Session) {
    app.create_user(json!({
        "username": "gail",
        "display_name": "Gail Guest",
        "email": "gail@partner.example",
        "password": PASSWORD,
        "user_type": "guest",
    }))
    .await;
    let guest = Session::sign_in(&app.base, "gail", PASSWORD).await;
    let member = app.person("mel").await;
    (guest, member)
}

on_both_backends! {
    async fn guests_cannot_create_api_tokens_unless_the_setting_allows_it(app: TestApp) {
        let token = json!({"name": "script", "expires_in_days": 7});
        let (guest, member) = a_guest_and_a_member(&app).await;
        assert_eq!(guest.me["may_create_api_tokens"], false);
        assert_eq!(member.me["may_create_api_tokens"], true);
        let me: Value = guest.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(me["may_create_api_tokens"], false);

        let refused = guest.post("/api/v1/tokens", &token).await;
        let problem = assert_problem(refused, 403, "forbidden").await;
        assert!(problem["detail"].as_str().unwrap().contains("guests.allow_api_tokens"));
        let listed: Value = guest.get("/api/v1/tokens").await.json().await.unwrap();
        assert_eq!(listed["items"], json!([]), "nothing was made");
        assert_eq!(member.post("/api/v1/tokens", &token).await.status(), StatusCode::CREATED);

        let allowing = TestApp::spawn_with(app.backend, |settings| {
            settings.guests.allow_api_tokens = true;
        })
        .await;
        let (guest, _) = a_guest_and_a_member(&allowing).await;
        assert_eq!(guest.me["may_create_api_tokens"], true);
        assert_eq!(guest.post("/api/v1/tokens", &token).await.status(), StatusCode::CREATED);
    }
}
