//! HTTPS on request: a CA and a certificate for `127.0.0.1`, `::1` and `localhost`
//! signed by it, both made when the server starts (rcgen, with ring) and kept in memory
//! only; the CA's PEM is what a client adds to its roots.

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::ServerConfig;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio_rustls::TlsAcceptor;

/// The names the server's certificate is valid for.
pub(crate) const NAMES: [&str; 3] = ["127.0.0.1", "::1", "localhost"];

/// The server's TLS side.
pub(crate) struct Tls {
    pub(crate) acceptor: TlsAcceptor,
    /// The CA's certificate in PEM.
    pub(crate) ca_pem: String,
}

impl Tls {
    /// A fresh CA, a certificate for [`NAMES`] signed by it, and a rustls server
    /// configuration (ring, TLS 1.2 and 1.3, HTTP/1.1) that serves that certificate and
    /// the CA's.
    pub(crate) fn generate() -> Result<Tls, String> {
        let failed = |e: rcgen::Error| format!("cannot make the certificate: {e}");
        let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(failed)?;
        ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca.distinguished_name
            .push(DnType::CommonName, "zego-mock local CA");
        ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(failed)?)
            .map_err(failed)?;

        let mut leaf = CertificateParams::new(NAMES.map(str::to_owned)).map_err(failed)?;
        leaf.distinguished_name
            .push(DnType::CommonName, "zego-mock");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        let key = KeyPair::generate().map_err(failed)?;
        let leaf = leaf.signed_by(&key, &ca).map_err(failed)?;

        let chain = vec![leaf.der().clone(), ca.der().clone()];
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let mut config = server_config(chain, key)?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            ca_pem: ca.pem(),
        })
    }
}

fn server_config(
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
) -> Result<ServerConfig, String> {
    let failed = |e: rustls::Error| format!("cannot configure tls: {e}");
    ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(failed)?
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .map_err(failed)
}
