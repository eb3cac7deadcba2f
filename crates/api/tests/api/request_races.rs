//! Requests under retries and races: an Idempotency-Key bound to its request, many retries with
//! one key at once, and delivery racing the scheduler.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{Duration, Utc};
use futures_util::future::join_all;
use serde_json::{Value, json};
use tessera_api::jobs::requests::run_due_requests;

use super::requests::{Offer, offer, one_stage};
use crate::helpers::*;
use crate::on_both_backends;

fn without_approval(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone, at once",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}},
    })
}

fn body_for(offer: &Offer) -> Value {
    json!({"access_package_id": offer.package, "policy_id": offer.policy, "ask": "add"})
}

/// Posts `body` (as is) to `/api/v1/requests` with the Idempotency-Key `key`.
async fn send_keyed(session: &Session, key: &str, body: &str) -> reqwest::Response {
    session
        .client
        .post(format!("{}/api/v1/requests", session.base))
        .header("X-CSRF-Token", &session.csrf)
        .header("Content-Type", "application/json")
        .header("Idempotency-Key", key)
        .body(body.to_string())
        .send()
        .await
        .unwrap()
}

on_both_backends! {
    async fn an_idempotency_key_answers_only_the_request_it_came_with_and_is_kept_a_day(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let carol = app.person("carol").await;
        let c = carol.id();
        let first = offer(&app, "First", |_| one_stage(&[&c])).await;
        let second = offer(&app, "Second", |_| one_stage(&[&c])).await;
        let body = body_for(&first).to_string();

        let made = send_keyed(&alice, "k-1", &body).await;
        assert_eq!(made.status(), 201);
        let made: Value = made.json().await.unwrap();
        // The same request, its members in another order and spaced out, is the same request.
        let reordered = format!(
            r#"{{ "ask" : "add", "policy_id" : "{}", "access_package_id" : "{}" }}"#,
            first.policy, first.package
        );
        let replayed = send_keyed(&alice, "k-1", &reordered).await;
        assert_eq!(replayed.status(), 200);
        assert_eq!(replayed.json::<Value>().await.unwrap()["id"], made["id"]);

        // Another package, or only another justification, under the same key is refused.
        for other in [
            body_for(&second),
            json!({"access_package_id": first.package, "policy_id": first.policy, "ask": "add", "justification": "other"}),
        ] {
            let refused = send_keyed(&alice, "k-1", &other.to_string()).await;
            let problem = assert_problem(refused, 422, "idempotency_key_reused").await;
            assert_eq!(problem_fields(&problem), ["Idempotency-Key"]);
            assert!(problem["detail"].as_str().unwrap().contains("\"k-1\""), "{problem}");
        }
        let history: Value = alice.get("/api/v1/me/requests").await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 1, "nothing made on refusal");

        // Keys are the caller's own: bob's k-1 is another key.
        assert_eq!(send_keyed(&bob, "k-1", &body_for(&second).to_string()).await.status(), 201);

        // A key is kept 24 hours: the scheduler forgets it after that, and not before.
        let state = app.state().await;
        run_due_requests(&state, Utc::now() + Duration::hours(23)).await.unwrap();
        let refused = send_keyed(&alice, "k-1", &body_for(&second).to_string()).await;
        assert_problem(refused, 422, "idempotency_key_reused").await;
        run_due_requests(&state, Utc::now() + Duration::hours(25)).await.unwrap();
        let fresh = send_keyed(&alice, "k-1", &body_for(&second).to_string()).await;
        assert_eq!(fresh.status(), 201, "a forgotten key is a new key");
    }
}

/// How many retries with one key run at once.
const RETRIES: usize = 25;

on_both_backends! {
    async fn concurrent_retries_with_one_key_all_get_the_first_request(app: TestApp) {
        let alice = app.person("alice").await;
        let bob = app.person("bob").await;
        let b = bob.id();
        let gated = offer(&app, "Gated", |_| one_stage(&[&b])).await;
        let at_once = offer(&app, "At once", without_approval).await;
        for (round, offer) in [&gated, &at_once].into_iter().enumerate() {
            let key = format!("retry-{round}");
            let body = body_for(offer).to_string();
            let answers = join_all((0..RETRIES).map(|_| async {
                let response = send_keyed(&alice, &key, &body).await;
                let status = response.status().as_u16();
                (status, response.json::<Value>().await.unwrap())
            }))
            .await;
            let created = answers.iter().filter(|(status, _)| *status == 201).count();
            let replayed = answers.iter().filter(|(status, _)| *status == 200).count();
            assert_eq!((created, replayed), (1, RETRIES - 1), "round {round}: {answers:?}");
            let first = &answers[0].1["id"];
            assert!(answers.iter().all(|(_, body)| &body["id"] == first), "round {round}: one request");
            let state = if offer.package == at_once.package { "delivered" } else { "pending_approval" };
            assert!(answers.iter().all(|(_, body)| body["state"] == state), "round {round}: {answers:?}");
        }
        let history: Value = alice.get("/api/v1/me/requests").await.json().await.unwrap();
        assert_eq!(history["items"].as_array().unwrap().len(), 2);
    }
}

fn given_up_at_will(_: uuid::Uuid) -> Value {
    json!({
        "name": "Anyone, at once, may leave",
        "who_can_request": {"type": "all_members"},
        "approval": {"type": "none"},
        "lifecycle": {"expiry": {"type": "never"}, "self_removal_allowed": true},
    })
}

/// How many people submit at once, and how many times each asks for and gives up the access.
const PEOPLE: usize = 16;
const ROUNDS: usize = 4;

/// Runs rounds of the requests' scheduled work on `state` without pause until `done`; returns
/// how many ran.
async fn keep_scheduling(state: &tessera_api::state::AppState, done: &AtomicBool) -> usize {
    let mut rounds = 0;
    while !done.load(Ordering::Relaxed) {
        run_due_requests(state, Utc::now())
            .await
            .expect("a scheduler round");
        rounds += 1;
    }
    rounds
}

/// How many times `request` was delivered, by its audit trail.
async fn deliveries(state: &tessera_api::state::AppState, request: &str) -> usize {
    tessera_api::store::audit::list_events_for_target(&state.db, "request", request)
        .await
        .unwrap()
        .into_iter()
        .filter(|event| event.action == "request.deliver")
        .count()
}

on_both_backends! {
    async fn delivery_racing_the_scheduler_delivers_each_request_once_and_answers_no_error(app: TestApp) {
        let approver = app.person("approver").await;
        let a = approver.id();
        let open = offer(&app, "Open", given_up_at_will).await;
        let gated = offer(&app, "Gated", |_| one_stage(&[&a])).await;
        let mut people = Vec::new();
        for n in 0..PEOPLE {
            people.push(app.person(&format!("person{n}")).await);
        }
        // Two replicas run the scheduler without pause while people submit and approve.
        let replicas = [
            tessera_api::startup::Application::build(app.settings.clone()).await.unwrap(),
            tessera_api::startup::Application::build(app.settings.clone()).await.unwrap(),
        ];
        let done = AtomicBool::new(false);
        let work = async {
            let mut requests = Vec::new();
            for round in 0..ROUNDS {
                let ask = if round % 2 == 0 { "add" } else { "remove" };
                let answers = join_all(people.iter().map(|person| async {
                    let response = person
                        .post("/api/v1/requests", &json!({"access_package_id": open.package, "policy_id": open.policy, "ask": ask}))
                        .await;
                    (response.status().as_u16(), response.json::<Value>().await.unwrap())
                }))
                .await;
                for (status, body) in answers {
                    assert_eq!(status, 201, "round {round}: {body}");
                    assert_eq!(body["state"], "delivered", "round {round}: {body}");
                    requests.push(body["id"].as_str().unwrap().to_string());
                }
            }
            // An approver's decision delivers on the same path.
            let mut waiting = Vec::new();
            for person in &people {
                let response = person.post("/api/v1/requests", &json!({"access_package_id": gated.package, "policy_id": gated.policy, "ask": "add"})).await;
                assert_eq!(response.status(), 201);
                waiting.push(response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_string());
            }
            let approver = &approver;
            let decisions = join_all(waiting.iter().map(|request| async move {
                let response = approver
                    .post(&format!("/api/v1/requests/{request}/decision"), &json!({"stage": 1, "verdict": "approve"}))
                    .await;
                (response.status().as_u16(), response.json::<Value>().await.unwrap())
            }))
            .await;
            for (status, body) in decisions {
                assert_eq!(status, 200, "{body}");
                assert_eq!(body["state"], "delivered", "{body}");
            }
            requests.extend(waiting);
            done.store(true, Ordering::Relaxed);
            requests
        };
        let (requests, first, second) = tokio::join!(
            work,
            keep_scheduling(replicas[0].state(), &done),
            keep_scheduling(replicas[1].state(), &done)
        );
        assert!(first + second > 0);
        let state = app.state().await;
        for request in &requests {
            assert_eq!(deliveries(&state, request).await, 1, "request {request}");
        }
        let held: Value = app.admin.get(&format!("/api/v1/assignments?access_package_id={}&state=active&limit=200", gated.package)).await.json().await.unwrap();
        assert_eq!(held["items"].as_array().unwrap().len(), PEOPLE);
    }
}

on_both_backends! {
    async fn many_people_submitting_and_approving_at_once_all_succeed(app: TestApp) {
        let carol = app.person("carol").await;
        let c = carol.id();
        let mut people = Vec::new();
        for n in 0..8 {
            people.push(app.person(&format!("asker{n}")).await);
        }
        let offers = [
            (offer(&app, "Open one", without_approval).await, "delivered"),
            (offer(&app, "Open two", without_approval).await, "delivered"),
            (offer(&app, "Gated one", |_| one_stage(&[&c])).await, "pending_approval"),
            (offer(&app, "Gated two", |_| one_stage(&[&c])).await, "pending_approval"),
        ];
        // Every person asks for all four at once (32 submissions in flight together), while
        // each also reads their assignments: on SQLite none may fail with "database is locked".
        let submits = people.iter().flat_map(|person| {
            offers.iter().map(move |(offer, state)| async move {
                let answer = person.post("/api/v1/requests", &body_for(offer)).await;
                assert_eq!(answer.status(), 201, "{:?}", answer.text().await);
                let view: Value = answer.json().await.unwrap();
                assert_eq!(view["state"], *state);
                view["id"].as_str().unwrap().to_string()
            })
        });
        let reads = people.iter().map(|person| async move {
            for _ in 0..4 {
                assert_eq!(person.get("/api/v1/me/assignments").await.status(), 200);
            }
        });
        let (made, _) = tokio::join!(join_all(submits), join_all(reads));
        assert_eq!(made.len(), 32);

        // Carol approves the sixteen waiting requests at once.
        let waiting: Vec<&String> = made.iter().skip(2).step_by(4).chain(made.iter().skip(3).step_by(4)).collect();
        assert_eq!(waiting.len(), 16);
        let approvals = waiting.iter().map(|request| {
            let carol = &carol;
            async move {
                let answer = carol.post(&format!("/api/v1/requests/{request}/decision"), &json!({"stage": 1, "verdict": "approve"})).await;
                assert_eq!(answer.status(), 200, "{:?}", answer.text().await);
                let view: Value = answer.json().await.unwrap();
                assert_eq!(view["state"], "delivered");
            }
        });
        join_all(approvals).await;
        for person in &people {
            let held: Value = person.get("/api/v1/me/assignments").await.json().await.unwrap();
            assert_eq!(held["items"].as_array().map(Vec::len), Some(4), "{held}");
        }
    }
}
