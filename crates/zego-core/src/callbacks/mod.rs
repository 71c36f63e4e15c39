//! ZEGO's server callbacks: verify them, read them, and keep up with events that arrive
//! out of order and more than once.
//!
//! ZEGO tells an application server what happens in its rooms with signed `POST`s: a
//! room created or closed, a user logged in or out, a stream created or closed, and more.
//! This module is sans-IO like the rest of the crate: it takes the body bytes and the
//! current time as arguments, and any HTTP server can carry it.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use zego_core::callbacks::{CallbackSecret, Event, Receiver};
//!
//! let receiver = Receiver::new(CallbackSecret::new("secret")?);
//! let body = br#"{
//!     "event": "room_logout", "appid": "1", "timestamp": "1499676978", "nonce": "350176",
//!     "signature": "264b7f500b4935a082fef1da1760769245880d7c",
//!     "room_id": "rid_1242649", "room_seq": "6085791336856668982",
//!     "user_account": "888120154", "user_nickname": "888120154",
//!     "session_id": "792462300429684736", "login_time": "1663740623660",
//!     "logout_time": "1663740627986", "reason": "0", "user_role": "1",
//!     "user_update_seq": "13"
//! }"#;
//! let now = UNIX_EPOCH + Duration::from_secs(1_499_676_980);
//! match receiver.receive(body, now) {
//!     Ok(callback) => {
//!         // Answer 200 now (within 2 s); do slow work afterwards.
//!         if let Event::RoomLogout(logout) = &callback.event {
//!             assert_eq!(logout.session_id, 792462300429684736);
//!         }
//!     }
//!     // 400 for a body that cannot be read, 401 for a bad signature.
//!     Err(error) => panic!("answer {}: {error}", error.status()),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! The pieces, for receivers that want them separately:
//!
//! - [`sign`] and [`verify_signature`]: the signature (SHA-1 over the secret, timestamp
//!   and nonce sorted byte-wise), checked in constant time against one or several
//!   [`CallbackSecret`]s; [`check_freshness`] for an optional window.
//! - [`read_body`]: JSON, percent-encoded JSON or a form, into [`Fields`] that keep every
//!   number's exact text (no float on the way: 64-bit IDs stay exact).
//! - [`Common`]: the five common fields in every spelling the vendor uses.
//! - [`Event`]: typed models of the six room and stream events ([`RoomCreate`],
//!   [`RoomClose`], [`RoomLogin`], [`RoomLogout`], [`StreamCreate`], [`StreamClose`]);
//!   every other event is kept raw.
//! - [`Callback::dedup_key`], [`Lifecycles`] and [`ReplayCache`]: duplicates, ordering
//!   and replays.
//! - [`TypedEvent::to_json_body`]: the body ZEGO would send, for test senders.
//!
//! What the receiver owes ZEGO (spec §5): answer `2xx` within [`ANSWER_WITHIN`]; any
//! other answer, or none, makes ZEGO retry after each delay of [`RETRY_DELAYS`], then
//! drop the callback. Hand the event to a queue and answer; if that fails, answer `500`
//! so ZEGO retries. Since a callback can come more than once, make handling idempotent.

use std::time::{Duration, SystemTime};

mod body;
mod common;
mod dedup;
mod events;
mod fields;
mod model;
mod order;
mod replay;
mod secret;
mod signature;

#[cfg(test)]
mod tests;

pub use body::{Body, BodyError, BodyFormat, detect_format, percent_decode, read_body};
pub use common::Common;
pub use dedup::DedupKey;
pub use events::{
    AuthLevel, Codec, Event, LogoutReason, RoomClose, RoomCloseReason, RoomCreate, RoomLogin,
    RoomLogout, StreamClose, StreamCloseType, StreamCreate, TypedEvent, UserRole,
};
pub use fields::{FieldValue, Fields, JsonNumber};
pub use model::ModelError;
pub use order::{Lifecycles, Outcome, RoomLifetime, SeqGap, Verdict};
pub use replay::{Replay, ReplayCache};
pub use secret::{CallbackSecret, CallbackSecretError};
pub use signature::{FreshnessError, SignatureError, check_freshness, sign, verify_signature};

/// How long the receiver may take to answer (spec §5.3): 2 s. The vendor names no
/// timeout; this project's reading is that anything slower risks a retry.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(2);

/// The vendor's retry delays (spec §5.2): each retry follows the previous attempt by
/// 2, 4, 8, 16 and 32 s. After the fifth retry fails, the callback is lost.
pub const RETRY_DELAYS: [Duration; 5] = [
    Duration::from_secs(2),
    Duration::from_secs(4),
    Duration::from_secs(8),
    Duration::from_secs(16),
    Duration::from_secs(32),
];

/// The most deliveries of one callback: the original and five retries (spec §5.2).
pub const MAX_DELIVERIES: u32 = 6;

/// The default freshness tolerance when the check is enabled (spec §4.4): 600 s, well
/// above the vendor's retry span of about 62 s.
pub const DEFAULT_FRESHNESS_TOLERANCE: Duration = Duration::from_secs(600);

/// How long [`Lifecycles`] keeps tombstones by default (spec §6.3): 10 minutes. Also a
/// safe lifetime for remembered [`DedupKey`]s.
pub const TOMBSTONE_TTL: Duration = Duration::from_secs(600);

/// The largest body read: 1 MiB (the spec asks for at least 64 KiB; the six core events
/// are under 4 KiB).
pub const MAX_CALLBACK_BODY_BYTES: usize = 1 << 20;

/// At most 64 characters of a text, for error messages.
pub(crate) fn truncate(text: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = text.chars().take(MAX).collect();
    if out.len() < text.len() {
        out.push('…');
    }
    out
}

/// How a callback's signature was checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verification {
    /// Not checked: the callback came from [`parse_unverified`].
    NotChecked,
    /// Verified with the secret at this index of the receiver's list.
    Secret(usize),
    /// Skipped on purpose ([`Receiver::insecure_skip_signature_check`]).
    Skipped,
}

/// One callback, read: its format, common fields, full body and typed event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// How the body was written.
    pub format: BodyFormat,
    /// The event name, app ID, timestamp, nonce and signature.
    pub common: Common,
    /// Every field of the body, as received (the raw event).
    pub fields: Fields,
    /// The typed event, or [`Event::Other`] / [`Event::Invalid`] for a raw one.
    pub event: Event,
    /// How the signature was checked.
    pub verification: Verification,
}

/// Reads a body **without checking its signature**: for tests, tools and senders. A
/// receiver uses [`Receiver`], or calls [`Callback::verify_signature`] itself.
///
/// Fails only when the body cannot be read at all or has no event name (answer `400`);
/// a body that does not fit its event's typed model gives [`Event::Invalid`].
pub fn parse_unverified(body: &[u8]) -> Result<Callback, BodyError> {
    let Body { format, fields } = read_body(body)?;
    let common = Common::from_fields(&fields)?;
    let event = Event::from_fields(&common.event, &fields);
    Ok(Callback {
        format,
        common,
        fields,
        event,
        verification: Verification::NotChecked,
    })
}

impl Callback {
    /// The event name.
    pub fn name(&self) -> &str {
        &self.common.event
    }

    /// Checks the signature against one or several secrets (see [`verify_signature`]) and
    /// returns the index of the one that matches.
    pub fn verify_signature(&self, secrets: &[CallbackSecret]) -> Result<usize, SignatureError> {
        let c = &self.common;
        let missing = |field| SignatureError::Missing { field };
        let timestamp = c.timestamp_text.as_deref().ok_or(missing("timestamp"))?;
        let nonce = c.nonce.as_deref().ok_or(missing("nonce"))?;
        let signature = c.signature.as_deref().ok_or(missing("signature"))?;
        verify_signature(secrets, timestamp, nonce, signature)
    }

    /// Checks the timestamp against `now` (see [`check_freshness`]).
    pub fn check_freshness(
        &self,
        now: SystemTime,
        tolerance: Duration,
    ) -> Result<(), FreshnessError> {
        let timestamp = self
            .common
            .timestamp_text
            .as_deref()
            .ok_or(FreshnessError::Missing)?;
        check_freshness(timestamp, now, tolerance)
    }

    /// The de-duplication key of this event (spec §6.7).
    pub fn dedup_key(&self) -> DedupKey {
        dedup::dedup_key(self)
    }
}

/// Verifies and reads callbacks in one call: the receiver side of spec §5.
///
/// Signature verification is on; turning it off takes
/// [`insecure_skip_signature_check`](Self::insecure_skip_signature_check). The freshness
/// check is off unless [`with_freshness`](Self::with_freshness) turns it on.
///
/// Its `Debug` output does not show the secrets.
#[derive(Clone, Debug)]
pub struct Receiver {
    secrets: Vec<CallbackSecret>,
    freshness: Option<Duration>,
    skip_signature: bool,
}

impl Receiver {
    /// A receiver with one callback secret.
    pub fn new(secret: CallbackSecret) -> Self {
        Receiver {
            secrets: vec![secret],
            freshness: None,
            skip_signature: false,
        }
    }

    /// A receiver that accepts a signature made with any of these secrets (to rotate a
    /// secret without downtime). At least one is needed.
    pub fn with_secrets(
        secrets: impl IntoIterator<Item = CallbackSecret>,
    ) -> Result<Self, CallbackSecretError> {
        let secrets: Vec<CallbackSecret> = secrets.into_iter().collect();
        if secrets.is_empty() {
            return Err(CallbackSecretError {
                reason: "a receiver needs at least one callback secret",
            });
        }
        Ok(Receiver {
            secrets,
            freshness: None,
            skip_signature: false,
        })
    }

    /// Rejects callbacks whose timestamp is more than `tolerance` away from `now` (spec
    /// §4.4); [`DEFAULT_FRESHNESS_TOLERANCE`] is a good value. Retries may carry the
    /// original timestamp, so keep it well above a minute.
    pub fn with_freshness(mut self, tolerance: Duration) -> Self {
        self.freshness = Some(tolerance);
        self
    }

    /// Accepts callbacks **without checking their signature**. For local tests only:
    /// anyone who can reach the URL can then send any event.
    pub fn insecure_skip_signature_check(mut self) -> Self {
        self.skip_signature = true;
        self
    }

    /// Reads, verifies and checks one body at time `now`: the body's format is detected,
    /// it is parsed, its signature verified, then its freshness checked if enabled.
    ///
    /// `Ok`: answer [`ok_response`] (`200`), also for raw events and events that do not
    /// fit their typed model. `Err`: answer [`ReceiveError::status`] (`400` for a body
    /// that cannot be read, `401` for a signature or freshness failure).
    pub fn receive(&self, body: &[u8], now: SystemTime) -> Result<Callback, ReceiveError> {
        let mut callback = parse_unverified(body).map_err(|error| ReceiveError::Body {
            error,
            content_type: None,
        })?;
        callback.verification = if self.skip_signature {
            Verification::Skipped
        } else {
            Verification::Secret(
                callback
                    .verify_signature(&self.secrets)
                    .map_err(ReceiveError::Signature)?,
            )
        };
        if let Some(tolerance) = self.freshness {
            callback
                .check_freshness(now, tolerance)
                .map_err(ReceiveError::Freshness)?;
        }
        Ok(callback)
    }

    /// As [`receive`](Self::receive), from an HTTP request's method, headers and body: a
    /// method other than `POST` is refused (`405`). The `Content-Type` header only goes
    /// into the error message when the body cannot be read; the body decides the format.
    pub fn receive_http(
        &self,
        method: &http::Method,
        headers: &http::HeaderMap,
        body: &[u8],
        now: SystemTime,
    ) -> Result<Callback, ReceiveError> {
        if method != http::Method::POST {
            return Err(ReceiveError::MethodNotAllowed {
                method: truncate(method.as_str()),
            });
        }
        self.receive(body, now).map_err(|e| match e {
            ReceiveError::Body { error, .. } => ReceiveError::Body {
                error,
                content_type: headers
                    .get(http::header::CONTENT_TYPE)
                    .map(|v| truncate(&String::from_utf8_lossy(v.as_bytes()))),
            },
            other => other,
        })
    }
}

/// Why a callback is refused, and what to answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// Not a `POST` (`405`).
    #[error("method {method} not allowed: callbacks are POSTed")]
    MethodNotAllowed {
        /// The request's method.
        method: String,
    },
    /// The body cannot be read, or has no event name (`400`).
    #[error("unreadable callback body{}: {error}", content_type_note(content_type.as_deref()))]
    Body {
        /// What is wrong.
        error: BodyError,
        /// The request's `Content-Type`, for the log (it does not decide the format).
        content_type: Option<String>,
    },
    /// The signature is missing or wrong (`401`).
    #[error("callback refused: {0}")]
    Signature(SignatureError),
    /// The freshness check failed (`401`).
    #[error("callback refused: {0}")]
    Freshness(FreshnessError),
}

fn content_type_note(content_type: Option<&str>) -> String {
    content_type.map_or_else(String::new, |c| format!(" (content-type {c:?})"))
}

impl ReceiveError {
    /// The status to answer (spec §5.4): `405`, `400` or `401`. Any of them makes ZEGO
    /// retry, then drop the callback.
    pub fn status(&self) -> http::StatusCode {
        match self {
            ReceiveError::MethodNotAllowed { .. } => http::StatusCode::METHOD_NOT_ALLOWED,
            ReceiveError::Body { .. } => http::StatusCode::BAD_REQUEST,
            ReceiveError::Signature(_) | ReceiveError::Freshness(_) => {
                http::StatusCode::UNAUTHORIZED
            }
        }
    }

    /// The response to send: [`status`](Self::status) with a short plain-text body
    /// (ZEGO ignores it; the details belong in the receiver's log), and `Allow: POST`
    /// for `405`.
    pub fn response(&self) -> http::Response<Vec<u8>> {
        let status = self.status();
        let text = status.canonical_reason().unwrap_or("error").to_owned() + "\n";
        let mut builder = http::Response::builder()
            .status(status)
            .header(http::header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .header(http::header::CONTENT_LENGTH, text.len());
        if status == http::StatusCode::METHOD_NOT_ALLOWED {
            builder = builder.header(http::header::ALLOW, "POST");
        }
        builder.body(text.into_bytes()).unwrap_or_default()
    }
}

/// The answer to a callback that was accepted: `200` with an empty body (spec §5.1).
pub fn ok_response() -> http::Response<Vec<u8>> {
    status_only(http::StatusCode::OK)
}

/// The answer when the application could not take the event (its queue is full or
/// failed): `500`, so that ZEGO retries (spec §5.3).
pub fn sink_failed_response() -> http::Response<Vec<u8>> {
    status_only(http::StatusCode::INTERNAL_SERVER_ERROR)
}

fn status_only(status: http::StatusCode) -> http::Response<Vec<u8>> {
    http::Response::builder()
        .status(status)
        .header(http::header::CONTENT_LENGTH, 0)
        .body(Vec::new())
        .unwrap_or_default()
}

/// The examples of `docs/callbacks.md`, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../../docs/callbacks.md")]
pub struct CallbacksGuide;
