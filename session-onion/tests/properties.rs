//! Round-trip properties of the onion wire formats (issue 6 §4): one hop's encryption for each
//! cipher, the `LE32 ‖ blob ‖ JSON` frame, the node-to-node relay message, v4 requests and
//! replies. Never-panic properties of the node and client sides are in `roundtrip.rs`.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde_json::{Map, Value};
use session_onion::{
    EncType, IncomingLayer, LayerKey, MAX_HOPS, X25519SecretKey, encode_frame, encode_v4_request,
    encode_v4_response, parse_frame, parse_v4_response, split_frame,
};

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn any_enc() -> impl Strategy<Value = EncType> {
    prop_oneof![
        Just(EncType::AesGcm),
        Just(EncType::XChaCha20),
        Just(EncType::AesCbc)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn hop_round_trip_every_cipher(seed in any::<u64>(), enc in any_enc(), msg in bytes(600)) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let server = X25519SecretKey::generate(&mut rng);
        let client = X25519SecretKey::generate(&mut rng);
        let as_client = LayerKey::derive_as_client(enc, &client, &server.public_key()).unwrap();
        let as_server = LayerKey::derive_as_server(enc, &server, &client.public_key()).unwrap();
        let ct = as_client.encrypt(&mut rng, &msg);
        prop_assert!(ct.len() >= enc.min_ciphertext_len());
        prop_assert_eq!(as_server.decrypt(&ct).unwrap(), msg.clone());
        // and the reply direction
        let reply = as_server.encrypt(&mut rng, &msg);
        prop_assert_eq!(as_client.decrypt(&reply).unwrap(), msg);
        // a truncated ciphertext never decrypts
        prop_assert!(as_server.decrypt(&ct[..ct.len() - 1]).is_err());
    }

    #[test]
    fn frame_round_trip(blob in bytes(300), key in "[a-z_]{0,12}", value in ".{0,40}") {
        let mut m = Map::new();
        m.insert(key, Value::String(value));
        let json = serde_json::to_vec(&Value::Object(m.clone())).unwrap();
        let frame = encode_frame(&blob, &json).unwrap();
        let (b, j) = split_frame(&frame).unwrap();
        prop_assert_eq!(b, &blob[..]);
        prop_assert_eq!(j, &json[..]);
        let (b, parsed) = parse_frame(&frame).unwrap();
        prop_assert_eq!(b, &blob[..]);
        prop_assert_eq!(parsed, m);
    }

    #[test]
    fn relay_message_round_trip(
        blob in bytes(300),
        key in any::<[u8; 32]>(),
        enc in any_enc(),
        hop in 1..=MAX_HOPS,
    ) {
        let layer = IncomingLayer::new(
            blob.clone(), session_onion::X25519PublicKey::from_bytes(&key), enc, hop,
        );
        let msg = layer.encode_relay_message();
        prop_assert!(session_bencode::decode(&msg).is_ok());
        let back = IncomingLayer::decode_relay_message(&msg).unwrap();
        prop_assert_eq!(back.blob(), &blob[..]);
        prop_assert_eq!(back.ephemeral_key().as_bytes(), &key);
        prop_assert_eq!(back.enc_type(), enc);
        prop_assert_eq!(back.hop_no(), hop);
        let frame = layer.to_frame().unwrap();
        let again = IncomingLayer::parse_frame(&frame).unwrap();
        prop_assert_eq!(again.blob(), &blob[..]);
        prop_assert_eq!(again.enc_type(), enc);
    }

    #[test]
    fn v4_round_trip(
        code in any::<u16>(),
        headers in proptest::collection::btree_map("[a-z-]{1,12}", ".{0,20}", 0..4),
        body in bytes(300),
    ) {
        let headers: Map<String, Value> =
            headers.into_iter().map(|(k, v)| (k, Value::String(v))).collect();
        let r = parse_v4_response(&encode_v4_response(code, &headers, &body)).unwrap();
        prop_assert_eq!(r.code, code);
        prop_assert_eq!(r.headers, headers);
        prop_assert_eq!(r.body, body.clone());
        // a request payload is a bencoded list of the info JSON and the body
        let req = encode_v4_request(br#"{"method":"GET"}"#, Some(&body));
        let v = session_bencode::decode(&req).unwrap();
        let list = v.as_list().unwrap();
        prop_assert_eq!(list.len(), 2);
        prop_assert_eq!(list[1].as_bytes(), Some(&body[..]));
    }
}
