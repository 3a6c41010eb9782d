//! Storage framing (spec §5.2, §5.3): `Envelope` → `WebSocketMessage` → base64 storage `data`,
//! and the reverse with a typed error for every malformed layer.

use base64::Engine as _;
use prost::Message as _;

use crate::error::{Error, Result};
use crate::proto::{
    Envelope, WebSocketMessage, WebSocketRequestMessage, envelope, web_socket_message,
};

/// The verb, path and id of the `WebSocketRequestMessage` around an envelope. Receivers ignore
/// them; they only matter for reproducing a client's exact bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestFraming {
    /// `verb`.
    pub verb: String,
    /// `path`.
    pub path: String,
    /// `requestId`.
    pub request_id: u64,
}

impl RequestFraming {
    /// libsession's framing (`wrap_config`, `encode_for_1o1`): empty verb and path, id 0.
    #[must_use]
    pub fn libsession() -> Self {
        Self {
            verb: String::new(),
            path: String::new(),
            request_id: 0,
        }
    }

    /// The desktop/Android framing: `PUT /api/v1/message` with the given request id (desktop
    /// uses 0, Android a random 64-bit value).
    #[must_use]
    pub fn put(request_id: u64) -> Self {
        Self {
            verb: "PUT".into(),
            path: "/api/v1/message".into(),
            request_id,
        }
    }
}

impl Default for RequestFraming {
    fn default() -> Self {
        Self::libsession()
    }
}

/// Builds the `Envelope` of a 1-to-1 message (type `SESSION_MESSAGE`, `sourceDevice` 1, no
/// `source`), as libsession's `encode_for_1o1` does without Session Pro.
#[must_use]
pub fn session_envelope(timestamp_ms: u64, ciphertext: Vec<u8>) -> Envelope {
    Envelope {
        r#type: envelope::Type::SessionMessage as i32,
        source: None,
        timestamp: timestamp_ms,
        source_device: Some(1),
        content: Some(ciphertext),
        server_timestamp: None,
        pro_sig: None,
    }
}

/// Serializes `envelope` inside a `WebSocketMessage{type: REQUEST, request: {…, body}}`: the
/// bytes that are stored on the swarm (before base64).
#[must_use]
pub fn wrap_envelope(envelope: &Envelope, framing: &RequestFraming) -> Vec<u8> {
    let ws = WebSocketMessage {
        r#type: Some(web_socket_message::Type::Request as i32),
        request: Some(WebSocketRequestMessage {
            verb: Some(framing.verb.clone()),
            path: Some(framing.path.clone()),
            body: Some(envelope.encode_to_vec()),
            request_id: Some(framing.request_id),
            headers: Vec::new(),
        }),
        response: None,
    };
    ws.encode_to_vec()
}

/// The storage-server `data` of stored bytes: standard base64 with padding.
#[must_use]
pub fn to_storage_data(stored: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(stored)
}

/// Decodes a storage-server `data` string (standard base64).
///
/// # Errors
/// [`Error::InvalidBase64`].
pub fn from_storage_data(data: &str) -> Result<Vec<u8>> {
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|_| Error::InvalidBase64)
}

/// A parsed stored message: the WebSocket request fields and the envelope it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    /// `WebSocketMessage.type` (always `REQUEST` = 1 after a successful parse).
    pub websocket_type: i32,
    /// `WebSocketRequestMessage.verb`, if present.
    pub verb: Option<String>,
    /// `WebSocketRequestMessage.path`, if present.
    pub path: Option<String>,
    /// `WebSocketRequestMessage.requestId`, if present.
    pub request_id: Option<u64>,
    /// The envelope from the request body.
    pub envelope: Envelope,
}

/// Parses stored bytes as `WebSocketMessage` → `WebSocketRequestMessage` → `Envelope`
/// (spec §5.3 steps 2–3).
///
/// # Errors
/// [`Error::MalformedProtobuf`] naming the layer that does not decode, [`Error::NotARequest`]
/// when the message type is not `REQUEST`, [`Error::MissingField`] when the request or its body
/// is absent or empty or the envelope has no `content`, [`Error::Malformed`] for an envelope
/// type other than 6 or 7.
pub fn parse_stored_message(stored: &[u8]) -> Result<StoredMessage> {
    let ws = WebSocketMessage::decode(stored)
        .map_err(|_| Error::MalformedProtobuf("WebSocketMessage"))?;
    let websocket_type = ws
        .r#type
        .unwrap_or(web_socket_message::Type::Unknown as i32);
    if websocket_type != web_socket_message::Type::Request as i32 {
        return Err(Error::NotARequest);
    }
    let request = ws.request.ok_or(Error::MissingField("request"))?;
    let body = request
        .body
        .filter(|b| !b.is_empty())
        .ok_or(Error::MissingField("body"))?;
    let envelope =
        Envelope::decode(body.as_slice()).map_err(|_| Error::MalformedProtobuf("Envelope"))?;
    if envelope::Type::try_from(envelope.r#type).is_err() {
        return Err(Error::Malformed("envelope type"));
    }
    if envelope.content.as_ref().is_none_or(Vec::is_empty) {
        return Err(Error::MissingField("content"));
    }
    Ok(StoredMessage {
        websocket_type,
        verb: request.verb,
        path: request.path,
        request_id: request.request_id,
        envelope,
    })
}

/// [`from_storage_data`] then [`parse_stored_message`].
///
/// # Errors
/// As those two.
pub fn unwrap_storage_data(data: &str) -> Result<StoredMessage> {
    parse_stored_message(&from_storage_data(data)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_parse_round_trip() {
        let env = session_envelope(1_700_000_000_000, vec![1, 2, 3]);
        for framing in [RequestFraming::libsession(), RequestFraming::put(u64::MAX)] {
            let stored = wrap_envelope(&env, &framing);
            let data = to_storage_data(&stored);
            let parsed = unwrap_storage_data(&data).unwrap();
            assert_eq!(parsed.envelope, env);
            assert_eq!(parsed.verb.as_deref(), Some(framing.verb.as_str()));
            assert_eq!(parsed.request_id, Some(framing.request_id));
        }
    }

    #[test]
    fn libsession_framing_bytes() {
        // libsession writes the empty verb/path and the zero id explicitly.
        let env = session_envelope(1, vec![0xaa]);
        let stored = wrap_envelope(&env, &RequestFraming::libsession());
        assert!(stored.starts_with(&[0x08, 0x01, 0x12]));
        assert!(stored.windows(4).any(|w| w == [0x0a, 0x00, 0x12, 0x00]));
        assert!(stored.ends_with(&[0x20, 0x00]));
    }

    #[test]
    fn typed_errors() {
        assert_eq!(unwrap_storage_data("!!"), Err(Error::InvalidBase64));
        assert_eq!(
            parse_stored_message(&[0xff]),
            Err(Error::MalformedProtobuf("WebSocketMessage"))
        );
        let resp = WebSocketMessage {
            r#type: Some(2),
            request: None,
            response: None,
        };
        assert_eq!(
            parse_stored_message(&resp.encode_to_vec()),
            Err(Error::NotARequest)
        );
        let noreq = WebSocketMessage {
            r#type: Some(1),
            request: None,
            response: None,
        };
        assert_eq!(
            parse_stored_message(&noreq.encode_to_vec()),
            Err(Error::MissingField("request"))
        );
        let bad_body = WebSocketMessage {
            r#type: Some(1),
            request: Some(WebSocketRequestMessage {
                body: Some(vec![0xff, 0xff]),
                ..Default::default()
            }),
            response: None,
        };
        assert_eq!(
            parse_stored_message(&bad_body.encode_to_vec()),
            Err(Error::MalformedProtobuf("Envelope"))
        );
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_stored_message(&data);
        }
    }
}
