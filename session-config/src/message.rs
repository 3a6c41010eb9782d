//! The config message (spec §3): byte-exact parsing and serialisation, unknown top-level keys,
//! seqno / diff / lagged-diff bookkeeping and group signatures (§5).

use std::collections::BTreeMap;

use session_bencode::{self as bt, Value};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey, Signature};

use crate::diff::{Diff, compute_diff, diff_from_bt, encode_diff_into};
use crate::error::{Error, Result};
use crate::value::{ConfigDict, dict_from_bt, encode_dict_into};

/// The default lag: how many seqnos of diffs a message carries (its own plus four earlier).
pub const DEFAULT_LAG: i64 = 5;

/// A message's identity in merges and lagged lists: `(seqno, config hash)`.
pub type SeqHash = (i64, [u8; 32]);

/// The unkeyed BLAKE2b-256 of a serialised message (its `config_hash`).
#[must_use]
pub fn config_hash(bytes: &[u8]) -> [u8; 32] {
    session_identity::hash::blake2b_256(&[bytes])
}

/// The length of the `1:~64:<sig>` key and value that end a signed message before its `e`.
const SIG_SUFFIX_LEN: usize = 3 + 3 + 64;

/// A parsed (or freshly serialised) config message. It keeps its exact bytes, so
/// [`ConfigMessage::bytes`] is the input of [`ConfigMessage::parse`] byte for byte.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigMessage {
    seqno: i64,
    data: ConfigDict,
    diff: Diff,
    lagged: BTreeMap<SeqHash, Diff>,
    unknown: BTreeMap<Vec<u8>, Vec<u8>>,
    signature: Option<[u8; 64]>,
    verified: bool,
    lag: i64,
    bytes: Vec<u8>,
    hash: [u8; 32],
}

fn invalid(why: &'static str) -> Error {
    Error::InvalidConfig(why)
}

impl ConfigMessage {
    /// Parses and validates a plaintext message (spec §3.3). With `verifier`, a missing
    /// signature is [`Error::MissingSignature`] and a bad one [`Error::SignatureInvalid`];
    /// without, a present 64-byte signature is kept but not checked. Lagged diffs with
    /// `seqno <= message seqno − lag` are validated but dropped.
    ///
    /// # Errors
    /// [`Error::InvalidConfig`] for anything that breaks §3.3; the signature errors above.
    ///
    /// # Example
    /// ```
    /// use session_config::{ConfigMessage, DEFAULT_LAG};
    /// let m = ConfigMessage::parse(b"d1:#i0e1:&d1:ai1ee1:<le1:=d1:a0:ee", None, DEFAULT_LAG)?;
    /// assert_eq!(m.seqno(), 0);
    /// assert_eq!(m.bytes(), b"d1:#i0e1:&d1:ai1ee1:<le1:=d1:a0:ee");
    /// # Ok::<(), session_config::Error>(())
    /// ```
    pub fn parse(bytes: &[u8], verifier: Option<&Ed25519PublicKey>, lag: i64) -> Result<Self> {
        let root = bt::decode(bytes).map_err(|_| invalid("not a canonical bt dict"))?;
        let entries = root.as_dict().ok_or(invalid("not a dict"))?;
        let mut it = entries.iter().peekable();

        let seqno = match it.next() {
            Some((k, Value::Int(n))) if k.as_ref() == b"#" => {
                i64::try_from(*n).map_err(|_| invalid("seqno out of range"))?
            }
            _ => return Err(invalid("first key is not an integer #")),
        };
        let mut unknown = BTreeMap::new();
        let mut skip_until = |it: &mut std::iter::Peekable<std::slice::Iter<'_, bt::Entry<'_>>>,
                              stop: &[u8]| {
            while let Some((k, v)) = it.peek() {
                if k.as_ref() >= stop {
                    break;
                }
                unknown.insert(k.to_vec(), v.to_bytes());
                it.next();
            }
        };

        skip_until(&mut it, b"&");
        let data = match it.next() {
            Some((k, v)) if k.as_ref() == b"&" => dict_from_bt(v, true)?,
            _ => return Err(invalid("missing & data")),
        };

        skip_until(&mut it, b"<");
        let mut lagged = BTreeMap::new();
        match it.peek() {
            None => return Err(invalid("message ends after the data")),
            Some((k, v)) if k.as_ref() == b"<" => {
                lagged = parse_lags(v, seqno, lag)?;
                it.next();
            }
            Some(_) => {}
        }

        skip_until(&mut it, b"=");
        let mut diff = Diff::new();
        match it.peek() {
            None => return Err(invalid("message ends after the lagged diffs")),
            Some((k, v)) if k.as_ref() == b"=" => {
                diff = diff_from_bt(v)?;
                it.next();
            }
            Some(_) => {}
        }

        skip_until(&mut it, b"~");
        let mut signature = None;
        if let Some((k, v)) = it.peek() {
            if k.as_ref() == b"~" {
                let sig: [u8; 64] = v
                    .as_bytes()
                    .and_then(|b| b.try_into().ok())
                    .ok_or(Error::SignatureInvalid)?;
                signature = Some(sig);
                it.next();
            }
        }
        if it.next().is_some() {
            return Err(invalid("key after the signature position"));
        }

        let mut verified = false;
        if let Some(pk) = verifier {
            let sig = signature.ok_or(Error::MissingSignature)?;
            let signed = bytes
                .len()
                .checked_sub(SIG_SUFFIX_LEN + 1)
                .and_then(|n| bytes.get(..n))
                .ok_or(Error::SignatureInvalid)?;
            pk.verify(signed, &Signature::from_bytes(&sig))
                .map_err(|_| Error::SignatureInvalid)?;
            verified = true;
        }

        Ok(Self {
            seqno,
            data,
            diff,
            lagged,
            unknown,
            signature,
            verified,
            lag,
            bytes: bytes.to_vec(),
            hash: config_hash(bytes),
        })
    }

    /// The empty message of a new config object: seqno 0, no data, unsigned.
    #[must_use]
    pub fn empty(lag: i64) -> Self {
        MutableConfigMessage::fresh(0, ConfigDict::new(), lag).serialise(None)
    }

    /// The seqno (`#`).
    #[must_use]
    pub fn seqno(&self) -> i64 {
        self.seqno
    }

    /// The data (`&`).
    #[must_use]
    pub fn data(&self) -> &ConfigDict {
        &self.data
    }

    /// This message's own diff (`=`).
    #[must_use]
    pub fn diff(&self) -> &Diff {
        &self.diff
    }

    /// The lagged diffs kept (`<`, ascending by seqno then hash).
    #[must_use]
    pub fn lagged(&self) -> &BTreeMap<SeqHash, Diff> {
        &self.lagged
    }

    /// Unknown top-level keys with their raw bt values.
    #[must_use]
    pub fn unknown(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.unknown
    }

    /// The `~` signature, if present.
    #[must_use]
    pub fn signature(&self) -> Option<&[u8; 64]> {
        self.signature.as_ref()
    }

    /// Whether a signature was present and verified (at parse or because this crate signed it).
    #[must_use]
    pub fn signature_verified(&self) -> bool {
        self.verified
    }

    /// The exact serialised bytes.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// BLAKE2b-256 of [`ConfigMessage::bytes`].
    #[must_use]
    pub fn hash(&self) -> [u8; 32] {
        self.hash
    }

    /// `(seqno, hash)`.
    #[must_use]
    pub fn seq_hash(&self) -> SeqHash {
        (self.seqno, self.hash)
    }

    /// The lag this message was parsed or built with.
    #[must_use]
    pub fn lag(&self) -> i64 {
        self.lag
    }

    /// The next message (spec §3.4): seqno + 1, the same data, and the lagged diffs that stay
    /// within the lag plus this message's own diff. Unknown top-level keys are kept (§9.1).
    #[must_use]
    pub fn increment(&self) -> MutableConfigMessage {
        let mut lagged = window(&self.lagged, self.seqno, self.lag);
        lagged.insert(self.seq_hash(), self.diff.clone());
        MutableConfigMessage {
            seqno: self.seqno.saturating_add(1),
            data: self.data.clone(),
            orig: self.data.clone(),
            lagged,
            unknown: self.unknown.clone(),
            lag: self.lag,
        }
    }

    /// A mutable message with this one's seqno, data, lagged diffs and unknown keys whose
    /// diff starts empty: serialising it unchanged gives this message again (for a merge
    /// result, whose own diff is empty; re-signed with the same key if it was signed).
    #[must_use]
    pub fn to_mutable_same_seqno(&self) -> MutableConfigMessage {
        MutableConfigMessage {
            seqno: self.seqno,
            data: self.data.clone(),
            orig: self.data.clone(),
            lagged: self.lagged.clone(),
            unknown: self.unknown.clone(),
            lag: self.lag,
        }
    }
}

/// The lagged diffs a message of `seqno` carries: `seqno − lag < s < seqno`.
pub(crate) fn window(
    lagged: &BTreeMap<SeqHash, Diff>,
    seqno: i64,
    lag: i64,
) -> BTreeMap<SeqHash, Diff> {
    let low = i128::from(seqno) - i128::from(lag);
    lagged
        .iter()
        .filter(|((s, _), _)| i128::from(*s) > low && *s < seqno)
        .map(|(k, v)| (*k, v.clone()))
        .collect()
}

fn parse_lags(v: &Value<'_>, seqno: i64, lag: i64) -> Result<BTreeMap<SeqHash, Diff>> {
    let items = v.as_list().ok_or(invalid("lagged diffs are not a list"))?;
    let low = i128::from(seqno) - i128::from(lag);
    let mut out = BTreeMap::new();
    let mut last: Option<SeqHash> = None;
    for item in items {
        let [s, h, d] = item.as_list().ok_or(invalid("lag entry is not a list"))? else {
            return Err(invalid("lag entry does not have three elements"));
        };
        let s = s
            .as_i64()
            .ok_or(invalid("lag entry seqno is not an integer"))?;
        if s >= seqno {
            return Err(invalid("lag entry seqno not below the message seqno"));
        }
        // Too-old entries are dropped, but (our choice, spec §9.1) still checked for shape.
        let hash: [u8; 32] = h
            .as_bytes()
            .and_then(|b| b.try_into().ok())
            .ok_or(invalid("lag entry hash is not 32 bytes"))?;
        let diff = diff_from_bt(d)?;
        if i128::from(s) <= low {
            continue;
        }
        let key = (s, hash);
        if last.is_some_and(|l| l >= key) {
            return Err(invalid("lag entries not strictly increasing"));
        }
        last = Some(key);
        out.insert(key, diff);
    }
    Ok(out)
}

/// A message being built: the increment of a parsed message, a fresh message, or a merge
/// result. Its diff is computed at serialisation, from the data it started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutableConfigMessage {
    seqno: i64,
    data: ConfigDict,
    orig: ConfigDict,
    lagged: BTreeMap<SeqHash, Diff>,
    unknown: BTreeMap<Vec<u8>, Vec<u8>>,
    lag: i64,
}

impl MutableConfigMessage {
    /// A fresh message (spec §3.4): the given seqno, no history, `=` = everything in `data`.
    #[must_use]
    pub fn fresh(seqno: i64, data: ConfigDict, lag: i64) -> Self {
        Self {
            seqno,
            data,
            orig: ConfigDict::new(),
            lagged: BTreeMap::new(),
            unknown: BTreeMap::new(),
            lag,
        }
    }

    pub(crate) fn from_parts(
        seqno: i64,
        data: ConfigDict,
        orig: ConfigDict,
        lagged: BTreeMap<SeqHash, Diff>,
        unknown: BTreeMap<Vec<u8>, Vec<u8>>,
        lag: i64,
    ) -> Self {
        Self {
            seqno,
            data,
            orig,
            lagged,
            unknown,
            lag,
        }
    }

    /// The seqno.
    #[must_use]
    pub fn seqno(&self) -> i64 {
        self.seqno
    }

    /// The current data.
    #[must_use]
    pub fn data(&self) -> &ConfigDict {
        &self.data
    }

    /// The data the diff is computed from.
    #[must_use]
    pub fn orig_data(&self) -> &ConfigDict {
        &self.orig
    }

    /// The lagged diffs carried (all of them; serialisation writes only those in the window).
    #[must_use]
    pub fn lagged(&self) -> &BTreeMap<SeqHash, Diff> {
        &self.lagged
    }

    /// Unknown top-level keys.
    #[must_use]
    pub fn unknown(&self) -> &BTreeMap<Vec<u8>, Vec<u8>> {
        &self.unknown
    }

    /// The lag.
    #[must_use]
    pub fn lag(&self) -> i64 {
        self.lag
    }

    /// Replaces the data (pruned first).
    pub fn set_data(&mut self, mut data: ConfigDict) {
        crate::value::prune(&mut data);
        self.data = data;
    }

    /// Mutable access to the data; prune afterwards with [`crate::prune`] (serialisation prunes
    /// too).
    pub fn data_mut(&mut self) -> &mut ConfigDict {
        &mut self.data
    }

    /// The diff this message will carry: from its starting data to its current data.
    #[must_use]
    pub fn diff(&self) -> Diff {
        let mut data = self.data.clone();
        crate::value::prune(&mut data);
        compute_diff(&self.orig, &data)
    }

    /// Serialises (spec §3.5), signing with `signer` when given (spec §5).
    #[must_use]
    pub fn serialise(&self, signer: Option<&Ed25519KeyPair>) -> ConfigMessage {
        let mut data = self.data.clone();
        crate::value::prune(&mut data);
        let diff = compute_diff(&self.orig, &data);
        let lagged = window(&self.lagged, self.seqno, self.lag);
        ConfigMessage::build(
            self.seqno,
            data,
            diff,
            lagged,
            self.unknown.clone(),
            self.lag,
            signer,
        )
    }
}

impl ConfigMessage {
    /// Serialises the parts of a message (spec §3.5) and keeps them with the bytes: `data`
    /// pruned, `lagged` already limited to the lag window.
    pub(crate) fn build(
        seqno: i64,
        data: ConfigDict,
        diff: Diff,
        lagged: BTreeMap<SeqHash, Diff>,
        unknown: BTreeMap<Vec<u8>, Vec<u8>>,
        lag: i64,
        signer: Option<&Ed25519KeyPair>,
    ) -> Self {
        let mut fixed: BTreeMap<&[u8], Vec<u8>> = BTreeMap::new();
        let mut v = Vec::new();
        bt::put_int(&mut v, seqno);
        fixed.insert(b"#", v);
        let mut v = Vec::new();
        encode_dict_into(&data, &mut v);
        fixed.insert(b"&", v);
        let mut v = vec![b'l'];
        for ((s, h), d) in &lagged {
            v.push(b'l');
            bt::put_int(&mut v, *s);
            bt::put_bytes(&mut v, h);
            encode_diff_into(d, &mut v);
            v.push(b'e');
        }
        v.push(b'e');
        fixed.insert(b"<", v);
        let mut v = Vec::new();
        encode_diff_into(&diff, &mut v);
        fixed.insert(b"=", v);
        for (k, raw) in &unknown {
            // Parsing never yields an unknown key equal to a fixed one or at/after `~`.
            if k.as_slice() < b"~".as_slice() {
                fixed.entry(k.as_slice()).or_insert_with(|| raw.clone());
            }
        }

        let mut out = Vec::with_capacity(fixed.values().map(Vec::len).sum::<usize>() + 96);
        out.push(b'd');
        for (k, raw) in &fixed {
            bt::put_bytes(&mut out, k);
            out.extend_from_slice(raw);
        }
        let signature = signer.map(|kp| {
            let sig = kp.sign(&out).to_bytes();
            bt::put_bytes(&mut out, b"~");
            bt::put_bytes(&mut out, &sig);
            sig
        });
        out.push(b'e');
        let hash = config_hash(&out);
        ConfigMessage {
            seqno,
            data,
            diff,
            lagged,
            unknown,
            signature,
            verified: signature.is_some(),
            lag,
            bytes: out,
            hash,
        }
    }

    /// [`ConfigMessage::to_mutable_same_seqno`], consuming the message.
    #[must_use]
    pub fn into_mutable_same_seqno(self) -> MutableConfigMessage {
        MutableConfigMessage {
            seqno: self.seqno,
            orig: self.data.clone(),
            data: self.data,
            lagged: self.lagged,
            unknown: self.unknown,
            lag: self.lag,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::decode_dict;

    #[test]
    fn fresh_message_matches_the_spec_example() {
        let data = decode_dict(b"d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee").unwrap();
        let m = MutableConfigMessage::fresh(10, data, DEFAULT_LAG).serialise(None);
        assert_eq!(
            m.bytes(),
            &b"d1:#i10e1:&d3:bard0:li42e1:a1:be4:asdfi123e3:xyz3:abce3:fooi123ee1:<le1:=d3:bard0:lli42e1:a1:belee4:asdf0:3:xyz0:e3:foo0:ee"[..]
        );
        let again = ConfigMessage::parse(m.bytes(), None, DEFAULT_LAG).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn signed_round_trip_and_tamper() {
        let kp = Ed25519KeyPair::from_seed(&[7; 32]);
        let m = MutableConfigMessage::fresh(3, decode_dict(b"d1:ai1ee").unwrap(), 5)
            .serialise(Some(&kp));
        let pk = kp.public_key();
        let p = ConfigMessage::parse(m.bytes(), Some(&pk), 5).unwrap();
        assert!(p.signature_verified());
        let mut bad = m.bytes().to_vec();
        if let Some(b) = bad.get_mut(10) {
            *b ^= 1;
        }
        assert!(ConfigMessage::parse(&bad, Some(&pk), 5).is_err());
        let unsigned = MutableConfigMessage::fresh(3, ConfigDict::new(), 5).serialise(None);
        assert_eq!(
            ConfigMessage::parse(unsigned.bytes(), Some(&pk), 5),
            Err(Error::MissingSignature)
        );
    }

    #[test]
    fn unknown_keys_stay_in_place_through_increment() {
        let src = b"d1:#i5e1:$3:abc1:&d1:ai1ee1:<le1:=d1:a0:e1:>i7ee";
        let m = ConfigMessage::parse(src, None, 5).unwrap();
        assert_eq!(m.bytes(), src);
        let next = m.increment().serialise(None);
        let text = next.bytes();
        assert!(text.starts_with(b"d1:#i6e1:$3:abc1:&"));
        assert!(text.ends_with(b"1:=de1:>i7ee"));
    }
}
