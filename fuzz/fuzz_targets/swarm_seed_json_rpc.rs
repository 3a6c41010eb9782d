//! A seed node's answer to any `POST /json_rpc` body (`session_swarm::server::json_rpc_answer`)
//! over a small node list: always a JSON-RPC object, never a panic; a result's node list
//! parses back.
#![no_main]

use std::net::Ipv4Addr;
use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_swarm::server::json_rpc_answer;
use session_swarm::{ServiceNode, SwarmId};

static NODES: LazyLock<Vec<ServiceNode>> = LazyLock::new(|| {
    (1..=4u8)
        .map(|i| {
            let k = Ed25519KeyPair::from_seed(&[i; 32]);
            ServiceNode::new(
                k.public_key(),
                Ipv4Addr::new(127, 0, 0, i + 1),
                22021,
                0,
                SwarmId::new(u64::from(i % 2) << 63),
            )
            .expect("a valid node")
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let v = json_rpc_answer(data, &NODES, 7);
    assert_eq!(v["jsonrpc"], "2.0");
    if v.get("result").is_some() {
        let nodes = session_swarm::node::parse_service_nodes(v.to_string().as_bytes())
            .expect("our own answer parses");
        assert_eq!(nodes.len(), NODES.len());
    }
});
