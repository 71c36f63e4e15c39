//! The built `zego` binary against zego-mock over loopback HTTP.

use assert_cmd::Command;
use serde_json::Value;
use zego_hyper::{AppId, ReturnCode};
use zego_mock::{App, MockServer};

const APP: u32 = 424_242;
const SECRET: &str = "fedcba9876543210fedcba9876543210";

fn mock() -> MockServer {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room", "alice")
        .user("room", "bob")
        .offline_user("room", "dave")
        .start()
        .expect("start zego-mock")
}

/// `zego` with credentials in the environment (and nothing inherited from the caller's).
fn zego() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zego"));
    cmd.env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .env("ZEGO_APP_ID", APP.to_string())
        .env("ZEGO_SERVER_SECRET", SECRET);
    cmd
}

fn send(mock: &MockServer) -> Command {
    let mut cmd = zego();
    cmd.args(["send-custom-command", "--endpoint", &mock.base_url()]);
    cmd.args(["--room", "room", "--from", "server"]);
    cmd
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn contents(mock: &MockServer, user: &str) -> Vec<String> {
    mock.inbox(user).into_iter().map(|m| m.content).collect()
}

#[test]
fn targeted_send_exits_0_and_delivers() {
    let mock = mock();
    let out = send(&mock)
        .args(["--to", "alice", "--message", "hi alice"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stdout(&out).starts_with("delivered (request id "),
        "{}",
        stdout(&out)
    );
    assert_eq!(contents(&mock, "alice"), ["hi alice"]);
    assert!(mock.inbox("bob").is_empty());
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
    assert!(
        text.contains("not reached: dave (50003 (the user is not online))"),
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
    assert_eq!(v["delivered"], false);
    assert_eq!(v["attempts"], 1);
    assert_eq!(v["calls"], 1);
    assert!(v["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    assert_eq!(v["failed_users"][0]["user_id"], "dave");
    assert_eq!(v["failed_users"][0]["code"], 50003);
    assert_eq!(v["failed_calls"].as_array().map(Vec::len), Some(0));
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
        err.contains("MessageContent is 1025 bytes, over the limit of 1024"),
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
fn dry_run_is_reproducible_and_sends_nothing() {
    let mock = mock();
    let run = || {
        zego()
            .env("ZEGO_APP_ID", "12345")
            .env("ZEGO_SERVER_SECRET", "9193cc662a4c0ec135ec71fb57194b38")
            .args(["send-custom-command", "--room", "room", "--from", "userA"])
            .args([
                "--to",
                "user1",
                "--to",
                "user2",
                "--message",
                "推送自定义信息-新接口",
            ])
            .args([
                "--dry-run",
                "--nonce",
                "4fd24687296dd9f3",
                "--timestamp",
                "1615186943",
            ])
            .output()
            .unwrap()
    };
    let (a, b) = (run(), run());
    assert_eq!(a.status.code(), Some(0), "{}", stderr(&a));
    assert_eq!(a.stdout, b.stdout, "byte-identical");
    assert_eq!(
        stdout(&a),
        "https://rtc-api.zego.im/?Action=SendCustomCommand&RoomId=room&FromUserId=userA\
         &ToUserId[]=user1&ToUserId[]=user2\
         &MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3\
         &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
         &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0\n"
    );
    assert!(!stdout(&a).contains("9193cc662a4c0ec135ec71fb57194b38"));
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
    assert!(text.contains("not reached: dave"), "{text}");
    assert!(text.contains("in 2 calls"), "{text}");
    assert!(
        text.contains("alice   2 messages: \"hello, room\", \"hi alice and dave\""),
        "{text}"
    );
    assert!(
        text.contains("fan-01  2 messages: \"hello, room\", \"fan-out message\""),
        "{text}"
    );
    assert!(text.contains("dave    0 messages: -"), "{text}");
}

#[test]
fn help_documents_the_exit_codes() {
    let out = Command::new(env!("CARGO_BIN_EXE_zego"))
        .args(["send-custom-command", "--help"])
        .output()
        .unwrap();
    let text = stdout(&out);
    for line in [
        "0  delivered",
        "1  API or transport",
        "2  usage or validation",
        "3  the call succeeded",
    ] {
        assert!(text.contains(line), "{text}");
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
    assert!(screen.contains("delivered in 2 calls"), "{screen}");
    for u in &users {
        assert_eq!(contents(&mock, u), ["hi"], "{u}");
    }
}
