//! Input helpers shared by the `session` subcommands.

use std::io::Read as _;

use anyhow::{Context as _, bail};
use session_identity::{AccountId, Ed25519KeyPair, Seed, X25519PublicKey};
use zeroize::Zeroizing;

/// A secret given with `--seed HEX`: the 16-byte recovery seed (32 hex characters) or a
/// 32-byte Ed25519 seed (64 hex characters).
#[derive(Debug)]
pub(crate) struct SeedInput {
    /// The account's Ed25519 key pair.
    pub(crate) keypair: Ed25519KeyPair,
    /// The 16-byte recovery seed, when that is what was given.
    pub(crate) recovery: Option<Seed>,
}

/// Parses `--seed HEX` (surrounding whitespace ignored, either case): 32 hex characters are a
/// 16-byte recovery seed (Ed25519 seed = seed ‖ 16 zero bytes), 64 hex characters a 32-byte
/// Ed25519 seed.
pub(crate) fn parse_seed_input(hex: &str) -> anyhow::Result<SeedInput> {
    let hex = hex.trim();
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        bail!("--seed must be hex (0-9, a-f)");
    }
    match hex.len() {
        32 => {
            let bytes: Zeroizing<[u8; 16]> = Zeroizing::new(
                session_identity::encoding::hex_array(hex).context("--seed is not valid hex")?,
            );
            let seed = Seed::from_bytes(&bytes);
            Ok(SeedInput {
                keypair: seed.keypair(),
                recovery: Some(seed),
            })
        }
        64 => {
            let bytes: Zeroizing<[u8; 32]> = Zeroizing::new(
                session_identity::encoding::hex_array(hex).context("--seed is not valid hex")?,
            );
            Ok(SeedInput {
                keypair: Ed25519KeyPair::from_seed(&bytes),
                recovery: None,
            })
        }
        n => bail!(
            "--seed must be 32 hex characters (the 16-byte recovery seed) or 64 hex characters \
             (a 32-byte Ed25519 seed); got {n} characters"
        ),
    }
}

/// Parses `--seed HEX` into the account's Ed25519 key pair (see [`parse_seed_input`]); for
/// `session encrypt --seed`, `session rpc sign --seed` and the like.
#[allow(dead_code, reason = "shared with the other areas' commands")]
pub(crate) fn parse_seed(hex: &str) -> anyhow::Result<Ed25519KeyPair> {
    parse_seed_input(hex).map(|s| s.keypair)
}

/// Parses an Account ID (66 hex characters starting with `05`) with a friendly message.
pub(crate) fn parse_account_id(text: &str) -> anyhow::Result<AccountId> {
    use session_identity::Error;
    text.parse::<AccountId>().map_err(|e| match e {
        Error::InvalidLength => anyhow::anyhow!(
            "`{}` is not an Account ID: it must be 66 hex characters (05 followed by 64), got {}",
            text.trim(),
            text.trim().chars().count()
        ),
        Error::InvalidHex => {
            anyhow::anyhow!(
                "`{}` is not an Account ID: it must be hex (0-9, a-f)",
                text.trim()
            )
        }
        _ => anyhow::anyhow!(
            "`{}` is not an Account ID: an Account ID starts with 05",
            text.trim()
        ),
    })
}

/// Parses a 32-byte X25519 public key given as 64 hex characters, naming the option in errors.
pub(crate) fn parse_x25519_public(text: &str, what: &str) -> anyhow::Result<X25519PublicKey> {
    text.parse::<X25519PublicKey>().map_err(|_| {
        anyhow::anyhow!(
            "{what} must be a 32-byte public key as 64 hex characters, got `{}`",
            text.trim()
        )
    })
}

/// Reads all of stdin as UTF-8 text (kept in zeroizing memory: it may be a recovery phrase).
pub(crate) fn read_stdin_text() -> anyhow::Result<Zeroizing<String>> {
    let mut text = Zeroizing::new(String::new());
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read stdin")?;
    Ok(text)
}

/// Reads a message from stdin ([`read_stdin_text`]) without its one trailing line break (`\n`
/// or `\r\n`).
///
/// # Errors
/// Unreadable stdin, or an empty message.
pub(crate) fn read_stdin_message() -> anyhow::Result<Zeroizing<String>> {
    let mut text = read_stdin_text()?;
    if text.ends_with('\n') {
        text.pop();
        if text.ends_with('\r') {
            text.pop();
        }
    }
    if text.is_empty() {
        bail!("the message (stdin) is empty");
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_forms() {
        let short = parse_seed_input(" 000102030405060708090a0b0c0d0e0f\n").unwrap();
        assert!(short.recovery.is_some());
        assert_eq!(
            short.keypair.account_id().to_string(),
            "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a"
        );
        let long =
            parse_seed("4CB76FDC6D32278E3F83DBF608360ECC6B65727934B85D2FB86862FF98C46AB7").unwrap();
        assert_eq!(
            long.public_key().to_string(),
            "8862834829a87e0afadfed763fa8785e893dbde7f2c001ff1071aa55005c347f"
        );
        let e = parse_seed("abc").unwrap_err().to_string();
        assert!(e.contains("got 3 characters"), "{e}");
        let e = parse_seed(&"zz".repeat(16)).unwrap_err().to_string();
        assert!(e.contains("must be hex"), "{e}");
    }

    #[test]
    fn account_id_messages() {
        assert!(parse_account_id(&format!("05{}", "ab".repeat(32))).is_ok());
        let e = parse_account_id(&format!("15{}", "ab".repeat(32)))
            .unwrap_err()
            .to_string();
        assert!(e.contains("starts with 05"), "{e}");
        let e = parse_account_id("05ab").unwrap_err().to_string();
        assert!(e.contains("66 hex characters"), "{e}");
        assert!(parse_x25519_public("ab", "--server").is_err());
    }
}
