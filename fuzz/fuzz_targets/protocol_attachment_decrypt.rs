//! Legacy attachment decryption (AES-256-CBC + HMAC-SHA256, PKCS#7 padding, digest and size):
//! `flags(1) ‖ key(64) ‖ digest(32) ‖ size(2) ‖ blob`; the flags say whether the digest and
//! the size are passed, and whether the harness makes the MAC (flag 4) and the digest (flag 8)
//! right, so that CBC decryption, PKCS#7 and the size cut are reached with any ciphertext.
#![no_main]

use hmac::{Hmac, Mac as _};
use libfuzzer_sys::fuzz_target;
use session_protocol::decrypt_attachment;
use session_stack_fuzz::Cursor;
use sha2::{Digest as _, Sha256};

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let flags = c.byte();
    let key: [u8; 64] = c.array();
    let mut digest: [u8; 32] = c.array();
    let size = usize::from(c.u16());
    let mut blob = c.rest().to_vec();
    if flags & 4 != 0 && blob.len() >= 32 {
        let split = blob.len() - 32;
        let mut mac = Hmac::<Sha256>::new_from_slice(&key[32..]).expect("any key length");
        mac.update(&blob[..split]);
        blob[split..].copy_from_slice(&mac.finalize().into_bytes());
    }
    if flags & 8 != 0 {
        digest = Sha256::digest(&blob).into();
    }
    let result = decrypt_attachment(
        &blob,
        &key,
        (flags & 1 != 0).then_some(&digest[..]),
        (flags & 2 != 0).then_some(size),
    );
    // With the MAC made right, only the length, the CBC padding or the digest can fail.
    if let (Ok(plain), Some(size)) = (&result, (flags & 2 != 0).then_some(size)) {
        assert!(plain.len() <= size, "the size cut returned more than size");
    }
});
