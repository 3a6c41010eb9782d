//! Typed storage-RPC requests (spec §5): parameters exactly as nodes expect them, signed with
//! the messages of [`crate::auth::request_message`].
//!
//! Every builder returns a [`Request`]: the method name and its `params` object, which
//! serialises as `{"method": .., "params": {..}}` for HTTPS and onion requests, or as a QUIC
//! BTRequestStream command (endpoint = method, body = params JSON).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value, json};

use crate::auth::{
    Auth, ExpireMode, SUBACCOUNT_DELETE, SUBACCOUNT_READ, SUBACCOUNT_WRITE, SubaccountToken,
    request_message,
};
use crate::bt::Frame;
use crate::error::{Error, Result};
use crate::namespace::{Namespace, NamespaceSelector, is_message_hash};
use crate::space::SwarmPubkey;

/// Signature timestamps must be within this many ms of the node's clock (±60 s).
pub const SIGNATURE_TOLERANCE_MS: u64 = 60_000;
/// The largest `data` a store accepts (76 800 bytes; 102 400 base64 characters).
pub const MAX_STORE_DATA: usize = 76_800;
/// Sub-requests per `batch` / `sequence`.
pub const MAX_BATCH: usize = 20;
/// Tokens per (un)revoke request.
pub const MAX_REVOKE_TOKENS: usize = 50;

/// Whether a signature timestamp is within the nodes' ±60 s window of `node_now_ms` (use the
/// node clock estimated from `info`, see [`crate::response::InfoResponse::clock_offset_ms`]).
#[must_use]
pub fn within_signature_window(timestamp_ms: u64, node_now_ms: u64) -> bool {
    timestamp_ms.abs_diff(node_now_ms) <= SIGNATURE_TOLERANCE_MS
}

/// A storage RPC method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `store`
    Store,
    /// `retrieve`
    Retrieve,
    /// `delete`
    Delete,
    /// `delete_all`
    DeleteAll,
    /// `delete_before`
    DeleteBefore,
    /// `expire`
    Expire,
    /// `expire_all`
    ExpireAll,
    /// `get_expiries`
    GetExpiries,
    /// `get_swarm`
    GetSwarm,
    /// `info`
    Info,
    /// `batch`
    Batch,
    /// `sequence`
    Sequence,
    /// `revoke_subaccount`
    RevokeSubaccount,
    /// `unrevoke_subaccount`
    UnrevokeSubaccount,
    /// `oxend_request`
    OxendRequest,
}

impl Method {
    /// The wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Store => "store",
            Self::Retrieve => "retrieve",
            Self::Delete => "delete",
            Self::DeleteAll => "delete_all",
            Self::DeleteBefore => "delete_before",
            Self::Expire => "expire",
            Self::ExpireAll => "expire_all",
            Self::GetExpiries => "get_expiries",
            Self::GetSwarm => "get_swarm",
            Self::Info => "info",
            Self::Batch => "batch",
            Self::Sequence => "sequence",
            Self::RevokeSubaccount => "revoke_subaccount",
            Self::UnrevokeSubaccount => "unrevoke_subaccount",
            Self::OxendRequest => "oxend_request",
        }
    }
    /// Whether nodes run it on every swarm member and answer with a per-member `swarm` map.
    #[must_use]
    pub const fn is_recursive(self) -> bool {
        matches!(
            self,
            Self::Store
                | Self::Delete
                | Self::DeleteAll
                | Self::DeleteBefore
                | Self::Expire
                | Self::ExpireAll
                | Self::RevokeSubaccount
                | Self::UnrevokeSubaccount
        )
    }
}

/// A storage request ready to send: method and `params`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    method: Method,
    params: Map<String, Value>,
}

impl Request {
    fn new(method: Method) -> Self {
        Self {
            method,
            params: Map::new(),
        }
    }
    fn with(mut self, key: &str, v: impl Into<Value>) -> Self {
        self.params.insert(key.to_owned(), v.into());
        self
    }
    /// The method.
    #[must_use]
    pub const fn method(&self) -> Method {
        self.method
    }
    /// The `params` object.
    #[must_use]
    pub const fn params(&self) -> &Map<String, Value> {
        &self.params
    }
    /// `{"method": .., "params": {..}}` — the body of `POST /storage_rpc/v1` and of onion
    /// requests to a node.
    #[must_use]
    pub fn to_json(&self) -> Value {
        json!({"method": self.method.as_str(), "params": Value::Object(self.params.clone())})
    }
    /// [`Request::to_json`] as compact text (keys sorted, as nodes print JSON).
    #[must_use]
    pub fn to_json_string(&self) -> String {
        self.to_json().to_string()
    }
    /// The request as one QUIC BTRequestStream command frame (endpoint = method, body = the
    /// params JSON).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the frame is too large.
    pub fn to_quic_frame(&self, request_id: i64) -> Result<Vec<u8>> {
        let body = Value::Object(self.params.clone()).to_string();
        Frame::command(request_id, self.method.as_str(), body.into_bytes()).encode()
    }
    /// The account (`pubkey`) this request is about, if any.
    #[must_use]
    pub fn account(&self) -> Option<SwarmPubkey> {
        self.params.get("pubkey")?.as_str()?.parse().ok()
    }
}

fn check_hashes<S: AsRef<str>>(hashes: &[S]) -> Result<()> {
    if hashes.is_empty() {
        return Err(Error::InvalidRequest("no message hashes"));
    }
    if !hashes.iter().all(|h| is_message_hash(h.as_ref())) {
        return Err(Error::InvalidRequest(
            "a message hash is not 43 base64 characters",
        ));
    }
    Ok(())
}

fn hashes_json<S: AsRef<str>>(hashes: &[S]) -> Value {
    Value::Array(hashes.iter().map(|h| Value::from(h.as_ref())).collect())
}

/// `store`: put `data` into an account's namespace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    /// Target namespace.
    pub namespace: Namespace,
    /// The message bytes (at most [`MAX_STORE_DATA`]).
    pub data: Vec<u8>,
    /// Message timestamp, ms (also the signature timestamp).
    pub timestamp_ms: u64,
    /// Time to live, ms (within the namespace's TTL bounds).
    pub ttl_ms: u64,
}

impl Store {
    fn base(&self, account: &SwarmPubkey) -> Result<Request> {
        self.namespace.check_ttl(self.ttl_ms)?;
        if self.data.len() > MAX_STORE_DATA {
            return Err(Error::InvalidRequest("data larger than 76 800 bytes"));
        }
        let mut r = Request::new(Method::Store)
            .with("pubkey", account.to_hex())
            .with("timestamp", self.timestamp_ms)
            .with("ttl", self.ttl_ms)
            .with("data", STANDARD.encode(&self.data));
        // Sent even for 0 (as Session Desktop and libsession do); 0 adds nothing to the
        // signature either way.
        r = r.with("namespace", self.namespace.get());
        Ok(r)
    }

    /// An unsigned store to someone's public-inbox namespace (`ns % 10 == 0`), e.g. a direct
    /// message to `recipient`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the namespace needs a signature, the TTL is out of bounds or
    /// the data too large.
    pub fn unsigned(&self, recipient: &SwarmPubkey) -> Result<Request> {
        if !self.namespace.store_without_signature() {
            return Err(Error::InvalidRequest("this namespace needs a signed store"));
        }
        self.base(recipient)
    }

    /// A signed store (`"store" ns timestamp`), for the signer's account.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the TTL is out of bounds or the data too large.
    pub fn sign(&self, auth: &Auth) -> Result<Request> {
        let mut r = self.base(auth.account_id())?;
        r = r.with("sig_timestamp", self.timestamp_ms);
        let needs = if self.namespace.public_outbox() {
            SUBACCOUNT_WRITE | SUBACCOUNT_DELETE
        } else {
            SUBACCOUNT_WRITE
        };
        auth.apply(
            &mut r.params,
            &request_message::store(self.namespace, self.timestamp_ms),
            needs,
        )?;
        Ok(r)
    }
}

/// `retrieve`: fetch messages after `last_hash`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Retrieve {
    /// Namespace to read.
    pub namespace: Namespace,
    /// Only messages stored after this one (none = from the start).
    pub last_hash: Option<String>,
    /// `max_count` (see [`crate::namespace::retrieve_limits`]).
    pub max_count: Option<i64>,
    /// `max_size` (negative = fraction of the node's maximum).
    pub max_size: Option<i64>,
}

impl Retrieve {
    fn base(&self, account: &SwarmPubkey) -> Result<Request> {
        let mut r = Request::new(Method::Retrieve).with("pubkey", account.to_hex());
        // Sent even for 0 (as Session Desktop and libsession do); 0 adds nothing to the
        // signature either way.
        r = r.with("namespace", self.namespace.get());
        if let Some(h) = self.last_hash.as_deref().filter(|h| !h.is_empty()) {
            if !is_message_hash(h) {
                return Err(Error::InvalidRequest(
                    "last_hash is not 43 base64 characters",
                ));
            }
            r = r.with("last_hash", h);
        }
        if let Some(c) = self.max_count {
            r = r.with("max_count", c);
        }
        if let Some(s) = self.max_size {
            r = r.with("max_size", s);
        }
        Ok(r)
    }

    /// An unsigned retrieve: only namespaces readable without auth (public outboxes, −10).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if the namespace needs a signature or `last_hash` is bad.
    pub fn unsigned(&self, account: &SwarmPubkey) -> Result<Request> {
        if !self.namespace.retrieve_without_signature() {
            return Err(Error::InvalidRequest(
                "this namespace needs a signed retrieve",
            ));
        }
        self.base(account)
    }

    /// A signed retrieve (`"retrieve" ns timestamp`) at `now_ms`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if `last_hash` is malformed.
    pub fn sign(&self, auth: &Auth, now_ms: u64) -> Result<Request> {
        let mut r = self.base(auth.account_id())?.with("timestamp", now_ms);
        auth.apply(
            &mut r.params,
            &request_message::retrieve(self.namespace, now_ms),
            SUBACCOUNT_READ,
        )?;
        Ok(r)
    }
}

/// `delete`: delete messages by hash (any namespace).
///
/// # Errors
/// [`Error::InvalidRequest`] for an empty or malformed hash list.
pub fn delete<S: AsRef<str>>(auth: &Auth, hashes: &[S], required: bool) -> Result<Request> {
    check_hashes(hashes)?;
    let mut r = Request::new(Method::Delete).with("messages", hashes_json(hashes));
    if required {
        r = r.with("required", true);
    }
    auth.apply(
        &mut r.params,
        &request_message::delete(hashes),
        SUBACCOUNT_DELETE,
    )?;
    Ok(r)
}

/// `delete_all`: delete every message of a namespace (or all), signed at `now_ms`.
///
/// # Errors
/// [`Error::InvalidRequest`] if a subaccount signer lacks the Delete permission.
pub fn delete_all(auth: &Auth, namespace: NamespaceSelector, now_ms: u64) -> Result<Request> {
    let mut r = Request::new(Method::DeleteAll)
        .with("namespace", namespace.to_json())
        .with("timestamp", now_ms);
    auth.apply(
        &mut r.params,
        &request_message::delete_all(namespace, now_ms),
        SUBACCOUNT_DELETE,
    )?;
    Ok(r)
}

/// `delete_before`: delete messages with timestamp ≤ `before_ms`.
///
/// # Errors
/// [`Error::InvalidRequest`] if a subaccount signer lacks the Delete permission.
pub fn delete_before(auth: &Auth, namespace: NamespaceSelector, before_ms: u64) -> Result<Request> {
    let mut r = Request::new(Method::DeleteBefore)
        .with("namespace", namespace.to_json())
        .with("before", before_ms);
    auth.apply(
        &mut r.params,
        &request_message::delete_before(namespace, before_ms),
        SUBACCOUNT_DELETE,
    )?;
    Ok(r)
}

/// `expire_all`: shorten every expiry (of a namespace, or all) to `expiry_ms`.
///
/// # Errors
/// [`Error::InvalidRequest`] if a subaccount signer lacks the Delete permission.
pub fn expire_all(auth: &Auth, namespace: NamespaceSelector, expiry_ms: u64) -> Result<Request> {
    let mut r = Request::new(Method::ExpireAll)
        .with("namespace", namespace.to_json())
        .with("expiry", expiry_ms);
    auth.apply(
        &mut r.params,
        &request_message::expire_all(namespace, expiry_ms),
        SUBACCOUNT_DELETE,
    )?;
    Ok(r)
}

/// `expire`: set the expiry of messages; `expiries` holds one value for all, or one per hash.
///
/// # Errors
/// [`Error::InvalidRequest`] for an empty/malformed hash list or a wrong number of expiries.
pub fn expire<S: AsRef<str>>(
    auth: &Auth,
    hashes: &[S],
    expiries: &[u64],
    mode: ExpireMode,
) -> Result<Request> {
    check_hashes(hashes)?;
    let expiry: Value = match expiries {
        [one] => (*one).into(),
        many if many.len() == hashes.len() => Value::from(many.to_vec()),
        _ => return Err(Error::InvalidRequest("give one expiry, or one per hash")),
    };
    let mut r = Request::new(Method::Expire)
        .with("messages", hashes_json(hashes))
        .with("expiry", expiry);
    let needs = if mode == ExpireMode::Shorten {
        SUBACCOUNT_WRITE | SUBACCOUNT_DELETE
    } else {
        SUBACCOUNT_WRITE
    };
    match mode {
        ExpireMode::Shorten => r = r.with("shorten", true),
        ExpireMode::Extend => r = r.with("extend", true),
        ExpireMode::Set => {}
    }
    auth.apply(
        &mut r.params,
        &request_message::expire(mode, expiries, hashes),
        needs,
    )?;
    Ok(r)
}

/// `get_expiries`: the expiries of messages, signed at `now_ms`.
///
/// # Errors
/// [`Error::InvalidRequest`] for an empty or malformed hash list.
pub fn get_expiries<S: AsRef<str>>(auth: &Auth, hashes: &[S], now_ms: u64) -> Result<Request> {
    check_hashes(hashes)?;
    let mut r = Request::new(Method::GetExpiries)
        .with("messages", hashes_json(hashes))
        .with("timestamp", now_ms);
    auth.apply(
        &mut r.params,
        &request_message::get_expiries(now_ms, hashes),
        SUBACCOUNT_READ,
    )?;
    Ok(r)
}

/// `revoke_subaccount` (or `unrevoke_subaccount`): only the account key may sign it.
///
/// # Errors
/// [`Error::InvalidRequest`] for 0 or more than 50 tokens or a subaccount signer.
pub fn revoke_subaccount(
    auth: &Auth,
    tokens: &[SubaccountToken],
    unrevoke: bool,
    now_ms: u64,
) -> Result<Request> {
    if tokens.is_empty() || tokens.len() > MAX_REVOKE_TOKENS {
        return Err(Error::InvalidRequest("give 1 to 50 tokens"));
    }
    if auth.subaccount_token().is_some() {
        return Err(Error::InvalidRequest("only the account key can revoke"));
    }
    let (method, key) = if unrevoke {
        (Method::UnrevokeSubaccount, "unrevoke")
    } else {
        (Method::RevokeSubaccount, "revoke")
    };
    let list: Vec<Value> = tokens.iter().map(|t| t.to_base64().into()).collect();
    let mut r = Request::new(method)
        .with(key, list)
        .with("timestamp", now_ms);
    auth.apply(
        &mut r.params,
        &request_message::revoke_subaccount(unrevoke, now_ms, tokens),
        0,
    )?;
    Ok(r)
}

/// `get_swarm`: the swarm of an id (any node answers).
#[must_use]
pub fn get_swarm(id: &SwarmPubkey) -> Request {
    Request::new(Method::GetSwarm).with("pubkey", id.to_hex())
}

/// `info`: node version and clock.
#[must_use]
pub fn info() -> Request {
    Request::new(Method::Info)
}

fn meta(method: Method, requests: &[Request]) -> Result<Request> {
    if requests.is_empty() || requests.len() > MAX_BATCH {
        return Err(Error::InvalidRequest("batch needs 1 to 20 requests"));
    }
    if requests
        .iter()
        .any(|r| matches!(r.method, Method::Batch | Method::Sequence))
    {
        return Err(Error::InvalidRequest("batch requests cannot nest"));
    }
    let list: Vec<Value> = requests.iter().map(Request::to_json).collect();
    Ok(Request::new(method).with("requests", list))
}

/// `batch`: run up to 20 requests; results come back in order.
///
/// # Errors
/// [`Error::InvalidRequest`] for 0 or more than 20 requests, or nested batches.
pub fn batch(requests: &[Request]) -> Result<Request> {
    meta(Method::Batch, requests)
}

/// `sequence`: like [`batch`] but stops after the first failure.
///
/// # Errors
/// As [`batch`].
pub fn sequence(requests: &[Request]) -> Result<Request> {
    meta(Method::Sequence, requests)
}

/// The fields libsession asks oxend for (`get_service_nodes`).
pub const LIBSESSION_NODE_FIELDS: [&str; 5] = [
    "public_ip",
    "pubkey_ed25519",
    "storage_lmq_port",
    "storage_server_version",
    "swarm_id",
];
/// The fields Session Desktop asks seeds for (`get_n_service_nodes`).
pub const DESKTOP_NODE_FIELDS: [&str; 4] = [
    "public_ip",
    "storage_port",
    "pubkey_x25519",
    "pubkey_ed25519",
];

fn fields(names: &[&str]) -> Value {
    Value::Object(
        names
            .iter()
            .map(|n| ((*n).to_owned(), Value::Bool(true)))
            .collect(),
    )
}

/// The `get_service_nodes` params object (`active_only`, requested `fields`).
#[must_use]
pub fn service_nodes_params(field_names: &[&str]) -> Value {
    json!({"active_only": true, "fields": fields(field_names)})
}

/// `oxend_request` → `get_service_nodes` through a node (pool refresh, spec §3.1 step 3).
#[must_use]
pub fn oxend_get_service_nodes(field_names: &[&str]) -> Request {
    Request::new(Method::OxendRequest)
        .with("endpoint", "get_service_nodes")
        .with("params", service_nodes_params(field_names))
}

/// Session Desktop's seed fields plus `swarm_id`, so that swarms can be computed from the
/// answer (what this project's client asks a seed for, `local-network.md` §6).
pub const SEED_NODE_FIELDS_WITH_SWARM: [&str; 5] = [
    "public_ip",
    "storage_port",
    "pubkey_x25519",
    "pubkey_ed25519",
    "swarm_id",
];

/// The JSON-RPC body a client POSTs to `https://<seed>/json_rpc` to bootstrap (Session
/// Desktop): `get_n_service_nodes` with `active_only` and the fields of
/// [`DESKTOP_NODE_FIELDS`]. Parse the answer with
/// [`crate::node::parse_seed_bootstrap_response`].
#[must_use]
pub fn seed_bootstrap_request() -> Value {
    seed_bootstrap_request_with(&DESKTOP_NODE_FIELDS)
}

/// [`seed_bootstrap_request`] asking for `field_names` (e.g.
/// [`SEED_NODE_FIELDS_WITH_SWARM`]).
#[must_use]
pub fn seed_bootstrap_request_with(field_names: &[&str]) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": "0",
        "method": "get_n_service_nodes",
        "params": service_nodes_params(field_names),
    })
}

/// The bencoded QUIC `oxend_request` body a libsession client sends to a seed (spec §3.1).
#[must_use]
pub fn seed_bootstrap_bt_body() -> Vec<u8> {
    crate::bt::oxend_request_bt_body(
        "get_service_nodes",
        &service_nodes_params(&LIBSESSION_NODE_FIELDS).to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retrieve_json_shape() {
        let auth = Auth::session_id(&session_identity::Ed25519KeyPair::from_seed(&[3u8; 32]));
        let r = Retrieve {
            namespace: Namespace::new(2),
            ..Default::default()
        }
        .sign(&auth, 1_700_000_000_000)
        .unwrap();
        let v = r.to_json();
        assert_eq!(v["method"], "retrieve");
        assert_eq!(v["params"]["namespace"], 2);
        assert_eq!(v["params"]["timestamp"], 1_700_000_000_000u64);
        assert_eq!(v["params"]["pubkey"].as_str().unwrap().len(), 66);
        assert_eq!(v["params"]["pubkey_ed25519"].as_str().unwrap().len(), 64);
        assert!(Retrieve::default().unsigned(auth.account_id()).is_err());
        assert!(
            Retrieve {
                namespace: Namespace::new(-10),
                ..Default::default()
            }
            .unsigned(auth.account_id())
            .is_ok()
        );
    }

    #[test]
    fn store_and_batch_rules() {
        let auth = Auth::session_id(&session_identity::Ed25519KeyPair::from_seed(&[3u8; 32]));
        let s = Store {
            namespace: Namespace::DEFAULT,
            data: vec![1, 2],
            timestamp_ms: 1,
            ttl_ms: 9_999,
        };
        assert!(s.unsigned(auth.account_id()).is_err());
        let s = Store {
            ttl_ms: 86_400_000,
            ..s
        };
        let r = s.unsigned(auth.account_id()).unwrap();
        assert!(r.params().get("signature").is_none());
        let private = Store {
            namespace: Namespace::new(2),
            ..s
        };
        assert!(private.unsigned(auth.account_id()).is_err());
        let signed = private.sign(&auth).unwrap();
        assert!(signed.params().contains_key("signature"));
        let b = batch(&[r.clone(), signed]).unwrap();
        assert_eq!(b.params()["requests"].as_array().unwrap().len(), 2);
        assert!(batch(&[]).is_err());
        assert!(batch(std::slice::from_ref(&b)).is_err());
        assert!(batch(&vec![r; 21]).is_err());
        assert!(delete::<&str>(&auth, &[], false).is_err());
        assert!(delete(&auth, &["short"], false).is_err());
        assert!(within_signature_window(1_000_000, 1_060_000));
        assert!(!within_signature_window(1_000_000, 1_060_001));
        let f = info().to_quic_frame(1).unwrap();
        assert_eq!(f, b"18:l1:Ci1e4:info2:{}e");
        let seed = seed_bootstrap_request_with(&SEED_NODE_FIELDS_WITH_SWARM);
        assert_eq!(seed["method"], "get_n_service_nodes");
        assert_eq!(seed["params"]["fields"]["swarm_id"], true);
        assert_eq!(seed["params"]["fields"]["pubkey_x25519"], true);
        assert!(seed_bootstrap_request()["params"]["fields"]["swarm_id"].is_null());
    }
}
