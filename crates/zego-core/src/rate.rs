//! Pacing: the [`RateLimiter`] trait and its GCRA implementation.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::action::Rate;

/// One budget a request counts against: the call's budget per AppId, or per room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Slot<'a> {
    /// The call (its `Action` name).
    pub action: &'static str,
    /// The room, for a per-room budget; `None` for the per-AppId budget.
    pub room: Option<&'a str>,
    /// The budget.
    pub rate: Rate,
}

impl<'a> Slot<'a> {
    /// The per-AppId budget of `action`.
    pub const fn app(action: &'static str, rate: Rate) -> Self {
        Slot {
            action,
            room: None,
            rate,
        }
    }

    /// The budget of `action` in `room`.
    pub const fn room(action: &'static str, room: &'a str, rate: Rate) -> Self {
        Slot {
            action,
            room: Some(room),
            rate,
        }
    }
}

/// Decides when each request may be sent, so that a client stays within its budgets.
///
/// The call driver asks it once per attempt, with every budget the request counts
/// against (the call's per-AppId budget, and its per-room budget if it has one). An
/// implementation may keep its state elsewhere (for a budget shared by many processes,
/// in Redis for example); it must be cheap and must not block.
pub trait RateLimiter: Send + Sync + fmt::Debug {
    /// Reserves the first instant at or after `now` at which a request fits in every one
    /// of `slots`, takes it in each of them, and returns it. The caller sends then,
    /// without asking again.
    fn reserve(&self, slots: &[Slot<'_>], now: Instant) -> Instant;
}

/// A limiter that never waits (for benchmarks, or when pacing is done elsewhere).
#[derive(Clone, Copy, Debug, Default)]
pub struct Unlimited;

impl RateLimiter for Unlimited {
    fn reserve(&self, _slots: &[Slot<'_>], now: Instant) -> Instant {
        now
    }
}

/// How many per-room entries a call's table holds before the idle ones are dropped.
const ROOMS_BEFORE_PRUNING: usize = 1024;

/// The generic cell rate algorithm: one "theoretical arrival time" per budget (per
/// action, and per action and room), pure arithmetic on the `Instant`s it is given.
///
/// With the default burst of 1 it spaces requests evenly, `period / count` apart, so that
/// no window of one period ever holds more than `count` requests. A larger burst lets up
/// to `burst` requests go at once after an idle spell, and then as many per window as the
/// budget plus the burst, less one: keep it at 1 against a server that counts per window.
/// A request with several budgets gets the first instant that fits all of them, and takes
/// that instant in each, atomically.
///
/// ```
/// use std::time::{Duration, Instant};
/// use zego_core::{Gcra, Rate, RateLimiter, Slot};
/// let limiter = Gcra::new();
/// let t0 = Instant::now();
/// let app = [Slot::app("SendCustomCommand", Rate::per_second(100))];
/// assert_eq!(limiter.reserve(&app, t0), t0);
/// assert_eq!(limiter.reserve(&app, t0), t0 + Duration::from_millis(10));
/// let other = [Slot::app("DescribeUsers", Rate::per_second(100))];
/// assert_eq!(limiter.reserve(&other, t0), t0, "each action has its own budget");
/// ```
#[derive(Debug)]
pub struct Gcra {
    fixed: Option<Rate>,
    burst: u32,
    tat: Mutex<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    app: HashMap<&'static str, Instant>,
    rooms: HashMap<&'static str, HashMap<String, Instant>>,
}

impl Default for Gcra {
    fn default() -> Self {
        Gcra::new()
    }
}

impl Gcra {
    /// Paces each action at the vendor's budgets for it, with a burst of 1.
    pub fn new() -> Self {
        Gcra {
            fixed: None,
            burst: 1,
            tat: Mutex::new(Tables::default()),
        }
    }

    /// Paces every action at `rate` per AppId instead of the vendor's budget (for an
    /// AppId whose budget is shared with other processes, give each its share). Per-room
    /// budgets stay the vendor's.
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

    fn rate(&self, slot: &Slot<'_>) -> Rate {
        match (slot.room, self.fixed) {
            (None, Some(fixed)) => fixed,
            _ => slot.rate,
        }
    }
}

impl Tables {
    fn get(&self, slot: &Slot<'_>) -> Option<Instant> {
        match slot.room {
            None => self.app.get(slot.action).copied(),
            Some(room) => self.rooms.get(slot.action)?.get(room).copied(),
        }
    }

    fn set(&mut self, slot: &Slot<'_>, tat: Instant, now: Instant) {
        match slot.room {
            None => {
                self.app.insert(slot.action, tat);
            }
            Some(room) => {
                let rooms = self.rooms.entry(slot.action).or_default();
                if let Some(entry) = rooms.get_mut(room) {
                    *entry = tat;
                    return;
                }
                if rooms.len() >= ROOMS_BEFORE_PRUNING {
                    // An entry whose time has passed holds nothing a new one would not:
                    // dropping it changes no decision, and bounds the table by the rooms
                    // used within one period.
                    rooms.retain(|_, at| *at > now);
                }
                rooms.insert(room.to_owned(), tat);
            }
        }
    }
}

impl RateLimiter for Gcra {
    fn reserve(&self, slots: &[Slot<'_>], now: Instant) -> Instant {
        let mut tables = self
            .tat
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // The first instant that fits every budget...
        let mut send_at = now;
        for slot in slots {
            let tolerance = self.rate(slot).interval().saturating_mul(self.burst - 1);
            if let Some(tat) = tables.get(slot) {
                let earliest = tat.checked_sub(tolerance).unwrap_or(now);
                send_at = send_at.max(earliest);
            }
        }
        // ...taken in each. An interval is at most a year (`Rate::MAX_PERIOD`); should the
        // clock still overflow, a budget stays where it is rather than panic.
        for slot in slots {
            let interval = self.rate(slot).interval().max(Duration::from_nanos(1));
            let base = tables.get(slot).unwrap_or(send_at).max(send_at);
            let tat = base.checked_add(interval).unwrap_or(base);
            tables.set(slot, tat, now);
        }
        send_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn app(rate: Rate) -> [Slot<'static>; 1] {
        [Slot::app("A", rate)]
    }

    #[test]
    fn even_spacing_and_no_window_over_budget() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let slots = app(Rate::per_second(100));
        let times: Vec<Duration> = (0..1000).map(|_| g.reserve(&slots, t0) - t0).collect();
        assert_eq!(times[999], Duration::from_millis(9990));
        for w in times.windows(101) {
            assert!(w[100] - w[0] >= Duration::from_secs(1));
        }
    }

    #[test]
    fn idle_time_is_not_banked() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let slots = app(Rate::per_second(10));
        assert_eq!(g.reserve(&slots, t0), t0);
        let later = t0 + Duration::from_secs(60);
        assert_eq!(g.reserve(&slots, later), later);
        assert_eq!(g.reserve(&slots, later), later + Duration::from_millis(100));
    }

    #[test]
    fn longest_period_does_not_overflow() {
        let g = Gcra::with_rate(Rate::new(1, Duration::MAX)).with_burst(u32::MAX);
        let t0 = Instant::now();
        let slots = app(Rate::per_second(1));
        assert_eq!(g.reserve(&slots, t0), t0);
        assert!(g.reserve(&slots, t0) >= t0);
    }

    #[test]
    fn burst_and_fixed_rate() {
        let g = Gcra::with_rate(Rate::per_second(2)).with_burst(3);
        let t0 = Instant::now();
        let slots = app(Rate::per_second(1000));
        let got: Vec<_> = (0..5).map(|_| g.reserve(&slots, t0) - t0).collect();
        let ms = Duration::from_millis;
        assert_eq!(got, [ms(0), ms(0), ms(0), ms(500), ms(1000)]);
    }

    /// A request with an app budget of 10/s and a room budget of 1/s: the room paces the
    /// requests to one room, and requests to other rooms fill the app budget meanwhile,
    /// never over either budget in any window.
    #[test]
    fn app_and_room_budgets_together() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let (app_rate, room_rate) = (Rate::per_second(10), Rate::per_second(1));
        let rooms = ["a", "b", "a", "a", "c", "b"];
        let mut sent: Vec<(&str, Duration)> = Vec::new();
        for room in rooms {
            let slots = [
                Slot::app("DescribeUserList", app_rate),
                Slot::room("DescribeUserList", room, room_rate),
            ];
            sent.push((room, g.reserve(&slots, t0) - t0));
        }
        let ms = Duration::from_millis;
        assert_eq!(
            sent,
            [
                ("a", ms(0)),
                ("b", ms(100)),
                ("a", ms(1000)),
                ("a", ms(2000)),
                ("c", ms(2100)),
                ("b", ms(2200)),
            ]
        );
        // The fixed rate replaces the per-app budget only.
        let g = Gcra::with_rate(Rate::per_second(1000));
        let slots = [
            Slot::app("DescribeUserList", app_rate),
            Slot::room("DescribeUserList", "a", room_rate),
        ];
        assert_eq!(g.reserve(&slots, t0), t0);
        assert_eq!(g.reserve(&slots, t0), t0 + Duration::from_secs(1));
    }

    #[test]
    fn idle_rooms_are_dropped_and_busy_ones_kept() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let rate = Rate::new(1, Duration::from_secs(10));
        let busy = [Slot::room("X", "busy", rate)];
        assert_eq!(g.reserve(&busy, t0), t0);
        let later = t0 + Duration::from_secs(5);
        let names: Vec<String> = (0..3 * ROOMS_BEFORE_PRUNING)
            .map(|i| format!("r{i}"))
            .collect();
        for (i, name) in names.iter().enumerate() {
            // Each room is used once, 11 s apart from the next batch: old ones expire.
            let at = later + Duration::from_secs(11 * (i / ROOMS_BEFORE_PRUNING) as u64);
            g.reserve(&[Slot::room("X", name, rate)], at);
        }
        let held = g.tat.lock().unwrap().rooms["X"].len();
        assert!(held <= 2 * ROOMS_BEFORE_PRUNING + 1, "{held} rooms held");
        // Pruned or not, an expired room is free again at once.
        let late = later + Duration::from_secs(30);
        assert_eq!(g.reserve(&busy, late), late);
        // A room still within its period is never forgotten.
        let g = Gcra::new();
        g.reserve(&busy, t0);
        for i in 0..2 * ROOMS_BEFORE_PRUNING {
            g.reserve(
                &[Slot::room("X", &format!("o{i}"), rate)],
                t0 + Duration::from_secs(1),
            );
        }
        assert_eq!(
            g.reserve(&busy, t0 + Duration::from_secs(2)),
            t0 + Duration::from_secs(10)
        );
    }
}
