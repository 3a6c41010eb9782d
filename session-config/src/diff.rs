//! Diffs (spec §3.2): what one message changed, and how a merge replays it (§4.1).

use std::collections::BTreeMap;

use session_bencode::{self as bt, Value};

use crate::error::{Error, Result};
use crate::value::{ConfigDict, ConfigValue, ScalarSet, encode_set, set_from_bt};

/// One entry of a diff.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DiffEntry {
    /// `""`: a scalar was assigned (added, changed, or a kind change to scalar).
    Assigned,
    /// `"-"`: a scalar was removed.
    Removed,
    /// Changes inside a nested dict.
    Dict(Diff),
    /// Set changes: `[added, removed]`.
    Set {
        /// Elements added.
        added: ScalarSet,
        /// Elements removed.
        removed: ScalarSet,
    },
}

/// A diff dict: key → change.
pub type Diff = BTreeMap<Vec<u8>, DiffEntry>;

/// Appends the bt encoding of a diff.
pub(crate) fn encode_diff_into(d: &Diff, out: &mut Vec<u8>) {
    out.push(b'd');
    for (k, v) in d {
        bt::put_bytes(out, k);
        match v {
            DiffEntry::Assigned => bt::put_bytes(out, b""),
            DiffEntry::Removed => bt::put_bytes(out, b"-"),
            DiffEntry::Dict(inner) => encode_diff_into(inner, out),
            DiffEntry::Set { added, removed } => {
                out.push(b'l');
                encode_set(added, out);
                encode_set(removed, out);
                out.push(b'e');
            }
        }
    }
    out.push(b'e');
}

/// The bt encoding of a diff.
#[must_use]
pub fn encode_diff(d: &Diff) -> Vec<u8> {
    let mut out = Vec::new();
    encode_diff_into(d, &mut out);
    out
}

/// Parses and validates a diff dict (spec §3.3): string values only `""`/`"-"`, lists of
/// exactly two sorted lists, nested diff dicts.
pub(crate) fn diff_from_bt(v: &Value<'_>) -> Result<Diff> {
    let entries = v
        .as_dict()
        .ok_or(Error::InvalidConfig("diff is not a dict"))?;
    let mut out = Diff::new();
    for (k, val) in entries {
        let e = match val {
            Value::Bytes(b) if b.is_empty() => DiffEntry::Assigned,
            Value::Bytes(b) if b.as_ref() == b"-" => DiffEntry::Removed,
            Value::Bytes(_) => return Err(Error::InvalidConfig("bad diff marker")),
            Value::Int(_) => return Err(Error::InvalidConfig("integer in diff")),
            Value::Dict(_) => DiffEntry::Dict(diff_from_bt(val)?),
            Value::List(items) => match items.as_slice() {
                [a, r] => DiffEntry::Set {
                    added: set_from_bt(a, true)?,
                    removed: set_from_bt(r, true)?,
                },
                _ => return Err(Error::InvalidConfig("set diff is not [added, removed]")),
            },
        };
        out.insert(k.to_vec(), e);
    }
    Ok(out)
}

fn addition(v: &ConfigValue) -> DiffEntry {
    match v {
        ConfigValue::Scalar(_) => DiffEntry::Assigned,
        ConfigValue::Set(s) => DiffEntry::Set {
            added: s.clone(),
            removed: ScalarSet::new(),
        },
        ConfigValue::Dict(d) => DiffEntry::Dict(compute_diff(&ConfigDict::new(), d)),
    }
}

fn removal(v: &ConfigValue) -> DiffEntry {
    match v {
        ConfigValue::Scalar(_) => DiffEntry::Removed,
        ConfigValue::Set(s) => DiffEntry::Set {
            added: ScalarSet::new(),
            removed: s.clone(),
        },
        ConfigValue::Dict(d) => DiffEntry::Dict(compute_diff(d, &ConfigDict::new())),
    }
}

/// The diff from `old` to `new` (spec §3.2): removals, additions, changed scalars, set
/// changes and nested dict changes; unchanged values are omitted.
#[must_use]
pub fn compute_diff(old: &ConfigDict, new: &ConfigDict) -> Diff {
    let mut out = Diff::new();
    let mut o = old.iter().peekable();
    let mut n = new.iter().peekable();
    loop {
        let (key, entry) = match (o.peek(), n.peek()) {
            (None, None) => break,
            (Some((ok, ov)), None) => {
                let r = ((*ok).clone(), Some(removal(ov)));
                o.next();
                r
            }
            (None, Some((nk, nv))) => {
                let r = ((*nk).clone(), Some(addition(nv)));
                n.next();
                r
            }
            (Some((ok, ov)), Some((nk, nv))) => match ok.cmp(nk) {
                std::cmp::Ordering::Less => {
                    let r = ((*ok).clone(), Some(removal(ov)));
                    o.next();
                    r
                }
                std::cmp::Ordering::Greater => {
                    let r = ((*nk).clone(), Some(addition(nv)));
                    n.next();
                    r
                }
                std::cmp::Ordering::Equal => {
                    let e = match (ov, nv) {
                        (ConfigValue::Scalar(a), ConfigValue::Scalar(b)) => {
                            (a != b).then_some(DiffEntry::Assigned)
                        }
                        (ConfigValue::Dict(a), ConfigValue::Dict(b)) => {
                            let d = compute_diff(a, b);
                            (!d.is_empty()).then_some(DiffEntry::Dict(d))
                        }
                        (ConfigValue::Set(a), ConfigValue::Set(b)) => {
                            let added: ScalarSet = b.difference(a).cloned().collect();
                            let removed: ScalarSet = a.difference(b).cloned().collect();
                            (!added.is_empty() || !removed.is_empty())
                                .then_some(DiffEntry::Set { added, removed })
                        }
                        (_, nv) => Some(addition(nv)),
                    };
                    let r = ((*ok).clone(), e);
                    o.next();
                    n.next();
                    r
                }
            },
        };
        if let Some(e) = entry {
            out.insert(key, e);
        }
    }
    out
}

/// Applies one replayed diff to `data`, taking values from `source` (the final data of the
/// message that carried the diff), as spec §4.1. Empty containers are left for the caller to
/// prune.
pub fn apply_diff(data: &mut ConfigDict, diff: &Diff, source: &ConfigDict) {
    for (k, entry) in diff {
        let src = source.get(k);
        let kind_ok = matches!(
            (entry, src),
            (
                DiffEntry::Assigned | DiffEntry::Removed,
                Some(ConfigValue::Scalar(_))
            ) | (DiffEntry::Set { .. }, Some(ConfigValue::Set(_)))
                | (DiffEntry::Dict(_), Some(ConfigValue::Dict(_)))
        );
        if !kind_ok {
            data.remove(k);
            continue;
        }
        match (entry, src) {
            (DiffEntry::Assigned, Some(v)) => {
                data.insert(k.clone(), v.clone());
            }
            (DiffEntry::Removed, _) => {
                data.remove(k);
            }
            (DiffEntry::Dict(inner), Some(ConfigValue::Dict(s))) => {
                let slot = data
                    .entry(k.clone())
                    .or_insert_with(|| ConfigValue::Dict(ConfigDict::new()));
                if !matches!(slot, ConfigValue::Dict(_)) {
                    *slot = ConfigValue::Dict(ConfigDict::new());
                }
                if let ConfigValue::Dict(d) = slot {
                    apply_diff(d, inner, s);
                }
            }
            (DiffEntry::Set { added, removed }, Some(ConfigValue::Set(_))) => {
                let slot = data
                    .entry(k.clone())
                    .or_insert_with(|| ConfigValue::Set(ScalarSet::new()));
                if !matches!(slot, ConfigValue::Set(_)) {
                    *slot = ConfigValue::Set(ScalarSet::new());
                }
                if let ConfigValue::Set(set) = slot {
                    set.extend(added.iter().cloned());
                    for r in removed {
                        set.remove(r);
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::decode_dict;

    #[test]
    fn fresh_diff_matches_the_spec_example() {
        let d = decode_dict(b"d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee").unwrap();
        let diff = compute_diff(&ConfigDict::new(), &d);
        assert_eq!(
            encode_diff(&diff),
            b"d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:e"
        );
    }

    #[test]
    fn kind_change_is_an_addition_and_removal_lists_leaves() {
        let old = decode_dict(b"d1:ai1e1:bd1:ci1eee").unwrap();
        let new = decode_dict(b"d1:ali1eee").unwrap();
        assert_eq!(
            encode_diff(&compute_diff(&old, &new)),
            b"d1:alli1eelee1:bd1:c1:-ee"
        );
    }

    #[test]
    fn apply_takes_values_from_the_source() {
        let src = decode_dict(b"d1:ai5e1:sli1ei2eee").unwrap();
        let diff = diff_from_bt(&bt::decode(b"d1:a0:1:b0:1:slli2eeli3eeee").unwrap()).unwrap();
        let mut data = decode_dict(b"d1:bi9e1:sli3eee").unwrap();
        apply_diff(&mut data, &diff, &src);
        crate::value::prune(&mut data);
        assert_eq!(crate::value::encode_dict(&data), b"d1:ai5e1:sli2eee");
    }
}
