//! The error types of `session-community`.

/// Why a join URL, an id or a server answer was refused (client side).
///
/// [`Error::category`] gives the error category of the conformance vectors
/// (`vectors/README.md`) where one exists.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A join URL, base URL or room token is malformed (community.md §1).
    #[error("invalid community url: {0}")]
    InvalidUrl(&'static str),
    /// An input has the wrong length (a session id not 66 hex digits, a signature not 64 bytes).
    #[error("invalid length")]
    InvalidLength,
    /// An id has a prefix the operation does not accept.
    #[error("invalid id prefix")]
    InvalidPrefix,
    /// A key is not a valid, canonical, prime-order curve point.
    #[error("invalid curve point")]
    InvalidPoint,
    /// A message signature does not verify against the message's `session_id`.
    #[error("signature invalid")]
    SignatureInvalid,
    /// Base64 that does not decode.
    #[error("invalid base64")]
    InvalidBase64,
    /// An emoji reaction is not 1–12 Unicode code points.
    #[error("invalid reaction: must be 1 to 12 unicode code points")]
    InvalidReaction,
    /// A server answer that does not have the documented shape.
    #[error("malformed server answer: {0}")]
    MalformedResponse(String),
    /// A v4 onion payload (request or response) that does not decode.
    #[error("malformed v4 payload: {0}")]
    MalformedV4(&'static str),
    /// The server answered with an error status.
    #[error(transparent)]
    Server(#[from] crate::api::ServerError),
    /// A post's `data` is not a valid padded `Content`.
    #[error("post content does not decode: {0}")]
    Content(#[from] session_protocol::Error),
}

impl Error {
    /// The error category name used by the conformance vectors (`vectors/README.md`).
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Error::InvalidUrl(_) => "invalid_community_url",
            Error::InvalidLength => "invalid_length",
            Error::InvalidPrefix => "invalid_prefix",
            Error::InvalidPoint => "invalid_point",
            Error::SignatureInvalid => "signature_invalid",
            Error::InvalidBase64 => "invalid_base64",
            Error::InvalidReaction => "invalid_reaction",
            Error::MalformedResponse(_) | Error::MalformedV4(_) => "malformed_response",
            Error::Server(_) => "server_error",
            Error::Content(e) => e.category(),
        }
    }
}

impl From<session_identity::Error> for Error {
    fn from(e: session_identity::Error) -> Self {
        use session_identity::Error as E;
        match e {
            E::InvalidPrefix | E::InvalidBlindedId | E::InvalidAccountId => Error::InvalidPrefix,
            E::InvalidPoint => Error::InvalidPoint,
            E::SignatureInvalid => Error::SignatureInvalid,
            _ => Error::InvalidLength,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
