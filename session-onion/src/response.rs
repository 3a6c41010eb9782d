//! The way back (spec `onion.md` §4): decrypting the destination's reply, and classifying
//! the plain-text errors of path nodes and the statuses inside decrypted replies.

use std::fmt;

use base64::Engine as _;
use serde_json::{Map, Value};

use crate::error::{Error, Result, Retry};
use crate::hop::{EncType, LayerKey};
use crate::v4::parse_v4_response;
use session_identity::{Ed25519PublicKey, X25519PublicKey, X25519SecretKey};

/// What the destination is, and so how its reply is encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ReplyFormat {
    /// A service node: base64 (or raw) `Enc({"status","body"})`.
    ServiceNode,
    /// An HTTP server on a v3 target: base64 `Enc(body)` or `Enc({"status_code"})`.
    ServerV3,
    /// An HTTP server on a v4 target: raw `Enc(l <info JSON> <body> e)`.
    ServerV4,
}

/// A successful (2xx) reply from the destination.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status inside the reply.
    pub status: u16,
    /// Response headers (v4 server replies only; empty otherwise).
    pub headers: Map<String, Value>,
    /// The body: a service node's `body` string as UTF-8 bytes (or the whole reply JSON when
    /// `body` is not a string), or the server's body bytes.
    pub body: Vec<u8>,
}

/// The client state between sending an onion request and reading its reply: the destination
/// layer's symmetric key (not the ephemeral secret it came from) and how the reply is encoded.
/// Consumed by [`PendingResponse::decrypt_response`].
pub struct PendingResponse {
    key: LayerKey,
    /// libsession falls back to aes-gcm when an xchacha20 reply fails (legacy push server).
    fallback: Option<LayerKey>,
    format: ReplyFormat,
    destination: Option<Ed25519PublicKey>,
}

impl fmt::Debug for PendingResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingResponse")
            .field("enc_type", &self.key.enc_type())
            .field("format", &self.format)
            .field("destination", &self.destination)
            .finish_non_exhaustive()
    }
}

impl PendingResponse {
    /// `ephemeral_pk` is `ephemeral`'s public key (the builder has it already).
    pub(crate) fn new(
        enc_type: EncType,
        ephemeral: &X25519SecretKey,
        ephemeral_pk: &X25519PublicKey,
        destination_x25519: &X25519PublicKey,
        format: ReplyFormat,
        destination: Option<Ed25519PublicKey>,
    ) -> Result<Self> {
        let shared = ephemeral.diffie_hellman(destination_x25519)?;
        let ephemeral_pk = *ephemeral_pk;
        let key = LayerKey::from_shared(enc_type, &shared, &ephemeral_pk, destination_x25519);
        let fallback = (enc_type == EncType::XChaCha20).then(|| {
            LayerKey::from_shared(EncType::AesGcm, &shared, &ephemeral_pk, destination_x25519)
        });
        Ok(Self {
            key,
            fallback,
            format,
            destination,
        })
    }

    /// The destination layer's key (the builder seals the destination layer with it).
    pub(crate) fn layer_key(&self) -> &LayerKey {
        &self.key
    }

    /// The pending state for a destination-layer ephemeral secret, for test vectors.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] for a degenerate exchange.
    #[cfg(feature = "testing")]
    pub fn from_ephemeral_for_testing(
        enc_type: EncType,
        ephemeral: &X25519SecretKey,
        destination_x25519: &X25519PublicKey,
        format: ReplyFormat,
    ) -> Result<Self> {
        Self::new(
            enc_type,
            ephemeral,
            &ephemeral.public_key(),
            destination_x25519,
            format,
            None,
        )
    }

    /// How the reply is expected to be encoded.
    #[must_use]
    pub fn format(&self) -> ReplyFormat {
        self.format
    }

    fn open(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        match self.key.decrypt(ciphertext) {
            Ok(p) => Ok(p),
            Err(e) => match &self.fallback {
                Some(k) => k.decrypt(ciphertext).map_err(|_| e),
                None => Err(e),
            },
        }
    }

    /// Decrypts the reply bytes, trying base64 text first (when the reply is valid base64) and
    /// the raw bytes second, or the reverse for v4.
    fn decrypt_any(&self, body: &[u8]) -> Result<Vec<u8>> {
        let text = std::str::from_utf8(body).ok();
        // Legacy `{"result": "<base64>"}` wrapper.
        let unwrapped: Option<Vec<u8>> = text
            .and_then(|t| serde_json::from_str::<Value>(t).ok())
            .and_then(|v| {
                v.get("result")
                    .and_then(Value::as_str)
                    .map(|s| s.as_bytes().to_vec())
            });
        let body = unwrapped.as_deref().unwrap_or(body);
        let decoded = std::str::from_utf8(body).ok().and_then(|t| {
            base64::engine::general_purpose::STANDARD
                .decode(t.trim())
                .ok()
        });
        let mut candidates: Vec<&[u8]> = Vec::with_capacity(2);
        match (self.format, decoded.as_deref()) {
            (ReplyFormat::ServerV4, Some(d)) => candidates.extend([body, d]),
            (_, Some(d)) => candidates.extend([d, body]),
            (_, None) => candidates.push(body),
        }
        let min = self.key.enc_type().min_ciphertext_len();
        if candidates.iter().all(|c| c.len() < min) {
            return Err(Error::TooShort);
        }
        let mut last = Error::DecryptionFailed;
        for c in candidates {
            match self.open(c) {
                Ok(p) => return Ok(p),
                Err(e) => last = e,
            }
        }
        Err(last)
    }

    /// Reads the reply to the onion request: `status` is the HTTP status the edge node answered
    /// with (200 for a normal QUIC reply; for a QUIC *error* reply any non-200 value — the code in
    /// its `"<code> <reason>\n\n"` prefix is used), `body` the response body.
    ///
    /// # Errors
    /// - [`Error::Path`]: a non-200 `status` — a node on the path answered in plain text
    ///   (unknown or unreachable next node, timeouts, ...);
    /// - [`Error::TooShort`] / [`Error::DecryptionFailed`]: the reply does not decrypt (also
    ///   what an intermediate hop's encrypted "Invalid json"/"Invalid url" looks like);
    /// - [`Error::InvalidJson`] / [`Error::InvalidBencode`]: the decrypted reply is malformed;
    /// - [`Error::Destination`]: the destination answered with a non-2xx status (421 wrong
    ///   swarm, 406/425 clock skew, 401/403, ...).
    ///
    /// [`Error::retry`] tells what to do about each.
    pub fn decrypt_response(self, status: u16, body: &[u8]) -> Result<Response> {
        if status != 200 {
            return Err(Error::Path(PathError::parse(
                status,
                body,
                self.destination.as_ref(),
                self.format,
            )));
        }
        let plain = self.decrypt_any(body)?;
        let response = match self.format {
            ReplyFormat::ServerV4 => {
                let r = parse_v4_response(&plain)?;
                Response {
                    status: r.code,
                    headers: r.headers,
                    body: r.body,
                }
            }
            ReplyFormat::ServiceNode => parse_json_reply(&plain)?,
            // A v3 server answers a 2xx with the bare body (any bytes, possibly JSON with its own
            // `status` field) and anything else with `{"status_code": N}`.
            ReplyFormat::ServerV3 => match serde_json::from_slice::<Value>(&plain) {
                Ok(Value::Object(m)) if m.get("status_code").is_some_and(Value::is_u64) => {
                    parse_json_reply(&plain)?
                }
                _ => Response {
                    status: 200,
                    headers: Map::new(),
                    body: plain,
                },
            },
        };
        if !(200..300).contains(&response.status) {
            return Err(Error::Destination(DestinationError::new(
                response,
                self.format,
            )));
        }
        if self.format == ReplyFormat::ServiceNode {
            if let Some(code) = batch_failure(&response.body) {
                let r = Response {
                    status: code,
                    ..response
                };
                return Err(Error::Destination(DestinationError::new(r, self.format)));
            }
        }
        Ok(response)
    }
}

/// `{"status" | "status_code": N, "body": ...}`.
fn parse_json_reply(plain: &[u8]) -> Result<Response> {
    let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(plain) else {
        return Err(Error::InvalidJson("reply is not a json object"));
    };
    let status = m
        .get("status_code")
        .and_then(Value::as_u64)
        .or_else(|| m.get("status").and_then(Value::as_u64))
        .and_then(|s| u16::try_from(s).ok())
        .ok_or(Error::InvalidJson("reply has no status"))?;
    let body = match m.get("body") {
        Some(Value::String(s)) => s.as_bytes().to_vec(),
        _ => Value::Object(m.clone()).to_string().into_bytes(),
    };
    Ok(Response {
        status,
        headers: Map::new(),
        body,
    })
}

/// A batch reply whose every sub-result failed with the same non-2xx code counts as that code.
fn batch_failure(body: &[u8]) -> Option<u16> {
    let v: Value = serde_json::from_slice(body).ok()?;
    let results = v.get("results")?.as_array()?;
    let mut codes = results
        .iter()
        .map(|r| r.get("code").and_then(Value::as_u64));
    let first = codes.next()??;
    if (200..300).contains(&first) || !codes.all(|c| c == Some(first)) {
        return None;
    }
    u16::try_from(first).ok()
}

/// Which plain-text error a path node returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PathErrorKind {
    /// `Next node not found: <ed25519>` (502).
    NextNodeNotFound,
    /// `Next node is currently unreachable: <ed25519>` (502).
    NextNodeUnreachable,
    /// The unknown/unreachable next node was the destination service node itself.
    DestinationUnreachable,
    /// `Snode not ready: <ed25519>` (503).
    NodeNotReady,
    /// `Service node is not ready` / `Server busy` (503 from the edge).
    EdgeNotReady,
    /// `Request time out` or another 504.
    Timeout,
    /// `Invalid response from snode` (500).
    InvalidNodeResponse,
    /// `Invalid ciphertext` (400): a node could not decrypt its layer.
    InvalidCiphertext,
    /// `Error parsing onion request`, `Invalid internal onion request`, hop limit, 413: the
    /// request is malformed.
    BadRequest,
    /// Anything else.
    Other,
}

/// A plain-text error from a node on the path (the edge answered non-200).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathError {
    status: u16,
    kind: PathErrorKind,
    node: Option<Ed25519PublicKey>,
    message: String,
    to_server: bool,
}

impl fmt::Display for PathError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.status, self.kind)?;
        if let Some(n) = &self.node {
            let s = n.to_string();
            write!(
                f,
                " ({}…{})",
                s.get(..4).unwrap_or(""),
                s.get(60..).unwrap_or("")
            )?;
        }
        Ok(())
    }
}

/// 64 hex digits after `marker` in `text` (surrounding whitespace trimmed).
fn key_after(text: &str, marker: &str) -> Option<Ed25519PublicKey> {
    let at = text.find(marker)?;
    let rest = text.get(at + marker.len()..)?.trim();
    rest.get(..64)?.parse().ok()
}

impl PathError {
    /// Classifies a non-200 edge answer. QUIC error bodies carry a `"<code> <reason>\n\n"`
    /// prefix, whose code then wins over `status`.
    #[must_use]
    pub fn parse(
        status: u16,
        body: &[u8],
        destination: Option<&Ed25519PublicKey>,
        format: ReplyFormat,
    ) -> Self {
        let text = String::from_utf8_lossy(body);
        let (mut status, mut message) = (status, text.as_ref());
        if let Some((head, rest)) = text.split_once("\n\n") {
            if let Some(code) = head.get(..3).and_then(|c| c.parse::<u16>().ok()) {
                if head.as_bytes().get(3) == Some(&b' ') {
                    status = code;
                    message = rest;
                }
            }
        }
        let mut node = None;
        let kind = if let Some(k) = key_after(message, "Next node not found: ") {
            node = Some(k);
            PathErrorKind::NextNodeNotFound
        } else if let Some(k) = key_after(message, "Next node is currently unreachable: ") {
            node = Some(k);
            PathErrorKind::NextNodeUnreachable
        } else if let Some(k) = key_after(message, "Snode not ready: ") {
            node = Some(k);
            PathErrorKind::NodeNotReady
        } else if message.contains("Service node is not ready") || message.contains("Server busy") {
            PathErrorKind::EdgeNotReady
        } else if message.contains("Request time out") || status == 504 {
            PathErrorKind::Timeout
        } else if message.contains("Invalid response from snode") {
            PathErrorKind::InvalidNodeResponse
        } else if message.contains("Invalid ciphertext") {
            PathErrorKind::InvalidCiphertext
        } else if message.contains("Error parsing onion request")
            || message.contains("Invalid internal onion request")
            || message.contains("max path length exceeded")
            || status == 413
        {
            PathErrorKind::BadRequest
        } else {
            PathErrorKind::Other
        };
        let kind = match (kind, node.as_ref(), destination) {
            (
                PathErrorKind::NextNodeNotFound | PathErrorKind::NextNodeUnreachable,
                Some(n),
                Some(d),
            ) if n == d => PathErrorKind::DestinationUnreachable,
            _ => kind,
        };
        let message: String = message.trim().chars().take(512).collect();
        let to_server = format != ReplyFormat::ServiceNode;
        Self {
            status,
            kind,
            node,
            message,
            to_server,
        }
    }

    /// The status code.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.status
    }
    /// Which error it is.
    #[must_use]
    pub fn kind(&self) -> PathErrorKind {
        self.kind
    }
    /// The failing node named in the message, if any.
    #[must_use]
    pub fn node(&self) -> Option<&Ed25519PublicKey> {
        self.node.as_ref()
    }
    /// The message (trimmed, at most 512 characters).
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What to do about it (spec §4.4 client reactions).
    #[must_use]
    pub fn retry(&self) -> Retry {
        match (self.kind, &self.node) {
            (PathErrorKind::DestinationUnreachable, _) => Retry::OtherSwarmMember,
            (
                PathErrorKind::NextNodeNotFound
                | PathErrorKind::NextNodeUnreachable
                | PathErrorKind::NodeNotReady,
                Some(n),
            ) => Retry::DropNode(*n),
            (PathErrorKind::BadRequest, _) => Retry::Never,
            // For HTTP destinations, timeouts and server-side failures are not the path's fault.
            (PathErrorKind::Timeout, _) if self.to_server => Retry::Later,
            (PathErrorKind::Other, _) if self.to_server && matches!(self.status, 500 | 502) => {
                Retry::Later
            }
            _ => Retry::OtherPath,
        }
    }
}

/// What a non-2xx status inside a decrypted reply means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DestinationErrorKind {
    /// 421: the service node is not in the account's swarm.
    WrongSwarm,
    /// 406 / 425: the request timestamp is too far from the node's clock.
    ClockOutOfSync,
    /// 401 / 403: signature or permission refused.
    Unauthorized,
    /// 400 / 404 and other 4xx: the request is wrong.
    BadRequest,
    /// 429: rate limited.
    RateLimited,
    /// 5xx: the destination failed or is not ready.
    Unavailable,
    /// Anything else.
    Other,
}

/// A member of a swarm as listed in a 421 reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwarmMember {
    /// Ed25519 identity.
    pub ed25519: Ed25519PublicKey,
    /// X25519 key, when listed.
    pub x25519: Option<X25519PublicKey>,
    /// IP address as text.
    pub ip: String,
    /// HTTPS storage port.
    pub port_https: Option<u16>,
    /// OxenMQ / QUIC port.
    pub port_omq: Option<u16>,
}

/// A non-2xx status inside the destination's decrypted reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DestinationError {
    response: Response,
    kind: DestinationErrorKind,
    swarm: Vec<SwarmMember>,
    to_server: bool,
}

impl fmt::Display for DestinationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {:?}", self.response.status, self.kind)
    }
}

fn port(v: Option<&Value>) -> Option<u16> {
    match v? {
        Value::Number(n) => n.as_u64().and_then(|p| u16::try_from(p).ok()),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

fn swarm_members(body: &[u8]) -> Vec<SwarmMember> {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return Vec::new();
    };
    let Some(nodes) = v.get("snodes").and_then(Value::as_array) else {
        return Vec::new();
    };
    nodes
        .iter()
        .filter_map(|n| {
            Some(SwarmMember {
                ed25519: n.get("pubkey_ed25519")?.as_str()?.parse().ok()?,
                x25519: n
                    .get("pubkey_x25519")
                    .and_then(Value::as_str)
                    .and_then(|s| s.parse().ok()),
                ip: n.get("ip")?.as_str()?.to_owned(),
                port_https: port(n.get("port_https")).or_else(|| port(n.get("port"))),
                port_omq: port(n.get("port_omq")),
            })
        })
        .collect()
}

impl DestinationError {
    fn new(response: Response, format: ReplyFormat) -> Self {
        let kind = match response.status {
            421 => DestinationErrorKind::WrongSwarm,
            406 | 425 => DestinationErrorKind::ClockOutOfSync,
            401 | 403 => DestinationErrorKind::Unauthorized,
            429 => DestinationErrorKind::RateLimited,
            400..=499 => DestinationErrorKind::BadRequest,
            500..=599 => DestinationErrorKind::Unavailable,
            _ => DestinationErrorKind::Other,
        };
        let swarm = if kind == DestinationErrorKind::WrongSwarm {
            swarm_members(&response.body)
        } else {
            Vec::new()
        };
        Self {
            response,
            kind,
            swarm,
            to_server: format != ReplyFormat::ServiceNode,
        }
    }

    /// The status inside the reply.
    #[must_use]
    pub fn status(&self) -> u16 {
        self.response.status
    }
    /// What it means.
    #[must_use]
    pub fn kind(&self) -> DestinationErrorKind {
        self.kind
    }
    /// The whole reply (status, headers, body).
    #[must_use]
    pub fn response(&self) -> &Response {
        &self.response
    }
    /// For 421: the swarm the node says the account belongs to (may be empty).
    #[must_use]
    pub fn swarm(&self) -> &[SwarmMember] {
        &self.swarm
    }

    /// What to do about it (spec §4.4).
    #[must_use]
    pub fn retry(&self) -> Retry {
        match self.kind {
            DestinationErrorKind::WrongSwarm => Retry::OtherSwarmMember,
            DestinationErrorKind::ClockOutOfSync => Retry::FixClock,
            DestinationErrorKind::RateLimited => Retry::Later,
            DestinationErrorKind::Unavailable if self.to_server => Retry::Later,
            DestinationErrorKind::Unavailable => Retry::OtherSwarmMember,
            _ => Retry::Never,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_errors_are_classified() {
        let pk = "ab".repeat(32);
        let e = PathError::parse(
            502,
            format!("Next node not found: {pk}\n").as_bytes(),
            None,
            ReplyFormat::ServiceNode,
        );
        assert_eq!(e.kind(), PathErrorKind::NextNodeNotFound);
        assert_eq!(e.retry(), Retry::DropNode(pk.parse().unwrap()));
        let quic = format!("502 Bad Gateway\n\nNext node is currently unreachable:  {pk} ");
        let e = PathError::parse(200, quic.as_bytes(), None, ReplyFormat::ServiceNode);
        assert_eq!(
            (e.status(), e.kind()),
            (502, PathErrorKind::NextNodeUnreachable)
        );
        let dest: Ed25519PublicKey = pk.parse().unwrap();
        let e = PathError::parse(502, quic.as_bytes(), Some(&dest), ReplyFormat::ServiceNode);
        assert_eq!(e.retry(), Retry::OtherSwarmMember);
        let e = PathError::parse(504, b"Request time out", None, ReplyFormat::ServiceNode);
        assert_eq!(e.retry(), Retry::OtherPath);
        let e = PathError::parse(504, b"Request time out", None, ReplyFormat::ServerV4);
        assert_eq!(e.retry(), Retry::Later);
        let e = PathError::parse(
            400,
            b"Error parsing onion request: x",
            None,
            ReplyFormat::ServiceNode,
        );
        assert_eq!(e.retry(), Retry::Never);
        let e = PathError::parse(
            503,
            b"Server busy, try again later",
            None,
            ReplyFormat::ServiceNode,
        );
        assert_eq!(e.kind(), PathErrorKind::EdgeNotReady);
        let e = PathError::parse(
            502,
            b"Next node not found: zz",
            None,
            ReplyFormat::ServiceNode,
        );
        assert_eq!(
            (e.kind(), e.retry()),
            (PathErrorKind::Other, Retry::OtherPath)
        );
    }

    #[test]
    fn destination_statuses_are_classified() {
        let body = format!(
            r#"{{"snodes":[{{"pubkey_ed25519":"{}","pubkey_x25519":"{}","ip":"1.2.3.4","port_https":22021,"port_omq":22020}},{{"ip":"x"}}],"swarm":"ff"}}"#,
            "ab".repeat(32),
            "cd".repeat(32)
        );
        let r = Response {
            status: 421,
            headers: Map::new(),
            body: body.into_bytes(),
        };
        let e = DestinationError::new(r, ReplyFormat::ServiceNode);
        assert_eq!(e.retry(), Retry::OtherSwarmMember);
        assert_eq!(e.swarm().len(), 1);
        assert_eq!(e.swarm()[0].port_https, Some(22021));
        let r = Response {
            status: 425,
            headers: Map::new(),
            body: vec![],
        };
        assert_eq!(
            DestinationError::new(r, ReplyFormat::ServerV4).retry(),
            Retry::FixClock
        );
        assert_eq!(
            batch_failure(br#"{"results":[{"code":401},{"code":401}]}"#),
            Some(401)
        );
        assert_eq!(
            batch_failure(br#"{"results":[{"code":401},{"code":200}]}"#),
            None
        );
        assert_eq!(batch_failure(br#"{"results":[]}"#), None);
    }
}
