//! The session's properties, each over random scripts of sends, deliveries,
//! duplications, reorderings and drops (proptest): correctness, forward
//! secrecy, post-compromise security, the escrowed twin's reach — and what
//! the ratchet does not give. The thief is the lessons' (`doormat_attacks::
//! forward_secrecy::Thief`): a passive reader of the recorded traffic with a
//! copy of one side's state.

mod common;
#[path = "common/session.rs"]
mod session_common;

use std::cell::Cell;

use common::config;
use doormat::escrow::{self, EscrowAuthority};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};
use doormat::session::{self, Client, LayerError, Prekeys, Sending, Session};
use doormat_attacks::forward_secrecy::Thief;
use proptest::prelude::*;
use session_common::{seed_bytes, Conversation, Op, Who};

/// One step of a script: sends and network events, weighted so that
/// messages pile up, cross and get lost.
fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => Just(Op::Send(Who::Alice)),
        3 => Just(Op::Send(Who::Bob)),
        4 => any::<usize>().prop_map(Op::Deliver),
        1 => any::<usize>().prop_map(Op::Duplicate),
        1 => any::<usize>().prop_map(Op::Drop),
    ]
}

/// A script of up to `len` steps (few enough that a side sees fewer than
/// `MAX_PAST_CHAINS` chains of the other's).
fn script(len: usize) -> impl Strategy<Value = Vec<Op>> {
    prop::collection::vec(op(), 1..len)
}

/// Every delivered message opens exactly once, in whatever order it
/// arrives; a second delivery is a typed `Replay`.
#[test]
fn every_delivered_message_opens_exactly_once() {
    let cases = Cell::new(0usize);
    let out_of_order = Cell::new(0usize);
    proptest!(config(256), |(seed in any::<u64>(), pq in any::<bool>(), ops in script(48))| {
        let mut c = Conversation::new(seed, pq, None);
        for op in ops {
            c.apply(op);
        }
        c.flush();
        let mut last = [None, None];
        for d in &c.deliveries {
            let sent = &c.sent[d.id];
            match (&d.result, d.repeat) {
                (Ok(r), false) => prop_assert_eq!(r.plaintext(), &sent.plaintext[..]),
                (Err(session::Error::Replay), true) => {}
                (other, repeat) => prop_assert!(false, "message {} (repeat: {repeat}): {other:?}", d.id),
            }
            let side = usize::from(sent.from == Who::Bob);
            out_of_order.set(out_of_order.get() + usize::from(last[side].is_some_and(|l| l > d.id)));
            last[side] = Some(d.id);
        }
        let opened = c.deliveries.iter().filter(|d| !d.repeat).count();
        prop_assert_eq!(opened, c.delivered.iter().filter(|&&d| d).count());
        cases.set(cases.get() + 1);
    });
    assert!(
        out_of_order.get() > 0,
        "the scripts never reordered anything"
    );
    println!(
        "{} scripts, {} deliveries out of order",
        cases.get(),
        out_of_order.get()
    );
}

/// A full copy of a side's state, taken at any step, opens none of the
/// messages that side had already received — and every message sent to it
/// that it had not (so the copy is a real one).
#[test]
fn a_copied_state_opens_nothing_already_received() {
    let cases = Cell::new(0usize);
    let refused = Cell::new(0usize);
    proptest!(config(192), |(seed in any::<u64>(), pq in any::<bool>(), ops in script(48), k in any::<usize>(), bob in any::<bool>())| {
        let mut c = Conversation::new(seed, pq, None);
        let k = k % ops.len();
        let victim = if bob { Who::Bob } else { Who::Alice };
        let mut stolen = None;
        for (i, op) in ops.into_iter().enumerate() {
            c.apply(op);
            if i >= k && stolen.is_none() {
                stolen = c.session(victim).map(|s| (s.to_bytes().to_vec(), c.step));
            }
        }
        let Some((stolen, at)) = stolen else { return Ok(()) };
        for (id, sent) in c.sent.iter().enumerate().filter(|(_, s)| s.from != victim && s.at <= at) {
            let received = c.deliveries.iter().any(|d| d.id == id && d.at <= at && d.result.is_ok());
            let read = Thief::new(&stolen).unwrap().read(&sent.bytes, true);
            if received {
                prop_assert_eq!(read, None, "message {} was received before the copy", id);
                refused.set(refused.get() + 1);
            } else {
                prop_assert_eq!(read.as_deref(), Some(&sent.plaintext[..]), "message {} was still due", id);
            }
        }
        // Nor anything the victim had sent: its chain moved past them.
        for sent in c.sent.iter().filter(|s| s.from == victim && s.at <= at) {
            prop_assert_eq!(Thief::new(&stolen).unwrap().read(&sent.bytes, false), None);
        }
        cases.set(cases.get() + 1);
    });
    assert!(refused.get() > 0);
    println!(
        "{} copies; {} received messages stayed closed",
        cases.get(),
        refused.get()
    );
}

/// After a copy of a side's state at step t, a passive thief following the
/// recorded traffic reads exactly: the victim's messages until its next DH
/// ratchet step (T1), and the peer's until the peer receives a message of
/// the victim's new chain (T2) — so nothing sent after the next round trip.
#[test]
fn a_copied_state_goes_blind_after_the_next_round_trip() {
    let cases = Cell::new(0usize);
    let read_before = Cell::new(0usize);
    let blind_after = Cell::new(0usize);
    proptest!(config(192), |(seed in any::<u64>(), pq in any::<bool>(), before in script(24), after in script(24), bob in any::<bool>())| {
        let mut c = Conversation::new(seed, pq, None);
        let victim = if bob { Who::Bob } else { Who::Alice };
        for op in before {
            c.apply(op);
        }
        if c.session(victim).is_none() {
            c.flush();
        }
        let Some(state) = c.session(victim) else { return Ok(()) };
        let (stolen, t) = (state.to_bytes().to_vec(), c.step);
        for op in after {
            c.apply(op);
        }
        // Two round trips, whatever the script did.
        for who in [victim.other(), victim, victim.other(), victim, victim.other()] {
            c.send(who);
            c.flush();
        }
        let t1 = c.deliveries.iter()
            .find(|d| d.at > t && c.sent[d.id].from != victim
                && d.result.as_ref().is_ok_and(|r| r.took_dh_step()))
            .map(|d| d.at)
            .expect("the victim stepped");
        let t2 = c.deliveries.iter()
            .find(|d| c.sent[d.id].from == victim && c.sent[d.id].at > t1 && d.result.is_ok())
            .map(|d| d.at)
            .expect("the peer stepped");
        let mut thief = Thief::new(&stolen).unwrap();
        for (id, sent) in c.sent.iter().enumerate().filter(|(_, s)| s.at > t) {
            let read = thief.read(&sent.bytes, sent.from != victim);
            let until = if sent.from == victim { t1 } else { t2 };
            if sent.at < until {
                prop_assert_eq!(read.as_deref(), Some(&sent.plaintext[..]), "message {} before healing", id);
                read_before.set(read_before.get() + 1);
            } else {
                prop_assert_eq!(read, None, "message {} after healing", id);
                blind_after.set(blind_after.get() + 1);
            }
        }
        cases.set(cases.get() + 1);
    });
    assert!(read_before.get() > 0 && blind_after.get() > 0);
    println!(
        "{} thefts: {} messages read before healing, {} closed after",
        cases.get(),
        read_before.get(),
        blind_after.get()
    );
}

/// The escrowed twin: the authority reads every message ever sent, from the
/// wire alone — before any copy of a state, after it, and after the
/// ratchet healed — while the thief goes blind.
#[test]
fn the_escrow_key_reads_every_message_and_never_stops() {
    let authority = EscrowAuthority::generate_with(&mut SeededRng::from_seed([9; 32])).unwrap();
    let cases = Cell::new(0usize);
    proptest!(config(64), |(seed in any::<u64>(), pq in any::<bool>(), ops in script(48))| {
        let mut c = Conversation::new(seed, pq, Some(authority.public_key()));
        let half = ops.len() / 2;
        let mut stolen = None;
        for (i, op) in ops.into_iter().enumerate() {
            c.apply(op);
            if i >= half && stolen.is_none() {
                stolen = c.b.as_ref().map(|s| (s.to_bytes().to_vec(), c.step));
            }
        }
        for who in [Who::Alice, Who::Bob, Who::Alice, Who::Bob, Who::Alice] {
            c.send(who);
            c.flush();
        }
        for d in c.deliveries.iter().filter(|d| !d.repeat) {
            prop_assert!(d.result.is_ok(), "a compliant client refused message {}", d.id);
        }
        for sent in &c.sent {
            let read = authority.read_session_message(&sent.bytes).unwrap();
            prop_assert_eq!(read.plaintext(), &sent.plaintext[..]);
        }
        // The thief of Bob's state is blind by the end; the authority is not.
        if let Some((stolen, _)) = stolen {
            let mut thief = Thief::new(&stolen).unwrap();
            let last = c.sent.iter().map(|s| thief.read(&s.bytes, s.from == Who::Alice)).last();
            prop_assert_eq!(last, Some(None));
        }
        cases.set(cases.get() + 1);
    });
    println!(
        "{} escrowed conversations, every message read by the authority",
        cases.get()
    );
}

/// A layer that writes an access-field record of its own: a modified client.
#[derive(Debug)]
struct ForgedField(Vec<u8>);

impl session::Layer for ForgedField {
    fn extensions(&self, _: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        Ok(vec![(escrow::LEAF_EXTENSION, self.0.clone())])
    }
}

/// A compliant client refuses every message whose access field is missing,
/// names another authority or is forged — before anything is released or
/// the session moves — so every message it accepts the authority reads.
#[test]
fn compliant_clients_refuse_what_the_authority_cannot_read() {
    let mut rng = SeededRng::from_seed([4; 32]);
    let authority = EscrowAuthority::generate_with(&mut rng).unwrap();
    let other = EscrowAuthority::generate_with(&mut rng).unwrap();
    let cases = Cell::new(0usize);
    proptest!(config(48), |(seed in any::<u64>(), senders in prop::collection::vec(0u8..4, 1..12), noise in any::<[u8; 32]>())| {
        let mut rng = SeededRng::from_seed(seed_bytes(seed));
        let alice = Identity::generate_with(&mut rng).unwrap();
        let bob = Identity::generate_with(&mut rng).unwrap();
        let mut prekeys = Prekeys::generate_with(&bob, 1, false, &mut rng).unwrap();
        let key = authority.public_key();
        let mut a = escrow::session_client(&key).rng(&mut rng).initiate(&alice, &prekeys.bundles()[0]).unwrap();
        let first = escrow::session_client(&key).encrypt(&mut a, b"hello").unwrap();
        let (mut b, _) = escrow::session_client(&key).rng(&mut rng).respond(&bob, &mut prekeys, &first).unwrap();
        let forged = [&noise[..], &[0u8; escrow::LEAF_LEN - 32][..]].concat();
        for (i, how) in senders.into_iter().enumerate() {
            let text = format!("message {i}");
            let client = match how {
                0 => escrow::session_client(&key),
                1 => Client::new(),
                2 => escrow::session_client(&other.public_key()),
                _ => Client::new().layer(ForgedField(forged.clone())),
            };
            let wire = client.rng(&mut rng).encrypt(&mut b, text.as_bytes()).unwrap();
            let before = a.to_bytes();
            let got = escrow::session_client(&key).rng(&mut rng).decrypt(&mut a, &wire);
            match (how, got) {
                (0, Ok(r)) => {
                    prop_assert_eq!(r.plaintext(), text.as_bytes());
                    let seized = authority.read_session_message(&wire).unwrap();
                    prop_assert_eq!(seized.plaintext(), text.as_bytes());
                }
                (_, Err(e)) => {
                    let e = escrow::Error::from(e);
                    prop_assert!(matches!(e, escrow::Error::NotEscrowed | escrow::Error::InvalidAccessField), "{e:?}");
                    prop_assert!(authority.read_session_message(&wire).is_err());
                    prop_assert_eq!(a.to_bytes(), before, "a refused message changed the session");
                }
                (how, Ok(_)) => prop_assert!(false, "sender {how}'s message was accepted"),
            }
        }
        cases.set(cases.get() + 1);
    });
    println!("{} conversations with modified senders", cases.get());
}

/// What the ratchet does not give (1): a stolen identity key impersonates
/// its owner to new contacts — a bundle it signs verifies, and a session it
/// starts names the owner.
#[test]
fn a_stolen_identity_key_impersonates_to_new_contacts() {
    let mut rng = SeededRng::from_seed([5; 32]);
    let (alice, bob, carol) = (
        Identity::generate_with(&mut rng).unwrap(),
        Identity::generate_with(&mut rng).unwrap(),
        Identity::generate_with(&mut rng).unwrap(),
    );
    let mallory: Identity = bob.to_secret_string().parse().unwrap();
    // Mallory publishes prekeys "from Bob"; Alice, who pinned Bob's key, checks it.
    let mut forged = Prekeys::generate_with(&mallory, 1, true, &mut rng).unwrap();
    let bundle = session::PrekeyBundle::from_bytes(&forged.bundles()[0].to_bytes()).unwrap();
    assert_eq!(bundle.identity(), &bob.public());
    let mut to_bob = Session::initiate_with(&alice, &bundle, &mut rng).unwrap();
    let wire = to_bob.encrypt(b"for Bob's eyes only").unwrap();
    let (mut as_bob, read) = Session::respond(&mallory, &mut forged, &wire).unwrap();
    assert_eq!(read.plaintext(), b"for Bob's eyes only");
    let reply = as_bob.encrypt(b"it's me, Bob").unwrap();
    assert_eq!(to_bob.decrypt(&reply).unwrap().plaintext(), b"it's me, Bob");
    // And starts sessions as Bob.
    let mut carols = Prekeys::generate_with(&carol, 1, false, &mut rng).unwrap();
    let mut fake = Session::initiate_with(&mallory, &carols.bundles()[0], &mut rng).unwrap();
    let hello = fake.encrypt(b"Bob here, new phone").unwrap();
    let (carol_side, _) = Session::respond(&carol, &mut carols, &hello).unwrap();
    assert_eq!(carol_side.peer(), &bob.public());
}

/// What the ratchet does not give (2): forward secrecy protects keys, not
/// what an app keeps. A phone that stores its history gives it up whole,
/// though its session state opens none of the recorded messages.
#[test]
fn stored_history_is_not_protected_by_forward_secrecy() {
    let mut c = Conversation::new(6, false, None);
    let mut history = Vec::new();
    for round in 0..6 {
        c.send(if round % 2 == 0 { Who::Alice } else { Who::Bob });
        c.send(Who::Alice);
        c.flush();
    }
    for d in &c.deliveries {
        if c.sent[d.id].from == Who::Alice {
            history.push(d.result.as_ref().unwrap().plaintext().to_vec());
        }
    }
    // The phone is seized: its state, and the history the app kept.
    let seized_state = c.b.as_ref().unwrap().to_bytes().to_vec();
    let seized_history = history.clone();
    let to_bob: Vec<_> = c.sent.iter().filter(|s| s.from == Who::Alice).collect();
    assert_eq!(seized_history.len(), to_bob.len());
    for (kept, sent) in seized_history.iter().zip(&to_bob) {
        assert_eq!(kept, &sent.plaintext);
        assert_eq!(
            Thief::new(&seized_state).unwrap().read(&sent.bytes, true),
            None
        );
    }
}

/// A saved state, after any script, restores to a session that saves to
/// the same bytes and carries on exactly as the original: the same next
/// messages out, the same plaintexts in.
#[test]
fn saved_state_round_trips_and_resumes() {
    let cases = Cell::new(0usize);
    proptest!(config(64), |(seed in any::<u64>(), pq in any::<bool>(), ops in script(48))| {
        let mut c = Conversation::new(seed, pq, None);
        for op in ops {
            c.apply(op);
        }
        let Some(mut b) = c.b.take() else { return Ok(()) };
        let mut a = Session::from_bytes(&c.a.to_bytes()).unwrap();
        let mut b2 = Session::from_bytes(&b.to_bytes()).unwrap();
        prop_assert_eq!(a.to_bytes(), c.a.to_bytes());
        prop_assert_eq!(b2.to_bytes(), b.to_bytes());
        // Encrypting draws nothing: the copies say exactly what the originals say.
        let (to_b, to_b2) = (c.a.encrypt(b"next").unwrap(), a.encrypt(b"next").unwrap());
        prop_assert_eq!(&to_b, &to_b2);
        let (to_a, to_a2) = (b.encrypt(b"back").unwrap(), b2.encrypt(b"back").unwrap());
        prop_assert_eq!(&to_a, &to_a2);
        let mut rng = SeededRng::from_seed(seed_bytes(seed));
        let mut rng2 = SeededRng::from_seed(seed_bytes(seed));
        let read = Client::new().rng(&mut rng).decrypt(&mut b, &to_b).unwrap();
        let read2 = Client::new().rng(&mut rng2).decrypt(&mut b2, &to_b2).unwrap();
        prop_assert_eq!(read.plaintext(), read2.plaintext());
        prop_assert_eq!(read.plaintext(), b"next");
        prop_assert_eq!(b.to_bytes(), b2.to_bytes());
        cases.set(cases.get() + 1);
    });
    println!("{} saved states restored and resumed", cases.get());
}
