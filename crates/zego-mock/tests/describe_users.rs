//! `DescribeUsers` (spec §4): for up to ten users, whether each is online in a room, one
//! entry per requested user in request order; its rules, each with its code.

mod common;

use common::*;
use serde_json::{Value, json};
use zego_core::Batched;
use zego_core::actions::DescribeUsers;
use zego_mock::{ADMIN_ROLE, Login};

const MAX_USERS: usize = DescribeUsers::MAX_PER_REQUEST;

fn describe(room: &str, users: &[&str]) -> String {
    let mut params = vec![("RoomId", room)];
    params.extend(users.iter().map(|user| ("UserId[]", *user)));
    request("DescribeUsers", &params)
}

#[test]
fn the_vendors_example_shape_with_login_times_and_roles() {
    let mock = builder()
        .user("room1", "a")
        .login("room1", Login::new("b").role(2))
        .start()
        .unwrap();
    let target = format!(
        "/?Action=DescribeUsers&RoomId=room1&UserId[]=a&UserId[]=b&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room1")
        .unwrap();
    let login = |n: usize| room.users[n].login_time;
    assert!(login(0) > 1_600_000_000_000, "Unix milliseconds");
    assert_eq!(
        response.json()["Data"],
        json!({"UserStatusList": [
            {"UserId": "a", "Status": 1, "LoginTime": login(0), "UserRole": 1},
            {"UserId": "b", "Status": 1, "LoginTime": login(1), "UserRole": 2},
        ]})
    );
}

#[test]
fn users_not_online_are_zeros_in_request_order_duplicates_repeated() {
    let mock = builder()
        .login("room-1", Login::new("rec").role(ADMIN_ROLE))
        .user("room-2", "erin")
        .start()
        .unwrap();
    let response = get(
        mock.addr(),
        &describe("room-1", &["zed", "carol", "rec", "erin", "alice", "zed"]),
    );
    assert_eq!(response.code(), 0);
    let list = response.json()["Data"]["UserStatusList"].clone();
    let rows: Vec<(&str, u64, bool, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|u: &Value| {
            (
                u["UserId"].as_str().unwrap(),
                u["Status"].as_u64().unwrap(),
                u["LoginTime"].as_u64().unwrap() > 0,
                u["UserRole"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("zed", 0, false, 0),
            ("carol", 0, false, 0),
            ("rec", 1, true, 4),
            ("erin", 0, false, 0),
            ("alice", 1, true, 1),
            ("zed", 0, false, 0),
        ]
    );
}

#[test]
fn the_list_holds_1_to_10_users_else_2_or_3() {
    let mock = start();
    let ten: Vec<String> = (0..MAX_USERS).map(|n| format!("u{n}")).collect();
    let mut users: Vec<&str> = ten.iter().map(String::as_str).collect();
    assert_eq!(code(mock.addr(), &describe("room-1", &users)), 0);
    users.push("one more");
    assert_eq!(
        code(mock.addr(), &describe("room-1", &users)),
        3,
        "11 users"
    );
    assert_eq!(
        code(mock.addr(), &describe("nowhere", &users)),
        3,
        "checked before the room"
    );
    for (target, what) in [
        (describe("room-1", &[]), "no users"),
        (describe("room-1", &["alice", ""]), "an empty user"),
        (
            request(
                "DescribeUsers",
                &[("RoomId", "room-1"), ("UserId", "alice")],
            ),
            "no brackets",
        ),
        (
            request("DescribeUsers", &[("UserId[]", "alice")]),
            "no RoomId",
        ),
        (describe("", &["alice"]), "an empty RoomId"),
    ] {
        assert_eq!(code(mock.addr(), &target), 2, "{what}");
    }
}

#[test]
fn a_room_that_does_not_exist_is_50001() {
    let mock = builder().offline_user("empty", "dave").start().unwrap();
    for room in ["nowhere", "empty"] {
        assert_eq!(
            code(mock.addr(), &describe(room, &["dave"])),
            50001,
            "{room}"
        );
    }
}
