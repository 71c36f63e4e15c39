//! The world: one per AppId and environment (spec §0.4), the default one, and how tests
//! see it (`rooms()`, `GET /_mock/rooms`) and reach the others.

mod common;

use std::time::SystemTime;

use common::*;
use serde_json::json;
use zego_core::AppId;
use zego_mock::{ADMIN_ROLE, App, DEFAULT_ROLE, Login, MockServer};

fn unix_ms() -> u64 {
    let since = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH);
    u64::try_from(since.unwrap().as_millis()).unwrap()
}

/// A request of `APP` in its test environment.
fn in_test_env(target: String) -> String {
    format!("{target}&IsTest=true")
}

#[test]
fn each_app_and_environment_has_its_own_rooms_users_and_inboxes() {
    let mock = start();
    let prod = mock.world(AppId::new(APP), false);
    let test = mock.world(AppId::new(APP), true);
    let other = mock.world(AppId::new(TEST_APP), true);
    assert_eq!(
        prod.rooms(),
        mock.rooms(),
        "the default world: APP in production"
    );
    assert!(test.rooms().is_empty());
    assert!(other.rooms().is_empty());

    // The same room and user names, three worlds.
    test.set_online("room-1", "alice", true);
    other.set_online("room-1", "alice", true);
    let everyone = command("room-1", "server", &[], "prod");
    assert_eq!(code(mock.addr(), &everyone), 0);
    let test_env = in_test_env(command("room-1", "server", &[], "test"));
    assert_eq!(code(mock.addr(), &test_env), 0);
    let other_app = format!(
        "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=server&MessageContent=other\
         &IsTest=true&{}",
        public(TEST_APP, TEST_SECRET)
    );
    assert_eq!(code(mock.addr(), &other_app), 0);
    let contents = |world: &zego_mock::WorldHandle| -> Vec<String> {
        world
            .inbox("alice")
            .into_iter()
            .map(|m| m.content)
            .collect()
    };
    assert_eq!(contents(&prod), ["prod"]);
    assert_eq!(contents(&test), ["test"]);
    assert_eq!(contents(&other), ["other"]);
    assert_eq!(mock.inbox("bob").len(), 1);
    assert!(
        test.inbox("bob").is_empty(),
        "bob is online in production only"
    );

    // Counts and kicks stay in their world too.
    let describe = request("DescribeUserNum", &[("RoomId[]", "room-1")]);
    let count = |target: &str| {
        get(mock.addr(), target).json()["Data"]["UserCountList"][0]["UserCount"].clone()
    };
    assert_eq!(count(&describe), 2);
    assert_eq!(count(&in_test_env(describe.clone())), 1);
    let kick = request(
        "KickoutUser",
        &[("RoomId", "room-1"), ("UserId[]", "alice")],
    );
    assert_eq!(code(mock.addr(), &in_test_env(kick)), 0);
    assert!(
        !test.rooms()[0].open,
        "alice was the test world's last user"
    );
    assert!(
        prod.rooms()[0].users[0].online,
        "alice is still online in production"
    );
    // A room that exists in production only does not exist in the test environment.
    assert_eq!(
        code(mock.addr(), &in_test_env(command("room-1", "s", &[], "x"))),
        50001
    );
}

#[test]
fn the_default_world_is_the_first_apps_own_environment() {
    // A test-only app first: the default world is its test environment.
    let mock = MockServer::builder()
        .app(App::new(AppId::new(TEST_APP), TEST_SECRET).test_only())
        .app(App::new(AppId::new(APP), SECRET))
        .user("room-1", "alice")
        .start()
        .unwrap();
    let default = mock.default_world();
    assert_eq!(
        (default.app_id(), default.is_test_env()),
        (AppId::new(TEST_APP), true)
    );
    assert_eq!(mock.world(AppId::new(TEST_APP), true).rooms(), mock.rooms());
    assert!(mock.world(AppId::new(APP), false).rooms().is_empty());
    let target = format!(
        "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=s&MessageContent=x&IsTest=true&{}",
        public(TEST_APP, TEST_SECRET)
    );
    assert_eq!(code(mock.addr(), &target), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
    // No app at all: the users wait in a world no request reaches.
    let empty = MockServer::builder().user("r", "u").start().unwrap();
    assert_eq!(empty.rooms()[0].users[0].user_id, "u");
}

#[test]
fn rooms_show_users_with_names_roles_and_login_times() {
    let before = unix_ms();
    let mock = builder()
        .login(
            "room-1",
            Login::new("rec").name("Recorder").role(ADMIN_ROLE),
        )
        .start()
        .unwrap();
    let after = unix_ms();
    let rooms = mock.rooms();
    assert_eq!(rooms.len(), 1);
    let room = &rooms[0];
    assert_eq!(room.room_id, "room-1");
    assert!(room.open);
    assert!(room.streams.is_empty());
    let users: Vec<(&str, bool, &str, u32)> = room
        .users
        .iter()
        .map(|u| (u.user_id.as_str(), u.online, u.user_name.as_str(), u.role))
        .collect();
    assert_eq!(
        users,
        [
            ("alice", true, "alice", DEFAULT_ROLE),
            ("bob", true, "bob", DEFAULT_ROLE),
            ("carol", false, "carol", DEFAULT_ROLE),
            ("rec", true, "Recorder", ADMIN_ROLE),
        ]
    );
    for user in &room.users {
        if user.online {
            assert!((before..=after).contains(&user.login_time), "{user:?}");
        } else {
            assert_eq!(user.login_time, 0);
        }
    }
    // Logging in again keeps the login time; logging out and in makes a new one.
    let alice_at = room.users[0].login_time;
    std::thread::sleep(std::time::Duration::from_millis(5));
    mock.set_online("room-1", "alice", true);
    assert_eq!(mock.rooms()[0].users[0].login_time, alice_at);
    mock.set_online("room-1", "alice", false);
    mock.login("room-1", Login::new("alice").name("Alice"));
    let alice = &mock.rooms()[0].users[0];
    assert!(alice.login_time > alice_at);
    assert_eq!(alice.user_name, "Alice");
}

#[test]
fn get_rooms_lists_open_and_closed_rooms() {
    let mock = builder().offline_user("closed", "dave").start().unwrap();
    let rooms = get(mock.addr(), "/_mock/rooms").json();
    assert_eq!(rooms.as_array().unwrap().len(), 2);
    assert_eq!(
        rooms[0],
        json!({"room_id": "closed", "open": false, "closed": false, "streams": [], "users": [
            {"user_id": "dave", "online": false, "user_name": "dave", "role": 1,
             "login_time": 0}
        ]})
    );
    assert_eq!(rooms[1]["room_id"], "room-1");
    assert_eq!(rooms[1]["open"], true);
    let alice = &rooms[1]["users"][0];
    assert_eq!(alice["user_id"], "alice");
    assert_eq!(alice["online"], true);
    assert!(alice["login_time"].as_u64().unwrap() > 1_600_000_000_000);
    assert_eq!(rooms[1]["users"].as_array().unwrap().len(), 3);
    assert_eq!(get(mock.addr(), "/_mock/rooms").status, 200);
    assert_eq!(
        post_json(mock.addr(), "/_mock/rooms", "{}").status,
        405,
        "read only"
    );
}

#[test]
fn the_control_api_reaches_any_world() {
    let mock = start();
    // POST /_mock/users into APP's test environment, with a name and a role.
    let response = post_json(
        mock.addr(),
        "/_mock/users",
        r#"{"room_id": "room-9", "user_id": "zoe", "online": true, "user_name": "Zoe",
            "role": 2, "app_id": 1234, "test_env": true}"#,
    );
    assert_eq!(response.json(), json!({"ok": true}));
    let test_rooms = get(mock.addr(), "/_mock/rooms?app_id=1234&test_env=true").json();
    assert_eq!(test_rooms[0]["room_id"], "room-9");
    assert_eq!(test_rooms[0]["users"][0]["user_name"], "Zoe");
    assert_eq!(test_rooms[0]["users"][0]["role"], 2);
    assert_eq!(
        get(mock.addr(), "/_mock/users?test_env=true").json(),
        json!([{"room_id": "room-9", "user_id": "zoe", "online": true}]),
        "app_id defaults to the default world's app"
    );
    let default_rooms = get(mock.addr(), "/_mock/rooms").json();
    assert!(
        default_rooms
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["room_id"] != "room-9")
    );

    // A request in that environment reaches zoe; her inbox is read there.
    let target = in_test_env(command("room-9", "server", &["zoe"], "hi"));
    assert_eq!(code(mock.addr(), &target), 0);
    assert_eq!(get(mock.addr(), "/_mock/inbox/zoe").json(), json!([]));
    let inbox = get(mock.addr(), "/_mock/inbox/zoe?app_id=1234&test_env=true").json();
    assert_eq!(inbox[0]["content"], "hi");

    // `app_id` alone: that app's own environment (the test one for a test-only app).
    post_json(
        mock.addr(),
        "/_mock/users",
        &format!(r#"{{"room_id": "r", "user_id": "u", "online": true, "app_id": {TEST_APP}}}"#),
    );
    let rooms = mock.world(AppId::new(TEST_APP), true).rooms();
    assert_eq!(rooms[0].users[0].user_id, "u");

    // A world that cannot be read from the query is a 400.
    for bad in ["app_id=x", "test_env=yes", "app_id=4294967296", "room=r"] {
        let response = get(mock.addr(), &format!("/_mock/rooms?{bad}"));
        assert_eq!(response.status, 400, "{bad}");
        assert!(response.json()["error"].is_string());
    }
}
