//! `session send` / `session poll` refuse bad input with a clear message and exit code 2
//! (`local-network.md` §7), before touching any network.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use std::process::Output;

use common::run;

const SEED: &str = "000102030405060708090a0b0c0d0e0f";
const BOB: &str = "053263def3a0fe6859ac310a22e4a72bd6ea8b9ecce6b91ab198a681f6c1e9c171";

/// A `testnet.json` that exists and is valid, pointing at a loopback port nothing listens on
/// (only used where the command must fail before contacting it).
fn testnet_file(name: &str, body: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("session-cli-{name}-{}.json", std::process::id()));
    std::fs::write(&path, body).unwrap();
    path
}

fn assert_exit2(out: &Output, needle: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
    assert!(
        stderr.to_lowercase().contains(&needle.to_lowercase()),
        "`{needle}` not in: {stderr}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn send_refuses_bad_input() {
    let tn = testnet_file("send", r#"{"seeds":["https://127.0.0.1:9"],"nodes":[]}"#);
    let tn = tn.to_str().unwrap();
    let base = ["send", "--testnet", tn];

    let out = run(
        &[&base[..], &["--seed", "abc", "--to", BOB]].concat(),
        "hi\n",
    );
    assert_exit2(&out, "--seed must be 32 hex characters");
    let out = run(
        &[&base[..], &["--seed", &"zz".repeat(16), "--to", BOB]].concat(),
        "hi",
    );
    assert_exit2(&out, "must be hex");

    let out = run(
        &[&base[..], &["--seed", SEED, "--to", "05abc"]].concat(),
        "hi",
    );
    assert_exit2(&out, "is not an Account ID");
    let out = run(
        &[
            &base[..],
            &["--seed", SEED, "--to", &format!("15{}", &BOB[2..])],
        ]
        .concat(),
        "hi",
    );
    assert_exit2(&out, "starts with 05");

    let out = run(&[&base[..], &["--seed", SEED, "--to", BOB]].concat(), "");
    assert_exit2(&out, "empty");
    let out = run(&[&base[..], &["--seed", SEED, "--to", BOB]].concat(), "\n");
    assert_exit2(&out, "empty");

    let out = run(&[&base[..], &["--phrase", "-", "--to", BOB]].concat(), "hi");
    assert_exit2(&out, "stdin is the message");
    let out = run(
        &[
            &base[..],
            &["--phrase", "/nonexistent/phrase.txt", "--to", BOB],
        ]
        .concat(),
        "hi",
    );
    assert_exit2(&out, "cannot read the phrase file");
    let phrase = testnet_file("phrase", "abbey abbey abbey");
    let out = run(
        &[
            &base[..],
            &["--phrase", phrase.to_str().unwrap(), "--to", BOB],
        ]
        .concat(),
        "hi",
    );
    assert_exit2(&out, "13 words");

    // Missing --seed/--phrase: clap's usage error, also exit 2.
    let out = run(&["send", "--testnet", tn, "--to", BOB], "hi");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_or_malformed_testnet_json() {
    for (name, body, needle) in [
        ("not-json", "{nope", "not JSON"),
        ("no-seeds", r#"{"nodes":[]}"#, "seeds"),
        ("bad-seed", r#"{"seeds":["ftp://x"]}"#, "https://host:port"),
    ] {
        let path = testnet_file(name, body);
        let tn = path.to_str().unwrap();
        let out = run(
            &["send", "--testnet", tn, "--seed", SEED, "--to", BOB],
            "hi",
        );
        assert_exit2(&out, needle);
        let out = run(&["poll", "--testnet", tn, "--seed", SEED], "");
        assert_exit2(&out, needle);
    }
    let out = run(
        &[
            "poll",
            "--testnet",
            "/nonexistent/testnet.json",
            "--seed",
            SEED,
        ],
        "",
    );
    assert_exit2(&out, "cannot read");
}

#[test]
fn poll_refuses_bad_input() {
    let tn = testnet_file("poll", r#"{"seeds":["https://127.0.0.1:9"],"nodes":[]}"#);
    let tn = tn.to_str().unwrap();
    let out = run(&["poll", "--testnet", tn, "--seed", "0102"], "");
    assert_exit2(&out, "--seed must be");
    let out = run(
        &["poll", "--testnet", tn, "--phrase", "-"],
        "not a phrase at all",
    );
    assert_exit2(&out, "13 words");
    let state = testnet_file("state", "[1, 2]");
    let out = run(
        &[
            "poll",
            "--testnet",
            tn,
            "--seed",
            SEED,
            "--state",
            state.to_str().unwrap(),
        ],
        "",
    );
    assert_exit2(&out, "state file");
}

#[test]
fn network_failure_is_exit_1() {
    // A valid file whose seed does not answer (nothing listens on 127.0.0.1:9): the network
    // failed, not the input.
    let tn = testnet_file("down", r#"{"seeds":["https://127.0.0.1:9"],"nodes":[]}"#);
    let out = run(
        &[
            "send",
            "--testnet",
            tn.to_str().unwrap(),
            "--seed",
            SEED,
            "--to",
            BOB,
        ],
        "hi",
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("bootstrap failed"), "{stderr}");
}

#[test]
fn id_qr() {
    let out = run(&["id", "show", "--seed", SEED, "--qr"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        *lines.last().unwrap(),
        "05ca03b8e369aeeb69fd260c2957d37b232db17a60db7a39bca9f0c0a6be135c1a"
    );
    assert!(lines[0].chars().all(|c| c == '█'));
    let out = run(&["id", "new", "--qr"], "");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Account ID:") && text.contains('▀'));
}
