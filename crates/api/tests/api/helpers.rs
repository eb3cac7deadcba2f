//! Starting the real application for a test, with its own database.

use std::path::PathBuf;

use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};
use tessera_api::config::Settings;
use tessera_api::startup::Application;
use tessera_api::state::AppState;
use uuid::Uuid;

pub const ADMIN: &str = "admin";
pub const PASSWORD: &str = "correct horse battery staple";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body against both backends, as two tests named `sqlite` and
/// `postgres` inside a module named after the test.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($app:ident: TestApp) $body:block) => {
        $(#[$meta])*
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::helpers::TestApp) $body

            #[tokio::test]
            async fn sqlite() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Backend::Sqlite).await).await;
            }

            #[tokio::test]
            async fn postgres() {
                run($crate::helpers::TestApp::spawn($crate::helpers::Backend::Postgres).await).await;
            }
        }
    };
}

/// The PostgreSQL server tests create their databases on.
pub fn postgres_admin_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh, empty database URL for one test.
pub async fn fresh_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
            (url, Some(dir))
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let admin_url = postgres_admin_url();
            let name = format!("tessera_test_{}", Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&admin_url)
                .await
                .expect("PostgreSQL must be reachable for the tests (TEST_POSTGRES_URL)");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            let mut url = url::Url::parse(&admin_url).unwrap();
            url.set_path(&name);
            (url.to_string(), None)
        }
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub settings: Settings,
    /// Signed in as the administrator `admin`, through the session cookie.
    pub admin: Session,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (database_url, dir) = fresh_database(backend).await;
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url,
            web_dir: PathBuf::from("/nonexistent-tessera-web"),
            ..Settings::default()
        };
        settings.log.filter = "warn".into();
        // Tests run scheduled work themselves, with the clock they choose.
        settings.jobs.interval_seconds = 0;
        adjust(&mut settings);

        let app = Application::build(settings.clone()).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        create_user_directly(app.state(), ADMIN, true).await;
        tokio::spawn(app.run_until_stopped());

        let admin = Session::sign_in(&base, ADMIN, PASSWORD).await;
        TestApp {
            backend,
            base,
            settings,
            admin,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// An anonymous client.
    pub fn anonymous(&self) -> Client {
        Client::new()
    }

    /// Creates a person through the API as the administrator and signs them in.
    pub async fn person(&self, username: &str) -> Session {
        self.create_user(json!({
            "username": username,
            "display_name": format!("{username} Example"),
            "email": format!("{username}@example.org"),
            "password": PASSWORD,
        }))
        .await;
        Session::sign_in(&self.base, username, PASSWORD).await
    }

    /// Creates a user through the API as the administrator; returns the created user.
    pub async fn create_user(&self, body: Value) -> Value {
        let response = self.admin.post("/api/v1/users", &body).await;
        assert_eq!(response.status(), StatusCode::CREATED, "creating {body}");
        response.json().await.unwrap()
    }

    /// Opens the same database as the server, for checks the API does not expose.
    pub async fn state(&self) -> AppState {
        AppState::open(self.settings.clone()).await.unwrap()
    }
}

async fn create_user_directly(state: &AppState, username: &str, is_admin: bool) {
    use tessera_domain::user::{NewUser, UserKind};
    use tessera_domain::{DisplayName, Email, Password, Username};
    let input = NewUser {
        username: Username::parse(username).unwrap(),
        display_name: DisplayName::parse("Ada Admin").unwrap(),
        email: Email::parse("admin@example.org").unwrap(),
        kind: UserKind::Person,
        user_type: Default::default(),
        manager_id: None,
        department: None,
        attributes: Default::default(),
        external_id: None,
        given_name: None,
        family_name: None,
        formatted_name: None,
        sponsors: Default::default(),
        password: Some(Password::parse(PASSWORD).unwrap()),
        is_admin,
    };
    tessera_api::service::users::create_user(state, None, input)
        .await
        .unwrap();
}

/// A browser-like client: a cookie jar and the CSRF header on unsafe requests.
pub struct Session {
    pub base: String,
    pub client: Client,
    pub csrf: String,
    pub me: Value,
}

impl Session {
    pub async fn sign_in(base: &str, username: &str, password: &str) -> Session {
        // The server drops a connection idle for 5 s (actix's keep-alive). A client that reuses
        // one at that moment gets `IncompleteMessage`, so it stops reusing them sooner.
        let client = Client::builder()
            .cookie_store(true)
            .pool_idle_timeout(std::time::Duration::from_secs(2))
            .build()
            .unwrap();
        let response = client
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": username, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "signing in {username}");
        let csrf = response
            .cookies()
            .find(|c| c.name() == "tessera_csrf")
            .map(|c| c.value().to_string())
            .expect("a CSRF cookie");
        let me = response.json().await.unwrap();
        Session {
            base: base.to_string(),
            client,
            csrf,
            me,
        }
    }

    pub fn id(&self) -> String {
        self.me["id"].as_str().unwrap().to_string()
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .header("X-CSRF-Token", &self.csrf);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Response {
        self.send(Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: &Value) -> Response {
        self.send(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(Method::DELETE, path, None).await
    }

    pub async fn put(&self, path: &str) -> Response {
        self.send(Method::PUT, path, None).await
    }

    /// Posts `body` as is, with `content_type`.
    pub async fn post_raw(&self, path: &str, content_type: &str, body: &str) -> Response {
        self.client
            .post(format!("{}{}", self.base, path))
            .header("X-CSRF-Token", &self.csrf)
            .header("Content-Type", content_type)
            .body(body.to_string())
            .send()
            .await
            .unwrap()
    }
}

/// A client that authenticates with an API token.
pub struct Bearer {
    pub base: String,
    pub client: Client,
    pub token: String,
}

impl Bearer {
    pub fn new(base: &str, token: &str) -> Bearer {
        Bearer {
            base: base.to_string(),
            client: Client::new(),
            token: token.to_string(),
        }
    }

    pub async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Response {
        let mut request = self
            .client
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            request = request.json(body);
        }
        request.send().await.unwrap()
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(Method::GET, path, None).await
    }
}

/// Asserts that `response` is a problem with `status` and `code`, and returns it.
pub async fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    assert_eq!(response.status().as_u16(), status, "status");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/problem+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], code, "problem: {body}");
    assert_eq!(body["status"], status);
    assert!(body["type"].as_str().unwrap().ends_with(code));
    body
}

/// The `field` of each entry of a problem's `errors`.
pub fn problem_fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}
