//! Subaccounts on a real 4-node loopback network (two swarms of two): a group's read+write
//! subaccount stores and retrieves; the admin revokes it through one member and the other
//! member refuses it too (the revocation is replicated), except for reads of the unrevocable
//! namespace −11; unrevoking lets it store again; a member that was down during a revocation
//! learns it from its peers when it restarts. Every member's result is checked with the
//! client's parser (node signatures included).

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use common::{Conn, now_ms};
use session_identity::Ed25519KeyPair;
use session_node::{Testnet, TestnetConfig};
use session_swarm::auth::{Auth, SUBACCOUNT_READ, SUBACCOUNT_WRITE, request_message};
use session_swarm::response::{MemberOutcome, SwarmResponse};
use session_swarm::{
    Namespace, Retrieve, ServiceNode, Store, SubaccountToken, SwarmPubkey, SwarmTable, rpc,
};

fn store(auth: &Auth, ns: i16, data: &[u8]) -> session_swarm::Request {
    Store {
        namespace: Namespace::new(ns),
        data: data.to_vec(),
        timestamp_ms: now_ms(),
        ttl_ms: 3_600_000,
    }
    .sign(auth)
    .unwrap()
}

fn retrieve(auth: &Auth, ns: i16) -> session_swarm::Request {
    Retrieve {
        namespace: Namespace::new(ns),
        ..Default::default()
    }
    .sign(auth, now_ms())
    .unwrap()
}

async fn status_of(node: &ServiceNode, req: &session_swarm::Request) -> (u16, String) {
    let (status, _, text) = Conn::to(node).await.rpc(req).await;
    (status, text)
}

/// The per-member `count`s of a swarm-wide (un)revoke answer, every signature checked.
async fn revoke(node: &ServiceNode, req: &session_swarm::Request) -> Vec<Option<u64>> {
    let (status, text) = status_of(node, req).await;
    assert_eq!(status, 200, "{text}");
    let parsed = SwarmResponse::parse(req, text.as_bytes()).unwrap();
    parsed
        .successes()
        .map(|(_, o)| match o {
            MemberOutcome::Revoked { count } => *count,
            other => panic!("{other:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_subaccount_is_refused_by_every_member() {
    let dir = common::temp_dir("subaccounts");
    let mut net = Testnet::start(TestnetConfig::new(&dir).nodes(4).swarm_size(2))
        .await
        .unwrap();

    let admin = Ed25519KeyPair::from_seed(&[70; 32]);
    let group = SwarmPubkey::from_parts(0x03, admin.public_key().as_bytes());
    let owner = Auth::account(group, &admin).unwrap();
    let member = Ed25519KeyPair::from_seed(&[71; 32]);
    let token = SubaccountToken::new(
        0x03,
        SUBACCOUNT_READ | SUBACCOUNT_WRITE,
        &member.public_key(),
    );
    let sub = Auth::subaccount(group, token, token.sign(&admin), &member).unwrap();
    let members = SwarmTable::from_nodes(net.nodes())
        .lookup(&group)
        .unwrap()
        .nodes
        .to_vec();
    assert_eq!(members.len(), 2);
    let (entry, other) = (&members[0], &members[1]);

    // Before: the subaccount stores and reads.
    let (s, text) = status_of(entry, &store(&sub, 11, b"before")).await;
    assert_eq!(s, 200, "{text}");
    assert_eq!(status_of(other, &retrieve(&sub, 11)).await.0, 200);

    // Revoked through one member: the other refuses it as well.
    let req = rpc::revoke_subaccount(&owner, &[token], false, now_ms()).unwrap();
    assert_eq!(revoke(entry, &req).await, vec![None, None]);
    for node in [entry, other] {
        let (s, text) = status_of(node, &store(&sub, 11, b"after")).await;
        assert_eq!(
            (s, text.as_str()),
            (401, "store signature verification failed")
        );
        let (s, text) = status_of(node, &retrieve(&sub, 11)).await;
        assert_eq!(
            (s, text.as_str()),
            (401, "retrieve signature verification failed")
        );
        // Unrevocable namespace: still readable.
        let (s, text) = status_of(node, &retrieve(&sub, -11)).await;
        assert_eq!(s, 200, "{text}");
    }
    // The admin itself is not affected.
    assert_eq!(status_of(other, &store(&owner, 11, b"admin")).await.0, 200);

    // A subaccount cannot unrevoke itself (only the account key signs (un)revokes).
    let ts = now_ms();
    let mut body = rpc::revoke_subaccount(&owner, &[token], true, ts)
        .unwrap()
        .to_json();
    let msg = request_message::revoke_subaccount(true, ts, &[token]);
    body["params"]["signature"] = STANDARD.encode(sub.sign(&msg).as_ref()).into();
    let (s, text) = Conn::to(entry)
        .await
        .post("/storage_rpc/v1", body.to_string())
        .await;
    assert_eq!(
        (s, String::from_utf8_lossy(&text).as_ref()),
        (401, "unrevoke_subaccount signature verification failed")
    );

    // Unrevoked by the admin: one revocation removed on each member, stores work again.
    let req = rpc::revoke_subaccount(&owner, &[token], true, now_ms()).unwrap();
    assert_eq!(revoke(other, &req).await, vec![Some(1), Some(1)]);
    for node in [entry, other] {
        let (s, text) = status_of(node, &store(&sub, 11, b"again")).await;
        assert_eq!(s, 200, "{text}");
    }

    // A member down during a revocation learns it when it catches up on restart.
    let i = net.nodes().iter().position(|n| n == other).unwrap();
    net.stop_node(i).await.unwrap();
    let req = rpc::revoke_subaccount(&owner, &[token], false, now_ms()).unwrap();
    assert_eq!(
        revoke(entry, &req).await,
        vec![None],
        "only the live member answers"
    );
    net.restart_node(i).await.unwrap();
    let (s, text) = status_of(other, &store(&sub, 11, b"after restart")).await;
    assert_eq!(
        (s, text.as_str()),
        (401, "store signature verification failed")
    );

    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
