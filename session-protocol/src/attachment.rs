//! Legacy attachment encryption (spec §6.5): AES-256-CBC with PKCS#7 padding and an
//! HMAC-SHA256 over `IV ‖ ciphertext`, the format every shipping client reads.
//!
//! Blob layout: `IV(16) ‖ AES-256-CBC(padded data) ‖ HMAC-SHA256(mac_key, IV ‖ C)(32)`, with
//! the 64-byte `AttachmentPointer.key` = `aes_key(32) ‖ mac_key(32)` and
//! `AttachmentPointer.digest` = SHA-256 of the blob. The plaintext is zero-padded first
//! ([`crate::padding::pad_attachment`]) and `AttachmentPointer.size` carries the real length.
//!
//! The newer deterministic scheme (libsession `attachments.cpp`: BLAKE2b-derived key,
//! secretstream chunks, leading padding) is not implemented: its padding-size rule is not pinned
//! down by the spec and no vector covers it.

use aes::Aes256;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
use hmac::{Hmac, Mac};
use rand_core::{CryptoRng, RngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::padding::{pad_attachment, unpad_attachment};

const IV_LEN: usize = 16;
const MAC_LEN: usize = 32;
/// Length of an attachment key (`AttachmentPointer.key`).
pub const ATTACHMENT_KEY_LEN: usize = 64;

/// The result of [`encrypt_attachment`]: the blob to upload and the pointer fields.
#[derive(Clone)]
pub struct EncryptedAttachment {
    /// The blob to upload: `IV ‖ ciphertext ‖ MAC`.
    pub blob: Vec<u8>,
    /// `AttachmentPointer.key`: AES key ‖ MAC key.
    pub key: Zeroizing<[u8; ATTACHMENT_KEY_LEN]>,
    /// `AttachmentPointer.digest`: SHA-256 of `blob`.
    pub digest: [u8; 32],
    /// `AttachmentPointer.size`: the unpadded plaintext length.
    pub size: usize,
}

impl std::fmt::Debug for EncryptedAttachment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EncryptedAttachment")
            .field("blob_len", &self.blob.len())
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

type HmacSha256 = Hmac<Sha256>;

fn mac(mac_key: &[u8], iv_and_ct: &[u8]) -> [u8; MAC_LEN] {
    // HMAC accepts keys of any length.
    let mut m = <HmacSha256 as Mac>::new_from_slice(mac_key).unwrap_or_else(|_| {
        <HmacSha256 as Mac>::new_from_slice(&[]).unwrap_or_else(|_| unreachable!())
    });
    m.update(iv_and_ct);
    m.finalize().into_bytes().into()
}

/// Encrypts an attachment with a random key and IV, zero-padding `data` first.
#[must_use]
pub fn encrypt_attachment(
    rng: &mut (impl CryptoRng + RngCore),
    data: &[u8],
) -> EncryptedAttachment {
    let mut key = Zeroizing::new([0u8; ATTACHMENT_KEY_LEN]);
    rng.fill_bytes(&mut *key);
    let mut iv = [0u8; IV_LEN];
    rng.fill_bytes(&mut iv);
    encrypt_attachment_core(key, &iv, data)
}

/// [`encrypt_attachment`] with the key and IV given (deterministic core for tests).
#[cfg(feature = "testing")]
#[must_use]
pub fn encrypt_attachment_with_for_testing(
    key: &[u8; ATTACHMENT_KEY_LEN],
    iv: &[u8; IV_LEN],
    data: &[u8],
) -> EncryptedAttachment {
    encrypt_attachment_core(Zeroizing::new(*key), iv, data)
}

fn encrypt_attachment_core(
    key: Zeroizing<[u8; ATTACHMENT_KEY_LEN]>,
    iv: &[u8; IV_LEN],
    data: &[u8],
) -> EncryptedAttachment {
    let (aes_key, mac_key) = key.split_at(32);
    let padded = Zeroizing::new(pad_attachment(data));
    let enc = cbc::Encryptor::<Aes256>::new(aes_key.into(), iv.into());
    let ct = enc.encrypt_padded_vec_mut::<Pkcs7>(&padded);
    let mut blob = Vec::with_capacity(IV_LEN + ct.len() + MAC_LEN);
    blob.extend_from_slice(iv);
    blob.extend_from_slice(&ct);
    let tag = mac(mac_key, &blob);
    blob.extend_from_slice(&tag);
    let digest = Sha256::digest(&blob).into();
    EncryptedAttachment {
        blob,
        key,
        digest,
        size: data.len(),
    }
}

/// Decrypts a legacy attachment blob: checks the MAC, then the `digest` when given, decrypts,
/// and keeps the first `size` bytes when given (session-desktop `decryptAttachment` +
/// `getUnpaddedAttachment`).
///
/// # Errors
/// [`Error::InvalidLength`] for a key that is not 64 bytes, [`Error::TooShort`] for a blob
/// under 64 bytes, [`Error::DecryptionFailed`] when the MAC, the digest or the CBC padding is
/// wrong.
pub fn decrypt_attachment(
    blob: &[u8],
    key: &[u8],
    digest: Option<&[u8]>,
    size: Option<usize>,
) -> Result<Vec<u8>> {
    if key.len() != ATTACHMENT_KEY_LEN {
        return Err(Error::InvalidLength);
    }
    if blob.len() < IV_LEN + 16 + MAC_LEN {
        return Err(Error::TooShort);
    }
    let (aes_key, mac_key) = key.split_at(32);
    let (iv_and_ct, their_mac) = blob.split_at(blob.len() - MAC_LEN);
    let ours = mac(mac_key, iv_and_ct);
    if !bool::from(ours.ct_eq(their_mac)) {
        return Err(Error::DecryptionFailed);
    }
    if let Some(d) = digest {
        let ours: [u8; 32] = Sha256::digest(blob).into();
        if !bool::from(ours.as_slice().ct_eq(d)) {
            return Err(Error::DecryptionFailed);
        }
    }
    let (iv, ct) = iv_and_ct.split_at(IV_LEN);
    if ct.len() % 16 != 0 {
        return Err(Error::DecryptionFailed);
    }
    let dec = cbc::Decryptor::<Aes256>::new(aes_key.into(), iv.into());
    let plain = dec
        .decrypt_padded_vec_mut::<Pkcs7>(ct)
        .map_err(|_| Error::DecryptionFailed)?;
    Ok(match size {
        Some(size) => unpad_attachment(&plain, size).to_vec(),
        None => plain,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn round_trip_and_tamper() {
        let mut rng = ChaCha20Rng::seed_from_u64(5);
        let data = b"attachment bytes".repeat(50);
        let enc = encrypt_attachment(&mut rng, &data);
        assert_eq!(enc.size, data.len());
        assert_eq!(
            enc.blob.len(),
            16 + (crate::padding::attachment_padded_size(800) / 16 + 1) * 16 + 32
        );
        let out =
            decrypt_attachment(&enc.blob, &*enc.key, Some(&enc.digest), Some(enc.size)).unwrap();
        assert_eq!(out, data);
        let padded = decrypt_attachment(&enc.blob, &*enc.key, None, None).unwrap();
        assert_eq!(
            padded.len(),
            crate::padding::attachment_padded_size(data.len())
        );
        let mut bad = enc.blob.clone();
        bad[20] ^= 1;
        assert_eq!(
            decrypt_attachment(&bad, &*enc.key, None, None),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            decrypt_attachment(&enc.blob, &*enc.key, Some(&[0u8; 32]), None),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            decrypt_attachment(&enc.blob[..50], &*enc.key, None, None),
            Err(Error::TooShort)
        );
    }

    proptest::proptest! {
        #[test]
        fn decrypt_never_panics(
            blob in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            size in proptest::option::of(0usize..300),
        ) {
            let _ = decrypt_attachment(&blob, &[7u8; 64], None, size);
            let _ = decrypt_attachment(&blob, &[7u8; 63], Some(&[0u8; 32]), size);
        }
    }
}
