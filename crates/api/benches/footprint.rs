//! The server's footprint: cold start and resident memory of the real `tessera` binary, run as
//! a child process so that its memory is the server's alone, on both databases.
//!
//! For each backend, twice: on an empty database (the start applies every migration) and on a
//! full one, seeded as the request benchmark seeds it (`benches/requests.rs`: 50,000 people,
//! 20,000 packages, 300,000 assignments by default, `TESSERA_BENCH_*` sizes). Each time it
//! records how long the process took from its start to answering `/healthz` (connecting,
//! migrating, loading keys, binding), its RSS once idle, and its RSS and peak (VmHWM) after a
//! burst of requests from 8 clients (`GET /api/v1/me`, the first page of available packages
//! and `/metrics`), then idle again.
//!
//! A benchmark, not a timed test: nothing fails on a number. `scripts/bench.sh footprint` runs
//! it; `TESSERA_BENCH_BURST` sets the burst size (default 4000). The table goes to standard
//! output and to `target/bench/footprint.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

// The seeding of the request benchmark, reused as is; its measurements are not run here.
#[allow(dead_code)]
#[path = "requests.rs"]
mod requests;

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use requests::{Backend, Config, PASSWORD};
use tessera_api::config::Settings;
use tessera_api::startup::Application;

const BIN: &str = env!("CARGO_BIN_EXE_tessera");
const CLIENTS: usize = 8;

/// The server process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// Resident and peak resident memory, in MiB.
    fn memory(&self) -> (f64, f64) {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let field = |name: &str| -> f64 {
            status
                .lines()
                .find_map(|line| line.strip_prefix(name))
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|kib| kib.parse::<f64>().ok())
                .unwrap_or(0.0)
                / 1024.0
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn tessera(database_url: &str) -> Command {
    let mut command = Command::new(BIN);
    command
        .env("DATABASE_URL", database_url)
        .env("TESSERA_LOG__FILTER", "off")
        .env("TESSERA_WEB_DIR", "/nonexistent-tessera-web")
        .env("TESSERA_JOBS__INTERVAL_SECONDS", "0");
    command
}

/// Starts the binary on `database_url` and waits for `/healthz`; returns it with the time
/// from spawning the process to its first answer.
async fn start(database_url: &str) -> (Server, Duration) {
    let port = free_port();
    let started = Instant::now();
    let child = tessera(database_url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(600);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
            && response.status().is_success()
        {
            return (server, started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("the server did not start");
}

/// Creates the administrator `admin` with the benchmark's password through the command line
/// (an empty database has nobody; the seeded one has them already).
fn create_admin(database_url: &str) {
    let mut create = tessera(database_url)
        .args([
            "user",
            "create",
            "--username",
            "admin",
            "--display-name",
            "Ada Admin",
            "--email",
            "admin@example.org",
            "--admin",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(create.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(
        create.wait().unwrap().success(),
        "creating the administrator"
    );
}

/// An API token of `admin`, made through the API with a session.
async fn admin_token(base: &str) -> String {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let signed_in = client
        .post(format!("{base}/api/v1/session"))
        .json(&serde_json::json!({"username": "admin", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert!(signed_in.status().is_success(), "signing in");
    let csrf = signed_in
        .cookies()
        .find(|c| c.name() == "tessera_csrf")
        .map(|c| c.value().to_string())
        .unwrap();
    let created: serde_json::Value = client
        .post(format!("{base}/api/v1/tokens"))
        .header("X-CSRF-Token", csrf)
        .json(&serde_json::json!({"name": "footprint"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    created["secret"].as_str().unwrap().to_string()
}

/// `count` requests from [`CLIENTS`] clients, cycling through a few read paths; returns how
/// many failed.
async fn burst(base: &str, token: &str, count: usize) -> usize {
    let paths = [
        "/api/v1/me",
        "/api/v1/me/available-packages",
        "/api/v1/me",
        "/metrics",
    ];
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let next = next.clone();
        let (base, token) = (base.to_string(), token.to_string());
        clients.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut failed = 0;
            loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if k >= count {
                    return failed;
                }
                let ok = client
                    .get(format!("{base}{}", paths[k % paths.len()]))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                failed += usize::from(!ok);
            }
        }));
    }
    let mut failed = 0;
    for client in clients {
        failed += client.await.unwrap();
    }
    failed
}

/// One row of the table.
struct Row {
    backend: Backend,
    database: &'static str,
    cold_start: Duration,
    idle: f64,
    after_burst: f64,
    peak: f64,
    settled: f64,
    burst: (usize, usize, Duration),
}

/// Starts the server on `url` and measures it. On an empty database the administrator is
/// created once the server has started, so that the start is the one that migrates.
async fn measure(backend: Backend, database: &'static str, url: &str, burst_size: usize) -> Row {
    let (server, cold_start) = start(url).await;
    if database == "empty" {
        create_admin(url);
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (idle, _) = server.memory();
    let token = admin_token(&server.base).await;
    let took = Instant::now();
    let failed = burst(&server.base, &token, burst_size).await;
    let took = took.elapsed();
    let (after_burst, peak) = server.memory();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (settled, _) = server.memory();
    eprintln!(
        "  {} {database}: started in {:.2} s, {idle:.0} MiB idle, {after_burst:.0} MiB after the burst",
        backend.label(),
        cold_start.as_secs_f64()
    );
    Row {
        backend,
        database,
        cold_start,
        idle,
        after_burst,
        peak,
        settled,
        burst: (burst_size, failed, took),
    }
}

/// Fills the database at `url` as the request benchmark does, with the server in-process on
/// a runtime of its own that is dropped after (stopping that server).
fn seed(config: &Config, backend: Backend, url: &str) -> Duration {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let took = runtime.block_on(async {
        let mut settings = Settings {
            listen: "127.0.0.1:0".parse().unwrap(),
            database_url: url.to_string(),
            web_dir: PathBuf::from("/nonexistent-tessera-web"),
            ..Settings::default()
        };
        settings.log.filter = "warn".into();
        settings.jobs.interval_seconds = 0;
        let app = Application::build(settings).await.unwrap();
        let db = app.state().db.clone();
        let base = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        let seeded = requests::seed(config, backend, &db, &base).await;
        db.close().await;
        seeded.total
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    took
}

fn main() {
    let config = Config::from_env();
    let burst_size = std::env::var("TESSERA_BENCH_BURST")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(4000);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rows = Vec::new();
    for backend in &config.backends {
        let backend = *backend;
        eprintln!("== {}", backend.label());
        let (url, cleanup) = runtime.block_on(requests::fresh_database(&config, backend));
        rows.push(runtime.block_on(measure(backend, "empty", &url, burst_size)));
        runtime.block_on(cleanup.run(&config, &url));

        let (url, cleanup) = runtime.block_on(requests::fresh_database(&config, backend));
        let took = seed(&config, backend, &url);
        eprintln!(
            "  {}: seeded in {:.1} s",
            backend.label(),
            took.as_secs_f64()
        );
        rows.push(runtime.block_on(measure(backend, "full", &url, burst_size)));
        runtime.block_on(cleanup.run(&config, &url));
    }

    let mut report = String::new();
    writeln!(
        report,
        "# Server footprint: cold start and memory\n\n\
         The release `tessera` binary as a child process, {} CPU cores. \"empty\": a new \
         database, so the start applies every migration; \"full\": {} people, {} access \
         packages and {} assignments, seeded as the request benchmark does (migrated already). \
         Cold start: from spawning the process to its first `/healthz` answer. Burst: {burst_size} \
         requests from {CLIENTS} clients with an API token (`/api/v1/me`, available packages, \
         `/metrics`).\n",
        std::thread::available_parallelism().map_or(1, usize::from),
        config.users,
        config.packages,
        config.assignments,
    )
    .unwrap();
    writeln!(
        report,
        "| database | data | cold start | idle RSS | burst | RSS after burst | peak RSS (VmHWM) | RSS 3 s later |"
    )
    .unwrap();
    writeln!(report, "|---|---|---|---|---|---|---|---|").unwrap();
    for row in &rows {
        let (count, failed, took) = row.burst;
        writeln!(
            report,
            "| {} | {} | {:.2} s | {:.0} MiB | {count} in {:.1} s ({failed} failed) | {:.0} MiB | {:.0} MiB | {:.0} MiB |",
            row.backend.label(),
            row.database,
            row.cold_start.as_secs_f64(),
            row.idle,
            took.as_secs_f64(),
            row.after_burst,
            row.peak,
            row.settled,
        )
        .unwrap();
    }
    print!("\n{report}");
    let out = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("footprint.md"), &report).unwrap();
}
