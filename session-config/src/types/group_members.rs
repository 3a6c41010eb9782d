//! groups::Members (namespace 14, signed; spec §8.6).

use std::collections::BTreeSet;

use session_bencode::{self as bt, Value};
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey};

use super::group_info::group_auth;
use super::{
    MAX_NAME_LEN, ProfilePic, check_len, int, lifecycle, put_flag, put_int, sub, text,
    truncate_utf8, with_sub,
};
use crate::base::{ConfigBase, Push};
use crate::error::Result;
use crate::payload::ConfigKind;
use crate::value::{ConfigDict, ConfigValue};

/// Where an invitation or a promotion stands (`I` / `P`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum InviteStatus {
    /// Accepted, or never applicable (key omitted).
    #[default]
    None,
    /// Sent (1).
    Sent,
    /// Sending failed (2).
    Failed,
    /// Not sent yet (3).
    NotSent,
}

impl InviteStatus {
    fn code(self) -> i64 {
        match self {
            Self::None => 0,
            Self::Sent => 1,
            Self::Failed => 2,
            Self::NotSent => 3,
        }
    }

    fn from_code(n: i64) -> Self {
        match n {
            1 => Self::Sent,
            2 => Self::Failed,
            3 => Self::NotSent,
            _ => Self::None,
        }
    }
}

/// Whether a member was removed (`R`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum MemberRemoved {
    /// Not removed.
    #[default]
    No,
    /// Removed (1).
    Member,
    /// Removed together with their messages (2).
    MemberAndMessages,
}

/// A member's status in one word (libsession `member::Status`): removal first, then the
/// promotion of an admin, then the invitation. "Sending" means not sent yet but on this
/// device's pending-send list ([`Members::set_pending_send`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemberStatus {
    /// Invitation not sent yet.
    InviteNotSent,
    /// Invitation being sent by this device.
    InviteSending,
    /// Sending the invitation failed.
    InviteFailed,
    /// Invitation sent, not accepted yet.
    InviteSent,
    /// A member.
    InviteAccepted,
    /// Promotion to admin not sent yet.
    PromotionNotSent,
    /// Promotion being sent by this device.
    PromotionSending,
    /// Sending the promotion failed.
    PromotionFailed,
    /// Promotion sent, not accepted yet.
    PromotionSent,
    /// An admin.
    PromotionAccepted,
    /// Removed (to be kicked).
    Removed,
    /// Removed, their messages too.
    RemovedIncludingMessages,
}

/// One group member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// Their account id.
    pub id: AccountId,
    /// Their name (≤ 100 bytes; always stored).
    pub name: String,
    /// Their picture.
    pub profile_pic: ProfilePic,
    /// Admin flag (`A`).
    pub admin: bool,
    /// Invitation status (`I`, not written for admins).
    pub invite: InviteStatus,
    /// Promotion status (`P`).
    pub promotion: InviteStatus,
    /// Invited with a supplemental key message (`s`).
    pub supplement: bool,
    /// Removal status (`R`).
    pub removed: MemberRemoved,
}

impl Member {
    /// A new member: invitation not sent yet.
    #[must_use]
    pub fn new(id: AccountId) -> Self {
        Self {
            id,
            name: String::new(),
            profile_pic: ProfilePic::default(),
            admin: false,
            invite: InviteStatus::NotSent,
            promotion: InviteStatus::None,
            supplement: false,
            removed: MemberRemoved::No,
        }
    }

    fn read(id: AccountId, d: &ConfigDict) -> Self {
        let admin = int(d, b"A") != 0;
        let invite = InviteStatus::from_code(int(d, b"I"));
        let promotion = InviteStatus::from_code(int(d, b"P"));
        Self {
            id,
            name: text(d, b"n"),
            profile_pic: ProfilePic::read(d),
            admin,
            invite,
            promotion,
            supplement: int(d, b"s") != 0
                && invite != InviteStatus::None
                && !admin
                && promotion == InviteStatus::None,
            removed: match int(d, b"R") {
                1 => MemberRemoved::Member,
                2 => MemberRemoved::MemberAndMessages,
                _ => MemberRemoved::No,
            },
        }
    }

    fn write(&self, d: &mut ConfigDict) {
        let name = truncate_utf8(&self.name, MAX_NAME_LEN);
        d.insert(b"n".to_vec(), ConfigValue::bytes(name.as_bytes()));
        self.profile_pic.write(d);
        let i = self.invite.code();
        put_int(d, b"I", i, i > 0 && !self.admin);
        put_flag(d, b"s", self.supplement);
        put_flag(d, b"A", self.admin);
        let p = self.promotion.code();
        put_int(d, b"P", p, p > 0);
        let r = match self.removed {
            MemberRemoved::No => 0,
            MemberRemoved::Member => 1,
            MemberRemoved::MemberAndMessages => 2,
        };
        put_int(d, b"R", r, r > 0);
    }

    /// Invitation sent.
    pub fn set_invite_sent(&mut self) {
        self.invite = InviteStatus::Sent;
    }

    /// Invitation not sent yet.
    pub fn set_invite_not_sent(&mut self) {
        self.invite = InviteStatus::NotSent;
    }

    /// Invitation failed.
    pub fn set_invite_failed(&mut self) {
        self.invite = InviteStatus::Failed;
    }

    /// Invitation accepted (clears the supplement flag).
    pub fn set_invite_accepted(&mut self) {
        self.invite = InviteStatus::None;
        self.supplement = false;
    }

    fn promote(&mut self, status: InviteStatus) {
        self.admin = true;
        self.invite = InviteStatus::None;
        self.promotion = status;
    }

    /// Promoted to admin, promotion not sent yet.
    pub fn set_promoted(&mut self) {
        self.promote(InviteStatus::NotSent);
    }

    /// Promotion sent.
    pub fn set_promotion_sent(&mut self) {
        self.promote(InviteStatus::Sent);
    }

    /// Promotion failed.
    pub fn set_promotion_failed(&mut self) {
        self.promote(InviteStatus::Failed);
    }

    /// Promotion accepted.
    pub fn set_promotion_accepted(&mut self) {
        self.promote(InviteStatus::None);
    }

    /// Removed (with or without their messages): clears invitation and promotion status
    /// (an admin keeps `A`, spec §9.1).
    pub fn set_removed(&mut self, with_messages: bool) {
        self.invite = InviteStatus::None;
        self.promotion = InviteStatus::None;
        self.removed = if with_messages {
            MemberRemoved::MemberAndMessages
        } else {
            MemberRemoved::Member
        };
    }
}

/// A group's member list, written and signed by admins.
///
/// ```
/// use session_config::groups::Members;
/// use session_identity::{AccountId, Ed25519KeyPair};
/// let group = Ed25519KeyPair::from_seed(&[5; 32]);
/// let mut m = Members::new(&group.public_key(), Some(&group), &[[9; 32]]);
/// let alice = Ed25519KeyPair::from_seed(&[6; 32]).account_id();
/// let mut a = m.get_or_construct(&alice);
/// a.name = "Alice".into();
/// a.set_invite_sent();
/// m.set(&a)?;
/// assert_eq!(m.all().len(), 1);
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Members {
    base: ConfigBase,
}

lifecycle!(Members);

impl Members {
    /// A new, empty member list (see [`super::group_info::Info::new`] for the keys).
    #[must_use]
    pub fn new(
        public_key: &Ed25519PublicKey,
        admin: Option<&Ed25519KeyPair>,
        keys: &[[u8; 32]],
    ) -> Self {
        Self {
            base: ConfigBase::new(
                ConfigKind::GroupMembers,
                group_auth(public_key, admin, keys),
            ),
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
                ConfigKind::GroupMembers,
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

    /// A member, if present.
    #[must_use]
    pub fn get(&self, id: &AccountId) -> Option<Member> {
        sub(self.base.data(), b"m")
            .and_then(|m| sub(m, &id.to_bytes()))
            .map(|d| Member::read(*id, d))
    }

    /// The member, or a new one (invite not sent).
    #[must_use]
    pub fn get_or_construct(&self, id: &AccountId) -> Member {
        self.get(id).unwrap_or_else(|| Member::new(*id))
    }

    /// Stores the whole entry.
    ///
    /// # Errors
    /// [`crate::Error::InvalidLength`] for a name over 100 bytes, a picture URL over 223 bytes
    /// or a picture key that is neither empty nor 32 bytes.
    pub fn set(&mut self, member: &Member) -> Result<()> {
        check_len(&member.name, MAX_NAME_LEN)?;
        member.profile_pic.check_strict()?;
        let key = member.id.to_bytes();
        self.base
            .modify(|d| with_sub(d, b"m", |m| with_sub(m, &key, |e| member.write(e))));
        Ok(())
    }

    /// Removes a member entry (and takes them off the pending-send list); returns whether
    /// the entry existed.
    pub fn erase(&mut self, id: &AccountId) -> bool {
        self.set_pending_send(id, false);
        let key = id.to_bytes();
        self.base.modify(|d| match d.get_mut(&b"m"[..]) {
            Some(ConfigValue::Dict(m)) => m.remove(&key[..]).is_some(),
            _ => false,
        })
    }

    /// The members whose invitation or promotion this device is sending: local state (kept
    /// in the dump, never pushed; spec §8.8 "pending send").
    #[must_use]
    pub fn pending_send(&self) -> BTreeSet<AccountId> {
        let Some(extra) = self.base.dump_extra() else {
            return BTreeSet::new();
        };
        let Ok(root) = bt::decode(extra) else {
            return BTreeSet::new();
        };
        root.get(b"p")
            .and_then(Value::as_list)
            .into_iter()
            .flatten()
            .filter_map(|v| AccountId::try_from(v.as_bytes()?).ok())
            .collect()
    }

    /// Whether `id` is on the pending-send list.
    #[must_use]
    pub fn has_pending_send(&self, id: &AccountId) -> bool {
        self.pending_send().contains(id)
    }

    /// Puts `id` on the pending-send list or takes it off (the object then needs a dump if
    /// that changed anything; nothing is pushed).
    pub fn set_pending_send(&mut self, id: &AccountId, pending: bool) {
        let mut ids = self.pending_send();
        let changed = if pending {
            ids.insert(*id)
        } else {
            ids.remove(id)
        };
        if !changed {
            return;
        }
        let extra = (!ids.is_empty()).then(|| {
            let mut out = vec![b'd'];
            bt::put_bytes(&mut out, b"p");
            out.push(b'l');
            for id in &ids {
                bt::put_bytes(&mut out, &id.to_bytes());
            }
            out.extend_from_slice(b"ee");
            out
        });
        // Always one bt value: cannot fail.
        let _ = self.base.set_dump_extra(extra);
    }

    /// The member's status in one word (see [`MemberStatus`]).
    #[must_use]
    pub fn status(&self, member: &Member) -> MemberStatus {
        match member.removed {
            MemberRemoved::MemberAndMessages => return MemberStatus::RemovedIncludingMessages,
            MemberRemoved::Member => return MemberStatus::Removed,
            MemberRemoved::No => {}
        }
        let sending = || self.has_pending_send(&member.id);
        if member.admin {
            return match member.promotion {
                InviteStatus::NotSent if sending() => MemberStatus::PromotionSending,
                InviteStatus::NotSent => MemberStatus::PromotionNotSent,
                InviteStatus::Failed => MemberStatus::PromotionFailed,
                InviteStatus::Sent => MemberStatus::PromotionSent,
                InviteStatus::None => MemberStatus::PromotionAccepted,
            };
        }
        match member.invite {
            InviteStatus::NotSent if sending() => MemberStatus::InviteSending,
            InviteStatus::NotSent => MemberStatus::InviteNotSent,
            InviteStatus::Failed => MemberStatus::InviteFailed,
            InviteStatus::Sent => MemberStatus::InviteSent,
            InviteStatus::None => MemberStatus::InviteAccepted,
        }
    }

    /// Every member, ordered by id (the order the key derivation uses).
    #[must_use]
    pub fn all(&self) -> Vec<Member> {
        sub(self.base.data(), b"m")
            .into_iter()
            .flat_map(|m| m.iter())
            .filter_map(|(k, v)| {
                Some(Member::read(
                    AccountId::try_from(k.as_slice()).ok()?,
                    v.as_dict()?,
                ))
            })
            .collect()
    }
}
