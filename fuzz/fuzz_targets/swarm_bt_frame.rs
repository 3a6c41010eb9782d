//! QUIC BTRequestStream frames: `bt::Frame::decode` of arbitrary bytes, then `quic_reply` on
//! the decoded frame; an accepted frame re-encodes to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_swarm::bt::Frame;
use session_swarm::response::quic_reply;

fuzz_target!(|data: &[u8]| {
    if let Ok(frame) = Frame::decode(data) {
        if let Ok(bytes) = frame.encode() {
            assert_eq!(bytes, data, "frame does not re-encode to its bytes");
        }
        let _ = quic_reply(&frame);
    }
});
