//! `SendBarrageMessage` (spec §2): the rules of `SendBroadcastMessage`, each with its
//! code; everyone online in the room but the sender receives it, as a `"barrage"` in the
//! inbox; its `MessageId` is a string.

mod common;

use common::*;
use serde_json::json;
use zego_core::actions::{MessageCategory, SendBarrageMessage};
use zego_mock::{Delivered, MessageKind};

const MAX_CONTENT_BYTES: usize = SendBarrageMessage::MAX_CONTENT_BYTES;

/// A barrage from `user` in `room`, with `params` after it.
fn barrage(room: &str, user: &str, params: &[(&str, &str)]) -> String {
    let mut all = vec![("RoomId", room), ("UserId", user)];
    all.extend_from_slice(params);
    request("SendBarrageMessage", &all)
}

fn chat(content: &str) -> [(&str, &str); 2] {
    [("MessageCategory", "2"), ("MessageContent", content)]
}

/// The barrage fields of a delivered message.
fn fields(message: &Delivered) -> (&str, MessageCategory, &str) {
    match &message.kind {
        MessageKind::Barrage {
            from_user_name,
            category,
            message_id,
            ..
        } => (from_user_name, *category, message_id),
        other => panic!("not a barrage: {other:?}"),
    }
}

#[test]
fn the_vendors_example_reaches_everyone_but_the_sender() {
    let mock = builder()
        .user("room1", "user1")
        .user("room1", "user2")
        .start()
        .unwrap();
    let before = now() * 1000;
    let target = format!(
        "/?Action=SendBarrageMessage&RoomId=room1&UserId=user1&UserName=userName\
         &MessageCategory=2\
         &MessageContent=hello+zego+big+im-%E5%BC%B9%E5%B9%95%E6%B6%88%E6%81%AF&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let json = response.json();
    assert_eq!(json["Message"], "success");
    // "1_<Unix ms>_<the room's counter>", a JSON string.
    let id = json["Data"]["MessageId"]
        .as_str()
        .expect("a string")
        .to_owned();
    let parts: Vec<&str> = id.split('_').collect();
    assert_eq!((parts.len(), parts[0], parts[2]), (3, "1", "1"), "{id}");
    let sent: i64 = parts[1].parse().unwrap();
    assert!(sent >= before && sent < before + 60_000, "{id}");
    assert!(mock.inbox("user1").is_empty(), "never to the sender");
    let inbox = mock.inbox("user2");
    assert_eq!(inbox.len(), 1);
    assert_eq!(inbox[0].content, "hello zego big im-弹幕消息");
    assert_eq!(fields(&inbox[0]), ("userName", MessageCategory::Chat, &*id));
    assert_eq!(
        get(mock.addr(), "/_mock/inbox/user2").json(),
        json!([{"kind": "barrage", "room_id": "room1", "from_user_id": "user1",
                "from_user_name": "userName", "category": 2, "message_id": id,
                "content": "hello zego big im-弹幕消息"}])
    );
}

#[test]
fn barrage_ids_count_per_room_apart_from_broadcasts_and_restart_with_the_room() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    let counter = |room: &str| {
        let response = get(mock.addr(), &barrage(room, "server", &chat("x")));
        assert_eq!(response.code(), 0);
        let id = response.json()["Data"]["MessageId"].clone();
        id.as_str().unwrap().rsplit('_').next().unwrap().to_owned()
    };
    assert_eq!([counter("room-1"), counter("room-1")], ["1", "2"]);
    assert_eq!(counter("room-2"), "1", "one counter per room");
    let broadcast = [
        ("RoomId", "room-1"),
        ("UserId", "s"),
        ("MessageCategory", "1"),
    ];
    let broadcast = request(
        "SendBroadcastMessage",
        &[&broadcast[..], &[("MessageContent", "b")]].concat(),
    );
    let response = get(mock.addr(), &broadcast);
    assert_eq!(
        response.json()["Data"]["MessageId"],
        1,
        "broadcasts count apart"
    );
    mock.set_online("room-2", "erin", false);
    mock.set_online("room-2", "erin", true);
    assert_eq!(counter("room-2"), "1", "a new lifecycle of the room");
    // Everyone online in room-1 but the sender got each; broadcasts and barrages share
    // the inbox, by kind.
    let kinds: Vec<String> = get(mock.addr(), "/_mock/inbox/alice")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["barrage", "barrage", "broadcast"]);
    assert!(mock.inbox("carol").is_empty(), "offline");
}

#[test]
fn the_rules_and_codes_are_the_broadcasts() {
    let mock = builder().offline_user("empty", "dave").start().unwrap();
    let over = "a".repeat(MAX_CONTENT_BYTES + 1);
    let cjk_over = "推".repeat(342);
    let cases: [(String, i64, &str); 12] = [
        (barrage("", "s", &chat("hi")), 2, "empty RoomId"),
        (barrage("room-1", "", &chat("hi")), 2, "empty UserId"),
        (
            request("SendBarrageMessage", &[("UserId", "s")]),
            2,
            "no RoomId",
        ),
        (
            barrage("room-1", "s", &[("MessageContent", "hi")]),
            2,
            "no category",
        ),
        (
            barrage(
                "room-1",
                "s",
                &[("MessageCategory", "3"), ("MessageContent", "hi")],
            ),
            2,
            "category 3",
        ),
        (barrage("room-1", "s", &chat("")), 1008, "empty content"),
        (
            barrage("room-1", "s", &[("MessageCategory", "1")]),
            1008,
            "no content",
        ),
        (barrage("room-1", "s", &chat(&over)), 50012, "1025 bytes"),
        (
            barrage("room-1", "s", &chat(&cjk_over)),
            50012,
            "1026 bytes",
        ),
        (barrage("nowhere", "s", &chat("hi")), 50001, "no such room"),
        (barrage("empty", "s", &chat("hi")), 50001, "nobody online"),
        (barrage("nowhere", "s", &chat("")), 1008, "parameters first"),
    ];
    for (target, expected, what) in cases {
        assert_eq!(code(mock.addr(), &target), expected, "{what}");
    }
    assert!(mock.inbox("alice").is_empty(), "nothing delivered");
    for fits in ["a".repeat(MAX_CONTENT_BYTES), "推".repeat(341)] {
        assert_eq!(code(mock.addr(), &barrage("room-1", "s", &chat(&fits))), 0);
    }
    let system = [("MessageCategory", "1"), ("MessageContent", "sys")];
    assert_eq!(code(mock.addr(), &barrage("room-1", "s", &system)), 0);
    let last = mock.inbox("alice").pop().unwrap();
    assert_eq!(fields(&last).1, MessageCategory::System);
    assert_eq!(mock.inbox("alice").len(), 3);
}

#[test]
fn the_test_environment_budget_is_10_per_second() {
    let mock = start_everywhere();
    let mut conn = Conn::open(mock.addr());
    let mut codes = Vec::new();
    for _ in 0..30 {
        let target = format!("{}&IsTest=true", barrage("room-1", "s", &chat("x")));
        codes.push(conn.get(&target).code());
    }
    // The bucket holds 10; the burst is over long before it refills 20 more.
    assert_eq!(codes[..10], [0; 10], "{codes:?}");
    assert!(codes.contains(&206), "{codes:?}");
    assert!(codes.iter().all(|c| [0, 206].contains(c)), "{codes:?}");
}
