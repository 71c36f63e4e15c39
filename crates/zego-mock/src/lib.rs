//! A local server that behaves like the ZEGO real-time server API, for tests and demos.
//!
//! It is a real HTTP/1.1 server on loopback: it checks every request as ZEGO's gateway
//! does (the public parameters, the signature, the timestamp window, the environment and
//! the per-app rate budget, each with its documented code), runs `SendCustomCommand`
//! against rooms of online users, keeps each user's inbox of delivered messages, and
//! injects faults on request. Rust tests drive it through this library; any other
//! language through the `zego-mock` binary and its JSON control API under `/_mock/`.
//!
//! ```
//! use std::io::{Read, Write};
//! use zego_core::{parse_response, prepare, AppId, Config, Endpoint, Nonce, ReturnCode,
//!                 ServerSecret};
//! use zego_core::actions::SendCustomCommand;
//! use zego_mock::{App, Delivered, MockServer};
//!
//! let mock = MockServer::builder()
//!     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
//!     .user("room-1", "alice")
//!     .user("room-1", "bob")
//!     .start()?;
//!
//! // Any HTTP client will do: here zego-core signs the request and std sends it.
//! let config = Config::new(AppId::new(1234), ServerSecret::new("0123456789abcdef0123456789abcdef")?)
//!     .with_endpoint(Endpoint::loopback_http(&mock.base_url())?);
//! let command = SendCustomCommand::to_users("room-1", "server", ["alice", "carol"], "hello");
//! let now = zego_core::unix_seconds(std::time::SystemTime::now());
//! let request = prepare(&config, &command, &"0011223344556677".parse::<Nonce>()?, now)?;
//! let mut socket = std::net::TcpStream::connect(mock.addr())?;
//! write!(socket, "GET {} HTTP/1.1\r\nHost: mock\r\nConnection: close\r\n\r\n", request.uri())?;
//! let mut answer = Vec::new();
//! socket.read_to_end(&mut answer)?;
//! let body = &answer[answer.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4..];
//! let reply = parse_response::<SendCustomCommand>(200, body)?;
//! assert_eq!(reply.failed_users()[0].user_id, "carol"); // not in the room
//! assert_eq!(reply.failed_users()[0].code, ReturnCode::USER_NOT_ONLINE);
//!
//! // What alice's client would have received; bob was not named.
//! assert_eq!(mock.inbox("alice"), [Delivered {
//!     room_id: "room-1".into(), from_user_id: "server".into(), content: "hello".into(),
//! }]);
//! assert!(mock.inbox("bob").is_empty());
//! assert_eq!(mock.requests()[0].code, Some(ReturnCode::SUCCESS));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Using it in tests
//!
//! [`start()`](MockServerBuilder::start) is synchronous: the server runs on its own
//! thread with its own tokio runtime, so the same handle works in a plain `#[test]`, in
//! blocking code and in `#[tokio::test]` (of either flavour). It binds `127.0.0.1:0`
//! unless [`MockServerBuilder::listen`] says otherwise, so tests run in parallel, each with
//! its own server. Dropping the handle (or [`MockServer::shutdown`]) stops it. Point the
//! client under test at [`MockServer::base_url`]; the project's clients, `zego-ureq` and
//! `zego-hyper`, take it as `.endpoint(Endpoint::loopback_http(&mock.base_url())?)`.
//!
//! ```
//! # use std::time::Duration;
//! use zego_core::{AppId, ReturnCode};
//! use zego_mock::{App, Fault, FaultKind, MockServer};
//!
//! let mock = MockServer::builder()
//!     .app(App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef"))
//!     .app(App::new(AppId::new(5678), "another-secret").test_only()) // needs IsTest=true
//!     .user("room-1", "alice")              // online
//!     .offline_user("room-1", "carol")      // known, offline
//!     .rate_limits(true)                    // the default; false turns 206 off
//!     .start()?;
//!
//! mock.set_online("room-1", "carol", true);
//! // The next SendCustomCommand is delivered, then answered 50013: a client that
//! // retries it delivers the message twice.
//! mock.inject(Fault::new(FaultKind::DeliverThenCode(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED))
//!     .action("SendCustomCommand"));
//! // The two requests after that wait 3 s each before they are answered.
//! mock.inject(Fault::new(FaultKind::Delay(Duration::from_secs(3))).times(2));
//! assert_eq!(mock.faults().len(), 2);
//! mock.reset(); // inboxes, faults, request log and budgets; apps, rooms and users stay
//! assert!(mock.faults().is_empty());
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # What it checks, in the gateway's order
//!
//! Every answer is HTTP 200 with the JSON envelope `{"Code", "Message", "RequestId",
//! "Data"}` (`RequestId` is a decimal counter, unique for the life of the server; `Data`
//! is `null` on errors), except for injected faults. The query is decoded as
//! `application/x-www-form-urlencoded` (`+` is a space); `ToUserId[]` and `ToUserId%5B%5D`
//! are the same key; a repeated scalar parameter counts by its first value; an empty value
//! counts as missing.
//!
//! | check | code |
//! |---|---|
//! | `Action` missing | 100000006 |
//! | `Action` not `SendCustomCommand` (the one call the mock implements) | 100000007 |
//! | `AppId` missing, not decimal digits, or over 32 bits | 100000001 |
//! | `AppId` of no app the mock knows | 100000010 |
//! | `Timestamp` missing | 100000002 |
//! | `Timestamp` not an integer | 100000003 |
//! | `Timestamp` more than 10 minutes from the mock's clock, either way | 100000004 |
//! | `SignatureNonce` missing | 100000008 |
//! | `Signature` missing | 100000009 |
//! | `SignatureVersion` missing / not `2.0` | 100000013 / 100000014 |
//! | `Signature` not `md5(AppId + SignatureNonce + ServerSecret + Timestamp)` in lowercase hex, or a nonce that is not 16 lowercase hex characters | 100000005 |
//! | environment: a [test-only](App::test_only) app without `IsTest=true`, or an `IsTest` that is neither `true` nor `false` (any case) | 100000016 |
//! | over the call's budget (see below) | 206 |
//!
//! The environment: an app created as test-only (the vendor's apps from before 2021-11-16,
//! which have no production environment) must send `IsTest=true`. A production app may
//! send `IsTest=true` as well: it is accepted and counted against the test environment's
//! budget, as `zego_core::Config::with_is_test` paces it.
//!
//! The budget is a token bucket per AppId, environment and action whose capacity is the
//! call's per-second budget ([`Action::RATE_LIMIT`](zego_core::Action::RATE_LIMIT), 100
//! for `SendCustomCommand`; [`TEST_RATE_LIMIT`](zego_core::Action::TEST_RATE_LIMIT), 10,
//! with `IsTest=true`) and which refills continuously at that rate. It starts full: a
//! client pacing evenly at the budget is never throttled, and of a burst of 150 at once
//! about 50 get 206. Requests the gateway rejects earlier take nothing from it.
//! [`MockServerBuilder::rate_limits`]`(false)` turns it off.
//!
//! Then `SendCustomCommand`'s own rules:
//!
//! | rule | code |
//! |---|---|
//! | `RoomId` or `FromUserId` missing, or an empty `ToUserId[]` entry | 2 |
//! | `RoomId` over 128 bytes, `FromUserId` or a `ToUserId[]` entry over 64 bytes (the client SDKs' limits, as `zego_core` validates them) | 3 |
//! | more than 10 `ToUserId[]` entries | 50011 |
//! | `MessageContent` missing or empty | 1008 |
//! | `MessageContent` over 1024 bytes once decoded (UTF-8) | 50012 |
//! | no user online in the room | 50001 |
//!
//! Otherwise the message goes to each named target online in the room (a target named
//! twice gets it once), or, with no `ToUserId[]`, to every user online in the room — never
//! to `FromUserId`, which need not be in the room. Named targets not online in the room
//! come back in `Data.FailUsers` as `{"Uid": ..., "Code": 50003}` while `Code` is 0.
//! `{"FailUsers": []}` means every target got it.
//!
//! # Faults
//!
//! [`MockServer::inject`] queues a [`Fault`] for the next N requests (optionally only of
//! one action). A request takes one use of the first pending fault that matches it,
//! before any check; see [`FaultKind`] for what each does. The `DeliverThen*` kinds check
//! the request normally and, when it succeeds (the message is delivered), answer the
//! given code or drop the connection instead of the success; a request that fails a check
//! gets its normal error code and still uses up the fault.
//!
//! # The request log
//!
//! [`MockServer::requests`] lists every API request answered (or dropped by a fault), in
//! the order answered, with its raw query, the code answered and the fault applied. It
//! keeps the last [`MAX_LOG_ENTRIES`]. Control requests are not logged.
//!
//! # The binary and the control API
//!
//! ```text
//! zego-mock [--listen 127.0.0.1:8765] --app-id <N> --server-secret <S> [--test-env]
//!           [--user <ROOM>:<USER>]... [--no-rate-limits]
//! ```
//!
//! It prints exactly one line to stdout, `zego-mock listening on http://127.0.0.1:8765`
//! (the real port when port 0 was asked), and serves until SIGINT or SIGTERM, then exits
//! with status 0. `--app-id` and `--server-secret` may also come from `ZEGO_APP_ID` and
//! `ZEGO_SERVER_SECRET`. `--user` splits at the first `:`.
//!
//! The control API answers JSON under `/_mock/` (a path the real service does not use);
//! errors are HTTP 400, 404 or 405 with `{"error": "..."}`:
//!
//! | request | body | answer |
//! |---|---|---|
//! | `GET /_mock/inbox/<user>` (percent-encoded) | | `[{"room_id": "r", "from_user_id": "f", "content": "c"}]`, in delivery order |
//! | `GET /_mock/users` | | `[{"room_id": "r", "user_id": "u", "online": true}]` |
//! | `POST /_mock/users` | `{"room_id": "r", "user_id": "u", "online": true}` | `{"ok": true}` |
//! | `GET /_mock/faults` | | the pending faults, as posted, `times` being the uses left |
//! | `POST /_mock/faults` | a fault, below | `{"ok": true}` |
//! | `GET /_mock/requests` | | `[{"action": "SendCustomCommand", "app_id": "1234", "query": "...", "code": 0, "request_id": "7", "fault": null}]` (`code`, `request_id`: `null` when no envelope was sent; `fault`: a fault's `kind` and its fields, or `null`) |
//! | `POST /_mock/reset` | | `{"ok": true}` |
//!
//! A fault is `{"kind": K, "times": 1, "action": "SendCustomCommand"}` (`times` defaults to
//! 1, `action` to any), where `K` is one of `"delay"` (with `"delay_ms": 3000`),
//! `"code"` (with `"code": 50013`), `"close_connection"`, `"bad_gateway"`,
//! `"malformed_json"`, `"truncated_body"`, `"deliver_then_code"` (with `"code": 50013`)
//! or `"deliver_then_close"`.
//!
//! # Limits
//!
//! It reads untrusted input and never panics on it: a request target over
//! [`MAX_URI_BYTES`] gets HTTP 414; a request head over [`MAX_HEAD_BYTES`] or with more
//! than [`MAX_HEADERS`] fields gets HTTP 431 and the connection is closed; bytes that are
//! not HTTP get HTTP 400 and a close; a client that does not send a whole head within the
//! header read timeout ([`DEFAULT_HEADER_READ_TIMEOUT`], also the idle limit of a
//! kept-alive connection) is disconnected; at most [`MAX_CONNECTIONS`] connections are
//! served at once ([`MockServerBuilder::max_connections`]); control bodies are read up to 64 KiB. Each inbox keeps its last
//! [`MAX_INBOX_MESSAGES`].
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod control;
mod gateway;
mod server;
mod state;

use std::fmt;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::sync::watch;
use zego_core::{AppId, ServerSecret};

pub use gateway::TIMESTAMP_WINDOW_SECS;
pub use server::{
    DEFAULT_HEADER_READ_TIMEOUT, MAX_CONNECTIONS, MAX_HEAD_BYTES, MAX_HEADERS, MAX_URI_BYTES,
};
pub use state::{Delivered, Fault, FaultKind, LoggedRequest, MAX_INBOX_MESSAGES, MAX_LOG_ENTRIES};

use server::Shared;
use state::{AppEntry, State};

/// An application the mock accepts requests for.
///
/// ```
/// use zego_core::AppId;
/// use zego_mock::App;
/// let app = App::new(AppId::new(1234), "0123456789abcdef0123456789abcdef").test_only();
/// assert!(app.is_test_only());
/// assert!(!format!("{app:?}").contains("0123456789abcdef"), "the secret is redacted");
/// ```
#[derive(Clone)]
pub struct App {
    app_id: AppId,
    secret: String,
    test_only: bool,
}

impl App {
    /// A production app (it takes requests with or without `IsTest`). The secret is
    /// checked by [`MockServerBuilder::start`] as `zego_core::ServerSecret::new` checks it.
    pub fn new(app_id: AppId, server_secret: impl Into<String>) -> Self {
        App {
            app_id,
            secret: server_secret.into(),
            test_only: false,
        }
    }

    /// Makes it an app with only a test environment: every request must carry
    /// `IsTest=true` (else 100000016), and its budget is the test environment's.
    pub fn test_only(mut self) -> Self {
        self.test_only = true;
        self
    }

    /// Its AppId.
    pub fn app_id(&self) -> AppId {
        self.app_id
    }

    /// Whether it has only a test environment.
    pub fn is_test_only(&self) -> bool {
        self.test_only
    }
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("app_id", &self.app_id)
            .field("secret", &"[redacted]")
            .field("test_only", &self.test_only)
            .finish()
    }
}

/// Configures a [`MockServer`]; made by [`MockServer::builder`].
#[derive(Debug)]
pub struct MockServerBuilder {
    apps: Vec<App>,
    users: Vec<(String, String, bool)>,
    rate_limits: bool,
    listen: SocketAddr,
    header_read_timeout: Duration,
    max_connections: usize,
}

impl MockServerBuilder {
    /// Adds an app (a later app with the same AppId replaces an earlier one).
    pub fn app(mut self, app: App) -> Self {
        self.apps.push(app);
        self
    }

    /// Puts `user_id` online in `room_id` (repeatable; rooms are created as needed).
    pub fn user(mut self, room_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.users.push((room_id.into(), user_id.into(), true));
        self
    }

    /// Adds `user_id` to `room_id` as a known user who is offline.
    pub fn offline_user(mut self, room_id: impl Into<String>, user_id: impl Into<String>) -> Self {
        self.users.push((room_id.into(), user_id.into(), false));
        self
    }

    /// Whether the per-app budgets answer 206 (default `true`; `false` for benchmarks).
    pub fn rate_limits(mut self, on: bool) -> Self {
        self.rate_limits = on;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`: loopback, any free port).
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// How long a client has to send a request head, and how long a kept-alive connection
    /// may stay idle (default [`DEFAULT_HEADER_READ_TIMEOUT`]).
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// How many connections are served at once (default [`MAX_CONNECTIONS`], at least
    /// 1); more wait in the listen backlog until one closes.
    pub fn max_connections(mut self, max: usize) -> Self {
        self.max_connections = max;
        self
    }

    /// Binds the address and starts serving on a thread of its own.
    ///
    /// Fails when an app's secret is not a valid `ServerSecret` (`InvalidInput`), when
    /// the address cannot be bound, or when the thread or runtime cannot be made.
    pub fn start(self) -> io::Result<MockServer> {
        let mut state = State::new(self.rate_limits);
        for app in self.apps {
            let secret = ServerSecret::new(app.secret).map_err(|e| {
                io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("app {}: {e}", app.app_id),
                )
            })?;
            state.apps.insert(
                app.app_id.get(),
                AppEntry {
                    secret,
                    test_only: app.test_only,
                },
            );
        }
        for (room, user, online) in &self.users {
            state.set_online(room, user, online.to_owned());
        }
        let shared = Arc::new(Shared::new(
            state,
            self.header_read_timeout,
            self.max_connections,
        ));

        let listener = TcpListener::bind(self.listen)?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)?
        };
        let (stop, stopped) = watch::channel(false);
        let served = shared.clone();
        let thread = std::thread::Builder::new()
            .name(format!("zego-mock {addr}"))
            .spawn(move || {
                runtime.block_on(server::serve(listener, served, stopped));
                // Dropping the runtime here ends every connection still open.
            })?;
        Ok(MockServer {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// A running mock server. Dropping it stops the server.
pub struct MockServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// A builder with no apps, no rooms, rate limits on, listening on `127.0.0.1:0`.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder {
            apps: Vec::new(),
            users: Vec::new(),
            rate_limits: true,
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }

    /// The base URL, such as `http://127.0.0.1:40123` (no trailing slash).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The messages delivered to `user_id`, in all rooms, in delivery order.
    pub fn inbox(&self, user_id: &str) -> Vec<Delivered> {
        self.shared.lock().inbox(user_id)
    }

    /// Puts a user online or offline in a room, creating the room and user if needed.
    pub fn set_online(&self, room_id: &str, user_id: &str, online: bool) {
        self.shared.lock().set_online(room_id, user_id, online);
    }

    /// Queues a fault for the next matching requests.
    pub fn inject(&self, fault: Fault) {
        self.shared.lock().inject(fault);
    }

    /// The faults still pending, each with the uses it has left.
    pub fn faults(&self) -> Vec<Fault> {
        self.shared.lock().faults.iter().cloned().collect()
    }

    /// Every API request answered (or dropped by a fault), in the order answered.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.shared.lock().log.iter().cloned().collect()
    }

    /// Clears inboxes, pending faults, the request log and the rate budgets; keeps apps,
    /// rooms and users (and `RequestId`s stay unique).
    pub fn reset(&self) {
        self.shared.lock().reset();
    }

    /// Stops the server and waits for its thread; open connections are closed.
    pub fn shutdown(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}
