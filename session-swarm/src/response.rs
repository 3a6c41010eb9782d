//! Typed parsing of storage-RPC responses (spec §5.6–5.10): status handling (421 → the right
//! swarm), retrieve messages, per-member swarm results with their signatures checked, batch
//! results, `info` and `get_expiries`.

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use session_identity::{Ed25519PublicKey, Signature};

use crate::auth::{SubaccountToken, response_message, verify};
use crate::error::{Error, Result};
use crate::namespace::{Namespace, message_hash};
use crate::node::{SwarmAnswer, parse_swarm_answer};
use crate::rpc::{Method, Request};
use crate::space::{INVALID_SWARM_ID, SwarmPubkey};

fn json(body: &[u8]) -> Result<Value> {
    serde_json::from_slice(body).map_err(|_| Error::MalformedResponse("not JSON"))
}

/// Maps a node's HTTP status and body to success or a typed error: 2xx → `Ok`; 421 →
/// [`Error::WrongSwarm`] with the correct swarm from the body (an unparsable body gives an
/// empty answer: clients then refresh their pool); anything else → [`Error::Status`].
///
/// # Errors
/// As described.
pub fn check_status(status: u16, body: &[u8]) -> Result<()> {
    match status {
        200..=299 => Ok(()),
        421 => {
            let answer = parse_swarm_answer(body).unwrap_or(SwarmAnswer {
                swarm_id: INVALID_SWARM_ID,
                nodes: Vec::new(),
                node_time: None,
            });
            Err(Error::WrongSwarm(Box::new(answer)))
        }
        _ => Err(Error::Status {
            status,
            body: String::from_utf8_lossy(body).into_owned(),
        }),
    }
}

/// Turns a QUIC BTRequestStream reply into `(status, body)` for [`check_status`] and the
/// typed parsers (spec §4.2): an `R` frame's JSON body `[200, result]` gives `(200, result)`;
/// an `E` frame's `"<code> <reason>\n\n<text>"` gives `(code, text)`, where a JSON text
/// `[code, {...}]` (e.g. a 421 with the right swarm) is unwrapped to the object.
///
/// # Errors
/// [`Error::MalformedResponse`] for a command frame or a body of neither shape.
pub fn quic_reply(frame: &crate::bt::Frame) -> Result<(u16, Vec<u8>)> {
    use crate::bt::FrameType;
    let unwrap_pair = |v: &Value| -> Option<(u16, Vec<u8>)> {
        let [code, body] = v.as_array()?.as_slice() else {
            return None;
        };
        let code = u16::try_from(code.as_u64()?).ok()?;
        Some((code, body.to_string().into_bytes()))
    };
    match frame.frame_type {
        FrameType::Reply => {
            if let Ok(v) = serde_json::from_slice::<Value>(&frame.body) {
                if let Some(pair) = unwrap_pair(&v) {
                    return Ok(pair);
                }
            }
            // `onion_req` replies carry the bare (base64) reply.
            Ok((200, frame.body.clone()))
        }
        FrameType::Error => {
            let text = std::str::from_utf8(&frame.body)
                .map_err(|_| Error::MalformedResponse("error body is not UTF-8"))?;
            let (head, rest) = text.split_once("\n\n").unwrap_or((text, ""));
            let code = head
                .split(' ')
                .next()
                .and_then(|c| c.parse::<u16>().ok())
                .ok_or(Error::MalformedResponse("error body has no status code"))?;
            let body = serde_json::from_str::<Value>(rest)
                .ok()
                .and_then(|v| unwrap_pair(&v))
                .map_or_else(|| rest.as_bytes().to_vec(), |(_, b)| b);
            Ok((code, body))
        }
        _ => Err(Error::MalformedResponse("not a reply frame")),
    }
}

/// Infers a status from a plain-text error body without one (libsession's rule): bodies that
/// start with `"400 Bad Request"`, `"403 Forbidden"`, `"500 Internal Server Error"`,
/// `"502 Bad Gateway"`, `"503 Service Unavailable"` or `"504 Gateway Timeout"`.
#[must_use]
pub fn status_from_body(body: &[u8]) -> Option<u16> {
    const KNOWN: [(&[u8], u16); 6] = [
        (b"400 Bad Request", 400),
        (b"403 Forbidden", 403),
        (b"500 Internal Server Error", 500),
        (b"502 Bad Gateway", 502),
        (b"503 Service Unavailable", 503),
        (b"504 Gateway Timeout", 504),
    ];
    KNOWN
        .iter()
        .find(|(p, _)| body.starts_with(p))
        .map(|&(_, c)| c)
}

/// If `body` reports that a relay could not find or reach the next hop (`"Next node not found:
/// <ed>"` or `"Next node is currently unreachable: <ed>"`, possibly after `"502 Bad
/// Gateway\n\n"`; clients treat both alike, `onion.md` §4.4), the missing node's Ed25519 key.
#[must_use]
pub fn next_node_not_found(body: &[u8]) -> Option<Ed25519PublicKey> {
    let text = std::str::from_utf8(body).ok()?;
    let rest = text.strip_prefix("502 Bad Gateway\n\n").unwrap_or(text);
    let hex = rest
        .strip_prefix("Next node not found: ")
        .or_else(|| rest.strip_prefix("Next node is currently unreachable: "))?
        .get(..64)?;
    hex.parse().ok()
}

/// One message of a retrieve answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrievedMessage {
    /// The message hash (43-char base64).
    pub hash: String,
    /// Store timestamp, ms.
    pub timestamp: u64,
    /// Expiry, ms (the node's `expiration` field).
    pub expiration: u64,
    /// The message bytes (base64-decoded).
    pub data: Vec<u8>,
}

impl RetrievedMessage {
    /// Whether `hash` is the message hash of `data` for `account` in `namespace`.
    #[must_use]
    pub fn hash_matches(&self, account: &SwarmPubkey, namespace: Namespace) -> bool {
        message_hash(account, namespace, &self.data) == self.hash
    }
}

/// The answer of `retrieve`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RetrieveResponse {
    /// Messages in storage order.
    pub messages: Vec<RetrievedMessage>,
    /// Whether the node truncated the list (ask again with the last hash).
    pub more: bool,
    /// Node time `t`, ms.
    pub node_time: Option<u64>,
}

impl RetrieveResponse {
    /// Parses `{"messages": [{"hash", "timestamp", "expiration", "data"}...], "more", "t"}`.
    ///
    /// # Errors
    /// [`Error::MalformedResponse`] for a wrong shape or bad base64 data.
    pub fn parse(body: &[u8]) -> Result<Self> {
        let v = json(body)?;
        let list = v
            .get("messages")
            .and_then(Value::as_array)
            .ok_or(Error::MalformedResponse("missing messages"))?;
        let messages = list
            .iter()
            .map(|m| {
                let bad = Error::MalformedResponse("bad retrieved message");
                let hash = m.get("hash").and_then(Value::as_str).ok_or(bad.clone())?;
                let timestamp = m
                    .get("timestamp")
                    .and_then(Value::as_u64)
                    .ok_or(bad.clone())?;
                let expiration = m
                    .get("expiration")
                    .and_then(Value::as_u64)
                    .ok_or(bad.clone())?;
                let data = m.get("data").and_then(Value::as_str).ok_or(bad.clone())?;
                let data = STANDARD.decode(data).map_err(|_| bad)?;
                Ok(RetrievedMessage {
                    hash: hash.to_owned(),
                    timestamp,
                    expiration,
                    data,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            messages,
            more: v.get("more").and_then(Value::as_bool).unwrap_or(false),
            node_time: v.get("t").and_then(Value::as_u64),
        })
    }
}

/// The answer of `info`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InfoResponse {
    /// Storage-server version.
    pub version: [u64; 3],
    /// Node clock, ms (clients use it for their clock offset).
    pub timestamp: u64,
    /// `[hardfork, snode_revision]`, if present.
    pub hf: Option<[u64; 2]>,
}

impl InfoResponse {
    /// Parses `{"version": [2,8,0], "timestamp": ms, "t", "hf"}`.
    ///
    /// # Errors
    /// [`Error::MalformedResponse`] for a wrong shape.
    pub fn parse(body: &[u8]) -> Result<Self> {
        let v = json(body)?;
        let bad = Error::MalformedResponse("bad info answer");
        let ver: Vec<u64> = v
            .get("version")
            .and_then(Value::as_array)
            .ok_or(bad.clone())?
            .iter()
            .map(|x| x.as_u64().ok_or(bad.clone()))
            .collect::<Result<_>>()?;
        let version = <[u64; 3]>::try_from(ver).map_err(|_| bad.clone())?;
        let timestamp = v.get("timestamp").and_then(Value::as_u64).ok_or(bad)?;
        let hf = v
            .get("hf")
            .and_then(Value::as_array)
            .and_then(|a| match a.as_slice() {
                [x, y] => Some([x.as_u64()?, y.as_u64()?]),
                _ => None,
            });
        Ok(Self {
            version,
            timestamp,
            hf,
        })
    }

    /// `node clock − local clock` in ms, given the local time the answer arrived.
    #[must_use]
    pub fn clock_offset_ms(&self, local_now_ms: u64) -> i64 {
        let d = i128::from(self.timestamp) - i128::from(local_now_ms);
        i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
    }
}

/// Parses the answer of `get_expiries`: `{"expiries": {hash: ms}}`.
///
/// # Errors
/// [`Error::MalformedResponse`] for a wrong shape.
pub fn parse_get_expiries(body: &[u8]) -> Result<BTreeMap<String, u64>> {
    let v = json(body)?;
    v.get("expiries")
        .and_then(Value::as_object)
        .ok_or(Error::MalformedResponse("missing expiries"))?
        .iter()
        .map(|(k, e)| {
            Ok((
                k.clone(),
                e.as_u64().ok_or(Error::MalformedResponse("bad expiry"))?,
            ))
        })
        .collect()
}

/// One sub-result of `batch` / `sequence`.
#[derive(Debug, Clone, PartialEq)]
pub struct SubResponse {
    /// HTTP status of the sub-request.
    pub code: u16,
    /// Its body (JSON, or a string for error texts).
    pub body: Value,
}

impl SubResponse {
    /// The body as bytes for the typed parsers (strings as is, JSON re-serialised).
    #[must_use]
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Value::String(s) => s.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        }
    }
    /// [`check_status`] on this sub-result.
    ///
    /// # Errors
    /// As [`check_status`].
    pub fn check(&self) -> Result<()> {
        check_status(self.code, &self.body_bytes())
    }
}

/// Parses `{"results": [{"code", "body"}...]}` of `batch` / `sequence`.
///
/// # Errors
/// [`Error::MalformedResponse`] for a wrong shape.
pub fn parse_batch(body: &[u8]) -> Result<Vec<SubResponse>> {
    let v = json(body)?;
    v.get("results")
        .and_then(Value::as_array)
        .ok_or(Error::MalformedResponse("missing results"))?
        .iter()
        .map(|r| {
            let code = r
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok())
                .ok_or(Error::MalformedResponse("bad result code"))?;
            Ok(SubResponse {
                code,
                body: r.get("body").cloned().unwrap_or(Value::Null),
            })
        })
        .collect()
}

/// libsession's rule for batches: if every sub-result has the same non-2xx code, the whole
/// call counts as failing with that code.
#[must_use]
pub fn batch_common_failure(results: &[SubResponse]) -> Option<u16> {
    let first = results.first()?.code;
    (!(200..300).contains(&first) && results.iter().all(|r| r.code == first)).then_some(first)
}

/// Hashes of a delete/expire_all result: a list, or per namespace for `"all"`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HashList {
    /// One namespace.
    List(Vec<String>),
    /// `"all"`: namespace → hashes.
    ByNamespace(BTreeMap<i16, Vec<String>>),
}

impl HashList {
    /// Every hash, sorted (the order nodes sign them in).
    #[must_use]
    pub fn sorted_all(&self) -> Vec<String> {
        let mut v: Vec<String> = match self {
            Self::List(l) => l.clone(),
            Self::ByNamespace(m) => m.values().flatten().cloned().collect(),
        };
        v.sort_unstable();
        v
    }
}

/// What one swarm member did, per method.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberOutcome {
    /// store: the hash, the expiry it stored, whether it already had the message.
    Stored {
        /// Message hash.
        hash: String,
        /// Expiry actually stored, ms.
        expiry: Option<u64>,
        /// Duplicate store.
        already: bool,
    },
    /// delete, delete_all, delete_before: the deleted hashes.
    Deleted(HashList),
    /// expire_all: the updated hashes.
    ExpiryUpdated(HashList),
    /// expire: applied expiry (one, or one per updated hash), updated and unchanged hashes.
    Expired {
        /// Applied expiry (one value, or one per updated hash).
        expiries: Vec<u64>,
        /// Updated hashes.
        updated: Vec<String>,
        /// Unchanged hashes and their current expiry (with shorten/extend).
        unchanged: BTreeMap<String, u64>,
    },
    /// (un)revoke_subaccount; `count` of removed revocations for unrevoke.
    Revoked {
        /// Removed revocations (unrevoke only).
        count: Option<u64>,
    },
}

/// Why a member's entry is not a success.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum MemberFailure {
    /// The entry node reports the member failed (`"failed": true`).
    Failed {
        /// HTTP code, if the member answered.
        code: Option<u16>,
        /// Reason text, if any.
        reason: Option<String>,
        /// Timed out.
        timeout: bool,
    },
    /// The entry carries a signature that does not verify under the member's key, or the
    /// store hash is not the hash of the stored data.
    BadSignature,
    /// The entry is not shaped as the method's result.
    Malformed,
}

/// One member's entry of a recursive method's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberResult {
    /// The member's Ed25519 key (the key of the `swarm` map).
    pub node: Ed25519PublicKey,
    /// Its verified outcome, or why not.
    pub outcome: Result<MemberOutcome, MemberFailure>,
}

/// The answer of a recursive method: `{"swarm": {<ed25519 hex>: result}, "t", "hf"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmResponse {
    /// One entry per member, ordered by key.
    pub members: Vec<MemberResult>,
    /// Node time `t`, ms.
    pub node_time: Option<u64>,
}

impl SwarmResponse {
    /// Parses the answer to `request` and checks every member's signature against the message
    /// that member should have signed (spec §5.6), built from the request's own parameters.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if `request` is not a recursive method with an account,
    /// [`Error::MalformedResponse`] if the body has no `swarm` map.
    pub fn parse(request: &Request, body: &[u8]) -> Result<Self> {
        if !request.method().is_recursive() {
            return Err(Error::InvalidRequest("not a recursive method"));
        }
        let account = request
            .account()
            .ok_or(Error::InvalidRequest("request has no account pubkey"))?;
        let v = json(body)?;
        let swarm = v
            .get("swarm")
            .and_then(Value::as_object)
            .ok_or(Error::MalformedResponse("missing swarm map"))?;
        let mut members = Vec::with_capacity(swarm.len());
        for (key, entry) in swarm {
            let Ok(node) = key.parse::<Ed25519PublicKey>() else {
                return Err(Error::MalformedResponse("swarm key is not an Ed25519 key"));
            };
            let outcome = member_outcome(request, &account, &node, entry);
            members.push(MemberResult { node, outcome });
        }
        Ok(Self {
            members,
            node_time: v.get("t").and_then(Value::as_u64),
        })
    }

    /// The members whose result verified.
    pub fn successes(&self) -> impl Iterator<Item = (&Ed25519PublicKey, &MemberOutcome)> {
        self.members
            .iter()
            .filter_map(|m| m.outcome.as_ref().ok().map(|o| (&m.node, o)))
    }
}

fn str_list(v: Option<&Value>) -> Option<Vec<String>> {
    v?.as_array()?
        .iter()
        .map(|h| h.as_str().map(str::to_owned))
        .collect()
}

fn hash_set(v: Option<&Value>) -> Option<HashList> {
    match v? {
        Value::Array(_) => str_list(v).map(HashList::List),
        Value::Object(m) => m
            .iter()
            .map(|(ns, l)| Some((ns.parse::<i16>().ok()?, str_list(Some(l))?)))
            .collect::<Option<BTreeMap<_, _>>>()
            .map(HashList::ByNamespace),
        _ => None,
    }
}

fn param_u64(request: &Request, key: &str) -> Option<u64> {
    request.params().get(key)?.as_u64()
}

fn member_outcome(
    request: &Request,
    account: &SwarmPubkey,
    node: &Ed25519PublicKey,
    entry: &Value,
) -> Result<MemberOutcome, MemberFailure> {
    if entry.get("failed").and_then(Value::as_bool) == Some(true) {
        return Err(MemberFailure::Failed {
            code: entry
                .get("code")
                .and_then(Value::as_u64)
                .and_then(|c| u16::try_from(c).ok()),
            reason: entry
                .get("reason")
                .and_then(Value::as_str)
                .map(str::to_owned),
            timeout: entry
                .get("timeout")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        });
    }
    let sig = entry
        .get("signature")
        .and_then(Value::as_str)
        .and_then(|s| STANDARD.decode(s).ok())
        .and_then(|b| Signature::try_from(b.as_slice()).ok())
        .ok_or(MemberFailure::Malformed)?;
    let params = request.params();
    let requested = || str_list(params.get("messages")).ok_or(MemberFailure::Malformed);
    let (message, outcome) = match request.method() {
        Method::Store => {
            let hash = entry
                .get("hash")
                .and_then(Value::as_str)
                .ok_or(MemberFailure::Malformed)?;
            let data = params
                .get("data")
                .and_then(Value::as_str)
                .and_then(|d| STANDARD.decode(d).ok())
                .ok_or(MemberFailure::Malformed)?;
            let ns = params
                .get("namespace")
                .and_then(Value::as_i64)
                .map_or(Ok(Namespace::DEFAULT), Namespace::try_from)
                .map_err(|_| MemberFailure::Malformed)?;
            if message_hash(account, ns, &data) != hash {
                return Err(MemberFailure::BadSignature);
            }
            let outcome = MemberOutcome::Stored {
                hash: hash.to_owned(),
                expiry: entry.get("expiry").and_then(Value::as_u64),
                already: entry
                    .get("already")
                    .and_then(Value::as_bool)
                    .unwrap_or(false),
            };
            (response_message::store(hash), outcome)
        }
        Method::Delete => {
            let deleted = str_list(entry.get("deleted")).ok_or(MemberFailure::Malformed)?;
            let msg = response_message::delete(account, &requested()?, &deleted);
            (msg, MemberOutcome::Deleted(HashList::List(deleted)))
        }
        Method::DeleteAll | Method::DeleteBefore => {
            let key = if request.method() == Method::DeleteAll {
                "timestamp"
            } else {
                "before"
            };
            let ts = param_u64(request, key).ok_or(MemberFailure::Malformed)?;
            let deleted = hash_set(entry.get("deleted")).ok_or(MemberFailure::Malformed)?;
            let msg = response_message::delete_all(account, ts, &deleted.sorted_all());
            (msg, MemberOutcome::Deleted(deleted))
        }
        Method::ExpireAll => {
            let expiry = param_u64(request, "expiry").ok_or(MemberFailure::Malformed)?;
            let updated = hash_set(entry.get("updated")).ok_or(MemberFailure::Malformed)?;
            let msg = response_message::expire_all(account, expiry, &updated.sorted_all());
            (msg, MemberOutcome::ExpiryUpdated(updated))
        }
        Method::Expire => {
            let expiries: Vec<u64> = match entry.get("expiry") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(Value::as_u64)
                    .collect::<Option<_>>()
                    .ok_or(MemberFailure::Malformed)?,
                Some(v) => vec![v.as_u64().ok_or(MemberFailure::Malformed)?],
                None => return Err(MemberFailure::Malformed),
            };
            let updated = str_list(entry.get("updated")).ok_or(MemberFailure::Malformed)?;
            let unchanged: BTreeMap<String, u64> = match entry.get("unchanged") {
                None | Some(Value::Null) => BTreeMap::new(),
                Some(Value::Object(m)) => m
                    .iter()
                    .map(|(h, e)| Some((h.clone(), e.as_u64()?)))
                    .collect::<Option<_>>()
                    .ok_or(MemberFailure::Malformed)?,
                Some(_) => return Err(MemberFailure::Malformed),
            };
            let pairs: Vec<(String, u64)> = unchanged.clone().into_iter().collect();
            let msg = response_message::expire(account, &expiries, &requested()?, &updated, &pairs);
            (
                msg,
                MemberOutcome::Expired {
                    expiries,
                    updated,
                    unchanged,
                },
            )
        }
        Method::RevokeSubaccount | Method::UnrevokeSubaccount => {
            let key = if request.method() == Method::RevokeSubaccount {
                "revoke"
            } else {
                "unrevoke"
            };
            let tokens: Vec<SubaccountToken> = str_list(params.get(key))
                .ok_or(MemberFailure::Malformed)?
                .iter()
                .map(|t| {
                    let b = STANDARD.decode(t).ok()?;
                    SubaccountToken::try_from(b.as_slice()).ok()
                })
                .collect::<Option<_>>()
                .ok_or(MemberFailure::Malformed)?;
            let ts = param_u64(request, "timestamp").ok_or(MemberFailure::Malformed)?;
            let msg = response_message::revoke_subaccount(account, ts, &tokens);
            (
                msg,
                MemberOutcome::Revoked {
                    count: entry.get("count").and_then(Value::as_u64),
                },
            )
        }
        _ => return Err(MemberFailure::Malformed),
    };
    verify(node, &message, &sig).map_err(|_| MemberFailure::BadSignature)?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use session_identity::Ed25519KeyPair;

    use super::*;
    use crate::auth::Auth;
    use crate::rpc::{self, Store};

    #[test]
    fn swarm_results_are_verified() {
        let user = Auth::session_id(&Ed25519KeyPair::from_seed(&[1u8; 32]));
        let node_a = Ed25519KeyPair::from_seed(&[0xa0; 32]);
        let node_b = Ed25519KeyPair::from_seed(&[0xb0; 32]);
        let store = Store {
            namespace: Namespace::new(2),
            data: b"hello".to_vec(),
            timestamp_ms: 1_700_000_000_000,
            ttl_ms: 86_400_000,
        };
        let req = store.sign(&user).unwrap();
        let hash = message_hash(user.account_id(), Namespace::new(2), b"hello");
        let good = STANDARD.encode(node_a.sign(hash.as_bytes()).as_bytes());
        let forged = STANDARD.encode(node_a.sign(b"other").as_bytes());
        let body = json!({"swarm": {
            node_a.public_key().to_string(): {"hash": hash, "signature": good, "expiry": 5},
            node_b.public_key().to_string(): {"hash": hash, "signature": forged},
            hex::encode([7u8; 32]): {"failed": true, "code": 503, "reason": "x"},
        }, "t": 1});
        let r = SwarmResponse::parse(&req, body.to_string().as_bytes()).unwrap();
        assert_eq!(r.successes().count(), 1);
        let a = r
            .members
            .iter()
            .find(|m| m.node == node_a.public_key())
            .unwrap();
        assert!(matches!(
            a.outcome,
            Ok(MemberOutcome::Stored {
                expiry: Some(5),
                ..
            })
        ));
        let b = r
            .members
            .iter()
            .find(|m| m.node == node_b.public_key())
            .unwrap();
        assert_eq!(b.outcome, Err(MemberFailure::BadSignature));

        let hashes = [hash.clone()];
        let del = rpc::delete(&user, &hashes, false).unwrap();
        let msg = response_message::delete(user.account_id(), &hashes, &hashes);
        let sig = STANDARD.encode(node_a.sign(&msg).as_bytes());
        let body = json!({"swarm": {node_a.public_key().to_string(): {"deleted": [hash], "signature": sig}}});
        let r = SwarmResponse::parse(&del, body.to_string().as_bytes()).unwrap();
        assert_eq!(r.successes().count(), 1);
        assert!(SwarmResponse::parse(&rpc::info(), b"{}").is_err());
    }

    #[test]
    fn quic_replies() {
        use crate::bt::{Frame, FrameType};
        let r = Frame {
            frame_type: FrameType::Reply,
            request_id: 1,
            endpoint: None,
            body: br#"[200,{"messages":[],"more":false}]"#.to_vec(),
        };
        let (code, body) = quic_reply(&r).unwrap();
        assert_eq!(code, 200);
        assert!(RetrieveResponse::parse(&body).unwrap().messages.is_empty());
        let e = Frame {
            frame_type: FrameType::Error,
            request_id: 1,
            endpoint: None,
            body: b"421 Misdirected Request\n\n[421,{\"snodes\":[],\"swarm\":\"abc\"}]".to_vec(),
        };
        let (code, body) = quic_reply(&e).unwrap();
        assert_eq!(code, 421);
        match check_status(code, &body) {
            Err(Error::WrongSwarm(a)) => assert_eq!(a.swarm_id.get(), 0xabc),
            other => panic!("{other:?}"),
        }
        let plain = Frame {
            body: b"401 Unauthorized\n\nbad sig".to_vec(),
            ..e
        };
        assert_eq!(quic_reply(&plain).unwrap(), (401, b"bad sig".to_vec()));
    }

    #[test]
    fn statuses_and_bodies() {
        assert!(check_status(200, b"").is_ok());
        let body = br#"{"snodes":[],"swarm":"ff","t":1,"hf":[19,3]}"#;
        match check_status(421, body) {
            Err(Error::WrongSwarm(a)) => assert_eq!(a.swarm_id.get(), 0xff),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            check_status(406, b"x"),
            Err(Error::Status { status: 406, .. })
        ));
        assert_eq!(status_from_body(b"504 Gateway Timeout"), Some(504));
        let ed = "decaf007f26d3d6f9b845ad031ffdf6d04638c25bb10b8fffbbe99135303c4b9";
        let missing = format!("502 Bad Gateway\n\nNext node not found: {ed}");
        assert_eq!(
            next_node_not_found(missing.as_bytes()).unwrap().to_string(),
            ed
        );
        let unreachable = format!("Next node is currently unreachable: {ed}");
        assert_eq!(
            next_node_not_found(unreachable.as_bytes())
                .unwrap()
                .to_string(),
            ed
        );
        assert!(next_node_not_found(b"Next node is currently busy: 00").is_none());
        let r = RetrieveResponse::parse(
            br#"{"messages":[{"hash":"h","timestamp":1,"expiration":2,"data":"aGk="}],"more":true}"#,
        )
        .unwrap();
        assert_eq!(r.messages[0].data, b"hi");
        assert!(r.more);
        let results =
            parse_batch(br#"{"results":[{"code":401,"body":"x"},{"code":401,"body":"y"}]}"#)
                .unwrap();
        assert_eq!(batch_common_failure(&results), Some(401));
        let info =
            InfoResponse::parse(br#"{"version":[2,8,0],"timestamp":1000,"hf":[19,3]}"#).unwrap();
        assert_eq!(info.clock_offset_ms(400), 600);
    }
}
