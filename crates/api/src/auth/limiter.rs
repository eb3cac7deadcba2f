//! Sign-in throttling, kept in memory (so each replica counts on its own; with N replicas behind
//! a balancer an attacker gets at most N times each budget).
//!
//! Three budgets, each checked and *reserved* before the password is verified, so a burst of
//! concurrent guesses cannot all pass a check that counts them only afterwards:
//!
//! - per (username, client address): `failures_per_address` failures, then that pair is locked
//!   out for `lockout_seconds`, doubling with every further lockout. After a lockout the pair
//!   gets one attempt; failing it locks again, for twice as long. Guesses in flight count as
//!   failures until they are known not to be.
//! - per username, across addresses: `failures_per_username` failures within the window. When
//!   it is spent, only addresses that have not failed for that username may still try (one
//!   attempt each), so an attacker spread over many addresses gets one guess per address, and
//!   the person, from an address of their own, can still sign in. Nobody can lock a person out.
//! - per client address, across usernames: `attempts_per_address` attempts within the window.
//!
//! A success clears the pair's and the username's failures.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::SignInLimitSettings;

pub struct SignInLimiter {
    failures_per_address: u32,
    failures_per_username: u32,
    attempts_per_address: u32,
    lockout: Duration,
    max_lockout: Duration,
    window: Duration,
    counts: Mutex<Counts>,
}

#[derive(Default)]
struct Counts {
    /// Keyed by (username, address).
    pairs: HashMap<(String, String), Pair>,
    usernames: HashMap<String, Window>,
    addresses: HashMap<String, Window>,
}

/// One username from one address.
#[derive(Clone, Copy)]
struct Pair {
    /// Failures since the last success or reset, including those that led to lockouts.
    failures: u32,
    in_flight: u32,
    /// How many lockouts this pair has had: the next one lasts `lockout * 2^lockouts`.
    lockouts: u32,
    locked_until: Option<Instant>,
    last_seen: Instant,
}

/// A fixed window counting events (failures of a username, attempts from an address), plus
/// the attempts in flight.
#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
    in_flight: u32,
}

/// What [`SignInLimiter::begin_attempt`] hands out: report its outcome with
/// [`SignInLimiter::succeeded`] or [`SignInLimiter::failed`]. Dropping it unreported counts as
/// a failure, so an attempt cut short (a client hanging up mid-check) is never free.
#[must_use]
pub struct Attempt<'a> {
    limiter: &'a SignInLimiter,
    username: String,
    address: String,
    reported: bool,
}

impl Attempt<'_> {
    pub fn succeeded(mut self) {
        self.reported = true;
        self.limiter.finish(&self.username, &self.address, true);
    }

    pub fn failed(mut self) {
        self.reported = true;
        self.limiter.finish(&self.username, &self.address, false);
    }

    /// The password was never checked (the server was too busy): the attempt is released
    /// without counting.
    pub fn abandon(mut self) {
        self.reported = true;
        self.limiter.release(&self.username, &self.address);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.reported {
            self.limiter.finish(&self.username, &self.address, false);
        }
    }
}

/// Bounds memory under a flood of distinct keys.
const MAX_TRACKED: usize = 100_000;

/// How long a caller waits when the attempts allowed are all in flight.
const IN_FLIGHT_RETRY_SECS: u64 = 1;

impl SignInLimiter {
    pub fn new(settings: &SignInLimitSettings) -> Self {
        SignInLimiter {
            failures_per_address: settings.failures_per_address,
            failures_per_username: settings.failures_per_username,
            attempts_per_address: settings.attempts_per_address,
            lockout: Duration::from_secs(settings.lockout_seconds),
            max_lockout: Duration::from_secs(settings.max_lockout_seconds),
            window: Duration::from_secs(settings.window_seconds),
            counts: Mutex::new(Counts::default()),
        }
    }

    /// Reserves an attempt from `address` for `username`, before the password is checked.
    /// `Err(seconds)` when a budget is spent or locked: the caller answers 429 with that
    /// Retry-After, without checking the password.
    pub fn begin_attempt(
        &self,
        address: &str,
        username: &str,
        now: Instant,
    ) -> Result<Attempt<'_>, u64> {
        let Ok(mut counts) = self.counts.lock() else {
            return Err(IN_FLIGHT_RETRY_SECS);
        };
        self.forget_stale(&mut counts, now);
        let pair_key = (username.to_owned(), address.to_owned());

        let window = self.window;
        if counts
            .pairs
            .get(&pair_key)
            .is_some_and(|p| p.in_flight == 0 && p.quiet_for(now) >= window)
        {
            counts.pairs.remove(&pair_key);
        }
        let pair = counts.pairs.get(&pair_key).copied();
        if let Some(pair) = pair {
            if let Some(until) = pair.locked_until
                && until > now
            {
                return Err(seconds_until(until, now));
            }
            if pair.failures + pair.in_flight >= self.failures_per_address {
                // Past a lockout, the pair has one attempt, taken now by one in flight.
                let past_lockout = pair.locked_until.is_some();
                if !past_lockout || pair.in_flight > 0 {
                    return Err(IN_FLIGHT_RETRY_SECS);
                }
            }
        }
        let pair_clean = pair.is_none_or(|p| p.failures == 0 && p.in_flight == 0);
        if let Some(user) = live(counts.usernames.get(username), self.window, now)
            && user.count + user.in_flight >= self.failures_per_username
            && !pair_clean
        {
            return Err(seconds_until(user.started + self.window, now));
        }
        if let Some(from) = live(counts.addresses.get(address), self.window, now)
            && from.count >= self.attempts_per_address
        {
            return Err(seconds_until(from.started + self.window, now));
        }

        let pair = counts.pairs.entry(pair_key).or_insert(Pair {
            failures: 0,
            in_flight: 0,
            lockouts: 0,
            locked_until: None,
            last_seen: now,
        });
        pair.in_flight += 1;
        pair.last_seen = now;
        fresh(&mut counts.usernames, username, self.window, now).in_flight += 1;
        fresh(&mut counts.addresses, address, self.window, now).count += 1;
        Ok(Attempt {
            limiter: self,
            username: username.to_owned(),
            address: address.to_owned(),
            reported: false,
        })
    }

    fn release(&self, username: &str, address: &str) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        if let Some(user) = counts.usernames.get_mut(username) {
            user.in_flight = user.in_flight.saturating_sub(1);
        }
        if let Some(from) = counts.addresses.get_mut(address) {
            from.count = from.count.saturating_sub(1);
        }
        let key = (username.to_owned(), address.to_owned());
        if let Some(pair) = counts.pairs.get_mut(&key) {
            pair.in_flight = pair.in_flight.saturating_sub(1);
        }
    }

    fn finish(&self, username: &str, address: &str, success: bool) {
        let Ok(mut counts) = self.counts.lock() else {
            return;
        };
        let now = Instant::now();
        if let Some(user) = counts.usernames.get_mut(username) {
            user.in_flight = user.in_flight.saturating_sub(1);
            if success {
                user.count = 0;
            } else {
                user.count += 1;
            }
        }
        let key = (username.to_owned(), address.to_owned());
        let Some(pair) = counts.pairs.get_mut(&key) else {
            return;
        };
        pair.in_flight = pair.in_flight.saturating_sub(1);
        pair.last_seen = now;
        if success {
            pair.failures = 0;
            pair.lockouts = 0;
            pair.locked_until = None;
            return;
        }
        pair.failures += 1;
        if pair.failures >= self.failures_per_address {
            let doubling = 2u32.saturating_pow(pair.lockouts);
            let lockout = self.lockout.saturating_mul(doubling).min(self.max_lockout);
            pair.locked_until = Some(now + lockout);
            pair.lockouts = pair.lockouts.saturating_add(1);
        }
    }

    /// Drops windows that ended and pairs idle for a window after their lockout, once the
    /// tables grow large.
    fn forget_stale(&self, counts: &mut Counts, now: Instant) {
        if counts.pairs.len() + counts.usernames.len() + counts.addresses.len() <= MAX_TRACKED {
            return;
        }
        let window = self.window;
        counts
            .usernames
            .retain(|_, w| w.in_flight > 0 || now.duration_since(w.started) < window);
        counts
            .addresses
            .retain(|_, w| now.duration_since(w.started) < window);
        counts
            .pairs
            .retain(|_, p| p.in_flight > 0 || p.quiet_for(now) < window);
    }
}

impl Pair {
    /// How long since the pair's last attempt or the end of its lockout, whichever is later.
    fn quiet_for(&self, now: Instant) -> Duration {
        let since = self
            .locked_until
            .map_or(self.last_seen, |until| until.max(self.last_seen));
        now.saturating_duration_since(since)
    }
}

/// The window if it has not ended.
fn live(window: Option<&Window>, length: Duration, now: Instant) -> Option<Window> {
    window
        .copied()
        .filter(|w| now.duration_since(w.started) < length)
}

/// The window for `key`, started afresh if it ended (attempts in flight carry over).
fn fresh<'a>(
    windows: &'a mut HashMap<String, Window>,
    key: &str,
    length: Duration,
    now: Instant,
) -> &'a mut Window {
    let window = windows.entry(key.to_owned()).or_insert(Window {
        started: now,
        count: 0,
        in_flight: 0,
    });
    if now.duration_since(window.started) >= length {
        window.started = now;
        window.count = 0;
    }
    window
}

/// Whole seconds, rounded up: a client that waits this long finds the lock gone.
fn seconds_until(until: Instant, now: Instant) -> u64 {
    let left = until.saturating_duration_since(now);
    (left.as_secs() + u64::from(left.subsec_nanos() > 0)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> SignInLimiter {
        SignInLimiter::new(&SignInLimitSettings {
            failures_per_address: 3,
            failures_per_username: 6,
            attempts_per_address: 20,
            lockout_seconds: 60,
            max_lockout_seconds: 600,
            window_seconds: 900,
        })
    }

    fn fail(limiter: &SignInLimiter, address: &str, username: &str, now: Instant) {
        match limiter.begin_attempt(address, username, now) {
            Ok(attempt) => attempt.failed(),
            Err(wait) => panic!("attempt refused for {wait} s"),
        }
    }

    #[test]
    fn a_pair_is_locked_after_its_failures_and_the_lockout_doubles() {
        let limiter = limiter();
        let start = Instant::now();
        for _ in 0..3 {
            fail(&limiter, "1.2.3.4", "ada", start);
        }
        assert!(limiter.begin_attempt("1.2.3.4", "ada", start).is_err());
        // Another address, and another username from this address, are not held up.
        assert!(limiter.begin_attempt("5.6.7.8", "ada", start).is_ok());
        assert!(limiter.begin_attempt("1.2.3.4", "bob", start).is_ok());
        // After the lockout, one attempt; failing it locks for twice as long.
        let later = Instant::now() + Duration::from_secs(61);
        let attempt = limiter.begin_attempt("1.2.3.4", "ada", later);
        assert!(attempt.is_ok());
        assert!(limiter.begin_attempt("1.2.3.4", "ada", later).is_err());
        if let Ok(attempt) = attempt {
            attempt.failed();
        }
        let wait = limiter.begin_attempt("1.2.3.4", "ada", Instant::now());
        assert!(matches!(wait, Err(secs) if secs > 60 && secs <= 120));
    }

    #[test]
    fn attempts_in_flight_are_counted_before_their_outcome() {
        let limiter = limiter();
        let now = Instant::now();
        let held: Vec<_> = (0..3)
            .map(|_| limiter.begin_attempt("1.2.3.4", "ada", now))
            .collect();
        assert!(held.iter().all(Result::is_ok));
        assert_eq!(
            limiter.begin_attempt("1.2.3.4", "ada", now).err(),
            Some(IN_FLIGHT_RETRY_SECS)
        );
        for attempt in held.into_iter().flatten() {
            attempt.succeeded();
        }
        assert!(limiter.begin_attempt("1.2.3.4", "ada", now).is_ok());
    }

    #[test]
    fn a_spent_username_budget_still_lets_a_clean_address_try() {
        let limiter = limiter();
        let now = Instant::now();
        for address in ["a", "a", "b", "b", "c", "c"] {
            fail(&limiter, address, "ada", now);
        }
        // Addresses that failed are held up, though none is locked on its own.
        assert!(limiter.begin_attempt("a", "ada", now).is_err());
        let clean = limiter.begin_attempt("home", "ada", now);
        assert!(clean.is_ok());
        // One attempt at a time from a clean address, then it has failed too.
        assert!(limiter.begin_attempt("home", "ada", now).is_err());
        if let Ok(attempt) = clean {
            attempt.succeeded();
        }
        // The person signed in: the budget starts again.
        assert!(limiter.begin_attempt("a", "ada", now).is_ok());
    }

    #[test]
    fn success_clears_a_pairs_failures() {
        let limiter = limiter();
        let now = Instant::now();
        fail(&limiter, "1.2.3.4", "ada", now);
        fail(&limiter, "1.2.3.4", "ada", now);
        if let Ok(attempt) = limiter.begin_attempt("1.2.3.4", "ada", now) {
            attempt.succeeded();
        }
        fail(&limiter, "1.2.3.4", "ada", now);
        fail(&limiter, "1.2.3.4", "ada", now);
        assert!(limiter.begin_attempt("1.2.3.4", "ada", now).is_ok());
    }

    #[test]
    fn an_attempt_dropped_unreported_counts_as_a_failure() {
        let limiter = limiter();
        let now = Instant::now();
        for _ in 0..3 {
            drop(limiter.begin_attempt("1.2.3.4", "ada", now));
        }
        assert!(limiter.begin_attempt("1.2.3.4", "ada", now).is_err());
    }

    #[test]
    fn an_address_is_limited_across_usernames() {
        let limiter = limiter();
        let now = Instant::now();
        for i in 0..20 {
            match limiter.begin_attempt("9.9.9.9", &format!("user{i}"), now) {
                Ok(attempt) => attempt.succeeded(),
                Err(wait) => panic!("refused after {i} for {wait} s"),
            }
        }
        assert!(limiter.begin_attempt("9.9.9.9", "another", now).is_err());
    }
}
