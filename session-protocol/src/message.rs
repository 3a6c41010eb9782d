//! The whole pipeline of a stored message (spec §5.2, §5.3, §3.1 "what is encrypted", §2.4
//! transport): `Content` → padding → encryption → `Envelope` → `WebSocketMessage` → base64
//! storage `data`, and back.

use prost::Message as _;
use rand_core::{CryptoRng, RngCore};
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey, GroupId, X25519PublicKey};
use zeroize::Zeroizing;

use crate::blinded::{BlindedId, decrypt_from_blinded_recipient, encrypt_for_blinded_recipient};
use crate::envelope::{
    RequestFraming, from_storage_data, parse_stored_message, session_envelope, to_storage_data,
    wrap_envelope,
};
use crate::error::{Error, Result};
use crate::group::{
    DEFAULT_GROUP_PADDING, GroupKey, SignatureScheme, decrypt_group_message, encrypt_group_message,
};
use crate::padding::{PaddingRule, pad_message, unpad_message};
use crate::proto::{Content, Envelope, envelope};
use crate::session::{decrypt_incoming, encrypt_for_recipient};

/// Options of [`encode_for_recipient`].
#[derive(Debug, Clone, Default)]
pub struct SendOptions {
    /// The padding length rule (libsession's current rule by default).
    pub padding: PaddingRule,
    /// The WebSocket framing (libsession's empty verb and path by default).
    pub framing: RequestFraming,
}

/// A message received and authenticated.
#[derive(Clone, PartialEq)]
pub struct ReceivedMessage {
    /// The decoded `Content`.
    pub content: Content,
    /// The sender's Account ID (authenticated by the signature inside the ciphertext, or by
    /// the group message signature).
    pub sender: AccountId,
    /// The sender's Ed25519 key.
    pub sender_ed25519: Ed25519PublicKey,
    /// `Envelope.timestamp` (ms); bound to the signed `Content.sigTimestamp` when that is set.
    pub timestamp_ms: u64,
}

impl std::fmt::Debug for ReceivedMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReceivedMessage")
            .field("sender", &self.sender)
            .field("timestamp_ms", &self.timestamp_ms)
            .finish_non_exhaustive()
    }
}

/// `Content.sigTimestamp`, when set and non-zero, must equal the envelope timestamp.
fn check_sig_timestamp(content: &Content, envelope_ms: u64) -> Result<()> {
    match content.sig_timestamp {
        Some(t) if t != 0 && t != envelope_ms => Err(Error::TimestampMismatch),
        _ => Ok(()),
    }
}

/// Encodes a 1-to-1 message (or a self-sync copy, addressed to one's own Account ID) for the
/// swarm: sets `Content.sigTimestamp = sent_ms`, pads, encrypts with
/// [`encrypt_for_recipient`], wraps in `Envelope{SESSION_MESSAGE, timestamp = sent_ms}` and a
/// `WebSocketMessage`, and returns the base64 storage `data` (namespace 0).
///
/// # Errors
/// As [`encrypt_for_recipient`].
pub fn encode_for_recipient(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    recipient: &AccountId,
    content: &Content,
    sent_ms: u64,
    options: &SendOptions,
) -> Result<String> {
    let mut content = content.clone();
    content.sig_timestamp = Some(sent_ms);
    let serialized = Zeroizing::new(content.encode_to_vec());
    let padded = Zeroizing::new(pad_message(&serialized, options.padding));
    let ct = encrypt_for_recipient(rng, sender, recipient, &padded)?;
    let stored = wrap_envelope(&session_envelope(sent_ms, ct), &options.framing);
    Ok(to_storage_data(&stored))
}

/// Decodes a 1-to-1 message from its base64 storage `data`: unwraps the framing, decrypts with
/// one's own key, unpads, parses the `Content` and checks its signed timestamp.
///
/// # Errors
/// The framing errors of [`parse_stored_message`]; [`Error::Unexpected`] for an envelope that
/// is not a `SESSION_MESSAGE`; the errors of [`decrypt_incoming`]; [`Error::InvalidPadding`];
/// [`Error::MalformedProtobuf`] for a `Content` that does not decode;
/// [`Error::TimestampMismatch`].
pub fn decode_from_storage(own: &Ed25519KeyPair, data: &str) -> Result<ReceivedMessage> {
    let stored = from_storage_data(data)?;
    let msg = parse_stored_message(&stored)?;
    if msg.envelope.r#type != envelope::Type::SessionMessage as i32 {
        return Err(Error::Unexpected("envelope is not a session message"));
    }
    let ct = msg.envelope.content.unwrap_or_default();
    let incoming = decrypt_incoming(own, &ct)?;
    let plain = Zeroizing::new(incoming.message);
    let content =
        Content::decode(unpad_message(&plain)?).map_err(|_| Error::MalformedProtobuf("Content"))?;
    check_sig_timestamp(&content, msg.envelope.timestamp)?;
    Ok(ReceivedMessage {
        content,
        sender: incoming.sender,
        sender_ed25519: incoming.sender_ed25519,
        timestamp_ms: msg.envelope.timestamp,
    })
}

/// Encodes a groups-v2 message: `Envelope{CLOSED_GROUP_MESSAGE, source = group id,
/// timestamp, sourceDevice 1, content = Content (unpadded)}` encrypted with the group key
/// (current signature rule, 256-byte padding) and returned as base64 storage `data`
/// (namespace 11, no WebSocket framing).
///
/// # Errors
/// As [`encrypt_group_message`].
pub fn encode_for_group(
    rng: &mut (impl CryptoRng + RngCore),
    author: &Ed25519KeyPair,
    group: &GroupId,
    group_key: &GroupKey,
    content: &Content,
    sent_ms: u64,
) -> Result<String> {
    let mut content = content.clone();
    content.sig_timestamp = Some(sent_ms);
    let env = Envelope {
        r#type: envelope::Type::ClosedGroupMessage as i32,
        source: Some(group.to_string()),
        timestamp: sent_ms,
        source_device: Some(1),
        content: Some(content.encode_to_vec()),
        server_timestamp: None,
        pro_sig: None,
    };
    let plain = Zeroizing::new(env.encode_to_vec());
    let ct = encrypt_group_message(
        rng,
        author,
        group_key,
        &group.ed25519_public_key(),
        &plain,
        DEFAULT_GROUP_PADDING,
        SignatureScheme::Current,
    )?;
    Ok(to_storage_data(&ct))
}

/// Decodes a groups-v2 message from its storage `data`, trying each known group key; the
/// sender is the author of the group message.
///
/// # Errors
/// [`Error::InvalidBase64`]; as [`decrypt_group_message`]; [`Error::MalformedProtobuf`] for an
/// `Envelope` or `Content` that does not decode; [`Error::TimestampMismatch`].
pub fn decode_group_message(
    keys: &[GroupKey],
    group: &GroupId,
    data: &str,
    scheme: SignatureScheme,
) -> Result<ReceivedMessage> {
    let ct = from_storage_data(data)?;
    let m = decrypt_group_message(keys, &group.ed25519_public_key(), &ct, scheme)?;
    let env = Envelope::decode(m.plaintext.as_slice())
        .map_err(|_| Error::MalformedProtobuf("Envelope"))?;
    let content = Content::decode(env.content.as_deref().unwrap_or_default())
        .map_err(|_| Error::MalformedProtobuf("Content"))?;
    check_sig_timestamp(&content, env.timestamp)?;
    Ok(ReceivedMessage {
        content,
        sender: m.author,
        sender_ed25519: m.author_ed25519,
        timestamp_ms: env.timestamp,
    })
}

/// Encodes a community inbox message (spec §2.4 transport): pads the `Content` and encrypts
/// it for the blinded recipient; returns the base64 the SOGS inbox API carries.
///
/// # Errors
/// As [`encrypt_for_blinded_recipient`].
pub fn encode_for_community_inbox(
    rng: &mut (impl CryptoRng + RngCore),
    sender: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    recipient: &BlindedId,
    content: &Content,
) -> Result<String> {
    let serialized = Zeroizing::new(content.encode_to_vec());
    let padded = Zeroizing::new(pad_message(&serialized, PaddingRule::default()));
    let ct = encrypt_for_blinded_recipient(rng, sender, server_pk, recipient, &padded)?;
    Ok(to_storage_data(&ct))
}

/// Decodes a community inbox or outbox message (base64 from the SOGS API).
///
/// # Errors
/// [`Error::InvalidBase64`]; as [`decrypt_from_blinded_recipient`]; [`Error::InvalidPadding`];
/// [`Error::MalformedProtobuf`].
pub fn decode_community_inbox(
    own: &Ed25519KeyPair,
    server_pk: &X25519PublicKey,
    sender: &BlindedId,
    recipient: &BlindedId,
    data_b64: &str,
) -> Result<(Content, AccountId)> {
    let data = from_storage_data(data_b64)?;
    let m = decrypt_from_blinded_recipient(own, server_pk, sender, recipient, &data)?;
    let plain = Zeroizing::new(m.message);
    let content =
        Content::decode(unpad_message(&plain)?).map_err(|_| Error::MalformedProtobuf("Content"))?;
    Ok((content, m.sender))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn one_to_one_pipeline() {
        let mut rng = ChaCha20Rng::seed_from_u64(31);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        for padding in [PaddingRule::Libsession, PaddingRule::Legacy] {
            let opts = SendOptions {
                padding,
                framing: RequestFraming::put(42),
            };
            let data = encode_for_recipient(
                &mut rng,
                &alice,
                &bob.account_id(),
                &Content::text("hi", 1_700),
                1_700,
                &opts,
            )
            .unwrap();
            let got = decode_from_storage(&bob, &data).unwrap();
            assert_eq!(got.sender, alice.account_id());
            assert_eq!(got.timestamp_ms, 1_700);
            assert_eq!(got.content.text_body(), Some("hi"));
        }
    }

    #[test]
    fn timestamp_binding() {
        let mut rng = ChaCha20Rng::seed_from_u64(32);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let data = encode_for_recipient(
            &mut rng,
            &alice,
            &bob.account_id(),
            &Content::text("x", 5),
            5,
            &SendOptions::default(),
        )
        .unwrap();
        // Re-wrap the same ciphertext in an envelope with another timestamp.
        let mut msg = parse_stored_message(&from_storage_data(&data).unwrap()).unwrap();
        msg.envelope.timestamp = 6;
        let forged = to_storage_data(&wrap_envelope(&msg.envelope, &RequestFraming::libsession()));
        assert_eq!(
            decode_from_storage(&bob, &forged),
            Err(Error::TimestampMismatch)
        );
    }

    #[test]
    fn group_pipeline() {
        let mut rng = ChaCha20Rng::seed_from_u64(33);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let group_kp = Ed25519KeyPair::generate(&mut rng);
        let group = GroupId::from_ed25519(&group_kp.public_key());
        let key = GroupKey::from_bytes(&[6; 32]);
        let data = encode_for_group(
            &mut rng,
            &alice,
            &group,
            &key,
            &Content::text("to all", 9),
            9,
        )
        .unwrap();
        let got = decode_group_message(&[key], &group, &data, SignatureScheme::Current).unwrap();
        assert_eq!(got.sender, alice.account_id());
        assert_eq!(got.content.text_body(), Some("to all"));
    }

    #[test]
    fn inbox_pipeline() {
        let mut rng = ChaCha20Rng::seed_from_u64(34);
        let server = X25519PublicKey::from_bytes(&[9; 32]);
        let alice = Ed25519KeyPair::generate(&mut rng);
        let bob = Ed25519KeyPair::generate(&mut rng);
        let a: BlindedId = alice.blind25(&server).blinded_id().into();
        let b: BlindedId = bob.blind25(&server).blinded_id().into();
        let data =
            encode_for_community_inbox(&mut rng, &alice, &server, &b, &Content::text("psst", 1))
                .unwrap();
        let (content, sender) = decode_community_inbox(&bob, &server, &a, &b, &data).unwrap();
        assert_eq!(sender, alice.account_id());
        assert_eq!(content.text_body(), Some("psst"));
    }
}
