//! [`Client`] and its builder.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::Uri;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body, Incoming};
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::dns::{GaiResolver, Name};
use hyper_util::client::legacy::connect::{Connect, HttpConnector};
use hyper_util::rt::{TokioExecutor, TokioTimer};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use tower_service::Service;
use zego_core::{
    Action, AllPages, AppId, Batched, BuildClient, BuildError, ClientOptions, Config, Error,
    Exchange, FanOutReply, MAX_BODY_BYTES, Paged, Pager, Progress, Reply, ServerSecret, Shared,
    SystemHost, Transport, TransportFailure, ValidationError, error_chain, next_page, run,
    run_fan_out, run_pages,
};

/// How long an idle keep-alive connection stays in the pool.
const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// How connections are made: TCP (names resolved by `R`), TLS for `https`, all within the
/// connect timeout.
type Connector<R = GaiResolver> = ConnectWithin<HttpsConnector<HttpConnector<R>>>;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// An async client of the ZEGO server API.
///
/// Cheap to clone: every clone shares one connection pool and one set of rate budgets.
/// It is `Send + Sync`, and its futures are `Send`, so one client serves many tasks at
/// once. It must be used inside a tokio runtime (with the time driver enabled).
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

/// The HTTP stack: hyper's pooled client, and the attempt timeout.
struct Http<C = Connector> {
    client: HyperClient<C, Full<Bytes>>,
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

    /// Makes one call, with pacing and retries, and returns its reply or how it failed.
    /// A call that fails validation returns [`Error::Invalid`] before anything is sent.
    pub async fn call<A>(&self, action: A) -> Result<Reply<A::Data>, Error>
    where
        A: Action + Send,
    {
        run(&self.inner, &mut SystemHost, action).await
    }

    /// Makes a call whose list may be longer than one request takes, as requests paced by
    /// the client's budgets, one after the other, and merges their results. The call is
    /// checked once, before anything is sent; a request that fails as a whole is
    /// reported in [`FanOutReply::failed_chunks`] with its elements.
    pub async fn fan_out<B>(&self, call: B) -> Result<FanOutReply<B::Merged>, ValidationError>
    where
        B: Batched + Send,
    {
        self.fan_out_with(call, |_| ()).await
    }

    /// [`Client::fan_out`], telling `progress` after each request.
    pub async fn fan_out_with<B>(
        &self,
        call: B,
        progress: impl FnMut(Progress) + Send,
    ) -> Result<FanOutReply<B::Merged>, ValidationError>
    where
        B: Batched + Send,
    {
        run_fan_out(&self.inner, &mut SystemHost, call, progress).await
    }

    /// Every page of a call whose answer comes a page at a time (such as
    /// `DescribeUserList`), one by one: [`Pages::next`] fetches the next page, paced by
    /// the client's budgets (for `DescribeUserList`, one page per second per room) and
    /// retried by its policy. The call is checked once, before anything is sent.
    pub fn pages<P>(&self, call: P) -> Result<Pages<P>, ValidationError>
    where
        P: Paged + Send,
    {
        Ok(Pages {
            client: self.clone(),
            pager: Pager::new(call)?,
        })
    }

    /// Every page of a call whose answer comes a page at a time, gathered: the elements
    /// of every page in order, and the error that ended paging early, if one did
    /// ([`AllPages::error`]).
    pub async fn all_pages<P>(&self, call: P) -> Result<AllPages<P::Item>, ValidationError>
    where
        P: Paged + Send,
    {
        run_pages(&self.inner, &mut SystemHost, call).await
    }
}

/// The pages of a [`Paged`] call, fetched one by one; see [`Client::pages`].
///
/// ```no_run
/// # async fn example(client: zego_hyper::Client) {
/// use zego_hyper::actions::DescribeUserList;
/// let mut pages = client.pages(DescribeUserList::new("room-1")).unwrap();
/// while let Some(page) = pages.next().await {
///     match page {
///         Ok(reply) => println!("{:?}", reply.data.users()),
///         Err(error) => eprintln!("paging stopped: {error}"),
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Pages<P: Paged> {
    client: Client,
    pager: Pager<P>,
}

impl<P: Paged + Send> Pages<P> {
    /// The next page's reply, or the error that ends paging (then the last result);
    /// `None` once paging is over.
    pub async fn next(&mut self) -> Option<Result<Reply<P::Data>, Error>> {
        next_page(&self.client.inner, &mut SystemHost, &mut self.pager).await
    }
}

impl<C: Connect + Clone + Send + Sync + 'static> Transport for Http<C> {
    fn sleep_until(&self, deadline: Instant) -> impl Future<Output = ()> {
        tokio::time::sleep_until(tokio::time::Instant::from_std(deadline))
    }

    /// One exchange: send, then read the body up to the core's cap plus one byte, all
    /// within the attempt timeout.
    async fn exchange(&self, request: http::Request<Vec<u8>>) -> Exchange {
        let request = request.map(|body| Full::new(Bytes::from(body)));
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                // The outer error only names its kind ("client error (Connect)"). hyper's
                // and hyper-util's errors never carry the URL (which holds the signature).
                let cause =
                    std::error::Error::source(&e).map_or_else(|| error_chain(&e), error_chain);
                if e.is_connect() {
                    TransportFailure::not_sent(format!("could not connect: {cause}"))
                } else {
                    TransportFailure::maybe_sent(format!("the exchange failed: {cause}"))
                }
            })?;
            let status = response.status().as_u16();
            tracing::trace!(status, "response head received");
            let body = read_capped(response.into_body(), MAX_BODY_BYTES + 1)
                .await
                .map_err(|e| {
                    TransportFailure::maybe_sent(format!(
                        "reading the response body failed: {}",
                        error_chain(&e)
                    ))
                })?;
            Ok((status, body))
        };
        match tokio::time::timeout(self.timeout, exchange).await {
            Ok(outcome) => outcome,
            Err(_) => Err(TransportFailure::maybe_sent(format!(
                "no complete response within the attempt timeout of {:?}",
                self.timeout
            ))),
        }
    }
}

/// Reads a body up to `cap` bytes; the rest, if any, is left unread (the connection is
/// then closed rather than reused).
async fn read_capped(mut body: Incoming, cap: usize) -> Result<Vec<u8>, hyper::Error> {
    let hint = body.size_hint().exact().unwrap_or(0);
    let mut buf = Vec::with_capacity(usize::try_from(hint).unwrap_or(cap).min(cap));
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            let room = cap - buf.len();
            buf.extend_from_slice(&data[..data.len().min(room)]);
            if buf.len() >= cap {
                break;
            }
        }
    }
    Ok(buf)
}

impl BuildClient for Client {
    /// Builds the client: TLS by rustls with the ring provider, trusting the webpki roots
    /// (the platform's with the `native-roots` feature) and the builder's extra roots,
    /// HTTP/1.1 with keep-alive, redirects never followed, and each new connection (name
    /// resolution, TCP and the TLS handshake) within the connect timeout.
    fn build_client(options: ClientOptions) -> Result<Self, BuildError> {
        let http = Http::new(&options, GaiResolver::new())?;
        Ok(Client {
            inner: Arc::new(Shared { options, http }),
        })
    }
}

impl<R> Http<Connector<R>>
where
    R: Service<Name, Error: Into<BoxError>, Response: Iterator<Item = SocketAddr>>,
    R: Clone + Send + Sync + 'static,
    R::Future: Send,
{
    /// The HTTP stack, resolving names with `resolver`.
    fn new(options: &ClientOptions, resolver: R) -> Result<Self, BuildError> {
        let mut tcp = HttpConnector::new_with_resolver(resolver);
        // The scheme is checked by `Endpoint` (plain http only on loopback) and by the
        // TLS connector, which wraps this one.
        tcp.enforce_http(false);
        // Shares the connect timeout between the addresses of a name; the whole of
        // connecting is bounded by `ConnectWithin`.
        tcp.set_connect_timeout(Some(options.connect_timeout));
        tcp.set_nodelay(true);
        let tls = HttpsConnectorBuilder::new()
            .with_tls_config(tls_config(options)?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let connector = ConnectWithin {
            inner: tls,
            timeout: options.connect_timeout,
        };
        let client = HyperClient::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .build(connector);
        Ok(Http {
            client,
            timeout: options.timeout,
        })
    }
}

/// rustls with the ring provider, trusting the webpki roots (the platform's store with
/// `native-roots`) and the builder's extra root certificates.
fn tls_config(options: &ClientOptions) -> Result<rustls::ClientConfig, BuildError> {
    let failed = |e: rustls::Error| BuildError::Tls(e.to_string().to_lowercase());
    #[cfg(not(feature = "native-roots"))]
    let mut roots = RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    #[cfg(feature = "native-roots")]
    let mut roots = {
        let mut store = RootCertStore::empty();
        store.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        if store.is_empty() {
            return Err(BuildError::Tls(
                "no usable root certificate in the platform's store".to_owned(),
            ));
        }
        store
    };
    for root in &options.root_certificates {
        roots
            .add(CertificateDer::from(root.der().to_vec()))
            .map_err(BuildError::unusable_root_certificate)?;
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Bounds the whole of making a connection (the name's resolution, TCP, and the TLS
/// handshake) by the connect timeout; its expiry is a connect error, so the attempt is
/// "not sent".
#[derive(Clone, Debug)]
struct ConnectWithin<C> {
    inner: C,
    timeout: Duration,
}

/// No connection within the connect timeout.
#[derive(Debug)]
struct ConnectTimeout(Duration);

impl std::fmt::Display for ConnectTimeout {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "no connection (name, tcp and tls) within the connect timeout of {:?}",
            self.0
        )
    }
}

impl std::error::Error for ConnectTimeout {}

impl<C> Service<Uri> for ConnectWithin<C>
where
    C: Service<Uri, Error: Into<BoxError>, Future: Send + 'static>,
{
    type Response = C::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<C::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let (connecting, timeout) = (self.inner.call(uri), self.timeout);
        Box::pin(async move {
            match tokio::time::timeout(timeout, connecting).await {
                Ok(connected) => connected.map_err(Into::into),
                Err(_) => Err(ConnectTimeout(timeout).into()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use zego_conformance::tls::{assert_stalls, stalled_options};

    /// A name lookup that never ends, as with a DNS server that does not answer.
    #[derive(Clone)]
    struct Stalled;

    impl Service<Name> for Stalled {
        type Response = std::vec::IntoIter<SocketAddr>;
        type Error = std::io::Error;
        type Future = std::future::Pending<Result<Self::Response, Self::Error>>;

        fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
            Poll::Ready(Ok(()))
        }

        fn call(&mut self, _: Name) -> Self::Future {
            std::future::pending()
        }
    }

    /// A name that cannot be resolved within the connect timeout: each attempt ends
    /// then, "not sent", and the call is retried (before, only TCP had a connect timeout:
    /// the lookup ran until the attempt timeout and the send was reported as having
    /// maybe reached the server).
    #[test]
    fn a_stalled_name_lookup_ends_at_the_connect_timeout_and_is_retried() {
        let options = stalled_options::<Client>();
        let http = Http::new(&options, Stalled).unwrap();
        let client = Shared { options, http };
        let runtime = tokio::runtime::Runtime::new().unwrap();
        assert_stalls(|send| runtime.block_on(run(&client, &mut SystemHost, send)));
    }

    use zego_core::Endpoint;
    use zego_core::actions::DescribeUserList;

    /// The two pager methods carry a call through the client and agree: page by page and
    /// gathered, the same pages and the same error, whatever the mock answers (a page, or
    /// 100000007 from a mock that does not know the call).
    #[tokio::test]
    async fn pages_run_through_the_client() {
        let secret = "0123456789abcdef0123456789abcdef";
        let mock = zego_mock::MockServer::builder()
            .app(zego_mock::App::new(AppId::new(7), secret))
            .start()
            .unwrap();
        let client = Client::builder(AppId::new(7), ServerSecret::new(secret).unwrap())
            .endpoint(Endpoint::loopback_http(&mock.base_url()).unwrap())
            .build()
            .unwrap();
        let mut pages = client.pages(DescribeUserList::new("r")).unwrap();
        let mut results = Vec::new();
        while let Some(page) = pages.next().await {
            results.push(page);
        }
        assert!(!results.is_empty());
        let all = client.all_pages(DescribeUserList::new("r")).await.unwrap();
        assert_eq!(all.pages, results.iter().filter(|r| r.is_ok()).count());
        assert_eq!(
            all.error.map(|e| e.code()),
            results.last().unwrap().as_ref().err().map(Error::code)
        );
        assert!(client.pages(DescribeUserList::new("")).is_err());
    }
}
