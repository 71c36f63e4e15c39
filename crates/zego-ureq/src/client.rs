//! [`Client`] and its builder.

use std::future::{Future, ready};
use std::io::Read;
use std::iter::FusedIterator;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::connect::{Connect, Deferred, NotConnected};
use crate::resolve::CachingResolver;
use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use ureq::Agent;
use ureq::unversioned::resolver::Resolver;
use zego_core::{
    Action, AllPages, AppId, Batched, BuildClient, BuildError, ClientOptions, Config, Error,
    Exchange, FanOutReply, MAX_BODY_BYTES, Paged, Pager, Progress, Reply, ServerSecret, Shared,
    SystemHost, Transport, TransportFailure, ValidationError, block_on_ready, error_chain,
    next_page, run, run_fan_out, run_pages,
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
/// Every call of the API goes through [`Client::call`] (any [`Action`]), every call
/// with a list longer than one request takes through [`Client::fan_out`] (any
/// [`Batched`] call), and every page of a call whose answer comes a page at a time
/// through [`Client::pages`] or [`Client::all_pages`] (any [`Paged`] call). They run the
/// core's loops ([`zego_core::run`]): validation before any I/O, a fresh signature per
/// attempt, pacing by the shared budgets, and retries by the
/// [`RetryPolicy`](zego_core::RetryPolicy).
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Shared<Http>>,
}

/// The HTTP stack: ureq's agent (its global timeout is the attempt timeout).
struct Http {
    agent: Agent,
    connect_timeout: Duration,
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

    /// Every page of a call whose answer comes a page at a time (such as
    /// `DescribeUserList`), as an iterator: each item is one page's reply, or the error
    /// that ends paging (then the last item). Each page is fetched, blocking the thread,
    /// when the iterator is advanced, paced by the client's budgets (for
    /// `DescribeUserList`, one page per second per room) and retried by its policy. The
    /// call is checked once, before anything is sent.
    pub fn pages<P: Paged>(&self, call: P) -> Result<Pages<P>, ValidationError> {
        Ok(Pages {
            client: self.clone(),
            pager: Pager::new(call)?,
        })
    }

    /// Every page of a call whose answer comes a page at a time, gathered: the elements
    /// of every page in order, and the error that ended paging early, if one did
    /// ([`AllPages::error`]). Blocks the thread until the last page.
    pub fn all_pages<P: Paged>(&self, call: P) -> Result<AllPages<P::Item>, ValidationError> {
        block_on_ready(run_pages(&self.inner, &mut SystemHost, call))
    }
}

/// The pages of a [`Paged`] call, fetched one by one as the iterator is advanced; see
/// [`Client::pages`].
#[derive(Debug)]
pub struct Pages<P: Paged> {
    client: Client,
    pager: Pager<P>,
}

impl<P: Paged> Iterator for Pages<P> {
    type Item = Result<Reply<P::Data>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        block_on_ready(next_page(
            &self.client.inner,
            &mut SystemHost,
            &mut self.pager,
        ))
    }
}

impl<P: Paged> FusedIterator for Pages<P> {}

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
            .map_err(|e| classify(&e, self.connect_timeout, self.timeout))?;
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

/// Sorts a ureq error: a failure while connecting (marked by [`Connect`]) or in the
/// request itself is "not sent"; any other (a timeout, a reset, a TLS record that does not
/// decrypt, a connection closed before the answer) "may have been sent".
fn classify(error: &ureq::Error, connect_timeout: Duration, timeout: Duration) -> TransportFailure {
    use ureq::Error as E;
    match (NotConnected::of(error), error) {
        (Some(E::Timeout(_)), _) => TransportFailure::not_sent(format!(
            "could not connect within the connect timeout of {connect_timeout:?}"
        )),
        (Some(cause), _) => {
            TransportFailure::not_sent(format!("could not connect: {}", describe(cause)))
        }
        // Errors in the request itself: nothing was written.
        (None, E::BadUri(_) | E::Http(_) | E::RequireHttpsOnly(_)) => {
            TransportFailure::not_sent(format!("could not connect: {}", describe(error)))
        }
        (None, E::Timeout(_)) => TransportFailure::maybe_sent(format!(
            "no complete response within the attempt timeout of {timeout:?}"
        )),
        (None, _) => {
            TransportFailure::maybe_sent(format!("the exchange failed: {}", describe(error)))
        }
    }
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
    /// Blocking: a shared budget must be blocking too.
    const BLOCKING: bool = true;

    /// Builds the client: TLS by rustls with the ring provider, trusting the webpki roots
    /// (the platform's verifier and store with the `native-roots` feature) and the
    /// builder's extra roots, HTTP/1.1 with keep-alive, redirects never followed, every
    /// response body read whatever its HTTP status, no proxy, and each new connection
    /// (name resolution, TCP and the TLS handshake) within the connect timeout.
    fn build_client(options: ClientOptions) -> Result<Self, BuildError> {
        let http = Http::new(&options, CachingResolver::default())?;
        Ok(Client {
            inner: Arc::new(Shared { options, http }),
        })
    }
}

impl Http {
    /// The HTTP stack, resolving names with `resolver`.
    fn new(options: &ClientOptions, resolver: impl Resolver) -> Result<Http, BuildError> {
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
            .build();
        let connector = Connect::new(resolver, tls_config(options)?);
        Ok(Http {
            agent: Agent::with_parts(agent_config, connector, Deferred),
            connect_timeout: options.connect_timeout,
            timeout: options.timeout,
        })
    }
}

/// rustls with the ring provider, checking certificates against the webpki roots (with
/// `native-roots`, by the platform's verifier) and the builder's extra root certificates.
fn tls_config(options: &ClientOptions) -> Result<Arc<ClientConfig>, BuildError> {
    let failed = |e: rustls::Error| BuildError::Tls(e.to_string().to_lowercase());
    let extra = options
        .root_certificates
        .iter()
        .map(|root| CertificateDer::from(root.der().to_vec()));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(failed)?;
    #[cfg(not(feature = "native-roots"))]
    let config = {
        let mut roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        for root in extra {
            roots
                .add(root)
                .map_err(BuildError::unusable_root_certificate)?;
        }
        config.with_root_certificates(roots)
    };
    #[cfg(feature = "native-roots")]
    let config = config
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(
            rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider)
                .map_err(BuildError::unusable_root_certificate)?,
        ));
    Ok(Arc::new(config.with_no_client_auth()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io;
    use ureq::unversioned::resolver::ResolvedSocketAddrs;
    use ureq::unversioned::transport::NextTimeout;
    use zego_conformance::tls::{assert_stalls, stalled_options};

    /// A name lookup that never ends: it waits as long as it is allowed, then gives up,
    /// as ureq's own lookup does when no DNS server answers.
    #[derive(Debug)]
    struct Stalled;

    impl Resolver for Stalled {
        fn resolve(
            &self,
            _: &http::Uri,
            _: &ureq::config::Config,
            timeout: NextTimeout,
        ) -> Result<ResolvedSocketAddrs, ureq::Error> {
            std::thread::sleep((*timeout.after).min(Duration::from_secs(30)));
            Err(ureq::Error::Timeout(timeout.reason))
        }
    }

    /// A name that cannot be resolved within the connect timeout: each attempt ends
    /// then, "not sent", and the call is retried (before, the lookup ran until the
    /// attempt timeout and the send was reported as having maybe reached the server).
    #[test]
    fn a_stalled_name_lookup_ends_at_the_connect_timeout_and_is_retried() {
        let options = stalled_options::<Client>();
        let http = Http::new(&options, Stalled).unwrap();
        let client = Shared { options, http };
        assert_stalls(|send| block_on_ready(run(&client, &mut SystemHost, send)));
    }

    /// A loopback server answering one connection per body, in order; gives the instant
    /// and the request line of each request.
    fn serve(
        bodies: Vec<&'static str>,
    ) -> (String, std::thread::JoinHandle<Vec<(Instant, String)>>) {
        use std::io::Write;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/", listener.local_addr().unwrap());
        let server = std::thread::spawn(move || {
            let mut seen = Vec::new();
            for body in bodies {
                let (mut stream, _) = listener.accept().unwrap();
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    stream.read_exact(&mut byte).unwrap();
                    head.push(byte[0]);
                }
                let line = String::from_utf8_lossy(&head)
                    .lines()
                    .next()
                    .unwrap()
                    .to_owned();
                seen.push((Instant::now(), line));
                write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                     Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                )
                .unwrap();
            }
            seen
        });
        (base, server)
    }

    #[test]
    fn pages_follow_the_marker_one_per_second_per_room() {
        use zego_core::actions::DescribeUserList;
        let (base, server) = serve(vec![
            r#"{"Code":0,"RequestId":"1","Data":{"Marker":"m1","UserList":[{"UserId":"a"}]}}"#,
            r#"{"Code":0,"RequestId":"2","Data":{"Marker":"","UserList":[{"UserId":"b"}]}}"#,
            r#"{"Code":0,"RequestId":"3","Data":{"Marker":"","UserList":[{"UserId":"c"}]}}"#,
        ]);
        let secret = ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap();
        let client = Client::builder(AppId::new(7), secret)
            .endpoint(zego_core::Endpoint::loopback_http(&base).unwrap())
            .build()
            .unwrap();
        let pages: Vec<_> = client
            .pages(DescribeUserList::new("r").limit(1))
            .unwrap()
            .collect();
        assert_eq!(pages.len(), 2, "the empty marker ends it");
        let ids: Vec<_> = pages
            .iter()
            .map(|p| {
                p.as_ref().unwrap().data.users().unwrap()[0]
                    .user_id
                    .as_str()
            })
            .collect();
        assert_eq!(ids, ["a", "b"]);
        // Gathered, from the start again: the room's budget still paces the first page.
        let all = client.all_pages(DescribeUserList::new("r")).unwrap();
        assert!(all.is_complete());
        assert_eq!(all.items[0].user_id, "c");
        let seen = server.join().unwrap();
        assert!(seen[1].1.contains("&Marker=m1&"), "{}", seen[1].1);
        for pair in seen.windows(2) {
            let apart = pair[1].0 - pair[0].0;
            assert!(apart >= Duration::from_millis(990), "{apart:?}");
        }
        assert!(client.pages(DescribeUserList::new("")).is_err());
    }

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
        let classify =
            |e: &ureq::Error| classify(e, Duration::from_secs(5), Duration::from_secs(10));
        let connecting = |e: ureq::Error| ureq::Error::Other(Box::new(NotConnected(e)));
        let refused = || ureq::Error::Io(io::ErrorKind::ConnectionRefused.into());
        let tls = |e: rustls::Error| ureq::Error::Io(io::Error::new(io::ErrorKind::InvalidData, e));
        let certificate = || {
            tls(rustls::Error::InvalidCertificate(
                rustls::CertificateError::Expired,
            ))
        };

        // While connecting: not sent, whatever the error.
        for error in [
            refused(),
            ureq::Error::HostNotFound,
            ureq::Error::Timeout(ureq::Timeout::Connect),
            certificate(),
            tls(rustls::Error::AlertReceived(
                rustls::AlertDescription::HandshakeFailure,
            )),
        ] {
            let failure = classify(&connecting(error));
            assert!(!failure.may_have_been_sent, "{failure:?}");
            assert!(
                failure.message.starts_with("could not connect"),
                "{failure:?}"
            );
        }
        let late = classify(&connecting(ureq::Error::Timeout(ureq::Timeout::Global)));
        assert_eq!(
            late.message,
            "could not connect within the connect timeout of 5s"
        );

        // After: may have been sent, TLS errors included (a record of the response that
        // does not decrypt, an alert).
        for error in [
            ureq::Error::Io(io::ErrorKind::ConnectionReset.into()),
            tls(rustls::Error::DecryptError),
            tls(rustls::Error::AlertReceived(
                rustls::AlertDescription::InternalError,
            )),
            certificate(),
            refused(),
        ] {
            let failure = classify(&error);
            assert!(failure.may_have_been_sent, "{failure:?}");
            assert!(
                failure.message.starts_with("the exchange failed"),
                "{failure:?}"
            );
        }
        let late = classify(&ureq::Error::Timeout(ureq::Timeout::Global));
        assert!(late.may_have_been_sent);
        assert_eq!(
            late.message,
            "no complete response within the attempt timeout of 10s"
        );

        let bad = classify(&ureq::Error::BadUri("http://h/?Signature=abc".into()));
        assert!(!bad.may_have_been_sent);
        assert!(!bad.message.contains("Signature"), "{}", bad.message);
    }
}
