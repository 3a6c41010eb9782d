//! UserGroups (namespace 5, spec §8.4): communities, legacy groups and groups the account
//! belongs to.

use std::collections::BTreeMap;

use session_identity::{AccountId, Ed25519KeyPair, GroupId};
use zeroize::Zeroizing;

use super::community::{erase_room, normalize_community_url, normalize_room};
use super::{
    MAX_NAME_LEN, NotifyMode, bytes, int, lifecycle, put_bytes, put_flag, put_int, sub, text,
    truncate_utf8, with_sub,
};
use crate::base::{ConfigAuth, ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;
use crate::value::{ConfigDict, ConfigValue, Scalar, ScalarSet};

/// The settings every UserGroups entry has.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct GroupCommon {
    /// 0 normal, > 0 pinned, −1 hidden (`+`).
    pub priority: i64,
    /// When joined, unix seconds (`j`).
    pub joined_at: i64,
    /// Notifications (`@`: all 1, disabled 2, mentions-only 3).
    pub notifications: NotifyMode,
    /// Muted until, unix seconds (`!`).
    pub mute_until: i64,
    /// Invited but not yet joined (`i`).
    pub invited: bool,
}

impl GroupCommon {
    fn read(d: &ConfigDict) -> Self {
        Self {
            priority: int(d, b"+"),
            joined_at: int(d, b"j"),
            notifications: NotifyMode::from_code(int(d, b"@")),
            mute_until: int(d, b"!"),
            invited: int(d, b"i") != 0,
        }
    }

    fn write(&self, d: &mut ConfigDict) {
        put_int(d, b"+", self.priority, self.priority != 0);
        put_int(d, b"j", self.joined_at, self.joined_at > 0);
        let n = self.notifications.groups_code();
        put_int(d, b"@", n, n > 0);
        put_int(d, b"!", self.mute_until, self.mute_until > 0);
        put_flag(d, b"i", self.invited);
    }
}

/// A community room the account joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityInfo {
    /// Normalised base URL.
    pub base_url: String,
    /// The room token as given when the entry was created (its key is the lower-case form).
    pub room: String,
    /// The server's X25519 public key.
    pub server_pk: [u8; 32],
    /// Common settings.
    pub common: GroupCommon,
}

/// A legacy closed group.
#[derive(Clone, PartialEq, Eq)]
pub struct LegacyGroupInfo {
    /// The group's `05` id.
    pub id: AccountId,
    /// Its name (stored cut to 100 bytes, possibly inside a UTF-8 sequence as libsession does).
    pub name: String,
    /// Encryption public key (32 bytes, stored only together with the secret key).
    pub enc_pubkey: Vec<u8>,
    /// Encryption secret key (32 bytes).
    pub enc_seckey: Zeroizing<Vec<u8>>,
    /// Members → admin flag.
    pub members: BTreeMap<AccountId, bool>,
    /// Disappearing-messages timer, seconds (`E`).
    pub disappearing_timer: i64,
    /// Common settings.
    pub common: GroupCommon,
}

impl std::fmt::Debug for LegacyGroupInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LegacyGroupInfo")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("members", &self.members)
            .field("disappearing_timer", &self.disappearing_timer)
            .field("common", &self.common)
            .finish_non_exhaustive()
    }
}

/// How a group entry was left (`r`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum RemovedStatus {
    /// Still a member.
    #[default]
    Member,
    /// Kicked.
    Kicked,
    /// The group was destroyed (sticky).
    Destroyed,
}

/// A groups-v2 group.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupInfo {
    /// The group's `03` id.
    pub id: GroupId,
    /// Its name (≤ 100 bytes).
    pub name: String,
    /// The group's 64-byte secret key (seed ‖ public key) for admins.
    pub secret_key: Option<Zeroizing<[u8; 64]>>,
    /// The 100-byte member authentication data (non-admins).
    pub auth_data: Zeroizing<Vec<u8>>,
    /// Kicked / destroyed.
    pub removed: RemovedStatus,
    /// Common settings.
    pub common: GroupCommon,
}

impl std::fmt::Debug for GroupInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupInfo")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("admin", &self.secret_key.is_some())
            .field("auth_data", &!self.auth_data.is_empty())
            .field("removed", &self.removed)
            .field("common", &self.common)
            .finish()
    }
}

impl GroupInfo {
    /// A group entry with default values.
    #[must_use]
    pub fn new(id: GroupId) -> Self {
        Self {
            id,
            name: String::new(),
            secret_key: None,
            auth_data: Zeroizing::new(Vec::new()),
            removed: RemovedStatus::Member,
            common: GroupCommon::default(),
        }
    }

    fn valid_key(&self) -> Option<&[u8]> {
        let sk = self.secret_key.as_ref()?;
        (sk.get(32..) == Some(self.id.key_bytes().as_slice())).then(|| sk.get(..32))?
    }

    fn read(id: GroupId, d: &ConfigDict) -> Self {
        let secret_key = <[u8; 32]>::try_from(bytes(d, b"K")).ok().and_then(|seed| {
            let kp = Ed25519KeyPair::from_seed(&seed);
            (kp.public_key().as_bytes() == id.key_bytes()).then(|| kp.to_libsodium_secret())
        });
        Self {
            id,
            name: text(d, b"n"),
            secret_key,
            auth_data: Zeroizing::new(bytes(d, b"s").to_vec()),
            removed: match int(d, b"r") {
                1 => RemovedStatus::Kicked,
                2 => RemovedStatus::Destroyed,
                _ => RemovedStatus::Member,
            },
            common: GroupCommon::read(d),
        }
    }

    fn write(&self, d: &mut ConfigDict) {
        match self.valid_key() {
            // With a valid secret key a stored `s` is left exactly as it was.
            Some(seed) => put_bytes(d, b"K", seed, true),
            None => {
                put_bytes(d, b"K", b"", true);
                put_bytes(d, b"s", &self.auth_data, self.auth_data.len() == 100);
            }
        }
        let name = truncate_utf8(&self.name, MAX_NAME_LEN);
        put_bytes(d, b"n", name.as_bytes(), !name.is_empty());
        let r = match self.removed {
            RemovedStatus::Member => 0,
            RemovedStatus::Kicked => 1,
            RemovedStatus::Destroyed => 2,
        };
        put_int(d, b"r", r, r != 0);
        self.common.write(d);
    }

    /// Marks us kicked: forgets the keys and auth data; a destroyed group stays destroyed.
    pub fn mark_kicked(&mut self) {
        self.secret_key = None;
        self.auth_data = Zeroizing::new(Vec::new());
        if self.removed != RemovedStatus::Destroyed {
            self.removed = RemovedStatus::Kicked;
        }
    }

    /// Marks the group destroyed: forgets the keys and auth data (sticky).
    pub fn mark_destroyed(&mut self) {
        self.secret_key = None;
        self.auth_data = Zeroizing::new(Vec::new());
        self.removed = RemovedStatus::Destroyed;
    }

    /// Undoes a kick (re-invited). Despite libsession's name, this does not set `invited`.
    pub fn mark_invited(&mut self) {
        if self.removed == RemovedStatus::Kicked {
            self.removed = RemovedStatus::Member;
        }
    }
}

fn id_set(ids: impl Iterator<Item = AccountId>) -> ScalarSet {
    ids.map(|id| Scalar::Bytes(id.to_bytes().to_vec()))
        .collect()
}

impl LegacyGroupInfo {
    /// A legacy group entry with default values.
    #[must_use]
    pub fn new(id: AccountId) -> Self {
        Self {
            id,
            name: String::new(),
            enc_pubkey: Vec::new(),
            enc_seckey: Zeroizing::new(Vec::new()),
            members: BTreeMap::new(),
            disappearing_timer: 0,
            common: GroupCommon::default(),
        }
    }

    fn read(id: AccountId, d: &ConfigDict) -> Self {
        let mut members = BTreeMap::new();
        for (k, admin) in [(&b"m"[..], false), (b"a", true)] {
            if let Some(set) = d.get(k).and_then(ConfigValue::as_set) {
                for m in set {
                    if let Some(id) = m.as_bytes().and_then(|b| AccountId::try_from(b).ok()) {
                        members.insert(id, admin);
                    }
                }
            }
        }
        Self {
            id,
            name: text(d, b"n"),
            enc_pubkey: bytes(d, b"k").to_vec(),
            enc_seckey: Zeroizing::new(bytes(d, b"K").to_vec()),
            members,
            disappearing_timer: int(d, b"E"),
            common: GroupCommon::read(d),
        }
    }

    fn write(&self, d: &mut ConfigDict) {
        let name = self.name.as_bytes();
        put_bytes(
            d,
            b"n",
            name.get(..name.len().min(MAX_NAME_LEN)).unwrap_or(name),
            true,
        );
        let keys = self.enc_pubkey.len() == 32 && self.enc_seckey.len() == 32;
        put_bytes(d, b"k", &self.enc_pubkey, keys);
        put_bytes(d, b"K", &self.enc_seckey, keys);
        let plain = id_set(self.members.iter().filter(|(_, a)| !**a).map(|(id, _)| *id));
        let admins = id_set(self.members.iter().filter(|(_, a)| **a).map(|(id, _)| *id));
        d.insert(b"m".to_vec(), ConfigValue::Set(plain));
        d.insert(b"a".to_vec(), ConfigValue::Set(admins));
        put_int(
            d,
            b"E",
            self.disappearing_timer,
            self.disappearing_timer > 0,
        );
        self.common.write(d);
    }
}

/// The communities and groups the account belongs to.
///
/// ```
/// use session_config::UserGroups;
/// use session_identity::Ed25519KeyPair;
/// let mut g = UserGroups::new(&Ed25519KeyPair::from_seed(&[1; 32]));
/// let mut c = g.get_or_construct_community("HTTP://Example.ORG:80/", "SudokuRoom", &[7; 32])?;
/// c.common.priority = 3;
/// g.set_community(&c)?;
/// assert_eq!(g.get_community("http://example.org", "sudokuroom")?.map(|c| c.room),
///            Some("SudokuRoom".to_owned()));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserGroups {
    base: ConfigBase,
}

lifecycle!(UserGroups);

impl UserGroups {
    /// A new, empty object.
    #[must_use]
    pub fn new(account: &Ed25519KeyPair) -> Self {
        Self {
            base: ConfigBase::new(ConfigKind::UserGroups, ConfigAuth::User(account.clone())),
        }
    }

    /// Restores from a dump.
    ///
    /// # Errors
    /// [`crate::Error::InvalidDump`].
    pub fn load(account: &Ed25519KeyPair, dump: &[u8]) -> Result<Self> {
        Ok(Self {
            base: ConfigBase::load(
                ConfigKind::UserGroups,
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

    /// A community entry (URL and room normalised first).
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`].
    pub fn get_community(&self, base_url: &str, room: &str) -> Result<Option<CommunityInfo>> {
        let url = normalize_community_url(base_url)?;
        let key = normalize_room(room)?;
        let server = sub(self.base.data(), b"o").and_then(|o| sub(o, url.as_bytes()));
        Ok(server.and_then(|s| {
            let e = sub(s, b"R").and_then(|r| sub(r, key.as_bytes()))?;
            Some(CommunityInfo {
                base_url: url.clone(),
                room: text(e, b"n"),
                server_pk: <[u8; 32]>::try_from(bytes(s, b"#")).unwrap_or([0; 32]),
                common: GroupCommon::read(e),
            })
        }))
    }

    /// The community entry, or a new one (room as given, the key given).
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`].
    pub fn get_or_construct_community(
        &self,
        base_url: &str,
        room: &str,
        server_pk: &[u8; 32],
    ) -> Result<CommunityInfo> {
        let mut c = self
            .get_community(base_url, room)?
            .unwrap_or(CommunityInfo {
                base_url: normalize_community_url(base_url)?,
                room: room.to_owned(),
                server_pk: *server_pk,
                common: GroupCommon::default(),
            });
        c.server_pk = *server_pk;
        Ok(c)
    }

    /// Stores a community entry.
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`] for a bad URL or room.
    pub fn set_community(&mut self, c: &CommunityInfo) -> Result<()> {
        let url = normalize_community_url(&c.base_url)?;
        let key = normalize_room(&c.room)?;
        self.base.modify(|d| {
            with_sub(d, b"o", |o| {
                with_sub(o, url.as_bytes(), |s| {
                    s.insert(b"#".to_vec(), ConfigValue::bytes(c.server_pk.as_slice()));
                    with_sub(s, b"R", |r| {
                        with_sub(r, key.as_bytes(), |e| {
                            e.insert(b"n".to_vec(), ConfigValue::bytes(c.room.as_bytes()));
                            c.common.write(e);
                        });
                    });
                });
            });
        });
        Ok(())
    }

    /// Leaves a community room; the server goes with its last room.
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`].
    pub fn erase_community(&mut self, base_url: &str, room: &str) -> Result<bool> {
        let url = normalize_community_url(base_url)?;
        let key = normalize_room(room)?;
        Ok(self.base.modify(|d| erase_room(d, &url, &key)))
    }

    /// A legacy group entry.
    #[must_use]
    pub fn get_legacy_group(&self, id: &AccountId) -> Option<LegacyGroupInfo> {
        sub(self.base.data(), b"C")
            .and_then(|c| sub(c, &id.to_bytes()))
            .map(|d| LegacyGroupInfo::read(*id, d))
    }

    /// The legacy group entry, or a new one.
    #[must_use]
    pub fn get_or_construct_legacy_group(&self, id: &AccountId) -> LegacyGroupInfo {
        self.get_legacy_group(id)
            .unwrap_or_else(|| LegacyGroupInfo::new(*id))
    }

    /// Stores a legacy group entry.
    pub fn set_legacy_group(&mut self, g: &LegacyGroupInfo) {
        let key = g.id.to_bytes();
        self.base
            .modify(|d| with_sub(d, b"C", |c| with_sub(c, &key, |e| g.write(e))));
    }

    /// Leaves a legacy group.
    pub fn erase_legacy_group(&mut self, id: &AccountId) -> bool {
        let key = id.to_bytes();
        self.base.modify(|d| match d.get_mut(&b"C"[..]) {
            Some(ConfigValue::Dict(c)) => c.remove(&key[..]).is_some(),
            _ => false,
        })
    }

    /// A group entry.
    #[must_use]
    pub fn get_group(&self, id: &GroupId) -> Option<GroupInfo> {
        sub(self.base.data(), b"g")
            .and_then(|g| sub(g, &id.to_bytes()))
            .map(|d| GroupInfo::read(*id, d))
    }

    /// The group entry, or a new one.
    #[must_use]
    pub fn get_or_construct_group(&self, id: &GroupId) -> GroupInfo {
        self.get_group(id).unwrap_or_else(|| GroupInfo::new(*id))
    }

    /// Stores a group entry (spec §8.4's key and auth-data rules).
    pub fn set_group(&mut self, g: &GroupInfo) {
        let key = g.id.to_bytes();
        self.base
            .modify(|d| with_sub(d, b"g", |c| with_sub(c, &key, |e| g.write(e))));
    }

    /// Leaves a group.
    pub fn erase_group(&mut self, id: &GroupId) -> bool {
        let key = id.to_bytes();
        self.base.modify(|d| match d.get_mut(&b"g"[..]) {
            Some(ConfigValue::Dict(c)) => c.remove(&key[..]).is_some(),
            _ => false,
        })
    }

    /// Every group entry.
    #[must_use]
    pub fn groups(&self) -> Vec<GroupInfo> {
        sub(self.base.data(), b"g")
            .into_iter()
            .flat_map(|g| g.iter())
            .filter_map(|(k, v)| {
                Some(GroupInfo::read(
                    GroupId::try_from(k.as_slice()).ok()?,
                    v.as_dict()?,
                ))
            })
            .collect()
    }

    /// Every community entry.
    #[must_use]
    pub fn communities(&self) -> Vec<CommunityInfo> {
        let mut out = Vec::new();
        for (url, s) in sub(self.base.data(), b"o")
            .into_iter()
            .flat_map(|o| o.iter())
        {
            let Some(s) = s.as_dict() else { continue };
            let pk = <[u8; 32]>::try_from(bytes(s, b"#")).unwrap_or([0; 32]);
            for (_, e) in sub(s, b"R").into_iter().flat_map(|r| r.iter()) {
                if let Some(e) = e.as_dict() {
                    out.push(CommunityInfo {
                        base_url: String::from_utf8_lossy(url).into_owned(),
                        room: text(e, b"n"),
                        server_pk: pk,
                        common: GroupCommon::read(e),
                    });
                }
            }
        }
        out
    }
}
