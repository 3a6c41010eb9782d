//! Helpers shared by the fuzz targets: a cursor that splits the fuzzer's bytes into the
//! fixed-size fields a target needs, and the fixed keys some targets use.
//!
//! Every target takes its variable fields from the front of the input with [`Cursor`]; when the
//! input runs short the missing bytes read as zeros, so every input is a valid call.

#![forbid(unsafe_code)]

use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

/// Reads fields from the front of the fuzzer input.
#[derive(Debug, Clone)]
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    /// A cursor over the whole input.
    #[must_use]
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    /// One byte (0 once the input is exhausted).
    pub fn byte(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    /// A little-endian u16.
    pub fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    /// A little-endian u32.
    pub fn u32(&mut self) -> u32 {
        u32::from_le_bytes(self.array())
    }

    /// A little-endian u64.
    pub fn u64(&mut self) -> u64 {
        u64::from_le_bytes(self.array())
    }

    /// `N` bytes, zero-filled when the input runs short.
    pub fn array<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.data.len());
        out[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        out
    }

    /// Up to `n` bytes.
    pub fn take(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    /// A field prefixed by a one-byte length.
    pub fn short_field(&mut self) -> &'a [u8] {
        let n = usize::from(self.byte());
        self.take(n)
    }

    /// Everything left.
    #[must_use]
    pub fn rest(self) -> &'a [u8] {
        self.data
    }
}

/// A deterministic RNG for targets that must encrypt something first.
#[must_use]
pub fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0x5e55_1011)
}

/// The Ed25519 seed the protocol vectors use for their recipient
/// (`00112233445566778899aabbccddeeff` followed by 16 zero bytes).
pub const VECTOR_RECIPIENT_SEED: [u8; 32] = [
    0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
];
