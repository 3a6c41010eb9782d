//! The error type of this crate.

/// Everything that can go wrong in `session-protocol`.
///
/// The variants follow the error categories of the conformance vectors
/// (`vectors/README.md`); [`Error::category`] returns that name. Authentication failures
/// ([`Error::DecryptionFailed`], [`Error::SignatureInvalid`], [`Error::SenderMismatch`]) carry
/// no detail at all, so that they cannot serve as an oracle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input (key, id, nonce, …) has the wrong length.
    #[error("invalid length")]
    InvalidLength,
    /// An id has an unknown prefix byte.
    #[error("invalid id prefix")]
    InvalidPrefix,
    /// A key is not a valid, canonical, prime-order curve point (or an X25519 result was zero).
    #[error("invalid curve point")]
    InvalidPoint,
    /// A blinded id is malformed: wrong length, prefix not `15`/`25`, or prefixes differ.
    #[error("invalid blinded id")]
    InvalidBlindedId,
    /// A parameter is out of range (e.g. a config-encryption domain of the wrong length).
    #[error("invalid parameter")]
    InvalidParameter,
    /// The ciphertext or payload is shorter than the minimum for its format.
    #[error("ciphertext too short")]
    TooShort,
    /// A message is larger than the format allows.
    #[error("message too large")]
    TooLarge,
    /// Authenticated decryption failed (wrong key, tampered data, wrong role).
    #[error("decryption failed")]
    DecryptionFailed,
    /// The data decrypted but its embedded signature does not verify.
    #[error("signature verification failed")]
    SignatureInvalid,
    /// The blinded sender id does not match the key inside the message.
    #[error("blinded sender id does not match the actual sender")]
    SenderMismatch,
    /// No padding terminator could be found.
    #[error("invalid padding")]
    InvalidPadding,
    /// A storage `data` string is not valid standard base64.
    #[error("invalid base64")]
    InvalidBase64,
    /// A protobuf layer could not be decoded; names the layer (`"WebSocketMessage"`,
    /// `"Envelope"`, `"Content"`).
    #[error("malformed {0} protobuf")]
    MalformedProtobuf(&'static str),
    /// A `WebSocketMessage` is not of type `REQUEST`.
    #[error("websocket message is not a request")]
    NotARequest,
    /// A required protobuf field is absent or empty; names the field.
    #[error("missing protobuf field {0}")]
    MissingField(&'static str),
    /// A decrypted inner structure (bencoded dict, key message, …) is malformed.
    #[error("malformed {0}")]
    Malformed(&'static str),
    /// A message was authentic but not what the caller asked for (wrong config kind, wrong
    /// sender for a self-addressed message, …).
    #[error("unexpected message: {0}")]
    Unexpected(&'static str),
    /// Compressed data could not be decompressed (or exceeds the size cap).
    #[error("decompression failed")]
    Decompression,
    /// `Content.sigTimestamp` differs from `Envelope.timestamp` (spec §5.3 step 5).
    #[error("signed timestamp does not match the envelope")]
    TimestampMismatch,
    /// A key or id was rejected by `session-identity`.
    #[error(transparent)]
    Identity(#[from] session_identity::Error),
}

impl Error {
    /// The error category name from `vectors/README.md` (or a descriptive category for errors
    /// the vectors do not cover).
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Error::InvalidLength => "invalid_length",
            Error::InvalidPrefix => "invalid_prefix",
            Error::InvalidPoint => "invalid_point",
            Error::InvalidBlindedId => "invalid_blinded_id",
            Error::InvalidParameter => "invalid_parameter",
            Error::TooShort => "too_short",
            Error::TooLarge => "too_large",
            Error::DecryptionFailed => "decryption_failed",
            Error::SignatureInvalid => "signature_invalid",
            Error::SenderMismatch => "sender_mismatch",
            Error::InvalidPadding => "invalid_padding",
            Error::InvalidBase64 => "invalid_base64",
            Error::MalformedProtobuf(_) => "malformed_protobuf",
            Error::NotARequest => "not_a_request",
            Error::MissingField(_) => "missing_field",
            Error::Malformed(_) => "malformed",
            Error::Unexpected(_) => "unexpected_message",
            Error::Decompression => "decompression_failed",
            Error::TimestampMismatch => "timestamp_mismatch",
            Error::Identity(e) => e.category(),
        }
    }
}

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
