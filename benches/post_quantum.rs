//! What do post-quantum keys cost? X-Wing beside X25519, in the same run:
//!
//! * `pq_kem` — the KEM alone: key generation, HPKE single-shot seal and
//!   open of a 32-byte content key (what one stanza costs).
//! * `pq_seal` / `pq_open` — a signed 1 KiB envelope to 1 and to 10
//!   recipients, classical against post-quantum recipients.
//! * `pq_escrow` — the access field's cost: an escrowed envelope with a
//!   classical and with a post-quantum field (post-quantum recipients both
//!   times), beside the clean envelope; and the authority opening it.
//!
//! Ratios, not absolute times, are what to read: these machines are shared.
//! Bytes per recipient are not timed; they are constants of the format
//! (`e2e::overhead`, `e2e::overhead_post_quantum`), printed once at start.

use std::hint::black_box;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion};

use doormat::e2e::{self, overhead, overhead_post_quantum, Opener, PayloadCipher};
use doormat::escrow::{self, EscrowAuthority, EscrowKey};
use doormat::hpke::{self, Kdf, PrivateKey, ReceiverMode, SenderMode, Suite, XWing, X25519};
use doormat::keys::{Identity, Kem, PublicIdentity};
use doormat::random::SystemRng;

const SMALL: usize = 1 << 10;
const KEMS: [Kem; 2] = [Kem::X25519, Kem::XWing];

fn name(kem: Kem) -> &'static str {
    match kem {
        Kem::X25519 => "x25519",
        Kem::XWing => "xwing",
    }
}

fn identity(kem: Kem) -> Identity {
    match kem {
        Kem::X25519 => Identity::generate(),
        Kem::XWing => Identity::generate_post_quantum(),
    }
}

fn authority(kem: Kem) -> EscrowAuthority {
    match kem {
        Kem::X25519 => EscrowAuthority::generate(),
        Kem::XWing => EscrowAuthority::generate_post_quantum(),
    }
}

fn short_config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
}

/// The bytes each recipient adds, from the format's own arithmetic.
fn print_sizes() {
    let per = |f: fn(usize, bool) -> usize| f(2, false) - f(1, false);
    println!(
        "bytes per recipient: x25519 {} (stanza + fingerprint), xwing {}; \
         fixed bytes with one recipient: x25519 {}, xwing {}",
        per(overhead),
        per(overhead_post_quantum),
        overhead(1, false),
        overhead_post_quantum(1, false),
    );
}

/// Key generation, and the seal and open of one stanza, for the KEM `K`.
fn kem_rows<K: hpke::Kem>(g: &mut BenchmarkGroup<'_, WallTime>, suite: Suite, key: &[u8; 32]) {
    let name = K::NAME.to_lowercase().replace('-', "");
    g.bench_function(format!("keygen/{name}"), |b| {
        b.iter(PrivateKey::<K>::generate)
    });
    let sk = PrivateKey::<K>::generate();
    let pk = sk.public_key();
    let mode = SenderMode::Base;
    let (enc, ct) = hpke::seal(suite, &mode, &pk, b"", b"", key, &mut SystemRng).unwrap();
    g.bench_function(format!("wrap/{name}"), |b| {
        b.iter(|| hpke::seal(suite, &mode, &pk, b"", b"", black_box(key), &mut SystemRng))
    });
    g.bench_function(format!("unwrap/{name}"), |b| {
        b.iter(|| hpke::open(suite, &ReceiverMode::Base, &enc, &sk, b"", b"", &ct))
    });
}

fn pq_kem(c: &mut Criterion) {
    print_sizes();
    let mut g = c.benchmark_group("pq_kem");
    let suite = Suite::new(Kdf::HkdfSha256, hpke::Aead::ChaCha20Poly1305);
    let key = [7u8; 32];
    kem_rows::<X25519>(&mut g, suite, &key);
    kem_rows::<XWing>(&mut g, suite, &key);
    g.finish();
}

fn pq_seal_open(c: &mut Criterion) {
    let plaintext = vec![0x42u8; SMALL];
    for n in [1usize, 10] {
        let mut seal = c.benchmark_group("pq_seal");
        let cases: Vec<(Kem, Identity, Vec<Identity>)> = KEMS
            .iter()
            .map(|&kem| (kem, identity(kem), (0..n).map(|_| identity(kem)).collect()))
            .collect();
        for (kem, sender, recipients) in &cases {
            let to: Vec<PublicIdentity> = recipients.iter().map(Identity::public).collect();
            let sealer = e2e::Sealer::new(sender, &to).cipher(PayloadCipher::ChaCha20Poly1305);
            seal.bench_function(
                BenchmarkId::new(name(*kem), format!("{n}_recipients")),
                |b| b.iter(|| sealer.seal(black_box(&plaintext)).unwrap()),
            );
        }
        seal.finish();
        let mut open = c.benchmark_group("pq_open");
        for (kem, sender, recipients) in &cases {
            let to: Vec<PublicIdentity> = recipients.iter().map(Identity::public).collect();
            let envelope = e2e::seal(sender, &to, &plaintext).unwrap();
            // The last recipient: without key ids it tries every stanza.
            let opener = Opener::new(&recipients[n - 1]);
            open.bench_function(
                BenchmarkId::new(name(*kem), format!("{n}_recipients")),
                |b| b.iter(|| opener.open(black_box(&envelope)).unwrap()),
            );
        }
        open.finish();
    }
}

fn pq_escrow(c: &mut Criterion) {
    let plaintext = vec![0x42u8; SMALL];
    let (alice, bob) = (identity(Kem::XWing), identity(Kem::XWing));
    let to = [bob.public()];
    let mut g = c.benchmark_group("pq_escrow");
    let clean = e2e::Sealer::new(&alice, &to);
    g.bench_function("seal/clean", |b| {
        b.iter(|| clean.seal(black_box(&plaintext)).unwrap())
    });
    for kem in KEMS {
        let authority = authority(kem);
        let key: EscrowKey = authority.public_key();
        let sealer = escrow::sealer(&alice, &to, &key);
        let envelope = sealer.seal(&plaintext).unwrap();
        g.bench_function(format!("seal/{}_field", name(kem)), |b| {
            b.iter(|| sealer.seal(black_box(&plaintext)).unwrap())
        });
        let opener = escrow::opener(&bob, &key);
        g.bench_function(format!("recipient_open/{}_field", name(kem)), |b| {
            b.iter(|| opener.open(black_box(&envelope)).unwrap())
        });
        g.bench_function(format!("authority_open/{}_field", name(kem)), |b| {
            b.iter(|| authority.open(black_box(&envelope)).unwrap())
        });
    }
    g.finish();
}

criterion_group! {
    name = benches;
    config = short_config();
    targets = pq_kem, pq_seal_open, pq_escrow
}
criterion_main!(benches);
