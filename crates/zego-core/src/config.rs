//! [`Config`]: who calls, where, and how persistently.

use crate::credentials::{AppId, ServerSecret};
use crate::endpoint::Endpoint;
use crate::retry::RetryPolicy;

/// Everything a call needs besides the call itself: credentials, endpoint, environment and
/// retry policy. Cheap to share by reference; transports keep one per client.
///
/// ```
/// use zego_core::{AppId, Config, Endpoint, Region, RetryPolicy, ServerSecret};
/// let config = Config::new(AppId::new(1234567890), ServerSecret::new("0123456789abcdef0123456789abcdef")?)
///     .with_endpoint(Region::Singapore)
///     .with_retry_policy(RetryPolicy::default().with_max_attempts(5));
/// assert_eq!(config.endpoint().base_url(), "https://rtc-api-sgp.zego.im/");
/// assert_eq!(config.is_test(), None, "IsTest is not sent unless set");
/// # Ok::<(), zego_core::ConfigError>(())
/// ```
#[derive(Clone, Debug)]
pub struct Config {
    app_id: AppId,
    secret: ServerSecret,
    endpoint: Endpoint,
    is_test: Option<bool>,
    retry: RetryPolicy,
}

impl Config {
    /// A configuration for the unified host, without `IsTest`, with the default retry
    /// policy.
    pub fn new(app_id: AppId, secret: ServerSecret) -> Self {
        Config {
            app_id,
            secret,
            endpoint: Endpoint::default(),
            is_test: None,
            retry: RetryPolicy::default(),
        }
    }

    /// Sends to another region or base URL.
    pub fn with_endpoint(mut self, endpoint: impl Into<Endpoint>) -> Self {
        self.endpoint = endpoint.into();
        self
    }

    /// Sends `IsTest=true` or `IsTest=false`. Only apps created on or before 2021-11-16
    /// need it (their AppId defaults to the test environment); newer apps leave it unset.
    /// `true` also selects the vendor's lower test-environment rate limits.
    pub fn with_is_test(mut self, is_test: bool) -> Self {
        self.is_test = Some(is_test);
        self
    }

    /// Replaces the retry policy.
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The application ID.
    pub fn app_id(&self) -> AppId {
        self.app_id
    }

    /// The server secret.
    pub fn secret(&self) -> &ServerSecret {
        &self.secret
    }

    /// The endpoint.
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The `IsTest` parameter, if sent.
    pub fn is_test(&self) -> Option<bool> {
        self.is_test
    }

    /// `true` when calls go to the test environment (`IsTest=true`).
    pub fn is_test_environment(&self) -> bool {
        self.is_test == Some(true)
    }

    /// The retry policy.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.retry
    }
}
