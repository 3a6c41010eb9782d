//! Group key messages (`read_group_key_message`) of arbitrary bytes, read as the admin (the
//! group seed of the `group_rekey` vector) or as a member (first byte picks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::Ed25519KeyPair;
use session_protocol::{KeyReader, read_group_key_message};
use session_stack_fuzz::VECTOR_RECIPIENT_SEED;
use std::sync::LazyLock;

const GROUP_SEED: [u8; 32] = [
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
    0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10,
];
static GROUP: LazyLock<Ed25519KeyPair> = LazyLock::new(|| Ed25519KeyPair::from_seed(&GROUP_SEED));
static MEMBER: LazyLock<Ed25519KeyPair> =
    LazyLock::new(|| Ed25519KeyPair::from_seed(&VECTOR_RECIPIENT_SEED));

fuzz_target!(|data: &[u8]| {
    let Some((&which, msg)) = data.split_first() else {
        return;
    };
    let reader = if which & 1 == 0 {
        KeyReader::Admin(&GROUP_SEED)
    } else {
        KeyReader::Member(&MEMBER)
    };
    let _ = read_group_key_message(msg, &GROUP.public_key(), reader);
});
