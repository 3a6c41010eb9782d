//! Symmetric formats: XChaCha20-Poly1305 helpers, config-message encryption (spec §6.4),
//! push-notification payloads (§6.2), the generic `nonce ‖ ciphertext` format (§6.3) and ONS
//! lookup responses (§6.1).

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand_core::{CryptoRng, RngCore};
use session_identity::AccountId;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// XChaCha20-Poly1305 nonce length.
pub const XCHACHA_NONCE_LEN: usize = 24;
/// Poly1305 tag length.
pub const TAG_LEN: usize = 16;

/// BLAKE2b (through `session-identity`'s helper) with an optional key (empty = unkeyed) into a
/// fixed-size array.
pub(crate) fn blake2b_array<const N: usize>(
    key: &[u8],
    parts: &[&[u8]],
) -> Result<Zeroizing<[u8; N]>> {
    let h = session_identity::hash::Blake2b::new(N)?.key(key)?;
    Ok(Zeroizing::new(h.hash_array::<N>(parts)?))
}

/// `XC20P(key, nonce, m)`: ciphertext ‖ tag, no associated data.
pub(crate) fn xc20p_encrypt(key: &[u8; 32], nonce: &[u8; XCHACHA_NONCE_LEN], m: &[u8]) -> Vec<u8> {
    let cipher = XChaCha20Poly1305::new(key.into());
    // Encryption of an in-memory buffer cannot fail (the length limit is 2^38 bytes).
    cipher
        .encrypt(XNonce::from_slice(nonce), m)
        .unwrap_or_default()
}

/// Opens `XC20P(key, nonce, ·)`.
///
/// # Errors
/// [`Error::DecryptionFailed`] when authentication fails.
pub(crate) fn xc20p_decrypt(key: &[u8; 32], nonce: &[u8], ct: &[u8]) -> Result<Vec<u8>> {
    if nonce.len() != XCHACHA_NONCE_LEN {
        return Err(Error::InvalidLength);
    }
    if ct.len() < TAG_LEN {
        return Err(Error::TooShort);
    }
    let cipher = XChaCha20Poly1305::new(key.into());
    cipher
        .decrypt(XNonce::from_slice(nonce), ct)
        .map_err(|_| Error::DecryptionFailed)
}

fn key32(key: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let k: [u8; 32] = key.try_into().map_err(|_| Error::InvalidLength)?;
    Ok(Zeroizing::new(k))
}

// ---------------------------------------------------------------------------------------------
// Config messages (§6.4)

/// Encryption overhead of [`encrypt_config`]: tag (16) + nonce (24).
pub const CONFIG_OVERHEAD: usize = TAG_LEN + XCHACHA_NONCE_LEN;
const CONFIG_NONCE_KEY_PREFIX: &[u8] = b"libsessionutil-config-encrypted-";

fn config_domain(domain: &str) -> Result<&[u8]> {
    let d = domain.as_bytes();
    if d.is_empty() || d.len() > 24 {
        return Err(Error::InvalidParameter);
    }
    Ok(d)
}

fn config_key(key_base: &[u8; 32], len: usize, domain: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let len = u64::try_from(len).unwrap_or(u64::MAX).to_be_bytes();
    blake2b_array::<32>(&[], &[key_base, &len, domain])
}

/// Encrypts a config message (libsession `config::encrypt`): key = BLAKE2b-256(key_base ‖
/// u64be(|m|) ‖ domain), nonce = BLAKE2b-192(m; key = "libsessionutil-config-encrypted-" ‖
/// domain); output `XChaCha20-Poly1305(m) ‖ nonce`. Deterministic by design.
///
/// # Errors
/// [`Error::InvalidParameter`] when `domain` is not 1–24 bytes.
pub fn encrypt_config(message: &[u8], key_base: &[u8; 32], domain: &str) -> Result<Vec<u8>> {
    let d = config_domain(domain)?;
    let key = config_key(key_base, message.len(), d)?;
    let nonce_key = [CONFIG_NONCE_KEY_PREFIX, d].concat();
    let nonce = blake2b_array::<XCHACHA_NONCE_LEN>(&nonce_key, &[message])?;
    let mut out = xc20p_encrypt(&key, &nonce, message);
    out.extend_from_slice(&*nonce);
    Ok(out)
}

/// Decrypts an [`encrypt_config`] ciphertext.
///
/// # Errors
/// [`Error::InvalidParameter`] for a bad domain, [`Error::TooShort`] below 40 bytes,
/// [`Error::DecryptionFailed`] when authentication fails.
pub fn decrypt_config(ciphertext: &[u8], key_base: &[u8; 32], domain: &str) -> Result<Vec<u8>> {
    let d = config_domain(domain)?;
    if ciphertext.len() < CONFIG_OVERHEAD {
        return Err(Error::TooShort);
    }
    let (ct, nonce) = ciphertext.split_at(ciphertext.len() - XCHACHA_NONCE_LEN);
    let key = config_key(key_base, ciphertext.len() - CONFIG_OVERHEAD, d)?;
    xc20p_decrypt(&key, nonce, ct)
}

// ---------------------------------------------------------------------------------------------
// Generic nonce ‖ ciphertext (§6.3) and push notifications (§6.2)

/// Encrypts `m` as `nonce(24, random) ‖ XChaCha20-Poly1305(key, nonce, m)` (libsession
/// `encrypt_xchacha20`).
///
/// # Errors
/// [`Error::InvalidLength`] when `key` is not 32 bytes.
pub fn encrypt_xchacha20(
    rng: &mut (impl CryptoRng + RngCore),
    key: &[u8],
    message: &[u8],
) -> Result<Vec<u8>> {
    let key = key32(key)?;
    let mut nonce = [0u8; XCHACHA_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let mut out = nonce.to_vec();
    out.extend_from_slice(&xc20p_encrypt(&key, &nonce, message));
    Ok(out)
}

/// Decrypts `nonce(24) ‖ ciphertext ‖ tag` (libsession `decrypt_xchacha20`); nothing is
/// stripped.
///
/// # Errors
/// [`Error::InvalidLength`] for a key that is not 32 bytes, [`Error::TooShort`] below 40 bytes,
/// [`Error::DecryptionFailed`] when authentication fails.
pub fn decrypt_xchacha20(key: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>> {
    let key = key32(key)?;
    if ciphertext.len() < XCHACHA_NONCE_LEN + TAG_LEN {
        return Err(Error::TooShort);
    }
    let (nonce, ct) = ciphertext.split_at(XCHACHA_NONCE_LEN);
    xc20p_decrypt(&key, nonce, ct)
}

/// Decrypts a push-notification payload `nonce(24) ‖ ciphertext ‖ tag` with the 32-byte device
/// key registered with the push server, then strips **all** trailing zero bytes (libsession
/// `decrypt_push_notification`).
///
/// # Errors
/// As [`decrypt_xchacha20`].
pub fn decrypt_push_notification(payload: &[u8], enc_key: &[u8]) -> Result<Vec<u8>> {
    let mut plain = decrypt_xchacha20(enc_key, payload)?;
    let keep = plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    plain.truncate(keep);
    Ok(plain)
}

// ---------------------------------------------------------------------------------------------
// ONS (§6.1)

/// Length of the value an ONS record decrypts to (an Account ID).
const ONS_VALUE_LEN: usize = 33;

/// Argon2id parameters of legacy (pre-HF16) ONS records: libsodium's MODERATE limits
/// (opslimit 3, memlimit 256 MiB), one lane.
const ONS_ARGON2_M_KIB: u32 = 256 * 1024;
const ONS_ARGON2_T: u32 = 3;

/// Decrypts an ONS lookup response to the Account ID it holds.
///
/// `name` must already be lower-case. With a `nonce` (current records): key =
/// BLAKE2b-256(name; key = BLAKE2b-256(name)), XChaCha20-Poly1305. Without (legacy records):
/// key = Argon2id(name, salt = 16 zero bytes, t = 3, m = 256 MiB), XSalsa20-Poly1305 with a zero
/// nonce. The legacy form allocates 256 MiB and takes about a second.
///
/// # Errors
/// [`Error::InvalidLength`] for a nonce that is not 24 bytes or a value that is not 33 bytes,
/// an identity `invalid_prefix` error for a value that is not a `05` id,
/// [`Error::TooShort`] for a ciphertext under 16 bytes, [`Error::DecryptionFailed`] when
/// authentication fails.
pub fn decrypt_ons_response(
    name: &str,
    ciphertext: &[u8],
    nonce: Option<&[u8]>,
) -> Result<AccountId> {
    if ciphertext.len() < TAG_LEN {
        return Err(Error::TooShort);
    }
    let value = match nonce {
        Some(nonce) => {
            if nonce.len() != XCHACHA_NONCE_LEN {
                return Err(Error::InvalidLength);
            }
            let name_hash = blake2b_array::<32>(&[], &[name.as_bytes()])?;
            let key = blake2b_array::<32>(&*name_hash, &[name.as_bytes()])?;
            Zeroizing::new(xc20p_decrypt(&key, nonce, ciphertext)?)
        }
        None => {
            let params = argon2::Params::new(ONS_ARGON2_M_KIB, ONS_ARGON2_T, 1, Some(32))
                .map_err(|_| Error::InvalidParameter)?;
            let argon = argon2::Argon2::new(
                argon2::Algorithm::Argon2id,
                argon2::Version::V0x13,
                params.clone(),
            );
            let mut key = Zeroizing::new([0u8; 32]);
            let blocks = vec![argon2::Block::default(); params.block_count()];
            argon
                .hash_password_into_with_memory(name.as_bytes(), &[0u8; 16], &mut *key, blocks)
                .map_err(|_| Error::InvalidParameter)?;
            // crypto_secretbox_open_easy with a zero nonce: MAC ‖ ciphertext.
            crate::secretbox::SecretBox::new(&key)
                .open_easy(&[0u8; 24], ciphertext)
                .map_err(|_| Error::DecryptionFailed)?
        }
    };
    let bytes =
        <[u8; ONS_VALUE_LEN]>::try_from(value.as_slice()).map_err(|_| Error::InvalidLength)?;
    Ok(AccountId::from_bytes(&bytes)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn xchacha_round_trip_and_tamper() {
        let mut rng = ChaCha20Rng::seed_from_u64(1);
        let key = [7u8; 32];
        let ct = encrypt_xchacha20(&mut rng, &key, b"hello").unwrap();
        assert_eq!(decrypt_xchacha20(&key, &ct).unwrap(), b"hello");
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 1;
            assert_eq!(decrypt_xchacha20(&key, &bad), Err(Error::DecryptionFailed));
        }
        assert_eq!(decrypt_xchacha20(&key, &ct[..39]), Err(Error::TooShort));
        assert_eq!(
            decrypt_xchacha20(&key[..31], &ct),
            Err(Error::InvalidLength)
        );
    }

    #[test]
    fn push_strips_zeros() {
        let mut rng = ChaCha20Rng::seed_from_u64(2);
        let key = [9u8; 32];
        let ct = encrypt_xchacha20(&mut rng, &key, b"abc\0\0\0").unwrap();
        assert_eq!(decrypt_push_notification(&ct, &key).unwrap(), b"abc");
    }

    #[test]
    fn config_round_trip() {
        let kb = [3u8; 32];
        let ct = encrypt_config(b"some message", &kb, "dom").unwrap();
        assert_eq!(ct.len(), 12 + CONFIG_OVERHEAD);
        assert_eq!(decrypt_config(&ct, &kb, "dom").unwrap(), b"some message");
        assert_eq!(
            decrypt_config(&ct, &kb, "dom2"),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(encrypt_config(b"x", &kb, ""), Err(Error::InvalidParameter));
        assert_eq!(
            encrypt_config(b"x", &kb, &"d".repeat(25)),
            Err(Error::InvalidParameter)
        );
    }

    proptest::proptest! {
        #[test]
        fn decryptors_never_panic(
            data in proptest::collection::vec(proptest::num::u8::ANY, 0..200),
            key in proptest::collection::vec(proptest::num::u8::ANY, 30..34),
        ) {
            let _ = decrypt_xchacha20(&key, &data);
            let _ = decrypt_push_notification(&data, &key);
            let _ = decrypt_config(&data, &[1; 32], "d");
            let _ = decrypt_ons_response("name", &data, Some(&key[..key.len().min(24)]));
        }
    }
}
