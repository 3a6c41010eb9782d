//! Namespaces (spec §5.3), TTL bounds, retrieve limits and the message hash (spec §5.4).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD_NO_PAD;

use crate::error::{Error, Result};
use crate::space::SwarmPubkey;

/// Minimum TTL of a stored message: 10 s.
pub const MIN_TTL_MS: u64 = 10_000;
/// Maximum TTL in a public-inbox namespace: 14 days.
pub const PUBLIC_MAX_TTL_MS: u64 = 14 * 24 * 3_600_000;
/// Maximum TTL elsewhere: 30 days.
pub const PRIVATE_MAX_TTL_MS: u64 = 30 * 24 * 3_600_000;
/// The retrieve size limit of a node (`RETRIEVE_MAX_SIZE`).
pub const RETRIEVE_MAX_SIZE: u64 = 7_800_000;
/// The namespace newer servers reserve for tests (stores refused, retrieves empty).
pub const TESTING_NAMESPACE: Namespace = Namespace(-3741);

/// A storage namespace (`-32768..=32767`).
///
/// Session uses 0 for direct messages, 2–5 for the user's config messages, 11–14 for groups
/// and −10 for legacy closed groups.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Namespace(i16);

impl Namespace {
    /// The default namespace 0 (direct messages).
    pub const DEFAULT: Self = Self(0);

    /// Wraps a namespace number.
    #[must_use]
    pub const fn new(ns: i16) -> Self {
        Self(ns)
    }
    /// The namespace number.
    #[must_use]
    pub const fn get(self) -> i16 {
        self.0
    }
    /// Public inbox (`ns % 10 == 0`): `store` needs no signature, TTL at most 14 days.
    #[must_use]
    pub const fn store_without_signature(self) -> bool {
        self.0 % 10 == 0
    }
    /// Public outbox (`ns < 0 && -ns % 20 == 1`): retrieve needs no signature, a store replaces
    /// every other message there.
    #[must_use]
    pub const fn public_outbox(self) -> bool {
        self.0 < 0 && (-(self.0 as i32)) % 20 == 1
    }
    /// Whether `retrieve` works without a signature (public outbox, or −10 legacy groups).
    #[must_use]
    pub const fn retrieve_without_signature(self) -> bool {
        self.public_outbox() || self.0 == -10
    }
    /// Unrevocable (`ns < 0 && -ns % 100 == 11`): revoked subaccounts may still retrieve.
    #[must_use]
    pub const fn unrevocable_retrieve(self) -> bool {
        self.0 < 0 && (-(self.0 as i32)) % 100 == 11
    }
    /// The maximum TTL of a store in this namespace.
    #[must_use]
    pub const fn store_max_ttl_ms(self) -> u64 {
        if self.store_without_signature() {
            PUBLIC_MAX_TTL_MS
        } else {
            PRIVATE_MAX_TTL_MS
        }
    }
    /// Whether this is the newer servers' Testing namespace (−3741).
    #[must_use]
    pub const fn is_testing(self) -> bool {
        self.0 == TESTING_NAMESPACE.0
    }
    /// The component of hashes and signed messages: `""` for 0, else the decimal value.
    #[must_use]
    pub fn signature_component(self) -> String {
        if self.0 == 0 {
            String::new()
        } else {
            self.0.to_string()
        }
    }
    /// Checks a store TTL against `[10 s, max TTL]`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] when out of bounds (a node answers 403).
    pub fn check_ttl(self, ttl_ms: u64) -> Result<()> {
        if (MIN_TTL_MS..=self.store_max_ttl_ms()).contains(&ttl_ms) {
            Ok(())
        } else {
            Err(Error::InvalidRequest("ttl outside the namespace's bounds"))
        }
    }
}

impl TryFrom<i64> for Namespace {
    type Error = Error;
    fn try_from(v: i64) -> Result<Self> {
        i16::try_from(v)
            .map(Self)
            .map_err(|_| Error::InvalidNamespace)
    }
}

impl fmt::Display for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// One namespace or all of them (`delete_all`, `delete_before`, `expire_all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamespaceSelector {
    /// One namespace.
    One(Namespace),
    /// Every namespace (`"all"`).
    All,
}

impl NamespaceSelector {
    /// The component of signed messages: `""` for 0, `"all"`, else decimal.
    #[must_use]
    pub fn signature_component(self) -> String {
        match self {
            Self::One(ns) => ns.signature_component(),
            Self::All => "all".to_owned(),
        }
    }
    /// The JSON parameter value (`"all"` or the integer).
    #[must_use]
    pub fn to_json(self) -> serde_json::Value {
        match self {
            Self::One(ns) => ns.get().into(),
            Self::All => "all".into(),
        }
    }
}

impl From<Namespace> for NamespaceSelector {
    fn from(ns: Namespace) -> Self {
        Self::One(ns)
    }
}

/// The effective limits of a retrieve request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrieveLimits {
    /// Maximum number of messages; `None` = no count limit.
    pub max_count: Option<u64>,
    /// Maximum response size in bytes (the node's size accounting, §5.7).
    pub max_size: u64,
}

/// Resolves a retrieve request's `max_count` / `max_size` the way a node does (spec §5.7):
/// `0` or absent = unspecified; neither given → `max_size = -5`; a negative size `-k` means
/// `7 800 000 / k`; an absent or larger size means 7 800 000. A negative count wraps on the
/// node to a value that returns nothing; it is reported as a limit of 0.
#[must_use]
pub fn retrieve_limits(max_count: Option<i64>, max_size: Option<i64>) -> RetrieveLimits {
    let count = max_count.filter(|&c| c != 0);
    let mut size = max_size.filter(|&s| s != 0);
    if count.is_none() && size.is_none() {
        size = Some(-5);
    }
    let max_size = match size {
        Some(s) if s < 0 => RETRIEVE_MAX_SIZE / s.unsigned_abs(),
        Some(s) => s.unsigned_abs().min(RETRIEVE_MAX_SIZE),
        None => RETRIEVE_MAX_SIZE,
    };
    let max_count = count.map(|c| u64::try_from(c).unwrap_or(0));
    RetrieveLimits {
        max_count,
        max_size,
    }
}

/// The storage server's message hash: `base64_nopad(BLAKE2b-256(prefix ‖ key ‖ ns ‖ data))`,
/// `ns` empty for namespace 0 (spec §5.4). 43 characters.
#[must_use]
pub fn message_hash(account: &SwarmPubkey, namespace: Namespace, data: &[u8]) -> String {
    let ns = namespace.signature_component();
    let digest = session_identity::hash::blake2b_256(&[account.as_bytes(), ns.as_bytes(), data]);
    STANDARD_NO_PAD.encode(digest)
}

/// Whether `s` looks like a message hash (43 characters of unpadded standard base64 encoding
/// 32 bytes), as nodes require for `last_hash` and `messages`.
#[must_use]
pub fn is_message_hash(s: &str) -> bool {
    s.len() == 43 && STANDARD_NO_PAD.decode(s).is_ok_and(|b| b.len() == 32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let n = Namespace::new;
        assert!(n(0).store_without_signature() && n(-10).store_without_signature());
        assert!(!n(2).store_without_signature());
        assert!(n(-1).public_outbox() && n(-21).public_outbox() && !n(-11).public_outbox());
        assert!(n(-10).retrieve_without_signature() && !n(10).retrieve_without_signature());
        assert!(n(-11).unrevocable_retrieve() && n(-211).unrevocable_retrieve());
        assert!(!n(i16::MIN).public_outbox());
        assert_eq!(n(0).signature_component(), "");
        assert_eq!(n(-10).signature_component(), "-10");
        assert!(n(0).check_ttl(PUBLIC_MAX_TTL_MS).is_ok());
        assert!(n(0).check_ttl(PUBLIC_MAX_TTL_MS + 1).is_err());
        assert!(n(2).check_ttl(PRIVATE_MAX_TTL_MS).is_ok());
        assert!(n(2).check_ttl(9_999).is_err());
    }

    #[test]
    fn limits() {
        assert_eq!(retrieve_limits(None, None).max_size, 1_560_000);
        assert_eq!(
            retrieve_limits(Some(3), Some(-4)),
            RetrieveLimits {
                max_count: Some(3),
                max_size: 1_950_000
            }
        );
        assert_eq!(retrieve_limits(Some(3), None).max_size, RETRIEVE_MAX_SIZE);
        assert_eq!(
            retrieve_limits(None, Some(i64::MAX)).max_size,
            RETRIEVE_MAX_SIZE
        );
        assert_eq!(retrieve_limits(None, Some(i64::MIN)).max_size, 0);
    }
}
