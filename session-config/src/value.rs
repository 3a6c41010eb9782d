//! The data model of a config message's `&` dict (spec §2): scalars, sets and nested dicts,
//! with their bt encoding and validation.

use std::collections::{BTreeMap, BTreeSet};

use session_bencode::{self as bt, Value};

use crate::error::{Error, Result};

/// A scalar: a signed 64-bit integer or a byte string. The derived order is the set order of
/// the spec: every integer (ascending) before every string (bytewise ascending).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    /// An integer.
    Int(i64),
    /// A byte string.
    Bytes(Vec<u8>),
}

impl Scalar {
    /// The integer, if this is one.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Scalar::Int(n) => Some(*n),
            Scalar::Bytes(_) => None,
        }
    }

    /// The bytes, if this is a string.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Scalar::Bytes(b) => Some(b),
            Scalar::Int(_) => None,
        }
    }

    pub(crate) fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            Scalar::Int(n) => bt::put_int(out, *n),
            Scalar::Bytes(b) => bt::put_bytes(out, b),
        }
    }

    pub(crate) fn from_bt(v: &Value<'_>) -> Result<Self> {
        match v {
            Value::Int(n) => i64::try_from(*n)
                .map(Scalar::Int)
                .map_err(|_| Error::InvalidConfig("integer out of range")),
            Value::Bytes(b) => Ok(Scalar::Bytes(b.to_vec())),
            _ => Err(Error::InvalidConfig("set element is not a scalar")),
        }
    }
}

impl From<i64> for Scalar {
    fn from(n: i64) -> Self {
        Scalar::Int(n)
    }
}

impl From<&[u8]> for Scalar {
    fn from(b: &[u8]) -> Self {
        Scalar::Bytes(b.to_vec())
    }
}

impl From<&str> for Scalar {
    fn from(s: &str) -> Self {
        Scalar::Bytes(s.as_bytes().to_vec())
    }
}

/// A set of scalars (a sorted bt list of unique elements, never empty on the wire).
pub type ScalarSet = BTreeSet<Scalar>;

/// A config dict: byte-string keys in bytewise order.
pub type ConfigDict = BTreeMap<Vec<u8>, ConfigValue>;

/// One value of a config dict.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ConfigValue {
    /// An integer or a string.
    Scalar(Scalar),
    /// A set of scalars.
    Set(ScalarSet),
    /// A nested dict.
    Dict(ConfigDict),
}

impl ConfigValue {
    /// An integer value.
    #[must_use]
    pub fn int(n: i64) -> Self {
        ConfigValue::Scalar(Scalar::Int(n))
    }

    /// A byte-string value.
    #[must_use]
    pub fn bytes(b: impl Into<Vec<u8>>) -> Self {
        ConfigValue::Scalar(Scalar::Bytes(b.into()))
    }

    /// The integer, if this is one.
    #[must_use]
    pub fn as_int(&self) -> Option<i64> {
        match self {
            ConfigValue::Scalar(s) => s.as_int(),
            _ => None,
        }
    }

    /// The bytes, if this is a string.
    #[must_use]
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            ConfigValue::Scalar(s) => s.as_bytes(),
            _ => None,
        }
    }

    /// The set, if this is one.
    #[must_use]
    pub fn as_set(&self) -> Option<&ScalarSet> {
        match self {
            ConfigValue::Set(s) => Some(s),
            _ => None,
        }
    }

    /// The dict, if this is one.
    #[must_use]
    pub fn as_dict(&self) -> Option<&ConfigDict> {
        match self {
            ConfigValue::Dict(d) => Some(d),
            _ => None,
        }
    }

    fn encode_into(&self, out: &mut Vec<u8>) {
        match self {
            ConfigValue::Scalar(s) => s.encode_into(out),
            ConfigValue::Set(s) => encode_set(s, out),
            ConfigValue::Dict(d) => encode_dict_into(d, out),
        }
    }
}

pub(crate) fn encode_set(s: &ScalarSet, out: &mut Vec<u8>) {
    out.push(b'l');
    for e in s {
        e.encode_into(out);
    }
    out.push(b'e');
}

/// Appends the bt encoding of a config dict.
pub(crate) fn encode_dict_into(d: &ConfigDict, out: &mut Vec<u8>) {
    out.push(b'd');
    for (k, v) in d {
        bt::put_bytes(out, k);
        v.encode_into(out);
    }
    out.push(b'e');
}

/// The bt encoding of a config dict.
#[must_use]
pub fn encode_dict(d: &ConfigDict) -> Vec<u8> {
    let mut out = Vec::new();
    encode_dict_into(d, &mut out);
    out
}

/// Parses a set in strict set order (strictly increasing: sorted, no duplicates). `allow_empty`
/// is true inside diffs.
pub(crate) fn set_from_bt(v: &Value<'_>, allow_empty: bool) -> Result<ScalarSet> {
    let items = v.as_list().ok_or(Error::InvalidConfig("expected a list"))?;
    if items.is_empty() && !allow_empty {
        return Err(Error::InvalidConfig("empty set"));
    }
    let mut out = ScalarSet::new();
    let mut prev: Option<Scalar> = None;
    for item in items {
        let s = Scalar::from_bt(item)?;
        if prev.as_ref().is_some_and(|p| *p >= s) {
            return Err(Error::InvalidConfig("set elements not strictly increasing"));
        }
        prev = Some(s.clone());
        out.insert(s);
    }
    Ok(out)
}

/// Parses and validates a config dict (spec §3.3 step 2): values int / string / non-empty set /
/// non-empty dict. The top-level dict may be empty (`top`).
pub(crate) fn dict_from_bt(v: &Value<'_>, top: bool) -> Result<ConfigDict> {
    let entries = v
        .as_dict()
        .ok_or(Error::InvalidConfig("data is not a dict"))?;
    if entries.is_empty() && !top {
        return Err(Error::InvalidConfig("empty nested dict"));
    }
    let mut out = ConfigDict::new();
    for (k, val) in entries {
        let cv = match val {
            Value::Int(_) | Value::Bytes(_) => ConfigValue::Scalar(Scalar::from_bt(val)?),
            Value::List(_) => ConfigValue::Set(set_from_bt(val, false)?),
            Value::Dict(_) => ConfigValue::Dict(dict_from_bt(val, false)?),
        };
        out.insert(k.to_vec(), cv);
    }
    Ok(out)
}

/// Decodes a bt-encoded config dict (for example a test vector's `data_bt`), validating it as
/// the `&` value of a message.
///
/// # Errors
/// [`Error::InvalidConfig`] for bad bt or a dict that breaks the data rules.
pub fn decode_dict(bytes: &[u8]) -> Result<ConfigDict> {
    let v = bt::decode(bytes).map_err(|_| Error::InvalidConfig("not bencode"))?;
    dict_from_bt(&v, true)
}

/// Removes empty sets and empty dicts, recursively (spec §2 pruning).
pub fn prune(d: &mut ConfigDict) {
    d.retain(|_, v| match v {
        ConfigValue::Scalar(_) => true,
        ConfigValue::Set(s) => !s.is_empty(),
        ConfigValue::Dict(inner) => {
            prune(inner);
            !inner.is_empty()
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_order_puts_integers_first() {
        let mut s = ScalarSet::new();
        s.insert(Scalar::from("a"));
        s.insert(Scalar::Int(42));
        s.insert(Scalar::Int(-1));
        let mut out = Vec::new();
        encode_set(&s, &mut out);
        assert_eq!(out, b"li-1ei42e1:ae");
    }

    #[test]
    fn decode_validates_and_round_trips() {
        let bytes = b"d0:li42e1:ae1:ad1:bi1eee";
        let d = decode_dict(bytes).unwrap();
        assert_eq!(encode_dict(&d), bytes);
        assert!(decode_dict(b"d1:ad1:bleee").is_err());
        assert!(decode_dict(b"d1:adee").is_err());
        assert!(decode_dict(b"d1:ali2ei1eee").is_err());
        assert!(decode_dict(b"d1:ali1ei1eee").is_err());
        assert!(decode_dict(b"d1:al1:xi1eee").is_err());
        assert!(decode_dict(b"d1:ai9223372036854775808ee").is_err());
        assert!(decode_dict(b"de").is_ok());
    }

    #[test]
    fn prune_is_recursive() {
        let mut d = decode_dict(b"d1:ad1:bd1:ci1eee1:xi1ee").unwrap();
        if let Some(ConfigValue::Dict(a)) = d.get_mut(&b"a"[..]) {
            if let Some(ConfigValue::Dict(b)) = a.get_mut(&b"b"[..]) {
                b.clear();
            }
        }
        prune(&mut d);
        assert_eq!(encode_dict(&d), b"d1:xi1ee");
    }
}
