//! Credentials: the [`AppId`] and the [`ServerSecret`].

use std::fmt;
use std::str::FromStr;

use crate::error::ConfigError;

/// A ZEGO application ID, as shown in the ZEGO console (a 32-bit unsigned integer).
///
/// ```
/// use zego_core::AppId;
/// let id: AppId = "1234567890".parse()?;
/// assert_eq!(id.get(), 1_234_567_890);
/// assert_eq!(id.to_string(), "1234567890");
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AppId(u32);

impl AppId {
    /// Wraps a numeric application ID.
    pub const fn new(id: u32) -> Self {
        AppId(id)
    }

    /// The numeric value.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl From<u32> for AppId {
    fn from(id: u32) -> Self {
        AppId(id)
    }
}

impl fmt::Display for AppId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl FromStr for AppId {
    type Err = ConfigError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let trimmed = s.trim();
        // `u32::from_str` accepts a leading `+`; an AppId is plain decimal digits.
        if trimmed.is_empty() || !trimmed.bytes().all(|b| b.is_ascii_digit()) {
            return Err(ConfigError::InvalidAppId {
                reason: "expected decimal digits",
            });
        }
        trimmed
            .parse::<u32>()
            .map(AppId)
            .map_err(|_| ConfigError::InvalidAppId {
                reason: "out of range: an AppId fits in 32 bits (at most 4294967295)",
            })
    }
}

/// The server secret of a ZEGO application (the console's "ServerSecret").
///
/// It signs requests and never leaves the process: only the signature goes on the wire.
/// Its `Debug` output is redacted, it has no `Display`, and no error of this crate
/// contains it.
///
/// ZEGO issues secrets of 32 characters; this type accepts any non-empty secret of
/// printable ASCII characters so that a test server may use shorter ones.
///
/// ```
/// use zego_core::ServerSecret;
/// let secret = ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?;
/// assert_eq!(format!("{secret:?}"), "ServerSecret([redacted])");
/// assert!(ServerSecret::new("").is_err());
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct ServerSecret(String);

impl ServerSecret {
    /// Checks and wraps a secret: it must be non-empty printable ASCII without spaces.
    ///
    /// Surrounding whitespace (as left by a copy from the console or a file) is trimmed.
    pub fn new(secret: impl Into<String>) -> Result<Self, ConfigError> {
        let mut secret = secret.into();
        let trimmed = secret.trim();
        if trimmed.len() != secret.len() {
            secret = trimmed.to_owned();
        }
        if secret.is_empty() {
            return Err(ConfigError::InvalidServerSecret {
                reason: "it is empty; copy the 32-character ServerSecret from the ZEGO console",
            });
        }
        if !secret.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(ConfigError::InvalidServerSecret {
                reason: "it contains characters other than printable ASCII",
            });
        }
        Ok(ServerSecret(secret))
    }

    /// The secret itself. Use it only to compute a signature.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ServerSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ServerSecret([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_id_parses_decimal_only() {
        assert_eq!("12345".parse::<AppId>().unwrap(), AppId::new(12345));
        assert_eq!(" 7 ".parse::<AppId>().unwrap(), AppId::new(7));
        assert!("".parse::<AppId>().is_err());
        assert!("+5".parse::<AppId>().is_err());
        assert!("-5".parse::<AppId>().is_err());
        assert!("12a".parse::<AppId>().is_err());
        assert!("4294967296".parse::<AppId>().is_err());
        assert_eq!(
            "4294967295".parse::<AppId>().unwrap().get(),
            u32::MAX,
            "the largest AppId fits"
        );
    }

    #[test]
    fn secret_is_redacted_and_checked() {
        let s = ServerSecret::new(" abc\n").unwrap();
        assert_eq!(s.expose(), "abc");
        assert_eq!(format!("{s:?}"), "ServerSecret([redacted])");
        assert!(!format!("{s:#?}").contains("abc"));
        let err = ServerSecret::new("   ").unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = ServerSecret::new("ab cd").unwrap_err();
        assert!(!err.to_string().contains("ab cd"), "{err}");
    }
}
