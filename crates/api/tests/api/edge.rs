//! What every request meets at the edge, before and after its handler: caching, transport
//! security, header and input screening, route and method answers.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

on_both_backends! {
    async fn every_api_answer_says_no_store_but_the_public_document_does_not(app: TestApp) {
        for path in [
            "/api/v1/me",
            "/api/v1/users",
            "/api/v1/me/notifications",
            "/api/v1/assignments.csv",
            "/api/v1/nowhere",
        ] {
            let response = app.admin.get(path).await;
            assert_eq!(header(&response, "cache-control"), "no-store", "{path}");
        }
        let created = app.admin.post("/api/v1/tokens", &json!({"name": "ci"})).await;
        assert_eq!(created.status(), 201);
        assert_eq!(header(&created, "cache-control"), "no-store", "POST /tokens");
        let sign_in = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": ADMIN, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(sign_in.status(), 200);
        assert_eq!(header(&sign_in, "cache-control"), "no-store", "sign-in");
        let document = app.anonymous().get(app.url("/api/openapi.json")).send().await.unwrap();
        assert_eq!(document.status(), 200);
        assert_ne!(header(&document, "cache-control"), "no-store");
    }
}

on_both_backends! {
    async fn hsts_is_sent_only_when_the_public_url_is_https(app: TestApp) {
        let plain = app.anonymous().get(app.url("/healthz")).send().await.unwrap();
        assert_eq!(header(&plain, "strict-transport-security"), "");

        let secure = TestApp::spawn_with(app.backend, |settings| {
            settings.public_url = url::Url::parse("https://access.example.org").ok();
        })
        .await;
        for path in ["/healthz", "/api/v1/me", "/"] {
            let response = secure.anonymous().get(secure.url(path)).send().await.unwrap();
            assert_eq!(
                header(&response, "strict-transport-security"),
                "max-age=31536000",
                "{path}"
            );
        }
    }
}

on_both_backends! {
    async fn request_headers_over_16_kib_are_refused_with_431(app: TestApp) {
        let big = "a".repeat(100 * 1024);
        let response = app
            .anonymous()
            .get(app.url("/api/v1/me"))
            .header("x-filler", big)
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 431, "headers_too_large").await;
        assert!(problem["detail"].as_str().unwrap().contains("16384"), "{problem}");

        // Many headers that add up past the cap count too; a large but allowed set passes.
        let mut request = app.admin.client.get(app.url("/api/v1/me"));
        for i in 0..20 {
            request = request.header(format!("x-part-{i}"), "b".repeat(1000));
        }
        assert_eq!(request.send().await.unwrap().status(), 431);
        let mut request = app.admin.client.get(app.url("/api/v1/me"));
        for i in 0..10 {
            request = request.header(format!("x-part-{i}"), "b".repeat(1000));
        }
        let me: Value = request.send().await.unwrap().json().await.unwrap();
        assert_eq!(me["username"], ADMIN);
    }
}

on_both_backends! {
    async fn a_nul_in_any_search_is_refused_naming_q(app: TestApp) {
        for list in [
            "/api/v1/users",
            "/api/v1/people",
            "/api/v1/groups",
            "/api/v1/applications",
            "/api/v1/catalogs",
            "/api/v1/me/available-packages",
            "/api/v1/me/available-catalogs",
        ] {
            for q in ["%00", "ab%00cd", "%1B%5B31m", "%C2%85"] {
                let response = app.admin.get(&format!("{list}?q={q}")).await;
                let problem = assert_problem(response, 400, "bad_request").await;
                assert_eq!(problem_fields(&problem), vec!["q"], "{list}?q={q}");
            }
        }
    }
}

on_both_backends! {
    async fn control_characters_in_sign_in_and_bodies_are_refused_naming_the_field(app: TestApp) {
        let response = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "admin\u{0}", "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["username"]);
        assert_eq!(problem["errors"][0]["message"], "must not contain control characters");

        let response = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": "admin", "password": "x\u{0}"}))
            .send()
            .await
            .unwrap();
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["password"]);

        let response = app.admin.post("/api/v1/tokens", &json!({"name": "ci\u{1b}"})).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);

        // Line breaks and tabs stay allowed in multi-line text.
        let response = app
            .admin
            .post("/api/v1/catalogs", &json!({"name": "Sales", "description": "one\n\ttwo"}))
            .await;
        assert_eq!(response.status(), 201);
    }
}

on_both_backends! {
    async fn control_characters_in_the_path_or_a_query_name_are_refused(app: TestApp) {
        let response = app.admin.get("/api/v1/users/%00").await;
        let problem = assert_problem(response, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["path"]);
        let response = app.admin.get("/api/v1/groups?limit=5&x%07=1").await;
        let problem = assert_problem(response, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["query"]);
    }
}

on_both_backends! {
    async fn a_control_character_in_a_csv_import_is_refused_with_its_line(app: TestApp) {
        let response = app
            .admin
            .post_raw(
                "/api/v1/directory/imports",
                "text/csv",
                "type,name\ngroup,Finance\ngroup,Sa\u{0}les\n",
            )
            .await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["body"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("line 3"), "{problem}");
    }
}

/// Runs the `tessera` binary with `env` added to a clean environment.
fn tessera(args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_tessera"));
    command
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TESSERA_LOG__FORMAT", "text");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn an_unknown_tessera_variable_is_a_warning_for_commands_and_a_failure_for_config_check() {
    let openapi = tessera(&["openapi"], &[("TESSERA_BIN", "/opt/tessera")]);
    assert!(openapi.status.success(), "{openapi:?}");
    let document: Value = serde_json::from_slice(&openapi.stdout).unwrap();
    assert_eq!(document["info"]["title"], "Tessera");
    let warning = String::from_utf8_lossy(&openapi.stderr);
    assert!(warning.contains("TESSERA_BIN"), "{warning}");

    let check = tessera(&["config", "check"], &[("TESSERA_BIN", "/opt/tessera")]);
    assert_eq!(check.status.code(), Some(2), "{check:?}");
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(
        stderr.contains("unknown environment variable(s): TESSERA_BIN"),
        "{stderr}"
    );
}

#[test]
fn config_check_prints_the_effective_settings_with_secrets_hidden() {
    let check = tessera(
        &["config", "check"],
        &[
            (
                "DATABASE_URL",
                "postgres://tessera:pg-secret@db.internal/tessera",
            ),
            ("TESSERA_SESSION__TOKEN_MINUTES", "7"),
            ("TESSERA_SMTP__HOST", "mail.example.org"),
            ("TESSERA_SMTP__FROM", "tessera@example.org"),
            ("TESSERA_SMTP__USERNAME", "mailer"),
            ("TESSERA_SMTP__PASSWORD", "smtp-secret"),
        ],
    );
    assert!(check.status.success(), "{check:?}");
    let out = String::from_utf8_lossy(&check.stdout);
    assert!(
        !out.contains("pg-secret") && !out.contains("smtp-secret"),
        "{out}"
    );
    assert!(out.contains("session.token_minutes = 7\n"), "{out}");
    assert!(out.contains("smtp.password = \"(hidden)\"\n"), "{out}");
    assert!(
        out.contains("database_url = \"postgres://tessera:(hidden)@db.internal/tessera\""),
        "{out}"
    );

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("tessera.toml");
    std::fs::write(&file, "listen_port = 1\n").unwrap();
    let check = tessera(
        &["config", "check", "--config", file.to_str().unwrap()],
        &[],
    );
    assert!(!check.status.success());
    let stderr = String::from_utf8_lossy(&check.stderr);
    assert!(stderr.contains("listen_port"), "{stderr}");
}

on_both_backends! {
    async fn a_cursor_given_to_another_list_is_refused_naming_cursor(app: TestApp) {
        for name in ["Alpha", "Beta", "Gamma"] {
            let created = app.admin.post("/api/v1/groups", &json!({"name": name})).await;
            assert_eq!(created.status(), 201);
        }
        let page: Value = app.admin.get("/api/v1/groups?limit=1").await.json().await.unwrap();
        let cursor = page["next_cursor"].as_str().unwrap().to_string();
        let next: Value = app
            .admin
            .get(&format!("/api/v1/groups?limit=1&cursor={cursor}"))
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(next["items"][0]["name"], "Beta");
        for other in ["/api/v1/users", "/api/v1/applications", "/api/v1/catalogs"] {
            let response = app.admin.get(&format!("{other}?cursor={cursor}")).await;
            let problem = assert_problem(response, 400, "bad_request").await;
            assert_eq!(problem_fields(&problem), vec!["cursor"], "{other}");
        }
    }
}

on_both_backends! {
    async fn the_last_page_answers_next_cursor_null(app: TestApp) {
        for list in ["/api/v1/users", "/api/v1/groups", "/api/v1/tokens", "/api/v1/me/notifications", "/api/v1/audit-events"] {
            let page: Value = app.admin.get(list).await.json().await.unwrap();
            let fields = page.as_object().unwrap();
            assert!(fields.contains_key("next_cursor"), "{list}: {page}");
            assert_eq!(page["next_cursor"], Value::Null, "{list}");
        }
    }
}

on_both_backends! {
    async fn a_known_path_with_a_wrong_method_is_405_with_allow(app: TestApp) {
        let response = app.admin.send(reqwest::Method::PUT, "/api/v1/groups", Some(&json!({}))).await;
        assert_eq!(header(&response, "allow"), "GET, POST");
        let problem = assert_problem(response, 405, "method_not_allowed").await;
        assert!(problem["detail"].as_str().unwrap().contains("GET, POST"), "{problem}");

        let group = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let response = app.admin.post(&format!("/api/v1/groups/{group}"), &json!({})).await;
        assert_eq!(header(&response, "allow"), "GET, PATCH, DELETE");
        assert_problem(response, 405, "method_not_allowed").await;
        let response = app.anonymous().delete(app.url("/api/v1/session/x")).send().await.unwrap();
        assert_problem(response, 404, "no_route").await;
        for path in ["/api/v1/nowhere", "/api/nowhere"] {
            let response = app.admin.post(path, &json!({})).await;
            assert_problem(response, 404, "no_route").await;
        }
    }
}

#[test]
fn every_q_takes_the_same_length_and_unsafe_cookie_calls_name_the_csrf_header() {
    let document = serde_json::to_value(tessera_api::openapi::document()).unwrap();
    let mut searched = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                if parameter["name"] == "q" {
                    searched += 1;
                    assert_eq!(
                        parameter["schema"]["maxLength"],
                        tessera_domain::page::MAX_SEARCH_LEN,
                        "{method} {path}"
                    );
                }
            }
            if ["post", "put", "patch", "delete"].contains(&method.as_str())
                && operation["security"] != json!([{}])
                // Extension callbacks answer with their call's one-time token, not a person's.
                && operation["security"] != json!([{"callback_token": []}])
            {
                assert_eq!(
                    operation["security"],
                    json!([{"bearer_token": []}, {"session_cookie": [], "csrf_token": []}]),
                    "{method} {path}"
                );
            }
        }
    }
    assert!(searched >= 6, "{searched}");
    let csrf = &document["components"]["securitySchemes"]["csrf_token"];
    assert_eq!(csrf["in"], "header");
    assert_eq!(csrf["name"], "X-CSRF-Token");
    // Every page says next_cursor is always there.
    for (name, schema) in document["components"]["schemas"].as_object().unwrap() {
        if schema["properties"]["next_cursor"].is_object() {
            let required = schema["required"].as_array().unwrap();
            assert!(required.contains(&json!("next_cursor")), "{name}");
        }
    }
}

on_both_backends! {
    async fn look_alike_names_are_refused_and_names_compare_in_nfc(app: TestApp) {
        let response = app.admin.post("/api/v1/groups", &json!({"name": "Fi\u{200b}nance"})).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("U+200B"), "{problem}");
        let response = app.admin.post("/api/v1/applications", &json!({"name": "evil\u{202e}gnp.exe"})).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["name"]);
        let response = app.admin.post("/api/v1/users", &json!({
            "username": "mallory", "display_name": "Ad\u{200d}min", "email": "m@example.org",
        })).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["display_name"]);

        // "Café" typed with a combining accent is stored in NFC, and so is the same name.
        let created = app.admin.post("/api/v1/groups", &json!({"name": "Cafe\u{301}"})).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        assert_eq!(created["name"], "Caf\u{e9}");
        let again = app.admin.post("/api/v1/groups", &json!({"name": "CAF\u{c9}"})).await;
        assert_eq!(again.status(), 409);
        let catalog = app.admin.post("/api/v1/catalogs", &json!({"name": "R\u{e9}sum\u{e9}s"})).await;
        assert_eq!(catalog.status(), 201);
        let again = app.admin.post("/api/v1/catalogs", &json!({"name": "Re\u{301}sume\u{301}s"})).await;
        assert_eq!(again.status(), 409);
    }
}

on_both_backends! {
    async fn approval_stages_are_numbered_from_one_in_inputs_views_and_messages(app: TestApp) {
        use crate::requests::{asked, offer, one_stage};
        let bob = app.person("bob").await;
        let alice = app.person("alice").await;
        let bob_id = bob.id();
        let offer = offer(&app, "Ledger", |_| one_stage(&[&bob_id])).await;
        let request = asked(&alice, &offer, json!({})).await;
        let r = request["id"].as_str().unwrap().to_string();
        assert_eq!(request["stages"][0]["number"], 1);

        let decide = |stage: u64| {
            let path = format!("/api/v1/requests/{r}/decision");
            let bob = &bob;
            async move { bob.post(&path, &json!({"stage": stage, "verdict": "approve"})).await }
        };
        let problem = assert_problem(decide(0).await, 422, "validation_failed").await;
        assert_eq!(problem_fields(&problem), vec!["stage"]);
        let problem = assert_problem(decide(2).await, 409, "stage_not_current").await;
        assert!(problem["detail"].as_str().unwrap().contains("Stage 2"), "{problem}");
        let approved = decide(1).await;
        assert_eq!(approved.status(), 200);
        let approved: Value = approved.json().await.unwrap();
        assert_eq!(approved["stages"][0]["number"], 1);
        assert_eq!(approved["stages"][0]["decision"]["by"]["username"], "bob");
    }
}
