//! Shared by the tests of `zego-hyper` and `zego-ureq` (the latter includes this file by
//! path), so that both transports meet the same expectations: the scenarios, the fault
//! matrix and the pacing test are written once, against a [`Transport`] that each test
//! crate implements with its own `Client`.
#![allow(dead_code, unused_macros)]

use std::collections::HashSet;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use zego_core::{
    AppId, Error, FanOutReply, Rate, ResponseError, RetryPolicy, ReturnCode, SendCustomCommand,
    SendCustomCommandReply, ValidationError,
};
use zego_mock::{App, Fault, FaultKind, LoggedRequest, MockServer};

/// The production app of the test world.
pub const APP: u32 = 1_234_567_890;
/// Its secret.
pub const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// A secret the mock does not know for [`APP`].
pub const WRONG_SECRET: &str = "fedcba9876543210fedcba9876543210";
/// An app the mock does not know.
pub const UNKNOWN_APP: u32 = 999_999;
/// The room of the fan-out test, with [`FAN_OUT_USERS`] users online.
pub const BIG_ROOM: &str = "big-room";
/// How many users the fan-out test reaches.
pub const FAN_OUT_USERS: usize = 25;

/// How a test client is configured; each test crate turns it into its own `Client` with
/// [`build_client!`], through the same builder methods.
#[derive(Clone, Debug)]
pub struct Spec {
    pub app_id: AppId,
    pub secret: String,
    pub base_url: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub unsafe_retries: bool,
    pub retry: Option<RetryPolicy>,
    pub limit: Limit,
}

/// The rate budget of a test client.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// The vendor's budget (the client's default).
    Vendor,
    /// `.rate_limit(rate)`.
    Rate(Rate),
    /// `.no_rate_limit()`.
    Off,
}

/// Builds a transport crate's `Client` from a [`Spec`], with the builder methods both
/// crates share: `build_client!(zego_ureq::Client, &spec)`.
macro_rules! build_client {
    ($client:ty, $spec:expr) => {{
        let spec: &common::Spec = $spec;
        let secret = zego_core::ServerSecret::new(spec.secret.clone()).expect("secret");
        let endpoint = zego_core::Endpoint::loopback_http(&spec.base_url).expect("endpoint");
        let mut builder = <$client>::builder(spec.app_id, secret)
            .endpoint(endpoint)
            .connect_timeout(spec.connect_timeout)
            .timeout(spec.timeout)
            .unsafe_retries(spec.unsafe_retries);
        if let Some(policy) = &spec.retry {
            builder = builder.retry_policy(policy.clone());
        }
        builder = match spec.limit {
            common::Limit::Vendor => builder,
            common::Limit::Rate(rate) => builder.rate_limit(rate),
            common::Limit::Off => builder.no_rate_limit(),
        };
        builder.build().expect("client")
    }};
}

/// A transport under test, as blocking calls.
pub trait Transport: Clone + Send + Sync + 'static {
    fn build(spec: &Spec) -> Self;
    fn send(&self, command: SendCustomCommand) -> Result<SendCustomCommandReply, Error>;
    fn fan_out(&self, command: SendCustomCommand) -> Result<FanOutReply, ValidationError>;
}

/// The mock world: [`APP`]; `alice` and `bob` online in `room-1`, `carol` known there
/// but offline; `dave` online in `room-2`; [`FAN_OUT_USERS`] users online in
/// [`BIG_ROOM`].
pub fn start_mock() -> MockServer {
    capture();
    let mut builder = MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room-1", "alice")
        .user("room-1", "bob")
        .offline_user("room-1", "carol")
        .user("room-2", "dave");
    for user in fan_out_users() {
        builder = builder.user(BIG_ROOM, user);
    }
    builder.start().expect("the mock starts")
}

pub fn fan_out_users() -> Vec<String> {
    (0..FAN_OUT_USERS).map(|i| format!("fan-{i:02}")).collect()
}

/// A client of [`APP`] against `base_url`, with the defaults but a shorter connect
/// timeout.
pub fn spec_for(base_url: String) -> Spec {
    Spec {
        app_id: AppId::new(APP),
        secret: SECRET.to_owned(),
        base_url,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        unsafe_retries: false,
        retry: None,
        limit: Limit::Vendor,
    }
}

pub fn spec(mock: &MockServer) -> Spec {
    spec_for(mock.base_url())
}

/// A loopback URL where nothing listens: a port just bound and released.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// The value of a query parameter in a logged request.
pub fn param<'q>(request: &'q LoggedRequest, key: &str) -> &'q str {
    request
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_default()
}

fn contents(mock: &MockServer, user: &str) -> Vec<String> {
    mock.inbox(user).into_iter().map(|d| d.content).collect()
}

/// No error text ever carries the secret, the signature or the URL.
pub fn assert_clean(text: &str, mock_url: &str) {
    for secret in [
        SECRET,
        WRONG_SECRET,
        "Signature=",
        "SignatureNonce",
        "?Action",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked into {text:?}");
    }
    assert!(!text.contains(mock_url), "the URL leaked into {text:?}");
}

// ---------------------------------------------------------------------------------------
// Scenarios

/// A message to two users reaches exactly them, once, with its content intact.
pub fn targeted_send<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let content = "héllo & 你好 = 100% {\"k\":[1,2]} +";
    let reply = client
        .send(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice", "bob"],
            content,
        ))
        .expect("sent");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(reply.attempts, 1);
    let requests = mock.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(
        requests[0].request_id.as_deref(),
        Some(reply.request_id.as_str())
    );
    for user in ["alice", "bob"] {
        let inbox = mock.inbox(user);
        assert_eq!(inbox.len(), 1, "{user}");
        assert_eq!(inbox[0].content, content);
        assert_eq!(inbox[0].room_id, "room-1");
        assert_eq!(inbox[0].from_user_id, "server");
    }
    assert!(mock.inbox("carol").is_empty());
    assert!(mock.inbox("dave").is_empty());
}

/// A whole-room message reaches everyone online in the room but the sender.
pub fn whole_room_send<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .send(SendCustomCommand::to_room("room-1", "alice", "everyone"))
        .expect("sent");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(contents(&mock, "bob"), ["everyone"]);
    assert!(mock.inbox("alice").is_empty(), "never to the sender");
    assert!(mock.inbox("carol").is_empty(), "offline");
    assert!(mock.inbox("dave").is_empty(), "another room");
}

/// Targets that are not online come back in `FailUsers` while the call succeeds.
pub fn offline_targets_in_fail_users<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let reply = client
        .send(SendCustomCommand::to_users(
            "room-1",
            "server",
            ["alice", "carol", "nobody"],
            "hi",
        ))
        .expect("the call succeeds");
    assert!(!reply.all_delivered());
    let failed: HashSet<(&str, ReturnCode)> = reply
        .failed_users()
        .iter()
        .map(|u| (u.user_id.as_str(), u.code))
        .collect();
    assert_eq!(
        failed,
        HashSet::from([
            ("carol", ReturnCode::USER_NOT_ONLINE),
            ("nobody", ReturnCode::USER_NOT_ONLINE)
        ])
    );
    assert_eq!(contents(&mock, "alice"), ["hi"]);
    assert!(mock.inbox("carol").is_empty());
}

/// A fan-out to 25 users makes 3 calls and reaches every inbox exactly once.
pub fn fan_out_to_25_users<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let users = fan_out_users();
    let reply = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            users.clone(),
            "to all 25",
        ))
        .expect("valid");
    assert!(reply.all_delivered(), "{reply:?}");
    assert_eq!(reply.calls, 3);
    assert_eq!(reply.attempts, 3);
    assert_eq!(reply.request_ids.len(), 3);
    let requests = mock.requests();
    assert_eq!(requests.len(), 3);
    for (request, id) in requests.iter().zip(&reply.request_ids) {
        assert_eq!(request.request_id.as_deref(), Some(id.as_str()));
    }
    for user in &users {
        assert_eq!(contents(&mock, user), ["to all 25"], "{user}");
    }
}

/// A call of a fan-out that fails as a whole is reported with its users; the others
/// are delivered.
pub fn fan_out_reports_a_failed_call<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.inject(Fault::new(FaultKind::Code(ReturnCode::PARAMETER_ERROR)));
    let users = fan_out_users();
    let reply = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            users.clone(),
            "partial",
        ))
        .expect("valid");
    assert!(!reply.all_delivered());
    assert_eq!(reply.calls, 3);
    assert_eq!(reply.failed_chunks.len(), 1);
    assert_eq!(reply.failed_chunks[0].users, users[..10].to_vec());
    assert_eq!(
        reply.failed_chunks[0].error.code(),
        Some(ReturnCode::PARAMETER_ERROR)
    );
    assert_eq!(reply.undelivered_user_ids().len(), 10);
    for (i, user) in users.iter().enumerate() {
        let expected = usize::from(i >= 10);
        assert_eq!(mock.inbox(user).len(), expected, "{user}");
    }
}

/// A fan-out whose message is invalid is rejected before anything is sent.
pub fn fan_out_rejects_an_invalid_message<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let err = client
        .fan_out(SendCustomCommand::to_users(
            BIG_ROOM,
            "server",
            fan_out_users(),
            "",
        ))
        .unwrap_err();
    assert_eq!(err.field(), "MessageContent");
    assert!(mock.requests().is_empty());
}

/// TLS with the ring provider: a handshake with a server that does not speak TLS fails
/// before the request is written, so it counts as "not sent" and is retried, and the
/// mock never sees a request.
pub fn tls_handshake_failure_is_not_sent<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec_for(format!("https://{}", mock.addr())));
    let error = client.send(to_alice("over tls")).unwrap_err();
    let text = error.to_string();
    eprintln!("tls: {text}");
    match &error {
        Error::Transport { source, attempts } => {
            assert!(!source.may_have_been_sent, "{text}");
            assert_eq!(*attempts, 3, "{text}");
        }
        other => panic!("expected a transport failure, got {other:?}"),
    }
    assert!(text.contains("could not connect"), "{text}");
    assert_clean(&text, &mock.base_url());
    assert!(mock.requests().is_empty());
    assert!(mock.inbox("alice").is_empty());
}

/// How many sends the pacing test makes, and from how many threads.
pub const PACING_SENDS: usize = 300;
const PACING_THREADS: usize = 30;
/// The budget of `SendCustomCommand` for a production app.
pub const BUDGET_PER_SECOND: f64 = 100.0;

/// 300 sends through one client (its clones on 30 threads share one budget, so that slots are reserved ahead) against a
/// production app: the mock never answers 206, and the client uses at least 95% of the
/// 100/s budget. Returns the rate achieved.
pub fn pacing<T: Transport>() -> f64 {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    let started = Instant::now();
    let threads: Vec<_> = (0..PACING_THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                (0..PACING_SENDS / PACING_THREADS)
                    .map(|i| {
                        client.send(SendCustomCommand::to_users(
                            "room-1",
                            "server",
                            ["alice"],
                            format!("{t}-{i}"),
                        ))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<_> = threads
        .into_iter()
        .flat_map(|t| t.join().expect("no panic"))
        .collect();
    let elapsed = started.elapsed();
    let rate = PACING_SENDS as f64 / elapsed.as_secs_f64();
    eprintln!("pacing: {PACING_SENDS} sends in {elapsed:?}: {rate:.1}/s");

    for result in &results {
        let reply = result.as_ref().expect("every send succeeds");
        assert_eq!(reply.attempts, 1, "no retry was needed");
    }
    let requests = mock.requests();
    assert_eq!(requests.len(), PACING_SENDS);
    let throttled = requests
        .iter()
        .filter(|r| r.code == Some(ReturnCode::APP_QPS_LIMIT))
        .count();
    assert_eq!(throttled, 0, "the mock answered 206");
    assert!(requests.iter().all(|r| r.code == Some(ReturnCode::SUCCESS)));
    assert_eq!(mock.inbox("alice").len(), PACING_SENDS);
    assert!(
        rate >= 0.95 * BUDGET_PER_SECOND,
        "{rate:.1}/s is under 95% of the budget"
    );
    assert!(
        rate <= 1.01 * BUDGET_PER_SECOND,
        "{rate:.1}/s is over the budget"
    );
    rate
}

// ---------------------------------------------------------------------------------------
// The fault matrix

/// Where the client sends.
#[derive(Clone, Copy, Debug)]
pub enum Server {
    Mock,
    /// A loopback port where nothing listens.
    Refused,
}

/// One case of the matrix: a server, a fault injected before each run, a command, and
/// one or two runs (the default, and the unsafe-retry opt-in where it matters).
pub struct Case {
    pub number: u8,
    pub name: &'static str,
    pub server: Server,
    pub fault: Option<FaultKind>,
    pub command: SendCustomCommand,
    pub runs: Vec<Run>,
}

pub struct Run {
    pub label: &'static str,
    pub tweak: fn(&mut Spec),
    pub outcome: Outcome,
    /// Requests the mock logged.
    pub requests: Count,
    /// Copies of the message in alice's inbox.
    pub delivered: Count,
    /// How long to wait after the call returns before looking at the mock (for a request
    /// the mock is still working on).
    pub settle: Duration,
    /// A further check on the request log.
    pub log_check: Option<fn(&[LoggedRequest])>,
}

/// What the caller gets.
#[derive(Clone, Debug)]
pub enum Outcome {
    Success {
        attempts: u32,
    },
    Failure {
        attempts: u32,
        kind: Failure,
        may_have_taken_effect: bool,
        /// Phrases the error's message contains.
        says: &'static [&'static str],
    },
}

#[derive(Clone, Debug)]
pub enum Failure {
    Invalid,
    Api(ReturnCode),
    NotEnvelope { status: u16 },
    Transport { may_have_been_sent: bool },
}

#[derive(Clone, Copy, Debug)]
pub enum Count {
    Exactly(usize),
    AtMost(usize),
}

impl Count {
    fn check(self, what: &str, got: usize) {
        match self {
            Count::Exactly(n) => assert_eq!(got, n, "{what}"),
            Count::AtMost(n) => assert!(got <= n, "{what}: {got} > {n}"),
        }
    }
}

fn no_tweak(_: &mut Spec) {}

fn to_alice(content: &str) -> SendCustomCommand {
    SendCustomCommand::to_users("room-1", "server", ["alice"], content)
}

fn codes(log: &[LoggedRequest]) -> Vec<Option<ReturnCode>> {
    log.iter().map(|r| r.code).collect()
}

fn one_run(outcome: Outcome, requests: Count, delivered: Count) -> Vec<Run> {
    vec![Run {
        label: "default",
        tweak: no_tweak,
        outcome,
        requests,
        delivered,
        settle: Duration::ZERO,
        log_check: None,
    }]
}

fn failure(
    attempts: u32,
    kind: Failure,
    may_have_taken_effect: bool,
    says: &'static [&'static str],
) -> Outcome {
    Outcome::Failure {
        attempts,
        kind,
        may_have_taken_effect,
        says,
    }
}

const MAYBE_SENT: Failure = Failure::Transport {
    may_have_been_sent: true,
};

/// The 13 cases, with what the caller gets and what the inboxes hold.
pub fn cases() -> Vec<Case> {
    use Count::{AtMost, Exactly};
    vec![
        Case {
            number: 1,
            name: "delay past the attempt timeout: not retried, delivered at most once",
            server: Server::Mock,
            fault: Some(FaultKind::Delay(Duration::from_secs(3))),
            command: to_alice("case 1"),
            runs: vec![Run {
                label: "default",
                tweak: |s| s.timeout = Duration::from_secs(1),
                outcome: failure(
                    1,
                    MAYBE_SENT,
                    true,
                    &["timeout", "may have reached the server", "after 1 attempt"],
                ),
                // The mock logs (and delivers) once its delay is over, if it still
                // processes a request whose client has gone.
                requests: AtMost(1),
                delivered: AtMost(1),
                settle: Duration::from_secs(3),
                log_check: None,
            }],
        },
        Case {
            number: 2,
            name: "connection closed without an answer, nothing delivered",
            server: Server::Mock,
            fault: Some(FaultKind::CloseConnection),
            command: to_alice("case 2"),
            runs: vec![
                Run {
                    label: "default",
                    tweak: no_tweak,
                    outcome: failure(1, MAYBE_SENT, true, &["may have reached the server"]),
                    requests: Exactly(1),
                    delivered: Exactly(0),
                    settle: Duration::ZERO,
                    log_check: None,
                },
                Run {
                    label: "unsafe retries",
                    tweak: |s| s.unsafe_retries = true,
                    outcome: Outcome::Success { attempts: 2 },
                    requests: Exactly(2),
                    delivered: Exactly(1),
                    settle: Duration::ZERO,
                    log_check: None,
                },
            ],
        },
        Case {
            number: 3,
            name: "delivered, then the connection dropped",
            server: Server::Mock,
            fault: Some(FaultKind::DeliverThenClose),
            command: to_alice("case 3"),
            runs: vec![
                Run {
                    label: "default",
                    tweak: no_tweak,
                    outcome: failure(1, MAYBE_SENT, true, &["may have reached the server"]),
                    requests: Exactly(1),
                    delivered: Exactly(1),
                    settle: Duration::ZERO,
                    log_check: None,
                },
                Run {
                    label: "unsafe retries: the duplicate",
                    tweak: |s| s.unsafe_retries = true,
                    outcome: Outcome::Success { attempts: 2 },
                    requests: Exactly(2),
                    delivered: Exactly(2),
                    settle: Duration::ZERO,
                    log_check: None,
                },
            ],
        },
        Case {
            number: 4,
            name: "HTTP 502 with an HTML body",
            server: Server::Mock,
            fault: Some(FaultKind::BadGateway),
            command: to_alice("case 4"),
            runs: one_run(
                failure(
                    1,
                    Failure::NotEnvelope { status: 502 },
                    true,
                    &["http 502", "not a zego envelope"],
                ),
                Exactly(1),
                Exactly(0),
            ),
        },
        Case {
            number: 5,
            name: "malformed JSON body",
            server: Server::Mock,
            fault: Some(FaultKind::MalformedJson),
            command: to_alice("case 5"),
            runs: one_run(
                failure(
                    1,
                    Failure::NotEnvelope { status: 200 },
                    true,
                    &["http 200", "not a zego envelope"],
                ),
                Exactly(1),
                Exactly(0),
            ),
        },
        Case {
            number: 6,
            name: "truncated body",
            server: Server::Mock,
            fault: Some(FaultKind::TruncatedBody),
            command: to_alice("case 6"),
            runs: one_run(
                failure(
                    1,
                    MAYBE_SENT,
                    true,
                    &["reading the response body failed", "may have reached"],
                ),
                Exactly(1),
                Exactly(0),
            ),
        },
        Case {
            number: 7,
            name: "50013 once, then success",
            server: Server::Mock,
            fault: Some(FaultKind::Code(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED)),
            command: to_alice("case 7"),
            runs: vec![Run {
                label: "default",
                tweak: no_tweak,
                outcome: Outcome::Success { attempts: 2 },
                requests: Exactly(2),
                delivered: Exactly(1),
                settle: Duration::ZERO,
                log_check: Some(|log| {
                    assert_eq!(
                        codes(log),
                        [
                            Some(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED),
                            Some(ReturnCode::SUCCESS)
                        ]
                    )
                }),
            }],
        },
        Case {
            number: 8,
            name: "206 once, then success after a wait",
            server: Server::Mock,
            fault: Some(FaultKind::Code(ReturnCode::APP_QPS_LIMIT)),
            command: to_alice("case 8"),
            runs: vec![Run {
                label: "default",
                tweak: no_tweak,
                outcome: Outcome::Success { attempts: 2 },
                requests: Exactly(2),
                delivered: Exactly(1),
                settle: Duration::ZERO,
                log_check: Some(|log| {
                    assert_eq!(
                        codes(log),
                        [Some(ReturnCode::APP_QPS_LIMIT), Some(ReturnCode::SUCCESS)]
                    )
                }),
            }],
        },
        Case {
            number: 9,
            name: "100000004: re-signed with a fresh nonce, then success",
            server: Server::Mock,
            fault: Some(FaultKind::Code(ReturnCode::SIGNATURE_EXPIRED)),
            command: to_alice("case 9"),
            runs: vec![Run {
                label: "default",
                tweak: no_tweak,
                outcome: Outcome::Success { attempts: 2 },
                requests: Exactly(2),
                delivered: Exactly(1),
                settle: Duration::ZERO,
                log_check: Some(|log| {
                    assert_eq!(
                        codes(log),
                        [
                            Some(ReturnCode::SIGNATURE_EXPIRED),
                            Some(ReturnCode::SUCCESS)
                        ]
                    );
                    let (first, second) = (&log[0], &log[1]);
                    assert_ne!(
                        param(first, "SignatureNonce"),
                        param(second, "SignatureNonce")
                    );
                    assert_ne!(param(first, "Signature"), param(second, "Signature"));
                    assert!(param(second, "Timestamp") >= param(first, "Timestamp"));
                }),
            }],
        },
        Case {
            number: 10,
            name: "wrong secret: 100000005, not retried",
            server: Server::Mock,
            fault: None,
            command: to_alice("case 10"),
            runs: vec![Run {
                label: "default",
                tweak: |s| s.secret = WRONG_SECRET.to_owned(),
                outcome: failure(
                    1,
                    Failure::Api(ReturnCode::SIGNATURE_MISMATCH),
                    false,
                    &["100000005", "check the ServerSecret", "after 1 attempt"],
                ),
                requests: Exactly(1),
                delivered: Exactly(0),
                settle: Duration::ZERO,
                log_check: None,
            }],
        },
        Case {
            number: 11,
            name: "unknown app: 100000010, not retried",
            server: Server::Mock,
            fault: None,
            command: to_alice("case 11"),
            runs: vec![Run {
                label: "default",
                tweak: |s| s.app_id = AppId::new(UNKNOWN_APP),
                outcome: failure(
                    1,
                    Failure::Api(ReturnCode::SECRET_NOT_FOUND),
                    false,
                    &["100000010", "after 1 attempt"],
                ),
                requests: Exactly(1),
                delivered: Exactly(0),
                settle: Duration::ZERO,
                log_check: None,
            }],
        },
        Case {
            number: 12,
            name: "connection refused: retried up to the cap",
            server: Server::Refused,
            fault: None,
            command: to_alice("case 12"),
            runs: one_run(
                failure(
                    3,
                    Failure::Transport {
                        may_have_been_sent: false,
                    },
                    false,
                    &["could not connect", "was not sent", "after 3 attempts"],
                ),
                Exactly(0),
                Exactly(0),
            ),
        },
        Case {
            number: 13,
            name: "a request that fails validation: nothing reaches the server",
            server: Server::Mock,
            fault: None,
            command: to_alice(&"x".repeat(1025)),
            runs: one_run(
                failure(
                    0,
                    Failure::Invalid,
                    false,
                    &["MessageContent", "1024", "1025", "nothing was sent"],
                ),
                Exactly(0),
                Exactly(0),
            ),
        },
    ]
}

/// Runs case `number` of the matrix through transport `T`.
pub fn run_case<T: Transport>(number: u8) {
    let case = cases()
        .into_iter()
        .find(|c| c.number == number)
        .expect("a case of the matrix");
    let mock = start_mock();
    for run in &case.runs {
        let context = format!("case {} ({}), {}", case.number, case.name, run.label);
        mock.reset();
        if let Some(kind) = &case.fault {
            mock.inject(Fault::new(kind.clone()).action("SendCustomCommand"));
        }
        let mut spec = match case.server {
            Server::Mock => spec(&mock),
            Server::Refused => spec_for(refused_url()),
        };
        (run.tweak)(&mut spec);
        let client = T::build(&spec);
        let result = client.send(case.command.clone());
        std::thread::sleep(run.settle);
        let log = mock.requests();
        check_outcome(&context, &run.outcome, &result, &log, &spec.base_url);
        run.requests
            .check(&format!("{context}: requests"), log.len());
        let delivered = mock
            .inbox("alice")
            .iter()
            .filter(|d| d.content == case.command.content())
            .count();
        eprintln!(
            "{context}: {} requests, delivered {delivered} times",
            log.len()
        );
        run.delivered
            .check(&format!("{context}: delivered"), delivered);
        if let Some(check) = run.log_check {
            check(&log);
        }
    }
}

fn check_outcome(
    context: &str,
    expected: &Outcome,
    result: &Result<SendCustomCommandReply, Error>,
    log: &[LoggedRequest],
    base_url: &str,
) {
    match (expected, result) {
        (Outcome::Success { attempts }, Ok(reply)) => {
            assert_eq!(reply.attempts, *attempts, "{context}");
            assert!(reply.all_delivered(), "{context}");
            let last = log.last().expect("a logged request");
            assert_eq!(
                last.request_id.as_deref(),
                Some(reply.request_id.as_str()),
                "{context}: the RequestId of the last answer"
            );
        }
        (
            Outcome::Failure {
                attempts,
                kind,
                may_have_taken_effect,
                says,
            },
            Err(error),
        ) => {
            let text = error.to_string();
            eprintln!("{context}: {text}");
            assert_eq!(error.attempts(), *attempts, "{context}: {text}");
            assert_eq!(
                error.may_have_taken_effect(),
                *may_have_taken_effect,
                "{context}: {text}"
            );
            match (kind, error) {
                (Failure::Invalid, Error::Invalid(_)) => {}
                (Failure::Api(code), _) => {
                    assert_eq!(error.code(), Some(*code), "{context}: {text}")
                }
                (
                    Failure::NotEnvelope { status },
                    Error::Response {
                        source: ResponseError::NotEnvelope { status: got, .. },
                        ..
                    },
                ) => assert_eq!(got, status, "{context}: {text}"),
                (Failure::Transport { may_have_been_sent }, Error::Transport { source, .. }) => {
                    assert_eq!(
                        source.may_have_been_sent, *may_have_been_sent,
                        "{context}: {text}"
                    )
                }
                (kind, error) => panic!("{context}: expected {kind:?}, got {error:?}"),
            }
            for phrase in *says {
                assert!(
                    text.contains(phrase),
                    "{context}: {phrase:?} not in {text:?}"
                );
            }
            assert_clean(&text, base_url);
            assert_clean(&format!("{error:?}"), base_url);
        }
        (expected, got) => panic!("{context}: expected {expected:?}, got {got:?}"),
    }
}

/// One `#[test]` per case of the matrix, for transport `$t`, so that no crate can leave
/// one out.
macro_rules! fault_matrix_tests {
    ($t:ty) => {
        #[test]
        fn case_01_delay_past_the_attempt_timeout() {
            common::run_case::<$t>(1)
        }
        #[test]
        fn case_02_connection_closed_without_an_answer() {
            common::run_case::<$t>(2)
        }
        #[test]
        fn case_03_delivered_then_connection_dropped() {
            common::run_case::<$t>(3)
        }
        #[test]
        fn case_04_bad_gateway_html() {
            common::run_case::<$t>(4)
        }
        #[test]
        fn case_05_malformed_json() {
            common::run_case::<$t>(5)
        }
        #[test]
        fn case_06_truncated_body() {
            common::run_case::<$t>(6)
        }
        #[test]
        fn case_07_send_failed_once_then_success() {
            common::run_case::<$t>(7)
        }
        #[test]
        fn case_08_throttled_once_then_success() {
            common::run_case::<$t>(8)
        }
        #[test]
        fn case_09_signature_expired_then_resigned() {
            common::run_case::<$t>(9)
        }
        #[test]
        fn case_10_wrong_secret() {
            common::run_case::<$t>(10)
        }
        #[test]
        fn case_11_unknown_app() {
            common::run_case::<$t>(11)
        }
        #[test]
        fn case_12_connection_refused() {
            common::run_case::<$t>(12)
        }
        #[test]
        fn case_13_invalid_request() {
            common::run_case::<$t>(13)
        }
        #[test]
        fn the_matrix_has_13_cases() {
            let numbers: Vec<u8> = common::cases().iter().map(|c| c.number).collect();
            assert_eq!(numbers, (1..=13).collect::<Vec<u8>>());
        }
    };
}

/// One `#[test]` per scenario, for transport `$t`.
macro_rules! scenario_tests {
    ($t:ty) => {
        #[test]
        fn targeted_send() {
            common::targeted_send::<$t>()
        }
        #[test]
        fn whole_room_send() {
            common::whole_room_send::<$t>()
        }
        #[test]
        fn offline_targets_in_fail_users() {
            common::offline_targets_in_fail_users::<$t>()
        }
        #[test]
        fn fan_out_to_25_users() {
            common::fan_out_to_25_users::<$t>()
        }
        #[test]
        fn fan_out_reports_a_failed_call() {
            common::fan_out_reports_a_failed_call::<$t>()
        }
        #[test]
        fn fan_out_rejects_an_invalid_message() {
            common::fan_out_rejects_an_invalid_message::<$t>()
        }
        #[test]
        fn pacing_uses_the_budget_without_206() {
            common::pacing::<$t>();
        }
        #[test]
        fn tls_handshake_failure_is_not_sent() {
            common::tls_handshake_failure_is_not_sent::<$t>()
        }
        #[test]
        fn tracing_spans_and_events() {
            common::tracing_spans_and_events::<$t>()
        }
    };
}

// ---------------------------------------------------------------------------------------
// Tracing

/// A subscriber that writes every span and event, with its fields, as a line of text
/// tagged with the thread it happened on. It is installed as the global default (before
/// any test sends anything, by [`start_mock`]) because tracing caches per call site
/// whether anyone listens: a subscriber set for one thread only can miss events while
/// other tests run at the same time.
#[derive(Clone, Default)]
pub struct Capture {
    lines: std::sync::Arc<std::sync::Mutex<Vec<(std::thread::ThreadId, String)>>>,
    next_id: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// The global [`Capture`].
pub fn capture() -> &'static Capture {
    static CAPTURE: std::sync::OnceLock<Capture> = std::sync::OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture = Capture::default();
        tracing::subscriber::set_global_default(capture.clone())
            .expect("no other global subscriber");
        capture
    })
}

struct Fields<'a>(&'a mut String);

impl tracing::field::Visit for Fields<'_> {
    fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={:?}", field.name(), value));
    }

    fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
        self.0.push_str(&format!(" {}={}", field.name(), value));
    }
}

impl Capture {
    /// A mark to read this thread's lines from.
    pub fn mark(&self) -> usize {
        self.lines.lock().unwrap().len()
    }

    /// The lines written on this thread since `mark`.
    pub fn lines_since(&self, mark: usize) -> Vec<String> {
        let me = std::thread::current().id();
        self.lines.lock().unwrap()[mark..]
            .iter()
            .filter(|(thread, _)| *thread == me)
            .map(|(_, line)| line.clone())
            .collect()
    }

    fn push(&self, line: String) {
        let me = std::thread::current().id();
        self.lines.lock().unwrap().push((me, line));
    }
}

impl tracing::Subscriber for Capture {
    fn enabled(&self, _: &tracing::Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, span: &tracing::span::Attributes<'_>) -> tracing::span::Id {
        let mut line = format!("span {}", span.metadata().name());
        span.record(&mut Fields(&mut line));
        self.push(line);
        let id = self
            .next_id
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        tracing::span::Id::from_u64(id + 1)
    }

    fn record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>) {
        let mut line = "record".to_owned();
        values.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn record_follows_from(&self, _: &tracing::span::Id, _: &tracing::span::Id) {}

    fn event(&self, event: &tracing::Event<'_>) {
        let mut line = format!("event {}", event.metadata().level());
        event.record(&mut Fields(&mut line));
        self.push(line);
    }

    fn enter(&self, _: &tracing::span::Id) {}

    fn exit(&self, _: &tracing::span::Id) {}
}

/// Spans per call and per attempt; events with the code and the RequestId; never the
/// secret, the signature, the nonce or the URL.
pub fn tracing_spans_and_events<T: Transport>() {
    let mock = start_mock();
    let client = T::build(&spec(&mock));
    mock.inject(Fault::new(FaultKind::Code(
        ReturnCode::CUSTOM_MESSAGE_SEND_FAILED,
    )));
    let mark = capture().mark();
    let reply = client.send(to_alice("traced")).expect("sent");
    assert_eq!(reply.attempts, 2);
    let lines = capture().lines_since(mark);
    let text = lines.join("\n");
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(has("span zego.call action=SendCustomCommand"), "{text}");
    assert!(has("span zego.attempt attempt=1"), "{text}");
    assert!(has("span zego.attempt attempt=2"), "{text}");
    let log = mock.requests();
    let failed_id = log[0].request_id.clone().expect("an envelope");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("code=50013") && l.contains(&format!("request_id={failed_id}"))),
        "{text}"
    );
    assert!(
        lines.iter().any(
            |l| l.contains("code=0") && l.contains(&format!("request_id={}", reply.request_id))
        ),
        "{text}"
    );
    assert_clean(&text, &mock.base_url());
    for request in &log {
        for key in ["SignatureNonce", "Signature"] {
            let value = param(request, key);
            assert!(!value.is_empty());
            assert!(!text.contains(value), "{key} leaked into the log: {text}");
        }
    }
}
