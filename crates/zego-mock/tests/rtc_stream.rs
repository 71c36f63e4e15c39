//! `ForbidRTCStream` and `ResumeRTCStream` (spec §11, §12): one stream ID forbidden on
//! the media service (known or not), or allowed again; a forbidden publish stops. Their
//! rules, each with its code.

mod common;

use common::*;
use serde_json::json;
use zego_core::validate::MAX_STREAM_ID_BYTES;
use zego_mock::PublishError;

fn forbid(stream: &str) -> String {
    media(false, "ForbidRTCStream", &[("StreamId", stream)])
}

fn resume(stream: &str) -> String {
    media(false, "ResumeRTCStream", &[("StreamId", stream)])
}

#[test]
fn the_vendors_examples_answer_ok_with_null_data() {
    let mock = start();
    for action in ["ForbidRTCStream", "ResumeRTCStream"] {
        let target = format!(
            "/?Action={action}&StreamId=rtc01&Sequence={}&{}",
            sequence(),
            public(APP, SECRET)
        );
        let response = get(mock.addr(), &target);
        assert_eq!(response.media_code(), 0, "{action}");
        let json = response.json();
        assert_eq!(
            (&json["Message"], &json["Data"]),
            (&json!("ok"), &json!(null))
        );
    }
}

#[test]
fn a_forbid_stops_the_publish_and_takes_it_off_the_list() {
    let mock = start();
    mock.publish("room-1", "alice", "cam").unwrap();
    assert_eq!(media_code(mock.addr(), &forbid("cam")), 0);
    assert!(mock.rooms()[0].streams.is_empty(), "off the list");
    assert_eq!(
        get(mock.addr(), "/_mock/streams").json(),
        json!([{"room_id": null, "user_id": null, "stream_id": "cam", "forbidden": true,
                "listed": false, "publishing": false}])
    );
    let state = media(false, "DescribeRTCStreamState", &[("StreamId", "cam")]);
    assert_eq!(media_code(mock.addr(), &state), 41004, "stopped");
    // Publishing it again is refused until it is resumed; the same forbid again changes
    // nothing.
    assert_eq!(
        mock.publish("room-1", "alice", "cam"),
        Err(PublishError::Forbidden)
    );
    let body = json!({"room_id": "room-1", "user_id": "alice", "stream_id": "cam"});
    let refused = post_json(mock.addr(), "/_mock/streams", &body.to_string());
    assert_eq!(refused.status, 403);
    assert!(
        refused.json()["error"]
            .as_str()
            .unwrap()
            .contains("1003025")
    );
    assert_eq!(media_code(mock.addr(), &forbid("cam")), 0);
    assert_eq!(media_code(mock.addr(), &resume("cam")), 0);
    assert!(mock.streams().is_empty());
    mock.publish("room-1", "alice", "cam").unwrap();
    assert_eq!(
        mock.rooms()[0].streams.len(),
        1,
        "the mock does not restart it"
    );
}

#[test]
fn a_stream_that_does_not_exist_is_forbidden_ahead_of_time() {
    let mock = start();
    assert_eq!(media_code(mock.addr(), &forbid("later")), 0);
    assert_eq!(mock.streams()[0].stream_id, "later");
    assert!(mock.streams()[0].forbidden);
    assert_eq!(
        mock.publish("room-1", "bob", "later"),
        Err(PublishError::Forbidden)
    );
    // Resuming what is not forbidden answers 0 and changes nothing.
    assert_eq!(media_code(mock.addr(), &resume("never")), 0);
    assert_eq!(mock.streams().len(), 1);
    // An added stream may carry a forbidden ID, and stays listed.
    let add = [
        ("RoomId", "room-1"),
        ("UserId", "srv"),
        ("StreamId", "later"),
    ];
    assert_eq!(code(mock.addr(), &request("AddStream", &add)), 0);
    let record = &mock.streams()[0];
    assert_eq!((record.forbidden, record.listed), (true, true));
}

#[test]
fn stream_ids_follow_the_vendors_rules() {
    let mock = start();
    let longest = "s".repeat(MAX_STREAM_ID_BYTES);
    let too_long = format!("{longest}s");
    let punctuation = "a~!@#$%^&*()_+=-`;',.<>/\\’";
    for call in [forbid, resume] {
        for (stream, expected) in [
            ("", 2),
            (too_long.as_str(), 30009),
            ("with space", 30009),
            ("流", 30009),
            ("a?b", 30009),
            ("a|b", 30009),
            (longest.as_str(), 0),
            (punctuation, 0),
        ] {
            let response = get(mock.addr(), &call(stream));
            assert_eq!(response.media_code(), expected, "{stream:?}");
        }
    }
    let no_id = media(false, "ForbidRTCStream", &[]);
    assert_eq!(media_code(mock.addr(), &no_id), 2);
    assert!(mock.streams().is_empty(), "all resumed");
}
