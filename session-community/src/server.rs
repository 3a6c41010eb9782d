//! A small in-memory community server as a sans-IO state machine — **for tests and local
//! networks only, not a production community server**.
//!
//! Everything lives in memory and is lost when the value is dropped; every authenticated user
//! may read, post, react and upload in every room (no per-room permissions besides bans), there
//! are no rate limits, no file expiry, no whispers, no message filters, no ban timeouts and no
//! persistence. What it does implement follows community.md: rooms and `pollInfo`, messages
//! (since — with reaction-only updates for `t=r` — / recent / before / single, post, edit,
//! delete), reactions and reactors, files, capabilities (with `required=` → 412), `/batch` and
//! `/sequence`, inbox and outbox (blinded DMs), moderation (global and room moderators and
//! admins set with [`Server::set_moderator`] or `POST /user/<id>/moderator`; bans, deleting
//! others' posts, `DELETE /room/T/all/<id>`, `/rooms/all/<id>`, clearing reactions, pins,
//! `PUT /room/T` for name, description and image),
//! and the onion endpoint `POST /oxen/v4/lsrpc` (the request layer is opened with
//! `session-onion`'s server-side [`NodeKeys`], the inner v4 request is run and the v4 answer is
//! sealed with the layer's reply key). Every request is authenticated with this crate's own
//! [`verify_request`] (X-SOGS-* headers, clock window, nonce reuse, bans), so clients are tested
//! against the same server rules the vectors pin down.
//!
//! The state machine does no IO: an HTTP host (`session_node::CommunityServer`, or a test's
//! loopback server) reads a request, calls [`Server::handle`] with the current time and a
//! random number generator, and writes the [`Response`] back. Bodies larger than
//! [`MAX_BODY`] should be refused by the host (413) before they reach it; the stored data is
//! bounded by [`MAX_ROOM_MESSAGES`], [`MAX_MESSAGE_BYTES`], [`MAX_FILE_BYTES`], [`MAX_DMS`] and
//! [`MAX_DM_BYTES`] (429 beyond), batches by [`MAX_SUBREQUESTS`] and [`MAX_BATCH_ANSWER`].
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
    OCTET_STREAM, Pinned, ReactionAdded, ReactionRemoved, Reactor, Unpinned, UnpinnedAll,
    parse_batch_request, parse_v4_request,
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
/// Most post bytes (data and signatures, edits included, deleted ones still counted) the whole
/// server takes; further posts and edits get 429.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;
/// Most subrequests in one `/batch` or `/sequence` (more: 400). pysogs has no limit; clients
/// send a few dozen.
pub const MAX_SUBREQUESTS: usize = 256;
/// Once the answers of a `/batch` or `/sequence` hold this many body bytes, its further
/// subrequests are not run and answer 413 (so that one request cannot build an answer of
/// gigabytes).
pub const MAX_BATCH_ANSWER: usize = 16 * 1024 * 1024;
/// Most DMs the server keeps; further DMs get 429.
pub const MAX_DMS: usize = 100_000;
/// Most DM bytes (base64 text) the server keeps; further DMs get 429.
pub const MAX_DM_BYTES: usize = 64 * 1024 * 1024;
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
    /// Last change of any kind (post, edit, delete, reaction).
    seqno: i64,
    /// Last post, edit or delete (a later `seqno` is a reaction-only change).
    content_seqno: i64,
    /// `None` once deleted.
    data: Option<(Vec<u8>, Vec<u8>)>,
    /// Emoji → reactors (id, time), in first-use order of the emoji.
    reactions: Vec<(String, Vec<(String, f64)>)>,
}

#[derive(Debug, Default)]
struct RoomState {
    name: String,
    description: Option<String>,
    image_id: Option<u64>,
    created: f64,
    info_updates: i64,
    seq: i64,
    messages: Vec<Stored>,
    files: HashMap<u64, Vec<u8>>,
    /// Room moderators and admins by session id.
    mods: BTreeMap<String, ModRole>,
    /// Users banned from this room.
    banned: HashSet<String>,
    /// Pinned messages: id, time, by whom (in pin order).
    pinned: Vec<(i64, f64, String)>,
    /// When each authenticated user last made a request to the room.
    active: HashMap<String, f64>,
}

impl RoomState {
    /// Users seen within the cutoff (`active_users`).
    fn active_users(&self, now: f64) -> usize {
        #[allow(clippy::cast_precision_loss)]
        let since = now - ACTIVE_CUTOFF_S as f64;
        self.active.values().filter(|t| **t >= since).count()
    }
}

/// A moderator's role (community.md §3.9): an admin is also a moderator; `visible` ones are
/// listed in the room objects (`moderators`, `admins`), hidden ones only to moderators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ModRole {
    /// Admin (may also pin, and appoint moderators); else moderator.
    pub admin: bool,
    /// Listed publicly.
    pub visible: bool,
}

impl ModRole {
    /// The stronger of two roles (a room role and a global one).
    fn max(a: Option<Self>, b: Option<Self>) -> Option<Self> {
        match (a, b) {
            (Some(a), Some(b)) => Some(Self {
                admin: a.admin || b.admin,
                visible: a.visible || b.visible,
            }),
            (a, b) => a.or(b),
        }
    }
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
    /// Global moderators and admins.
    mods: BTreeMap<String, ModRole>,
    dms: Vec<Dm>,
    next_dm: i64,
    counters: Counters,
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
            mods: BTreeMap::new(),
            dms: Vec::new(),
            next_dm: 1,
            counters: Counters {
                next_message: 1,
                next_file: 1,
                file_bytes: 0,
                message_bytes: 0,
                dm_bytes: 0,
            },
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

    /// Makes `user` a moderator (or admin) of room `room`, or of every room with `None`
    /// (global); `role` `None` removes the role. Unknown rooms are ignored.
    ///
    /// For an Account ID (`05`) the role also goes to both of its 15-blinded ids on this server
    /// (a user of a `blind` server authenticates with one of them; which one depends on the
    /// sign of their Ed25519 key, which the Account ID does not tell), as hidden entries.
    ///
    /// # Errors
    /// [`crate::Error::InvalidPoint`] for an Account ID that is not a valid key.
    pub fn set_moderator(
        &mut self,
        user: &SessionId,
        room: Option<&RoomToken>,
        role: Option<ModRole>,
    ) -> crate::Result<()> {
        if let SessionId::AccountId(account) = user {
            let hidden = role.map(|r| ModRole {
                visible: false,
                ..r
            });
            for b in session_identity::blinding::blind15_ids(account, self.keys.public_key())? {
                self.set_role(&SessionId::Blinded15Id(b), room, hidden);
            }
        }
        self.set_role(user, room, role);
        Ok(())
    }

    fn set_role(&mut self, user: &SessionId, room: Option<&RoomToken>, role: Option<ModRole>) {
        let map = match room {
            Some(t) => match self.rooms.get_mut(t.as_str()) {
                Some(r) => {
                    r.info_updates += 1;
                    &mut r.mods
                }
                None => return,
            },
            None => &mut self.mods,
        };
        match role {
            Some(role) => map.insert(user.to_string(), role),
            None => map.remove(&user.to_string()),
        };
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

    /// [`Server::handle`] for a request as an HTTP library hands it over: header values as
    /// bytes (values that are not UTF-8 are left out, as the X-SOGS-* headers are ASCII).
    pub fn handle_http<'h>(
        &mut self,
        method: &str,
        path_and_query: &str,
        headers: impl IntoIterator<Item = (&'h str, &'h [u8])>,
        body: &[u8],
        now_ms: u64,
        rng: &mut (impl CryptoRng + RngCore),
    ) -> Response {
        let headers: Vec<(&str, &str)> = headers
            .into_iter()
            .filter_map(|(k, v)| Some((k, std::str::from_utf8(v).ok()?)))
            .collect();
        let req = ReceivedRequest {
            method,
            path_and_query,
            body,
            headers: &headers,
        };
        self.handle(&req, now_ms, rng)
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
                let me = user.map(ToString::to_string);
                let list: Vec<Value> = self
                    .rooms
                    .iter()
                    .filter(|(_, r)| !me.as_ref().is_some_and(|me| r.banned.contains(me)))
                    .map(|(t, r)| room_json(t, r, &self.mods, me.as_deref(), now))
                    .collect();
                Response::json(200, &list)
            }
            ("POST", ["user", target, action @ ("ban" | "unban" | "moderator")]) => {
                self.moderate(user, target, action, body)
            }
            ("DELETE", ["rooms", "all", target]) => {
                let Some(me) = user.map(ToString::to_string) else {
                    return Response::need_user();
                };
                let mut rooms = Map::new();
                let mut total = 0usize;
                for (t, r) in &mut self.rooms {
                    if ModRole::max(r.mods.get(&me).copied(), self.mods.get(&me).copied()).is_none()
                    {
                        continue;
                    }
                    let n = delete_all_of(r, target);
                    if n > 0 {
                        rooms.insert(t.clone(), Value::from(n));
                        total += n;
                    }
                }
                Response::json(200, &json!({"total": total, "rooms": rooms}))
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
                let me = user.map(ToString::to_string);
                let role = me.as_ref().and_then(|me| {
                    ModRole::max(room.mods.get(me).copied(), self.mods.get(me).copied())
                });
                let ctx = RoomCtx {
                    token,
                    me: me.as_deref(),
                    role,
                    global_mods: &self.mods,
                    query: &query,
                    now,
                };
                room_route(room, &ctx, method, rest, body, &mut self.counters)
            }
            ("POST", ["inbox", to]) => self.send_dm(user, to, body, now),
            ("DELETE", ["inbox"]) => {
                let Some(me) = blinded_user(user) else {
                    return Response::text(401, "This endpoint requires blinded pubkeys be used");
                };
                let before = self.dms.len();
                let counters = &mut self.counters;
                self.dms.retain(|d| {
                    let keep = d.recipient != me;
                    if !keep {
                        counters.dm_bytes = counters.dm_bytes.saturating_sub(d.message.len());
                    }
                    keep
                });
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

    /// `POST /user/<id>/ban|unban|moderator` (community.md §3.9). `timeout` on bans is
    /// accepted and ignored: bans here last until unbanned.
    fn moderate(
        &mut self,
        user: Option<&SessionId>,
        target: &str,
        action: &str,
        body: &[u8],
    ) -> Response {
        let Some(me) = user.map(ToString::to_string) else {
            return Response::need_user();
        };
        let Ok(target) = target.parse::<SessionId>() else {
            return Response::bad_request();
        };
        let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
            return Response::bad_request();
        };
        let Some(scope) = scope_of(&b) else {
            return Response::bad_request();
        };
        let need_admin = action == "moderator";
        let allowed = |role: Option<ModRole>| role.is_some_and(|r| r.admin || !need_admin);
        let global_role = self.mods.get(&me).copied();
        let rooms: Option<Vec<String>> = match scope {
            Scope::Global if allowed(global_role) => None,
            Scope::Global => return Response::text(403, "Forbidden"),
            Scope::All => Some(
                self.rooms
                    .iter()
                    .filter(|(_, r)| allowed(ModRole::max(r.mods.get(&me).copied(), global_role)))
                    .map(|(t, _)| t.clone())
                    .collect(),
            ),
            Scope::Rooms(list) => {
                // An unknown room is a 403 too (community.md §3.9).
                let ok = list.iter().all(|t| {
                    self.rooms.get(t).is_some_and(|r| {
                        allowed(ModRole::max(r.mods.get(&me).copied(), global_role))
                    })
                });
                if !ok {
                    return Response::text(403, "Forbidden");
                }
                Some(list)
            }
        };
        let id = target.to_string();
        let role = if need_admin {
            let flag = |k: &str| b.get(k).and_then(Value::as_bool);
            let visible = flag("visible").unwrap_or(rooms.is_some());
            match (flag("moderator"), flag("admin")) {
                (_, Some(true)) => Some(ModRole {
                    admin: true,
                    visible,
                }),
                (Some(false), _) => None,
                (Some(true), _) | (None, Some(false)) => Some(ModRole {
                    admin: false,
                    visible,
                }),
                (None, None) => return Response::bad_request(),
            }
        } else {
            None
        };
        match rooms {
            None => match action {
                "ban" => self.auth.set_banned(target, true),
                "unban" => self.auth.set_banned(target, false),
                _ => self.set_role(&target, None, role),
            },
            Some(list) => {
                for t in list {
                    let Some(r) = self.rooms.get_mut(&t) else {
                        continue;
                    };
                    match action {
                        "ban" => {
                            r.banned.insert(id.clone());
                        }
                        "unban" => {
                            r.banned.remove(&id);
                        }
                        _ => {
                            match role {
                                Some(role) => r.mods.insert(id.clone(), role),
                                None => r.mods.remove(&id),
                            };
                            r.info_updates += 1;
                        }
                    }
                }
            }
        }
        Response::json(200, &Empty {})
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
        if subs.len() > MAX_SUBREQUESTS {
            return Response::text(400, "Too many subrequests");
        }
        let mut out = Vec::with_capacity(subs.len());
        let mut answered = 0usize;
        for s in subs {
            let (b, _) = s.body_and_type();
            let r = if answered > MAX_BATCH_ANSWER {
                Response::text(413, "Batch answer too large")
            } else {
                self.route(user, s.method.as_str(), &s.path, &b, now, Depth::Sub)
            };
            answered = answered.saturating_add(r.body.len());
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
        let held = self.counters.dm_bytes;
        if self.dms.len() >= MAX_DMS || held.saturating_add(message.len()) > MAX_DM_BYTES {
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
        self.counters.dm_bytes += dm.message.len();
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
    /// The caller's session id, if authenticated.
    me: Option<&'a str>,
    /// The caller's moderator role in this room (room or global).
    role: Option<ModRole>,
    global_mods: &'a BTreeMap<String, ModRole>,
    query: &'a Query<'a>,
    now: Now,
}

/// Server-wide ids and stored bytes.
#[derive(Debug)]
struct Counters {
    next_message: i64,
    next_file: u64,
    file_bytes: usize,
    message_bytes: usize,
    /// Bytes of the DMs held.
    dm_bytes: usize,
}

fn room_json(
    token: &str,
    r: &RoomState,
    global_mods: &BTreeMap<String, ModRole>,
    me: Option<&str>,
    now: Now,
) -> Value {
    let room_role = me.and_then(|me| r.mods.get(me).copied());
    let global_role = me.and_then(|me| global_mods.get(me).copied());
    let role = ModRole::max(room_role, global_role);
    // Room roles first, then global ones not already listed.
    let all: Vec<(&String, &ModRole)> = r
        .mods
        .iter()
        .chain(
            global_mods
                .iter()
                .filter(|(id, _)| !r.mods.contains_key(*id)),
        )
        .collect();
    let list = |admin: bool, visible: bool| -> Vec<&str> {
        all.iter()
            .filter(|(_, m)| m.admin == admin && m.visible == visible)
            .map(|(id, _)| id.as_str())
            .collect()
    };
    let pinned: Vec<Value> = r
        .pinned
        .iter()
        .map(|(id, at, by)| json!({"id": id, "pinned_at": at, "pinned_by": by}))
        .collect();
    let mut v = json!({
        "token": token, "name": r.name, "info_updates": r.info_updates,
        "message_sequence": r.seq, "created": r.created, "active_users": r.active_users(now.float),
        "active_users_cutoff": ACTIVE_CUTOFF_S, "moderators": list(false, true),
        "admins": list(true, true), "read": true, "write": true, "upload": true,
    });
    if !pinned.is_empty() {
        v["pinned_messages"] = Value::Array(pinned);
    }
    if let Some(d) = &r.description {
        v["description"] = Value::from(d.as_str());
    }
    if let Some(i) = r.image_id {
        v["image_id"] = Value::from(i);
    }
    if let Some(role) = role {
        v["moderator"] = Value::Bool(true);
        if role.admin {
            v["admin"] = Value::Bool(true);
        }
        for (key, admin) in [("hidden_moderators", false), ("hidden_admins", true)] {
            let hidden = list(admin, false);
            if !hidden.is_empty() {
                v[key] = json!(hidden);
            }
        }
        for k in [
            "default_read",
            "default_accessible",
            "default_write",
            "default_upload",
        ] {
            v[k] = Value::Bool(true);
        }
    }
    if let Some(g) = global_role {
        v["global_moderator"] = Value::Bool(true);
        if g.admin {
            v["global_admin"] = Value::Bool(true);
        }
    }
    v
}

/// `PUT /room/T` (admins): `name` (string), `description` (string or null), `image` (a file
/// id of the room); 400 for anything malformed, nothing changed then.
fn update_room(room: &mut RoomState, body: &[u8]) -> Response {
    let Ok(Value::Object(b)) = serde_json::from_slice::<Value>(body) else {
        return Response::bad_request();
    };
    let name = match b.get("name") {
        None => None,
        Some(Value::String(n)) if !n.is_empty() => Some(n.clone()),
        Some(_) => return Response::bad_request(),
    };
    let description = match b.get("description") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(d)) => Some(Some(d.clone())),
        Some(_) => return Response::bad_request(),
    };
    let image = match b.get("image") {
        None => None,
        Some(v) => match v.as_u64().filter(|i| room.files.contains_key(i)) {
            Some(i) => Some(i),
            None => return Response::bad_request(),
        },
    };
    if name.is_none() && description.is_none() && image.is_none() {
        return Response::bad_request();
    }
    if let Some(n) = name {
        room.name = n;
    }
    if let Some(d) = description {
        room.description = d;
    }
    if image.is_some() {
        room.image_id = image;
    }
    room.info_updates += 1;
    Response::json(200, &Empty {})
}

/// Deletes every live post of `author` in a room; returns how many.
fn delete_all_of(room: &mut RoomState, author: &str) -> usize {
    let mut n = 0;
    for m in &mut room.messages {
        if m.session_id == author && m.data.is_some() {
            room.seq += 1;
            m.data = None;
            m.reactions.clear();
            m.seqno = room.seq;
            m.content_seqno = room.seq;
            n += 1;
        }
    }
    n
}

/// A `/user/<id>/…` body's scope (community.md §3.9): exactly one of a non-empty `rooms` list
/// (`["*"]` = every room where the caller has the role) and `"global": true`.
enum Scope {
    Rooms(Vec<String>),
    All,
    Global,
}

fn scope_of(b: &Map<String, Value>) -> Option<Scope> {
    let global = matches!(b.get("global"), Some(Value::Bool(true)));
    match (b.get("rooms"), global) {
        (Some(Value::Array(rooms)), false) if !rooms.is_empty() => {
            let rooms: Option<Vec<String>> = rooms
                .iter()
                .map(|r| r.as_str().map(str::to_owned))
                .collect();
            let rooms = rooms?;
            if rooms == ["*"] {
                Some(Scope::All)
            } else {
                Some(Scope::Rooms(rooms))
            }
        }
        (None | Some(Value::Null), true) => Some(Scope::Global),
        _ => None,
    }
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
    counters: &mut Counters,
) -> Response {
    let me = ctx.me;
    let is_mod = ctx.role.is_some();
    let is_admin = ctx.role.is_some_and(|r| r.admin);
    if me.is_some_and(|me| room.banned.contains(me)) && !is_mod {
        // A ban removes every permission, "accessible" included.
        return if (method, rest) == ("GET", &[][..]) {
            Response::not_found()
        } else {
            Response::text(403, "Forbidden")
        };
    }
    if let Some(me) = me {
        room.active.insert(me.to_owned(), ctx.now.float);
    }
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
        ("GET", []) => Response::json(
            200,
            &room_json(ctx.token, room, ctx.global_mods, me, ctx.now),
        ),
        ("PUT", []) => {
            if me.is_none() {
                return Response::need_user();
            }
            if !is_admin {
                return Response::text(403, "Forbidden");
            }
            update_room(room, body)
        }
        ("GET", ["pollInfo", n]) => {
            let mut v = json!({"token": ctx.token, "active_users": room.active_users(ctx.now.float),
                "read": true, "write": true, "upload": true});
            if let Some(role) = ctx.role {
                v["moderator"] = Value::Bool(true);
                if role.admin {
                    v["admin"] = Value::Bool(true);
                }
            }
            if n.parse::<i64>().ok() != Some(room.info_updates) {
                v["details"] = room_json(ctx.token, room, ctx.global_mods, me, ctx.now);
            }
            Response::json(200, &v)
        }
        ("GET", ["messages", "since", s]) => {
            let Ok(s) = s.parse::<i64>() else {
                return Response::not_found();
            };
            // Reaction-only changes show up only with `t=r`, as `{id, seqno, reactions}`.
            let with_reactions = ctx.query.get("t").is_some_and(|t| t.contains('r'));
            let mut msgs: Vec<&Stored> = room
                .messages
                .iter()
                .filter(|m| m.content_seqno > s || (with_reactions && m.seqno > s))
                .collect();
            msgs.sort_by_key(|m| m.seqno);
            let out: Vec<Value> = msgs
                .into_iter()
                .take(ctx.query.limit())
                .map(|m| {
                    let mut v = message_json(m, me, reactors);
                    if m.content_seqno <= s {
                        v = json!({"id": m.id, "seqno": m.seqno, "reactions": v["reactions"].take()});
                    }
                    v
                })
                .collect();
            Response::json(200, &out)
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
            let size = data.len() + signature.len();
            if room.messages.len() >= MAX_ROOM_MESSAGES
                || counters.message_bytes.saturating_add(size) > MAX_MESSAGE_BYTES
            {
                return Response::too_many();
            }
            room.seq += 1;
            let m = Stored {
                id: counters.next_message,
                session_id: me.to_owned(),
                posted: ctx.now.float,
                edited: None,
                seqno: room.seq,
                content_seqno: room.seq,
                data: Some((data, signature)),
                reactions: Vec::new(),
            };
            counters.next_message += 1;
            counters.message_bytes += size;
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
            let size = data.len() + signature.len();
            if counters.message_bytes.saturating_add(size) > MAX_MESSAGE_BYTES {
                return Response::too_many();
            }
            counters.message_bytes += size;
            m.data = Some((data, signature));
            m.edited = Some(ctx.now.float);
            m.seqno = seq;
            m.content_seqno = seq;
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
            if m.session_id != me && !is_mod {
                return Response::text(403, "Forbidden");
            }
            m.data = None;
            m.reactions.clear();
            m.seqno = seq;
            m.content_seqno = seq;
            room.seq = seq;
            room.pinned.retain(|(p, _, _)| *p != m.id);
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
        ("DELETE", ["reactions", id, emoji @ ..]) if emoji.len() <= 1 => {
            if me.is_none() {
                return Response::need_user();
            }
            if !is_mod {
                return Response::text(403, "Forbidden");
            }
            let seq = room.seq + 1;
            let Some(m) = live_message(&mut room.messages, id) else {
                return Response::not_found();
            };
            let mut removed = 0usize;
            for (e, who) in &mut m.reactions {
                if emoji.first().is_none_or(|x| x == e) {
                    removed += who.len();
                    who.clear();
                }
            }
            if removed > 0 {
                m.seqno = seq;
                room.seq = seq;
            }
            Response::json(200, &json!({"removed": removed, "seqno": m.seqno}))
        }
        ("DELETE", ["all", author]) => {
            if me.is_none() {
                return Response::need_user();
            }
            if !is_mod {
                return Response::text(403, "Forbidden");
            }
            if delete_all_of(room, author) == 0 {
                return Response::not_found();
            }
            Response::json(200, &Empty {})
        }
        ("POST", [op @ ("pin" | "unpin"), id]) => {
            let Some(me) = me else {
                return Response::need_user();
            };
            if !is_admin {
                return Response::text(403, "Forbidden");
            }
            if *op == "unpin" && *id == "all" {
                let n = room.pinned.len();
                room.pinned.clear();
                room.info_updates += 1;
                return Response::json(
                    200,
                    &UnpinnedAll {
                        unpinned: i64::try_from(n).unwrap_or(i64::MAX),
                        info_updates: room.info_updates,
                    },
                );
            }
            let Ok(id) = id.parse::<i64>() else {
                return Response::not_found();
            };
            let had = room.pinned.iter().any(|(p, _, _)| *p == id);
            room.pinned.retain(|(p, _, _)| *p != id);
            if *op == "pin" {
                if !room.messages.iter().any(|m| m.id == id && m.data.is_some()) {
                    return Response::not_found();
                }
                room.pinned.push((id, ctx.now.float, me.to_owned()));
                room.info_updates += 1;
                Response::json(
                    200,
                    &Pinned {
                        info_updates: room.info_updates,
                    },
                )
            } else {
                room.info_updates += 1;
                Response::json(
                    200,
                    &Unpinned {
                        unpinned: had,
                        info_updates: room.info_updates,
                    },
                )
            }
        }
        ("POST", ["file"]) => {
            if me.is_none() {
                return Response::need_user();
            }
            if body.is_empty() {
                return Response::text(403, "Forbidden");
            }
            if counters.file_bytes.saturating_add(body.len()) > MAX_FILE_BYTES {
                return Response::too_many();
            }
            let id = counters.next_file;
            counters.next_file += 1;
            counters.file_bytes += body.len();
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use session_identity::Ed25519KeyPair;
    use session_onion::EncType;
    use session_protocol::proto::Content;

    use super::*;
    use crate::api::{self, MessageUpdate, MessagesQuery, NewPost, SubRequest};
    use crate::{ApiRequest, Community, FromResponse, Request, RequestSigner};

    const NOW_S: u64 = 1_700_000_000;

    struct Fixture {
        server: Server,
        community: Community,
        rng: ChaCha20Rng,
    }

    struct User {
        keys: Ed25519KeyPair,
        signer: RequestSigner,
    }

    impl Fixture {
        fn new() -> Self {
            let keys = NodeKeys::from_ed25519_keypair(&Ed25519KeyPair::from_seed(&[3; 32]));
            let pk = hex::encode(keys.public_key().as_bytes());
            let mut server = Server::new(keys, NOW_S * 1000);
            server.add_room(&"lobby".parse().unwrap(), "Lobby");
            server.add_room(&"dev".parse().unwrap(), "Dev");
            let community = format!("http://127.0.0.1:1/lobby?public_key={pk}")
                .parse()
                .unwrap();
            Self {
                server,
                community,
                rng: ChaCha20Rng::seed_from_u64(9),
            }
        }

        fn user(&mut self) -> User {
            let keys = Ed25519KeyPair::generate(&mut self.rng);
            let signer = RequestSigner::blind15(&keys, &self.community.server_x25519);
            User { keys, signer }
        }

        fn raw(&mut self, r: &Request) -> Response {
            let headers = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
            let (method, now) = (r.method.as_str(), NOW_S * 1000);
            self.server
                .handle_http(method, &r.path, headers, r.body_bytes(), now, &mut self.rng)
        }

        /// Sends `req` signed by `user` (or anonymously) and parses the answer.
        fn send<T: FromResponse>(
            &mut self,
            req: ApiRequest<T>,
            user: Option<&User>,
        ) -> crate::Result<T> {
            let req = match user {
                Some(u) => req.signed_with_rng(&mut self.rng, &u.signer, NOW_S),
                None => req,
            };
            let r = self.raw(&req.request);
            req.parse_response(r.status, &r.body)
        }

        fn post(&mut self, user: &User, text: &str) -> i64 {
            let post = NewPost::new(
                &mut self.rng,
                &user.signer,
                &user.keys,
                &Content::text(text, 1),
            )
            .unwrap();
            let room = self.community.room.clone();
            self.send(api::post_message(&room, &post), Some(user))
                .unwrap()
                .id
        }
    }

    fn status<T: std::fmt::Debug>(r: crate::Result<T>) -> u16 {
        match r {
            Err(crate::Error::Server(e)) => e.status,
            other => panic!("expected a server error, got {other:?}"),
        }
    }

    #[test]
    fn capabilities_and_rooms() {
        let mut f = Fixture::new();
        let caps = f.send(api::capabilities(&[]), None).unwrap();
        assert_eq!(caps.capabilities, ["blind", "reactions", "sogs"]);
        let r = f.raw(&api::capabilities(&["sogs", "nope"]).request);
        assert_eq!(r.status, 412);
        let v: Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["missing"], json!(["nope"]));
        let rooms = f.send(api::rooms(), None).unwrap();
        let tokens: Vec<&str> = rooms.iter().map(|r| r.token.as_str()).collect();
        assert_eq!(tokens, ["dev", "lobby"]);
        let room = f.send(api::room(&"lobby".parse().unwrap()), None).unwrap();
        assert_eq!((room.name.as_str(), room.info_updates), ("Lobby", 2));
        assert_eq!(
            status(f.send(api::room(&"nope".parse().unwrap()), None)),
            404
        );
        let info = f
            .send(api::poll_info(&"lobby".parse().unwrap(), 2), None)
            .unwrap();
        assert!(info.details.is_none());
        let info = f
            .send(api::poll_info(&"lobby".parse().unwrap(), 0), None)
            .unwrap();
        assert_eq!(info.details.unwrap().token, "lobby");
    }

    #[test]
    fn post_read_edit_delete() {
        let mut f = Fixture::new();
        let (alice, bob) = (f.user(), f.user());
        let room = f.community.room.clone();
        // Posting needs a user.
        let post = NewPost::new(
            &mut f.rng,
            &alice.signer,
            &alice.keys,
            &Content::text("x", 1),
        )
        .unwrap();
        assert_eq!(status(f.send(api::post_message(&room, &post), None)), 401);
        let a = f.post(&alice, "hello");
        let b = f.post(&bob, "hi");
        assert!(b > a);
        let msgs = f
            .send(
                api::messages_since(&room, 0, MessagesQuery::default()),
                None,
            )
            .unwrap();
        let checked = api::check_messages(&msgs);
        assert!(checked.rejected.is_empty());
        assert_eq!(checked.updates.len(), 2);
        assert_eq!(checked.max_seqno, Some(2));
        // Recent is newest first; before/<id> gives the older ones.
        let recent = f
            .send(api::messages_recent(&room, MessagesQuery::default()), None)
            .unwrap();
        assert_eq!(recent.iter().map(|m| m.id).collect::<Vec<_>>(), [b, a]);
        let before = f
            .send(
                api::messages_before(&room, b, MessagesQuery::default()),
                None,
            )
            .unwrap();
        assert_eq!(before.iter().map(|m| m.id).collect::<Vec<_>>(), [a]);
        // Only the author edits or deletes.
        let edit = NewPost::new(
            &mut f.rng,
            &bob.signer,
            &bob.keys,
            &Content::text("edit", 2),
        )
        .unwrap();
        assert_eq!(
            status(f.send(api::edit_message(&room, a, &edit), Some(&bob))),
            403
        );
        f.send(api::edit_message(&room, b, &edit), Some(&bob))
            .unwrap();
        assert_eq!(
            status(f.send(api::delete_message(&room, a), Some(&bob))),
            403
        );
        f.send(api::delete_message(&room, a), Some(&alice)).unwrap();
        assert_eq!(
            status(f.send(api::delete_message(&room, a), Some(&alice))),
            404
        );
        assert_eq!(status(f.send(api::message(&room, a), None)), 404);
        let msgs = f
            .send(
                api::messages_since(&room, 2, MessagesQuery::default()),
                None,
            )
            .unwrap();
        let checked = api::check_messages(&msgs);
        assert!(matches!(
            checked.updates.as_slice(),
            [MessageUpdate::Post(p), MessageUpdate::Deleted { id, .. }]
                if p.content.text_body() == Some("edit") && *id == a
        ));
        assert_eq!(f.server.message_count("lobby"), Some(2));
        // Both posted here, nobody in the other room.
        assert_eq!(f.send(api::room(&room), None).unwrap().active_users, 2);
        let dev = f.send(api::room(&"dev".parse().unwrap()), None).unwrap();
        assert_eq!(dev.active_users, 0);
        // A post without data or signature: 500 as pysogs; a short signature: 400.
        let mut bad = api::post_message(&room, &post);
        bad.request.body = Some(br#"{"data":"AAAA"}"#.to_vec());
        assert_eq!(status(f.send(bad.clone(), Some(&alice))), 500);
        bad.request.body = Some(br#"{"data":"AAAA","signature":"AAAA"}"#.to_vec());
        assert_eq!(status(f.send(bad, Some(&alice))), 400);
    }

    #[test]
    fn reactions() {
        let mut f = Fixture::new();
        let (alice, bob) = (f.user(), f.user());
        let room = f.community.room.clone();
        let id = f.post(&alice, "react to me");
        let added = f
            .send(api::add_reaction(&room, id, "👍").unwrap(), Some(&bob))
            .unwrap();
        assert!(added.added);
        let again = f
            .send(api::add_reaction(&room, id, "👍").unwrap(), Some(&bob))
            .unwrap();
        assert!(!again.added);
        assert_eq!(again.seqno, added.seqno);
        let m = f.send(api::message(&room, id), Some(&bob)).unwrap();
        let r = &m.reactions.unwrap()["👍"];
        assert_eq!((r.count, r.you), (1, true));
        let who = f
            .send(api::reactors(&room, id, "👍", None).unwrap(), None)
            .unwrap();
        assert_eq!(who[0].0, bob.signer.session_id().to_string());
        let removed = f
            .send(api::remove_reaction(&room, id, "👍").unwrap(), Some(&bob))
            .unwrap();
        assert!(removed.removed && removed.seqno > added.seqno);
        let mut bad = api::add_reaction(&room, id, "👍").unwrap();
        bad.request.path = format!("/room/lobby/reaction/{id}/{}", "x".repeat(13));
        assert_eq!(status(f.send(bad, Some(&bob))), 400);
    }

    #[test]
    fn inbox_and_outbox() {
        let mut f = Fixture::new();
        let (alice, bob) = (f.user(), f.user());
        let SessionId::Blinded15Id(bob_id) = bob.signer.session_id() else {
            panic!("15 id")
        };
        // Bob has never authenticated: 404.
        let send = api::send_inbox(&bob_id, "AAEC");
        assert_eq!(status(f.send(send.clone(), Some(&alice))), 404);
        assert!(
            f.send(api::inbox(None, None), Some(&bob))
                .unwrap()
                .is_empty()
        );
        let sent = f.send(send, Some(&alice)).unwrap();
        assert_eq!(sent.recipient, bob_id.to_string());
        let inbox = f.send(api::inbox(Some(0), None), Some(&bob)).unwrap();
        assert_eq!((inbox.len(), inbox[0].message.as_str()), (1, "AAEC"));
        // Nothing newer: 304, which the typed answer reads as an empty list.
        let since = api::inbox(Some(sent.id), None).signed_with_rng(&mut f.rng, &bob.signer, NOW_S);
        let r = f.raw(&since.request);
        assert_eq!((r.status, r.body.len()), (304, 0));
        let outbox = f.send(api::outbox(None, None), Some(&alice)).unwrap();
        assert_eq!(outbox.len(), 1);
        assert_eq!(status(f.send(api::inbox(None, None), None)), 401);
        assert_eq!(f.send(api::delete_inbox(), Some(&bob)).unwrap().deleted, 1);
        assert!(
            f.send(api::inbox(None, None), Some(&bob))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn batch_and_sequence() {
        let mut f = Fixture::new();
        let alice = f.user();
        let room = f.community.room.clone();
        f.post(&alice, "one");
        let subs: Vec<SubRequest> = vec![
            api::capabilities(&[]).request.to_subrequest(),
            api::room(&"nope".parse().unwrap()).request.to_subrequest(),
            api::messages_since(&room, 0, MessagesQuery::default())
                .request
                .to_subrequest(),
        ];
        let items = f.send(api::batch(&subs), Some(&alice)).unwrap();
        assert_eq!(
            items.iter().map(|i| i.code).collect::<Vec<_>>(),
            [200, 404, 200]
        );
        let msgs = api::messages_since(&room, 0, MessagesQuery::default())
            .parse_batch_item(&items[2])
            .unwrap();
        assert_eq!(msgs.len(), 1);
        let items = f.send(api::sequence(&subs), Some(&alice)).unwrap();
        assert_eq!(items.len(), 2, "a sequence stops after the first failure");
        // No nesting; malformed lists are 400.
        let nested = [api::batch(&subs).request.to_subrequest()];
        let items = f.send(api::batch(&nested), None).unwrap();
        assert_eq!(items[0].code, 400);
        let mut bad = api::batch(&subs);
        bad.request.body = Some(b"{}".to_vec());
        assert_eq!(status(f.send(bad, None)), 400);
    }

    #[test]
    fn authentication_rules() {
        let mut f = Fixture::new();
        let alice = f.user();
        let signed = api::rooms().signed_with_rng(&mut f.rng, &alice.signer, NOW_S);
        assert_eq!(f.raw(&signed.request).status, 200);
        let again = f.raw(&signed.request);
        assert_eq!(again.status, 425, "nonce reuse");
        let stale = api::rooms().signed_with_rng(&mut f.rng, &alice.signer, NOW_S - 86_401);
        assert_eq!(f.raw(&stale.request).status, 425);
        let unblinded = RequestSigner::unblinded(&alice.keys, &f.community.server_x25519);
        let r = api::rooms().signed_with_rng(&mut f.rng, &unblinded, NOW_S);
        assert_eq!(f.raw(&r.request).status, 400, "blinding required");
        f.server.set_require_blind(false);
        let r = api::rooms().signed_with_rng(&mut f.rng, &unblinded, NOW_S);
        assert_eq!(f.raw(&r.request).status, 200);
        f.server.set_banned(alice.signer.session_id(), true);
        let r = api::rooms().signed_with_rng(&mut f.rng, &alice.signer, NOW_S);
        assert_eq!(f.raw(&r.request).status, 403);
        // Oversized bodies are refused before anything else.
        let mut big = api::rooms().request;
        big.body = Some(vec![0; MAX_BODY + 1]);
        assert_eq!(f.raw(&big).status, 413);
    }

    #[test]
    fn files() {
        let mut f = Fixture::new();
        let alice = f.user();
        let room = f.community.room.clone();
        let up = f
            .send(
                api::upload_file(&room, b"file bytes".to_vec(), Some("a.txt")),
                Some(&alice),
            )
            .unwrap();
        let down = f.send(api::download_file(&room, up.id), None).unwrap();
        assert_eq!(down, b"file bytes");
        assert_eq!(
            status(f.send(api::download_file(&room, up.id + 1), None)),
            404
        );
        let empty = api::upload_file(&room, Vec::new(), None);
        assert_eq!(status(f.send(empty, Some(&alice))), 403);
    }

    #[test]
    fn onion_v4_endpoint() {
        let mut f = Fixture::new();
        let alice = f.user();
        let room = f.community.room.clone();
        let pk = f.community.server_x25519;
        for enc in [EncType::AesGcm, EncType::XChaCha20] {
            let post = NewPost::new(
                &mut f.rng,
                &alice.signer,
                &alice.keys,
                &Content::text("v4", 1),
            )
            .unwrap();
            let req =
                api::post_message(&room, &post).signed_with_rng(&mut f.rng, &alice.signer, NOW_S);
            let (frame, pending) = req.request.to_direct_frame(&mut f.rng, &pk, enc).unwrap();
            let r = f.raw(
                &Request::new(crate::Method::Post, ONION_V4_PATH).with_body(frame, OCTET_STREAM),
            );
            let m = req.parse_direct_reply(pending, r.status, &r.body).unwrap();
            assert!(matches!(m.verify(), Ok(MessageUpdate::Post(_))));
        }
        // An inner payload that is not v4: code 400 inside the encrypted answer.
        let (eph, key) =
            session_onion::LayerKey::new_ephemeral(&mut f.rng, EncType::AesGcm, &pk).unwrap();
        let blob = key.encrypt(&mut f.rng, b"not bencode");
        let json = json!({"ephemeral_key": hex::encode(eph.as_bytes()), "enc_type": "aes-gcm"});
        let frame = session_onion::encode_frame(&blob, json.to_string().as_bytes()).unwrap();
        let r =
            f.raw(&Request::new(crate::Method::Post, ONION_V4_PATH).with_body(frame, OCTET_STREAM));
        assert_eq!(r.status, 200);
        let v4 = session_onion::parse_v4_response(&key.decrypt(&r.body).unwrap()).unwrap();
        assert_eq!(
            (v4.code, v4.body.as_slice()),
            (400, &b"Invalid v4 onion request"[..])
        );
        // A frame for another key, or garbage: plain 400.
        let other = Ed25519KeyPair::generate(&mut f.rng).x25519_public();
        let (frame, _) = api::rooms()
            .request
            .to_direct_frame(&mut f.rng, &other, EncType::AesGcm)
            .unwrap();
        let r =
            f.raw(&Request::new(crate::Method::Post, ONION_V4_PATH).with_body(frame, OCTET_STREAM));
        assert_eq!(r.status, 400);
        let r = f.raw(
            &Request::new(crate::Method::Post, ONION_V4_PATH).with_body(vec![1, 2], OCTET_STREAM),
        );
        assert_eq!(r.status, 400);
        let r = f.raw(&Request::new(crate::Method::Get, ONION_V4_PATH));
        assert_eq!(r.status, 405);
    }

    #[test]
    fn reaction_only_updates_need_t_r() {
        let mut f = Fixture::new();
        let (alice, bob) = (f.user(), f.user());
        let room = f.community.room.clone();
        let id = f.post(&alice, "hi");
        let seq = f
            .send(api::add_reaction(&room, id, "🎉").unwrap(), Some(&bob))
            .unwrap()
            .seqno;
        let q = MessagesQuery {
            reaction_updates: false,
            ..MessagesQuery::default()
        };
        assert!(
            f.send(api::messages_since(&room, 1, q), None)
                .unwrap()
                .is_empty()
        );
        let msgs = f
            .send(
                api::messages_since(&room, 1, MessagesQuery::default()),
                None,
            )
            .unwrap();
        let checked = api::check_messages(&msgs);
        assert!(matches!(
            checked.updates.as_slice(),
            [MessageUpdate::Reactions { id: i, seqno, reactions }]
                if *i == id && *seqno == seq && reactions["🎉"].count == 1
        ));
    }

    #[test]
    fn moderation() {
        let mut f = Fixture::new();
        let (admin, modr, carol) = (f.user(), f.user(), f.user());
        let room = f.community.room.clone();
        f.server
            .set_moderator(
                &admin.signer.session_id(),
                None,
                Some(ModRole {
                    admin: true,
                    visible: true,
                }),
            )
            .unwrap();
        let user_req =
            |path: String, body: Value| Request::new(crate::Method::Post, path).with_json(&body);
        let carol_id = carol.signer.session_id().to_string();
        let mod_id = modr.signer.session_id().to_string();
        // Only admins appoint; a room moderator is listed in the room object.
        let appoint = user_req(
            format!("/user/{mod_id}/moderator"),
            json!({"rooms": ["lobby"], "moderator": true}),
        );
        let mut r = appoint.clone();
        r.sign_with_rng(&mut f.rng, &carol.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 403);
        let mut r = appoint;
        r.sign_with_rng(&mut f.rng, &admin.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 200);
        let info = f.send(api::room(&room), Some(&modr)).unwrap();
        assert!(info.moderator && !info.admin);
        assert_eq!(info.moderators, [mod_id]);
        assert_eq!(info.admins, [admin.signer.session_id().to_string()]);
        // Both scopes at once, or neither, or an unknown room: 400, 400, 403.
        for (body, code) in [
            (json!({"rooms": ["lobby"], "global": true}), 400),
            (json!({}), 400),
            (json!({"rooms": ["nope"]}), 403),
        ] {
            let mut r = user_req(format!("/user/{carol_id}/ban"), body);
            r.sign_with_rng(&mut f.rng, &modr.signer, NOW_S);
            assert_eq!(f.raw(&r).status, code);
        }
        // A moderator deletes others' posts, clears reactions, and bans from the room.
        let a = f.post(&carol, "one");
        f.post(&carol, "two");
        f.send(api::add_reaction(&room, a, "👍").unwrap(), Some(&carol))
            .unwrap();
        let cleared = f
            .send(api::clear_reactions(&room, a, None).unwrap(), Some(&modr))
            .unwrap();
        assert_eq!(cleared.removed, 1);
        assert_eq!(
            status(f.send(api::clear_reactions(&room, a, None).unwrap(), Some(&carol))),
            403
        );
        f.send(api::delete_message(&room, a), Some(&modr)).unwrap();
        let mut r = Request::new(crate::Method::Delete, format!("/room/lobby/all/{carol_id}"));
        r.sign_with_rng(&mut f.rng, &modr.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 200);
        let recent = f
            .send(api::messages_recent(&room, MessagesQuery::default()), None)
            .unwrap();
        assert!(recent.is_empty());
        let mut r = user_req(format!("/user/{carol_id}/ban"), json!({"rooms": ["*"]}));
        r.sign_with_rng(&mut f.rng, &modr.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 200);
        assert_eq!(status(f.send(api::room(&room), Some(&carol))), 404);
        let post = NewPost::new(
            &mut f.rng,
            &carol.signer,
            &carol.keys,
            &Content::text("x", 1),
        )
        .unwrap();
        assert_eq!(
            status(f.send(api::post_message(&room, &post), Some(&carol))),
            403
        );
        // Still fine in the other room; a global ban (admin) stops every request.
        f.send(api::room(&"dev".parse().unwrap()), Some(&carol))
            .unwrap();
        let mut r = user_req(format!("/user/{carol_id}/ban"), json!({"global": true}));
        r.sign_with_rng(&mut f.rng, &modr.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 403, "room moderators cannot ban globally");
        let mut r = user_req(format!("/user/{carol_id}/ban"), json!({"global": true}));
        r.sign_with_rng(&mut f.rng, &admin.signer, NOW_S);
        assert_eq!(f.raw(&r).status, 200);
        assert_eq!(status(f.send(api::rooms(), Some(&carol))), 403);
        // Pins are for admins.
        let b = f.post(&modr, "pin me");
        assert_eq!(status(f.send(api::pin(&room, b), Some(&modr))), 403);
        let pinned = f.send(api::pin(&room, b), Some(&admin)).unwrap();
        let info = f.send(api::room(&room), None).unwrap();
        assert_eq!(info.info_updates, pinned.info_updates);
        assert_eq!(info.pinned_messages[0].id, b);
        assert!(f.send(api::unpin(&room, b), Some(&admin)).unwrap().unpinned);
        assert_eq!(
            f.send(api::unpin_all(&room), Some(&admin))
                .unwrap()
                .unpinned,
            0
        );
        // Admins update the room: name, description, image (a file of the room).
        let file = f
            .send(api::upload_file(&room, b"png".to_vec(), None), Some(&admin))
            .unwrap();
        let update = |body: Value| Request::new(crate::Method::Put, "/room/lobby").with_json(&body);
        for (who, body, code) in [
            (&modr, json!({"name": "Hall"}), 403),
            (&admin, json!({"name": 5}), 400),
            (&admin, json!({"image": file.id + 99}), 400),
            (&admin, json!({}), 400),
            (
                &admin,
                json!({"name": "Hall", "description": "d", "image": file.id}),
                200,
            ),
        ] {
            let mut r = update(body);
            r.sign_with_rng(&mut f.rng, &who.signer, NOW_S);
            assert_eq!(f.raw(&r).status, code);
        }
        let info = f.send(api::room(&room), None).unwrap();
        assert_eq!(
            (
                info.name.as_str(),
                info.description.as_deref(),
                info.image_id
            ),
            ("Hall", Some("d"), Some(file.id))
        );
    }

    #[test]
    fn extreme_clocks_do_not_panic() {
        let mut f = Fixture::new();
        let alice = f.user();
        for now_ms in [0, 1, u64::MAX / 2, u64::MAX] {
            for ts in [0, 1, NOW_S, u64::MAX / 2, u64::MAX] {
                let r = api::rooms().signed_with_rng(&mut f.rng, &alice.signer, ts);
                let headers = r
                    .request
                    .headers
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_bytes()));
                let resp = f
                    .server
                    .handle_http("GET", "/rooms", headers, b"", now_ms, &mut f.rng);
                assert!([200, 400, 425].contains(&resp.status), "{resp:?}");
            }
        }
    }

    #[test]
    fn batch_bounds() {
        let mut f = Fixture::new();
        let alice = f.user();
        let room = f.community.room.clone();
        let one = api::room(&room).request.to_subrequest();
        let many = vec![one; MAX_SUBREQUESTS + 1];
        assert_eq!(status(f.send(api::batch(&many), None)), 400);
        // A 1.5 MB post read 16 times: the answers stop at MAX_BATCH_ANSWER, the rest get 413.
        let post = NewPost {
            data: vec![7; 1_500_000],
            signature: [1; 64],
            whisper_to: None,
            whisper_mods: false,
            files: Vec::new(),
        };
        let id = f
            .send(api::post_message(&room, &post), Some(&alice))
            .unwrap()
            .id;
        let read = api::message(&room, id).request.to_subrequest();
        let items = f.send(api::batch(&vec![read; 16]), None).unwrap();
        let codes: Vec<u16> = items.iter().map(|i| i.code).collect();
        let served = codes.iter().filter(|c| **c == 200).count();
        assert!((8..16).contains(&served), "{codes:?}");
        assert!(codes[served..].iter().all(|c| *c == 413), "{codes:?}");
    }

    #[test]
    fn an_account_id_moderates_with_its_blinded_ids() {
        let mut f = Fixture::new();
        let dave = f.user();
        let account = SessionId::AccountId(dave.keys.account_id());
        let role = ModRole {
            admin: true,
            visible: true,
        };
        f.server.set_moderator(&account, None, Some(role)).unwrap();
        let room = f.community.room.clone();
        let info = f.send(api::room(&room), Some(&dave)).unwrap();
        assert!(info.admin && info.global_admin);
        // Listed under the Account ID; the blinded candidates are hidden entries.
        assert_eq!(info.admins, [account.to_string()]);
        assert_eq!(info.hidden_admins.len(), 2);
        f.server.set_moderator(&account, None, None).unwrap();
        let info = f.send(api::room(&room), Some(&dave)).unwrap();
        assert!(!info.admin && !info.moderator);
    }

    #[test]
    fn odd_requests_do_not_panic() {
        let mut f = Fixture::new();
        let alice = f.user();
        for path in [
            "",
            "/",
            "//",
            "/room",
            "/room/",
            "/room/lobby/message/99999999999999999999999",
            "/room/lobby/messages/since/-1?limit=-5&reactors=99999",
            "/room/lobby/messages/since/0?limit",
            "/room/lobby/file/18446744073709551616",
            "/room/lobby/reaction/1/%ff%fe",
            "/inbox/since/x",
            "/inbox/15",
            "/capabilities?required=%zz,,",
            "/%",
        ] {
            for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
                let mut r = Request::new(crate::Method::Get, path);
                r.body = Some(b"{\"json\": [".to_vec());
                let headers: Vec<(&str, &str)> = Vec::new();
                let req = ReceivedRequest {
                    method,
                    path_and_query: &r.path,
                    body: r.body.as_deref().unwrap_or_default(),
                    headers: &headers,
                };
                let resp = f.server.handle(&req, NOW_S * 1000, &mut f.rng);
                assert!((200..600).contains(&resp.status));
                let mut signed = Request::new(crate::Method::Get, path);
                signed.sign_with_rng(&mut f.rng, &alice.signer, NOW_S);
                let resp = f.raw(&signed);
                assert!((200..600).contains(&resp.status));
            }
        }
    }
}
