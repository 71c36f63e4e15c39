//! [`Host`]: the wall clock and the random bytes, which the core never reads itself.

use std::time::{Duration, SystemTime};

/// What the core needs from the world outside it, and never reads on its own: the wall
/// clock (for the signature's `Timestamp`) and random bytes (for the `SignatureNonce` and
/// the backoff jitter).
///
/// Transports implement it with the system clock and the OS random source
/// (`SystemHost`, with the feature `system-host`); tests use [`FixedHost`].
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

/// The real [`Host`]: `SystemTime::now()` and the operating system's random source.
#[cfg(feature = "system-host")]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemHost;

#[cfg(feature = "system-host")]
impl Host for SystemHost {
    fn system_time(&mut self) -> SystemTime {
        SystemTime::now()
    }

    fn fill_random(&mut self, buf: &mut [u8]) {
        if getrandom::fill(buf).is_err() {
            // The OS random source is unavailable (never on supported platforms). Fall
            // back to bytes mixed from the clock and a counter rather than failing the
            // call: a nonce needs to be unique, not secret.
            use std::sync::atomic::{AtomicU64, Ordering};
            static COUNTER: AtomicU64 = AtomicU64::new(0);
            let nanos = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(0);
            let mut fallback = FixedHost::new(
                SystemTime::UNIX_EPOCH,
                nanos ^ COUNTER.fetch_add(1, Ordering::Relaxed).rotate_left(32),
            );
            fallback.fill_random(buf);
        }
    }
}
