//! One account on two devices: a local Session network starts in this process; the "phone"
//! sets the account's display name and adds a contact, which it stores on the account's swarm
//! as encrypted config messages; the "laptop", restored from the same recovery phrase, syncs
//! and shows both; a message it sends carries the name.
//!
//! ```sh
//! cargo run --release --example two_devices
//! ```
//!
//! Everything stays on loopback (nodes on 127.0.0.2 … 127.0.0.13). Exits 0 only if the laptop
//! ends up with the phone's name and contact.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rand_core::OsRng;
use session_client::{Client, Network};
use session_node::{Testnet, TestnetConfig};
use session_stack::identity::Seed;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<ExitCode> {
    let started = Instant::now();

    // 1. A local network: 12 service nodes in 3 swarms of 4, in this process.
    let dir = std::env::temp_dir().join(format!("session-two-devices-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    println!("1. Starting a local network (12 service nodes, 3 swarms of 4) …");
    let net = Testnet::start(TestnetConfig::new(&dir).nodes(12).swarm_size(4)).await?;
    let network = Network::testnet_from_file(net.testnet_json())?;

    // 2. One account; the laptop is restored from the phone's recovery phrase.
    let seed = Seed::generate(&mut OsRng);
    let phrase = seed.to_mnemonic();
    let restored = Seed::from_mnemonic(&phrase)?;
    let bob = Seed::generate(&mut OsRng).keypair();
    println!("2. Account {}", seed.keypair().account_id());
    println!("   the laptop restored it from the 13-word recovery phrase");
    let phone = Client::builder()
        .identity(seed.keypair())
        .network(network.clone())
        .build()
        .await?;
    let laptop = Client::builder()
        .identity(restored.keypair())
        .network(network.clone())
        .build()
        .await?;
    let bob_client = Client::builder()
        .identity(bob.clone())
        .network(network)
        .build()
        .await?;

    // 3. The phone names the account and adds Bob: each change is a config message pushed
    //    to the account's swarm (namespace 2: profile, 3: contacts).
    let r = phone.profile().set_display_name("Alice").await?;
    for p in &r.pushed {
        println!(
            "3. Phone set the name \"Alice\": profile seqno {} stored as {}",
            p.seqno, p.hash
        );
    }
    let r = phone.contacts().add(&bob.account_id(), Some("Bob")).await?;
    for p in &r.pushed {
        println!(
            "   Phone added Bob: contacts seqno {} stored as {}",
            p.seqno, p.hash
        );
    }

    // 4. The laptop knew nothing; it fetches the config namespaces and merges.
    println!(
        "4. Laptop before syncing: name {:?}, {} contacts",
        laptop.profile().display_name(),
        laptop.contacts().list().len()
    );
    let mut report = laptop.sync().await?;
    for _ in 0..20 {
        if laptop.contacts().list().len() == 1 && laptop.profile().display_name().is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        report = laptop.sync().await?;
    }
    let name = laptop.profile().display_name();
    let contacts = laptop.contacts().list();
    println!(
        "   Laptop synced ({} config messages merged): name {:?}",
        report.merged, name
    );
    for c in &contacts {
        println!(
            "   contact {} \"{}\"{}",
            c.id,
            c.name,
            if c.approved { " (approved)" } else { "" }
        );
    }

    // 5. What the laptop sends carries the synced name.
    laptop
        .send(&bob.account_id(), "Hi Bob, from my laptop")
        .await?;
    let mut seen_as = None;
    for _ in 0..50 {
        if let Some(m) = bob_client.poll().await?.into_iter().next() {
            seen_as = m.display_name;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("5. Bob got the laptop's message from {seen_as:?}");

    let ok = name.as_deref() == Some("Alice")
        && contacts.len() == 1
        && contacts.first().is_some_and(|c| c.name == "Bob")
        && seen_as.as_deref() == Some("Alice");
    for c in [&phone, &laptop, &bob_client] {
        c.shutdown().await;
    }
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        println!(
            "Done in {:.1} s: both devices show the same name and contact.",
            started.elapsed().as_secs_f64()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Failed: the laptop did not converge to the phone's state.");
        Ok(ExitCode::FAILURE)
    }
}
