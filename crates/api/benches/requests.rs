//! The request paths at scale. For each backend this seeds a fresh database with 50,000 people,
//! 20,000 access packages in 20 catalogs and 300,000 delivered assignments (bulk SQL, not the
//! API), starts the real server on it in-process, and measures from several concurrent
//! clients: the "available packages" list and its search, a person's assignments, submitting
//! requests (delivered at once, or waiting for approval) and approving them. Every figure is
//! shown next to a bare baseline measured in the same run (`GET /api/v1/me`: authentication
//! plus one small query) and next to the database's raw single-row commit rate.
//!
//! A benchmark, not a timed test: nothing fails on a slow number. `scripts/bench.sh` runs it;
//! sizes come from `TESSERA_BENCH_*` variables (see [`Config::from_env`]). The tables go to
//! standard output and to `target/bench/requests.md`.
//!
//! The footprint benchmark (`benches/footprint.rs`) includes this file for its seeding: the
//! items it uses are `pub(crate)`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use reqwest::{Client, StatusCode};
use serde_json::{Value, json};
use tessera_api::config::Settings;
use tessera_api::startup::Application;
use tessera_api::store::Db;
use uuid::Uuid;

pub(crate) const PASSWORD: &str = "bench horse battery staple";
/// The most bind parameters one multi-row INSERT carries (SQLite allows 32,766).
const MAX_BINDS: usize = 30_000;

// Words that names and descriptions are made of. Systems appear in names (one package in 40
// matches one), codenames only in descriptions (about 20 packages each).
pub(crate) const SYSTEMS: &[&str] = &[
    "Ledger",
    "Payroll",
    "Vault",
    "Wiki",
    "CRM",
    "Warehouse",
    "Helpdesk",
    "Billing",
    "Analytics",
    "Badge",
    "VPN",
    "Tracker",
    "Git",
    "Build",
    "Deploy",
    "Mailroom",
    "Calendar",
    "Expense",
    "Procurement",
    "Recruiting",
    "Benefits",
    "Travel",
    "Inventory",
    "Fleet",
    "Lab",
    "Archive",
    "Contracts",
    "Compliance",
    "Treasury",
    "Tax",
    "Forecast",
    "Pricing",
    "Catalogue",
    "Support",
    "Telephony",
    "Printing",
    "Backup",
    "Monitoring",
    "Kiosk",
    "Intranet",
];
const ROLES: &[&str] = &[
    "Reader",
    "Editor",
    "Approver",
    "Administrator",
    "Auditor",
    "Operator",
    "Contributor",
    "Viewer",
    "Manager",
    "Analyst",
    "Clerk",
    "Owner",
];
pub(crate) const DEPARTMENTS: &[&str] = &[
    "Finance",
    "Sales",
    "Engineering",
    "Marketing",
    "Legal",
    "Operations",
    "Research",
    "Customer Care",
    "Security",
    "Facilities",
    "Purchasing",
    "People",
    "Logistics",
    "Design",
    "Quality",
];
const SITES: &[&str] = &[
    "Berlin", "Lisbon", "Osaka", "Toronto", "Nairobi", "Austin", "Dublin", "Madrid", "Seoul",
    "Sydney",
];
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "zu", "re", "ta", "vo", "ni", "sha", "gor", "bel", "qui", "dra", "fen",
    "mor", "pix",
];
pub(crate) const FIRST_NAMES: &[&str] = &[
    "Ada", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kemi",
    "Liam", "Maya", "Nils", "Olga", "Priya", "Quinn", "Rosa", "Sami", "Tara", "Umar", "Vera",
    "Wen", "Xavi", "Yara", "Zoe",
];
pub(crate) const LAST_NAMES: &[&str] = &[
    "Adler", "Brandt", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hughes", "Ito",
    "Jensen", "Kowalski", "Lopez", "Moreau", "Novak", "Okafor", "Park", "Quist", "Rossi",
    "Schmidt", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zimmer",
];

// ---------------------------------------------------------------------------------------------
// Configuration

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

pub(crate) struct Config {
    pub(crate) users: usize,
    pub(crate) packages: usize,
    pub(crate) assignments: usize,
    pub(crate) catalogs: usize,
    pub(crate) groups: usize,
    pub(crate) approvers: usize,
    pub(crate) concurrency: usize,
    pub(crate) read_ops: usize,
    pub(crate) write_ops: usize,
    pub(crate) commit_ops: usize,
    pub(crate) max_seconds: u64,
    pub(crate) backends: Vec<Backend>,
    pub(crate) keep: bool,
    pub(crate) postgres_url: String,
    /// Settings of the PostgreSQL database, such as `jit=off`, to compare configurations.
    pub(crate) postgres_settings: Vec<(String, String)>,
}

fn env_usize(name: &str, default: usize) -> usize {
    match std::env::var(name) {
        Ok(raw) => raw
            .trim()
            .replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{name} must be a whole number, not {raw:?}")),
        Err(_) => default,
    }
}

impl Config {
    /// Sizes and limits, each overridable:
    ///
    /// | variable | default | |
    /// |---|---|---|
    /// | `TESSERA_BENCH_USERS` | 50000 | people, the administrator, approvers and requesters included |
    /// | `TESSERA_BENCH_PACKAGES` | 20000 | access packages, one resource role and one policy each |
    /// | `TESSERA_BENCH_ASSIGNMENTS` | 300000 | delivered assignments |
    /// | `TESSERA_BENCH_CATALOGS` | 20 | |
    /// | `TESSERA_BENCH_GROUPS` | 400 | every person is a member of one |
    /// | `TESSERA_BENCH_APPROVERS` | 50 | people who approve the approval packages |
    /// | `TESSERA_BENCH_CONCURRENCY` | 8 | concurrent clients, each its own signed-in person |
    /// | `TESSERA_BENCH_READ_OPS` | 2000 | operations per read measurement |
    /// | `TESSERA_BENCH_WRITE_OPS` | 1000 | submissions of each kind, and approvals |
    /// | `TESSERA_BENCH_COMMIT_OPS` | 2000 | raw commits per commit measurement |
    /// | `TESSERA_BENCH_MAX_SECONDS` | 20 | a measurement stops early after this long |
    /// | `TESSERA_BENCH_BACKENDS` | sqlite,postgres | |
    /// | `TESSERA_BENCH_KEEP` | unset | `1` keeps the databases for EXPLAIN and prints where |
    /// | `TESSERA_BENCH_PG_SETTINGS` | unset | e.g. `jit=off`: `ALTER DATABASE … SET` before start |
    /// | `TEST_POSTGRES_URL` | postgres://postgres@127.0.0.1:5432/postgres | where databases are created |
    pub(crate) fn from_env() -> Config {
        let backends = std::env::var("TESSERA_BENCH_BACKENDS")
            .unwrap_or_else(|_| "sqlite,postgres".into())
            .split(',')
            .map(|name| match name.trim().to_lowercase().as_str() {
                "sqlite" => Backend::Sqlite,
                "postgres" | "postgresql" => Backend::Postgres,
                other => panic!("TESSERA_BENCH_BACKENDS: unknown backend {other:?}"),
            })
            .collect();
        let approvers = env_usize("TESSERA_BENCH_APPROVERS", 50).max(1);
        let concurrency = env_usize("TESSERA_BENCH_CONCURRENCY", 8).max(1);
        let catalogs = env_usize("TESSERA_BENCH_CATALOGS", 20).max(1);
        let groups = env_usize("TESSERA_BENCH_GROUPS", 400).max(catalogs) / catalogs * catalogs;
        let users = env_usize("TESSERA_BENCH_USERS", 50_000).max(1 + approvers + concurrency + 1);
        let packages = env_usize("TESSERA_BENCH_PACKAGES", 20_000).max(catalogs);
        let assignments = env_usize("TESSERA_BENCH_ASSIGNMENTS", 300_000).min(users * packages / 2);
        Config {
            users,
            packages,
            assignments,
            catalogs,
            groups,
            approvers,
            concurrency,
            read_ops: env_usize("TESSERA_BENCH_READ_OPS", 2000).max(1),
            write_ops: env_usize("TESSERA_BENCH_WRITE_OPS", 1000).max(1),
            commit_ops: env_usize("TESSERA_BENCH_COMMIT_OPS", 2000).max(1),
            max_seconds: env_usize("TESSERA_BENCH_MAX_SECONDS", 20).max(1) as u64,
            backends,
            keep: std::env::var("TESSERA_BENCH_KEEP").is_ok_and(|v| v == "1"),
            postgres_url: std::env::var("TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into()),
            postgres_settings: std::env::var("TESSERA_BENCH_PG_SETTINGS")
                .unwrap_or_default()
                .split(',')
                .filter(|pair| !pair.trim().is_empty())
                .map(|pair| {
                    let plain = |s: &str| {
                        !s.is_empty()
                            && s.chars()
                                .all(|c| c.is_ascii_alphanumeric() || "_.".contains(c))
                    };
                    match pair.split_once('=') {
                        Some((key, value)) if plain(key.trim()) && plain(value.trim()) => {
                            (key.trim().to_string(), value.trim().to_string())
                        }
                        _ => panic!("TESSERA_BENCH_PG_SETTINGS: {pair:?} is not name=value"),
                    }
                })
                .collect(),
        }
    }

    pub(crate) fn max_duration(&self) -> Duration {
        Duration::from_secs(self.max_seconds)
    }
}

// ---------------------------------------------------------------------------------------------
// Bulk SQL

/// Runs `$body` with `$pool` bound to the concrete pool of `$db` that writes (SQLite's writer
/// connection): the seeding writes, and its few reads may wait their turn.
macro_rules! on_pool {
    ($db:expr, $pool:ident => $body:expr) => {
        match $db {
            Db::Sqlite(pools) => {
                let $pool = pools.writer();
                $body
            }
            Db::Postgres($pool) => $body,
        }
    };
}

/// One value of a row to insert.
enum Cell {
    Id(Uuid),
    OptId(Option<Uuid>),
    Text(String),
    OptText(Option<String>),
    Bool(bool),
    Time(DateTime<Utc>),
    OptTime(Option<DateTime<Utc>>),
    Int(i64),
}

fn builder<DB: sqlx::Database>(_: &sqlx::Pool<DB>, init: String) -> sqlx::QueryBuilder<DB>
where
    DB::Arguments: Default,
{
    sqlx::QueryBuilder::new(init)
}

/// Inserts `count` rows made by `row` into `table`, as multi-row INSERTs in one transaction.
async fn insert_rows(
    db: &Db,
    table: &str,
    columns: &[&str],
    count: usize,
    mut row: impl FnMut(usize) -> Vec<Cell>,
) {
    let per_statement = (MAX_BINDS / columns.len()).max(1);
    let head = format!("INSERT INTO {table} ({}) ", columns.join(", "));
    let fail = |err: sqlx::Error| -> ! { panic!("inserting into {table}: {err}") };
    on_pool!(db, pool => {
        let mut tx = pool.begin().await.unwrap_or_else(|e| fail(e));
        let mut start = 0;
        while start < count {
            let end = (start + per_statement).min(count);
            let rows: Vec<Vec<Cell>> = (start..end).map(&mut row).collect();
            let mut query = builder(pool, head.clone());
            query.push_values(rows, |mut values, row| {
                for cell in row {
                    match cell {
                        Cell::Id(v) => values.push_bind(v),
                        Cell::OptId(v) => values.push_bind(v),
                        Cell::Text(v) => values.push_bind(v),
                        Cell::OptText(v) => values.push_bind(v),
                        Cell::Bool(v) => values.push_bind(v),
                        Cell::Time(v) => values.push_bind(v),
                        Cell::OptTime(v) => values.push_bind(v),
                        Cell::Int(v) => values.push_bind(v),
                    };
                }
            });
            query
                .build()
                .persistent(false)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| fail(e));
            start = end;
        }
        tx.commit().await.unwrap_or_else(|e| fail(e));
    })
}

async fn execute(db: &Db, sql: &'static str) {
    on_pool!(db, pool => sqlx::query(sql).execute(pool).await.map(|_| ()))
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

// ---------------------------------------------------------------------------------------------
// HTTP clients

/// A signed-in person: a cookie jar, and the CSRF header on unsafe requests.
#[derive(Clone)]
pub(crate) struct Session {
    base: String,
    client: Client,
    csrf: String,
}

impl Session {
    pub(crate) async fn sign_in(base: &str, username: &str) -> Session {
        // The server drops a connection idle for 5 s; reuse none older than 2 s.
        let client = Client::builder()
            .cookie_store(true)
            .pool_idle_timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        let response = client
            .post(format!("{base}/api/v1/session"))
            .json(&json!({"username": username, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "signing in {username}");
        let csrf = response
            .cookies()
            .find(|c| c.name() == "tessera_csrf")
            .map(|c| c.value().to_string())
            .expect("a CSRF cookie");
        Session {
            base: base.to_string(),
            client,
            csrf,
        }
    }

    async fn answer(response: reqwest::Response, expected: StatusCode) -> Result<Value, String> {
        let status = response.status();
        let body = response.bytes().await.map_err(|e| e.to_string())?;
        if status != expected {
            return Err(format!(
                "{status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(300)
                    .collect::<String>()
            ));
        }
        serde_json::from_slice(&body).map_err(|e| e.to_string())
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Value, String> {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::answer(response, StatusCode::OK).await
    }

    async fn post(&self, path: &str, body: &Value, expected: StatusCode) -> Result<Value, String> {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header("X-CSRF-Token", &self.csrf)
            .json(body)
            .send()
            .await
            .map_err(|e| e.to_string())?;
        Self::answer(response, expected).await
    }

    async fn created(&self, path: &str, body: &Value) -> Value {
        self.post(path, body, StatusCode::CREATED)
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"))
    }
}

// ---------------------------------------------------------------------------------------------
// Measuring

pub(crate) type Op = Arc<dyn Fn(usize) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

pub(crate) struct Measurement {
    pub(crate) name: String,
    pub(crate) ops: usize,
    pub(crate) errors: usize,
    pub(crate) first_error: Option<String>,
    pub(crate) elapsed: Duration,
    /// Sorted.
    pub(crate) latencies: Vec<Duration>,
}

impl Measurement {
    /// The measurement of calls that took `latencies` in all `elapsed`, and printed.
    fn of(
        name: &str,
        mut latencies: Vec<Duration>,
        errors: Vec<String>,
        elapsed: Duration,
    ) -> Measurement {
        latencies.sort();
        let measurement = Measurement {
            name: name.to_string(),
            ops: latencies.len(),
            errors: errors.len(),
            first_error: errors.into_iter().next(),
            elapsed,
            latencies,
        };
        eprintln!(
            "    {:<48} {:>6} ops {:>9.1} ops/s  p50 {:>8.2} ms  p95 {:>8.2} ms  p99 {:>8.2} ms{}",
            name,
            measurement.ops,
            measurement.throughput(),
            ms(measurement.percentile(50.0)),
            ms(measurement.percentile(95.0)),
            ms(measurement.percentile(99.0)),
            match &measurement.first_error {
                Some(err) => format!("  {} errors, first: {err}", measurement.errors),
                None => String::new(),
            }
        );
        measurement
    }

    pub(crate) fn throughput(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(f64::EPSILON)
    }

    pub(crate) fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let rank = ((p / 100.0) * self.latencies.len() as f64).ceil() as usize;
        self.latencies[rank.clamp(1, self.latencies.len()) - 1]
    }
}

/// Calls `op(0)`, `op(1)`, … up to `ops` from `concurrency` tasks, starting no call after
/// `max` has passed. Answers each call's latency and the errors.
async fn run_ops(
    ops: usize,
    concurrency: usize,
    max: Duration,
    op: Op,
) -> (Vec<Duration>, Vec<String>) {
    let next = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + max;
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (next, op) = (next.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = Vec::new();
            while Instant::now() < deadline {
                let k = next.fetch_add(1, Ordering::Relaxed);
                if k >= ops {
                    break;
                }
                let began = Instant::now();
                let result = op(k).await;
                latencies.push(began.elapsed());
                if let Err(err) = result {
                    errors.push(err);
                }
            }
            (latencies, errors)
        }));
    }
    let mut latencies = Vec::new();
    let mut errors = Vec::new();
    for task in tasks {
        let (l, e) = task.await.unwrap();
        latencies.extend(l);
        errors.extend(e);
    }
    (latencies, errors)
}

/// Measures `ops` calls of `op` from `concurrency` tasks, for at most `max`, after `warmup`
/// unrecorded calls made the same way (so that every pooled connection is open and warm).
pub(crate) async fn measure(
    name: &str,
    ops: usize,
    concurrency: usize,
    max: Duration,
    warmup: usize,
    op: Op,
) -> Measurement {
    if warmup > 0 {
        run_ops(warmup, concurrency, max / 4, op.clone()).await;
    }
    let start = Instant::now();
    let (latencies, errors) = run_ops(ops, concurrency, max, op).await;
    Measurement::of(name, latencies, errors, start.elapsed())
}

/// How often each reader of [`measure_during`] reads at most: a person clicking, not a
/// client in a loop, so that readers load the server lightly and their latency shows whether
/// the writes make them wait.
const READER_PACE: Duration = Duration::from_millis(10);

/// Measures `op` from `concurrency` readers, each calling it at most once per [`READER_PACE`],
/// for as long as `alongside` runs (the writers' own measurement, or a pause); answers both.
async fn measure_during<T>(
    name: &str,
    concurrency: usize,
    op: Op,
    alongside: impl std::future::Future<Output = T>,
) -> (Measurement, T) {
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let next = Arc::new(AtomicUsize::new(0));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let (stop, next, op) = (stop.clone(), next.clone(), op.clone());
        tasks.push(tokio::spawn(async move {
            let (mut latencies, mut errors) = (Vec::new(), Vec::new());
            while !stop.load(Ordering::Relaxed) {
                let began = Instant::now();
                let result = op(next.fetch_add(1, Ordering::Relaxed)).await;
                latencies.push(began.elapsed());
                if let Err(err) = result {
                    errors.push(err);
                }
                tokio::time::sleep_until((began + READER_PACE).into()).await;
            }
            (latencies, errors)
        }));
    }
    let out = alongside.await;
    stop.store(true, Ordering::Relaxed);
    let (mut latencies, mut errors) = (Vec::new(), Vec::new());
    for task in tasks {
        let (l, e) = task.await.unwrap();
        latencies.extend(l);
        errors.extend(e);
    }
    let measurement = Measurement::of(name, latencies, errors, start.elapsed());
    (measurement, out)
}

pub(crate) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

// ---------------------------------------------------------------------------------------------
// Seeding

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Offer {
    /// All members, delivered without approval.
    Open,
    /// All members, one stage approved by the approver with this index.
    Approval(usize),
    /// The members of the package's group, without approval.
    Group,
}

pub(crate) struct Package {
    id: Uuid,
    policy: Uuid,
    offer: Offer,
}

pub(crate) struct Seeded {
    pub(crate) packages: Vec<Package>,
    /// For each requester, the indices of the packages they hold.
    pub(crate) held: Vec<HashSet<usize>>,
    pub(crate) steps: Vec<(String, Duration)>,
    pub(crate) total: Duration,
}

pub(crate) fn username(config: &Config, index: usize) -> String {
    if index == 0 {
        "admin".into()
    } else if index <= config.approvers {
        format!("approver{index:02}")
    } else if index <= config.approvers + config.concurrency {
        format!("requester{:02}", index - config.approvers)
    } else {
        format!("user{index:05}")
    }
}

pub(crate) fn codename(index: usize) -> String {
    let n = SYLLABLES.len();
    format!(
        "{}{}{}",
        SYLLABLES[index / (n * n) % n],
        SYLLABLES[index / n % n],
        SYLLABLES[index % n]
    )
}

pub(crate) fn codenames(config: &Config) -> usize {
    (config.packages / 20).clamp(1, SYLLABLES.len().pow(3))
}

fn lap(steps: &mut Vec<(String, Duration)>, clock: &mut Instant, what: &str, backend: Backend) {
    let took = clock.elapsed();
    eprintln!(
        "  {}: {what} in {:.1} s",
        backend.label(),
        took.as_secs_f64()
    );
    steps.push((what.to_string(), took));
    *clock = Instant::now();
}

/// The stored definition of one policy made through the API, by policy name.
struct Templates {
    open: (String, String),
    approval: (String, String),
    group: (String, String),
    /// The ids written into the templates, replaced in each copy.
    approver: Uuid,
    group_id: Uuid,
}

/// Makes one policy of each kind through the API and reads back their stored definitions, so
/// that the bulk copies are exactly what the API would have written. The package they hang on
/// is deleted afterwards.
async fn policy_templates(db: &Db, admin: &Session, approver: Uuid) -> Templates {
    let catalog = admin
        .created(
            "/api/v1/catalogs",
            &json!({"name": "Bench template", "description": "Deleted after seeding"}),
        )
        .await;
    let catalog = catalog["id"].as_str().unwrap().to_string();
    let group = admin
        .created("/api/v1/groups", &json!({"name": "Bench template group"}))
        .await;
    let group_id: Uuid = group["id"].as_str().unwrap().parse().unwrap();
    admin
        .created(
            &format!("/api/v1/catalogs/{catalog}/resources"),
            &json!({"kind": "group", "id": group_id}),
        )
        .await;
    let package = admin
        .created(
            &format!("/api/v1/catalogs/{catalog}/access-packages"),
            &json!({"name": "Bench template"}),
        )
        .await;
    let package: Uuid = package["id"].as_str().unwrap().parse().unwrap();
    admin
        .created(
            &format!("/api/v1/access-packages/{package}/resource-roles"),
            &json!({"kind": "group_member", "group_id": group_id}),
        )
        .await;
    let policies = [
        json!({
            "name": "Anyone in the company",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "after_days", "days": 365}},
        }),
        json!({
            "name": "Approved by the system owner",
            "who_can_request": {"type": "all_members"},
            "approval": {"type": "required", "stages": [
                {"primary_approvers": [{"type": "user", "user_id": approver}], "timeout_days": 14},
            ]},
            "lifecycle": {"expiry": {"type": "never"}},
        }),
        json!({
            "name": "Team members",
            "who_can_request": {"type": "specific_users_and_groups", "groups": [group_id]},
            "approval": {"type": "none"},
            "lifecycle": {"expiry": {"type": "never"}},
        }),
    ];
    for policy in &policies {
        admin
            .created(
                &format!("/api/v1/access-packages/{package}/policies"),
                policy,
            )
            .await;
    }
    let stored: Vec<(String, String, String)> = on_pool!(db, pool => sqlx::query_as(
        "SELECT name, definition, audience FROM assignment_policies WHERE package_id = $1",
    )
    .bind(package)
    .fetch_all(pool)
    .await)
    .unwrap();
    let find = |name: &str, audience: &str| {
        let (_, definition, stored_audience) = stored
            .iter()
            .find(|(n, _, _)| n == name)
            .unwrap_or_else(|| panic!("the policy {name} was not stored"));
        assert_eq!(stored_audience, audience, "the audience column of {name}");
        (name.to_string(), definition.clone())
    };
    let templates = Templates {
        open: find("Anyone in the company", "all_members"),
        approval: find("Approved by the system owner", "all_members"),
        group: find("Team members", "specific_users_and_groups"),
        approver,
        group_id,
    };
    assert!(templates.approval.1.contains(&approver.to_string()));
    assert!(templates.group.1.contains(&group_id.to_string()));
    for path in [
        format!("/api/v1/access-packages/{package}"),
        format!("/api/v1/catalogs/{catalog}"),
        format!("/api/v1/groups/{group_id}"),
    ] {
        let response = admin
            .client
            .delete(format!("{}{path}", admin.base))
            .header("X-CSRF-Token", &admin.csrf)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "DELETE {path}: {}",
            response.status()
        );
    }
    templates
}

pub(crate) async fn seed(config: &Config, backend: Backend, db: &Db, base: &str) -> Seeded {
    let mut rng = StdRng::seed_from_u64(20_000);
    let started = Instant::now();
    let mut clock = Instant::now();
    let mut steps = Vec::new();
    let now = Utc::now();

    // People. Only the administrator, approvers and requesters can sign in: hashing 50,000
    // passwords would take longer than the rest of the run. They share one hash.
    let password = tessera_domain::Password::parse(PASSWORD).unwrap();
    let hash = tessera_api::auth::password::hash_password(password)
        .await
        .unwrap();
    // Index 0 is the administrator, then approvers, then requesters, then everyone else.
    let users: Vec<Uuid> = (0..config.users).map(|_| Uuid::now_v7()).collect();
    let with_password = 1 + config.approvers + config.concurrency;
    let departments: Vec<usize> = (0..config.users)
        .map(|_| rng.random_range(0..DEPARTMENTS.len()))
        .collect();
    insert_rows(
        db,
        "users",
        &[
            "id",
            "username",
            "email",
            "display_name",
            "kind",
            "manager_id",
            "enabled",
            "is_admin",
            "password_hash",
            "created_at",
            "updated_at",
            "version",
            "department",
            "attributes",
        ],
        config.users,
        |i| {
            let name = username(config, i);
            let display = format!(
                "{} {}",
                FIRST_NAMES[i % FIRST_NAMES.len()],
                LAST_NAMES[i / FIRST_NAMES.len() % LAST_NAMES.len()]
            );
            vec![
                Cell::Id(users[i]),
                Cell::Text(name.clone()),
                Cell::Text(format!("{name}@example.org")),
                Cell::Text(display),
                Cell::Text("person".into()),
                // A management tree ten wide; the administrator reports to nobody.
                Cell::OptId((i > 1).then(|| users[1 + (i - 2) / 10])),
                Cell::Bool(true),
                Cell::Bool(i == 0),
                Cell::OptText((i < with_password).then(|| hash.clone())),
                Cell::Time(now),
                Cell::Time(now),
                Cell::Int(1),
                Cell::OptText(Some(DEPARTMENTS[departments[i]].to_string())),
                Cell::Text("{}".into()),
            ]
        },
    )
    .await;
    lap(&mut steps, &mut clock, "users", backend);

    let admin = Session::sign_in(base, "admin").await;
    let templates = policy_templates(db, &admin, users[1]).await;
    lap(
        &mut steps,
        &mut clock,
        "policy templates through the API",
        backend,
    );

    // Catalogs, groups (each a resource of one catalog), one group per person.
    let catalogs: Vec<Uuid> = (0..config.catalogs).map(|_| Uuid::now_v7()).collect();
    insert_rows(
        db,
        "catalogs",
        &[
            "id",
            "name",
            "name_key",
            "description",
            "enabled",
            "created_at",
            "updated_at",
            "version",
        ],
        config.catalogs,
        |c| {
            let name = format!("{} catalog {}", DEPARTMENTS[c % DEPARTMENTS.len()], c + 1);
            vec![
                Cell::Id(catalogs[c]),
                Cell::Text(name.clone()),
                Cell::Text(name.to_lowercase()),
                Cell::Text(format!(
                    "What {} people ask for",
                    DEPARTMENTS[c % DEPARTMENTS.len()]
                )),
                Cell::Bool(true),
                Cell::Time(now),
                Cell::Time(now),
                Cell::Int(1),
            ]
        },
    )
    .await;
    let groups: Vec<Uuid> = (0..config.groups).map(|_| Uuid::now_v7()).collect();
    let group_system: Vec<usize> = (0..config.groups)
        .map(|_| rng.random_range(0..SYSTEMS.len()))
        .collect();
    insert_rows(
        db,
        "groups",
        &[
            "id",
            "name",
            "name_key",
            "description",
            "created_at",
            "updated_at",
            "version",
        ],
        config.groups,
        |g| {
            let name = format!(
                "{} {} team {}",
                DEPARTMENTS[(g % config.catalogs) % DEPARTMENTS.len()],
                SYSTEMS[group_system[g]],
                g + 1
            );
            vec![
                Cell::Id(groups[g]),
                Cell::Text(name.clone()),
                Cell::Text(name.to_lowercase()),
                Cell::Text(String::new()),
                Cell::Time(now),
                Cell::Time(now),
                Cell::Int(1),
            ]
        },
    )
    .await;
    insert_rows(
        db,
        "catalog_resources",
        &["catalog_id", "group_id", "application_id", "added_at"],
        config.groups,
        |g| {
            vec![
                Cell::Id(catalogs[g % config.catalogs]),
                Cell::OptId(Some(groups[g])),
                Cell::OptId(None),
                Cell::Time(now),
            ]
        },
    )
    .await;
    let membership: Vec<usize> = (0..config.users)
        .map(|_| rng.random_range(0..config.groups))
        .collect();
    insert_rows(
        db,
        "group_members",
        &["group_id", "user_id", "added_at", "granted_by_assignment"],
        config.users - 1,
        |i| {
            vec![
                Cell::Id(groups[membership[i + 1]]),
                Cell::Id(users[i + 1]),
                Cell::Time(now),
                Cell::Bool(false),
            ]
        },
    )
    .await;
    lap(
        &mut steps,
        &mut clock,
        "catalogs, groups and memberships",
        backend,
    );

    // Packages, each granting membership of one of its catalog's groups under one policy.
    let per_catalog = config.groups / config.catalogs;
    let packages: Vec<Package> = (0..config.packages)
        .map(|p| Package {
            id: Uuid::now_v7(),
            policy: Uuid::now_v7(),
            offer: match p % 20 {
                0..=2 => Offer::Approval(rng.random_range(0..config.approvers)),
                3 => Offer::Group,
                _ => Offer::Open,
            },
        })
        .collect();
    let package_group: Vec<usize> = (0..config.packages)
        .map(|p| p % config.catalogs + config.catalogs * rng.random_range(0..per_catalog))
        .collect();
    let words: Vec<(usize, usize, usize, usize)> = (0..config.packages)
        .map(|_| {
            (
                rng.random_range(0..SYSTEMS.len()),
                rng.random_range(0..ROLES.len()),
                rng.random_range(0..SITES.len()),
                rng.random_range(0..codenames(config)),
            )
        })
        .collect();
    insert_rows(
        db,
        "access_packages",
        &[
            "id",
            "catalog_id",
            "name",
            "name_key",
            "description",
            "hidden",
            "created_at",
            "updated_at",
            "version",
        ],
        config.packages,
        |p| {
            let (system, role, site, code) = words[p];
            let department = DEPARTMENTS[(p % config.catalogs) % DEPARTMENTS.len()];
            let name = format!(
                "{} {} {} {:05}",
                SYSTEMS[system], ROLES[role], SITES[site], p
            );
            vec![
                Cell::Id(packages[p].id),
                Cell::Id(catalogs[p % config.catalogs]),
                Cell::Text(name.clone()),
                Cell::Text(name.to_lowercase()),
                Cell::Text(format!(
                    "{} access to {} for {department} in {}. Project {}.",
                    ROLES[role],
                    SYSTEMS[system],
                    SITES[site],
                    codename(code)
                )),
                Cell::Bool(p % 100 == 99),
                Cell::Time(now),
                Cell::Time(now),
                Cell::Int(1),
            ]
        },
    )
    .await;
    insert_rows(
        db,
        "package_resource_roles",
        &[
            "id",
            "package_id",
            "kind",
            "group_id",
            "app_role_id",
            "created_at",
        ],
        config.packages,
        |p| {
            vec![
                Cell::Id(Uuid::now_v7()),
                Cell::Id(packages[p].id),
                Cell::Text("group_member".into()),
                Cell::OptId(Some(groups[package_group[p]])),
                Cell::OptId(None),
                Cell::Time(now),
            ]
        },
    )
    .await;
    let template_of = |offer: Offer| match offer {
        Offer::Open => &templates.open,
        Offer::Approval(_) => &templates.approval,
        Offer::Group => &templates.group,
    };
    let approver_text = templates.approver.to_string();
    let group_text = templates.group_id.to_string();
    insert_rows(
        db,
        "assignment_policies",
        &[
            "id",
            "package_id",
            "name",
            "enabled",
            "definition",
            "created_at",
            "updated_at",
            "version",
            "audience",
        ],
        config.packages,
        |p| {
            let package = &packages[p];
            let (name, template) = template_of(package.offer);
            let (definition, audience) = match package.offer {
                Offer::Open => (template.clone(), "all_members"),
                Offer::Approval(a) => (
                    template.replace(&approver_text, &users[1 + a].to_string()),
                    "all_members",
                ),
                Offer::Group => (
                    template.replace(&group_text, &groups[package_group[p]].to_string()),
                    "specific_users_and_groups",
                ),
            };
            vec![
                Cell::Id(package.policy),
                Cell::Id(package.id),
                Cell::Text(name.clone()),
                Cell::Bool(true),
                Cell::Text(definition),
                Cell::Time(now),
                Cell::Time(now),
                Cell::Int(1),
                Cell::Text(audience.into()),
            ]
        },
    )
    .await;
    let group_offers: Vec<usize> = (0..config.packages)
        .filter(|p| packages[*p].offer == Offer::Group)
        .collect();
    insert_rows(
        db,
        "policy_requesters",
        &["policy_id", "user_id", "group_id"],
        group_offers.len(),
        |i| {
            let p = group_offers[i];
            vec![
                Cell::Id(packages[p].policy),
                Cell::OptId(None),
                Cell::OptId(Some(groups[package_group[p]])),
            ]
        },
    )
    .await;
    lap(
        &mut steps,
        &mut clock,
        "packages, resource roles and policies",
        backend,
    );

    // Assignments: one active per person and package; popular packages are held more.
    let mut pairs: HashSet<(usize, usize)> = HashSet::with_capacity(config.assignments);
    let mut order = Vec::with_capacity(config.assignments);
    while order.len() < config.assignments {
        let user = rng.random_range(1..config.users);
        let skew: f64 = rng.random();
        let package = ((skew * skew) * config.packages as f64) as usize % config.packages;
        if pairs.insert((user, package)) {
            order.push((user, package));
        }
    }
    let requesters = 1 + config.approvers..with_password;
    let mut held = vec![HashSet::new(); config.concurrency];
    for (user, package) in &order {
        if requesters.contains(user) {
            held[user - requesters.start].insert(*package);
        }
    }
    let starts: Vec<(i64, i64)> = (0..config.assignments)
        .map(|_| (rng.random_range(1..700), rng.random_range(1..365)))
        .collect();
    insert_rows(
        db,
        "assignments",
        &[
            "id",
            "package_id",
            "policy_id",
            "policy_name",
            "user_id",
            "state",
            "starts_at",
            "ends_at",
            "justification",
            "answers",
            "assigned_by",
            "created_at",
            "updated_at",
            "version",
        ],
        config.assignments,
        |k| {
            let (user, p) = order[k];
            let package = &packages[p];
            let (ago, left) = starts[k];
            let starts_at = now - chrono::Duration::days(ago);
            let ends_at =
                (package.offer == Offer::Open).then(|| now + chrono::Duration::days(left));
            vec![
                Cell::Id(Uuid::now_v7()),
                Cell::Id(package.id),
                Cell::OptId(Some(package.policy)),
                Cell::Text(template_of(package.offer).0.clone()),
                Cell::Id(users[user]),
                Cell::Text("delivered".into()),
                Cell::Time(starts_at),
                Cell::OptTime(ends_at),
                Cell::OptText(None),
                Cell::Text("[]".into()),
                Cell::OptId(Some(users[0])),
                Cell::Time(starts_at),
                Cell::Time(starts_at),
                Cell::Int(1),
            ]
        },
    )
    .await;
    lap(&mut steps, &mut clock, "assignments", backend);

    // PostgreSQL's autovacuum would vacuum and analyze tables this size within a minute, in
    // the middle of the measurements; doing it now measures the steady state. SQLite gets no
    // statistics unless someone runs ANALYZE, and Tessera does not, so it runs without.
    if backend == Backend::Postgres {
        execute(db, "VACUUM (ANALYZE)").await;
        lap(&mut steps, &mut clock, "VACUUM (ANALYZE)", backend);
    }

    Seeded {
        packages,
        held,
        steps,
        total: started.elapsed(),
    }
}

// ---------------------------------------------------------------------------------------------
// One backend

struct Report {
    backend: Backend,
    version: String,
    seeded: Seeded,
    results: Vec<Measurement>,
}

/// A fresh database URL, and what to clean up after.
pub(crate) async fn fresh_database(config: &Config, backend: Backend) -> (String, Cleanup) {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("tessera.db").display());
            (url, Cleanup::Sqlite(dir))
        }
        Backend::Postgres => {
            use sqlx::Connection;
            let name = format!("tessera_bench_{}", Uuid::new_v4().simple());
            let mut conn = sqlx::PgConnection::connect(&config.postgres_url)
                .await
                .expect("PostgreSQL must be reachable (TEST_POSTGRES_URL)");
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                .execute(&mut conn)
                .await
                .unwrap();
            // Names and values are plain words (checked in `Config::from_env`).
            for (key, value) in &config.postgres_settings {
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "ALTER DATABASE {name} SET {key} = '{value}'"
                )))
                .execute(&mut conn)
                .await
                .unwrap();
            }
            let mut url = url::Url::parse(&config.postgres_url).unwrap();
            url.set_path(&name);
            (url.to_string(), Cleanup::Postgres(name))
        }
    }
}

pub(crate) enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres(String),
}

impl Cleanup {
    pub(crate) async fn run(self, config: &Config, url: &str) {
        match self {
            Cleanup::Sqlite(dir) if config.keep => {
                let path = dir.keep();
                eprintln!(
                    "  kept the SQLite database: {}",
                    path.join("tessera.db").display()
                );
            }
            Cleanup::Postgres(_) if config.keep => {
                eprintln!("  kept the PostgreSQL database: {url}");
            }
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres(name) => {
                use sqlx::Connection;
                let mut conn = sqlx::PgConnection::connect(&config.postgres_url)
                    .await
                    .unwrap();
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await
                .unwrap();
            }
        }
    }
}

/// The opaque cursor the API hands out after a package, made here to jump deep into the list
/// without walking every page. [`run_backend`] checks it against the API's own before use.
fn cursor_after(name_key: &str, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{name_key}\u{1f}{id}"))
}

async fn run_backend(config: &Config, backend: Backend) -> Report {
    eprintln!("== {}", backend.label());
    let (url, cleanup) = fresh_database(config, backend).await;
    let mut settings = Settings {
        listen: "127.0.0.1:0".parse().unwrap(),
        database_url: url.clone(),
        web_dir: PathBuf::from("/nonexistent-tessera-web"),
        ..Settings::default()
    };
    settings.log.filter = "warn".into();
    settings.jobs.interval_seconds = 0;
    // Dozens of sign-ins from one address, and no session renewal in the middle of a run.
    settings.sign_in_limit.attempts_per_address = 1_000_000;
    settings.session.token_minutes = 120;
    let app = Application::build(settings).await.unwrap();
    let db = app.state().db.clone();
    let base = format!("http://127.0.0.1:{}", app.port());
    let server = tokio::spawn(app.run_until_stopped());
    let version: String = match &db {
        Db::Sqlite(pools) => sqlx::query_scalar("SELECT 'SQLite ' || sqlite_version()")
            .fetch_one(pools.reads())
            .await
            .unwrap(),
        Db::Postgres(pool) => sqlx::query_scalar("SELECT current_setting('server_version')")
            .fetch_one(pool)
            .await
            .map(|v: String| format!("PostgreSQL {v}"))
            .unwrap(),
    };

    let seeded = seed(config, backend, &db, &base).await;
    eprintln!(
        "  {}: seeded in {:.1} s",
        backend.label(),
        seeded.total.as_secs_f64()
    );

    let first_requester = 1 + config.approvers;
    let mut requesters = Vec::new();
    for r in 0..config.concurrency {
        requesters.push(Session::sign_in(&base, &username(config, first_requester + r)).await);
    }
    let mut approvers = Vec::new();
    for a in 0..config.approvers {
        approvers.push(Session::sign_in(&base, &username(config, 1 + a)).await);
    }
    let requesters = Arc::new(requesters);
    let approvers = Arc::new(approvers);
    let (n, c, max) = (config.read_ops, config.concurrency, config.max_duration());
    let warmup = 2 * c;
    let mut results = Vec::new();

    // The bare baseline: authentication plus one small query.
    let sessions = requesters.clone();
    let op: Op = Arc::new(move |k| {
        let s = sessions[k % sessions.len()].clone();
        async move { s.get("/api/v1/me").await.map(drop) }.boxed()
    });
    results.push(measure("baseline: GET /me", n, c, max, warmup, op).await);

    let get_many = |paths: Vec<String>| -> Op {
        let sessions = requesters.clone();
        let paths = Arc::new(paths);
        Arc::new(move |k| {
            let s = sessions[k % sessions.len()].clone();
            let path = paths[k % paths.len()].clone();
            async move { s.get(&path).await.map(drop) }.boxed()
        })
    };
    let available = "/api/v1/me/available-packages";
    results.push(
        measure(
            "list: first page",
            n,
            c,
            max,
            warmup,
            get_many(vec![available.into()]),
        )
        .await,
    );

    // Cursors spread over the whole list, checked against the one the API gives for page 2.
    let first = requesters[0].get(available).await.unwrap();
    let mut cursors = Vec::new();
    if let (Some(next), Some(last)) = (
        first["next_cursor"].as_str(),
        first["items"].as_array().and_then(|items| items.last()),
    ) {
        cursors.push(next.to_string());
        let made = cursor_after(
            &last["name"].as_str().unwrap().to_lowercase(),
            last["id"].as_str().unwrap().parse().unwrap(),
        );
        if made == next {
            let keys: Vec<(String, Uuid)> = on_pool!(&db, pool => sqlx::query_as(
                "SELECT name_key, id FROM access_packages ORDER BY name_key, id",
            )
            .fetch_all(pool)
            .await)
            .unwrap();
            for i in 1..20 {
                let (key, id) = &keys[i * keys.len() / 20];
                cursors.push(cursor_after(key, *id));
            }
        } else {
            eprintln!("  the API's cursors changed form; measuring page 2 only");
        }
    }
    if cursors.is_empty() {
        eprintln!("  everything fits on one page; no later pages to measure");
    } else {
        let paths = cursors
            .iter()
            .map(|cursor| format!("{available}?cursor={cursor}"))
            .collect();
        results.push(
            measure(
                "list: later pages (cursor)",
                n,
                c,
                max,
                warmup,
                get_many(paths),
            )
            .await,
        );
    }

    let search = |words: Vec<String>| {
        words
            .into_iter()
            .map(|w| format!("{available}?q={w}"))
            .collect::<Vec<_>>()
    };
    let common: Vec<String> = SYSTEMS.iter().map(|s| s.to_lowercase()).collect();
    results.push(
        measure(
            "search: name word (1 in 40)",
            n,
            c,
            max,
            warmup,
            get_many(search(common)),
        )
        .await,
    );
    let rare: Vec<String> = (0..codenames(config)).step_by(7).map(codename).collect();
    results.push(
        measure(
            "search: rare word (about 20)",
            n,
            c,
            max,
            warmup,
            get_many(search(rare)),
        )
        .await,
    );
    let none: Vec<String> = (0..50).map(|i| format!("nothing{i}here")).collect();
    results.push(
        measure(
            "search: no match",
            n,
            c,
            max,
            warmup,
            get_many(search(none)),
        )
        .await,
    );
    results.push(
        measure(
            "my assignments",
            n,
            c,
            max,
            warmup,
            get_many(vec!["/api/v1/me/assignments".into()]),
        )
        .await,
    );

    // Readers: other people (the approvers' sessions) each reading `GET /me` at most every
    // READER_PACE, first alone, then while every write measurement below runs.
    let reader_sessions = approvers.clone();
    let reader: Op = Arc::new(move |k| {
        let s = reader_sessions[k % reader_sessions.len()].clone();
        async move { s.get("/api/v1/me").await.map(drop) }.boxed()
    });
    let readers_during = |what: &str| format!("  {c} readers: GET /me during {what}");
    let (alone, ()) = measure_during(
        &format!("{c} readers: GET /me, no writes"),
        c,
        reader.clone(),
        tokio::time::sleep(Duration::from_secs(3)),
    )
    .await;
    results.push(alone);

    // Submissions: each requester asks for packages they do not hold, never twice.
    let work_for = |wanted: &dyn Fn(Offer) -> bool| -> Arc<Vec<(usize, usize)>> {
        let mut rng = StdRng::seed_from_u64(7);
        let mut pools: Vec<Vec<usize>> = (0..config.concurrency)
            .map(|r| {
                let mut mine: Vec<usize> = (0..seeded.packages.len())
                    .filter(|p| wanted(seeded.packages[*p].offer) && !seeded.held[r].contains(p))
                    .collect();
                mine.shuffle(&mut rng);
                mine
            })
            .collect();
        let mut work = Vec::new();
        while work.len() < config.write_ops {
            let r = work.len() % config.concurrency;
            match pools[r].pop() {
                Some(p) => work.push((r, p)),
                None => break,
            }
        }
        Arc::new(work)
    };
    let packages = Arc::new(
        seeded
            .packages
            .iter()
            .map(|p| (p.id, p.policy, p.offer))
            .collect::<Vec<_>>(),
    );
    let submit = |work: Arc<Vec<(usize, usize)>>,
                  expected: &'static str,
                  pending: Arc<Mutex<Vec<(usize, Uuid)>>>|
     -> Op {
        let (sessions, packages) = (requesters.clone(), packages.clone());
        Arc::new(move |k| {
            let (r, p) = work[k];
            let s = sessions[r].clone();
            let (package, policy, offer) = packages[p];
            let pending = pending.clone();
            async move {
                let body = json!({"access_package_id": package, "policy_id": policy, "ask": "add"});
                let view = s
                    .post("/api/v1/requests", &body, StatusCode::CREATED)
                    .await?;
                if view["state"] != expected {
                    return Err(format!("the request is {}, not {expected}", view["state"]));
                }
                if let Offer::Approval(a) = offer {
                    let id = view["id"]
                        .as_str()
                        .unwrap_or_default()
                        .parse()
                        .unwrap_or_default();
                    pending.lock().unwrap().push((a, id));
                }
                Ok(())
            }
            .boxed()
        })
    };
    let pending = Arc::new(Mutex::new(Vec::new()));
    let open = work_for(&|offer| offer == Offer::Open);
    let (reads, writes) = measure_during(
        &readers_during("submit: no approval"),
        c,
        reader.clone(),
        measure(
            "submit: no approval (delivered)",
            open.len(),
            c,
            max,
            0,
            submit(open, "delivered", pending.clone()),
        ),
    )
    .await;
    results.extend([writes, reads]);
    let gated = work_for(&|offer| matches!(offer, Offer::Approval(_)));
    let (reads, writes) = measure_during(
        &readers_during("submit: approval"),
        c,
        reader.clone(),
        measure(
            "submit: approval (pending)",
            gated.len(),
            c,
            max,
            0,
            submit(gated, "pending_approval", pending.clone()),
        ),
    )
    .await;
    results.extend([writes, reads]);
    let decisions = Arc::new(std::mem::take(&mut *pending.lock().unwrap()));
    let sessions = approvers.clone();
    let work = decisions.clone();
    let op: Op = Arc::new(move |k| {
        let (a, request) = work[k];
        let s = sessions[a].clone();
        async move {
            let view = s
                .post(
                    &format!("/api/v1/requests/{request}/decision"),
                    &json!({"stage": 1, "verdict": "approve"}),
                    StatusCode::OK,
                )
                .await?;
            if view["state"] != "delivered" {
                return Err(format!("the request is {} after approval", view["state"]));
            }
            Ok(())
        }
        .boxed()
    });
    let (reads, writes) = measure_during(
        &readers_during("approve"),
        c,
        reader,
        measure("approve (delivered)", decisions.len(), c, max, 0, op),
    )
    .await;
    results.extend([writes, reads]);

    // The database alone: one row per transaction, through the server's own pool.
    execute(
        &db,
        "CREATE TABLE bench_commits (id BIGINT PRIMARY KEY, payload TEXT NOT NULL)",
    )
    .await;
    let commit = |offset: usize| -> Op {
        let db = db.clone();
        Arc::new(move |k| {
            let db = db.clone();
            let id = (offset + k) as i64;
            async move {
                on_pool!(&db, pool => sqlx::query(
                    "INSERT INTO bench_commits (id, payload) VALUES ($1, $2)",
                )
                .bind(id)
                .bind("a row about the size of an audit event's key fields")
                .execute(pool)
                .await
                .map(drop))
                .map_err(|e| e.to_string())
            }
            .boxed()
        })
    };
    let commits = config.commit_ops;
    results.push(measure("raw commit: 1 writer", commits, 1, max, 0, commit(0)).await);
    results.push(
        measure(
            &format!("raw commit: {c} writers"),
            commits,
            c,
            max,
            0,
            commit(commits),
        )
        .await,
    );

    db.close().await;
    server.abort();
    cleanup.run(config, &url).await;
    Report {
        backend,
        version,
        seeded,
        results,
    }
}

// ---------------------------------------------------------------------------------------------
// Reporting

pub(crate) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

fn render(config: &Config, reports: &[Report], wall: Duration) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut out = String::new();
    let _ = writeln!(out, "# Tessera request benchmark\n");
    let _ = writeln!(
        out,
        "Run {} on {cpus} CPUs, {:.0} s in all. Seeded: {} people ({} can sign in), {} access \
         packages in {} catalogs (85% for all members: 80% delivered at once, 15% after one \
         approval; 5% for one group's members; 1% hidden), {} groups, {} delivered assignments. \
         {} concurrent clients; each measurement makes up to {} reads, {} submissions or \
         approvals, or {} raw commits, and stops after {} s.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        wall.as_secs_f64(),
        thousands(config.users),
        1 + config.approvers + config.concurrency,
        thousands(config.packages),
        config.catalogs,
        config.groups,
        thousands(config.assignments),
        config.concurrency,
        config.read_ops,
        config.write_ops,
        config.commit_ops,
        config.max_seconds,
    );
    let _ = writeln!(
        out,
        "Ratios compare with the baseline, `GET /api/v1/me` (authentication and one small \
         query): \"ops/s ×\" is throughput over the baseline's, \"p99 ×\" is p99 latency over \
         the baseline's. Raw commits run one single-row INSERT per transaction through the \
         server's own pool (on SQLite its writer connection). Writes are measured while {} \
         other people each read `GET /me` at most every {} ms (\"readers\" rows; first alone), \
         so that their latency shows whether writes make reads wait.\n",
        config.concurrency,
        READER_PACE.as_millis(),
    );
    for report in reports {
        let settings: Vec<String> = match report.backend {
            Backend::Postgres => config
                .postgres_settings
                .iter()
                .map(|(key, value)| format!("{key}={value}"))
                .collect(),
            Backend::Sqlite => Vec::new(),
        };
        let _ = writeln!(
            out,
            "## {} ({}{})\n",
            report.backend.label(),
            report.version,
            if settings.is_empty() {
                String::new()
            } else {
                format!(", {}", settings.join(", "))
            }
        );
        let steps: Vec<String> = report
            .seeded
            .steps
            .iter()
            .map(|(what, took)| format!("{what} {:.1} s", took.as_secs_f64()))
            .collect();
        let _ = writeln!(
            out,
            "Seeding took {:.1} s: {}.\n",
            report.seeded.total.as_secs_f64(),
            steps.join(", "),
        );
        let _ = writeln!(
            out,
            "| measurement | ops | errors | ops/s | p50 ms | p95 ms | p99 ms | ops/s × | p99 × |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        let baseline = &report.results[0];
        for m in &report.results {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.2} | {:.3} | {:.1} |",
                m.name.trim(),
                m.ops,
                m.errors,
                m.throughput(),
                ms(m.percentile(50.0)),
                ms(m.percentile(95.0)),
                ms(m.percentile(99.0)),
                m.throughput() / baseline.throughput().max(f64::EPSILON),
                m.percentile(99.0).as_secs_f64()
                    / baseline.percentile(99.0).as_secs_f64().max(f64::EPSILON),
            );
        }
        let failures: Vec<&Measurement> = report.results.iter().filter(|m| m.errors > 0).collect();
        if !failures.is_empty() {
            let _ = writeln!(out, "\nErrors:\n");
            for m in failures {
                let _ = writeln!(
                    out,
                    "- {}: {} errors, first: {}",
                    m.name,
                    m.errors,
                    m.first_error.as_deref().unwrap_or_default()
                );
            }
        }
        let _ = writeln!(out);
    }
    out
}

/// `target/bench/requests.md`, beside the binary's own target directory.
fn report_path() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .filter(|dir| dir.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench").join("requests.md")
}

fn main() {
    let config = Config::from_env();
    let mut log = Settings::default().log;
    log.filter = "warn".into();
    tessera_api::telemetry::init(&log);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let reports = runtime.block_on(async {
        let mut reports = Vec::new();
        for backend in &config.backends {
            reports.push(run_backend(&config, *backend).await);
        }
        reports
    });
    let markdown = render(&config, &reports, started.elapsed());
    println!("\n{markdown}");
    let path = report_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, markdown).unwrap();
    eprintln!("written to {}", path.display());
}
