//! Provisioning throughput to LDAP, against the same membership changes applied with
//! `ldapmodify` directly. The bench starts its own OpenLDAP (`slapd`, the tests' harness in
//! `tests/api/slapd.rs`) on a free loopback port, then for each backend starts the real server
//! in-process on a fresh database (its workers off), and builds through the API: an LDAP
//! connector, `TESSERA_BENCH_LDAP_GROUPS` groups bound to `groupOfNames` entries, a package
//! granting them all, and one direct assignment per person, so that the outbox holds one `add`
//! per person and group. The provisioning worker's rounds (`service::provisioning::deliver_due`,
//! as every replica runs them) are then timed until the outbox is empty. The very same
//! changes, to a second set of groups, are written as one LDIF file and applied with one
//! `ldapmodify` run, timed too; both sets of groups are read back with `ldapsearch` and must
//! hold the same members.
//!
//! The worker does per change what an outbox must: claim the operation (a database write),
//! find the person's DN (a search), modify the group, record the outcome (a database write).
//! `ldapmodify` is given the DNs and streams the modifies over one connection.
//!
//! A benchmark, not a timed test: nothing fails on a slow number. `scripts/bench.sh ldap`
//! runs it. Sizes: `TESSERA_BENCH_LDAP_CHANGES` (10,000 membership changes),
//! `TESSERA_BENCH_LDAP_GROUPS` (10; people = changes / groups), `TESSERA_BENCH_BACKENDS`
//! (sqlite,postgres). The table goes to standard output and to `target/bench/ldap.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../tests/api/slapd.rs"]
mod slapd;

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
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

use slapd::{GROUPS, PEOPLE, ROOT_DN, ROOT_PASSWORD, Slapd};

struct Config {
    changes: usize,
    groups: usize,
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
        let groups = number("TESSERA_BENCH_LDAP_GROUPS", 10).max(1);
        Config {
            changes: number("TESSERA_BENCH_LDAP_CHANGES", 10_000).max(groups),
            groups,
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

    fn people(&self) -> usize {
        self.changes / self.groups
    }
}

fn uid(i: usize) -> String {
    format!("bench{i:06}")
}

/// A fresh, empty database of `backend`, and what removes it.
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

/// The running server (no workers: the bench runs the rounds) and an administrator's token.
struct Server {
    base: String,
    token: String,
    /// The bench's own handle on the database, for the worker rounds and the accounts.
    state: AppState,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(database_url: &str) -> Server {
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: database_url.to_string(),
            web_dir: PathBuf::from("/nonexistent-tessera-web"),
            ..Settings::default()
        };
        settings.log.filter = "warn".into();
        settings.jobs.interval_seconds = 0;
        let app = Application::build(settings.clone()).await.unwrap();
        let state = AppState::open(settings).await.unwrap();
        let admin = account(&state, "bench-admin", true).await;
        let proof = authz::operator_may_manage_tokens_of(UserId::from_uuid(admin));
        let input = NewToken {
            name: TokenName::parse("bench").unwrap(),
            expires_in_days: TokenLifetimeDays::DEFAULT,
        };
        let token = service::tokens::create_token(&proof, &state, None, input)
            .await
            .unwrap()
            .secret;
        let base = format!("http://127.0.0.1:{}", app.port());
        let task = tokio::spawn(app.run_until_stopped());
        Server {
            base,
            token,
            state,
            task,
        }
    }

    async fn post(&self, client: &Client, path: &str, body: Value) -> Value {
        let response = client
            .post(format!("{}/api/v1{path}", self.base))
            .bearer_auth(&self.token)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "{path}: {status} {text}");
        serde_json::from_str(&text).unwrap_or(Value::Null)
    }
}

async fn account(state: &AppState, name: &str, is_admin: bool) -> Uuid {
    let input: NewUser = serde_json::from_value(json!({
        "username": name,
        "email": format!("{name}@example.org"),
        "display_name": name,
        "kind": "person",
        "is_admin": is_admin,
    }))
    .unwrap();
    *service::users::create_user(state, None, input)
        .await
        .unwrap()
        .id
        .as_uuid()
}

fn id(value: &Value) -> String {
    value["id"].as_str().unwrap().to_string()
}

/// The directory's side: the people once, and `groupOfNames` entries named `prefix-<g>`.
fn ldap_groups(slapd: &Slapd, prefix: &str, groups: usize) -> Vec<String> {
    let mut ldif = String::new();
    let mut dns = Vec::new();
    for g in 0..groups {
        let dn = format!("cn={prefix}-{g},{GROUPS}");
        writeln!(
            ldif,
            "dn: {dn}\nobjectClass: groupOfNames\ncn: {prefix}-{g}\nmember: {ROOT_DN}\n"
        )
        .unwrap();
        dns.push(dn);
    }
    slapd.add(&ldif);
    dns
}

/// Builds the connector, its bindings, the package and the assignments through the API, so
/// that the outbox holds one `add` per person and group.
async fn queue_changes(config: &Config, server: &Server, slapd: &Slapd, targets: &[String]) {
    let client = Client::new();
    let connector = server
        .post(
            &client,
            "/connectors",
            json!({
                "name": "Bench directory",
                "settings": {
                    "kind": "ldap",
                    "url": slapd.url(),
                    "bind_dn": ROOT_DN,
                    "users_base_dn": PEOPLE,
                    "match_attribute": "uid",
                    "match_by": "username",
                    "membership": "member",
                },
                "secret": ROOT_PASSWORD,
            }),
        )
        .await;
    let connector = id(&connector);
    let catalog = id(&server
        .post(&client, "/catalogs", json!({"name": "Bench catalog"}))
        .await);
    let package = id(&server
        .post(
            &client,
            &format!("/catalogs/{catalog}/access-packages"),
            json!({"name": "Bench package"}),
        )
        .await);
    for (g, target) in targets.iter().enumerate() {
        let group = id(&server
            .post(
                &client,
                "/groups",
                json!({"name": format!("Bench group {g}")}),
            )
            .await);
        server
            .post(
                &client,
                &format!("/catalogs/{catalog}/resources"),
                json!({"kind": "group", "id": group}),
            )
            .await;
        server
            .post(
                &client,
                &format!("/access-packages/{package}/resource-roles"),
                json!({"kind": "group_member", "group_id": group}),
            )
            .await;
        server
            .post(
                &client,
                &format!("/connectors/{connector}/bindings"),
                json!({"group_id": group, "target": target}),
            )
            .await;
    }
    let policy = id(&server
        .post(
            &client,
            &format!("/access-packages/{package}/policies"),
            json!({
                "name": "Direct",
                "who_can_request": {"type": "all_members"},
                "approval": {"type": "none"},
                "lifecycle": {"expiry": {"type": "never"}},
            }),
        )
        .await);
    let state = &server.state;
    let mut people = Vec::with_capacity(config.people());
    for i in 0..config.people() {
        people.push(account(state, &uid(i), false).await);
    }
    stream::iter(people)
        .map(|user| {
            let (client, package, policy) = (client.clone(), package.clone(), policy.clone());
            async move {
                server
                    .post(
                        &client,
                        &format!("/access-packages/{package}/assignments"),
                        json!({"policy_id": policy, "user_id": user}),
                    )
                    .await;
            }
        })
        .buffer_unordered(4)
        .collect::<Vec<()>>()
        .await;
}

/// Runs worker rounds until the outbox is empty; returns the time and the changes pushed.
async fn drain(state: &AppState) -> (Duration, usize) {
    let started = Instant::now();
    let mut pushed = 0;
    loop {
        let done = service::provisioning::deliver_due(state).await.unwrap();
        if done == 0 {
            break;
        }
        pushed += done;
    }
    (started.elapsed(), pushed)
}

/// The same changes, in the same order, as one `ldapmodify` run over one connection.
fn apply_with_ldapmodify(config: &Config, slapd: &Slapd, targets: &[String]) -> Duration {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("changes.ldif");
    let mut ldif = String::new();
    for i in 0..config.people() {
        for target in targets {
            writeln!(
                ldif,
                "dn: {target}\nchangetype: modify\nadd: member\nmember: uid={},{PEOPLE}\n-\n",
                uid(i)
            )
            .unwrap();
        }
    }
    std::fs::write(&file, ldif).unwrap();
    let started = Instant::now();
    let out = Command::new("ldapmodify")
        .args([
            "-x",
            "-H",
            &slapd.url(),
            "-D",
            ROOT_DN,
            "-w",
            ROOT_PASSWORD,
            "-f",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(
        out.status.success(),
        "ldapmodify: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

fn main() {
    let config = Config::from_env();
    let people = config.people();
    let changes = people * config.groups;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    eprintln!("== slapd");
    let slapd = Slapd::start();
    let mut ldif = String::new();
    for i in 0..people {
        let uid = uid(i);
        writeln!(
            ldif,
            "dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
        )
        .unwrap();
    }
    slapd.add(&ldif);
    let mut report = format!(
        "# Provisioning to LDAP\n\n{changes} membership changes ({people} people added to {} \
         `groupOfNames` groups) on OpenLDAP started by the bench on loopback; {} CPU cores. \
         Tessera: the provisioning worker's rounds draining the outbox (claim, find the \
         person's DN, modify, record; one bound connection kept per round). `ldapmodify`: the \
         same changes as one LDIF file over one connection, in the same run.\n\n\
         | backend | Tessera | Tessera changes/s | ldapmodify | ldapmodify changes/s | Tessera / ldapmodify (time) |\n\
         |---|---|---|---|---|---|\n",
        config.groups,
        std::thread::available_parallelism().map_or(1, usize::from)
    );
    for backend in &config.backends {
        let tessera_targets = ldap_groups(&slapd, &format!("tessera-{backend}"), config.groups);
        let direct_targets = ldap_groups(&slapd, &format!("direct-{backend}"), config.groups);
        let (tessera, pushed) = runtime.block_on(async {
            eprintln!("== {backend}: setting up {changes} changes through the API");
            let database = Database::fresh(&config, backend).await;
            let server = Server::start(&database.url).await;
            queue_changes(&config, &server, &slapd, &tessera_targets).await;
            eprintln!("== {backend}: provisioning");
            let out = drain(&server.state).await;
            server.task.abort();
            database.drop_postgres().await;
            out
        });
        assert_eq!(pushed, changes, "every change pushed once");
        eprintln!("== {backend}: ldapmodify");
        let direct = apply_with_ldapmodify(&config, &slapd, &direct_targets);
        for (ours, theirs) in tessera_targets.iter().zip(&direct_targets) {
            let mut ours = slapd.values(ours, "member");
            let mut theirs = slapd.values(theirs, "member");
            ours.sort();
            theirs.sort();
            assert_eq!(ours.len(), people + 1, "the root DN and every person");
            assert_eq!(ours, theirs, "both ways built the same group");
        }
        let rate = |took: Duration| changes as f64 / took.as_secs_f64();
        writeln!(
            report,
            "| {backend} | {:.1} s | {:.0} | {:.2} s | {:.0} | {:.1} |",
            tessera.as_secs_f64(),
            rate(tessera),
            direct.as_secs_f64(),
            rate(direct),
            tessera.as_secs_f64() / direct.as_secs_f64()
        )
        .unwrap();
    }
    slapd.stop();
    println!("{report}");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("ldap.md"), &report).unwrap();
}
