//! `session swarm ...` and `session rpc ...` (issue 5).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};
use session_swarm::auth::{Auth, ExpireMode};
use session_swarm::node::parse_node_list;
use session_swarm::rpc::{self, Request};
use session_swarm::{
    Namespace, NamespaceSelector, Retrieve, ServiceNode, Store, SwarmPubkey, SwarmTable,
};

use super::common::parse_seed;

/// Arguments of `session swarm`.
#[derive(Debug, Args)]
pub(crate) struct SwarmArgs {
    #[command(subcommand)]
    command: SwarmCommand,
}

#[derive(Debug, Subcommand)]
enum SwarmCommand {
    /// Which swarm, and which nodes, serve an id (any prefix: 05 Account IDs, 03 groups, ...).
    For {
        /// The id: 66 hex digits.
        account_id: String,
        /// Node list: a testnet.json (array of node entries or {"nodes": [...]}), an oxend
        /// get_service_nodes answer, a get_swarm answer, or libsession cache lines.
        #[arg(long)]
        nodes: PathBuf,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The swarm-space position of an id.
    Space {
        /// The id: 66 hex digits.
        account_id: String,
        /// Print JSON.
        #[arg(long)]
        json: bool,
    },
    /// The storage-server hash of a message (base64 data on the command line).
    Hash {
        /// The id: 66 hex digits.
        account_id: String,
        /// Namespace.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        namespace: i16,
        /// The message bytes as standard base64.
        #[arg(long)]
        data_b64: String,
    },
}

/// Arguments of `session rpc`.
#[derive(Debug, Args)]
pub(crate) struct RpcArgs {
    #[command(subcommand)]
    command: RpcCommand,
}

#[derive(Debug, Subcommand)]
enum RpcCommand {
    /// Build and sign a storage RPC request; prints `{"method", "params"}` JSON.
    #[command(subcommand)]
    Sign(SignCommand),
}

/// Who signs: the account of `--seed` (a Session ID, or with `--group` the 03 group whose
/// Ed25519 key it is).
#[derive(Debug, Args)]
struct Signer {
    /// 16-byte recovery seed (32 hex) or 32-byte Ed25519 seed (64 hex).
    #[arg(long)]
    seed: String,
    /// Sign for the 03 group id of this Ed25519 key instead of the 05 Session ID.
    #[arg(long)]
    group: bool,
    /// Print the QUIC BTRequestStream command frame (hex) instead of JSON.
    #[arg(long)]
    quic: bool,
}

#[derive(Debug, Subcommand)]
enum SignCommand {
    /// `retrieve` (signed "retrieve" ns timestamp).
    Retrieve {
        #[command(flatten)]
        signer: Signer,
        /// Namespace.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        namespace: i16,
        /// Signature timestamp, ms (default: now).
        #[arg(long)]
        timestamp: Option<u64>,
        /// Only messages after this hash.
        #[arg(long)]
        last_hash: Option<String>,
        /// max_count.
        #[arg(long, allow_hyphen_values = true)]
        max_count: Option<i64>,
        /// max_size (negative: fraction of the node maximum).
        #[arg(long, allow_hyphen_values = true)]
        max_size: Option<i64>,
    },
    /// `store` (signed "store" ns timestamp).
    Store {
        #[command(flatten)]
        signer: Signer,
        /// Namespace.
        #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
        namespace: i16,
        /// Message timestamp, ms (default: now).
        #[arg(long)]
        timestamp: Option<u64>,
        /// TTL, ms.
        #[arg(long, default_value_t = 14 * 24 * 3_600_000)]
        ttl: u64,
        /// The message bytes as standard base64.
        #[arg(long)]
        data_b64: String,
    },
    /// `delete` (signed "delete" hashes…).
    Delete {
        #[command(flatten)]
        signer: Signer,
        /// Message hashes.
        #[arg(required = true)]
        hashes: Vec<String>,
    },
    /// `delete_all` (signed "delete_all" ns timestamp).
    DeleteAll {
        #[command(flatten)]
        signer: Signer,
        /// Namespace number or `all`.
        #[arg(long, default_value = "0", allow_hyphen_values = true)]
        namespace: String,
        /// Timestamp, ms (default: now).
        #[arg(long)]
        timestamp: Option<u64>,
    },
    /// `expire` (signed "expire" mode expiry hashes…).
    Expire {
        #[command(flatten)]
        signer: Signer,
        /// New expiry, ms.
        #[arg(long)]
        expiry: u64,
        /// Only shorten.
        #[arg(long, conflicts_with = "extend")]
        shorten: bool,
        /// Only extend.
        #[arg(long)]
        extend: bool,
        /// Message hashes.
        #[arg(required = true)]
        hashes: Vec<String>,
    },
}

fn now_ms() -> anyhow::Result<u64> {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .context("the system clock is before 1970")?;
    u64::try_from(d.as_millis()).context("the system clock is out of range")
}

fn parse_id(text: &str) -> anyhow::Result<SwarmPubkey> {
    text.trim()
        .parse::<SwarmPubkey>()
        .map_err(|e| anyhow::anyhow!("the id must be 66 hex digits (prefix + 32-byte key): {e}"))
}

fn node_json(n: &ServiceNode) -> Value {
    json!({
        "pubkey_ed25519": n.ed25519_pk().to_string(),
        "pubkey_x25519": n.x25519_pk().to_string(),
        "ip": n.ip().to_string(),
        "https_port": n.https_port(),
        "quic_port": n.quic_port(),
    })
}

pub(crate) fn run_swarm(args: SwarmArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        SwarmCommand::For {
            account_id,
            nodes,
            json,
        } => {
            let id = parse_id(&account_id)?;
            let text = std::fs::read(&nodes)
                .with_context(|| format!("cannot read {}", nodes.display()))?;
            let list = parse_node_list(&text)
                .with_context(|| format!("{} is not a node list", nodes.display()))?;
            let table = SwarmTable::from_nodes(&list);
            let Some(swarm) = table.lookup(&id) else {
                bail!("the node list has no node in any swarm");
            };
            if json {
                let out = json!({
                    "account_id": id.to_hex(),
                    "swarm_space": id.swarm_space().to_string(),
                    "swarm_id": swarm.id.get().to_string(),
                    "swarm_id_hex": swarm.id.to_hex(),
                    "swarm_count": table.len(),
                    "nodes": swarm.nodes.iter().map(node_json).collect::<Vec<_>>(),
                });
                println!("{out}");
            } else {
                println!("account:     {}", id.to_hex());
                println!("swarm space: {}", id.swarm_space());
                println!(
                    "swarm:       {} (0x{}) of {} swarms",
                    swarm.id,
                    swarm.id.to_hex(),
                    table.len()
                );
                println!("nodes:");
                for n in swarm.nodes {
                    println!(
                        "  {}  {}  https {}  quic {}",
                        n.ed25519_pk(),
                        n.ip(),
                        n.https_port(),
                        n.quic_port()
                    );
                }
            }
        }
        SwarmCommand::Space { account_id, json } => {
            let id = parse_id(&account_id)?;
            if json {
                println!(
                    "{}",
                    json!({"account_id": id.to_hex(), "swarm_space": id.swarm_space().to_string()})
                );
            } else {
                println!("{}", id.swarm_space());
            }
        }
        SwarmCommand::Hash {
            account_id,
            namespace,
            data_b64,
        } => {
            use base64::Engine as _;
            let id = parse_id(&account_id)?;
            let data = base64::engine::general_purpose::STANDARD
                .decode(data_b64.trim())
                .context("--data-b64 is not standard base64")?;
            println!(
                "{}",
                session_swarm::message_hash(&id, Namespace::new(namespace), &data)
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn auth(signer: &Signer) -> anyhow::Result<Auth> {
    let keypair = parse_seed(&signer.seed)?;
    if signer.group {
        let id = SwarmPubkey::from_parts(0x03, keypair.public_key().as_bytes());
        Ok(Auth::account(id, &keypair)?)
    } else {
        Ok(Auth::session_id(&keypair))
    }
}

fn print(signer: &Signer, request: &Request) -> anyhow::Result<ExitCode> {
    if signer.quic {
        println!("{}", hex::encode(request.to_quic_frame(0)?));
    } else {
        println!("{}", request.to_json_string());
    }
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn run_rpc(args: RpcArgs) -> anyhow::Result<ExitCode> {
    let RpcCommand::Sign(cmd) = args.command;
    match cmd {
        SignCommand::Retrieve {
            signer,
            namespace,
            timestamp,
            last_hash,
            max_count,
            max_size,
        } => {
            let a = auth(&signer)?;
            let ts = match timestamp {
                Some(t) => t,
                None => now_ms()?,
            };
            let r = Retrieve {
                namespace: Namespace::new(namespace),
                last_hash,
                max_count,
                max_size,
            }
            .sign(&a, ts)?;
            print(&signer, &r)
        }
        SignCommand::Store {
            signer,
            namespace,
            timestamp,
            ttl,
            data_b64,
        } => {
            use base64::Engine as _;
            let a = auth(&signer)?;
            let data = base64::engine::general_purpose::STANDARD
                .decode(data_b64.trim())
                .context("--data-b64 is not standard base64")?;
            let timestamp_ms = match timestamp {
                Some(t) => t,
                None => now_ms()?,
            };
            let r = Store {
                namespace: Namespace::new(namespace),
                data,
                timestamp_ms,
                ttl_ms: ttl,
            }
            .sign(&a)?;
            print(&signer, &r)
        }
        SignCommand::Delete { signer, hashes } => {
            let r = rpc::delete(&auth(&signer)?, &hashes, false)?;
            print(&signer, &r)
        }
        SignCommand::DeleteAll {
            signer,
            namespace,
            timestamp,
        } => {
            let ns = if namespace == "all" {
                NamespaceSelector::All
            } else {
                let n: i16 = namespace
                    .parse()
                    .context("--namespace must be an integer or `all`")?;
                NamespaceSelector::One(Namespace::new(n))
            };
            let ts = match timestamp {
                Some(t) => t,
                None => now_ms()?,
            };
            let r = rpc::delete_all(&auth(&signer)?, ns, ts)?;
            print(&signer, &r)
        }
        SignCommand::Expire {
            signer,
            expiry,
            shorten,
            extend,
            hashes,
        } => {
            let mode = if shorten {
                ExpireMode::Shorten
            } else if extend {
                ExpireMode::Extend
            } else {
                ExpireMode::Set
            };
            let r = rpc::expire(&auth(&signer)?, &hashes, &[expiry], mode)?;
            print(&signer, &r)
        }
    }
}
