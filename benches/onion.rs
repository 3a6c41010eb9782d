//! Onion request benchmarks (group `onion/*`): building a 3-hop request with a 1 KiB payload,
//! peeling one layer as a service node, and decrypting the destination's reply.

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_core::OsRng;
use session_stack::identity::Ed25519KeyPair;
use session_stack::onion::{
    Decision, Destination, EncType, IncomingLayer, NodeKeys, OnionRequestBuilder, ReplyBody, Route,
    ServiceNode,
};

fn nodes(n: usize) -> Vec<(NodeKeys, ServiceNode)> {
    (0..n)
        .map(|_| {
            let id = Ed25519KeyPair::generate(&mut OsRng);
            (
                NodeKeys::from_ed25519_keypair(&id),
                ServiceNode::from_ed25519(id.public_key()).unwrap(),
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("onion");
    let nodes = nodes(4);
    let path: Vec<ServiceNode> = nodes[..3].iter().map(|n| n.1).collect();
    let payload = vec![0x42u8; 1024];
    for enc in [EncType::XChaCha20, EncType::AesGcm] {
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
