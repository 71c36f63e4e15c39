//! `zego callbacks sign`, `verify` and `listen`, the built binary, with the specification's
//! worked example, its vectors and its example bodies.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdout, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;
use zego_hyper::callbacks::{CallbackSecret, sign};

use common::{stderr, stdout, zego};

/// The spec's example bodies (§7.1, §7.5), verbatim, as the fuzz seeds keep them. Their
/// signatures are placeholders.
const ROOM_CREATE: &str = include_str!("../../../fuzz/seeds/callback_body/room_create");
const STREAM_CREATE: &str = include_str!("../../../fuzz/seeds/callback_body/stream_create");

/// `zego callbacks <what> --timestamp T --nonce N [extra]`, the secret in the environment.
fn callbacks(what: &str, secret: &str, timestamp: &str, nonce: &str) -> Command {
    let mut cmd = zego();
    cmd.env("ZEGO_CALLBACK_SECRET", secret).args([
        "callbacks",
        what,
        "--timestamp",
        timestamp,
        "--nonce",
        nonce,
    ]);
    cmd
}

#[test]
fn sign_gives_the_vendor_worked_example() {
    // Spec §4.2: nonce 123412, timestamp 1470820198, secret "secret".
    let out = callbacks("sign", "secret", "1470820198", "123412")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stdout(&out), "5bd59fd62953a8059fb7eaba95720f66d19e4517\n");

    // The secret from the flag instead.
    let out = zego()
        .args(["callbacks", "sign", "--callback-secret", "secret"])
        .args(["--timestamp", "1470820198", "--nonce", "123412"])
        .output()
        .unwrap();
    assert_eq!(stdout(&out), "5bd59fd62953a8059fb7eaba95720f66d19e4517\n");
}

#[test]
fn sign_and_verify_the_sorting_traps() {
    // Spec §4.3: V1 (the numeric-sort trap) and V7 (case-sensitive order), with the wrong
    // results of a numeric and a case-insensitive sort.
    let vectors = [
        (
            "secret",
            "999999999",
            "1000000000",
            "af22cc53e8cc4ca18142a39b4c711c9037a83b58",
            "d22bf90daf85d72b57b252967cad0dba7e50b433",
        ),
        (
            "Secret",
            "1700000000",
            "nonce",
            "59f41afcfc5fd87ef0181aeff00e731de2cbab5b",
            "ab23accc305760599fccb64b8f0c77a730d86134",
        ),
    ];
    for (secret, timestamp, nonce, right, wrong) in vectors {
        let out = callbacks("sign", secret, timestamp, nonce)
            .output()
            .unwrap();
        assert_eq!(stdout(&out), format!("{right}\n"));

        for good in [right.to_owned(), right.to_uppercase()] {
            let out = callbacks("verify", secret, timestamp, nonce)
                .args(["--signature", &good])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(0), "{good}: {}", stderr(&out));
            assert_eq!(stdout(&out), "verified\n");
        }

        let out = callbacks("verify", secret, timestamp, nonce)
            .args(["--signature", wrong])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{wrong}");
        assert!(stdout(&out).is_empty());
        let err = stderr(&out);
        assert!(err.contains("does not verify"), "{err}");
        assert!(!err.contains(right), "never the expected signature: {err}");
    }
}

#[test]
fn verify_refuses_a_malformed_signature_and_usage_errors_exit_2() {
    let out = callbacks("verify", "secret", "1470820198", "123412")
        .args(["--signature", "5bd59fd6"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("not 40 hexadecimal"),
        "{}",
        stderr(&out)
    );

    let inputs = ["--timestamp", "1", "--nonce", "2"];
    let secret = |s| ["--callback-secret", s];
    let cases: [Vec<&str>; 6] = [
        [&["callbacks", "sign"][..], &inputs].concat(),
        [&["callbacks", "verify"][..], &secret("s"), &inputs].concat(),
        [&["callbacks", "sign"][..], &secret(""), &inputs].concat(),
        [&["callbacks", "sign"][..], &secret("a secret"), &inputs].concat(),
        [
            &["callbacks", "listen", "--listen", "localhost"][..],
            &secret("s"),
        ]
        .concat(),
        vec!["callbacks"],
    ];
    for args in cases {
        let out = zego().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("a secret"), "{args:?}");
    }
}

#[test]
fn help_documents_the_exit_codes() {
    for (what, lines) in [
        (
            "sign",
            &["0  sign: the signature was printed", "ZEGO_CALLBACK_SECRET"][..],
        ),
        (
            "verify",
            &["1  verify: the signature does not verify", "2  usage error"],
        ),
        (
            "listen",
            &[
                "listening on http://ADDR",
                "0  stopped by SIGINT (Ctrl-C) or SIGTERM",
                "1  cannot listen on the address",
                "[default: 127.0.0.1:8080]",
            ],
        ),
    ] {
        let out = zego().args(["callbacks", what, "--help"]).output().unwrap();
        for line in lines {
            assert!(
                stdout(&out).contains(line),
                "{what}: {line}: {}",
                stdout(&out)
            );
        }
    }
}

/// A running `zego callbacks listen`: its address, and its stdout line by line.
struct Listener {
    child: Child,
    address: String,
    lines: mpsc::Receiver<String>,
}

impl Listener {
    fn start(secret: &str) -> Listener {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_zego"))
            .env("ZEGO_CALLBACK_SECRET", secret)
            .args(["callbacks", "listen", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout: ChildStdout = child.stdout.take().unwrap();
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let mut listener = Listener {
            child,
            address: String::new(),
            lines,
        };
        let first = listener.next_line();
        listener.address = first
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("first line: {first}"))
            .to_owned();
        assert!(!listener.address.ends_with(":0"), "the real port: {first}");
        listener
    }

    fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(20))
            .expect("a line on stdout")
    }

    /// POSTs `body` over a plain TCP connection; returns the status code.
    fn post(&self, body: &str) -> u16 {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(20)))
            .unwrap();
        write!(
            stream,
            "POST /zego/callback HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response.split(' ').nth(1).unwrap_or_default();
        status
            .parse()
            .unwrap_or_else(|_| panic!("a status line: {response}"))
    }

    /// Sends `signal` and waits for the exit; returns the exit code and stderr.
    fn stop(mut self, signal: &str) -> (Option<i32>, String) {
        let pid = self.child.id().to_string();
        let sent = std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        assert!(sent.success());
        let deadline = Instant::now() + Duration::from_secs(20);
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("zego callbacks listen did not stop on {signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut err = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            stderr.read_to_string(&mut err).unwrap();
        }
        (status.code(), err)
    }
}

/// An example body with its placeholder signature replaced by the one `secret` gives.
fn signed(body: &str, placeholder: &str, secret: &str, timestamp: &str, nonce: &str) -> String {
    let signature = sign(&CallbackSecret::new(secret).unwrap(), timestamp, nonce);
    let placeholder = format!("\"signature\": \"{placeholder}\"");
    assert!(body.contains(&placeholder));
    body.replace(&placeholder, &format!("\"signature\": \"{signature}\""))
}

#[test]
fn listen_prints_each_verified_event_and_refuses_the_others() {
    let listener = Listener::start("secret");

    // Spec §7.1: a numeric timestamp and a 64-bit room_session_id above 2^53.
    let room_create = signed(ROOM_CREATE, "signature", "secret", "1499676978", "350176");
    assert!(room_create.contains("264b7f500b4935a082fef1da1760769245880d7c"));
    assert_eq!(listener.post(&room_create), 200);
    let line = listener.next_line();
    assert!(
        line.contains(r#""room_session_id":858012925204410400"#),
        "exact numbers: {line}"
    );
    let event: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(event["event"], "room_create");
    assert_eq!(event["fields"]["room_id"], "rid_1242649");
    assert_eq!(event["fields"]["id_name"], "id123");
    assert_eq!(event["fields"]["timestamp"], 1499676978);

    // Spec §7.5: a 19-digit nonce, arrays of URLs.
    let stream_create = signed(
        STREAM_CREATE,
        "xxx",
        "secret",
        "1687981272",
        "7254119327986670314",
    );
    assert!(stream_create.contains("f481ddb5a90835fe4a63c394a9e28f92975ac70e"));
    assert_eq!(listener.post(&stream_create), 200);
    let event: Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(event["event"], "stream_create");
    assert_eq!(event["fields"]["stream_seq"], "01", "strings stay strings");
    assert_eq!(
        event["fields"]["rtmp_url"].as_array().map(Vec::len),
        Some(2)
    );

    // Signed with another secret, unsigned, and unreadable: refused, nothing printed.
    let forged = signed(
        ROOM_CREATE,
        "signature",
        "another-secret",
        "1499676978",
        "350176",
    );
    assert_eq!(listener.post(&forged), 401);
    assert_eq!(listener.post(ROOM_CREATE), 401);
    assert_eq!(listener.post("not a callback"), 400);

    // One more good one: the refused ones printed nothing in between.
    assert_eq!(listener.post(&room_create), 200);
    let event: Value = serde_json::from_str(&listener.next_line()).unwrap();
    assert_eq!(event["event"], "room_create");

    let (code, err) = listener.stop("-TERM");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err.matches("refused (401 Unauthorized)").count(),
        2,
        "{err}"
    );
    assert_eq!(err.matches("refused (400 Bad Request)").count(), 1, "{err}");
    assert!(err.contains("stopped"), "{err}");
    assert!(!err.contains("another-secret"), "{err}");
}

#[test]
fn listen_stops_on_sigint() {
    let listener = Listener::start("secret");
    let (code, err) = listener.stop("-INT");
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn listen_on_a_taken_address_exits_1() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let out = zego()
        .env("ZEGO_CALLBACK_SECRET", "secret")
        .args(["callbacks", "listen", "--listen", &address])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(stdout(&out).is_empty());
    assert!(
        stderr(&out).contains(&format!("cannot listen on {address}")),
        "{}",
        stderr(&out)
    );
}
