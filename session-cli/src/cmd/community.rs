//! `session community info|read|post URL`: a room of a community server, through onion paths
//! of the network (or `--direct`), with the account of `--seed`/`--phrase`
//! (`local-network.md` §7).
//!
//! Exit codes as [`super::net`]: 0 success, 1 the network or the server failed (message on
//! stderr), 2 bad input.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::bail;
use clap::{Args, Subcommand};
use serde_json::json;
use session_client::{Community, Room, RoomMessage, RoomOptions, Start};

use super::common::read_stdin_message;
use super::net::{NetArgs, failure, with_client};

/// Updates per poll when the request names no limit (the server's default).
const PAGE: usize = 100;

/// Arguments of `session community`.
#[derive(Debug, Args)]
pub(crate) struct CommunityArgs {
    #[command(subcommand)]
    command: CommunityCmd,
}

/// Where the room is and how to reach it.
#[derive(Debug, Args)]
struct RoomArgs {
    #[command(flatten)]
    net: NetArgs,
    /// The room's join URL: `http(s)://host[:port]/ROOM?public_key=<64 hex>`.
    url: String,
    /// Send the requests straight to the server (one you run) instead of through onion paths;
    /// the server then sees this machine's address, and no seed or service node is contacted.
    /// An `https://` server's certificate is checked against the system's roots
    /// (`SSL_CERT_FILE` names another PEM file).
    #[arg(long)]
    direct: bool,
}

#[derive(Debug, Subcommand)]
enum CommunityCmd {
    /// The room: name, description, message count, active users, this account's permissions.
    Info {
        #[command(flatten)]
        room: RoomArgs,
        /// Print the server's room object as JSON (plus `session_id`: this account's id there).
        #[arg(long)]
        json: bool,
    },
    /// The room's messages, one line each: `<id> <posted> <session id> <text>` (every post's
    /// signature is checked; posts that fail are dropped with a warning on stderr).
    Read {
        #[command(flatten)]
        room: RoomArgs,
        /// Every message changed after this sequence number (`0`: the whole history); without
        /// it, the most recent messages.
        #[arg(long, value_name = "N")]
        since: Option<i64>,
        /// One JSON object per line: `id`, `session_id`, `posted`, `text` (and `seqno`).
        #[arg(long)]
        json: bool,
        /// Keep reading (every 2 s) until interrupted.
        #[arg(long)]
        follow: bool,
    },
    /// Post stdin (one trailing newline removed) to the room; prints the message id.
    Post {
        #[command(flatten)]
        room: RoomArgs,
        /// Print the stored post as `{"id","session_id","posted","seqno"}`.
        #[arg(long)]
        json: bool,
    },
}

/// `session community`.
pub(crate) fn run(args: CommunityArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        CommunityCmd::Info { room, json } => info(&room, json),
        CommunityCmd::Read {
            room,
            since,
            json,
            follow,
        } => read(&room, since, json, follow),
        CommunityCmd::Post { room, json } => post(&room, json),
    }
}

/// Checks the input, joins the network and the room, runs `f` on the room; input errors are
/// `Err` (exit 2), network and server failures an exit code.
fn with_room<F>(args: &RoomArgs, start: Start, stdin_free: bool, f: F) -> anyhow::Result<ExitCode>
where
    F: AsyncFnOnce(&Room) -> ExitCode,
{
    let community: Community = match args.url.parse() {
        Ok(c) => c,
        Err(e) => bail!("{e}"),
    };
    // Direct: the pool is only bootstrapped if something needs it (nothing here), so no seed
    // is contacted.
    let direct = args.direct;
    let join = args.net.client(stdin_free, move |b| b.lazy_pool(direct))?;
    let mut options = RoomOptions::default().start(start);
    if args.direct {
        options = options.direct();
    }
    with_client(join, async move |client| {
        match client.community_with(&community, options).await {
            Ok(room) => f(&room).await,
            Err(e) => failure("cannot join the room", &e),
        }
    })
}

fn info(args: &RoomArgs, as_json: bool) -> anyhow::Result<ExitCode> {
    with_room(args, Start::Recent, true, async |room| {
        let info = match room.info().await {
            Ok(i) => i,
            Err(e) => return failure("cannot read the room", &e),
        };
        if as_json {
            let mut v = serde_json::to_value(&info).unwrap_or_default();
            if let Some(o) = v.as_object_mut() {
                o.insert("session_id".into(), room.session_id().to_string().into());
            }
            println!("{v}");
        } else {
            let perms: Vec<&str> = [("read", info.read), ("write", info.write)]
                .into_iter()
                .chain([("upload", info.upload), ("moderator", info.moderator)])
                .filter_map(|(n, on)| on.then_some(n))
                .collect();
            println!("room: {} ({})", info.name, info.token);
            if let Some(d) = &info.description {
                println!("description: {d}");
            }
            println!("messages: {} (sequence)", info.message_sequence);
            println!("active users: {}", info.active_users);
            println!("you: {} ({})", room.session_id(), perms.join(", "));
        }
        ExitCode::SUCCESS
    })
}

/// One output line for a post (`local-network.md` §7).
fn line(m: &RoomMessage, as_json: bool) -> String {
    if as_json {
        json!({
            "id": m.id,
            "session_id": m.author.to_string(),
            "posted": m.posted,
            "text": m.text,
            "seqno": m.seqno,
        })
        .to_string()
    } else {
        // Line breaks inside the text are shown as `\n` (`--json` keeps the text exact).
        let text = m.text.as_ref().map_or_else(
            || "[no text]".to_owned(),
            |t| t.replace('\r', "\\r").replace('\n', "\\n"),
        );
        format!("{} {:.3} {} {text}", m.id, m.posted, m.author)
    }
}

fn read(
    args: &RoomArgs,
    since: Option<i64>,
    as_json: bool,
    follow: bool,
) -> anyhow::Result<ExitCode> {
    if since.is_some_and(|s| s < 0) {
        bail!("--since must be 0 or more");
    }
    let start = since.map_or(Start::Recent, Start::Seqno);
    with_room(args, start, true, async |room| {
        let mut stdout = std::io::stdout();
        let interrupt = super::testnet::interrupted();
        tokio::pin!(interrupt);
        loop {
            let round = tokio::select! {
                r = room.poll_updates() => r,
                () = &mut interrupt => break,
            };
            let mut more = false;
            match round {
                Ok(updates) => {
                    // A full page (the server's default limit): more are waiting.
                    more = updates.messages.len()
                        + updates.deleted.len()
                        + updates.reactions.len()
                        + updates.rejected.len()
                        >= PAGE;
                    for m in &updates.messages {
                        let _ = writeln!(stdout, "{}", line(m, as_json));
                    }
                    let _ = stdout.flush();
                    if !updates.rejected.is_empty() {
                        eprintln!(
                            "warning: dropped {} post(s) whose signature does not verify",
                            updates.rejected.len()
                        );
                    }
                }
                Err(e) if follow && e.is_retryable() => {
                    eprintln!("warning: read failed, retrying: {e}");
                }
                Err(e) => return failure("cannot read the room", &e),
            }
            if more {
                continue;
            }
            if !follow {
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

fn post(args: &RoomArgs, as_json: bool) -> anyhow::Result<ExitCode> {
    // Input first: a bad URL, seed or empty message is exit 2 before any network traffic.
    if let Err(e) = args.url.parse::<Community>() {
        bail!("{e}");
    }
    let text = read_stdin_message()?;
    with_room(args, Start::Recent, false, async move |room| {
        match room.post_text(&text).await {
            Ok(m) if as_json => {
                let v = json!({
                    "id": m.id,
                    "session_id": m.author.to_string(),
                    "posted": m.posted,
                    "seqno": m.seqno,
                });
                println!("{v}");
                ExitCode::SUCCESS
            }
            Ok(m) => {
                println!("{}", m.id);
                ExitCode::SUCCESS
            }
            Err(e) => failure("the message was not posted", &e),
        }
    })
}
