//! The layer primitive ("channel encryption", spec `onion.md` §2): one X25519 exchange, a
//! symmetric key derived from it, and an AEAD with the nonce in front.

use std::fmt;
use std::str::FromStr;

use aes_gcm::aead::{Aead, KeyInit};
use hmac::Mac;
use rand_core::{CryptoRng, RngCore};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use session_identity::{X25519PublicKey, X25519SecretKey};

/// How one onion layer (and the reply to it) is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum EncType {
    /// AES-256-GCM, key = HMAC-SHA256 keyed with `"LOKI"` over the X25519 output; 12-byte IV.
    /// What a receiver assumes when a layer names no `enc_type`.
    #[default]
    AesGcm,
    /// XChaCha20-Poly1305 (IETF), key = BLAKE2b-256(shared ‖ client key ‖ server key); 24-byte
    /// nonce. What libsession-based clients send.
    XChaCha20,
    /// Legacy AES-256-CBC with the raw X25519 output as key and no MAC. Service nodes still
    /// accept it; this crate never builds requests with it.
    AesCbc,
}

impl EncType {
    /// The canonical wire name: `aes-gcm`, `xchacha20` or `aes-cbc`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            EncType::AesGcm => "aes-gcm",
            EncType::XChaCha20 => "xchacha20",
            EncType::AesCbc => "aes-cbc",
        }
    }

    /// Bytes of nonce/IV in front of the ciphertext.
    #[must_use]
    pub fn nonce_len(self) -> usize {
        match self {
            EncType::AesGcm => 12,
            EncType::XChaCha20 => 24,
            EncType::AesCbc => 16,
        }
    }

    /// The smallest valid ciphertext: nonce + tag (AEADs) or IV + one block (CBC).
    #[must_use]
    pub fn min_ciphertext_len(self) -> usize {
        self.nonce_len() + 16
    }
}

impl FromStr for EncType {
    type Err = Error;

    /// Accepts the names service nodes accept: `aes-gcm`/`gcm`, `xchacha20`/
    /// `xchacha20-poly1305`, `aes-cbc`/`cbc`.
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "aes-gcm" | "gcm" => Ok(EncType::AesGcm),
            "xchacha20" | "xchacha20-poly1305" => Ok(EncType::XChaCha20),
            "aes-cbc" | "cbc" => Ok(EncType::AesCbc),
            _ => Err(Error::UnsupportedEncType),
        }
    }
}

impl fmt::Display for EncType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The symmetric key of one onion layer, shared by the layer's creator (the client, using its
/// per-layer ephemeral key) and its recipient (a node or server, using its static key). The
/// same key encrypts the request layer and the reply.
pub struct LayerKey {
    enc_type: EncType,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for LayerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LayerKey")
            .field("enc_type", &self.enc_type)
            .finish_non_exhaustive()
    }
}

impl LayerKey {
    /// A new layer towards `server`: generates a fresh ephemeral X25519 key, derives the layer
    /// key, and drops (zeroizes) the ephemeral secret. Returns the ephemeral public key (to send
    /// as `ephemeral_key`) and the layer key.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when `server` is a degenerate key.
    pub fn new_ephemeral(
        rng: &mut (impl CryptoRng + RngCore),
        enc_type: EncType,
        server: &X25519PublicKey,
    ) -> Result<(X25519PublicKey, Self)> {
        let secret = X25519SecretKey::generate(rng);
        let public = secret.public_key();
        let shared = secret.diffie_hellman(server)?;
        drop(secret);
        Ok((
            public,
            Self::from_shared(enc_type, &shared, &public, server),
        ))
    }

    /// The key as the layer's creator computes it: `client_secret` is the layer's ephemeral
    /// secret, `server` the recipient's static X25519 key.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the exchange gives the all-zero secret.
    pub fn derive_as_client(
        enc_type: EncType,
        client_secret: &X25519SecretKey,
        server: &X25519PublicKey,
    ) -> Result<Self> {
        let shared = client_secret.diffie_hellman(server)?;
        // Only the xchacha20 key derivation reads the client's public key.
        let client = match enc_type {
            EncType::XChaCha20 => client_secret.public_key(),
            EncType::AesGcm | EncType::AesCbc => X25519PublicKey::from_bytes(&[0u8; 32]),
        };
        Ok(Self::from_shared(enc_type, &shared, &client, server))
    }

    /// [`LayerKey::derive_as_client`] with the client's ephemeral public key already at hand
    /// (saves recomputing it for xchacha20). `client_public` must be `client_secret`'s public
    /// key; a wrong one gives a key the recipient does not derive.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the exchange gives the all-zero secret.
    pub fn derive_as_client_with_public(
        enc_type: EncType,
        client_secret: &X25519SecretKey,
        client_public: &X25519PublicKey,
        server: &X25519PublicKey,
    ) -> Result<Self> {
        let shared = client_secret.diffie_hellman(server)?;
        Ok(Self::from_shared(enc_type, &shared, client_public, server))
    }

    /// The key as the layer's recipient computes it: `server_secret` is its static secret,
    /// `client` the layer's ephemeral key (the `ephemeral_key` that came with the layer).
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the exchange gives the all-zero secret.
    pub fn derive_as_server(
        enc_type: EncType,
        server_secret: &X25519SecretKey,
        client: &X25519PublicKey,
    ) -> Result<Self> {
        // Only the xchacha20 key derivation reads the server's public key.
        let server = match enc_type {
            EncType::XChaCha20 => server_secret.public_key(),
            EncType::AesGcm | EncType::AesCbc => X25519PublicKey::from_bytes(&[0u8; 32]),
        };
        Self::derive_as_server_with_public(enc_type, server_secret, &server, client)
    }

    /// [`LayerKey::derive_as_server`] with the server's public key already at hand (what a
    /// node that keeps its key pair does, see [`crate::NodeKeys`]). `server_public` must be
    /// `server_secret`'s public key; a wrong one gives a key the client does not derive.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] when the exchange gives the all-zero secret.
    pub fn derive_as_server_with_public(
        enc_type: EncType,
        server_secret: &X25519SecretKey,
        server: &X25519PublicKey,
        client: &X25519PublicKey,
    ) -> Result<Self> {
        let shared = server_secret.diffie_hellman(client)?;
        Ok(Self::from_shared(enc_type, &shared, client, server))
    }

    pub(crate) fn from_shared(
        enc_type: EncType,
        shared: &[u8; 32],
        client: &X25519PublicKey,
        server: &X25519PublicKey,
    ) -> Self {
        let mut key = Zeroizing::new([0u8; 32]);
        match enc_type {
            EncType::AesGcm => {
                let mut mac = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(b"LOKI")
                    .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
                mac.update(shared);
                key.copy_from_slice(&mac.finalize().into_bytes());
            }
            EncType::XChaCha20 => {
                let mut hash = session_identity::hash::blake2b_256(&[
                    shared,
                    client.as_bytes(),
                    server.as_bytes(),
                ]);
                key.copy_from_slice(&hash);
                zeroize::Zeroize::zeroize(&mut hash);
            }
            EncType::AesCbc => key.copy_from_slice(shared),
        }
        Self { enc_type, key }
    }

    /// The layer's encryption type.
    #[must_use]
    pub fn enc_type(&self) -> EncType {
        self.enc_type
    }

    /// The same key for another encryption type is not derivable from this one; this returns
    /// the raw key bytes for test vectors only.
    #[cfg(feature = "testing")]
    #[must_use]
    pub fn to_bytes_for_testing(&self) -> [u8; 32] {
        *self.key
    }

    /// Encrypts with a fresh random nonce/IV: `nonce ‖ ciphertext ‖ tag` (CBC: `IV ‖ padded
    /// ciphertext`).
    #[must_use]
    pub fn encrypt(&self, rng: &mut (impl CryptoRng + RngCore), plaintext: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; 24];
        let nonce = &mut nonce[..self.enc_type.nonce_len()];
        rng.fill_bytes(nonce);
        self.seal(nonce, plaintext)
            .unwrap_or_else(|_| unreachable!("the nonce has the cipher's length"))
    }

    /// Deterministic core of [`LayerKey::encrypt`] with the nonce given.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] when the nonce is not 12 (aes-gcm), 24 (xchacha20) or 16
    /// (aes-cbc) bytes.
    #[cfg(feature = "testing")]
    pub fn encrypt_with_nonce_for_testing(
        &self,
        nonce: &[u8],
        plaintext: &[u8],
    ) -> Result<Vec<u8>> {
        self.seal(nonce, plaintext)
    }

    pub(crate) fn seal(&self, nonce: &[u8], plaintext: &[u8]) -> Result<Vec<u8>> {
        if nonce.len() != self.enc_type.nonce_len() {
            return Err(Error::InvalidLength);
        }
        let key = &*self.key;
        let body = match self.enc_type {
            EncType::AesGcm => aes_gcm::Aes256Gcm::new(key.into())
                .encrypt(aes_gcm::Nonce::from_slice(nonce), plaintext),
            EncType::XChaCha20 => chacha20poly1305::XChaCha20Poly1305::new(key.into())
                .encrypt(chacha20poly1305::XNonce::from_slice(nonce), plaintext),
            EncType::AesCbc => {
                use cbc::cipher::{BlockEncryptMut, KeyIvInit, block_padding::Pkcs7};
                let enc = cbc::Encryptor::<aes::Aes256>::new(key.into(), nonce.into());
                Ok(enc.encrypt_padded_vec_mut::<Pkcs7>(plaintext))
            }
        }
        // Encryption only fails for plaintexts beyond the AEADs' 2^36-byte limit.
        .map_err(|_| Error::TooLarge)?;
        let mut out = Vec::with_capacity(nonce.len() + body.len());
        out.extend_from_slice(nonce);
        out.extend_from_slice(&body);
        Ok(out)
    }

    /// Decrypts `nonce ‖ ciphertext ‖ tag`.
    ///
    /// # Errors
    /// [`Error::DecryptionFailed`] when the input is shorter than the cipher's minimum (28 bytes
    /// aes-gcm, 40 xchacha20, 32 aes-cbc) or does not authenticate (aes-cbc: bad padding).
    pub fn decrypt(&self, ciphertext: &[u8]) -> Result<Vec<u8>> {
        if ciphertext.len() < self.enc_type.min_ciphertext_len() {
            return Err(Error::DecryptionFailed);
        }
        let (nonce, body) = ciphertext.split_at(self.enc_type.nonce_len());
        let key = &*self.key;
        match self.enc_type {
            EncType::AesGcm => aes_gcm::Aes256Gcm::new(key.into())
                .decrypt(aes_gcm::Nonce::from_slice(nonce), body)
                .map_err(|_| Error::DecryptionFailed),
            EncType::XChaCha20 => chacha20poly1305::XChaCha20Poly1305::new(key.into())
                .decrypt(chacha20poly1305::XNonce::from_slice(nonce), body)
                .map_err(|_| Error::DecryptionFailed),
            EncType::AesCbc => {
                use cbc::cipher::{BlockDecryptMut, KeyIvInit, block_padding::Pkcs7};
                cbc::Decryptor::<aes::Aes256>::new(key.into(), nonce.into())
                    .decrypt_padded_vec_mut::<Pkcs7>(body)
                    .map_err(|_| Error::DecryptionFailed)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sk(b: u8) -> X25519SecretKey {
        X25519SecretKey::from_bytes(&[b; 32])
    }

    #[test]
    fn both_roles_derive_the_same_key_and_round_trip() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
        for t in [EncType::AesGcm, EncType::XChaCha20, EncType::AesCbc] {
            let (c, s) = (sk(1), sk(2));
            let kc = LayerKey::derive_as_client(t, &c, &s.public_key()).unwrap();
            let ks = LayerKey::derive_as_server(t, &s, &c.public_key()).unwrap();
            assert_eq!(*kc.key, *ks.key);
            let ct = kc.encrypt(&mut rng, b"hello");
            assert_eq!(ks.decrypt(&ct).unwrap(), b"hello");
            let back = ks.encrypt(&mut rng, b"reply");
            assert_eq!(kc.decrypt(&back).unwrap(), b"reply");
        }
    }

    #[test]
    fn short_and_tampered_inputs_fail() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(8);
        for t in [EncType::AesGcm, EncType::XChaCha20, EncType::AesCbc] {
            let k = LayerKey::derive_as_client(t, &sk(3), &sk(4).public_key()).unwrap();
            for n in 0..t.min_ciphertext_len() {
                assert!(matches!(
                    k.decrypt(&vec![0u8; n]),
                    Err(Error::DecryptionFailed)
                ));
            }
            let mut ct = k.encrypt(&mut rng, b"x");
            if t != EncType::AesCbc {
                let last = ct.len() - 1;
                ct[last] ^= 1;
                assert!(matches!(k.decrypt(&ct), Err(Error::DecryptionFailed)));
            }
        }
    }

    #[test]
    fn enc_type_names() {
        for (s, t) in [
            ("aes-gcm", EncType::AesGcm),
            ("gcm", EncType::AesGcm),
            ("xchacha20", EncType::XChaCha20),
            ("xchacha20-poly1305", EncType::XChaCha20),
            ("aes-cbc", EncType::AesCbc),
            ("cbc", EncType::AesCbc),
        ] {
            assert_eq!(s.parse::<EncType>().unwrap(), t);
        }
        assert!("AES-GCM".parse::<EncType>().is_err());
        assert_eq!(EncType::default().as_str(), "aes-gcm");
    }

    #[test]
    fn ephemeral_layers_reach_the_server() {
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(9);
        let server = sk(6);
        let (eph, key) =
            LayerKey::new_ephemeral(&mut rng, EncType::XChaCha20, &server.public_key()).unwrap();
        let ct = key.encrypt(&mut rng, b"layer");
        let at_server = LayerKey::derive_as_server(EncType::XChaCha20, &server, &eph).unwrap();
        assert_eq!(at_server.decrypt(&ct).unwrap(), b"layer");
    }

    #[test]
    fn all_zero_exchange_is_rejected() {
        let zero = X25519PublicKey::from_bytes(&[0u8; 32]);
        assert!(matches!(
            LayerKey::derive_as_client(EncType::AesGcm, &sk(5), &zero),
            Err(Error::InvalidPoint)
        ));
    }

    use rand_core::SeedableRng as _;
}
