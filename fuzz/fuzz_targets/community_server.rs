//! The in-memory community server (`session_community::server`, not a production server) on a
//! sequence of requests: up to 32 records separated by 0xFF, each `flags ‖ path 0x00 body`.
//! flags bits 0–1: method (GET, POST, PUT, DELETE); bit 2: signed (X-SOGS-* headers made with
//! one of two users' keys, bit 3 chooses, so routing runs as an authenticated user); bit 6:
//! sent inside a direct onion v4 frame; bit 7: the record (after the flags) is posted raw to
//! `/oxen/v4/lsrpc`. The server must answer every request with a status and never panic, and
//! a sealed v4 answer must open with the request's key.
#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use session_community::auth::RequestSigner;
use session_community::server::{ONION_V4_PATH, Server};
use session_community::{Method, Request};
use session_identity::{Ed25519KeyPair, X25519SecretKey};
use session_onion::{EncType, NodeKeys};

const NOW_S: u64 = 1_700_000_000;

/// The server key and two users, derived once (the blinded keys are costly).
struct Keys {
    server: X25519SecretKey,
    users: [RequestSigner; 2],
}

static KEYS: LazyLock<Keys> = LazyLock::new(|| {
    let server = X25519SecretKey::from_bytes(&[7; 32]);
    let pk = server.public_key();
    Keys {
        users: [
            RequestSigner::blind15(&Ed25519KeyPair::from_seed(&[1; 32]), &pk),
            RequestSigner::blind15(&Ed25519KeyPair::from_seed(&[2; 32]), &pk),
        ],
        server,
    }
});

fuzz_target!(|data: &[u8]| {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let keys = NodeKeys::new(KEYS.server.clone());
    let pk = *keys.public_key();
    let mut server = Server::new(keys, NOW_S * 1000);
    server.add_room(&"lobby".parse().unwrap(), "Lobby");
    let users = &KEYS.users;
    for record in data.split(|b| *b == 0xff).take(32) {
        let Some((&flags, rest)) = record.split_first() else {
            continue;
        };
        let (path, body) = match rest.iter().position(|b| *b == 0) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let path = format!("/{}", String::from_utf8_lossy(path));
        let method =
            [Method::Get, Method::Post, Method::Put, Method::Delete][usize::from(flags & 3)];
        let mut req = Request::new(method, path);
        if !body.is_empty() {
            req.body = Some(body.to_vec());
        }
        if flags & 4 != 0 {
            req.sign_with_rng(&mut rng, &users[usize::from(flags >> 3 & 1)], NOW_S);
        }
        let send = |server: &mut Server, rng: &mut ChaCha20Rng, r: &Request| {
            let headers = r.headers.iter().map(|(k, v)| (k.as_str(), v.as_bytes()));
            let resp = server.handle_http(
                r.method.as_str(),
                &r.path,
                headers,
                r.body_bytes(),
                NOW_S * 1000,
                rng,
            );
            assert!((200..600).contains(&resp.status));
            resp
        };
        if flags & 0x80 != 0 {
            let raw = Request::new(Method::Post, ONION_V4_PATH)
                .with_body(rest.to_vec(), "application/octet-stream");
            send(&mut server, &mut rng, &raw);
        } else if flags & 0x40 != 0 {
            let Ok((frame, pending)) = req.to_direct_frame(&mut rng, &pk, EncType::XChaCha20)
            else {
                continue;
            };
            let outer = Request::new(Method::Post, ONION_V4_PATH)
                .with_body(frame, "application/octet-stream");
            let resp = send(&mut server, &mut rng, &outer);
            assert_eq!(resp.status, 200);
            let inner = pending
                .open_reply(resp.status, &resp.body)
                .expect("sealed v4 answer");
            assert!((200..600).contains(&inner.code));
        } else {
            send(&mut server, &mut rng, &req);
        }
    }
});
