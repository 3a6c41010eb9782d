//! TLS client configurations, from `session-net`: service nodes (certificate not checked — the
//! onion layer's X25519 key authenticates the node, as in the real clients) and seeds (pinned
//! certificate, `local-network.md` §6).

use std::sync::Arc;

use rustls::ClientConfig;

use crate::error::{Error, Result};
use crate::network::SeedPin;

fn tls_config(e: session_net::Error) -> Error {
    Error::TlsConfig(e.to_string())
}

/// The configuration for service nodes and unpinned (local) seeds.
pub(crate) fn node_config() -> Result<ClientConfig> {
    let config = session_net::node_client_config().map_err(tls_config)?;
    Ok(Arc::unwrap_or_clone(config))
}

/// The configuration for a seed with a pinned certificate: the exact DER, its SPKI SHA-256
/// and the host name.
pub(crate) fn pinned_config(pin: &SeedPin) -> Result<ClientConfig> {
    let config = session_net::pinned_client_config(pin.certificate().clone(), *pin.spki_sha256())
        .map_err(tls_config)?;
    Ok(Arc::unwrap_or_clone(config))
}
