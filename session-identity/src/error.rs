//! The error type of `session-identity`.

/// Everything that can go wrong in `session-identity`.
///
/// The variants are the error categories of the conformance vectors (`vectors/README.md`);
/// [`Error::category`] returns the category name. Errors carry no secret material and, for
/// authentication failures, no detail beyond their kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input has the wrong length (or mnemonic entropy is not a multiple of 4 bytes).
    #[error("invalid length")]
    InvalidLength,
    /// Text that must be hex is not.
    #[error("invalid hex")]
    InvalidHex,
    /// An id has an unknown prefix byte (or not the one the operation needs).
    #[error("invalid id prefix")]
    InvalidPrefix,
    /// A key is not a valid, canonical, prime-order curve point (libsodium rejects it), or a
    /// scalar multiplication gave the identity / an all-zero shared secret.
    #[error("invalid curve point")]
    InvalidPoint,
    /// A mnemonic has a word count the operation does not accept.
    #[error("invalid number of mnemonic words")]
    InvalidWordCount,
    /// A mnemonic word's unique prefix is not in the word list.
    #[error("unknown mnemonic word")]
    UnknownWord,
    /// A mnemonic word triple encodes a value of 2^32 or more.
    #[error("mnemonic words encode an invalid value")]
    InvalidValue,
    /// The mnemonic checksum word does not match.
    #[error("mnemonic checksum mismatch")]
    ChecksumMismatch,
    /// A hash parameter (digest size, key, salt or personalisation length) is out of range.
    #[error("invalid hash parameter")]
    InvalidParameter,
    /// An Account ID is not 66 hex digits starting with `05`.
    #[error("invalid account id")]
    InvalidAccountId,
    /// A community server public key is not 64 hex digits.
    #[error("invalid server public key")]
    InvalidServerPk,
    /// A blinded id is malformed (length, or prefix not `15`/`25`).
    #[error("invalid blinded id")]
    InvalidBlindedId,
    /// A signature does not verify.
    #[error("signature invalid")]
    SignatureInvalid,
    /// A word list given as data is malformed (wrong number of words, duplicate prefixes).
    #[error("invalid word list")]
    InvalidWordList,
}

impl Error {
    /// The error category name used by the conformance vectors (`vectors/README.md`).
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Error::InvalidLength => "invalid_length",
            Error::InvalidHex => "invalid_hex",
            Error::InvalidPrefix => "invalid_prefix",
            Error::InvalidPoint => "invalid_point",
            Error::InvalidWordCount => "invalid_word_count",
            Error::UnknownWord => "unknown_word",
            Error::InvalidValue => "invalid_value",
            Error::ChecksumMismatch => "checksum_mismatch",
            Error::InvalidParameter => "invalid_parameter",
            Error::InvalidAccountId => "invalid_account_id",
            Error::InvalidServerPk => "invalid_server_pk",
            Error::InvalidBlindedId => "invalid_blinded_id",
            Error::SignatureInvalid => "signature_invalid",
            Error::InvalidWordList => "invalid_word_list",
        }
    }
}

/// The result type of `session-identity`.
pub type Result<T, E = Error> = core::result::Result<T, E>;
