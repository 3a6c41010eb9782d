//! Property tests over the public API: round trips and "never panics" on arbitrary input.

use proptest::prelude::*;
use rand_core::SeedableRng as _;
use session_identity::blinding;
use session_identity::hash::{Blake2b, blake2b_checked};
use session_identity::{
    AccountId, Ed25519KeyPair, Ed25519PublicKey, Error, IdPrefix, Seed, SessionId, Signature,
    WordList, X25519PublicKey,
};

fn prefix() -> impl Strategy<Value = IdPrefix> {
    proptest::sample::select(IdPrefix::ALL.to_vec())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn recovery_phrase_round_trip(bytes in any::<[u8; 16]>()) {
        let seed = Seed::from_bytes(&bytes);
        let phrase = seed.to_mnemonic();
        prop_assert_eq!(phrase.split(' ').count(), 13);
        prop_assert_eq!(Seed::from_mnemonic(&phrase).unwrap(), seed.clone());
        // Any case and spacing, and only the first three letters, count.
        let sloppy: Vec<String> = phrase
            .split(' ')
            .map(|w| format!("{}xyz", &w[..3]).to_uppercase())
            .collect();
        prop_assert_eq!(Seed::from_mnemonic(&sloppy.join("\t  ")).unwrap(), seed);
    }

    #[test]
    fn mnemonic_round_trip_any_length(words in proptest::collection::vec(any::<u32>(), 1..12),
                                      checksum in any::<bool>()) {
        let data: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        let list = WordList::english();
        let phrase = list.encode(&data, checksum).unwrap();
        prop_assert_eq!(phrase.split(' ').count(), words.len() * 3 + usize::from(checksum));
        let decoded = list.decode(&phrase).unwrap();
        prop_assert_eq!(decoded.as_slice(), data.as_slice());
    }

    #[test]
    fn mnemonic_decode_never_panics(text in "\\PC{0,200}") {
        let _ = WordList::english().decode(&text);
        let _ = Seed::from_mnemonic(&text);
    }

    #[test]
    fn mnemonic_decode_never_panics_on_list_words(idx in proptest::collection::vec(0usize..1626, 0..30)) {
        let list = WordList::english();
        let phrase: Vec<&str> = idx.iter().filter_map(|&i| list.word(i)).collect();
        match list.decode(&phrase.join(" ")) {
            Ok(bytes) => prop_assert_eq!(bytes.len(), idx.len() / 3 * 4),
            Err(e) => prop_assert!(matches!(
                e,
                Error::InvalidWordCount | Error::InvalidValue | Error::ChecksumMismatch
            )),
        }
    }

    #[test]
    fn id_print_parse_round_trip(p in prefix(), key in any::<[u8; 32]>()) {
        let id = SessionId::from_parts(p, &key);
        let text = id.to_string();
        prop_assert_eq!(text.len(), 66);
        prop_assert_eq!(text.to_lowercase(), text.clone());
        prop_assert_eq!(text.parse::<SessionId>().unwrap(), id);
        prop_assert_eq!(format!(" {}\n", text.to_uppercase()).parse::<SessionId>().unwrap(), id);
        prop_assert_eq!(SessionId::from_bytes(&id.to_bytes()).unwrap(), id);
        prop_assert_eq!(id.prefix(), p);
        prop_assert_eq!(id.key_bytes(), &key);
        if p == IdPrefix::Account {
            let a: AccountId = text.parse().unwrap();
            prop_assert_eq!(SessionId::from(a), id);
        } else {
            prop_assert_eq!(text.parse::<AccountId>(), Err(Error::InvalidPrefix));
        }
    }

    #[test]
    fn id_parse_never_panics(text in "\\PC{0,80}") {
        if let Ok(id) = text.parse::<SessionId>() {
            prop_assert_eq!(id.to_string(), text.trim().to_lowercase());
        }
        let _ = text.parse::<AccountId>();
        let _ = blinding::blinded_id_matches_hex(&text, &text, &text);
    }

    #[test]
    fn blake2b_never_panics(size in 0usize..100, key in proptest::collection::vec(any::<u8>(), 0..80),
                            msg in proptest::collection::vec(any::<u8>(), 0..100)) {
        let checked = blake2b_checked(size, &msg, Some(&key));
        prop_assert_eq!(checked.is_ok(), (16..=64).contains(&size) && key.len() <= 64);
        if let Ok(d) = checked {
            prop_assert_eq!(d.len(), size);
            let general = Blake2b::new(size).unwrap().key(&key).unwrap().hash(&msg);
            prop_assert_eq!(d, general);
        }
    }

    #[test]
    fn ed25519_to_x25519_on_arbitrary_bytes(bytes in any::<[u8; 32]>()) {
        let pk = Ed25519PublicKey::from_bytes(&bytes);
        if let Ok(x) = pk.to_x25519() {
            // A valid key converts back to itself up to sign.
            prop_assert_eq!(x.to_ed25519_positive(), pk.to_positive());
        }
        let x = X25519PublicKey::from_bytes(&bytes);
        let _ = x.to_ed25519_positive();
        let _ = blinding::blind15_ids(&x.account_id(), &x);
        let _ = blinding::blind25_id(&x.account_id(), &x);
        let _ = blinding::unblind15(&session_identity::Blinded15Id::from_key_bytes(&bytes), &x);
        let _ = x.xed25519_verify(b"m", &Signature::from_bytes(&[0u8; 64]));
    }
}

proptest! {
    // Key derivation and scalar multiplications: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn keys_are_consistent(seed in any::<[u8; 32]>(), other in any::<[u8; 32]>(),
                           msg in proptest::collection::vec(any::<u8>(), 0..64)) {
        let kp = Ed25519KeyPair::from_seed(&seed);
        prop_assert_eq!(kp.public_key().to_x25519().unwrap(), kp.x25519_public());
        prop_assert_eq!(kp.x25519_secret().public_key(), kp.x25519_public());
        prop_assert_eq!(Ed25519KeyPair::from_secret_bytes(kp.to_libsodium_secret().as_ref()).unwrap(), kp.clone());
        let sig = kp.sign(&msg);
        prop_assert!(kp.public_key().verify(&msg, &sig).is_ok());
        let mut bad = sig.to_bytes();
        bad[7] ^= 1;
        prop_assert!(kp.public_key().verify(&msg, &Signature::from_bytes(&bad)).is_err());

        let peer = Ed25519KeyPair::from_seed(&other);
        let ab = kp.x25519_secret().diffie_hellman(&peer.x25519_public()).unwrap();
        let ba = peer.x25519_secret().diffie_hellman(&kp.x25519_public()).unwrap();
        prop_assert_eq!(*ab, *ba);

        let mut rng = rand_chacha::ChaCha20Rng::from_seed(other);
        let xsig = kp.x25519_secret().xed25519_sign(&msg, &mut rng);
        prop_assert!(kp.x25519_public().xed25519_verify(&msg, &xsig).is_ok());
    }

    #[test]
    fn blinding_is_consistent(seed in any::<[u8; 32]>(), server in any::<[u8; 32]>()) {
        let kp = Ed25519KeyPair::from_seed(&seed);
        let server = X25519PublicKey::from_bytes(&server);
        let id = kp.account_id();
        let b15 = kp.blind15(&server);
        let b25 = kp.blind25(&server);
        let [pos, neg] = blinding::blind15_ids(&id, &server).unwrap();
        let exact = if kp.public_key().is_negative() { neg } else { pos };
        prop_assert_eq!(b15.blinded_id(), exact);
        prop_assert_eq!(blinding::blind25_id(&id, &server).unwrap(), b25.blinded_id());
        prop_assert_eq!(blinding::unblind15(&pos, &server).unwrap(), id);
        prop_assert!(blinding::blinded_id_matches(&id, &b25.blinded_id().into(), &server).unwrap());
        prop_assert!(blinding::blinded_id_matches(&id, &neg.into(), &server).unwrap());
        let sig = b25.sign(b"req");
        prop_assert!(b25.public_key().verify(b"req", &sig).is_ok());
        let sig = b15.sign(b"req");
        prop_assert!(b15.public_key().verify(b"req", &sig).is_ok());
    }
}
