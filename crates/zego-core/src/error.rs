//! Errors, one enum per concern.
//!
//! - [`ConfigError`]: a credential, nonce, region or endpoint that cannot be used.
//! - [`ValidationError`]: a request the server would reject for its shape; found before
//!   anything is sent.
//! - [`ResponseError`]: what one response said, when it is not a success.
//! - [`TransportFailure`]: what a transport reports when an attempt got no response.
//! - [`Error`]: how a whole call ended, with the number of attempts made.

use std::fmt;

use crate::budget::BudgetError;
use crate::code::{CodeClass, Group, ReturnCode};

/// A credential, nonce, region or endpoint that cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The AppId is not a decimal number that fits in 32 bits.
    #[error("invalid AppId: {reason}")]
    InvalidAppId {
        /// What is wrong.
        reason: &'static str,
    },
    /// The ServerSecret cannot be used. The secret itself is never part of the error.
    #[error("invalid ServerSecret: {reason}")]
    InvalidServerSecret {
        /// What is wrong.
        reason: &'static str,
    },
    /// A nonce is not 16 hex characters.
    #[error("invalid SignatureNonce: expected 16 hex characters (8 bytes)")]
    InvalidNonce,
    /// A region name is not one of `unified`, `sha`, `hkg`, `fra`, `lax`, `bom`, `sgp`.
    #[error("unknown region: expected one of unified, sha, hkg, fra, lax, bom, sgp")]
    UnknownRegion,
    /// An endpoint URL cannot be used.
    #[error("invalid endpoint {url:?}: {reason}")]
    InvalidEndpoint {
        /// The URL, with any user information removed.
        url: String,
        /// What is wrong.
        reason: &'static str,
    },
}

/// A request the server would reject for its shape, found before any I/O: nothing was
/// sent. It names the call, the parameter, the limit, what it got, and the return code the
/// server would have answered.
///
/// ```
/// use zego_core::{Action, Problem, ReturnCode};
/// use zego_core::actions::SendCustomCommand;
/// let error = SendCustomCommand::to_room("room", "server", "x".repeat(1025)).validate().unwrap_err();
/// assert_eq!((error.call(), error.field()), ("SendCustomCommand", "MessageContent"));
/// assert_eq!(error.problem(), &Problem::TooLong { limit: 1024, size: 1025 });
/// assert_eq!(error.mirrors(), ReturnCode::MESSAGE_TOO_LONG);
/// assert!(error.to_string().starts_with(
///     "SendCustomCommand: MessageContent is 1025 bytes, over the limit of 1024 bytes"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{call}: {field} {problem} (the server would answer {})", .mirrors.in_group(*.group))]
pub struct ValidationError {
    call: &'static str,
    group: Group,
    field: &'static str,
    problem: Problem,
    mirrors: ReturnCode,
}

/// What is wrong with a parameter; see [`ValidationError::problem`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// A required value is empty.
    #[error("is empty; it must have at least 1 byte")]
    Empty,
    /// A required list has no element.
    #[error("has no element; it needs at least 1")]
    NoElements,
    /// One element of a list is empty.
    #[error("element {index} is empty; every element must have at least 1 byte")]
    EmptyElement {
        /// The position of the element, from 0.
        index: usize,
    },
    /// A value is longer than its limit, in UTF-8 bytes before URL encoding.
    #[error("is {size} bytes, over the limit of {limit} bytes (UTF-8, before URL encoding)")]
    TooLong {
        /// The limit in bytes.
        limit: usize,
        /// The size it has, in bytes.
        size: usize,
    },
    /// One element of a list is longer than its limit.
    #[error("element {index} is {size} bytes, over the limit of {limit} bytes")]
    ElementTooLong {
        /// The position of the element, from 0.
        index: usize,
        /// The limit in bytes.
        limit: usize,
        /// The size it has, in bytes.
        size: usize,
    },
    /// A list has more distinct elements than one request takes.
    #[error(
        "has {count} distinct elements, over the limit of {limit} per request; split it with a fan-out"
    )]
    TooMany {
        /// The most elements one request takes.
        limit: usize,
        /// How many distinct elements it has.
        count: usize,
    },
    /// A number outside its range.
    #[error("is {value}, outside the range {min} to {max}")]
    OutOfRange {
        /// The value given.
        value: i64,
        /// The smallest value allowed.
        min: i64,
        /// The largest value allowed.
        max: i64,
    },
    /// A value outside the allowed ones.
    #[error("is {value}; it must be {allowed}")]
    NotAllowed {
        /// The value given.
        value: String,
        /// What is allowed, in words.
        allowed: &'static str,
    },
    /// The whole request target (path and query, URL-encoded) is over the limit.
    #[error("makes a request target of {size} bytes, over the limit of {limit} bytes")]
    RequestTooLong {
        /// The limit in bytes ([`MAX_REQUEST_TARGET_BYTES`](crate::MAX_REQUEST_TARGET_BYTES)).
        limit: usize,
        /// The size the request target would have.
        size: usize,
    },
}

impl ValidationError {
    /// An error of `call` (its `Action` name and group) about `field`, as named on the
    /// wire, mirroring the code the server would answer.
    pub fn new(
        call: &'static str,
        group: Group,
        field: &'static str,
        problem: Problem,
        mirrors: ReturnCode,
    ) -> Self {
        ValidationError {
            call,
            group,
            field,
            problem,
            mirrors,
        }
    }

    /// The call, by its `Action` name (for example `SendCustomCommand`).
    pub fn call(&self) -> &'static str {
        self.call
    }

    /// The group of the call, in which [`ValidationError::mirrors`] is read.
    pub fn group(&self) -> Group {
        self.group
    }

    /// The parameter at fault, as named on the wire (for example `ToUserId[]`).
    pub fn field(&self) -> &'static str {
        self.field
    }

    /// What is wrong with it.
    pub fn problem(&self) -> &Problem {
        &self.problem
    }

    /// The return code the server would have answered.
    pub fn mirrors(&self) -> ReturnCode {
        self.mirrors
    }
}

/// The server answered with a non-zero `Code`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ApiError {
    /// The return code.
    pub code: ReturnCode,
    /// The group of the call, in which the code is read.
    pub group: Group,
    /// The server's `Message` (informative only: never match on it).
    pub message: String,
    /// The server's `RequestId`, for the vendor's support.
    pub request_id: String,
}

impl ApiError {
    /// An error with this code, read in `group`.
    pub fn new(
        code: ReturnCode,
        group: Group,
        message: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        ApiError {
            code,
            group,
            message: message.into(),
            request_id: request_id.into(),
        }
    }

    /// What a client does with the code, in the call's group.
    pub fn class(&self) -> CodeClass {
        self.code.class(self.group)
    }

    /// The code's meaning in the call's group, when documented.
    pub fn meaning(&self) -> Option<&'static str> {
        self.code.meaning(self.group)
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "zego api error {}", self.code.in_group(self.group))?;
        if !self.message.is_empty() {
            write!(f, ": {:?}", self.message)?;
        }
        if !self.request_id.is_empty() {
            write!(f, " (request id {})", self.request_id)?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// What one response said, when it is not a success.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponseError {
    /// The envelope's `Code` is not 0.
    #[error(transparent)]
    Api(ApiError),
    /// The body is not the JSON envelope (an HTML error page from a proxy, a truncated
    /// or malformed body). Whether the call took effect is unknown.
    #[error(
        "http {status}: the response is not a zego envelope ({reason}); body starts with {excerpt:?}"
    )]
    NotEnvelope {
        /// The HTTP status code.
        status: u16,
        /// Why it is not the envelope.
        reason: String,
        /// The start of the body, at most 200 characters, lossily decoded.
        excerpt: String,
    },
    /// The body is larger than [`MAX_BODY_BYTES`](crate::MAX_BODY_BYTES).
    #[error("http {status}: the response body is over the limit of {limit} bytes")]
    TooLarge {
        /// The HTTP status code.
        status: u16,
        /// The limit in bytes.
        limit: usize,
    },
    /// `Code` is 0 but `Data` does not have the shape of this call's data. The call took
    /// effect.
    #[error(
        "the call succeeded (request id {request_id}) but its Data could not be read: {reason}"
    )]
    Data {
        /// The server's `RequestId`.
        request_id: String,
        /// What did not match.
        reason: String,
    },
}

/// An attempt that got no response, as reported by a transport.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", if *.may_have_been_sent { " (the request may have reached the server)" } else { " (the request was not sent)" })]
pub struct TransportFailure {
    /// `false` when the request certainly did not leave (connection refused, DNS
    /// failure, TLS handshake failure); `true` when it may have reached the server
    /// (timeout, connection reset after writing).
    pub may_have_been_sent: bool,
    /// What happened, in lower case, without any URL (the URL carries the signature).
    pub message: String,
}

impl TransportFailure {
    /// The request certainly did not leave: safe to retry.
    pub fn not_sent(message: impl Into<String>) -> Self {
        TransportFailure {
            may_have_been_sent: false,
            message: message.into(),
        }
    }

    /// The request may have reached the server: a retry may deliver twice.
    pub fn maybe_sent(message: impl Into<String>) -> Self {
        TransportFailure {
            may_have_been_sent: true,
            message: message.into(),
        }
    }
}

/// An error and its chain of causes, joined by `": "`, in lower case: the message of a
/// [`TransportFailure`] built from an HTTP client's error. The caller makes sure the
/// error does not carry the request's URL (which holds the signature).
///
/// ```
/// let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "Connection Refused");
/// assert_eq!(zego_core::error_chain(&io), "connection refused");
/// ```
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text.to_lowercase()
}

/// How a call ended when it did not succeed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request was rejected before sending: nothing was sent.
    #[error("invalid request, nothing was sent: {0}")]
    Invalid(#[from] ValidationError),
    /// The last attempt got a response that is not a success.
    #[error("{source} (after {attempts} attempt{}){}", plural(*.attempts), earlier(*.effect_before))]
    Response {
        /// How many requests were sent.
        attempts: u32,
        /// What the last response said.
        source: ResponseError,
        /// An earlier attempt of the call may have taken effect: its request may have
        /// reached the server (a timeout, a dropped connection) before the call was
        /// retried.
        effect_before: bool,
    },
    /// The last attempt got no response.
    #[error("transport failure: {source} (after {attempts} attempt{}){}", plural(*.attempts), earlier(*.effect_before))]
    Transport {
        /// How many requests were tried.
        attempts: u32,
        /// What the transport reported for the last attempt.
        source: TransportFailure,
        /// An earlier attempt of the call may have taken effect (see
        /// [`Error::Response`]).
        effect_before: bool,
    },
    /// No rate slot for the next attempt: the budget is exhausted within the call's time
    /// cap, or its shared store is unavailable. That attempt was not sent.
    #[error("{source} (after {attempts} attempt{}){}", plural(*.attempts), earlier(*.effect_before))]
    Budget {
        /// How many requests were sent before.
        attempts: u32,
        /// Why there was no slot.
        source: BudgetError,
        /// An earlier attempt of the call may have taken effect (see
        /// [`Error::Response`]).
        effect_before: bool,
    },
}

fn earlier(effect_before: bool) -> &'static str {
    if effect_before {
        "; an earlier attempt may have taken effect"
    } else {
        ""
    }
}

fn plural(n: u32) -> &'static str {
    if n == 1 { "" } else { "s" }
}

impl Error {
    /// How many attempts were made (0 for a request rejected before sending).
    pub fn attempts(&self) -> u32 {
        match self {
            Error::Invalid(_) => 0,
            Error::Response { attempts, .. }
            | Error::Transport { attempts, .. }
            | Error::Budget { attempts, .. } => *attempts,
        }
    }

    /// The server's error, if the call ended with a non-zero `Code`.
    pub fn api(&self) -> Option<&ApiError> {
        match self {
            Error::Response {
                source: ResponseError::Api(api),
                ..
            } => Some(api),
            _ => None,
        }
    }

    /// The return code the call ended with: the server's, or for a request rejected
    /// before sending, the one the server would have answered.
    pub fn code(&self) -> Option<ReturnCode> {
        match self {
            Error::Invalid(v) => Some(v.mirrors()),
            _ => self.api().map(|api| api.code),
        }
    }

    /// The class of [`Error::code`], read in the group of the call.
    pub fn class(&self) -> Option<CodeClass> {
        match self {
            Error::Invalid(v) => Some(v.mirrors().class(v.group())),
            _ => self.api().map(ApiError::class),
        }
    }

    /// `true` when the call may have taken effect although it reports an error: a request
    /// of the call, the last or an earlier one, may have reached the server and no answer
    /// says what happened (a timeout, a dropped connection, a body that is not the
    /// envelope), or the call succeeded but its `Data` could not be read.
    pub fn may_have_taken_effect(&self) -> bool {
        match self {
            Error::Invalid(_) => false,
            Error::Transport {
                source,
                effect_before,
                ..
            } => *effect_before || source.may_have_been_sent,
            Error::Response {
                source,
                effect_before,
                ..
            } => *effect_before || !matches!(source, ResponseError::Api(_)),
            Error::Budget { effect_before, .. } => *effect_before,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_field_limit_size_and_code() {
        let e = ValidationError::new(
            "SendBroadcastMessage",
            Group::RoomSignalling,
            "MessageContent",
            Problem::TooLong {
                limit: 1024,
                size: 1025,
            },
            ReturnCode::MESSAGE_TOO_LONG,
        );
        assert_eq!(
            e.to_string(),
            "SendBroadcastMessage: MessageContent is 1025 bytes, over the limit of 1024 bytes \
             (UTF-8, before URL encoding) (the server would answer 50012 (the message is too long \
             (at most 1024 bytes)))"
        );
        let media = ValidationError::new(
            "ForbidRTCStreams",
            Group::MediaService,
            "StreamId[]",
            Problem::TooMany {
                limit: 20,
                count: 21,
            },
            ReturnCode::INVALID_STREAM_ID_LIST,
        );
        assert_eq!(
            media.to_string(),
            "ForbidRTCStreams: StreamId[] has 21 distinct elements, over the limit of 20 per \
             request; split it with a fan-out (the server would answer 30006 (invalid StreamId list))"
        );
        assert_eq!(
            Error::from(media).class(),
            Some(CodeClass::CallerError),
            "read in the call's group"
        );
        let e = Error::from(e);
        assert_eq!(e.attempts(), 0);
        assert_eq!(e.code(), Some(ReturnCode::MESSAGE_TOO_LONG));
        assert!(!e.may_have_taken_effect());
        assert!(
            e.to_string()
                .starts_with("invalid request, nothing was sent")
        );
    }

    #[test]
    fn final_errors() {
        let e = Error::Transport {
            attempts: 3,
            source: TransportFailure::not_sent("connection refused"),
            effect_before: false,
        };
        assert_eq!(
            e.to_string(),
            "transport failure: connection refused (the request was not sent) (after 3 attempts)"
        );
        assert!(!e.may_have_taken_effect());
        let e = Error::Response {
            attempts: 1,
            source: ResponseError::Api(ApiError::new(
                ReturnCode::SIGNATURE_MISMATCH,
                Group::RoomSignalling,
                "signature error",
                "42",
            )),
            effect_before: false,
        };
        assert_eq!(
            e.to_string(),
            "zego api error 100000005 (the signature is wrong: check the ServerSecret): \"signature error\" (request id 42) (after 1 attempt)"
        );
        assert_eq!(e.class(), Some(CodeClass::Configuration));
        let later = Error::Response {
            attempts: 3,
            source: ResponseError::Api(ApiError::new(
                ReturnCode::CUSTOM_MESSAGE_SEND_FAILED,
                Group::RoomSignalling,
                "",
                "7",
            )),
            effect_before: true,
        };
        assert!(later.may_have_taken_effect(), "an earlier attempt may have");
        assert!(
            later
                .to_string()
                .ends_with("(after 3 attempts); an earlier attempt may have taken effect"),
            "{later}"
        );
        let auth = ApiError::new(ReturnCode::new(3), Group::MediaService, "", "");
        assert_eq!(auth.class(), CodeClass::Configuration);
        assert_eq!(
            auth.to_string(),
            "zego api error 3 (authentication failed: check the authentication parameters)"
        );
    }
}
