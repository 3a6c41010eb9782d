//! Delivery latency and throughput on a local network (12 nodes, 3 swarms of 4, in this
//! process, loopback only): one sender, then 10 concurrent senders, to one recipient whose
//! client polls its swarm continuously. Latency = from the start of `send` to the first poll
//! that returns the message; throughput = messages stored per second of sending.
//!
//! ```sh
//! cargo bench -p session-client --bench delivery            # 200 + 10×50 messages
//! cargo bench -p session-client --bench delivery -- 50 20   # fewer: one-sender count, per-sender count
//! ```
//!
//! (A plain harness rather than criterion: the figures wanted are percentiles of a
//! distribution over one long run, not the mean time of a closure.)

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{client, ms, numbers, percentile, testnet};
use session_node::Testnet;

/// Sends `per_sender` messages from each of `senders` clients at once; returns latencies and
/// the messages-per-second of the sending.
async fn run(net: &Testnet, senders: u8, per_sender: usize, id_base: u8) -> (Vec<Duration>, f64) {
    let receiver = client(net, id_base).await;
    let to = *receiver.account_id();
    let seen: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let poller = {
        let (receiver, seen) = (receiver.clone(), seen.clone());
        tokio::spawn(async move {
            loop {
                if let Ok(v) = receiver.poll().await {
                    let now = Instant::now();
                    let mut seen = seen.lock().unwrap();
                    for m in v {
                        seen.entry(m.hash).or_insert(now);
                    }
                }
            }
        })
    };
    let mut clients = Vec::new();
    for s in 0..senders {
        clients.push(client(net, id_base + 1 + s).await);
    }
    let started = Instant::now();
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|c| {
            tokio::spawn(async move {
                let mut sent = Vec::new();
                for j in 0..per_sender {
                    let t0 = Instant::now();
                    let r = c
                        .send(&to, &format!("benchmark message {j}"))
                        .await
                        .unwrap();
                    sent.push((r.hash, t0));
                }
                sent
            })
        })
        .collect();
    let mut sent = Vec::new();
    for t in tasks {
        sent.extend(t.await.unwrap());
    }
    let sending = started.elapsed();
    let deadline = Instant::now() + Duration::from_secs(60);
    while seen.lock().unwrap().len() < sent.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    poller.abort();
    let seen = seen.lock().unwrap();
    let mut latencies: Vec<Duration> = sent
        .iter()
        .filter_map(|(h, t0)| seen.get(h).map(|t| t.duration_since(*t0)))
        .collect();
    assert_eq!(latencies.len(), sent.len(), "every message delivered");
    latencies.sort();
    (latencies, sent.len() as f64 / sending.as_secs_f64())
}

fn report(label: &str, latencies: &[Duration], rate: f64) {
    println!(
        "{label:<28} n={:<4} p50={:>6.1} ms  p99={:>6.1} ms  max={:>6.1} ms  {rate:>6.1} msg/s",
        latencies.len(),
        ms(percentile(latencies, 0.50)),
        ms(percentile(latencies, 0.99)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
}

fn main() {
    let numbers = numbers();
    let one = numbers.first().copied().unwrap_or(200);
    let each = numbers.get(1).copied().unwrap_or(50);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (net, dir) = testnet("delivery", |c| c).await;
        let (l, r) = run(&net, 1, one, 10).await;
        report("1 sender", &l, r);
        let (l, r) = run(&net, 10, each, 100).await;
        report("10 concurrent senders", &l, r);
        net.stop().await;
        let _ = std::fs::remove_dir_all(&dir);
    });
}
