//! Sign-in throttling from the outside: concurrent guesses, several client addresses (clients
//! bound to 127.0.0.x; the server listens on 127.0.0.1 and sees each as its own address).

use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use futures_util::future::join_all;
use reqwest::{Client, StatusCode};
use serde_json::json;
use tessera_api::config::Settings;

use crate::helpers::*;

/// Runs a test body on both backends with adjusted settings.
macro_rules! on_both_backends_with {
    ($adjust:expr, async fn $name:ident($app:ident: TestApp) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                run(TestApp::spawn_with(Backend::Sqlite, $adjust).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                run(TestApp::spawn_with(Backend::Postgres, $adjust).await).await;
            }
        }
    };
}

/// A client whose connections come from 127.0.0.`last`.
fn from_address(last: u8) -> Client {
    Client::builder()
        .local_address(IpAddr::V4(Ipv4Addr::new(127, 0, 0, last)))
        .build()
        .unwrap()
}

async fn sign_in_status(
    app: &TestApp,
    client: &Client,
    username: &str,
    password: &str,
) -> StatusCode {
    client
        .post(app.url("/api/v1/session"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap()
        .status()
}

fn keep_defaults(_: &mut Settings) {}

on_both_backends_with! {
    keep_defaults,
    async fn thirty_concurrent_guesses_get_at_most_five_checked(app: TestApp) {
        let attacker = from_address(2);
        let burst = (0..30).map(|i| {
            let attacker = attacker.clone();
            let url = app.url("/api/v1/session");
            async move {
                attacker
                    .post(url)
                    .json(&json!({"username": ADMIN, "password": format!("guess number {i}")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            }
        });
        let statuses = join_all(burst).await;
        let checked = statuses.iter().filter(|s| **s == StatusCode::UNAUTHORIZED).count();
        let throttled = statuses.iter().filter(|s| **s == StatusCode::TOO_MANY_REQUESTS).count();
        let limit = app.settings.sign_in_limit.failures_per_address as usize;
        assert!(checked <= limit, "{checked} guesses checked: {statuses:?}");
        assert_eq!(checked + throttled, 30, "{statuses:?}");
        // The attacker's address is locked out for this username, the right password too.
        assert_eq!(sign_in_status(&app, &attacker, ADMIN, PASSWORD).await, 429);
    }
}

on_both_backends_with! {
    keep_defaults,
    async fn a_right_password_from_another_address_gets_through_a_lockout(app: TestApp) {
        let attacker = from_address(3);
        for _ in 0..app.settings.sign_in_limit.failures_per_address {
            assert_eq!(sign_in_status(&app, &attacker, ADMIN, "wrong guess").await, 401);
        }
        assert_eq!(sign_in_status(&app, &attacker, ADMIN, PASSWORD).await, 429);
        let person = from_address(4);
        assert_eq!(sign_in_status(&app, &person, ADMIN, PASSWORD).await, 200);
        // The attacker stays locked out.
        assert_eq!(sign_in_status(&app, &attacker, ADMIN, "wrong guess").await, 429);
    }
}

fn small_username_budget(settings: &mut Settings) {
    settings.sign_in_limit.failures_per_address = 3;
    settings.sign_in_limit.failures_per_username = 5;
}

on_both_backends_with! {
    small_username_budget,
    async fn a_spent_username_budget_holds_failed_addresses_but_not_a_clean_one(app: TestApp) {
        // Five failures spread over three addresses, none locked on its own.
        for (last, failures) in [(5u8, 2), (6, 2), (7, 1)] {
            let client = from_address(last);
            for _ in 0..failures {
                assert_eq!(sign_in_status(&app, &client, ADMIN, "wrong guess").await, 401);
            }
        }
        for last in [5u8, 6, 7] {
            assert_eq!(sign_in_status(&app, &from_address(last), ADMIN, PASSWORD).await, 429);
        }
        // A fresh address gets one guess.
        let fresh = from_address(8);
        assert_eq!(sign_in_status(&app, &fresh, ADMIN, "wrong guess").await, 401);
        assert_eq!(sign_in_status(&app, &fresh, ADMIN, PASSWORD).await, 429);
        // The person, from an address that has not failed, signs in.
        assert_eq!(sign_in_status(&app, &from_address(9), ADMIN, PASSWORD).await, 200);
    }
}

fn one_second_lockout(settings: &mut Settings) {
    settings.sign_in_limit.failures_per_address = 2;
    settings.sign_in_limit.lockout_seconds = 1;
}

on_both_backends_with! {
    one_second_lockout,
    async fn each_further_lockout_lasts_twice_as_long(app: TestApp) {
        let attacker = from_address(10);
        let guess = || {
            attacker
                .post(app.url("/api/v1/session"))
                .json(&json!({"username": ADMIN, "password": "wrong guess"}))
                .send()
        };
        for _ in 0..2 {
            assert_eq!(guess().await.unwrap().status(), 401);
        }
        let locked = guess().await.unwrap();
        assert_eq!(locked.headers()["retry-after"], "1");
        assert_problem(locked, 429, "rate_limited").await;
        tokio::time::sleep(Duration::from_millis(1100)).await;
        // One more guess after the lockout, then a lockout twice as long.
        assert_eq!(guess().await.unwrap().status(), 401);
        let locked = guess().await.unwrap();
        assert_eq!(locked.headers()["retry-after"], "2");
        assert_problem(locked, 429, "rate_limited").await;
    }
}

fn one_hashing_thread_no_wait(settings: &mut Settings) {
    settings.password_hashing.threads = 1;
    settings.password_hashing.wait_ms = 1;
    // The production cost, so that one hash outlasts the 1 ms wait (the harness's cheap
    // parameters finish within it).
    let production = Settings::default().password_hashing;
    settings.password_hashing.memory_kib = production.memory_kib;
    settings.password_hashing.iterations = production.iterations;
}

on_both_backends_with! {
    one_hashing_thread_no_wait,
    async fn sign_ins_beyond_the_hashing_threads_get_503_with_retry_after(app: TestApp) {
        // Each from its own address, so the limiter's in-flight budget does not hold any back.
        let burst = (0..12).map(|i| {
            from_address(20 + i)
                .post(app.url("/api/v1/session"))
                .json(&json!({"username": ADMIN, "password": PASSWORD}))
                .send()
        });
        let responses: Vec<_> = join_all(burst).await.into_iter().map(Result::unwrap).collect();
        let statuses: Vec<u16> = responses.iter().map(|r| r.status().as_u16()).collect();
        assert!(statuses.iter().all(|s| [200, 503].contains(s)), "{statuses:?}");
        assert!(statuses.contains(&200), "{statuses:?}");
        let busy = responses
            .into_iter()
            .find(|r| r.status() == StatusCode::SERVICE_UNAVAILABLE)
            .expect("one thread with no wait cannot take twelve at once");
        assert_eq!(busy.headers()["retry-after"], "1");
        assert_problem(busy, 503, "busy").await;
        // Refused for being busy is not a failed guess: the person still signs in.
        assert_eq!(sign_in_status(&app, &from_address(20), ADMIN, PASSWORD).await, 200);
    }
}
