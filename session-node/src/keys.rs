//! The node's Ed25519 identity key, kept in its data directory (`ed25519.key`: the 32-byte
//! seed as 64 hex digits, mode 0600).

use std::path::Path;

use rand_core::OsRng;
use session_identity::Ed25519KeyPair;
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

/// Loads `dir/ed25519.key`, or makes a new key there.
pub(crate) fn load_or_create(dir: &Path) -> Result<Ed25519KeyPair> {
    let path = dir.join("ed25519.key");
    if path.exists() {
        let text = Zeroizing::new(
            std::fs::read_to_string(&path).map_err(io(format!("reading {}", path.display())))?,
        );
        let mut seed = Zeroizing::new([0u8; 32]);
        hex::decode_to_slice(text.trim(), seed.as_mut()).map_err(|_| Error::Malformed {
            path: path.clone(),
            why: "expected 64 hex digits".into(),
        })?;
        return Ok(Ed25519KeyPair::from_seed(&seed));
    }
    let key = Ed25519KeyPair::generate(&mut OsRng);
    let text = Zeroizing::new(hex::encode(key.seed()));
    write_private(&path, text.as_bytes())?;
    Ok(key)
}
