//! What the tests of the calls share: the command with credentials, a scripted loopback
//! server, the vendor's signature example, and the shape of the JSON output.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use serde_json::{Value, json};

pub const APP: u32 = 424_242;
pub const SECRET: &str = "fedcba9876543210fedcba9876543210";

/// `zego` with credentials in the environment (and nothing inherited from the caller's).
pub fn zego() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_zego"));
    cmd.env_remove("ZEGO_APP_ID")
        .env_remove("ZEGO_SERVER_SECRET")
        .env_remove("ZEGO_BUDGET")
        .env("ZEGO_APP_ID", APP.to_string())
        .env("ZEGO_SERVER_SECRET", SECRET);
    cmd
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A loopback server that answers every request with `answer(query)` (HTTP 200) and keeps
/// the queries, in order.
pub struct Scripted {
    pub base_url: String,
    queries: Arc<Mutex<Vec<String>>>,
}

impl Scripted {
    pub fn start(answer: fn(&str) -> String) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let queries = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&queries);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut reader = BufReader::new(&stream);
                let mut request_line = String::new();
                let mut header = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                    header.clear();
                }
                let target = request_line.split(' ').nth(1).unwrap_or_default();
                let query = target.split_once('?').map_or("", |(_, q)| q).to_owned();
                let body = answer(&query);
                log.lock().unwrap().push(query);
                let _ = write!(
                    &stream,
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                     connection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        Scripted { base_url, queries }
    }

    pub fn queries(&self) -> Vec<String> {
        self.queries.lock().unwrap().clone()
    }
}

/// The values of `key` in a query, in order.
pub fn values<'q>(query: &'q str, key: &str) -> Vec<&'q str> {
    query
        .split('&')
        .filter_map(|p| p.split_once('='))
        .filter(|(k, _)| *k == key)
        .map(|(_, v)| v)
        .collect()
}

/// `zego <call> --endpoint <url> <args>`.
pub fn call(endpoint: &str, args: &[&str]) -> std::process::Output {
    zego()
        .arg(args[0])
        .args(["--endpoint", endpoint])
        .args(&args[1..])
        .output()
        .unwrap()
}

/// `zego <call> --endpoint <url> <args>`, with and without `--json`, fails validation:
/// exit code 2, the error says `says`, nothing is printed on stdout.
pub fn assert_invalid(endpoint: &str, args: &[&str], says: &str) {
    for json in [false, true] {
        let mut args = args.to_vec();
        if json {
            args.push("--json");
        }
        let out = call(endpoint, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains(&format!("invalid request, nothing was sent: {says}")),
            "{args:?}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{args:?}: {}", stdout(&out));
    }
}

/// `zego` with the credentials of the vendor's signature example.
pub fn vendor_dry_run(args: &[&str]) -> std::process::Output {
    zego()
        .env("ZEGO_APP_ID", "12345")
        .env("ZEGO_SERVER_SECRET", "9193cc662a4c0ec135ec71fb57194b38")
        .args(args)
        .args([
            "--dry-run",
            "--nonce",
            "4fd24687296dd9f3",
            "--timestamp",
            "1615186943",
        ])
        .output()
        .unwrap()
}

pub const SIGNED: &str = "&AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
                      &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0";

/// The `--json` of a call made as one request that succeeded with code 0: done, one
/// request and one attempt, its `RequestId`, nothing unreached, nothing failed.
pub fn assert_one_request_done(v: &Value) {
    assert_eq!(v["done"], true, "{v}");
    assert_eq!(v["code"], 0, "{v}");
    assert_eq!(
        (v["calls"].as_u64(), v["attempts"].as_u64()),
        (Some(1), Some(1)),
        "{v}"
    );
    assert_eq!(v["request_ids"], json!([v["request_id"]]), "{v}");
    assert_eq!(v["unreached"], json!([]), "{v}");
    assert_eq!(v["failed_requests"], json!([]), "{v}");
}

/// The keys of a JSON object and the JSON type of each value, `data` left out.
pub fn shape(v: &Value) -> Vec<(String, &'static str)> {
    let kind = |v: &Value| match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    v.as_object()
        .expect("an object")
        .iter()
        .filter(|(k, _)| *k != "data")
        .map(|(k, v)| (k.clone(), kind(v)))
        .collect()
}
