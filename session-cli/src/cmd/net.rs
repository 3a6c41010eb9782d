//! `session send` and `session poll`: messages through onion paths (`local-network.md` §7).
//!
//! Exit codes: 0 success, 1 the network failed after retries (message on stderr), 2 bad input.
//! [`NetArgs`] (`--seed`/`--phrase`, `--testnet`) is shared with the other network commands.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::{Value, json};
use session_client::{Client, ClientBuilder, ErrorKind, Message, Network};
use session_identity::{Ed25519KeyPair, Ed25519PublicKey};
use zeroize::Zeroizing;

use super::common::{parse_account_id, parse_seed_input, read_stdin_message, read_stdin_text};

/// The account and network options of every network command.
#[derive(Debug, Args)]
pub(crate) struct NetArgs {
    /// The account's 16-byte recovery seed (32 hex characters) or 32-byte Ed25519 seed (64).
    #[arg(
        long,
        value_name = "HEX",
        conflicts_with = "phrase",
        required_unless_present = "phrase"
    )]
    seed: Option<String>,
    /// A file holding the account's 13-word recovery phrase (`-` = stdin).
    #[arg(long, value_name = "FILE")]
    phrase: Option<PathBuf>,
    /// A local network's `testnet.json` (`session testnet up`); without it: mainnet.
    #[arg(long, value_name = "FILE")]
    testnet: Option<PathBuf>,
}

impl NetArgs {
    /// The account's key pair. `stdin_free`: whether `--phrase -` may read stdin.
    pub(crate) fn keypair(&self, stdin_free: bool) -> anyhow::Result<Ed25519KeyPair> {
        if let Some(seed) = &self.seed {
            let seed = Zeroizing::new(seed.clone());
            return Ok(parse_seed_input(&seed)?.keypair);
        }
        let Some(file) = &self.phrase else {
            bail!("give --seed HEX or --phrase FILE");
        };
        let phrase = if file.as_os_str() == "-" {
            if !stdin_free {
                bail!("--phrase - cannot be used here: stdin is the message; give a file");
            }
            read_stdin_text()?
        } else {
            Zeroizing::new(
                std::fs::read_to_string(file)
                    .with_context(|| format!("cannot read the phrase file {}", file.display()))?,
            )
        };
        Ok(super::id::restore(&phrase)?.keypair())
    }

    /// The network: `--testnet FILE`, else mainnet.
    pub(crate) fn network(&self) -> anyhow::Result<Network> {
        match &self.testnet {
            Some(path) => Network::testnet_from_file(path).map_err(|e| anyhow::anyhow!("{e}")),
            None => Ok(Network::Mainnet),
        }
    }

    /// Reads the account and the network now (bad input is `Err`, exit 2) and returns the
    /// future that joins the network with a client built from them, `configure` applied to
    /// the builder: the client, or the exit code after the error was printed ([`failure`]).
    pub(crate) fn client<F>(
        &self,
        stdin_free: bool,
        configure: F,
    ) -> anyhow::Result<impl Future<Output = Result<Client, ExitCode>> + use<F>>
    where
        F: FnOnce(ClientBuilder) -> ClientBuilder,
    {
        let builder = Client::builder()
            .identity(self.keypair(stdin_free)?)
            .network(self.network()?);
        Ok(async move {
            configure(builder)
                .build()
                .await
                .map_err(|e| failure("cannot join the network", &e))
        })
    }
}

/// A tokio runtime for one command.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Runs a network command's `f` in a runtime of its own: joins the network with `join`
/// ([`NetArgs::client`]), runs `f` with the client and shuts the client down. The exit code of
/// `f`, or of the failed join.
pub(crate) fn with_client<J, F>(join: J, f: F) -> anyhow::Result<ExitCode>
where
    J: Future<Output = Result<Client, ExitCode>>,
    F: AsyncFnOnce(&Client) -> ExitCode,
{
    super::testnet::init_logging("warn");
    runtime()?.block_on(async move {
        let client = match join.await {
            Ok(c) => c,
            Err(code) => return Ok(code),
        };
        let code = f(&client).await;
        client.shutdown().await;
        Ok(code)
    })
}

/// Prints a client error and returns its exit code: 2 for bad input, 1 for the rest.
pub(crate) fn failure(what: &str, e: &session_client::Error) -> ExitCode {
    eprintln!("error: {what}: {e}");
    if e.kind() == ErrorKind::InvalidInput {
        ExitCode::from(2)
    } else {
        ExitCode::from(1)
    }
}

/// Arguments of `session send`.
#[derive(Debug, Args)]
pub(crate) struct SendArgs {
    #[command(flatten)]
    net: NetArgs,
    /// The recipient's Account ID (05 + 64 hex characters).
    #[arg(long, value_name = "ACCOUNT_ID")]
    to: String,
    /// Print `{"hash","timestamp","to","swarm"}` (`swarm`: the Ed25519 keys of the members
    /// that stored it).
    #[arg(long)]
    json: bool,
}

/// `session send`: the message is stdin, one trailing newline removed.
pub(crate) fn send(args: SendArgs) -> anyhow::Result<ExitCode> {
    let to = parse_account_id(&args.to)?;
    let join = args.net.client(false, |b| b)?;
    let text = read_stdin_message()?;
    with_client(join, async |client| {
        let receipt = match client.send(&to, &text).await {
            Ok(r) => r,
            Err(e) => return failure("the message was not stored", &e),
        };
        if args.json {
            let swarm: Vec<String> = receipt.stored_by.iter().map(ToString::to_string).collect();
            let out = json!({
                "hash": receipt.hash,
                "timestamp": receipt.timestamp_ms,
                "to": receipt.to.to_string(),
                "swarm": swarm,
            });
            println!("{out}");
        } else {
            println!("{}", receipt.hash);
        }
        ExitCode::SUCCESS
    })
}

/// Arguments of `session poll`.
#[derive(Debug, Args)]
pub(crate) struct PollArgs {
    #[command(flatten)]
    net: NetArgs,
    /// One JSON object per line: `sender_account_id`, `timestamp`, `hash`, `text` (and `kind`).
    /// (Plain lines are `<timestamp ms> <sender> <text>`, line breaks in the text shown as `\n`.)
    #[arg(long)]
    json: bool,
    /// Keep polling every 2 s until interrupted.
    #[arg(long)]
    follow: bool,
    /// A file keeping the per-node `last_hash` between runs (created if missing).
    #[arg(long, value_name = "FILE")]
    state: Option<PathBuf>,
}

fn load_state(path: &Path) -> anyhow::Result<HashMap<Ed25519PublicKey, String>> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => bail!("cannot read the state file {}: {e}", path.display()),
    };
    let v: Value = serde_json::from_slice(&text)
        .with_context(|| format!("the state file {} is not JSON", path.display()))?;
    let map = v
        .get("last_hash")
        .and_then(Value::as_object)
        .with_context(|| format!("the state file {} has no last_hash map", path.display()))?;
    map.iter()
        .map(|(k, h)| {
            let key = k
                .parse::<Ed25519PublicKey>()
                .ok()
                .with_context(|| format!("the state file has a bad node key {k}"))?;
            let hash = h
                .as_str()
                .with_context(|| "the state file has a bad hash")?;
            Ok((key, hash.to_owned()))
        })
        .collect()
}

fn save_state(path: &Path, hashes: &HashMap<Ed25519PublicKey, String>) -> std::io::Result<()> {
    let map: serde_json::Map<String, Value> = hashes
        .iter()
        .map(|(k, h)| (k.to_string(), Value::from(h.as_str())))
        .collect();
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, json!({ "last_hash": map }).to_string())?;
    std::fs::rename(&tmp, path)
}

/// One output line for a message (`local-network.md` §7).
fn line(m: &Message, as_json: bool) -> String {
    if as_json {
        let mut v = json!({
            "sender_account_id": m.sender.to_string(),
            "timestamp": m.timestamp_ms,
            "hash": m.hash,
            "text": m.text,
        });
        if m.text.is_none() {
            if let Some(o) = v.as_object_mut() {
                o.insert("kind".into(), m.kind.as_str().into());
            }
        }
        v.to_string()
    } else {
        // One line per message: line breaks inside the text are shown as `\n` (`--json` keeps
        // the text exact).
        let text = m.text.as_ref().map_or_else(
            || format!("[{}]", m.kind.as_str()),
            |t| t.replace('\r', "\\r").replace('\n', "\\n"),
        );
        format!("{} {} {}", m.timestamp_ms, m.sender, text)
    }
}

/// `session poll`.
pub(crate) fn poll(args: PollArgs) -> anyhow::Result<ExitCode> {
    let last_hashes = match &args.state {
        Some(p) => load_state(p)?,
        None => HashMap::new(),
    };
    let join = args.net.client(true, |b| b.last_hashes(last_hashes))?;
    with_client(join, async |client| {
        let mut stdout = std::io::stdout();
        // Listening from the start, so that Ctrl-C during a round is not lost.
        let interrupt = super::testnet::interrupted();
        tokio::pin!(interrupt);
        loop {
            let round = tokio::select! {
                r = client.poll() => r,
                () = &mut interrupt => break,
            };
            match round {
                Ok(messages) => {
                    for m in &messages {
                        let _ = writeln!(stdout, "{}", line(m, args.json));
                    }
                    let _ = stdout.flush();
                    if let Some(p) = &args.state {
                        if let Err(e) = save_state(p, &client.last_hashes()) {
                            eprintln!("error: cannot write the state file {}: {e}", p.display());
                            return ExitCode::from(1);
                        }
                    }
                }
                Err(e) if args.follow && e.is_retryable() => {
                    eprintln!("warning: poll failed, retrying: {e}");
                }
                Err(e) => return failure("poll failed", &e),
            }
            if !args.follow {
                break;
            }
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(2)) => {}
                () = &mut interrupt => break,
            }
        }
        ExitCode::SUCCESS
    })
}
