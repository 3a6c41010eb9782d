//! The client side of `session-community` against the test-only community server of
//! `tests/support` (not a production server), over real HTTP on 127.0.0.1: join, post, poll
//! with signature checks, reactions, deletion, authentication failures, `/batch`, blinded DMs,
//! files, and the direct v4 endpoint.

mod support;

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use session_community::api::{self, MessageUpdate, MessagesQuery, NewPost, ServerErrorKind};
use session_community::{Community, Error, RequestSigner};
use session_identity::{Blinded15Id, Ed25519KeyPair, SessionId};
use session_protocol::BlindedId;
use session_protocol::proto::Content;
use support::{START, TestServer, send, send_frame};

const SEED: u64 = 0x10_0b_ac_c0;

struct User {
    keys: Ed25519KeyPair,
    signer: RequestSigner,
}

impl User {
    fn new(rng: &mut ChaCha20Rng, c: &Community) -> Self {
        let keys = Ed25519KeyPair::generate(rng);
        let signer = RequestSigner::blind15(&keys, &c.server_x25519);
        Self { keys, signer }
    }
}

fn ts() -> u64 {
    START.unsigned_abs()
}

#[tokio::test]
async fn client_against_test_server() {
    let server = TestServer::start(&["lounge"]).await;
    let mut rng = ChaCha20Rng::seed_from_u64(SEED);
    let url = format!(
        "{}/lounge?public_key={}",
        server.base_url(),
        hex::encode(server.x25519.as_bytes())
    );
    let community: Community = url.parse().unwrap();
    let room = &community.room;
    let addr = server.addr;
    let alice = User::new(&mut rng, &community);
    let bob = User::new(&mut rng, &community);

    // Anonymous: capabilities and the room.
    let caps = api::capabilities(&[]);
    let (s, b) = send(addr, &caps.request).await;
    assert!(caps.parse_response(s, &b).unwrap().requires_blinding());
    let r = api::room(room);
    let (s, b) = send(addr, &r.request).await;
    assert_eq!(r.parse_response(s, &b).unwrap().token, "lounge");
    let unknown = api::room(&"nope".parse().unwrap());
    let (s, b) = send(addr, &unknown.request).await;
    assert!(
        matches!(unknown.parse_response(s, &b), Err(Error::Server(e)) if e.kind == ServerErrorKind::NotFound)
    );

    // Alice posts (signed request, signed post).
    let post = NewPost::new(
        &mut rng,
        &alice.signer,
        &alice.keys,
        &Content::text("hello room", 1),
    )
    .unwrap();
    let req = api::post_message(room, &post).signed_with_rng(&mut rng, &alice.signer, ts());
    let (s, b) = send(addr, &req.request).await;
    assert_eq!(s, 201, "{}", String::from_utf8_lossy(&b));
    let posted = req.parse_response(s, &b).unwrap();
    assert_eq!(
        posted.session_id.as_deref(),
        Some(&*alice.signer.session_id().to_string())
    );

    // Anonymous posting is refused; so are a tampered request and a reused nonce.
    let anon = api::post_message(room, &post);
    let (s, _) = send(addr, &anon.request).await;
    assert_eq!(s, 401);
    let mut tampered =
        api::post_message(room, &post).signed_with_rng(&mut rng, &alice.signer, ts());
    if let Some(b) = tampered.request.body.as_mut() {
        b.push(b' ');
    }
    let (s, b) = send(addr, &tampered.request).await;
    assert_eq!(s, 401, "{}", String::from_utf8_lossy(&b));
    let (s, b) = send(addr, &req.request).await;
    assert_eq!(
        (s, String::from_utf8_lossy(&b).as_ref()),
        (425, "Invalid authentication: X-SOGS-Nonce cannot be reused")
    );
    let stale = api::rooms().signed_with_rng(&mut rng, &alice.signer, ts() - 86_401);
    let (s, _) = send(addr, &stale.request).await;
    assert_eq!(s, 425);

    // Bob polls: Alice's post verifies and decodes.
    let poll = api::messages_since(room, 0, MessagesQuery::default()).signed_with_rng(
        &mut rng,
        &bob.signer,
        ts(),
    );
    let (s, b) = send(addr, &poll.request).await;
    let checked = api::check_messages(&poll.parse_response(s, &b).unwrap());
    assert!(checked.rejected.is_empty());
    let [MessageUpdate::Post(p)] = checked.updates.as_slice() else {
        panic!("{:?}", checked.updates)
    };
    assert_eq!(p.content.text_body(), Some("hello room"));
    assert_eq!(p.author, alice.signer.session_id());
    let mut seqno = checked.max_seqno.unwrap();

    // A forged post: Bob re-posts Alice's data and signature under his own id (the server
    // stores posts without checking their signatures, as pysogs); it is dropped and reported.
    let forged = api::post_message(room, &post).signed_with_rng(&mut rng, &bob.signer, ts());
    let (s, b) = send(addr, &forged.request).await;
    let forged_id = forged.parse_response(s, &b).unwrap().id;
    let poll = api::messages_since(room, seqno, MessagesQuery::default());
    let (s, b) = send(addr, &poll.request).await;
    let checked = api::check_messages(&poll.parse_response(s, &b).unwrap());
    assert!(checked.updates.is_empty());
    assert_eq!(checked.rejected.len(), 1);
    assert_eq!(
        (checked.rejected[0].id, &checked.rejected[0].reason),
        (forged_id, &Error::SignatureInvalid)
    );
    seqno = checked.max_seqno.unwrap();

    // Reaction by Bob, then Alice deletes her post: both show up in the next poll.
    let react = api::add_reaction(room, posted.id, "🎂")
        .unwrap()
        .signed_with_rng(&mut rng, &bob.signer, ts());
    let (s, b) = send(addr, &react.request).await;
    assert!(react.parse_response(s, &b).unwrap().added);
    let poll = api::messages_since(room, seqno, MessagesQuery::default());
    let (s, b) = send(addr, &poll.request).await;
    let checked = api::check_messages(&poll.parse_response(s, &b).unwrap());
    // A reaction-only change comes as `{id, seqno, reactions}` (the default query has `t=r`).
    let [MessageUpdate::Reactions { id, reactions, .. }] = checked.updates.as_slice() else {
        panic!("{:?}", checked.updates)
    };
    assert_eq!((*id, reactions["🎂"].count), (posted.id, 1));
    seqno = checked.max_seqno.unwrap();
    let del_by_bob =
        api::delete_message(room, posted.id).signed_with_rng(&mut rng, &bob.signer, ts());
    let (s, _) = send(addr, &del_by_bob.request).await;
    assert_eq!(s, 403);
    let del = api::delete_message(room, posted.id).signed_with_rng(&mut rng, &alice.signer, ts());
    let (s, b) = send(addr, &del.request).await;
    del.parse_response(s, &b).unwrap();
    let poll = api::messages_since(room, seqno, MessagesQuery::default());
    let (s, b) = send(addr, &poll.request).await;
    let checked = api::check_messages(&poll.parse_response(s, &b).unwrap());
    assert_eq!(
        checked.updates,
        vec![MessageUpdate::Deleted {
            id: posted.id,
            seqno: seqno + 1
        }]
    );

    // Blinded DM: Alice → Bob (Bob has authenticated before, so the server knows him).
    let bob_id: Blinded15Id = match bob.signer.session_id() {
        SessionId::Blinded15Id(id) => id,
        other => panic!("{other:?}"),
    };
    let ct = session_protocol::encode_for_community_inbox(
        &mut rng,
        &alice.keys,
        &community.server_x25519,
        &BlindedId::Blinded15(bob_id),
        &Content::text("psst", 1),
    )
    .unwrap();
    let dm = api::send_inbox(&bob_id, &ct).signed_with_rng(&mut rng, &alice.signer, ts());
    let (s, b) = send(addr, &dm.request).await;
    let sent = dm.parse_response(s, &b).unwrap();

    // Bob polls everything in one signed /batch.
    let pi = api::poll_info(room, 0);
    let inbox = api::inbox(Some(0), None);
    let outbox = api::outbox(Some(0), None);
    let batch = api::batch(&[
        caps.request.to_subrequest(),
        pi.request.to_subrequest(),
        inbox.request.to_subrequest(),
        outbox.request.to_subrequest(),
    ])
    .signed_with_rng(&mut rng, &bob.signer, ts());
    let (s, b) = send(addr, &batch.request).await;
    let items = batch.parse_response(s, &b).unwrap();
    assert_eq!(items.len(), 4);
    assert!(caps.parse_batch_item(&items[0]).unwrap().has("sogs"));
    assert!(pi.parse_batch_item(&items[1]).unwrap().details.is_some());
    let dms = inbox.parse_batch_item(&items[2]).unwrap();
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].id, sent.id);
    let (content, from) = dms[0].decode(&bob.keys, &community.server_x25519).unwrap();
    assert_eq!(
        (content.text_body(), from),
        (Some("psst"), alice.keys.account_id())
    );
    assert_eq!(items[3].code, 304);
    assert!(outbox.parse_batch_item(&items[3]).unwrap().is_empty());

    // /sequence stops at the 304.
    let seq = api::sequence(&[
        api::inbox(Some(sent.id), None).request.to_subrequest(),
        api::rooms().request.to_subrequest(),
    ])
    .signed_with_rng(&mut rng, &bob.signer, ts());
    let (s, b) = send(addr, &seq.request).await;
    assert_eq!(seq.parse_response(s, &b).unwrap().len(), 1);

    // Inbox to someone the server has never seen: 404.
    let stranger = Ed25519KeyPair::generate(&mut rng)
        .blind15(&community.server_x25519)
        .blinded_id();
    let dm = api::send_inbox(&stranger, &ct).signed_with_rng(&mut rng, &alice.signer, ts());
    let (s, _) = send(addr, &dm.request).await;
    assert_eq!(s, 404);

    // Files: upload, download, attachment URL.
    let mut file = vec![0u8; 3000];
    rng.fill_bytes(&mut file);
    let up = api::upload_file(room, file.clone(), Some("cat.jpg")).signed_with_rng(
        &mut rng,
        &alice.signer,
        ts(),
    );
    let (s, b) = send(addr, &up.request).await;
    let id = up.parse_response(s, &b).unwrap().id;
    let url = api::file_url(&community.base_url, room, id);
    assert_eq!(api::file_id_from_url(&url), Some(id));
    let down = api::download_file(room, id);
    let (s, b) = send(addr, &down.request).await;
    assert_eq!(down.parse_response(s, &b).unwrap(), file);
}

#[tokio::test]
async fn direct_v4_frames() {
    let server = TestServer::start(&["lounge"]).await;
    let mut rng = ChaCha20Rng::seed_from_u64(SEED + 1);
    let community: Community = format!(
        "{}/lounge?public_key={}",
        server.base_url(),
        hex::encode(server.x25519.as_bytes())
    )
    .parse()
    .unwrap();
    let me = User::new(&mut rng, &community);
    for enc in [
        session_onion::EncType::AesGcm,
        session_onion::EncType::XChaCha20,
    ] {
        // A signed post and a poll, each inside an encrypted v4 frame.
        let post =
            NewPost::new(&mut rng, &me.signer, &me.keys, &Content::text("via v4", 1)).unwrap();
        let req =
            api::post_message(&community.room, &post).signed_with_rng(&mut rng, &me.signer, ts());
        let (frame, pending) = req
            .request
            .to_direct_frame(&mut rng, &community.server_x25519, enc)
            .unwrap();
        let (s, b) = send_frame(server.addr, frame).await;
        let m = req.parse_direct_reply(pending, s, &b).unwrap();
        assert!(
            matches!(m.verify(), Ok(MessageUpdate::Post(p)) if p.content.text_body() == Some("via v4"))
        );

        let poll = api::messages_recent(&community.room, MessagesQuery::default());
        let (frame, pending) = poll
            .request
            .to_direct_frame(&mut rng, &community.server_x25519, enc)
            .unwrap();
        let (s, b) = send_frame(server.addr, frame).await;
        let msgs = poll.parse_direct_reply(pending, s, &b).unwrap();
        assert!(api::check_messages(&msgs).rejected.is_empty());
    }
    // Inner auth errors come back as v4 codes with the server's text.
    let unsigned = api::post_message(
        &community.room,
        &NewPost::new(&mut rng, &me.signer, &me.keys, &Content::text("x", 1)).unwrap(),
    );
    let (frame, pending) = unsigned
        .request
        .to_direct_frame(
            &mut rng,
            &community.server_x25519,
            session_onion::EncType::AesGcm,
        )
        .unwrap();
    let (s, b) = send_frame(server.addr, frame).await;
    assert!(
        matches!(unsigned.parse_direct_reply(pending, s, &b), Err(Error::Server(e)) if e.status == 401)
    );
    // A frame for another key does not open: plain HTTP 400.
    let other = Ed25519KeyPair::generate(&mut rng).x25519_public();
    let (frame, pending) = api::rooms()
        .request
        .to_direct_frame(&mut rng, &other, session_onion::EncType::AesGcm)
        .unwrap();
    let (s, b) = send_frame(server.addr, frame).await;
    assert_eq!(s, 400);
    assert!(matches!(
        api::rooms().parse_direct_reply(pending, s, &b),
        Err(Error::Server(_))
    ));
}

#[tokio::test]
async fn poller_rounds() {
    use session_community::poll::{Poller, Start};
    let server = TestServer::start(&["lounge", "other"]).await;
    let mut rng = ChaCha20Rng::seed_from_u64(SEED + 2);
    let community: Community = format!(
        "{}/lounge?public_key={}",
        server.base_url(),
        hex::encode(server.x25519.as_bytes())
    )
    .parse()
    .unwrap();
    let (alice, bob) = (
        User::new(&mut rng, &community),
        User::new(&mut rng, &community),
    );
    let mut poller = Poller::new(true);
    poller.add_room(community.room.clone(), Start::Recent);
    poller.add_room("other".parse().unwrap(), Start::Seqno(0));
    let post = |rng: &mut ChaCha20Rng, body: &str| {
        let p = NewPost::new(rng, &alice.signer, &alice.keys, &Content::text(body, 1)).unwrap();
        api::post_message(&community.room, &p).signed_with_rng(rng, &alice.signer, ts())
    };
    for body in ["one", "two"] {
        let r = post(&mut rng, body);
        assert_eq!(send(server.addr, &r.request).await.0, 201);
    }
    let mut bodies = Vec::new();
    let mut dms = 0;
    for round in 0..3 {
        if round == 1 {
            let r = post(&mut rng, "three");
            assert_eq!(send(server.addr, &r.request).await.0, 201);
            let bob_id = match bob.signer.session_id() {
                SessionId::Blinded15Id(id) => id,
                other => panic!("{other:?}"),
            };
            let ct = session_protocol::encode_for_community_inbox(
                &mut rng,
                &alice.keys,
                &community.server_x25519,
                &BlindedId::Blinded15(bob_id),
                &Content::text("dm", 1),
            )
            .unwrap();
            let dm = api::send_inbox(&bob_id, &ct).signed_with_rng(&mut rng, &alice.signer, ts());
            assert_eq!(send(server.addr, &dm.request).await.0, 201);
        }
        let r = poller.round();
        let signed = r
            .request
            .clone()
            .signed_with_rng(&mut rng, &bob.signer, ts());
        let (s, b) = send(server.addr, &signed.request).await;
        let out = poller.handle(&r, s, &b).unwrap();
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        for news in &out.rooms {
            assert!(news.messages.rejected.is_empty());
            for u in &news.messages.updates {
                if let MessageUpdate::Post(p) = u {
                    bodies.push(p.content.text_body().unwrap_or_default().to_owned());
                }
            }
        }
        for dm in &out.inbox {
            let (c, from) = dm.decode(&bob.keys, &community.server_x25519).unwrap();
            assert_eq!((c.text_body(), from), (Some("dm"), alice.keys.account_id()));
            dms += 1;
        }
    }
    assert_eq!(bodies, ["one", "two", "three"]);
    assert_eq!(dms, 1);
    assert_eq!(poller.seqno(&community.room), Some(3));
}
