//! TLS: the node's self-signed certificate (made at first start, kept in the data directory)
//! and the client side of node-to-node connections, which does not verify certificates (as on
//! the real network: onion layers are keyed to the node's X25519 key and node-to-node requests
//! are signed with the sender's Ed25519 key); that configuration comes from `session-net`.

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::error::{Error, Result, io};
use crate::keys::write_private;

/// Loads `tls-cert.der` / `tls-key.der` from `dir`, making them (ECDSA P-256, CN=localhost)
/// on first use, and builds the server configuration (HTTP/1.1, TLS 1.2 and 1.3).
pub(crate) fn server_config(dir: &Path) -> Result<Arc<rustls::ServerConfig>> {
    let cert_path = dir.join("tls-cert.der");
    let key_path = dir.join("tls-key.der");
    if !cert_path.exists() || !key_path.exists() {
        let ck = rcgen::generate_simple_self_signed(vec!["localhost".to_owned()])
            .map_err(|e| Error::Tls(e.to_string()))?;
        write_private(&key_path, &ck.key_pair.serialize_der())?;
        std::fs::write(&cert_path, ck.cert.der().as_ref())
            .map_err(io(format!("writing {}", cert_path.display())))?;
    }
    let cert = std::fs::read(&cert_path).map_err(io(format!("reading {}", cert_path.display())))?;
    let key = std::fs::read(&key_path).map_err(io(format!("reading {}", key_path.display())))?;
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key));
    let mut cfg = rustls::ServerConfig::builder_with_provider(session_net::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![CertificateDer::from(cert)], key)
        .map_err(|e| Error::Tls(e.to_string()))?;
    cfg.alpn_protocols = vec![session_net::ALPN_HTTP1.to_vec()];
    Ok(Arc::new(cfg))
}

/// The client configuration nodes (and tests) use to talk to nodes: no certificate check
/// (`session_net::node_client_config`).
///
/// # Errors
/// [`Error::Tls`] if the provider refuses the default protocol versions.
pub fn insecure_client_config() -> Result<Arc<rustls::ClientConfig>> {
    session_net::node_client_config().map_err(|e| Error::Tls(e.to_string()))
}
