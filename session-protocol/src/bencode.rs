//! A minimal bencode writer and reader for the dicts of groups-v2 messages, key messages and
//! multi-recipient containers. Keys are written in the order given (callers give them sorted,
//! as bencode requires); the reader keeps byte-string values borrowed.

use crate::error::{Error, Result};

/// Appends a byte string `N:bytes`.
pub(crate) fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Appends an integer `iNe`.
pub(crate) fn put_int(out: &mut Vec<u8>, n: i64) {
    out.push(b'i');
    out.extend_from_slice(n.to_string().as_bytes());
    out.push(b'e');
}

/// A decoded bencode value borrowing from the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value<'a> {
    /// An integer.
    Int(i64),
    /// A byte string.
    Bytes(&'a [u8]),
    /// A list.
    List(Vec<Value<'a>>),
    /// A dict, keys in input order.
    Dict(Vec<(&'a [u8], Value<'a>)>),
}

impl<'a> Value<'a> {
    /// The value of `key` in a dict.
    pub(crate) fn get(&self, key: &[u8]) -> Option<&Value<'a>> {
        match self {
            Value::Dict(items) => items.iter().find(|(k, _)| *k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub(crate) fn as_bytes(&self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }
    pub(crate) fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(n) => Some(*n),
            _ => None,
        }
    }
    pub(crate) fn as_list(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::List(l) => Some(l),
            _ => None,
        }
    }
}

const MAX_DEPTH: usize = 16;

/// Parses exactly one value spanning all of `input`.
///
/// # Errors
/// [`Error::Malformed`] with `what` when the input is not exactly one well-formed value.
pub(crate) fn parse<'a>(input: &'a [u8], what: &'static str) -> Result<Value<'a>> {
    let mut pos = 0;
    let v = parse_at(input, &mut pos, 0).ok_or(Error::Malformed(what))?;
    if pos != input.len() {
        return Err(Error::Malformed(what));
    }
    Ok(v)
}

fn parse_at<'a>(input: &'a [u8], pos: &mut usize, depth: usize) -> Option<Value<'a>> {
    if depth > MAX_DEPTH {
        return None;
    }
    match *input.get(*pos)? {
        b'i' => {
            *pos += 1;
            let end = *pos + input.get(*pos..)?.iter().position(|&b| b == b'e')?;
            let text = std::str::from_utf8(input.get(*pos..end)?).ok()?;
            // canonical integers only: no leading zeros, no "-0", no '+'
            let digits = text.strip_prefix('-').unwrap_or(text);
            if digits.is_empty()
                || !digits.bytes().all(|b| b.is_ascii_digit())
                || (digits.len() > 1 && digits.starts_with('0'))
                || text == "-0"
            {
                return None;
            }
            let n = text.parse::<i64>().ok()?;
            *pos = end + 1;
            Some(Value::Int(n))
        }
        b'l' => {
            *pos += 1;
            let mut items = Vec::new();
            while *input.get(*pos)? != b'e' {
                items.push(parse_at(input, pos, depth + 1)?);
            }
            *pos += 1;
            Some(Value::List(items))
        }
        b'd' => {
            *pos += 1;
            let mut items: Vec<(&'a [u8], Value<'a>)> = Vec::new();
            while *input.get(*pos)? != b'e' {
                let Value::Bytes(key) = parse_string(input, pos)? else {
                    return None;
                };
                if let Some((last, _)) = items.last() {
                    if *last >= key {
                        return None; // keys must be strictly ascending
                    }
                }
                let v = parse_at(input, pos, depth + 1)?;
                items.push((key, v));
            }
            *pos += 1;
            Some(Value::Dict(items))
        }
        b'0'..=b'9' => parse_string(input, pos),
        _ => None,
    }
}

fn parse_string<'a>(input: &'a [u8], pos: &mut usize) -> Option<Value<'a>> {
    let colon = *pos + input.get(*pos..)?.iter().position(|&b| b == b':')?;
    let digits = input.get(*pos..colon)?;
    if digits.is_empty()
        || digits.len() > 10
        || !digits.iter().all(u8::is_ascii_digit)
        || (digits.len() > 1 && digits.first() == Some(&b'0'))
    {
        return None;
    }
    let len: usize = std::str::from_utf8(digits).ok()?.parse().ok()?;
    let start = colon + 1;
    let end = start.checked_add(len)?;
    let bytes = input.get(start..end)?;
    *pos = end;
    Some(Value::Bytes(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let mut out = vec![b'd'];
        put_bytes(&mut out, b"");
        put_int(&mut out, 1);
        put_bytes(&mut out, b"a");
        out.push(b'l');
        put_bytes(&mut out, b"xyz");
        put_int(&mut out, -7);
        out.push(b'e');
        out.push(b'e');
        assert_eq!(out, b"d0:i1e1:al3:xyzi-7eee");
        let v = parse(&out, "test").unwrap();
        assert_eq!(v.get(b"").and_then(Value::as_int), Some(1));
        let l = v.get(b"a").and_then(Value::as_list).unwrap();
        assert_eq!(l[0].as_bytes(), Some(&b"xyz"[..]));
        assert_eq!(l[1].as_int(), Some(-7));
    }

    #[test]
    fn rejects_garbage() {
        for bad in [
            &b""[..],
            b"d",
            b"i01e",
            b"i-0e",
            b"3:ab",
            b"d1:b0:1:a0:e",
            b"le ",
            b"05:abcde",
        ] {
            assert!(parse(bad, "t").is_err(), "{bad:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..256)) {
            let _ = parse(&data, "t");
        }
    }
}
