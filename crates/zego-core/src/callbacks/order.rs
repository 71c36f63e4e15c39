//! "Is this newer than what I have": room, user and stream lists kept from callbacks that
//! arrive out of order and more than once (spec §6.3–§6.6).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::TOMBSTONE_TTL;
use super::events::{
    Event, RoomClose, RoomCreate, RoomLogin, RoomLogout, StreamClose, StreamCreate,
};

/// What applying one event did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The event is new and changed the lists: act on it.
    Applied,
    /// A publish already known came again with a greater `stream_seq` (a `recreate`):
    /// its URLs and other non-key fields were updated.
    Updated,
    /// Already applied, or already in effect (the close of a lifetime, login or publish
    /// that had already ended): nothing to do.
    Duplicate,
    /// Superseded by an event already applied, or part of a lifetime, login or publish
    /// that has ended: nothing to do.
    Stale,
    /// A `room_create` with the same creation time as the current lifetime of the room
    /// but another `room_session_id`: the two cannot be ordered, the current one is kept.
    /// Worth a warning in the log.
    Ambiguous,
    /// Not one of the six typed events: these lists do not track it.
    NotTracked,
}

impl Verdict {
    /// Whether the event brought something new ([`Applied`](Self::Applied) or
    /// [`Updated`](Self::Updated)).
    pub fn is_new(self) -> bool {
        matches!(self, Verdict::Applied | Verdict::Updated)
    }
}

/// A change counter (`user_update_seq`, `stream_seq`) that jumped by more than 1 within
/// one room lifetime: a callback may have been lost, or the counter's scope is wider than
/// one room lifetime (the vendor does not say). Log it; it is not an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeqGap {
    /// `user_update_seq` or `stream_seq`.
    pub field: &'static str,
    /// The greatest value seen before.
    pub previous: u64,
    /// The value received.
    pub received: u64,
}

/// The result of [`Lifecycles::apply`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Outcome {
    /// What the event did.
    pub verdict: Verdict,
    /// A jump in a change counter, if this event showed one.
    pub gap: Option<SeqGap>,
}

/// The current lifetime of a room.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RoomLifetime {
    /// `room_session_id` (= `room_seq` of the user events).
    pub room_session_id: u64,
    /// `room_create_time` (ms).
    pub room_create_time: u64,
}

/// Room, user and stream lists maintained from callbacks with the rules of spec
/// §6.4–§6.6, for applications that keep such lists.
///
/// Callbacks arrive out of order and more than once. Each list remembers, besides what
/// is current, the lifetimes, logins and publishes that have ended ("tombstones"), so a
/// late `room_create`, `room_login` or `stream_create` is recognised as stale after its
/// close has been applied. Applying an event twice leaves the same state. Tombstones are
/// kept for [`TOMBSTONE_TTL`] (10 minutes) by default, far beyond the vendor's
/// one-minute retry span. The vendor's rules assume no callback is lost: reconcile with
/// the server API from time to time.
///
/// - Rooms, by `room_id`: lifetimes (`room_session_id`) are ordered by
///   `room_create_time`; a newer lifetime ends the one before it.
/// - Users, by room lifetime and `user_account`: a login is (`session_id`,
///   `login_time`); logins are ordered by `login_time`, then `user_update_seq`.
/// - Streams, by room lifetime and stream ID: a publish is (`stream_sid`,
///   `create_time_ms`); publishes are ordered by (`create_time_ms`, `stream_seq`).
///
/// Time is an argument: the lists never read the clock.
///
/// ```
/// use std::time::Instant;
/// use zego_core::callbacks::{parse_unverified, Lifecycles, Verdict};
/// let login = parse_unverified(br#"{"event":"room_login","room_id":"r","room_seq":"7",
///     "user_account":"u1","session_id":"1","login_time":"1000"}"#)?.event;
/// let logout = parse_unverified(br#"{"event":"room_logout","room_id":"r","room_seq":"7",
///     "user_account":"u1","session_id":"1","login_time":"1000","logout_time":"2000",
///     "reason":"0"}"#)?.event;
/// let now = Instant::now();
/// let mut lists = Lifecycles::new();
/// // The logout overtook the login.
/// assert_eq!(lists.apply(&logout, now).verdict, Verdict::Stale);
/// assert_eq!(lists.apply(&login, now).verdict, Verdict::Stale);
/// assert_eq!(lists.users("r", 7).count(), 0);
/// # Ok::<(), zego_core::callbacks::BodyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Lifecycles {
    rooms: HashMap<String, Room>,
    ttl: Duration,
    last_prune: Option<Instant>,
}

#[derive(Clone, Debug, Default)]
struct Room {
    current: Option<RoomLifetime>,
    /// Ended lifetimes, with when they were tombstoned.
    ended: HashMap<u64, Instant>,
    /// The lists of each lifetime not ended: the current one, and provisional ones whose
    /// `room_create` has not arrived.
    lists: HashMap<u64, Lists>,
}

#[derive(Clone, Debug, Default)]
struct Lists {
    users: HashMap<String, User>,
    streams: HashMap<String, Stream>,
    user_seq: Option<u64>,
    stream_seq: Option<u64>,
}

#[derive(Clone, Debug, Default)]
struct User {
    current: Option<RoomLogin>,
    /// Ended logins: (`session_id`, `login_time`); `None` for an older logout that did
    /// not carry `login_time`.
    ended: HashMap<(u64, Option<u64>), Instant>,
}

#[derive(Clone, Debug, Default)]
struct Stream {
    current: Option<StreamCreate>,
    /// Ended publishes: (`stream_sid`, `create_time_ms`).
    ended: HashMap<(String, u64), Instant>,
}

impl Default for Lifecycles {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycles {
    /// Empty lists that keep tombstones for [`TOMBSTONE_TTL`].
    pub fn new() -> Self {
        Self::with_tombstone_ttl(TOMBSTONE_TTL)
    }

    /// Empty lists that keep tombstones for `ttl`. Keep it well above the vendor's retry
    /// span (about 62 s) plus network delays.
    pub fn with_tombstone_ttl(ttl: Duration) -> Self {
        Lifecycles {
            rooms: HashMap::new(),
            ttl,
            last_prune: None,
        }
    }

    /// Applies one event at time `now` and says whether it was new. Events other than the
    /// six typed ones are [`Verdict::NotTracked`].
    ///
    /// Expired tombstones are pruned along the way (at most once a minute).
    pub fn apply(&mut self, event: &Event, now: Instant) -> Outcome {
        let every = self.ttl.min(Duration::from_secs(60));
        if self
            .last_prune
            .is_none_or(|last| now.saturating_duration_since(last) >= every)
        {
            self.prune(now);
            self.last_prune = Some(now);
        }
        let no_gap = |verdict| Outcome { verdict, gap: None };
        match event {
            Event::RoomCreate(e) => no_gap(self.room_create(e, now)),
            Event::RoomClose(e) => no_gap(self.room_close(e, now)),
            Event::RoomLogin(e) => self.room_login(e, now),
            Event::RoomLogout(e) => self.room_logout(e, now),
            Event::StreamCreate(e) => self.stream_create(e, now),
            Event::StreamClose(e) => self.stream_close(e, now),
            Event::Other | Event::Invalid(_) => no_gap(Verdict::NotTracked),
        }
    }

    /// The current lifetime of a room, if a `room_create` for it has been applied and
    /// its lifetime has not ended.
    pub fn room(&self, room_id: &str) -> Option<RoomLifetime> {
        self.rooms.get(room_id)?.current
    }

    /// The users logged in to one lifetime of a room (their last `room_login`), in no
    /// particular order.
    pub fn users(&self, room_id: &str, room_session_id: u64) -> impl Iterator<Item = &RoomLogin> {
        self.lists(room_id, room_session_id)
            .into_iter()
            .flat_map(|l| l.users.values().filter_map(|u| u.current.as_ref()))
    }

    /// The streams published in one lifetime of a room (their last `stream_create`), in
    /// no particular order.
    pub fn streams(
        &self,
        room_id: &str,
        room_session_id: u64,
    ) -> impl Iterator<Item = &StreamCreate> {
        self.lists(room_id, room_session_id)
            .into_iter()
            .flat_map(|l| l.streams.values().filter_map(|s| s.current.as_ref()))
    }

    /// Forgets tombstones older than the TTL, and entries left with nothing in them.
    pub fn prune(&mut self, now: Instant) {
        let ttl = self.ttl;
        let live = |written: &Instant| now.saturating_duration_since(*written) < ttl;
        self.rooms.retain(|_, room| {
            room.ended.retain(|_, t| live(t));
            room.lists.retain(|_, lists| {
                lists.users.retain(|_, u| {
                    u.ended.retain(|_, t| live(t));
                    u.current.is_some() || !u.ended.is_empty()
                });
                lists.streams.retain(|_, s| {
                    s.ended.retain(|_, t| live(t));
                    s.current.is_some() || !s.ended.is_empty()
                });
                !lists.users.is_empty() || !lists.streams.is_empty()
            });
            if let Some(current) = room.current {
                // The current lifetime's lists exist as long as it does.
                room.lists.entry(current.room_session_id).or_default();
            }
            room.current.is_some() || !room.ended.is_empty() || !room.lists.is_empty()
        });
    }

    fn lists(&self, room_id: &str, session: u64) -> Option<&Lists> {
        self.rooms.get(room_id)?.lists.get(&session)
    }

    /// The lists of a lifetime, created if needed; `None` when the lifetime has ended.
    fn lists_mut(&mut self, room_id: &str, session: u64) -> Option<&mut Lists> {
        let room = self.rooms.entry(room_id.to_owned()).or_default();
        if room.ended.contains_key(&session) {
            return None;
        }
        Some(room.lists.entry(session).or_default())
    }

    /// §6.4, `room_create`.
    fn room_create(&mut self, e: &RoomCreate, now: Instant) -> Verdict {
        let room = self.rooms.entry(e.room_id.clone()).or_default();
        let (s, tc) = (e.room_session_id, e.room_create_time);
        if room.ended.contains_key(&s) {
            return Verdict::Stale;
        }
        match room.current {
            Some(c) if c.room_session_id == s => Verdict::Duplicate,
            Some(c) if c.room_create_time > tc => {
                room.end(s, now);
                Verdict::Stale
            }
            Some(c) if c.room_create_time == tc => Verdict::Ambiguous,
            previous => {
                if let Some(p) = previous {
                    room.end(p.room_session_id, now);
                }
                room.current = Some(RoomLifetime {
                    room_session_id: s,
                    room_create_time: tc,
                });
                room.lists.entry(s).or_default();
                Verdict::Applied
            }
        }
    }

    /// §6.4, `room_close`.
    fn room_close(&mut self, e: &RoomClose, now: Instant) -> Verdict {
        let room = self.rooms.entry(e.room_id.clone()).or_default();
        let (s, tx) = (e.room_session_id, e.room_close_time);
        if room.ended.contains_key(&s) {
            return Verdict::Duplicate;
        }
        match room.current {
            Some(c) if c.room_session_id == s => {
                room.end(s, now);
                Verdict::Applied
            }
            Some(c) if c.room_create_time < tx => {
                // Lifetimes of one room do not overlap: the closed one came after the
                // current one, so the current one has ended too.
                room.end(s, now);
                room.end(c.room_session_id, now);
                Verdict::Applied
            }
            _ => {
                room.end(s, now);
                Verdict::Stale
            }
        }
    }

    /// §6.5, `room_login`.
    fn room_login(&mut self, e: &RoomLogin, now: Instant) -> Outcome {
        let Some(lists) = self.lists_mut(&e.room_id, e.room_seq) else {
            return stale();
        };
        let gap = note_seq(&mut lists.user_seq, e.user_update_seq, "user_update_seq");
        let user = lists.users.entry(e.user_account.clone()).or_default();
        let id = (e.session_id, Some(e.login_time));
        let verdict =
            if user.ended.contains_key(&id) || user.ended.contains_key(&(e.session_id, None)) {
                Verdict::Stale
            } else {
                match &user.current {
                    Some(c) if c.session_id == e.session_id && c.login_time == e.login_time => {
                        Verdict::Duplicate
                    }
                    Some(c)
                        if c.login_time > e.login_time
                            || (c.login_time == e.login_time
                                && matches!((c.user_update_seq, e.user_update_seq),
                                        (Some(a), Some(b)) if a > b)) =>
                    {
                        user.ended.insert(id, now);
                        Verdict::Stale
                    }
                    _ => {
                        if let Some(previous) = user.current.take() {
                            user.ended
                                .insert((previous.session_id, Some(previous.login_time)), now);
                        }
                        user.current = Some(e.clone());
                        Verdict::Applied
                    }
                }
            };
        Outcome { verdict, gap }
    }

    /// §6.5, `room_logout`. Without `login_time` (the older body), the logout is matched
    /// to the current login by `session_id` alone.
    fn room_logout(&mut self, e: &RoomLogout, now: Instant) -> Outcome {
        let Some(lists) = self.lists_mut(&e.room_id, e.room_seq) else {
            return stale();
        };
        let gap = note_seq(&mut lists.user_seq, e.user_update_seq, "user_update_seq");
        let user = lists.users.entry(e.user_account.clone()).or_default();
        let sid = e.session_id;
        let id = (sid, e.login_time);
        let already = match e.login_time {
            Some(_) => user.ended.contains_key(&id),
            None => user.ended.keys().any(|(s, _)| *s == sid),
        };
        let verdict = if already {
            Verdict::Duplicate
        } else {
            match &user.current {
                Some(c)
                    if c.session_id == sid && e.login_time.is_none_or(|t| t == c.login_time) =>
                {
                    user.ended.insert((sid, Some(c.login_time)), now);
                    user.ended.insert(id, now);
                    user.current = None;
                    Verdict::Applied
                }
                Some(c) => match e.login_time {
                    // The logout of an older login: keep the current one.
                    Some(t) if c.login_time > t => {
                        user.ended.insert(id, now);
                        Verdict::Stale
                    }
                    // A later login has come and gone: the current one is older.
                    Some(_) => {
                        user.ended.insert((c.session_id, Some(c.login_time)), now);
                        user.ended.insert(id, now);
                        user.current = None;
                        Verdict::Applied
                    }
                    // Another session, and no login time to order it by.
                    None => {
                        user.ended.insert(id, now);
                        Verdict::Stale
                    }
                },
                None => {
                    user.ended.insert(id, now);
                    Verdict::Stale
                }
            }
        };
        Outcome { verdict, gap }
    }

    /// §6.6, `stream_create`.
    fn stream_create(&mut self, e: &StreamCreate, now: Instant) -> Outcome {
        let Some(lists) = self.lists_mut(e.room(), e.room_session_id) else {
            return stale();
        };
        let gap = note_seq(&mut lists.stream_seq, Some(e.stream_seq), "stream_seq");
        let stream = lists.streams.entry(e.stream().to_owned()).or_default();
        let id = (e.stream_sid.clone(), e.create_time_ms);
        let verdict = if stream.ended.contains_key(&id) {
            Verdict::Stale
        } else {
            match &mut stream.current {
                Some(c) if c.stream_sid == e.stream_sid && c.create_time_ms == e.create_time_ms => {
                    if e.stream_seq > c.stream_seq {
                        *c = e.clone();
                        Verdict::Updated
                    } else {
                        Verdict::Duplicate
                    }
                }
                Some(c) if (c.create_time_ms, c.stream_seq) > (e.create_time_ms, e.stream_seq) => {
                    stream.ended.insert(id, now);
                    Verdict::Stale
                }
                _ => {
                    if let Some(previous) = stream.current.take() {
                        stream
                            .ended
                            .insert((previous.stream_sid, previous.create_time_ms), now);
                    }
                    stream.current = Some(e.clone());
                    Verdict::Applied
                }
            }
        };
        Outcome { verdict, gap }
    }

    /// §6.6, `stream_close`.
    fn stream_close(&mut self, e: &StreamClose, now: Instant) -> Outcome {
        let Some(lists) = self.lists_mut(e.room(), e.room_session_id) else {
            return stale();
        };
        let gap = note_seq(&mut lists.stream_seq, e.stream_seq, "stream_seq");
        let stream = lists.streams.entry(e.stream().to_owned()).or_default();
        let id = (e.stream_sid.clone(), e.create_time_ms);
        let verdict = if stream.ended.contains_key(&id) {
            Verdict::Duplicate
        } else {
            let current = stream
                .current
                .as_ref()
                .map(|c| (c.stream_sid == e.stream_sid, c.create_time_ms));
            stream.ended.insert(id, now);
            match current {
                Some((same_sid, ct)) if same_sid && ct == e.create_time_ms => {
                    stream.current = None;
                    Verdict::Applied
                }
                // An older publish closed: keep the current one.
                Some((_, ct)) if ct > e.create_time_ms => Verdict::Stale,
                // A later publish has come and gone: the current one is older.
                Some(_) => {
                    if let Some(previous) = stream.current.take() {
                        stream
                            .ended
                            .insert((previous.stream_sid, previous.create_time_ms), now);
                    }
                    Verdict::Applied
                }
                None => Verdict::Stale,
            }
        };
        Outcome { verdict, gap }
    }
}

impl Room {
    /// Tombstones a lifetime and drops its lists.
    fn end(&mut self, session: u64, now: Instant) {
        self.ended.insert(session, now);
        self.lists.remove(&session);
        if self.current.is_some_and(|c| c.room_session_id == session) {
            self.current = None;
        }
    }
}

fn stale() -> Outcome {
    Outcome {
        verdict: Verdict::Stale,
        gap: None,
    }
}

/// Remembers the greatest counter seen and reports a jump of more than 1.
fn note_seq(
    greatest: &mut Option<u64>,
    received: Option<u64>,
    field: &'static str,
) -> Option<SeqGap> {
    let received = received?;
    let gap = match *greatest {
        Some(previous) if received > previous.saturating_add(1) => Some(SeqGap {
            field,
            previous,
            received,
        }),
        _ => None,
    };
    *greatest = Some(greatest.map_or(received, |g| g.max(received)));
    gap
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room_create(room: &str, session: u64, create_ms: u64) -> Event {
        Event::RoomCreate(RoomCreate {
            room_id: room.into(),
            room_session_id: session,
            room_create_time: create_ms,
            id_name: "u1".into(),
        })
    }

    fn room_close(room: &str, session: u64, close_ms: u64) -> Event {
        Event::RoomClose(RoomClose {
            room_id: room.into(),
            room_session_id: session,
            room_close_time: close_ms,
            ..Default::default()
        })
    }

    fn login(user: &str, sid: u64, time: u64, seq: u64) -> Event {
        Event::RoomLogin(RoomLogin {
            room_id: "r".into(),
            room_seq: 1,
            user_account: user.into(),
            session_id: sid,
            login_time: time,
            user_update_seq: Some(seq),
            ..Default::default()
        })
    }

    fn logout(user: &str, sid: u64, time: Option<u64>, seq: u64) -> Event {
        Event::RoomLogout(RoomLogout {
            room_id: "r".into(),
            room_seq: 1,
            user_account: user.into(),
            session_id: sid,
            login_time: time,
            logout_time: time.unwrap_or(0) + 10,
            user_update_seq: Some(seq),
            ..Default::default()
        })
    }

    fn publish(sid: &str, create_ms: u64, seq: u64) -> Event {
        Event::StreamCreate(StreamCreate {
            room_id: Some("r".into()),
            room_session_id: 1,
            stream_id: Some("s1".into()),
            stream_sid: sid.into(),
            stream_seq: seq,
            create_time_ms: create_ms,
            ..Default::default()
        })
    }

    fn unpublish(sid: &str, create_ms: u64, seq: u64) -> Event {
        Event::StreamClose(StreamClose {
            room_id: Some("r".into()),
            room_session_id: 1,
            stream_id: Some("s1".into()),
            stream_sid: sid.into(),
            stream_seq: Some(seq),
            create_time_ms: create_ms,
            ..Default::default()
        })
    }

    fn verdicts(lists: &mut Lifecycles, now: Instant, events: &[&Event]) -> Vec<Verdict> {
        events.iter().map(|e| lists.apply(e, now).verdict).collect()
    }

    #[test]
    fn vendor_room_reordering() {
        // Spec §6.1: c1 create r1, c2 close r1, c3 create r1 again; arriving c3, c1, c2.
        let (c1, c2, c3) = (
            room_create("r1", 10, 1000),
            room_close("r1", 10, 2000),
            room_create("r1", 20, 3000),
        );
        let now = Instant::now();
        let mut lists = Lifecycles::new();
        use Verdict::*;
        assert_eq!(
            verdicts(&mut lists, now, &[&c3, &c1, &c2]),
            [Applied, Stale, Duplicate]
        );
        assert_eq!(
            lists.room("r1"),
            Some(RoomLifetime {
                room_session_id: 20,
                room_create_time: 3000
            }),
            "u1 is in the second r1"
        );
        // In order, the same end state.
        let mut lists = Lifecycles::new();
        assert_eq!(
            verdicts(&mut lists, now, &[&c1, &c2, &c3]),
            [Applied, Applied, Applied]
        );
        assert_eq!(lists.room("r1").map(|l| l.room_session_id), Some(20));
        // Every order ends in the same state.
        for order in permutations(&[&c1, &c2, &c3]) {
            let mut lists = Lifecycles::new();
            verdicts(&mut lists, now, &order);
            assert_eq!(lists.room("r1").map(|l| l.room_session_id), Some(20));
        }
    }

    #[test]
    fn room_rules() {
        let now = Instant::now();
        use Verdict::*;
        let mut lists = Lifecycles::new();
        // A close arriving before any create tombstones the lifetime.
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&room_close("r", 1, 500), &room_create("r", 1, 100)]
            ),
            [Stale, Stale]
        );
        assert_eq!(lists.room("r"), None);
        // Same creation time, another session: ambiguous, the current one is kept.
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&room_create("r", 2, 1000), &room_create("r", 3, 1000)]
            ),
            [Applied, Ambiguous]
        );
        assert_eq!(lists.room("r").map(|l| l.room_session_id), Some(2));
        // The close of a later lifetime (after the current one was created) ends both.
        assert_eq!(lists.apply(&room_close("r", 4, 5000), now).verdict, Applied);
        assert_eq!(lists.room("r"), None);
        assert_eq!(lists.apply(&room_create("r", 2, 1000), now).verdict, Stale);
        // Applying twice changes nothing.
        assert_eq!(
            lists.apply(&room_close("r", 4, 5000), now).verdict,
            Duplicate
        );
    }

    #[test]
    fn vendor_user_reordering() {
        // Spec §6.1: u1 in (c1), u2 in (c2), u1 out (c3), u1 in again (c4); arriving c1, c4, c2, c3.
        let c1 = login("u1", 100, 1000, 1);
        let c2 = login("u2", 200, 1100, 2);
        let c3 = logout("u1", 100, Some(1000), 3);
        let c4 = login("u1", 101, 1200, 4);
        let now = Instant::now();
        use Verdict::*;
        let mut lists = Lifecycles::new();
        let outcomes: Vec<Outcome> = [&c1, &c4, &c2, &c3]
            .iter()
            .map(|e| lists.apply(e, now))
            .collect();
        // c3 ends a login that c4 had already ended.
        assert_eq!(
            outcomes.iter().map(|o| o.verdict).collect::<Vec<_>>(),
            [Applied, Applied, Applied, Duplicate]
        );
        assert_eq!(
            outcomes[1].gap,
            Some(SeqGap {
                field: "user_update_seq",
                previous: 1,
                received: 4
            })
        );
        let mut users: Vec<(String, u64)> = lists
            .users("r", 1)
            .map(|l| (l.user_account.clone(), l.session_id))
            .collect();
        users.sort();
        assert_eq!(users, [("u1".to_owned(), 101), ("u2".to_owned(), 200)]);
        // Every order ends in the same state.
        for order in permutations(&[&c1, &c2, &c3, &c4]) {
            let mut lists = Lifecycles::new();
            verdicts(&mut lists, now, &order);
            let mut users: Vec<u64> = lists.users("r", 1).map(|l| l.session_id).collect();
            users.sort();
            assert_eq!(users, [101, 200], "{order:?}");
        }
    }

    #[test]
    fn user_rules() {
        let now = Instant::now();
        use Verdict::*;
        let mut lists = Lifecycles::new();
        // Logout before login, then the login: stale.
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&logout("u", 1, Some(10), 2), &login("u", 1, 10, 1)]
            ),
            [Stale, Stale]
        );
        // Duplicate login.
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&login("u", 2, 20, 3), &login("u", 2, 20, 3)]
            ),
            [Applied, Duplicate]
        );
        // An older login arriving late.
        assert_eq!(lists.apply(&login("u", 3, 15, 9), now).verdict, Stale);
        // Same login time, smaller update seq: stale.
        assert_eq!(lists.apply(&login("u", 4, 20, 1), now).verdict, Stale);
        // A logout of a later login that came and went removes the older current login.
        assert_eq!(
            lists.apply(&logout("u", 5, Some(30), 6), now).verdict,
            Applied
        );
        assert_eq!(lists.users("r", 1).count(), 0);
        // The older body: no login_time, matched by session_id.
        assert_eq!(lists.apply(&login("v", 7, 40, 7), now).verdict, Applied);
        assert_eq!(
            lists.apply(&logout("v", 8, None, 8), now).verdict,
            Stale,
            "another session, cannot order"
        );
        assert_eq!(lists.users("r", 1).count(), 1);
        assert_eq!(lists.apply(&logout("v", 7, None, 9), now).verdict, Applied);
        assert_eq!(
            lists.apply(&logout("v", 7, None, 9), now).verdict,
            Duplicate
        );
        assert_eq!(lists.apply(&login("v", 7, 40, 7), now).verdict, Stale);
        assert_eq!(lists.users("r", 1).count(), 0);
    }

    #[test]
    fn vendor_stream_reordering() {
        // Spec §6.1: publish s1 (sc1), stop (sc2), publish s1 again (sc3); arriving sc1, sc3, sc2.
        let sc1 = publish("sid-a", 1000, 1);
        let sc2 = unpublish("sid-a", 1000, 2);
        let sc3 = publish("sid-b", 2000, 3);
        let now = Instant::now();
        use Verdict::*;
        let mut lists = Lifecycles::new();
        assert_eq!(
            verdicts(&mut lists, now, &[&sc1, &sc3, &sc2]),
            [Applied, Applied, Duplicate]
        );
        let streams: Vec<&str> = lists
            .streams("r", 1)
            .map(|s| s.stream_sid.as_str())
            .collect();
        assert_eq!(streams, ["sid-b"]);
        for order in permutations(&[&sc1, &sc2, &sc3]) {
            let mut lists = Lifecycles::new();
            verdicts(&mut lists, now, &order);
            let streams: Vec<&str> = lists
                .streams("r", 1)
                .map(|s| s.stream_sid.as_str())
                .collect();
            assert_eq!(streams, ["sid-b"], "{order:?}");
        }
    }

    #[test]
    fn stream_rules() {
        let now = Instant::now();
        use Verdict::*;
        let mut lists = Lifecycles::new();
        let mut again = publish("a", 1000, 5);
        if let Event::StreamCreate(e) = &mut again {
            e.recreate = Some(true);
            e.rtmp_url = vec!["rtmp://new".into()];
        }
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&publish("a", 1000, 1), &again, &publish("a", 1000, 3)]
            ),
            [Applied, Updated, Duplicate]
        );
        assert_eq!(
            lists.streams("r", 1).next().map(|s| s.rtmp_url.clone()),
            Some(vec!["rtmp://new".to_owned()])
        );
        // An older publish arriving late is stale; the close of an older publish keeps the current one.
        assert_eq!(
            verdicts(
                &mut lists,
                now,
                &[&publish("z", 900, 9), &unpublish("y", 800, 10)]
            ),
            [Stale, Stale]
        );
        assert_eq!(lists.streams("r", 1).count(), 1);
        // A close of a later publish ends the current one too.
        assert_eq!(lists.apply(&unpublish("b", 3000, 12), now).verdict, Applied);
        assert_eq!(lists.streams("r", 1).count(), 0);
        assert_eq!(lists.apply(&publish("a", 1000, 6), now).verdict, Stale);
    }

    #[test]
    fn ended_room_lifetime_ignores_its_user_and_stream_events() {
        let now = Instant::now();
        let mut lists = Lifecycles::new();
        lists.apply(&room_create("r", 1, 100), now);
        lists.apply(&login("u", 1, 150, 1), now);
        lists.apply(&publish("a", 160, 1), now);
        assert_eq!(lists.users("r", 1).count(), 1);
        assert_eq!(
            lists.apply(&room_close("r", 1, 200), now).verdict,
            Verdict::Applied
        );
        assert_eq!(
            lists.users("r", 1).count(),
            0,
            "the lifetime's lists are discarded"
        );
        assert_eq!(lists.streams("r", 1).count(), 0);
        assert_eq!(
            lists.apply(&login("w", 2, 170, 2), now).verdict,
            Verdict::Stale
        );
        assert_eq!(
            lists.apply(&publish("b", 170, 2), now).verdict,
            Verdict::Stale
        );
    }

    #[test]
    fn tombstones_expire_after_the_ttl() {
        let t0 = Instant::now();
        let mut lists = Lifecycles::with_tombstone_ttl(Duration::from_secs(600));
        lists.apply(&room_close("r", 1, 500), t0);
        assert_eq!(
            lists
                .apply(&room_create("r", 1, 100), t0 + Duration::from_secs(599))
                .verdict,
            Verdict::Stale
        );
        lists.prune(t0 + Duration::from_secs(600));
        assert!(lists.rooms.is_empty(), "nothing left to remember");
        // Past the TTL, a very late create is taken as new (the vendor never retries this late).
        assert_eq!(
            lists
                .apply(&room_create("r", 1, 100), t0 + Duration::from_secs(601))
                .verdict,
            Verdict::Applied
        );
        assert_eq!(lists.apply(&Event::Other, t0).verdict, Verdict::NotTracked);
    }

    fn permutations<'a>(items: &[&'a Event]) -> Vec<Vec<&'a Event>> {
        if items.len() <= 1 {
            return vec![items.to_vec()];
        }
        let mut out = Vec::new();
        for i in 0..items.len() {
            let mut rest = items.to_vec();
            let first = rest.remove(i);
            for mut tail in permutations(&rest) {
                tail.insert(0, first);
                out.push(tail);
            }
        }
        out
    }
}
