//! session-config's merge (spec config.md §4) of arbitrary messages: the input is split at
//! `0xff` bytes into up to eight messages (plus a valid one, so that merges happen). A result
//! parses, and merging the same messages in reverse order gives the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_config::{ConfigMessage, DEFAULT_LAG, merge_messages};

const BASE: &[u8] = b"d1:#i5e1:&d1:ai1e1:bli1ei2ee1:cd1:di3eee1:<le1:=d1:a0:ee";

fuzz_target!(|data: &[u8]| {
    let mut parts: Vec<&[u8]> = data.split(|&b| b == 0xff).take(8).collect();
    parts.push(BASE);
    let Ok(out) = merge_messages(&parts, None, None, DEFAULT_LAG) else {
        return;
    };
    let m = ConfigMessage::parse(out.message.bytes(), None, DEFAULT_LAG).expect("result parses");
    assert_eq!(m.bytes(), out.message.bytes());
    parts.reverse();
    let again = merge_messages(&parts, None, None, DEFAULT_LAG).expect("same inputs");
    assert_eq!(again.message.bytes(), out.message.bytes());
});
