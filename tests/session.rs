//! Sessions, case by case: every kind of set-up, the sizes FORMAT.md
//! gives, the set-up's refusals, the skip bound and the skipped-key store,
//! the generator (replay, draw counts, failure), the extension point, and
//! secrets that never print.

mod common;
#[path = "common/session.rs"]
mod session_common;

use std::sync::mpsc;
use std::time::Duration;

use doormat::escrow::{self, EscrowAuthority};
use doormat::hpke::{PrivateKey, X25519};
use doormat::keys::{Identity, Kem};
use doormat::random::{RandomFailed, Rng, SeedableRng, SeededRng, TryCryptoRng, TryRng};
use doormat::session::{
    self, Client, Error, LayerError, Message, MessageKind, PrekeyBundle, Prekeys, Receiving,
    Sending, Session, MAX_SKIP, MAX_SKIPPED_KEYS,
};
use session_common::{Conversation, Who};

fn rng(seed: u8) -> SeededRng {
    SeededRng::from_seed([seed; 32])
}

/// Alice (of either kind) starts a session with Bob from his bundle's
/// bytes, with and without one-time and post-quantum prekeys; they talk;
/// every message opens, and every size is FORMAT.md's.
#[test]
fn every_kind_of_set_up_works_and_has_the_documented_sizes() {
    let mut rng = rng(1);
    let mut cases = 0;
    for pq_alice in [false, true] {
        for pq_prekey in [false, true] {
            for one_time in [false, true] {
                let alice = if pq_alice {
                    Identity::generate_post_quantum_with(&mut rng).unwrap()
                } else {
                    Identity::generate_with(&mut rng).unwrap()
                };
                let bob = Identity::generate_with(&mut rng).unwrap();
                let mut prekeys = Prekeys::generate_with(&bob, 1, pq_prekey, &mut rng).unwrap();
                let offered = if one_time {
                    prekeys.bundles().remove(0)
                } else {
                    prekeys.bundle()
                };
                let wire_bundle = offered.to_bytes();
                let bundle_len =
                    169 + if one_time { 36 } else { 0 } + if pq_prekey { 1220 } else { 0 };
                assert_eq!(wire_bundle.len(), bundle_len);
                let bundle = PrekeyBundle::from_bytes(&wire_bundle).unwrap();
                assert_eq!(bundle, offered);
                assert_eq!(bundle.is_post_quantum(), pq_prekey);

                let mut a = Session::initiate_with(&alice, &bundle, &mut rng).unwrap();
                let first = a.encrypt(b"hi").unwrap();
                let setup_len = 164
                    + if one_time { 4 } else { 0 }
                    + if pq_prekey { 1124 } else { 0 }
                    + if pq_alice { 1184 } else { 0 };
                assert_eq!(first.len(), setup_len + 2);
                assert_eq!(Message::parse(&first).unwrap().kind(), MessageKind::Setup);
                let (mut b, r) = Session::respond(&bob, &mut prekeys, &first).unwrap();
                assert_eq!(r.plaintext(), b"hi");
                assert_eq!(b.peer(), &alice.public());
                assert_eq!(a.peer(), &bob.public());
                assert_eq!(
                    (a.is_post_quantum(), b.is_post_quantum()),
                    (pq_prekey, pq_prekey)
                );
                assert_eq!(prekeys.one_time_count(), usize::from(!one_time));
                for i in 0..5u8 {
                    let to_a = b.encrypt(&[i; 100]).unwrap();
                    assert_eq!(to_a.len(), 63 + 100);
                    assert_eq!(a.decrypt(&to_a).unwrap().plaintext(), &[i; 100]);
                    let to_b = a.encrypt(&[i; 7]).unwrap();
                    assert_eq!(to_b.len(), 63 + 7, "no set-up section after the reply");
                    assert_eq!(b.decrypt(&to_b).unwrap().plaintext(), &[i; 7]);
                }
                assert!(!a.is_awaiting_reply());
                if !pq_alice {
                    assert_eq!(b.to_bytes().len(), 316 + 5 * 32, "five past ratchet keys");
                }
                cases += 1;
            }
        }
    }
    assert_eq!(cases, 8);
}

/// The escrowed twin's record is 150 bytes for an X25519 escrow key and
/// 2,422 for an X-Wing one, and the authority reads either.
#[test]
fn the_escrowed_record_has_the_documented_size() {
    let mut rng = rng(2);
    for authority in [
        EscrowAuthority::generate_with(&mut rng).unwrap(),
        EscrowAuthority::generate_post_quantum_with(&mut rng).unwrap(),
    ] {
        let (alice, bob) = (
            Identity::generate_with(&mut rng).unwrap(),
            Identity::generate_with(&mut rng).unwrap(),
        );
        let mut prekeys = Prekeys::generate_with(&bob, 1, false, &mut rng).unwrap();
        let mut client = escrow::session_client(&authority.public_key()).rng(&mut rng);
        let mut a = client.initiate(&alice, &prekeys.bundles()[0]).unwrap();
        let first = client.encrypt(&mut a, b"x").unwrap();
        let (mut b, _) = client.respond(&bob, &mut prekeys, &first).unwrap();
        let reply = client.encrypt(&mut b, b"x").unwrap();
        let record = match authority.kem() {
            Kem::X25519 => 150,
            Kem::XWing => 2422,
        };
        assert_eq!(
            record,
            4 + escrow::LEAF_LEN
                .max(escrow::PQ_LEAF_LEN * usize::from(authority.kem() == Kem::XWing))
        );
        assert_eq!(reply.len(), 63 + 1 + record);
        assert_eq!(
            authority.read_session_message(&reply).unwrap().plaintext(),
            b"x"
        );
        assert_eq!(
            authority.read_session_message(&first).unwrap().plaintext(),
            b"x"
        );
    }
}

/// A bundle whose signed part changes fails its signature; so does one
/// signed by another identity, or through `Identity::sign` over the same
/// bytes (the prekey label keeps the two apart).
#[test]
fn prekey_signatures_bind_the_prekeys_to_the_identity() {
    let mut rng = rng(3);
    let bob = Identity::generate_with(&mut rng).unwrap();
    let prekeys = Prekeys::generate_with(&bob, 1, true, &mut rng).unwrap();
    let good = prekeys.bundles()[0].to_bytes();
    let sig_at = good.len() - 36 - 64;
    let mut refused = 0;
    // Every byte the signature covers: the ids and the keys.
    for at in 5 + 64..sig_at {
        let mut bad = good.clone();
        bad[at] ^= 0x01;
        let e = PrekeyBundle::from_bytes(&bad).unwrap_err();
        assert!(
            matches!(e, Error::BadPrekeySignature | Error::InvalidKey),
            "byte {at}: {e:?}"
        );
        refused += 1;
    }
    // An application signature by the same key over the same fields.
    let mut bad = good.clone();
    let signed_fields = &good[5 + 64..sig_at];
    let user_sig = bob.sign(b"doormat/v1 prekey signature\0", signed_fields);
    bad[sig_at..sig_at + 64].copy_from_slice(&user_sig);
    assert!(matches!(
        PrekeyBundle::from_bytes(&bad),
        Err(Error::BadPrekeySignature)
    ));
    // Another identity named over Bob's prekeys.
    let mallory = Identity::generate_with(&mut rng).unwrap();
    let mut bad = good.clone();
    bad[5..5 + 64].copy_from_slice(&mallory.public().to_bytes());
    assert!(matches!(
        PrekeyBundle::from_bytes(&bad),
        Err(Error::BadPrekeySignature)
    ));
    assert!(refused > 1200);
}

/// The set-up's refusals, each by name.
#[test]
fn set_up_refusals_are_typed() {
    let mut rng = rng(4);
    let (alice, bob, carol) = (
        Identity::generate_with(&mut rng).unwrap(),
        Identity::generate_with(&mut rng).unwrap(),
        Identity::generate_with(&mut rng).unwrap(),
    );
    let mut prekeys = Prekeys::generate_with(&bob, 2, true, &mut rng).unwrap();
    let bundles = prekeys.bundles();
    let mut a = Session::initiate_with(&alice, &bundles[0], &mut rng).unwrap();
    let first = a.encrypt(b"one").unwrap();
    assert!(matches!(
        Session::respond(&carol, &mut prekeys, &first),
        Err(Error::WrongIdentity)
    ));
    let (mut b, _) = Session::respond(&bob, &mut prekeys, &first).unwrap();
    // The one-time prekey is gone: a replayed set-up starts nothing.
    assert!(matches!(
        Session::respond(&bob, &mut prekeys, &first),
        Err(Error::UnknownPrekey)
    ));
    // In the session it is a replay.
    assert!(matches!(b.decrypt(&first), Err(Error::Replay)));
    // Another set-up (Alice started over) is not this session's.
    let mut again = Session::initiate_with(&alice, &bundles[1], &mut rng).unwrap();
    let other = again.encrypt(b"again").unwrap();
    assert!(matches!(b.decrypt(&other), Err(Error::OtherSession)));
    // A ratchet message starts nothing.
    let reply = b.encrypt(b"reply").unwrap();
    assert!(matches!(
        Session::respond(&bob, &mut prekeys, &reply),
        Err(Error::NotASetupMessage)
    ));
    // Rotation keeps the signed prekey before, and forgets the one before that.
    prekeys.rotate_with(&bob, &mut rng).unwrap();
    let (_, r) = Session::respond(&bob, &mut prekeys, &other).unwrap();
    assert_eq!(r.plaintext(), b"again");
    prekeys.rotate_with(&bob, &mut rng).unwrap();
    let mut late = Session::initiate_with(&alice, &bundles[0], &mut rng).unwrap();
    let stale = late.encrypt(b"late").unwrap();
    assert!(matches!(
        Session::respond(&bob, &mut prekeys, &stale),
        Err(Error::UnknownPrekey)
    ));
    assert!(matches!(
        prekeys.rotate_with(&carol, &mut rng),
        Err(Error::WrongIdentity)
    ));
}

/// Rewrites a message's header counters (`PN`, `N`), and optionally its
/// ratchet key: a forgery that parses.
fn with_counters(message: &[u8], key: Option<[u8; 32]>, pn: u32, n: u32) -> Vec<u8> {
    let parsed = Message::parse(message).unwrap();
    let at = parsed.header().len() - 40;
    let mut out = message.to_vec();
    if let Some(key) = key {
        out[at..at + 32].copy_from_slice(&key);
    }
    out[at + 32..at + 36].copy_from_slice(&pn.to_be_bytes());
    out[at + 36..at + 40].copy_from_slice(&n.to_be_bytes());
    out
}

/// A header that claims a huge counter is refused with `TooFarAhead` before
/// any key is derived: 20,000 such headers, each claiming up to 2^32 keys,
/// are refused within the time limit (one would take hours if the keys were
/// derived), the bound is exact, and the session does not change.
#[test]
fn a_huge_counter_is_refused_before_any_work() {
    let mut c = Conversation::new(7, false, None);
    c.send(Who::Alice);
    c.flush();
    c.send(Who::Bob);
    c.flush();
    // Bob is on Alice's new chain, one message in; the probe is its second.
    c.send(Who::Alice);
    c.flush();
    c.send(Who::Alice);
    let probe = c.sent.last().unwrap().bytes.clone();
    let b = c.b.take().unwrap();
    let fresh_key = PrivateKey::<X25519>::generate().public_key().to_array();
    let before = b.to_bytes().to_vec();
    let (done, finished) = mpsc::channel();
    let forged_from = probe.clone();
    std::thread::spawn(move || {
        let mut b = b;
        let mut refusals = 0;
        for i in 0..20_000u32 {
            let claim = u32::MAX - i;
            // On the current chain, then on a new chain (N, then PN).
            for forged in [
                with_counters(&forged_from, None, 0, claim),
                with_counters(&forged_from, Some(fresh_key), 0, claim),
                with_counters(&forged_from, Some(fresh_key), claim, 0),
            ] {
                match b.decrypt(&forged) {
                    Err(Error::TooFarAhead { claimed }) => {
                        assert!(claimed > u64::from(MAX_SKIP));
                        refusals += 1;
                    }
                    other => panic!("{other:?}"),
                }
            }
        }
        done.send((b, refusals)).unwrap();
    });
    let (mut b, refusals) = finished
        .recv_timeout(Duration::from_secs(20))
        .expect("huge counters were not refused quickly");
    assert_eq!(refusals, 60_000);
    assert_eq!(
        b.to_bytes().to_vec(),
        before,
        "a refused header changed the session"
    );
    // The bound is exact: MAX_SKIP + 1 keys ahead of the one received is
    // refused, MAX_SKIP are derived (and the forgery then fails to
    // authenticate).
    let too_far = with_counters(&probe, None, 0, 1 + MAX_SKIP + 1);
    assert!(matches!(
        b.decrypt(&too_far),
        Err(Error::TooFarAhead { claimed }) if claimed == u64::from(MAX_SKIP) + 1
    ));
    let at_bound = with_counters(&probe, None, 0, 1 + MAX_SKIP);
    assert!(matches!(b.decrypt(&at_bound), Err(Error::Tampered)));
    assert_eq!(b.decrypt(&probe).unwrap().counter(), 1);
}

/// Skipped keys are kept for messages not yet received, at most
/// `MAX_SKIPPED_KEYS` of them; past that the oldest are forgotten, and
/// their messages fail as replays.
#[test]
fn the_skipped_key_store_is_bounded() {
    let mut c = Conversation::new(8, false, None);
    let mut first_of_chain = Vec::new();
    for chain in 0..3 {
        let sent: Vec<usize> = (0..=MAX_SKIP)
            .map(|_| c.send(Who::Alice).unwrap())
            .collect();
        first_of_chain.push(sent[0]);
        // Only the last of the chain arrives.
        let last = *sent.last().unwrap();
        c.in_flight.retain(|&id| id != last);
        c.deliver(last);
        assert!(c.deliveries.last().unwrap().result.is_ok());
        let kept = c.b.as_ref().unwrap().skipped_key_count();
        assert_eq!(
            kept,
            ((chain + 1) * MAX_SKIP as usize).min(MAX_SKIPPED_KEYS)
        );
        c.send(Who::Bob);
        let reply = c.sent.len() - 1;
        c.in_flight.retain(|&id| id != reply);
        c.deliver(reply);
    }
    // The first chain's keys were forgotten; the second's are kept.
    let b = c.b.as_mut().unwrap();
    assert!(matches!(
        b.decrypt(&c.sent[first_of_chain[0]].bytes),
        Err(Error::Replay)
    ));
    assert!(b.decrypt(&c.sent[first_of_chain[1]].bytes).is_ok());
    assert!(b.decrypt(&c.sent[first_of_chain[2]].bytes).is_ok());
}

/// Counts the bytes drawn, and can fail.
struct Counting<'r> {
    inner: &'r mut SeededRng,
    drawn: usize,
    fail: bool,
}

impl TryRng for Counting<'_> {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        unreachable!("doormat draws bytes")
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        unreachable!("doormat draws bytes")
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandomFailed> {
        if self.fail {
            return Err(RandomFailed);
        }
        self.drawn += dest.len();
        self.inner.fill_bytes(dest);
        Ok(())
    }
}

impl TryCryptoRng for Counting<'_> {}

/// Sessions replay from a seeded generator byte for byte; each operation
/// draws exactly what FORMAT.md lists; a generator that fails leaves the
/// session as it was.
#[test]
fn the_generator_is_the_only_source_of_randomness() {
    let run = |seed: u8| {
        let mut c = Conversation::new(u64::from(seed), true, None);
        for who in [Who::Alice, Who::Bob, Who::Alice, Who::Alice, Who::Bob] {
            c.send(who);
            c.flush();
        }
        c.sent.iter().map(|s| s.bytes.clone()).collect::<Vec<_>>()
    };
    assert_eq!(run(1), run(1));
    assert_ne!(run(1), run(2));

    let mut seeded = rng(9);
    let (alice, bob) = (
        Identity::generate_with(&mut seeded).unwrap(),
        Identity::generate_with(&mut seeded).unwrap(),
    );
    let mut count = |pq: bool, one_time: usize| {
        let mut counting = Counting {
            inner: &mut seeded,
            drawn: 0,
            fail: false,
        };
        let prekeys = Prekeys::generate_with(&bob, one_time, pq, &mut counting).unwrap();
        let generated = counting.drawn;
        counting.drawn = 0;
        let session = Session::initiate_with(&alice, &prekeys.bundle(), &mut counting).unwrap();
        (generated, counting.drawn, session, prekeys)
    };
    assert_eq!(count(false, 3).0, 32 + 3 * 32);
    assert_eq!(count(true, 2).0, 32 + 32 + 2 * 32);
    assert_eq!(
        count(false, 0).1,
        32 + 32,
        "EKA, then the first ratchet key"
    );
    let (_, drawn, mut a, mut prekeys) = count(true, 0);
    assert_eq!(drawn, 32 + 64 + 32, "EKA, X-Wing's 64, the ratchet key");

    let first = a.encrypt(b"encrypting draws nothing").unwrap();
    let mut counting = Counting {
        inner: &mut seeded,
        drawn: 0,
        fail: false,
    };
    let (mut b, _) = Client::new()
        .rng(&mut counting)
        .respond(&bob, &mut prekeys, &first)
        .unwrap();
    assert_eq!(counting.drawn, 32, "the responder's first step");
    let reply = b.encrypt(b"one step").unwrap();
    let before = a.to_bytes();
    let mut failing = Counting {
        inner: &mut seeded,
        drawn: 0,
        fail: true,
    };
    assert!(matches!(
        Client::new().rng(&mut failing).decrypt(&mut a, &reply),
        Err(Error::RandomFailed)
    ));
    assert_eq!(
        a.to_bytes(),
        before,
        "a failed generator changed the session"
    );
    let mut counting = Counting {
        inner: &mut seeded,
        drawn: 0,
        fail: false,
    };
    Client::new()
        .rng(&mut counting)
        .decrypt(&mut a, &reply)
        .unwrap();
    assert_eq!(counting.drawn, 32, "one DH ratchet step");
    let mut counting = Counting {
        inner: &mut seeded,
        drawn: 0,
        fail: false,
    };
    let more = b.encrypt(b"same chain").unwrap();
    Client::new()
        .rng(&mut counting)
        .decrypt(&mut a, &more)
        .unwrap();
    assert_eq!(counting.drawn, 0, "no step on the same chain");
}

/// A layer that stamps a tag and refuses any other, with its own error.
#[derive(Debug)]
struct Tag(&'static [u8]);

#[derive(Debug, PartialEq)]
struct WrongTag;

impl std::fmt::Display for WrongTag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("wrong tag")
    }
}

impl std::error::Error for WrongTag {}

impl session::Layer for Tag {
    fn extensions(&self, _: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        Ok(vec![(0x5447, self.0.to_vec())])
    }

    fn check(&self, receiving: &Receiving<'_>) -> Result<(), LayerError> {
        match receiving.message().extension(0x5447) {
            Some(tag) if tag == self.0 => Ok(()),
            _ => Err(Box::new(WrongTag)),
        }
    }
}

/// Layers: their records are authenticated, their checks run before
/// anything is released and a refusal changes nothing, their errors come
/// back by type, and the format's limits hold.
#[test]
fn layers_are_bound_checked_first_and_bounded() {
    let mut c = Conversation::new(10, false, None);
    c.send(Who::Alice);
    c.flush();
    let (a, b) = (&mut c.a, c.b.as_mut().unwrap());
    let wire = Client::new()
        .layer(Tag(b"legal"))
        .encrypt(b, b"privileged")
        .unwrap();
    let at = Message::parse(&wire).unwrap().header().len() + 2 + 4;
    let mut changed = wire.clone();
    changed[at] ^= 1;
    assert!(matches!(
        Client::new().decrypt(a, &changed),
        Err(Error::Tampered)
    ));
    let before = a.to_bytes();
    let refused = Client::new()
        .layer(Tag(b"sales"))
        .decrypt(a, &wire)
        .unwrap_err();
    assert_eq!(refused.layer::<WrongTag>(), Some(&WrongTag));
    assert_eq!(a.to_bytes(), before);
    let read = Client::new()
        .layer(Tag(b"legal"))
        .decrypt(a, &wire)
        .unwrap();
    assert_eq!(read.plaintext(), b"privileged");
    // Two records of one type, or over 8 KiB, are refused before anything moves.
    let before = b.to_bytes();
    let twice = Client::new()
        .layer(Tag(b"a"))
        .layer(Tag(b"b"))
        .encrypt(b, b"x");
    assert!(matches!(twice, Err(Error::InvalidArgument(_))));
    let huge = Client::new().layer(Tag(&[0; 8189])).encrypt(b, b"x");
    assert!(matches!(huge, Err(Error::InvalidArgument(_))));
    assert_eq!(b.to_bytes(), before);
    assert!(Client::new()
        .layer(Tag(&[0; 8188]))
        .encrypt(b, b"x")
        .is_ok());
    // A layer that unlocks nothing reads nothing.
    assert!(matches!(
        session::read(&Tag(b"legal"), &wire),
        Err(Error::Tampered)
    ));
}

/// Secrets never appear in `Debug`: not the state's keys, not the
/// prekeys', not a message key; a received plaintext is not printed either.
#[test]
fn debug_shows_no_secrets() {
    let mut c = Conversation::new(11, true, None);
    c.send(Who::Alice);
    c.flush();
    c.send(Who::Bob);
    let b = c.b.as_ref().unwrap();
    let state = b.to_bytes();
    // Offsets of FORMAT.md's state layout (classical peer): AD, DHs, RK, CKs, CKr.
    let secrets = [71..103, 103..135, 168..200, 201..233, 234..266];
    let prekeys = c.prekeys.to_bytes();
    let shown = [
        format!("{b:?}"),
        format!("{:?}", c.a),
        format!("{:?}", c.prekeys),
        format!("{:?}", c.deliveries),
        format!("{:?}", session::MessageKey::from_bytes(&[0xab; 32])),
        format!("{:?}", Client::new().rng(&mut rng(1))),
    ]
    .join("\n");
    for range in secrets {
        assert!(
            !shown.contains(&hex::encode(&state[range.clone()])),
            "{range:?}"
        );
        assert!(!shown.contains(&hex::encode(&state[range.start..range.start + 8])));
    }
    // The prekeys' signed prekey and its X-Wing seed.
    let spk = 5 + 64 + 4 + 4 + 1;
    assert!(!shown.contains(&hex::encode(&prekeys[spk..spk + 32])));
    assert!(!shown.contains("abababab"));
    assert!(!shown.contains("Alice #0"), "a plaintext was printed");
    assert!(shown.contains("[redacted]"));
}

/// Captures the message key and `AD` a layer sees while encrypting.
#[derive(Debug)]
struct Capture(std::cell::RefCell<Option<([u8; 32], [u8; 32])>>);

impl session::Layer for Capture {
    fn extensions(&self, sending: &Sending<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        *self.0.borrow_mut() = Some((*sending.message_key().as_bytes(), *sending.ad()));
        Ok(Vec::new())
    }
}

/// `AD` is FORMAT.md's hash of both identities' fingerprints, and the
/// message's AEAD binds it: the right message key with another pair's `AD`
/// opens nothing.
#[test]
fn associated_data_binds_both_identities() {
    let mut c = Conversation::new(12, false, None);
    c.send(Who::Alice);
    c.flush();
    let capture = Capture(std::cell::RefCell::new(None));
    let b = c.b.as_mut().unwrap();
    let wire = Client::new().layer(&capture).encrypt(b, b"bound").unwrap();
    let (mk, ad) = capture.0.take().unwrap();
    let label = b"doormat/v1 session ad";
    let expected = [
        &label[..],
        c.alice.public().fingerprint().as_bytes(),
        c.bob.public().fingerprint().as_bytes(),
    ]
    .concat();
    assert_eq!(
        ad,
        common::sha256(&expected),
        "AD = SHA-256(label || initiator || responder)"
    );
    let read = session::read(&doormat_attacks::KnownMessageKey { mk, ad }, &wire).unwrap();
    assert_eq!(read.plaintext(), b"bound");
    let carol = Identity::generate();
    for other in [
        [
            &label[..],
            carol.public().fingerprint().as_bytes(),
            c.bob.public().fingerprint().as_bytes(),
        ]
        .concat(),
        [
            &label[..],
            c.bob.public().fingerprint().as_bytes(),
            c.alice.public().fingerprint().as_bytes(),
        ]
        .concat(),
    ] {
        let ad = common::sha256(&other);
        assert!(matches!(
            session::read(&doormat_attacks::KnownMessageKey { mk, ad }, &wire),
            Err(Error::Tampered)
        ));
    }
}
