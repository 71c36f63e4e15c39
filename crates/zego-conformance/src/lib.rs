//! The conformance suite of the zego-rs transports: the scenarios of every call, the fault
//! matrix, pacing and tracing, written once against [`TestClient`], generic over the call,
//! and run by `zego-hyper` and `zego-ureq` against `zego-mock` over real loopback HTTP,
//! and over TLS ([`tls`]) with the mock's CA added to the client's roots.
//!
//! A transport's test file implements [`TestClient`] for its client and invokes
//! [`conformance_tests!`], which makes one `#[test]` per scenario and per case of the
//! matrix, so that no transport can leave one out:
//!
//! ```ignore
//! #[derive(Clone)]
//! struct Ureq(zego_ureq::Client);
//!
//! impl zego_conformance::TestClient for Ureq {
//!     fn build(spec: &zego_conformance::Spec) -> Self {
//!         Ureq(spec.build())
//!     }
//!     fn call<A: Action + Send + 'static>(&self, action: A) -> Result<Reply<A::Data>, Error> {
//!         self.0.call(action)
//!     }
//!     fn fan_out<B: Batched + Send + 'static>(&self, call: B)
//!         -> Result<FanOutReply<B::Merged>, ValidationError> {
//!         self.0.fan_out(call)
//!     }
//!     fn all_pages<P: Paged + Send + 'static>(&self, call: P)
//!         -> Result<AllPages<P::Item>, ValidationError> {
//!         self.0.all_pages(call)
//!     }
//! }
//!
//! zego_conformance::conformance_tests!(Ureq);
//! ```
//!
//! The scenarios are grouped by topic: [`scenarios`] (the first calls: custom commands,
//! broadcasts, kicks, user counts), [`rooms`] (barrages, the user queries, `CloseRoom`),
//! [`streams`] (the stream list, the media service's forbid, resume and stream state,
//! the test environment's prefix) and [`rules`] (the ban rules); [`retries`] makes every
//! call meet a throttled and a transient answer, from one table. Adding a call adds its
//! scenarios to one of those modules, its row to [`retries::rows`], and their names to
//! [`conformance_tests!`].
#![forbid(unsafe_code)]
#![allow(missing_docs, reason = "a test suite, not a published crate")]

pub mod capture;
pub mod matrix;
pub mod retries;
pub mod rooms;
pub mod rules;
pub mod scenarios;
pub mod streams;
pub mod tls;

use std::net::TcpListener;
use std::time::Duration;

use zego_core::{
    Action, AllPages, AppId, Batched, BuildClient, ClientBuilder, Endpoint, Error, FanOutReply,
    Paged, Rate, Reply, RetryPolicy, ServerSecret, ValidationError,
};
use zego_mock::{App, LoggedRequest, MockServer, MockServerBuilder};

/// The production app of the test world.
pub const APP: u32 = 1_234_567_890;
/// Its secret.
pub const SECRET: &str = "0123456789abcdef0123456789abcdef";
/// A secret the mock does not know for [`APP`].
pub const WRONG_SECRET: &str = "fedcba9876543210fedcba9876543210";
/// An app the mock does not know.
pub const UNKNOWN_APP: u32 = 999_999;
/// The room of the fan-out tests, with [`FAN_OUT_USERS`] users online.
pub const BIG_ROOM: &str = "big-room";
/// How many users the fan-out tests reach.
pub const FAN_OUT_USERS: usize = 25;

/// How a test client is configured; [`Spec::build`] turns it into a transport's client
/// through the builder both transports share.
#[derive(Clone, Debug)]
pub struct Spec {
    pub app_id: AppId,
    pub secret: String,
    pub base_url: String,
    pub connect_timeout: Duration,
    pub timeout: Duration,
    pub unsafe_retries: bool,
    /// `IsTest=true` on every call (the test environment).
    pub is_test: bool,
    pub retry: Option<RetryPolicy>,
    pub limit: Limit,
    /// Root certificates (PEM) the client trusts besides the bundled ones.
    pub root_certificates: Vec<String>,
}

/// The rate budget of a test client.
#[derive(Clone, Copy, Debug)]
pub enum Limit {
    /// The vendor's budgets (the client's default).
    Vendor,
    /// `.rate_limit(rate)`.
    Rate(Rate),
    /// `.no_rate_limit()`.
    Off,
}

impl Spec {
    /// A transport's client, built with the builder every transport shares.
    pub fn build<C: BuildClient>(&self) -> C {
        self.builder().build().expect("client")
    }

    /// The builder [`Spec::build`] builds with.
    pub fn builder<C: BuildClient>(&self) -> ClientBuilder<C> {
        let secret = ServerSecret::new(self.secret.clone()).expect("secret");
        let endpoint = Endpoint::loopback_http(&self.base_url).expect("endpoint");
        let mut builder = ClientBuilder::<C>::new(self.app_id, secret)
            .endpoint(endpoint)
            .connect_timeout(self.connect_timeout)
            .timeout(self.timeout)
            .unsafe_retries(self.unsafe_retries)
            .is_test(self.is_test);
        if let Some(policy) = &self.retry {
            builder = builder.retry_policy(policy.clone());
        }
        for pem in &self.root_certificates {
            builder = builder.add_root_certificate(pem);
        }
        match self.limit {
            Limit::Vendor => builder,
            Limit::Rate(rate) => builder.rate_limit(rate),
            Limit::Off => builder.no_rate_limit(),
        }
    }
}

/// A transport under test, as blocking calls, generic over the call.
pub trait TestClient: Clone + Send + Sync + 'static {
    /// The transport's client itself.
    type Client: BuildClient + Clone + Send + Sync + std::fmt::Debug;

    /// The transport's client for `spec` (usually `spec.build()`).
    fn build(spec: &Spec) -> Self;

    /// One call, to its end.
    fn call<A: Action + Send + 'static>(&self, action: A) -> Result<Reply<A::Data>, Error>;

    /// A batched call, as a fan-out.
    fn fan_out<B: Batched + Send + 'static>(
        &self,
        call: B,
    ) -> Result<FanOutReply<B::Merged>, ValidationError>;

    /// Every page of a paged call, gathered.
    fn all_pages<P: Paged + Send + 'static>(
        &self,
        call: P,
    ) -> Result<AllPages<P::Item>, ValidationError>;
}

/// The mock world: [`APP`]; `alice` and `bob` online in `room-1`, `carol` known there
/// but offline; `dave` online in `room-2`; [`FAN_OUT_USERS`] users online in
/// [`BIG_ROOM`].
pub fn start_mock() -> MockServer {
    world().start().expect("the mock starts")
}

/// The mock world of [`start_mock`], served over TLS: its base URL is `https://`, and
/// [`spec`] trusts its CA.
pub fn start_mock_tls() -> MockServer {
    world().tls().start().expect("the mock starts")
}

fn world() -> MockServerBuilder {
    capture::capture();
    let mut builder = MockServer::builder()
        .app(App::new(AppId::new(APP), SECRET))
        .user("room-1", "alice")
        .user("room-1", "bob")
        .offline_user("room-1", "carol")
        .user("room-2", "dave");
    for user in fan_out_users() {
        builder = builder.user(BIG_ROOM, user);
    }
    builder
}

/// The users online in [`BIG_ROOM`].
pub fn fan_out_users() -> Vec<String> {
    (0..FAN_OUT_USERS).map(|i| format!("fan-{i:02}")).collect()
}

/// A client of [`APP`] against `base_url`, with the defaults but a shorter connect
/// timeout.
pub fn spec_for(base_url: String) -> Spec {
    Spec {
        app_id: AppId::new(APP),
        secret: SECRET.to_owned(),
        base_url,
        connect_timeout: Duration::from_secs(5),
        timeout: Duration::from_secs(10),
        unsafe_retries: false,
        is_test: false,
        retry: None,
        limit: Limit::Vendor,
        root_certificates: Vec::new(),
    }
}

/// A client of [`APP`] against `mock`, trusting its CA when it serves TLS.
pub fn spec(mock: &MockServer) -> Spec {
    Spec {
        root_certificates: mock.ca_pem().map(str::to_owned).into_iter().collect(),
        ..spec_for(mock.base_url())
    }
}

/// A loopback URL where nothing listens: a port just bound and released.
pub fn refused_url() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    drop(listener);
    format!("http://{addr}")
}

/// The value of a query parameter in a logged request.
pub fn param<'q>(request: &'q LoggedRequest, key: &str) -> &'q str {
    request
        .query
        .split('&')
        .find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))
        .unwrap_or_default()
}

/// Whether `user` is online in `room` (`None` when the room does not know the user).
pub fn online(mock: &MockServer, room: &str, user: &str) -> Option<bool> {
    mock.rooms()
        .into_iter()
        .find(|r| r.room_id == room)?
        .users
        .into_iter()
        .find(|u| u.user_id == user)
        .map(|u| u.online)
}

/// The codes the mock answered, in order (`None` where it sent no envelope).
pub fn codes(mock: &MockServer) -> Vec<Option<zego_core::ReturnCode>> {
    mock.requests().iter().map(|r| r.code).collect()
}

/// A call ended with `code`, of `class` in the call's group, after one attempt: not
/// retried.
pub fn assert_final(
    result: Result<impl std::fmt::Debug, Error>,
    code: zego_core::ReturnCode,
    class: zego_core::CodeClass,
) {
    let error = result.expect_err("the call fails");
    assert_eq!(
        (error.code(), error.class(), error.attempts()),
        (Some(code), Some(class), 1),
        "{error}"
    );
}

/// The contents of the messages in `user`'s inbox, in order.
pub fn contents(mock: &MockServer, user: &str) -> Vec<String> {
    mock.inbox(user).into_iter().map(|d| d.content).collect()
}

/// No error text ever carries the secret, the signature or the URL.
pub fn assert_clean(text: &str, mock_url: &str) {
    for secret in [
        SECRET,
        WRONG_SECRET,
        "Signature=",
        "SignatureNonce",
        "?Action",
    ] {
        assert!(!text.contains(secret), "{secret:?} leaked into {text:?}");
    }
    assert!(!text.contains(mock_url), "the URL leaked into {text:?}");
}

/// One `#[test]` per scenario, per case of the fault matrix and per call of the retry
/// table ([`retries`]), for the [`TestClient`] `$t`.
#[macro_export]
macro_rules! conformance_tests {
    ($t:ty) => {
        $crate::conformance_tests!(@each $t;
            scenarios::the_client_is_shared_and_keeps_its_secret,
            scenarios::targeted_send,
            scenarios::whole_room_send,
            scenarios::offline_targets_in_fail_users,
            scenarios::fan_out_to_25_users,
            scenarios::fan_out_reports_a_failed_call,
            scenarios::fan_out_rejects_an_invalid_message,
            scenarios::tls_handshake_failure_is_not_sent,
            scenarios::pacing_uses_the_budget_without_206,
            scenarios::broadcast_reaches_the_room_but_the_sender,
            scenarios::broadcast_errors,
            scenarios::kick_takes_users_offline,
            scenarios::kick_fans_out_by_five,
            scenarios::user_counts,
            scenarios::user_counts_are_paced,
            rooms::barrage_reaches_the_room_but_the_sender,
            rooms::describe_users_reports_who_is_in_the_room,
            rooms::user_list_pages_to_the_end,
            rooms::close_room_ends_it,
            streams::added_stream_is_listed_then_deleted,
            streams::forbid_and_resume_one_stream,
            streams::forbid_and_resume_in_batches,
            streams::stream_state_answers,
            streams::test_environment_gets_the_stream_prefix,
            rules::ban_rules_are_set_described_and_deleted,
            capture::tracing_spans_and_events,
            tls::targeted_send_over_tls,
            tls::fan_out_over_tls,
            tls::pacing_over_tls,
            tls::calls_reuse_one_connection,
            tls::delivered_then_dropped_over_tls_may_have_been_sent,
            tls::a_tls_error_after_the_request_may_have_been_sent,
            tls::a_stalled_tls_handshake_is_not_sent,
            tls::an_untrusted_certificate_is_not_sent,
            tls::an_unusable_root_certificate_fails_the_build,
        );
        #[test]
        fn matrix_has_every_case() {
            let numbers: Vec<u8> = $crate::matrix::cases().iter().map(|c| c.number).collect();
            assert_eq!(numbers, (1..=$crate::matrix::CASES).collect::<Vec<u8>>());
        }
        $crate::conformance_tests!(@matrix $t;
            case_01_delay_past_the_attempt_timeout = 1,
            case_02_connection_closed_without_an_answer = 2,
            case_03_delivered_then_connection_dropped = 3,
            case_04_bad_gateway_html = 4,
            case_05_malformed_json = 5,
            case_06_truncated_body = 6,
            case_07_send_failed_once_then_success = 7,
            case_08_throttled_once_then_success = 8,
            case_09_signature_expired_then_resigned = 9,
            case_10_wrong_secret = 10,
            case_11_unknown_app = 11,
            case_12_connection_refused = 12,
            case_13_invalid_request = 13,
            case_14_a_query_is_retried_after_a_dropped_connection = 14,
            case_15_a_kick_is_retried_after_a_dropped_connection = 15,
            case_16_a_broadcast_is_not_retried_after_delivery = 16,
        );
        $crate::conformance_tests!(@retries $t;
            retried_send_custom_command = "SendCustomCommand",
            retried_send_broadcast_message = "SendBroadcastMessage",
            retried_send_barrage_message = "SendBarrageMessage",
            retried_kickout_user = "KickoutUser",
            retried_describe_users = "DescribeUsers",
            retried_describe_user_list = "DescribeUserList",
            retried_describe_user_num = "DescribeUserNum",
            retried_close_room = "CloseRoom",
            retried_describe_simple_stream_list = "DescribeSimpleStreamList",
            retried_add_stream = "AddStream",
            retried_delete_stream = "DeleteStream",
            retried_forbid_rtc_stream = "ForbidRTCStream",
            retried_resume_rtc_stream = "ResumeRTCStream",
            retried_forbid_rtc_streams = "ForbidRTCStreams",
            retried_resume_rtc_streams = "ResumeRTCStreams",
            retried_describe_rtc_stream_state = "DescribeRTCStreamState",
            retried_set_forbid_user_rule = "SetForbidUserRule",
            retried_describe_forbid_user_rules = "DescribeForbidUserRules",
            retried_del_forbid_user_rule = "DelForbidUserRule",
        );
    };
    (@each $t:ty; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::$module::$name::<$t>();
            }
        )*
    };
    (@retries $t:ty; $($name:ident = $call:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::retries::run::<$t>($call);
            }
        )*
        #[test]
        fn retries_cover_every_call() {
            $crate::retries::assert_covers::<$t>(&[$($call),*]);
        }
    };
    (@matrix $t:ty; $($name:ident = $n:literal),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                $crate::matrix::run_case::<$t>($n);
            }
        )*
    };
}
