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

/// A database with every migration applied, for one test: a copy of a template database that
/// was migrated once for this set of migrations (see [`template`]), instead of running every
/// migration again for each test.
pub async fn migrated_database(backend: Backend) -> (String, Option<tempfile::TempDir>) {
    match backend {
        Backend::Sqlite => {
            let template = template::sqlite().await;
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("tessera.db");
            std::fs::copy(template, &path).unwrap();
            (format!("sqlite://{}", path.display()), Some(dir))
        }
        Backend::Postgres => {
            let template = template::postgres().await;
            let name = format!("tessera_test_{}", Uuid::new_v4().simple());
            template::clone_postgres(template, &name).await;
            let mut url = url::Url::parse(&postgres_admin_url()).unwrap();
            url.set_path(&name);
            (url.to_string(), None)
        }
    }
}

/// Template databases: migrated once per set of migrations and copied for each test.
///
/// A template is named after a hash of the migrations the server embeds
/// (`tessera_api::store::migrator`), so a branch with other migrations gets its own, and a
/// changed migration a new one. It is built under a temporary name and renamed when complete,
/// so a run that dies half-way leaves no half-migrated template behind. Templates of other
/// migration sets unused for a day are dropped (PostgreSQL) or deleted (SQLite).
pub mod template {
    use std::path::{Path, PathBuf};
    use std::time::{Duration, SystemTime, UNIX_EPOCH};

    use sha2::{Digest, Sha256};
    use sqlx::Connection;
    use tessera_api::store::{self, Db};
    use tokio::sync::OnceCell;
    use uuid::Uuid;

    use super::{Backend, postgres_admin_url};

    /// Templates of other migration sets left alone for this long are removed.
    const UNUSED_FOR: Duration = Duration::from_secs(24 * 60 * 60);
    /// The PostgreSQL advisory lock that one test process at a time holds while it looks for,
    /// builds or cleans up templates.
    const LOCK_KEY: i64 = 0x7465_7373_6572_6101;

    /// Sixteen hex digits of a hash of every migration's version and checksum.
    pub fn migrations_key(backend: Backend) -> String {
        let migrator = store::migrator(match backend {
            Backend::Sqlite => store::Backend::Sqlite,
            Backend::Postgres => store::Backend::Postgres,
        });
        let mut hash = Sha256::new();
        for migration in migrator.iter() {
            hash.update(migration.version.to_le_bytes());
            hash.update(migration.migration_type.label().as_bytes());
            hash.update(&*migration.checksum);
        }
        hex::encode(&hash.finalize()[..8])
    }

    fn now_secs() -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64)
    }

    /// The SQLite template file of this run's migrations, built on first use.
    pub async fn sqlite() -> &'static Path {
        static TEMPLATE: OnceCell<PathBuf> = OnceCell::const_new();
        TEMPLATE.get_or_init(build_sqlite).await
    }

    async fn build_sqlite() -> PathBuf {
        let dir = std::env::temp_dir();
        let key = migrations_key(Backend::Sqlite);
        let path = dir.join(format!("tessera-test-template-{key}.db"));
        if !path.is_file() {
            // Migrated in a directory of its own, then copied out whole with VACUUM INTO (no
            // write-ahead log left behind) and renamed into place: other processes see either
            // no template or a complete one.
            let work = tempfile::tempdir_in(&dir).unwrap();
            let db = Db::connect(&format!("sqlite://{}", work.path().join("t.db").display()))
                .await
                .unwrap();
            db.migrate().await.unwrap();
            let copy = work.path().join("template.db");
            let Db::Sqlite(pools) = &db else {
                unreachable!("a sqlite: URL opens SQLite")
            };
            sqlx::query("VACUUM INTO ?")
                .bind(copy.display().to_string())
                .execute(pools.writer())
                .await
                .unwrap();
            db.close().await;
            std::fs::rename(&copy, &path).unwrap();
        }
        // Marks it used (its modification time), and removes other sets' unused templates.
        if let Ok(file) = std::fs::File::options().append(true).open(&path) {
            let _ = file.set_modified(SystemTime::now());
        }
        let ours = path.file_name().map(|n| n.to_os_string());
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let name = entry.file_name();
            let stale = entry
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|modified| modified.elapsed().ok())
                .is_some_and(|age| age > UNUSED_FOR);
            if Some(&name) != ours.as_ref()
                && name.to_string_lossy().starts_with("tessera-test-template-")
                && stale
            {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        path
    }

    /// The name of the PostgreSQL template database of this run's migrations, built on first
    /// use.
    pub async fn postgres() -> &'static str {
        static TEMPLATE: OnceCell<String> = OnceCell::const_new();
        TEMPLATE.get_or_init(build_postgres).await
    }

    async fn admin_connection() -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&postgres_admin_url())
            .await
            .expect("PostgreSQL must be reachable for the tests (TEST_POSTGRES_URL)")
    }

    /// Runs `sql` (a statement on a database), retrying while PostgreSQL says the database is
    /// still in use: a connection that was just closed can linger for a moment on the server.
    async fn execute_when_free(conn: &mut sqlx::PgConnection, sql: &str) {
        let mut tries = 0;
        loop {
            match sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
                .execute(&mut *conn)
                .await
            {
                Ok(_) => return,
                Err(sqlx::Error::Database(err))
                    if err.code().as_deref() == Some("55006") && tries < 200 =>
                {
                    tries += 1;
                    tokio::time::sleep(Duration::from_millis(25)).await;
                }
                Err(err) => panic!("{sql}: {err}"),
            }
        }
    }

    async fn build_postgres() -> String {
        let key = migrations_key(Backend::Postgres);
        let name = format!("tessera_template_{key}");
        let mut admin = admin_connection().await;
        // One process at a time looks for, builds and cleans up templates; tests of the same
        // process wait on the OnceCell.
        sqlx::query("SELECT pg_advisory_lock($1)")
            .bind(LOCK_KEY)
            .execute(&mut admin)
            .await
            .unwrap();
        let exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)")
                .bind(&name)
                .fetch_one(&mut admin)
                .await
                .unwrap();
        if !exists {
            let building = format!("tessera_template_building_{}", Uuid::new_v4().simple());
            execute_when_free(&mut admin, &format!("CREATE DATABASE {building}")).await;
            let mut url = url::Url::parse(&postgres_admin_url()).unwrap();
            url.set_path(&building);
            let db = Db::connect(url.as_str()).await.unwrap();
            db.migrate().await.unwrap();
            db.close().await;
            execute_when_free(
                &mut admin,
                &format!("ALTER DATABASE {building} RENAME TO {name}"),
            )
            .await;
        }
        // The comment records the last use, for the clean-up below in later runs.
        execute_when_free(
            &mut admin,
            &format!(
                "COMMENT ON DATABASE {name} IS 'tessera test template, used {}'",
                now_secs()
            ),
        )
        .await;
        let others: Vec<(String, Option<String>)> = sqlx::query_as(
            "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database \
             WHERE datname LIKE 'tessera\\_template\\_%' AND datname <> $1",
        )
        .bind(&name)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        for (other, comment) in others {
            let used = comment
                .as_deref()
                .and_then(|c| c.rsplit(' ').next())
                .and_then(|secs| secs.parse::<i64>().ok())
                .unwrap_or(0);
            // A building database is only ever left by a run that died: builders hold the lock.
            if other.starts_with("tessera_template_building_")
                || now_secs() - used > UNUSED_FOR.as_secs() as i64
            {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {other}"
                )))
                .execute(&mut admin)
                .await;
            }
        }
        // Tests do not drop their databases (the server is still running when a test ends), so
        // each run drops those that earlier runs left a day ago or more. Their age is their
        // directory's (readable by superusers; without that right, nothing is dropped).
        let leftovers: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'tessera\\_test\\_%' \
             AND (pg_stat_file('base/' || oid || '/PG_VERSION')).modification \
                 < now() - interval '1 day'",
        )
        .fetch_all(&mut admin)
        .await
        .unwrap_or_default();
        for leftover in leftovers {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {leftover}"
            )))
            .execute(&mut admin)
            .await;
        }
        sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(LOCK_KEY)
            .execute(&mut admin)
            .await
            .unwrap();
        let _ = admin.close().await;
        name
    }

    /// Creates the database `name` as a copy of `template`.
    pub async fn clone_postgres(template: &str, name: &str) {
        let mut admin = admin_connection().await;
        execute_when_free(
            &mut admin,
            &format!("CREATE DATABASE {name} TEMPLATE {template}"),
        )
        .await;
        let _ = admin.close().await;
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub base: String,
    pub settings: Settings,
    /// Signed in as the administrator `admin`, through the session cookie.
    pub admin: Session,
    /// `http://127.0.0.1:PORT` of the metrics address, when `metrics.listen` is set.
    pub metrics_base: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        Self::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
        let (database_url, dir) = migrated_database(backend).await;
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url,
            web_dir: PathBuf::from("/nonexistent-tessera-web"),
            ..Settings::default()
        };
        settings.log.filter = "warn".into();
        // Tests run scheduled work themselves, with the clock they choose.
        settings.jobs.interval_seconds = 0;
        // Argon2's smallest cost: every test signs people in, and the production parameters
        // (tested in auth::password) would spend most of a test's time hashing.
        settings.password_hashing.memory_kib = 8;
        settings.password_hashing.iterations = 1;
        adjust(&mut settings);

        let app = Application::build(settings.clone()).await.unwrap();
        let base = format!("http://127.0.0.1:{}", app.port());
        let metrics_base = app
            .metrics_port()
            .map(|port| format!("http://127.0.0.1:{port}"));
        create_user_directly(app.state(), ADMIN, true).await;
        tokio::spawn(app.run_until_stopped());

        let admin = Session::sign_in(&base, ADMIN, PASSWORD).await;
        TestApp {
            backend,
            base,
            settings,
            admin,
            metrics_base,
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
