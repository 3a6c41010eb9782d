//! `session id new | restore | show | blind`: Session identities.

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use rand_core::OsRng;
use serde_json::json;
use session_identity::blinding;
use session_identity::{AccountId, Ed25519KeyPair, Error, Seed, WordList, X25519PublicKey};
use zeroize::Zeroizing;

use super::common::{parse_account_id, parse_seed_input, parse_x25519_public, read_stdin_text};

/// Arguments of `session id`.
#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    #[command(subcommand)]
    command: IdCommand,
}

#[derive(Debug, Subcommand)]
enum IdCommand {
    /// Make a new account: prints its Account ID and 13-word recovery phrase.
    New {
        /// One JSON object: `account_id`, `ed25519_pk`, `x25519_pk`, `mnemonic`, `seed16`.
        #[arg(long)]
        json: bool,
        /// Also print the Account ID as a QR code the Session apps can scan.
        #[arg(long, conflicts_with = "json")]
        qr: bool,
    },
    /// Restore an account from its 13-word recovery phrase read from stdin (or the 32 hex
    /// characters of the recovery QR code).
    Restore {
        /// One JSON object: `account_id`, `ed25519_pk`, `x25519_pk`, `mnemonic`, `seed16`.
        #[arg(long)]
        json: bool,
    },
    /// Show the identity of a secret seed (with the recovery phrase of a 16-byte seed).
    Show {
        /// The 16-byte recovery seed (32 hex characters) or a 32-byte Ed25519 seed (64).
        #[arg(long, value_name = "HEX")]
        seed: String,
        /// One JSON object: `account_id`, `ed25519_pk`, `x25519_pk` (and `mnemonic` for a
        /// 16-byte recovery seed).
        #[arg(long)]
        json: bool,
        /// Print the Account ID as a QR code the Session apps can scan (and the ID below it).
        #[arg(long, conflicts_with = "json")]
        qr: bool,
    },
    /// The blinded ids (15 and 25) of an account on a community server.
    ///
    /// From a secret (`--seed` or `--phrase`) the exact 15- and 25-blinded ids; from an Account
    /// ID, both 15-blinded candidates (the Account ID does not fix the sign) and the 25 id.
    Blind {
        /// The community server's public key (64 hex characters).
        #[arg(long, value_name = "PUBKEY")]
        server: String,
        /// The 16-byte recovery seed (32 hex characters) or a 32-byte Ed25519 seed (64).
        #[arg(long, value_name = "HEX", conflicts_with_all = ["phrase", "account_id"])]
        seed: Option<String>,
        /// Read the 13-word recovery phrase from stdin.
        #[arg(long, conflicts_with = "account_id")]
        phrase: bool,
        /// An Account ID (05 + 64 hex characters).
        #[arg(value_name = "ACCOUNT_ID", required_unless_present_any = ["seed", "phrase"])]
        account_id: Option<String>,
        /// One JSON object: `account_id`, `server_pk`, and `blinded15_id` + `blinded25_id`
        /// (from a secret) or `blinded15_id_positive` + `blinded15_id_negative` +
        /// `blinded25_id` (from an Account ID).
        #[arg(long)]
        json: bool,
    },
}

pub(crate) fn run(args: IdArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        IdCommand::New { json, qr } => {
            let seed = Seed::generate(&mut OsRng);
            print_account(&seed, json);
            if qr {
                print!("{}", qr_code(&seed.keypair().account_id().to_string())?);
            }
        }
        IdCommand::Restore { json } => {
            let seed = restore_from_stdin()?;
            print_account(&seed, json);
        }
        IdCommand::Show { seed, json, qr } => {
            let seed = Zeroizing::new(seed);
            let input = parse_seed_input(&seed)?;
            if qr {
                let id = input.keypair.account_id().to_string();
                print!("{}", qr_code(&id)?);
                println!("{id}");
            } else {
                print_public(&input.keypair, input.recovery.as_ref(), json);
            }
        }
        IdCommand::Blind {
            server,
            seed,
            phrase,
            account_id,
            json,
        } => {
            let server = parse_x25519_public(&server, "--server")?;
            if let Some(seed) = seed {
                let seed = Zeroizing::new(seed);
                let input = parse_seed_input(&seed)?;
                print_blind_own(&input.keypair, &server, json);
            } else if phrase {
                let seed = restore_from_stdin()?;
                print_blind_own(&seed.keypair(), &server, json);
            } else if let Some(text) = account_id {
                let account = parse_account_id(&text)?;
                print_blind_account(&account, &server, json)?;
            } else {
                bail!("give --seed HEX, --phrase (phrase on stdin) or an Account ID");
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Reads a recovery phrase on stdin and restores the seed, with friendly errors.
fn restore_from_stdin() -> anyhow::Result<Seed> {
    let phrase = read_stdin_text()?;
    restore(&phrase)
}

/// Restores a seed from a 13-word phrase (or the 32 hex characters of the recovery QR code),
/// with friendly errors.
pub(crate) fn restore(phrase: &str) -> anyhow::Result<Seed> {
    // The recovery QR code carries the 16-byte seed as 32 hex characters (identity.md §1.4).
    let trimmed = phrase.trim();
    if trimmed.len() == 32 && trimmed.bytes().all(|b| b.is_ascii_hexdigit()) {
        let bytes: Zeroizing<[u8; 16]> =
            Zeroizing::new(session_identity::encoding::hex_array(trimmed)?);
        return Ok(Seed::from_bytes(&bytes));
    }
    Seed::from_mnemonic(phrase).map_err(|e| match e {
        Error::InvalidWordCount => anyhow::anyhow!(
            "a recovery phrase has exactly 13 words; got {}",
            phrase.split_whitespace().count()
        ),
        Error::UnknownWord => {
            let list = WordList::english();
            let position = phrase
                .split_whitespace()
                .position(|w| list.lookup(&w.to_ascii_lowercase()).is_none())
                .map_or(0, |p| p + 1);
            anyhow::anyhow!(
                "word {position} of the recovery phrase is not in the English word list \
                 (only the first 3 letters of each word count)"
            )
        }
        Error::InvalidValue => anyhow::anyhow!(
            "the recovery phrase is not valid (its words encode an impossible value): check it \
             for typos"
        ),
        Error::ChecksumMismatch => anyhow::anyhow!(
            "the recovery phrase's last word (its checksum) does not match: check it for typos"
        ),
        other => anyhow::anyhow!("invalid recovery phrase: {other}"),
    })
}

/// `text` as a QR code (error correction M, quiet zone of 2 modules) in Unicode half blocks,
/// one line per two module rows (`local-network.md` §7). Light modules (and the quiet zone)
/// are drawn with blocks, dark ones are left as the terminal's background, so the code reads
/// black on light on a dark terminal, as scanners expect.
pub(crate) fn qr_code(text: &str) -> anyhow::Result<String> {
    use qrcode::{Color, EcLevel, QrCode};
    const QUIET: usize = 2;
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|e| anyhow::anyhow!("cannot make a QR code: {e}"))?;
    let width = code.width();
    let colors = code.to_colors();
    let size = width + 2 * QUIET;
    // Light (true) or dark at (x, y) of the bordered code.
    let light = |x: usize, y: usize| -> bool {
        if x < QUIET || y < QUIET || x >= width + QUIET || y >= width + QUIET {
            return true;
        }
        colors
            .get((y - QUIET) * width + (x - QUIET))
            .is_none_or(|c| *c == Color::Light)
    };
    let mut out = String::with_capacity((size + 1) * size.div_ceil(2) * 3);
    for y in (0..size).step_by(2) {
        for x in 0..size {
            let top = light(x, y);
            let bottom = y + 1 >= size || light(x, y + 1);
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        out.push('\n');
    }
    Ok(out)
}

fn print_account(seed: &Seed, json: bool) {
    let kp = seed.keypair();
    let mnemonic = seed.to_mnemonic();
    let seed_hex = Zeroizing::new(hex::encode(seed.as_bytes()));
    if json {
        let out = json!({
            "account_id": kp.account_id().to_string(),
            "ed25519_pk": kp.public_key().to_string(),
            "x25519_pk": kp.x25519_public().to_string(),
            "mnemonic": mnemonic.as_str(),
            "seed16": seed_hex.as_str(),
        });
        println!("{out}");
    } else {
        println!("Account ID:      {}", kp.account_id());
        println!("Recovery phrase: {}", mnemonic.as_str());
        println!("Seed (hex):      {}", seed_hex.as_str());
        println!("Ed25519 key:     {}", kp.public_key());
        println!("X25519 key:      {}", kp.x25519_public());
        eprintln!("Keep the recovery phrase secret: anyone who has it controls this account.");
    }
}

fn print_public(kp: &Ed25519KeyPair, recovery: Option<&Seed>, json: bool) {
    let mnemonic = recovery.map(Seed::to_mnemonic);
    if json {
        let mut out = json!({
            "account_id": kp.account_id().to_string(),
            "ed25519_pk": kp.public_key().to_string(),
            "x25519_pk": kp.x25519_public().to_string(),
        });
        if let (Some(m), Some(obj)) = (&mnemonic, out.as_object_mut()) {
            obj.insert("mnemonic".into(), m.as_str().into());
        }
        println!("{out}");
    } else {
        println!("Account ID:      {}", kp.account_id());
        println!("Ed25519 key:     {}", kp.public_key());
        println!("X25519 key:      {}", kp.x25519_public());
        if let Some(m) = &mnemonic {
            println!("Recovery phrase: {}", m.as_str());
        }
    }
}

fn print_blind_own(kp: &Ed25519KeyPair, server: &X25519PublicKey, json: bool) {
    let b15 = kp.blind15(server).blinded_id();
    let b25 = kp.blind25(server).blinded_id();
    if json {
        let out = json!({
            "account_id": kp.account_id().to_string(),
            "server_pk": server.to_string(),
            "blinded15_id": b15.to_string(),
            "blinded25_id": b25.to_string(),
        });
        println!("{out}");
    } else {
        println!("Account ID:    {}", kp.account_id());
        println!("Server key:    {server}");
        println!("15-blinded ID: {b15}");
        println!("25-blinded ID: {b25}");
    }
}

fn print_blind_account(
    account: &AccountId,
    server: &X25519PublicKey,
    json: bool,
) -> anyhow::Result<()> {
    let invalid = |_| {
        anyhow::anyhow!(
            "{account} is not a usable Account ID: its key is not a valid curve point \
             (no Session account can have it)"
        )
    };
    let [pos, neg] = blinding::blind15_ids(account, server).map_err(invalid)?;
    let b25 = blinding::blind25_id(account, server).map_err(invalid)?;
    if json {
        let out = json!({
            "account_id": account.to_string(),
            "server_pk": server.to_string(),
            "blinded15_id_positive": pos.to_string(),
            "blinded15_id_negative": neg.to_string(),
            "blinded25_id": b25.to_string(),
        });
        println!("{out}");
    } else {
        println!("Account ID:        {account}");
        println!("Server key:        {server}");
        println!("15-blinded ID (+): {pos}");
        println!("15-blinded ID (-): {neg}");
        println!("25-blinded ID:     {b25}");
        println!("(the account's 15-blinded ID is one of the two candidates)");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qr_code_shape() {
        let id = "0586584f2cbedb434506fc7203192c943ae2ee7d19f2607772985a93bf78a0bc26";
        let qr = qr_code(id).unwrap();
        let lines: Vec<&str> = qr.lines().collect();
        // 66 characters at level M: version 4 or 5 (33 or 37 modules, as the digit runs
        // allow), plus a quiet zone of 2 modules on each side.
        let code = qrcode::QrCode::with_error_correction_level(id, qrcode::EcLevel::M).unwrap();
        assert_eq!(code.error_correction_level(), qrcode::EcLevel::M);
        let w = code.width();
        assert!(w == 33 || w == 37, "{w}");
        let size = w + 4;
        assert_eq!(lines.len(), size.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == size));
        assert!(
            qr.chars()
                .all(|c| matches!(c, '█' | '▀' | '▄' | ' ' | '\n'))
        );
        assert!(lines[0].chars().all(|c| c == '█'), "quiet zone");
        // Every module drawn is the qrcode crate's module (light = block, dark = space).
        let colors = code.to_colors();
        for (row, line) in lines.iter().enumerate() {
            for (x, c) in line.chars().enumerate() {
                for (half, y) in [(0, 2 * row), (1, 2 * row + 1)] {
                    let light_drawn = match c {
                        '█' => true,
                        '▀' => half == 0,
                        '▄' => half == 1,
                        _ => false,
                    };
                    let inside = (2..w + 2).contains(&x) && (2..w + 2).contains(&y);
                    let expected = !inside || colors[(y - 2) * w + (x - 2)] == qrcode::Color::Light;
                    assert_eq!(light_drawn, expected, "module ({x}, {y})");
                }
            }
        }
    }

    #[test]
    fn restore_messages() {
        let e = restore("abbey abbey").unwrap_err().to_string();
        assert!(e.contains("exactly 13 words; got 2"), "{e}");
        let phrase =
            "amaze buffet cake entrance symptoms tiger lamb maze nestle python dusted faxed";
        let e = restore(&format!("{phrase} qqq")).unwrap_err().to_string();
        assert!(e.contains("word 13"), "{e}");
        let e = restore(&format!("{phrase} amaze")).unwrap_err().to_string();
        assert!(e.contains("checksum"), "{e}");
        let seed = restore(&format!("  {} FAXED\n", phrase.to_uppercase())).unwrap();
        assert_eq!(
            seed.as_bytes(),
            &core::array::from_fn::<u8, 16, _>(|i| i as u8)
        );
        let qr = restore("000102030405060708090A0B0C0D0E0F\n").unwrap();
        assert_eq!(qr, seed);
    }
}
