//! Identity benchmarks (group `identity/*`): account derivation from the 16-byte seed, recovery
//! phrase encode/decode, Ed25519 ↔ X25519, signing and verification, blinding and XEd25519.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use rand_core::OsRng;
use session_stack::identity::blinding;
use session_stack::identity::{Ed25519KeyPair, Seed, X25519PublicKey};

fn bench(c: &mut Criterion) {
    let seed = Seed::from_bytes(&[0x42; 16]);
    let keys = seed.keypair();
    let phrase = seed.to_mnemonic();
    let account = keys.account_id();
    let server: X25519PublicKey =
        "a03c383cf63c3c4efe67acc52112a6dd734b3a946b9545f488aaa93da7991238"
            .parse()
            .unwrap();
    let msg = [7u8; 100];
    let sig = keys.sign(&msg);
    let b25 = keys.blind25(&server);

    let mut g = c.benchmark_group("identity");
    g.bench_function("account_derive", |b| {
        b.iter(|| black_box(black_box(&seed).keypair().account_id()))
    });
    g.bench_function("mnemonic_encode", |b| {
        b.iter(|| black_box(black_box(&seed).to_mnemonic()))
    });
    g.bench_function("mnemonic_decode", |b| {
        b.iter(|| black_box(Seed::from_mnemonic(black_box(&phrase)).unwrap()))
    });
    g.bench_function("ed25519_pk_to_x25519", |b| {
        b.iter(|| black_box(black_box(keys.public_key()).to_x25519().unwrap()))
    });
    g.bench_function("ed25519_sign_100B", |b| {
        b.iter(|| black_box(keys.sign(black_box(&msg))))
    });
    g.bench_function("ed25519_verify_100B", |b| {
        b.iter(|| {
            keys.public_key()
                .verify(black_box(&msg), black_box(&sig))
                .unwrap()
        })
    });
    g.bench_function("x25519_dh", |b| {
        let peer = Ed25519KeyPair::from_seed(&[9; 32]).x25519_public();
        b.iter(|| {
            black_box(
                keys.x25519_secret()
                    .diffie_hellman(black_box(&peer))
                    .unwrap(),
            )
        })
    });
    g.bench_function("x25519_dh_prime_order", |b| {
        let peer = Ed25519KeyPair::from_seed(&[9; 32]).x25519_public();
        b.iter(|| {
            black_box(
                keys.x25519_secret()
                    .diffie_hellman_prime_order(black_box(&peer))
                    .unwrap(),
            )
        })
    });
    g.bench_function("x25519_public_key", |b| {
        b.iter(|| black_box(keys.x25519_secret().public_key()))
    });
    g.bench_function("blind15_ids_from_account", |b| {
        b.iter(|| black_box(blinding::blind15_ids(black_box(&account), &server).unwrap()))
    });
    g.bench_function("blind25_id_from_account", |b| {
        b.iter(|| black_box(blinding::blind25_id(black_box(&account), &server).unwrap()))
    });
    g.bench_function("blind25_keypair", |b| {
        b.iter(|| black_box(keys.blind25(black_box(&server))))
    });
    g.bench_function("blind25_sign_100B", |b| {
        b.iter(|| black_box(b25.sign(black_box(&msg))))
    });
    g.bench_function("xed25519_sign_100B", |b| {
        b.iter(|| {
            black_box(
                keys.x25519_secret()
                    .xed25519_sign(black_box(&msg), &mut OsRng),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
