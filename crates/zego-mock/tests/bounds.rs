//! The request log, the inboxes and the callbacks waiting to be sent stay within their
//! budgets of entries and bytes, whatever the clients send.

mod common;

use common::*;
use zego_mock::{
    CallbackSecret, Delivered, MAX_INBOX_BYTES, MAX_INBOX_MESSAGES, MAX_LOG_BYTES, MAX_LOG_ENTRIES,
    MAX_WAITING_CALLBACK_BYTES, MessageKind, MockServer,
};

/// What a message counts for in an inbox: its text and its receiver's ID.
fn size(receiver: &str, message: &Delivered) -> usize {
    let name = match &message.kind {
        MessageKind::Broadcast { from_user_name, .. } => from_user_name.len(),
        _ => 0,
    };
    receiver.len()
        + message.room_id.len()
        + message.from_user_id.len()
        + message.content.len()
        + name
}

/// A mock without budgets, with `n` users online in `room`.
fn crowd(room: &str, n: usize) -> (MockServer, Vec<String>) {
    let users: Vec<String> = (0..n).map(|i| format!("user-{i:03}")).collect();
    let mut builder = builder().rate_limits(false);
    for user in &users {
        builder = builder.user(room, user.as_str());
    }
    (builder.start().unwrap(), users)
}

#[test]
fn the_request_log_is_bounded_in_bytes() {
    let mock = builder().rate_limits(false).start().unwrap();
    let mut conn = Conn::open(mock.addr());
    // Requests of about 16 KB each (an unknown action: cheap, and logged all the same).
    let padding = "p".repeat(16 * 1024 - 64);
    let fits = MAX_LOG_BYTES / padding.len();
    let sent = fits + 50;
    assert!(sent < MAX_LOG_ENTRIES, "the bytes run out first");
    for n in 0..sent {
        let target = format!("/?Action=Nope&N={n:06}&Padding={padding}");
        assert_eq!(conn.get(&target).code(), 100000007);
    }
    let log = mock.requests();
    let bytes: usize = log
        .iter()
        .map(|r| {
            r.query.len()
                + r.action.as_ref().map_or(0, String::len)
                + r.app_id.as_ref().map_or(0, String::len)
                + r.request_id.as_ref().map_or(0, String::len)
        })
        .sum();
    assert!(bytes <= MAX_LOG_BYTES, "{bytes}");
    assert!(
        log.len() < sent && log.len() + 60 > fits,
        "{} of {sent}",
        log.len()
    );
    // The oldest went first: the newest are all there, in order.
    let last = log.last().unwrap();
    assert!(last.query.contains(&format!("N={:06}", sent - 1)));
    let first: usize = log[0].query[14..20].parse().unwrap();
    assert_eq!(first, sent - log.len(), "a contiguous run of the newest");
}

#[test]
fn all_inboxes_together_are_bounded_in_bytes() {
    let (mock, users) = crowd("hall", 64);
    let mut conn = Conn::open(mock.addr());
    let content = "c".repeat(1024);
    // Each broadcast delivers 64 messages of a little over 1 KB: about 66 KB a request.
    let per_request = users.iter().map(|u| u.len() + 4 + 6 + 1024).sum::<usize>();
    let sent = MAX_INBOX_BYTES / per_request + 20;
    assert!(
        sent * users.len() < MAX_INBOX_MESSAGES,
        "the bytes run out first"
    );
    for _ in 0..sent {
        let target = request(
            "SendBroadcastMessage",
            &[
                ("RoomId", "hall"),
                ("UserId", "server"),
                ("MessageCategory", "2"),
                ("MessageContent", &content),
            ],
        );
        assert_eq!(conn.get(&target).code(), 0);
    }
    let mut bytes = 0;
    let mut kept = 0;
    for user in &users {
        let inbox = mock.inbox(user);
        bytes += inbox.iter().map(|m| size(user, m)).sum::<usize>();
        kept += inbox.len();
        // The newest is kept, and the oldest went first.
        let ids: Vec<u64> = inbox
            .iter()
            .map(|m| match m.kind {
                MessageKind::Broadcast { message_id, .. } => message_id,
                _ => panic!("{m:?}"),
            })
            .collect();
        assert_eq!(*ids.last().unwrap(), sent as u64, "{user}");
        assert!(ids[0] > 1, "{user}: the first broadcasts were dropped");
        assert!(ids.windows(2).all(|w| w[1] == w[0] + 1), "{user}: no gaps");
    }
    assert!(bytes <= MAX_INBOX_BYTES, "{bytes}");
    assert!(bytes > MAX_INBOX_BYTES - per_request, "{bytes}: about full");
    assert!(kept < sent * users.len());
}

#[test]
fn all_inboxes_together_are_bounded_in_messages() {
    let (mock, users) = crowd("hall", 250);
    let mut conn = Conn::open(mock.addr());
    let sent = MAX_INBOX_MESSAGES / users.len() + 2;
    for n in 0..sent {
        let target = command("hall", "server", &[], &n.to_string());
        assert_eq!(conn.get(&target).code(), 0);
    }
    let kept: usize = users.iter().map(|u| mock.inbox(u).len()).sum();
    assert_eq!(kept, MAX_INBOX_MESSAGES);
    // 500 deliveries too many: the first two messages, to all 250 users, went first.
    for user in &users {
        let contents: Vec<String> = mock.inbox(user).into_iter().map(|m| m.content).collect();
        let expected: Vec<String> = (2..sent).map(|n| n.to_string()).collect();
        assert_eq!(contents, expected, "{user}");
    }
}

#[test]
fn callbacks_waiting_behind_their_room_are_bounded_in_bytes() {
    // A receiver that takes connections and never answers: the room's first callback
    // stays in flight and every later one waits behind it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/callbacks", silent.local_addr().unwrap());
    let mock = builder()
        .callbacks(url, CallbackSecret::new("callback-secret").unwrap())
        .start()
        .unwrap();
    // Each login and logout of a user with a 50 KB ID is an event of more than 50 KB.
    let id = "u".repeat(50_000);
    let big_events = MAX_WAITING_CALLBACK_BYTES / id.len() + 100;
    let world = mock.default_world();
    for _ in 0..big_events / 2 {
        world.set_online("big", &id, true);
        world.set_online("big", &id, false);
    }
    let of_the_room = || -> Vec<zego_mock::CallbackDelivery> {
        let all = mock.callbacks();
        all.into_iter().filter(|d| d.room_id == "big").collect()
    };
    // Those that found the line full are given up at once: not sent, not pending.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let given_up = |d: &zego_mock::CallbackDelivery| !d.pending && d.attempts.is_empty();
    while of_the_room().iter().filter(|d| given_up(d)).count() == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "every event still waits: the line is not bounded in bytes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::thread::sleep(std::time::Duration::from_millis(200));
    let deliveries = of_the_room();
    let waiting_big = deliveries
        .iter()
        .filter(|d| d.pending && d.attempts.is_empty() && d.event != "room_close")
        .count();
    assert!(
        waiting_big * id.len() <= MAX_WAITING_CALLBACK_BYTES,
        "{waiting_big} events of over 50 KB wait"
    );
    assert!(waiting_big > 0, "some wait");
    assert!(deliveries.iter().all(|d| !d.delivered));
    assert!(deliveries.iter().any(given_up));
    drop(silent);
}
