//! The room and stream calls of the built `zego` binary (messages, users, rooms, streams,
//! ban rules): their golden dry runs, their checks at each limit, their JSON against a
//! scripted server that answers with the vendor's example replies, `--all` paging, the
//! codes that are answers, and the grouped `zego --help`.

mod call_support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use call_support::*;

/// The first page of the vendor's DescribeUserList example (spec §5), and where the
/// second starts.
const MARKER: &str = "1635940599950-user2";
const PAGE_1: &str = r#"{"Marker":"1635940599950-user2","UserList":[
    {"UserId":"user1","UserName":"user1","UserRole":1},
    {"UserId":"user2","UserName":"user2","UserRole":2}]}"#;
const PAGE_2: &str =
    r#"{"Marker":"","UserList":[{"UserId":"user3","UserName":"user3","UserRole":2}]}"#;

/// The vendor's example replies of the room and stream calls (spec §2 to §17), `Data`
/// verbatim; `DescribeUserList` in two pages (a second page in room `broken` fails with
/// 2), `DescribeRTCStreamState` closed (41006) for stream `ended` and unknown (41004) for
/// stream `gone`, `DescribeUsers` one status per user asked about.
fn vendor_answer(query: &str) -> String {
    static REQUEST_ID: AtomicUsize = AtomicUsize::new(2000);
    let request_id = REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let first = |key: &str| values(query, key).first().copied().unwrap_or_default();
    let (code, data) = match first("Action") {
        "SendBarrageMessage" => (0, r#"{"MessageId":"1_1611647493487_29"}"#.to_owned()),
        "DescribeUsers" => {
            let users: Vec<String> = values(query, "UserId[]")
                .iter()
                .map(|u| {
                    format!(r#"{{"UserId":"{u}","Status":1,"LoginTime":1675674019365,"UserRole":1}}"#)
                })
                .collect();
            (0, format!(r#"{{"UserStatusList":[{}]}}"#, users.join(",")))
        }
        "DescribeUserList" => match (first("Marker"), first("RoomId")) {
            ("", _) => (0, PAGE_1.to_owned()),
            (_, "broken") => (2, "null".to_owned()),
            _ => (0, PAGE_2.to_owned()),
        },
        "DescribeSimpleStreamList" => (
            0,
            r#"{"StreamList":[{"StreamId":"stream_demo","UserId":"user_demo",
                "UserName":"user_name_demo","CreateTime":1642045110123,"StreamNumberId":10}]}"#
                .to_owned(),
        ),
        "DescribeRTCStreamState" => match first("StreamId") {
            "gone" => (41004, "null".to_owned()),
            "ended" => (
                41006,
                r#"{"create_time":"1673334117","close_time":"1673337717"}"#.to_owned(),
            ),
            _ => (
                0,
                r#"{"create_time":"1673334117","close_time":""}"#.to_owned(),
            ),
        },
        "SetForbidUserRule" => (0, r#"{"ExpireTime":1704282648}"#.to_owned()),
        "DescribeForbidUserRules" => (
            0,
            r#"{"RuleList":[
                {"RuleType":2,"IP":"","RoomId":"room1","UserId":"","DisabledPrivilegeList":[1,2],"ExpireTime":1704282648},
                {"RuleType":2,"IP":"","RoomId":"room2","UserId":"","DisabledPrivilegeList":[1],"ExpireTime":1704282648}]}"#
                .to_owned(),
        ),
        _ => (0, "null".to_owned()),
    };
    format!(r#"{{"Code":{code},"Message":"ok","RequestId":"{request_id}","Data":{data}}}"#)
}

/// One invocation of each new call, with its own flags, and the `Data` the scripted
/// server's answer prints.
fn every_new_call() -> Vec<(&'static [&'static str], Value)> {
    let no_data = Value::Null;
    vec![
        (
            &[
                "send-barrage-message",
                "--room",
                "r",
                "--from",
                "s",
                "--message",
                "666",
            ],
            json!({"MessageId": "1_1611647493487_29"}),
        ),
        (
            &[
                "describe-users",
                "--room",
                "r",
                "--user",
                "a",
                "--user",
                "b",
            ],
            json!({"UserStatusList": [
                {"UserId": "a", "Status": 1, "LoginTime": 1675674019365_i64, "UserRole": 1},
                {"UserId": "b", "Status": 1, "LoginTime": 1675674019365_i64, "UserRole": 1},
            ]}),
        ),
        (
            &["describe-user-list", "--room", "room_demo", "--limit", "2"],
            serde_json::from_str(PAGE_1).unwrap(),
        ),
        (&["close-room", "--room", "r"], no_data.clone()),
        (
            &["describe-simple-stream-list", "--room", "r"],
            json!({"StreamList": [{"StreamId": "stream_demo", "UserId": "user_demo",
                "UserName": "user_name_demo", "CreateTime": 1642045110123_i64, "StreamNumberId": 10}]}),
        ),
        (
            &["add-stream", "--room", "r", "--user", "u", "--stream", "s"],
            no_data.clone(),
        ),
        (
            &[
                "delete-stream",
                "--room",
                "r",
                "--user",
                "u",
                "--stream",
                "s",
            ],
            no_data.clone(),
        ),
        (&["forbid-rtc-stream", "--stream", "rtc01"], no_data.clone()),
        (&["resume-rtc-stream", "--stream", "rtc01"], no_data.clone()),
        (
            &[
                "forbid-rtc-streams",
                "--stream",
                "rtc01",
                "--stream",
                "rtc02",
            ],
            no_data.clone(),
        ),
        (
            &[
                "resume-rtc-streams",
                "--stream",
                "rtc01",
                "--stream",
                "rtc02",
            ],
            no_data.clone(),
        ),
        (
            &["describe-rtc-stream-state", "--stream", "rtc01"],
            json!({"create_time": "1673334117", "close_time": ""}),
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
                "--effective-time",
                "1800",
            ],
            json!({"ExpireTime": 1704282648}),
        ),
        (
            &["describe-forbid-user-rules", "--rule-type", "room"],
            json!({"RuleList": [
                {"RuleType": 2, "IP": "", "RoomId": "room1", "UserId": "",
                 "DisabledPrivilegeList": [1, 2], "ExpireTime": 1704282648},
                {"RuleType": 2, "IP": "", "RoomId": "room2", "UserId": "",
                 "DisabledPrivilegeList": [1], "ExpireTime": 1704282648},
            ]}),
        ),
        (
            &[
                "del-forbid-user-rule",
                "--rule-type",
                "room",
                "--room",
                "room1",
            ],
            no_data,
        ),
    ]
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
    let server = Scripted::start(vendor_answer);
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
        assert_invalid(&server.base_url, args, says);
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
        let out = call(&server.base_url, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    assert!(server.queries().is_empty(), "nothing reached the server");
}

#[test]
fn the_json_of_the_new_calls_has_the_shape_of_every_call() {
    let server = Scripted::start(vendor_answer);
    let json_of = |args: &[&str]| {
        let out = call(&server.base_url, &[args, &["--json"][..]].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).expect("one JSON object")
    };
    let expected = shape(&json_of(&["kickout-user", "--room", "r", "--user", "a"]));
    let calls = every_new_call();
    for (args, data) in &calls {
        let v = json_of(args);
        assert_eq!(shape(&v), expected, "{args:?}: {v}");
        assert_eq!(&v["data"], data, "{args:?}: the Data as received");
        assert_one_request_done(&v);
    }
    assert_eq!(server.queries().len(), calls.len() + 1);
    // Each call's summary is its Data, line by line, the same way.
    let out = call(
        &server.base_url,
        &["describe-forbid-user-rules", "--rule-type", "room"],
    );
    let text = stdout(&out);
    assert!(text.starts_with("done (request id "), "{text}");
    assert!(
        text.ends_with(
            ")\nRuleList: DisabledPrivilegeList=[1,2] ExpireTime=1704282648 IP= RoomId=room1 \
             RuleType=2 UserId=\
             \nRuleList: DisabledPrivilegeList=[1] ExpireTime=1704282648 IP= RoomId=room2 \
             RuleType=2 UserId=\n"
        ),
        "{text}"
    );
}

#[test]
fn a_code_that_is_an_answer_is_a_success_with_its_code_shown() {
    let server = Scripted::start(vendor_answer);
    let state = |stream: &str, json: bool| {
        let mut args = vec!["describe-rtc-stream-state", "--stream", stream];
        if json {
            args.push("--json");
        }
        let out = call(&server.base_url, &args);
        assert_eq!(out.status.code(), Some(0), "{stream}: {}", stderr(&out));
        assert!(stderr(&out).is_empty(), "{stream}: {}", stderr(&out));
        stdout(&out)
    };
    // Active (0): no code line.
    let text = state("rtc01", false);
    assert!(
        text.ends_with(")\nclose_time: \ncreate_time: 1673334117\n"),
        "{text}"
    );
    // Closed (41006) and unknown (41004): the code and its meaning, exit 0.
    let text = state("ended", false);
    assert!(
        text.ends_with(
            ")\nCode: 41006 (the stream exists but is closed)\n\
             close_time: 1673337717\ncreate_time: 1673334117\n"
        ),
        "{text}"
    );
    let text = state("gone", false);
    assert!(
        text.contains(")\nCode: 41004 (the stream ID does not exist)\n"),
        "{text}"
    );
    for (stream, code, data) in [
        (
            "ended",
            41006,
            json!({"create_time": "1673334117", "close_time": "1673337717"}),
        ),
        ("gone", 41004, json!({"create_time": "", "close_time": ""})),
    ] {
        let v: Value = serde_json::from_str(&state(stream, true)).unwrap();
        assert_eq!(v["code"], code, "{v}");
        assert_eq!(v["done"], true);
        assert_eq!(v["data"], data, "the Data as the client reads it");
        assert_eq!(v["failed_requests"], json!([]));
    }
    assert_eq!(server.queries().len(), 5, "answers are not retried");
}

#[test]
fn describe_user_list_all_follows_the_pages_to_the_end() {
    let server = Scripted::start(vendor_answer);
    let started = Instant::now();
    let out = call(
        &server.base_url,
        &[
            "describe-user-list",
            "--room",
            "room_demo",
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
    assert_eq!(
        (v["calls"].as_u64(), v["attempts"].as_u64()),
        (Some(2), Some(2))
    );
    assert_eq!(v["request_ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(v["request_id"], v["request_ids"][0]);
    let users: Vec<&str> = v["data"]["UserList"]
        .as_array()
        .expect("the users of every page")
        .iter()
        .filter_map(|u| u["UserId"].as_str())
        .collect();
    assert_eq!(users, ["user1", "user2", "user3"]);
    assert_eq!(
        v["data"].as_object().map(|d| d.len()),
        Some(1),
        "no Marker: {v}"
    );
    let expected = shape(
        &serde_json::from_slice::<Value>(
            &call(
                &server.base_url,
                &["describe-users", "--room", "r", "--user", "a", "--json"],
            )
            .stdout,
        )
        .unwrap(),
    );
    assert_eq!(shape(&v), expected, "the shape of every call");
    let markers: Vec<Vec<String>> = server
        .queries()
        .iter()
        .filter(|q| values(q, "Action") == ["DescribeUserList"])
        .map(|q| values(q, "Marker").into_iter().map(String::from).collect())
        .collect();
    assert_eq!(
        markers,
        [vec![], vec![MARKER.to_owned()]],
        "the first page has no Marker"
    );
    assert!(
        took >= Duration::from_millis(900),
        "paced by the budget of one page per second per room: {took:?}"
    );

    // The summary lists the users of every page.
    let out = call(
        &server.base_url,
        &["describe-user-list", "--room", "room_demo", "--all"],
    );
    let text = stdout(&out);
    assert!(text.starts_with("done in 2 calls (request ids "), "{text}");
    assert!(
        text.ends_with(
            ")\nUserList: UserId=user1 UserName=user1 UserRole=1\
             \nUserList: UserId=user2 UserName=user2 UserRole=2\
             \nUserList: UserId=user3 UserName=user3 UserRole=2\n"
        ),
        "{text}"
    );

    // Without --all: the one page --marker names, with its Marker.
    let out = call(
        &server.base_url,
        &[
            "describe-user-list",
            "--room",
            "room_demo",
            "--marker",
            MARKER,
            "--json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"], 1);
    assert_eq!(v["data"], serde_json::from_str::<Value>(PAGE_2).unwrap());
    let last = server.queries().pop().unwrap();
    assert_eq!(values(&last, "Marker"), [MARKER]);
}

#[test]
fn a_page_that_fails_ends_paging_with_the_users_gathered() {
    let server = Scripted::start(vendor_answer);
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
    assert_eq!(
        server.queries().len(),
        2,
        "a parameter error is not retried"
    );
}

#[test]
fn a_media_fan_out_sends_one_sequence_per_request() {
    let server = Scripted::start(vendor_answer);
    let streams: Vec<String> = (0..25).map(|i| format!("rtc{i:02}")).collect();
    let mut args = vec!["forbid-rtc-streams", "--test-env", "--json"];
    args.extend(streams.iter().flat_map(|s| ["--stream", s.as_str()]));
    let out = call(&server.base_url, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["calls"].as_u64(), v["code"].as_i64()),
        (Some(2), Some(0))
    );
    let queries = server.queries();
    let sizes: Vec<usize> = queries
        .iter()
        .map(|q| values(q, "StreamId[]").len())
        .collect();
    assert_eq!(sizes, [20, 5]);
    assert!(
        queries
            .iter()
            .flat_map(|q| values(q, "StreamId[]"))
            .all(|s| s.starts_with("zegotest-424242-rtc")),
        "{queries:?}"
    );
    let sequences: Vec<u64> = queries
        .iter()
        .map(|q| values(q, "Sequence")[0].parse().unwrap())
        .collect();
    assert!(sequences[0] < sequences[1], "{sequences:?}");
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
