//! A small strict bencode codec and the libquic BTRequestStream framing (spec §4.2) and the
//! QUIC `oxend_request` body (spec §3.1).

use std::collections::BTreeMap;

use crate::error::{Error, Result};

/// Maximum nesting depth accepted by the decoder.
const MAX_DEPTH: usize = 64;
/// Maximum size of one BTRequestStream frame (libquic's limit).
pub const MAX_FRAME_LEN: usize = 10_000_000;

/// A bencoded value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum BtValue {
    /// `i<n>e`; the decoder accepts `i64::MIN..=u64::MAX` (oxenc writes u64 values unsigned).
    Int(i128),
    /// `<len>:<bytes>`
    Bytes(Vec<u8>),
    /// `l...e`
    List(Vec<BtValue>),
    /// `d...e`, keys sorted (bytewise) and unique.
    Dict(BTreeMap<Vec<u8>, BtValue>),
}

impl BtValue {
    /// A byte-string value from anything byte-like.
    #[must_use]
    pub fn bytes(b: impl AsRef<[u8]>) -> Self {
        Self::Bytes(b.as_ref().to_vec())
    }
    /// The integer, if this is one.
    #[must_use]
    pub fn as_int(&self) -> Option<i128> {
        match self {
            Self::Int(i) => Some(*i),
            _ => None,
        }
    }
    /// The bytes, if this is a byte string.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Bytes(b) => Some(b),
            _ => None,
        }
    }
    /// The items, if this is a list.
    #[must_use]
    pub fn as_list(&self) -> Option<&[BtValue]> {
        match self {
            Self::List(l) => Some(l),
            _ => None,
        }
    }
    /// The entries, if this is a dict.
    #[must_use]
    pub fn as_dict(&self) -> Option<&BTreeMap<Vec<u8>, BtValue>> {
        match self {
            Self::Dict(d) => Some(d),
            _ => None,
        }
    }
    /// Looks a key up, if this is a dict.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&BtValue> {
        self.as_dict().and_then(|d| d.get(key.as_bytes()))
    }

    /// Appends the encoding of `self` to `out`.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Self::Int(i) => {
                out.push(b'i');
                out.extend_from_slice(i.to_string().as_bytes());
                out.push(b'e');
            }
            Self::Bytes(b) => encode_bytes(b, out),
            Self::List(l) => {
                out.push(b'l');
                for v in l {
                    v.encode_into(out);
                }
                out.push(b'e');
            }
            Self::Dict(d) => {
                out.push(b'd');
                for (k, v) in d {
                    encode_bytes(k, out);
                    v.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }

    /// The encoding of `self`.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Decodes exactly one value filling all of `input`.
    ///
    /// Strict: canonical integers only (no leading zeros, no `-0`), dict keys sorted and
    /// unique, nesting at most 64, no trailing bytes.
    ///
    /// # Errors
    /// [`Error::Bencode`] for anything else.
    pub fn decode(input: &[u8]) -> Result<Self> {
        let mut pos = 0;
        let v = decode_at(input, &mut pos, 0)?;
        if pos != input.len() {
            return Err(Error::Bencode("trailing bytes"));
        }
        Ok(v)
    }
}

fn encode_bytes(b: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

fn parse_int_text(t: &[u8]) -> Result<i128> {
    let digits = t.strip_prefix(b"-").unwrap_or(t);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Error::Bencode("bad integer"));
    }
    if (digits.len() > 1 && digits[0] == b'0') || t == b"-0" {
        return Err(Error::Bencode("non-canonical integer"));
    }
    std::str::from_utf8(t)
        .ok()
        .and_then(|s| s.parse::<i128>().ok())
        .filter(|v| (i128::from(i64::MIN)..=i128::from(u64::MAX)).contains(v))
        .ok_or(Error::Bencode("integer out of range"))
}

fn decode_bytes(input: &[u8], pos: &mut usize) -> Result<Vec<u8>> {
    let rest = input.get(*pos..).ok_or(Error::Bencode("truncated"))?;
    let colon = rest
        .iter()
        .position(|&b| b == b':')
        .ok_or(Error::Bencode("missing ':'"))?;
    let len_text = rest.get(..colon).ok_or(Error::Bencode("truncated"))?;
    if len_text.is_empty() || len_text.len() > 19 || len_text.iter().any(|b| !b.is_ascii_digit()) {
        return Err(Error::Bencode("bad string length"));
    }
    let len = parse_int_text(len_text)?;
    let len = usize::try_from(len).map_err(|_| Error::Bencode("bad string length"))?;
    let start = *pos + colon + 1;
    let end = start
        .checked_add(len)
        .ok_or(Error::Bencode("bad string length"))?;
    let b = input
        .get(start..end)
        .ok_or(Error::Bencode("truncated string"))?;
    *pos = end;
    Ok(b.to_vec())
}

fn decode_at(input: &[u8], pos: &mut usize, depth: usize) -> Result<BtValue> {
    if depth > MAX_DEPTH {
        return Err(Error::Bencode("nested too deeply"));
    }
    match input.get(*pos).copied() {
        None => Err(Error::Bencode("truncated")),
        Some(b'i') => {
            let rest = input.get(*pos + 1..).ok_or(Error::Bencode("truncated"))?;
            let e = rest
                .iter()
                .position(|&b| b == b'e')
                .ok_or(Error::Bencode("missing 'e'"))?;
            let v = parse_int_text(rest.get(..e).ok_or(Error::Bencode("truncated"))?)?;
            *pos += e + 2;
            Ok(BtValue::Int(v))
        }
        Some(b'l') => {
            *pos += 1;
            let mut items = Vec::new();
            loop {
                match input.get(*pos) {
                    None => return Err(Error::Bencode("unterminated list")),
                    Some(b'e') => {
                        *pos += 1;
                        return Ok(BtValue::List(items));
                    }
                    Some(_) => items.push(decode_at(input, pos, depth + 1)?),
                }
            }
        }
        Some(b'd') => {
            *pos += 1;
            let mut map = BTreeMap::new();
            let mut last: Option<Vec<u8>> = None;
            loop {
                match input.get(*pos) {
                    None => return Err(Error::Bencode("unterminated dict")),
                    Some(b'e') => {
                        *pos += 1;
                        return Ok(BtValue::Dict(map));
                    }
                    Some(b) if b.is_ascii_digit() => {
                        let k = decode_bytes(input, pos)?;
                        if last.as_ref().is_some_and(|l| *l >= k) {
                            return Err(Error::Bencode("dict keys not sorted or not unique"));
                        }
                        let v = decode_at(input, pos, depth + 1)?;
                        last = Some(k.clone());
                        map.insert(k, v);
                    }
                    Some(_) => return Err(Error::Bencode("dict key is not a string")),
                }
            }
        }
        Some(b) if b.is_ascii_digit() => decode_bytes(input, pos).map(BtValue::Bytes),
        Some(_) => Err(Error::Bencode("unexpected byte")),
    }
}

/// The type of a BTRequestStream message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameType {
    /// `C`: a command (request) with an endpoint.
    Command,
    /// `R`: a reply.
    Reply,
    /// `E`: an error reply.
    Error,
}

impl FrameType {
    fn tag(self) -> &'static [u8] {
        match self {
            Self::Command => b"C",
            Self::Reply => b"R",
            Self::Error => b"E",
        }
    }
}

/// One BTRequestStream message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// Command, reply or error.
    pub frame_type: FrameType,
    /// The request id the reply refers to.
    pub request_id: i64,
    /// The endpoint (commands only).
    pub endpoint: Option<String>,
    /// The body bytes.
    pub body: Vec<u8>,
}

impl Frame {
    /// A command frame.
    #[must_use]
    pub fn command(request_id: i64, endpoint: &str, body: impl Into<Vec<u8>>) -> Self {
        Self {
            frame_type: FrameType::Command,
            request_id,
            endpoint: Some(endpoint.to_owned()),
            body: body.into(),
        }
    }

    /// Encodes the frame: a bencoded string holding the bencoded list
    /// `[type, id, (endpoint,) body]`.
    ///
    /// # Errors
    /// [`Error::InvalidRequest`] if a command has no endpoint, a reply has one, or the frame
    /// exceeds [`MAX_FRAME_LEN`].
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut items = vec![
            BtValue::bytes(self.frame_type.tag()),
            BtValue::Int(i128::from(self.request_id)),
        ];
        match (self.frame_type, &self.endpoint) {
            (FrameType::Command, Some(e)) => items.push(BtValue::bytes(e)),
            (FrameType::Command, None) => {
                return Err(Error::InvalidRequest("a command frame needs an endpoint"));
            }
            (_, Some(_)) => return Err(Error::InvalidRequest("only commands carry an endpoint")),
            (_, None) => {}
        }
        items.push(BtValue::bytes(&self.body));
        let inner = BtValue::List(items).encode();
        if inner.len() > MAX_FRAME_LEN {
            return Err(Error::InvalidRequest("frame too large"));
        }
        Ok(BtValue::Bytes(inner).encode())
    }

    /// Decodes one complete frame (the whole of `input`).
    ///
    /// # Errors
    /// [`Error::Bencode`] for malformed framing or list contents.
    pub fn decode(input: &[u8]) -> Result<Self> {
        let outer = BtValue::decode(input)?;
        let inner = outer
            .as_bytes()
            .ok_or(Error::Bencode("frame is not a string"))?;
        if inner.len() > MAX_FRAME_LEN {
            return Err(Error::Bencode("frame too large"));
        }
        let list = BtValue::decode(inner)?;
        let items = list
            .as_list()
            .ok_or(Error::Bencode("frame is not a list"))?;
        let bad = Error::Bencode("bad frame list");
        let tag = items
            .first()
            .and_then(BtValue::as_bytes)
            .ok_or(bad.clone())?;
        let request_id = items
            .get(1)
            .and_then(BtValue::as_int)
            .and_then(|i| i64::try_from(i).ok())
            .ok_or(bad.clone())?;
        let (frame_type, endpoint, body) = match (tag, items.len()) {
            (b"C", 4) => {
                let e = items
                    .get(2)
                    .and_then(BtValue::as_bytes)
                    .ok_or(bad.clone())?;
                let e = String::from_utf8(e.to_vec()).map_err(|_| bad.clone())?;
                (FrameType::Command, Some(e), items.get(3))
            }
            (b"R", 3) => (FrameType::Reply, None, items.get(2)),
            (b"E", 3) => (FrameType::Error, None, items.get(2)),
            _ => return Err(bad),
        };
        let body = body.and_then(BtValue::as_bytes).ok_or(bad)?.to_vec();
        Ok(Self {
            frame_type,
            request_id,
            endpoint,
            body,
        })
    }
}

/// The bencoded body of a QUIC `oxend_request` command: `{"endpoint": .., "params": <JSON
/// text>}` (spec §3.1; `params` is a JSON *string* in bt mode).
#[must_use]
pub fn oxend_request_bt_body(endpoint: &str, params_json: &str) -> Vec<u8> {
    let mut d = BTreeMap::new();
    d.insert(b"endpoint".to_vec(), BtValue::bytes(endpoint));
    d.insert(b"params".to_vec(), BtValue::bytes(params_json));
    BtValue::Dict(d).encode()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_strictness() {
        let v = BtValue::decode(b"d1:ai-3e1:bl2:xyi0eee").unwrap();
        assert_eq!(v.encode(), b"d1:ai-3e1:bl2:xyi0eee");
        for bad in [
            &b"i03e"[..],
            b"i-0e",
            b"ie",
            b"d1:bi1e1:ai2ee",
            b"d1:ai1e1:ai2ee",
            b"3:ab",
            b"l",
            b"i1ei2e",
            b"01:a",
            b"99999999999999999999:",
            b"d",
        ] {
            assert!(
                BtValue::decode(bad).is_err(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn frames() {
        let f = Frame::command(0, "info", b"{}".to_vec());
        let enc = f.encode().unwrap();
        assert_eq!(enc, b"18:l1:Ci0e4:info2:{}e");
        assert_eq!(Frame::decode(&enc).unwrap(), f);
        let r = Frame {
            frame_type: FrameType::Reply,
            request_id: 7,
            endpoint: None,
            body: vec![],
        };
        assert_eq!(Frame::decode(&r.encode().unwrap()).unwrap(), r);
        assert!(Frame::decode(b"9:l1:Xi0ee").is_err());
    }
}
