//! The Monero-style mnemonic ("recovery password", identity.md §1.2–§1.3).
//!
//! A [`WordList`] is data: 1626 words and a unique-prefix length. The English list ships with
//! the crate ([`WordList::english`]); another language is added with [`WordList::new`] from its
//! word file, without code changes.

use std::collections::HashMap;
use std::sync::OnceLock;

use zeroize::Zeroizing;

use crate::{Error, Result};

/// Number of words in every Monero-style word list.
pub const WORD_LIST_LEN: usize = 1626;
const N: u64 = WORD_LIST_LEN as u64;

/// The English list (© The Monero Project, BSD-3-Clause; see the crate's NOTICE file).
const ENGLISH_TXT: &str = include_str!("../data/english.txt");

/// A mnemonic word list: 1626 words and the number of leading characters (Unicode code points)
/// that identify a word.
pub struct WordList {
    name: String,
    prefix_len: usize,
    words: Vec<String>,
    by_prefix: HashMap<String, u16>,
}

impl core::fmt::Debug for WordList {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WordList")
            .field("name", &self.name)
            .field("prefix_len", &self.prefix_len)
            .finish_non_exhaustive()
    }
}

fn prefix_of(word: &str, len: usize) -> &str {
    match word.char_indices().nth(len) {
        Some((i, _)) => word.get(..i).unwrap_or(word),
        None => word,
    }
}

impl WordList {
    /// A word list from its text: one word per line (blank lines ignored), in index order.
    ///
    /// # Errors
    /// [`Error::InvalidWordList`] unless there are exactly 1626 words whose first `prefix_len`
    /// characters are all distinct.
    pub fn new(name: &str, prefix_len: usize, text: &str) -> Result<Self> {
        let words: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect();
        if words.len() != WORD_LIST_LEN || prefix_len == 0 {
            return Err(Error::InvalidWordList);
        }
        let mut by_prefix = HashMap::with_capacity(WORD_LIST_LEN);
        for (i, w) in words.iter().enumerate() {
            let idx = u16::try_from(i).map_err(|_| Error::InvalidWordList)?;
            if by_prefix
                .insert(prefix_of(w, prefix_len).to_owned(), idx)
                .is_some()
            {
                return Err(Error::InvalidWordList);
            }
        }
        Ok(Self {
            name: name.to_owned(),
            prefix_len,
            words,
            by_prefix,
        })
    }

    /// The English list (unique prefix length 3), the only one Session's clients use.
    #[must_use]
    pub fn english() -> &'static WordList {
        static ENGLISH: OnceLock<WordList> = OnceLock::new();
        ENGLISH.get_or_init(|| {
            // The embedded file is checked by a unit test; a failure here is impossible at
            // run time, but fall back to an empty list rather than panic.
            WordList::new("English", 3, ENGLISH_TXT).unwrap_or_else(|_| WordList {
                name: String::from("English"),
                prefix_len: 3,
                words: Vec::new(),
                by_prefix: HashMap::new(),
            })
        })
    }

    /// The list's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The unique-prefix length, in characters.
    #[must_use]
    pub fn prefix_len(&self) -> usize {
        self.prefix_len
    }

    /// The word at `index`, if any.
    #[must_use]
    pub fn word(&self, index: usize) -> Option<&str> {
        self.words.get(index).map(String::as_str)
    }

    /// The index of the word identified by the first `prefix_len` characters of `word`
    /// (already lowercased); extra characters are ignored.
    #[must_use]
    pub fn lookup(&self, word: &str) -> Option<usize> {
        self.by_prefix
            .get(prefix_of(word, self.prefix_len))
            .map(|&i| usize::from(i))
    }

    fn checksum_index(&self, words: &[&str]) -> usize {
        let mut crc = Crc32::new();
        for w in words {
            crc.update(prefix_of(w, self.prefix_len).as_bytes());
        }
        let n = words.len().max(1);
        (crc.finish() as usize) % n
    }

    /// Encodes `data` (a multiple of 4 bytes) as words: three per 4-byte little-endian chunk,
    /// plus, with `checksum`, a repeat of the data word chosen by CRC-32 of the prefixes.
    ///
    /// # Errors
    /// [`Error::InvalidLength`] if `data.len()` is not a multiple of 4.
    pub fn encode(&self, data: &[u8], checksum: bool) -> Result<Zeroizing<String>> {
        if data.len() % 4 != 0 || self.words.len() != WORD_LIST_LEN {
            return Err(Error::InvalidLength);
        }
        let mut words: Vec<&str> = Vec::with_capacity(data.len() / 4 * 3 + 1);
        for chunk in data.chunks_exact(4) {
            let mut b = [0u8; 4];
            b.copy_from_slice(chunk);
            let v = u64::from(u32::from_le_bytes(b));
            let i1 = v % N;
            let i2 = (v / N + i1) % N;
            let i3 = (v / N / N + i2) % N;
            for i in [i1, i2, i3] {
                words.push(self.word(i as usize).ok_or(Error::InvalidLength)?);
            }
        }
        if checksum && !words.is_empty() {
            let idx = self.checksum_index(&words);
            let w = words.get(idx).copied().ok_or(Error::InvalidLength)?;
            words.push(w);
        }
        Ok(Zeroizing::new(words.join(" ")))
    }

    /// Decodes words (3n, or 3n+1 with the checksum word; n ≥ 1) back to bytes. Words are
    /// split on whitespace and ASCII-lowercased; only their first `prefix_len` characters count.
    ///
    /// # Errors
    /// Checked in this order: [`Error::InvalidWordCount`], [`Error::UnknownWord`] (every word,
    /// the checksum word included), [`Error::InvalidValue`] (a triple encoding 2^32 or more),
    /// [`Error::ChecksumMismatch`].
    pub fn decode(&self, phrase: &str) -> Result<Zeroizing<Vec<u8>>> {
        let lower = Zeroizing::new(phrase.to_ascii_lowercase());
        let words: Vec<&str> = lower.split_whitespace().collect();
        let n = words.len();
        if n < 3 || n % 3 == 2 {
            return Err(Error::InvalidWordCount);
        }
        let mut indices = Zeroizing::new(Vec::with_capacity(n));
        for w in &words {
            indices.push(self.lookup(w).ok_or(Error::UnknownWord)? as u64);
        }
        let data_len = n - n % 3;
        let mut out = Zeroizing::new(Vec::with_capacity(data_len / 3 * 4));
        for t in indices.get(..data_len).unwrap_or(&[]).chunks_exact(3) {
            let (a, b, c) = (t[0], t[1], t[2]);
            let x = a + N * ((N - a + b) % N) + N * N * ((N - b + c) % N);
            let x = u32::try_from(x).map_err(|_| Error::InvalidValue)?;
            out.extend_from_slice(&x.to_le_bytes());
        }
        if n % 3 == 1 {
            let data_words = words.get(..data_len).unwrap_or(&[]);
            let idx = self.checksum_index(data_words);
            let expected = data_words.get(idx).map(|w| prefix_of(w, self.prefix_len));
            let got = words.last().map(|w| prefix_of(w, self.prefix_len));
            if expected.is_none() || expected != got {
                return Err(Error::ChecksumMismatch);
            }
        }
        Ok(out)
    }
}

/// CRC-32/ISO-HDLC (zlib `crc32`), bitwise: only used for the checksum word.
struct Crc32(u32);

impl Crc32 {
    fn new() -> Self {
        Self(0xffff_ffff)
    }
    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u32::from(b);
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xedb8_8320 & mask);
            }
        }
    }
    fn finish(&self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_list_is_embedded() {
        let e = WordList::english();
        assert_eq!(e.words.len(), WORD_LIST_LEN);
        assert_eq!(e.word(0), Some("abbey"));
        assert_eq!(e.word(1625), Some("zoom"));
        assert_eq!(e.lookup("zoo"), Some(1625));
        assert_eq!(e.lookup("zo"), None);
    }

    #[test]
    fn crc32_check_value() {
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.finish(), 0xcbf4_3926);
    }

    #[test]
    fn encode_decode_examples() {
        let e = WordList::english();
        assert_eq!(
            e.encode(&[1, 2, 3, 4], false).unwrap().as_str(),
            "object anxiety asked"
        );
        let data: Vec<u8> = (0u8..16).collect();
        let phrase = e.encode(&data, true).unwrap();
        assert_eq!(
            phrase.as_str(),
            "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed faxed"
        );
        assert_eq!(e.decode(&phrase).unwrap().as_slice(), data.as_slice());
        assert_eq!(e.encode(&[1, 2, 3], true).err(), Some(Error::InvalidLength));
        assert_eq!(
            e.decode("abbey abbey zoom").err(),
            Some(Error::InvalidValue)
        );
        assert_eq!(e.decode("").err(), Some(Error::InvalidWordCount));
        assert_eq!(e.decode("abbey abbey").err(), Some(Error::InvalidWordCount));
    }

    #[test]
    fn other_languages_are_data() {
        let text: String = (0..WORD_LIST_LEN).map(|i| format!("w{i:04}x\n")).collect();
        let list = WordList::new("Test", 5, &text).unwrap();
        let phrase = list.encode(&[9, 8, 7, 6], true).unwrap();
        assert_eq!(list.decode(&phrase).unwrap().as_slice(), &[9, 8, 7, 6]);
        assert_eq!(
            WordList::new("Bad", 1, &text).err(),
            Some(Error::InvalidWordList)
        );
    }
}
