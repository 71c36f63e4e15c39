//! The sans-IO core of the ZEGO real-time server API.
//!
//! It turns typed calls into signed `http::Request`s and response bytes into typed
//! results, and decides — as pure functions of its inputs — when to wait, when to retry
//! and when to stop. It never opens a socket, never reads the clock and never draws
//! randomness: the time comes in as an `Instant` argument, and the wall clock and random
//! bytes through the small [`Host`] trait, so every behaviour is deterministic under test
//! and any HTTP client can carry it. The transports `zego-hyper` (async) and `zego-ureq`
//! (blocking) drive it.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use zego_core::{prepare, parse_response, AppId, Config, Nonce, ReturnCode, ServerSecret};
//! use zego_core::actions::SendCustomCommand;
//!
//! let config = Config::new(AppId::new(12345), ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?);
//! let command = SendCustomCommand::to_users("room", "userA", ["user1", "user2"], "推送自定义信息-新接口");
//!
//! // Build the signed request (nonce and timestamp are inputs).
//! let nonce: Nonce = "4fd24687296dd9f3".parse()?;
//! let request = prepare(&config, &command, &nonce, 1615186943)?;
//! assert!(request.uri().to_string().contains(
//!     "&MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3"));
//! assert!(request.uri().to_string().contains("&Signature=43e5cfcca828314675f91b001390566a&"));
//!
//! // Any HTTP client sends it; parse what comes back.
//! let body = br#"{"Code":0,"Message":"success","RequestId":"3005402395393320157",
//!                 "Data":{"FailUsers":[{"Uid":"1111","Code":50003}]}}"#;
//! let reply = parse_response::<SendCustomCommand>(200, body)?;
//! assert!(!reply.all_delivered());
//! assert_eq!(reply.failed_users()[0].code, ReturnCode::USER_NOT_ONLINE);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every call of the API is a type implementing [`Action`] (see [`actions`]); the same
//! [`prepare`], [`parse_response`], call driver ([`Call`], with pacing and retries),
//! fan-out ([`FanOut`], for lists longer than one request takes) and pager ([`Pager`],
//! for answers that come a page at a time) serve all of them.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

/// Emits a `tracing` event with the `tracing` feature; nothing without it.
macro_rules! event {
    ($level:ident, $($rest:tt)*) => {
        #[cfg(feature = "tracing")]
        tracing::$level!($($rest)*);
    };
}

mod action;
pub mod actions;
mod batch;
mod budget;
pub mod callbacks;
mod client;
mod code;
mod config;
mod credentials;
mod driver;
mod endpoint;
mod error;
mod host;
mod page;
mod query;
mod rate;
mod response;
mod retry;
mod sequence;
mod sign;
mod transport;
pub mod validate;

pub use action::{
    Action, Budget, MAX_REQUEST_TARGET_BYTES, Rate, RequestContext, USER_AGENT, prepare,
    prepare_with_sequence,
};
pub use batch::{Batched, FailedChunk, FanOut, FanOutReply, Progress};
pub use budget::{BudgetError, OnUnavailable, SharedBudget, SlotRequest, TakeFuture};
pub use client::{
    BuildClient, BuildError, ClientBuilder, ClientOptions, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_TIMEOUT, RootCertificate, Shared,
};
pub use code::{CodeClass, Group, InGroup, ReturnCode};
pub use config::Config;
pub use credentials::{AppId, ServerSecret};
pub use driver::{Call, Step};
pub use endpoint::{Endpoint, Region, is_loopback};
pub use error::{
    ApiError, ConfigError, Error, Problem, ResponseError, TransportFailure, ValidationError,
    error_chain,
};
#[cfg(feature = "system-host")]
pub use host::SystemHost;
pub use host::{FixedHost, Host};
pub use page::{AllPages, Paged, Pager};
pub use query::{ENCODE_SET, QueryWriter};
pub use rate::{Gcra, RateLimiter, Slot, Unlimited};
pub use response::{MAX_BODY_BYTES, NoData, Reply, ReplyData, parse_response};
pub use retry::{AttemptOutcome, Decision, RetryPolicy};
pub use sequence::Sequence;
pub use sign::{Nonce, Signature, sign, unix_seconds};
pub use transport::{Exchange, Transport, block_on_ready, next_page, run, run_fan_out, run_pages};
pub use validate::{Rules, distinct};
