#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

use std::borrow::Cow;

/// The deepest nesting of lists and dictionaries [`decode`] accepts.
pub const MAX_DEPTH: usize = 64;

/// Why bencoded input was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input ended inside a value.
    #[error("bencode input is truncated")]
    Truncated,
    /// A byte that cannot start or continue a value here.
    #[error("unexpected byte in bencode input")]
    UnexpectedByte,
    /// An integer or length that is not canonical decimal, or out of range.
    #[error("non-canonical or out-of-range bencode integer")]
    BadInteger,
    /// Dictionary keys that are not in strictly ascending order (or are repeated).
    #[error("bencode dictionary keys are not sorted and unique")]
    UnsortedKeys,
    /// Lists and dictionaries nested deeper than [`MAX_DEPTH`].
    #[error("bencode nesting is too deep")]
    TooDeep,
    /// Bytes left over after the value.
    #[error("trailing bytes after the bencode value")]
    TrailingBytes,
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One dictionary entry: key and value.
pub type Entry<'a> = (Cow<'a, [u8]>, Value<'a>);

/// A bencode value. Byte strings borrow from the decoded input where they can.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value<'a> {
    /// An integer in the range of `i64` or `u64`.
    Int(i128),
    /// A byte string.
    Bytes(Cow<'a, [u8]>),
    /// A list.
    List(Vec<Value<'a>>),
    /// A dictionary; [`decode`] yields keys in ascending order, and [`Value::to_bytes`] sorts them.
    Dict(Vec<Entry<'a>>),
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Int(n.into())
    }
}

impl From<u64> for Value<'_> {
    fn from(n: u64) -> Self {
        Value::Int(n.into())
    }
}

impl From<i32> for Value<'_> {
    fn from(n: i32) -> Self {
        Value::Int(n.into())
    }
}

impl From<u32> for Value<'_> {
    fn from(n: u32) -> Self {
        Value::Int(n.into())
    }
}

impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(b: &'a [u8]) -> Self {
        Value::Bytes(Cow::Borrowed(b))
    }
}

impl<'a> From<&'a str> for Value<'a> {
    fn from(s: &'a str) -> Self {
        Value::Bytes(Cow::Borrowed(s.as_bytes()))
    }
}

impl From<Vec<u8>> for Value<'_> {
    fn from(b: Vec<u8>) -> Self {
        Value::Bytes(Cow::Owned(b))
    }
}

impl<'a> Value<'a> {
    /// A borrowed byte string.
    #[must_use]
    pub fn bytes(b: &'a [u8]) -> Self {
        Value::Bytes(Cow::Borrowed(b))
    }

    /// An empty dictionary.
    #[must_use]
    pub fn dict() -> Self {
        Value::Dict(Vec::new())
    }

    /// An empty list.
    #[must_use]
    pub fn list() -> Self {
        Value::List(Vec::new())
    }

    /// Sets `key` in a dictionary (replacing an earlier value); pushes onto a list, ignoring
    /// `key`. Does nothing on integers and byte strings.
    pub fn insert(&mut self, key: &'a [u8], value: Value<'a>) {
        match self {
            Value::Dict(items) => match items.iter_mut().find(|(k, _)| k.as_ref() == key) {
                Some(slot) => slot.1 = value,
                None => items.push((Cow::Borrowed(key), value)),
            },
            Value::List(items) => items.push(value),
            Value::Int(_) | Value::Bytes(_) => {}
        }
    }

    /// Appends to a list. Does nothing on other values.
    pub fn push(&mut self, value: Value<'a>) {
        if let Value::List(items) = self {
            items.push(value);
        }
    }

    /// The value of `key`, if this is a dictionary that has it.
    #[must_use]
    pub fn get(&self, key: &[u8]) -> Option<&Value<'a>> {
        match self {
            Value::Dict(items) => items
                .iter()
                .find(|(k, _)| k.as_ref() == key)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The bytes, if this is a byte string.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// The text, if this is a UTF-8 byte string.
    #[must_use]
    pub fn as_str(&self) -> Option<&str> {
        self.as_bytes().and_then(|b| std::str::from_utf8(b).ok())
    }

    /// The integer, if this is an integer that fits `i64`.
    #[must_use]
    pub fn as_i64(&self) -> Option<i64> {
        match self {
            Value::Int(n) => i64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The integer, if this is an integer that fits `u64`.
    #[must_use]
    pub fn as_u64(&self) -> Option<u64> {
        match self {
            Value::Int(n) => u64::try_from(*n).ok(),
            _ => None,
        }
    }

    /// The items, if this is a list.
    #[must_use]
    pub fn as_list(&self) -> Option<&[Value<'a>]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    /// The entries, if this is a dictionary.
    #[must_use]
    pub fn as_dict(&self) -> Option<&[Entry<'a>]> {
        match self {
            Value::Dict(items) => Some(items),
            _ => None,
        }
    }

    /// A copy that owns all of its bytes.
    #[must_use]
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Value::Int(n) => Value::Int(n),
            Value::Bytes(b) => Value::Bytes(Cow::Owned(b.into_owned())),
            Value::List(items) => Value::List(items.into_iter().map(Value::into_owned).collect()),
            Value::Dict(items) => Value::Dict(
                items
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                    .collect(),
            ),
        }
    }

    /// The canonical encoding (dictionary keys sorted).
    #[must_use]
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.encode_into(&mut out);
        out
    }

    /// Appends the canonical encoding to `out` (dictionary keys sorted; with repeated keys the
    /// first one wins).
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Value::Int(n) => put_int(out, *n),
            Value::Bytes(b) => put_bytes(out, b),
            Value::List(items) => {
                out.push(b'l');
                for item in items {
                    item.encode_into(out);
                }
                out.push(b'e');
            }
            Value::Dict(items) => {
                let mut sorted: Vec<&Entry<'a>> = items.iter().collect();
                sorted.sort_by(|a, b| a.0.cmp(&b.0));
                sorted.dedup_by(|a, b| a.0 == b.0);
                out.push(b'd');
                for (k, v) in sorted {
                    put_bytes(out, k);
                    v.encode_into(out);
                }
                out.push(b'e');
            }
        }
    }
}

/// Appends the byte string `len:bytes` to `out`.
pub fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(bytes.len().to_string().as_bytes());
    out.push(b':');
    out.extend_from_slice(bytes);
}

/// Appends the integer `i<n>e` to `out`.
pub fn put_int(out: &mut Vec<u8>, n: impl Into<i128>) {
    out.push(b'i');
    out.extend_from_slice(n.into().to_string().as_bytes());
    out.push(b'e');
}

/// Decodes exactly one value that spans all of `input`.
///
/// # Errors
/// Any [`Error`]: truncated or malformed input, non-canonical integers, unsorted or repeated
/// dictionary keys, nesting deeper than [`MAX_DEPTH`], or bytes after the value.
pub fn decode(input: &[u8]) -> Result<Value<'_>> {
    let (value, used) = decode_prefix(input)?;
    if used != input.len() {
        return Err(Error::TrailingBytes);
    }
    Ok(value)
}

/// Decodes one value at the start of `input` and returns it with the number of bytes it used.
///
/// # Errors
/// As [`decode`], except that bytes after the value are allowed.
pub fn decode_prefix(input: &[u8]) -> Result<(Value<'_>, usize)> {
    let mut reader = Reader { input, pos: 0 };
    let value = reader.value(0)?;
    Ok((value, reader.pos))
}

struct Reader<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Result<u8> {
        self.input.get(self.pos).copied().ok_or(Error::Truncated)
    }

    /// Reads canonical decimal digits up to `end` (consumed). Returns the value.
    fn decimal(&mut self, end: u8, signed: bool) -> Result<i128> {
        let rest = self.input.get(self.pos..).ok_or(Error::Truncated)?;
        // 20 digits for u64::MAX, one more for a sign, one for the terminator.
        let window = rest.get(..rest.len().min(22)).unwrap_or(rest);
        let len = match window.iter().position(|&b| b == end) {
            Some(len) => len,
            None if window.len() < rest.len() => return Err(Error::BadInteger),
            None => return Err(Error::Truncated),
        };
        let text = rest.get(..len).ok_or(Error::Truncated)?;
        let (negative, digits) = match text.split_first() {
            Some((b'-', digits)) if signed => (true, digits),
            _ => (false, text),
        };
        let canonical = !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && (digits.len() == 1 || digits.first() != Some(&b'0'))
            && !(negative && digits == b"0");
        if !canonical {
            return Err(Error::BadInteger);
        }
        let magnitude = digits
            .iter()
            .try_fold(0i128, |acc, &d| {
                acc.checked_mul(10)?.checked_add(i128::from(d - b'0'))
            })
            .ok_or(Error::BadInteger)?;
        let n = if negative { -magnitude } else { magnitude };
        if n < i128::from(i64::MIN) || n > i128::from(u64::MAX) {
            return Err(Error::BadInteger);
        }
        self.pos += len + 1;
        Ok(n)
    }

    fn string(&mut self) -> Result<&'a [u8]> {
        let len = usize::try_from(self.decimal(b':', false)?).map_err(|_| Error::BadInteger)?;
        let end = self.pos.checked_add(len).ok_or(Error::Truncated)?;
        let bytes = self.input.get(self.pos..end).ok_or(Error::Truncated)?;
        self.pos = end;
        Ok(bytes)
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>> {
        match self.peek()? {
            b'i' => {
                self.pos += 1;
                Ok(Value::Int(self.decimal(b'e', true)?))
            }
            b'0'..=b'9' => Ok(Value::Bytes(Cow::Borrowed(self.string()?))),
            b'l' => {
                let depth = depth + 1;
                if depth > MAX_DEPTH {
                    return Err(Error::TooDeep);
                }
                self.pos += 1;
                let mut items = Vec::new();
                while self.peek()? != b'e' {
                    items.push(self.value(depth)?);
                }
                self.pos += 1;
                Ok(Value::List(items))
            }
            b'd' => {
                let depth = depth + 1;
                if depth > MAX_DEPTH {
                    return Err(Error::TooDeep);
                }
                self.pos += 1;
                let mut items: Vec<Entry<'a>> = Vec::new();
                while self.peek()? != b'e' {
                    if !self.peek()?.is_ascii_digit() {
                        return Err(Error::UnexpectedByte);
                    }
                    let key = self.string()?;
                    if items.last().is_some_and(|(prev, _)| prev.as_ref() >= key) {
                        return Err(Error::UnsortedKeys);
                    }
                    let value = self.value(depth)?;
                    items.push((Cow::Borrowed(key), value));
                }
                self.pos += 1;
                Ok(Value::Dict(items))
            }
            _ => Err(Error::UnexpectedByte),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn decodes_and_encodes_the_basics() {
        let v = decode(b"d1:ai-5e1:bl3:xyzi0eee").unwrap();
        assert_eq!(v.get(b"a").and_then(Value::as_i64), Some(-5));
        let list = v.get(b"b").and_then(Value::as_list).unwrap();
        assert_eq!(list[0].as_bytes(), Some(&b"xyz"[..]));
        assert_eq!(list[1].as_u64(), Some(0));
        assert_eq!(v.to_bytes(), b"d1:ai-5e1:bl3:xyzi0eee");
        assert_eq!(decode(b"0:").unwrap(), Value::bytes(b""));
        assert_eq!(decode(b"le").unwrap(), Value::list());
        assert_eq!(decode(b"de").unwrap(), Value::dict());
    }

    #[test]
    fn full_u64_and_i64_ranges() {
        let max = decode(b"i18446744073709551615e").unwrap();
        assert_eq!(max.as_u64(), Some(u64::MAX));
        assert_eq!(max.as_i64(), None);
        let min = decode(b"i-9223372036854775808e").unwrap();
        assert_eq!(min.as_i64(), Some(i64::MIN));
        assert_eq!(decode(b"i18446744073709551616e"), Err(Error::BadInteger));
        assert_eq!(decode(b"i-9223372036854775809e"), Err(Error::BadInteger));
        assert_eq!(Value::from(u64::MAX).to_bytes(), b"i18446744073709551615e");
    }

    #[test]
    fn rejects_non_canonical_and_malformed_input() {
        for bad in [
            &b"i-0e"[..],
            b"i01e",
            b"ie",
            b"i-e",
            b"i1",
            b"01:a",
            b"2:a",
            b"-1:a",
            b"d1:b0:1:a0:e",
            b"d1:a0:1:a0:e",
            b"di1e0:e",
            b"l",
            b"x",
            b"",
            b"i1ei2e",
            b"99999999999999999999999:",
            b"i1234567890123456789012345e",
        ] {
            assert!(
                decode(bad).is_err(),
                "accepted {:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(decode(b"i1ei2e"), Err(Error::TrailingBytes));
        assert_eq!(decode(b"d1:b0:1:a0:e"), Err(Error::UnsortedKeys));
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = [vec![b'l'; MAX_DEPTH + 1], vec![b'e'; MAX_DEPTH + 1]].concat();
        assert_eq!(decode(&deep), Err(Error::TooDeep));
        let ok = [vec![b'l'; MAX_DEPTH], vec![b'e'; MAX_DEPTH]].concat();
        assert!(decode(&ok).is_ok());
    }

    #[test]
    fn encoder_sorts_dictionary_keys_and_prefix_decoding_reports_length() {
        let mut d = Value::dict();
        d.insert(b"b", Value::from(2));
        d.insert(b"a", Value::from(1));
        d.insert(b"b", Value::from(3));
        assert_eq!(d.to_bytes(), b"d1:ai1e1:bi3ee");
        let (v, used) = decode_prefix(b"3:abcXYZ").unwrap();
        assert_eq!((v.as_str(), used), (Some("abc"), 5));
    }

    fn arb_value() -> impl Strategy<Value = Value<'static>> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            proptest::collection::vec(any::<u8>(), 0..40).prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::List),
                proptest::collection::btree_map(
                    proptest::collection::vec(any::<u8>(), 0..8),
                    inner,
                    0..8
                )
                .prop_map(|m| Value::Dict(
                    m.into_iter().map(|(k, v)| (Cow::Owned(k), v)).collect()
                )),
            ]
        })
    }

    proptest! {
        #[test]
        fn round_trip(v in arb_value()) {
            let bytes = v.to_bytes();
            prop_assert_eq!(decode(&bytes).unwrap(), v);
        }

        #[test]
        fn never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            if let Ok(v) = decode(&bytes) {
                // Whatever decodes strictly re-encodes to the same bytes.
                prop_assert_eq!(v.to_bytes(), bytes);
            }
        }
    }
}
