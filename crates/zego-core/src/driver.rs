//! The call driver: a sans-IO state machine that a transport runs for each call.

use std::time::Instant;

use crate::action::{Action, build_request};
use crate::config::Config;
use crate::error::{Error, TransportFailure};
use crate::host::Host;
use crate::rate::RateLimiter;
use crate::response::{Reply, parse_response};
use crate::retry::{AttemptOutcome, Decision};
use crate::sign::{Nonce, unix_seconds};

/// What the transport does next.
#[derive(Debug)]
#[must_use]
pub enum Step<D> {
    /// Sleep until this instant, then poll again (the rate budget or a backoff).
    Wait(Instant),
    /// Send this request, then report the outcome with [`Call::handle_response`] or
    /// [`Call::handle_failure`].
    Send(http::Request<Vec<u8>>),
    /// The call is over. Polling again returns the same result.
    Done(Result<Reply<D>, Error>),
}

#[derive(Debug)]
enum State<D> {
    /// Ready for the next attempt: reserve a rate slot.
    Ready,
    /// A rate slot is reserved at this instant.
    Slot(Instant),
    /// Backing off until this instant.
    Backoff(Instant),
    /// A request is out; its outcome is awaited.
    InFlight,
    Done(Result<Reply<D>, Error>),
}

/// One call, from validation to its final result, with no I/O of its own.
///
/// The transport loops: [`poll`](Call::poll) says to wait, to send a request, or that the
/// call is done; after each send the transport reports what happened. The driver
/// validates once, signs every attempt afresh (new nonce and timestamp from the
/// [`Host`]), reserves each attempt's slot from the [`RateLimiter`] and applies the
/// [`RetryPolicy`](crate::RetryPolicy) with its caps on attempts and total time.
///
/// ```
/// use std::time::{Duration, Instant, UNIX_EPOCH};
/// use zego_core::*;
///
/// let config = Config::new(AppId::new(1), ServerSecret::new("secret")?);
/// let limiter = Gcra::new();
/// let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
/// let command = SendCustomCommand::to_users("room", "server", ["alice"], "hello");
/// let mut call = Call::new(&config, &limiter, command)?;
/// let mut now = Instant::now();
/// let reply = loop {
///     match call.poll(now, &mut host) {
///         Step::Wait(until) => now = until,
///         Step::Send(request) => {
///             assert!(request.uri().query().unwrap().contains("ToUserId[]=alice"));
///             // A transport sends it here; this one answers for the server.
///             let body = br#"{"Code":0,"Message":"success","RequestId":"1","Data":{"FailUsers":[]}}"#;
///             call.handle_response(now, 200, body);
///         }
///         Step::Done(result) => break result?,
///     }
/// };
/// assert!(reply.all_delivered());
/// assert_eq!(reply.attempts, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Call<'c, A: Action> {
    config: &'c Config,
    limiter: &'c dyn RateLimiter,
    action: A,
    state: State<A::Data>,
    started: Option<Instant>,
    attempts: u32,
    resigned: bool,
    /// Random bits for the backoff jitter after the attempt in flight, drawn from the
    /// host with its nonce.
    jitter: u64,
    /// The error of the latest attempt that failed and is being retried.
    retrying_after: Option<Error>,
}

impl<'c, A: Action> Call<'c, A> {
    /// Validates `action` and prepares its driver. Nothing is sent, and no slot is taken,
    /// until [`poll`](Call::poll).
    pub fn new(config: &'c Config, limiter: &'c dyn RateLimiter, action: A) -> Result<Self, Error> {
        action.validate().inspect_err(|_e| {
            event!(debug, error = %_e, "invalid request, nothing sent");
        })?;
        Ok(Call {
            config,
            limiter,
            action,
            state: State::Ready,
            started: None,
            attempts: 0,
            resigned: false,
            jitter: 0,
            retrying_after: None,
        })
    }

    /// The call.
    pub fn action(&self) -> &A {
        &self.action
    }

    /// How many requests were handed out so far.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// `true` once the call is over.
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Done(_))
    }

    /// How the latest attempt failed, if it did: while the call backs off to retry, the
    /// error that made it retry; once the call is over, its final error. `None` before
    /// any attempt failed and after a success. The driver logs each failed attempt itself
    /// (feature `tracing`); this is for a caller who wants the outcome in its own form,
    /// without parsing the body again.
    pub fn last_failure(&self) -> Option<&Error> {
        match &self.state {
            State::Done(Ok(_)) => None,
            State::Done(Err(error)) => Some(error),
            _ => self.retrying_after.as_ref(),
        }
    }

    /// Advances the call at `now`. `host` gives the wall clock and random bytes for
    /// signing, when a request is due.
    ///
    /// Polling while a request is out (its outcome not reported) counts that attempt as
    /// lost after it may have reached the server.
    pub fn poll<H: Host + ?Sized>(&mut self, now: Instant, host: &mut H) -> Step<A::Data> {
        self.started.get_or_insert(now);
        loop {
            match &self.state {
                State::Done(result) => return Step::Done(result.clone()),
                State::InFlight => {
                    self.handle_failure(
                        now,
                        TransportFailure::maybe_sent("the outcome of the attempt was not reported"),
                    );
                }
                State::Backoff(until) if now < *until => return Step::Wait(*until),
                State::Backoff(_) => self.state = State::Ready,
                State::Ready => {
                    let rate = if self.config.is_test_environment() {
                        A::TEST_RATE_LIMIT
                    } else {
                        A::RATE_LIMIT
                    };
                    let at = self.limiter.reserve(A::NAME, rate, now);
                    self.state = State::Slot(at);
                    if at > now {
                        return Step::Wait(at);
                    }
                }
                State::Slot(at) if now < *at => return Step::Wait(*at),
                State::Slot(_) => {
                    let mut bytes = [0u8; 16];
                    host.fill_random(&mut bytes);
                    let (nonce_bytes, jitter) = bytes.split_at(8);
                    let nonce = Nonce::from_bytes(nonce_bytes.try_into().unwrap_or_default());
                    self.jitter = u64::from_le_bytes(jitter.try_into().unwrap_or_default());
                    let timestamp = unix_seconds(host.system_time());
                    self.attempts += 1;
                    self.state = State::InFlight;
                    return Step::Send(build_request(self.config, &self.action, &nonce, timestamp));
                }
            }
        }
    }

    /// Reports the response to the request last handed out: its HTTP status and body
    /// (read up to [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) + 1 bytes). Ignored unless a request is out.
    pub fn handle_response(&mut self, now: Instant, status: u16, body: &[u8]) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        match parse_response::<A::Data>(status, body) {
            Ok(mut reply) => {
                reply.attempts = self.attempts;
                event!(
                    debug,
                    code = 0,
                    request_id = reply.request_id.as_str(),
                    attempts = reply.attempts,
                    "call succeeded"
                );
                self.state = State::Done(Ok(reply));
            }
            Err(source) => {
                let outcome = AttemptOutcome::of_response(&source);
                let error = Error::Response {
                    attempts: self.attempts,
                    source,
                };
                self.after_failure(now, outcome, error);
            }
        }
    }

    /// Reports that the request last handed out got no response. Ignored unless a
    /// request is out.
    pub fn handle_failure(&mut self, now: Instant, failure: TransportFailure) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        let outcome = if failure.may_have_been_sent {
            AttemptOutcome::Indeterminate
        } else {
            AttemptOutcome::NotSent
        };
        let error = Error::Transport {
            attempts: self.attempts,
            source: failure,
        };
        self.after_failure(now, outcome, error);
    }

    fn after_failure(&mut self, now: Instant, outcome: AttemptOutcome, error: Error) {
        let policy = self.config.retry_policy();
        let resign = matches!(
            outcome,
            AttemptOutcome::Code(crate::code::CodeClass::ReSign)
        );
        let decision = policy.decide(outcome, self.attempts, self.resigned, self.jitter);
        let started = self.started.unwrap_or(now);
        // A retry must start within the time budget; a delay that overflows the clock
        // is past any budget.
        let retry_at = match decision {
            Decision::RetryAfter(delay) if self.attempts < policy.max_attempts() => now
                .saturating_duration_since(started)
                .checked_add(delay)
                .filter(|elapsed| *elapsed <= policy.max_elapsed())
                .and_then(|_| now.checked_add(delay))
                .map(|at| (at, delay)),
            _ => None,
        };
        self.state = match retry_at {
            Some((at, _delay)) => {
                if resign {
                    self.resigned = true;
                }
                event!(
                    debug,
                    code = error.code().map(|c| c.get()),
                    request_id = error.api().map(|a| a.request_id.as_str()),
                    may_have_taken_effect = error.may_have_taken_effect(),
                    retry_in = ?_delay,
                    error = %error,
                    "attempt failed, retrying"
                );
                self.retrying_after = Some(error);
                State::Backoff(at)
            }
            None => {
                event!(
                    info,
                    code = error.code().map(|c| c.get()),
                    request_id = error.api().map(|a| a.request_id.as_str()),
                    may_have_taken_effect = error.may_have_taken_effect(),
                    attempts = error.attempts(),
                    error = %error,
                    "call failed"
                );
                State::Done(Err(error))
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::code::ReturnCode;
    use crate::credentials::{AppId, ServerSecret};
    use crate::error::ResponseError;
    use crate::host::FixedHost;
    use crate::rate::{Gcra, Unlimited};
    use crate::retry::RetryPolicy;
    use crate::{CustomCommandData, Rate, SendCustomCommand};

    /// What the scripted server does with one request.
    enum Outcome {
        Body(u16, String),
        Failure(TransportFailure),
    }

    fn code(c: i64) -> Outcome {
        Outcome::Body(
            200,
            format!(r#"{{"Code":{c},"Message":"m","RequestId":"rid-{c}"}}"#),
        )
    }

    fn success() -> Outcome {
        Outcome::Body(
            200,
            r#"{"Code":0,"Message":"success","RequestId":"ok","Data":{"FailUsers":[]}}"#.into(),
        )
    }

    struct Run {
        result: Result<Reply<CustomCommandData>, Error>,
        /// (virtual time since start, query) of every request sent.
        sent: Vec<(Duration, String)>,
    }

    fn config() -> Config {
        Config::new(AppId::new(7), ServerSecret::new("secret").unwrap())
    }

    /// Drives a call in virtual time; `script` answers attempt `n` (from 1).
    fn drive(
        config: &Config,
        limiter: &dyn RateLimiter,
        t0: Instant,
        mut script: impl FnMut(u32) -> Outcome,
    ) -> Run {
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 42);
        let cmd = SendCustomCommand::to_users("room", "from", ["a", "b"], "hello");
        let mut call = Call::new(config, limiter, cmd).unwrap();
        let mut now = t0;
        let mut sent = Vec::new();
        for _ in 0..1000 {
            match call.poll(now, &mut host) {
                Step::Wait(until) => {
                    assert!(until > now, "a wait moves time forward");
                    now = until;
                    host.advance(Duration::from_millis(1));
                }
                Step::Send(req) => {
                    sent.push((now - t0, req.uri().query().unwrap_or("").to_owned()));
                    match script(call.attempts()) {
                        Outcome::Body(status, body) => {
                            call.handle_response(now, status, body.as_bytes())
                        }
                        Outcome::Failure(f) => call.handle_failure(now, f),
                    }
                    // The wall clock moves on while a request is out.
                    host.advance(Duration::from_secs(1));
                }
                Step::Done(result) => return Run { result, sent },
            }
        }
        panic!("the call did not end");
    }

    fn param<'q>(query: &'q str, key: &str) -> &'q str {
        query
            .split('&')
            .find_map(|kv| kv.strip_prefix(key).and_then(|v| v.strip_prefix('=')))
            .unwrap_or_default()
    }

    #[test]
    fn success_first_time() {
        let run = drive(&config(), &Unlimited, Instant::now(), |_| success());
        let reply = run.result.unwrap();
        assert_eq!(reply.attempts, 1);
        assert_eq!(reply.request_id, "ok");
        assert_eq!(run.sent.len(), 1);
        assert_eq!(param(&run.sent[0].1, "Action"), "SendCustomCommand");
    }

    #[test]
    fn throttled_waits_then_retries() {
        for c in [7, 206, 207] {
            let run = drive(&config(), &Unlimited, Instant::now(), |n| {
                if n == 1 { code(c) } else { success() }
            });
            assert_eq!(run.result.unwrap().attempts, 2, "code {c}");
            let waited = run.sent[1].0 - run.sent[0].0;
            assert!(
                waited >= Duration::from_millis(500) && waited <= Duration::from_secs(1),
                "code {c}: waited {waited:?}"
            );
        }
    }

    #[test]
    fn transient_backs_off_and_each_attempt_is_signed_afresh() {
        for c in [1, 100000015, 50013, 122, 5202] {
            let run = drive(&config(), &Unlimited, Instant::now(), |n| {
                if n < 3 { code(c) } else { success() }
            });
            assert_eq!(run.result.unwrap().attempts, 3, "code {c}");
            assert!(run.sent[1].0 - run.sent[0].0 <= Duration::from_millis(100));
            assert!(run.sent[2].0 - run.sent[1].0 <= Duration::from_millis(200));
            let nonces: std::collections::HashSet<_> = run
                .sent
                .iter()
                .map(|(_, q)| param(q, "SignatureNonce").to_owned())
                .collect();
            assert_eq!(nonces.len(), 3, "a new nonce per attempt");
            let sigs: std::collections::HashSet<_> = run
                .sent
                .iter()
                .map(|(_, q)| param(q, "Signature").to_owned())
                .collect();
            assert_eq!(sigs.len(), 3, "a new signature per attempt");
        }
    }

    #[test]
    fn attempt_cap_keeps_the_last_cause() {
        let run = drive(&config(), &Unlimited, Instant::now(), |_| code(50013));
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 3);
        assert_eq!(run.sent.len(), 3);
        assert_eq!(err.code(), Some(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED));
        assert_eq!(err.api().unwrap().request_id, "rid-50013");

        let five = config().with_retry_policy(RetryPolicy::default().with_max_attempts(5));
        let run = drive(&five, &Unlimited, Instant::now(), |_| code(1));
        assert_eq!(run.result.unwrap_err().attempts(), 5);

        let never = config().with_retry_policy(RetryPolicy::never());
        let run = drive(&never, &Unlimited, Instant::now(), |_| code(1));
        assert_eq!(run.result.unwrap_err().attempts(), 1);
    }

    #[test]
    fn total_time_cap() {
        let slow = config().with_retry_policy(
            RetryPolicy::default()
                .with_max_attempts(100)
                .with_throttle_wait(Duration::from_secs(2))
                .with_max_elapsed(Duration::from_secs(5)),
        );
        let run = drive(&slow, &Unlimited, Instant::now(), |_| code(206));
        let err = run.result.unwrap_err();
        assert!(run.sent.last().unwrap().0 <= Duration::from_secs(5));
        assert!(
            err.attempts() >= 2 && err.attempts() < 10,
            "{}",
            err.attempts()
        );
        assert_eq!(err.code(), Some(ReturnCode::APP_QPS_LIMIT));
    }

    #[test]
    fn huge_waits_end_the_call_instead_of_overflowing() {
        let extreme = config().with_retry_policy(
            RetryPolicy::default()
                .with_max_elapsed(Duration::MAX)
                .with_throttle_wait(Duration::MAX)
                .with_backoff(Duration::MAX, Duration::MAX),
        );
        // A throttled wait of half of `Duration::MAX` or more cannot be scheduled.
        let run = drive(&extreme, &Unlimited, Instant::now(), |_| code(206));
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 1, "a retry at the end of time is no retry");
        assert_eq!(err.code(), Some(ReturnCode::APP_QPS_LIMIT));
        // A backoff drawn from [0, 584 years] may fit on the clock, or not: either way the
        // call ends within its attempts, without a panic.
        for c in [1, 50013, 122] {
            let run = drive(&extreme, &Unlimited, Instant::now(), |_| code(c));
            let err = run.result.unwrap_err();
            assert!((1..=3).contains(&err.attempts()));
            assert_eq!(err.code(), Some(ReturnCode(c)));
        }
    }

    #[test]
    fn expired_signature_is_resigned_once() {
        let run = drive(&config(), &Unlimited, Instant::now(), |n| {
            if n == 1 { code(100000004) } else { success() }
        });
        assert_eq!(run.result.unwrap().attempts, 2);
        assert_eq!(run.sent[0].0, run.sent[1].0, "re-signed at once");
        assert_ne!(
            param(&run.sent[0].1, "SignatureNonce"),
            param(&run.sent[1].1, "SignatureNonce")
        );
        assert_ne!(
            param(&run.sent[0].1, "Timestamp"),
            param(&run.sent[1].1, "Timestamp"),
            "the timestamp is read again for the new signature"
        );

        let run = drive(&config(), &Unlimited, Instant::now(), |_| code(100000004));
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 2, "only once");
        assert_eq!(err.code(), Some(ReturnCode::SIGNATURE_EXPIRED));
    }

    #[test]
    fn final_codes_are_not_retried() {
        for c in [
            2, 1008, 50011, 50012, 100000005, 100000010, 50001, 5018, 4242,
        ] {
            let run = drive(&config(), &Unlimited, Instant::now(), |_| code(c));
            let err = run.result.unwrap_err();
            assert_eq!(err.attempts(), 1, "code {c}");
            assert_eq!(err.code(), Some(ReturnCode(c)));
            assert!(!err.may_have_taken_effect());
        }
    }

    #[test]
    fn transport_failures() {
        // Not sent: retried up to the cap.
        let run = drive(&config(), &Unlimited, Instant::now(), |_| {
            Outcome::Failure(TransportFailure::not_sent("connection refused"))
        });
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 3);
        assert!(err.to_string().contains("connection refused"));
        assert!(err.to_string().contains("after 3 attempts"));

        // Not sent once, then success.
        let run = drive(&config(), &Unlimited, Instant::now(), |n| {
            if n == 1 {
                Outcome::Failure(TransportFailure::not_sent("dns"))
            } else {
                success()
            }
        });
        assert_eq!(run.result.unwrap().attempts, 2);

        // May have been sent: not retried by default...
        let maybe = |n: u32| {
            if n == 1 {
                Outcome::Failure(TransportFailure::maybe_sent("timed out"))
            } else {
                success()
            }
        };
        let run = drive(&config(), &Unlimited, Instant::now(), maybe);
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert!(err.may_have_taken_effect());
        // ...only with the opt-in.
        let opt_in = config().with_retry_policy(RetryPolicy::default().with_unsafe_retries(true));
        let run = drive(&opt_in, &Unlimited, Instant::now(), maybe);
        assert_eq!(run.result.unwrap().attempts, 2);
    }

    #[test]
    fn bodies_that_are_not_the_envelope() {
        let html = |_| Outcome::Body(502, "<html>bad gateway</html>".into());
        let run = drive(&config(), &Unlimited, Instant::now(), html);
        let err = run.result.unwrap_err();
        assert_eq!(
            err.attempts(),
            1,
            "delivery unknown: not retried by default"
        );
        assert!(err.may_have_taken_effect());
        match err {
            Error::Response {
                source:
                    ResponseError::NotEnvelope {
                        status, excerpt, ..
                    },
                ..
            } => {
                assert_eq!(status, 502);
                assert_eq!(excerpt, "<html>bad gateway</html>");
            }
            e => panic!("{e:?}"),
        }
        let opt_in = config().with_retry_policy(RetryPolicy::default().with_unsafe_retries(true));
        let run = drive(&opt_in, &Unlimited, Instant::now(), |n| {
            if n == 1 {
                Outcome::Body(200, r#"{"Code":0,"Mess"#.into())
            } else {
                success()
            }
        });
        assert_eq!(run.result.unwrap().attempts, 2);

        // A success whose data cannot be read took effect: never retried.
        let run = drive(&opt_in, &Unlimited, Instant::now(), |_| {
            Outcome::Body(
                200,
                r#"{"Code":0,"RequestId":"x","Data":{"FailUsers":7}}"#.into(),
            )
        });
        assert_eq!(run.result.unwrap_err().attempts(), 1);
    }

    #[test]
    fn validation_happens_before_anything() {
        let limiter = Gcra::new();
        let config = config();
        let err = Call::new(
            &config,
            &limiter,
            SendCustomCommand::to_room("room", "from", "x".repeat(1025)),
        )
        .unwrap_err();
        assert_eq!(err.attempts(), 0);
        assert_eq!(err.code(), Some(ReturnCode::MESSAGE_TOO_LONG));
        // No slot was taken.
        let t0 = Instant::now();
        assert_eq!(
            limiter.reserve("SendCustomCommand", Rate::per_second(100), t0),
            t0
        );
    }

    #[test]
    fn done_is_sticky_and_stray_reports_are_ignored() {
        let config = config();
        let mut host = FixedHost::new(UNIX_EPOCH, 1);
        let cmd = SendCustomCommand::to_room("r", "f", "x");
        let mut call = Call::new(&config, &Unlimited, cmd).unwrap();
        let now = Instant::now();
        // A report before any request is ignored.
        call.handle_response(now, 200, br#"{"Code":1}"#);
        let Step::Send(_) = call.poll(now, &mut host) else {
            panic!("expected a request")
        };
        // Polling again without reporting: the attempt counts as lost after sending.
        let Step::Done(Err(err)) = call.poll(now, &mut host) else {
            panic!("expected the end")
        };
        assert!(err.may_have_taken_effect());
        for _ in 0..3 {
            call.handle_response(now, 200, br#"{"Code":0}"#);
            assert!(matches!(call.poll(now, &mut host), Step::Done(Err(_))));
        }
        assert!(call.is_done());
    }

    #[test]
    fn limiter_paces_1000_sends_at_100_per_second() {
        let config = config();
        let limiter = Gcra::new();
        let t0 = Instant::now();
        let mut host = FixedHost::new(UNIX_EPOCH, 3);
        let mut now = t0;
        let mut sent = Vec::new();
        for i in 0..1000 {
            let cmd = SendCustomCommand::to_room("r", "f", format!("m{i}"));
            let mut call = Call::new(&config, &limiter, cmd).unwrap();
            loop {
                match call.poll(now, &mut host) {
                    Step::Wait(until) => now = until,
                    Step::Send(_) => {
                        sent.push(now - t0);
                        let body = br#"{"Code":0,"RequestId":"1"}"#;
                        call.handle_response(now, 200, body);
                    }
                    Step::Done(r) => {
                        r.unwrap();
                        break;
                    }
                }
            }
        }
        assert_eq!(sent.len(), 1000);
        // No one-second window holds more than 100 sends...
        for w in sent.windows(101) {
            assert!(
                w[100] - w[0] >= Duration::from_secs(1),
                "{:?}",
                (w[0], w[100])
            );
        }
        // ...and the budget is used: 1,000 sends take 9.99 s.
        assert_eq!(*sent.last().unwrap(), Duration::from_millis(9990));

        // The test environment's budget is 10/s.
        let test_env =
            Config::new(AppId::new(8), ServerSecret::new("s").unwrap()).with_is_test(true);
        let limiter = Gcra::new();
        let mut last = Duration::ZERO;
        for _ in 0..11 {
            let run = drive(&test_env, &limiter, t0, |_| success());
            last = run.sent[0].0;
        }
        assert_eq!(last, Duration::from_secs(1));
    }

    #[test]
    fn last_failure_follows_each_attempt() {
        let config = config();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 3);
        let cmd = SendCustomCommand::to_users("room", "from", ["a"], "hello");
        let mut call = Call::new(&config, &Unlimited, cmd).unwrap();
        let mut now = Instant::now();
        assert!(call.last_failure().is_none());
        let mut seen = Vec::new();
        loop {
            match call.poll(now, &mut host) {
                Step::Wait(until) => now = until,
                Step::Send(_) => {
                    let body = if call.attempts() == 1 {
                        r#"{"Code":50013,"Message":"m","RequestId":"first"}"#
                    } else {
                        r#"{"Code":0,"Message":"success","RequestId":"ok","Data":{"FailUsers":[]}}"#
                    };
                    call.handle_response(now, 200, body.as_bytes());
                    seen.push(
                        call.last_failure()
                            .and_then(|e| e.api())
                            .map(|a| a.request_id.clone()),
                    );
                }
                Step::Done(result) => {
                    assert!(result.is_ok());
                    break;
                }
            }
        }
        assert_eq!(seen, [Some("first".to_owned()), None]);

        let mut call = Call::new(
            &config,
            &Unlimited,
            SendCustomCommand::to_room("r", "f", "x"),
        )
        .unwrap();
        assert!(matches!(call.poll(now, &mut host), Step::Send(_)));
        call.handle_failure(now, TransportFailure::maybe_sent("reset"));
        let last = call.last_failure().cloned().expect("the final error");
        assert!(last.may_have_taken_effect());
        assert!(matches!(call.poll(now, &mut host), Step::Done(Err(e)) if e == last));
    }
}
