//! Untrusted input: any query, any bytes, a huge URL, a slow client. A proper answer or a
//! closed connection, never a panic, and the next request is still served.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::*;
use zego_mock::{MAX_HEAD_BYTES, MAX_HEADERS, MAX_URI_BYTES};

fn hello() -> String {
    command("room-1", "server", &["alice"], "hello")
}

/// Reads what the server sends until it closes the connection (or 30 s pass).
fn read_until_closed(conn: &mut Conn) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match conn.stream().read(&mut buf) {
            Ok(0) | Err(_) => return all,
            Ok(n) => all.extend_from_slice(&buf[..n]),
        }
    }
}

#[test]
fn ten_thousand_keep_alive_requests_in_a_row_are_all_answered() {
    let mock = builder().rate_limits(false).start().unwrap();
    let mut conn = Conn::open(mock.addr());
    let target = hello();
    let start = Instant::now();
    let mut ids = std::collections::HashSet::new();
    for i in 0..10_000 {
        let response = conn.get(&target);
        assert_eq!(response.code(), 0, "request {i}");
        let id = response.json()["RequestId"].as_str().unwrap().to_owned();
        assert!(ids.insert(id), "request {i}: a repeated RequestId");
    }
    println!("10,000 keep-alive requests in {:?}", start.elapsed());
    assert_eq!(mock.inbox("alice").len(), 10_000);
    assert_eq!(mock.requests().len(), 10_000);
}

#[test]
fn a_request_target_over_the_cap_is_414_and_the_connection_goes_on() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let long = format!("{}&Pad={}", hello(), "x".repeat(MAX_URI_BYTES));
    let response = conn.get(&long);
    assert_eq!(response.status, 414);
    assert_eq!(conn.get(&hello()).code(), 0);
    assert_eq!(
        mock.requests().len(),
        1,
        "the long one is not an API request"
    );
}

#[test]
fn a_huge_url_is_refused_and_the_next_connection_is_served() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let huge = format!("/?Action={}", "A".repeat(1 << 20));
    conn.send_get(&huge);
    let answer = read_until_closed(&mut conn);
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty()
            || answer.starts_with("HTTP/1.1 431")
            || answer.starts_with("HTTP/1.1 414"),
        "{answer}"
    );
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn a_head_over_the_cap_or_too_many_headers_is_431() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let big = format!(
        "GET / HTTP/1.1\r\nHost: mock\r\nX-Big: {}\r\n\r\n",
        "y".repeat(MAX_HEAD_BYTES)
    );
    conn.send_raw(big.as_bytes());
    let answer = read_until_closed(&mut conn);
    assert!(
        answer.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );

    let mut conn = Conn::open(mock.addr());
    let mut many = String::from("GET / HTTP/1.1\r\nHost: mock\r\n");
    for i in 0..=MAX_HEADERS {
        many.push_str(&format!("X-H{i}: v\r\n"));
    }
    many.push_str("\r\n");
    conn.send_raw(many.as_bytes());
    let answer = read_until_closed(&mut conn);
    assert!(
        answer.starts_with(b"HTTP/1.1 431"),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn bytes_that_are_not_http_are_refused_and_the_server_goes_on() {
    let mock = start();
    let garbage: [&[u8]; 6] = [
        b"\x00\x01\x02\x03\xff\xfe\r\n\r\n",
        b"GET /\xff\xfe HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"G E T / HTTP/1.1\r\n\r\n",
        b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    ];
    for bytes in garbage {
        let mut conn = Conn::open(mock.addr());
        conn.send_raw(bytes);
        let answer = read_until_closed(&mut conn);
        assert!(
            answer.is_empty()
                || answer.starts_with(b"HTTP/1.1 4")
                || answer.starts_with(b"HTTP/1.1 5"),
            "{bytes:?} -> {:?}",
            String::from_utf8_lossy(&answer)
        );
    }
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn random_bytes_never_stop_the_server() {
    let mock = start();
    // A fixed xorshift sequence: the same bytes on every run.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..200 {
        let len = (next() % 600) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Half the rounds look like a request line with a random target.
        if round % 2 == 0 {
            let mut request = b"GET /?".to_vec();
            request.extend(
                bytes
                    .iter()
                    .map(|b| if b.is_ascii_graphic() { *b } else { b'%' }),
            );
            request.extend_from_slice(b" HTTP/1.1\r\nHost: x\r\n\r\n");
            bytes = request;
        }
        let mut conn = Conn::open(mock.addr());
        conn.send_raw(&bytes);
        if round % 2 == 0 {
            // A proper answer or a closed connection.
            match conn.read_response() {
                Ok(response) => assert!(
                    response.status == 200 || response.status == 400,
                    "{response:?}"
                ),
                Err(partial) => assert!(partial.is_empty()),
            }
        }
    }
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn any_query_gets_an_envelope() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    for query in [
        "%",
        "%%%%",
        "%zz=%zz",
        "Action=%FF%FE&AppId=%C0%80",
        "Action=SendCustomCommand&AppId=1234&AppId",
        "&&&==&=&",
        "Action[]=x",
        "Action=SendCustomCommand&RoomId=%E4%B8&MessageContent=%E4",
    ] {
        let response = conn.get(&format!("/?{query}"));
        let code = response.code();
        assert!(code > 0, "{query} -> {code}");
    }
    // Invalid UTF-8 in a business value is decoded lossily and checked as usual.
    let target = format!(
        "/?Action=SendCustomCommand&RoomId=room-1&FromUserId=%FF&ToUserId[]=alice\
         &MessageContent=%E4%B8&{}",
        public(APP, SECRET)
    );
    assert_eq!(conn.get(&target).code(), 0);
    assert_eq!(mock.inbox("alice")[0].from_user_id, "\u{fffd}");
}

#[test]
fn a_slow_client_is_disconnected_and_others_are_served() {
    let timeout = Duration::from_millis(300);
    let mock = builder().header_read_timeout(timeout).start().unwrap();
    let mut slow = Conn::open(mock.addr());
    slow.send_raw(b"GET /?Action=SendCustomCommand HTTP/1.1\r\nHost: x\r\n");
    // Meanwhile another client is served.
    assert_eq!(code(mock.addr(), &hello()), 0);
    let start = Instant::now();
    let answer = read_until_closed(&mut slow);
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "closed by the server, not by the test's read timeout"
    );
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 408"),
        "{answer:?}"
    );
    // An idle kept-alive connection is closed after the same time.
    let mut idle = Conn::open(mock.addr());
    assert_eq!(idle.get(&hello()).code(), 0);
    assert!(idle.closed_without_answer());
    assert_eq!(code(mock.addr(), &hello()), 0);
}

#[test]
fn a_body_on_the_api_is_ignored_and_pipelined_requests_are_answered_in_order() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    let target = hello();
    let request = format!(
        "POST {target} HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nabcde\
         GET /?Action=Nope HTTP/1.1\r\nHost: x\r\n\r\n\
         GET {target} HTTP/1.1\r\nHost: x\r\n\r\n"
    );
    conn.send_raw(request.as_bytes());
    let codes: Vec<i64> = (0..3)
        .map(|_| conn.read_response().expect("an answer").code())
        .collect();
    assert_eq!(codes, [0, 100000007, 0]);
}

#[test]
fn connections_over_the_cap_wait_until_one_closes() {
    let mock = builder().max_connections(2).start().unwrap();
    let mut first = Conn::open(mock.addr());
    let mut second = Conn::open(mock.addr());
    assert_eq!(first.get(&hello()).code(), 0);
    assert_eq!(second.get(&hello()).code(), 0);
    // Both are kept alive: a third connection waits, unanswered.
    let mut third = Conn::open(mock.addr());
    third.send_get(&hello());
    third
        .stream()
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut byte = [0u8; 1];
    let waited = third.stream().read(&mut byte);
    assert!(
        waited.as_ref().is_err_and(|e| matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        )),
        "{waited:?}"
    );
    // One closes: the third is served.
    drop(first);
    third.stream().set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    assert_eq!(third.read_response().expect("an answer").code(), 0);
    assert_eq!(second.get(&hello()).code(), 0);
}
