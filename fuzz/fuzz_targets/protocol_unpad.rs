//! Padding removal: `unpad_message`, `unpad_message_strict`, `unpad_attachment` (first byte
//! picks; the attachment size is the next two bytes). The result is always a prefix of the
//! input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_protocol::padding::{unpad_attachment, unpad_message_strict};
use session_protocol::unpad_message;
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let which = c.byte() % 3;
    let size = usize::from(c.u16());
    let padded = c.rest();
    let out = match which {
        0 => unpad_message(padded).ok(),
        1 => unpad_message_strict(padded).ok(),
        _ => Some(unpad_attachment(padded, size)),
    };
    if let Some(out) = out {
        assert!(padded.starts_with(out));
    }
});
