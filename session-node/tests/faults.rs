//! Faults on a real 12-node loopback network: a stopped relay, a killed and restarted member
//! that catches up (stores and deletes it missed), a stale view (421), an added node, and the
//! whole network restarted from its directory. One network, one test, run in order.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::time::{Duration, Instant};

use common::{Conn, now_ms};
use rand_core::OsRng;
use session_identity::Ed25519KeyPair;
use session_node::{Testnet, TestnetConfig};
use session_onion::{Destination, Hop, OnionRequestBuilder};
use session_swarm::auth::Auth;
use session_swarm::response::{MemberFailure, RetrieveResponse, SwarmResponse};
use session_swarm::{Namespace, Retrieve, ServiceNode, Store, SwarmTable};

fn store_req(auth: &Auth, data: &[u8]) -> session_swarm::Request {
    Store {
        namespace: Namespace::new(0),
        data: data.to_vec(),
        timestamp_ms: now_ms(),
        ttl_ms: 3_600_000,
    }
    .unsigned(auth.account_id())
    .unwrap()
}

async fn hashes_on(node: &ServiceNode, auth: &Auth) -> Vec<String> {
    let req = Retrieve::default().sign(auth, now_ms()).unwrap();
    let (status, _, text) = Conn::to(node).await.rpc(&req).await;
    assert_eq!(status, 200, "{text}");
    RetrieveResponse::parse(text.as_bytes())
        .unwrap()
        .messages
        .into_iter()
        .map(|m| m.hash)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults() {
    let dir = common::temp_dir("faults");
    let mut net = Testnet::start(TestnetConfig::new(&dir)).await.unwrap();
    let nodes = net.nodes().to_vec();
    let table = SwarmTable::from_nodes(&nodes);
    let index = |n: &ServiceNode| nodes.iter().position(|m| m == n).unwrap();

    // --- A stopped relay: "Next node is currently unreachable" at once.
    let (guard, relay, exit, dest) = (&nodes[0], &nodes[1], &nodes[2], &nodes[3]);
    net.stop_node(1).await.unwrap();
    let (frame, pending) = OnionRequestBuilder::new(
        vec![Hop::from(guard), Hop::from(relay), Hop::from(exit)],
        Destination::ServiceNode(Hop::from(dest)),
        br#"{"method":"info","params":{}}"#.to_vec(),
    )
    .build(&mut OsRng)
    .unwrap();
    let mut c = Conn::to(guard).await;
    let t = Instant::now();
    let (status, body) = c.post("/onion_req/v2", frame).await;
    let elapsed = t.elapsed();
    assert_eq!(status, 502);
    assert_eq!(
        String::from_utf8_lossy(&body),
        format!("Next node is currently unreachable: {}", relay.ed25519_pk())
    );
    assert!(elapsed < Duration::from_secs(1), "took {elapsed:?}");
    assert!(pending.decrypt_response(status, &body).is_err());
    net.restart_node(1).await.unwrap();

    // --- A member killed while its swarm takes stores and a delete; restarted, it catches up.
    let alice = Auth::session_id(&Ed25519KeyPair::from_seed(&[42; 32]));
    let members = table.lookup(alice.account_id()).unwrap().nodes.to_vec();
    let (victim, entry) = (&members[0], &members[1]);
    let mut c = Conn::to(entry).await;
    let (status, before, _) = c.rpc(&store_req(&alice, b"before the crash")).await;
    assert_eq!(status, 200);
    let doomed = before["hash"].as_str().unwrap().to_owned();
    net.stop_node(index(victim)).await.unwrap();
    let mut missed = Vec::new();
    for i in 0..5u8 {
        let req = store_req(&alice, &[b'x', i]);
        let (status, v, text) = c.rpc(&req).await;
        assert_eq!(status, 200, "{text}");
        let parsed = SwarmResponse::parse(&req, text.as_bytes()).unwrap();
        assert_eq!(parsed.successes().count(), 3);
        let down = parsed
            .members
            .iter()
            .find(|m| m.node == *victim.ed25519_pk())
            .unwrap();
        assert!(matches!(
            down.outcome,
            Err(MemberFailure::Failed { timeout: true, .. })
        ));
        missed.push(v["hash"].as_str().unwrap().to_owned());
    }
    let del = session_swarm::rpc::delete(&alice, std::slice::from_ref(&doomed), false).unwrap();
    assert_eq!(c.rpc(&del).await.0, 200);
    net.restart_node(index(victim)).await.unwrap();
    let on_victim = hashes_on(victim, &alice).await;
    for h in &missed {
        assert!(on_victim.contains(h), "restarted member lacks {h}");
    }
    assert!(!on_victim.contains(&doomed), "a deleted message came back");
    assert_eq!(net.message_count(index(victim)), Some(5));

    // --- A stale view: that member answers 421 naming the account's swarm.
    net.set_stale_view(index(entry), true).unwrap();
    let req = Retrieve::default().sign(&alice, now_ms()).unwrap();
    let (status, _, text) = Conn::to(entry).await.rpc(&req).await;
    assert_eq!(status, 421, "{text}");
    let answer = session_swarm::node::parse_swarm_answer(text.as_bytes()).unwrap();
    assert_eq!(answer.swarm_id, entry.swarm_id());
    net.set_stale_view(index(entry), false).unwrap();
    assert_eq!(Conn::to(entry).await.rpc(&req).await.0, 200);

    // --- A 13th node joins; every node lists it.
    let i = net.add_node().await.unwrap();
    assert_eq!(i, 12);
    let new = net.nodes()[12].clone();
    let (status, _) = Conn::to(&new).await.post("/ping_test/v1", "").await;
    assert_eq!(status, 200);
    let body = session_swarm::rpc::seed_bootstrap_request_with(
        &session_swarm::rpc::SEED_NODE_FIELDS_WITH_SWARM,
    );
    let (_, ct, b) = Conn::to(&nodes[0])
        .await
        .request("POST", "/json_rpc", &[], body.to_string().into_bytes())
        .await;
    let list = session_swarm::node::parse_seed_bootstrap_response(&ct, &b).unwrap();
    assert!(list.iter().any(|n| n.ed25519_pk() == new.ed25519_pk()));

    // --- The whole network stopped and started from its directory keeps keys, ports, messages.
    let before: Vec<ServiceNode> = net.nodes().to_vec();
    net.stop().await;
    let net = Testnet::start(TestnetConfig::new(&dir)).await.unwrap();
    assert_eq!(net.nodes(), &before[..]);
    for m in &members {
        let got = hashes_on(m, &alice).await;
        for h in &missed {
            assert!(got.contains(h));
        }
    }
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
