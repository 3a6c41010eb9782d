//! `session community info|read|post` against a local network with a loopback community
//! server started in this test (through onion paths, and `--direct`), and their bad-input
//! exits.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

use common::{args, json_lines, run_async as run, success, testnet};
use serde_json::Value;

const ALICE: &str = "000102030405060708090a0b0c0d0e0f";
const BOB: &str = "0f0e0d0c0b0a09080706050403020100";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_read_info_and_bad_input() {
    let (net, dir, tn) = testnet("community", |c| c.community(&["lounge"])).await;
    let url = net.community().unwrap().join_url("lounge");
    let cmd = |sub: &str, seed: &str, extra: &[&str]| {
        let mut v = args(&["community", sub, &url, "--testnet", &tn, "--seed", seed]);
        v.extend(args(extra));
        v
    };

    // Post through onion paths (prints the id), and directly.
    let id: i64 = success(run(cmd("post", ALICE, &[]), "hello from the cli\n").await)
        .trim()
        .parse()
        .unwrap();
    let posted: Value = serde_json::from_str(&success(
        run(cmd("post", BOB, &["--direct", "--json"]), "two\nlines\r\n").await,
    ))
    .unwrap();
    let id2 = posted["id"].as_i64().unwrap();
    assert!(posted["session_id"].as_str().unwrap().starts_with("15"));
    assert!(posted["seqno"].as_i64().unwrap() >= 2);
    assert!(id2 > id);

    // Read: plain lines and JSON lines, every post verified.
    let plain = success(run(cmd("read", BOB, &[]), "").await);
    let lines: Vec<&str> = plain.lines().collect();
    assert_eq!(lines.len(), 2, "{plain}");
    assert!(lines[0].starts_with(&format!("{id} ")), "{plain}");
    assert!(lines[0].ends_with(" hello from the cli"), "{plain}");
    assert!(lines[1].ends_with(" two\\nlines"), "{plain}");
    let json = success(run(cmd("read", ALICE, &["--json", "--since", "0"]), "").await);
    let objs = json_lines(&json);
    assert_eq!(objs.len(), 2, "{json}");
    assert_eq!(objs[0]["id"], id);
    assert_eq!(objs[0]["text"], "hello from the cli");
    assert_eq!(objs[1]["text"], "two\nlines");
    assert!(objs[0]["posted"].as_f64().unwrap() > 1.7e9);
    let alice_id = objs[0]["session_id"].as_str().unwrap().to_owned();
    assert!(alice_id.starts_with("15") && alice_id.len() == 66);
    let seqno = objs[1]["seqno"].as_i64().unwrap();
    let rest = success(
        run(
            cmd(
                "read",
                ALICE,
                &["--json", "--since", &seqno.to_string(), "--direct"],
            ),
            "",
        )
        .await,
    );
    assert!(rest.is_empty(), "{rest}");

    // Info: the room and this account's id there.
    let info: Value =
        serde_json::from_str(&success(run(cmd("info", ALICE, &["--json"]), "").await)).unwrap();
    assert_eq!(info["token"], "lounge");
    assert_eq!(info["session_id"], alice_id.as_str());
    assert!(info["message_sequence"].as_i64().unwrap() >= seqno);
    let text = success(run(cmd("info", ALICE, &[]), "").await);
    assert!(
        text.contains("room: ") && text.contains(&alice_id),
        "{text}"
    );

    // Bad input: exit 2, nothing posted.
    for (argv, stdin) in [
        (cmd("post", ALICE, &[]), ""),
        (cmd("post", ALICE, &[]), "\n"),
        (cmd("read", ALICE, &["--since", "-1"]), ""),
        (cmd("read", ALICE, &["--since", "x"]), ""),
        (cmd("post", "abc", &[]), "hi\n"),
        (
            args(&[
                "community",
                "post",
                "http://x/y",
                "--testnet",
                &tn,
                "--seed",
                ALICE,
            ]),
            "hi\n",
        ),
        (
            args(&[
                "community",
                "info",
                &url,
                "--testnet",
                &tn,
                "--phrase",
                "-",
                "--seed",
                ALICE,
            ]),
            "",
        ),
    ] {
        let out = run(argv.clone(), stdin).await;
        assert_eq!(out.status.code(), Some(2), "{argv:?}");
    }
    // More than one page (the server returns 100 per poll): `read` fetches them all.
    let client = session_client::Client::builder()
        .identity(session_identity::Ed25519KeyPair::from_seed(&[7; 32]))
        .network(session_client::Network::testnet_from_file(&tn).unwrap())
        .build()
        .await
        .unwrap();
    let room = client
        .community_with(
            url.as_str(),
            session_client::RoomOptions::default().direct(),
        )
        .await
        .unwrap();
    for i in 0..100 {
        room.post(&format!("bulk {i}")).await.unwrap();
    }
    client.shutdown().await;
    let all = success(run(cmd("read", BOB, &["--since", "0", "--direct"]), "").await);
    assert_eq!(all.lines().count(), 102);
    assert!(all.lines().last().unwrap().ends_with(" bulk 99"), "{all}");

    // --follow: a post made meanwhile shows up; SIGINT ends it with exit 0.
    let info: Value =
        serde_json::from_str(&success(run(cmd("info", BOB, &["--json"]), "").await)).unwrap();
    let seqno = info["message_sequence"].as_i64().unwrap();
    let mut follow = std::process::Command::new(env!("CARGO_BIN_EXE_session"))
        .args(cmd(
            "read",
            BOB,
            &["--follow", "--json", "--since", &seqno.to_string()],
        ))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = follow.stdout.take().unwrap();
    let first = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(stdout), &mut line).unwrap();
        line
    });
    success(run(cmd("post", ALICE, &[]), "while following\n").await);
    let line = tokio::time::timeout(std::time::Duration::from_secs(10), first)
        .await
        .expect("the post is read within 10 s")
        .unwrap();
    let v: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(v["text"], "while following");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &follow.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let status = tokio::task::spawn_blocking(move || follow.wait().unwrap())
        .await
        .unwrap();
    assert_eq!(status.code(), Some(0));

    // An unknown room is the server's refusal: exit 1.
    let nope = net.community().unwrap().join_url("nope");
    let out = run(
        args(&[
            "community",
            "read",
            &nope,
            "--testnet",
            &tn,
            "--seed",
            ALICE,
        ]),
        "",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("404"));
    assert_eq!(
        net.community()
            .unwrap()
            .with_state(|s| s.message_count("lounge")),
        Some(103)
    );
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--direct` needs no seed: with a `testnet.json` whose only seed is a loopback listener that
/// drops every connection (and counts them), `post`, `read` and `info --direct` work against a
/// community server on loopback and never dial the seed; the same commands through onion paths
/// fail with the network error (exit 1) after dialling it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_needs_no_seed() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let seed = listener.local_addr().unwrap();
    let dialled = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&dialled);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(tcp);
        }
    });
    let dir = std::env::temp_dir().join(format!("session-cli-dead-seed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let tn = dir.join("testnet.json");
    std::fs::write(
        &tn,
        serde_json::json!({ "seeds": [format!("https://{seed}")] }).to_string(),
    )
    .unwrap();
    let tn = tn.to_str().unwrap().to_owned();
    let server = session_node::CommunityServer::start("127.0.0.1".parse().unwrap(), &["lounge"])
        .await
        .unwrap();
    let url = server.join_url("lounge");
    let cmd = |sub: &str, extra: &[&str]| {
        let mut v = args(&["community", sub, &url, "--testnet", &tn, "--seed", ALICE]);
        v.extend(args(extra));
        v
    };

    let id: i64 = success(run(cmd("post", &["--direct"]), "no seed\n").await)
        .trim()
        .parse()
        .unwrap();
    let read = json_lines(&success(
        run(cmd("read", &["--direct", "--json", "--since", "0"]), "").await,
    ));
    assert_eq!(read.len(), 1);
    assert_eq!(
        (read[0]["id"].as_i64(), &read[0]["text"]),
        (Some(id), &Value::from("no seed"))
    );
    let info: Value = serde_json::from_str(&success(
        run(cmd("info", &["--direct", "--json"]), "").await,
    ))
    .unwrap();
    assert_eq!(info["token"], "lounge");
    assert_eq!(
        dialled.load(Ordering::SeqCst),
        0,
        "--direct dialled the seed"
    );

    // Through onion paths the seed is needed: the network error, exit 1, nothing posted.
    for (argv, stdin) in [(cmd("post", &[]), "onion\n"), (cmd("read", &[]), "")] {
        let out = run(argv.clone(), stdin).await;
        assert_eq!(out.status.code(), Some(1), "{argv:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("cannot join the network"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(dialled.load(Ordering::SeqCst) >= 2);
    assert_eq!(server.with_state(|s| s.message_count("lounge")), Some(1));
    server.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
