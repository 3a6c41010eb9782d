//! Blinded direct messages (community inbox, spec §2.2–§2.4): encryption to a 15- or 25-blinded
//! id and decryption as the recipient or as the sender re-reading its own copy.
//!
//! Format: `0x00 ‖ XChaCha20-Poly1305(key, nonce, M ‖ A) ‖ nonce`, with `A` the sender's real
//! Ed25519 key and `key = BLAKE2b-256(shared ‖ sender blinded key ‖ recipient blinded key)`.
//! The blinding math (key pairs, ids, shared points) comes from `session-identity`.

use rand_core::{CryptoRng, RngCore};
use session_identity::blinding::{blind15_id_from_ed25519, blind25_id_from_ed25519};
use session_identity::{
    AccountId, Blinded15Id, Blinded25Id, Ed25519KeyPair, Ed25519PublicKey, IdPrefix,
    X25519PublicKey,
};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::symmetric::{TAG_LEN, XCHACHA_NONCE_LEN, blake2b_array, xc20p_decrypt, xc20p_encrypt};

/// The version byte in front of blinded ciphertexts.
const BLINDED_VERSION: u8 = 0;
/// Bytes a blinded ciphertext adds to the message: version + tag + sender key + nonce.
pub const BLINDED_OVERHEAD: usize = 1 + TAG_LEN + 32 + XCHACHA_NONCE_LEN;

/// A 15- or 25-blinded community id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BlindedId {
    /// `15 ‖ k15·A`.
    Blinded15(Blinded15Id),
    /// `25 ‖ k25·|A|`.
    Blinded25(Blinded25Id),
}

impl BlindedId {
    /// The 32-byte blinded key.
    #[must_use]
    pub fn key_bytes(&self) -> &[u8; 32] {
        match self {
            BlindedId::Blinded15(id) => id.key_bytes(),
            BlindedId::Blinded25(id) => id.key_bytes(),
        }
    }

    /// The 33 bytes `prefix ‖ key`.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 33] {
        match self {
            BlindedId::Blinded15(id) => id.to_bytes(),
            BlindedId::Blinded25(id) => id.to_bytes(),
        }
    }

    fn prefix(&self) -> IdPrefix {
        match self {
            BlindedId::Blinded15(_) => IdPrefix::Blinded15,
            BlindedId::Blinded25(_) => IdPrefix::Blinded25,
        }
    }
}

impl From<Blinded15Id> for BlindedId {
    fn from(id: Blinded15Id) -> Self {
        BlindedId::Blinded15(id)
    }
}

impl From<Blinded25Id> for BlindedId {
    fn from(id: Blinded25Id) -> Self {
        BlindedId::Blinded25(id)
    }
}

impl TryFrom<&[u8]> for BlindedId {
    type Error = Error;
    /// 33 bytes with prefix `15` or `25`; anything else is [`Error::InvalidBlindedId`].
    fn try_from(bytes: &[u8]) -> Result<Self> {
        let arr = <&[u8; 33]>::try_from(bytes).map_err(|_| Error::InvalidBlindedId)?;
        match arr.first() {
            Some(0x15) => Blinded15Id::from_bytes(arr).map(Self::Blinded15),
            Some(0x25) => Blinded25Id::from_bytes(arr).map(Self::Blinded25),
            _ => return Err(Error::InvalidBlindedId),
        }
        .map_err(|_| Error::InvalidBlindedId)
    }
}

impl std::str::FromStr for BlindedId {
    type Err = Error;
    /// 66 hex digits starting `15` or `25`.
    fn from_str(s: &str) -> Result<Self> {
        let bytes = session_identity::encoding::hex_array::<33>(s.trim())
            .map_err(|_| Error::InvalidBlindedId)?;
        Self::try_from(bytes.as_slice())
    }
}

impl std::fmt::Display for BlindedId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BlindedId::Blinded15(id) => id.fmt(f),
            BlindedId::Blinded25(id) => id.fmt(f),
        }
    }
}

/// A decrypted blinded message.
#[derive(Clone, PartialEq, Eq)]
pub struct BlindedMessage {
    /// The message (still padded if the sender padded it).
    pub message: Vec<u8>,
    /// The sender's real Ed25519 key.
    pub sender_ed25519: Ed25519PublicKey,
    /// The sender's real Account ID.
    pub sender: AccountId,
}

impl std::fmt::Debug for BlindedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlindedMessage")
            .field("message_len", &self.message.len())
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// Our own blinded id in `scheme`, and the shared key with the party whose blinded key is
/// `other` (spec §2.2); `sender`/`recipient` give the hash order.
fn own_id(
    own: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    scheme: IdPrefix,
) -> Result<BlindedId> {
    Ok(match scheme {
        IdPrefix::Blinded15 => BlindedId::Blinded15(own.blind15(server_pk).blinded_id()),
        IdPrefix::Blinded25 => BlindedId::Blinded25(own.blind25(server_pk).blinded_id()),
        _ => return Err(Error::InvalidBlindedId),
    })
}

fn shared_key(
    own: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    other: &BlindedId,
    sender: &BlindedId,
    recipient: &BlindedId,
) -> Result<Zeroizing<[u8; 32]>> {
    let other_point = Ed25519PublicKey::from_bytes(other.key_bytes());
    let shared = match other {
        BlindedId::Blinded15(_) => own.blind15(server_pk).shared_point(&other_point),
        BlindedId::Blinded25(_) => own.blind25(server_pk).shared_point(&other_point),
    }
    .map_err(|_| Error::InvalidPoint)?;
    blake2b_array::<32>(&[], &[&*shared, sender.key_bytes(), recipient.key_bytes()])
}

/// Encrypts `message` for a 15- or 25-blinded recipient on the community server `server_pk`
/// (spec §2.3), with a random nonce. The sender's own blinded id uses the recipient's scheme.
/// Output length `|M| + 73`.
///
/// # Errors
/// [`Error::InvalidPoint`] when the recipient's blinded key is not a valid point.
pub fn encrypt_for_blinded_recipient(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    recipient: &BlindedId,
    message: &[u8],
) -> Result<Vec<u8>> {
    let mut nonce = [0u8; XCHACHA_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    encrypt_blinded_core(sender, server_pk, recipient, message, &nonce)
}

/// [`encrypt_for_blinded_recipient`] with the nonce given (deterministic core for tests).
///
/// # Errors
/// As [`encrypt_for_blinded_recipient`].
#[cfg(feature = "testing")]
pub fn encrypt_for_blinded_recipient_with_nonce_for_testing(
    sender: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    recipient: &BlindedId,
    message: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<u8>> {
    encrypt_blinded_core(sender, server_pk, recipient, message, nonce)
}

fn encrypt_blinded_core(
    sender: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    recipient: &BlindedId,
    message: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<u8>> {
    let own = own_id(sender, server_pk, recipient.prefix())?;
    let key = shared_key(sender, server_pk, recipient, &own, recipient)?;
    let mut inner = Zeroizing::new(Vec::with_capacity(message.len() + 32));
    inner.extend_from_slice(message);
    inner.extend_from_slice(sender.public_key().as_bytes());
    let ct = xc20p_encrypt(&key, nonce, &inner);
    let mut out = Vec::with_capacity(1 + ct.len() + XCHACHA_NONCE_LEN);
    out.push(BLINDED_VERSION);
    out.extend_from_slice(&ct);
    out.extend_from_slice(nonce);
    Ok(out)
}

/// Decrypts a blinded message (spec §2.4) as its recipient, or as its sender when `sender`
/// is one's own blinded id. The real sender key inside the message must blind to `sender`
/// (for 15-blinding, either sign of the point is accepted).
///
/// # Errors
/// [`Error::InvalidBlindedId`] when the two ids use different schemes or the other party's
/// key is not a valid point, [`Error::TooShort`] for data under 41 bytes or an inner message
/// under 32 bytes, [`Error::DecryptionFailed`] for a version byte other than 0 or when
/// authentication fails, [`Error::SenderMismatch`] when the inner key is not a valid Ed25519
/// key or does not blind to `sender`.
pub fn decrypt_from_blinded_recipient(
    own: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    sender: &BlindedId,
    recipient: &BlindedId,
    data: &[u8],
) -> Result<BlindedMessage> {
    if sender.prefix() != recipient.prefix() {
        return Err(Error::InvalidBlindedId);
    }
    if data.len() < 1 + TAG_LEN + XCHACHA_NONCE_LEN {
        return Err(Error::TooShort);
    }
    let own_blinded = own_id(own, server_pk, recipient.prefix())?;
    let other = if *sender == own_blinded {
        recipient
    } else {
        sender
    };
    let (version, rest) = data.split_first().ok_or(Error::TooShort)?;
    if *version != BLINDED_VERSION {
        return Err(Error::DecryptionFailed);
    }
    let (ct, nonce) = rest.split_at(rest.len() - XCHACHA_NONCE_LEN);
    if ct.len() < TAG_LEN + 32 {
        return Err(Error::TooShort);
    }
    // A blinded id whose key is no valid point is a malformed id.
    let key = shared_key(own, server_pk, other, sender, recipient).map_err(|e| match e {
        Error::InvalidPoint => Error::InvalidBlindedId,
        e => e,
    })?;
    let inner = Zeroizing::new(xc20p_decrypt(&key, nonce, ct)?);
    let (message, a) = inner.split_at(inner.len() - 32);
    let a = Ed25519PublicKey::try_from(a).map_err(|_| Error::TooShort)?;
    // An inner key that is no valid Ed25519 identity cannot be the claimed sender.
    let x = a.to_x25519().map_err(|_| Error::SenderMismatch)?;
    let matches = match sender {
        BlindedId::Blinded15(s) => {
            let derived =
                blind15_id_from_ed25519(&a, server_pk).map_err(|_| Error::SenderMismatch)?;
            derived == *s || derived.with_flipped_sign() == *s
        }
        BlindedId::Blinded25(s) => {
            blind25_id_from_ed25519(&a, server_pk).map_err(|_| Error::SenderMismatch)? == *s
        }
    };
    if !matches {
        return Err(Error::SenderMismatch);
    }
    Ok(BlindedMessage {
        message: message.to_vec(),
        sender_ed25519: a,
        sender: x.account_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn both_schemes_both_roles() {
        let mut rng = ChaCha20Rng::seed_from_u64(21);
        let server: X25519PublicKey = X25519PublicKey::from_bytes(&[0x42; 32]);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let eve = Ed25519KeyPair::generate(&mut rng);
        for b25 in [false, true] {
            let (a_id, b_id, e_id): (BlindedId, BlindedId, BlindedId) = if b25 {
                (
                    alice.blind25(&server).blinded_id().into(),
                    bob.blind25(&server).blinded_id().into(),
                    eve.blind25(&server).blinded_id().into(),
                )
            } else {
                (
                    alice.blind15(&server).blinded_id().into(),
                    bob.blind15(&server).blinded_id().into(),
                    eve.blind15(&server).blinded_id().into(),
                )
            };
            let ct =
                encrypt_for_blinded_recipient(&mut rng, &alice, &server, &b_id, b"hi").unwrap();
            assert_eq!(ct.len(), 2 + BLINDED_OVERHEAD);
            let got = decrypt_from_blinded_recipient(&bob, &server, &a_id, &b_id, &ct).unwrap();
            assert_eq!(got.message, b"hi");
            assert_eq!(got.sender, alice.account_id());
            let own = decrypt_from_blinded_recipient(&alice, &server, &a_id, &b_id, &ct).unwrap();
            assert_eq!(own.message, b"hi");
            // Claiming another sender: the key differs, so decryption fails.
            assert!(decrypt_from_blinded_recipient(&bob, &server, &e_id, &b_id, &ct).is_err());
            let mut bad = ct.clone();
            bad[0] = 1;
            assert_eq!(
                decrypt_from_blinded_recipient(&bob, &server, &a_id, &b_id, &bad),
                Err(Error::DecryptionFailed)
            );
        }
    }

    #[test]
    fn sender_check_accepts_the_negated_15_key() {
        // A sender presented under the other sign of its 15-blinded key (as derived from a
        // Session ID without knowing the sign of A) must still pass the sender check.
        let mut rng = ChaCha20Rng::seed_from_u64(22);
        let server = X25519PublicKey::from_bytes(&[0x43; 32]);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let flipped: BlindedId = alice
            .blind15(&server)
            .blinded_id()
            .with_flipped_sign()
            .into();
        let r: BlindedId = bob.blind15(&server).blinded_id().into();
        let key = shared_key(&bob, &server, &flipped, &flipped, &r).unwrap();
        let mut inner = b"msg".to_vec();
        inner.extend_from_slice(alice.public_key().as_bytes());
        let nonce = [7u8; 24];
        let mut ct = vec![0u8];
        ct.extend_from_slice(&xc20p_encrypt(&key, &nonce, &inner));
        ct.extend_from_slice(&nonce);
        let got = decrypt_from_blinded_recipient(&bob, &server, &flipped, &r, &ct).unwrap();
        assert_eq!(got.sender, alice.account_id());
        // The same message claiming to be from somebody else's key fails the sender check.
        let eve: BlindedId = Ed25519KeyPair::generate(&mut rng)
            .blind15(&server)
            .blinded_id()
            .into();
        let key = shared_key(&bob, &server, &eve, &eve, &r).unwrap();
        let mut ct = vec![0u8];
        ct.extend_from_slice(&xc20p_encrypt(&key, &nonce, &inner));
        ct.extend_from_slice(&nonce);
        assert_eq!(
            decrypt_from_blinded_recipient(&bob, &server, &eve, &r, &ct),
            Err(Error::SenderMismatch)
        );
    }

    #[test]
    fn tampering_any_byte_fails() {
        let mut rng = ChaCha20Rng::seed_from_u64(23);
        let server = X25519PublicKey::from_bytes(&[0x44; 32]);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let a: BlindedId = alice.blind25(&server).blinded_id().into();
        let b: BlindedId = bob.blind25(&server).blinded_id().into();
        let ct = encrypt_for_blinded_recipient(&mut rng, &alice, &server, &b, b"x").unwrap();
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x01;
            assert!(
                decrypt_from_blinded_recipient(&bob, &server, &a, &b, &bad).is_err(),
                "{i}"
            );
        }
    }

    #[test]
    fn id_parsing() {
        assert_eq!(
            BlindedId::try_from(&[0x15u8; 32][..]),
            Err(Error::InvalidBlindedId)
        );
        let mut b = [0u8; 33];
        b[0] = 0x05;
        assert_eq!(BlindedId::try_from(&b[..]), Err(Error::InvalidBlindedId));
        b[0] = 0x25;
        assert!(matches!(
            BlindedId::try_from(&b[..]),
            Ok(BlindedId::Blinded25(_))
        ));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(32))]
        #[test]
        fn decrypt_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200)) {
            let server = X25519PublicKey::from_bytes(&[0x42; 32]);
            let me = Ed25519KeyPair::from_seed(&[1; 32]);
            let them = Ed25519KeyPair::from_seed(&[2; 32]);
            let s: BlindedId = them.blind15(&server).blinded_id().into();
            let r: BlindedId = me.blind15(&server).blinded_id().into();
            let _ = decrypt_from_blinded_recipient(&me, &server, &s, &r, &data);
        }
    }
}
