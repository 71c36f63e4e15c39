//! The world the calls act on: rooms with their users and stream lists, the media layer
//! and the ban rules, one world per AppId and environment (spec §0.4: production and the
//! test environment never share state).
//!
//! A room exists from the moment a first user is online in it, and is closed when its
//! last online user leaves or is kicked out, or by `CloseRoom`. A closed room keeps its
//! known users, all offline, and nothing else: no streams, and its counters (broadcast
//! and barrage `MessageId`, `StreamNumberId`) start at 1 again in the room's next
//! lifecycle.
//!
//! A room's stream list (spec §8) holds the streams its clients publish and those
//! `AddStream` put in; the media layer ([`Media`]) the streams published on the media
//! servers. Publishing puts a stream in both; `DeleteStream` takes it out of the list
//! only, and a stream that stops publishing leaves both.
//!
//! Every change is also written down as the callback the vendor sends for it (spec
//! callbacks §7), with the identifiers and counters of spec callbacks §6.2 kept
//! consistent: a room lifetime has its `room_session_id` and a creation time later than
//! the room's previous lifetime's, each login its `session_id` and `login_time`, each
//! publish its `stream_sid` and `create_time_ms`, and `user_update_seq` and `stream_seq`
//! count the changes of one lifetime from 1. The stream events follow the published
//! streams in the list: a stream `AddStream` put in sends none. The state module takes
//! those events ([`World::take_changes`]) and hands them to the callback sender.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde::Serialize;
use zego_core::ReturnCode;
use zego_core::callbacks::{
    AuthLevel, Event, LogoutReason, RoomClose, RoomCloseReason, RoomCreate, RoomLogin, RoomLogout,
    StreamClose, StreamCloseType, StreamCreate, UserRole,
};

use crate::media::Media;
use crate::rules::{BanRules, Who};

/// The role the client SDKs give a user unless told otherwise (the vendor's examples
/// show 1, "anchor").
pub const DEFAULT_ROLE: u32 = 1;

/// The role of an administrator (cloud recording, stream moderation), counted apart by
/// `DescribeUserNum` in `AdminUserCount`.
pub const ADMIN_ROLE: u32 = 4;

/// Which world: an AppId and an environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct WorldKey {
    pub(crate) app_id: u32,
    /// `true` for the test environment (`IsTest=true`).
    pub(crate) test_env: bool,
}

/// A user as a test puts it in a room: its ID, and optionally its name, its role and
/// the IP address its client connects from (which ban rules by IP match).
///
/// ```
/// use zego_mock::Login;
/// let admin = Login::new("recorder").name("Cloud recording").role(zego_mock::ADMIN_ROLE);
/// assert_eq!(admin.user_id(), "recorder");
/// let from = Login::new("dave").ip("203.0.113.7");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    user_id: String,
    user_name: Option<String>,
    role: Option<u32>,
    ip: Option<String>,
    /// How the login was authenticated: `auth_level` of its `room_login` callback.
    auth: AuthLevel,
}

impl Login {
    /// The user `user_id`. Its name is its ID (as the client SDKs' `ZegoUser(userID)`
    /// makes it) and its role [`DEFAULT_ROLE`], unless set, or kept from before; it has
    /// no IP address unless set.
    pub fn new(user_id: impl Into<String>) -> Self {
        Login {
            user_id: user_id.into(),
            user_name: None,
            role: None,
            ip: None,
            auth: AuthLevel::NoToken,
        }
    }

    /// Marks the login as made with a Token04 login token (its callback's `auth_level`).
    pub(crate) fn with_token(mut self) -> Self {
        self.auth = AuthLevel::Token04;
        self
    }

    /// Its user name.
    pub fn name(mut self, user_name: impl Into<String>) -> Self {
        self.user_name = Some(user_name.into());
        self
    }

    /// Its role: 1 anchor, 2 audience, [`ADMIN_ROLE`] administrator.
    pub fn role(mut self, role: u32) -> Self {
        self.role = Some(role);
        self
    }

    /// The IP address its client connects from, as ban rules by IP (`RuleType` 1)
    /// compare it: an exact string.
    pub fn ip(mut self, ip: impl Into<String>) -> Self {
        self.ip = Some(ip.into());
        self
    }

    /// Its user ID.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// Who logs in to `room_id`, as ban rules match it.
    pub(crate) fn who<'a>(&'a self, room_id: &'a str) -> Who<'a> {
        Who {
            ip: self.ip.as_deref(),
            room_id,
            user_id: &self.user_id,
        }
    }
}

/// A stream a user starts publishing, as a client SDK's `startPublishingStream` does:
/// its user and ID, and optionally its title and extra information.
///
/// ```
/// use zego_mock::Publication;
/// let camera = Publication::new("alice", "alice-cam").title("Alice").extra_info("{\"seat\":1}");
/// assert_eq!(camera.stream_id(), "alice-cam");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    user_id: String,
    stream_id: String,
    title: String,
    extra_info: String,
}

impl Publication {
    /// `user_id` publishes `stream_id`, without a title or extra information.
    pub fn new(user_id: impl Into<String>, stream_id: impl Into<String>) -> Self {
        Publication {
            user_id: user_id.into(),
            stream_id: stream_id.into(),
            title: String::new(),
            extra_info: String::new(),
        }
    }

    /// Its title.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = title.into();
        self
    }

    /// Its extra information.
    pub fn extra_info(mut self, extra_info: impl Into<String>) -> Self {
        self.extra_info = extra_info.into();
        self
    }

    /// The user who publishes it.
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The stream's ID.
    pub fn stream_id(&self) -> &str {
        &self.stream_id
    }
}

/// A room as [`MockServer::rooms`](crate::MockServer::rooms) shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Room {
    /// Its ID.
    pub room_id: String,
    /// `true` while a user is online in it; a closed room is listed with its known users,
    /// all offline, and no streams.
    pub open: bool,
    /// `true` when `CloseRoom` closed it (until a user logs in to it again); `false`
    /// while it is open, and for a room closed because its last user left.
    pub closed: bool,
    /// Every user known in the room, online or not, by user ID.
    pub users: Vec<RoomUser>,
    /// Its stream list, by stream ID: what `DescribeSimpleStreamList` lists.
    pub streams: Vec<Stream>,
}

/// A user known in a room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RoomUser {
    /// Its ID.
    pub user_id: String,
    /// Whether it is online in the room now.
    pub online: bool,
    /// Its user name.
    pub user_name: String,
    /// Its role (1 anchor, 2 audience, [`ADMIN_ROLE`] administrator).
    pub role: u32,
    /// When it logged into the room, in Unix milliseconds; 0 while it is offline.
    pub login_time: u64,
}

/// A stream of a room's stream list: one a user publishes in it, or one `AddStream`
/// put in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stream {
    /// Its ID.
    pub stream_id: String,
    /// The user who publishes it, or the one `AddStream` attributed it to.
    pub user_id: String,
    /// That user's name.
    pub user_name: String,
    /// When it entered the list, in Unix milliseconds.
    pub create_time: u64,
    /// Its number in the room (`StreamNumberId`): 1, 2, 3, ... in the order streams
    /// entered the list in this lifecycle of the room.
    pub stream_number_id: u32,
    /// Its title.
    pub title: String,
    /// Its extra information.
    pub extra_info: String,
    /// `CensorFlag`: 0, moderation may review it (the default); 1, it may not.
    pub censor_flag: u32,
    /// `true` when `AddStream` put it in the list (it is announced, not published).
    pub added: bool,
}

/// A stream a world knows, as [`MockServer::streams`](crate::MockServer::streams) and
/// `GET /_mock/streams` list it: one in a room's stream list, one published on the media
/// servers (perhaps taken out of its room's list by `DeleteStream`), or a forbidden
/// stream ID (perhaps of no stream yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StreamRecord {
    /// Its room; `None` for a forbidden ID that no room lists or publishes.
    pub room_id: Option<String>,
    /// Its user (who publishes it, or whom `AddStream` attributed it to); `None` when
    /// `room_id` is.
    pub user_id: Option<String>,
    /// Its ID (in the test environment, without the media service's prefix).
    pub stream_id: String,
    /// Whether the stream ID is forbidden on the media service.
    pub forbidden: bool,
    /// Whether it is in the room's stream list.
    pub listed: bool,
    /// Whether it is being published on the media servers.
    pub publishing: bool,
}

/// Why a user leaves a room: what its `room_logout` (`reason`), the `stream_close` of its
/// streams (`type`) and, when it was the last one, the `room_close` (`close_reason`) say.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Departure {
    /// It logged out (the control API, the library's `set_online(.., false)`).
    Logout,
    /// `KickoutUser` took it out.
    KickedOut,
}

impl Departure {
    fn logout_reason(self) -> LogoutReason {
        match self {
            Departure::Logout => LogoutReason::Normal,
            Departure::KickedOut => LogoutReason::KickedOut,
        }
    }

    fn stream_close_type(self) -> StreamCloseType {
        match self {
            Departure::Logout => StreamCloseType::Normal,
            Departure::KickedOut => StreamCloseType::KickedOut,
        }
    }

    fn room_close_reason(self) -> RoomCloseReason {
        match self {
            Departure::Logout => RoomCloseReason::Normal,
            Departure::KickedOut => RoomCloseReason::KickedOut,
        }
    }
}

/// Why a stream could not be published.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublishError {
    /// The user is not online in the room: a client publishes only once logged in.
    NotOnline,
    /// Another publish has the stream ID (stream IDs are unique in an app and
    /// environment, across its rooms), or the room lists it under another user.
    StreamIdTaken {
        /// The room where it is published or listed.
        room_id: String,
        /// The user who publishes it, or whom it is listed under.
        user_id: String,
    },
    /// The stream ID is forbidden (`ForbidRTCStream`): the client SDK reports error
    /// 1003025.
    Forbidden,
    /// A ban rule in effect takes publishing away from the user (spec §17).
    Banned,
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::NotOnline => f.write_str("the user is not online in the room"),
            PublishError::StreamIdTaken { room_id, user_id } => write!(
                f,
                "the stream ID is already published or listed by {user_id:?} in room {room_id:?}"
            ),
            PublishError::Forbidden => {
                f.write_str("the stream ID is forbidden (the client SDK's error 1003025)")
            }
            PublishError::Banned => f.write_str("a ban rule forbids the user to publish"),
        }
    }
}

impl std::error::Error for PublishError {}

/// A fresh identifier for a room lifetime, a login session or a publish: unique in the
/// process, above 2⁵³ like the vendor's (spec callbacks §3.4), and seeded from the clock
/// so that a mock started again does not reuse the IDs of the one before.
pub(crate) fn fresh_id() -> u64 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let mut current = NEXT.load(Ordering::Relaxed);
    loop {
        let next = if current == 0 {
            // Unix milliseconds times 2²⁰: about 1.8e18 today, within u64 until the year
            // 2500; a million IDs a millisecond before two runs could meet.
            let millis = unix_millis(SystemTime::now()).max(1);
            millis.saturating_mul(1 << 20)
        } else {
            current.wrapping_add(1).max(1)
        };
        match NEXT.compare_exchange_weak(current, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => return next,
            Err(seen) => current = seen,
        }
    }
}

/// Unix milliseconds of `time` (0 before 1970).
pub(crate) fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Unix seconds of Unix milliseconds, as the ban rules and the media service count.
pub(crate) fn seconds(millis: u64) -> i64 {
    i64::try_from(millis / 1000).unwrap_or(i64::MAX)
}

/// The rooms, the media layer and the ban rules of one world, and the changes not yet
/// taken.
#[derive(Debug, Default)]
pub(crate) struct World {
    rooms: BTreeMap<String, RoomState>,
    changes: Vec<Event>,
    /// The streams published on the media servers, the forbidden IDs, the `Sequence`
    /// records and the stream-state history switch.
    pub(crate) media: Media,
    /// The user ban rules, and whether the feature is enabled.
    pub(crate) rules: BanRules,
}

/// A known user of a room, its login session while it is online, and the IP address it
/// last logged in from.
#[derive(Debug)]
struct Member {
    user: RoomUser,
    session_id: u64,
    ip: Option<String>,
}

/// A stream of a room's list, and the vendor's ID of its publish (`None` for a stream
/// `AddStream` put in: no `stream_create` announced it).
#[derive(Debug)]
struct Listed {
    stream: Stream,
    stream_sid: Option<String>,
}

/// One lifetime of a room, from its first user's login to its last user's departure.
#[derive(Clone, Copy, Debug)]
struct Lifetime {
    /// `room_session_id` (`room_seq` of the user events).
    session_id: u64,
    /// `room_create_time`, ms.
    create_time: u64,
    /// `user_update_seq` of the last user event.
    user_seq: u64,
    /// `stream_seq` of the last stream event.
    stream_seq: u64,
}

/// One room: its known users, its stream list, its counters and its lifetime.
#[derive(Debug)]
pub(crate) struct RoomState {
    users: BTreeMap<String, Member>,
    list: BTreeMap<String, Listed>,
    next_message_id: u64,
    next_barrage_id: u64,
    last_stream_number: u32,
    /// The current lifetime; `None` while the room is closed.
    lifetime: Option<Lifetime>,
    /// The creation time of the last lifetime: the next one is created later, so that
    /// a receiver can order them (spec callbacks §6.4).
    last_create_time: u64,
    /// Whether `CloseRoom` ended the last lifetime.
    closed_by_call: bool,
}

impl RoomState {
    fn new() -> Self {
        RoomState {
            users: BTreeMap::new(),
            list: BTreeMap::new(),
            next_message_id: 1,
            next_barrage_id: 1,
            last_stream_number: 0,
            lifetime: None,
            last_create_time: 0,
            closed_by_call: false,
        }
    }

    fn is_open(&self) -> bool {
        self.users.values().any(|member| member.user.online)
    }

    /// Whether `user_id` is online in the room.
    pub(crate) fn is_online(&self, user_id: &str) -> bool {
        self.user(user_id).is_some()
    }

    /// `user_id`, when it is online in the room.
    pub(crate) fn user(&self, user_id: &str) -> Option<&RoomUser> {
        self.users
            .get(user_id)
            .map(|member| &member.user)
            .filter(|user| user.online)
    }

    /// The users online in the room, by user ID.
    pub(crate) fn online(&self) -> impl Iterator<Item = &RoomUser> {
        self.users
            .values()
            .map(|member| &member.user)
            .filter(|user| user.online)
    }

    /// The users online in the room but `sender`, by user ID: who a message to the
    /// whole room reaches.
    pub(crate) fn online_except(&self, sender: &str) -> Vec<String> {
        self.online()
            .filter(|user| user.user_id != sender)
            .map(|user| user.user_id.clone())
            .collect()
    }

    /// The next broadcast `MessageId` of this lifecycle of the room: 1, 2, 3, ...
    pub(crate) fn take_message_id(&mut self) -> u64 {
        let id = self.next_message_id;
        self.next_message_id += 1;
        id
    }

    /// The next barrage `MessageId` of this lifecycle of the room, sent at `now_ms`:
    /// `"1_<now_ms>_<n>"`, n being 1, 2, 3, ... (the shape of the vendor's example).
    pub(crate) fn take_barrage_id(&mut self, now_ms: u64) -> String {
        let id = self.next_barrage_id;
        self.next_barrage_id += 1;
        format!("1_{now_ms}_{id}")
    }

    /// The room's stream list, in the order the streams entered it.
    pub(crate) fn streams(&self) -> Vec<&Stream> {
        let mut streams: Vec<&Stream> = self.list.values().map(|listed| &listed.stream).collect();
        streams.sort_by_key(|stream| stream.stream_number_id);
        streams
    }

    /// The users online, and the administrators among them.
    fn counts(&self) -> (u32, u32) {
        let (mut users, mut admins) = (0u32, 0u32);
        for user in self.online() {
            users = users.saturating_add(1);
            if user.role == ADMIN_ROLE {
                admins = admins.saturating_add(1);
            }
        }
        (users, admins)
    }

    /// The current lifetime, started at `now_ms` (a `room_create` by `user_id`) if the
    /// room was closed.
    fn lifetime(
        &mut self,
        room_id: &str,
        user_id: &str,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) -> Lifetime {
        if let Some(lifetime) = self.lifetime {
            return lifetime;
        }
        let create_time = now_ms.max(self.last_create_time.saturating_add(1));
        self.last_create_time = create_time;
        let lifetime = Lifetime {
            session_id: fresh_id(),
            create_time,
            user_seq: 0,
            stream_seq: 0,
        };
        self.lifetime = Some(lifetime);
        self.closed_by_call = false;
        changes.push(Event::RoomCreate(RoomCreate {
            room_id: room_id.to_owned(),
            room_session_id: lifetime.session_id,
            room_create_time: create_time,
            id_name: user_id.to_owned(),
        }));
        lifetime
    }

    /// Logs `login`'s user (a known member, offline) in at `now_ms`: a new session, and
    /// the room's lifetime if it was closed.
    fn enter(&mut self, room_id: &str, login: &Login, now_ms: u64, changes: &mut Vec<Event>) {
        let mut lifetime = self.lifetime(room_id, &login.user_id, now_ms, changes);
        let Some(member) = self.users.get_mut(&login.user_id) else {
            return;
        };
        lifetime.user_seq += 1;
        self.lifetime = Some(lifetime);
        member.user.online = true;
        member.user.login_time = now_ms.max(lifetime.create_time);
        member.session_id = fresh_id();
        member.ip.clone_from(&login.ip);
        changes.push(Event::RoomLogin(RoomLogin {
            room_id: room_id.to_owned(),
            room_name: String::new(),
            room_seq: lifetime.session_id,
            user_account: login.user_id.clone(),
            user_nickname: member.user.user_name.clone(),
            session_id: member.session_id,
            login_time: member.user.login_time,
            user_role: Some(role_of(member.user.role)),
            auth_level: Some(login.auth),
            relogin: Some(false),
            user_update_seq: Some(lifetime.user_seq),
            callback_data: Some(String::new()),
        }));
    }

    /// Takes `user_id` offline: the streams listed under it leave the list, then its
    /// session ends, then the room's lifetime if it was the last one online. Returns
    /// whether it was online.
    fn leave(
        &mut self,
        room_id: &str,
        user_id: &str,
        departure: Departure,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) -> bool {
        if !self.is_online(user_id) {
            return false;
        }
        let theirs: Vec<String> = self
            .list
            .iter()
            .filter(|(_, listed)| listed.stream.user_id == user_id)
            .map(|(stream_id, _)| stream_id.clone())
            .collect();
        for stream_id in theirs {
            let close_type = departure.stream_close_type();
            self.unlist(room_id, &stream_id, close_type, now_ms, changes);
        }
        self.log_out(room_id, user_id, departure.logout_reason(), now_ms, changes);
        if !self.is_open() {
            let reason = departure.room_close_reason();
            self.close(room_id, reason, true, now_ms, changes);
        }
        true
    }

    /// Ends the session of `user_id` (online here) for `reason`.
    fn log_out(
        &mut self,
        room_id: &str,
        user_id: &str,
        reason: LogoutReason,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) {
        let (Some(member), Some(lifetime)) = (self.users.get_mut(user_id), self.lifetime.as_mut())
        else {
            return;
        };
        lifetime.user_seq += 1;
        let login_time = member.user.login_time;
        changes.push(Event::RoomLogout(RoomLogout {
            room_id: room_id.to_owned(),
            room_seq: lifetime.session_id,
            user_account: user_id.to_owned(),
            user_nickname: member.user.user_name.clone(),
            session_id: member.session_id,
            login_time: Some(login_time),
            logout_time: now_ms.max(login_time),
            reason,
            user_role: Some(role_of(member.user.role)),
            user_update_seq: Some(lifetime.user_seq),
        }));
        member.user.online = false;
        member.user.login_time = 0;
    }

    /// Ends the room's lifecycle: everyone offline, no streams, the counters back at 1;
    /// a `room_close` for `reason` when `announce`.
    fn close(
        &mut self,
        room_id: &str,
        reason: RoomCloseReason,
        announce: bool,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) {
        for member in self.users.values_mut() {
            member.user.online = false;
            member.user.login_time = 0;
        }
        self.list.clear();
        self.next_message_id = 1;
        self.next_barrage_id = 1;
        self.last_stream_number = 0;
        if let Some(lifetime) = self.lifetime.take()
            && announce
        {
            changes.push(Event::RoomClose(RoomClose {
                room_id: room_id.to_owned(),
                room_session_id: lifetime.session_id,
                close_reason: reason,
                room_close_time: now_ms.max(lifetime.create_time),
            }));
        }
    }

    /// `CloseRoom` (spec §7): every stream of the list closes ("room cleared"), then
    /// every user online is logged out (kicked out by a server call), then the lifetime
    /// ends, with a `room_close` only when `announce` (`RoomCloseCallback=true`).
    fn close_by_call(
        &mut self,
        room_id: &str,
        announce: bool,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) {
        let listed: Vec<String> = self.list.keys().cloned().collect();
        for stream_id in listed {
            self.unlist(
                room_id,
                &stream_id,
                StreamCloseType::RoomCleared,
                now_ms,
                changes,
            );
        }
        let online: Vec<String> = self.online().map(|user| user.user_id.clone()).collect();
        for user_id in online {
            self.log_out(room_id, &user_id, LogoutReason::KickedOut, now_ms, changes);
        }
        self.close(room_id, RoomCloseReason::Normal, announce, now_ms, changes);
        self.closed_by_call = true;
    }

    /// Puts `stream` in the list with the room's next `StreamNumberId`; a published one
    /// (`publish`) is announced by a `stream_create`, with a fresh `stream_sid`.
    fn enlist(
        &mut self,
        room_id: &str,
        mut stream: Stream,
        publish: bool,
        changes: &mut Vec<Event>,
    ) {
        self.last_stream_number = self.last_stream_number.saturating_add(1);
        stream.stream_number_id = self.last_stream_number;
        let stream_sid = match self.lifetime.as_mut() {
            Some(lifetime) if publish => {
                lifetime.stream_seq += 1;
                let stream_sid = format!("s-{}", fresh_id());
                let same = |text: &str| Some(text.to_owned());
                changes.push(Event::StreamCreate(StreamCreate {
                    room_id: same(room_id),
                    channel_id: same(room_id),
                    room_session_id: lifetime.session_id,
                    user_id: same(&stream.user_id),
                    user_name: same(&stream.user_name),
                    publish_id: same(&stream.user_id),
                    publish_name: same(&stream.user_name),
                    stream_id: same(&stream.stream_id),
                    stream_alias: same(&stream.stream_id),
                    stream_sid: stream_sid.clone(),
                    title: same(&stream.title),
                    stream_attr: same(r#"{"cid":0}"#),
                    stream_seq: lifetime.stream_seq,
                    create_time: Some(stream.create_time / 1000),
                    create_time_ms: stream.create_time,
                    extra_info: same(&stream.extra_info),
                    recreate: Some(false),
                    ..StreamCreate::default()
                }));
                Some(stream_sid)
            }
            _ => None,
        };
        self.list
            .insert(stream.stream_id.clone(), Listed { stream, stream_sid });
    }

    /// Takes `stream_id` out of the list, if it is there; a published one is announced
    /// closed by a `stream_close` of `close_type`. Returns whether it was listed.
    fn unlist(
        &mut self,
        room_id: &str,
        stream_id: &str,
        close_type: StreamCloseType,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) -> bool {
        let Some(Listed { stream, stream_sid }) = self.list.remove(stream_id) else {
            return false;
        };
        if let (Some(stream_sid), Some(lifetime)) = (stream_sid, self.lifetime.as_mut()) {
            lifetime.stream_seq += 1;
            let same = |text: &str| Some(text.to_owned());
            changes.push(Event::StreamClose(StreamClose {
                room_id: same(room_id),
                channel_id: same(room_id),
                room_session_id: lifetime.session_id,
                user_id: same(&stream.user_id),
                user_name: same(&stream.user_name),
                close_type,
                stream_alias: same(stream_id),
                stream_id: same(stream_id),
                stream_sid,
                stream_seq: Some(lifetime.stream_seq),
                third_define_data: same(""),
                create_time_ms: stream.create_time,
                destroy_timemillis: Some(now_ms.max(stream.create_time)),
            }));
        }
        true
    }

    /// Whether the list has `stream_id` as a published stream (not one `AddStream` put
    /// in).
    fn lists_published(&self, stream_id: &str) -> bool {
        self.list
            .get(stream_id)
            .is_some_and(|listed| listed.stream_sid.is_some())
    }

    fn snapshot(&self, room_id: &str) -> Room {
        Room {
            room_id: room_id.to_owned(),
            open: self.is_open(),
            closed: self.closed_by_call && !self.is_open(),
            users: self
                .users
                .values()
                .map(|member| member.user.clone())
                .collect(),
            streams: self
                .list
                .values()
                .map(|listed| listed.stream.clone())
                .collect(),
        }
    }
}

/// A role as the callbacks name it.
fn role_of(role: u32) -> UserRole {
    UserRole::from(i64::from(role))
}

impl World {
    /// Puts a user in a room, online or not, creating both as needed. Going online
    /// starts a login at `now_ms` (and the room's lifecycle, if it was closed); a user
    /// already online keeps its login time. Going offline is a normal logout. A name or
    /// role left unset in `login` keeps the user's current one.
    pub(crate) fn put(&mut self, room_id: &str, login: &Login, online: bool, now_ms: u64) {
        let room = self
            .rooms
            .entry(room_id.to_owned())
            .or_insert_with(RoomState::new);
        let member = room
            .users
            .entry(login.user_id.clone())
            .or_insert_with(|| Member {
                user: RoomUser {
                    user_id: login.user_id.clone(),
                    online: false,
                    user_name: login.user_id.clone(),
                    role: DEFAULT_ROLE,
                    login_time: 0,
                },
                session_id: 0,
                ip: None,
            });
        if let Some(name) = &login.user_name {
            member.user.user_name.clone_from(name);
        }
        if let Some(role) = login.role {
            member.user.role = role;
        }
        if online && !member.user.online {
            room.enter(room_id, login, now_ms, &mut self.changes);
        } else if !online {
            self.leave(room_id, &login.user_id, Departure::Logout, now_ms);
        }
    }

    /// Whether a ban rule in effect at `now_ms` forbids `login`'s user to log in to
    /// `room_id`.
    pub(crate) fn login_banned(&self, room_id: &str, login: &Login, now_ms: u64) -> bool {
        self.rules
            .forbids(login.who(room_id), false, seconds(now_ms))
    }

    /// Takes `user_id` offline in `room_id` (kicked out, or gone): its streams leave the
    /// list and end, and the room closes when it was the last one online. Returns
    /// whether it was online.
    pub(crate) fn leave(
        &mut self,
        room_id: &str,
        user_id: &str,
        departure: Departure,
        now_ms: u64,
    ) -> bool {
        let Some(room) = self.rooms.get_mut(room_id) else {
            return false;
        };
        if !room.leave(room_id, user_id, departure, now_ms, &mut self.changes) {
            return false;
        }
        self.media.end(room_id, Some(user_id), None, now_ms);
        true
    }

    /// `publication`'s user, online in `room_id`, starts publishing its stream at
    /// `now_ms`: it enters the room's list and the media layer. Doing it again for the
    /// same publish changes nothing; a stream the room lists as added by `AddStream`
    /// under the same user becomes a published one.
    pub(crate) fn publish(
        &mut self,
        room_id: &str,
        publication: &Publication,
        now_ms: u64,
    ) -> Result<(), PublishError> {
        let Publication {
            user_id, stream_id, ..
        } = publication;
        let Some(room) = self
            .rooms
            .get_mut(room_id)
            .filter(|room| room.is_online(user_id))
        else {
            return Err(PublishError::NotOnline);
        };
        let taken = |room_id: &str, user_id: &str| PublishError::StreamIdTaken {
            room_id: room_id.to_owned(),
            user_id: user_id.to_owned(),
        };
        if let Some(active) = self.media.active(stream_id) {
            if active.room_id == room_id && active.user_id == *user_id {
                return Ok(());
            }
            return Err(taken(&active.room_id, &active.user_id));
        }
        if let Some(listed) = room.list.get(stream_id)
            && listed.stream.user_id != *user_id
        {
            return Err(taken(room_id, &listed.stream.user_id));
        }
        if self.media.is_forbidden(stream_id) {
            return Err(PublishError::Forbidden);
        }
        let Some(member) = room.users.get(user_id) else {
            return Err(PublishError::NotOnline);
        };
        let who = Who {
            ip: member.ip.as_deref(),
            room_id,
            user_id,
        };
        if self.rules.forbids(who, true, seconds(now_ms)) {
            return Err(PublishError::Banned);
        }
        let stream = Stream {
            stream_id: stream_id.clone(),
            user_id: user_id.clone(),
            user_name: member.user.user_name.clone(),
            create_time: now_ms.max(member.user.login_time),
            stream_number_id: 0,
            title: publication.title.clone(),
            extra_info: publication.extra_info.clone(),
            censor_flag: 0,
            added: false,
        };
        room.list.remove(stream_id);
        self.media
            .start(stream_id, room_id, user_id, stream.create_time);
        room.enlist(room_id, stream, true, &mut self.changes);
        Ok(())
    }

    /// The publish of `stream_id` in `room_id` stops normally at `now_ms`: it ends on
    /// the media layer and leaves the room's list. Returns whether it was being
    /// published there.
    pub(crate) fn stop_publishing(&mut self, room_id: &str, stream_id: &str, now_ms: u64) -> bool {
        if self
            .media
            .end(room_id, None, Some(stream_id), now_ms)
            .is_empty()
        {
            return false;
        }
        if let Some(room) = self.rooms.get_mut(room_id)
            && room.lists_published(stream_id)
        {
            let close_type = StreamCloseType::Normal;
            room.unlist(room_id, stream_id, close_type, now_ms, &mut self.changes);
        }
        true
    }

    /// `AddStream` (spec §9): puts `stream` (its user, name, title, extra information
    /// and censor flag) in the list of `room_id` at `now_ms`. 50001 for a room that does
    /// not exist; 1012 when the list has the stream under another user; under the same
    /// user, its title, extra information and censor flag are replaced.
    pub(crate) fn add_stream(
        &mut self,
        room_id: &str,
        mut stream: Stream,
        now_ms: u64,
    ) -> Result<(), ReturnCode> {
        let room = self
            .rooms
            .get_mut(room_id)
            .filter(|room| room.is_open())
            .ok_or(ReturnCode::ROOM_NOT_FOUND)?;
        match room.list.get_mut(&stream.stream_id) {
            Some(listed) if listed.stream.user_id != stream.user_id => {
                Err(ReturnCode::STREAM_CONFLICT)
            }
            Some(listed) => {
                listed.stream.title = stream.title;
                listed.stream.extra_info = stream.extra_info;
                listed.stream.censor_flag = stream.censor_flag;
                Ok(())
            }
            None => {
                stream.create_time = now_ms;
                stream.added = true;
                room.enlist(room_id, stream, false, &mut self.changes);
                Ok(())
            }
        }
    }

    /// `DeleteStream` (spec §10): takes `stream_id` out of the list of `room_id` at
    /// `now_ms` (a published one is announced closed, `type` 100, but goes on being
    /// published). 50001 for a room that does not exist, 138 for a stream not listed.
    pub(crate) fn delete_stream(
        &mut self,
        room_id: &str,
        stream_id: &str,
        now_ms: u64,
    ) -> Result<(), ReturnCode> {
        let changes = &mut self.changes;
        let room = self
            .rooms
            .get_mut(room_id)
            .filter(|room| room.is_open())
            .ok_or(ReturnCode::ROOM_NOT_FOUND)?;
        if room.unlist(
            room_id,
            stream_id,
            StreamCloseType::DeleteStream,
            now_ms,
            changes,
        ) {
            Ok(())
        } else {
            Err(ReturnCode::STREAM_NOT_FOUND)
        }
    }

    /// `CloseRoom` (spec §7): ends the open room `room_id` at `now_ms` (its streams
    /// close, its users go offline), announcing a `room_close` only when `announce`.
    /// Returns whether the room was open.
    pub(crate) fn close_room(&mut self, room_id: &str, announce: bool, now_ms: u64) -> bool {
        let Some(room) = self.rooms.get_mut(room_id).filter(|room| room.is_open()) else {
            return false;
        };
        room.close_by_call(room_id, announce, now_ms, &mut self.changes);
        self.media.end(room_id, None, None, now_ms);
        true
    }

    /// Forbids `stream_ids` on the media service at `now_ms` (spec §11, §13): each is
    /// recorded, and one being published ends and leaves its room's list. `failed` (and
    /// nothing applied) when the records would exceed their bound.
    pub(crate) fn forbid(
        &mut self,
        stream_ids: &[String],
        failed: ReturnCode,
        now_ms: u64,
    ) -> Result<(), ReturnCode> {
        if !self.media.forbid(stream_ids) {
            return Err(failed);
        }
        for stream_id in stream_ids {
            let Some(room_id) = self.media.active(stream_id).map(|p| p.room_id.clone()) else {
                continue;
            };
            self.stop_publishing(&room_id, stream_id, now_ms);
        }
        Ok(())
    }

    /// The room, if it exists now (someone is online in it).
    pub(crate) fn open_room(&mut self, room_id: &str) -> Option<&mut RoomState> {
        self.rooms.get_mut(room_id).filter(|room| room.is_open())
    }

    /// A page of the users online in `room_id` (none for a room that does not exist),
    /// ordered by login time, then user ID, oldest first or (`newest_first`) newest
    /// first: at most `limit` of those after the position `after` (a login time and a
    /// user ID) in that order. With the position of its last user when more follow.
    pub(crate) fn user_page(
        &self,
        room_id: &str,
        newest_first: bool,
        after: Option<(u64, &str)>,
        limit: usize,
    ) -> (Vec<&RoomUser>, Option<(u64, &str)>) {
        fn position<'u>(user: &&'u RoomUser) -> (u64, &'u str) {
            (user.login_time, user.user_id.as_str())
        }
        let mut users: Vec<&RoomUser> = self
            .rooms
            .get(room_id)
            .map(|room| room.online().collect())
            .unwrap_or_default();
        users.sort_unstable_by_key(position);
        if newest_first {
            users.reverse();
        }
        let follows = |user: &&RoomUser| match after {
            None => true,
            Some(at) if newest_first => position(user) < at,
            Some(at) => position(user) > at,
        };
        let mut rest: Vec<&RoomUser> = users.into_iter().filter(follows).collect();
        let more = rest.len() > limit;
        rest.truncate(limit);
        let last = rest.last().filter(|_| more).map(position);
        (rest, last)
    }

    /// The users online in `room_id` and the administrators among them; 0 and 0 for a
    /// room that does not exist.
    pub(crate) fn counts(&self, room_id: &str) -> (u32, u32) {
        self.rooms.get(room_id).map_or((0, 0), RoomState::counts)
    }

    /// Every room, open or closed, by room ID.
    pub(crate) fn rooms(&self) -> Vec<Room> {
        self.rooms
            .iter()
            .map(|(room_id, room)| room.snapshot(room_id))
            .collect()
    }

    /// Every stream the world knows, by stream ID (then room): those in a room's list,
    /// those published on the media servers, and the forbidden IDs.
    pub(crate) fn streams(&self) -> Vec<StreamRecord> {
        let record = |room_id: Option<&str>, user_id: Option<&str>, stream_id: &str| {
            let active = self.media.active(stream_id);
            StreamRecord {
                room_id: room_id.map(str::to_owned),
                user_id: user_id.map(str::to_owned),
                stream_id: stream_id.to_owned(),
                forbidden: self.media.is_forbidden(stream_id),
                listed: false,
                publishing: active.is_some_and(|active| {
                    Some(active.room_id.as_str()) == room_id
                        && Some(active.user_id.as_str()) == user_id
                }),
            }
        };
        let mut records: Vec<StreamRecord> = Vec::new();
        // The IDs recorded, and those recorded as being published.
        let mut known: HashSet<&str> = HashSet::new();
        let mut shown_publishing: HashSet<&str> = HashSet::new();
        for (room_id, room) in &self.rooms {
            for (stream_id, listed) in &room.list {
                let user_id = Some(listed.stream.user_id.as_str());
                let record = StreamRecord {
                    listed: true,
                    ..record(Some(room_id), user_id, stream_id)
                };
                known.insert(stream_id);
                if record.publishing {
                    shown_publishing.insert(stream_id);
                }
                records.push(record);
            }
        }
        for (stream_id, active) in self.media.all_active() {
            if shown_publishing.insert(stream_id) {
                known.insert(stream_id);
                records.push(record(
                    Some(&active.room_id),
                    Some(&active.user_id),
                    stream_id,
                ));
            }
        }
        for stream_id in self.media.forbidden() {
            if known.insert(stream_id) {
                records.push(record(None, None, stream_id));
            }
        }
        records.sort_by(|a, b| (&a.stream_id, &a.room_id).cmp(&(&b.stream_id, &b.room_id)));
        records
    }

    /// The changes since the last call, in the order they happened, as the vendor's
    /// callbacks tell them.
    pub(crate) fn take_changes(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn online(world: &mut World, room: &str, user: &str, at: u64) {
        world.put(room, &Login::new(user), true, at);
    }

    fn leave(world: &mut World, room: &str, user: &str) -> bool {
        world.leave(room, user, Departure::Logout, 100)
    }

    fn publish(
        world: &mut World,
        room: &str,
        user: &str,
        stream: &str,
        at: u64,
    ) -> Result<(), PublishError> {
        world.publish(room, &Publication::new(user, stream), at)
    }

    fn names(changes: &[Event]) -> Vec<&'static str> {
        changes.iter().filter_map(Event::name).collect()
    }

    #[test]
    fn a_room_opens_with_its_first_user_and_closes_with_its_last() {
        let mut world = World::default();
        world.put("r", &Login::new("carol"), false, 1);
        assert!(world.open_room("r").is_none(), "only offline users: closed");
        online(&mut world, "r", "alice", 10);
        online(&mut world, "r", "bob", 20);
        online(&mut world, "r", "alice", 30); // already online: keeps its login
        let room = &world.rooms()[0];
        assert!(room.open);
        let times: Vec<(&str, bool, u64)> = room
            .users
            .iter()
            .map(|u| (u.user_id.as_str(), u.online, u.login_time))
            .collect();
        assert_eq!(
            times,
            [("alice", true, 10), ("bob", true, 20), ("carol", false, 0)]
        );
        assert!(leave(&mut world, "r", "alice"));
        assert!(!leave(&mut world, "r", "alice"), "already offline");
        assert!(world.open_room("r").is_some());
        assert!(leave(&mut world, "r", "bob"));
        assert!(world.open_room("r").is_none());
        assert!(!world.rooms()[0].open);
        assert_eq!(world.rooms()[0].users.len(), 3, "known users stay, offline");
        assert!(!leave(&mut world, "nowhere", "x"));
    }

    #[test]
    fn message_ids_restart_with_each_lifecycle() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        let room = world.open_room("r").unwrap();
        assert_eq!([room.take_message_id(), room.take_message_id()], [1, 2]);
        leave(&mut world, "r", "a");
        online(&mut world, "r", "a", 2);
        assert_eq!(world.open_room("r").unwrap().take_message_id(), 1);
    }

    #[test]
    fn leaving_ends_the_users_streams_and_closing_ends_all() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "r", "b", 1);
        publish(&mut world, "r", "a", "sa", 2).unwrap();
        publish(&mut world, "r", "b", "sb", 2).unwrap();
        leave(&mut world, "r", "a");
        let ids: Vec<String> = world.rooms()[0]
            .streams
            .iter()
            .map(|s| s.stream_id.clone())
            .collect();
        assert_eq!(ids, ["sb"]);
        leave(&mut world, "r", "b");
        assert!(world.rooms()[0].streams.is_empty());
    }

    #[test]
    fn publishing_needs_a_login_and_a_free_stream_id() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "q", "b", 1);
        world.put("r", &Login::new("off"), false, 1);
        assert_eq!(
            publish(&mut world, "r", "off", "s", 2),
            Err(PublishError::NotOnline)
        );
        assert_eq!(
            publish(&mut world, "r", "b", "s", 2),
            Err(PublishError::NotOnline)
        );
        assert_eq!(
            publish(&mut world, "none", "a", "s", 2),
            Err(PublishError::NotOnline)
        );
        publish(&mut world, "r", "a", "s", 2).unwrap();
        world.take_changes();
        assert_eq!(
            publish(&mut world, "r", "a", "s", 3),
            Ok(()),
            "the same publish"
        );
        assert!(world.take_changes().is_empty(), "changes nothing");
        assert_eq!(
            publish(&mut world, "q", "b", "s", 3),
            Err(PublishError::StreamIdTaken {
                room_id: "r".into(),
                user_id: "a".into()
            })
        );
        assert!(world.stop_publishing("r", "s", 4));
        assert!(!world.stop_publishing("r", "s", 4));
        publish(&mut world, "q", "b", "s", 5).unwrap();
    }

    #[test]
    fn names_roles_and_counts() {
        let mut world = World::default();
        world.put("r", &Login::new("a").name("Alice").role(2), true, 1);
        world.put("r", &Login::new("rec").role(ADMIN_ROLE), true, 1);
        world.put("r", &Login::new("off").role(ADMIN_ROLE), false, 1);
        assert_eq!(world.counts("r"), (2, 1), "offline users do not count");
        assert_eq!(world.counts("none"), (0, 0));
        world.put("r", &Login::new("a"), false, 2); // name and role kept
        let alice = &world.rooms()[0].users[0];
        assert_eq!(
            (alice.user_name.as_str(), alice.role, alice.online),
            ("Alice", 2, false)
        );
        let off = &world.rooms()[0].users[1];
        assert_eq!((off.user_name.as_str(), off.role), ("off", ADMIN_ROLE));
    }

    #[test]
    fn changes_come_in_the_order_of_a_lifetime() {
        let mut world = World::default();
        world.put("r", &Login::new("a").with_token(), true, 10);
        online(&mut world, "r", "b", 11);
        publish(&mut world, "r", "a", "s", 12).unwrap();
        world.stop_publishing("r", "s", 13);
        publish(&mut world, "r", "b", "t", 14).unwrap();
        world.leave("r", "b", Departure::KickedOut, 15);
        world.put("r", &Login::new("a"), false, 16);
        let changes = world.take_changes();
        assert_eq!(
            names(&changes),
            [
                "room_create",
                "room_login",
                "room_login",
                "stream_create",
                "stream_close",
                "stream_create",
                "stream_close",
                "room_logout",
                "room_logout",
                "room_close"
            ]
        );
        assert!(world.take_changes().is_empty(), "taken once");
        let Event::RoomCreate(create) = &changes[0] else {
            unreachable!()
        };
        assert_eq!(
            (create.id_name.as_str(), create.room_create_time),
            ("a", 10)
        );
        let session = create.room_session_id;
        assert!(session > 1 << 53, "IDs as large as the vendor's");
        let Event::RoomLogin(login) = &changes[1] else {
            unreachable!()
        };
        assert_eq!(login.room_seq, session);
        assert_eq!(login.auth_level, Some(AuthLevel::Token04));
        assert_eq!(login.user_update_seq, Some(1));
        let Event::StreamClose(kicked_stream) = &changes[6] else {
            unreachable!()
        };
        assert_eq!(kicked_stream.close_type, StreamCloseType::KickedOut);
        assert_eq!(kicked_stream.stream_seq, Some(4));
        let Event::RoomLogout(kicked) = &changes[7] else {
            unreachable!()
        };
        assert_eq!(kicked.reason, LogoutReason::KickedOut);
        assert_eq!(kicked.user_update_seq, Some(3));
        assert_eq!(kicked.login_time, Some(11));
        let Event::RoomClose(close) = &changes[9] else {
            unreachable!()
        };
        assert_eq!(close.room_session_id, session);
        assert_eq!(close.close_reason, RoomCloseReason::Normal);
        assert_eq!(close.room_close_time, 16);
    }

    #[test]
    fn a_lifetime_is_created_after_the_one_before() {
        let mut world = World::default();
        online(&mut world, "r", "a", 50);
        world.leave("r", "a", Departure::KickedOut, 50);
        online(&mut world, "r", "a", 50); // the same millisecond
        let changes = world.take_changes();
        let creates: Vec<(u64, u64)> = changes
            .iter()
            .filter_map(|change| match change {
                Event::RoomCreate(c) => Some((c.room_session_id, c.room_create_time)),
                _ => None,
            })
            .collect();
        assert_eq!(creates.len(), 2);
        assert_ne!(creates[0].0, creates[1].0, "a new room_session_id");
        assert_eq!((creates[0].1, creates[1].1), (50, 51));
        let Event::RoomClose(close) = &changes[3] else {
            unreachable!()
        };
        assert_eq!(close.close_reason, RoomCloseReason::KickedOut);
    }

    fn added(user: &str, stream: &str) -> Stream {
        Stream {
            stream_id: stream.into(),
            user_id: user.into(),
            user_name: String::new(),
            create_time: 0,
            stream_number_id: 0,
            title: "t".into(),
            extra_info: "x".into(),
            censor_flag: 1,
            added: false,
        }
    }

    fn listed(world: &World, room: &str) -> Vec<(String, String, u32, bool)> {
        let room = world.rooms.get(room).unwrap();
        room.streams()
            .into_iter()
            .map(|s| {
                (
                    s.stream_id.clone(),
                    s.user_id.clone(),
                    s.stream_number_id,
                    s.added,
                )
            })
            .collect()
    }

    #[test]
    fn the_list_holds_published_and_added_streams_numbered_in_order() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "r", "b", 1);
        assert_eq!(
            world.add_stream("none", added("srv", "cdn"), 2),
            Err(ReturnCode::ROOM_NOT_FOUND)
        );
        world.add_stream("r", added("srv", "cdn"), 2).unwrap();
        publish(&mut world, "r", "a", "cam", 3).unwrap();
        assert_eq!(
            listed(&world, "r"),
            [
                ("cdn".into(), "srv".into(), 1, true),
                ("cam".into(), "a".into(), 2, false)
            ]
        );
        // Another user: 1012; the same user replaces the title, extra info and flag.
        let mut other = added("b", "cdn");
        assert_eq!(
            world.add_stream("r", other.clone(), 4),
            Err(ReturnCode::STREAM_CONFLICT)
        );
        other.user_id = "srv".into();
        other.title = "new".into();
        world.add_stream("r", other, 4).unwrap();
        let snapshot = &world.rooms()[0].streams;
        assert_eq!(
            (snapshot[1].title.as_str(), snapshot[1].stream_number_id),
            ("new", 1)
        );
        // A publish may not take a stream the list has under another user.
        assert_eq!(
            publish(&mut world, "r", "b", "cdn", 5),
            Err(PublishError::StreamIdTaken {
                room_id: "r".into(),
                user_id: "srv".into()
            })
        );
        // Only the published stream announced itself.
        assert_eq!(names(&world.take_changes())[3..], ["stream_create"]);
    }

    #[test]
    fn deleting_takes_a_stream_off_the_list_but_not_off_the_media() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        publish(&mut world, "r", "a", "cam", 2).unwrap();
        world.take_changes();
        assert_eq!(
            world.delete_stream("r", "nope", 3),
            Err(ReturnCode::STREAM_NOT_FOUND)
        );
        assert_eq!(
            world.delete_stream("q", "cam", 3),
            Err(ReturnCode::ROOM_NOT_FOUND)
        );
        world.delete_stream("r", "cam", 3).unwrap();
        assert!(listed(&world, "r").is_empty());
        let changes = world.take_changes();
        let Event::StreamClose(close) = &changes[0] else {
            unreachable!()
        };
        assert_eq!(close.close_type, StreamCloseType::DeleteStream);
        assert!(world.media.active("cam").is_some(), "still published");
        let records = world.streams();
        assert_eq!((records[0].listed, records[0].publishing), (false, true));
        // Stopping it now ends the media, with no second stream_close.
        assert!(world.stop_publishing("r", "cam", 4));
        assert!(world.take_changes().is_empty());
        assert!(world.media.active("cam").is_none());
        assert!(world.streams().is_empty());
    }

    #[test]
    fn a_leaving_member_takes_its_added_streams_and_ends_its_publishes() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "r", "b", 1);
        world.add_stream("r", added("a", "a-cdn"), 2).unwrap();
        world.add_stream("r", added("srv", "cdn"), 2).unwrap();
        publish(&mut world, "r", "a", "a-cam", 2).unwrap();
        world.take_changes();
        world.leave("r", "a", Departure::KickedOut, 3);
        assert_eq!(listed(&world, "r"), [("cdn".into(), "srv".into(), 2, true)]);
        assert_eq!(
            names(&world.take_changes()),
            ["stream_close", "room_logout"]
        );
        assert_eq!(world.media.last("a-cam").unwrap().close_ms, Some(3));
    }

    #[test]
    fn close_room_clears_streams_then_logs_out_then_closes_quietly() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "r", "b", 1);
        publish(&mut world, "r", "a", "sa", 2).unwrap();
        publish(&mut world, "r", "b", "sb", 2).unwrap();
        world.add_stream("r", added("srv", "cdn"), 2).unwrap();
        world.take_changes();
        assert!(!world.close_room("none", false, 3));
        assert!(world.close_room("r", false, 3));
        let changes = world.take_changes();
        assert_eq!(
            names(&changes),
            ["stream_close", "stream_close", "room_logout", "room_logout"]
        );
        let Event::StreamClose(close) = &changes[0] else {
            unreachable!()
        };
        assert_eq!(close.close_type, StreamCloseType::RoomCleared);
        let Event::RoomLogout(logout) = &changes[2] else {
            unreachable!()
        };
        assert_eq!(logout.reason, LogoutReason::KickedOut);
        let room = &world.rooms()[0];
        assert!(!room.open && room.closed && room.streams.is_empty());
        assert!(room.users.iter().all(|u| !u.online));
        assert!(world.media.all_active().next().is_none());
        assert!(world.open_room("r").is_none());
        assert!(!world.close_room("r", true, 4), "already closed");
        // Asked for, the room_close comes last; a login opens the room again.
        online(&mut world, "r", "a", 5);
        assert!(!world.rooms()[0].closed);
        world.take_changes();
        assert!(world.close_room("r", true, 6));
        let changes = world.take_changes();
        assert_eq!(names(&changes), ["room_logout", "room_close"]);
        let Event::RoomClose(close) = &changes[1] else {
            unreachable!()
        };
        assert_eq!(close.close_reason, RoomCloseReason::Normal);
        // A room closed by its last user is not "closed" by the call.
        online(&mut world, "q", "a", 7);
        leave(&mut world, "q", "a");
        assert!(!world.rooms()[0].closed);
    }

    #[test]
    fn forbidding_ends_a_publish_and_blocks_the_next_one() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        publish(&mut world, "r", "a", "cam", 2).unwrap();
        world.add_stream("r", added("srv", "cdn"), 2).unwrap();
        world.take_changes();
        let ids = |list: &[&str]| list.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        world
            .forbid(
                &ids(&["cam", "cdn", "ghost"]),
                ReturnCode::BATCH_FORBID_FAILED,
                3,
            )
            .unwrap();
        assert_eq!(names(&world.take_changes()), ["stream_close"]);
        assert_eq!(
            listed(&world, "r"),
            [("cdn".into(), "srv".into(), 2, true)],
            "an added stream stays"
        );
        assert_eq!(
            publish(&mut world, "r", "a", "cam", 4),
            Err(PublishError::Forbidden)
        );
        let records: Vec<(String, Option<String>, bool, bool)> = world
            .streams()
            .into_iter()
            .map(|r| (r.stream_id, r.room_id, r.forbidden, r.listed))
            .collect();
        assert_eq!(
            records,
            [
                ("cam".into(), None, true, false),
                ("cdn".into(), Some("r".into()), true, true),
                ("ghost".into(), None, true, false),
            ]
        );
        world.media.resume(&ids(&["cam"]));
        publish(&mut world, "r", "a", "cam", 5).unwrap();
    }

    #[test]
    fn ban_rules_refuse_logins_and_publishes() {
        use zego_core::actions::{ForbidTarget, Privilege};
        let mut world = World::default();
        online(&mut world, "r", "a", 1_000);
        let until = 10;
        world
            .rules
            .set(ForbidTarget::user("a"), vec![Privilege::Login], until, 1)
            .unwrap();
        world
            .rules
            .set(
                ForbidTarget::ip("10.0.0.1"),
                vec![Privilege::Login],
                until,
                1,
            )
            .unwrap();
        assert!(world.login_banned("q", &Login::new("a"), 1_000));
        assert!(world.login_banned("q", &Login::new("z").ip("10.0.0.1"), 1_000));
        assert!(!world.login_banned("q", &Login::new("z").ip("10.0.0.2"), 1_000));
        assert!(
            !world.login_banned("q", &Login::new("a"), 10_000),
            "expired"
        );
        // Already in the room: stays, but may not publish while the rule is in effect.
        assert_eq!(
            publish(&mut world, "r", "a", "s", 2_000),
            Err(PublishError::Banned)
        );
        publish(&mut world, "r", "a", "s", 10_000).unwrap();
    }
}
