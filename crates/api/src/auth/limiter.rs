//! Sign-in throttling: fixed windows counting failures per username and attempts per client
//! address. Kept in memory, so each replica counts on its own; with N replicas behind a
//! balancer an attacker gets at most N times the budget.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::SignInLimitSettings;

pub struct SignInLimiter {
    failures_per_username: u32,
    attempts_per_address: u32,
    window: Duration,
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

/// Bounds memory under a flood of distinct keys.
const MAX_TRACKED: usize = 100_000;

impl SignInLimiter {
    pub fn new(settings: &SignInLimitSettings) -> Self {
        SignInLimiter {
            failures_per_username: settings.failures_per_username,
            attempts_per_address: settings.attempts_per_address,
            window: Duration::from_secs(settings.window_seconds),
            windows: Mutex::new(HashMap::new()),
        }
    }

    /// Counts an attempt from `address` for `username`. `Err(seconds)` when either budget is
    /// spent: the caller answers 429 with that Retry-After, without checking the password.
    pub fn begin_attempt(&self, address: &str, username: &str, now: Instant) -> Result<(), u64> {
        let Ok(mut windows) = self.windows.lock() else {
            return Ok(());
        };
        if windows.len() > MAX_TRACKED {
            let window = self.window;
            windows.retain(|_, w| now.duration_since(w.started) < window);
        }
        let user_key = format!("u:{username}");
        if let Some(wait) = self.exhausted(&windows, &user_key, self.failures_per_username, now) {
            return Err(wait);
        }
        let address_key = format!("a:{address}");
        if let Some(wait) = self.exhausted(&windows, &address_key, self.attempts_per_address, now) {
            return Err(wait);
        }
        self.bump(&mut windows, address_key, now);
        Ok(())
    }

    pub fn record_failure(&self, username: &str, now: Instant) {
        if let Ok(mut windows) = self.windows.lock() {
            self.bump(&mut windows, format!("u:{username}"), now);
        }
    }

    pub fn record_success(&self, username: &str) {
        if let Ok(mut windows) = self.windows.lock() {
            windows.remove(&format!("u:{username}"));
        }
    }

    fn exhausted(
        &self,
        windows: &HashMap<String, Window>,
        key: &str,
        limit: u32,
        now: Instant,
    ) -> Option<u64> {
        let window = windows.get(key)?;
        let elapsed = now.duration_since(window.started);
        if elapsed >= self.window || window.count < limit {
            return None;
        }
        Some((self.window - elapsed).as_secs().max(1))
    }

    fn bump(&self, windows: &mut HashMap<String, Window>, key: String, now: Instant) {
        let entry = windows.entry(key).or_insert(Window {
            started: now,
            count: 0,
        });
        if now.duration_since(entry.started) >= self.window {
            *entry = Window {
                started: now,
                count: 0,
            };
        }
        entry.count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter() -> SignInLimiter {
        SignInLimiter::new(&SignInLimitSettings {
            failures_per_username: 3,
            attempts_per_address: 10,
            window_seconds: 60,
        })
    }

    #[test]
    fn a_username_is_locked_after_its_failures_until_the_window_ends() {
        let limiter = limiter();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.begin_attempt("1.2.3.4", "ada", start), Ok(()));
            limiter.record_failure("ada", start);
        }
        assert_eq!(limiter.begin_attempt("5.6.7.8", "ada", start), Err(60));
        assert_eq!(limiter.begin_attempt("5.6.7.8", "bob", start), Ok(()));
        let later = start + Duration::from_secs(61);
        assert_eq!(limiter.begin_attempt("5.6.7.8", "ada", later), Ok(()));
    }

    #[test]
    fn success_clears_a_usernames_failures() {
        let limiter = limiter();
        let now = Instant::now();
        limiter.record_failure("ada", now);
        limiter.record_failure("ada", now);
        limiter.record_success("ada");
        limiter.record_failure("ada", now);
        limiter.record_failure("ada", now);
        assert_eq!(limiter.begin_attempt("1.2.3.4", "ada", now), Ok(()));
    }

    #[test]
    fn an_address_is_limited_across_usernames() {
        let limiter = limiter();
        let now = Instant::now();
        for i in 0..10 {
            assert_eq!(
                limiter.begin_attempt("9.9.9.9", &format!("user{i}"), now),
                Ok(())
            );
        }
        assert!(limiter.begin_attempt("9.9.9.9", "another", now).is_err());
    }
}
