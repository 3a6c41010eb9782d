//! The typed configs (spec §8) and the helpers they share.

pub(crate) mod community;
pub(crate) mod contacts;
pub(crate) mod convo;
pub(crate) mod group_info;
pub(crate) mod group_members;
pub(crate) mod keys;
pub(crate) mod user_groups;
pub(crate) mod user_profile;

use crate::error::{Error, Result};
use crate::value::{ConfigDict, ConfigValue};

/// The longest name (display name, nickname, group name, member name), in bytes.
pub const MAX_NAME_LEN: usize = 100;
/// The longest group description, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 2000;
/// The longest profile-picture URL, in bytes.
pub const MAX_URL_LEN: usize = 223;

pub(crate) fn sub<'a>(d: &'a ConfigDict, k: &[u8]) -> Option<&'a ConfigDict> {
    d.get(k).and_then(ConfigValue::as_dict)
}

/// Runs `f` on the dict under `k` (created, or replacing a non-dict, if needed); empty dicts
/// are pruned afterwards by [`crate::ConfigBase::modify`].
pub(crate) fn with_sub<R>(d: &mut ConfigDict, k: &[u8], f: impl FnOnce(&mut ConfigDict) -> R) -> R {
    let mut inner = match d.remove(k) {
        Some(ConfigValue::Dict(x)) => x,
        _ => ConfigDict::new(),
    };
    let r = f(&mut inner);
    d.insert(k.to_vec(), ConfigValue::Dict(inner));
    r
}

pub(crate) fn int(d: &ConfigDict, k: &[u8]) -> i64 {
    d.get(k).and_then(ConfigValue::as_int).unwrap_or(0)
}

pub(crate) fn bytes<'a>(d: &'a ConfigDict, k: &[u8]) -> &'a [u8] {
    d.get(k).and_then(ConfigValue::as_bytes).unwrap_or_default()
}

pub(crate) fn text(d: &ConfigDict, k: &[u8]) -> String {
    String::from_utf8_lossy(bytes(d, k)).into_owned()
}

pub(crate) fn put_int(d: &mut ConfigDict, k: &[u8], v: i64, keep: bool) {
    if keep {
        d.insert(k.to_vec(), ConfigValue::int(v));
    } else {
        d.remove(k);
    }
}

pub(crate) fn put_flag(d: &mut ConfigDict, k: &[u8], v: bool) {
    put_int(d, k, 1, v);
}

pub(crate) fn put_bytes(d: &mut ConfigDict, k: &[u8], v: &[u8], keep: bool) {
    if keep {
        d.insert(k.to_vec(), ConfigValue::bytes(v));
    } else {
        d.remove(k);
    }
}

/// `s` cut to at most `max` bytes on a UTF-8 boundary.
#[must_use]
pub fn truncate_utf8(s: &str, max: usize) -> &str {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default()
}

pub(crate) fn check_len(s: &str, max: usize) -> Result<()> {
    if s.len() > max {
        Err(Error::InvalidLength)
    } else {
        Ok(())
    }
}

/// A profile picture: download URL and 32-byte decryption key. Stored only when the URL is
/// non-empty and the key is 32 bytes (both removed otherwise).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ProfilePic {
    /// The URL (≤ 223 bytes).
    pub url: String,
    /// The key (32 bytes when set).
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ProfilePic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProfilePic")
            .field("url", &self.url)
            .field("key", &format_args!("<{} bytes>", self.key.len()))
            .finish()
    }
}

impl ProfilePic {
    /// A picture from its URL and key.
    #[must_use]
    pub fn new(url: impl Into<String>, key: impl Into<Vec<u8>>) -> Self {
        Self {
            url: url.into(),
            key: key.into(),
        }
    }

    /// Whether this is a usable picture (non-empty URL, 32-byte key).
    #[must_use]
    pub fn is_set(&self) -> bool {
        !self.url.is_empty() && self.key.len() == 32
    }

    /// Checks the setter rules of contacts and members: URL ≤ 223 bytes, key empty or 32.
    pub(crate) fn check_strict(&self) -> Result<()> {
        check_len(&self.url, MAX_URL_LEN)?;
        if !self.key.is_empty() && self.key.len() != 32 {
            return Err(Error::InvalidLength);
        }
        Ok(())
    }

    pub(crate) fn read(d: &ConfigDict) -> Self {
        let pic = Self {
            url: text(d, b"p"),
            key: bytes(d, b"q").to_vec(),
        };
        if pic.is_set() { pic } else { Self::default() }
    }

    pub(crate) fn write(&self, d: &mut ConfigDict) {
        let set = self.is_set();
        put_bytes(d, b"p", self.url.as_bytes(), set);
        put_bytes(d, b"q", &self.key, set);
    }
}

/// Notification setting of a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum NotifyMode {
    /// The app's default.
    #[default]
    Defaulted,
    /// Every message.
    All,
    /// None.
    Disabled,
    /// Only mentions.
    MentionsOnly,
}

impl NotifyMode {
    /// From the names used by the vectors (`defaulted`, `all`, `disabled`, `mentions_only`).
    #[must_use]
    pub fn from_name(s: &str) -> Option<Self> {
        match s {
            "defaulted" => Some(Self::Defaulted),
            "all" => Some(Self::All),
            "disabled" => Some(Self::Disabled),
            "mentions_only" => Some(Self::MentionsOnly),
            _ => None,
        }
    }

    /// UserGroups numbering: all 1, disabled 2, mentions-only 3 (defaulted omitted).
    pub(crate) fn groups_code(self) -> i64 {
        match self {
            Self::Defaulted => 0,
            Self::All => 1,
            Self::Disabled => 2,
            Self::MentionsOnly => 3,
        }
    }

    pub(crate) fn from_code(n: i64) -> Self {
        match n {
            1 => Self::All,
            2 => Self::Disabled,
            3 => Self::MentionsOnly,
            _ => Self::Defaulted,
        }
    }
}

/// Parses a `05` account id given as 66 hex digits (either case).
///
/// # Errors
/// [`Error::InvalidAccountId`] otherwise.
pub fn parse_account_id(s: &str) -> Result<session_identity::AccountId> {
    if s.len() != 66 {
        return Err(Error::InvalidAccountId);
    }
    s.parse().map_err(|_| Error::InvalidAccountId)
}

/// Parses a `03` group id given as 66 hex digits (either case).
///
/// # Errors
/// [`Error::InvalidGroupId`] otherwise.
pub fn parse_group_id(s: &str) -> Result<session_identity::GroupId> {
    if s.len() != 66 {
        return Err(Error::InvalidGroupId);
    }
    s.parse().map_err(|_| Error::InvalidGroupId)
}

/// The lifecycle methods every typed config forwards to its [`crate::ConfigBase`].
macro_rules! lifecycle {
    ($t:ty) => {
        impl $t {
            /// The generic config object underneath.
            #[must_use]
            pub fn base(&self) -> &$crate::ConfigBase {
                &self.base
            }

            /// Mutable access to the generic object (raw data, keys).
            pub fn base_mut(&mut self) -> &mut $crate::ConfigBase {
                &mut self.base
            }

            /// Merges messages retrieved from the swarm (see [`crate::ConfigBase::merge`]).
            ///
            /// # Errors
            /// As [`crate::ConfigBase::merge`].
            pub fn merge<H: AsRef<str>, P: AsRef<[u8]>>(
                &mut self,
                messages: &[(H, P)],
            ) -> $crate::Result<Vec<String>> {
                self.base.merge(messages)
            }

            /// Records a successful store (see [`crate::ConfigBase::confirm_pushed`]).
            pub fn confirm_pushed(&mut self, seqno: i64, hash: &str) {
                self.base.confirm_pushed(seqno, hash);
            }

            /// Whether there is something to push.
            #[must_use]
            pub fn needs_push(&self) -> bool {
                self.base.needs_push()
            }

            /// Whether the state changed since the last dump.
            #[must_use]
            pub fn needs_dump(&self) -> bool {
                self.base.needs_dump()
            }

            /// A versioned local dump (see [`crate::ConfigBase::dump`]).
            pub fn dump(&mut self) -> Vec<u8> {
                self.base.dump()
            }
        }
    };
}
pub(crate) use lifecycle;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_respects_utf8() {
        assert_eq!(truncate_utf8("aé", 2), "a");
        assert_eq!(truncate_utf8("aé", 3), "aé");
        assert_eq!(truncate_utf8("abc", 10), "abc");
    }

    #[test]
    fn ids() {
        let a = "05ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB";
        assert!(parse_account_id(a).is_ok());
        assert_eq!(
            parse_account_id(&a[..64]).unwrap_err(),
            Error::InvalidAccountId
        );
        assert_eq!(parse_group_id(a).unwrap_err(), Error::InvalidGroupId);
    }
}
