//! The JSON control API under `/_mock/`, as a program in another language would use it.

mod common;

use common::*;
use serde_json::json;

fn hello() -> String {
    command("room-1", "server", &["alice"], "hello")
}

#[test]
fn inbox_lists_deliveries_in_order() {
    let mock = start();
    let empty = get(mock.addr(), "/_mock/inbox/alice");
    assert_eq!(empty.status, 200);
    assert!(
        empty
            .header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    assert_eq!(empty.json(), json!([]));
    assert_eq!(code(mock.addr(), &hello()), 0);
    assert_eq!(
        code(mock.addr(), &command("room-1", "bob", &["alice"], "second")),
        0
    );
    assert_eq!(
        get(mock.addr(), "/_mock/inbox/alice").json(),
        json!([
            {"kind": "custom_command", "room_id": "room-1", "from_user_id": "server",
             "content": "hello"},
            {"kind": "custom_command", "room_id": "room-1", "from_user_id": "bob",
             "content": "second"},
        ])
    );
}

#[test]
fn inbox_user_ids_are_percent_decoded() {
    let mock = builder().user("room-1", "a b/é").start().unwrap();
    assert_eq!(
        code(mock.addr(), &command("room-1", "server", &["a b/é"], "hi")),
        0
    );
    let inbox = get(mock.addr(), "/_mock/inbox/a%20b%2F%C3%A9").json();
    assert_eq!(inbox[0]["content"], "hi");
}

#[test]
fn users_go_online_and_offline() {
    let mock = start();
    let response = post_json(
        mock.addr(),
        "/_mock/users",
        r#"{"room_id": "room-9", "user_id": "zoe", "online": true}"#,
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"ok": true}));
    assert!(
        get(mock.addr(), "/_mock/users")
            .json()
            .as_array()
            .unwrap()
            .contains(&json!({"room_id": "room-9", "user_id": "zoe", "online": true}))
    );
    assert_eq!(
        code(mock.addr(), &command("room-9", "server", &["zoe"], "hi")),
        0
    );
    assert_eq!(mock.inbox("zoe").len(), 1);

    post_json(
        mock.addr(),
        "/_mock/users",
        r#"{"room_id": "room-9", "user_id": "zoe", "online": false}"#,
    );
    assert_eq!(
        code(mock.addr(), &command("room-9", "server", &["zoe"], "hi")),
        50001
    );
    let users = get(mock.addr(), "/_mock/users").json();
    assert!(
        users
            .as_array()
            .unwrap()
            .contains(&json!({"room_id": "room-1", "user_id": "carol", "online": false}))
    );
}

#[test]
fn faults_are_posted_listed_and_applied() {
    let mock = start();
    let posted = post_json(
        mock.addr(),
        "/_mock/faults",
        r#"{"kind": "code", "code": 50013, "times": 2, "action": "SendCustomCommand"}"#,
    );
    assert_eq!(posted.json(), json!({"ok": true}));
    assert_eq!(
        get(mock.addr(), "/_mock/faults").json(),
        json!([{"kind": "code", "code": 50013, "times": 2, "action": "SendCustomCommand"}])
    );
    assert_eq!(code(mock.addr(), &hello()), 50013);
    assert_eq!(
        get(mock.addr(), "/_mock/faults").json()[0]["times"],
        1,
        "one use left"
    );
    assert_eq!(code(mock.addr(), &hello()), 50013);
    assert_eq!(get(mock.addr(), "/_mock/faults").json(), json!([]));

    // Every kind is accepted.
    for fault in [
        r#"{"kind": "delay", "delay_ms": 1}"#,
        r#"{"kind": "close_connection"}"#,
        r#"{"kind": "bad_gateway"}"#,
        r#"{"kind": "malformed_json"}"#,
        r#"{"kind": "truncated_body"}"#,
        r#"{"kind": "deliver_then_code", "code": 50013}"#,
        r#"{"kind": "deliver_then_close"}"#,
    ] {
        let response = post_json(mock.addr(), "/_mock/faults", fault);
        assert_eq!(response.status, 200, "{fault}");
    }
    let kinds: Vec<String> = get(mock.addr(), "/_mock/faults")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "delay",
            "close_connection",
            "bad_gateway",
            "malformed_json",
            "truncated_body",
            "deliver_then_code",
            "deliver_then_close"
        ]
    );
    // Applied in that order.
    assert_eq!(code(mock.addr(), &hello()), 0, "delayed, then answered");
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&hello());
    assert!(conn.closed_without_answer());
    assert_eq!(get(mock.addr(), &hello()).status, 502);
}

#[test]
fn requests_lists_the_log() {
    let mock = start();
    post_json(mock.addr(), "/_mock/faults", r#"{"kind": "bad_gateway"}"#);
    let target = hello();
    get(mock.addr(), &target);
    assert_eq!(code(mock.addr(), &target), 0);
    let log = get(mock.addr(), "/_mock/requests").json();
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 2, "control requests are not logged");
    assert_eq!(log[0]["action"], "SendCustomCommand");
    assert_eq!(log[0]["app_id"], "1234");
    assert_eq!(log[0]["query"], &target[2..]);
    assert_eq!(log[0]["code"], json!(null));
    assert_eq!(log[0]["request_id"], json!(null));
    assert_eq!(log[0]["fault"], json!({"kind": "bad_gateway"}));
    assert_eq!(log[1]["code"], 0);
    assert!(log[1]["request_id"].is_string());
    assert_eq!(log[1]["fault"], json!(null));
}

#[test]
fn requests_say_when_they_arrived() {
    let started = std::time::Instant::now();
    let mock = start();
    assert_eq!(code(mock.addr(), &hello()), 0);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(code(mock.addr(), &hello()), 0);
    let log = get(mock.addr(), "/_mock/requests").json();
    let at: Vec<u64> = log
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["at_ms"].as_u64().expect("at_ms is a number"))
        .collect();
    assert_eq!(at.len(), 2);
    assert!(at[1] >= at[0] + 300, "{at:?}");
    // Milliseconds since the mock started, which is after this test started.
    assert!(
        at[1] <= u64::try_from(started.elapsed().as_millis()).unwrap(),
        "{at:?}"
    );
    assert_eq!(mock.requests()[1].at_ms, at[1]);
}

#[test]
fn reset_clears_the_state_it_should() {
    let mock = start();
    assert_eq!(code(mock.addr(), &hello()), 0);
    post_json(mock.addr(), "/_mock/faults", r#"{"kind": "bad_gateway"}"#);
    let response = post_json(mock.addr(), "/_mock/reset", "");
    assert_eq!(response.json(), json!({"ok": true}));
    assert_eq!(get(mock.addr(), "/_mock/inbox/alice").json(), json!([]));
    assert_eq!(get(mock.addr(), "/_mock/requests").json(), json!([]));
    assert_eq!(get(mock.addr(), "/_mock/faults").json(), json!([]));
    assert_eq!(code(mock.addr(), &hello()), 0, "rooms and users are kept");
}

#[test]
fn bad_control_requests_get_json_errors() {
    let mock = start();
    for (status, response) in [
        (400, post_json(mock.addr(), "/_mock/users", "not json")),
        (
            400,
            post_json(mock.addr(), "/_mock/users", r#"{"room_id": "r"}"#),
        ),
        (
            400,
            post_json(mock.addr(), "/_mock/faults", r#"{"kind": "explode"}"#),
        ),
        (
            400,
            post_json(mock.addr(), "/_mock/faults", r#"{"kind": "code"}"#),
        ),
        (404, get(mock.addr(), "/_mock/nothing")),
        (404, get(mock.addr(), "/_mock")),
        (405, post_json(mock.addr(), "/_mock/requests", "{}")),
        (405, get(mock.addr(), "/_mock/reset")),
    ] {
        assert_eq!(response.status, status, "{response:?}");
        assert!(response.json()["error"].is_string(), "{response:?}");
    }
    // A body over the cap is refused, and the server goes on.
    let big = format!(
        r#"{{"room_id": "{}", "user_id": "u", "online": true}}"#,
        "r".repeat(100_000)
    );
    let response = post_json(mock.addr(), "/_mock/users", &big);
    assert_eq!(response.status, 400);
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn streams_start_and_stop_as_a_client_publishes() {
    let mock = start();
    let publish =
        |body: serde_json::Value| post_json(mock.addr(), "/_mock/streams", &body.to_string());
    let response = publish(
        json!({"room_id": "room-1", "user_id": "alice", "stream_id": "cam",
                                  "publishing": true}),
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), json!({"ok": true}));
    let rooms = get(mock.addr(), "/_mock/rooms").json();
    assert_eq!(rooms[0]["streams"][0]["stream_id"], "cam");
    assert_eq!(rooms[0]["streams"][0]["user_id"], "alice");
    assert_eq!(mock.rooms()[0].streams.len(), 1);

    // Refusals: 409, and nothing changes.
    for (body, words) in [
        (
            json!({"room_id": "room-1", "user_id": "carol", "stream_id": "c", "publishing": true}),
            "not online",
        ),
        (
            json!({"room_id": "room-1", "user_id": "bob", "stream_id": "cam", "publishing": true}),
            "already published",
        ),
    ] {
        let response = publish(body);
        assert_eq!(response.status, 409);
        let error = response.json()["error"].as_str().unwrap().to_owned();
        assert!(error.contains(words), "{error}");
    }
    assert_eq!(
        publish(json!({"room_id": "room-1", "stream_id": "x", "publishing": true})).status,
        400
    );
    assert_eq!(
        publish(json!({"room_id": "room-1", "user_id": "bob"})).status,
        400
    );
    assert_eq!(mock.rooms()[0].streams.len(), 1);

    // Stopping: by stream ID; stopping a stream that is not there is fine too.
    for _ in 0..2 {
        let response =
            publish(json!({"room_id": "room-1", "stream_id": "cam", "publishing": false}));
        assert_eq!(response.status, 200);
    }
    assert!(mock.rooms()[0].streams.is_empty());
    assert_eq!(get(mock.addr(), "/_mock/streams").json(), json!([]));

    // A user's streams end when it leaves the room.
    mock.publish("room-1", "bob", "bob-cam").unwrap();
    mock.set_online("room-1", "bob", false);
    assert!(mock.rooms()[0].streams.is_empty());
    assert!(!mock.stop_publishing("room-1", "bob-cam"));
}

#[test]
fn streams_rules_and_switches_have_their_routes() {
    let mock = start();
    // A publish needs no "publishing"; it may carry a title and extra information.
    let body = json!({"room_id": "room-1", "user_id": "alice", "stream_id": "cam",
                      "title": "Cam", "extra_info": "{\"seat\":1}"});
    let response = post_json(mock.addr(), "/_mock/streams", &body.to_string());
    assert_eq!(response.status, 200);
    let rooms = get(mock.addr(), "/_mock/rooms").json();
    let stream = &rooms[0]["streams"][0];
    assert_eq!(
        stream.as_object().unwrap().keys().collect::<Vec<_>>(),
        [
            "added",
            "censor_flag",
            "create_time",
            "extra_info",
            "stream_id",
            "stream_number_id",
            "title",
            "user_id",
            "user_name"
        ]
    );
    assert_eq!(
        (&stream["title"], &stream["extra_info"]),
        (&json!("Cam"), &json!("{\"seat\":1}"))
    );
    assert_eq!(
        (&stream["added"], &stream["stream_number_id"]),
        (&json!(false), &json!(1))
    );
    assert_eq!(
        get(mock.addr(), "/_mock/streams").json(),
        json!([{"room_id": "room-1", "user_id": "alice", "stream_id": "cam",
                "forbidden": false, "listed": true, "publishing": true}])
    );
    // Every world has its own; the query names it.
    let query = format!("/_mock/streams?app_id={TEST_APP}");
    assert_eq!(get(mock.addr(), &query).json(), json!([]));
    assert_eq!(get(mock.addr(), "/_mock/streams?room=1").status, 400);
    assert_eq!(get(mock.addr(), "/_mock/rules").json(), json!([]));
    assert_eq!(get(mock.addr(), "/_mock/rules?test_env=maybe").status, 400);
    // Methods and bodies.
    assert_eq!(post_json(mock.addr(), "/_mock/rules", "{}").status, 405);
    assert_eq!(get(mock.addr(), "/_mock/switches").status, 405);
    let switches = |body: &str| post_json(mock.addr(), "/_mock/switches", body).status;
    assert_eq!(switches(r#"{"ban_rule": false}"#), 400, "an unknown switch");
    assert_eq!(switches(r#"{"ban_rules": "no"}"#), 400);
    assert_eq!(switches("{}"), 200);
    let not_found = get(mock.addr(), "/_mock/nope").json();
    let error = not_found["error"].as_str().unwrap();
    assert!(error.contains("GET /_mock/rules") && error.contains("POST /_mock/switches"));
}
