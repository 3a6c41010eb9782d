//! One-to-one Session Protocol (spec §1): `sign_for_recipient`, `encrypt_for_recipient`
//! (libsodium `crypto_box_seal` of the signed inner message) and `decrypt_incoming`.

use rand_core::{CryptoRng, RngCore};
use session_identity::{
    AccountId, Ed25519KeyPair, Ed25519PublicKey, Signature, X25519PublicKey, X25519SecretKey,
};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secretbox::SecretBox;
use crate::symmetric::{TAG_LEN, blake2b_array};

/// Length of an X25519 / Ed25519 public key.
const KEY_LEN: usize = 32;
/// Length of an Ed25519 signature.
const SIG_LEN: usize = 64;
/// Bytes a 1-to-1 ciphertext adds to the message: epk (32) + MAC (16) + sender key (32) +
/// signature (64).
pub const SESSION_OVERHEAD: usize = KEY_LEN + TAG_LEN + KEY_LEN + SIG_LEN;

/// BLAKE2b key of the deterministic ephemeral seed (spec §1.4).
const EPHEMERAL_HASH_KEY: &[u8] = b"SessionBoxEphemeralHashKey";

/// A decrypted 1-to-1 message and its authenticated sender.
#[derive(Clone, PartialEq, Eq)]
pub struct IncomingMessage {
    /// The message `M` (still padded, if the sender padded it).
    pub message: Vec<u8>,
    /// The sender's Ed25519 public key `A`, as signed inside the ciphertext.
    pub sender_ed25519: Ed25519PublicKey,
    /// The sender's Account ID (`05` ‖ X25519 of `A`).
    pub sender: AccountId,
}

impl std::fmt::Debug for IncomingMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IncomingMessage")
            .field("message_len", &self.message.len())
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// Builds the signed inner message `M ‖ A ‖ Sig(M ‖ A ‖ Y)` (spec §1.2), where `A` is the
/// sender's Ed25519 public key and `Y` the recipient's X25519 key.
#[must_use]
pub fn sign_for_recipient(
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
) -> Vec<u8> {
    let a = sender.public_key();
    let y = recipient.x25519_public_key();
    let mut inner = Vec::with_capacity(message.len() + KEY_LEN + SIG_LEN + KEY_LEN);
    inner.extend_from_slice(message);
    inner.extend_from_slice(a.as_bytes());
    inner.extend_from_slice(y.as_bytes());
    let sig = sender.sign(&inner);
    inner.truncate(message.len() + KEY_LEN);
    inner.extend_from_slice(sig.as_bytes());
    inner
}

/// The sealed-box nonce `BLAKE2b-192(epk ‖ recipient pk)`.
fn seal_nonce(epk: &X25519PublicKey, recipient: &X25519PublicKey) -> Result<[u8; 24]> {
    Ok(*blake2b_array::<24>(
        &[],
        &[epk.as_bytes(), recipient.as_bytes()],
    )?)
}

/// libsodium `crypto_box_seal` with the ephemeral secret given: `epk ‖ MAC ‖ C`. The
/// recipient key must be a canonical prime-order point (the X25519 key of an Ed25519
/// identity); the exchange is libsodium's `crypto_scalarmult` bit for bit.
///
/// With `checked`, the key was checked already ([`CheckedRecipient`]) and only the all-zero
/// exchange is refused (which a checked key never gives).
fn seal(
    esk: &X25519SecretKey,
    recipient: &X25519PublicKey,
    plaintext: &[u8],
    checked: bool,
) -> Result<Vec<u8>> {
    let shared = if checked {
        esk.diffie_hellman(recipient)
    } else {
        esk.diffie_hellman_prime_order(recipient)
    }
    .map_err(|_| Error::InvalidPoint)?;
    let epk = esk.public_key();
    let nonce = seal_nonce(&epk, recipient)?;
    let mut out = Vec::with_capacity(KEY_LEN + TAG_LEN + plaintext.len());
    out.extend_from_slice(epk.as_bytes());
    out.extend_from_slice(&[0u8; TAG_LEN]);
    out.extend_from_slice(plaintext);
    let (head, body) = out.split_at_mut(KEY_LEN + TAG_LEN);
    let tag = SecretBox::from_shared_secret(&shared).seal_in_place(&nonce, body);
    head.get_mut(KEY_LEN..)
        .ok_or(Error::TooLarge)?
        .copy_from_slice(&tag);
    Ok(out)
}

/// libsodium `crypto_box_seal_open` with the recipient's X25519 key pair.
fn seal_open(sk: &X25519SecretKey, pk: &X25519PublicKey, ct: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if ct.len() < KEY_LEN + TAG_LEN {
        return Err(Error::TooShort);
    }
    let (epk, boxed) = ct.split_at_checked(KEY_LEN).ok_or(Error::TooShort)?;
    let epk = X25519PublicKey::try_from(epk).map_err(|_| Error::TooShort)?;
    // An all-zero shared secret (small-order epk) is a failure in libsodium too.
    let shared = sk
        .diffie_hellman(&epk)
        .map_err(|_| Error::DecryptionFailed)?;
    let nonce = seal_nonce(&epk, pk)?;
    SecretBox::from_shared_secret(&shared)
        .open_easy(&nonce, boxed)
        .map_err(|_| Error::DecryptionFailed)
}

/// Encrypts `message` for `recipient` (spec §1.3): [`sign_for_recipient`], then libsodium's
/// sealed box with a fresh ephemeral key from `rng`. Output `epk ‖ MAC ‖ C`, `|M| + 144` bytes.
///
/// # Errors
/// [`Error::InvalidPoint`] when `recipient` is not a valid X25519 key of an Ed25519 identity
/// (non-canonical, or not of prime order).
pub fn encrypt_for_recipient(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
) -> Result<Vec<u8>> {
    let esk = X25519SecretKey::generate(rng);
    encrypt_with_ephemeral(sender, recipient, message, &esk)
}

fn encrypt_with_ephemeral(
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
    esk: &X25519SecretKey,
) -> Result<Vec<u8>> {
    // The recipient key is checked (canonical, prime order) by the exchange in `seal`.
    let y = recipient.x25519_public_key();
    let inner = Zeroizing::new(sign_for_recipient(sender, recipient, message));
    seal(esk, &y, &inner, false)
}

/// A recipient whose Account ID was checked once (a canonical X25519 key of prime order, as
/// every Account ID of an Ed25519 identity is), to encrypt many messages to it with
/// [`encrypt_for_checked_recipient`] without checking the key again each time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckedRecipient {
    id: AccountId,
}

impl CheckedRecipient {
    /// Checks `id` ([`AccountId::validate`]).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when it is not a valid X25519 key of an Ed25519 identity.
    pub fn new(id: &AccountId) -> Result<Self> {
        id.validate().map_err(|_| Error::InvalidPoint)?;
        Ok(Self { id: *id })
    }

    /// The Account ID.
    #[must_use]
    pub fn account_id(&self) -> &AccountId {
        &self.id
    }
}

/// [`encrypt_for_recipient`] for a recipient checked beforehand: the same output, without the
/// per-message check of the recipient key (the cost of one scalar multiplication).
///
/// # Errors
/// None in practice ([`Error::InvalidPoint`] is unreachable for a checked recipient).
pub fn encrypt_for_checked_recipient(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    recipient: &CheckedRecipient,
    message: &[u8],
) -> Result<Vec<u8>> {
    let esk = X25519SecretKey::generate(rng);
    let y = recipient.id.x25519_public_key();
    let inner = Zeroizing::new(sign_for_recipient(sender, &recipient.id, message));
    seal(&esk, &y, &inner, true)
}

/// [`encrypt_for_recipient`] with the ephemeral X25519 secret given (deterministic core for
/// test vectors).
///
/// # Errors
/// As [`encrypt_for_recipient`].
#[cfg(feature = "testing")]
pub fn encrypt_for_recipient_with_ephemeral_for_testing(
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
    ephemeral_x25519_sk: &[u8; 32],
) -> Result<Vec<u8>> {
    encrypt_with_ephemeral(
        sender,
        recipient,
        message,
        &X25519SecretKey::from_bytes(ephemeral_x25519_sk),
    )
}

/// Deterministic 1-to-1 encryption (spec §1.4): the ephemeral key is derived from the sender
/// seed, the recipient and the message, so equal inputs give equal ciphertexts. Defeats the
/// sealed box's forward secrecy; used for the self-addressed legacy config wrapper only.
pub(crate) fn encrypt_deterministic(
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
) -> Result<Vec<u8>> {
    let y = recipient.x25519_public_key();
    let eseed = blake2b_array::<32>(EPHEMERAL_HASH_KEY, &[sender.seed(), y.as_bytes(), message])?;
    let h = Sha512::digest(*eseed);
    let mut esk_bytes = Zeroizing::new([0u8; 32]);
    esk_bytes.copy_from_slice(h.get(..32).unwrap_or(&[0u8; 32]));
    let esk = X25519SecretKey::from_bytes(&esk_bytes);
    encrypt_with_ephemeral(sender, recipient, message, &esk)
}

/// Deterministic 1-to-1 encryption (spec §1.4, libsession
/// `encrypt_for_recipient_deterministic`); see the spec's warning about forward secrecy.
///
/// # Errors
/// As [`encrypt_for_recipient`].
#[cfg(feature = "testing")]
pub fn encrypt_for_recipient_deterministic_for_testing(
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    message: &[u8],
) -> Result<Vec<u8>> {
    encrypt_deterministic(sender, recipient, message)
}

/// Decrypts a 1-to-1 ciphertext with the recipient's Ed25519 key pair (spec §1.5): opens the
/// sealed box with the X25519 key of the Ed25519 scalar, then verifies the sender's signature
/// over `M ‖ A ‖ own X25519 key`.
///
/// # Errors
/// [`Error::TooShort`] below 144 bytes, [`Error::DecryptionFailed`] when the box does not open,
/// [`Error::SignatureInvalid`] when the signature does not verify (also when a signed inner
/// message was re-sealed to another recipient, or when the sender key does not convert to
/// X25519).
pub fn decrypt_incoming(recipient: &Ed25519KeyPair, ciphertext: &[u8]) -> Result<IncomingMessage> {
    // The key pair caches X25519(scalar, 9) (equal to the converted Ed25519 key).
    decrypt_with(
        recipient.x25519_secret(),
        &recipient.x25519_public(),
        ciphertext,
    )
}

/// [`decrypt_incoming`] with a raw X25519 secret key (legacy closed groups, whose members share
/// an X25519 key pair, spec §1.6). The public key is recomputed from the secret.
///
/// # Errors
/// As [`decrypt_incoming`].
pub fn decrypt_incoming_x25519(sk: &X25519SecretKey, ciphertext: &[u8]) -> Result<IncomingMessage> {
    decrypt_with(sk, &sk.public_key(), ciphertext)
}

fn decrypt_with(
    sk: &X25519SecretKey,
    pk: &X25519PublicKey,
    ciphertext: &[u8],
) -> Result<IncomingMessage> {
    if ciphertext.len() < SESSION_OVERHEAD {
        return Err(Error::TooShort);
    }
    // M ‖ A ‖ sig, decrypted in one buffer that then becomes the signed data M ‖ A ‖ Y (the
    // signature's place is large enough, so nothing is reallocated) and finally the message.
    let mut inner = seal_open(sk, pk, ciphertext)?;
    let split = inner
        .len()
        .checked_sub(KEY_LEN + SIG_LEN)
        .ok_or(Error::TooShort)?;
    let sig_at = split + KEY_LEN;
    let a = inner
        .get(split..sig_at)
        .and_then(|b| Ed25519PublicKey::try_from(b).ok())
        .ok_or(Error::TooShort)?;
    let sig = inner
        .get(sig_at..)
        .and_then(|b| Signature::try_from(b).ok())
        .ok_or(Error::TooShort)?;
    inner.truncate(sig_at);
    inner.extend_from_slice(pk.as_bytes());
    // Only a mixed-order key can pass verification and still fail the conversion: not a real
    // sender either.
    let x = a
        .verify_to_x25519(&inner, &sig)
        .map_err(|_| Error::SignatureInvalid)?;
    inner.truncate(split);
    Ok(IncomingMessage {
        message: std::mem::take(&mut *inner),
        sender_ed25519: a,
        sender: x.account_id(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    fn kp(b: u8) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed(&[b; 32])
    }

    #[test]
    fn round_trip_and_wrong_recipient() {
        let mut rng = ChaCha20Rng::seed_from_u64(7);
        let (alice, bob, carol) = (kp(1), kp(2), kp(3));
        let ct = encrypt_for_recipient(&mut rng, &alice, &bob.account_id(), b"hi bob").unwrap();
        assert_eq!(ct.len(), 6 + SESSION_OVERHEAD);
        let got = decrypt_incoming(&bob, &ct).unwrap();
        assert_eq!(got.message, b"hi bob");
        assert_eq!(got.sender, alice.account_id());
        assert_eq!(got.sender_ed25519, alice.public_key());
        assert_eq!(decrypt_incoming(&carol, &ct), Err(Error::DecryptionFailed));
        assert_eq!(decrypt_incoming(&bob, &ct[..143]), Err(Error::TooShort));
    }

    #[test]
    fn flipping_any_bit_of_any_byte_fails() {
        let mut rng = ChaCha20Rng::seed_from_u64(9);
        let (alice, bob) = (kp(1), kp(2));
        let ct = encrypt_for_recipient(&mut rng, &alice, &bob.account_id(), b"tamper me").unwrap();
        for i in 0..ct.len() {
            for bit in 0..8 {
                let mut bad = ct.clone();
                bad[i] ^= 1 << bit;
                assert!(decrypt_incoming(&bob, &bad).is_err(), "byte {i} bit {bit}");
            }
        }
    }

    #[test]
    fn invalid_recipient_keys_rejected() {
        let mut rng = ChaCha20Rng::seed_from_u64(8);
        let alice = kp(1);
        // u = 0 (small order) and u = 2^255 - 1 (non-canonical) are no Ed25519 identity's key.
        for key in [[0u8; 32], [0xffu8; 32]] {
            let id = AccountId::from_x25519(&X25519PublicKey::from_bytes(&key));
            assert_eq!(
                encrypt_for_recipient(&mut rng, &alice, &id, b"x"),
                Err(Error::InvalidPoint)
            );
        }
    }

    #[test]
    fn checked_recipient_gives_the_same_ciphertext() {
        let (alice, bob) = (kp(1), kp(2));
        let checked = CheckedRecipient::new(&bob.account_id()).unwrap();
        assert_eq!(checked.account_id(), &bob.account_id());
        let mut r1 = ChaCha20Rng::seed_from_u64(11);
        let mut r2 = ChaCha20Rng::seed_from_u64(11);
        let a = encrypt_for_recipient(&mut r1, &alice, &bob.account_id(), b"same").unwrap();
        let b = encrypt_for_checked_recipient(&mut r2, &alice, &checked, b"same").unwrap();
        assert_eq!(a, b);
        assert_eq!(decrypt_incoming(&bob, &b).unwrap().message, b"same");
        for key in [[0u8; 32], [0xffu8; 32]] {
            let id = AccountId::from_x25519(&X25519PublicKey::from_bytes(&key));
            assert_eq!(CheckedRecipient::new(&id), Err(Error::InvalidPoint));
        }
    }

    #[test]
    fn resealed_inner_fails_signature() {
        let (alice, bob, carol) = (kp(1), kp(2), kp(3));
        let inner = sign_for_recipient(&alice, &bob.account_id(), b"for bob only");
        let esk = X25519SecretKey::from_bytes(&[9u8; 32]);
        let ct = seal(&esk, &carol.x25519_public(), &inner, false).unwrap();
        assert_eq!(decrypt_incoming(&carol, &ct), Err(Error::SignatureInvalid));
    }

    #[test]
    fn deterministic_is_deterministic() {
        let (alice, bob) = (kp(1), kp(2));
        let a = encrypt_deterministic(&alice, &bob.account_id(), b"x").unwrap();
        let b = encrypt_deterministic(&alice, &bob.account_id(), b"x").unwrap();
        assert_eq!(a, b);
        assert_eq!(decrypt_incoming(&bob, &a).unwrap().message, b"x");
    }

    #[test]
    fn small_order_ephemeral_rejected() {
        let bob = kp(2);
        let mut ct = vec![0u8; 200];
        ct[0] = 1; // u = 1 is of small order
        assert_eq!(decrypt_incoming(&bob, &ct), Err(Error::DecryptionFailed));
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(16))]

        #[test]
        fn round_trip_random(seed in proptest::num::u64::ANY, len in 0usize..65_536) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let alice = Ed25519KeyPair::generate(&mut rng);
            let bob = Ed25519KeyPair::generate(&mut rng);
            let mut msg = vec![0u8; len];
            rng.fill_bytes(&mut msg);
            let ct = encrypt_for_recipient(&mut rng, &alice, &bob.account_id(), &msg).unwrap();
            let got = decrypt_incoming(&bob, &ct).unwrap();
            proptest::prop_assert_eq!(got.message, msg);
            proptest::prop_assert_eq!(got.sender, alice.account_id());
        }

        #[test]
        fn tampering_fails(seed in proptest::num::u64::ANY, len in 0usize..256, pos in proptest::num::usize::ANY, bit in 0u8..8) {
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let alice = Ed25519KeyPair::generate(&mut rng);
            let bob = Ed25519KeyPair::generate(&mut rng);
            let msg = vec![0x42u8; len];
            let mut ct = encrypt_for_recipient(&mut rng, &alice, &bob.account_id(), &msg).unwrap();
            let i = pos % ct.len();
            ct[i] ^= 1 << bit;
            proptest::prop_assert!(decrypt_incoming(&bob, &ct).is_err());
        }

        #[test]
        fn decrypt_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = decrypt_incoming(&kp(5), &data);
        }
    }
}
