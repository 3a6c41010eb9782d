//! Groups v2 (spec §3.1, §3.2): message encryption with the group key, and group key messages
//! (rekey, and reading one's key from a key message as a member or an admin).

use std::io::Read as _;

use rand_core::{CryptoRng, RngCore};
use session_identity::{AccountId, Ed25519KeyPair, Ed25519PublicKey, Signature};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};
use crate::multi::{MultiMessages, decrypt_for_multiple, encrypt_for_multiple};
use crate::symmetric::{TAG_LEN, XCHACHA_NONCE_LEN, blake2b_array, xc20p_decrypt, xc20p_encrypt};
use session_bencode::{self as bencode, Value};

/// The largest plaintext a group message may carry (libsession
/// `MAX_PLAINTEXT_MESSAGE_SIZE`), also the decompression cap.
pub const MAX_GROUP_PLAINTEXT: usize = 1_000_000;
/// The largest padding multiple accepted (a bigger one would only waste memory).
pub const MAX_GROUP_PADDING: usize = 1 << 20;
/// The padding multiple libsession uses by default.
pub const DEFAULT_GROUP_PADDING: usize = 256;

/// A groups-v2 symmetric encryption key (32 bytes).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct GroupKey([u8; 32]);

impl PartialEq for GroupKey {
    /// Constant-time comparison.
    fn eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }
}

impl Eq for GroupKey {}

impl GroupKey {
    /// Wraps 32 key bytes.
    #[must_use]
    pub const fn from_bytes(bytes: &[u8; 32]) -> Self {
        Self(*bytes)
    }

    /// The key bytes (secret).
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl TryFrom<&[u8]> for GroupKey {
    type Error = Error;
    /// 32 bytes, or 64 bytes of which the first 32 are used (as libsession accepts).
    fn try_from(bytes: &[u8]) -> Result<Self> {
        match bytes.len() {
            32 | 64 => {
                let mut k = [0u8; 32];
                k.copy_from_slice(bytes.get(..32).ok_or(Error::InvalidLength)?);
                Ok(Self(k))
            }
            _ => Err(Error::InvalidLength),
        }
    }
}

impl std::fmt::Debug for GroupKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupKey").finish_non_exhaustive()
    }
}

/// What the author signature of a group message covers (spec §3.1 step 4, pitfall 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// Current clients (libsession since 2025-02): `data ‖ group Ed25519 public key`.
    #[default]
    Current,
    /// Before 2025-02: the data only.
    Legacy,
}

/// A decrypted group message.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupMessage {
    /// The author's Ed25519 key (dict key `"a"`).
    pub author_ed25519: Ed25519PublicKey,
    /// The author's Account ID.
    pub author: AccountId,
    /// The plaintext (decompressed).
    pub plaintext: Vec<u8>,
}

impl std::fmt::Debug for GroupMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupMessage")
            .field("author", &self.author)
            .field("plaintext_len", &self.plaintext.len())
            .finish_non_exhaustive()
    }
}

fn signed_data(data: &[u8], group_pk: &Ed25519PublicKey, scheme: SignatureScheme) -> Vec<u8> {
    let mut v = data.to_vec();
    if scheme == SignatureScheme::Current {
        v.extend_from_slice(group_pk.as_bytes());
    }
    v
}

/// Encrypts a group message (spec §3.1): bencoded `{"": 1, "a": author, "d": data, "s": sig}`,
/// zero-padded so that `nonce ‖ ciphertext` is a multiple of `padding` (no padding when
/// `padding <= 1`), then `nonce(24, random) ‖ XChaCha20-Poly1305(group_key, nonce, ·)`.
///
/// This implementation never compresses (libsession compresses with zstd when that is smaller;
/// every receiver accepts both forms, and compressed bytes are not reproducible anyway).
///
/// # Errors
/// [`Error::TooLarge`] above [`MAX_GROUP_PLAINTEXT`], [`Error::InvalidParameter`] for a
/// `padding` above [`MAX_GROUP_PADDING`] or an empty `plaintext` (receivers refuse an empty
/// `"d"`, spec §3.1 decrypt step 4, so such a message could never be read).
pub fn encrypt_group_message(
    rng: &mut (impl CryptoRng + RngCore),
    author: &Ed25519KeyPair,
    group_key: &GroupKey,
    group_pk: &Ed25519PublicKey,
    plaintext: &[u8],
    padding: usize,
    scheme: SignatureScheme,
) -> Result<Vec<u8>> {
    let mut nonce = [0u8; XCHACHA_NONCE_LEN];
    rng.fill_bytes(&mut nonce);
    encrypt_group_core(
        author, group_key, group_pk, plaintext, padding, scheme, &nonce,
    )
}

/// [`encrypt_group_message`] with the nonce given (deterministic core for test vectors).
///
/// # Errors
/// As [`encrypt_group_message`].
#[cfg(feature = "testing")]
pub fn encrypt_group_message_with_nonce_for_testing(
    author: &Ed25519KeyPair,
    group_key: &GroupKey,
    group_pk: &Ed25519PublicKey,
    plaintext: &[u8],
    padding: usize,
    scheme: SignatureScheme,
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<u8>> {
    encrypt_group_core(
        author, group_key, group_pk, plaintext, padding, scheme, nonce,
    )
}

fn encrypt_group_core(
    author: &Ed25519KeyPair,
    group_key: &GroupKey,
    group_pk: &Ed25519PublicKey,
    plaintext: &[u8],
    padding: usize,
    scheme: SignatureScheme,
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<u8>> {
    if plaintext.len() > MAX_GROUP_PLAINTEXT {
        return Err(Error::TooLarge);
    }
    if plaintext.is_empty() || padding > MAX_GROUP_PADDING {
        return Err(Error::InvalidParameter);
    }
    let sig = author.sign(&signed_data(plaintext, group_pk, scheme));
    let mut dict = Zeroizing::new(Vec::with_capacity(plaintext.len() + 128));
    dict.push(b'd');
    bencode::put_bytes(&mut dict, b"");
    bencode::put_int(&mut dict, 1);
    bencode::put_bytes(&mut dict, b"a");
    bencode::put_bytes(&mut dict, author.public_key().as_bytes());
    bencode::put_bytes(&mut dict, b"d");
    bencode::put_bytes(&mut dict, plaintext);
    bencode::put_bytes(&mut dict, b"s");
    bencode::put_bytes(&mut dict, sig.as_bytes());
    dict.push(b'e');
    if padding > 1 {
        let total = XCHACHA_NONCE_LEN + TAG_LEN + dict.len();
        let rem = total % padding;
        if rem != 0 {
            let new_len = dict.len() + (padding - rem);
            dict.resize(new_len, 0);
        }
    }
    let mut out = nonce.to_vec();
    out.extend_from_slice(&xc20p_encrypt(group_key.as_bytes(), nonce, &dict));
    Ok(out)
}

/// The largest zstd window accepted on receive. libzstd sizes the window to the input, so a
/// message of at most 1 MB never needs more; a bigger declared window would only make the
/// decoder reserve memory up front.
const MAX_ZSTD_WINDOW: u64 = 8 << 20;

/// Decompresses one zstd frame (libsession compresses group messages and config messages with
/// zstd), refusing a declared window above 8 MiB and output longer than `max_len` bytes.
///
/// # Errors
/// [`Error::Decompression`] for a malformed frame, a too-large window or too much output.
pub fn zstd_decompress(z: &[u8], max_len: usize) -> Result<Vec<u8>> {
    let (frame, _) = ruzstd::frame::read_frame_header(z).map_err(|_| Error::Decompression)?;
    let window = frame
        .header
        .window_size()
        .map_err(|_| Error::Decompression)?;
    if window > MAX_ZSTD_WINDOW {
        return Err(Error::Decompression);
    }
    let mut dec = ruzstd::StreamingDecoder::new(z).map_err(|_| Error::Decompression)?;
    let mut out = Vec::new();
    let cap = u64::try_from(max_len).unwrap_or(u64::MAX).saturating_add(1);
    (&mut dec)
        .take(cap)
        .read_to_end(&mut out)
        .map_err(|_| Error::Decompression)?;
    if out.len() > max_len {
        return Err(Error::Decompression);
    }
    Ok(out)
}

/// Decrypts a group message (spec §3.1), trying each of `keys` in order, then verifies the
/// author signature under `scheme` and decompresses a `"z"` payload (zstd, capped at
/// [`MAX_GROUP_PLAINTEXT`]).
///
/// # Errors
/// [`Error::TooShort`] below 40 bytes, [`Error::DecryptionFailed`] when no key opens it,
/// [`Error::Malformed`] for a bad inner dict, [`Error::SignatureInvalid`] when the signature
/// does not verify or the author key does not convert to X25519,
/// [`Error::Decompression`] for bad compressed data.
pub fn decrypt_group_message(
    keys: &[GroupKey],
    group_pk: &Ed25519PublicKey,
    ciphertext: &[u8],
    scheme: SignatureScheme,
) -> Result<GroupMessage> {
    const WHAT: &str = "group message";
    if ciphertext.len() < XCHACHA_NONCE_LEN + TAG_LEN {
        return Err(Error::TooShort);
    }
    let (nonce, ct) = ciphertext.split_at(XCHACHA_NONCE_LEN);
    let plain = Zeroizing::new(
        keys.iter()
            .find_map(|k| xc20p_decrypt(k.as_bytes(), nonce, ct).ok())
            .ok_or(Error::DecryptionFailed)?,
    );
    let end = plain.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    let dict_bytes = plain.get(..end).unwrap_or_default();
    if dict_bytes.first() != Some(&b'd') || dict_bytes.last() != Some(&b'e') {
        return Err(Error::Malformed(WHAT));
    }
    let dict = bencode::decode(dict_bytes).map_err(|_| Error::Malformed(WHAT))?;
    if dict.get(b"").and_then(Value::as_i64) != Some(1) {
        return Err(Error::Malformed(WHAT));
    }
    let author = dict
        .get(b"a")
        .and_then(Value::as_bytes)
        .and_then(|a| Ed25519PublicKey::try_from(a).ok())
        .ok_or(Error::Malformed(WHAT))?;
    let sig = dict
        .get(b"s")
        .and_then(Value::as_bytes)
        .and_then(|s| Signature::try_from(s).ok())
        .ok_or(Error::Malformed(WHAT))?;
    let field = |k: &[u8]| -> Result<Option<&[u8]>> {
        match dict.get(k) {
            None => Ok(None),
            Some(Value::Bytes(b)) if !b.is_empty() => Ok(Some(b.as_ref())),
            Some(_) => Err(Error::Malformed(WHAT)),
        }
    };
    let (data, compressed) = match (field(b"d")?, field(b"z")?) {
        (Some(d), None) => (d, false),
        (None, Some(z)) => (z, true),
        _ => return Err(Error::Malformed(WHAT)),
    };
    // An author key that is no valid Ed25519 identity cannot have signed.
    let author_x = author.to_x25519().map_err(|_| Error::SignatureInvalid)?;
    author
        .verify(&signed_data(data, group_pk, scheme), &sig)
        .map_err(|_| Error::SignatureInvalid)?;
    let plaintext = if compressed {
        zstd_decompress(data, MAX_GROUP_PLAINTEXT)?
    } else {
        data.to_vec()
    };
    Ok(GroupMessage {
        author_ed25519: author,
        author: author_x.account_id(),
        plaintext,
    })
}

// ---------------------------------------------------------------------------------------------
// Key messages (§3.2)

const KEY_SEED: &[u8] = b"SessionGroupKeySeed";
const KEY_GEN: &[u8] = b"SessionGroupKeyGen";
const ADMIN_KEY: &[u8] = b"SessionGroupKeyAdminKey";
/// The multi-encrypt domain of the per-member key entries.
pub const MEMBER_KEY_DOMAIN: &[u8] = b"SessionGroupKeyMemberKey";
const JUNK_KEY: &[u8] = b"SessionGroupJunkMembers";
/// Entries of a key message's `"k"` list are padded (with junk) to a multiple of this.
const MEMBER_ENTRY_PAD: usize = 75;
/// A member entry: encrypted 32-byte key + tag.
const MEMBER_ENTRY_LEN: usize = 32 + TAG_LEN;
/// The signature trailer of a key message: `1:~64:<sig>e`.
const SIG_TRAILER: &[u8] = b"1:~64:";

fn seed_hash(group_seed: &[u8; 32], label: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    blake2b_array::<32>(label, &[group_seed])
}

/// A new group key and the signed key message that distributes it.
#[derive(Clone)]
pub struct Rekey {
    /// The new generation's encryption key.
    pub group_key: GroupKey,
    /// The generation.
    pub generation: u64,
    /// The bencoded, signed key message (stored in namespace 12).
    pub key_message: Vec<u8>,
}

impl std::fmt::Debug for Rekey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rekey")
            .field("generation", &self.generation)
            .field("key_message_len", &self.key_message.len())
            .finish_non_exhaustive()
    }
}

/// Derives the key of generation `generation` and builds its key message (libsession
/// `Keys::rekey`, spec §3.2) as a group admin holding the group's Ed25519 seed.
///
/// `members` are all members' Account IDs (admins included) in the members config's order. The
/// key depends only on the seed, the members and the generation, so this is deterministic.
/// Members whose X25519 computation fails are skipped; the `"k"` list is padded with
/// deterministic junk to a multiple of 75 entries.
///
/// # Errors
/// None in practice (the hash parameters are fixed); kept fallible for the hash helper.
pub fn group_rekey(group_seed: &[u8; 32], members: &[AccountId], generation: u64) -> Result<Rekey> {
    let group = Ed25519KeyPair::from_seed(group_seed);
    let h1 = members_hash::<56>(group_seed, members, generation.to_string().as_bytes())?;
    let mut key = [0u8; 32];
    key.copy_from_slice(h1.get(..32).unwrap_or(&[0u8; 32]));
    let group_key = GroupKey(key);
    key.zeroize();
    let mut nonce = [0u8; XCHACHA_NONCE_LEN];
    nonce.copy_from_slice(h1.get(32..56).unwrap_or(&[0u8; 24]));

    let admin_key = seed_hash(group_seed, ADMIN_KEY)?;
    let admin_entry = xc20p_encrypt(&admin_key, &nonce, group_key.as_bytes());

    let entries = member_entries(&group, members, group_key.as_bytes(), &nonce).unwrap_or_default();
    let n_junk = (MEMBER_ENTRY_PAD - entries.len() % MEMBER_ENTRY_PAD) % MEMBER_ENTRY_PAD;
    let junk = if n_junk == 0 {
        Vec::new()
    } else {
        let sk64 = group.to_libsodium_secret();
        let seed = blake2b_array::<32>(JUNK_KEY, &[&*h1, &*sk64])?;
        deterministic_random_bytes(&seed, n_junk * MEMBER_ENTRY_LEN)
    };

    let mut msg = Vec::with_capacity(200 + (entries.len() + n_junk) * 52);
    msg.push(b'd');
    bencode::put_bytes(&mut msg, b"#");
    bencode::put_bytes(&mut msg, &nonce);
    bencode::put_bytes(&mut msg, b"G");
    bencode::put_int(&mut msg, i64::try_from(generation).unwrap_or(i64::MAX));
    bencode::put_bytes(&mut msg, b"K");
    bencode::put_bytes(&mut msg, &admin_entry);
    bencode::put_bytes(&mut msg, b"k");
    msg.push(b'l');
    for e in &entries {
        bencode::put_bytes(&mut msg, e);
    }
    for j in junk.chunks(MEMBER_ENTRY_LEN) {
        bencode::put_bytes(&mut msg, j);
    }
    msg.push(b'e');
    sign_key_message(&group, &mut msg);
    Ok(Rekey {
        group_key,
        generation,
        key_message: msg,
    })
}

/// `BLAKE2b-N(sid_1 ‖ … ‖ sid_n ‖ middle ‖ H2; key = "SessionGroupKeyGen")` over the members'
/// hex Account IDs: what both kinds of key message derive their nonce (a rekey: and its key)
/// from.
fn members_hash<const N: usize>(
    group_seed: &[u8; 32],
    members: &[AccountId],
    middle: &[u8],
) -> Result<Zeroizing<[u8; N]>> {
    let h2 = seed_hash(group_seed, KEY_SEED)?;
    let sids: Vec<String> = members.iter().map(ToString::to_string).collect();
    let mut parts: Vec<&[u8]> = sids.iter().map(String::as_bytes).collect();
    parts.push(middle);
    parts.push(&*h2);
    blake2b_array::<N>(KEY_GEN, &parts)
}

/// `plaintext` encrypted for each of `members` by the group's X25519 key (members with an
/// invalid key skipped): a key message's member entries.
fn member_entries(
    group: &Ed25519KeyPair,
    members: &[AccountId],
    plaintext: &[u8],
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Vec<Vec<u8>>> {
    let recipients: Vec<_> = members.iter().map(AccountId::x25519_public_key).collect();
    encrypt_for_multiple(
        group.x25519_secret(),
        &group.x25519_public(),
        &recipients,
        MultiMessages::Same(plaintext),
        MEMBER_KEY_DOMAIN,
        nonce,
        true,
    )
}

/// Signs a key message's open bt dict `msg` with the group key and closes it: `1:~64:<sig>e`.
fn sign_key_message(group: &Ed25519KeyPair, msg: &mut Vec<u8>) {
    let sig = group.sign(msg);
    bencode::put_bytes(msg, b"~");
    bencode::put_bytes(msg, sig.as_bytes());
    msg.push(b'e');
}

/// libsodium `randombytes_buf_deterministic`: the ChaCha20 (RFC 8439) keystream under `seed`
/// with the nonce `"LibsodiumDRG"`, counter 0.
fn deterministic_random_bytes(seed: &[u8; 32], len: usize) -> Vec<u8> {
    use chacha20::cipher::{KeyIvInit, StreamCipher};
    let mut out = vec![0u8; len];
    let mut c = chacha20::ChaCha20::new(seed.into(), b"LibsodiumDRG".into());
    c.apply_keystream(&mut out);
    out
}

/// A group key read from a key message.
#[derive(Debug, Clone)]
pub struct ReceivedGroupKey {
    /// The key's generation (`"G"`).
    pub generation: u64,
    /// The key.
    pub key: GroupKey,
}

/// Who reads a key message.
#[derive(Clone, Copy)]
#[non_exhaustive]
pub enum KeyReader<'a> {
    /// A member, with their own Ed25519 key pair (tries every `"k"` entry).
    Member(&'a Ed25519KeyPair),
    /// An admin, with the group's Ed25519 seed (opens `"K"`).
    Admin(&'a [u8; 32]),
}

impl std::fmt::Debug for KeyReader<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            KeyReader::Member(kp) => f.debug_tuple("Member").field(kp).finish(),
            KeyReader::Admin(_) => f.debug_tuple("Admin").finish_non_exhaustive(),
        }
    }
}

/// A key message once its group signature verified: its bt dict, nonce `"#"` and generation
/// `"G"` (both kinds of key message carry them).
struct VerifiedKeyMessage<'m> {
    dict: Value<'m>,
    nonce: [u8; XCHACHA_NONCE_LEN],
    generation: u64,
}

/// A key message's bt dict once its group signature `"~"` (over everything before `1:~`)
/// verified, with its nonce and generation.
fn verified_key_message<'m>(
    key_message: &'m [u8],
    group_pk: &Ed25519PublicKey,
    what: &'static str,
) -> Result<VerifiedKeyMessage<'m>> {
    let body_len = key_message
        .len()
        .checked_sub(SIG_TRAILER.len() + 64 + 1)
        .ok_or(Error::Malformed(what))?;
    let (signed, trailer) = key_message.split_at(body_len);
    if !trailer.starts_with(SIG_TRAILER) || trailer.last() != Some(&b'e') {
        return Err(Error::Malformed(what));
    }
    let dict = bencode::decode(key_message).map_err(|_| Error::Malformed(what))?;
    let sig = dict
        .get(b"~")
        .and_then(Value::as_bytes)
        .and_then(|s| Signature::try_from(s).ok())
        .ok_or(Error::Malformed(what))?;
    group_pk
        .verify(signed, &sig)
        .map_err(|_| Error::SignatureInvalid)?;
    let nonce = dict
        .get(b"#")
        .and_then(Value::as_bytes)
        .and_then(|n| n.try_into().ok())
        .ok_or(Error::Malformed(what))?;
    let generation = dict
        .get(b"G")
        .and_then(Value::as_i64)
        .and_then(|g| u64::try_from(g).ok())
        .ok_or(Error::Malformed(what))?;
    Ok(VerifiedKeyMessage {
        dict,
        nonce,
        generation,
    })
}

/// Opens `member`'s entry among a key message's member entries (encrypted by the group's
/// X25519 key under `nonce`).
fn open_member_entry<'e>(
    entries: impl IntoIterator<Item = &'e [u8]>,
    group_pk: &Ed25519PublicKey,
    member: &Ed25519KeyPair,
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> Result<Zeroizing<Vec<u8>>> {
    let group_x = group_pk.to_x25519().map_err(|_| Error::InvalidPoint)?;
    let own_pk = member.x25519_secret().public_key();
    Ok(Zeroizing::new(decrypt_for_multiple(
        entries,
        member.x25519_secret(),
        &own_pk,
        &group_x,
        MEMBER_KEY_DOMAIN,
        nonce,
    )?))
}

/// Reads the group key from a key message (libsession `Keys::load_key_message`, for
/// non-supplemental messages): verifies the group signature `"~"`, then opens the admin entry
/// or the reader's member entry.
///
/// # Errors
/// [`Error::Malformed`] for a message that is not a signed key message (entries of the wrong
/// length, a member list not padded to a multiple of 75), [`Error::Unexpected`] for a
/// supplemental key message (not supported),
/// [`Error::SignatureInvalid`] when the group signature does not verify,
/// [`Error::DecryptionFailed`] when no entry opens for this reader.
pub fn read_group_key_message(
    key_message: &[u8],
    group_pk: &Ed25519PublicKey,
    reader: KeyReader<'_>,
) -> Result<ReceivedGroupKey> {
    const WHAT: &str = "group key message";
    let VerifiedKeyMessage {
        dict,
        nonce,
        generation,
    } = verified_key_message(key_message, group_pk, WHAT)?;
    if dict.get(b"+").is_some() {
        return Err(Error::Unexpected("supplemental key message"));
    }
    let admin_entry = dict
        .get(b"K")
        .and_then(Value::as_bytes)
        .filter(|k| k.len() == MEMBER_ENTRY_LEN)
        .ok_or(Error::Malformed(WHAT))?;
    // Every member entry is 48 bytes and the list is padded to a multiple of 75 (as libsession
    // checks for every reader, admin or member).
    let entries = dict
        .get(b"k")
        .and_then(Value::as_list)
        .and_then(|list| {
            list.iter()
                .map(|e| e.as_bytes().filter(|b| b.len() == MEMBER_ENTRY_LEN))
                .collect::<Option<Vec<&[u8]>>>()
        })
        .filter(|entries| entries.len() % MEMBER_ENTRY_PAD == 0)
        .ok_or(Error::Malformed(WHAT))?;
    let key = match reader {
        KeyReader::Admin(seed) => Zeroizing::new(xc20p_decrypt(
            &*seed_hash(seed, ADMIN_KEY)?,
            &nonce,
            admin_entry,
        )?),
        KeyReader::Member(member) => open_member_entry(entries, group_pk, member, &nonce)?,
    };
    let key = GroupKey::try_from(key.as_slice()).map_err(|_| Error::Malformed(WHAT))?;
    Ok(ReceivedGroupKey { generation, key })
}

// ---------------------------------------------------------------------------------------------
// Supplemental key messages (§3.2): every current key, for members added without a rekey

/// The smallest `"+"` entry: the encryption of `d1:gi0e1:k32:…1:ti0ee` (52 bytes) plus the tag.
const MIN_SUPPLEMENT_ENTRY_LEN: usize = 52 + TAG_LEN;

/// One group key with its generation and the time (ms) it was stored, as supplemental key
/// messages carry them.
#[derive(Clone, PartialEq, Eq)]
pub struct GroupKeyInfo {
    /// The key's generation.
    pub generation: u64,
    /// The key.
    pub key: GroupKey,
    /// When its key message was stored (unix ms).
    pub timestamp_ms: i64,
}

impl std::fmt::Debug for GroupKeyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupKeyInfo")
            .field("generation", &self.generation)
            .field("timestamp_ms", &self.timestamp_ms)
            .finish_non_exhaustive()
    }
}

/// The keys a member read from a supplemental key message.
#[derive(Debug, Clone)]
pub struct ReceivedSupplement {
    /// The newest generation the message covers (`"G"`).
    pub max_generation: u64,
    /// Every key it carries, in the message's order (ascending generation when an admin wrote
    /// it with [`group_key_supplement`]).
    pub keys: Vec<GroupKeyInfo>,
}

/// The bt list `[{g, k, t}…]` that a supplemental message encrypts for each member.
fn supplement_plaintext(keys: &[GroupKeyInfo]) -> Zeroizing<Vec<u8>> {
    let mut out = Zeroizing::new(Vec::with_capacity(2 + keys.len() * 64));
    out.push(b'l');
    for k in keys {
        out.push(b'd');
        bencode::put_bytes(&mut out, b"g");
        bencode::put_int(&mut out, k.generation);
        bencode::put_bytes(&mut out, b"k");
        bencode::put_bytes(&mut out, k.key.as_bytes());
        bencode::put_bytes(&mut out, b"t");
        bencode::put_int(&mut out, k.timestamp_ms);
        out.push(b'e');
    }
    out.push(b'e');
    out
}

/// Builds a supplemental key message (libsession `Keys::key_supplement`, spec §3.2) as a group
/// admin holding the group's Ed25519 seed: every key of `keys` (give them in ascending
/// generation), encrypted for each of `members` — members added to the group who should read
/// its history without a rekey. Deterministic: the nonce is
/// `BLAKE2b-24(sid_1 ‖ … ‖ sid_n ‖ keys ‖ H2; key = "SessionGroupKeyGen")` over the members'
/// hex Account IDs in the given order. Members whose X25519 key is invalid are skipped; there
/// is no junk padding.
///
/// ```
/// use session_identity::Ed25519KeyPair;
/// use session_protocol::{GroupKeyInfo, group_key_supplement, group_rekey,
///     read_group_key_supplement};
/// let seed = [7u8; 32];
/// let group = Ed25519KeyPair::from_seed(&seed);
/// let first = group_rekey(&seed, &[], 0)?;
/// let keys = [GroupKeyInfo { generation: 0, key: first.group_key.clone(), timestamp_ms: 1_000 }];
/// let newcomer = Ed25519KeyPair::from_seed(&[9; 32]);
/// let message = group_key_supplement(&seed, &[newcomer.account_id()], &keys)?;
/// let got = read_group_key_supplement(&message, &group.public_key(), &newcomer)?;
/// assert_eq!(got.keys, keys);
/// # Ok::<(), session_protocol::Error>(())
/// ```
///
/// # Errors
/// [`Error::InvalidLength`] without keys, or when no member has a valid key.
pub fn group_key_supplement(
    group_seed: &[u8; 32],
    members: &[AccountId],
    keys: &[GroupKeyInfo],
) -> Result<Vec<u8>> {
    let max_generation = keys
        .iter()
        .map(|k| k.generation)
        .max()
        .ok_or(Error::InvalidLength)?;
    let group = Ed25519KeyPair::from_seed(group_seed);
    let supp = supplement_plaintext(keys);
    let nonce: [u8; XCHACHA_NONCE_LEN] = *members_hash(group_seed, members, &supp)?;
    let entries = member_entries(&group, members, &supp, &nonce)?;
    if entries.is_empty() {
        return Err(Error::InvalidLength);
    }
    let mut msg = Vec::with_capacity(120 + entries.len() * (supp.len() + TAG_LEN + 4));
    msg.push(b'd');
    bencode::put_bytes(&mut msg, b"#");
    bencode::put_bytes(&mut msg, &nonce);
    bencode::put_bytes(&mut msg, b"+");
    msg.push(b'l');
    for e in &entries {
        bencode::put_bytes(&mut msg, e);
    }
    msg.push(b'e');
    bencode::put_bytes(&mut msg, b"G");
    bencode::put_int(&mut msg, max_generation);
    sign_key_message(&group, &mut msg);
    Ok(msg)
}

/// Whether a key message is a supplemental one (has a `"+"` list); no verification.
#[must_use]
pub fn is_group_key_supplement(key_message: &[u8]) -> bool {
    bencode::decode(key_message).is_ok_and(|d| d.get(b"+").is_some())
}

/// Reads a supplemental key message as a member (libsession `Keys::load_key_message`): verifies
/// the group signature, checks every `"+"` entry's size, and opens the member's entry.
///
/// # Errors
/// [`Error::Malformed`] for a message that is not a signed supplemental key message (or whose
/// key list is malformed), [`Error::SignatureInvalid`] when the group signature does not
/// verify, [`Error::DecryptionFailed`] when no entry opens for `member`.
pub fn read_group_key_supplement(
    key_message: &[u8],
    group_pk: &Ed25519PublicKey,
    member: &Ed25519KeyPair,
) -> Result<ReceivedSupplement> {
    const WHAT: &str = "supplemental group key message";
    let VerifiedKeyMessage {
        dict,
        nonce,
        generation: max_generation,
    } = verified_key_message(key_message, group_pk, WHAT)?;
    let entries = dict
        .get(b"+")
        .and_then(Value::as_list)
        .and_then(|list| {
            list.iter()
                .map(|e| e.as_bytes().filter(|b| b.len() >= MIN_SUPPLEMENT_ENTRY_LEN))
                .collect::<Option<Vec<&[u8]>>>()
        })
        .ok_or(Error::Malformed(WHAT))?;
    let plain = open_member_entry(entries, group_pk, member, &nonce)?;
    let list = bencode::decode(&plain).map_err(|_| Error::Malformed(WHAT))?;
    let keys = list
        .as_list()
        .ok_or(Error::Malformed(WHAT))?
        .iter()
        .map(|k| {
            let generation = k
                .get(b"g")
                .and_then(Value::as_i64)
                .and_then(|g| u64::try_from(g).ok())?;
            let key = k
                .get(b"k")
                .and_then(Value::as_bytes)
                .filter(|b| b.len() == 32)
                .and_then(|b| GroupKey::try_from(b).ok())?;
            let timestamp_ms = k.get(b"t").and_then(Value::as_i64)?;
            Some(GroupKeyInfo {
                generation,
                key,
                timestamp_ms,
            })
        })
        .collect::<Option<Vec<_>>>()
        .ok_or(Error::Malformed(WHAT))?;
    Ok(ReceivedSupplement {
        max_generation,
        keys,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;

    #[test]
    fn empty_message_is_refused_as_receivers_would_refuse_it() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let author = Ed25519KeyPair::generate(&mut rng);
        let group = Ed25519KeyPair::generate(&mut rng);
        let key = GroupKey::from_bytes(&[4u8; 32]);
        let got = encrypt_group_message(
            &mut rng,
            &author,
            &key,
            &group.public_key(),
            b"",
            256,
            SignatureScheme::Current,
        );
        assert!(matches!(got, Err(Error::InvalidParameter)));
    }

    #[test]
    fn message_round_trip_both_schemes() {
        let mut rng = ChaCha20Rng::seed_from_u64(11);
        let author = Ed25519KeyPair::generate(&mut rng);
        let group = Ed25519KeyPair::generate(&mut rng);
        let key = GroupKey::from_bytes(&[4u8; 32]);
        let other = GroupKey::from_bytes(&[5u8; 32]);
        for scheme in [SignatureScheme::Current, SignatureScheme::Legacy] {
            let ct = encrypt_group_message(
                &mut rng,
                &author,
                &key,
                &group.public_key(),
                b"hello group",
                256,
                scheme,
            )
            .unwrap();
            assert_eq!(ct.len() % 256, 0);
            let m = decrypt_group_message(
                &[other.clone(), key.clone()],
                &group.public_key(),
                &ct,
                scheme,
            )
            .unwrap();
            assert_eq!(m.plaintext, b"hello group");
            assert_eq!(m.author, author.account_id());
            let wrong = if scheme == SignatureScheme::Current {
                SignatureScheme::Legacy
            } else {
                SignatureScheme::Current
            };
            assert_eq!(
                decrypt_group_message(std::slice::from_ref(&key), &group.public_key(), &ct, wrong),
                Err(Error::SignatureInvalid)
            );
            assert_eq!(
                decrypt_group_message(
                    std::slice::from_ref(&other),
                    &group.public_key(),
                    &ct,
                    scheme
                ),
                Err(Error::DecryptionFailed)
            );
        }
    }

    #[test]
    fn tampering_any_byte_fails() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let author = Ed25519KeyPair::generate(&mut rng);
        let group = Ed25519KeyPair::generate(&mut rng).public_key();
        let key = GroupKey::from_bytes(&[4u8; 32]);
        let ct = encrypt_group_message(
            &mut rng,
            &author,
            &key,
            &group,
            b"x",
            0,
            SignatureScheme::Current,
        )
        .unwrap();
        for i in 0..ct.len() {
            let mut bad = ct.clone();
            bad[i] ^= 0x80;
            let r = decrypt_group_message(
                std::slice::from_ref(&key),
                &group,
                &bad,
                SignatureScheme::Current,
            );
            assert_eq!(r.map(|m| m.plaintext), Err(Error::DecryptionFailed), "{i}");
        }
    }

    #[test]
    fn rekey_members_can_read() {
        let mut rng = ChaCha20Rng::seed_from_u64(12);
        let seed = [8u8; 32];
        let group = Ed25519KeyPair::from_seed(&seed);
        let members: Vec<Ed25519KeyPair> =
            (0..3).map(|_| Ed25519KeyPair::generate(&mut rng)).collect();
        let ids: Vec<AccountId> = members.iter().map(Ed25519KeyPair::account_id).collect();
        let rk = group_rekey(&seed, &ids, 3).unwrap();
        let v = bencode::decode(&rk.key_message).unwrap();
        assert_eq!(
            v.get(b"k").and_then(Value::as_list).map(<[Value<'_>]>::len),
            Some(75)
        );
        for m in &members {
            let got =
                read_group_key_message(&rk.key_message, &group.public_key(), KeyReader::Member(m))
                    .unwrap();
            assert_eq!(got.generation, 3);
            assert_eq!(got.key, rk.group_key);
        }
        let admin = read_group_key_message(
            &rk.key_message,
            &group.public_key(),
            KeyReader::Admin(&seed),
        )
        .unwrap();
        assert_eq!(admin.key, rk.group_key);
        let outsider = Ed25519KeyPair::generate(&mut rng);
        assert_eq!(
            read_group_key_message(
                &rk.key_message,
                &group.public_key(),
                KeyReader::Member(&outsider)
            )
            .map(|k| k.generation),
            Err(Error::DecryptionFailed)
        );
        let mut bad = rk.key_message.clone();
        bad[10] ^= 1; // inside the nonce
        assert_eq!(
            read_group_key_message(&bad, &group.public_key(), KeyReader::Admin(&seed))
                .map(|k| k.generation),
            Err(Error::SignatureInvalid)
        );
    }

    #[test]
    fn supplement_gives_new_members_every_key() {
        let mut rng = ChaCha20Rng::seed_from_u64(13);
        let seed = [9u8; 32];
        let group = Ed25519KeyPair::from_seed(&seed);
        let keys: Vec<GroupKeyInfo> = (0..2u64)
            .map(|g| GroupKeyInfo {
                generation: g,
                key: group_rekey(&seed, &[], g).unwrap().group_key,
                timestamp_ms: 1_000 + i64::try_from(g).unwrap(),
            })
            .collect();
        let newcomers: Vec<Ed25519KeyPair> =
            (0..3).map(|_| Ed25519KeyPair::generate(&mut rng)).collect();
        let ids: Vec<AccountId> = newcomers.iter().map(Ed25519KeyPair::account_id).collect();
        let msg = group_key_supplement(&seed, &ids, &keys).unwrap();
        assert_eq!(
            msg,
            group_key_supplement(&seed, &ids, &keys).unwrap(),
            "deterministic"
        );
        assert!(is_group_key_supplement(&msg));
        let full = group_rekey(&seed, &ids, 2).unwrap();
        assert!(!is_group_key_supplement(&full.key_message));
        let v = bencode::decode(&msg).unwrap();
        assert_eq!(
            v.get(b"+").and_then(Value::as_list).map(<[_]>::len),
            Some(3),
            "no junk"
        );
        for m in &newcomers {
            let got = read_group_key_supplement(&msg, &group.public_key(), m).unwrap();
            assert_eq!(got.max_generation, 1);
            assert_eq!(got.keys, keys);
        }
        // Not a full key message; an outsider reads nothing; a changed byte fails the signature.
        assert_eq!(
            read_group_key_message(&msg, &group.public_key(), KeyReader::Member(&newcomers[0]))
                .map(|k| k.generation),
            Err(Error::Unexpected("supplemental key message"))
        );
        let outsider = Ed25519KeyPair::generate(&mut rng);
        assert_eq!(
            read_group_key_supplement(&msg, &group.public_key(), &outsider).map(|s| s.keys),
            Err(Error::DecryptionFailed)
        );
        let mut bad = msg.clone();
        bad[10] ^= 1;
        assert_eq!(
            read_group_key_supplement(&bad, &group.public_key(), &newcomers[0]).map(|s| s.keys),
            Err(Error::SignatureInvalid)
        );
        // A full key message is not a supplement.
        assert!(matches!(
            read_group_key_supplement(&full.key_message, &group.public_key(), &newcomers[0]),
            Err(Error::Malformed(_))
        ));
        // Nothing to send, or nobody to send it to.
        assert_eq!(
            group_key_supplement(&seed, &ids, &[]),
            Err(Error::InvalidLength)
        );
        assert_eq!(
            group_key_supplement(&seed, &[], &keys),
            Err(Error::InvalidLength)
        );
    }

    #[test]
    fn deterministic_junk_is_libsodiums() {
        // libsodium randombytes_buf_deterministic(100, seed = 00 01 … 1f), via PyNaCl.
        let seed: [u8; 32] = core::array::from_fn(|i| i as u8);
        let want = "0d8e6cc68715648926732e7ea73250cfaf2d58422083904c841a8ba33b986111f346ba50723a68ae\
                    283524a6bded09f83be6b80595856f72e25b86918e8b114bafb94bc8abedd73daab454576b7c58\
                    33eb0bf982a1bb4587a5c970ff0810ca3b791d7e12";
        let want: String = want.split_whitespace().collect();
        assert_eq!(hex::encode(deterministic_random_bytes(&seed, 100)), want);
    }

    proptest::proptest! {
        #[test]
        fn decrypt_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let key = GroupKey::from_bytes(&[1; 32]);
            let pk = Ed25519KeyPair::from_seed(&[2; 32]).public_key();
            let _ = decrypt_group_message(&[key], &pk, &data, SignatureScheme::Current);
            let _ = read_group_key_message(&data, &pk, KeyReader::Admin(&[3; 32]));
            let _ = read_group_key_supplement(&data, &pk, &Ed25519KeyPair::from_seed(&[4; 32]));
        }

        #[test]
        fn decompress_never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..400)) {
            let _ = zstd_decompress(&data, MAX_GROUP_PLAINTEXT);
            // with the zstd frame magic, so that the decoder gets past the first check
            let mut framed = vec![0x28, 0xb5, 0x2f, 0xfd];
            framed.extend_from_slice(&data);
            let _ = zstd_decompress(&framed, MAX_GROUP_PLAINTEXT);
        }
    }
}
