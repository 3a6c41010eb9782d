//! The crate's error type.

/// Everything that can go wrong in `session-swarm`.
///
/// Each variant maps onto one error category of the conformance vectors
/// ([`Error::category`]). Messages are lowercase and carry no secret material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input has the wrong length.
    #[error("invalid length: expected {expected} bytes, got {got}")]
    InvalidLength {
        /// The expected length in bytes.
        expected: usize,
        /// The length that was given.
        got: usize,
    },
    /// Text that must be hex is not.
    #[error("invalid hex")]
    InvalidHex,
    /// Text that must be standard base64 is not.
    #[error("invalid base64")]
    InvalidBase64,
    /// A key is not a valid Ed25519 point.
    #[error("invalid curve point")]
    InvalidPoint,
    /// A signature (node response signature, subaccount signature) does not verify.
    #[error("signature verification failed")]
    SignatureInvalid,
    /// A namespace is outside `-32768..=32767` or otherwise unusable.
    #[error("invalid namespace")]
    InvalidNamespace,
    /// A request parameter is out of range (TTL, batch size, empty hash list, ...).
    #[error("invalid request: {0}")]
    InvalidRequest(&'static str),
    /// A service-node entry in a node list is malformed.
    #[error("malformed service node entry {index}: {reason}")]
    InvalidNode {
        /// Position of the entry in its list.
        index: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A response (or node list) is not the JSON / bencode shape the nodes send.
    #[error("malformed response: {0}")]
    MalformedResponse(&'static str),
    /// Malformed bencode.
    #[error("malformed bencode: {0}")]
    Bencode(&'static str),
    /// The node answered with a non-success HTTP status (other than 421).
    #[error("request failed with status {status}")]
    Status {
        /// The HTTP status code.
        status: u16,
        /// The plain-text (or JSON) body the node sent.
        body: String,
    },
    /// The node is not in the account's swarm (HTTP 421); the body names the right swarm.
    #[error("wrong swarm (421)")]
    WrongSwarm(Box<crate::node::SwarmAnswer>),
    /// There are not enough usable nodes (distinct IPs, below failure thresholds) to build a
    /// path or answer a lookup.
    #[error("not enough usable service nodes")]
    NotEnoughNodes,
    /// The swarm table is empty.
    #[error("no swarms known")]
    NoSwarms,
    /// An identity-level error (key or id parsing).
    #[error(transparent)]
    Identity(#[from] session_identity::Error),
}

impl Error {
    /// The vector error category (`vectors/README.md`) of this error.
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Self::InvalidLength { .. } => "invalid_length",
            Self::InvalidHex => "invalid_hex",
            Self::InvalidPoint => "invalid_point",
            Self::SignatureInvalid => "signature_invalid",
            Self::Identity(e) => e.category(),
            Self::InvalidBase64
            | Self::InvalidNamespace
            | Self::InvalidRequest(_)
            | Self::InvalidNode { .. }
            | Self::MalformedResponse(_)
            | Self::Bencode(_)
            | Self::Status { .. }
            | Self::WrongSwarm(_)
            | Self::NotEnoughNodes
            | Self::NoSwarms => "invalid_parameter",
        }
    }

    /// Whether retrying the same request later (or elsewhere) may succeed: node/path
    /// problems and 421 are retryable; malformed input and bad signatures are not.
    #[must_use]
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::WrongSwarm(_) | Self::NotEnoughNodes => true,
            Self::Status { status, .. } => !matches!(status, 400 | 401 | 403 | 404 | 406 | 425),
            _ => false,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<session_bencode::Error> for Error {
    fn from(e: session_bencode::Error) -> Self {
        use session_bencode::Error as B;
        Error::Bencode(match e {
            B::Truncated => "truncated",
            B::UnexpectedByte => "unexpected byte",
            B::BadInteger => "non-canonical or out-of-range integer",
            B::UnsortedKeys => "dict keys not sorted or not unique",
            B::TooDeep => "nested too deeply",
            B::TrailingBytes => "trailing bytes",
            _ => "malformed",
        })
    }
}
