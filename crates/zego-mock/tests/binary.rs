//! The `zego-mock` program: its one line, its control API, and its signals.

mod common;
mod receiver;

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use receiver::{CallbackReceiver, Plan};
use serde_json::{Value, json};

struct Running {
    child: Child,
    addr: SocketAddr,
    rest: BufReader<std::process::ChildStdout>,
}

fn spawn(extra: &[&str]) -> Running {
    let mut child = Command::new(env!("CARGO_BIN_EXE_zego-mock"))
        .args(["--listen", "127.0.0.1:0", "--app-id", &APP.to_string()])
        .args(["--server-secret", SECRET])
        .args(extra)
        .env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .env_remove("ZEGO_CALLBACK_SECRET")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).expect("a line on stdout");
    let tls = extra.contains(&"--tls");
    let prefix = if tls { "https://" } else { "http://" };
    let url = line
        .strip_suffix('\n')
        .and_then(|l| l.strip_prefix("zego-mock listening on "))
        .and_then(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
    let addr: SocketAddr = url.parse().expect("an address");
    assert!(addr.ip().is_loopback());
    assert_ne!(addr.port(), 0, "the real port is printed");
    Running {
        child,
        addr,
        rest: stdout,
    }
}

fn signal(child: &Child, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Waits (up to 30 s) for the child to exit.
fn wait_exit(child: &mut Child) -> std::process::ExitStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("still running 30 s after the signal");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serves_the_api_and_the_control_api_then_stops_on_sigterm() {
    let mut mock = spawn(&["--user", "room-1:alice", "--user", "room-1:bob"]);
    let addr = mock.addr;

    assert_eq!(
        code(
            addr,
            &command("room-1", "server", &["alice", "carol"], "hi")
        ),
        0
    );
    assert_eq!(
        get(addr, "/_mock/inbox/alice").json(),
        json!([{"kind": "custom_command", "room_id": "room-1", "from_user_id": "server",
                "content": "hi"}])
    );
    let rooms = get(addr, "/_mock/rooms").json();
    assert_eq!(rooms[0]["room_id"], "room-1");
    assert_eq!(rooms[0]["users"][0]["user_id"], "alice");
    assert_eq!(rooms[0]["users"][1]["online"], true);
    let response = post_json(
        addr,
        "/_mock/users",
        r#"{"room_id": "room-1", "user_id": "carol", "online": true}"#,
    );
    assert_eq!(response.status, 200);
    post_json(
        addr,
        "/_mock/faults",
        r#"{"kind": "deliver_then_code", "code": 50013}"#,
    );
    assert_eq!(
        code(addr, &command("room-1", "server", &["carol"], "again")),
        50013
    );
    assert_eq!(
        get(addr, "/_mock/inbox/carol")
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let log = get(addr, "/_mock/requests").json();
    assert_eq!(log.as_array().unwrap().len(), 2);
    assert_eq!(log[1]["code"], 50013);
    assert_eq!(log[1]["fault"]["kind"], "deliver_then_code");
    assert_eq!(post_json(addr, "/_mock/reset", "").status, 200);
    assert_eq!(get(addr, "/_mock/requests").json(), json!([]));

    signal(&mock.child, "TERM");
    let status = wait_exit(&mut mock.child);
    assert!(status.success(), "{status:?}");
    let mut rest = String::new();
    mock.rest.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line on stdout");
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "nothing listens"
    );
}

/// With `--tls` it prints an `https://` URL and speaks TLS only (the handshake and the
/// CA are checked in `tls.rs`).
#[test]
fn serves_https_with_tls() {
    let mut mock = spawn(&["--tls"]);
    let mut conn = Conn::open(mock.addr);
    conn.send_get("/_mock/ca.pem");
    let mut answer = Vec::new();
    let _ = conn.stream().read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");
    signal(&mock.child, "TERM");
    assert!(wait_exit(&mut mock.child).success());
}

#[test]
fn stops_on_sigint() {
    let mut mock = spawn(&[]);
    assert_eq!(code(mock.addr, "/?Action=Nope"), 100000007);
    signal(&mock.child, "INT");
    assert!(wait_exit(&mut mock.child).success());
}

#[test]
fn a_test_environment_app_needs_is_test() {
    let mut mock = spawn(&["--test-env", "--user", "room-1:alice"]);
    let target = command("room-1", "server", &["alice"], "hi");
    assert_eq!(code(mock.addr, &target), 100000016);
    assert_eq!(code(mock.addr, &format!("{target}&IsTest=true")), 0);
    // `--user` put alice in the app's only world, the test environment's, which is the
    // control API's default.
    let inbox = get(mock.addr, "/_mock/inbox/alice").json();
    assert_eq!(inbox[0]["content"], "hi");
    signal(&mock.child, "TERM");
    assert!(wait_exit(&mut mock.child).success());
}

#[test]
fn rate_limits_can_be_turned_off() {
    let mut mock = spawn(&["--no-rate-limits", "--user", "room-1:alice"]);
    let mut conn = Conn::open(mock.addr);
    for i in 0..300 {
        let target = command("room-1", "server", &["alice"], "hi");
        assert_eq!(conn.get(&target).code(), 0, "request {i}");
    }
    signal(&mock.child, "TERM");
    assert!(wait_exit(&mut mock.child).success());
}

#[test]
fn bad_arguments_fail_with_nothing_on_stdout() {
    for args in [
        vec!["--server-secret", SECRET],
        vec!["--app-id", "x", "--server-secret", SECRET],
        vec!["--app-id", "1", "--server-secret", ""],
        vec![
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
            "--user",
            "nocolon",
        ],
        vec![
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
            "--listen",
            "nowhere",
        ],
        vec![
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
            "--callback-url",
            "http://127.0.0.1:9/",
        ],
        vec![
            "--listen",
            "127.0.0.1:0",
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
            "--callback-url",
            "https://127.0.0.1:9/",
            "--callback-secret",
            CALLBACK_SECRET,
        ],
        vec![
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
            "--callback-url",
            "http://127.0.0.1:9/",
            "--callback-secret",
            CALLBACK_SECRET,
            "--callback-retry-base-ms",
            "soon",
        ],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_zego-mock"))
            .args(&args)
            .env_remove("ZEGO_APP_ID")
            .env_remove("ZEGO_SERVER_SECRET")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        assert!(output.stdout.is_empty(), "{args:?}");
        assert!(!output.stderr.is_empty(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains(SECRET) && !stderr.contains(CALLBACK_SECRET),
            "the secrets are never printed: {stderr}"
        );
    }
}

const CALLBACK_SECRET: &str = "binary-callback-secret";

#[test]
fn sends_callbacks_as_its_flags_say() {
    let failed_once = std::sync::atomic::AtomicBool::new(false);
    let receiver = CallbackReceiver::start(CALLBACK_SECRET, move |_| {
        if failed_once.swap(true, std::sync::atomic::Ordering::SeqCst) {
            Plan::Verify
        } else {
            Plan::Status(500)
        }
    });
    let url = receiver.url();
    let mut mock = spawn(&[
        "--user",
        "room-1:alice",
        "--callback-url",
        &url,
        "--callback-secret",
        CALLBACK_SECRET,
        "--callback-retry-base-ms",
        "40",
    ]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let listed = get(mock.addr, "/_mock/callbacks").json();
        let entries = listed.as_array().unwrap();
        if entries.len() == 2 && entries.iter().all(|e| e["pending"] == false) {
            break listed;
        }
        assert!(Instant::now() < deadline, "{listed}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let attempts = listed[0]["attempts"].as_array().unwrap();
    let statuses: Vec<&Value> = attempts.iter().map(|a| &a["status"]).collect();
    assert_eq!(statuses, [&json!(500), &json!(200)]);
    let at = |i: usize| attempts[i]["at_ms"].as_u64().unwrap();
    assert!(at(1) - at(0) >= 40, "retried after the base: {listed}");
    let accepted: Vec<String> = receiver
        .accepted()
        .iter()
        .map(|c| c.name().to_owned())
        .collect();
    assert_eq!(accepted, ["room_create", "room_login"]);

    signal(&mock.child, "TERM");
    assert!(wait_exit(&mut mock.child).success());
    let mut stderr = String::new();
    mock.child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(!stderr.contains(CALLBACK_SECRET), "{stderr}");
}

#[test]
fn a_port_in_use_is_an_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().to_string();
    let output = Command::new(env!("CARGO_BIN_EXE_zego-mock"))
        .args([
            "--listen",
            &port,
            "--app-id",
            "1",
            "--server-secret",
            SECRET,
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot serve"));
}

/// The first line on stdout stays what scripts read; the dashboard's address goes to
/// stderr.
#[test]
fn prints_the_dashboard_address_on_stderr() {
    let mut mock = spawn(&[]);
    let mut stderr = BufReader::new(mock.child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).expect("a line on stderr");
    assert_eq!(line, format!("dashboard: http://{}/_mock/ui\n", mock.addr));
    let page = get(mock.addr, "/_mock/ui");
    assert_eq!(page.status, 200);
    signal(&mock.child, "TERM");
    assert!(wait_exit(&mut mock.child).success());
}
