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

/// The directory objects the calls act on: real ones in the tests that call, the path
/// parameters of the OpenAPI document in the one that compares.
struct Targets {
    group: String,
    application: String,
    role: String,
    /// A user named as the second id of a path (a member, owner or assignee).
    member: String,
    /// The id of an object the caller may not see (a request, a notification), for calls
    /// whose answer does not depend on it existing.
    unseen: String,
    /// A second id of a path that does not exist (a webhook delivery).
    unseen_delivery: String,
    /// A connector binding that does not exist.
    unseen_binding: String,
    /// A policy that does not exist.
    unseen_policy: String,
}

impl Targets {
    fn documented() -> Targets {
        Targets {
            group: "{id}".into(),
            application: "{id}".into(),
            role: "{role_id}".into(),
            member: "{user_id}".into(),
            unseen: "{id}".into(),
            unseen_delivery: "{delivery_id}".into(),
            unseen_binding: "{binding_id}".into(),
            unseen_policy: "{policy_id}".into(),
        }
    }

    /// A group, an application and one of its roles, made by the administrator.
    async fn create(app: &TestApp, member: &str) -> Targets {
        let group: Value = app
            .admin
            .post("/api/v1/groups", &json!({"name": "Target"}))
            .await
            .json()
            .await
            .unwrap();
        let application: Value = app
            .admin
            .post("/api/v1/applications", &json!({"name": "Target"}))
            .await
            .json()
            .await
            .unwrap();
        let application = application["id"].as_str().unwrap().to_string();
        let role: Value = app
            .admin
            .post(
                &format!("/api/v1/applications/{application}/roles"),
                &json!({"name": "Target"}),
            )
            .await
            .json()
            .await
            .unwrap();
        Targets {
            group: group["id"].as_str().unwrap().to_string(),
            application,
            role: role["id"].as_str().unwrap().to_string(),
            member: member.to_string(),
            unseen: uuid::Uuid::now_v7().to_string(),
            unseen_delivery: uuid::Uuid::now_v7().to_string(),
            unseen_binding: uuid::Uuid::now_v7().to_string(),
            unseen_policy: uuid::Uuid::now_v7().to_string(),
        }
    }
}

/// One call per operation of the API, with valid input. `{user}`, `{token}` and the
/// placeholders of [`Targets`] are replaced.
fn calls(user: &str, token: &str, targets: &Targets) -> Vec<(Call, bool)> {
    let call = |method: Method, path: &str, body: Option<Value>| Call {
        method,
        path: path
            .replace("{user}", user)
            .replace("{token}", token)
            .replace("{group}", &targets.group)
            .replace("{application}", &targets.application)
            .replace("{role}", &targets.role)
            .replace("{member}", &targets.member)
            .replace("{unseen_delivery}", &targets.unseen_delivery)
            .replace("{unseen_binding}", &targets.unseen_binding)
            .replace("{unseen_policy}", &targets.unseen_policy)
            .replace("{unseen}", &targets.unseen),
        body,
    };
    vec![
        (call(Method::GET, "/api/v1/me", None), false),
        (
            call(
                Method::POST,
                "/api/v1/me/password",
                Some(json!({"current_password": "x", "new_password": "a new password here"})),
            ),
            false,
        ),
        (call(Method::DELETE, "/api/v1/session", None), false),
        (call(Method::GET, "/api/v1/users", None), true),
        (call(Method::GET, "/api/v1/provisioners", None), true),
        (call(Method::PUT, "/api/v1/provisioners/{user}", None), true),
        (
            call(Method::DELETE, "/api/v1/provisioners/{user}", None),
            true,
        ),
        (call(Method::GET, "/api/v1/people", None), false),
        (
            call(
                Method::POST,
                "/api/v1/requests",
                Some(json!({"access_package_id": uuid::Uuid::nil(), "ask": "add"})),
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/requests/{unseen}", None), false),
        (
            call(
                Method::POST,
                "/api/v1/requests/{unseen}/decision",
                Some(json!({"stage": 1, "verdict": "approve"})),
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/requests/{unseen}/cancel",
                Some(json!({})),
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/me/requests", None), false),
        (call(Method::GET, "/api/v1/requests", None), true),
        (call(Method::GET, "/api/v1/requests.csv", None), true),
        (call(Method::GET, "/api/v1/access-packages", None), false),
        (
            call(
                Method::POST,
                "/api/v1/access-packages/{unseen}/move",
                Some(json!({"catalog_id": uuid::Uuid::nil()})),
            ),
            false,
        ),
        (
            call(Method::POST, "/api/v1/access-reviews/{unseen}/stop", None),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/remind",
                None,
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/reset",
                None,
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/me/approvals", None), false),
        (
            call(Method::GET, "/api/v1/me/available-packages", None),
            false,
        ),
        (
            call(Method::GET, "/api/v1/me/available-catalogs", None),
            false,
        ),
        (
            call(Method::GET, "/api/v1/me/suggested-packages", None),
            false,
        ),
        (call(Method::GET, "/api/v1/me/assignments", None), false),
        (call(Method::GET, "/api/v1/me/overview", None), false),
        (
            call(
                Method::POST,
                "/api/v1/access-reviews",
                Some(json!({"name": "x"})),
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/access-reviews", None), false),
        (
            call(Method::GET, "/api/v1/access-reviews/{unseen}", None),
            false,
        ),
        (
            call(
                Method::PUT,
                "/api/v1/access-reviews/{unseen}",
                Some(json!({"name": "x"})),
            ),
            false,
        ),
        (
            call(Method::DELETE, "/api/v1/access-reviews/{unseen}", None),
            false,
        ),
        (
            call(
                Method::GET,
                "/api/v1/access-reviews/{unseen}/instances",
                None,
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/me/access-reviews", None), false),
        (
            call(
                Method::GET,
                "/api/v1/access-review-instances/{unseen}",
                None,
            ),
            false,
        ),
        (
            call(
                Method::GET,
                "/api/v1/access-review-instances/{unseen}/items",
                None,
            ),
            false,
        ),
        (
            call(
                Method::GET,
                "/api/v1/access-review-instances/{unseen}/results.csv",
                None,
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/stop",
                None,
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/apply",
                None,
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-items/{unseen}/decision",
                Some(json!({"verdict": "approve"})),
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/decisions",
                Some(json!({"item_ids": [uuid::Uuid::nil()], "verdict": "approve"})),
            ),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-review-instances/{unseen}/accept-recommendations",
                Some(json!({})),
            ),
            false,
        ),
        (
            call(
                Method::GET,
                "/api/v1/access-packages/{unseen}/request-options",
                None,
            ),
            false,
        ),
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
        (call(Method::DELETE, "/api/v1/users/{user}", None), true),
        (
            call(
                Method::DELETE,
                "/api/v1/users/{user}/identity-links/{provider_id}",
                None,
            ),
            true,
        ),
        (
            call(
                Method::PUT,
                "/api/v1/users/{user}/password",
                Some(json!({"password": "a password of an attacker"})),
            ),
            true,
        ),
        (
            call(
                Method::GET,
                "/api/v1/users/{user}/access-review-items",
                None,
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
        (call(Method::GET, "/api/v1/groups", None), true),
        (call(Method::GET, "/api/v1/group-names", None), false),
        (
            call(
                Method::POST,
                "/api/v1/groups",
                Some(json!({"name": "Mallory's"})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/groups/{group}", None), true),
        (
            call(
                Method::PATCH,
                "/api/v1/groups/{group}",
                Some(json!({"name": "Renamed"})),
            ),
            true,
        ),
        (call(Method::DELETE, "/api/v1/groups/{group}", None), true),
        (
            call(Method::GET, "/api/v1/groups/{group}/members", None),
            true,
        ),
        (
            call(Method::PUT, "/api/v1/groups/{group}/members/{member}", None),
            true,
        ),
        (
            call(
                Method::DELETE,
                "/api/v1/groups/{group}/members/{member}",
                None,
            ),
            true,
        ),
        (
            call(Method::GET, "/api/v1/groups/{group}/owners", None),
            true,
        ),
        (
            call(Method::PUT, "/api/v1/groups/{group}/owners/{member}", None),
            true,
        ),
        (
            call(
                Method::DELETE,
                "/api/v1/groups/{group}/owners/{member}",
                None,
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/applications", None), true),
        (
            call(
                Method::POST,
                "/api/v1/applications",
                Some(json!({"name": "Mallory's"})),
            ),
            true,
        ),
        (
            call(Method::GET, "/api/v1/applications/{application}", None),
            true,
        ),
        (
            call(
                Method::PATCH,
                "/api/v1/applications/{application}",
                Some(json!({"description": "x"})),
            ),
            true,
        ),
        (
            call(Method::DELETE, "/api/v1/applications/{application}", None),
            true,
        ),
        (
            call(
                Method::GET,
                "/api/v1/applications/{application}/roles",
                None,
            ),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/applications/{application}/roles",
                Some(json!({"name": "Backdoor"})),
            ),
            true,
        ),
        (
            call(
                Method::DELETE,
                "/api/v1/applications/{application}/roles/{role}",
                None,
            ),
            true,
        ),
        (
            call(
                Method::GET,
                "/api/v1/applications/{application}/roles/{role}/assignees",
                None,
            ),
            true,
        ),
        (
            call(
                Method::PUT,
                "/api/v1/applications/{application}/roles/{role}/assignees/{member}",
                None,
            ),
            true,
        ),
        (
            call(
                Method::DELETE,
                "/api/v1/applications/{application}/roles/{role}/assignees/{member}",
                None,
            ),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/directory/imports",
                Some(json!({"groups": [{"name": "Imported"}]})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/audit-events", None), true),
        (call(Method::GET, "/api/v1/audit-events.csv", None), true),
        (call(Method::GET, "/api/v1/webhooks", None), true),
        (
            call(
                Method::POST,
                "/api/v1/webhooks",
                Some(json!({"url": "https://hooks.example.org/x", "event_types": ["*"]})),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/webhooks/{unseen}", None), true),
        (
            call(
                Method::PATCH,
                "/api/v1/webhooks/{unseen}",
                Some(json!({"enabled": false})),
            ),
            true,
        ),
        (
            call(Method::DELETE, "/api/v1/webhooks/{unseen}", None),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/webhooks/{unseen}/rotate-secret",
                None,
            ),
            true,
        ),
        (
            call(Method::POST, "/api/v1/webhooks/{unseen}/test", None),
            true,
        ),
        (
            call(Method::GET, "/api/v1/webhooks/{unseen}/deliveries", None),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/webhooks/{unseen}/deliveries/{unseen_delivery}/replay",
                None,
            ),
            true,
        ),
        (call(Method::GET, "/metrics", None), true),
        (call(Method::GET, "/api/v1/connectors", None), true),
        (
            call(
                Method::POST,
                "/api/v1/connectors",
                Some(json!({
                    "name": "Mallory's directory",
                    "settings": {
                        "kind": "scim",
                        "base_url": "https://scim.example.org/v2",
                        "match_by": "username",
                    },
                    "secret": "s",
                })),
            ),
            true,
        ),
        (call(Method::GET, "/api/v1/connectors/{unseen}", None), true),
        (
            call(
                Method::PATCH,
                "/api/v1/connectors/{unseen}",
                Some(json!({"enabled": false})),
            ),
            true,
        ),
        (
            call(Method::DELETE, "/api/v1/connectors/{unseen}", None),
            true,
        ),
        (
            call(Method::POST, "/api/v1/connectors/{unseen}/test", None),
            true,
        ),
        (
            call(Method::GET, "/api/v1/connectors/{unseen}/bindings", None),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/connectors/{unseen}/bindings",
                Some(json!({"group_id": "00000000-0000-0000-0000-000000000001", "target": "cn=x"})),
            ),
            true,
        ),
        (
            call(
                Method::DELETE,
                "/api/v1/connectors/{unseen}/bindings/{unseen_binding}",
                None,
            ),
            true,
        ),
        (
            call(
                Method::GET,
                "/api/v1/connectors/{unseen}/bindings/{unseen_binding}/reconciliation",
                None,
            ),
            true,
        ),
        (
            call(
                Method::GET,
                "/api/v1/connectors/{unseen}/bindings/{unseen_binding}/reconciliation.csv",
                None,
            ),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/connectors/{unseen}/bindings/{unseen_binding}/reconciliation",
                None,
            ),
            true,
        ),
        (
            call(Method::GET, "/api/v1/connectors/{unseen}/operations", None),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/provisioning-operations/{unseen}/retry",
                None,
            ),
            true,
        ),
        (
            call(
                Method::POST,
                "/api/v1/provisioning-operations/{unseen}/skip",
                None,
            ),
            true,
        ),
        // Who may see an assignment's deliveries or rotate a policy's extension secret depends
        // on the assignment's or the package's catalog (tests in provisioning.rs, extensions.rs).
        (
            call(Method::GET, "/api/v1/assignments/{unseen}/deliveries", None),
            false,
        ),
        (
            call(
                Method::POST,
                "/api/v1/access-packages/{unseen}/policies/{unseen_policy}/extension-secret",
                None,
            ),
            false,
        ),
        (call(Method::GET, "/api/v1/me/reports", None), false),
        (call(Method::GET, "/api/v1/me/team", None), false),
        (call(Method::GET, "/api/v1/me/notifications", None), false),
        (
            call(Method::POST, "/api/v1/me/notifications/{unseen}/read", None),
            false,
        ),
        (
            call(Method::POST, "/api/v1/me/notifications/read-all", None),
            false,
        ),
    ]
}

/// The operations the OpenAPI document lists that need authentication, except those that
/// `catalog_authz` covers with its own caller-by-caller matrix.
fn documented_protected_operations() -> BTreeSet<(String, String)> {
    let document = serde_json::to_value(tessera_api::openapi::document()).unwrap();
    let elsewhere = super::catalog_authz::covered_operations();
    let mut operations = BTreeSet::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            // Extension callbacks authenticate with their call's one-time token, not as a
            // person (extensions.rs tests them).
            let public = operation["security"] == json!([{}])
                || operation["security"] == json!([{"callback_token": []}]);
            let id = operation["operationId"].as_str().unwrap_or_default();
            if !public && !elsewhere.contains(&id) {
                operations.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    operations
}

#[test]
fn the_table_covers_every_protected_operation_in_the_document() {
    let table: BTreeSet<(String, String)> = calls("{id}", "{id}", &Targets::documented())
        .into_iter()
        .map(|(c, _)| (c.method.to_string(), c.path))
        .collect();
    assert_eq!(table, documented_protected_operations());
}

#[test]
fn the_catalog_matrix_names_only_documented_operations() {
    let document = serde_json::to_value(tessera_api::openapi::document()).unwrap();
    let mut documented = BTreeSet::new();
    for item in document["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            documented.insert(
                operation["operationId"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
            );
        }
    }
    for id in super::catalog_authz::covered_operations() {
        assert!(
            documented.contains(id),
            "{id} is not in the OpenAPI document"
        );
    }
}

on_both_backends! {
    async fn anonymous_callers_are_refused_everywhere_but_sign_in(app: TestApp) {
        let victim = app.person("victim").await;
        let token: Value = victim.post("/api/v1/tokens", &json!({"name": "t"})).await.json().await.unwrap();
        let targets = Targets::create(&app, &victim.id()).await;
        for (call, _) in calls(&victim.id(), token["token"]["id"].as_str().unwrap(), &targets) {
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
        let targets = Targets::create(&app, &other.id()).await;
        app.admin.put(&format!("/api/v1/groups/{}/members/{}", targets.group, other.id())).await;
        let directory = || async {
            let mut seen = Vec::new();
            for path in [
                "/api/v1/users".to_string(),
                "/api/v1/groups".to_string(),
                format!("/api/v1/groups/{}/members", targets.group),
                format!("/api/v1/groups/{}/owners", targets.group),
                "/api/v1/applications".to_string(),
                format!("/api/v1/applications/{}/roles", targets.application),
                format!("/api/v1/applications/{}/roles/{}/assignees", targets.application, targets.role),
            ] {
                seen.push(app.admin.get(&path).await.json::<Value>().await.unwrap());
            }
            seen
        };
        let before = directory().await;
        for (call, admin_only) in calls(&other.id(), "00000000-0000-0000-0000-000000000000", &targets) {
            if !admin_only {
                continue;
            }
            let response = user.send(call.method.clone(), &call.path, call.body.as_ref()).await;
            assert_eq!(response.status(), 403, "{} {}", call.method, call.path);
        }
        let after = directory().await;
        assert_eq!(before, after, "a refused call changed the directory");
        let others: Value = app.admin.get(&format!("/api/v1/users/{}/tokens", other.id())).await.json().await.unwrap();
        assert_eq!(others["items"], json!([]));
        let mine: Value = user.get("/api/v1/me").await.json().await.unwrap();
        assert_eq!(mine["roles"], json!(["user"]));
    }
}
