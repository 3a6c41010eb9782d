//! Multi-recipient encryption (spec §3.3, libsession `multi_encrypt`): one message (or one per
//! recipient) encrypted to many X25519 keys under one shared nonce, and the bencoded "simple"
//! container `{"#": nonce, "e": [entries…, junk…]}`.

use rand_core::{CryptoRng, RngCore};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey, X25519PublicKey, X25519SecretKey};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::symmetric::{XCHACHA_NONCE_LEN, blake2b_array, xc20p_decrypt, xc20p_encrypt};
use session_bencode::{self as bencode, Value};

/// BLAKE2b accepts keys of at most 64 bytes; longer domains are truncated (as libsession does).
const MAX_DOMAIN_KEY: usize = 64;

/// The messages of a multi-recipient encryption: one for everybody, or one per recipient.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum MultiMessages<'a> {
    /// The same message for every recipient.
    Same(&'a [u8]),
    /// `messages[i]` for `recipients[i]` (the lengths must match).
    PerRecipient(&'a [&'a [u8]]),
}

impl std::fmt::Debug for MultiMessages<'_> {
    /// Lengths only: the messages are plaintext.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MultiMessages::Same(m) => write!(f, "Same({} bytes)", m.len()),
            MultiMessages::PerRecipient(ms) => write!(f, "PerRecipient({} messages)", ms.len()),
        }
    }
}

impl<'a> MultiMessages<'a> {
    fn get(&self, i: usize) -> Option<&'a [u8]> {
        match self {
            MultiMessages::Same(m) => Some(m),
            MultiMessages::PerRecipient(ms) => ms.get(i).copied(),
        }
    }
    fn first_len(&self) -> usize {
        self.get(0).map_or(0, <[u8]>::len)
    }
}

/// The per-recipient key `BLAKE2b-256(X25519(a, B) ‖ S ‖ R; key = domain)`: `S` the sender's
/// and `R` the recipient's X25519 public key, whichever side computes it.
fn entry_key(
    own_sk: &X25519SecretKey,
    other: &X25519PublicKey,
    sender_pk: &X25519PublicKey,
    recipient_pk: &X25519PublicKey,
    domain: &[u8],
) -> Result<Zeroizing<[u8; 32]>> {
    let shared = own_sk
        .diffie_hellman(other)
        .map_err(|_| Error::InvalidPoint)?;
    let key = domain
        .get(..domain.len().min(MAX_DOMAIN_KEY))
        .unwrap_or_default();
    blake2b_array::<32>(
        key,
        &[&*shared, sender_pk.as_bytes(), recipient_pk.as_bytes()],
    )
}

/// Encrypts for several recipients (libsession `encrypt_for_multiple`): entry `i` is
/// `XChaCha20-Poly1305(key_i, nonce, message_i)` (`|m| + 16` bytes, no nonce).
///
/// With `skip_invalid`, a recipient whose X25519 result is all zero is left out (no entry);
/// otherwise it is an error.
///
/// # Errors
/// [`Error::InvalidLength`] when per-recipient messages do not match the recipients,
/// [`Error::InvalidPoint`] for an invalid recipient key unless `skip_invalid`.
pub fn encrypt_for_multiple(
    sender_sk: &X25519SecretKey,
    sender_pk: &X25519PublicKey,
    recipients: &[X25519PublicKey],
    messages: MultiMessages<'_>,
    domain: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
    skip_invalid: bool,
) -> Result<Vec<Vec<u8>>> {
    if let MultiMessages::PerRecipient(ms) = messages {
        if ms.len() != recipients.len() {
            return Err(Error::InvalidLength);
        }
    }
    let mut out = Vec::with_capacity(recipients.len());
    for (i, r) in recipients.iter().enumerate() {
        let key = match entry_key(sender_sk, r, sender_pk, r, domain) {
            Ok(k) => k,
            Err(_) if skip_invalid => continue,
            Err(e) => return Err(e),
        };
        let m = messages.get(i).ok_or(Error::InvalidLength)?;
        out.push(xc20p_encrypt(&key, nonce, m));
    }
    Ok(out)
}

/// Decrypts the first of `entries` that opens with this recipient's key (libsession
/// `decrypt_for_multiple`).
///
/// # Errors
/// [`Error::DecryptionFailed`] when none does (or the sender key is invalid).
pub fn decrypt_for_multiple<'e>(
    entries: impl IntoIterator<Item = &'e [u8]>,
    recipient_sk: &X25519SecretKey,
    recipient_pk: &X25519PublicKey,
    sender_pk: &X25519PublicKey,
    domain: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<u8>> {
    let key = entry_key(recipient_sk, sender_pk, sender_pk, recipient_pk, domain)
        .map_err(|_| Error::DecryptionFailed)?;
    entries
        .into_iter()
        .find_map(|e| xc20p_decrypt(&key, nonce, e).ok())
        .ok_or(Error::DecryptionFailed)
}

/// Builds the bencoded container `{"#": nonce, "e": [entries…, junk…]}`.
fn simple_container(
    nonce: &[u8; XCHACHA_NONCE_LEN],
    entries: &[Vec<u8>],
    junk: &[&[u8]],
) -> Vec<u8> {
    let mut out = Vec::new();
    out.push(b'd');
    bencode::put_bytes(&mut out, b"#");
    bencode::put_bytes(&mut out, nonce);
    bencode::put_bytes(&mut out, b"e");
    out.push(b'l');
    for e in entries {
        bencode::put_bytes(&mut out, e);
    }
    for j in junk {
        bencode::put_bytes(&mut out, j);
    }
    out.push(b'e');
    out.push(b'e');
    out
}

/// How many junk entries bring `count` up to a multiple of `pad` (none when `pad <= 1`).
fn junk_count(count: usize, pad: usize) -> usize {
    if pad <= 1 {
        0
    } else {
        (pad - count % pad) % pad
    }
}

/// Encrypts for several recipients into the bencoded "simple" container (libsession
/// `encrypt_for_multiple_simple`), with a random nonce; with `pad > 1`, random junk entries of
/// `|messages[0]|` bytes are appended until the entry count is a multiple of `pad`.
///
/// # Errors
/// As [`encrypt_for_multiple`] (invalid recipients are errors).
#[allow(clippy::too_many_arguments)]
pub fn encrypt_for_multiple_simple(
    rng: &mut (impl CryptoRng + RngCore),
    sender_sk: &X25519SecretKey,
    sender_pk: &X25519PublicKey,
    recipients: &[X25519PublicKey],
    messages: MultiMessages<'_>,
    domain: &[u8],
    pad: usize,
) -> Result<Vec<u8>> {
    let mut nonce = [0u8; XCHACHA_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    let entries = encrypt_for_multiple(
        sender_sk, sender_pk, recipients, messages, domain, &nonce, false,
    )?;
    let n_junk = junk_count(entries.len(), pad);
    let mut junk = vec![vec![0u8; messages.first_len()]; n_junk];
    for j in &mut junk {
        rng.fill_bytes(j);
    }
    let junk: Vec<&[u8]> = junk.iter().map(Vec::as_slice).collect();
    Ok(simple_container(&nonce, &entries, &junk))
}

/// [`encrypt_for_multiple_simple`] with the nonce and the junk entries given (deterministic
/// core for test vectors). Only as many junk entries as the padding needs are used.
///
/// # Errors
/// As [`encrypt_for_multiple`]; [`Error::InvalidLength`] when too few junk entries are given.
#[cfg(feature = "testing")]
#[allow(clippy::too_many_arguments)]
pub fn encrypt_for_multiple_simple_with_for_testing(
    sender_sk: &X25519SecretKey,
    sender_pk: &X25519PublicKey,
    recipients: &[X25519PublicKey],
    messages: MultiMessages<'_>,
    domain: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
    pad: usize,
    junk: &[&[u8]],
) -> Result<Vec<u8>> {
    let entries = encrypt_for_multiple(
        sender_sk, sender_pk, recipients, messages, domain, nonce, false,
    )?;
    let junk = junk
        .get(..junk_count(entries.len(), pad))
        .ok_or(Error::InvalidLength)?;
    Ok(simple_container(nonce, &entries, junk))
}

/// Opens a "simple" container as one of its recipients (libsession
/// `decrypt_for_multiple_simple`).
///
/// # Errors
/// [`Error::Malformed`] when the container is not `{"#": 24 bytes, "e": [bytes…]}`,
/// [`Error::DecryptionFailed`] when no entry opens.
pub fn decrypt_for_multiple_simple(
    encoded: &[u8],
    recipient_sk: &X25519SecretKey,
    recipient_pk: &X25519PublicKey,
    sender_pk: &X25519PublicKey,
    domain: &[u8],
) -> Result<Vec<u8>> {
    const WHAT: &str = "multi-recipient container";
    let v = bencode::decode(encoded).map_err(|_| Error::Malformed(WHAT))?;
    let nonce: &[u8; XCHACHA_NONCE_LEN] = v
        .get(b"#")
        .and_then(Value::as_bytes)
        .and_then(|n| n.try_into().ok())
        .ok_or(Error::Malformed(WHAT))?;
    let list = v
        .get(b"e")
        .and_then(Value::as_list)
        .ok_or(Error::Malformed(WHAT))?;
    let entries: Vec<&[u8]> = list
        .iter()
        .map(|e| e.as_bytes().ok_or(Error::Malformed(WHAT)))
        .collect::<Result<_>>()?;
    decrypt_for_multiple(
        entries,
        recipient_sk,
        recipient_pk,
        sender_pk,
        domain,
        nonce,
    )
}

/// [`encrypt_for_multiple_simple`] with Ed25519 identities: the sender's X25519 key pair is
/// derived from its Ed25519 key pair and the recipients' keys are converted to X25519.
///
/// # Errors
/// [`Error::InvalidPoint`] for a recipient key that does not convert; as
/// [`encrypt_for_multiple`].
pub fn encrypt_for_multiple_simple_ed25519(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    recipients: &[Ed25519PublicKey],
    messages: MultiMessages<'_>,
    domain: &[u8],
    pad: usize,
) -> Result<Vec<u8>> {
    let xs = recipients
        .iter()
        .map(|r| r.to_x25519().map_err(|_| Error::InvalidPoint))
        .collect::<Result<Vec<_>>>()?;
    let sender_pk = sender.x25519_secret().public_key();
    encrypt_for_multiple_simple(
        rng,
        sender.x25519_secret(),
        &sender_pk,
        &xs,
        messages,
        domain,
        pad,
    )
}

/// [`decrypt_for_multiple_simple`] with Ed25519 identities.
///
/// # Errors
/// As [`decrypt_for_multiple_simple`]; [`Error::DecryptionFailed`] also for a sender key that
/// does not convert.
pub fn decrypt_for_multiple_simple_ed25519(
    encoded: &[u8],
    recipient: &Ed25519KeyPair,
    sender: &Ed25519PublicKey,
    domain: &[u8],
) -> Result<Vec<u8>> {
    let sender_x = sender.to_x25519().map_err(|_| Error::DecryptionFailed)?;
    let own_pk = recipient.x25519_secret().public_key();
    decrypt_for_multiple_simple(
        encoded,
        recipient.x25519_secret(),
        &own_pk,
        &sender_x,
        domain,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn simple_round_trip_with_padding() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let sender = Ed25519KeyPair::generate(&mut rng);
        let rs: Vec<Ed25519KeyPair> = (0..3).map(|_| Ed25519KeyPair::generate(&mut rng)).collect();
        let pks: Vec<Ed25519PublicKey> = rs.iter().map(Ed25519KeyPair::public_key).collect();
        let enc = encrypt_for_multiple_simple_ed25519(
            &mut rng,
            &sender,
            &pks,
            MultiMessages::Same(b"hello"),
            b"dom",
            4,
        )
        .unwrap();
        let v = bencode::decode(&enc).unwrap();
        assert_eq!(
            v.get(b"e").and_then(Value::as_list).map(<[Value<'_>]>::len),
            Some(4)
        );
        for r in &rs {
            let got =
                decrypt_for_multiple_simple_ed25519(&enc, r, &sender.public_key(), b"dom").unwrap();
            assert_eq!(got, b"hello");
        }
        let outsider = Ed25519KeyPair::generate(&mut rng);
        assert_eq!(
            decrypt_for_multiple_simple_ed25519(&enc, &outsider, &sender.public_key(), b"dom"),
            Err(Error::DecryptionFailed)
        );
        assert_eq!(
            decrypt_for_multiple_simple_ed25519(&enc, &rs[0], &sender.public_key(), b"other"),
            Err(Error::DecryptionFailed)
        );
    }

    #[test]
    fn per_recipient_length_mismatch() {
        let sk = X25519SecretKey::from_bytes(&[1; 32]);
        let pk = sk.public_key();
        let msgs: [&[u8]; 1] = [b"a"];
        let r = encrypt_for_multiple(
            &sk,
            &pk,
            &[pk, pk],
            MultiMessages::PerRecipient(&msgs),
            b"",
            &[0; 24],
            false,
        );
        assert_eq!(r, Err(Error::InvalidLength));
    }

    #[test]
    fn skip_invalid_recipient() {
        let sk = X25519SecretKey::from_bytes(&[1; 32]);
        let pk = sk.public_key();
        let zero = X25519PublicKey::from_bytes(&[0; 32]);
        let r = encrypt_for_multiple(
            &sk,
            &pk,
            &[zero, pk],
            MultiMessages::Same(b"x"),
            b"",
            &[0; 24],
            true,
        )
        .unwrap();
        assert_eq!(r.len(), 1);
        let e = encrypt_for_multiple(
            &sk,
            &pk,
            &[zero],
            MultiMessages::Same(b"x"),
            b"",
            &[0; 24],
            false,
        );
        assert_eq!(e, Err(Error::InvalidPoint));
    }

    proptest::proptest! {
        #[test]
        fn simple_decrypt_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            let sk = X25519SecretKey::from_bytes(&[1; 32]);
            let pk = sk.public_key();
            let _ = decrypt_for_multiple_simple(&data, &sk, &pk, &pk, b"d");
        }
    }
}
