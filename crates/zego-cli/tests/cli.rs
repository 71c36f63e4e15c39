//! The built `zego` binary against zego-mock over loopback HTTP, and against a scripted
//! server that answers with the vendor's example replies.

mod call_support;

use std::sync::atomic::{AtomicUsize, Ordering};

use assert_cmd::Command;
use serde_json::{Value, json};
use zego_hyper::{AppId, ReturnCode};
use zego_mock::{App, MockServer};

use call_support::*;

fn mock() -> MockServer {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room", "alice")
        .user("room", "bob")
        .offline_user("room", "dave")
        .start()
        .expect("start zego-mock")
}

fn send(mock: &MockServer) -> Command {
    let mut cmd = zego();
    cmd.args(["send-custom-command", "--endpoint", &mock.base_url()]);
    cmd.args(["--room", "room", "--from", "server"]);
    cmd
}

fn contents(mock: &MockServer, user: &str) -> Vec<String> {
    mock.inbox(user).into_iter().map(|m| m.content).collect()
}

/// A success in the shape of the vendor's examples (spec §1, §3, §6): a `MessageId`, no
/// `Data` for a kick, one count per room asked about (its position in the request).
fn vendor_answer(query: &str) -> String {
    static REQUEST_ID: AtomicUsize = AtomicUsize::new(1000);
    let request_id = REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let data = match values(query, "Action").first().copied() {
        Some("SendCustomCommand") => r#","Data":{"FailUsers":[]}"#.to_owned(),
        Some("SendBroadcastMessage") => r#","Data":{"MessageId":3}"#.to_owned(),
        Some("DescribeUserNum") => {
            let counts: Vec<String> = values(query, "RoomId[]")
                .iter()
                .enumerate()
                .map(|(i, room)| {
                    format!(r#"{{"RoomId":"{room}","UserCount":{i},"AdminUserCount":0}}"#)
                })
                .collect();
            format!(r#","Data":{{"UserCountList":[{}]}}"#, counts.join(","))
        }
        _ => String::new(),
    };
    format!(r#"{{"Code":0,"Message":"success","RequestId":"{request_id}"{data}}}"#)
}

/// One invocation of each call, with its own flags.
const EVERY_CALL: [&[&str]; 4] = [
    &[
        "send-custom-command",
        "--room",
        "room",
        "--from",
        "server",
        "--to",
        "alice",
        "--message",
        "hi",
    ],
    &[
        "send-broadcast-message",
        "--room",
        "room",
        "--from",
        "server",
        "--message",
        "hi",
    ],
    &["kickout-user", "--room", "room", "--user", "alice"],
    &["describe-user-num", "--room", "room"],
];

#[test]
fn targeted_send_exits_0_and_delivers() {
    let mock = mock();
    let out = send(&mock)
        .args(["--to", "alice", "--message", "hi alice"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("done (request id "),
        "{}",
        stdout(&out)
    );
    assert_eq!(contents(&mock, "alice"), ["hi alice"]);
    assert!(mock.inbox("bob").is_empty());
}

/// `--budget` with no Redis behind it: the call is paced in-process, sent once, and a
/// warning says so (without the password); a URL that is not Redis's is a usage error
/// and nothing is sent. (The shared budget itself: `tests/shared_budget.rs`.)
#[test]
fn budget_falls_back_with_a_warning_when_redis_is_unreachable() {
    let mock = mock();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let out = send(&mock)
        .args(["--to", "alice", "--message", "hi"])
        .args(["--budget", &format!("redis://:hunter2@127.0.0.1:{port}/0")])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: the shared rate budget is unavailable"),
        "{stderr}"
    );
    assert!(
        stderr.contains("pacing in this process instead"),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert_eq!(contents(&mock, "alice"), ["hi"]);

    let out = send(&mock)
        .args(["--to", "alice", "--message", "again"])
        .env("ZEGO_BUDGET", "http://127.0.0.1:6379")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--budget (or ZEGO_BUDGET)"), "{stderr}");
    assert_eq!(contents(&mock, "alice"), ["hi"], "nothing sent");
}

#[test]
fn whole_room_send_reaches_everyone_but_the_sender() {
    let mock = mock();
    let out = zego()
        .args(["send-custom-command", "--endpoint", &mock.base_url()])
        .args(["--room", "room", "--from", "alice", "--message", "to all"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contents(&mock, "bob"), ["to all"]);
    assert!(
        mock.inbox("alice").is_empty(),
        "the sender does not receive it"
    );
    assert!(mock.inbox("dave").is_empty(), "offline");
}

#[test]
fn offline_target_exits_3_and_names_the_user() {
    let mock = mock();
    let out = send(&mock)
        .args(["--to", "alice", "--to", "dave", "--message", "hello"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\nnot reached: dave\n"), "{text}");
    assert!(
        text.contains("FailUsers: Code=50003 (the user is not online) Uid=dave"),
        "{text}"
    );
    assert_eq!(contents(&mock, "alice"), ["hello"]);
}

#[test]
fn json_output() {
    let mock = mock();
    let out = send(&mock)
        .args([
            "--to",
            "alice",
            "--to",
            "dave",
            "--message",
            "hello",
            "--json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert_eq!(v["action"], "SendCustomCommand");
    assert_eq!(v["done"], false);
    assert_eq!(v["attempts"], 1);
    assert_eq!(v["code"], 0);
    assert_eq!(v["calls"], 1);
    assert!(v["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(v["request_ids"], json!([v["request_id"]]));
    assert_eq!(
        v["data"],
        json!({"FailUsers": [{"Uid": "dave", "Code": 50003}]}),
        "the Data as received"
    );
    assert_eq!(v["unreached"], json!(["dave"]));
    assert_eq!(v["failed_requests"], json!([]));
}

#[test]
fn fan_out_reaches_25_users_exactly_once() {
    let users: Vec<String> = (0..25).map(|i| format!("user-{i:02}")).collect();
    let mut builder = MockServer::builder().app(App::new(AppId::new(APP), SECRET));
    for u in &users {
        builder = builder.user("big", u.as_str());
    }
    let mock = builder.start().unwrap();
    let mut cmd = zego();
    cmd.args(["send-custom-command", "--endpoint", &mock.base_url()])
        .args([
            "--room",
            "big",
            "--from",
            "server",
            "--message",
            "fan",
            "--json",
        ]);
    for u in &users {
        cmd.args(["--to", u]);
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        !stderr(&out).contains("calls"),
        "no progress bar when stderr is not a terminal: {}",
        stderr(&out)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"], 3);
    assert_eq!(v["request_ids"].as_array().map(Vec::len), Some(3));
    for u in &users {
        assert_eq!(contents(&mock, u), ["fan"], "{u}");
    }
    let sends = mock
        .requests()
        .iter()
        .filter(|r| r.action.as_deref() == Some("SendCustomCommand"))
        .count();
    assert_eq!(sends, 3);
}

#[test]
fn credentials_from_flags_when_the_environment_has_none() {
    let mock = mock();
    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .args(["send-custom-command", "--endpoint", &mock.base_url()])
        .args(["--app-id", &APP.to_string(), "--server-secret", SECRET])
        .args([
            "--room",
            "room",
            "--from",
            "server",
            "--to",
            "bob",
            "--message",
            "m",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contents(&mock, "bob"), ["m"]);

    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .args(["send-custom-command", "--endpoint", &mock.base_url()])
        .args(["--room", "room", "--from", "server", "--message", "m"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "missing credentials are a usage error"
    );
    assert!(stderr(&out).contains("--app-id"), "{}", stderr(&out));
}

#[test]
fn wrong_secret_exits_1_with_code_meaning_and_request_id_and_no_secret() {
    let mock = mock();
    let wrong = "00000000000000000000000000000000";
    let out = send(&mock)
        .env("ZEGO_SERVER_SECRET", wrong)
        .args(["--to", "alice", "--message", "m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("100000005"), "{err}");
    assert!(err.contains("the signature is wrong"), "{err}");
    assert!(err.contains("request id "), "{err}");
    assert!(
        err.contains("hint: check the AppId, the ServerSecret"),
        "{err}"
    );
    assert!(!err.contains(wrong) && !stdout(&out).contains(wrong));
    assert!(mock.inbox("alice").is_empty());
    let logged = mock.requests();
    assert_eq!(logged.len(), 1, "not retried");
    assert_eq!(logged[0].code, Some(ReturnCode::SIGNATURE_MISMATCH));
}

#[test]
fn oversized_message_exits_2_and_sends_nothing() {
    let mock = mock();
    let out = send(&mock)
        .args(["--to", "alice", "--message", &"a".repeat(1025)])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("SendCustomCommand: MessageContent is 1025 bytes, over the limit of 1024"),
        "{err}"
    );
    assert!(mock.requests().is_empty(), "nothing reached the server");

    let out = send(&mock)
        .args(["--to", "alice", "--message", &"a".repeat(1024)])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "1024 bytes pass: {}",
        stderr(&out)
    );
}

#[test]
fn message_from_stdin_is_taken_as_given() {
    let mock = mock();
    let out = send(&mock)
        .args(["--to", "alice", "--message-file", "-"])
        .write_stdin("line one\n  line two  \n")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(contents(&mock, "alice"), ["line one\n  line two  \n"]);
}

#[test]
fn usage_errors_exit_2() {
    let mock = mock();
    for args in [
        vec![
            "--to",
            "alice",
            "--message",
            "m",
            "--nonce",
            "0011223344556677",
        ],
        vec!["--to", "alice"],
        vec!["--to", "alice", "--message", "m", "--message-file", "-"],
        vec!["--to", "", "--message", "m"],
    ] {
        let out = send(&mock).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    let out = zego()
        .args(["send-custom-command", "--endpoint", "http://example.com"])
        .args(["--room", "r", "--from", "f", "--message", "m"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("loopback"), "{}", stderr(&out));
    assert!(mock.requests().is_empty());
}

#[test]
fn dry_run_sends_nothing() {
    let mock = mock();
    for args in EVERY_CALL {
        let out = zego()
            .args(args)
            .args(["--endpoint", &mock.base_url(), "--dry-run"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let url = stdout(&out);
        assert!(
            url.starts_with(&format!("{}/?Action=", mock.base_url())) && url.ends_with('\n'),
            "{url}"
        );
        assert_eq!(url.lines().count(), 1);
    }
    assert!(mock.requests().is_empty());
}

#[test]
fn sign_reproduces_the_vendor_vector() {
    let base = ["sign", "--app-id", "12345", "--nonce", "4fd24687296dd9f3"];
    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .env("ZEGO_SERVER_SECRET", "9193cc662a4c0ec135ec71fb57194b38")
        .args(base)
        .args(["--timestamp", "1615186943"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "43e5cfcca828314675f91b001390566a\n");

    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .env("ZEGO_SERVER_SECRET", "9193cc662a4c0ec135ec71fb57194b38")
        .args(base)
        .args(["--timestamp", "1615186943", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        v,
        serde_json::json!({"app_id": 12345, "nonce": "4fd24687296dd9f3",
                           "timestamp": 1615186943, "signature": "43e5cfcca828314675f91b001390566a"})
    );
}

/// `zego demo --serve` prints the dashboard's address, serves it after the demo, and
/// stops cleanly on SIGINT.
#[test]
fn demo_serves_its_dashboard_until_interrupted() {
    use std::io::{BufRead, BufReader, Read, Write};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zego"))
        .args(["demo", "--serve"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut dashboard = None;
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some(url) = line.strip_prefix("dashboard: ") {
            dashboard = Some(url.to_owned());
        }
        if line.starts_with("serving until interrupted") {
            break;
        }
    }
    let dashboard = dashboard.expect("the demo prints the dashboard's address");
    let authority = dashboard
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix("/_mock/ui"))
        .expect("http://HOST:PORT/_mock/ui");
    let mut conn = std::net::TcpStream::connect(authority).unwrap();
    write!(
        conn,
        "GET /_mock/ui HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut page = String::new();
    conn.read_to_string(&mut page).unwrap();
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert!(page.contains("<title>zego-mock</title>"), "{page}");
    let interrupted = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(interrupted.success());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn demo_exits_0_and_shows_the_inboxes() {
    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .arg("demo")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("\ndashboard: http://127.0.0.1:"), "{text}");
    assert!(
        text.contains("14 users logged in with a login token"),
        "{text}"
    );
    assert!(
        text.contains(
            "dave, with a token for another room: refused: no login privilege for room: "
        ),
        "{text}"
    );
    assert!(text.contains("not reached: dave"), "{text}");
    assert!(text.contains("in 2 calls"), "{text}");
    // The broadcast adds to the inboxes where the mock implements it.
    assert!(
        text.contains("\"hello, room\", \"hi alice and dave\""),
        "{text}"
    );
    assert!(
        text.contains("\"hello, room\", \"fan-out message\""),
        "{text}"
    );
    assert!(text.contains("dave    0 messages: -"), "{text}");
    for step in [
        "4. a broadcast message to the whole room (SendBroadcastMessage)\n   ",
        "5. kick carol out of the room (KickoutUser)\n   ",
        "6. count the users of the room and of an empty one (DescribeUserNum)\n   ",
    ] {
        assert!(text.contains(step), "each new call has its step: {text}");
    }
}

#[test]
fn help_documents_the_exit_codes_and_the_json_of_every_call() {
    for args in EVERY_CALL {
        let out = Command::new(env!("CARGO_BIN_EXE_zego"))
            .args([args[0], "--help"])
            .output()
            .unwrap();
        let text = stdout(&out);
        for line in [
            "0  done",
            "1  API or transport",
            "2  usage or validation",
            "3  the call succeeded",
            "\"failed_requests\"",
            "--dry-run",
            "--app-id",
        ] {
            assert!(text.contains(line), "{}: {text}", args[0]);
        }
    }
}

#[test]
fn fan_out_shows_progress_on_a_terminal() {
    // `script` runs the command with a pseudo-terminal as its stdout and stderr.
    let users: Vec<String> = (0..12).map(|i| format!("u{i}")).collect();
    let mut builder = MockServer::builder().app(App::new(AppId::new(APP), SECRET));
    for u in &users {
        builder = builder.user("big", u.as_str());
    }
    let mock = builder.start().unwrap();
    let mut line = format!(
        "{} send-custom-command --endpoint {} --room big --from server --message hi",
        env!("CARGO_BIN_EXE_zego"),
        mock.base_url()
    );
    for u in &users {
        line.push_str(" --to ");
        line.push_str(u);
    }
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("ZEGO_APP_ID", APP.to_string())
        .env("ZEGO_SERVER_SECRET", SECRET)
        .output()
        .expect("the `script` command (util-linux) runs the test under a terminal");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let screen = stdout(&out);
    assert!(
        screen.contains("[###############---------------] 1/2 calls"),
        "{screen}"
    );
    assert!(
        screen.contains("[##############################] 2/2 calls"),
        "{screen}"
    );
    assert!(screen.contains("done in 2 calls"), "{screen}");
    for u in &users {
        assert_eq!(contents(&mock, u), ["hi"], "{u}");
    }
}

#[test]
fn dry_run_golden_urls_of_every_call() {
    let cases: [(&[&str], String); 5] = [
        (
            &[
                "send-custom-command",
                "--room",
                "room",
                "--from",
                "userA",
                "--to",
                "user1",
                "--to",
                "user2",
                "--message",
                "推送自定义信息-新接口",
            ],
            format!(
                "https://rtc-api.zego.im/?Action=SendCustomCommand&RoomId=room&FromUserId=userA\
                 &ToUserId[]=user1&ToUserId[]=user2\
                 &MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3\
                 {SIGNED}\n"
            ),
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "room1",
                "--from",
                "user1",
                "--from-name",
                "userName",
                "--category",
                "system",
                "--message",
                "hello zego big im - 广播消息",
            ],
            format!(
                "https://rtc-api.zego.im/?Action=SendBroadcastMessage&RoomId=room1&UserId=user1\
                 &UserName=userName&MessageCategory=1\
                 &MessageContent=hello%20zego%20big%20im%20-%20%E5%B9%BF%E6%92%AD%E6%B6%88%E6%81%AF\
                 {SIGNED}\n"
            ),
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "room1",
                "--from",
                "user1",
                "--message",
                "hi",
            ],
            format!(
                "https://rtc-api.zego.im/?Action=SendBroadcastMessage&RoomId=room1&UserId=user1\
                 &MessageCategory=2&MessageContent=hi{SIGNED}\n"
            ),
        ),
        (
            &[
                "kickout-user",
                "--room",
                "room1",
                "--user",
                "a",
                "--user",
                "b",
                "--user",
                "a",
                "--reason",
                "踢出用户-原因",
            ],
            format!(
                "https://rtc-api.zego.im/?Action=KickoutUser&RoomId=room1&UserId[]=a&UserId[]=b\
                 &CustomReason=%E8%B8%A2%E5%87%BA%E7%94%A8%E6%88%B7-%E5%8E%9F%E5%9B%A0{SIGNED}\n"
            ),
        ),
        (
            &[
                "describe-user-num",
                "--room",
                "room1",
                "--room",
                "room2",
                "--region",
                "sgp",
                "--test-env",
            ],
            format!(
                "https://rtc-api-sgp.zego.im/?Action=DescribeUserNum&RoomId[]=room1&RoomId[]=room2\
                 {SIGNED}&IsTest=true\n"
            ),
        ),
    ];
    for (args, url) in cases {
        let (a, b) = (vendor_dry_run(args), vendor_dry_run(args));
        assert_eq!(a.status.code(), Some(0), "{args:?}: {}", stderr(&a));
        assert_eq!(a.stdout, b.stdout, "{args:?}: byte-identical");
        assert_eq!(stdout(&a), url, "{args:?}");
        assert!(!stdout(&a).contains("9193cc662a4c0ec135ec71fb57194b38"));
    }
}

#[test]
fn dry_run_of_more_than_one_request_is_a_usage_error() {
    let many = |flag: &'static str, n: usize| -> Vec<String> {
        (0..n)
            .flat_map(|i| [flag.to_owned(), format!("x{i}")])
            .collect()
    };
    let cases = [
        (
            ["kickout-user", "--room", "r"],
            many("--user", 6),
            "one KickoutUser request takes at most 5 UserId[] elements; got 6",
        ),
        (
            ["describe-user-num", "--room", "r"],
            many("--room", 10),
            "one DescribeUserNum request takes at most 10 RoomId[] elements; got 11",
        ),
        (
            ["send-custom-command", "--from", "f"],
            [many("--to", 11), vec!["--room".into(), "r".into()]].concat(),
            "one SendCustomCommand request takes at most 10 ToUserId[] elements; got 11",
        ),
    ];
    for (head, rest, message) in cases {
        let mut args: Vec<&str> = head.to_vec();
        args.extend(rest.iter().map(String::as_str));
        if head[0] == "send-custom-command" {
            args.extend(["--message", "m"]);
        }
        let out = vendor_dry_run(&args);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(message), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
    }
}

#[test]
fn validation_errors_name_the_call_and_the_field_exit_2_and_send_nothing() {
    let mock = mock();
    let long = "x".repeat(257);
    let message = "m".repeat(1025);
    let cases: [(&[&str], &str); 11] = [
        (
            &["kickout-user", "--room", "room"],
            "KickoutUser: UserId[] has no element",
        ),
        (
            &["kickout-user", "--room", "", "--user", "alice"],
            "KickoutUser: RoomId is empty",
        ),
        (
            &[
                "kickout-user",
                "--room",
                "room",
                "--user",
                "a",
                "--user",
                "",
            ],
            "KickoutUser: UserId[] element 1 is empty",
        ),
        (
            &[
                "kickout-user",
                "--room",
                "room",
                "--user",
                "a",
                "--reason",
                &long,
            ],
            "KickoutUser: CustomReason is 257 bytes, over the limit of 256 bytes",
        ),
        (
            &["describe-user-num"],
            "DescribeUserNum: RoomId[] has no element",
        ),
        (
            &["describe-user-num", "--room", "r", "--room", ""],
            "DescribeUserNum: RoomId[] element 1 is empty",
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "room",
                "--from",
                "s",
                "--message",
                &message,
            ],
            "SendBroadcastMessage: MessageContent is 1025 bytes, over the limit of 1024 bytes",
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "room",
                "--from",
                "s",
                "--message",
                "",
            ],
            "SendBroadcastMessage: MessageContent is empty",
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "room",
                "--from",
                "",
                "--message",
                "m",
            ],
            "SendBroadcastMessage: UserId is empty",
        ),
        (
            &[
                "send-broadcast-message",
                "--room",
                "",
                "--from",
                "s",
                "--message",
                "m",
            ],
            "SendBroadcastMessage: RoomId is empty",
        ),
        (
            &[
                "send-custom-command",
                "--room",
                "room",
                "--from",
                "s",
                "--to",
                "",
                "--message",
                "m",
            ],
            "SendCustomCommand: ToUserId[] element 0 is empty",
        ),
    ];
    for (args, says) in cases {
        assert_invalid(&mock.base_url(), args, says);
    }
    // Flags clap refuses.
    for args in [
        &[
            "send-broadcast-message",
            "--room",
            "r",
            "--from",
            "s",
            "--category",
            "news",
            "--message",
            "m",
        ][..],
        &["send-broadcast-message", "--room", "r", "--from", "s"],
        &["kickout-user", "--user", "a"],
        &[
            "describe-user-num",
            "--room",
            "r",
            "--nonce",
            "0011223344556677",
        ],
    ] {
        let out = call(&mock.base_url(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
    }
    assert!(mock.requests().is_empty(), "nothing reached the server");
}

#[test]
fn json_has_one_shape_for_every_call() {
    let server = Scripted::start(vendor_answer);
    let expected_data = [
        json!({"FailUsers": []}),
        json!({"MessageId": 3}),
        Value::Null,
        json!({"UserCountList": [{"RoomId": "room", "UserCount": 0, "AdminUserCount": 0}]}),
    ];
    let mut shapes = Vec::new();
    for (args, data) in EVERY_CALL.iter().zip(expected_data) {
        let out = call(&server.base_url, &[args, &["--json"][..]].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
        assert_eq!(v["data"], data, "{args:?}: the Data as received");
        assert_one_request_done(&v);
        shapes.push(shape(&v));
    }
    assert_eq!(server.queries().len(), 4);
    assert!(shapes.windows(2).all(|w| w[0] == w[1]), "{shapes:#?}");
    let keys: Vec<&str> = shapes[0].iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "action",
            "attempts",
            "calls",
            "code",
            "done",
            "failed_requests",
            "request_id",
            "request_ids",
            "unreached"
        ]
    );
}

#[test]
fn text_summaries_of_the_new_calls() {
    let server = Scripted::start(vendor_answer);
    let out = call(&server.base_url, EVERY_CALL[1]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("done (request id "), "{text}");
    assert!(text.ends_with(")\nMessageId: 3\n"), "{text}");
    let out = call(&server.base_url, EVERY_CALL[2]);
    assert!(stdout(&out).starts_with("done (request id "));
    assert_eq!(stdout(&out).lines().count(), 1, "a kick has no Data");
    let out = call(
        &server.base_url,
        &["describe-user-num", "--room", "r1", "--room", "r2"],
    );
    assert!(
        stdout(&out).ends_with(
            "\nUserCountList: AdminUserCount=0 RoomId=r1 UserCount=0\
             \nUserCountList: AdminUserCount=0 RoomId=r2 UserCount=1\n"
        ),
        "{}",
        stdout(&out)
    );
}

#[test]
fn batched_calls_fan_out_and_merge() {
    let server = Scripted::start(vendor_answer);
    let rooms: Vec<String> = (0..12).map(|i| format!("room{i:02}")).collect();
    let mut args = vec!["describe-user-num", "--json"];
    for room in &rooms {
        args.extend(["--room", room.as_str()]);
    }
    let out = call(&server.base_url, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["calls"], 2);
    assert_eq!(v["request_ids"].as_array().map(Vec::len), Some(2));
    let counted: Vec<&str> = v["data"]["UserCountList"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["RoomId"].as_str())
        .collect();
    assert_eq!(counted, rooms, "merged, in order");
    let mut args = vec!["kickout-user", "--room", "r"];
    let users: Vec<String> = (0..7).map(|i| format!("u{i}")).collect();
    for user in &users {
        args.extend(["--user", user.as_str()]);
    }
    let out = call(&server.base_url, &args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).starts_with("done in 2 calls (request ids "));
    let sizes: Vec<usize> = server
        .queries()
        .iter()
        .map(|q| values(q, "RoomId[]").len() + values(q, "UserId[]").len())
        .collect();
    assert_eq!(sizes, [10, 2, 5, 2]);
}

/// The new calls against the mock: what each one did shows in the mock's world.
#[test]
fn every_call_acts_on_the_mocks_world() {
    let mock = mock();
    let json = |args: &[&str]| {
        let out = call(&mock.base_url(), &[args, &["--json"][..]].concat());
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice::<Value>(&out.stdout).expect("one JSON object")
    };
    // A broadcast reaches alice and bob (not the sender), with its MessageId.
    let v = json(EVERY_CALL[1]);
    assert_eq!(v["data"], json!({"MessageId": 1}));
    assert_eq!(v["done"], true);
    assert_eq!(contents(&mock, "alice"), ["hi"]);
    assert_eq!(contents(&mock, "bob"), ["hi"]);
    // Two users online in the room, then alice is kicked, then one.
    let v = json(EVERY_CALL[3]);
    assert_eq!(v["data"]["UserCountList"][0]["UserCount"], 2);
    let v = json(EVERY_CALL[2]);
    assert_eq!(v["data"], Value::Null, "KickoutUser has no Data");
    assert_eq!(v["calls"], 1);
    let alice = mock
        .rooms()
        .into_iter()
        .flat_map(|r| r.users)
        .find(|u| u.user_id == "alice")
        .expect("alice is known");
    assert!(!alice.online, "kicked");
    let v = json(EVERY_CALL[3]);
    assert_eq!(v["data"]["UserCountList"][0]["UserCount"], 1);
    // A kick in a room nobody is in: 50001, exit 1, with its meaning and a hint.
    let out = call(
        &mock.base_url(),
        &["kickout-user", "--room", "empty", "--user", "x"],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("50001"), "{err}");
    assert_eq!(mock.requests().len(), 5);
}

#[test]
fn a_batched_call_shows_progress_through_the_fan_out_hook() {
    let server = Scripted::start(vendor_answer);
    let mut line = format!(
        "{} describe-user-num --endpoint {}",
        env!("CARGO_BIN_EXE_zego"),
        server.base_url
    );
    for i in 0..25 {
        line.push_str(&format!(" --room r{i}"));
    }
    let out = std::process::Command::new("script")
        .args(["-q", "-e", "-c", &line, "/dev/null"])
        .env("ZEGO_APP_ID", APP.to_string())
        .env("ZEGO_SERVER_SECRET", SECRET)
        .output()
        .expect("the `script` command (util-linux) runs the test under a terminal");
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    let screen = stdout(&out);
    for bar in [
        "[##########--------------------] 1/3 calls",
        "[####################----------] 2/3 calls",
        "[##############################] 3/3 calls",
    ] {
        assert!(screen.contains(bar), "{screen}");
    }
    assert!(screen.contains("done in 3 calls"), "{screen}");
    assert_eq!(server.queries().len(), 3);
}
