//! ConvoInfoVolatile (namespace 4, spec §8.3): per-conversation last-read time and unread
//! flag.

use session_identity::{AccountId, Ed25519KeyPair, GroupId};

use super::community::{erase_room, normalize_community_url, normalize_room};
use super::{lifecycle, put_flag, put_int, sub, with_sub};
use crate::base::{ConfigAuth, ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;
use crate::value::{ConfigDict, ConfigValue};

/// A last-read time older than this (now − 30 days) is not recorded (unless it lowers one).
pub const LAST_READ_CUTOFF_MS: i64 = 30 * 86_400_000;
/// Read entries older than this (now − 45 days) are pruned at push time.
pub const PRUNE_AGE_MS: i64 = 45 * 86_400_000;

/// The volatile state of one conversation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct ConvoInfo {
    /// Last-read time, unix milliseconds (0 = none recorded).
    pub last_read_ms: i64,
    /// Marked unread.
    pub unread: bool,
}

impl ConvoInfo {
    fn read(d: &ConfigDict) -> Self {
        Self {
            last_read_ms: super::int(d, b"r"),
            unread: super::int(d, b"u") != 0,
        }
    }
}

/// Which conversation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Conversation {
    /// A one-to-one conversation.
    OneToOne(AccountId),
    /// A groups-v2 group.
    Group(GroupId),
    /// A legacy closed group (its `05` id).
    LegacyGroup(AccountId),
    /// A community room: normalised base URL and lower-case room token.
    Community {
        /// Normalised base URL.
        base_url: String,
        /// Lower-case room token.
        room: String,
    },
}

/// Applies the setter rule of spec §8.3 to one entry dict.
fn write_entry(e: &mut ConfigDict, info: ConvoInfo, now_ms: i64) {
    let lowered = matches!(e.get(&b"r"[..]), Some(ConfigValue::Scalar(crate::Scalar::Int(r))) if info.last_read_ms < *r);
    if lowered || info.last_read_ms > now_ms.saturating_sub(LAST_READ_CUTOFF_MS) {
        put_int(e, b"r", info.last_read_ms, true);
    }
    put_flag(e, b"u", info.unread);
}

fn stale(e: &ConfigDict, cutoff: i64) -> bool {
    !e.contains_key(&b"u"[..]) && super::int(e, b"r") < cutoff
}

/// The per-conversation read state of the account.
///
/// ```
/// use session_config::{ConvoInfo, ConvoInfoVolatile};
/// use session_identity::Ed25519KeyPair;
/// let now = 1_700_000_000_000;
/// let mut c = ConvoInfoVolatile::new(&Ed25519KeyPair::from_seed(&[1; 32]));
/// c.set_community("https://example.org", "Room", &[7; 32],
///                 ConvoInfo { last_read_ms: now, unread: false }, now)?;
/// assert_eq!(c.get_community("https://EXAMPLE.org/", "room")?.map(|i| i.last_read_ms), Some(now));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConvoInfoVolatile {
    base: ConfigBase,
}

lifecycle!(ConvoInfoVolatile);

impl ConvoInfoVolatile {
    /// A new, empty object.
    #[must_use]
    pub fn new(account: &Ed25519KeyPair) -> Self {
        Self {
            base: ConfigBase::new(
                ConfigKind::ConvoInfoVolatile,
                ConfigAuth::User(account.clone()),
            ),
        }
    }

    /// Restores from a dump.
    ///
    /// # Errors
    /// [`crate::Error::InvalidDump`].
    pub fn load(account: &Ed25519KeyPair, dump: &[u8]) -> Result<Self> {
        Ok(Self {
            base: ConfigBase::load(
                ConfigKind::ConvoInfoVolatile,
                ConfigAuth::User(account.clone()),
                dump,
            )?,
        })
    }

    /// Prunes stale entries at `now_ms` (spec §8.3: read 1-to-1, legacy-group and community
    /// entries older than 45 days; group entries never), then gives what to push.
    ///
    /// # Errors
    /// As [`ConfigBase::push`].
    pub fn push(&mut self, now_ms: i64) -> Result<Option<Push>> {
        self.prune_stale(now_ms);
        self.base.push()
    }

    /// The push-time pruning alone (spec §8.3).
    pub fn prune_stale(&mut self, now_ms: i64) {
        let cutoff = now_ms.saturating_sub(PRUNE_AGE_MS);
        let any_stale = {
            let d = self.base.data();
            let simple = [&b"1"[..], b"C"].into_iter().any(|k| {
                sub(d, k).is_some_and(|m| {
                    m.values()
                        .any(|v| v.as_dict().is_some_and(|e| stale(e, cutoff)))
                })
            });
            let rooms = sub(d, b"o").is_some_and(|o| {
                o.values().any(|s| {
                    s.as_dict().and_then(|s| sub(s, b"R")).is_some_and(|r| {
                        r.values()
                            .any(|v| v.as_dict().is_some_and(|e| stale(e, cutoff)))
                    })
                })
            });
            simple || rooms
        };
        if !any_stale {
            return;
        }
        self.base.modify(|d| {
            for k in [&b"1"[..], b"C"] {
                if let Some(ConfigValue::Dict(m)) = d.get_mut(k) {
                    m.retain(|_, v| !v.as_dict().is_some_and(|e| stale(e, cutoff)));
                }
            }
            if let Some(ConfigValue::Dict(o)) = d.get_mut(&b"o"[..]) {
                for server in o.values_mut() {
                    if let ConfigValue::Dict(s) = server {
                        if let Some(ConfigValue::Dict(r)) = s.get_mut(&b"R"[..]) {
                            r.retain(|_, v| !v.as_dict().is_some_and(|e| stale(e, cutoff)));
                        }
                    }
                }
                o.retain(|_, s| {
                    s.as_dict()
                        .and_then(|s| sub(s, b"R"))
                        .is_some_and(|r| !r.is_empty())
                });
            }
        });
    }

    fn get_simple(&self, top: &[u8], id: &[u8]) -> Option<ConvoInfo> {
        sub(self.base.data(), top)
            .and_then(|m| sub(m, id))
            .map(ConvoInfo::read)
    }

    fn set_simple(&mut self, top: &[u8], id: &[u8], info: ConvoInfo, now_ms: i64) {
        self.base.modify(|d| {
            with_sub(d, top, |m| {
                with_sub(m, id, |e| write_entry(e, info, now_ms))
            });
        });
    }

    fn erase_simple(&mut self, top: &[u8], id: &[u8]) -> bool {
        self.base.modify(|d| match d.get_mut(top) {
            Some(ConfigValue::Dict(m)) => m.remove(id).is_some(),
            _ => false,
        })
    }

    /// A one-to-one conversation's state.
    #[must_use]
    pub fn get_one_to_one(&self, id: &AccountId) -> Option<ConvoInfo> {
        self.get_simple(b"1", &id.to_bytes())
    }

    /// Records a one-to-one conversation's state (spec §8.3's rule, with the clock `now_ms`).
    pub fn set_one_to_one(&mut self, id: &AccountId, info: ConvoInfo, now_ms: i64) {
        self.set_simple(b"1", &id.to_bytes(), info, now_ms);
    }

    /// Forgets a one-to-one conversation.
    pub fn erase_one_to_one(&mut self, id: &AccountId) -> bool {
        self.erase_simple(b"1", &id.to_bytes())
    }

    /// A group's state.
    #[must_use]
    pub fn get_group(&self, id: &GroupId) -> Option<ConvoInfo> {
        self.get_simple(b"g", &id.to_bytes())
    }

    /// Records a group's state.
    pub fn set_group(&mut self, id: &GroupId, info: ConvoInfo, now_ms: i64) {
        self.set_simple(b"g", &id.to_bytes(), info, now_ms);
    }

    /// Forgets a group.
    pub fn erase_group(&mut self, id: &GroupId) -> bool {
        self.erase_simple(b"g", &id.to_bytes())
    }

    /// A legacy group's state.
    #[must_use]
    pub fn get_legacy_group(&self, id: &AccountId) -> Option<ConvoInfo> {
        self.get_simple(b"C", &id.to_bytes())
    }

    /// Records a legacy group's state.
    pub fn set_legacy_group(&mut self, id: &AccountId, info: ConvoInfo, now_ms: i64) {
        self.set_simple(b"C", &id.to_bytes(), info, now_ms);
    }

    /// Forgets a legacy group.
    pub fn erase_legacy_group(&mut self, id: &AccountId) -> bool {
        self.erase_simple(b"C", &id.to_bytes())
    }

    /// A community room's state (URL and room are normalised first).
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`].
    pub fn get_community(&self, base_url: &str, room: &str) -> Result<Option<ConvoInfo>> {
        let url = normalize_community_url(base_url)?;
        let room = normalize_room(room)?;
        Ok(sub(self.base.data(), b"o")
            .and_then(|o| sub(o, url.as_bytes()))
            .and_then(|s| sub(s, b"R"))
            .and_then(|r| sub(r, room.as_bytes()))
            .map(ConvoInfo::read))
    }

    /// Records a community room's state, storing the server's public key.
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`] for a bad URL or room.
    pub fn set_community(
        &mut self,
        base_url: &str,
        room: &str,
        server_pk: &[u8; 32],
        info: ConvoInfo,
        now_ms: i64,
    ) -> Result<()> {
        let url = normalize_community_url(base_url)?;
        let room = normalize_room(room)?;
        self.base.modify(|d| {
            with_sub(d, b"o", |o| {
                with_sub(o, url.as_bytes(), |s| {
                    let mut entry = ConfigDict::new();
                    let before = sub(s, b"R").and_then(|r| sub(r, room.as_bytes())).cloned();
                    if let Some(b) = before {
                        entry = b;
                    }
                    write_entry(&mut entry, info, now_ms);
                    if !entry.is_empty() {
                        s.insert(b"#".to_vec(), ConfigValue::bytes(server_pk.as_slice()));
                        with_sub(s, b"R", |r| {
                            r.insert(room.as_bytes().to_vec(), ConfigValue::Dict(entry));
                        });
                    }
                });
            });
        });
        Ok(())
    }

    /// Forgets a community room (case-insensitive); the server goes with its last room.
    ///
    /// # Errors
    /// [`crate::Error::InvalidCommunityUrl`] for a bad URL or room.
    pub fn erase_community(&mut self, base_url: &str, room: &str) -> Result<bool> {
        let url = normalize_community_url(base_url)?;
        let room = normalize_room(room)?;
        Ok(self.base.modify(|d| erase_room(d, &url, &room)))
    }

    /// Every conversation with its state.
    #[must_use]
    pub fn all(&self) -> Vec<(Conversation, ConvoInfo)> {
        let d = self.base.data();
        let mut out = Vec::new();
        let simple = |k: &[u8]| sub(d, k).into_iter().flat_map(|m| m.iter());
        for (id, v) in simple(b"1") {
            if let (Ok(id), Some(e)) = (AccountId::try_from(id.as_slice()), v.as_dict()) {
                out.push((Conversation::OneToOne(id), ConvoInfo::read(e)));
            }
        }
        for (id, v) in simple(b"g") {
            if let (Ok(id), Some(e)) = (GroupId::try_from(id.as_slice()), v.as_dict()) {
                out.push((Conversation::Group(id), ConvoInfo::read(e)));
            }
        }
        for (id, v) in simple(b"C") {
            if let (Ok(id), Some(e)) = (AccountId::try_from(id.as_slice()), v.as_dict()) {
                out.push((Conversation::LegacyGroup(id), ConvoInfo::read(e)));
            }
        }
        for (url, s) in simple(b"o") {
            let rooms = s.as_dict().and_then(|s| sub(s, b"R"));
            for (room, v) in rooms.into_iter().flat_map(|r| r.iter()) {
                if let Some(e) = v.as_dict() {
                    out.push((
                        Conversation::Community {
                            base_url: String::from_utf8_lossy(url).into_owned(),
                            room: String::from_utf8_lossy(room).into_owned(),
                        },
                        ConvoInfo::read(e),
                    ));
                }
            }
        }
        out
    }
}
