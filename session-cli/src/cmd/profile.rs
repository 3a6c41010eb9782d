//! `session profile set-name|show` and `session contacts [add]`: the account's synced config
//! (`local-network.md` §7). Every command fetches and merges the account's config namespaces
//! from the network first, so a fresh process with the same seed behaves as another device.
//!
//! Exit codes as [`super::net`]: 0 success, 1 the network failed after retries (message on
//! stderr), 2 bad input.

use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::json;
use session_client::{Client, SyncReport};
use session_config::{Contact, MAX_NAME_LEN};

use super::common::parse_account_id;
use super::net::{NetArgs, failure, with_client};

/// Arguments of `session profile`.
#[derive(Debug, Args)]
pub(crate) struct ProfileArgs {
    #[command(subcommand)]
    command: ProfileCmd,
}

#[derive(Debug, Subcommand)]
enum ProfileCmd {
    /// Set the account's display name; exits 0 once the swarm stored the new profile.
    SetName {
        #[command(flatten)]
        net: NetArgs,
        /// The display name (1 to 100 bytes of UTF-8).
        name: String,
        /// Print `{"display_name","seqno","hash"}` instead of the stored message's hash.
        #[arg(long)]
        json: bool,
    },
    /// Fetch the account's profile from the network and print its display name.
    Show {
        #[command(flatten)]
        net: NetArgs,
        /// Print `{"display_name","account_id","profile_picture","seqno"}`.
        #[arg(long)]
        json: bool,
    },
}

/// Arguments of `session contacts`: without a subcommand, the list.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub(crate) struct ContactsArgs {
    #[command(subcommand)]
    command: Option<ContactsCmd>,
    #[command(flatten)]
    net: NetArgs,
    /// One JSON object per contact and line: `account_id`, `name`, `nickname`, `approved`,
    /// `approved_me`, `blocked` (plain lines: `<account id> <name>`).
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Subcommand)]
enum ContactsCmd {
    /// Add (approve) a contact; exits 0 once the swarm stored the new list.
    Add {
        #[command(flatten)]
        net: NetArgs,
        /// Their Account ID (05 + 64 hex characters).
        account_id: String,
        /// Their display name.
        #[arg(long)]
        name: Option<String>,
    },
}

/// A client of the account that syncs only when asked ([`NetArgs::client`]).
fn connect(net: &NetArgs) -> anyhow::Result<impl Future<Output = Result<Client, ExitCode>>> {
    net.client(true, |b| b.sync_configs_on_poll(false))
}

/// `session profile ...`.
pub(crate) fn profile(args: ProfileArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        ProfileCmd::SetName { net, name, json } => set_name(&net, &name, json),
        ProfileCmd::Show { net, json } => show(&net, json),
    }
}

fn set_name(net: &NetArgs, name: &str, as_json: bool) -> anyhow::Result<ExitCode> {
    if name.is_empty() {
        bail!("the display name is empty");
    }
    if name.len() > MAX_NAME_LEN {
        bail!(
            "the display name is {} bytes long; at most {MAX_NAME_LEN} are allowed",
            name.len()
        );
    }
    let join = connect(net)?;
    with_client(join, async |client| {
        let report = match client.profile().set_display_name(name).await {
            Ok(r) => r,
            Err(e) => return failure("the profile was not stored", &e),
        };
        let pushed = report.pushed.iter().find(|p| p.namespace == 2);
        let seqno = client.user_configs().profile.base().seqno();
        let hash = pushed
            .map(|p| p.hash.clone())
            .or_else(|| current_hash(client));
        if as_json {
            println!(
                "{}",
                json!({ "display_name": name, "seqno": seqno, "hash": hash })
            );
        } else {
            // The name was already the account's: nothing new was stored.
            println!("{}", hash.unwrap_or_default());
        }
        ExitCode::SUCCESS
    })
}

fn current_hash(client: &Client) -> Option<String> {
    client
        .user_configs()
        .profile
        .base()
        .current_hash()
        .map(str::to_owned)
}

/// Syncs once; on failure the exit code.
async fn sync(client: &Client) -> Result<SyncReport, ExitCode> {
    client
        .sync()
        .await
        .map_err(|e| failure("cannot fetch the account's config", &e))
}

fn show(net: &NetArgs, as_json: bool) -> anyhow::Result<ExitCode> {
    let join = connect(net)?;
    with_client(join, async |client| {
        if let Err(code) = sync(client).await {
            return code;
        }
        let profile = client.profile();
        let name = profile.display_name();
        if as_json {
            let out = json!({
                "display_name": name,
                "account_id": client.account_id().to_string(),
                "profile_picture": profile.profile_picture().map(|p| p.url),
                "seqno": client.user_configs().profile.base().seqno(),
            });
            println!("{out}");
        } else {
            println!("{}", name.unwrap_or_default());
        }
        ExitCode::SUCCESS
    })
}

fn contact_line(c: &Contact, as_json: bool) -> String {
    if as_json {
        json!({
            "account_id": c.id.to_string(),
            "name": c.name,
            "nickname": c.nickname,
            "approved": c.approved,
            "approved_me": c.approved_me,
            "blocked": c.blocked,
        })
        .to_string()
    } else {
        format!("{} {}", c.id, c.name)
    }
}

/// `session contacts [add]`.
pub(crate) fn contacts(args: ContactsArgs) -> anyhow::Result<ExitCode> {
    if let Some(ContactsCmd::Add {
        net,
        account_id,
        name,
    }) = args.command
    {
        return add_contact(&net, &account_id, name.as_deref());
    }
    let net = args.net;
    let join = connect(&net)?;
    with_client(join, async |client| {
        if let Err(code) = sync(client).await {
            return code;
        }
        for c in client.contacts().list() {
            println!("{}", contact_line(&c, args.json));
        }
        ExitCode::SUCCESS
    })
}

fn add_contact(net: &NetArgs, account_id: &str, name: Option<&str>) -> anyhow::Result<ExitCode> {
    let id = parse_account_id(account_id)?;
    let join = connect(net)?;
    with_client(join, async |client| {
        if let Err(e) = client.contacts().add(&id, name).await {
            return failure("the contact list was not stored", &e);
        }
        if let Some(c) = client.contacts().get(&id) {
            println!("{}", contact_line(&c, false));
        }
        ExitCode::SUCCESS
    })
}
