//! An echo bot: restores an account, follows its messages and answers each one with its own
//! text, printing one line per answer, until Ctrl-C.
//!
//! ```sh
//! session testnet up --dir tn &                       # a local network (or leave out --testnet: mainnet)
//! cargo run --release --example echo_bot -- --testnet tn/testnet.json --seed 000102030405060708090a0b0c0d0e0f
//! echo hello | session send --testnet tn/testnet.json --seed <yours> --to <the bot's Account ID>
//! ```

use futures_util::StreamExt as _;
use session_client::{Client, DEFAULT_POLL_INTERVAL, Network};
use session_stack::identity::{Ed25519KeyPair, Seed, encoding::hex_array};

/// `--testnet FILE` (optional) and `--seed HEX` (32 or 64 hex) or `--phrase FILE`.
fn parse_args() -> anyhow::Result<(Ed25519KeyPair, Network)> {
    let (mut keypair, mut network) = (None, Network::Mainnet);
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--testnet" => network = Network::testnet_from_file(&value)?,
            "--seed" if value.len() == 32 => {
                keypair = Some(Seed::from_bytes(&hex_array::<16>(&value)?).keypair());
            }
            "--seed" => keypair = Some(Ed25519KeyPair::from_seed(&hex_array::<32>(&value)?)),
            "--phrase" => {
                keypair = Some(Seed::from_mnemonic(&std::fs::read_to_string(&value)?)?.keypair());
            }
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let keypair = keypair.ok_or_else(|| anyhow::anyhow!("give --seed HEX or --phrase FILE"))?;
    Ok((keypair, network))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let (keypair, network) = parse_args()?;
    let bot = Client::builder()
        .identity(keypair)
        .network(network)
        .display_name("Echo bot")
        .build()
        .await?;
    println!(
        "echo bot {} is listening (Ctrl-C to stop)",
        bot.account_id()
    );

    let messages = bot.messages(DEFAULT_POLL_INTERVAL);
    let ctrl_c = tokio::signal::ctrl_c(); // listening from now on, also while answering
    tokio::pin!(messages, ctrl_c);
    loop {
        let message = tokio::select! {
            _ = &mut ctrl_c => break,
            next = messages.next() => match next {
                Some(Ok(m)) => m,
                Some(Err(e)) => { eprintln!("poll failed (will retry): {e}"); continue; }
                None => break,
            },
        };
        let Some(text) = message.text else { continue };
        match bot.send(&message.sender, &text).await {
            Ok(r) => println!("{} {} {text}", r.timestamp_ms, message.sender),
            Err(e) => eprintln!("could not answer {}: {e}", message.sender),
        }
    }
    bot.shutdown().await;
    Ok(())
}
