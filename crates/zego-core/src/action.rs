//! The [`Action`] trait every API call implements, and the request builder.

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;

use crate::config::Config;
use crate::error::ValidationError;
use crate::query::QueryWriter;
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

/// One call of the ZEGO server API.
///
/// Implementing it is all a new call needs: the driver, the signer, the query encoder,
/// the envelope parser, the retry policy and the rate limiter are shared by every call.
pub trait Action {
    /// The `Action` query parameter, for example `"SendCustomCommand"`.
    const NAME: &'static str;

    /// The vendor's rate limit per AppId in the production environment.
    const RATE_LIMIT: Rate;

    /// The vendor's rate limit per AppId in the test environment (`IsTest=true`).
    const TEST_RATE_LIMIT: Rate;

    /// The shape of the response's `Data`. An absent or `null` `Data` reads as
    /// `Default::default()`.
    type Data: DeserializeOwned + Default + Clone + fmt::Debug;

    /// Checks everything the server would reject for shape, before any I/O.
    fn validate(&self) -> Result<(), ValidationError>;

    /// Writes the business parameters, in a fixed order, with the one query encoder.
    fn write_params(&self, query: &mut QueryWriter);

    /// An estimate of the encoded size of the business parameters, to size buffers.
    fn encoded_len_hint(&self) -> usize {
        256
    }
}

/// The `User-Agent` header sent with every request.
pub const USER_AGENT: &str = concat!("zego-rs/", env!("CARGO_PKG_VERSION"));

/// Builds the signed request of one attempt: validates `action`, then encodes it with the
/// public parameters signed with `nonce` and `timestamp` (Unix seconds).
///
/// The query's order is fixed: `Action`, the call's own parameters, then `AppId`,
/// `SignatureNonce`, `Timestamp`, `Signature`, `SignatureVersion` and `IsTest` when set.
///
/// ```
/// use zego_core::{prepare, AppId, Config, Nonce, SendCustomCommand, ServerSecret};
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
    action.validate()?;
    Ok(build_request(config, action, nonce, timestamp))
}

/// [`prepare`] without validation, for the driver, which validates once per call.
pub(crate) fn build_request<A: Action>(
    config: &Config,
    action: &A,
    nonce: &Nonce,
    timestamp: i64,
) -> http::Request<Vec<u8>> {
    let base = config.endpoint().base_url();
    let mut url = String::with_capacity(base.len() + 200 + action.encoded_len_hint());
    url.push_str(base);
    url.push('?');
    let mut q = QueryWriter::starting_with(url);
    q.param("Action", A::NAME);
    action.write_params(&mut q);
    let signature = sign(config.app_id(), nonce, config.secret(), timestamp);
    q.display("AppId", config.app_id())
        .param("SignatureNonce", nonce.as_str())
        .display("Timestamp", timestamp)
        .param("Signature", signature.as_str())
        .param("SignatureVersion", "2.0");
    if let Some(is_test) = config.is_test() {
        q.param("IsTest", if is_test { "true" } else { "false" });
    }
    let mut request = http::Request::new(Vec::new());
    // Every byte of the query is an unreserved character, a `%XX` escape, or one of
    // `& = [ ]`, all of which `http::Uri` accepts; the base URL was parsed by `Endpoint`
    // and is at most 1 KiB, and validation bounds every parameter, so the whole URL stays
    // far below `http::Uri`'s 64 KiB limit. The property tests and fuzzers check this.
    let uri = http::Uri::try_from(q.into_string());
    debug_assert!(uri.is_ok(), "the encoder produced an invalid URI");
    *request.uri_mut() = uri.unwrap_or_default();
    let headers = request.headers_mut();
    headers.insert(
        http::header::ACCEPT,
        http::HeaderValue::from_static("application/json"),
    );
    headers.insert(
        http::header::USER_AGENT,
        http::HeaderValue::from_static(USER_AGENT),
    );
    request
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credentials::{AppId, ServerSecret};
    use crate::endpoint::Region;
    use crate::{SendCustomCommand, ValidationError};

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
        assert_eq!(
            prepare(&config(), &cmd, &nonce(), 1).unwrap_err(),
            ValidationError::Empty {
                field: "RoomId",
                mirrors: crate::ReturnCode::PARAMETER_ERROR
            }
        );
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
