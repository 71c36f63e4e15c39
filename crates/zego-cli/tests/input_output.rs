//! What the command reads is bounded, what it writes never panics, and a message it cannot
//! deliver as asked is refused before anything is sent.

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use zego_hyper::AppId;
use zego_mock::{App, MockServer};

const APP: u32 = 515_151;
const SECRET: &str = "0123456789abcdef0123456789abcdef";

fn mock() -> MockServer {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room", "alice")
        .offline_user("room", "dave")
        .start()
        .expect("start zego-mock")
}

/// `zego <call> --endpoint <mock> --room room --from server <args>`, credentials in the
/// environment.
fn call(mock: &MockServer, name: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zego"));
    cmd.env("ZEGO_APP_ID", APP.to_string())
        .env("ZEGO_SERVER_SECRET", SECRET)
        .env_remove("ZEGO_CALLBACK_SECRET")
        .args([name, "--endpoint", &mock.base_url(), "--room", "room"])
        .args(["--from", "server"])
        .args(args);
    cmd
}

/// Standard error, as text.
fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Waits for `child` at most `limit`; kills it and fails past that.
fn finish(mut child: Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut err = Vec::new();
    if let Some(mut pipe) = child.stderr.take() {
        pipe.read_to_end(&mut err).unwrap();
    }
    std::process::Output {
        status: child.wait().unwrap(),
        stdout: Vec::new(),
        stderr: err,
    }
}

#[cfg(unix)]
#[test]
fn an_endless_message_file_is_read_no_further_than_the_largest_content() {
    let mock = mock();
    for (name, extra) in [
        ("send-custom-command", vec!["--to", "alice"]),
        ("send-broadcast-message", vec![]),
    ] {
        for (file, stdin) in [
            ("/dev/zero", Stdio::null()),
            ("-", Stdio::from(std::fs::File::open("/dev/zero").unwrap())),
        ] {
            let child = call(&mock, name, &extra)
                .args(["--message-file", file])
                .stdin(stdin)
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let out = finish(child, Duration::from_secs(20));
            assert_eq!(
                out.status.code(),
                Some(2),
                "{name} {file}: {}",
                stderr(&out)
            );
            let error = stderr(&out);
            assert!(error.contains("over 1024 bytes"), "{name} {file}: {error}");
            assert!(error.contains("nothing was sent"), "{error}");
        }
    }
    assert!(mock.requests().is_empty());

    // A file of exactly the largest content is sent; one byte more is not.
    let dir = std::env::temp_dir().join(format!("zego-cli-message-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let exact = dir.join("exact");
    std::fs::write(&exact, "推".repeat(341) + "a").unwrap();
    let over = dir.join("over");
    std::fs::write(&over, "推".repeat(341) + "ab").unwrap();
    let sent = call(
        &mock,
        "send-custom-command",
        &["--to", "alice", "--message-file"],
    )
    .arg(&exact)
    .output()
    .unwrap();
    assert_eq!(sent.status.code(), Some(0), "{}", stderr(&sent));
    assert_eq!(mock.inbox("alice")[0].content.len(), 1024);
    let refused = call(
        &mock,
        "send-custom-command",
        &["--to", "alice", "--message-file"],
    )
    .arg(&over)
    .output()
    .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("over 1024 bytes"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(mock.requests().len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A standard output whose reading end is already closed: every write is a broken pipe.
fn closed_stdout() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

#[test]
fn a_closed_stdout_keeps_the_exit_code_of_what_was_done_and_never_panics() {
    let mock = mock();
    for (args, code) in [
        (vec!["--to", "alice", "--message", "one"], 0),
        (vec!["--to", "alice", "--message", "two", "--json"], 0),
        (
            vec!["--to", "alice", "--to", "dave", "--message", "three"],
            3,
        ),
    ] {
        let out = call(&mock, "send-custom-command", &args)
            .stdout(closed_stdout())
            .output()
            .unwrap();
        let error = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {error}");
        assert!(!error.contains("panicked"), "{error}");
        assert!(error.contains("standard output"), "{error}");
    }
    let contents: Vec<String> = mock.inbox("alice").into_iter().map(|m| m.content).collect();
    assert_eq!(contents, ["one", "two", "three"], "each was sent once");

    // The same for what only prints.
    let dry_run = call(
        &mock,
        "send-custom-command",
        &["--to", "alice", "--message", "m", "--dry-run"],
    )
    .stdout(closed_stdout())
    .output()
    .unwrap();
    assert_eq!(dry_run.status.code(), Some(0), "{}", stderr(&dry_run));
    let sign = Command::new(env!("CARGO_BIN_EXE_zego"))
        .args(["sign", "--app-id", "1", "--server-secret", SECRET])
        .stdout(closed_stdout())
        .output()
        .unwrap();
    assert_eq!(sign.status.code(), Some(0), "{}", stderr(&sign));
    assert!(!stderr(&sign).contains("panicked"));
    assert_eq!(mock.requests().len(), 3);
}

#[test]
fn a_sender_among_its_own_targets_is_refused_before_anything_is_sent() {
    let mock = mock();
    // In a fan-out too (11 users and the sender: two requests), the sender would never be
    // reached.
    let many: Vec<String> = (0..11).map(|i| format!("user-{i}")).collect();
    for users in [
        vec!["server"],
        vec!["alice", "server"],
        many.iter().map(String::as_str).chain(["server"]).collect(),
    ] {
        let targets: Vec<&str> = users.iter().flat_map(|user| ["--to", user]).collect();
        let out = call(&mock, "send-custom-command", &targets)
            .args(["--message", "hi"])
            .output()
            .unwrap();
        let error = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{users:?}: {error}");
        assert!(error.contains("ToUserId[]"), "{error}");
        assert!(error.contains("FromUserId"), "{error}");
    }
    assert!(mock.requests().is_empty());
    assert!(mock.inbox("alice").is_empty());
}
