//! Differential: session-identity's X25519 (public key from a secret, Diffie-Hellman) against
//! x25519-dalek's Montgomery ladder, the reference, on arbitrary 32-byte secrets and points
//! (including non-canonical, small-order and twist points). Ours refuses only the all-zero
//! shared secret, which the reference then returns.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{X25519PublicKey, X25519SecretKey};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let sk: [u8; 32] = c.array();
    let pk: [u8; 32] = c.array();

    let ours = X25519SecretKey::from_bytes(&sk);
    let reference = x25519_dalek::StaticSecret::from(sk);

    let ours_pub = ours.public_key();
    let ref_pub = x25519_dalek::PublicKey::from(&reference);
    assert_eq!(
        ours_pub.as_bytes(),
        ref_pub.as_bytes(),
        "public key differs"
    );

    let ref_shared = reference.diffie_hellman(&x25519_dalek::PublicKey::from(pk));
    match ours.diffie_hellman(&X25519PublicKey::from_bytes(&pk)) {
        Ok(shared) => assert_eq!(&*shared, ref_shared.as_bytes(), "shared secret differs"),
        Err(_) => assert_eq!(
            ref_shared.as_bytes(),
            &[0u8; 32],
            "refused a non-zero secret"
        ),
    }
});
