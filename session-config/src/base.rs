//! The config object's lifecycle (spec §4.3): the clean / dirty / waiting state machine, push,
//! confirmation, merging what the swarm returned, and local dumps.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use session_bencode::{self as bt, Value};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use zeroize::Zeroizing;

use crate::diff::{Diff, diff_from_bt, encode_diff_into};
use crate::error::{Error, Result};
use crate::merge::resolve;
use crate::message::{ConfigMessage, DEFAULT_LAG, MutableConfigMessage, SeqHash};
use crate::payload::{ConfigKind, decode_payload, encode_payload};
use crate::value::{ConfigDict, dict_from_bt, encode_dict_into, prune};

/// Where a config object stands with respect to the swarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConfigState {
    /// Nothing to push: the current message is stored (or the object is new and untouched).
    Clean,
    /// Changed locally (or merged): a new message must be pushed.
    Dirty,
    /// Pushed, waiting for [`ConfigBase::confirm_pushed`].
    Waiting,
}

impl ConfigState {
    fn code(self) -> i64 {
        match self {
            ConfigState::Clean => 0,
            ConfigState::Dirty => 1,
            ConfigState::Waiting => 2,
        }
    }
}

/// What to store on the swarm: the result of [`ConfigBase::push`].
#[derive(Clone, PartialEq, Eq)]
pub struct Push {
    /// The storage namespace.
    pub namespace: i16,
    /// The seqno of the pushed message (give it back to [`ConfigBase::confirm_pushed`]).
    pub seqno: i64,
    /// The payload to store (base64 it in the `store` request).
    pub data: Vec<u8>,
    /// Storage hashes of messages this one supersedes: delete them after the store.
    pub obsolete_hashes: Vec<String>,
}

impl fmt::Debug for Push {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Push")
            .field("namespace", &self.namespace)
            .field("seqno", &self.seqno)
            .field("data_len", &self.data.len())
            .field("obsolete_hashes", &self.obsolete_hashes)
            .finish()
    }
}

/// The keys a config object needs.
#[derive(Clone)]
pub enum ConfigAuth {
    /// A user config: the account's key pair (its seed is the encryption key, and it wraps
    /// and unwraps the legacy protobuf message).
    User(Ed25519KeyPair),
    /// A group config: the group's public key (verification), the group's key pair when we
    /// are an admin (signing), and the group encryption keys, newest first.
    Group {
        /// The group's Ed25519 public key (the group id without `03`).
        public_key: Ed25519PublicKey,
        /// The group's key pair, for admins.
        admin: Option<Ed25519KeyPair>,
        /// Encryption keys, newest (used to encrypt) first.
        keys: Vec<Zeroizing<[u8; 32]>>,
    },
}

impl fmt::Debug for ConfigAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigAuth::User(kp) => f.debug_tuple("User").field(&kp.public_key()).finish(),
            ConfigAuth::Group {
                public_key,
                admin,
                keys,
            } => f
                .debug_struct("Group")
                .field("public_key", public_key)
                .field("admin", &admin.is_some())
                .field("keys", &keys.len())
                .finish(),
        }
    }
}

/// One config object (any of the six kinds) with its sync state: the generic layer that the
/// typed configs ([`crate::UserProfile`], [`crate::Contacts`], …) wrap.
///
/// ```
/// use session_config::{ConfigAuth, ConfigBase, ConfigKind, ConfigValue};
/// use session_identity::Ed25519KeyPair;
/// let me = Ed25519KeyPair::from_seed(&[1; 32]);
/// let mut a = ConfigBase::new(ConfigKind::UserProfile, ConfigAuth::User(me.clone()));
/// a.modify(|d| { d.insert(b"n".to_vec(), ConfigValue::bytes("Alice")); });
/// let push = a.push()?.expect("dirty");
/// a.confirm_pushed(push.seqno, "hash1");
/// assert!(!a.needs_push());
///
/// // Another device merges what the swarm returned.
/// let mut b = ConfigBase::new(ConfigKind::UserProfile, ConfigAuth::User(me));
/// b.merge(&[("hash1", push.data.as_slice())])?;
/// assert_eq!(b.data(), a.data());
/// assert_eq!(b.current_hash(), Some("hash1"));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ConfigBase {
    kind: ConfigKind,
    lag: i64,
    auth: ConfigAuth,
    current: ConfigMessage,
    pending: Option<MutableConfigMessage>,
    state: ConfigState,
    current_hash: Option<String>,
    obsolete: BTreeSet<String>,
    /// The obsolete hashes reported by the last push (cleared from `obsolete` on confirm).
    in_flight: BTreeSet<String>,
    needs_dump: bool,
    /// Type-specific local data kept in the dump (`+`, spec §7): one bt value, never pushed.
    extra: Option<Vec<u8>>,
}

/// The version of [`ConfigBase::dump`]'s format.
pub const DUMP_VERSION: i64 = 1;

impl ConfigBase {
    /// A new, empty object (seqno 0, clean).
    #[must_use]
    pub fn new(kind: ConfigKind, auth: ConfigAuth) -> Self {
        Self {
            kind,
            lag: DEFAULT_LAG,
            auth,
            current: ConfigMessage::empty(DEFAULT_LAG),
            pending: None,
            state: ConfigState::Clean,
            current_hash: None,
            obsolete: BTreeSet::new(),
            in_flight: BTreeSet::new(),
            needs_dump: false,
            extra: None,
        }
    }

    /// The kind.
    #[must_use]
    pub fn kind(&self) -> ConfigKind {
        self.kind
    }

    /// The state.
    #[must_use]
    pub fn state(&self) -> ConfigState {
        self.state
    }

    /// The current data (including unpushed changes).
    #[must_use]
    pub fn data(&self) -> &ConfigDict {
        match &self.pending {
            Some(p) => p.data(),
            None => self.current.data(),
        }
    }

    /// The current seqno (of the pending message when dirty).
    #[must_use]
    pub fn seqno(&self) -> i64 {
        match &self.pending {
            Some(p) => p.seqno(),
            None => self.current.seqno(),
        }
    }

    /// The storage hash of the current message, once known (confirmed or merged).
    #[must_use]
    pub fn current_hash(&self) -> Option<&str> {
        self.current_hash.as_deref()
    }

    /// Storage hashes that the next push reports as obsolete.
    #[must_use]
    pub fn obsolete_hashes(&self) -> Vec<String> {
        self.obsolete.iter().cloned().collect()
    }

    /// Whether there is something to push (dirty, or pushed but not confirmed).
    #[must_use]
    pub fn needs_push(&self) -> bool {
        self.state != ConfigState::Clean
    }

    /// Whether the state changed since the last [`ConfigBase::dump`].
    #[must_use]
    pub fn needs_dump(&self) -> bool {
        self.needs_dump
    }

    /// The type-specific local data kept in the dump (one bt value), if any.
    #[must_use]
    pub fn dump_extra(&self) -> Option<&[u8]> {
        self.extra.as_deref()
    }

    /// Replaces the type-specific local data kept in the dump (`+`, spec §7; e.g. the Members
    /// pending-send list). It is never pushed; a change only makes the object need a dump.
    ///
    /// # Errors
    /// [`Error::InvalidDump`] when `extra` is not exactly one bt value.
    pub fn set_dump_extra(&mut self, extra: Option<Vec<u8>>) -> Result<()> {
        if let Some(e) = &extra {
            bt::decode(e).map_err(|_| Error::InvalidDump("extra data is not one bt value"))?;
        }
        if extra != self.extra {
            self.extra = extra;
            self.needs_dump = true;
        }
        Ok(())
    }

    /// Whether we may write (user configs always; group configs only as admin).
    #[must_use]
    pub fn can_write(&self) -> bool {
        match &self.auth {
            ConfigAuth::User(_) => true,
            ConfigAuth::Group { admin, .. } => admin.is_some(),
        }
    }

    /// Replaces the group encryption keys (newest first), as the Keys config gives them. When
    /// the newest key changed and we are an admin, the object becomes dirty so that it is
    /// re-encrypted and pushed with the new key (spec §8.7). No effect on user configs.
    pub fn set_group_keys(&mut self, new_keys: Vec<[u8; 32]>) {
        let can_write = self.can_write();
        if let ConfigAuth::Group { keys, .. } = &mut self.auth {
            let changed = keys.first().map(|k| **k) != new_keys.first().copied();
            *keys = new_keys.into_iter().map(Zeroizing::new).collect();
            if changed && can_write && self.current.seqno() != 0 {
                self.make_dirty();
            }
        }
    }

    fn make_dirty(&mut self) {
        if self.pending.is_none() {
            self.pending = Some(self.current.increment());
            self.state = ConfigState::Dirty;
        }
        self.needs_dump = true;
    }

    /// Changes the data. The object becomes dirty (its message is incremented, once per dirty
    /// period) only if the data, after pruning, actually changed.
    pub fn modify<R>(&mut self, f: impl FnOnce(&mut ConfigDict) -> R) -> R {
        if let Some(p) = self.pending.as_mut() {
            let r = f(p.data_mut());
            prune(p.data_mut());
            self.needs_dump = true;
            return r;
        }
        let mut d = self.current.data().clone();
        let r = f(&mut d);
        prune(&mut d);
        if &d != self.current.data() {
            let mut p = self.current.increment();
            p.set_data(d);
            self.pending = Some(p);
            self.state = ConfigState::Dirty;
            self.needs_dump = true;
        }
        r
    }

    /// Replaces the whole data dict (see [`ConfigBase::modify`]).
    pub fn set_data(&mut self, data: ConfigDict) {
        self.modify(|d| *d = data);
    }

    fn signer(&self) -> Option<&Ed25519KeyPair> {
        match &self.auth {
            ConfigAuth::User(_) => None,
            ConfigAuth::Group { admin, .. } => admin.as_ref(),
        }
    }

    fn verifier(&self) -> Option<Ed25519PublicKey> {
        match &self.auth {
            ConfigAuth::User(_) => None,
            ConfigAuth::Group { public_key, .. } => Some(*public_key),
        }
    }

    fn payload(&self, msg: &ConfigMessage) -> Result<Push> {
        let data = match &self.auth {
            ConfigAuth::User(kp) => {
                encode_payload(self.kind, msg.bytes(), msg.seqno(), kp.seed(), Some(kp))?
            }
            ConfigAuth::Group { admin, keys, .. } => {
                if admin.is_none() {
                    return Err(Error::NotAdmin);
                }
                let key = keys.first().ok_or(Error::NoEncryptionKey)?;
                encode_payload(self.kind, msg.bytes(), msg.seqno(), key, None)?
            }
        };
        Ok(Push {
            namespace: self.kind.namespace(),
            seqno: msg.seqno(),
            data,
            obsolete_hashes: self.obsolete_hashes(),
        })
    }

    /// The message that is current now (the pending one serialised when dirty).
    #[must_use]
    pub fn current_message(&self) -> ConfigMessage {
        match &self.pending {
            Some(p) => p.serialise(self.signer()),
            None => self.current.clone(),
        }
    }

    /// What to push, if anything: when dirty, serialises (and signs) the new message and moves
    /// to [`ConfigState::Waiting`]; when waiting, gives the same push again (a retry); when
    /// clean, `None`.
    ///
    /// # Errors
    /// [`Error::NotAdmin`] for a group config without the group key, [`Error::NoEncryptionKey`]
    /// without an encryption key, [`Error::TooLarge`] for a payload over the storage limit. The
    /// state is unchanged on error.
    pub fn push(&mut self) -> Result<Option<Push>> {
        match self.state {
            ConfigState::Clean => Ok(None),
            ConfigState::Waiting => {
                let p = self.payload(&self.current)?;
                self.in_flight = self.obsolete.clone();
                Ok(Some(p))
            }
            ConfigState::Dirty => {
                let msg = self.current_message();
                let push = self.payload(&msg)?;
                self.pending = None;
                self.current = msg;
                self.state = ConfigState::Waiting;
                if let Some(h) = self.current_hash.take() {
                    self.obsolete.insert(h);
                }
                self.needs_dump = true;
                self.in_flight = self.obsolete.clone();
                Ok(Some(Push {
                    obsolete_hashes: self.obsolete_hashes(),
                    ..push
                }))
            }
        }
    }

    /// The payload of the current message whatever the state (what libsession's `push()`
    /// returns for a clean object, e.g. seqno 0 for a new one); no state change.
    ///
    /// # Errors
    /// As [`ConfigBase::push`].
    pub fn current_push(&self) -> Result<Push> {
        self.payload(&self.current_message())
    }

    /// Records that the message of `seqno` was stored under `hash`: waiting → clean (ignored if
    /// the object changed since, i.e. the seqno no longer matches or it is dirty again). The
    /// obsolete hashes that push reported are taken as deleted; any found since stay for the
    /// next push.
    pub fn confirm_pushed(&mut self, seqno: i64, hash: &str) {
        if self.state == ConfigState::Waiting && self.current.seqno() == seqno {
            self.state = ConfigState::Clean;
            self.current_hash = Some(hash.to_owned());
            for h in std::mem::take(&mut self.in_flight) {
                self.obsolete.remove(&h);
            }
            self.obsolete.remove(hash);
            self.needs_dump = true;
        }
    }

    /// Merges messages retrieved from the swarm, each with its storage hash (spec §4, §4.3).
    /// Payloads that do not decode or parse are skipped. Returns the hashes of the messages
    /// that were accepted.
    ///
    /// Unlike libsession (spec §9 pitfall 2), the message adopted is identified by its index
    /// among *all* inputs, so a broken earlier input never makes the wrong hash current or
    /// obsolete. A merge made while clean has an empty own diff like one made while dirty
    /// (pitfall 3), so every device pushes the same bytes for the same merge.
    ///
    /// # Errors
    /// None at present (bad inputs are skipped); the `Result` leaves room for storage-level
    /// failures.
    pub fn merge<H: AsRef<str>, P: AsRef<[u8]>>(
        &mut self,
        messages: &[(H, P)],
    ) -> Result<Vec<String>> {
        let verifier = self.verifier();
        let own_kp = match &self.auth {
            ConfigAuth::User(kp) => Some(kp),
            ConfigAuth::Group { .. } => None,
        };
        let keys: Vec<&[u8; 32]> = match &self.auth {
            ConfigAuth::User(kp) => vec![kp.seed()],
            ConfigAuth::Group { keys, .. } => keys.iter().map(|k| &**k).collect(),
        };
        let include_own = self.current.seqno() != 0 || self.state == ConfigState::Dirty;
        // Without the group key, local changes cannot be signed: only the stored message
        // takes part (a member's unsigned edit never outranks the admins' messages).
        let own_pending = self
            .pending
            .as_ref()
            .filter(|_| self.can_write())
            .map(|p| p.serialise(self.signer()));
        let own: &ConfigMessage = own_pending.as_ref().unwrap_or(&self.current);
        let mut incoming: Vec<(usize, ConfigMessage)> = Vec::new();
        let mut skipped = Vec::new();
        if include_own {
            skipped.push(None);
        }
        let offset = usize::from(include_own);
        let mut accepted: Vec<(usize, String)> = Vec::new();
        for (i, (hash, payload)) in messages.iter().enumerate() {
            let msg = decode_payload(self.kind, payload.as_ref(), &keys, own_kp)
                .and_then(|plain| ConfigMessage::parse(&plain, verifier.as_ref(), self.lag));
            match msg {
                Ok(m) => {
                    incoming.push((i + offset, m));
                    accepted.push((i, hash.as_ref().to_owned()));
                    skipped.push(None);
                }
                Err(e) => skipped.push(Some(e)),
            }
        }
        if accepted.is_empty() {
            return Ok(Vec::new());
        }
        let config_hashes: BTreeMap<usize, [u8; 32]> = incoming
            .iter()
            .map(|(i, m)| (*i - offset, m.hash()))
            .collect();
        let mut parsed: Vec<(usize, &ConfigMessage)> = Vec::with_capacity(incoming.len() + 1);
        if include_own {
            parsed.push((0, own));
        }
        parsed.extend(incoming.iter().map(|(i, m)| (*i, m)));
        let outcome = resolve(
            &parsed,
            verifier.is_some(),
            self.signer(),
            self.lag,
            skipped,
        )?;
        drop(parsed);
        drop(own_pending);
        let result_hash = outcome.message.hash();
        self.needs_dump = true;
        let mut superseded: Vec<String> = Vec::new();
        if outcome.merged {
            self.pending = Some(outcome.message.into_mutable_same_seqno());
            self.state = ConfigState::Dirty;
            superseded.extend(self.current_hash.take());
            superseded.extend(accepted.iter().map(|(_, h)| h.clone()));
        } else {
            let chosen = outcome.unmerged_input.unwrap_or(0);
            if include_own && chosen == 0 {
                // Ours stays; an incoming copy of it tells us its storage hash.
                for (i, h) in &accepted {
                    if config_hashes.get(i) == Some(&result_hash) && self.pending.is_none() {
                        if self.current_hash.is_none() {
                            self.current_hash = Some(h.clone());
                        }
                        if self.state == ConfigState::Waiting {
                            self.state = ConfigState::Clean;
                        }
                    } else {
                        superseded.push(h.clone());
                    }
                }
            } else {
                let idx = chosen.saturating_sub(offset);
                let hash = accepted
                    .iter()
                    .find(|(i, _)| *i == idx)
                    .map(|(_, h)| h.clone());
                superseded.extend(self.current_hash.take());
                superseded.extend(
                    accepted
                        .iter()
                        .filter(|(i, _)| config_hashes.get(i) != Some(&result_hash))
                        .map(|(_, h)| h.clone()),
                );
                self.current = outcome.message;
                self.pending = None;
                self.state = ConfigState::Clean;
                self.current_hash = hash;
            }
        }
        for h in superseded {
            if Some(h.as_str()) != self.current_hash.as_deref() {
                self.obsolete.insert(h);
            }
        }
        Ok(accepted.into_iter().map(|(_, h)| h).collect())
    }

    /// A local dump of the whole state (a versioned bt dict; never sent anywhere). Secret keys
    /// are not included: give them again to [`ConfigBase::load`].
    pub fn dump(&mut self) -> Vec<u8> {
        self.needs_dump = false;
        let mut out = vec![b'd'];
        bt::put_bytes(&mut out, b"!");
        bt::put_int(&mut out, self.state.code());
        bt::put_bytes(&mut out, b"$");
        bt::put_bytes(&mut out, self.current.bytes());
        if let Some(h) = &self.current_hash {
            bt::put_bytes(&mut out, b"(");
            bt::put_bytes(&mut out, h.as_bytes());
        }
        bt::put_bytes(&mut out, b")");
        out.push(b'l');
        for h in &self.obsolete {
            bt::put_bytes(&mut out, h.as_bytes());
        }
        out.push(b'e');
        if let Some(p) = &self.pending {
            bt::put_bytes(&mut out, b"*");
            out.push(b'd');
            bt::put_bytes(&mut out, b"#");
            bt::put_int(&mut out, p.seqno());
            bt::put_bytes(&mut out, b"&");
            encode_dict_into(p.data(), &mut out);
            bt::put_bytes(&mut out, b"<");
            out.push(b'l');
            for ((s, h), d) in p.lagged() {
                out.push(b'l');
                bt::put_int(&mut out, *s);
                bt::put_bytes(&mut out, h);
                encode_diff_into(d, &mut out);
                out.push(b'e');
            }
            out.push(b'e');
            bt::put_bytes(&mut out, b"o");
            encode_dict_into(p.orig_data(), &mut out);
            bt::put_bytes(&mut out, b"u");
            out.push(b'd');
            for (k, raw) in p.unknown() {
                bt::put_bytes(&mut out, k);
                out.extend_from_slice(raw);
            }
            out.push(b'e');
            out.push(b'e');
        }
        if let Some(e) = &self.extra {
            bt::put_bytes(&mut out, b"+");
            out.extend_from_slice(e);
        }
        bt::put_bytes(&mut out, b"k");
        bt::put_bytes(&mut out, self.kind.name().as_bytes());
        bt::put_bytes(&mut out, b"l");
        bt::put_int(&mut out, self.lag);
        bt::put_bytes(&mut out, b"v");
        bt::put_int(&mut out, DUMP_VERSION);
        out.push(b'e');
        out
    }

    /// Restores an object from [`ConfigBase::dump`].
    ///
    /// # Errors
    /// [`Error::InvalidDump`] for a dump that does not decode, of another version or kind.
    pub fn load(kind: ConfigKind, auth: ConfigAuth, dump: &[u8]) -> Result<Self> {
        let bad = Error::InvalidDump;
        let root = bt::decode(dump).map_err(|_| bad("not bt"))?;
        if root.get(b"v").and_then(Value::as_i64) != Some(DUMP_VERSION) {
            return Err(bad("unknown version"));
        }
        if root.get(b"k").and_then(Value::as_bytes) != Some(kind.name().as_bytes()) {
            return Err(bad("another config kind"));
        }
        let lag = root
            .get(b"l")
            .and_then(Value::as_i64)
            .filter(|l| *l >= 1)
            .ok_or(bad("lag"))?;
        let state = match root.get(b"!").and_then(Value::as_i64) {
            Some(0) => ConfigState::Clean,
            Some(1) => ConfigState::Dirty,
            Some(2) => ConfigState::Waiting,
            _ => return Err(bad("state")),
        };
        let current_bytes = root
            .get(b"$")
            .and_then(Value::as_bytes)
            .ok_or(bad("message"))?;
        let current = ConfigMessage::parse(current_bytes, None, lag)?;
        let text = |v: &Value<'_>| v.as_str().map(str::to_owned).ok_or(bad("hash"));
        let current_hash = root.get(b"(").map(text).transpose()?;
        let obsolete = root
            .get(b")")
            .and_then(Value::as_list)
            .ok_or(bad("obsolete"))?
            .iter()
            .map(text)
            .collect::<Result<BTreeSet<String>>>()?;
        let pending = match root.get(b"*") {
            None => None,
            Some(p) => Some(load_pending(p, lag)?),
        };
        if (state == ConfigState::Dirty) != pending.is_some() {
            return Err(bad("dirty state without a pending message"));
        }
        Ok(Self {
            kind,
            lag,
            auth,
            current,
            pending,
            state,
            current_hash,
            in_flight: if state == ConfigState::Waiting {
                obsolete.clone()
            } else {
                BTreeSet::new()
            },
            obsolete,
            needs_dump: false,
            extra: root.get(b"+").map(Value::to_bytes),
        })
    }
}

fn load_pending(p: &Value<'_>, lag: i64) -> Result<MutableConfigMessage> {
    let bad = Error::InvalidDump;
    let seqno = p.get(b"#").and_then(Value::as_i64).ok_or(bad("seqno"))?;
    let data = dict_from_bt(p.get(b"&").ok_or(bad("data"))?, true)?;
    let orig = dict_from_bt(p.get(b"o").ok_or(bad("orig"))?, true)?;
    let mut lagged: BTreeMap<SeqHash, Diff> = BTreeMap::new();
    for e in p.get(b"<").and_then(Value::as_list).ok_or(bad("lags"))? {
        let [s, h, d] = e.as_list().ok_or(bad("lag"))? else {
            return Err(bad("lag"));
        };
        let s = s.as_i64().ok_or(bad("lag"))?;
        let h: [u8; 32] = h
            .as_bytes()
            .and_then(|b| b.try_into().ok())
            .ok_or(bad("lag"))?;
        lagged.insert((s, h), diff_from_bt(d)?);
    }
    let unknown = p
        .get(b"u")
        .and_then(Value::as_dict)
        .ok_or(bad("unknown"))?
        .iter()
        .map(|(k, v)| (k.to_vec(), v.to_bytes()))
        .collect();
    Ok(MutableConfigMessage::from_parts(
        seqno, data, orig, lagged, unknown, lag,
    ))
}
