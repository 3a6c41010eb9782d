//! Community ("SOGS") blinding: 15- and 25-blinded ids, key pairs and signatures, matching an
//! Account ID against a blinded id, and unblinding 15 (identity.md §3.1–§3.5).
//!
//! Every operation that multiplies a point validates it with libsodium's rules (canonical,
//! on the curve, not of small order, in the prime-order subgroup) and reports
//! [`Error::InvalidPoint`].

use core::fmt;
use core::str::FromStr;

use curve25519_dalek::edwards::EdwardsPoint;
use curve25519_dalek::scalar::Scalar;
use sha2::{Digest, Sha512};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::id::{AccountId, Blinded15Id, Blinded25Id, SessionId};
use crate::keys::{Ed25519KeyPair, Ed25519PublicKey, Signature, X25519PublicKey};
use crate::point::{self, reduce64, sha512_scalar};
use crate::{Error, Result, hash};

/// BLAKE2b key of the blind25 nonce seed hash (32-byte digest).
const BLIND25_SEED_KEY: &[u8] = b"SessCommBlind25_seed";
/// BLAKE2b key of the blind25 nonce hash (64-byte digest).
const BLIND25_SIG_KEY: &[u8] = b"SessCommBlind25_sig";

fn k15(server_pk: &X25519PublicKey) -> Scalar {
    reduce64(&hash::blake2b_512(&[server_pk.as_bytes()]))
}

fn k25(x: &X25519PublicKey, server_pk: &X25519PublicKey) -> Scalar {
    reduce64(&hash::blake2b_512(&[
        &[0x05],
        x.as_bytes(),
        server_pk.as_bytes(),
    ]))
}

/// The 15-blinding factor `k15 = BLAKE2b-512(server_pk) mod L` (32 bytes, little-endian).
#[must_use]
pub fn blind15_factor(server_pk: &X25519PublicKey) -> [u8; 32] {
    k15(server_pk).to_bytes()
}

/// The 25-blinding factor `k25 = BLAKE2b-512(0x05 ‖ X ‖ server_pk) mod L` of an Account ID.
#[must_use]
pub fn blind25_factor(account_id: &AccountId, server_pk: &X25519PublicKey) -> [u8; 32] {
    k25(&account_id.x25519_public_key(), server_pk).to_bytes()
}

/// Both 15-blinded id candidates of an Account ID on a server, `[positive, negative]`: the
/// Account ID does not tell the sign of the user's Ed25519 key, and the user's real blinded id
/// is the negative candidate exactly when that key is negative.
///
/// # Errors
/// [`Error::InvalidPoint`] if the Account ID's key is not a canonical u of a prime-order point.
pub fn blind15_ids(
    account_id: &AccountId,
    server_pk: &X25519PublicKey,
) -> Result<[Blinded15Id; 2]> {
    let ed = account_id.validated_point()?;
    let pos = Blinded15Id::from_key_bytes(&point::mul_prime_order(&k15(server_pk), &ed)?);
    Ok([pos, pos.with_flipped_sign()])
}

/// The exact 15-blinded id of a known Ed25519 public key (`15 ‖ k15·A`).
///
/// # Errors
/// [`Error::InvalidPoint`] if the key is not a canonical prime-order point.
pub fn blind15_id_from_ed25519(
    ed25519_pk: &Ed25519PublicKey,
    server_pk: &X25519PublicKey,
) -> Result<Blinded15Id> {
    point::scalarmult_noclamp(&k15(server_pk), ed25519_pk.as_bytes())
        .map(|k| Blinded15Id::from_key_bytes(&k))
}

/// The 25-blinded id of an Account ID on a server (`25 ‖ k25·|A|`; one answer).
///
/// # Errors
/// [`Error::InvalidPoint`] if the Account ID's key is not a canonical u of a prime-order point.
pub fn blind25_id(account_id: &AccountId, server_pk: &X25519PublicKey) -> Result<Blinded25Id> {
    let ed = account_id.validated_point()?;
    let k = k25(&account_id.x25519_public_key(), server_pk);
    point::mul_prime_order(&k, &ed).map(|k| Blinded25Id::from_key_bytes(&k))
}

/// The 25-blinded id of a known Ed25519 public key of either sign (`25 ‖ k25·|A|`).
///
/// # Errors
/// [`Error::InvalidPoint`] if the key is not a valid prime-order point.
pub fn blind25_id_from_ed25519(
    ed25519_pk: &Ed25519PublicKey,
    server_pk: &X25519PublicKey,
) -> Result<Blinded25Id> {
    // One decode serves both the X25519 conversion (any y encoding, as libsodium) and the
    // multiplication by |A| (canonical y required, as libsodium's noclamp multiplication).
    let a = point::decode_prime_order(ed25519_pk.as_bytes(), false)?;
    if !point::is_canonical_y(ed25519_pk.as_bytes()) {
        return Err(Error::InvalidPoint);
    }
    let x = X25519PublicKey::from_bytes(&a.to_montgomery().to_bytes());
    let abs = if ed25519_pk.is_negative() { -a } else { a };
    point::mul_prime_order(&k25(&x, server_pk), &abs).map(|k| Blinded25Id::from_key_bytes(&k))
}

/// Whether a 15- or 25-blinded id belongs to an Account ID on a server: either candidate for
/// 15, exactly for 25 (identity.md §3.4).
///
/// # Errors
/// [`Error::InvalidBlindedId`] if `blinded_id` is neither a `15` nor a `25` id;
/// [`Error::InvalidPoint`] if the Account ID's key is not a valid point.
pub fn blinded_id_matches(
    account_id: &AccountId,
    blinded_id: &SessionId,
    server_pk: &X25519PublicKey,
) -> Result<bool> {
    match blinded_id {
        SessionId::Blinded15Id(b) => Ok(blind15_ids(account_id, server_pk)?.contains(b)),
        SessionId::Blinded25Id(b) => Ok(blind25_id(account_id, server_pk)? == *b),
        _ => Err(Error::InvalidBlindedId),
    }
}

/// [`blinded_id_matches`] on text input (libsession's `session_id_matches_blinded_id`), with
/// the inputs checked in this order: the Account ID (66 hex digits, prefix `05`), the server
/// key (64 hex digits), the blinded id (66 hex digits, prefix `15` or `25`). Hex may be in
/// either case.
///
/// # Errors
/// [`Error::InvalidAccountId`], [`Error::InvalidServerPk`], [`Error::InvalidBlindedId`] for the
/// first malformed input; [`Error::InvalidPoint`] if the Account ID's key is not a valid point.
pub fn blinded_id_matches_hex(account_id: &str, blinded_id: &str, server_pk: &str) -> Result<bool> {
    let account = AccountId::from_str(account_id).map_err(|_| Error::InvalidAccountId)?;
    let server = X25519PublicKey::from_str(server_pk).map_err(|_| Error::InvalidServerPk)?;
    let blinded = SessionId::from_str(blinded_id).map_err(|_| Error::InvalidBlindedId)?;
    blinded_id_matches(&account, &blinded, &server)
}

/// Recovers the Account ID behind a 15-blinded id (either sign): `A = k15⁻¹·P`, then A's X25519
/// key. Anyone who knows the server key can do this (identity.md §3.5).
///
/// # Errors
/// [`Error::InvalidPoint`] if the blinded key is not a canonical prime-order point.
pub fn unblind15(blinded_id: &Blinded15Id, server_pk: &X25519PublicKey) -> Result<AccountId> {
    let inv = k15(server_pk).invert();
    let a = point::scalarmult_noclamp(&inv, blinded_id.key_bytes())?;
    point::ed_to_x25519(&a).map(|x| AccountId::from_x25519(&X25519PublicKey::from_bytes(&x)))
}

/// Which bytes seed the blind15 signature nonce (identity.md §3.2, §9 item 1). Both verify;
/// they give different signature bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Blind15Nonce {
    /// The 64-byte secret key `seed ‖ pk` (libsession, and Android through it). The default.
    #[default]
    SecretKey64,
    /// The 32-byte seed only (session-desktop, pysogs).
    Seed32,
}

fn sign_with_nonce(r: &Scalar, public: &[u8; 32], secret: &Scalar, message: &[u8]) -> Signature {
    let r_pub = EdwardsPoint::mul_base(r).compress().to_bytes();
    let h = sha512_scalar(&[&r_pub, public, message]);
    let s = r + h * secret;
    let mut sig = [0u8; 64];
    sig[..32].copy_from_slice(&r_pub);
    sig[32..].copy_from_slice(s.as_bytes());
    Signature::from_bytes(&sig)
}

/// A user's own 15-blinded key pair for one community server (identity.md §3.2).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Blind15KeyPair {
    a: Scalar,
    ka: Scalar,
    nonce_sk64: [u8; 32],
    nonce_seed32: [u8; 32],
    #[zeroize(skip)]
    public: Ed25519PublicKey,
}

impl Blind15KeyPair {
    /// Derives the key pair: `ka = k15·a mod L`, `kA = ka·B`.
    #[must_use]
    pub fn new(keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        let a = Scalar::from_bytes_mod_order(*keypair.scalar_bytes());
        let ka = k15(server_pk) * a;
        let public =
            Ed25519PublicKey::from_bytes(&EdwardsPoint::mul_base(&ka).compress().to_bytes());
        let hrh = |input: &[u8]| -> [u8; 32] {
            let h = Zeroizing::new(<[u8; 64]>::from(Sha512::digest(input)));
            let mut out = [0u8; 32];
            out.copy_from_slice(&h[32..]);
            out
        };
        let nonce_sk64 = hrh(keypair.to_libsodium_secret().as_ref());
        let nonce_seed32 = hrh(keypair.seed());
        Self {
            a,
            ka,
            nonce_sk64,
            nonce_seed32,
            public,
        }
    }

    /// The blinded public key `kA`.
    #[must_use]
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.public
    }

    /// The blinded id `15 ‖ kA`.
    #[must_use]
    pub fn blinded_id(&self) -> Blinded15Id {
        Blinded15Id::from_key_bytes(self.public.as_bytes())
    }

    /// The blinded private scalar `ka` (secret; it is a scalar, not an Ed25519 seed).
    #[must_use]
    pub fn secret_scalar(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.ka.to_bytes())
    }

    /// Signs with the libsession nonce ([`Blind15Nonce::SecretKey64`]); the signature verifies
    /// as plain Ed25519 under [`Blind15KeyPair::public_key`].
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Signature {
        self.sign_with(message, Blind15Nonce::SecretKey64)
    }

    /// Signs with the chosen nonce derivation.
    #[must_use]
    pub fn sign_with(&self, message: &[u8], nonce: Blind15Nonce) -> Signature {
        let hrh = match nonce {
            Blind15Nonce::SecretKey64 => &self.nonce_sk64,
            Blind15Nonce::Seed32 => &self.nonce_seed32,
        };
        let r = sha512_scalar(&[hrh, self.public.as_bytes(), message]);
        sign_with_nonce(&r, self.public.as_bytes(), &self.ka, message)
    }

    /// The blinded-DM shared point with another party's 15-blinded key `O`: `a·O`, the
    /// unblinded scalar (both sides share k15; protocol.md §2.2).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] if `other` is not a canonical prime-order point.
    pub fn shared_point(&self, other: &Ed25519PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        point::scalarmult_noclamp(&self.a, other.as_bytes()).map(Zeroizing::new)
    }
}

impl fmt::Debug for Blind15KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blind15KeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// A user's own 25-blinded key pair for one community server (identity.md §3.3).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Blind25KeyPair {
    ka: Scalar,
    seed_hash: [u8; 32],
    #[zeroize(skip)]
    public: Ed25519PublicKey,
}

impl Blind25KeyPair {
    /// Derives the key pair: `k' = ±k25` (negated when the Ed25519 key is negative),
    /// `ka = k'·a mod L`, `kA = ka·B` (= `k25·|A|`).
    #[must_use]
    pub fn new(keypair: &Ed25519KeyPair, server_pk: &X25519PublicKey) -> Self {
        let mut k = k25(&keypair.x25519_public(), server_pk);
        if keypair.public_key().is_negative() {
            k = -k;
        }
        let a = Zeroizing::new(Scalar::from_bytes_mod_order(*keypair.scalar_bytes()));
        let ka = k * *a;
        let public =
            Ed25519PublicKey::from_bytes(&EdwardsPoint::mul_base(&ka).compress().to_bytes());
        let seed_hash = hash::fixed::<32>(Some(BLIND25_SEED_KEY), &[keypair.seed()]);
        Self {
            ka,
            seed_hash,
            public,
        }
    }

    /// The blinded public key `kA`.
    #[must_use]
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.public
    }

    /// The blinded id `25 ‖ kA`.
    #[must_use]
    pub fn blinded_id(&self) -> Blinded25Id {
        Blinded25Id::from_key_bytes(self.public.as_bytes())
    }

    /// The blinded private scalar `ka` (secret).
    #[must_use]
    pub fn secret_scalar(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.ka.to_bytes())
    }

    /// Signs (libsession's nonce: keyed BLAKE2b of the seed hash, `kA` and the message); the
    /// signature verifies as plain Ed25519 under [`Blind25KeyPair::public_key`].
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Signature {
        let h = Zeroizing::new(hash::fixed::<64>(
            Some(BLIND25_SIG_KEY),
            &[&self.seed_hash, self.public.as_bytes(), message],
        ));
        let r = reduce64(&h);
        sign_with_nonce(&r, self.public.as_bytes(), &self.ka, message)
    }

    /// The blinded-DM shared point with another party's 25-blinded key `O`: `ka·O`
    /// (protocol.md §2.2).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] if `other` is not a canonical prime-order point.
    pub fn shared_point(&self, other: &Ed25519PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        point::scalarmult_noclamp(&self.ka, other.as_bytes()).map(Zeroizing::new)
    }
}

impl fmt::Debug for Blind25KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Blind25KeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

impl Ed25519KeyPair {
    /// This user's 15-blinded key pair on a community server.
    #[must_use]
    pub fn blind15(&self, server_pk: &X25519PublicKey) -> Blind15KeyPair {
        Blind15KeyPair::new(self, server_pk)
    }

    /// This user's 25-blinded key pair on a community server.
    #[must_use]
    pub fn blind25(&self, server_pk: &X25519PublicKey) -> Blind25KeyPair {
        Blind25KeyPair::new(self, server_pk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> X25519PublicKey {
        "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"
            .parse()
            .unwrap()
    }

    #[test]
    fn own_ids_match_account_derivations() {
        for i in 0u8..12 {
            let kp = Ed25519KeyPair::from_seed(&[i; 32]);
            let s = server();
            let b15 = kp.blind15(&s);
            let b25 = kp.blind25(&s);
            let ids = blind15_ids(&kp.account_id(), &s).unwrap();
            let exact = if kp.public_key().is_negative() {
                ids[1]
            } else {
                ids[0]
            };
            assert_eq!(b15.blinded_id(), exact);
            assert_eq!(
                blind15_id_from_ed25519(&kp.public_key(), &s).unwrap(),
                exact
            );
            assert_eq!(blind25_id(&kp.account_id(), &s).unwrap(), b25.blinded_id());
            assert_eq!(
                blind25_id_from_ed25519(&kp.public_key(), &s).unwrap(),
                b25.blinded_id()
            );
            assert_eq!(unblind15(&exact, &s).unwrap(), kp.account_id());
            assert_eq!(
                unblind15(&exact.with_flipped_sign(), &s).unwrap(),
                kp.account_id()
            );
            for id in [
                SessionId::from(ids[0]),
                ids[1].into(),
                b25.blinded_id().into(),
            ] {
                assert!(blinded_id_matches(&kp.account_id(), &id, &s).unwrap());
            }
            let sig = b15.sign(b"m");
            assert!(b15.public_key().verify(b"m", &sig).is_ok());
            let sig = b15.sign_with(b"m", Blind15Nonce::Seed32);
            assert!(b15.public_key().verify(b"m", &sig).is_ok());
            let sig = b25.sign(b"m");
            assert!(b25.public_key().verify(b"m", &sig).is_ok());
        }
    }

    #[test]
    fn blinded_shared_points_agree() {
        let s = server();
        let (alice, bob) = (
            Ed25519KeyPair::from_seed(&[1; 32]),
            Ed25519KeyPair::from_seed(&[2; 32]),
        );
        let (a15, b15) = (alice.blind15(&s), bob.blind15(&s));
        assert_eq!(
            *a15.shared_point(&b15.public_key()).unwrap(),
            *b15.shared_point(&a15.public_key()).unwrap()
        );
        let (a25, b25) = (alice.blind25(&s), bob.blind25(&s));
        assert_eq!(
            *a25.shared_point(&b25.public_key()).unwrap(),
            *b25.shared_point(&a25.public_key()).unwrap()
        );
    }

    #[test]
    fn rejects_invalid_account_points() {
        let s = server();
        let zero = AccountId::from_key_bytes(&[0; 32]);
        assert_eq!(blind15_ids(&zero, &s).err(), Some(Error::InvalidPoint));
        assert_eq!(blind25_id(&zero, &s).err(), Some(Error::InvalidPoint));
        let kp = Ed25519KeyPair::from_seed(&[3; 32]);
        let mut high = *kp.account_id().key_bytes();
        high[31] |= 0x80;
        let high = AccountId::from_key_bytes(&high);
        assert_eq!(blind15_ids(&high, &s).err(), Some(Error::InvalidPoint));
    }
}
