//! Hex helpers with this crate's error categories.

use crate::{Error, Result};

/// Decodes exactly `N` bytes of hex (either case).
///
/// # Errors
/// [`Error::InvalidLength`] if `s` is not `2·N` characters, [`Error::InvalidHex`] if it holds a
/// non-hex character.
pub fn hex_array<const N: usize>(s: &str) -> Result<[u8; N]> {
    if s.len() != 2 * N {
        return Err(Error::InvalidLength);
    }
    let mut out = [0u8; N];
    hex::decode_to_slice(s, &mut out).map_err(|_| Error::InvalidHex)?;
    Ok(out)
}

/// Decodes hex of any even length (either case).
///
/// # Errors
/// [`Error::InvalidLength`] for an odd length, [`Error::InvalidHex`] for a non-hex character.
pub fn hex_vec(s: &str) -> Result<Vec<u8>> {
    if s.len() % 2 != 0 {
        return Err(Error::InvalidLength);
    }
    hex::decode(s).map_err(|_| Error::InvalidHex)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors() {
        assert_eq!(hex_array::<2>("abc"), Err(Error::InvalidLength));
        assert_eq!(hex_array::<2>("abcg"), Err(Error::InvalidHex));
        assert_eq!(hex_array::<2>("ABcd"), Ok([0xab, 0xcd]));
        assert_eq!(hex_array::<2>("ab\u{e9}"), Err(Error::InvalidHex));
        assert_eq!(hex_vec("a"), Err(Error::InvalidLength));
    }
}
