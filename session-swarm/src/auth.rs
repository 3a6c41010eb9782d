//! Request authentication (spec §5.2): the account (or subaccount) key that signs storage
//! requests, subaccount tokens, and the exact signed messages of every method (spec §5.5) and
//! of node responses (spec §5.6).

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Map, Value};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey, Signature};

use crate::error::{Error, Result};
use crate::namespace::{Namespace, NamespaceSelector};
use crate::space::SwarmPubkey;

/// Subaccount permission: read.
pub const SUBACCOUNT_READ: u8 = 0x01;
/// Subaccount permission: write.
pub const SUBACCOUNT_WRITE: u8 = 0x02;
/// Subaccount permission: delete.
pub const SUBACCOUNT_DELETE: u8 = 0x04;
/// Subaccount flag: the token is valid for any account prefix.
pub const SUBACCOUNT_ANY_PREFIX: u8 = 0x08;

/// A 36-byte subaccount token: `netid ‖ flags ‖ 0x00 0x00 ‖ subaccount Ed25519 key`.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubaccountToken([u8; 36]);

impl SubaccountToken {
    /// Builds a token for `subaccount_pk` with permission `flags` for accounts with prefix
    /// `netid`.
    #[must_use]
    pub fn new(netid: u8, flags: u8, subaccount_pk: &Ed25519PublicKey) -> Self {
        let mut t = [0u8; 36];
        t[0] = netid;
        t[1] = flags;
        t[4..].copy_from_slice(subaccount_pk.as_bytes());
        Self(t)
    }
    /// From the 36 bytes.
    #[must_use]
    pub const fn from_bytes(b: &[u8; 36]) -> Self {
        Self(*b)
    }
    /// The 36 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 36] {
        &self.0
    }
    /// The account prefix byte it is for.
    #[must_use]
    pub const fn netid(&self) -> u8 {
        self.0[0]
    }
    /// The permission flags.
    #[must_use]
    pub const fn flags(&self) -> u8 {
        self.0[1]
    }
    /// The subaccount's Ed25519 public key.
    #[must_use]
    pub fn subaccount_pk(&self) -> Ed25519PublicKey {
        let mut k = [0u8; 32];
        k.copy_from_slice(&self.0[4..]);
        Ed25519PublicKey::from_bytes(&k)
    }
    /// The account owner's signature over the token (what `subaccount_sig` carries).
    #[must_use]
    pub fn sign(&self, owner: &Ed25519KeyPair) -> Signature {
        owner.sign(&self.0)
    }
    /// Base64 as sent in JSON (48 characters).
    #[must_use]
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.0)
    }
}

impl TryFrom<&[u8]> for SubaccountToken {
    type Error = Error;
    fn try_from(b: &[u8]) -> Result<Self> {
        let arr: [u8; 36] = b.try_into().map_err(|_| Error::InvalidLength {
            expected: 36,
            got: b.len(),
        })?;
        Ok(Self(arr))
    }
}

impl fmt::Debug for SubaccountToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SubaccountToken({})", hex::encode(self.0))
    }
}

/// The key that signs storage requests for one account: the account's own Ed25519 key, or a
/// subaccount key with its token and the owner's signature over it.
///
/// For `05` Session IDs the Ed25519 key is sent as `pubkey_ed25519` (the account id holds the
/// X25519 key); for other prefixes (`03` groups, ...) the account key *is* the Ed25519 key.
#[derive(Clone)]
pub struct Auth {
    account: SwarmPubkey,
    key: Ed25519KeyPair,
    pubkey_ed25519: Option<Ed25519PublicKey>,
    subaccount: Option<(SubaccountToken, Signature)>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auth")
            .field("account", &self.account)
            .field("signer", &self.key.public_key().to_string())
            .field("subaccount", &self.subaccount.as_ref().map(|s| s.0))
            .finish_non_exhaustive()
    }
}

impl Auth {
    /// The Session ID (`05`) account of an Ed25519 key pair, signing with that key.
    #[must_use]
    pub fn session_id(keypair: &Ed25519KeyPair) -> Self {
        Self {
            account: SwarmPubkey::from(&keypair.account_id()),
            key: keypair.clone(),
            pubkey_ed25519: Some(keypair.public_key()),
            subaccount: None,
        }
    }

    /// Signs for `account` with its own key: for a `05` account the key's X25519 form must be
    /// the account key, otherwise the Ed25519 key itself must be (`03` groups and others).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if the key does not belong to `account`.
    pub fn account(account: SwarmPubkey, keypair: &Ed25519KeyPair) -> Result<Self> {
        let pk = keypair.public_key();
        let pubkey_ed25519 = if account.prefix() == 0x05 {
            if keypair.x25519_public().to_bytes() != account.key() {
                return Err(Error::SignatureInvalid);
            }
            Some(pk)
        } else {
            if pk.to_bytes() != account.key() {
                return Err(Error::SignatureInvalid);
            }
            None
        };
        Ok(Self {
            account,
            key: keypair.clone(),
            pubkey_ed25519,
            subaccount: None,
        })
    }

    /// Signs for `account` with a subaccount key: `token` must name that key and be for the
    /// account's prefix (or carry the any-prefix flag); `token_sig` is the owner's signature
    /// over the token, checked here when the account key is an Ed25519 key (not `05`).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if any of these checks fails.
    pub fn subaccount(
        account: SwarmPubkey,
        token: SubaccountToken,
        token_sig: Signature,
        keypair: &Ed25519KeyPair,
    ) -> Result<Self> {
        if keypair.public_key() != token.subaccount_pk() {
            return Err(Error::SignatureInvalid);
        }
        if token.netid() != account.prefix() && token.flags() & SUBACCOUNT_ANY_PREFIX == 0 {
            return Err(Error::SignatureInvalid);
        }
        if account.prefix() != 0x05 {
            verify(
                &Ed25519PublicKey::from_bytes(&account.key()),
                token.as_bytes(),
                &token_sig,
            )?;
        }
        Ok(Self {
            account,
            key: keypair.clone(),
            pubkey_ed25519: None,
            subaccount: Some((token, token_sig)),
        })
    }

    /// The account this signs for.
    #[must_use]
    pub const fn account_id(&self) -> &SwarmPubkey {
        &self.account
    }
    /// The Ed25519 public key that verifies this signer's signatures.
    #[must_use]
    pub fn verifying_key(&self) -> Ed25519PublicKey {
        self.key.public_key()
    }
    /// The `pubkey_ed25519` request parameter (05 accounts signing with their own key).
    #[must_use]
    pub const fn pubkey_ed25519_param(&self) -> Option<&Ed25519PublicKey> {
        self.pubkey_ed25519.as_ref()
    }
    /// The subaccount token and its signature, if this is a subaccount signer.
    #[must_use]
    pub const fn subaccount_token(&self) -> Option<&(SubaccountToken, Signature)> {
        self.subaccount.as_ref()
    }

    /// Signs `message` (Ed25519, deterministic).
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.key.sign(message)
    }

    /// Adds `pubkey`, the authentication parameters and the base64 `signature` of `message` to
    /// request parameters.
    ///
    /// A subaccount signer must hold every permission bit of `needs` (Read 1, Write 2, Delete 4),
    /// as nodes check.
    pub(crate) fn apply(
        &self,
        params: &mut Map<String, Value>,
        message: &[u8],
        needs: u8,
    ) -> Result<()> {
        if let Some((token, _)) = &self.subaccount {
            if token.flags() & needs != needs {
                return Err(Error::InvalidRequest(
                    "the subaccount lacks a permission this needs",
                ));
            }
        }
        params.insert("pubkey".into(), self.account.to_hex().into());
        if let Some(pk) = &self.pubkey_ed25519 {
            params.insert("pubkey_ed25519".into(), pk.to_string().into());
        }
        if let Some((token, sig)) = &self.subaccount {
            params.insert("subaccount".into(), token.to_base64().into());
            params.insert(
                "subaccount_sig".into(),
                STANDARD.encode(sig.as_bytes()).into(),
            );
        }
        params.insert(
            "signature".into(),
            STANDARD.encode(self.sign(message).as_bytes()).into(),
        );
        Ok(())
    }
}

/// Verifies an Ed25519 signature with libsodium's rules.
///
/// # Errors
/// [`Error::SignatureInvalid`] if it does not verify (no further detail).
pub fn verify(pk: &Ed25519PublicKey, message: &[u8], sig: &Signature) -> Result<()> {
    pk.verify(message, sig).map_err(|_| Error::SignatureInvalid)
}

/// The expire mode of an `expire` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ExpireMode {
    /// Set the expiry whatever it is now.
    #[default]
    Set,
    /// Only shorten (`"shorten": true`).
    Shorten,
    /// Only extend (`"extend": true`).
    Extend,
}

impl ExpireMode {
    fn component(self) -> &'static str {
        match self {
            Self::Set => "",
            Self::Shorten => "shorten",
            Self::Extend => "extend",
        }
    }
}

/// The exact messages clients sign (spec §5.5). Decimals are ASCII; namespace components are
/// `""` for 0, `"all"`, or decimal.
pub mod request_message {
    use super::{ExpireMode, Namespace, NamespaceSelector, SubaccountToken};

    fn cat(parts: &[&[u8]]) -> Vec<u8> {
        parts.concat()
    }

    /// `"store" ns sig_timestamp`
    #[must_use]
    pub fn store(ns: Namespace, sig_timestamp: u64) -> Vec<u8> {
        cat(&[
            b"store",
            ns.signature_component().as_bytes(),
            sig_timestamp.to_string().as_bytes(),
        ])
    }
    /// `"retrieve" ns timestamp`
    #[must_use]
    pub fn retrieve(ns: Namespace, timestamp: u64) -> Vec<u8> {
        cat(&[
            b"retrieve",
            ns.signature_component().as_bytes(),
            timestamp.to_string().as_bytes(),
        ])
    }
    /// `"delete" hash₀ hash₁ …`
    #[must_use]
    pub fn delete<S: AsRef<str>>(hashes: &[S]) -> Vec<u8> {
        let mut m = b"delete".to_vec();
        hashes
            .iter()
            .for_each(|h| m.extend_from_slice(h.as_ref().as_bytes()));
        m
    }
    /// `"delete_all" ns timestamp`
    #[must_use]
    pub fn delete_all(ns: NamespaceSelector, timestamp: u64) -> Vec<u8> {
        cat(&[
            b"delete_all",
            ns.signature_component().as_bytes(),
            timestamp.to_string().as_bytes(),
        ])
    }
    /// `"delete_before" ns before`
    #[must_use]
    pub fn delete_before(ns: NamespaceSelector, before: u64) -> Vec<u8> {
        cat(&[
            b"delete_before",
            ns.signature_component().as_bytes(),
            before.to_string().as_bytes(),
        ])
    }
    /// `"expire_all" ns expiry`
    #[must_use]
    pub fn expire_all(ns: NamespaceSelector, expiry: u64) -> Vec<u8> {
        cat(&[
            b"expire_all",
            ns.signature_component().as_bytes(),
            expiry.to_string().as_bytes(),
        ])
    }
    /// `"expire" mode expiry… hash…` (one expiry, or one per hash, as requested)
    #[must_use]
    pub fn expire<S: AsRef<str>>(mode: ExpireMode, expiries: &[u64], hashes: &[S]) -> Vec<u8> {
        let mut m = b"expire".to_vec();
        m.extend_from_slice(mode.component().as_bytes());
        expiries
            .iter()
            .for_each(|e| m.extend_from_slice(e.to_string().as_bytes()));
        hashes
            .iter()
            .for_each(|h| m.extend_from_slice(h.as_ref().as_bytes()));
        m
    }
    /// `"get_expiries" timestamp hash…`
    #[must_use]
    pub fn get_expiries<S: AsRef<str>>(timestamp: u64, hashes: &[S]) -> Vec<u8> {
        let mut m = b"get_expiries".to_vec();
        m.extend_from_slice(timestamp.to_string().as_bytes());
        hashes
            .iter()
            .for_each(|h| m.extend_from_slice(h.as_ref().as_bytes()));
        m
    }
    /// `"revoke_subaccount" timestamp ‖ raw tokens` (or `"unrevoke_subaccount"` when
    /// `unrevoke`).
    #[must_use]
    pub fn revoke_subaccount(
        unrevoke: bool,
        timestamp: u64,
        tokens: &[SubaccountToken],
    ) -> Vec<u8> {
        let mut m = if unrevoke {
            b"unrevoke_subaccount".to_vec()
        } else {
            b"revoke_subaccount".to_vec()
        };
        m.extend_from_slice(timestamp.to_string().as_bytes());
        tokens
            .iter()
            .for_each(|t| m.extend_from_slice(t.as_bytes()));
        m
    }
    /// `"MONITOR" hex(account) t_seconds want_data(0/1) ns₀,ns₁,…` (namespaces sorted).
    #[must_use]
    pub fn monitor(
        account: &crate::space::SwarmPubkey,
        timestamp_s: u64,
        want_data: bool,
        namespaces: &[Namespace],
    ) -> Vec<u8> {
        let mut ns: Vec<i16> = namespaces.iter().map(|n| n.get()).collect();
        ns.sort_unstable();
        let list: Vec<String> = ns.iter().map(ToString::to_string).collect();
        format!(
            "MONITOR{}{}{}{}",
            account.to_hex(),
            timestamp_s,
            u8::from(want_data),
            list.join(",")
        )
        .into_bytes()
    }
}

/// The exact messages nodes sign in recursive-method responses (spec §5.6). `account` enters
/// as its 66-digit lowercase hex; hash lists are concatenated.
pub mod response_message {
    use super::SubaccountToken;
    use crate::space::SwarmPubkey;

    fn push_all<S: AsRef<str>>(m: &mut Vec<u8>, hashes: &[S]) {
        hashes
            .iter()
            .for_each(|h| m.extend_from_slice(h.as_ref().as_bytes()));
    }
    fn sorted<S: AsRef<str>>(hashes: &[S]) -> Vec<&str> {
        let mut v: Vec<&str> = hashes.iter().map(AsRef::as_ref).collect();
        v.sort_unstable();
        v
    }

    /// store: the hash.
    #[must_use]
    pub fn store(hash: &str) -> Vec<u8> {
        hash.as_bytes().to_vec()
    }
    /// delete: `account ‖ requested… ‖ deleted… (sorted)`.
    #[must_use]
    pub fn delete<S: AsRef<str>, T: AsRef<str>>(
        account: &SwarmPubkey,
        requested: &[S],
        deleted: &[T],
    ) -> Vec<u8> {
        let mut m = account.to_hex().into_bytes();
        push_all(&mut m, requested);
        push_all(&mut m, &sorted(deleted));
        m
    }
    /// delete_all / delete_before: `account ‖ timestamp|before ‖ deleted… (sorted across
    /// namespaces)`.
    #[must_use]
    pub fn delete_all<S: AsRef<str>>(
        account: &SwarmPubkey,
        timestamp: u64,
        deleted: &[S],
    ) -> Vec<u8> {
        let mut m = account.to_hex().into_bytes();
        m.extend_from_slice(timestamp.to_string().as_bytes());
        push_all(&mut m, &sorted(deleted));
        m
    }
    /// expire_all: `account ‖ expiry ‖ updated… (sorted)`.
    #[must_use]
    pub fn expire_all<S: AsRef<str>>(account: &SwarmPubkey, expiry: u64, updated: &[S]) -> Vec<u8> {
        delete_all(account, expiry, updated)
    }
    /// expire: `account ‖ applied expiry (or each, multi mode) ‖ requested… ‖ updated… (sorted)
    /// ‖ for each unchanged (hash, expiry) sorted by hash: hash ‖ expiry`.
    #[must_use]
    pub fn expire<S: AsRef<str>, T: AsRef<str>>(
        account: &SwarmPubkey,
        applied_expiries: &[u64],
        requested: &[S],
        updated: &[T],
        unchanged: &[(String, u64)],
    ) -> Vec<u8> {
        let mut m = account.to_hex().into_bytes();
        applied_expiries
            .iter()
            .for_each(|e| m.extend_from_slice(e.to_string().as_bytes()));
        push_all(&mut m, requested);
        push_all(&mut m, &sorted(updated));
        let mut unchanged: Vec<&(String, u64)> = unchanged.iter().collect();
        unchanged.sort_by(|a, b| a.0.cmp(&b.0));
        for (h, e) in unchanged {
            m.extend_from_slice(h.as_bytes());
            m.extend_from_slice(e.to_string().as_bytes());
        }
        m
    }
    /// (un)revoke_subaccount: `account ‖ timestamp ‖ raw tokens`.
    #[must_use]
    pub fn revoke_subaccount(
        account: &SwarmPubkey,
        timestamp: u64,
        tokens: &[SubaccountToken],
    ) -> Vec<u8> {
        let mut m = account.to_hex().into_bytes();
        m.extend_from_slice(timestamp.to_string().as_bytes());
        tokens
            .iter()
            .for_each(|t| m.extend_from_slice(t.as_bytes()));
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_id_auth_sends_pubkey_ed25519() {
        let kp = Ed25519KeyPair::from_seed(&[7u8; 32]);
        let a = Auth::session_id(&kp);
        assert_eq!(a.account_id().prefix(), 5);
        assert!(a.pubkey_ed25519_param().is_some());
        let again = Auth::account(*a.account_id(), &kp).unwrap();
        assert_eq!(again.verifying_key(), a.verifying_key());
        assert!(Auth::account(*a.account_id(), &Ed25519KeyPair::from_seed(&[8u8; 32])).is_err());
        let mut p = Map::new();
        a.apply(&mut p, b"retrieve1700000000000", SUBACCOUNT_READ)
            .unwrap();
        assert_eq!(p["signature"].as_str().unwrap().len(), 88);
    }

    #[test]
    fn subaccount_checks() {
        let owner = Ed25519KeyPair::from_seed(&[1u8; 32]);
        let group = SwarmPubkey::from_parts(3, owner.public_key().as_bytes());
        let sub = Ed25519KeyPair::from_seed(&[2u8; 32]);
        let token = SubaccountToken::new(3, SUBACCOUNT_READ, &sub.public_key());
        let sig = token.sign(&owner);
        let reader = Auth::subaccount(group, token, sig, &sub).unwrap();
        let mut p = Map::new();
        assert!(reader.apply(&mut p, b"x", SUBACCOUNT_READ).is_ok());
        assert_eq!(p["subaccount"].as_str().unwrap().len(), 48);
        assert!(reader.apply(&mut p, b"x", SUBACCOUNT_WRITE).is_err());
        let zero = Signature::from_bytes(&[0u8; 64]);
        assert!(Auth::subaccount(group, token, zero, &sub).is_err());
        let other = SubaccountToken::new(5, SUBACCOUNT_READ, &sub.public_key());
        assert!(Auth::subaccount(group, other, other.sign(&owner), &sub).is_err());
    }
}
