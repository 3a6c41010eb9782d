//! One hop's decryption: `LayerKey::derive_as_server` + `LayerKey::decrypt` with every input
//! from the fuzzer: `enc_type(1) ‖ server_sk(32) ‖ client_pk(32) ‖ ciphertext`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_onion::{EncType, LayerKey, X25519PublicKey, X25519SecretKey};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let enc = match c.byte() % 3 {
        0 => EncType::AesGcm,
        1 => EncType::XChaCha20,
        _ => EncType::AesCbc,
    };
    let sk = X25519SecretKey::from_bytes(&c.array());
    let client = X25519PublicKey::from_bytes(&c.array());
    if let Ok(key) = LayerKey::derive_as_server(enc, &sk, &client) {
        let _ = key.decrypt(c.rest());
    }
});
