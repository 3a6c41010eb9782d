//! Pinned seeds (`local-network.md` §6): a seed must present exactly the pinned certificate,
//! valid for its host name. Exercised against a local TLS seed on 127.0.0.1 with its own
//! certificates, through the same code path as the mainnet pins (never contacting mainnet).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use session_client::{Client, Error, ErrorKind, Network, SeedNode, SeedPin};
use session_identity::Ed25519KeyPair;
use sha2::{Digest as _, Sha256};
use tokio::net::TcpListener;

struct Cert {
    pem: String,
    der: CertificateDer<'static>,
    key: PrivateKeyDer<'static>,
    spki_b64: String,
}

fn cert(host: &str) -> Cert {
    let ck = rcgen::generate_simple_self_signed(vec![host.to_owned()]).unwrap();
    // The SPKI pin computed independently of the client, from rcgen's key.
    let spki_b64 = base64::engine::general_purpose::STANDARD
        .encode(Sha256::digest(ck.key_pair.public_key_der()));
    Cert {
        pem: ck.cert.pem(),
        der: ck.cert.der().clone(),
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(ck.key_pair.serialize_der())),
        spki_b64,
    }
}

/// A seed answering `get_n_service_nodes` with 12 made-up nodes on 127.0.0.x (never dialled).
async fn start_seed(cert: &Cert) -> (SocketAddr, tokio::task::JoinHandle<()>) {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.der.clone()], cert.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let nodes: Vec<serde_json::Value> = (0..12u8)
        .map(|i| {
            let key = Ed25519KeyPair::from_seed(&[i + 1; 32]);
            serde_json::json!({
                "public_ip": format!("127.0.0.{}", i + 2),
                "storage_port": 9,
                "pubkey_ed25519": key.public_key().to_string(),
                "pubkey_x25519": key.public_key().to_x25519().unwrap().to_string(),
                "swarm_id": u64::from(i % 3) * (u64::MAX / 3),
                "requested_unlock_height": 0,
            })
        })
        .collect();
    let answer = Arc::new(nodes);
    let task = tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                // A refused handshake ends here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                    let answer = answer.clone();
                    async move {
                        let path = req.uri().path().to_owned();
                        let body = req.into_body().collect().await?.to_bytes();
                        let request: serde_json::Value =
                            serde_json::from_slice(&body).unwrap_or_default();
                        let ok = path == "/json_rpc"
                            && request["method"] == "get_n_service_nodes"
                            && request["params"]["fields"]["swarm_id"] == true;
                        let text = if ok {
                            serde_json::json!({"jsonrpc": "2.0", "id": request["id"],
                                "result": {"height": 1, "service_node_states": *answer}})
                        } else {
                            serde_json::json!({"jsonrpc": "2.0", "id": null,
                                "error": {"code": -32601, "message": "Method not found"}})
                        };
                        let response = hyper::Response::builder()
                            .header("content-type", "application/json")
                            .body(Full::new(Bytes::from(text.to_string())))
                            .unwrap();
                        Ok::<_, hyper::Error>(response)
                    }
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    (addr, task)
}

async fn bootstrap(seed: SeedNode) -> Result<Client, Error> {
    Client::builder()
        .identity(Ed25519KeyPair::from_seed(&[7; 32]))
        .network(Network::Custom(vec![seed]))
        .build()
        .await
}

#[tokio::test]
async fn pinned_seed_accepts_only_its_certificate() {
    let served = cert("seed1.test");
    let other = cert("seed1.test");
    let (addr, server) = start_seed(&served).await;
    let url = format!("https://seed1.test:{}", addr.port());

    // The pinned certificate, for the right host: the pool bootstraps.
    let pin = SeedPin::new(&served.pem, &served.spki_b64).unwrap();
    let seed = SeedNode::pinned(&url, pin.clone())
        .unwrap()
        .with_address(addr);
    let client = bootstrap(seed).await.unwrap();
    assert_eq!(client.pool_size(), 12);

    // Another certificate for the same name: refused, and not retryable.
    let other_pin = SeedPin::new(&other.pem, &other.spki_b64).unwrap();
    let seed = SeedNode::pinned(&url, other_pin)
        .unwrap()
        .with_address(addr);
    let e = bootstrap(seed).await.unwrap_err();
    assert!(matches!(e, Error::SeedCertificate { .. }), "{e}");
    assert_eq!(e.kind(), ErrorKind::SeedCertificate);
    assert!(!e.is_retryable());

    // The pinned certificate presented for another host name: refused too.
    let wrong_host = format!("https://seed2.test:{}", addr.port());
    let seed = SeedNode::pinned(&wrong_host, pin)
        .unwrap()
        .with_address(addr);
    let e = bootstrap(seed).await.unwrap_err();
    assert!(matches!(e, Error::SeedCertificate { .. }), "{e}");

    // A local network's seed is not pinned (desktop's devnet mode): any certificate works.
    let seed = SeedNode::unpinned(&url).unwrap().with_address(addr);
    assert_eq!(bootstrap(seed).await.unwrap().pool_size(), 12);
    server.abort();
}

#[tokio::test]
async fn mainnet_pins_refuse_a_local_impostor() {
    // A local server claiming to be seed1.getsession.org, dialled through the mainnet pins'
    // own code path (address overridden to loopback): refused.
    let impostor = cert("seed1.getsession.org");
    let (addr, server) = start_seed(&impostor).await;
    let seeds: Vec<SeedNode> = session_client::mainnet_seeds()
        .unwrap()
        .into_iter()
        .map(|s| s.with_address(addr))
        .collect();
    let e = Client::builder()
        .identity(Ed25519KeyPair::from_seed(&[8; 32]))
        .network(Network::Custom(seeds))
        .build()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::SeedCertificate { .. }), "{e}");
    server.abort();
}
