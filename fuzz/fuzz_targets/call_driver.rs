//! The call driver: any policy and any sequence of outcomes (responses with any status and
//! body, transport failures sent or not sent, outcomes never reported) and clock steps
//! end the call within the attempt cap, without a panic, and nothing is sent after `Done`.
//!
//! Input, read in order (missing bytes read as 0):
//! - `max_attempts` (1 byte; 0 means 1), flags (1 byte: 1 unsafe retries, 2 `IsTest`,
//!   4 paced by a `Gcra` rather than `Unlimited`, 8 an idempotent query,
//!   `DescribeUserNum`, rather than a send, `SendCustomCommand`), then 4 durations in units of 10 ms
//!   (2 bytes each, little-endian; 0xffff is `Duration::MAX`): the elapsed cap, the base
//!   and the cap of the backoff, the throttle wait; then the host's random seed (8 bytes).
//! - Then events, one kind byte each (kind % 7) with its operands:
//!   0 the vendor's example success (status 200);
//!   1 status (2 bytes) and an envelope whose `Code` is the n-th documented code (1 byte);
//!   2 status (2 bytes) and an envelope with any `Code` (8 bytes);
//!   3 status (2 bytes), a body length (1 byte) and that many body bytes;
//!   4 a transport failure (1 byte: odd when the request may have been sent);
//!   5 a clock step (2 bytes, in ms);
//!   6 nothing: the transport polls again without reporting the outcome.
//!   A response or failure that comes while the driver waits is ignored by it; a clock
//!   step that comes while a request is out leaves its outcome unreported.
//! - When the events run out, every wait is slept through and every request fails
//!   before it is sent.
#![no_main]

use std::time::{Duration, Instant, UNIX_EPOCH};

use libfuzzer_sys::fuzz_target;
use zego_core::actions::{DescribeUserNum, SendCustomCommand};
use zego_core::{
    Action, AppId, Call, Config, FixedHost, Gcra, RateLimiter, RetryPolicy, ReturnCode,
    ServerSecret, Step, TransportFailure, Unlimited,
};

const VENDOR_REPLY: &[u8] = br#"{"Code":0,"Message":"success","RequestId":"3005402395393320157","Data":{"FailUsers":[{"Uid":"1111","Code":50003}]}}"#;

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.bytes::<1>()[0]
    }
    fn u16(&mut self) -> u16 {
        u16::from_le_bytes(self.bytes())
    }
    fn take(&mut self, n: usize) -> &[u8] {
        let (head, tail) = self.0.split_at(n.min(self.0.len()));
        self.0 = tail;
        head
    }
}

enum Event {
    Respond(u16, Vec<u8>),
    Fail(TransportFailure),
    Step(Duration),
    Unreported,
}

fn envelope(code: i64) -> Vec<u8> {
    format!(r#"{{"Code":{code},"Message":"fuzz","RequestId":"7"}}"#).into_bytes()
}

fn next_event(r: &mut Reader<'_>) -> Option<Event> {
    if r.0.is_empty() {
        return None;
    }
    Some(match r.u8() % 7 {
        0 => Event::Respond(200, VENDOR_REPLY.to_vec()),
        1 => {
            let status = r.u16();
            let code = ReturnCode::ALL[usize::from(r.u8()) % ReturnCode::ALL.len()];
            Event::Respond(status, envelope(code.get()))
        }
        2 => {
            let status = r.u16();
            Event::Respond(status, envelope(i64::from_le_bytes(r.bytes())))
        }
        3 => {
            let status = r.u16();
            let len = usize::from(r.u8());
            Event::Respond(status, r.take(len).to_vec())
        }
        4 if r.u8() % 2 == 1 => Event::Fail(TransportFailure::maybe_sent("timed out")),
        4 => Event::Fail(TransportFailure::not_sent("connection refused")),
        5 => Event::Step(Duration::from_millis(u64::from(r.u16()))),
        _ => Event::Unreported,
    })
}

fuzz_target!(|data: &[u8]| {
    let mut r = Reader(data);
    let max_attempts = u32::from(r.u8());
    let flags = r.u8();
    let mut tens_of_ms = || match r.u16() {
        u16::MAX => Duration::MAX,
        n => Duration::from_millis(10 * u64::from(n)),
    };
    let (elapsed, base, max, throttle) = (tens_of_ms(), tens_of_ms(), tens_of_ms(), tens_of_ms());
    let seed = u64::from_le_bytes(r.bytes());
    let policy = RetryPolicy::default()
        .with_max_attempts(max_attempts)
        .with_max_elapsed(elapsed)
        .with_backoff(base, max)
        .with_throttle_wait(throttle)
        .with_unsafe_retries(flags & 1 != 0);
    let cap = policy.max_attempts();
    let mut config =
        Config::new(AppId::new(1), ServerSecret::new("secret").unwrap()).with_retry_policy(policy);
    if flags & 2 != 0 {
        config = config.with_is_test(true);
    }
    let (gcra, unlimited) = (Gcra::new(), Unlimited);
    let limiter: &dyn RateLimiter = if flags & 4 != 0 { &gcra } else { &unlimited };
    let host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), seed);
    if flags & 8 != 0 {
        let query = DescribeUserNum::new(["a", "b"]);
        drive(Call::new(&config, limiter, query).unwrap(), host, r, cap, data.len());
    } else {
        let command = SendCustomCommand::to_users("room", "server", ["a", "b"], "hi");
        drive(Call::new(&config, limiter, command).unwrap(), host, r, cap, data.len());
    }
});

/// Runs the call through the events of `r`.
fn drive<A: Action>(mut call: Call<'_, A>, mut host: FixedHost, mut r: Reader<'_>, cap: u32, len: usize) {

    let mut now = Instant::now();
    let mut sends = 0u32;
    // Each poll either consumes an event, sleeps through a wait, or hands out one of at
    // most `cap` requests (and there are at most three polls per attempt without events).
    let budget = len + 4 * cap as usize + 4;
    for _ in 0..budget {
        match call.poll(now, &mut host) {
            Step::Wait(until) => {
                assert!(until > now, "a wait for a time already passed");
                match next_event(&mut r) {
                    Some(Event::Step(d)) => {
                        now += d;
                        host.advance(d);
                    }
                    Some(Event::Respond(status, body)) => call.handle_response(now, status, &body),
                    Some(Event::Fail(failure)) => call.handle_failure(now, failure),
                    Some(Event::Unreported) | None => {
                        host.advance(until - now);
                        now = until;
                    }
                }
            }
            Step::Send(request) => {
                sends += 1;
                assert!(sends <= cap, "attempt {sends} over the cap of {cap}");
                assert_eq!(call.attempts(), sends);
                assert!(request.uri().query().unwrap().contains("&Signature="));
                match next_event(&mut r) {
                    Some(Event::Respond(status, body)) => call.handle_response(now, status, &body),
                    Some(Event::Fail(failure)) => call.handle_failure(now, failure),
                    Some(Event::Step(d)) => {
                        now += d;
                        host.advance(d);
                    }
                    Some(Event::Unreported) => {}
                    None => call.handle_failure(now, TransportFailure::not_sent("end of input")),
                }
            }
            Step::Take(request) => panic!("a call without a shared budget asked for one: {request:?}"),
            Step::Done => {
                // Done is final: later reports are ignored and every poll repeats it.
                while let Some(event) = next_event(&mut r) {
                    match event {
                        Event::Respond(status, body) => call.handle_response(now, status, &body),
                        Event::Fail(failure) => call.handle_failure(now, failure),
                        Event::Step(d) => now += d,
                        Event::Unreported => {}
                    }
                    match call.poll(now, &mut host) {
                        Step::Done => {}
                        other => panic!("{other:?} after Done"),
                    }
                }
                assert!(call.is_done());
                let attempts = match call.into_result() {
                    Ok(reply) => reply.attempts,
                    Err(error) => error.attempts(),
                };
                assert_eq!(attempts, sends);
                assert!((1..=cap).contains(&sends));
                return;
            }
        }
    }
    panic!("no result after {budget} polls and {sends} attempts");
}
