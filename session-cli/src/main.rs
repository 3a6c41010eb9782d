//! `session`: the command-line tool of the Session protocol stack in Rust.

mod cmd;
mod vectors;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Session protocol stack: identities, encryption, onion requests, swarms and conformance vectors.
#[derive(Debug, Parser)]
#[command(name = "session", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Conformance test vectors.
    #[command(subcommand)]
    Vectors(VectorsCmd),
    /// Session identities: Account IDs, recovery phrases, blinded ids.
    Id(cmd::id::IdArgs),
    /// Encrypt stdin for an Account ID (Session Protocol, raw primitive); prints hex.
    Encrypt(cmd::message::EncryptArgs),
    /// Decrypt Session Protocol ciphertext (hex on stdin); prints the sender and message.
    Decrypt(cmd::message::DecryptArgs),
    /// Onion requests as a service node sees them.
    Onion(cmd::onion::OnionArgs),
    /// Swarms: which swarm and nodes serve an id.
    Swarm(cmd::swarm::SwarmArgs),
    /// Signed storage RPC requests.
    Rpc(cmd::swarm::RpcArgs),
    /// Time the core operations (like `openssl speed`; names as in `refbench`).
    Bench(cmd::bench::BenchArgs),
    /// A whole Session network on loopback (`session testnet up`).
    Testnet(cmd::testnet::TestnetArgs),
    /// Run one service node (`session node run --config FILE`).
    Node(cmd::node::NodeArgs),
    /// Send a message (text on stdin) through an onion path to an Account ID.
    Send(cmd::net::SendArgs),
    /// Fetch this account's messages from its swarm (once, or `--follow`).
    Poll(cmd::net::PollArgs),
    /// The account's synced profile: `profile set-name NAME`, `profile show`.
    Profile(cmd::profile::ProfileArgs),
    /// The account's synced contacts (`contacts add ACCOUNT_ID` to add one).
    Contacts(cmd::profile::ContactsArgs),
    /// A room of a community server: `community info|read|post URL`.
    Community(cmd::community::CommunityArgs),
}

#[derive(Debug, Subcommand)]
enum VectorsCmd {
    /// Run every vector of the given files; exit 0 only when all pass.
    Check {
        /// One JSON object `{"total","passed","failed","unsupported"}` instead of text.
        #[arg(long)]
        json: bool,
        /// Vector files (`vectors/*.json`).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Vectors(VectorsCmd::Check { json, files }) => {
            return vectors::check(&files, json);
        }
        Command::Id(args) => cmd::id::run(args),
        Command::Encrypt(args) => cmd::message::encrypt(args),
        Command::Decrypt(args) => cmd::message::decrypt(args),
        Command::Onion(args) => cmd::onion::run(args),
        Command::Swarm(args) => cmd::swarm::run_swarm(args),
        Command::Rpc(args) => cmd::swarm::run_rpc(args),
        Command::Bench(args) => cmd::bench::run(args),
        Command::Testnet(args) => cmd::testnet::run(args),
        Command::Node(args) => cmd::node::run(args),
        Command::Send(args) => cmd::net::send(args),
        Command::Poll(args) => cmd::net::poll(args),
        Command::Profile(args) => cmd::profile::profile(args),
        Command::Contacts(args) => cmd::profile::contacts(args),
        Command::Community(args) => cmd::community::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
