//! Ed25519 and X25519 keys (identity.md §2.1, §2.2).

use core::fmt;
use core::str::FromStr;

use ed25519_dalek::Signer as _;
use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::engine::Engine;
use crate::id::AccountId;
use crate::{Error, Result, encoding, point};

/// An Ed25519 signature `R ‖ S` (64 bytes).
#[derive(Clone, Copy, Eq)]
pub struct Signature([u8; 64]);

impl Signature {
    /// Length in bytes.
    pub const LEN: usize = 64;

    /// Wraps 64 bytes (no validation: verification checks them).
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 64]) -> Self {
        Self(*bytes)
    }

    /// The 64 bytes `R ‖ S`.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 64] {
        &self.0
    }

    /// The 64 bytes `R ‖ S`, by value.
    #[must_use]
    pub const fn to_bytes(&self) -> [u8; 64] {
        self.0
    }
}

impl PartialEq for Signature {
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl TryFrom<&[u8]> for Signature {
    type Error = Error;
    fn try_from(bytes: &[u8]) -> Result<Self> {
        <[u8; 64]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidLength)
    }
}

impl AsRef<[u8]> for Signature {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Signature({})", hex::encode(self.0))
    }
}

impl fmt::Display for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

/// An Ed25519 public key as received: 32 bytes, validated when it is used (verification,
/// conversion to X25519, blinding), with libsodium's rules.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Ed25519PublicKey([u8; 32]);

impl Ed25519PublicKey {
    /// Length in bytes.
    pub const LEN: usize = 32;

    /// Wraps 32 bytes; no validation (see [`Ed25519PublicKey::validate`]).
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(*bytes)
    }

    /// The 32-byte compressed Edwards encoding.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 32 bytes, by value.
    #[must_use]
    pub const fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// Checks that the key is a canonical encoding of a point of prime order (on the curve, not
    /// of small order, in the prime-order subgroup).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] otherwise.
    pub fn validate(&self) -> Result<()> {
        point::decode_prime_order(&self.0, true).map(|_| ())
    }

    /// Whether the sign bit (bit 255, the parity of x) is set.
    #[must_use]
    pub const fn is_negative(&self) -> bool {
        self.0[31] & 0x80 != 0
    }

    /// The key with its sign bit cleared (`|A|`, the positive one of ±A).
    #[must_use]
    pub const fn to_positive(&self) -> Self {
        let mut b = self.0;
        b[31] &= 0x7f;
        Self(b)
    }

    /// Converts to the X25519 public key u = (1+y)/(1−y), exactly like libsodium's
    /// `crypto_sign_ed25519_pk_to_curve25519`.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] if the key does not decode to a curve point, is of small order or
    /// is not in the prime-order subgroup.
    pub fn to_x25519(&self) -> Result<X25519PublicKey> {
        point::ed_to_x25519(&self.0).map(X25519PublicKey)
    }

    /// [`Ed25519PublicKey::verify`], then [`Ed25519PublicKey::to_x25519`], decoding the key
    /// once (what a receiver does with a signed sender key: check the signature, then name the
    /// sender by its Account ID).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if the signature does not verify; [`Error::InvalidPoint`] if
    /// it does but the key is not in the prime-order subgroup.
    pub fn verify_to_x25519(
        &self,
        message: &[u8],
        signature: &Signature,
    ) -> Result<X25519PublicKey> {
        let a = point::verify_strict_point(&self.0, message, &signature.0)
            .ok_or(Error::SignatureInvalid)?;
        // Verification already refused small-order keys; the subgroup check remains.
        if !point::is_torsion_free(&a) {
            return Err(Error::InvalidPoint);
        }
        Ok(X25519PublicKey(a.to_montgomery().to_bytes()))
    }

    /// Verifies an Ed25519 signature with libsodium's strict rules
    /// (`crypto_sign_ed25519_verify_detached`).
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if it does not verify (including a malformed key).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        if point::verify_strict(&self.0, message, &signature.0) {
            Ok(())
        } else {
            Err(Error::SignatureInvalid)
        }
    }
}

/// An X25519 (Montgomery u) public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct X25519PublicKey([u8; 32]);

impl X25519PublicKey {
    /// Length in bytes.
    pub const LEN: usize = 32;

    /// Wraps 32 bytes (no validation; Diffie–Hellman rejects an all-zero result).
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(*bytes)
    }

    /// The 32-byte little-endian u-coordinate.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The 32 bytes, by value.
    #[must_use]
    pub const fn to_bytes(&self) -> [u8; 32] {
        self.0
    }

    /// The `05` Account ID of this key.
    #[must_use]
    pub fn account_id(&self) -> AccountId {
        AccountId::from_x25519(self)
    }

    /// The positive Ed25519 point with this u (XEd25519 `pubkey`, identity.md §3.1): bit 255 of
    /// u is ignored and nothing is validated (a u that is not on the curve gives a key that
    /// every later use rejects).
    #[must_use]
    pub fn to_ed25519_positive(&self) -> Ed25519PublicKey {
        Ed25519PublicKey(point::xed_pubkey(&self.0))
    }

    /// Verifies an XEd25519 signature made with the matching X25519 secret key (identity.md §4):
    /// strict Ed25519 verification under [`X25519PublicKey::to_ed25519_positive`].
    ///
    /// # Errors
    /// [`Error::SignatureInvalid`] if it does not verify.
    pub fn xed25519_verify(&self, message: &[u8], signature: &Signature) -> Result<()> {
        self.to_ed25519_positive().verify(message, signature)
    }
}

/// The byte-key conveniences shared by the 32-byte public key types: `TryFrom<&[u8]>`
/// (`InvalidLength`), `AsRef<[u8]>`, `FromStr` (64 hex digits, either case, surrounding white
/// space ignored), `Display` (lowercase hex) and `Debug` (the type name and the hex).
macro_rules! public_key_conversions {
    ($name:ident) => {
        impl TryFrom<&[u8]> for $name {
            type Error = Error;
            fn try_from(bytes: &[u8]) -> Result<Self> {
                <[u8; 32]>::try_from(bytes)
                    .map(Self)
                    .map_err(|_| Error::InvalidLength)
            }
        }

        impl AsRef<[u8]> for $name {
            fn as_ref(&self) -> &[u8] {
                &self.0
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// 64 hex digits, either case.
            fn from_str(s: &str) -> Result<Self> {
                encoding::hex_array(s.trim()).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "({})"), hex::encode(self.0))
            }
        }
    };
}

public_key_conversions!(Ed25519PublicKey);
public_key_conversions!(X25519PublicKey);

/// An X25519 secret key (32 bytes; clamped when used, as libsodium and RFC 7748 do).
///
/// With the `aws-lc` feature the key is loaded into aws-lc on first use and kept there (freed,
/// and wiped by aws-lc, with the key); results are the same either way.
#[derive(Clone)]
pub struct X25519SecretKey([u8; 32], Engine);

impl Zeroize for X25519SecretKey {
    /// Wipes the bytes and drops the engine state (aws-lc wipes its copy when freeing it).
    fn zeroize(&mut self) {
        self.0.zeroize();
        self.1 = Engine::new();
    }
}

impl Drop for X25519SecretKey {
    fn drop(&mut self) {
        self.zeroize();
    }
}

impl ZeroizeOnDrop for X25519SecretKey {}

impl X25519SecretKey {
    /// Length in bytes.
    pub const LEN: usize = 32;

    /// Wraps 32 secret bytes.
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(*bytes, Engine::new())
    }

    /// The X25519 secret of an Ed25519 secret given as the 32-byte seed or the 64-byte
    /// `seed ‖ pk`: `clamp(SHA-512(seed)[0..32])` (libsodium
    /// `crypto_sign_ed25519_sk_to_curve25519`), without computing any public key.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for any other length.
    pub fn from_ed25519_secret(secret: &[u8]) -> Result<Self> {
        use sha2::Digest as _;
        let seed = seed_from_secret(secret)?;
        let h = Zeroizing::new(<[u8; 64]>::from(sha2::Sha512::digest(seed.as_ref())));
        let mut x = Zeroizing::new([0u8; 32]);
        x.copy_from_slice(&h[..32]);
        Ok(Self(
            curve25519_dalek::scalar::clamp_integer(*x),
            Engine::new(),
        ))
    }

    /// A fresh random key (clamped).
    pub fn generate(rng: &mut (impl CryptoRng + RngCore)) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        let key = Self(curve25519_dalek::scalar::clamp_integer(b), Engine::new());
        b.zeroize();
        key
    }

    /// The secret bytes. Handle with care: do not log or persist them unprotected.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The public key `X25519(sk, 9)` (computed with the fixed-base Edwards table, or by
    /// aws-lc with the `aws-lc` feature).
    #[must_use]
    pub fn public_key(&self) -> X25519PublicKey {
        X25519PublicKey(self.1.public_key(&self.0))
    }

    /// X25519 Diffie–Hellman with `their` public key (libsodium `crypto_scalarmult`).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] if the result is all zeros (a small-order public key).
    ///
    /// The product is computed on the Edwards form of `their` key with curve25519-dalek's
    /// variable-base multiplication (AVX2 when available), falling back to the Montgomery
    /// ladder for keys on the twist, or by aws-lc with the `aws-lc` feature; the result is the
    /// ladder's, bit for bit, for every key.
    pub fn diffie_hellman(&self, their: &X25519PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        let shared = Zeroizing::new(self.1.x25519(&self.0, &their.0, None));
        if bool::from(shared.ct_eq(&[0u8; 32])) {
            return Err(Error::InvalidPoint);
        }
        Ok(shared)
    }

    /// X25519 Diffie–Hellman with a key that must be the X25519 key of an Ed25519 identity:
    /// canonical (below p, bit 255 clear) and of prime order, the rules of
    /// [`AccountId::validate`]. Same result as [`X25519SecretKey::diffie_hellman`] on such keys;
    /// cheaper than validating and then exchanging, as the point is decoded once.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] for any other key.
    pub fn diffie_hellman_prime_order(
        &self,
        their: &X25519PublicKey,
    ) -> Result<Zeroizing<[u8; 32]>> {
        let point = point::decode_prime_order_u(&their.0)?;
        let shared = Zeroizing::new(self.1.x25519(&self.0, &their.0, Some(&point)));
        if bool::from(shared.ct_eq(&[0u8; 32])) {
            return Err(Error::InvalidPoint);
        }
        Ok(shared)
    }

    /// XEd25519-signs `message` (identity.md §4), drawing the 64 random bytes Z from `rng`.
    /// The signature verifies with [`X25519PublicKey::xed25519_verify`]. The key must be clamped
    /// (every key from [`Ed25519KeyPair::x25519_secret`] is).
    #[must_use]
    pub fn xed25519_sign(&self, message: &[u8], rng: &mut (impl CryptoRng + RngCore)) -> Signature {
        let mut z = Zeroizing::new([0u8; 64]);
        rng.fill_bytes(z.as_mut());
        crate::xed25519::sign(&self.0, message, &z)
    }

    /// XEd25519 signing with the random bytes Z given (deterministic core for test vectors).
    #[cfg(feature = "testing")]
    #[must_use]
    pub fn xed25519_sign_with_z_for_testing(&self, message: &[u8], z: &[u8; 64]) -> Signature {
        crate::xed25519::sign(&self.0, message, z)
    }
}

impl ConstantTimeEq for X25519SecretKey {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for X25519SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for X25519SecretKey {}

impl TryFrom<&[u8]> for X25519SecretKey {
    type Error = Error;
    fn try_from(bytes: &[u8]) -> Result<Self> {
        <[u8; 32]>::try_from(bytes)
            .map(|b| Self(b, Engine::new()))
            .map_err(|_| Error::InvalidLength)
    }
}

impl fmt::Debug for X25519SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("X25519SecretKey")
            .field("public", &self.public_key())
            .finish_non_exhaustive()
    }
}

/// An Ed25519 key pair from a 32-byte seed (RFC 8032, libsodium
/// `crypto_sign_ed25519_seed_keypair`), with its X25519 keys cached.
#[derive(Clone)]
pub struct Ed25519KeyPair {
    signer: Signer,
    public: Ed25519PublicKey,
    x25519_secret: X25519SecretKey,
    x25519_public: X25519PublicKey,
}

/// What signs for a key pair: ed25519-dalek, or (feature `aws-lc`) aws-lc, whose fixed-base
/// multiplication is about twice as fast. Ed25519 signing is deterministic (RFC 8032): both
/// give the same signature bytes.
#[derive(Clone)]
enum Signer {
    Dalek(ed25519_dalek::SigningKey),
    #[cfg(feature = "aws-lc")]
    AwsLc {
        seed: Zeroizing<[u8; 32]>,
        key: std::sync::Arc<aws_lc_rs::signature::Ed25519KeyPair>,
    },
}

impl Ed25519KeyPair {
    /// Expands a 32-byte Ed25519 seed.
    #[must_use]
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        #[cfg(feature = "aws-lc")]
        if let Some(kp) = Self::from_seed_aws_lc(seed) {
            return kp;
        }
        Self::from_seed_dalek(seed)
    }

    /// [`from_seed`](Self::from_seed) with ed25519-dalek (one fixed-base multiplication; the
    /// X25519 public key is the Edwards point mapped to Montgomery form).
    fn from_seed_dalek(seed: &[u8; 32]) -> Self {
        let signing = ed25519_dalek::SigningKey::from_bytes(seed);
        let verifying = signing.verifying_key();
        let public = Ed25519PublicKey(verifying.to_bytes());
        let x25519_public = X25519PublicKey(verifying.to_montgomery().to_bytes());
        let x25519_secret = X25519SecretKey(
            curve25519_dalek::scalar::clamp_integer(signing.to_scalar_bytes()),
            Engine::new(),
        );
        Self {
            signer: Signer::Dalek(signing),
            public,
            x25519_secret,
            x25519_public,
        }
    }

    /// [`from_seed`](Self::from_seed) with aws-lc: its Ed25519 key pair gives the Ed25519
    /// public key, and the X25519 public key is `X25519(a, 9)` by the X25519 engine (equal to
    /// the converted Ed25519 key, as `a·B` maps to `a·(u = 9)`), which leaves the secret key
    /// loaded for later exchanges. `None` only if aws-lc refuses (it does not for any seed).
    #[cfg(feature = "aws-lc")]
    fn from_seed_aws_lc(seed: &[u8; 32]) -> Option<Self> {
        use aws_lc_rs::signature::KeyPair as _;
        let key = aws_lc_rs::signature::Ed25519KeyPair::from_seed_unchecked(seed).ok()?;
        let public = Ed25519PublicKey(<[u8; 32]>::try_from(key.public_key().as_ref()).ok()?);
        let x25519_secret = X25519SecretKey::from_ed25519_secret(seed).ok()?;
        let x25519_public = x25519_secret.public_key();
        Some(Self {
            signer: Signer::AwsLc {
                seed: Zeroizing::new(*seed),
                key: std::sync::Arc::new(key),
            },
            public,
            x25519_secret,
            x25519_public,
        })
    }

    /// The key pair of a 16-byte recovery seed (Ed25519 seed = seed16 ‖ 16 zero bytes).
    #[must_use]
    pub fn from_recovery_seed(seed: &crate::Seed) -> Self {
        Self::from_seed(&seed.ed25519_seed())
    }

    /// From an Ed25519 secret given as the 32-byte seed or the 64-byte libsodium secret key
    /// `seed ‖ pk` (only the seed half is read, as libsession's `seed_for_ed_privkey` does).
    ///
    /// # Errors
    /// [`Error::InvalidLength`] for any other length.
    pub fn from_secret_bytes(secret: &[u8]) -> Result<Self> {
        let seed = seed_from_secret(secret)?;
        Ok(Self::from_seed(&seed))
    }

    /// A fresh key pair from a random 32-byte seed. (A Session account is made from a 16-byte
    /// [`Seed`](crate::Seed) instead, so that it has a recovery phrase.)
    pub fn generate(rng: &mut (impl CryptoRng + RngCore)) -> Self {
        let mut seed = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(seed.as_mut());
        Self::from_seed(&seed)
    }

    /// The 32-byte seed (secret).
    #[must_use]
    pub fn seed(&self) -> &[u8; 32] {
        match &self.signer {
            Signer::Dalek(signing) => signing.as_bytes(),
            #[cfg(feature = "aws-lc")]
            Signer::AwsLc { seed, .. } => seed,
        }
    }

    /// The 64-byte libsodium secret key `seed ‖ pk` (secret).
    #[must_use]
    pub fn to_libsodium_secret(&self) -> Zeroizing<[u8; 64]> {
        let mut sk = Zeroizing::new([0u8; 64]);
        sk[..32].copy_from_slice(self.seed());
        sk[32..].copy_from_slice(self.public.as_bytes());
        sk
    }

    /// The Ed25519 public key.
    #[must_use]
    pub fn public_key(&self) -> Ed25519PublicKey {
        self.public
    }

    /// The X25519 secret key `clamp(SHA-512(seed)[0..32])` (libsodium
    /// `crypto_sign_ed25519_sk_to_curve25519`).
    #[must_use]
    pub fn x25519_secret(&self) -> &X25519SecretKey {
        &self.x25519_secret
    }

    /// The X25519 public key (the Ed25519 public key converted).
    #[must_use]
    pub fn x25519_public(&self) -> X25519PublicKey {
        self.x25519_public
    }

    /// The `05` Account ID.
    #[must_use]
    pub fn account_id(&self) -> AccountId {
        AccountId::from_x25519(&self.x25519_public)
    }

    /// Plain Ed25519 signature (RFC 8032, deterministic).
    #[must_use]
    pub fn sign(&self, message: &[u8]) -> Signature {
        match &self.signer {
            Signer::Dalek(signing) => Signature(signing.sign(message).to_bytes()),
            #[cfg(feature = "aws-lc")]
            Signer::AwsLc { seed, key } => Signature(
                <[u8; 64]>::try_from(key.sign(message).as_ref()).unwrap_or_else(
                    // aws-lc's Ed25519 signatures are always 64 bytes; never reached.
                    |_| {
                        ed25519_dalek::SigningKey::from_bytes(seed)
                            .sign(message)
                            .to_bytes()
                    },
                ),
            ),
        }
    }

    /// The clamped private scalar `a` as an Edwards-point multiplier (crate-internal).
    pub(crate) fn scalar_bytes(&self) -> &[u8; 32] {
        &self.x25519_secret.0
    }

    /// `a·B` recomputed (crate-internal consistency helper for tests).
    #[cfg(test)]
    pub(crate) fn recompute_public(&self) -> [u8; 32] {
        curve25519_dalek::edwards::EdwardsPoint::mul_base_clamped(self.x25519_secret.0)
            .compress()
            .to_bytes()
    }
}

impl TryFrom<&[u8]> for Ed25519KeyPair {
    type Error = Error;
    /// From exactly a 32-byte Ed25519 seed (libsodium `crypto_sign_ed25519_seed_keypair`).
    fn try_from(seed: &[u8]) -> Result<Self> {
        let seed = Zeroizing::new(<[u8; 32]>::try_from(seed).map_err(|_| Error::InvalidLength)?);
        Ok(Self::from_seed(&seed))
    }
}

impl ConstantTimeEq for Ed25519KeyPair {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.seed().ct_eq(other.seed())
    }
}

impl PartialEq for Ed25519KeyPair {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Ed25519KeyPair {}

impl fmt::Debug for Ed25519KeyPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Ed25519KeyPair")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}

/// `SigningKey`, the `Zeroizing` seed and `X25519SecretKey` zeroize themselves on drop; aws-lc
/// cleanses its copy of the key when the last handle to it is dropped.
impl ZeroizeOnDrop for Ed25519KeyPair {}

/// The 32-byte seed of an Ed25519 secret given as a 32-byte seed or a 64-byte `seed ‖ pk`.
///
/// # Errors
/// [`Error::InvalidLength`] for any other length.
pub fn seed_from_secret(secret: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    if secret.len() != 32 && secret.len() != 64 {
        return Err(Error::InvalidLength);
    }
    let mut seed = Zeroizing::new([0u8; 32]);
    seed.copy_from_slice(secret.get(..32).ok_or(Error::InvalidLength)?);
    Ok(seed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seed(hex: &str) -> [u8; 32] {
        encoding::hex_array(hex).unwrap()
    }

    #[test]
    fn libsession_keypair() {
        let kp = Ed25519KeyPair::from_seed(&seed(
            "4cb76fdc6d32278e3f83dbf608360ecc6b65727934b85d2fb86862ff98c46ab7",
        ));
        assert_eq!(
            kp.public_key().to_string(),
            "8862834829a87e0afadfed763fa8785e893dbde7f2c001ff1071aa55005c347f"
        );
        assert_eq!(kp.recompute_public(), kp.public_key().to_bytes());
        assert_eq!(kp.public_key().to_x25519().unwrap(), kp.x25519_public());
        assert_eq!(kp.x25519_secret().public_key(), kp.x25519_public());
        let x = X25519SecretKey::from_ed25519_secret(kp.to_libsodium_secret().as_ref()).unwrap();
        assert_eq!(&x, kp.x25519_secret());
        assert_eq!(X25519SecretKey::from_ed25519_secret(kp.seed()).unwrap(), x);
        let sig = kp.sign(b"hello");
        assert!(kp.public_key().verify(b"hello", &sig).is_ok());
        assert_eq!(
            kp.public_key().verify(b"hellp", &sig),
            Err(Error::SignatureInvalid)
        );
        assert!(format!("{kp:?}").contains("8862834829"));
        assert!(!format!("{kp:?}").contains("4cb76fdc"));
    }

    /// With the `aws-lc` feature, aws-lc and ed25519-dalek give the same keys and signatures.
    #[cfg(feature = "aws-lc")]
    #[test]
    fn aws_lc_and_dalek_key_pairs_agree() {
        use proptest::prelude::*;
        proptest!(ProptestConfig::with_cases(64), |(seed in any::<[u8; 32]>(),
                                                     msg in proptest::collection::vec(any::<u8>(), 0..300))| {
            let aws = Ed25519KeyPair::from_seed_aws_lc(&seed).expect("aws-lc key pair");
            let dalek = Ed25519KeyPair::from_seed_dalek(&seed);
            let is_aws = matches!(aws.signer, Signer::AwsLc { .. });
            prop_assert!(is_aws, "aws-lc signer expected");
            prop_assert_eq!(aws.public_key(), dalek.public_key());
            prop_assert_eq!(aws.x25519_public(), dalek.x25519_public());
            prop_assert_eq!(aws.x25519_secret(), dalek.x25519_secret());
            prop_assert_eq!(aws.seed(), dalek.seed());
            prop_assert_eq!(&*aws.to_libsodium_secret(), &*dalek.to_libsodium_secret());
            prop_assert_eq!(aws.sign(&msg).to_bytes(), dalek.sign(&msg).to_bytes());
            prop_assert!(aws.public_key().verify(&msg, &aws.sign(&msg)).is_ok());
        });
    }

    /// Keys can be shared between and sent to threads, whichever engine they use.
    #[test]
    fn keys_are_send_and_sync() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<Ed25519KeyPair>();
        send_sync::<X25519SecretKey>();
        let kp = Ed25519KeyPair::from_seed(&[5u8; 32]);
        let other = kp.clone();
        let sig = std::thread::spawn(move || other.sign(b"threads"))
            .join()
            .unwrap();
        assert_eq!(sig.to_bytes(), kp.sign(b"threads").to_bytes());
    }

    #[test]
    fn secret_lengths() {
        assert_eq!(
            seed_from_secret(&[0u8; 31]).err(),
            Some(Error::InvalidLength)
        );
        assert_eq!(
            seed_from_secret(&[0u8; 65]).err(),
            Some(Error::InvalidLength)
        );
        let mut sk = [0u8; 64];
        sk[0] = 7;
        assert_eq!(seed_from_secret(&sk).unwrap()[0], 7);
    }

    #[test]
    fn dh_agrees_and_rejects_zero() {
        let a = Ed25519KeyPair::from_seed(&[1u8; 32]);
        let b = Ed25519KeyPair::from_seed(&[2u8; 32]);
        let ab = a
            .x25519_secret()
            .diffie_hellman(&b.x25519_public())
            .unwrap();
        let ba = b
            .x25519_secret()
            .diffie_hellman(&a.x25519_public())
            .unwrap();
        assert_eq!(*ab, *ba);
        let zero = X25519PublicKey::from_bytes(&[0u8; 32]);
        assert_eq!(
            a.x25519_secret().diffie_hellman(&zero).err(),
            Some(Error::InvalidPoint)
        );
    }
}
