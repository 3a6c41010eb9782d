//! Key types used by the onion layers, and the raw X25519 exchange.
//!
//! TEMPORARY: stand-ins until `session-identity` publishes its key types.

use std::fmt;
use std::str::FromStr;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// An Ed25519 public key (a service node's identity).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ed25519PublicKey([u8; 32]);

/// An X25519 public key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct X25519PublicKey([u8; 32]);

/// An X25519 secret key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct X25519SecretKey([u8; 32]);

macro_rules! public_key {
    ($t:ident, $name:literal) => {
        impl $t {
            /// Wraps 32 bytes.
            #[must_use]
            pub fn from_bytes(bytes: &[u8; 32]) -> Self {
                Self(*bytes)
            }
            /// The 32 bytes.
            #[must_use]
            pub fn as_bytes(&self) -> &[u8; 32] {
                &self.0
            }
        }
        impl TryFrom<&[u8]> for $t {
            type Error = Error;
            fn try_from(b: &[u8]) -> Result<Self> {
                <[u8; 32]>::try_from(b)
                    .map(Self)
                    .map_err(|_| Error::InvalidLength)
            }
        }
        impl FromStr for $t {
            type Err = Error;
            fn from_str(s: &str) -> Result<Self> {
                let mut out = [0u8; 32];
                if s.len() != 64 {
                    return Err(if hex::decode(s).is_err() {
                        Error::InvalidHex
                    } else {
                        Error::InvalidLength
                    });
                }
                hex::decode_to_slice(s, &mut out).map_err(|_| Error::InvalidHex)?;
                Ok(Self(out))
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.0))
            }
        }
        impl fmt::Debug for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($name, "({})"), hex::encode(self.0))
            }
        }
    };
}

public_key!(Ed25519PublicKey, "Ed25519PublicKey");
public_key!(X25519PublicKey, "X25519PublicKey");

impl X25519SecretKey {
    /// Wraps 32 secret bytes (clamping happens at use).
    #[must_use]
    pub fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(*bytes)
    }
    /// The 32 secret bytes.
    #[must_use]
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// A fresh random secret.
    pub fn generate(rng: &mut (impl rand_core::CryptoRng + rand_core::RngCore)) -> Self {
        let mut b = [0u8; 32];
        rng.fill_bytes(&mut b);
        let s = Self(b);
        b.zeroize();
        s
    }
    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> X25519PublicKey {
        let s = x25519_dalek::StaticSecret::from(self.0);
        X25519PublicKey(*x25519_dalek::PublicKey::from(&s).as_bytes())
    }
    /// Raw X25519 (`crypto_scalarmult`), rejecting the all-zero output like libsodium.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the result is all zero.
    pub fn diffie_hellman(&self, remote: &X25519PublicKey) -> Result<Zeroizing<[u8; 32]>> {
        let s = x25519_dalek::StaticSecret::from(self.0);
        let shared = s.diffie_hellman(&x25519_dalek::PublicKey::from(remote.0));
        let out = Zeroizing::new(*shared.as_bytes());
        if bool::from(out.ct_eq(&[0u8; 32])) {
            return Err(Error::InvalidPoint);
        }
        Ok(out)
    }
}

impl TryFrom<&[u8]> for X25519SecretKey {
    type Error = Error;
    fn try_from(b: &[u8]) -> Result<Self> {
        <[u8; 32]>::try_from(b)
            .map(Self)
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
