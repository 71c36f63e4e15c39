//! Injected faults, the request log, and reset.

mod common;

use std::time::{Duration, Instant};

use common::*;
use zego_core::ReturnCode;
use zego_mock::{Fault, FaultKind};

fn hello() -> String {
    command("room-1", "server", &["alice"], "hello")
}

#[test]
fn delay_waits_then_answers_normally() {
    let mock = start();
    let delay = Duration::from_millis(400);
    mock.inject(Fault::new(FaultKind::Delay(delay)));
    let start = Instant::now();
    let response = get(mock.addr(), &hello());
    assert!(
        start.elapsed() >= delay,
        "answered after {:?}",
        start.elapsed()
    );
    assert_eq!(response.code(), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
    let log = mock.requests();
    assert_eq!(log[0].fault, Some(FaultKind::Delay(delay)));
    assert_eq!(log[0].code, Some(ReturnCode::SUCCESS));
    // Used up: the next request is not delayed (nor faulted).
    assert_eq!(code(mock.addr(), &hello()), 0);
    assert_eq!(mock.requests()[1].fault, None);
}

#[test]
fn a_delayed_request_is_processed_even_when_its_client_gives_up() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::Delay(Duration::from_millis(300))));
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&hello());
    drop(conn); // a client timeout
    let deadline = Instant::now() + Duration::from_secs(30);
    while mock.inbox("alice").is_empty() {
        assert!(Instant::now() < deadline, "never delivered");
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(mock.inbox("alice").len(), 1);
    let log = mock.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].code, Some(ReturnCode::SUCCESS));
    assert_eq!(code(mock.addr(), &hello()), 0, "the server goes on");
}

#[test]
fn delay_checks_the_request_as_usual() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::Delay(Duration::from_millis(10))));
    assert_eq!(code(mock.addr(), "/?Action=Nope"), 100000007);
}

#[test]
fn code_answers_that_code_for_the_next_n_requests_without_processing() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED)).times(2));
    let mut conn = Conn::open(mock.addr());
    assert_eq!(conn.get(&hello()).code(), 50013);
    // Not even checked: a request that is not valid gets it too.
    assert_eq!(conn.get("/?Action=Nope").code(), 50013);
    assert!(mock.inbox("alice").is_empty(), "nothing delivered");
    assert_eq!(conn.get(&hello()).code(), 0, "two uses, then normal again");
    assert_eq!(mock.inbox("alice").len(), 1);
    assert!(mock.faults().is_empty());
}

#[test]
fn a_fault_limited_to_an_action_skips_other_requests() {
    let mock = start();
    mock.inject(
        Fault::new(FaultKind::Code(ReturnCode::REQUEST_FAILED))
            .action("SendCustomCommand")
            .times(1),
    );
    assert_eq!(code(mock.addr(), "/?Action=Nope"), 100000007);
    assert_eq!(code(mock.addr(), "/"), 100000006);
    assert_eq!(mock.faults().len(), 1, "still pending");
    assert_eq!(mock.faults()[0].remaining(), 1);
    assert_eq!(code(mock.addr(), &hello()), 1);
    assert!(mock.faults().is_empty());
}

#[test]
fn faults_apply_in_the_order_injected() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::new(7))));
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::new(8))));
    assert_eq!(code(mock.addr(), &hello()), 7);
    assert_eq!(code(mock.addr(), &hello()), 8);
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn close_connection_answers_nothing() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::CloseConnection));
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&hello());
    assert!(conn.closed_without_answer());
    assert!(mock.inbox("alice").is_empty(), "nothing delivered");
    let log = mock.requests();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].code, None);
    assert_eq!(log[0].fault, Some(FaultKind::CloseConnection));
    // The next connection is served.
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn bad_gateway_is_http_502_with_html() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::BadGateway));
    let response = get(mock.addr(), &hello());
    assert_eq!(response.status, 502);
    assert!(
        response
            .header("content-type")
            .is_some_and(|t| t.starts_with("text/html"))
    );
    let body = String::from_utf8(response.body.clone()).unwrap();
    assert!(
        body.starts_with("<html>") && body.contains("502 Bad Gateway"),
        "{body}"
    );
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    assert!(mock.inbox("alice").is_empty());
    assert_eq!(mock.requests()[0].code, None);
}

#[test]
fn malformed_json_is_http_200_with_a_body_that_is_not_json() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::MalformedJson));
    let mut conn = Conn::open(mock.addr());
    let response = conn.get(&hello());
    assert_eq!(response.status, 200);
    assert!(!response.body.is_empty());
    assert!(serde_json::from_slice::<serde_json::Value>(&response.body).is_err());
    assert!(mock.inbox("alice").is_empty());
    // The connection stays usable.
    assert_eq!(conn.get(&hello()).code(), 0);
}

#[test]
fn truncated_body_sends_half_of_the_announced_length_then_closes() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::TruncatedBody));
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&hello());
    let partial = conn.read_response().expect_err("the body is cut short");
    assert!(!partial.is_empty(), "the first half arrives");
    assert!(partial.starts_with(b"{\"Code\":0"), "{partial:?}");
    assert!(serde_json::from_slice::<serde_json::Value>(&partial).is_err());
    assert!(mock.inbox("alice").is_empty());
    assert_eq!(mock.requests()[0].fault, Some(FaultKind::TruncatedBody));
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn deliver_then_code_delivers_so_a_retry_delivers_twice() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::DeliverThenCode(
        ReturnCode::CUSTOM_MESSAGE_SEND_FAILED,
    )));
    let mut conn = Conn::open(mock.addr());
    assert_eq!(conn.get(&hello()).code(), 50013);
    assert_eq!(mock.inbox("alice").len(), 1, "delivered despite the 50013");
    // The retry a client might make: a duplicate.
    assert_eq!(conn.get(&hello()).code(), 0);
    assert_eq!(mock.inbox("alice").len(), 2);
    let log = mock.requests();
    assert_eq!(log[0].code, Some(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED));
    assert_eq!(
        log[0].fault,
        Some(FaultKind::DeliverThenCode(ReturnCode::new(50013)))
    );
}

#[test]
fn deliver_then_close_delivers_and_answers_nothing() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::DeliverThenClose));
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&hello());
    assert!(conn.closed_without_answer());
    assert_eq!(mock.inbox("alice").len(), 1);
    assert_eq!(mock.requests()[0].code, None);
}

#[test]
fn deliver_then_faults_answer_an_invalid_request_normally_and_are_used_up() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::DeliverThenClose));
    mock.inject(Fault::new(FaultKind::DeliverThenCode(ReturnCode::new(
        50013,
    ))));
    let empty = command("room-1", "server", &["alice"], "");
    assert_eq!(code(mock.addr(), &empty), 1008);
    assert_eq!(code(mock.addr(), &empty), 1008);
    assert!(mock.faults().is_empty());
    assert_eq!(code(mock.addr(), &hello()), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
}

#[test]
fn the_log_records_every_request_with_its_code_and_fault() {
    let mock = start();
    mock.inject(Fault::new(FaultKind::BadGateway).action("SendCustomCommand"));
    let target = hello();
    assert_eq!(get(mock.addr(), &target).status, 502);
    assert_eq!(code(mock.addr(), &target), 0);
    assert_eq!(code(mock.addr(), "/?Action=Nope&AppId=x%2By"), 100000007);
    let log = mock.requests();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].action.as_deref(), Some("SendCustomCommand"));
    assert_eq!(log[0].app_id.as_deref(), Some("1234"));
    assert_eq!(log[0].query, &target[2..], "the raw query");
    assert_eq!(log[0].fault, Some(FaultKind::BadGateway));
    assert_eq!((log[0].code, &log[0].request_id), (None, &None));
    assert_eq!(log[1].code, Some(ReturnCode::SUCCESS));
    assert!(log[1].request_id.is_some());
    assert_eq!(log[2].action.as_deref(), Some("Nope"));
    assert_eq!(log[2].app_id.as_deref(), Some("x+y"), "decoded");
    assert_eq!(log[2].query, "Action=Nope&AppId=x%2By");
    assert_eq!(log[2].code, Some(ReturnCode::UNKNOWN_ACTION));
}

#[test]
fn reset_clears_inboxes_faults_and_log_but_keeps_rooms() {
    let mock = start();
    assert_eq!(code(mock.addr(), &hello()), 0);
    mock.inject(Fault::new(FaultKind::CloseConnection).times(5));
    assert_eq!(mock.faults().len(), 1);
    mock.reset();
    assert!(mock.inbox("alice").is_empty());
    assert!(mock.requests().is_empty());
    assert!(mock.faults().is_empty());
    // alice is still online in room-1; the app is still known.
    assert_eq!(code(mock.addr(), &hello()), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
}

#[test]
fn faults_apply_to_every_call_in_its_envelope() {
    let mock = start();
    let kick = request(
        "KickoutUser",
        &[("RoomId", "room-1"), ("UserId[]", "alice")],
    );
    // A code answered for a room-signalling call has no Data member (`code` checks it).
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::REQUEST_FAILED)).action("KickoutUser"));
    assert_eq!(code(mock.addr(), &command("room-1", "s", &["bob"], "x")), 0);
    assert_eq!(code(mock.addr(), &kick), 1);
    assert!(mock.rooms()[0].users[0].online, "not processed");
    // Processed, then answered another code: alice is out all the same.
    mock.inject(Fault::new(FaultKind::DeliverThenCode(
        ReturnCode::REQUEST_FAILED,
    )));
    assert_eq!(code(mock.addr(), &kick), 1);
    assert!(!mock.rooms()[0].users[0].online, "kicked despite the error");
    // A truncated success of a call without Data is cut from its bare envelope.
    mock.inject(Fault::new(FaultKind::TruncatedBody));
    let mut conn = Conn::open(mock.addr());
    conn.send_get(&kick);
    let partial = conn.read_response().expect_err("cut short");
    assert!(partial.starts_with(b"{\"Code\":0"), "{partial:?}");
}
