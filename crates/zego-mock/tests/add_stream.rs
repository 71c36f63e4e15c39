//! `AddStream` (spec §9): a stream announced in an existing room's list, attributed to a
//! user, with its title, extra information and censor flag; not published. Its rules,
//! each with its code.

mod common;

use common::*;
use serde_json::json;
use zego_core::actions::AddStream;
use zego_mock::{Publication, PublishError};

fn add(room: &str, user: &str, stream: &str, params: &[(&str, &str)]) -> String {
    let mut all = vec![("RoomId", room), ("UserId", user), ("StreamId", stream)];
    all.extend_from_slice(params);
    request("AddStream", &all)
}

#[test]
fn the_vendors_example_adds_the_stream_to_the_list_only() {
    let mock = builder()
        .rate_limits(false)
        .user("room1", "viewer")
        .start()
        .unwrap();
    let before = now() * 1000;
    let target = format!(
        "/?Action=AddStream&RoomId=room1&UserId=user1&UserName=userName&StreamId=streamId1\
         &StreamTitle=%E6%B5%81%E6%A0%87%E9%A2%98&ExtraInfo=%E9%99%84%E5%8A%A0%E4%BF%A1%E6%81%AF\
         &CensorFlag=0&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let json = response.json();
    assert!(json.get("Data").is_none(), "no Data: {json}");
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room1")
        .unwrap();
    let stream = &room.streams[0];
    assert_eq!(
        (
            stream.stream_id.as_str(),
            stream.user_id.as_str(),
            stream.user_name.as_str()
        ),
        ("streamId1", "user1", "userName")
    );
    assert_eq!(
        (stream.title.as_str(), stream.extra_info.as_str()),
        ("流标题", "附加信息")
    );
    assert_eq!(
        (stream.censor_flag, stream.stream_number_id, stream.added),
        (0, 1, true)
    );
    assert!(stream.create_time >= u64::try_from(before).unwrap());
    // Listed, not published.
    assert_eq!(
        get(mock.addr(), "/_mock/streams").json(),
        json!([{"room_id": "room1", "user_id": "user1", "stream_id": "streamId1",
                "forbidden": false, "listed": true, "publishing": false}])
    );
    let state = media(
        false,
        "DescribeRTCStreamState",
        &[("StreamId", "streamId1")],
    );
    assert_eq!(media_code(mock.addr(), &state), 41004);
}

#[test]
fn the_same_user_replaces_another_user_is_1012() {
    let mock = builder().rate_limits(false).start().unwrap();
    let first = add(
        "room-1",
        "srv",
        "cdn",
        &[("StreamTitle", "one"), ("CensorFlag", "1")],
    );
    assert_eq!(code(mock.addr(), &first), 0);
    assert_eq!(code(mock.addr(), &add("room-1", "bob", "cdn", &[])), 1012);
    let again = add(
        "room-1",
        "srv",
        "cdn",
        &[("StreamTitle", "two"), ("ExtraInfo", "x")],
    );
    assert_eq!(code(mock.addr(), &again), 0);
    let streams = &mock.rooms()[0].streams;
    assert_eq!(streams.len(), 1);
    let stream = &streams[0];
    assert_eq!(
        (stream.title.as_str(), stream.extra_info.as_str()),
        ("two", "x")
    );
    assert_eq!((stream.user_id.as_str(), stream.censor_flag), ("srv", 0));
    // A published stream's ID in another room may be added here (one stream injected
    // into several rooms); a client may not publish an ID the list has under another
    // user.
    mock.set_online("room-2", "erin", true);
    mock.publish("room-2", "erin", "erin-cam").unwrap();
    assert_eq!(code(mock.addr(), &add("room-1", "srv", "erin-cam", &[])), 0);
    assert_eq!(
        mock.publish("room-1", "alice", "cdn"),
        Err(PublishError::StreamIdTaken {
            room_id: "room-1".into(),
            user_id: "srv".into()
        })
    );
    // A member may add under its own ID; its publish of that ID then makes it published.
    assert_eq!(code(mock.addr(), &add("room-1", "alice", "a-cdn", &[])), 0);
    mock.publish_with("room-1", &Publication::new("alice", "a-cdn").title("live"))
        .unwrap();
    let stream = mock.rooms()[0]
        .streams
        .iter()
        .find(|s| s.stream_id == "a-cdn")
        .cloned();
    let stream = stream.unwrap();
    assert_eq!((stream.added, stream.title.as_str()), (false, "live"));
}

#[test]
fn the_rules_each_with_its_code() {
    let mock = builder().rate_limits(false).start().unwrap();
    let id_256 = "s".repeat(AddStream::MAX_STREAM_ID_BYTES);
    let id_257 = format!("{id_256}s");
    let title_127 = "t".repeat(AddStream::MAX_TITLE_BYTES);
    let title_128 = format!("{title_127}t");
    let extra_1024 = "x".repeat(AddStream::MAX_EXTRA_INFO_BYTES);
    let extra_1025 = format!("{extra_1024}x");
    for (target, expected, what) in [
        (
            request("AddStream", &[("UserId", "s"), ("StreamId", "c")]),
            2,
            "no RoomId",
        ),
        (add("room-1", "", "c", &[]), 2, "an empty UserId"),
        (add("room-1", "s", "", &[]), 2, "an empty StreamId"),
        (
            add("room-1", "s", &id_257, &[]),
            3,
            "a StreamId of 257 bytes",
        ),
        (
            add("room-1", "s", "c", &[("StreamTitle", &title_128)]),
            3,
            "a title of 128 bytes",
        ),
        (
            add("room-1", "s", "c", &[("ExtraInfo", &extra_1025)]),
            3,
            "extra of 1025 bytes",
        ),
        (
            add("room-1", "s", "c", &[("CensorFlag", "2")]),
            2,
            "CensorFlag 2",
        ),
        (
            add("room-1", "s", "c", &[("CensorFlag", "no")]),
            2,
            "CensorFlag text",
        ),
        (
            add("nowhere", "s", "c", &[("CensorFlag", "2")]),
            2,
            "before the room",
        ),
        (add("nowhere", "s", "c", &[]), 50001, "no such room"),
    ] {
        assert_eq!(code(mock.addr(), &target), expected, "{what}");
    }
    assert!(mock.rooms()[0].streams.is_empty(), "nothing added");
    let longest = [
        ("StreamTitle", title_127.as_str()),
        ("ExtraInfo", &extra_1024),
    ];
    assert_eq!(code(mock.addr(), &add("room-1", "s", &id_256, &longest)), 0);
    // The characters of a room-signalling stream ID are not checked (a CDN stream may
    // be named anyhow).
    assert_eq!(
        code(
            mock.addr(),
            &add("room-1", "s", "流 1?", &[("CensorFlag", "1")])
        ),
        0
    );
    assert_eq!(mock.rooms()[0].streams.len(), 2);
}

#[test]
fn a_stream_added_under_a_member_leaves_with_the_member() {
    let mock = builder().rate_limits(false).start().unwrap();
    assert_eq!(code(mock.addr(), &add("room-1", "alice", "a-cdn", &[])), 0);
    assert_eq!(code(mock.addr(), &add("room-1", "srv", "cdn", &[])), 0);
    let kick = request(
        "KickoutUser",
        &[("RoomId", "room-1"), ("UserId[]", "alice")],
    );
    assert_eq!(code(mock.addr(), &kick), 0);
    let ids: Vec<String> = mock.rooms()[0]
        .streams
        .iter()
        .map(|s| s.stream_id.clone())
        .collect();
    assert_eq!(ids, ["cdn"]);
}

#[test]
fn the_test_environment_budget_is_1_per_second() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let target = |n: usize| {
        let stream = format!("s{n}");
        let params = [
            ("RoomId", "room-1"),
            ("UserId", "s"),
            ("StreamId", stream.as_str()),
        ];
        let params = [&params[..], &[("IsTest", "true")]].concat();
        request_for(TEST_APP, TEST_SECRET, "AddStream", &params)
    };
    assert_eq!(conn.get(&target(1)).code(), 0);
    assert_eq!(conn.get(&target(2)).code(), 206);
    // The test environment's streams are its own; their IDs carry no prefix.
    let streams = mock.world(zego_core::AppId::new(TEST_APP), true).rooms()[0]
        .streams
        .clone();
    assert_eq!(streams[0].stream_id, "s1");
    assert!(mock.rooms()[0].streams.is_empty());
}
