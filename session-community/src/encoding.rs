//! Base64 as the community API uses it (community.md §2): standard alphabet, padded on output,
//! padding optional on input (otherwise strict).

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{Error, Result};

const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Padded standard base64.
#[must_use]
pub fn b64_encode(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Standard base64 with or without padding (what the server accepts).
///
/// # Errors
/// [`Error::InvalidBase64`] for anything else.
pub fn b64_decode(s: &str) -> Result<Vec<u8>> {
    LENIENT.decode(s).map_err(|_| Error::InvalidBase64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_optional() {
        assert_eq!(b64_decode("AAECAw==").unwrap(), [0, 1, 2, 3]);
        assert_eq!(b64_decode("AAECAw").unwrap(), [0, 1, 2, 3]);
        assert!(b64_decode("AAECA-").is_err());
        assert!(b64_decode("AAECAx==").is_err(), "non-zero trailing bits");
        assert_eq!(b64_encode(&[0, 1, 2, 3]), "AAECAw==");
    }
}
