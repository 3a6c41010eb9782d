//! Vector kinds of the `identity` area (`vectors/identity.json`), run through `session-identity`.

use std::str::FromStr;

use session_identity::blinding::{self, Blind15Nonce};
use session_identity::hash::{Blake2b, blake2b_checked};
use session_identity::{
    AccountId, Blinded15Id, Ed25519KeyPair, Ed25519PublicKey, Error, IdPrefix, Platform, Seed,
    SessionId, Signature, WordList, X25519PublicKey, X25519SecretKey, seed_from_secret,
};

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for Error {
    fn category(&self) -> &'static str {
        Error::category(self)
    }
}

/// Runs one `identity` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    let op: fn(Inputs<'_>) -> OpResult = match kind {
        "ed25519_keypair_from_seed" => keypair_from_seed,
        "ed25519_seed_from_secret" => seed_from_secret_op,
        "ed25519_sign" => ed25519_sign,
        "ed25519_pk_to_x25519_pk" => pk_to_x25519,
        "ed25519_sk_to_x25519_sk" => sk_to_x25519,
        "account_id_from_ed25519_seed" => account_from_ed_seed,
        "account_id_from_seed16" => account_from_seed16,
        "mnemonic_encode" => mnemonic_encode,
        "mnemonic_decode" => mnemonic_decode,
        "recovery_phrase_to_account_id" => recovery_phrase,
        "xed25519_pubkey" => xed_pubkey,
        "xed25519_sign" => xed_sign,
        "xed25519_verify" => xed_verify,
        "blind15_factor" => blind15_factor,
        "blind25_factor" => blind25_factor,
        "blind15_id" => blind15_id,
        "blind25_id" => blind25_id,
        "blind25_id_from_ed25519_pk" => blind25_id_from_ed,
        "blind15_keypair" => blind15_keypair,
        "blind25_keypair" => blind25_keypair,
        "blind15_sign" => blind15_sign,
        "blind25_sign" => blind25_sign,
        "blinded_id_matches" => blinded_id_matches,
        "unblind15" => unblind15,
        "version_blind_keypair" => version_blind_keypair,
        "version_blind_sign" => version_blind_sign,
        "pro_master_keypair" => pro_master_keypair,
        "blake2b" => blake2b,
        "blake2b_checked" => blake2b_checked_op,
        "account_id_parse" => account_id_parse,
        "account_id_format" => account_id_format,
        _ => return None,
    };
    Some(op(inputs))
}

/// The local key pair from `ed25519_sk` (64 bytes) or `ed25519_seed` (32 bytes), as given.
fn local_keypair(i: Inputs<'_>) -> Result<Ed25519KeyPair, Failure> {
    if i.has("ed25519_sk") {
        Ok(Ed25519KeyPair::from_secret_bytes(&i.hex("ed25519_sk")?)?)
    } else {
        Ok(Ed25519KeyPair::from_secret_bytes(&i.hex("ed25519_seed")?)?)
    }
}

fn server_pk(i: Inputs<'_>) -> Result<X25519PublicKey, Failure> {
    Ok(X25519PublicKey::try_from(i.hex("server_pk")?.as_slice())?)
}

fn account_id(i: Inputs<'_>) -> Result<AccountId, Failure> {
    Ok(AccountId::from_str(i.str("account_id")?)?)
}

fn digest_size(i: Inputs<'_>) -> Result<usize, Failure> {
    Ok(usize::try_from(i.i128("digest_size")?).map_err(|_| Error::InvalidParameter)?)
}

fn identity_outputs(kp: &Ed25519KeyPair) -> Outputs {
    Outputs::new()
        .hex("ed25519_seed", kp.seed())
        .hex("ed25519_pk", kp.public_key())
        .hex("ed25519_sk", kp.to_libsodium_secret().as_ref())
        .hex("x25519_sk", kp.x25519_secret().as_bytes())
        .hex("x25519_pk", kp.x25519_public())
        .hex("account_id", kp.account_id().to_bytes())
}

fn keypair_from_seed(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::try_from(i.hex("ed25519_seed")?.as_slice())?;
    Ok(Outputs::new()
        .hex("ed25519_pk", kp.public_key())
        .hex("ed25519_sk", kp.to_libsodium_secret().as_ref()))
}

fn seed_from_secret_op(i: Inputs<'_>) -> OpResult {
    let seed = seed_from_secret(&i.hex("ed25519_secret")?)?;
    Ok(Outputs::new().hex("ed25519_seed", seed.as_ref()))
}

fn ed25519_sign(i: Inputs<'_>) -> OpResult {
    let sig = local_keypair(i)?.sign(&i.hex("message")?);
    Ok(Outputs::new().hex("signature", sig))
}

fn pk_to_x25519(i: Inputs<'_>) -> OpResult {
    let pk = Ed25519PublicKey::try_from(i.hex("ed25519_pk")?.as_slice())?;
    Ok(Outputs::new().hex("x25519_pk", pk.to_x25519()?))
}

fn sk_to_x25519(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::from_secret_bytes(&i.hex("ed25519_sk")?)?;
    Ok(Outputs::new().hex("x25519_sk", kp.x25519_secret().as_bytes()))
}

fn account_from_ed_seed(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::try_from(i.hex("ed25519_seed")?.as_slice())?;
    Ok(identity_outputs(&kp))
}

fn account_from_seed16(i: Inputs<'_>) -> OpResult {
    let seed = Seed::try_from(i.hex("seed16")?.as_slice())?;
    Ok(identity_outputs(&seed.keypair()))
}

fn mnemonic_encode(i: Inputs<'_>) -> OpResult {
    let words = WordList::english().encode(&i.hex("entropy")?, i.bool("checksum")?)?;
    Ok(Outputs::new().str("mnemonic", words.as_str()))
}

fn mnemonic_decode(i: Inputs<'_>) -> OpResult {
    let bytes = WordList::english().decode(i.str("mnemonic")?)?;
    Ok(Outputs::new().hex("entropy", bytes.as_slice()))
}

fn recovery_phrase(i: Inputs<'_>) -> OpResult {
    let seed = Seed::from_mnemonic(i.str("mnemonic")?)?;
    Ok(identity_outputs(&seed.keypair()).hex("seed16", seed.as_bytes()))
}

fn xed_pubkey(i: Inputs<'_>) -> OpResult {
    let x = X25519PublicKey::try_from(i.hex("x25519_pk")?.as_slice())?;
    Ok(Outputs::new().hex("ed25519_pk", x.to_ed25519_positive()))
}

fn xed_sign(i: Inputs<'_>) -> OpResult {
    let sk = X25519SecretKey::try_from(i.hex("x25519_sk")?.as_slice())?;
    let z: [u8; 64] = i.hex_array("random_z")?;
    let sig = sk.xed25519_sign_with_z_for_testing(&i.hex("message")?, &z);
    Ok(Outputs::new().hex("signature", sig))
}

fn xed_verify(i: Inputs<'_>) -> OpResult {
    let x = X25519PublicKey::try_from(i.hex("x25519_pk")?.as_slice())?;
    let valid = match Signature::try_from(i.hex("signature")?.as_slice()) {
        Ok(sig) => x.xed25519_verify(&i.hex("message")?, &sig).is_ok(),
        Err(_) => false,
    };
    Ok(Outputs::new().bool("valid", valid))
}

fn blind15_factor(i: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().hex("k", blinding::blind15_factor(&server_pk(i)?)))
}

fn blind25_factor(i: Inputs<'_>) -> OpResult {
    Ok(Outputs::new().hex(
        "k",
        blinding::blind25_factor(&account_id(i)?, &server_pk(i)?),
    ))
}

fn blind15_id(i: Inputs<'_>) -> OpResult {
    let [pos, neg] = blinding::blind15_ids(&account_id(i)?, &server_pk(i)?)?;
    Ok(Outputs::new()
        .hex("blinded_id_positive", pos.to_bytes())
        .hex("blinded_id_negative", neg.to_bytes()))
}

fn blind25_id(i: Inputs<'_>) -> OpResult {
    let account = if i.has("x25519_pk") {
        X25519PublicKey::try_from(i.hex("x25519_pk")?.as_slice())?.account_id()
    } else {
        account_id(i)?
    };
    let id = blinding::blind25_id(&account, &server_pk(i)?)?;
    Ok(Outputs::new().hex("blinded_id", id.to_bytes()))
}

fn blind25_id_from_ed(i: Inputs<'_>) -> OpResult {
    let pk = Ed25519PublicKey::try_from(i.hex("ed25519_pk")?.as_slice())?;
    let id = blinding::blind25_id_from_ed25519(&pk, &server_pk(i)?)?;
    Ok(Outputs::new().hex("blinded_id", id.to_bytes()))
}

fn blind15_keypair(i: Inputs<'_>) -> OpResult {
    let kp = local_keypair(i)?.blind15(&server_pk(i)?);
    Ok(Outputs::new()
        .hex("blinded_id", kp.blinded_id().to_bytes())
        .hex("blinded_scalar", kp.secret_scalar().as_ref()))
}

fn blind25_keypair(i: Inputs<'_>) -> OpResult {
    let kp = local_keypair(i)?.blind25(&server_pk(i)?);
    Ok(Outputs::new()
        .hex("blinded_id", kp.blinded_id().to_bytes())
        .hex("blinded_scalar", kp.secret_scalar().as_ref()))
}

fn blind15_sign(i: Inputs<'_>) -> OpResult {
    let nonce = match i.str("nonce_input")? {
        "sk64" => Blind15Nonce::SecretKey64,
        "seed32" => Blind15Nonce::Seed32,
        other => return Err(Failure::BadInput(format!("unknown nonce_input `{other}`"))),
    };
    let kp = local_keypair(i)?.blind15(&server_pk(i)?);
    Ok(Outputs::new().hex("signature", kp.sign_with(&i.hex("message")?, nonce)))
}

fn blind25_sign(i: Inputs<'_>) -> OpResult {
    let kp = local_keypair(i)?.blind25(&server_pk(i)?);
    Ok(Outputs::new().hex("signature", kp.sign(&i.hex("message")?)))
}

fn blinded_id_matches(i: Inputs<'_>) -> OpResult {
    let m = blinding::blinded_id_matches_hex(
        i.str("account_id")?,
        i.str("blinded_id")?,
        i.str("server_pk")?,
    )?;
    Ok(Outputs::new().bool("match", m))
}

fn unblind15(i: Inputs<'_>) -> OpResult {
    let blinded = Blinded15Id::from_str(i.str("blinded_id")?)?;
    let account = blinding::unblind15(&blinded, &server_pk(i)?)?;
    Ok(Outputs::new().hex("account_id", account.to_bytes()))
}

fn version_blind_keypair(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::from_secret_bytes(&i.hex("ed25519_sk")?)?;
    let v = kp.version_blinded_keypair();
    Ok(Outputs::new()
        .hex("blinded_seed", v.seed())
        .hex("blinded_sk", v.to_libsodium_secret().as_ref())
        .hex("blinded_id", kp.version_blinded_id().to_bytes()))
}

fn version_blind_sign(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::from_secret_bytes(&i.hex("ed25519_sk")?)?;
    let platform = Platform::from_str(i.str("platform")?)
        .map_err(|_| Failure::BadInput("unknown platform".into()))?;
    let sig = kp.version_blind_sign(platform, i.u64("timestamp")?);
    Ok(Outputs::new().hex("signature", sig))
}

fn pro_master_keypair(i: Inputs<'_>) -> OpResult {
    let kp = Ed25519KeyPair::try_from(i.hex("ed25519_seed")?.as_slice())?;
    let pro = kp.pro_master_keypair();
    Ok(Outputs::new()
        .hex("pro_seed", pro.seed())
        .hex("pro_sk", pro.to_libsodium_secret().as_ref())
        .hex("pro_pk", pro.public_key()))
}

fn blake2b(i: Inputs<'_>) -> OpResult {
    let mut b = Blake2b::new(digest_size(i)?)?;
    if let Some(key) = i.opt_hex("key")? {
        b = b.key(&key)?;
    }
    if let Some(salt) = i.opt_hex("salt")? {
        b = b.salt(&salt)?;
    }
    if let Some(personal) = i.opt_hex("personal")? {
        b = b.personal(&personal)?;
    }
    Ok(Outputs::new().hex("digest", b.hash(&i.hex("message")?)))
}

fn blake2b_checked_op(i: Inputs<'_>) -> OpResult {
    let key = i.opt_hex("key")?;
    let digest = blake2b_checked(digest_size(i)?, &i.hex("message")?, key.as_deref())?;
    Ok(Outputs::new().hex("digest", digest))
}

fn account_id_parse(i: Inputs<'_>) -> OpResult {
    let id = SessionId::from_str(i.str("text")?)?;
    Ok(Outputs::new()
        .hex("id", id.to_bytes())
        .hex("prefix", [id.prefix().as_byte()]))
}

fn account_id_format(i: Inputs<'_>) -> OpResult {
    let [prefix]: [u8; 1] = i.hex_array("prefix")?;
    let key: [u8; 32] = i.hex_array("pubkey")?;
    let id = SessionId::from_parts(IdPrefix::from_byte(prefix)?, &key);
    Ok(Outputs::new().str("id", id.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_identity_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/identity.json"), "identity");
    }
}
