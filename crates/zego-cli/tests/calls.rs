//! The room and stream calls of the built `zego` binary (messages, users, rooms, streams,
//! ban rules): their golden dry runs, their checks at each limit, their JSON against
//! zego-mock's world (the data of each call, and what it did there), `--all` paging over
//! the mock's `Limit` and `Marker`, the codes that are answers, a fan-out of the media
//! service in the test environment, a page that fails (against a scripted server: the
//! mock fails no page on its own), and the grouped `zego --help`.

mod call_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};
use zego_hyper::{AppId, ReturnCode};
use zego_mock::{App, MessageKind, MockServer, RoomUser, StreamRecord};

use call_support::*;

/// The first page of the vendor's DescribeUserList example (spec §5), and where the
/// second starts.
const MARKER: &str = "1635940599950-user2";
const PAGE_1: &str = r#"{"Marker":"1635940599950-user2","UserList":[
    {"UserId":"user1","UserName":"user1","UserRole":1},
    {"UserId":"user2","UserName":"user2","UserRole":2}]}"#;

/// What the mock cannot be: a `DescribeUserList` whose first page is the vendor's example
/// (spec §5) and whose second page fails with 2.
fn second_page_fails(query: &str) -> String {
    static REQUEST_ID: AtomicUsize = AtomicUsize::new(2000);
    let request_id = REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let (code, data) = match values(query, "Marker").first() {
        None => (0, PAGE_1),
        Some(_) => (2, "null"),
    };
    format!(r#"{{"Code":{code},"Message":"ok","RequestId":"{request_id}","Data":{data}}}"#)
}

/// zego-mock with the app of [`APP`], and `r` with alice and bob online (alice logged in
/// first) and carol known but offline.
fn mock() -> MockServer {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("r", "alice")
        .user("r", "bob")
        .offline_user("r", "carol")
        .start()
        .expect("the mock starts")
}

/// The user `user` of room `room`, as the world has it.
fn room_user(mock: &MockServer, room: &str, user: &str) -> RoomUser {
    mock.rooms()
        .into_iter()
        .find(|r| r.room_id == room)
        .and_then(|r| r.users.into_iter().find(|u| u.user_id == user))
        .expect("a user of the room")
}

/// The stream `stream` as the world has it (`GET /_mock/streams`).
fn stream(mock: &MockServer, stream: &str) -> Option<StreamRecord> {
    mock.streams().into_iter().find(|s| s.stream_id == stream)
}

/// A Unix time in seconds, as decimal text, within the last minute.
fn assert_recent_seconds(text: &str) {
    let seconds: u64 = text.parse().unwrap_or_else(|_| panic!("{text:?}"));
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!((now - 60..=now).contains(&seconds), "{text}");
}

#[test]
fn dry_run_golden_urls_of_the_new_calls() {
    // The vendor's example requests (spec §2 to §17), signed as its signature example;
    // the media-service calls carry Sequence, which a dry run writes as the timestamp in
    // milliseconds.
    let cases: [(&[&str], &str); 17] = [
        (
            &[
                "send-barrage-message",
                "--room",
                "room1",
                "--from",
                "user1",
                "--from-name",
                "userName",
                "--message",
                "hello zego big im-弹幕消息",
            ],
            "Action=SendBarrageMessage&RoomId=room1&UserId=user1&UserName=userName\
             &MessageCategory=2&MessageContent=hello%20zego%20big%20im-%E5%BC%B9%E5%B9%95%E6%B6%88%E6%81%AF",
        ),
        (
            &[
                "describe-users",
                "--room",
                "room1",
                "--user",
                "a",
                "--user",
                "b",
            ],
            "Action=DescribeUsers&RoomId=room1&UserId[]=a&UserId[]=b",
        ),
        (
            &["describe-user-list", "--room", "room_demo", "--limit", "2"],
            "Action=DescribeUserList&RoomId=room_demo&Mode=0&Limit=2",
        ),
        (
            &[
                "describe-user-list",
                "--room",
                "room_demo",
                "--order",
                "desc",
                "--marker",
                MARKER,
            ],
            "Action=DescribeUserList&RoomId=room_demo&Mode=1&Limit=200\
             &Marker=1635940599950-user2",
        ),
        (
            &["close-room", "--room", "room1", "--reason", "clear"],
            "Action=CloseRoom&RoomId=room1&CustomReason=clear&RoomCloseCallback=false",
        ),
        (
            &["describe-simple-stream-list", "--room", "room1"],
            "Action=DescribeSimpleStreamList&RoomId=room1",
        ),
        (
            &[
                "add-stream",
                "--room",
                "room1",
                "--user",
                "user1",
                "--user-name",
                "userName",
                "--stream",
                "streamId1",
                "--title",
                "流标题",
                "--extra-info",
                "附加信息",
            ],
            "Action=AddStream&RoomId=room1&UserId=user1&UserName=userName&StreamId=streamId1\
             &StreamTitle=%E6%B5%81%E6%A0%87%E9%A2%98&ExtraInfo=%E9%99%84%E5%8A%A0%E4%BF%A1%E6%81%AF\
             &CensorFlag=0",
        ),
        (
            &[
                "delete-stream",
                "--room",
                "room1",
                "--user",
                "user1",
                "--user-name",
                "userName",
                "--stream",
                "streamId1",
            ],
            "Action=DeleteStream&RoomId=room1&UserId=user1&UserName=userName&StreamId=streamId1",
        ),
        (
            &["forbid-rtc-stream", "--stream", "rtc01"],
            "Action=ForbidRTCStream&StreamId=rtc01&Sequence=1615186943000",
        ),
        (
            &["resume-rtc-stream", "--stream", "rtc01"],
            "Action=ResumeRTCStream&StreamId=rtc01&Sequence=1615186943000",
        ),
        (
            &[
                "forbid-rtc-streams",
                "--stream",
                "rtc01",
                "--stream",
                "rtc02",
            ],
            "Action=ForbidRTCStreams&StreamId[]=rtc01&StreamId[]=rtc02&Sequence=1615186943000",
        ),
        (
            &[
                "resume-rtc-streams",
                "--stream",
                "rtc01",
                "--stream",
                "rtc02",
            ],
            "Action=ResumeRTCStreams&StreamId[]=rtc01&StreamId[]=rtc02&Sequence=1615186943000",
        ),
        (
            &["describe-rtc-stream-state", "--stream", "rtc01"],
            "Action=DescribeRTCStreamState&StreamId=rtc01&Sequence=1615186943000",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "room1",
                "--privilege",
                "login",
                "--privilege",
                "publish",
                "--effective-time",
                "1800",
            ],
            "Action=SetForbidUserRule&RuleType=2&RoomId=room1\
             &DisabledPrivilege[]=1&DisabledPrivilege[]=2&EffectiveTime=1800",
        ),
        (
            &["describe-forbid-user-rules", "--rule-type", "room"],
            "Action=DescribeForbidUserRules&RuleType=2",
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "room1",
            ],
            "Action=DelForbidUserRule&RuleType=2&RoomId=room1",
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room-user",
                "--room",
                "room1",
                "--user",
                "u1",
            ],
            "Action=DelForbidUserRule&RuleType=4&RoomId=room1&UserId=u1",
        ),
    ];
    for (args, query) in cases {
        let out = vendor_dry_run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("https://rtc-api.zego.im/?{query}{SIGNED}\n"),
            "{args:?}"
        );
        assert!(!stdout(&out).contains("9193cc662a4c0ec135ec71fb57194b38"));
    }
    // In the test environment the media-service calls add the stream prefix, once.
    for stream in ["rtc01", "zegotest-12345-rtc01"] {
        let out = vendor_dry_run(&[
            "describe-rtc-stream-state",
            "--stream",
            stream,
            "--test-env",
        ]);
        assert_eq!(
            stdout(&out),
            format!(
                "https://rtc-api.zego.im/?Action=DescribeRTCStreamState\
                 &StreamId=zegotest-12345-rtc01&Sequence=1615186943000{SIGNED}&IsTest=true\n"
            )
        );
    }
}

#[test]
fn the_new_calls_pass_at_their_limits() {
    let stream_256 = "s".repeat(256);
    let content_1024 = "弹".repeat(341) + "a";
    let title_127 = "t".repeat(127);
    let extra_1024 = "e".repeat(1024);
    let reason_256 = "r".repeat(256);
    let streams_20: Vec<String> = (0..20).map(|i| format!("rtc{i:02}")).collect();
    let users_10: Vec<String> = (0..10).map(|i| format!("u{i}")).collect();
    let mut forbid_20 = vec!["forbid-rtc-streams"];
    forbid_20.extend(streams_20.iter().flat_map(|s| ["--stream", s.as_str()]));
    let mut describe_10 = vec!["describe-users", "--room", "r"];
    describe_10.extend(users_10.iter().flat_map(|u| ["--user", u.as_str()]));
    let cases: [&[&str]; 14] = [
        &[
            "send-barrage-message",
            "--room",
            "r",
            "--from",
            "s",
            "--message",
            &content_1024,
        ],
        &describe_10,
        &["describe-user-list", "--room", "r", "--limit", "200"],
        &["describe-user-list", "--room", "r", "--limit", "0"],
        &["close-room", "--room", "r", "--reason", &reason_256],
        &[
            "add-stream",
            "--room",
            "r",
            "--user",
            "u",
            "--stream",
            &stream_256,
        ],
        &[
            "add-stream",
            "--room",
            "r",
            "--user",
            "u",
            "--stream",
            "s",
            "--title",
            &title_127,
        ],
        &[
            "add-stream",
            "--room",
            "r",
            "--user",
            "u",
            "--stream",
            "s",
            "--extra-info",
            &extra_1024,
        ],
        &[
            "delete-stream",
            "--room",
            "r",
            "--user",
            "u",
            "--stream",
            &stream_256,
        ],
        &["forbid-rtc-stream", "--stream", &stream_256],
        &forbid_20,
        &["describe-rtc-stream-state", "--stream", &stream_256],
        &[
            "set-forbid-user-rule",
            "--rule-type",
            "ip",
            "--ip",
            "10.0.0.1",
            "--privilege",
            "publish",
            "--effective-time",
            "1",
        ],
        &[
            "set-forbid-user-rule",
            "--rule-type",
            "user",
            "--user",
            "u",
            "--privilege",
            "login",
            "--effective-time",
            "86400",
        ],
    ];
    for args in cases {
        let out = vendor_dry_run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stdout(&out).lines().count(), 1);
    }
    // One more element than a request takes: a fan-out, which a dry run cannot print.
    for (mut args, extra, says) in [
        (
            forbid_20,
            "--stream",
            "one ForbidRTCStreams request takes at most 20 StreamId[] elements; got 21",
        ),
        (
            describe_10,
            "--user",
            "one DescribeUsers request takes at most 10 UserId[] elements; got 11",
        ),
    ] {
        args.extend([extra, "one-more"]);
        let out = vendor_dry_run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(says), "{}", stderr(&out));
    }
    let out = vendor_dry_run(&["describe-user-list", "--room", "r", "--all"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--all may take several: without --all it prints the request of the first page"
        ),
        "{}",
        stderr(&out)
    );
}

#[test]
fn validation_errors_of_the_new_calls_exit_2_and_send_nothing() {
    let mock = mock();
    let url = mock.base_url();
    let long = |n: usize| "x".repeat(n);
    let (l257, l128, l1025) = (long(257), long(128), long(1025));
    let cases: [(&[&str], &str); 19] = [
        (
            &[
                "send-barrage-message",
                "--room",
                "r",
                "--from",
                "s",
                "--message",
                &l1025,
            ],
            "SendBarrageMessage: MessageContent is 1025 bytes, over the limit of 1024 bytes",
        ),
        (
            &[
                "send-barrage-message",
                "--room",
                "r",
                "--from",
                "s",
                "--message",
                "",
            ],
            "SendBarrageMessage: MessageContent is empty",
        ),
        (
            &["describe-users", "--room", "r"],
            "DescribeUsers: UserId[] has no element",
        ),
        (
            &["describe-users", "--room", "r", "--user", "a", "--user", ""],
            "DescribeUsers: UserId[] element 1 is empty",
        ),
        (
            &["describe-user-list", "--room", "r", "--limit", "201"],
            "DescribeUserList: Limit is 201, outside the range 0 to 200",
        ),
        (
            &[
                "describe-user-list",
                "--room",
                "r",
                "--limit",
                "201",
                "--all",
            ],
            "DescribeUserList: Limit is 201, outside the range 0 to 200",
        ),
        (
            &["close-room", "--room", "r", "--reason", &l257],
            "CloseRoom: CustomReason is 257 bytes, over the limit of 256 bytes",
        ),
        (
            &["describe-simple-stream-list", "--room", ""],
            "DescribeSimpleStreamList: RoomId is empty",
        ),
        (
            &[
                "add-stream",
                "--room",
                "r",
                "--user",
                "u",
                "--stream",
                &l257,
            ],
            "AddStream: StreamId is 257 bytes, over the limit of 256 bytes",
        ),
        (
            &[
                "add-stream",
                "--room",
                "r",
                "--user",
                "u",
                "--stream",
                "s",
                "--title",
                &l128,
            ],
            "AddStream: StreamTitle is 128 bytes, over the limit of 127 bytes",
        ),
        (
            &[
                "add-stream",
                "--room",
                "r",
                "--user",
                "u",
                "--stream",
                "s",
                "--extra-info",
                &l1025,
            ],
            "AddStream: ExtraInfo is 1025 bytes, over the limit of 1024 bytes",
        ),
        (
            &[
                "delete-stream",
                "--room",
                "r",
                "--user",
                "",
                "--stream",
                "s",
            ],
            "DeleteStream: UserId is empty",
        ),
        (
            &["forbid-rtc-stream", "--stream", "a b"],
            "ForbidRTCStream: StreamId is \"a b\", with ' '",
        ),
        (
            &["resume-rtc-stream", "--stream", ""],
            "ResumeRTCStream: StreamId is empty",
        ),
        (
            &["forbid-rtc-streams"],
            "ForbidRTCStreams: StreamId[] has no element",
        ),
        (
            &["describe-rtc-stream-state", "--stream", &l257],
            "DescribeRTCStreamState: StreamId is 257 bytes, over the limit of 256 bytes",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "r",
                "--privilege",
                "login",
                "--effective-time",
                "86401",
            ],
            "SetForbidUserRule: EffectiveTime is 86401, outside the range 1 to 86400",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "r",
                "--effective-time",
                "60",
            ],
            "SetForbidUserRule: DisabledPrivilege[] has no element",
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room-user",
                "--room",
                "r",
                "--user",
                "",
            ],
            "DelForbidUserRule: UserId is empty",
        ),
    ];
    for (args, says) in cases {
        assert_invalid(&url, args, says);
    }
    // Usage errors: flags clap refuses, and a rule key that does not fit its type.
    for (args, says) in [
        (
            &["describe-forbid-user-rules", "--rule-type", "all"][..],
            "invalid value 'all'",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "r",
                "--privilege",
                "chat",
                "--effective-time",
                "60",
            ],
            "invalid value 'chat'",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "r",
                "--privilege",
                "login",
                "--effective-time",
                "-1",
            ],
            "--effective-time",
        ),
        (
            &["describe-user-list", "--room", "r", "--order", "newest"],
            "invalid value 'newest'",
        ),
        (
            &[
                "add-stream",
                "--room",
                "r",
                "--user",
                "u",
                "--stream",
                "s",
                "--censor",
                "maybe",
            ],
            "invalid value 'maybe'",
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room-user",
                "--room",
                "r",
            ],
            "--rule-type room-user needs --user",
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "r",
                "--ip",
                "1.2.3.4",
            ],
            "--rule-type room does not take --ip",
        ),
        (
            &[
                "set-forbid-user-rule",
                "--rule-type",
                "ip",
                "--privilege",
                "login",
                "--effective-time",
                "60",
            ],
            "--rule-type ip needs --ip",
        ),
    ] {
        let out = call(&url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert!(mock.requests().is_empty(), "nothing reached the server");
}

#[test]
fn the_json_of_the_new_calls_is_their_data_and_their_effect_in_the_world() {
    let mock = mock();
    mock.publish("r", "bob", "cam").expect("bob publishes");
    let url = mock.base_url();
    let json_of = |args: &[&str]| {
        let out = call(&url, &[args, &["--json"][..]].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_one_request_done(&v);
        v
    };
    // Every call's JSON has the shape of every other call's.
    let expected = shape(&json_of(&[
        "kickout-user",
        "--room",
        "r",
        "--user",
        "nobody",
    ]));
    let data = |args: &[&str]| {
        let v = json_of(args);
        assert_eq!(shape(&v), expected, "{args:?}: {v}");
        v["data"].clone()
    };

    // A barrage reaches bob as a barrage, with the MessageId printed; not its sender.
    let barrage = data(&[
        "send-barrage-message",
        "--room",
        "r",
        "--from",
        "alice",
        "--message",
        "666",
    ]);
    let id = barrage["MessageId"].as_str().expect("a string").to_owned();
    assert!(id.starts_with("1_") && id.ends_with("_1"), "{id}");
    assert_eq!(barrage, json!({"MessageId": id}));
    let inbox = mock.inbox("bob");
    assert_eq!(inbox.len(), 1);
    assert!(
        matches!(&inbox[0].kind, MessageKind::Barrage { message_id, .. } if *message_id == id),
        "{inbox:?}"
    );
    assert_eq!(
        (inbox[0].content.as_str(), inbox[0].from_user_id.as_str()),
        ("666", "alice")
    );
    assert!(mock.inbox("alice").is_empty(), "never to the sender");

    // The users, as the world has them.
    let alice = room_user(&mock, "r", "alice");
    assert_eq!(
        data(&[
            "describe-users",
            "--room",
            "r",
            "--user",
            "alice",
            "--user",
            "carol"
        ]),
        json!({"UserStatusList": [
            {"UserId": "alice", "Status": 1, "LoginTime": alice.login_time, "UserRole": 1},
            {"UserId": "carol", "Status": 0, "LoginTime": 0, "UserRole": 0},
        ]})
    );
    assert_eq!(
        data(&["describe-user-list", "--room", "r", "--limit", "2"]),
        json!({"Marker": "", "UserList": [
            {"UserId": "alice", "UserName": "alice", "UserRole": 1},
            {"UserId": "bob", "UserName": "bob", "UserRole": 1},
        ]}),
        "both on the one page: the Marker of the last page"
    );

    // A stream added is in the list after the one published, then deleted.
    let added = data(&[
        "add-stream",
        "--room",
        "r",
        "--user",
        "Server-Administrator",
        "--stream",
        "movie",
        "--title",
        "电影",
    ]);
    assert_eq!(added, Value::Null);
    let list = mock
        .rooms()
        .into_iter()
        .find(|r| r.room_id == "r")
        .unwrap()
        .streams;
    let movie = list
        .iter()
        .find(|s| s.stream_id == "movie")
        .expect("listed");
    assert!(movie.added && movie.title == "电影", "{movie:?}");
    let cam = list.iter().find(|s| s.stream_id == "cam").expect("listed");
    assert_eq!(
        data(&["describe-simple-stream-list", "--room", "r"]),
        json!({"StreamList": [
            {"StreamId": "cam", "UserId": "bob", "UserName": "bob",
             "CreateTime": cam.create_time, "StreamNumberId": 1},
            {"StreamId": "movie", "UserId": "Server-Administrator", "UserName": "",
             "CreateTime": movie.create_time, "StreamNumberId": 2},
        ]})
    );
    let deleted = data(&[
        "delete-stream",
        "--room",
        "r",
        "--user",
        "Server-Administrator",
        "--stream",
        "movie",
    ]);
    assert_eq!(deleted, Value::Null);
    assert_eq!(stream(&mock, "movie"), None, "out of the list");

    // The media service: bob's stream is live, then forbidden and resumed.
    let state = data(&["describe-rtc-stream-state", "--stream", "cam"]);
    assert_eq!(state["close_time"], "", "{state}");
    assert_recent_seconds(state["create_time"].as_str().expect("text"));
    assert_eq!(data(&["forbid-rtc-stream", "--stream", "cam"]), Value::Null);
    let forbidden = stream(&mock, "cam").expect("known");
    assert!(
        forbidden.forbidden && !forbidden.publishing,
        "{forbidden:?}"
    );
    assert_eq!(data(&["resume-rtc-stream", "--stream", "cam"]), Value::Null);
    assert_eq!(
        stream(&mock, "cam"),
        None,
        "neither forbidden nor published"
    );
    let two = ["--stream", "rtc01", "--stream", "rtc02"];
    assert_eq!(
        data(&[&["forbid-rtc-streams"][..], &two].concat()),
        Value::Null
    );
    let records = mock.streams();
    assert_eq!(records.len(), 2);
    assert!(
        records.iter().all(|s| s.forbidden && s.room_id.is_none()),
        "{records:?}"
    );
    assert_eq!(
        data(&[&["resume-rtc-streams"][..], &two].concat()),
        Value::Null
    );
    assert!(mock.streams().is_empty());

    // A ban rule set, listed, deleted.
    let set = data(&[
        "set-forbid-user-rule",
        "--rule-type",
        "room",
        "--room",
        "room1",
        "--privilege",
        "login",
        "--effective-time",
        "1800",
    ]);
    let rules = mock.rules();
    assert_eq!(rules.len(), 1);
    let expire = rules[0].expire_time;
    assert_eq!(set, json!({"ExpireTime": expire}));
    assert_eq!(
        (
            rules[0].rule_type,
            rules[0].room_id.as_str(),
            &rules[0].disabled_privileges[..]
        ),
        (2, "room1", &[1][..])
    );
    assert_eq!(
        data(&["describe-forbid-user-rules", "--rule-type", "room"]),
        json!({"RuleList": [{"RuleType": 2, "IP": "", "RoomId": "room1", "UserId": "",
                             "DisabledPrivilegeList": [1], "ExpireTime": expire}]})
    );
    let deleted = data(&[
        "del-forbid-user-rule",
        "--rule-type",
        "room",
        "--room",
        "room1",
    ]);
    assert_eq!(deleted, Value::Null);
    assert!(mock.rules().is_empty());

    // The room closed: its users offline.
    assert_eq!(data(&["close-room", "--room", "r"]), Value::Null);
    let room = mock.rooms().into_iter().find(|r| r.room_id == "r").unwrap();
    assert!(
        room.closed && room.users.iter().all(|u| !u.online),
        "{room:?}"
    );
    assert_eq!(mock.requests().len(), 16, "one request a call");
}

#[test]
fn the_summary_of_a_call_is_its_data_line_by_line() {
    let mock = mock();
    let url = mock.base_url();
    for (room, privileges) in [("room1", &["login", "publish"][..]), ("room2", &["login"])] {
        let mut args = vec![
            "set-forbid-user-rule",
            "--rule-type",
            "room",
            "--room",
            room,
        ];
        args.extend(privileges.iter().flat_map(|p| ["--privilege", p]));
        args.extend(["--effective-time", "1800"]);
        let out = call(&url, &args);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let expires: Vec<i64> = mock.rules().iter().map(|r| r.expire_time).collect();
    let out = call(&url, &["describe-forbid-user-rules", "--rule-type", "room"]);
    let text = stdout(&out);
    assert!(text.starts_with("done (request id "), "{text}");
    assert!(
        text.ends_with(&format!(
            ")\nRuleList: DisabledPrivilegeList=[1,2] ExpireTime={} IP= RoomId=room1 \
             RuleType=2 UserId=\
             \nRuleList: DisabledPrivilegeList=[1] ExpireTime={} IP= RoomId=room2 \
             RuleType=2 UserId=\n",
            expires[0], expires[1]
        )),
        "{text}"
    );
}

#[test]
fn a_code_that_is_an_answer_is_a_success_with_its_code_shown() {
    let mock = mock();
    mock.publish("r", "bob", "live").expect("bob publishes");
    mock.publish("r", "alice", "ended")
        .expect("alice publishes");
    assert!(mock.stop_publishing("r", "ended"));
    mock.default_world().set_stream_state_history(true);
    let url = mock.base_url();
    let state = |stream: &str, json: bool| {
        let mut args = vec!["describe-rtc-stream-state", "--stream", stream];
        if json {
            args.push("--json");
        }
        let out = call(&url, &args);
        assert_eq!(out.status.code(), Some(0), "{stream}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{stream}: {}", stderr(&out));
        stdout(&out)
    };
    let json = |stream: &str| serde_json::from_str::<Value>(&state(stream, true)).unwrap();
    // Active (0): no code line.
    let live = json("live");
    assert_eq!(live["code"], 0, "{live}");
    let created = live["data"]["create_time"]
        .as_str()
        .expect("text")
        .to_owned();
    assert_recent_seconds(&created);
    let text = state("live", false);
    assert!(
        text.ends_with(&format!(")\nclose_time: \ncreate_time: {created}\n")),
        "{text}"
    );
    // Closed with the history switch on (41006) and unknown (41004): the code and its
    // meaning, exit 0.
    let ended = json("ended");
    let (created, closed) = (&ended["data"]["create_time"], &ended["data"]["close_time"]);
    let (created, closed) = (created.as_str().unwrap(), closed.as_str().unwrap());
    assert_recent_seconds(created);
    assert_recent_seconds(closed);
    assert!(created <= closed, "{ended}");
    let text = state("ended", false);
    assert!(
        text.ends_with(&format!(
            ")\nCode: 41006 (the stream exists but is closed)\n\
             close_time: {closed}\ncreate_time: {created}\n"
        )),
        "{text}"
    );
    let text = state("gone", false);
    assert!(
        text.contains(")\nCode: 41004 (the stream ID does not exist)\n"),
        "{text}"
    );
    for (v, code) in [(ended, 41006), (json("gone"), 41004)] {
        assert_eq!(v["code"], code, "{v}");
        assert_eq!(v["done"], true);
        assert_eq!(v["failed_requests"], json!([]));
        if code == 41004 {
            assert_eq!(
                v["data"],
                json!({"create_time": "", "close_time": ""}),
                "the Data as the client reads it"
            );
        }
    }
    assert_eq!(mock.requests().len(), 6, "answers are not retried");
}

/// The users of the paging rooms, in the order they logged in.
const PAGED_USERS: [&str; 5] = ["user1", "user2", "user3", "user4", "user5"];

#[test]
fn describe_user_list_all_follows_the_pages_to_the_end() {
    // Three rooms of the same five users, so that each part of the test has a room's
    // budget of 1 page a second of its own.
    let mut builder = MockServer::builder().app(App::new(AppId::new(APP), SECRET));
    for room in ["room_json", "room_text", "room_marker"] {
        for user in PAGED_USERS {
            builder = builder.user(room, user);
        }
    }
    let mock = builder.start().expect("the mock starts");
    let url = mock.base_url();
    let started = Instant::now();
    let out = call(
        &url,
        &[
            "describe-user-list",
            "--room",
            "room_json",
            "--limit",
            "2",
            "--all",
            "--json",
        ],
    );
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["action"], "DescribeUserList");
    assert_eq!(v["done"], true);
    assert_eq!(v["code"], 0);
    assert_eq!(v["calls"], 3, "a page is a call: {v}");
    assert_eq!(v["request_ids"].as_array().map(Vec::len), Some(3));
    assert_eq!(v["request_id"], v["request_ids"][0]);
    let users: Vec<&str> = v["data"]["UserList"]
        .as_array()
        .expect("the users of every page")
        .iter()
        .filter_map(|u| u["UserId"].as_str())
        .collect();
    assert_eq!(users, PAGED_USERS, "the oldest login first");
    assert_eq!(
        v["data"].as_object().map(|d| d.len()),
        Some(1),
        "no Marker: {v}"
    );
    // The pages the mock answered: the first without a Marker, then from the last user
    // of the page before. Paced by the room's budget, a page may reach the mock a little
    // early and be answered 207, then retried: every attempt is counted.
    let log = mock.requests();
    assert_eq!(v["attempts"].as_u64(), Some(log.len() as u64), "{v}");
    let answered: Vec<&str> = log
        .iter()
        .filter(|r| r.code == Some(ReturnCode::SUCCESS))
        .map(|r| r.query.as_str())
        .collect();
    assert!(
        log.iter()
            .all(|r| matches!(r.code.map(ReturnCode::get), Some(0 | 207)))
    );
    let markers: Vec<Vec<&str>> = answered.iter().map(|q| values(q, "Marker")).collect();
    let at = |user: &str| format!("{}-{user}", room_user(&mock, "room_json", user).login_time);
    assert_eq!(
        markers,
        [
            vec![],
            vec![at("user2").as_str()],
            vec![at("user4").as_str()]
        ],
        "the first page has no Marker"
    );
    assert!(
        took >= Duration::from_millis(1900),
        "paced by the budget of one page per second per room: {took:?}"
    );
    let expected = shape(
        &serde_json::from_slice::<Value>(
            &call(
                &url,
                &[
                    "describe-users",
                    "--room",
                    "room_json",
                    "--user",
                    "user1",
                    "--json",
                ],
            )
            .stdout,
        )
        .unwrap(),
    );
    assert_eq!(shape(&v), expected, "the shape of every call");

    // The summary lists the users of every page.
    let out = call(
        &url,
        &[
            "describe-user-list",
            "--room",
            "room_text",
            "--limit",
            "2",
            "--all",
        ],
    );
    let text = stdout(&out);
    assert!(text.starts_with("done in 3 calls (request ids "), "{text}");
    let lines: String = PAGED_USERS
        .iter()
        .map(|u| format!("\nUserList: UserId={u} UserName={u} UserRole=1"))
        .collect();
    assert!(text.ends_with(&format!("){lines}\n")), "{text}");

    // Without --all: the one page --marker names, with its Marker.
    let marker = format!(
        "{}-user2",
        room_user(&mock, "room_marker", "user2").login_time
    );
    let out = call(
        &url,
        &[
            "describe-user-list",
            "--room",
            "room_marker",
            "--limit",
            "2",
            "--marker",
            &marker,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"], 1);
    let next = format!(
        "{}-user4",
        room_user(&mock, "room_marker", "user4").login_time
    );
    assert_eq!(
        v["data"],
        json!({"Marker": next, "UserList": [
            {"UserId": "user3", "UserName": "user3", "UserRole": 1},
            {"UserId": "user4", "UserName": "user4", "UserRole": 1},
        ]})
    );
}

#[test]
fn a_page_that_fails_ends_paging_with_the_users_gathered() {
    let server = Scripted::start(second_page_fails);
    let out = call(
        &server.base_url,
        &["describe-user-list", "--room", "broken", "--all", "--json"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["done"], false);
    assert_eq!(v["calls"], 2);
    assert_eq!(v["request_ids"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        v["data"]["UserList"].as_array().map(Vec::len),
        Some(2),
        "the first page's users: {v}"
    );
    let failed = &v["failed_requests"][0];
    assert_eq!(failed["items"], json!([]));
    assert_eq!(failed["error"]["code"], 2);
    assert!(
        stderr(&out).contains("error: DescribeUserList failed: "),
        "{}",
        stderr(&out)
    );
    let queries = server.queries();
    assert_eq!(queries.len(), 2, "a parameter error is not retried");
    assert_eq!(values(&queries[1], "Marker"), [MARKER]);
}

#[test]
fn a_media_fan_out_sends_one_sequence_per_request() {
    let mock = mock();
    let streams: Vec<String> = (0..25).map(|i| format!("rtc{i:02}")).collect();
    let mut args = vec!["forbid-rtc-streams", "--test-env", "--json"];
    args.extend(streams.iter().flat_map(|s| ["--stream", s.as_str()]));
    let out = call(&mock.base_url(), &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["calls"].as_u64(), v["code"].as_i64()),
        (Some(2), Some(0))
    );
    let log = mock.requests();
    let sizes: Vec<usize> = log
        .iter()
        .map(|r| values(&r.query, "StreamId[]").len())
        .collect();
    assert_eq!(sizes, [20, 5]);
    assert!(
        log.iter()
            .flat_map(|r| values(&r.query, "StreamId[]"))
            .all(|s| s.starts_with("zegotest-424242-rtc")),
        "{log:?}"
    );
    assert!(log.iter().all(|r| values(&r.query, "IsTest") == ["true"]));
    let sequences: Vec<u64> = log
        .iter()
        .map(|r| values(&r.query, "Sequence")[0].parse().unwrap())
        .collect();
    assert!(sequences[0] < sequences[1], "{sequences:?}");
    // The test environment's world has them, as published (without the prefix).
    let forbidden: Vec<String> = mock
        .world(AppId::new(APP), true)
        .streams()
        .into_iter()
        .filter(|s| s.forbidden)
        .map(|s| s.stream_id)
        .collect();
    assert_eq!(forbidden, streams);
    assert!(mock.streams().is_empty(), "production saw nothing");
}

#[test]
fn zego_help_lists_the_subcommands_by_topic() {
    let out = zego().arg("--help").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let help = stdout(&out);
    let topics: [(&str, &[&str]); 7] = [
        (
            "Messages",
            &[
                "send-custom-command",
                "send-broadcast-message",
                "send-barrage-message",
            ],
        ),
        (
            "Users",
            &["kickout-user", "describe-users", "describe-user-list"],
        ),
        ("Rooms", &["describe-user-num", "close-room"]),
        (
            "Streams",
            &[
                "describe-simple-stream-list",
                "add-stream",
                "delete-stream",
                "forbid-rtc-stream",
                "resume-rtc-stream",
                "forbid-rtc-streams",
                "resume-rtc-streams",
                "describe-rtc-stream-state",
            ],
        ),
        (
            "Ban rules",
            &[
                "set-forbid-user-rule",
                "describe-forbid-user-rules",
                "del-forbid-user-rule",
            ],
        ),
        ("Tokens and callbacks", &["token", "callbacks"]),
        ("Tools", &["sign", "demo", "help"]),
    ];
    // Each heading, then its subcommands one a line, in order, then a blank line.
    let mut lines = help.lines();
    for (heading, names) in topics {
        assert!(
            lines.any(|l| l == format!("{heading}:")),
            "{heading}: {help}"
        );
        for name in names {
            let line = lines.next().unwrap_or_default();
            assert_eq!(
                line.split_whitespace().next(),
                Some(*name),
                "{heading}: {help}"
            );
            assert!(
                line.trim_start().len() > name.len() + 4,
                "a summary: {line}"
            );
        }
        assert_eq!(lines.next(), Some(""), "{heading}: {help}");
    }
    assert!(help.contains("\nOptions:\n"), "{help}");
    assert!(help.contains("\nExit codes:\n"), "{help}");
    let via_help = zego().arg("help").output().unwrap();
    assert_eq!(stdout(&via_help), help, "`zego help` says the same");

    // Every call's own help has the exit codes, the JSON and the answer codes.
    for (_, names) in &topics[..5] {
        for name in *names {
            let out = zego().args([name, "--help"]).output().unwrap();
            let text = stdout(&out);
            for line in ["0  done", "\"code\": 0", "41004", "--dry-run", "--app-id"] {
                assert!(text.contains(line), "{name}: {text}");
            }
        }
    }
}
