//! 1-to-1 decryption (`decrypt_incoming`: sealed box open, sender key + signature check) of
//! arbitrary bytes, for the recipient key the protocol vectors use (so their ciphertexts seed
//! the corpus).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_stack_fuzz::VECTOR_RECIPIENT_SEED;
use std::sync::LazyLock;

static RECIPIENT: LazyLock<Ed25519KeyPair> =
    LazyLock::new(|| Ed25519KeyPair::from_seed(&VECTOR_RECIPIENT_SEED));

fuzz_target!(|data: &[u8]| {
    let _ = session_protocol::decrypt_incoming(&RECIPIENT, data);
});
