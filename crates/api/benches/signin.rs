//! Memory under sign-in bursts. Starts the real `tessera` binary on a fresh SQLite database
//! as a child process, so its resident memory is the server's alone, then sends bursts of
//! concurrent sign-ins (the right password, then unknown usernames, which check a decoy hash)
//! and prints the server's RSS: idle, peak (VmHWM) and a few seconds after each burst, with
//! the answers it gave. Password hashing is bounded (`password_hashing` settings): the target
//! is a peak of at most 150 MiB and a return to near idle afterwards.
//!
//! A benchmark, not a timed test: nothing fails on a number. `scripts/bench.sh signin` runs it;
//! `TESSERA_BENCH_SIGNINS` sets the burst size (default 100). The table goes to standard
//! output and to `target/bench/signin.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use serde_json::json;

const PASSWORD: &str = "bench horse battery staple";
const BIN: &str = env!("CARGO_BIN_EXE_tessera");

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
        // Every burst comes from 127.0.0.1: let the address budget allow it.
        .env("TESSERA_SIGN_IN_LIMIT__ATTEMPTS_PER_ADDRESS", "100000")
        .env("TESSERA_SIGN_IN_LIMIT__FAILURES_PER_ADDRESS", "100000")
        .env("TESSERA_SIGN_IN_LIMIT__FAILURES_PER_USERNAME", "100000")
        .env("TESSERA_JOBS__INTERVAL_SECONDS", "0");
    command
}

async fn start(dir: &std::path::Path) -> Server {
    let database_url = format!("sqlite://{}", dir.join("tessera.db").display());
    let mut create = tessera(&database_url)
        .args([
            "user",
            "create",
            "--username",
            "ada",
            "--display-name",
            "Ada",
            "--email",
            "ada@example.org",
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(create.stdin.take().unwrap(), "{PASSWORD}").unwrap();
    assert!(create.wait().unwrap().success(), "creating the user");

    let port = free_port();
    let child = tessera(&database_url)
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if let Ok(response) = client.get(format!("{}/healthz", server.base)).send().await
            && response.status().is_success()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server did not start");
}

/// Sends `count` sign-ins at once; returns how many got each status, and how long it took.
async fn burst(server: &Server, count: usize, known: bool) -> (BTreeMap<u16, usize>, Duration) {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let started = Instant::now();
    let calls = (0..count).map(|i| {
        let client = client.clone();
        let url = format!("{}/api/v1/session", server.base);
        let username = if known {
            "ada".to_string()
        } else {
            format!("nobody{i}")
        };
        async move {
            client
                .post(url)
                .json(&json!({"username": username, "password": PASSWORD}))
                .send()
                .await
                .map(|r| r.status().as_u16())
                .unwrap_or(0)
        }
    });
    let mut statuses = BTreeMap::new();
    for status in join_all(calls).await {
        *statuses.entry(status).or_insert(0) += 1;
    }
    (statuses, started.elapsed())
}

fn main() {
    let signins: usize = std::env::var("TESSERA_BENCH_SIGNINS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let report = runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        let server = start(dir.path()).await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let (idle, _) = server.memory();
        let mut report = String::new();
        writeln!(
            report,
            "# Server memory under sign-in bursts\n\n{signins} concurrent sign-ins per burst, \
             SQLite, `password_hashing` defaults, {} CPU cores. Idle RSS after start: \
             {idle:.0} MiB.\n",
            std::thread::available_parallelism().map_or(1, usize::from)
        )
        .unwrap();
        writeln!(
            report,
            "| burst | answers | took | peak RSS (VmHWM) | RSS right after | RSS 3 s later |"
        )
        .unwrap();
        writeln!(report, "|---|---|---|---|---|---|").unwrap();
        for (name, known) in [
            ("right password", true),
            ("unknown usernames", false),
            ("right password again", true),
        ] {
            let (statuses, took) = burst(&server, signins, known).await;
            let (after, peak) = server.memory();
            tokio::time::sleep(Duration::from_secs(3)).await;
            let (later, _) = server.memory();
            let answers = statuses
                .iter()
                .map(|(status, n)| format!("{n}× {status}"))
                .collect::<Vec<_>>()
                .join(", ");
            writeln!(
                report,
                "| {name} | {answers} | {:.1} s | {peak:.0} MiB | {after:.0} MiB | {later:.0} MiB |",
                took.as_secs_f64()
            )
            .unwrap();
        }
        report
    });
    print!("{report}");
    let out = PathBuf::from(std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into()))
        .join("bench");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("signin.md"), &report).unwrap();
}
