use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    async fn a_body_over_the_limit_is_refused_with_413(app: TestApp) {
        let huge = "x".repeat(app.settings.max_body_bytes + 1);
        let response = app
            .admin
            .post("/api/v1/tokens", &json!({"name": huge}))
            .await;
        assert_problem(response, 413, "payload_too_large").await;
    }
}

on_both_backends! {
    async fn bodies_that_are_not_json_are_refused(app: TestApp) {
        let not_json = app
            .admin
            .client
            .post(app.url("/api/v1/tokens"))
            .header("X-CSRF-Token", &app.admin.csrf)
            .header("content-type", "text/plain")
            .body("name=x")
            .send()
            .await
            .unwrap();
        assert_problem(not_json, 415, "unsupported_media_type").await;
        let broken = app
            .admin
            .client
            .post(app.url("/api/v1/tokens"))
            .header("X-CSRF-Token", &app.admin.csrf)
            .header("content-type", "application/json")
            .body("{\"name\": ")
            .send()
            .await
            .unwrap();
        assert_problem(broken, 400, "bad_request").await;
        let trailing = app
            .admin
            .client
            .post(app.url("/api/v1/tokens"))
            .header("X-CSRF-Token", &app.admin.csrf)
            .header("content-type", "application/json")
            .body("{\"name\": \"a\"} {}")
            .send()
            .await
            .unwrap();
        assert_problem(trailing, 400, "bad_request").await;
        let tokens: Value = app.admin.get("/api/v1/tokens").await.json().await.unwrap();
        assert_eq!(tokens["items"], json!([]));
    }
}

on_both_backends! {
    async fn a_malformed_id_in_the_path_is_a_bad_request_naming_it(app: TestApp) {
        let response = app.admin.get("/api/v1/users/not-a-uuid").await;
        let problem = assert_problem(response, 400, "bad_request").await;
        assert_eq!(problem_fields(&problem), vec!["id"]);
        let missing = app.admin.get(&format!("/api/v1/users/{}", uuid::Uuid::new_v4())).await;
        assert_problem(missing, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn unknown_api_paths_answer_a_problem_not_the_portal(app: TestApp) {
        for path in ["/api/v1/nothing-here", "/api/v2/users", "/api/"] {
            let response = app.admin.get(path).await;
            assert_problem(response, 404, "no_route").await;
        }
    }
}

#[tokio::test]
async fn a_server_error_says_nothing_internal() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let state = app.state().await;
    if let tessera_api::store::Db::Sqlite(pools) = &state.db {
        sqlx::query("DROP TABLE api_tokens")
            .execute(pools.writer())
            .await
            .unwrap();
    }
    let response = app.admin.get("/api/v1/tokens").await;
    let request_id = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_string();
    let problem = assert_problem(response, 500, "internal").await;
    let text = problem.to_string().to_lowercase();
    for leak in ["api_tokens", "sqlite", "sqlx", "select", "table", ".rs"] {
        assert!(!text.contains(leak), "the body mentions {leak}: {text}");
    }
    assert_eq!(problem["request_id"], request_id);
}
