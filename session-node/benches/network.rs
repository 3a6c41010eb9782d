//! The local network's speed (not a test): a 12-node network in this process on loopback, then
//! for a few seconds each
//!
//! * `info` onion requests through 3-hop paths (guard → relay → relay → destination node);
//! * store + retrieve round trips through 3-hop paths to a swarm member (each store replicated
//!   to the 3 other members before it is answered);
//!
//! from 16 concurrent clients on keep-alive connections (xchacha20 layers), with throughput,
//! p50/p99 latency, and the process RSS idle and under load.
//!
//! `cargo bench -p session-node --bench network` (`BENCH_SECS=N` per phase, default 5).

#![allow(clippy::unwrap_used, missing_docs)]

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::{Conn, now_ms};
use rand_core::OsRng;
use session_identity::Ed25519KeyPair;
use session_node::{Testnet, TestnetConfig};
use session_onion::{Destination, Hop, OnionRequestBuilder};
use session_swarm::auth::Auth;
use session_swarm::{Namespace, Retrieve, ServiceNode, Store, SwarmTable};

const CLIENTS: usize = 16;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// A 3-hop path for `dest` avoiding it, varied by `k`.
fn path_for(nodes: &[ServiceNode], dest: &ServiceNode, k: usize) -> Vec<ServiceNode> {
    let others: Vec<&ServiceNode> = nodes.iter().filter(|n| *n != dest).collect();
    (0..3)
        .map(|j| others[(k * 3 + j * 4 + j) % others.len()].clone())
        .collect()
}

async fn onion(
    conn: &mut Conn,
    path: &[ServiceNode],
    dest: &ServiceNode,
    payload: Vec<u8>,
) -> Vec<u8> {
    let (frame, pending) = OnionRequestBuilder::new(
        path.iter().map(Hop::from).collect(),
        Destination::ServiceNode(Hop::from(dest)),
        payload,
    )
    .build(&mut OsRng)
    .unwrap();
    let (status, body) = conn.post("/onion_req/v2", frame).await;
    let resp = pending.decrypt_response(status, &body).unwrap();
    assert_eq!(resp.status, 200);
    resp.body
}

struct Phase {
    name: &'static str,
    ops: u64,
    secs: f64,
    lat: Vec<Duration>,
    rss_peak: u64,
}

async fn run_phase<F, Fut>(name: &'static str, secs: u64, f: F) -> Phase
where
    F: Fn(usize, Arc<AtomicBool>) -> Fut,
    Fut: Future<Output = Vec<Duration>> + Send + 'static,
{
    let stop = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (stop, peak) = (stop.clone(), peak.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|c| tokio::spawn(f(c, stop.clone())))
        .collect();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    stop.store(true, Ordering::Relaxed);
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await.unwrap());
    }
    let elapsed = start.elapsed().as_secs_f64();
    sampler.await.unwrap();
    lat.sort_unstable();
    Phase {
        name,
        ops: lat.len() as u64,
        secs: elapsed,
        lat,
        rss_peak: peak.load(Ordering::Relaxed),
    }
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let secs: u64 = std::env::var("BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let dir = common::temp_dir("bench");
    let net = Testnet::start(TestnetConfig::new(&dir).nodes(12).swarm_size(4))
        .await
        .unwrap();
    let nodes: Arc<Vec<ServiceNode>> = Arc::new(net.nodes().to_vec());
    tokio::time::sleep(Duration::from_millis(500)).await;
    let idle = rss_kib();

    let onion_phase = {
        let nodes = nodes.clone();
        run_phase("onion info, 3 hops", secs, move |c, stop| {
            let nodes = nodes.clone();
            async move {
                let dest = nodes[c % nodes.len()].clone();
                let path = path_for(&nodes, &dest, c);
                let mut conn = Conn::to(&path[0]).await;
                let mut lat = Vec::new();
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    onion(
                        &mut conn,
                        &path,
                        &dest,
                        br#"{"method":"info","params":{}}"#.to_vec(),
                    )
                    .await;
                    lat.push(t.elapsed());
                }
                lat
            }
        })
        .await
    };

    let table = Arc::new(SwarmTable::from_nodes(nodes.iter()));
    let store_phase = {
        let nodes = nodes.clone();
        run_phase("store+retrieve, 3 hops", secs, move |c, stop| {
            let (nodes, table) = (nodes.clone(), table.clone());
            async move {
                let auth = Auth::session_id(&Ed25519KeyPair::from_seed(&[c as u8 + 1; 32]));
                let members = table.lookup(auth.account_id()).unwrap().nodes.to_vec();
                let dest = members[c % members.len()].clone();
                let path = path_for(&nodes, &dest, c);
                let mut conn = Conn::to(&path[0]).await;
                let mut lat = Vec::new();
                let mut i = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    let t = Instant::now();
                    let store = Store {
                        namespace: Namespace::new(0),
                        data: format!("bench {c} {i}").into_bytes(),
                        timestamp_ms: now_ms(),
                        ttl_ms: 600_000,
                    }
                    .unsigned(auth.account_id())
                    .unwrap();
                    onion(&mut conn, &path, &dest, store.to_json_string().into_bytes()).await;
                    let retrieve = Retrieve {
                        max_count: Some(1),
                        ..Default::default()
                    }
                    .sign(&auth, now_ms())
                    .unwrap();
                    onion(
                        &mut conn,
                        &path,
                        &dest,
                        retrieve.to_json_string().into_bytes(),
                    )
                    .await;
                    lat.push(t.elapsed());
                    i += 1;
                }
                lat
            }
        })
        .await
    };

    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "local network: 12 nodes, swarms of 4, {CLIENTS} concurrent clients, {cpus} CPUs, {secs} s per phase"
    );
    println!("RSS idle: {} MiB", idle / 1024);
    println!(
        "{:<26} {:>10} {:>10} {:>10} {:>14}",
        "phase", "ops/s", "p50 ms", "p99 ms", "RSS peak MiB"
    );
    for p in [&onion_phase, &store_phase] {
        println!(
            "{:<26} {:>10.0} {:>10.2} {:>10.2} {:>14}",
            p.name,
            p.ops as f64 / p.secs,
            percentile(&p.lat, 0.50).as_secs_f64() * 1e3,
            percentile(&p.lat, 0.99).as_secs_f64() * 1e3,
            p.rss_peak / 1024
        );
    }
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
