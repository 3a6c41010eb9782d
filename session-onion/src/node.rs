//! The service-node side: take an incoming layer, peel it with the node's X25519 secret,
//! decide what to do with what is inside, and encrypt replies for the client
//! (spec `onion.md` §3.2, §4.1, §5.3, §6).

use std::collections::BTreeMap;
use std::fmt;

use base64::Engine as _;
use rand_core::{CryptoRng, RngCore};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::frame::{encode_frame, parse_frame, sorted_json};
use crate::hop::{EncType, LayerKey};
use session_bencode as bencode;
use session_identity::{Ed25519PublicKey, X25519PublicKey, X25519SecretKey};

/// The largest request a service node accepts (10 MiB, the HTTPS body limit).
pub const MAX_REQUEST_SIZE: usize = 10 * 1024 * 1024;

/// The largest hop counter a service node accepts (`MAX_ONION_HOPS`).
pub const MAX_HOPS: u32 = 15;

/// One encrypted layer as it reaches a node: the blob and how to decrypt it.
///
/// At the edge it arrives as a frame (`LE32 ‖ blob ‖ {"ephemeral_key","enc_type","hop_no"}`,
/// [`IncomingLayer::parse_frame`]); between nodes as the bencoded `sn.onion_request` message
/// ([`IncomingLayer::decode_relay_message`]).
#[derive(Clone, PartialEq, Eq)]
pub struct IncomingLayer {
    blob: Vec<u8>,
    ephemeral_key: X25519PublicKey,
    enc_type: EncType,
    hop_no: u32,
}

impl fmt::Debug for IncomingLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IncomingLayer")
            .field("blob_len", &self.blob.len())
            .field("ephemeral_key", &self.ephemeral_key)
            .field("enc_type", &self.enc_type)
            .field("hop_no", &self.hop_no)
            .finish()
    }
}

impl IncomingLayer {
    /// A layer from its parts.
    #[must_use]
    pub fn new(
        blob: Vec<u8>,
        ephemeral_key: X25519PublicKey,
        enc_type: EncType,
        hop_no: u32,
    ) -> Self {
        Self {
            blob,
            ephemeral_key,
            enc_type,
            hop_no,
        }
    }

    /// Parses the request body a node receives at the edge (HTTPS `/onion_req/v2`, QUIC
    /// `onion_req`): `ephemeral_key` (hex) is required, `enc_type` defaults to aes-gcm, `hop_no`
    /// to 0 (negative values count as 0).
    ///
    /// # Errors
    /// [`Error::TooLarge`] above [`MAX_REQUEST_SIZE`]; frame errors ([`Error::TooShort`],
    /// [`Error::InvalidFrame`], [`Error::InvalidJson`]); [`Error::UnsupportedEncType`];
    /// [`Error::TooManyHops`] when `hop_no` exceeds [`MAX_HOPS`].
    pub fn parse_frame(frame: &[u8]) -> Result<Self> {
        if frame.len() > MAX_REQUEST_SIZE {
            return Err(Error::TooLarge);
        }
        let (blob, json) = parse_frame(frame)?;
        let ephemeral_key = json_x25519(&json, "ephemeral_key")?;
        let enc_type = json_enc_type(&json)?;
        let hop_no = match json.get("hop_no") {
            None => 0,
            Some(v) => {
                let n = v
                    .as_i64()
                    .ok_or(Error::InvalidJson("hop_no is not an integer"))?;
                u32::try_from(n.max(0)).map_err(|_| Error::TooManyHops)?
            }
        };
        if hop_no > MAX_HOPS {
            return Err(Error::TooManyHops);
        }
        Ok(Self {
            blob: blob.to_vec(),
            ephemeral_key,
            enc_type,
            hop_no,
        })
    }

    /// The frame form of this layer, as sent to an edge node:
    /// `LE32 ‖ blob ‖ {"enc_type","ephemeral_key"}` (compact, sorted keys, no `hop_no`).
    ///
    /// # Errors
    /// [`Error::TooLarge`] when the blob does not fit a 32-bit length.
    pub fn to_frame(&self) -> Result<Vec<u8>> {
        let mut json = BTreeMap::new();
        json.insert("enc_type", Value::from(self.enc_type.as_str()));
        json.insert("ephemeral_key", Value::from(self.ephemeral_key.to_string()));
        encode_frame(&self.blob, &sorted_json(json))
    }

    /// Decodes the node-to-node message `d 4:data … 8:enc_type … 13:ephemeral_key <32 bytes>
    /// 6:hop_no i…e e`; `enc_type` defaults to aes-gcm and `hop_no` values below 1 count as 1.
    ///
    /// # Errors
    /// [`Error::TooLarge`], [`Error::InvalidBencode`] (also for missing `data` or a malformed
    /// key), [`Error::UnsupportedEncType`], [`Error::TooManyHops`] when `hop_no` exceeds
    /// [`MAX_HOPS`].
    pub fn decode_relay_message(message: &[u8]) -> Result<Self> {
        if message.len() > MAX_REQUEST_SIZE {
            return Err(Error::TooLarge);
        }
        let bencode::Value::Dict(items) = bencode::decode(message)? else {
            return Err(Error::InvalidBencode("not a dictionary"));
        };
        let (mut blob, mut key, mut enc_type, mut hop_no) = (None, None, EncType::AesGcm, 1i128);
        for (k, v) in &items {
            match (k.as_ref(), v) {
                (b"data", bencode::Value::Bytes(b)) => blob = Some(b.as_ref()),
                (b"ephemeral_key", bencode::Value::Bytes(b)) => {
                    key = Some(
                        X25519PublicKey::try_from(b.as_ref())
                            .map_err(|_| Error::InvalidBencode("ephemeral_key is not 32 bytes"))?,
                    );
                }
                (b"enc_type", bencode::Value::Bytes(b)) => {
                    enc_type = std::str::from_utf8(b.as_ref())
                        .map_err(|_| Error::UnsupportedEncType)?
                        .parse()?;
                }
                (b"hop_no", bencode::Value::Int(n)) => hop_no = *n,
                (b"data" | b"ephemeral_key" | b"enc_type" | b"hop_no", _) => {
                    return Err(Error::InvalidBencode("wrongly typed field"));
                }
                _ => {}
            }
        }
        let blob = blob.ok_or(Error::InvalidBencode("missing data"))?;
        let ephemeral_key = key.ok_or(Error::InvalidBencode("missing ephemeral_key"))?;
        let hop_no = u32::try_from(hop_no.max(1)).map_err(|_| Error::TooManyHops)?;
        if hop_no > MAX_HOPS {
            return Err(Error::TooManyHops);
        }
        Ok(Self {
            blob: blob.to_vec(),
            ephemeral_key,
            enc_type,
            hop_no,
        })
    }

    /// Encodes the node-to-node `sn.onion_request` message for this layer (keys sorted; the
    /// ephemeral key as 32 raw bytes).
    #[must_use]
    pub fn encode_relay_message(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.blob.len() + 96);
        out.push(b'd');
        bencode::put_bytes(&mut out, b"data");
        bencode::put_bytes(&mut out, &self.blob);
        bencode::put_bytes(&mut out, b"enc_type");
        bencode::put_bytes(&mut out, self.enc_type.as_str().as_bytes());
        bencode::put_bytes(&mut out, b"ephemeral_key");
        bencode::put_bytes(&mut out, self.ephemeral_key.as_bytes());
        bencode::put_bytes(&mut out, b"hop_no");
        bencode::put_int(&mut out, i64::from(self.hop_no));
        out.push(b'e');
        out
    }

    /// The encrypted blob.
    #[must_use]
    pub fn blob(&self) -> &[u8] {
        &self.blob
    }
    /// The layer creator's ephemeral X25519 key.
    #[must_use]
    pub fn ephemeral_key(&self) -> &X25519PublicKey {
        &self.ephemeral_key
    }
    /// How the blob is encrypted.
    #[must_use]
    pub fn enc_type(&self) -> EncType {
        self.enc_type
    }
    /// The hop counter.
    #[must_use]
    pub fn hop_no(&self) -> u32 {
        self.hop_no
    }
}

fn json_x25519(json: &Map<String, Value>, key: &'static str) -> Result<X25519PublicKey> {
    let s = json
        .get(key)
        .and_then(Value::as_str)
        .ok_or(Error::InvalidJson(key))?;
    s.parse().map_err(|_| Error::InvalidJson(key))
}

fn json_enc_type(json: &Map<String, Value>) -> Result<EncType> {
    match json.get("enc_type") {
        None => Ok(EncType::AesGcm),
        Some(Value::String(s)) => s.parse(),
        Some(_) => Err(Error::InvalidJson("enc_type")),
    }
}

fn json_bool(json: &Map<String, Value>, key: &'static str, default: bool) -> Result<bool> {
    match json.get(key) {
        None => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(Error::InvalidJson(key)),
    }
}

/// `http` or `https`, for a relay to an HTTP server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Protocol {
    /// Plain HTTP.
    Http,
    /// HTTPS (the default).
    #[default]
    Https,
}

impl Protocol {
    /// `http` or `https`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Protocol::Http => "http",
            Protocol::Https => "https",
        }
    }
}

/// Whether a relay-to-server target path is one nodes will POST to: it starts with `/loki/` or
/// `/oxen/`, ends with `/lsrpc` and has no `?`.
#[must_use]
pub fn is_target_allowed(target: &str) -> bool {
    (target.starts_with("/loki/") || target.starts_with("/oxen/"))
        && target.ends_with("/lsrpc")
        && !target.contains('?')
}

/// The destination layer of a request to a service node: the RPC body and the reply flags.
#[derive(Clone, PartialEq, Eq)]
pub struct FinalRequest {
    body: Vec<u8>,
    json: bool,
    base64: bool,
}

// Debug shows sizes, never request contents.
impl fmt::Debug for FinalRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FinalRequest")
            .field("body_len", &self.body.len())
            .field("json", &self.json)
            .field("base64", &self.base64)
            .finish()
    }
}

impl fmt::Debug for ServerRelay {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerRelay")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("protocol", &self.protocol)
            .field("target", &self.target)
            .field("blob_len", &self.blob_len)
            .finish_non_exhaustive()
    }
}

impl FinalRequest {
    /// The enclosed request body (a storage RPC `{"method","params"}` JSON).
    #[must_use]
    pub fn body(&self) -> &[u8] {
        &self.body
    }
    /// The `json` flag: embed a JSON reply body as JSON rather than as a string (default false).
    #[must_use]
    pub fn json(&self) -> bool {
        self.json
    }
    /// The `base64` flag: base64-encode the encrypted reply (default true).
    #[must_use]
    pub fn base64(&self) -> bool {
        self.base64
    }
    /// Parses the body as a storage RPC request: a JSON object with a string `method` and an
    /// object `params`.
    ///
    /// # Errors
    /// [`Error::InvalidJson`] when it is not one.
    pub fn rpc(&self) -> Result<RpcRequest> {
        let Ok(Value::Object(mut m)) = serde_json::from_slice::<Value>(&self.body) else {
            return Err(Error::InvalidJson("rpc body is not a json object"));
        };
        let method = match m.remove("method") {
            Some(Value::String(s)) => s,
            _ => return Err(Error::InvalidJson("method")),
        };
        let params = match m.remove("params") {
            Some(Value::Object(p)) => p,
            _ => return Err(Error::InvalidJson("params")),
        };
        Ok(RpcRequest { method, params })
    }
}

/// A storage RPC request: the endpoint name and its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcRequest {
    /// The endpoint (`store`, `retrieve`, `info`, ...).
    pub method: String,
    /// Its parameters.
    pub params: Map<String, Value>,
}

/// A layer whose recipient must POST it to an HTTP server.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerRelay {
    host: String,
    port: u16,
    protocol: Protocol,
    target: String,
    blob_len: usize,
    plaintext: Vec<u8>,
}

impl ServerRelay {
    /// The server host name.
    #[must_use]
    pub fn host(&self) -> &str {
        &self.host
    }
    /// The port (default 443, whatever the protocol).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }
    /// The protocol (default https).
    #[must_use]
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }
    /// The target path.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }
    /// Whether [`ServerRelay::target`] passes the allow-list ([`is_target_allowed`]).
    #[must_use]
    pub fn is_target_allowed(&self) -> bool {
        is_target_allowed(&self.target)
    }
    /// The URL to POST to (the port omitted when it is the protocol's default).
    #[must_use]
    pub fn url(&self) -> String {
        let default = matches!(
            (self.protocol, self.port),
            (Protocol::Https, 443) | (Protocol::Http, 80)
        );
        let slash = if self.target.starts_with('/') {
            ""
        } else {
            "/"
        };
        if default {
            format!(
                "{}://{}{slash}{}",
                self.protocol.as_str(),
                self.host,
                self.target
            )
        } else {
            format!(
                "{}://{}:{}{slash}{}",
                self.protocol.as_str(),
                self.host,
                self.port,
                self.target
            )
        }
    }
    /// The enclosed blob (the server's layer).
    #[must_use]
    pub fn blob(&self) -> &[u8] {
        self.plaintext.get(4..4 + self.blob_len).unwrap_or_default()
    }
    /// The POST body: the **whole** decrypted layer (frame with its JSON), from which the
    /// server takes `ephemeral_key` and `enc_type`.
    #[must_use]
    pub fn post_body(&self) -> &[u8] {
        &self.plaintext
    }
}

/// A layer whose recipient must forward the enclosed blob to the next service node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeRelay {
    destination: Ed25519PublicKey,
    next: IncomingLayer,
}

impl NodeRelay {
    /// The next node's Ed25519 identity.
    #[must_use]
    pub fn destination(&self) -> &Ed25519PublicKey {
        &self.destination
    }
    /// What the next node receives: blob, ephemeral key, enc_type, and the hop counter already
    /// incremented. Send it with [`IncomingLayer::encode_relay_message`].
    #[must_use]
    pub fn next_layer(&self) -> &IncomingLayer {
        &self.next
    }
}

/// What a decrypted layer asks its recipient to do (the classification of spec §3.2/§6).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Route {
    /// This node is the destination (the layer's JSON has `headers`).
    Final(FinalRequest),
    /// POST to an HTTP server (the JSON has `host`).
    RelayToServer(ServerRelay),
    /// Forward to another service node.
    RelayToNode(NodeRelay),
}

impl Route {
    /// Classifies a decrypted layer `LE32 ‖ blob ‖ JSON`. `hop_no` is the counter of the layer
    /// being peeled; a relay to a node carries `hop_no + 1`. The server target allow-list is not
    /// applied here (see [`ServerRelay::is_target_allowed`]).
    ///
    /// # Errors
    /// [`Error::InvalidJson`] for anything a node answers "Invalid json" to (broken frame, not a
    /// JSON object, missing or mistyped keys, bad hex, unknown `enc_type`);
    /// [`Error::InvalidUrl`] for a protocol other than `http`/`https` or a port out of range;
    /// [`Error::TooManyHops`] when the next hop counter would exceed [`MAX_HOPS`].
    pub fn parse(plaintext: &[u8], hop_no: u32) -> Result<Self> {
        let (blob, json) = match parse_frame(plaintext) {
            Ok(x) => x,
            Err(Error::InvalidJson(w)) => return Err(Error::InvalidJson(w)),
            Err(_) => return Err(Error::InvalidJson("broken frame")),
        };
        if json.contains_key("headers") {
            return Ok(Route::Final(FinalRequest {
                body: blob.to_vec(),
                json: json_bool(&json, "json", false)?,
                base64: json_bool(&json, "base64", true)?,
            }));
        }
        if let Some(host) = json.get("host") {
            let host = host.as_str().ok_or(Error::InvalidJson("host"))?;
            let target = json
                .get("target")
                .and_then(Value::as_str)
                .ok_or(Error::InvalidJson("target"))?;
            let port = match json.get("port") {
                None => 443,
                Some(p) => p
                    .as_u64()
                    .ok_or(Error::InvalidJson("port"))
                    .and_then(|p| u16::try_from(p).map_err(|_| Error::InvalidUrl))?,
            };
            let protocol = match json.get("protocol") {
                None => Protocol::Https,
                Some(Value::String(s)) if s == "https" => Protocol::Https,
                Some(Value::String(s)) if s == "http" => Protocol::Http,
                Some(Value::String(_)) => return Err(Error::InvalidUrl),
                Some(_) => return Err(Error::InvalidJson("protocol")),
            };
            return Ok(Route::RelayToServer(ServerRelay {
                host: host.to_owned(),
                port,
                protocol,
                target: target.to_owned(),
                blob_len: blob.len(),
                plaintext: plaintext.to_vec(),
            }));
        }
        let destination = json
            .get("destination")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<Ed25519PublicKey>().ok())
            .ok_or(Error::InvalidJson("destination"))?;
        let ephemeral_key = json_x25519(&json, "ephemeral_key")?;
        let enc_type = json_enc_type(&json).map_err(|_| Error::InvalidJson("enc_type"))?;
        let next_hop = hop_no.saturating_add(1);
        if next_hop > MAX_HOPS {
            return Err(Error::TooManyHops);
        }
        Ok(Route::RelayToNode(NodeRelay {
            destination,
            next: IncomingLayer {
                blob: blob.to_vec(),
                ephemeral_key,
                enc_type,
                hop_no: next_hop,
            },
        }))
    }
}

/// Why a node refuses a layer it could decrypt. The node answers with an error encrypted with
/// this layer's key ([`PeeledLayer::rejection_reply`]); unless the node was the destination,
/// the client cannot decrypt it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rejection {
    /// The layer's frame or JSON is unusable ("Invalid json").
    InvalidJson,
    /// A relay to a server names a protocol or target that is not allowed ("Invalid url").
    InvalidUrl,
}

impl Rejection {
    /// The error text nodes send.
    #[must_use]
    pub fn message(self) -> &'static str {
        match self {
            Rejection::InvalidJson => "Invalid json",
            Rejection::InvalidUrl => "Invalid url",
        }
    }
}

/// The decision after peeling a layer.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Decision {
    /// Carry out this route (destination request, relay to a server with an allowed URL, relay
    /// to a node).
    Accept(Route),
    /// Answer with an encrypted error.
    Reject(Rejection),
}

/// A service node's onion keys: its X25519 secret (the Curve25519 image of its Ed25519 key)
/// and the matching public key.
pub struct NodeKeys {
    secret: X25519SecretKey,
    public: X25519PublicKey,
}

impl fmt::Debug for NodeKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NodeKeys")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl NodeKeys {
    /// Keys from the node's X25519 secret.
    #[must_use]
    pub fn new(secret: X25519SecretKey) -> Self {
        let public = secret.public_key();
        Self { secret, public }
    }

    /// Keys from the node's Ed25519 identity key pair (the X25519 secret is its Curve25519
    /// image, which is what clients encrypt to).
    #[must_use]
    pub fn from_ed25519_keypair(identity: &session_identity::Ed25519KeyPair) -> Self {
        Self {
            secret: identity.x25519_secret().clone(),
            public: identity.x25519_public(),
        }
    }

    /// The node's X25519 public key.
    #[must_use]
    pub fn public_key(&self) -> &X25519PublicKey {
        &self.public
    }

    /// Decrypts a layer and returns its plaintext together with the key to answer with.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] for a degenerate ephemeral key; [`Error::DecryptionFailed`]
    /// (nodes answer 400 "Invalid ciphertext").
    pub fn open(&self, layer: &IncomingLayer) -> Result<(Zeroizing<Vec<u8>>, ReplyKey)> {
        let key = LayerKey::derive_as_server_with_public(
            layer.enc_type,
            &self.secret,
            &self.public,
            &layer.ephemeral_key,
        )?;
        let plaintext = Zeroizing::new(key.decrypt(&layer.blob)?);
        Ok((
            plaintext,
            ReplyKey {
                key,
                client: layer.ephemeral_key,
            },
        ))
    }

    /// Peels one layer: decrypt, classify, apply the server URL allow-list.
    ///
    /// # Errors
    /// As [`NodeKeys::open`] (decryption errors are answered in plain text); problems with the
    /// *decrypted* content are not errors but [`Decision::Reject`].
    pub fn peel(&self, layer: &IncomingLayer) -> Result<PeeledLayer> {
        let (plaintext, reply_key) = self.open(layer)?;
        let decision = match Route::parse(&plaintext, layer.hop_no) {
            Ok(Route::RelayToServer(s)) if !s.is_target_allowed() => {
                Decision::Reject(Rejection::InvalidUrl)
            }
            Ok(route) => Decision::Accept(route),
            Err(Error::InvalidUrl) => Decision::Reject(Rejection::InvalidUrl),
            Err(Error::TooManyHops) => return Err(Error::TooManyHops),
            Err(_) => Decision::Reject(Rejection::InvalidJson),
        };
        Ok(PeeledLayer {
            enc_type: layer.enc_type,
            hop_no: layer.hop_no,
            plaintext,
            reply_key,
            decision,
        })
    }

    /// Parses an edge request frame and peels it ([`IncomingLayer::parse_frame`] +
    /// [`NodeKeys::peel`]).
    ///
    /// # Errors
    /// As those two.
    pub fn peel_frame(&self, frame: &[u8]) -> Result<PeeledLayer> {
        self.peel(&IncomingLayer::parse_frame(frame)?)
    }
}

/// The key a recipient answers a layer with (same key, same enc_type, fresh nonce).
pub struct ReplyKey {
    key: LayerKey,
    client: X25519PublicKey,
}

impl fmt::Debug for ReplyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplyKey")
            .field("enc_type", &self.key.enc_type())
            .field("client", &self.client)
            .finish_non_exhaustive()
    }
}

impl ReplyKey {
    /// Encrypts raw reply bytes for the client (`nonce ‖ ciphertext ‖ tag`).
    #[must_use]
    pub fn encrypt(&self, rng: &mut (impl CryptoRng + RngCore), plaintext: &[u8]) -> Vec<u8> {
        self.key.encrypt(rng, plaintext)
    }

    /// The client's ephemeral key for this layer.
    #[must_use]
    pub fn client_key(&self) -> &X25519PublicKey {
        &self.client
    }

    /// The layer's enc_type.
    #[must_use]
    pub fn enc_type(&self) -> EncType {
        self.key.enc_type()
    }

    /// Decrypts with this layer's key (a server reading a request body it already opened, or
    /// tests).
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`].
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        self.key.decrypt(ciphertext)
    }

    /// The layer key, for test vectors.
    #[cfg(feature = "testing")]
    #[must_use]
    pub fn layer_key_for_testing(&self) -> &LayerKey {
        &self.key
    }
}

/// The body of a destination's reply.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ReplyBody {
    /// Text, embedded as a JSON string.
    Text(String),
    /// JSON: embedded as a serialised string, or as JSON when the request set `"json": true`.
    Json(Value),
    /// Binary data, embedded as base64.
    Binary(Vec<u8>),
}

/// A peeled layer: the decrypted plaintext, what to do with it and the key to answer with.
pub struct PeeledLayer {
    enc_type: EncType,
    hop_no: u32,
    plaintext: Zeroizing<Vec<u8>>,
    reply_key: ReplyKey,
    decision: Decision,
}

impl fmt::Debug for PeeledLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeeledLayer")
            .field("enc_type", &self.enc_type)
            .field("hop_no", &self.hop_no)
            .field("client", &self.reply_key.client)
            .field("decision", &self.decision)
            .finish_non_exhaustive()
    }
}

impl PeeledLayer {
    /// What to do.
    #[must_use]
    pub fn decision(&self) -> &Decision {
        &self.decision
    }
    /// The decrypted layer (`LE32 ‖ blob ‖ JSON`).
    #[must_use]
    pub fn plaintext(&self) -> &[u8] {
        &self.plaintext
    }
    /// The layer's enc_type.
    #[must_use]
    pub fn enc_type(&self) -> EncType {
        self.enc_type
    }
    /// The layer's hop counter.
    #[must_use]
    pub fn hop_no(&self) -> u32 {
        self.hop_no
    }
    /// The client's ephemeral key for this layer.
    #[must_use]
    pub fn client_key(&self) -> &X25519PublicKey {
        &self.reply_key.client
    }
    /// The key to answer with.
    #[must_use]
    pub fn reply_key(&self) -> &ReplyKey {
        &self.reply_key
    }

    fn wrap(
        &self,
        rng: &mut (impl CryptoRng + RngCore),
        status: u16,
        body: Value,
        base64: bool,
    ) -> Vec<u8> {
        let mut reply = BTreeMap::new();
        reply.insert("body", body);
        reply.insert("status", Value::from(status));
        let ct = self.reply_key.encrypt(rng, &sorted_json(reply));
        if base64 {
            base64::engine::general_purpose::STANDARD
                .encode(ct)
                .into_bytes()
        } else {
            ct
        }
    }

    /// The destination's reply (HTTP 200 body): `{"status","body"}` encrypted for the client and
    /// base64-encoded, honouring the request's `json` and `base64` flags (defaults when this
    /// layer is not a final request).
    #[must_use]
    pub fn final_reply(
        &self,
        rng: &mut (impl CryptoRng + RngCore),
        status: u16,
        body: ReplyBody,
    ) -> Vec<u8> {
        let (json, base64) = match &self.decision {
            Decision::Accept(Route::Final(f)) => (f.json, f.base64),
            _ => (false, true),
        };
        let body = match body {
            ReplyBody::Text(s) => Value::String(s),
            ReplyBody::Json(v) if json => v,
            ReplyBody::Json(v) => Value::String(v.to_string()),
            ReplyBody::Binary(b) => {
                Value::String(base64::engine::general_purpose::STANDARD.encode(b))
            }
        };
        self.wrap(rng, status, body, base64)
    }

    /// The reply to a [`Decision::Reject`]: `{"body":"Invalid json"|"Invalid url","status":400}`
    /// encrypted with this layer's key, base64 (HTTP 200 body).
    #[must_use]
    pub fn rejection_reply(&self, rng: &mut (impl CryptoRng + RngCore), why: Rejection) -> Vec<u8> {
        self.wrap(rng, 400, Value::from(why.message()), true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_filter() {
        assert!(is_target_allowed("/loki/v3/lsrpc"));
        assert!(is_target_allowed("/oxen/v4/lsrpc"));
        assert!(!is_target_allowed("/oxen/v4/lsrpc?x=1"));
        assert!(!is_target_allowed("/loki/v3"));
        assert!(!is_target_allowed("loki/v3/lsrpc"));
    }

    #[test]
    fn relay_message_round_trip() {
        let l = IncomingLayer::new(
            b"<blob>".to_vec(),
            X25519PublicKey::from_bytes(&[7; 32]),
            EncType::XChaCha20,
            3,
        );
        let m = l.encode_relay_message();
        assert_eq!(IncomingLayer::decode_relay_message(&m).unwrap(), l);
        let f = l.to_frame().unwrap();
        let back = IncomingLayer::parse_frame(&f).unwrap();
        assert_eq!(back.blob, l.blob);
        assert_eq!(back.hop_no, 0);
        let high = IncomingLayer { hop_no: 16, ..l };
        assert!(matches!(
            IncomingLayer::decode_relay_message(&high.encode_relay_message()),
            Err(Error::TooManyHops)
        ));
    }

    #[test]
    fn relay_message_edge_cases() {
        let mut m = b"d4:data1:x13:ephemeral_key32:".to_vec();
        m.extend_from_slice(&[9u8; 32]);
        m.extend_from_slice(b"6:hop_noi-5ee");
        let l = IncomingLayer::decode_relay_message(&m).unwrap();
        assert_eq!(
            (l.hop_no(), l.enc_type(), l.blob()),
            (1, EncType::AesGcm, &b"x"[..])
        );
        // Missing key, short key, unsorted keys, bad enc_type.
        for bad in [
            &b"d4:data1:xe"[..],
            b"d4:data1:x13:ephemeral_key1:xe",
            b"d6:hop_noi1e4:data1:xe",
            b"le",
        ] {
            assert!(IncomingLayer::decode_relay_message(bad).is_err());
        }
        let mut m = b"d4:data1:x8:enc_type3:rot13:ephemeral_key32:".to_vec();
        m.extend_from_slice(&[9u8; 32]);
        m.push(b'e');
        assert!(matches!(
            IncomingLayer::decode_relay_message(&m),
            Err(Error::UnsupportedEncType)
        ));
        // Frames: hop_no clamps at 0, limit 15, ephemeral_key must be hex.
        let f = |json: &str| encode_frame(b"ct", json.as_bytes()).unwrap();
        let k = "ab".repeat(32);
        let l =
            IncomingLayer::parse_frame(&f(&format!(r#"{{"ephemeral_key":"{k}","hop_no":-3}}"#)))
                .unwrap();
        assert_eq!(l.hop_no(), 0);
        assert!(matches!(
            IncomingLayer::parse_frame(&f(&format!(r#"{{"ephemeral_key":"{k}","hop_no":16}}"#))),
            Err(Error::TooManyHops)
        ));
        assert!(IncomingLayer::parse_frame(&f(r#"{"ephemeral_key":"zz"}"#)).is_err());
        assert!(
            IncomingLayer::parse_frame(&f(&format!(r#"{{"ephemeral_key":"{k}","enc_type":"x"}}"#)))
                .is_err()
        );
        let big = vec![0u8; MAX_REQUEST_SIZE + 1];
        assert!(matches!(
            IncomingLayer::parse_frame(&big),
            Err(Error::TooLarge)
        ));
    }

    #[test]
    fn nodes_peel_legacy_cbc_layers_and_honour_reply_flags() {
        use rand_core::SeedableRng as _;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(3);
        let node = NodeKeys::new(X25519SecretKey::from_bytes(&[5; 32]));
        let client = X25519SecretKey::from_bytes(&[6; 32]);
        for (t, flags) in [
            (EncType::AesCbc, r#"{"headers":[]}"#),
            (
                EncType::AesGcm,
                r#"{"headers":{},"json":true,"base64":false}"#,
            ),
        ] {
            let key = LayerKey::derive_as_client(t, &client, node.public_key()).unwrap();
            let inner =
                encode_frame(br#"{"method":"info","params":{}}"#, flags.as_bytes()).unwrap();
            let layer =
                IncomingLayer::new(key.encrypt(&mut rng, &inner), client.public_key(), t, 1);
            let peeled = node.peel(&layer).unwrap();
            let Decision::Accept(Route::Final(f)) = peeled.decision() else {
                panic!()
            };
            assert_eq!(f.rpc().unwrap().method, "info");
            let reply =
                peeled.final_reply(&mut rng, 200, ReplyBody::Json(serde_json::json!({"a": 1})));
            let plain = if f.base64() {
                use base64::Engine as _;
                let ct = base64::engine::general_purpose::STANDARD
                    .decode(&reply)
                    .unwrap();
                key.decrypt(&ct).unwrap()
            } else {
                key.decrypt(&reply).unwrap()
            };
            let expected = if f.json() {
                r#"{"body":{"a":1},"status":200}"#
            } else {
                r#"{"body":"{\"a\":1}","status":200}"#
            };
            assert_eq!(String::from_utf8(plain).unwrap(), expected);
        }
    }

    #[test]
    fn route_classification() {
        let f = |json: &str| encode_frame(b"ct", json.as_bytes()).unwrap();
        assert!(matches!(
            Route::parse(&f(r#"{"headers":[]}"#), 0),
            Ok(Route::Final(_))
        ));
        assert!(matches!(
            Route::parse(&f(r#"{"headers":"","json":1}"#), 0),
            Err(Error::InvalidJson(_))
        ));
        assert!(matches!(
            Route::parse(&f(r#"{"host":"h","target":"/x","protocol":"ftp"}"#), 0),
            Err(Error::InvalidUrl)
        ));
        assert!(matches!(
            Route::parse(&f(r#"{"host":"h"}"#), 0),
            Err(Error::InvalidJson(_))
        ));
        assert!(matches!(
            Route::parse(&f(r#"{"destination":"00"}"#), 0),
            Err(Error::InvalidJson(_))
        ));
        assert!(matches!(
            Route::parse(b"\x09\0\0\0ct{}", 0),
            Err(Error::InvalidJson(_))
        ));
        let relay = format!(
            r#"{{"destination":"{}","ephemeral_key":"{}"}}"#,
            "ab".repeat(32),
            "cd".repeat(32)
        );
        let Ok(Route::RelayToNode(r)) = Route::parse(&f(&relay), 2) else {
            panic!()
        };
        assert_eq!(r.next_layer().hop_no(), 3);
        assert_eq!(r.next_layer().enc_type(), EncType::AesGcm);
        assert!(matches!(
            Route::parse(&f(&relay), 15),
            Err(Error::TooManyHops)
        ));
        let Ok(Route::RelayToServer(s)) = Route::parse(
            &f(r#"{"host":"h","target":"/oxen/v4/lsrpc","port":8080,"protocol":"http"}"#),
            0,
        ) else {
            panic!()
        };
        assert_eq!(s.url(), "http://h:8080/oxen/v4/lsrpc");
        assert_eq!(s.blob(), b"ct");
    }
}
