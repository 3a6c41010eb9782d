//! A Session service node compatible with the real network's client protocol, and a whole
//! Session network on one machine.
//!
//! * [`Node`]: one node — HTTPS (`/onion_req/v2`, `/storage_rpc/v1`, `/json_rpc`,
//!   `/ping_test/v1`, `/get_stats/v1`), onion processing with `session-onion`'s node side, the
//!   storage RPC of `session-swarm::server` over SQLite, swarm replication and catch-up.
//! * [`Testnet`]: N nodes in this process on `127.0.0.2`, `127.0.0.3`, …, evenly spaced swarms,
//!   `DIR/testnet.json` for clients and tools (`session testnet up` drives it).
//! * [`CommunityServer`]: an in-memory community server on a loopback address (plain HTTP and
//!   the onion endpoint `/oxen/v4/lsrpc`) for local networks and tests — **not a production
//!   community server**; [`TestnetConfig::community`] starts one beside the nodes.
//!
//! Node-to-node traffic uses the same HTTPS listener (`POST /sn/onion_req` with the bencoded
//! `sn.onion_request` message, `POST /sn/storage` for forwarded recursive requests,
//! `POST /sn/sync` for catch-up); every such request is signed by the sending node's Ed25519
//! key (headers `X-SN-Pubkey`, `X-SN-Timestamp`, `X-SN-Signature`, see
//! [`session_swarm::server::peer_request_message`]) and refused with 401 unless the sender is
//! in the node list.
//!
//! # Using a local network in tests and examples
//!
//! ```
//! # #[tokio::main(flavor = "multi_thread", worker_threads = 2)]
//! # async fn main() -> Result<(), session_node::Error> {
//! use session_node::{Testnet, TestnetConfig};
//!
//! let dir = std::env::temp_dir().join(format!("session-node-doc-{}", std::process::id()));
//! # let _ = std::fs::remove_dir_all(&dir);
//! // 12 nodes on 127.0.0.2..=127.0.0.13, 3 swarms of 4.
//! let mut net = Testnet::start(TestnetConfig::new(&dir).nodes(12).swarm_size(4)).await?;
//!
//! // Bootstrap a client from these (POST <seed>/json_rpc get_n_service_nodes) ...
//! let seeds: Vec<String> = net.seeds(); // ["https://127.0.0.2:22021", ...]
//! assert_eq!(seeds.len(), 3);
//! // ... or read the whole list (keys, addresses, swarm ids), also in DIR/testnet.json.
//! assert_eq!(net.nodes().len(), 12);
//! assert!(net.testnet_json().exists());
//!
//! // Faults for client tests:
//! net.stop_node(5).await?;        // node 5 refuses connections: relays answer 502 unreachable
//! net.restart_node(5).await?;     // same key, port and messages; catches up from its swarm
//! net.set_stale_view(6, true)?;   // node 6 answers 421 for the accounts of its swarm
//! net.set_stale_view(6, false)?;
//! let i = net.add_node().await?;  // a 13th node on 127.0.0.14
//! assert_eq!(i, 12);
//!
//! net.stop().await;
//! # let _ = std::fs::remove_dir_all(&dir);
//! # Ok(())
//! # }
//! ```
//!
//! Clients talk to nodes over HTTPS without verifying certificates (as on the real network);
//! [`insecure_client_config`] is a `rustls` configuration that does that.

#![forbid(unsafe_code)]

mod community;
mod conn;
mod error;
mod keys;
mod node;
mod peer;
mod proxy;
mod store;
mod testnet;
mod tls;
mod view;

pub use community::CommunityServer;
pub use error::{Error, Result};
pub use node::{
    FORWARD_TIMEOUT, IDLE_TIMEOUT, Limits, MAX_BODY, MAX_CONNECTIONS, MAX_IN_FLIGHT, Node,
    NodeConfig, RELAY_TIMEOUT, bind, node_key,
};
pub use testnet::{
    DEFAULT_NODES, DEFAULT_PORT, DEFAULT_SWARM_SIZE, MAX_NODES, Testnet, TestnetConfig, swarm_id_of,
};
pub use tls::insecure_client_config;

/// Unix time in milliseconds (0 if the clock is before 1970).
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
