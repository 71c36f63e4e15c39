//! Requests built by hand: raw HTTP/1.1 over `std::net::TcpStream`, a query written pair by
//! pair, and a signature from `zego_core::sign` alone, so that the mock is checked against
//! the spec and not against the project's own client.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::Value;
use zego_core::{AppId, Nonce, ServerSecret, sign, unix_seconds};
use zego_mock::{App, MockServer, MockServerBuilder};

pub const APP: u32 = 1234;
pub const SECRET: &str = "0123456789abcdef0123456789abcdef";
pub const TEST_APP: u32 = 5678;
pub const TEST_SECRET: &str = "test-environment-secret";
pub const NONCE: &str = "4fd24687296dd9f3";

/// Generous: the machine may be loaded.
pub const IO_TIMEOUT: Duration = Duration::from_secs(30);

/// A builder with the production app `APP`, the test-only app `TEST_APP`, and
/// `room-1` with alice and bob online and carol offline.
pub fn builder() -> MockServerBuilder {
    MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .app(App::new(AppId::new(TEST_APP), TEST_SECRET).test_only())
        .user("room-1", "alice")
        .user("room-1", "bob")
        .offline_user("room-1", "carol")
}

pub fn start() -> MockServer {
    builder().start().expect("the mock starts")
}

/// Puts alice and bob online in `room-1` of another world too: `app`'s in `test_env`
/// (each AppId and environment has its own rooms).
pub fn populate(mock: &MockServer, app: u32, test_env: bool) {
    let world = mock.world(AppId::new(app), test_env);
    world.set_online("room-1", "alice", true);
    world.set_online("room-1", "bob", true);
}

/// A mock as [`start`] makes it, with `room-1` populated in every world the tests use:
/// `APP` in production and in the test environment, and `TEST_APP`.
pub fn start_everywhere() -> MockServer {
    let mock = start();
    populate(&mock, APP, true);
    populate(&mock, TEST_APP, true);
    mock
}

pub fn now() -> i64 {
    unix_seconds(SystemTime::now())
}

/// Percent-encodes a value as an HTML form does (`+` for a space).
pub fn enc(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// The signature of `(app, nonce, secret, timestamp)`, by the vendor's formula.
pub fn signature(app: u32, nonce: &str, secret: &str, timestamp: i64) -> String {
    let nonce: Nonce = nonce.parse().expect("a valid nonce");
    let secret = ServerSecret::new(secret).expect("a valid secret");
    sign(AppId::new(app), &nonce, &secret, timestamp)
        .as_str()
        .to_owned()
}

/// The public parameters of a valid request of `app` signed now, as `&`-joined pairs.
pub fn public(app: u32, secret: &str) -> String {
    let ts = now();
    format!(
        "AppId={app}&SignatureNonce={NONCE}&Timestamp={ts}&Signature={}&SignatureVersion=2.0",
        signature(app, NONCE, secret, ts)
    )
}

/// A valid, signed `SendCustomCommand` request target for `APP`.
pub fn command(room: &str, from: &str, targets: &[&str], content: &str) -> String {
    let mut q = format!(
        "/?Action=SendCustomCommand&RoomId={}&FromUserId={}",
        enc(room),
        enc(from)
    );
    for t in targets {
        q.push_str("&ToUserId[]=");
        q.push_str(&enc(t));
    }
    q.push_str("&MessageContent=");
    q.push_str(&enc(content));
    q.push('&');
    q.push_str(&public(APP, SECRET));
    q
}

/// A valid, signed request target of `action` for `APP`, with the business parameters
/// `params` in order (keys as given, brackets and all; values form-encoded).
pub fn request(action: &str, params: &[(&str, &str)]) -> String {
    request_for(APP, SECRET, action, params)
}

/// [`request`] for another app, or its test environment with an `IsTest` pair.
pub fn request_for(app: u32, secret: &str, action: &str, params: &[(&str, &str)]) -> String {
    let mut q = format!("/?Action={action}");
    for (key, value) in params {
        q.push('&');
        q.push_str(key);
        q.push('=');
        q.push_str(&enc(value));
    }
    q.push('&');
    q.push_str(&public(app, secret));
    q
}

/// A valid, signed request target of a media-service `action` for `APP` (production)
/// or, with `test_env`, for `TEST_APP` (whose world is the test environment's), with the
/// business parameters `params` in order and a fresh `Sequence`.
pub fn media(test_env: bool, action: &str, params: &[(&str, &str)]) -> String {
    let sequence = sequence();
    let mut params = params.to_vec();
    params.push(("Sequence", &sequence));
    if test_env {
        params.push(("IsTest", "true"));
        request_for(TEST_APP, TEST_SECRET, action, &params)
    } else {
        request(action, &params)
    }
}

/// A `Sequence` value greater than every one before in this process.
pub fn sequence() -> String {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    NEXT.fetch_add(1, Ordering::Relaxed).to_string()
}

/// `stream` as the media service takes it from `TEST_APP` in the test environment.
pub fn prefixed(stream: &str) -> String {
    format!("zegotest-{TEST_APP}-{stream}")
}

/// A parsed HTTP response.
#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// The envelope's `Code`, checking the rest of the envelope's shape on the way: every
    /// call the mock implements is of the room-signalling group, whose errors have no
    /// `Data` member (spec §0.2).
    pub fn code(&self) -> i64 {
        assert_eq!(self.status, 200, "{self:?}");
        let json = self.json();
        assert!(json["Message"].is_string(), "{json}");
        assert!(
            json["RequestId"].as_str().is_some_and(|id| !id.is_empty()),
            "{json}"
        );
        let code = json["Code"].as_i64().expect("an integer Code");
        if code == 0 {
            assert_eq!(json["Message"], "success", "{json}");
        } else {
            assert!(json.get("Data").is_none(), "an error with Data: {json}");
        }
        code
    }
}

impl Response {
    /// The envelope's `Code` of a media-service call, checking the rest of the
    /// envelope's shape on the way (spec §0.2): `Message` is `"ok"` on success, and
    /// `Data` is always there, `null` on errors (41006 carries the stream's times).
    pub fn media_code(&self) -> i64 {
        assert_eq!(self.status, 200, "{self:?}");
        let json = self.json();
        assert!(json["Message"].is_string(), "{json}");
        assert!(json["RequestId"].is_string(), "{json}");
        let code = json["Code"].as_i64().expect("an integer Code");
        assert!(json.get("Data").is_some(), "no Data member: {json}");
        match code {
            0 => assert_eq!(json["Message"], "ok", "{json}"),
            41006 => assert!(json["Data"].is_object(), "{json}"),
            _ => assert!(json["Data"].is_null(), "an error with Data: {json}"),
        }
        code
    }
}

/// The `Code` answered to one media-service request on a connection of its own.
pub fn media_code(addr: SocketAddr, target: &str) -> i64 {
    get(addr, target).media_code()
}

/// One kept-alive connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Conn {
            reader: BufReader::new(stream),
        }
    }

    pub fn stream(&mut self) -> &mut TcpStream {
        self.reader.get_mut()
    }

    /// Writes raw bytes.
    pub fn send_raw(&mut self, bytes: &[u8]) {
        self.stream().write_all(bytes).expect("write");
    }

    pub fn send_get(&mut self, target: &str) {
        let request = format!("GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n");
        self.send_raw(request.as_bytes());
    }

    pub fn get(&mut self, target: &str) -> Response {
        self.send_get(target);
        self.read_response().expect("a response")
    }

    pub fn post_json(&mut self, path: &str, body: &str) -> Response {
        let request = format!(
            "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.send_raw(request.as_bytes());
        self.read_response().expect("a response")
    }

    /// Reads one response; `Err` with what was read when the connection ends first.
    pub fn read_response(&mut self) -> Result<Response, Vec<u8>> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) => return Err(Vec::new()),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return Err(Vec::new()),
            Err(e) => panic!("reading the status line: {e}"),
        }
        let status: u16 = line
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("a status line: {line:?}"));
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if self.reader.read_line(&mut line).expect("a header line") == 0 {
                return Err(Vec::new());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            let (k, v) = line.split_once(':').expect("a header");
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
        let length: Option<usize> = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().expect("a Content-Length"));
        let mut body = Vec::new();
        match length {
            Some(n) => {
                body.resize(n, 0);
                let mut read = 0;
                while read < n {
                    match self.reader.read(&mut body[read..]) {
                        Ok(0) | Err(_) => {
                            body.truncate(read);
                            return Err(body);
                        }
                        Ok(k) => read += k,
                    }
                }
            }
            None => {
                let _ = self.reader.read_to_end(&mut body);
            }
        }
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    /// Whether the server closed the connection (EOF or reset) without sending anything.
    pub fn closed_without_answer(&mut self) -> bool {
        let mut byte = [0u8; 1];
        match self.reader.read(&mut byte) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
            ),
        }
    }
}

/// One request on a connection of its own.
pub fn get(addr: SocketAddr, target: &str) -> Response {
    Conn::open(addr).get(target)
}

pub fn post_json(addr: SocketAddr, path: &str, body: &str) -> Response {
    Conn::open(addr).post_json(path, body)
}

/// The `Code` answered to one request on a connection of its own.
pub fn code(addr: SocketAddr, target: &str) -> i64 {
    get(addr, target).code()
}
