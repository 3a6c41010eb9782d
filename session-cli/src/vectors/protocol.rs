//! Vector kinds of the `protocol` area (`vectors/protocol.json`), run through `session-protocol`.

use serde_json::Value;
use session_identity::{
    AccountId, Ed25519KeyPair, Ed25519PublicKey, X25519PublicKey, X25519SecretKey,
};
use session_protocol as sp;

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for sp::Error {
    fn category(&self) -> &'static str {
        sp::Error::category(self)
    }
}

/// Runs one `protocol` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let i = inputs;
    Some(match kind {
        "session_sign_for_recipient" => sign_for_recipient(i),
        "session_encrypt" => session_encrypt(i),
        "session_encrypt_deterministic" => session_encrypt_deterministic(i),
        "session_decrypt" => session_decrypt(i),
        "blinded_encrypt" => blinded_encrypt(i),
        "blinded_decrypt" => blinded_decrypt(i),
        "multi_encrypt" => multi_encrypt(i),
        "multi_decrypt" => multi_decrypt(i),
        "multi_encrypt_simple" => multi_encrypt_simple(i),
        "config_encrypt" => config_encrypt(i),
        "config_padded_size" => config_padded_size(i),
        "message_padded_len" => message_padded_len(i),
        "message_pad" => message_pad(i),
        "message_unpad" => message_unpad(i),
        "attachment_pad" => attachment_pad(i),
        "attachment_unpad" => attachment_unpad(i),
        "stored_message_parse" => stored_message_parse(i),
        "config_message_wrap" => config_message_wrap(i),
        "config_message_unwrap" => config_message_unwrap(i),
        "ons_decrypt" => ons_decrypt(i),
        "push_notification_decrypt" => push_notification_decrypt(i),
        "xchacha20_decrypt" => xchacha20_decrypt(i),
        "group_rekey" => group_rekey(i),
        "group_encrypt" => group_encrypt(i),
        "group_decrypt" => group_decrypt(i),
        _ => return None,
    })
}

fn id_err(e: session_identity::Error) -> Failure {
    sp::Error::from(e).into()
}

/// The local key pair from `ed25519_sk` (64 bytes) or `ed25519_seed` (32 bytes), as given.
fn keypair(i: Inputs<'_>) -> Result<Ed25519KeyPair, Failure> {
    let secret = if i.has("ed25519_sk") {
        i.hex("ed25519_sk")?
    } else {
        i.hex("ed25519_seed")?
    };
    Ed25519KeyPair::from_secret_bytes(&secret).map_err(id_err)
}

fn account_id(i: Inputs<'_>, name: &str) -> Result<AccountId, Failure> {
    AccountId::try_from(i.hex(name)?.as_slice()).map_err(id_err)
}

fn x25519_pk(i: Inputs<'_>, name: &str) -> Result<X25519PublicKey, Failure> {
    Ok(X25519PublicKey::from_bytes(&i.hex_array::<32>(name)?))
}

fn x25519_sk(i: Inputs<'_>, name: &str) -> Result<X25519SecretKey, Failure> {
    Ok(X25519SecretKey::from_bytes(&i.hex_array::<32>(name)?))
}

fn usize_input(i: Inputs<'_>, name: &str) -> Result<usize, Failure> {
    usize::try_from(i.i128(name)?).map_err(|_| Failure::BadInput(format!("`{name}` out of range")))
}

fn hex_list(i: Inputs<'_>, name: &str) -> Result<Vec<Vec<u8>>, Failure> {
    let Value::Array(items) = i.value(name)? else {
        return Err(Failure::BadInput(format!("`{name}` is not a list")));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|s| hex::decode(s).ok())
                .ok_or_else(|| Failure::BadInput(format!("`{name}` has a non-hex entry")))
        })
        .collect()
}

fn padding_rule(i: Inputs<'_>) -> Result<sp::PaddingRule, Failure> {
    match i.str("variant")? {
        "legacy" => Ok(sp::PaddingRule::Legacy),
        "libsession" => Ok(sp::PaddingRule::Libsession),
        other => Err(Failure::BadInput(format!(
            "unknown padding variant `{other}`"
        ))),
    }
}

fn signature_scheme(i: Inputs<'_>) -> Result<sp::SignatureScheme, Failure> {
    match i.opt_str("signature_scheme")? {
        None | Some("current") => Ok(sp::SignatureScheme::Current),
        Some("legacy") => Ok(sp::SignatureScheme::Legacy),
        Some(other) => Err(Failure::BadInput(format!(
            "unknown signature scheme `{other}`"
        ))),
    }
}

// ---------------------------------------------------------------------------------------------

fn sign_for_recipient(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let to = account_id(i, "recipient_account_id")?;
    let inner = sp::sign_for_recipient(&kp, &to, &i.hex("message")?);
    Ok(Outputs::new().hex("signed_inner", inner))
}

fn session_encrypt(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let to = account_id(i, "recipient_account_id")?;
    let esk = i.hex_array::<32>("ephemeral_x25519_sk")?;
    let ct =
        sp::encrypt_for_recipient_with_ephemeral_for_testing(&kp, &to, &i.hex("message")?, &esk)?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn session_encrypt_deterministic(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let to = account_id(i, "recipient_account_id")?;
    let ct = sp::encrypt_for_recipient_deterministic_for_testing(&kp, &to, &i.hex("message")?)?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn session_decrypt(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let m = sp::decrypt_incoming(&kp, &i.hex("ciphertext")?)?;
    Ok(Outputs::new()
        .hex("message", &m.message)
        .hex("sender_ed25519_pk", m.sender_ed25519.as_bytes())
        .hex("sender_account_id", m.sender.to_bytes()))
}

fn server_pk(i: Inputs<'_>) -> Result<X25519PublicKey, Failure> {
    Ok(X25519PublicKey::from_bytes(
        &i.hex_array::<32>("server_pk")?,
    ))
}

fn blinded_id(i: Inputs<'_>, name: &str) -> Result<sp::BlindedId, Failure> {
    Ok(sp::BlindedId::try_from(i.hex(name)?.as_slice())?)
}

fn blinded_encrypt(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let ct = sp::blinded::encrypt_for_blinded_recipient_with_nonce_for_testing(
        &kp,
        &server_pk(i)?,
        &blinded_id(i, "recipient_blinded_id")?,
        &i.hex("message")?,
        &i.hex_array::<24>("nonce")?,
    )?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn blinded_decrypt(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let m = sp::decrypt_from_blinded_recipient(
        &kp,
        &server_pk(i)?,
        &blinded_id(i, "sender_blinded_id")?,
        &blinded_id(i, "recipient_blinded_id")?,
        &i.hex("ciphertext")?,
    )?;
    Ok(Outputs::new()
        .hex("message", m.message)
        .hex("sender_account_id", m.sender.to_bytes()))
}

fn multi_encrypt(i: Inputs<'_>) -> OpResult {
    let sk = x25519_sk(i, "x25519_sk")?;
    let pk = x25519_pk(i, "x25519_pk")?;
    let to = x25519_pk(i, "recipient_x25519_pk")?;
    let nonce = i.hex_array::<24>("nonce")?;
    let msg = i.hex("message")?;
    let entries = sp::encrypt_for_multiple(
        &sk,
        &pk,
        &[to],
        sp::MultiMessages::Same(&msg),
        i.str("domain")?.as_bytes(),
        &nonce,
        false,
    )?;
    let entry = entries.into_iter().next().unwrap_or_default();
    Ok(Outputs::new().hex("ciphertext", entry))
}

fn multi_decrypt(i: Inputs<'_>) -> OpResult {
    let sk = x25519_sk(i, "x25519_sk")?;
    let pk = x25519_pk(i, "x25519_pk")?;
    let from = x25519_pk(i, "sender_x25519_pk")?;
    let nonce = i.hex_array::<24>("nonce")?;
    let ct = i.hex("ciphertext")?;
    let m = sp::decrypt_for_multiple(
        [ct.as_slice()],
        &sk,
        &pk,
        &from,
        i.str("domain")?.as_bytes(),
        &nonce,
    )?;
    Ok(Outputs::new().hex("message", m))
}

fn multi_encrypt_simple(i: Inputs<'_>) -> OpResult {
    let sk = x25519_sk(i, "x25519_sk")?;
    let pk = x25519_pk(i, "x25519_pk")?;
    let recipients = hex_list(i, "recipient_x25519_pks")?
        .iter()
        .map(|r| X25519PublicKey::try_from(r.as_slice()).map_err(id_err))
        .collect::<Result<Vec<_>, _>>()?;
    let messages = hex_list(i, "messages")?;
    let message_refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let messages = match message_refs.as_slice() {
        [one] => sp::MultiMessages::Same(one),
        many => sp::MultiMessages::PerRecipient(many),
    };
    let junk = hex_list(i, "junk")?;
    let junk: Vec<&[u8]> = junk.iter().map(Vec::as_slice).collect();
    let pad = usize::try_from(i.i128("pad")?.max(0)).unwrap_or(0);
    let encoded = sp::multi::encrypt_for_multiple_simple_with_for_testing(
        &sk,
        &pk,
        &recipients,
        messages,
        i.str("domain")?.as_bytes(),
        &i.hex_array::<24>("nonce")?,
        pad,
        &junk,
    )?;
    Ok(Outputs::new().hex("encoded", encoded))
}

fn config_encrypt(i: Inputs<'_>) -> OpResult {
    let ct = sp::encrypt_config(
        &i.hex("message")?,
        &i.hex_array::<32>("key_base")?,
        i.str("domain")?,
    )?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn config_padded_size(i: Inputs<'_>) -> OpResult {
    let n = sp::padding::config_padded_size(usize_input(i, "size")?, usize_input(i, "overhead")?);
    Ok(Outputs::new().int("padded_size", n as i128))
}

fn message_padded_len(i: Inputs<'_>) -> OpResult {
    let n = sp::padded_len(usize_input(i, "content_len")?, padding_rule(i)?);
    Ok(Outputs::new().int("padded_len", n as i128))
}

fn message_pad(i: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().hex(
        "padded",
        sp::pad_message(&i.hex("content")?, padding_rule(i)?),
    ))
}

fn message_unpad(i: Inputs<'_>) -> OpResult {
    let padded = i.hex("padded")?;
    Ok(Outputs::new().hex("content", sp::unpad_message(&padded)?))
}

fn attachment_pad(i: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().hex("padded", sp::padding::pad_attachment(&i.hex("data")?)))
}

fn attachment_unpad(i: Inputs<'_>) -> OpResult {
    let padded = i.hex("padded")?;
    Ok(Outputs::new().hex(
        "data",
        sp::padding::unpad_attachment(&padded, usize_input(i, "size")?),
    ))
}

fn stored_message_parse(i: Inputs<'_>) -> OpResult {
    let m = sp::parse_stored_message(&i.hex("stored_message")?)?;
    let env = &m.envelope;
    Ok(Outputs::new()
        .int("websocket_type", m.websocket_type)
        .str("request_verb", m.verb.unwrap_or_default())
        .str("request_path", m.path.unwrap_or_default())
        .u64_str("request_id", m.request_id.unwrap_or_default())
        .int("envelope_type", env.r#type)
        .json(
            "envelope_source",
            env.source.clone().map_or(Value::Null, Value::String),
        )
        .json("envelope_timestamp", Value::from(env.timestamp))
        .json(
            "envelope_source_device",
            env.source_device.map_or(Value::Null, Value::from),
        )
        .opt_hex("envelope_content", env.content.as_ref()))
}

fn config_kind(i: Inputs<'_>) -> Result<sp::proto::shared_config_message::Kind, Failure> {
    let ns = i32::try_from(i.i128("namespace")?).unwrap_or(-1);
    sp::config_kind_for_namespace(ns).ok_or_else(|| {
        Failure::BadInput(format!("namespace {ns} is not a legacy config namespace"))
    })
}

fn config_message_wrap(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let seqno = i.i64("seqno")?;
    let stored = sp::wrap_config(&kp, config_kind(i)?, seqno, &i.hex("config_data")?)?;
    Ok(Outputs::new().hex("stored_message", stored))
}

fn config_message_unwrap(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    let data = sp::unwrap_config(&kp, config_kind(i)?, &i.hex("stored_message")?)?;
    Ok(Outputs::new().hex("config_data", data))
}

fn ons_decrypt(i: Inputs<'_>) -> OpResult {
    let nonce = i.opt_hex("nonce")?;
    let id = sp::decrypt_ons_response(i.str("name")?, &i.hex("ciphertext")?, nonce.as_deref())?;
    Ok(Outputs::new().hex("account_id", id.to_bytes()))
}

fn push_notification_decrypt(i: Inputs<'_>) -> OpResult {
    let plain = sp::decrypt_push_notification(&i.hex("payload")?, &i.hex("key")?)?;
    Ok(Outputs::new().hex("plaintext", plain))
}

fn xchacha20_decrypt(i: Inputs<'_>) -> OpResult {
    let plain = sp::decrypt_xchacha20(&i.hex("key")?, &i.hex("ciphertext")?)?;
    Ok(Outputs::new().hex("plaintext", plain))
}

fn group_rekey(i: Inputs<'_>) -> OpResult {
    let seed = i.hex_array::<32>("group_ed25519_seed")?;
    let members = hex_list(i, "member_account_ids")?
        .iter()
        .map(|m| AccountId::try_from(m.as_slice()).map_err(id_err))
        .collect::<Result<Vec<_>, _>>()?;
    let generation = i.u64("generation")?;
    let rk = sp::group_rekey(&seed, &members, generation)?;
    Ok(Outputs::new()
        .hex("group_key", rk.group_key.as_bytes())
        .hex("key_message", rk.key_message))
}

fn group_pk(i: Inputs<'_>) -> Result<Ed25519PublicKey, Failure> {
    Ok(Ed25519PublicKey::from_bytes(
        &i.hex_array::<32>("group_ed25519_pk")?,
    ))
}

fn group_key(i: Inputs<'_>) -> Result<sp::GroupKey, Failure> {
    Ok(sp::GroupKey::try_from(i.hex("group_key")?.as_slice())?)
}

fn group_encrypt(i: Inputs<'_>) -> OpResult {
    let kp = keypair(i)?;
    if i.opt_bool("compress")? == Some(true) {
        // Compressed output is not reproducible (spec §8); this implementation never compresses.
        return Err(Failure::BadInput(
            "compressed group encryption is not supported".into(),
        ));
    }
    let padding = match i.opt_i128("padding")? {
        None => sp::group::DEFAULT_GROUP_PADDING,
        Some(p) => usize::try_from(p.max(0)).unwrap_or(0),
    };
    let ct = sp::group::encrypt_group_message_with_nonce_for_testing(
        &kp,
        &group_key(i)?,
        &group_pk(i)?,
        &i.hex("message")?,
        padding,
        signature_scheme(i)?,
        &i.hex_array::<24>("nonce")?,
    )?;
    Ok(Outputs::new().hex("ciphertext", ct))
}

fn group_decrypt(i: Inputs<'_>) -> OpResult {
    let m = sp::decrypt_group_message(
        &[group_key(i)?],
        &group_pk(i)?,
        &i.hex("ciphertext")?,
        signature_scheme(i)?,
    )?;
    Ok(Outputs::new()
        .hex("message", m.plaintext)
        .hex("author_account_id", m.author.to_bytes()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_protocol_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/protocol.json"), "protocol");
    }
}
