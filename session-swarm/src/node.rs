//! Service nodes and every node-list encoding of the spec (§2.5): oxend `get_service_nodes`
//! JSON (also the seed's `get_n_service_nodes` JSON-RPC answer and the bencoded QUIC answer),
//! `get_swarm` / 421 `snodes` entries, the libsession disk-cache line, `active_nodes_bin`
//! records, and plain JSON arrays of node entries (local-network `testnet.json` files).

use std::fmt;
use std::net::Ipv4Addr;

use serde_json::{Map, Value};
use session_identity::{Ed25519PublicKey, X25519PublicKey};

use crate::error::{Error, Result};
use crate::space::{INVALID_SWARM_ID, SwarmId};
use session_bencode::Value as BtValue;

/// Length of one `active_nodes_bin` record.
pub const BIN_RECORD_LEN: usize = 51;

/// One service node as a client needs it: keys, contact data and swarm.
///
/// Ports are `0` when the list did not carry them (e.g. libsession lists have no HTTPS port,
/// Session Desktop lists have no QUIC port).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ServiceNode {
    ed25519: Ed25519PublicKey,
    x25519: X25519PublicKey,
    ip: Ipv4Addr,
    https_port: u16,
    quic_port: u16,
    swarm_id: SwarmId,
    version: Option<[u16; 3]>,
}

impl fmt::Debug for ServiceNode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceNode")
            .field("ed25519", &self.ed25519.to_string())
            .field("ip", &self.ip)
            .field("https_port", &self.https_port)
            .field("quic_port", &self.quic_port)
            .field("swarm_id", &self.swarm_id.get())
            .finish_non_exhaustive()
    }
}

impl From<&ServiceNode> for session_onion::Hop {
    /// The node as an onion hop or destination: its two keys.
    fn from(node: &ServiceNode) -> Self {
        session_onion::Hop::new(node.ed25519, node.x25519)
    }
}

/// The X25519 key of a node: the Ed25519 → Curve25519 conversion of its Ed25519 key (spec
/// §1.2: that is how oxend derives it and how libsession computes it).
///
/// # Errors
/// [`Error::InvalidPoint`] if `ed25519` is not a valid Ed25519 point (libsodium's rules).
pub fn node_x25519_from_ed25519(ed25519: &Ed25519PublicKey) -> Result<X25519PublicKey> {
    ed25519.to_x25519().map_err(|_| Error::InvalidPoint)
}

impl ServiceNode {
    /// A node from its parts; the X25519 key is derived from the Ed25519 key.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] if `ed25519` is not a valid Ed25519 point.
    pub fn new(
        ed25519: Ed25519PublicKey,
        ip: Ipv4Addr,
        https_port: u16,
        quic_port: u16,
        swarm_id: SwarmId,
    ) -> Result<Self> {
        let x25519 = node_x25519_from_ed25519(&ed25519)?;
        Ok(Self {
            ed25519,
            x25519,
            ip,
            https_port,
            quic_port,
            swarm_id,
            version: None,
        })
    }
    /// The same node with a storage-server version.
    #[must_use]
    pub fn with_version(mut self, version: [u16; 3]) -> Self {
        self.version = Some(version);
        self
    }
    /// The same node in another swarm.
    #[must_use]
    pub fn with_swarm_id(mut self, swarm_id: SwarmId) -> Self {
        self.swarm_id = swarm_id;
        self
    }
    /// The node's Ed25519 public key (its identity in paths and swarm results).
    #[must_use]
    pub const fn ed25519_pk(&self) -> &Ed25519PublicKey {
        &self.ed25519
    }
    /// The node's X25519 public key (onion layers are encrypted to it).
    #[must_use]
    pub const fn x25519_pk(&self) -> &X25519PublicKey {
        &self.x25519
    }
    /// The node's public IPv4 address.
    #[must_use]
    pub const fn ip(&self) -> Ipv4Addr {
        self.ip
    }
    /// HTTPS storage port (`storage_port`, `port_https`), 0 if unknown.
    #[must_use]
    pub const fn https_port(&self) -> u16 {
        self.https_port
    }
    /// OMQ/QUIC port (`storage_lmq_port`, `port_omq`, `port_quic`), 0 if unknown.
    #[must_use]
    pub const fn quic_port(&self) -> u16 {
        self.quic_port
    }
    /// The node's swarm ([`INVALID_SWARM_ID`] when not in any swarm or unknown).
    #[must_use]
    pub const fn swarm_id(&self) -> SwarmId {
        self.swarm_id
    }
    /// Storage-server version, if the list carried it.
    #[must_use]
    pub const fn version(&self) -> Option<[u16; 3]> {
        self.version
    }

    /// Parses one JSON node entry in any of the spec's spellings: oxend
    /// (`public_ip`, `storage_port`, `storage_lmq_port`, `swarm_id`), `get_swarm`
    /// (`ip`, `port_https`, `port_omq`, `port_quic`, `port` as a string), with
    /// `storage_server_version` as an array or `"x.y.z"`. `pubkey_ed25519` is required; a given
    /// `pubkey_x25519` must equal the Ed→X conversion of it. A missing `swarm_id` gives
    /// [`INVALID_SWARM_ID`]. `index` is only used in errors.
    ///
    /// # Errors
    /// [`Error::InvalidNode`] describing the first malformed field.
    pub fn from_json_entry(entry: &Value, index: usize) -> Result<Self> {
        let bad = |reason| Error::InvalidNode { index, reason };
        let obj = entry.as_object().ok_or(bad("entry is not an object"))?;
        let ed = obj
            .get("pubkey_ed25519")
            .ok_or(bad("missing pubkey_ed25519"))?;
        let ed = hex32(ed.as_str().ok_or(bad("pubkey_ed25519 is not a string"))?)
            .map(|k| Ed25519PublicKey::from_bytes(&k))
            .ok_or(bad("pubkey_ed25519 is not 64 hex digits"))?;
        let x25519 = node_x25519_from_ed25519(&ed)
            .map_err(|_| bad("pubkey_ed25519 is not a valid point"))?;
        if let Some(x) = obj.get("pubkey_x25519") {
            let x = hex32(x.as_str().ok_or(bad("pubkey_x25519 is not a string"))?)
                .ok_or(bad("pubkey_x25519 is not 64 hex digits"))?;
            if x != *x25519.as_bytes() {
                return Err(bad("pubkey_x25519 does not match pubkey_ed25519"));
            }
        }
        let ip = first(obj, &["public_ip", "ip"]).ok_or(bad("missing public_ip"))?;
        let ip: Ipv4Addr = ip
            .as_str()
            .and_then(|s| s.parse().ok())
            .ok_or(bad("public_ip is not a dotted IPv4 address"))?;
        let https_port = match first(obj, &["storage_port", "port_https", "port"]) {
            None => 0,
            Some(v) => json_port(v).ok_or(bad("bad https port"))?,
        };
        let quic_port = match first(obj, &["storage_lmq_port", "port_omq", "port_quic"]) {
            None => 0,
            Some(v) => json_port(v).ok_or(bad("bad omq/quic port"))?,
        };
        let swarm_id = match obj.get("swarm_id") {
            None | Some(Value::Null) => INVALID_SWARM_ID,
            Some(v) => SwarmId::new(v.as_u64().ok_or(bad("swarm_id is not a u64"))?),
        };
        let version = match obj.get("storage_server_version") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(parse_version_text(s).ok_or(bad("bad version"))?),
            Some(Value::Array(a)) => {
                let v: Option<Vec<u16>> = a
                    .iter()
                    .map(|x| x.as_u64().and_then(|n| u16::try_from(n).ok()))
                    .collect();
                Some(version3(&v.ok_or(bad("bad version"))?).ok_or(bad("bad version"))?)
            }
            Some(_) => return Err(bad("bad version")),
        };
        Ok(Self {
            ed25519: ed,
            x25519,
            ip,
            https_port,
            quic_port,
            swarm_id,
            version,
        })
    }

    /// The entry as oxend's `get_service_nodes` would list it (all fields this type knows).
    #[must_use]
    pub fn to_json_entry(&self) -> Value {
        let mut m = Map::new();
        m.insert("pubkey_ed25519".into(), self.ed25519.to_string().into());
        m.insert("pubkey_x25519".into(), self.x25519.to_string().into());
        m.insert("public_ip".into(), self.ip.to_string().into());
        m.insert("storage_port".into(), self.https_port.into());
        m.insert("storage_lmq_port".into(), self.quic_port.into());
        m.insert("swarm_id".into(), self.swarm_id.get().into());
        if let Some(v) = self.version {
            m.insert("storage_server_version".into(), Value::from(v.to_vec()));
        }
        Value::Object(m)
    }

    /// Parses one node dict of the bencoded seed answer (spec §3.1 step 2): `pubkey_ed25519`
    /// (hex string), `public_ip`, `storage_lmq_port`, `storage_server_version` (list of ints),
    /// `swarm_id` (int; stored as i64 in bencode, reinterpreted as u64); optional
    /// `storage_port`.
    ///
    /// # Errors
    /// [`Error::InvalidNode`] describing the first malformed field.
    pub fn from_bt_entry(entry: &BtValue<'_>, index: usize) -> Result<Self> {
        let bad = |reason| Error::InvalidNode { index, reason };
        let text = |k: &'static str| {
            entry
                .get(k.as_bytes())
                .and_then(BtValue::as_bytes)
                .and_then(|b| std::str::from_utf8(b).ok())
        };
        let ed = hex32(text("pubkey_ed25519").ok_or(bad("missing pubkey_ed25519"))?)
            .map(|k| Ed25519PublicKey::from_bytes(&k))
            .ok_or(bad("pubkey_ed25519 is not 64 hex digits"))?;
        let ip: Ipv4Addr = text("public_ip")
            .and_then(|s| s.parse().ok())
            .ok_or(bad("public_ip is not a dotted IPv4 address"))?;
        let port = |k: &str| match entry.get(k.as_bytes()) {
            None => Ok(0),
            Some(v) => v
                .as_u64()
                .and_then(|i| u16::try_from(i).ok())
                .ok_or(bad("bad port")),
        };
        let quic_port = port("storage_lmq_port")?;
        let https_port = port("storage_port")?;
        let swarm_id = match entry.get(b"swarm_id") {
            None => INVALID_SWARM_ID,
            Some(v) => SwarmId::new(v.as_u64().ok_or(bad("swarm_id is not a u64"))?),
        };
        let version = match entry.get(b"storage_server_version") {
            None => None,
            Some(v) => {
                let l = v.as_list().ok_or(bad("bad version"))?;
                let n: Option<Vec<u16>> = l
                    .iter()
                    .map(|x| x.as_u64().and_then(|i| u16::try_from(i).ok()))
                    .collect();
                Some(version3(&n.ok_or(bad("bad version"))?).ok_or(bad("bad version"))?)
            }
        };
        let x25519 = node_x25519_from_ed25519(&ed)
            .map_err(|_| bad("pubkey_ed25519 is not a valid point"))?;
        Ok(Self {
            ed25519: ed,
            x25519,
            ip,
            https_port,
            quic_port,
            swarm_id,
            version,
        })
    }

    /// The libsession disk-cache line `ip|port|version|ed25519hex|swarm_id` (spec §2.5c; the
    /// port is the QUIC port, the swarm id decimal).
    #[must_use]
    pub fn to_cache_line(&self) -> String {
        let [a, b, c] = self.version.unwrap_or([0, 0, 0]);
        format!(
            "{}|{}|{a}.{b}.{c}|{}|{}",
            self.ip,
            self.quic_port,
            self.ed25519,
            self.swarm_id.get()
        )
    }

    /// Parses a libsession disk-cache line (see [`ServiceNode::to_cache_line`]).
    ///
    /// # Errors
    /// [`Error::InvalidNode`] (index 0) describing the malformed field.
    pub fn from_cache_line(line: &str) -> Result<Self> {
        let bad = |reason| Error::InvalidNode { index: 0, reason };
        let parts: Vec<&str> = line.trim().split('|').collect();
        let [ip, port, version, ed, swarm] = parts.as_slice() else {
            return Err(bad("expected 5 '|'-separated fields"));
        };
        let ip: Ipv4Addr = ip.parse().map_err(|_| bad("bad ip"))?;
        let quic_port: u16 = port.parse().map_err(|_| bad("bad port"))?;
        let version = parse_version_text(version).ok_or(bad("bad version"))?;
        let ed = hex32(ed)
            .map(|k| Ed25519PublicKey::from_bytes(&k))
            .ok_or(bad("pubkey_ed25519 is not 64 hex digits"))?;
        let swarm_id = SwarmId::new(swarm.parse().map_err(|_| bad("bad swarm id"))?);
        let x25519 = node_x25519_from_ed25519(&ed)
            .map_err(|_| bad("pubkey_ed25519 is not a valid point"))?;
        Ok(Self {
            ed25519: ed,
            x25519,
            ip,
            https_port: 0,
            quic_port,
            swarm_id,
            version: Some(version),
        })
    }

    /// The 51-byte `active_nodes_bin` record of this node (see [`BinRecord`]).
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if a version component exceeds 255.
    pub fn to_bin_record(&self) -> Result<[u8; BIN_RECORD_LEN]> {
        let mut version = [0u8; 3];
        if let Some(v) = self.version {
            for (dst, src) in version.iter_mut().zip(v) {
                *dst = u8::try_from(src)
                    .map_err(|_| Error::InvalidRequest("version component above 255"))?;
            }
        }
        Ok(BinRecord {
            ed25519: self.ed25519.to_bytes(),
            swarm_id: self.swarm_id,
            ip: self.ip,
            https_port: self.https_port,
            quic_port: self.quic_port,
            version,
        }
        .to_bytes())
    }

    /// Parses one 51-byte `active_nodes_bin` record.
    ///
    /// # Errors
    /// [`Error::InvalidNode`] if the key is not a valid point.
    pub fn from_bin_record(r: &[u8; BIN_RECORD_LEN], index: usize) -> Result<Self> {
        let b = BinRecord::from_bytes(r);
        let ed25519 = Ed25519PublicKey::from_bytes(&b.ed25519);
        let x25519 = node_x25519_from_ed25519(&ed25519).map_err(|_| Error::InvalidNode {
            index,
            reason: "ed25519 key is not a valid point",
        })?;
        Ok(Self {
            ed25519,
            x25519,
            ip: b.ip,
            https_port: b.https_port,
            quic_port: b.quic_port,
            swarm_id: b.swarm_id,
            version: (b.version != [0, 0, 0]).then_some(b.version.map(u16::from)),
        })
    }
}

/// One raw `active_nodes_bin` record (spec §2.5d): Ed25519 ‖ swarm u64 BE ‖ IPv4 BE ‖ HTTPS
/// port BE ‖ QUIC port BE ‖ version (3 bytes; unknown contact data → zeros). Unlike
/// [`ServiceNode`] the key is not checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BinRecord {
    /// Node Ed25519 key.
    pub ed25519: [u8; 32],
    /// Swarm id.
    pub swarm_id: SwarmId,
    /// IPv4 address.
    pub ip: Ipv4Addr,
    /// HTTPS port.
    pub https_port: u16,
    /// OMQ/QUIC port.
    pub quic_port: u16,
    /// `[major, minor, patch]`.
    pub version: [u8; 3],
}

impl BinRecord {
    /// The 51 bytes.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; BIN_RECORD_LEN] {
        let mut r = [0u8; BIN_RECORD_LEN];
        r[..32].copy_from_slice(&self.ed25519);
        r[32..40].copy_from_slice(&self.swarm_id.get().to_be_bytes());
        r[40..44].copy_from_slice(&self.ip.octets());
        r[44..46].copy_from_slice(&self.https_port.to_be_bytes());
        r[46..48].copy_from_slice(&self.quic_port.to_be_bytes());
        r[48..].copy_from_slice(&self.version);
        r
    }
    /// From the 51 bytes.
    #[must_use]
    pub fn from_bytes(r: &[u8; BIN_RECORD_LEN]) -> Self {
        let mut ed25519 = [0u8; 32];
        ed25519.copy_from_slice(&r[..32]);
        let mut sw = [0u8; 8];
        sw.copy_from_slice(&r[32..40]);
        Self {
            ed25519,
            swarm_id: SwarmId::new(u64::from_be_bytes(sw)),
            ip: Ipv4Addr::new(r[40], r[41], r[42], r[43]),
            https_port: u16::from_be_bytes([r[44], r[45]]),
            quic_port: u16::from_be_bytes([r[46], r[47]]),
            version: [r[48], r[49], r[50]],
        }
    }
}

/// A swarm as a node describes it: the answer of `get_swarm` and the body of a 421.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmAnswer {
    /// The swarm id (`swarm`, hex); [`INVALID_SWARM_ID`] when the node knows no swarms.
    pub swarm_id: SwarmId,
    /// The members (`snodes`), each tagged with `swarm_id`.
    pub nodes: Vec<ServiceNode>,
    /// Node time (`t`, ms), if present.
    pub node_time: Option<u64>,
}

/// Parses a `get_swarm` answer or a 421 body (spec §2.5b, §5.10); also accepts the onion
/// wrapper `{"body": "<json text>", "status": 421}`.
///
/// # Errors
/// [`Error::MalformedResponse`] for a wrong shape, [`Error::InvalidNode`] for a bad entry.
pub fn parse_swarm_answer(json: &[u8]) -> Result<SwarmAnswer> {
    let v: Value =
        serde_json::from_slice(json).map_err(|_| Error::MalformedResponse("not JSON"))?;
    swarm_answer_from_value(&v)
}

pub(crate) fn swarm_answer_from_value(v: &Value) -> Result<SwarmAnswer> {
    if let (Some(Value::String(inner)), None) = (v.get("body"), v.get("snodes")) {
        return parse_swarm_answer(inner.as_bytes());
    }
    let inner_body = v.get("body").filter(|b| b.is_object());
    let v = inner_body.unwrap_or(v);
    let snodes = v
        .get("snodes")
        .and_then(Value::as_array)
        .ok_or(Error::MalformedResponse("missing snodes array"))?;
    let swarm_id = match v.get("swarm") {
        Some(Value::String(s)) => {
            SwarmId::from_hex(s).map_err(|_| Error::MalformedResponse("swarm is not hex"))?
        }
        Some(Value::Number(n)) => {
            SwarmId::new(n.as_u64().ok_or(Error::MalformedResponse("bad swarm id"))?)
        }
        _ => INVALID_SWARM_ID,
    };
    let nodes = snodes
        .iter()
        .enumerate()
        .map(|(i, e)| ServiceNode::from_json_entry(e, i).map(|n| n.with_swarm_id(swarm_id)))
        .collect::<Result<Vec<_>>>()?;
    Ok(SwarmAnswer {
        swarm_id,
        nodes,
        node_time: v.get("t").and_then(Value::as_u64),
    })
}

/// Parses an oxend `get_service_nodes` answer (spec §2.5a) in any wrapping: the storage
/// server's `{"result": {"service_node_states": [...]}, "t", "hf"}`, the seed's JSON-RPC
/// `{"jsonrpc", "id", "result": {...}}`, or the bare `{"service_node_states": [...]}`.
///
/// Entries with `"funded": false` or the public IP `0.0.0.0` (no uptime proof yet) are skipped,
/// as the nodes and Session Desktop do.
///
/// # Errors
/// [`Error::MalformedResponse`] for a wrong shape, [`Error::InvalidNode`] for a bad entry.
pub fn parse_service_nodes(json: &[u8]) -> Result<Vec<ServiceNode>> {
    let v: Value =
        serde_json::from_slice(json).map_err(|_| Error::MalformedResponse("not JSON"))?;
    service_nodes_from_value(&v)
}

fn service_nodes_from_value(v: &Value) -> Result<Vec<ServiceNode>> {
    let states = v
        .get("result")
        .unwrap_or(v)
        .get("service_node_states")
        .and_then(Value::as_array)
        .ok_or(Error::MalformedResponse(
            "missing service_node_states array",
        ))?;
    entries_from_values(states)
}

fn entries_from_values(entries: &[Value]) -> Result<Vec<ServiceNode>> {
    let mut out = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        if e.get("funded").and_then(Value::as_bool) == Some(false) {
            continue;
        }
        if e.get("public_ip")
            .or_else(|| e.get("ip"))
            .and_then(Value::as_str)
            == Some("0.0.0.0")
        {
            continue;
        }
        out.push(ServiceNode::from_json_entry(e, i)?);
    }
    Ok(out)
}

/// Parses a seed's answer to the HTTPS JSON-RPC bootstrap request
/// ([`crate::rpc::seed_bootstrap_request`], `POST https://<seed>/json_rpc`) the way Session
/// Desktop checks it: the `Content-Type` must be `application/json`, and the body
/// `{"result": {"height": int, "service_node_states": [...]}}` whose entries all carry
/// `public_ip`, `storage_port`, `pubkey_ed25519` and `pubkey_x25519`. Nodes at `0.0.0.0` are
/// dropped.
///
/// # Errors
/// [`Error::MalformedResponse`] for a wrong content type or shape, [`Error::InvalidNode`] for
/// an entry missing a field or malformed.
pub fn parse_seed_bootstrap_response(content_type: &str, body: &[u8]) -> Result<Vec<ServiceNode>> {
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return Err(Error::MalformedResponse(
            "seed answer is not application/json",
        ));
    }
    let v: Value =
        serde_json::from_slice(body).map_err(|_| Error::MalformedResponse("not JSON"))?;
    let result = v
        .get("result")
        .ok_or(Error::MalformedResponse("missing result"))?;
    if result.get("height").and_then(Value::as_u64).is_none() {
        return Err(Error::MalformedResponse("missing height"));
    }
    let states = result
        .get("service_node_states")
        .and_then(Value::as_array)
        .ok_or(Error::MalformedResponse(
            "missing service_node_states array",
        ))?;
    for (index, e) in states.iter().enumerate() {
        for field in [
            "public_ip",
            "storage_port",
            "pubkey_ed25519",
            "pubkey_x25519",
        ] {
            if e.get(field).is_none_or(Value::is_null) {
                return Err(Error::InvalidNode {
                    index,
                    reason: "missing a field desktop requires",
                });
            }
        }
    }
    entries_from_values(states)
}

/// Parses the bencoded answer of a seed to the QUIC `oxend_request` command (spec §3.1 step 2):
/// `[status, {"result": {"service_node_states": [dict...]}, ...}]`.
///
/// # Errors
/// [`Error::Status`] for a non-200 status, [`Error::Bencode`] / [`Error::MalformedResponse`]
/// for a wrong shape, [`Error::InvalidNode`] for a bad entry.
pub fn parse_service_nodes_bt(body: &[u8]) -> Result<Vec<ServiceNode>> {
    let v = session_bencode::decode(body)?;
    let l = v
        .as_list()
        .ok_or(Error::MalformedResponse("not a [status, result] list"))?;
    let (Some(status), Some(result), 2) = (l.first(), l.get(1), l.len()) else {
        return Err(Error::MalformedResponse("not a [status, result] list"));
    };
    let status = status
        .as_i64()
        .ok_or(Error::MalformedResponse("status is not an integer"))?;
    if status != 200 {
        let body = result
            .as_bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned());
        return Err(Error::Status {
            status: u16::try_from(status).unwrap_or(0),
            body: body.unwrap_or_default(),
        });
    }
    let states = result
        .get(b"result")
        .and_then(|r| r.get(b"service_node_states"))
        .and_then(BtValue::as_list)
        .ok_or(Error::MalformedResponse("missing service_node_states list"))?;
    let mut out = Vec::with_capacity(states.len());
    for (i, e) in states.iter().enumerate() {
        if e.get(b"public_ip").and_then(BtValue::as_bytes) == Some(b"0.0.0.0") {
            continue;
        }
        out.push(ServiceNode::from_bt_entry(e, i)?);
    }
    Ok(out)
}

/// Parses an `active_nodes_bin` blob: a concatenation of 51-byte records (spec §2.5d).
///
/// # Errors
/// [`Error::InvalidLength`] if the length is not a multiple of 51, [`Error::InvalidNode`] for a
/// bad key.
pub fn parse_active_nodes_bin(blob: &[u8]) -> Result<Vec<ServiceNode>> {
    if blob.len() % BIN_RECORD_LEN != 0 {
        return Err(Error::InvalidLength {
            expected: blob.len() / BIN_RECORD_LEN * BIN_RECORD_LEN,
            got: blob.len(),
        });
    }
    blob.chunks_exact(BIN_RECORD_LEN)
        .enumerate()
        .map(|(i, c)| {
            let r: &[u8; BIN_RECORD_LEN] = c.try_into().map_err(|_| Error::InvalidLength {
                expected: 51,
                got: c.len(),
            })?;
            ServiceNode::from_bin_record(r, i)
        })
        .collect()
}

/// Parses a node-list file in whichever encoding it uses: an oxend `get_service_nodes` answer,
/// a `get_swarm` answer, a JSON array of node entries or `{"nodes": [...]}` (a local-network
/// `testnet.json`), or libsession disk-cache lines.
///
/// # Errors
/// [`Error::MalformedResponse`] if no encoding matches, [`Error::InvalidNode`] for a bad entry.
pub fn parse_node_list(text: &[u8]) -> Result<Vec<ServiceNode>> {
    match serde_json::from_slice::<Value>(text) {
        Ok(Value::Array(a)) => entries_from_values(&a),
        Ok(v @ Value::Object(_)) => {
            if v.get("snodes").is_some() || v.get("body").is_some_and(Value::is_string) {
                return swarm_answer_from_value(&v).map(|a| a.nodes);
            }
            if let Some(Value::Array(a)) = v.get("nodes") {
                return entries_from_values(a);
            }
            service_nodes_from_value(&v)
        }
        Ok(_) => Err(Error::MalformedResponse("not a node list")),
        Err(_) => {
            let text = std::str::from_utf8(text)
                .map_err(|_| Error::MalformedResponse("not a node list"))?;
            text.lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(i, l)| {
                    ServiceNode::from_cache_line(l).map_err(|e| match e {
                        Error::InvalidNode { reason, .. } => {
                            Error::InvalidNode { index: i, reason }
                        }
                        other => other,
                    })
                })
                .collect()
        }
    }
}

fn first<'a>(obj: &'a Map<String, Value>, keys: &[&str]) -> Option<&'a Value> {
    keys.iter()
        .find_map(|k| obj.get(*k).filter(|v| !v.is_null()))
}

fn json_port(v: &Value) -> Option<u16> {
    match v {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn hex32(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 {
        return None;
    }
    let mut out = [0u8; 32];
    hex::decode_to_slice(s, &mut out).ok()?;
    Some(out)
}

fn version3(v: &[u16]) -> Option<[u16; 3]> {
    match v {
        [a, b, c] => Some([*a, *b, *c]),
        [a, b] => Some([*a, *b, 0]),
        [a] => Some([*a, 0, 0]),
        _ => None,
    }
}

fn parse_version_text(s: &str) -> Option<[u16; 3]> {
    let parts: Option<Vec<u16>> = s.split('.').map(|p| p.parse().ok()).collect();
    version3(&parts?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ED: &str = "17cb79fb2b4120f2b1ec65e4198d6e08b28e813feb01e4a400839b85e18080ce";

    #[test]
    fn bin_record_round_trip() {
        let ed = Ed25519PublicKey::from_bytes(&hex32(ED).unwrap());
        let n = ServiceNode::new(
            ed,
            Ipv4Addr::new(127, 0, 0, 1),
            22021,
            22020,
            SwarmId::new(7378697629483825306),
        )
        .unwrap()
        .with_version([2, 8, 0]);
        let r = n.to_bin_record().unwrap();
        assert_eq!(
            hex::encode(r),
            "17cb79fb2b4120f2b1ec65e4198d6e08b28e813feb01e4a400839b85e18080ce666666666666789a7f00000156055604020800"
        );
        assert_eq!(ServiceNode::from_bin_record(&r, 0).unwrap(), n);
        assert_eq!(parse_active_nodes_bin(&r).unwrap(), vec![n.clone()]);
        assert!(parse_active_nodes_bin(&r[..50]).is_err());
        let line = n.to_cache_line();
        let back = ServiceNode::from_cache_line(&line).unwrap();
        assert_eq!(back.ed25519_pk(), n.ed25519_pk());
        assert_eq!(back.swarm_id(), n.swarm_id());
    }

    #[test]
    fn json_encodings() {
        let ed = Ed25519PublicKey::from_bytes(&hex32(ED).unwrap());
        let x = node_x25519_from_ed25519(&ed).unwrap();
        let oxend = format!(
            r#"{{"result":{{"service_node_states":[{{"pubkey_ed25519":"{ED}","pubkey_x25519":"{}","public_ip":"10.0.0.1","storage_port":22021,"storage_lmq_port":22020,"swarm_id":5,"storage_server_version":[2,8,0]}},{{"pubkey_ed25519":"{ED}","public_ip":"0.0.0.0","swarm_id":5}}],"height":1}},"t":1,"hf":[19,3]}}"#,
            x
        );
        let nodes = parse_service_nodes(oxend.as_bytes()).unwrap();
        assert_eq!(nodes.len(), 1);
        assert_eq!(nodes[0].swarm_id(), SwarmId::new(5));
        assert_eq!(nodes[0].https_port(), 22021);
        assert_eq!(nodes[0].x25519_pk(), &x);
        assert_eq!(parse_node_list(oxend.as_bytes()).unwrap(), nodes);

        let gs = format!(
            r#"{{"snodes":[{{"address":"x.snode","pubkey_legacy":"00","pubkey_ed25519":"{ED}","ip":"10.0.0.2","port":"22021","port_https":22021,"port_omq":22020,"port_quic":22020}}],"swarm":"1f2","t":5,"hf":[19,3]}}"#
        );
        let a = parse_swarm_answer(gs.as_bytes()).unwrap();
        assert_eq!(a.swarm_id, SwarmId::new(0x1f2));
        assert_eq!(a.nodes[0].swarm_id(), SwarmId::new(0x1f2));
        assert_eq!(a.nodes[0].quic_port(), 22020);
        let wrapped = serde_json::json!({"body": gs, "status": 421}).to_string();
        assert_eq!(parse_swarm_answer(wrapped.as_bytes()).unwrap(), a);

        let bad = r#"[{"pubkey_ed25519":"zz","public_ip":"1.2.3.4"}]"#;
        assert!(matches!(
            parse_node_list(bad.as_bytes()),
            Err(Error::InvalidNode { index: 0, .. })
        ));
        let bad_x = format!(
            r#"[{{"pubkey_ed25519":"{ED}","pubkey_x25519":"{ED}","public_ip":"1.2.3.4"}}]"#
        );
        assert!(parse_node_list(bad_x.as_bytes()).is_err());
    }

    #[test]
    fn desktop_seed_answer() {
        let ed = Ed25519PublicKey::from_bytes(&hex32(ED).unwrap());
        let x = node_x25519_from_ed25519(&ed).unwrap();
        let body = format!(
            r#"{{"jsonrpc":"2.0","id":"0","result":{{"height":5,"service_node_states":[{{"public_ip":"10.0.0.9","storage_port":22021,"pubkey_ed25519":"{ED}","pubkey_x25519":"{x}","requested_unlock_height":0}}]}}}}"#
        );
        let nodes = parse_seed_bootstrap_response("application/json", body.as_bytes()).unwrap();
        assert_eq!(nodes[0].https_port(), 22021);
        assert!(parse_seed_bootstrap_response("text/plain", body.as_bytes()).is_err());
        let no_x = body.replace("pubkey_x25519", "other");
        assert!(parse_seed_bootstrap_response("application/json", no_x.as_bytes()).is_err());
    }

    #[test]
    fn bt_seed_answer() {
        let body = format!(
            "li200ed6:resultd19:service_node_statesld14:pubkey_ed2551964:{ED}9:public_ip8:10.0.0.316:storage_lmq_porti22020e22:storage_server_versionli2ei8ei0ee8:swarm_idi18446744073709551614eeeeee"
        );
        let nodes = parse_service_nodes_bt(body.as_bytes()).unwrap();
        assert_eq!(nodes[0].swarm_id(), SwarmId::new(u64::MAX - 1));
        assert_eq!(nodes[0].version(), Some([2, 8, 0]));
        assert!(parse_service_nodes_bt(b"li500e5:oopse").is_err());
    }
}
