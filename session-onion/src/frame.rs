//! The framing used everywhere in onion requests (spec `onion.md` §3.1):
//! `LE32(N) ‖ blob[N] ‖ JSON` — the length covers the blob only, the JSON runs to the end.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::error::{Error, Result};

/// `LE32(len blob) ‖ blob ‖ json`.
///
/// # Errors
/// [`Error::TooLarge`] when the blob does not fit a 32-bit length.
pub fn encode_frame(blob: &[u8], json: &[u8]) -> Result<Vec<u8>> {
    let n = u32::try_from(blob.len()).map_err(|_| Error::TooLarge)?;
    let mut out = Vec::with_capacity(4 + blob.len() + json.len());
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(blob);
    out.extend_from_slice(json);
    Ok(out)
}

/// Splits a frame into `(blob, json bytes)`.
///
/// # Errors
/// [`Error::TooShort`] below 4 bytes; [`Error::InvalidFrame`] when `N` exceeds the data.
pub fn split_frame(frame: &[u8]) -> Result<(&[u8], &[u8])> {
    let Some((len, rest)) = frame.split_first_chunk::<4>() else {
        return Err(Error::TooShort);
    };
    let n = usize::try_from(u32::from_le_bytes(*len)).map_err(|_| Error::InvalidFrame)?;
    if n > rest.len() {
        return Err(Error::InvalidFrame);
    }
    Ok(rest.split_at(n))
}

/// Splits a frame and parses its JSON part, which must be one JSON object.
///
/// # Errors
/// As [`split_frame`]; [`Error::InvalidJson`] when the trailer is not a JSON object.
pub fn parse_frame(frame: &[u8]) -> Result<(&[u8], Map<String, Value>)> {
    let (blob, json) = split_frame(frame)?;
    match serde_json::from_slice::<Value>(json) {
        Ok(Value::Object(m)) => Ok((blob, m)),
        Ok(_) => Err(Error::InvalidJson("not a json object")),
        Err(_) => Err(Error::InvalidJson("not json")),
    }
}

/// Compact JSON with sorted keys (what libsession emits), independent of serde_json features.
pub(crate) fn sorted_json(entries: BTreeMap<&str, Value>) -> Vec<u8> {
    // A BTreeMap of strings to values always serialises.
    serde_json::to_vec(&entries).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_round_trip_and_reject_bad_lengths() {
        let f = encode_frame(b"blob", b"{}").unwrap();
        assert_eq!(f, b"\x04\0\0\0blob{}");
        assert_eq!(split_frame(&f).unwrap(), (&b"blob"[..], &b"{}"[..]));
        assert!(parse_frame(&f).unwrap().1.is_empty());
        assert!(matches!(split_frame(b"\x04\0\0"), Err(Error::TooShort)));
        assert!(matches!(
            split_frame(b"\x05\0\0\0blob"),
            Err(Error::InvalidFrame)
        ));
        assert!(matches!(
            split_frame(b"\xff\xff\xff\xffblob"),
            Err(Error::InvalidFrame)
        ));
        assert!(matches!(
            parse_frame(b"\0\0\0\0[1]"),
            Err(Error::InvalidJson(_))
        ));
        assert!(matches!(
            parse_frame(b"\0\0\0\0{"),
            Err(Error::InvalidJson(_))
        ));
        assert_eq!(split_frame(b"\0\0\0\0").unwrap(), (&b""[..], &b""[..]));
    }

    #[test]
    fn sorted_json_is_compact_and_sorted() {
        let mut m = BTreeMap::new();
        m.insert("z", Value::from(1));
        m.insert("a", Value::from("x"));
        assert_eq!(sorted_json(m), br#"{"a":"x","z":1}"#);
    }
}
