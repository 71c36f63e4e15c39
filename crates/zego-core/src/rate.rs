//! Pacing: the [`RateLimiter`] trait and its GCRA implementation.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::action::Rate;

/// Decides when each request may be sent, so that a client stays within a budget.
///
/// The call driver asks it once per attempt. An implementation may keep its state
/// elsewhere (for a budget shared by many processes, in Redis for example); it must be
/// cheap and must not block.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Reserves the next slot for `action` at or after `now`, under the vendor's budget
    /// `rate` for it, and returns the instant at which the request may be sent. The slot
    /// is taken: the caller sends then, without asking again.
    fn reserve(&self, action: &'static str, rate: Rate, now: Instant) -> Instant;
}

/// A limiter that never waits (for benchmarks, or when pacing is done elsewhere).
#[derive(Clone, Copy, Debug, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn reserve(&self, _action: &'static str, _rate: Rate, now: Instant) -> Instant {
        now
    }
}

/// The generic cell rate algorithm, one "theoretical arrival time" per action, pure
/// arithmetic on the `Instant`s it is given.
///
/// With the default burst of 1 it spaces requests evenly, `period / count` apart, so that
/// no window of one period ever holds more than `count` requests. A larger burst lets up
/// to `burst` requests go at once after an idle spell, and then as many per window as the
/// budget plus the burst, less one: keep it at 1 against a server that counts per window.
///
/// ```
/// use std::time::{Duration, Instant};
/// use zego_core::{Gcra, Rate, RateLimiter};
/// let limiter = Gcra::new();
/// let t0 = Instant::now();
/// let rate = Rate::per_second(100);
/// assert_eq!(limiter.reserve("SendCustomCommand", rate, t0), t0);
/// assert_eq!(limiter.reserve("SendCustomCommand", rate, t0), t0 + Duration::from_millis(10));
/// assert_eq!(limiter.reserve("DescribeUsers", rate, t0), t0, "each action has its own budget");
/// ```
#[derive(Debug)]
pub struct Gcra {
    fixed: Option<Rate>,
    burst: u32,
    tat: Mutex<HashMap<&'static str, Instant>>,
}

impl Default for Gcra {
    fn default() -> Self {
        Gcra::new()
    }
}

impl Gcra {
    /// Paces each action at the vendor's budget for it, with a burst of 1.
    pub fn new() -> Self {
        Gcra {
            fixed: None,
            burst: 1,
            tat: Mutex::new(HashMap::new()),
        }
    }

    /// Paces every action at `rate` instead of the vendor's budget (for an AppId whose
    /// budget is shared with other processes, give each its share).
    pub fn with_rate(rate: Rate) -> Self {
        Gcra {
            fixed: Some(rate),
            ..Gcra::new()
        }
    }

    /// Allows `burst` requests at once after an idle spell (at least 1).
    pub fn with_burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }
}

impl RateLimiter for Gcra {
    fn reserve(&self, action: &'static str, rate: Rate, now: Instant) -> Instant {
        let rate = self.fixed.unwrap_or(rate);
        let interval = rate.interval();
        let tolerance = interval.saturating_mul(self.burst - 1);
        let mut map = self
            .tat
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let tat = map.entry(action).or_insert(now);
        let earliest = tat.checked_sub(tolerance).unwrap_or(now);
        let send_at = earliest.max(now);
        // An interval is at most a year (`Rate::MAX_PERIOD`); should the clock still
        // overflow, the budget stays where it is rather than panic.
        let base = (*tat).max(send_at);
        *tat = base
            .checked_add(interval.max(Duration::from_nanos(1)))
            .unwrap_or(base);
        send_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_spacing_and_no_window_over_budget() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let rate = Rate::per_second(100);
        let times: Vec<Duration> = (0..1000).map(|_| g.reserve("A", rate, t0) - t0).collect();
        assert_eq!(times[999], Duration::from_millis(9990));
        for w in times.windows(101) {
            assert!(w[100] - w[0] >= Duration::from_secs(1));
        }
    }

    #[test]
    fn idle_time_is_not_banked() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let rate = Rate::per_second(10);
        assert_eq!(g.reserve("A", rate, t0), t0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(g.reserve("A", rate, later), later);
        assert_eq!(
            g.reserve("A", rate, later),
            later + Duration::from_millis(100)
        );
    }

    #[test]
    fn longest_period_does_not_overflow() {
        let g = Gcra::with_rate(Rate::new(1, Duration::MAX)).with_burst(u32::MAX);
        let t0 = Instant::now();
        let first = g.reserve("A", Rate::per_second(1), t0);
        assert_eq!(first, t0);
        let second = g.reserve("A", Rate::per_second(1), t0);
        assert!(second >= t0);
    }

    #[test]
    fn burst_and_fixed_rate() {
        let g = Gcra::with_rate(Rate::per_second(2)).with_burst(3);
        let t0 = Instant::now();
        let got: Vec<_> = (0..5)
            .map(|_| g.reserve("A", Rate::per_second(1000), t0) - t0)
            .collect();
        let ms = Duration::from_millis;
        assert_eq!(got, [ms(0), ms(0), ms(0), ms(500), ms(1000)]);
    }
}
