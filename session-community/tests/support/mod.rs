//! The test tree's community server: `session_community::server::Server` (the crate's
//! in-memory server — **test-only, not a production community server**) hosted over HTTP/1.1
//! on 127.0.0.1 with hyper, with a clock the test sets. `session_node::CommunityServer` hosts
//! the same state machine for local networks; only the hosting is repeated here (this crate
//! cannot depend on session-node).

#![allow(dead_code, unreachable_pub)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request as HttpRequest, Response};
use hyper_util::rt::TokioIo;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use session_community::Request;
use session_community::api::OCTET_STREAM;
use session_community::server::{MAX_BODY, Server};
use session_identity::{Ed25519KeyPair, X25519PublicKey};
use session_onion::NodeKeys;
use tokio::net::TcpListener;

/// The test clock (unix seconds) the server starts with.
pub const START: i64 = 1_700_000_000;

/// What the hosted server shares between connections.
pub struct Shared {
    pub server: Server,
    /// Unix seconds.
    pub now: i64,
    rng: ChaCha20Rng,
}

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub x25519: X25519PublicKey,
    shared: Arc<Mutex<Shared>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

fn ms(secs: i64) -> u64 {
    secs.unsigned_abs() * 1000
}

impl TestServer {
    /// Starts a server on 127.0.0.1 (a free port) with the given rooms.
    pub async fn start(rooms: &[&str]) -> Self {
        let keys = NodeKeys::from_ed25519_keypair(&Ed25519KeyPair::from_seed(&[0x5e; 32]));
        let x25519 = *keys.public_key();
        let mut server = Server::new(keys, ms(START));
        for r in rooms {
            server.add_room(&r.parse().expect("room token"), &format!("Room {r}"));
        }
        let shared = Arc::new(Mutex::new(Shared {
            server,
            now: START,
            rng: ChaCha20Rng::seed_from_u64(7),
        }));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let st = shared.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        async move { Ok::<_, std::convert::Infallible>(serve(&st, req).await) }
                    });
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        Self {
            addr,
            x25519,
            shared,
            task,
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Runs `f` on the shared state (the server and its clock).
    pub fn with<T>(&self, f: impl FnOnce(&mut Shared) -> T) -> T {
        f(&mut self.shared.lock().expect("state lock"))
    }
}

async fn serve(shared: &Mutex<Shared>, req: HttpRequest<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => return respond(413, "text/plain", b"too large".to_vec()),
    };
    let path = parts.uri.path_and_query().map_or("/", |p| p.as_str());
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_bytes()));
    let mut st = shared.lock().expect("state lock");
    let Shared { server, now, rng } = &mut *st;
    let resp = server.handle_http(parts.method.as_str(), path, headers, &body, ms(*now), rng);
    respond(resp.status, resp.content_type, resp.body)
}

fn respond(status: u16, ctype: &str, body: Vec<u8>) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Full::new(Bytes::from(body)))
        .expect("response")
}

/// Sends a request directly over HTTP/1.1 to the server; returns status and body.
pub async fn send(addr: SocketAddr, r: &Request) -> (u16, Vec<u8>) {
    let body = r.body.clone().unwrap_or_default();
    let mut b = HttpRequest::builder()
        .method(r.method.as_str())
        .uri(&r.path)
        .header("host", addr.to_string());
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    post_raw(addr, b.body(Full::new(Bytes::from(body))).expect("request")).await
}

/// POSTs a direct v4 frame to `/oxen/v4/lsrpc`.
pub async fn send_frame(addr: SocketAddr, frame: Vec<u8>) -> (u16, Vec<u8>) {
    let req = HttpRequest::builder()
        .method("POST")
        .uri("/oxen/v4/lsrpc")
        .header("host", addr.to_string())
        .header("content-type", OCTET_STREAM)
        .body(Full::new(Bytes::from(frame)))
        .expect("request");
    post_raw(addr, req).await
}

async fn post_raw(addr: SocketAddr, req: HttpRequest<Full<Bytes>>) -> (u16, Vec<u8>) {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp))
        .await
        .expect("handshake");
    tokio::spawn(conn);
    let resp = sender.send_request(req).await.expect("send");
    let status = resp.status().as_u16();
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    (status, body.to_vec())
}
