//! Return codes, the groups that give them their meaning, and their classes.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The group of calls a return code is read in.
///
/// The vendor warns that the same number means different things in different groups (3 is
/// "parameter too long" for room signalling and "authentication failed" for the media
/// service), so a code is only classified together with the group of the call that
/// answered it. Every [`Action`](crate::Action) names its group. The gateway codes (the
/// 100000000 range) mean the same in every group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Group {
    /// Room signalling: messages, users, rooms, the room's stream list, ban rules.
    RoomSignalling,
    /// The media service: forbidding and resuming streams, stream state.
    MediaService,
}

impl Group {
    /// The name used in documentation and messages: `room signalling`, `media service`.
    pub const fn name(self) -> &'static str {
        match self {
            Group::RoomSignalling => "room signalling",
            Group::MediaService => "media service",
        }
    }
}

impl fmt::Display for Group {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A return code from the ZEGO server API (`Code` in every response; `0` is success).
///
/// An open set, as the vendor adds codes: any `i64` is a valid `ReturnCode`, and every
/// code the vendor documents for the gateway, the room-signalling group and the
/// media-service group has a named constant. What a code means, and what a client does
/// with it, depends on the [`Group`] of the call: see [`ReturnCode::class`] and
/// [`ReturnCode::meaning`].
///
/// ```
/// use zego_core::{CodeClass, Group, ReturnCode};
/// let code = ReturnCode::new(206);
/// assert_eq!(code, ReturnCode::APP_QPS_LIMIT);
/// assert_eq!(code.class(Group::RoomSignalling), CodeClass::Throttled);
/// // The same number, two meanings:
/// assert_eq!(ReturnCode::new(3).class(Group::RoomSignalling), CodeClass::CallerError);
/// assert_eq!(ReturnCode::new(3).class(Group::MediaService), CodeClass::Configuration);
/// assert_eq!(ReturnCode::new(4242).class(Group::MediaService), CodeClass::Unknown);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ReturnCode(i64);

/// What a client does with a return code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum CodeClass {
    /// `0`: the call did what was asked.
    Success,
    /// Over a rate limit: wait, then retry.
    Throttled,
    /// A passing server-side failure: retry with backoff, a bounded number of times.
    Transient,
    /// The signature or timestamp is stale: sign again with a fresh timestamp and nonce,
    /// retry once.
    ReSign,
    /// The request itself is wrong: fix it; retrying cannot help.
    CallerError,
    /// The app, secret, host, environment or feature set-up is wrong: fix the
    /// configuration.
    Configuration,
    /// The request is valid but the world is not as the caller assumed (the room is gone,
    /// the user is not online, the stream is unknown).
    State,
    /// A non-zero code that carries a legitimate result (41004 and 41006 of
    /// DescribeRTCStreamState): returned as data, not as an error.
    Answer,
    /// A code this crate does not know in this group: not retried.
    Unknown,
}

/// One documented code: its class and a one-line meaning.
type Entry = (CodeClass, &'static str, &'static str);

macro_rules! code_tables {
    ($(
        $(#[$table_doc:meta])*
        fn $table:ident {
            $( $(#[$doc:meta])* $name:ident = $value:expr, $class:ident, $meaning:expr; )*
        }
    )*) => {
        impl ReturnCode {
            $($(
                $(#[$doc])*
                #[doc = concat!("\n\n`", stringify!($value), "`: ", $meaning, ".")]
                pub const $name: ReturnCode = ReturnCode($value);
            )*)*

            /// Every named code, table by table (a number may appear in two tables).
            pub const ALL: &'static [ReturnCode] = &[$($(ReturnCode::$name),*),*];
        }

        $(
            $(#[$table_doc])*
            const fn $table(code: i64) -> Option<Entry> {
                match code {
                    $( $value => Some((CodeClass::$class, $meaning, stringify!($name))), )*
                    _ => None,
                }
            }
        )*
    };
}

code_tables! {
    /// Codes with one meaning in both groups.
    fn common {
        /// Success.
        SUCCESS = 0, Success, "success";
        /// The request failed; it may succeed if retried.
        REQUEST_FAILED = 1, Transient, "the request failed, retry later";
        /// A parameter is wrong.
        PARAMETER_ERROR = 2, CallerError, "parameter error";
    }

    /// The gateway's codes, the same for every call.
    fn gateway {
        /// The `Host` header is wrong.
        BAD_HOST = 100000000, Configuration, "the Host is wrong";
        /// The `AppId` is malformed.
        BAD_APP_ID = 100000001, Configuration, "the AppId is malformed";
        /// The `Timestamp` is missing.
        TIMESTAMP_MISSING = 100000002, Configuration, "the Timestamp is missing";
        /// The `Timestamp` is malformed.
        BAD_TIMESTAMP = 100000003, Configuration, "the Timestamp is malformed";
        /// The signature expired (the timestamp is more than 10 minutes from the server's clock).
        SIGNATURE_EXPIRED = 100000004, ReSign, "signature expired: check the clock, then sign again";
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
        /// The request body could not be read (older table only; read as transient).
        BODY_UNREADABLE = 100000012, Transient, "the request body could not be read, retry";
        /// `SignatureVersion` is missing.
        SIGNATURE_VERSION_MISSING = 100000013, Configuration, "SignatureVersion is missing";
        /// `SignatureVersion` is not `2.0`.
        BAD_SIGNATURE_VERSION = 100000014, Configuration, "SignatureVersion is not 2.0";
        /// The gateway failed internally.
        GATEWAY_INTERNAL_ERROR = 100000015, Transient, "gateway internal error, retry later";
        /// The environment is wrong (`IsTest`), or the app has no production environment.
        WRONG_ENVIRONMENT = 100000016, Configuration, "wrong environment: check IsTest";
        /// The service is not enabled for this application.
        SERVICE_NOT_ENABLED = 100000017, Configuration, "the service is not enabled for this application";
    }

    /// The room-signalling group.
    fn room {
        /// A parameter is too long.
        PARAMETER_TOO_LONG = 3, CallerError, "a parameter is too long";
        /// Decoding the request failed.
        DECODE_FAILED = 8, CallerError, "decoding the request failed";
        /// The app may not use this API: the vendor must enable it.
        NO_PERMISSION = 9, Configuration, "this API is not enabled for the app";
        /// The room does not exist (room service).
        ROOM_NOT_FOUND_104 = 104, State, "the room does not exist";
        /// The user does not exist (room service).
        USER_NOT_FOUND_105 = 105, State, "the user does not exist";
        /// Saving the broadcast message failed.
        BROADCAST_SAVE_FAILED = 121, Transient, "saving the broadcast message failed, retry";
        /// Generating the message ID failed.
        MESSAGE_ID_FAILED = 122, Transient, "generating the message ID failed, retry";
        /// Setting the stream information failed.
        STREAM_SET_FAILED = 123, Transient, "setting the stream information failed, retry";
        /// Deleting the stream information failed.
        STREAM_DELETE_FAILED = 124, Transient, "deleting the stream information failed, retry";
        /// The stream information does not exist.
        STREAM_NOT_FOUND = 138, State, "the stream does not exist";
        /// Pushing the broadcast message failed.
        BROADCAST_PUSH_FAILED = 151, Transient, "pushing the broadcast message failed, retry";
        /// Getting the list failed.
        LIST_FAILED = 154, Transient, "getting the list failed, retry";
        /// Application-level QPS limit exceeded.
        APP_QPS_LIMIT = 206, Throttled, "application-level QPS limit exceeded";
        /// Room-level QPS limit exceeded.
        ROOM_QPS_LIMIT = 207, Throttled, "room-level QPS limit exceeded";
        /// `MessageContent` is empty.
        MESSAGE_CONTENT_EMPTY = 1008, CallerError, "MessageContent is empty";
        /// Several users operate on the same stream.
        STREAM_CONFLICT = 1012, State, "several users are operating on the same stream";
        /// The room is already destroyed, or does not exist.
        ROOM_CLOSED = 5018, State, "the room is already closed or does not exist";
        /// The room does not exist (signalling service).
        ROOM_NOT_FOUND_5024 = 5024, State, "the room does not exist";
        /// Encoding the broadcast message failed.
        BROADCAST_ENCODE_FAILED = 5201, Transient, "encoding the broadcast message failed, retry";
        /// Generating the message ID failed (signalling service).
        MESSAGE_ID_FAILED_5202 = 5202, Transient, "generating the message ID failed, retry";
        /// The room does not exist: a room with no users is destroyed.
        ROOM_NOT_FOUND = 50001, State, "the room does not exist (a room with no users is destroyed)";
        /// The user does not exist.
        USER_NOT_FOUND = 50002, State, "the user does not exist";
        /// The user is not online (reported per user in `FailUsers`).
        USER_NOT_ONLINE = 50003, State, "the user is not online";
        /// The user list is too long.
        TOO_MANY_USERS = 50011, CallerError, "the user list is too long";
        /// The message is too long.
        MESSAGE_TOO_LONG = 50012, CallerError, "the message is too long (at most 1024 bytes)";
        /// Sending the custom message failed.
        CUSTOM_MESSAGE_SEND_FAILED = 50013, Transient, "sending the custom message failed, retry";
        /// Too many ban rules are in effect.
        TOO_MANY_BAN_RULES = 50123, State, "too many ban rules are in effect";
        /// The ban rule to delete does not exist.
        BAN_RULE_NOT_FOUND = 50124, State, "the ban rule does not exist";
    }

    /// The media-service group.
    fn media {
        /// Authentication failed.
        MEDIA_AUTH_FAILED = 3, Configuration, "authentication failed: check the authentication parameters";
        /// Dispatch failed.
        DISPATCH_FAILED = 1001, Transient, "dispatch failed, retry";
        /// No publishing node.
        NO_PUBLISH_NODE = 1002, Transient, "no publishing node, retry";
        /// No playing node.
        NO_PLAY_NODE = 1003, Transient, "no playing node, retry";
        /// The app is not online.
        APP_NOT_ONLINE = 1005, Configuration, "the app is not online";
        /// Invalid parameter.
        INVALID_PARAMETER = 1006, CallerError, "invalid parameter";
        /// Called too often.
        CALLED_TOO_OFTEN = 1010, Throttled, "called too often";
        /// Invalid app.
        INVALID_APP = 3000, Configuration, "invalid app";
        /// Internal error.
        MEDIA_INTERNAL_ERROR = 3001, Transient, "internal error, retry";
        /// The `Timestamp` is wrong.
        TIMESTAMP_WRONG = 3002, ReSign, "the Timestamp is wrong: sign again";
        /// The app has no token configured.
        NO_TOKEN_CONFIGURED = 3003, Configuration, "the app has no token configured";
        /// Internal error.
        MEDIA_INTERNAL_ERROR_5000 = 5000, Transient, "internal error, retry";
        /// Internal error.
        MEDIA_INTERNAL_ERROR_5001 = 5001, Transient, "internal error, retry";
        /// Internal error.
        MEDIA_INTERNAL_ERROR_5002 = 5002, Transient, "internal error, retry";
        /// Authentication failed: check the Signature.
        MEDIA_SIGNATURE_FAILED = 5003, Configuration, "authentication failed: check the Signature";
        /// Invalid CDN address.
        INVALID_CDN_ADDRESS = 5004, CallerError, "invalid CDN address";
        /// Invalid request.
        INVALID_REQUEST = 5005, CallerError, "invalid request";
        /// Internal error.
        MEDIA_INTERNAL_ERROR_5006 = 5006, Transient, "internal error, retry";
        /// Called too often.
        CALLED_TOO_OFTEN_5007 = 5007, Throttled, "called too often";
        /// Invalid CDN address.
        INVALID_CDN_ADDRESS_30001 = 30001, CallerError, "invalid CDN address";
        /// Called too often: lower the request rate.
        MEDIA_QPS_LIMIT = 30002, Throttled, "called too often: lower the request rate";
        /// Internal error.
        MEDIA_INTERNAL_ERROR_30003 = 30003, Transient, "internal error, retry";
        /// The `IsTest` parameter is wrong.
        BAD_IS_TEST = 30004, Configuration, "the IsTest parameter is wrong";
        /// Invalid AppId.
        INVALID_APP_ID = 30005, Configuration, "invalid AppId";
        /// Invalid `StreamId[]` list.
        INVALID_STREAM_ID_LIST = 30006, CallerError, "invalid StreamId list";
        /// The stream ID does not follow the naming rules.
        INVALID_STREAM_ID = 30009, CallerError, "invalid StreamId: it does not follow the naming rules";
        /// Invalid dispatch action.
        INVALID_DISPATCH_ACTION = 30010, CallerError, "invalid dispatch action";
        /// Invalid client IP.
        INVALID_CLIENT_IP = 30011, CallerError, "invalid client IP";
        /// Authentication failed: check the Signature.
        MEDIA_SIGNATURE_FAILED_40005 = 40005, Configuration, "authentication failed: check the Signature";
        /// Saving the live stream failed.
        STREAM_SAVE_FAILED = 41001, Transient, "saving the live stream failed, retry";
        /// Saving the channel failed.
        CHANNEL_SAVE_FAILED = 41002, Transient, "saving the channel failed, retry";
        /// The live stream does not exist.
        LIVE_STREAM_NOT_FOUND = 41003, State, "the live stream does not exist";
        /// No such stream ID (an answer of DescribeRTCStreamState).
        STREAM_ID_NOT_FOUND = 41004, Answer, "the stream ID does not exist";
        /// The stream exists but is closed (an answer of DescribeRTCStreamState).
        STREAM_CLOSED = 41006, Answer, "the stream exists but is closed";
        /// Forbidding the live stream failed.
        FORBID_FAILED = 42001, Transient, "forbidding the stream failed, retry";
        /// Resuming the live stream failed.
        RESUME_FAILED = 42002, Transient, "resuming the stream failed, retry";
        /// Forbidding streams in a batch failed.
        BATCH_FORBID_FAILED = 42003, Transient, "forbidding the streams failed, retry";
        /// Resuming streams in a batch failed.
        BATCH_RESUME_FAILED = 42004, Transient, "resuming the streams failed, retry";
        /// Creating the recording index file failed.
        RECORD_INDEX_FAILED = 43001, Transient, "creating the recording index file failed, retry";
    }

    /// Codes of an older public table that neither group defines.
    fn legacy {
        /// Unknown CDN type (older public table).
        UNKNOWN_CDN_TYPE = 4, CallerError, "unknown CDN type";
        /// Rate limit exceeded (older public table).
        RATE_LIMIT = 7, Throttled, "rate limit exceeded";
    }
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

    /// The documented entry of this code in `group`: the common codes, the gateway's, the
    /// group's own, then the older public table's.
    const fn entry(self, group: Group) -> Option<Entry> {
        if let Some(entry) = common(self.0) {
            return Some(entry);
        }
        if let Some(entry) = gateway(self.0) {
            return Some(entry);
        }
        let own = match group {
            Group::RoomSignalling => room(self.0),
            Group::MediaService => media(self.0),
        };
        if own.is_some() {
            return own;
        }
        legacy(self.0)
    }

    /// What a client does with this code when a call of `group` answers it.
    pub const fn class(self, group: Group) -> CodeClass {
        match self.entry(group) {
            Some((class, _, _)) => class,
            None => CodeClass::Unknown,
        }
    }

    /// A one-line English meaning in `group`, for documented codes.
    pub const fn meaning(self, group: Group) -> Option<&'static str> {
        match self.entry(group) {
            Some((_, meaning, _)) => Some(meaning),
            None => None,
        }
    }

    /// The name of the constant for this code in `group` (for example `"APP_QPS_LIMIT"`).
    pub const fn name(self, group: Group) -> Option<&'static str> {
        match self.entry(group) {
            Some((_, _, name)) => Some(name),
            None => None,
        }
    }

    /// This code as read in `group`: displays as `206 (application-level QPS limit
    /// exceeded)`.
    pub const fn in_group(self, group: Group) -> InGroup {
        InGroup { code: self, group }
    }

    /// The meaning when it is the same in both groups.
    fn unambiguous_meaning(self) -> Option<&'static str> {
        let room = self.meaning(Group::RoomSignalling)?;
        let media = self.meaning(Group::MediaService)?;
        (room == media).then_some(room)
    }
}

impl From<i64> for ReturnCode {
    fn from(code: i64) -> Self {
        ReturnCode(code)
    }
}

impl fmt::Debug for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReturnCode({})", self.0)
    }
}

/// The number, with its meaning when that is the same in every group:
/// `100000005 (the signature is wrong: check the ServerSecret)`, but `3` (parameter too
/// long, or authentication failed, depending on the group). Use
/// [`ReturnCode::in_group`] to display a code with its meaning in a group.
impl fmt::Display for ReturnCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.unambiguous_meaning() {
            Some(meaning) => write!(f, "{} ({meaning})", self.0),
            None => write!(f, "{}", self.0),
        }
    }
}

/// A [`ReturnCode`] with the [`Group`] it is read in; see [`ReturnCode::in_group`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct InGroup {
    code: ReturnCode,
    group: Group,
}

impl fmt::Display for InGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code.meaning(self.group) {
            Some(meaning) => write!(f, "{} ({meaning})", self.code.0),
            None => write!(f, "{}", self.code.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use CodeClass::*;
    use Group::*;

    const GATEWAY_CONFIGURATION: &[i64] = &[
        100000000, 100000001, 100000002, 100000003, 100000005, 100000006, 100000007, 100000008,
        100000009, 100000010, 100000011, 100000013, 100000014, 100000016, 100000017,
    ];

    /// The room-signalling table of spec §0.3, with the gateway's and the older table's.
    #[test]
    fn room_signalling_classes_follow_the_spec() {
        let table: &[(&[i64], CodeClass)] = &[
            (&[0], Success),
            (&[7, 206, 207], Throttled),
            (
                &[
                    1, 121, 122, 123, 124, 151, 154, 5201, 5202, 50013, 100000012, 100000015,
                ],
                Transient,
            ),
            (&[100000004], ReSign),
            (&[2, 3, 4, 8, 1008, 50011, 50012], CallerError),
            (&[9], Configuration),
            (GATEWAY_CONFIGURATION, Configuration),
            (
                &[
                    104, 105, 138, 1012, 5018, 5024, 50001, 50002, 50003, 50123, 50124,
                ],
                State,
            ),
        ];
        for (codes, class) in table {
            for &c in *codes {
                assert_eq!(ReturnCode(c).class(RoomSignalling), *class, "code {c}");
                assert!(ReturnCode(c).meaning(RoomSignalling).is_some(), "code {c}");
            }
        }
        for c in [41004, 41006, 30002, 1010, 4242, -1] {
            assert_eq!(ReturnCode(c).class(RoomSignalling), Unknown, "code {c}");
        }
    }

    /// The media-service table of spec §0.3.
    #[test]
    fn media_service_classes_follow_the_spec() {
        let table: &[(&[i64], CodeClass)] = &[
            (&[0], Success),
            (&[7, 1010, 5007, 30002], Throttled),
            (
                &[
                    1, 1001, 1002, 1003, 3001, 5000, 5001, 5002, 5006, 30003, 41001, 41002, 42001,
                    42002, 42003, 42004, 43001, 100000012, 100000015,
                ],
                Transient,
            ),
            (&[3002, 100000004], ReSign),
            (
                &[2, 4, 1006, 5004, 5005, 30001, 30006, 30009, 30010, 30011],
                CallerError,
            ),
            (
                &[3, 1005, 3000, 3003, 5003, 40005, 30004, 30005],
                Configuration,
            ),
            (GATEWAY_CONFIGURATION, Configuration),
            (&[41003], State),
            (&[41004, 41006], Answer),
        ];
        for (codes, class) in table {
            for &c in *codes {
                assert_eq!(ReturnCode(c).class(MediaService), *class, "code {c}");
                assert!(ReturnCode(c).meaning(MediaService).is_some(), "code {c}");
            }
        }
        for c in [206, 207, 50001, 50013, 138, 4242] {
            assert_eq!(ReturnCode(c).class(MediaService), Unknown, "code {c}");
        }
    }

    #[test]
    fn every_named_code_is_documented_in_some_group() {
        for code in ReturnCode::ALL {
            assert!(
                code.meaning(RoomSignalling).is_some() || code.meaning(MediaService).is_some(),
                "{code:?}"
            );
        }
        let names: std::collections::HashSet<_> = ReturnCode::ALL
            .iter()
            .flat_map(|c| [c.name(RoomSignalling), c.name(MediaService)])
            .flatten()
            .collect();
        assert!(names.contains("USER_NOT_ONLINE") && names.contains("MEDIA_QPS_LIMIT"));
    }

    #[test]
    fn display_names_the_meaning_only_where_it_is_unambiguous() {
        assert_eq!(
            ReturnCode::SIGNATURE_MISMATCH.to_string(),
            "100000005 (the signature is wrong: check the ServerSecret)"
        );
        assert_eq!(ReturnCode::new(3).to_string(), "3");
        assert_eq!(
            ReturnCode::new(3).in_group(MediaService).to_string(),
            "3 (authentication failed: check the authentication parameters)"
        );
        assert_eq!(
            ReturnCode::TOO_MANY_USERS
                .in_group(RoomSignalling)
                .to_string(),
            "50011 (the user list is too long)"
        );
        assert_eq!(ReturnCode(31337).to_string(), "31337");
        assert_eq!(
            format!("{:?}", ReturnCode::APP_QPS_LIMIT),
            "ReturnCode(206)"
        );
        assert_eq!(
            ReturnCode::APP_QPS_LIMIT.name(RoomSignalling),
            Some("APP_QPS_LIMIT")
        );
        assert_eq!(
            ReturnCode::new(3).name(MediaService),
            Some("MEDIA_AUTH_FAILED")
        );
    }
}
