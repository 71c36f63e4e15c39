//! zego-mock's world against a reference model: random short sequences of the calls of
//! the room and stream API (made through the blocking client) and of what users do (log
//! in and out, publish and stop publishing, through the mock's library as their client
//! SDKs would), from a small pool of rooms, users and streams, applied to a fresh mock
//! (budgets off) and to a small model written here from the spec's readings. After each
//! step, the answers agree (codes, who received what, counts, lists, states, rules), and
//! so does the world (the rooms, their users and stream lists, the forbidden and the
//! published streams, the rules, every inbox).
//!
//! 1,000 cases by default (the size `cargo test` uses in CI); `PROPTEST_CASES` sets
//! another count. Failing cases are kept in `tests/world_model.regressions` and replayed
//! first.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use zego_conformance::{APP, Limit, SECRET, Spec, spec};
use zego_core::actions::{
    AddStream, CloseRoom, DelForbidUserRule, DeleteStream, DescribeForbidUserRules,
    DescribeRTCStreamState, DescribeSimpleStreamList, DescribeUserList, DescribeUserNum,
    DescribeUsers, ForbidRTCStream, ForbidRTCStreams, ForbidTarget, KickoutUser, MessageCategory,
    Privilege, ResumeRTCStream, ResumeRTCStreams, RuleType, SendBarrageMessage,
    SendBroadcastMessage, SendCustomCommand, SetForbidUserRule, UserListOrder,
};
use zego_core::{AppId, Error, Reply, RetryPolicy, ReturnCode};
use zego_mock::{App, MessageKind, MockServer, PublishError};
use zego_ureq::Client;

/// The case count: `PROPTEST_CASES` when set, else 1,000.
fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

// Small pools, so that steps meet: the same rooms, users and streams come back.
const ROOMS: [&str; 2] = ["r0", "r1"];
const USERS: [&str; 3] = ["u0", "u1", "u2"];
const STREAMS: [&str; 3] = ["s0", "s1", "s2"];
const IPS: [&str; 1] = ["10.0.0.1"];
/// The sender or stream user that is no room member.
const SERVER: &str = "Server-Administrator";

// ---------------------------------------------------------------------------------------
// The steps

/// A sender: a user of the pool, or [`SERVER`].
type Who = Option<usize>;

fn who(who: Who) -> &'static str {
    who.map_or(SERVER, |u| USERS[u])
}

#[derive(Clone, Debug)]
enum Target {
    Ip(usize),
    Room(usize),
    User(usize),
    RoomUser(usize, usize),
}

impl Target {
    fn of(&self) -> ForbidTarget {
        match *self {
            Target::Ip(i) => ForbidTarget::ip(IPS[i]),
            Target::Room(r) => ForbidTarget::room(ROOMS[r]),
            Target::User(u) => ForbidTarget::user(USERS[u]),
            Target::RoomUser(r, u) => ForbidTarget::room_user(ROOMS[r], USERS[u]),
        }
    }
}

#[derive(Clone, Debug)]
enum Step {
    // What users do.
    Login(usize, usize),
    Logout(usize, usize),
    Publish(usize, usize, usize),
    StopPublishing(usize, usize),
    // The calls.
    Custom(usize, Who, Vec<usize>),
    Broadcast(usize, Who, bool),
    Barrage(usize, Who, bool),
    Kick(usize, Vec<usize>),
    CountUsers(Vec<usize>),
    DescribeUsers(usize, Vec<usize>),
    ListUsers(usize, bool, u32),
    CloseRoom(usize),
    ListStreams(usize),
    AddStream(usize, Who, usize),
    DeleteStream(usize, Who, usize),
    Forbid(Vec<usize>, bool),
    Resume(Vec<usize>, bool),
    StreamState(usize),
    SetRule(Target, Vec<bool>, u64),
    DescribeRules(u32),
    DelRule(Target),
}

fn target() -> impl Strategy<Value = Target> {
    prop_oneof![
        (0..IPS.len()).prop_map(Target::Ip),
        (0..ROOMS.len()).prop_map(Target::Room),
        (0..USERS.len()).prop_map(Target::User),
        (0..ROOMS.len(), 0..USERS.len()).prop_map(|(r, u)| Target::RoomUser(r, u)),
    ]
}

fn step() -> impl Strategy<Value = Step> {
    let room = 0..ROOMS.len();
    let user = 0..USERS.len();
    let stream = 0..STREAMS.len();
    let sender = proptest::option::of(0..USERS.len());
    let users = |max| prop::collection::vec(0..USERS.len(), 1..=max);
    let streams = prop::collection::vec(0..STREAMS.len(), 1..=3);
    prop_oneof![
        3 => (room.clone(), user.clone()).prop_map(|(r, u)| Step::Login(r, u)),
        1 => (room.clone(), user.clone()).prop_map(|(r, u)| Step::Logout(r, u)),
        4 => (room.clone(), user.clone(), stream.clone())
            .prop_map(|(r, u, s)| Step::Publish(r, u, s)),
        1 => (room.clone(), stream.clone()).prop_map(|(r, s)| Step::StopPublishing(r, s)),
        2 => (room.clone(), sender.clone(), prop::collection::vec(0..USERS.len(), 0..=3))
            .prop_map(|(r, f, t)| Step::Custom(r, f, t)),
        2 => (room.clone(), sender.clone(), any::<bool>())
            .prop_map(|(r, f, c)| Step::Broadcast(r, f, c)),
        1 => (room.clone(), sender.clone(), any::<bool>())
            .prop_map(|(r, f, c)| Step::Barrage(r, f, c)),
        1 => (room.clone(), users(3)).prop_map(|(r, u)| Step::Kick(r, u)),
        1 => prop::collection::vec(0..ROOMS.len(), 1..=4).prop_map(Step::CountUsers),
        1 => (room.clone(), users(4)).prop_map(|(r, u)| Step::DescribeUsers(r, u)),
        1 => (room.clone(), any::<bool>(), 0..=3u32)
            .prop_map(|(r, n, l)| Step::ListUsers(r, n, l)),
        1 => room.clone().prop_map(Step::CloseRoom),
        1 => room.clone().prop_map(Step::ListStreams),
        2 => (room.clone(), sender.clone(), stream.clone())
            .prop_map(|(r, u, s)| Step::AddStream(r, u, s)),
        1 => (room.clone(), sender, stream.clone())
            .prop_map(|(r, u, s)| Step::DeleteStream(r, u, s)),
        2 => (streams.clone(), any::<bool>()).prop_map(|(s, b)| Step::Forbid(s, b)),
        1 => (streams, any::<bool>()).prop_map(|(s, b)| Step::Resume(s, b)),
        2 => stream.prop_map(Step::StreamState),
        2 => (target(), prop::collection::vec(any::<bool>(), 1..=3), 60..=86_400u64)
            .prop_map(|(t, p, e)| Step::SetRule(t, p, e)),
        1 => (1..=4u32).prop_map(Step::DescribeRules),
        1 => target().prop_map(Step::DelRule),
    ]
}

// ---------------------------------------------------------------------------------------
// The model

/// A message in an inbox: its kind (with a broadcast's or barrage's category and
/// `MessageId`), room, sender and content.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Message {
    kind: &'static str,
    category: u32,
    message_id: String,
    room: String,
    from: String,
    content: String,
}

/// A stream of a room's list.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Listed {
    number: u32,
    stream: String,
    user: String,
    /// Put in by `AddStream` (announced, not published).
    added: bool,
}

/// The last publish of a stream.
#[derive(Clone, Debug)]
struct Published {
    room: String,
    user: String,
    active: bool,
}

#[derive(Clone, Debug, Default)]
struct RoomModel {
    /// The users online, with the order of their logins.
    online: BTreeMap<String, u64>,
    list: Vec<Listed>,
    broadcasts: u64,
    barrages: u64,
    numbers: u32,
    /// `CloseRoom` ended its last lifetime.
    closed_by_call: bool,
}

impl RoomModel {
    fn open(&self) -> bool {
        !self.online.is_empty()
    }

    /// Puts `stream` of `user` in the list, with the room's next number.
    fn enlist(&mut self, stream: &str, user: &str, added: bool) {
        self.numbers += 1;
        self.list.push(Listed {
            number: self.numbers,
            stream: stream.to_owned(),
            user: user.to_owned(),
            added,
        });
    }

    /// The end of a lifetime: no streams, the counters from 1 again.
    fn end(&mut self) {
        self.list.clear();
        self.broadcasts = 0;
        self.barrages = 0;
        self.numbers = 0;
    }
}

#[derive(Clone, Debug)]
struct Rule {
    target: ForbidTarget,
    privileges: Vec<u32>,
    /// The earliest and the latest `ExpireTime` it may have.
    expires: (i64, i64),
}

#[derive(Debug, Default)]
struct Model {
    rooms: BTreeMap<String, RoomModel>,
    media: BTreeMap<String, Published>,
    forbidden: BTreeSet<String>,
    /// By the time each was last set.
    rules: Vec<Rule>,
    inboxes: BTreeMap<String, Vec<Message>>,
    history: bool,
    logins: u64,
    /// When the last login returned, in Unix ms: the next one starts later.
    last_login_ms: u64,
}

fn now_ms() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    u64::try_from(since.as_millis()).expect("ms")
}

fn rule_type(target: &ForbidTarget) -> u32 {
    target.rule_type().value()
}

/// A rule as listed: its type, IP address, room and user (`""` where they do not
/// apply), and privileges.
type Listing = (u32, String, String, String, Vec<u32>);

impl Rule {
    fn listing(&self) -> Listing {
        let none = String::new;
        let (ip, room, user) = match &self.target {
            ForbidTarget::Ip(ip) => (ip.clone(), none(), none()),
            ForbidTarget::Room(r) => (none(), r.clone(), none()),
            ForbidTarget::User(u) => (none(), none(), u.clone()),
            ForbidTarget::RoomUser { room_id, user_id } => {
                (none(), room_id.clone(), user_id.clone())
            }
            other => panic!("{other:?}"),
        };
        let kind = rule_type(&self.target);
        (kind, ip, room, user, self.privileges.clone())
    }
}

impl Model {
    fn open(&self, room: &str) -> bool {
        self.rooms.get(room).is_some_and(RoomModel::open)
    }

    fn online(&self, room: &str, user: &str) -> bool {
        self.rooms
            .get(room)
            .is_some_and(|r| r.online.contains_key(user))
    }

    /// The users online in `room` but `sender`.
    fn others(&self, room: &str, sender: &str) -> Vec<String> {
        self.rooms[room]
            .online
            .keys()
            .filter(|u| *u != sender)
            .cloned()
            .collect()
    }

    fn deliver(&mut self, users: &[String], message: &Message) {
        for user in users {
            self.inboxes
                .entry(user.clone())
                .or_default()
                .push(message.clone());
        }
    }

    fn login(&mut self, room: &str, user: &str) {
        let logins = self.logins;
        let state = self.rooms.entry(room.to_owned()).or_default();
        if state.online.contains_key(user) {
            return;
        }
        if !state.open() {
            state.closed_by_call = false;
        }
        state.online.insert(user.to_owned(), logins);
        self.logins += 1;
    }

    /// `user` leaves `room` (logs out, or is kicked): what is listed under it leaves the
    /// list, its publishes there end, and the room's lifetime if it was the last one.
    fn leave(&mut self, room: &str, user: &str) {
        let Some(state) = self.rooms.get_mut(room) else {
            return;
        };
        if state.online.remove(user).is_none() {
            return;
        }
        state.list.retain(|l| l.user != user);
        if !state.open() {
            state.end();
        }
        for published in self.media.values_mut() {
            if published.room == room && published.user == user {
                published.active = false;
            }
        }
    }

    fn publish(&mut self, room: &str, user: &str, stream: &str) -> Result<(), PublishError> {
        if !self.online(room, user) {
            return Err(PublishError::NotOnline);
        }
        let taken = |room: &str, user: &str| PublishError::StreamIdTaken {
            room_id: room.to_owned(),
            user_id: user.to_owned(),
        };
        if let Some(p) = self.media.get(stream).filter(|p| p.active) {
            if p.room == room && p.user == user {
                return Ok(());
            }
            return Err(taken(&p.room, &p.user));
        }
        let state = self.rooms.get_mut(room).expect("open");
        if let Some(listed) = state.list.iter().find(|l| l.stream == stream)
            && listed.user != user
        {
            return Err(taken(room, &listed.user));
        }
        if self.forbidden.contains(stream) {
            return Err(PublishError::Forbidden);
        }
        // Any rule that applies takes publishing away (a login ban too); the users of
        // the pool log in without an IP address.
        let banned = self.rules.iter().any(|rule| match &rule.target {
            ForbidTarget::Room(r) => r == room,
            ForbidTarget::User(u) => u == user,
            ForbidTarget::RoomUser { room_id, user_id } => room_id == room && user_id == user,
            _ => false,
        });
        if banned {
            return Err(PublishError::Banned);
        }
        state.list.retain(|l| l.stream != stream);
        state.enlist(stream, user, false);
        self.media.insert(
            stream.to_owned(),
            Published {
                room: room.to_owned(),
                user: user.to_owned(),
                active: true,
            },
        );
        Ok(())
    }

    fn stop_publishing(&mut self, room: &str, stream: &str) -> bool {
        let Some(published) = self
            .media
            .get_mut(stream)
            .filter(|p| p.active && p.room == room)
        else {
            return false;
        };
        published.active = false;
        if let Some(state) = self.rooms.get_mut(room) {
            state.list.retain(|l| l.stream != stream || l.added);
        }
        true
    }

    fn close_room(&mut self, room: &str) -> Result<(), ReturnCode> {
        if !self.open(room) {
            return Err(ReturnCode::ROOM_CLOSED);
        }
        let state = self.rooms.get_mut(room).expect("open");
        state.online.clear();
        state.end();
        state.closed_by_call = true;
        for published in self.media.values_mut() {
            if published.room == room {
                published.active = false;
            }
        }
        Ok(())
    }

    fn forbid(&mut self, streams: &[String]) {
        for stream in streams {
            self.forbidden.insert(stream.clone());
            if let Some(room) = self
                .media
                .get(stream)
                .filter(|p| p.active)
                .map(|p| p.room.clone())
            {
                self.stop_publishing(&room, stream);
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// Running a case

/// A call's result as the test compares it: the data that matters, or the code.
fn answer<D, T>(
    result: Result<Reply<D>, Error>,
    data: impl FnOnce(&Reply<D>) -> T,
) -> Result<T, ReturnCode> {
    match result {
        Ok(reply) => {
            assert_eq!(reply.attempts, 1, "no retry with budgets off");
            Ok(data(&reply))
        }
        Err(error) => {
            assert_eq!(error.attempts(), 1, "{error}");
            Err(error
                .code()
                .unwrap_or_else(|| panic!("not an answer: {error}")))
        }
    }
}

fn names(ids: &[usize], pool: &[&str]) -> Vec<String> {
    let mut seen = Vec::new();
    for &i in ids {
        let name = pool[i].to_owned();
        if !seen.contains(&name) {
            seen.push(name);
        }
    }
    seen
}

fn category(system: bool) -> MessageCategory {
    if system {
        MessageCategory::System
    } else {
        MessageCategory::Chat
    }
}

struct Case {
    mock: MockServer,
    client: Client,
    model: Model,
}

impl Case {
    /// A fresh mock, with the stream-state history switch `history` and the users of
    /// `online` (a flag per room and user) logged in.
    fn new(history: bool, online: &[bool]) -> Case {
        let mock = MockServer::builder()
            .app(App::new(AppId::new(APP), SECRET))
            .rate_limits(false)
            .start()
            .expect("the mock starts");
        mock.default_world().set_stream_state_history(history);
        let mut model = Model {
            history,
            ..Model::default()
        };
        // In each room by user ID: the list's order (login time, then user ID) is the
        // order of the logins even when they fall in the same millisecond.
        for (i, _) in online.iter().enumerate().filter(|(_, on)| **on) {
            let (room, user) = (ROOMS[i / USERS.len()], USERS[i % USERS.len()]);
            mock.set_online(room, user, true);
            model.login(room, user);
        }
        model.last_login_ms = now_ms();
        let client = Spec {
            limit: Limit::Off,
            retry: Some(RetryPolicy::never()),
            ..spec(&mock)
        }
        .build();
        Case {
            mock,
            client,
            model,
        }
    }

    /// Applies `step` (number `n`) to both; the answers must agree.
    fn apply(&mut self, n: usize, step: &Step) -> Result<(), TestCaseError> {
        let (mock, client, model) = (&self.mock, &self.client, &mut self.model);
        let content = format!("m{n}");
        match step {
            Step::Login(r, u) => {
                let (room, user) = (ROOMS[*r], USERS[*u]);
                if !model.online(room, user) {
                    // Each login in a later millisecond than the one before: the user
                    // list's order is the logins' order.
                    while now_ms() <= model.last_login_ms {
                        std::thread::yield_now();
                    }
                    mock.set_online(room, user, true);
                    model.last_login_ms = now_ms();
                    model.login(room, user);
                }
            }
            Step::Logout(r, u) => {
                mock.set_online(ROOMS[*r], USERS[*u], false);
                model.leave(ROOMS[*r], USERS[*u]);
            }
            Step::Publish(r, u, s) => {
                let got = mock.publish(ROOMS[*r], USERS[*u], STREAMS[*s]);
                let expected = model.publish(ROOMS[*r], USERS[*u], STREAMS[*s]);
                prop_assert_eq!(got, expected);
            }
            Step::StopPublishing(r, s) => {
                let got = mock.stop_publishing(ROOMS[*r], STREAMS[*s]);
                prop_assert_eq!(got, model.stop_publishing(ROOMS[*r], STREAMS[*s]));
            }
            Step::Custom(r, from, targets) => {
                let (room, from) = (ROOMS[*r], who(*from));
                let targets = names(targets, &USERS);
                let call = if targets.is_empty() {
                    SendCustomCommand::to_room(room, from, &content)
                } else {
                    SendCustomCommand::to_users(room, from, targets.clone(), &content)
                };
                let result = client.call(call);
                if targets.iter().any(|t| t == from) {
                    // The sender among the targets: refused before anything is sent.
                    prop_assert!(matches!(result, Err(Error::Invalid(_))), "{result:?}");
                    return Ok(());
                }
                let got = answer(result, |reply| {
                    let failed = reply.failed_users().iter();
                    failed
                        .map(|f| (f.user_id.clone(), f.code))
                        .collect::<Vec<_>>()
                });
                let expected = if model.open(room) {
                    let (receivers, offline) = if targets.is_empty() {
                        (model.others(room, from), Vec::new())
                    } else {
                        targets.iter().cloned().partition(|t| model.online(room, t))
                    };
                    let message = Message {
                        kind: "custom_command",
                        category: 0,
                        message_id: String::new(),
                        room: room.to_owned(),
                        from: from.to_owned(),
                        content,
                    };
                    model.deliver(&receivers, &message);
                    let not_online = ReturnCode::USER_NOT_ONLINE;
                    Ok(offline.into_iter().map(|u| (u, not_online)).collect())
                } else {
                    Err(ReturnCode::ROOM_NOT_FOUND)
                };
                prop_assert_eq!(got, expected);
            }
            Step::Broadcast(r, from, system) => {
                let (room, from) = (ROOMS[*r], who(*from));
                let call = SendBroadcastMessage::new(room, from, category(*system), &content);
                let got = answer(client.call(call), |reply| reply.data.message_id);
                let expected = match model.rooms.get_mut(room).filter(|s| s.open()) {
                    Some(state) => {
                        state.broadcasts += 1;
                        let id = state.broadcasts;
                        let message = Message {
                            kind: "broadcast",
                            category: category(*system).value(),
                            message_id: id.to_string(),
                            room: room.to_owned(),
                            from: from.to_owned(),
                            content,
                        };
                        let receivers = model.others(room, from);
                        model.deliver(&receivers, &message);
                        Ok(Some(id))
                    }
                    None => Err(ReturnCode::ROOM_NOT_FOUND),
                };
                prop_assert_eq!(got, expected);
            }
            Step::Barrage(r, from, system) => {
                let (room, from) = (ROOMS[*r], who(*from));
                let call = SendBarrageMessage::new(room, from, category(*system), &content);
                let got = answer(client.call(call), |reply| reply.data.message_id.clone());
                match model.rooms.get_mut(room).filter(|s| s.open()) {
                    Some(state) => {
                        state.barrages += 1;
                        let count = state.barrages;
                        let Ok(Some(id)) = got else {
                            return Err(TestCaseError::fail(format!("{got:?}")));
                        };
                        // "1_<ms>_<n>", n counting the lifetime's barrages.
                        let parts: Vec<&str> = id.split('_').collect();
                        prop_assert_eq!(parts.len(), 3, "{}", id);
                        prop_assert_eq!(parts[0], "1");
                        prop_assert!(parts[1].parse::<u64>().is_ok(), "{}", id);
                        prop_assert_eq!(parts[2], count.to_string());
                        let message = Message {
                            kind: "barrage",
                            category: category(*system).value(),
                            message_id: id,
                            room: room.to_owned(),
                            from: from.to_owned(),
                            content,
                        };
                        let receivers = model.others(room, from);
                        model.deliver(&receivers, &message);
                    }
                    None => prop_assert_eq!(got, Err(ReturnCode::ROOM_NOT_FOUND)),
                }
            }
            Step::Kick(r, users) => {
                let (room, users) = (ROOMS[*r], names(users, &USERS));
                let got = answer(client.call(KickoutUser::new(room, users.clone())), |_| ());
                let expected = if model.open(room) {
                    for user in &users {
                        model.leave(room, user);
                    }
                    Ok(())
                } else {
                    Err(ReturnCode::ROOM_NOT_FOUND)
                };
                prop_assert_eq!(got, expected);
            }
            Step::CountUsers(rooms) => {
                let rooms = names(rooms, &ROOMS);
                let got = answer(client.call(DescribeUserNum::new(rooms.clone())), |reply| {
                    let counts = reply.counts().expect("counts").iter();
                    counts
                        .map(|c| (c.room_id.clone(), c.user_count, c.admin_user_count))
                        .collect::<Vec<_>>()
                });
                let expected: Vec<(String, u32, u32)> = rooms
                    .iter()
                    .map(|room| {
                        let count = model.rooms.get(room).map_or(0, |s| s.online.len());
                        (room.clone(), u32::try_from(count).expect("small"), 0)
                    })
                    .collect();
                prop_assert_eq!(got, Ok(expected));
            }
            Step::DescribeUsers(r, users) => {
                let (room, users) = (ROOMS[*r], names(users, &USERS));
                let got = answer(
                    client.call(DescribeUsers::new(room, users.clone())),
                    |reply| {
                        let users = reply.users().expect("users").iter();
                        users
                            .map(|u| (u.user_id.clone(), u.status, u.user_role, u.login_time > 0))
                            .collect::<Vec<_>>()
                    },
                );
                let expected = if model.open(room) {
                    let status = |user: &String| {
                        let online = model.online(room, user);
                        let on = u32::from(online);
                        (user.clone(), on, on, online)
                    };
                    Ok(users.iter().map(status).collect())
                } else {
                    Err(ReturnCode::ROOM_NOT_FOUND)
                };
                prop_assert_eq!(got, expected);
            }
            Step::ListUsers(r, newest_first, limit) => {
                let room = ROOMS[*r];
                let order = if *newest_first {
                    UserListOrder::NewestFirst
                } else {
                    UserListOrder::OldestFirst
                };
                let call = DescribeUserList::new(room).order(order).limit(*limit);
                let all = client.all_pages(call).expect("valid");
                prop_assert!(all.error.is_none(), "{:?}", all.error);
                let got: Vec<(String, String, u32)> = all
                    .items
                    .iter()
                    .map(|u| (u.user_id.clone(), u.user_name.clone(), u.user_role))
                    .collect();
                let mut online: Vec<(u64, &String)> = model
                    .rooms
                    .get(room)
                    .map(|s| s.online.iter().map(|(u, seq)| (*seq, u)).collect())
                    .unwrap_or_default();
                online.sort();
                if *newest_first {
                    online.reverse();
                }
                let expected: Vec<(String, String, u32)> = online
                    .iter()
                    .map(|(_, u)| ((*u).clone(), (*u).clone(), 1))
                    .collect();
                let per_page = if *limit == 0 { 200 } else { *limit as usize };
                let pages = expected.len().div_ceil(per_page).max(1);
                prop_assert_eq!(got, expected);
                prop_assert_eq!(all.pages, pages);
            }
            Step::CloseRoom(r) => {
                let got = answer(client.call(CloseRoom::new(ROOMS[*r])), |_| ());
                prop_assert_eq!(got, model.close_room(ROOMS[*r]));
            }
            Step::ListStreams(r) => {
                let room = ROOMS[*r];
                let got = answer(client.call(DescribeSimpleStreamList::new(room)), |reply| {
                    let streams = reply.streams().expect("streams").iter();
                    streams
                        .map(|s| {
                            let (id, user) = (s.stream_id.clone(), s.user_id.clone());
                            (s.stream_number_id, id, user, s.user_name.clone())
                        })
                        .collect::<Vec<_>>()
                });
                let list = model.rooms.get(room).map(|s| s.list.clone());
                let expected = list
                    .unwrap_or_default()
                    .into_iter()
                    .map(|l| {
                        // An added stream has the name AddStream gave: none here.
                        let name = if l.added {
                            String::new()
                        } else {
                            l.user.clone()
                        };
                        (l.number, l.stream, l.user, name)
                    })
                    .collect();
                prop_assert_eq!(got, Ok(expected));
            }
            Step::AddStream(r, user, s) => {
                let (room, user, stream) = (ROOMS[*r], who(*user), STREAMS[*s]);
                let got = answer(client.call(AddStream::new(room, user, stream)), |_| ());
                let expected = match model.rooms.get_mut(room).filter(|s| s.open()) {
                    None => Err(ReturnCode::ROOM_NOT_FOUND),
                    Some(state) => match state.list.iter().find(|l| l.stream == stream) {
                        Some(l) if l.user != user => Err(ReturnCode::STREAM_CONFLICT),
                        Some(_) => Ok(()),
                        None => {
                            state.enlist(stream, user, true);
                            Ok(())
                        }
                    },
                };
                prop_assert_eq!(got, expected);
            }
            Step::DeleteStream(r, user, s) => {
                let (room, user, stream) = (ROOMS[*r], who(*user), STREAMS[*s]);
                let got = answer(client.call(DeleteStream::new(room, user, stream)), |_| ());
                let expected = match model.rooms.get_mut(room).filter(|s| s.open()) {
                    None => Err(ReturnCode::ROOM_NOT_FOUND),
                    Some(state) => {
                        let before = state.list.len();
                        state.list.retain(|l| l.stream != stream);
                        if state.list.len() < before {
                            Ok(())
                        } else {
                            Err(ReturnCode::STREAM_NOT_FOUND)
                        }
                    }
                };
                prop_assert_eq!(got, expected);
            }
            Step::Forbid(streams, batch) | Step::Resume(streams, batch) => {
                let forbid = matches!(step, Step::Forbid(..));
                let streams = names(streams, &STREAMS);
                let one = streams[0].clone();
                let got = match (forbid, *batch) {
                    (true, true) => client.call(ForbidRTCStreams::new(streams.clone())),
                    (true, false) => client.call(ForbidRTCStream::new(one.clone())),
                    (false, true) => client.call(ResumeRTCStreams::new(streams.clone())),
                    (false, false) => client.call(ResumeRTCStream::new(one.clone())),
                };
                let got = answer(got, |_| ());
                let streams = if *batch { streams } else { vec![one] };
                if forbid {
                    model.forbid(&streams);
                } else {
                    for stream in &streams {
                        model.forbidden.remove(stream);
                    }
                }
                prop_assert_eq!(got, Ok(()));
            }
            Step::StreamState(s) => {
                let stream = STREAMS[*s];
                let reply = client
                    .call(DescribeRTCStreamState::new(stream))
                    .expect("an answer");
                prop_assert_eq!(reply.attempts, 1);
                let times = (reply.data.create_time, reply.data.close_time);
                let expected = match model.media.get(stream) {
                    Some(p) if p.active => ReturnCode::SUCCESS,
                    Some(_) if model.history => ReturnCode::STREAM_CLOSED,
                    _ => ReturnCode::STREAM_ID_NOT_FOUND,
                };
                prop_assert_eq!(reply.code, expected);
                match expected {
                    ReturnCode::SUCCESS => {
                        prop_assert!(times.0.is_some() && times.1.is_none(), "{:?}", times)
                    }
                    ReturnCode::STREAM_CLOSED => {
                        let (Some(created), Some(closed)) = times else {
                            return Err(TestCaseError::fail(format!("{times:?}")));
                        };
                        prop_assert!(created <= closed, "{:?}", times);
                    }
                    _ => prop_assert_eq!(times, (None, None)),
                }
            }
            Step::SetRule(target, privileges, effective) => {
                let privileges: Vec<Privilege> = privileges
                    .iter()
                    .map(|&login| {
                        if login {
                            Privilege::Login
                        } else {
                            Privilege::Publish
                        }
                    })
                    .collect();
                let target = target.of();
                let seconds = i64::try_from(*effective).expect("a day at most");
                let before = now_ms() / 1000;
                let call = SetForbidUserRule::new(
                    target.clone(),
                    privileges.clone(),
                    Duration::from_secs(*effective),
                );
                let got = answer(client.call(call), |reply| reply.data.expire_time);
                let after = now_ms() / 1000;
                let expires = (
                    i64::try_from(before).expect("s") + seconds,
                    i64::try_from(after).expect("s") + seconds,
                );
                let Ok(Some(expire)) = got else {
                    return Err(TestCaseError::fail(format!("{got:?}")));
                };
                prop_assert!((expires.0..=expires.1).contains(&expire), "{}", expire);
                let mut values: Vec<u32> = Vec::new();
                for privilege in privileges {
                    if !values.contains(&privilege.value()) {
                        values.push(privilege.value());
                    }
                }
                model.rules.retain(|r| r.target != target);
                model.rules.push(Rule {
                    target,
                    privileges: values,
                    expires,
                });
            }
            Step::DescribeRules(t) => {
                let kind = [
                    RuleType::Ip,
                    RuleType::Room,
                    RuleType::User,
                    RuleType::RoomUser,
                ][*t as usize - 1];
                let reply = client
                    .call(DescribeForbidUserRules::new(kind))
                    .expect("described");
                let got: Vec<Listing> = reply
                    .rules()
                    .expect("rules")
                    .iter()
                    .map(|r| {
                        let (ip, room, user) = (r.ip.clone(), r.room_id.clone(), r.user_id.clone());
                        (
                            r.rule_type,
                            ip,
                            room,
                            user,
                            r.disabled_privilege_list.clone(),
                        )
                    })
                    .collect();
                let of_type: Vec<&Rule> = model
                    .rules
                    .iter()
                    .filter(|r| rule_type(&r.target) == *t)
                    .collect();
                let expected: Vec<Listing> = of_type.iter().map(|rule| rule.listing()).collect();
                prop_assert_eq!(got, expected);
                for (listed, rule) in reply.rules().expect("rules").iter().zip(&of_type) {
                    let (earliest, latest) = rule.expires;
                    prop_assert!((earliest..=latest).contains(&listed.expire_time));
                }
            }
            Step::DelRule(target) => {
                let target = target.of();
                let got = answer(client.call(DelForbidUserRule::new(target.clone())), |_| ());
                let before = model.rules.len();
                model.rules.retain(|r| r.target != target);
                let expected = if model.rules.len() < before {
                    Ok(())
                } else {
                    Err(ReturnCode::BAN_RULE_NOT_FOUND)
                };
                prop_assert_eq!(got, expected);
            }
        }
        Ok(())
    }

    /// The mock's world is the model's.
    fn check_world(&self) -> Result<(), TestCaseError> {
        let (mock, model) = (&self.mock, &self.model);
        for room in ROOMS {
            let snapshot = mock.rooms().into_iter().find(|r| r.room_id == room);
            let got = snapshot.map(|r| {
                let online: BTreeSet<String> = r
                    .users
                    .iter()
                    .filter(|u| u.online)
                    .map(|u| u.user_id.clone())
                    .collect();
                let mut list: Vec<Listed> = r
                    .streams
                    .iter()
                    .map(|s| Listed {
                        number: s.stream_number_id,
                        stream: s.stream_id.clone(),
                        user: s.user_id.clone(),
                        added: s.added,
                    })
                    .collect();
                list.sort();
                (r.open, r.closed, online, list)
            });
            let expected = model.rooms.get(room).map(|r| {
                let online: BTreeSet<String> = r.online.keys().cloned().collect();
                (
                    r.open(),
                    r.closed_by_call && !r.open(),
                    online,
                    r.list.clone(),
                )
            });
            let nothing = (false, false, BTreeSet::new(), Vec::new());
            prop_assert_eq!(
                got.unwrap_or(nothing.clone()),
                expected.unwrap_or(nothing),
                "room {}",
                room
            );
        }
        let streams = mock.streams();
        let forbidden: BTreeSet<String> = streams
            .iter()
            .filter(|s| s.forbidden)
            .map(|s| s.stream_id.clone())
            .collect();
        prop_assert_eq!(&forbidden, &model.forbidden);
        let publishing: BTreeSet<(String, Option<String>, Option<String>)> = streams
            .iter()
            .filter(|s| s.publishing)
            .map(|s| (s.stream_id.clone(), s.room_id.clone(), s.user_id.clone()))
            .collect();
        let active: BTreeSet<(String, Option<String>, Option<String>)> = model
            .media
            .iter()
            .filter(|(_, p)| p.active)
            .map(|(s, p)| (s.clone(), Some(p.room.clone()), Some(p.user.clone())))
            .collect();
        prop_assert_eq!(publishing, active);
        let rules: BTreeSet<Listing> = mock
            .rules()
            .into_iter()
            .map(|r| {
                (
                    r.rule_type,
                    r.ip,
                    r.room_id,
                    r.user_id,
                    r.disabled_privileges,
                )
            })
            .collect();
        let expected: BTreeSet<Listing> = model.rules.iter().map(Rule::listing).collect();
        prop_assert_eq!(rules, expected);
        for user in USERS {
            let got: Vec<Message> = mock
                .inbox(user)
                .into_iter()
                .map(|d| {
                    let (kind, category, message_id) = match d.kind {
                        MessageKind::CustomCommand => ("custom_command", 0, String::new()),
                        MessageKind::Broadcast {
                            category,
                            message_id,
                            ..
                        } => ("broadcast", category.value(), message_id.to_string()),
                        MessageKind::Barrage {
                            category,
                            message_id,
                            ..
                        } => ("barrage", category.value(), message_id),
                        other => panic!("{other:?}"),
                    };
                    Message {
                        kind,
                        category,
                        message_id,
                        room: d.room_id,
                        from: d.from_user_id,
                        content: d.content,
                    }
                })
                .collect();
            let expected = model.inboxes.get(user).cloned().unwrap_or_default();
            prop_assert_eq!(got, expected, "{}'s inbox", user);
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config())]

    /// The mock's answers and world agree with the model's after every step.
    #[test]
    fn the_mock_agrees_with_the_model(
        history in any::<bool>(),
        online in prop::collection::vec(any::<bool>(), ROOMS.len() * USERS.len()),
        steps in prop::collection::vec(step(), 1..=16),
    ) {
        let mut case = Case::new(history, &online);
        case.check_world()?;
        for (n, step) in steps.iter().enumerate() {
            case.apply(n, step)?;
            case.check_world()?;
        }
    }
}
