//! The control API is for programs on this machine: it answers only requests addressed to
//! a loopback host, takes only JSON bodies on its POSTs, and gives a body a deadline, so
//! that a web page cannot drive it and slow bodies cannot hold the connection slots.

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

/// A request with the given method, target, `Host` (none when `None`), content type and
/// body, on a connection of its own.
fn raw(
    mock: &zego_mock::MockServer,
    method: &str,
    target: &str,
    host: Option<&str>,
    content_type: Option<&str>,
    body: &str,
) -> Response {
    let mut request = format!("{method} {target} HTTP/1.1\r\n");
    if let Some(host) = host {
        request.push_str(&format!("Host: {host}\r\n"));
    }
    if let Some(content_type) = content_type {
        request.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    let mut conn = Conn::open(mock.addr());
    conn.send_raw(request.as_bytes());
    conn.read_response().expect("an answer")
}

const JSON: Option<&str> = Some("application/json");

#[test]
fn the_control_api_answers_only_requests_to_a_loopback_host() {
    let mock = start();
    let port = mock.addr().port();
    let carol_online = json!({"room_id": "room-1", "user_id": "carol", "online": true});
    // What a page of another site reaches through DNS rebinding, or a proxy forwards.
    for host in [
        Some("evil.example"),
        Some("evil.example:8765"),
        Some("127.0.0.1.evil.example"),
        Some("localhost.evil.example"),
        Some("10.1.2.3"),
        Some("user@127.0.0.1"),
        Some("127.0.0.1:80x"),
        Some(""),
        None,
    ] {
        let inbox = raw(&mock, "GET", "/_mock/inbox/alice", host, None, "");
        assert_eq!(inbox.status, 403, "{host:?}");
        assert!(
            inbox.json()["error"].as_str().unwrap().contains("loopback"),
            "{host:?}"
        );
        let post = raw(
            &mock,
            "POST",
            "/_mock/users",
            host,
            JSON,
            &carol_online.to_string(),
        );
        assert_eq!(post.status, 403, "{host:?}");
        assert_eq!(
            raw(&mock, "POST", "/_mock/reset", host, JSON, "").status,
            403
        );
    }
    assert!(
        !mock.rooms()[0]
            .users
            .iter()
            .any(|u| u.user_id == "carol" && u.online),
        "nothing changed"
    );
    // An absolute target names the host too: it must be a loopback one as well.
    let absolute = format!("http://evil.example:{port}/_mock/inbox/alice");
    let target_elsewhere = raw(&mock, "GET", &absolute, Some("127.0.0.1"), None, "");
    assert_eq!(target_elsewhere.status, 403);

    // The loopback names, with any port or none, in any case.
    for host in [
        format!("127.0.0.1:{port}"),
        "127.0.0.1".to_owned(),
        format!("localhost:{port}"),
        "LocalHost".to_owned(),
        "[::1]:1".to_owned(),
        "[::1]".to_owned(),
    ] {
        let inbox = raw(&mock, "GET", "/_mock/inbox/alice", Some(&host), None, "");
        assert_eq!(inbox.status, 200, "{host}");
        assert_eq!(inbox.json(), json!([]), "{host}");
    }
    let absolute = format!("http://127.0.0.1:{port}/_mock/rooms");
    assert_eq!(
        raw(&mock, "GET", &absolute, Some("localhost"), None, "").status,
        200
    );
    let post = raw(
        &mock,
        "POST",
        "/_mock/users",
        Some(&format!("localhost:{port}")),
        JSON,
        &carol_online.to_string(),
    );
    assert_eq!(post.status, 200);
    assert!(
        mock.rooms()[0]
            .users
            .iter()
            .any(|u| u.user_id == "carol" && u.online)
    );

    // The API itself is reached by any name, as the real service is.
    let hello = command("room-1", "server", &["alice"], "hello");
    let answer = raw(&mock, "GET", &hello, Some("rtc-api.zego.im"), None, "");
    assert_eq!(answer.code(), 0);
}

#[test]
fn control_posts_need_a_json_content_type() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &command("room-1", "s", &["alice"], "hi")),
        0
    );
    let fault = json!({"kind": "close_connection"}).to_string();
    // What an HTML form or a script without a preflight can send.
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
        Some("application/jsonp"),
        Some("text/json"),
    ] {
        for (path, body) in [("/_mock/faults", fault.as_str()), ("/_mock/reset", "")] {
            let response = raw(&mock, "POST", path, Some("localhost"), content_type, body);
            assert_eq!(response.status, 415, "{path} {content_type:?}");
            assert!(
                response.json()["error"]
                    .as_str()
                    .unwrap()
                    .contains("application/json"),
                "{path} {content_type:?}"
            );
        }
    }
    assert!(mock.faults().is_empty(), "no fault was queued");
    assert_eq!(mock.requests().len(), 1, "nothing was reset");
    // The media type in any case, with parameters.
    for content_type in ["application/json", "Application/JSON; charset=utf-8"] {
        let response = raw(
            &mock,
            "POST",
            "/_mock/faults",
            Some("localhost"),
            Some(content_type),
            &fault,
        );
        assert_eq!(response.status, 200, "{content_type}");
    }
    assert_eq!(mock.faults().len(), 2);
    // A GET needs none.
    assert_eq!(
        raw(&mock, "GET", "/_mock/faults", Some("localhost"), None, "").status,
        200
    );
}

#[test]
fn a_slow_control_body_is_cut_at_the_deadline_and_gives_its_slot_back() {
    let deadline = Duration::from_millis(300);
    let mock = builder()
        .header_read_timeout(deadline)
        .max_connections(1)
        .start()
        .unwrap();
    // The head, then 10 bytes of the 100 announced, then nothing.
    let mut slow = Conn::open(mock.addr());
    slow.send_raw(
        b"POST /_mock/users HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"room_id\"",
    );
    let start = Instant::now();
    let answer = slow.read_response().expect("an answer before the close");
    assert_eq!(answer.status, 408);
    assert!(answer.json()["error"].as_str().unwrap().contains("body"));
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "answered at the deadline, not at the test's read timeout"
    );
    assert!(slow.closed_without_answer(), "and the connection is closed");
    // The only slot is free again.
    let hello = command("room-1", "server", &["alice"], "hello");
    assert_eq!(code(mock.addr(), &hello), 0);
}
