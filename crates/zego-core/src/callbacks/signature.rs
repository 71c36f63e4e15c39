//! The callback signature (spec §4) and the optional freshness check (spec §4.4).
//!
//! `signature = lowercase_hex(sha1(a + b + c))`, where `a`, `b`, `c` are the callback
//! secret, the body's timestamp text and its nonce, sorted byte-wise. Not HMAC; the body
//! is not part of the input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha1::{Digest, Sha1};

use super::secret::CallbackSecret;
use super::truncate;

/// Computes the signature ZEGO sends with a callback: SHA-1 over the secret, the
/// timestamp and the nonce sorted byte-wise and joined without a separator, as 40
/// lower-case hexadecimal characters.
///
/// `timestamp` and `nonce` are the exact text of the body's fields: a JSON number
/// `1470820198` and a string `"1470820198"` both give the text `1470820198`. They are
/// never reformatted, so sorting is never numeric: `"999999999"` sorts after
/// `"1000000000"`.
///
/// The vendor's worked example (spec §4.2):
///
/// ```
/// use zego_core::callbacks::{sign, CallbackSecret};
/// let secret = CallbackSecret::new("secret")?;
/// assert_eq!(sign(&secret, "1470820198", "123412"), "5bd59fd62953a8059fb7eaba95720f66d19e4517");
/// # Ok::<(), zego_core::callbacks::CallbackSecretError>(())
/// ```
pub fn sign(secret: &CallbackSecret, timestamp: &str, nonce: &str) -> String {
    hex::encode(digest(secret, timestamp, nonce))
}

/// The 20 bytes of the signature.
fn digest(secret: &CallbackSecret, timestamp: &str, nonce: &str) -> [u8; 20] {
    let mut parts = [secret.expose(), timestamp, nonce];
    // `str`'s order is the byte-wise lexicographic order of its UTF-8 bytes (a prefix
    // sorts first), which is what the vendor's `sort($a, SORT_STRING)` does.
    parts.sort_unstable();
    let mut sha1 = Sha1::new();
    for part in parts {
        sha1.update(part.as_bytes());
    }
    sha1.finalize().into()
}

/// Checks a received signature against one or several callback secrets (several while a
/// secret is being rotated), and returns the index of the secret that matches.
///
/// The received value may use upper- or lower-case hex; anything but exactly 40 hex
/// characters fails. The comparison takes the same time whatever the received value
/// holds, and every secret is tried, so its timing tells nothing about the right
/// signature. Errors never contain a secret or the expected signature.
///
/// ```
/// use zego_core::callbacks::{verify_signature, CallbackSecret, SignatureError};
/// let old = CallbackSecret::new("old-secret")?;
/// let new = CallbackSecret::new("secret")?;
/// let secrets = [old, new];
/// // Spec §4.3, V2: the 6-digit nonce sorts after the 10-digit timestamp.
/// let index = verify_signature(&secrets, "1499676978", "350176",
///                              "264b7f500b4935a082fef1da1760769245880d7c")?;
/// assert_eq!(index, 1);
/// assert!(matches!(
///     verify_signature(&secrets, "1499676978", "350176", "b7debda3eaa1ff1c1103ab74d5d0f4a70b0b83db"),
///     Err(SignatureError::Mismatch { secrets: 2 })
/// ));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn verify_signature(
    secrets: &[CallbackSecret],
    timestamp: &str,
    nonce: &str,
    signature: &str,
) -> Result<usize, SignatureError> {
    if secrets.is_empty() {
        return Err(SignatureError::NoSecret);
    }
    let mut received = [0u8; 20];
    // Decoding accepts both cases, which is the spec's "lower-case it first".
    if signature.len() != 40 || hex::decode_to_slice(signature, &mut received).is_err() {
        return Err(SignatureError::Malformed {
            len: signature.chars().count(),
        });
    }
    let mut matched = None;
    for (index, secret) in secrets.iter().enumerate() {
        let expected = digest(secret, timestamp, nonce);
        if constant_time_eq(&expected, &received) && matched.is_none() {
            matched = Some(index);
        }
    }
    matched.ok_or(SignatureError::Mismatch {
        secrets: secrets.len(),
    })
}

/// Compares two digests without a data-dependent early exit.
fn constant_time_eq(a: &[u8; 20], b: &[u8; 20]) -> bool {
    let mut diff = 0u8;
    for (x, y) in a.iter().zip(b) {
        diff |= x ^ y;
    }
    std::hint::black_box(diff) == 0
}

/// Why a signature does not verify. The secret and the expected signature are never
/// part of it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The receiver has no callback secret to check against.
    #[error("no callback secret is configured")]
    NoSecret,
    /// A signature input is missing from the body, or has a type that cannot be used
    /// (the timestamp and nonce must be strings or numbers, the signature a string).
    #[error("the body has no usable `{field}` (missing, or of the wrong JSON type)")]
    Missing {
        /// The logical field: `timestamp`, `nonce` or `signature` (in any of the
        /// vendor's spellings).
        field: &'static str,
    },
    /// The received signature is not 40 hexadecimal characters.
    #[error("the signature is not 40 hexadecimal characters (its length is {len})")]
    Malformed {
        /// How many characters it has.
        len: usize,
    },
    /// The signature is well-formed but matches none of the secrets.
    #[error("the signature matches none of the {secrets} configured callback secret(s)")]
    Mismatch {
        /// How many secrets were tried.
        secrets: usize,
    },
}

/// Checks that a callback's timestamp is within `tolerance` of `now` (either side).
///
/// Off by default in [`Receiver`](super::Receiver): the vendor documents no window.
/// When used, keep the tolerance well above the vendor's retry span of about 62 s,
/// because a retry may carry the original timestamp;
/// [`DEFAULT_FRESHNESS_TOLERANCE`](super::DEFAULT_FRESHNESS_TOLERANCE) is 600 s. A
/// timestamp that is not plain decimal digits fails.
///
/// ```
/// use std::time::{Duration, UNIX_EPOCH};
/// use zego_core::callbacks::check_freshness;
/// let now = UNIX_EPOCH + Duration::from_secs(1_700_000_100);
/// assert!(check_freshness("1700000000", now, Duration::from_secs(600)).is_ok());
/// assert!(check_freshness("1700000000", now, Duration::from_secs(60)).is_err());
/// assert!(check_freshness("timestamp", now, Duration::from_secs(600)).is_err());
/// ```
pub fn check_freshness(
    timestamp: &str,
    now: SystemTime,
    tolerance: Duration,
) -> Result<(), FreshnessError> {
    let Ok(seconds) = super::fields::decimal_u64(timestamp) else {
        return Err(FreshnessError::NotAnInteger {
            text: truncate(timestamp),
        });
    };
    let now_seconds: i128 = match now.duration_since(UNIX_EPOCH) {
        Ok(d) => i128::from(d.as_secs()),
        Err(e) => -i128::from(e.duration().as_secs()),
    };
    let skew = (i128::from(seconds) - now_seconds).unsigned_abs();
    let skew = Duration::from_secs(u64::try_from(skew).unwrap_or(u64::MAX));
    if skew > tolerance {
        return Err(FreshnessError::OutOfWindow {
            timestamp: seconds,
            skew_seconds: skew.as_secs(),
            tolerance_seconds: tolerance.as_secs(),
        });
    }
    Ok(())
}

/// Why a callback failed the freshness check.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FreshnessError {
    /// The body has no timestamp.
    #[error("the body has no usable timestamp to check freshness against")]
    Missing,
    /// The timestamp is not plain decimal digits.
    #[error("the timestamp {text:?} is not a whole number of seconds")]
    NotAnInteger {
        /// The timestamp's text (at most 64 characters of it).
        text: String,
    },
    /// The timestamp is too far from the receiver's clock.
    #[error(
        "the timestamp {timestamp} is {skew_seconds} s away from this server's clock, \
         more than the {tolerance_seconds} s allowed"
    )]
    OutOfWindow {
        /// The callback's timestamp (Unix seconds).
        timestamp: u64,
        /// How far it is from the receiver's clock, in seconds.
        skew_seconds: u64,
        /// The tolerance, in whole seconds.
        tolerance_seconds: u64,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> CallbackSecret {
        CallbackSecret::new(s).unwrap()
    }

    /// Spec §4.3: (secret, timestamp, nonce, joined string, signature).
    const VECTORS: [(&str, &str, &str, &str, &str); 9] = [
        (
            "secret",
            "1470820198",
            "123412",
            "1234121470820198secret",
            "5bd59fd62953a8059fb7eaba95720f66d19e4517",
        ),
        (
            "secret",
            "999999999",
            "1000000000",
            "1000000000999999999secret",
            "af22cc53e8cc4ca18142a39b4c711c9037a83b58",
        ),
        (
            "secret",
            "1499676978",
            "350176",
            "1499676978350176secret",
            "264b7f500b4935a082fef1da1760769245880d7c",
        ),
        (
            "9193cc662a4c0ec135ec71fb57194b38",
            "1687981272",
            "7254119327986670314",
            "168798127272541193279866703149193cc662a4c0ec135ec71fb57194b38",
            "d77a188fb450beb8d56be09a4489e7106644d6b6",
        ),
        (
            "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
            "1666786067",
            "7266888922840654370",
            "0a1b2c3d4e5f60718293a4b5c6d7e8f916667860677266888922840654370",
            "0cd4a2375f486c6375c34f6d490f5d93f16233c7",
        ),
        (
            "5f3e2d1c0b9a88776655443322110000",
            "1689834748",
            "7257784982359218206",
            "16898347485f3e2d1c0b9a887766554433221100007257784982359218206",
            "f7387c912dfc52e9857017cf87532307eee461a7",
        ),
        (
            "abcdef0123456789abcdef0123456789",
            "1724743250",
            "7407715855877898783",
            "17247432507407715855877898783abcdef0123456789abcdef0123456789",
            "947807c6aa7971fd3d5cebabd3b25c25480af91a",
        ),
        (
            "Secret",
            "1700000000",
            "nonce",
            "1700000000Secretnonce",
            "59f41afcfc5fd87ef0181aeff00e731de2cbab5b",
        ),
        (
            "secret",
            "1700000000",
            "170",
            "1701700000000secret",
            "db022fee56f22c1fab2b53af8db40f948fd1a121",
        ),
    ];

    #[test]
    fn vendor_worked_example() {
        // Spec §4.2: nonce 123412, timestamp 1470820198, secret `secret`.
        assert_eq!(
            sign(&secret("secret"), "1470820198", "123412"),
            "5bd59fd62953a8059fb7eaba95720f66d19e4517"
        );
    }

    #[test]
    fn spec_vectors_sign_and_verify() {
        for (i, (s, ts, nonce, joined, expected)) in VECTORS.iter().enumerate() {
            let got = sign(&secret(s), ts, nonce);
            assert_eq!(&got, expected, "V{i}");
            // The joined string of the table hashes to the same value: the sort is right.
            assert_eq!(hex::encode(Sha1::digest(joined.as_bytes())), got, "V{i}");
            assert_eq!(verify_signature(&[secret(s)], ts, nonce, expected), Ok(0));
            let upper = expected.to_ascii_uppercase();
            assert_eq!(verify_signature(&[secret(s)], ts, nonce, &upper), Ok(0));
        }
    }

    #[test]
    fn common_mistakes_are_not_produced_and_do_not_verify() {
        // Spec §4.3, negative vectors: (secret, timestamp, nonce, wrong signature).
        let wrong = [
            (
                "secret",
                "999999999",
                "1000000000",
                "d22bf90daf85d72b57b252967cad0dba7e50b433",
            ),
            (
                "secret",
                "1499676978",
                "350176",
                "b7debda3eaa1ff1c1103ab74d5d0f4a70b0b83db",
            ),
            (
                "0a1b2c3d4e5f60718293a4b5c6d7e8f9",
                "1666786067",
                "7266888922840654370",
                "0a00721cc2b81de8adffe5609b287424d129e466",
            ),
            (
                "5f3e2d1c0b9a88776655443322110000",
                "1689834748",
                "7257784982359218206",
                "a4c98b539384f1a38f01053307bed68620ce09ae",
            ),
            (
                "Secret",
                "1700000000",
                "nonce",
                "ab23accc305760599fccb64b8f0c77a730d86134",
            ),
            (
                "secret",
                "999999999",
                "1000000000",
                "ea47e7f1386b2b0ad4678ea5f69bd8b2aa44d94c",
            ),
            (
                "secret",
                "1499676978",
                "350176",
                "730e8595f09091a25fa726f5ec8cbc5fc4381d0a",
            ),
        ];
        for (s, ts, nonce, bad) in wrong {
            assert_ne!(sign(&secret(s), ts, nonce), bad);
            assert_eq!(
                verify_signature(&[secret(s)], ts, nonce, bad),
                Err(SignatureError::Mismatch { secrets: 1 })
            );
        }
    }

    #[test]
    fn rotation_returns_the_matching_secret() {
        let secrets = [secret("old"), secret("secret"), secret("newer")];
        let sig = "264b7f500b4935a082fef1da1760769245880d7c";
        assert_eq!(
            verify_signature(&secrets, "1499676978", "350176", sig),
            Ok(1)
        );
        assert_eq!(
            verify_signature(&secrets[..1], "1499676978", "350176", sig),
            Err(SignatureError::Mismatch { secrets: 1 })
        );
        assert_eq!(
            verify_signature(&[], "1499676978", "350176", sig),
            Err(SignatureError::NoSecret)
        );
    }

    #[test]
    fn malformed_signatures_fail() {
        let s = [secret("secret")];
        for bad in [
            "",
            "signature",
            "xxx",
            "264b7f500b4935a082fef1da1760769245880d7",
            "264b7f500b4935a082fef1da1760769245880d7c0",
            "264b7f500b4935a082fef1da1760769245880d7g",
            " 264b7f500b4935a082fef1da1760769245880d7c",
            "264b7f500b4935a082fef1da1760769245880d7\u{e9}",
        ] {
            let err = verify_signature(&s, "1499676978", "350176", bad).unwrap_err();
            assert!(
                matches!(err, SignatureError::Malformed { .. }),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn errors_never_show_the_secret_or_the_expected_signature() {
        let s = [secret("my-private-secret")];
        let expected = sign(&s[0], "1", "2");
        let wrong = "0000000000000000000000000000000000000000";
        let err = verify_signature(&s, "1", "2", wrong).unwrap_err();
        let text = format!("{err} {err:?}");
        assert!(!text.contains("my-private-secret"), "{text}");
        assert!(!text.contains(&expected), "{text}");
    }

    #[test]
    fn freshness_window() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let tol = Duration::from_secs(600);
        assert!(check_freshness("1700000000", now, tol).is_ok());
        assert!(check_freshness("1699999400", now, tol).is_ok());
        assert!(check_freshness("1700000600", now, tol).is_ok());
        assert_eq!(
            check_freshness("1699999399", now, tol),
            Err(FreshnessError::OutOfWindow {
                timestamp: 1_699_999_399,
                skew_seconds: 601,
                tolerance_seconds: 600
            })
        );
        assert!(check_freshness("1700000601", now, tol).is_err());
        assert!(matches!(
            check_freshness("timestamp", now, tol),
            Err(FreshnessError::NotAnInteger { .. })
        ));
        assert!(check_freshness("-5", now, tol).is_err());
        assert!(check_freshness("18446744073709551615", now, tol).is_err());
        assert!(check_freshness("99999999999999999999999", now, tol).is_err());
        // A clock before the epoch does not panic.
        let before = UNIX_EPOCH - Duration::from_secs(10);
        assert!(check_freshness("0", before, Duration::from_secs(10)).is_ok());
        assert!(check_freshness("0", before, Duration::from_secs(9)).is_err());
    }
}
