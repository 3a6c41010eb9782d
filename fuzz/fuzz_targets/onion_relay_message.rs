//! Node-to-node onion messages as a node handles them: `IncomingLayer::decode_relay_message`
//! (bencoded dict) of arbitrary bytes, then `NodeKeys::peel` of the decoded layer with a fixed
//! node key. An accepted message re-encodes to one that decodes to the same layer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_onion::{IncomingLayer, NodeKeys, X25519SecretKey};
use std::sync::LazyLock;

static NODE: LazyLock<NodeKeys> =
    LazyLock::new(|| NodeKeys::new(X25519SecretKey::from_bytes(&[0x21; 32])));

fuzz_target!(|data: &[u8]| {
    if let Ok(layer) = IncomingLayer::decode_relay_message(data) {
        let again = IncomingLayer::decode_relay_message(&layer.encode_relay_message())
            .expect("re-encoded message decodes");
        assert_eq!(again.blob(), layer.blob());
        assert_eq!(again.ephemeral_key(), layer.ephemeral_key());
        assert_eq!(again.enc_type(), layer.enc_type());
        assert_eq!(again.hop_no(), layer.hop_no());
        let _ = NODE.peel(&layer);
    }
});
