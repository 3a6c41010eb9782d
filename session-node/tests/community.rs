//! The loopback community server (`CommunityServer`, not a production server) reached as a
//! Session client reaches one: through a 3-hop onion path of a local network to its
//! `/oxen/v4/lsrpc` endpoint (the last node's proxy POSTs over plain HTTP to 127.0.0.x), and
//! directly over HTTP. Requests are built, signed and parsed with `session-community`, onion
//! requests with `session-onion`'s client-side builder.

#![allow(clippy::unwrap_used, missing_docs)]

mod common;

use bytes::Bytes;
use common::Conn;
use http_body_util::{BodyExt as _, Full};
use rand_core::OsRng;
use session_community::api::{self, MessageUpdate, MessagesQuery, NewPost};
use session_community::{ApiRequest, Community, Error, FromResponse, Request, RequestSigner};
use session_identity::{Ed25519KeyPair, SessionId};
use session_node::{CommunityServer, Testnet, TestnetConfig};
use session_onion::{Destination, Hop, OnionRequestBuilder, Protocol, ServerDestination};
use session_protocol::proto::Content;

fn text(body: &str) -> Content {
    Content::text(body, common::now_ms())
}

fn now_s() -> u64 {
    common::now_ms() / 1000
}

/// Sends a community request through the onion path to the server, as a client does.
async fn via_onion<T: FromResponse>(
    path: &[session_swarm::ServiceNode],
    community: &Community,
    req: &ApiRequest<T>,
) -> session_community::Result<T> {
    let hops: Vec<Hop> = path.iter().map(Hop::from).collect();
    let host = community.base_url.host().to_owned();
    let dest = ServerDestination::new(host, community.server_x25519)
        .protocol(Protocol::Http)
        .port(community.base_url.port());
    let (frame, pending) =
        OnionRequestBuilder::new(hops, Destination::Server(dest), req.request.to_v4())
            .build(&mut OsRng)
            .unwrap();
    let (status, body) = Conn::to(&path[0]).await.post("/onion_req/v2", frame).await;
    // The server's own non-2xx answers come back as destination errors: the community
    // parser reads them (status and text) as it would a direct answer.
    let resp = match pending.decrypt_response(status, &body) {
        Ok(r) => r,
        Err(session_onion::Error::Destination(d)) => d.response().clone(),
        Err(e) => panic!("onion: {e} (HTTP {status})"),
    };
    req.parse_response(resp.status, &resp.body)
}

/// Sends a community request directly over HTTP/1.1.
async fn direct(addr: std::net::SocketAddr, r: &Request) -> (u16, Vec<u8>) {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut sender, conn) =
        hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(tcp))
            .await
            .unwrap();
    tokio::spawn(conn);
    let mut b = hyper::Request::builder()
        .method(r.method.as_str())
        .uri(&r.path)
        .header("host", addr.to_string());
    for (k, v) in &r.headers {
        b = b.header(k.as_str(), v.as_str());
    }
    let resp = sender
        .send_request(
            b.body(Full::new(Bytes::from(r.body.clone().unwrap_or_default())))
                .unwrap(),
        )
        .await
        .unwrap();
    let status = resp.status().as_u16();
    (
        status,
        resp.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn onion_and_direct_requests_to_the_community_server() {
    let dir = common::temp_dir("community");
    let alice = Ed25519KeyPair::generate(&mut OsRng);
    let config = TestnetConfig::new(&dir)
        .nodes(3)
        .swarm_size(3)
        .community(&["lobby", "dev"])
        .community_admin(SessionId::AccountId(alice.account_id()));
    let net = Testnet::start(config.clone()).await.unwrap();
    let server = net.community().unwrap();
    // On the first address after the nodes' (127.0.0.2..=127.0.0.4), listed in testnet.json.
    assert_eq!(server.addr().ip().to_string(), "127.0.0.5");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(net.testnet_json()).unwrap()).unwrap();
    let c = &json["community"];
    assert_eq!(c["base_url"], server.base_url().as_str());
    assert_eq!(c["public_key"], hex::encode(server.public_key().as_bytes()));
    assert_eq!(c["rooms"][1]["token"], "dev");
    assert_eq!(c["rooms"][0]["join_url"], server.join_url("lobby").as_str());
    let join_url = server.join_url("lobby");
    let community: Community = server.join_url("lobby").parse().unwrap();
    assert_eq!(&community.server_x25519, server.public_key());
    let room = &community.room;
    let path = net.nodes().to_vec();

    let signer = RequestSigner::blind15(&alice, &community.server_x25519);

    // Capabilities, anonymously, through the onion path.
    let caps = via_onion(&path, &community, &api::capabilities(&[]))
        .await
        .unwrap();
    assert!(caps.requires_blinding() && caps.has("reactions"));
    // Alice, made an admin by her Account ID, is one under her blinded id.
    let room_info = api::room(room).signed_with_rng(&mut OsRng, &signer, now_s());
    let info = via_onion(&path, &community, &room_info).await.unwrap();
    assert!(info.admin && info.global_admin);

    // A signed post through the onion path, then read back (directly) and verified.
    let post = NewPost::new(&mut OsRng, &signer, &alice, &text("hello via onion")).unwrap();
    let req = api::post_message(room, &post).signed_with_rng(&mut OsRng, &signer, now_s());
    let posted = via_onion(&path, &community, &req).await.unwrap();
    assert_eq!(
        posted.session_id.as_deref(),
        Some(signer.session_id().to_string().as_str())
    );
    let read = api::messages_since(room, 0, MessagesQuery::default());
    let (s, b) = direct(server.addr(), &read.request).await;
    let checked = api::check_messages(&read.parse_response(s, &b).unwrap());
    assert!(checked.rejected.is_empty());
    let [MessageUpdate::Post(p)] = checked.updates.as_slice() else {
        panic!("{:?}", checked.updates)
    };
    assert_eq!(p.content.text_body(), Some("hello via onion"));

    // A direct signed post, read through the onion path.
    let post = NewPost::new(&mut OsRng, &signer, &alice, &text("hello direct")).unwrap();
    let req = api::post_message(room, &post).signed_with_rng(&mut OsRng, &signer, now_s());
    let (s, b) = direct(server.addr(), &req.request).await;
    assert_eq!(s, 201, "{}", String::from_utf8_lossy(&b));
    let read = api::messages_recent(room, MessagesQuery::default());
    let msgs = via_onion(&path, &community, &read).await.unwrap();
    assert_eq!(msgs.len(), 2);
    assert!(api::check_messages(&msgs).rejected.is_empty());

    // The server's rules come back through the onion as v4 codes: unsigned post → 401,
    // a replayed signed request → 425, an unknown room → 404, a stale timestamp → 425.
    let unsigned = api::post_message(room, &post);
    let e = via_onion(&path, &community, &unsigned).await.unwrap_err();
    assert!(matches!(e, Error::Server(ref s) if s.status == 401), "{e}");
    let e = via_onion(&path, &community, &req).await.unwrap_err();
    assert!(matches!(e, Error::Server(ref s) if s.status == 425), "{e}");
    let other = api::room(&"nope".parse().unwrap());
    let e = via_onion(&path, &community, &other).await.unwrap_err();
    assert!(matches!(e, Error::Server(ref s) if s.status == 404), "{e}");
    let stale =
        api::post_message(room, &post).signed_with_rng(&mut OsRng, &signer, now_s() - 2 * 86_400);
    let e = via_onion(&path, &community, &stale).await.unwrap_err();
    assert!(matches!(e, Error::Server(ref s) if s.status == 425), "{e}");
    // ... and with the server's clock set back two days, the same timestamp is fine.
    server.set_time_ms(Some(common::now_ms() - 2 * 86_400_000));
    let stale =
        api::post_message(room, &post).signed_with_rng(&mut OsRng, &signer, now_s() - 2 * 86_400);
    via_onion(&path, &community, &stale).await.unwrap();
    server.set_time_ms(None);
    assert_eq!(server.with_state(|s| s.message_count("lobby")), Some(3));

    net.stop().await;

    // A restart of the same directory keeps the server's address, port and key (so its join
    // URLs), not its posts; without the option there is no server and no `community` entry.
    let net = Testnet::start(config).await.unwrap();
    let server = net.community().unwrap();
    assert_eq!(server.join_url("lobby"), join_url);
    assert_eq!(server.with_state(|s| s.message_count("lobby")), Some(0));
    let caps = via_onion(net.nodes(), &community, &api::capabilities(&[]))
        .await
        .unwrap();
    assert!(caps.requires_blinding());
    net.stop().await;
    let net = Testnet::start(TestnetConfig::new(&dir)).await.unwrap();
    assert!(net.community().is_none());
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(net.testnet_json()).unwrap()).unwrap();
    assert!(json.get("community").is_none());
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn only_loopback_and_valid_rooms() {
    let e = CommunityServer::start("10.1.2.3".parse().unwrap(), &["lobby"])
        .await
        .unwrap_err();
    assert!(matches!(e, session_node::Error::NotLoopback(_)), "{e}");
    let e = CommunityServer::start("127.0.0.1".parse().unwrap(), &["no spaces"])
        .await
        .unwrap_err();
    assert!(matches!(e, session_node::Error::Community(_)), "{e}");
    // The port is free again once stop returns; a restart with the key keeps the join URL.
    let key = session_identity::X25519SecretKey::generate(&mut OsRng);
    let ip = "127.0.0.1".parse().unwrap();
    let a = CommunityServer::start_with_key(ip, 0, key.clone(), &["lobby"])
        .await
        .unwrap();
    let (url, port) = (a.join_url("lobby"), a.addr().port());
    a.stop().await;
    let b = CommunityServer::start_with_key(ip, port, key, &["lobby"])
        .await
        .unwrap();
    assert_eq!(b.join_url("lobby"), url);
    // Bodies over 10 MiB are refused before they reach the server logic; unknown paths 404.
    let big = Request::new(session_community::Method::Post, "/room/lobby/file").with_body(
        vec![0; session_community::server::MAX_BODY + 1],
        "application/octet-stream",
    );
    assert_eq!(direct(b.addr(), &big).await.0, 413);
    let nothing = Request::new(session_community::Method::Get, "/nothing/here");
    assert_eq!(direct(b.addr(), &nothing).await.0, 404);
    b.stop().await;
}
