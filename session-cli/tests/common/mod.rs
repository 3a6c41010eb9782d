//! Shared by the CLI's integration tests: running the `session` binary as a fresh process with
//! arguments and stdin, from sync tests or from async tests with a local network.

#![allow(dead_code, unreachable_pub, missing_docs)]

use std::io::Write as _;
use std::process::{Command, Output, Stdio};

/// Runs `session ARGS`, writing `stdin` to it, and waits for it.
pub fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_session"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("session runs");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes())
        .expect("stdin is written");
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
