//! Contacts (namespace 3, spec §8.2).

use session_identity::{AccountId, Ed25519KeyPair};

use super::{
    MAX_NAME_LEN, NotifyMode, ProfilePic, check_len, int, lifecycle, put_bytes, put_flag, put_int,
    sub, text, truncate_utf8, with_sub,
};
use crate::base::{ConfigAuth, ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;
use crate::value::{ConfigDict, ConfigValue};

/// Disappearing-messages setting of a conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum ExpiryMode {
    /// Messages do not disappear.
    #[default]
    None,
    /// Messages disappear this many seconds after being sent.
    AfterSend(i64),
    /// Messages disappear this many seconds after being read.
    AfterRead(i64),
}

impl ExpiryMode {
    /// From the vectors' names (`none`, `after_send`, `after_read`) and a timer; mode `none`
    /// or a timer ≤ 0 give [`ExpiryMode::None`].
    #[must_use]
    pub fn from_name(mode: &str, seconds: i64) -> Option<Self> {
        Some(match (mode, seconds > 0) {
            ("none", _) | ("after_send" | "after_read", false) => Self::None,
            ("after_send", true) => Self::AfterSend(seconds),
            ("after_read", true) => Self::AfterRead(seconds),
            _ => return None,
        })
    }
}

/// One contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Their account id.
    pub id: AccountId,
    /// Their display name (≤ 100 bytes; always stored, possibly empty).
    pub name: String,
    /// Our nickname for them (≤ 100 bytes).
    pub nickname: String,
    /// Their picture.
    pub profile_pic: ProfilePic,
    /// We accepted them.
    pub approved: bool,
    /// They accepted us.
    pub approved_me: bool,
    /// Blocked.
    pub blocked: bool,
    /// Conversation priority: 0 normal, > 0 pinned, −1 hidden.
    pub priority: i64,
    /// Notification setting (mentions-only is stored as "all", as libsession does).
    pub notifications: NotifyMode,
    /// Muted until this unix time (seconds), 0 = not muted.
    pub mute_until: i64,
    /// Disappearing messages.
    pub expiry: ExpiryMode,
    /// When the contact was created (unix seconds), 0 = unknown.
    pub created: i64,
}

impl Contact {
    /// A contact with default values.
    #[must_use]
    pub fn new(id: AccountId) -> Self {
        Self {
            id,
            name: String::new(),
            nickname: String::new(),
            profile_pic: ProfilePic::default(),
            approved: false,
            approved_me: false,
            blocked: false,
            priority: 0,
            notifications: NotifyMode::Defaulted,
            mute_until: 0,
            expiry: ExpiryMode::None,
            created: 0,
        }
    }

    fn read(id: AccountId, d: &ConfigDict) -> Self {
        let timer = int(d, b"E");
        Self {
            id,
            name: text(d, b"n"),
            nickname: text(d, b"N"),
            profile_pic: ProfilePic::read(d),
            approved: int(d, b"a") != 0,
            approved_me: int(d, b"A") != 0,
            blocked: int(d, b"b") != 0,
            priority: int(d, b"+"),
            notifications: NotifyMode::from_code(int(d, b"@")),
            mute_until: int(d, b"!"),
            expiry: match (int(d, b"e"), timer > 0) {
                (1, true) => ExpiryMode::AfterSend(timer),
                (2, true) => ExpiryMode::AfterRead(timer),
                _ => ExpiryMode::None,
            },
            created: int(d, b"j"),
        }
    }

    fn write(&self, d: &mut ConfigDict) {
        let name = truncate_utf8(&self.name, MAX_NAME_LEN);
        d.insert(b"n".to_vec(), ConfigValue::bytes(name.as_bytes()));
        let nick = truncate_utf8(&self.nickname, MAX_NAME_LEN);
        put_bytes(d, b"N", nick.as_bytes(), !nick.is_empty());
        self.profile_pic.write(d);
        put_flag(d, b"a", self.approved);
        put_flag(d, b"A", self.approved_me);
        put_flag(d, b"b", self.blocked);
        put_int(d, b"+", self.priority, self.priority != 0);
        let notify = match self.notifications {
            NotifyMode::Defaulted => 0,
            NotifyMode::All | NotifyMode::MentionsOnly => 1,
            NotifyMode::Disabled => 2,
        };
        put_int(d, b"@", notify, notify != 0);
        put_int(d, b"!", self.mute_until, self.mute_until > 0);
        let (mode, timer) = match self.expiry {
            ExpiryMode::AfterSend(t) if t > 0 => (1, t),
            ExpiryMode::AfterRead(t) if t > 0 => (2, t),
            _ => (0, 0),
        };
        put_int(d, b"e", mode, mode != 0);
        put_int(d, b"E", timer, mode != 0);
        put_int(d, b"j", self.created, self.created > 0);
    }
}

/// The account's contacts (`c` → 33-byte id → entry).
///
/// ```
/// use session_config::{Contact, Contacts};
/// use session_identity::{AccountId, Ed25519KeyPair};
/// let mut c = Contacts::new(&Ed25519KeyPair::from_seed(&[1; 32]));
/// let id: AccountId = "05".to_owned().chars().chain(std::iter::repeat('1').take(64)).collect::<String>().parse()?;
/// let mut joe = c.get_or_construct(&id);
/// joe.name = "Joe".into();
/// joe.approved = true;
/// c.set(&joe)?;
/// assert_eq!(c.get(&id).map(|j| j.name), Some("Joe".to_owned()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Contacts {
    base: ConfigBase,
}

lifecycle!(Contacts);

impl Contacts {
    /// A new, empty contact list.
    #[must_use]
    pub fn new(account: &Ed25519KeyPair) -> Self {
        Self {
            base: ConfigBase::new(ConfigKind::Contacts, ConfigAuth::User(account.clone())),
        }
    }

    /// Restores from a dump.
    ///
    /// # Errors
    /// [`crate::Error::InvalidDump`].
    pub fn load(account: &Ed25519KeyPair, dump: &[u8]) -> Result<Self> {
        Ok(Self {
            base: ConfigBase::load(
                ConfigKind::Contacts,
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

    /// The contact, if present.
    #[must_use]
    pub fn get(&self, id: &AccountId) -> Option<Contact> {
        sub(self.base.data(), b"c")
            .and_then(|c| sub(c, &id.to_bytes()))
            .map(|d| Contact::read(*id, d))
    }

    /// The contact, or a new one with defaults (not stored until [`Contacts::set`]).
    #[must_use]
    pub fn get_or_construct(&self, id: &AccountId) -> Contact {
        self.get(id).unwrap_or_else(|| Contact::new(*id))
    }

    /// Stores the whole entry (spec §8.2's rules: names truncated to 100 bytes, …).
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] for a picture URL over 223 bytes or a key that is
    /// neither empty nor 32 bytes.
    pub fn set(&mut self, contact: &Contact) -> Result<()> {
        contact.profile_pic.check_strict()?;
        let key = contact.id.to_bytes();
        self.base.modify(|d| {
            with_sub(d, b"c", |c| with_sub(c, &key, |e| contact.write(e)));
        });
        Ok(())
    }

    /// Sets a contact's nickname.
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] over 100 bytes.
    pub fn set_nickname(&mut self, id: &AccountId, nickname: &str) -> Result<()> {
        check_len(nickname, MAX_NAME_LEN)?;
        let mut c = self.get_or_construct(id);
        c.nickname = nickname.to_owned();
        self.set(&c)
    }

    /// Removes a contact; returns whether it existed.
    pub fn erase(&mut self, id: &AccountId) -> bool {
        let key = id.to_bytes();
        self.base.modify(|d| {
            let mut found = false;
            if let Some(ConfigValue::Dict(c)) = d.get_mut(&b"c"[..]) {
                found = c.remove(&key[..]).is_some();
            }
            found
        })
    }

    /// Every contact, ordered by id.
    #[must_use]
    pub fn all(&self) -> Vec<Contact> {
        let Some(c) = sub(self.base.data(), b"c") else {
            return Vec::new();
        };
        c.iter()
            .filter_map(|(k, v)| {
                let id = AccountId::try_from(k.as_slice()).ok()?;
                Some(Contact::read(id, v.as_dict()?))
            })
            .collect()
    }

    /// The number of contacts.
    #[must_use]
    pub fn len(&self) -> usize {
        sub(self.base.data(), b"c").map_or(0, ConfigDict::len)
    }

    /// Whether there are none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
