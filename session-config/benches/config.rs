//! Config benchmarks (group `config/*`) for a contact list of 1,000 contacts: a device that
//! holds the list receives five conflicting updates (each from another device that renamed a
//! different contact) and merges them — decrypt, decompress, parse, resolve, replay — then
//! pushes the merge (serialise, compress, pad, encrypt, wrap). Also the plaintext-level parse
//! and merge of the same five messages.

#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use session_config::{ConfigKind, Contacts, DEFAULT_LAG, decode_payload, merge_messages};
use session_identity::{AccountId, Ed25519KeyPair};

const CONTACTS: usize = 1_000;

fn contact_id(i: usize) -> AccountId {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&(i as u64).to_be_bytes());
    key[31] = 0x42;
    AccountId::from_key_bytes(&key)
}

/// The shared list (stored as `base`) and five conflicting pushes made on top of it.
fn setup(me: &Ed25519KeyPair) -> (Contacts, Vec<(String, Vec<u8>)>) {
    let mut origin = Contacts::new(me);
    for i in 0..CONTACTS {
        let mut c = origin.get_or_construct(&contact_id(i));
        c.name = format!("Contact number {i}");
        c.approved = true;
        c.created = 1_700_000_000 + i as i64;
        origin.set(&c).unwrap();
    }
    let base = origin.push().unwrap().unwrap();
    origin.confirm_pushed(base.seqno, "base");
    let mut updates = Vec::new();
    for d in 0..5 {
        let mut device = Contacts::new(me);
        device.merge(&[("base", base.data.as_slice())]).unwrap();
        let mut c = device.get_or_construct(&contact_id(d * 100));
        c.nickname = format!("renamed by device {d}");
        device.set(&c).unwrap();
        let p = device.push().unwrap().unwrap();
        updates.push((format!("update-{d}"), p.data));
    }
    (origin, updates)
}

fn bench(c: &mut Criterion) {
    let me = Ed25519KeyPair::from_seed(&[0x42; 32]);
    let (holder, updates) = setup(&me);
    let mut g = c.benchmark_group("config");
    g.sample_size(20);

    g.bench_function("merge_5_conflicting_1000_contacts", |b| {
        b.iter_batched(
            || holder.clone(),
            |mut h| {
                h.merge(black_box(&updates)).unwrap();
                h
            },
            BatchSize::LargeInput,
        );
    });

    let mut merged = holder.clone();
    merged.merge(&updates).unwrap();
    assert!(merged.needs_push());
    g.bench_function("push_merged_1000_contacts", |b| {
        b.iter_batched(
            || merged.clone(),
            |mut m| m.push().unwrap().unwrap(),
            BatchSize::LargeInput,
        );
    });

    let plain: Vec<Vec<u8>> = updates
        .iter()
        .map(|(_, p)| decode_payload(ConfigKind::Contacts, p, &[me.seed()], Some(&me)).unwrap())
        .collect();
    let refs: Vec<&[u8]> = plain.iter().map(Vec::as_slice).collect();
    g.bench_function("plaintext_parse_merge_5_1000_contacts", |b| {
        b.iter(|| merge_messages(black_box(&refs), None, None, DEFAULT_LAG).unwrap());
    });
    g.finish();
    eprintln!(
        "message size: {} bytes plaintext, {} bytes stored",
        plain.first().map_or(0, Vec::len),
        updates.first().map_or(0, |(_, p)| p.len())
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
