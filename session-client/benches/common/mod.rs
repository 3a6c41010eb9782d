//! Shared by the client's benches: a local network in this process (loopback only), clients
//! of it, and the figures the benches print.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::path::PathBuf;
use std::time::Duration;

use session_client::{Client, Network};
use session_identity::Ed25519KeyPair;
use session_node::{Testnet, TestnetConfig};

/// The numbers among the bench's arguments (`cargo bench` passes `--bench`; numbers are ours).
pub fn numbers() -> Vec<usize> {
    std::env::args().filter_map(|a| a.parse().ok()).collect()
}

/// A local network of 12 nodes in swarms of 4, `config` applied, in a fresh
/// `session-bench-NAME-PID` directory of the temp dir (returned, to remove at the end).
pub async fn testnet(
    name: &str,
    config: impl FnOnce(TestnetConfig) -> TestnetConfig,
) -> (Testnet, PathBuf) {
    let dir = std::env::temp_dir().join(format!("session-bench-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let net = Testnet::start(config(TestnetConfig::new(&dir).nodes(12).swarm_size(4)))
        .await
        .unwrap();
    (net, dir)
}

/// A client of `net` for the account whose Ed25519 seed is 32 bytes of `i`.
pub async fn client(net: &Testnet, i: u8) -> Client {
    Client::builder()
        .identity(Ed25519KeyPair::from_seed(&[i; 32]))
        .network(Network::testnet_from_file(net.testnet_json()).unwrap())
        .build()
        .await
        .unwrap()
}

/// The `p` percentile (0 to 1) of sorted durations.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A duration in milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
