//! The node pool as a state machine driven by network answers: a pool of 16 nodes (on 6 IPs in
//! 3 /24 subnets, 4 swarms), the address rule or (first input byte odd) subnet diversity, then a
//! sequence of operations read from the input — path failures with a status and a body
//! (`"Next node not found: <key>"` bodies included), 421 answers with a parsed `get_swarm`
//! body, unreachable / dropped nodes, successes, path building and selection, swarm lookups —
//! none of which may panic; paths never share an IP (a /24 with subnet diversity), and the path
//! chosen for a destination never goes through its IP (its /24).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_stack_fuzz::{Cursor, rng};
use session_swarm::node::parse_swarm_answer;
use session_swarm::{NodePool, PoolConfig, ServiceNode, SwarmId, SwarmPubkey};
use std::collections::HashSet;
use std::net::Ipv4Addr;
use std::sync::LazyLock;

static NODES: LazyLock<Vec<ServiceNode>> = LazyLock::new(|| {
    (0u8..16)
        .map(|i| {
            let pk = Ed25519KeyPair::from_seed(&[i + 1; 32]).public_key();
            let ip = Ipv4Addr::new(10, 0, (i % 6) / 2, i % 6);
            ServiceNode::new(pk, ip, 443, 20200, SwarmId::new(u64::from(i % 4) << 62))
                .expect("valid key")
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let mut rng = rng();
    let by_subnet = c.byte() & 1 == 1;
    let config = if by_subnet {
        PoolConfig::subnet_diverse()
    } else {
        PoolConfig::default()
    };
    // What no two hops may share.
    let site = |n: &ServiceNode| {
        let o = n.ip().octets();
        if by_subnet { [o[0], o[1], o[2], 0] } else { o }
    };
    let mut pool = NodePool::new(config);
    if pool.apply_seed_answer(NODES.clone(), 0, &mut rng).is_err() {
        return;
    }
    let account = SwarmPubkey::from_parts(5, &[7; 32]);
    for _ in 0..16 {
        let op = c.byte();
        let node = &NODES[usize::from(c.byte()) % NODES.len()];
        match op % 9 {
            0 => drop(pool.ensure_paths(&mut rng)),
            1 | 2 => {
                let status = c.u16();
                let status = (op & 0x80 != 0).then_some(status);
                let mut body = c.short_field().to_vec();
                if op & 0x40 != 0 {
                    body = format!("Next node not found: {}", node.ed25519_pk()).into_bytes();
                }
                if let Some(id) = pool.paths().first().map(|p| p.id()) {
                    let _ = pool.on_failure(id, status, &body, &mut rng);
                }
            }
            3 => {
                let answer = parse_swarm_answer(c.short_field()).ok();
                let attempt = u32::from(c.byte() % 4);
                let _ = pool.on_wrong_swarm(
                    &account,
                    node.ed25519_pk(),
                    answer.as_ref(),
                    attempt,
                    &mut rng,
                );
            }
            4 => pool.on_node_unreachable(node.ed25519_pk()),
            5 => pool.drop_node(node.ed25519_pk()),
            6 => {
                if let Some(id) = pool.paths().first().map(|p| p.id()) {
                    pool.on_success(id);
                }
            }
            7 => {
                if let Some(p) = pool.path_for(Some(node), &mut rng) {
                    assert!(
                        p.nodes().iter().all(|n| site(n) != site(node)),
                        "path through the destination's IP or subnet"
                    );
                }
            }
            _ => {
                let _ = pool.swarm_for(&account);
                let _ = pool.random_swarm_member(&account, Some(node.ed25519_pk()), &mut rng);
            }
        }
        let mut seen = HashSet::new();
        assert!(
            pool.paths()
                .iter()
                .flat_map(|p| p.nodes())
                .all(|n| seen.insert(site(n))),
            "two hops share an IP or subnet"
        );
    }
});
