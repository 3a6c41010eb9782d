//! The decrypted content of an onion layer: `Route::parse` (frame split, routing JSON, next
//! hop / server relay / final request, hop counter): `hop_no(1) ‖ plaintext`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_onion::{Route, is_target_allowed};

fuzz_target!(|data: &[u8]| {
    let Some((&hop, plaintext)) = data.split_first() else {
        return;
    };
    if let Ok(Route::Final(req)) = Route::parse(plaintext, u32::from(hop)) {
        let _ = req.rpc();
    } else if let Ok(text) = std::str::from_utf8(plaintext) {
        let _ = is_target_allowed(text);
    }
});
