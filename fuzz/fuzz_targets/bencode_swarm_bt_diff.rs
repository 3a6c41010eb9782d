//! Differential: the two strict bencode decoders of the stack, session-bencode's `decode` and
//! session-swarm's `bt::BtValue::decode`, must accept the same inputs and re-encode them to the
//! same (canonical) bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_swarm::bt::BtValue;

fuzz_target!(|data: &[u8]| {
    let a = session_bencode::decode(data);
    let b = BtValue::decode(data);
    match (a, b) {
        (Ok(a), Ok(b)) => assert_eq!(a.to_bytes(), b.encode()),
        (Err(_), Err(_)) => {}
        (a, b) => panic!("decoders disagree: session-bencode {a:?}, swarm bt {b:?}"),
    }
});
