//! session-bencode's strict decoder: `decode` (whole input) and `decode_prefix`. The encoding
//! is canonical, so an accepted value re-encodes to exactly the bytes it came from.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    match session_bencode::decode(data) {
        Ok(v) => assert_eq!(v.to_bytes(), data, "accepted a non-canonical encoding"),
        Err(_) => {
            if let Ok((v, used)) = session_bencode::decode_prefix(data) {
                assert!(used <= data.len());
                assert_eq!(v.to_bytes(), &data[..used]);
            }
        }
    }
});
