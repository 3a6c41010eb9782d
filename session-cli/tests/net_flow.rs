//! The two-terminal flow of `local-network.md` §7 against a local network started in this test:
//! `session send` (text on stdin) then `session poll` (plain, `--json`, `--state`).

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{args, json_lines, run_async as run, success, testnet};

const ALICE: &str = "000102030405060708090a0b0c0d0e0f";
const BOB_SEED: &str = "0f0e0d0c0b0a09080706050403020100";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_then_poll() {
    let (net, dir, tn) = testnet("flow", |c| c).await;

    let bob = run(args(&["id", "show", "--seed", BOB_SEED, "--json"]), "").await;
    let bob: serde_json::Value = serde_json::from_slice(&bob.stdout).unwrap();
    let bob = bob["account_id"].as_str().unwrap().to_owned();
    let alice = "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a";

    let send = args(&["send", "--testnet", &tn, "--seed", ALICE, "--to", &bob]);
    let out = run(send.clone(), "hello from the command line\n").await;
    let hash = success(out).trim().to_owned();
    assert_eq!(hash.len(), 43);

    let out = run([&send[..], &args(&["--json"])].concat(), "second line\r\n").await;
    let receipt: serde_json::Value = serde_json::from_str(&success(out)).unwrap();
    assert_eq!(receipt["to"], bob.as_str());
    assert!(receipt["timestamp"].as_u64().unwrap() > 1_600_000_000_000);
    assert!(!receipt["swarm"].as_array().unwrap().is_empty());
    success(run(send, "two\nlines\n").await);

    // Plain: `<timestamp ms> <sender account id> <text>`, one line per message.
    let state = dir.join("poll-state.json");
    let state = state.to_str().unwrap();
    let poll = args(&["poll", "--testnet", &tn, "--seed", BOB_SEED]);
    let poll_state = [&poll[..], &args(&["--state", state])].concat();
    let mut lines = Vec::new();
    for _ in 0..30 {
        let out = success(run(poll_state.clone(), "").await);
        lines.extend(out.lines().map(str::to_owned));
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
    assert!(success(run(poll_state, "").await).is_empty());
    let out = success(run([&poll[..], &args(&["--json"])].concat(), "").await);
    let objects = json_lines(&out);
    assert_eq!(objects.len(), 3);
    assert_eq!(objects[2]["text"], "two\nlines");
    assert_eq!(objects[0]["sender_account_id"], alice);
    assert_eq!(objects[0]["hash"], hash.as_str());
    assert_eq!(objects[0]["text"], "hello from the command line");
    assert!(objects[0]["timestamp"].is_u64());

    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
