//! One service node: the HTTPS listener, request routing, onion processing, storage RPC with
//! swarm replication, and catch-up. Protocol decisions come from `session-onion` (peeling,
//! replies) and `session-swarm::server` (requests, answers, signatures); this module is IO.

use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use rand_core::OsRng;
use serde_json::{Map, Value, json};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use session_onion::{Decision, IncomingLayer, NodeKeys, ReplyBody, Route};
use session_swarm::server::{
    self, AnswerBody, ClientRequest, HashResult, MemberEntry, PEER_PUBKEY_HEADER,
    PEER_SIGNATURE_HEADER, PEER_TIMESTAMP_HEADER, RetrieveBudget, RpcCall, RpcError,
};
use session_swarm::{ServiceNode, SwarmId};
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tracing::{Instrument as _, debug, info, info_span, warn};

use crate::error::{Error, Result, io};
use crate::peer::{PeerClient, PeerFailure};
use crate::store::{Store, SyncCursor, SyncPage};
use crate::view::View;
use crate::{keys, now_ms, tls};

/// Largest request body (10 MiB); above it: 413 `Request body too large`.
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// Concurrent connections per node.
pub const MAX_CONNECTIONS: usize = 256;
/// Requests in progress per node; above it: 503 `Server busy, try again later`.
pub const MAX_IN_FLIGHT: usize = 512;
/// A relayed onion request gets this long to answer before 504 `Request time out`.
pub const RELAY_TIMEOUT: Duration = Duration::from_secs(10);
/// A swarm member gets this long to answer a forwarded request.
pub const FORWARD_TIMEOUT: Duration = Duration::from_secs(5);
/// A keep-alive connection with no request for this long is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// The `height` nodes report.
const HEIGHT: u64 = 1_000;

/// A node's resource limits (`local-network.md` §5); [`Limits::default`] is what every node
/// of a [`crate::Testnet`] and `session node run` use. Tests lower them to exercise the limits
/// in a second instead of minutes.
///
/// ```
/// use std::time::Duration;
/// use session_node::{IDLE_TIMEOUT, Limits, MAX_IN_FLIGHT};
///
/// let limits = Limits::default()
///     .max_in_flight(2)
///     .idle_timeout(Duration::from_secs(1));
/// assert_eq!(Limits::default().max_in_flight, MAX_IN_FLIGHT);
/// assert_eq!(Limits::default().idle_timeout, IDLE_TIMEOUT);
/// assert_eq!(limits.max_in_flight, 2);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Concurrent connections ([`MAX_CONNECTIONS`]); more wait to be accepted.
    pub max_connections: usize,
    /// Requests in progress ([`MAX_IN_FLIGHT`]); above it: 503 `Server busy, try again later`.
    pub max_in_flight: usize,
    /// A keep-alive connection with no request in progress for this long is closed
    /// ([`IDLE_TIMEOUT`]).
    pub idle_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            max_in_flight: MAX_IN_FLIGHT,
            idle_timeout: IDLE_TIMEOUT,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_connections`] (at least 1).
    #[must_use]
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }
    /// Sets [`Limits::max_in_flight`] (at least 1).
    #[must_use]
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }
    /// Sets [`Limits::idle_timeout`] (at least 4 ms: idleness is checked four times per period).
    #[must_use]
    pub fn idle_timeout(mut self, d: Duration) -> Self {
        self.idle_timeout = d.max(Duration::from_millis(4));
        self
    }
}

/// How to run one node.
#[derive(Debug, Clone)]
pub struct NodeConfig {
    /// Data directory: `ed25519.key`, `tls-cert.der`, `tls-key.der`, `storage.db`.
    pub data_dir: PathBuf,
    /// Address to listen on (a loopback or public IPv4 address; port 0 = any free port).
    pub listen: SocketAddrV4,
    /// The network's node list (this node's own entry included, with its swarm id).
    pub nodes: Vec<ServiceNode>,
}

struct Inner {
    key: Ed25519KeyPair,
    onion: NodeKeys,
    store: Arc<Store>,
    view: RwLock<Arc<View>>,
    peers: PeerClient,
    work: Arc<Semaphore>,
    limits: Limits,
    next_id: AtomicU64,
    requests: AtomicU64,
    started: u64,
}

impl Inner {
    fn view(&self) -> Arc<View> {
        self.view
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

/// A running node. Dropping it without [`Node::stop`] leaves its tasks running until the
/// runtime ends.
pub struct Node {
    inner: Arc<Inner>,
    addr: SocketAddrV4,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<()>,
    caught_up: watch::Receiver<bool>,
}

impl std::fmt::Debug for Node {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Node")
            .field("ed25519", &self.inner.key.public_key())
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// Loads (or makes) the Ed25519 key of a data directory.
///
/// # Errors
/// [`Error::Io`] / [`Error::Malformed`].
pub fn node_key(data_dir: &std::path::Path) -> Result<Ed25519KeyPair> {
    std::fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
    keys::load_or_create(data_dir)
}

/// Binds `addr` (never the wildcard: the caller gives the address).
///
/// # Errors
/// [`Error::Bind`].
pub async fn bind(addr: SocketAddrV4) -> Result<TcpListener> {
    TcpListener::bind(addr).await.map_err(|source| Error::Bind {
        addr: addr.into(),
        source,
    })
}

impl Node {
    /// Starts a node: key and TLS certificate from (or into) the data directory, the database,
    /// the listener, pruning, and catch-up from the swarm peers in the background.
    ///
    /// # Errors
    /// Key, TLS, database or bind failures.
    pub async fn start(config: NodeConfig) -> Result<Self> {
        let listener = bind(config.listen).await?;
        Self::start_on(config, listener).await
    }

    /// [`Node::start`] on an already bound listener.
    ///
    /// # Errors
    /// As [`Node::start`].
    pub async fn start_on(config: NodeConfig, listener: TcpListener) -> Result<Self> {
        Self::start_with_limits(config, listener, Limits::default()).await
    }

    /// [`Node::start_on`] with other [`Limits`] than the defaults.
    ///
    /// # Errors
    /// As [`Node::start`].
    pub async fn start_with_limits(
        config: NodeConfig,
        listener: TcpListener,
        limits: Limits,
    ) -> Result<Self> {
        let key = node_key(&config.data_dir)?;
        let tls = TlsAcceptor::from(tls::server_config(&config.data_dir)?);
        let store = Arc::new(Store::open(&config.data_dir.join("storage.db"))?);
        let local = match listener.local_addr().map_err(io("listener address"))? {
            std::net::SocketAddr::V4(a) => a,
            std::net::SocketAddr::V6(a) => {
                return Err(Error::Config(format!("{a} is not an IPv4 address")));
            }
        };
        let me = key.public_key();
        let my_swarm = config
            .nodes
            .iter()
            .find(|n| *n.ed25519_pk() == me)
            .map_or(session_swarm::INVALID_SWARM_ID, ServiceNode::swarm_id);
        let view = View::new(config.nodes, me, my_swarm);
        let inner = Arc::new(Inner {
            onion: NodeKeys::from_ed25519_keypair(&key),
            key,
            store,
            view: RwLock::new(Arc::new(view)),
            peers: PeerClient::new()?,
            work: Arc::new(Semaphore::new(limits.max_in_flight)),
            limits,
            next_id: AtomicU64::new(1),
            requests: AtomicU64::new(0),
            started: now_ms(),
        });
        let (shutdown, rx) = watch::channel(false);
        let server = tokio::spawn(serve(inner.clone(), listener, tls, rx.clone()));
        let (done_tx, caught_up) = watch::channel(false);
        tokio::spawn(background(inner.clone(), rx, done_tx));
        info!(node = %me, addr = %local, swarm = %my_swarm, "node started");
        Ok(Self {
            inner,
            addr: local,
            shutdown,
            server,
            caught_up,
        })
    }

    /// The node's Ed25519 public key.
    #[must_use]
    pub fn ed25519(&self) -> Ed25519PublicKey {
        self.inner.key.public_key()
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddrV4 {
        self.addr
    }

    /// Replaces the node list (and the swarm this node believes it is in).
    pub fn set_nodes(&self, nodes: Vec<ServiceNode>, my_swarm: SwarmId) {
        let view = View::new(nodes, self.inner.key.public_key(), my_swarm);
        *self
            .inner
            .view
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(view);
    }

    /// Waits until the first catch-up round from the swarm peers has finished (at most
    /// `timeout`); the node serves requests all along.
    pub async fn caught_up(&self, timeout: Duration) -> bool {
        let mut rx = self.caught_up.clone();
        tokio::time::timeout(timeout, rx.wait_for(|d| *d))
            .await
            .is_ok_and(|r| r.is_ok())
    }

    /// Number of messages stored.
    ///
    /// # Errors
    /// [`Error::Storage`].
    pub fn message_count(&self) -> Result<u64> {
        self.inner.store.count()
    }

    /// Stops accepting, drops open connections and in-flight requests, and waits for the
    /// listener to close (its address can be bound again at once).
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.server.await;
        info!(node = %self.inner.key.public_key(), "node stopped");
    }
}

async fn background(
    inner: Arc<Inner>,
    mut shutdown: watch::Receiver<bool>,
    done: watch::Sender<bool>,
) {
    tokio::select! {
        () = catch_up(&inner) => {}
        _ = shutdown.changed() => return,
    }
    let _ = done.send(true);
    let mut tick = tokio::time::interval(Duration::from_secs(10));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let store = inner.store.clone();
                let now = now_ms();
                match tokio::task::spawn_blocking(move || store.prune(now)).await {
                    Ok(Ok(n)) if n > 0 => debug!(pruned = n, "expired messages pruned"),
                    Ok(Err(e)) => warn!(error = %e, "prune failed"),
                    _ => {}
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// Catch-up pages read from one peer at most (with [`crate::store::SYNC_PAGE_ROWS`] rows each).
const MAX_SYNC_PAGES: usize = 10_000;

/// Asks every swarm peer for what it holds of this swarm, page by page, and merges it. Peers
/// that do not answer (not started yet, stopped) are skipped.
async fn catch_up(inner: &Arc<Inner>) {
    let peers = inner.view().peers();
    let mut set = JoinSet::new();
    for p in peers {
        let inner = inner.clone();
        set.spawn(async move {
            let mut cursor = SyncCursor::default();
            let mut added = 0usize;
            for _ in 0..MAX_SYNC_PAGES {
                let Ok(body) = serde_json::to_vec(&cursor) else {
                    return;
                };
                let r = inner
                    .peers
                    .post(
                        Some(&inner.key),
                        &p,
                        "/sn/sync",
                        Bytes::from(body),
                        Duration::from_secs(10),
                    )
                    .await;
                let Ok((200, body)) = r else {
                    debug!(peer = %p.ed25519_pk(), "catch-up: peer did not answer");
                    return;
                };
                let Ok(page) = serde_json::from_slice::<SyncPage>(&body) else {
                    warn!(peer = %p.ed25519_pk(), "catch-up: malformed answer");
                    return;
                };
                let next = page.next;
                let store = inner.store.clone();
                match tokio::task::spawn_blocking(move || {
                    store.merge_revocations(&page.revocations)?;
                    store.merge(&page.messages, &page.tombstones)
                })
                .await
                {
                    Ok(Ok(n)) => added += n,
                    Ok(Err(e)) => {
                        warn!(error = %e, "catch-up merge failed");
                        return;
                    }
                    Err(_) => return,
                }
                match next {
                    Some(c) => cursor = c,
                    None => break,
                }
            }
            info!(peer = %p.ed25519_pk(), added, "caught up");
        });
    }
    while set.join_next().await.is_some() {}
}

async fn serve(
    inner: Arc<Inner>,
    listener: TcpListener,
    tls: TlsAcceptor,
    mut shutdown: watch::Receiver<bool>,
) {
    let conns = Arc::new(Semaphore::new(inner.limits.max_connections));
    let mut tasks = JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = conns.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let (tcp, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => { warn!(error = %e, "accept failed"); tokio::time::sleep(Duration::from_millis(50)).await; continue }
            },
            _ = shutdown.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let inner = inner.clone();
        let tls = tls.clone();
        tasks.spawn(async move {
            let _permit = permit;
            let Ok(Ok(stream)) =
                tokio::time::timeout(Duration::from_secs(10), tls.accept(tcp)).await
            else {
                debug!(%peer, "TLS handshake failed");
                return;
            };
            let idle_timeout = inner.limits.idle_timeout;
            let handler = move |req| handle(inner.clone(), req);
            crate::conn::serve_http1(stream, handler, idle_timeout).await;
        });
        // Reap finished connection tasks so the set stays small.
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    tasks.shutdown().await;
}

fn text(status: u16, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body.into())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

fn json_response(status: u16, v: &Value) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(v.to_string())));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

fn answer_response(status: u16, body: &AnswerBody) -> Response<Full<Bytes>> {
    match body {
        AnswerBody::Json(v) => json_response(status, v),
        AnswerBody::Text(t) => text(status, t.clone()),
    }
}

fn bytes_response(status: u16, body: Bytes) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(body));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    r
}

async fn read_body(req: Request<Incoming>) -> Result<Bytes, Response<Full<Bytes>>> {
    let too_large = || text(413, "Request body too large");
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_large());
    }
    Limited::new(req.into_body(), MAX_BODY)
        .collect()
        .await
        .map(http_body_util::Collected::to_bytes)
        .map_err(|_| too_large())
}

async fn handle(inner: Arc<Inner>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let id = inner.next_id.fetch_add(1, Ordering::Relaxed);
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let span = info_span!("request", id, node = %short(&inner.key.public_key()), %method, %path);
    async move {
        let Ok(_permit) = inner.work.clone().try_acquire_owned() else {
            warn!("busy");
            return text(503, "Server busy, try again later");
        };
        inner.requests.fetch_add(1, Ordering::Relaxed);
        let resp = route(&inner, req, &method, &path).await;
        debug!(status = resp.status().as_u16(), "answered");
        resp
    }
    .instrument(span)
    .await
}

fn short(k: &Ed25519PublicKey) -> String {
    k.to_string().chars().take(8).collect()
}

async fn route(
    inner: &Arc<Inner>,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
) -> Response<Full<Bytes>> {
    match (method, path) {
        (&Method::GET, "/get_stats/v1") => {
            let mut m = Map::new();
            m.insert(
                "requests".into(),
                inner.requests.load(Ordering::Relaxed).into(),
            );
            m.insert(
                "uptime_ms".into(),
                now_ms().saturating_sub(inner.started).into(),
            );
            m.insert(
                "stored_messages".into(),
                inner.store.count().unwrap_or(0).into(),
            );
            m.insert(
                "pubkey_ed25519".into(),
                inner.key.public_key().to_string().into(),
            );
            json_response(200, &server::stats_answer(m))
        }
        (&Method::POST, "/ping_test/v1") => {
            let mut r = text(200, "");
            if let Ok(v) =
                HeaderValue::from_str(&STANDARD.encode(inner.key.public_key().as_bytes()))
            {
                r.headers_mut().insert("X-Oxen-Snode-Pubkey", v);
            }
            r
        }
        (&Method::POST, "/json_rpc") => match read_body(req).await {
            Ok(body) => {
                let view = inner.view();
                json_response(200, &server::json_rpc_answer(&body, view.nodes(), HEIGHT))
            }
            Err(r) => r,
        },
        (&Method::POST, "/storage_rpc/v1") => {
            if req.headers().contains_key("X-Loki-Long-Poll") {
                return text(410, "Long polling is no longer supported");
            }
            match read_body(req).await {
                Ok(body) => {
                    let (status, answer) = match server::parse_call(&body) {
                        Ok(call) => execute(inner, call, false).await,
                        Err(e) => (e.status(), e.body().clone()),
                    };
                    answer_response(status, &answer)
                }
                Err(r) => r,
            }
        }
        (&Method::POST, "/onion_req/v2") => match read_body(req).await {
            Ok(body) => match IncomingLayer::parse_frame(&body) {
                Ok(layer) => {
                    let (status, body) = process_layer(inner, layer).await;
                    bytes_response(status, body)
                }
                Err(e) => text(400, format!("Error parsing onion request: {e}")),
            },
            Err(r) => r,
        },
        (&Method::POST, "/sn/onion_req" | "/sn/storage" | "/sn/sync") => {
            let headers = req.headers().clone();
            let body = match read_body(req).await {
                Ok(b) => b,
                Err(r) => return r,
            };
            let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok());
            let view = inner.view();
            let sender = match server::verify_peer_request(
                [
                    h(PEER_PUBKEY_HEADER),
                    h(PEER_TIMESTAMP_HEADER),
                    h(PEER_SIGNATURE_HEADER),
                ],
                "POST",
                path,
                &inner.key.public_key(),
                &body,
                now_ms(),
                |k| view.node(k).is_some(),
            ) {
                Ok(s) => s,
                Err(e) => {
                    warn!(error = %e, "refused node request");
                    return answer_response(e.status(), e.body());
                }
            };
            match path {
                "/sn/onion_req" => match IncomingLayer::decode_relay_message(&body) {
                    Ok(layer) => {
                        let (status, body) = process_layer(inner, layer).await;
                        bytes_response(status, body)
                    }
                    Err(session_onion::Error::TooManyHops) => {
                        text(400, "onion request max path length exceeded")
                    }
                    Err(e) => text(400, format!("Invalid internal onion request: {e}")),
                },
                "/sn/storage" => {
                    let (status, answer) = match server::parse_call(&body) {
                        Ok(call) => execute(inner, call, true).await,
                        Err(e) => (e.status(), e.body().clone()),
                    };
                    answer_response(status, &answer)
                }
                _ => sync_answer(inner, &view, &sender, &body).await,
            }
        }
        _ => text(404, format!("{method} {path} Not Found")),
    }
}

/// One page of what this node holds of the sender's swarm (messages and tombstones); the
/// body is the [`SyncCursor`] to resume from (empty: from the start).
async fn sync_answer(
    inner: &Arc<Inner>,
    view: &Arc<View>,
    sender: &Ed25519PublicKey,
    body: &[u8],
) -> Response<Full<Bytes>> {
    let Some(swarm) = view.node(sender).map(ServiceNode::swarm_id) else {
        return text(401, "Unauthorized node request: unknown sender");
    };
    let cursor = if body.is_empty() {
        SyncCursor::default()
    } else {
        match serde_json::from_slice::<SyncCursor>(body) {
            Ok(c) => c,
            Err(_) => return text(400, "Invalid sync cursor"),
        }
    };
    let store = inner.store.clone();
    let view = view.clone();
    let now = now_ms();
    let page = tokio::task::spawn_blocking(move || {
        store.dump_page(now, cursor, |owner| {
            owner.parse().is_ok_and(|pk| view.swarm_of(&pk).0 == swarm)
        })
    })
    .await;
    match page.map(|p| p.map(|p| serde_json::to_vec(&p))) {
        Ok(Ok(Ok(b))) => {
            let mut r = Response::new(Full::new(Bytes::from(b)));
            r.headers_mut()
                .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            r
        }
        _ => text(500, "Internal error"),
    }
}

/// Peels one onion layer and does what it asks: destination RPC, relay to the next node, or a
/// proxied HTTP request. Returns the HTTP status and body to answer with.
async fn process_layer(inner: &Arc<Inner>, layer: IncomingLayer) -> (u16, Bytes) {
    let peeled = match inner.onion.peel(&layer) {
        Ok(p) => p,
        Err(session_onion::Error::TooManyHops) => {
            return (
                400,
                Bytes::from_static(b"onion request max path length exceeded"),
            );
        }
        Err(_) => return (400, Bytes::from_static(b"Invalid ciphertext")),
    };
    match peeled.decision() {
        Decision::Reject(why) => (200, Bytes::from(peeled.rejection_reply(&mut OsRng, *why))),
        Decision::Accept(Route::Final(f)) => {
            let (status, answer) = match server::parse_call(f.body()) {
                Ok(call) => execute(inner, call, false).await,
                Err(e) => (e.status(), e.body().clone()),
            };
            let body = match answer {
                AnswerBody::Json(v) => ReplyBody::Json(v),
                AnswerBody::Text(t) => ReplyBody::Text(t),
            };
            (
                200,
                Bytes::from(peeled.final_reply(&mut OsRng, status, body)),
            )
        }
        Decision::Accept(Route::RelayToNode(relay)) => {
            let dest = relay.destination();
            let Some(next) = inner.view().node(dest).cloned() else {
                return (502, Bytes::from(format!("Next node not found: {dest}")));
            };
            let msg = Bytes::from(relay.next_layer().encode_relay_message());
            match inner
                .peers
                .post(Some(&inner.key), &next, "/sn/onion_req", msg, RELAY_TIMEOUT)
                .await
            {
                Ok((status, body)) => (server::relayed_status(status), body),
                Err(PeerFailure::Unreachable) => (
                    502,
                    Bytes::from(format!("Next node is currently unreachable: {dest}")),
                ),
                Err(PeerFailure::Timeout) => (504, Bytes::from_static(b"Request time out")),
            }
        }
        Decision::Accept(Route::RelayToServer(relay)) => crate::proxy::relay(relay).await,
        Decision::Accept(_) | _ => (400, Bytes::from_static(b"Invalid json")),
    }
}

fn err(e: &RpcError) -> (u16, AnswerBody) {
    (e.status(), e.body().clone())
}

fn internal<E: std::fmt::Display>(e: E) -> RpcError {
    warn!(error = %e, "storage failure");
    RpcError::new(500, "Internal storage error")
}

/// Runs a storage RPC call: parse, wrong-swarm check, the method's checks, storage, and for
/// recursive methods (unless `forwarded`) the fan-out to the other swarm members.
fn execute(
    inner: &Arc<Inner>,
    call: RpcCall,
    forwarded: bool,
) -> std::pin::Pin<Box<dyn Future<Output = (u16, AnswerBody)> + Send + '_>> {
    Box::pin(async move {
        let req = match ClientRequest::parse(&call) {
            Ok(r) => r,
            Err(e) => return err(&e),
        };
        let view = inner.view();
        let now = now_ms();
        if let Some(account) = req.account() {
            if !view.is_ours(account) {
                let (id, members) = view.swarm_of(account);
                return err(&server::wrong_swarm(id, &members, now));
            }
        }
        let revoked = match (req.account(), req.subaccount_token()) {
            (Some(account), Some(token)) => {
                let (store, account, token) = (inner.store.clone(), *account, *token);
                match tokio::task::spawn_blocking(move || store.is_revoked(&account, &token)).await
                {
                    Ok(Ok(revoked)) => revoked,
                    Ok(Err(e)) => return err(&internal(e)),
                    Err(e) => return err(&internal(e)),
                }
            }
            _ => false,
        };
        if let Err(e) = req.check_revocable(now, forwarded, revoked) {
            return err(&e);
        }
        match req {
            ClientRequest::Info => (200, AnswerBody::Json(server::info_answer(now))),
            ClientRequest::GetSwarm(pk) => {
                let (id, members) = view.swarm_of(&pk);
                (
                    200,
                    AnswerBody::Json(server::swarm_answer(id, &members, now)),
                )
            }
            ClientRequest::OxendRequest { endpoint, params } => {
                if endpoint == "get_service_nodes" {
                    let result = server::service_nodes_result(view.nodes(), &params, HEIGHT);
                    (200, AnswerBody::Json(server::oxend_answer(result, now)))
                } else {
                    (
                        400,
                        AnswerBody::Text(format!(
                            "oxend endpoint '{endpoint}' is not available on this network"
                        )),
                    )
                }
            }
            ClientRequest::Retrieve(r) => {
                let store = inner.store.clone();
                let res = tokio::task::spawn_blocking(move || {
                    store.retrieve(
                        r.auth.account(),
                        r.namespace,
                        r.last_hash.as_deref(),
                        RetrieveBudget::new(r.limits),
                        now,
                    )
                })
                .await;
                match res {
                    Ok(Ok((msgs, more))) => (
                        200,
                        AnswerBody::Json(server::retrieve_answer(&msgs, more, now)),
                    ),
                    Ok(Err(e)) => err(&internal(e)),
                    Err(e) => err(&internal(e)),
                }
            }
            ClientRequest::GetExpiries(r) => {
                let store = inner.store.clone();
                let res = tokio::task::spawn_blocking(move || {
                    store.expiries(r.auth.account(), &r.messages)
                })
                .await;
                match res {
                    Ok(Ok(list)) => {
                        let m: Map<String, Value> =
                            list.into_iter().map(|(h, e)| (h, Value::from(e))).collect();
                        (
                            200,
                            AnswerBody::Json(
                                json!({"expiries": m, "hf": server::HARDFORK, "t": now}),
                            ),
                        )
                    }
                    Ok(Err(e)) => err(&internal(e)),
                    Err(e) => err(&internal(e)),
                }
            }
            ClientRequest::Batch { sequence, calls } => {
                let mut results = Vec::with_capacity(calls.len());
                for c in calls {
                    let (status, body) = execute(inner, c, forwarded).await;
                    let stop = sequence && !(200..300).contains(&status);
                    results.push((status, body));
                    if stop {
                        break;
                    }
                }
                (200, AnswerBody::Json(server::batch_answer(results)))
            }
            recursive => run_recursive(inner, &view, &call, recursive, forwarded, now).await,
        }
    })
}

/// Applies a recursive method to this node's storage; the member's own signed result.
async fn apply_local(inner: &Arc<Inner>, req: ClientRequest, now: u64) -> Result<Value, RpcError> {
    let store = inner.store.clone();
    let key = inner.key.clone();
    tokio::task::spawn_blocking(move || -> Result<Value, RpcError> {
        match &req {
            ClientRequest::Store(s) => {
                let hash = s.hash();
                let (expiry, already) = store
                    .store(
                        s.auth.account(),
                        s.namespace,
                        &hash,
                        s.timestamp,
                        s.expiry,
                        &s.data,
                    )
                    .map_err(internal)?;
                Ok(server::store_result(&key, &hash, expiry, already))
            }
            ClientRequest::Delete(d) => {
                let deleted = store
                    .delete(d.auth.account(), &d.messages)
                    .map_err(internal)?;
                Ok(server::delete_result(&key, d, &deleted))
            }
            ClientRequest::DeleteAll(d) => {
                let rows = store
                    .delete_matching(
                        d.auth.account(),
                        d.namespace,
                        d.before.then_some(d.timestamp),
                    )
                    .map_err(internal)?;
                Ok(server::delete_all_result(
                    &key,
                    d,
                    &HashResult::from_rows(d.namespace, rows),
                ))
            }
            ClientRequest::ExpireAll(x) => {
                let rows = store
                    .expire_all(x.auth.account(), x.namespace, x.expiry)
                    .map_err(internal)?;
                Ok(server::expire_all_result(
                    &key,
                    x,
                    &HashResult::from_rows(x.namespace, rows),
                ))
            }
            ClientRequest::Expire(x) => {
                let current: std::collections::HashMap<String, u64> = store
                    .expiries(x.auth.account(), &x.messages)
                    .map_err(internal)?
                    .into_iter()
                    .collect();
                let plan = x.plan(&current, now);
                for (h, e) in &plan.set {
                    store.set_expiry(h, *e).map_err(internal)?;
                }
                Ok(server::expire_result(
                    &key,
                    x,
                    &plan.applied,
                    &plan.updated,
                    &plan.unchanged,
                ))
            }
            ClientRequest::Revoke(r) => {
                let removed = if r.unrevoke {
                    store
                        .unrevoke(r.auth.account(), &r.tokens, r.timestamp)
                        .map_err(internal)?
                } else {
                    store
                        .revoke(r.auth.account(), &r.tokens, r.timestamp)
                        .map_err(internal)?;
                    0
                };
                Ok(server::revoke_result(&key, r, removed))
            }
            _ => Err(RpcError::new(500, "not a recursive method")),
        }
    })
    .await
    .map_err(internal)?
}

async fn run_recursive(
    inner: &Arc<Inner>,
    view: &Arc<View>,
    call: &RpcCall,
    req: ClientRequest,
    forwarded: bool,
    now: u64,
) -> (u16, AnswerBody) {
    let store_hash = match &req {
        ClientRequest::Store(s) => Some(s.hash()),
        _ => None,
    };
    let delete_required = matches!(&req, ClientRequest::Delete(d) if d.required);
    let own = apply_local(inner, req, now).await;
    if forwarded {
        return match own {
            Ok(v) => (200, AnswerBody::Json(v)),
            Err(e) => err(&e),
        };
    }
    let body = Bytes::from(json!({"method": call.method, "params": call.params}).to_string());
    let mut set = JoinSet::new();
    for peer in view.peers() {
        let inner = inner.clone();
        let body = body.clone();
        set.spawn(async move {
            let r = inner
                .peers
                .post(
                    Some(&inner.key),
                    &peer,
                    "/sn/storage",
                    body,
                    FORWARD_TIMEOUT,
                )
                .await;
            let entry = match r {
                Ok((200, b)) => match serde_json::from_slice::<Value>(&b) {
                    Ok(v) if v.is_object() => MemberEntry::Ok(v),
                    _ => MemberEntry::BadPeerResponse,
                },
                Ok((code, b)) => MemberEntry::Refused {
                    code,
                    reason: String::from_utf8_lossy(&b).chars().take(512).collect(),
                },
                Err(_) => MemberEntry::Timeout,
            };
            (*peer.ed25519_pk(), entry)
        });
    }
    let mut entries = Vec::new();
    let me = inner.key.public_key();
    entries.push((
        me,
        match own {
            Ok(mut v) => {
                if store_hash.is_some() {
                    if let Some(m) = v.as_object_mut() {
                        m.insert("t".into(), now.into());
                    }
                }
                MemberEntry::Ok(v)
            }
            Err(e) => MemberEntry::Refused {
                code: e.status(),
                reason: e.message().to_owned(),
            },
        },
    ));
    while let Some(r) = set.join_next().await {
        if let Ok(e) = r {
            entries.push(e);
        }
    }
    if delete_required {
        let any = entries.iter().any(|(_, e)| {
            matches!(e, MemberEntry::Ok(v) if v["deleted"].as_array().is_some_and(|a| !a.is_empty()))
        });
        if !any {
            return (404, AnswerBody::Text("No messages found".into()));
        }
    }
    let (status, mut v) = server::recursive_answer(entries, now_ms());
    if let (Some(h), Some(m)) = (store_hash, v.as_object_mut()) {
        m.insert("hash".into(), h.into());
    }
    (status, AnswerBody::Json(v))
}
