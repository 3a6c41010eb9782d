//! The 16-byte recovery seed (identity.md §1.1) and its 13-word recovery phrase.

use core::fmt;

use rand_core::{CryptoRng, RngCore};
use subtle::{Choice, ConstantTimeEq};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::Ed25519KeyPair;
use crate::mnemonic::WordList;
use crate::{Error, Result};

/// Number of words in a recovery phrase (12 data words and the checksum word).
pub const RECOVERY_PHRASE_WORDS: usize = 13;

/// A Session account's root secret: 16 random bytes. The Ed25519 seed is `seed ‖ 0x00×16`.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Seed([u8; 16]);

impl Seed {
    /// Length in bytes.
    pub const LEN: usize = 16;

    /// Wraps 16 secret bytes.
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 16]) -> Self {
        Self(*bytes)
    }

    /// A fresh random seed, for a new account.
    pub fn generate(rng: &mut (impl CryptoRng + RngCore)) -> Self {
        let mut s = Self([0u8; 16]);
        rng.fill_bytes(&mut s.0);
        s
    }

    /// Restores the seed from a 13-word English recovery phrase (whitespace-separated, any
    /// case; only each word's first 3 letters count).
    ///
    /// # Errors
    /// [`Error::InvalidWordCount`] unless there are exactly 13 words, then as
    /// [`WordList::decode`]: [`Error::UnknownWord`], [`Error::InvalidValue`],
    /// [`Error::ChecksumMismatch`].
    pub fn from_mnemonic(phrase: &str) -> Result<Self> {
        Self::from_mnemonic_in(phrase, WordList::english())
    }

    /// [`Seed::from_mnemonic`] with another word list.
    ///
    /// # Errors
    /// As [`Seed::from_mnemonic`].
    pub fn from_mnemonic_in(phrase: &str, list: &WordList) -> Result<Self> {
        if phrase.split_whitespace().count() != RECOVERY_PHRASE_WORDS {
            return Err(Error::InvalidWordCount);
        }
        let bytes = list.decode(phrase)?;
        Self::try_from(bytes.as_slice()).map_err(|_| Error::InvalidWordCount)
    }

    /// The 13-word English recovery phrase.
    #[must_use]
    pub fn to_mnemonic(&self) -> Zeroizing<String> {
        self.to_mnemonic_in(WordList::english())
    }

    /// The 13-word recovery phrase in another word list.
    #[must_use]
    pub fn to_mnemonic_in(&self, list: &WordList) -> Zeroizing<String> {
        // 16 bytes is a multiple of 4: encoding cannot fail.
        list.encode(&self.0, true).unwrap_or_default()
    }

    /// The 16 secret bytes (what the recovery QR code carries, as hex).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// The 32-byte Ed25519 seed `seed ‖ 0x00×16`.
    #[must_use]
    pub fn ed25519_seed(&self) -> Zeroizing<[u8; 32]> {
        let mut out = Zeroizing::new([0u8; 32]);
        out[..16].copy_from_slice(&self.0);
        out
    }

    /// The account's Ed25519 key pair (and through it the X25519 keys and Account ID).
    #[must_use]
    pub fn keypair(&self) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed(&self.ed25519_seed())
    }
}

impl TryFrom<&[u8]> for Seed {
    type Error = Error;
    fn try_from(bytes: &[u8]) -> Result<Self> {
        <[u8; 16]>::try_from(bytes)
            .map(Self)
            .map_err(|_| Error::InvalidLength)
    }
}

impl ConstantTimeEq for Seed {
    fn ct_eq(&self, other: &Self) -> Choice {
        self.0.ct_eq(&other.0)
    }
}

impl PartialEq for Seed {
    fn eq(&self, other: &Self) -> bool {
        self.ct_eq(other).into()
    }
}

impl Eq for Seed {}

impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Seed").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_round_trip_and_word_count() {
        let seed = Seed::from_bytes(&[0x42; 16]);
        let phrase = seed.to_mnemonic();
        assert_eq!(phrase.split(' ').count(), 13);
        assert_eq!(Seed::from_mnemonic(&phrase).unwrap(), seed);
        let twelve: Vec<&str> = phrase.split(' ').take(12).collect();
        assert_eq!(
            Seed::from_mnemonic(&twelve.join(" ")).err(),
            Some(Error::InvalidWordCount)
        );
        assert_eq!(format!("{seed:?}"), "Seed { .. }");
    }
}
