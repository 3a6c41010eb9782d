//! Signature verification on outside bytes: Ed25519 (libsodium strict rules) and XEd25519,
//! with key, signature and message from the input (first byte picks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519PublicKey, Signature, X25519PublicKey};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let which = c.byte();
    let key: [u8; 32] = c.array();
    let sig = Signature::from_bytes(&c.array());
    let msg = c.rest();
    if which & 1 == 0 {
        let _ = Ed25519PublicKey::from_bytes(&key).verify(msg, &sig);
    } else {
        let _ = X25519PublicKey::from_bytes(&key).xed25519_verify(msg, &sig);
    }
});
