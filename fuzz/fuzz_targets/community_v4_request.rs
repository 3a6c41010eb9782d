//! The server side of community requests: `parse_v4_request` (a decrypted v4 onion payload)
//! and `parse_batch_request` (a `/batch` body) on arbitrary bytes; first byte picks which.
//! An accepted v4 request re-encodes to one that parses with the same method, path and body;
//! an accepted batch re-encodes to one that parses with the same number of subrequests.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_community::api::{batch, parse_batch_request, parse_v4_request};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    if which % 2 == 0 {
        if let Ok(r) = parse_v4_request(rest) {
            let again = parse_v4_request(&r.to_v4()).expect("re-encoded request parses");
            assert_eq!(
                (again.method, &again.path, &again.body),
                (r.method, &r.path, &r.body)
            );
        }
    } else if let Ok(subs) = parse_batch_request(rest) {
        let again = parse_batch_request(batch(&subs).request.body_bytes())
            .expect("re-encoded batch parses");
        assert_eq!(again.len(), subs.len());
    }
});
