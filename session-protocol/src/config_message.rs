//! The legacy user-config wrapper (spec §5.6, libsession `wrap_config` / `unwrap_config`):
//! a `SharedConfigMessage` sent to oneself as a deterministic 1-to-1 message.

use prost::Message as _;
use session_identity::Ed25519KeyPair;
use zeroize::Zeroizing;

use crate::envelope::{RequestFraming, parse_stored_message, wrap_envelope};
use crate::error::{Error, Result};
use crate::padding::unpad_message_strict;
use crate::proto::{Content, Envelope, SharedConfigMessage, envelope, shared_config_message::Kind};
use crate::session::{decrypt_incoming, encrypt_deterministic};

/// The `SharedConfigMessage` kind of a legacy user-config namespace (2 → user profile,
/// 3 → contacts, 4 → conversation info, 5 → user groups); `None` for other namespaces.
#[must_use]
pub fn config_kind_for_namespace(namespace: i32) -> Option<Kind> {
    match namespace {
        2 => Some(Kind::UserProfile),
        3 => Some(Kind::Contacts),
        4 => Some(Kind::ConvoInfoVolatile),
        5 => Some(Kind::UserGroups),
        _ => None,
    }
}

/// Wraps a user-config payload as libsession's `wrap_config` does: `Content{sharedConfigMessage}`
/// ‖ `0x80`, deterministically encrypted to one's own Account ID, in
/// `Envelope{type 6, timestamp 1}` inside a `WebSocketMessage` with empty verb and path.
/// Returns the stored bytes (before base64).
///
/// # Errors
/// [`Error::InvalidPoint`] if one's own key is unusable (never for a key pair from a seed).
pub fn wrap_config(own: &Ed25519KeyPair, kind: Kind, seqno: i64, data: &[u8]) -> Result<Vec<u8>> {
    let content = Content {
        shared_config_message: Some(SharedConfigMessage {
            kind: kind as i32,
            seqno,
            data: data.to_vec(),
        }),
        ..Default::default()
    };
    let mut plain = Zeroizing::new(content.encode_to_vec());
    plain.push(0x80);
    let ct = encrypt_deterministic(own, &own.account_id(), &plain)?;
    let env = Envelope {
        r#type: envelope::Type::SessionMessage as i32,
        source: None,
        timestamp: 1,
        source_device: None,
        content: Some(ct),
        server_timestamp: None,
        pro_sig: None,
    };
    Ok(wrap_envelope(&env, &RequestFraming::libsession()))
}

/// Unwraps a legacy user-config stored message addressed to oneself (libsession
/// `unwrap_config`): parses the framing, decrypts with one's own key, requires the sender to be
/// oneself, strictly unpads, and returns the `SharedConfigMessage.data` of the expected kind.
///
/// # Errors
/// The framing errors of [`parse_stored_message`]; the errors of
/// [`decrypt_incoming`]; [`Error::Unexpected`] when the sender is not
/// oneself or the config kind differs; [`Error::InvalidPadding`];
/// [`Error::MalformedProtobuf`] for a `Content` that does not decode;
/// [`Error::MissingField`] without a `sharedConfigMessage`.
pub fn unwrap_config(own: &Ed25519KeyPair, kind: Kind, stored: &[u8]) -> Result<Vec<u8>> {
    let msg = parse_stored_message(stored)?;
    let ct = msg.envelope.content.unwrap_or_default();
    let incoming = decrypt_incoming(own, &ct)?;
    let plain = Zeroizing::new(incoming.message);
    if incoming.sender_ed25519 != own.public_key() {
        return Err(Error::Unexpected("config message not from oneself"));
    }
    let content = unpad_message_strict(&plain)?;
    let content = Content::decode(content).map_err(|_| Error::MalformedProtobuf("Content"))?;
    let shared = content
        .shared_config_message
        .ok_or(Error::MissingField("sharedConfigMessage"))?;
    if shared.kind != kind as i32 {
        return Err(Error::Unexpected("config kind"));
    }
    Ok(shared.data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let own = Ed25519KeyPair::from_seed(&[1; 32]);
        let stored = wrap_config(&own, Kind::Contacts, 7, b"config data").unwrap();
        assert_eq!(
            unwrap_config(&own, Kind::Contacts, &stored).unwrap(),
            b"config data"
        );
        assert_eq!(
            unwrap_config(&own, Kind::UserGroups, &stored),
            Err(Error::Unexpected("config kind"))
        );
        let other = Ed25519KeyPair::from_seed(&[2; 32]);
        assert_eq!(
            unwrap_config(&other, Kind::Contacts, &stored),
            Err(Error::DecryptionFailed)
        );
    }
}
