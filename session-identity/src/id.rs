//! Prefixed ids: `05` Account IDs and the other kinds of identity.md §2.4, plus the umbrella
//! [`SessionId`].
//!
//! Parsing checks syntax only (66 hex digits in either case after trimming, a known prefix);
//! output is always lowercase. Whether the key is a usable curve point is checked by the
//! operations that need one (blinding, matching, encryption), which return
//! [`Error::InvalidPoint`].

use core::fmt;
use core::str::FromStr;

use crate::keys::{Ed25519PublicKey, X25519PublicKey};
use crate::{Error, Result};

/// The prefix byte of an id (identity.md §2.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdPrefix {
    /// `00`: an unblinded Ed25519 public key (community servers without blinding).
    Unblinded,
    /// `03`: a groups-v2 group's Ed25519 public key.
    Group,
    /// `05`: an Account ID, the user's X25519 public key.
    Account,
    /// `07`: a version-blinded Ed25519 key (file-server auth).
    VersionBlinded,
    /// `15`: a 15-blinded community key.
    Blinded15,
    /// `25`: a 25-blinded community key.
    Blinded25,
}

impl IdPrefix {
    /// Every prefix.
    pub const ALL: [IdPrefix; 6] = [
        IdPrefix::Unblinded,
        IdPrefix::Group,
        IdPrefix::Account,
        IdPrefix::VersionBlinded,
        IdPrefix::Blinded15,
        IdPrefix::Blinded25,
    ];

    /// The prefix byte.
    #[must_use]
    pub const fn as_byte(self) -> u8 {
        match self {
            IdPrefix::Unblinded => 0x00,
            IdPrefix::Group => 0x03,
            IdPrefix::Account => 0x05,
            IdPrefix::VersionBlinded => 0x07,
            IdPrefix::Blinded15 => 0x15,
            IdPrefix::Blinded25 => 0x25,
        }
    }

    /// The prefix of a byte.
    ///
    /// # Errors
    /// [`Error::InvalidPrefix`] for a byte that is not a known prefix.
    pub const fn from_byte(b: u8) -> Result<Self> {
        match b {
            0x00 => Ok(IdPrefix::Unblinded),
            0x03 => Ok(IdPrefix::Group),
            0x05 => Ok(IdPrefix::Account),
            0x07 => Ok(IdPrefix::VersionBlinded),
            0x15 => Ok(IdPrefix::Blinded15),
            0x25 => Ok(IdPrefix::Blinded25),
            _ => Err(Error::InvalidPrefix),
        }
    }
}

impl fmt::Display for IdPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:02x}", self.as_byte())
    }
}

/// Parses the text form of any id: trimmed, exactly 66 characters, all hex, a known prefix.
fn parse_text(s: &str) -> Result<(IdPrefix, [u8; 32])> {
    let s = s.trim();
    if s.chars().count() != 66 {
        return Err(Error::InvalidLength);
    }
    if !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::InvalidHex);
    }
    let bytes: [u8; 33] = crate::encoding::hex_array(s)?;
    split(&bytes)
}

fn split(bytes: &[u8; 33]) -> Result<(IdPrefix, [u8; 32])> {
    let (prefix, rest) = bytes.split_first().ok_or(Error::InvalidLength)?;
    let prefix = IdPrefix::from_byte(*prefix)?;
    let key = <[u8; 32]>::try_from(rest).map_err(|_| Error::InvalidLength)?;
    Ok((prefix, key))
}

fn join(prefix: IdPrefix, key: &[u8; 32]) -> [u8; 33] {
    let mut out = [0u8; 33];
    out[0] = prefix.as_byte();
    out[1..].copy_from_slice(key);
    out
}

fn short_form(
    f: &mut fmt::Formatter<'_>,
    name: &str,
    prefix: IdPrefix,
    key: &[u8; 32],
) -> fmt::Result {
    let h = hex::encode(key);
    write!(f, "{name}({prefix}{}…{})", &h[..4], &h[60..])
}

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:expr, $what:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name([u8; 32]);

        impl $name {
            /// This kind's prefix.
            pub const PREFIX: IdPrefix = $prefix;

            #[doc = concat!("The id of a 32-byte ", $what, " (no validation).")]
            #[must_use]
            pub const fn from_key_bytes(key: &[u8; 32]) -> Self {
                Self(*key)
            }

            /// From the 33 bytes `prefix ‖ key`.
            ///
            /// # Errors
            /// [`Error::InvalidPrefix`] if the first byte is not this kind's prefix.
            pub fn from_bytes(bytes: &[u8; 33]) -> Result<Self> {
                match split(bytes) {
                    Ok((p, key)) if p == Self::PREFIX => Ok(Self(key)),
                    _ => Err(Error::InvalidPrefix),
                }
            }

            #[doc = concat!("The 32-byte ", $what, ".")]
            #[must_use]
            pub const fn key_bytes(&self) -> &[u8; 32] {
                &self.0
            }

            /// The 33 bytes `prefix ‖ key`.
            #[must_use]
            pub fn to_bytes(&self) -> [u8; 33] {
                join(Self::PREFIX, &self.0)
            }
        }

        impl TryFrom<&[u8]> for $name {
            type Error = Error;
            /// From the 33 bytes `prefix ‖ key`.
            fn try_from(bytes: &[u8]) -> Result<Self> {
                let arr = <[u8; 33]>::try_from(bytes).map_err(|_| Error::InvalidLength)?;
                Self::from_bytes(&arr)
            }
        }

        impl FromStr for $name {
            type Err = Error;
            /// 66 hex digits (either case, surrounding whitespace ignored) with this kind's prefix.
            fn from_str(s: &str) -> Result<Self> {
                let (p, key) = parse_text(s)?;
                if p != Self::PREFIX {
                    return Err(Error::InvalidPrefix);
                }
                Ok(Self(key))
            }
        }

        impl fmt::Display for $name {
            /// 66 lowercase hex digits.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&hex::encode(self.to_bytes()))
            }
        }

        impl fmt::Debug for $name {
            /// A shortened form (`05ab12…cdef`): ids are user data.
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                short_form(f, stringify!($name), Self::PREFIX, &self.0)
            }
        }

        impl From<$name> for SessionId {
            fn from(id: $name) -> SessionId {
                SessionId::$name(id)
            }
        }
    };
}

typed_id!(
    /// An Account ID: `05` ‖ the user's X25519 public key (66 lowercase hex digits in text).
    AccountId, IdPrefix::Account, "X25519 public key"
);
typed_id!(
    /// An unblinded community id: `00` ‖ the user's Ed25519 public key.
    UnblindedId, IdPrefix::Unblinded, "Ed25519 public key"
);
typed_id!(
    /// A groups-v2 id: `03` ‖ the group's Ed25519 public key.
    GroupId, IdPrefix::Group, "group Ed25519 public key"
);
typed_id!(
    /// A version-blinded id: `07` ‖ the version-blinded Ed25519 public key (identity.md §3.7).
    VersionBlindedId, IdPrefix::VersionBlinded, "version-blinded Ed25519 public key"
);
typed_id!(
    /// A 15-blinded community id: `15` ‖ `k15·A` (identity.md §3.2).
    Blinded15Id, IdPrefix::Blinded15, "15-blinded Ed25519 public key"
);
typed_id!(
    /// A 25-blinded community id: `25` ‖ `k25·|A|` (identity.md §3.3).
    Blinded25Id, IdPrefix::Blinded25, "25-blinded Ed25519 public key"
);

impl AccountId {
    /// The Account ID of an X25519 public key.
    #[must_use]
    pub const fn from_x25519(key: &X25519PublicKey) -> Self {
        Self(*key.as_bytes())
    }

    /// The X25519 public key.
    #[must_use]
    pub const fn x25519_public_key(&self) -> X25519PublicKey {
        X25519PublicKey::from_bytes(&self.0)
    }

    /// Checks what the spec requires of a `05` key before it is used as a point
    /// (identity.md §2.5 rule 3): u canonical (below p, bit 255 clear) and mapping to a
    /// prime-order Edwards point. Returns that positive point.
    ///
    /// # Errors
    /// [`Error::InvalidPoint`] otherwise.
    pub fn validate(&self) -> Result<Ed25519PublicKey> {
        self.validated_point()
            .map(|p| Ed25519PublicKey::from_bytes(&p.compress().to_bytes()))
    }

    /// [`AccountId::validate`], returning the decoded point.
    pub(crate) fn validated_point(&self) -> Result<curve25519_dalek::edwards::EdwardsPoint> {
        if self.0[31] & 0x80 != 0 || !crate::point::is_canonical_y(&self.0) {
            return Err(Error::InvalidPoint);
        }
        let ed = self.x25519_public_key().to_ed25519_positive();
        crate::point::decode_prime_order(ed.as_bytes(), true)
    }
}

macro_rules! ed_id {
    ($name:ident) => {
        impl $name {
            /// The id of an Ed25519 public key.
            #[must_use]
            pub const fn from_ed25519(key: &Ed25519PublicKey) -> Self {
                Self(*key.as_bytes())
            }

            /// The Ed25519 public key (not validated; see [`Ed25519PublicKey::validate`]).
            #[must_use]
            pub const fn ed25519_public_key(&self) -> Ed25519PublicKey {
                Ed25519PublicKey::from_bytes(&self.0)
            }
        }
    };
}

ed_id!(UnblindedId);
ed_id!(GroupId);
ed_id!(VersionBlindedId);
ed_id!(Blinded15Id);
ed_id!(Blinded25Id);

impl Blinded15Id {
    /// The same id with the sign bit of its point flipped (the other candidate of
    /// [`blind15_ids`](crate::blinding::blind15_ids)).
    #[must_use]
    pub const fn with_flipped_sign(&self) -> Self {
        let mut k = self.0;
        k[31] ^= 0x80;
        Self(k)
    }
}

/// Any id: the umbrella over the typed ids. Parsing from text checks syntax only (length, hex,
/// known prefix).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SessionId {
    /// `05`.
    AccountId(AccountId),
    /// `00`.
    UnblindedId(UnblindedId),
    /// `03`.
    GroupId(GroupId),
    /// `07`.
    VersionBlindedId(VersionBlindedId),
    /// `15`.
    Blinded15Id(Blinded15Id),
    /// `25`.
    Blinded25Id(Blinded25Id),
}

impl SessionId {
    /// The id `prefix ‖ key`.
    #[must_use]
    pub const fn from_parts(prefix: IdPrefix, key: &[u8; 32]) -> Self {
        let k = *key;
        match prefix {
            IdPrefix::Unblinded => SessionId::UnblindedId(UnblindedId(k)),
            IdPrefix::Group => SessionId::GroupId(GroupId(k)),
            IdPrefix::Account => SessionId::AccountId(AccountId(k)),
            IdPrefix::VersionBlinded => SessionId::VersionBlindedId(VersionBlindedId(k)),
            IdPrefix::Blinded15 => SessionId::Blinded15Id(Blinded15Id(k)),
            IdPrefix::Blinded25 => SessionId::Blinded25Id(Blinded25Id(k)),
        }
    }

    /// From the 33 bytes `prefix ‖ key`.
    ///
    /// # Errors
    /// [`Error::InvalidPrefix`] for an unknown prefix byte.
    pub fn from_bytes(bytes: &[u8; 33]) -> Result<Self> {
        let (p, key) = split(bytes)?;
        Ok(Self::from_parts(p, &key))
    }

    /// The prefix.
    #[must_use]
    pub const fn prefix(&self) -> IdPrefix {
        match self {
            SessionId::AccountId(_) => IdPrefix::Account,
            SessionId::UnblindedId(_) => IdPrefix::Unblinded,
            SessionId::GroupId(_) => IdPrefix::Group,
            SessionId::VersionBlindedId(_) => IdPrefix::VersionBlinded,
            SessionId::Blinded15Id(_) => IdPrefix::Blinded15,
            SessionId::Blinded25Id(_) => IdPrefix::Blinded25,
        }
    }

    /// The 32 key bytes after the prefix.
    #[must_use]
    pub const fn key_bytes(&self) -> &[u8; 32] {
        match self {
            SessionId::AccountId(id) => &id.0,
            SessionId::UnblindedId(id) => &id.0,
            SessionId::GroupId(id) => &id.0,
            SessionId::VersionBlindedId(id) => &id.0,
            SessionId::Blinded15Id(id) => &id.0,
            SessionId::Blinded25Id(id) => &id.0,
        }
    }

    /// The 33 bytes `prefix ‖ key`.
    #[must_use]
    pub fn to_bytes(&self) -> [u8; 33] {
        join(self.prefix(), self.key_bytes())
    }
}

impl TryFrom<&[u8]> for SessionId {
    type Error = Error;
    /// From the 33 bytes `prefix ‖ key`.
    fn try_from(bytes: &[u8]) -> Result<Self> {
        let arr = <[u8; 33]>::try_from(bytes).map_err(|_| Error::InvalidLength)?;
        Self::from_bytes(&arr)
    }
}

impl FromStr for SessionId {
    type Err = Error;
    /// Syntax only, in this order: trimmed length 66 ([`Error::InvalidLength`], also for empty
    /// input), all hex ([`Error::InvalidHex`]), known prefix ([`Error::InvalidPrefix`]).
    fn from_str(s: &str) -> Result<Self> {
        let (p, key) = parse_text(s)?;
        Ok(Self::from_parts(p, &key))
    }
}

impl fmt::Display for SessionId {
    /// 66 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.to_bytes()))
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        short_form(f, "SessionId", self.prefix(), self.key_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        let zeros = "0".repeat(64);
        assert_eq!("".parse::<SessionId>(), Err(Error::InvalidLength));
        assert_eq!(
            format!("95{zeros}").parse::<SessionId>(),
            Err(Error::InvalidPrefix)
        );
        assert_eq!(
            format!("0{zeros}(").parse::<SessionId>(),
            Err(Error::InvalidHex)
        );
        assert_eq!(
            format!("05{}é", &zeros[1..]).parse::<SessionId>(),
            Err(Error::InvalidHex)
        );
        let id: SessionId = format!("  15{zeros}\n").parse().unwrap();
        assert_eq!(id.prefix(), IdPrefix::Blinded15);
        assert_eq!(
            format!("15{zeros}").parse::<AccountId>(),
            Err(Error::InvalidPrefix)
        );
        let upper = "05FE94B7AD4B7F1CC1BB92671F1F0D243F226E115B33770465E82B503FC3E96E1F";
        let a: AccountId = upper.parse().unwrap();
        assert_eq!(a.to_string(), upper.to_lowercase());
        assert_eq!(format!("{a:?}"), "AccountId(05fe94…6e1f)");
    }

    #[test]
    fn prefixes_round_trip() {
        for p in IdPrefix::ALL {
            assert_eq!(IdPrefix::from_byte(p.as_byte()), Ok(p));
            let id = SessionId::from_parts(p, &[7u8; 32]);
            assert_eq!(id.to_string().parse::<SessionId>(), Ok(id));
            assert_eq!(SessionId::try_from(&id.to_bytes()[..]), Ok(id));
        }
    }
}
