//! Search as people type, at scale, on both backends. Seeds the request benchmark's world
//! (50,000 people, 20,000 access packages in 20 catalogs, 400 groups; see `requests.rs`, whose
//! seeding this reuses) with fewer assignments, which no search reads, starts the real server
//! in-process and measures from several concurrent clients: the "available packages" search by
//! a name word, a rare description word, letters as they are typed, two letters, and no match;
//! the people picker (`GET /api/v1/people?q=`) and the administrators' group picker
//! (`GET /api/v1/groups?q=`). Every figure is shown next to `GET /api/v1/me` measured in the
//! same run.
//!
//! A benchmark, not a timed test: nothing fails on a slow number. `scripts/bench.sh search`
//! runs it; sizes come from the same `TESSERA_BENCH_*` variables as the request benchmark
//! (`TESSERA_BENCH_ASSIGNMENTS` defaults to 20,000 here). The table goes to standard output and
//! to `target/bench/search.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use futures_util::FutureExt;
use tessera_api::config::Settings;
use tessera_api::startup::Application;
use tessera_api::store::Db;

#[path = "requests.rs"]
#[allow(dead_code)]
mod requests;

use requests::{
    Backend, Config, FIRST_NAMES, LAST_NAMES, Measurement, Op, SYSTEMS, Session, codename,
    codenames, fresh_database, measure, ms, seed, thousands, username,
};

struct Report {
    backend: Backend,
    version: String,
    seeding: f64,
    results: Vec<Measurement>,
}

/// Paths to GET in turn, each from the next of `sessions`.
fn get_many(sessions: &Arc<Vec<Session>>, paths: Vec<String>) -> Op {
    let sessions = sessions.clone();
    let paths = Arc::new(paths);
    Arc::new(move |k| {
        let s = sessions[k % sessions.len()].clone();
        let path = paths[k % paths.len()].clone();
        async move { s.get(&path).await.map(drop) }.boxed()
    })
}

/// `base?q=word` for each word.
fn searches(base: &str, words: impl IntoIterator<Item = String>) -> Vec<String> {
    words
        .into_iter()
        .map(|word| {
            let word: String = url::form_urlencoded::byte_serialize(word.as_bytes()).collect();
            format!("{base}?q={word}")
        })
        .collect()
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
    let mut admins = Vec::new();
    for r in 0..config.concurrency {
        requesters.push(Session::sign_in(&base, &username(config, first_requester + r)).await);
        admins.push(Session::sign_in(&base, "admin").await);
    }
    let requesters = Arc::new(requesters);
    let admins = Arc::new(admins);
    let (n, c, max) = (config.read_ops, config.concurrency, config.max_duration());
    let warmup = 2 * c;
    let mut results = Vec::new();
    let mut run = async |name: &str, op: Op| {
        results.push(measure(name, n, c, max, warmup, op).await);
    };

    run(
        "baseline: GET /me",
        get_many(&requesters, vec!["/api/v1/me".into()]),
    )
    .await;

    let available = "/api/v1/me/available-packages";
    let systems = || SYSTEMS.iter().map(|s| s.to_lowercase());
    run(
        "packages: name word (1 in 40)",
        get_many(&requesters, searches(available, systems())),
    )
    .await;
    let rare = (0..codenames(config)).step_by(7).map(codename);
    run(
        "packages: rare word (about 20)",
        get_many(&requesters, searches(available, rare)),
    )
    .await;
    // What a person types, letter by letter, from the third on.
    let typed = systems().flat_map(|word| {
        let letters: Vec<char> = word.chars().collect();
        (3..=letters.len().min(6))
            .map(|n| letters[..n].iter().collect::<String>())
            .collect::<Vec<_>>()
    });
    run(
        "packages: typing (3 to 6 letters)",
        get_many(&requesters, searches(available, typed)),
    )
    .await;
    let two = systems().map(|word| word.chars().take(2).collect::<String>());
    run(
        "packages: two letters",
        get_many(&requesters, searches(available, two)),
    )
    .await;
    let none = (0..50).map(|i| format!("nothing{i}here"));
    run(
        "packages: no match",
        get_many(&requesters, searches(available, none)),
    )
    .await;

    // People are "First Last" (676 pairs, each about 1 in 676) with usernames user00000 on.
    let people = "/api/v1/people";
    let last = LAST_NAMES.iter().map(|name| name.to_lowercase());
    run(
        "people: last name (1 in 26)",
        get_many(&requesters, searches(people, last)),
    )
    .await;
    let pairs = FIRST_NAMES
        .iter()
        .zip(LAST_NAMES.iter().rev())
        .map(|(first, last)| format!("{} {}", first.to_lowercase(), &last.to_lowercase()[..2]));
    run(
        "people: first name and two letters",
        get_many(&requesters, searches(people, pairs)),
    )
    .await;
    let one = (0..50).map(|i| format!("r{:05}", 100 + (i * 997) % (config.users - 100)));
    run(
        "people: one username",
        get_many(&requesters, searches(people, one)),
    )
    .await;
    let nobody = (0..50).map(|i| format!("nobody{i}"));
    run(
        "people: no match",
        get_many(&requesters, searches(people, nobody)),
    )
    .await;

    let groups = "/api/v1/groups";
    run(
        "groups: system word (admin)",
        get_many(&admins, searches(groups, systems())),
    )
    .await;

    db.close().await;
    server.abort();
    cleanup.run(config, &url).await;
    Report {
        backend,
        version,
        seeding: seeded.total.as_secs_f64(),
        results,
    }
}

fn render(config: &Config, reports: &[Report]) -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mut out = String::new();
    let _ = writeln!(out, "# Tessera search benchmark\n");
    let _ = writeln!(
        out,
        "Run {} on {cpus} CPUs. Seeded: {} people, {} access packages in {} catalogs, {} \
         groups, {} assignments. {} concurrent clients; each measurement makes up to {} \
         searches and stops after {} s. \"ops/s ×\" is throughput over the baseline's (`GET \
         /api/v1/me`, authentication and one small query, in the same run), \"p99 ×\" the p99 \
         latency over the baseline's.\n",
        Utc::now().format("%Y-%m-%d %H:%M UTC"),
        thousands(config.users),
        thousands(config.packages),
        config.catalogs,
        config.groups,
        thousands(config.assignments),
        config.concurrency,
        config.read_ops,
        config.max_seconds,
    );
    for report in reports {
        let _ = writeln!(
            out,
            "## {} ({}; seeded in {:.0} s)\n",
            report.backend.label(),
            report.version,
            report.seeding
        );
        let _ = writeln!(
            out,
            "| measurement | searches | errors | searches/s | p50 ms | p99 ms | ops/s × | p99 × |"
        );
        let _ = writeln!(out, "|---|---:|---:|---:|---:|---:|---:|---:|");
        let baseline = &report.results[0];
        for m in &report.results {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {:.1} | {:.2} | {:.2} | {:.3} | {:.1} |",
                m.name,
                m.ops,
                m.errors,
                m.throughput(),
                ms(m.percentile(50.0)),
                ms(m.percentile(99.0)),
                m.throughput() / baseline.throughput().max(f64::EPSILON),
                m.percentile(99.0).as_secs_f64()
                    / baseline.percentile(99.0).as_secs_f64().max(f64::EPSILON),
            );
        }
        for m in report.results.iter().filter(|m| m.errors > 0) {
            let _ = writeln!(
                out,
                "\n- {}: {} errors, first: {}",
                m.name,
                m.errors,
                m.first_error.as_deref().unwrap_or_default()
            );
        }
        let _ = writeln!(out);
    }
    out
}

/// `target/bench/search.md`, beside the binary's own target directory.
fn report_path() -> PathBuf {
    let target = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(PathBuf::from))
        .filter(|dir| dir.join("CACHEDIR.TAG").exists())
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    target.join("bench").join("search.md")
}

fn main() {
    let mut config = Config::from_env();
    if std::env::var_os("TESSERA_BENCH_ASSIGNMENTS").is_none() {
        config.assignments = config.assignments.min(20_000);
    }
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
    let markdown = render(&config, &reports);
    println!("\n{markdown}");
    eprintln!("took {:.0} s", started.elapsed().as_secs_f64());
    let path = report_path();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, markdown).unwrap();
    eprintln!("written to {}", path.display());
}
