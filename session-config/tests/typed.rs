//! The typed configs read back what they write, with the spec's rules (§8).

#![allow(clippy::unwrap_used)]

use session_config::groups::{Info, InviteStatus, Members};
use session_config::{
    Contacts, Conversation, ConvoInfo, ConvoInfoVolatile, Error, ExpiryMode, GroupInfo, NotifyMode,
    PRUNE_AGE_MS, ProfilePic, RemovedStatus, UserGroups, UserProfile,
};
use session_identity::{AccountId, Ed25519KeyPair, GroupId};
use zeroize::Zeroizing;

fn me() -> Ed25519KeyPair {
    Ed25519KeyPair::from_seed(&[0x42; 32])
}

fn id(byte: u8) -> AccountId {
    Ed25519KeyPair::from_seed(&[byte; 32]).account_id()
}

#[test]
fn contacts_round_trip_every_field() {
    let mut c = Contacts::new(&me());
    let mut joe = c.get_or_construct(&id(1));
    joe.name = "Joe".into();
    joe.nickname = "Joey".into();
    joe.profile_pic = ProfilePic::new("http://example.org/p.png", [7u8; 32]);
    joe.approved = true;
    joe.approved_me = true;
    joe.blocked = true;
    joe.priority = -1;
    joe.notifications = NotifyMode::Disabled;
    joe.mute_until = 1_700_000_000;
    joe.expiry = ExpiryMode::AfterRead(300);
    joe.created = 1_600_000_000;
    c.set(&joe).unwrap();
    assert_eq!(c.get(&joe.id), Some(joe.clone()));
    assert_eq!(c.len(), 1);

    // Libsession stores mentions-only as "all".
    joe.notifications = NotifyMode::MentionsOnly;
    c.set(&joe).unwrap();
    assert_eq!(c.get(&joe.id).unwrap().notifications, NotifyMode::All);
    // A zero timer is no expiry whatever the mode.
    joe.expiry = ExpiryMode::AfterSend(0);
    c.set(&joe).unwrap();
    assert_eq!(c.get(&joe.id).unwrap().expiry, ExpiryMode::None);

    joe.profile_pic = ProfilePic::new("http://x.org/p", vec![1; 31]);
    assert_eq!(c.set(&joe), Err(Error::InvalidLength));
    assert_eq!(
        c.set_nickname(&joe.id, &"n".repeat(101)),
        Err(Error::InvalidLength)
    );
    assert!(c.erase(&joe.id));
    assert!(!c.erase(&joe.id));
    assert!(c.is_empty());
}

#[test]
fn profile_setters_follow_the_rules() {
    let mut p = UserProfile::new(&me());
    p.set_profile_pic(&ProfilePic::new("http://example.org/a", [1u8; 32]))
        .unwrap();
    assert!(p.profile_pic().is_some());
    p.set_profile_pic(&ProfilePic::new("http://example.org/a", [1u8; 31]))
        .unwrap();
    assert_eq!(p.profile_pic(), None);
    assert_eq!(
        p.set_profile_pic(&ProfilePic::new("h".repeat(224), [1u8; 32])),
        Err(Error::InvalidLength)
    );
    p.set_name_truncated(&"é".repeat(60));
    assert_eq!(p.name().unwrap().len(), 100);
    p.set_blinded_msgreqs(Some(false));
    assert_eq!(p.blinded_msgreqs(), Some(false));
    p.set_nts_expiry(-5);
    assert_eq!(p.nts_expiry(), None);
}

#[test]
fn convo_entries_and_pruning() {
    let now = 1_700_000_000_000;
    let mut c = ConvoInfoVolatile::new(&me());
    let read = |ms| ConvoInfo {
        last_read_ms: ms,
        unread: false,
    };
    c.set_one_to_one(&id(1), read(now), now);
    c.set_one_to_one(&id(2), read(now - PRUNE_AGE_MS - 1), now); // too old: not recorded
    assert_eq!(c.get_one_to_one(&id(2)), None);
    c.set_one_to_one(&id(2), read(now), now);
    c.set_one_to_one(&id(2), read(now - PRUNE_AGE_MS - 1), now); // lowering is always written
    let group: GroupId = format!("03{}", "ab".repeat(32)).parse().unwrap();
    c.set_group(&group, read(now - PRUNE_AGE_MS - 1), now);
    c.set_group(
        &group,
        ConvoInfo {
            last_read_ms: 1,
            unread: true,
        },
        now,
    );
    c.set_community("https://example.org", "Lobby", &[9; 32], read(now), now)
        .unwrap();
    assert_eq!(c.all().len(), 4);
    assert!(
        c.all()
            .iter()
            .any(|(k, _)| matches!(k, Conversation::Community { room, .. } if room == "lobby"))
    );
    let pushed = c.push(now).unwrap().unwrap();
    assert!(pushed.seqno >= 1);
    assert_eq!(
        c.get_one_to_one(&id(2)),
        None,
        "stale read entry pruned at push"
    );
    assert!(
        c.get_group(&group).is_some(),
        "group entries are never pruned"
    );
    assert!(c.erase_community("https://EXAMPLE.org/", "LOBBY").unwrap());
    assert!(
        c.base().data().get(&b"o"[..]).is_none(),
        "server goes with its last room"
    );
    assert_eq!(
        c.set_community("https://example.org", "bad room", &[9; 32], read(now), now),
        Err(Error::InvalidCommunityUrl)
    );
}

#[test]
fn user_groups_keys_and_membership() {
    let group_kp = Ed25519KeyPair::from_seed(&[3; 32]);
    let gid = GroupId::from_key_bytes(group_kp.public_key().as_bytes());
    let mut g = UserGroups::new(&me());
    let mut e = g.get_or_construct_group(&gid);
    e.name = "Admins".into();
    e.secret_key = Some(group_kp.to_libsodium_secret());
    g.set_group(&e);
    let back = g.get_group(&gid).unwrap();
    assert_eq!(back.secret_key.as_deref(), e.secret_key.as_deref());
    let mut back: GroupInfo = back;
    back.mark_kicked();
    g.set_group(&back);
    let kicked = g.get_group(&gid).unwrap();
    assert_eq!(kicked.removed, RemovedStatus::Kicked);
    assert!(kicked.secret_key.is_none());
    let mut k = kicked;
    k.auth_data = Zeroizing::new(vec![1; 100]);
    k.mark_invited();
    g.set_group(&k);
    let again = g.get_group(&gid).unwrap();
    assert_eq!(
        (again.removed, again.auth_data.len()),
        (RemovedStatus::Member, 100)
    );

    let legacy_id = id(9);
    let mut l = g.get_or_construct_legacy_group(&legacy_id);
    l.name = "Old".into();
    l.members.insert(id(1), true);
    l.members.insert(id(2), false);
    g.set_legacy_group(&l);
    assert_eq!(g.get_legacy_group(&legacy_id).unwrap().members, l.members);
    assert_eq!(g.groups().len(), 1);
    assert!(g.erase_group(&gid) && g.erase_legacy_group(&legacy_id));
    assert!(g.base().data().is_empty());
}

#[test]
fn members_statuses() {
    let group = Ed25519KeyPair::from_seed(&[5; 32]);
    let mut m = Members::new(&group.public_key(), Some(&group), &[[1; 32]]);
    let mut a = m.get_or_construct(&id(1));
    assert_eq!(a.invite, InviteStatus::NotSent);
    a.supplement = true;
    a.set_invite_sent();
    m.set(&a).unwrap();
    assert!(m.get(&a.id).unwrap().supplement);
    a.set_promoted();
    m.set(&a).unwrap();
    let p = m.get(&a.id).unwrap();
    assert!(
        p.admin && !p.supplement,
        "supplement is not read back for admins"
    );
    assert_eq!(
        (p.invite, p.promotion),
        (InviteStatus::None, InviteStatus::NotSent)
    );
    let mut p = p;
    p.set_removed(true);
    m.set(&p).unwrap();
    let r = m.get(&a.id).unwrap();
    assert!(r.admin, "set_removed keeps A");
    assert_eq!(r.promotion, InviteStatus::None);
    let mut long = m.get_or_construct(&id(2));
    long.name = "x".repeat(101);
    assert_eq!(m.set(&long), Err(Error::InvalidLength));
}

#[test]
fn info_fields() {
    let group = Ed25519KeyPair::from_seed(&[5; 32]);
    let mut i = Info::new(&group.public_key(), Some(&group), &[[1; 32]]);
    i.set_description(&"d".repeat(2000)).unwrap();
    assert_eq!(
        i.set_description(&"d".repeat(2001)),
        Err(Error::InvalidLength)
    );
    i.set_expiry_timer(60);
    i.set_created(-1);
    i.destroy_group();
    assert_eq!(
        (i.expiry_timer(), i.created(), i.is_destroyed()),
        (60, 0, true)
    );
    assert_eq!(i.description().unwrap().len(), 2000);
}
