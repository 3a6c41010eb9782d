//! v4 onion replies (`l <info JSON> <body> e`): `parse_v4_response` of arbitrary bytes; an
//! accepted reply re-encodes to one that parses the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_onion::{encode_v4_response, parse_v4_response};

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = parse_v4_response(data) {
        let again = parse_v4_response(&encode_v4_response(r.code, &r.headers, &r.body))
            .expect("re-encoded reply parses");
        assert_eq!(again.code, r.code);
        assert_eq!(again.body, r.body);
    }
});
