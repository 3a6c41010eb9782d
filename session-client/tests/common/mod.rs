//! Helpers of the network tests: a local network in this process, accounts, bounded polling.

#![allow(dead_code, unreachable_pub, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use session_client::{Client, EncType, Message, Network};
use session_identity::{AccountId, Ed25519KeyPair};
use session_node::{Testnet, TestnetConfig};

/// A fresh directory for a network (removed first if a previous run left it).
pub fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("session-client-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A 12-node network (3 swarms of 4) in `dir`.
pub async fn start_network(dir: &PathBuf) -> Testnet {
    Testnet::start(TestnetConfig::new(dir).nodes(12).swarm_size(4))
        .await
        .expect("local network starts")
}

/// A key pair from a label (distinct labels, distinct accounts).
pub fn keypair(label: &str) -> Ed25519KeyPair {
    let mut seed = [0u8; 32];
    for (i, b) in label.bytes().enumerate() {
        if let Some(s) = seed.get_mut(i % 32) {
            *s ^= b.wrapping_add(i as u8);
        }
    }
    seed[31] ^= 0x5a;
    Ed25519KeyPair::from_seed(&seed)
}

/// A client of the network for `label`'s account.
pub async fn client(net: &Testnet, label: &str, enc_type: EncType) -> Client {
    Client::builder()
        .identity(keypair(label))
        .network(Network::testnet_from_file(net.testnet_json()).expect("testnet.json"))
        .display_name(label)
        .enc_type(enc_type)
        .build()
        .await
        .expect("client bootstraps")
}

/// Polls until `n` messages in all arrived (at most `rounds` rounds, 100 ms apart).
pub async fn poll_until(client: &Client, n: usize, rounds: usize) -> Vec<Message> {
    let mut got = Vec::new();
    for _ in 0..rounds {
        match client.poll().await {
            Ok(mut v) => got.append(&mut v),
            Err(e) => eprintln!("poll failed (retrying): {e}"),
        }
        if got.len() >= n {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    got
}

/// The index of the node with this Ed25519 key in the network.
pub fn index_of(net: &Testnet, key: &session_identity::Ed25519PublicKey) -> usize {
    net.nodes()
        .iter()
        .position(|n| n.ed25519_pk() == key)
        .expect("node of the network")
}

/// The indexes of the members of `account`'s swarm.
pub fn swarm_indexes(net: &Testnet, client: &Client, account: &AccountId) -> Vec<usize> {
    let (_, members) = client.swarm_of(account).expect("swarm known");
    members
        .iter()
        .map(|m| index_of(net, m.ed25519_pk()))
        .collect()
}
