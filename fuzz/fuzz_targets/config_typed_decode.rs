//! session-config's typed configs reading arbitrary (valid) data: the input, after a kind byte,
//! is a config message that is encrypted as that kind's payload, merged into the typed object
//! and read back through every getter. Nothing may panic whatever the data dict holds.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_config::groups::{Info, Members};
use session_config::{
    ConfigKind, Contacts, ConvoInfoVolatile, UserGroups, UserProfile, encode_payload,
};
use session_identity::Ed25519KeyPair;

fuzz_target!(|data: &[u8]| {
    let Some((&first, msg)) = data.split_first() else {
        return;
    };
    let kind = ConfigKind::ALL[usize::from(first) % ConfigKind::ALL.len()];
    let me = Ed25519KeyPair::from_seed(&[1; 32]);
    let group = Ed25519KeyPair::from_seed(&[2; 32]);
    let gkey = [3u8; 32];
    let key = if kind.is_group() { &gkey } else { me.seed() };
    // Group messages must be signed: sign the input's data as the admin would.
    let body = if kind.is_group() {
        match session_config::ConfigMessage::parse(msg, None, 5) {
            Ok(m) => m.increment().serialise(Some(&group)).bytes().to_vec(),
            Err(_) => return,
        }
    } else {
        msg.to_vec()
    };
    // Unwrapped user payloads are accepted too (spec §6.2), so the slow wrapper is skipped.
    let Ok(raw) = encode_payload(kind, &body, 1, key, None).or_else(|_| {
        session_protocol::encrypt_config(
            &session_protocol::padding::pad_config_message(&body, 40),
            key,
            kind.domain(),
        )
        .map_err(session_config::Error::from)
    }) else {
        return;
    };
    let input = [("h", raw.as_slice())];
    match kind {
        ConfigKind::UserProfile => {
            let mut c = UserProfile::new(&me);
            let _ = c.merge(&input);
            let _ = (
                c.name(),
                c.profile_pic(),
                c.nts_priority(),
                c.nts_expiry(),
                c.blinded_msgreqs(),
            );
        }
        ConfigKind::Contacts => {
            let mut c = Contacts::new(&me);
            let _ = c.merge(&input);
            for contact in c.all() {
                assert_eq!(c.get(&contact.id), Some(contact.clone()));
                let _ = c.set(&contact);
            }
        }
        ConfigKind::ConvoInfoVolatile => {
            let mut c = ConvoInfoVolatile::new(&me);
            let _ = c.merge(&input);
            let _ = c.all();
            c.prune_stale(1_700_000_000_000);
        }
        ConfigKind::UserGroups => {
            let mut c = UserGroups::new(&me);
            let _ = c.merge(&input);
            for g in c.groups() {
                c.set_group(&g);
            }
            for community in c.communities() {
                let _ = c.set_community(&community);
            }
        }
        ConfigKind::GroupInfo => {
            let mut c = Info::new(&group.public_key(), None, &[gkey]);
            let _ = c.merge(&input);
            let _ = (
                c.name(),
                c.description(),
                c.profile_pic(),
                c.expiry_timer(),
                c.is_destroyed(),
            );
        }
        ConfigKind::GroupMembers => {
            let mut c = Members::new(&group.public_key(), Some(&group), &[gkey]);
            let _ = c.merge(&input);
            for m in c.all() {
                let _ = c.set(&m);
            }
        }
    }
});
