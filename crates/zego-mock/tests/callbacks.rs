//! The callbacks the mock sends: every change of its world reaches a receiver built on
//! the SDK (`zego_core::callbacks::Receiver`), signed, with the vendor's fields and JSON
//! types, retried on the vendor's schedule, in order per room, and listed by
//! `GET /_mock/callbacks`.

mod common;
mod receiver;

use std::time::{Duration, Instant, SystemTime};

use common::*;
use receiver::{CallbackReceiver, Plan};
use serde_json::{Value, json};
use zego_core::AppId;
use zego_core::callbacks::{
    AuthLevel, Callback, Event, Lifecycles, LogoutReason, RoomCloseReason, StreamCloseType, Verdict,
};
use zego_mock::{App, CallbackDelivery, CallbackSecret, MockServer, MockServerBuilder};
use zego_token::{ServerSecret, TokenBuilder};

const CALLBACK_SECRET: &str = "mock-callback-secret";

/// A mock of `APP` alone that sends its callbacks to `receiver`, retrying after
/// `base_ms`, 2 × `base_ms`, ...
fn sending_to(receiver: &CallbackReceiver, base_ms: u64) -> MockServerBuilder {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .callbacks(
            receiver.url(),
            CallbackSecret::new(CALLBACK_SECRET).unwrap(),
        )
        .callback_retry_base(Duration::from_millis(base_ms))
}

/// The deliveries once there are at least `count` and none is pending (30 s at most).
fn settled(mock: &MockServer, count: usize) -> Vec<CallbackDelivery> {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let deliveries = mock.callbacks();
        if deliveries.len() >= count && deliveries.iter().all(|d| !d.pending) {
            return deliveries;
        }
        assert!(
            Instant::now() < deadline,
            "not settled after 30 s: {deliveries:#?}"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn names(callbacks: &[Callback]) -> Vec<&str> {
    callbacks.iter().map(Callback::name).collect()
}

fn body_json(body: &str) -> Value {
    serde_json::from_str(body).unwrap()
}

fn users_post(mock: &MockServer, body: Value) {
    let response = post_json(mock.addr(), "/_mock/users", &body.to_string());
    assert_eq!(response.status, 200);
}

fn streams_post(mock: &MockServer, body: Value) {
    let response = post_json(mock.addr(), "/_mock/streams", &body.to_string());
    assert_eq!(response.status, 200, "{:?}", response.json());
}

#[test]
fn every_change_reaches_the_receiver_verified_read_and_in_lifecycle_order() {
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, |_| Plan::Verify);
    let mock = sending_to(&receiver, 50)
        .user("room-1", "alice") // before the server starts: sent once it runs
        .start()
        .unwrap();
    users_post(
        &mock,
        json!({"room_id": "room-1", "user_id": "bob", "online": true, "user_name": "Bob"}),
    );
    let token = TokenBuilder::new(AppId::new(APP), "carol")
        .generate(&ServerSecret::new(SECRET).unwrap())
        .unwrap();
    let login = json!({"room_id": "room-1", "user_id": "carol", "token": token.as_str()});
    assert_eq!(
        post_json(mock.addr(), "/_mock/login", &login.to_string()).status,
        200
    );
    streams_post(
        &mock,
        json!({"room_id": "room-1", "user_id": "alice", "stream_id": "alice-cam",
               "publishing": true}),
    );
    streams_post(
        &mock,
        json!({"room_id": "room-1", "stream_id": "alice-cam", "publishing": false}),
    );
    mock.publish("room-1", "bob", "bob-cam").unwrap();
    let kick = request("KickoutUser", &[("RoomId", "room-1"), ("UserId[]", "bob")]);
    assert_eq!(code(mock.addr(), &kick), 0);
    users_post(
        &mock,
        json!({"room_id": "room-1", "user_id": "carol", "online": false}),
    );
    mock.set_online("room-1", "alice", false);

    let expected = [
        "room_create",
        "room_login",
        "room_login",
        "room_login",
        "stream_create",
        "stream_close",
        "stream_create",
        "stream_close",
        "room_logout",
        "room_logout",
        "room_logout",
        "room_close",
    ];
    let deliveries = settled(&mock, expected.len());
    assert_eq!(deliveries.len(), expected.len(), "{deliveries:#?}");
    for d in &deliveries {
        assert!(d.delivered, "{d:?}");
        assert_eq!(d.room_id, "room-1");
        assert_eq!(d.attempts.len(), 1, "{d:?}");
        assert_eq!(d.attempts[0].status, Some(200));
    }
    let accepted = receiver.accepted();
    assert_eq!(names(&accepted), expected);
    let logged: Vec<&str> = deliveries.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(logged, expected);

    // A receiver that keeps room, user and stream lists takes every event as new.
    let mut lists = Lifecycles::new();
    for callback in &accepted {
        assert_eq!(
            lists.apply(&callback.event, Instant::now()).verdict,
            Verdict::Applied,
            "{callback:#?}"
        );
    }
    assert!(lists.room("room-1").is_none(), "the room closed");

    // The fields, as the vendor writes them.
    let now = zego_core::unix_seconds(SystemTime::now()).unsigned_abs();
    for (callback, delivery) in accepted.iter().zip(&deliveries) {
        assert_eq!(callback.common.app_id, Some(AppId::new(APP)));
        let sent = callback.common.timestamp.unwrap();
        assert!(sent <= now && sent + 60 > now, "a fresh timestamp: {sent}");
        assert!(!matches!(callback.event, Event::Invalid(_) | Event::Other));
        // The log shows the body the receiver got.
        assert_eq!(
            body_json(&delivery.body),
            body_json(&body_of(&receiver, callback))
        );
        // Room events have numeric common fields, the others strings (spec §7).
        let body = body_json(&delivery.body);
        let numeric = callback.name().starts_with("room_c");
        assert_eq!(body["appid"].is_number(), numeric, "{body}");
        assert_eq!(body["timestamp"].is_number(), numeric, "{body}");
        assert!(body["nonce"].is_string() && body["signature"].is_string());
    }
    let Event::RoomCreate(create) = &accepted[0].event else {
        unreachable!()
    };
    assert_eq!(create.id_name, "alice");
    let create_body = body_json(&deliveries[0].body);
    assert!(create_body["room_session_id"].is_u64(), "{create_body}");
    assert!(create_body["room_create_time"].is_string(), "{create_body}");
    let logins: Vec<(&str, &str, Option<AuthLevel>)> = accepted[1..4]
        .iter()
        .map(|c| match &c.event {
            Event::RoomLogin(l) => (
                l.user_account.as_str(),
                l.user_nickname.as_str(),
                l.auth_level,
            ),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        logins,
        [
            ("alice", "alice", Some(AuthLevel::NoToken)),
            ("bob", "Bob", Some(AuthLevel::NoToken)),
            ("carol", "carol", Some(AuthLevel::Token04)),
        ]
    );
    let Event::StreamCreate(stream) = &accepted[4].event else {
        unreachable!()
    };
    assert_eq!(
        (stream.room(), stream.user(), stream.stream()),
        ("room-1", "alice", "alice-cam")
    );
    assert_eq!(stream.room_session_id, create.room_session_id);
    let Event::StreamClose(closed) = &accepted[5].event else {
        unreachable!()
    };
    assert_eq!(closed.close_type, StreamCloseType::Normal);
    assert_eq!(closed.stream_sid, stream.stream_sid);
    let Event::StreamClose(kicked_stream) = &accepted[7].event else {
        unreachable!()
    };
    assert_eq!(kicked_stream.close_type, StreamCloseType::KickedOut);
    let reasons: Vec<(&str, LogoutReason)> = accepted[8..11]
        .iter()
        .map(|c| match &c.event {
            Event::RoomLogout(l) => (l.user_account.as_str(), l.reason),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        reasons,
        [
            ("bob", LogoutReason::KickedOut),
            ("carol", LogoutReason::Normal),
            ("alice", LogoutReason::Normal),
        ]
    );
    let Event::RoomClose(close) = &accepted[11].event else {
        unreachable!()
    };
    assert_eq!(close.room_session_id, create.room_session_id);
    assert_eq!(close.close_reason, RoomCloseReason::Normal);

    // The control API lists the same deliveries.
    let listed = get(mock.addr(), "/_mock/callbacks").json();
    assert_eq!(listed.as_array().unwrap().len(), expected.len());
    let first = &listed[0];
    assert_eq!(first["event"], "room_create");
    assert_eq!(first["room_id"], "room-1");
    assert_eq!(first["delivered"], true);
    assert_eq!(first["pending"], false);
    assert_eq!(first["attempts"][0]["status"], 200);
    assert!(first["attempts"][0]["at_ms"].as_u64().unwrap() > 1_700_000_000_000);
    assert_eq!(first["attempts"][0]["error"], Value::Null);
    assert_eq!(first["body"], deliveries[0].body.as_str());
}

/// The body the receiver got for `callback`.
fn body_of(receiver: &CallbackReceiver, callback: &Callback) -> String {
    receiver
        .seen()
        .into_iter()
        .find(|s| s.callback.as_ref() == Some(callback))
        .map(|s| s.body)
        .unwrap()
}

#[test]
fn a_receiver_that_answers_500_twice_gets_the_third_delivery_on_schedule() {
    let base = 50u64;
    let failures = std::sync::atomic::AtomicUsize::new(0);
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, move |_| {
        if failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 2 {
            Plan::Status(500)
        } else {
            Plan::Verify
        }
    });
    let mock = sending_to(&receiver, base).start().unwrap();
    mock.set_online("room-1", "alice", true);
    let deliveries = settled(&mock, 2);

    let create = &deliveries[0];
    assert_eq!(create.event, "room_create");
    assert!(create.delivered);
    let statuses: Vec<Option<u16>> = create.attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200)]);
    let at: Vec<u64> = create.attempts.iter().map(|a| a.at_ms).collect();
    // Retries follow the failed attempt by 1 and 2 times the base (the machine may be
    // slow, so only a generous upper bound).
    assert!(at[1] - at[0] >= base, "{at:?}");
    assert!(at[1] - at[0] < base + 2000, "{at:?}");
    assert!(at[2] - at[1] >= 2 * base, "{at:?}");
    assert!(at[2] - at[1] < 2 * base + 2000, "{at:?}");

    // What the receiver saw: the same three, then the login (which waited its turn).
    let seen = receiver.seen();
    let statuses: Vec<Option<u16>> = seen.iter().map(|s| s.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(200), Some(200)]);
    assert!(seen[1].at - seen[0].at >= Duration::from_millis(base));
    assert!(seen[2].at - seen[1].at >= Duration::from_millis(2 * base));
    assert_eq!(names(&receiver.accepted()), ["room_create", "room_login"]);
    // Each delivery has its own nonce and signature.
    let nonces: Vec<Value> = seen[..3]
        .iter()
        .map(|s| body_json(&s.body)["nonce"].clone())
        .collect();
    assert!(
        nonces[0] != nonces[1] && nonces[1] != nonces[2],
        "{nonces:?}"
    );
    assert_eq!(
        body_json(&create.body),
        body_json(&seen[2].body),
        "the last body"
    );
}

#[test]
fn a_wrong_secret_is_refused_and_the_callback_dropped_after_five_retries() {
    let receiver = CallbackReceiver::start("the-receivers-secret", |_| Plan::Verify);
    let mock = sending_to(&receiver, 5).start().unwrap();
    mock.set_online("room-1", "alice", true);
    let deliveries = settled(&mock, 2);
    for d in &deliveries {
        assert!(!d.delivered, "{d:?}");
        let statuses: Vec<Option<u16>> = d.attempts.iter().map(|a| a.status).collect();
        assert_eq!(statuses, [Some(401); 6], "{d:?}");
    }
    assert!(receiver.accepted().is_empty());
    assert_eq!(receiver.seen().len(), 12);
    let listed = get(mock.addr(), "/_mock/callbacks").json();
    assert_eq!(listed[0]["delivered"], false);
    assert_eq!(listed[0]["pending"], false);
}

#[test]
fn no_answer_within_3_s_is_a_failed_attempt() {
    let hung = std::sync::atomic::AtomicBool::new(false);
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, move |_| {
        if hung.swap(true, std::sync::atomic::Ordering::SeqCst) {
            Plan::Verify
        } else {
            Plan::Hang
        }
    });
    let mock = sending_to(&receiver, 50).start().unwrap();
    mock.set_online("room-1", "alice", true);
    let deliveries = settled(&mock, 2);
    let attempts = &deliveries[0].attempts;
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0].status, None);
    assert_eq!(attempts[0].error.as_deref(), Some("no answer within 3 s"));
    assert_eq!(attempts[1].status, Some(200));
    let waited = attempts[1].at_ms - attempts[0].at_ms;
    assert!((3050..6000).contains(&waited), "{waited} ms");
    assert!(deliveries.iter().all(|d| d.delivered));
}

#[test]
fn an_unreachable_receiver_is_retried_then_dropped() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mock = MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .callbacks(
            format!("http://127.0.0.1:{port}/"),
            CallbackSecret::new(CALLBACK_SECRET).unwrap(),
        )
        .callback_retry_base(Duration::from_millis(5))
        .user("room-1", "alice")
        .start()
        .unwrap();
    let deliveries = settled(&mock, 2);
    for d in &deliveries {
        assert!(!d.delivered);
        assert_eq!(d.attempts.len(), 6);
        for attempt in &d.attempts {
            assert_eq!(attempt.status, None);
            let error = attempt.error.as_deref().unwrap();
            assert!(error.to_lowercase().contains("connect"), "{error}");
            assert!(!error.contains(CALLBACK_SECRET));
        }
    }
}

#[test]
fn a_rooms_events_wait_for_the_one_before_and_other_rooms_do_not() {
    // room-a's first event is delivered at its fourth attempt, 200 + 400 + 800 ms after
    // the first: room-b's four events have all that time to get through.
    let base = 200u64;
    let room_a_failures = std::sync::atomic::AtomicUsize::new(0);
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, move |body| {
        let room_a_create =
            body.contains(r#""event":"room_create""#) && body.contains(r#""room_id":"room-a""#);
        if room_a_create && room_a_failures.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < 3 {
            Plan::Status(503)
        } else {
            Plan::Verify
        }
    });
    let mock = sending_to(&receiver, base).start().unwrap();
    mock.set_online("room-a", "alice", true);
    mock.set_online("room-a", "bob", true);
    mock.set_online("room-b", "carol", true);
    mock.set_online("room-b", "carol", false);
    let deliveries = settled(&mock, 7);
    assert!(deliveries.iter().all(|d| d.delivered), "{deliveries:#?}");
    let statuses: Vec<Option<u16>> = deliveries[0].attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(503), Some(503), Some(503), Some(200)]);

    let of_room = |room: &str| -> Vec<String> {
        receiver
            .seen()
            .iter()
            .filter(|s| s.body.contains(&format!(r#""room_id":"{room}""#)))
            .map(|s| format!("{} {:?}", body_json(&s.body)["event"], s.status))
            .collect()
    };
    // room-a: nothing else is sent before its room_create is delivered, then in order.
    assert_eq!(
        of_room("room-a"),
        [
            r#""room_create" Some(503)"#,
            r#""room_create" Some(503)"#,
            r#""room_create" Some(503)"#,
            r#""room_create" Some(200)"#,
            r#""room_login" Some(200)"#,
            r#""room_login" Some(200)"#,
        ]
    );
    // room-b went on meanwhile: all of it arrived before room-a's create got through.
    let seen = receiver.seen();
    let a_through = seen
        .iter()
        .position(|s| s.status == Some(200) && s.body.contains("room-a"))
        .unwrap();
    let b_done = seen
        .iter()
        .rposition(|s| s.body.contains("room-b"))
        .unwrap();
    assert!(b_done < a_through, "room-b waited for room-a: {seen:#?}");
    assert_eq!(
        of_room("room-b"),
        [
            r#""room_create" Some(200)"#,
            r#""room_login" Some(200)"#,
            r#""room_logout" Some(200)"#,
            r#""room_close" Some(200)"#,
        ]
    );
}

#[test]
fn every_world_sends_reset_clears_the_log_and_without_a_url_nothing_is_kept() {
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, |_| Plan::Verify);
    let mock = sending_to(&receiver, 50).start().unwrap();
    mock.world(AppId::new(APP), true)
        .set_online("room-1", "alice", true);
    let deliveries = settled(&mock, 2);
    assert!(deliveries.iter().all(|d| d.delivered));
    let accepted = receiver.accepted();
    assert_eq!(accepted[0].common.app_id, Some(AppId::new(APP)));
    assert_eq!(
        post_json(mock.addr(), "/_mock/reset", "").status,
        200,
        "reset"
    );
    assert!(mock.callbacks().is_empty());
    assert_eq!(get(mock.addr(), "/_mock/callbacks").json(), json!([]));
    assert_eq!(post_json(mock.addr(), "/_mock/callbacks", "{}").status, 405);

    let quiet = start();
    quiet.set_online("room-1", "dave", true);
    assert!(quiet.callbacks().is_empty());
}

#[test]
fn only_plain_http_callback_urls_are_accepted() {
    for url in ["https://127.0.0.1:8443/", "127.0.0.1:8080", "not a url"] {
        let error = MockServer::builder()
            .app(App::new(AppId::new(APP), SECRET))
            .callbacks(url, CallbackSecret::new(CALLBACK_SECRET).unwrap())
            .start()
            .unwrap_err();
        assert_eq!(error.kind(), std::io::ErrorKind::InvalidInput, "{url}");
        assert!(!error.to_string().contains(CALLBACK_SECRET));
    }
    let builder = MockServer::builder().callbacks(
        "http://127.0.0.1:1/",
        CallbackSecret::new(CALLBACK_SECRET).unwrap(),
    );
    assert!(
        !format!("{builder:?}").contains(CALLBACK_SECRET),
        "redacted"
    );
}

#[test]
fn the_room_and_stream_calls_send_the_vendors_events() {
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, |_| Plan::Verify);
    let mock = sending_to(&receiver, 50)
        .rate_limits(false)
        .user("room-1", "alice")
        .user("room-1", "bob")
        .start()
        .unwrap();
    streams_post(
        &mock,
        json!({"room_id": "room-1", "user_id": "alice", "stream_id": "cam",
               "title": "Live", "extra_info": "{\"seat\":1}"}),
    );
    let stream = [("RoomId", "room-1"), ("UserId", "srv"), ("StreamId", "cdn")];
    assert_eq!(
        code(mock.addr(), &request("AddStream", &stream)),
        0,
        "no event"
    );
    let delete = [("RoomId", "room-1"), ("UserId", "srv"), ("StreamId", "cam")];
    assert_eq!(code(mock.addr(), &request("DeleteStream", &delete)), 0);
    mock.publish("room-1", "bob", "bob-cam").unwrap();
    let forbid = media(false, "ForbidRTCStream", &[("StreamId", "bob-cam")]);
    assert_eq!(media_code(mock.addr(), &forbid), 0);
    mock.publish("room-1", "alice", "a2").unwrap();
    let close = request("CloseRoom", &[("RoomId", "room-1")]);
    assert_eq!(code(mock.addr(), &close), 0);
    mock.set_online("room-2", "erin", true);
    let params = [("RoomId", "room-2"), ("RoomCloseCallback", "true")];
    assert_eq!(code(mock.addr(), &request("CloseRoom", &params)), 0);

    let expected = [
        "room_create",
        "room_login",
        "room_login",
        "stream_create",
        "stream_close",
        "stream_create",
        "stream_close",
        "stream_create",
        "stream_close",
        "room_logout",
        "room_logout",
        "room_create",
        "room_login",
        "room_logout",
        "room_close",
    ];
    // In the order of the changes; each room's in that order at the receiver too (the
    // rooms' go in parallel).
    let deliveries = settled(&mock, expected.len());
    let logged: Vec<&str> = deliveries.iter().map(|d| d.event.as_str()).collect();
    assert_eq!(logged, expected);
    // What the receiver read of each, in the order of the changes.
    let seen = receiver.seen();
    let accepted: Vec<Callback> = deliveries
        .iter()
        .map(|d| {
            let read = seen
                .iter()
                .find(|s| s.body == d.body && s.callback.is_some());
            read.and_then(|s| s.callback.clone())
                .expect("verified and read")
        })
        .collect();
    let Event::StreamCreate(created) = &accepted[3].event else {
        unreachable!()
    };
    assert_eq!(created.stream(), "cam");
    assert_eq!(created.title.as_deref(), Some("Live"));
    assert_eq!(created.extra_info.as_deref(), Some("{\"seat\":1}"));
    let closes: Vec<(&str, StreamCloseType)> = [4, 6, 8]
        .iter()
        .map(|n| match &accepted[*n].event {
            Event::StreamClose(c) => (c.stream_id.as_deref().unwrap(), c.close_type),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        closes,
        [
            ("cam", StreamCloseType::DeleteStream),
            ("bob-cam", StreamCloseType::Normal),
            ("a2", StreamCloseType::RoomCleared),
        ]
    );
    for n in [9, 10, 13] {
        let Event::RoomLogout(logout) = &accepted[n].event else {
            unreachable!()
        };
        assert_eq!(logout.reason, LogoutReason::KickedOut, "{logout:?}");
    }
    let Event::RoomClose(closed) = &accepted[14].event else {
        unreachable!()
    };
    assert_eq!(
        (closed.room_id.as_str(), closed.close_reason),
        ("room-2", RoomCloseReason::Normal)
    );
}
