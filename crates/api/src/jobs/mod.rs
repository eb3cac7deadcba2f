//! Background work that runs on a clock: assignments starting and ending on time, requests
//! escalating, timing out and starting, notifications e-mailed from the outbox, and expired
//! sign-in flows and sessions deleted. The loop is here; the sweeps of each kind of thing are in
//! [`assignments`], [`requests`], [`users`], [`guests`] and [`housekeeping`] (the review
//! sweeps are the reviews service's).
//!
//! Every replica may run the scheduler. Each change it makes is a compare-and-set on the row's
//! version inside a transaction, so when two replicas pick the same assignment, one changes it
//! and the other skips it. A notification is e-mailed by the worker whose claim on it won.
//! Webhook deliveries and provisioning operations go out from their own tasks
//! ([`spawn_webhook_worker`], [`spawn_provisioning_worker`]), claimed the same way.
//!
//! Each job's round is timed for `/metrics`: how late it started after its tick was due (a
//! long round before it, a starved runtime), and when it last finished.

use std::time::Duration;

use actix_web::web;
use chrono::Utc;
use tokio::time::Instant;

use crate::service;
use crate::state::AppState;

pub mod assignments;
pub mod guests;
pub mod housekeeping;
pub mod requests;
pub mod users;

/// Runs one round of `job` that was due at `scheduled`, and records in the metrics how late it
/// started, when it finished and whether it failed.
async fn timed<T, E>(
    state: &AppState,
    job: &'static str,
    scheduled: Instant,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    state
        .metrics
        .job_started(job, Instant::now().saturating_duration_since(scheduled));
    let outcome = work.await;
    state.metrics.job_finished(job, outcome.is_ok(), Utc::now());
    outcome
}

/// Runs rounds of scheduled work every `interval` until the process ends. A failed round is
/// logged and the next one tries again.
pub fn spawn_scheduler(
    state: web::Data<AppState>,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let scheduled = ticker.tick().await;
            match timed(
                &state,
                "assignments",
                scheduled,
                assignments::run_due_work(&state, Utc::now()),
            )
            .await
            {
                Ok(work) if work.started + work.ended > 0 => {
                    tracing::info!(
                        started = work.started,
                        ended = work.ended,
                        "assignments changed on schedule"
                    );
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "scheduled work failed; retrying next round")
                }
            }
            match timed(
                &state,
                "requests",
                scheduled,
                requests::run_due_requests(&state, Utc::now()),
            )
            .await
            {
                Ok(moved) if moved > 0 => tracing::info!(moved, "requests moved on schedule"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "scheduled request work failed; retrying next round")
                }
            }
            match timed(
                &state,
                "leavers",
                scheduled,
                users::close_what_leavers_held(&state, Utc::now()),
            )
            .await
            {
                Ok(cleared) if cleared > 0 => {
                    tracing::info!(cleared, "what disabled people still held was taken away")
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "the leavers' safety net failed; retrying next round")
                }
            }
            match timed(
                &state,
                "reviews",
                scheduled,
                service::reviews::run_due_reviews(&state, Utc::now()),
            )
            .await
            {
                Ok(moved) if moved > 0 => tracing::info!(moved, "access reviews moved on schedule"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "scheduled review work failed; retrying next round")
                }
            }
            match timed(
                &state,
                "guests",
                scheduled,
                guests::run_guest_lifecycle(&state, Utc::now()),
            )
            .await
            {
                Ok(work) if work.blocked + work.unblocked + work.removed > 0 => tracing::info!(
                    blocked = work.blocked,
                    unblocked = work.unblocked,
                    removed = work.removed,
                    "guests' lifecycle moved on schedule"
                ),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "scheduled guest work failed; retrying next round")
                }
            }
            match timed(
                &state,
                "housekeeping",
                scheduled,
                housekeeping::purge_expired(&state, Utc::now()),
            )
            .await
            {
                Ok(purged) if purged.flows + purged.sessions > 0 => tracing::info!(
                    flows = purged.flows,
                    sessions = purged.sessions,
                    "expired sign-in flows and sessions deleted"
                ),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "housekeeping failed; retrying next round")
                }
            }
            // Notifications come after the assignment work, so that those it wrote go out now.
            match timed(
                &state,
                "notifications",
                scheduled,
                service::notifications::deliver_due(&state, Utc::now()),
            )
            .await
            {
                Ok(sent) if sent > 0 => tracing::info!(sent, "notifications e-mailed"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "e-mailing notifications failed; retrying next round")
                }
            }
        }
    })
}

/// Runs webhook delivery rounds every `interval` until the process ends, apart from the
/// scheduler so that events go out within about `interval` of their change. A failed round is
/// logged and the next one tries again.
pub fn spawn_webhook_worker(
    state: web::Data<AppState>,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let scheduled = ticker.tick().await;
            match timed(
                &state,
                "webhooks",
                scheduled,
                service::webhooks::deliver_due(&state),
            )
            .await
            {
                Ok(sent) if sent > 0 => tracing::debug!(sent, "webhook deliveries made"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "webhook deliveries failed; retrying next round")
                }
            }
            // Custom extension calls go out through the same outbox mechanism, in the same
            // rounds.
            match service::extensions::deliver_due(&state).await {
                Ok(sent) if sent > 0 => tracing::debug!(sent, "custom extension calls made"),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "custom extension calls failed; retrying next round")
                }
            }
        }
    })
}

/// Runs provisioning rounds every `interval` until the process ends, apart from the scheduler
/// so that membership changes reach connected systems within about `interval`. A failed round
/// is logged and the next one tries again.
pub fn spawn_provisioning_worker(
    state: web::Data<AppState>,
    interval: Duration,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            match service::provisioning::deliver_due(&state).await {
                Ok(pushed) if pushed > 0 => {
                    tracing::debug!(pushed, "provisioning operations pushed")
                }
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(error = %err, "provisioning failed; retrying next round")
                }
            }
        }
    })
}
