//! Public-API tests: random multi-hop requests built by the client, peeled hop by hop by the
//! node side, answered at the destination and decrypted by the client; and robustness of every
//! parser facing the network.

#![allow(clippy::unwrap_used, clippy::panic, missing_docs)]

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use serde_json::{Map, json};
use session_onion::{
    Decision, Destination, Ed25519KeyPair, EncType, Error, Hop, HttpRequest, IncomingLayer,
    NodeKeys, OnionRequestBuilder, PendingResponse, Rejection, ReplyBody, Retry, Route,
    ServerDestination, X25519SecretKey, encode_v4_response, parse_v4_response,
};

struct Node {
    keys: NodeKeys,
    public: Hop,
}

fn node(rng: &mut ChaCha20Rng) -> Node {
    let identity = Ed25519KeyPair::generate(rng);
    let public = Hop::from_ed25519(identity.public_key()).unwrap();
    let keys = NodeKeys::from_ed25519_keypair(&identity);
    assert_eq!(keys.public_key(), public.x25519());
    Node { keys, public }
}

#[derive(Debug, Clone, Copy)]
enum Dest {
    Snode,
    ServerV4,
    ServerV3,
}

/// Builds a request through `hops` nodes, peels it, answers, and returns the client's view.
fn round_trip(rng: &mut ChaCha20Rng, hops: usize, enc: EncType, dest: Dest, payload: &[u8]) {
    let path: Vec<Node> = (0..hops).map(|_| node(rng)).collect();
    let server_secret = X25519SecretKey::generate(rng);
    let server = NodeKeys::new(server_secret);
    let dest_node = node(rng);
    let destination = match dest {
        Dest::Snode => Destination::ServiceNode(dest_node.public),
        Dest::ServerV4 => {
            Destination::Server(ServerDestination::new("example.org", *server.public_key()))
        }
        Dest::ServerV3 => Destination::Server(
            ServerDestination::new("example.org", *server.public_key())
                .protocol(session_onion::Protocol::Http)
                .port(8080)
                .target("/loki/v3/lsrpc"),
        ),
    };
    let builder = OnionRequestBuilder::new(
        path.iter().map(|n| n.public).collect(),
        destination,
        payload.to_vec(),
    )
    .enc_type(enc)
    .base64_reply(rng.next_u32() % 2 == 0);
    let (frame, pending) = builder.build(rng).unwrap();

    // The guard gets the frame; later nodes get the node-to-node message (or, every other hop,
    // the frame form, as `session onion peel` prints it).
    let mut layer = IncomingLayer::parse_frame(&frame).unwrap();
    assert_eq!(layer.enc_type(), enc);
    for (i, hop) in path.iter().enumerate() {
        let peeled = hop.keys.peel(&layer).unwrap();
        assert_eq!(peeled.hop_no() as usize, i);
        match peeled.decision() {
            Decision::Accept(Route::RelayToNode(relay)) => {
                let next = path.get(i + 1).map_or(&dest_node.public, |n| &n.public);
                assert_eq!(relay.destination(), next.ed25519());
                assert!(matches!(dest, Dest::Snode) || i + 1 < hops);
                layer = if i % 2 == 0 {
                    let msg = relay.next_layer().encode_relay_message();
                    IncomingLayer::decode_relay_message(&msg).unwrap()
                } else {
                    let f = relay.next_layer().to_frame().unwrap();
                    let l = IncomingLayer::parse_frame(&f).unwrap();
                    IncomingLayer::new(
                        l.blob().to_vec(),
                        *l.ephemeral_key(),
                        l.enc_type(),
                        i as u32 + 1,
                    )
                };
            }
            Decision::Accept(Route::RelayToServer(relay)) => {
                assert_eq!(i + 1, hops, "only the last hop relays to the server");
                assert!(relay.is_target_allowed());
                // The server receives the whole decrypted layer.
                let at_server = IncomingLayer::parse_frame(relay.post_body()).unwrap();
                let (request, reply_key) = server.open(&at_server).unwrap();
                assert_eq!(&request[..], payload);
                let reply = match dest {
                    Dest::ServerV4 => {
                        let mut h = Map::new();
                        h.insert("content-type".into(), "application/octet-stream".into());
                        reply_key.encrypt(rng, &encode_v4_response(200, &h, payload))
                    }
                    _ => {
                        assert_eq!(relay.url(), "http://example.org:8080/loki/v3/lsrpc");
                        let ct = reply_key.encrypt(rng, payload);
                        use base64::Engine as _;
                        base64::engine::general_purpose::STANDARD
                            .encode(ct)
                            .into_bytes()
                    }
                };
                let response = pending.decrypt_response(200, &reply).unwrap();
                assert_eq!(response.status, 200);
                assert_eq!(response.body, payload);
                return;
            }
            other => panic!("hop {i}: unexpected {other:?}"),
        }
    }
    // The destination node.
    let peeled = dest_node.keys.peel(&layer).unwrap();
    assert_eq!(peeled.hop_no() as usize, hops);
    let Decision::Accept(Route::Final(request)) = peeled.decision() else {
        panic!("destination: {:?}", peeled.decision())
    };
    assert_eq!(request.body(), payload);
    let body = hex::encode(payload);
    let reply = peeled.final_reply(rng, 200, ReplyBody::Json(json!({ "echo": body })));
    let response = pending.decrypt_response(200, &reply).unwrap();
    assert_eq!(response.status, 200);
    assert_eq!(
        response.body,
        json!({ "echo": body }).to_string().into_bytes()
    );
}

fn seeded() -> (u64, ChaCha20Rng) {
    let seed = rand_core::OsRng.next_u64();
    println!("rng seed: {seed}");
    (seed, ChaCha20Rng::seed_from_u64(seed))
}

#[test]
fn one_to_four_hops_both_ciphers_all_destinations() {
    let (_, mut rng) = seeded();
    for hops in 1..=4 {
        for enc in [EncType::AesGcm, EncType::XChaCha20] {
            for dest in [Dest::Snode, Dest::ServerV4, Dest::ServerV3] {
                let mut payload = vec![0u8; (rng.next_u32() % 300) as usize];
                rng.fill_bytes(&mut payload);
                round_trip(&mut rng, hops, enc, dest, &payload);
                let rpc = br#"{"method":"info","params":{}}"#;
                round_trip(&mut rng, hops, enc, dest, rpc);
            }
        }
    }
}

#[test]
fn fifteen_hops_is_the_limit() {
    let (_, mut rng) = seeded();
    round_trip(&mut rng, 15, EncType::XChaCha20, Dest::Snode, b"{}");
    let path: Vec<Hop> = (0..16).map(|_| node(&mut rng).public).collect();
    let dest = Destination::ServiceNode(node(&mut rng).public);
    let err = OnionRequestBuilder::new(path, dest.clone(), b"{}".to_vec()).build(&mut rng);
    assert!(matches!(err, Err(Error::TooManyHops)));
    let err = OnionRequestBuilder::new(vec![], dest, b"{}".to_vec()).build(&mut rng);
    assert!(matches!(err, Err(Error::TooManyHops)));
}

#[test]
fn failures_are_typed() {
    let (_, mut rng) = seeded();
    let (a, b, d) = (node(&mut rng), node(&mut rng), node(&mut rng));
    let build = |rng: &mut ChaCha20Rng, enc| {
        OnionRequestBuilder::new(
            vec![a.public, b.public],
            Destination::ServiceNode(d.public),
            b"x".to_vec(),
        )
        .enc_type(enc)
        .build(rng)
        .unwrap()
    };
    // aes-cbc is never built.
    let cbc = OnionRequestBuilder::new(vec![a.public], Destination::ServiceNode(d.public), vec![])
        .enc_type(EncType::AesCbc)
        .build(&mut rng);
    assert!(matches!(cbc, Err(Error::UnsupportedEncType)));

    // The wrong node cannot peel.
    let (frame, _) = build(&mut rng, EncType::AesGcm);
    assert!(matches!(
        b.keys.peel_frame(&frame),
        Err(Error::DecryptionFailed)
    ));

    // A destination that is not a valid RPC: the destination rejects nothing (RPC parsing is
    // its own business) but `rpc()` reports it.
    let (frame, pending) = build(&mut rng, EncType::XChaCha20);
    let l1 = a.keys.peel_frame(&frame).unwrap();
    let Decision::Accept(Route::RelayToNode(r)) = l1.decision() else {
        panic!()
    };
    // An intermediate hop's encrypted rejection cannot be read by the client.
    let reply = l1.rejection_reply(&mut rng, Rejection::InvalidJson);
    let err = pending.decrypt_response(200, &reply).unwrap_err();
    assert!(matches!(err, Error::DecryptionFailed));
    assert_eq!(err.retry(), Retry::Once);
    let l2 = b.keys.peel(r.next_layer()).unwrap();
    let Decision::Accept(Route::RelayToNode(r)) = l2.decision() else {
        panic!()
    };
    let l3 = d.keys.peel(r.next_layer()).unwrap();
    let Decision::Accept(Route::Final(f)) = l3.decision() else {
        panic!()
    };
    assert!(matches!(f.rpc(), Err(Error::InvalidJson(_))));

    // Statuses inside the reply.
    for (status, retry) in [
        (421, Retry::OtherSwarmMember),
        (406, Retry::FixClock),
        (401, Retry::Never),
        (400, Retry::Never),
    ] {
        let (frame, pending) = build(&mut rng, EncType::AesGcm);
        let l1 = a.keys.peel_frame(&frame).unwrap();
        let Decision::Accept(Route::RelayToNode(r)) = l1.decision() else {
            panic!()
        };
        let l2 = b.keys.peel(r.next_layer()).unwrap();
        let Decision::Accept(Route::RelayToNode(r)) = l2.decision() else {
            panic!()
        };
        let l3 = d.keys.peel(r.next_layer()).unwrap();
        let body = if status == 421 {
            ReplyBody::Json(json!({"snodes": [{
                "pubkey_ed25519": a.public.ed25519().to_string(),
                "pubkey_x25519": a.public.x25519().to_string(),
                "ip": "10.0.0.1", "port_https": 22021, "port_omq": 22020}], "swarm": "ff"}))
        } else {
            ReplyBody::Text("nope".into())
        };
        let reply = l3.final_reply(&mut rng, status, body);
        let err = pending.decrypt_response(200, &reply).unwrap_err();
        let Error::Destination(de) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(de.status(), status);
        assert_eq!(err.retry(), retry);
        if status == 421 {
            assert_eq!(de.swarm().len(), 1);
            assert_eq!(&de.swarm()[0].ed25519, a.public.ed25519());
        }
    }

    // Plain-text path errors naming a node.
    let (_, pending) = build(&mut rng, EncType::AesGcm);
    let text = format!("Next node not found: {}", b.public.ed25519());
    let err = pending.decrypt_response(502, text.as_bytes()).unwrap_err();
    assert_eq!(err.retry(), Retry::DropNode(*b.public.ed25519()));
    assert!(err.is_retryable());
    let (_, pending) = build(&mut rng, EncType::AesGcm);
    let text = format!(
        "502 Bad Gateway\n\nNext node is currently unreachable: {}",
        d.public.ed25519()
    );
    let err = pending.decrypt_response(502, text.as_bytes()).unwrap_err();
    assert_eq!(err.retry(), Retry::OtherSwarmMember);
}

#[test]
fn server_target_filter_and_v4_payloads() {
    let (_, mut rng) = seeded();
    let a = node(&mut rng);
    let server = NodeKeys::new(X25519SecretKey::generate(&mut rng));
    let bad = ServerDestination::new("h", *server.public_key()).target("/oxen/v4/lsrpc?x");
    let err =
        OnionRequestBuilder::new(vec![a.public], Destination::Server(bad), vec![]).build(&mut rng);
    assert!(matches!(err, Err(Error::InvalidUrl)));
    let payload = HttpRequest::new("GET", "/room/x")
        .header("Accept", "*/*")
        .to_v4();
    let dest = Destination::Server(ServerDestination::new("h", *server.public_key()));
    let (frame, _) = OnionRequestBuilder::new(vec![a.public], dest, payload.clone())
        .build(&mut rng)
        .unwrap();
    let peeled = a.keys.peel_frame(&frame).unwrap();
    let Decision::Accept(Route::RelayToServer(s)) = peeled.decision() else {
        panic!()
    };
    assert_eq!(s.url(), "https://h/oxen/v4/lsrpc");
    let (req, _) = server
        .open(&IncomingLayer::parse_frame(s.post_body()).unwrap())
        .unwrap();
    assert_eq!(&req[..], &payload[..]);
    let r = parse_v4_response(&encode_v4_response(201, &Map::new(), b"")).unwrap();
    assert_eq!(r.code, 201);

    // A v3 server reports a failure as {"status_code": N}.
    let v3 = ServerDestination::new("h", *server.public_key()).target("/loki/v3/lsrpc");
    let payload = HttpRequest::new("GET", "/x").to_v3();
    let (frame, pending) =
        OnionRequestBuilder::new(vec![a.public], Destination::Server(v3), payload)
            .enc_type(EncType::AesGcm)
            .build(&mut rng)
            .unwrap();
    let peeled = a.keys.peel_frame(&frame).unwrap();
    let Decision::Accept(Route::RelayToServer(s)) = peeled.decision() else {
        panic!()
    };
    let (_, reply_key) = server
        .open(&IncomingLayer::parse_frame(s.post_body()).unwrap())
        .unwrap();
    let ct = reply_key.encrypt(&mut rng, br#"{"status_code":404}"#);
    use base64::Engine as _;
    let reply = base64::engine::general_purpose::STANDARD.encode(ct);
    let err = pending.decrypt_response(200, reply.as_bytes()).unwrap_err();
    let Error::Destination(d) = &err else {
        panic!("{err:?}")
    };
    assert_eq!((d.status(), err.retry()), (404, Retry::Never));
}

fn any_enc() -> impl Strategy<Value = EncType> {
    prop_oneof![Just(EncType::AesGcm), Just(EncType::XChaCha20)]
}

/// A pending response and a valid request frame to mutate.
fn fixture(seed: u64) -> (Node, Vec<u8>, PendingResponse) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let (a, d) = (node(&mut rng), node(&mut rng));
    let (frame, pending) = OnionRequestBuilder::new(
        vec![a.public],
        Destination::ServiceNode(d.public),
        b"{}".to_vec(),
    )
    .build(&mut rng)
    .unwrap();
    (a, frame, pending)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn payload_sizes_round_trip(
        seed in any::<u64>(),
        hops in 1usize..=4,
        enc in any_enc(),
        len in prop_oneof![0usize..64, 64usize..5000, Just(65536usize)],
        server in any::<bool>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let mut payload = vec![0u8; len];
        rng.fill_bytes(&mut payload);
        let dest = if server { Dest::ServerV4 } else { Dest::Snode };
        round_trip(&mut rng, hops, enc, dest, &payload);
    }

    #[test]
    fn node_side_never_panics_on_arbitrary_bytes(
        seed in any::<u64>(),
        bytes in proptest::collection::vec(any::<u8>(), 0..512),
        flips in proptest::collection::vec((any::<usize>(), any::<u8>()), 0..6),
        cut in any::<usize>(),
    ) {
        let (a, mut frame, _) = fixture(seed % 4);
        let _ = a.keys.peel_frame(&bytes);
        let _ = IncomingLayer::decode_relay_message(&bytes);
        let _ = Route::parse(&bytes, 0);
        let _ = parse_v4_response(&bytes);
        for (i, x) in flips {
            let n = frame.len();
            frame[i % n] ^= x;
        }
        let _ = a.keys.peel_frame(&frame);
        frame.truncate(cut % (frame.len() + 1));
        let _ = a.keys.peel_frame(&frame);
    }

    #[test]
    fn decrypt_response_never_panics(
        seed in any::<u64>(),
        status in prop_oneof![Just(200u16), any::<u16>()],
        body in proptest::collection::vec(any::<u8>(), 0..600),
        as_base64 in any::<bool>(),
    ) {
        let (_, _, pending) = fixture(seed % 4);
        let body = if as_base64 {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD.encode(&body).into_bytes()
        } else {
            body
        };
        let r = pending.decrypt_response(status, &body);
        prop_assert!(r.is_err());
        let e = r.unwrap_err();
        let _ = (e.retry(), e.is_retryable(), e.category(), e.to_string());
    }
}
