//! Faults on a local network started in this test (12 nodes, 3 swarms of 4): a relay stopped
//! mid-run, a swarm member restarted, a swarm member with a stale view answering 421. One
//! network, the scenarios in sequence (each restores the network afterwards).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;

use session_client::EncType;
use session_node::Testnet;

use common::{client, fresh_dir, index_of, poll_until, start_network, swarm_indexes};

/// Paths' relays stop, then their guards; the client drops them, rebuilds its paths, and still
/// delivers.
async fn relay_stopped_mid_run(net: &mut Testnet) {
    let alice = client(net, "relay-alice", EncType::XChaCha20).await;
    let bob = client(net, "relay-bob", EncType::AesGcm).await;
    alice.send(bob.account_id(), "before").await.unwrap();

    // Stop the middle relay of every path Alice has: whichever path she uses next fails.
    let mut stopped = Vec::new();
    for path in alice.paths() {
        let relay = index_of(net, path[1].ed25519_pk());
        net.stop_node(relay).await.unwrap();
        stopped.push(*path[1].ed25519_pk());
    }
    let receipt = alice
        .send(bob.account_id(), "after the relay died")
        .await
        .unwrap();
    assert!(
        receipt.path.iter().all(|k| !stopped.contains(k)),
        "the path that delivered avoids the stopped relays"
    );
    let stats = alice.stats();
    assert!(stats.path_failures >= 1, "{stats:?}");
    // The repaired path keeps working (the other may still hold a stopped relay until used).
    let again = alice.send(bob.account_id(), "and again").await.unwrap();
    assert!(again.path.iter().all(|k| !stopped.contains(k)));
    let got = poll_until(&bob, 3, 50).await;
    let texts: HashSet<_> = got.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(texts.len(), 3, "{texts:?}");
    assert!(texts.contains("before") && texts.contains("after the relay died"));

    for key in stopped {
        net.restart_node(index_of(net, &key)).await.unwrap();
    }

    // Now the guards: a refused connection marks the guard unreachable and drops its path.
    let guards: Vec<_> = alice.paths().iter().map(|p| *p[0].ed25519_pk()).collect();
    for g in &guards {
        net.stop_node(index_of(net, g)).await.unwrap();
    }
    let receipt = alice
        .send(bob.account_id(), "after the guard died")
        .await
        .unwrap();
    assert!(!guards.contains(&receipt.path[0]));
    assert!(alice.stats().unreachable_guards >= 1, "{:?}", alice.stats());
    let got = poll_until(&bob, 1, 50).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text.as_deref(), Some("after the guard died"));
    for g in &guards {
        net.restart_node(index_of(net, g)).await.unwrap();
    }
}

/// A member misses a message while down, restarts, catches up: with every other member
/// stopped, it alone serves both messages.
async fn restarted_node_loses_nothing(net: &mut Testnet) {
    let alice = client(net, "restart-alice", EncType::XChaCha20).await;
    let carol = client(net, "restart-carol", EncType::XChaCha20).await;
    let members = swarm_indexes(net, &carol, carol.account_id());
    assert_eq!(members.len(), 4);
    let victim = members[0];

    alice
        .send(carol.account_id(), "while all up")
        .await
        .unwrap();
    net.stop_node(victim).await.unwrap();
    alice
        .send(carol.account_id(), "while one was down")
        .await
        .unwrap();
    net.restart_node(victim).await.unwrap();
    for &m in &members[1..] {
        net.stop_node(m).await.unwrap();
    }

    let carol2 = client(net, "restart-carol", EncType::XChaCha20).await;
    let got = poll_until(&carol2, 2, 50).await;
    let texts: HashSet<_> = got.iter().filter_map(|m| m.text.clone()).collect();
    assert_eq!(
        texts,
        HashSet::from(["while all up".to_owned(), "while one was down".to_owned()])
    );

    for &m in &members[1..] {
        net.restart_node(m).await.unwrap();
    }
}

/// A member believes it is in another swarm and answers 421: the client follows the answer to
/// the right members.
async fn wrong_swarm_is_followed(net: &mut Testnet) {
    let alice = client(net, "stale-alice", EncType::XChaCha20).await;
    let dave = client(net, "stale-dave", EncType::XChaCha20).await;
    let members = swarm_indexes(net, &dave, dave.account_id());
    let stale = members[0];
    net.set_stale_view(stale, true).unwrap();

    alice
        .send(dave.account_id(), "through a stale swarm")
        .await
        .unwrap();
    // A poll asks every member, the stale one included.
    let dave2 = client(net, "stale-dave", EncType::XChaCha20).await;
    let got = poll_until(&dave2, 1, 50).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].text.as_deref(), Some("through a stale swarm"));
    let stats = dave2.stats();
    assert!(stats.wrong_swarm >= 1, "{stats:?}");

    net.set_stale_view(stale, false).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults() {
    let dir = fresh_dir("faults");
    let mut net = start_network(&dir).await;
    relay_stopped_mid_run(&mut net).await;
    restarted_node_loses_nothing(&mut net).await;
    wrong_swarm_is_followed(&mut net).await;
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
