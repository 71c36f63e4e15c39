//! `DescribeUserList` (spec §5): the users online in a room a page at a time, by login
//! time then user ID, `Mode`, `Limit` and `Marker` honoured; its rules, each with its code;
//! and its budget of 1 request per second per room (207).

mod common;

use common::*;
use serde_json::{Value, json};
use zego_core::actions::DescribeUserList;
use zego_mock::{ADMIN_ROLE, Login, MockServer};

const MAX_LIMIT: usize = DescribeUserList::MAX_LIMIT as usize;

/// A mock whose `big` room has `n` users online (`u000`, ...), without budgets so that
/// pages may follow each other at once.
fn with_users(n: usize) -> MockServer {
    (0..n)
        .fold(builder().rate_limits(false), |b, i| {
            b.user("big", format!("u{i:03}"))
        })
        .start()
        .unwrap()
}

fn list(room: &str, params: &[(&str, &str)]) -> String {
    let mut all = vec![("RoomId", room)];
    all.extend_from_slice(params);
    request("DescribeUserList", &all)
}

/// The users online in `room`, in login order (ties by user ID), as the mock shows them.
fn login_order(mock: &MockServer, room: &str) -> Vec<String> {
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == room)
        .unwrap();
    let mut users: Vec<(u64, String)> = room
        .users
        .into_iter()
        .filter(|u| u.online)
        .map(|u| (u.login_time, u.user_id))
        .collect();
    users.sort();
    users.into_iter().map(|(_, id)| id).collect()
}

/// The user IDs of a page.
fn ids(response: &Response) -> Vec<String> {
    let users = response.json()["Data"]["UserList"].clone();
    let users = users.as_array().unwrap().iter();
    users
        .map(|u| u["UserId"].as_str().unwrap().to_owned())
        .collect()
}

/// Follows the markers from the first page; returns the user IDs of each page and the
/// markers answered.
fn pages(
    mock: &MockServer,
    room: &str,
    params: &[(&str, &str)],
) -> (Vec<Vec<String>>, Vec<String>) {
    let (mut pages, mut markers) = (Vec::new(), Vec::new());
    let mut marker = String::new();
    loop {
        let mut all = params.to_vec();
        all.push(("Marker", &marker));
        let response = get(mock.addr(), &list(room, &all));
        assert_eq!(response.code(), 0);
        pages.push(ids(&response));
        marker = response.json()["Data"]["Marker"]
            .as_str()
            .unwrap()
            .to_owned();
        markers.push(marker.clone());
        if marker.is_empty() {
            return (pages, markers);
        }
        assert!(pages.len() < 1000, "no end");
    }
}

#[test]
fn the_vendors_example_pages_by_two_with_markers_of_login_time_and_user() {
    let mock = builder()
        .rate_limits(false)
        .user("room_demo", "user1")
        .login("room_demo", Login::new("user2").role(2))
        .user("room_demo", "user3")
        .start()
        .unwrap();
    let order = login_order(&mock, "room_demo");
    let target = format!(
        "/?Action=DescribeUserList&RoomId=room_demo&Mode=0&Limit=2&Marker=&{}",
        public(APP, SECRET)
    );
    let response = get(mock.addr(), &target);
    assert_eq!(response.code(), 0);
    let data = response.json()["Data"].clone();
    let room = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "room_demo")
        .unwrap();
    let second = room.users.iter().find(|u| u.user_id == order[1]).unwrap();
    assert_eq!(
        data["Marker"],
        format!("{}-{}", second.login_time, order[1])
    );
    assert_eq!(ids(&response), order[..2]);
    let everyone = get(mock.addr(), &list("room_demo", &[])).json();
    let users = everyone["Data"]["UserList"].as_array().unwrap().clone();
    let user2 = users.iter().find(|u| u["UserId"] == "user2").unwrap();
    assert_eq!(
        user2,
        &json!({"UserId": "user2", "UserName": "user2", "UserRole": 2})
    );
    let (got, markers) = pages(&mock, "room_demo", &[("Mode", "0"), ("Limit", "2")]);
    assert_eq!(got, [order[..2].to_vec(), order[2..].to_vec()]);
    assert_eq!(markers[1], "", "the last page's Marker is empty");
}

#[test]
fn pages_cover_the_room_once_in_either_order() {
    let mock = with_users(5);
    let order = login_order(&mock, "big");
    let (oldest, markers) = pages(&mock, "big", &[("Limit", "2")]);
    assert_eq!(oldest.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
    assert_eq!(oldest.concat(), order);
    assert!(markers[..2].iter().all(|m| !m.is_empty()));
    let (newest, _) = pages(&mock, "big", &[("Mode", "1"), ("Limit", "2")]);
    let mut reversed = order.clone();
    reversed.reverse();
    assert_eq!(newest.concat(), reversed);
    // A page that ends exactly at the last user says so.
    let (exact, markers) = pages(&mock, "big", &[("Limit", "5")]);
    assert_eq!((exact.len(), markers[0].as_str()), (1, ""));
    // A marker of a user who left still places the next page.
    let response = get(mock.addr(), &list("big", &[("Limit", "2")]));
    let marker = response.json()["Data"]["Marker"]
        .as_str()
        .unwrap()
        .to_owned();
    mock.set_online("big", &order[1], false);
    let response = get(
        mock.addr(),
        &list("big", &[("Limit", "2"), ("Marker", &marker)]),
    );
    assert_eq!(ids(&response), order[2..4]);
}

#[test]
fn limit_0_or_absent_is_200() {
    let mock = with_users(MAX_LIMIT + 1);
    for params in [vec![], vec![("Limit", "0")], vec![("Limit", "")]] {
        let (got, _) = pages(&mock, "big", &params);
        let sizes: Vec<usize> = got.iter().map(Vec::len).collect();
        assert_eq!(sizes, [MAX_LIMIT, 1], "{params:?}");
    }
    let (got, _) = pages(&mock, "big", &[("Limit", "200")]);
    assert_eq!(got[0].len(), MAX_LIMIT);
    let (got, _) = pages(&mock, "big", &[("Limit", "1")]);
    assert_eq!(got.len(), MAX_LIMIT + 1);
}

#[test]
fn offline_users_are_not_listed_and_administrators_are() {
    let mock = builder()
        .rate_limits(false)
        .login(
            "room-1",
            Login::new("rec").name("Recorder").role(ADMIN_ROLE),
        )
        .start()
        .unwrap();
    let response = get(mock.addr(), &list("room-1", &[]));
    let listed = ids(&response);
    assert!(!listed.contains(&"carol".to_owned()), "offline: {listed:?}");
    assert_eq!(listed.len(), 3);
    let users = response.json()["Data"]["UserList"].clone();
    let rec = users
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["UserId"] == "rec")
        .unwrap();
    assert_eq!(
        rec,
        &json!({"UserId": "rec", "UserName": "Recorder", "UserRole": 4})
    );
}

#[test]
fn a_room_that_does_not_exist_is_an_empty_last_page() {
    let mock = builder().offline_user("empty", "dave").start().unwrap();
    for room in ["nowhere", "empty"] {
        let response = get(mock.addr(), &list(room, &[]));
        assert_eq!(response.code(), 0);
        assert_eq!(
            response.json()["Data"],
            json!({"Marker": "", "UserList": []})
        );
    }
}

#[test]
fn bad_mode_limit_or_marker_is_2() {
    let mock = builder().rate_limits(false).start().unwrap();
    for (params, what) in [
        (vec![("Mode", "2")], "Mode 2"),
        (vec![("Mode", "newest")], "Mode text"),
        (vec![("Mode", "01")], "Mode 01"),
        (vec![("Limit", "201")], "Limit 201"),
        (vec![("Limit", "-1")], "Limit -1"),
        (vec![("Limit", "1.5")], "Limit 1.5"),
        (vec![("Limit", "many")], "Limit text"),
        (vec![("Marker", "user2")], "a Marker without a time"),
        (vec![("Marker", "-user2")], "a Marker with an empty time"),
        (
            vec![("Marker", "12x-user2")],
            "a Marker whose time is not a number",
        ),
    ] {
        assert_eq!(code(mock.addr(), &list("room-1", &params)), 2, "{what}");
    }
    assert_eq!(
        code(mock.addr(), &request("DescribeUserList", &[])),
        2,
        "no RoomId"
    );
    assert_eq!(
        code(mock.addr(), &list("nowhere", &[("Limit", "201")])),
        2,
        "checked before the room"
    );
    // A well-formed marker of no user is a position like any other.
    let response = get(mock.addr(), &list("room-1", &[("Marker", "0-")]));
    assert_eq!(response.code(), 0);
    assert_eq!(ids(&response).len(), 2);
    let response = get(
        mock.addr(),
        &list("room-1", &[("Marker", "99999999999999-z")]),
    );
    assert_eq!(
        response.json()["Data"],
        json!({"Marker": "", "UserList": []})
    );
}

#[test]
fn one_request_per_second_per_room_else_207() {
    let mock = start();
    let mut conn = Conn::open(mock.addr());
    assert_eq!(conn.get(&list("room-1", &[])).code(), 0);
    let throttled = conn.get(&list("room-1", &[]));
    assert_eq!(throttled.code(), 207);
    let json: Value = throttled.json();
    assert!(json.get("Data").is_none(), "{json}");
    // Another room has its own budget, even one that does not exist; a request refused
    // for its parameters takes nothing from its room's.
    assert_eq!(conn.get(&list("room-2", &[("Limit", "300")])).code(), 2);
    assert_eq!(conn.get(&list("room-2", &[])).code(), 0);
    assert_eq!(conn.get(&list("room-2", &[])).code(), 207);
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(conn.get(&list("room-1", &[])).code(), 0, "a second later");
}
