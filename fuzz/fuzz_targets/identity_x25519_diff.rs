//! Differential: session-identity's X25519 — the fast path on the Edwards form for points on
//! the curve (`diffie_hellman`, `diffie_hellman_prime_order`) and the public key from a secret —
//! against x25519-dalek's Montgomery ladder, the reference, on arbitrary 32-byte secrets and
//! points (non-canonical, small-order, mixed-order and twist points included). `diffie_hellman`
//! refuses only the all-zero shared secret, which the reference then returns;
//! `diffie_hellman_prime_order` accepts exactly the keys `AccountId::validate` accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{AccountId, X25519PublicKey, X25519SecretKey};
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
    let valid = AccountId::from_key_bytes(&pk).validate().is_ok();
    match ours.diffie_hellman_prime_order(&X25519PublicKey::from_bytes(&pk)) {
        Ok(shared) => {
            assert!(valid, "prime-order exchange accepted an invalid key");
            assert_eq!(
                &*shared,
                ref_shared.as_bytes(),
                "prime-order shared secret differs"
            );
        }
        Err(_) => assert!(
            !valid || ref_shared.as_bytes() == &[0u8; 32],
            "prime-order exchange refused a valid key"
        ),
    }
});
