//! A tiny, strict bencode reader and writer: just what v4 payloads and the node-to-node
//! `sn.onion_request` message need. The reader never panics, rejects non-canonical integers and
//! string lengths, unsorted or repeated dictionary keys and trailing bytes, and limits nesting.

use crate::error::{Error, Result};

/// Deepest nesting accepted.
const MAX_DEPTH: usize = 32;

/// A decoded value borrowing its byte strings from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    Int(i64),
    Bytes(&'a [u8]),
    List(Vec<Value<'a>>),
    Dict(Vec<(&'a [u8], Value<'a>)>),
}

/// Decodes exactly one value spanning all of `data`.
pub(crate) fn decode(data: &[u8]) -> Result<Value<'_>> {
    let mut r = Reader { data, pos: 0 };
    let v = r.value(0)?;
    if r.pos != data.len() {
        return Err(Error::InvalidBencode("trailing bytes"));
    }
    Ok(v)
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Result<u8> {
        self.data
            .get(self.pos)
            .copied()
            .ok_or(Error::InvalidBencode("truncated"))
    }

    /// Digits up to (not including) `end`, as a canonical decimal (optionally negative).
    fn number(&mut self, end: u8, allow_negative: bool) -> Result<i64> {
        let start = self.pos;
        let rest = self
            .data
            .get(start..)
            .ok_or(Error::InvalidBencode("truncated"))?;
        let len = rest
            .iter()
            .position(|&b| b == end)
            .ok_or(Error::InvalidBencode("truncated"))?;
        let text = rest.get(..len).ok_or(Error::InvalidBencode("truncated"))?;
        self.pos = start + len + 1;
        let digits = match text.split_first() {
            Some((b'-', d)) if allow_negative => d,
            _ => text,
        };
        let canonical = !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && (digits.len() == 1 || digits.first() != Some(&b'0'))
            && !(digits.len() < text.len() && digits == b"0");
        if !canonical {
            return Err(Error::InvalidBencode("non-canonical number"));
        }
        std::str::from_utf8(text)
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or(Error::InvalidBencode("number out of range"))
    }

    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = usize::try_from(self.number(b':', false)?)
            .map_err(|_| Error::InvalidBencode("number out of range"))?;
        let end = self
            .pos
            .checked_add(n)
            .ok_or(Error::InvalidBencode("truncated"))?;
        let s = self
            .data
            .get(self.pos..end)
            .ok_or(Error::InvalidBencode("truncated"))?;
        self.pos = end;
        Ok(s)
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        if depth > MAX_DEPTH {
            return Err(Error::InvalidBencode("nested too deeply"));
        }
        match self.peek()? {
            b'i' => {
                self.pos += 1;
                Ok(Value::Int(self.number(b'e', true)?))
            }
            b'l' => {
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth + 1)?);
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            b'd' => {
                self.pos += 1;
                let mut items: Vec<(&[u8], Value<'a>)> = Vec::new();
                while self.peek()? != b'e' {
                    let key = self.bytes()?;
                    if items.last().is_some_and(|(k, _)| *k >= key) {
                        return Err(Error::InvalidBencode("dictionary keys not sorted"));
                    }
                    let v = self.value(depth + 1)?;
                    items.push((key, v));
                }
                self.pos += 1;
                Ok(Value::Dict(items))
            }
            b'0'..=b'9' => Ok(Value::Bytes(self.bytes()?)),
            _ => Err(Error::InvalidBencode("unexpected byte")),
        }
    }
}

/// Appends `<len>:<bytes>`.
pub(crate) fn put_bytes(out: &mut Vec<u8>, b: &[u8]) {
    out.extend_from_slice(b.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(b);
}

/// Appends `i<n>e`.
pub(crate) fn put_int(out: &mut Vec<u8>, n: i64) {
    out.push(b'i');
    out.extend_from_slice(n.to_string().as_bytes());
    out.push(b'e');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_canonical_values() {
        assert_eq!(decode(b"i-5e").unwrap(), Value::Int(-5));
        assert_eq!(decode(b"i0e").unwrap(), Value::Int(0));
        assert_eq!(decode(b"0:").unwrap(), Value::Bytes(b""));
        assert_eq!(
            decode(b"l3:abci1ee").unwrap(),
            Value::List(vec![Value::Bytes(b"abc"), Value::Int(1)])
        );
        assert_eq!(
            decode(b"d1:ai1e1:bli2eee").unwrap(),
            Value::Dict(vec![
                (&b"a"[..], Value::Int(1)),
                (&b"b"[..], Value::List(vec![Value::Int(2)]))
            ])
        );
    }

    #[test]
    fn rejects_non_canonical_and_broken_input() {
        for bad in [
            &b""[..],
            b"i-0e",
            b"i01e",
            b"ie",
            b"i-e",
            b"i1",
            b"01:a",
            b"-1:a",
            b"2:a",
            b"l",
            b"le1",
            b"d1:bi1e1:ai2ee",
            b"d1:ai1e1:ai2ee",
            b"x",
            b"i99999999999999999999e",
            b"99999999999999999999:a",
            b"18446744073709551615:a",
        ] {
            assert!(decode(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = [vec![b'l'; 100], vec![b'e'; 100]].concat();
        assert!(decode(&deep).is_err());
    }

    #[test]
    fn writes_values() {
        let mut out = Vec::new();
        put_bytes(&mut out, b"spam");
        put_int(&mut out, -3);
        assert_eq!(out, b"4:spami-3e");
    }
}
