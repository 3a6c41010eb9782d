//! Server-side X-SOGS-* authentication: `verify_request` on arbitrary headers and request.
//! Input: fields separated by 0x00 — pubkey, timestamp, nonce, signature, method, path, body
//! (missing fields are absent headers; the clock is 1700000000, blinded keys required when the
//! first byte is even).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_community::auth::{AuthPolicy, ReceivedRequest, Stateless, verify_request};
use session_identity::X25519PublicKey;

fuzz_target!(|data: &[u8]| {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let fields: Vec<&str> = rest
        .split(|b| *b == 0)
        .map(|f| std::str::from_utf8(f).unwrap_or(""))
        .collect();
    let get = |i: usize| fields.get(i).copied();
    let names = ["X-SOGS-Pubkey", "X-SOGS-Timestamp", "X-SOGS-Nonce", "X-SOGS-Signature"];
    let headers: Vec<(&str, &str)> = names
        .iter()
        .enumerate()
        .filter_map(|(i, n)| get(i).map(|v| (*n, v)))
        .collect();
    let body = get(6).unwrap_or("").as_bytes();
    let req = ReceivedRequest {
        method: get(4).unwrap_or("GET"),
        path_and_query: get(5).unwrap_or("/"),
        body,
        headers: &headers,
    };
    let server = X25519PublicKey::from_bytes(&[0x93; 32]);
    let policy = AuthPolicy::new(flags % 2 == 0);
    if let Err(e) = verify_request(&server, &req, 1_700_000_000, policy, &mut Stateless) {
        assert!([400, 401, 403, 425].contains(&e.status()));
    }
});
