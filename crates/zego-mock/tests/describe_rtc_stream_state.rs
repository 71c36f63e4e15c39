//! `DescribeRTCStreamState` (spec §15): 0 for a stream being published, 41006 for one
//! that stopped while the app has the stream-state history permission, else 41004.

mod common;

use common::*;
use serde_json::json;
use zego_core::AppId;

fn state(stream: &str) -> String {
    media(false, "DescribeRTCStreamState", &[("StreamId", stream)])
}

#[test]
fn the_vendors_example_answers_an_active_stream() {
    let mock = start();
    let before = now();
    mock.publish("room-1", "alice", "rtc01").unwrap();
    let target = format!(
        "/?Action=DescribeRTCStreamState&StreamId=rtc01&Sequence={}&{}",
        sequence(),
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.media_code(), 0);
    let json = response.json();
    assert_eq!(json["Message"], "ok");
    assert_eq!(json["Data"]["close_time"], "");
    let created: i64 = json["Data"]["create_time"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        created >= before && created <= now(),
        "Unix seconds as text"
    );
}

#[test]
fn a_stopped_stream_is_41004_or_with_the_history_permission_41006() {
    let mock = start();
    mock.publish("room-1", "alice", "cam").unwrap();
    mock.stop_publishing("room-1", "cam");
    let closed = get(mock.addr(), &state("cam"));
    assert_eq!(closed.media_code(), 41004);
    assert_eq!(closed.json()["Data"], json!(null));
    mock.default_world().set_stream_state_history(true);
    let closed = get(mock.addr(), &state("cam"));
    assert_eq!(closed.media_code(), 41006);
    let data = closed.json()["Data"].clone();
    let time = |key: &str| data[key].as_str().unwrap().parse::<i64>().unwrap();
    assert!(time("close_time") >= time("create_time"), "{data}");
    // Never published, or only added to a list: 41004 either way.
    assert_eq!(media_code(mock.addr(), &state("never")), 41004);
    let add = [("RoomId", "room-1"), ("UserId", "srv"), ("StreamId", "cdn")];
    assert_eq!(code(mock.addr(), &request("AddStream", &add)), 0);
    assert_eq!(media_code(mock.addr(), &state("cdn")), 41004);
    // The switch through the control API.
    let off = json!({"stream_state_history": false});
    assert_eq!(
        post_json(mock.addr(), "/_mock/switches", &off.to_string()).status,
        200
    );
    assert_eq!(media_code(mock.addr(), &state("cam")), 41004);
    // Published again: active again.
    mock.publish("room-1", "bob", "cam").unwrap();
    assert_eq!(media_code(mock.addr(), &state("cam")), 0);
}

#[test]
fn leaving_kicks_and_closing_the_room_stop_streams() {
    let mock = builder()
        .rate_limits(false)
        .user("room-2", "erin")
        .start()
        .unwrap();
    mock.default_world().set_stream_state_history(true);
    mock.publish("room-1", "alice", "a").unwrap();
    mock.publish("room-1", "bob", "b").unwrap();
    mock.publish("room-2", "erin", "e").unwrap();
    mock.set_online("room-1", "alice", false);
    let kick = request("KickoutUser", &[("RoomId", "room-1"), ("UserId[]", "bob")]);
    assert_eq!(code(mock.addr(), &kick), 0);
    assert_eq!(
        code(mock.addr(), &request("CloseRoom", &[("RoomId", "room-2")])),
        0
    );
    for stream in ["a", "b", "e"] {
        assert_eq!(media_code(mock.addr(), &state(stream)), 41006, "{stream}");
    }
}

#[test]
fn the_test_environment_asks_with_the_prefix() {
    let mock = start_everywhere();
    let world = mock.world(AppId::new(TEST_APP), true);
    world.publish("room-1", "alice", "cam").unwrap();
    let ask = |stream: &str| {
        let target = media(true, "DescribeRTCStreamState", &[("StreamId", stream)]);
        media_code(mock.addr(), &target)
    };
    assert_eq!(ask(&prefixed("cam")), 0);
    assert_eq!(ask("cam"), 30009, "without the prefix");
    assert_eq!(ask(&prefixed("other")), 41004);
}
