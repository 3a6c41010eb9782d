//! Vector kinds of the `onion` area (`vectors/onion.json`), run through `session-onion`.

use serde_json::Value;
use session_onion::{
    EncType, Error, Hop, IncomingLayer, LayerKey, NodeKeys, OnionRequestBuilder, PendingResponse,
    ReplyFormat, Route, ServerDestination, X25519PublicKey, X25519SecretKey,
};

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for Error {
    fn category(&self) -> &'static str {
        Error::category(self)
    }
}

/// Runs one `onion` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let result = match kind {
        "x25519_pk_from_sk" => x25519_pk_from_sk(inputs),
        "x25519_shared_secret" => x25519_shared_secret(inputs),
        "hop_key" => hop_key(inputs),
        "hop_encrypt" => hop_encrypt(inputs),
        "hop_decrypt" => hop_decrypt(inputs),
        "onion_request_open" => onion_request_open(inputs),
        "onion_layer_route" => onion_layer_route(inputs),
        "onion_url_target_allowed" => onion_url_target_allowed(inputs),
        "onion_request_build" => onion_request_build(inputs),
        "onion_response_decrypt" => onion_response_decrypt(inputs),
        "v4_request_encode" => v4_request_encode(inputs),
        "v4_response_parse" => v4_response_parse(inputs),
        "omq_onion_relay_encode" => omq_onion_relay_encode(inputs),
        _ => return None,
    };
    Some(result)
}

fn bad(why: impl Into<String>) -> Failure {
    Failure::BadInput(why.into())
}

fn secret(inputs: &Inputs<'_>, name: &str) -> Result<X25519SecretKey, Failure> {
    Ok(X25519SecretKey::from_bytes(&inputs.hex_array::<32>(name)?))
}

fn public(inputs: &Inputs<'_>, name: &str) -> Result<X25519PublicKey, Failure> {
    Ok(X25519PublicKey::from_bytes(&inputs.hex_array::<32>(name)?))
}

fn enc_type(inputs: &Inputs<'_>) -> Result<EncType, Failure> {
    Ok(inputs.str("enc_type")?.parse::<EncType>()?)
}

fn x25519_pk_from_sk(inputs: Inputs<'_>) -> OpResult {
    let sk = secret(&inputs, "x25519_sk")?;
    Ok(Outputs::new().hex("x25519_pk", sk.public_key().as_bytes()))
}

fn x25519_shared_secret(inputs: Inputs<'_>) -> OpResult {
    let sk = secret(&inputs, "x25519_sk")?;
    let pk = public(&inputs, "remote_x25519_pk")?;
    let shared = sk.diffie_hellman(&pk)?;
    Ok(Outputs::new().hex("shared_secret", &shared[..]))
}

/// The layer key of a `hop_*` vector, as the client or as the server depending on which
/// secret is given.
fn layer_key(inputs: &Inputs<'_>) -> Result<LayerKey, Failure> {
    let t = enc_type(inputs)?;
    match (
        inputs.has("client_x25519_sk"),
        inputs.has("server_x25519_sk"),
    ) {
        (true, false) => Ok(LayerKey::derive_as_client(
            t,
            &secret(inputs, "client_x25519_sk")?,
            &public(inputs, "server_x25519_pk")?,
        )?),
        (false, true) => Ok(LayerKey::derive_as_server(
            t,
            &secret(inputs, "server_x25519_sk")?,
            &public(inputs, "client_x25519_pk")?,
        )?),
        _ => Err(bad(
            "exactly one of client_x25519_sk / server_x25519_sk is required",
        )),
    }
}

fn hop_key(inputs: Inputs<'_>) -> OpResult {
    let key = layer_key(&inputs)?;
    Ok(Outputs::new().hex("key", key.to_bytes_for_testing()))
}

fn hop_encrypt(inputs: Inputs<'_>) -> OpResult {
    let key = layer_key(&inputs)?;
    let ct =
        key.encrypt_with_nonce_for_testing(&inputs.hex("nonce")?, &inputs.hex("plaintext")?)?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn hop_decrypt(inputs: Inputs<'_>) -> OpResult {
    let key = layer_key(&inputs)?;
    Ok(Outputs::new().hex("plaintext", key.decrypt(&inputs.hex("ciphertext")?)?))
}

fn onion_request_open(inputs: Inputs<'_>) -> OpResult {
    let node = NodeKeys::new(secret(&inputs, "server_x25519_sk")?);
    if node.public_key() != &public(&inputs, "server_x25519_pk")? {
        return Err(bad("server_x25519_pk does not match server_x25519_sk"));
    }
    let layer = IncomingLayer::parse_frame(&inputs.hex("request")?)?;
    let (payload, _reply) = node.open(&layer)?;
    Ok(Outputs::new()
        .str("enc_type", layer.enc_type().as_str())
        .hex("client_x25519_pk", layer.ephemeral_key().as_bytes())
        .hex("payload", &payload[..]))
}

fn onion_layer_route(inputs: Inputs<'_>) -> OpResult {
    let route = Route::parse(&inputs.hex("plaintext")?, 0)?;
    let fields = crate::cmd::onion::route_fields(&route);
    Ok(fields
        .into_iter()
        .fold(Outputs::new(), |out, (k, v)| out.json(&k, v)))
}

fn onion_url_target_allowed(inputs: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().bool(
        "allowed",
        session_onion::is_target_allowed(inputs.str("target")?),
    ))
}

fn obj_str<'a>(v: &'a Value, key: &str) -> Result<&'a str, Failure> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("missing string `{key}`")))
}

fn obj_key32(v: &Value, key: &str) -> Result<[u8; 32], Failure> {
    let b = hex::decode(obj_str(v, key)?).map_err(|e| bad(format!("`{key}`: {e}")))?;
    <[u8; 32]>::try_from(b.as_slice()).map_err(|_| Failure::Category("invalid_length"))
}

fn obj_hex(v: &Value) -> Result<Vec<u8>, Failure> {
    hex::decode(v.as_str().ok_or_else(|| bad("expected a hex string"))?)
        .map_err(|e| bad(format!("not hex: {e}")))
}

fn service_node(v: &Value) -> Result<Hop, Failure> {
    Ok(Hop::new(
        session_onion::Ed25519PublicKey::from_bytes(&obj_key32(v, "ed25519_pk")?),
        X25519PublicKey::from_bytes(&obj_key32(v, "x25519_pk")?),
    ))
}

fn layer_secrets(v: &Value, nonce: &Value) -> Result<(X25519SecretKey, Vec<u8>), Failure> {
    let sk = <[u8; 32]>::try_from(obj_hex(v)?.as_slice())
        .map_err(|_| Failure::Category("invalid_length"))?;
    Ok((X25519SecretKey::from_bytes(&sk), obj_hex(nonce)?))
}

fn onion_request_build(inputs: Inputs<'_>) -> OpResult {
    let t = enc_type(&inputs)?;
    let path = inputs
        .value("path")?
        .as_array()
        .ok_or_else(|| bad("`path` is not a list"))?
        .iter()
        .map(service_node)
        .collect::<Result<Vec<_>, _>>()?;
    let dest = inputs.value("destination")?;
    let destination = match obj_str(dest, "type")? {
        "snode" => session_onion::Destination::ServiceNode(service_node(dest)?),
        "server" => {
            let protocol = match obj_str(dest, "protocol")? {
                "http" => session_onion::Protocol::Http,
                "https" => session_onion::Protocol::Https,
                p => return Err(bad(format!("unknown protocol {p}"))),
            };
            let port = dest
                .get("port")
                .and_then(Value::as_u64)
                .and_then(|p| u16::try_from(p).ok())
                .ok_or_else(|| bad("bad port"))?;
            session_onion::Destination::Server(
                ServerDestination::new(
                    obj_str(dest, "host")?,
                    X25519PublicKey::from_bytes(&obj_key32(dest, "x25519_pk")?),
                )
                .protocol(protocol)
                .port(port)
                .target(obj_str(dest, "target")?),
            )
        }
        other => return Err(bad(format!("unknown destination type {other}"))),
    };
    let eph = inputs.value("ephemeral_x25519_sks")?;
    let nonces = inputs.value("nonces")?;
    let field = |v: &'_ Value, k: &str| {
        v.get(k)
            .cloned()
            .ok_or_else(|| bad(format!("missing `{k}`")))
    };
    let d = layer_secrets(&field(eph, "destination")?, &field(nonces, "destination")?)?;
    let eph_path = field(eph, "path")?;
    let nonce_path = field(nonces, "path")?;
    let (Some(eph_path), Some(nonce_path)) = (eph_path.as_array(), nonce_path.as_array()) else {
        return Err(bad("`path` secrets/nonces are not lists"));
    };
    if eph_path.len() != nonce_path.len() {
        return Err(bad("path secrets and nonces differ in number"));
    }
    let hops = eph_path
        .iter()
        .zip(nonce_path)
        .map(|(s, n)| layer_secrets(s, n))
        .collect::<Result<Vec<_>, _>>()?;
    let (request, _pending) = OnionRequestBuilder::new(path, destination, inputs.hex("payload")?)
        .enc_type(t)
        .build_deterministic_for_testing(d, hops)?;
    Ok(Outputs::new().hex("request", request))
}

fn onion_response_decrypt(inputs: Inputs<'_>) -> OpResult {
    let t = enc_type(&inputs)?;
    let format = match inputs.str("destination_type")? {
        "snode" => ReplyFormat::ServiceNode,
        "server" => ReplyFormat::ServerV4,
        other => return Err(bad(format!("unknown destination_type {other}"))),
    };
    let sk = secret(&inputs, "client_x25519_sk")?;
    if sk.public_key() != public(&inputs, "client_x25519_pk")? {
        return Err(bad("client_x25519_pk does not match client_x25519_sk"));
    }
    let pending = PendingResponse::from_ephemeral_for_testing(
        t,
        &sk,
        &public(&inputs, "server_x25519_pk")?,
        format,
    )?;
    let response = match pending.decrypt_response(200, &inputs.hex("response")?) {
        Ok(r) => r,
        // A non-2xx status inside the reply is still a decrypted reply.
        Err(Error::Destination(d)) => d.response().clone(),
        Err(e) => return Err(e.into()),
    };
    Ok(Outputs::new()
        .int("status", response.status)
        .hex("body", response.body))
}

fn v4_request_encode(inputs: Inputs<'_>) -> OpResult {
    let info = inputs.str("info_json")?;
    let body = inputs.opt_hex("body")?;
    Ok(Outputs::new().hex(
        "encoded",
        session_onion::encode_v4_request(info.as_bytes(), body.as_deref()),
    ))
}

fn v4_response_parse(inputs: Inputs<'_>) -> OpResult {
    let r = session_onion::parse_v4_response(&inputs.hex("encoded")?)?;
    Ok(Outputs::new()
        .int("code", r.code)
        .json("headers", Value::Object(r.headers))
        .hex("body", r.body))
}

fn omq_onion_relay_encode(inputs: Inputs<'_>) -> OpResult {
    let hop_no = u32::try_from(inputs.i64("hop_no")?).map_err(|_| bad("hop_no out of range"))?;
    let layer = IncomingLayer::new(
        inputs.hex("blob")?,
        public(&inputs, "client_x25519_pk")?,
        enc_type(&inputs)?,
        hop_no,
    );
    Ok(Outputs::new().hex("encoded", layer.encode_relay_message()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_onion_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/onion.json"), "onion");
    }
}
