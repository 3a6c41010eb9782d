//! Umbrella id parsing: `SessionId` from text (any prefix) and from 33 raw bytes. A parsed id
//! must print back to the trimmed, lower-cased input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::SessionId;

fuzz_target!(|data: &[u8]| {
    if let Some((&0, bytes)) = data.split_first() {
        if let Ok(id) = SessionId::try_from(bytes) {
            assert_eq!(id.to_bytes().as_slice(), bytes);
        }
    } else if let Ok(text) = std::str::from_utf8(data)
        && let Ok(id) = text.parse::<SessionId>()
    {
        assert_eq!(id.to_string(), text.trim().to_ascii_lowercase());
    }
});
