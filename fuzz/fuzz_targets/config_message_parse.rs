//! session-config's message parser (spec config.md §3.3): arbitrary bytes, with and without a
//! verification key and with a lag taken from the input. An accepted message keeps its exact
//! bytes, parses again to the same value, and its increment serialises to a parseable message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_config::ConfigMessage;
use session_identity::Ed25519KeyPair;

fuzz_target!(|data: &[u8]| {
    let Some((&first, msg)) = data.split_first() else {
        return;
    };
    let lag = i64::from(first % 8) + 1;
    let group = Ed25519KeyPair::from_seed(&[7; 32]);
    let pk = group.public_key();
    let verifier = (first & 0x80 != 0).then_some(&pk);
    if let Ok(m) = ConfigMessage::parse(msg, verifier, lag) {
        assert_eq!(m.bytes(), msg);
        let again = ConfigMessage::parse(m.bytes(), verifier, lag).expect("re-parse");
        assert_eq!(again, m);
        let next = m.increment().serialise(Some(&group));
        let parsed = ConfigMessage::parse(next.bytes(), Some(&pk), lag).expect("own output parses");
        assert_eq!(parsed, next);
    }
});
