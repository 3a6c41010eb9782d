//! Differential: the swarm table's radix-indexed lookup (`swarm_for_position`) against its
//! binary search (`swarm_for_position_binary`), the free `closest_swarm`, and a brute-force
//! circular distance, on arbitrary sets of swarm ids and positions:
//! `x(8) ‖ swarm ids (8 bytes each)`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_stack_fuzz::Cursor;
use session_swarm::{ServiceNode, SwarmId, SwarmTable, closest_swarm};
use std::net::Ipv4Addr;
use std::sync::LazyLock;

static NODE: LazyLock<ServiceNode> = LazyLock::new(|| {
    let pk = Ed25519KeyPair::from_seed(&[1; 32]).public_key();
    ServiceNode::new(pk, Ipv4Addr::new(10, 0, 0, 1), 443, 0, SwarmId::new(0)).expect("valid key")
});

fn dist(a: u64, b: u64) -> u64 {
    a.wrapping_sub(b).min(b.wrapping_sub(a))
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let x = c.u64();
    let ids: Vec<SwarmId> = c
        .rest()
        .chunks_exact(8)
        .take(4096)
        .map(|w| SwarmId::new(u64::from_le_bytes(w.try_into().expect("8 bytes"))))
        .collect();
    let nodes: Vec<ServiceNode> = ids
        .iter()
        .map(|&id| NODE.clone().with_swarm_id(id))
        .collect();
    let table = SwarmTable::from_nodes(&nodes);

    let fast = table.swarm_for_position(x).map(|r| r.id);
    let binary = table.swarm_for_position_binary(x);
    assert_eq!(fast, binary, "radix lookup differs from binary search");
    let valid: Vec<SwarmId> = ids.iter().copied().filter(|i| !i.is_invalid()).collect();
    assert_eq!(
        closest_swarm(&valid, x),
        binary,
        "closest_swarm differs from the table"
    );
    match fast {
        None => assert!(valid.is_empty()),
        Some(id) => {
            let best = valid
                .iter()
                .map(|i| dist(i.get(), x))
                .min()
                .expect("non-empty");
            assert_eq!(dist(id.get(), x), best, "not the closest swarm");
        }
    }
});
