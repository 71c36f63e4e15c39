//! The world the calls act on: rooms with their users and streams, one world per AppId
//! and environment (spec §0.4: production and the test environment never share state).
//!
//! A room exists from the moment a first user is online in it, and is closed when its
//! last online user leaves or is kicked out (or, later, by a call that closes it). A
//! closed room keeps its known users, all offline, and nothing else: no streams, and its
//! broadcast `MessageId` counter starts at 1 again in the room's next lifecycle.

use std::collections::BTreeMap;

use serde::Serialize;

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
}

impl Login {
    /// The user `user_id`. Its name is its ID (as the client SDKs' `ZegoUser(userID)`
    /// makes it) and its role [`DEFAULT_ROLE`], unless set, or kept from before.
    pub fn new(user_id: impl Into<String>) -> Self {
        Login {
            user_id: user_id.into(),
            user_name: None,
            role: None,
        }
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

/// The rooms of one world.
#[derive(Debug, Default)]
pub(crate) struct World {
    rooms: BTreeMap<String, RoomState>,
}

/// One room: its known users, its streams and its broadcast counter.
#[derive(Debug)]
pub(crate) struct RoomState {
    users: BTreeMap<String, RoomUser>,
    streams: BTreeMap<String, Stream>,
    next_message_id: u64,
}

impl RoomState {
    fn new() -> Self {
        RoomState {
            users: BTreeMap::new(),
            streams: BTreeMap::new(),
            next_message_id: 1,
        }
    }

    fn is_open(&self) -> bool {
        self.users.values().any(|user| user.online)
    }

    /// Whether `user_id` is online in the room.
    pub(crate) fn is_online(&self, user_id: &str) -> bool {
        self.users.get(user_id).is_some_and(|user| user.online)
    }

    /// The users online in the room but `sender`, by user ID: who a message to the
    /// whole room reaches.
    pub(crate) fn online_except(&self, sender: &str) -> Vec<String> {
        self.users
            .values()
            .filter(|user| user.online && user.user_id != sender)
            .map(|user| user.user_id.clone())
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
        let online = self.users.values().filter(|user| user.online);
        let (mut users, mut admins) = (0u32, 0u32);
        for user in online {
            users = users.saturating_add(1);
            if user.role == ADMIN_ROLE {
                admins = admins.saturating_add(1);
            }
        }
        (users, admins)
    }

    /// Takes `user_id` offline: its streams end. Returns whether it was online.
    fn leave(&mut self, user_id: &str) -> bool {
        let Some(user) = self.users.get_mut(user_id).filter(|user| user.online) else {
            return false;
        };
        user.online = false;
        user.login_time = 0;
        self.streams.retain(|_, stream| stream.user_id != user_id);
        if !self.is_open() {
            self.close();
        }
        true
    }

    /// Ends the room's lifecycle: everyone offline, no streams, the counter back at 1.
    fn close(&mut self) {
        for user in self.users.values_mut() {
            user.online = false;
            user.login_time = 0;
        }
        self.streams.clear();
        self.next_message_id = 1;
    }

    fn snapshot(&self, room_id: &str) -> Room {
        Room {
            room_id: room_id.to_owned(),
            open: self.is_open(),
            users: self.users.values().cloned().collect(),
            streams: self.streams.values().cloned().collect(),
        }
    }
}

impl World {
    /// Puts a user in a room, online or not, creating both as needed. Going online
    /// starts a login at `now_ms` (and the room's lifecycle, if it was closed); a user
    /// already online keeps its login time. A name or role left unset in `login` keeps
    /// the user's current one.
    pub(crate) fn put(&mut self, room_id: &str, login: &Login, online: bool, now_ms: u64) {
        let room = self
            .rooms
            .entry(room_id.to_owned())
            .or_insert_with(RoomState::new);
        let user = room
            .users
            .entry(login.user_id.clone())
            .or_insert_with(|| RoomUser {
                user_id: login.user_id.clone(),
                online: false,
                user_name: login.user_id.clone(),
                role: DEFAULT_ROLE,
                login_time: 0,
            });
        if let Some(name) = &login.user_name {
            user.user_name.clone_from(name);
        }
        if let Some(role) = login.role {
            user.role = role;
        }
        if online && !user.online {
            user.online = true;
            user.login_time = now_ms;
        } else if !online {
            room.leave(&login.user_id);
        }
    }

    /// Takes `user_id` offline in `room_id` (kicked out, or gone): its streams end, and
    /// the room closes when it was the last one online. Returns whether it was online.
    pub(crate) fn leave(&mut self, room_id: &str, user_id: &str) -> bool {
        self.rooms
            .get_mut(room_id)
            .is_some_and(|room| room.leave(user_id))
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn online(world: &mut World, room: &str, user: &str, at: u64) {
        world.put(room, &Login::new(user), true, at);
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
        assert!(world.leave("r", "alice"));
        assert!(!world.leave("r", "alice"), "already offline");
        assert!(world.open_room("r").is_some());
        assert!(world.leave("r", "bob"));
        assert!(world.open_room("r").is_none());
        assert!(!world.rooms()[0].open);
        assert_eq!(world.rooms()[0].users.len(), 3, "known users stay, offline");
        assert!(!world.leave("nowhere", "x"));
    }

    #[test]
    fn message_ids_restart_with_each_lifecycle() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        let room = world.open_room("r").unwrap();
        assert_eq!([room.take_message_id(), room.take_message_id()], [1, 2]);
        world.leave("r", "a");
        online(&mut world, "r", "a", 2);
        assert_eq!(world.open_room("r").unwrap().take_message_id(), 1);
    }

    #[test]
    fn leaving_ends_the_users_streams_and_closing_ends_all() {
        let mut world = World::default();
        online(&mut world, "r", "a", 1);
        online(&mut world, "r", "b", 1);
        let room = world.rooms.get_mut("r").unwrap();
        for (id, user) in [("sa", "a"), ("sb", "b")] {
            room.streams.insert(
                id.to_owned(),
                Stream {
                    stream_id: id.to_owned(),
                    user_id: user.to_owned(),
                    user_name: user.to_owned(),
                    create_time: 1,
                },
            );
        }
        world.leave("r", "a");
        let ids: Vec<String> = world.rooms()[0]
            .streams
            .iter()
            .map(|s| s.stream_id.clone())
            .collect();
        assert_eq!(ids, ["sb"]);
        world.leave("r", "b");
        assert!(world.rooms()[0].streams.is_empty());
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
}
