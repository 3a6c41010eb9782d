//! A node's check of a node-to-node request (`session_swarm::server::verify_peer_request`):
//! the three header values and the body come from the input (split at NUL bytes); only a
//! request signed by the one known sender may pass. Must never panic.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use session_swarm::server::verify_peer_request;

static KEYS: LazyLock<(Ed25519PublicKey, Ed25519PublicKey)> = LazyLock::new(|| {
    (
        Ed25519KeyPair::from_seed(&[1; 32]).public_key(),
        Ed25519KeyPair::from_seed(&[2; 32]).public_key(),
    )
});

fn text(p: Option<&[u8]>) -> Option<&str> {
    p.and_then(|b| std::str::from_utf8(b).ok())
}

fuzz_target!(|data: &[u8]| {
    let mut parts = data.splitn(4, |&b| b == 0);
    let (pk, ts, sig) = (text(parts.next()), text(parts.next()), text(parts.next()));
    let body = parts.next().unwrap_or_default();
    let (sender, me) = &*KEYS;
    if let Ok(who) = verify_peer_request(
        [pk, ts, sig],
        "POST",
        "/sn/storage",
        me,
        body,
        1_700_000_000_000,
        |k| k == sender,
    ) {
        assert_eq!(&who, sender);
    }
});
