//! Blinded (community inbox) decryption with every input from the fuzzer:
//! `seed(32) ‖ server_pk(32) ‖ sender_id(33) ‖ recipient_id(33) ‖ ciphertext`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519KeyPair, X25519PublicKey};
use session_protocol::{BlindedId, decrypt_from_blinded_recipient};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let own = Ed25519KeyPair::from_seed(&c.array());
    let server = X25519PublicKey::from_bytes(&c.array());
    let sender: [u8; 33] = c.array();
    let recipient: [u8; 33] = c.array();
    let (Ok(sender), Ok(recipient)) = (
        BlindedId::try_from(&sender[..]),
        BlindedId::try_from(&recipient[..]),
    ) else {
        return;
    };
    let _ = decrypt_from_blinded_recipient(&own, &server, &sender, &recipient, c.rest());
});
