//! Community posts on a local network (12 nodes and the loopback community server, in this
//! process, loopback only): for each route — onion paths (the default) and direct — one client
//! posts sequentially while another polls the room continuously. Reports the post latency
//! (until the server's 201 came back) and the delivery latency (from the start of `post` to
//! the first poll that returns the post), p50 / p99, and posts per second.
//!
//! ```sh
//! cargo bench -p session-client --bench community          # 200 posts per route
//! cargo bench -p session-client --bench community -- 50    # fewer
//! ```
//!
//! (A plain harness, as `delivery`: the figures wanted are percentiles over one run.)

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{client, ms, numbers, percentile, testnet};
use session_client::{RoomOptions, Start};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let count = numbers().first().copied().unwrap_or(200);
    let (net, dir) = testnet("community", |c| c.community(&["bench"])).await;
    let url = net.community().unwrap().join_url("bench");
    let poster = client(&net, 1).await;
    let reader = client(&net, 2).await;

    println!(
        "| route | posts | post p50 | post p99 | delivered p50 | delivered p99 | posts per second |"
    );
    println!("|---|---|---|---|---|---|---|");
    for (route, options) in [
        ("onion", RoomOptions::default()),
        ("direct", RoomOptions::default().direct()),
    ] {
        let room = poster
            .community_with(url.as_str(), options.clone())
            .await
            .unwrap();
        let seqno = room.info().await.unwrap().message_sequence;
        let watch = reader
            .community_with(url.as_str(), options.start(Start::Seqno(seqno)))
            .await
            .unwrap();
        let seen: Arc<Mutex<HashMap<i64, Instant>>> = Arc::default();
        let polling = {
            let seen = seen.clone();
            tokio::spawn(async move {
                loop {
                    for m in watch.poll().await.unwrap() {
                        seen.lock()
                            .unwrap()
                            .entry(m.id)
                            .or_insert_with(Instant::now);
                    }
                }
            })
        };
        let mut posted = Vec::with_capacity(count);
        let mut post_latency = Vec::with_capacity(count);
        let start = Instant::now();
        for i in 0..count {
            let t = Instant::now();
            let id = room.post(&format!("{route} {i}")).await.unwrap();
            post_latency.push(t.elapsed());
            posted.push((id, t));
        }
        let rate = count as f64 / start.elapsed().as_secs_f64();
        let deadline = Instant::now() + Duration::from_secs(30);
        while seen.lock().unwrap().len() < count && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        polling.abort();
        let seen = seen.lock().unwrap().clone();
        let mut delivered: Vec<Duration> = posted
            .iter()
            .filter_map(|(id, t)| seen.get(id).map(|s| s.duration_since(*t)))
            .collect();
        assert_eq!(delivered.len(), count, "every post delivered");
        post_latency.sort();
        delivered.sort();
        println!(
            "| {route} | {count} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms | {rate:.0} |",
            ms(percentile(&post_latency, 0.5)),
            ms(percentile(&post_latency, 0.99)),
            ms(percentile(&delivered, 0.5)),
            ms(percentile(&delivered, 0.99)),
        );
    }
    poster.shutdown().await;
    reader.shutdown().await;
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
