use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    async fn me_answers_who_is_signed_in(app: TestApp) {
        let response = app.admin.get("/api/v1/me").await;
        assert_eq!(response.status(), StatusCode::OK);
        let me: serde_json::Value = response.json().await.unwrap();
        assert_eq!(me["username"], ADMIN);
        assert_eq!(me["roles"], json!(["user", "global_admin"]));
        assert_eq!(me["authenticated_by"], "session");
    }
}

on_both_backends! {
    async fn the_session_cookie_is_http_only_and_same_site_strict(app: TestApp) {
        let response = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let cookies: Vec<String> = response
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        let session = cookies.iter().find(|c| c.starts_with("tessera_session=")).unwrap();
        assert!(session.contains("HttpOnly"), "{session}");
        assert!(session.contains("SameSite=Strict"), "{session}");
        // The test server runs on plain http://127.0.0.1, where Secure is left off by default.
        assert!(!session.contains("Secure"), "{session}");
        let csrf = cookies.iter().find(|c| c.starts_with("tessera_csrf=")).unwrap();
        assert!(!csrf.contains("HttpOnly"), "{csrf}");
        // The body never carries the session token.
        let body = response.text().await.unwrap();
        assert!(!body.contains("eyJ"), "{body}");
    }
}

#[tokio::test]
async fn cookies_are_secure_when_the_public_url_is_https() {
    let app = TestApp::spawn_with(Backend::Sqlite, |s| {
        s.public_url = "https://access.example.org".parse().ok();
    })
    .await;
    let response = app
        .anonymous()
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": ADMIN, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    for cookie in response.headers().get_all("set-cookie") {
        assert!(cookie.to_str().unwrap().contains("Secure"), "{cookie:?}");
    }
}

on_both_backends! {
    async fn a_wrong_password_and_an_unknown_user_get_the_same_answer(app: TestApp) {
        let attempt = |username: &'static str| {
            app.anonymous()
                .post(app.url("/api/v1/session"))
                .json(&json!({"username": username, "password": "not the password"}))
                .send()
        };
        let wrong = assert_problem(attempt(ADMIN).await.unwrap(), 401, "sign_in_failed").await;
        let unknown = assert_problem(attempt("nobody").await.unwrap(), 401, "sign_in_failed").await;
        assert_eq!(wrong["detail"], unknown["detail"]);
        assert_eq!(wrong["title"], unknown["title"]);
    }
}

on_both_backends! {
    async fn a_disabled_person_or_a_service_account_cannot_sign_in(app: TestApp) {
        let carol = app.person("carol").await;
        let response = app
            .admin
            .patch(&format!("/api/v1/users/{}", carol.id()), &json!({"enabled": false}))
            .await;
        assert_eq!(response.status(), StatusCode::OK);
        let attempt = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "carol", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_problem(attempt, 401, "sign_in_failed").await;

        app.create_user(json!({
            "username": "robot", "display_name": "Robot", "email": "robot@example.org",
            "kind": "service_account"
        }))
        .await;
        let attempt = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "robot", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_problem(attempt, 401, "sign_in_failed").await;
    }
}

on_both_backends! {
    async fn repeated_failures_are_throttled_with_retry_after(app: TestApp) {
        let attempt = || {
            app.anonymous()
                .post(app.url("/api/v1/session"))
                .json(&json!({"username": ADMIN, "password": "guess"}))
                .send()
        };
        for _ in 0..app.settings.sign_in_limit.failures_per_address {
            assert_eq!(attempt().await.unwrap().status(), 401);
        }
        let throttled = attempt().await.unwrap();
        let retry_after: u64 = throttled.headers()["retry-after"].to_str().unwrap().parse().unwrap();
        assert!(retry_after > 0 && retry_after <= app.settings.sign_in_limit.lockout_seconds);
        assert_problem(throttled, 429, "rate_limited").await;
        // Even the right password, from this address, waits until the lockout ends.
        let right = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(right.status(), 429);
    }
}

on_both_backends! {
    async fn unsafe_requests_on_a_session_need_the_csrf_header(app: TestApp) {
        let without = app
            .admin
            .client
            .post(app.url("/api/v1/tokens"))
            .json(&json!({"name": "no csrf"}))
            .send()
            .await
            .unwrap();
        assert_problem(without, 403, "csrf_failed").await;
        let wrong = app
            .admin
            .client
            .post(app.url("/api/v1/tokens"))
            .header("X-CSRF-Token", "forged")
            .json(&json!({"name": "forged csrf"}))
            .send()
            .await
            .unwrap();
        assert_problem(wrong, 403, "csrf_failed").await;
        // Nothing was created by the refused requests.
        let tokens: serde_json::Value = app.admin.get("/api/v1/tokens").await.json().await.unwrap();
        assert_eq!(tokens["items"], json!([]));
        // Reads need no CSRF header.
        let read = app.admin.client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(read.status(), 200);
    }
}

on_both_backends! {
    async fn signing_out_ends_the_session_on_the_server(app: TestApp) {
        let dave = app.person("dave").await;
        let cookie_jar_copy = dave
            .client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap();
        assert_eq!(cookie_jar_copy.status(), 200);
        // Keep the raw session token as an attacker who stole it would.
        let signed_in = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "dave", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let stolen = signed_in
            .cookies()
            .find(|c| c.name() == "tessera_session")
            .unwrap()
            .value()
            .to_string();
        let csrf = signed_in
            .cookies()
            .find(|c| c.name() == "tessera_csrf")
            .unwrap()
            .value()
            .to_string();
        let out = app
            .anonymous()
            .delete(app.url("/api/v1/session"))
            .header("cookie", format!("tessera_session={stolen}"))
            .header("X-CSRF-Token", csrf)
            .send()
            .await
            .unwrap();
        assert_eq!(out.status(), 204);
        let cleared: Vec<String> = out
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .collect();
        assert!(cleared.iter().any(|c| c.starts_with("tessera_session=;")), "{cleared:?}");
        let replay = app
            .anonymous()
            .get(app.url("/api/v1/me"))
            .header("cookie", format!("tessera_session={stolen}"))
            .send()
            .await
            .unwrap();
        assert_problem(replay, 401, "unauthenticated").await;
        // Dave's other session is untouched.
        assert_eq!(dave.get("/api/v1/me").await.status(), 200);
    }
}

on_both_backends! {
    async fn a_forged_or_garbled_session_cookie_is_refused(app: TestApp) {
        for value in ["garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.", ""] {
            let response = app
                .anonymous()
                .get(app.url("/api/v1/me"))
                .header("cookie", format!("tessera_session={value}"))
                .send()
                .await
                .unwrap();
            assert_problem(response, 401, "unauthenticated").await;
        }
    }
}

on_both_backends! {
    async fn a_disabled_user_is_refused_on_their_next_request(app: TestApp) {
        let erin = app.person("erin").await;
        let created: serde_json::Value = erin
            .post("/api/v1/tokens", &json!({"name": "laptop"}))
            .await
            .json()
            .await
            .unwrap();
        let bearer = Bearer::new(&app.base, created["secret"].as_str().unwrap());
        assert_eq!(bearer.get("/api/v1/me").await.status(), 200);
        assert_eq!(erin.get("/api/v1/me").await.status(), 200);

        let disabled = app
            .admin
            .patch(&format!("/api/v1/users/{}", erin.id()), &json!({"enabled": false}))
            .await;
        assert_eq!(disabled.status(), 200);
        assert_problem(erin.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;

        // Enabling again revives neither the old session nor the token: both ended for good.
        let enabled = app
            .admin
            .patch(&format!("/api/v1/users/{}", erin.id()), &json!({"enabled": true}))
            .await;
        assert_eq!(enabled.status(), 200);
        assert_problem(erin.get("/api/v1/me").await, 401, "unauthenticated").await;
        assert_problem(bearer.get("/api/v1/me").await, 401, "unauthenticated").await;
        // The token shows as revoked in the list.
        let tokens: serde_json::Value = app
            .admin
            .get(&format!("/api/v1/users/{}/tokens", erin.id()))
            .await
            .json()
            .await
            .unwrap();
        assert!(tokens["items"][0]["revoked_at"].is_string(), "{tokens}");
        // Signing in again gives a working session.
        let again = Session::sign_in(&app.base, "erin", PASSWORD).await;
        assert_eq!(again.get("/api/v1/me").await.status(), 200);
    }
}

#[tokio::test]
async fn a_session_past_half_its_life_gets_a_fresh_cookie() {
    // A one-minute token is past half its life after 30 s; sleeping that long is too slow, so
    // issue a token whose clock started earlier, signed with the server's own key.
    let app = TestApp::spawn(Backend::Sqlite).await;
    let state = app.state().await;
    let me = &app.admin.me;
    let user: uuid::Uuid = me["id"].as_str().unwrap().parse().unwrap();
    let session = uuid::Uuid::new_v4();
    let now = chrono::Utc::now();
    tessera_api::store::sessions::insert_session(
        &state.db,
        session,
        user,
        now,
        now + chrono::Duration::hours(1),
    )
    .await
    .unwrap();
    let claims = tessera_api::auth::session_token::SessionClaims::new(
        user,
        session,
        "csrf".into(),
        now - chrono::Duration::minutes(10),
        15,
    );
    let old = state.keys.issue(&claims).unwrap();
    let response = app
        .anonymous()
        .get(app.url("/api/v1/me"))
        .header("cookie", format!("tessera_session={old}"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let fresh = response
        .cookies()
        .find(|c| c.name() == "tessera_session")
        .map(|c| c.value().to_string())
        .expect("a renewed session cookie");
    assert_ne!(fresh, old);
    let renewed = state.keys.verify(&fresh).unwrap();
    assert_eq!((renewed.sid, renewed.csrf.as_str()), (session, "csrf"));
    assert!(renewed.exp > claims.exp);
}
