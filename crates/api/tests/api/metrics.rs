//! `/metrics`: what each metric counts, on both backends. The samples are read here line by
//! line, which is enough to find a value; that the whole scrape is valid Prometheus text (types,
//! label sets, histogram buckets) is checked with Prometheus' own Python client's parser by the
//! black-box test e2e/test_metrics.py.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::on_both_backends;

/// One sample line: `name{label="value",...} value`.
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

type Scrape = Vec<Sample>;

/// Reads a scrape: a 200 in the text format, or the test fails.
async fn scrape(response: reqwest::Response) -> Scrape {
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .map(|line| sample(line).unwrap_or_else(|| panic!("cannot read {line:?} in\n{text}")))
        .collect()
}

/// One sample line, or `None` when it is not one.
fn sample(line: &str) -> Option<Sample> {
    let (name, mut rest) = line.split_at(line.find(['{', ' '])?);
    let mut labels = Vec::new();
    if let Some(mut inner) = rest.strip_prefix('{') {
        loop {
            inner = inner.strip_prefix(',').unwrap_or(inner);
            if let Some(after) = inner.strip_prefix('}') {
                rest = after;
                break;
            }
            let (key, quoted) = inner.split_once("=\"")?;
            let (value, after) = label_value(quoted)?;
            labels.push((key.to_string(), value));
            inner = after;
        }
    }
    Some(Sample {
        name: name.to_string(),
        labels,
        value: rest.trim().parse().ok()?,
    })
}

/// A label value up to its closing quote, unescaped, and what follows that quote.
fn label_value(quoted: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = quoted.char_indices();
    loop {
        match chars.next()? {
            (end, '"') => return Some((value, &quoted[end + 1..])),
            (_, '\\') => match chars.next()?.1 {
                'n' => value.push('\n'),
                other => value.push(other),
            },
            (_, other) => value.push(other),
        }
    }
}

/// The values of the samples named `name` whose labels include `labels`.
fn samples(scrape: &Scrape, name: &str, labels: &[(&str, &str)]) -> Vec<f64> {
    scrape
        .iter()
        .filter(|sample| sample.name == name)
        .filter(|sample| {
            labels.iter().all(|(k, v)| {
                sample
                    .labels
                    .iter()
                    .any(|(key, value)| key == k && value == v)
            })
        })
        .map(|sample| sample.value)
        .collect()
}

/// The value of the counter or gauge `metric` whose labels include `labels`.
fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<f64> {
    samples(scrape, metric, labels).first().copied()
}

/// How many observations the histogram `metric` with `labels` holds.
fn observations(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> Option<u64> {
    samples(scrape, &format!("{metric}_count"), labels)
        .first()
        .map(|count| *count as u64)
}

/// Every label value of every sample, to check that no raw path made it into one.
fn label_values(scrape: &Scrape) -> Vec<String> {
    scrape
        .iter()
        .flat_map(|sample| sample.labels.iter().map(|(_, value)| value.clone()))
        .collect()
}

/// An API token of the administrator.
async fn admin_token(app: &TestApp) -> Bearer {
    let created: Value = app
        .admin
        .post("/api/v1/tokens", &json!({"name": "prometheus"}))
        .await
        .json()
        .await
        .unwrap();
    Bearer::new(&app.base, created["secret"].as_str().unwrap())
}

fn backend_name(app: &TestApp) -> &'static str {
    match app.backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    }
}

on_both_backends! {
    async fn a_request_is_counted_under_its_route_pattern(app: TestApp) {
        let admin_id = app.admin.id();
        assert_eq!(app.admin.get(&format!("/api/v1/users/{admin_id}")).await.status(), 200);
        let prometheus = admin_token(&app).await;
        let metrics = scrape(prometheus.get("/metrics").await).await;

        let route = [("method", "GET"), ("route", "/api/v1/users/{id}"), ("status", "200")];
        assert_eq!(value(&metrics, "tessera_http_requests_total", &route), Some(1.0));
        let timed = [("method", "GET"), ("route", "/api/v1/users/{id}"), ("status_class", "2xx")];
        assert_eq!(observations(&metrics, "tessera_http_request_duration_seconds", &timed), Some(1));
        // Never the path with its ids: that would make a series per user.
        assert!(label_values(&metrics).iter().all(|v| !v.contains(&admin_id)));
        // An unknown path is counted without its path.
        assert_eq!(app.admin.get("/api/v1/no-such-thing/42").await.status(), 404);
        let metrics = scrape(prometheus.get("/metrics").await).await;
        assert!(label_values(&metrics).iter().all(|v| !v.contains("no-such-thing")));

        let pools: &[&str] = match app.backend {
            Backend::Sqlite => &["reads", "writer"],
            Backend::Postgres => &["shared"],
        };
        for &pool in pools {
            assert!(value(&metrics, "tessera_db_pool_connections", &[("pool", pool), ("state", "idle")]).is_some(), "{pool}");
            assert!(value(&metrics, "tessera_db_pool_connections", &[("pool", pool), ("state", "in_use")]).unwrap() >= 0.0, "{pool}");
            assert!(value(&metrics, "tessera_db_pool_max_connections", &[("pool", pool)]).unwrap() >= 1.0, "{pool}");
        }
        if app.backend == Backend::Sqlite {
            assert_eq!(value(&metrics, "tessera_db_pool_max_connections", &[("pool", "writer")]), Some(1.0));
        }
        for outbox in ["notifications", "webhook_deliveries"] {
            assert_eq!(value(&metrics, "tessera_outbox_pending", &[("outbox", outbox)]), Some(0.0), "{outbox}");
            assert_eq!(value(&metrics, "tessera_outbox_oldest_pending_age_seconds", &[("outbox", outbox)]), Some(0.0), "{outbox}");
        }
        let build = [("version", env!("CARGO_PKG_VERSION")), ("backend", backend_name(&app))];
        assert_eq!(value(&metrics, "tessera_build_info", &build), Some(1.0));
    }
}

on_both_backends! {
    async fn an_outbox_reports_what_waits_in_it_and_for_how_long(app: TestApp) {
        // Nothing listens there, and no worker runs in tests: the delivery waits.
        let created: Value = app
            .admin
            .post("/api/v1/webhooks", &json!({"url": "http://127.0.0.1:9/hook", "event_types": ["*"]}))
            .await
            .json()
            .await
            .unwrap();
        let subscription = created["subscription"]["id"].as_str().unwrap();
        let sent = app.admin.post(&format!("/api/v1/webhooks/{subscription}/test"), &json!({})).await;
        assert!(sent.status().is_success(), "{}", sent.status());
        tokio::time::sleep(Duration::from_millis(1100)).await;

        let metrics = scrape(admin_token(&app).await.get("/metrics").await).await;
        let outbox = [("outbox", "webhook_deliveries")];
        assert_eq!(value(&metrics, "tessera_outbox_pending", &outbox), Some(1.0));
        let age = value(&metrics, "tessera_outbox_oldest_pending_age_seconds", &outbox).unwrap();
        assert!((1.0..60.0).contains(&age), "{age}");
    }
}

on_both_backends! {
    async fn a_refused_password_sign_in_is_counted(app: TestApp) {
        let refused = app
            .anonymous()
            .post(app.url("/api/v1/session"))
            .json(&json!({"username": ADMIN, "password": "not the password"}))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), 401);
        let metrics = scrape(admin_token(&app).await.get("/metrics").await).await;
        let labels = [("method", "password"), ("reason", "bad_credentials")];
        assert_eq!(value(&metrics, "tessera_sign_in_failures_total", &labels), Some(1.0));
    }
}

on_both_backends! {
    async fn only_administrators_and_service_accounts_tokens_read_the_metrics(app: TestApp) {
        assert_problem(app.anonymous().get(app.url("/metrics")).send().await.unwrap(), 401, "unauthenticated").await;
        // A browser session, even an administrator's: the metrics are for monitoring's tokens.
        assert_problem(app.admin.get("/metrics").await, 403, "forbidden").await;
        let kate = app.person("kate").await;
        assert_problem(kate.get("/metrics").await, 403, "forbidden").await;
        let created: Value = kate.post("/api/v1/tokens", &json!({"name": "mine"})).await.json().await.unwrap();
        let kate_token = Bearer::new(&app.base, created["secret"].as_str().unwrap());
        assert_problem(kate_token.get("/metrics").await, 403, "forbidden").await;

        let robot = app
            .create_user(json!({
                "username": "prometheus", "display_name": "Prometheus", "email": "prometheus@example.org",
                "kind": "service_account",
            }))
            .await;
        let path = format!("/api/v1/users/{}/tokens", robot["id"].as_str().unwrap());
        let created: Value = app.admin.post(&path, &json!({"name": "scraper"})).await.json().await.unwrap();
        let robot_token = Bearer::new(&app.base, created["secret"].as_str().unwrap());
        let metrics = scrape(robot_token.get("/metrics").await).await;
        assert!(value(&metrics, "tessera_build_info", &[]).is_some());
        scrape(admin_token(&app).await.get("/metrics").await).await;
    }
}

/// A test of its own settings as `sqlite` and `postgres` in a module named after it.
macro_rules! each_backend {
    ($name:ident) => {
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name(crate::helpers::Backend::Sqlite).await;
            }

            #[tokio::test]
            async fn postgres() {
                super::$name(crate::helpers::Backend::Postgres).await;
            }
        }
    };
}

/// With `metrics.listen`, the metrics are served there to anyone, and not on the main port.
async fn a_separate_metrics_address_serves_them_without_authentication(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| {
        s.metrics.listen = Some("127.0.0.1:0".parse().unwrap());
    })
    .await;
    let own = app.metrics_base.clone().expect("a metrics address");
    assert_eq!(app.admin.get("/api/v1/me").await.status(), 200);
    let metrics = scrape(reqwest::get(format!("{own}/metrics")).await.unwrap()).await;
    let route = [("route", "/api/v1/me"), ("status", "200")];
    assert_eq!(
        value(&metrics, "tessera_http_requests_total", &route),
        Some(1.0)
    );
    assert_problem(
        admin_token(&app).await.get("/metrics").await,
        404,
        "no_route",
    )
    .await;
}

each_backend!(a_separate_metrics_address_serves_them_without_authentication);

/// The scheduler reports each job's lag and last round.
async fn scheduled_jobs_report_their_lag_and_last_round(backend: Backend) {
    let app = TestApp::spawn_with(backend, |s| s.jobs.interval_seconds = 1).await;
    let prometheus = admin_token(&app).await;
    let mut last_round = None;
    for _ in 0..50 {
        let metrics = scrape(prometheus.get("/metrics").await).await;
        let job = [("job", "notifications")];
        last_round = value(&metrics, "tessera_job_last_run_timestamp_seconds", &job);
        if last_round.is_some() {
            for job in [
                "assignments",
                "requests",
                "leavers",
                "reviews",
                "guests",
                "housekeeping",
                "notifications",
                "webhooks",
            ] {
                let lag = value(&metrics, "tessera_job_lag_seconds", &[("job", job)]);
                assert!(
                    lag.is_some_and(|lag| (0.0..30.0).contains(&lag)),
                    "{job}: {lag:?}"
                );
                assert!(
                    value(
                        &metrics,
                        "tessera_job_runs_total",
                        &[("job", job), ("outcome", "ok")]
                    )
                    .is_some(),
                    "{job}"
                );
            }
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let now = chrono::Utc::now().timestamp() as f64;
    let last_round = last_round.expect("a finished round of the scheduler");
    assert!(
        (now - 60.0..=now + 1.0).contains(&last_round),
        "{last_round} vs {now}"
    );
}

each_backend!(scheduled_jobs_report_their_lag_and_last_round);

/// A refused sign-in at an identity provider is counted too: here the callback of a flow
/// that never started (an unknown `state`), refused before the provider is asked anything.
async fn a_refused_provider_sign_in_is_counted(backend: Backend) {
    let provider = serde_json::from_value(json!({
        "id": "corp", "name": "Corp", "issuer": "http://127.0.0.1:9/",
        "client_id": "tessera", "client_secret": "secret",
    }))
    .unwrap();
    let app = TestApp::spawn_with(backend, |s| s.oidc.providers.push(provider)).await;
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let callback = browser
        .get(app.url("/api/v1/auth/oidc/corp/callback?state=forged&code=x"))
        .send()
        .await
        .unwrap();
    assert_eq!(callback.status(), StatusCode::SEE_OTHER);
    let metrics = scrape(admin_token(&app).await.get("/metrics").await).await;
    let labels = [("method", "oidc"), ("reason", "state_mismatch")];
    assert_eq!(
        value(&metrics, "tessera_sign_in_failures_total", &labels),
        Some(1.0)
    );
}

each_backend!(a_refused_provider_sign_in_is_counted);
