//! `KickoutUser` (spec §3): its rules, each with its code, and what a kick does to the
//! room: the user is offline afterwards, and the room closes with its last user.

mod common;

use common::*;
use zego_core::Batched;
use zego_core::actions::KickoutUser;

const MAX_USERS: usize = KickoutUser::MAX_PER_REQUEST;
const MAX_REASON_BYTES: usize = KickoutUser::MAX_REASON_BYTES;

fn kick(room: &str, users: &[&str]) -> String {
    let mut params = vec![("RoomId", room)];
    params.extend(users.iter().map(|user| ("UserId[]", *user)));
    request("KickoutUser", &params)
}

fn kick_with_reason(room: &str, users: &[&str], reason: &str) -> String {
    format!("{}&CustomReason={}", kick(room, users), enc(reason))
}

/// Who is online in `room` of the default world.
fn online(mock: &zego_mock::MockServer, room: &str) -> Vec<String> {
    mock.rooms()
        .into_iter()
        .filter(|r| r.room_id == room)
        .flat_map(|r| r.users)
        .filter(|u| u.online)
        .map(|u| u.user_id)
        .collect()
}

#[test]
fn the_vendors_example_kicks_and_answers_without_data() {
    let mock = builder()
        .user("room1", "a")
        .user("room1", "b")
        .user("room1", "c")
        .start()
        .unwrap();
    // The vendor's request, with the public parameters signed now.
    let target = format!(
        "/?Action=KickoutUser&RoomId=room1&UserId[]=a&UserId[]=b\
         &CustomReason=%E8%B8%A2%E5%87%BA%E7%94%A8%E6%88%B7-%E5%8E%9F%E5%9B%A0&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let json = response.json();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["Code", "Message", "RequestId"],
        "no Data member: {json}"
    );
    assert_eq!(json["Message"], "success");
    assert_eq!(online(&mock, "room1"), ["c"]);
    // Kicked users are known and offline in the room, with no login time.
    let room = &mock.rooms()[1];
    assert_eq!(room.room_id, "room1");
    assert!(room.open);
    let a = &room.users[0];
    assert_eq!(
        (a.user_id.as_str(), a.online, a.login_time),
        ("a", false, 0)
    );
}

#[test]
fn kicking_the_last_user_closes_the_room() {
    let mock = builder().user("solo", "alice").start().unwrap();
    assert_eq!(code(mock.addr(), &kick("solo", &["alice"])), 0);
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "solo")
        .unwrap();
    assert!(!room.open, "closed with its last online user");
    assert!(!room.users[0].online);
    // It does not exist for the calls any more.
    assert_eq!(code(mock.addr(), &kick("solo", &["alice"])), 50001);
    assert_eq!(
        code(mock.addr(), &command("solo", "server", &[], "hi")),
        50001
    );
    let count = get(
        mock.addr(),
        &request("DescribeUserNum", &[("RoomId[]", "solo")]),
    );
    assert_eq!(count.json()["Data"]["UserCountList"][0]["UserCount"], 0);
    // A kicked user may log in again at once: the room opens again.
    mock.set_online("solo", "alice", true);
    assert!(mock.rooms().iter().any(|r| r.room_id == "solo" && r.open));
}

#[test]
fn a_kicked_user_receives_nothing_more_in_that_room_only() {
    let mock = builder().user("room-2", "alice").start().unwrap();
    assert_eq!(code(mock.addr(), &kick("room-1", &["alice"])), 0);
    let response = get(mock.addr(), &command("room-1", "server", &["alice"], "hi"));
    assert_eq!(
        response.json()["Data"]["FailUsers"][0]["Uid"],
        "alice",
        "offline in room-1"
    );
    assert_eq!(
        code(mock.addr(), &command("room-2", "server", &["alice"], "hi")),
        0
    );
    assert_eq!(mock.inbox("alice").len(), 1, "still online in room-2");
    assert_eq!(online(&mock, "room-1"), ["bob"]);
}

#[test]
fn unknown_offline_and_repeated_ids_are_ignored() {
    let mock = start();
    let target = kick("room-1", &["zed", "carol", "bob", "bob"]);
    assert_eq!(code(mock.addr(), &target), 0);
    assert_eq!(online(&mock, "room-1"), ["alice"]);
    let users: Vec<String> = mock.rooms()[0]
        .users
        .iter()
        .map(|u| u.user_id.clone())
        .collect();
    assert_eq!(users, ["alice", "bob", "carol"], "no user made up for zed");
    assert_eq!(code(mock.addr(), &kick("room-1", &["zed"])), 0);
}

#[test]
fn more_than_five_users_is_50011_and_five_is_fine() {
    let mock = start();
    let names: Vec<String> = (0..=MAX_USERS).map(|i| format!("u{i}")).collect();
    let mut users: Vec<&str> = names.iter().map(String::as_str).collect();
    users[0] = "alice";
    assert_eq!(users.len(), 6);
    assert_eq!(code(mock.addr(), &kick("room-1", &users)), 50011);
    assert_eq!(online(&mock, "room-1"), ["alice", "bob"], "nothing changed");
    assert_eq!(code(mock.addr(), &kick("room-1", &users[..5])), 0);
    assert_eq!(online(&mock, "room-1"), ["bob"]);
}

#[test]
fn no_users_or_an_empty_one_is_2() {
    let mock = start();
    assert_eq!(code(mock.addr(), &kick("room-1", &[])), 2);
    assert_eq!(code(mock.addr(), &kick("room-1", &["alice", ""])), 2);
    // Without brackets the key is another parameter: the list is missing.
    let bare = request("KickoutUser", &[("RoomId", "room-1"), ("UserId", "alice")]);
    assert_eq!(code(mock.addr(), &bare), 2);
    // Escaped brackets are the same key.
    assert_eq!(online(&mock, "room-1"), ["alice", "bob"]);
    let escaped = format!(
        "/?Action=KickoutUser&RoomId=room-1&UserId%5B%5D=alice&{}",
        public(APP, SECRET)
    );
    assert_eq!(code(mock.addr(), &escaped), 0);
    assert_eq!(online(&mock, "room-1"), ["bob"]);
}

#[test]
fn room_missing_is_2_and_a_room_that_does_not_exist_is_50001() {
    let mock = builder().offline_user("empty", "dave").start().unwrap();
    assert_eq!(code(mock.addr(), &kick("", &["alice"])), 2);
    let no_room = request("KickoutUser", &[("UserId[]", "alice")]);
    assert_eq!(code(mock.addr(), &no_room), 2);
    for room in ["no-such-room", "empty"] {
        assert_eq!(code(mock.addr(), &kick(room, &["dave"])), 50001, "{room}");
    }
}

#[test]
fn a_reason_over_256_bytes_is_3() {
    let mock = start();
    for over in ["x".repeat(MAX_REASON_BYTES + 1), "踢".repeat(86)] {
        let target = kick_with_reason("room-1", &["alice"], &over);
        assert_eq!(code(mock.addr(), &target), 3, "{} bytes", over.len());
    }
    assert_eq!(online(&mock, "room-1"), ["alice", "bob"]);
    // 256 bytes, and 85 three-byte characters (255 bytes), fit.
    for (user, fits) in [
        ("alice", "x".repeat(MAX_REASON_BYTES)),
        ("bob", "踢".repeat(85)),
    ] {
        let target = kick_with_reason("room-1", &[user], &fits);
        assert_eq!(code(mock.addr(), &target), 0);
    }
    assert!(online(&mock, "room-1").is_empty());
}

#[test]
fn parameters_are_checked_before_the_room() {
    let mock = start();
    let too_long = "x".repeat(MAX_REASON_BYTES + 1);
    let six = ["a", "b", "c", "d", "e", "f"];
    assert_eq!(
        code(mock.addr(), &kick_with_reason("nowhere", &six, &too_long)),
        50011
    );
    assert_eq!(
        code(mock.addr(), &kick_with_reason("nowhere", &["a"], &too_long)),
        3
    );
    assert_eq!(code(mock.addr(), &kick("nowhere", &["a"])), 50001);
}
