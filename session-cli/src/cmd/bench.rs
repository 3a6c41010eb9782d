//! `session bench`: times the core operations in-process, like `openssl speed`.
//!
//! The names and definitions are those of `../shared/refbench/README.md` (a C implementation of
//! the same operations on libsodium and OpenSSL), so the figures can be set side by side: one
//! line per operation, `name ns_per_op`, the median of 5 repetitions of about `--ms`
//! milliseconds each; min and max go to stderr. Every operation goes through the public API of
//! the crates and is checked once (round trip, result against a reference) before it is timed.

use std::hint::black_box;
use std::net::Ipv4Addr;
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context as _, bail, ensure};
use rand_core::{OsRng, RngCore};
use session_identity::{Ed25519KeyPair, X25519SecretKey};
use session_onion::{
    Decision, Destination, EncType, Hop, IncomingLayer, LayerKey, NodeKeys, OnionRequestBuilder,
    Route,
};
use session_protocol::{
    CheckedRecipient, decrypt_incoming, decrypt_incoming_x25519, encrypt_for_checked_recipient,
    encrypt_for_recipient,
};
use session_swarm::{SwarmId, SwarmPubkey, SwarmTable};

/// Arguments of `session bench`.
#[derive(Debug, clap::Args)]
pub(crate) struct BenchArgs {
    /// One JSON object `{"name": ns_per_op, ...}` instead of lines.
    #[arg(long)]
    json: bool,
    /// Run only the operations whose names contain this (a leading `=` means exactly this name).
    #[arg(long)]
    only: Option<String>,
    /// Milliseconds per repetition.
    #[arg(long, default_value_t = 120)]
    ms: u64,
}

struct Harness {
    only: Option<String>,
    target_ns: f64,
    json: bool,
    results: Vec<(String, f64)>,
}

impl Harness {
    fn wanted(&self, name: &str) -> bool {
        match self.only.as_deref() {
            None => true,
            Some(only) => match only.strip_prefix('=') {
                Some(exact) => exact == name,
                None => name.contains(only),
            },
        }
    }

    /// Calibrates `op` (grow the batch until it takes at least 10 ms), then times 5 repetitions
    /// of about the target time each and records the median.
    fn bench(&mut self, name: &str, mut op: impl FnMut()) {
        if !self.wanted(name) {
            return;
        }
        let mut iters: u64 = 1;
        let per_op = loop {
            let t0 = Instant::now();
            for _ in 0..iters {
                op();
            }
            let dt = t0.elapsed().as_nanos() as f64;
            if dt >= 10e6 || iters >= 1 << 40 {
                break dt / iters as f64;
            }
            iters *= 4;
        };
        let n = ((self.target_ns / per_op.max(0.5)) as u64).max(5);
        let mut reps = [0f64; 5];
        for r in &mut reps {
            let t0 = Instant::now();
            for _ in 0..n {
                op();
            }
            *r = t0.elapsed().as_nanos() as f64 / n as f64;
        }
        reps.sort_by(f64::total_cmp);
        let median = reps[2];
        if !self.json {
            println!("{name} {median:.1}");
        }
        eprintln!(
            "  {name:<40} median {median:>12.1}  min {:>12.1}  max {:>12.1}  (n={n} x5)",
            reps[0], reps[4]
        );
        self.results.push((name.to_string(), median));
    }
}

/// `session bench`.
pub(crate) fn run(args: BenchArgs) -> anyhow::Result<ExitCode> {
    ensure!(args.ms > 0, "--ms must be at least 1");
    let mut h = Harness {
        only: args.only,
        target_ns: args.ms as f64 * 1e6,
        json: args.json,
        results: Vec::new(),
    };
    eprintln!(
        "session bench: {} ms/rep, median of 5 ({})",
        args.ms,
        if cfg!(debug_assertions) {
            "DEBUG build: numbers are meaningless, use --release"
        } else {
            "release build"
        }
    );
    account(&mut h)?;
    messages(&mut h)?;
    hops(&mut h)?;
    onion(&mut h)?;
    swarm(&mut h)?;
    if h.json {
        let map: serde_json::Map<String, serde_json::Value> = h
            .results
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    serde_json::Value::from((v * 10.0).round() / 10.0),
                )
            })
            .collect();
        println!("{}", serde_json::Value::Object(map));
    }
    Ok(ExitCode::SUCCESS)
}

fn random32() -> [u8; 32] {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    b
}

/// `account_derive`: 32-byte seed → Ed25519 key pair → X25519 public key → `05` + hex.
fn account(h: &mut Harness) -> anyhow::Result<()> {
    let mut seed = random32();
    // Sanity: the Account ID is 05 + the converted Ed25519 key, as a validated conversion gives.
    let kp = Ed25519KeyPair::from_seed(&seed);
    let id = kp.account_id().to_string();
    let want = format!("05{}", kp.public_key().to_x25519()?);
    ensure!(id == want, "account_derive: {id} != {want}");
    h.bench("account_derive", || {
        seed[0] = seed[0].wrapping_add(1);
        let id = Ed25519KeyPair::from_seed(black_box(&seed))
            .account_id()
            .to_string();
        black_box(id);
    });
    Ok(())
}

/// `encrypt_for_recipient_*` (sign + sealed box, to a recipient whose Account ID was checked
/// once, [`CheckedRecipient`]; refbench's C does no check at all), `encrypt_for_recipient_
/// checkeach_*` (checking the recipient key on every call), `decrypt_incoming_*` (own X25519
/// keys derived from the Ed25519 secret on every call) and `decrypt_incoming_cachedx_*` (the
/// key pair's cached X25519 keys).
fn messages(h: &mut Harness) -> anyhow::Result<()> {
    let me = Ed25519KeyPair::generate(&mut OsRng);
    let peer = Ed25519KeyPair::generate(&mut OsRng);
    let peer_id = peer.account_id();
    let peer_secret = peer.to_libsodium_secret();
    let mut msg = vec![0u8; 10 * 1024];
    OsRng.fill_bytes(&mut msg);
    for (label, size) in [("100B", 100usize), ("10KiB", 10 * 1024)] {
        let m = msg.get_mut(..size).context("message size")?;
        let checked = CheckedRecipient::new(&peer_id)?;
        h.bench(&format!("encrypt_for_recipient_{label}"), || {
            m[0] = m[0].wrapping_add(1);
            let ct =
                encrypt_for_checked_recipient(&mut OsRng, &me, black_box(&checked), black_box(m));
            black_box(ct.ok());
        });
        h.bench(&format!("encrypt_for_recipient_checkeach_{label}"), || {
            m[0] = m[0].wrapping_add(1);
            let ct = encrypt_for_recipient(&mut OsRng, &me, black_box(&peer_id), black_box(m));
            black_box(ct.ok());
        });
        let unchecked = encrypt_for_recipient(&mut OsRng, &me, &peer_id, m)?;
        ensure!(
            decrypt_incoming(&peer, &unchecked)?.message == *m,
            "message round trip (recipient checked per call)"
        );
        let ct = encrypt_for_checked_recipient(&mut OsRng, &me, &checked, m)?;
        // Sanity: round trip, sender id, both decryption entry points.
        let xsk = X25519SecretKey::from_ed25519_secret(peer_secret.as_ref())?;
        let got = decrypt_incoming_x25519(&xsk, &ct)?;
        ensure!(got.message == *m, "message round trip");
        ensure!(got.sender == me.account_id(), "sender id");
        ensure!(
            decrypt_incoming(&peer, &ct)? == got,
            "cached decryption differs"
        );
        h.bench(&format!("decrypt_incoming_{label}"), || {
            let r = X25519SecretKey::from_ed25519_secret(black_box(peer_secret.as_ref()))
                .ok()
                .and_then(|xsk| decrypt_incoming_x25519(&xsk, black_box(&ct)).ok());
            assert!(r.is_some(), "decrypt_incoming failed");
            black_box(r);
        });
        h.bench(&format!("decrypt_incoming_cachedx_{label}"), || {
            let r = decrypt_incoming(black_box(&peer), black_box(&ct));
            assert!(r.is_ok(), "decrypt_incoming failed");
            black_box(r.ok());
        });
    }
    Ok(())
}

fn enc_label(t: EncType) -> &'static str {
    match t {
        EncType::XChaCha20 => "xchacha",
        _ => "aesgcm",
    }
}

/// `hop_encrypt_*` (ECDH + KDF + AEAD, ephemeral key already made), `hop_layer_*` (the same
/// with a fresh ephemeral key, one layer of a build) and `hop_decrypt_*` (the node's ECDH + KDF
/// + AEAD decrypt).
fn hops(h: &mut Harness) -> anyhow::Result<()> {
    for t in [EncType::AesGcm, EncType::XChaCha20] {
        let node_sk = X25519SecretKey::generate(&mut OsRng);
        let node_pk = node_sk.public_key();
        let eph_sk = X25519SecretKey::generate(&mut OsRng);
        let eph_pk = eph_sk.public_key();
        let mut pt = vec![0u8; 1024];
        OsRng.fill_bytes(&mut pt);
        let label = enc_label(t);
        h.bench(&format!("hop_encrypt_{label}_1KiB"), || {
            pt[0] = pt[0].wrapping_add(1);
            let out =
                LayerKey::derive_as_client_with_public(t, &eph_sk, &eph_pk, black_box(&node_pk))
                    .map(|k| k.encrypt(&mut OsRng, black_box(&pt)));
            black_box(out.ok());
        });
        h.bench(&format!("hop_layer_{label}_1KiB"), || {
            pt[0] = pt[0].wrapping_add(1);
            let out = LayerKey::new_ephemeral(&mut OsRng, t, black_box(&node_pk))
                .map(|(eph, k)| (eph, k.encrypt(&mut OsRng, black_box(&pt))));
            black_box(out.ok());
        });
        // Sanity: round trip, and the variants with the public keys given agree with the plain
        // ones (which recompute them).
        let ct = LayerKey::derive_as_client_with_public(t, &eph_sk, &eph_pk, &node_pk)?
            .encrypt(&mut OsRng, &pt);
        let back = LayerKey::derive_as_server(t, &node_sk, &eph_pk)?.decrypt(&ct)?;
        ensure!(back == pt, "hop round trip");
        let ct2 = LayerKey::derive_as_client(t, &eph_sk, &node_pk)?.encrypt(&mut OsRng, &pt);
        let back2 = LayerKey::derive_as_server_with_public(t, &node_sk, &node_pk, &eph_pk)?
            .decrypt(&ct2)?;
        ensure!(back2 == pt, "hop round trip (keys recomputed)");
        let (eph, layer) = LayerKey::new_ephemeral(&mut OsRng, t, &node_pk)?;
        let back3 = LayerKey::derive_as_server(t, &node_sk, &eph)?
            .decrypt(&layer.encrypt(&mut OsRng, &pt))?;
        ensure!(back3 == pt, "hop round trip (fresh ephemeral)");
        h.bench(&format!("hop_decrypt_{label}_1KiB"), || {
            let out =
                LayerKey::derive_as_server_with_public(t, &node_sk, &node_pk, black_box(&eph_pk))
                    .and_then(|k| k.decrypt(black_box(&ct)));
            assert!(out.is_ok(), "hop decrypt failed");
            black_box(out.ok());
        });
    }
    Ok(())
}

/// `onion_build_3hop_*_1KiB` (3 path hops + the destination node, 1 KiB payload) and
/// `onion_peel_*_hop1` (what the first hop does with the request).
fn onion(h: &mut Harness) -> anyhow::Result<()> {
    let mut payload = vec![0u8; 1024];
    OsRng.fill_bytes(&mut payload);
    for t in [EncType::AesGcm, EncType::XChaCha20] {
        let ids: Vec<Ed25519KeyPair> = (0..4)
            .map(|_| Ed25519KeyPair::generate(&mut OsRng))
            .collect();
        let keys: Vec<NodeKeys> = ids.iter().map(NodeKeys::from_ed25519_keypair).collect();
        let nodes: Vec<Hop> = ids
            .iter()
            .map(|k| Hop::new(k.public_key(), k.x25519_public()))
            .collect();
        let (path, dest) = nodes.split_at(3);
        let dest = *dest.first().context("destination")?;
        let builder = OnionRequestBuilder::new(
            path.to_vec(),
            Destination::ServiceNode(dest),
            payload.clone(),
        )
        .enc_type(t);
        let label = enc_label(t);
        h.bench(&format!("onion_build_3hop_{label}_1KiB"), || {
            let r = builder.build(&mut OsRng);
            black_box(r.ok());
        });

        // Sanity: peel every layer and recover the payload.
        let (frame, _pending) = builder.build(&mut OsRng)?;
        let mut layer = IncomingLayer::parse_frame(&frame)?;
        for (i, k) in keys.iter().enumerate() {
            let peeled = k.peel(&layer)?;
            match (peeled.decision(), nodes.get(i + 1)) {
                (Decision::Accept(Route::RelayToNode(r)), Some(next)) => {
                    ensure!(r.destination() == next.ed25519(), "onion routing (hop {i})");
                    layer = r.next_layer().clone();
                }
                (Decision::Accept(Route::Final(f)), None) => {
                    ensure!(f.body() == payload, "onion payload");
                }
                (d, _) => bail!("onion peel {i}: unexpected {d:?}"),
            }
        }
        let first = keys.first().context("first hop")?;
        let second = nodes.get(1).context("second hop")?.ed25519();
        h.bench(&format!("onion_peel_{label}_hop1"), || {
            let p = first.peel_frame(black_box(&frame));
            let ok = matches!(
                p.as_ref().map(|p| p.decision()),
                Ok(Decision::Accept(Route::RelayToNode(r))) if r.destination() == second
            );
            assert!(ok, "onion peel failed");
            black_box(p.ok());
        });
    }
    Ok(())
}

/// `swarm_lookup_2000` (33-byte id → closest of 2,000 swarms) and `swarm_lookup_2000_from_hex`
/// (the same from the 66-hex-digit id).
fn swarm(h: &mut Harness) -> anyhow::Result<()> {
    if !h.wanted("swarm_lookup_2000") && !h.wanted("swarm_lookup_2000_from_hex") {
        return Ok(());
    }
    const SWARMS: usize = 2000;
    const KEYS: usize = 4096;
    let node_key = Ed25519KeyPair::generate(&mut OsRng).public_key();
    let mut nodes = Vec::with_capacity(SWARMS);
    let mut swarm_ids = Vec::with_capacity(SWARMS);
    for i in 0..SWARMS {
        let id = OsRng.next_u64() >> 1;
        swarm_ids.push(id);
        let ip = Ipv4Addr::from(0x0a00_0000 + u32::try_from(i)?);
        nodes.push(session_swarm::ServiceNode::new(
            node_key,
            ip,
            443,
            20200,
            SwarmId::new(id),
        )?);
    }
    let table = SwarmTable::from_nodes(&nodes);
    swarm_ids.sort_unstable();
    swarm_ids.dedup();
    ensure!(table.len() == swarm_ids.len(), "swarm table size");
    let keys: Vec<SwarmPubkey> = (0..KEYS)
        .map(|_| SwarmPubkey::from_parts(0x05, &random32()))
        .collect();
    let hexes: Vec<String> = keys.iter().map(SwarmPubkey::to_hex).collect();
    // Sanity: every lookup against a linear scan of ring distances.
    for (k, hx) in keys.iter().zip(&hexes) {
        let x = k.swarm_space();
        let best = swarm_ids
            .iter()
            .map(|&id| id.wrapping_sub(x).min(x.wrapping_sub(id)))
            .min()
            .context("no swarms")?;
        let got = table.lookup(k).context("lookup")?.id.get();
        ensure!(
            got.wrapping_sub(x).min(x.wrapping_sub(got)) == best,
            "swarm lookup differs from a linear scan"
        );
        let from_hex: SwarmPubkey = hx.parse()?;
        ensure!(from_hex == *k, "hex id round trip");
    }
    let mut i = 0usize;
    h.bench("swarm_lookup_2000", || {
        i = (i + 1) & (KEYS - 1);
        black_box(table.lookup(black_box(&keys[i])).map(|s| s.id));
    });
    h.bench("swarm_lookup_2000_from_hex", || {
        i = (i + 1) & (KEYS - 1);
        let id = black_box(hexes[i].as_str()).parse::<SwarmPubkey>();
        black_box(id.ok().and_then(|id| table.lookup(&id).map(|s| s.id)));
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let mut h = Harness {
            only: Some("=swarm_lookup_2000".into()),
            target_ns: 1e6,
            json: true,
            results: Vec::new(),
        };
        assert!(h.wanted("swarm_lookup_2000"));
        assert!(!h.wanted("swarm_lookup_2000_from_hex"));
        h.only = Some("onion".into());
        assert!(h.wanted("onion_peel_xchacha_hop1"));
        assert!(!h.wanted("account_derive"));
        h.only = None;
        assert!(h.wanted("account_derive"));
    }

    #[test]
    fn every_operation_passes_its_sanity_check() {
        let mut h = Harness {
            only: Some("=none".into()),
            target_ns: 1e5,
            json: true,
            results: Vec::new(),
        };
        // With a filter matching nothing, only the setup and sanity checks run (swarm skips).
        account(&mut h).unwrap();
        messages(&mut h).unwrap();
        hops(&mut h).unwrap();
        onion(&mut h).unwrap();
        h.only = Some("swarm_lookup_2000_from_hex".into());
        h.target_ns = 1e4;
        swarm(&mut h).unwrap();
        assert_eq!(h.results.len(), 1);
    }
}
