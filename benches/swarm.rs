//! Swarm benchmarks (group `swarm/*`): closest-swarm lookup among 2,000 swarms (from the
//! 33-byte id and from its hex), onion path selection from a 2,000-node pool, and signing
//! storage requests.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::net::Ipv4Addr;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use rand_core::{OsRng, RngCore};
use session_stack::identity::Ed25519KeyPair;
use session_stack::swarm::auth::Auth;
use session_stack::swarm::{
    Namespace, NodePool, PoolConfig, Retrieve, ServiceNode, Store, SwarmId, SwarmPubkey,
    SwarmTable, message_hash,
};

/// 2,000 swarms of one node each, ids random; 2,000 distinct IPs.
fn network(n: usize) -> Vec<ServiceNode> {
    (0..n)
        .map(|i| {
            let key = Ed25519KeyPair::generate(&mut OsRng).public_key();
            let ip = Ipv4Addr::from(0x0a00_0000 + u32::try_from(i).unwrap());
            ServiceNode::new(key, ip, 443, 20200, SwarmId::new(OsRng.next_u64() >> 1)).unwrap()
        })
        .collect()
}

fn ids(n: usize) -> Vec<SwarmPubkey> {
    (0..n)
        .map(|_| {
            let mut k = [0u8; 32];
            OsRng.fill_bytes(&mut k);
            SwarmPubkey::from_parts(5, &k)
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("swarm");
    let nodes = network(2000);
    let table = SwarmTable::from_nodes(&nodes);
    assert_eq!(table.len(), 2000);
    let keys = ids(1024);
    let hexes: Vec<String> = keys.iter().map(SwarmPubkey::to_hex).collect();

    let mut i = 0usize;
    group.bench_function("lookup_2000", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            black_box(table.lookup(black_box(&keys[i])).map(|s| s.id))
        });
    });
    group.bench_function("lookup_2000_from_hex", |b| {
        b.iter(|| {
            i = (i + 1) & 1023;
            let id: SwarmPubkey = black_box(&hexes[i]).parse().unwrap();
            black_box(table.lookup(&id).map(|s| s.id))
        });
    });

    let mut pool = NodePool::new(PoolConfig::default());
    pool.apply_seed_answer(nodes.clone(), 0, &mut OsRng)
        .unwrap();
    group.bench_function("build_path_2000_nodes", |b| {
        b.iter_batched(
            || pool.clone(),
            |mut p| {
                let id = p.build_path(&mut OsRng).unwrap();
                (p, id)
            },
            BatchSize::LargeInput,
        );
    });
    let mut pool = NodePool::new(PoolConfig::default());
    pool.apply_seed_answer(nodes.clone(), 0, &mut OsRng)
        .unwrap();
    pool.ensure_paths(&mut OsRng).unwrap();
    group.bench_function("path_for_destination", |b| {
        b.iter(|| {
            i = (i + 1) % 2000;
            black_box(
                pool.path_for(Some(black_box(&nodes[i])), &mut OsRng)
                    .map(|p| p.id()),
            )
        });
    });

    let auth = Auth::session_id(&Ed25519KeyPair::generate(&mut OsRng));
    let retrieve = Retrieve {
        namespace: Namespace::new(2),
        ..Default::default()
    };
    group.bench_function("sign_retrieve", |b| {
        b.iter(|| black_box(retrieve.sign(&auth, black_box(1_700_000_000_000)).unwrap()));
    });
    let store = Store {
        namespace: Namespace::new(2),
        data: vec![0x42; 1024],
        timestamp_ms: 1_700_000_000_000,
        ttl_ms: 86_400_000,
    };
    group.bench_function("sign_store_1KiB_json", |b| {
        b.iter(|| black_box(store.sign(&auth).unwrap().to_json_string()));
    });
    group.bench_function("message_hash_1KiB", |b| {
        b.iter(|| {
            black_box(message_hash(
                auth.account_id(),
                Namespace::new(2),
                &store.data,
            ))
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
