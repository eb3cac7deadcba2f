//! Who may call what, for every endpoint. Anonymous callers get 401 everywhere but sign-in and
//! the probes; ordinary users get 403 from administrator endpoints, and a refusal changes
//! nothing.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

struct Call {
    method: Method,
    path: String,
    body: Option<Value>,
}

/// One call per operation of the API, with valid input. `{user}` and `{token}` are replaced.
fn calls(user: &str, token: &str) -> Vec<(Call, bool)> {
    let call = |method: Method, path: &str, body: Option<Value>| Call {
        method,
        path: path.replace("{user}", user).replace("{token}", token),
        body,
    };
    vec![
        (call(Method::GET, "/api/v1/me", None), false),
        (call(Method::DELETE, "/api/v1/session", None), false),
        (call(Method::GET, "/api/v1/users", None), true),
        (
            call(
                Method::POST,
                "/api/v1/users",
                Some(json!({"username": "mallory", "display_name": "M", "email": "m@example.org"})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/users/{user}", None), true),
        (
            call(
                Method::PATCH,
                "/api/v1/users/{user}",
                Some(json!({"is_admin": true})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/users/{user}/tokens", None), true),
        (
            call(
                Method::POST,
                "/api/v1/users/{user}/tokens",
                Some(json!({"name": "x"})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/tokens", None), false),
        (
            call(Method::POST, "/api/v1/tokens", Some(json!({"name": "x"}))),
            false,
        ),
        (call(Method::DELETE, "/api/v1/tokens/{token}", None), false),
    ]
}

/// The operations the OpenAPI document lists that need authentication.
fn documented_protected_operations() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(tessera_api::openapi::document()).unwrap();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let public = operation["security"] == json!([{}]);
            if !public {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn the_table_covers_every_protected_operation_in_the_document() {
    let table: BTreeSet<(String, String)> = calls("{id}", "{id}")
        .into_iter()
        .map(|(c, _)| (c.method.to_string(), c.path))
        .collect();
    assert_eq!(table, documented_protected_operations());
}

on_both_backends! {
    async fn anonymous_callers_are_refused_everywhere_but_sign_in(app: TestApp) {
        let victim = app.person("victim").await;
        let token: Value = victim.post("/api/v1/tokens", &json!({"name": "t"})).await.json().await.unwrap();
        for (call, _) in calls(&victim.id(), token["token"]["id"].as_str().unwrap()) {
            let mut request = app.anonymous().request(call.method.clone(), app.url(&call.path));
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{} {}", call.method, call.path);
            assert_problem(response, 401, "unauthenticated").await;
        }
        // The victim's token survived the anonymous DELETE.
        let bearer = Bearer::new(&app.base, token["secret"].as_str().unwrap());
        assert_eq!(bearer.get("/api/v1/me").await.status(), 200);
    }
}

on_both_backends! {
    async fn ordinary_users_are_refused_administrator_endpoints_without_side_effects(app: TestApp) {
        let user = app.person("plainuser").await;
        let other = app.person("otheruser").await;
        let before: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        for (call, admin_only) in calls(&other.id(), "00000000-0000-0000-0000-000000000000") {
            if !admin_only {
                continue;
            }
            let response = user.send(call.method.clone(), &call.path, call.body.as_ref()).await;
            assert_eq!(response.status(), 403, "{} {}", call.method, call.path);
        }
        let after: Value = app.admin.get("/api/v1/users").await.json().await.unwrap();
        assert_eq!(before, after, "a refused call changed the directory");
        let others: Value = app.admin.get(&format!("/api/v1/users/{}/tokens", other.id())).await.json().await.unwrap();
        assert_eq!(others["items"], json!([]));
        let mine: Value = user.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(mine["roles"], json!(["user"]));
    }
}
