//! Storage `data` unwrapping: base64 -> WebSocketMessage -> Envelope (`unwrap_storage_data`,
//! first byte 0) or the raw WebSocketMessage bytes (`parse_stored_message`, otherwise).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::{parse_stored_message, unwrap_storage_data};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    if which == 0 {
        if let Ok(text) = std::str::from_utf8(rest) {
            let _ = unwrap_storage_data(text);
        }
    } else {
        let _ = parse_stored_message(rest);
    }
});
