//! Differential: session-protocol's own sealed box (X25519 + HSalsa20 + XSalsa20-Poly1305,
//! inside `encrypt_for_recipient` / `decrypt_incoming`) against the `crypto_box` crate's
//! `seal` / `unseal` (libsodium `crypto_box_seal`), the reference. `mode(1) ‖
//! recipient_seed(32) ‖ bytes`:
//! - mode 0: `bytes` is a ciphertext; whatever ours opens the reference opens to the same inner
//!   plaintext, and whatever the reference cannot open ours refuses;
//! - mode 1: the reference seals `sign_for_recipient(bytes)`; ours must open it to `bytes`;
//! - mode 2: ours encrypts `bytes`; the reference must open it to `sign_for_recipient(bytes)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_protocol::{decrypt_incoming, encrypt_for_recipient, sign_for_recipient};
use session_stack_fuzz::{Cursor, rng};
use std::sync::LazyLock;

static SENDER: LazyLock<Ed25519KeyPair> = LazyLock::new(|| Ed25519KeyPair::from_seed(&[0x5e; 32]));

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let mode = c.byte() % 3;
    let recipient = Ed25519KeyPair::from_seed(&c.array());
    let bytes = c.rest();
    let reference_sk = crypto_box::SecretKey::from(*recipient.x25519_secret().as_bytes());
    let mut rng = rng();
    match mode {
        0 => {
            let reference = reference_sk.unseal(bytes);
            match decrypt_incoming(&recipient, bytes) {
                Ok(m) => {
                    let inner = reference.expect("ours opened what the reference does not");
                    assert!(inner.starts_with(&m.message));
                }
                Err(
                    session_protocol::Error::DecryptionFailed | session_protocol::Error::TooShort,
                ) => {}
                Err(_) => assert!(
                    reference.is_ok(),
                    "ours got past a box the reference refuses"
                ),
            }
        }
        1 => {
            let inner = sign_for_recipient(&SENDER, &recipient.account_id(), bytes);
            let ct = reference_sk
                .public_key()
                .seal(&mut rng, &inner)
                .expect("sealing never fails");
            let m = decrypt_incoming(&recipient, &ct).expect("ours opens the reference's box");
            assert_eq!(m.message, bytes);
            assert_eq!(m.sender, SENDER.account_id());
        }
        _ => {
            let ct = encrypt_for_recipient(&mut rng, &SENDER, &recipient.account_id(), bytes)
                .expect("a valid recipient");
            let inner = reference_sk
                .unseal(&ct)
                .expect("the reference opens our box");
            assert_eq!(
                inner,
                sign_for_recipient(&SENDER, &recipient.account_id(), bytes)
            );
        }
    }
});
