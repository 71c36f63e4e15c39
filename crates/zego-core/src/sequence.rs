//! [`Sequence`]: the strictly increasing values of the `Sequence` parameter.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// The source of the `Sequence` parameter of the media-service calls (spec §0.5): for
/// one stream, within any 10 s, the values the server gets must strictly increase.
///
/// Every value it gives is `max(now in Unix milliseconds, previous value + 1)`: a
/// millisecond timestamp, as the vendor recommends, that never repeats or goes back,
/// even when the wall clock stands still or steps back, and even when many threads draw
/// from it at once. Values from one source increase across all streams, so they
/// increase for each stream, and a batch call needs no special case.
///
/// A client holds one, shared by its clones ([`ClientOptions::sequence`](crate::ClientOptions::sequence));
/// the call driver draws a fresh value for every attempt, retries included, of a call
/// that carries `Sequence` ([`Action::SEQUENCE`](crate::Action::SEQUENCE)). Clients in one
/// process that act on the same streams can share one source
/// ([`ClientBuilder::sequence`](crate::ClientBuilder::sequence)); processes must
/// coordinate on their own.
///
/// The core never reads the clock: the time is an argument (the driver passes its
/// [`Host`](crate::Host)'s).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use zego_core::Sequence;
/// let source = Sequence::new();
/// let now = UNIX_EPOCH + Duration::from_millis(1_617_249_600_001);
/// assert_eq!(source.next(now), 1_617_249_600_001);
/// assert_eq!(source.next(now), 1_617_249_600_002, "the clock stood still");
/// assert_eq!(source.next(now - Duration::from_secs(5)), 1_617_249_600_003, "or went back");
/// let later = now + Duration::from_secs(1);
/// assert_eq!(source.next(later), 1_617_249_601_001);
/// ```
#[derive(Debug, Default)]
pub struct Sequence {
    last: AtomicU64,
}

impl Sequence {
    /// A source that has given no value yet.
    pub const fn new() -> Self {
        Sequence {
            last: AtomicU64::new(0),
        }
    }

    /// The next value at the wall-clock time `now`: `max(now in Unix milliseconds,
    /// previous value + 1)`. A time before 1970 counts as 0. (After `u64::MAX`, 584
    /// million years of milliseconds, the value stays there.)
    pub fn next(&self, now: SystemTime) -> u64 {
        let now_ms = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let step = |last: u64| now_ms.max(last.saturating_add(1));
        match self
            .last
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |last| Some(step(last)))
        {
            Ok(last) | Err(last) => step(last),
        }
    }

    /// The last value given, 0 before the first.
    pub fn last(&self) -> u64 {
        self.last.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn follows_the_clock_and_never_repeats() {
        let source = Sequence::new();
        assert_eq!(source.last(), 0);
        assert_eq!(source.next(UNIX_EPOCH - Duration::from_secs(1)), 1);
        let t = UNIX_EPOCH + Duration::from_millis(1_000);
        assert_eq!(source.next(t), 1_000);
        assert_eq!(source.next(t), 1_001);
        assert_eq!(source.next(t + Duration::from_micros(999)), 1_002);
        assert_eq!(source.next(t + Duration::from_millis(5)), 1_005);
        assert_eq!(source.last(), 1_005);
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 1000 + 1);
        assert_eq!(source.next(far), u64::MAX);
        assert_eq!(source.next(far), u64::MAX, "saturates, never wraps");
    }

    /// Eight threads draw from one source at a clock that stands still: every value is
    /// distinct, and each thread's values strictly increase.
    #[test]
    fn threads_share_one_strictly_increasing_source() {
        let source = Arc::new(Sequence::new());
        let now = UNIX_EPOCH + Duration::from_millis(1_700_000_000_000);
        let threads: Vec<_> = (0..8)
            .map(|_| {
                let source = Arc::clone(&source);
                std::thread::spawn(move || (0..1_000).map(|_| source.next(now)).collect::<Vec<_>>())
            })
            .collect();
        let mut all = HashSet::new();
        for thread in threads {
            let values = thread.join().unwrap();
            assert!(values.windows(2).all(|w| w[0] < w[1]));
            all.extend(values);
        }
        assert_eq!(all.len(), 8_000);
        assert_eq!(all.iter().min(), Some(&1_700_000_000_000));
        assert_eq!(all.iter().max(), Some(&1_700_000_007_999));
    }
}
