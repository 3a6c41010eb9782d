//! A node's limits (`local-network.md` §5) on one loopback node with lowered [`Limits`]: over
//! the in-flight limit a request gets 503 `Server busy, try again later` (and is served again
//! once the slots free up), and a keep-alive connection left idle is closed after the idle
//! timeout while a busy one stays open. About a second and a half in all.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use std::net::{Ipv4Addr, SocketAddrV4};
use std::time::{Duration, Instant};

use common::Conn;
use rustls::pki_types::ServerName;
use session_node::{Limits, Node, NodeConfig, bind};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio_rustls::client::TlsStream;

type Tls = TlsStream<tokio::net::TcpStream>;

/// A node of its own on 127.0.0.200 (testnets in the other tests use 127.0.0.2 and up).
async fn node(name: &str, limits: Limits) -> (Node, std::path::PathBuf) {
    let dir = common::temp_dir(name);
    let listener = bind(SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 200), 0))
        .await
        .unwrap();
    let config = NodeConfig {
        data_dir: dir.clone(),
        listen: SocketAddrV4::new(Ipv4Addr::new(127, 0, 0, 200), 0),
        nodes: Vec::new(),
    };
    let node = Node::start_with_limits(config, listener, limits)
        .await
        .unwrap();
    (node, dir)
}

async fn tls(addr: SocketAddrV4) -> Tls {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio_rustls::TlsConnector::from(session_node::insecure_client_config().unwrap())
        .connect(ServerName::IpAddress((*addr.ip()).into()), tcp)
        .await
        .unwrap()
}

/// Reads one HTTP/1.1 answer with a `content-length` body; its status line and body.
async fn read_answer(s: &mut Tls) -> (String, String) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut chunk))
            .await
            .unwrap()
            .unwrap();
        assert!(n > 0, "connection closed mid-answer");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let len: usize = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse().unwrap())
                })
                .unwrap();
            if buf.len() >= end + 4 + len {
                let status = text.lines().next().unwrap().to_owned();
                return (status, text[end + 4..end + 4 + len].to_owned());
            }
        }
    }
}

/// `GET /get_stats/v1` on an open connection.
async fn stats(s: &mut Tls) -> String {
    s.write_all(b"GET /get_stats/v1 HTTP/1.1\r\nhost: node\r\n\r\n")
        .await
        .unwrap();
    read_answer(s).await.0
}

/// Waits for the server to close `s`; how long that took (panics after `limit`).
async fn closed_within(s: &mut Tls, limit: Duration) -> Duration {
    let t = Instant::now();
    let mut chunk = [0u8; 256];
    loop {
        match tokio::time::timeout(limit.saturating_sub(t.elapsed()), s.read(&mut chunk)).await {
            Ok(Ok(0) | Err(_)) => return t.elapsed(),
            Ok(Ok(_)) => {}
            Err(_) => panic!("still open after {limit:?}"),
        }
    }
}

/// `GET /get_stats/v1` on fresh connections every 20 ms until the status is `want` (at most 50
/// tries); that answer's body.
async fn until_status(addr: SocketAddrV4, want: u16) -> Option<String> {
    for _ in 0..50 {
        let (s, _, body) = Conn::open(addr)
            .await
            .unwrap()
            .request("GET", "/get_stats/v1", &[], Vec::new())
            .await;
        if s == want {
            return Some(String::from_utf8(body).unwrap());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn busy_answer_over_the_in_flight_limit() {
    let (node, dir) = node("limits-busy", Limits::default().max_in_flight(2)).await;
    let addr = node.addr();

    // Two requests whose bodies never finish arriving hold both slots.
    let mut slow = Vec::new();
    for _ in 0..2 {
        let mut s = tls(addr).await;
        s.write_all(b"POST /storage_rpc/v1 HTTP/1.1\r\nhost: node\r\ncontent-length: 100\r\n\r\n{")
            .await
            .unwrap();
        slow.push(s);
    }
    // Give the node time to start both.
    let busy = until_status(addr, 503).await;
    assert_eq!(busy.as_deref(), Some("Server busy, try again later"));

    // One slow request completes (an invalid body: 400), the other gives up: served again.
    let first = slow.first_mut().unwrap();
    first.write_all(&[b' '; 99]).await.unwrap();
    let (status, _) = read_answer(first).await;
    assert!(status.starts_with("HTTP/1.1 400"), "{status}");
    drop(slow);
    let stats = until_status(addr, 200).await;
    assert!(stats.is_some(), "still busy after the slots were freed");

    node.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_keep_alive_connections_are_closed() {
    let idle = Duration::from_millis(500);
    let margin = Duration::from_millis(100);
    let (node, dir) = node("limits-idle", Limits::default().idle_timeout(idle)).await;
    let addr = node.addr();

    // A quiet connection: one request, then watched until the node closes it.
    let mut quiet = tls(addr).await;
    assert!(stats(&mut quiet).await.starts_with("HTTP/1.1 200"));
    let watch =
        tokio::spawn(async move { closed_within(&mut quiet, Duration::from_secs(3)).await });

    // A busy connection, used every 200 ms for twice the idle timeout, stays open.
    let mut busy = tls(addr).await;
    let t = Instant::now();
    while t.elapsed() < 2 * idle {
        assert!(stats(&mut busy).await.starts_with("HTTP/1.1 200"));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The quiet one was closed, not before the idle timeout (checked every timeout / 4).
    let quiet_for = watch.await.unwrap();
    assert!(quiet_for + margin >= idle, "closed after {quiet_for:?}");
    // The busy one is closed in turn once left alone.
    let left_for = closed_within(&mut busy, Duration::from_secs(3)).await;
    assert!(
        left_for + margin + Duration::from_millis(200) >= idle,
        "closed after {left_for:?}"
    );

    node.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
