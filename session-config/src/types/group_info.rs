//! groups::Info (namespace 13, signed; spec §8.5).

use session_identity::{Ed25519KeyPair, Ed25519PublicKey};

use super::{
    MAX_DESCRIPTION_LEN, MAX_NAME_LEN, MAX_URL_LEN, ProfilePic, check_len, int, lifecycle,
    put_bytes, put_flag, put_int, text, truncate_utf8,
};
use crate::base::{ConfigAuth, ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;

pub(crate) fn group_auth(
    public_key: &Ed25519PublicKey,
    admin: Option<&Ed25519KeyPair>,
    keys: &[[u8; 32]],
) -> ConfigAuth {
    ConfigAuth::Group {
        public_key: *public_key,
        admin: admin.cloned(),
        keys: keys.iter().map(|k| zeroize::Zeroizing::new(*k)).collect(),
    }
}

/// A group's shared info: name, description, picture, timers and the destroyed flag. Admins
/// (holding the group key) write and sign it; members only read.
///
/// ```
/// use session_config::groups::Info;
/// use session_identity::Ed25519KeyPair;
/// let group = Ed25519KeyPair::from_seed(&[5; 32]);
/// let mut info = Info::new(&group.public_key(), Some(&group), &[[9; 32]]);
/// info.set_name("Book club")?;
/// let push = info.push()?.expect("changed");
/// assert_eq!(push.namespace, 13);
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Info {
    base: ConfigBase,
}

lifecycle!(Info);

macro_rules! int_field {
    ($get:ident, $set:ident, $key:literal, $doc:literal) => {
        #[doc = concat!("The ", $doc, " (0 when unset).")]
        #[must_use]
        pub fn $get(&self) -> i64 {
            int(self.base.data(), $key)
        }

        #[doc = concat!("Sets the ", $doc, "; values ≤ 0 remove it.")]
        pub fn $set(&mut self, value: i64) {
            self.base.modify(|d| put_int(d, $key, value, value > 0));
        }
    };
}

impl Info {
    /// A new, empty object for the group `public_key`; `admin` is the group's key pair for
    /// admins; `keys` the encryption keys, newest first.
    #[must_use]
    pub fn new(
        public_key: &Ed25519PublicKey,
        admin: Option<&Ed25519KeyPair>,
        keys: &[[u8; 32]],
    ) -> Self {
        Self {
            base: ConfigBase::new(ConfigKind::GroupInfo, group_auth(public_key, admin, keys)),
        }
    }

    /// Restores from a dump.
    ///
    /// # Errors
    /// [`crate::Error::InvalidDump`].
    pub fn load(
        public_key: &Ed25519PublicKey,
        admin: Option<&Ed25519KeyPair>,
        keys: &[[u8; 32]],
        dump: &[u8],
    ) -> Result<Self> {
        Ok(Self {
            base: ConfigBase::load(
                ConfigKind::GroupInfo,
                group_auth(public_key, admin, keys),
                dump,
            )?,
        })
    }

    /// What to push (see [`ConfigBase::push`]); admins only.
    ///
    /// # Errors
    /// As [`ConfigBase::push`].
    pub fn push(&mut self) -> Result<Option<Push>> {
        self.base.push()
    }

    /// The name, if set.
    #[must_use]
    pub fn name(&self) -> Option<String> {
        Some(text(self.base.data(), b"n")).filter(|s| !s.is_empty())
    }

    /// Sets the name (empty removes it).
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] over 100 bytes.
    pub fn set_name(&mut self, name: &str) -> Result<()> {
        check_len(name, MAX_NAME_LEN)?;
        self.base
            .modify(|d| put_bytes(d, b"n", name.as_bytes(), !name.is_empty()));
        Ok(())
    }

    /// Sets the name cut to 100 bytes on a UTF-8 boundary.
    pub fn set_name_truncated(&mut self, name: &str) {
        let _ = self.set_name(truncate_utf8(name, MAX_NAME_LEN));
    }

    /// The description, if set.
    #[must_use]
    pub fn description(&self) -> Option<String> {
        Some(text(self.base.data(), b"o")).filter(|s| !s.is_empty())
    }

    /// Sets the description (empty removes it).
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] over 2000 bytes.
    pub fn set_description(&mut self, description: &str) -> Result<()> {
        check_len(description, MAX_DESCRIPTION_LEN)?;
        self.base.modify(|d| {
            put_bytes(d, b"o", description.as_bytes(), !description.is_empty());
        });
        Ok(())
    }

    /// Sets the description cut to 2000 bytes on a UTF-8 boundary.
    pub fn set_description_truncated(&mut self, description: &str) {
        let _ = self.set_description(truncate_utf8(description, MAX_DESCRIPTION_LEN));
    }

    /// The picture, if set.
    #[must_use]
    pub fn profile_pic(&self) -> Option<ProfilePic> {
        Some(ProfilePic::read(self.base.data())).filter(ProfilePic::is_set)
    }

    /// Sets the picture; one without URL or with a key that is not 32 bytes removes it.
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] for a URL over 223 bytes.
    pub fn set_profile_pic(&mut self, pic: &ProfilePic) -> Result<()> {
        check_len(&pic.url, MAX_URL_LEN)?;
        self.base.modify(|d| pic.write(d));
        Ok(())
    }

    int_field!(
        expiry_timer,
        set_expiry_timer,
        b"E",
        "disappearing-messages timer in seconds"
    );
    int_field!(created, set_created, b"c", "creation time (unix seconds)");
    int_field!(
        delete_before,
        set_delete_before,
        b"d",
        "time before which messages are deleted (unix seconds)"
    );
    int_field!(
        delete_attach_before,
        set_delete_attach_before,
        b"D",
        "time before which attachments are deleted (unix seconds)"
    );

    /// Whether the group was destroyed.
    #[must_use]
    pub fn is_destroyed(&self) -> bool {
        int(self.base.data(), b"!") != 0
    }

    /// Destroys the group (sets `!`; everything else stays).
    pub fn destroy_group(&mut self) {
        self.base.modify(|d| put_flag(d, b"!", true));
    }
}
