//! Node-to-node HTTPS: a small keep-alive connection pool, signed requests
//! (`local-network.md` §3) and the failure classes relays report.

use std::collections::HashMap;
use std::net::SocketAddrV4;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::Request;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use rustls::pki_types::ServerName;
use session_identity::Ed25519KeyPair;
use session_swarm::ServiceNode;
use session_swarm::server::{
    PEER_PUBKEY_HEADER, PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER, sign_peer_request,
};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

use crate::error::Result;
use crate::now_ms;

/// Largest answer body read from a peer.
const MAX_ANSWER: usize = 16 * 1024 * 1024;
/// Idle connections kept per peer.
const IDLE_PER_PEER: usize = 8;
/// Connecting (TCP + TLS) gives up after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// Why a peer request failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PeerFailure {
    /// Refused, reset, TLS failure: the node is not there.
    Unreachable,
    /// Connected, but no answer in time.
    Timeout,
}

type Sender = SendRequest<Full<Bytes>>;
type Pool = HashMap<SocketAddrV4, Vec<Sender>>;

/// A client for other nodes.
#[derive(Clone)]
pub(crate) struct PeerClient {
    tls: TlsConnector,
    pool: Arc<Mutex<Pool>>,
}

impl std::fmt::Debug for PeerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PeerClient").finish_non_exhaustive()
    }
}

impl PeerClient {
    pub(crate) fn new() -> Result<Self> {
        Ok(Self {
            tls: TlsConnector::from(crate::tls::insecure_client_config()?),
            pool: Arc::default(),
        })
    }

    fn take_idle(&self, addr: SocketAddrV4) -> Option<SendRequest<Full<Bytes>>> {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = pool.get_mut(&addr)?;
        while let Some(s) = list.pop() {
            if !s.is_closed() {
                return Some(s);
            }
        }
        None
    }

    fn put_idle(&self, addr: SocketAddrV4, s: SendRequest<Full<Bytes>>) {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let list = pool.entry(addr).or_default();
        if list.len() < IDLE_PER_PEER {
            list.push(s);
        }
    }

    async fn connect(&self, addr: SocketAddrV4) -> Result<SendRequest<Full<Bytes>>, PeerFailure> {
        let fut = async {
            let tcp = TcpStream::connect(addr)
                .await
                .map_err(|_| PeerFailure::Unreachable)?;
            let _ = tcp.set_nodelay(true);
            let name = ServerName::IpAddress((*addr.ip()).into());
            let tls = self
                .tls
                .connect(name, tcp)
                .await
                .map_err(|_| PeerFailure::Unreachable)?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls))
                .await
                .map_err(|_| PeerFailure::Unreachable)?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            Ok(sender)
        };
        tokio::time::timeout(CONNECT_TIMEOUT, fut)
            .await
            .unwrap_or(Err(PeerFailure::Unreachable))
    }

    /// POSTs `body` to `path` on `node` (signed by `me` when given), waiting at most `timeout`
    /// for the answer. A pooled connection that turns out dead is replaced once.
    pub(crate) async fn post(
        &self,
        me: Option<&Ed25519KeyPair>,
        node: &ServiceNode,
        path: &str,
        body: Bytes,
        timeout: Duration,
    ) -> Result<(u16, Bytes), PeerFailure> {
        let addr = SocketAddrV4::new(node.ip(), node.https_port());
        let build = || {
            let mut b = Request::post(path).header("host", addr.to_string());
            if let Some(me) = me {
                let [pk, ts, sig] =
                    sign_peer_request(me, "POST", path, now_ms(), node.ed25519_pk(), &body);
                b = b
                    .header(PEER_PUBKEY_HEADER, pk)
                    .header(PEER_TIMESTAMP_HEADER, ts)
                    .header(PEER_SIGNATURE_HEADER, sig);
            }
            b.body(Full::new(body.clone()))
                .map_err(|_| PeerFailure::Unreachable)
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            let (mut sender, pooled) = match self.take_idle(addr) {
                Some(mut s) => {
                    let ready = tokio::time::timeout(Duration::from_secs(1), s.ready()).await;
                    if !matches!(ready, Ok(Ok(()))) {
                        continue;
                    }
                    (s, true)
                }
                None => (self.connect(addr).await?, false),
            };
            let req = build()?;
            let res = tokio::time::timeout(timeout, async {
                let resp = sender
                    .send_request(req)
                    .await
                    .map_err(|e| (e.is_closed() || e.is_canceled(), e))?;
                let status = resp.status().as_u16();
                let body = Limited::new(resp.into_body(), MAX_ANSWER)
                    .collect()
                    .await
                    .map(http_body_util::Collected::to_bytes);
                Ok::<_, (bool, hyper::Error)>((status, body))
            })
            .await;
            match res {
                Err(_) => return Err(PeerFailure::Timeout),
                Ok(Ok((status, Ok(body)))) => {
                    self.put_idle(addr, sender);
                    return Ok((status, body));
                }
                Ok(Ok((_, Err(_)))) => return Err(PeerFailure::Unreachable),
                Ok(Err(_)) if pooled && attempt < 2 => {}
                Ok(Err(_)) => return Err(PeerFailure::Unreachable),
            }
        }
    }

    /// A plain GET (readiness probes).
    pub(crate) async fn get(
        &self,
        node: &ServiceNode,
        path: &str,
    ) -> Result<(u16, Bytes), PeerFailure> {
        let addr = SocketAddrV4::new(node.ip(), node.https_port());
        let mut sender = self.connect(addr).await?;
        let req = Request::get(path)
            .header("host", addr.to_string())
            .body(Full::new(Bytes::new()))
            .map_err(|_| PeerFailure::Unreachable)?;
        let resp = tokio::time::timeout(Duration::from_secs(5), sender.send_request(req))
            .await
            .map_err(|_| PeerFailure::Timeout)?
            .map_err(|_| PeerFailure::Unreachable)?;
        let status = resp.status().as_u16();
        let body = Limited::new(resp.into_body(), MAX_ANSWER)
            .collect()
            .await
            .map_err(|_| PeerFailure::Unreachable)?
            .to_bytes();
        Ok((status, body))
    }
}
