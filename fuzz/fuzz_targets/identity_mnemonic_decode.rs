//! Recovery phrase decoding: `Seed::from_mnemonic` (exactly 13 words) and the general
//! `WordList::decode` (first byte picks). A decoded seed encodes back to the canonical phrase,
//! which decodes to the same seed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{Seed, WordList};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    if which & 1 == 0 {
        if let Ok(seed) = Seed::from_mnemonic(text) {
            let phrase = seed.to_mnemonic();
            let again = Seed::from_mnemonic(&phrase).expect("canonical phrase decodes");
            assert_eq!(again.as_bytes(), seed.as_bytes());
        }
    } else {
        let _ = WordList::english().decode(text);
    }
});
