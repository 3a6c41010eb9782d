//! Loading several messages and merging them (spec §4).

use std::collections::BTreeMap;

use session_identity::{Ed25519KeyPair, Ed25519PublicKey};

use crate::diff::{Diff, apply_diff};
use crate::error::{Error, Result};
use crate::message::{ConfigMessage, SeqHash};
use crate::value::prune;

/// The result of [`merge_messages`].
#[derive(Debug, Clone)]
pub struct MergeOutcome {
    /// The resulting message: one of the inputs (unmerged) or a new merge at max seqno + 1
    /// whose own diff is empty.
    pub message: ConfigMessage,
    /// Whether a new merged message was produced.
    pub merged: bool,
    /// Unmerged: the index **in the input list** of the message used.
    pub unmerged_input: Option<usize>,
    /// Unmerged: the same index counted only among the inputs that parsed. This is the index
    /// libsession reports (and its `ConfigBase::merge` wrongly uses to index the input hashes,
    /// spec §9 pitfall 2); it is given for conformance only — use
    /// [`MergeOutcome::unmerged_input`].
    pub unmerged_parsed_index: Option<usize>,
    /// Per input: `None` if it parsed (and verified), else why it was skipped.
    pub skipped: Vec<Option<Error>>,
}

/// Parses `inputs` (verifying with `verifier`, or with `signer`'s public key) and resolves them
/// into one message (spec §4): the single message that includes all others, or — for a
/// verifier without a signer (a group member who is not an admin) — the highest one, or else a
/// deterministic merge at seqno max + 1 (signed by `signer`).
///
/// # Errors
/// [`Error::NoValidConfig`] when no input parses.
///
/// # Example
/// ```
/// use session_config::{MutableConfigMessage, decode_dict, merge_messages, DEFAULT_LAG};
/// let base = MutableConfigMessage::fresh(1, decode_dict(b"d1:ai1ee")?, DEFAULT_LAG).serialise(None);
/// let mut a = base.increment();
/// a.set_data(decode_dict(b"d1:ai1e1:bi2ee")?);
/// let mut b = base.increment();
/// b.set_data(decode_dict(b"de")?);
/// let (a, b) = (a.serialise(None), b.serialise(None));
/// let one = merge_messages(&[a.bytes(), b.bytes()], None, None, DEFAULT_LAG)?;
/// let two = merge_messages(&[b.bytes(), a.bytes(), base.bytes()], None, None, DEFAULT_LAG)?;
/// assert!(one.merged);
/// assert_eq!(one.message.seqno(), 3);
/// assert_eq!(one.message.bytes(), two.message.bytes());
/// # Ok::<(), session_config::Error>(())
/// ```
pub fn merge_messages(
    inputs: &[&[u8]],
    verifier: Option<&Ed25519PublicKey>,
    signer: Option<&Ed25519KeyPair>,
    lag: i64,
) -> Result<MergeOutcome> {
    let signer_pk = signer.map(Ed25519KeyPair::public_key);
    let verifier = signer_pk.as_ref().or(verifier);
    let mut skipped = Vec::with_capacity(inputs.len());
    let mut parsed: Vec<(usize, ConfigMessage)> = Vec::new();
    for (i, bytes) in inputs.iter().enumerate() {
        match ConfigMessage::parse(bytes, verifier, lag) {
            Ok(m) => {
                parsed.push((i, m));
                skipped.push(None);
            }
            Err(e) => skipped.push(Some(e)),
        }
    }
    let refs: Vec<(usize, &ConfigMessage)> = parsed.iter().map(|(i, m)| (*i, m)).collect();
    resolve(&refs, verifier.is_some(), signer, lag, skipped)
}

/// [`merge_messages`] on messages already parsed (each with its input index).
pub(crate) fn resolve(
    parsed: &[(usize, &ConfigMessage)],
    verifying: bool,
    signer: Option<&Ed25519KeyPair>,
    lag: i64,
    skipped: Vec<Option<Error>>,
) -> Result<MergeOutcome> {
    let max = parsed
        .iter()
        .map(|(_, m)| m.seqno())
        .max()
        .ok_or(Error::NoValidConfig)?;
    let n = parsed.len();
    let mut redundant = vec![false; n];
    for (i, (_, mi)) in parsed.iter().enumerate() {
        let key = mi.seq_hash();
        let included = parsed
            .iter()
            .enumerate()
            .any(|(j, (_, mj))| j != i && mj.lagged().contains_key(&key));
        let duplicate = parsed.iter().take(i).any(|(_, mj)| mj.seq_hash() == key);
        let too_old = i128::from(mi.seqno()) + i128::from(lag) <= i128::from(max);
        if let Some(r) = redundant.get_mut(i) {
            *r = included || duplicate || too_old;
        }
    }
    let live: Vec<usize> = (0..n)
        .filter(|&i| !redundant.get(i).copied().unwrap_or(true))
        .collect();

    let pick = |i: usize| -> Result<MergeOutcome> {
        let (input, m) = parsed.get(i).ok_or(Error::NoValidConfig)?;
        Ok(MergeOutcome {
            message: (*m).clone(),
            merged: false,
            unmerged_input: Some(*input),
            unmerged_parsed_index: Some(i),
            skipped: skipped.clone(),
        })
    };
    if let [only] = live.as_slice() {
        return pick(*only);
    }
    if verifying && signer.is_none() {
        let best = live
            .iter()
            .copied()
            .max_by_key(|&i| parsed.get(i).map(|(_, m)| m.seq_hash()))
            .ok_or(Error::NoValidConfig)?;
        return pick(best);
    }

    // Merge: highest (seqno, hash) first; first insertion into the replay map wins.
    let mut order: Vec<&ConfigMessage> = live
        .iter()
        .filter_map(|&i| parsed.get(i).map(|(_, m)| *m))
        .collect();
    order.sort_by_key(|m| std::cmp::Reverse(m.seq_hash()));
    let first = order.first().ok_or(Error::NoValidConfig)?;
    let mut data = first.data().clone();
    let mut replay: BTreeMap<SeqHash, (&Diff, usize)> = BTreeMap::new();
    for (idx, m) in order.iter().enumerate() {
        replay.entry(m.seq_hash()).or_insert((m.diff(), idx));
        for (key, d) in m.lagged() {
            replay.entry(*key).or_insert((d, idx));
        }
    }
    let seqno = max.saturating_add(1);
    let low = i128::from(seqno) - i128::from(lag);
    let mut lagged: BTreeMap<SeqHash, Diff> = BTreeMap::new();
    for (key, (d, idx)) in &replay {
        if let Some(src) = order.get(*idx) {
            apply_diff(&mut data, d, src.data());
        }
        // Every entry is replayed; only those within the lag window are written.
        if i128::from(key.0) > low {
            lagged.insert(*key, (*d).clone());
        }
    }
    prune(&mut data);
    let merged = ConfigMessage::build(
        seqno,
        data,
        Diff::new(),
        lagged,
        BTreeMap::new(),
        lag,
        signer,
    );
    Ok(MergeOutcome {
        message: merged,
        merged: true,
        unmerged_input: None,
        unmerged_parsed_index: None,
        skipped,
    })
}
