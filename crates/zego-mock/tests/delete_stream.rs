//! `DeleteStream` (spec §10): a stream taken out of a room's list while its user stays;
//! a published stream goes on being published. Its rules, each with its code.

mod common;

use common::*;
use zego_core::actions::AddStream;

fn delete(room: &str, user: &str, stream: &str) -> String {
    let params = [("RoomId", room), ("UserId", user), ("StreamId", stream)];
    request("DeleteStream", &params)
}

#[test]
fn the_vendors_example_takes_an_added_stream_off_the_list() {
    let mock = builder()
        .rate_limits(false)
        .user("room1", "viewer")
        .start()
        .unwrap();
    let add = request(
        "AddStream",
        &[
            ("RoomId", "room1"),
            ("UserId", "user1"),
            ("StreamId", "streamId1"),
        ],
    );
    assert_eq!(code(mock.addr(), &add), 0);
    let target = format!(
        "/?Action=DeleteStream&RoomId=room1&UserId=user1&UserName=userName\
         &StreamId=streamId1&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    assert!(response.json().get("Data").is_none());
    assert!(mock.rooms()[1].streams.is_empty());
    assert!(mock.streams().is_empty());
    assert_eq!(code(mock.addr(), &target), 138, "gone");
}

#[test]
fn a_published_stream_leaves_the_list_but_is_still_published() {
    let mock = builder().rate_limits(false).start().unwrap();
    mock.publish("room-1", "alice", "cam").unwrap();
    // Any user may delete any stream.
    assert_eq!(code(mock.addr(), &delete("room-1", "bob", "cam")), 0);
    assert!(mock.rooms()[0].streams.is_empty());
    let record = &mock.streams()[0];
    assert_eq!((record.listed, record.publishing), (false, true));
    let state = media(false, "DescribeRTCStreamState", &[("StreamId", "cam")]);
    assert_eq!(
        media_code(mock.addr(), &state),
        0,
        "active on the media servers"
    );
    // The user is still in the room, and its publish still holds the ID.
    assert!(
        mock.rooms()[0]
            .users
            .iter()
            .any(|u| u.user_id == "alice" && u.online)
    );
    assert!(mock.publish("room-1", "bob", "cam").is_err());
    assert!(mock.stop_publishing("room-1", "cam"));
    assert!(mock.streams().is_empty());
}

#[test]
fn the_rules_each_with_its_code() {
    let mock = builder()
        .rate_limits(false)
        .offline_user("empty", "dave")
        .start()
        .unwrap();
    let id_257 = "s".repeat(AddStream::MAX_STREAM_ID_BYTES + 1);
    for (target, expected, what) in [
        (
            request("DeleteStream", &[("UserId", "s"), ("StreamId", "c")]),
            2,
            "no RoomId",
        ),
        (
            request("DeleteStream", &[("RoomId", "room-1"), ("StreamId", "c")]),
            2,
            "no UserId",
        ),
        (delete("room-1", "s", ""), 2, "an empty StreamId"),
        (delete("room-1", "s", &id_257), 3, "a StreamId of 257 bytes"),
        (delete("nowhere", "s", ""), 2, "before the room"),
        (delete("nowhere", "s", "c"), 50001, "no such room"),
        (delete("empty", "s", "c"), 50001, "nobody online"),
        (delete("room-1", "s", "c"), 138, "no such stream"),
    ] {
        assert_eq!(code(mock.addr(), &target), expected, "{what}");
    }
    // A stream of another room is not in this room's list.
    mock.set_online("room-2", "erin", true);
    mock.publish("room-2", "erin", "erin-cam").unwrap();
    assert_eq!(code(mock.addr(), &delete("room-1", "s", "erin-cam")), 138);
    let room_2 = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room-2")
        .unwrap();
    assert_eq!(room_2.streams.len(), 1);
}

#[test]
fn the_test_environment_budget_is_1_per_second() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let target = || {
        let params = [
            ("RoomId", "room-1"),
            ("UserId", "s"),
            ("StreamId", "c"),
            ("IsTest", "true"),
        ];
        request_for(TEST_APP, TEST_SECRET, "DeleteStream", &params)
    };
    assert_eq!(conn.get(&target()).code(), 138);
    assert_eq!(conn.get(&target()).code(), 206);
}
