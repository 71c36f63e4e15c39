//! `ForbidRTCStreams` and `ResumeRTCStreams` (spec §13, §14): up to twenty stream IDs
//! at once, as the single calls do one; a bad list applies nothing (30006).

mod common;

use common::*;
use zego_core::Batched;
use zego_core::actions::ForbidRTCStreams;

const MAX_STREAMS: usize = ForbidRTCStreams::MAX_PER_REQUEST;

fn batch(action: &str, streams: &[&str]) -> String {
    let params: Vec<(&str, &str)> = streams.iter().map(|s| ("StreamId[]", *s)).collect();
    media(false, action, &params)
}

fn forbidden(mock: &zego_mock::MockServer) -> Vec<String> {
    let records = mock.streams().into_iter().filter(|r| r.forbidden);
    records.map(|r| r.stream_id).collect()
}

#[test]
fn the_vendors_examples_forbid_then_resume_two_streams() {
    let mock = start();
    mock.publish("room-1", "alice", "rtc01").unwrap();
    for (action, left) in [("ForbidRTCStreams", 2), ("ResumeRTCStreams", 0)] {
        let target = format!(
            "/?Action={action}&StreamId[]=rtc01&StreamId[]=rtc02&Sequence={}&{}",
            sequence(),
            public(APP, SECRET)
        );
        let response = get(mock.addr(), &target);
        assert_eq!(response.media_code(), 0, "{action}");
        assert_eq!(response.json()["Message"], "ok");
        assert_eq!(forbidden(&mock).len(), left, "{action}");
        assert!(
            mock.rooms()[0].streams.is_empty(),
            "alice's publish stopped"
        );
    }
}

#[test]
fn a_list_of_1_to_20_with_duplicates_once() {
    let mock = start();
    let twenty: Vec<String> = (0..MAX_STREAMS).map(|n| format!("s{n:02}")).collect();
    let mut streams: Vec<&str> = twenty.iter().map(String::as_str).collect();
    streams.push("s00");
    assert_eq!(
        media_code(mock.addr(), &batch("ForbidRTCStreams", &streams)),
        30006,
        "21"
    );
    assert!(forbidden(&mock).is_empty());
    streams.pop();
    assert_eq!(
        media_code(mock.addr(), &batch("ForbidRTCStreams", &streams)),
        0,
        "20"
    );
    assert_eq!(forbidden(&mock), twenty);
    let twice = batch("ResumeRTCStreams", &["s00", "s01", "s00"]);
    assert_eq!(media_code(mock.addr(), &twice), 0);
    assert_eq!(forbidden(&mock).len(), MAX_STREAMS - 2);
}

#[test]
fn any_bad_element_is_30006_and_nothing_is_applied() {
    let mock = start();
    let too_long = "s".repeat(zego_core::validate::MAX_STREAM_ID_BYTES + 1);
    for action in ["ForbidRTCStreams", "ResumeRTCStreams"] {
        for (streams, what) in [
            (vec![], "no element"),
            (vec!["ok", ""], "an empty one"),
            (vec!["ok", too_long.as_str()], "a long one"),
            (vec!["ok", "a b"], "a bad character"),
        ] {
            let target = batch(action, &streams);
            assert_eq!(media_code(mock.addr(), &target), 30006, "{action}: {what}");
        }
        let bare = media(false, action, &[("StreamId", "ok")]);
        assert_eq!(media_code(mock.addr(), &bare), 30006, "no brackets");
    }
    assert!(mock.streams().is_empty(), "nothing applied");
    let encoded = format!(
        "/?Action=ForbidRTCStreams&StreamId%5B%5D=ok&Sequence={}&{}",
        sequence(),
        public(APP, SECRET)
    );
    assert_eq!(
        media_code(mock.addr(), &encoded),
        0,
        "brackets percent-encoded"
    );
    assert_eq!(forbidden(&mock), ["ok"]);
}
