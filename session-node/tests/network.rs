//! A real 12-node network on loopback, shared by every test of this file (read-only use:
//! no node is stopped here; see `faults.rs` for that).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::sync::LazyLock;

use common::{Conn, now_ms};
use rand_core::OsRng;
use serde_json::Value;
use session_identity::Ed25519KeyPair;
use session_node::{Testnet, TestnetConfig};
use session_onion::{Destination, EncType, Hop, OnionRequestBuilder};
use session_swarm::auth::Auth;
use session_swarm::response::{RetrieveResponse, SwarmResponse};
use session_swarm::{Namespace, Retrieve, ServiceNode, Store, SwarmPubkey, SwarmTable};

struct Net {
    rt: tokio::runtime::Runtime,
    net: Testnet,
}

static NET: LazyLock<Net> = LazyLock::new(|| {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let dir = common::temp_dir("network");
    let net = rt
        .block_on(Testnet::start(
            TestnetConfig::new(dir).nodes(12).swarm_size(4),
        ))
        .unwrap();
    Net { rt, net }
});

fn block_on<F: Future>(f: F) -> F::Output {
    NET.rt.block_on(f)
}

fn nodes() -> &'static [ServiceNode] {
    NET.net.nodes()
}

fn swarm_of(account: &SwarmPubkey) -> Vec<ServiceNode> {
    let t = SwarmTable::from_nodes(nodes());
    t.lookup(account).unwrap().nodes.to_vec()
}

fn user(seed: u8) -> Auth {
    Auth::session_id(&Ed25519KeyPair::from_seed(&[seed; 32]))
}

fn store_req(auth: &Auth, ns: i16, data: &[u8]) -> session_swarm::Request {
    let s = Store {
        namespace: Namespace::new(ns),
        data: data.to_vec(),
        timestamp_ms: now_ms(),
        ttl_ms: 3_600_000,
    };
    if Namespace::new(ns).store_without_signature() {
        s.unsigned(auth.account_id()).unwrap()
    } else {
        s.sign(auth).unwrap()
    }
}

fn retrieve_req(auth: &Auth, ns: i16) -> session_swarm::Request {
    Retrieve {
        namespace: Namespace::new(ns),
        ..Default::default()
    }
    .sign(auth, now_ms())
    .unwrap()
}

#[test]
fn layout_and_testnet_json() {
    let n = nodes();
    assert_eq!(n.len(), 12);
    let ids: std::collections::BTreeSet<u64> = n.iter().map(|n| n.swarm_id().get()).collect();
    assert_eq!(
        ids.into_iter().collect::<Vec<_>>(),
        vec![0, 6148914691236517205, 12297829382473034410]
    );
    for (i, node) in n.iter().enumerate() {
        assert_eq!(node.ip().octets(), [127, 0, 0, i as u8 + 2]);
    }
    let json: Value =
        serde_json::from_slice(&std::fs::read(NET.net.testnet_json()).unwrap()).unwrap();
    assert_eq!(json["seeds"].as_array().unwrap().len(), 3);
    assert_eq!(
        json["nodes"][3]["swarm_id"].as_u64(),
        Some(n[3].swarm_id().get())
    );
    assert!(json["nodes"][0]["storage_port"].is_u64());
}

#[test]
fn store_on_one_member_retrieve_from_each_other() {
    block_on(async {
        let alice = user(1);
        let members = swarm_of(alice.account_id());
        assert_eq!(members.len(), 4);
        let req = store_req(&alice, 0, b"hello swarm");
        let (status, v, text) = Conn::to(&members[0]).await.rpc(&req).await;
        assert_eq!(status, 200, "{text}");
        let parsed = SwarmResponse::parse(&req, text.as_bytes()).unwrap();
        assert_eq!(parsed.successes().count(), 4, "{v}");
        let hash = v["hash"].as_str().unwrap().to_owned();
        for m in &members[1..] {
            let (status, _, text) = Conn::to(m).await.rpc(&retrieve_req(&alice, 0)).await;
            assert_eq!(status, 200, "{text}");
            let r = RetrieveResponse::parse(text.as_bytes()).unwrap();
            assert!(r.messages.iter().any(|msg| msg.hash == hash), "{text}");
        }
    });
}

#[test]
fn onion_requests_reach_every_node_with_both_ciphers() {
    block_on(async {
        let n = nodes();
        let hops: Vec<Hop> = n.iter().map(Hop::from).collect();
        for (d, dest) in hops.iter().enumerate() {
            for enc in [EncType::XChaCha20, EncType::AesGcm] {
                // Three distinct path nodes other than the destination.
                let path: Vec<Hop> = (1..=3).map(|k| hops[(d + k * 3) % n.len()]).collect();
                let (frame, pending) = OnionRequestBuilder::new(
                    path.clone(),
                    Destination::ServiceNode(*dest),
                    br#"{"method":"info","params":{}}"#.to_vec(),
                )
                .enc_type(enc)
                .build(&mut OsRng)
                .unwrap();
                let guard = &n[(d + 3) % n.len()];
                let (status, body) = Conn::to(guard).await.post("/onion_req/v2", frame).await;
                let resp = pending.decrypt_response(status, &body).unwrap();
                assert_eq!(resp.status, 200);
                let v: Value = serde_json::from_slice(&resp.body).unwrap();
                assert_eq!(v["version"], serde_json::json!([2, 8, 0]));
                assert_eq!(v["hf"], serde_json::json!([19, 3]));
            }
        }
    });
}

#[test]
fn wrong_swarm_gives_421_with_the_right_swarm() {
    block_on(async {
        let bob = user(2);
        let members = swarm_of(bob.account_id());
        let outsider = nodes()
            .iter()
            .find(|n| n.swarm_id() != members[0].swarm_id())
            .unwrap();
        let (status, v, text) = Conn::to(outsider).await.rpc(&retrieve_req(&bob, 0)).await;
        assert_eq!(status, 421, "{text}");
        let answer = session_swarm::node::parse_swarm_answer(text.as_bytes()).unwrap();
        assert_eq!(answer.swarm_id, members[0].swarm_id());
        assert_eq!(answer.nodes.len(), 4);
        assert!(v["snodes"][0]["port"].is_string());
    });
}

#[test]
fn seed_json_rpc_stats_and_404() {
    block_on(async {
        let mut c = Conn::to(&nodes()[0]).await;
        // Desktop's request: its five fields, no swarm_id.
        let body = session_swarm::rpc::seed_bootstrap_request().to_string();
        let (status, ct, b) = c.request("POST", "/json_rpc", &[], body.into_bytes()).await;
        assert_eq!((status, ct.as_str()), (200, "application/json"));
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["id"], "0");
        let first = &v["result"]["service_node_states"][0];
        for f in [
            "public_ip",
            "storage_port",
            "pubkey_ed25519",
            "pubkey_x25519",
            "requested_unlock_height",
        ] {
            assert!(first.get(f).is_some(), "{f} missing");
        }
        assert!(first.get("swarm_id").is_none());
        assert!(v["result"]["height"].as_u64().unwrap() > 0);
        // With swarm_id among the fields (our client).
        let body = session_swarm::rpc::seed_bootstrap_request_with(
            &session_swarm::rpc::SEED_NODE_FIELDS_WITH_SWARM,
        );
        let (_, ct, b) = c
            .request("POST", "/json_rpc", &[], body.to_string().into_bytes())
            .await;
        let list = session_swarm::node::parse_seed_bootstrap_response(&ct, &b).unwrap();
        assert_eq!(list.len(), 12);
        let expected: Vec<ServiceNode> = nodes()
            .iter()
            .map(|n| {
                ServiceNode::new(*n.ed25519_pk(), n.ip(), n.https_port(), 0, n.swarm_id()).unwrap()
            })
            .collect();
        assert_eq!(list, expected);
        let (status, _, b) = c.request("GET", "/get_stats/v1", &[], vec![]).await;
        assert_eq!(status, 200);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["version"], "2.8.0");
        let (status, _, b) = c.request("GET", "/nope", &[], vec![]).await;
        assert_eq!((status, b.as_slice()), (404, &b"GET /nope Not Found"[..]));
    });
}

#[test]
fn refusals_get_the_reference_codes() {
    block_on(async {
        let carol = user(3);
        let member = &swarm_of(carol.account_id())[0];
        let mut c = Conn::to(member).await;
        // Bad signature.
        let good = store_req(&carol, 2, b"private");
        let mut params = good.params().clone();
        let other = store_req(&user(4), 2, b"private");
        params.insert("signature".into(), other.params()["signature"].clone());
        let body = serde_json::json!({"method": "store", "params": params}).to_string();
        let (status, b) = c.post("/storage_rpc/v1", body).await;
        assert_eq!(
            (status, b.as_slice()),
            (401, &b"store signature verification failed"[..])
        );
        // Stale timestamp.
        let stale = Retrieve::default()
            .sign(&carol, now_ms() - 120_000)
            .unwrap();
        let (status, _, text) = c.rpc(&stale).await;
        assert_eq!(
            (status, text.as_str()),
            (406, "retrieve timestamp too far from current time")
        );
        // Unknown method, missing params.
        let (status, b) = c
            .post("/storage_rpc/v1", r#"{"method":"frobnicate","params":{}}"#)
            .await;
        assert_eq!((status, b.as_slice()), (400, &b"no method frobnicate"[..]));
        let (status, _) = c.post("/storage_rpc/v1", "not json").await;
        assert_eq!(status, 400);
        // Data over 76 800 bytes.
        let mut params = store_req(&carol, 0, b"x").params().clone();
        params.insert(
            "data".into(),
            base64::Engine::encode(
                &base64::engine::general_purpose::STANDARD,
                vec![7u8; 76_801],
            )
            .into(),
        );
        let body = serde_json::json!({"method": "store", "params": params}).to_string();
        let (status, b) = c.post("/storage_rpc/v1", body).await;
        assert_eq!((status, b.as_slice()), (413, &b"Message too large"[..]));
        // A body over 10 MiB.
        // (refused by its Content-Length, before the body is read, as the reference does).
        let head = "POST /storage_rpc/v1 HTTP/1.1\r\nhost: x\r\ncontent-length: 10485761\r\n\r\n";
        let answer = common::raw_exchange(member, head.as_bytes()).await;
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(answer.ends_with("Request body too large"), "{answer}");
        // Inside an onion request the destination's refusal is encrypted for the client.
        let mut c = Conn::to(member).await;
        let hops: Vec<Hop> = nodes()
            .iter()
            .filter(|n| n.swarm_id() != member.swarm_id())
            .take(3)
            .map(Hop::from)
            .collect();
        let (frame, pending) = OnionRequestBuilder::new(
            hops,
            Destination::ServiceNode(Hop::from(member)),
            br#"{"method":"frobnicate","params":{}}"#.to_vec(),
        )
        .build(&mut OsRng)
        .unwrap();
        let guard = nodes()
            .iter()
            .find(|n| n.swarm_id() != member.swarm_id())
            .unwrap();
        let (status, body) = Conn::to(guard).await.post("/onion_req/v2", frame).await;
        assert_eq!(status, 200);
        match pending.decrypt_response(status, &body) {
            Err(session_onion::Error::Destination(e)) => assert_eq!(e.status(), 400),
            other => panic!("{other:?}"),
        }
        // Garbage at the edge.
        let (status, b) = c.post("/onion_req/v2", b"\x01\x00".to_vec()).await;
        assert_eq!(status, 400);
        assert!(String::from_utf8_lossy(&b).starts_with("Error parsing onion request"));
    });
}

#[test]
fn node_to_node_requests_must_be_signed_by_a_listed_node() {
    block_on(async {
        let target = &nodes()[1];
        let mut c = Conn::to(target).await;
        for path in ["/sn/storage", "/sn/onion_req", "/sn/sync"] {
            let (status, b) = c.post(path, r#"{"method":"info","params":{}}"#).await;
            assert_eq!(status, 401, "{path}: {}", String::from_utf8_lossy(&b));
        }
        // Correctly signed, but by a key that is not in the node list.
        let stranger = Ed25519KeyPair::from_seed(&[99; 32]);
        let body = br#"{"method":"info","params":{}}"#.to_vec();
        let [pk, ts, sig] = session_swarm::server::sign_peer_request(
            &stranger,
            "POST",
            "/sn/storage",
            now_ms(),
            target.ed25519_pk(),
            &body,
        );
        let headers = [
            ("X-SN-Pubkey", pk),
            ("X-SN-Timestamp", ts),
            ("X-SN-Signature", sig),
        ];
        let (status, _, _) = c.request("POST", "/sn/storage", &headers, body).await;
        assert_eq!(status, 401);
    });
}

#[test]
fn unknown_next_node_is_reported() {
    block_on(async {
        let n = nodes();
        let ghost = Hop::from_ed25519(Ed25519KeyPair::from_seed(&[77; 32]).public_key()).unwrap();
        let path = vec![Hop::from(&n[0]), ghost, Hop::from(&n[1])];
        let (frame, pending) = OnionRequestBuilder::new(
            path,
            Destination::ServiceNode(Hop::from(&n[2])),
            br#"{"method":"info","params":{}}"#.to_vec(),
        )
        .build(&mut OsRng)
        .unwrap();
        let (status, body) = Conn::to(&n[0]).await.post("/onion_req/v2", frame).await;
        assert_eq!(status, 502);
        assert_eq!(
            String::from_utf8_lossy(&body),
            format!("Next node not found: {}", ghost.ed25519())
        );
        assert!(pending.decrypt_response(status, &body).is_err());
    });
}

/// Sends a recursive request; every one of the 4 members must report a verified success.
async fn all_members_ok(c: &mut Conn, req: &session_swarm::Request) {
    let (status, _, text) = c.rpc(req).await;
    assert_eq!(status, 200, "{text}");
    let parsed = SwarmResponse::parse(req, text.as_bytes()).unwrap();
    assert_eq!(parsed.successes().count(), 4, "{text}");
}

#[test]
fn delete_expire_batch_and_oxend_request() {
    block_on(async {
        let dave = user(5);
        let members = swarm_of(dave.account_id());
        let mut c = Conn::to(&members[1]).await;
        let mut hashes = Vec::new();
        for i in 0..3u8 {
            let (status, v, text) = c.rpc(&store_req(&dave, 0, &[b'm', i])).await;
            assert_eq!(status, 200, "{text}");
            hashes.push(v["hash"].as_str().unwrap().to_owned());
        }
        // get_expiries, expire (shorten), expire_all.
        let req = session_swarm::rpc::get_expiries(&dave, &hashes, now_ms()).unwrap();
        let (status, _, text) = c.rpc(&req).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            session_swarm::response::parse_get_expiries(text.as_bytes())
                .unwrap()
                .len(),
            3
        );
        let soon = now_ms() + 600_000;
        let req = session_swarm::rpc::expire(
            &dave,
            &hashes[..1],
            &[soon],
            session_swarm::ExpireMode::Shorten,
        )
        .unwrap();
        all_members_ok(&mut c, &req).await;
        let req = session_swarm::rpc::expire_all(
            &dave,
            session_swarm::NamespaceSelector::All,
            now_ms() + 1_200_000,
        )
        .unwrap();
        all_members_ok(&mut c, &req).await;
        // delete one; it is gone from every member.
        let req = session_swarm::rpc::delete(&dave, &hashes[..1], true).unwrap();
        all_members_ok(&mut c, &req).await;
        for m in &members {
            let (_, _, text) = Conn::to(m).await.rpc(&retrieve_req(&dave, 0)).await;
            let r = RetrieveResponse::parse(text.as_bytes()).unwrap();
            let got: Vec<&str> = r.messages.iter().map(|m| m.hash.as_str()).collect();
            assert!(!got.contains(&hashes[0].as_str()) && got.contains(&hashes[1].as_str()));
        }
        // Deleting it again with required → 404.
        let (status, _, _) = c.rpc(&req).await;
        assert_eq!(status, 404);
        // delete_all in a batch next to an info; a sequence stops at the first failure.
        let del =
            session_swarm::rpc::delete_all(&dave, session_swarm::NamespaceSelector::All, now_ms())
                .unwrap();
        let info = session_swarm::rpc::info();
        let req = session_swarm::rpc::batch(&[info.clone(), del.clone()]).unwrap();
        let (status, _, text) = c.rpc(&req).await;
        assert_eq!(status, 200, "{text}");
        let results = session_swarm::response::parse_batch(text.as_bytes()).unwrap();
        assert_eq!(
            results.iter().map(|r| r.code).collect::<Vec<_>>(),
            vec![200, 200]
        );
        let bad = store_req(&user(6), 2, b"x");
        let mut bad_params = bad.params().clone();
        bad_params.insert(
            "signature".into(),
            store_req(&user(7), 2, b"x").params()["signature"].clone(),
        );
        let body = serde_json::json!({"method": "sequence", "params": {"requests": [
            {"method": "store", "params": bad_params}, {"method": "info", "params": {}}]}});
        let (status, b) = c.post("/storage_rpc/v1", body.to_string()).await;
        assert_eq!(status, 200);
        let results = session_swarm::response::parse_batch(&b).unwrap();
        assert_eq!(results.len(), 1);
        assert!(results[0].code == 401 || results[0].code == 421);
        // oxend_request get_service_nodes.
        let req = session_swarm::rpc::oxend_get_service_nodes(
            &session_swarm::rpc::LIBSESSION_NODE_FIELDS,
        );
        let (status, _, text) = c.rpc(&req).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(
            session_swarm::node::parse_service_nodes(text.as_bytes())
                .unwrap()
                .len(),
            12
        );
    });
}

#[test]
fn a_thousand_stores_from_twenty_clients() {
    block_on(async {
        let mut tasks = tokio::task::JoinSet::new();
        for client in 0..20u8 {
            tasks.spawn(async move {
                let auth = user(100 + client);
                let members = swarm_of(auth.account_id());
                let mut conns = Vec::new();
                for m in &members {
                    conns.push(Conn::to(m).await);
                }
                let mut hashes = Vec::new();
                for i in 0..50u32 {
                    let data = format!("client {client} message {i}");
                    let req = store_req(&auth, 0, data.as_bytes());
                    let k = i as usize % conns.len();
                    let (status, v, text) = conns[k].rpc(&req).await;
                    assert_eq!(status, 200, "{text}");
                    assert!(
                        v["swarm"]
                            .as_object()
                            .unwrap()
                            .values()
                            .all(|e| e.get("failed").is_none()),
                        "{text}"
                    );
                    hashes.push(v["hash"].as_str().unwrap().to_owned());
                }
                (auth, hashes)
            });
        }
        let mut all = Vec::new();
        while let Some(r) = tasks.join_next().await {
            all.push(r.unwrap());
        }
        assert_eq!(all.iter().map(|(_, h)| h.len()).sum::<usize>(), 1000);
        for (auth, hashes) in &all {
            for m in swarm_of(auth.account_id()) {
                let (status, _, text) = Conn::to(&m).await.rpc(&retrieve_req(auth, 0)).await;
                assert_eq!(status, 200);
                let r = RetrieveResponse::parse(text.as_bytes()).unwrap();
                let got: Vec<&str> = r.messages.iter().map(|m| m.hash.as_str()).collect();
                let unique: std::collections::BTreeSet<&str> = got.iter().copied().collect();
                assert_eq!(unique.len(), got.len(), "a message twice");
                let want: std::collections::BTreeSet<&str> =
                    hashes.iter().map(String::as_str).collect();
                assert_eq!(unique, want);
                assert!(!r.more);
            }
        }
    });
}

/// A plain-HTTP "server" on 127.0.0.1 that opens the onion's last layer with its own X25519 key
/// and answers with an encrypted v4 reply: the last hop's proxy, end to end.
#[test]
fn relay_to_an_http_server() {
    use http_body_util::{BodyExt as _, Full};
    use session_onion::{IncomingLayer, NodeKeys, Protocol, ServerDestination};
    block_on(async {
        let server_key = Ed25519KeyPair::from_seed(&[55; 32]);
        let keys = std::sync::Arc::new(NodeKeys::from_ed25519_keypair(&server_key));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
        let (k, s) = (keys.clone(), seen.clone());
        let server = tokio::spawn(async move {
            loop {
                let (tcp, _) = listener.accept().await.unwrap();
                let (k, s) = (k.clone(), s.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (k, s) = (k.clone(), s.clone());
                            async move {
                                s.lock().unwrap().push(req.uri().path().to_owned());
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                let layer = IncomingLayer::parse_frame(&body).unwrap();
                                let (_plain, reply_key) = k.open(&layer).unwrap();
                                let reply = session_onion::encode_v4_response(
                                    200,
                                    &serde_json::Map::new(),
                                    b"hello from the server",
                                );
                                let ct = reply_key.encrypt(&mut OsRng, &reply);
                                Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(
                                    bytes::Bytes::from(ct),
                                )))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                        .await;
                });
            }
        });
        let n = nodes();
        let path: Vec<Hop> = n[4..7].iter().map(Hop::from).collect();
        let payload = session_onion::HttpRequest::new("GET", "/room/x").to_v4();
        let dest = ServerDestination::new("127.0.0.1", *keys.public_key())
            .protocol(Protocol::Http)
            .port(port);
        let (frame, pending) = OnionRequestBuilder::new(path, Destination::Server(dest), payload)
            .build(&mut OsRng)
            .unwrap();
        let (status, body) = Conn::to(&n[4]).await.post("/onion_req/v2", frame).await;
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        let resp = pending.decrypt_response(status, &body).unwrap();
        assert_eq!(resp.body, b"hello from the server");
        assert_eq!(seen.lock().unwrap().as_slice(), ["/oxen/v4/lsrpc"]);
        // (Targets outside the filter never leave the client: OnionRequestBuilder refuses them;
        // the node-side filter is session-onion's `NodeKeys::peel`, unit-tested there.)
        server.abort();
    });
}
