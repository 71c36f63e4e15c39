//! Request signing (the vendor's "signature version 2.0").
//!
//! `Signature = lowercase_hex(md5(AppId + SignatureNonce + ServerSecret + Timestamp))`, a
//! plain concatenation of the decimal AppId, the 16-character nonce, the secret and the
//! decimal Unix timestamp in seconds.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use md5::{Digest, Md5};

use crate::credentials::{AppId, ServerSecret};

/// A signature nonce: 8 random bytes, sent as 16 lowercase hex characters.
///
/// The core never draws randomness itself: the bytes come from the caller (a transport
/// reads the OS random source; a test passes fixed bytes).
///
/// ```
/// use zego_core::Nonce;
/// let nonce = Nonce::from_bytes([0x4f, 0xd2, 0x46, 0x87, 0x29, 0x6d, 0xd9, 0xf3]);
/// assert_eq!(nonce.as_str(), "4fd24687296dd9f3");
/// assert_eq!("4fd24687296dd9f3".parse::<Nonce>()?, nonce);
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Nonce([u8; 16]);

impl Nonce {
    /// Hex-encodes 8 bytes.
    pub fn from_bytes(bytes: [u8; 8]) -> Self {
        let mut out = [0u8; 16];
        // Cannot fail: the output is exactly twice the input.
        let _ = hex::encode_to_slice(bytes, &mut out);
        Nonce(out)
    }

    /// The 16 lowercase hex characters.
    pub fn as_str(&self) -> &str {
        // Always ASCII hex digits.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl std::str::FromStr for Nonce {
    type Err = crate::ConfigError;

    /// Parses 16 hex characters (upper case is folded to lower case).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut bytes = [0u8; 8];
        if s.len() != 16 || hex::decode_to_slice(s, &mut bytes).is_err() {
            return Err(crate::ConfigError::InvalidNonce);
        }
        Ok(Nonce::from_bytes(bytes))
    }
}

impl fmt::Debug for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Nonce({})", self.as_str())
    }
}

impl fmt::Display for Nonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A signature: 32 lowercase hex characters.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Signature([u8; 32]);

impl Signature {
    /// The 32 lowercase hex characters.
    pub fn as_str(&self) -> &str {
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", self.as_str())
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Seconds since the Unix epoch of a wall-clock time, as the `Timestamp` parameter wants.
///
/// A time before the epoch gives 0 (the server will answer "signature expired").
pub fn unix_seconds(time: SystemTime) -> i64 {
    time.duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Computes the signature of one request.
///
/// The vendor's known-answer vector:
///
/// ```
/// use zego_core::{sign, AppId, Nonce, ServerSecret};
/// let secret = ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?;
/// let nonce: Nonce = "4fd24687296dd9f3".parse()?;
/// let signature = sign(AppId::new(12345), &nonce, &secret, 1615186943);
/// assert_eq!(signature.as_str(), "43e5cfcca828314675f91b001390566a");
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
pub fn sign(app_id: AppId, nonce: &Nonce, secret: &ServerSecret, timestamp: i64) -> Signature {
    let mut md5 = Md5::new();
    let mut digits = [0u8; 20];
    md5.update(fmt_u64(&mut digits, u64::from(app_id.get())));
    md5.update(nonce.0);
    md5.update(secret.expose().as_bytes());
    if timestamp < 0 {
        md5.update(b"-");
    }
    md5.update(fmt_u64(&mut digits, timestamp.unsigned_abs()));
    let digest = md5.finalize();
    let mut out = [0u8; 32];
    let _ = hex::encode_to_slice(digest.as_slice(), &mut out);
    Signature(out)
}

/// Writes the decimal digits of `n` at the end of `buf` and returns them.
fn fmt_u64(buf: &mut [u8; 20], mut n: u64) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_known_answer() {
        let secret = ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38").unwrap();
        let nonce: Nonce = "4fd24687296dd9f3".parse().unwrap();
        let sig = sign(AppId::new(12345), &nonce, &secret, 1_615_186_943);
        assert_eq!(sig.as_str(), "43e5cfcca828314675f91b001390566a");
    }

    #[test]
    fn signature_matches_plain_concatenation() {
        let secret = ServerSecret::new("s3cr3t").unwrap();
        let nonce = Nonce::from_bytes([0, 1, 2, 3, 0xfc, 0xfd, 0xfe, 0xff]);
        assert_eq!(nonce.as_str(), "00010203fcfdfeff");
        for (app, ts) in [
            (0u32, 0i64),
            (u32::MAX, i64::MAX),
            (42, -7),
            (7, 1_700_000_000),
        ] {
            let input = format!("{app}{nonce}s3cr3t{ts}");
            let expected = hex::encode(Md5::digest(input.as_bytes()));
            assert_eq!(
                sign(AppId::new(app), &nonce, &secret, ts).as_str(),
                expected
            );
        }
    }

    #[test]
    fn nonce_parsing() {
        assert!("4FD24687296DD9F3".parse::<Nonce>().is_ok());
        assert_eq!(
            "4FD24687296DD9F3".parse::<Nonce>().unwrap().as_str(),
            "4fd24687296dd9f3"
        );
        assert!("4fd24687296dd9f".parse::<Nonce>().is_err());
        assert!("4fd24687296dd9fz".parse::<Nonce>().is_err());
        assert!("".parse::<Nonce>().is_err());
    }

    #[test]
    fn unix_seconds_saturates_before_epoch() {
        use std::time::Duration;
        assert_eq!(unix_seconds(UNIX_EPOCH + Duration::from_millis(1_999)), 1);
        assert_eq!(unix_seconds(UNIX_EPOCH - Duration::from_secs(5)), 0);
    }
}
