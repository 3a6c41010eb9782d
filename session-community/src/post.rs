//! Post bodies and their signatures (community.md §3.3).
//!
//! A post's `data` is the Session `Content` protobuf padded as for 1-to-1 messages
//! (protocol.md §4); its `signature` signs exactly those raw bytes with the poster's 15-blinded
//! key. The server never checks it, so a receiver must: [`verify_post_signature`] and
//! [`RoomMessage::verify`](crate::api::RoomMessage::verify).

use rand_core::{CryptoRng, RngCore};
use session_identity::{
    Blind15KeyPair, Blind15Nonce, Ed25519KeyPair, Ed25519PublicKey, SessionId, Signature,
};
use session_protocol::prost::Message as _;
use session_protocol::proto::Content;
use session_protocol::{PaddingRule, pad_message, unpad_message};

use crate::error::{Error, Result};

/// The `data` bytes of a post: the serialized `Content`, padded (`0x80`, zeros) with
/// libsession's rule, as current clients send it.
#[must_use]
pub fn encode_post_data(content: &Content) -> Vec<u8> {
    pad_message(&content.encode_to_vec(), PaddingRule::default())
}

/// Decodes a post's `data`: removes the padding (any of the clients' rules) and parses the
/// `Content`.
///
/// # Errors
/// [`Error::Content`] with [`session_protocol::Error::InvalidPadding`] or
/// `MalformedProtobuf`.
pub fn decode_post_data(data: &[u8]) -> Result<Content> {
    let unpadded = unpad_message(data)?;
    Content::decode(unpadded)
        .map_err(|_| Error::Content(session_protocol::Error::MalformedProtobuf("Content")))
}

/// Signs a post's `data` with the 15-blinded key (`blind15_sign`; the signature verifies as
/// plain Ed25519 under the 15 key of the poster's `session_id`).
#[must_use]
pub fn sign_post_data(key: &Blind15KeyPair, data: &[u8], nonce: Blind15Nonce) -> Signature {
    key.sign_with(data, nonce)
}

/// Signs a post's `data` for a server without blinding, where the poster is named by the
/// `05` Account ID: an XEd25519 signature by the X25519 key (sign bit 0), which the
/// session-desktop rule of [`verify_post_signature`] accepts.
#[must_use]
pub fn sign_post_data_unblinded(
    rng: &mut (impl CryptoRng + RngCore),
    keypair: &Ed25519KeyPair,
    data: &[u8],
) -> Signature {
    keypair.x25519_secret().xed25519_sign(data, rng)
}

/// Checks a post's `signature` against its `session_id` and raw `data` (community.md §3.3):
///
/// * `15` or `25` id: strict Ed25519 verification under the 32 key bytes as given;
/// * `05` id (unblinded author): session-desktop's rule — the Ed25519 key is the positive
///   point of the X25519 key with bit 255 taken from bit 255 of the signature, which is then
///   cleared before verifying (XEd25519 signatures, whose bit is 0, pass too).
///
/// # Errors
/// [`Error::InvalidPrefix`] for any other id; [`Error::SignatureInvalid`] when it does not
/// verify.
///
/// ```
/// use session_community::post::{sign_post_data, verify_post_signature};
/// use session_identity::{Blind15Nonce, Ed25519KeyPair, X25519PublicKey};
/// let kp = Ed25519KeyPair::from_seed(&[1; 32]).blind15(&X25519PublicKey::from_bytes(&[2; 32]));
/// let sig = sign_post_data(&kp, b"data", Blind15Nonce::Seed32);
/// verify_post_signature(&kp.blinded_id().into(), b"data", &sig)?;
/// assert!(verify_post_signature(&kp.blinded_id().into(), b"other", &sig).is_err());
/// # Ok::<(), session_community::Error>(())
/// ```
pub fn verify_post_signature(
    session_id: &SessionId,
    data: &[u8],
    signature: &Signature,
) -> Result<()> {
    let ok = match session_id {
        SessionId::Blinded15Id(id) => id.ed25519_public_key().verify(data, signature),
        SessionId::Blinded25Id(id) => id.ed25519_public_key().verify(data, signature),
        SessionId::AccountId(id) => {
            let mut sig = signature.to_bytes();
            let mut ed = id.x25519_public_key().to_ed25519_positive().to_bytes();
            let sign = sig[63] & 0x80;
            ed[31] = (ed[31] & 0x7f) | sign;
            sig[63] &= 0x7f;
            Ed25519PublicKey::from_bytes(&ed).verify(data, &Signature::from_bytes(&sig))
        }
        _ => return Err(Error::InvalidPrefix),
    };
    ok.map_err(|_| Error::SignatureInvalid)
}

/// [`verify_post_signature`] on text and byte input as a message carries them: `session_id`
/// 66 hex digits, `signature` 64 bytes.
///
/// # Errors
/// [`Error::InvalidLength`] for an id that is not 66 hex digits or a signature that is not 64
/// bytes; [`Error::InvalidPrefix`]; [`Error::SignatureInvalid`].
pub fn verify_post_signature_raw(session_id: &str, data: &[u8], signature: &[u8]) -> Result<()> {
    let id: SessionId = session_id.parse().map_err(|e| match e {
        session_identity::Error::InvalidPrefix => Error::InvalidPrefix,
        _ => Error::InvalidLength,
    })?;
    let sig = Signature::try_from(signature).map_err(|_| Error::InvalidLength)?;
    verify_post_signature(&id, data, &sig)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    use session_identity::X25519PublicKey;

    #[test]
    fn data_round_trip_is_padded() {
        let c = Content::text("hello", 1);
        let d = encode_post_data(&c);
        assert_eq!(d.len() % 160, 0);
        assert_eq!(decode_post_data(&d).unwrap(), c);
        assert!(decode_post_data(&[0, 0]).is_err());
    }

    #[test]
    fn unblinded_authors() {
        let seed = 0x5eed_u64;
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        for _ in 0..8 {
            let kp = Ed25519KeyPair::generate(&mut rng);
            let sig = sign_post_data_unblinded(&mut rng, &kp, b"post");
            let id: SessionId = kp.account_id().into();
            assert!(
                verify_post_signature(&id, b"post", &sig).is_ok(),
                "seed {seed}"
            );
            assert_eq!(
                verify_post_signature(&id, b"posT", &sig),
                Err(Error::SignatureInvalid)
            );
            // Plain Ed25519 by the real key with the sign bit in S (session-desktop).
            let mut desk = kp.sign(b"post").to_bytes();
            desk[63] |= kp.public_key().as_bytes()[31] & 0x80;
            let desk = Signature::from_bytes(&desk);
            assert!(verify_post_signature(&id, b"post", &desk).is_ok());
        }
        let server = X25519PublicKey::from_bytes(&[8; 32]);
        let kp = Ed25519KeyPair::from_seed(&[1; 32]);
        let sig = sign_post_data(&kp.blind15(&server), b"x", Blind15Nonce::Seed32);
        assert_eq!(
            verify_post_signature(&kp.public_key().into_unblinded(), b"x", &sig),
            Err(Error::InvalidPrefix)
        );
    }

    trait Unblinded {
        fn into_unblinded(self) -> SessionId;
    }
    impl Unblinded for Ed25519PublicKey {
        fn into_unblinded(self) -> SessionId {
            session_identity::UnblindedId::from_ed25519(&self).into()
        }
    }
}
