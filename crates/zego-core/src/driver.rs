//! The call driver: a sans-IO state machine that a transport runs for each call.

use std::time::Instant;

use crate::action::{Action, build_request};
use crate::config::Config;
use crate::error::{Error, TransportFailure};
use crate::host::Host;
use crate::rate::RateLimiter;
use crate::response::{MAX_BODY_BYTES, Reply, parse_response};
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
}

impl<'c, A: Action> Call<'c, A> {
    /// Validates `action` and prepares its driver. Nothing is sent, and no slot is taken,
    /// until [`poll`](Call::poll).
    pub fn new(config: &'c Config, limiter: &'c dyn RateLimiter, action: A) -> Result<Self, Error> {
        action.validate()?;
        Ok(Call {
            config,
            limiter,
            action,
            state: State::Ready,
            started: None,
            attempts: 0,
            resigned: false,
            jitter: 0,
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

    /// The largest response body the transport should read; see [`MAX_BODY_BYTES`].
    pub fn max_body_bytes(&self) -> usize {
        MAX_BODY_BYTES
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
    /// (read up to [`MAX_BODY_BYTES`] + 1 bytes). Ignored unless a request is out.
    pub fn handle_response(&mut self, now: Instant, status: u16, body: &[u8]) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        match parse_response::<A::Data>(status, body) {
            Ok(mut reply) => {
                reply.attempts = self.attempts;
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
        self.state = match decision {
            Decision::RetryAfter(delay)
                if self.attempts < policy.max_attempts()
                    && now.saturating_duration_since(started) + delay <= policy.max_elapsed() =>
            {
                if resign {
                    self.resigned = true;
                }
                State::Backoff(now + delay)
            }
            _ => State::Done(Err(error)),
        };
    }
}
