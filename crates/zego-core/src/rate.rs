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

    /// Gives back a reservation that will not be used (the call was dropped before its
    /// instant came), so that it does not cost the budget: `at` is what
    /// [`reserve`](RateLimiter::reserve) returned for `slots`. The default keeps it.
    fn release(&self, slots: &[Slot<'_>], at: Instant) {
        let _ = (slots, at);
    }
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
/// A reservation given back ([`RateLimiter::release`], when a call is dropped before its
/// instant) is not lost: the latest one is undone, an earlier one leaves a free slot that
/// the next request of that budget takes, at exactly that instant, so the schedule never
/// holds more requests than the budget allows and never runs ahead of the traffic.
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

/// The state of one budget.
#[derive(Debug)]
struct Cell {
    /// The theoretical arrival time of the next request.
    tat: Instant,
    /// Reserved instants given back before the last one, earliest first.
    free: Vec<Instant>,
}

#[derive(Debug, Default)]
struct Tables {
    app: HashMap<&'static str, Cell>,
    rooms: HashMap<&'static str, HashMap<String, Cell>>,
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

    fn interval(&self, slot: &Slot<'_>) -> Duration {
        self.rate(slot).interval().max(Duration::from_nanos(1))
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tat
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Tables {
    fn get(&self, slot: &Slot<'_>) -> Option<&Cell> {
        match slot.room {
            None => self.app.get(slot.action),
            Some(room) => self.rooms.get(slot.action)?.get(room),
        }
    }

    fn get_mut(&mut self, slot: &Slot<'_>) -> Option<&mut Cell> {
        match slot.room {
            None => self.app.get_mut(slot.action),
            Some(room) => self.rooms.get_mut(slot.action)?.get_mut(room),
        }
    }

    fn set(&mut self, slot: &Slot<'_>, tat: Instant, now: Instant) {
        if let Some(cell) = self.get_mut(slot) {
            cell.tat = tat;
            return;
        }
        let cell = Cell {
            tat,
            free: Vec::new(),
        };
        match slot.room {
            None => {
                self.app.insert(slot.action, cell);
            }
            Some(room) => {
                let rooms = self.rooms.entry(slot.action).or_default();
                if rooms.len() >= ROOMS_BEFORE_PRUNING {
                    // A budget whose time has passed holds nothing a new one would not:
                    // dropping it changes no decision, and bounds the table by the rooms
                    // used within one period.
                    rooms.retain(|_, cell| cell.tat > now);
                }
                rooms.insert(room.to_owned(), cell);
            }
        }
    }
}

impl RateLimiter for Gcra {
    fn reserve(&self, slots: &[Slot<'_>], now: Instant) -> Instant {
        let mut tables = self.tables();
        let earliest = |cell: &Cell, slot: &Slot<'_>| {
            let tolerance = self.interval(slot).saturating_mul(self.burst - 1);
            cell.tat.checked_sub(tolerance).unwrap_or(now).max(now)
        };
        // A request of one budget takes a slot given back, if one comes before the next
        // regular slot.
        if let [slot] = slots
            && let Some(cell) = tables.get_mut(slot)
        {
            cell.free.retain(|at| *at >= now);
            let regular = earliest(cell, slot);
            if cell.free.first().is_some_and(|at| *at < regular) {
                return cell.free.remove(0);
            }
        }
        for slot in slots {
            if let Some(cell) = tables.get_mut(slot) {
                cell.free.retain(|at| *at >= now);
            }
        }
        // The first instant that fits every budget...
        let send_at = slots
            .iter()
            .filter_map(|slot| tables.get(slot).map(|cell| earliest(cell, slot)))
            .fold(now, Instant::max);
        // ...taken in each. An interval is at most a year (`Rate::MAX_PERIOD`); should the
        // clock still overflow, a budget stays where it is rather than panic.
        for slot in slots {
            let base = tables
                .get(slot)
                .map_or(send_at, |cell| cell.tat)
                .max(send_at);
            let tat = base.checked_add(self.interval(slot)).unwrap_or(base);
            tables.set(slot, tat, now);
        }
        send_at
    }

    fn release(&self, slots: &[Slot<'_>], at: Instant) {
        let mut tables = self.tables();
        for slot in slots {
            let interval = self.interval(slot);
            let Some(cell) = tables.get_mut(slot) else {
                continue;
            };
            if cell.tat.checked_sub(interval) == Some(at) {
                // The latest reservation: undo it, and the free slots just before it.
                cell.tat = at;
                while cell
                    .free
                    .last()
                    .is_some_and(|last| last.checked_add(interval) == Some(cell.tat))
                {
                    cell.tat = cell.free.pop().unwrap_or(cell.tat);
                }
            } else if at < cell.tat {
                let position = cell.free.partition_point(|free| *free < at);
                cell.free.insert(position, at);
            }
        }
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
        let held = g.tables().rooms["X"].len();
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

    #[test]
    fn the_latest_reservation_given_back_is_undone() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let slots = app(Rate::per_second(100));
        let ms = Duration::from_millis;
        let got: Vec<_> = (0..3).map(|_| g.reserve(&slots, t0) - t0).collect();
        assert_eq!(got, [ms(0), ms(10), ms(20)]);
        g.release(&slots, t0 + ms(20));
        assert_eq!(g.reserve(&slots, t0), t0 + ms(20), "the same slot again");
        // Given back out of order: the earlier ones wait as free slots, then all undo.
        g.release(&slots, t0 + ms(10));
        g.release(&slots, t0 + ms(20));
        assert_eq!(g.reserve(&slots, t0), t0 + ms(10));
        assert_eq!(g.reserve(&slots, t0), t0 + ms(20));
        assert_eq!(g.reserve(&slots, t0), t0 + ms(30));
    }

    /// 1,000 reservations, half given back at random: the budget is never exceeded by
    /// the ones kept, and the next 500 requests take the free slots instead of queueing
    /// behind them.
    #[test]
    fn slots_given_back_are_reused_without_exceeding_the_budget() {
        let g = Gcra::new();
        let t0 = Instant::now();
        let slots = app(Rate::per_second(100));
        let mut random = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            random ^= random << 13;
            random ^= random >> 7;
            random ^= random << 17;
            random
        };
        let mut kept = Vec::new();
        for _ in 0..1000 {
            let at = g.reserve(&slots, t0);
            if next() % 2 == 0 {
                g.release(&slots, at);
            } else {
                kept.push(at);
            }
        }
        let given_back = 1000 - kept.len();
        assert!((400..600).contains(&given_back), "{given_back}");
        for _ in 0..given_back {
            kept.push(g.reserve(&slots, t0));
        }
        kept.sort();
        assert_eq!(kept.len(), 1000);
        assert_eq!(
            *kept.last().unwrap() - t0,
            Duration::from_millis(9990),
            "1,000 requests take 10 s, as if none was given back"
        );
        for w in kept.windows(101) {
            assert!(w[100] - w[0] >= Duration::from_secs(1), "over the budget");
        }
        // Time moves on: free slots in the past are dropped, never used late.
        let later = t0 + Duration::from_secs(20);
        assert_eq!(g.reserve(&slots, later), later);
    }
}
