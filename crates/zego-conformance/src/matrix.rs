//! The fault matrix: what the caller gets, how many requests the mock saw and how often
//! the call took effect, for each fault the mock can inject, for sends (never repeated
//! without the opt-in) and for idempotent calls (repeated after an attempt that may have
//! reached the server).

use std::time::Duration;

use zego_core::actions::{
    DescribeUserNum, KickoutUser, MessageCategory, SendBroadcastMessage, SendCustomCommand,
};
use zego_core::{Action, AppId, Error, ResponseError, ReturnCode};
use zego_mock::{Fault, FaultKind, LoggedRequest, MockServer};

use crate::{
    Spec, TestClient, UNKNOWN_APP, WRONG_SECRET, assert_clean, param, refused_url, spec, spec_for,
    start_mock,
};

/// How many cases the matrix has.
pub const CASES: u8 = 16;

/// The request a case makes.
#[derive(Clone, Debug)]
pub enum Request {
    /// A custom command to alice, whose copies in her inbox are the effect.
    Send(SendCustomCommand),
    /// A broadcast in `room-1`, whose copies in alice's inbox are the effect.
    Broadcast(SendBroadcastMessage),
    /// Kicks alice out of `room-1`: the effect is 1 when she is offline afterwards.
    Kick(KickoutUser),
    /// Counts `room-1`: no effect.
    Count(DescribeUserNum),
}

impl Request {
    fn action(&self) -> &'static str {
        match self {
            Request::Send(_) => SendCustomCommand::NAME,
            Request::Broadcast(_) => SendBroadcastMessage::NAME,
            Request::Kick(_) => KickoutUser::NAME,
            Request::Count(_) => DescribeUserNum::NAME,
        }
    }

    /// Makes the call: its attempts and request ID, or its error.
    fn make<T: TestClient>(&self, client: &T) -> Result<(u32, String), Error> {
        fn done<D>(reply: zego_core::Reply<D>) -> (u32, String) {
            (reply.attempts, reply.request_id)
        }
        match self.clone() {
            Request::Send(call) => client.call(call).map(|reply| {
                assert!(reply.all_delivered(), "{reply:?}");
                done(reply)
            }),
            Request::Broadcast(call) => client.call(call).map(done),
            Request::Kick(call) => client.call(call).map(done),
            Request::Count(call) => client.call(call).map(|reply| {
                assert_eq!(reply.counts().map(<[_]>::len), Some(1), "{reply:?}");
                done(reply)
            }),
        }
    }

    /// How often the call took effect in the mock.
    fn effect(&self, mock: &MockServer) -> usize {
        let copies = |content: &str| {
            mock.inbox("alice")
                .iter()
                .filter(|d| d.content == content)
                .count()
        };
        match self {
            Request::Send(call) => copies(call.content()),
            Request::Broadcast(call) => copies(call.content()),
            Request::Kick(_) => usize::from(
                mock.rooms()
                    .iter()
                    .flat_map(|r| r.users.iter().map(move |u| (r, u)))
                    .any(|(r, u)| r.room_id == "room-1" && u.user_id == "alice" && !u.online),
            ),
            Request::Count(_) => 0,
        }
    }
}

/// Where the client sends.
#[derive(Clone, Copy, Debug)]
pub enum Server {
    Mock,
    /// A loopback port where nothing listens.
    Refused,
}

/// One case of the matrix: a server, a fault injected before each run, a request, and
/// one or two runs (the default, and the unsafe-retry opt-in where it matters).
pub struct Case {
    pub number: u8,
    pub name: &'static str,
    pub server: Server,
    pub fault: Option<FaultKind>,
    pub request: Request,
    pub runs: Vec<Run>,
}

pub struct Run {
    pub label: &'static str,
    pub tweak: fn(&mut Spec),
    pub outcome: Outcome,
    /// Requests the mock logged.
    pub requests: Count,
    /// How often the call took effect (copies delivered to alice, or 1 when she was kicked).
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

fn to_alice(content: &str) -> Request {
    Request::Send(SendCustomCommand::to_users(
        "room-1",
        "server",
        ["alice"],
        content,
    ))
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

/// The cases, with what the caller gets and what the mock holds.
pub fn cases() -> Vec<Case> {
    use Count::{AtMost, Exactly};
    vec![
        Case {
            number: 1,
            name: "delay past the attempt timeout: not retried, delivered at most once",
            server: Server::Mock,
            fault: Some(FaultKind::Delay(Duration::from_secs(3))),
            request: to_alice("case 1"),
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
            request: to_alice("case 2"),
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
            request: to_alice("case 3"),
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
            request: to_alice("case 4"),
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
            request: to_alice("case 5"),
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
            request: to_alice("case 6"),
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
            request: to_alice("case 7"),
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
            request: to_alice("case 8"),
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
            request: to_alice("case 9"),
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
            request: to_alice("case 10"),
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
            request: to_alice("case 11"),
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
            request: to_alice("case 12"),
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
            request: to_alice(&"x".repeat(1025)),
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
        Case {
            number: 14,
            name: "a query (idempotent): a dropped connection is retried without the opt-in",
            server: Server::Mock,
            fault: Some(FaultKind::CloseConnection),
            request: Request::Count(DescribeUserNum::new(["room-1"])),
            runs: one_run(Outcome::Success { attempts: 2 }, Exactly(2), Exactly(0)),
        },
        Case {
            number: 15,
            name: "a kick (idempotent): delivered, dropped, retried, kicked once for good",
            server: Server::Mock,
            fault: Some(FaultKind::DeliverThenClose),
            request: Request::Kick(KickoutUser::new("room-1", ["alice"])),
            runs: one_run(Outcome::Success { attempts: 2 }, Exactly(2), Exactly(1)),
        },
        Case {
            number: 16,
            name: "a broadcast (a send): delivered, dropped, not retried",
            server: Server::Mock,
            fault: Some(FaultKind::DeliverThenClose),
            request: Request::Broadcast(SendBroadcastMessage::new(
                "room-1",
                "server",
                MessageCategory::Chat,
                "case 16",
            )),
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
    ]
}

/// Runs case `number` of the matrix through the client `T`.
pub fn run_case<T: TestClient>(number: u8) {
    let case = cases()
        .into_iter()
        .find(|c| c.number == number)
        .expect("a case of the matrix");
    let mock = start_mock();
    for run in &case.runs {
        let context = format!("case {} ({}), {}", case.number, case.name, run.label);
        mock.reset();
        if let Some(kind) = &case.fault {
            mock.inject(Fault::new(kind.clone()).action(case.request.action()));
        }
        let mut spec = match case.server {
            Server::Mock => spec(&mock),
            Server::Refused => spec_for(refused_url()),
        };
        (run.tweak)(&mut spec);
        let client = T::build(&spec);
        let result = case.request.make(&client);
        std::thread::sleep(run.settle);
        let log = mock.requests();
        check_outcome(&context, &run.outcome, &result, &log, &spec.base_url);
        run.requests
            .check(&format!("{context}: requests"), log.len());
        let delivered = case.request.effect(&mock);
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
    result: &Result<(u32, String), Error>,
    log: &[LoggedRequest],
    base_url: &str,
) {
    match (expected, result) {
        (Outcome::Success { attempts }, Ok((got, request_id))) => {
            assert_eq!(got, attempts, "{context}");
            let last = log.last().expect("a logged request");
            assert_eq!(
                last.request_id.as_deref(),
                Some(request_id.as_str()),
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
