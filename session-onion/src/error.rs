//! The crate's error type and the retry classification of onion-request failures.

use crate::response::{DestinationError, PathError};
use session_identity::Ed25519PublicKey;

/// Everything that can go wrong while building, peeling or answering an onion request.
///
/// Local failures (bad keys, malformed frames, failed authentication) carry no detail beyond
/// their category. The two *remote* failure kinds a client sees when it reads a reply —
/// [`Error::Path`] (a node on the path answered in plain text) and [`Error::Destination`] (the
/// destination answered with a non-2xx status inside the encrypted reply) — carry what the
/// caller needs to decide what to retry: see [`Error::retry`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input has the wrong length.
    #[error("invalid length")]
    InvalidLength,
    /// Text that must be hex is not.
    #[error("invalid hex")]
    InvalidHex,
    /// An X25519 exchange produced the all-zero secret (low-order or otherwise rejected point).
    #[error("invalid point")]
    InvalidPoint,
    /// A ciphertext or frame is shorter than its format's minimum.
    #[error("too short")]
    TooShort,
    /// Authenticated decryption failed (wrong key, wrong role, tampered data).
    #[error("decryption failed")]
    DecryptionFailed,
    /// An `enc_type` string that is not one of the accepted names, or a cipher the operation
    /// does not allow (clients never build `aes-cbc` layers).
    #[error("unsupported encryption type")]
    UnsupportedEncType,
    /// The `LE32(N) ‖ blob ‖ JSON` framing is broken (`N` larger than the data).
    #[error("invalid onion frame")]
    InvalidFrame,
    /// The JSON of a layer (or of a reply) is missing a key, has a wrongly typed value or is not
    /// JSON at all.
    #[error("invalid json: {0}")]
    InvalidJson(&'static str),
    /// A bencoded value (v4 payload or reply, node-to-node message) is malformed.
    #[error("invalid bencode: {0}")]
    InvalidBencode(&'static str),
    /// A relay-to-server layer names a protocol or target path the node must not contact.
    #[error("invalid url")]
    InvalidUrl,
    /// A request is larger than the service nodes accept (10 MiB).
    #[error("request too large")]
    TooLarge,
    /// The path is empty or the hop counter exceeds the maximum (15).
    #[error("onion request max path length exceeded")]
    TooManyHops,
    /// A node on the path answered with a plain-text error instead of relaying the reply.
    #[error("path error: {0}")]
    Path(PathError),
    /// The destination answered, but with a non-2xx status inside the decrypted reply.
    #[error("destination error: {0}")]
    Destination(DestinationError),
    /// Another key or id problem reported by `session-identity`.
    #[error(transparent)]
    Identity(session_identity::Error),
}

impl From<session_bencode::Error> for Error {
    fn from(e: session_bencode::Error) -> Self {
        Error::InvalidBencode(match e {
            session_bencode::Error::Truncated => "truncated",
            session_bencode::Error::UnsortedKeys => "dictionary keys not sorted",
            session_bencode::Error::TooDeep => "nested too deeply",
            session_bencode::Error::TrailingBytes => "trailing bytes",
            _ => "malformed",
        })
    }
}

impl From<session_identity::Error> for Error {
    fn from(e: session_identity::Error) -> Self {
        match e {
            session_identity::Error::InvalidLength => Error::InvalidLength,
            session_identity::Error::InvalidHex => Error::InvalidHex,
            session_identity::Error::InvalidPoint => Error::InvalidPoint,
            other => Error::Identity(other),
        }
    }
}

/// Convenience alias for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What a client should do after a failed onion request (spec `onion.md` §4.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Retry {
    /// Do not retry: the request itself is wrong, was refused, or the local code failed.
    Never,
    /// Do not retry and do not blame the path: the device clock is out of sync (406 / 425).
    FixClock,
    /// Retry once through the same path (a reply that did not decrypt).
    Once,
    /// The path failed: count a strike against it and retry through another path.
    OtherPath,
    /// A named node on the path failed: drop it from the pool and the path, then retry. When the
    /// node is the destination service node, retry with another swarm member instead.
    DropNode(Ed25519PublicKey),
    /// The destination service node is not in the account's swarm (421): retry with another
    /// swarm member, and refresh the swarm (from the attached node list, if any) when that
    /// fails too.
    OtherSwarmMember,
    /// The remote server (or the path to it) is overloaded or timed out; retry later, without
    /// blaming the path.
    Later,
}

impl Error {
    /// The vector error category of `vectors/README.md` this error belongs to (remote failures
    /// and onion-specific local failures have their own names).
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Error::InvalidLength => "invalid_length",
            Error::InvalidHex => "invalid_hex",
            Error::InvalidPoint => "invalid_point",
            Error::TooShort => "too_short",
            Error::DecryptionFailed => "decryption_failed",
            Error::UnsupportedEncType => "unsupported_enc_type",
            Error::InvalidFrame => "invalid_frame",
            Error::InvalidJson(_) => "invalid_json",
            Error::InvalidBencode(_) => "invalid_bencode",
            Error::InvalidUrl => "invalid_url",
            Error::TooLarge => "too_large",
            Error::TooManyHops => "too_many_hops",
            Error::Path(_) => "path_error",
            Error::Destination(_) => "destination_error",
            Error::Identity(e) => e.category(),
        }
    }

    /// What a client should do about this failure (spec `onion.md` §4.4).
    #[must_use]
    pub fn retry(&self) -> Retry {
        match self {
            Error::Path(p) => p.retry(),
            Error::Destination(d) => d.retry(),
            // A reply that does not authenticate: libsession retries once. Also what a client
            // sees when an intermediate hop answers "Invalid json"/"Invalid url" encrypted with
            // its own layer key.
            Error::DecryptionFailed | Error::TooShort => Retry::Once,
            _ => Retry::Never,
        }
    }

    /// Whether retrying (in any way other than fixing the clock) can help.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        !matches!(self.retry(), Retry::Never | Retry::FixClock)
    }
}
