//! Keys derived from the account seed: the `07` version-blinded key (identity.md §3.7) and the
//! Session Pro master key (§3.8).

use crate::hash;
use crate::id::VersionBlindedId;
use crate::keys::{Ed25519KeyPair, Signature};

/// BLAKE2b key of the version-blinded seed (32-byte digest).
const VERSION_KEY: &[u8] = b"VersionCheckKey_sig";
/// BLAKE2b key of the Session Pro master seed (32-byte digest).
const PRO_KEY: &[u8] = b"SessionProRandom";

/// The client platform named in the file server's version request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// `android`.
    Android,
    /// `desktop`.
    Desktop,
    /// `ios`.
    Ios,
}

impl Platform {
    /// The lowercase name used in the request path.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Platform::Android => "android",
            Platform::Desktop => "desktop",
            Platform::Ios => "ios",
        }
    }
}

impl core::str::FromStr for Platform {
    type Err = crate::Error;
    /// `android`, `desktop` or `ios`.
    fn from_str(s: &str) -> crate::Result<Self> {
        match s {
            "android" => Ok(Platform::Android),
            "desktop" => Ok(Platform::Desktop),
            "ios" => Ok(Platform::Ios),
            _ => Err(crate::Error::InvalidParameter),
        }
    }
}

impl Ed25519KeyPair {
    /// The `07` version-blinded key pair: Ed25519 from `BLAKE2b-256(seed; key="VersionCheckKey_sig")`.
    #[must_use]
    pub fn version_blinded_keypair(&self) -> Ed25519KeyPair {
        let seed = zeroize::Zeroizing::new(hash::fixed::<32>(Some(VERSION_KEY), &[self.seed()]));
        Ed25519KeyPair::from_seed(&seed)
    }

    /// The `07` version-blinded id (the file server's `X-FS-Pubkey` header).
    #[must_use]
    pub fn version_blinded_id(&self) -> VersionBlindedId {
        VersionBlindedId::from_ed25519(&self.version_blinded_keypair().public_key())
    }

    /// Signs a file-server request with the version-blinded key: the message is
    /// `ascii_decimal(timestamp) ‖ method ‖ path [‖ body]`.
    #[must_use]
    pub fn version_blind_sign_request(
        &self,
        timestamp: u64,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
    ) -> Signature {
        let mut msg = timestamp.to_string().into_bytes();
        msg.extend_from_slice(method.as_bytes());
        msg.extend_from_slice(path.as_bytes());
        if let Some(body) = body {
            msg.extend_from_slice(body);
        }
        self.version_blinded_keypair().sign(&msg)
    }

    /// Signs the `GET /session_version?platform=<platform>` request (libsession
    /// `blind_version_sign`).
    #[must_use]
    pub fn version_blind_sign(&self, platform: Platform, timestamp: u64) -> Signature {
        let path = format!("/session_version?platform={}", platform.as_str());
        self.version_blind_sign_request(timestamp, "GET", &path, None)
    }

    /// The Session Pro master key pair: Ed25519 from `BLAKE2b-256(seed; key="SessionProRandom")`.
    #[must_use]
    pub fn pro_master_keypair(&self) -> Ed25519KeyPair {
        let seed = zeroize::Zeroizing::new(hash::fixed::<32>(Some(PRO_KEY), &[self.seed()]));
        Ed25519KeyPair::from_seed(&seed)
    }
}
