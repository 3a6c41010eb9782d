//! `session node run --config FILE`: one service node (issue 10).

use std::net::SocketAddrV4;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{Args, Subcommand};
use serde::Deserialize;
use session_node::{Node, NodeConfig};

/// Arguments of `session node`.
#[derive(Debug, Args)]
pub(crate) struct NodeArgs {
    #[command(subcommand)]
    command: NodeCommand,
}

#[derive(Debug, Subcommand)]
enum NodeCommand {
    /// Run one node until Ctrl-C. FILE is JSON: {"data_dir": "DIR", "listen": "IP:PORT",
    /// "node_list": "FILE"} — the key, TLS certificate and database live in data_dir (made on
    /// first start); node_list is a testnet.json or any node list `session swarm` reads, and
    /// must contain this node's entry (its Ed25519 key is printed at start).
    Run {
        /// The configuration file.
        #[arg(long)]
        config: PathBuf,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    data_dir: PathBuf,
    listen: SocketAddrV4,
    node_list: PathBuf,
}

pub(crate) fn run(args: NodeArgs) -> anyhow::Result<ExitCode> {
    let NodeCommand::Run { config } = args.command;
    let text = std::fs::read(&config).with_context(|| format!("reading {}", config.display()))?;
    let cfg: ConfigFile =
        serde_json::from_slice(&text).with_context(|| format!("parsing {}", config.display()))?;
    let base = config.parent().map(PathBuf::from).unwrap_or_default();
    let rel = |p: PathBuf| if p.is_relative() { base.join(p) } else { p };
    let data_dir = rel(cfg.data_dir);
    let list_path = rel(cfg.node_list);
    let list_text =
        std::fs::read(&list_path).with_context(|| format!("reading {}", list_path.display()))?;
    let nodes = session_swarm::node::parse_node_list(&list_text)
        .with_context(|| format!("parsing {}", list_path.display()))?;
    if cfg.listen.ip().is_unspecified() {
        bail!("listen on a concrete address, not {}", cfg.listen.ip());
    }
    let key = session_node::node_key(&data_dir)?;
    let me = key.public_key();
    if !nodes.iter().any(|n| *n.ed25519_pk() == me) {
        eprintln!(
            "warning: {} does not list this node ({me}); it will refuse account requests",
            list_path.display()
        );
    }
    super::testnet::init_logging("info");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let node = Node::start(NodeConfig {
            data_dir,
            listen: cfg.listen,
            nodes,
        })
        .await?;
        println!("node {me} listening on https://{}", node.addr());
        super::testnet::interrupted().await;
        if tokio::time::timeout(Duration::from_secs(5), node.stop())
            .await
            .is_err()
        {
            eprintln!("the node did not stop within 5 s");
        }
        Ok(ExitCode::SUCCESS)
    })
}
