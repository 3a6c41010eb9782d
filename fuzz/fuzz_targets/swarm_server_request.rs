//! A node's parsing and checking of a client's storage request (`session_swarm::server`):
//! `parse_call` → `ClientRequest::parse` → `account` / `method` → `check` (both windows, with
//! the node clock at a fixed time), and for a store the message hash. Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_swarm::server::{ClientRequest, parse_call};

fuzz_target!(|data: &[u8]| {
    let Ok(call) = parse_call(data) else { return };
    let Ok(req) = ClientRequest::parse(&call) else {
        return;
    };
    let _ = req.account();
    let _ = req.method();
    for forwarded in [false, true] {
        let _ = req.check(1_700_000_000_000, forwarded);
    }
    if let ClientRequest::Store(s) = &req {
        assert_eq!(s.hash().len(), 43);
    }
    if let ClientRequest::Expire(e) = &req {
        for i in 0..e.messages.len() {
            let _ = e.applied_expiry(i, u64::MAX);
        }
    }
});
