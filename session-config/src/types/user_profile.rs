//! UserProfile (namespace 2, spec §8.1).

use session_identity::Ed25519KeyPair;

use super::{
    MAX_NAME_LEN, MAX_URL_LEN, ProfilePic, check_len, int, lifecycle, text, truncate_utf8,
};
use crate::base::{ConfigAuth, ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;
use crate::value::ConfigValue;

/// The account's own profile: display name, picture, Note-to-Self settings and the
/// blinded-message-request preference.
///
/// ```
/// use session_config::UserProfile;
/// use session_identity::Ed25519KeyPair;
/// let mut p = UserProfile::new(&Ed25519KeyPair::from_seed(&[1; 32]));
/// p.set_name("Kallie")?;
/// assert_eq!(p.name().as_deref(), Some("Kallie"));
/// assert!(p.needs_push());
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserProfile {
    base: ConfigBase,
}

lifecycle!(UserProfile);

impl UserProfile {
    /// A new, empty profile for the account.
    #[must_use]
    pub fn new(account: &Ed25519KeyPair) -> Self {
        Self {
            base: ConfigBase::new(ConfigKind::UserProfile, ConfigAuth::User(account.clone())),
        }
    }

    /// Restores from a dump.
    ///
    /// # Errors
    /// [`crate::Error::InvalidDump`].
    pub fn load(account: &Ed25519KeyPair, dump: &[u8]) -> Result<Self> {
        Ok(Self {
            base: ConfigBase::load(
                ConfigKind::UserProfile,
                ConfigAuth::User(account.clone()),
                dump,
            )?,
        })
    }

    /// What to push (see [`ConfigBase::push`]).
    ///
    /// # Errors
    /// As [`ConfigBase::push`].
    pub fn push(&mut self) -> Result<Option<Push>> {
        self.base.push()
    }

    /// The display name (`n`), if set.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        Some(text(self.base.data(), b"n")).filter(|s| !s.is_empty())
    }

    /// Sets the display name; empty removes it.
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] over 100 bytes.
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        check_len(name, MAX_NAME_LEN)?;
        self.base.modify(|d| {
            super::put_bytes(d, b"n", name.as_bytes(), !name.is_empty());
        });
        Ok(())
    }

    /// Sets the display name cut to 100 bytes on a UTF-8 boundary.
    pub fn set_name_truncated(&mut self, name: &str) {
        let _ = self.set_name(truncate_utf8(name, MAX_NAME_LEN));
    }

    /// The profile picture, if set.
    #[must_use]
    pub fn profile_pic(&self) -> Option<ProfilePic> {
        Some(ProfilePic::read(self.base.data())).filter(ProfilePic::is_set)
    }

    /// Sets the picture; one without a URL or with a key that is not 32 bytes removes it.
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] for a URL over 223 bytes (stored by libsession's C++
    /// setter, but unreadable through its C API: refused here, spec §9.1).
    pub fn set_profile_pic(&mut self, pic: &ProfilePic) -> Result<()> {
        check_len(&pic.url, MAX_URL_LEN)?;
        self.base.modify(|d| pic.write(d));
        Ok(())
    }

    /// The Note-to-Self priority (`+`): 0 unpinned, > 0 pinned, −1 hidden.
    #[must_use]
    pub fn nts_priority(&self) -> i64 {
        int(self.base.data(), b"+")
    }

    /// Sets the Note-to-Self priority (0 removes it).
    pub fn set_nts_priority(&mut self, priority: i64) {
        self.base
            .modify(|d| super::put_int(d, b"+", priority, priority != 0));
    }

    /// The Note-to-Self disappearing-messages timer in seconds (`e`), if any.
    #[must_use]
    pub fn nts_expiry(&self) -> Option<i64> {
        Some(int(self.base.data(), b"e")).filter(|s| *s > 0)
    }

    /// Sets the Note-to-Self timer (≤ 0 removes it).
    pub fn set_nts_expiry(&mut self, seconds: i64) {
        self.base
            .modify(|d| super::put_int(d, b"e", seconds, seconds > 0));
    }

    /// Whether blinded message requests are enabled (`M`); `None` when never set.
    #[must_use]
    pub fn blinded_msgreqs(&self) -> Option<bool> {
        self.base
            .data()
            .get(&b"M"[..])
            .and_then(ConfigValue::as_int)
            .map(|n| n != 0)
    }

    /// Sets (or, with `None`, unsets) the blinded-message-request preference.
    pub fn set_blinded_msgreqs(&mut self, enabled: Option<bool>) {
        self.base.modify(|d| match enabled {
            Some(b) => {
                d.insert(b"M".to_vec(), ConfigValue::int(i64::from(b)));
            }
            None => {
                d.remove(&b"M"[..]);
            }
        });
    }
}
