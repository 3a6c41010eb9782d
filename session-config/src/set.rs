//! The account-level helper a client drives: which namespaces to poll, what to merge where,
//! what to push.

use session_bencode::{self as bt, Value};
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey};

use crate::base::Push;
use crate::error::{Error, Result};
use crate::payload::ConfigKind;
use crate::types::contacts::Contacts;
use crate::types::convo::ConvoInfoVolatile;
use crate::types::group_info::Info;
use crate::types::group_members::Members;
use crate::types::keys::Keys;
use crate::types::user_groups::UserGroups;
use crate::types::user_profile::UserProfile;

/// The four user configs of one account, driven together by a client:
///
/// 1. poll every namespace of [`UserConfigs::NAMESPACES`] and give each batch to
///    [`UserConfigs::merge`];
/// 2. store every [`UserConfigs::pushes`] entry (and delete its obsolete hashes);
/// 3. report each stored message's hash with [`UserConfigs::confirm_pushed`];
/// 4. persist [`UserConfigs::dump`] when [`UserConfigs::needs_dump`].
///
/// ```
/// use session_config::UserConfigs;
/// use session_identity::Ed25519KeyPair;
/// let me = Ed25519KeyPair::from_seed(&[1; 32]);
/// let mut phone = UserConfigs::new(&me);
/// phone.profile.set_name("Alice")?;
/// let pushes = phone.pushes(0)?;
/// assert_eq!(pushes.len(), 1);
/// phone.confirm_pushed(pushes[0].namespace, pushes[0].seqno, "h1");
///
/// let mut laptop = UserConfigs::new(&me);
/// laptop.merge(pushes[0].namespace, &[("h1", pushes[0].data.as_slice())])?;
/// assert_eq!(laptop.profile.name().as_deref(), Some("Alice"));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct UserConfigs {
    /// Namespace 2.
    pub profile: UserProfile,
    /// Namespace 3.
    pub contacts: Contacts,
    /// Namespace 4.
    pub convos: ConvoInfoVolatile,
    /// Namespace 5.
    pub groups: UserGroups,
}

impl UserConfigs {
    /// The namespaces to poll, in the order libsession merges them.
    pub const NAMESPACES: [i16; 4] = [2, 3, 4, 5];

    /// Empty configs for the account.
    #[must_use]
    pub fn new(account: &Ed25519KeyPair) -> Self {
        Self {
            profile: UserProfile::new(account),
            contacts: Contacts::new(account),
            convos: ConvoInfoVolatile::new(account),
            groups: UserGroups::new(account),
        }
    }

    /// Merges the messages polled from `namespace`; returns the accepted hashes.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for a namespace that is not a user config's.
    pub fn merge<H: AsRef<str>, P: AsRef<[u8]>>(
        &mut self,
        namespace: i16,
        messages: &[(H, P)],
    ) -> Result<Vec<String>> {
        match ConfigKind::from_namespace(namespace) {
            Some(ConfigKind::UserProfile) => self.profile.merge(messages),
            Some(ConfigKind::Contacts) => self.contacts.merge(messages),
            Some(ConfigKind::ConvoInfoVolatile) => self.convos.merge(messages),
            Some(ConfigKind::UserGroups) => self.groups.merge(messages),
            _ => Err(Error::InvalidConfig("not a user config namespace")),
        }
    }

    /// Everything to store now (at most one per namespace), with the clock for the
    /// conversation list's pruning.
    ///
    /// # Errors
    /// As [`crate::ConfigBase::push`].
    pub fn pushes(&mut self, now_ms: i64) -> Result<Vec<Push>> {
        let mut out = Vec::new();
        out.extend(self.profile.push()?);
        out.extend(self.contacts.push()?);
        out.extend(self.convos.push(now_ms)?);
        out.extend(self.groups.push()?);
        Ok(out)
    }

    /// Records that the push of `seqno` to `namespace` was stored under `hash`.
    pub fn confirm_pushed(&mut self, namespace: i16, seqno: i64, hash: &str) {
        match ConfigKind::from_namespace(namespace) {
            Some(ConfigKind::UserProfile) => self.profile.confirm_pushed(seqno, hash),
            Some(ConfigKind::Contacts) => self.contacts.confirm_pushed(seqno, hash),
            Some(ConfigKind::ConvoInfoVolatile) => self.convos.confirm_pushed(seqno, hash),
            Some(ConfigKind::UserGroups) => self.groups.confirm_pushed(seqno, hash),
            _ => {}
        }
    }

    /// Whether any config needs pushing.
    #[must_use]
    pub fn needs_push(&self) -> bool {
        self.profile.needs_push()
            || self.contacts.needs_push()
            || self.convos.needs_push()
            || self.groups.needs_push()
    }

    /// Whether any config changed since the last dump.
    #[must_use]
    pub fn needs_dump(&self) -> bool {
        self.profile.needs_dump()
            || self.contacts.needs_dump()
            || self.convos.needs_dump()
            || self.groups.needs_dump()
    }

    /// One local dump of all four (a bt dict keyed by namespace).
    pub fn dump(&mut self) -> Vec<u8> {
        let mut out = vec![b'd'];
        for (k, d) in [
            (&b"2"[..], self.profile.dump()),
            (b"3", self.contacts.dump()),
            (b"4", self.convos.dump()),
            (b"5", self.groups.dump()),
        ] {
            bt::put_bytes(&mut out, k);
            bt::put_bytes(&mut out, &d);
        }
        out.push(b'e');
        out
    }

    /// Restores from [`UserConfigs::dump`].
    ///
    /// # Errors
    /// [`Error::InvalidDump`].
    pub fn load(account: &Ed25519KeyPair, dump: &[u8]) -> Result<Self> {
        let root = bt::decode(dump).map_err(|_| Error::InvalidDump("not bt"))?;
        let part = |k: &[u8]| {
            root.get(k)
                .and_then(Value::as_bytes)
                .ok_or(Error::InvalidDump("missing part"))
        };
        Ok(Self {
            profile: UserProfile::load(account, part(b"2")?)?,
            contacts: Contacts::load(account, part(b"3")?)?,
            convos: ConvoInfoVolatile::load(account, part(b"4")?)?,
            groups: UserGroups::load(account, part(b"5")?)?,
        })
    }
}

/// The three configs of one group (groups v2) driven together: Keys (namespace 12), Info (13)
/// and Members (14). Keys are merged first; every newly learned key is handed to Info and
/// Members, which then decrypt with all current keys and (for admins) re-encrypt with the
/// newest.
///
/// ```
/// use session_config::GroupConfigs;
/// use session_identity::Ed25519KeyPair;
/// let group = Ed25519KeyPair::from_seed(&[5; 32]);
/// let alice = Ed25519KeyPair::from_seed(&[6; 32]);
/// let now = 1_700_000_000_000;
/// let mut admin = GroupConfigs::new(&group.public_key(), Some(&group), None);
/// admin.info.set_name("Book club")?;
/// let mut me = admin.members.get_or_construct(&alice.account_id());
/// me.set_invite_sent();
/// admin.members.set(&me)?;
/// let key_message = admin.rekey(now)?;
/// let pushes = admin.pushes()?;
/// assert_eq!(pushes.iter().map(|p| p.namespace).collect::<Vec<_>>(), [13, 14]);
///
/// // Alice, a member, reads the key message, then the info.
/// let mut member = GroupConfigs::new(&group.public_key(), None, Some(&alice));
/// member.merge_keys(&[(key_message.as_slice(), now)], now)?;
/// member.merge(13, &[("h13", pushes[0].data.as_slice())])?;
/// assert_eq!(member.info.name().as_deref(), Some("Book club"));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct GroupConfigs {
    /// Namespace 12.
    pub keys: Keys,
    /// Namespace 13.
    pub info: Info,
    /// Namespace 14.
    pub members: Members,
    member_key: Option<Ed25519KeyPair>,
}

impl GroupConfigs {
    /// The namespaces to poll, keys first.
    pub const NAMESPACES: [i16; 3] = [12, 13, 14];

    /// Empty configs of the group `public_key`: `admin` is the group's key pair (admins),
    /// `member` our own account key pair (members, to open key messages).
    #[must_use]
    pub fn new(
        public_key: &Ed25519PublicKey,
        admin: Option<&Ed25519KeyPair>,
        member: Option<&Ed25519KeyPair>,
    ) -> Self {
        Self {
            keys: Keys::new(public_key, admin),
            info: Info::new(public_key, admin, &[]),
            members: Members::new(public_key, admin, &[]),
            member_key: member.cloned(),
        }
    }

    /// Reads key messages (namespace 12, each with its storage timestamp) and gives the
    /// resulting keys (at `now_ms`) to Info and Members. Messages that do not open for us are
    /// skipped. Returns how many new keys were learned.
    ///
    /// # Errors
    /// None at present (bad key messages are skipped).
    pub fn merge_keys(&mut self, messages: &[(&[u8], i64)], now_ms: i64) -> Result<usize> {
        let mut learned = 0;
        for (m, ts) in messages {
            if let Ok(true) = self.keys.load_key_message(m, *ts, self.member_key.as_ref()) {
                learned += 1;
            }
        }
        if learned > 0 {
            self.refresh_keys(now_ms);
        }
        Ok(learned)
    }

    fn refresh_keys(&mut self, now_ms: i64) {
        let keys = self.keys.group_keys(now_ms);
        self.info.base_mut().set_group_keys(keys.clone());
        self.members.base_mut().set_group_keys(keys);
    }

    /// Merges Info (13) or Members (14) messages; returns the accepted hashes.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for another namespace.
    pub fn merge<H: AsRef<str>, P: AsRef<[u8]>>(
        &mut self,
        namespace: i16,
        messages: &[(H, P)],
    ) -> Result<Vec<String>> {
        match ConfigKind::from_namespace(namespace) {
            Some(ConfigKind::GroupInfo) => self.info.merge(messages),
            Some(ConfigKind::GroupMembers) => self.members.merge(messages),
            _ => Err(Error::InvalidConfig("not a group config namespace")),
        }
    }

    /// Admins: a new key for the current member list (every member, in id order); returns the
    /// key message to store in namespace 12. Info and Members become dirty with the new key.
    ///
    /// # Errors
    /// [`Error::NotAdmin`] without the group key.
    pub fn rekey(&mut self, now_ms: i64) -> Result<Vec<u8>> {
        let ids: Vec<AccountId> = self.members.all().into_iter().map(|m| m.id).collect();
        let message = self.keys.rekey(&ids, now_ms)?;
        self.refresh_keys(now_ms);
        Ok(message)
    }

    /// Admins: what to store now in namespaces 13 and 14.
    ///
    /// # Errors
    /// As [`crate::ConfigBase::push`].
    pub fn pushes(&mut self) -> Result<Vec<Push>> {
        let mut out = Vec::new();
        out.extend(self.info.push()?);
        out.extend(self.members.push()?);
        Ok(out)
    }

    /// Records that the push of `seqno` to `namespace` was stored under `hash`.
    pub fn confirm_pushed(&mut self, namespace: i16, seqno: i64, hash: &str) {
        match ConfigKind::from_namespace(namespace) {
            Some(ConfigKind::GroupInfo) => self.info.confirm_pushed(seqno, hash),
            Some(ConfigKind::GroupMembers) => self.members.confirm_pushed(seqno, hash),
            _ => {}
        }
    }

    /// Whether Info or Members needs pushing.
    #[must_use]
    pub fn needs_push(&self) -> bool {
        self.info.needs_push() || self.members.needs_push()
    }
}
