//! `session testnet up --community [ROOM…]`: a local network with a community server beside
//! it (loopback only), its join URLs in the table and in `testnet.json`, the same URLs after a
//! restart with the same `--dir`, and a clean exit on SIGTERM. Bounded: 3 nodes, 20 s waits.

#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs `session testnet up ARGS` until it has written `testnet.json`, then stops it with
/// SIGTERM; returns its exit code, its stdout and the file.
fn up_then_stop(dir: &Path, extra: &[&str]) -> (Option<i32>, String, serde_json::Value) {
    let json_path = dir.join("testnet.json");
    let _ = std::fs::remove_file(&json_path);
    let mut args = vec![
        "testnet",
        "up",
        "--nodes",
        "3",
        "--swarm-size",
        "3",
        "--dir",
    ];
    args.push(dir.to_str().unwrap());
    args.extend_from_slice(extra);
    let child = Command::new(env!("CARGO_BIN_EXE_session"))
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("session runs");
    let deadline = Instant::now() + Duration::from_secs(20);
    while !json_path.exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_path).unwrap()).expect("testnet.json is JSON");
    // The table is printed right after the file is written.
    std::thread::sleep(Duration::from_millis(300));
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code(),
        String::from_utf8(out.stdout).unwrap(),
        json,
    )
}

#[test]
fn testnet_up_with_a_community_server() {
    let dir = std::env::temp_dir().join(format!("session-cli-community-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let admin = "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a";
    let (code, table, json) = up_then_stop(
        &dir,
        &["--community", "lobby", "dev", "--community-admin", admin],
    );
    assert_eq!(code, Some(0), "{table}");
    assert!(table.contains(&format!("admin {admin}")), "{table}");
    let c = &json["community"];
    let base = c["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.5:"), "{base}");
    let lobby = c["rooms"][0]["join_url"].as_str().unwrap().to_owned();
    assert_eq!(c["rooms"][1]["token"], "dev");
    let parsed: session_community::Community = lobby.parse().unwrap();
    assert_eq!(parsed.room.as_str(), "lobby");
    assert_eq!(
        hex::encode(parsed.server_x25519.as_bytes()),
        c["public_key"].as_str().unwrap()
    );
    assert!(table.contains(&lobby), "{table}");
    // Clients read the file as before (the extra key is ignored).
    let net = session_client::Network::testnet_from_json(&serde_json::to_vec(&json).unwrap());
    assert!(net.unwrap().is_local());

    // Restart with the same directory: same key and port, so the same join URL. The default
    // room is `lobby`.
    let (code, table, json) = up_then_stop(&dir, &["--community"]);
    assert_eq!(code, Some(0), "{table}");
    assert_eq!(json["community"]["rooms"][0]["join_url"], lobby.as_str());
    assert_eq!(json["community"]["rooms"].as_array().unwrap().len(), 1);

    // Without the flag: no server, no entry.
    let (code, table, json) = up_then_stop(&dir, &[]);
    assert_eq!(code, Some(0), "{table}");
    assert!(json.get("community").is_none());
    assert!(!table.contains("community server"), "{table}");
    let _ = std::fs::remove_dir_all(&dir);
}
