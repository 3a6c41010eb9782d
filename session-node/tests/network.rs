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
