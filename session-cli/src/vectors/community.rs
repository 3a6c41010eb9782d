//! Vector kinds of the `community` area (`vectors/community.json`), run through
//! `session-community`.

use serde_json::{Map, Value};
use session_community::auth::{AuthPolicy, ReceivedRequest, RequestSigner, Stateless};
use session_community::post::{sign_post_data, verify_post_signature_raw};
use session_identity::{Blind15Nonce, Ed25519KeyPair, X25519PublicKey};

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for session_community::Error {
    fn category(&self) -> &'static str {
        session_community::Error::category(self)
    }
}

impl Categorized for session_community::AuthError {
    fn category(&self) -> &'static str {
        session_community::AuthError::category(self)
    }
}

/// Runs one `community` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    Some(match kind {
        "sogs_auth_sign" => auth_sign(inputs),
        "sogs_auth_verify" => auth_verify(inputs),
        "sogs_message_sign" => message_sign(inputs),
        "sogs_message_verify" => message_verify(inputs),
        _ => return None,
    })
}

fn bad(why: &str) -> Failure {
    Failure::BadInput(why.to_owned())
}

fn server_pk(inputs: Inputs<'_>) -> Result<X25519PublicKey, Failure> {
    Ok(X25519PublicKey::from_bytes(
        &inputs.hex_array::<32>("server_pk")?,
    ))
}

fn nonce_input(inputs: Inputs<'_>) -> Result<Blind15Nonce, Failure> {
    match inputs.opt_str("nonce_input")? {
        None | Some("seed32") => Ok(Blind15Nonce::Seed32),
        Some("sk64") => Ok(Blind15Nonce::SecretKey64),
        Some(_) => Err(bad("nonce_input")),
    }
}

fn auth_sign(inputs: Inputs<'_>) -> OpResult {
    let keypair = Ed25519KeyPair::from_seed(&inputs.hex_array::<32>("ed25519_seed")?);
    let server = server_pk(inputs)?;
    let signer = match inputs.str("key_type")? {
        "blind15" => RequestSigner::blind15_with_nonce(&keypair, &server, nonce_input(inputs)?),
        "blind25" => RequestSigner::blind25(&keypair, &server),
        "unblinded" => RequestSigner::unblinded(&keypair, &server),
        _ => return Err(bad("key_type")),
    };
    let method = inputs.str("method")?;
    let path = inputs.str("path")?;
    let body = inputs.opt_hex("body")?.unwrap_or_default();
    let timestamp = inputs.u64("timestamp")?;
    let nonce = inputs.hex_array::<16>("nonce")?;
    let h = signer.sign(method, path, &body, timestamp, &nonce);
    let headers: Map<String, Value> = h
        .pairs()
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::from(*v)))
        .collect();
    let signed =
        session_community::auth::signed_message(&server, &nonce, &h.timestamp, method, path, &body);
    Ok(Outputs::new()
        .json("headers", Value::Object(headers))
        .hex("signed_message", signed)
        .hex("signing_pk", signer.signing_key().as_bytes()))
}

fn auth_verify(inputs: Inputs<'_>) -> OpResult {
    let server = server_pk(inputs)?;
    let body = inputs.opt_hex("body")?.unwrap_or_default();
    let Value::Object(h) = inputs.value("headers")? else {
        return Err(bad("headers is not an object"));
    };
    let headers: Vec<(&str, &str)> = h
        .iter()
        .map(|(k, v)| {
            v.as_str()
                .map(|s| (k.as_str(), s))
                .ok_or_else(|| bad("header"))
        })
        .collect::<Result<_, _>>()?;
    let request = ReceivedRequest {
        method: inputs.str("method")?,
        path_and_query: inputs.str("path")?,
        body: &body,
        headers: &headers,
    };
    let policy = AuthPolicy::new(inputs.bool("require_blind_keys")?);
    let user = session_community::verify_request(
        &server,
        &request,
        inputs.i64("now")?,
        policy,
        &mut Stateless,
    )?;
    let id = user.map_or(Value::Null, |u| Value::from(u.session_id.to_string()));
    Ok(Outputs::new().json("session_id", id))
}

fn message_sign(inputs: Inputs<'_>) -> OpResult {
    let keypair = Ed25519KeyPair::from_seed(&inputs.hex_array::<32>("ed25519_seed")?);
    let blinded = keypair.blind15(&server_pk(inputs)?);
    let data = inputs.hex("data")?;
    let sig = sign_post_data(&blinded, &data, nonce_input(inputs)?);
    Ok(Outputs::new()
        .str("session_id", blinded.blinded_id().to_string())
        .hex("signature", sig.as_bytes())
        .hex("signing_pk", blinded.public_key().as_bytes()))
}

fn message_verify(inputs: Inputs<'_>) -> OpResult {
    let data = inputs.hex("data")?;
    let sig = inputs.hex("signature")?;
    let valid = match verify_post_signature_raw(inputs.str("session_id")?, &data, &sig) {
        Ok(()) => true,
        Err(session_community::Error::SignatureInvalid) => false,
        Err(e) => return Err(e.into()),
    };
    Ok(Outputs::new().bool("valid", valid))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_community_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/community.json"), "community");
    }
}
