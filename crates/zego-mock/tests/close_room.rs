//! `CloseRoom` (spec §7): every user out and the room closed; later calls answer as for a
//! room that does not exist; its rules, each with its code; its budget of 1/s.

mod common;

use common::*;
use serde_json::json;
use zego_core::actions::CloseRoom;

fn close(room: &str, params: &[(&str, &str)]) -> String {
    let mut all = vec![("RoomId", room)];
    all.extend_from_slice(params);
    request("CloseRoom", &all)
}

#[test]
fn the_vendors_example_closes_the_room_and_answers_without_data() {
    let mock = builder()
        .rate_limits(false)
        .user("room1", "a")
        .user("room1", "b")
        .start()
        .unwrap();
    mock.publish("room1", "a", "a-cam").unwrap();
    let target = format!(
        "/?Action=CloseRoom&RoomId=room1&CustomReason=clear&RoomCloseCallback=false&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let json = response.json();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Code", "Message", "RequestId"], "no Data: {json}");
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room1")
        .unwrap();
    assert!(!room.open && room.closed);
    assert!(room.users.iter().all(|u| !u.online && u.login_time == 0));
    assert!(room.streams.is_empty());
    assert!(mock.streams().is_empty(), "the publish ended");
    let rooms = get(mock.addr(), "/_mock/rooms").json();
    assert_eq!(rooms[0]["room_id"], "room-1");
    assert_eq!(
        (&rooms[0]["open"], &rooms[0]["closed"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(
        (&rooms[1]["open"], &rooms[1]["closed"]),
        (&json!(false), &json!(true))
    );
    // The other room is untouched.
    assert!(mock.rooms()[0].users.iter().any(|u| u.online));
}

#[test]
fn a_closed_room_answers_as_a_room_that_does_not_exist() {
    let mock = builder().rate_limits(false).start().unwrap();
    assert_eq!(code(mock.addr(), &close("room-1", &[])), 0);
    assert_eq!(
        code(mock.addr(), &close("room-1", &[])),
        5018,
        "already closed"
    );
    let room = [("RoomId", "room-1")];
    fn with<'a>(params: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
        [&[("RoomId", "room-1")][..], params].concat()
    }
    let message = [
        ("UserId", "s"),
        ("MessageCategory", "2"),
        ("MessageContent", "hi"),
    ];
    let stream = [("UserId", "s"), ("StreamId", "cdn")];
    for (action, params) in [
        (
            "SendCustomCommand",
            with(&[("FromUserId", "s"), ("MessageContent", "hi")]),
        ),
        ("SendBroadcastMessage", with(&message)),
        ("SendBarrageMessage", with(&message)),
        ("KickoutUser", with(&[("UserId[]", "alice")])),
        ("DescribeUsers", with(&[("UserId[]", "alice")])),
        ("AddStream", with(&stream)),
        ("DeleteStream", with(&stream)),
    ] {
        assert_eq!(
            code(mock.addr(), &request(action, &params)),
            50001,
            "{action}"
        );
    }
    let count = get(
        mock.addr(),
        &request("DescribeUserNum", &[("RoomId[]", "room-1")]),
    );
    assert_eq!(count.json()["Data"]["UserCountList"][0]["UserCount"], 0);
    let users = get(mock.addr(), &request("DescribeUserList", &room));
    assert_eq!(users.json()["Data"], json!({"Marker": "", "UserList": []}));
    let streams = get(mock.addr(), &request("DescribeSimpleStreamList", &room));
    assert_eq!(streams.json()["Data"], json!({"StreamList": []}));
    assert!(mock.inbox("alice").is_empty());
    // A login opens a new room.
    mock.set_online("room-1", "alice", true);
    let reopened = &mock.rooms()[0];
    assert!(reopened.open && !reopened.closed);
    assert_eq!(code(mock.addr(), &close("room-1", &[])), 0);
}

#[test]
fn a_room_that_does_not_exist_is_5018() {
    let mock = builder()
        .rate_limits(false)
        .offline_user("empty", "dave")
        .start()
        .unwrap();
    for room in ["nowhere", "empty"] {
        assert_eq!(code(mock.addr(), &close(room, &[])), 5018, "{room}");
    }
    mock.set_online("gone", "erin", true);
    mock.set_online("gone", "erin", false);
    assert_eq!(
        code(mock.addr(), &close("gone", &[])),
        5018,
        "its last user left"
    );
}

#[test]
fn the_rules_each_with_its_code() {
    let mock = builder().rate_limits(false).start().unwrap();
    let longest = "r".repeat(CloseRoom::MAX_REASON_BYTES);
    let over = format!("{longest}r");
    for (target, expected, what) in [
        (request("CloseRoom", &[]), 2, "no RoomId"),
        (close("", &[]), 2, "an empty RoomId"),
        (
            close("room-1", &[("RoomCloseCallback", "yes")]),
            2,
            "not a Boolean",
        ),
        (close("room-1", &[("RoomCloseCallback", "1")]), 2, "1"),
        (close("room-1", &[("CustomReason", &over)]), 3, "257 bytes"),
        (
            close("nowhere", &[("CustomReason", &over)]),
            3,
            "before the room",
        ),
    ] {
        assert_eq!(code(mock.addr(), &target), expected, "{what}");
    }
    assert!(mock.rooms()[0].open, "nothing closed");
    for (n, flag) in ["TRUE", "False", "true", ""].iter().enumerate() {
        let room = format!("r{n}");
        mock.set_online(&room, "x", true);
        let params = [
            ("CustomReason", longest.as_str()),
            ("RoomCloseCallback", flag),
        ];
        assert_eq!(code(mock.addr(), &close(&room, &params)), 0, "{flag:?}");
    }
}

#[test]
fn one_close_per_second_per_app() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    let mut conn = Conn::open(mock.addr());
    assert_eq!(conn.get(&close("room-1", &[])).code(), 0);
    assert_eq!(conn.get(&close("room-2", &[])).code(), 206);
    assert!(mock.rooms().iter().any(|r| r.room_id == "room-2" && r.open));
}
