//! The last hop's relay to an HTTP(S) server (`onion.md` §5.4): POST the whole decrypted
//! layer to `<protocol>://<host>:<port><target>` (the target already passed the URL filter,
//! `/loki/…` or `/oxen/…`, ending `/lsrpc`, no `?`), with certificate verification against the
//! system's roots for HTTPS, no redirects, 25 s timeout; the server's status (mapped like a
//! relayed status) and body go back unchanged; a transport failure is 502, a timeout 504.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::Request;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use session_onion::{Protocol, ServerRelay};
use tokio::net::TcpStream;
use tracing::debug;

/// The proxy's timeout (`ONION_URL_TIMEOUT`).
pub(crate) const PROXY_TIMEOUT: Duration = Duration::from_secs(25);
const MAX_ANSWER: usize = 10 * 1024 * 1024;

/// The system roots' configuration (`session_net::system_roots_client_config`), read once.
fn roots() -> Result<Arc<rustls::ClientConfig>, String> {
    static CFG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CFG.get_or_init(|| session_net::system_roots_client_config().map_err(|e| e.to_string()))
        .clone()
}

async fn post(relay: &ServerRelay) -> Result<(u16, Bytes), String> {
    let tcp = TcpStream::connect((relay.host(), relay.port()))
        .await
        .map_err(|e| e.to_string())?;
    let _ = tcp.set_nodelay(true);
    let host_header = match (relay.protocol(), relay.port()) {
        (Protocol::Https, 443) | (Protocol::Http, 80) => relay.host().to_owned(),
        (_, p) => format!("{}:{p}", relay.host()),
    };
    let target = if relay.target().starts_with('/') {
        relay.target().to_owned()
    } else {
        format!("/{}", relay.target())
    };
    let req = Request::post(target)
        .header("host", host_header)
        .header("user-agent", "Oxen Storage Server/2.8.0")
        .header("content-type", "application/octet-stream")
        .body(Full::new(Bytes::copy_from_slice(relay.post_body())))
        .map_err(|e| e.to_string())?;
    let resp = if relay.protocol() == Protocol::Https {
        let name = ServerName::try_from(relay.host().to_owned()).map_err(|e| e.to_string())?;
        let tls = tokio_rustls::TlsConnector::from(roots()?)
            .connect(name, tcp)
            .await
            .map_err(|e| e.to_string())?;
        let (mut s, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        s.send_request(req).await.map_err(|e| e.to_string())?
    } else {
        let (mut s, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
            .await
            .map_err(|e| e.to_string())?;
        tokio::spawn(conn);
        s.send_request(req).await.map_err(|e| e.to_string())?
    };
    let status = resp.status().as_u16();
    let body = Limited::new(resp.into_body(), MAX_ANSWER)
        .collect()
        .await
        .map_err(|e| e.to_string())?
        .to_bytes();
    Ok((status, body))
}

/// Carries out a relay to a server; returns the status and body to answer with.
pub(crate) async fn relay(relay: &ServerRelay) -> (u16, Bytes) {
    debug!(url = %relay.url(), "proxying");
    match tokio::time::timeout(PROXY_TIMEOUT, post(relay)).await {
        Ok(Ok((status, body))) => (session_swarm::server::relayed_status(status), body),
        Ok(Err(e)) => (502, Bytes::from(e)),
        Err(_) => (504, Bytes::from_static(b"Request time out")),
    }
}
