//! Ed25519 -> X25519 public key conversion (libsodium `pk_to_curve25519` rules) on arbitrary
//! 32 bytes, checked against curve25519-dalek's Edwards decompression and Montgomery map: an
//! accepted key must decompress, have prime order, and map to the same u-coordinate.
#![no_main]

use curve25519_dalek::edwards::CompressedEdwardsY;
use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519PublicKey;
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let bytes: [u8; 32] = Cursor::new(data).array();
    let pk = Ed25519PublicKey::from_bytes(&bytes);
    if let Ok(x) = pk.to_x25519() {
        let point = CompressedEdwardsY(bytes)
            .decompress()
            .expect("an accepted key decompresses");
        assert!(
            point.is_torsion_free(),
            "accepted a key outside the prime-order subgroup"
        );
        assert!(!point.is_small_order(), "accepted a small-order key");
        assert_eq!(x.as_bytes(), point.to_montgomery().as_bytes());
    }
    let _ = pk.validate();
});
