//! Onion request benchmarks (group `onion/*`): one hop's encryption and decryption of 1 KiB
//! (ECDH + KDF + AEAD, as `session bench`'s `hop_*`), building a 3-hop request with a 1 KiB
//! payload, peeling one layer as a service node, and decrypting the destination's reply.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_core::OsRng;
use session_stack::identity::Ed25519KeyPair;
use session_stack::identity::X25519SecretKey;
use session_stack::onion::{
    Decision, Destination, EncType, Hop, IncomingLayer, LayerKey, NodeKeys, OnionRequestBuilder,
    ReplyBody, Route,
};

fn nodes(n: usize) -> Vec<(NodeKeys, Hop)> {
    (0..n)
        .map(|_| {
            let id = Ed25519KeyPair::generate(&mut OsRng);
            (
                NodeKeys::from_ed25519_keypair(&id),
                Hop::from_ed25519(id.public_key()).unwrap(),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("onion");
    let nodes = nodes(4);
    let path: Vec<Hop> = nodes[..3].iter().map(|n| n.1).collect();
    let payload = vec![0x42u8; 1024];
    for enc in [EncType::XChaCha20, EncType::AesGcm] {
        // One hop: the ephemeral key already made (client), the node's key pair at hand (node).
        let node_sk = X25519SecretKey::generate(&mut OsRng);
        let node_pk = node_sk.public_key();
        let eph_sk = X25519SecretKey::generate(&mut OsRng);
        let eph_pk = eph_sk.public_key();
        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_function(BenchmarkId::new("hop_encrypt_1KiB", enc), |b| {
            b.iter(|| {
                LayerKey::derive_as_client_with_public(enc, &eph_sk, &eph_pk, &node_pk)
                    .unwrap()
                    .encrypt(&mut OsRng, &payload)
            })
        });
        let hop_ct = LayerKey::derive_as_client_with_public(enc, &eph_sk, &eph_pk, &node_pk)
            .unwrap()
            .encrypt(&mut OsRng, &payload);
        group.bench_function(BenchmarkId::new("hop_decrypt_1KiB", enc), |b| {
            b.iter(|| {
                LayerKey::derive_as_server_with_public(enc, &node_sk, &node_pk, &eph_pk)
                    .unwrap()
                    .decrypt(&hop_ct)
                    .unwrap()
            })
        });

        let builder = OnionRequestBuilder::new(
            path.clone(),
            Destination::ServiceNode(nodes[3].1),
            payload.clone(),
        )
        .enc_type(enc);

        group.throughput(Throughput::Bytes(payload.len() as u64));
        group.bench_function(BenchmarkId::new("build_3hop_1KiB", enc), |b| {
            b.iter(|| builder.build(&mut OsRng).unwrap())
        });

        let (frame, _) = builder.build(&mut OsRng).unwrap();
        group.throughput(Throughput::Bytes(frame.len() as u64));
        group.bench_function(BenchmarkId::new("peel_one_layer", enc), |b| {
            b.iter(|| nodes[0].0.peel_frame(&frame).unwrap())
        });

        // Peel down to the destination once, and make its reply.
        let mut layer = IncomingLayer::parse_frame(&frame).unwrap();
        let mut i = 0;
        let peeled = loop {
            let p = nodes[i].0.peel(&layer).unwrap();
            match p.decision() {
                Decision::Accept(Route::RelayToNode(r)) => layer = r.next_layer().clone(),
                _ => break p,
            }
            i += 1;
        };
        let reply = peeled.final_reply(&mut OsRng, 200, ReplyBody::Text("x".repeat(1024)));
        group.throughput(Throughput::Bytes(reply.len() as u64));
        group.bench_function(BenchmarkId::new("decrypt_response", enc), |b| {
            b.iter_batched(
                || builder.build(&mut OsRng).unwrap().1,
                |pending| pending.decrypt_response(200, &reply),
                criterion::BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
