//! The two-terminal flow of `local-network.md` §7 against a local network started in this test:
//! `session send` (text on stdin) then `session poll` (plain, `--json`, `--state`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

use session_node::{Testnet, TestnetConfig};

const ALICE: &str = "000102030405060708090a0b0c0d0e0f";
const BOB_SEED: &str = "0f0e0d0c0b0a09080706050403020100";

async fn run(args: Vec<String>, stdin: &'static str) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(env!("CARGO_BIN_EXE_session"))
            .args(&args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("session runs");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_then_poll() {
    let dir = std::env::temp_dir().join(format!("session-cli-flow-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let net = Testnet::start(TestnetConfig::new(&dir).nodes(12).swarm_size(4))
        .await
        .unwrap();
    let tn = net.testnet_json().to_str().unwrap().to_owned();

    let bob = run(args(&["id", "show", "--seed", BOB_SEED, "--json"]), "").await;
    let bob: serde_json::Value = serde_json::from_slice(&bob.stdout).unwrap();
    let bob = bob["account_id"].as_str().unwrap().to_owned();
    let alice = "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a";

    let out = run(
        args(&["send", "--testnet", &tn, "--seed", ALICE, "--to", &bob]),
        "hello from the command line\n",
    )
    .await;
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hash = String::from_utf8(out.stdout).unwrap().trim().to_owned();
    assert_eq!(hash.len(), 43);

    let out = run(
        args(&[
            "send",
            "--testnet",
            &tn,
            "--seed",
            ALICE,
            "--to",
            &bob,
            "--json",
        ]),
        "second line\r\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    let receipt: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(receipt["to"], bob.as_str());
    assert!(receipt["timestamp"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(!receipt["swarm"].as_array().unwrap().is_empty());
    let out = run(
        args(&["send", "--testnet", &tn, "--seed", ALICE, "--to", &bob]),
        "two\nlines\n",
    )
    .await;
    assert_eq!(out.status.code(), Some(0));

    // Plain: `<timestamp ms> <sender account id> <text>`, one line per message.
    let state = dir.join("poll-state.json");
    let state = state.to_str().unwrap();
    let mut lines = Vec::new();
    for _ in 0..30 {
        let out = run(
            args(&[
                "poll",
                "--testnet",
                &tn,
                "--seed",
                BOB_SEED,
                "--state",
                state,
            ]),
            "",
        )
        .await;
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        lines.extend(
            String::from_utf8(out.stdout)
                .unwrap()
                .lines()
                .map(str::to_owned),
        );
        if lines.len() >= 3 {
            break;
        }
    }
    assert_eq!(lines.len(), 3, "{lines:?}");
    let first: Vec<&str> = lines[0].splitn(3, ' ').collect();
    assert!(first[0].parse::<u64>().is_ok());
    assert_eq!(first[1], alice);
    assert_eq!(first[2], "hello from the command line");
    assert!(lines[1].ends_with(" second line"));
    // One line per message: the line break inside the text is shown as `\n`.
    assert!(lines[2].ends_with(" two\\nlines"), "{}", lines[2]);

    // With the state file, nothing is returned twice; without it, --json gives both again.
    let out = run(
        args(&[
            "poll",
            "--testnet",
            &tn,
            "--seed",
            BOB_SEED,
            "--state",
            state,
        ]),
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let out = run(
        args(&["poll", "--testnet", &tn, "--seed", BOB_SEED, "--json"]),
        "",
    )
    .await;
    let objects: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[2]["text"], "two\nlines");
    assert_eq!(objects[0]["sender_account_id"], alice);
    assert_eq!(objects[0]["hash"], hash.as_str());
    assert_eq!(objects[0]["text"], "hello from the command line");
    assert!(objects[0]["timestamp"].is_u64());

    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
