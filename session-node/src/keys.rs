//! The node's Ed25519 identity key, kept in its data directory (`ed25519.key`: the 32-byte
//! seed as 64 hex digits, mode 0600), and a local community server's X25519 key
//! (`x25519.key`, the same way).

use std::path::Path;

use rand_core::OsRng;
use session_identity::{Ed25519KeyPair, X25519SecretKey};
use zeroize::Zeroizing;

use crate::error::{Error, Result, io};

/// Writes a secret file, readable by the owner only.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    {
        use std::io::Write as _;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt as _;
            opts.mode(0o600);
        }
        let mut f = opts
            .open(&tmp)
            .map_err(io(format!("creating {}", tmp.display())))?;
        f.write_all(bytes)
            .and_then(|()| f.sync_all())
            .map_err(io(format!("writing {}", tmp.display())))?;
    }
    std::fs::rename(&tmp, path).map_err(io(format!("renaming to {}", path.display())))
}

/// Reads a 32-byte secret kept as 64 hex digits in `path`, or writes `make()` there.
fn load_or_create_secret(
    path: &Path,
    make: impl FnOnce() -> [u8; 32],
) -> Result<Zeroizing<[u8; 32]>> {
    let mut secret = Zeroizing::new([0u8; 32]);
    if path.exists() {
        let text = Zeroizing::new(
            std::fs::read_to_string(path).map_err(io(format!("reading {}", path.display())))?,
        );
        hex::decode_to_slice(text.trim(), secret.as_mut()).map_err(|_| Error::Malformed {
            path: path.to_owned(),
            why: "expected 64 hex digits".into(),
        })?;
        return Ok(secret);
    }
    *secret = make();
    let text = Zeroizing::new(hex::encode(secret.as_ref()));
    write_private(path, text.as_bytes())?;
    Ok(secret)
}

/// Loads `dir/ed25519.key` (the 32-byte seed), or makes a new key there.
pub(crate) fn load_or_create(dir: &Path) -> Result<Ed25519KeyPair> {
    let seed = load_or_create_secret(&dir.join("ed25519.key"), || {
        *Ed25519KeyPair::generate(&mut OsRng).seed()
    })?;
    Ok(Ed25519KeyPair::from_seed(&seed))
}

/// Loads `dir/x25519.key` (a community server's X25519 secret), or makes a new key there.
pub(crate) fn load_or_create_x25519(dir: &Path) -> Result<X25519SecretKey> {
    let secret = load_or_create_secret(&dir.join("x25519.key"), || {
        *X25519SecretKey::generate(&mut OsRng).as_bytes()
    })?;
    Ok(X25519SecretKey::from_bytes(&secret))
}
