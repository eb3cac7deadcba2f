//! The outbox delivery pattern, for outbound work that must reach another system reliably:
//! rows written in the transaction of the change that caused them, then
//! claimed by workers on any replica with a compare-and-set lease, pushed, and recorded as
//! done or retried after a growing, jittered wait, until they succeed or are given up.
//!
//! A kind of work implements [`OutboxWorker`] (how to claim one item, push it and record the
//! outcome, all in its own tables) and [`run_round`] does the rest. Webhook deliveries
//! (`service::webhooks`) are the only kind so far: the notification e-mails still go out
//! through their own loop and backoff (`service::notifications::deliver_due`).

use chrono::{DateTime, Utc};
use rand::Rng;

use crate::error::ApiResult;
use crate::store::notifications::NextAttempt;

/// When failed attempts are retried: after `delays[0]`, then `delays[1]` … (the last repeated),
/// each lengthened by up to a tenth at random so that items that failed together do not come
/// back together; after `max_attempts` attempts the item is given up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetrySchedule {
    pub delays: Vec<chrono::Duration>,
    pub max_attempts: u32,
}

impl RetrySchedule {
    /// The schedule of a configuration's `retry_delays_seconds` and `max_attempts`.
    pub fn from_seconds(delays: &[u64], max_attempts: u32) -> Self {
        RetrySchedule {
            delays: delays
                .iter()
                .map(|s| chrono::Duration::seconds(i64::try_from(*s).unwrap_or(i64::MAX / 1000)))
                .collect(),
            max_attempts,
        }
    }

    /// What follows failed attempt number `attempt` (1 for the first) at `now`.
    pub fn after_failure(&self, attempt: i64, now: DateTime<Utc>) -> NextAttempt {
        if attempt >= i64::from(self.max_attempts) {
            return NextAttempt::GiveUp;
        }
        let index = usize::try_from(attempt.max(1) - 1).unwrap_or(usize::MAX);
        let Some(delay) = self.delays.get(index).or(self.delays.last()) else {
            return NextAttempt::GiveUp;
        };
        let jitter_ms = delay.num_milliseconds() / 10;
        let jitter = if jitter_ms > 0 {
            chrono::Duration::milliseconds(rand::rng().random_range(0..=jitter_ms))
        } else {
            chrono::Duration::zero()
        };
        NextAttempt::At(now + *delay + jitter)
    }
}

/// A target's error as one line of at most `max` characters, for a delivery log.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    line.trim().chars().take(max).collect()
}

/// How one push went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// The target took it; `status` is its answer (an HTTP status, for HTTP targets).
    Done { status: Option<u16> },
    /// It did not; `retry` is false when trying again cannot help.
    Failed {
        status: Option<u16>,
        error: String,
        retry: bool,
    },
}

/// One kind of outbound work.
pub(crate) trait OutboxWorker {
    type Item;

    /// Claims the next due item with a lease until `lease_until`; `None` when nothing is due.
    async fn claim(
        &self,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> ApiResult<Option<Self::Item>>;

    /// Failed attempts already made on `item`.
    fn attempts(&self, item: &Self::Item) -> i64;

    /// Pushes `item` to its target.
    async fn push(&self, item: &Self::Item) -> Pushed;

    /// Records the outcome while the lease holds; `false` when it ran out meanwhile.
    /// `next` is `None` for a push that succeeded.
    async fn record(
        &self,
        item: &Self::Item,
        pushed: &Pushed,
        next: Option<NextAttempt>,
        now: DateTime<Utc>,
    ) -> ApiResult<bool>;
}

/// Claims and pushes up to `limit` due items, one after the other; returns how many were
/// done.
pub(crate) async fn run_round<W: OutboxWorker>(
    worker: &W,
    schedule: &RetrySchedule,
    lease: chrono::Duration,
    limit: usize,
) -> ApiResult<usize> {
    let mut done = 0;
    for _ in 0..limit {
        let now = Utc::now();
        let Some(item) = worker.claim(now, now + lease).await? else {
            break;
        };
        let pushed = worker.push(&item).await;
        let now = Utc::now();
        let next = match &pushed {
            Pushed::Done { .. } => {
                done += 1;
                None
            }
            Pushed::Failed { retry: false, .. } => Some(NextAttempt::GiveUp),
            Pushed::Failed { retry: true, .. } => {
                Some(schedule.after_failure(worker.attempts(&item) + 1, now))
            }
        };
        if !worker.record(&item, &pushed, next, now).await? {
            tracing::warn!(
                "an outbox item was pushed after its lease ran out; it may be pushed again"
            );
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_wait_longer_each_time_with_at_most_a_tenth_of_jitter_then_give_up() {
        let schedule = RetrySchedule {
            delays: vec![chrono::Duration::seconds(5), chrono::Duration::seconds(300)],
            max_attempts: 4,
        };
        let now = Utc::now();
        let wait = |attempt| match schedule.after_failure(attempt, now) {
            NextAttempt::At(at) => Some(at - now),
            NextAttempt::GiveUp => None,
        };
        let first = wait(1).unwrap_or_default();
        assert!(
            first >= chrono::Duration::seconds(5) && first <= chrono::Duration::milliseconds(5500)
        );
        let second = wait(2).unwrap_or_default();
        assert!(
            second >= chrono::Duration::seconds(300) && second <= chrono::Duration::seconds(330)
        );
        let third = wait(3).unwrap_or_default();
        assert!(
            third >= chrono::Duration::seconds(300),
            "the last wait repeats"
        );
        assert_eq!(wait(4), None);
    }
}
