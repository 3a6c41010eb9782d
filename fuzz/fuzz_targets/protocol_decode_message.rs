//! The receive pipelines on storage `data` strings: `decode_from_storage` (1-to-1, for the
//! vectors' recipient), `unwrap_config` (a config namespace), `decode_group_message` (raw), and
//! a group message whose *plaintext* is the input, encrypted here, so unpadding and the
//! protobuf `Content` decoding after decryption are fuzzed. First byte picks.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519KeyPair, GroupId};
use session_protocol::group::encrypt_group_message_with_nonce_for_testing;
use session_protocol::{
    GroupKey, SignatureScheme, config_kind_for_namespace, decode_from_storage,
    decode_group_message, to_storage_data, unwrap_config,
};
use session_stack_fuzz::VECTOR_RECIPIENT_SEED;
use std::sync::LazyLock;

static OWN: LazyLock<Ed25519KeyPair> =
    LazyLock::new(|| Ed25519KeyPair::from_seed(&VECTOR_RECIPIENT_SEED));
static GROUP: LazyLock<Ed25519KeyPair> = LazyLock::new(|| Ed25519KeyPair::from_seed(&[3; 32]));
const KEY: [u8; 32] = [0x42; 32];

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let group = GroupId::from_ed25519(&GROUP.public_key());
    let keys = [GroupKey::from_bytes(&KEY)];
    match which % 4 {
        0 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = decode_from_storage(&OWN, text);
            }
        }
        1 => {
            let kind = config_kind_for_namespace(2).expect("namespace 2 is a config");
            let _ = unwrap_config(&OWN, kind, rest);
        }
        2 => {
            if let Ok(text) = std::str::from_utf8(rest) {
                let _ = decode_group_message(&keys, &group, text, SignatureScheme::Current);
            }
        }
        _ => {
            let ct = encrypt_group_message_with_nonce_for_testing(
                &OWN,
                &keys[0],
                &GROUP.public_key(),
                rest,
                0,
                SignatureScheme::Current,
                &[9; 24],
            );
            if let Ok(ct) = ct {
                let data = to_storage_data(&ct);
                let _ = decode_group_message(&keys, &group, &data, SignatureScheme::Current);
            }
        }
    }
});
