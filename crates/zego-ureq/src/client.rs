//! [`Client`] and its builder.

use std::fmt;
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::resolve::CachingResolver;
use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::DefaultConnector;
use zego_core::{
    Action, AppId, Call, Config, Endpoint, Error, FanOut, FanOutReply, Gcra, MAX_BODY_BYTES, Rate,
    RateLimiter, Region, Reply, RetryPolicy, SendCustomCommand, SendCustomCommandReply,
    ServerSecret, Step, SystemHost, TransportFailure, Unlimited, ValidationError,
};

/// How long establishing a connection (DNS, TCP and TLS) may take, unless
/// [`ClientBuilder::connect_timeout`] says otherwise: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one attempt (connecting, sending, and reading the whole response) may take,
/// unless [`ClientBuilder::timeout`] says otherwise: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// How long an idle keep-alive connection stays in the pool.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A blocking client of the ZEGO server API.
///
/// Cheap to clone: every clone shares one connection pool and one rate budget. It is
/// `Send + Sync`, so one client serves many threads at once. It runs no async runtime of
/// its own: call it from a plain thread, or from async code through
/// `tokio::task::spawn_blocking`.
///
/// Each call goes through the core's call driver ([`Call`]): validation before any I/O,
/// a fresh signature per attempt, pacing by the shared [`RateLimiter`], and retries by
/// the [`RetryPolicy`].
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    limiter: Arc<dyn RateLimiter>,
    agent: Agent,
    connect_timeout: Duration,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("app_id", &self.inner.config.app_id())
            .field("endpoint", &self.inner.config.endpoint().base_url())
            .field("is_test", &self.inner.config.is_test())
            .field("retry_policy", self.inner.config.retry_policy())
            .field("rate_limiter", &self.inner.limiter)
            .field("connect_timeout", &self.inner.connect_timeout)
            .field("timeout", &self.inner.timeout)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`]; see [`Client::builder`].
#[derive(Debug)]
#[must_use]
pub struct ClientBuilder {
    config: Config,
    unsafe_retries: Option<bool>,
    limiter: Option<Arc<dyn RateLimiter>>,
    connect_timeout: Duration,
    timeout: Duration,
}

/// A client that could not be built.
///
/// This transport has no configuration that can fail today (with the `native-roots`
/// feature, a platform verifier that cannot be set up fails the first connection
/// instead); the type keeps the surface the same as the async client's.
#[derive(Debug)]
#[non_exhaustive]
pub enum BuildError {
    /// The TLS configuration could not be built.
    Tls(String),
}

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BuildError::Tls(reason) => write!(f, "the tls configuration failed: {reason}"),
        }
    }
}

impl std::error::Error for BuildError {}

impl Client {
    /// Starts building a client for an application. The defaults: the unified host
    /// (`https://rtc-api.zego.im/`), no `IsTest`, a connect timeout of 5 s, an attempt
    /// timeout of 10 s, [`RetryPolicy::default`] (no retry after a request may have
    /// reached the server), and the vendor's rate budget for each call, shared by every
    /// clone of the client.
    pub fn builder(app_id: AppId, secret: ServerSecret) -> ClientBuilder {
        ClientBuilder {
            config: Config::new(app_id, secret),
            unsafe_retries: None,
            limiter: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The configuration every call uses.
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// Sends one call, with pacing and retries, and returns its reply or how it failed.
    /// Blocks the thread until then.
    ///
    /// A request that fails validation returns [`Error::Invalid`] before anything is sent.
    pub fn send<A: Action>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        let span = tracing::info_span!("zego.call", action = A::NAME);
        span.in_scope(|| self.drive(action))
    }

    /// Sends a custom message to up to 10 users of a room, or to the whole room. For more
    /// users, use [`Client::fan_out`].
    pub fn send_custom_command(
        &self,
        command: SendCustomCommand,
    ) -> Result<SendCustomCommandReply, Error> {
        self.send(command)
    }

    /// Sends a custom message to any number of users, as calls of at most 10 users paced
    /// by the client's rate budget, one after the other, and merges their results. The
    /// message is checked once, before anything is sent; a call that fails as a whole is
    /// reported in [`FanOutReply::failed_chunks`] with its users.
    pub fn fan_out(&self, command: SendCustomCommand) -> Result<FanOutReply, ValidationError> {
        let mut fan_out = FanOut::new(command)?;
        let span = tracing::info_span!("zego.fan_out", calls = fan_out.call_count());
        let _entered = span.enter();
        while let Some(call) = fan_out.next_call() {
            let result = self.send(call);
            fan_out.record(result);
        }
        let reply = fan_out.finish();
        tracing::debug!(
            calls = reply.calls,
            attempts = reply.attempts,
            failed_users = reply.failed_users.len(),
            failed_calls = reply.failed_chunks.len(),
            "fan-out finished"
        );
        Ok(reply)
    }

    fn drive<A: Action>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        let inner = &*self.inner;
        let mut call = Call::new(&inner.config, &*inner.limiter, action).inspect_err(|e| {
            tracing::debug!(error = %e, "invalid request, nothing sent");
        })?;
        loop {
            match call.poll(Instant::now(), &mut SystemHost) {
                Step::Wait(until) => {
                    std::thread::sleep(until.saturating_duration_since(Instant::now()));
                }
                Step::Send(request) => {
                    let span = tracing::debug_span!("zego.attempt", attempt = call.attempts());
                    let _entered = span.enter();
                    let outcome = self.attempt(request);
                    let now = Instant::now();
                    match outcome {
                        Ok((status, body)) => call.handle_response(now, status, &body),
                        Err(failure) => call.handle_failure(now, failure),
                    }
                    log_attempt(&call);
                }
                Step::Done(result) => {
                    log_result(&result);
                    return result;
                }
            }
        }
    }

    /// One exchange: send, then read the body up to the core's cap plus one byte, all
    /// within the attempt timeout (ureq's global timeout).
    fn attempt(&self, request: http::Request<Vec<u8>>) -> Result<(u16, Vec<u8>), TransportFailure> {
        let response = self
            .inner
            .agent
            .run(request)
            .map_err(|e| classify(&e, self.inner.timeout))?;
        let status = response.status().as_u16();
        tracing::trace!(status, "response head received");
        let mut body = Vec::new();
        response
            .into_body()
            .into_reader()
            .take(MAX_BODY_BYTES as u64 + 1)
            .read_to_end(&mut body)
            .map_err(|e| {
                let e = ureq::Error::from(e);
                TransportFailure::maybe_sent(format!(
                    "reading the response body failed: {}",
                    describe(&e)
                ))
            })?;
        Ok((status, body))
    }
}

/// Sorts a ureq error: a connection that could not be established is "not sent"; any
/// failure once it was (a timeout, a reset, a connection closed before the answer) "may
/// have been sent".
fn classify(error: &ureq::Error, attempt_timeout: Duration) -> TransportFailure {
    use ureq::Error as E;
    use ureq::Timeout as T;
    let cause = describe(error);
    let not_sent = match error {
        E::HostNotFound | E::ConnectionFailed | E::Tls(_) | E::Rustls(_) => true,
        E::Timeout(T::Resolve | T::Connect) => true,
        // Errors in the request itself: nothing was written.
        E::BadUri(_) | E::Http(_) | E::RequireHttpsOnly(_) => true,
        E::Io(io) => {
            matches!(
                io.kind(),
                io::ErrorKind::ConnectionRefused
                    | io::ErrorKind::HostUnreachable
                    | io::ErrorKind::NetworkUnreachable
                    | io::ErrorKind::NetworkDown
                    | io::ErrorKind::AddrNotAvailable
            ) || is_tls_handshake_error(io)
        }
        _ => false,
    };
    if not_sent {
        TransportFailure::not_sent(format!("could not connect: {cause}"))
    } else if let E::Timeout(_) = error {
        // The only timeouts set are the connect timeout (above) and the attempt's.
        TransportFailure::maybe_sent(format!(
            "no complete response within the attempt timeout of {attempt_timeout:?}"
        ))
    } else {
        TransportFailure::maybe_sent(format!("the exchange failed: {cause}"))
    }
}

/// A TLS error raised by rustls, which ureq passes on as an I/O error. ureq completes
/// the handshake while connecting, before anything is written, and after the handshake
/// rustls has nothing left to check but the integrity of records, so these are taken as
/// handshake failures. An alert from the server is the exception: it can come at any
/// time, after the request too.
fn is_tls_handshake_error(io: &io::Error) -> bool {
    io.get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        .is_some_and(|tls| !matches!(tls, rustls::Error::AlertReceived(_)))
}

/// An error and its causes, in lower case, without any URL (the URL carries the
/// signature; ureq's only errors with a URL in them are for a URL that cannot be used).
fn describe(error: &ureq::Error) -> String {
    match error {
        ureq::Error::BadUri(_) => "the url cannot be used".to_owned(),
        ureq::Error::RequireHttpsOnly(_) => "the url is not https".to_owned(),
        other => {
            let mut text = other.to_string();
            let mut source = std::error::Error::source(other);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text.to_lowercase()
        }
    }
}

/// Logs how the attempt just reported ended, when it failed.
fn log_attempt<A: Action>(call: &Call<'_, A>) {
    if let Some(error) = call.last_failure() {
        let api = error.api();
        let retrying = !call.is_done();
        tracing::debug!(
            code = error.code().map(|c| c.get()),
            request_id = api.map(|a| a.request_id.as_str()),
            may_have_taken_effect = error.may_have_taken_effect(),
            retrying,
            error = %error,
            "attempt failed"
        );
    }
}

/// Logs how a call ended.
fn log_result<D>(result: &Result<Reply<D>, Error>) {
    match result {
        Ok(reply) => tracing::debug!(
            code = 0,
            request_id = reply.request_id.as_str(),
            attempts = reply.attempts,
            "call succeeded"
        ),
        Err(error) => tracing::info!(
            code = error.code().map(|c| c.get()),
            request_id = error.api().map(|a| a.request_id.as_str()),
            attempts = error.attempts(),
            error = %error,
            "call failed"
        ),
    }
}

impl ClientBuilder {
    /// Sends to the host of a region instead of the unified host.
    pub fn region(mut self, region: Region) -> Self {
        self.config = self.config.with_endpoint(region);
        self
    }

    /// Sends to another base URL: a region, a proxy over `https`, or a local test server
    /// ([`Endpoint::loopback_http`], the only way to use plain `http`).
    pub fn endpoint(mut self, endpoint: Endpoint) -> Self {
        self.config = self.config.with_endpoint(endpoint);
        self
    }

    /// Sends `IsTest=true` or `false` (only apps created on or before 2021-11-16 need it).
    /// `true` also selects the test environment's lower rate budget.
    pub fn is_test(mut self, is_test: bool) -> Self {
        self.config = self.config.with_is_test(is_test);
        self
    }

    /// How long establishing a connection (DNS, TCP and TLS) may take. A connection that
    /// cannot be established is retried: the request was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from connecting to the end of the response body. A
    /// timeout after sending is not retried by default: the request may have taken
    /// effect. Keep it longer than the connect timeout: when the attempt's time runs out
    /// first, the client cannot tell whether the request left, and reports that it may
    /// have.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.with_retry_policy(policy);
        self
    }

    /// Also retries attempts that may have reached the server (a timeout, a dropped
    /// connection, a body that is not the envelope). `SendCustomCommand` has no
    /// idempotency key, so this can deliver a message twice. Off by default; it applies
    /// over [`ClientBuilder::retry_policy`] whatever the order of the two.
    pub fn unsafe_retries(mut self, enabled: bool) -> Self {
        self.unsafe_retries = Some(enabled);
        self
    }

    /// Paces calls with this limiter, for example one shared with other clients or
    /// kept outside the process.
    pub fn rate_limiter(mut self, limiter: Arc<dyn RateLimiter>) -> Self {
        self.limiter = Some(limiter);
        self
    }

    /// Paces every call at `rate` instead of the vendor's budget for it (give each
    /// process its share of an AppId's budget).
    pub fn rate_limit(self, rate: Rate) -> Self {
        self.rate_limiter(Arc::new(Gcra::with_rate(rate)))
    }

    /// Does not pace at all (the server answers 206 when its budget is exceeded, and
    /// the retry policy waits then).
    pub fn no_rate_limit(self) -> Self {
        self.rate_limiter(Arc::new(Unlimited))
    }

    /// Builds the client: TLS by rustls with the ring provider and the webpki roots (the
    /// platform's verifier with the `native-roots` feature), HTTP/1.1 with keep-alive,
    /// redirects never followed, every response body read whatever its HTTP status, no
    /// proxy.
    pub fn build(self) -> Result<Client, BuildError> {
        let mut config = self.config;
        if let Some(enabled) = self.unsafe_retries {
            let policy = config.retry_policy().clone().with_unsafe_retries(enabled);
            config = config.with_retry_policy(policy);
        }
        #[cfg(not(feature = "native-roots"))]
        let roots = RootCerts::WebPki;
        #[cfg(feature = "native-roots")]
        let roots = RootCerts::PlatformVerifier;
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .unversioned_rustls_crypto_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .build();
        let agent_config = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            // A proxy from the environment would carry the signed request off this
            // machine, in clear text for a loopback test server.
            .proxy(None)
            .timeout_connect(Some(self.connect_timeout))
            .timeout_global(Some(self.timeout))
            .max_idle_age(POOL_IDLE_TIMEOUT)
            .tls_config(tls)
            .build();
        let agent = Agent::with_parts(
            agent_config,
            DefaultConnector::new(),
            CachingResolver::default(),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                config,
                limiter: self.limiter.unwrap_or_else(|| Arc::new(Gcra::new())),
                agent,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> ServerSecret {
        ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap()
    }

    #[test]
    fn defaults_and_debug_without_secret() {
        let client = Client::builder(AppId::new(7), secret()).build().unwrap();
        assert_eq!(
            client.config().endpoint().base_url(),
            "https://rtc-api.zego.im/"
        );
        assert!(!client.config().retry_policy().unsafe_retries());
        assert_eq!(client.inner.timeout, DEFAULT_TIMEOUT);
        assert_eq!(client.inner.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        let agent = client.inner.agent.config();
        assert!(!agent.http_status_as_error());
        assert_eq!(agent.max_redirects(), 0);
        assert!(agent.proxy().is_none());
        let debug = format!("{client:?}");
        assert!(!debug.contains("0123456789abcdef"), "{debug}");
        assert!(debug.contains("Gcra"), "{debug}");
    }

    #[test]
    fn unsafe_retries_apply_over_the_policy_in_any_order() {
        let a = Client::builder(AppId::new(7), secret())
            .unsafe_retries(true)
            .retry_policy(RetryPolicy::default().with_max_attempts(5))
            .build()
            .unwrap();
        assert!(a.config().retry_policy().unsafe_retries());
        assert_eq!(a.config().retry_policy().max_attempts(), 5);
        let b = Client::builder(AppId::new(7), secret())
            .region(Region::Frankfurt)
            .is_test(true)
            .no_rate_limit()
            .build()
            .unwrap();
        assert_eq!(
            b.config().endpoint().base_url(),
            "https://rtc-api-fra.zego.im/"
        );
        assert_eq!(b.config().is_test(), Some(true));
        assert!(format!("{b:?}").contains("Unlimited"));
    }

    #[test]
    fn classification() {
        let classify = |e: &ureq::Error| classify(e, Duration::from_secs(10));
        let refused = ureq::Error::Io(io::ErrorKind::ConnectionRefused.into());
        assert!(!classify(&refused).may_have_been_sent);
        assert!(!classify(&ureq::Error::HostNotFound).may_have_been_sent);
        assert!(!classify(&ureq::Error::Timeout(ureq::Timeout::Connect)).may_have_been_sent);
        let reset = ureq::Error::Io(io::ErrorKind::ConnectionReset.into());
        assert!(classify(&reset).may_have_been_sent);
        let late = classify(&ureq::Error::Timeout(ureq::Timeout::Global));
        assert!(late.may_have_been_sent);
        assert!(
            late.message.starts_with("no complete response"),
            "{}",
            late.message
        );
        let handshake = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::InvalidCertificate(rustls::CertificateError::Expired),
        );
        assert!(!classify(&ureq::Error::Io(handshake)).may_have_been_sent);
        let alert = io::Error::new(
            io::ErrorKind::InvalidData,
            rustls::Error::AlertReceived(rustls::AlertDescription::InternalError),
        );
        assert!(classify(&ureq::Error::Io(alert)).may_have_been_sent);
        let bad = classify(&ureq::Error::BadUri("http://h/?Signature=abc".into()));
        assert!(!bad.message.contains("Signature"), "{}", bad.message);
    }

    #[test]
    fn clones_share_the_budget_and_the_pool() {
        let a = Client::builder(AppId::new(7), secret()).build().unwrap();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
        fn is_send_sync<T: Send + Sync>(_: &T) {}
        is_send_sync(&a);
    }
}
