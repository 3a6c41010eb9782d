//! The config object's lifecycle across devices: push, confirm, merge, conflicts, dumps,
//! group signatures.

#![allow(clippy::unwrap_used)]

use session_config::groups::{Info, Members};
use session_config::{
    ConfigAuth, ConfigBase, ConfigKind, ConfigState, ConfigValue, Contacts, Error, Push,
    UserConfigs, UserProfile,
};
use session_identity::{AccountId, Ed25519KeyPair};

fn me() -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed(&[0x42; 32])
}

fn id(byte: u8) -> AccountId {
    Ed25519KeyPair::from_seed(&[byte; 32]).account_id()
}

fn push(p: &mut UserProfile) -> Push {
    p.push().unwrap().expect("something to push")
}

#[test]
fn second_device_adopts_a_pushed_message() {
    let mut a = UserProfile::new(&me());
    assert!(!a.needs_push());
    a.set_name("Alice").unwrap();
    assert!(a.needs_push() && a.needs_dump());
    assert_eq!(a.base().seqno(), 1);
    a.set_nts_priority(2);
    assert_eq!(a.base().seqno(), 1, "one increment per dirty period");
    let p = push(&mut a);
    assert_eq!((p.namespace, p.seqno), (2, 1));
    assert_eq!(a.base().state(), ConfigState::Waiting);
    assert_eq!(
        a.push().unwrap(),
        Some(p.clone()),
        "a retry gives the same push"
    );
    a.confirm_pushed(1, "hash-1");
    assert_eq!(a.base().state(), ConfigState::Clean);
    assert_eq!(a.push().unwrap(), None);

    let mut b = UserProfile::new(&me());
    let accepted = b.merge(&[("hash-1", p.data.as_slice())]).unwrap();
    assert_eq!(accepted, vec!["hash-1".to_owned()]);
    assert_eq!(b.name().as_deref(), Some("Alice"));
    assert_eq!(b.nts_priority(), 2);
    assert!(!b.needs_push());
    assert_eq!(b.base().current_hash(), Some("hash-1"));

    // Re-polling the same message changes nothing and obsoletes nothing.
    b.merge(&[("hash-1", p.data.as_slice())]).unwrap();
    assert!(!b.needs_push());
    assert!(b.base().obsolete_hashes().is_empty());
}

#[test]
fn unchanged_values_do_not_dirty() {
    let mut a = UserProfile::new(&me());
    a.set_name("").unwrap();
    a.set_nts_priority(0);
    assert!(!a.needs_push());
    assert_eq!(a.set_name(&"x".repeat(101)), Err(Error::InvalidLength));
    assert!(!a.needs_push());
}

#[test]
fn conflicting_devices_converge_to_the_same_bytes() {
    let mut a = UserProfile::new(&me());
    a.set_name("Alice").unwrap();
    let p1 = push(&mut a);
    a.confirm_pushed(p1.seqno, "h1");
    let mut b = UserProfile::new(&me());
    b.merge(&[("h1", p1.data.as_slice())]).unwrap();

    // Both change the name before syncing.
    a.set_name("Alice A").unwrap();
    b.set_name("Alice B").unwrap();
    b.set_nts_expiry(60);
    let pa = push(&mut a);
    let pb = push(&mut b);
    assert_eq!(pa.seqno, 2);
    assert_eq!(pb.seqno, 2);
    a.confirm_pushed(2, "ha");
    b.confirm_pushed(2, "hb");

    let polled = [
        ("h1", p1.data.as_slice()),
        ("ha", pa.data.as_slice()),
        ("hb", pb.data.as_slice()),
    ];
    a.merge(&polled).unwrap();
    let reversed: Vec<_> = polled.iter().rev().copied().collect();
    b.merge(&reversed).unwrap();
    assert_eq!(a.base().data(), b.base().data());
    assert!(a.needs_push() && b.needs_push());
    assert_eq!(b.nts_expiry(), Some(60));
    let ma = push(&mut a);
    let mb = push(&mut b);
    assert_eq!(ma.seqno, 3);
    assert_eq!(
        ma.data, mb.data,
        "identical merge payloads dedupe on the swarm"
    );
    let mut obsolete = ma.obsolete_hashes.clone();
    obsolete.sort();
    assert_eq!(obsolete, ["h1", "ha", "hb"]);

    // A third device that sees only the merge result adopts it.
    let mut c = UserProfile::new(&me());
    c.merge(&[("h3", ma.data.as_slice()), ("ha", pa.data.as_slice())])
        .unwrap();
    assert_eq!(c.base().data(), a.base().data());
    assert!(!c.needs_push());
    assert_eq!(c.base().current_hash(), Some("h3"));
    assert_eq!(c.base().obsolete_hashes(), ["ha"]);
}

#[test]
fn a_broken_earlier_input_does_not_shift_the_hashes() {
    // libsession indexes the hash list by the index among *parsed* messages (spec §9 pitfall
    // 2); here the adopted message keeps its own hash.
    let mut a = UserProfile::new(&me());
    a.set_name("Alice").unwrap();
    let p = push(&mut a);
    let mut b = UserProfile::new(&me());
    b.merge(&[
        ("broken", &b"not a payload"[..]),
        ("good", p.data.as_slice()),
    ])
    .unwrap();
    assert_eq!(b.base().current_hash(), Some("good"));
    assert!(b.base().obsolete_hashes().is_empty());
}

#[test]
fn dumps_round_trip_in_every_state() {
    let mut a = Contacts::new(&me());
    let mut joe = a.get_or_construct(&id(1));
    joe.name = "Joe".into();
    a.set(&joe).unwrap();
    for step in 0..3 {
        let dump = a.dump();
        assert!(!a.needs_dump());
        let mut b = Contacts::load(&me(), &dump).unwrap();
        assert_eq!(b.base().state(), a.base().state());
        assert_eq!(b.base().data(), a.base().data());
        assert_eq!(b.base().seqno(), a.base().seqno());
        assert_eq!(b.base().current_hash(), a.base().current_hash());
        assert_eq!(b.dump(), dump);
        assert_eq!(
            b.base().current_message().bytes(),
            a.base().current_message().bytes()
        );
        match step {
            0 => {
                let _ = a.push().unwrap();
            }
            1 => a.confirm_pushed(1, "hash"),
            _ => {}
        }
    }
    assert_eq!(a.base().state(), ConfigState::Clean);
    assert!(Contacts::load(&me(), b"garbage").is_err());
    let mut p = UserProfile::new(&me());
    assert!(
        Contacts::load(&me(), &p.dump()).is_err(),
        "another kind's dump"
    );
}

#[test]
fn group_configs_are_signed_and_only_admins_push() {
    let group = Ed25519KeyPair::from_seed(&[5; 32]);
    let key = [9u8; 32];
    let mut admin = Info::new(&group.public_key(), Some(&group), &[key]);
    admin.set_name("Club").unwrap();
    let p = admin.push().unwrap().unwrap();
    assert_eq!(p.namespace, 13);
    assert!(admin.base().current_message().signature_verified());

    let mut member = Info::new(&group.public_key(), None, &[key]);
    member.merge(&[("h", p.data.as_slice())]).unwrap();
    assert_eq!(member.name().as_deref(), Some("Club"));
    member.set_name("Hacked").unwrap();
    assert_eq!(member.push(), Err(Error::NotAdmin));
    // The admin's next message replaces the member's unsigned local edit.
    admin.confirm_pushed(p.seqno, "h");
    admin.set_name("Club 2").unwrap();
    let p2 = admin.push().unwrap().unwrap();
    member
        .merge(&[("h", p.data.as_slice()), ("h2", p2.data.as_slice())])
        .unwrap();
    assert_eq!(member.name().as_deref(), Some("Club 2"));
    assert!(!member.needs_push());

    // A message signed by another key is skipped.
    let other = Ed25519KeyPair::from_seed(&[6; 32]);
    let mut forger = ConfigBase::new(
        ConfigKind::GroupInfo,
        ConfigAuth::Group {
            public_key: other.public_key(),
            admin: Some(other),
            keys: vec![zeroize::Zeroizing::new(key)],
        },
    );
    forger.modify(|d| {
        d.insert(b"n".to_vec(), ConfigValue::bytes("Forged"));
    });
    let forged = forger.push().unwrap().unwrap();
    let mut fresh = Info::new(&group.public_key(), None, &[key]);
    assert!(
        fresh
            .merge(&[("f", forged.data.as_slice())])
            .unwrap()
            .is_empty()
    );
    assert_eq!(fresh.name(), None);

    // Without a key, nothing to encrypt with.
    let mut keyless = Members::new(&group.public_key(), Some(&group), &[]);
    let mut m = keyless.get_or_construct(&id(1));
    m.name = "Bob".into();
    keyless.set(&m).unwrap();
    assert_eq!(keyless.push(), Err(Error::NoEncryptionKey));
    assert!(keyless.needs_push(), "state unchanged on error");
}

#[test]
fn rekey_makes_admin_configs_dirty() {
    let group = Ed25519KeyPair::from_seed(&[5; 32]);
    let mut info = Info::new(&group.public_key(), Some(&group), &[[1; 32]]);
    info.set_name("x").unwrap();
    let p = info.push().unwrap().unwrap();
    info.confirm_pushed(p.seqno, "h");
    assert!(!info.needs_push());
    info.base_mut().set_group_keys(vec![[2; 32], [1; 32]]);
    assert!(info.needs_push());
    let p2 = info.push().unwrap().unwrap();
    let mut member = Info::new(&group.public_key(), None, &[[2; 32]]);
    member.merge(&[("h2", p2.data.as_slice())]).unwrap();
    assert_eq!(member.name().as_deref(), Some("x"));
}

#[test]
fn user_configs_drive_all_four_namespaces() {
    let mut phone = UserConfigs::new(&me());
    phone.profile.set_name("Alice").unwrap();
    let mut bob = phone.contacts.get_or_construct(&id(7));
    bob.name = "Bob".into();
    bob.approved = true;
    phone.contacts.set(&bob).unwrap();
    let pushes = phone.pushes(1_700_000_000_000).unwrap();
    assert_eq!(
        pushes.iter().map(|p| p.namespace).collect::<Vec<_>>(),
        [2, 3]
    );
    for (n, p) in pushes.iter().enumerate() {
        phone.confirm_pushed(p.namespace, p.seqno, &format!("h{n}"));
    }
    assert!(!phone.needs_push());

    let mut laptop = UserConfigs::new(&me());
    for (n, p) in pushes.iter().enumerate() {
        laptop
            .merge(p.namespace, &[(format!("h{n}"), p.data.as_slice())])
            .unwrap();
    }
    assert_eq!(laptop.profile.name().as_deref(), Some("Alice"));
    assert_eq!(laptop.contacts.all(), phone.contacts.all());
    let dump = laptop.dump();
    let again = UserConfigs::load(&me(), &dump).unwrap();
    assert_eq!(again.contacts.all(), laptop.contacts.all());
    assert!(laptop.merge(13, &[("x", b"")]).is_err());
}

#[test]
fn confirm_clears_only_the_obsolete_hashes_that_push_reported() {
    let mut a = UserProfile::new(&me());
    a.set_name("one").unwrap();
    let p1 = push(&mut a);
    a.confirm_pushed(p1.seqno, "h1");
    a.set_name("two").unwrap();
    let p2 = push(&mut a);
    assert_eq!(p2.obsolete_hashes, ["h1"]);
    // Before the confirmation, another copy of the first message shows up under another hash.
    a.merge(&[("h1-copy", p1.data.as_slice())]).unwrap();
    a.confirm_pushed(p2.seqno, "h2");
    assert_eq!(a.base().obsolete_hashes(), ["h1-copy"]);
    a.confirm_pushed(p2.seqno, "ignored");
    assert_eq!(a.base().current_hash(), Some("h2"));
}

#[test]
fn members_pending_send_list_is_local_and_survives_a_dump() {
    let group = Ed25519KeyPair::from_seed(&[5; 32]);
    let key = [9u8; 32];
    let mut admin = Members::new(&group.public_key(), Some(&group), &[key]);
    let (alice, bob) = (id(6), id(7));
    let mut a = admin.get_or_construct(&alice);
    a.name = "Alice".into();
    admin.set(&a).unwrap();
    let mut b = admin.get_or_construct(&bob);
    b.set_promoted();
    admin.set(&b).unwrap();
    let pushed = admin.push().unwrap().expect("dirty");
    admin.confirm_pushed(pushed.seqno, "h1");
    let _ = admin.dump();
    assert!(!admin.needs_dump());

    use session_config::groups::MemberStatus as S;
    let status = |m: &Members, who: &AccountId| m.status(&m.get(who).unwrap());
    assert_eq!(status(&admin, &alice), S::InviteNotSent);
    assert_eq!(status(&admin, &bob), S::PromotionNotSent);
    admin.set_pending_send(&alice, true);
    admin.set_pending_send(&bob, true);
    assert!(admin.needs_dump(), "a local change needs a dump");
    assert!(!admin.needs_push(), "but nothing to push");
    assert_eq!(status(&admin, &alice), S::InviteSending);
    assert_eq!(status(&admin, &bob), S::PromotionSending);
    assert_eq!(admin.pending_send().len(), 2);

    // Kept in the dump, not in the pushed data: another admin does not see it.
    let dump = admin.dump();
    let back = Members::load(&group.public_key(), Some(&group), &[key], &dump).unwrap();
    assert!(back.has_pending_send(&alice) && back.has_pending_send(&bob));
    let mut other = Members::new(&group.public_key(), Some(&group), &[key]);
    other.merge(&[("h1", pushed.data.as_slice())]).unwrap();
    assert!(other.pending_send().is_empty());
    assert_eq!(status(&other, &alice), S::InviteNotSent);

    // Sent, then accepted; erase takes a member off the list; removal wins over the rest.
    admin.set_pending_send(&alice, false);
    let mut a = admin.get(&alice).unwrap();
    a.set_invite_sent();
    admin.set(&a).unwrap();
    assert_eq!(status(&admin, &alice), S::InviteSent);
    a.set_invite_accepted();
    admin.set(&a).unwrap();
    assert_eq!(status(&admin, &alice), S::InviteAccepted);
    assert!(admin.erase(&bob));
    assert!(admin.pending_send().is_empty());
    a.set_removed(true);
    admin.set(&a).unwrap();
    assert_eq!(status(&admin, &alice), S::RemovedIncludingMessages);
    // Setting the same state again changes nothing.
    let _ = admin.dump();
    admin.set_pending_send(&bob, false);
    assert!(!admin.needs_dump());
    // A dump extra must be one bt value.
    assert!(
        admin
            .base_mut()
            .set_dump_extra(Some(b"i1".to_vec()))
            .is_err()
    );
}
