//! Differential: session-swarm's fast `SwarmPubkey` hex parser (any prefix) against `hex`
//! (66 hex digits -> 33 bytes) as the reference, and `SwarmId::from_hex` against
//! `u64::from_str_radix`-style parsing round trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_swarm::{SwarmId, SwarmPubkey};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        if let Ok(pk) = SwarmPubkey::try_from(data) {
            assert_eq!(pk.to_hex(), hex::encode(data));
        }
        return;
    };
    let reference = hex::decode(text).ok().filter(|b| b.len() == 33);
    match text.parse::<SwarmPubkey>() {
        Ok(pk) => {
            let bytes = reference.expect("accepted what hex rejects");
            assert_eq!(pk.to_hex(), hex::encode(&bytes));
        }
        Err(_) => assert!(reference.is_none(), "rejected valid hex {text:?}"),
    }
    if let Ok(id) = SwarmId::from_hex(text) {
        assert_eq!(SwarmId::from_hex(&id.to_hex()).ok(), Some(id));
    }
});
