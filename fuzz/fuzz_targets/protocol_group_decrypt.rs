//! Group message decryption (`decrypt_group_message`). The first byte picks the mode and the
//! signature scheme:
//! - mode 0: `group_key(32) ‖ group_pk(32) ‖ ciphertext` as received (vector-seeded);
//! - mode 1: the rest is the *plaintext* of a message, encrypted here under a fixed group
//!   key, so the bencode dict parsing after decryption is fuzzed;
//! - mode 2: the rest is the `"z"` (zstd) payload of a message signed and encrypted here, so
//!   the decompression after the signature check is fuzzed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use session_protocol::{GroupKey, SignatureScheme, decrypt_group_message, encrypt_xchacha20};
use session_stack_fuzz::{Cursor, rng};
use std::sync::LazyLock;

const KEY: [u8; 32] = [0x42; 32];
static AUTHOR: LazyLock<Ed25519KeyPair> = LazyLock::new(|| Ed25519KeyPair::from_seed(&[7; 32]));
static GROUP: LazyLock<Ed25519KeyPair> = LazyLock::new(|| Ed25519KeyPair::from_seed(&[3; 32]));

fn put(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let head = c.byte();
    let scheme = if head & 0x80 == 0 {
        SignatureScheme::Current
    } else {
        SignatureScheme::Legacy
    };
    let group_pk = GROUP.public_key();
    match head & 0x7f {
        0 => {
            let key = GroupKey::from_bytes(&c.array());
            let pk = Ed25519PublicKey::from_bytes(&c.array());
            let _ = decrypt_group_message(&[key], &pk, c.rest(), scheme);
        }
        1 => {
            let ct = encrypt_xchacha20(&mut rng(), &KEY, c.rest()).expect("32-byte key");
            let _ = decrypt_group_message(&[GroupKey::from_bytes(&KEY)], &group_pk, &ct, scheme);
        }
        _ => {
            let z = c.rest();
            let mut signed = z.to_vec();
            if scheme == SignatureScheme::Current {
                signed.extend_from_slice(group_pk.as_bytes());
            }
            let sig = AUTHOR.sign(&signed);
            let mut dict = b"d0:i1e1:a".to_vec();
            put(&mut dict, AUTHOR.public_key().as_bytes());
            dict.extend_from_slice(b"1:s");
            put(&mut dict, sig.as_bytes());
            dict.extend_from_slice(b"1:z");
            put(&mut dict, z);
            dict.push(b'e');
            let ct = encrypt_xchacha20(&mut rng(), &KEY, &dict).expect("32-byte key");
            let _ = decrypt_group_message(&[GroupKey::from_bytes(&KEY)], &group_pk, &ct, scheme);
        }
    }
});
