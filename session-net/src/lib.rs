#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{
    CryptoProvider, WebPkiSupportedAlgorithms, verify_tls12_signature, verify_tls13_signature,
};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use sha2::{Digest as _, Sha256};

/// The ALPN protocol every configuration of this crate offers (the stack speaks HTTP/1.1).
pub const ALPN_HTTP1: &[u8] = b"http/1.1";

/// The system's root certificate bundle read when `SSL_CERT_FILE` is not set.
pub const DEFAULT_ROOTS_FILE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Why a TLS configuration could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// rustls refused the configuration (protocol versions of the provider).
    #[error("TLS configuration: {0}")]
    Config(#[from] rustls::Error),
    /// The pinned certificate does not parse, or the pin is not its SPKI SHA-256.
    #[error("the SPKI pin does not match the pinned certificate")]
    PinMismatch,
    /// A root certificate file could not be read.
    #[error("reading {path}: {source}")]
    Roots {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The PEM data held no certificate usable as a root.
    #[error("no usable root certificate")]
    NoRoots,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The crypto provider of the whole stack: rustls on aws-lc-rs.
#[must_use]
pub fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// SHA-256 of a certificate's DER SubjectPublicKeyInfo (`None` if the certificate does not
/// parse) — the value seed pins hold.
#[must_use]
pub fn spki_sha256(cert: &CertificateDer<'_>) -> Option<[u8; 32]> {
    let parsed = rustls::server::ParsedCertificate::try_from(cert).ok()?;
    Some(Sha256::digest(parsed.subject_public_key_info().as_ref()).into())
}

fn with_verifier(pin: Option<Pin>) -> Result<Arc<ClientConfig>> {
    let provider = provider();
    let verifier = Arc::new(Verifier::new(&provider, pin));
    let mut config = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

/// A pinned certificate: the exact DER and the SHA-256 of its SPKI.
#[derive(Debug)]
struct Pin {
    certificate: CertificateDer<'static>,
    spki_sha256: [u8; 32],
}

/// The one certificate verifier: without a pin it accepts any server certificate (service
/// nodes); with one, the leaf must be the pinned DER, with the pinned SPKI hash, valid for the
/// host name. Either way the handshake signature must verify with the certificate's key, so the
/// session is bound to that key.
#[derive(Debug)]
struct Verifier {
    algorithms: WebPkiSupportedAlgorithms,
    pin: Option<Pin>,
}

impl Verifier {
    fn new(provider: &CryptoProvider, pin: Option<Pin>) -> Self {
        Self {
            algorithms: provider.signature_verification_algorithms,
            pin,
        }
    }
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if let Some(pin) = &self.pin {
            let refuse = || rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer);
            if end_entity.as_ref() != pin.certificate.as_ref() {
                return Err(refuse());
            }
            if spki_sha256(end_entity) != Some(pin.spki_sha256) {
                return Err(refuse());
            }
            let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
            rustls::client::verify_server_name(&parsed, server_name)?;
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// The configuration for service nodes (and unpinned local seeds): any certificate is
/// accepted, as the real clients and nodes do; the handshake signature is still checked.
///
/// # Errors
/// [`Error::Config`] if the provider refuses the default protocol versions.
pub fn node_client_config() -> Result<Arc<ClientConfig>> {
    with_verifier(None)
}

/// The configuration for a seed pinned by its DER `certificate` and the SHA-256 of its
/// SubjectPublicKeyInfo: the server must present exactly that certificate, valid for the host
/// name dialled.
///
/// # Errors
/// [`Error::PinMismatch`] if the certificate does not parse or `spki_sha256` is not its SPKI
/// hash; [`Error::Config`] if the provider refuses the default protocol versions.
pub fn pinned_client_config(
    certificate: CertificateDer<'static>,
    spki_sha256: [u8; 32],
) -> Result<Arc<ClientConfig>> {
    if self::spki_sha256(&certificate) != Some(spki_sha256) {
        return Err(Error::PinMismatch);
    }
    with_verifier(Some(Pin {
        certificate,
        spki_sha256,
    }))
}

/// The configuration for ordinary web PKI against the root certificates in `pem` (every
/// `CERTIFICATE` block; blocks that do not parse as a root are skipped).
///
/// # Errors
/// [`Error::NoRoots`] if `pem` holds no usable certificate; [`Error::Config`] if the provider
/// refuses the default protocol versions.
pub fn roots_client_config(pem: &[u8]) -> Result<Arc<ClientConfig>> {
    let mut roots = RootCertStore::empty();
    let certs = CertificateDer::pem_slice_iter(pem).filter_map(Result::ok);
    let (added, _ignored) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(Error::NoRoots);
    }
    let mut config = ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
    Ok(Arc::new(config))
}

/// The file [`system_roots_client_config`] reads: `SSL_CERT_FILE` if set, else
/// [`DEFAULT_ROOTS_FILE`].
#[must_use]
pub fn system_roots_file() -> PathBuf {
    std::env::var_os("SSL_CERT_FILE").map_or_else(|| DEFAULT_ROOTS_FILE.into(), PathBuf::from)
}

/// [`roots_client_config`] with the system's roots ([`system_roots_file`]).
///
/// # Errors
/// [`Error::Roots`] if the file cannot be read, [`Error::NoRoots`] if it holds no certificate.
pub fn system_roots_client_config() -> Result<Arc<ClientConfig>> {
    roots_file_client_config(&system_roots_file())
}

/// [`roots_client_config`] with the roots in the PEM file `path`.
///
/// # Errors
/// [`Error::Roots`] if the file cannot be read, [`Error::NoRoots`] if it holds no certificate.
pub fn roots_file_client_config(path: &Path) -> Result<Arc<ClientConfig>> {
    let pem = std::fs::read(path).map_err(|source| Error::Roots {
        path: path.to_owned(),
        source,
    })?;
    roots_client_config(&pem)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
    use rustls::server::{ClientHello, ResolvesServerCert};
    use rustls::sign::CertifiedKey;
    use rustls::{ClientConfig, ClientConnection, ServerConfig, ServerConnection};
    use sha2::{Digest as _, Sha256};

    use super::*;

    struct Made {
        der: CertificateDer<'static>,
        pem: String,
        key: PrivateKeyDer<'static>,
        spki_sha256: [u8; 32],
    }

    fn self_signed(host: &str) -> Made {
        let ck = rcgen::generate_simple_self_signed(vec![host.to_owned()]).unwrap();
        Made {
            der: ck.cert.der().clone(),
            pem: ck.cert.pem(),
            key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der())),
            // Computed from rcgen's key, independently of `spki_sha256`.
            spki_sha256: Sha256::digest(ck.key_pair.public_key_der()).into(),
        }
    }

    fn server(
        chain: Vec<CertificateDer<'static>>,
        key: PrivateKeyDer<'static>,
    ) -> Arc<ServerConfig> {
        let mut cfg = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap();
        cfg.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
        Arc::new(cfg)
    }

    /// A whole handshake in memory; the first error either side reports.
    fn handshake(
        client: Arc<ClientConfig>,
        server: Arc<ServerConfig>,
        name: &str,
    ) -> Result<(), rustls::Error> {
        let name = ServerName::try_from(name.to_owned()).unwrap();
        let mut c = ClientConnection::new(client, name)?;
        let mut s = ServerConnection::new(server)?;
        for _ in 0..16 {
            let mut wire = Vec::new();
            while c.wants_write() {
                c.write_tls(&mut wire).unwrap();
            }
            let mut rd = &wire[..];
            while !rd.is_empty() {
                s.read_tls(&mut rd).unwrap();
                s.process_new_packets()?;
            }
            let mut wire = Vec::new();
            while s.wants_write() {
                s.write_tls(&mut wire).unwrap();
            }
            let mut rd = &wire[..];
            while !rd.is_empty() {
                c.read_tls(&mut rd).unwrap();
                c.process_new_packets()?;
            }
            if !c.is_handshaking() && !s.is_handshaking() {
                assert_eq!(c.alpn_protocol(), Some(ALPN_HTTP1));
                return Ok(());
            }
        }
        panic!("handshake did not finish");
    }

    fn is_certificate_error(r: Result<(), rustls::Error>) -> bool {
        matches!(r, Err(rustls::Error::InvalidCertificate(_)))
    }

    /// `cfg` accepts `srv` under `name`, but neither `srv` under another name nor another
    /// self-signed certificate for `name`.
    fn accepts_only(cfg: &Arc<ClientConfig>, srv: &Arc<ServerConfig>, name: &str) {
        handshake(cfg.clone(), srv.clone(), name).unwrap();
        let other_name = handshake(cfg.clone(), srv.clone(), "other.local");
        assert!(is_certificate_error(other_name));
        let impostor = self_signed(name);
        let impostor = server(vec![impostor.der], impostor.key);
        assert!(is_certificate_error(handshake(cfg.clone(), impostor, name)));
    }

    #[test]
    fn spki_sha256_is_the_hash_of_the_public_key_info() {
        let m = self_signed("seed.local");
        assert_eq!(spki_sha256(&m.der), Some(m.spki_sha256));
        assert_eq!(
            spki_sha256(&CertificateDer::from(vec![0x30, 0x03, 1, 2, 3])),
            None
        );
    }

    #[test]
    fn node_config_accepts_any_certificate_under_any_name() {
        let m = self_signed("localhost");
        let srv = server(vec![m.der], m.key);
        let cfg = node_client_config().unwrap();
        for name in ["localhost", "127.0.0.2", "other.invalid"] {
            handshake(cfg.clone(), srv.clone(), name).unwrap();
        }
    }

    /// Serves certificate A while signing the handshake with key B.
    #[derive(Debug)]
    struct Mismatched(Arc<CertifiedKey>);

    impl ResolvesServerCert for Mismatched {
        fn resolve(&self, _: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
            Some(self.0.clone())
        }
    }

    #[test]
    fn node_config_still_checks_the_handshake_signature() {
        let a = self_signed("localhost");
        let b = self_signed("localhost");
        let key = provider().key_provider.load_private_key(b.key).unwrap();
        let ck = CertifiedKey::new(vec![a.der], key);
        let mut srv = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_cert_resolver(Arc::new(Mismatched(Arc::new(ck))));
        srv.alpn_protocols = vec![ALPN_HTTP1.to_vec()];
        let err = handshake(node_client_config().unwrap(), Arc::new(srv), "localhost");
        assert!(
            matches!(
                err,
                Err(rustls::Error::InvalidCertificate(
                    CertificateError::BadSignature
                ))
            ),
            "{err:?}"
        );
    }

    #[test]
    fn pinned_config_accepts_only_the_pinned_certificate_under_its_name() {
        let pinned = self_signed("seed.local");
        let cfg = pinned_client_config(pinned.der.clone(), pinned.spki_sha256).unwrap();
        let srv = server(vec![pinned.der.clone()], pinned.key.clone_key());
        accepts_only(&cfg, &srv, "seed.local");
    }

    #[test]
    fn pinned_config_refuses_a_pin_that_is_not_the_certificates() {
        let pinned = self_signed("seed.local");
        let other = self_signed("seed.local");
        assert!(matches!(
            pinned_client_config(pinned.der.clone(), other.spki_sha256),
            Err(Error::PinMismatch)
        ));
        assert!(matches!(
            pinned_client_config(CertificateDer::from(vec![1, 2, 3]), pinned.spki_sha256),
            Err(Error::PinMismatch)
        ));
    }

    #[test]
    fn roots_config_is_web_pki() {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let leaf_key = rcgen::KeyPair::generate().unwrap();
        let leaf = rcgen::CertificateParams::new(vec!["relay.local".to_owned()])
            .unwrap()
            .signed_by(&leaf_key, &ca, &ca_key)
            .unwrap();
        let leaf_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));

        let cfg = roots_client_config(ca.pem().as_bytes()).unwrap();
        let srv = server(vec![leaf.der().clone()], leaf_der);
        accepts_only(&cfg, &srv, "relay.local");
    }

    #[test]
    fn roots_config_needs_a_certificate() {
        assert!(matches!(
            roots_client_config(b"no pem here"),
            Err(Error::NoRoots)
        ));
        let missing = std::env::temp_dir().join("session-net-no-such-roots.pem");
        assert!(matches!(
            roots_file_client_config(&missing),
            Err(Error::Roots { .. })
        ));
        let m = self_signed("x.local");
        assert!(roots_client_config(m.pem.as_bytes()).is_ok());
    }
}
