//! Round-trip properties of the swarm encodings (issue 6 §4): account and swarm ids in hex,
//! the node cache line, the 51-byte binary node record and the BTRequestStream frames of every
//! type. The never-panic properties of the parsers are in `properties.rs`.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use session_identity::Ed25519KeyPair;
use session_swarm::bt::{Frame, FrameType};
use session_swarm::node::BIN_RECORD_LEN;
use session_swarm::{ServiceNode, SwarmId, SwarmPubkey};
use std::net::Ipv4Addr;
use std::sync::LazyLock;

/// A few node keys (deriving one costs a scalar multiplication, so they are made once).
static KEYS: LazyLock<Vec<session_identity::Ed25519PublicKey>> = LazyLock::new(|| {
    (1u8..=8)
        .map(|b| Ed25519KeyPair::from_seed(&[b; 32]).public_key())
        .collect()
});

fn node(k: usize, ip: [u8; 4], https: u16, quic: u16, swarm: u64) -> ServiceNode {
    ServiceNode::new(
        KEYS[k % KEYS.len()],
        Ipv4Addr::from(ip),
        https,
        quic,
        SwarmId::new(swarm),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn swarm_pubkey_hex_round_trip(prefix in any::<u8>(), key in any::<[u8; 32]>(), upper in any::<bool>()) {
        let id = SwarmPubkey::from_parts(prefix, &key);
        let hex = id.to_hex();
        prop_assert_eq!(hex.len(), 66);
        let text = if upper { hex.to_uppercase() } else { hex.clone() };
        let back: SwarmPubkey = text.parse().unwrap();
        prop_assert_eq!(back.to_hex(), hex);
        prop_assert_eq!(back.key(), key);
        prop_assert_eq!(SwarmPubkey::try_from(&id.as_bytes()[..]).unwrap().to_hex(), id.to_hex());
    }

    #[test]
    fn swarm_id_hex_round_trip(id in any::<u64>()) {
        let id = SwarmId::new(id);
        prop_assert_eq!(SwarmId::from_hex(&id.to_hex()).unwrap(), id);
        prop_assert_eq!(SwarmId::from_hex(&id.to_hex().to_uppercase()).unwrap(), id);
    }

    #[test]
    fn cache_line_round_trip(
        k in 0usize..8,
        ip in any::<[u8; 4]>(),
        https in any::<u16>(),
        quic in any::<u16>(),
        swarm in any::<u64>(),
        version in any::<[u16; 3]>(),
    ) {
        let n = node(k, ip, https, quic, swarm).with_version(version);
        let line = n.to_cache_line();
        prop_assert_eq!(ServiceNode::from_cache_line(&line).unwrap().to_cache_line(), line);
    }

    #[test]
    fn bin_record_round_trip(
        k in 0usize..8,
        ip in any::<[u8; 4]>(),
        https in any::<u16>(),
        quic in any::<u16>(),
        swarm in any::<u64>(),
        version in proptest::option::of(any::<[u8; 3]>()),
    ) {
        let mut n = node(k, ip, https, quic, swarm);
        if let Some(v) = version {
            n = n.with_version(v.map(u16::from));
        }
        let r: [u8; BIN_RECORD_LEN] = n.to_bin_record().unwrap();
        let back = ServiceNode::from_bin_record(&r, 0).unwrap();
        // [0, 0, 0] is the record's "no version"
        let expected = if version == Some([0, 0, 0]) { node(k, ip, https, quic, swarm) } else { n };
        prop_assert_eq!(back, expected);
    }

    #[test]
    fn frames_of_every_type_round_trip(
        kind in 0u8..3,
        request_id in any::<i64>(),
        endpoint in "[a-z_]{1,20}",
        body in proptest::collection::vec(any::<u8>(), 0..300),
    ) {
        let f = match kind {
            0 => Frame::command(request_id, &endpoint, body),
            1 => Frame { frame_type: FrameType::Reply, request_id, endpoint: None, body },
            _ => Frame { frame_type: FrameType::Error, request_id, endpoint: None, body },
        };
        let bytes = f.encode().unwrap();
        prop_assert_eq!(Frame::decode(&bytes).unwrap(), f);
    }
}
