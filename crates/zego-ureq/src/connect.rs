//! Making a connection: the name's resolution, TCP and the TLS handshake, all within the
//! connect timeout, and any failure of it marked as one before anything was written.
//!
//! ureq resolves a name before it looks in its pool, under a timeout of its own, and its
//! connect timeout starts after that. Here the agent's resolver does nothing
//! ([`Deferred`]): [`Connect`] resolves the name itself, then opens TCP and, for
//! `https`, completes the TLS handshake (the client's last handshake message included)
//! before the connection is handed to ureq, so the three share one deadline, a name is
//! looked up only for a new connection, and every error until then is known to come
//! before the request: [`Connect`] wraps it in [`NotConnected`], which the client reads
//! as "not sent". An error after it (in the request, or a TLS record of the response)
//! is not wrapped.
//!
//! It plugs into ureq's `unversioned` transport interface, which ureq does not cover by
//! semver: an update of ureq may need a change here.

use std::fmt;
use std::io::{self, Read, Write};
use std::sync::Arc;
use std::time::Instant;

use http::Uri;
use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, StreamOwned};
use ureq::config::Config;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::time::Duration;
use ureq::unversioned::transport::{
    Buffers, ConnectionDetails, Connector, LazyBuffers, NextTimeout, TcpConnector, Transport,
    TransportAdapter,
};

/// The agent's resolver: resolves nothing, as [`Connect`] does it.
#[derive(Debug)]
pub(crate) struct Deferred;

impl Resolver for Deferred {
    fn resolve(
        &self,
        _: &Uri,
        _: &Config,
        _: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        Ok(self.empty())
    }
}

/// A failure while connecting: nothing of the request was written.
#[derive(Debug)]
pub(crate) struct NotConnected(pub(crate) ureq::Error);

impl fmt::Display for NotConnected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for NotConnected {}

impl NotConnected {
    /// The connect failure an error of `agent.run` is, if it is one.
    pub(crate) fn of(error: &ureq::Error) -> Option<&ureq::Error> {
        match error {
            ureq::Error::Other(inner) => inner.downcast_ref::<NotConnected>().map(|n| &n.0),
            _ => None,
        }
    }
}

/// See the module documentation.
#[derive(Debug)]
pub(crate) struct Connect<R> {
    resolver: R,
    tcp: TcpConnector,
    tls: Arc<ClientConfig>,
}

impl<R: Resolver> Connect<R> {
    pub(crate) fn new(resolver: R, tls: Arc<ClientConfig>) -> Self {
        Connect {
            resolver,
            tcp: TcpConnector::default(),
            tls,
        }
    }

    /// Resolves, connects and, for `https`, completes the handshake, within
    /// `details.timeout` (the connect timeout, or what is left of the attempt's when that
    /// ends first).
    fn connect_within(
        &self,
        details: &ConnectionDetails,
    ) -> Result<Box<dyn Transport>, ureq::Error> {
        let started = Instant::now();
        let within = details.timeout;
        let addrs = self.resolver.resolve(details.uri, details.config, within)?;
        let details = ConnectionDetails {
            uri: details.uri,
            addrs,
            config: details.config,
            request_level: details.request_level,
            resolver: details.resolver,
            now: (details.current_time)(),
            timeout: left(within, started),
            current_time: details.current_time.clone(),
            run_connector: details.run_connector.clone(),
            register_shutdown: details.register_shutdown.clone(),
        };
        let tcp = self
            .tcp
            .connect(&details, None::<()>)?
            .ok_or(ureq::Error::ConnectionFailed)?
            .boxed();
        if !details.needs_tls() {
            return Ok(tcp);
        }
        let host = details.uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| ureq::Error::Tls("the host is not a name tls can check"))?;
        let mut tls = ClientConnection::new(self.tls.clone(), name)?;
        let mut socket = TransportAdapter::new(tcp, details.current_time.clone());
        socket.set_timeout(left(within, started));
        // Until the handshake is over, its last message written.
        tls.complete_io(&mut socket)?;
        if tls.is_handshaking() {
            return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into());
        }
        let buffers = LazyBuffers::new(
            details.config.input_buffer_size(),
            details.config.output_buffer_size(),
        );
        Ok(Box::new(TlsTransport {
            buffers,
            stream: StreamOwned::new(tls, socket),
        }))
    }
}

impl<R: Resolver> Connector<()> for Connect<R> {
    type Out = Box<dyn Transport>;

    fn connect(
        &self,
        details: &ConnectionDetails,
        _: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.connect_within(details)
            .map(Some)
            .map_err(|e| ureq::Error::Other(Box::new(NotConnected(e))))
    }
}

/// What is left of `timeout`, which started at `started`.
fn left(timeout: NextTimeout, started: Instant) -> NextTimeout {
    let after = match timeout.after {
        Duration::Exact(d) => Duration::Exact(d.saturating_sub(started.elapsed())),
        Duration::NotHappening => Duration::NotHappening,
    };
    NextTimeout { after, ..timeout }
}

/// HTTP over an established TLS session.
struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.sock.set_timeout(timeout);
        self.stream.write_all(&self.buffers.output()[..amount])?;
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.sock.set_timeout(timeout);
        let read = self.stream.read(self.buffers.input_append_buf())?;
        self.buffers.input_appended(read);
        Ok(read > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.sock.get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsTransport").finish_non_exhaustive()
    }
}
