//! Messaging on a local network started in this test process (12 nodes, 3 swarms of 4),
//! shared by the tests of this file: round trips with both onion ciphers, many concurrent
//! senders, delete/expire, the `messages()` stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::OnceLock;
use std::time::Duration;

use futures_util::StreamExt as _;
use session_client::{Client, EncType, Error, ErrorKind, Network};
use session_node::Testnet;
use session_swarm::PoolConfig;

use common::{client, fresh_dir, poll_until, start_network};

struct Shared {
    rt: tokio::runtime::Runtime,
    net: Testnet,
}

/// One network (and the runtime its nodes run on) for every test of this file.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let dir = fresh_dir("messaging");
        let net = rt.block_on(start_network(&dir));
        Shared { rt, net }
    })
}

#[test]
fn round_trip_with_both_ciphers() {
    let s = shared();
    s.rt.block_on(async {
        let alice = client(&s.net, "rt-alice", EncType::XChaCha20).await;
        let alice_gcm = client(&s.net, "rt-alice", EncType::AesGcm).await;
        let bob = client(&s.net, "rt-bob", EncType::XChaCha20).await;
        // The network's clock was measured at start-up (same machine: a small offset).
        assert!(
            alice.clock_offset_ms().abs() < 5_000,
            "{}",
            alice.clock_offset_ms()
        );
        assert!(
            alice.stats().successes >= 1,
            "the info request went through a path"
        );

        let r1 = alice
            .send(bob.account_id(), "hello over xchacha20")
            .await
            .unwrap();
        let r2 = alice_gcm
            .send(bob.account_id(), "hello over aes-gcm")
            .await
            .unwrap();
        assert_eq!(r1.path.len(), 3);
        assert!(!r1.stored_by.is_empty());
        assert_ne!(r1.hash, r2.hash);
        let (_, swarm) = bob.swarm_of(bob.account_id()).unwrap();
        assert!(swarm.iter().any(|m| m.ed25519_pk() == &r1.entry_node));
        assert!(!r1.path.contains(&r1.entry_node));

        let got = poll_until(&bob, 2, 30).await;
        assert_eq!(got.len(), 2, "{got:?}");
        let texts: HashSet<_> = got.iter().filter_map(|m| m.text.clone()).collect();
        assert!(texts.contains("hello over xchacha20"));
        assert!(texts.contains("hello over aes-gcm"));
        for m in &got {
            assert_eq!(&m.sender, alice.account_id());
            assert_eq!(m.display_name.as_deref(), Some("rt-alice"));
            assert!(m.hash == r1.hash || m.hash == r2.hash);
        }
        let first = got.iter().find(|m| m.hash == r1.hash).unwrap();
        assert_eq!(first.timestamp_ms, r1.timestamp_ms);

        // Nothing twice.
        assert!(bob.poll().await.unwrap().is_empty());
        // A second device of Bob's (a fresh client) sees both again.
        let bob2 = client(&s.net, "rt-bob", EncType::AesGcm).await;
        assert_eq!(poll_until(&bob2, 2, 30).await.len(), 2);
        // Alice's own inbox is empty.
        assert!(alice.poll().await.unwrap().is_empty());
    });
}

#[test]
fn hundred_messages_from_ten_concurrent_senders() {
    let s = shared();
    s.rt.block_on(async {
        let bob = client(&s.net, "many-bob", EncType::XChaCha20).await;
        let to = *bob.account_id();
        let mut tasks = Vec::new();
        for i in 0..10 {
            let sender = client(&s.net, &format!("many-sender-{i}"), EncType::XChaCha20).await;
            tasks.push(tokio::spawn(async move {
                let mut hashes = Vec::new();
                for j in 0..10 {
                    let r = sender.send(&to, &format!("message {j} from {i}")).await;
                    hashes.push(r.expect("send").hash);
                }
                hashes
            }));
        }
        let mut sent = HashSet::new();
        for t in tasks {
            sent.extend(t.await.unwrap());
        }
        assert_eq!(sent.len(), 100);

        let got = poll_until(&bob, 100, 30).await;
        assert_eq!(got.len(), 100, "every message exactly once");
        let hashes: HashSet<_> = got.iter().map(|m| m.hash.clone()).collect();
        assert_eq!(hashes, sent);
        let texts: HashSet<_> = got.iter().filter_map(|m| m.text.clone()).collect();
        assert_eq!(texts.len(), 100);
        assert!(
            got.windows(2)
                .all(|w| w[0].timestamp_ms <= w[1].timestamp_ms),
            "ordered by timestamp"
        );
        assert!(bob.poll().await.unwrap().is_empty());
    });
}

#[test]
fn delete_and_expire_own_messages() {
    let s = shared();
    s.rt.block_on(async {
        let alice = client(&s.net, "del-alice", EncType::XChaCha20).await;
        let bob = client(&s.net, "del-bob", EncType::XChaCha20).await;
        for text in ["one", "two", "three"] {
            alice.send(bob.account_id(), text).await.unwrap();
        }
        let got = poll_until(&bob, 3, 30).await;
        assert_eq!(got.len(), 3);
        let hash = |t: &str| {
            got.iter()
                .find(|m| m.text.as_deref() == Some(t))
                .unwrap()
                .hash
                .clone()
        };

        let deleted = bob.delete(&[hash("one")]).await.unwrap();
        assert_eq!(deleted, vec![hash("one")]);
        let soon = got[0].timestamp_ms + 60 * 60 * 1000;
        let updated = bob.expire(&[hash("two")], soon).await.unwrap();
        assert_eq!(updated, vec![hash("two")]);

        // A second device sees what is left.
        let bob2 = client(&s.net, "del-bob", EncType::AesGcm).await;
        let left = poll_until(&bob2, 2, 30).await;
        let texts: HashSet<_> = left.iter().filter_map(|m| m.text.clone()).collect();
        assert_eq!(texts, HashSet::from(["two".to_owned(), "three".to_owned()]));
        let two = left.iter().find(|m| m.hash == hash("two")).unwrap();
        assert_eq!(two.expiration_ms, soon);

        // Bad input is the caller's problem, not retried.
        let e = bob.delete(&["short".to_owned()]).await.unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
        let e = alice.send(bob.account_id(), "").await.unwrap_err();
        assert!(matches!(e, Error::InvalidInput(_)));
    });
}

#[test]
fn messages_stream_for_bots() {
    let s = shared();
    s.rt.block_on(async {
        let bot = client(&s.net, "stream-bot", EncType::XChaCha20).await;
        let user = client(&s.net, "stream-user", EncType::XChaCha20).await;
        let stream = bot.messages(Duration::from_millis(100));
        tokio::pin!(stream);
        user.send(bot.account_id(), "ping").await.unwrap();
        let m = tokio::time::timeout(Duration::from_secs(20), stream.next())
            .await
            .expect("a message within 20 s")
            .expect("stream open")
            .expect("no error");
        assert_eq!(m.text.as_deref(), Some("ping"));
        // Answer it, as the echo bot does.
        bot.send(&m.sender, m.text.as_deref().unwrap())
            .await
            .unwrap();
        let echoed = poll_until(&user, 1, 30).await;
        assert_eq!(echoed[0].text.as_deref(), Some("ping"));
        assert_eq!(&echoed[0].sender, bot.account_id());

        bot.shutdown().await;
        let end = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("stream ends after shutdown");
        assert!(end.is_none());
        assert!(matches!(bot.poll().await, Err(Error::Shutdown)));
    });
}

#[test]
fn pool_refresh_from_three_nodes() {
    let s = shared();
    s.rt.block_on(async {
        // A cache lifetime of 0: before every request the pool is refreshed from 3 pool nodes
        // (`get_service_nodes` through onion paths, answers intersected), as after 2 hours.
        let mut config = PoolConfig::default();
        config.cache_lifetime_ms = 0;
        let alice = Client::builder()
            .identity(common::keypair("refresh-alice"))
            .network(Network::testnet_from_file(s.net.testnet_json()).unwrap())
            .pool_config(config)
            .build()
            .await
            .unwrap();
        let bob = client(&s.net, "refresh-bob", EncType::XChaCha20).await;
        alice
            .send(bob.account_id(), "after a refresh")
            .await
            .unwrap();
        let stats = alice.stats();
        assert_eq!(stats.seed_fetches, 1, "{stats:?}");
        assert!(stats.pool_refreshes >= 1, "{stats:?}");
        assert_eq!(alice.pool_size(), 12);
        let got = poll_until(&bob, 1, 30).await;
        assert_eq!(got[0].text.as_deref(), Some("after a refresh"));
    });
}

#[test]
fn own_namespaces_store_and_retrieve() {
    let s = shared();
    s.rt.block_on(async {
        let me = client(&s.net, "own-ns", EncType::XChaCha20).await;
        let ns = session_swarm::Namespace::new(2);
        let day = Duration::from_secs(24 * 3600);
        let first = me.store_own(ns, b"config one".to_vec(), day).await.unwrap();
        let second = me.store_own(ns, b"config two".to_vec(), day).await.unwrap();
        assert!(!first.stored_by.is_empty());
        let all = me.retrieve_own(ns, None).await.unwrap();
        let data: Vec<&[u8]> = all.iter().map(|m| m.data.as_slice()).collect();
        assert_eq!(data, [&b"config one"[..], &b"config two"[..]]);
        let after = me.retrieve_own(ns, Some(first.hash.clone())).await.unwrap();
        assert_eq!(after.len(), 1);
        assert_eq!(after[0].hash, second.hash);
        // Namespace 2 is private: nothing of it shows up in the inbox (namespace 0).
        assert!(me.poll().await.unwrap().is_empty());
        // Out of bounds TTL: the caller's mistake.
        let e = me
            .store_own(ns, b"x".to_vec(), Duration::from_secs(1))
            .await
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::InvalidInput);
    });
}
