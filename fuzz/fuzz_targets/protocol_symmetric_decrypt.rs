//! The symmetric decryptors of outside data, key and ciphertext from the input (first byte
//! picks): ONS lookup results (current form, with a nonce; the legacy form is Argon2id with
//! 256 MiB per call and is left out), push notifications, bare XChaCha20, config messages
//! (`len(1) domain ‖ key_base(32) ‖ ciphertext`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::{
    decrypt_config, decrypt_ons_response, decrypt_push_notification, decrypt_xchacha20,
};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    match c.byte() % 4 {
        0 => {
            let name = c.short_field();
            let nonce = c.take(24);
            if let Ok(name) = std::str::from_utf8(name) {
                let _ = decrypt_ons_response(name, c.rest(), Some(nonce));
            }
        }
        1 => {
            let key = c.take(32);
            let _ = decrypt_push_notification(c.rest(), key);
        }
        2 => {
            let key = c.take(32);
            let _ = decrypt_xchacha20(key, c.rest());
        }
        _ => {
            let domain = c.short_field();
            let key_base: [u8; 32] = c.array();
            if let Ok(domain) = std::str::from_utf8(domain) {
                let _ = decrypt_config(c.rest(), &key_base, domain);
            }
        }
    }
});
