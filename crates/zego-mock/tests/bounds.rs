//! The request log and the inboxes stay within their budgets of entries and bytes,
//! dropping their oldest entries first, whatever the clients send.

mod common;

use common::*;
use zego_mock::{
    Delivered, MAX_INBOX_BYTES, MAX_INBOX_MESSAGES, MAX_LOG_BYTES, MAX_LOG_ENTRIES, MessageKind,
    MockServer,
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
