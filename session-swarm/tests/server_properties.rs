//! The node-side parsers never panic: random bytes and random storage requests (random method
//! names and parameter values of every JSON type) through `parse_call` → `ClientRequest::parse`
//! → `check`, the seed's `json_rpc_answer`, and `verify_peer_request`.

#![allow(clippy::unwrap_used, missing_docs)]

use proptest::prelude::*;
use serde_json::{Map, Value, json};
use session_identity::Ed25519KeyPair;
use session_swarm::server::{ClientRequest, json_rpc_answer, parse_call, verify_peer_request};

const METHODS: [&str; 16] = [
    "info",
    "get_swarm",
    "oxend_request",
    "store",
    "retrieve",
    "delete",
    "delete_all",
    "delete_before",
    "expire",
    "expire_all",
    "get_expiries",
    "batch",
    "sequence",
    "ifelse",
    "revoke_subaccount",
    "x",
];
const KEYS: [&str; 22] = [
    "pubkey",
    "pubKey",
    "pubkey_ed25519",
    "signature",
    "timestamp",
    "sig_timestamp",
    "ttl",
    "expiry",
    "data",
    "namespace",
    "last_hash",
    "lastHash",
    "max_count",
    "max_size",
    "messages",
    "required",
    "before",
    "shorten",
    "extend",
    "subaccount",
    "subaccount_sig",
    "requests",
];

fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(Value::from(1_700_000_000_000u64)),
        Just(Value::from(format!("05{}", "ab".repeat(32)))),
        Just(Value::from("all")),
        Just(Value::from("A".repeat(43))),
        Just(Value::from("A".repeat(88))),
        ".{0,40}".prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::vec((prop::sample::select(&KEYS[..]), inner), 0..4).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn request() -> impl Strategy<Value = Value> {
    (
        prop::sample::select(&METHODS[..]),
        prop::collection::vec((prop::sample::select(&KEYS[..]), value()), 0..10),
    )
        .prop_map(|(m, kv)| {
            let params: Map<String, Value> =
                kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            json!({"method": m, "params": params})
        })
}

proptest! {
    #[test]
    fn random_requests_never_panic(req in request(), now in any::<u64>(), forwarded in any::<bool>()) {
        let body = req.to_string();
        if let Ok(call) = parse_call(body.as_bytes()) {
            if let Ok(r) = ClientRequest::parse(&call) {
                let _ = r.account();
                let _ = r.check(now, forwarded);
            }
        }
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(call) = parse_call(&bytes) {
            let _ = ClientRequest::parse(&call).map(|r| r.check(1_700_000_000_000, false));
        }
        let v = json_rpc_answer(&bytes, &[], 1);
        prop_assert_eq!(&v["jsonrpc"], "2.0");
        let text = String::from_utf8_lossy(&bytes);
        let parts: Vec<&str> = text.splitn(3, '\n').collect();
        let me = Ed25519KeyPair::from_seed(&[1; 32]).public_key();
        let r = verify_peer_request(
            [parts.first().copied(), parts.get(1).copied(), parts.get(2).copied()],
            "POST", "/sn/storage", &me, &bytes, 1_700_000_000_000, |_| true,
        );
        prop_assert!(r.is_err());
    }
}
