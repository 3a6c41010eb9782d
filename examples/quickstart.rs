//! The main job, end to end: a local Session network starts in this process, Alice sends Bob a
//! message through a 3-hop onion path to Bob's swarm, and Bob polls his swarm and reads it.
//!
//! ```sh
//! cargo run --release --example quickstart
//! cargo run --release --example quickstart -- "my own message"
//! ```
//!
//! Everything stays on loopback (nodes on 127.0.0.2 … 127.0.0.13). Exits 0 only if Bob got
//! Alice's message.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use rand_core::OsRng;
use session_client::{Client, Network};
use session_node::{Testnet, TestnetConfig};
use session_stack::identity::Seed;

fn short(s: &str) -> String {
    let end = s.len().saturating_sub(8);
    format!("{}…{}", s.get(..8).unwrap_or(s), s.get(end..).unwrap_or(""))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<ExitCode> {
    let text = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "Hello Bob! This came to you through three onion hops.".to_owned());
    let started = Instant::now();

    // 1. A local network: 12 service nodes in 3 swarms of 4, in this process.
    let dir = std::env::temp_dir().join(format!("session-quickstart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    println!("1. Starting a local network (12 service nodes, 3 swarms of 4) …");
    let net = Testnet::start(TestnetConfig::new(&dir).nodes(12).swarm_size(4)).await?;
    println!("   seeds: {}", net.seeds().join(", "));

    // 2. Two new accounts.
    let alice_seed = Seed::generate(&mut OsRng);
    let bob_seed = Seed::generate(&mut OsRng);
    println!("2. Made two accounts");
    println!("   Alice: {}", alice_seed.keypair().account_id());
    println!("   Bob:   {}", bob_seed.keypair().account_id());

    // 3. Their clients bootstrap from a seed (POST /json_rpc get_n_service_nodes).
    let network = Network::testnet_from_file(net.testnet_json())?;
    let alice = Client::builder()
        .identity(alice_seed.keypair())
        .network(network.clone())
        .display_name("Alice")
        .build()
        .await?;
    let bob = Client::builder()
        .identity(bob_seed.keypair())
        .network(network)
        .build()
        .await?;
    println!(
        "3. Clients bootstrapped: {} nodes in the pool, {} onion paths each",
        alice.pool_size(),
        alice.paths().len()
    );

    // 4. Bob's swarm: the nodes that keep his messages.
    let (swarm_id, mut members) = alice
        .swarm_of(bob.account_id())
        .ok_or_else(|| anyhow::anyhow!("no swarm for Bob"))?;
    members.sort_by_key(|m| m.ip());
    println!("4. Bob's swarm {swarm_id:016x}:");
    for m in &members {
        println!(
            "   {}:{}  {}",
            m.ip(),
            m.https_port(),
            short(&m.ed25519_pk().to_string())
        );
    }

    // 5. Alice sends: Content → padding → encryption → envelope → store, through 3 hops.
    let receipt = alice.send(bob.account_id(), &text).await?;
    let hop = |k: &session_stack::identity::Ed25519PublicKey| {
        let node = net.nodes().iter().find(|n| n.ed25519_pk() == k);
        node.map_or_else(|| short(&k.to_string()), |n| n.ip().to_string())
    };
    let path: Vec<String> = receipt.path.iter().map(hop).collect();
    println!(
        "5. Alice sent it: you → {} → {} (Bob's swarm member)",
        path.join(" → "),
        hop(&receipt.entry_node)
    );
    println!("   message hash {}", receipt.hash);
    println!(
        "   stored by {} of {} swarm members",
        receipt.stored_by.len(),
        members.len()
    );

    // 6. Bob polls his swarm (signed retrieve through his own onion path) and decrypts.
    let mut received = None;
    for _ in 0..50 {
        if let Some(m) = bob
            .poll()
            .await?
            .into_iter()
            .find(|m| m.hash == receipt.hash)
        {
            received = Some(m);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let ok = match &received {
        Some(m) => {
            println!("6. Bob polled his swarm and decrypted:");
            println!(
                "   from: {} ({})",
                m.sender,
                m.display_name.as_deref().unwrap_or("no name")
            );
            println!("   text: {}", m.text.as_deref().unwrap_or(""));
            m.sender == *alice.account_id() && m.text.as_deref() == Some(text.as_str())
        }
        None => {
            println!("6. Bob did not receive the message");
            false
        }
    };

    alice.shutdown().await;
    bob.shutdown().await;
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
    if ok {
        println!(
            "Done in {:.1} s: Bob got Alice's message.",
            started.elapsed().as_secs_f64()
        );
        Ok(ExitCode::SUCCESS)
    } else {
        println!("Failed: Bob did not get Alice's message.");
        Ok(ExitCode::FAILURE)
    }
}
