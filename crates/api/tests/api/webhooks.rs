//! Webhooks end to end: a real HTTP receiver in the test records what Tessera sends, and each
//! delivery's Standard Webhooks signature is checked with an HMAC computed here. Delivery
//! rounds are run by the test (`deliver_due`) with the settings it chooses.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tessera_api::service::webhooks::deliver_due;
use tessera_api::state::AppState;

use super::requests::{asked, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    path: String,
    id: String,
    timestamp: String,
    signature: String,
    content_type: String,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    fn event_type(&self) -> String {
        self.json()["type"].as_str().unwrap().to_string()
    }
}

#[derive(Default)]
struct Inbox {
    got: Mutex<Vec<Got>>,
    /// Statuses to answer, in order; 200 once they run out.
    answers: Mutex<VecDeque<u16>>,
}

/// A webhook receiver on a free loopback port.
struct Receiver {
    base: String,
    inbox: Arc<Inbox>,
}

async fn receive(request: HttpRequest, body: web::Bytes, inbox: web::Data<Inbox>) -> HttpResponse {
    let header = |name: &str| {
        request
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    inbox.got.lock().unwrap().push(Got {
        path: request.path().to_string(),
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        content_type: header("content-type"),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let status = inbox.answers.lock().unwrap().pop_front().unwrap_or(200);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(
        if status >= 400 {
            "receiver is down"
        } else {
            ""
        },
    )
}

impl Receiver {
    async fn start() -> Receiver {
        let inbox = Arc::new(Inbox::default());
        let data = web::Data::from(inbox.clone());
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .default_service(web::to(receive))
        })
        .workers(1)
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Receiver {
            base: format!("http://127.0.0.1:{port}"),
            inbox,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn answer(&self, statuses: &[u16]) {
        self.inbox.answers.lock().unwrap().extend(statuses);
    }

    fn got(&self) -> Vec<Got> {
        self.inbox.got.lock().unwrap().clone()
    }
}

/// `v1,` + base64(HMAC-SHA256(secret bytes, "{id}.{timestamp}.{body}")), computed here.
fn expected_signature(secret: &str, got: &Got) -> String {
    let key = STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{}.{}.{}", got.id, got.timestamp, got.body).as_bytes());
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// A state for running delivery rounds, with retries after `retry_seconds` and at most
/// `max_attempts` attempts.
async fn worker_state(app: &TestApp, retry_seconds: u64, max_attempts: u32) -> AppState {
    let mut settings = app.settings.clone();
    settings.webhooks.retry_delays_seconds = vec![retry_seconds];
    settings.webhooks.max_attempts = max_attempts;
    AppState::open(settings).await.unwrap()
}

async fn subscribe(app: &TestApp, url: &str, event_types: Value) -> (String, String) {
    let response = app
        .admin
        .post(
            "/api/v1/webhooks",
            &json!({"url": url, "event_types": event_types, "description": "Tests"}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    let secret = body["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    assert_eq!(
        STANDARD.decode(&secret["whsec_".len()..]).unwrap().len(),
        32
    );
    (
        body["subscription"]["id"].as_str().unwrap().to_string(),
        secret,
    )
}

async fn deliveries(app: &TestApp, subscription: &str) -> Vec<Value> {
    let page: Value = app
        .admin
        .get(&format!("/api/v1/webhooks/{subscription}/deliveries"))
        .await
        .json()
        .await
        .unwrap();
    page["items"].as_array().unwrap().clone()
}

async fn send_test(app: &TestApp, subscription: &str) -> Value {
    let response = app
        .admin
        .post(&format!("/api/v1/webhooks/{subscription}/test"), &json!({}))
        .await;
    assert_eq!(response.status(), 202);
    response.json().await.unwrap()
}

on_both_backends! {
    async fn deliveries_are_signed_as_standard_webhooks_say(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, secret) = subscribe(&app, &receiver.url("/hook"), json!(["*"])).await;
        let queued = send_test(&app, &subscription).await;
        assert_eq!(queued["state"], "pending");
        assert_eq!(queued["event_type"], "webhook.test");

        let state = worker_state(&app, 1, 5).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);

        let got = receiver.got();
        assert_eq!(got.len(), 1);
        let got = &got[0];
        assert_eq!(got.path, "/hook");
        assert_eq!(got.content_type, "application/json");
        assert_eq!(got.id, queued["event_id"].as_str().unwrap());
        let sent_at: i64 = got.timestamp.parse().unwrap();
        assert!((chrono::Utc::now().timestamp() - sent_at).abs() < 60);
        assert_eq!(got.signature, expected_signature(&secret, got));
        let body = got.json();
        assert_eq!(body["type"], "webhook.test");
        assert!(body["timestamp"].as_str().unwrap().ends_with('Z'));
        assert_eq!(body["data"]["subscription_id"], subscription.as_str());

        let log = deliveries(&app, &subscription).await;
        assert_eq!(log.len(), 1);
        assert_eq!(log[0]["state"], "delivered");
        assert_eq!(log[0]["attempts"], 1);
        assert_eq!(log[0]["last_status"], 200);
        assert_eq!(log[0]["next_attempt_at"], Value::Null);
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "nothing is sent twice");
    }
}

on_both_backends! {
    async fn a_request_submitted_and_approved_is_announced_in_order(app: TestApp) {
        let admin_id = app.admin.id();
        let offered = offer(&app, "Hooked", |_| one_stage(&[&admin_id])).await;
        let receiver = Receiver::start().await;
        let (subscription, secret) = subscribe(
            &app,
            &receiver.url("/requests"),
            json!(["request.submitted", "request.decided", "request.delivered", "assignment.granted"]),
        )
        .await;
        let (_, _) = subscribe(&app, &receiver.url("/policies"), json!(["policy.changed"])).await;

        let alice = app.person("alice").await;
        let request = asked(&alice, &offered, json!({})).await;
        let request_id = request["id"].as_str().unwrap().to_string();
        let decided = app
            .admin
            .post(
                &format!("/api/v1/requests/{request_id}/decision"),
                &json!({"stage": 1, "verdict": "approve"}),
            )
            .await;
        assert_eq!(decided.status(), 200);

        let state = worker_state(&app, 1, 5).await;
        while deliver_due(&state).await.unwrap() > 0 {}
        let got = receiver.got();
        assert!(got.iter().all(|g| g.path == "/requests"), "nothing for the policy subscriber");
        for g in &got {
            assert_eq!(g.signature, expected_signature(&secret, g));
        }
        let types: Vec<String> = got.iter().map(Got::event_type).collect();
        assert_eq!(
            types,
            ["request.submitted", "request.decided", "request.delivered", "assignment.granted"],
        );
        let submitted = got[0].json();
        assert_eq!(submitted["data"]["object_type"], "request");
        assert_eq!(submitted["data"]["object_id"], request_id.as_str());
        assert_eq!(submitted["data"]["actor"]["username"], "alice");
        assert_eq!(submitted["data"]["after"]["access_package"], "Hooked");
        let ids: HashSet<&str> = got.iter().map(|g| g.id.as_str()).collect();
        assert_eq!(ids.len(), got.len(), "each event has its own webhook-id");
        assert_eq!(deliveries(&app, &subscription).await.len(), 4);
    }
}

on_both_backends! {
    async fn a_failing_receiver_is_retried_with_backoff_and_holds_back_later_events(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, secret) = subscribe(&app, &receiver.url("/hook"), json!(["*"])).await;
        receiver.answer(&[500, 503]);
        let first = send_test(&app, &subscription).await;
        let second = send_test(&app, &subscription).await;
        let state = worker_state(&app, 1, 5).await;

        assert_eq!(deliver_due(&state).await.unwrap(), 0);
        assert_eq!(receiver.got().len(), 1, "the second waits behind the first");
        let log = deliveries(&app, &subscription).await;
        let failing = log.iter().find(|d| d["id"] == first["id"]).unwrap();
        assert_eq!(failing["state"], "pending");
        assert_eq!(failing["attempts"], 1);
        assert_eq!(failing["last_status"], 500);
        assert_eq!(failing["last_error"], "HTTP 500 Internal Server Error: receiver is down");
        let next: chrono::DateTime<chrono::Utc> =
            failing["next_attempt_at"].as_str().unwrap().parse().unwrap();
        let last: chrono::DateTime<chrono::Utc> =
            failing["last_attempt_at"].as_str().unwrap().parse().unwrap();
        let wait = next - last;
        assert!(
            wait >= chrono::Duration::seconds(1) && wait <= chrono::Duration::milliseconds(1200),
            "waits the first retry delay plus at most a tenth: {wait}"
        );

        assert_eq!(deliver_due(&state).await.unwrap(), 0, "not due yet");
        assert_eq!(receiver.got().len(), 1);

        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "503 the second time");
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 2, "recovered: both go out");

        let got = receiver.got();
        assert_eq!(got.len(), 4);
        let first_event = first["event_id"].as_str().unwrap();
        assert!(got[..3].iter().all(|g| g.id == first_event), "the same webhook-id on every retry");
        assert_eq!(got[3].id, second["event_id"].as_str().unwrap());
        for g in &got {
            assert_eq!(g.signature, expected_signature(&secret, g));
        }
        let log = deliveries(&app, &subscription).await;
        let done = log.iter().find(|d| d["id"] == first["id"]).unwrap();
        assert_eq!(done["state"], "delivered");
        assert_eq!(done["attempts"], 3);
        assert_eq!(done["last_error"], Value::Null);
    }
}

on_both_backends! {
    async fn a_delivery_is_given_up_after_the_last_attempt_and_can_be_replayed(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, secret) = subscribe(&app, &receiver.url("/hook"), json!(["*"])).await;
        receiver.answer(&[500, 500]);
        let first = send_test(&app, &subscription).await;
        let state = worker_state(&app, 1, 2).await;
        deliver_due(&state).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(1300)).await;
        deliver_due(&state).await.unwrap();
        let log = deliveries(&app, &subscription).await;
        assert_eq!(log[0]["state"], "failed");
        assert_eq!(log[0]["attempts"], 2);
        assert_eq!(log[0]["next_attempt_at"], Value::Null);

        let replay = app
            .admin
            .post(
                &format!(
                    "/api/v1/webhooks/{subscription}/deliveries/{}/replay",
                    first["id"].as_str().unwrap()
                ),
                &json!({}),
            )
            .await;
        assert_eq!(replay.status(), 202);
        let replay: Value = replay.json().await.unwrap();
        assert_ne!(replay["id"], first["id"]);
        assert_eq!(replay["event_id"], first["event_id"]);
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = receiver.got();
        assert_eq!(got.len(), 3);
        assert_eq!(got[2].id, first["event_id"].as_str().unwrap(), "a replay keeps the webhook-id");
        assert_eq!(got[2].body, got[0].body);
        assert_eq!(got[2].signature, expected_signature(&secret, &got[2]));

        let log = deliveries(&app, &subscription).await;
        assert_eq!(log.len(), 2);
        assert_eq!(log[0]["id"], replay["id"], "newest first");
        assert_eq!(log[0]["state"], "delivered");

        let unknown = app
            .admin
            .post(
                &format!("/api/v1/webhooks/{subscription}/deliveries/{}/replay", uuid::Uuid::now_v7()),
                &json!({}),
            )
            .await;
        assert_problem(unknown, 404, "not_found").await;
    }
}

on_both_backends! {
    async fn a_rotated_secret_signs_alongside_the_new_one_and_no_secret_is_shown_again(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, old_secret) =
            subscribe(&app, &receiver.url("/hook"), json!(["*"])).await;
        let rotated = app
            .admin
            .post(&format!("/api/v1/webhooks/{subscription}/rotate-secret"), &json!({}))
            .await;
        assert_eq!(rotated.status(), 200);
        let rotated: Value = rotated.json().await.unwrap();
        let new_secret = rotated["secret"].as_str().unwrap().to_string();
        assert_ne!(new_secret, old_secret);
        let until: chrono::DateTime<chrono::Utc> = rotated["subscription"]
            ["previous_secret_expires_at"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        let overlap = until - chrono::Utc::now();
        assert!(overlap > chrono::Duration::hours(23) && overlap <= chrono::Duration::hours(24));

        send_test(&app, &subscription).await;
        let state = worker_state(&app, 1, 5).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = &receiver.got()[0];
        assert_eq!(
            got.signature,
            format!(
                "{} {}",
                expected_signature(&new_secret, got),
                expected_signature(&old_secret, got)
            )
        );

        let mut seen = String::new();
        for path in [
            "/api/v1/webhooks".to_string(),
            format!("/api/v1/webhooks/{subscription}"),
            format!("/api/v1/webhooks/{subscription}/deliveries"),
            "/api/v1/audit-events?target_type=webhook_subscription".to_string(),
        ] {
            let response = app.admin.get(&path).await;
            assert_eq!(response.status(), 200, "{path}");
            seen.push_str(&response.text().await.unwrap());
        }
        assert!(seen.contains("webhook.rotate_secret"), "rotation is audited");
        assert!(seen.contains("webhook.create"), "creation is audited");
        let old_key = &old_secret["whsec_".len()..];
        let new_key = &new_secret["whsec_".len()..];
        assert!(!seen.contains(old_key) && !seen.contains(new_key), "no secret shown again");
        assert!(!seen.contains("whsec_"));
    }
}

on_both_backends! {
    async fn subscriptions_can_be_changed_disabled_and_deleted(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, _) = subscribe(&app, &receiver.url("/hook"), json!(["policy.changed"])).await;
        let changed = app
            .admin
            .patch(
                &format!("/api/v1/webhooks/{subscription}"),
                &json!({"enabled": false, "event_types": ["request.submitted", "request.submitted"]}),
            )
            .await;
        assert_eq!(changed.status(), 200);
        let changed: Value = changed.json().await.unwrap();
        assert_eq!(changed["enabled"], false);
        assert_eq!(changed["event_types"], json!(["request.submitted"]));
        assert_eq!(changed["url"], receiver.url("/hook"));

        let queued = send_test(&app, &subscription).await;
        let state = worker_state(&app, 1, 5).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "a disabled subscription waits");
        assert!(receiver.got().is_empty());
        let enabled = app
            .admin
            .patch(&format!("/api/v1/webhooks/{subscription}"), &json!({"enabled": true}))
            .await;
        assert_eq!(enabled.status(), 200);
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        assert_eq!(receiver.got()[0].id, queued["event_id"].as_str().unwrap());

        let listed: Value = app.admin.get("/api/v1/webhooks").await.json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1);
        let deleted = app.admin.delete(&format!("/api/v1/webhooks/{subscription}")).await;
        assert_eq!(deleted.status(), 204);
        let gone = app.admin.get(&format!("/api/v1/webhooks/{subscription}")).await;
        assert_problem(gone, 404, "not_found").await;
        let audit: Value = app
            .admin
            .get(&format!("/api/v1/audit-events?target_type=webhook_subscription&target_id={subscription}"))
            .await
            .json()
            .await
            .unwrap();
        let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert_eq!(actions, ["webhook.delete", "webhook.update", "webhook.update", "webhook.create"]);
    }
}

on_both_backends! {
    async fn only_administrators_manage_webhooks(app: TestApp) {
        let receiver = Receiver::start().await;
        let (subscription, _) = subscribe(&app, &receiver.url("/hook"), json!(["*"])).await;
        let bob = app.person("bob").await;
        let body = json!({"url": receiver.url("/bob"), "event_types": ["*"]});
        assert_problem(bob.get("/api/v1/webhooks").await, 403, "forbidden").await;
        assert_problem(bob.post("/api/v1/webhooks", &body).await, 403, "forbidden").await;
        for path in [
            format!("/api/v1/webhooks/{subscription}"),
            format!("/api/v1/webhooks/{subscription}/deliveries"),
        ] {
            assert_problem(bob.get(&path).await, 403, "forbidden").await;
        }
        for path in [
            format!("/api/v1/webhooks/{subscription}/rotate-secret"),
            format!("/api/v1/webhooks/{subscription}/test"),
        ] {
            assert_problem(bob.post(&path, &json!({})).await, 403, "forbidden").await;
        }
        assert_problem(
            bob.patch(&format!("/api/v1/webhooks/{subscription}"), &json!({"enabled": false})).await,
            403,
            "forbidden",
        )
        .await;
        assert_problem(bob.delete(&format!("/api/v1/webhooks/{subscription}")).await, 403, "forbidden").await;
        let anonymous = app.anonymous().get(app.url("/api/v1/webhooks")).send().await.unwrap();
        assert_problem(anonymous, 401, "unauthenticated").await;
        let listed: Value = app.admin.get("/api/v1/webhooks").await.json().await.unwrap();
        assert_eq!(listed["items"].as_array().unwrap().len(), 1, "nothing was created");
        assert_eq!(listed["items"][0]["enabled"], true, "nothing was changed");
    }
}

on_both_backends! {
    async fn bad_subscriptions_are_refused_naming_the_field(app: TestApp) {
        for (body, field) in [
            (json!({"url": "http://hooks.example.org/x", "event_types": ["*"]}), "url"),
            (json!({"url": "ftp://127.0.0.1/x", "event_types": ["*"]}), "url"),
            (json!({"url": "https://user:pw@hooks.example.org/x", "event_types": ["*"]}), "url"),
            (json!({"url": "https://hooks.example.org/x", "event_types": ["request.approved"]}), "event_types"),
            (json!({"url": "https://hooks.example.org/x", "event_types": []}), "event_types"),
            (json!({"url": "https://hooks.example.org/x", "event_types": ["webhook.test"]}), "event_types"),
            (json!({"url": "https://hooks.example.org/x", "event_types": ["*"], "secret": "mine"}), "secret"),
        ] {
            let response = app.admin.post("/api/v1/webhooks", &body).await;
            let problem = assert_problem(response, 422, "validation_failed").await;
            assert_eq!(problem_fields(&problem), [field], "{body}");
        }
        let listed: Value = app.admin.get("/api/v1/webhooks").await.json().await.unwrap();
        assert!(listed["items"].as_array().unwrap().is_empty(), "nothing half-written");
    }
}

on_both_backends! {
    async fn two_workers_racing_never_send_an_attempt_twice(app: TestApp) {
        let receiver = Receiver::start().await;
        let mut expected = 0;
        for hook in 0..3 {
            let (subscription, _) =
                subscribe(&app, &receiver.url(&format!("/hook/{hook}")), json!(["*"])).await;
            for _ in 0..4 {
                send_test(&app, &subscription).await;
                expected += 1;
            }
        }
        let one = worker_state(&app, 1, 5).await;
        let two = worker_state(&app, 1, 5).await;
        let (a, b) = tokio::join!(deliver_due(&one), deliver_due(&two));
        let (a, b) = (a.unwrap(), b.unwrap());
        // A worker may stop early when the only due deliveries are held by the other's claims.
        let mut total = a + b;
        while total < expected {
            let more = deliver_due(&one).await.unwrap();
            assert!(more > 0, "everything is delivered eventually");
            total += more;
        }
        assert_eq!(total, expected);
        let got = receiver.got();
        assert_eq!(got.len(), expected, "each delivery sent once");
        let sent: HashSet<(String, String)> =
            got.iter().map(|g| (g.path.clone(), g.id.clone())).collect();
        assert_eq!(sent.len(), expected);
    }
}
