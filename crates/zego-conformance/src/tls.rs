//! The production path: the scenarios over TLS against `zego-mock --tls` (the client
//! trusting the mock's CA), connections kept alive, and how TLS failures are sorted: one
//! before the request was written (an untrusted certificate, a handshake that never
//! ends within the connect timeout) is "not sent" and retried; one after it (a dropped
//! connection, a record of the response that does not decrypt) "may have been sent".

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};
use zego_core::actions::{DescribeUserNum, KickoutUser, SendCustomCommand};
use zego_core::{Action, BuildClient, BuildError, ClientOptions, Error, Reply};
use zego_mock::{Fault, FaultKind};

use crate::start_mock_tls;
use crate::{Spec, TestClient, assert_clean, contents, scenarios, spec, spec_for, start_mock};

fn to_alice(content: &str) -> SendCustomCommand {
    SendCustomCommand::to_users("room-1", "server", ["alice"], content)
}

/// The call's transport failure: whether it may have been sent, and the attempts.
fn transport_failure(error: &Error) -> (bool, u32) {
    match error {
        Error::Transport {
            source, attempts, ..
        } => (source.may_have_been_sent, *attempts),
        other => panic!("expected a transport failure, got {other:?}"),
    }
}

/// [`scenarios::targeted_send`] over TLS.
pub fn targeted_send_over_tls<T: TestClient>() {
    scenarios::targeted_send_on::<T>(&start_mock_tls());
}

/// [`scenarios::fan_out_to_25_users`] over TLS.
pub fn fan_out_over_tls<T: TestClient>() {
    scenarios::fan_out_to_25_users_on::<T>(&start_mock_tls());
}

/// [`scenarios::pacing_uses_the_budget_without_206`] over TLS.
pub fn pacing_over_tls<T: TestClient>() {
    scenarios::pacing_uses_the_budget_without_206_on::<T>(&start_mock_tls());
}

/// Calls one after the other through one client share a kept-alive connection: over TLS
/// (a handshake for many calls) and over plain HTTP. At most 2 connections for 11 calls:
/// hyper's pool takes a connection back from the connection's own task, just after the
/// answer is read, and a call that comes in that instant opens a second one.
pub fn calls_reuse_one_connection<T: TestClient>() {
    for mock in [start_mock_tls(), start_mock()] {
        let client = T::build(&spec(&mock));
        for i in 0..10 {
            let reply = client.call(to_alice(&format!("{i}"))).expect("sent");
            assert_eq!(reply.attempts, 1);
        }
        let counted = client
            .call(DescribeUserNum::new(["room-1"]))
            .expect("counted");
        assert_eq!(counted.counts().map(<[_]>::len), Some(1));
        assert_eq!(mock.requests().len(), 11);
        assert_eq!(mock.inbox("alice").len(), 10);
        let connections = mock.connections();
        assert!(
            (1..=2).contains(&connections),
            "{connections} connections for 11 calls (tls: {})",
            mock.is_tls()
        );
    }
}

/// Over TLS, a send delivered before its connection dropped (the mock's fault: the
/// connection closes without TLS's close_notify) may have been sent: it is not retried
/// and was delivered once. A kick, idempotent, is retried after the same fault.
pub fn delivered_then_dropped_over_tls_may_have_been_sent<T: TestClient>() {
    let mock = start_mock_tls();
    let client = T::build(&spec(&mock));
    mock.inject(Fault::new(FaultKind::DeliverThenClose));
    let error = client.call(to_alice("delivered")).unwrap_err();
    let text = error.to_string();
    eprintln!("tls, delivered then dropped: {text}");
    assert_eq!(transport_failure(&error), (true, 1), "{text}");
    assert!(error.may_have_taken_effect());
    assert_clean(&text, &mock.base_url());
    assert_eq!(contents(&mock, "alice"), ["delivered"]);
    mock.inject(Fault::new(FaultKind::DeliverThenClose));
    let kicked = client
        .call(KickoutUser::new("room-1", ["bob"]))
        .expect("kicked");
    assert_eq!(kicked.attempts, 2);
    assert_eq!(mock.requests().len(), 3);
}

/// A TLS error after the request was written, here a record of the response that does
/// not decrypt, may have been sent: a send is tried once (the same kind of error during
/// the handshake is "not sent": [`an_untrusted_certificate_is_not_sent`]).
pub fn a_tls_error_after_the_request_may_have_been_sent<T: TestClient>() {
    let server = Local::corrupting();
    let spec = Spec {
        root_certificates: vec![server.ca_pem.clone()],
        ..spec_for(format!("https://{}", server.addr))
    };
    let client = T::build(&spec);
    let error = client.call(to_alice("corrupted")).unwrap_err();
    let text = error.to_string();
    eprintln!("tls error after the request: {text}");
    assert_eq!(transport_failure(&error), (true, 1), "{text}");
    assert!(text.contains("the exchange failed"), "{text}");
    assert_clean(&text, &spec.base_url);
    assert_eq!(server.requests(), 1, "the request was read once");
    assert_eq!(server.accepted(), 1);
}

/// A server that accepts TCP and never answers the TLS handshake: each attempt ends at
/// the connect timeout as "not sent", and the call is retried up to the cap of 3.
pub fn a_stalled_tls_handshake_is_not_sent<T: TestClient>() {
    let server = Local::silent();
    let client = T::build(&stalled_spec(&format!("https://{}", server.addr)));
    assert_stalls(|send| client.call(send));
    assert_eq!(server.accepted(), 3);
}

/// The connect timeout of the tests whose connections stall.
pub const STALLED_CONNECT_TIMEOUT: Duration = Duration::from_millis(300);

/// A client whose connections to `base_url` will stall (a name lookup or a handshake
/// that never ends): a connect timeout of [`STALLED_CONNECT_TIMEOUT`], an attempt
/// timeout of 5 s, no pacing.
pub fn stalled_spec(base_url: &str) -> Spec {
    Spec {
        connect_timeout: STALLED_CONNECT_TIMEOUT,
        timeout: Duration::from_secs(5),
        limit: crate::Limit::Off,
        ..spec_for(base_url.to_owned())
    }
}

/// The options of a [`stalled_spec`] client of `https://zego.invalid`, for a transport's
/// own tests, which stall its name lookups through its resolver.
pub fn stalled_options<C: BuildClient>() -> ClientOptions {
    stalled_spec("https://zego.invalid")
        .builder::<C>()
        .options()
}

/// Makes a send with `call` (a [`stalled_spec`] client's) and checks how it ends: each
/// attempt at the connect timeout, "not sent", retried up to the cap of 3, so in three
/// connect timeouts and two short backoffs (at most 100 and 200 ms), well under one
/// attempt timeout.
pub fn assert_stalls(
    call: impl FnOnce(SendCustomCommand) -> Result<Reply<<SendCustomCommand as Action>::Data>, Error>,
) {
    let started = Instant::now();
    let error = call(to_alice("stalled")).unwrap_err();
    let elapsed = started.elapsed();
    let text = error.to_string();
    eprintln!("stalled, after {elapsed:?}: {text}");
    assert_eq!(transport_failure(&error), (false, 3), "{text}");
    assert!(text.contains("could not connect"), "{text}");
    assert!(text.contains("connect timeout of 300ms"), "{text}");
    assert_clean(&text, "https://");
    assert!(elapsed >= STALLED_CONNECT_TIMEOUT * 3, "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(2500), "{elapsed:?}");
}

/// A certificate the client does not trust (the TLS mock, without its CA among the
/// client's roots) fails the handshake, before anything is written: not sent, retried,
/// and the mock sees no request.
pub fn an_untrusted_certificate_is_not_sent<T: TestClient>() {
    let mock = start_mock_tls();
    let client = T::build(&spec_for(mock.base_url()));
    let error = client.call(to_alice("untrusted")).unwrap_err();
    let text = error.to_string();
    eprintln!("untrusted certificate: {text}");
    assert_eq!(transport_failure(&error), (false, 3), "{text}");
    assert!(text.contains("could not connect"), "{text}");
    assert!(text.to_lowercase().contains("certificate"), "{text}");
    assert_clean(&text, &mock.base_url());
    assert!(mock.requests().is_empty());
    assert_eq!(mock.connections(), 3);
}

/// A root certificate that is not one (PEM whose block is not a certificate, or no
/// block at all) fails the client's build, with the TLS error.
pub fn an_unusable_root_certificate_fails_the_build<T: TestClient>() {
    let not_a_certificate = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END CERTIFICATE-----\n";
    for pem in [not_a_certificate, "no pem here"] {
        let built = spec_for("https://127.0.0.1:9".to_owned())
            .builder::<T::Client>()
            .add_root_certificate(pem)
            .build();
        let Err(error) = built else {
            panic!("{pem:?} was accepted");
        };
        assert!(matches!(error, BuildError::Tls(_)), "{error:?}");
        eprintln!("{pem:?}: {error}");
    }
}

/// A server on a loopback port, one thread per connection, that stops when dropped.
struct Local {
    addr: SocketAddr,
    ca_pem: String,
    accepted: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    /// Connections held open, never answered.
    held: Arc<Mutex<Vec<TcpStream>>>,
}

impl Local {
    /// Accepts TCP and never answers.
    fn silent() -> Local {
        Local::start(None)
    }

    /// Completes each TLS handshake (its certificate, for 127.0.0.1, is its own root),
    /// reads a request head, then answers a TLS record that does not decrypt.
    fn corrupting() -> Local {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
            .expect("a certificate");
        let key = PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![certified.cert.der().clone()],
                PrivateKeyDer::Pkcs8(key),
            )
            .expect("a configuration");
        let mut local = Local::start(Some(Arc::new(config)));
        local.ca_pem = certified.cert.pem();
        local
    }

    fn start(tls: Option<Arc<ServerConfig>>) -> Local {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let local = Local {
            addr: listener.local_addr().expect("addr"),
            ca_pem: String::new(),
            accepted: Arc::default(),
            requests: Arc::default(),
            stop: Arc::default(),
            held: Arc::default(),
        };
        let (accepted, requests, stop, held) = (
            local.accepted.clone(),
            local.requests.clone(),
            local.stop.clone(),
            local.held.clone(),
        );
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(stream) = stream else { continue };
                accepted.fetch_add(1, Ordering::SeqCst);
                match &tls {
                    None => held
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(stream),
                    Some(config) => {
                        let (config, requests) = (config.clone(), requests.clone());
                        std::thread::spawn(move || corrupt(stream, config, &requests));
                    }
                }
            }
        });
        local
    }

    fn accepted(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Local {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop, which then sees `stop`.
        let _ = TcpStream::connect(self.addr);
    }
}

/// One connection of [`Local::corrupting`].
fn corrupt(stream: TcpStream, config: Arc<ServerConfig>, requests: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let Ok(connection) = ServerConnection::new(config) else {
        return;
    };
    let mut tls = StreamOwned::new(connection, stream);
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        if tls.read_exact(&mut byte).is_err() {
            return;
        }
        head.push(byte[0]);
    }
    requests.fetch_add(1, Ordering::SeqCst);
    // An application-data record of 32 bytes that no key decrypts.
    let mut record = vec![0x17, 0x03, 0x03, 0x00, 0x20];
    record.extend([0x5a; 32]);
    let _ = tls.sock.write_all(&record);
    // Until the client hangs up, so that the record is read before any reset.
    let _ = tls.sock.read_to_end(&mut Vec::new());
}
