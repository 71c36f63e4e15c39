//! The scenarios of the stream calls: a room's stream list (`AddStream`,
//! `DescribeSimpleStreamList`, `DeleteStream`) and the media service (`ForbidRTCStream(s)`,
//! `ResumeRTCStream(s)`, `DescribeRTCStreamState`, the test environment's prefix), through
//! any [`TestClient`], against zego-mock's world.
//!
//! `DescribeSimpleStreamList` may be asked once per 10 s per room: each scenario asks it
//! at most once per room, and reads the list from the world after that.

use std::time::{SystemTime, UNIX_EPOCH};

use zego_core::actions::{
    AddStream, CensorFlag, DeleteStream, DescribeRTCStreamState, DescribeSimpleStreamList,
    ForbidRTCStream, ForbidRTCStreams, ResumeRTCStream, ResumeRTCStreams, StreamState,
};
use zego_core::{AppId, CodeClass, ReturnCode};
use zego_mock::{App, LoggedRequest, MockServer, PublishError, StreamRecord};

use crate::{SECRET, Spec, TestClient, assert_final, param, spec, start_mock};

/// Unix milliseconds now.
fn now_ms() -> i64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970");
    i64::try_from(since.as_millis()).expect("ms")
}

/// The stream `stream_id` as the world lists it (the first record of that ID).
fn record(streams: &[StreamRecord], stream_id: &str) -> StreamRecord {
    streams
        .iter()
        .find(|s| s.stream_id == stream_id)
        .unwrap_or_else(|| panic!("{stream_id} not in {streams:?}"))
        .clone()
}

/// The values of the list parameter `key` (`StreamId[]`, say) of a logged request.
pub fn list_param<'q>(request: &'q LoggedRequest, key: &str) -> Vec<&'q str> {
    request
        .query
        .split('&')
        .filter_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .collect()
}

/// The `Sequence` of each logged request, in order.
pub fn sequences(log: &[LoggedRequest]) -> Vec<u64> {
    log.iter()
        .map(|r| param(r, "Sequence").parse().expect("a decimal Sequence"))
        .collect()
}

/// Each value greater than the one before, the first a millisecond timestamp of now.
fn assert_increasing(sequences: &[u64]) {
    assert!(
        sequences.windows(2).all(|w| w[0] < w[1]),
        "not increasing: {sequences:?}"
    );
    let first = i64::try_from(sequences[0]).expect("fits");
    assert!(
        (first - now_ms()).abs() < 60_000,
        "a timestamp in ms: {sequences:?}"
    );
}

// ---------------------------------------------------------------------------------------
// AddStream, DescribeSimpleStreamList, DeleteStream

/// `AddStream` puts a stream in the room's list, where `DescribeSimpleStreamList` shows
/// it after the one published there, numbered in the order they entered; it is not on
/// the media servers. `DeleteStream` takes it out (a published one goes on being
/// published); a stream not in the list is 138, a room that does not exist 50001, the
/// same stream under another user 1012.
pub fn added_stream_is_listed_then_deleted<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.publish("room-2", "dave", "dave-cam")
        .expect("dave publishes");
    let started = now_ms();
    client
        .call(
            AddStream::new("room-2", "Server-Administrator", "movie-1")
                .user_name("Admin")
                .title("电影 & more")
                .extra_info("{\"seat\": 1}")
                .censor_flag(CensorFlag::NotAllowed),
        )
        .expect("added");
    let list = client
        .call(DescribeSimpleStreamList::new("room-2"))
        .expect("listed");
    let streams: Vec<(&str, &str, &str, u32)> = list
        .streams()
        .expect("StreamList")
        .iter()
        .map(|s| {
            (
                s.stream_id.as_str(),
                s.user_id.as_str(),
                s.user_name.as_str(),
                s.stream_number_id,
            )
        })
        .collect();
    assert_eq!(
        streams,
        [
            ("dave-cam", "dave", "dave", 1),
            ("movie-1", "Server-Administrator", "Admin", 2)
        ]
    );
    let created = list.streams().expect("StreamList")[1].create_time;
    assert!(
        (started - 5..=now_ms()).contains(&created),
        "CreateTime in ms: {created}"
    );
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room-2")
        .expect("room-2");
    let added = room
        .streams
        .iter()
        .find(|s| s.stream_id == "movie-1")
        .expect("in the world's list");
    assert!(added.added, "{added:?}");
    assert_eq!(
        (
            added.title.as_str(),
            added.extra_info.as_str(),
            added.censor_flag
        ),
        ("电影 & more", "{\"seat\": 1}", 1)
    );
    // Announced, not published: the media service does not know it.
    let state = client
        .call(DescribeRTCStreamState::new("movie-1"))
        .expect("an answer");
    assert_eq!(state.state(), Some(StreamState::NotFound));
    // The same stream under another user: 1012; a room nobody is in: 50001.
    let conflict = client
        .call(AddStream::new("room-2", "someone-else", "movie-1"))
        .unwrap_err();
    assert_eq!(conflict.code(), Some(ReturnCode::STREAM_CONFLICT));
    let no_room = client
        .call(AddStream::new("no-room", "Server-Administrator", "x"))
        .unwrap_err();
    assert_eq!(no_room.code(), Some(ReturnCode::ROOM_NOT_FOUND));

    // DeleteStream takes both out of the list; dave goes on publishing his.
    for stream in ["movie-1", "dave-cam"] {
        client
            .call(DeleteStream::new("room-2", "Server-Administrator", stream))
            .expect("deleted");
    }
    let streams = mock.streams();
    assert!(streams.iter().all(|s| !s.listed), "{streams:?}");
    let dave = record(&streams, "dave-cam");
    assert!(dave.publishing, "{dave:?}");
    assert!(
        !streams.iter().any(|s| s.stream_id == "movie-1"),
        "{streams:?}"
    );
    // A stream not in the list: 138, a state, not retried.
    let unknown = DeleteStream::new("room-2", "Server-Administrator", "movie-1");
    assert_final(
        client.call(unknown),
        ReturnCode::STREAM_NOT_FOUND,
        CodeClass::State,
    );
    assert_eq!(mock.requests().len(), 8);
}

// ---------------------------------------------------------------------------------------
// ForbidRTCStream, ResumeRTCStream

/// A forbid stops the stream being published, takes it out of its room's list and marks
/// it forbidden in the world (a publish of it is refused); an ID of no stream is
/// recorded too. A resume lifts it. Every request carries a fresh `Sequence`, each
/// greater than the one before.
pub fn forbid_and_resume_one_stream<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.publish("room-1", "alice", "alice-cam")
        .expect("alice publishes");
    client
        .call(ForbidRTCStream::new("alice-cam"))
        .expect("forbidden");
    let alice = record(&mock.streams(), "alice-cam");
    assert!(
        alice.forbidden && !alice.publishing && !alice.listed,
        "{alice:?}"
    );
    assert_eq!(
        mock.publish("room-1", "alice", "alice-cam"),
        Err(PublishError::Forbidden)
    );
    // An ID of no stream: recorded, answered 0.
    client
        .call(ForbidRTCStream::new("later-cam"))
        .expect("forbidden");
    let later = record(&mock.streams(), "later-cam");
    assert!(later.forbidden && later.room_id.is_none(), "{later:?}");
    // Forbidden once more: 0, nothing changes.
    client
        .call(ForbidRTCStream::new("later-cam"))
        .expect("forbidden");

    client
        .call(ResumeRTCStream::new("alice-cam"))
        .expect("resumed");
    assert!(
        !mock.streams().iter().any(|s| s.stream_id == "alice-cam"),
        "neither forbidden nor published: the world no longer knows it"
    );
    mock.publish("room-1", "alice", "alice-cam")
        .expect("alice publishes again");
    let alice = record(&mock.streams(), "alice-cam");
    assert!(!alice.forbidden && alice.publishing, "{alice:?}");
    client
        .call(ResumeRTCStream::new("never-forbidden"))
        .expect("resumed");
    let log = mock.requests();
    assert!(log.iter().all(|r| r.code == Some(ReturnCode::SUCCESS)));
    assert_eq!(log.len(), 5);
    assert_increasing(&sequences(&log));
}

/// 25 streams forbidden and resumed in batches: 2 requests each (20 and 5), each with its
/// own `Sequence`; every stream forbidden in the world, then none.
pub fn forbid_and_resume_in_batches<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let streams: Vec<String> = (0..25).map(|i| format!("cam-{i:02}")).collect();
    mock.publish("room-1", "alice", "cam-00")
        .expect("alice publishes");
    let forbidden = client
        .fan_out(ForbidRTCStreams::new(streams.clone()))
        .expect("valid");
    assert!(forbidden.is_complete(), "{forbidden:?}");
    assert_eq!(forbidden.calls, 2);
    let world = mock.streams();
    assert_eq!(world.len(), 25);
    assert!(world.iter().all(|s| s.forbidden), "{world:?}");
    assert!(!record(&world, "cam-00").publishing, "its publish stopped");

    let resumed = client
        .fan_out(ResumeRTCStreams::new(streams.clone()))
        .expect("valid");
    assert!(resumed.is_complete(), "{resumed:?}");
    assert!(mock.streams().iter().all(|s| !s.forbidden));
    let log = mock.requests();
    let sizes: Vec<usize> = log
        .iter()
        .map(|r| list_param(r, "StreamId[]").len())
        .collect();
    assert_eq!(sizes, [20, 5, 20, 5]);
    let sent: Vec<&str> = log[..2]
        .iter()
        .flat_map(|r| list_param(r, "StreamId[]"))
        .collect();
    assert_eq!(sent, streams);
    assert!(log.iter().all(|r| r.code == Some(ReturnCode::SUCCESS)));
    assert_increasing(&sequences(&log));
}

// ---------------------------------------------------------------------------------------
// DescribeRTCStreamState

/// The three answers, returned as replies (`Reply::code`, `Reply::state`) and never
/// retried: 0 for a stream being published, with its start time; 41004 once it stopped
/// while the app has no stream-state history (and for an unknown stream); 41006 with
/// both times once the world's history switch is on.
pub fn stream_state_answers<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let started = now_ms() / 1000;
    mock.publish("room-2", "dave", "live")
        .expect("dave publishes");
    let active = client
        .call(DescribeRTCStreamState::new("live"))
        .expect("an answer");
    assert_eq!(
        (active.code, active.state()),
        (ReturnCode::SUCCESS, Some(StreamState::Active))
    );
    let created = active.data.create_time.expect("create_time");
    assert!(
        (started - 1..=now_ms() / 1000).contains(&created),
        "{created}"
    );
    assert_eq!(active.data.close_time, None);

    assert!(mock.stop_publishing("room-2", "live"));
    let stopped = client
        .call(DescribeRTCStreamState::new("live"))
        .expect("an answer, not an error");
    assert_eq!(
        (stopped.code, stopped.state()),
        (ReturnCode::STREAM_ID_NOT_FOUND, Some(StreamState::NotFound))
    );
    assert_eq!(
        (stopped.data.create_time, stopped.data.close_time),
        (None, None)
    );

    mock.default_world().set_stream_state_history(true);
    let closed = client
        .call(DescribeRTCStreamState::new("live"))
        .expect("an answer, not an error");
    assert_eq!(
        (closed.code, closed.state()),
        (ReturnCode::STREAM_CLOSED, Some(StreamState::Closed))
    );
    assert_eq!(closed.data.create_time, Some(created));
    let ended = closed.data.close_time.expect("close_time");
    assert!(ended >= created, "{ended} < {created}");

    let unknown = client
        .call(DescribeRTCStreamState::new("never"))
        .expect("an answer");
    assert_eq!(unknown.state(), Some(StreamState::NotFound));
    for reply in [&active, &stopped, &closed, &unknown] {
        assert_eq!(reply.attempts, 1, "an answer is not retried");
    }
    let log = mock.requests();
    assert_eq!(log.len(), 4);
    assert_increasing(&sequences(&log));
}

// ---------------------------------------------------------------------------------------
// The test environment

/// A test-only app with `IsTest=true`.
pub const TEST_APP: u32 = 1_111_111_111;

/// In the test environment the client adds `zegotest-<AppId>-` to the stream IDs of the
/// five media-service calls (once: not to one that has it), which the mock requires and
/// takes off; the room-signalling calls send the ID as it is.
pub fn test_environment_gets_the_stream_prefix<T: TestClient>() {
    let mock = MockServer::builder()
        .app(App::new(AppId::new(TEST_APP), SECRET).test_only())
        .user("room-t", "tess")
        .start()
        .expect("the mock starts");
    let world = mock.world(AppId::new(TEST_APP), true);
    world.publish("room-t", "tess", "cam").expect("publishes");
    let client = T::build(&Spec {
        app_id: AppId::new(TEST_APP),
        is_test: true,
        ..spec(&mock)
    });
    let prefix = format!("zegotest-{TEST_APP}-");

    let state = client
        .call(DescribeRTCStreamState::new("cam"))
        .expect("an answer");
    assert_eq!(state.state(), Some(StreamState::Active));
    client.call(ForbidRTCStream::new("cam")).expect("forbidden");
    let cam = record(&world.streams(), "cam");
    assert!(cam.forbidden && !cam.publishing, "{cam:?}");
    // Already prefixed: sent as it is.
    let state = client
        .call(DescribeRTCStreamState::new(format!("{prefix}cam")))
        .expect("an answer");
    assert_eq!(state.state(), Some(StreamState::NotFound), "stopped");
    client
        .fan_out(ResumeRTCStreams::new(["cam", "other"]))
        .expect("valid");
    assert!(world.streams().iter().all(|s| !s.forbidden));
    // Room signalling: the ID as it is.
    client
        .call(AddStream::new("room-t", "Server-Administrator", "cam-2"))
        .expect("added");
    assert!(record(&world.streams(), "cam-2").listed);

    let log = mock.requests();
    let answered: Vec<Option<ReturnCode>> = log.iter().map(|r| r.code).collect();
    let stopped = Some(ReturnCode::STREAM_ID_NOT_FOUND);
    let done = Some(ReturnCode::SUCCESS);
    assert_eq!(answered, [done, done, stopped, done, done]);
    assert!(log.iter().all(|r| param(r, "IsTest") == "true"));
    let sent: Vec<Vec<&str>> = log
        .iter()
        .map(|r| match param(r, "StreamId") {
            "" => list_param(r, "StreamId[]"),
            one => vec![one],
        })
        .collect();
    let prefixed = |id: &str| format!("{prefix}{id}");
    assert_eq!(
        sent,
        [
            vec![prefixed("cam").as_str()],
            vec![prefixed("cam").as_str()],
            vec![prefixed("cam").as_str()],
            vec![prefixed("cam").as_str(), prefixed("other").as_str()],
            vec!["cam-2"],
        ]
    );
}
