//! What does a forward-secret session cost, and what does its escrowed twin
//! add? Criterion benchmarks, each beside its baseline in the same run (see
//! "Performance targets" in docs/DESIGN.md and "Benchmarks" in the README).
//!
//! * `session_setup` — X3DH from both sides, and PQXDH, beside the sum of
//!   their primitives: each side's key generations and Diffie-Hellmans and
//!   the one signature verification (the bundle's), computed by the same
//!   X25519 and Ed25519 the session uses.
//! * `session_message` — one 64-byte message, encrypted and decrypted:
//!   on one chain (no DH ratchet step) beside AEAD + the chain KDF, and
//!   with each message turning the ratchet beside one X25519 key generation
//!   + two DHs (what a DH ratchet step adds).
//! * `session_escrow` — the escrowed twin's extra per message: encrypting
//!   (the access field) and decrypting (a compliant client's recompute),
//!   beside one X25519 key generation + DH.
//!
//! Each group also measures its extra time paired (`…+1ms`): the operation
//! and its baseline alternate, each timed on its own, and the signed
//! differences add up, so a shared machine's drifting load cancels instead
//! of swamping the difference (as `escrow_overhead` does in
//! `benches/doormat.rs`). Criterion takes only positive durations, so each
//! iteration reports the difference plus 1 ms: subtract 1 ms to read the
//! extra time.
//!
//! Inputs are built outside the timed closures; nothing here asserts a
//! timing.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::signature::{self, Ed25519KeyPair, KeyPair};
use ring::{hkdf, hmac};

use doormat::escrow::{self, EscrowAuthority};
use doormat::hpke::{PrivateKey, PublicKey, X25519};
use doormat::keys::Identity;
use doormat::session::{Client, PrekeyBundle, Prekeys, Session};

/// A chat message.
const MESSAGE: [u8; 64] = [0x42; 64];
/// Added to every paired difference (see the module's documentation).
const EXTRA_OFFSET: Duration = Duration::from_millis(1);

/// Times `f`.
fn timed<T>(f: impl FnOnce() -> T) -> Duration {
    let start = Instant::now();
    black_box(f());
    start.elapsed()
}

/// `iters` pairs of `base` and `op`, alternating which goes first; each
/// returns its own timed duration. The signed sum of `op - base`, plus
/// [`EXTRA_OFFSET`] per pair.
fn paired(
    iters: u64,
    mut base: impl FnMut() -> Duration,
    mut op: impl FnMut() -> Duration,
) -> Duration {
    let (mut more, mut less) = (Duration::ZERO, Duration::ZERO);
    for i in 0..iters {
        more += EXTRA_OFFSET;
        let (b, o) = if i % 2 == 0 {
            let b = base();
            (b, op())
        } else {
            let o = op();
            (base(), o)
        };
        more += o.saturating_sub(b);
        less += b.saturating_sub(o);
    }
    more.saturating_sub(less)
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

/// `n` X25519 key generations and `m` Diffie-Hellmans.
fn keygens_and_dhs(n: usize, m: usize, peer: &PublicKey<X25519>) {
    let mut last = None;
    for _ in 0..n {
        last = Some(PrivateKey::<X25519>::generate());
        black_box(last.as_ref().map(PrivateKey::public_key));
    }
    let sk = last.unwrap_or_else(PrivateKey::generate);
    for _ in 0..m {
        black_box(sk.dh(peer).expect("honest key"));
    }
}

/// One Ed25519 verification of a prekey-sized message (ring's).
fn verify(pk: &[u8], msg: &[u8], sig: &[u8]) {
    signature::UnparsedPublicKey::new(&signature::ED25519, pk)
        .verify(msg, sig)
        .expect("valid");
}

fn setup(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_setup");
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let peer = PrivateKey::<X25519>::generate().public_key();
    let signer = Ed25519KeyPair::from_seed_unchecked(&[7; 32]).expect("seed");
    let signed = [0u8; 28 + 4 + 32 + 1];
    let sig = signer.sign(&signed);
    let pk = signer.public_key().as_ref().to_vec();
    // Alice: EKA and her ratchet key; DH1..DH4 and the ratchet's first DH;
    // the bundle's signature.
    let initiator_primitives = || {
        timed(|| {
            keygens_and_dhs(2, 5, &peer);
            verify(&pk, &signed, sig.as_ref());
        })
    };
    // Bob: DH1..DH4, then the first DH ratchet step (a keygen, two DHs).
    let responder_primitives = || timed(|| keygens_and_dhs(1, 6, &peer));
    // X3DH, then PQXDH: a bundle (bytes), saved prekeys, a first message.
    let kinds: [(Vec<u8>, _, Vec<u8>); 2] = [false, true].map(|pq| {
        let prekeys = Prekeys::generate(&bob, 1, pq);
        let bundle = prekeys.bundles().remove(0);
        let first = Session::initiate(&alice, &bundle)
            .expect("initiate")
            .encrypt(&MESSAGE)
            .expect("encrypt");
        (bundle.to_bytes(), prekeys.to_bytes(), first)
    });
    let initiate = |kind: usize| {
        timed(|| {
            let bundle = PrekeyBundle::from_bytes(&kinds[kind].0).expect("bundle");
            Session::initiate(&alice, &bundle).expect("initiate")
        })
    };
    // A fresh copy of the prekeys each time (the one-time prekey is
    // consumed); copying them is untimed.
    let respond = |kind: usize| {
        let mut copy = Prekeys::from_bytes(&kinds[kind].1).expect("prekeys");
        timed(|| Session::respond(&bob, &mut copy, &kinds[kind].2).expect("respond"))
    };
    let sum = |iters: u64, f: &dyn Fn() -> Duration| (0..iters).map(|_| f()).sum();
    g.bench_function("primitives_initiator_2keygen_5dh_1verify", |b| {
        b.iter_custom(|iters| sum(iters, &initiator_primitives))
    });
    g.bench_function("primitives_responder_1keygen_6dh", |b| {
        b.iter_custom(|iters| sum(iters, &responder_primitives))
    });
    for (kind, name) in ["x3dh", "pqxdh"].into_iter().enumerate() {
        g.bench_function(format!("{name}_initiate_from_bundle_bytes"), |b| {
            b.iter_custom(|iters| sum(iters, &|| initiate(kind)))
        });
        g.bench_function(format!("{name}_respond"), |b| {
            b.iter_custom(|iters| sum(iters, &|| respond(kind)))
        });
    }
    g.bench_function("x3dh_initiate_extra_over_primitives+1ms", |b| {
        b.iter_custom(|iters| paired(iters, initiator_primitives, || initiate(0)))
    });
    g.bench_function("x3dh_respond_extra_over_primitives+1ms", |b| {
        b.iter_custom(|iters| paired(iters, responder_primitives, || respond(0)))
    });
    // PQXDH against X3DH, paired: the same bundle with an X-Wing prekey.
    g.bench_function("pqxdh_initiate_extra_over_x3dh+1ms", |b| {
        b.iter_custom(|iters| paired(iters, || initiate(0), || initiate(1)))
    });
    g.bench_function("pqxdh_respond_extra_over_x3dh+1ms", |b| {
        b.iter_custom(|iters| paired(iters, || respond(0), || respond(1)))
    });
    g.finish();
}

/// `KDF_CK` as the session computes it: two HMAC-SHA256s.
fn kdf_ck(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let key = hmac::Key::new(hmac::HMAC_SHA256, ck);
    let mut next = [0u8; 32];
    next.copy_from_slice(hmac::sign(&key, &[2]).as_ref());
    let mut mk = [0u8; 32];
    mk.copy_from_slice(hmac::sign(&key, &[1]).as_ref());
    (next, mk)
}

/// The message key's expansion to an AEAD key and nonce.
fn message_key(mk: &[u8; 32]) -> (LessSafeKey, [u8; 12]) {
    struct Len;
    impl hkdf::KeyType for Len {
        fn len(&self) -> usize {
            44
        }
    }
    let mut okm = [0u8; 44];
    hkdf::Salt::new(hkdf::HKDF_SHA256, &[])
        .extract(mk)
        .expand(&[b"doormat/v1 session message"], Len)
        .and_then(|o| o.fill(&mut okm))
        .expect("44 bytes");
    let key = UnboundKey::new(&aead::CHACHA20_POLY1305, &okm[..32]).expect("key");
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(&okm[32..]);
    (LessSafeKey::new(key), nonce)
}

/// One message's primitives, both sides: each steps its chain once and
/// expands the message key; one seal, one open. Returns the next chain key.
fn aead_and_chain_kdf(ck: &[u8; 32]) -> [u8; 32] {
    let (next, mk) = kdf_ck(ck);
    let (key, nonce) = message_key(&mk);
    let mut buf = MESSAGE.to_vec();
    let aad = Aad::from(&[0u8; 80]);
    key.seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), aad, &mut buf)
        .expect("seal");
    let (_, mk) = kdf_ck(ck);
    let (key, nonce) = message_key(&mk);
    let aad = Aad::from(&[0u8; 80]);
    let opened = key
        .open_in_place(Nonce::assume_unique_for_key(nonce), aad, &mut buf)
        .expect("open");
    black_box(opened.len());
    next
}

/// A pair of sessions that have talked once each way.
fn pair(client: impl Fn() -> Client<'static>) -> (Session, Session) {
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let mut prekeys = Prekeys::generate(&bob, 1, false);
    let mut a = client()
        .initiate(&alice, &prekeys.bundles()[0])
        .expect("initiate");
    let first = client().encrypt(&mut a, b"hi").expect("encrypt");
    let (mut b, _) = client()
        .respond(&bob, &mut prekeys, &first)
        .expect("respond");
    let reply = client().encrypt(&mut b, b"hi").expect("encrypt");
    client().decrypt(&mut a, &reply).expect("decrypt");
    (a, b)
}

fn message(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_message");
    g.throughput(Throughput::Elements(1));
    let peer = PrivateKey::<X25519>::generate().public_key();
    let mut ck = [3u8; 32];
    g.bench_function("baseline_aead_and_chain_kdf", |b| {
        b.iter(|| ck = aead_and_chain_kdf(&ck))
    });
    g.bench_function("baseline_x25519_keygen_2dh", |b| {
        b.iter(|| keygens_and_dhs(1, 2, &peer))
    });
    let (mut a, mut b) = pair(Client::new);
    g.bench_function("one_chain_encrypt_decrypt", |bench| {
        bench.iter(|| {
            let wire = a.encrypt(black_box(&MESSAGE)).expect("encrypt");
            b.decrypt(&wire).expect("decrypt").plaintext().len()
        })
    });
    g.bench_function("one_chain_extra_over_aead_and_kdf+1ms", |bench| {
        bench.iter_custom(|iters| {
            paired(
                iters,
                || timed(|| ck = aead_and_chain_kdf(&ck)),
                || {
                    timed(|| {
                        let wire = a.encrypt(&MESSAGE).expect("encrypt");
                        b.decrypt(&wire).expect("decrypt").plaintext().len()
                    })
                },
            )
        })
    });
    // Each message answers the last: every decryption takes a DH step. Bob
    // answers first (Alice's chain is the one just used).
    let mut turn = true;
    g.bench_function("dh_step_encrypt_decrypt", |bench| {
        bench.iter(|| {
            turn = !turn;
            let (from, to) = if turn {
                (&mut a, &mut b)
            } else {
                (&mut b, &mut a)
            };
            let wire = from.encrypt(black_box(&MESSAGE)).expect("encrypt");
            let received = to.decrypt(&wire).expect("decrypt");
            assert!(received.took_dh_step());
            received.plaintext().len()
        })
    });
    // A fresh pair: Alice has just stepped, so she speaks first.
    let (mut a, mut b) = pair(Client::new);
    let mut turn = false;
    g.bench_function("dh_step_extra_over_keygen_2dh+1ms", |bench| {
        bench.iter_custom(|iters| {
            paired(
                iters,
                || timed(|| keygens_and_dhs(1, 2, &peer)),
                || {
                    turn = !turn;
                    let (from, to) = if turn {
                        (&mut a, &mut b)
                    } else {
                        (&mut b, &mut a)
                    };
                    timed(|| {
                        let wire = from.encrypt(&MESSAGE).expect("encrypt");
                        assert!(to.decrypt(&wire).expect("decrypt").took_dh_step());
                    })
                },
            )
        })
    });
    g.finish();
}

fn escrow_extra(c: &mut Criterion) {
    let mut g = c.benchmark_group("session_escrow");
    g.throughput(Throughput::Elements(1));
    let peer = PrivateKey::<X25519>::generate().public_key();
    g.bench_function("baseline_x25519_keygen_dh", |b| {
        b.iter(|| keygens_and_dhs(1, 1, &peer))
    });
    let authority = EscrowAuthority::generate();
    let key = authority.public_key();
    let escrowed = || escrow::session_client(&key);
    for (name, make) in [
        ("clean", &Client::new as &dyn Fn() -> Client<'static>),
        ("escrowed", &escrowed),
    ] {
        let (mut a, _) = pair(make);
        g.bench_function(format!("{name}_encrypt"), |bench| {
            bench.iter(|| {
                make()
                    .encrypt(&mut a, black_box(&MESSAGE))
                    .expect("encrypt")
            })
        });
        // A pair of its own: the receiver must stay within MAX_SKIP.
        let (mut a, mut b) = pair(make);
        g.bench_function(format!("{name}_decrypt"), |bench| {
            bench.iter_custom(|iters| {
                let wires: Vec<_> = (0..iters)
                    .map(|_| make().encrypt(&mut a, &MESSAGE).expect("encrypt"))
                    .collect();
                let start = Instant::now();
                for wire in &wires {
                    black_box(make().decrypt(&mut b, wire).expect("decrypt"));
                }
                start.elapsed()
            })
        });
    }
    // Paired: clean and escrowed alternate, message by message.
    let (mut clean_a, _) = pair(Client::new);
    let (mut escrowed_a, _) = pair(escrowed);
    g.bench_function("escrowed_encrypt_extra+1ms", |bench| {
        bench.iter_custom(|iters| {
            paired(
                iters,
                || {
                    timed(|| {
                        Client::new()
                            .encrypt(&mut clean_a, &MESSAGE)
                            .expect("encrypt")
                    })
                },
                || {
                    timed(|| {
                        escrowed()
                            .encrypt(&mut escrowed_a, &MESSAGE)
                            .expect("encrypt")
                    })
                },
            )
        })
    });
    let (mut clean_a, mut clean_b) = pair(Client::new);
    let (mut escrowed_a, mut escrowed_b) = pair(escrowed);
    g.bench_function("escrowed_decrypt_extra+1ms", |bench| {
        bench.iter_custom(|iters| {
            let clean: Vec<_> = (0..iters)
                .map(|_| clean_a.encrypt(&MESSAGE).expect("encrypt"))
                .collect();
            let with_field: Vec<_> = (0..iters)
                .map(|_| {
                    escrowed()
                        .encrypt(&mut escrowed_a, &MESSAGE)
                        .expect("encrypt")
                })
                .collect();
            let (mut i, mut j) = (0, 0);
            paired(
                iters,
                || {
                    i += 1;
                    timed(|| {
                        Client::new()
                            .decrypt(&mut clean_b, &clean[i - 1])
                            .expect("decrypt")
                    })
                },
                || {
                    j += 1;
                    timed(|| {
                        escrowed()
                            .decrypt(&mut escrowed_b, &with_field[j - 1])
                            .expect("decrypt")
                    })
                },
            )
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = setup, message, escrow_extra
}
criterion_main!(benches);
