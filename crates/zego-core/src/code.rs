//! Return codes and their classes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A return code from the ZEGO server API (`Code` in every response; `0` is success).
///
/// An open set, as the vendor adds codes: any `i64` is a valid `ReturnCode`, and every
/// code documented for the gateway, the general table and the room-signalling group has a
/// named constant, a [`CodeClass`] and a one-line meaning. The same number can mean other
/// things in other API groups; the classes here are for those groups.
///
/// ```
/// use zego_core::{CodeClass, ReturnCode};
/// let code = ReturnCode::new(206);
/// assert_eq!(code, ReturnCode::APP_QPS_LIMIT);
/// assert_eq!(code.class(), CodeClass::Throttled);
/// assert_eq!(ReturnCode::new(4242).class(), CodeClass::Unknown);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReturnCode(pub i64);

/// What a client does with a return code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeClass {
    /// `0`: the call succeeded.
    Success,
    /// Over a rate limit: wait, then retry.
    Throttled,
    /// A passing server-side failure: retry with backoff.
    Transient,
    /// The signature expired: sign again with a fresh timestamp and nonce, retry once.
    ReSign,
    /// The request itself is wrong: fix it; retrying cannot help.
    CallerError,
    /// The credentials, host or environment are wrong: fix the configuration.
    Configuration,
    /// The room or user is not in the state the call needs (gone, closed, offline).
    RoomState,
    /// Reported per user inside a successful reply (for example 50003, not online).
    PerUser,
    /// A code this crate does not know: not retried.
    Unknown,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $name:ident = $value:expr, $class:ident, $meaning:expr; )*) => {
        impl ReturnCode {
            $(
                $(#[$doc])*
                #[doc = concat!("\n\n`", stringify!($value), "`: ", $meaning, ".")]
                pub const $name: ReturnCode = ReturnCode($value);
            )*

            /// The class of this code: what a client does with it.
            pub const fn class(self) -> CodeClass {
                match self.0 {
                    $( $value => CodeClass::$class, )*
                    _ => CodeClass::Unknown,
                }
            }

            /// A one-line English meaning, for documented codes.
            pub const fn meaning(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some($meaning), )*
                    _ => None,
                }
            }

            /// The name of the constant for documented codes (for example `"APP_QPS_LIMIT"`).
            pub const fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $value => Some(stringify!($name)), )*
                    _ => None,
                }
            }

            /// Every documented code, in the order of the vendor's tables.
            pub const ALL: &'static [ReturnCode] = &[$(ReturnCode::$name),*];
        }
    };
}

codes! {
    /// Success.
    SUCCESS = 0, Success, "success";
    /// Rate limit exceeded (general table).
    RATE_LIMIT = 7, Throttled, "rate limit exceeded";
    /// Application-level QPS limit exceeded.
    APP_QPS_LIMIT = 206, Throttled, "application-level QPS limit exceeded";
    /// Room-level QPS limit exceeded.
    ROOM_QPS_LIMIT = 207, Throttled, "room-level QPS limit exceeded";
    /// Server busy.
    SERVER_BUSY = 1, Transient, "server busy, retry later";
    /// Gateway internal error.
    GATEWAY_INTERNAL_ERROR = 100000015, Transient, "gateway internal error, retry later";
    /// Sending the custom message failed.
    CUSTOM_MESSAGE_SEND_FAILED = 50013, Transient, "sending the custom message failed, retry";
    /// Internal error (room service).
    INTERNAL_ERROR_122 = 122, Transient, "internal error, retry later";
    /// Internal error (room service).
    INTERNAL_ERROR_123 = 123, Transient, "internal error, retry later";
    /// Internal error (room service).
    INTERNAL_ERROR_124 = 124, Transient, "internal error, retry later";
    /// Internal error (room service).
    INTERNAL_ERROR_151 = 151, Transient, "internal error, retry later";
    /// Internal error (room service).
    INTERNAL_ERROR_154 = 154, Transient, "internal error, retry later";
    /// Internal error (signalling service).
    INTERNAL_ERROR_5201 = 5201, Transient, "internal error, retry later";
    /// Internal error (signalling service).
    INTERNAL_ERROR_5202 = 5202, Transient, "internal error, retry later";
    /// The signature expired (the timestamp is more than 10 minutes from the server's clock).
    SIGNATURE_EXPIRED = 100000004, ReSign, "signature expired: check the clock, then sign again";
    /// Parameter error.
    PARAMETER_ERROR = 2, CallerError, "parameter error";
    /// Parameter too long, or authentication failed.
    PARAMETER_TOO_LONG = 3, CallerError, "parameter too long or authentication failed";
    /// Decoding the request failed.
    DECODE_FAILED = 8, CallerError, "decoding the request failed";
    /// No permission.
    NO_PERMISSION = 9, CallerError, "no permission";
    /// `MessageContent` is empty.
    MESSAGE_CONTENT_EMPTY = 1008, CallerError, "MessageContent is empty";
    /// Too many target users.
    TOO_MANY_USERS = 50011, CallerError, "the user list is too long (at most 10)";
    /// The message is too long.
    MESSAGE_TOO_LONG = 50012, CallerError, "the message is too long (at most 1024 bytes)";
    /// The `Host` is wrong.
    BAD_HOST = 100000000, Configuration, "the Host is wrong";
    /// The `AppId` is malformed.
    BAD_APP_ID = 100000001, Configuration, "the AppId is malformed";
    /// The `Timestamp` is missing.
    TIMESTAMP_MISSING = 100000002, Configuration, "the Timestamp is missing";
    /// The `Timestamp` is malformed.
    BAD_TIMESTAMP = 100000003, Configuration, "the Timestamp is malformed";
    /// The signature is wrong.
    SIGNATURE_MISMATCH = 100000005, Configuration, "the signature is wrong: check the ServerSecret";
    /// `Action` is missing.
    ACTION_MISSING = 100000006, Configuration, "Action is missing";
    /// `Action` is unknown.
    UNKNOWN_ACTION = 100000007, Configuration, "Action is unknown";
    /// `SignatureNonce` is missing.
    NONCE_MISSING = 100000008, Configuration, "SignatureNonce is missing";
    /// `Signature` is missing.
    SIGNATURE_MISSING = 100000009, Configuration, "Signature is missing";
    /// No ServerSecret was found for the AppId.
    SECRET_NOT_FOUND = 100000010, Configuration, "no ServerSecret for this AppId: check the AppId";
    /// The application's configuration was not found.
    APP_CONFIG_NOT_FOUND = 100000011, Configuration, "the application's configuration was not found";
    /// `SignatureVersion` is missing.
    SIGNATURE_VERSION_MISSING = 100000013, Configuration, "SignatureVersion is missing";
    /// `SignatureVersion` is not `2.0`.
    BAD_SIGNATURE_VERSION = 100000014, Configuration, "SignatureVersion is not 2.0";
    /// The environment is wrong (`IsTest`), or the app has no production environment.
    WRONG_ENVIRONMENT = 100000016, Configuration, "wrong environment: check IsTest";
    /// The service is not enabled for this application.
    SERVICE_NOT_ENABLED = 100000017, Configuration, "the service is not enabled for this application";
    /// The room does not exist (room service).
    ROOM_NOT_FOUND_104 = 104, RoomState, "the room does not exist";
    /// The room does not exist (signalling service).
    ROOM_NOT_FOUND_5024 = 5024, RoomState, "the room does not exist";
    /// The room does not exist: a room with no users is destroyed.
    ROOM_NOT_FOUND = 50001, RoomState, "the room does not exist (a room with no users is destroyed)";
    /// The user does not exist (room service).
    USER_NOT_FOUND_105 = 105, RoomState, "the user does not exist";
    /// The user does not exist.
    USER_NOT_FOUND = 50002, RoomState, "the user does not exist";
    /// The room is already closed.
    ROOM_CLOSED = 5018, RoomState, "the room is already closed";
    /// The user is not online (reported per user in `FailUsers`).
    USER_NOT_ONLINE = 50003, PerUser, "the user is not online";
}

impl ReturnCode {
    /// Wraps any numeric code.
    pub const fn new(code: i64) -> Self {
        ReturnCode(code)
    }

    /// The numeric value.
    pub const fn get(self) -> i64 {
        self.0
    }

    /// `true` for `0`.
    pub const fn is_success(self) -> bool {
        self.0 == 0
    }
}

impl From<i64> for ReturnCode {
    fn from(code: i64) -> Self {
        ReturnCode(code)
    }
}

impl fmt::Debug for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "ReturnCode({} {name})", self.0),
            None => write!(f, "ReturnCode({})", self.0),
        }
    }
}

/// `206 (application-level QPS limit exceeded)`, or the bare number for unknown codes.
impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.meaning() {
            Some(meaning) => write!(f, "{} ({meaning})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_the_spec_table() {
        use CodeClass::*;
        let table: &[(&[i64], CodeClass)] = &[
            (&[0], Success),
            (&[7, 206, 207], Throttled),
            (
                &[1, 100000015, 50013, 122, 123, 124, 151, 154, 5201, 5202],
                Transient,
            ),
            (&[100000004], ReSign),
            (&[2, 3, 8, 9, 1008, 50011, 50012], CallerError),
            (
                &[
                    100000000, 100000001, 100000002, 100000003, 100000005, 100000006, 100000007,
                    100000008, 100000009, 100000010, 100000011, 100000013, 100000014, 100000016,
                    100000017,
                ],
                Configuration,
            ),
            (&[104, 5024, 50001, 105, 50002, 5018], RoomState),
            (&[50003], PerUser),
        ];
        let mut n = 0;
        for (codes, class) in table {
            for &c in *codes {
                assert_eq!(ReturnCode(c).class(), *class, "code {c}");
                assert!(ReturnCode(c).meaning().is_some(), "code {c}");
                n += 1;
            }
        }
        assert_eq!(n, ReturnCode::ALL.len(), "every named code is in the table");
        assert_eq!(ReturnCode(-1).class(), Unknown);
        assert_eq!(ReturnCode(100000012).class(), Unknown);
    }

    #[test]
    fn display_and_debug() {
        assert_eq!(
            ReturnCode::TOO_MANY_USERS.to_string(),
            "50011 (the user list is too long (at most 10))"
        );
        assert_eq!(ReturnCode(31337).to_string(), "31337");
        assert_eq!(
            format!("{:?}", ReturnCode::APP_QPS_LIMIT),
            "ReturnCode(206 APP_QPS_LIMIT)"
        );
        let all: std::collections::HashSet<_> = ReturnCode::ALL.iter().collect();
        assert_eq!(all.len(), ReturnCode::ALL.len(), "no code is named twice");
    }
}
