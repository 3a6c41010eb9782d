//! Round-trip properties of the public API (issue 6 §4): everything that is encrypted, wrapped
//! or padded here comes back unchanged, and the receive pipelines never panic on arbitrary
//! bytes. The never-panic properties of the single decryptors live beside them in `src/`.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore as _, SeedableRng};
use session_identity::{AccountId, Ed25519KeyPair, GroupId, X25519PublicKey, X25519SecretKey};
use session_protocol::group::KeyReader;
use session_protocol::padding::{pad_attachment, unpad_attachment};
use session_protocol::{
    BlindedId, GroupKey, MultiMessages, RequestFraming, SignatureScheme, config_kind_for_namespace,
    decode_community_inbox, decode_from_storage, decode_group_message, decrypt_attachment,
    decrypt_config, decrypt_for_multiple_simple, decrypt_from_blinded_recipient,
    decrypt_group_message, decrypt_push_notification, decrypt_xchacha20, encrypt_attachment,
    encrypt_config, encrypt_for_blinded_recipient, encrypt_for_multiple_simple,
    encrypt_group_message, encrypt_xchacha20, group_rekey, parse_stored_message,
    read_group_key_message, session_envelope, to_storage_data, unwrap_config, unwrap_storage_data,
    wrap_envelope,
};

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn kp(rng: &mut ChaCha20Rng) -> Ed25519KeyPair {
    Ed25519KeyPair::generate(rng)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn blinded_round_trip(seed in any::<u64>(), msg in bytes(300), b25 in any::<bool>()) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (alice, bob) = (kp(&mut rng), kp(&mut rng));
        let mut server = [0u8; 32];
        rng.fill_bytes(&mut server);
        let server = X25519SecretKey::from_bytes(&server).public_key();
        let (a, b): (BlindedId, BlindedId) = if b25 {
            (alice.blind25(&server).blinded_id().into(), bob.blind25(&server).blinded_id().into())
        } else {
            (alice.blind15(&server).blinded_id().into(), bob.blind15(&server).blinded_id().into())
        };
        let ct = encrypt_for_blinded_recipient(&mut rng, &alice, &server, &b, &msg).unwrap();
        for reader in [&bob, &alice] {
            let got = decrypt_from_blinded_recipient(reader, &server, &a, &b, &ct).unwrap();
            prop_assert_eq!(&got.message, &msg);
            prop_assert_eq!(got.sender, alice.account_id());
        }
    }

    #[test]
    fn group_message_round_trip(
        seed in any::<u64>(),
        msg in bytes(600),
        padding in 0usize..300,
        legacy in any::<bool>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (author, group) = (kp(&mut rng), kp(&mut rng));
        let mut key = [0u8; 32];
        rng.fill_bytes(&mut key);
        let key = GroupKey::from_bytes(&key);
        let scheme = if legacy { SignatureScheme::Legacy } else { SignatureScheme::Current };
        if msg.is_empty() {
            // Receivers refuse an empty "d" (spec §3.1), so the sender refuses it too.
            prop_assert!(encrypt_group_message(
                &mut rng, &author, &key, &group.public_key(), &msg, padding, scheme,
            ).is_err());
            return Ok(());
        }
        let ct = encrypt_group_message(
            &mut rng, &author, &key, &group.public_key(), &msg, padding, scheme,
        ).unwrap();
        if padding > 1 {
            prop_assert_eq!(ct.len() % padding, 0);
        }
        let other = GroupKey::from_bytes(&[0xee; 32]);
        let got = decrypt_group_message(&[other, key], &group.public_key(), &ct, scheme).unwrap();
        prop_assert_eq!(&got.plaintext, &msg);
        prop_assert_eq!(got.author, author.account_id());
        prop_assert_eq!(got.author_ed25519, author.public_key());
    }

    #[test]
    fn multi_simple_round_trip(
        seed in any::<u64>(),
        n in 1usize..5,
        msg in bytes(200),
        domain in "[a-z ]{1,20}",
        pad in 0usize..8,
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let sender = X25519SecretKey::generate(&mut rng);
        let recipients: Vec<X25519SecretKey> =
            (0..n).map(|_| X25519SecretKey::generate(&mut rng)).collect();
        let pks: Vec<X25519PublicKey> = recipients.iter().map(X25519SecretKey::public_key).collect();
        let encoded = encrypt_for_multiple_simple(
            &mut rng, &sender, &sender.public_key(), &pks, MultiMessages::Same(&msg),
            domain.as_bytes(), pad,
        ).unwrap();
        for (sk, pk) in recipients.iter().zip(&pks) {
            let got = decrypt_for_multiple_simple(
                &encoded, sk, pk, &sender.public_key(), domain.as_bytes(),
            ).unwrap();
            prop_assert_eq!(&got, &msg);
        }
        let outsider = X25519SecretKey::generate(&mut rng);
        prop_assert!(decrypt_for_multiple_simple(
            &encoded, &outsider, &outsider.public_key(), &sender.public_key(), domain.as_bytes(),
        ).is_err());
    }

    #[test]
    fn symmetric_round_trips(
        seed in any::<u64>(),
        msg in bytes(400),
        key in any::<[u8; 32]>(),
        domain in prop_oneof![
            Just("UserProfile"), Just("Contacts"), Just("ConvoInfoVolatile"), Just("UserGroups"),
        ],
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let ct = encrypt_xchacha20(&mut rng, &key, &msg).unwrap();
        prop_assert_eq!(decrypt_xchacha20(&key, &ct).unwrap(), msg.clone());
        // Push payloads are zero-padded: the decryptor strips trailing zeros.
        let mut trimmed = msg.clone();
        while trimmed.last() == Some(&0) {
            trimmed.pop();
        }
        prop_assert_eq!(decrypt_push_notification(&ct, &key).unwrap(), trimmed);
        let ct = encrypt_config(&msg, &key, domain).unwrap();
        prop_assert_eq!(decrypt_config(&ct, &key, domain).unwrap(), msg);
    }

    #[test]
    fn attachment_round_trip(seed in any::<u64>(), data in bytes(3000)) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let enc = encrypt_attachment(&mut rng, &data);
        let got = decrypt_attachment(&enc.blob, &*enc.key, Some(&enc.digest), Some(enc.size))
            .unwrap();
        prop_assert_eq!(got, data.clone());
        let padded = pad_attachment(&data);
        prop_assert!(padded.len() >= data.len());
        prop_assert_eq!(unpad_attachment(&padded, data.len()), &data[..]);
    }

    #[test]
    fn envelope_and_storage_data_round_trip(
        ts in any::<u64>(),
        // Non-empty: an envelope without content is refused (next assertion).
        ct in proptest::collection::vec(any::<u8>(), 1..300),
        request_id in any::<u64>(),
        verb in "[A-Z]{0,6}",
        path in "[a-z/]{0,20}",
    ) {
        let env = session_envelope(ts, ct.clone());
        let framing = RequestFraming { verb, path, request_id };
        let stored = wrap_envelope(&env, &framing);
        let parsed = parse_stored_message(&stored).unwrap();
        prop_assert_eq!(&parsed.envelope, &env);
        let again = unwrap_storage_data(&to_storage_data(&stored)).unwrap();
        prop_assert_eq!(again.envelope.content, Some(ct));
        prop_assert_eq!(again.envelope.timestamp, ts);
        let empty = wrap_envelope(&session_envelope(ts, Vec::new()), &framing);
        prop_assert_eq!(
            parse_stored_message(&empty).err(),
            Some(session_protocol::Error::MissingField("content"))
        );
    }

    #[test]
    fn receive_pipelines_never_panic(data in bytes(400), text in ".{0,200}") {
        let own = Ed25519KeyPair::from_seed(&[1; 32]);
        let group = Ed25519KeyPair::from_seed(&[2; 32]);
        let gid = GroupId::from_ed25519(&group.public_key());
        let server = X25519PublicKey::from_bytes(&[9; 32]);
        let blinded: BlindedId = own.blind15(&server).blinded_id().into();
        let keys = [GroupKey::from_bytes(&[3; 32])];
        let b64 = to_storage_data(&data);
        for s in [text.as_str(), b64.as_str()] {
            let _ = decode_from_storage(&own, s);
            let _ = decode_group_message(&keys, &gid, s, SignatureScheme::Current);
            let _ = decode_community_inbox(&own, &server, &blinded, &blinded, s);
            let _ = unwrap_storage_data(s);
        }
        for ns in [2, 3, 4, 5] {
            let _ = unwrap_config(&own, config_kind_for_namespace(ns).unwrap(), &data);
        }
        let _ = read_group_key_message(&data, &group.public_key(), KeyReader::Member(&own));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(8))]

    #[test]
    fn group_rekey_read_back(seed in any::<u64>(), n in 0usize..4, generation in 0u64..1000) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut group_seed = [0u8; 32];
        rng.fill_bytes(&mut group_seed);
        let group = Ed25519KeyPair::from_seed(&group_seed);
        let members: Vec<Ed25519KeyPair> = (0..n).map(|_| kp(&mut rng)).collect();
        let ids: Vec<AccountId> = members.iter().map(Ed25519KeyPair::account_id).collect();
        let rekey = group_rekey(&group_seed, &ids, generation).unwrap();
        let admin = read_group_key_message(
            &rekey.key_message, &group.public_key(), KeyReader::Admin(&group_seed),
        ).unwrap();
        prop_assert_eq!(admin.generation, generation);
        prop_assert_eq!(&admin.key, &rekey.group_key);
        for m in &members {
            let got = read_group_key_message(
                &rekey.key_message, &group.public_key(), KeyReader::Member(m),
            ).unwrap();
            prop_assert_eq!(&got.key, &rekey.group_key);
        }
        let outsider = kp(&mut rng);
        prop_assert!(read_group_key_message(
            &rekey.key_message, &group.public_key(), KeyReader::Member(&outsider),
        ).is_err());
    }
}
