//! A community bot: joins a room, answers every `!ping` post with a `pong` post and greets
//! every DM sent to it on the server, printing one line per answer, until Ctrl-C.
//!
//! ```sh
//! session testnet up --dir tn --community &   # a local network and a community server; prints the room's join URL
//! cargo run --release --example community_bot -- --testnet tn/testnet.json --seed 000102030405060708090a0b0c0d0e0f
//! echo '!ping' | session community post --testnet tn/testnet.json --seed 0f0e0d0c0b0a09080706050403020100 URL
//! session community read --testnet tn/testnet.json --seed 0f0e0d0c0b0a09080706050403020100 URL   # … !ping, … pong
//! ```
//!
//! The room is `--room URL`, else the first room of `testnet.json`'s community server. Without
//! `--testnet` the bot joins `--room` through mainnet's onion paths.

use std::time::Duration;

use session_client::{Client, Error, Inbox, Network, Room};
use session_identity::{Ed25519KeyPair, Seed, SessionId, encoding::hex_array};

/// What the bot answers a DM with.
const GREETING: &str = "Hello! I am a bot: post !ping in the room and I answer pong.";

/// The bot's state: its room and its inbox on the room's server.
pub(crate) struct Bot {
    room: Room,
    inbox: Inbox,
}

impl Bot {
    /// Joins the room and skips what was there before: only new posts and DMs get answers.
    pub(crate) async fn join(client: &Client, url: &str) -> Result<Self, Error> {
        let room = client.community(url).await?;
        room.since(room.info().await?.message_sequence);
        let inbox = room.inbox();
        inbox.poll().await?;
        Ok(Self { room, inbox })
    }

    /// The bot's id in the room (its posts' author, where DMs go).
    pub(crate) fn room_id(&self) -> SessionId {
        self.room.session_id()
    }

    /// One round: a `pong` for each new `!ping` post, a greeting for each new DM; returns one
    /// line per answer (an answer that fails is reported on stderr and the round goes on).
    pub(crate) async fn round(&mut self) -> Result<Vec<String>, Error> {
        let mut lines = Vec::new();
        for post in self.room.poll().await? {
            let ping = post.text.as_deref().is_some_and(|t| t.starts_with("!ping"));
            if ping && post.author != self.room_id() {
                match self.room.post("pong").await {
                    Ok(id) => {
                        lines.push(format!("post {id}: pong to {} ({})", post.author, post.id))
                    }
                    Err(e) => eprintln!("could not answer post {}: {e}", post.id),
                }
            }
        }
        for dm in self.inbox.poll().await? {
            match self.inbox.send(&dm.sender, GREETING).await {
                Ok(_) => lines.push(format!("greeted {} ({})", dm.sender, dm.sender_account)),
                Err(e) => eprintln!("could not greet {}: {e}", dm.sender),
            }
        }
        Ok(lines)
    }
}

/// `--testnet FILE` (optional), `--seed HEX` (32 or 64 hex) or `--phrase FILE`, `--room URL`.
fn parse_args() -> Result<(Ed25519KeyPair, Network, String), Box<dyn std::error::Error>> {
    let (mut keypair, mut network, mut room, mut testnet) = (None, Network::Mainnet, None, None);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or(format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--testnet" => {
                network = Network::testnet_from_file(&value)?;
                testnet = Some(value);
            }
            "--seed" if value.len() == 32 => {
                keypair = Some(Seed::from_bytes(&hex_array::<16>(&value)?).keypair());
            }
            "--seed" => keypair = Some(Ed25519KeyPair::from_seed(&hex_array::<32>(&value)?)),
            "--phrase" => {
                keypair = Some(Seed::from_mnemonic(&std::fs::read_to_string(&value)?)?.keypair());
            }
            "--room" => room = Some(value),
            other => return Err(format!("unknown option {other}").into()),
        }
    }
    let keypair = keypair.ok_or("give --seed HEX or --phrase FILE")?;
    let room = match (room, testnet) {
        (Some(r), _) => r,
        (None, Some(file)) => {
            let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&file)?)?;
            json["community"]["rooms"][0]["join_url"]
                .as_str()
                .ok_or(format!("{file} lists no community room; give --room URL"))?
                .to_owned()
        }
        (None, None) => return Err("give --room URL".into()),
    };
    Ok((keypair, network, room))
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let (keypair, network, url) = parse_args()?;
    let client = Client::builder()
        .identity(keypair)
        .network(network)
        .display_name("Ping bot")
        .build()
        .await?;
    let mut bot = Bot::join(&client, &url).await?;
    println!("bot {} is in {url} (Ctrl-C to stop)", bot.room_id());

    let ctrl_c = tokio::signal::ctrl_c(); // listening from now on, also while answering
    tokio::pin!(ctrl_c);
    loop {
        let round = tokio::select! {
            _ = &mut ctrl_c => break,
            r = bot.round() => r,
        };
        match round {
            Ok(lines) => lines.iter().for_each(|l| println!("{l}")),
            Err(e) => eprintln!("round failed (will retry): {e}"),
        }
        tokio::select! {
            _ = &mut ctrl_c => break,
            () = tokio::time::sleep(Duration::from_secs(2)) => {}
        }
    }
    client.shutdown().await;
    Ok(())
}
