//! The retry policy: which outcomes are retried, how often, and after how long.

use std::time::Duration;

use crate::code::CodeClass;
use crate::error::ResponseError;

/// How persistently a call is retried.
///
/// | outcome | default |
/// |---|---|
/// | throttled codes (206, 207; 30002, 1010, 5007 for the media service) | wait `throttle_wait` (half to all of it, growing per retry), retry |
/// | transient codes (1, 100000015, 50013, 42001, ...) | exponential backoff with full jitter, retry |
/// | 100000004 (3002 for the media service), signature expired | sign again at once and retry, once |
/// | transport failure before the request left (refused, DNS, TLS) | backoff, retry |
/// | no answer after the request may have left (timeout, reset), or an answer that is not the envelope | retry if the call is [idempotent](crate::Action::IDEMPOTENT) (a query, or a call that sets a state); for a send, stop unless [`with_unsafe_retries`](RetryPolicy::with_unsafe_retries) |
/// | any other code | stop |
///
/// Every attempt counts toward `max_attempts` (default 3), and no retry is scheduled that
/// would start later than `max_elapsed` (default 30 s) after the call began.
///
/// Codes are classified in the group of the call that answered them. The API has no
/// idempotency key: retrying a send (`SendCustomCommand`, `SendBroadcastMessage`) after
/// the request may have reached the server can deliver the message twice. That is why
/// such retries are off by default for sends.
///
/// ```
/// use std::time::Duration;
/// use zego_core::RetryPolicy;
/// let policy = RetryPolicy::default()
///     .with_max_attempts(5)
///     .with_max_elapsed(Duration::from_secs(10));
/// assert_eq!(policy.max_attempts(), 5);
/// assert_eq!(RetryPolicy::never().max_attempts(), 1);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    max_attempts: u32,
    max_elapsed: Duration,
    base_backoff: Duration,
    max_backoff: Duration,
    throttle_wait: Duration,
    retry_unsafe: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            max_elapsed: Duration::from_secs(30),
            base_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(5),
            throttle_wait: Duration::from_secs(1),
            retry_unsafe: false,
        }
    }
}

/// What to do after an attempt that did not succeed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Stop with this attempt's error.
    Stop,
    /// Sign again and retry after this delay.
    RetryAfter(Duration),
}

/// What an attempt ended with, as the policy sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttemptOutcome {
    /// The server answered with a non-zero code of this class.
    Code(CodeClass),
    /// No usable answer, and the request may have reached the server.
    Indeterminate,
    /// The request certainly did not leave.
    NotSent,
    /// The call succeeded but its data could not be read: never retried.
    SucceededUnreadable,
}

impl AttemptOutcome {
    /// Classifies one response error (an API error by its class in the call's group).
    pub fn of_response(error: &ResponseError) -> Self {
        match error {
            ResponseError::Api(api) => AttemptOutcome::Code(api.class()),
            ResponseError::Data { .. } => AttemptOutcome::SucceededUnreadable,
            _ => AttemptOutcome::Indeterminate,
        }
    }
}

impl RetryPolicy {
    /// One attempt, no retry.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The most attempts per call, counting the first (at least 1).
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = attempts.max(1);
        self
    }

    /// No retry starts later than this after the call began.
    pub fn with_max_elapsed(mut self, elapsed: Duration) -> Self {
        self.max_elapsed = elapsed;
        self
    }

    /// The first backoff's upper bound and the cap of all backoffs: retry `n` (from 0)
    /// waits a uniformly random time in `[0, min(max, base * 2^n)]`.
    pub fn with_backoff(mut self, base: Duration, max: Duration) -> Self {
        self.base_backoff = base;
        self.max_backoff = max.max(base);
        self
    }

    /// How long to wait after a throttled answer (206 and the like): retry `n` waits a
    /// random time in `[w/2, w]` with `w = min(max backoff, throttle_wait * 2^n)`.
    pub fn with_throttle_wait(mut self, wait: Duration) -> Self {
        self.throttle_wait = wait;
        self
    }

    /// Retries sends after a failure that may have reached the server (a timeout, a
    /// dropped connection, a body that is not the envelope). The API has no idempotency
    /// key, so such a retry may deliver a message twice. Off by default. Idempotent calls
    /// (queries, calls that set a state) are retried after such failures either way.
    pub fn with_unsafe_retries(mut self, enabled: bool) -> Self {
        self.retry_unsafe = enabled;
        self
    }

    /// The most attempts per call.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The time after which no retry starts.
    pub fn max_elapsed(&self) -> Duration {
        self.max_elapsed
    }

    /// Whether sends are retried after failures that may have reached the server.
    pub fn unsafe_retries(&self) -> bool {
        self.retry_unsafe
    }

    /// The decision after attempt number `attempts` (from 1) ended with `outcome`.
    ///
    /// `resigned` says whether the call already re-signed after an expired signature;
    /// `idempotent` whether repeating the call is harmless ([`Action::IDEMPOTENT`](crate::Action::IDEMPOTENT));
    /// `random` is a uniformly random `u64` for the jitter. Limits on attempts and elapsed
    /// time are the driver's, not this function's.
    pub fn decide(
        &self,
        outcome: AttemptOutcome,
        attempts: u32,
        resigned: bool,
        idempotent: bool,
        random: u64,
    ) -> Decision {
        let retry_index = attempts.saturating_sub(1);
        match outcome {
            AttemptOutcome::Code(CodeClass::Throttled) => {
                let wait = self.grow(self.throttle_wait, retry_index);
                let half = wait / 2;
                Decision::RetryAfter(half + fraction(half, random))
            }
            AttemptOutcome::Code(CodeClass::Transient) | AttemptOutcome::NotSent => {
                Decision::RetryAfter(self.full_jitter(retry_index, random))
            }
            AttemptOutcome::Code(CodeClass::ReSign) if !resigned => {
                Decision::RetryAfter(Duration::ZERO)
            }
            AttemptOutcome::Indeterminate if self.retry_unsafe || idempotent => {
                Decision::RetryAfter(self.full_jitter(retry_index, random))
            }
            _ => Decision::Stop,
        }
    }

    fn grow(&self, base: Duration, retry_index: u32) -> Duration {
        let factor = 1u32.checked_shl(retry_index.min(20)).unwrap_or(u32::MAX);
        base.saturating_mul(factor).min(self.max_backoff.max(base))
    }

    fn full_jitter(&self, retry_index: u32, random: u64) -> Duration {
        fraction(self.grow(self.base_backoff, retry_index), random)
    }
}

/// `d * (random / 2^64)`: a uniformly random duration in `[0, d)`.
fn fraction(d: Duration, random: u64) -> Duration {
    let nanos = d.as_nanos().min(u128::from(u64::MAX));
    Duration::from_nanos(((nanos * u128::from(random)) >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes() {
        let p = RetryPolicy::default();
        use AttemptOutcome::*;
        use CodeClass::*;
        for stop in [
            Code(CallerError),
            Code(Configuration),
            Code(State),
            Code(Answer),
            Code(CodeClass::Unknown),
            Code(Success),
            Indeterminate,
            SucceededUnreadable,
        ] {
            assert_eq!(
                p.decide(stop, 1, false, false, 0),
                Decision::Stop,
                "{stop:?}"
            );
        }
        assert_eq!(
            p.decide(Code(ReSign), 1, false, false, 7),
            Decision::RetryAfter(Duration::ZERO)
        );
        assert_eq!(p.decide(Code(ReSign), 2, true, false, 7), Decision::Stop);
        assert!(matches!(
            p.decide(Code(Transient), 1, false, false, 0),
            Decision::RetryAfter(_)
        ));
        assert!(matches!(
            p.decide(NotSent, 1, false, false, 0),
            Decision::RetryAfter(_)
        ));
        let unsafe_p = p.clone().with_unsafe_retries(true);
        assert!(matches!(
            unsafe_p.decide(Indeterminate, 1, false, false, 0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            unsafe_p.decide(SucceededUnreadable, 1, false, false, 0),
            Decision::Stop
        );
        // An idempotent call is retried after a failure that may have reached the server,
        // without the opt-in; a success whose data cannot be read is final either way.
        assert!(matches!(
            p.decide(Indeterminate, 1, false, true, 0),
            Decision::RetryAfter(_)
        ));
        assert_eq!(
            p.decide(SucceededUnreadable, 1, false, true, 0),
            Decision::Stop
        );
    }

    #[test]
    fn backoff_bounds() {
        let p = RetryPolicy::default()
            .with_backoff(Duration::from_millis(100), Duration::from_millis(1000));
        let max =
            |attempts| match p.decide(AttemptOutcome::NotSent, attempts, false, false, u64::MAX) {
                Decision::RetryAfter(d) => d,
                Decision::Stop => panic!(),
            };
        assert!(max(1) <= Duration::from_millis(100) && max(1) > Duration::from_millis(99));
        assert!(max(2) <= Duration::from_millis(200) && max(2) > Duration::from_millis(199));
        assert!(max(5) <= Duration::from_millis(1000) && max(5) > Duration::from_millis(999));
        assert!(max(u32::MAX) <= Duration::from_millis(1000));
        assert_eq!(
            p.decide(AttemptOutcome::NotSent, 3, false, false, 0),
            Decision::RetryAfter(Duration::ZERO)
        );
        let throttled = |random| match p.decide(
            AttemptOutcome::Code(CodeClass::Throttled),
            1,
            false,
            false,
            random,
        ) {
            Decision::RetryAfter(d) => d,
            Decision::Stop => panic!(),
        };
        assert_eq!(throttled(0), Duration::from_millis(500));
        assert!(throttled(u64::MAX) <= Duration::from_millis(1000));
        assert!(throttled(u64::MAX) > Duration::from_millis(999));
    }
}
