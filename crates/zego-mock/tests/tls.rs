//! HTTPS on request: the certificate, the CA at `GET /_mock/ca.pem`, connections kept
//! alive over TLS and counted, and plain HTTP by default.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::Arc;

use common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

/// A TLS connection to `addr` for the name `name`, trusting only `ca_pem`.
fn connect(addr: SocketAddr, name: &str, ca_pem: &str) -> StreamOwned<ClientConnection, TcpStream> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem.as_bytes()) {
        roots.add(cert.expect("a certificate")).expect("a root");
    }
    let config =
        ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
    let name = ServerName::try_from(name.to_owned()).expect("a name");
    let connection = ClientConnection::new(Arc::new(config), name).expect("a connection");
    let socket = TcpStream::connect(addr).expect("connect");
    socket.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    StreamOwned::new(connection, socket)
}

/// Sends a GET and reads its answer (status and body; the body by its Content-Length).
fn get(stream: &mut impl ReadWrite, target: &str) -> std::io::Result<(u16, String)> {
    write!(stream, "GET {target} HTTP/1.1\r\nHost: localhost\r\n\r\n")?;
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0];
        stream.read_exact(&mut byte)?;
        head.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let status = head[9..12].parse().expect("a status");
    let length: usize = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .expect("a Content-Length")
        .parse()
        .expect("a length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body)?;
    Ok((status, String::from_utf8(body).expect("UTF-8")))
}

/// Plain HTTP gets no HTTP answer (at most a TLS alert), and the connection is closed.
fn assert_no_http_answer(addr: SocketAddr) {
    let mut conn = Conn::open(addr);
    conn.send_get("/_mock/ca.pem");
    let mut answer = Vec::new();
    let _ = conn.stream().read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP/"), "{answer:?}");
}

trait ReadWrite: Read + Write {}
impl<T: Read + Write> ReadWrite for T {}

#[test]
fn serves_https_for_loopback_names_with_its_ca_and_keeps_connections_alive() {
    let mock = builder().tls().start().expect("the mock starts");
    assert!(mock.is_tls());
    assert_eq!(mock.base_url(), format!("https://{}", mock.addr()));
    let ca = mock.ca_pem().expect("a CA").to_owned();
    assert!(ca.starts_with("-----BEGIN CERTIFICATE-----"), "{ca}");
    assert!(!ca.contains("PRIVATE KEY"));

    for name in ["localhost", "127.0.0.1"] {
        let mut stream = connect(mock.addr(), name, &ca);
        let (status, body) = get(&mut stream, "/_mock/ca.pem").expect("an answer");
        assert_eq!((status, body.as_str()), (200, ca.as_str()));
        // A second request on the same connection: the API, signed.
        let query = command("room-1", "server", &["alice"], "over tls");
        let (status, body) = get(&mut stream, &query).expect("an answer");
        assert_eq!(status, 200);
        assert!(body.starts_with(r#"{"Code":0,"#), "{body}");
    }
    assert_eq!(mock.connections(), 2, "one connection per name");
    assert_eq!(mock.inbox("alice").len(), 2);

    // Another mock's CA is not trusted: the handshake fails.
    let other = builder().tls().start().expect("the mock starts");
    let mut stream = connect(mock.addr(), "localhost", other.ca_pem().unwrap());
    let error = get(&mut stream, "/").unwrap_err();
    assert!(
        error.to_string().contains("invalid peer certificate"),
        "{error}"
    );
}

#[test]
fn plain_http_by_default_and_a_client_that_does_not_speak_tls_is_disconnected() {
    let plain = start();
    assert!(!plain.is_tls());
    assert!(plain.base_url().starts_with("http://"));
    assert!(plain.ca_pem().is_none());
    let answer = common::get(plain.addr(), "/_mock/ca.pem");
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(plain.connections(), 1);

    let tls = builder().tls().start().expect("the mock starts");
    assert_no_http_answer(tls.addr());
    assert!(tls.requests().is_empty());
}
