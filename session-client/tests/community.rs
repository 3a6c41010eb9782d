//! Communities on a local network with a loopback community server (`session_node`'s test
//! server, not a production one): join, post, poll back with every signature checked, a
//! forged post dropped, reactions, deletion, blinded DMs both ways, through onion paths (the
//! default) and directly; and the `community_bot` example's logic answering `!ping` and a DM.

#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod common;

#[path = "../../examples/community_bot.rs"]
#[allow(dead_code)]
mod community_bot;

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt as _;
use rustls::ClientConfig;
use session_client::{
    EncType, Error, ErrorKind, RoomOptions, ServerErrorKind, Start, TransportError, Via,
};
use session_community::api::{self, NewPost};
use session_community::{Community, RequestSigner};
use session_identity::SessionId;
use session_node::{CommunityServer, Testnet, TestnetConfig};
use session_protocol::proto::{Content, DataMessage};

async fn start(name: &str) -> Testnet {
    let dir = common::fresh_dir(name);
    Testnet::start(
        TestnetConfig::new(&dir)
            .nodes(12)
            .swarm_size(4)
            .community(&["lounge"]),
    )
    .await
    .expect("local network with a community server starts")
}

fn text(body: &str) -> Content {
    Content {
        data_message: Some(DataMessage {
            body: Some(body.into()),
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// A post of `data`/`signature` copied from someone else, sent with Mallory's own (valid)
/// request signature: the server stores it under Mallory's id, where the post signature
/// cannot verify.
async fn forge(community: &Community, mallory: &RequestSigner, post: &NewPost) {
    use http_body_util::{BodyExt as _, Full};
    let mut request = api::post_message(&community.room, post).request;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    request.sign_with_rng(&mut rand_core::OsRng, mallory, now);
    let tcp =
        tokio::net::TcpStream::connect((community.base_url.host(), community.base_url.port()))
            .await
            .unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut http = hyper::Request::post(request.path.as_str()).header("host", "community");
    for (k, v) in &request.headers {
        http = http.header(k.as_str(), v.as_str());
    }
    let body = Full::new(bytes::Bytes::from(request.body.clone().unwrap()));
    let response = sender.send_request(http.body(body).unwrap()).await.unwrap();
    let status = response.status().as_u16();
    let text = response.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(status, 201, "{}", String::from_utf8_lossy(&text));
}

/// An HTTPS front for the community server, as a server a user runs behind TLS would be: a
/// self-signed certificate for 127.0.0.1, bytes forwarded to the plain-HTTP server. Returns
/// its address and a client configuration trusting that certificate.
async fn tls_front(backend: std::net::SocketAddr) -> (std::net::SocketAddr, Arc<ClientConfig>) {
    use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
    let ck = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(session_net::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut back) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut back).await;
            });
        }
    });
    let trust = session_net::roots_client_config(ck.cert.pem().as_bytes()).unwrap();
    (addr, trust)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_and_inboxes_through_onion_paths_and_directly() {
    let net = start("community").await;
    let server = net.community().expect("community server");
    let url = server.join_url("lounge");
    let community: Community = url.parse().unwrap();

    let alice = common::client(&net, "alice", EncType::XChaCha20).await;
    let bob = common::client(&net, "bob", EncType::AesGcm).await;

    // Alice through onion paths (the default), Bob directly.
    let a_room = alice.community(url.as_str()).await.unwrap();
    let b_room = bob
        .community_with(&community, RoomOptions::default().direct())
        .await
        .unwrap();
    assert!(a_room.capabilities().requires_blinding());
    assert!(matches!(a_room.session_id(), SessionId::Blinded15Id(_)));
    let info = a_room.info().await.unwrap();
    assert_eq!(info.token, "lounge");
    assert!(info.read && info.write);
    let listed = a_room.request(&api::rooms()).await.unwrap();
    assert_eq!(
        listed.iter().map(|r| r.token.as_str()).collect::<Vec<_>>(),
        ["lounge"]
    );
    let onion_before = alice.stats().onion_requests;

    // Post and read back: the own post is authentic, with the blinded id as its author.
    let id = a_room.post("hello room").await.unwrap();
    let mine = a_room.poll().await.unwrap();
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(
        (
            mine[0].id,
            mine[0].text.as_deref(),
            mine[0].display_name.as_deref()
        ),
        (id, Some("hello room"), Some("alice"))
    );
    assert_eq!(mine[0].author, a_room.session_id());
    assert!(alice.stats().onion_requests >= onion_before + 2);
    let seen = b_room.poll().await.unwrap();
    assert_eq!(
        seen.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![id],
        "{seen:?}"
    );

    // A forged post (Alice's signed data under Mallory's id) is dropped and reported.
    let mallory_keys = common::keypair("mallory");
    let mallory = RequestSigner::blind15(&mallory_keys, &community.server_x25519);
    let alice_keys = common::keypair("alice");
    let alice_signer = RequestSigner::blind15(&alice_keys, &community.server_x25519);
    let copied = NewPost::new(
        &mut rand_core::OsRng,
        &alice_signer,
        &alice_keys,
        &text("I am Alice"),
    )
    .unwrap();
    forge(&community, &mallory, &copied).await;
    let updates = b_room.poll_updates().await.unwrap();
    assert!(updates.messages.is_empty(), "{:?}", updates.messages);
    assert_eq!(updates.rejected.len(), 1);
    assert_eq!(
        updates.rejected[0].session_id.as_deref(),
        Some(mallory.session_id().to_string().as_str())
    );
    assert_eq!(b_room.rejected_count(), 1);

    // Reactions, and deletion (by the author only).
    assert!(b_room.react(id, "👍").await.unwrap());
    assert!(!b_room.react(id, "👍").await.unwrap());
    let updates = a_room.poll_updates().await.unwrap();
    let reacted = updates
        .messages
        .iter()
        .map(|m| (m.id, &m.reactions))
        .chain(updates.reactions.iter().map(|(i, r)| (*i, r)))
        .find(|(i, _)| *i == id)
        .expect("the reaction shows up");
    assert_eq!(reacted.1["👍"].count, 1);
    let refused = b_room.delete(id).await.unwrap_err();
    assert!(
        matches!(&refused, Error::Community(session_community::Error::Server(e)) if e.kind == ServerErrorKind::Forbidden),
        "{refused:?}"
    );
    a_room.delete(id).await.unwrap();
    let updates = b_room.poll_updates().await.unwrap();
    assert_eq!(updates.deleted, vec![id]);

    // Unknown rooms and bad emoji are typed errors.
    let e = alice
        .community(server.join_url("nope").as_str())
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Refused);
    assert!(matches!(&e, Error::Community(session_community::Error::Server(s)) if s.status == 404));
    assert_eq!(
        a_room.react(id, "").await.unwrap_err().kind(),
        ErrorKind::InvalidInput
    );

    // Blinded DMs both ways: Alice (onion) → Bob (direct) → Alice.
    let a_inbox = a_room.inbox();
    let b_inbox = b_room.inbox();
    let SessionId::Blinded15Id(bob_blinded) = b_room.session_id() else {
        panic!("bob is not 15-blinded")
    };
    a_inbox.send(&bob_blinded, "psst, bob").await.unwrap();
    let got = b_inbox.poll().await.unwrap();
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].text.as_deref(), Some("psst, bob"));
    assert_eq!(&got[0].sender_account, alice.account_id());
    assert_eq!(SessionId::Blinded15Id(got[0].sender), a_room.session_id());
    b_inbox.send(&got[0].sender, "hi alice").await.unwrap();
    // By Account ID: the right one of the two blinded candidates is found.
    b_inbox
        .send_to_account(alice.account_id(), "again")
        .await
        .unwrap();
    let got = a_inbox.poll().await.unwrap();
    let texts: Vec<_> = got.iter().map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, vec![Some("hi alice"), Some("again")]);
    assert!(got.iter().all(|m| &m.sender_account == bob.account_id()));
    assert!(b_inbox.poll().await.unwrap().is_empty());
    // A DM that does not decrypt (sent raw through the API) is dropped and counted, never shown.
    assert_eq!(b_inbox.rejected_count(), 0);
    let junk = session_community::encoding::b64_encode(&[7u8; 120]);
    a_room
        .request(&session_community::api::send_inbox(&bob_blinded, &junk))
        .await
        .unwrap();
    a_inbox.send(&bob_blinded, "real").await.unwrap();
    let got = b_inbox.poll().await.unwrap();
    let texts: Vec<_> = got.iter().map(|m| m.text.as_deref()).collect();
    assert_eq!(texts, vec![Some("real")]);
    assert_eq!(b_inbox.rejected_count(), 1);

    // The stream and an explicit start position.
    let from_start = alice
        .community_with(&community, RoomOptions::default().start(Start::Seqno(0)))
        .await
        .unwrap();
    let id2 = b_room.post("for the stream").await.unwrap();
    let stream = from_start.messages(Duration::from_millis(200));
    tokio::pin!(stream);
    let next = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a message within 10 s")
        .unwrap()
        .unwrap();
    // History from seqno 0: the deleted post is gone, the forged one dropped.
    assert_eq!(
        (next.id, next.text.as_deref()),
        (id2, Some("for the stream"))
    );
    assert_eq!(from_start.rejected_count(), 1);
    assert_eq!(Via::default(), Via::Onion);

    // Directly over HTTPS: the server's certificate is checked (here against its own CA; the
    // system's roots do not know it).
    let (front, trust) = tls_front(server.addr()).await;
    let https_url = format!(
        "https://{front}/lounge?public_key={}",
        hex::encode(server.public_key().as_bytes())
    );
    let over_tls = bob
        .community_with(
            https_url.as_str(),
            RoomOptions::default().direct().tls_config(trust),
        )
        .await
        .unwrap();
    let id3 = over_tls.post("over https").await.unwrap();
    let got = from_start.poll().await.unwrap();
    assert_eq!(got.iter().map(|m| m.id).collect::<Vec<_>>(), vec![id3]);
    let untrusted = bob
        .community_with(https_url.as_str(), RoomOptions::default().direct())
        .await
        .unwrap_err();
    assert!(
        matches!(
            untrusted,
            Error::Transport(TransportError::Tls(_)) | Error::TlsConfig(_)
        ),
        "{untrusted:?}"
    );

    // A server without blinding: the unblinded key, posts signed and checked as `05` ids;
    // DMs still use the 15-blinded key.
    let lone = CommunityServer::start("127.0.0.1".parse().unwrap(), &["gone"])
        .await
        .unwrap();
    lone.with_state(|s| s.set_require_blind(false));
    let lone_url = lone.join_url("gone");
    let plain = alice.community(lone_url.as_str()).await.unwrap();
    assert!(!plain.capabilities().requires_blinding());
    assert_eq!(
        plain.session_id(),
        SessionId::AccountId(*alice.account_id())
    );
    let id = plain.post("unblinded").await.unwrap();
    let got = bob
        .community(lone_url.as_str())
        .await
        .unwrap()
        .poll()
        .await
        .unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(
        (got[0].id, got[0].author, got[0].text.as_deref()),
        (
            id,
            SessionId::AccountId(*alice.account_id()),
            Some("unblinded")
        )
    );
    assert!(matches!(
        plain.inbox().blinded_id(),
        SessionId::Blinded15Id(_)
    ));

    // A server that went away: a network failure (retryable), by either route, after a few
    // attempts.
    let via_onion = alice.community(lone_url.as_str()).await.unwrap();
    let direct = bob
        .community_with(lone_url.as_str(), RoomOptions::default().direct())
        .await
        .unwrap();
    lone.stop().await;
    let e = via_onion.poll().await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");
    let e = direct.post("anyone?").await.unwrap_err();
    assert!(e.is_retryable(), "{e:?}");

    alice.shutdown().await;
    assert!(matches!(a_room.poll().await, Err(Error::Shutdown)));
    bob.shutdown().await;
    net.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_answers_ping_and_greets_dms() {
    let net = start("community-bot").await;
    let url = net
        .community()
        .expect("community server")
        .join_url("lounge");

    let bot_client = common::client(&net, "bot", EncType::XChaCha20).await;
    let user = common::client(&net, "user", EncType::XChaCha20).await;
    let user_room = user.community(url.as_str()).await.unwrap();
    user_room
        .post("!ping before the bot started")
        .await
        .unwrap();

    let mut bot = community_bot::Bot::join(&bot_client, &url).await.unwrap();
    user_room.post("!ping").await.unwrap();
    user_room.post("just chatting").await.unwrap();
    let SessionId::Blinded15Id(bot_id) = bot.room_id() else {
        panic!("bot is not 15-blinded")
    };
    user_room.inbox().send(&bot_id, "hello bot").await.unwrap();

    let lines = tokio::time::timeout(Duration::from_secs(20), bot.round())
        .await
        .expect("a bot round within 20 s")
        .unwrap();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("pong")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("greeted")), "{lines:?}");

    let posts = user_room.poll().await.unwrap();
    let pongs: Vec<_> = posts
        .iter()
        .filter(|m| m.text.as_deref() == Some("pong"))
        .collect();
    assert_eq!(pongs.len(), 1, "one pong, history not answered: {posts:?}");
    assert_eq!(pongs[0].author, bot.room_id());
    let dms = user_room.inbox().poll().await.unwrap();
    assert_eq!(dms.len(), 1, "{dms:?}");
    assert_eq!(&dms[0].sender_account, bot_client.account_id());
    assert!(dms[0].text.as_deref().unwrap_or_default().contains("Hello"));

    // Nothing new: nothing answered (its own pong is not a ping).
    assert!(bot.round().await.unwrap().is_empty());
    bot_client.shutdown().await;
    user.shutdown().await;
    net.stop().await;
}

/// A "seed" on loopback that counts the connections it gets and drops each at once: a seed
/// that never answers, and proof of whether anyone dialled it.
async fn counting_dead_seed() -> (session_client::Network, Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let dialled = Arc::new(AtomicUsize::new(0));
    let count = Arc::clone(&dialled);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            drop(tcp);
        }
    });
    let seed = session_client::SeedNode::unpinned(&format!("https://{addr}")).unwrap();
    (session_client::Network::Custom(vec![seed]), dialled)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_clients_never_dial_a_seed_and_inboxes_stream() {
    use std::sync::atomic::Ordering;
    let (network, dialled) = counting_dead_seed().await;
    let server = CommunityServer::start("127.0.0.1".parse().unwrap(), &["lounge"])
        .await
        .unwrap();
    let url = server.join_url("lounge");
    let lazy = |label: &str| {
        session_client::Client::builder()
            .identity(common::keypair(label))
            .network(network.clone())
            .display_name(label)
            .lazy_pool(true)
            .build()
    };
    let alice = lazy("alice")
        .await
        .expect("a lazy client builds without a seed");
    let bob = lazy("bob").await.unwrap();

    // Rooms and inboxes directly: no seed is dialled.
    let a_room = alice
        .community_with(url.as_str(), RoomOptions::default().direct())
        .await
        .unwrap();
    let b_room = bob
        .community_with(url.as_str(), RoomOptions::default().direct())
        .await
        .unwrap();
    let id = a_room.post("no seed needed").await.unwrap();
    let got = b_room.poll().await.unwrap();
    assert_eq!(
        got.iter()
            .map(|m| (m.id, m.text.as_deref()))
            .collect::<Vec<_>>(),
        [(id, Some("no seed needed"))]
    );

    // The inbox as a stream: the first round at once, then one every interval.
    let a_inbox = a_room.inbox();
    let SessionId::Blinded15Id(alice_blinded) = a_inbox.blinded_id() else {
        panic!("alice is not 15-blinded")
    };
    b_room.inbox().send(&alice_blinded, "one").await.unwrap();
    let stream = a_inbox.messages(Duration::from_millis(100));
    tokio::pin!(stream);
    let mut got = Vec::new();
    for text in ["one", "two"] {
        if text == "two" {
            b_room.inbox().send(&alice_blinded, text).await.unwrap();
        }
        let dm = tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .expect("a DM within 10 s")
            .expect("the stream goes on")
            .unwrap();
        got.push(dm);
    }
    let (first, second) = (&got[0], &got[1]);
    assert_eq!(first.text.as_deref(), Some("one"));
    assert_eq!(
        (second.text.as_deref(), &second.sender_account),
        (Some("two"), bob.account_id())
    );
    assert!(second.id > first.id);
    assert_eq!(dialled.load(Ordering::SeqCst), 0, "a seed was dialled");
    assert_eq!(alice.pool_size(), 0);

    // The first request that needs the pool bootstraps it, and fails on the dead seed with a
    // network error (the pool is retried on the next request).
    let e = alice.poll().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Network, "{e:?}");
    assert!(dialled.load(Ordering::SeqCst) >= 1);
    let before = dialled.load(Ordering::SeqCst);
    assert!(alice.community(url.as_str()).await.is_err());
    assert!(dialled.load(Ordering::SeqCst) > before);

    // Without `lazy_pool`, `build` bootstraps, and fails the same way.
    let eager = session_client::Client::builder()
        .identity(common::keypair("carol"))
        .network(network.clone())
        .build()
        .await
        .unwrap_err();
    assert_eq!(eager.kind(), ErrorKind::Network, "{eager:?}");

    // Shut down: the stream ends.
    alice.shutdown().await;
    let end = tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("the stream ends within 10 s");
    assert!(end.is_none());
    bob.shutdown().await;
    server.stop().await;
}
