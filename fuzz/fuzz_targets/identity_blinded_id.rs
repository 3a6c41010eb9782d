//! Blinded ids received from a server: `unblind15` and `blinded_id_matches` on arbitrary
//! 33-byte ids and server keys (the first byte picks).
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::blinding::{blinded_id_matches, unblind15};
use session_identity::{AccountId, Blinded15Id, SessionId, X25519PublicKey};
use session_stack_fuzz::Cursor;

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let which = c.byte();
    let server = X25519PublicKey::from_bytes(&c.array());
    let blinded: [u8; 33] = c.array();
    if which & 1 == 0 {
        if let Ok(id) = Blinded15Id::from_bytes(&blinded) {
            let _ = unblind15(&id, &server);
        }
    } else {
        let account = AccountId::from_key_bytes(&c.array());
        if let Ok(id) = SessionId::from_bytes(&blinded) {
            let _ = blinded_id_matches(&account, &id, &server);
        }
    }
});
