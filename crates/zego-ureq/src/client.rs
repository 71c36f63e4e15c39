//! [`Client`] and its builder.

use std::future::{Future, ready};
use std::io::{self, Read};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::resolve::CachingResolver;
use ureq::Agent;
use ureq::tls::{RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::transport::DefaultConnector;
use zego_core::{
    Action, AppId, Batched, BuildClient, BuildError, ClientOptions, Config, Error, Exchange,
    FanOutReply, MAX_BODY_BYTES, Progress, Reply, ServerSecret, Shared, SystemHost, Transport,
    TransportFailure, ValidationError, block_on_ready, error_chain, run, run_fan_out,
};

/// How long an idle keep-alive connection stays in the pool.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A blocking client of the ZEGO server API.
///
/// Cheap to clone: every clone shares one connection pool and one set of rate budgets.
/// It is `Send + Sync`, so one client serves many threads at once. It runs no async
/// runtime of its own: call it from a plain thread, or from async code through
/// `tokio::task::spawn_blocking`.
///
/// Every call of the API goes through [`Client::call`] (any [`Action`]), and every call
/// with a list longer than one request takes through [`Client::fan_out`] (any
/// [`Batched`] call). Both run the core's loops ([`zego_core::run`]): validation before
/// any I/O, a fresh signature per attempt, pacing by the shared budgets, and retries by
/// the [`RetryPolicy`](zego_core::RetryPolicy).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Shared<Http>>,
}

/// The HTTP stack: ureq's agent (its global timeout is the attempt timeout).
struct Http {
    agent: Agent,
    timeout: Duration,
}

/// Builds a [`Client`]; see [`Client::builder`].
pub type ClientBuilder = zego_core::ClientBuilder<Client>;

impl Client {
    /// Starts building a client for an application; see [`zego_core::ClientBuilder`]
    /// for the defaults.
    pub fn builder(app_id: AppId, secret: ServerSecret) -> ClientBuilder {
        ClientBuilder::new(app_id, secret)
    }

    /// The configuration every call uses.
    pub fn config(&self) -> &Config {
        &self.inner.options.config
    }

    /// Makes one call, with pacing and retries, and returns its reply or how it failed;
    /// blocks the thread until then. A call that fails validation returns
    /// [`Error::Invalid`] before anything is sent.
    pub fn call<A: Action>(&self, action: A) -> Result<Reply<A::Data>, Error> {
        block_on_ready(run(&self.inner, &mut SystemHost, action))
    }

    /// Makes a call whose list may be longer than one request takes, as requests paced by
    /// the client's budgets, one after the other, and merges their results. The call is
    /// checked once, before anything is sent; a request that fails as a whole is
    /// reported in [`FanOutReply::failed_chunks`] with its elements.
    pub fn fan_out<B: Batched>(&self, call: B) -> Result<FanOutReply<B::Merged>, ValidationError> {
        self.fan_out_with(call, |_| ())
    }

    /// [`Client::fan_out`], telling `progress` after each request.
    pub fn fan_out_with<B: Batched>(
        &self,
        call: B,
        progress: impl FnMut(Progress),
    ) -> Result<FanOutReply<B::Merged>, ValidationError> {
        block_on_ready(run_fan_out(&self.inner, &mut SystemHost, call, progress))
    }
}

/// The blocking side of the core's loops: each method does its I/O when called and
/// returns a ready future.
impl Transport for Http {
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
        ready(())
    }

    fn exchange(&self, request: http::Request<Vec<u8>>) -> impl Future<Output = Exchange> {
        ready(self.exchange_now(request))
    }
}

impl Http {
    /// One exchange: send, then read the body up to the core's cap plus one byte, all
    /// within the attempt timeout (ureq's global timeout).
    fn exchange_now(
        &self,
        request: http::Request<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>), TransportFailure> {
        let response = self
            .agent
            .run(request)
            .map_err(|e| classify(&e, self.timeout))?;
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
        other => error_chain(other),
    }
}

impl BuildClient for Client {
    /// Builds the client: TLS by rustls with the ring provider and the webpki roots (the
    /// platform's verifier with the `native-roots` feature), HTTP/1.1 with keep-alive,
    /// redirects never followed, every response body read whatever its HTTP status, no
    /// proxy.
    fn build_client(options: ClientOptions) -> Result<Self, BuildError> {
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
            .timeout_connect(Some(options.connect_timeout))
            .timeout_global(Some(options.timeout))
            .max_idle_age(POOL_IDLE_TIMEOUT)
            .tls_config(tls)
            .build();
        let agent = Agent::with_parts(
            agent_config,
            DefaultConnector::new(),
            CachingResolver::default(),
        );
        let http = Http {
            agent,
            timeout: options.timeout,
        };
        Ok(Client {
            inner: Arc::new(Shared { options, http }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_agent_follows_no_redirect_and_no_proxy() {
        let secret = ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        let client = Client::builder(AppId::new(7), secret).build().unwrap();
        let agent = client.inner.http.agent.config();
        assert!(!agent.http_status_as_error());
        assert_eq!(agent.max_redirects(), 0);
        assert!(agent.proxy().is_none());
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
}
