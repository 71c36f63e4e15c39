//! `DescribeUserNum` (spec §6): one count per requested room, in request order; its limits.

mod common;

use common::*;
use serde_json::{Value, json};
use zego_core::Batched;
use zego_core::actions::DescribeUserNum;
use zego_mock::{ADMIN_ROLE, Login};

const MAX_ROOMS: usize = DescribeUserNum::MAX_PER_REQUEST;

fn describe(rooms: &[&str]) -> String {
    let params: Vec<(&str, &str)> = rooms.iter().map(|room| ("RoomId[]", *room)).collect();
    request("DescribeUserNum", &params)
}

/// The `Data` of a successful answer.
fn data(mock: &zego_mock::MockServer, target: &str) -> Value {
    let response = get(mock.addr(), target);
    assert_eq!(response.code(), 0, "{response:?}");
    response.json()["Data"].clone()
}

#[test]
fn the_vendors_example_shape() {
    let mock = builder()
        .user("room1", "a")
        .user("room1", "b")
        .user("room2", "c")
        .user("room2", "d")
        .login("room2", Login::new("recorder").role(ADMIN_ROLE))
        .start()
        .unwrap();
    // The vendor's request, with the public parameters signed now.
    let target = format!(
        "/?Action=DescribeUserNum&RoomId[]=room1&RoomId[]=room2&{}",
        public(APP, SECRET)
    );
    assert_eq!(
        data(&mock, &target),
        json!({"UserCountList": [
            {"RoomId": "room1", "UserCount": 2, "AdminUserCount": 0},
            {"RoomId": "room2", "UserCount": 3, "AdminUserCount": 1},
        ]})
    );
}

#[test]
fn one_entry_per_requested_room_in_order_duplicates_repeated_unknown_rooms_zero() {
    let mock = builder()
        .user("room-2", "erin")
        .offline_user("closed", "dave")
        .start()
        .unwrap();
    let rooms = ["room-2", "nowhere", "room-1", "closed", "room-2"];
    let list = data(&mock, &describe(&rooms))["UserCountList"].clone();
    let counts: Vec<(&str, u64, u64)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            (
                entry["RoomId"].as_str().unwrap(),
                entry["UserCount"].as_u64().unwrap(),
                entry["AdminUserCount"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("room-2", 1, 0),
            ("nowhere", 0, 0),
            ("room-1", 2, 0), // carol is offline
            ("closed", 0, 0),
            ("room-2", 1, 0),
        ]
    );
}

#[test]
fn counts_follow_logins_leaves_and_kicks() {
    let mock = start();
    let count = |mock: &zego_mock::MockServer| {
        data(mock, &describe(&["room-1"]))["UserCountList"][0]["UserCount"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(count(&mock), 2);
    mock.set_online("room-1", "carol", true);
    assert_eq!(count(&mock), 3);
    let kick = request(
        "KickoutUser",
        &[("RoomId", "room-1"), ("UserId[]", "alice")],
    );
    assert_eq!(code(mock.addr(), &kick), 0);
    assert_eq!(count(&mock), 2);
    mock.set_online("room-1", "bob", false);
    mock.set_online("room-1", "carol", false);
    assert_eq!(count(&mock), 0);
}

#[test]
fn more_than_ten_rooms_is_3_and_ten_are_fine() {
    let mock = start();
    let names: Vec<String> = (0..=MAX_ROOMS).map(|i| format!("r{i}")).collect();
    let rooms: Vec<&str> = names.iter().map(String::as_str).collect();
    assert_eq!(code(mock.addr(), &describe(&rooms)), 3);
    let ten = data(&mock, &describe(&rooms[..MAX_ROOMS]));
    assert_eq!(ten["UserCountList"].as_array().unwrap().len(), 10);
    // Duplicates count as they are sent.
    let eleven = ["room-1"; 11];
    assert_eq!(code(mock.addr(), &describe(&eleven)), 3);
}

#[test]
fn no_rooms_or_an_empty_one_is_2() {
    let mock = start();
    assert_eq!(code(mock.addr(), &describe(&[])), 2);
    assert_eq!(code(mock.addr(), &describe(&["room-1", ""])), 2);
    // Without brackets the key is another parameter: the list is missing.
    let bare = request("DescribeUserNum", &[("RoomId", "room-1")]);
    assert_eq!(code(mock.addr(), &bare), 2);
    let escaped = format!(
        "/?Action=DescribeUserNum&RoomId%5B%5D=room-1&{}",
        public(APP, SECRET)
    );
    assert_eq!(data(&mock, &escaped)["UserCountList"][0]["UserCount"], 2);
}

#[test]
fn it_changes_nothing() {
    let mock = start();
    let before = mock.rooms();
    for _ in 0..3 {
        data(&mock, &describe(&["room-1", "nowhere"]));
    }
    assert_eq!(
        mock.rooms(),
        before,
        "no room made up for a room asked about"
    );
}
