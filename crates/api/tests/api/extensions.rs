//! Custom extensions end to end: a real HTTP endpoint in the test receives the calls, their
//! Standard Webhooks signatures are checked with an HMAC computed here, and the test answers
//! launch-and-wait calls through the callback endpoint with the token the call carried. The
//! worker rounds and the scheduler are run by the test with the settings it chooses.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use tessera_api::jobs::requests::run_due_requests;
use tessera_api::service::extensions::deliver_due;
use tessera_api::state::AppState;

use super::catalogs::create_catalog;
use super::packages::create_package;
use super::requests::{Offer, asked, offer};
use crate::helpers::*;
use crate::on_both_backends;

#[derive(Clone, Debug)]
struct Got {
    id: String,
    timestamp: String,
    signature: String,
    body: String,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

#[derive(Default)]
struct Inbox {
    got: Mutex<Vec<Got>>,
    /// Statuses to answer, in order; 202 once they run out.
    answers: Mutex<VecDeque<u16>>,
}

/// An extension endpoint on a free loopback port.
struct Endpoint {
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
        id: header("webhook-id"),
        timestamp: header("webhook-timestamp"),
        signature: header("webhook-signature"),
        body: String::from_utf8(body.to_vec()).unwrap(),
    });
    let status = inbox.answers.lock().unwrap().pop_front().unwrap_or(202);
    HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap()).body(
        if status >= 400 {
            "extension is down"
        } else {
            ""
        },
    )
}

impl Endpoint {
    async fn start() -> Endpoint {
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
        Endpoint {
            base: format!("http://127.0.0.1:{port}"),
            inbox,
        }
    }

    fn url(&self) -> String {
        format!("{}/extension", self.base)
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

/// Whether the `webhook-signature` header of `got` carries the signature made with `secret`
/// (it carries two during a rotation's overlap).
fn signed_with(secret: &str, got: &Got) -> bool {
    let expected = expected_signature(secret, got);
    got.signature
        .split(' ')
        .any(|signature| signature == expected)
}

/// A state for running worker rounds, retrying after `retry_seconds`.
async fn worker_state(app: &TestApp, retry_seconds: u64, max_attempts: u32) -> AppState {
    let mut settings = app.settings.clone();
    settings.webhooks.retry_delays_seconds = vec![retry_seconds];
    settings.webhooks.max_attempts = max_attempts;
    settings.webhooks.timeout_seconds = 5;
    AppState::open(settings).await.unwrap()
}

/// A policy without approval stages (`stages` false) or with one decided by `approver`.
fn policy(approver: Option<&str>, extensions: Value) -> Value {
    let approval = match approver {
        Some(user) => json!({"type": "required", "stages": [
            {"primary_approvers": [{"type": "user", "user_id": user}], "timeout_days": 14},
        ]}),
        None => json!({"type": "none"}),
    };
    json!({
        "name": "Checked",
        "who_can_request": {"type": "all_members"},
        "approval": approval,
        "lifecycle": {"expiry": {"type": "never"}},
        "custom_extensions": extensions,
    })
}

fn wait_extension(url: &str, stage: &str, seconds: u32, outcome: &str) -> Value {
    json!({
        "name": "Service desk", "stage": stage, "url": url, "mode": "launch_and_wait",
        "timeout_seconds": seconds, "timeout_outcome": outcome,
    })
}

/// A new signing secret for the offer's policy, through the API.
async fn rotate(app: &TestApp, offer: &Offer) -> String {
    let response = app
        .admin
        .post(
            &format!(
                "/api/v1/access-packages/{}/policies/{}/extension-secret",
                offer.package, offer.policy
            ),
            &json!({}),
        )
        .await;
    let status = response.status();
    let body: Value = response.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    body["secret"].as_str().unwrap().to_string()
}

async fn callback(
    app: &TestApp,
    call: &str,
    token: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = reqwest::Client::new()
        .post(app.url(&format!("/api/v1/extension-callbacks/{call}")))
        .json(&body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

async fn request_of(session: &Session, id: &Value) -> Value {
    session
        .get(&format!("/api/v1/requests/{}", id.as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

fn events(request: &Value) -> Vec<String> {
    request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["event"].as_str().unwrap().to_string())
        .collect()
}

fn summaries(request: &Value) -> String {
    request["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["summary"].as_str().unwrap().to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

on_both_backends! {
    async fn a_launch_and_continue_call_is_signed_and_the_request_goes_on_at_once(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Wiki", |_| policy(None, json!([
            {"name": "Audit log", "stage": "request_created", "url": url, "mode": "launch_and_continue"},
        ]))).await;
        let secret = rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({"justification": "Writing docs"})).await;
        assert_eq!(request["state"], "delivered", "continue does not wait");
        assert_eq!(request["extension_calls"][0]["state"], "pending");

        let state = worker_state(&app, 1, 3).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = endpoint.got();
        assert_eq!(got.len(), 1);
        assert!(signed_with(&secret, &got[0]), "{}", got[0].signature);
        let body = got[0].json();
        assert_eq!(body["type"], "custom_extension.request_created");
        assert_eq!(got[0].id, body["data"]["call_id"].as_str().unwrap());
        assert_eq!(body["data"]["request"]["id"], request["id"]);
        assert_eq!(body["data"]["request"]["justification"], "Writing docs");
        assert_eq!(body["data"]["person"]["username"], "alice");
        assert_eq!(body["data"]["access_package"]["name"], "Wiki");
        assert!(body["data"].get("callback_token").is_none(), "nothing to answer");
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "sent once");

        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["extension_calls"][0]["state"], "sent");
        assert_eq!(seen["extension_calls"][0]["last_status"], 202);
        assert!(events(&seen).contains(&"extension_called".to_string()));
    }
}

on_both_backends! {
    async fn a_waiting_request_resumes_once_on_continue_and_then_waits_for_approval(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let (url, bob_id) = (endpoint.url(), bob.id());
        let offer = offer(&app, "Payroll", |_| policy(Some(&bob_id), json!([
            wait_extension(&url, "request_created", 3600, "deny"),
        ]))).await;
        let secret = rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({})).await;
        assert_eq!(request["state"], "waiting");
        assert_eq!(request["waiting_for"]["extension"], "Service desk");
        assert_eq!(request["waiting_for"]["timeout_outcome"], "deny");
        // No approval while the request waits.
        let early = bob.post(&format!("/api/v1/requests/{}/decision", request["id"].as_str().unwrap()),
            &json!({"stage": 1, "verdict": "approve"})).await;
        assert!(early.status().is_client_error(), "{}", early.status());

        let state = worker_state(&app, 1, 3).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = endpoint.got();
        assert!(signed_with(&secret, &got[0]), "{}", got[0].signature);
        let body = got[0].json();
        let call = body["data"]["call_id"].as_str().unwrap().to_string();
        let token = body["data"]["callback_token"].as_str().unwrap().to_string();
        assert!(body["data"]["callback_url"].as_str().unwrap().ends_with(&format!("/api/v1/extension-callbacks/{call}")));
        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["extension_calls"][0]["state"], "waiting");

        // Refused without revealing whether the call exists: no token, a forged token, a
        // user's own credentials, and the right token on another call.
        let answer = json!({"outcome": "continue", "message": "Ticket INC-42 opened"});
        assert_problem(callback(&app, &call, None, answer.clone()).await, 401, "callback_refused").await;
        assert_problem(callback(&app, &call, Some("forged-token"), answer.clone()).await, 401, "callback_refused").await;
        let other = uuid::Uuid::now_v7().to_string();
        assert_problem(callback(&app, &other, Some(&token), answer.clone()).await, 401, "callback_refused").await;
        let as_alice = alice.post(&format!("/api/v1/extension-callbacks/{call}"), &answer).await;
        assert_eq!(as_alice.status(), 401);
        assert_problem(callback(&app, &call, Some(&token), json!({"outcome": "continue", "message": "x".repeat(1001)})).await, 422, "validation_failed").await;

        let resumed = callback(&app, &call, Some(&token), answer.clone()).await;
        assert_eq!(resumed.status(), 200);
        let resumed: Value = resumed.json().await.unwrap();
        assert_eq!(resumed["request_state"], "pending_approval");
        // Once only.
        assert_problem(callback(&app, &call, Some(&token), answer.clone()).await, 409, "wait_over").await;

        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["state"], "pending_approval");
        assert!(seen["waiting_for"].is_null());
        assert_eq!(seen["extension_calls"][0]["state"], "resumed");
        assert_eq!(seen["extension_calls"][0]["answer"], "continue");
        assert!(events(&seen).contains(&"waiting".to_string()));
        assert!(summaries(&seen).contains("Service desk let the request go on: Ticket INC-42 opened"));

        let approved = bob.post(&format!("/api/v1/requests/{}/decision", request["id"].as_str().unwrap()),
            &json!({"stage": 1, "verdict": "approve"})).await;
        assert_eq!(approved.status(), 200, "{:?}", approved.text().await);
        let done = request_of(&alice, &request["id"]).await;
        assert_eq!(done["state"], "delivered");
    }
}

on_both_backends! {
    async fn a_deny_answer_denies_the_request_with_its_message(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Vault", |_| policy(None, json!([
            wait_extension(&url, "request_approved", 3600, "continue"),
        ]))).await;
        rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({})).await;
        assert_eq!(request["state"], "waiting");
        assert_eq!(request["waiting_for"]["stage"], "request_approved");
        let state = worker_state(&app, 1, 3).await;
        deliver_due(&state).await.unwrap();
        let body = endpoint.got()[0].json();
        let call = body["data"]["call_id"].as_str().unwrap().to_string();
        let token = body["data"]["callback_token"].as_str().unwrap().to_string();
        let denied = callback(&app, &call, Some(&token), json!({"outcome": "deny", "message": "No HR record"})).await;
        assert_eq!(denied.status(), 200);
        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["state"], "denied");
        assert_eq!(seen["outcome"], "Service desk denied the request: No HR record");
        assert!(summaries(&seen).contains("Service desk denied the request: No HR record"));
        assert!(seen["assignment_id"].is_null());
    }
}

on_both_backends! {
    async fn a_wait_without_an_answer_times_out_with_the_configured_outcome(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Lab", |_| policy(None, json!([
            wait_extension(&url, "request_created", 1, "deny"),
        ]))).await;
        rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({})).await;
        let state = worker_state(&app, 1, 3).await;
        deliver_due(&state).await.unwrap();
        let body = endpoint.got()[0].json();
        let call = body["data"]["call_id"].as_str().unwrap().to_string();
        let token = body["data"]["callback_token"].as_str().unwrap().to_string();

        tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
        assert_eq!(run_due_requests(&state, chrono::Utc::now()).await.unwrap(), 1);
        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["state"], "denied");
        assert_eq!(seen["extension_calls"][0]["state"], "timed_out");
        assert!(events(&seen).contains(&"extension_timed_out".to_string()));
        assert_problem(callback(&app, &call, Some(&token), json!({"outcome": "continue"})).await, 409, "wait_over").await;
        assert_eq!(run_due_requests(&state, chrono::Utc::now()).await.unwrap(), 0, "applied once");
    }
}

on_both_backends! {
    async fn an_extension_that_is_down_is_retried_while_the_request_waits_and_times_out(app: TestApp) {
        let endpoint = Endpoint::start().await;
        endpoint.answer(&[503, 503]);
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Printers", |_| policy(None, json!([
            wait_extension(&url, "request_created", 2, "continue"),
        ]))).await;
        rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({})).await;
        let state = worker_state(&app, 1, 5).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "the endpoint answered 503");
        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["state"], "waiting");
        let call = &seen["extension_calls"][0];
        assert_eq!(call["state"], "pending");
        assert_eq!(call["attempts"], 1);
        assert_eq!(call["last_status"], 503);
        assert!(call["next_attempt_at"].is_string());
        assert!(events(&seen).contains(&"extension_call_failed".to_string()));
        // The requester sees the status, not what the endpoint's body said.
        assert_eq!(call["last_error"], "HTTP 503 Service Unavailable");
        assert!(!summaries(&seen).contains("extension is down"), "{}", summaries(&seen));
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "not due before its retry");

        tokio::time::sleep(std::time::Duration::from_millis(2200)).await;
        assert_eq!(run_due_requests(&state, chrono::Utc::now()).await.unwrap(), 1);
        let seen = request_of(&alice, &request["id"]).await;
        assert_eq!(seen["state"], "delivered", "the timeout outcome is continue");
        assert_eq!(seen["extension_calls"][0]["state"], "timed_out");
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "a timed-out call is not sent again");
        assert_eq!(endpoint.got().len(), 1);
    }
}

on_both_backends! {
    async fn policy_extensions_are_validated_field_by_field(app: TestApp) {
        let catalog = id(&create_catalog(&app.admin, "Checks catalog").await);
        let package = id(&create_package(&app.admin, &catalog, "Checks").await);
        let response = app.admin.post(&format!("/api/v1/access-packages/{package}/policies"), &policy(None, json!([
            {"name": "Plain", "stage": "request_created", "url": "http://desk.example.org/x", "mode": "launch_and_continue"},
            {"name": "Granted", "stage": "assignment_granted", "url": "https://desk.example.org/x", "mode": "launch_and_wait", "timeout_seconds": 60, "timeout_outcome": "deny"},
            {"name": "Long", "stage": "request_approved", "url": "https://desk.example.org/x", "mode": "launch_and_wait", "timeout_seconds": 1209601},
        ]))).await;
        let problem = assert_problem(response, 422, "validation_failed").await;
        let fields = problem_fields(&problem);
        for field in [
            "custom_extensions[0].url",
            "custom_extensions[1].mode",
            "custom_extensions[2].timeout_seconds",
            "custom_extensions[2].timeout_outcome",
        ] {
            assert!(fields.contains(&field.to_string()), "{field} in {fields:?}");
        }

        let created = app.admin.post(&format!("/api/v1/access-packages/{package}/policies"), &policy(None, json!([
            {"name": "Plain", "stage": "assignment_removal", "url": "https://desk.example.org/x", "mode": "launch_and_continue"},
        ]))).await;
        assert_eq!(created.status(), 201);
        let created: Value = created.json().await.unwrap();
        assert!(created["extension_secret"].as_str().unwrap().starts_with("whsec_"), "shown once");
        let read: Value = app.admin.get(&format!("/api/v1/access-packages/{package}/policies/{}", created["id"].as_str().unwrap())).await.json().await.unwrap();
        assert!(read.get("extension_secret").is_none(), "never shown again");
        assert_eq!(read["definition"]["custom_extensions"][0]["name"], "Plain");
    }
}

on_both_backends! {
    async fn only_those_who_manage_the_package_make_a_new_extension_secret(app: TestApp) {
        let eve = app.person("eve").await;
        let offer = offer(&app, "Secrets", |_| policy(None, json!([
            {"name": "Audit", "stage": "request_created", "url": "https://desk.example.org/x", "mode": "launch_and_continue"},
        ]))).await;
        let path = format!("/api/v1/access-packages/{}/policies/{}/extension-secret", offer.package, offer.policy);
        let refused = eve.post(&path, &json!({})).await;
        assert!(refused.status() == 403 || refused.status() == 404, "{}", refused.status());
        let anonymous = app.anonymous().post(app.url(&path)).send().await.unwrap();
        assert_eq!(anonymous.status(), 401);
        let first = rotate(&app, &offer).await;
        let second = rotate(&app, &offer).await;
        assert_ne!(first, second);
    }
}

on_both_backends! {
    async fn granting_and_removing_an_assignment_call_the_policy_extensions_of_those_stages(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Badges", |_| policy(None, json!([
            {"name": "Badge office", "stage": "assignment_granted", "url": url, "mode": "launch_and_continue"},
            {"name": "Badge return", "stage": "assignment_removal", "url": url, "mode": "launch_and_continue"},
        ]))).await;
        let secret = rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({"justification": "New starter"})).await;
        assert_eq!(request["state"], "delivered");
        let assignment = request["assignment_id"].as_str().unwrap().to_string();
        // Written with the grant, in the delivered request's timeline.
        assert_eq!(request["extension_calls"].as_array().unwrap().len(), 1, "{}", request["extension_calls"]);
        assert_eq!(request["extension_calls"][0]["stage"], "assignment_granted");

        let state = worker_state(&app, 1, 3).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = endpoint.got();
        assert!(signed_with(&secret, &got[0]), "{}", got[0].signature);
        let body = got[0].json();
        assert_eq!(body["type"], "custom_extension.assignment_granted");
        assert_eq!(got[0].id, body["data"]["call_id"].as_str().unwrap());
        assert_eq!(body["data"]["extension"], "Badge office");
        assert_eq!(body["data"]["assignment"]["id"], assignment.as_str());
        assert_eq!(body["data"]["assignment"]["state"], "delivered");
        assert_eq!(body["data"]["assignment"]["justification"], "New starter");
        assert_eq!(body["data"]["request"]["id"], request["id"]);
        assert_eq!(body["data"]["person"]["username"], "alice");
        assert_eq!(body["data"]["access_package"]["name"], "Badges");
        assert!(body["data"].get("callback_token").is_none(), "nothing to answer");
        let seen = request_of(&alice, &request["id"]).await;
        assert!(summaries(&seen).contains("Called Badge office (assignment_granted)"), "{}", summaries(&seen));

        let removed = app.admin.post(&format!("/api/v1/assignments/{assignment}/remove"), &json!({"justification": "Left the team"})).await;
        assert_eq!(removed.status(), 200, "{:?}", removed.text().await);
        assert_eq!(deliver_due(&state).await.unwrap(), 1, "one call for the removal");
        let got = endpoint.got();
        assert_eq!(got.len(), 2);
        assert!(signed_with(&secret, &got[1]));
        let body = got[1].json();
        assert_eq!(body["type"], "custom_extension.assignment_removal");
        assert_eq!(body["data"]["extension"], "Badge return");
        assert_eq!(body["data"]["assignment"]["id"], assignment.as_str());
        assert_eq!(body["data"]["assignment"]["state"], "removed");
        assert_eq!(body["data"]["assignment"]["ended_by"]["username"], "admin");
        assert!(body["data"]["request"].is_null(), "no request removed it");
        assert_eq!(deliver_due(&state).await.unwrap(), 0, "each call once");
    }
}

on_both_backends! {
    async fn canceling_a_waiting_request_closes_its_call_so_it_is_neither_sent_nor_answered(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Garage", |_| policy(None, json!([
            wait_extension(&url, "request_created", 3600, "continue"),
        ]))).await;
        rotate(&app, &offer).await;
        let state = worker_state(&app, 1, 3).await;

        // Canceled before the call went out: it never goes.
        let first = asked(&alice, &offer, json!({})).await;
        assert_eq!(first["state"], "waiting");
        let canceled = alice.post(&format!("/api/v1/requests/{}/cancel", first["id"].as_str().unwrap()), &json!({})).await;
        assert_eq!(canceled.status(), 200, "{:?}", canceled.text().await);
        let seen = request_of(&alice, &first["id"]).await;
        assert_eq!(seen["state"], "canceled");
        assert_eq!(seen["extension_calls"][0]["state"], "closed");
        assert!(!events(&seen).contains(&"extension_call_failed".to_string()), "{:?}", events(&seen));
        assert_eq!(deliver_due(&state).await.unwrap(), 0);
        assert!(endpoint.got().is_empty(), "a closed call is not sent");

        // Canceled after the call went out: the answer comes too late.
        let second = asked(&alice, &offer, json!({})).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let body = endpoint.got()[0].json();
        let call = body["data"]["call_id"].as_str().unwrap().to_string();
        let token = body["data"]["callback_token"].as_str().unwrap().to_string();
        let canceled = alice.post(&format!("/api/v1/requests/{}/cancel", second["id"].as_str().unwrap()), &json!({})).await;
        assert_eq!(canceled.status(), 200);
        let seen = request_of(&alice, &second["id"]).await;
        assert_eq!(seen["extension_calls"][0]["state"], "closed");
        assert_problem(callback(&app, &call, Some(&token), json!({"outcome": "continue"})).await, 409, "wait_over").await;
        assert_eq!(request_of(&alice, &second["id"]).await["state"], "canceled");
    }
}

on_both_backends! {
    async fn an_endpoint_may_answer_with_the_token_of_an_earlier_attempt(app: TestApp) {
        let endpoint = Endpoint::start().await;
        // It takes the first attempt in but fails to say so; the retry is accepted.
        endpoint.answer(&[500]);
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Dock", |_| policy(None, json!([
            wait_extension(&url, "request_created", 3600, "deny"),
        ]))).await;
        rotate(&app, &offer).await;
        let request = asked(&alice, &offer, json!({})).await;
        let state = worker_state(&app, 1, 5).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 0);
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = endpoint.got();
        assert_eq!(got.len(), 2);
        let (first, second) = (got[0].json(), got[1].json());
        assert_eq!(first["data"]["call_id"], second["data"]["call_id"]);
        let call = first["data"]["call_id"].as_str().unwrap().to_string();
        let early = first["data"]["callback_token"].as_str().unwrap().to_string();
        assert_problem(callback(&app, &call, Some("not-a-token-of-it"), json!({"outcome": "continue"})).await, 401, "callback_refused").await;
        let answered = callback(&app, &call, Some(&early), json!({"outcome": "continue"})).await;
        assert_eq!(answered.status(), 200, "{:?}", answered.text().await);
        assert_eq!(request_of(&alice, &request["id"]).await["state"], "delivered");
        let late = second["data"]["callback_token"].as_str().unwrap().to_string();
        assert_problem(callback(&app, &call, Some(&late), json!({"outcome": "continue"})).await, 409, "wait_over").await;
    }
}

on_both_backends! {
    async fn a_rotated_extension_secret_keeps_signing_beside_the_new_one_during_the_overlap(app: TestApp) {
        let endpoint = Endpoint::start().await;
        let alice = app.person("alice").await;
        let url = endpoint.url();
        let offer = offer(&app, "Atlas", |_| policy(None, json!([
            {"name": "Audit log", "stage": "request_created", "url": url, "mode": "launch_and_continue"},
        ]))).await;
        let old = rotate(&app, &offer).await;
        let new = rotate(&app, &offer).await;
        asked(&alice, &offer, json!({})).await;
        let state = worker_state(&app, 1, 3).await;
        assert_eq!(deliver_due(&state).await.unwrap(), 1);
        let got = &endpoint.got()[0];
        assert_eq!(got.signature.split(' ').count(), 2, "{}", got.signature);
        assert!(signed_with(&new, got));
        assert!(signed_with(&old, got), "the replaced secret still verifies");
    }
}
