//! Legacy attachment decryption (AES-256-CBC + HMAC-SHA256, PKCS#7 padding, digest and size):
//! `flags(1) ‖ key(64) ‖ digest(32) ‖ size(2) ‖ blob`; the flags say whether the digest and
//! the size are passed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::decrypt_attachment;
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let flags = c.byte();
    let key: [u8; 64] = c.array();
    let digest: [u8; 32] = c.array();
    let size = usize::from(c.u16());
    let _ = decrypt_attachment(
        c.rest(),
        &key,
        (flags & 1 != 0).then_some(&digest[..]),
        (flags & 2 != 0).then_some(size),
    );
});
