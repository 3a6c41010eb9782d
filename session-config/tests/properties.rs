//! Property tests: merging is independent of order and repetition and idempotent; parsing
//! what the crate writes gives it back exactly.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use session_config::{
    ConfigDict, ConfigMessage, ConfigValue, DEFAULT_LAG, MutableConfigMessage, Scalar, ScalarSet,
    merge_messages,
};
use session_identity::Ed25519KeyPair;

/// One edit of a message's data.
#[derive(Debug, Clone)]
enum Edit {
    Set(Vec<Vec<u8>>, ConfigValue),
    Remove(Vec<Vec<u8>>),
}

fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"a".to_vec()),
        Just(b"b".to_vec()),
        Just(b"c".to_vec()),
        Just(Vec::new())
    ]
}

fn scalar() -> impl Strategy<Value = Scalar> {
    prop_oneof![
        (-3i64..3).prop_map(Scalar::Int),
        prop::collection::vec(b'x'..=b'z', 0..3).prop_map(Scalar::Bytes),
    ]
}

fn value() -> impl Strategy<Value = ConfigValue> {
    prop_oneof![
        scalar().prop_map(ConfigValue::Scalar),
        prop::collection::btree_set(scalar(), 1..4).prop_map(ConfigValue::Set),
        (key(), scalar()).prop_map(|(k, s)| {
            let mut d = ConfigDict::new();
            d.insert(k, ConfigValue::Scalar(s));
            ConfigValue::Dict(d)
        }),
    ]
}

fn edit() -> impl Strategy<Value = Edit> {
    let path = || prop::collection::vec(key(), 1..3);
    prop_oneof![
        3 => (path(), value()).prop_map(|(p, v)| Edit::Set(p, v)),
        1 => path().prop_map(Edit::Remove),
    ]
}

fn apply(d: &mut ConfigDict, edit: &Edit) {
    let (path, new) = match edit {
        Edit::Set(p, v) => (p, Some(v)),
        Edit::Remove(p) => (p, None),
    };
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut cur = d;
    for k in parents {
        let slot = cur
            .entry(k.clone())
            .or_insert_with(|| ConfigValue::Dict(ConfigDict::new()));
        if !matches!(slot, ConfigValue::Dict(_)) {
            *slot = ConfigValue::Dict(ConfigDict::new());
        }
        let ConfigValue::Dict(next) = slot else {
            return;
        };
        cur = next;
    }
    match new {
        Some(v) => {
            cur.insert(last.clone(), v.clone());
        }
        None => {
            cur.remove(last);
        }
    }
}

/// A history: a root message and edits, each on a parent chosen among the earlier messages.
fn history(signer: Option<&Ed25519KeyPair>, steps: &[(usize, Vec<Edit>)]) -> Vec<ConfigMessage> {
    let mut root = ConfigDict::new();
    root.insert(b"a".to_vec(), ConfigValue::int(1));
    let mut set = ScalarSet::new();
    set.insert(Scalar::Int(1));
    root.insert(b"s".to_vec(), ConfigValue::Set(set));
    let mut msgs = vec![MutableConfigMessage::fresh(1, root, DEFAULT_LAG).serialise(signer)];
    for (parent, edits) in steps {
        let Some(p) = msgs.get(parent % msgs.len()) else {
            continue;
        };
        let mut next = p.increment();
        let mut data = next.data().clone();
        for e in edits {
            apply(&mut data, e);
        }
        next.set_data(data);
        msgs.push(next.serialise(signer));
    }
    msgs
}

fn shuffled<T: Clone>(items: &[T], mut seed: u64) -> Vec<T> {
    let mut v = items.to_vec();
    for i in (1..v.len()).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = usize::try_from((seed >> 33) % (i as u64 + 1)).unwrap_or(0);
        v.swap(i, j);
    }
    v
}

fn steps() -> impl Strategy<Value = Vec<(usize, Vec<Edit>)>> {
    prop::collection::vec((any::<usize>(), prop::collection::vec(edit(), 0..3)), 1..10)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn merge_is_order_and_repetition_independent(
        steps in steps(),
        seeds in prop::collection::vec(any::<u64>(), 3),
        repeat in prop::collection::vec(any::<usize>(), 0..4),
    ) {
        let msgs = history(None, &steps);
        let bytes: Vec<&[u8]> = msgs.iter().map(ConfigMessage::bytes).collect();
        let reference = merge_messages(&bytes, None, None, DEFAULT_LAG).unwrap();
        for seed in seeds {
            let mut input = shuffled(&bytes, seed);
            for r in &repeat {
                if let Some(b) = bytes.get(r % bytes.len()) {
                    input.push(b);
                }
            }
            let input = shuffled(&input, seed ^ 0x5555);
            let other = merge_messages(&input, None, None, DEFAULT_LAG).unwrap();
            prop_assert_eq!(other.message.bytes(), reference.message.bytes());
            prop_assert_eq!(other.merged, reference.merged);
        }
        // Idempotent: the result together with its inputs resolves to the result itself.
        let mut with_result = bytes.clone();
        with_result.push(reference.message.bytes());
        let again = merge_messages(&shuffled(&with_result, 7), None, None, DEFAULT_LAG).unwrap();
        prop_assert_eq!(again.message.bytes(), reference.message.bytes());
        prop_assert!(!again.merged);
        let solo = merge_messages(&[reference.message.bytes()], None, None, DEFAULT_LAG).unwrap();
        prop_assert_eq!(solo.message.data(), reference.message.data());
    }

    #[test]
    fn signed_merges_agree_too(steps in steps(), seed in any::<u64>()) {
        let group = Ed25519KeyPair::from_seed(&[3; 32]);
        let msgs = history(Some(&group), &steps);
        let bytes: Vec<&[u8]> = msgs.iter().map(ConfigMessage::bytes).collect();
        let a = merge_messages(&bytes, None, Some(&group), DEFAULT_LAG).unwrap();
        let b = merge_messages(&shuffled(&bytes, seed), None, Some(&group), DEFAULT_LAG).unwrap();
        prop_assert_eq!(a.message.bytes(), b.message.bytes());
        let pk = group.public_key();
        prop_assert!(ConfigMessage::parse(a.message.bytes(), Some(&pk), DEFAULT_LAG).is_ok());
    }

    #[test]
    fn parse_serialise_is_the_identity(steps in steps(), signed in any::<bool>()) {
        let group = Ed25519KeyPair::from_seed(&[4; 32]);
        let signer = signed.then_some(&group);
        let msgs = history(signer, &steps);
        let bytes: Vec<&[u8]> = msgs.iter().map(ConfigMessage::bytes).collect();
        let merged = merge_messages(&bytes, None, signer, DEFAULT_LAG).unwrap().message;
        let pk = group.public_key();
        for m in msgs.iter().chain(std::iter::once(&merged)) {
            let p = ConfigMessage::parse(m.bytes(), signer.map(|_| &pk), DEFAULT_LAG).unwrap();
            prop_assert_eq!(p.bytes(), m.bytes());
            prop_assert_eq!(p.data(), m.data());
            prop_assert_eq!(p.diff(), m.diff());
            prop_assert_eq!(p.lagged(), m.lagged());
            prop_assert_eq!(p.hash(), m.hash());
            // The same data re-serialised through an increment round-trips as well.
            let next = p.increment().serialise(signer);
            let q = ConfigMessage::parse(next.bytes(), signer.map(|_| &pk), DEFAULT_LAG).unwrap();
            prop_assert_eq!(q, next);
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = ConfigMessage::parse(&bytes, None, DEFAULT_LAG);
        let _ = merge_messages(&[&bytes, b"d1:#i0e1:&de1:=dee"], None, None, DEFAULT_LAG);
    }
}
