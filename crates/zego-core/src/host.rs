//! [`Host`]: the wall clock and the random bytes, which the core never reads itself.

use std::time::{Duration, SystemTime};

/// What the core needs from the world outside it, and never reads on its own: the wall
/// clock (for the signature's `Timestamp`) and random bytes (for the `SignatureNonce` and
/// the backoff jitter).
///
/// Transports implement it with the system clock and random bytes keyed from the OS
/// random source (`SystemHost`, with the feature `system-host`); tests use [`FixedHost`].
pub trait Host {
    /// The current wall-clock time.
    fn system_time(&mut self) -> SystemTime;

    /// Fills `buf` with random bytes.
    fn fill_random(&mut self, buf: &mut [u8]);

    /// A random `u64`, from [`Host::fill_random`].
    fn random_u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        self.fill_random(&mut b);
        u64::from_le_bytes(b)
    }
}

impl<H: Host + ?Sized> Host for &mut H {
    fn system_time(&mut self) -> SystemTime {
        (**self).system_time()
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        (**self).fill_random(buf)
    }
}

/// A deterministic [`Host`] for tests: a wall clock that stands still unless advanced,
/// and a seeded pseudo-random sequence (splitmix64; not for anything secret).
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use zego_core::{FixedHost, Host};
/// let mut host = FixedHost::new(UNIX_EPOCH + Duration::from_secs(1_615_186_943), 7);
/// let a = host.random_u64();
/// assert_ne!(a, host.random_u64());
/// assert_eq!(FixedHost::new(UNIX_EPOCH, 7).random_u64(), a, "same seed, same sequence");
/// ```
#[derive(Clone, Debug)]
pub struct FixedHost {
    time: SystemTime,
    state: u64,
}

impl FixedHost {
    /// A host whose clock reads `time` and whose random sequence starts from `seed`.
    pub fn new(time: SystemTime, seed: u64) -> Self {
        FixedHost { time, state: seed }
    }

    /// Moves the clock.
    pub fn advance(&mut self, by: Duration) {
        self.time += by;
    }

    /// Sets the clock.
    pub fn set_time(&mut self, time: SystemTime) {
        self.time = time;
    }

    fn next(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
}

impl Host for FixedHost {
    fn system_time(&mut self) -> SystemTime {
        self.time
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = self.next().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// The real [`Host`]: `SystemTime::now()`, and random bytes from a hash keyed once per
/// process from the operating system's random source.
#[cfg(feature = "system-host")]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemHost;

#[cfg(feature = "system-host")]
impl Host for SystemHost {
    fn system_time(&mut self) -> SystemTime {
        SystemTime::now()
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let bytes = keyed_random().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }
}

/// Eight random bytes without a system call: the standard library's randomly keyed
/// SipHash (keyed once per process from the operating system's random source) of a
/// process-wide counter. Values are distinct per counter value unless SipHash collides,
/// and cannot be predicted without the key; a nonce needs no more (a system call per
/// nonce cost more than the rest of preparing a request).
#[cfg(feature = "system-host")]
fn keyed_random() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};
    static KEY: OnceLock<RandomState> = OnceLock::new();
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    KEY.get_or_init(RandomState::new)
        .hash_one(COUNTER.fetch_add(1, Ordering::Relaxed))
}

#[cfg(all(test, feature = "system-host"))]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn system_nonces_are_distinct_across_threads() {
        let threads: Vec<_> = (0..4)
            .map(|_| {
                std::thread::spawn(|| {
                    let mut host = SystemHost;
                    (0..50_000).map(|_| host.random_u64()).collect::<Vec<_>>()
                })
            })
            .collect();
        let mut seen = HashSet::new();
        for thread in threads {
            for value in thread.join().unwrap() {
                assert!(seen.insert(value), "a repeated value: {value:#x}");
            }
        }
        assert_eq!(seen.len(), 200_000);
        // Not a counter: the bits of consecutive values differ in about half their
        // places.
        let mut host = SystemHost;
        let flipped: u32 = (0..1000)
            .map(|_| (host.random_u64() ^ host.random_u64()).count_ones())
            .sum();
        assert!((28_000..36_000).contains(&flipped), "{flipped}");
    }
}
