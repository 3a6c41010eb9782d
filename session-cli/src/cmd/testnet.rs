//! `session testnet up`: a whole Session network on loopback, in this process (issue 10).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use clap::{Args, Subcommand};
use session_node::{Testnet, TestnetConfig};

/// Arguments of `session testnet`.
#[derive(Debug, Args)]
pub(crate) struct TestnetArgs {
    #[command(subcommand)]
    command: TestnetCommand,
}

#[derive(Debug, Subcommand)]
enum TestnetCommand {
    /// Start every node (127.0.0.2, 127.0.0.3, ...), write DIR/testnet.json once all answer, run
    /// until Ctrl-C. Starting again with the same DIR keeps keys, ports and messages.
    ///
    /// With --community, also a community server on the next loopback address (for local use
    /// only, not a production server: its posts live in memory and are lost when it stops;
    /// its key and port are kept in DIR, so its join URLs stay valid across restarts).
    Up {
        /// Number of nodes (default 12, or the value stored in DIR).
        #[arg(long)]
        nodes: Option<usize>,
        /// Nodes per swarm (default 4, or the value stored in DIR).
        #[arg(long)]
        swarm_size: Option<usize>,
        /// Directory for testnet.json and the nodes' keys and databases.
        #[arg(long, default_value = "session-testnet")]
        dir: PathBuf,
        /// Also start a community server with these rooms (default: one room, `lobby`); the
        /// join URLs are printed and listed in testnet.json.
        #[arg(long, value_name = "ROOM", num_args = 0..)]
        community: Option<Vec<String>>,
        /// A global admin of the community server (an Account ID `05…`, which also covers
        /// its blinded ids, or a `15…` id); repeatable; not kept in DIR.
        #[arg(long, value_name = "ID", requires = "community")]
        community_admin: Vec<String>,
    },
}

/// Installs a `tracing` subscriber on stderr (`RUST_LOG`, default `default`).
pub(crate) fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// Waits for SIGINT or SIGTERM.
pub(crate) async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub(crate) fn run(args: TestnetArgs) -> anyhow::Result<ExitCode> {
    let TestnetCommand::Up {
        nodes,
        swarm_size,
        dir,
        community,
        community_admin,
    } = args.command;
    let admins = community_admin
        .iter()
        .map(|id| {
            id.parse::<session_identity::SessionId>()
                .with_context(|| format!("--community-admin {id}: not a session id"))
        })
        .collect::<anyhow::Result<Vec<_>>>()?;
    init_logging("warn");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    rt.block_on(async move {
        let mut config = TestnetConfig::new(&dir);
        config.nodes = nodes;
        config.swarm_size = swarm_size;
        config.community_admins = admins;
        config.community = community.map(|rooms| {
            if rooms.is_empty() {
                vec!["lobby".to_owned()]
            } else {
                rooms
            }
        });
        let config_admins: Vec<String> = config
            .community_admins
            .iter()
            .map(ToString::to_string)
            .collect();
        let net = Testnet::start(config)
            .await
            .with_context(|| format!("starting the local network in {}", dir.display()))?;
        let mut out = format!(
            "{:<6} {:<22} {:<18} pubkey_ed25519\n",
            "node", "address", "swarm"
        );
        for (i, n) in net.nodes().iter().enumerate() {
            out.push_str(&format!(
                "{:<6} {:<22} {:<18} {}\n",
                i,
                format!("{}:{}", n.ip(), n.https_port()),
                n.swarm_id().to_hex(),
                n.ed25519_pk()
            ));
        }
        out.push_str(&format!("seeds: {}\n", net.seeds().join(" ")));
        if let Some(c) = net.community() {
            out.push_str(&format!(
                "community server {} (in memory, for local use only)\n",
                c.base_url()
            ));
            for room in c.rooms() {
                out.push_str(&format!("  room {room:<16} {}\n", c.join_url(room)));
            }
            for admin in &config_admins {
                out.push_str(&format!("  admin {admin}\n"));
            }
        }
        out.push_str(&format!(
            "wrote {}\nrunning; Ctrl-C stops\n",
            net.testnet_json().display()
        ));
        // A closed stdout (`| head`) must not stop the network.
        let mut stdout = std::io::stdout();
        let _ = stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush());
        interrupted().await;
        eprintln!("stopping ...");
        if tokio::time::timeout(Duration::from_secs(5), net.stop())
            .await
            .is_err()
        {
            eprintln!("some nodes did not stop within 5 s");
        }
        Ok(ExitCode::SUCCESS)
    })
}
