//! Hostile bytes for sessions: every byte of a saved state, saved prekeys,
//! a bundle and a message flipped, every truncation, every extension, and
//! arbitrary bytes — a typed error or (where the byte is not checked, as in
//! a key) a value that serializes back to exactly the bytes given; never a
//! panic. Declared counts past their bounds are refused by name, before
//! anything is sized from them.

mod common;
#[path = "common/session.rs"]
mod session_common;

use common::{config, must_fail};
use doormat::random::{SeedableRng, SeededRng};
use doormat::session::{self, Error, Message, PrekeyBundle, Prekeys, Session};
use proptest::prelude::*;
use session_common::{Conversation, Who};

/// A conversation that leaves Bob with skipped keys and past ratchet keys,
/// and Alice with messages still to receive; post-quantum set-up.
fn busy() -> Conversation {
    let mut c = Conversation::new(21, true, None);
    for round in 0..4 {
        for _ in 0..3 {
            c.send(Who::Alice);
        }
        // Deliver the last of Alice's three; the others are skipped.
        let last = *c.in_flight.last().unwrap();
        c.in_flight.retain(|&id| id != last);
        c.deliver(last);
        if round < 3 {
            c.send(Who::Bob);
            let reply = *c.in_flight.last().unwrap();
            c.in_flight.retain(|&id| id != reply);
            c.deliver(reply);
        }
    }
    c
}

/// Every variant a hostile object may give.
fn typed(e: &Error) -> bool {
    matches!(
        e,
        Error::NotASessionObject
            | Error::UnsupportedVersion(_)
            | Error::Malformed(_)
            | Error::InvalidKey
            | Error::BadPrekeySignature
    )
}

/// Flips each byte (two ways), cuts at every length, extends by one byte
/// and by a block: `parse` never panics, refuses every cut and extension
/// with a typed error, and whatever it accepts serializes back to exactly
/// the bytes given. Returns how many mutants were refused.
fn sweep<T>(
    what: &str,
    good: &[u8],
    parse: impl Fn(&[u8]) -> Result<T, Error>,
    serialize: impl Fn(&T) -> Vec<u8>,
) -> usize {
    let mut refused = 0;
    let mut check = |mutant: Vec<u8>, must_refuse: bool, how: &str| {
        let got = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parse(&mutant)))
            .unwrap_or_else(|_| panic!("{what}: {how} panicked"));
        match got {
            Ok(value) => {
                assert!(!must_refuse, "{what}: {how} was accepted");
                assert_eq!(serialize(&value), mutant, "{what}: {how} is not canonical");
            }
            Err(e) => {
                assert!(typed(&e), "{what}: {how}: {e:?}");
                refused += 1;
            }
        }
    };
    for at in 0..good.len() {
        for mask in [0x01, 0xff] {
            let mut mutant = good.to_vec();
            mutant[at] ^= mask;
            check(mutant, false, &format!("byte {at} ^ {mask:#x}"));
        }
    }
    for len in 0..good.len() {
        check(good[..len].to_vec(), true, &format!("cut at {len}"));
    }
    check([good, &[0]].concat(), true, "one byte more");
    check([good, &[0x5a; 100]].concat(), true, "a block more");
    refused
}

#[test]
fn every_saved_state_byte_is_checked_or_canonical() {
    let c = busy();
    let b = c.b.as_ref().unwrap();
    assert!(b.skipped_key_count() > 0);
    let mut pending = Conversation::new(22, true, None);
    pending.send(Who::Alice);
    assert!(pending.a.is_awaiting_reply());
    let mut refused = 0;
    for (what, state) in [
        ("responder", b.to_bytes()),
        ("initiator", c.a.to_bytes()),
        ("initiator awaiting a reply", pending.a.to_bytes()),
    ] {
        assert_eq!(Session::from_bytes(&state).unwrap().to_bytes(), state);
        refused += sweep(what, &state, Session::from_bytes, |s| s.to_bytes().to_vec());
    }
    println!("{refused} mutants of three states refused");
}

#[test]
fn every_saved_prekeys_byte_is_checked_or_canonical() {
    let mut rng = SeededRng::from_seed([23; 32]);
    let bob = doormat::keys::Identity::generate_with(&mut rng).unwrap();
    let mut prekeys = Prekeys::generate_with(&bob, 3, true, &mut rng).unwrap();
    prekeys.rotate_with(&bob, &mut rng).unwrap();
    let good = prekeys.to_bytes();
    let refused = sweep("prekeys", &good, Prekeys::from_bytes, |p| {
        p.to_bytes().to_vec()
    });
    println!("{refused} mutants of saved prekeys refused");
}

#[test]
fn every_bundle_byte_is_checked_or_canonical() {
    let mut rng = SeededRng::from_seed([24; 32]);
    let bob = doormat::keys::Identity::generate_post_quantum_with(&mut rng).unwrap();
    let prekeys = Prekeys::generate_with(&bob, 1, true, &mut rng).unwrap();
    let good = prekeys.bundles()[0].to_bytes();
    let refused = sweep(
        "bundle",
        &good,
        PrekeyBundle::from_bytes,
        PrekeyBundle::to_bytes,
    );
    println!("{refused} mutants of a bundle refused");
}

/// Every byte of a set-up message and of a message, flipped: the receiver
/// refuses it with a typed error and is unchanged, and the true message
/// still opens after all of them.
#[test]
fn every_message_byte_flip_is_refused_and_changes_nothing() {
    let mut c = busy();
    c.send(Who::Bob);
    let to_alice = c.sent.last().unwrap().bytes.clone();
    let mut fresh = Conversation::new(25, true, None);
    fresh.send(Who::Alice);
    let setup = fresh.sent[0].bytes.clone();
    let mut refusals = std::collections::BTreeMap::<String, usize>::new();
    let mut note = |e: Error| *refusals.entry(common::kind(&e)).or_default() += 1;
    let before = c.a.to_bytes();
    for at in 0..to_alice.len() {
        let mut mutant = to_alice.clone();
        mutant[at] ^= 0x01;
        note(must_fail(&format!("message byte {at}"), || {
            c.a.decrypt(&mutant)
        }));
    }
    assert_eq!(c.a.to_bytes(), before);
    assert!(c.a.decrypt(&to_alice).is_ok());
    let prekeys = fresh.prekeys.to_bytes();
    for at in 0..setup.len() {
        let mut mutant = setup.clone();
        mutant[at] ^= 0x01;
        let mut copy = Prekeys::from_bytes(&prekeys).unwrap();
        note(must_fail(&format!("set-up byte {at}"), || {
            Session::respond(&fresh.bob, &mut copy, &mutant)
        }));
        assert_eq!(copy.to_bytes(), prekeys, "a refused set-up used a prekey");
    }
    assert!(Session::respond(&fresh.bob, &mut fresh.prekeys, &setup).is_ok());
    println!("{refusals:?}");
    for kind in refusals.keys() {
        assert!(
            [
                "NotASessionObject",
                "UnsupportedVersion",
                "Malformed",
                "InvalidKey",
                "Tampered",
                "TooFarAhead",
                "UnknownPrekey",
                "Replay"
            ]
            .contains(&kind.as_str()),
            "{kind}"
        );
    }
}

/// Arbitrary bytes, and arbitrary bytes after a valid prefix, never panic
/// any parser or opener.
#[test]
fn arbitrary_bytes_never_panic() {
    let c = std::cell::RefCell::new(busy());
    let bob = c
        .borrow()
        .bob
        .to_secret_string()
        .parse::<doormat::keys::Identity>()
        .unwrap();
    let prefixes: Vec<&[u8]> = vec![
        b"",
        b"dms\x01\x01",
        b"dms\x01\x02",
        b"dmr\x01",
        b"dmp\x01",
        b"dmb\x01",
    ];
    proptest!(config(512), |(prefix in 0..6usize, tail in prop::collection::vec(any::<u8>(), 0..600))| {
        let bytes = [prefixes[prefix], &tail].concat();
        let _ = Message::parse(&bytes);
        let _ = Session::from_bytes(&bytes);
        let _ = Prekeys::from_bytes(&bytes);
        let _ = PrekeyBundle::from_bytes(&bytes);
        let _ = session::read(&doormat_attacks::KnownMessageKey { mk: [1; 32], ad: [2; 32] }, &bytes);
        let mut c = c.borrow_mut();
        let _ = Session::respond(&bob, &mut c.prekeys, &bytes);
        let _ = c.a.decrypt(&bytes);
    });
}

/// Declared lengths and counts past their bounds are refused by name —
/// not as a truncation after an allocation sized by them.
#[test]
fn hostile_counts_are_refused_by_their_bound() {
    let c = busy();
    let state = c.b.as_ref().unwrap().to_bytes().to_vec();
    let skipped = c.b.as_ref().unwrap().skipped_key_count();
    // The skipped count is the state's last u16 before its records.
    let count_at = state.len() - skipped * 68 - 2;
    assert_eq!(
        u16::from_be_bytes([state[count_at], state[count_at + 1]]) as usize,
        skipped
    );
    let mut hostile = state[..count_at].to_vec();
    hostile.extend_from_slice(&u16::MAX.to_be_bytes());
    assert!(matches!(
        Session::from_bytes(&hostile),
        Err(Error::Malformed("too many skipped keys"))
    ));
    // The past-key count is the byte before the past keys.
    let past = (count_at - 1 - 3 * 32..count_at).find(|&i| {
        let n = usize::from(state[i]);
        i + 1 + 32 * n == count_at
    });
    let past_at = past.expect("the past-key count");
    let mut hostile = state.clone();
    hostile[past_at] = u8::MAX;
    assert!(matches!(
        Session::from_bytes(&hostile),
        Err(Error::Malformed("too many past ratchet keys"))
    ));
    // A pending set-up longer than any set-up section.
    let mut pending = Conversation::new(26, false, None);
    pending.send(Who::Alice);
    let state = pending.a.to_bytes().to_vec();
    let len_at = 7 + 64 + 32 + 32 + 33 + 32 + 33 + 1 + 12;
    let mut hostile = state.clone();
    hostile[len_at..len_at + 2].copy_from_slice(&u16::MAX.to_be_bytes());
    assert!(matches!(
        Session::from_bytes(&hostile),
        Err(Error::Malformed("pending set-up too long"))
    ));
    // More one-time prekeys than a store holds.
    let prekeys = c.prekeys.to_bytes().to_vec();
    let n = c.prekeys.one_time_count();
    let at = prekeys.len() - n * 36 - 2;
    let mut hostile = prekeys[..at].to_vec();
    hostile.extend_from_slice(&u16::MAX.to_be_bytes());
    assert!(matches!(
        Prekeys::from_bytes(&hostile),
        Err(Error::Malformed("more than 1000 one-time prekeys"))
    ));
    // Extension records longer than a message may carry.
    let message = c.sent.last().unwrap().bytes.clone();
    let ext_at = Message::parse(&message).unwrap().header().len();
    let mut hostile = message[..ext_at].to_vec();
    hostile.extend_from_slice(&u16::MAX.to_be_bytes());
    assert!(matches!(
        Message::parse(&hostile),
        Err(Error::Malformed("extensions longer than 8 KiB"))
    ));
}
