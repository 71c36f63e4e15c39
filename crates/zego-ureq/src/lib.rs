//! A blocking client of the ZEGO real-time server API, on ureq and rustls.
//!
//! ```
//! use zego_ureq::actions::{DescribeUserNum, SendCustomCommand};
//! use zego_ureq::{AppId, Client, Endpoint, ServerSecret};
//! use zego_mock::{App, MockServer};
//!
//! // A local ZEGO server for this example; against the real service, leave out
//! // `.endpoint(..)` (or pick a `.region(..)`).
//! let mock = MockServer::builder()
//!     .app(App::new(AppId::new(1234567890), "0123456789abcdef0123456789abcdef"))
//!     .user("room-1", "alice")
//!     .start()?;
//!
//! let secret = ServerSecret::new("0123456789abcdef0123456789abcdef")?;
//! let client = Client::builder(AppId::new(1234567890), secret)
//!     .endpoint(Endpoint::loopback_http(&mock.base_url())?)
//!     .build()?;
//!
//! let message = SendCustomCommand::to_users("room-1", "server", ["alice", "bob"], "hello");
//! let reply = client.call(message)?;
//! assert_eq!(reply.failed_users().len(), 1, "bob is not in the room");
//! assert_eq!(mock.inbox("alice")[0].content, "hello");
//!
//! // Every call of the API the same way.
//! let counts = client.call(DescribeUserNum::new(["room-1"]))?;
//! assert_eq!(counts.counts().unwrap()[0].user_count, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Every call of the API is a type in [`actions`], made with [`Client::call`]; a call
//! whose list is longer than one request takes (more than 10 users for a custom command)
//! goes through [`Client::fan_out`]. The [`Client`] is cheap to clone (clones share one
//! connection pool and one set of rate budgets) and can be used from many threads at once. It runs no async runtime: from
//! async code, call it inside `tokio::task::spawn_blocking`. Everything that decides —
//! validation, signing, pacing, retries, fan-out — is in [`zego_core`], re-exported here,
//! so an application depends on this crate alone; this crate reads the clock and the OS
//! random source, sleeps, and moves bytes.
//!
//! Defaults:
//! - TLS by rustls with the ring provider and the webpki root certificates (the feature
//!   `native-roots` uses the platform's verifier instead), and any root certificate added
//!   with [`ClientBuilder::add_root_certificate`] (a private CA, or `zego-mock --tls`);
//!   plain `http` only for a loopback test server, through [`Endpoint::loopback_http`].
//! - HTTP/1.1 with keep-alive; redirects are never followed; no proxy; every response
//!   body is read whatever its HTTP status.
//! - Connect timeout 5 s (name resolution, TCP and TLS together), attempt timeout 10 s,
//!   response bodies read up to [`MAX_BODY_BYTES`].
//! - Retries by [`RetryPolicy::default`]: throttled and transient codes (read in the
//!   call's group), connections that could not be made, an expired signature once;
//!   queries and state-setting calls whose request may have reached the server; never a
//!   send that may have reached the server, unless [`ClientBuilder::unsafe_retries`] says
//!   so.
//! - The vendor's rate budgets of each call (100/s for `SendCustomCommand`, 10/s with
//!   `IsTest=true`; per room too where the vendor says so), shared by every clone.
//!
//! Tracing: each call runs in a `zego.call` span (with the `action`), each attempt in a
//! `zego.attempt` span (with the `attempt` number); events carry the return `code` and
//! the `request_id`. zego-rs never logs the secret, the signature or the URL.
//!
//! **ureq does, at trace level.** ureq logs through the `log` crate, and once trace is
//! enabled for it, it prints the signed URL of every request, whose `Signature`,
//! `SignatureNonce` and `Timestamp` are enough to replay the request within the vendor's
//! 10-minute window: the `ureq::run` debug line shows the whole query as soon as trace
//! is enabled for `ureq::util` (which decides whether the query is masked), and
//! `ureq_proto::util` dumps every request's bytes at trace. Its `ureq::unversioned::*`
//! targets log addresses only. So a logger that receives `log` records (`env_logger`, or
//! a `tracing` subscriber with the `log` bridge, which `tracing_subscriber::fmt().init()`
//! installs) must keep `ureq` and `ureq_proto` at `debug` or below, whatever else it
//! turns up; at `debug`, ureq prints `GET https://rtc-api.zego.im/******`. With
//! `RUST_LOG`, end the directives with them:
//!
//! ```text
//! RUST_LOG=trace,ureq=debug,ureq_proto=debug
//! ```
//!
//! and in code, with `tracing_subscriber`'s `EnvFilter`, add them last (an added directive
//! replaces one for the same target that `RUST_LOG` gave):
//!
//! ```text
//! let filter = EnvFilter::try_from_default_env()
//!     .unwrap_or_else(|_| EnvFilter::new("info,zego_core=debug"))
//!     .add_directive("ureq=debug".parse()?)
//!     .add_directive("ureq_proto=debug".parse()?);
//! tracing_subscriber::fmt().with_env_filter(filter).init();
//! ```
//!
//! A directive for a narrower target (`ureq::util=trace`) still turns the URLs back on.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod client;
mod connect;
mod resolve;

pub use client::{Client, ClientBuilder, Pages};
/// The `http` crate, whose types are the seam between the core and the transport.
pub use http;
pub use zego_core::{
    Action, AllPages, ApiError, AppId, Batched, Budget, BudgetError, CodeClass, Config,
    ConfigError, Endpoint, Error, FailedChunk, FanOutReply, Gcra, Group, MAX_BODY_BYTES, NoData,
    OnUnavailable, Paged, Problem, Progress, Rate, RateLimiter, Region, Reply, ReplyData,
    ResponseError, RetryPolicy, ReturnCode, Sequence, ServerSecret, SharedBudget, Slot,
    SlotRequest, TransportFailure, Unlimited, ValidationError, actions, callbacks,
};
