//! The crate's error type.

/// Why a config operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The bytes are not a valid config message (bt syntax, key order, data rules, lagged
    /// diffs); the text says which rule.
    #[error("invalid config message: {0}")]
    InvalidConfig(&'static str),
    /// A signature is required (a verification key is set) but the message has none.
    #[error("config message signature missing")]
    MissingSignature,
    /// The `~` signature is not 64 bytes or does not verify.
    #[error("config message signature invalid")]
    SignatureInvalid,
    /// None of the messages given to a merge parsed (and verified).
    #[error("no valid config message")]
    NoValidConfig,
    /// No key decrypted a stored payload (or it was too short, or empty after decryption).
    #[error("config payload decryption failed")]
    DecryptionFailed,
    /// The payload is multipart (`m`), which is not supported, or its compression is broken.
    #[error("unsupported or malformed config payload: {0}")]
    BadPayload(&'static str),
    /// A value is too long (a name over its limit, a key of the wrong size, …).
    #[error("invalid length")]
    InvalidLength,
    /// An account id is not 66 hex digits starting with `05`.
    #[error("invalid account id")]
    InvalidAccountId,
    /// A group id is not 66 hex digits starting with `03`.
    #[error("invalid group id")]
    InvalidGroupId,
    /// A community base URL or room token is malformed or too long.
    #[error("invalid community url")]
    InvalidCommunityUrl,
    /// A community server public key is not 32 bytes (64 hex digits).
    #[error("invalid community server public key")]
    InvalidServerPk,
    /// Text that must be hex is not.
    #[error("invalid hex")]
    InvalidHex,
    /// The pushed payload would exceed the storage limit of 76 800 bytes.
    #[error("config payload too large")]
    TooLarge,
    /// There is no encryption key (a group config before its Keys config gave one).
    #[error("no encryption key for this config")]
    NoEncryptionKey,
    /// The operation needs the group's secret key (only admins push group configs).
    #[error("the group secret key is required")]
    NotAdmin,
    /// A local dump does not decode.
    #[error("invalid config dump: {0}")]
    InvalidDump(&'static str),
    /// An error of the encryption layer.
    #[error(transparent)]
    Protocol(#[from] session_protocol::Error),
}

impl Error {
    /// The test-vector error category (`vectors/README.md`).
    #[must_use]
    pub fn category(&self) -> &'static str {
        match self {
            Error::InvalidConfig(_) => "invalid_config",
            Error::MissingSignature => "missing_signature",
            Error::SignatureInvalid => "signature_invalid",
            Error::NoValidConfig => "no_valid_config",
            Error::DecryptionFailed => "decryption_failed",
            Error::BadPayload(_) => "invalid_config",
            Error::InvalidLength => "invalid_length",
            Error::InvalidAccountId => "invalid_account_id",
            Error::InvalidGroupId => "invalid_group_id",
            Error::InvalidCommunityUrl => "invalid_community_url",
            Error::InvalidServerPk => "invalid_server_pk",
            Error::InvalidHex => "invalid_hex",
            Error::TooLarge => "too_large",
            Error::NoEncryptionKey => "no_encryption_key",
            Error::NotAdmin => "not_admin",
            Error::InvalidDump(_) => "invalid_dump",
            Error::Protocol(e) => e.category(),
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
