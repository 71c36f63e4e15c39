//! The scenarios of every call, through any [`TestClient`], against zego-mock.

use std::collections::HashSet;
use std::time::Instant;

use zego_core::actions::{
    DescribeUserNum, KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand,
};
use zego_core::{CodeClass, Error, Problem, ReturnCode};
use zego_mock::{Fault, FaultKind, MessageKind, MockServer};

use crate::{
    BIG_ROOM, Spec, TestClient, assert_clean, contents, fan_out_users, online, spec, spec_for,
    start_mock,
};

fn to_alice(content: &str) -> SendCustomCommand {
    SendCustomCommand::to_users("room-1", "server", ["alice"], content)
}

// ---------------------------------------------------------------------------------------
// The client

/// The client is `Send + Sync + Clone`, and its `Debug` never shows the secret.
pub fn the_client_is_shared_and_keeps_its_secret<T: TestClient>() {
    let client: T::Client = spec_for("http://127.0.0.1:9".to_owned()).build();
    let clone = client.clone();
    let debug = format!("{client:?} {clone:?}");
    assert!(!debug.contains(crate::SECRET), "{debug}");
    assert!(debug.contains("Gcra"), "the default budgets: {debug}");
    let wrong: T::Client = Spec {
        secret: crate::WRONG_SECRET.to_owned(),
        ..spec_for("http://127.0.0.1:9".to_owned())
    }
    .build();
    assert!(!format!("{wrong:?}").contains(crate::WRONG_SECRET));
}

// ---------------------------------------------------------------------------------------
// SendCustomCommand

/// A message to two users reaches exactly them, once, with its content intact.
pub fn targeted_send<T: TestClient>() {
    targeted_send_on::<T>(&start_mock());
}

/// [`targeted_send`] against `mock`, over plain HTTP or TLS.
pub fn targeted_send_on<T: TestClient>(mock: &MockServer) {
    let client = T::build(&spec(mock));
    let content = "héllo & 你好 = 100% {\"k\":[1,2]} +";
    let reply = client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice", "bob"],
            content,
        ))
        .expect("sent");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(reply.attempts, 1);
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].request_id.as_deref(),
        Some(reply.request_id.as_str())
    );
    for user in ["alice", "bob"] {
        let inbox = mock.inbox(user);
        assert_eq!(inbox.len(), 1, "{user}");
        assert_eq!(inbox[0].content, content);
        assert_eq!(inbox[0].room_id, "room-1");
        assert_eq!(inbox[0].from_user_id, "server");
    }
    assert!(mock.inbox("carol").is_empty());
    assert!(mock.inbox("dave").is_empty());
}

/// A whole-room message reaches everyone online in the room but the sender.
pub fn whole_room_send<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(SendCustomCommand::to_room("room-1", "alice", "everyone"))
        .expect("sent");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(contents(&mock, "bob"), ["everyone"]);
    assert!(mock.inbox("alice").is_empty(), "never to the sender");
    assert!(mock.inbox("carol").is_empty(), "offline");
    assert!(mock.inbox("dave").is_empty(), "another room");
}

/// Targets that are not online come back in `FailUsers` while the call succeeds.
pub fn offline_targets_in_fail_users<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice", "carol", "nobody"],
            "hi",
        ))
        .expect("the call succeeds");
    assert!(!reply.all_delivered());
    let failed: HashSet<(&str, ReturnCode)> = reply
        .failed_users()
        .iter()
        .map(|u| (u.user_id.as_str(), u.code))
        .collect();
    assert_eq!(
        failed,
        HashSet::from([
            ("carol", ReturnCode::USER_NOT_ONLINE),
            ("nobody", ReturnCode::USER_NOT_ONLINE)
        ])
    );
    assert_eq!(contents(&mock, "alice"), ["hi"]);
    assert!(mock.inbox("carol").is_empty());
}

/// A fan-out to 25 users makes 3 calls and reaches every inbox exactly once.
pub fn fan_out_to_25_users<T: TestClient>() {
    fan_out_to_25_users_on::<T>(&start_mock());
}

/// [`fan_out_to_25_users`] against `mock`, over plain HTTP or TLS.
pub fn fan_out_to_25_users_on<T: TestClient>(mock: &MockServer) {
    let client = T::build(&spec(mock));
    let users = fan_out_users();
    let reply = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            users.clone(),
            "to all 25",
        ))
        .expect("valid");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(reply.calls, 3);
    assert_eq!(reply.attempts, 3);
    assert_eq!(reply.request_ids.len(), 3);
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    for (request, id) in requests.iter().zip(&reply.request_ids) {
        assert_eq!(request.request_id.as_deref(), Some(id.as_str()));
    }
    for user in &users {
        assert_eq!(contents(mock, user), ["to all 25"], "{user}");
    }
}

/// A call of a fan-out that fails as a whole is reported with its users; the others
/// are delivered.
pub fn fan_out_reports_a_failed_call<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::PARAMETER_ERROR)));
    let users = fan_out_users();
    let reply = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            users.clone(),
            "partial",
        ))
        .expect("valid");
    assert!(!reply.all_delivered());
    assert_eq!(reply.calls, 3);
    assert_eq!(reply.failed_chunks.len(), 1);
    assert_eq!(reply.failed_chunks[0].items, users[..10].to_vec());
    assert_eq!(
        reply.failed_chunks[0].error.code(),
        Some(ReturnCode::PARAMETER_ERROR)
    );
    assert_eq!(reply.undelivered_user_ids().len(), 10);
    for (i, user) in users.iter().enumerate() {
        let expected = usize::from(i >= 10);
        assert_eq!(mock.inbox(user).len(), expected, "{user}");
    }
}

/// A fan-out whose message is invalid is rejected before anything is sent.
pub fn fan_out_rejects_an_invalid_message<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let err = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            fan_out_users(),
            "",
        ))
        .unwrap_err();
    assert_eq!(err.field(), "MessageContent");
    assert!(mock.requests().is_empty());
}

/// TLS with the ring provider: a handshake with a server that does not speak TLS fails
/// before the request is written, so it counts as "not sent" and is retried, and the
/// mock never sees a request.
pub fn tls_handshake_failure_is_not_sent<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec_for(format!("https://{}", mock.addr())));
    let error = client.call(to_alice("over tls")).unwrap_err();
    let text = error.to_string();
    eprintln!("tls: {text}");
    match &error {
        Error::Transport {
            source, attempts, ..
        } => {
            assert!(!source.may_have_been_sent, "{text}");
            assert_eq!(*attempts, 3, "{text}");
        }
        other => panic!("expected a transport failure, got {other:?}"),
    }
    assert!(text.contains("could not connect"), "{text}");
    assert_clean(&text, &mock.base_url());
    assert!(mock.requests().is_empty());
    assert!(mock.inbox("alice").is_empty());
}

/// How many sends the pacing test makes, and from how many threads.
pub const PACING_SENDS: usize = 300;
const PACING_THREADS: usize = 30;
/// The budget of `SendCustomCommand` for a production app.
pub const BUDGET_PER_SECOND: f64 = 100.0;

/// 300 sends through one client (its clones on 30 threads share one budget, so that
/// slots are reserved ahead) against a production app: the mock never answers 206, and
/// the client uses at least 95% of the 100/s budget.
pub fn pacing_uses_the_budget_without_206<T: TestClient>() {
    pacing_uses_the_budget_without_206_on::<T>(&start_mock());
}

/// [`pacing_uses_the_budget_without_206`] against `mock`, over plain HTTP or TLS.
pub fn pacing_uses_the_budget_without_206_on<T: TestClient>(mock: &MockServer) {
    let client = T::build(&spec(mock));
    let started = Instant::now();
    let threads: Vec<_> = (0..PACING_THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                (0..PACING_SENDS / PACING_THREADS)
                    .map(|i| {
                        client.call(SendCustomCommand::to_users(
                            "room-1",
                            "server",
                            ["alice"],
                            format!("{t}-{i}"),
                        ))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("no panic"))
        .collect();
    let elapsed = started.elapsed();
    let rate = PACING_SENDS as f64 / elapsed.as_secs_f64();
    eprintln!("pacing: {PACING_SENDS} sends in {elapsed:?}: {rate:.1}/s");

    for result in &results {
        let reply = result.as_ref().expect("every send succeeds");
        assert_eq!(reply.attempts, 1, "no retry was needed");
    }
    let requests = mock.requests();
    assert_eq!(requests.len(), PACING_SENDS);
    let throttled = requests
        .iter()
        .filter(|r| r.code == Some(ReturnCode::APP_QPS_LIMIT))
        .count();
    assert_eq!(throttled, 0, "the mock answered 206");
    assert!(requests.iter().all(|r| r.code == Some(ReturnCode::SUCCESS)));
    assert_eq!(mock.inbox("alice").len(), PACING_SENDS);
    assert!(
        rate >= 0.95 * BUDGET_PER_SECOND,
        "{rate:.1}/s is under 95% of the budget"
    );
    assert!(
        rate <= 1.01 * BUDGET_PER_SECOND,
        "{rate:.1}/s is over the budget"
    );
}

// ---------------------------------------------------------------------------------------
// SendBroadcastMessage

/// A broadcast reaches every online member of the room but the sender, as a broadcast,
/// with a MessageId that counts up per room.
pub fn broadcast_reaches_the_room_but_the_sender<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let first = client
        .call(
            SendBroadcastMessage::new("room-1", "alice", MessageCategory::Chat, "hi all")
                .user_name("Alice"),
        )
        .expect("sent");
    let second = client
        .call(SendBroadcastMessage::new(
            "room-1",
            "server",
            MessageCategory::System,
            "maintenance + 你好",
        ))
        .expect("sent");
    assert_eq!(first.data.message_id, Some(1));
    assert_eq!(second.data.message_id, Some(2), "a counter per room");
    let bob = mock.inbox("bob");
    assert_eq!(bob.len(), 2);
    assert!(bob.iter().all(|d| d.room_id == "room-1"));
    let ids: Vec<u64> = bob
        .iter()
        .map(|d| match &d.kind {
            MessageKind::Broadcast { message_id, .. } => *message_id,
            other => panic!("not a broadcast: {other:?}"),
        })
        .collect();
    assert_eq!(ids, [1, 2]);
    assert_eq!(bob[1].content, "maintenance + 你好");
    assert_eq!(
        contents(&mock, "alice"),
        ["maintenance + 你好"],
        "never to the sender"
    );
    assert!(mock.inbox("carol").is_empty(), "offline");
    assert!(mock.inbox("dave").is_empty(), "another room");
    // Another room counts on its own.
    let other = client
        .call(SendBroadcastMessage::new(
            "room-2",
            "server",
            MessageCategory::Chat,
            "x",
        ))
        .expect("sent");
    assert_eq!(other.data.message_id, Some(1));
}

/// A broadcast to a room nobody is in is 50001: a state, not retried; invalid content
/// never leaves.
pub fn broadcast_errors<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let error = client
        .call(SendBroadcastMessage::new(
            "no-room",
            "server",
            MessageCategory::Chat,
            "x",
        ))
        .unwrap_err();
    assert_eq!(error.code(), Some(ReturnCode::ROOM_NOT_FOUND));
    assert_eq!(error.class(), Some(CodeClass::State));
    assert_eq!(error.attempts(), 1);
    let error = client
        .call(SendBroadcastMessage::new(
            "room-1",
            "server",
            MessageCategory::Chat,
            "x".repeat(1025),
        ))
        .unwrap_err();
    let Error::Invalid(invalid) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(invalid.call(), "SendBroadcastMessage");
    assert_eq!(mock.requests().len(), 1, "the invalid one was not sent");
}

// ---------------------------------------------------------------------------------------
// KickoutUser

/// Kicked users are offline afterwards; users not in the room are ignored.
pub fn kick_takes_users_offline<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(KickoutUser::new("room-1", ["alice", "nobody"]).reason("踢出 + reason"))
        .expect("kicked");
    assert_eq!(reply.attempts, 1);
    assert_eq!(online(&mock, "room-1", "alice"), Some(false));
    assert_eq!(online(&mock, "room-1", "bob"), Some(true));
    // A kicked user no longer receives messages.
    client
        .call(SendCustomCommand::to_room(
            "room-1",
            "server",
            "after the kick",
        ))
        .expect("sent");
    assert!(mock.inbox("alice").is_empty());
    assert_eq!(contents(&mock, "bob"), ["after the kick"]);
    // Kicking the last online user closes the room: then it does not exist.
    client
        .call(KickoutUser::new("room-1", ["bob"]))
        .expect("kicked");
    let error = client
        .call(KickoutUser::new("room-1", ["bob"]))
        .unwrap_err();
    assert_eq!(error.code(), Some(ReturnCode::ROOM_NOT_FOUND));
}

/// Kicking 12 users is 3 requests of at most 5, every user in exactly one.
pub fn kick_fans_out_by_five<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let users: Vec<String> = fan_out_users().into_iter().take(12).collect();
    let reply = client
        .fan_out(KickoutUser::new(BIG_ROOM, users.clone()))
        .expect("valid");
    assert!(reply.is_complete(), "{reply:?}");
    assert_eq!((reply.calls, reply.request_ids.len()), (3, 3));
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    for user in fan_out_users() {
        let kicked = users.contains(&user);
        assert_eq!(online(&mock, BIG_ROOM, &user), Some(!kicked), "{user}");
    }
    // One request takes at most 5: more is an error that names the call and the field.
    let error = client
        .call(KickoutUser::new(BIG_ROOM, fan_out_users()))
        .unwrap_err();
    let Error::Invalid(invalid) = &error else {
        panic!("{error:?}");
    };
    assert_eq!(
        (invalid.call(), invalid.field()),
        ("KickoutUser", "UserId[]")
    );
    assert_eq!(
        invalid.problem(),
        &Problem::TooMany {
            limit: 5,
            count: 25
        }
    );
    assert_eq!(mock.requests().len(), 3);
}

// ---------------------------------------------------------------------------------------
// DescribeUserNum

/// Counts of online users, an unknown room counting 0, and 12 rooms as 2 requests whose
/// counts are merged in order.
pub fn user_counts<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(DescribeUserNum::new([
            "room-1", "room-2", "nowhere", BIG_ROOM,
        ]))
        .expect("counted");
    let counts: Vec<(&str, u32)> = reply
        .counts()
        .expect("counts")
        .iter()
        .map(|c| (c.room_id.as_str(), c.user_count))
        .collect();
    assert_eq!(
        counts,
        [("room-1", 2), ("room-2", 1), ("nowhere", 0), (BIG_ROOM, 25)]
    );
    let mut rooms: Vec<String> = (0..11).map(|i| format!("empty-{i}")).collect();
    rooms.push("room-1".into());
    let merged = client
        .fan_out(DescribeUserNum::new(rooms.clone()))
        .expect("valid");
    assert!(merged.is_complete());
    assert_eq!(merged.calls, 2);
    let order: Vec<&str> = merged.counts().iter().map(|c| c.room_id.as_str()).collect();
    assert_eq!(order, rooms);
    assert_eq!(merged.counts()[11].user_count, 2);
}

/// The query's budget is the vendor's (10/s): 25 queries through one client take about
/// 2.4 s and none is throttled.
pub fn user_counts_are_paced<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let started = Instant::now();
    for _ in 0..25 {
        client
            .call(DescribeUserNum::new(["room-1"]))
            .expect("counted");
    }
    let elapsed = started.elapsed();
    eprintln!("25 DescribeUserNum in {elapsed:?}");
    assert!(elapsed.as_secs_f64() >= 2.3, "{elapsed:?}: over 10/s");
    let requests = mock.requests();
    assert!(requests.iter().all(|r| r.code == Some(ReturnCode::SUCCESS)));
}
