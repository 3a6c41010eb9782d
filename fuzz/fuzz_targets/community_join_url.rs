//! Community join URLs (`<scheme>://<host>[:<port>]/<room>?public_key=<hex>`): `Community`'s
//! `FromStr` on arbitrary text; an accepted URL prints to one that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_community::Community;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(c) = text.parse::<Community>() {
        let again: Community = c.to_string().parse().expect("printed URL parses");
        assert_eq!(again, c);
    }
});
