//! The world the calls act on: rooms with their users and streams, one world per AppId
//! and environment (spec §0.4: production and the test environment never share state).
//!
//! A room exists from the moment a first user is online in it, and is closed when its
//! last online user leaves or is kicked out (or, later, by a call that closes it). A
//! closed room keeps its known users, all offline, and nothing else: no streams, and its
//! broadcast `MessageId` counter starts at 1 again in the room's next lifecycle.
//!
//! Every change is also written down as the callback the vendor sends for it (spec
//! callbacks §7), with the identifiers and counters of spec callbacks §6.2 kept
//! consistent: a room lifetime has its `room_session_id` and a creation time later than
//! the room's previous lifetime's, each login its `session_id` and `login_time`, each
//! publish its `stream_sid` and `create_time_ms`, and `user_update_seq` and `stream_seq`
//! count the changes of one lifetime from 1. The state module takes those events
//! ([`World::take_changes`]) and hands them to the callback sender.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use serde::Serialize;
use zego_core::callbacks::{
    AuthLevel, Event, LogoutReason, RoomClose, RoomCloseReason, RoomCreate, RoomLogin, RoomLogout,
    StreamClose, StreamCloseType, StreamCreate, UserRole,
};

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

/// A user as a test puts it in a room: its ID, and optionally its name and role.
///
/// ```
/// use zego_mock::Login;
/// let admin = Login::new("recorder").name("Cloud recording").role(zego_mock::ADMIN_ROLE);
/// assert_eq!(admin.user_id(), "recorder");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Login {
    user_id: String,
    user_name: Option<String>,
    role: Option<u32>,
    /// How the login was authenticated: `auth_level` of its `room_login` callback.
    auth: AuthLevel,
}

impl Login {
    /// The user `user_id`. Its name is its ID (as the client SDKs' `ZegoUser(userID)`
    /// makes it) and its role [`DEFAULT_ROLE`], unless set, or kept from before.
    pub fn new(user_id: impl Into<String>) -> Self {
        Login {
            user_id: user_id.into(),
            user_name: None,
            role: None,
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

    /// Its user ID.
    pub fn user_id(&self) -> &str {
        &self.user_id
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
    /// Every user known in the room, online or not, by user ID.
    pub users: Vec<RoomUser>,
    /// Its streams, by stream ID.
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

/// A stream of a room: what a user publishes in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Stream {
    /// Its ID.
    pub stream_id: String,
    /// The user who publishes it.
    pub user_id: String,
    /// That user's name.
    pub user_name: String,
    /// When it started, in Unix milliseconds.
    pub create_time: u64,
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
    /// Another publish has the stream ID: stream IDs are unique in an app (and
    /// environment), across its rooms.
    StreamIdTaken {
        /// The room where it is published.
        room_id: String,
        /// The user who publishes it.
        user_id: String,
    },
}

impl std::fmt::Display for PublishError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublishError::NotOnline => f.write_str("the user is not online in the room"),
            PublishError::StreamIdTaken { room_id, user_id } => write!(
                f,
                "the stream ID is already published by {user_id:?} in room {room_id:?}"
            ),
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

/// The rooms of one world, and the changes not yet taken.
#[derive(Debug, Default)]
pub(crate) struct World {
    rooms: BTreeMap<String, RoomState>,
    changes: Vec<Event>,
}

/// A known user of a room, and its login session while it is online.
#[derive(Debug)]
struct Member {
    user: RoomUser,
    session_id: u64,
}

/// A stream being published, and the vendor's ID of this publish.
#[derive(Debug)]
struct Publish {
    stream: Stream,
    stream_sid: String,
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

/// One room: its known users, its streams, its broadcast counter and its lifetime.
#[derive(Debug)]
pub(crate) struct RoomState {
    users: BTreeMap<String, Member>,
    streams: BTreeMap<String, Publish>,
    next_message_id: u64,
    /// The current lifetime; `None` while the room is closed.
    lifetime: Option<Lifetime>,
    /// The creation time of the last lifetime: the next one is created later, so that
    /// a receiver can order them (spec callbacks §6.4).
    last_create_time: u64,
}

impl RoomState {
    fn new() -> Self {
        RoomState {
            users: BTreeMap::new(),
            streams: BTreeMap::new(),
            next_message_id: 1,
            lifetime: None,
            last_create_time: 0,
        }
    }

    fn is_open(&self) -> bool {
        self.users.values().any(|member| member.user.online)
    }

    /// Whether `user_id` is online in the room.
    pub(crate) fn is_online(&self, user_id: &str) -> bool {
        self.users
            .get(user_id)
            .is_some_and(|member| member.user.online)
    }

    /// The users online in the room but `sender`, by user ID: who a message to the
    /// whole room reaches.
    pub(crate) fn online_except(&self, sender: &str) -> Vec<String> {
        self.users
            .values()
            .filter(|member| member.user.online && member.user.user_id != sender)
            .map(|member| member.user.user_id.clone())
            .collect()
    }

    /// The next broadcast `MessageId` of this lifecycle of the room: 1, 2, 3, ...
    pub(crate) fn take_message_id(&mut self) -> u64 {
        let id = self.next_message_id;
        self.next_message_id += 1;
        id
    }

    /// The users online, and the administrators among them.
    fn counts(&self) -> (u32, u32) {
        let online = self.users.values().filter(|member| member.user.online);
        let (mut users, mut admins) = (0u32, 0u32);
        for member in online {
            users = users.saturating_add(1);
            if member.user.role == ADMIN_ROLE {
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
        changes.push(Event::RoomCreate(RoomCreate {
            room_id: room_id.to_owned(),
            room_session_id: lifetime.session_id,
            room_create_time: create_time,
            id_name: user_id.to_owned(),
        }));
        lifetime
    }

    /// Logs `user_id` (a known member, offline) in at `now_ms`: a new session, and the
    /// room's lifetime if it was closed.
    fn enter(
        &mut self,
        room_id: &str,
        user_id: &str,
        auth: AuthLevel,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) {
        let mut lifetime = self.lifetime(room_id, user_id, now_ms, changes);
        let Some(member) = self.users.get_mut(user_id) else {
            return;
        };
        lifetime.user_seq += 1;
        self.lifetime = Some(lifetime);
        member.user.online = true;
        member.user.login_time = now_ms.max(lifetime.create_time);
        member.session_id = fresh_id();
        changes.push(Event::RoomLogin(RoomLogin {
            room_id: room_id.to_owned(),
            room_name: String::new(),
            room_seq: lifetime.session_id,
            user_account: user_id.to_owned(),
            user_nickname: member.user.user_name.clone(),
            session_id: member.session_id,
            login_time: member.user.login_time,
            user_role: Some(role_of(member.user.role)),
            auth_level: Some(auth),
            relogin: Some(false),
            user_update_seq: Some(lifetime.user_seq),
            callback_data: Some(String::new()),
        }));
    }

    /// Takes `user_id` offline: its streams end, then its session, then the room's
    /// lifetime if it was the last one online. Returns whether it was online.
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
            .streams
            .iter()
            .filter(|(_, publish)| publish.stream.user_id == user_id)
            .map(|(stream_id, _)| stream_id.clone())
            .collect();
        for stream_id in theirs {
            self.end_stream(
                room_id,
                &stream_id,
                departure.stream_close_type(),
                now_ms,
                changes,
            );
        }
        if let (Some(member), Some(lifetime)) =
            (self.users.get_mut(user_id), self.lifetime.as_mut())
        {
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
                reason: departure.logout_reason(),
                user_role: Some(role_of(member.user.role)),
                user_update_seq: Some(lifetime.user_seq),
            }));
            member.user.online = false;
            member.user.login_time = 0;
        }
        if !self.is_open() {
            self.close(room_id, departure.room_close_reason(), now_ms, changes);
        }
        true
    }

    /// Ends the room's lifecycle: everyone offline, no streams, the counter back at 1.
    fn close(
        &mut self,
        room_id: &str,
        reason: RoomCloseReason,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) {
        for member in self.users.values_mut() {
            member.user.online = false;
            member.user.login_time = 0;
        }
        self.streams.clear();
        self.next_message_id = 1;
        if let Some(lifetime) = self.lifetime.take() {
            changes.push(Event::RoomClose(RoomClose {
                room_id: room_id.to_owned(),
                room_session_id: lifetime.session_id,
                close_reason: reason,
                room_close_time: now_ms.max(lifetime.create_time),
            }));
        }
    }

    /// Starts publishing `stream_id` as `user_id` (online here) at `now_ms`.
    fn publish(
        &mut self,
        room_id: &str,
        user_id: &str,
        stream_id: &str,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) -> Result<(), PublishError> {
        let (Some(member), Some(lifetime)) = (
            self.users.get(user_id).filter(|member| member.user.online),
            self.lifetime.as_mut(),
        ) else {
            return Err(PublishError::NotOnline);
        };
        lifetime.stream_seq += 1;
        let stream = Stream {
            stream_id: stream_id.to_owned(),
            user_id: user_id.to_owned(),
            user_name: member.user.user_name.clone(),
            create_time: now_ms.max(member.user.login_time),
        };
        let stream_sid = format!("s-{}", fresh_id());
        let same = |text: &str| Some(text.to_owned());
        changes.push(Event::StreamCreate(StreamCreate {
            room_id: same(room_id),
            channel_id: same(room_id),
            room_session_id: lifetime.session_id,
            user_id: same(user_id),
            user_name: same(&stream.user_name),
            publish_id: same(user_id),
            publish_name: same(&stream.user_name),
            stream_id: same(stream_id),
            stream_alias: same(stream_id),
            stream_sid: stream_sid.clone(),
            title: same(""),
            stream_attr: same(r#"{"cid":0}"#),
            stream_seq: lifetime.stream_seq,
            create_time: Some(stream.create_time / 1000),
            create_time_ms: stream.create_time,
            extra_info: same(""),
            recreate: Some(false),
            ..StreamCreate::default()
        }));
        self.streams
            .insert(stream_id.to_owned(), Publish { stream, stream_sid });
        Ok(())
    }

    /// Ends the publish of `stream_id`, if there is one. Returns whether there was.
    fn end_stream(
        &mut self,
        room_id: &str,
        stream_id: &str,
        close_type: StreamCloseType,
        now_ms: u64,
        changes: &mut Vec<Event>,
    ) -> bool {
        let Some(Publish { stream, stream_sid }) = self.streams.remove(stream_id) else {
            return false;
        };
        if let Some(lifetime) = self.lifetime.as_mut() {
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

    fn snapshot(&self, room_id: &str) -> Room {
        Room {
            room_id: room_id.to_owned(),
            open: self.is_open(),
            users: self
                .users
                .values()
                .map(|member| member.user.clone())
                .collect(),
            streams: self
                .streams
                .values()
                .map(|publish| publish.stream.clone())
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
            });
        if let Some(name) = &login.user_name {
            member.user.user_name.clone_from(name);
        }
        if let Some(role) = login.role {
            member.user.role = role;
        }
        if online && !member.user.online {
            room.enter(
                room_id,
                &login.user_id,
                login.auth,
                now_ms,
                &mut self.changes,
            );
        } else if !online {
            room.leave(
                room_id,
                &login.user_id,
                Departure::Logout,
                now_ms,
                &mut self.changes,
            );
        }
    }

    /// Takes `user_id` offline in `room_id` (kicked out, or gone): its streams end, and
    /// the room closes when it was the last one online. Returns whether it was online.
    pub(crate) fn leave(
        &mut self,
        room_id: &str,
        user_id: &str,
        departure: Departure,
        now_ms: u64,
    ) -> bool {
        self.rooms
            .get_mut(room_id)
            .is_some_and(|room| room.leave(room_id, user_id, departure, now_ms, &mut self.changes))
    }

    /// `user_id`, online in `room_id`, starts publishing `stream_id` at `now_ms`. Doing
    /// it again for the same publish changes nothing.
    pub(crate) fn publish(
        &mut self,
        room_id: &str,
        user_id: &str,
        stream_id: &str,
        now_ms: u64,
    ) -> Result<(), PublishError> {
        for (id, room) in &self.rooms {
            if let Some(publish) = room.streams.get(stream_id) {
                if id == room_id && publish.stream.user_id == user_id {
                    return Ok(());
                }
                return Err(PublishError::StreamIdTaken {
                    room_id: id.clone(),
                    user_id: publish.stream.user_id.clone(),
                });
            }
        }
        match self.rooms.get_mut(room_id) {
            Some(room) => room.publish(room_id, user_id, stream_id, now_ms, &mut self.changes),
            None => Err(PublishError::NotOnline),
        }
    }

    /// The publish of `stream_id` in `room_id` stops normally at `now_ms`. Returns
    /// whether it was being published there.
    pub(crate) fn stop_publishing(&mut self, room_id: &str, stream_id: &str, now_ms: u64) -> bool {
        self.rooms.get_mut(room_id).is_some_and(|room| {
            room.end_stream(
                room_id,
                stream_id,
                StreamCloseType::Normal,
                now_ms,
                &mut self.changes,
            )
        })
    }

    /// The room, if it exists now (someone is online in it).
    pub(crate) fn open_room(&mut self, room_id: &str) -> Option<&mut RoomState> {
        self.rooms.get_mut(room_id).filter(|room| room.is_open())
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
        world.publish("r", "a", "sa", 2).unwrap();
        world.publish("r", "b", "sb", 2).unwrap();
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
            world.publish("r", "off", "s", 2),
            Err(PublishError::NotOnline)
        );
        assert_eq!(
            world.publish("r", "b", "s", 2),
            Err(PublishError::NotOnline)
        );
        assert_eq!(
            world.publish("none", "a", "s", 2),
            Err(PublishError::NotOnline)
        );
        world.publish("r", "a", "s", 2).unwrap();
        world.take_changes();
        assert_eq!(world.publish("r", "a", "s", 3), Ok(()), "the same publish");
        assert!(world.take_changes().is_empty(), "changes nothing");
        assert_eq!(
            world.publish("q", "b", "s", 3),
            Err(PublishError::StreamIdTaken {
                room_id: "r".into(),
                user_id: "a".into()
            })
        );
        assert!(world.stop_publishing("r", "s", 4));
        assert!(!world.stop_publishing("r", "s", 4));
        world.publish("q", "b", "s", 5).unwrap();
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
        world.publish("r", "a", "s", 12).unwrap();
        world.stop_publishing("r", "s", 13);
        world.publish("r", "b", "t", 14).unwrap();
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
}
