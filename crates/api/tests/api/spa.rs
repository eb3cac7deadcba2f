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

#[tokio::test]
async fn content_named_assets_are_sent_precompressed_and_cached_for_good() {
    let web = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| std::fs::write(web.path().join(name), body).unwrap();
    write("index.html", "<!doctype html><title>portal</title>");
    write("index.html.br", "brotli index");
    write("app-0123456789abcdef.css", "body { margin: 0 }");
    write("app-0123456789abcdef.css.br", "brotli css");
    write("app-0123456789abcdef.css.gz", "gzip css");
    // A lazily loaded area's module and the loader of such modules (scripts/build-web.sh).
    std::fs::create_dir(web.path().join("pkg")).unwrap();
    write("pkg/split_admin-0123456789abcdef.wasm", "wasm");
    write("pkg/split_admin-0123456789abcdef.wasm.br", "brotli wasm");
    write("pkg/split_admin-0123456789abcdef.wasm.gz", "gzip wasm");
    write("pkg/__wasm_split-0123456789abcdef.js", "export {};");
    write("pkg/__wasm_split-0123456789abcdef.js.gz", "gzip js");
    let dir = web.path().to_path_buf();
    let app = TestApp::spawn_with(Backend::Sqlite, move |s| s.web_dir = dir).await;
    let get = |path: &'static str, accept: &'static str| {
        let request = app.anonymous().get(app.url(path));
        async move {
            let response = request
                .header("accept-encoding", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 200, "{path} {accept}");
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .map(|value| value.to_str().unwrap().to_owned())
                    .unwrap_or_default()
            };
            let heads = (
                header("content-encoding"),
                header("cache-control"),
                header("content-type"),
                header("vary").to_ascii_lowercase(),
            );
            assert_eq!(
                header("content-disposition"),
                "",
                "{path}: shown, never saved"
            );
            (heads, response.text().await.unwrap())
        }
    };

    let ((encoding, cache, kind, vary), body) =
        get("/app-0123456789abcdef.css", "gzip, deflate, br").await;
    assert_eq!((encoding.as_str(), body.as_str()), ("br", "brotli css"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert!(kind.starts_with("text/css"), "{kind}");
    assert!(vary.contains("accept-encoding"), "{vary}");

    let ((encoding, _, _, _), body) = get("/app-0123456789abcdef.css", "gzip").await;
    assert_eq!((encoding.as_str(), body.as_str()), ("gzip", "gzip css"));

    let ((encoding, _, _, _), body) = get("/app-0123456789abcdef.css", "br;q=0, identity").await;
    assert_eq!(
        (encoding.as_str(), body.as_str()),
        ("", "body { margin: 0 }")
    );

    // WebAssembly must come as such, or browsers refuse to compile it while it streams in.
    let ((encoding, cache, kind, _), body) =
        get("/pkg/split_admin-0123456789abcdef.wasm", "gzip, br").await;
    assert_eq!((encoding.as_str(), body.as_str()), ("br", "brotli wasm"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert_eq!(kind, "application/wasm");
    let ((encoding, cache, kind, _), body) =
        get("/pkg/__wasm_split-0123456789abcdef.js", "gzip, br").await;
    assert_eq!((encoding.as_str(), body.as_str()), ("gzip", "gzip js"));
    assert_eq!(cache, "public, max-age=31536000, immutable");
    assert!(kind.contains("javascript"), "{kind}");

    // The page that names the assets is revalidated every time, deep links included.
    for path in ["/", "/index.html", "/approvals"] {
        let ((encoding, cache, kind, _), body) = get(path, "br").await;
        assert_eq!(
            (encoding.as_str(), body.as_str()),
            ("br", "brotli index"),
            "{path}"
        );
        assert_eq!(cache, "no-cache", "{path}");
        assert!(kind.starts_with("text/html"), "{path} {kind}");
    }

    let missing = app
        .anonymous()
        .get(app.url("/app-fedcba9876543210.css"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let hidden = app.anonymous().get(app.url("/.env")).send().await.unwrap();
    assert_eq!(hidden.status(), 404);
}
