//! Padding: 1-to-1 message padding (`0x80` terminator), config-message sizes and legacy
//! attachment sizes (spec §4, §6.4, §6.5).

use crate::error::{Error, Result};

/// The padding block of 1-to-1 and community messages.
const MESSAGE_BLOCK: usize = 160;
/// The padding terminator byte.
const TERMINATOR: u8 = 0x80;
/// The smallest padded legacy attachment.
const MIN_ATTACHMENT_PADDED: usize = 541;
/// The file server's upload limit, which caps attachment padding (10 MB).
pub const MAX_ATTACHMENT_SIZE: usize = 10_000_000;

/// How long a padded 1-to-1 `Content` is (spec §4). Both rules append `0x80` then zeros, and
/// every receiver accepts both; only the total length differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PaddingRule {
    /// libsession's current rule (clients since 2025): `160·(⌊(n+1)/160⌋+1)`, always a
    /// multiple of 160.
    #[default]
    Libsession,
    /// The Signal-derived rule of older desktop and Android clients: `160·⌈(n+2)/160⌉ − 1`
    /// (159, 319, 479, …).
    Legacy,
}

/// The padded length of an `n`-byte `Content` under `rule` (always at least `n + 1`).
#[must_use]
pub fn padded_len(n: usize, rule: PaddingRule) -> usize {
    match rule {
        PaddingRule::Libsession => {
            MESSAGE_BLOCK.saturating_mul((n.saturating_add(1) / MESSAGE_BLOCK).saturating_add(1))
        }
        PaddingRule::Legacy => MESSAGE_BLOCK
            .saturating_mul(n.saturating_add(2).div_ceil(MESSAGE_BLOCK))
            .saturating_sub(1),
    }
}

/// Pads `content`: appends `0x80`, then zeros up to [`padded_len`].
#[must_use]
pub fn pad_message(content: &[u8], rule: PaddingRule) -> Vec<u8> {
    let total = padded_len(content.len(), rule).max(content.len().saturating_add(1));
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(content);
    out.push(TERMINATOR);
    out.resize(total, 0);
    out
}

/// Removes message padding the way session-desktop does (spec §4): scanning from the end,
/// the first `0x80` cuts the message there; when another non-zero byte comes first the input is
/// returned unchanged (an unpadded message).
///
/// # Errors
/// [`Error::InvalidPadding`] when the input is empty or all zero bytes.
pub fn unpad_message(padded: &[u8]) -> Result<&[u8]> {
    match padded.iter().rposition(|&b| b != 0) {
        None => Err(Error::InvalidPadding),
        Some(i) if padded.get(i) == Some(&TERMINATOR) => Ok(padded.get(..i).unwrap_or_default()),
        Some(_) => Ok(padded),
    }
}

/// Removes message padding strictly (libsession's `unwrap_config` rule): the last non-zero byte
/// must be the `0x80` terminator.
///
/// # Errors
/// [`Error::InvalidPadding`] when there is no terminator.
pub fn unpad_message_strict(padded: &[u8]) -> Result<&[u8]> {
    match padded.iter().rposition(|&b| b != 0) {
        Some(i) if padded.get(i) == Some(&TERMINATOR) => Ok(padded.get(..i).unwrap_or_default()),
        _ => Err(Error::InvalidPadding),
    }
}

/// The padded size of a config message of `size` bytes whose encryption adds `overhead` bytes
/// (libsession `config::padded_size`, spec §6.4): `size + overhead` is rounded up to a multiple
/// of 256 below 5 120, of 1 024 below 20 480, of 2 048 below 40 960, else of 5 120; the result
/// excludes the overhead again.
#[must_use]
pub fn config_padded_size(size: usize, overhead: usize) -> usize {
    let total = size.saturating_add(overhead);
    let chunk = if total < 5_120 {
        256
    } else if total < 20_480 {
        1_024
    } else if total < 40_960 {
        2_048
    } else {
        5_120
    };
    total
        .div_ceil(chunk)
        .saturating_mul(chunk)
        .saturating_sub(overhead)
}

/// Pads a config message to [`config_padded_size`] by inserting zero bytes at the **front**
/// (libsession `config::pad_message`).
#[must_use]
pub fn pad_config_message(data: &[u8], overhead: usize) -> Vec<u8> {
    let total = config_padded_size(data.len(), overhead).max(data.len());
    let mut out = vec![0u8; total - data.len()];
    out.extend_from_slice(data);
    out
}

/// The padded size of a legacy attachment of `n` bytes (session-desktop
/// `addAttachmentPadding`): `max(541, ⌊1.05^⌈ln n / ln 1.05⌉⌋)`, capped at
/// [`MAX_ATTACHMENT_SIZE`] for data that fits under the cap, and never less than `n`.
#[must_use]
pub fn attachment_padded_size(n: usize) -> usize {
    #[allow(clippy::cast_precision_loss)]
    let ln = (n as f64).ln();
    let exponent = (ln / 1.05f64.ln()).ceil();
    let bucket = 1.05f64.powf(exponent).floor();
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bucket = if bucket.is_finite() && bucket > 0.0 {
        bucket as usize
    } else {
        0
    };
    let mut padded = bucket.max(MIN_ATTACHMENT_PADDED);
    if padded > MAX_ATTACHMENT_SIZE && n <= MAX_ATTACHMENT_SIZE {
        padded = MAX_ATTACHMENT_SIZE;
    }
    padded.max(n)
}

/// Zero-pads legacy attachment data to [`attachment_padded_size`].
#[must_use]
pub fn pad_attachment(data: &[u8]) -> Vec<u8> {
    let mut out = data.to_vec();
    out.resize(attachment_padded_size(data.len()), 0);
    out
}

/// Keeps the first `size` bytes (`AttachmentPointer.size`) of padded attachment data; data no
/// longer than `size` is returned whole (it carries no padding).
#[must_use]
pub fn unpad_attachment(padded: &[u8], size: usize) -> &[u8] {
    padded.get(..size).unwrap_or(padded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_lengths() {
        for (n, legacy, libsession) in [
            (0, 159, 160),
            (10, 159, 160),
            (158, 159, 160),
            (159, 319, 320),
            (160, 319, 320),
        ] {
            assert_eq!(padded_len(n, PaddingRule::Legacy), legacy, "legacy {n}");
            assert_eq!(
                padded_len(n, PaddingRule::Libsession),
                libsession,
                "libsession {n}"
            );
        }
    }

    #[test]
    fn unpad_rules() {
        assert_eq!(unpad_message(&[1, 2, 0x80, 0, 0]).unwrap(), &[1, 2]);
        assert_eq!(unpad_message(&[1, 2, 3, 0]).unwrap(), &[1, 2, 3, 0]);
        assert_eq!(unpad_message(&[0x80]).unwrap(), &[] as &[u8]);
        assert_eq!(unpad_message(&[]), Err(Error::InvalidPadding));
        assert_eq!(unpad_message(&[0, 0]), Err(Error::InvalidPadding));
        assert_eq!(
            unpad_message_strict(&[1, 2, 3, 0]),
            Err(Error::InvalidPadding)
        );
        assert_eq!(unpad_message_strict(&[1, 0x80, 0]).unwrap(), &[1]);
    }

    #[test]
    fn attachment_sizes() {
        assert_eq!(attachment_padded_size(0), 541);
        assert_eq!(attachment_padded_size(10), 541);
        assert_eq!(attachment_padded_size(541), 541);
        for n in [542, 1000, 12_345, 999_999] {
            let p = attachment_padded_size(n);
            assert!(p >= n && p < n + n / 19 + 2, "{n} -> {p}");
        }
        assert_eq!(attachment_padded_size(9_999_999), MAX_ATTACHMENT_SIZE);
        assert_eq!(unpad_attachment(&[1, 2, 3, 0], 3), &[1, 2, 3]);
        assert_eq!(unpad_attachment(&[1, 2], 3), &[1, 2]);
    }

    #[test]
    fn config_sizes() {
        assert_eq!(config_padded_size(1, 0), 256);
        assert_eq!(config_padded_size(247, 10), 502);
        assert_eq!(config_padded_size(40_961, 0), 46_080);
        assert_eq!(pad_config_message(&[1], 0).len(), 256);
        assert_eq!(pad_config_message(&[1], 0)[255], 1);
    }

    proptest::proptest! {
        #[test]
        fn pad_unpad_round_trip(content in proptest::collection::vec(proptest::num::u8::ANY, 0..2000), legacy: bool) {
            let rule = if legacy { PaddingRule::Legacy } else { PaddingRule::Libsession };
            let padded = pad_message(&content, rule);
            proptest::prop_assert_eq!(padded.len(), padded_len(content.len(), rule));
            proptest::prop_assert_eq!(unpad_message(&padded).unwrap(), &content[..]);
            proptest::prop_assert_eq!(unpad_message_strict(&padded).unwrap(), &content[..]);
        }

        #[test]
        fn unpad_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = unpad_message(&data);
            let _ = unpad_message_strict(&data);
        }
    }
}
