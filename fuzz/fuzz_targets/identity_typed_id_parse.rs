//! Typed id parsing (`AccountId`, `GroupId`, `UnblindedId`, `VersionBlindedId`, `Blinded15Id`,
//! `Blinded25Id`) from text; the first byte picks the type. A parsed id prints back to the
//! trimmed, lower-cased input; `AccountId::validate` must not panic on any parsed key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use session_identity::{
    AccountId, Blinded15Id, Blinded25Id, GroupId, UnblindedId, VersionBlindedId,
};

fn check<T: std::str::FromStr + std::fmt::Display>(text: &str) -> Option<T> {
    let id = text.parse::<T>().ok()?;
    assert_eq!(id.to_string(), text.trim().to_ascii_lowercase());
    Some(id)
}

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    match which % 6 {
        0 => {
            if let Some(id) = check::<AccountId>(text) {
                let _ = id.validate();
            }
        }
        1 => drop(check::<GroupId>(text)),
        2 => drop(check::<UnblindedId>(text)),
        3 => drop(check::<VersionBlindedId>(text)),
        4 => drop(check::<Blinded15Id>(text)),
        _ => drop(check::<Blinded25Id>(text)),
    }
});
