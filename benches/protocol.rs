//! Session Protocol benchmarks (group `protocol/*`): 1-to-1 encryption (sign + sealed box) and
//! decryption (open + verify) at 100 B and 10 KiB; decryption both with the key pair's cached
//! X25519 keys (`decrypt`) and deriving them from the Ed25519 secret on every call, as
//! libsession does (`decrypt_derive_x25519`).

#![allow(missing_docs, clippy::unwrap_used)]

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand_core::OsRng;
use session_stack::identity::{Ed25519KeyPair, X25519SecretKey};
use session_stack::protocol::{decrypt_incoming, decrypt_incoming_x25519, encrypt_for_recipient};

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("protocol");
    let alice = Ed25519KeyPair::generate(&mut OsRng);
    let bob = Ed25519KeyPair::generate(&mut OsRng);
    let to = bob.account_id();
    for (label, size) in [("100B", 100usize), ("10KiB", 10 * 1024)] {
        let message = vec![0x42u8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::new("encrypt", label), |b| {
            b.iter(|| encrypt_for_recipient(&mut OsRng, &alice, &to, &message).unwrap())
        });
        let ct = encrypt_for_recipient(&mut OsRng, &alice, &to, &message).unwrap();
        group.bench_function(BenchmarkId::new("decrypt", label), |b| {
            b.iter(|| decrypt_incoming(&bob, &ct).unwrap())
        });
        let bob_secret = bob.to_libsodium_secret();
        group.bench_function(BenchmarkId::new("decrypt_derive_x25519", label), |b| {
            b.iter(|| {
                let xsk = X25519SecretKey::from_ed25519_secret(bob_secret.as_ref()).unwrap();
                decrypt_incoming_x25519(&xsk, &ct).unwrap()
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
