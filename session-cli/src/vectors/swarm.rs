//! Vector kinds of the `swarm` area (`vectors/swarm.json`), run through `session-swarm`.

use std::net::Ipv4Addr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::Value;
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use session_swarm::auth::{ExpireMode, SubaccountToken, request_message, response_message};
use session_swarm::bt::{Frame, FrameType, oxend_request_bt_body};
use session_swarm::namespace::retrieve_limits;
use session_swarm::node::BinRecord;
use session_swarm::{Namespace, NamespaceSelector, SwarmId, SwarmPubkey};

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for session_swarm::Error {
    fn category(&self) -> &'static str {
        session_swarm::Error::category(self)
    }
}

/// Runs one `swarm` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    Some(match kind {
        "swarm_space" => swarm_space(inputs),
        "closest_swarm" => closest_swarm(inputs),
        "message_hash" => message_hash(inputs),
        "storage_request_signature" => request_signature(inputs),
        "storage_response_signature" => response_signature(inputs),
        "subaccount_token" => subaccount_token(inputs),
        "namespace_rules" => namespace_rules(inputs),
        "retrieve_limits" => limits(inputs),
        "bt_request_stream_frame" => frame(inputs),
        "oxend_request_bt_body" => oxend_body(inputs),
        "active_nodes_bin_record" => bin_record(inputs),
        _ => return None,
    })
}

fn bad(why: &str) -> Failure {
    Failure::BadInput(why.to_owned())
}

fn account(inputs: Inputs<'_>) -> Result<SwarmPubkey, Failure> {
    Ok(inputs.str("account_id")?.parse::<SwarmPubkey>()?)
}

fn namespace(inputs: Inputs<'_>) -> Result<Namespace, Failure> {
    match inputs.opt_i128("namespace")? {
        None => Ok(Namespace::DEFAULT),
        Some(n) => Ok(Namespace::try_from(
            i64::try_from(n).map_err(|_| bad("namespace"))?,
        )?),
    }
}

fn selector(inputs: Inputs<'_>) -> Result<NamespaceSelector, Failure> {
    if inputs.opt_str("namespace").ok().flatten() == Some("all") {
        return Ok(NamespaceSelector::All);
    }
    Ok(NamespaceSelector::One(namespace(inputs)?))
}

fn str_list(inputs: Inputs<'_>, name: &str) -> Result<Vec<String>, Failure> {
    match inputs.0.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| bad(name)))
            .collect(),
        Some(_) => Err(bad(name)),
    }
}

fn u64_list(inputs: Inputs<'_>, name: &str) -> Result<Vec<u64>, Failure> {
    match inputs.0.get(name) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| v.as_u64().ok_or_else(|| bad(name)))
            .collect(),
        Some(_) => Ok(vec![inputs.u64(name)?]),
    }
}

fn tokens(inputs: Inputs<'_>) -> Result<Vec<SubaccountToken>, Failure> {
    str_list(inputs, "tokens")?
        .iter()
        .map(|t| {
            let b = hex::decode(t).map_err(|_| bad("tokens"))?;
            Ok(SubaccountToken::try_from(b.as_slice())?)
        })
        .collect()
}

fn signed(inputs: Inputs<'_>, message: Vec<u8>) -> OpResult {
    let seed = inputs.hex_array::<32>("ed25519_seed")?;
    let sig = Ed25519KeyPair::from_seed(&seed).sign(&message);
    Ok(Outputs::new()
        .hex("signed_message", &message)
        .str("signature_b64", STANDARD.encode(sig.as_bytes())))
}

fn swarm_space(inputs: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().u64_str("swarm_space", account(inputs)?.swarm_space()))
}

fn closest_swarm(inputs: Inputs<'_>) -> OpResult {
    let ids = str_list(inputs, "swarm_ids")?
        .iter()
        .map(|s| {
            s.parse::<u64>()
                .map(SwarmId::new)
                .map_err(|_| bad("swarm_ids"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let chosen = session_swarm::closest_swarm(&ids, account(inputs)?.swarm_space());
    Ok(match chosen {
        Some(id) => Outputs::new().u64_str("swarm_id", id.get()),
        None => Outputs::new().json("swarm_id", Value::Null),
    })
}

fn message_hash(inputs: Inputs<'_>) -> OpResult {
    let data = inputs.b64("data_b64")?;
    let hash = session_swarm::message_hash(&account(inputs)?, namespace(inputs)?, &data);
    Ok(Outputs::new().str("hash", hash))
}

fn request_signature(inputs: Inputs<'_>) -> OpResult {
    let method = inputs.str("method")?;
    let ts = |name| inputs.u64(name);
    let hashes = str_list(inputs, "hashes")?;
    let message = match method {
        "store" => request_message::store(namespace(inputs)?, ts("sig_timestamp")?),
        "retrieve" => request_message::retrieve(namespace(inputs)?, ts("timestamp")?),
        "delete" => request_message::delete(&hashes),
        "delete_all" => request_message::delete_all(selector(inputs)?, ts("timestamp")?),
        "delete_before" => request_message::delete_before(selector(inputs)?, ts("before")?),
        "expire_all" => request_message::expire_all(selector(inputs)?, ts("expiry")?),
        "expire" => {
            let mode = match (inputs.opt_bool("shorten")?, inputs.opt_bool("extend")?) {
                (Some(true), _) => ExpireMode::Shorten,
                (_, Some(true)) => ExpireMode::Extend,
                _ => ExpireMode::Set,
            };
            request_message::expire(mode, &u64_list(inputs, "expiry")?, &hashes)
        }
        "get_expiries" => request_message::get_expiries(ts("timestamp")?, &hashes),
        "revoke_subaccount" | "unrevoke_subaccount" => request_message::revoke_subaccount(
            method == "unrevoke_subaccount",
            ts("timestamp")?,
            &tokens(inputs)?,
        ),
        "monitor" => {
            let ns = match inputs.0.get("namespaces") {
                Some(Value::Array(a)) => a
                    .iter()
                    .map(|v| {
                        let n = v.as_i64().ok_or_else(|| bad("namespaces"))?;
                        Ok(Namespace::try_from(n)?)
                    })
                    .collect::<Result<Vec<_>, Failure>>()?,
                _ => Vec::new(),
            };
            request_message::monitor(
                &account(inputs)?,
                ts("timestamp_s")?,
                inputs.opt_bool("want_data")?.unwrap_or(false),
                &ns,
            )
        }
        other => return Err(bad(&format!("unknown method {other}"))),
    };
    signed(inputs, message)
}

fn response_signature(inputs: Inputs<'_>) -> OpResult {
    let method = inputs.str("method")?;
    let requested = str_list(inputs, "requested_hashes")?;
    let deleted = str_list(inputs, "deleted_hashes")?;
    let updated = str_list(inputs, "updated_hashes")?;
    let message = match method {
        "store" => response_message::store(inputs.str("hash")?),
        "delete" => response_message::delete(&account(inputs)?, &requested, &deleted),
        "delete_all" => {
            response_message::delete_all(&account(inputs)?, inputs.u64("timestamp")?, &deleted)
        }
        "delete_before" => {
            response_message::delete_all(&account(inputs)?, inputs.u64("before")?, &deleted)
        }
        "expire_all" => {
            response_message::expire_all(&account(inputs)?, inputs.u64("expiry")?, &updated)
        }
        "expire" => {
            let unchanged: Vec<(String, u64)> = match inputs.0.get("unchanged") {
                Some(Value::Object(m)) => m
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), v.as_u64().ok_or_else(|| bad("unchanged"))?)))
                    .collect::<Result<_, Failure>>()?,
                _ => Vec::new(),
            };
            response_message::expire(
                &account(inputs)?,
                &u64_list(inputs, "applied_expiry")?,
                &requested,
                &updated,
                &unchanged,
            )
        }
        "revoke_subaccount" | "unrevoke_subaccount" => response_message::revoke_subaccount(
            &account(inputs)?,
            inputs.u64("timestamp")?,
            &tokens(inputs)?,
        ),
        other => return Err(bad(&format!("unknown method {other}"))),
    };
    signed(inputs, message)
}

fn subaccount_token(inputs: Inputs<'_>) -> OpResult {
    let netid = u8::try_from(inputs.i128("netid")?).map_err(|_| bad("netid"))?;
    let flags = u8::try_from(inputs.i128("flags")?).map_err(|_| bad("flags"))?;
    let pk = Ed25519PublicKey::from_bytes(&inputs.hex_array::<32>("subaccount_ed25519_pk")?);
    let owner = Ed25519KeyPair::from_seed(&inputs.hex_array::<32>("ed25519_seed")?);
    let token = SubaccountToken::new(netid, flags, &pk);
    Ok(Outputs::new().hex("token", token.as_bytes()).str(
        "subaccount_sig_b64",
        STANDARD.encode(token.sign(&owner).as_bytes()),
    ))
}

fn namespace_rules(inputs: Inputs<'_>) -> OpResult {
    let ns = namespace(inputs)?;
    Ok(Outputs::new()
        .bool("store_without_signature", ns.store_without_signature())
        .bool("public_outbox", ns.public_outbox())
        .bool(
            "retrieve_without_signature",
            ns.retrieve_without_signature(),
        )
        .bool("unrevocable_retrieve", ns.unrevocable_retrieve())
        .int("store_max_ttl_ms", ns.store_max_ttl_ms())
        .str("signature_namespace", ns.signature_component())
        .bool("testing_namespace", ns.is_testing()))
}

fn limits(inputs: Inputs<'_>) -> OpResult {
    let opt = |name| -> Result<Option<i64>, Failure> {
        inputs
            .opt_i128(name)?
            .map(|v| i64::try_from(v).map_err(|_| bad(name)))
            .transpose()
    };
    let l = retrieve_limits(opt("max_count")?, opt("max_size")?);
    let out = match l.max_count {
        Some(c) => Outputs::new().int("effective_max_count", c),
        None => Outputs::new().json("effective_max_count", Value::Null),
    };
    Ok(out.int("effective_max_size", l.max_size))
}

fn frame(inputs: Inputs<'_>) -> OpResult {
    let frame_type = match inputs.str("frame_type")? {
        "C" => FrameType::Command,
        "R" => FrameType::Reply,
        "E" => FrameType::Error,
        _ => return Err(bad("frame_type")),
    };
    let f = Frame {
        frame_type,
        request_id: inputs.i64("request_id")?,
        endpoint: inputs.opt_str("endpoint")?.map(str::to_owned),
        body: inputs.hex("body")?,
    };
    Ok(Outputs::new().hex("frame", f.encode()?))
}

fn oxend_body(inputs: Inputs<'_>) -> OpResult {
    let body = oxend_request_bt_body(inputs.str("endpoint")?, inputs.str("params_json")?);
    Ok(Outputs::new().hex("body", body))
}

fn bin_record(inputs: Inputs<'_>) -> OpResult {
    let ip: Ipv4Addr = inputs.str("ip")?.parse().map_err(|_| bad("ip"))?;
    let port = |name| u16::try_from(inputs.i128(name)?).map_err(|_| bad(name));
    let version: Vec<u8> = match inputs.value("version")? {
        Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_u64()
                    .and_then(|n| u8::try_from(n).ok())
                    .ok_or_else(|| bad("version"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad("version")),
    };
    let version: [u8; 3] = version.try_into().map_err(|_| bad("version"))?;
    let record = BinRecord {
        ed25519: inputs.hex_array::<32>("ed25519_pk")?,
        swarm_id: SwarmId::new(inputs.u64("swarm_id")?),
        ip,
        https_port: port("https_port")?,
        quic_port: port("quic_port")?,
        version,
    };
    Ok(Outputs::new().hex("record", record.to_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_swarm_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/swarm.json"), "swarm");
    }
}
