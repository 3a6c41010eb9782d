//! The node side against the client-side vectors: every `storage_request_signature` vector of
//! `vectors/swarm.json` (signatures derived independently with libsodium), sent as a client
//! sends it, passes `ClientRequest::check` at the vector's time; with another signature it is
//! refused with the method's 401 (a store to a public inbox is not verified at all); a subaccount-signed one is refused once its token is revoked
//! (unless it reads an unrevocable namespace).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use serde_json::{Map, Value, json};
use session_swarm::server::{ClientRequest, parse_call};

const NOW: u64 = 1_700_000_000_000;

fn vectors() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../vectors/swarm.json");
    let v: Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    let list = v.get("vectors").unwrap_or(&v).as_array().unwrap().clone();
    list.into_iter()
        .filter(|v| v["kind"] == "storage_request_signature")
        .collect()
}

/// The request a client sends for a vector: its inputs as parameters, the vector's signature.
fn request(v: &Value, signature: &str) -> (String, Map<String, Value>) {
    let (i, inter) = (&v["inputs"], &v["intermediate"]);
    let method = i["method"].as_str().unwrap().to_owned();
    let account = i["account_id"].as_str().unwrap();
    let mut p = Map::new();
    p.insert("pubkey".into(), account.into());
    p.insert("signature".into(), signature.into());
    if account.starts_with("05") {
        if let Some(ed) = inter.get("pubkey_ed25519_param") {
            p.insert("pubkey_ed25519".into(), ed.clone());
        }
    }
    if let (Some(t), Some(s)) = (inter.get("subaccount_b64"), inter.get("subaccount_sig_b64")) {
        p.insert("subaccount".into(), t.clone());
        p.insert("subaccount_sig".into(), s.clone());
    }
    for k in [
        "namespace",
        "timestamp",
        "before",
        "expiry",
        "shorten",
        "extend",
    ] {
        if let Some(x) = i.get(k) {
            p.insert(k.into(), x.clone());
        }
    }
    if let Some(h) = i.get("hashes") {
        p.insert("messages".into(), h.clone());
    }
    if method == "store" {
        p.insert("timestamp".into(), i["sig_timestamp"].clone());
        p.insert("ttl".into(), 86_400_000.into());
        p.insert("data".into(), "aGVsbG8=".into());
    }
    if let Some(tokens) = i.get("tokens") {
        let key = if method.starts_with("un") {
            "unrevoke"
        } else {
            "revoke"
        };
        let b64: Vec<Value> = tokens
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                let raw = hex::decode(t.as_str().unwrap()).unwrap();
                base64::Engine::encode(&base64::engine::general_purpose::STANDARD, raw).into()
            })
            .collect();
        p.insert(key.into(), b64.into());
    }
    (method, p)
}

fn parse(method: &str, params: Map<String, Value>) -> ClientRequest {
    let body = json!({"method": method, "params": params}).to_string();
    ClientRequest::parse(&parse_call(body.as_bytes()).unwrap()).unwrap()
}

#[test]
fn every_vector_request_passes_the_node_checks() {
    let vs = vectors();
    let mut checked = 0;
    for v in &vs {
        let id = v["id"].as_str().unwrap();
        let sig = v["expected"]["signature_b64"].as_str().unwrap();
        let (method, params) = request(v, sig);
        if method == "monitor" {
            continue; // a subscription, not a storage RPC a node answers here
        }
        let req = parse(&method, params.clone());
        assert_eq!(req.method().as_str(), method, "{id}");
        req.check(NOW, false)
            .unwrap_or_else(|e| panic!("{id}: {e}"));

        // Another (well-formed) signature: the method's 401 (a store to a public inbox is
        // not verified at all, spec §5.7).
        let unsigned_store =
            matches!(&req, ClientRequest::Store(s) if s.namespace.store_without_signature());
        let other = vs
            .iter()
            .map(|o| o["expected"]["signature_b64"].as_str().unwrap())
            .find(|o| *o != sig)
            .unwrap();
        let (_, forged) = request(v, other);
        match parse(&method, forged).check(NOW, false) {
            Ok(()) => assert!(unsigned_store, "{id}: another signature accepted"),
            Err(e) => {
                assert!(!unsigned_store, "{id}: {e}");
                assert_eq!(e.status(), 401, "{id}: {e}");
                assert!(e.message().contains("signature"), "{id}: {e}");
            }
        }

        // A subaccount request refused once its token is revoked, except unrevocable reads.
        if let Some(token) = req.subaccount_token() {
            assert_eq!(
                token.to_base64(),
                v["intermediate"]["subaccount_b64"].as_str().unwrap(),
                "{id}"
            );
            let unrevocable =
                matches!(&req, ClientRequest::Retrieve(r) if r.namespace.unrevocable_retrieve());
            assert_eq!(
                req.check_revocable(NOW, false, true).is_ok(),
                unrevocable,
                "{id}"
            );
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} vectors checked");
}
