//! The process's Prometheus metrics, served at `/metrics` in the Prometheus text format.
//!
//! Counters and histograms are updated where things happen: every request (by its route
//! pattern, never its raw path), every round of each scheduled job, every refused sign-in. The
//! rest is read when Prometheus scrapes: the database pool's connections and the backlog of
//! each outbox (one `COUNT`/`MIN` query per outbox, see `store::outboxes`).
//!
//! One [`Metrics`] lives in [`AppState`], passed like everything else; there is no global
//! registry, so each test server counts only its own requests.

use std::time::Duration;

use chrono::{DateTime, Utc};
use prometheus::{
    GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGaugeVec, Opts, Registry, TextEncoder,
};

use crate::state::AppState;
use crate::store::{self, Backend, StoreError};

/// The content type of the text format.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The route label of requests that no route matched (unknown paths), so that scanners
/// cannot grow the label set.
pub const UNMATCHED_ROUTE: &str = "unmatched";

/// The version of this build, and its git commit when the build was given one in
/// `TESSERA_GIT_COMMIT` (`scripts/build-release.sh`, CI).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub const GIT_COMMIT: &str = match option_env!("TESSERA_GIT_COMMIT") {
    Some(commit) => commit,
    None => "unknown",
};

/// Latency buckets in seconds, from a cached read to a slow export.
const LATENCY_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How a sign-in was refused, as the `method` label of `tessera_sign_in_failures_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInMethod {
    Password,
    Oidc,
}

impl SignInMethod {
    fn label(self) -> &'static str {
        match self {
            SignInMethod::Password => "password",
            SignInMethod::Oidc => "oidc",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("cannot register a metric: {0}")]
    Register(#[from] prometheus::Error),
    #[error("cannot read an outbox: {0}")]
    Store(#[from] StoreError),
}

pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    pool_connections: IntGaugeVec,
    pool_max: IntGaugeVec,
    job_lag: GaugeVec,
    job_last_run: GaugeVec,
    job_runs: IntCounterVec,
    outbox_pending: IntGaugeVec,
    outbox_age: GaugeVec,
    sign_in_failures: IntCounterVec,
}

impl Metrics {
    /// Registers every metric of the process; `backend` is part of the build information.
    pub fn new(backend: Backend) -> Result<Metrics, MetricsError> {
        let registry = Registry::new();
        let requests = IntCounterVec::new(
            Opts::new(
                "tessera_http_requests_total",
                "HTTP requests answered, by method, route pattern and status code.",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new(
                "tessera_http_request_duration_seconds",
                "Time to answer an HTTP request (until its headers), by method, route pattern \
                 and status class (2xx, 4xx, ...).",
            )
            .buckets(LATENCY_BUCKETS.to_vec()),
            &["method", "route", "status_class"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "tessera_db_pool_connections",
                "Connections a database pool holds, idle or in use: SQLite's `reads` and \
                 `writer`, PostgreSQL's `shared`.",
            ),
            &["pool", "state"],
        )?;
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "tessera_db_pool_max_connections",
                "The most connections a database pool may open.",
            ),
            &["pool"],
        )?;
        let job_lag = GaugeVec::new(
            Opts::new(
                "tessera_job_lag_seconds",
                "How late the last round of a scheduled job started, after its scheduled time.",
            ),
            &["job"],
        )?;
        let job_last_run = GaugeVec::new(
            Opts::new(
                "tessera_job_last_run_timestamp_seconds",
                "When the last round of a scheduled job finished (Unix time).",
            ),
            &["job"],
        )?;
        let job_runs = IntCounterVec::new(
            Opts::new(
                "tessera_job_runs_total",
                "Rounds of a scheduled job, by outcome (ok or failed).",
            ),
            &["job", "outcome"],
        )?;
        let outbox_pending = IntGaugeVec::new(
            Opts::new(
                "tessera_outbox_pending",
                "Items waiting in an outbox to be sent.",
            ),
            &["outbox"],
        )?;
        let outbox_age = GaugeVec::new(
            Opts::new(
                "tessera_outbox_oldest_pending_age_seconds",
                "Age of the oldest item waiting in an outbox; 0 when none waits.",
            ),
            &["outbox"],
        )?;
        let sign_in_failures = IntCounterVec::new(
            Opts::new(
                "tessera_sign_in_failures_total",
                "Refused sign-ins, by method (password or oidc) and reason.",
            ),
            &["method", "reason"],
        )?;
        let build_info = IntGaugeVec::new(
            Opts::new(
                "tessera_build_info",
                "Always 1; the labels say which build runs on which database.",
            ),
            &["version", "commit", "backend"],
        )?;
        build_info
            .with_label_values(&[VERSION, GIT_COMMIT, backend.name()])
            .set(1);
        for collector in [
            Box::new(requests.clone()) as Box<dyn prometheus::core::Collector>,
            Box::new(latency.clone()),
            Box::new(pool_connections.clone()),
            Box::new(pool_max.clone()),
            Box::new(job_lag.clone()),
            Box::new(job_last_run.clone()),
            Box::new(job_runs.clone()),
            Box::new(outbox_pending.clone()),
            Box::new(outbox_age.clone()),
            Box::new(sign_in_failures.clone()),
            Box::new(build_info),
        ] {
            registry.register(collector)?;
        }
        Ok(Metrics {
            registry,
            requests,
            latency,
            pool_connections,
            pool_max,
            job_lag,
            job_last_run,
            job_runs,
            outbox_pending,
            outbox_age,
            sign_in_failures,
        })
    }

    /// Counts one answered request. `route` is the pattern that matched
    /// (`/api/v1/users/{id}`), or [`UNMATCHED_ROUTE`].
    pub fn observe_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let code = status.to_string();
        let class = match status {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        };
        self.requests
            .with_label_values(&[method, route, code.as_str()])
            .inc();
        self.latency
            .with_label_values(&[method, route, class])
            .observe(elapsed.as_secs_f64());
    }

    /// A round of `job` starts `lag` after the time it was scheduled for.
    pub fn job_started(&self, job: &str, lag: Duration) {
        self.job_lag
            .with_label_values(&[job])
            .set(lag.as_secs_f64());
    }

    /// A round of `job` finished at `at`, having done its work or failed.
    pub fn job_finished(&self, job: &str, ok: bool, at: DateTime<Utc>) {
        let outcome = if ok { "ok" } else { "failed" };
        self.job_runs.with_label_values(&[job, outcome]).inc();
        let seconds = at.timestamp_millis() as f64 / 1000.0;
        self.job_last_run.with_label_values(&[job]).set(seconds);
    }

    /// Counts a refused sign-in; `reason` is a fixed word (`bad_credentials`, `throttled`,
    /// an OpenID Connect refusal such as `token_invalid`), never what the person typed.
    pub fn sign_in_failed(&self, method: SignInMethod, reason: &str) {
        self.sign_in_failures
            .with_label_values(&[method.label(), reason])
            .inc();
    }

    /// Reads the pools and the outboxes, then writes every metric in the text format.
    pub async fn scrape(&self, state: &AppState) -> Result<String, MetricsError> {
        for pool in state.db.pool_use() {
            let idle = i64::from(pool.idle);
            self.pool_connections
                .with_label_values(&[pool.pool, "idle"])
                .set(idle);
            self.pool_connections
                .with_label_values(&[pool.pool, "in_use"])
                .set(i64::from(pool.size) - idle);
            self.pool_max
                .with_label_values(&[pool.pool])
                .set(i64::from(pool.max));
        }
        let now = Utc::now();
        for outbox in store::outboxes::OUTBOXES {
            let backlog = store::outboxes::backlog(&state.db, outbox).await?;
            self.outbox_pending
                .with_label_values(&[outbox.name])
                .set(backlog.pending);
            let age = backlog.oldest.map_or(0.0, |oldest| {
                (now - oldest).num_milliseconds().max(0) as f64 / 1000.0
            });
            self.outbox_age.with_label_values(&[outbox.name]).set(age);
        }
        let mut text = String::new();
        TextEncoder::new().encode_utf8(&self.registry.gather(), &mut text)?;
        Ok(text)
    }
}
