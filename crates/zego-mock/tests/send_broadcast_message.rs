//! `SendBroadcastMessage` (spec §1): its rules, each with its code, who receives what, and
//! the room's `MessageId` counter.

mod common;

use common::*;
use serde_json::json;
use zego_core::actions::{MessageCategory, SendBroadcastMessage};
use zego_mock::{Delivered, MessageKind};

const MAX_CONTENT_BYTES: usize = SendBroadcastMessage::MAX_CONTENT_BYTES;

/// A broadcast from `user` in `room` (category 2, no `UserName`).
fn broadcast(room: &str, user: &str, content: &str) -> String {
    request(
        "SendBroadcastMessage",
        &[
            ("RoomId", room),
            ("UserId", user),
            ("MessageCategory", "2"),
            ("MessageContent", content),
        ],
    )
}

/// The broadcast fields of a delivered message.
fn fields(message: &Delivered) -> (&str, MessageCategory, u64) {
    match &message.kind {
        MessageKind::Broadcast {
            from_user_name,
            category,
            message_id,
            ..
        } => (from_user_name, *category, *message_id),
        other => panic!("not a broadcast: {other:?}"),
    }
}

#[test]
fn the_vendors_example_reaches_everyone_but_the_sender() {
    let mock = builder()
        .user("room1", "user1")
        .user("room1", "user2")
        .user("room1", "user3")
        .start()
        .unwrap();
    // The vendor's request, `+` for spaces, with the public parameters signed now.
    let target = format!(
        "/?Action=SendBroadcastMessage&RoomId=room1&UserId=user1&UserName=userName\
         &MessageCategory=1\
         &MessageContent=hello+zego+big+im+-+%E5%B9%BF%E6%92%AD%E6%B6%88%E6%81%AF&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let json = response.json();
    assert_eq!(json["Data"], json!({"MessageId": 1}), "a JSON number");
    assert_eq!(json["Message"], "success");
    assert!(mock.inbox("user1").is_empty(), "never to the sender");
    for user in ["user2", "user3"] {
        let inbox = mock.inbox(user);
        assert_eq!(inbox.len(), 1, "{user}");
        assert_eq!(inbox[0].room_id, "room1");
        assert_eq!(inbox[0].from_user_id, "user1");
        assert_eq!(inbox[0].content, "hello zego big im - 广播消息");
        assert_eq!(fields(&inbox[0]), ("userName", MessageCategory::System, 1));
    }
    assert_eq!(
        get(mock.addr(), "/_mock/inbox/user2").json(),
        json!([{"kind": "broadcast", "room_id": "room1", "from_user_id": "user1",
                "from_user_name": "userName", "category": 1, "message_id": 1,
                "content": "hello zego big im - 广播消息"}])
    );
}

#[test]
fn only_users_online_in_the_room_receive() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    // alice sends: bob gets it; carol is offline; erin is in another room.
    assert_eq!(code(mock.addr(), &broadcast("room-1", "alice", "hi")), 0);
    assert_eq!(mock.inbox("bob").len(), 1);
    for nobody in ["alice", "carol", "erin"] {
        assert!(mock.inbox(nobody).is_empty(), "{nobody}");
    }
    // A sender outside the room reaches everyone online in it; no name: an empty one.
    assert_eq!(code(mock.addr(), &broadcast("room-1", "server", "all")), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
    assert_eq!(mock.inbox("bob").len(), 2);
    assert_eq!(
        fields(&mock.inbox("alice")[0]),
        ("", MessageCategory::Chat, 2)
    );
    // Broadcasts and custom commands share the inbox, in delivery order, by kind.
    let command = command("room-1", "server", &["alice"], "cc");
    assert_eq!(code(mock.addr(), &command), 0);
    let kinds: Vec<String> = get(mock.addr(), "/_mock/inbox/alice")
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kinds, ["broadcast", "custom_command"]);
}

#[test]
fn message_ids_count_per_room_and_restart_with_each_lifecycle() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    let ids: Vec<u64> = ["room-1", "room-1", "room-2", "room-1"]
        .iter()
        .map(|room| {
            let response = get(mock.addr(), &broadcast(room, "server", "x"));
            assert_eq!(response.code(), 0);
            response.json()["Data"]["MessageId"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(ids, [1, 2, 1, 3], "one counter per room");
    // A failed request takes no number.
    assert_eq!(code(mock.addr(), &broadcast("room-1", "server", "")), 1008);
    // Everyone leaves: the room is closed; the next lifecycle counts from 1 again.
    mock.set_online("room-1", "alice", false);
    mock.set_online("room-1", "bob", false);
    assert_eq!(
        code(mock.addr(), &broadcast("room-1", "server", "x")),
        50001
    );
    mock.set_online("room-1", "bob", true);
    let response = get(mock.addr(), &broadcast("room-1", "server", "x"));
    assert_eq!(response.json()["Data"], json!({"MessageId": 1}));
    let last = mock.inbox("bob").pop().unwrap();
    assert_eq!(fields(&last).2, 1);
    // A room emptied by a kick starts over too.
    let kick = request("KickoutUser", &[("RoomId", "room-2"), ("UserId[]", "erin")]);
    assert_eq!(code(mock.addr(), &kick), 0);
    mock.set_online("room-2", "erin", true);
    let response = get(mock.addr(), &broadcast("room-2", "server", "x"));
    assert_eq!(response.json()["Data"], json!({"MessageId": 1}));
}

#[test]
fn room_and_user_missing_are_2() {
    let mock = start();
    for (params, what) in [
        (vec![("UserId", "s")], "no RoomId"),
        (vec![("RoomId", ""), ("UserId", "s")], "empty RoomId"),
        (vec![("RoomId", "room-1")], "no UserId"),
        (vec![("RoomId", "room-1"), ("UserId", "")], "empty UserId"),
    ] {
        let mut params = params;
        params.extend([("MessageCategory", "2"), ("MessageContent", "hi")]);
        let target = request("SendBroadcastMessage", &params);
        assert_eq!(code(mock.addr(), &target), 2, "{what}");
    }
    assert!(mock.inbox("alice").is_empty());
}

#[test]
fn a_category_other_than_1_or_2_is_2() {
    let mock = start();
    let with = |category: Option<&str>| {
        let mut params = vec![("RoomId", "room-1"), ("UserId", "s")];
        if let Some(category) = category {
            params.push(("MessageCategory", category));
        }
        params.push(("MessageContent", "hi"));
        code(mock.addr(), &request("SendBroadcastMessage", &params))
    };
    for bad in [
        None,
        Some(""),
        Some("0"),
        Some("3"),
        Some("chat"),
        Some("01"),
        Some("+1"),
    ] {
        assert_eq!(with(bad), 2, "{bad:?}");
    }
    assert!(mock.inbox("alice").is_empty());
    assert_eq!(with(Some("1")), 0);
    assert_eq!(with(Some("2")), 0);
    let categories: Vec<MessageCategory> =
        mock.inbox("alice").iter().map(|m| fields(m).1).collect();
    assert_eq!(categories, [MessageCategory::System, MessageCategory::Chat]);
}

#[test]
fn empty_content_is_1008_and_over_1024_bytes_is_50012() {
    let mock = start();
    assert_eq!(code(mock.addr(), &broadcast("room-1", "s", "")), 1008);
    let absent = request(
        "SendBroadcastMessage",
        &[
            ("RoomId", "room-1"),
            ("UserId", "s"),
            ("MessageCategory", "2"),
        ],
    );
    assert_eq!(code(mock.addr(), &absent), 1008, "absent");
    for over in ["a".repeat(MAX_CONTENT_BYTES + 1), "推".repeat(342)] {
        assert_eq!(
            code(mock.addr(), &broadcast("room-1", "s", &over)),
            50012,
            "{} bytes",
            over.len()
        );
    }
    assert!(mock.inbox("alice").is_empty());
    for fits in ["a".repeat(MAX_CONTENT_BYTES), "推".repeat(341)] {
        assert_eq!(code(mock.addr(), &broadcast("room-1", "s", &fits)), 0);
    }
    assert_eq!(mock.inbox("alice")[1].content, "推".repeat(341));
}

#[test]
fn a_room_that_does_not_exist_is_50001() {
    let mock = builder().offline_user("empty", "dave").start().unwrap();
    for room in ["no-such-room", "empty"] {
        assert_eq!(
            code(mock.addr(), &broadcast(room, "s", "hi")),
            50001,
            "{room}"
        );
    }
    assert!(mock.inbox("dave").is_empty());
}

#[test]
fn parameters_are_checked_before_the_room() {
    let mock = start();
    // Every defect at once: each answer names the first in the order of the parameters.
    let target = |category: &str, content: &str| {
        request(
            "SendBroadcastMessage",
            &[
                ("RoomId", "no-such-room"),
                ("UserId", "s"),
                ("MessageCategory", category),
                ("MessageContent", content),
            ],
        )
    };
    assert_eq!(code(mock.addr(), &target("9", "")), 2);
    assert_eq!(code(mock.addr(), &target("2", "")), 1008);
    assert_eq!(code(mock.addr(), &target("2", "x")), 50001);
}

#[test]
fn errors_have_no_data_member() {
    let mock = start();
    let response = get(mock.addr(), &broadcast("no-such-room", "s", "x"));
    let body = String::from_utf8(response.body).unwrap();
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let keys: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["Code", "Message", "RequestId"], "{body}");
    assert_eq!(json["Code"], 50001);
}
