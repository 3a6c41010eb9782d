//! A small community server for the integration tests — **test-only, not a production
//! community server**: everything lives in memory, there are no permissions beyond "posting and
//! DMs need a user", no rate limits, no moderation, no file expiry, and its clock is a number
//! the test sets. It follows community.md where it implements something (rooms, messages
//! since/recent/post/delete, reactions, inbox/outbox, files, `/batch`, `/sequence`, the direct
//! v4 endpoint) and authenticates every request with `session-community`'s own verifier, so
//! that the client side is exercised against the server rules over real loopback HTTP.
//! Binds 127.0.0.1 only.

#![allow(dead_code, unreachable_pub)]

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::{Request as HttpRequest, Response};
use hyper_util::rt::TokioIo;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Value, json};
use session_community::Request;
use session_community::api::{
    BatchItem, JSON, OCTET_STREAM, parse_batch_request, parse_v4_request,
};
use session_community::auth::{AuthPolicy, MemoryAuthState, ReceivedRequest, verify_request};
use session_community::encoding::{b64_decode, b64_encode};
use session_identity::{Ed25519KeyPair, IdPrefix, SessionId, X25519PublicKey};
use session_onion::{IncomingLayer, NodeKeys};
use tokio::net::TcpListener;

/// The test clock (unix seconds) the server starts with.
pub const START: i64 = 1_700_000_000;
const MAX_BODY: usize = 1 << 20;

/// One stored room message.
#[derive(Debug, Clone)]
pub struct Stored {
    pub id: i64,
    pub session_id: String,
    pub posted: f64,
    pub seqno: i64,
    pub data: Option<Vec<u8>>,
    pub signature: Option<Vec<u8>>,
    pub reactions: BTreeMap<String, Vec<String>>,
}

#[derive(Debug, Default)]
pub struct RoomState {
    pub name: String,
    pub info_updates: i64,
    pub seq: i64,
    pub messages: Vec<Stored>,
    pub files: HashMap<u64, Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Dm {
    id: i64,
    posted_at: f64,
    sender: String,
    recipient: String,
    message: String,
}

/// The server state (tests may reach in, e.g. to plant a forged message).
pub struct State {
    pub now: i64,
    pub require_blind: bool,
    pub auth: MemoryAuthState,
    pub users: HashSet<String>,
    pub rooms: BTreeMap<String, RoomState>,
    dms: Vec<Dm>,
    next_id: i64,
    rng: ChaCha20Rng,
}

/// A running test server.
pub struct TestServer {
    pub addr: SocketAddr,
    pub x25519: X25519PublicKey,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An answer: status, content type, body.
type Reply = (u16, &'static str, Vec<u8>);

fn json_reply(status: u16, v: &Value) -> Reply {
    (status, JSON, v.to_string().into_bytes())
}

fn text(status: u16, t: &str) -> Reply {
    (status, "text/plain; charset=utf-8", t.as_bytes().to_vec())
}

impl TestServer {
    /// Starts a server on 127.0.0.1 (a free port) with the given rooms.
    pub async fn start(rooms: &[&str]) -> Self {
        let keys = Ed25519KeyPair::from_seed(&[0x5e; 32]);
        let node = Arc::new(NodeKeys::from_ed25519_keypair(&keys));
        let x25519 = *node.public_key();
        let state = Arc::new(Mutex::new(State {
            now: START,
            require_blind: true,
            auth: MemoryAuthState::new(),
            users: HashSet::new(),
            rooms: rooms
                .iter()
                .map(|r| {
                    (
                        (*r).to_owned(),
                        RoomState {
                            name: format!("Room {r}"),
                            info_updates: 1,
                            ..Default::default()
                        },
                    )
                })
                .collect(),
            dms: Vec::new(),
            next_id: 1,
            rng: ChaCha20Rng::seed_from_u64(7),
        }));
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("local addr");
        let st = state.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let st = st.clone();
                let node = node.clone();
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(move |req| {
                        let st = st.clone();
                        let node = node.clone();
                        async move { Ok::<_, std::convert::Infallible>(serve(&st, &node, req).await) }
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
            state,
            task,
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The state, for tests that change the clock or plant data.
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("state lock")
    }
}

async fn serve(
    state: &Mutex<State>,
    node: &NodeKeys,
    req: HttpRequest<Incoming>,
) -> Response<Full<Bytes>> {
    let method = req.method().as_str().to_owned();
    let path = req
        .uri()
        .path_and_query()
        .map_or("/", |p| p.as_str())
        .to_owned();
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .filter_map(|(k, v)| Some((k.as_str().to_owned(), v.to_str().ok()?.to_owned())))
        .collect();
    let body = match Limited::new(req.into_body(), MAX_BODY).collect().await {
        Ok(b) => b.to_bytes().to_vec(),
        Err(_) => return respond(text(413, "too large")),
    };
    let reply = {
        let mut st = state.lock().expect("state lock");
        if method == "POST" && path == "/oxen/v4/lsrpc" {
            onion_v4(&mut st, node, &body)
        } else {
            let h: Vec<(&str, &str)> = headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            authenticated(&mut st, &method, &path, &h, &body)
        }
    };
    respond(reply)
}

fn respond((status, ctype, body): Reply) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", ctype)
        .body(Full::new(Bytes::from(body)))
        .expect("response")
}

/// `POST /oxen/v4/lsrpc`: open the frame, run the inner request, seal the v4 answer.
fn onion_v4(st: &mut State, node: &NodeKeys, frame: &[u8]) -> Reply {
    let Ok(layer) = IncomingLayer::parse_frame(frame) else {
        return text(400, "Invalid request");
    };
    let Ok((plain, reply_key)) = node.open(&layer) else {
        return text(400, "Invalid ciphertext");
    };
    let (code, ctype, body) = match parse_v4_request(&plain) {
        Ok(inner) => {
            let h: Vec<(&str, &str)> = inner
                .headers
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            authenticated(
                st,
                inner.method.as_str(),
                &inner.path,
                &h,
                inner.body.as_deref().unwrap_or_default(),
            )
        }
        Err(_) => text(400, "Invalid v4 onion request"),
    };
    let mut headers = serde_json::Map::new();
    headers.insert("content-type".into(), Value::from(ctype));
    let payload = session_onion::encode_v4_response(code, &headers, &body);
    let sealed = reply_key.encrypt(&mut st.rng, &payload);
    (200, OCTET_STREAM, sealed)
}

fn authenticated(
    st: &mut State,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Reply {
    let req = ReceivedRequest {
        method,
        path_and_query: path,
        body,
        headers,
    };
    let user = verify_with_server_key(st, &req);
    match user {
        Ok(u) => {
            if let Some(u) = &u {
                st.users.insert(u.to_string());
            }
            route(st, u.as_ref(), method, path, body)
        }
        Err(e) => text(e.status(), &e.message()),
    }
}

fn verify_with_server_key(
    st: &mut State,
    req: &ReceivedRequest<'_>,
) -> Result<Option<SessionId>, session_community::AuthError> {
    let server = server_key();
    let policy = AuthPolicy::new(st.require_blind);
    verify_request(&server, req, st.now, policy, &mut st.auth).map(|u| u.map(|u| u.session_id))
}

/// The server's X25519 key (from the fixed seed of [`TestServer::start`]).
pub fn server_key() -> X25519PublicKey {
    Ed25519KeyPair::from_seed(&[0x5e; 32]).x25519_public()
}

fn message_json(m: &Stored) -> Value {
    let mut v =
        json!({"id": m.id, "session_id": m.session_id, "posted": m.posted, "seqno": m.seqno});
    match (&m.data, &m.signature) {
        (Some(d), Some(s)) => {
            v["data"] = Value::from(b64_encode(d));
            v["signature"] = Value::from(b64_encode(s));
        }
        _ => {
            v["data"] = Value::Null;
            v["deleted"] = Value::Bool(true);
        }
    }
    let reactions: serde_json::Map<String, Value> = m
        .reactions
        .iter()
        .enumerate()
        .map(|(i, (e, who))| {
            (
                e.clone(),
                json!({"index": i, "count": who.len(), "reactors": who}),
            )
        })
        .collect();
    v["reactions"] = Value::Object(reactions);
    v
}

fn room_json(token: &str, r: &RoomState) -> Value {
    json!({
        "token": token, "name": r.name, "info_updates": r.info_updates,
        "message_sequence": r.seq, "created": START as f64, "active_users": 1,
        "active_users_cutoff": 604800, "moderators": [], "admins": [],
        "read": true, "write": true, "upload": true,
    })
}

fn query_limit(path: &str) -> usize {
    path.split_once('?')
        .and_then(|(_, q)| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("limit="))
                .and_then(|l| l.parse::<usize>().ok())
        })
        .unwrap_or(100)
        .clamp(1, 256)
}

fn route(st: &mut State, user: Option<&SessionId>, method: &str, path: &str, body: &[u8]) -> Reply {
    let (decoded, _query) = session_community::auth::split_and_decode_path(path);
    let seg: Vec<&str> = decoded.split('/').skip(1).collect();
    let need_user = || text(401, "X-SOGS-* request authentication required");
    match (method, seg.as_slice()) {
        ("GET", ["capabilities"]) => {
            let mut caps = vec!["reactions", "sogs"];
            if st.require_blind {
                caps.insert(0, "blind");
            }
            json_reply(200, &json!({"capabilities": caps}))
        }
        ("GET", ["rooms"]) => json_reply(
            200,
            &Value::Array(st.rooms.iter().map(|(t, r)| room_json(t, r)).collect()),
        ),
        ("POST", ["batch" | "sequence"]) => {
            let Ok(subs) = parse_batch_request(body) else {
                return text(400, "Invalid batch request");
            };
            let stop_on_error = seg == ["sequence"];
            let mut out = Vec::new();
            for s in subs {
                let (b, _) = s.body_and_type();
                let (code, ctype, rb) = route(st, user, s.method.as_str(), &s.path, &b);
                out.push(BatchItem::new(code, (code != 304).then_some(ctype), &rb));
                if stop_on_error && !(200..300).contains(&code) {
                    break;
                }
            }
            json_reply(200, &serde_json::to_value(out).expect("batch json"))
        }
        (_, ["room", token, rest @ ..]) => {
            let now = st.now as f64;
            let Some(room) = st.rooms.get_mut(*token) else {
                return text(404, "Not Found");
            };
            room_route(room, token, user, method, rest, path, body, now)
        }
        ("POST", ["inbox", to]) => {
            let Some(u) = user else { return need_user() };
            if !to.starts_with("15") || !st.users.contains(*to) {
                return text(404, "Not Found");
            }
            let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
                return text(400, "Bad Request");
            };
            let Some(Value::String(message)) = b.get("message") else {
                return text(400, "Bad Request");
            };
            let dm = Dm {
                id: st.next_id,
                posted_at: st.now as f64,
                sender: u.to_string(),
                recipient: (*to).to_owned(),
                message: message.clone(),
            };
            st.next_id += 1;
            let reply = json!({"id": dm.id, "posted_at": dm.posted_at,
                "expires_at": dm.posted_at + 15.0 * 86400.0, "sender": dm.sender, "recipient": dm.recipient});
            st.dms.push(dm);
            json_reply(201, &reply)
        }
        ("GET", [which @ ("inbox" | "outbox"), rest @ ..]) => {
            let Some(u) = user.filter(|u| u.prefix() == IdPrefix::Blinded15) else {
                return text(401, "This endpoint requires blinded pubkeys be used");
            };
            let me = u.to_string();
            let since = match rest {
                [] => None,
                ["since", n] => match n.parse::<i64>() {
                    Ok(n) => Some(n),
                    Err(_) => return text(404, "Not Found"),
                },
                _ => return text(404, "Not Found"),
            };
            let list: Vec<Value> = st
                .dms
                .iter()
                .filter(|d| if *which == "inbox" { d.recipient == me } else { d.sender == me })
                .filter(|d| since.is_none_or(|s| d.id > s))
                .take(query_limit(path))
                .map(|d| {
                    json!({"id": d.id, "posted_at": d.posted_at, "expires_at": d.posted_at + 15.0 * 86400.0,
                        "sender": d.sender, "recipient": d.recipient, "message": d.message})
                })
                .collect();
            if since.is_some() && list.is_empty() {
                return (304, OCTET_STREAM, Vec::new());
            }
            json_reply(200, &Value::Array(list))
        }
        _ => text(404, "Not Found"),
    }
}

/// A message that exists and is not deleted.
fn live_message<'a>(messages: &'a mut [Stored], id: &str) -> Option<&'a mut Stored> {
    messages
        .iter_mut()
        .find(|m| m.id.to_string() == id && m.data.is_some())
}

#[allow(clippy::too_many_arguments)]
fn room_route(
    room: &mut RoomState,
    token: &str,
    user: Option<&SessionId>,
    method: &str,
    rest: &[&str],
    path: &str,
    body: &[u8],
    now: f64,
) -> Reply {
    let need_user = || text(401, "X-SOGS-* request authentication required");
    match (method, rest) {
        ("GET", []) => json_reply(200, &room_json(token, room)),
        ("GET", ["pollInfo", n]) => {
            let mut v = json!({"token": token, "active_users": 1, "read": true, "write": true, "upload": true});
            if n.parse::<i64>().ok() != Some(room.info_updates) {
                v["details"] = room_json(token, room);
            }
            json_reply(200, &v)
        }
        ("GET", ["messages", "since", s]) => {
            let Ok(s) = s.parse::<i64>() else {
                return text(404, "Not Found");
            };
            let mut list: Vec<&Stored> = room.messages.iter().filter(|m| m.seqno > s).collect();
            list.sort_by_key(|m| m.seqno);
            let out: Vec<Value> = list
                .into_iter()
                .take(query_limit(path))
                .map(message_json)
                .collect();
            json_reply(200, &Value::Array(out))
        }
        ("GET", ["messages", "recent"]) => {
            let out: Vec<Value> = room
                .messages
                .iter()
                .rev()
                .filter(|m| m.data.is_some())
                .take(query_limit(path))
                .map(message_json)
                .collect();
            json_reply(200, &Value::Array(out))
        }
        ("POST", ["message"]) => {
            let Some(u) = user else { return need_user() };
            let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
                return text(400, "Bad Request");
            };
            let field = |k: &str| {
                b.get(k)
                    .and_then(Value::as_str)
                    .and_then(|s| b64_decode(s).ok())
            };
            let (Some(data), Some(sig)) = (field("data"), field("signature")) else {
                return text(500, "Internal Server Error");
            };
            if sig.len() != 64 {
                return text(400, "Bad Request");
            }
            room.seq += 1;
            let m = Stored {
                id: i64::try_from(room.messages.len()).unwrap_or(0) + 1,
                session_id: u.to_string(),
                posted: now,
                seqno: room.seq,
                data: Some(data),
                signature: Some(sig),
                reactions: BTreeMap::new(),
            };
            let v = message_json(&m);
            room.messages.push(m);
            json_reply(201, &v)
        }
        ("DELETE", ["message", id]) => {
            let Some(u) = user else { return need_user() };
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return text(404, "Not Found");
            };
            if m.session_id != u.to_string() {
                return text(403, "Forbidden");
            }
            m.data = None;
            m.signature = None;
            m.reactions.clear();
            m.seqno = seq;
            room.seq = seq;
            json_reply(200, &json!({}))
        }
        ("PUT", ["reaction", id, emoji]) => {
            let Some(u) = user else { return need_user() };
            let n = emoji.chars().count();
            if !(1..=12).contains(&n) {
                return text(400, "Bad Request");
            }
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return text(404, "Not Found");
            };
            let who = m.reactions.entry((*emoji).to_owned()).or_default();
            let me = u.to_string();
            let added = !who.contains(&me);
            if added {
                who.push(me);
                m.seqno = seq;
                room.seq = seq;
            }
            json_reply(200, &json!({"added": added, "seqno": m.seqno}))
        }
        ("POST", ["file"]) => {
            if user.is_none() {
                return need_user();
            }
            if body.is_empty() {
                return text(403, "Forbidden");
            }
            let id = u64::try_from(room.files.len()).unwrap_or(0) + 100;
            room.files.insert(id, body.to_vec());
            json_reply(201, &json!({"id": id}))
        }
        ("GET", ["file", id, ..]) => {
            match id.parse::<u64>().ok().and_then(|i| room.files.get(&i)) {
                Some(f) => (200, OCTET_STREAM, f.clone()),
                None => text(404, "Not Found"),
            }
        }
        _ => text(404, "Not Found"),
    }
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
