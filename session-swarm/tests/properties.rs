//! Property tests over the public API.

#![allow(clippy::unwrap_used)]

use std::collections::HashSet;
use std::net::Ipv4Addr;

use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use session_identity::Ed25519KeyPair;
use session_swarm::bt::{Frame, FrameType};
use session_swarm::node::{
    parse_active_nodes_bin, parse_node_list, parse_service_nodes_bt, parse_swarm_answer,
};
use session_swarm::response::{RetrieveResponse, parse_batch};
use session_swarm::{NodePool, PoolConfig, ServiceNode, SwarmId, SwarmPubkey, SwarmTable};

/// Brute force: the id at minimal ring distance; on a tie, the "left" neighbour (the id just
/// below `x` on the ring).
fn brute_force(ids: &[u64], x: u64) -> Option<u64> {
    let dist = |id: u64| id.wrapping_sub(x).min(x.wrapping_sub(id));
    let best = ids.iter().map(|&id| dist(id)).min()?;
    let tied: Vec<u64> = ids.iter().copied().filter(|&id| dist(id) == best).collect();
    // Of two tied ids, the one reached going down from x (x - id == best) is the left one.
    tied.iter()
        .copied()
        .find(|&id| x.wrapping_sub(id) == best)
        .or(tied.first().copied())
}

/// `count` nodes (keys derived once and reused: the table only looks at swarm ids).
fn node_pool(count: usize) -> Vec<ServiceNode> {
    static BASE: std::sync::OnceLock<Vec<ServiceNode>> = std::sync::OnceLock::new();
    let base = BASE.get_or_init(|| {
        (0..64u8)
            .map(|b| {
                let pk = Ed25519KeyPair::from_seed(&[b; 32]).public_key();
                ServiceNode::new(pk, Ipv4Addr::new(10, 0, 0, b), 443, 20200, SwarmId::new(0))
                    .unwrap()
            })
            .collect()
    });
    base.iter().cycle().take(count).cloned().collect()
}

/// One signed request per recursive method, to parse arbitrary answers against.
fn requests() -> &'static [session_swarm::Request] {
    use session_swarm::auth::{Auth, ExpireMode};
    use session_swarm::{Namespace, NamespaceSelector, Store, rpc};
    static REQUESTS: std::sync::OnceLock<Vec<session_swarm::Request>> = std::sync::OnceLock::new();
    REQUESTS.get_or_init(|| {
        let auth = Auth::session_id(&Ed25519KeyPair::from_seed(&[9; 32]));
        let hash = ["DNLKvgPlL+Vp6V+RVHDlvAGLPYn3IgLw2ExqU9MFLsk"];
        vec![
            Store {
                namespace: Namespace::new(2),
                data: b"x".to_vec(),
                timestamp_ms: 1,
                ttl_ms: 20_000,
            }
            .sign(&auth)
            .unwrap(),
            rpc::delete(&auth, &hash, false).unwrap(),
            rpc::delete_all(&auth, NamespaceSelector::All, 1).unwrap(),
            rpc::delete_before(&auth, NamespaceSelector::All, 1).unwrap(),
            rpc::expire_all(&auth, NamespaceSelector::All, 1).unwrap(),
            rpc::expire(&auth, &hash, &[5], ExpireMode::Extend).unwrap(),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn table_agrees_with_brute_force(
        ids in prop_oneof![
            proptest::collection::btree_set(any::<u64>(), 1..60),
            // Clustered ids: many share their top bits (one radix bucket).
            proptest::collection::btree_set((0u64..64).prop_map(|v| (v << 40) | 0x7fff_0000_0000_0000), 1..60),
            proptest::collection::btree_set(any::<u64>(), 1..3000),
        ],
        key in any::<[u8; 32]>(),
        near in any::<bool>(),
        offset in 0u64..3,
    ) {
        let ids: Vec<u64> = ids.into_iter().filter(|&i| i != u64::MAX).collect();
        prop_assume!(!ids.is_empty());
        let id = SwarmPubkey::from_parts(5, &key);
        // Sometimes aim at exact midpoints and ids, where the tie rule matters.
        let x = if near && ids.len() > 1 {
            let a = ids[0];
            let b = ids[ids.len() - 1];
            let mid = a.wrapping_add(b.wrapping_sub(a) / 2);
            mid.wrapping_add(offset)
        } else {
            id.swarm_space()
        };
        let swarm_ids: Vec<SwarmId> = ids.iter().map(|&i| SwarmId::new(i)).collect();
        let expected = brute_force(&ids, x);
        prop_assert_eq!(session_swarm::closest_swarm(&swarm_ids, x).map(SwarmId::get), expected);

        let nodes: Vec<ServiceNode> = node_pool(ids.len())
            .into_iter()
            .zip(&ids)
            .map(|(n, &sid)| n.with_swarm_id(SwarmId::new(sid)))
            .collect();
        let table = SwarmTable::from_nodes(&nodes);
        let got = table.swarm_for_position(x).map(|s| s.id.get());
        prop_assert_eq!(got, expected);
        prop_assert_eq!(table.swarm_for_position_binary(x).map(SwarmId::get), expected);
        let via_id = table.lookup(&id).map(|s| s.id.get());
        prop_assert_eq!(via_id, brute_force(&ids, id.swarm_space()));
    }

    #[test]
    fn paths_never_share_an_ip(
        seed in any::<u64>(),
        count in 3usize..40,
        distinct in 1u8..20,
        ops in proptest::collection::vec(0u8..4, 0..12),
        by_subnet in any::<bool>(),
    ) {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let nodes: Vec<ServiceNode> = (0..count)
            .map(|i| {
                let b = u8::try_from(i).unwrap();
                let pk = Ed25519KeyPair::from_seed(&[b; 32]).public_key();
                // Four addresses per /24 subnet.
                let ip = Ipv4Addr::new(10, 1, (b % distinct) / 4, b % distinct);
                ServiceNode::new(pk, ip, 443, 20200, SwarmId::new(u64::from(b % 3))).unwrap()
            })
            .collect();
        let config = if by_subnet { PoolConfig::subnet_diverse() } else { PoolConfig::default() };
        let mut pool = NodePool::new(config);
        pool.apply_seed_answer(nodes.clone(), 0, &mut rng).unwrap();
        // What no two hops may share: the address, or its /24 with subnet diversity.
        let site = |n: &ServiceNode| {
            let o = n.ip().octets();
            if by_subnet { [o[0], o[1], o[2], 0] } else { o }
        };
        let check = |pool: &NodePool| {
            let mut seen = HashSet::new();
            pool.paths().iter().all(|p| p.nodes().len() == 3)
                && pool.paths().iter().flat_map(|p| p.nodes()).all(|n| seen.insert(site(n)))
        };
        for op in ops {
            match op {
                0 => { let _ = pool.ensure_paths(&mut rng); }
                1 => {
                    if let Some(id) = pool.paths().first().map(|p| p.id()) {
                        let _ = pool.on_failure(id, None, b"boom", &mut rng);
                    }
                }
                2 => {
                    if let Some((id, hop)) = pool.paths().first().and_then(|p| Some((p.id(), *p.nodes().get(1)?.ed25519_pk()))) {
                        let body = format!("Next node not found: {hop}");
                        let _ = pool.on_failure(id, Some(502), body.as_bytes(), &mut rng);
                    }
                }
                _ => {
                    if let Some(dest) = nodes.first() {
                        if let Some(p) = pool.path_for(Some(dest), &mut rng) {
                            prop_assert!(p.nodes().iter().all(|n| site(n) != site(dest)));
                        }
                    }
                }
            }
            prop_assert!(check(&pool));
        }
    }

    #[test]
    fn parsers_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = parse_node_list(&bytes);
        let _ = parse_swarm_answer(&bytes);
        let _ = session_swarm::node::parse_seed_bootstrap_response("application/json", &bytes);
        let _ = parse_service_nodes_bt(&bytes);
        let _ = parse_active_nodes_bin(&bytes);
        if let Ok(f) = Frame::decode(&bytes) {
            let _ = session_swarm::response::quic_reply(&f);
        }
        for frame_type in [FrameType::Reply, FrameType::Error] {
            let f = Frame { frame_type, request_id: 0, endpoint: None, body: bytes.clone() };
            let _ = session_swarm::response::quic_reply(&f);
        }
        let _ = RetrieveResponse::parse(&bytes);
        let _ = parse_batch(&bytes);
        let _ = session_swarm::response::InfoResponse::parse(&bytes);
        let _ = session_swarm::response::parse_get_expiries(&bytes);
        let _ = session_swarm::response::next_node_not_found(&bytes);
        for request in requests() {
            let _ = session_swarm::SwarmResponse::parse(request, &bytes);
        }
        let _ = session_swarm::response::check_status(421, &bytes);
        if let Ok(s) = std::str::from_utf8(&bytes) {
            let _ = s.parse::<SwarmPubkey>();
            let _ = SwarmId::from_hex(s);
            let _ = ServiceNode::from_cache_line(s);
        }
    }

    #[test]
    fn swarm_answers_never_panic(
        key in "[0-9a-f]{64}",
        deleted in proptest::collection::vec("[A-Za-z0-9+/]{0,44}", 0..4),
        sig in "[A-Za-z0-9+/=]{0,90}",
        expiry in any::<i64>(),
    ) {
        let entry = serde_json::json!({
            "hash": deleted.first(), "deleted": deleted, "updated": {"1": deleted},
            "expiry": expiry, "signature": sig, "unchanged": {"a": expiry},
        });
        let body = serde_json::json!({"swarm": {key: entry}}).to_string();
        for request in requests() {
            if let Ok(r) = session_swarm::SwarmResponse::parse(request, body.as_bytes()) {
                prop_assert_eq!(r.successes().count(), 0);
            }
        }
    }

    #[test]
    fn json_shaped_inputs_never_panic(
        ip in "[0-9.]{0,16}",
        ed in "[0-9a-fA-F]{0,66}",
        port in any::<i64>(),
        swarm in any::<i64>(),
    ) {
        let text = format!(
            r#"[{{"pubkey_ed25519":"{ed}","public_ip":"{ip}","storage_port":{port},"swarm_id":{swarm}}}]"#
        );
        let _ = parse_node_list(text.as_bytes());
        let text = format!(r#"{{"snodes":[{{"pubkey_ed25519":"{ed}","ip":"{ip}","port":"{port}"}}],"swarm":"{ed}"}}"#);
        let _ = parse_swarm_answer(text.as_bytes());
    }

    #[test]
    fn frames_round_trip(enc in proptest::collection::vec(any::<u8>(), 0..200)) {
        let f = Frame::command(7, "store", enc.clone());
        prop_assert_eq!(Frame::decode(&f.encode().unwrap()).unwrap(), f);
    }
}
