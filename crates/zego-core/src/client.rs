//! The one client builder, shared by every transport.
//!
//! A transport's `Client::builder(..)` returns a [`ClientBuilder`] of its own client
//! type; the builder gathers the [`ClientOptions`] and hands them to the transport's
//! [`BuildClient`] implementation, which only adds its HTTP stack. So every transport
//! has the same builder, with the same defaults, by construction.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use crate::action::Rate;
use crate::budget::SharedBudget;
use crate::config::Config;
use crate::credentials::{AppId, ServerSecret};
use crate::endpoint::{Endpoint, Region};
use crate::rate::{Gcra, RateLimiter, Unlimited};
use crate::retry::RetryPolicy;
use crate::sequence::Sequence;

/// How long establishing a connection (DNS, TCP and TLS) may take, unless
/// [`ClientBuilder::connect_timeout`] says otherwise: 5 seconds.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long one attempt (connecting, sending, and reading the whole response) may take,
/// unless [`ClientBuilder::timeout`] says otherwise: 10 seconds.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Everything a transport's client is built from.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ClientOptions {
    /// Credentials, endpoint, environment and retry policy.
    pub config: Config,
    /// The rate budget, shared by every clone of the client.
    pub limiter: Arc<dyn RateLimiter>,
    /// The `Sequence` source (spec §0.5), shared by every clone of the client.
    pub sequence: Arc<Sequence>,
    /// The connect timeout.
    pub connect_timeout: Duration,
    /// The timeout of one attempt.
    pub timeout: Duration,
    /// Root certificates trusted besides the transport's own roots
    /// ([`ClientBuilder::add_root_certificate`]).
    pub root_certificates: Vec<RootCertificate>,
    /// The budget kept outside the process that calls take their slots from
    /// ([`ClientBuilder::shared_budget`]); `None` paces with [`limiter`](Self::limiter).
    pub shared_budget: Option<Arc<dyn SharedBudget>>,
}

/// A root certificate a client trusts besides its bundled roots (or the platform's), in
/// DER; made by [`ClientBuilder::add_root_certificate`]. Certificates are public: its
/// `Debug` shows only its size, to keep the client's `Debug` short.
#[derive(Clone, PartialEq, Eq)]
pub struct RootCertificate(Arc<[u8]>);

impl RootCertificate {
    /// Every certificate of a PEM text (its `CERTIFICATE` blocks; other blocks, such as
    /// a key, are skipped). Fails when the text has no certificate or one does not decode.
    pub fn from_pem(pem: &[u8]) -> Result<Vec<RootCertificate>, BuildError> {
        use rustls_pki_types::CertificateDer;
        use rustls_pki_types::pem::PemObject;
        let certificates = CertificateDer::pem_slice_iter(pem)
            .map(|c| c.map(|der| RootCertificate(Arc::from(der.as_ref()))))
            .collect::<Result<Vec<_>, _>>()
            .map_err(BuildError::unusable_root_certificate)?;
        if certificates.is_empty() {
            return Err(BuildError::Tls(
                "no certificate in the root certificate's pem".to_owned(),
            ));
        }
        Ok(certificates)
    }

    /// The certificate in DER.
    pub fn der(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for RootCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RootCertificate({} bytes)", self.0.len())
    }
}

/// What a transport's client shares between its clones (behind one `Arc`): the options
/// every call uses and the transport's HTTP stack. Its `Debug` shows the options (the
/// secret redacted), never the stack.
pub struct Shared<H> {
    /// The options.
    pub options: ClientOptions,
    /// The transport's HTTP stack, which carries the exchanges ([`Transport`](crate::Transport)).
    pub http: H,
}

impl<H> fmt::Debug for Shared<H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// A transport's client, built from [`ClientOptions`].
pub trait BuildClient: Sized {
    /// `true` for a blocking transport, which accepts only a blocking
    /// [`SharedBudget`] (and an async one only an async budget).
    const BLOCKING: bool = false;

    /// Adds the transport's HTTP stack to the options.
    fn build_client(options: ClientOptions) -> Result<Self, BuildError>;
}

/// A client that could not be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The TLS configuration could not be built (for example, no usable root certificate
    /// was found in the platform's store, or a root certificate given to
    /// [`ClientBuilder::add_root_certificate`] does not decode).
    #[error("the tls configuration failed: {0}")]
    Tls(String),
    /// The shared budget does not fit the transport: a blocking budget for an async
    /// client, or an async one for a blocking client.
    #[error("{0}")]
    SharedBudget(String),
}

impl BuildError {
    /// A root certificate the transport's TLS library cannot use, for `reason`.
    pub fn unusable_root_certificate(reason: impl fmt::Display) -> Self {
        BuildError::Tls(format!("a root certificate cannot be used: {reason}").to_lowercase())
    }
}

/// Builds a client of a transport (`C`); start from the transport's `Client::builder`.
///
/// The defaults: the unified host (`https://rtc-api.zego.im/`), no `IsTest`, a connect
/// timeout of 5 s, an attempt timeout of 10 s, [`RetryPolicy::default`] (no retry of a
/// send after its request may have reached the server), the vendor's budgets for each
/// call ([`Gcra`]) and a [`Sequence`] source, both shared by every clone of the client.
#[must_use]
pub struct ClientBuilder<C> {
    config: Config,
    unsafe_retries: Option<bool>,
    limiter: Option<Arc<dyn RateLimiter>>,
    shared_budget: Option<Arc<dyn SharedBudget>>,
    sequence: Option<Arc<Sequence>>,
    connect_timeout: Duration,
    timeout: Duration,
    /// The root certificates added, or why one could not be (reported by `build`).
    root_certificates: Result<Vec<RootCertificate>, BuildError>,
    client: PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ClientBuilder<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("config", &self.config)
            .field("unsafe_retries", &self.unsafe_retries)
            .field("limiter", &self.limiter)
            .field("shared_budget", &self.shared_budget)
            .field("sequence", &self.sequence)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("root_certificates", &self.root_certificates)
            .finish()
    }
}

impl<C: BuildClient> ClientBuilder<C> {
    /// A builder with the defaults, for an application.
    pub fn new(app_id: AppId, secret: ServerSecret) -> Self {
        ClientBuilder {
            config: Config::new(app_id, secret),
            unsafe_retries: None,
            limiter: None,
            shared_budget: None,
            sequence: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
            root_certificates: Ok(Vec::new()),
            client: PhantomData,
        }
    }

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
    /// `true` also selects the test environment's lower rate budgets.
    pub fn is_test(mut self, is_test: bool) -> Self {
        self.config = self.config.with_is_test(is_test);
        self
    }

    /// How long establishing a new connection may take: resolving the host's name,
    /// TCP and the TLS handshake, together. A connection that cannot be established in
    /// that time is retried: the request was not sent.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt may take, from sending to the end of the response body. A
    /// timeout after sending is not retried by default: the request may have taken
    /// effect.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Also trusts the certificates of `pem` (one or more `-----BEGIN CERTIFICATE-----`
    /// blocks) as roots, besides the bundled webpki roots (or the platform's, with a
    /// transport's `native-roots` feature): for a server whose certificate comes from a
    /// private CA, such as `zego-mock --tls` (its CA at `GET /_mock/ca.pem`), reached
    /// through an `https://` [`Endpoint`]. Repeatable. A text without a certificate makes
    /// [`build`](Self::build) fail with [`BuildError::Tls`].
    pub fn add_root_certificate(mut self, pem: impl AsRef<[u8]>) -> Self {
        if let Ok(roots) = &mut self.root_certificates {
            match RootCertificate::from_pem(pem.as_ref()) {
                Ok(more) => roots.extend(more),
                Err(e) => self.root_certificates = Err(e),
            }
        }
        self
    }

    /// Replaces the retry policy.
    pub fn retry_policy(mut self, policy: RetryPolicy) -> Self {
        self.config = self.config.with_retry_policy(policy);
        self
    }

    /// Also retries sends (calls that are not [idempotent](crate::Action::IDEMPOTENT),
    /// such as `SendCustomCommand`) after an attempt that may have reached the server (a
    /// timeout, a dropped connection, a body that is not the envelope). The API has no
    /// idempotency key, so this can deliver a message twice. Off by default; it applies
    /// over [`ClientBuilder::retry_policy`] whatever the order of the two. Idempotent calls
    /// are retried after such attempts either way.
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

    /// Takes every call's rate slots from `budget`, a budget kept outside the process
    /// and shared with the other processes of the AppId (for example `zego-redis`'s).
    /// The in-process limiter stays the fallback when the budget says so
    /// ([`OnUnavailable::Local`](crate::OnUnavailable::Local)). A slot that would start
    /// after the call's time cap is not taken: the call ends with
    /// [`Error::Budget`](crate::Error::Budget).
    pub fn shared_budget(mut self, budget: Arc<dyn SharedBudget>) -> Self {
        self.shared_budget = Some(budget);
        self
    }

    /// Draws the `Sequence` values of the media-service calls from this source, for
    /// example one shared with other clients of the process that act on the same
    /// streams. By default each client has its own, shared by its clones.
    pub fn sequence(mut self, source: Arc<Sequence>) -> Self {
        self.sequence = Some(source);
        self
    }

    /// The options gathered so far, with the defaults filled in (and no extra root
    /// certificate when one did not decode, which [`build`](Self::build) reports).
    pub fn options(self) -> ClientOptions {
        let mut config = self.config;
        if let Some(enabled) = self.unsafe_retries {
            let policy = config.retry_policy().clone().with_unsafe_retries(enabled);
            config = config.with_retry_policy(policy);
        }
        ClientOptions {
            config,
            limiter: self.limiter.unwrap_or_else(|| Arc::new(Gcra::new())),
            sequence: self.sequence.unwrap_or_default(),
            connect_timeout: self.connect_timeout,
            timeout: self.timeout,
            root_certificates: self.root_certificates.unwrap_or_default(),
            shared_budget: self.shared_budget,
        }
    }

    /// Builds the client.
    pub fn build(self) -> Result<C, BuildError> {
        if let Err(e) = &self.root_certificates {
            return Err(e.clone());
        }
        if let Some(budget) = &self.shared_budget
            && budget.is_blocking() != C::BLOCKING
        {
            let (budget, client) = if C::BLOCKING {
                ("an async", "a blocking")
            } else {
                ("a blocking", "an async")
            };
            return Err(BuildError::SharedBudget(format!(
                "{budget} shared budget cannot pace {client} client: give it the shared budget of its kind"
            )));
        }
        C::build_client(self.options())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug)]
    struct Options(ClientOptions);

    impl BuildClient for Options {
        fn build_client(options: ClientOptions) -> Result<Self, BuildError> {
            Ok(Options(options))
        }
    }

    fn builder() -> ClientBuilder<Options> {
        ClientBuilder::new(
            AppId::new(7),
            ServerSecret::new("0123456789abcdef0123456789abcdef").unwrap(),
        )
    }

    #[test]
    fn defaults() {
        let Options(o) = builder().build().unwrap();
        assert_eq!(o.config.endpoint().base_url(), "https://rtc-api.zego.im/");
        assert_eq!(o.config.is_test(), None);
        assert_eq!(o.connect_timeout, DEFAULT_CONNECT_TIMEOUT);
        assert_eq!(o.timeout, DEFAULT_TIMEOUT);
        assert_eq!(o.config.retry_policy(), &RetryPolicy::default());
        assert!(format!("{:?}", o.limiter).contains("Gcra"));
        assert!(
            Arc::ptr_eq(&o.sequence, &o.clone().sequence),
            "clones share it"
        );
        let shared = Arc::new(Sequence::new());
        let Options(a) = builder().sequence(Arc::clone(&shared)).build().unwrap();
        let Options(b) = builder().sequence(Arc::clone(&shared)).build().unwrap();
        assert!(Arc::ptr_eq(&a.sequence, &b.sequence));
        assert!(!Arc::ptr_eq(&a.sequence, &o.sequence));
        let debug = format!("{o:?} {:?}", builder());
        assert!(!debug.contains("0123456789abcdef"), "{debug}");
    }

    #[test]
    fn unsafe_retries_apply_over_the_policy_in_any_order() {
        let Options(a) = builder()
            .unsafe_retries(true)
            .retry_policy(RetryPolicy::default().with_max_attempts(5))
            .build()
            .unwrap();
        assert!(a.config.retry_policy().unsafe_retries());
        assert_eq!(a.config.retry_policy().max_attempts(), 5);
        let Options(b) = builder()
            .region(Region::Frankfurt)
            .is_test(true)
            .no_rate_limit()
            .connect_timeout(Duration::from_secs(1))
            .timeout(Duration::from_secs(2))
            .build()
            .unwrap();
        assert_eq!(
            b.config.endpoint().base_url(),
            "https://rtc-api-fra.zego.im/"
        );
        assert_eq!(b.config.is_test(), Some(true));
        assert!(!b.config.retry_policy().unsafe_retries());
        assert!(format!("{:?}", b.limiter).contains("Unlimited"));
        assert_eq!(
            (b.connect_timeout, b.timeout),
            (Duration::from_secs(1), Duration::from_secs(2))
        );
        let Options(c) = builder().rate_limit(Rate::per_second(5)).build().unwrap();
        assert!(format!("{:?}", c.limiter).contains("Gcra"));
    }

    /// Two certificates (DER: `30 03 02 01 01` and `30 00`) in PEM, with a key between
    /// them, which is skipped.
    const TWO: &str = "-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n\
        -----BEGIN PRIVATE KEY-----\nMAA=\n-----END PRIVATE KEY-----\n\
        -----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";

    #[test]
    fn root_certificates() {
        let Options(o) = builder().build().unwrap();
        assert!(o.root_certificates.is_empty());
        let Options(o) = builder()
            .add_root_certificate(TWO)
            .add_root_certificate(TWO.as_bytes())
            .build()
            .unwrap();
        let ders: Vec<&[u8]> = o
            .root_certificates
            .iter()
            .map(RootCertificate::der)
            .collect();
        assert_eq!(
            ders,
            [
                &[0x30, 3, 2, 1, 1][..],
                &[0x30, 0],
                &[0x30, 3, 2, 1, 1],
                &[0x30, 0]
            ]
        );
        assert!(format!("{o:?}").contains("RootCertificate(5 bytes)"));
        for bad in [
            "",
            "not pem",
            "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
        ] {
            let error = builder()
                .add_root_certificate(bad)
                .add_root_certificate(TWO)
                .build()
                .unwrap_err();
            assert!(matches!(error, BuildError::Tls(_)), "{bad:?}: {error:?}");
            assert!(error.to_string().contains("root certificate"), "{error}");
        }
    }
}
