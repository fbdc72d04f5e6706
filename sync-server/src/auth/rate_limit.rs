//! A rate budget per caller (a device token, an admin session, or for
//! unauthenticated routes the client's IP address). A phone on a bad network
//! retrying in a loop, or someone guessing invitation codes, is slowed down
//! without touching anyone else.
//!
//! The bookkeeping is `governor`'s keyed limiter (GCRA, lock-free per key);
//! this module only turns the configured rate and burst into its quota and
//! forgets idle callers so the map stays small.

use governor::clock::{Clock, DefaultClock};
use governor::middleware::NoOpMiddleware;
use governor::state::keyed::DashMapStateStore;
use governor::{Quota, RateLimiter as Keyed};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: f64,
}

impl RateLimit {
    /// The same budget as `governor` counts it: one request per period, at
    /// most `burst` at once. A rate too small to express waits a day.
    fn quota(self) -> Quota {
        let period = Duration::try_from_secs_f64(1.0 / self.per_second)
            .ok()
            .filter(|p| !p.is_zero())
            .unwrap_or(Duration::from_secs(86_400));
        let burst = NonZeroU32::new(self.burst.clamp(1.0, f64::from(u32::MAX)) as u32)
            .unwrap_or(NonZeroU32::MIN);
        Quota::with_period(period)
            .unwrap_or(Quota::per_hour(NonZeroU32::MIN))
            .allow_burst(burst)
    }
}

/// Above this many callers, those whose budget is full again are forgotten
/// (every `PRUNE_EVERY` checks, so a crowd does not prune on every call).
const PRUNE_ABOVE: usize = 10_000;
const PRUNE_EVERY: u64 = 1_024;

pub struct RateLimiter<C: Clock = DefaultClock> {
    keyed: Keyed<String, DashMapStateStore<String>, C, NoOpMiddleware<C::Instant>>,
    clock: C,
    checks: AtomicU64,
}

impl std::fmt::Debug for RateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RateLimiter")
            .field("callers", &self.keyed.len())
            .finish()
    }
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self::with_clock(limit, DefaultClock::default())
    }
}

impl<C: Clock + Clone> RateLimiter<C> {
    pub fn with_clock(limit: RateLimit, clock: C) -> Self {
        Self {
            keyed: Keyed::dashmap_with_clock(limit.quota(), clock.clone()),
            clock,
            checks: AtomicU64::new(0),
        }
    }

    /// Takes one request's budget for `key`, or says how long to wait.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let n = self.checks.fetch_add(1, Ordering::Relaxed);
        if n.is_multiple_of(PRUNE_EVERY) && self.keyed.len() > PRUNE_ABOVE {
            self.keyed.retain_recent();
        }
        self.keyed
            .check_key(&key.to_owned())
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use governor::clock::FakeRelativeClock;

    #[test]
    fn a_burst_is_allowed_then_callers_wait_and_others_are_untouched() {
        let clock = FakeRelativeClock::default();
        let limit = RateLimit {
            per_second: 2.0,
            burst: 3.0,
        };
        let limiter = RateLimiter::with_clock(limit, clock.clone());
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(
            wait > Duration::ZERO && wait <= Duration::from_millis(500),
            "{wait:?}"
        );
        assert!(
            limiter.check("b").is_ok(),
            "another caller has its own bucket"
        );
        clock.advance(Duration::from_millis(600));
        assert!(
            limiter.check("a").is_ok(),
            "a request's budget comes back after 1/rate seconds"
        );
        assert!(limiter.check("a").is_err(), "but only one");
    }

    #[test]
    fn idle_callers_are_forgotten_once_there_are_many() {
        let clock = FakeRelativeClock::default();
        let limit = RateLimit {
            per_second: 1.0,
            burst: 2.0,
        };
        let limiter = RateLimiter::with_clock(limit, clock.clone());
        for i in 0..PRUNE_ABOVE as u64 + PRUNE_EVERY {
            let _ = limiter.check(&format!("phone-{i}"));
        }
        assert!(limiter.keyed.len() > PRUNE_ABOVE);
        clock.advance(Duration::from_secs(10));
        for _ in 0..PRUNE_EVERY {
            let _ = limiter.check("busy");
        }
        assert!(
            limiter.keyed.len() < 10,
            "callers whose budget refilled are dropped: {}",
            limiter.keyed.len()
        );
    }
}
