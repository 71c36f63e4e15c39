//! Every call meets a throttled answer and a transient one, each retried: one table
//! ([`rows`]) with a row per call, which [`run`] plays through any [`TestClient`], and
//! [`conformance_tests!`](crate::conformance_tests) makes one `#[test]` per call, so that
//! a failure names the call.
//!
//! For each row and each of its two codes, a fresh mock answers the call's first request
//! with the code (the mock's `code` fault, once, for that action: nothing is processed),
//! and the call must succeed on its second attempt, with the effect of one call in the
//! world. The throttled code is the one of the call's group (room signalling 206, or 207
//! for a call with a per-room budget; media service 30002), waited out for at least half
//! of the default throttled wait of 1 s; the transient code is the call's own where the
//! vendor lists one (121 for a broadcast, 123 for AddStream, 42001 for a forbid, ...),
//! else 1. A media-service call's retry carries a fresh, greater `Sequence`; every retry
//! a fresh nonce.

use std::time::{Duration, Instant};

use zego_core::actions::{
    AddStream, CloseRoom, DelForbidUserRule, DeleteStream, DescribeForbidUserRules,
    DescribeRTCStreamState, DescribeSimpleStreamList, DescribeUserList, DescribeUserNum,
    DescribeUsers, ForbidRTCStream, ForbidRTCStreams, ForbidTarget, KickoutUser, MessageCategory,
    Privilege, ResumeRTCStream, ResumeRTCStreams, RuleType, SendBarrageMessage,
    SendBroadcastMessage, SendCustomCommand, SetForbidUserRule, StreamState,
};
use zego_core::{Action, CodeClass, Error, Group, ReturnCode};
use zego_mock::{Fault, FaultKind, MessageKind, MockServer};

use crate::streams::sequences;
use crate::{Limit, Spec, TestClient, contents, online, param, spec, start_mock};

/// Every call of the API, by name: the table must have a row for each.
pub const CALLS: [&str; 19] = [
    SendCustomCommand::NAME,
    SendBroadcastMessage::NAME,
    SendBarrageMessage::NAME,
    KickoutUser::NAME,
    DescribeUsers::NAME,
    DescribeUserList::NAME,
    DescribeUserNum::NAME,
    CloseRoom::NAME,
    DescribeSimpleStreamList::NAME,
    AddStream::NAME,
    DeleteStream::NAME,
    ForbidRTCStream::NAME,
    ResumeRTCStream::NAME,
    ForbidRTCStreams::NAME,
    ResumeRTCStreams::NAME,
    DescribeRTCStreamState::NAME,
    SetForbidUserRule::NAME,
    DescribeForbidUserRules::NAME,
    DelForbidUserRule::NAME,
];

/// One call of the table.
pub struct Row<T> {
    /// The call's `Action`, from its core type.
    pub name: &'static str,
    /// Its group, from its core type.
    pub group: Group,
    /// The throttled code answered first.
    pub throttled: ReturnCode,
    /// The transient code answered first.
    pub transient: ReturnCode,
    /// The client's own pacing: the vendor's budgets, but for a call whose budget would
    /// hold the retry far longer than the server's answer does.
    pub limit: Limit,
    /// Makes the world the call needs (through the mock, or through the client), before
    /// the fault is injected and the request log cleared.
    pub setup: fn(&MockServer, &T),
    /// Makes the call, checks its reply, and gives its attempts.
    pub make: fn(&T) -> Result<u32, Error>,
    /// Checks the call's effect in the world: that of one call.
    pub effect: fn(&MockServer),
}

/// A row for the call `A`: its name and group from the core type, its throttled code
/// from the group (207 when the call has a per-room budget), `transient` as given.
fn row<A: Action, T>(
    transient: ReturnCode,
    setup: fn(&MockServer, &T),
    make: fn(&T) -> Result<u32, Error>,
    effect: fn(&MockServer),
) -> Row<T> {
    let throttled = match A::GROUP {
        Group::MediaService => ReturnCode::MEDIA_QPS_LIMIT,
        _ if A::BUDGET.room_rate().is_some() => ReturnCode::ROOM_QPS_LIMIT,
        _ => ReturnCode::APP_QPS_LIMIT,
    };
    Row {
        name: A::NAME,
        group: A::GROUP,
        throttled,
        transient,
        limit: Limit::Vendor,
        setup,
        make,
        effect,
    }
}

fn nothing<T>(_: &MockServer, _: &T) {}

/// A query changes nothing: everyone is still where the world put them.
fn unchanged(mock: &MockServer) {
    for (room, user) in [("room-1", "alice"), ("room-1", "bob"), ("room-2", "dave")] {
        assert_eq!(online(mock, room, user), Some(true), "{user}");
    }
    assert!(mock.inbox("alice").is_empty());
}

/// alice and bob, online in room-1, have one message each, of the kind `is_kind` takes.
fn each_once(mock: &MockServer, is_kind: fn(&MessageKind) -> bool) {
    for user in ["alice", "bob"] {
        let inbox = mock.inbox(user);
        assert_eq!(inbox.len(), 1, "{user}");
        assert!(is_kind(&inbox[0].kind), "{user}: {inbox:?}");
    }
}

fn stream(mock: &MockServer, stream_id: &str) -> zego_mock::StreamRecord {
    mock.streams()
        .into_iter()
        .find(|s| s.stream_id == stream_id)
        .unwrap_or_else(|| panic!("{stream_id} not in the world"))
}

fn publish_alice_cam<T>(mock: &MockServer, _: &T) {
    mock.publish("room-1", "alice", "alice-cam")
        .expect("alice publishes");
}

fn room_rule() -> SetForbidUserRule {
    SetForbidUserRule::new(
        ForbidTarget::room("room-9"),
        [Privilege::Login],
        Duration::from_secs(60),
    )
}

fn set_room_rule<T: TestClient>(_: &MockServer, client: &T) {
    client.call(room_rule()).expect("set");
}

/// The table: a row per call.
pub fn rows<T: TestClient>() -> Vec<Row<T>> {
    let transient = ReturnCode::REQUEST_FAILED;
    vec![
        row::<SendCustomCommand, T>(
            ReturnCode::CUSTOM_MESSAGE_SEND_FAILED,
            nothing,
            |client| {
                let command = SendCustomCommand::to_users("room-1", "server", ["alice"], "again");
                let reply = client.call(command)?;
                assert!(reply.all_delivered(), "{reply:?}");
                Ok(reply.attempts)
            },
            |mock| assert_eq!(contents(mock, "alice"), ["again"]),
        ),
        row::<SendBroadcastMessage, T>(
            ReturnCode::BROADCAST_SAVE_FAILED,
            nothing,
            |client| {
                let reply = client.call(SendBroadcastMessage::new(
                    "room-1",
                    "server",
                    MessageCategory::Chat,
                    "again",
                ))?;
                assert_eq!(reply.data.message_id, Some(1), "the room's first");
                Ok(reply.attempts)
            },
            |mock| each_once(mock, |kind| matches!(kind, MessageKind::Broadcast { .. })),
        ),
        row::<SendBarrageMessage, T>(
            transient,
            nothing,
            |client| {
                let reply = client.call(SendBarrageMessage::new(
                    "room-1",
                    "server",
                    MessageCategory::Chat,
                    "again",
                ))?;
                let id = reply.data.message_id.clone().expect("a MessageId");
                assert!(id.ends_with("_1"), "the room's first: {id}");
                Ok(reply.attempts)
            },
            |mock| each_once(mock, |kind| matches!(kind, MessageKind::Barrage { .. })),
        ),
        row::<KickoutUser, T>(
            transient,
            nothing,
            |client| Ok(client.call(KickoutUser::new("room-1", ["alice"]))?.attempts),
            |mock| {
                assert_eq!(online(mock, "room-1", "alice"), Some(false));
                assert_eq!(online(mock, "room-1", "bob"), Some(true));
            },
        ),
        row::<DescribeUsers, T>(
            transient,
            nothing,
            |client| {
                let reply = client.call(DescribeUsers::new("room-1", ["alice", "carol"]))?;
                let statuses: Vec<u32> = reply
                    .users()
                    .expect("users")
                    .iter()
                    .map(|u| u.status)
                    .collect();
                assert_eq!(statuses, [1, 0]);
                Ok(reply.attempts)
            },
            unchanged,
        ),
        row::<DescribeUserList, T>(
            transient,
            nothing,
            |client| {
                let reply = client.call(DescribeUserList::new("room-1"))?;
                let users: Vec<&str> = reply
                    .data
                    .users()
                    .expect("users")
                    .iter()
                    .map(|u| u.user_id.as_str())
                    .collect();
                assert_eq!(users, ["alice", "bob"]);
                assert_eq!(reply.data.marker.as_deref(), Some(""), "the last page");
                Ok(reply.attempts)
            },
            unchanged,
        ),
        row::<DescribeUserNum, T>(
            transient,
            nothing,
            |client| {
                let reply = client.call(DescribeUserNum::new(["room-1"]))?;
                assert_eq!(reply.counts().expect("counts")[0].user_count, 2);
                Ok(reply.attempts)
            },
            unchanged,
        ),
        row::<CloseRoom, T>(
            transient,
            nothing,
            |client| Ok(client.call(CloseRoom::new("room-1"))?.attempts),
            |mock| {
                let room = mock
                    .rooms()
                    .into_iter()
                    .find(|r| r.room_id == "room-1")
                    .expect("room-1");
                assert!(room.closed && !room.open, "{room:?}");
                assert_eq!(online(mock, "room-2", "dave"), Some(true));
            },
        ),
        Row {
            // Its budget of 1 per 10 s per room would hold the retry for 10 s: the
            // client's pacing of it is checked by the mock's 207 elsewhere.
            limit: Limit::Off,
            ..row::<DescribeSimpleStreamList, T>(
                ReturnCode::LIST_FAILED,
                publish_alice_cam,
                |client| {
                    let reply = client.call(DescribeSimpleStreamList::new("room-1"))?;
                    let streams: Vec<&str> = reply
                        .streams()
                        .expect("streams")
                        .iter()
                        .map(|s| s.stream_id.as_str())
                        .collect();
                    assert_eq!(streams, ["alice-cam"]);
                    Ok(reply.attempts)
                },
                |mock| assert!(stream(mock, "alice-cam").listed),
            )
        },
        row::<AddStream, T>(
            ReturnCode::STREAM_SET_FAILED,
            nothing,
            |client| {
                Ok(client
                    .call(AddStream::new("room-2", "Server-Administrator", "movie"))?
                    .attempts)
            },
            |mock| {
                let movie = stream(mock, "movie");
                assert!(movie.listed && !movie.publishing, "{movie:?}");
            },
        ),
        row::<DeleteStream, T>(
            ReturnCode::STREAM_DELETE_FAILED,
            |mock, _| {
                mock.publish("room-2", "dave", "dave-cam")
                    .expect("dave publishes")
            },
            |client| {
                Ok(client
                    .call(DeleteStream::new(
                        "room-2",
                        "Server-Administrator",
                        "dave-cam",
                    ))?
                    .attempts)
            },
            |mock| {
                let cam = stream(mock, "dave-cam");
                assert!(!cam.listed && cam.publishing, "{cam:?}");
            },
        ),
        row::<ForbidRTCStream, T>(
            ReturnCode::FORBID_FAILED,
            publish_alice_cam,
            |client| Ok(client.call(ForbidRTCStream::new("alice-cam"))?.attempts),
            |mock| {
                let cam = stream(mock, "alice-cam");
                assert!(cam.forbidden && !cam.publishing, "{cam:?}");
            },
        ),
        row::<ResumeRTCStream, T>(
            ReturnCode::RESUME_FAILED,
            |_, client| {
                client
                    .call(ForbidRTCStream::new("alice-cam"))
                    .expect("forbidden");
            },
            |client| Ok(client.call(ResumeRTCStream::new("alice-cam"))?.attempts),
            |mock| assert!(mock.streams().iter().all(|s| !s.forbidden)),
        ),
        row::<ForbidRTCStreams, T>(
            ReturnCode::BATCH_FORBID_FAILED,
            nothing,
            |client| {
                Ok(client
                    .call(ForbidRTCStreams::new(["cam-a", "cam-b"]))?
                    .attempts)
            },
            |mock| {
                let forbidden: Vec<String> = mock
                    .streams()
                    .into_iter()
                    .filter(|s| s.forbidden)
                    .map(|s| s.stream_id)
                    .collect();
                assert_eq!(forbidden, ["cam-a", "cam-b"]);
            },
        ),
        row::<ResumeRTCStreams, T>(
            ReturnCode::BATCH_RESUME_FAILED,
            |_, client| {
                client
                    .call(ForbidRTCStreams::new(["cam-a", "cam-b"]))
                    .expect("forbidden");
            },
            |client| {
                Ok(client
                    .call(ResumeRTCStreams::new(["cam-a", "cam-b"]))?
                    .attempts)
            },
            |mock| assert!(mock.streams().iter().all(|s| !s.forbidden)),
        ),
        row::<DescribeRTCStreamState, T>(
            ReturnCode::MEDIA_INTERNAL_ERROR_30003,
            publish_alice_cam,
            |client| {
                let reply = client.call(DescribeRTCStreamState::new("alice-cam"))?;
                assert_eq!(reply.state(), Some(StreamState::Active));
                Ok(reply.attempts)
            },
            |mock| assert!(stream(mock, "alice-cam").publishing),
        ),
        row::<SetForbidUserRule, T>(
            transient,
            nothing,
            |client| {
                let reply = client.call(room_rule())?;
                assert!(reply.data.expire_time.is_some(), "{reply:?}");
                Ok(reply.attempts)
            },
            |mock| {
                let rooms: Vec<String> = mock.rules().into_iter().map(|r| r.room_id).collect();
                assert_eq!(rooms, ["room-9"]);
            },
        ),
        row::<DescribeForbidUserRules, T>(
            transient,
            set_room_rule,
            |client| {
                let reply = client.call(DescribeForbidUserRules::new(RuleType::Room))?;
                let rooms: Vec<&str> = reply
                    .rules()
                    .expect("rules")
                    .iter()
                    .map(|r| r.room_id.as_str())
                    .collect();
                assert_eq!(rooms, ["room-9"]);
                Ok(reply.attempts)
            },
            |mock| assert_eq!(mock.rules().len(), 1),
        ),
        row::<DelForbidUserRule, T>(
            transient,
            set_room_rule,
            |client| {
                Ok(client
                    .call(DelForbidUserRule::new(ForbidTarget::room("room-9")))?
                    .attempts)
            },
            |mock| assert!(mock.rules().is_empty()),
        ),
    ]
}

/// The table has a row for every call, once, and the test file a test for every row
/// (`listed`: the calls `conformance_tests!` names).
pub fn assert_covers<T: TestClient>(listed: &[&str]) {
    let names: Vec<&str> = rows::<T>().iter().map(|r| r.name).collect();
    assert_eq!(names, CALLS, "a row per call, in the order of the API");
    assert_eq!(listed, CALLS, "a test per row");
}

/// Plays the row of `call`: a throttled answer, then (on a fresh mock) a transient one,
/// each retried once.
pub fn run<T: TestClient>(call: &str) {
    let row = rows::<T>()
        .into_iter()
        .find(|r| r.name == call)
        .unwrap_or_else(|| panic!("no row for {call}"));
    let cases = [
        ("throttled", row.throttled, CodeClass::Throttled),
        ("transient", row.transient, CodeClass::Transient),
    ];
    for (label, code, class) in cases {
        let context = format!("{call}, {label} ({})", code.get());
        assert_eq!(
            code.class(row.group),
            class,
            "{context}: its class in the group"
        );
        let mock = start_mock();
        let client = T::build(&Spec {
            limit: row.limit,
            ..spec(&mock)
        });
        (row.setup)(&mock, &client);
        mock.reset();
        mock.inject(Fault::new(FaultKind::Code(code)).action(call));
        let started = Instant::now();
        let attempts = (row.make)(&client).unwrap_or_else(|e| panic!("{context}: {e}"));
        let took = started.elapsed();
        eprintln!("{context}: {attempts} attempts in {took:?}");
        assert_eq!(attempts, 2, "{context}");
        let log = mock.requests();
        let answered: Vec<Option<ReturnCode>> = log.iter().map(|r| r.code).collect();
        assert_eq!(
            answered,
            [Some(code), Some(ReturnCode::SUCCESS)],
            "{context}"
        );
        assert!(log.iter().all(|r| r.action.as_deref() == Some(call)));
        if class == CodeClass::Throttled {
            assert!(
                took >= Duration::from_millis(500),
                "{context}: a throttled retry waits at least half a second: {took:?}"
            );
        }
        assert_ne!(
            param(&log[0], "SignatureNonce"),
            param(&log[1], "SignatureNonce"),
            "{context}: signed afresh"
        );
        if row.group == Group::MediaService {
            let sequences = sequences(&log);
            assert!(
                sequences[0] < sequences[1],
                "{context}: a fresh Sequence per attempt: {sequences:?}"
            );
        }
        (row.effect)(&mock);
    }
}
