//! What the five media-service calls share (spec §0.2, §0.4, §0.5, §16): their envelope
//! (`"ok"`, `"Data": null` on errors), the test environment's stream-ID prefix, the
//! `Sequence` rule, and their throttling code, 30002.

mod common;

use std::time::Duration;

use common::*;
use zego_core::AppId;
use zego_mock::SEQUENCE_WINDOW;

/// The five calls, each with its stream parameter.
const CALLS: [(&str, &str); 5] = [
    ("ForbidRTCStream", "StreamId"),
    ("ResumeRTCStream", "StreamId"),
    ("ForbidRTCStreams", "StreamId[]"),
    ("ResumeRTCStreams", "StreamId[]"),
    ("DescribeRTCStreamState", "StreamId"),
];

/// `action` on `stream` with the given `Sequence`, for `APP` in production.
fn with_sequence(action: &str, key: &str, stream: &str, sequence: &str) -> String {
    request(action, &[(key, stream), ("Sequence", sequence)])
}

/// A code that is not an answer (0 or, for the state, 41004).
fn applied(code: i64) -> bool {
    code == 0 || code == 41004
}

#[test]
fn errors_carry_null_data_and_the_message_of_the_code() {
    let mock = start();
    for (action, key) in CALLS {
        let response = get(mock.addr(), &media(false, action, &[(key, "a b")]));
        assert!(matches!(response.media_code(), 30006 | 30009), "{action}");
        let json = response.json();
        assert!(
            json["Message"]
                .as_str()
                .unwrap()
                .starts_with("invalid StreamId")
        );
        let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["Code", "Data", "Message", "RequestId"], "{json}");
    }
    // An IsTest that is neither true nor false: 30004 (2 for room signalling).
    let target = format!(
        "{}&IsTest=yes",
        media(false, "ForbidRTCStream", &[("StreamId", "s")])
    );
    assert_eq!(media_code(mock.addr(), &target), 30004);
}

#[test]
fn the_test_environment_requires_the_prefix_and_takes_it_off() {
    let mock = start_everywhere();
    let world = mock.world(AppId::new(TEST_APP), true);
    world.publish("room-1", "alice", "cam").unwrap();
    for (action, key) in CALLS {
        let bare = media(true, action, &[(key, "cam")]);
        let batch = key.ends_with("[]");
        assert_eq!(
            media_code(mock.addr(), &bare),
            if batch { 30006 } else { 30009 },
            "{action}"
        );
        let another_app = media(true, action, &[(key, "zegotest-1234-cam")]);
        assert!(!applied(media_code(mock.addr(), &another_app)), "{action}");
    }
    assert!(world.streams()[0].publishing, "nothing applied");
    // A batch with one unprefixed element applies nothing.
    let mixed = [
        ("StreamId[]", prefixed("x")),
        ("StreamId[]", "y".to_owned()),
    ];
    let mixed: Vec<(&str, &str)> = mixed.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        media_code(mock.addr(), &media(true, "ForbidRTCStreams", &mixed)),
        30006
    );
    assert_eq!(world.streams().len(), 1);
    // With the prefix, the stream as published.
    let forbid = media(true, "ForbidRTCStream", &[("StreamId", &prefixed("cam"))]);
    assert_eq!(media_code(mock.addr(), &forbid), 0);
    let record = &world.streams()[0];
    assert_eq!((record.stream_id.as_str(), record.forbidden), ("cam", true));
    assert!(world.rooms()[0].streams.is_empty(), "its publish stopped");
    // The prefix alone names no stream: an empty stream ID.
    let empty = media(true, "ResumeRTCStream", &[("StreamId", &prefixed(""))]);
    assert_eq!(media_code(mock.addr(), &empty), 2);
    // Production takes IDs as they are, prefix or not.
    let production = media(false, "ForbidRTCStream", &[("StreamId", &prefixed("cam"))]);
    assert_eq!(media_code(mock.addr(), &production), 0);
    assert_eq!(mock.streams()[0].stream_id, prefixed("cam"));
}

#[test]
fn a_sequence_is_a_decimal_number() {
    let mock = start();
    for (action, key) in CALLS {
        for bad in [
            "",
            "x",
            "-1",
            "+1",
            "1.5",
            "18446744073709551616",
            &"0".repeat(21),
        ] {
            let target = with_sequence(action, key, "s", bad);
            assert_eq!(media_code(mock.addr(), &target), 2, "{action} {bad:?}");
        }
        let missing = request(action, &[(key, "s")]);
        assert_eq!(media_code(mock.addr(), &missing), 2, "{action}: none");
    }
    assert!(mock.streams().is_empty());
    let largest = with_sequence("ForbidRTCStream", "StreamId", "s", "18446744073709551615");
    assert_eq!(media_code(mock.addr(), &largest), 0);
}

#[test]
fn a_sequence_that_does_not_increase_for_a_stream_is_refused_with_2() {
    let mock = start();
    let call = |action: &str, key: &str, stream: &str, sequence: u64| {
        media_code(
            mock.addr(),
            &with_sequence(action, key, stream, &sequence.to_string()),
        )
    };
    assert_eq!(call("ForbidRTCStream", "StreamId", "a", 10), 0);
    // The five calls share one sequence per stream.
    let stale = with_sequence("ResumeRTCStream", "StreamId", "a", "10");
    let response = get(mock.addr(), &stale);
    assert_eq!(response.media_code(), 2);
    let message = response.json()["Message"].as_str().unwrap().to_owned();
    assert!(message.contains("Sequence"), "the rule is named: {message}");
    assert!(mock.streams()[0].forbidden, "nothing changed");
    assert_eq!(call("DescribeRTCStreamState", "StreamId", "a", 9), 2);
    assert_eq!(call("ResumeRTCStreams", "StreamId[]", "a", 5), 2);
    assert_eq!(call("DescribeRTCStreamState", "StreamId", "a", 11), 41004);
    assert_eq!(call("ResumeRTCStream", "StreamId", "a", 12), 0);
    // Another stream has its own.
    assert_eq!(call("ForbidRTCStream", "StreamId", "b", 1), 0);
    // A batch with one stale stream applies nothing, to any of its streams.
    let batch = |sequence: &str| {
        let params = [
            ("StreamId[]", "c"),
            ("StreamId[]", "b"),
            ("Sequence", sequence),
        ];
        media_code(mock.addr(), &request("ForbidRTCStreams", &params))
    };
    assert_eq!(batch("1"), 2);
    assert!(!mock.streams().iter().any(|r| r.stream_id == "c"));
    assert_eq!(
        call("ForbidRTCStream", "StreamId", "c", 1),
        0,
        "c's was not recorded"
    );
    assert_eq!(batch("2"), 0);
    // A request refused for its parameters records nothing.
    let params = [
        ("StreamId[]", "b"),
        ("StreamId[]", "a b"),
        ("Sequence", "99"),
    ];
    let refused = request("ResumeRTCStreams", &params);
    assert_eq!(media_code(mock.addr(), &refused), 30006);
    assert_eq!(call("ResumeRTCStream", "StreamId", "b", 3), 0);
}

#[test]
fn after_10_seconds_any_sequence_is_accepted_again() {
    assert_eq!(SEQUENCE_WINDOW, Duration::from_secs(10));
    let mock = start();
    let forbid = |sequence: &str| {
        media_code(
            mock.addr(),
            &with_sequence("ForbidRTCStream", "StreamId", "s", sequence),
        )
    };
    assert_eq!(forbid("100"), 0);
    std::thread::sleep(SEQUENCE_WINDOW - Duration::from_secs(2));
    assert_eq!(forbid("100"), 2, "still within 10 s");
    std::thread::sleep(Duration::from_secs(2) + Duration::from_millis(200));
    assert_eq!(forbid("1"), 0, "10 s after the last accepted one");
}

#[test]
fn over_the_budget_is_30002_in_each_environment() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    // The test environment: 5/s.
    let codes: Vec<i64> = (0..15)
        .map(|_| {
            let target = media(
                true,
                "DescribeRTCStreamState",
                &[("StreamId", &prefixed("s"))],
            );
            conn.get(&target).media_code()
        })
        .collect();
    assert_eq!(codes[..5], [41004; 5], "{codes:?}");
    assert!(codes.contains(&30002), "{codes:?}");
    assert!(
        codes.iter().all(|c| [41004, 30002].contains(c)),
        "{codes:?}"
    );
    // Production: 20/s per call, apart from the test environment's.
    let codes: Vec<i64> = (0..45)
        .map(|n| {
            conn.get(&media(
                false,
                "ForbidRTCStream",
                &[("StreamId", &format!("s{n}"))],
            ))
            .media_code()
        })
        .collect();
    assert_eq!(codes[..20], [0; 20], "{codes:?}");
    assert!(codes.contains(&30002), "{codes:?}");
    let throttled = codes.iter().filter(|c| **c == 30002).count();
    assert_eq!(
        mock.streams().len(),
        45 - throttled,
        "a throttled forbid applies nothing"
    );
}
