//! BLAKE2b with every parameter (identity.md §5), on `blake2b_simd`.
//!
//! [`Blake2b`] is the general builder (digest size 1..=64, key ≤ 64 bytes, 16-byte salt and
//! personalisation); [`blake2b_checked`] is libsession's public hash function (digest size
//! 16..=64, key ≤ 64 bytes, no salt or personalisation); [`blake2b_256`] and [`blake2b_512`] are
//! the common unkeyed shapes, over the concatenation of several parts.

use crate::{Error, Result};

/// A BLAKE2b parameter set: digest size, optional key, salt and personalisation.
///
/// ```
/// use session_identity::hash::Blake2b;
/// let digest = Blake2b::new(32)?.key(b"SessionProRandom")?.hash(b"message");
/// assert_eq!(digest.len(), 32);
/// # Ok::<(), session_identity::Error>(())
/// ```
#[derive(Clone)]
pub struct Blake2b {
    params: blake2b_simd::Params,
    digest_size: usize,
}

impl core::fmt::Debug for Blake2b {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The key may be secret: show the digest size only.
        f.debug_struct("Blake2b")
            .field("digest_size", &self.digest_size)
            .finish_non_exhaustive()
    }
}

impl Blake2b {
    /// Smallest digest size BLAKE2b allows.
    pub const MIN_DIGEST: usize = 1;
    /// Largest digest size (and largest key) BLAKE2b allows.
    pub const MAX_DIGEST: usize = 64;

    /// Unkeyed BLAKE2b with a `digest_size`-byte output.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] unless `1 <= digest_size <= 64`.
    pub fn new(digest_size: usize) -> Result<Self> {
        if !(Self::MIN_DIGEST..=Self::MAX_DIGEST).contains(&digest_size) {
            return Err(Error::InvalidParameter);
        }
        let mut params = blake2b_simd::Params::new();
        params.hash_length(digest_size);
        Ok(Self {
            params,
            digest_size,
        })
    }

    /// Sets the MAC key (an empty key means unkeyed, as in libsodium).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the key is longer than 64 bytes.
    pub fn key(mut self, key: &[u8]) -> Result<Self> {
        if key.len() > blake2b_simd::KEYBYTES {
            return Err(Error::InvalidParameter);
        }
        self.params.key(key);
        Ok(self)
    }

    /// Sets the salt (at most 16 bytes; shorter values are zero-padded, as in libsodium's
    /// fixed 16-byte parameter block).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the salt is longer than 16 bytes.
    pub fn salt(mut self, salt: &[u8]) -> Result<Self> {
        if salt.len() > blake2b_simd::SALTBYTES {
            return Err(Error::InvalidParameter);
        }
        self.params.salt(salt);
        Ok(self)
    }

    /// Sets the personalisation (at most 16 bytes, zero-padded).
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if the personalisation is longer than 16 bytes.
    pub fn personal(mut self, personal: &[u8]) -> Result<Self> {
        if personal.len() > blake2b_simd::PERSONALBYTES {
            return Err(Error::InvalidParameter);
        }
        self.params.personal(personal);
        Ok(self)
    }

    /// The configured digest size in bytes.
    #[must_use]
    pub fn digest_size(&self) -> usize {
        self.digest_size
    }

    /// Hashes `message`.
    #[must_use]
    pub fn hash(&self, message: &[u8]) -> Vec<u8> {
        self.hash_parts(&[message])
    }

    /// Hashes the concatenation of `parts`.
    #[must_use]
    pub fn hash_parts(&self, parts: &[&[u8]]) -> Vec<u8> {
        self.state(parts).finalize().as_bytes().to_vec()
    }

    /// Hashes the concatenation of `parts` into a fixed-size array.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] if `N` is not the configured digest size.
    pub fn hash_array<const N: usize>(&self, parts: &[&[u8]]) -> Result<[u8; N]> {
        if N != self.digest_size {
            return Err(Error::InvalidParameter);
        }
        let hash = self.state(parts).finalize();
        <[u8; N]>::try_from(hash.as_bytes()).map_err(|_| Error::InvalidParameter)
    }

    fn state(&self, parts: &[&[u8]]) -> blake2b_simd::State {
        let mut state = self.params.to_state();
        for part in parts {
            state.update(part);
        }
        state
    }
}

/// libsession's public hash function (`session::hash::hash`): BLAKE2b with a digest size of
/// 16..=64 bytes and an optional key of at most 64 bytes (empty = unkeyed).
///
/// # Errors
/// [`Error::InvalidParameter`] for a digest size outside 16..=64 or a key over 64 bytes.
pub fn blake2b_checked(digest_size: usize, message: &[u8], key: Option<&[u8]>) -> Result<Vec<u8>> {
    if !(16..=64).contains(&digest_size) {
        return Err(Error::InvalidParameter);
    }
    let mut b = Blake2b::new(digest_size)?;
    if let Some(key) = key {
        b = b.key(key)?;
    }
    Ok(b.hash(message))
}

/// Unkeyed BLAKE2b-256 of the concatenation of `parts`.
#[must_use]
pub fn blake2b_256(parts: &[&[u8]]) -> [u8; 32] {
    fixed::<32>(None, parts)
}

/// Unkeyed BLAKE2b-512 of the concatenation of `parts`.
#[must_use]
pub fn blake2b_512(parts: &[&[u8]]) -> [u8; 64] {
    fixed::<64>(None, parts)
}

/// Keyed BLAKE2b-256 (`key` ≤ 64 bytes) of the concatenation of `parts`.
///
/// # Errors
/// [`Error::InvalidParameter`] if the key is longer than 64 bytes.
pub fn blake2b_256_keyed(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 32]> {
    if key.len() > blake2b_simd::KEYBYTES {
        return Err(Error::InvalidParameter);
    }
    Ok(fixed::<32>(Some(key), parts))
}

/// Keyed BLAKE2b-512 (`key` ≤ 64 bytes) of the concatenation of `parts`.
///
/// # Errors
/// [`Error::InvalidParameter`] if the key is longer than 64 bytes.
pub fn blake2b_512_keyed(key: &[u8], parts: &[&[u8]]) -> Result<[u8; 64]> {
    if key.len() > blake2b_simd::KEYBYTES {
        return Err(Error::InvalidParameter);
    }
    Ok(fixed::<64>(Some(key), parts))
}

/// BLAKE2b with an `N`-byte digest (1..=64, checked at compile time), an optional key of at most
/// 64 bytes (callers check), over the concatenation of `parts`.
pub(crate) fn fixed<const N: usize>(key: Option<&[u8]>, parts: &[&[u8]]) -> [u8; N] {
    const { assert!(N >= 1 && N <= 64) };
    let mut params = blake2b_simd::Params::new();
    params.hash_length(N);
    if let Some(key) = key {
        params.key(key);
    }
    let mut state = params.to_state();
    for part in parts {
        state.update(part);
    }
    let hash = state.finalize();
    let mut out = [0u8; N];
    out.copy_from_slice(hash.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libsession_limits() {
        assert_eq!(
            blake2b_checked(15, b"x", None),
            Err(Error::InvalidParameter)
        );
        assert_eq!(
            blake2b_checked(65, b"x", None),
            Err(Error::InvalidParameter)
        );
        assert_eq!(
            blake2b_checked(32, b"x", Some(&[0u8; 65])),
            Err(Error::InvalidParameter)
        );
        assert_eq!(
            blake2b_checked(16, b"x", Some(&[0u8; 64])).map(|d| d.len()),
            Ok(16)
        );
        assert!(Blake2b::new(0).is_err());
        assert!(Blake2b::new(65).is_err());
        assert!(Blake2b::new(1).is_ok());
    }

    #[test]
    fn empty_key_is_unkeyed() {
        let a = blake2b_checked(32, b"TestMessage", Some(&[])).unwrap();
        let b = blake2b_checked(32, b"TestMessage", None).unwrap();
        assert_eq!(a, b);
        assert_eq!(
            hex::encode(a),
            "2a48a12262e4548afb97fe2b04a912a02297d451169ee7ef2d01a28ea20286ab"
        );
    }

    #[test]
    fn parts_equal_concatenation() {
        assert_eq!(blake2b_256(&[b"ab", b"c"]), blake2b_256(&[b"abc"]));
        assert_eq!(
            blake2b_512(&[b"", b"abc"]).to_vec(),
            Blake2b::new(64).unwrap().hash(b"abc")
        );
        let k = blake2b_256_keyed(b"key", &[b"abc"]).unwrap();
        assert_eq!(
            k.to_vec(),
            Blake2b::new(32).unwrap().key(b"key").unwrap().hash(b"abc")
        );
        assert!(Blake2b::new(32).unwrap().hash_array::<16>(&[b"x"]).is_err());
    }
}
