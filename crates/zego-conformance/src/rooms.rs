//! The scenarios of the room calls: barrages, the user queries (`DescribeUsers`,
//! `DescribeUserList` and its pages) and `CloseRoom`, through any [`TestClient`], against
//! zego-mock's world.

use std::time::{Duration, Instant};

use zego_core::actions::{
    CloseRoom, DescribeUserList, DescribeUserNum, DescribeUsers, KickoutUser, MessageCategory,
    SendBarrageMessage, SendBroadcastMessage, SendCustomCommand, UserListOrder,
};
use zego_core::{CodeClass, Error, ReturnCode};
use zego_mock::{MessageKind, MockServer};

use crate::{
    BIG_ROOM, TestClient, assert_final, codes, fan_out_users, online, param, spec, start_mock,
};

/// The barrage messages in `user`'s inbox: content, `MessageId` and sender's name.
fn barrages(mock: &MockServer, user: &str) -> Vec<(String, String, String)> {
    mock.inbox(user)
        .into_iter()
        .map(|d| match d.kind {
            MessageKind::Barrage {
                message_id,
                from_user_name,
                ..
            } => (d.content, message_id, from_user_name),
            other => panic!("{user}: not a barrage: {other:?}"),
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// SendBarrageMessage

/// A barrage reaches every online member of the room but the sender, as a barrage
/// (`"kind": "barrage"`), with the opaque string `MessageId` the call answered; its
/// counter is the room's own, apart from the broadcasts'; a room nobody is in is 50001.
pub fn barrage_reaches_the_room_but_the_sender<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let first = client
        .call(
            SendBarrageMessage::new("room-1", "alice", MessageCategory::Chat, "弹幕 + 1 & more")
                .user_name("Alice"),
        )
        .expect("sent");
    let second = client
        .call(SendBarrageMessage::new(
            "room-1",
            "server",
            MessageCategory::System,
            "two",
        ))
        .expect("sent");
    let ids: Vec<String> = [&first, &second]
        .iter()
        .map(|r| r.data.message_id.clone().expect("a MessageId"))
        .collect();
    // The vendor's shape, "1_<ms>_<n>", n counting the room's barrages.
    assert!(
        ids[0].starts_with("1_") && ids[0].ends_with("_1"),
        "{ids:?}"
    );
    assert!(ids[1].ends_with("_2"), "{ids:?}");
    let both = [
        (
            "弹幕 + 1 & more".to_owned(),
            ids[0].clone(),
            "Alice".to_owned(),
        ),
        ("two".to_owned(), ids[1].clone(), String::new()),
    ];
    assert_eq!(barrages(&mock, "bob"), both);
    assert_eq!(
        barrages(&mock, "alice"),
        both[1..],
        "never to the sender, so alice has only the second"
    );
    assert!(mock.inbox("carol").is_empty(), "offline");
    assert!(mock.inbox("dave").is_empty(), "another room");
    // A broadcast counts apart: the room's first.
    let broadcast = client
        .call(SendBroadcastMessage::new(
            "room-1",
            "server",
            MessageCategory::Chat,
            "b",
        ))
        .expect("sent");
    assert_eq!(broadcast.data.message_id, Some(1));
    // A room nobody is in: 50001, a state, not retried.
    let no_room = SendBarrageMessage::new("no-room", "server", MessageCategory::Chat, "x");
    assert_final(
        client.call(no_room),
        ReturnCode::ROOM_NOT_FOUND,
        CodeClass::State,
    );
}

// ---------------------------------------------------------------------------------------
// DescribeUsers

/// Who is in the room, one entry per user asked about, in order, with the login time the
/// world has; 12 users are 2 requests merged in order; a room nobody is in is 50001.
pub fn describe_users_reports_who_is_in_the_room<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(DescribeUsers::new(
            "room-1",
            ["alice", "carol", "nobody", "bob", "alice"],
        ))
        .expect("described");
    let users = reply.users().expect("UserStatusList");
    let got: Vec<(&str, u32, u32)> = users
        .iter()
        .map(|u| (u.user_id.as_str(), u.status, u.user_role))
        .collect();
    assert_eq!(
        got,
        [
            ("alice", 1, 1),
            ("carol", 0, 0),
            ("nobody", 0, 0),
            ("bob", 1, 1)
        ],
        "duplicates are merged by the client"
    );
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room-1")
        .expect("room-1");
    for status in users {
        let login_time = room
            .users
            .iter()
            .find(|u| u.user_id == status.user_id && u.online)
            .map_or(0, |u| i64::try_from(u.login_time).expect("ms"));
        assert_eq!(status.login_time, login_time, "{}", status.user_id);
    }
    let first: Vec<String> = fan_out_users().into_iter().take(12).collect();
    let merged = client
        .fan_out(DescribeUsers::new(BIG_ROOM, first.clone()))
        .expect("valid");
    assert!(merged.is_complete(), "{merged:?}");
    assert_eq!(merged.calls, 2);
    let order: Vec<&str> = merged.users().iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(order, first);
    assert!(merged.users().iter().all(|u| u.in_room()));
    let error = client
        .call(DescribeUsers::new("no-room", ["alice"]))
        .unwrap_err();
    assert_eq!(error.code(), Some(ReturnCode::ROOM_NOT_FOUND));
    assert_eq!(mock.requests().len(), 4);
}

// ---------------------------------------------------------------------------------------
// DescribeUserList

/// `all_pages` follows the mock's `Marker` from the first page to the last: 25 users,
/// `Limit` 10, are 3 pages, oldest login first, paced at one page a second for the room;
/// `Mode` 1 is the newest first; a room that does not exist is one empty page.
///
/// The client spaces the pages by exactly the room's budget of 1/s, as it reserves their
/// slots; a page can still reach the mock a little less than a second after the one
/// before (the first request also opens the connection) and be answered 207: it is then
/// retried, and is in the list once.
pub fn user_list_pages_to_the_end<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let started = Instant::now();
    let all = client
        .all_pages(DescribeUserList::new(BIG_ROOM).limit(10))
        .expect("valid");
    let took = started.elapsed();
    assert!(all.is_complete(), "{:?}", all.error);
    assert_eq!((all.pages, all.request_ids.len()), (3, 3));
    let ids: Vec<&str> = all.items.iter().map(|u| u.user_id.as_str()).collect();
    assert_eq!(
        ids,
        fan_out_users(),
        "every user once, the oldest login first"
    );
    assert!(all.items.iter().all(|u| u.user_role == 1));
    assert!(
        took >= Duration::from_millis(1900),
        "3 pages of one room take 2 s at 1/s: {took:?}"
    );
    let log = mock.requests();
    eprintln!("DescribeUserList pages: {:?} in {took:?}", codes(&mock));
    let (answered, throttled): (Vec<_>, Vec<_>) = log
        .iter()
        .partition(|r| r.code == Some(ReturnCode::SUCCESS));
    assert!(
        throttled
            .iter()
            .all(|r| r.code == Some(ReturnCode::ROOM_QPS_LIMIT)),
        "{log:?}"
    );
    assert_eq!(all.attempts as usize, log.len());
    let markers: Vec<&str> = answered.iter().map(|r| param(r, "Marker")).collect();
    assert_eq!(markers[0], "", "the first page has no Marker");
    assert!(markers[1].ends_with("-fan-09"), "{markers:?}");
    assert!(markers[2].ends_with("-fan-19"), "{markers:?}");
    for request in &log {
        assert_eq!(param(request, "Limit"), "10");
    }
    let pages = log.len();

    // Newest first, one page of one user: bob logged in after alice.
    let page = client
        .call(
            DescribeUserList::new("room-1")
                .order(UserListOrder::NewestFirst)
                .limit(1),
        )
        .expect("listed");
    let users: Vec<&str> = page
        .data
        .users()
        .expect("UserList")
        .iter()
        .map(|u| u.user_id.as_str())
        .collect();
    assert_eq!(users, ["bob"]);
    assert!(
        page.data.next_marker().is_some_and(|m| m.ends_with("-bob")),
        "{:?}",
        page.data
    );
    assert_eq!(param(&mock.requests()[pages], "Mode"), "1");
    // A room that does not exist: one page, no users, the last.
    let none = client
        .all_pages(DescribeUserList::new("no-room"))
        .expect("valid");
    assert!(none.is_complete() && none.items.is_empty() && none.pages == 1);
}

// ---------------------------------------------------------------------------------------
// CloseRoom

/// `CloseRoom` ends the room: its users are offline and it is listed as closed; later
/// calls to it answer as for a room that does not exist (50001; `CloseRoom` 5018), and
/// it counts 0 users; other rooms go on.
pub fn close_room_ends_it<T: TestClient>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .call(
            CloseRoom::new("room-1")
                .reason("closed + 关闭")
                .room_close_callback(false),
        )
        .expect("closed");
    assert_eq!(reply.attempts, 1);
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room-1")
        .expect("room-1");
    assert!(!room.open && room.closed, "{room:?}");
    assert!(room.users.iter().all(|u| !u.online), "{room:?}");
    assert_eq!(online(&mock, "room-2", "dave"), Some(true));

    let gone = ReturnCode::ROOM_NOT_FOUND;
    let errors: [(&str, Error); 4] = [
        (
            "SendBroadcastMessage",
            client
                .call(SendBroadcastMessage::new(
                    "room-1",
                    "server",
                    MessageCategory::Chat,
                    "x",
                ))
                .unwrap_err(),
        ),
        (
            "SendCustomCommand",
            client
                .call(SendCustomCommand::to_room("room-1", "server", "x"))
                .unwrap_err(),
        ),
        (
            "KickoutUser",
            client
                .call(KickoutUser::new("room-1", ["alice"]))
                .unwrap_err(),
        ),
        (
            "DescribeUsers",
            client
                .call(DescribeUsers::new("room-1", ["alice"]))
                .unwrap_err(),
        ),
    ];
    for (call, error) in &errors {
        assert_eq!(error.code(), Some(gone), "{call}: {error}");
        assert_eq!(error.attempts(), 1, "{call}");
    }
    let counts = client
        .call(DescribeUserNum::new(["room-1", "room-2"]))
        .expect("counted");
    let counts: Vec<u32> = counts
        .counts()
        .expect("counts")
        .iter()
        .map(|c| c.user_count)
        .collect();
    assert_eq!(counts, [0, 1]);
    // Closing it again, past the budget of 1/s of both ends (the client's pacing alone
    // may have the request reach the mock a little less than a second after the first,
    // and be answered 206 and retried): 5018, a state.
    std::thread::sleep(Duration::from_millis(1100));
    let again = client.call(CloseRoom::new("room-1"));
    assert_final(again, ReturnCode::ROOM_CLOSED, CodeClass::State);
    assert!(mock.inbox("alice").is_empty() && mock.inbox("bob").is_empty());
    let answered: Vec<Option<ReturnCode>> = codes(&mock);
    assert_eq!(answered.len(), 7);
}
