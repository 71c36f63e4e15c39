//! The call driver: a sans-IO state machine that a transport runs for each call.

use std::time::Instant;

use crate::action::{Action, build_request, encode_params};
use crate::budget::{BudgetError, OnUnavailable, SlotRequest};
use crate::code::CodeClass;
use crate::config::Config;
use crate::error::{Error, TransportFailure};
use crate::host::Host;
use crate::rate::{RateLimiter, Slot};
use crate::response::{Reply, parse_response};
use crate::retry::{AttemptOutcome, Decision};
use crate::sequence::Sequence;
use crate::sign::{Nonce, unix_seconds};
use crate::transport::Exchange;

/// A call dropped while it waits for its rate slot (a caller's timeout, a task cancelled)
/// gives the slot back, so that the budget is not spent on a request never sent.
impl<A: Action> Drop for Call<'_, A> {
    fn drop(&mut self) {
        if let State::Slot(at) = self.state {
            self.release(at);
        }
    }
}

/// What the transport does next.
#[derive(Debug)]
#[must_use]
#[allow(
    clippy::large_enum_variant,
    reason = "a step is returned and matched at once; boxing the request would cost an allocation per attempt"
)]
pub enum Step {
    /// Sleep until this instant, then poll again (a rate budget or a backoff).
    Wait(Instant),
    /// Send this request, then report the outcome with [`Call::handle`] (or
    /// [`Call::handle_response`] / [`Call::handle_failure`]).
    Send(http::Request<Vec<u8>>),
    /// Take this slot from the client's shared budget
    /// ([`SharedBudget`](crate::SharedBudget)), then report the answer with
    /// [`Call::taken`]. Only for a call made [`with_shared_budget`](Call::with_shared_budget).
    Take(SlotRequest),
    /// The call is over: take its result with [`Call::into_result`].
    Done,
}

#[derive(Debug)]
enum State<D> {
    /// Ready for the next attempt: reserve a rate slot.
    Ready,
    /// A rate slot is reserved at this instant.
    Slot(Instant),
    /// The shared budget was asked for a slot; its answer is awaited.
    Taking,
    /// A slot of the shared budget starts at this instant (it is not given back).
    Due(Instant),
    /// Backing off until this instant.
    Backoff(Instant),
    /// A request is out; its outcome is awaited.
    InFlight,
    Done(Result<Reply<D>, Error>),
}

/// One call, from validation to its final result, with no I/O of its own.
///
/// The transport loops: [`poll`](Call::poll) says to wait, to send a request, or that the
/// call is done; after each send the transport reports what happened, and at the end it
/// takes the result, once, with [`into_result`](Call::into_result). The driver validates
/// and encodes the call once, signs every attempt afresh (new nonce and timestamp from
/// the [`Host`]), reserves each attempt's slot from the [`RateLimiter`] (every budget of
/// the call) and applies the [`RetryPolicy`](crate::RetryPolicy), with the call's group
/// and idempotence, and its caps on attempts and total time. For a call that carries
/// `Sequence` ([`Action::SEQUENCE`]) it writes a fresh value on every attempt, from the
/// client's source ([`Call::with_sequence`]). It never names a call.
///
/// ```
/// use std::time::{Duration, Instant, UNIX_EPOCH};
/// use zego_core::*;
/// use zego_core::actions::SendCustomCommand;
///
/// let config = Config::new(AppId::new(1), ServerSecret::new("secret")?);
/// let limiter = Gcra::new();
/// let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
/// let command = SendCustomCommand::to_users("room", "server", ["alice"], "hello");
/// let mut call = Call::new(&config, &limiter, command)?;
/// let mut now = Instant::now();
/// loop {
///     match call.poll(now, &mut host) {
///         Step::Wait(until) => now = until,
///         Step::Send(request) => {
///             assert!(request.uri().query().unwrap().contains("ToUserId[]=alice"));
///             // A transport sends it here; this one answers for the server.
///             let body = br#"{"Code":0,"Message":"success","RequestId":"1","Data":{"FailUsers":[]}}"#;
///             call.handle(now, Ok((200, body.to_vec())));
///         }
///         Step::Take(_) => unreachable!("only a call with a shared budget asks"),
///         Step::Done => break,
///     }
/// }
/// let reply = call.into_result()?;
/// assert!(reply.all_delivered());
/// assert_eq!(reply.attempts, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Call<'c, A: Action> {
    config: &'c Config,
    limiter: &'c dyn RateLimiter,
    /// The client's `Sequence` source, if given.
    sequence: Option<&'c Sequence>,
    /// The call's own source, when no client's is given.
    own_sequence: Sequence,
    action: A,
    /// `Action=...` and the call's parameters, encoded once.
    params: String,
    state: State<A::Data>,
    started: Option<Instant>,
    attempts: u32,
    resigned: bool,
    /// Random bits for the backoff jitter after the attempt in flight, drawn from the
    /// host with its nonce.
    jitter: u64,
    /// The error of the latest attempt that failed and is being retried.
    retrying_after: Option<Error>,
    /// Whether an attempt so far may have taken effect without the call knowing.
    effect_before: bool,
    /// With a shared budget: what to do when it cannot be asked.
    shared: Option<OnUnavailable>,
}

impl<'c, A: Action> Call<'c, A> {
    /// Validates and encodes `action` and prepares its driver. Nothing is sent, and no
    /// slot is taken, until [`poll`](Call::poll).
    pub fn new(config: &'c Config, limiter: &'c dyn RateLimiter, action: A) -> Result<Self, Error> {
        let params = action
            .validate()
            .and_then(|()| encode_params(config, &action))
            .inspect_err(|_e| {
                event!(debug, error = %_e, "invalid request, nothing sent");
            })?;
        Ok(Call {
            config,
            limiter,
            sequence: None,
            own_sequence: Sequence::new(),
            action,
            params,
            state: State::Ready,
            started: None,
            attempts: 0,
            resigned: false,
            jitter: 0,
            retrying_after: None,
            effect_before: false,
            shared: None,
        })
    }

    /// Takes the call's rate slots from a shared budget: each attempt asks with
    /// [`Step::Take`] and waits for [`taken`](Call::taken), instead of reserving from the
    /// in-process limiter (which stays the fallback for [`OnUnavailable::Local`]).
    pub fn with_shared_budget(mut self, on_unavailable: OnUnavailable) -> Self {
        self.shared = Some(on_unavailable);
        self
    }

    /// Draws the call's `Sequence` values ([`Action::SEQUENCE`]) from `source`, the one
    /// source of the client, shared by its clones and threads. Without it, a call that
    /// carries `Sequence` draws from a source of its own, whose values increase across
    /// its attempts but not across calls.
    pub fn with_sequence(mut self, source: &'c Sequence) -> Self {
        self.sequence = Some(source);
        self
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

    /// The result, once the call is done. Taken before, it is the error of a call
    /// abandoned where it stands: "may have been sent" with a request out, else the
    /// latest attempt's error, else "not sent".
    pub fn into_result(mut self) -> Result<Reply<A::Data>, Error> {
        let state = std::mem::replace(&mut self.state, State::Ready);
        if let State::Slot(at) = state {
            self.release(at);
        }
        match state {
            State::Done(result) => result,
            State::InFlight => Err(Error::Transport {
                attempts: self.attempts,
                source: TransportFailure::maybe_sent("the call was abandoned with a request out"),
                effect_before: self.effect_before,
            }),
            _ => Err(self.retrying_after.take().unwrap_or(Error::Transport {
                attempts: self.attempts,
                source: TransportFailure::not_sent("the call was abandoned before its request"),
                effect_before: self.effect_before,
            })),
        }
    }

    /// Advances the call at `now`. `host` gives the wall clock and random bytes for
    /// signing, when a request is due.
    ///
    /// Polling while a request is out (its outcome not reported) counts that attempt as
    /// lost after it may have reached the server.
    pub fn poll<H: Host + ?Sized>(&mut self, now: Instant, host: &mut H) -> Step {
        self.started.get_or_insert(now);
        loop {
            match &self.state {
                State::Done(_) => return Step::Done,
                State::InFlight => {
                    self.handle_failure(
                        now,
                        TransportFailure::maybe_sent("the outcome of the attempt was not reported"),
                    );
                }
                State::Backoff(until) if now < *until => return Step::Wait(*until),
                State::Backoff(_) => self.state = State::Ready,
                State::Ready if self.shared.is_some() => {
                    self.state = State::Taking;
                    return Step::Take(self.slot_request(now));
                }
                State::Ready => self.take_local(now),
                State::Taking => self.taken(
                    now,
                    Err(BudgetError::Unavailable {
                        action: A::NAME,
                        reason: "its answer was not reported".to_owned(),
                    }),
                ),
                State::Slot(at) | State::Due(at) if now < *at => return Step::Wait(*at),
                State::Slot(_) | State::Due(_) => {
                    let mut bytes = [0u8; 16];
                    host.fill_random(&mut bytes);
                    let (nonce_bytes, jitter) = bytes.split_at(8);
                    let nonce = Nonce::from_bytes(nonce_bytes.try_into().unwrap_or_default());
                    self.jitter = u64::from_le_bytes(jitter.try_into().unwrap_or_default());
                    let wall = host.system_time();
                    let sequence = if A::SEQUENCE {
                        self.sequence.unwrap_or(&self.own_sequence).next(wall)
                    } else {
                        0
                    };
                    let timestamp = unix_seconds(wall);
                    match build_request::<A>(self.config, &self.params, sequence, &nonce, timestamp)
                    {
                        Ok(request) => {
                            self.attempts += 1;
                            self.state = State::InFlight;
                            return Step::Send(request);
                        }
                        // Only a timestamp far from any real clock can make the request
                        // longer than the check in `new` allowed for.
                        Err(invalid) => self.state = State::Done(Err(Error::Invalid(invalid))),
                    }
                }
            }
        }
    }

    /// Reports the shared budget's answer to [`Step::Take`]: the wait from `now` until
    /// the slot starts, or why there is none. Ignored unless the call asked.
    pub fn taken(&mut self, now: Instant, answer: Result<std::time::Duration, BudgetError>) {
        if !matches!(self.state, State::Taking) {
            return;
        }
        let latest = self.latest_start(now);
        match answer {
            Ok(wait) => match now
                .checked_add(wait)
                .filter(|at| latest.is_none_or(|latest| *at <= latest))
            {
                Some(at) => self.state = State::Due(at),
                // A budget that answers past the time cap (it should not) is read as
                // exhausted: the slot is not used.
                None => self.end_without_slot(BudgetError::Exhausted {
                    action: A::NAME,
                    wait,
                }),
            },
            Err(BudgetError::Unavailable {
                reason: _reason, ..
            }) if self.shared == Some(OnUnavailable::Local) => {
                event!(
                    warn,
                    action = A::NAME,
                    reason = %_reason,
                    "the shared rate budget is unavailable; pacing this attempt in-process"
                );
                self.take_local(now);
            }
            Err(error) => self.end_without_slot(error),
        }
    }

    /// The latest instant a slot of the call may start: its start plus the time cap;
    /// `None` when that is past the clock's end (no cap).
    fn latest_start(&self, now: Instant) -> Option<Instant> {
        let started = self.started.unwrap_or(now);
        started.checked_add(self.config.retry_policy().max_elapsed())
    }

    /// What the shared budget is asked for at `now`.
    fn slot_request(&self, now: Instant) -> SlotRequest {
        let (app, room) = self.slots();
        SlotRequest {
            app_id: self.config.app_id(),
            test_environment: self.config.is_test_environment(),
            action: A::NAME,
            app_rate: app.rate,
            room: room.and_then(|slot| Some((slot.room?.to_owned(), slot.rate))),
            within: self
                .latest_start(now)
                .map_or(std::time::Duration::MAX, |latest| {
                    latest.saturating_duration_since(now)
                }),
            tolerance: self.tolerance(),
        }
    }

    /// Half the smallest pacing margin of the call's budgets.
    fn tolerance(&self) -> std::time::Duration {
        let budget = A::BUDGET;
        let app = budget.app_rate(self.config.is_test_environment()).margin();
        let room = budget.room_rate().map(crate::Rate::margin);
        room.map_or(app, |room| room.min(app)) / 2
    }

    /// Reserves the attempt's slot in-process; a slot past the time cap is given back
    /// and ends the call.
    fn take_local(&mut self, now: Instant) {
        let at = self.reserve(now);
        if self.latest_start(now).is_some_and(|latest| at > latest) {
            self.release(at);
            self.end_without_slot(BudgetError::Exhausted {
                action: A::NAME,
                wait: at.saturating_duration_since(now),
            });
        } else {
            self.state = State::Slot(at);
        }
    }

    /// Ends the call before an attempt, for want of a slot.
    fn end_without_slot(&mut self, error: BudgetError) {
        event!(debug, action = A::NAME, error = %error, "no rate slot, call ended");
        self.state = State::Done(Err(Error::Budget {
            attempts: self.attempts,
            source: error,
            effect_before: self.effect_before
                || self
                    .retrying_after
                    .as_ref()
                    .is_some_and(Error::may_have_taken_effect),
        }));
    }

    /// Takes a slot in every budget of the call.
    fn reserve(&self, now: Instant) -> Instant {
        let (app, room) = self.slots();
        match room {
            Some(room) => self.limiter.reserve(&[app, room], now),
            None => self.limiter.reserve(&[app], now),
        }
    }

    /// Gives back the slot reserved at `at`.
    fn release(&self, at: Instant) {
        let (app, room) = self.slots();
        match room {
            Some(room) => self.limiter.release(&[app, room], at),
            None => self.limiter.release(&[app], at),
        }
    }

    /// The budgets of the call, per AppId and per room, as the client paces them
    /// ([`Rate::paced`](crate::Rate::paced)).
    fn slots(&self) -> (Slot<'_>, Option<Slot<'_>>) {
        let budget = A::BUDGET;
        let app = budget.app_rate(self.config.is_test_environment()).paced();
        let room = budget
            .room_rate()
            .zip(self.action.budget_room())
            .map(|(rate, room)| Slot::room(A::NAME, room, rate.paced()));
        (Slot::app(A::NAME, app), room)
    }

    /// Reports the outcome of the request last handed out: its HTTP status and body (read
    /// up to [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) + 1 bytes), or the transport's
    /// failure. Ignored unless a request is out.
    pub fn handle(&mut self, now: Instant, outcome: Exchange) {
        match outcome {
            Ok((status, body)) => self.handle_response(now, status, &body),
            Err(failure) => self.handle_failure(now, failure),
        }
    }

    /// Reports the response to the request last handed out: its HTTP status and body
    /// (read up to [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES) + 1 bytes). Ignored unless a
    /// request is out.
    pub fn handle_response(&mut self, now: Instant, status: u16, body: &[u8]) {
        if !matches!(self.state, State::InFlight) {
            return;
        }
        match parse_response::<A>(status, body) {
            Ok(mut reply) => {
                reply.attempts = self.attempts;
                event!(
                    debug,
                    code = reply.code.get(),
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
                    effect_before: self.effect_before,
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
            effect_before: self.effect_before,
        };
        self.after_failure(now, outcome, error);
    }

    fn after_failure(&mut self, now: Instant, outcome: AttemptOutcome, error: Error) {
        // Whatever the later attempts get, this one may have taken effect: every later
        // error of the call says so.
        self.effect_before |= error.may_have_taken_effect();
        let policy = self.config.retry_policy();
        let resign = matches!(outcome, AttemptOutcome::Code(CodeClass::ReSign));
        let decision = policy.decide(
            outcome,
            self.attempts,
            self.resigned,
            A::IDEMPOTENT,
            self.jitter,
        );
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
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::Rate;
    use crate::actions::{CustomCommandData, SendCustomCommand};
    use crate::code::ReturnCode;
    use crate::credentials::{AppId, ServerSecret};
    use crate::error::ResponseError;
    use crate::host::FixedHost;
    use crate::rate::{Gcra, Unlimited};
    use crate::retry::RetryPolicy;
    use crate::sequence::Sequence;

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
        script: impl FnMut(u32) -> Outcome,
    ) -> Run {
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 42);
        let cmd = SendCustomCommand::to_users("room", "from", ["a", "b"], "hello");
        let call = Call::new(config, limiter, cmd).unwrap();
        let mut now = t0;
        let (result, sent) = run_call(call, &mut host, &mut now, script);
        Run {
            result,
            sent: sent.into_iter().map(|(at, q)| (at - t0, q)).collect(),
        }
    }

    /// The instant and query of each request sent.
    type Requests = Vec<(Instant, String)>;

    /// Runs `call` to its end in virtual time from `*now`, which it moves on; `script`
    /// answers attempt `n` (from 1). Returns the result and the instant and query of
    /// every request. The wall clock moves 1 ms per wait and 1 s per request.
    fn run_call<A: Action>(
        mut call: Call<'_, A>,
        host: &mut FixedHost,
        now: &mut Instant,
        mut script: impl FnMut(u32) -> Outcome,
    ) -> (Result<Reply<A::Data>, Error>, Requests) {
        let mut sent = Vec::new();
        for _ in 0..1000 {
            match call.poll(*now, host) {
                Step::Wait(until) => {
                    assert!(until > *now, "a wait moves time forward");
                    *now = until;
                    host.advance(Duration::from_millis(1));
                }
                Step::Send(req) => {
                    sent.push((*now, req.uri().query().unwrap_or("").to_owned()));
                    match script(call.attempts()) {
                        Outcome::Body(status, body) => {
                            call.handle_response(*now, status, body.as_bytes())
                        }
                        Outcome::Failure(f) => call.handle_failure(*now, f),
                    }
                    // The wall clock moves on while a request is out.
                    host.advance(Duration::from_secs(1));
                }
                Step::Take(request) => panic!("no shared budget here: {request:?}"),
                Step::Done => return (call.into_result(), sent),
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
            assert_eq!(err.code(), Some(ReturnCode::new(c)));
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
            assert_eq!(err.code(), Some(ReturnCode::new(c)));
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
            limiter.reserve(&[Slot::app("SendCustomCommand", Rate::per_second(100))], t0),
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
        assert!(matches!(call.poll(now, &mut host), Step::Done));
        for _ in 0..3 {
            call.handle_response(now, 200, br#"{"Code":0}"#);
            assert!(matches!(call.poll(now, &mut host), Step::Done));
        }
        assert!(call.is_done());
        let err = call.into_result().unwrap_err();
        assert!(err.may_have_taken_effect());
        assert_eq!(err.attempts(), 1);
    }

    #[test]
    fn a_result_taken_early_says_where_the_call_stood() {
        let config = config();
        let mut host = FixedHost::new(UNIX_EPOCH, 1);
        let now = Instant::now();
        let call = Call::new(
            &config,
            &Unlimited,
            SendCustomCommand::to_room("r", "f", "x"),
        )
        .unwrap();
        let err = call.into_result().unwrap_err();
        assert!(!err.may_have_taken_effect());
        assert_eq!(err.attempts(), 0);
        let mut call = Call::new(
            &config,
            &Unlimited,
            SendCustomCommand::to_room("r", "f", "x"),
        )
        .unwrap();
        let Step::Send(_) = call.poll(now, &mut host) else {
            panic!("expected a request")
        };
        let err = call.into_result().unwrap_err();
        assert!(err.may_have_taken_effect(), "a request was out");
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
                    Step::Take(_) => panic!("no shared budget here"),
                    Step::Done => break,
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
        // ...and the budget is used, paced 2% slower than its figure so that jitter on
        // the way cannot push two requests closer than it allows: 1,000 sends take
        // 999 intervals of 10.2 ms.
        assert_eq!(
            *sent.last().unwrap(),
            Rate::per_second(100).paced().interval() * 999
        );

        // The test environment's budget is 10/s.
        let test_env =
            Config::new(AppId::new(8), ServerSecret::new("s").unwrap()).with_is_test(true);
        let limiter = Gcra::new();
        let mut last = Duration::ZERO;
        for _ in 0..11 {
            let run = drive(&test_env, &limiter, t0, |_| success());
            last = run.sent[0].0;
        }
        assert_eq!(last, Duration::from_millis(1020));
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
                Step::Take(_) => panic!("no shared budget here"),
                Step::Done => break,
            }
        }
        assert_eq!(seen, [Some("first".to_owned()), None]);
        assert!(call.into_result().is_ok());

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
        assert!(matches!(call.poll(now, &mut host), Step::Done));
        assert_eq!(call.into_result().unwrap_err(), last);
    }

    /// A media-service call that is idempotent, has a per-room budget and answers 41004
    /// as data: the driver reads all of it from the call.
    #[derive(Debug)]
    struct MediaQuery {
        room: &'static str,
    }

    impl Action for MediaQuery {
        const NAME: &'static str = "MediaQuery";
        const GROUP: crate::Group = crate::Group::MediaService;
        const IDEMPOTENT: bool = true;
        const BUDGET: crate::Budget =
            crate::Budget::per_app(Rate::per_second(100)).per_room(Rate::per_second(1));
        type Data = Option<serde_json::Value>;

        fn validate(&self) -> Result<(), crate::ValidationError> {
            Ok(())
        }

        fn write_params(&self, q: &mut crate::QueryWriter, _: &crate::RequestContext) {
            q.param("RoomId", self.room);
        }

        fn budget_room(&self) -> Option<&str> {
            Some(self.room)
        }
    }

    fn drive_media(
        config: &Config,
        limiter: &dyn RateLimiter,
        t0: Instant,
        room: &'static str,
        script: impl FnMut(u32) -> Outcome,
    ) -> (
        Result<Reply<Option<serde_json::Value>>, Error>,
        Vec<Duration>,
    ) {
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 9);
        let call = Call::new(config, limiter, MediaQuery { room }).unwrap();
        let mut now = t0;
        let (result, sent) = run_call(call, &mut host, &mut now, script);
        (result, sent.into_iter().map(|(at, _)| at - t0).collect())
    }

    #[test]
    fn codes_are_read_in_the_calls_group() {
        let t0 = Instant::now();
        // 30002 throttles the media service: retried. (In room signalling it is unknown.)
        let (result, sent) = drive_media(&config(), &Unlimited, t0, "r", |n| {
            if n == 1 { code(30002) } else { success() }
        });
        assert_eq!(result.unwrap().attempts, 2);
        assert!(sent[1] - sent[0] >= Duration::from_millis(500));
        // 3 is "authentication failed" there: configuration, not retried, and so classed.
        let (result, _) = drive_media(&config(), &Unlimited, t0, "r", |_| code(3));
        let err = result.unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert_eq!(err.class(), Some(CodeClass::Configuration));
        assert!(err.to_string().contains("authentication failed"), "{err}");
        // 41004 is an answer: returned as data, with its code.
        let (result, _) = drive_media(&config(), &Unlimited, t0, "r", |_| code(41004));
        let reply = result.unwrap();
        assert_eq!(reply.code, ReturnCode::STREAM_ID_NOT_FOUND);
        assert_eq!(reply.data, None);
        // 206 means nothing to the media service: unknown, not retried.
        let (result, _) = drive_media(&config(), &Unlimited, t0, "r", |_| code(206));
        assert_eq!(result.unwrap_err().class(), Some(CodeClass::Unknown));
    }

    #[test]
    fn idempotent_calls_retry_what_may_have_reached_the_server() {
        let (result, sent) = drive_media(&config(), &Unlimited, Instant::now(), "r", |n| {
            if n == 1 {
                Outcome::Failure(TransportFailure::maybe_sent("timed out"))
            } else {
                success()
            }
        });
        assert_eq!(result.unwrap().attempts, 2);
        assert_eq!(sent.len(), 2);
    }

    #[test]
    fn per_room_budgets_pace_each_room() {
        let config = config();
        let limiter = Gcra::new();
        let t0 = Instant::now();
        let first = |room| drive_media(&config, &limiter, t0, room, |_| success()).1[0];
        assert_eq!(first("a"), Duration::ZERO);
        let ms = Duration::from_micros;
        assert_eq!(first("b"), ms(10_200), "the app budget: 100/s, paced");
        assert_eq!(first("a"), ms(1_020_000), "the room budget: 1/s, paced");
        assert_eq!(
            first("c"),
            ms(20_400),
            "a free app slot: room a's queue does not hold other rooms back"
        );
    }

    /// With the opt-in, a call whose first attempt may have been delivered and whose last
    /// attempt got a plain error still says it may have taken effect.
    #[test]
    fn an_earlier_attempt_that_may_have_taken_effect_is_not_forgotten() {
        let opt_in = config().with_retry_policy(RetryPolicy::default().with_unsafe_retries(true));
        let run = drive(&opt_in, &Unlimited, Instant::now(), |n| {
            if n == 1 {
                Outcome::Failure(TransportFailure::maybe_sent("timed out after sending"))
            } else {
                code(50013)
            }
        });
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 3);
        assert_eq!(err.code(), Some(ReturnCode::CUSTOM_MESSAGE_SEND_FAILED));
        assert!(
            err.may_have_taken_effect(),
            "attempt 1 may have delivered it"
        );
        assert!(
            err.to_string()
                .contains("an earlier attempt may have taken effect"),
            "{err}"
        );
        // Nothing of the kind without such an attempt.
        let run = drive(&opt_in, &Unlimited, Instant::now(), |n| {
            if n == 1 {
                Outcome::Failure(TransportFailure::not_sent("refused"))
            } else {
                code(50013)
            }
        });
        assert!(!run.result.unwrap_err().may_have_taken_effect());
    }

    /// Calls dropped while they wait for their slot give it back: the next calls take
    /// those slots instead of queueing behind them.
    #[test]
    fn a_call_dropped_before_its_slot_gives_it_back() {
        let config = config();
        let limiter = Gcra::new();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 5);
        let t0 = Instant::now();
        let command = || SendCustomCommand::to_room("r", "f", "x");
        let mut waiting = Vec::new();
        for _ in 0..10 {
            let mut call = Call::new(&config, &limiter, command()).unwrap();
            let step = call.poll(t0, &mut host);
            waiting.push((call, step));
        }
        // Slots 0, 10.2, ..., 91.8 ms (100/s, paced 2% slower); drop every other call
        // that waits.
        let gap = Rate::per_second(100).paced().interval();
        let mut kept = Vec::new();
        for (i, (call, step)) in waiting.into_iter().enumerate() {
            match step {
                Step::Send(_) => assert_eq!(i, 0),
                Step::Wait(at) => assert_eq!(at - t0, gap * i as u32),
                Step::Take(_) | Step::Done => panic!("not done"),
            }
            if i % 2 == 0 {
                kept.push(call);
            }
        }
        assert_eq!(kept.len(), 5);
        // The next five calls take the slots given back, then the one after the last.
        let mut next = Vec::new();
        for _ in 0..6 {
            let mut call = Call::new(&config, &limiter, command()).unwrap();
            match call.poll(t0, &mut host) {
                Step::Wait(at) => next.push(at - t0),
                other => panic!("{other:?}"),
            }
            kept.push(call);
        }
        assert_eq!(next, [1, 3, 5, 7, 9, 10].map(|i| gap * i));
        // A call dropped after its request went out gives nothing back.
        let mut sent = Call::new(&config, &limiter, command()).unwrap();
        let late = t0 + Duration::from_secs(5);
        assert!(matches!(sent.poll(late, &mut host), Step::Send(_)));
        drop(sent);
        let mut after = Call::new(&config, &limiter, command()).unwrap();
        match after.poll(late, &mut host) {
            Step::Wait(at) => assert_eq!(at - late, gap),
            other => panic!("{other:?}"),
        }
    }

    /// The `Sequence` values of the requests in `sent`, in order.
    fn sequences(sent: &[(Instant, String)]) -> Vec<u64> {
        sent.iter()
            .map(|(_, q)| param(q, "Sequence").parse().unwrap())
            .collect()
    }

    fn strictly_increasing(values: &[u64]) -> bool {
        values.windows(2).all(|w| w[0] < w[1])
    }

    #[test]
    fn sequence_is_fresh_on_every_attempt_and_shared_by_the_calls_of_a_client() {
        use crate::actions::{DescribeRTCStreamState, ForbidRTCStream};
        let config = config();
        let source = Sequence::new();
        let wall = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let mut host = FixedHost::new(wall, 5);
        let mut now = Instant::now();
        // Throttled, transient, then a success: three attempts, three fresh values.
        let call = Call::new(&config, &Unlimited, ForbidRTCStream::new("s1"))
            .unwrap()
            .with_sequence(&source);
        let (result, sent) = run_call(call, &mut host, &mut now, |n| match n {
            1 => code(30002),
            2 => code(3001),
            _ => success(),
        });
        assert_eq!(result.unwrap().attempts, 3);
        let first = sequences(&sent);
        assert_eq!(first.len(), 3);
        assert!(strictly_increasing(&first), "{first:?}");
        assert_eq!(
            first[0], 1_700_000_000_000,
            "the wall clock in milliseconds"
        );
        for (i, (_, query)) in sent.iter().enumerate() {
            assert!(
                query.starts_with(&format!(
                    "Action=ForbidRTCStream&StreamId=s1&Sequence={}&AppId=7&",
                    first[i]
                )),
                "{query}"
            );
        }
        // A wall clock set back: the next call of the client still goes up.
        host.set_time(wall);
        let call = Call::new(&config, &Unlimited, DescribeRTCStreamState::new("s1"))
            .unwrap()
            .with_sequence(&source);
        let (_, sent) = run_call(call, &mut host, &mut now, |_| success());
        assert_eq!(sequences(&sent), [first[2] + 1]);
        assert_eq!(source.last(), first[2] + 1);
        // A call that does not carry it writes none, and draws none.
        let (_, sent) = run_call(
            Call::new(
                &config,
                &Unlimited,
                SendCustomCommand::to_room("r", "f", "x"),
            )
            .unwrap()
            .with_sequence(&source),
            &mut host,
            &mut now,
            |_| success(),
        );
        assert!(!sent[0].1.contains("Sequence="));
        assert_eq!(source.last(), first[2] + 1);
    }

    /// Eight threads, each with its own host (the same standing wall clock) and its own
    /// calls, share a client's source through clones of its options: every value sent
    /// is distinct, and each thread's values strictly increase, retries included.
    #[test]
    fn sequence_strictly_increases_across_clones_and_threads() {
        use crate::actions::ResumeRTCStreams;
        let options = crate::ClientBuilder::<Options>::new(
            AppId::new(7),
            ServerSecret::new("secret").unwrap(),
        )
        .no_rate_limit()
        .options();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let options = options.clone();
                std::thread::spawn(move || {
                    let wall = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
                    let mut host = FixedHost::new(wall, t);
                    let mut now = Instant::now();
                    let mut values = Vec::new();
                    for i in 0..50 {
                        host.set_time(wall);
                        let call = Call::new(
                            &options.config,
                            &*options.limiter,
                            ResumeRTCStreams::new([format!("s{t}-{i}"), "shared".into()]),
                        )
                        .unwrap()
                        .with_sequence(&options.sequence);
                        let (_, sent) = run_call(call, &mut host, &mut now, |n| {
                            if n == 1 { code(42004) } else { success() }
                        });
                        values.extend(sequences(&sent));
                    }
                    values
                })
            })
            .collect();
        let mut all = std::collections::HashSet::new();
        for thread in threads {
            let values = thread.join().unwrap();
            assert_eq!(values.len(), 100, "two attempts per call");
            assert!(strictly_increasing(&values));
            all.extend(values);
        }
        assert_eq!(all.len(), 800, "no value twice");
    }

    /// A client built by the builder, to see its options.
    struct Options;

    impl crate::BuildClient for Options {
        fn build_client(_: crate::ClientOptions) -> Result<Self, crate::BuildError> {
            Ok(Options)
        }
    }

    /// Whether the `times` of requests to one budget (sorted) ever put more than `rate`
    /// allows in one of its periods.
    fn within(times: &[Instant], rate: Rate) -> bool {
        let count = rate.count() as usize;
        times
            .windows(count + 1)
            .all(|w| w[count] - w[0] >= rate.period())
    }

    /// Calls of every per-room budget, to three rooms, all started at once and run
    /// together in virtual time, with every third attempt throttled by the server (207),
    /// so that retries take slots too: no window of any budget, per room or per AppId,
    /// ever holds more requests than it allows.
    #[test]
    fn no_client_side_budget_is_ever_exceeded_by_the_per_room_calls() {
        use std::collections::HashMap;

        use crate::actions::{DescribeSimpleStreamList, DescribeUserList};

        /// A call of any action, seen by the scheduler.
        trait Running {
            fn poll(&mut self, now: Instant, host: &mut FixedHost) -> Step;
            fn handle(&mut self, now: Instant, body: &str);
        }
        impl<A: Action> Running for Call<'_, A> {
            fn poll(&mut self, now: Instant, host: &mut FixedHost) -> Step {
                Call::poll(self, now, host)
            }
            fn handle(&mut self, now: Instant, body: &str) {
                self.handle_response(now, 200, body.as_bytes());
            }
        }

        let config = config();
        let limiter = Gcra::new();
        let t0 = Instant::now();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 3);
        // (next poll at, action, room, call)
        let mut running: Vec<(Instant, &str, String, Box<dyn Running + '_>)> = Vec::new();
        for room in ["a", "b", "c"] {
            for _ in 0..8 {
                let call = Call::new(&config, &limiter, DescribeUserList::new(room)).unwrap();
                running.push((t0, "DescribeUserList", room.into(), Box::new(call)));
            }
            for _ in 0..3 {
                let call =
                    Call::new(&config, &limiter, DescribeSimpleStreamList::new(room)).unwrap();
                running.push((t0, "DescribeSimpleStreamList", room.into(), Box::new(call)));
            }
        }
        let mut sent: HashMap<(&str, Option<String>), Vec<Instant>> = HashMap::new();
        let mut attempts = 0;
        while !running.is_empty() {
            let (i, _) = running
                .iter()
                .enumerate()
                .min_by_key(|(_, (at, ..))| *at)
                .unwrap();
            let (now, action, room, call) = &mut running[i];
            match call.poll(*now, &mut host) {
                Step::Wait(until) => *now = until,
                Step::Send(_) => {
                    attempts += 1;
                    sent.entry((action, Some(room.clone())))
                        .or_default()
                        .push(*now);
                    sent.entry((action, None)).or_default().push(*now);
                    let body = if attempts % 3 == 0 {
                        r#"{"Code":207,"RequestId":"t"}"#
                    } else {
                        r#"{"Code":0,"RequestId":"ok","Data":{}}"#
                    };
                    call.handle(*now, body);
                }
                Step::Take(_) => panic!("no shared budget here"),
                Step::Done => {
                    running.swap_remove(i);
                }
            }
        }
        assert!(attempts > 33, "retries were made: {attempts} attempts");
        assert_eq!(
            sent.len(),
            8,
            "two actions, three rooms and two app budgets"
        );
        // The check itself catches an overrun.
        let close = [t0, t0 + Duration::from_millis(999)];
        assert!(!within(&close, Rate::per_second(1)));
        for ((action, room), mut times) in sent {
            times.sort();
            let budget = match action {
                "DescribeUserList" => DescribeUserList::BUDGET,
                _ => DescribeSimpleStreamList::BUDGET,
            };
            let rate = match room {
                Some(_) => budget.room_rate().unwrap(),
                None => budget.app_rate(false),
            };
            assert!(within(&times, rate), "{action} {room:?} over {rate}");
        }
    }

    /// The pages of a room's user list, one driver call each: paced by the room's
    /// budget, one page a second, and following the markers to the empty one.
    #[test]
    fn pages_are_paced_by_the_room_budget() {
        use crate::actions::DescribeUserList;
        use crate::page::Pager;
        let config = config();
        let limiter = Gcra::new();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 4);
        let t0 = Instant::now();
        let mut now = t0;
        let mut pager = Pager::new(DescribeUserList::new("r").limit(1)).unwrap();
        let mut sent = Vec::new();
        let mut page = 0;
        while let Some(next) = pager.next_call() {
            let call = Call::new(&config, &limiter, next.unwrap()).unwrap();
            let (result, requests) = run_call(call, &mut host, &mut now, |_| {
                page += 1;
                let marker = if page == 4 {
                    String::new()
                } else {
                    format!("m{page}")
                };
                Outcome::Body(
                    200,
                    format!(
                        r#"{{"Code":0,"RequestId":"{page}","Data":{{"Marker":"{marker}","UserList":[{{"UserId":"u{page}"}}]}}}}"#
                    ),
                )
            });
            pager.record(&result);
            sent.extend(requests);
        }
        assert_eq!(pager.pages(), 4);
        let markers: Vec<_> = sent.iter().map(|(_, q)| param(q, "Marker")).collect();
        assert_eq!(markers, ["", "m1", "m2", "m3"]);
        let at: Vec<_> = sent.iter().map(|(at, _)| *at - t0).collect();
        let s = Rate::per_second(1).paced().interval();
        assert_eq!(at, [Duration::ZERO, s, s * 2, s * 3]);
    }

    /// The in-process budget: a slot past the time cap is not taken (it is given back)
    /// and the call ends with a typed error, nothing sent.
    #[test]
    fn a_slot_after_the_time_cap_ends_the_call_unsent() {
        let capped = config()
            .with_retry_policy(RetryPolicy::default().with_max_elapsed(Duration::from_secs(5)));
        let limiter = Gcra::with_rate(Rate::new(1, Duration::from_secs(10)));
        let t0 = Instant::now();
        let slot = [Slot::app("SendCustomCommand", Rate::per_second(1))];
        // The next slot is 10 s away.
        assert_eq!(limiter.reserve(&slot, t0), t0);
        let run = drive(&capped, &limiter, t0, |_| success());
        assert!(run.sent.is_empty());
        let err = run.result.unwrap_err();
        assert_eq!(err.attempts(), 0);
        assert!(!err.may_have_taken_effect());
        let Error::Budget {
            source: BudgetError::Exhausted { action, wait },
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!(
            (*action, *wait),
            ("SendCustomCommand", Duration::from_secs(10))
        );
        assert!(
            err.to_string().contains("rate budget is exhausted"),
            "{err}"
        );
        // The slot was given back: the next call gets it, within its cap.
        let wide = config();
        let run = drive(&wide, &limiter, t0, |_| success());
        assert!(run.result.is_ok());
        assert_eq!(run.sent[0].0, Duration::from_secs(10));
    }

    /// Polls `call` until it asks the shared budget, and returns what it asks.
    fn asked<A: Action>(call: &mut Call<'_, A>, now: Instant) -> SlotRequest {
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        match call.poll(now, &mut host) {
            Step::Take(request) => request,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_shared_budget_is_asked_for_every_attempt() {
        let config = config()
            .with_retry_policy(RetryPolicy::default().with_max_elapsed(Duration::from_secs(30)));
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let t0 = Instant::now();
        // A per-room budget too: DescribeUserList (200/s per AppId, 1/s per room).
        let list = crate::actions::DescribeUserList::new("room-9");
        let mut call = Call::new(&config, &Unlimited, list)
            .unwrap()
            .with_shared_budget(OnUnavailable::Fail);
        let request = asked(&mut call, t0);
        assert_eq!(request.action, "DescribeUserList");
        assert_eq!(request.app_id, AppId::new(7));
        assert!(!request.test_environment);
        assert_eq!(request.app_rate, Rate::per_second(200).paced());
        assert_eq!(
            request.room,
            Some(("room-9".to_owned(), Rate::per_second(1).paced()))
        );
        assert_eq!(request.within, Duration::from_secs(30));
        // Half the smaller pacing margin (20 ms for both 200/s and 1/s).
        assert_eq!(request.tolerance, Duration::from_millis(10));
        // The slot starts in 250 ms: the call waits for it, then sends.
        call.taken(t0, Ok(Duration::from_millis(250)));
        assert!(
            matches!(call.poll(t0, &mut host), Step::Wait(at) if at == t0 + Duration::from_millis(250))
        );
        let t1 = t0 + Duration::from_millis(250);
        assert!(matches!(call.poll(t1, &mut host), Step::Send(_)));
        // A transient error: the retry asks again, for the rest of the time cap.
        call.handle_response(t1, 200, br#"{"Code":50013,"RequestId":"x"}"#);
        let Step::Wait(backoff) = call.poll(t1, &mut host) else {
            panic!("a backoff")
        };
        let again = asked(&mut call, backoff);
        assert_eq!(again.within, Duration::from_secs(30) - (backoff - t0));
        call.taken(
            backoff,
            Err(BudgetError::Unavailable {
                action: "DescribeUserList",
                reason: "connection refused".into(),
            }),
        );
        assert!(matches!(call.poll(backoff, &mut host), Step::Done));
        let err = call.into_result().unwrap_err();
        assert_eq!(err.attempts(), 1);
        assert!(
            err.to_string().contains("unavailable (connection refused)"),
            "{err}"
        );
    }

    #[test]
    fn an_unavailable_shared_budget_falls_back_to_the_local_one() {
        let config = config();
        let limiter = Gcra::new();
        let t0 = Instant::now();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let cmd = || SendCustomCommand::to_users("room", "from", ["a"], "hello");
        let mut sent = Vec::new();
        for _ in 0..3 {
            let mut call = Call::new(&config, &limiter, cmd())
                .unwrap()
                .with_shared_budget(OnUnavailable::Local);
            let _ = asked(&mut call, t0);
            call.taken(
                t0,
                Err(BudgetError::Unavailable {
                    action: "SendCustomCommand",
                    reason: "timed out".into(),
                }),
            );
            let mut now = t0;
            loop {
                match call.poll(now, &mut host) {
                    Step::Wait(at) => now = at,
                    Step::Send(_) => {
                        sent.push(now - t0);
                        call.handle_response(now, 200, br#"{"Code":0,"RequestId":"1"}"#);
                    }
                    Step::Done => break,
                    Step::Take(_) => panic!("asked twice"),
                }
            }
            assert!(call.into_result().is_ok());
        }
        // Paced by the in-process budget (100/s, paced 2% under).
        let i = Rate::per_second(100).paced().interval();
        assert_eq!(sent, [Duration::ZERO, i, i * 2]);
    }

    #[test]
    fn a_shared_slot_past_the_time_cap_is_exhausted_and_polling_unanswered_is_unavailable() {
        let config = config()
            .with_retry_policy(RetryPolicy::default().with_max_elapsed(Duration::from_secs(5)));
        let t0 = Instant::now();
        let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_700_000_000), 1);
        let cmd = || SendCustomCommand::to_users("room", "from", ["a"], "hello");
        let mut call = Call::new(&config, &Unlimited, cmd())
            .unwrap()
            .with_shared_budget(OnUnavailable::Local);
        let _ = asked(&mut call, t0);
        call.taken(t0, Ok(Duration::from_secs(6)));
        assert!(matches!(call.poll(t0, &mut host), Step::Done));
        assert!(matches!(
            call.into_result(),
            Err(Error::Budget {
                source: BudgetError::Exhausted { .. },
                attempts: 0,
                ..
            })
        ));
        let mut call = Call::new(&config, &Unlimited, cmd())
            .unwrap()
            .with_shared_budget(OnUnavailable::Fail);
        let _ = asked(&mut call, t0);
        assert!(matches!(call.poll(t0, &mut host), Step::Done));
        assert!(matches!(
            call.into_result(),
            Err(Error::Budget {
                source: BudgetError::Unavailable { .. },
                ..
            })
        ));
    }
}
