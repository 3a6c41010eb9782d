//! Vector kinds of the `config` area (`vectors/config.json`), run through `session-config`.

use serde_json::{Value, json};
use session_config::groups::{Info, Members};
use session_config::{
    ConfigAuth, ConfigBase, ConfigKind, ConfigMessage, Contacts, ConvoInfo, ConvoInfoVolatile,
    DEFAULT_LAG, ExpiryMode, MutableConfigMessage, NotifyMode, ProfilePic, UserGroups, UserProfile,
    decode_dict, decode_payload, encode_dict, encode_diff, merge_messages, parse_account_id,
    parse_group_id,
};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use zeroize::Zeroizing;

use super::{Categorized, Failure, Inputs, OpResult, Outputs};

impl Categorized for session_config::Error {
    fn category(&self) -> &'static str {
        session_config::Error::category(self)
    }
}

/// Runs one `config` kind; `None` when the kind is not one of this area's.
pub(crate) fn run(kind: &str, inputs: Inputs<'_>) -> Option<OpResult> {
    Some(match kind {
        "config_message_parse" => parse(inputs),
        "config_message_build" => build(inputs),
        "config_message_merge" => merge(inputs),
        "config_push" => push(inputs),
        "config_payload_decode" => payload_decode(inputs),
        "config_typed_set" => typed_set(inputs),
        _ => return None,
    })
}

fn bad(why: &str) -> Failure {
    Failure::BadInput(why.to_owned())
}

fn lag(i: Inputs<'_>) -> Result<i64, Failure> {
    match i.opt_i128("lag")? {
        None => Ok(DEFAULT_LAG),
        Some(n) => i64::try_from(n).map_err(|_| bad("lag")),
    }
}

fn verifier(i: Inputs<'_>) -> Result<Option<Ed25519PublicKey>, Failure> {
    Ok(match i.opt_hex("verify_ed25519_pk")? {
        None => None,
        Some(b) => Some(Ed25519PublicKey::from_bytes(
            &<[u8; 32]>::try_from(b.as_slice()).map_err(|_| bad("verify_ed25519_pk"))?,
        )),
    })
}

fn signer(i: Inputs<'_>) -> Result<Option<Ed25519KeyPair>, Failure> {
    Ok(match i.opt_hex("signing_ed25519_seed")? {
        None => None,
        Some(b) => Some(Ed25519KeyPair::from_seed(
            &<[u8; 32]>::try_from(b.as_slice()).map_err(|_| bad("signing_ed25519_seed"))?,
        )),
    })
}

fn parse(i: Inputs<'_>) -> OpResult {
    let pk = verifier(i)?;
    let m = ConfigMessage::parse(&i.hex("message")?, pk.as_ref(), lag(i)?)?;
    let lagged: Vec<Value> = m
        .lagged()
        .iter()
        .map(|((s, h), d)| {
            json!({"seqno": s, "config_hash": hex::encode(h), "diff_bt": hex::encode(encode_diff(d))})
        })
        .collect();
    Ok(Outputs::new()
        .int("seqno", m.seqno())
        .hex("config_hash", m.hash())
        .hex("data_bt", encode_dict(m.data()))
        .hex("diff_bt", encode_diff(m.diff()))
        .json("lagged", Value::Array(lagged))
        .bool("signature_verified", m.signature_verified()))
}

fn build(i: Inputs<'_>) -> OpResult {
    let lag = lag(i)?;
    let data = decode_dict(&i.hex("data_bt")?)?;
    let mut msg = match i.opt_hex("parent")? {
        Some(parent) => ConfigMessage::parse(&parent, None, lag)?.increment(),
        None => {
            MutableConfigMessage::fresh(i.i64("seqno")?, session_config::ConfigDict::new(), lag)
        }
    };
    msg.set_data(data);
    let kp = signer(i)?;
    let m = msg.serialise(kp.as_ref());
    Ok(Outputs::new()
        .hex("message", m.bytes())
        .int("seqno", m.seqno())
        .hex("config_hash", m.hash())
        .hex("diff_bt", encode_diff(m.diff())))
}

fn merge(i: Inputs<'_>) -> OpResult {
    let messages: Vec<Vec<u8>> = match i.value("messages")? {
        Value::Array(a) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .and_then(|s| hex::decode(s).ok())
                    .ok_or_else(|| bad("messages"))
            })
            .collect::<Result<_, _>>()?,
        _ => return Err(bad("messages")),
    };
    let refs: Vec<&[u8]> = messages.iter().map(Vec::as_slice).collect();
    let pk = verifier(i)?;
    let kp = signer(i)?;
    let out = merge_messages(&refs, pk.as_ref(), kp.as_ref(), lag(i)?)?;
    let index = out
        .unmerged_parsed_index
        .and_then(|n| i64::try_from(n).ok())
        .unwrap_or(-1);
    Ok(Outputs::new()
        .bool("merged", out.merged)
        .int("unmerged_index", index)
        .int("seqno", out.message.seqno())
        .hex("data_bt", encode_dict(out.message.data()))
        .hex("message", out.message.bytes())
        .hex("config_hash", out.message.hash()))
}

fn kind(i: Inputs<'_>) -> Result<ConfigKind, Failure> {
    let name = i.str("config_type")?;
    ConfigKind::from_name(name).ok_or_else(|| bad("config_type"))
}

fn seed(i: Inputs<'_>) -> Result<Ed25519KeyPair, Failure> {
    Ok(Ed25519KeyPair::from_seed(
        &i.hex_array::<32>("ed25519_seed")?,
    ))
}

fn auth(i: Inputs<'_>, kind: ConfigKind) -> Result<ConfigAuth, Failure> {
    let kp = seed(i)?;
    Ok(if kind.is_group() {
        let keys = match i.opt_hex("encryption_key")? {
            Some(k) => vec![Zeroizing::new(
                <[u8; 32]>::try_from(k.as_slice()).map_err(|_| bad("encryption_key"))?,
            )],
            None => Vec::new(),
        };
        ConfigAuth::Group {
            public_key: kp.public_key(),
            admin: Some(kp),
            keys,
        }
    } else {
        ConfigAuth::User(kp)
    })
}

fn push(i: Inputs<'_>) -> OpResult {
    let kind = kind(i)?;
    let mut base = ConfigBase::new(kind, auth(i, kind)?);
    let data = decode_dict(&i.hex("data_bt")?)?;
    if !data.is_empty() {
        base.set_data(data);
    }
    let p = match base.push()? {
        Some(p) => p,
        None => base.current_push()?,
    };
    let m = base.current_message();
    Ok(Outputs::new()
        .int("seqno", p.seqno)
        .hex("message", m.bytes())
        .hex("payload", p.data))
}

fn payload_decode(i: Inputs<'_>) -> OpResult {
    let kind = kind(i)?;
    let kp = seed(i)?;
    let enc = i.opt_hex("encryption_key")?;
    let key: [u8; 32] = match (&enc, kind.is_group()) {
        (Some(k), true) => <[u8; 32]>::try_from(k.as_slice()).map_err(|_| bad("encryption_key"))?,
        _ => *kp.seed(),
    };
    let own = kind.is_user().then_some(&kp);
    let m = decode_payload(kind, &i.hex("payload")?, &[&key], own)?;
    Ok(Outputs::new().hex("message", m))
}

/// The arguments of one setter call.
struct Args<'a>(&'a [Value]);

impl<'a> Args<'a> {
    fn get(&self, n: usize) -> Result<&'a Value, Failure> {
        self.0.get(n).ok_or_else(|| bad("missing call argument"))
    }
    fn text(&self, n: usize) -> Result<&'a str, Failure> {
        self.get(n)?
            .as_str()
            .ok_or_else(|| bad("argument is not text"))
    }
    fn int(&self, n: usize) -> Result<i64, Failure> {
        self.get(n)?
            .as_i64()
            .ok_or_else(|| bad("argument is not an integer"))
    }
    fn bool(&self, n: usize) -> Result<bool, Failure> {
        self.get(n)?
            .as_bool()
            .ok_or_else(|| bad("argument is not a boolean"))
    }
    fn hex(&self, n: usize) -> Result<Vec<u8>, Failure> {
        hex::decode(self.text(n)?).map_err(|_| Failure::Category("invalid_hex"))
    }
    fn account(&self, n: usize) -> Result<session_identity::AccountId, Failure> {
        Ok(parse_account_id(self.text(n)?)?)
    }
    fn group(&self, n: usize) -> Result<session_identity::GroupId, Failure> {
        Ok(parse_group_id(self.text(n)?)?)
    }
    fn pic(&self, n: usize) -> Result<ProfilePic, Failure> {
        Ok(ProfilePic::new(self.text(n)?, self.hex(n + 1)?))
    }
    fn server_pk(&self, n: usize) -> Result<[u8; 32], Failure> {
        let b = self.hex(n)?;
        <[u8; 32]>::try_from(b.as_slice()).map_err(|_| Failure::Category("invalid_server_pk"))
    }
    fn notify(&self, n: usize) -> Result<NotifyMode, Failure> {
        NotifyMode::from_name(self.text(n)?).ok_or_else(|| bad("notification mode"))
    }
}

fn calls(i: Inputs<'_>) -> Result<Vec<(&str, Args<'_>)>, Failure> {
    let Value::Array(list) = i.value("calls")? else {
        return Err(bad("calls"));
    };
    list.iter()
        .map(|c| {
            let name = c
                .get("call")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("call"))?;
            let args = c
                .get("args")
                .and_then(Value::as_array)
                .ok_or_else(|| bad("args"))?;
            Ok((name, Args(args.as_slice())))
        })
        .collect()
}

fn unknown_call(name: &str) -> Failure {
    Failure::BadInput(format!("unknown call `{name}`"))
}

fn typed_set(i: Inputs<'_>) -> OpResult {
    let me = Ed25519KeyPair::from_seed(&[1; 32]);
    let group = Ed25519KeyPair::from_seed(&[2; 32]);
    let keys = [[3u8; 32]];
    let calls = calls(i)?;
    let data = match kind(i)? {
        ConfigKind::UserProfile => {
            let mut c = UserProfile::new(&me);
            for (name, a) in &calls {
                match *name {
                    "set_name" => c.set_name(a.text(0)?)?,
                    "set_name_truncated" => c.set_name_truncated(a.text(0)?),
                    "set_profile_pic" => c.set_profile_pic(&a.pic(0)?)?,
                    "set_nts_priority" => c.set_nts_priority(a.int(0)?),
                    "set_nts_expiry" => c.set_nts_expiry(a.int(0)?),
                    "set_blinded_msgreqs" => c.set_blinded_msgreqs(a.get(0)?.as_bool()),
                    other => return Err(unknown_call(other)),
                }
            }
            encode_dict(c.base().data())
        }
        ConfigKind::Contacts => {
            let mut c = Contacts::new(&me);
            for (name, a) in &calls {
                let id = a.account(0)?;
                if *name == "erase" {
                    c.erase(&id);
                    continue;
                }
                if *name == "set_nickname" {
                    c.set_nickname(&id, a.text(1)?)?;
                    continue;
                }
                let mut e = c.get_or_construct(&id);
                match *name {
                    "set_name" => e.name = a.text(1)?.to_owned(),
                    "set_nickname_truncated" => e.nickname = a.text(1)?.to_owned(),
                    "set_profile_pic" => e.profile_pic = a.pic(1)?,
                    "set_approved" => e.approved = a.bool(1)?,
                    "set_approved_me" => e.approved_me = a.bool(1)?,
                    "set_blocked" => e.blocked = a.bool(1)?,
                    "set_priority" => e.priority = a.int(1)?,
                    "set_notifications" => e.notifications = a.notify(1)?,
                    "set_expiry" => {
                        e.expiry = ExpiryMode::from_name(a.text(1)?, a.int(2)?)
                            .ok_or_else(|| bad("expiry mode"))?;
                    }
                    "set_created" => e.created = a.int(1)?,
                    other => return Err(unknown_call(other)),
                }
                c.set(&e)?;
            }
            encode_dict(c.base().data())
        }
        ConfigKind::ConvoInfoVolatile => return convo_set(i, &me, &calls),
        ConfigKind::UserGroups => user_groups_set(&me, &calls)?,
        ConfigKind::GroupInfo => {
            let mut c = Info::new(&group.public_key(), Some(&group), &keys);
            for (name, a) in &calls {
                match *name {
                    "set_name" => c.set_name(a.text(0)?)?,
                    "set_name_truncated" => c.set_name_truncated(a.text(0)?),
                    "set_description" => c.set_description(a.text(0)?)?,
                    "set_description_truncated" => c.set_description_truncated(a.text(0)?),
                    "set_profile_pic" => c.set_profile_pic(&a.pic(0)?)?,
                    "set_expiry_timer" => c.set_expiry_timer(a.int(0)?),
                    "set_created" => c.set_created(a.int(0)?),
                    "set_delete_before" => c.set_delete_before(a.int(0)?),
                    "set_delete_attach_before" => c.set_delete_attach_before(a.int(0)?),
                    "destroy_group" => c.destroy_group(),
                    other => return Err(unknown_call(other)),
                }
            }
            encode_dict(c.base().data())
        }
        ConfigKind::GroupMembers => {
            let mut c = Members::new(&group.public_key(), Some(&group), &keys);
            for (name, a) in &calls {
                let id = a.account(0)?;
                if *name == "erase" {
                    c.erase(&id);
                    continue;
                }
                let mut m = c.get_or_construct(&id);
                match *name {
                    "add" => {}
                    "set_name" => m.name = a.text(1)?.to_owned(),
                    "set_name_truncated" => {
                        m.name =
                            session_config::truncate_utf8(a.text(1)?, session_config::MAX_NAME_LEN)
                                .to_owned();
                    }
                    "set_profile_pic" => m.profile_pic = a.pic(1)?,
                    "set_admin" => m.admin = a.bool(1)?,
                    "set_supplement" => m.supplement = a.bool(1)?,
                    "set_invite_sent" => m.set_invite_sent(),
                    "set_invite_not_sent" => m.set_invite_not_sent(),
                    "set_invite_failed" => m.set_invite_failed(),
                    "set_invite_accepted" => m.set_invite_accepted(),
                    "set_promoted" => m.set_promoted(),
                    "set_promotion_sent" => m.set_promotion_sent(),
                    "set_promotion_failed" => m.set_promotion_failed(),
                    "set_promotion_accepted" => m.set_promotion_accepted(),
                    "set_removed" => m.set_removed(a.bool(1)?),
                    other => return Err(unknown_call(other)),
                }
                c.set(&m)?;
            }
            encode_dict(c.base().data())
        }
    };
    Ok(Outputs::new().hex("data_bt", data))
}

fn convo_set(i: Inputs<'_>, me: &Ed25519KeyPair, calls: &[(&str, Args<'_>)]) -> OpResult {
    let now = i.i64("now_ms")?;
    let mut c = ConvoInfoVolatile::new(me);
    let info = |a: &Args<'_>, n: usize| -> Result<ConvoInfo, Failure> {
        Ok(ConvoInfo {
            last_read_ms: a.int(n)?,
            unread: a.bool(n + 1)?,
        })
    };
    for (name, a) in calls {
        match *name {
            "set_1to1" => c.set_one_to_one(&a.account(0)?, info(a, 1)?, now),
            "set_group" => c.set_group(&a.group(0)?, info(a, 1)?, now),
            "set_legacy_group" => c.set_legacy_group(&a.account(0)?, info(a, 1)?, now),
            "set_community" => {
                let (url, room) = (a.text(0)?, a.text(1)?);
                session_config::normalize_community_url(url)?;
                session_config::normalize_room(room)?;
                c.set_community(url, room, &a.server_pk(2)?, info(a, 3)?, now)?;
            }
            "erase_1to1" => {
                c.erase_one_to_one(&a.account(0)?);
            }
            "erase_group" => {
                c.erase_group(&a.group(0)?);
            }
            "erase_legacy_group" => {
                c.erase_legacy_group(&a.account(0)?);
            }
            "erase_community" => {
                c.erase_community(a.text(0)?, a.text(1)?)?;
            }
            other => return Err(unknown_call(other)),
        }
    }
    let data = encode_dict(c.base().data());
    c.push(now)?;
    Ok(Outputs::new()
        .hex("data_bt", data)
        .hex("pushed_data_bt", encode_dict(c.base().data())))
}

fn user_groups_set(me: &Ed25519KeyPair, calls: &[(&str, Args<'_>)]) -> Result<Vec<u8>, Failure> {
    let mut c = UserGroups::new(me);
    let empty = serde_json::Map::new();
    for (name, a) in calls {
        let fields = |n: usize| -> &serde_json::Map<String, Value> {
            a.0.get(n).and_then(Value::as_object).unwrap_or(&empty)
        };
        let common = |f: &serde_json::Map<String, Value>,
                      g: &mut session_config::GroupCommon|
         -> Result<(), Failure> {
            if let Some(v) = f.get("priority").and_then(Value::as_i64) {
                g.priority = v;
            }
            if let Some(v) = f.get("joined_at").and_then(Value::as_i64) {
                g.joined_at = v;
            }
            if let Some(v) = f.get("notifications").and_then(Value::as_str) {
                g.notifications = NotifyMode::from_name(v).ok_or_else(|| bad("notifications"))?;
            }
            if let Some(v) = f.get("mute_until").and_then(Value::as_i64) {
                g.mute_until = v;
            }
            if let Some(v) = f.get("invited").and_then(Value::as_bool) {
                g.invited = v;
            }
            Ok(())
        };
        let hexf =
            |f: &serde_json::Map<String, Value>, k: &str| -> Result<Option<Vec<u8>>, Failure> {
                match f.get(k).and_then(Value::as_str) {
                    None => Ok(None),
                    Some(s) => hex::decode(s)
                        .map(Some)
                        .map_err(|_| Failure::Category("invalid_hex")),
                }
            };
        match *name {
            "set_community" => {
                let pk = a.server_pk(2)?;
                let mut e = c.get_or_construct_community(a.text(0)?, a.text(1)?, &pk)?;
                common(fields(3), &mut e.common)?;
                c.set_community(&e)?;
            }
            "set_legacy_group" => {
                let mut e = c.get_or_construct_legacy_group(&a.account(0)?);
                let f = fields(1);
                if let Some(v) = f.get("name").and_then(Value::as_str) {
                    e.name = v.to_owned();
                }
                common(f, &mut e.common)?;
                if let Some(k) = hexf(f, "enc_pubkey")? {
                    e.enc_pubkey = k;
                }
                if let Some(k) = hexf(f, "enc_seckey")? {
                    e.enc_seckey = Zeroizing::new(k);
                }
                if let Some(v) = f.get("disappearing_timer").and_then(Value::as_i64) {
                    e.disappearing_timer = v;
                }
                for m in f
                    .get("add_members")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = m
                        .get(0)
                        .and_then(Value::as_str)
                        .ok_or_else(|| bad("member"))?;
                    let admin = m.get(1).and_then(Value::as_bool).unwrap_or(false);
                    e.members.insert(parse_account_id(id)?, admin);
                }
                for m in f
                    .get("remove_members")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    let id = m.as_str().ok_or_else(|| bad("member"))?;
                    e.members.remove(&parse_account_id(id)?);
                }
                c.set_legacy_group(&e);
            }
            "set_group" => {
                let mut e = c.get_or_construct_group(&a.group(0)?);
                let f = fields(1);
                if let Some(v) = f.get("name").and_then(Value::as_str) {
                    e.name = v.to_owned();
                }
                common(f, &mut e.common)?;
                if let Some(k) = hexf(f, "secretkey")? {
                    e.secret_key = <[u8; 64]>::try_from(k.as_slice()).ok().map(Zeroizing::new);
                }
                if let Some(k) = hexf(f, "auth_data")? {
                    e.auth_data = Zeroizing::new(k);
                }
                c.set_group(&e);
            }
            "mark_group_kicked" | "mark_group_invited" | "mark_group_destroyed" => {
                let mut e = c.get_or_construct_group(&a.group(0)?);
                match *name {
                    "mark_group_kicked" => e.mark_kicked(),
                    "mark_group_invited" => e.mark_invited(),
                    _ => e.mark_destroyed(),
                }
                c.set_group(&e);
            }
            "erase_community" => {
                c.erase_community(a.text(0)?, a.text(1)?)?;
            }
            "erase_group" => {
                c.erase_group(&a.group(0)?);
            }
            "erase_legacy_group" => {
                c.erase_legacy_group(&a.account(0)?);
            }
            other => return Err(unknown_call(other)),
        }
    }
    Ok(encode_dict(c.base().data()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_config_vector_passes() {
        super::super::assert_all_pass(include_str!("../../../vectors/config.json"), "config");
    }
}
