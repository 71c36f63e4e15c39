//! `DescribeSimpleStreamList` (spec §8): a room's stream list, published and added
//! streams in the order they entered it; its budget of 1 request per 10 s per room (207).

mod common;

use common::*;
use serde_json::{Value, json};
use zego_core::AppId;
use zego_mock::Publication;

fn list(room: &str) -> String {
    request("DescribeSimpleStreamList", &[("RoomId", room)])
}

#[test]
fn published_and_added_streams_are_listed_numbered_in_order() {
    let mock = builder().rate_limits(false).start().unwrap();
    mock.publish_with("room-1", &Publication::new("bob", "bob-cam").title("Bob"))
        .unwrap();
    let add = [
        ("RoomId", "room-1"),
        ("UserId", "srv"),
        ("UserName", "Server"),
        ("StreamId", "a-cdn"),
    ];
    assert_eq!(code(mock.addr(), &request("AddStream", &add)), 0);
    mock.publish("room-1", "alice", "alice-cam").unwrap();
    let response = get(mock.addr(), &list("room-1"));
    assert_eq!(response.code(), 0);
    let streams = response.json()["Data"]["StreamList"].clone();
    let rows: Vec<(&str, &str, &str, u64)> = streams
        .as_array()
        .unwrap()
        .iter()
        .map(|s: &Value| {
            (
                s["StreamId"].as_str().unwrap(),
                s["UserId"].as_str().unwrap(),
                s["UserName"].as_str().unwrap(),
                s["StreamNumberId"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("bob-cam", "bob", "bob", 1),
            ("a-cdn", "srv", "Server", 2),
            ("alice-cam", "alice", "alice", 3),
        ]
    );
    let created = streams[0]["CreateTime"].as_u64().unwrap();
    let bob = mock.rooms()[0]
        .streams
        .iter()
        .find(|s| s.stream_id == "bob-cam")
        .cloned();
    assert_eq!(created, bob.unwrap().create_time, "Unix milliseconds");
    assert!(created > 1_600_000_000_000);
    // A stream that stops leaves the list; the numbers of the others stay.
    assert!(mock.stop_publishing("room-1", "bob-cam"));
    let response = get(mock.addr(), &list("room-1"));
    let numbers: Vec<u64> = response.json()["Data"]["StreamList"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["StreamNumberId"].as_u64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 3]);
}

#[test]
fn a_room_that_does_not_exist_has_no_streams() {
    let mock = builder()
        .rate_limits(false)
        .offline_user("empty", "dave")
        .start()
        .unwrap();
    for room in ["nowhere", "empty"] {
        let response = get(mock.addr(), &list(room));
        assert_eq!(response.code(), 0);
        assert_eq!(response.json()["Data"], json!({"StreamList": []}), "{room}");
    }
    assert_eq!(
        code(mock.addr(), &request("DescribeSimpleStreamList", &[])),
        2
    );
    assert_eq!(code(mock.addr(), &list("")), 2);
}

#[test]
fn the_test_environment_lists_stream_ids_as_published() {
    let mock = start_everywhere();
    let world = mock.world(AppId::new(TEST_APP), true);
    world.publish("room-1", "alice", "cam").unwrap();
    let target = request_for(
        TEST_APP,
        TEST_SECRET,
        "DescribeSimpleStreamList",
        &[("RoomId", "room-1"), ("IsTest", "true")],
    );
    let response = get(mock.addr(), &target);
    assert_eq!(
        response.json()["Data"]["StreamList"][0]["StreamId"],
        "cam",
        "no prefix"
    );
}

#[test]
fn one_request_per_10_seconds_per_room_else_207() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    assert_eq!(conn.get(&list("room-1")).code(), 0);
    let throttled = conn.get(&list("room-1"));
    assert_eq!(throttled.code(), 207);
    assert!(throttled.json().get("Data").is_none());
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(conn.get(&list("room-1")).code(), 207, "still within 10 s");
    assert_eq!(conn.get(&list("room-2")).code(), 0, "another room");
    assert_eq!(conn.get(&list("")).code(), 2);
}
