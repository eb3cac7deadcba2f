//! An initial SCIM sync at scale, against the same directory imported from CSV. For each
//! backend this starts the real server in-process on a fresh database, then plays an identity
//! provider's first provisioning cycle over `/scim/v2`: for every user a lookup by `userName`
//! (as Microsoft Entra ID does before it creates) and a POST; then every group is created and
//! its members added by PATCH in batches. A second fresh database gets the very same people,
//! groups and memberships as one CSV file through `POST /api/v1/directory/imports`, and the
//! two times are printed side by side with their ratio.
//!
//! A benchmark, not a timed test: nothing fails on a slow number. `scripts/bench.sh scim` runs
//! it. Sizes: `TESSERA_BENCH_SCIM_USERS` (10,000), `TESSERA_BENCH_SCIM_GROUPS` (500),
//! `TESSERA_BENCH_SCIM_MEMBERSHIPS` (50,000), `TESSERA_BENCH_SCIM_CLIENTS` (8 concurrent
//! requests), `TESSERA_BENCH_SCIM_BATCH` (50 members per PATCH), `TESSERA_BENCH_BACKENDS`
//! (sqlite,postgres). The table goes to standard output and to `target/bench/scim.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use futures_util::stream;
use reqwest::Client;
use serde_json::{Value, json};
use tessera_api::auth::authz;
use tessera_api::config::Settings;
use tessera_api::service;
use tessera_api::startup::Application;
use tessera_api::state::AppState;
use tessera_domain::UserId;
use tessera_domain::token::{NewToken, TokenLifetimeDays, TokenName};
use tessera_domain::user::NewUser;
use uuid::Uuid;

const SCIM_JSON: &str = "application/scim+json";

struct Config {
    users: usize,
    groups: usize,
    memberships: usize,
    clients: usize,
    batch: usize,
    backends: Vec<String>,
    postgres_url: String,
}

impl Config {
    fn from_env() -> Self {
        let number = |name: &str, default: usize| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(default)
        };
        Config {
            users: number("TESSERA_BENCH_SCIM_USERS", 10_000).max(1),
            groups: number("TESSERA_BENCH_SCIM_GROUPS", 500).max(1),
            memberships: number("TESSERA_BENCH_SCIM_MEMBERSHIPS", 50_000),
            clients: number("TESSERA_BENCH_SCIM_CLIENTS", 8).max(1),
            batch: number("TESSERA_BENCH_SCIM_BATCH", 50).max(1),
            backends: std::env::var("TESSERA_BENCH_BACKENDS")
                .unwrap_or_else(|_| "sqlite,postgres".into())
                .split(',')
                .map(|b| b.trim().to_lowercase())
                .filter(|b| !b.is_empty())
                .collect(),
            postgres_url: std::env::var("TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
        }
    }

    /// Group `g`'s members as user numbers: memberships spread evenly, no duplicates.
    fn members_of(&self, g: usize) -> Vec<usize> {
        let per_group = self.memberships / self.groups;
        let extra = usize::from(g < self.memberships % self.groups);
        let count = (per_group + extra).min(self.users);
        (0..count).map(|k| (g * 7919 + k) % self.users).collect()
    }
}

fn username(i: usize) -> String {
    format!("user{i:06}@example.org")
}

fn group_name(g: usize) -> String {
    format!("Team {g:04}")
}

/// A fresh, empty database of `backend`, and a guard that removes it.
struct Database {
    url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<(String, String)>,
}

impl Database {
    async fn fresh(config: &Config, backend: &str) -> Database {
        if backend == "sqlite" {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
            return Database {
                url,
                _dir: Some(dir),
                postgres: None,
            };
        }
        use sqlx::Connection;
        let name = format!("tessera_bench_{}", Uuid::new_v4().simple());
        let mut conn = sqlx::PgConnection::connect(&config.postgres_url)
            .await
            .expect("PostgreSQL must be reachable (TEST_POSTGRES_URL)");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap();
        let mut url = url::Url::parse(&config.postgres_url).unwrap();
        url.set_path(&name);
        Database {
            url: url.to_string(),
            _dir: None,
            postgres: Some((config.postgres_url.clone(), name)),
        }
    }

    async fn drop_postgres(self) {
        if let Some((admin_url, name)) = self.postgres {
            use sqlx::Connection;
            let mut conn = sqlx::PgConnection::connect(&admin_url).await.unwrap();
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut conn)
            .await
            .unwrap();
        }
    }
}

/// A running server with an administrator's and a provisioning account's API tokens.
struct Server {
    base: String,
    admin_token: String,
    scim_token: String,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

async fn start(database_url: &str) -> Server {
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: database_url.to_string(),
        web_dir: PathBuf::from("/nonexistent-tessera-web"),
        max_body_bytes: 64 * 1024 * 1024,
        ..Settings::default()
    };
    settings.log.filter = "warn".into();
    settings.jobs.interval_seconds = 0;
    let app = Application::build(settings).await.unwrap();
    let state = app.state();
    let admin = account(state, "bench-admin", "person", true).await;
    let scim = account(state, "bench-scim", "service_account", false).await;
    let admin_token = token(state, admin).await;
    let scim_token = token(state, scim).await;
    let base = format!("http://127.0.0.1:{}", app.port());
    let task = tokio::spawn(app.run_until_stopped());
    let response = Client::new()
        .put(format!("{base}/api/v1/provisioners/{scim}"))
        .bearer_auth(&admin_token)
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "granting the provisioner role: {}",
        response.status()
    );
    Server {
        base,
        admin_token,
        scim_token,
        task,
    }
}

async fn account(state: &AppState, name: &str, kind: &str, is_admin: bool) -> Uuid {
    let input: NewUser = serde_json::from_value(json!({
        "username": name,
        "email": format!("{name}@example.org"),
        "display_name": name,
        "kind": kind,
        "is_admin": is_admin,
    }))
    .unwrap();
    let view = service::users::create_user(state, None, input)
        .await
        .unwrap();
    *view.id.as_uuid()
}

async fn token(state: &AppState, owner: Uuid) -> String {
    let proof = authz::operator_may_manage_tokens_of(UserId::from_uuid(owner));
    let input = NewToken {
        name: TokenName::parse("bench").unwrap(),
        expires_in_days: TokenLifetimeDays::DEFAULT,
    };
    service::tokens::create_token(&proof, state, None, input)
        .await
        .unwrap()
        .secret
}

/// Runs `make(0..count)` with at most `clients` in flight and collects what they return.
async fn send_all<F, Fut>(clients: usize, count: usize, make: F) -> Vec<Value>
where
    F: Fn(usize) -> Fut,
    Fut: std::future::Future<Output = Value>,
{
    stream::iter(0..count)
        .map(make)
        .buffer_unordered(clients)
        .collect()
        .await
}

async fn scim_call(
    client: &Client,
    server: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    expected: u16,
) -> Value {
    let mut request = client
        .request(method, format!("{}/scim/v2{path}", server.base))
        .bearer_auth(&server.scim_token)
        .header("accept", SCIM_JSON);
    if let Some(body) = body {
        request = request
            .header("content-type", SCIM_JSON)
            .body(body.to_string());
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(status, expected, "{path}: {text}");
    if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap()
    }
}

/// Entra ID's first cycle: look every user up, create the missing ones, then the groups and
/// their members in batches. Returns the time of the two phases.
async fn sync_by_scim(config: &Config, server: &Server) -> (Duration, Duration) {
    let client = Client::new();
    let started = Instant::now();
    let ids = send_all(config.clients, config.users, |i| {
        let client = client.clone();
        async move {
            let filter = format!("userName eq \"{}\"", username(i));
            let found = scim_call(
                &client,
                server,
                reqwest::Method::GET,
                &format!("/Users?filter={}", urlencode(&filter)),
                None,
                200,
            )
            .await;
            assert_eq!(found["totalResults"], 0);
            let created = scim_call(
                &client,
                server,
                reqwest::Method::POST,
                "/Users",
                Some(json!({
                    "schemas": [
                        "urn:ietf:params:scim:schemas:core:2.0:User",
                        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
                    ],
                    "externalId": format!("ext-{i}"),
                    "userName": username(i),
                    "active": true,
                    "displayName": format!("User {i}"),
                    "name": {"givenName": "User", "familyName": format!("{i}")},
                    "emails": [{"primary": true, "type": "work", "value": username(i)}],
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                        "department": format!("Department {}", i % 40)
                    }
                })),
                201,
            )
            .await;
            json!([i, created["id"]])
        }
    })
    .await;
    let users_took = started.elapsed();
    let mut user_ids = vec![String::new(); config.users];
    for pair in ids {
        user_ids[pair[0].as_u64().unwrap() as usize] = pair[1].as_str().unwrap().to_string();
    }
    let user_ids = Arc::new(user_ids);

    let started = Instant::now();
    let groups = send_all(config.clients, config.groups, |g| {
        let client = client.clone();
        async move {
            let created = scim_call(
                &client,
                server,
                reqwest::Method::POST,
                "/Groups",
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                    "externalId": format!("grp-{g}"),
                    "displayName": group_name(g),
                })),
                201,
            )
            .await;
            json!([g, created["id"]])
        }
    })
    .await;
    let mut patches = Vec::new();
    for pair in groups {
        let g = pair[0].as_u64().unwrap() as usize;
        let id = pair[1].as_str().unwrap().to_string();
        for chunk in config.members_of(g).chunks(config.batch) {
            patches.push((id.clone(), chunk.to_vec()));
        }
    }
    let patches = Arc::new(patches);
    send_all(config.clients, patches.len(), |p| {
        let client = client.clone();
        let patches = patches.clone();
        let user_ids = user_ids.clone();
        async move {
            let (group, members) = &patches[p];
            let value: Vec<Value> = members
                .iter()
                .map(|&u| json!({"value": user_ids[u]}))
                .collect();
            scim_call(
                &client,
                server,
                reqwest::Method::PATCH,
                &format!("/Groups/{group}"),
                Some(json!({
                    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                    "Operations": [{"op": "Add", "path": "members", "value": value}]
                })),
                200,
            )
            .await
        }
    })
    .await;
    (users_took, started.elapsed())
}

fn urlencode(raw: &str) -> String {
    url::form_urlencoded::byte_serialize(raw.as_bytes()).collect()
}

/// The same directory as one CSV file through the import endpoint.
async fn import_csv(config: &Config, server: &Server) -> Duration {
    let mut csv = String::from("type,username,display_name,email,department,name,group\n");
    for i in 0..config.users {
        let name = username(i);
        writeln!(csv, "user,{name},User {i},{name},Department {},,", i % 40).unwrap();
    }
    for g in 0..config.groups {
        writeln!(csv, "group,,,,,{},", group_name(g)).unwrap();
    }
    for g in 0..config.groups {
        for u in config.members_of(g) {
            writeln!(csv, "membership,{},,,,,{}", username(u), group_name(g)).unwrap();
        }
    }
    let started = Instant::now();
    let response = Client::new()
        .post(format!("{}/api/v1/directory/imports", server.base))
        .bearer_auth(&server.admin_token)
        .header("content-type", "text/csv")
        .body(csv)
        .timeout(Duration::from_secs(3600))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    let status = response.status();
    let report: Value = response.json().await.unwrap();
    assert!(status.is_success(), "import: {report}");
    assert_eq!(
        report["rejected"].as_array().map_or(0, Vec::len),
        0,
        "import rejected rows: {report}"
    );
    took
}

/// Counts what the server holds (people, and the members of the first group), so both paths
/// are shown to have built the same directory. Through the REST API: the groups a CSV import
/// makes are Tessera's own, which SCIM does not see.
async fn count(server: &Server) -> (u64, usize) {
    let client = Client::new();
    let people = scim_call(
        &client,
        server,
        reqwest::Method::GET,
        "/Users?count=1",
        None,
        200,
    )
    .await["totalResults"]
        .as_u64()
        .unwrap();
    let get = |path: String| {
        let client = client.clone();
        async move {
            let response = client
                .get(format!("{}/api/v1{path}", server.base))
                .bearer_auth(&server.admin_token)
                .send()
                .await
                .unwrap();
            assert!(response.status().is_success(), "{path}");
            response.json::<Value>().await.unwrap()
        }
    };
    let groups = get(format!("/groups?q={}", urlencode(&group_name(0)))).await;
    let group = groups["items"][0]["id"].as_str().unwrap().to_string();
    let mut members = 0;
    let mut cursor = String::new();
    loop {
        let page = get(format!("/groups/{group}/members?limit=100{cursor}")).await;
        members += page["items"].as_array().unwrap().len();
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={}", urlencode(next)),
            None => break,
        }
    }
    (people, members)
}

fn main() {
    let config = Config::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut report = format!(
        "# Initial SCIM sync\n\n{} users, {} groups, {} memberships; {} concurrent SCIM \
         requests, {} members per PATCH; {} CPU cores. The CSV column is the same directory \
         imported as one file through `POST /api/v1/directory/imports` on a fresh database \
         in the same run.\n\n\
         | backend | SCIM users (lookup + create) | SCIM groups + members | SCIM total | CSV import | SCIM / CSV |\n\
         |---|---|---|---|---|---|\n",
        config.users,
        config.groups,
        config.memberships,
        config.clients,
        config.batch,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    for backend in &config.backends {
        let (users, groups, csv) = runtime.block_on(async {
            eprintln!("== {backend}: SCIM");
            let database = Database::fresh(&config, backend).await;
            let server = start(&database.url).await;
            let (users, groups) = sync_by_scim(&config, &server).await;
            let held = count(&server).await;
            server.task.abort();
            database.drop_postgres().await;

            eprintln!("== {backend}: CSV");
            let database = Database::fresh(&config, backend).await;
            let server = start(&database.url).await;
            let csv = import_csv(&config, &server).await;
            let held_csv = count(&server).await;
            server.task.abort();
            database.drop_postgres().await;
            assert_eq!(held, held_csv, "SCIM and CSV built different directories");
            (users, groups, csv)
        });
        let total = users + groups;
        writeln!(
            report,
            "| {backend} | {:.1} s | {:.1} s | {:.1} s | {:.1} s | {:.2} |",
            users.as_secs_f64(),
            groups.as_secs_f64(),
            total.as_secs_f64(),
            csv.as_secs_f64(),
            total.as_secs_f64() / csv.as_secs_f64()
        )
        .unwrap();
    }
    println!("{report}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("scim.md"), &report).unwrap();
}
