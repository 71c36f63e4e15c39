//! A model-based test of the call driver: random schedules of answers and faults (codes of
//! every class in both groups, failures before and after sending, answers that are not
//! the envelope, time passing while a request is out) drive the real driver, and a small
//! reference model of the retry rules, written here from `docs/retries-and-limits.md`,
//! says what must happen. They must agree on every attempt and on the end.
//!
//! 1,000 schedules by default; `PROPTEST_CASES=100000 cargo test -p zego-core --release
//! --test driver_model` runs the full size.

use std::time::{Duration, Instant, UNIX_EPOCH};

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use zego_core::actions::{DescribeUserNum, SendCustomCommand};
use zego_core::{
    Action, AppId, Call, CodeClass, Config, FixedHost, Group, RetryPolicy, ReturnCode,
    ServerSecret, Step, TransportFailure, Unlimited,
};

fn config_for(cases: u32) -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(cases);
    ProptestConfig {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    }
}

/// What the server (or the network) does with one attempt.
#[derive(Clone, Debug)]
enum Answer {
    /// `Code` 0 with this call's `Data`.
    Success,
    /// A non-zero code.
    Code(i64),
    /// No response; the request certainly did not leave.
    NotSent,
    /// No response after the request may have left.
    MaybeSent,
    /// A body that is not the envelope (an HTML error page).
    NotEnvelope,
}

fn answer() -> impl Strategy<Value = Answer> {
    // Codes of every class of both groups, and some no group knows.
    let codes = prop_oneof![
        Just(1i64),
        Just(2),
        Just(3),
        Just(4),
        Just(7),
        Just(9),
        Just(104),
        Just(206),
        Just(207),
        Just(1008),
        Just(1010),
        Just(3002),
        Just(5007),
        Just(30002),
        Just(30009),
        Just(41003),
        Just(41004),
        Just(41006),
        Just(42001),
        Just(50001),
        Just(50003),
        Just(50011),
        Just(50013),
        Just(100000004),
        Just(100000005),
        Just(100000015),
        Just(4242),
    ];
    prop_oneof![
        2 => Just(Answer::Success),
        6 => codes.prop_map(Answer::Code),
        1 => Just(Answer::NotSent),
        1 => Just(Answer::MaybeSent),
        1 => Just(Answer::NotEnvelope),
    ]
}

/// How the call ends, as the model and the driver see it.
#[derive(Clone, Debug, PartialEq, Eq)]
enum End {
    /// A reply, with its code (0, or an answer of the call).
    Reply { attempts: u32, code: i64 },
    /// An error: the last attempt's code (if it had one), whether it may have taken
    /// effect.
    Error {
        attempts: u32,
        code: Option<i64>,
        may_have_taken_effect: bool,
    },
}

/// The reference model of the retry rules.
fn model(
    answers: &[Answer],
    group: Group,
    idempotent: bool,
    max: u32,
    unsafe_retries: bool,
) -> End {
    let mut resigned = false;
    let mut effect = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let answer = answers
            .get(attempt as usize - 1)
            .cloned()
            .unwrap_or(Answer::NotSent);
        let (retry, code, this_effect) = match answer {
            Answer::Success => {
                return End::Reply {
                    attempts: attempt,
                    code: 0,
                };
            }
            Answer::Code(c) => match ReturnCode::new(c).class(group) {
                CodeClass::Answer => {
                    return End::Reply {
                        attempts: attempt,
                        code: c,
                    };
                }
                CodeClass::Throttled | CodeClass::Transient => (true, Some(c), false),
                CodeClass::ReSign => (!resigned, Some(c), false),
                _ => (false, Some(c), false),
            },
            Answer::NotSent => (true, None, false),
            Answer::MaybeSent | Answer::NotEnvelope => (idempotent || unsafe_retries, None, true),
        };
        if let Answer::Code(c) = answer
            && ReturnCode::new(c).class(group) == CodeClass::ReSign
        {
            resigned = true;
        }
        effect |= this_effect;
        if !retry || attempt >= max {
            return End::Error {
                attempts: attempt,
                code,
                may_have_taken_effect: effect,
            };
        }
    }
}

fn body(answer: &Answer) -> Option<(u16, Vec<u8>)> {
    match answer {
        Answer::Success => Some((
            200,
            br#"{"Code":0,"Message":"success","RequestId":"r"}"#.to_vec(),
        )),
        Answer::Code(c) => Some((
            200,
            format!(r#"{{"Code":{c},"RequestId":"r{c}"}}"#).into_bytes(),
        )),
        Answer::NotEnvelope => Some((502, b"<html>bad gateway</html>".to_vec())),
        _ => None,
    }
}

/// The driver, in virtual time, through the same schedule.
fn drive<A: Action>(action: A, answers: &[Answer], config: &Config, steps: &[u16]) -> (End, u32) {
    let mut call = Call::new(config, &Unlimited, action).expect("valid");
    let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 11);
    let mut now = Instant::now();
    let mut sent = 0u32;
    for _ in 0..1000 {
        match call.poll(now, &mut host) {
            Step::Wait(until) => now = until,
            Step::Send(_) => {
                let answer = answers
                    .get(sent as usize)
                    .cloned()
                    .unwrap_or(Answer::NotSent);
                sent += 1;
                // Time passes while the request is out.
                let step = steps
                    .get(sent as usize % steps.len().max(1))
                    .copied()
                    .unwrap_or(0);
                now += Duration::from_millis(u64::from(step));
                match (body(&answer), answer) {
                    (Some((status, body)), _) => call.handle(now, Ok((status, body))),
                    (None, Answer::MaybeSent) => {
                        call.handle(now, Err(TransportFailure::maybe_sent("timed out")))
                    }
                    (None, _) => call.handle(now, Err(TransportFailure::not_sent("refused"))),
                }
            }
            Step::Take(_) => panic!("no shared budget here"),
            Step::Done => break,
        }
    }
    let end = match call.into_result() {
        Ok(reply) => End::Reply {
            attempts: reply.attempts,
            code: reply.code.get(),
        },
        Err(error) => End::Error {
            attempts: error.attempts(),
            code: error.code().map(ReturnCode::get),
            may_have_taken_effect: error.may_have_taken_effect(),
        },
    };
    (end, sent)
}

fn check(end: &End, sent: u32) {
    let attempts = match end {
        End::Reply { attempts, .. } | End::Error { attempts, .. } => *attempts,
    };
    assert_eq!(attempts, sent, "the attempts counted are the requests sent");
}

proptest! {
    #![proptest_config(config_for(1000))]

    #[test]
    fn the_driver_follows_the_retry_rules(
        answers in prop::collection::vec(answer(), 1..8),
        steps in prop::collection::vec(0u16..2000, 1..8),
        max in 1u32..6,
        unsafe_retries in any::<bool>(),
        media in any::<bool>(),
    ) {
        // No time cap here: the model has no clock. The caps on attempts and the rules
        // of each class are what is compared.
        let policy = RetryPolicy::default()
            .with_max_attempts(max)
            .with_max_elapsed(Duration::from_secs(365 * 24 * 3600))
            .with_unsafe_retries(unsafe_retries);
        let config = Config::new(AppId::new(7), ServerSecret::new("secret").unwrap())
            .with_retry_policy(policy);
        // A send (not idempotent) of the room-signalling group, and an idempotent query;
        // the media-service group is read through a query whose codes are read there.
        let (end, sent) = drive(
            SendCustomCommand::to_users("room", "server", ["a"], "x"),
            &answers, &config, &steps,
        );
        check(&end, sent);
        prop_assert_eq!(&end, &model(&answers, Group::RoomSignalling, false, max, unsafe_retries));
        let (end, sent) = if media {
            drive(MediaQuery, &answers, &config, &steps)
        } else {
            drive(DescribeUserNum::new(["room"]), &answers, &config, &steps)
        };
        check(&end, sent);
        let group = if media { Group::MediaService } else { Group::RoomSignalling };
        prop_assert_eq!(&end, &model(&answers, group, true, max, unsafe_retries));
    }
}

/// An idempotent call of the media-service group, whose `Data` is anything.
struct MediaQuery;

impl Action for MediaQuery {
    const NAME: &'static str = "MediaQuery";
    const GROUP: Group = Group::MediaService;
    const IDEMPOTENT: bool = true;
    const BUDGET: zego_core::Budget = zego_core::Budget::per_app(zego_core::Rate::per_second(40));
    type Data = Option<serde_json::Value>;

    fn validate(&self) -> Result<(), zego_core::ValidationError> {
        Ok(())
    }

    fn write_params(&self, q: &mut zego_core::QueryWriter, _: &zego_core::RequestContext) {
        q.param("StreamId", "s");
    }
}

/// The model itself, on the cases the docs spell out.
#[test]
fn the_model_says_what_the_docs_say() {
    use Answer::*;
    let send = |answers: &[Answer], unsafe_retries| {
        model(answers, Group::RoomSignalling, false, 3, unsafe_retries)
    };
    assert_eq!(
        send(&[Code(206), Success], false),
        End::Reply {
            attempts: 2,
            code: 0
        }
    );
    assert_eq!(
        send(&[MaybeSent, Success], false),
        End::Error {
            attempts: 1,
            code: None,
            may_have_taken_effect: true
        }
    );
    assert_eq!(
        send(&[MaybeSent, Success], true),
        End::Reply {
            attempts: 2,
            code: 0
        }
    );
    assert_eq!(
        send(&[MaybeSent, Code(50013), Code(50013)], true),
        End::Error {
            attempts: 3,
            code: Some(50013),
            may_have_taken_effect: true
        }
    );
    assert_eq!(
        send(&[Code(100000004), Code(100000004)], false),
        End::Error {
            attempts: 2,
            code: Some(100000004),
            may_have_taken_effect: false
        }
    );
    assert_eq!(
        model(&[Code(41004)], Group::MediaService, true, 3, false),
        End::Reply {
            attempts: 1,
            code: 41004
        }
    );
    assert_eq!(
        model(&[Code(41004)], Group::RoomSignalling, true, 3, false),
        End::Error {
            attempts: 1,
            code: Some(41004),
            may_have_taken_effect: false
        }
    );
}
