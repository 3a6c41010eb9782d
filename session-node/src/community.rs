//! A community server on loopback, for local networks and tests — **not a production
//! community server**: rooms, posts, reactions, files and DMs live in memory only (lost when
//! it stops), there is no moderation, no permissions beyond "writing needs an authenticated
//! user", no rate limits and no file expiry. The request handling is
//! [`session_community::server::Server`] (sans-IO); this type only hosts it over plain HTTP/1.1
//! on a loopback address, with the real clock.

use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use rand_core::OsRng;
use session_community::server::{MAX_BODY, Server};
use session_community::{Community, RoomToken};
use session_identity::{X25519PublicKey, X25519SecretKey};
use session_onion::NodeKeys;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;
use tracing::{debug, info, warn};

use crate::error::{Error, Result, io};
use crate::node::IDLE_TIMEOUT;

/// Most connections served at once (further ones wait in the accept queue).
const MAX_COMMUNITY_CONNECTIONS: usize = 64;

/// A running community server on a loopback address (see the module docs: for local
/// networks and tests only, **not a production server**).
///
/// Stop it with [`CommunityServer::stop`] (waits until the port is free); dropping it also
/// stops accepting, without waiting.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), session_node::Error> {
/// use session_node::CommunityServer;
///
/// let server = CommunityServer::start("127.0.0.1".parse().unwrap(), &["lobby"]).await?;
/// let url = server.join_url("lobby");
/// assert!(url.starts_with(&format!("{}/lobby?public_key=", server.base_url())));
/// let community: session_community::Community = url.parse().unwrap();
/// assert_eq!(&community.server_x25519, server.public_key());
/// server.stop().await;
/// # Ok(())
/// # }
/// ```
pub struct CommunityServer {
    addr: SocketAddr,
    public_key: X25519PublicKey,
    rooms: Vec<String>,
    state: Arc<Mutex<Server>>,
    clock: Arc<AtomicU64>,
    shutdown: watch::Sender<bool>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl std::fmt::Debug for CommunityServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CommunityServer")
            .field("addr", &self.addr)
            .field("public_key", &self.public_key)
            .field("rooms", &self.rooms)
            .finish_non_exhaustive()
    }
}

impl Drop for CommunityServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
    }
}

impl CommunityServer {
    /// Starts a server on `ip` (a loopback address) on a free port, with a fresh random
    /// X25519 key and the given rooms (room tokens: 1–64 of `[0-9a-zA-Z_-]`).
    ///
    /// # Errors
    /// [`Error::NotLoopback`] for any other address; [`Error::Community`] for a bad room token;
    /// [`Error::Bind`].
    pub async fn start(ip: IpAddr, rooms: &[&str]) -> Result<Self> {
        Self::start_with_key(ip, 0, X25519SecretKey::generate(&mut OsRng), rooms).await
    }

    /// Starts a server on `ip:port` (`port` 0: a free one) with the given key — what keeps a
    /// server's join URLs valid across restarts (the posts are not kept).
    ///
    /// # Errors
    /// As [`CommunityServer::start`].
    pub async fn start_with_key(
        ip: IpAddr,
        port: u16,
        key: X25519SecretKey,
        rooms: &[&str],
    ) -> Result<Self> {
        if !ip.is_loopback() {
            return Err(Error::NotLoopback(ip));
        }
        let tokens = rooms
            .iter()
            .map(|r| r.parse::<RoomToken>())
            .collect::<std::result::Result<Vec<_>, _>>()?;
        let clock = Arc::new(AtomicU64::new(0));
        let keys = NodeKeys::new(key);
        let public_key = *keys.public_key();
        let mut server = Server::new(keys, now_ms(&clock));
        for t in &tokens {
            server.add_room(t, t.as_str());
        }
        let addr = SocketAddr::new(ip, port);
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| Error::Bind { addr, source })?;
        let addr = listener.local_addr().map_err(io("listener address"))?;
        let state = Arc::new(Mutex::new(server));
        let (shutdown, rx) = watch::channel(false);
        let task = tokio::spawn(serve(listener, state.clone(), clock.clone(), rx));
        info!(%addr, rooms = ?rooms, "community server up");
        Ok(Self {
            addr,
            public_key,
            rooms: tokens.iter().map(|t| t.as_str().to_owned()).collect(),
            state,
            clock,
            shutdown,
            task: Some(task),
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://IP:PORT`.
    #[must_use]
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The server's X25519 public key (the `public_key` of its join URLs).
    #[must_use]
    pub fn public_key(&self) -> &X25519PublicKey {
        &self.public_key
    }

    /// The room tokens.
    #[must_use]
    pub fn rooms(&self) -> &[String] {
        &self.rooms
    }

    /// The join URL of a room: `{base}/{room}?public_key={hex}` (parses as a
    /// [`Community`]). Any token is formatted; only the server's rooms exist on it.
    #[must_use]
    pub fn join_url(&self, room: &str) -> String {
        format!(
            "{}/{room}?public_key={}",
            self.base_url(),
            hex::encode(self.public_key.as_bytes())
        )
    }

    /// The join URL of a room, parsed.
    ///
    /// # Errors
    /// [`Error::Community`] for a malformed room token.
    pub fn community(&self, room: &str) -> Result<Community> {
        Ok(self.join_url(room).parse()?)
    }

    /// Fixes the server's clock at `ms` (unix milliseconds), or with `None` goes back to the
    /// real clock — for tests of the X-SOGS timestamp window.
    pub fn set_time_ms(&self, ms: Option<u64>) {
        self.clock.store(ms.unwrap_or(0), Ordering::Relaxed);
    }

    /// Runs `f` on the server state (to add a room, ban a user, count messages …).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut Server) -> T) -> T {
        let mut s = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut s)
    }

    /// Stops accepting, drops open connections and waits until the listener is closed.
    pub async fn stop(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        info!(addr = %self.addr, "community server stopped");
    }
}

fn now_ms(clock: &AtomicU64) -> u64 {
    match clock.load(Ordering::Relaxed) {
        0 => crate::now_ms(),
        fixed => fixed,
    }
}

async fn serve(
    listener: TcpListener,
    state: Arc<Mutex<Server>>,
    clock: Arc<AtomicU64>,
    mut shutdown: watch::Receiver<bool>,
) {
    let conns = Arc::new(Semaphore::new(MAX_COMMUNITY_CONNECTIONS));
    let mut tasks = JoinSet::new();
    loop {
        let permit = tokio::select! {
            p = conns.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            _ = shutdown.changed() => break,
        };
        let (tcp, _) = tokio::select! {
            r = listener.accept() => match r {
                Ok(x) => x,
                Err(e) => {
                    warn!(error = %e, "community server: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => break,
        };
        let _ = tcp.set_nodelay(true);
        let (state, clock) = (state.clone(), clock.clone());
        tasks.spawn(async move {
            let _permit = permit;
            let handler = move |req| {
                let (state, clock) = (state.clone(), clock.clone());
                async move { handle(&state, &clock, req).await }
            };
            crate::conn::serve_http1(tcp, handler, IDLE_TIMEOUT).await;
        });
        while tasks.try_join_next().is_some() {}
    }
    drop(listener);
    tasks.shutdown().await;
}

async fn handle(
    state: &Mutex<Server>,
    clock: &AtomicU64,
    req: Request<hyper::body::Incoming>,
) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            return reply(
                413,
                "text/plain; charset=utf-8",
                b"Request body too large".to_vec(),
            );
        }
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()));
    let resp = state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .handle_http(
            parts.method.as_str(),
            path,
            headers,
            &body,
            now_ms(clock),
            &mut OsRng,
        );
    debug!(method = %parts.method, path, status = resp.status, "community request");
    reply(resp.status, resp.content_type, resp.body)
}

fn reply(status: u16, content_type: &'static str, body: Vec<u8>) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    r.headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}
