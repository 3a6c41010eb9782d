//! Node lists in every encoding (first byte picks): `get_swarm` answers, oxend
//! `get_service_nodes` JSON, seed bootstrap replies (JSON and bt, content type from the input),
//! bt-encoded node lists, the binary active-nodes records, the text cache file and one cache
//! line, and one 51-byte binary record.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_stack_fuzz::Cursor;
use session_swarm::ServiceNode;
use session_swarm::node::{
    BIN_RECORD_LEN, parse_active_nodes_bin, parse_node_list, parse_seed_bootstrap_response,
    parse_service_nodes, parse_service_nodes_bt, parse_swarm_answer,
};

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    match c.byte() % 8 {
        0 => drop(parse_swarm_answer(c.rest())),
        1 => drop(parse_service_nodes(c.rest())),
        2 => {
            let ct = c.short_field();
            if let Ok(ct) = std::str::from_utf8(ct) {
                drop(parse_seed_bootstrap_response(ct, c.rest()));
            }
        }
        3 => drop(parse_service_nodes_bt(c.rest())),
        4 => drop(parse_active_nodes_bin(c.rest())),
        5 => drop(parse_node_list(c.rest())),
        6 => {
            if let Ok(line) = std::str::from_utf8(c.rest())
                && let Ok(node) = ServiceNode::from_cache_line(line)
            {
                let again = ServiceNode::from_cache_line(&node.to_cache_line())
                    .expect("cache line round trip");
                assert_eq!(again.to_cache_line(), node.to_cache_line());
            }
        }
        _ => {
            let record: [u8; BIN_RECORD_LEN] = c.array();
            drop(ServiceNode::from_bin_record(&record, 0));
        }
    }
});
