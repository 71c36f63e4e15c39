//! The [`Action`] trait every API call implements, and the request builder.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use crate::code::{Group, ReturnCode};
use crate::config::Config;
use crate::credentials::AppId;
use crate::error::{Problem, ValidationError};
use crate::query::QueryWriter;
use crate::response::ReplyData;
use crate::sign::{Nonce, sign};

/// A request budget: `count` requests per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Rate {
    count: u32,
    per: Duration,
}

impl Rate {
    /// `count` requests per `per`. A `count` of 0 is taken as 1, and a `per` longer than
    /// [`Rate::MAX_PERIOD`] (a year) as a year.
    pub const fn new(count: u32, per: Duration) -> Self {
        Rate {
            count: if count == 0 { 1 } else { count },
            per: if per.as_secs() > Rate::MAX_PERIOD.as_secs() {
                Rate::MAX_PERIOD
            } else {
                per
            },
        }
    }

    /// The longest period a budget may have: 365 days.
    pub const MAX_PERIOD: Duration = Duration::from_secs(365 * 24 * 3600);

    /// `count` requests per second.
    pub const fn per_second(count: u32) -> Self {
        Rate::new(count, Duration::from_secs(1))
    }

    /// How many requests the budget allows per [`Rate::period`].
    pub const fn count(self) -> u32 {
        self.count
    }

    /// The period of the budget.
    pub const fn period(self) -> Duration {
        self.per
    }

    /// The rate a client paces at to stay within this budget: the period stretched by 2%,
    /// at most 50 ms, so that the network's jitter between two requests does not bring
    /// them closer together, when they reach the server, than the budget allows (a budget
    /// of one request per second holds no more than one request in any second).
    ///
    /// ```
    /// use std::time::Duration;
    /// use zego_core::Rate;
    /// assert_eq!(Rate::per_second(1).paced().period(), Duration::from_millis(1020));
    /// assert_eq!(Rate::new(1, Duration::from_secs(10)).paced().period(), Duration::from_millis(10_050));
    /// ```
    pub fn paced(self) -> Rate {
        Rate::new(self.count, self.per.saturating_add(self.margin()))
    }

    /// How much longer [`paced`](Rate::paced) makes the period: 2%, at most 50 ms.
    pub fn margin(self) -> Duration {
        (self.per / 50).min(Duration::from_millis(50))
    }

    /// The time between two requests at an even pace: `period / count`.
    pub fn interval(self) -> Duration {
        self.per / self.count
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.per == Duration::from_secs(1) {
            write!(f, "{}/s", self.count)
        } else {
            write!(f, "{} per {:?}", self.count, self.per)
        }
    }
}

/// The vendor's request budgets of a call (spec §16): per AppId, in each environment,
/// and for some calls per room as well.
///
/// ```
/// use std::time::Duration;
/// use zego_core::{Budget, Rate};
/// let budget = Budget::per_app(Rate::per_second(200)).per_room(Rate::per_second(1));
/// assert_eq!(budget.app_rate(true), Rate::per_second(200), "no test figure: the production one");
/// assert_eq!(budget.room_rate(), Some(Rate::per_second(1)));
/// let budget = Budget::per_app(Rate::per_second(10)).in_test_environment(Rate::per_second(1));
/// assert_eq!(budget.app_rate(true), Rate::per_second(1));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Budget {
    per_app: Rate,
    per_app_test: Rate,
    per_room: Option<Rate>,
}

impl Budget {
    /// `rate` per AppId over all its rooms, in both environments.
    pub const fn per_app(rate: Rate) -> Self {
        Budget {
            per_app: rate,
            per_app_test: rate,
            per_room: None,
        }
    }

    /// Another figure per AppId in the test environment (`IsTest=true`).
    pub const fn in_test_environment(mut self, rate: Rate) -> Self {
        self.per_app_test = rate;
        self
    }

    /// A budget per room as well, on top of the per-AppId one.
    pub const fn per_room(mut self, rate: Rate) -> Self {
        self.per_room = Some(rate);
        self
    }

    /// The per-AppId budget in the production or (`test`) the test environment.
    pub const fn app_rate(self, test: bool) -> Rate {
        if test {
            self.per_app_test
        } else {
            self.per_app
        }
    }

    /// The per-room budget, if the call has one.
    pub const fn room_rate(self) -> Option<Rate> {
        self.per_room
    }
}

/// What a call may need to know of the client to write its parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct RequestContext {
    /// The application.
    pub app_id: AppId,
    /// `true` when the call goes to the test environment (`IsTest=true`).
    pub test_environment: bool,
}

impl RequestContext {
    /// The context of calls made with `config`.
    pub fn of(config: &Config) -> Self {
        RequestContext {
            app_id: config.app_id(),
            test_environment: config.is_test_environment(),
        }
    }

    /// A stream ID as the media service takes it (spec §0.4): in the test environment
    /// with the prefix `zegotest-<AppId>-`, unless it already starts with exactly that
    /// prefix; in production as it is. The five media-service calls write their stream
    /// IDs through it; the room-signalling calls never do.
    ///
    /// ```
    /// use zego_core::{AppId, Config, RequestContext, ServerSecret};
    /// let config = Config::new(AppId::new(123456789), ServerSecret::new("secret")?);
    /// let production = RequestContext::of(&config);
    /// assert_eq!(production.media_stream_id("test"), "test");
    /// let test = RequestContext::of(&config.with_is_test(true));
    /// assert_eq!(test.media_stream_id("test"), "zegotest-123456789-test");
    /// assert_eq!(test.media_stream_id("zegotest-123456789-test"), "zegotest-123456789-test");
    /// assert_eq!(test.media_stream_id("zegotest-1-test"), "zegotest-123456789-zegotest-1-test");
    /// # Ok::<(), zego_core::ConfigError>(())
    /// ```
    pub fn media_stream_id<'a>(&self, stream_id: &'a str) -> Cow<'a, str> {
        if !self.test_environment {
            return Cow::Borrowed(stream_id);
        }
        let prefix = format!("zegotest-{}-", self.app_id);
        if stream_id.starts_with(&prefix) {
            Cow::Borrowed(stream_id)
        } else {
            Cow::Owned(prefix + stream_id)
        }
    }
}

/// One call of the ZEGO server API.
///
/// Implementing it is all a new call needs: the driver, the signer, the query encoder,
/// the envelope parser, the retry policy, the rate limiter and (with [`Batched`](crate::Batched))
/// the fan-out are shared by every call and never name one. The call says:
///
/// - its name and [`Group`], in which its return codes are read;
/// - whether repeating it is harmless ([`Action::IDEMPOTENT`]), which decides whether a
///   request that may have reached the server is retried without the caller's opt-in;
/// - its [`Budget`]s, and for a per-room budget its room ([`Action::budget_room`]);
/// - the shape of its `Data` ([`ReplyData`], which also says what an absent `Data` means);
/// - its checks and its parameters.
pub trait Action {
    /// The `Action` query parameter, for example `"SendCustomCommand"`.
    const NAME: &'static str;

    /// The group whose table reads the call's return codes.
    const GROUP: Group;

    /// `true` when sending the request twice has the effect of sending it once (a query,
    /// or a call that sets a state), so that a retry after the request may have reached
    /// the server is safe. `false` for sends: their retries after such a failure need the
    /// caller's opt-in ([`RetryPolicy::with_unsafe_retries`](crate::RetryPolicy::with_unsafe_retries)).
    const IDEMPOTENT: bool;

    /// The vendor's budgets of the call.
    const BUDGET: Budget;

    /// `true` when the call carries the `Sequence` parameter (spec §0.5: the four
    /// forbid and resume calls and DescribeRTCStreamState). The call does not write it:
    /// the driver writes `Sequence=<n>` after the call's parameters on every attempt,
    /// with a fresh value from the client's [`Sequence`](crate::Sequence) source.
    const SEQUENCE: bool = false;

    /// The shape of the response's `Data`.
    type Data: ReplyData;

    /// Checks everything the server would reject for shape, before any I/O.
    fn validate(&self) -> Result<(), ValidationError>;

    /// Writes the business parameters, in a fixed order, with the one query encoder.
    fn write_params(&self, query: &mut QueryWriter, context: &RequestContext);

    /// The room a per-room budget ([`Budget::room_rate`]) counts this call against.
    fn budget_room(&self) -> Option<&str> {
        None
    }

    /// An estimate of the encoded size of the business parameters, to size buffers.
    fn encoded_len_hint(&self) -> usize {
        256
    }
}

/// The `User-Agent` header sent with every request.
pub const USER_AGENT: &str = concat!("zego-rs/", env!("CARGO_PKG_VERSION"));

/// The longest request target (path and query, URL-encoded) the client sends: 16 KiB.
/// Front ends commonly refuse longer request lines, and zego-mock answers HTTP 414 past
/// it. A call whose parameters would make a longer one is a [`ValidationError`].
pub const MAX_REQUEST_TARGET_BYTES: usize = 16 * 1024;

/// The most bytes the public parameters add to a query: `&AppId=` and ten digits,
/// `&SignatureNonce=` and 16, `&Timestamp=` and up to 20, `&Signature=` and 32,
/// `&SignatureVersion=2.0` and `&IsTest=false`.
const PUBLIC_PARAMS_MAX_BYTES: usize = 7 + 10 + 16 + 16 + 11 + 20 + 11 + 32 + 21 + 13;

/// The most bytes `&Sequence=` and its value (up to 20 digits) add to a query.
const SEQUENCE_MAX_BYTES: usize = 10 + 20;

/// The bytes the driver adds to the call's parameters on each attempt: the public
/// parameters, and `Sequence` for a call that carries it.
const fn attempt_params_max_bytes<A: Action>() -> usize {
    if A::SEQUENCE {
        PUBLIC_PARAMS_MAX_BYTES + SEQUENCE_MAX_BYTES
    } else {
        PUBLIC_PARAMS_MAX_BYTES
    }
}

/// Builds the signed request of one attempt: validates `action`, then encodes it with the
/// public parameters signed with `nonce` and `timestamp` (Unix seconds).
///
/// The query's order is fixed: `Action`, the call's own parameters, `Sequence` for a call
/// that carries it ([`Action::SEQUENCE`]; here the timestamp in milliseconds, `timestamp
/// × 1000`: see [`prepare_with_sequence`] to give another value), then `AppId`,
/// `SignatureNonce`, `Timestamp`, `Signature`, `SignatureVersion` and `IsTest` when set.
///
/// ```
/// use zego_core::{prepare, AppId, Config, Nonce, ServerSecret};
/// use zego_core::actions::SendCustomCommand;
/// let config = Config::new(AppId::new(12345), ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?);
/// let command = SendCustomCommand::to_users("room", "userA", ["user1", "user2"], "hello");
/// let nonce: Nonce = "4fd24687296dd9f3".parse()?;
/// let request = prepare(&config, &command, &nonce, 1615186943)?;
/// assert_eq!(request.method(), "GET");
/// assert_eq!(
///     request.uri().to_string(),
///     "https://rtc-api.zego.im/?Action=SendCustomCommand&RoomId=room&FromUserId=userA\
///      &ToUserId[]=user1&ToUserId[]=user2&MessageContent=hello&AppId=12345\
///      &SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
///      &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0"
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare<A: Action>(
    config: &Config,
    action: &A,
    nonce: &Nonce,
    timestamp: i64,
) -> Result<http::Request<Vec<u8>>, ValidationError> {
    let millis = u64::try_from(timestamp).map_or(0, |s| s.saturating_mul(1000));
    prepare_with_sequence(config, action, nonce, timestamp, millis)
}

/// [`prepare`], with the value of `Sequence` for a call that carries it
/// ([`Action::SEQUENCE`]; ignored for the others). Requests for one stream within 10 s
/// need strictly increasing values: draw them from a [`Sequence`](crate::Sequence).
///
/// ```
/// use zego_core::{prepare_with_sequence, AppId, Config, Nonce, ServerSecret};
/// use zego_core::actions::ForbidRTCStream;
/// let config = Config::new(AppId::new(12345), ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38")?);
/// let nonce: Nonce = "4fd24687296dd9f3".parse()?;
/// let request = prepare_with_sequence(&config, &ForbidRTCStream::new("rtc01"), &nonce, 1615186943, 7)?;
/// assert!(request.uri().to_string().contains("?Action=ForbidRTCStream&StreamId=rtc01&Sequence=7&AppId="));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn prepare_with_sequence<A: Action>(
    config: &Config,
    action: &A,
    nonce: &Nonce,
    timestamp: i64,
    sequence: u64,
) -> Result<http::Request<Vec<u8>>, ValidationError> {
    action.validate()?;
    let base = config.endpoint().base_url();
    let mut url = QueryWriter::starting_with(String::with_capacity(
        base.len() + 1 + 16 + action.encoded_len_hint() + attempt_params_max_bytes::<A>(),
    ));
    write_params(config, action, &mut url, base);
    let size = url.as_str().len() - base.len() + base_path(config).len();
    check_size::<A>(size)?;
    finish_request::<A>(config, url.into_string(), sequence, nonce, timestamp)
}

/// `Action=<Name>` and the call's parameters, encoded once per call for the driver, which
/// signs each attempt; checked against [`MAX_REQUEST_TARGET_BYTES`] with room for the
/// parameters of an attempt.
pub(crate) fn encode_params<A: Action>(
    config: &Config,
    action: &A,
) -> Result<String, ValidationError> {
    let mut q = QueryWriter::with_capacity(16 + action.encoded_len_hint());
    write_params(config, action, &mut q, "");
    let business = q.into_string();
    check_size::<A>(base_path(config).len() + 1 + business.len())?;
    Ok(business)
}

/// Writes `prefix`, then `?` when it is not empty, then `Action` and the call's own
/// parameters.
fn write_params<A: Action>(config: &Config, action: &A, q: &mut QueryWriter, prefix: &str) {
    if !prefix.is_empty() {
        q.push_raw(prefix);
        q.push_raw("?");
    }
    q.param("Action", A::NAME);
    action.write_params(q, &RequestContext::of(config));
}

/// The request target of `size` bytes without the parameters of an attempt must leave
/// room for them under [`MAX_REQUEST_TARGET_BYTES`].
fn check_size<A: Action>(size: usize) -> Result<(), ValidationError> {
    let size = size + attempt_params_max_bytes::<A>();
    if size > MAX_REQUEST_TARGET_BYTES {
        return Err(ValidationError::new(
            A::NAME,
            A::GROUP,
            "the request",
            Problem::RequestTooLong {
                limit: MAX_REQUEST_TARGET_BYTES,
                size,
            },
            ReturnCode::PARAMETER_ERROR,
        ));
    }
    Ok(())
}

/// The path of the endpoint's base URL (`/` for the vendor's hosts).
fn base_path(config: &Config) -> &str {
    let base = config.endpoint().base_url();
    let after_scheme = base.find("://").map_or(0, |i| i + 3);
    base[after_scheme..]
        .find('/')
        .map_or("/", |i| &base[after_scheme + i..])
}

/// The request of one attempt of the driver: the base URL, the `params` (from
/// [`encode_params`]), `sequence` for a call that carries it, and the public parameters
/// signed with `nonce` and `timestamp`.
pub(crate) fn build_request<A: Action>(
    config: &Config,
    params: &str,
    sequence: u64,
    nonce: &Nonce,
    timestamp: i64,
) -> Result<http::Request<Vec<u8>>, ValidationError> {
    let base = config.endpoint().base_url();
    let mut url =
        String::with_capacity(base.len() + 1 + params.len() + attempt_params_max_bytes::<A>());
    url.push_str(base);
    url.push('?');
    url.push_str(params);
    finish_request::<A>(config, url, sequence, nonce, timestamp)
}

/// Appends `Sequence` (for a call that carries it) and the public parameters, signed,
/// to `url` (the base URL, `?` and the call's parameters), and makes the request.
fn finish_request<A: Action>(
    config: &Config,
    url: String,
    sequence: u64,
    nonce: &Nonce,
    timestamp: i64,
) -> Result<http::Request<Vec<u8>>, ValidationError> {
    let mut q = QueryWriter::starting_with(url);
    if A::SEQUENCE {
        q.display("Sequence", sequence);
    }
    let signature = sign(config.app_id(), nonce, config.secret(), timestamp);
    q.display("AppId", config.app_id())
        .param("SignatureNonce", nonce.as_str())
        .display("Timestamp", timestamp)
        .param("Signature", signature.as_str())
        .param("SignatureVersion", "2.0");
    if let Some(is_test) = config.is_test() {
        q.param("IsTest", if is_test { "true" } else { "false" });
    }
    // Every byte of the query is an unreserved character, a `%XX` escape, or one of
    // `& = [ ]`, all of which `http::Uri` accepts; the base URL was parsed by `Endpoint`,
    // and the size was checked with room for the public parameters. Should the URI still
    // be refused, the call fails rather than sends anything else.
    let uri = http::Uri::try_from(q.into_string()).map_err(|_| {
        ValidationError::new(
            A::NAME,
            A::GROUP,
            "the request",
            Problem::NotAllowed {
                value: "a URL that cannot be parsed".to_owned(),
                allowed: "a valid URI",
            },
            ReturnCode::PARAMETER_ERROR,
        )
    })?;
    let mut request = http::Request::new(Vec::new());
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    Ok(request)
}

/// The vendor's signing example, for the golden requests of the calls' tests: app 12345,
/// secret `9193cc662a4c0ec135ec71fb57194b38`, nonce `4fd24687296dd9f3` and timestamp
/// 1615186943 sign as `43e5cfcca828314675f91b001390566a`.
#[cfg(test)]
pub(crate) mod golden {
    use super::*;
    use crate::credentials::ServerSecret;

    /// The example's app and secret, on the unified host, without `IsTest`.
    pub(crate) fn config() -> Config {
        Config::new(
            AppId::new(12345),
            ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38").unwrap(),
        )
    }

    /// The URL of `action` prepared with `config`, the example's nonce and timestamp,
    /// and (for a call that carries it) `Sequence` = `sequence`.
    pub(crate) fn url_with_sequence<A: Action>(
        config: &Config,
        action: &A,
        sequence: u64,
    ) -> String {
        let nonce: Nonce = "4fd24687296dd9f3".parse().unwrap();
        prepare_with_sequence(config, action, &nonce, 1_615_186_943, sequence)
            .unwrap()
            .uri()
            .to_string()
    }

    /// The URL of `action` as [`prepare`] makes it with `config` and the example's nonce
    /// and timestamp (so `Sequence` = 1615186943000).
    pub(crate) fn url<A: Action>(config: &Config, action: &A) -> String {
        url_with_sequence(config, action, 1_615_186_943_000)
    }

    /// The call's own parameters, as written for `config`.
    pub(crate) fn params<A: Action>(config: &Config, action: &A) -> String {
        let mut q = QueryWriter::new();
        action.write_params(&mut q, &RequestContext::of(config));
        q.into_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actions::SendCustomCommand;
    use crate::credentials::{AppId, ServerSecret};
    use crate::endpoint::Region;

    fn config() -> Config {
        Config::new(
            AppId::new(12345),
            ServerSecret::new("9193cc662a4c0ec135ec71fb57194b38").unwrap(),
        )
    }

    fn nonce() -> Nonce {
        "4fd24687296dd9f3".parse().unwrap()
    }

    #[test]
    fn golden_request() {
        let config = config()
            .with_endpoint(Region::Singapore)
            .with_is_test(false);
        let cmd = SendCustomCommand::to_users(
            "room 1",
            "userA",
            ["user1", "用户2"],
            "推送自定义信息-新接口 {\"k\":\"a+b&c=d/e?f#g\"}",
        );
        let req = prepare(&config, &cmd, &nonce(), 1_615_186_943).unwrap();
        assert_eq!(req.method(), http::Method::GET);
        assert_eq!(
            req.uri().to_string(),
            "https://rtc-api-sgp.zego.im/?Action=SendCustomCommand&RoomId=room%201&FromUserId=userA\
             &ToUserId[]=user1&ToUserId[]=%E7%94%A8%E6%88%B72\
             &MessageContent=%E6%8E%A8%E9%80%81%E8%87%AA%E5%AE%9A%E4%B9%89%E4%BF%A1%E6%81%AF-%E6%96%B0%E6%8E%A5%E5%8F%A3\
             %20%7B%22k%22%3A%22a%2Bb%26c%3Dd%2Fe%3Ff%23g%22%7D\
             &AppId=12345&SignatureNonce=4fd24687296dd9f3&Timestamp=1615186943\
             &Signature=43e5cfcca828314675f91b001390566a&SignatureVersion=2.0&IsTest=false"
        );
        assert_eq!(req.headers()["accept"], "application/json");
        assert_eq!(
            req.headers()["user-agent"],
            concat!("zego-rs/", env!("CARGO_PKG_VERSION"))
        );
        assert!(req.body().is_empty());
    }

    #[test]
    fn secret_never_in_the_request() {
        let config = config().with_is_test(true);
        let cmd = SendCustomCommand::to_room("r", "f", "9193cc662a4c0ec135ec71fb57194b38");
        let req = prepare(&config, &cmd, &nonce(), 1).unwrap();
        let url = req.uri().to_string();
        assert!(url.ends_with("&IsTest=true"));
        // The content happens to equal the secret here; it appears once, as the content.
        assert_eq!(url.matches("9193cc662a4c0ec135ec71fb57194b38").count(), 1);
        let cmd = SendCustomCommand::to_room("r", "f", "x");
        let req = prepare(&config, &cmd, &nonce(), 1).unwrap();
        assert!(
            !req.uri()
                .to_string()
                .contains("9193cc662a4c0ec135ec71fb57194b38")
        );
        assert!(!format!("{req:?}").contains("9193cc662a4c0ec135ec71fb57194b38"));
    }

    #[test]
    fn invalid_requests_are_not_built() {
        let cmd = SendCustomCommand::to_room("", "f", "x");
        let e = prepare(&config(), &cmd, &nonce(), 1).unwrap_err();
        assert_eq!((e.field(), e.problem()), ("RoomId", &Problem::Empty));
        assert_eq!(e.mirrors(), crate::ReturnCode::PARAMETER_ERROR);
    }

    #[test]
    fn the_request_target_is_bounded() {
        use crate::Batched;
        use crate::actions::KickoutUser;
        // Five IDs of 1,200 bytes that each need `%XX`: 18 KB encoded, over the limit.
        let big = |n: usize| (0..5).map(move |i| format!("{i}{}", "推".repeat(n)));
        let Err(e) = prepare(&config(), &KickoutUser::new("r", big(400)), &nonce(), 1) else {
            panic!("a request over the limit was built");
        };
        assert_eq!((e.call(), e.field()), ("KickoutUser", "the request"));
        let Problem::RequestTooLong { limit, size } = *e.problem() else {
            panic!("{e:?}")
        };
        assert_eq!(limit, MAX_REQUEST_TARGET_BYTES);
        assert!(size > limit, "{size}");
        assert!(
            e.to_string().contains("over the limit of 16384 bytes"),
            "{e}"
        );
        // Just under it, the request is built and its target is within the limit.
        let request = prepare(&config(), &KickoutUser::new("r", big(300)), &nonce(), 1).unwrap();
        let target = request.uri().path_and_query().unwrap().as_str().len();
        assert!(
            target <= MAX_REQUEST_TARGET_BYTES && target > 13_000,
            "{target}"
        );
        assert_eq!(KickoutUser::MAX_PER_REQUEST, 5);
    }

    #[test]
    fn rate_display_and_interval() {
        assert_eq!(Rate::per_second(100).to_string(), "100/s");
        assert_eq!(Rate::per_second(100).interval(), Duration::from_millis(10));
        assert_eq!(Rate::new(0, Duration::from_secs(1)).count(), 1);
        assert_eq!(Rate::new(1, Duration::MAX).period(), Rate::MAX_PERIOD);
        assert_eq!(
            Rate::new(1, Duration::from_secs(10)).to_string(),
            "1 per 10s"
        );
    }
}
