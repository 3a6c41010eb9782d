//! Never-panic properties for every constructor that takes outside bytes of any length
//! (issue 6 §4): secrets, keys, signatures, ids, seeds and the hex helpers. Each either
//! accepts exactly its length or returns an error.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use session_identity::encoding::{hex_array, hex_vec};
use session_identity::{
    AccountId, Blinded15Id, Blinded25Id, Ed25519KeyPair, Ed25519PublicKey, GroupId, Seed,
    SessionId, Signature, UnblindedId, VersionBlindedId, X25519PublicKey, X25519SecretKey,
    seed_from_secret,
};

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn constructors_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..100)) {
        let n = bytes.len();
        let b = bytes.as_slice();
        prop_assert_eq!(Ed25519KeyPair::from_secret_bytes(b).is_ok(), n == 32 || n == 64);
        prop_assert_eq!(seed_from_secret(b).is_ok(), n == 32 || n == 64);
        let _ = X25519SecretKey::from_ed25519_secret(b);
        prop_assert_eq!(X25519SecretKey::try_from(b).is_ok(), n == 32);
        prop_assert_eq!(X25519PublicKey::try_from(b).is_ok(), n == 32);
        prop_assert_eq!(Ed25519PublicKey::try_from(b).is_ok(), n == 32);
        prop_assert_eq!(Signature::try_from(b).is_ok(), n == 64);
        prop_assert_eq!(Seed::try_from(b).is_ok(), n == 16);
        let _ = SessionId::try_from(b);
        let _ = AccountId::try_from(b);
        let _ = GroupId::try_from(b);
        let _ = UnblindedId::try_from(b);
        let _ = VersionBlindedId::try_from(b);
        let _ = Blinded15Id::try_from(b);
        let _ = Blinded25Id::try_from(b);
        if n != 33 {
            prop_assert!(SessionId::try_from(b).is_err());
        }
    }

    #[test]
    fn hex_helpers_never_panic(text in "\\PC{0,80}") {
        let _ = hex_array::<32>(&text);
        let _ = hex_array::<16>(&text);
        if let Ok(v) = hex_vec(&text) {
            prop_assert_eq!(hex::encode(&v), text.to_ascii_lowercase());
        }
    }
}
