//! Node side of an onion request: `NodeKeys::peel_frame` (frame parse, `ephemeral_key` /
//! `enc_type` JSON, ECDH, KDF, decrypt, inner routing) of arbitrary bytes, with the node key
//! from the input: `node_x25519_sk(32) ‖ frame` (the vectors' layers seed the corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_onion::{NodeKeys, X25519SecretKey};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let keys = NodeKeys::new(X25519SecretKey::from_bytes(&c.array()));
    let _ = keys.peel_frame(c.rest());
});
