use crate::helpers::*;

#[tokio::test]
async fn the_portal_is_served_with_a_history_fallback_to_index() {
    let web = tempfile::tempdir().unwrap();
    std::fs::write(
        web.path().join("index.html"),
        "<!doctype html><title>portal</title>",
    )
    .unwrap();
    std::fs::write(web.path().join("app.css"), "body { margin: 0 }").unwrap();
    let dir = web.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| s.web_dir = dir).await;

    for path in [
        "/",
        "/approvals",
        "/admin/users/123",
        "/sign-in?next=%2Fadmin",
    ] {
        let response = app.anonymous().get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("<title>portal</title>"),
            "{path}"
        );
    }
    let css = app
        .anonymous()
        .get(app.url("/app.css"))
        .send()
        .await
        .unwrap();
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let api = app
        .anonymous()
        .get(app.url("/api/v1/unknown"))
        .send()
        .await
        .unwrap();
    assert_problem(api, 404, "no_route").await;
}

#[tokio::test]
async fn without_a_built_portal_the_root_says_how_to_build_it() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let body = app
        .anonymous()
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(body.contains("scripts/build-web.sh"), "{body}");
}

#[tokio::test]
async fn the_api_reference_page_is_served_without_internet() {
    let app = TestApp::spawn(Backend::Sqlite).await;
    let page = app
        .anonymous()
        .get(app.url("/api/docs/"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("swagger"), "{html}");
    assert!(
        !html.contains("https://"),
        "the page must not load anything from the internet"
    );
    let spec = app
        .anonymous()
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    let spec: serde_json::Value = spec.json().await.unwrap();
    assert_eq!(spec["info"]["title"], "Tessera");
}
