//! What does doormat cost, and what does escrow add? Criterion benchmarks,
//! one group per question (see "Performance targets" in docs/DESIGN.md and
//! "Benchmarks" in the README). The peers (age, rust-hpke) are measured in
//! `peers/benches/peers.rs`, their own workspace member.
//!
//! * `baselines` — the ceilings every ratio is taken against, measured in
//!   the same run: raw ring AEAD on one core and on all cores, BLAKE3 alone,
//!   "AEAD + BLAKE3 per 64 KiB chunk" on one core and all cores (a co-recipient
//!   knows the content key, so the signature must cover a hash of every
//!   chunk: this is the fastest an envelope can be), the key agreements, one
//!   HPKE stanza, and the Ed25519 signature.
//! * `stanza` — what one recipient costs: doormat's X25519 HPKE stanza
//!   (x25519-dalek 3, drawn through the generator) beside the two X25519s it
//!   could use, ring's ephemeral key agreement (the path before the KEM seam)
//!   and x25519-dalek 3's; the difference of the two is what the one X25519
//!   path costs or saves per stanza.
//! * `bulk` — 16 MiB and 256 MiB envelopes, both ciphers: in memory into a
//!   fresh buffer (`seal`, `open`) and into a reused one (`seal_into`,
//!   `open_into`), and streamed from a slice to `io::sink()`; each set right
//!   after its ceiling ("AEAD + BLAKE3 per chunk" on all cores, same size).
//! * `small_seal` — a 1 KiB, one-recipient, signed envelope beside the sum
//!   of its primitives.
//! * `escrow_overhead` — the extra time of an escrowed seal over a clean
//!   one, measured paired, 0 B to 16 MiB, 1, 8 and 64 recipients, beside
//!   one x25519-dalek key generation + DH (what the access field adds):
//!   escrow costs a fixed amount per envelope.
//! * `authority_archive` — the authority opening 10,000 escrowed 1 KiB
//!   envelopes, on one core and on all cores.
//!
//! Every input (keys, plaintexts, envelopes) is built outside the timed
//! closure. Measurement is kept short so `cargo bench` finishes in minutes
//! on two cores; pass e.g. `-- --measurement-time 10` for steadier numbers.
//! These are measurements, not tests: nothing here asserts a timing.

use std::hint::black_box;
use std::io;
use std::time::{Duration, Instant};

use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use rayon::prelude::*;
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::agreement;
use ring::rand::SystemRandom;
use ring::signature::Ed25519KeyPair;

use doormat::e2e::{self, PayloadCipher, DEFAULT_CHUNK_SIZE};
use doormat::escrow::{self, EscrowAuthority};
use doormat::hpke::{self, Aead, Kdf, PrivateKey, PublicKey, SenderMode, Suite, X25519};
use doormat::keys::{EncryptionKey, Identity};
use doormat::random::{SystemRng, TryRng};

/// The in-memory size of the targets: large enough that per-envelope costs
/// (HPKE, signatures) vanish and chunk throughput is what is measured.
const BULK: usize = 16 << 20;
/// Where streaming's bounded memory matters: 16 times the in-memory size.
const HUGE: usize = 256 << 20;
/// A typical chat message or small record.
const SMALL: usize = 1 << 10;
/// The envelope's chunk.
const CHUNK: usize = DEFAULT_CHUNK_SIZE as usize;
/// What the envelope signs: a 21-byte label and four 32-byte hashes.
const SIGNED_MESSAGE_LEN: usize = 21 + 4 * 32;
/// Idle time before each seal in `escrow_overhead`, untimed (see there).
const SETTLE: Duration = Duration::from_millis(1);
/// Added to every paired difference in `escrow_overhead` (see there).
const EXTRA_OFFSET: Duration = Duration::from_millis(1);
/// Envelopes in the authority's archive.
const ARCHIVE_LEN: usize = 10_000;

const CIPHERS: [(PayloadCipher, &str); 2] = [
    (PayloadCipher::ChaCha20Poly1305, "chacha20poly1305"),
    (PayloadCipher::Aes256Gcm, "aes256gcm"),
];

fn random_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SystemRng
        .try_fill_bytes(&mut v)
        .expect("the operating system's generator");
    v
}

fn size_label(len: usize) -> String {
    match len {
        l if l >= 1 << 20 => format!("{}MiB", l >> 20),
        l if l >= 1 << 10 => format!("{}KiB", l >> 10),
        l => format!("{l}B"),
    }
}

fn ring_key(cipher: PayloadCipher) -> LessSafeKey {
    let alg = match cipher {
        PayloadCipher::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        PayloadCipher::Aes256Gcm => &aead::AES_256_GCM,
    };
    let key = random_bytes(alg.key_len());
    LessSafeKey::new(UnboundKey::new(alg, &key).expect("key length matches"))
}

/// One raw AEAD seal in place. The fixed nonce is fine for a benchmark and
/// nothing else.
fn raw_seal(key: &LessSafeKey, buf: &mut [u8]) -> aead::Tag {
    key.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key([0u8; aead::NONCE_LEN]),
        Aad::empty(),
        buf,
    )
    .expect("within the AEAD's length limit")
}

/// The envelope's chunk hash, computed the way the envelope does.
fn blake3_chunk(chunk: &[u8]) -> blake3::Hash {
    blake3::Hasher::new_derive_key("doormat/v1 chunk hash")
        .update(chunk)
        .finalize()
}

/// One ring X25519 ephemeral key generation and DH: what a stanza's X25519
/// cost with the operating system's generator before the KEM seam.
fn ring_keygen_dh(rng: &SystemRandom, pk_peer: &[u8; 32]) -> [u8; 32] {
    let sk = agreement::EphemeralPrivateKey::generate(&agreement::X25519, rng).expect("rng");
    let enc = sk.compute_public_key().expect("public key");
    black_box(enc.as_ref());
    agreement::agree_ephemeral(
        sk,
        &agreement::UnparsedPublicKey::new(&agreement::X25519, pk_peer),
        |dh| <[u8; 32]>::try_from(dh).expect("32 bytes"),
    )
    .expect("honest key")
}

/// One x25519-dalek key generation and DH: what a stanza's X25519 costs,
/// and what the access field adds.
fn dalek_keygen_dh(pk_peer: &PublicKey<X25519>) -> [u8; 32] {
    let sk = PrivateKey::<X25519>::generate();
    black_box(sk.public_key());
    *sk.dh(pk_peer).expect("honest key")
}

/// A classical identity's X25519 key.
fn x25519_key(identity: &Identity) -> PublicKey<X25519> {
    match identity.public().encryption_key() {
        EncryptionKey::X25519(pk) => pk.clone(),
        EncryptionKey::XWing(_) => unreachable!("Identity::generate is classical"),
    }
}

fn short_config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// The ceilings and primitives: the denominators of every ratio.
fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baselines");
    g.throughput(Throughput::Bytes(BULK as u64));
    let size = size_label(BULK);
    let mut buf = random_bytes(BULK);
    for (cipher, name) in CIPHERS {
        let key = ring_key(cipher);
        g.bench_function(BenchmarkId::new(format!("{name}_one_core"), &size), |b| {
            b.iter(|| {
                buf.chunks_mut(CHUNK)
                    .map(|c| raw_seal(&key, c))
                    .collect::<Vec<_>>()
            })
        });
        g.bench_function(BenchmarkId::new(format!("{name}_all_cores"), &size), |b| {
            b.iter(|| {
                buf.par_chunks_mut(CHUNK)
                    .map(|c| raw_seal(&key, c))
                    .collect::<Vec<_>>()
            })
        });
        // Hash then seal, chunk by chunk, as the envelope does.
        g.bench_function(
            BenchmarkId::new(format!("{name}+blake3_one_core"), &size),
            |b| {
                b.iter(|| {
                    buf.chunks_mut(CHUNK)
                        .map(|c| (blake3_chunk(c), raw_seal(&key, c)))
                        .collect::<Vec<_>>()
                })
            },
        );
        g.bench_function(
            BenchmarkId::new(format!("{name}+blake3_all_cores"), &size),
            |b| {
                b.iter(|| {
                    buf.par_chunks_mut(CHUNK)
                        .map(|c| (blake3_chunk(c), raw_seal(&key, c)))
                        .collect::<Vec<_>>()
                })
            },
        );
    }
    // The ceiling before BLAKE3: the same with the SHA-256 digest.
    let key = ring_key(PayloadCipher::ChaCha20Poly1305);
    g.bench_function(
        BenchmarkId::new("chacha20poly1305+sha256_one_core", &size),
        |b| {
            b.iter(|| {
                buf.chunks_mut(CHUNK)
                    .map(|c| {
                        (
                            ring::digest::digest(&ring::digest::SHA256, c),
                            raw_seal(&key, c),
                        )
                    })
                    .collect::<Vec<_>>()
            })
        },
    );
    g.bench_function(BenchmarkId::new("blake3_one_core", &size), |b| {
        b.iter(|| buf.chunks(CHUNK).map(blake3_chunk).collect::<Vec<_>>())
    });
    // The digest before BLAKE3, for comparison.
    g.bench_function(BenchmarkId::new("sha256_one_core", &size), |b| {
        b.iter(|| {
            buf.chunks(CHUNK)
                .map(|c| ring::digest::digest(&ring::digest::SHA256, c))
                .collect::<Vec<_>>()
        })
    });

    g.throughput(Throughput::Elements(1));
    let pk_peer = PrivateKey::<X25519>::generate().public_key();
    g.bench_function("x25519_dalek_keygen+dh", |b| {
        b.iter(|| dalek_keygen_dh(black_box(&pk_peer)))
    });
    let signer = Ed25519KeyPair::from_seed_unchecked(&random_bytes(32)).expect("32-byte seed");
    let msg = random_bytes(SIGNED_MESSAGE_LEN);
    g.bench_function(format!("ed25519_sign_{SIGNED_MESSAGE_LEN}B"), |b| {
        b.iter(|| signer.sign(black_box(&msg)))
    });
    g.finish();
}

/// What one recipient costs: the stanza, and the X25519s it is made of.
///
/// Before the KEM seam, a stanza sealed with the operating system's
/// generator took its ephemeral key from ring, and a seeded one from
/// x25519-dalek 2; now every stanza draws 32 bytes through the generator
/// and uses x25519-dalek 3. The two key agreements are measured here in the
/// same run: `stanza` minus the dalek row plus the ring row is what the
/// stanza cost on ring's path.
fn stanza(c: &mut Criterion) {
    let mut g = c.benchmark_group("stanza");
    g.throughput(Throughput::Elements(1));
    let rng = SystemRandom::new();
    let pk_peer = PrivateKey::<X25519>::generate().public_key();
    let peer_bytes: [u8; 32] = pk_peer.to_array();
    g.bench_function("x25519_ring_keygen+dh", |b| {
        b.iter(|| ring_keygen_dh(&rng, black_box(&peer_bytes)))
    });
    g.bench_function("x25519_dalek3_keygen+dh", |b| {
        b.iter(|| dalek_keygen_dh(black_box(&pk_peer)))
    });
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let info = b"doormat/v1 stanza\x00\x03";
    let content_key = random_bytes(32);
    g.bench_function("hpke_seal_32B_x25519", |b| {
        b.iter(|| {
            hpke::seal(
                suite,
                &SenderMode::Base,
                &pk_peer,
                info,
                b"",
                black_box(&content_key),
                &mut SystemRng,
            )
            .expect("seal")
        })
    });
    g.finish();
}

/// How close does an envelope get to the ceilings, in memory and streamed?
fn bulk(c: &mut Criterion) {
    let mut g = c.benchmark_group("bulk");
    g.sampling_mode(SamplingMode::Flat);
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to_bob = [bob.public()];
    for len in [BULK, HUGE] {
        g.throughput(Throughput::Bytes(len as u64));
        let plaintext = random_bytes(len);
        for (cipher, name) in CIPHERS {
            bulk_one(&mut g, &alice, &to_bob, &bob, &plaintext, cipher, name);
        }
    }
    g.finish();
}

fn bulk_one(
    g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>,
    alice: &Identity,
    to_bob: &[doormat::keys::PublicIdentity],
    bob: &Identity,
    plaintext: &[u8],
    cipher: PayloadCipher,
    name: &str,
) {
    let size = size_label(plaintext.len());
    let id = |op: &str| BenchmarkId::new(format!("{op}_{name}"), &size);
    // The ceiling again, right before the envelopes it bounds, so a ratio
    // within this group compares measurements minutes apart at most.
    let key = ring_key(cipher);
    let mut buf = plaintext.to_vec();
    g.bench_function(id("ceiling"), |b| {
        b.iter(|| {
            buf.par_chunks_mut(CHUNK)
                .map(|c| (blake3_chunk(c), raw_seal(&key, c)))
                .collect::<Vec<_>>()
        })
    });
    drop(buf);
    let sealer = e2e::Sealer::new(alice, to_bob).cipher(cipher);
    let opener = e2e::Opener::new(bob);
    let envelope = sealer.seal(plaintext).expect("seal");
    g.bench_function(id("seal"), |b| {
        b.iter(|| sealer.seal(black_box(plaintext)).expect("seal"))
    });
    let mut reused = envelope.clone();
    g.bench_function(id("seal_into"), |b| {
        b.iter(|| sealer.seal_into(black_box(plaintext), &mut reused))
    });
    g.bench_function(id("open"), |b| {
        b.iter(|| opener.open(black_box(&envelope)).expect("open"))
    });
    let mut reused = plaintext.to_vec();
    g.bench_function(id("open_into"), |b| {
        b.iter(|| opener.open_into(black_box(&envelope), &mut reused))
    });
    g.bench_function(id("seal_stream"), |b| {
        b.iter(|| sealer.seal_stream(black_box(plaintext), io::sink()))
    });
    g.bench_function(id("open_stream"), |b| {
        b.iter(|| opener.open_stream(black_box(&envelope[..]), io::sink()))
    });
}

/// Is a small envelope close to the sum of its primitives?
fn small_seal(c: &mut Criterion) {
    let mut g = c.benchmark_group("small_seal");
    g.throughput(Throughput::Elements(1));
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to_bob = [bob.public()];
    let plaintext = random_bytes(SMALL);
    g.bench_function("e2e_seal_1KiB_1_recipient", |b| {
        b.iter(|| e2e::seal(&alice, &to_bob, black_box(&plaintext)).expect("seal"))
    });
    // The primitives an envelope cannot do without, nothing else: one
    // ephemeral X25519 key generation and DH (x25519-dalek 3's, as the
    // envelope's stanza uses), one Ed25519 signature of the
    // signed message's length, one ChaCha20-Poly1305 seal and one BLAKE3
    // hash of 1 KiB.
    let pk_recip = x25519_key(&bob);
    let signer = Ed25519KeyPair::from_seed_unchecked(&random_bytes(32)).expect("32-byte seed");
    let msg = random_bytes(SIGNED_MESSAGE_LEN);
    let key = ring_key(PayloadCipher::ChaCha20Poly1305);
    let mut buf = random_bytes(SMALL);
    g.bench_function("sum_of_primitives", |b| {
        b.iter(|| {
            let shared = dalek_keygen_dh(black_box(&pk_recip));
            let sig = signer.sign(black_box(&msg));
            let hash = blake3_chunk(black_box(&buf));
            let tag = raw_seal(&key, black_box(&mut buf));
            black_box((shared, sig, hash, tag))
        })
    });
    g.finish();
}

/// What does escrow add to sealing? A fixed cost per envelope, beside one
/// x25519-dalek key generation + DH measured in the same group.
///
/// The extra time is measured paired: each iteration seals the same
/// plaintext clean and escrowed, alternating which goes first, and adds up
/// the signed differences, so drift in the machine's load cancels instead of
/// swamping a 50 µs difference in a 6 ms seal. Criterion only takes
/// positive durations, and clamping noise at zero would bias the mean
/// upwards, so each iteration reports the difference plus [`EXTRA_OFFSET`]:
/// subtract 1 ms from `escrow_extra+1ms` to read the extra time.
fn escrow_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("escrow_overhead");
    g.throughput(Throughput::Elements(1));
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    let alice = Identity::generate();
    let pk_peer = PrivateKey::generate().public_key();
    g.bench_function("x25519_dalek_keygen+dh", |b| {
        b.iter(|| dalek_keygen_dh(black_box(&pk_peer)))
    });
    let everyone: Vec<Identity> = (0..64).map(|_| Identity::generate()).collect();
    let publics: Vec<_> = everyone.iter().map(Identity::public).collect();
    for len in [0, SMALL, 64 << 10, 1 << 20, BULK] {
        let plaintext = random_bytes(len);
        // Large seals vary by more than the difference: sample them longer.
        g.measurement_time(Duration::from_secs(if len >= 1 << 20 { 6 } else { 2 }));
        for n in [1, 8, 64] {
            let to = &publics[..n];
            // Into reused buffers, so fresh pages add no noise either.
            let (mut clean, mut escrowed) = (Vec::new(), Vec::new());
            let e2e_sealer = e2e::Sealer::new(&alice, to);
            let escrow_sealer = escrow::sealer(&alice, to, &escrow_key);
            let timed = |sealer: &e2e::Sealer<'_>, out: &mut Vec<u8>| {
                // Both seals start with the pool's threads asleep, as a seal
                // that is not one of a burst does: a seal right after
                // another finds them still spinning, and only the quicker
                // one of a pair would get that head start.
                std::thread::sleep(SETTLE);
                let start = Instant::now();
                sealer.seal_into(black_box(&plaintext), out).expect("seal");
                start.elapsed()
            };
            let id = BenchmarkId::new("escrow_extra+1ms", format!("{}/{n}", size_label(len)));
            g.bench_function(id, |b| {
                b.iter_custom(|iters| {
                    let (mut more, mut less) = (Duration::ZERO, Duration::ZERO);
                    for i in 0..iters {
                        more += EXTRA_OFFSET;
                        let (clean_time, escrow_time) = if i % 2 == 0 {
                            let t = timed(&e2e_sealer, &mut clean);
                            (t, timed(&escrow_sealer, &mut escrowed))
                        } else {
                            let t = timed(&escrow_sealer, &mut escrowed);
                            (timed(&e2e_sealer, &mut clean), t)
                        };
                        more += escrow_time.saturating_sub(clean_time);
                        less += clean_time.saturating_sub(escrow_time);
                    }
                    more.saturating_sub(less)
                })
            });
        }
    }
    g.finish();
}

/// How fast does one escrow key (legitimate or stolen) read an archive?
fn authority_archive(c: &mut Criterion) {
    let mut g = c.benchmark_group("authority_archive");
    g.sampling_mode(SamplingMode::Flat);
    g.sample_size(10);
    g.warm_up_time(Duration::from_millis(100));
    g.throughput(Throughput::Elements(ARCHIVE_LEN as u64));
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    // Twenty users writing to each other: varied senders and recipients.
    let users: Vec<Identity> = (0..20).map(|_| Identity::generate()).collect();
    let archive: Vec<Vec<u8>> = (0..ARCHIVE_LEN)
        .into_par_iter()
        .map(|i| {
            let sender = &users[i % users.len()];
            let recipient = [users[(i * 7 + 1) % users.len()].public()];
            escrow::seal(sender, &recipient, &escrow_key, &random_bytes(SMALL)).expect("seal")
        })
        .collect();
    let label = format!("{ARCHIVE_LEN}x1KiB");
    let open_len = |env: &Vec<u8>| {
        authority
            .open(black_box(env))
            .expect("open")
            .plaintext()
            .len()
    };
    g.bench_function(BenchmarkId::new("one_core", &label), |b| {
        b.iter(|| archive.iter().map(open_len).sum::<usize>())
    });
    g.bench_function(BenchmarkId::new("all_cores", &label), |b| {
        b.iter(|| archive.par_iter().map(open_len).sum::<usize>())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = short_config();
    targets = baselines, stanza, bulk, small_seal, escrow_overhead, authority_archive
}
criterion_main!(benches);
