//! session-config's stored-payload decoder (spec config.md §6.2): unwrap, decrypt, strip
//! padding, refuse multipart, decompress. Arbitrary payloads must never panic; the first byte
//! picks the config kind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_config::{ConfigKind, decode_payload};
use session_identity::Ed25519KeyPair;

fuzz_target!(|data: &[u8]| {
    let Some((&first, payload)) = data.split_first() else {
        return;
    };
    let kind = ConfigKind::ALL[usize::from(first) % ConfigKind::ALL.len()];
    let own = Ed25519KeyPair::from_seed(&[1; 32]);
    let _ = decode_payload(kind, payload, &[own.seed(), &[2; 32]], Some(&own));
});
