//! Shared by the CLI's integration tests: running the `session` binary as a fresh process with
//! arguments and stdin, from sync tests or from async tests with a local network.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use session_node::{Testnet, TestnetConfig};

/// Runs `session ARGS`, writing `stdin` to it, and waits for it.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_session"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("session runs");
    let written = child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes());
    // A command that refuses its arguments exits before reading stdin: the pipe is then closed
    // and the write fails with BrokenPipe, which is no failure of the test.
    if let Err(e) = written {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "stdin: {e}");
    }
    child.wait_with_output().expect("session finishes")
}

/// [`run`] on tokio's blocking pool (for tests whose local network runs in the same runtime).
pub async fn run_async(args: Vec<String>, stdin: &str) -> Output {
    let stdin = stdin.to_owned();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run(&args, &stdin)
    })
    .await
    .expect("the blocking task finishes")
}

/// Owned arguments for [`run_async`].
pub fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// Asserts exit code 0 (showing stderr otherwise) and returns stdout as text.
pub fn success(out: Output) -> String {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("stdout is UTF-8")
}

/// A local network of 12 nodes in swarms of 4, `config` applied, in a fresh
/// `session-cli-NAME-PID` directory of the temp dir; with that directory and the path of its
/// `testnet.json` as text.
pub async fn testnet(
    name: &str,
    config: impl FnOnce(TestnetConfig) -> TestnetConfig,
) -> (Testnet, PathBuf, String) {
    let dir = std::env::temp_dir().join(format!("session-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let net = Testnet::start(config(TestnetConfig::new(&dir).nodes(12).swarm_size(4)))
        .await
        .expect("the local network starts");
    let tn = net
        .testnet_json()
        .to_str()
        .expect("the path is UTF-8")
        .to_owned();
    (net, dir, tn)
}

/// Each line of `text` as a JSON value.
pub fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}
