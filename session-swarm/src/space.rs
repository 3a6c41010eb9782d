//! Swarm space: the 64-bit position of an id and the closest-swarm rule (spec §2.1–2.3).

use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};

/// A swarm id: a point on the 64-bit ring.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SwarmId(u64);

/// `2^64 − 1`: marks decommissioned nodes, which belong to no swarm (spec §2.3).
pub const INVALID_SWARM_ID: SwarmId = SwarmId(u64::MAX);

impl SwarmId {
    /// Wraps a raw swarm id.
    #[must_use]
    pub const fn new(id: u64) -> Self {
        Self(id)
    }
    /// The raw u64.
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }
    /// Whether this is [`INVALID_SWARM_ID`] (no swarm).
    #[must_use]
    pub const fn is_invalid(self) -> bool {
        self.0 == u64::MAX
    }
    /// The lowercase hex form used by `get_swarm` answers (no `0x`, no leading zeros).
    #[must_use]
    pub fn to_hex(self) -> String {
        format!("{:x}", self.0)
    }
    /// Parses the hex form of `get_swarm` answers (1–16 hex digits, either case).
    ///
    /// # Errors
    /// [`Error::InvalidHex`] for empty, over-long or non-hex text.
    pub fn from_hex(s: &str) -> Result<Self> {
        if s.is_empty() || s.len() > 16 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::InvalidHex);
        }
        u64::from_str_radix(s, 16)
            .map(Self)
            .map_err(|_| Error::InvalidHex)
    }
}

impl fmt::Display for SwarmId {
    /// Decimal, as in node lists and the vectors.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl From<u64> for SwarmId {
    fn from(v: u64) -> Self {
        Self(v)
    }
}

/// The id a swarm is keyed by: one prefix byte and 32 key bytes, any prefix (`05` Account IDs,
/// `03` group ids, others).
///
/// This is the storage server's "user pubkey"; only the 32 key bytes decide the swarm, but the
/// prefix is part of message hashes and of response signatures.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SwarmPubkey([u8; 33]);

impl SwarmPubkey {
    /// From the 33 bytes (prefix ‖ key).
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 33]) -> Self {
        Self(*bytes)
    }
    /// From a prefix byte and the 32 key bytes.
    #[must_use]
    pub fn from_parts(prefix: u8, key: &[u8; 32]) -> Self {
        let mut b = [0u8; 33];
        b[0] = prefix;
        b[1..].copy_from_slice(key);
        Self(b)
    }
    /// The 33 bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 33] {
        &self.0
    }
    /// The prefix byte (`0x05`, `0x03`, ...).
    #[must_use]
    pub const fn prefix(&self) -> u8 {
        self.0[0]
    }
    /// The 32 key bytes after the prefix.
    #[must_use]
    pub fn key(&self) -> [u8; 32] {
        let mut k = [0u8; 32];
        k.copy_from_slice(&self.0[1..]);
        k
    }
    /// The 66-digit lowercase hex form (`prefixed_hex`).
    #[must_use]
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
    /// The id's swarm-space position.
    #[must_use]
    pub fn swarm_space(&self) -> u64 {
        let word = |i: usize| {
            let mut w = [0u8; 8];
            w.copy_from_slice(&self.0[1 + 8 * i..9 + 8 * i]);
            u64::from_be_bytes(w)
        };
        word(0) ^ word(1) ^ word(2) ^ word(3)
    }
}

impl From<&session_identity::AccountId> for SwarmPubkey {
    fn from(id: &session_identity::AccountId) -> Self {
        Self(id.to_bytes())
    }
}

impl From<&session_identity::GroupId> for SwarmPubkey {
    fn from(id: &session_identity::GroupId) -> Self {
        Self(id.to_bytes())
    }
}

impl From<&session_identity::SessionId> for SwarmPubkey {
    fn from(id: &session_identity::SessionId) -> Self {
        Self(id.to_bytes())
    }
}

impl TryFrom<&[u8]> for SwarmPubkey {
    type Error = Error;
    fn try_from(b: &[u8]) -> Result<Self> {
        let arr: [u8; 33] = b.try_into().map_err(|_| Error::InvalidLength {
            expected: 33,
            got: b.len(),
        })?;
        Ok(Self(arr))
    }
}

impl FromStr for SwarmPubkey {
    type Err = Error;
    /// 66 hex digits (either case).
    fn from_str(s: &str) -> Result<Self> {
        if s.len() != 66 {
            return Err(
                if s.bytes().all(|b| b.is_ascii_hexdigit()) && s.len() % 2 == 0 {
                    Error::InvalidLength {
                        expected: 33,
                        got: s.len() / 2,
                    }
                } else {
                    Error::InvalidHex
                },
            );
        }
        let mut b = [0u8; 33];
        let mut bad = 0u8;
        for (out, pair) in b.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
            let hi = HEX_VALUES[usize::from(pair[0])];
            let lo = HEX_VALUES[usize::from(pair[1])];
            bad |= hi | lo;
            *out = (hi << 4) | (lo & 0x0f);
        }
        if bad & 0xf0 != 0 {
            return Err(Error::InvalidHex);
        }
        Ok(Self(b))
    }
}

/// Hex digit values; 0xff marks a non-hex byte.
const HEX_VALUES: [u8; 256] = {
    let mut t = [0xffu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'a' as usize + i] = 10 + i as u8;
        t[b'A' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

impl fmt::Display for SwarmPubkey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for SwarmPubkey {
    /// Shortened, as ids are user data (`05ab…cd`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let h = self.to_hex();
        write!(f, "SwarmPubkey({}…{})", &h[..4], &h[62..])
    }
}

/// The swarm-space position of a 32-byte key (the bytes after the prefix): the XOR of its four
/// big-endian u64 words (spec §2.1).
#[must_use]
pub fn swarm_space(key: &[u8; 32]) -> u64 {
    key.chunks_exact(8).fold(0u64, |acc, c| {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        acc ^ u64::from_be_bytes(w)
    })
}

/// The index of the swarm serving position `x` in `sorted` (ascending, unique ids): the nearest
/// id on the ring, ties to the left neighbour (which, below the first id, is the last id).
///
/// Runs in O(log n). `None` only when `sorted` is empty.
#[must_use]
pub fn closest_swarm_index(sorted: &[u64], x: u64) -> Option<usize> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    if n == 1 {
        return Some(0);
    }
    let r = sorted.partition_point(|&id| id < x);
    let r = if r == n { 0 } else { r };
    let l = if r == 0 { n - 1 } else { r - 1 };
    let (right, left) = (*sorted.get(r)?, *sorted.get(l)?);
    let dright = right.wrapping_sub(x);
    let dleft = x.wrapping_sub(left);
    Some(if dright < dleft { r } else { l })
}

/// The swarm serving position `x` among `swarm_ids` (any order, duplicates ignored); `None`
/// when there are no swarms (spec §2.2).
///
/// Sorts a copy; for repeated lookups build a [`crate::SwarmTable`].
#[must_use]
pub fn closest_swarm(swarm_ids: &[SwarmId], x: u64) -> Option<SwarmId> {
    let mut ids: Vec<u64> = swarm_ids.iter().map(|s| s.0).collect();
    ids.sort_unstable();
    ids.dedup();
    closest_swarm_index(&ids, x)
        .and_then(|i| ids.get(i))
        .map(|&v| SwarmId(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pos(hex_tail: &str) -> u64 {
        u64::from_str_radix(hex_tail, 16).unwrap()
    }

    #[test]
    fn reference_wrap_and_ties() {
        let ids: Vec<SwarmId> = [100u64, 200, 300, 399, 498, 596, 694, u64::MAX - 19]
            .into_iter()
            .map(SwarmId)
            .collect();
        assert_eq!(closest_swarm(&ids, 40), Some(SwarmId(u64::MAX - 19)));
        assert_eq!(closest_swarm(&ids, 41), Some(SwarmId(100)));
        assert_eq!(closest_swarm(&ids, 150), Some(SwarmId(100)));
        assert_eq!(closest_swarm(&ids, 151), Some(SwarmId(200)));
        assert_eq!(closest_swarm(&ids, 694), Some(SwarmId(694)));
        assert_eq!(closest_swarm(&ids, u64::MAX), Some(SwarmId(u64::MAX - 19)));
        assert_eq!(closest_swarm(&[], 5), None);
        assert_eq!(closest_swarm(&[SwarmId(7)], 5), Some(SwarmId(7)));
        assert_eq!(pos("ff"), 255);
    }

    #[test]
    fn swarm_space_xors_big_endian_words() {
        let mut k = [0u8; 32];
        k[7] = 1;
        k[15] = 2;
        assert_eq!(swarm_space(&k), 3);
        let id: SwarmPubkey = "0500000000000000000000000000000000000000000000000000000000000001f2"
            .parse()
            .unwrap();
        assert_eq!(id.swarm_space(), 0x1f2);
        let upper: SwarmPubkey =
            "05ABCDEF00000000000000000000000000000000000000000000000000000001F2"
                .parse()
                .unwrap();
        assert_eq!(
            upper.to_hex(),
            "05abcdef00000000000000000000000000000000000000000000000000000001f2"
        );
        assert!(
            "05g0000000000000000000000000000000000000000000000000000000000001f2"
                .parse::<SwarmPubkey>()
                .is_err()
        );
        assert!(matches!(
            "0500".parse::<SwarmPubkey>(),
            Err(Error::InvalidLength { .. })
        ));
        assert_eq!(SwarmId::from_hex("1f2").unwrap(), SwarmId(0x1f2));
        assert_eq!(SwarmId(0x1f2).to_hex(), "1f2");
        assert!(SwarmId::from_hex("").is_err());
        assert!(SwarmId::from_hex("10000000000000000").is_err());
    }
}
