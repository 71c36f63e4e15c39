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
    /// The theoretical arrival time of the next request: every instant taken is at least
    /// one interval before it.
    tat: Instant,
    /// Stretches before `tat` where a request may still go: each `(from, to)`, both
    /// included, holds instants at least one interval from every instant taken. They come
    /// from reservations given back and from the gaps a request with several budgets
    /// leaves in one of them. Sorted, apart.
    free: Vec<(Instant, Instant)>,
}

impl Cell {
    /// The earliest instant at or after `t` at which this budget takes a request, with
    /// `regular` its next regular instant.
    fn next_from(&self, t: Instant, regular: Instant) -> Instant {
        self.free
            .iter()
            .filter(|(_, to)| *to >= t)
            .map(|(from, _)| (*from).max(t))
            .fold(regular.max(t), Instant::min)
    }
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

    fn insert(&mut self, slot: &Slot<'_>, tat: Instant, now: Instant) {
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

impl Gcra {
    /// The next regular instant of a budget at or after `now` (its burst allowing).
    fn regular(&self, cell: &Cell, slot: &Slot<'_>, now: Instant) -> Instant {
        let tolerance = self.interval(slot).saturating_mul(self.burst - 1);
        cell.tat.checked_sub(tolerance).unwrap_or(now).max(now)
    }

    /// Takes `at` in a budget: out of a free stretch that holds it, or as its next
    /// regular instant, leaving the stretch it skips free.
    fn take(&self, cell: &mut Cell, slot: &Slot<'_>, at: Instant) {
        let interval = self.interval(slot);
        if let Some(i) = cell
            .free
            .iter()
            .position(|(from, to)| *from <= at && at <= *to)
        {
            let (from, to) = cell.free.remove(i);
            let after = at.checked_add(interval).filter(|after| *after <= to);
            let before = at.checked_sub(interval).filter(|before| *before >= from);
            if let Some(after) = after {
                cell.free.insert(i, (after, to));
            }
            if let Some(before) = before {
                cell.free.insert(i, (from, before));
            }
            return;
        }
        // With a burst of 1, the instants between the last one taken and this one are
        // at least one interval from both: they stay free for requests of this budget.
        if self.burst == 1
            && let Some(gap_end) = at.checked_sub(interval).filter(|end| *end >= cell.tat)
        {
            cell.free.push((cell.tat, gap_end));
        }
        let base = cell.tat.max(at);
        // An interval is at most a year (`Rate::MAX_PERIOD`); should the clock still
        // overflow, the budget stays where it is rather than panic.
        cell.tat = base.checked_add(interval).unwrap_or(base);
    }
}

impl RateLimiter for Gcra {
    fn reserve(&self, slots: &[Slot<'_>], now: Instant) -> Instant {
        let mut tables = self.tables();
        for slot in slots {
            if let Some(cell) = tables.get_mut(slot) {
                cell.free.retain(|(_, to)| *to >= now);
            }
        }
        // The first instant that fits every budget: each budget's next instant from the
        // latest of them, until they agree. Every round moves later, to a free stretch's
        // start or a regular instant, so it ends.
        let mut at = now;
        loop {
            let next = slots
                .iter()
                .filter_map(|slot| {
                    let cell = tables.get(slot)?;
                    Some(cell.next_from(at, self.regular(cell, slot, now)))
                })
                .fold(at, Instant::max);
            if next == at {
                break;
            }
            at = next;
        }
        // Taken in each.
        for slot in slots {
            match tables.get_mut(slot) {
                Some(cell) => self.take(cell, slot, at),
                None => {
                    let tat = at.checked_add(self.interval(slot)).unwrap_or(at);
                    tables.insert(slot, tat, now);
                }
            }
        }
        at
    }

    fn release(&self, slots: &[Slot<'_>], at: Instant) {
        let mut tables = self.tables();
        for slot in slots {
            let interval = self.interval(slot);
            let Some(cell) = tables.get_mut(slot) else {
                continue;
            };
            if cell.tat.checked_sub(interval) == Some(at) {
                // The latest reservation: undo it, with the free stretch just before it.
                cell.tat = at;
                while let Some((from, to)) = cell.free.last().copied()
                    && to.checked_add(interval).is_some_and(|end| end >= cell.tat)
                {
                    cell.tat = from;
                    cell.free.pop();
                }
            } else if at < cell.tat {
                // An earlier one: free, joined to the stretches it touches (the instant
                // given back is what kept them apart).
                let i = cell.free.partition_point(|(from, _)| *from < at);
                let mut stretch = (at, at);
                if i < cell.free.len() && at.checked_add(interval) == Some(cell.free[i].0) {
                    stretch.1 = cell.free.remove(i).1;
                }
                if i > 0 && cell.free[i - 1].1.checked_add(interval) == Some(at) {
                    stretch.0 = cell.free.remove(i - 1).0;
                    cell.free.insert(i - 1, stretch);
                } else {
                    cell.free.insert(i, stretch);
                }
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
        // The room's queue does not hold back the other rooms: they take the per-AppId
        // instants it leaves free.
        assert_eq!(
            sent,
            [
                ("a", ms(0)),
                ("b", ms(100)),
                ("a", ms(1000)),
                ("a", ms(2000)),
                ("c", ms(200)),
                ("b", ms(1100)),
            ]
        );
        let mut app: Vec<Duration> = sent.iter().map(|(_, at)| *at).collect();
        app.sort();
        assert!(app.windows(2).all(|w| w[1] - w[0] >= ms(100)), "{app:?}");
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

    /// Random requests with one or two budgets (three rooms), some given back, at random
    /// times: the instants kept in each budget are never closer than its interval, so no
    /// window holds more than the budget.
    #[test]
    fn every_budget_holds_under_random_traffic() {
        let ms = Duration::from_millis;
        let (app_rate, room_rate) = (Rate::per_second(10), Rate::per_second(2));
        let rooms = ["a", "b", "c"];
        for seed in 1..200u64 {
            let g = Gcra::new();
            let t0 = Instant::now();
            let mut random = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
            let mut next = move || {
                random ^= random << 13;
                random ^= random >> 7;
                random ^= random << 17;
                random
            };
            // (room, instant) of every reservation kept.
            let mut kept: Vec<(Option<&str>, Instant)> = Vec::new();
            let mut now = t0;
            for _ in 0..60 {
                now += ms(next() % 150);
                let room = match next() % 4 {
                    0 => None,
                    n => Some(rooms[n as usize - 1]),
                };
                let app = Slot::app("X", app_rate);
                let at = match room {
                    None => g.reserve(&[app], now),
                    Some(room) => g.reserve(&[app, Slot::room("X", room, room_rate)], now),
                };
                assert!(at >= now);
                // Give back a random earlier reservation still ahead, sometimes.
                if next() % 4 == 0 {
                    let ahead: Vec<usize> = (0..kept.len()).filter(|i| kept[*i].1 > now).collect();
                    if !ahead.is_empty() {
                        let i = ahead[next() as usize % ahead.len()];
                        let (room, at) = kept.remove(i);
                        let app = Slot::app("X", app_rate);
                        match room {
                            None => g.release(&[app], at),
                            Some(room) => g.release(&[app, Slot::room("X", room, room_rate)], at),
                        }
                    }
                }
                kept.push((room, at));
            }
            let spaced = |mut times: Vec<Instant>, interval: Duration| {
                times.sort();
                times.windows(2).all(|w| w[1] - w[0] >= interval)
            };
            let all: Vec<Instant> = kept.iter().map(|(_, at)| *at).collect();
            assert!(
                spaced(all, app_rate.interval()),
                "seed {seed}: the app budget"
            );
            for room in rooms {
                let times: Vec<Instant> = kept
                    .iter()
                    .filter(|(r, _)| *r == Some(room))
                    .map(|(_, at)| *at)
                    .collect();
                assert!(
                    spaced(times, room_rate.interval()),
                    "seed {seed}: room {room}"
                );
            }
        }
    }
}
