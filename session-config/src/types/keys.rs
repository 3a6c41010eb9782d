//! groups::Keys (namespace 12, spec §8.7): the group encryption keys, read from key messages
//! (`protocol.md` §3.2, decoded by `session-protocol`), and the admin's rekey.
//!
//! Here: reading rekey and supplemental key messages, expiry of superseded keys, the
//! newest-first key list for Info/Members, writing a rekey message and a supplement (every key
//! for members added without a rekey), and a local dump. No vectors pin the writing side
//! (spec §8.7); the formats are `protocol.md` §3.2's, built by `session-protocol`.

use std::collections::BTreeMap;

use session_bencode::{self as bt, Value};
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey};
use session_protocol::{
    GroupKey, GroupKeyInfo, KeyReader, group_key_supplement, group_rekey, is_group_key_supplement,
    read_group_key_message, read_group_key_supplement,
};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Keys superseded longer ago than this (60 days) are dropped (`KEY_EXPIRY`).
pub const KEY_EXPIRY_MS: i64 = 60 * 86_400_000;

#[derive(Clone)]
struct KeyEntry {
    key: Zeroizing<[u8; 32]>,
    timestamp_ms: i64,
}

/// The keys of one group.
///
/// ```
/// use session_config::groups::Keys;
/// use session_identity::Ed25519KeyPair;
/// let group = Ed25519KeyPair::from_seed(&[5; 32]);
/// let alice = Ed25519KeyPair::from_seed(&[6; 32]);
/// let mut admin = Keys::new(&group.public_key(), Some(&group));
/// let message = admin.rekey(&[alice.account_id()], 1_000)?;
///
/// let mut member = Keys::new(&group.public_key(), None);
/// assert!(member.load_key_message(&message, 1_000, Some(&alice))?);
/// assert_eq!(member.group_keys(2_000), admin.group_keys(2_000));
/// # Ok::<(), session_config::Error>(())
/// ```
#[derive(Clone)]
pub struct Keys {
    public_key: Ed25519PublicKey,
    admin_seed: Option<Zeroizing<[u8; 32]>>,
    keys: BTreeMap<u64, KeyEntry>,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("public_key", &self.public_key)
            .field("admin", &self.admin_seed.is_some())
            .field("generations", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Keys {
    /// The keys of the group `public_key`; `admin` is the group's key pair for admins.
    #[must_use]
    pub fn new(public_key: &Ed25519PublicKey, admin: Option<&Ed25519KeyPair>) -> Self {
        Self {
            public_key: *public_key,
            admin_seed: admin.map(|kp| Zeroizing::new(*kp.seed())),
            keys: BTreeMap::new(),
        }
    }

    /// Reads a key message stored at `timestamp_ms` (verifying the group signature); an admin
    /// opens it with the group seed, a member with `member`, their own key pair. A
    /// supplemental message (every key, with their own timestamps) is read by members only:
    /// admins hold every key already, as libsession does. Returns whether a new key was
    /// learned.
    ///
    /// # Errors
    /// [`Error::NotAdmin`] with neither the group seed nor a member key pair; the
    /// encryption-layer error when the message is malformed, not signed by the group, or has
    /// no entry for us.
    pub fn load_key_message(
        &mut self,
        message: &[u8],
        timestamp_ms: i64,
        member: Option<&Ed25519KeyPair>,
    ) -> Result<bool> {
        if is_group_key_supplement(message) {
            return match (&self.admin_seed, member) {
                (Some(_), _) => Ok(false),
                (None, Some(kp)) => {
                    let got = read_group_key_supplement(message, &self.public_key, kp)?;
                    let mut learned = false;
                    for k in got.keys {
                        learned |= self.insert(k.generation, k.key.as_bytes(), k.timestamp_ms);
                    }
                    Ok(learned)
                }
                (None, None) => Err(Error::NotAdmin),
            };
        }
        let reader = match (&self.admin_seed, member) {
            (Some(seed), _) => KeyReader::Admin(seed),
            (None, Some(kp)) => KeyReader::Member(kp),
            (None, None) => return Err(Error::NotAdmin),
        };
        let got = read_group_key_message(message, &self.public_key, reader)?;
        Ok(self.insert(got.generation, got.key.as_bytes(), timestamp_ms))
    }

    /// Adds a key unless its generation is known; returns whether it was new.
    fn insert(&mut self, generation: u64, key: &[u8; 32], timestamp_ms: i64) -> bool {
        let new = !self.keys.contains_key(&generation);
        self.keys.entry(generation).or_insert(KeyEntry {
            key: Zeroizing::new(*key),
            timestamp_ms,
        });
        new
    }

    /// Admins: a supplemental key message giving `members` (added to the group without a
    /// rekey) every known key with its timestamp, to store in namespace 12.
    ///
    /// # Errors
    /// [`Error::NotAdmin`] without the group seed; [`Error::NoEncryptionKey`] when no key is
    /// known yet; the encryption-layer error when no member has a valid Account ID.
    pub fn key_supplement(&self, members: &[AccountId]) -> Result<Vec<u8>> {
        let seed = self.admin_seed.as_ref().ok_or(Error::NotAdmin)?;
        if self.keys.is_empty() {
            return Err(Error::NoEncryptionKey);
        }
        let keys: Vec<GroupKeyInfo> = self
            .keys
            .iter()
            .map(|(generation, e)| GroupKeyInfo {
                generation: *generation,
                key: GroupKey::from_bytes(&e.key),
                timestamp_ms: e.timestamp_ms,
            })
            .collect();
        Ok(group_key_supplement(seed, members, &keys)?)
    }

    /// The newest generation, if any key is known.
    #[must_use]
    pub fn current_generation(&self) -> Option<u64> {
        self.keys.keys().next_back().copied()
    }

    /// The usable keys at `now_ms`, newest generation first (the first encrypts, all are tried
    /// to decrypt): a key superseded more than 60 days before `now_ms` is left out.
    #[must_use]
    pub fn group_keys(&self, now_ms: i64) -> Vec<[u8; 32]> {
        let mut out = Vec::new();
        let mut superseded_at: Option<i64> = None;
        for entry in self.keys.values().rev() {
            let expired = superseded_at.is_some_and(|t| t.saturating_add(KEY_EXPIRY_MS) < now_ms);
            if !expired {
                out.push(*entry.key);
            }
            superseded_at = Some(entry.timestamp_ms);
        }
        out
    }

    /// Admins: derives the next generation's key for `members` (all of them, admins included,
    /// in the member list's order) and returns the signed key message to store in namespace
    /// 12. Give the new [`Keys::group_keys`] to Info and Members afterwards
    /// ([`crate::ConfigBase::set_group_keys`]) so that they are re-encrypted and pushed.
    ///
    /// # Errors
    /// [`Error::NotAdmin`] without the group seed.
    pub fn rekey(&mut self, members: &[AccountId], timestamp_ms: i64) -> Result<Vec<u8>> {
        let seed = self.admin_seed.as_ref().ok_or(Error::NotAdmin)?;
        let generation = self.current_generation().map_or(0, |g| g.saturating_add(1));
        let r = group_rekey(seed, members, generation)?;
        self.keys.insert(
            generation,
            KeyEntry {
                key: Zeroizing::new(*r.group_key.as_bytes()),
                timestamp_ms,
            },
        );
        Ok(r.key_message)
    }
}

impl Keys {
    /// A local dump of the known keys (a versioned bt dict holding the keys themselves: keep it
    /// as private as the account seed).
    #[must_use]
    pub fn dump(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(vec![b'd']);
        bt::put_bytes(&mut out, b"k");
        out.push(b'l');
        for (generation, e) in &self.keys {
            out.push(b'l');
            bt::put_int(&mut out, *generation);
            bt::put_bytes(&mut out, &*e.key);
            bt::put_int(&mut out, e.timestamp_ms);
            out.push(b'e');
        }
        out.push(b'e');
        bt::put_bytes(&mut out, b"v");
        bt::put_int(&mut out, 1);
        out.push(b'e');
        out
    }

    /// Restores keys from [`Keys::dump`].
    ///
    /// # Errors
    /// [`Error::InvalidDump`].
    pub fn load(
        public_key: &Ed25519PublicKey,
        admin: Option<&Ed25519KeyPair>,
        dump: &[u8],
    ) -> Result<Self> {
        let bad = Error::InvalidDump;
        let root = bt::decode(dump).map_err(|_| bad("not bt"))?;
        if root.get(b"v").and_then(Value::as_i64) != Some(1) {
            return Err(bad("unknown version"));
        }
        let mut keys = Self::new(public_key, admin);
        for e in root.get(b"k").and_then(Value::as_list).ok_or(bad("keys"))? {
            let [g, k, t] = e.as_list().ok_or(bad("key"))? else {
                return Err(bad("key"));
            };
            let generation = g.as_u64().ok_or(bad("generation"))?;
            let key: [u8; 32] = k
                .as_bytes()
                .and_then(|b| b.try_into().ok())
                .ok_or(bad("key"))?;
            let timestamp_ms = t.as_i64().ok_or(bad("timestamp"))?;
            keys.keys.insert(
                generation,
                KeyEntry {
                    key: Zeroizing::new(key),
                    timestamp_ms,
                },
            );
        }
        Ok(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superseded_keys_expire() {
        let group = Ed25519KeyPair::from_seed(&[5; 32]);
        let mut k = Keys::new(&group.public_key(), Some(&group));
        k.rekey(&[], 0).unwrap();
        k.rekey(&[], 1_000).unwrap();
        assert_eq!(k.group_keys(1_000).len(), 2);
        assert_eq!(k.group_keys(1_000 + KEY_EXPIRY_MS + 1).len(), 1);
        let member = Keys::new(&group.public_key(), None);
        assert!(member.group_keys(0).is_empty());
        let back = Keys::load(&group.public_key(), Some(&group), &k.dump()).unwrap();
        assert_eq!(back.group_keys(1_000), k.group_keys(1_000));
        assert!(Keys::load(&group.public_key(), None, b"de").is_err());
    }

    #[test]
    fn supplement_brings_a_new_member_every_key() {
        let group = Ed25519KeyPair::from_seed(&[5; 32]);
        let old = Ed25519KeyPair::from_seed(&[6; 32]);
        let newcomer = Ed25519KeyPair::from_seed(&[7; 32]);
        let mut admin = Keys::new(&group.public_key(), Some(&group));
        assert!(matches!(
            admin.key_supplement(&[newcomer.account_id()]),
            Err(Error::NoEncryptionKey)
        ));
        let first = admin.rekey(&[old.account_id()], 1_000).unwrap();
        let second = admin.rekey(&[old.account_id()], 2_000).unwrap();
        let supplement = admin.key_supplement(&[newcomer.account_id()]).unwrap();

        // The newcomer cannot open the rekeys, but the supplement gives both keys.
        let mut member = Keys::new(&group.public_key(), None);
        for m in [&first, &second] {
            assert!(member.load_key_message(m, 0, Some(&newcomer)).is_err());
        }
        assert!(
            member
                .load_key_message(&supplement, 5_000, Some(&newcomer))
                .unwrap()
        );
        assert_eq!(member.group_keys(3_000), admin.group_keys(3_000));
        assert_eq!(member.current_generation(), Some(1));
        // Again: nothing new. An admin learns nothing from it; an outsider cannot read it.
        assert!(
            !member
                .load_key_message(&supplement, 5_000, Some(&newcomer))
                .unwrap()
        );
        assert!(!admin.load_key_message(&supplement, 5_000, None).unwrap());
        let mut outsider = Keys::new(&group.public_key(), None);
        assert!(
            outsider
                .load_key_message(&supplement, 0, Some(&old))
                .is_err()
        );
        // Only admins write supplements.
        assert!(matches!(
            member.key_supplement(&[old.account_id()]),
            Err(Error::NotAdmin)
        ));
    }
}
