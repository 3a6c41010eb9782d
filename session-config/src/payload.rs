//! The push pipeline (spec §6): compression, padding, encryption and the legacy wrapper, and
//! the way back. Encryption, padding and the wrapper are `session-protocol`'s.

use session_identity::Ed25519KeyPair;
use session_protocol::config_message::config_kind_for_namespace;
use session_protocol::padding::pad_config_message;
use session_protocol::{
    CONFIG_OVERHEAD, decrypt_config, encrypt_config, unwrap_config, wrap_config,
};

use crate::error::{Error, Result};

/// The largest payload the storage server accepts (`MAX_MESSAGE_SIZE`).
pub const MAX_PAYLOAD_SIZE: usize = 76_800;
/// The largest decompressed config message accepted on receive.
pub const MAX_DECOMPRESSED_SIZE: usize = 4 << 20;

/// The six config types (spec §6.1's table), with their storage namespace, encryption domain,
/// wrapping and signing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ConfigKind {
    /// The user's own profile (namespace 2).
    UserProfile,
    /// The user's contacts (namespace 3).
    Contacts,
    /// Per-conversation read state (namespace 4).
    ConvoInfoVolatile,
    /// Communities and groups the user belongs to (namespace 5).
    UserGroups,
    /// A group's info (namespace 13, signed).
    GroupInfo,
    /// A group's members (namespace 14, signed).
    GroupMembers,
}

impl ConfigKind {
    /// Every kind, user kinds first.
    pub const ALL: [ConfigKind; 6] = [
        ConfigKind::UserProfile,
        ConfigKind::Contacts,
        ConfigKind::ConvoInfoVolatile,
        ConfigKind::UserGroups,
        ConfigKind::GroupInfo,
        ConfigKind::GroupMembers,
    ];

    /// The storage namespace.
    #[must_use]
    pub fn namespace(self) -> i16 {
        match self {
            ConfigKind::UserProfile => 2,
            ConfigKind::Contacts => 3,
            ConfigKind::ConvoInfoVolatile => 4,
            ConfigKind::UserGroups => 5,
            ConfigKind::GroupInfo => 13,
            ConfigKind::GroupMembers => 14,
        }
    }

    /// The kind stored in a namespace.
    #[must_use]
    pub fn from_namespace(ns: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.namespace() == ns)
    }

    /// The encryption domain.
    #[must_use]
    pub fn domain(self) -> &'static str {
        match self {
            ConfigKind::UserProfile => "UserProfile",
            ConfigKind::Contacts => "Contacts",
            ConfigKind::ConvoInfoVolatile => "ConvoInfoVolatile",
            ConfigKind::UserGroups => "UserGroups",
            ConfigKind::GroupInfo => "groups::Info",
            ConfigKind::GroupMembers => "groups::Members",
        }
    }

    /// Whether this is a user (account) config, wrapped in the legacy protobuf message.
    #[must_use]
    pub fn is_user(self) -> bool {
        !self.is_group()
    }

    /// Whether this is a group config (signed by the group key, not wrapped).
    #[must_use]
    pub fn is_group(self) -> bool {
        matches!(self, ConfigKind::GroupInfo | ConfigKind::GroupMembers)
    }

    /// The snake-case name used by the test vectors (`user_profile`, …).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ConfigKind::UserProfile => "user_profile",
            ConfigKind::Contacts => "contacts",
            ConfigKind::ConvoInfoVolatile => "convo_info_volatile",
            ConfigKind::UserGroups => "user_groups",
            ConfigKind::GroupInfo => "group_info",
            ConfigKind::GroupMembers => "group_members",
        }
    }

    /// The kind named by [`ConfigKind::name`].
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// zstd level-1 compression with the `z` marker, kept only when smaller (spec §6.1 step 2).
fn maybe_compress(message: &[u8]) -> Vec<u8> {
    if let Ok(z) = zstd::bulk::compress(message, 1) {
        if z.len() + 1 < message.len() {
            let mut out = Vec::with_capacity(z.len() + 1);
            out.push(b'z');
            out.extend_from_slice(&z);
            return out;
        }
    }
    message.to_vec()
}

/// Encodes a serialised message for storage (spec §6.1): compress if smaller, pad at the front
/// to the padded size of what is encrypted, encrypt with `key`, and — for user kinds — wrap it
/// for `own` (the account key pair) with the message's `seqno`.
///
/// # Errors
/// [`Error::TooLarge`] above [`MAX_PAYLOAD_SIZE`]; [`Error::NotAdmin`] for a user kind without
/// `own`; encryption-layer errors.
pub fn encode_payload(
    kind: ConfigKind,
    message: &[u8],
    seqno: i64,
    key: &[u8; 32],
    own: Option<&Ed25519KeyPair>,
) -> Result<Vec<u8>> {
    let body = maybe_compress(message);
    let padded = pad_config_message(&body, CONFIG_OVERHEAD);
    let ct = encrypt_config(&padded, key, kind.domain())?;
    let out = if kind.is_user() {
        let own = own.ok_or(Error::NotAdmin)?;
        let proto = config_kind_for_namespace(i32::from(kind.namespace()))
            .ok_or(Error::InvalidConfig("not a user config namespace"))?;
        wrap_config(own, proto, seqno, &ct)?
    } else {
        ct
    };
    if out.len() > MAX_PAYLOAD_SIZE {
        return Err(Error::TooLarge);
    }
    Ok(out)
}

/// Decodes a stored payload to the plaintext message (spec §6.2): unwrap (user kinds, at most
/// twice; a payload that does not unwrap is used as is), decrypt with the first of `keys` that
/// works, strip the leading zero padding, refuse multipart, decompress a `z` payload.
///
/// # Errors
/// [`Error::DecryptionFailed`] when no key opens it; [`Error::BadPayload`] for an empty,
/// multipart or badly compressed plaintext.
pub fn decode_payload(
    kind: ConfigKind,
    payload: &[u8],
    keys: &[&[u8; 32]],
    own: Option<&Ed25519KeyPair>,
) -> Result<Vec<u8>> {
    let mut ct = payload.to_vec();
    if let (true, Some(own)) = (kind.is_user(), own) {
        if let Some(proto) = config_kind_for_namespace(i32::from(kind.namespace())) {
            if let Ok(inner) = unwrap_config(own, proto, &ct) {
                ct = match unwrap_config(own, proto, &inner) {
                    Ok(twice) => twice,
                    Err(_) => inner,
                };
            }
        }
    }
    let plain = keys
        .iter()
        .find_map(|k| decrypt_config(&ct, k, kind.domain()).ok())
        .ok_or(Error::DecryptionFailed)?;
    let start = plain.iter().position(|&b| b != 0).unwrap_or(plain.len());
    let body = plain.get(start..).unwrap_or_default();
    match body.split_first() {
        None => Err(Error::BadPayload("empty")),
        Some((b'm', _)) => Err(Error::BadPayload("multipart payloads are not supported")),
        Some((b'z', z)) => {
            let out = session_protocol::zstd_decompress(z, MAX_DECOMPRESSED_SIZE)
                .map_err(|_| Error::BadPayload("bad zstd data"))?;
            if out.is_empty() {
                return Err(Error::BadPayload("empty"));
            }
            Ok(out)
        }
        Some(_) => Ok(body.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_every_kind_and_compression() {
        let own = Ed25519KeyPair::from_seed(&[3; 32]);
        let key = [9u8; 32];
        let small = b"d1:#i1e1:&d1:ai1ee1:<le1:=d1:a0:ee".to_vec();
        let mut big = b"d1:#i1e1:&d1:a1000:".to_vec();
        big.extend_from_slice(&[b'x'; 1000]);
        big.extend_from_slice(b"e1:<le1:=d1:a0:ee");
        for kind in ConfigKind::ALL {
            for m in [&small, &big] {
                let p = encode_payload(kind, m, 1, &key, Some(&own)).unwrap();
                assert_eq!(&decode_payload(kind, &p, &[&key], Some(&own)).unwrap(), m);
                assert_eq!(
                    decode_payload(kind, &p, &[&[8; 32]], Some(&own)),
                    Err(Error::DecryptionFailed)
                );
            }
            let p = encode_payload(kind, &big, 1, &key, Some(&own)).unwrap();
            assert!(p.len() < 600, "{kind:?} did not compress");
        }
    }
}
