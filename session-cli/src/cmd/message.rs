//! `session encrypt` and `session decrypt` (issue 3): the raw 1-to-1 Session Protocol primitive
//! (`encrypt_for_recipient` / `decrypt_incoming`), no padding and no protobuf.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;

use anyhow::Context as _;
use zeroize::Zeroizing;

use super::common::{parse_account_id, parse_seed};

/// Arguments of `session encrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct EncryptArgs {
    /// The sender's secret: the 16-byte recovery seed (32 hex characters) or a 32-byte Ed25519
    /// seed (64 hex characters).
    #[arg(long, value_name = "HEX")]
    seed: String,
    /// The recipient's Account ID (66 hex characters starting with 05).
    #[arg(long, value_name = "ACCOUNT_ID")]
    to: String,
    /// Print one JSON object `{"ciphertext"}` (hex) instead of the bare hex.
    #[arg(long)]
    json: bool,
}

/// Arguments of `session decrypt`.
#[derive(Debug, clap::Args)]
pub(crate) struct DecryptArgs {
    /// The recipient's secret: the 16-byte recovery seed (32 hex characters) or a 32-byte
    /// Ed25519 seed (64 hex characters).
    #[arg(long, value_name = "HEX")]
    seed: String,
    /// Print one JSON object `{"sender_account_id", "sender_ed25519_pk", "message"}` (hex).
    #[arg(long)]
    json: bool,
}

/// Encrypts the exact bytes of stdin for `--to` and prints the ciphertext as hex.
pub(crate) fn encrypt(args: EncryptArgs) -> anyhow::Result<ExitCode> {
    let seed = Zeroizing::new(args.seed);
    let sender = parse_seed(&seed)?;
    let to = parse_account_id(&args.to)?;
    let mut message = Zeroizing::new(Vec::new());
    std::io::stdin()
        .read_to_end(&mut message)
        .context("cannot read stdin")?;
    let ct = session_protocol::encrypt_for_recipient(&mut rand_core::OsRng, &sender, &to, &message)
        .with_context(|| format!("cannot encrypt for {}", args.to.trim()))?;
    if args.json {
        println!("{}", serde_json::json!({ "ciphertext": hex::encode(ct) }));
    } else {
        println!("{}", hex::encode(ct));
    }
    Ok(ExitCode::SUCCESS)
}

/// Decrypts ciphertext hex from stdin and prints the sender's Account ID and the message.
pub(crate) fn decrypt(args: DecryptArgs) -> anyhow::Result<ExitCode> {
    let seed = Zeroizing::new(args.seed);
    let own = parse_seed(&seed)?;
    let mut text = String::new();
    std::io::stdin()
        .read_to_string(&mut text)
        .context("cannot read stdin")?;
    let ct = hex::decode(text.trim()).context("stdin must be the ciphertext as hex")?;
    let m = session_protocol::decrypt_incoming(&own, &ct).context("cannot decrypt")?;
    let message = Zeroizing::new(m.message);
    let mut out = std::io::stdout().lock();
    if args.json {
        let obj = serde_json::json!({
            "sender_account_id": m.sender.to_string(),
            "sender_ed25519_pk": m.sender_ed25519.to_string(),
            "message": hex::encode(&*message),
        });
        writeln!(out, "{obj}")?;
    } else {
        // The sender on the first line, then the message bytes exactly as sent.
        writeln!(out, "{}", m.sender)?;
        out.write_all(&message)?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
