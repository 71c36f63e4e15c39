//! The optional replay cache (spec §4.4).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use super::Callback;

/// What the replay cache says about a verified callback.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Replay {
    /// Not seen before (or not checkable: no timestamp, nonce or signature): handle it.
    New,
    /// The same signed triple with the same body: a redelivery. Answer `200` and do not
    /// handle it again.
    Redelivery,
    /// The same signed triple with another body: someone reused a captured signature.
    /// Answer `401`.
    Forgery,
}

impl Replay {
    /// The status to answer: `200`, or `401` for a forgery.
    pub fn status(self) -> http::StatusCode {
        match self {
            Replay::New | Replay::Redelivery => http::StatusCode::OK,
            Replay::Forgery => http::StatusCode::UNAUTHORIZED,
        }
    }

    /// Whether to hand the callback to the application.
    pub fn should_handle(self) -> bool {
        self == Replay::New
    }
}

type Triple = (String, String, String);

/// Remembers (timestamp text, nonce, signature) with a SHA-256 of the body, for a while
/// (spec §4.4, off unless an application uses it).
///
/// The signature covers only the secret, the timestamp and the nonce, so a captured
/// triple can be attached to a forged body: this cache catches that within its window.
/// Keep the window at least as long as the freshness tolerance (or, without a freshness
/// check, as long as you can afford: an old triple replayed after the window passes).
/// Time is an argument; entries are dropped once older than the window.
///
/// ```
/// use std::time::{Duration, Instant};
/// use zego_core::callbacks::{parse_unverified, Replay, ReplayCache};
/// let body = br#"{"event":"mix_stop","timestamp":"1","nonce":"2","signature":"3","seq":"1"}"#;
/// let forged = br#"{"event":"mix_stop","timestamp":"1","nonce":"2","signature":"3","seq":"9"}"#;
/// let mut cache = ReplayCache::new(Duration::from_secs(600));
/// let now = Instant::now();
/// assert_eq!(cache.check(&parse_unverified(body)?, body, now), Replay::New);
/// assert_eq!(cache.check(&parse_unverified(body)?, body, now), Replay::Redelivery);
/// assert_eq!(cache.check(&parse_unverified(forged)?, forged, now), Replay::Forgery);
/// # Ok::<(), zego_core::callbacks::BodyError>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReplayCache {
    window: Duration,
    seen: HashMap<Triple, [u8; 32]>,
    order: VecDeque<(Instant, Triple)>,
}

impl ReplayCache {
    /// An empty cache that remembers each triple for `window`.
    pub fn new(window: Duration) -> Self {
        ReplayCache {
            window,
            seen: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Checks a verified callback (and its raw body) at time `now`, and remembers it.
    pub fn check(&mut self, callback: &Callback, body: &[u8], now: Instant) -> Replay {
        while let Some((written, _)) = self.order.front() {
            if now.saturating_duration_since(*written) < self.window {
                break;
            }
            if let Some((_, key)) = self.order.pop_front() {
                self.seen.remove(&key);
            }
        }
        let c = &callback.common;
        let (Some(timestamp), Some(nonce), Some(signature)) =
            (&c.timestamp_text, &c.nonce, &c.signature)
        else {
            return Replay::New;
        };
        let key = (
            timestamp.clone(),
            nonce.clone(),
            signature.to_ascii_lowercase(),
        );
        let digest: [u8; 32] = Sha256::digest(body).into();
        match self.seen.get(&key) {
            Some(d) if *d == digest => Replay::Redelivery,
            Some(_) => Replay::Forgery,
            None => {
                self.seen.insert(key.clone(), digest);
                self.order.push_back((now, key));
                Replay::New
            }
        }
    }

    /// How many triples are remembered.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callbacks::parse_unverified;

    #[test]
    fn window_and_uncheckable_bodies() {
        let body = br#"{"event":"e","timestamp":"1","nonce":"2","signature":"AB"}"#;
        let lower = br#"{"event":"e","timestamp":"1","nonce":"2","signature":"ab"}"#;
        let unsigned = br#"{"event":"e","timestamp":"1","nonce":"2"}"#;
        let t0 = Instant::now();
        let mut cache = ReplayCache::new(Duration::from_secs(10));
        let cb = |b: &[u8]| parse_unverified(b).unwrap();
        assert_eq!(cache.check(&cb(body), body, t0), Replay::New);
        // The signature's case does not make a new triple; the body differs: forgery.
        assert_eq!(cache.check(&cb(lower), lower, t0), Replay::Forgery);
        assert_eq!(Replay::Forgery.status(), 401);
        assert_eq!(
            cache.check(&cb(body), body, t0 + Duration::from_secs(9)),
            Replay::Redelivery
        );
        assert_eq!(
            cache.check(&cb(lower), lower, t0 + Duration::from_secs(10)),
            Replay::New,
            "window passed"
        );
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.check(&cb(unsigned), unsigned, t0), Replay::New);
        assert_eq!(cache.check(&cb(unsigned), unsigned, t0), Replay::New);
        assert_eq!(cache.len(), 1);
    }
}
