//! Request authentication: the four `X-SOGS-*` headers (community.md §4).
//!
//! Client side, [`RequestSigner`] makes the headers of a request with a 15-blinded key (what
//! servers require by default), a 25-blinded key or the unblinded Ed25519 key. Server side,
//! [`verify_request`] applies the server's rules in the server's order (§4.5), with the state a
//! server keeps (bans, used nonces) behind the [`AuthState`] trait, so that a test server and
//! the fuzzers run the same code.

use core::fmt;
use std::collections::HashMap;

use rand_core::{CryptoRng, RngCore};
use session_identity::hash::blake2b_512;
use session_identity::{
    Blind15KeyPair, Blind15Nonce, Blind25KeyPair, Ed25519KeyPair, Ed25519PublicKey, IdPrefix,
    SessionId, Signature, X25519PublicKey,
};

use crate::encoding::{b64_decode, b64_encode};

/// `X-SOGS-Pubkey`: `15`/`25`/`00` ‖ 32 key bytes, 66 lowercase hex digits.
pub const HEADER_PUBKEY: &str = "X-SOGS-Pubkey";
/// `X-SOGS-Timestamp`: unix seconds in decimal.
pub const HEADER_TIMESTAMP: &str = "X-SOGS-Timestamp";
/// `X-SOGS-Nonce`: 16 random bytes, base64.
pub const HEADER_NONCE: &str = "X-SOGS-Nonce";
/// `X-SOGS-Signature`: 64-byte signature, base64.
pub const HEADER_SIGNATURE: &str = "X-SOGS-Signature";
/// The four headers, in the order the server reads them.
pub const AUTH_HEADERS: [&str; 4] = [
    HEADER_PUBKEY,
    HEADER_TIMESTAMP,
    HEADER_NONCE,
    HEADER_SIGNATURE,
];
/// Length of the request nonce in bytes.
pub const NONCE_LEN: usize = 16;
/// The largest accepted difference between `X-SOGS-Timestamp` and the server clock, seconds
/// (inclusive).
pub const MAX_CLOCK_SKEW: i64 = 86_400;

/// Splits `path[?query]` at the first raw `?` and percent-decodes the path part (community.md
/// §4.2): `%XX` with two hex digits becomes that byte, any other `%` stays literal, `+` is not
/// special; the bytes are then read as UTF-8 with U+FFFD for invalid sequences (what the server
/// signs for a direct HTTP request). The query is returned exactly as given.
#[must_use]
pub fn split_and_decode_path(path_and_query: &str) -> (String, Option<&str>) {
    let (path, query) = match path_and_query.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path_and_query, None),
    };
    (
        String::from_utf8_lossy(&percent_decode(path)).into_owned(),
        query,
    )
}

/// Percent-decodes bytes: `%XX` (two hex digits, either case) → the byte; anything else as is.
#[must_use]
pub fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).and_then(|x| hex_val(*x)),
                b.get(i + 2).and_then(|x| hex_val(*x)),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// The bytes an `X-SOGS-Signature` signs (community.md §4.2):
/// `server_pk ‖ nonce ‖ timestamp ‖ method ‖ decoded path [‖ "?" ‖ raw query] [‖ BLAKE2b-512(body)]`.
/// The query is added only when non-empty, the body hash only when the body is non-empty.
#[must_use]
pub fn signed_message(
    server_pk: &X25519PublicKey,
    nonce: &[u8; NONCE_LEN],
    timestamp: &str,
    method: &str,
    path_and_query: &str,
    body: &[u8],
) -> Vec<u8> {
    let (path, query) = split_and_decode_path(path_and_query);
    let mut m = Vec::with_capacity(32 + NONCE_LEN + 64 + path_and_query.len() + 64);
    m.extend_from_slice(server_pk.as_bytes());
    m.extend_from_slice(nonce);
    m.extend_from_slice(timestamp.as_bytes());
    m.extend_from_slice(method.as_bytes());
    m.extend_from_slice(path.as_bytes());
    if let Some(q) = query.filter(|q| !q.is_empty()) {
        m.push(b'?');
        m.extend_from_slice(q.as_bytes());
    }
    if !body.is_empty() {
        m.extend_from_slice(&blake2b_512(&[body]));
    }
    m
}

/// Which key authenticates requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// `15 ‖ k15·A` (servers with the `blind` capability; the default).
    Blind15,
    /// `25 ‖ k25·|A|` (not accepted by pysogs @ 9497ddbf; community.md §4.3).
    Blind25,
    /// `00 ‖ A`, the unblinded Ed25519 key (servers without `blind` only).
    Unblinded,
}

enum SigningKey {
    Blind15(Blind15KeyPair, Blind15Nonce),
    Blind25(Blind25KeyPair),
    Unblinded(Ed25519KeyPair),
}

/// Signs community requests for one server with one key.
///
/// ```
/// use session_community::auth::RequestSigner;
/// use session_identity::{Ed25519KeyPair, X25519PublicKey};
/// let me = Ed25519KeyPair::from_seed(&[7; 32]);
/// let server = X25519PublicKey::from_bytes(&[9; 32]);
/// let signer = RequestSigner::blind15(&me, &server);
/// let h = signer.sign("GET", "/room/lounge/messages/recent", b"", 1_700_000_000, &[1; 16]);
/// assert!(h.pubkey.starts_with("15"));
/// assert_eq!(h.timestamp, "1700000000");
/// # Ok::<(), session_community::Error>(())
/// ```
pub struct RequestSigner {
    server_pk: X25519PublicKey,
    key: SigningKey,
    id: [u8; 33],
}

impl fmt::Debug for RequestSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequestSigner")
            .field("kind", &self.kind())
            .field("pubkey", &hex::encode(self.id))
            .finish_non_exhaustive()
    }
}

impl RequestSigner {
    /// A 15-blinded signer (libsession's signature nonce, [`Blind15Nonce::default`]).
    #[must_use]
    pub fn blind15(keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        Self::blind15_with_nonce(keypair, server_pk, Blind15Nonce::default())
    }

    /// A 15-blinded signer with the given nonce derivation (session-desktop and pysogs use
    /// [`Blind15Nonce::Seed32`]; both verify).
    #[must_use]
    pub fn blind15_with_nonce(
        keypair: &Ed25519KeyPair,
        server_pk: &X25519PublicKey,
        nonce: Blind15Nonce,
    ) -> Self {
        let kp = keypair.blind15(server_pk);
        let id = kp.blinded_id().to_bytes();
        Self {
            server_pk: *server_pk,
            key: SigningKey::Blind15(kp, nonce),
            id,
        }
    }

    /// A 25-blinded signer.
    #[must_use]
    pub fn blind25(keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        let kp = keypair.blind25(server_pk);
        let id = kp.blinded_id().to_bytes();
        Self {
            server_pk: *server_pk,
            key: SigningKey::Blind25(kp),
            id,
        }
    }

    /// An unblinded (`00`) signer.
    #[must_use]
    pub fn unblinded(keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        let mut id = [0u8; 33];
        id[1..].copy_from_slice(keypair.public_key().as_bytes());
        Self {
            server_pk: *server_pk,
            key: SigningKey::Unblinded(keypair.clone()),
            id,
        }
    }

    /// A signer of the given kind.
    #[must_use]
    pub fn new(kind: KeyKind, keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        match kind {
            KeyKind::Blind15 => Self::blind15(keypair, server_pk),
            KeyKind::Blind25 => Self::blind25(keypair, server_pk),
            KeyKind::Unblinded => Self::unblinded(keypair, server_pk),
        }
    }

    /// Which key signs.
    #[must_use]
    pub fn kind(&self) -> KeyKind {
        match self.key {
            SigningKey::Blind15(..) => KeyKind::Blind15,
            SigningKey::Blind25(_) => KeyKind::Blind25,
            SigningKey::Unblinded(_) => KeyKind::Unblinded,
        }
    }

    /// The server key requests are signed for.
    #[must_use]
    pub fn server_pk(&self) -> &X25519PublicKey {
        &self.server_pk
    }

    /// The 33 bytes of `X-SOGS-Pubkey` (`15`/`25`/`00` ‖ key).
    #[must_use]
    pub fn pubkey_bytes(&self) -> [u8; 33] {
        self.id
    }

    /// The Ed25519 key the signatures verify with (the header key without its prefix).
    #[must_use]
    pub fn signing_key(&self) -> Ed25519PublicKey {
        let mut k = [0u8; 32];
        k.copy_from_slice(&self.id[1..]);
        Ed25519PublicKey::from_bytes(&k)
    }

    /// The 15-blinded key pair, when this signer is 15-blinded (posts are signed with it).
    #[must_use]
    pub fn blind15_keypair(&self) -> Option<(&Blind15KeyPair, Blind15Nonce)> {
        match &self.key {
            SigningKey::Blind15(kp, n) => Some((kp, *n)),
            _ => None,
        }
    }

    /// The user's id as the server will name them: `15…` for a 15 key, `25…` for a 25 key,
    /// `05 ‖ X25519` for the unblinded key.
    #[must_use]
    pub fn session_id(&self) -> SessionId {
        match &self.key {
            SigningKey::Blind15(kp, _) => kp.blinded_id().into(),
            SigningKey::Blind25(kp) => kp.blinded_id().into(),
            SigningKey::Unblinded(kp) => kp.account_id().into(),
        }
    }

    /// Signs arbitrary bytes with the request key (used for the request and, for blinded keys,
    /// post signatures).
    #[must_use]
    pub fn sign_bytes(&self, message: &[u8]) -> Signature {
        match &self.key {
            SigningKey::Blind15(kp, n) => kp.sign_with(message, *n),
            SigningKey::Blind25(kp) => kp.sign(message),
            SigningKey::Unblinded(kp) => kp.sign(message),
        }
    }

    /// The four headers of a request, with the timestamp and the 16 nonce bytes given
    /// (deterministic; see [`RequestSigner::sign_with_rng`]). `path_and_query` is the path as
    /// sent (percent-escapes allowed), `body` the exact body bytes (empty = none).
    #[must_use]
    pub fn sign(
        &self,
        method: &str,
        path_and_query: &str,
        body: &[u8],
        timestamp: u64,
        nonce: &[u8; NONCE_LEN],
    ) -> AuthHeaders {
        let ts = timestamp.to_string();
        let m = signed_message(&self.server_pk, nonce, &ts, method, path_and_query, body);
        let sig = self.sign_bytes(&m);
        AuthHeaders {
            pubkey: hex::encode(self.id),
            timestamp: ts,
            nonce: b64_encode(nonce),
            signature: b64_encode(sig.as_bytes()),
        }
    }

    /// [`RequestSigner::sign`] with a fresh random nonce (a nonce must never be reused).
    #[must_use]
    pub fn sign_with_rng(
        &self,
        rng: &mut (impl CryptoRng + RngCore),
        method: &str,
        path_and_query: &str,
        body: &[u8],
        timestamp: u64,
    ) -> AuthHeaders {
        let mut nonce = [0u8; NONCE_LEN];
        rng.fill_bytes(&mut nonce);
        self.sign(method, path_and_query, body, timestamp, &nonce)
    }
}

/// The four `X-SOGS-*` header values of one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthHeaders {
    /// `X-SOGS-Pubkey` (66 lowercase hex).
    pub pubkey: String,
    /// `X-SOGS-Timestamp` (decimal unix seconds).
    pub timestamp: String,
    /// `X-SOGS-Nonce` (padded standard base64 of 16 bytes).
    pub nonce: String,
    /// `X-SOGS-Signature` (padded standard base64 of 64 bytes).
    pub signature: String,
}

impl AuthHeaders {
    /// `(name, value)` pairs in [`AUTH_HEADERS`] order.
    #[must_use]
    pub fn pairs(&self) -> [(&'static str, &str); 4] {
        [
            (HEADER_PUBKEY, &self.pubkey),
            (HEADER_TIMESTAMP, &self.timestamp),
            (HEADER_NONCE, &self.nonce),
            (HEADER_SIGNATURE, &self.signature),
        ]
    }
}

/// Why the server refused a request's authentication (community.md §4.5–§4.6). Each variant has
/// the server's status ([`AuthError::status`]), plain-text body ([`AuthError::message`]) and the
/// conformance category ([`AuthError::category`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// Some but not all of the four headers are present (absent or empty ones counted).
    #[error("missing {0}/4 required X-SOGS-* headers")]
    HeadersMissing(u8),
    /// `X-SOGS-Pubkey` does not decode to 33 bytes.
    #[error("X-SOGS-Pubkey is not a valid 66-hex digit id")]
    PubkeyMalformed,
    /// `X-SOGS-Pubkey` has a prefix other than `00` or `15`.
    #[error("X-SOGS-Pubkey must be 00- or 15- prefixed")]
    InvalidPrefix,
    /// `X-SOGS-Pubkey` is not a valid prime-order Ed25519 point (or, for `00`, has no X25519
    /// form).
    #[error("given X-SOGS-Pubkey is not a valid Ed25519 pubkey")]
    InvalidPoint,
    /// An unblinded `00` key on a server that requires blinded ids.
    #[error("this server requires the use of blinded ids")]
    BlindingRequired,
    /// `X-SOGS-Nonce` does not decode to 16 bytes.
    #[error("X-SOGS-Nonce must be 16 bytes (encoded as base64 or hex)")]
    NonceMalformed,
    /// `X-SOGS-Signature` does not decode to 64 bytes.
    #[error("X-SOGS-Signature is not base64[88]")]
    SignatureMalformed,
    /// `X-SOGS-Timestamp` is not an integer.
    #[error("X-SOGS-Timestamp is not a valid timestamp")]
    TimestampMalformed,
    /// `X-SOGS-Timestamp` is more than [`MAX_CLOCK_SKEW`] from the server clock.
    #[error("X-SOGS-Timestamp is too far from current time")]
    TimestampSkew,
    /// The user is banned server-wide.
    #[error("banned")]
    Banned,
    /// The user already used this nonce.
    #[error("X-SOGS-Nonce cannot be reused")]
    NonceReused,
    /// The signature does not verify over the request.
    #[error("X-SOGS-Signature verification failed")]
    SignatureInvalid,
}

impl AuthError {
    /// The HTTP status the server answers with (400, 401, 403 or 425).
    #[must_use]
    pub fn status(&self) -> u16 {
        match self {
            AuthError::TimestampSkew | AuthError::NonceReused => 425,
            AuthError::Banned => 403,
            AuthError::SignatureInvalid => 401,
            _ => 400,
        }
    }

    /// The plain-text body pysogs answers with (community.md §4.6).
    #[must_use]
    pub fn message(&self) -> String {
        match self {
            AuthError::HeadersMissing(_) => format!("Invalid authentication headers: {self}"),
            AuthError::Banned => "Banned".into(),
            _ => format!("Invalid authentication: {self}"),
        }
    }

    /// The conformance category (`vectors/README.md`); the state errors (ban, nonce reuse) have
    /// none in the vectors and are named `banned` and `nonce_reused`.
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            AuthError::HeadersMissing(_) => "auth_headers_missing",
            AuthError::PubkeyMalformed
            | AuthError::NonceMalformed
            | AuthError::SignatureMalformed
            | AuthError::TimestampMalformed => "auth_header_malformed",
            AuthError::InvalidPrefix => "invalid_prefix",
            AuthError::InvalidPoint => "invalid_point",
            AuthError::BlindingRequired => "auth_blinding_required",
            AuthError::TimestampSkew => "auth_timestamp_skew",
            AuthError::Banned => "banned",
            AuthError::NonceReused => "nonce_reused",
            AuthError::SignatureInvalid => "auth_signature_invalid",
        }
    }
}

/// The server's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthPolicy {
    /// Refuse unblinded `00` keys (pysogs default: true).
    pub require_blind_keys: bool,
}

impl Default for AuthPolicy {
    fn default() -> Self {
        Self {
            require_blind_keys: true,
        }
    }
}

impl AuthPolicy {
    /// A policy that requires blinded keys or not.
    #[must_use]
    pub fn new(require_blind_keys: bool) -> Self {
        Self { require_blind_keys }
    }
}

/// What a server remembers between requests: bans and used nonces (§4.4, §4.5 steps 5–6).
pub trait AuthState {
    /// Whether the user is banned server-wide (checked before the signature).
    fn is_banned(&mut self, user: &SessionId) -> bool;
    /// Records a nonce of a user (with the request's timestamp, so that entries can be pruned
    /// once that timestamp leaves the accepted window); false if it was used before.
    fn record_nonce(&mut self, user: &SessionId, nonce: &[u8; NONCE_LEN], timestamp: i64) -> bool;
}

/// No state: nobody is banned, every nonce is fresh (each conformance vector is checked so).
#[derive(Debug, Clone, Copy, Default)]
pub struct Stateless;

impl AuthState for Stateless {
    fn is_banned(&mut self, _user: &SessionId) -> bool {
        false
    }
    fn record_nonce(&mut self, _: &SessionId, _: &[u8; NONCE_LEN], _: i64) -> bool {
        true
    }
}

/// An in-memory [`AuthState`]: a ban set and a nonce table pruned by timestamp.
#[derive(Debug, Clone, Default)]
pub struct MemoryAuthState {
    banned: std::collections::HashSet<SessionId>,
    nonces: HashMap<(SessionId, [u8; NONCE_LEN]), i64>,
}

impl MemoryAuthState {
    /// An empty state.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Bans (or unbans) a user server-wide.
    pub fn set_banned(&mut self, user: SessionId, banned: bool) {
        if banned {
            self.banned.insert(user);
        } else {
            self.banned.remove(&user);
        }
    }

    /// Forgets nonces whose request timestamp is outside the window around `now`: a request
    /// carrying such a timestamp is refused before the nonce table is consulted.
    pub fn prune(&mut self, now: i64) {
        self.nonces
            .retain(|_, ts| now.saturating_sub(*ts).saturating_abs() <= MAX_CLOCK_SKEW);
    }

    /// How many nonces are remembered.
    #[must_use]
    pub fn nonce_count(&self) -> usize {
        self.nonces.len()
    }
}

impl AuthState for MemoryAuthState {
    fn is_banned(&mut self, user: &SessionId) -> bool {
        self.banned.contains(user)
    }
    fn record_nonce(&mut self, user: &SessionId, nonce: &[u8; NONCE_LEN], timestamp: i64) -> bool {
        use std::collections::hash_map::Entry;
        match self.nonces.entry((*user, *nonce)) {
            Entry::Occupied(_) => false,
            Entry::Vacant(v) => {
                v.insert(timestamp);
                true
            }
        }
    }
}

/// An authenticated user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthenticatedUser {
    /// The id the server names the user by: `15 ‖ key` as sent, or `05 ‖ X25519(A)`.
    pub session_id: SessionId,
    /// The key kind the user authenticated with.
    pub kind: KeyKind,
    /// The Ed25519 key the request signature verified with.
    pub signing_key: Ed25519PublicKey,
}

/// Whether two header names are the same for the server: ASCII case-insensitive, and `_`
/// equal to `-` (pysogs reads headers CGI-style, upper-cased with `-` mapped to `_`).
fn same_header(a: &str, b: &str) -> bool {
    let norm = |c: u8| {
        if c == b'_' {
            b'-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| norm(x) == norm(y))
}

/// Looks up a header (see [`same_header`]); with several spellings of one name the last wins.
fn header<'a>(headers: &[(&'a str, &'a str)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .rev()
        .find(|(k, _)| same_header(k, name))
        .map(|(_, v)| *v)
}

/// A request as the server received it.
#[derive(Debug, Clone, Copy)]
pub struct ReceivedRequest<'a> {
    /// The method as received (requests are signed with it uppercase).
    pub method: &'a str,
    /// The path and query as received (percent-escapes included).
    pub path_and_query: &'a str,
    /// The body bytes (empty = none).
    pub body: &'a [u8],
    /// The headers (names case-insensitive, `_` the same as `-`; others than `X-SOGS-*` are
    /// ignored).
    pub headers: &'a [(&'a str, &'a str)],
}

/// Decodes `size` bytes given as `2·size` hex digits (either case) or as standard base64
/// (padding optional, strict otherwise).
fn decode_sized(s: &str, size: usize) -> Option<Vec<u8>> {
    let bytes = if s.len() == 2 * size {
        hex::decode(s).ok()?
    } else {
        b64_decode(s).ok()?
    };
    (bytes.len() == size).then_some(bytes)
}

/// Parses a timestamp as Python's `int()` does for decimal text: surrounding whitespace, an
/// optional sign, digits with single `_` between digits.
fn parse_timestamp(s: &str) -> Option<i64> {
    let t = s.trim_matches(|c: char| c.is_ascii_whitespace());
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..)?),
        Some(b'+') => (false, t.get(1..)?),
        _ => (false, t),
    };
    let b = digits.as_bytes();
    if b.is_empty()
        || !b.first().is_some_and(u8::is_ascii_digit)
        || !b.last().is_some_and(u8::is_ascii_digit)
        || b.windows(2).any(|w| w == b"__")
        || !b.iter().all(|c| c.is_ascii_digit() || *c == b'_')
    {
        return None;
    }
    let mut v: i64 = 0;
    for c in b.iter().filter(|c| c.is_ascii_digit()) {
        v = v.checked_mul(10)?.checked_add(i64::from(c - b'0'))?;
    }
    Some(if neg { -v } else { v })
}

/// Authenticates a request from its `X-SOGS-*` headers, as the server does (community.md §4.5),
/// at server time `now` (unix seconds). Returns `Ok(None)` for a request without any
/// `X-SOGS-*` header (anonymous).
///
/// ```
/// use session_community::auth::{AuthPolicy, ReceivedRequest, RequestSigner, Stateless, verify_request};
/// use session_identity::{Ed25519KeyPair, X25519PublicKey};
/// let server = X25519PublicKey::from_bytes(&[9; 32]);
/// let signer = RequestSigner::blind15(&Ed25519KeyPair::from_seed(&[7; 32]), &server);
/// let h = signer.sign("GET", "/rooms", b"", 1_700_000_000, &[1; 16]);
/// let req = ReceivedRequest { method: "GET", path_and_query: "/rooms", body: b"", headers: &h.pairs() };
/// let user = verify_request(&server, &req, 1_700_000_100, AuthPolicy::default(), &mut Stateless)?;
/// assert_eq!(user.map(|u| u.session_id), Some(signer.session_id()));
/// # Ok::<(), session_community::auth::AuthError>(())
/// ```
///
/// # Errors
/// An [`AuthError`], checked in the server's order: missing headers, pubkey (decoding, prefix,
/// point, blinding policy), nonce, signature and timestamp decoding, clock window, ban, nonce
/// reuse (the nonce is recorded before the signature is checked), signature.
pub fn verify_request(
    server_pk: &X25519PublicKey,
    request: &ReceivedRequest<'_>,
    now: i64,
    policy: AuthPolicy,
    state: &mut impl AuthState,
) -> Result<Option<AuthenticatedUser>, AuthError> {
    let ReceivedRequest {
        method,
        path_and_query,
        body,
        headers,
    } = *request;
    let values = AUTH_HEADERS.map(|n| header(headers, n).filter(|v| !v.is_empty()));
    let missing = values.iter().filter(|v| v.is_none()).count();
    if missing == 4 {
        return Ok(None);
    }
    let [Some(pubkey), Some(timestamp), Some(nonce), Some(signature)] = values else {
        return Err(AuthError::HeadersMissing(
            u8::try_from(missing).unwrap_or(4),
        ));
    };

    let pk = decode_sized(pubkey, 33).ok_or(AuthError::PubkeyMalformed)?;
    let (prefix, key) = pk.split_first().ok_or(AuthError::PubkeyMalformed)?;
    let key: [u8; 32] = key.try_into().map_err(|_| AuthError::PubkeyMalformed)?;
    let kind = match IdPrefix::from_byte(*prefix) {
        Ok(IdPrefix::Blinded15) => KeyKind::Blind15,
        Ok(IdPrefix::Unblinded) => KeyKind::Unblinded,
        _ => return Err(AuthError::InvalidPrefix),
    };
    let signing_key = Ed25519PublicKey::from_bytes(&key);
    signing_key
        .validate()
        .map_err(|_| AuthError::InvalidPoint)?;
    let session_id = match kind {
        KeyKind::Unblinded if policy.require_blind_keys => {
            return Err(AuthError::BlindingRequired);
        }
        KeyKind::Unblinded => {
            let x = signing_key
                .to_x25519()
                .map_err(|_| AuthError::InvalidPoint)?;
            SessionId::AccountId(x.account_id())
        }
        _ => SessionId::from_parts(IdPrefix::Blinded15, &key),
    };

    let nonce: [u8; NONCE_LEN] = decode_sized(nonce, NONCE_LEN)
        .and_then(|n| n.try_into().ok())
        .ok_or(AuthError::NonceMalformed)?;
    let sig = decode_sized(signature, Signature::LEN)
        .and_then(|s| Signature::try_from(s.as_slice()).ok())
        .ok_or(AuthError::SignatureMalformed)?;
    let ts = parse_timestamp(timestamp).ok_or(AuthError::TimestampMalformed)?;

    if now.saturating_sub(ts).saturating_abs() > MAX_CLOCK_SKEW {
        return Err(AuthError::TimestampSkew);
    }
    if state.is_banned(&session_id) {
        return Err(AuthError::Banned);
    }
    if !state.record_nonce(&session_id, &nonce, ts) {
        return Err(AuthError::NonceReused);
    }
    let m = signed_message(server_pk, &nonce, timestamp, method, path_and_query, body);
    signing_key
        .verify(&m, &sig)
        .map_err(|_| AuthError::SignatureInvalid)?;
    Ok(Some(AuthenticatedUser {
        session_id,
        kind,
        signing_key,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> X25519PublicKey {
        X25519PublicKey::from_bytes(&[0x42; 32])
    }

    fn verify(
        h: &[(&str, &str)],
        method: &str,
        path: &str,
        body: &[u8],
        blind: bool,
        st: &mut impl AuthState,
    ) -> Result<Option<AuthenticatedUser>, AuthError> {
        let req = ReceivedRequest {
            method,
            path_and_query: path,
            body,
            headers: h,
        };
        verify_request(&server(), &req, 1000, AuthPolicy::new(blind), st)
    }

    #[test]
    fn path_decoding() {
        assert_eq!(
            split_and_decode_path("/a%20b%3Fc?x=%2C&y"),
            ("/a b?c".into(), Some("x=%2C&y"))
        );
        assert_eq!(split_and_decode_path("/%zz%4"), ("/%zz%4".into(), None));
        assert_eq!(split_and_decode_path("/%FF").0, "/\u{fffd}");
        assert_eq!(split_and_decode_path("/a+b?").0, "/a+b");
        let m = signed_message(&server(), &[0; 16], "1", "GET", "/x?", b"");
        assert_eq!(
            m,
            signed_message(&server(), &[0; 16], "1", "GET", "/x", b"")
        );
    }

    #[test]
    fn timestamps_like_python_int() {
        assert_eq!(parse_timestamp("1700000000"), Some(1_700_000_000));
        assert_eq!(parse_timestamp(" +0017_00 "), Some(1700));
        assert_eq!(parse_timestamp("-5"), Some(-5));
        for bad in [
            "",
            "1700000000a",
            "_1",
            "1_",
            "1__0",
            "+",
            "0x10",
            "1 2",
            "99999999999999999999",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn round_trip_every_kind_and_state_errors() {
        let me = Ed25519KeyPair::from_seed(&[3; 32]);
        let path = "/room/r/message";
        for kind in [KeyKind::Blind15, KeyKind::Unblinded] {
            let s = RequestSigner::new(kind, &me, &server());
            let h = s.sign("POST", path, b"{}", 1000, &[5; 16]);
            let hs = h.pairs();
            let mut st = MemoryAuthState::new();
            let u = verify(&hs, "POST", path, b"{}", false, &mut st)
                .unwrap()
                .unwrap();
            assert_eq!(u.session_id, s.session_id());
            assert_eq!(u.kind, kind);
            assert_eq!(u.signing_key, s.signing_key());
            // Same nonce again: 425, even with a bad signature (the nonce burns first).
            assert_eq!(
                verify(&hs, "POST", path, b"{}", false, &mut st),
                Err(AuthError::NonceReused)
            );
            assert_eq!(AuthError::NonceReused.status(), 425);
            st.prune(1000 + MAX_CLOCK_SKEW + 1);
            assert_eq!(st.nonce_count(), 0);
            assert_eq!(
                verify(&hs, "POST", path, b"{x}", false, &mut st),
                Err(AuthError::SignatureInvalid)
            );
            assert_eq!(
                verify(&hs, "POST", path, b"{}", false, &mut st),
                Err(AuthError::NonceReused)
            );
            st.set_banned(s.session_id(), true);
            assert_eq!(
                verify(&hs, "POST", path, b"{}", false, &mut st),
                Err(AuthError::Banned)
            );
            assert_eq!(AuthError::Banned.message(), "Banned");
        }
        // 25 keys sign fine but the server refuses their prefix.
        let s = RequestSigner::blind25(&me, &server());
        let h = s.sign("GET", "/rooms", b"", 1000, &[5; 16]);
        assert_eq!(
            verify(&h.pairs(), "GET", "/rooms", b"", true, &mut Stateless),
            Err(AuthError::InvalidPrefix)
        );
    }

    #[test]
    fn header_names_are_case_insensitive_and_last_wins() {
        let me = Ed25519KeyPair::from_seed(&[4; 32]);
        let s = RequestSigner::blind15(&me, &server());
        let h = s.sign("GET", "/rooms", b"", 1000, &[6; 16]);
        let lower: Vec<(String, &str)> = h
            .pairs()
            .iter()
            .map(|(k, v)| (k.to_lowercase(), *v))
            .collect();
        let mut hs: Vec<(&str, &str)> = lower.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        hs.insert(0, ("X_SOGS_NONCE", "garbage"));
        let r = verify(&hs, "GET", "/rooms", b"", true, &mut Stateless);
        assert_eq!(r.unwrap().unwrap().session_id, s.session_id());
        hs.retain(|(k, _)| *k != "x-sogs-timestamp" && *k != "x-sogs-pubkey");
        assert_eq!(
            verify(&hs, "GET", "/rooms", b"", true, &mut Stateless),
            Err(AuthError::HeadersMissing(2))
        );
        assert_eq!(
            AuthError::HeadersMissing(2).message(),
            "Invalid authentication headers: missing 2/4 required X-SOGS-* headers"
        );
        assert_eq!(verify(&[], "GET", "/", b"", true, &mut Stateless), Ok(None));
    }
}
