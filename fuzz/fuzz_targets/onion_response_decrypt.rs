//! Client side of an onion reply: `PendingResponse::decrypt_response(status, body)` with the
//! status and body from the input: `head(1) ‖ status(2, LE) ‖ client_sk(32) ‖ server_pk(32) ‖
//! body`. `head % 3` picks the destination type (service node, v3 server, v4 server) and
//! `(head >> 2) % 3` the cipher. With bit 0x80 set, `body` is instead a *plaintext* reply that
//! is encrypted here for a fixed destination key (bit 0x40: then base64-encoded), so the
//! parsing after decryption (JSON / v4 bencode / batch results / error classification) is
//! fuzzed.
#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use session_onion::{
    EncType, LayerKey, PendingResponse, ReplyFormat, X25519PublicKey, X25519SecretKey,
};
use session_stack_fuzz::Cursor;

const DEST_SK: [u8; 32] = [0x21; 32];

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let head = c.byte();
    let format = match head % 3 {
        0 => ReplyFormat::ServiceNode,
        1 => ReplyFormat::ServerV3,
        _ => ReplyFormat::ServerV4,
    };
    let enc = match (head >> 2) % 3 {
        0 => EncType::AesGcm,
        1 => EncType::XChaCha20,
        _ => EncType::AesCbc,
    };
    let status = c.u16();
    let client = X25519SecretKey::from_bytes(&c.array());
    let server_pk: [u8; 32] = c.array();
    let body = c.rest();
    if head & 0x80 == 0 {
        let server = X25519PublicKey::from_bytes(&server_pk);
        if let Ok(p) = PendingResponse::from_ephemeral_for_testing(enc, &client, &server, format) {
            let _ = p.decrypt_response(status, body);
        }
    } else {
        let dest = X25519SecretKey::from_bytes(&DEST_SK);
        let Ok(p) =
            PendingResponse::from_ephemeral_for_testing(enc, &client, &dest.public_key(), format)
        else {
            return;
        };
        let key = LayerKey::derive_as_server(enc, &dest, &client.public_key())
            .expect("the pending response derived the same key");
        let nonce = vec![7u8; enc.nonce_len()];
        let mut ct = key
            .encrypt_with_nonce_for_testing(&nonce, body)
            .expect("nonce of the right length");
        if head & 0x40 != 0 {
            ct = base64::engine::general_purpose::STANDARD
                .encode(&ct)
                .into_bytes();
        }
        let _ = p.decrypt_response(200, &ct);
    }
});
