//! Multi-recipient decryption with keys from the input:
//! `mode(1) ‖ recipient_sk(32) ‖ recipient_pk(32) ‖ sender_pk(32) ‖ len(1) domain ‖ ...`;
//! mode 0: `nonce(24) ‖ one entry` (`decrypt_for_multiple`), mode 1: the bencoded message
//! (`decrypt_for_multiple_simple`), mode 2: as 1 with Ed25519 keys
//! (`decrypt_for_multiple_simple_ed25519`, the recipient seed from the sk field).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519KeyPair, Ed25519PublicKey, X25519PublicKey, X25519SecretKey};
use session_protocol::multi::decrypt_for_multiple_simple_ed25519;
use session_protocol::{decrypt_for_multiple, decrypt_for_multiple_simple};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let mode = c.byte() % 3;
    let sk_bytes: [u8; 32] = c.array();
    let pk: [u8; 32] = c.array();
    let sender: [u8; 32] = c.array();
    let domain = c.short_field();
    match mode {
        0 => {
            let nonce: [u8; 24] = c.array();
            let _ = decrypt_for_multiple(
                [c.rest()],
                &X25519SecretKey::from_bytes(&sk_bytes),
                &X25519PublicKey::from_bytes(&pk),
                &X25519PublicKey::from_bytes(&sender),
                domain,
                &nonce,
            );
        }
        1 => {
            let _ = decrypt_for_multiple_simple(
                c.rest(),
                &X25519SecretKey::from_bytes(&sk_bytes),
                &X25519PublicKey::from_bytes(&pk),
                &X25519PublicKey::from_bytes(&sender),
                domain,
            );
        }
        _ => {
            let _ = decrypt_for_multiple_simple_ed25519(
                c.rest(),
                &Ed25519KeyPair::from_seed(&sk_bytes),
                &Ed25519PublicKey::from_bytes(&sender),
                domain,
            );
        }
    }
});
