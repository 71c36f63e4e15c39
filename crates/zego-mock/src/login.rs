//! Logging in with a login token (Token04), as a client SDK does: the token must decode
//! with the app's ServerSecret, be for that app and user, not be expired by the mock's
//! wall clock, and, when it carries a privilege payload, allow login to the room; and no
//! ban rule in effect may take login away from the user (spec §17).

use std::fmt;

use zego_core::AppId;
use zego_token::CheckError;

/// Why a token login was refused. Nothing changed in the world.
///
/// [`reason`](Self::reason) is one of `"undecodable"`, `"wrong app"`, `"wrong user"`,
/// `"expired"`, `"no login privilege for room"`, `"banned"` (or `"unknown app"` when the
/// mock has no such app); `Display` writes the reason, `": "` and what was found.
///
/// ```
/// use zego_core::AppId;
/// use zego_mock::{App, LoginError, MockServer};
/// use zego_token::{Privileges, ServerSecret, TokenBuilder};
///
/// const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// let mock = MockServer::builder().app(App::new(AppId::new(1234), SECRET)).start()?;
/// let token = TokenBuilder::new(AppId::new(1234), "alice")
///     .privileges(&Privileges::room("room-1").login(true))
///     .generate(&ServerSecret::new(SECRET)?)?;
/// mock.login_with_token("room-1", "alice", token.as_str())?;
/// assert!(mock.rooms()[0].users[0].online);
///
/// let refused = mock.login_with_token("room-2", "alice", token.as_str()).unwrap_err();
/// assert!(matches!(refused, LoginError::NoLoginPrivilege { .. }));
/// assert_eq!(refused.reason(), "no login privilege for room");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LoginError {
    /// The mock has no app of that AppId, so no secret to decode with (the control API
    /// answers 404).
    UnknownApp {
        /// The AppId asked for.
        app_id: AppId,
    },
    /// The token does not decode with the app's secret (a wrong secret, a damaged or
    /// foreign token), or its payload is not a privilege document.
    Undecodable {
        /// Which step failed, without the token or the secret.
        detail: String,
    },
    /// The token is for another app.
    WrongApp {
        /// The app logged in to.
        expected: AppId,
        /// The app in the token.
        actual: AppId,
    },
    /// The token is for another user.
    WrongUser,
    /// The token has expired: the mock's clock is at or past its `expire`.
    Expired {
        /// The token's expiry, Unix seconds.
        expire: i64,
        /// The mock's clock, Unix seconds.
        now: i64,
    },
    /// The token's privileges are for another room, or do not allow login.
    NoLoginPrivilege {
        /// Which of the two.
        detail: String,
    },
    /// A ban rule in effect takes login away from the user (by its IP address, the
    /// room, the user, or the user in the room; spec §17).
    Banned,
}

impl LoginError {
    /// The reason, in the words the control API answers with.
    pub fn reason(&self) -> &'static str {
        match self {
            LoginError::UnknownApp { .. } => "unknown app",
            LoginError::Undecodable { .. } => "undecodable",
            LoginError::WrongApp { .. } => "wrong app",
            LoginError::WrongUser => "wrong user",
            LoginError::Expired { .. } => "expired",
            LoginError::NoLoginPrivilege { .. } => "no login privilege for room",
            LoginError::Banned => "banned",
        }
    }

    /// The refusal of a decoded token's login check.
    pub(crate) fn of_check(error: CheckError) -> Self {
        match error {
            CheckError::AppIdMismatch { expected, actual } => {
                LoginError::WrongApp { expected, actual }
            }
            CheckError::UserIdMismatch => LoginError::WrongUser,
            CheckError::Expired { expire, now } => LoginError::Expired { expire, now },
            // A payload that is not a privilege document: the vendor's "token format
            // error".
            CheckError::PayloadInvalid(error) => LoginError::Undecodable {
                detail: format!("the payload is not a privilege document: {error}"),
            },
            other => LoginError::NoLoginPrivilege {
                detail: other.to_string(),
            },
        }
    }
}

impl fmt::Display for LoginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: ", self.reason())?;
        match self {
            LoginError::UnknownApp { app_id } => write!(f, "the mock has no app {app_id}"),
            LoginError::Undecodable { detail } | LoginError::NoLoginPrivilege { detail } => {
                f.write_str(detail)
            }
            LoginError::WrongApp { expected, actual } => {
                write!(f, "the token is for AppId {actual}, not {expected}")
            }
            LoginError::WrongUser => f.write_str("the token is for another user ID"),
            LoginError::Expired { expire, now } => {
                write!(f, "the token expired at {expire} (the mock's clock: {now})")
            }
            LoginError::Banned => f.write_str("a ban rule in effect takes login away"),
        }
    }
}

impl std::error::Error for LoginError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_error_has_its_reason() {
        let app = |n| AppId::new(n);
        let cases = [
            (
                CheckError::AppIdMismatch {
                    expected: app(1),
                    actual: app(2),
                },
                "wrong app",
            ),
            (CheckError::UserIdMismatch, "wrong user"),
            (CheckError::Expired { expire: 1, now: 2 }, "expired"),
            (CheckError::RoomMismatch, "no login privilege for room"),
            (CheckError::LoginNotAllowed, "no login privilege for room"),
            (
                CheckError::PayloadInvalid(zego_token::PayloadError::NotJson),
                "undecodable",
            ),
        ];
        for (error, reason) in cases {
            let refused = LoginError::of_check(error);
            assert_eq!(refused.reason(), reason);
            assert!(refused.to_string().starts_with(&format!("{reason}: ")));
        }
    }
}
