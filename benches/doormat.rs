//! What does doormat cost, and what does escrow add? Criterion benchmarks,
//! one group per question (see "Performance targets" in docs/DESIGN.md):
//!
//! * `baselines` — the primitives everything else is measured against: raw
//!   single-core ring AEAD, X25519 keygen and DH, Ed25519 sign.
//! * `bulk` — 16 MiB envelopes, in memory (all cores with the default
//!   `parallel` feature) and streamed to `io::sink()` (one core).
//! * `small_seal` — a 1 KiB, one-recipient, signed envelope beside the sum
//!   of its primitives, measured in the same run.
//! * `escrow_overhead` — escrowed vs clean envelopes, sealing and opening.
//! * `escrow_bulk_decryption` — the authority opening an archive of small
//!   envelopes: envelopes per second, sequential and on all cores.
//!
//! Every input (keys, plaintexts, envelopes) is built outside the timed
//! closure. Measurement is kept short so `cargo bench` finishes in a few
//! minutes on two cores; for steadier numbers pass e.g.
//! `cargo bench --bench doormat -- --measurement-time 10 --sample-size 30`.
//! These are measurements, not tests: nothing here asserts a timing.

use std::hint::black_box;
use std::io;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};
use ring::aead::{self, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::signature::Ed25519KeyPair;

use doormat::e2e::{self, PayloadCipher};
use doormat::escrow::{self, EscrowAuthority};
use doormat::hpke::PrivateKey;
use doormat::keys::Identity;
use doormat::random::{RngCore, SystemRng};

/// The bulk size of docs/DESIGN.md: large enough that per-envelope costs (HPKE,
/// signature) vanish and chunk throughput is what is measured.
const BULK: usize = 16 << 20;
/// A typical chat message or small record.
const SMALL: usize = 1 << 10;
/// Where the escrow overhead should have become negligible.
const MEDIUM: usize = 1 << 20;
/// What the envelope signs: a 21-byte label and four SHA-256 hashes
/// (`SIGNATURE_LABEL || H(header) || H(aad) || H(sender block) || payload
/// digest`), so the baseline signs a message of the same length.
const SIGNED_MESSAGE_LEN: usize = 21 + 4 * 32;
/// Envelopes in the escrow archive; with 1 KiB each, one bench iteration
/// stays in the tens of milliseconds.
const ARCHIVE_LEN: usize = 200;

const CIPHERS: [(PayloadCipher, &str); 2] = [
    (PayloadCipher::ChaCha20Poly1305, "chacha20poly1305"),
    (PayloadCipher::Aes256Gcm, "aes256gcm"),
];

fn random_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SystemRng.fill_bytes(&mut v);
    v
}

fn size_label(len: usize) -> String {
    match len {
        l if l >= 1 << 20 => format!("{}MiB", l >> 20),
        l if l >= 1 << 10 => format!("{}KiB", l >> 10),
        l => format!("{l}B"),
    }
}

fn ring_aead(cipher: PayloadCipher) -> &'static aead::Algorithm {
    match cipher {
        PayloadCipher::ChaCha20Poly1305 => &aead::CHACHA20_POLY1305,
        PayloadCipher::Aes256Gcm => &aead::AES_256_GCM,
    }
}

fn ring_key(cipher: PayloadCipher) -> LessSafeKey {
    let alg = ring_aead(cipher);
    let key = random_bytes(alg.key_len());
    LessSafeKey::new(UnboundKey::new(alg, &key).expect("key length matches"))
}

/// One raw AEAD seal in place: what a single core can do with no framing.
/// The fixed nonce is fine for a benchmark and nothing else.
fn raw_seal(key: &LessSafeKey, buf: &mut [u8]) -> aead::Tag {
    key.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key([0u8; aead::NONCE_LEN]),
        Aad::empty(),
        buf,
    )
    .expect("within the AEAD's length limit")
}

fn short_config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
}

/// The primitives, each on its own: the denominators of every ratio.
fn baselines(c: &mut Criterion) {
    let mut g = c.benchmark_group("baselines");
    for len in [BULK, SMALL] {
        g.throughput(Throughput::Bytes(len as u64));
        for (cipher, name) in CIPHERS {
            let key = ring_key(cipher);
            let mut buf = random_bytes(len);
            g.bench_function(
                BenchmarkId::new(format!("ring_{name}_seal"), size_label(len)),
                |b| b.iter(|| raw_seal(&key, black_box(&mut buf))),
            );
        }
    }

    // The envelope's signature covers a SHA-256 of every plaintext chunk (a
    // recipient knows the content key, and Poly1305 or GHASH under a known key
    // do not bind a chunk), so bulk throughput is bounded by AEAD and hash
    // together: this line is the second denominator of `bulk`.
    g.throughput(Throughput::Bytes(BULK as u64));
    let data = random_bytes(BULK);
    g.bench_function(BenchmarkId::new("ring_sha256", size_label(BULK)), |b| {
        b.iter(|| ring::digest::digest(&ring::digest::SHA256, black_box(&data)))
    });

    // What all cores give to the same work, split into the envelope's 64 KiB
    // chunks: raw AEAD alone, and AEAD plus the per-chunk SHA-256 the
    // envelope's signature needs. The machine's parallel ceiling, measured
    // rather than assumed.
    #[cfg(feature = "parallel")]
    for (cipher, name) in CIPHERS {
        use rayon::prelude::*;
        let key = ring_key(cipher);
        let mut buf = random_bytes(BULK);
        let chunk = e2e::DEFAULT_CHUNK_SIZE as usize;
        g.bench_function(
            BenchmarkId::new(format!("ring_{name}_seal_all_cores"), size_label(BULK)),
            |b| {
                b.iter(|| {
                    buf.par_chunks_mut(chunk)
                        .map(|c| raw_seal(&key, c))
                        .collect::<Vec<_>>()
                })
            },
        );
        g.bench_function(
            BenchmarkId::new(
                format!("ring_{name}_seal+sha256_all_cores"),
                size_label(BULK),
            ),
            |b| {
                b.iter(|| {
                    buf.par_chunks_mut(chunk)
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
    }

    g.throughput(Throughput::Elements(1));
    g.bench_function("x25519_keygen", |b| {
        b.iter(|| {
            let sk = PrivateKey::generate();
            black_box(sk.public_key())
        })
    });
    let sk = PrivateKey::generate();
    let pk_peer = PrivateKey::generate().public_key();
    g.bench_function("x25519_dh", |b| {
        b.iter(|| sk.dh(black_box(&pk_peer)).expect("honest key"))
    });
    let signer = Ed25519KeyPair::from_seed_unchecked(&random_bytes(32)).expect("32-byte seed");
    let msg = random_bytes(SIGNED_MESSAGE_LEN);
    g.bench_function(format!("ed25519_sign_{SIGNED_MESSAGE_LEN}B"), |b| {
        b.iter(|| signer.sign(black_box(&msg)))
    });
    g.finish();
}

/// How close does a 16 MiB envelope get to raw AEAD speed?
fn bulk(c: &mut Criterion) {
    let mut g = c.benchmark_group("bulk");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(BULK as u64));
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to_bob = [bob.public()];
    let plaintext = random_bytes(BULK);
    for (cipher, name) in CIPHERS {
        let sealer = e2e::Sealer::new(&alice, &to_bob).cipher(cipher);
        let envelope = sealer.seal(&plaintext).expect("seal");
        let opener = e2e::Opener::new(&bob);

        g.bench_function(BenchmarkId::new("e2e_seal", name), |b| {
            b.iter(|| sealer.seal(black_box(&plaintext)).expect("seal"))
        });
        g.bench_function(BenchmarkId::new("e2e_open", name), |b| {
            b.iter(|| opener.open(black_box(&envelope)).expect("open"))
        });
        g.bench_function(BenchmarkId::new("e2e_seal_stream", name), |b| {
            b.iter(|| {
                sealer
                    .seal_stream(black_box(&plaintext[..]), io::sink())
                    .expect("seal_stream")
            })
        });
        g.bench_function(BenchmarkId::new("e2e_open_stream", name), |b| {
            b.iter(|| {
                opener
                    .open_stream(black_box(&envelope[..]), io::sink())
                    .expect("open_stream")
            })
        });
    }
    g.finish();
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

    // Exactly the four operations the target names, nothing else: one
    // ephemeral X25519 keygen, one DH with the recipient's key, one Ed25519
    // signature of the envelope's signed-message length, one ChaCha20-Poly1305
    // seal of 1 KiB (the default payload cipher).
    let pk_recip = *bob.public().encryption_key().x25519().expect("classical");
    let signer = Ed25519KeyPair::from_seed_unchecked(&random_bytes(32)).expect("32-byte seed");
    let msg = random_bytes(SIGNED_MESSAGE_LEN);
    let key = ring_key(PayloadCipher::ChaCha20Poly1305);
    let mut buf = random_bytes(SMALL);
    g.bench_function("sum_of_primitives", |b| {
        b.iter(|| {
            let sk_eph = PrivateKey::generate();
            let enc = sk_eph.public_key();
            let shared = sk_eph.dh(black_box(&pk_recip)).expect("honest key");
            let sig = signer.sign(black_box(&msg));
            let tag = raw_seal(&key, black_box(&mut buf));
            black_box((enc, shared, sig, tag))
        })
    });
    g.finish();
}

/// What does escrow add to sealing, and what does the authority pay to open?
fn escrow_overhead(c: &mut Criterion) {
    let mut g = c.benchmark_group("escrow_overhead");
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to_bob = [bob.public()];
    for len in [SMALL, MEDIUM] {
        let plaintext = random_bytes(len);
        let size = size_label(len);
        g.throughput(Throughput::Bytes(len as u64));
        g.bench_function(BenchmarkId::new("e2e_seal", &size), |b| {
            b.iter(|| e2e::seal(&alice, &to_bob, black_box(&plaintext)).expect("seal"))
        });
        g.bench_function(BenchmarkId::new("escrow_seal", &size), |b| {
            b.iter(|| {
                escrow::seal(&alice, &to_bob, &escrow_key, black_box(&plaintext)).expect("seal")
            })
        });
    }

    let plaintext = random_bytes(SMALL);
    let clean = e2e::seal(&alice, &to_bob, &plaintext).expect("seal");
    let escrowed = escrow::seal(&alice, &to_bob, &escrow_key, &plaintext).expect("seal");
    g.throughput(Throughput::Bytes(SMALL as u64));
    g.bench_function(BenchmarkId::new("e2e_open_recipient", "1KiB"), |b| {
        b.iter(|| e2e::open(&bob, black_box(&clean)).expect("open"))
    });
    g.bench_function(BenchmarkId::new("escrow_open_authority", "1KiB"), |b| {
        b.iter(|| authority.open(black_box(&escrowed)).expect("open"))
    });
    // The compliant recipient recomputes the access field before releasing
    // anything: that is what compliance costs the user.
    g.bench_function(
        BenchmarkId::new("escrow_open_recipient_compliant", "1KiB"),
        |b| b.iter(|| escrow::open(&bob, &escrow_key, black_box(&escrowed)).expect("open")),
    );
    g.finish();
}

/// How fast does one stolen (or legitimate) escrow key read an archive?
fn escrow_bulk_decryption(c: &mut Criterion) {
    let mut g = c.benchmark_group("escrow_bulk_decryption");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Elements(ARCHIVE_LEN as u64));
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    // Twenty users writing to each other: varied senders and recipients.
    let users: Vec<Identity> = (0..20).map(|_| Identity::generate()).collect();
    let archive: Vec<Vec<u8>> = (0..ARCHIVE_LEN)
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

    g.bench_function(BenchmarkId::new("sequential", &label), |b| {
        b.iter(|| archive.iter().map(open_len).sum::<usize>())
    });
    #[cfg(feature = "parallel")]
    g.bench_function(BenchmarkId::new("parallel_rayon", &label), |b| {
        use rayon::prelude::*;
        b.iter(|| archive.par_iter().map(open_len).sum::<usize>())
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = short_config();
    targets = baselines, bulk, small_seal, escrow_overhead, escrow_bulk_decryption
}
criterion_main!(benches);
