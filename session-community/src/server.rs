//! A small in-memory community server as a sans-IO state machine — **for tests and local
//! networks only, not a production community server**.
//!
//! Everything lives in memory and is lost when the value is dropped; there is one permission
//! level ("posting, reacting, uploading and DMs need an authenticated user"), no moderators or
//! admins, no rate limits, no file expiry, no whispers, no message filters and no persistence.
//! What it does implement follows community.md: rooms and `pollInfo`, messages
//! (since / recent / before / single, post, edit, delete), reactions and reactors, files,
//! capabilities (with `required=` → 412), `/batch` and `/sequence`, inbox and outbox (blinded
//! DMs), and the onion endpoint `POST /oxen/v4/lsrpc` (the request layer is opened with
//! `session-onion`'s server-side [`NodeKeys`], the inner v4 request is run and the v4 answer is
//! sealed with the layer's reply key). Every request is authenticated with this crate's own
//! [`verify_request`] (X-SOGS-* headers, clock window, nonce reuse, bans), so clients are tested
//! against the same server rules the vectors pin down.
//!
//! The state machine does no IO: an HTTP host (`session_node::CommunityServer`, or a test's
//! loopback server) reads a request, calls [`Server::handle`] with the current time and a
//! random number generator, and writes the [`Response`] back. Bodies larger than
//! [`MAX_BODY`] should be refused by the host (413) before they reach it; the stored data is
//! bounded by [`MAX_ROOM_MESSAGES`], [`MAX_FILE_BYTES`] and [`MAX_DMS`] (429 beyond).
//!
//! ```
//! use rand_core::OsRng;
//! use session_community::auth::ReceivedRequest;
//! use session_community::server::Server;
//! use session_onion::NodeKeys;
//! use session_identity::X25519SecretKey;
//!
//! let keys = NodeKeys::new(X25519SecretKey::generate(&mut OsRng));
//! let mut server = Server::new(keys, 1_700_000_000_000);
//! server.add_room(&"lobby".parse()?, "Lobby");
//! let req = ReceivedRequest { method: "GET", path_and_query: "/rooms", body: b"", headers: &[] };
//! let resp = server.handle(&req, 1_700_000_000_000, &mut OsRng);
//! assert_eq!(resp.status, 200);
//! assert!(String::from_utf8_lossy(&resp.body).contains("\"token\":\"lobby\""));
//! # Ok::<(), session_community::Error>(())
//! ```

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use rand_core::{CryptoRng, RngCore};
use serde::Serialize;
use serde_json::{Map, Value, json};
use session_identity::{IdPrefix, SessionId, X25519PublicKey};
use session_onion::{IncomingLayer, NodeKeys};

use crate::api::{
    BatchItem, DirectMessage, Empty, FileUploaded, InboxDeleted, InboxSent, JSON, MAX_LIMIT,
    OCTET_STREAM, ReactionAdded, ReactionRemoved, Reactor, parse_batch_request, parse_v4_request,
};
use crate::auth::{
    AuthPolicy, MemoryAuthState, ReceivedRequest, percent_decode, split_and_decode_path,
    verify_request,
};
use crate::encoding::{b64_decode, b64_encode};
use crate::url::RoomToken;

/// The largest request body a host should pass to [`Server::handle`] (larger: answer 413).
pub const MAX_BODY: usize = 10 * 1024 * 1024;
/// Most messages (posts, including deleted ones) one room keeps; further posts get 429.
pub const MAX_ROOM_MESSAGES: usize = 100_000;
/// Most file bytes the whole server keeps; further uploads get 429.
pub const MAX_FILE_BYTES: usize = 256 * 1024 * 1024;
/// Most DMs the server keeps; further DMs get 429.
pub const MAX_DMS: usize = 100_000;
/// The onion endpoint (community.md §5).
pub const ONION_V4_PATH: &str = "/oxen/v4/lsrpc";
/// DMs expire after 15 days (`expires_at`; this server does not delete them).
const DM_EXPIRY_S: f64 = 15.0 * 86_400.0;
/// `active_users_cutoff` of the room objects (7 days).
const ACTIVE_CUTOFF_S: i64 = 7 * 86_400;
/// How many requests pass between prunings of the nonce table.
const PRUNE_EVERY: u64 = 1024;
/// Default and largest number of reactors listed per emoji in message objects.
const REACTORS_DEFAULT: usize = 4;
const REACTORS_MAX: usize = 20;

const TEXT: &str = "text/plain; charset=utf-8";

/// An answer: status, content type, body.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type` header.
    pub content_type: &'static str,
    /// The body.
    pub body: Vec<u8>,
}

impl fmt::Debug for Response {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Response {
    fn json(status: u16, v: &impl Serialize) -> Self {
        let body = serde_json::to_vec(v).unwrap_or_else(|_| b"null".to_vec());
        Self {
            status,
            content_type: JSON,
            body,
        }
    }

    fn text(status: u16, t: &str) -> Self {
        Self {
            status,
            content_type: TEXT,
            body: t.as_bytes().to_vec(),
        }
    }

    fn bytes(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            content_type: OCTET_STREAM,
            body,
        }
    }

    fn not_found() -> Self {
        Self::text(404, "Not Found")
    }

    fn bad_request() -> Self {
        Self::text(400, "Bad Request")
    }

    fn need_user() -> Self {
        Self::text(401, "X-SOGS-* request authentication required")
    }

    fn too_many() -> Self {
        Self::text(429, "Too Many Requests")
    }

    fn not_modified() -> Self {
        Self {
            status: 304,
            content_type: OCTET_STREAM,
            body: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
struct Stored {
    id: i64,
    session_id: String,
    posted: f64,
    edited: Option<f64>,
    seqno: i64,
    /// `None` once deleted.
    data: Option<(Vec<u8>, Vec<u8>)>,
    /// Emoji → reactors (id, time), in first-use order of the emoji.
    reactions: Vec<(String, Vec<(String, f64)>)>,
}

#[derive(Debug, Default)]
struct RoomState {
    name: String,
    created: f64,
    info_updates: i64,
    seq: i64,
    messages: Vec<Stored>,
    files: HashMap<u64, Vec<u8>>,
}

#[derive(Debug, Clone)]
struct Dm {
    id: i64,
    posted_at: f64,
    sender: String,
    recipient: String,
    message: String,
}

impl Dm {
    fn to_message(&self) -> DirectMessage {
        DirectMessage {
            id: self.id,
            posted_at: self.posted_at,
            expires_at: self.posted_at + DM_EXPIRY_S,
            sender: self.sender.clone(),
            recipient: self.recipient.clone(),
            message: self.message.clone(),
        }
    }
}

/// The clock of one request.
#[derive(Debug, Clone, Copy)]
struct Now {
    secs: i64,
    float: f64,
}

impl Now {
    fn from_ms(ms: u64) -> Self {
        Self {
            secs: i64::try_from(ms / 1000).unwrap_or(i64::MAX),
            // Precision loss beyond 2^53 ms (year 285 000) does not matter here.
            #[allow(clippy::cast_precision_loss)]
            float: ms as f64 / 1000.0,
        }
    }
}

/// The in-memory community server (see the module docs: not a production server).
pub struct Server {
    keys: NodeKeys,
    require_blind: bool,
    auth: MemoryAuthState,
    users: HashSet<String>,
    rooms: BTreeMap<String, RoomState>,
    dms: Vec<Dm>,
    next_dm: i64,
    next_message: i64,
    next_file: u64,
    file_bytes: usize,
    requests: u64,
    created: f64,
}

impl fmt::Debug for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Server")
            .field("public_key", self.keys.public_key())
            .field("rooms", &self.rooms.keys().collect::<Vec<_>>())
            .field("users", &self.users.len())
            .finish_non_exhaustive()
    }
}

/// Where a request came from: directly, or as a subrequest of `/batch` or `/sequence` (which
/// may not nest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Depth {
    Top,
    Sub,
}

impl Server {
    /// A server with no rooms whose onion and request-signing key is `keys` (clients take
    /// its public key from the join URL). `now_ms` (unix milliseconds) is the creation time
    /// of the rooms added later.
    #[must_use]
    pub fn new(keys: NodeKeys, now_ms: u64) -> Self {
        Self {
            keys,
            require_blind: true,
            auth: MemoryAuthState::new(),
            users: HashSet::new(),
            rooms: BTreeMap::new(),
            dms: Vec::new(),
            next_dm: 1,
            next_message: 1,
            next_file: 1,
            file_bytes: 0,
            requests: 0,
            created: Now::from_ms(now_ms).float,
        }
    }

    /// The server's X25519 public key.
    #[must_use]
    pub fn public_key(&self) -> &X25519PublicKey {
        self.keys.public_key()
    }

    /// Adds a room (or renames an existing one).
    pub fn add_room(&mut self, token: &RoomToken, name: &str) {
        let created = self.created;
        let room = self
            .rooms
            .entry(token.as_str().to_owned())
            .or_insert_with(|| RoomState {
                created,
                info_updates: 1,
                ..RoomState::default()
            });
        if room.name != name {
            room.name = name.to_owned();
            room.info_updates += 1;
        }
    }

    /// The room tokens, sorted.
    #[must_use]
    pub fn rooms(&self) -> Vec<&str> {
        self.rooms.keys().map(String::as_str).collect()
    }

    /// Whether unblinded (`00`) keys are refused (the default, as pysogs; `blind` capability).
    pub fn set_require_blind(&mut self, require: bool) {
        self.require_blind = require;
    }

    /// Bans (or unbans) a user server-wide: every authenticated request of theirs gets 403.
    pub fn set_banned(&mut self, user: SessionId, banned: bool) {
        self.auth.set_banned(user, banned);
    }

    /// How many messages (deleted ones included) room `token` holds.
    #[must_use]
    pub fn message_count(&self, token: &str) -> Option<usize> {
        self.rooms.get(token).map(|r| r.messages.len())
    }

    /// Handles one HTTP request received at time `now_ms` (unix milliseconds): the community
    /// API, and `POST /oxen/v4/lsrpc` (an onion request layer for this server's key; `rng`
    /// makes the reply's nonce). Never panics, whatever the bytes.
    pub fn handle(
        &mut self,
        req: &ReceivedRequest<'_>,
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Response {
        let now = Now::from_ms(now_ms);
        self.requests = self.requests.wrapping_add(1);
        if self.requests % PRUNE_EVERY == 0 {
            self.auth.prune(now.secs);
        }
        if req.body.len() > MAX_BODY {
            return Response::text(413, "Request body too large");
        }
        let path = req.path_and_query.split('?').next().unwrap_or_default();
        if path == ONION_V4_PATH {
            return if req.method == "POST" {
                self.onion_v4(req.body, now, rng)
            } else {
                Response::text(405, "Method Not Allowed")
            };
        }
        self.authenticated(req, now)
    }

    /// `POST /oxen/v4/lsrpc`: open the layer, run the inner request, seal the v4 answer.
    fn onion_v4(
        &mut self,
        frame: &[u8],
        now: Now,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Response {
        let Ok(layer) = IncomingLayer::parse_frame(frame) else {
            return Response::text(400, "Invalid request");
        };
        let Ok((plain, reply_key)) = self.keys.open(&layer) else {
            return Response::text(400, "Invalid ciphertext");
        };
        let inner = match parse_v4_request(&plain) {
            Ok(inner) => {
                let headers: Vec<(&str, &str)> = inner
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                let req = ReceivedRequest {
                    method: inner.method.as_str(),
                    path_and_query: &inner.path,
                    body: inner.body.as_deref().unwrap_or_default(),
                    headers: &headers,
                };
                self.authenticated(&req, now)
            }
            Err(_) => Response::text(400, "Invalid v4 onion request"),
        };
        let mut headers = Map::new();
        headers.insert("content-type".into(), Value::from(inner.content_type));
        let payload = session_onion::encode_v4_response(inner.status, &headers, &inner.body);
        Response::bytes(reply_key.encrypt(rng, &payload))
    }

    fn authenticated(&mut self, req: &ReceivedRequest<'_>, now: Now) -> Response {
        let policy = AuthPolicy::new(self.require_blind);
        let user = match verify_request(
            self.keys.public_key(),
            req,
            now.secs,
            policy,
            &mut self.auth,
        ) {
            Ok(u) => u.map(|u| u.session_id),
            Err(e) => return Response::text(e.status(), &e.message()),
        };
        if let Some(u) = &user {
            self.users.insert(u.to_string());
        }
        self.route(
            user.as_ref(),
            req.method,
            req.path_and_query,
            req.body,
            now,
            Depth::Top,
        )
    }

    fn route(
        &mut self,
        user: Option<&SessionId>,
        method: &str,
        path: &str,
        body: &[u8],
        now: Now,
        depth: Depth,
    ) -> Response {
        let (decoded, query) = split_and_decode_path(path);
        let query = Query(query.unwrap_or_default());
        let Some(rest) = decoded.strip_prefix('/') else {
            return Response::not_found();
        };
        let seg: Vec<&str> = rest.split('/').collect();
        match (method, seg.as_slice()) {
            ("GET", ["capabilities"]) => self.capabilities(&query),
            ("GET", ["rooms"]) => {
                let list: Vec<Value> = self
                    .rooms
                    .iter()
                    .map(|(t, r)| room_json(t, r, user))
                    .collect();
                Response::json(200, &list)
            }
            ("POST", [which @ ("batch" | "sequence")]) => {
                if depth == Depth::Sub {
                    return Response::text(400, "Nested batch requests are not supported");
                }
                self.batch(user, body, *which == "sequence", now)
            }
            (_, ["room", token, rest @ ..]) => {
                let Some(room) = self.rooms.get_mut(*token) else {
                    return Response::not_found();
                };
                let ctx = RoomCtx {
                    token,
                    user,
                    query: &query,
                    now,
                };
                room_route(
                    room,
                    &ctx,
                    method,
                    rest,
                    body,
                    &mut self.next_message,
                    Files {
                        next: &mut self.next_file,
                        bytes: &mut self.file_bytes,
                    },
                )
            }
            ("POST", ["inbox", to]) => self.send_dm(user, to, body, now),
            ("DELETE", ["inbox"]) => {
                let Some(me) = blinded_user(user) else {
                    return Response::text(401, "This endpoint requires blinded pubkeys be used");
                };
                let before = self.dms.len();
                self.dms.retain(|d| d.recipient != me);
                let deleted = i64::try_from(before - self.dms.len()).unwrap_or(i64::MAX);
                Response::json(200, &InboxDeleted { deleted })
            }
            ("GET", [which @ ("inbox" | "outbox"), rest @ ..]) => {
                let Some(me) = blinded_user(user) else {
                    return Response::text(401, "This endpoint requires blinded pubkeys be used");
                };
                let since = match rest {
                    [] => None,
                    ["since", n] => match n.parse::<i64>() {
                        Ok(n) => Some(n),
                        Err(_) => return Response::not_found(),
                    },
                    _ => return Response::not_found(),
                };
                let inbox = *which == "inbox";
                let list: Vec<DirectMessage> = self
                    .dms
                    .iter()
                    .filter(|d| {
                        if inbox {
                            d.recipient == me
                        } else {
                            d.sender == me
                        }
                    })
                    .filter(|d| since.is_none_or(|s| d.id > s))
                    .take(query.limit())
                    .map(Dm::to_message)
                    .collect();
                if since.is_some() && list.is_empty() {
                    return Response::not_modified();
                }
                Response::json(200, &list)
            }
            _ => Response::not_found(),
        }
    }

    fn capabilities(&self, query: &Query<'_>) -> Response {
        let mut caps = vec!["reactions", "sogs"];
        if self.require_blind {
            caps.insert(0, "blind");
        }
        let missing: Vec<String> = query
            .get("required")
            .map(|r| {
                let r = String::from_utf8_lossy(&percent_decode(r)).into_owned();
                r.split(',')
                    .filter(|c| !c.is_empty() && !caps.contains(c))
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        if missing.is_empty() {
            Response::json(200, &json!({ "capabilities": caps }))
        } else {
            Response::json(412, &json!({ "capabilities": caps, "missing": missing }))
        }
    }

    fn batch(
        &mut self,
        user: Option<&SessionId>,
        body: &[u8],
        sequence: bool,
        now: Now,
    ) -> Response {
        let Ok(subs) = parse_batch_request(body) else {
            return Response::text(400, "Invalid batch request");
        };
        let mut out = Vec::with_capacity(subs.len());
        for s in subs {
            let (b, _) = s.body_and_type();
            let r = self.route(user, s.method.as_str(), &s.path, &b, now, Depth::Sub);
            let ok = (200..300).contains(&r.status);
            out.push(BatchItem::new(
                r.status,
                (r.status != 304).then_some(r.content_type),
                &r.body,
            ));
            if sequence && !ok {
                break;
            }
        }
        Response::json(200, &out)
    }

    fn send_dm(&mut self, user: Option<&SessionId>, to: &str, body: &[u8], now: Now) -> Response {
        let Some(u) = user else {
            return Response::need_user();
        };
        if !to.starts_with("15") || !self.users.contains(to) {
            return Response::not_found();
        }
        let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
            return Response::bad_request();
        };
        let Some(Value::String(message)) = b.get("message") else {
            return Response::bad_request();
        };
        if b64_decode(message).is_err() {
            return Response::bad_request();
        }
        if self.dms.len() >= MAX_DMS {
            return Response::too_many();
        }
        let dm = Dm {
            id: self.next_dm,
            posted_at: now.float,
            sender: u.to_string(),
            recipient: to.to_owned(),
            message: message.clone(),
        };
        self.next_dm += 1;
        let sent = InboxSent {
            id: dm.id,
            posted_at: dm.posted_at,
            expires_at: dm.posted_at + DM_EXPIRY_S,
            sender: dm.sender.clone(),
            recipient: dm.recipient.clone(),
        };
        self.dms.push(dm);
        Response::json(201, &sent)
    }
}

/// The caller's id when it is a 15-blinded one (inbox and outbox need it).
fn blinded_user(user: Option<&SessionId>) -> Option<String> {
    user.filter(|u| u.prefix() == IdPrefix::Blinded15)
        .map(ToString::to_string)
}

/// A query string (not percent-decoded; the values used here are numbers or decoded on use).
#[derive(Debug, Clone, Copy)]
struct Query<'a>(&'a str);

impl<'a> Query<'a> {
    fn get(&self, key: &str) -> Option<&'a str> {
        self.0.split('&').find_map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (k == key).then_some(v)
        })
    }

    /// `limit` (1..=256, default 100, out-of-range values clamped).
    fn limit(&self) -> usize {
        self.get("limit")
            .and_then(|l| l.parse::<i64>().ok())
            .map_or(100, |l| l.clamp(1, i64::from(MAX_LIMIT)))
            .try_into()
            .unwrap_or(100)
    }

    /// `reactors` (0..=20, default 4).
    fn reactors(&self) -> usize {
        self.get("reactors")
            .and_then(|l| l.parse::<usize>().ok())
            .map_or(REACTORS_DEFAULT, |l| l.min(REACTORS_MAX))
    }
}

/// What a room request knows besides the room.
struct RoomCtx<'a> {
    token: &'a str,
    user: Option<&'a SessionId>,
    query: &'a Query<'a>,
    now: Now,
}

/// The server-wide file counters.
struct Files<'a> {
    next: &'a mut u64,
    bytes: &'a mut usize,
}

fn room_json(token: &str, r: &RoomState, user: Option<&SessionId>) -> Value {
    let active = i64::from(user.is_some());
    json!({
        "token": token, "name": r.name, "info_updates": r.info_updates,
        "message_sequence": r.seq, "created": r.created, "active_users": active,
        "active_users_cutoff": ACTIVE_CUTOFF_S, "moderators": [], "admins": [],
        "read": true, "write": true, "upload": true,
    })
}

fn message_json(m: &Stored, me: Option<&str>, reactors: usize) -> Value {
    let mut v =
        json!({"id": m.id, "session_id": m.session_id, "posted": m.posted, "seqno": m.seqno});
    if let Some(e) = m.edited {
        v["edited"] = Value::from(e);
    }
    match &m.data {
        Some((d, s)) => {
            v["data"] = Value::from(b64_encode(d));
            v["signature"] = Value::from(b64_encode(s));
        }
        None => {
            v["data"] = Value::Null;
            v["deleted"] = Value::Bool(true);
        }
    }
    let reactions: Map<String, Value> = m
        .reactions
        .iter()
        .enumerate()
        .filter(|(_, (_, who))| !who.is_empty())
        .map(|(i, (e, who))| {
            let mut r = json!({"index": i, "count": who.len()});
            if reactors > 0 {
                r["reactors"] = who
                    .iter()
                    .take(reactors)
                    .map(|(id, _)| Value::from(id.as_str()))
                    .collect();
            }
            if me.is_some_and(|me| who.iter().any(|(id, _)| id == me)) {
                r["you"] = Value::Bool(true);
            }
            (e.clone(), r)
        })
        .collect();
    v["reactions"] = Value::Object(reactions);
    v
}

/// A message that exists and is not deleted.
fn live_message<'a>(messages: &'a mut [Stored], id: &str) -> Option<&'a mut Stored> {
    let id: i64 = id.parse().ok()?;
    messages.iter_mut().find(|m| m.id == id && m.data.is_some())
}

/// The `data` and `signature` of a post or edit body (community.md §3.3).
fn post_body(body: &[u8]) -> Result<(Vec<u8>, Vec<u8>), Response> {
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
        return Err(Response::bad_request());
    };
    let field = |k: &str| match b.get(k) {
        Some(Value::String(s)) => Some(b64_decode(s).map_err(|_| Response::bad_request())),
        _ => None,
    };
    match (field("data"), field("signature")) {
        (Some(d), Some(s)) => {
            let (d, s) = (d?, s?);
            if s.len() != 64 {
                return Err(Response::bad_request());
            }
            Ok((d, s))
        }
        // pysogs crashes decoding a missing value (community.md §3.0).
        _ => Err(Response::text(500, "Internal Server Error")),
    }
}

fn valid_emoji(emoji: &str) -> bool {
    (1..=12).contains(&emoji.chars().count())
}

fn room_route(
    room: &mut RoomState,
    ctx: &RoomCtx<'_>,
    method: &str,
    rest: &[&str],
    body: &[u8],
    next_message: &mut i64,
    files: Files<'_>,
) -> Response {
    let me = ctx.user.map(ToString::to_string);
    let me = me.as_deref();
    let reactors = ctx.query.reactors();
    let list = |msgs: Vec<&Stored>| -> Response {
        let out: Vec<Value> = msgs
            .into_iter()
            .take(ctx.query.limit())
            .map(|m| message_json(m, me, reactors))
            .collect();
        Response::json(200, &out)
    };
    match (method, rest) {
        ("GET", []) => Response::json(200, &room_json(ctx.token, room, ctx.user)),
        ("GET", ["pollInfo", n]) => {
            let mut v = json!({"token": ctx.token, "active_users": i64::from(ctx.user.is_some()),
                "read": true, "write": true, "upload": true});
            if n.parse::<i64>().ok() != Some(room.info_updates) {
                v["details"] = room_json(ctx.token, room, ctx.user);
            }
            Response::json(200, &v)
        }
        ("GET", ["messages", "since", s]) => {
            let Ok(s) = s.parse::<i64>() else {
                return Response::not_found();
            };
            let mut msgs: Vec<&Stored> = room.messages.iter().filter(|m| m.seqno > s).collect();
            msgs.sort_by_key(|m| m.seqno);
            list(msgs)
        }
        ("GET", ["messages", "recent"]) => list(
            room.messages
                .iter()
                .rev()
                .filter(|m| m.data.is_some())
                .collect(),
        ),
        ("GET", ["messages", "before", id]) => {
            let Ok(id) = id.parse::<i64>() else {
                return Response::not_found();
            };
            list(
                room.messages
                    .iter()
                    .rev()
                    .filter(|m| m.data.is_some() && m.id < id)
                    .collect(),
            )
        }
        ("GET", ["message", id]) => match live_message(&mut room.messages, id) {
            Some(m) => Response::json(200, &message_json(m, me, reactors)),
            None => Response::not_found(),
        },
        ("POST", ["message"]) => {
            let Some(me) = me else {
                return Response::need_user();
            };
            let (data, signature) = match post_body(body) {
                Ok(p) => p,
                Err(r) => return r,
            };
            if room.messages.len() >= MAX_ROOM_MESSAGES {
                return Response::too_many();
            }
            room.seq += 1;
            let m = Stored {
                id: *next_message,
                session_id: me.to_owned(),
                posted: ctx.now.float,
                edited: None,
                seqno: room.seq,
                data: Some((data, signature)),
                reactions: Vec::new(),
            };
            *next_message += 1;
            let v = message_json(&m, Some(me), reactors);
            room.messages.push(m);
            Response::json(201, &v)
        }
        ("PUT", ["message", id]) => {
            let Some(me) = me else {
                return Response::need_user();
            };
            let (data, signature) = match post_body(body) {
                Ok(p) => p,
                Err(r) => return r,
            };
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return Response::not_found();
            };
            if m.session_id != me {
                return Response::text(403, "Forbidden");
            }
            m.data = Some((data, signature));
            m.edited = Some(ctx.now.float);
            m.seqno = seq;
            room.seq = seq;
            Response::json(200, &Empty {})
        }
        ("DELETE", ["message", id]) => {
            let Some(me) = me else {
                return Response::need_user();
            };
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return Response::not_found();
            };
            if m.session_id != me {
                return Response::text(403, "Forbidden");
            }
            m.data = None;
            m.reactions.clear();
            m.seqno = seq;
            room.seq = seq;
            Response::json(200, &Empty {})
        }
        (method @ ("PUT" | "DELETE"), ["reaction", id, emoji]) => {
            let Some(me) = me else {
                return Response::need_user();
            };
            if !valid_emoji(emoji) {
                return Response::bad_request();
            }
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return Response::not_found();
            };
            let idx = match m.reactions.iter().position(|(e, _)| e == emoji) {
                Some(i) => i,
                None => {
                    m.reactions.push(((*emoji).to_owned(), Vec::new()));
                    m.reactions.len() - 1
                }
            };
            let Some((_, who)) = m.reactions.get_mut(idx) else {
                return Response::not_found();
            };
            let had = who.iter().any(|(id, _)| id == me);
            let changed = if method == "PUT" {
                if !had {
                    who.push((me.to_owned(), ctx.now.float));
                }
                !had
            } else {
                who.retain(|(id, _)| id != me);
                had
            };
            if changed {
                m.seqno = seq;
                room.seq = seq;
            }
            if method == "PUT" {
                Response::json(
                    200,
                    &ReactionAdded {
                        added: changed,
                        seqno: m.seqno,
                    },
                )
            } else {
                Response::json(
                    200,
                    &ReactionRemoved {
                        removed: changed,
                        seqno: m.seqno,
                    },
                )
            }
        }
        ("GET", ["reactors", id, emoji]) => {
            if !valid_emoji(emoji) {
                return Response::bad_request();
            }
            let Some(m) = live_message(&mut room.messages, id) else {
                return Response::not_found();
            };
            let who: Vec<Reactor> = m
                .reactions
                .iter()
                .find(|(e, _)| e == emoji)
                .map(|(_, who)| {
                    who.iter()
                        .take(ctx.query.limit())
                        .map(|(id, t)| Reactor(id.clone(), *t))
                        .collect()
                })
                .unwrap_or_default();
            Response::json(200, &who)
        }
        ("POST", ["file"]) => {
            if me.is_none() {
                return Response::need_user();
            }
            if body.is_empty() {
                return Response::text(403, "Forbidden");
            }
            if files.bytes.saturating_add(body.len()) > MAX_FILE_BYTES {
                return Response::too_many();
            }
            let id = *files.next;
            *files.next += 1;
            *files.bytes += body.len();
            room.files.insert(id, body.to_vec());
            Response::json(201, &FileUploaded { id })
        }
        ("GET", ["file", id, ..]) => {
            match id.parse::<u64>().ok().and_then(|i| room.files.get(&i)) {
                Some(f) => Response::bytes(f.clone()),
                None => Response::not_found(),
            }
        }
        _ => Response::not_found(),
    }
}
