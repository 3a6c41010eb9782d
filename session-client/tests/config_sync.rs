//! Config sync on a local network started in this test process: one account on several
//! "devices" (clients with the same key pair), its profile and contacts pushed by one and
//! merged by the others, and conflicting changes that converge (`config.md` §4, §4.3).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use session_client::{Client, EncType, Namespace, Network};
use session_config::UserConfigs;
use session_identity::Ed25519KeyPair;
use session_node::Testnet;

use common::{client, fresh_dir, keypair, poll_until, start_network};

fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A device of the account `kp`: no display name of its own, no config sync on poll unless
/// asked.
async fn device(net: &Testnet, kp: &Ed25519KeyPair, dump: Option<Vec<u8>>) -> Client {
    let mut b = Client::builder()
        .identity(kp.clone())
        .network(Network::testnet_from_file(net.testnet_json()).unwrap())
        .sync_configs_on_poll(false);
    if let Some(d) = dump {
        b = b.config_dump(d);
    }
    b.build().await.expect("device bootstraps")
}

/// (seqno, current hash, name) of a device's profile.
fn profile_state(c: &Client) -> (i64, Option<String>, Option<String>) {
    let configs = c.user_configs();
    let base = configs.profile.base();
    (
        base.seqno(),
        base.current_hash().map(str::to_owned),
        configs.profile.name(),
    )
}

/// The hashes the swarm holds in the profile namespace.
async fn stored_profiles(c: &Client) -> Vec<String> {
    let mut v: Vec<String> = c
        .retrieve_own(Namespace::new(2), None)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.hash)
        .collect();
    v.sort();
    v
}

async fn two_devices(net: &Testnet) {
    let me = keypair("cfg-two-devices");
    let phone = device(net, &me, None).await;
    let laptop = device(net, &me, None).await;
    let bob = client(net, "cfg-bob", EncType::XChaCha20).await;

    // Bad input is refused before anything is sent.
    let long = "x".repeat(101);
    let e = phone.profile().set_display_name(&long).await.unwrap_err();
    assert_eq!(e.kind(), session_client::ErrorKind::InvalidInput, "{e}");
    assert!(!phone.user_configs().needs_push());

    let r = phone.profile().set_display_name("Alice").await.unwrap();
    assert_eq!(r.pushed.len(), 1, "{r:?}");
    assert_eq!((r.pushed[0].namespace, r.pushed[0].seqno), (2, 1));
    let r = phone
        .contacts()
        .add(bob.account_id(), Some("Bob"))
        .await
        .unwrap();
    assert_eq!(r.pushed.len(), 1, "{r:?}");
    assert_eq!(r.pushed[0].namespace, 3);
    assert!(!phone.user_configs().needs_push(), "confirmed");

    // The second device knows nothing until it syncs.
    assert_eq!(laptop.profile().display_name(), None);
    let r = laptop.sync().await.unwrap();
    assert_eq!((r.retrieved, r.merged), (2, 2), "{r:?}");
    assert!(r.pushed.is_empty(), "adopting needs no push: {r:?}");
    assert_eq!(laptop.profile().display_name().as_deref(), Some("Alice"));
    let contacts = laptop.contacts().list();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].id, *bob.account_id());
    assert_eq!(contacts[0].name, "Bob");
    assert!(contacts[0].approved);
    assert_eq!(profile_state(&laptop), profile_state(&phone));

    // Messages carry the synced name (the laptop was given none).
    laptop
        .send(bob.account_id(), "hi from the laptop")
        .await
        .unwrap();
    let got = poll_until(&bob, 1, 50).await;
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].display_name.as_deref(), Some("Alice"));
    let data = got[0].content.data_message.as_ref().unwrap();
    assert_eq!(data.profile.as_ref().unwrap().profile_picture, None);
    assert_eq!(data.profile_key, None);

    // A picture set on one device goes out with the other's messages, with its key.
    let url = "http://127.0.0.1:1/avatar";
    phone
        .profile()
        .set_profile_picture(url, &[7; 32])
        .await
        .unwrap();
    laptop.sync().await.unwrap();
    assert_eq!(laptop.profile().profile_picture().unwrap().url, url);
    laptop
        .send(bob.account_id(), "with a picture")
        .await
        .unwrap();
    let got = poll_until(&bob, 1, 50).await;
    assert_eq!(got.len(), 1);
    let data = got[0].content.data_message.as_ref().unwrap();
    let profile = data.profile.as_ref().unwrap();
    assert_eq!(profile.display_name.as_deref(), Some("Alice"));
    assert_eq!(profile.profile_picture.as_deref(), Some(url));
    assert_eq!(data.profile_key.as_deref(), Some(&[7u8; 32][..]));

    // A third device learns it from an ordinary poll.
    let tablet = Client::builder()
        .identity(me.clone())
        .network(Network::testnet_from_file(net.testnet_json()).unwrap())
        .build()
        .await
        .unwrap();
    tablet.poll().await.unwrap();
    assert_eq!(tablet.profile().display_name().as_deref(), Some("Alice"));

    // The current messages' expiry is extended when less than half of the 30 days is left.
    let profile_hash = profile_state(&laptop).1.unwrap();
    let soon = now_ms() + 3_600_000;
    phone
        .expire(std::slice::from_ref(&profile_hash), soon)
        .await
        .unwrap();
    let r = laptop.sync().await.unwrap();
    assert_eq!(r.extended, vec![profile_hash.clone()], "{r:?}");
    let stored = laptop.retrieve_own(Namespace::new(2), None).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert!(
        stored[0].expiration > soon + 20 * 24 * 3_600_000,
        "{:?}",
        stored[0].expiration
    );
    assert!(
        laptop.sync().await.unwrap().extended.is_empty(),
        "only when needed"
    );

    // Persistence: a dump restores the state without the network.
    let dump = laptop.config_dump();
    let restored = UserConfigs::load(&me, &dump).unwrap();
    assert_eq!(restored.profile.name().as_deref(), Some("Alice"));
    assert_eq!(restored.contacts.len(), 1);

    // Renaming a contact keeps the rest of its entry; the other device gets it.
    let r = phone
        .contacts()
        .set_name(bob.account_id(), "Bobby")
        .await
        .unwrap();
    assert_eq!(r.pushed.len(), 1, "{r:?}");
    assert_eq!(r.pushed[0].namespace, 3);
    laptop.sync().await.unwrap();
    let contacts = laptop.contacts().list();
    assert_eq!(contacts.len(), 1);
    assert_eq!(contacts[0].name, "Bobby");
    assert!(contacts[0].approved);

    for c in [phone, laptop, bob, tablet] {
        c.shutdown().await;
    }
}

async fn conflicts_converge(net: &Testnet) {
    let me = keypair("cfg-conflict");
    // The laptop changed the name while offline: a dirty, never pushed change in its dump.
    let mut offline = UserConfigs::new(&me);
    offline.profile.set_name("Berta").unwrap();
    let phone = device(net, &me, None).await;
    let laptop = device(net, &me, Some(offline.dump())).await;

    let first = phone.profile().set_display_name("Anna").await.unwrap();
    let h_anna = first.pushed[0].hash.clone();
    assert_eq!(stored_profiles(&phone).await, vec![h_anna.clone()]);

    // The laptop comes online: its seqno-1 change and the phone's seqno-1 message merge into
    // seqno 2, which it pushes; the phone's message is obsolete and deleted.
    let r = laptop.sync().await.unwrap();
    assert_eq!(r.pushed.len(), 1, "{r:?}");
    assert_eq!(r.pushed[0].seqno, 2);
    assert_eq!(r.deleted, vec![h_anna.clone()], "{r:?}");
    let r = phone.sync().await.unwrap();
    assert!(r.pushed.is_empty(), "{r:?}");
    let (seqno, hash, name) = profile_state(&phone);
    assert_eq!(profile_state(&laptop), (seqno, hash.clone(), name.clone()));
    assert_eq!(seqno, 2);
    assert!(
        matches!(name.as_deref(), Some("Anna" | "Berta")),
        "{name:?}"
    );
    assert_eq!(stored_profiles(&phone).await, vec![hash.unwrap()]);

    // Both change it at the same time, then sync until nothing changes (at most a few
    // rounds: a merge, its adoption).
    let (a, b) = tokio::join!(
        phone.profile().set_display_name("Carla"),
        laptop.profile().set_display_name("Dora")
    );
    a.unwrap();
    b.unwrap();
    let mut rounds = 0;
    loop {
        rounds += 1;
        let ra = phone.sync().await.unwrap();
        let rb = laptop.sync().await.unwrap();
        if ra.pushed.is_empty() && rb.pushed.is_empty() {
            break;
        }
        assert!(rounds < 4, "no convergence: {ra:?} {rb:?}");
    }
    let (seqno, hash, name) = profile_state(&phone);
    assert_eq!(profile_state(&laptop), (seqno, hash.clone(), name.clone()));
    assert!(seqno >= 3, "{seqno}");
    assert!(
        matches!(name.as_deref(), Some("Carla" | "Dora")),
        "{name:?}"
    );
    assert!(!phone.user_configs().needs_push() && !laptop.user_configs().needs_push());
    // Only the current message is left on the swarm.
    assert_eq!(stored_profiles(&laptop).await, vec![hash.unwrap()]);

    phone.shutdown().await;
    laptop.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn config_sync() {
    let dir = fresh_dir("config-sync");
    let net = start_network(&dir).await;
    two_devices(&net).await;
    conflicts_converge(&net).await;
    net.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
