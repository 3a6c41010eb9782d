//! Property tests of the public API: parse/print pairs, sign/verify round trips, and that no
//! parser panics on arbitrary input.

use proptest::prelude::*;
use rand_core::SeedableRng as _;
use session_community::api::{self, RoomMessage, parse_batch_request, parse_v4_request};
use session_community::auth::{
    AuthError, AuthPolicy, ReceivedRequest, RequestSigner, Stateless, percent_decode,
    signed_message,
};
use session_community::{Community, verify_request};
use session_identity::{Blind15Nonce, Ed25519KeyPair, X25519PublicKey};

fn label() -> impl Strategy<Value = String> {
    "[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?"
}

fn host() -> impl Strategy<Value = String> {
    prop::collection::vec(label(), 1..4).prop_map(|l| l.join("."))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn join_url_parse_print(
        https in any::<bool>(),
        host in host(),
        port in prop::option::of(1u16..),
        room in "[0-9a-zA-Z_-]{1,64}",
        key in any::<[u8; 32]>(),
    ) {
        let scheme = if https { "https" } else { "http" };
        let port = port.map(|p| format!(":{p}")).unwrap_or_default();
        let url = format!("{scheme}://{host}{port}/{room}?public_key={}", hex::encode(key));
        let c: Community = url.parse().unwrap();
        prop_assert_eq!(c.to_string(), url.clone());
        prop_assert_eq!(c.server_x25519.as_bytes(), &key);
        prop_assert_eq!(c.room.as_str(), room.as_str());
        let again: Community = c.to_string().parse().unwrap();
        prop_assert_eq!(again, c);
    }

    #[test]
    fn join_url_never_panics(s in "\\PC{0,300}") {
        if let Ok(c) = s.parse::<Community>() {
            // Whatever parses prints to something that parses to the same value.
            prop_assert_eq!(c.to_string().parse::<Community>().unwrap(), c);
        }
    }

    #[test]
    fn percent_encoding_round_trip(s in "\\PC{0,40}") {
        prop_assert_eq!(percent_decode(&api::percent_encode(&s)), s.as_bytes());
    }

    #[test]
    fn signed_requests_verify_and_changes_fail(
        seed in any::<[u8; 32]>(),
        server in any::<[u8; 32]>(),
        path in "/[a-z0-9/%?=&]{0,30}",
        body in prop::collection::vec(any::<u8>(), 0..64),
        nonce in any::<[u8; 16]>(),
        ts in 0u64..4_000_000_000,
        unblinded in any::<bool>(),
    ) {
        let server = X25519PublicKey::from_bytes(&server);
        let me = Ed25519KeyPair::from_seed(&seed);
        let signer = if unblinded {
            RequestSigner::unblinded(&me, &server)
        } else {
            RequestSigner::blind15_with_nonce(&me, &server, Blind15Nonce::Seed32)
        };
        let h = signer.sign("POST", &path, &body, ts, &nonce);
        let pairs = h.pairs();
        let now = i64::try_from(ts).unwrap();
        let req = ReceivedRequest { method: "POST", path_and_query: &path, body: &body, headers: &pairs };
        let user = verify_request(&server, &req, now, AuthPolicy::new(false), &mut Stateless)
            .unwrap()
            .unwrap();
        prop_assert_eq!(user.session_id, signer.session_id());
        // The signed bytes start with the server key and nonce.
        let m = signed_message(&server, &nonce, &h.timestamp, "POST", &path, &body);
        prop_assert_eq!(&m[..32], server.as_bytes());
        prop_assert_eq!(&m[32..48], &nonce[..]);
        // Another body, method or a clock past the window fails.
        let mut other = body.clone();
        other.push(1);
        let changed = ReceivedRequest { body: &other, ..req };
        prop_assert_eq!(
            verify_request(&server, &changed, now, AuthPolicy::new(false), &mut Stateless),
            Err(AuthError::SignatureInvalid)
        );
        let put = ReceivedRequest { method: "PUT", ..req };
        prop_assert_eq!(
            verify_request(&server, &put, now, AuthPolicy::new(false), &mut Stateless),
            Err(AuthError::SignatureInvalid)
        );
        prop_assert_eq!(
            verify_request(&server, &req, now + 86_401, AuthPolicy::new(false), &mut Stateless),
            Err(AuthError::TimestampSkew)
        );
        if unblinded {
            prop_assert_eq!(
                verify_request(&server, &req, now, AuthPolicy::new(true), &mut Stateless),
                Err(AuthError::BlindingRequired)
            );
        }
    }

    #[test]
    fn verifier_never_panics(
        pubkey in prop::option::of("[0-9a-fA-F+/=]{0,70}"),
        ts in prop::option::of("[ 0-9_+-]{0,12}"),
        nonce in prop::option::of("[0-9a-zA-Z+/=]{0,34}"),
        sig in prop::option::of("[0-9a-zA-Z+/=]{0,130}"),
        path in "\\PC{0,40}",
        body in prop::collection::vec(any::<u8>(), 0..32),
        now in any::<i64>(),
    ) {
        let mut h = Vec::new();
        for (name, v) in [("X-SOGS-Pubkey", &pubkey), ("x-sogs-timestamp", &ts), ("X-Sogs-Nonce", &nonce), ("X-SOGS-Signature", &sig)] {
            if let Some(v) = v {
                h.push((name, v.as_str()));
            }
        }
        let req = ReceivedRequest { method: "GET", path_and_query: &path, body: &body, headers: &h };
        let server = X25519PublicKey::from_bytes(&[7; 32]);
        if let Err(e) = verify_request(&server, &req, now, AuthPolicy::default(), &mut Stateless) {
            prop_assert!([400, 401, 403, 425].contains(&e.status()));
            prop_assert!(!e.message().is_empty());
        }
    }

    #[test]
    fn server_answer_parsers_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200), status in 100u16..600) {
        let _ = api::rooms().parse_response(status, &bytes);
        let _ = api::inbox(None, None).parse_response(status, &bytes);
        let _ = api::capabilities(&[]).parse_response(status, &bytes);
        let _ = api::batch(&[]).parse_response(status, &bytes);
        let _ = api::rooms().parse_v4_response(&bytes);
        let _ = parse_batch_request(&bytes);
        let _ = parse_v4_request(&bytes);
        if let Ok(m) = serde_json::from_slice::<RoomMessage>(&bytes) {
            let _ = m.verify();
        }
    }

    #[test]
    fn post_round_trip(seed in any::<[u8; 32]>(), server in any::<[u8; 32]>(), text in "\\PC{0,200}") {
        use session_protocol::proto::Content;
        let me = Ed25519KeyPair::from_seed(&seed);
        let server = X25519PublicKey::from_bytes(&server);
        let signer = RequestSigner::blind15(&me, &server);
        let content = Content::text(text, 1);
        let mut rng = rand_chacha::ChaCha20Rng::from_seed(seed);
        let post = api::NewPost::new(&mut rng, &signer, &me, &content).unwrap();
        let msg = RoomMessage {
            id: 1,
            seqno: 1,
            session_id: Some(signer.session_id().to_string()),
            data: Some(session_community::encoding::b64_encode(&post.data)),
            signature: Some(session_community::encoding::b64_encode(&post.signature)),
            ..Default::default()
        };
        match msg.verify() {
            Ok(api::MessageUpdate::Post(p)) => prop_assert_eq!(p.content, content),
            other => prop_assert!(false, "{:?}", other),
        }
    }
}

fn json_leaf() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        "[A-Za-z0-9+/=]{0,90}".prop_map(Value::from),
        "(05|15|25|00)[0-9a-f]{64}".prop_map(Value::from),
    ]
}

fn message_json() -> impl Strategy<Value = serde_json::Value> {
    let keys = prop::sample::select(vec![
        "id",
        "seqno",
        "session_id",
        "data",
        "signature",
        "deleted",
        "posted",
        "edited",
        "whisper",
        "whisper_mods",
        "whisper_to",
        "reactions",
        "filtered",
    ]);
    prop::collection::btree_map(keys, json_leaf(), 0..10).prop_map(|m| {
        serde_json::Value::Object(m.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn structured_messages_never_panic(msgs in prop::collection::vec(message_json(), 0..6)) {
        let body = serde_json::to_vec(&msgs).unwrap();
        if let Ok(list) = api::messages_recent(&"r".parse().unwrap(), Default::default()).parse_response(200, &body) {
            let checked = api::check_messages(&list);
            prop_assert_eq!(checked.updates.len() + checked.rejected.len(), list.len());
            // Random data never passes as an authentic post.
            prop_assert!(!checked.updates.iter().any(|u| matches!(u, api::MessageUpdate::Post(_))));
        }
    }

    #[test]
    fn poller_never_panics(
        items in prop::collection::vec((100u16..600, prop::collection::vec(message_json(), 0..3)), 0..8),
        dms in any::<bool>(),
    ) {
        use session_community::poll::{Poller, Start};
        let mut p = Poller::new(dms);
        p.add_room("a".parse().unwrap(), Start::Recent);
        p.add_room("b".parse().unwrap(), Start::Seqno(5));
        let round = p.round();
        let answer: Vec<serde_json::Value> = items
            .into_iter()
            .map(|(code, body)| serde_json::json!({"code": code, "headers": {"content-type": "application/json"}, "body": body}))
            .collect();
        let _ = p.handle(&round, 200, &serde_json::to_vec(&answer).unwrap());
        prop_assert!(p.seqno(&"b".parse().unwrap()).is_some_and(|s| s >= 5));
    }
}

/// A path made of segments the server routes on plus arbitrary ones.
fn server_path() -> impl Strategy<Value = String> {
    let seg = prop_oneof![
        Just("room".to_owned()),
        Just("lobby".to_owned()),
        Just("messages".to_owned()),
        Just("since".to_owned()),
        Just("message".to_owned()),
        Just("reaction".to_owned()),
        Just("inbox".to_owned()),
        Just("batch".to_owned()),
        Just("file".to_owned()),
        "-?[0-9]{1,22}",
        "\\PC{0,8}",
        "(%[0-9a-fA-F]{2}){1,4}",
    ];
    (prop::collection::vec(seg, 0..6), "(\\?[a-z=&0-9-]{0,20})?")
        .prop_map(|(segs, q)| format!("/{}{q}", segs.join("/")))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// The in-memory server answers any request (method, path, body, a sender's signature or
    /// none) with a status, without panicking; signed requests get past authentication.
    #[test]
    fn server_never_panics(
        method in prop_oneof![
            Just("GET".to_owned()),
            Just("POST".to_owned()),
            Just("PUT".to_owned()),
            Just("DELETE".to_owned()),
            "[A-Z]{0,7}",
        ],
        path in server_path(),
        body in prop_oneof![
            prop::collection::vec(any::<u8>(), 0..200),
            Just(br#"[{"method":"GET","path":"/room/lobby"},{"method":"POST","path":"/batch","json":[]}]"#.to_vec()),
            Just(br#"{"data":"AAAA","signature":"AAAA"}"#.to_vec()),
        ],
        signed in any::<bool>(),
        seed in any::<u64>(),
    ) {
        use session_community::server::Server;
        let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(seed);
        let keys = session_onion::NodeKeys::from_ed25519_keypair(&Ed25519KeyPair::from_seed(&[4; 32]));
        let pk = *keys.public_key();
        let mut server = Server::new(keys, 1_700_000_000_000);
        server.add_room(&"lobby".parse().unwrap(), "Lobby");
        let mut r = session_community::Request::new(session_community::Method::Get, path.clone());
        r.body = Some(body.clone());
        if signed {
            let me = Ed25519KeyPair::from_seed(&[5; 32]);
            // Sign the method that is sent (the signature covers it), where it is one.
            if let Ok(m) = method.parse() {
                r.method = m;
            }
            r.sign_with_rng(&mut rng, &RequestSigner::blind15(&me, &pk), 1_700_000_000);
        }
        let headers: Vec<(&str, &str)> =
            r.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let req = ReceivedRequest { method: &method, path_and_query: &path, body: &body, headers: &headers };
        let resp = server.handle(&req, 1_700_000_000_000, &mut rng);
        prop_assert!((200..600).contains(&resp.status));
    }
}
