//! `SendCustomCommand`: its rules, each with its code, and who receives what.

mod common;

use common::*;
use serde_json::json;
use zego_core::actions::SendCustomCommand;
use zego_core::{AppId, Batched};

const MAX_CONTENT_BYTES: usize = SendCustomCommand::MAX_CONTENT_BYTES;
const MAX_TARGETS: usize = SendCustomCommand::MAX_PER_REQUEST;
use zego_mock::{App, Delivered, MockServer};

fn delivered(room: &str, from: &str, content: &str) -> Delivered {
    Delivered::custom_command(room, from, content)
}

/// The vendor's example request (spec page "请求示例"), with the public parameters of its
/// signature vector (AppId 12345, the vendor's secret and nonce) signed now.
fn vendor_example(bracket: &str) -> String {
    let ts = now();
    let secret = "9193cc662a4c0ec135ec71fb57194b38";
    format!(
        "/?Action=SendCustomCommand\
         &RoomId=room\
         &FromUserId=userA\
         &{bracket}=user1&{bracket}=user2\
         &MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3\
         &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp={ts}\
         &Signature={}&SignatureVersion=2.0",
        signature(12345, "4fd24687296dd9f3", secret, ts)
    )
}

#[test]
fn the_vendors_example_is_accepted_in_both_bracket_spellings() {
    let mock = MockServer::builder()
        .app(App::new(
            AppId::new(12345),
            "9193cc662a4c0ec135ec71fb57194b38",
        ))
        .user("room", "user1")
        .user("room", "user2")
        .user("room", "userA")
        .start()
        .unwrap();
    let content = "推送自定义信息-新接口";
    for (n, bracket) in ["ToUserId[]", "ToUserId%5B%5D"].into_iter().enumerate() {
        let response = get(mock.addr(), &vendor_example(bracket));
        assert_eq!(response.code(), 0, "{bracket}");
        assert_eq!(response.json()["Data"], json!({"FailUsers": []}));
        for user in ["user1", "user2"] {
            let inbox = mock.inbox(user);
            assert_eq!(inbox.len(), n + 1, "{bracket}: {user}");
            assert_eq!(inbox[n], delivered("room", "userA", content));
        }
    }
    assert!(mock.inbox("userA").is_empty(), "the sender never receives");
}

#[test]
fn the_vendors_signed_example_is_expired_now() {
    // The vendor's own vector, Timestamp 1615186943: the signature is right, the time is not.
    let mock = MockServer::builder()
        .app(App::new(
            AppId::new(12345),
            "9193cc662a4c0ec135ec71fb57194b38",
        ))
        .user("room", "user1")
        .start()
        .unwrap();
    let target = "/?Action=SendCustomCommand&RoomId=room&FromUserId=userA&ToUserId[]=user1\
        &MessageContent=hi&AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
        &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0";
    assert_eq!(code(mock.addr(), target), 100000004);
}

#[test]
fn room_id_missing_is_2() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &command("", "server", &["alice"], "hi")),
        2
    );
    let target = command("room-1", "server", &["alice"], "hi").replace("&RoomId=room-1", "");
    assert_eq!(code(mock.addr(), &target), 2);
    assert!(mock.inbox("alice").is_empty());
}

#[test]
fn from_user_id_missing_is_2() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &command("room-1", "", &["alice"], "hi")),
        2
    );
    let target = command("room-1", "server", &["alice"], "hi").replace("&FromUserId=server", "");
    assert_eq!(code(mock.addr(), &target), 2);
    assert!(mock.inbox("alice").is_empty());
}

#[test]
fn an_empty_target_is_2() {
    let mock = start();
    assert_eq!(
        code(
            mock.addr(),
            &command("room-1", "server", &["alice", ""], "hi")
        ),
        2
    );
    assert!(mock.inbox("alice").is_empty());
}

/// IDs have no length limit on the server API (the client SDKs' limits do not bind it):
/// long ones are taken as they are.
#[test]
fn long_ids_are_taken_as_they_are() {
    let room = "r".repeat(300);
    let user = "u".repeat(300);
    let target = "t".repeat(300);
    let mock = builder().user(room.as_str(), "alice").start().unwrap();
    let response = get(
        mock.addr(),
        &command(&room, &user, &["alice", &target], "hi"),
    );
    assert_eq!(response.code(), 0);
    assert_eq!(mock.inbox("alice").len(), 1);
}

#[test]
fn more_than_ten_targets_is_50011() {
    let mock = start();
    let names: Vec<String> = (0..=MAX_TARGETS).map(|i| format!("u{i}")).collect();
    let mut targets: Vec<&str> = names.iter().map(String::as_str).collect();
    targets[0] = "alice";
    assert_eq!(targets.len(), 11);
    assert_eq!(
        code(mock.addr(), &command("room-1", "server", &targets, "hi")),
        50011
    );
    assert!(mock.inbox("alice").is_empty());
    // Ten is the limit, and is fine.
    let response = get(
        mock.addr(),
        &command("room-1", "server", &targets[..10], "hi"),
    );
    assert_eq!(response.code(), 0);
    assert_eq!(
        response.json()["Data"]["FailUsers"]
            .as_array()
            .unwrap()
            .len(),
        9
    );
    assert_eq!(mock.inbox("alice").len(), 1);
}

#[test]
fn empty_content_is_1008() {
    let mock = start();
    assert_eq!(
        code(mock.addr(), &command("room-1", "server", &["alice"], "")),
        1008
    );
    let target = command("room-1", "server", &["alice"], "x").replace("&MessageContent=x", "");
    assert_eq!(code(mock.addr(), &target), 1008, "absent");
    assert!(mock.inbox("alice").is_empty());
}

#[test]
fn content_over_1024_bytes_after_decoding_is_50012() {
    let mock = start();
    for over in ["a".repeat(MAX_CONTENT_BYTES + 1), "推".repeat(342)] {
        assert_eq!(
            code(mock.addr(), &command("room-1", "server", &["alice"], &over)),
            50012,
            "{} bytes",
            over.len()
        );
    }
    assert!(mock.inbox("alice").is_empty());
    // The limit is on the decoded bytes: 341 CJK characters are 1023 bytes but 3069
    // characters on the wire; 1024 spaces are 1024 bytes sent as `+`.
    for fits in ["推".repeat(341), " ".repeat(MAX_CONTENT_BYTES)] {
        assert_eq!(
            code(mock.addr(), &command("room-1", "server", &["alice"], &fits)),
            0
        );
    }
    assert_eq!(mock.inbox("alice")[0].content, "推".repeat(341));
    assert_eq!(mock.inbox("alice")[1].content, " ".repeat(1024));
}

#[test]
fn a_room_with_nobody_online_is_50001() {
    let mock = builder()
        .offline_user("empty-room", "dave")
        .start()
        .unwrap();
    for room in ["no-such-room", "empty-room"] {
        assert_eq!(
            code(mock.addr(), &command(room, "server", &["dave"], "hi")),
            50001,
            "{room}"
        );
        assert_eq!(
            code(mock.addr(), &command(room, "server", &[], "hi")),
            50001
        );
    }
    // Everyone leaving destroys the room.
    mock.set_online("room-1", "alice", false);
    mock.set_online("room-1", "bob", false);
    assert_eq!(
        code(mock.addr(), &command("room-1", "server", &["alice"], "hi")),
        50001
    );
    mock.set_online("empty-room", "dave", true);
    assert_eq!(
        code(
            mock.addr(),
            &command("empty-room", "server", &["dave"], "hi")
        ),
        0
    );
    assert_eq!(
        mock.inbox("dave"),
        [delivered("empty-room", "server", "hi")]
    );
}

#[test]
fn targets_not_online_come_back_in_fail_users_with_50003() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    // carol is offline in room-1, erin is online in another room, zed is unknown.
    let response = get(
        mock.addr(),
        &command("room-1", "server", &["carol", "alice", "erin", "zed"], "hi"),
    );
    assert_eq!(response.code(), 0);
    assert_eq!(
        response.json()["Data"],
        json!({"FailUsers": [
            {"Uid": "carol", "Code": 50003},
            {"Uid": "erin", "Code": 50003},
            {"Uid": "zed", "Code": 50003},
        ]})
    );
    assert_eq!(mock.inbox("alice"), [delivered("room-1", "server", "hi")]);
    assert!(mock.inbox("carol").is_empty());
    assert!(mock.inbox("erin").is_empty());
    assert!(mock.inbox("bob").is_empty(), "bob was not named");
}

#[test]
fn no_targets_means_everyone_online_in_the_room_but_the_sender() {
    let mock = builder().user("room-2", "erin").start().unwrap();
    let response = get(mock.addr(), &command("room-1", "alice", &[], "to all"));
    assert_eq!(response.code(), 0);
    assert_eq!(response.json()["Data"], json!({"FailUsers": []}));
    assert_eq!(mock.inbox("bob"), [delivered("room-1", "alice", "to all")]);
    assert!(mock.inbox("alice").is_empty(), "the sender never receives");
    assert!(mock.inbox("carol").is_empty(), "carol is offline");
    assert!(mock.inbox("erin").is_empty(), "erin is in another room");
    // A sender outside the room reaches everyone online in it.
    assert_eq!(
        code(mock.addr(), &command("room-1", "server", &[], "all")),
        0
    );
    assert_eq!(mock.inbox("alice"), [delivered("room-1", "server", "all")]);
    assert_eq!(mock.inbox("bob").len(), 2);
}

#[test]
fn the_sender_named_among_the_targets_is_2_as_the_core_refuses_it() {
    let mock = start();
    // It would never be reached, and `FailUsers` would not say so: refused, as
    // `SendCustomCommand::validate` refuses it, and nobody receives anything.
    for targets in [
        &["alice"][..],
        &["bob", "alice"],
        &["carol", "alice", "alice"],
    ] {
        let target = command("room-1", "alice", targets, "hi");
        assert_eq!(code(mock.addr(), &target), 2, "{targets:?}");
    }
    assert!(mock.inbox("alice").is_empty());
    assert!(mock.inbox("bob").is_empty());
    let core = SendCustomCommand::to_users("room-1", "alice", ["bob", "alice"], "hi");
    let refused = zego_core::Action::validate(&core).unwrap_err();
    assert_eq!(refused.mirrors().get(), 2);
}

#[test]
fn a_target_named_twice_receives_once() {
    let mock = start();
    assert_eq!(
        code(
            mock.addr(),
            &command("room-1", "server", &["bob", "bob", "carol", "carol"], "hi")
        ),
        0
    );
    assert_eq!(mock.inbox("bob").len(), 1);
    let response = get(
        mock.addr(),
        &command("room-1", "server", &["carol", "carol"], "hi"),
    );
    assert_eq!(
        response.json()["Data"],
        json!({"FailUsers": [{"Uid": "carol", "Code": 50003}]})
    );
}

#[test]
fn inboxes_keep_delivery_order_across_rooms() {
    let mock = builder().user("room-2", "alice").start().unwrap();
    let sends = [
        ("room-1", "first"),
        ("room-2", "second"),
        ("room-1", "third"),
    ];
    for (room, content) in sends {
        assert_eq!(
            code(mock.addr(), &command(room, "server", &["alice"], content)),
            0
        );
    }
    let expected: Vec<Delivered> = sends
        .iter()
        .map(|(room, content)| delivered(room, "server", content))
        .collect();
    assert_eq!(mock.inbox("alice"), expected);
}

#[test]
fn going_offline_and_online_changes_who_receives() {
    let mock = start();
    mock.set_online("room-1", "alice", false);
    let response = get(mock.addr(), &command("room-1", "server", &["alice"], "1"));
    assert_eq!(
        response.json()["Data"],
        json!({"FailUsers": [{"Uid": "alice", "Code": 50003}]})
    );
    mock.set_online("room-1", "alice", true);
    mock.set_online("room-1", "newcomer", true);
    assert_eq!(
        code(
            mock.addr(),
            &command("room-1", "server", &["alice", "newcomer"], "2")
        ),
        0
    );
    assert_eq!(mock.inbox("alice"), [delivered("room-1", "server", "2")]);
    assert_eq!(mock.inbox("newcomer"), [delivered("room-1", "server", "2")]);
}

#[test]
fn values_are_form_decoded() {
    let mock = builder().user("room one", "a&b=c").start().unwrap();
    // `+` and `%20` are spaces; reserved characters arrive escaped; the key's brackets
    // may be escaped in either case.
    let target = format!(
        "/?Action=SendCustomCommand&RoomId=room+one&FromUserId=s%2Bt\
         &ToUserId%5b%5d=a%26b%3Dc&MessageContent=1+%2B+1%20%3D%202%E2%9C%93&{}",
        public(APP, SECRET)
    );
    assert_eq!(code(mock.addr(), &target), 0);
    assert_eq!(
        mock.inbox("a&b=c"),
        [delivered("room one", "s+t", "1 + 1 = 2✓")]
    );
}
