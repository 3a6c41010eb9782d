//! `session profile set-name|show` and `session contacts [add]` against a local network started
//! in this test (`local-network.md` §7): each command is a fresh process, i.e. another device
//! of the same account, so what `show` prints came from the network.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{args, json_lines, run_async, success, testnet};

const SEED: &str = "1112131415161718191a1b1c1d1e1f20";
const BOB: &str = "0586584f2cbedb434506fc7203192c943ae2ee7d19f2607772985a93bf78a0bc26";

/// `session ARGS` with an empty stdin.
async fn run(list: &[&str]) -> std::process::Output {
    run_async(args(list), "").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn set_name_then_show_from_another_process() {
    let (net, dir, tn) = testnet("profile", |c| c).await;
    let acct = ["--testnet", tn.as_str(), "--seed", SEED];

    // Nothing set yet: an empty name.
    let out = success(run(&[&["profile", "show", "--json"][..], &acct].concat()).await);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["display_name"], serde_json::Value::Null, "{out}");

    let out =
        success(run(&[&["profile", "set-name", "Alice CLI", "--json"][..], &acct].concat()).await);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["display_name"], "Alice CLI");
    assert_eq!(v["seqno"], 1);
    assert_eq!(v["hash"].as_str().unwrap().len(), 43, "{out}");

    let out = success(run(&[&["profile", "show", "--json"][..], &acct].concat()).await);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["display_name"], "Alice CLI", "{out}");
    assert_eq!(v["seqno"], 1);
    let out = success(run(&[&["profile", "show"][..], &acct].concat()).await);
    assert_eq!(out, "Alice CLI\n");

    // A second change from yet another process builds on the first.
    success(run(&[&["profile", "set-name", "Alice 2"][..], &acct].concat()).await);
    let out = success(run(&[&["profile", "show", "--json"][..], &acct].concat()).await);
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (v["display_name"].as_str(), v["seqno"].as_i64()),
        (Some("Alice 2"), Some(2))
    );

    // Contacts.
    let out = success(run(&[&["contacts", "add", BOB, "--name", "Bob"][..], &acct].concat()).await);
    assert_eq!(out, format!("{BOB} Bob\n"));
    let out = success(run(&[&["contacts", "--json"][..], &acct].concat()).await);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "{out}");
    assert_eq!(lines[0]["account_id"], BOB);
    assert_eq!(lines[0]["name"], "Bob");
    assert_eq!(lines[0]["approved"], true);

    // Bad input: exit 2, before the network.
    let long = "x".repeat(101);
    for bad in [
        &[&["profile", "set-name", long.as_str()][..], &acct].concat(),
        &[&["profile", "set-name", ""][..], &acct].concat(),
        &["profile", "show", "--testnet", &tn, "--seed", "abc"][..],
        &[&["contacts", "add", "05zz"][..], &acct].concat(),
    ] {
        let out = run(bad).await;
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(!out.stderr.is_empty());
    }

    net.stop().await;
    // The network is gone: exit 1.
    let out = run(&[&["profile", "show"][..], &acct].concat()).await;
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(&dir);
}
