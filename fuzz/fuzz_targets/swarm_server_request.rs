//! A node's parsing and checking of a client's storage request (`session_swarm::server`):
//! `parse_call` → `ClientRequest::parse` → `account` / `method` → `check` (both windows, with
//! the node clock at a fixed time) and `check_revocable` with the subaccount token revoked or
//! not, and for a store the message hash. Must never panic.
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
    let token = req.subaccount_token().copied();
    for forwarded in [false, true] {
        let plain = req.check(1_700_000_000_000, forwarded);
        assert_eq!(
            plain,
            req.check_revocable(1_700_000_000_000, forwarded, false)
        );
        // A revoked token can only turn an accepted request into a 401; without a token
        // revocation changes nothing.
        let revoked = req.check_revocable(1_700_000_000_000, forwarded, true);
        match (&plain, &revoked) {
            (Ok(()), Err(e)) => assert!(token.is_some() && e.status() == 401),
            (Err(a), Err(b)) => assert_eq!(a, b),
            (Err(_), Ok(())) => panic!("revocation accepted a refused request"),
            (Ok(()), Ok(())) => {}
        }
    }
    if let ClientRequest::Revoke(r) = &req {
        assert!(!r.tokens.is_empty() && r.tokens.len() <= 50);
        assert!(token.is_none());
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
