//! Storage-server RPC answers (first byte picks): `check_status` (status from the next two
//! bytes), `status_from_body`, `next_node_not_found`, `RetrieveResponse::parse`,
//! `InfoResponse::parse`, `parse_get_expiries`, `parse_batch`, and `SwarmResponse::parse` of a
//! recursive (delete) request, which checks every member's signature.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_stack_fuzz::Cursor;
use session_swarm::Auth;
use session_swarm::response::{
    InfoResponse, RetrieveResponse, SwarmResponse, batch_common_failure, check_status,
    next_node_not_found, parse_batch, parse_get_expiries, status_from_body,
};
use std::sync::LazyLock;

static DELETE: LazyLock<session_swarm::Request> = LazyLock::new(|| {
    let auth = Auth::session_id(&Ed25519KeyPair::from_seed(&[5; 32]));
    session_swarm::rpc::delete(
        &auth,
        &["AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"],
        true,
    )
    .expect("a valid delete request")
});

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let which = c.byte() % 8;
    let status = c.u16();
    let body = c.rest();
    match which {
        0 => drop(check_status(status, body)),
        1 => drop(status_from_body(body)),
        2 => drop(next_node_not_found(body)),
        3 => drop(RetrieveResponse::parse(body)),
        4 => drop(InfoResponse::parse(body)),
        5 => drop(parse_get_expiries(body)),
        6 => {
            if let Ok(results) = parse_batch(body) {
                for r in &results {
                    let _ = r.check();
                    let _ = r.body_bytes();
                }
                let _ = batch_common_failure(&results);
            }
        }
        _ => drop(SwarmResponse::parse(&DELETE, body)),
    }
});
