#[allow(unused_imports)]
use crate::helpers::*;
use crate::on_both_backends;

on_both_backends! {
    async fn liveness_and_readiness_answer_ok(app: TestApp) {
        for path in ["/healthz", "/readyz"] {
            let response = app.anonymous().get(app.url(path)).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["status"], "ok");
        }
    }
}

on_both_backends! {
    async fn every_response_carries_the_security_headers_and_a_request_id(app: TestApp) {
        for path in ["/healthz", "/api/v1/me", "/", "/api/nowhere"] {
            let response = app.anonymous().get(app.url(path)).send().await.unwrap();
            let header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or_default()
                    .to_string()
            };
            let csp = header("content-security-policy");
            assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'"), "{path}: {csp}");
            assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{path}: {csp}");
            assert_eq!(header("x-content-type-options"), "nosniff", "{path}");
            assert_eq!(header("referrer-policy"), "no-referrer", "{path}");
            assert!(!header("x-request-id").is_empty(), "{path}");
        }
    }
}

on_both_backends! {
    async fn a_plain_request_id_from_the_caller_is_kept_and_an_odd_one_replaced(app: TestApp) {
        let kept = app
            .anonymous()
            .get(app.url("/healthz"))
            .header("x-request-id", "trace-123")
            .send()
            .await
            .unwrap();
        assert_eq!(kept.headers()["x-request-id"], "trace-123");
        let replaced = app
            .anonymous()
            .get(app.url("/healthz"))
            .header("x-request-id", "bad id with spaces")
            .send()
            .await
            .unwrap();
        assert_ne!(replaced.headers()["x-request-id"], "bad id with spaces");
    }
}
