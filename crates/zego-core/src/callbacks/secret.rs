//! The callback secret.

use std::fmt;

/// The callback secret of a ZEGO project (the console's "CallbackSecret").
///
/// It is a different value from the [`ServerSecret`](crate::ServerSecret): the server
/// secret signs this application's calls to ZEGO, the callback secret signs ZEGO's
/// callbacks to this application. Neither ever stands in for the other.
///
/// Its `Debug` output is redacted, it has no `Display`, and no error of this crate
/// contains it.
///
/// ZEGO issues secrets of 32 characters; this type accepts any non-empty secret of
/// printable ASCII characters so that a test sender may use shorter ones.
///
/// ```
/// use zego_core::callbacks::CallbackSecret;
/// let secret = CallbackSecret::new("0a1b2c3d4e5f60718293a4b5c6d7e8f9")?;
/// assert_eq!(format!("{secret:?}"), "CallbackSecret([redacted])");
/// assert!(CallbackSecret::new("").is_err());
/// # Ok::<(), zego_core::callbacks::CallbackSecretError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct CallbackSecret(String);

impl CallbackSecret {
    /// Checks and wraps a secret: it must be non-empty printable ASCII without spaces.
    ///
    /// Surrounding whitespace (as left by a copy from the console or a file) is trimmed.
    pub fn new(secret: impl Into<String>) -> Result<Self, CallbackSecretError> {
        let mut secret = secret.into();
        let trimmed = secret.trim();
        if trimmed.len() != secret.len() {
            secret = trimmed.to_owned();
        }
        if secret.is_empty() {
            return Err(CallbackSecretError {
                reason: "it is empty; copy the CallbackSecret from the ZEGO console",
            });
        }
        if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(CallbackSecretError {
                reason: "it contains characters other than printable ASCII",
            });
        }
        Ok(CallbackSecret(secret))
    }

    /// The secret itself. Use it only to compute a signature.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CallbackSecret([redacted])")
    }
}

/// A callback secret that cannot be used, or a receiver configured without one. The
/// secret itself is never part of the error.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("invalid CallbackSecret: {reason}")]
pub struct CallbackSecretError {
    /// What is wrong.
    pub reason: &'static str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_is_redacted_and_checked() {
        let s = CallbackSecret::new(" abc\n").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(format!("{s:?}"), "CallbackSecret([redacted])");
        assert!(!format!("{s:#?}").contains("abc"));
        assert!(!format!("{:?}", Some(s.clone())).contains("abc"));
        let err = CallbackSecret::new("   ").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = CallbackSecret::new("ab cd").unwrap_err();
        assert!(!err.to_string().contains("ab cd"), "{err}");
        assert!(CallbackSecret::new("sécret").is_err());
    }
}
