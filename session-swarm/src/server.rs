//! The service-node side of the storage RPC (spec `swarm.md` §2.4, §5; `local-network.md`
//! §2–4), sans-IO: parse and check a client's request, build the node-signed answers, the 421
//! body, the seed (`json_rpc`) answer and the node-to-node request signatures.
//!
//! The caller owns the clock (`now_ms`), the storage and the network. A request goes through
//! [`parse_call`] → [`ClientRequest::parse`] → (wrong-swarm check with
//! [`ClientRequest::account`]) → [`ClientRequest::check`] (TTL, clock windows, signatures, in
//! the reference's order) → the caller's storage → the answer builders of this module.
//!
//! ```
//! use session_swarm::server::{ClientRequest, parse_call};
//!
//! let call = parse_call(br#"{"method":"info","params":{}}"#).unwrap();
//! let req = ClientRequest::parse(&call).unwrap();
//! assert!(req.account().is_none());
//! assert!(req.check(1_700_000_000_000, false).is_ok());
//! let err = ClientRequest::parse(&parse_call(br#"{"method":"nope","params":{}}"#).unwrap());
//! assert_eq!(err.unwrap_err().status(), 400);
//! ```

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use serde_json::{Map, Value, json};
use sha2::{Digest as _, Sha256};

use session_identity::{Ed25519KeyPair, Ed25519PublicKey, Signature};

use crate::auth::{
    ExpireMode, SUBACCOUNT_ANY_PREFIX, SUBACCOUNT_DELETE, SUBACCOUNT_READ, SUBACCOUNT_WRITE,
    SubaccountToken, request_message, response_message,
};
use crate::namespace::{
    Namespace, NamespaceSelector, PRIVATE_MAX_TTL_MS, RetrieveLimits, is_message_hash,
    message_hash, retrieve_limits,
};
use crate::node::ServiceNode;
use crate::rpc::{MAX_BATCH, MAX_REVOKE_TOKENS, MAX_STORE_DATA, Method, SIGNATURE_TOLERANCE_MS};
use crate::space::{SwarmId, SwarmPubkey};

/// The hard fork nodes report (`hf`): `[19, 3]`.
pub const HARDFORK: [u16; 2] = [19, 3];
/// The storage-server version nodes report: `2.8.0`.
pub const STORAGE_VERSION: [u16; 3] = [2, 8, 0];
/// A store's message timestamp may be at most this far in the future, its expiry at most this
/// far in the past (10 s).
pub const STORE_CLOCK_TOLERANCE_MS: u64 = 10_000;
/// The signature window of a request forwarded by a swarm peer (±70 s).
pub const FORWARDED_SIGNATURE_TOLERANCE_MS: u64 = 70_000;
/// Timestamps below this (1e9 ms, i.e. values that look like seconds) are refused.
pub const MIN_TIMESTAMP_MS: u64 = 1_000_000_000;
/// The largest base64 `data` of a store (102 400 characters).
pub const MAX_STORE_DATA_BASE64: usize = 102_400;
/// Message hashes per `delete` / `expire` / `get_expiries` request a node accepts.
pub const MAX_HASHES: usize = 1_000;
/// Revoked subaccount tokens a node keeps per account; a revocation beyond it drops the
/// oldest (spec §5.7).
pub const MAX_STORED_REVOCATIONS: usize = 50;

/// The body of a node's answer: JSON, or plain text.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerBody {
    /// `application/json`.
    Json(Value),
    /// `text/plain`.
    Text(String),
}

impl AnswerBody {
    /// The body bytes as sent over HTTPS (compact JSON or the text).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        match self {
            Self::Json(v) => v.to_string().into_bytes(),
            Self::Text(s) => s.clone().into_bytes(),
        }
    }
}

/// A refused request: the HTTP status and the body the reference sends (plain text, or the
/// 421 JSON).
#[derive(Debug, Clone, PartialEq)]
pub struct RpcError {
    status: u16,
    body: AnswerBody,
}

impl fmt::Display for RpcError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.body {
            AnswerBody::Text(t) => write!(f, "{} {t}", self.status),
            AnswerBody::Json(_) => write!(f, "{} (json body)", self.status),
        }
    }
}

impl std::error::Error for RpcError {}

impl RpcError {
    /// An error with a plain-text body.
    #[must_use]
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        Self {
            status,
            body: AnswerBody::Text(message.into()),
        }
    }
    /// 400 `invalid request: <why>`.
    #[must_use]
    pub fn invalid(why: impl fmt::Display) -> Self {
        Self::new(400, format!("invalid request: {why}"))
    }
    /// The HTTP status.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }
    /// The body.
    #[must_use]
    pub const fn body(&self) -> &AnswerBody {
        &self.body
    }
    /// The text of a plain-text error (empty for a JSON body).
    #[must_use]
    pub fn message(&self) -> &str {
        match &self.body {
            AnswerBody::Text(t) => t,
            AnswerBody::Json(_) => "",
        }
    }
}

/// A storage RPC call: `{"method": .., "params": {..}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RpcCall {
    /// The method name as sent.
    pub method: String,
    /// The parameters object.
    pub params: Map<String, Value>,
}

/// Parses a `POST /storage_rpc/v1` (or onion destination) body. Extra keys are ignored.
///
/// # Errors
/// 400 `invalid json` for a body that is not a JSON object; 400 `invalid json: no method` /
/// `invalid json: no params` for a missing or mistyped member.
pub fn parse_call(body: &[u8]) -> Result<RpcCall, RpcError> {
    let v: Value = serde_json::from_slice(body).map_err(|_| RpcError::new(400, "invalid json"))?;
    parse_call_value(&v)
}

/// [`parse_call`] on an already parsed value (a `batch` entry).
///
/// # Errors
/// As [`parse_call`].
pub fn parse_call_value(v: &Value) -> Result<RpcCall, RpcError> {
    let obj = v
        .as_object()
        .ok_or_else(|| RpcError::new(400, "invalid json"))?;
    let method = obj
        .get("method")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::new(400, "invalid json: no method"))?;
    let params = match obj.get("params") {
        Some(Value::Object(p)) => p.clone(),
        _ => return Err(RpcError::new(400, "invalid json: no params")),
    };
    Ok(RpcCall {
        method: method.to_owned(),
        params,
    })
}

// ---------------------------------------------------------------------------------------------
// Parameter parsing

fn missing(field: &str) -> RpcError {
    RpcError::invalid(format!("Required field '{field}' missing"))
}

fn bad_value(field: &str, why: &str) -> RpcError {
    RpcError::invalid(format!("Invalid value given for '{field}': {why}"))
}

fn get_any<'a>(p: &'a Map<String, Value>, names: &[&str]) -> Result<Option<&'a Value>, RpcError> {
    let mut found = None;
    for n in names {
        if let Some(v) = p.get(*n) {
            if found.is_some() {
                return Err(RpcError::invalid(format!(
                    "Cannot specify both '{}' and '{n}'",
                    names.first().copied().unwrap_or_default()
                )));
            }
            found = Some(v);
        }
    }
    Ok(found.filter(|v| !v.is_null()))
}

fn parse_pubkey(p: &Map<String, Value>) -> Result<SwarmPubkey, RpcError> {
    let v = get_any(p, &["pubkey", "pubKey"])?.ok_or_else(|| missing("pubkey"))?;
    let s = v
        .as_str()
        .ok_or_else(|| bad_value("pubkey", "expected a string"))?;
    s.parse::<SwarmPubkey>()
        .map_err(|_| RpcError::invalid("Pubkey must be 66 hex digits (33 bytes) long"))
}

fn parse_ms(field: &str, v: &Value, allow_string: bool) -> Result<u64, RpcError> {
    let n = match v {
        Value::Number(n) => n.as_u64(),
        Value::String(s) if allow_string => s.parse::<u64>().ok(),
        _ => None,
    }
    .ok_or_else(|| bad_value(field, "expected a non-negative integer"))?;
    if n < MIN_TIMESTAMP_MS {
        return Err(bad_value(field, "timestamp must be in milliseconds"));
    }
    Ok(n)
}

fn req_ms(p: &Map<String, Value>, field: &str) -> Result<u64, RpcError> {
    let v = p
        .get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| missing(field))?;
    parse_ms(field, v, false)
}

fn opt_ms(p: &Map<String, Value>, field: &str) -> Result<Option<u64>, RpcError> {
    p.get(field)
        .filter(|v| !v.is_null())
        .map(|v| parse_ms(field, v, false))
        .transpose()
}

fn parse_namespace_value(v: &Value) -> Result<Namespace, RpcError> {
    v.as_i64()
        .and_then(|n| Namespace::try_from(n).ok())
        .ok_or_else(|| bad_value("namespace", "value out of range"))
}

fn parse_namespace(p: &Map<String, Value>) -> Result<Namespace, RpcError> {
    match p.get("namespace") {
        None | Some(Value::Null) => Ok(Namespace::DEFAULT),
        Some(v) => parse_namespace_value(v),
    }
}

fn parse_selector(p: &Map<String, Value>) -> Result<NamespaceSelector, RpcError> {
    match p.get("namespace") {
        None | Some(Value::Null) => Ok(NamespaceSelector::One(Namespace::DEFAULT)),
        Some(Value::String(s)) if s == "all" => Ok(NamespaceSelector::All),
        Some(v) => parse_namespace_value(v).map(NamespaceSelector::One),
    }
}

fn parse_signature_str(field: &str, s: &str) -> Result<Signature, RpcError> {
    if s.len() != 86 && s.len() != 88 {
        return Err(bad_value(field, "expected 86 or 88 base64 characters"));
    }
    let bytes = if s.len() == 88 {
        STANDARD.decode(s)
    } else {
        STANDARD_NO_PAD.decode(s)
    }
    .map_err(|_| bad_value(field, "invalid base64"))?;
    Signature::try_from(bytes.as_slice()).map_err(|_| bad_value(field, "not 64 bytes"))
}

fn opt_signature(p: &Map<String, Value>, field: &str) -> Result<Option<Signature>, RpcError> {
    match p.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => parse_signature_str(field, s).map(Some),
        Some(_) => Err(bad_value(field, "expected a string")),
    }
}

fn parse_hash_list(
    p: &Map<String, Value>,
    field: &str,
    check: bool,
) -> Result<Vec<String>, RpcError> {
    let v = p
        .get(field)
        .filter(|v| !v.is_null())
        .ok_or_else(|| missing(field))?;
    let list: Vec<String> = match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .map(|h| h.as_str().map(str::to_owned))
            .collect::<Option<_>>()
            .ok_or_else(|| bad_value(field, "expected strings"))?,
        _ => return Err(bad_value(field, "expected a string or a list")),
    };
    if list.is_empty() {
        return Err(bad_value(field, "list is empty"));
    }
    if list.len() > MAX_HASHES {
        return Err(bad_value(field, "too many hashes"));
    }
    if check && !list.iter().all(|h| is_message_hash(h)) {
        return Err(bad_value(field, "invalid message hash"));
    }
    Ok(list)
}

fn opt_bool(p: &Map<String, Value>, field: &str) -> Result<bool, RpcError> {
    match p.get(field) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(bad_value(field, "expected a boolean")),
    }
}

/// A subaccount token as sent in JSON: 48 base64 or 72 hex characters (36 bytes).
fn parse_token(field: &str, s: &str) -> Result<SubaccountToken, RpcError> {
    let bytes = match s.len() {
        48 => STANDARD.decode(s).ok(),
        72 => hex::decode(s).ok(),
        _ => None,
    }
    .ok_or_else(|| bad_value(field, "expected 48 base64 or 72 hex"))?;
    SubaccountToken::try_from(bytes.as_slice()).map_err(|_| bad_value(field, "not 36 bytes"))
}

/// The authentication parameters of an account-bound request (spec §5.2): `pubkey`, optional
/// `pubkey_ed25519`, optional subaccount token and signature, the request `signature`.
#[derive(Clone, PartialEq)]
pub struct AccountAuth {
    account: SwarmPubkey,
    pubkey_ed25519: Option<Ed25519PublicKey>,
    subaccount: Option<(SubaccountToken, Signature)>,
    signature: Option<Signature>,
}

impl fmt::Debug for AccountAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccountAuth")
            .field("account", &self.account)
            .field("signed", &self.signature.is_some())
            .field("subaccount", &self.subaccount.as_ref().map(|s| s.0))
            .finish_non_exhaustive()
    }
}

impl AccountAuth {
    /// Parses the authentication parameters.
    ///
    /// # Errors
    /// 400 for malformed values, or `pubkey_ed25519` with a prefix other than `05`.
    pub fn parse(p: &Map<String, Value>) -> Result<Self, RpcError> {
        let account = parse_pubkey(p)?;
        let pubkey_ed25519 = match p.get("pubkey_ed25519") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(
                s.to_ascii_lowercase()
                    .parse::<Ed25519PublicKey>()
                    .map_err(|_| bad_value("pubkey_ed25519", "expected 64 hex digits"))?,
            ),
            Some(_) => return Err(bad_value("pubkey_ed25519", "expected a string")),
        };
        if pubkey_ed25519.is_some() && account.prefix() != 0x05 {
            return Err(RpcError::new(
                400,
                "invalid request: pubkey_ed25519 is only permitted for 05[...] pubkeys",
            ));
        }
        let subaccount = match p.get("subaccount") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => {
                let token = parse_token("subaccount", s)?;
                let sig =
                    opt_signature(p, "subaccount_sig")?.ok_or_else(|| missing("subaccount_sig"))?;
                Some((token, sig))
            }
            Some(_) => return Err(bad_value("subaccount", "expected a string")),
        };
        Ok(Self {
            account,
            pubkey_ed25519,
            subaccount,
            signature: opt_signature(p, "signature")?,
        })
    }

    /// The account.
    #[must_use]
    pub const fn account(&self) -> &SwarmPubkey {
        &self.account
    }

    /// Whether a `signature` was sent.
    #[must_use]
    pub const fn is_signed(&self) -> bool {
        self.signature.is_some()
    }

    /// The subaccount token the request is signed with, if any.
    #[must_use]
    pub fn subaccount_token(&self) -> Option<&SubaccountToken> {
        self.subaccount.as_ref().map(|(t, _)| t)
    }

    /// Verifies the request signature over `message` (spec §5.2); a subaccount must hold every
    /// bit of `needs`. `failure` is the 401 text of the method.
    ///
    /// # Errors
    /// 401 with `failure` when anything does not verify (or no signature was sent).
    pub fn verify(&self, message: &[u8], needs: u8, failure: &str) -> Result<(), RpcError> {
        self.verify_unless_revoked(message, needs, failure, false)
    }

    /// [`AccountAuth::verify`], where `revoked` says whether the subaccount token (if any) is
    /// revoked for the account: a revoked token fails like a bad signature (the reference's
    /// order: revocation, then flags and token signature, then the request signature).
    ///
    /// # Errors
    /// 401 with `failure` when anything does not verify, or the token is revoked.
    pub fn verify_unless_revoked(
        &self,
        message: &[u8],
        needs: u8,
        failure: &str,
        revoked: bool,
    ) -> Result<(), RpcError> {
        let fail = || RpcError::new(401, failure);
        let sig = self.signature.as_ref().ok_or_else(fail)?;
        let account_key = match &self.pubkey_ed25519 {
            Some(ed) => {
                let x = ed.to_x25519().map_err(|_| fail())?;
                if x.to_bytes() != self.account.key() {
                    return Err(fail());
                }
                *ed
            }
            None => Ed25519PublicKey::from_bytes(&self.account.key()),
        };
        let signer = match &self.subaccount {
            None => account_key,
            Some((token, token_sig)) => {
                if revoked || token.flags() & needs != needs {
                    return Err(fail());
                }
                if token.netid() != self.account.prefix()
                    && token.flags() & SUBACCOUNT_ANY_PREFIX == 0
                {
                    return Err(fail());
                }
                account_key
                    .verify(token.as_bytes(), token_sig)
                    .map_err(|_| fail())?;
                token.subaccount_pk()
            }
        };
        signer.verify(message, sig).map_err(|_| fail())
    }
}

/// `store` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct StoreRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// Namespace.
    pub namespace: Namespace,
    /// The message timestamp, ms.
    pub timestamp: u64,
    /// The requested expiry, ms (from `expiry`, or `timestamp + ttl`).
    pub expiry: u64,
    /// The signature timestamp (`sig_timestamp`, default `timestamp`).
    pub sig_timestamp: u64,
    /// The message bytes (decoded).
    pub data: Vec<u8>,
}

impl StoreRequest {
    fn parse(p: &Map<String, Value>) -> Result<Self, RpcError> {
        let auth = AccountAuth::parse(p)?;
        let timestamp = parse_ms(
            "timestamp",
            p.get("timestamp")
                .filter(|v| !v.is_null())
                .ok_or_else(|| missing("timestamp"))?,
            true,
        )?;
        let expiry = match (
            p.get("ttl").filter(|v| !v.is_null()),
            p.get("expiry").filter(|v| !v.is_null()),
        ) {
            (Some(_), Some(_)) => {
                return Err(RpcError::invalid("Cannot specify both 'ttl' and 'expiry'"));
            }
            (None, None) => return Err(missing("ttl")),
            (Some(ttl), None) => {
                let ttl = match ttl {
                    Value::Number(n) => n.as_u64(),
                    Value::String(s) => s.parse::<u64>().ok(),
                    _ => None,
                }
                .ok_or_else(|| bad_value("ttl", "expected a non-negative integer"))?;
                timestamp.saturating_add(ttl)
            }
            (None, Some(e)) => parse_ms("expiry", e, true)?,
        };
        let data = match p.get("data") {
            None | Some(Value::Null) => return Err(missing("data")),
            Some(Value::String(s)) => {
                if s.len() > MAX_STORE_DATA_BASE64 {
                    return Err(RpcError::new(413, "Message too large"));
                }
                STANDARD
                    .decode(s)
                    .or_else(|_| STANDARD_NO_PAD.decode(s))
                    .map_err(|_| bad_value("data", "invalid base64"))?
            }
            Some(_) => return Err(bad_value("data", "expected a string")),
        };
        if data.len() > MAX_STORE_DATA {
            return Err(RpcError::new(413, "Message too large"));
        }
        let sig_timestamp = opt_ms(p, "sig_timestamp")?.unwrap_or(timestamp);
        Ok(Self {
            auth,
            namespace: parse_namespace(p)?,
            timestamp,
            expiry,
            sig_timestamp,
            data,
        })
    }

    /// The message hash (spec §5.4).
    #[must_use]
    pub fn hash(&self) -> String {
        message_hash(&self.auth.account, self.namespace, &self.data)
    }

    fn check(&self, now_ms: u64, tolerance: u64, revoked: bool) -> Result<(), RpcError> {
        let ttl_ok = self
            .expiry
            .checked_sub(self.timestamp)
            .is_some_and(|ttl| self.namespace.check_ttl(ttl).is_ok());
        if !ttl_ok {
            return Err(RpcError::new(403, "Provided expiry/TTL is not valid."));
        }
        if self.timestamp > now_ms.saturating_add(STORE_CLOCK_TOLERANCE_MS)
            || self.expiry < now_ms.saturating_sub(STORE_CLOCK_TOLERANCE_MS)
        {
            return Err(RpcError::new(406, "Timestamp error: check your clock"));
        }
        if self.namespace.store_without_signature() {
            return Ok(());
        }
        if !self.auth.is_signed() {
            return Err(RpcError::new(
                401,
                format!(
                    "store: signature required to store to namespace {}",
                    self.namespace
                ),
            ));
        }
        if self.sig_timestamp.abs_diff(now_ms) > tolerance {
            return Err(RpcError::new(
                406,
                "store signature timestamp too far from current time",
            ));
        }
        let needs = if self.namespace.public_outbox() {
            SUBACCOUNT_WRITE | SUBACCOUNT_DELETE
        } else {
            SUBACCOUNT_WRITE
        };
        self.auth.verify_unless_revoked(
            &request_message::store(self.namespace, self.sig_timestamp),
            needs,
            "store signature verification failed",
            revoked,
        )
    }
}

/// `retrieve` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct RetrieveRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// Namespace.
    pub namespace: Namespace,
    /// Return messages after this one (`None`: from the start).
    pub last_hash: Option<String>,
    /// Count and size limits.
    pub limits: RetrieveLimits,
    /// The signature timestamp.
    pub timestamp: Option<u64>,
    signature_mode: bool,
}

impl RetrieveRequest {
    fn parse(p: &Map<String, Value>) -> Result<Self, RpcError> {
        let auth = AccountAuth::parse(p)?;
        let namespace = parse_namespace(p)?;
        let last_hash = match get_any(p, &["last_hash", "lastHash"])? {
            None => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(Value::String(s)) if is_message_hash(s) => Some(s.clone()),
            Some(_) => return Err(bad_value("last_hash", "invalid message hash")),
        };
        let int = |f: &str| -> Result<Option<i64>, RpcError> {
            match p.get(f) {
                None | Some(Value::Null) => Ok(None),
                Some(v) => v
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| bad_value(f, "expected an integer")),
            }
        };
        let limits = retrieve_limits(int("max_count")?, int("max_size")?);
        let timestamp = opt_ms(p, "timestamp")?;
        if auth.is_signed() && timestamp.is_none() {
            return Err(missing("timestamp"));
        }
        // Since HF 19 every retrieve is authenticated except from the namespaces readable by
        // anyone (public outboxes, −10 legacy closed groups); auth parameters sent anyway are
        // checked.
        let signature_mode = p.contains_key("pubkey_ed25519")
            || p.contains_key("signature")
            || p.contains_key("timestamp")
            || !namespace.retrieve_without_signature();
        Ok(Self {
            auth,
            namespace,
            last_hash,
            limits,
            timestamp,
            signature_mode,
        })
    }

    fn check(&self, now_ms: u64, tolerance: u64, revoked: bool) -> Result<(), RpcError> {
        if !self.signature_mode {
            return Ok(());
        }
        if !self.auth.is_signed() {
            return Err(RpcError::new(401, "retrieve: request signature required"));
        }
        let ts = self.timestamp.ok_or_else(|| missing("timestamp"))?;
        if ts.abs_diff(now_ms) > tolerance {
            return Err(RpcError::new(
                406,
                "retrieve timestamp too far from current time",
            ));
        }
        // Revoked subaccounts may still read the unrevocable namespaces.
        self.auth.verify_unless_revoked(
            &request_message::retrieve(self.namespace, ts),
            SUBACCOUNT_READ,
            "retrieve signature verification failed",
            revoked && !self.namespace.unrevocable_retrieve(),
        )
    }
}

/// `delete` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// The hashes, in request order.
    pub messages: Vec<String>,
    /// `required`: 404 when nothing was deleted anywhere.
    pub required: bool,
}

/// `delete_all` (`before = None`) and `delete_before` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct DeleteAllRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// One namespace or all.
    pub namespace: NamespaceSelector,
    /// `delete_all`: the signature timestamp; `delete_before`: `before`.
    pub timestamp: u64,
    /// Whether this is `delete_before` (delete messages with timestamp ≤ `timestamp`).
    pub before: bool,
}

/// `expire_all` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpireAllRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// One namespace or all.
    pub namespace: NamespaceSelector,
    /// The new (shorter) expiry.
    pub expiry: u64,
}

/// `expire` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct ExpireRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// The hashes, request order.
    pub messages: Vec<String>,
    /// One expiry, or one per hash, as requested.
    pub expiries: Vec<u64>,
    /// Set, shorten or extend.
    pub mode: ExpireMode,
}

impl ExpireRequest {
    /// The expiry to apply to `messages[i]`: the requested value, capped at `now + 30 d`.
    #[must_use]
    pub fn applied_expiry(&self, i: usize, now_ms: u64) -> u64 {
        let requested = if self.expiries.len() == 1 {
            self.expiries.first()
        } else {
            self.expiries.get(i)
        };
        requested
            .copied()
            .unwrap_or(0)
            .min(now_ms.saturating_add(PRIVATE_MAX_TTL_MS))
    }

    /// Plans the request against the current expiries of the account's messages (`current`:
    /// hash → expiry, for the requested hashes the node holds): which hashes get which new
    /// expiry, and the result fields (`applied` expiries, `updated`, `unchanged` with their
    /// current expiry). Without shorten/extend every held hash is updated; `shorten` only
    /// lowers, `extend` only raises.
    #[must_use]
    pub fn plan(
        &self,
        current: &std::collections::HashMap<String, u64>,
        now_ms: u64,
    ) -> ExpirePlan {
        let mut plan = ExpirePlan::default();
        for (i, h) in self.messages.iter().enumerate() {
            let Some(&cur) = current.get(h) else { continue };
            let want = self.applied_expiry(i, now_ms);
            let change = match self.mode {
                ExpireMode::Shorten => want < cur,
                ExpireMode::Extend => want > cur,
                _ => true,
            };
            if change {
                plan.set.push((h.clone(), want));
                plan.updated.push(h.clone());
                plan.applied.push(want);
            } else {
                plan.unchanged.push((h.clone(), cur));
            }
        }
        if self.expiries.len() == 1 {
            plan.applied = vec![self.applied_expiry(0, now_ms)];
        }
        plan
    }
}

/// What an `expire` request does on one node ([`ExpireRequest::plan`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExpirePlan {
    /// Hashes to give a new expiry.
    pub set: Vec<(String, u64)>,
    /// The applied expiry (single mode) or one per updated hash.
    pub applied: Vec<u64>,
    /// Updated hashes, request order.
    pub updated: Vec<String>,
    /// Unchanged hashes with their current expiry (shorten/extend).
    pub unchanged: Vec<(String, u64)>,
}

/// The status a relay answers with for the next hop's status (`http::from_code`: 200, 400,
/// 401, 403, 404, 406, 410, 413, 421, 429, 500, 502, 503, 504 pass; others become 500).
#[must_use]
pub const fn relayed_status(code: u16) -> u16 {
    match code {
        200 | 400 | 401 | 403 | 404 | 406 | 410 | 413 | 421 | 429 | 500 | 502 | 503 | 504 => code,
        _ => 500,
    }
}

/// `get_expiries` (spec §5.7).
#[derive(Debug, Clone, PartialEq)]
pub struct GetExpiriesRequest {
    /// Authentication.
    pub auth: AccountAuth,
    /// The hashes.
    pub messages: Vec<String>,
    /// Signature timestamp.
    pub timestamp: u64,
}

/// `revoke_subaccount` / `unrevoke_subaccount` (spec §5.7): signed by the account key only.
#[derive(Debug, Clone, PartialEq)]
pub struct RevokeRequest {
    /// Authentication (never a subaccount: `subaccount` parameters are not read).
    pub auth: AccountAuth,
    /// The tokens, request order (1 to 50).
    pub tokens: Vec<SubaccountToken>,
    /// The signature timestamp.
    pub timestamp: u64,
    /// `unrevoke_subaccount` rather than `revoke_subaccount`.
    pub unrevoke: bool,
}

impl RevokeRequest {
    fn parse(p: &Map<String, Value>, unrevoke: bool) -> Result<Self, RpcError> {
        // The reference does not read subaccount parameters here.
        let mut account_only = p.clone();
        account_only.remove("subaccount");
        account_only.remove("subaccount_sig");
        let auth = AccountAuth::parse(&account_only)?;
        let field = if unrevoke { "unrevoke" } else { "revoke" };
        let tokens = match p.get(field) {
            None | Some(Value::Null) => return Err(missing(field)),
            Some(Value::String(s)) => vec![parse_token(field, s)?],
            Some(Value::Array(a)) => {
                if a.is_empty() || a.len() > MAX_REVOKE_TOKENS {
                    return Err(bad_value(field, "expected 1 to 50 tokens"));
                }
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .ok_or_else(|| bad_value(field, "expected strings"))
                            .and_then(|s| parse_token(field, s))
                    })
                    .collect::<Result<_, _>>()?
            }
            Some(_) => return Err(bad_value(field, "expected a string or a list")),
        };
        Ok(Self {
            auth,
            tokens,
            timestamp: req_ms(p, "timestamp")?,
            unrevoke,
        })
    }

    fn name(&self) -> &'static str {
        if self.unrevoke {
            "unrevoke_subaccount"
        } else {
            "revoke_subaccount"
        }
    }

    /// ±60 s (forwarded copies too, as the reference) → 406; the account key's signature → 401.
    fn check(&self, now_ms: u64) -> Result<(), RpcError> {
        if self.timestamp.abs_diff(now_ms) > SIGNATURE_TOLERANCE_MS {
            return Err(RpcError::new(
                406,
                format!("{} timestamp too far from current time", self.name()),
            ));
        }
        self.auth.verify(
            &request_message::revoke_subaccount(self.unrevoke, self.timestamp, &self.tokens),
            0,
            &format!("{} signature verification failed", self.name()),
        )
    }
}

/// A parsed client request.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ClientRequest {
    /// `info`.
    Info,
    /// `get_swarm` / `get_snodes_for_pubkey`.
    GetSwarm(SwarmPubkey),
    /// `oxend_request`: the endpoint (only `get_service_nodes` is served) and its params.
    OxendRequest {
        /// The oxend endpoint.
        endpoint: String,
        /// Its params.
        params: Map<String, Value>,
    },
    /// `store`.
    Store(StoreRequest),
    /// `retrieve`.
    Retrieve(RetrieveRequest),
    /// `delete`.
    Delete(DeleteRequest),
    /// `delete_all` / `delete_before`.
    DeleteAll(DeleteAllRequest),
    /// `expire_all`.
    ExpireAll(ExpireAllRequest),
    /// `expire`.
    Expire(ExpireRequest),
    /// `get_expiries`.
    GetExpiries(GetExpiriesRequest),
    /// `revoke_subaccount` / `unrevoke_subaccount`.
    Revoke(RevokeRequest),
    /// `batch` (`sequence = false`) or `sequence`: 1…20 sub-calls, none of them a batch.
    Batch {
        /// Stop after the first non-2xx.
        sequence: bool,
        /// The sub-calls, parsed when run.
        calls: Vec<RpcCall>,
    },
}

impl ClientRequest {
    /// Parses a call's parameters.
    ///
    /// # Errors
    /// 400 `no method <m>` for an unknown method; 400 `invalid request: …` for bad parameters;
    /// 413 `Message too large` for a store above 76 800 bytes.
    pub fn parse(call: &RpcCall) -> Result<Self, RpcError> {
        let p = &call.params;
        Ok(match call.method.as_str() {
            "info" => Self::Info,
            "get_swarm" | "get_snodes_for_pubkey" => Self::GetSwarm(parse_pubkey(p)?),
            "oxend_request" => {
                let endpoint = p
                    .get("endpoint")
                    .and_then(Value::as_str)
                    .ok_or_else(|| missing("endpoint"))?;
                if endpoint != "get_service_nodes" && endpoint != "ons_resolve" {
                    return Err(RpcError::new(
                        400,
                        format!("Invalid oxend endpoint '{endpoint}'"),
                    ));
                }
                let params = match p.get("params") {
                    None | Some(Value::Null) => Map::new(),
                    Some(Value::Object(m)) => m.clone(),
                    Some(_) => return Err(bad_value("params", "expected an object")),
                };
                Self::OxendRequest {
                    endpoint: endpoint.to_owned(),
                    params,
                }
            }
            "store" => Self::Store(StoreRequest::parse(p)?),
            "retrieve" => Self::Retrieve(RetrieveRequest::parse(p)?),
            "delete" => Self::Delete(DeleteRequest {
                auth: AccountAuth::parse(p)?,
                messages: parse_hash_list(p, "messages", true)?,
                required: opt_bool(p, "required")?,
            }),
            "delete_all" => Self::DeleteAll(DeleteAllRequest {
                auth: AccountAuth::parse(p)?,
                namespace: parse_selector(p)?,
                timestamp: req_ms(p, "timestamp")?,
                before: false,
            }),
            "delete_before" => Self::DeleteAll(DeleteAllRequest {
                auth: AccountAuth::parse(p)?,
                namespace: parse_selector(p)?,
                timestamp: req_ms(p, "before")?,
                before: true,
            }),
            "expire_all" => Self::ExpireAll(ExpireAllRequest {
                auth: AccountAuth::parse(p)?,
                namespace: parse_selector(p)?,
                expiry: req_ms(p, "expiry")?,
            }),
            "expire" => {
                let auth = AccountAuth::parse(p)?;
                let messages = parse_hash_list(p, "messages", true)?;
                let expiries = match p.get("expiry") {
                    None | Some(Value::Null) => return Err(missing("expiry")),
                    Some(Value::Array(a)) => {
                        if a.len() != messages.len() {
                            return Err(bad_value("expiry", "one expiry per message expected"));
                        }
                        a.iter()
                            .map(|v| parse_ms("expiry", v, false))
                            .collect::<Result<_, _>>()?
                    }
                    Some(v) => vec![parse_ms("expiry", v, false)?],
                };
                let (shorten, extend) = (opt_bool(p, "shorten")?, opt_bool(p, "extend")?);
                let mode = match (shorten, extend) {
                    (true, true) => {
                        return Err(RpcError::invalid(
                            "cannot specify both 'shorten' and 'extend'",
                        ));
                    }
                    (true, false) => ExpireMode::Shorten,
                    (false, true) => ExpireMode::Extend,
                    (false, false) => ExpireMode::Set,
                };
                Self::Expire(ExpireRequest {
                    auth,
                    messages,
                    expiries,
                    mode,
                })
            }
            "get_expiries" => Self::GetExpiries(GetExpiriesRequest {
                auth: AccountAuth::parse(p)?,
                messages: parse_hash_list(p, "messages", false)?,
                timestamp: req_ms(p, "timestamp")?,
            }),
            "revoke_subaccount" => Self::Revoke(RevokeRequest::parse(p, false)?),
            "unrevoke_subaccount" => Self::Revoke(RevokeRequest::parse(p, true)?),
            "batch" | "sequence" => {
                let list = p
                    .get("requests")
                    .and_then(Value::as_array)
                    .ok_or_else(|| missing("requests"))?;
                if list.is_empty() || list.len() > MAX_BATCH {
                    return Err(bad_value("requests", "must contain 1 to 20 requests"));
                }
                let calls = list
                    .iter()
                    .map(parse_call_value)
                    .collect::<Result<Vec<_>, _>>()?;
                if calls
                    .iter()
                    .any(|c| matches!(c.method.as_str(), "batch" | "sequence" | "ifelse"))
                {
                    return Err(RpcError::invalid("nested batch requests are not allowed"));
                }
                Self::Batch {
                    sequence: call.method == "sequence",
                    calls,
                }
            }
            other => return Err(RpcError::new(400, format!("no method {other}"))),
        })
    }

    /// The method.
    #[must_use]
    pub fn method(&self) -> Method {
        match self {
            Self::Info => Method::Info,
            Self::GetSwarm(_) => Method::GetSwarm,
            Self::OxendRequest { .. } => Method::OxendRequest,
            Self::Store(_) => Method::Store,
            Self::Retrieve(_) => Method::Retrieve,
            Self::Delete(_) => Method::Delete,
            Self::DeleteAll(d) if d.before => Method::DeleteBefore,
            Self::DeleteAll(_) => Method::DeleteAll,
            Self::ExpireAll(_) => Method::ExpireAll,
            Self::Expire(_) => Method::Expire,
            Self::GetExpiries(_) => Method::GetExpiries,
            Self::Revoke(r) if r.unrevoke => Method::UnrevokeSubaccount,
            Self::Revoke(_) => Method::RevokeSubaccount,
            Self::Batch { sequence: true, .. } => Method::Sequence,
            Self::Batch { .. } => Method::Batch,
        }
    }

    /// The account an account-bound request is for (the wrong-swarm check applies to it);
    /// `None` for `info`, `get_swarm`, `oxend_request` and batches.
    #[must_use]
    pub fn account(&self) -> Option<&SwarmPubkey> {
        match self {
            Self::Store(r) => Some(r.auth.account()),
            Self::Retrieve(r) => Some(r.auth.account()),
            Self::Delete(r) => Some(r.auth.account()),
            Self::DeleteAll(r) => Some(r.auth.account()),
            Self::ExpireAll(r) => Some(r.auth.account()),
            Self::Expire(r) => Some(r.auth.account()),
            Self::GetExpiries(r) => Some(r.auth.account()),
            Self::Revoke(r) => Some(r.auth.account()),
            Self::Info | Self::GetSwarm(_) | Self::OxendRequest { .. } | Self::Batch { .. } => None,
        }
    }

    /// The checks after the wrong-swarm check, in the reference's order: TTL, clock windows,
    /// signatures. `forwarded` widens the signature window to ±70 s (a copy from a swarm peer).
    /// For a request signed with a subaccount, use [`ClientRequest::check_revocable`] with
    /// what the node's storage says of [`ClientRequest::subaccount_token`].
    ///
    /// # Errors
    /// The reference's codes and texts: 401, 403, 406 (spec §5.7).
    pub fn check(&self, now_ms: u64, forwarded: bool) -> Result<(), RpcError> {
        self.check_revocable(now_ms, forwarded, false)
    }

    /// The subaccount token an account-bound request is signed with (`None` without one, and
    /// for `(un)revoke_subaccount`, which only the account key may sign).
    #[must_use]
    pub fn subaccount_token(&self) -> Option<&SubaccountToken> {
        let auth = match self {
            Self::Store(r) => &r.auth,
            Self::Retrieve(r) => &r.auth,
            Self::Delete(r) => &r.auth,
            Self::DeleteAll(r) => &r.auth,
            Self::ExpireAll(r) => &r.auth,
            Self::Expire(r) => &r.auth,
            Self::GetExpiries(r) => &r.auth,
            Self::Revoke(_)
            | Self::Info
            | Self::GetSwarm(_)
            | Self::OxendRequest { .. }
            | Self::Batch { .. } => return None,
        };
        auth.subaccount_token()
    }

    /// [`ClientRequest::check`], where `revoked` says whether the request's
    /// [`ClientRequest::subaccount_token`] is revoked for its account: a revoked subaccount is
    /// refused like a bad signature (401), except for a `retrieve` from an unrevocable
    /// namespace (spec §5.2, §5.3).
    ///
    /// # Errors
    /// As [`ClientRequest::check`].
    pub fn check_revocable(
        &self,
        now_ms: u64,
        forwarded: bool,
        revoked: bool,
    ) -> Result<(), RpcError> {
        let tol = if forwarded {
            FORWARDED_SIGNATURE_TOLERANCE_MS
        } else {
            SIGNATURE_TOLERANCE_MS
        };
        // The clock refusal (when the method has one: refused?, status, text), then the
        // signed message, the subaccount permission it needs and the method's 401 text.
        let (auth, clock, message, needs, failure) = match self {
            Self::Info | Self::GetSwarm(_) | Self::OxendRequest { .. } | Self::Batch { .. } => {
                return Ok(());
            }
            Self::Store(r) => return r.check(now_ms, tol, revoked),
            Self::Retrieve(r) => return r.check(now_ms, tol, revoked),
            Self::Revoke(r) => return r.check(now_ms),
            Self::Delete(r) => (
                &r.auth,
                None,
                request_message::delete(&r.messages),
                SUBACCOUNT_DELETE,
                "delete_msgs signature verification failed",
            ),
            Self::DeleteAll(r) if r.before => (
                &r.auth,
                Some((
                    r.timestamp > now_ms.saturating_add(tol),
                    401,
                    "delete_before timestamp too far in the future",
                )),
                request_message::delete_before(r.namespace, r.timestamp),
                SUBACCOUNT_DELETE,
                "delete_before signature verification failed",
            ),
            Self::DeleteAll(r) => (
                &r.auth,
                Some((
                    r.timestamp.abs_diff(now_ms) > tol,
                    406,
                    "delete_all timestamp too far from current time",
                )),
                request_message::delete_all(r.namespace, r.timestamp),
                SUBACCOUNT_DELETE,
                "delete_all signature verification failed",
            ),
            Self::ExpireAll(r) => (
                &r.auth,
                Some((
                    r.expiry < now_ms.saturating_sub(tol),
                    406,
                    "expire_all timestamp should be >= current time",
                )),
                request_message::expire_all(r.namespace, r.expiry),
                SUBACCOUNT_DELETE,
                "expire_all signature verification failed",
            ),
            Self::Expire(r) => (
                &r.auth,
                Some((
                    r.expiries.iter().any(|&e| e < now_ms.saturating_sub(tol)),
                    401,
                    "expire: timestamp should be >= current time",
                )),
                request_message::expire(r.mode, &r.expiries, &r.messages),
                SUBACCOUNT_WRITE,
                "expire: signature verification failed",
            ),
            Self::GetExpiries(r) => (
                &r.auth,
                Some((
                    r.timestamp.abs_diff(now_ms) > tol,
                    406,
                    "get_expiries timestamp too far from current time",
                )),
                request_message::get_expiries(r.timestamp, &r.messages),
                SUBACCOUNT_READ,
                "get_expiries signature verification failed",
            ),
        };
        if let Some((true, status, text)) = clock {
            return Err(RpcError::new(status, text));
        }
        auth.verify_unless_revoked(&message, needs, failure, revoked)
    }
}

// ---------------------------------------------------------------------------------------------
// Answers

fn hf() -> Value {
    json!(HARDFORK)
}

/// `info`: `{"hf","t","timestamp","version"}`.
#[must_use]
pub fn info_answer(now_ms: u64) -> Value {
    json!({"hf": hf(), "t": now_ms, "timestamp": now_ms, "version": STORAGE_VERSION})
}

/// `GET /get_stats/v1`: `{"version": "2.8.0", ...}` plus the given counters.
#[must_use]
pub fn stats_answer(extra: Map<String, Value>) -> Value {
    let mut m = extra;
    m.insert(
        "version".into(),
        format!(
            "{}.{}.{}",
            STORAGE_VERSION[0], STORAGE_VERSION[1], STORAGE_VERSION[2]
        )
        .into(),
    );
    Value::Object(m)
}

/// z-base-32 of 32 bytes (the deprecated `address` of node entries, `<base32z>.snode`).
fn base32z(bytes: &[u8; 32]) -> String {
    const ALPHABET: &[u8; 32] = b"ybndrfg8ejkmcpqxot1uwisza345h769";
    let mut out = String::with_capacity(52);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in bytes {
        acc = (acc << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((acc >> bits) & 31) as usize]));
        }
        acc &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((acc << (5 - bits)) & 31) as usize]));
    }
    out
}

/// One `snodes` entry of `get_swarm` / 421 (spec §2.5b; this project's nodes have no OMQ/QUIC
/// port, so those are 0).
#[must_use]
pub fn swarm_entry(node: &ServiceNode) -> Value {
    let ed = node.ed25519_pk().to_string();
    json!({
        "address": format!("{}.snode", base32z(node.ed25519_pk().as_bytes())),
        "ip": node.ip().to_string(),
        "port": node.https_port().to_string(),
        "port_https": node.https_port(),
        "port_omq": node.quic_port(),
        "port_quic": node.quic_port(),
        "pubkey_ed25519": ed,
        "pubkey_legacy": ed,
        "pubkey_x25519": node.x25519_pk().to_string(),
    })
}

/// The `get_swarm` answer, also the 421 body: `{"hf","snodes","swarm","t"}`.
#[must_use]
pub fn swarm_answer(swarm: SwarmId, members: &[ServiceNode], now_ms: u64) -> Value {
    json!({
        "hf": hf(),
        "snodes": members.iter().map(swarm_entry).collect::<Vec<_>>(),
        "swarm": swarm.to_hex(),
        "t": now_ms,
    })
}

/// The 421 answer naming the correct swarm.
#[must_use]
pub fn wrong_swarm(swarm: SwarmId, members: &[ServiceNode], now_ms: u64) -> RpcError {
    RpcError {
        status: 421,
        body: AnswerBody::Json(swarm_answer(swarm, members, now_ms)),
    }
}

/// A message as a node holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// Hash (43 characters).
    pub hash: String,
    /// Namespace.
    pub namespace: Namespace,
    /// Message timestamp, ms.
    pub timestamp: u64,
    /// Expiry, ms.
    pub expiry: u64,
    /// Data.
    pub data: Vec<u8>,
}

/// The size accounting of `retrieve` (spec §5.7): each message costs `100 + len(hash) +
/// len(data)·4/3`; stop before exceeding the size limit (always at least one message) or at the
/// count limit.
#[derive(Debug, Clone)]
pub struct RetrieveBudget {
    limits: RetrieveLimits,
    count: u64,
    size: u64,
}

impl RetrieveBudget {
    /// A budget for these limits.
    #[must_use]
    pub const fn new(limits: RetrieveLimits) -> Self {
        Self {
            limits,
            count: 0,
            size: 0,
        }
    }
    /// Whether the next message (of these sizes) fits; counts it if so.
    pub fn admit(&mut self, hash_len: usize, data_len: usize) -> bool {
        if self.limits.max_count.is_some_and(|c| self.count >= c) {
            return false;
        }
        let cost = 100u64
            .saturating_add(hash_len as u64)
            .saturating_add((data_len as u64).saturating_mul(4) / 3);
        let next = self.size.saturating_add(cost);
        if self.count > 0 && next > self.limits.max_size {
            return false;
        }
        self.count += 1;
        self.size = next;
        true
    }
}

/// The `retrieve` answer: `{"hf","messages":[{"data","expiration","hash","timestamp"}],"more","t"}`.
#[must_use]
pub fn retrieve_answer(messages: &[StoredMessage], more: bool, now_ms: u64) -> Value {
    let list: Vec<Value> = messages
        .iter()
        .map(|m| {
            json!({
                "data": STANDARD.encode(&m.data),
                "expiration": m.expiry,
                "hash": m.hash,
                "timestamp": m.timestamp,
            })
        })
        .collect();
    json!({"hf": hf(), "messages": list, "more": more, "t": now_ms})
}

fn sig_b64(node: &Ed25519KeyPair, message: &[u8]) -> Value {
    STANDARD.encode(node.sign(message).as_ref()).into()
}

/// One member's `store` result: `{"expiry","hash","signature"[,"already":true]}`.
#[must_use]
pub fn store_result(node: &Ed25519KeyPair, hash: &str, expiry: u64, already: bool) -> Value {
    let mut m = Map::new();
    m.insert("expiry".into(), expiry.into());
    m.insert("hash".into(), hash.into());
    m.insert(
        "signature".into(),
        sig_b64(node, &response_message::store(hash)),
    );
    if already {
        m.insert("already".into(), true.into());
    }
    Value::Object(m)
}

/// Hashes per namespace, or one list (a result of a one-namespace request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HashResult {
    /// One namespace: a list.
    List(Vec<String>),
    /// `"all"`: namespace → hashes.
    ByNamespace(Vec<(Namespace, Vec<String>)>),
}

impl HashResult {
    /// The affected (namespace, hash) pairs of a request for `sel`: a list for one namespace,
    /// grouped by namespace for `"all"`.
    #[must_use]
    pub fn from_rows(sel: NamespaceSelector, rows: Vec<(Namespace, String)>) -> Self {
        match sel {
            NamespaceSelector::One(_) => Self::List(rows.into_iter().map(|(_, h)| h).collect()),
            _ => {
                let mut by: std::collections::BTreeMap<Namespace, Vec<String>> =
                    std::collections::BTreeMap::new();
                for (ns, h) in rows {
                    by.entry(ns).or_default().push(h);
                }
                Self::ByNamespace(by.into_iter().collect())
            }
        }
    }

    fn sorted_all(&self) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Self::List(l) => l.clone(),
            Self::ByNamespace(m) => m.iter().flat_map(|(_, l)| l.iter().cloned()).collect(),
        };
        v.sort_unstable();
        v
    }
    fn to_json(&self) -> Value {
        let sorted = |l: &[String]| {
            let mut l = l.to_vec();
            l.sort_unstable();
            Value::from(l)
        };
        match self {
            Self::List(l) => sorted(l),
            Self::ByNamespace(m) => Value::Object(
                m.iter()
                    .map(|(ns, l)| (ns.get().to_string(), sorted(l)))
                    .collect(),
            ),
        }
    }
}

/// One member's `delete` result: `{"deleted": [sorted], "signature"}`.
#[must_use]
pub fn delete_result(node: &Ed25519KeyPair, req: &DeleteRequest, deleted: &[String]) -> Value {
    let msg = response_message::delete(req.auth.account(), &req.messages, deleted);
    let mut d = deleted.to_vec();
    d.sort_unstable();
    json!({"deleted": d, "signature": sig_b64(node, &msg)})
}

/// One member's `delete_all` / `delete_before` result: `{"deleted", "signature"}`.
#[must_use]
pub fn delete_all_result(
    node: &Ed25519KeyPair,
    req: &DeleteAllRequest,
    deleted: &HashResult,
) -> Value {
    let msg =
        response_message::delete_all(req.auth.account(), req.timestamp, &deleted.sorted_all());
    json!({"deleted": deleted.to_json(), "signature": sig_b64(node, &msg)})
}

/// One member's `expire_all` result: `{"updated", "signature"}`.
#[must_use]
pub fn expire_all_result(
    node: &Ed25519KeyPair,
    req: &ExpireAllRequest,
    updated: &HashResult,
) -> Value {
    let msg = response_message::expire_all(req.auth.account(), req.expiry, &updated.sorted_all());
    json!({"updated": updated.to_json(), "signature": sig_b64(node, &msg)})
}

/// One member's `expire` result: `{"expiry", "updated", ["unchanged"], "signature"}`.
/// `applied` is the one applied expiry (single mode) or the applied expiry of each updated hash.
#[must_use]
pub fn expire_result(
    node: &Ed25519KeyPair,
    req: &ExpireRequest,
    applied: &[u64],
    updated: &[String],
    unchanged: &[(String, u64)],
) -> Value {
    let msg = response_message::expire(
        req.auth.account(),
        applied,
        &req.messages,
        updated,
        unchanged,
    );
    let mut u = updated.to_vec();
    u.sort_unstable();
    let mut m = Map::new();
    let expiry = match applied {
        [one] if req.expiries.len() == 1 => Value::from(*one),
        many => Value::from(many.to_vec()),
    };
    m.insert("expiry".into(), expiry);
    m.insert("updated".into(), u.into());
    if req.mode != ExpireMode::Set {
        m.insert(
            "unchanged".into(),
            Value::Object(
                unchanged
                    .iter()
                    .map(|(h, e)| (h.clone(), Value::from(*e)))
                    .collect(),
            ),
        );
    }
    m.insert("signature".into(), sig_b64(node, &msg));
    Value::Object(m)
}

/// One member's `revoke_subaccount` result `{"signature"}`, or `unrevoke_subaccount` result
/// `{"count": removed, "signature"}` (`removed` is ignored for a revoke, as the reference sets
/// no count there).
#[must_use]
pub fn revoke_result(node: &Ed25519KeyPair, req: &RevokeRequest, removed: u64) -> Value {
    let msg = response_message::revoke_subaccount(req.auth.account(), req.timestamp, &req.tokens);
    if req.unrevoke {
        json!({"count": removed, "signature": sig_b64(node, &msg)})
    } else {
        json!({"signature": sig_b64(node, &msg)})
    }
}

/// What a swarm member did with a forwarded recursive request.
#[derive(Debug, Clone, PartialEq)]
pub enum MemberEntry {
    /// Its signed result.
    Ok(Value),
    /// Down, unreachable or silent: `{"failed": true, "timeout": true}`.
    Timeout,
    /// It refused: `{"failed": true, "code", "reason"}`.
    Refused {
        /// Its status.
        code: u16,
        /// Its text.
        reason: String,
    },
    /// Its answer was not the expected JSON: `{"failed": true, "bad_peer_response": true}`.
    BadPeerResponse,
}

/// The answer of a recursive method: `{"hf","swarm":{<ed25519 hex>: entry},"t"}`; 200 if at least
/// one member succeeded, else 500 (spec §5.7).
#[must_use]
pub fn recursive_answer(
    entries: Vec<(Ed25519PublicKey, MemberEntry)>,
    now_ms: u64,
) -> (u16, Value) {
    let mut ok = false;
    let swarm: Map<String, Value> = entries
        .into_iter()
        .map(|(k, e)| {
            let v = match e {
                MemberEntry::Ok(v) => {
                    ok = true;
                    v
                }
                MemberEntry::Timeout => json!({"failed": true, "timeout": true}),
                MemberEntry::Refused { code, reason } => {
                    json!({"code": code, "failed": true, "reason": reason})
                }
                MemberEntry::BadPeerResponse => json!({"bad_peer_response": true, "failed": true}),
            };
            (k.to_string(), v)
        })
        .collect();
    (
        if ok { 200 } else { 500 },
        json!({"hf": hf(), "swarm": swarm, "t": now_ms}),
    )
}

/// The `{"results": [{"code","body"}...]}` of `batch` / `sequence`.
#[must_use]
pub fn batch_answer(results: Vec<(u16, AnswerBody)>) -> Value {
    let list: Vec<Value> = results
        .into_iter()
        .map(|(code, body)| {
            let body = match body {
                AnswerBody::Json(v) => v,
                AnswerBody::Text(t) => Value::String(t),
            };
            json!({"body": body, "code": code})
        })
        .collect();
    json!({"results": list})
}

// ---------------------------------------------------------------------------------------------
// Node lists: oxend get_service_nodes and the seed's json_rpc

/// The fields a node entry of `get_service_nodes` carries when none are requested.
pub const NODE_FIELDS: [&str; 14] = [
    "address",
    "funded",
    "port_omq",
    "port_quic",
    "pubkey_ed25519",
    "pubkey_legacy",
    "pubkey_x25519",
    "public_ip",
    "requested_unlock_height",
    "service_node_pubkey",
    "storage_lmq_port",
    "storage_port",
    "storage_server_version",
    "swarm_id",
];

/// Fields every entry carries whatever is requested (`local-network.md` §2).
const ALWAYS: [&str; 5] = [
    "public_ip",
    "storage_port",
    "pubkey_ed25519",
    "pubkey_x25519",
    "requested_unlock_height",
];

fn node_field(node: &ServiceNode, field: &str) -> Option<Value> {
    let ed = node.ed25519_pk().to_string();
    Some(match field {
        "address" => format!("{}.snode", base32z(node.ed25519_pk().as_bytes())).into(),
        "funded" | "active" => true.into(),
        "port_omq" | "port_quic" | "storage_lmq_port" => node.quic_port().into(),
        "pubkey_ed25519" | "pubkey_legacy" | "service_node_pubkey" => ed.into(),
        "pubkey_x25519" => node.x25519_pk().to_string().into(),
        "public_ip" => node.ip().to_string().into(),
        "requested_unlock_height" => 0.into(),
        "storage_port" => node.https_port().into(),
        "storage_server_version" => json!(node.version().unwrap_or(STORAGE_VERSION)),
        "swarm_id" => node.swarm_id().get().into(),
        _ => return None,
    })
}

/// The requested field names of oxend `get_service_nodes` params: `fields` as an object of
/// `name: true` or an array of names; `None` = all.
fn requested_fields(params: &Map<String, Value>) -> Option<Vec<String>> {
    match params.get("fields")? {
        Value::Object(m) => Some(
            m.iter()
                .filter(|(_, v)| v.as_bool() != Some(false))
                .map(|(k, _)| k.clone())
                .collect(),
        ),
        Value::Array(a) => Some(
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
        ),
        _ => None,
    }
}

/// The oxend `get_service_nodes` result for a node list: `{"height", "service_node_states":
/// [...], "status": "OK", "hardfork", "snode_revision"}`, each entry with the requested fields
/// (at least `public_ip`, `storage_port`, `pubkey_ed25519`, `pubkey_x25519`,
/// `requested_unlock_height`), all known fields when none are requested.
#[must_use]
pub fn service_nodes_result(
    nodes: &[ServiceNode],
    params: &Map<String, Value>,
    height: u64,
) -> Value {
    let fields = requested_fields(params);
    let states: Vec<Value> = nodes
        .iter()
        .filter(|n| !n.swarm_id().is_invalid())
        .map(|n| {
            let mut m = Map::new();
            let names: Vec<&str> = match &fields {
                None => NODE_FIELDS.to_vec(),
                Some(f) => f
                    .iter()
                    .map(String::as_str)
                    .chain(ALWAYS.iter().copied())
                    .collect(),
            };
            for name in names {
                if let Some(v) = node_field(n, name) {
                    m.insert(name.to_owned(), v);
                }
            }
            Value::Object(m)
        })
        .collect();
    json!({
        "hardfork": HARDFORK[0],
        "height": height.max(1),
        "service_node_states": states,
        "snode_revision": HARDFORK[1],
        "status": "OK",
    })
}

/// The `oxend_request` answer: `{"result": <oxend result>, "t", "hf"}`.
#[must_use]
pub fn oxend_answer(result: Value, now_ms: u64) -> Value {
    json!({"hf": hf(), "result": result, "t": now_ms})
}

/// The answer to a seed's `POST /json_rpc` body (`local-network.md` §2): `get_n_service_nodes`
/// and `get_service_nodes` give `{"jsonrpc":"2.0","id",..."result"}`; any other method (or a body
/// that is not a JSON object) gives the JSON-RPC error -32601 `Method not found` (-32700
/// `Parse error` for invalid JSON). Always HTTP 200 with `Content-Type: application/json`.
#[must_use]
pub fn json_rpc_answer(body: &[u8], nodes: &[ServiceNode], height: u64) -> Value {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return json!({"jsonrpc": "2.0", "id": null, "error": {"code": -32700, "message": "Parse error"}});
    };
    let id = v.get("id").cloned().unwrap_or(Value::Null);
    match v.get("method").and_then(Value::as_str) {
        Some("get_n_service_nodes" | "get_service_nodes") => {
            let params = v
                .get("params")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            json!({"jsonrpc": "2.0", "id": id, "result": service_nodes_result(nodes, &params, height)})
        }
        _ => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}})
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Node-to-node request signatures (`local-network.md` §3)

/// Header naming the sending node (Ed25519 hex).
pub const PEER_PUBKEY_HEADER: &str = "X-SN-Pubkey";
/// Header with the request time (unix ms).
pub const PEER_TIMESTAMP_HEADER: &str = "X-SN-Timestamp";
/// Header with the base64 Ed25519 signature.
pub const PEER_SIGNATURE_HEADER: &str = "X-SN-Signature";

/// The message a node signs for a node-to-node request:
/// `METHOD ‖ PATH ‖ timestamp ‖ recipient Ed25519 hex ‖ SHA-256(body)`.
#[must_use]
pub fn peer_request_message(
    method: &str,
    path: &str,
    timestamp_ms: u64,
    recipient: &Ed25519PublicKey,
    body: &[u8],
) -> Vec<u8> {
    let mut m = Vec::with_capacity(method.len() + path.len() + 20 + 64 + 32);
    m.extend_from_slice(method.as_bytes());
    m.extend_from_slice(path.as_bytes());
    m.extend_from_slice(timestamp_ms.to_string().as_bytes());
    m.extend_from_slice(recipient.to_string().as_bytes());
    m.extend_from_slice(&Sha256::digest(body));
    m
}

/// The three header values `(X-SN-Pubkey, X-SN-Timestamp, X-SN-Signature)` of a signed
/// node-to-node request.
#[must_use]
pub fn sign_peer_request(
    sender: &Ed25519KeyPair,
    method: &str,
    path: &str,
    timestamp_ms: u64,
    recipient: &Ed25519PublicKey,
    body: &[u8],
) -> [String; 3] {
    let sig = sender.sign(&peer_request_message(
        method,
        path,
        timestamp_ms,
        recipient,
        body,
    ));
    [
        sender.public_key().to_string(),
        timestamp_ms.to_string(),
        STANDARD.encode(sig.as_ref()),
    ]
}

/// Checks a node-to-node request's headers: the sender must be in `known` (the node list), the
/// timestamp within ±60 s of `now_ms` and the signature valid for `recipient` (this node).
/// Returns the sender.
///
/// # Errors
/// 401 `Unauthorized node request: <why>`.
#[allow(clippy::too_many_arguments)]
pub fn verify_peer_request(
    headers: [Option<&str>; 3],
    method: &str,
    path: &str,
    recipient: &Ed25519PublicKey,
    body: &[u8],
    now_ms: u64,
    known: impl Fn(&Ed25519PublicKey) -> bool,
) -> Result<Ed25519PublicKey, RpcError> {
    let fail = |why: &str| RpcError::new(401, format!("Unauthorized node request: {why}"));
    let [pk, ts, sig] = headers;
    let pk: Ed25519PublicKey = pk
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail("missing or bad X-SN-Pubkey"))?;
    if !known(&pk) {
        return Err(fail("unknown sender"));
    }
    let ts: u64 = ts
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| fail("missing or bad X-SN-Timestamp"))?;
    if ts.abs_diff(now_ms) > SIGNATURE_TOLERANCE_MS {
        return Err(fail("timestamp too far from current time"));
    }
    let sig = sig
        .and_then(|s| STANDARD.decode(s).ok())
        .and_then(|b| Signature::try_from(b.as_slice()).ok())
        .ok_or_else(|| fail("missing or bad X-SN-Signature"))?;
    pk.verify(
        &peer_request_message(method, path, ts, recipient, body),
        &sig,
    )
    .map_err(|_| fail("bad signature"))?;
    Ok(pk)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Auth;
    use crate::response::{MemberOutcome, SwarmResponse};
    use crate::rpc::{self, Retrieve, Store};
    use std::net::Ipv4Addr;

    const NOW: u64 = 1_700_000_000_000;

    fn kp(b: u8) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed(&[b; 32])
    }

    fn call_of(req: &rpc::Request) -> RpcCall {
        parse_call(req.to_json_string().as_bytes()).unwrap()
    }

    fn node(b: u8, swarm: u64) -> ServiceNode {
        let k = kp(b);
        ServiceNode::new(
            k.public_key(),
            Ipv4Addr::new(127, 0, 0, b),
            22021,
            0,
            SwarmId::new(swarm),
        )
        .unwrap()
    }

    fn store(ns: i16, data: &[u8], ts: u64, ttl: u64) -> Store {
        Store {
            namespace: Namespace::new(ns),
            data: data.to_vec(),
            timestamp_ms: ts,
            ttl_ms: ttl,
        }
    }

    fn retrieve(ns: i16) -> Retrieve {
        Retrieve {
            namespace: Namespace::new(ns),
            ..Default::default()
        }
    }

    #[test]
    fn envelope_errors() {
        assert_eq!(parse_call(b"[").unwrap_err().message(), "invalid json");
        assert_eq!(
            parse_call(br#"{"params":{}}"#).unwrap_err().message(),
            "invalid json: no method"
        );
        assert_eq!(
            parse_call(br#"{"method":"info"}"#).unwrap_err().message(),
            "invalid json: no params"
        );
        let c = parse_call(br#"{"method":"bogus","params":{}}"#).unwrap();
        assert_eq!(
            ClientRequest::parse(&c).unwrap_err().message(),
            "no method bogus"
        );
    }

    #[test]
    fn store_signed_and_checked() {
        let user = kp(1);
        let auth = Auth::session_id(&user);
        let req = store(2, b"hello", NOW, 60_000).sign(&auth).unwrap();
        let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
        assert_eq!(parsed.account(), Some(auth.account_id()));
        parsed.check(NOW, false).unwrap();
        // Clock windows.
        assert_eq!(parsed.check(NOW + 61_000, false).unwrap_err().status(), 406);
        assert!(parsed.check(NOW + 61_000, true).is_ok());
        // A wrong signature.
        let mut bad = call_of(&req);
        let other = store(2, b"hello", NOW + 1, 60_000).sign(&auth).unwrap();
        bad.params
            .insert("signature".into(), other.params()["signature"].clone());
        let e = ClientRequest::parse(&bad)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(
            (e.status(), e.message()),
            (401, "store signature verification failed")
        );
        // Unsigned to a private namespace.
        let mut unsigned = call_of(&req);
        unsigned.params.remove("signature");
        let e = ClientRequest::parse(&unsigned)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(e.status(), 401);
        // TTL out of range → 403.
        let short = store(0, b"x", NOW, 60_000)
            .unsigned(auth.account_id())
            .unwrap();
        let mut long = call_of(&short);
        long.params
            .insert("ttl".into(), (15 * 86_400_000u64).into());
        let e = ClientRequest::parse(&long)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(e.status(), 403);
    }

    #[test]
    fn store_too_large_and_bad_params() {
        let mut c = RpcCall {
            method: "store".into(),
            params: Map::new(),
        };
        c.params
            .insert("pubkey".into(), format!("05{}", "ab".repeat(32)).into());
        c.params.insert("timestamp".into(), NOW.into());
        c.params.insert("ttl".into(), 60_000.into());
        c.params.insert(
            "data".into(),
            STANDARD.encode(vec![0u8; MAX_STORE_DATA + 1]).into(),
        );
        assert_eq!(ClientRequest::parse(&c).unwrap_err().status(), 413);
        c.params.insert("data".into(), "aGk=".into());
        c.params.insert("timestamp".into(), 1_700_000.into());
        let e = ClientRequest::parse(&c).unwrap_err();
        assert!(e.message().contains("milliseconds"), "{e}");
        c.params.insert("timestamp".into(), NOW.into());
        c.params.insert("pubkey".into(), "05ab".into());
        assert_eq!(
            ClientRequest::parse(&c).unwrap_err().message(),
            "invalid request: Pubkey must be 66 hex digits (33 bytes) long"
        );
    }

    #[test]
    fn retrieve_rules() {
        let user = kp(2);
        let auth = Auth::session_id(&user);
        let req = retrieve(0).sign(&auth, NOW).unwrap();
        let p = ClientRequest::parse(&call_of(&req)).unwrap();
        p.check(NOW, false).unwrap();
        let e = p.check(NOW + 120_000, false).unwrap_err();
        assert_eq!(e.status(), 406);
        let other = Auth::session_id(&kp(3));
        let mut forged = call_of(&req);
        let sig = retrieve(0).sign(&other, NOW).unwrap();
        forged
            .params
            .insert("signature".into(), sig.params()["signature"].clone());
        let e = ClientRequest::parse(&forged)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(
            (e.status(), e.message()),
            (401, "retrieve signature verification failed")
        );
        // Unsigned retrieve from a namespace that needs auth.
        let unsigned = parse_call(
            format!(
                r#"{{"method":"retrieve","params":{{"pubkey":"{}","namespace":3}}}}"#,
                auth.account_id()
            )
            .as_bytes(),
        )
        .unwrap();
        let e = ClientRequest::parse(&unsigned)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(e.message(), "retrieve: request signature required");
        // Namespace 0 too (HF 19); −10 and public outboxes are readable by anyone.
        for (ns, ok) in [("0", false), ("-10", true), ("-21", true), ("null", false)] {
            let c = parse_call(
                format!(
                    r#"{{"method":"retrieve","params":{{"pubkey":"{}","namespace":{ns}}}}}"#,
                    auth.account_id()
                )
                .as_bytes(),
            )
            .unwrap();
            assert_eq!(
                ClientRequest::parse(&c).unwrap().check(NOW, false).is_ok(),
                ok,
                "{ns}"
            );
        }
        // A signature without its timestamp is a 400.
        let mut no_ts = call_of(&req);
        no_ts.params.remove("timestamp");
        assert_eq!(ClientRequest::parse(&no_ts).unwrap_err().status(), 400);
    }

    #[test]
    fn clock_refusals_of_the_other_methods() {
        let auth = Auth::session_id(&kp(6));
        let h = message_hash(auth.account_id(), Namespace::DEFAULT, b"x");
        let hs = std::slice::from_ref(&h);
        let sel = NamespaceSelector::All;
        let cases: Vec<(rpc::Request, u16, &str)> = vec![
            (
                rpc::delete_before(&auth, sel, NOW + 120_000).unwrap(),
                401,
                "delete_before timestamp too far in the future",
            ),
            (
                rpc::expire_all(&auth, sel, NOW - 120_000).unwrap(),
                406,
                "expire_all timestamp should be >= current time",
            ),
            (
                rpc::expire(&auth, hs, &[NOW - 120_000], ExpireMode::Set).unwrap(),
                401,
                "expire: timestamp should be >= current time",
            ),
            (
                rpc::get_expiries(&auth, hs, NOW - 120_000).unwrap(),
                406,
                "get_expiries timestamp too far from current time",
            ),
        ];
        for (req, status, text) in cases {
            let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
            let e = parsed.check(NOW, false).unwrap_err();
            assert_eq!((e.status(), e.message()), (status, text));
        }
        // The same requests at the right time, signed by someone else: 401.
        let other = Auth::session_id(&kp(7));
        let good = rpc::expire_all(&auth, sel, NOW + 60_000).unwrap();
        ClientRequest::parse(&call_of(&good))
            .unwrap()
            .check(NOW, false)
            .unwrap();
        let mut forged = call_of(&good);
        let sig = rpc::expire_all(&other, sel, NOW + 60_000).unwrap();
        forged
            .params
            .insert("signature".into(), sig.params()["signature"].clone());
        let e = ClientRequest::parse(&forged)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(
            (e.status(), e.message()),
            (401, "expire_all signature verification failed")
        );
    }

    #[test]
    fn expire_plans() {
        let auth = Auth::session_id(&kp(8));
        let h = |d: &[u8]| message_hash(auth.account_id(), Namespace::DEFAULT, d);
        let (a, b, c) = (h(b"a"), h(b"b"), h(b"c"));
        let held: std::collections::HashMap<String, u64> =
            [(a.clone(), NOW + 1_000_000), (b.clone(), NOW + 3_000_000)].into();
        let plan_for = |mode, expiry: u64| {
            let req =
                rpc::expire(&auth, &[a.clone(), b.clone(), c.clone()], &[expiry], mode).unwrap();
            let ClientRequest::Expire(x) = ClientRequest::parse(&call_of(&req)).unwrap() else {
                panic!("not an expire")
            };
            x.plan(&held, NOW)
        };
        let p = plan_for(ExpireMode::Shorten, NOW + 2_000_000);
        assert_eq!(p.updated, vec![b.clone()]);
        assert_eq!(p.unchanged, vec![(a.clone(), NOW + 1_000_000)]);
        let p = plan_for(ExpireMode::Extend, NOW + 2_000_000);
        assert_eq!(p.updated, vec![a.clone()]);
        let p = plan_for(ExpireMode::Set, NOW + 40 * 86_400_000);
        assert_eq!(p.updated.len(), 2);
        assert_eq!(p.applied, vec![NOW + PRIVATE_MAX_TTL_MS]);
        assert_eq!(relayed_status(418), 500);
        assert_eq!(relayed_status(421), 421);
    }

    #[test]
    fn budget() {
        let mut b = RetrieveBudget::new(retrieve_limits(Some(2), None));
        assert!(b.admit(43, 10) && b.admit(43, 10) && !b.admit(43, 10));
        let mut b = RetrieveBudget::new(retrieve_limits(None, Some(200)));
        assert!(b.admit(43, 1000));
        assert!(!b.admit(43, 1));
    }

    #[test]
    fn recursive_answers_verify_with_the_client_parser() {
        let user = kp(4);
        let auth = Auth::session_id(&user);
        let req = store(0, b"hi", NOW, 60_000)
            .unsigned(auth.account_id())
            .unwrap();
        let ClientRequest::Store(s) = ClientRequest::parse(&call_of(&req)).unwrap() else {
            panic!("not a store");
        };
        let (a, b, c) = (kp(10), kp(11), kp(12));
        let (status, v) = recursive_answer(
            vec![
                (
                    a.public_key(),
                    MemberEntry::Ok(store_result(&a, &s.hash(), s.expiry, false)),
                ),
                (
                    b.public_key(),
                    MemberEntry::Ok(store_result(&b, &s.hash(), s.expiry, true)),
                ),
                (c.public_key(), MemberEntry::Timeout),
            ],
            NOW,
        );
        assert_eq!(status, 200);
        let parsed = SwarmResponse::parse(&req, v.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.successes().count(), 2);
        assert!(
            parsed
                .successes()
                .any(|(_, o)| matches!(o, MemberOutcome::Stored { already: true, .. }))
        );
        let (status, _) = recursive_answer(vec![(c.public_key(), MemberEntry::Timeout)], NOW);
        assert_eq!(status, 500);
    }

    #[test]
    fn delete_answer_verifies() {
        let user = kp(5);
        let auth = Auth::session_id(&user);
        let h = message_hash(auth.account_id(), Namespace::DEFAULT, b"x");
        let req = rpc::delete(&auth, std::slice::from_ref(&h), false).unwrap();
        let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
        parsed.check(NOW, false).unwrap();
        let ClientRequest::Delete(d) = parsed else {
            panic!()
        };
        let n = kp(20);
        let (_, v) = recursive_answer(
            vec![(n.public_key(), MemberEntry::Ok(delete_result(&n, &d, &[h])))],
            NOW,
        );
        let r = SwarmResponse::parse(&req, v.to_string().as_bytes()).unwrap();
        assert_eq!(r.successes().count(), 1);

        let req = rpc::delete_all(&auth, NamespaceSelector::All, NOW).unwrap();
        let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
        parsed.check(NOW, false).unwrap();
        assert_eq!(
            parsed.check(NOW + 100_000, false).unwrap_err().status(),
            406
        );
        let ClientRequest::DeleteAll(d) = parsed else {
            panic!()
        };
        let hr = HashResult::from_rows(
            NamespaceSelector::All,
            vec![
                (Namespace::new(2), "b".into()),
                (Namespace::new(2), "a".into()),
            ],
        );
        assert_eq!(
            hr,
            HashResult::ByNamespace(vec![(Namespace::new(2), vec!["b".into(), "a".into()])])
        );
        let (_, v) = recursive_answer(
            vec![(
                n.public_key(),
                MemberEntry::Ok(delete_all_result(&n, &d, &hr)),
            )],
            NOW,
        );
        let r = SwarmResponse::parse(&req, v.to_string().as_bytes()).unwrap();
        assert_eq!(r.successes().count(), 1);
    }

    /// A group (`03`) account, its admin key, and a read+write subaccount of it.
    fn group_with_subaccount() -> (Auth, Auth, SubaccountToken) {
        let admin = kp(30);
        let group = SwarmPubkey::from_parts(0x03, admin.public_key().as_bytes());
        let member = kp(31);
        let token = SubaccountToken::new(
            0x03,
            SUBACCOUNT_READ | SUBACCOUNT_WRITE,
            &member.public_key(),
        );
        let sig = token.sign(&admin);
        let owner = Auth::account(group, &admin).unwrap();
        let sub = Auth::subaccount(group, token, sig, &member).unwrap();
        (owner, sub, token)
    }

    #[test]
    fn subaccounts_are_checked_and_revocable() {
        let (_, sub, token) = group_with_subaccount();
        let req = store(11, b"to the group", NOW, 60_000).sign(&sub).unwrap();
        let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
        assert_eq!(parsed.subaccount_token(), Some(&token));
        parsed.check(NOW, false).unwrap();
        parsed.check_revocable(NOW, false, false).unwrap();
        // Revoked: refused like a bad signature, after the clock check.
        let e = parsed.check_revocable(NOW, false, true).unwrap_err();
        assert_eq!(
            (e.status(), e.message()),
            (401, "store signature verification failed")
        );
        let e = parsed
            .check_revocable(NOW + 61_000, false, true)
            .unwrap_err();
        assert_eq!(e.status(), 406);
        // Retrieve: refused in a revocable namespace, allowed in an unrevocable one (−11).
        let r = retrieve(11).sign(&sub, NOW).unwrap();
        let r = ClientRequest::parse(&call_of(&r)).unwrap();
        assert_eq!(
            r.check_revocable(NOW, false, true).unwrap_err().status(),
            401
        );
        let r = retrieve(-11).sign(&sub, NOW).unwrap();
        let r = ClientRequest::parse(&call_of(&r)).unwrap();
        r.check_revocable(NOW, false, true).unwrap();
        // A read-only token of the same key (validly signed by the admin) cannot store.
        let admin = kp(30);
        let read_only = SubaccountToken::new(0x03, SUBACCOUNT_READ, &kp(31).public_key());
        let mut c = call_of(&req);
        c.params
            .insert("subaccount".into(), read_only.to_base64().into());
        c.params.insert(
            "subaccount_sig".into(),
            STANDARD.encode(read_only.sign(&admin).as_ref()).into(),
        );
        let e = ClientRequest::parse(&c)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(e.status(), 401);
        // A token signed by someone else than the account.
        let mut forged = call_of(&req);
        forged.params.insert(
            "subaccount_sig".into(),
            STANDARD.encode(token.sign(&kp(32)).as_ref()).into(),
        );
        let e = ClientRequest::parse(&forged)
            .unwrap()
            .check(NOW, false)
            .unwrap_err();
        assert_eq!(e.status(), 401);
    }

    #[test]
    fn revoke_requests_parse_check_and_answer() {
        let (owner, sub, token) = group_with_subaccount();
        let other = SubaccountToken::new(0x03, SUBACCOUNT_READ, &kp(33).public_key());
        for unrevoke in [false, true] {
            let req = rpc::revoke_subaccount(&owner, &[token, other], unrevoke, NOW).unwrap();
            let parsed = ClientRequest::parse(&call_of(&req)).unwrap();
            assert_eq!(parsed.method(), req.method());
            assert_eq!(parsed.account(), Some(owner.account_id()));
            assert_eq!(parsed.subaccount_token(), None);
            parsed.check(NOW, false).unwrap();
            let name = req.method().as_str();
            let e = parsed.check(NOW + 61_000, true).unwrap_err();
            assert_eq!(
                (e.status(), e.message()),
                (
                    406,
                    format!("{name} timestamp too far from current time").as_str()
                )
            );
            let ClientRequest::Revoke(r) = parsed else {
                panic!("not a revoke");
            };
            assert_eq!(
                (r.tokens.as_slice(), r.unrevoke),
                (&[token, other][..], unrevoke)
            );
            // Each member's signed result verifies with the client's parser.
            let (a, b) = (kp(40), kp(41));
            let (status, v) = recursive_answer(
                vec![
                    (a.public_key(), MemberEntry::Ok(revoke_result(&a, &r, 2))),
                    (b.public_key(), MemberEntry::Ok(revoke_result(&b, &r, 0))),
                ],
                NOW,
            );
            assert_eq!(status, 200);
            let parsed = SwarmResponse::parse(&req, v.to_string().as_bytes()).unwrap();
            let counts: Vec<Option<u64>> = parsed
                .successes()
                .map(|(_, o)| match o {
                    MemberOutcome::Revoked { count } => *count,
                    other => panic!("{other:?}"),
                })
                .collect();
            assert_eq!(counts.len(), 2);
            if unrevoke {
                assert!(counts.contains(&Some(2)) && counts.contains(&Some(0)));
            } else {
                assert!(counts.iter().all(Option::is_none));
            }
            // Only the account key may sign: a subaccount's signature does not verify, even
            // with its token attached.
            let mut by_sub = call_of(&req);
            let msg = request_message::revoke_subaccount(unrevoke, NOW, &[token, other]);
            by_sub.params.insert(
                "signature".into(),
                STANDARD.encode(sub.sign(&msg).as_ref()).into(),
            );
            by_sub
                .params
                .insert("subaccount".into(), token.to_base64().into());
            let e = ClientRequest::parse(&by_sub)
                .unwrap()
                .check(NOW, false)
                .unwrap_err();
            assert_eq!(
                (e.status(), e.message()),
                (
                    401,
                    format!("{name} signature verification failed").as_str()
                )
            );
        }
    }

    #[test]
    fn revoke_request_shapes() {
        let (owner, _, token) = group_with_subaccount();
        let req = rpc::revoke_subaccount(&owner, &[token], false, NOW).unwrap();
        let good = call_of(&req);
        let with = |v: Value| {
            let mut c = good.clone();
            c.params.insert("revoke".into(), v);
            ClientRequest::parse(&c)
        };
        // One token as a string, in base64 or hex.
        assert!(with(token.to_base64().into()).is_ok());
        assert!(with(hex::encode(token.as_bytes()).into()).is_ok());
        for bad in [
            json!([]),
            json!(vec![token.to_base64(); 51]),
            json!("abc"),
            json!([1]),
            json!(7),
        ] {
            assert_eq!(with(bad.clone()).unwrap_err().status(), 400, "{bad}");
        }
        let mut c = good.clone();
        c.params.remove("revoke");
        assert_eq!(
            ClientRequest::parse(&c).unwrap_err().message(),
            "invalid request: Required field 'revoke' missing"
        );
        let mut c = good;
        c.params.remove("timestamp");
        assert_eq!(ClientRequest::parse(&c).unwrap_err().status(), 400);
    }

    #[test]
    fn wrong_swarm_body_parses() {
        let members = [node(2, 7), node(3, 7)];
        let e = wrong_swarm(SwarmId::new(7), &members, NOW);
        assert_eq!(e.status(), 421);
        let answer = crate::node::parse_swarm_answer(&e.body().to_bytes()).unwrap();
        assert_eq!(answer.swarm_id, SwarmId::new(7));
        assert_eq!(answer.nodes.len(), 2);
        let AnswerBody::Json(v) = e.body() else {
            panic!()
        };
        assert_eq!(v["snodes"][0]["port"], "22021");
        assert!(
            v["snodes"][0]["address"]
                .as_str()
                .unwrap()
                .ends_with(".snode")
        );
    }

    #[test]
    fn seed_answer_fields() {
        let nodes = [node(2, 7), node(3, 9)];
        let body = br#"{"jsonrpc":"2.0","id":5,"method":"get_n_service_nodes","params":{"active_only":true,"fields":{"public_ip":true,"storage_port":true,"pubkey_x25519":true,"pubkey_ed25519":true,"swarm_id":true}}}"#;
        let v = json_rpc_answer(body, &nodes, 10);
        assert_eq!(v["id"], 5);
        let s = &v["result"]["service_node_states"][1];
        assert_eq!(s["swarm_id"], 9);
        assert_eq!(s["requested_unlock_height"], 0);
        assert!(s.get("address").is_none());
        let parsed = crate::node::parse_service_nodes(v.to_string().as_bytes()).unwrap();
        assert_eq!(parsed.len(), 2);
        let v = json_rpc_answer(br#"{"method":"x"}"#, &nodes, 10);
        assert_eq!(v["error"]["code"], -32601);
        assert_eq!(v["id"], Value::Null);
        assert_eq!(json_rpc_answer(b"{", &nodes, 1)["error"]["code"], -32700);
        // No fields: everything.
        let v = json_rpc_answer(br#"{"method":"get_service_nodes"}"#, &nodes, 1);
        assert_eq!(
            v["result"]["service_node_states"][0]["storage_server_version"],
            json!([2, 8, 0])
        );
    }

    #[test]
    fn peer_signatures() {
        let (a, b) = (kp(30), kp(31));
        let h = sign_peer_request(&a, "POST", "/sn/storage", NOW, &b.public_key(), b"body");
        let hs = [
            Some(h[0].as_str()),
            Some(h[1].as_str()),
            Some(h[2].as_str()),
        ];
        let known = |k: &Ed25519PublicKey| *k == a.public_key();
        assert_eq!(
            verify_peer_request(
                hs,
                "POST",
                "/sn/storage",
                &b.public_key(),
                b"body",
                NOW,
                known
            )
            .unwrap(),
            a.public_key()
        );
        for (body, recipient, now) in [
            (&b"other"[..], b.public_key(), NOW),
            (b"body", a.public_key(), NOW),
            (b"body", b.public_key(), NOW + 61_000),
        ] {
            let e = verify_peer_request(hs, "POST", "/sn/storage", &recipient, body, now, known);
            assert_eq!(e.unwrap_err().status(), 401);
        }
        let e = verify_peer_request(
            hs,
            "POST",
            "/sn/storage",
            &b.public_key(),
            b"body",
            NOW,
            |_| false,
        );
        assert_eq!(e.unwrap_err().status(), 401);
        let e = verify_peer_request(
            [None, None, None],
            "POST",
            "/x",
            &b.public_key(),
            b"",
            NOW,
            known,
        );
        assert_eq!(e.unwrap_err().status(), 401);
    }

    #[test]
    fn base32z_known_length() {
        assert_eq!(base32z(&[0u8; 32]).len(), 52);
        assert_eq!(&base32z(&[0u8; 32])[..3], "yyy");
        assert_eq!(&base32z(&[0xffu8; 32])[..2], "99");
    }
}
