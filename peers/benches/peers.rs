//! doormat beside its peers, each side measured in the same criterion run so
//! that "× age" and "× rust-hpke" are measured, not quoted.
//!
//! * `age` — 64 MiB to one recipient, sealed and opened in memory (each
//!   writing into a fresh buffer) and streamed from a slice to `io::sink()`;
//!   doormat with ChaCha20-Poly1305, age's only payload cipher. age works on
//!   one core (its issue #109 asks for more); doormat on all cores.
//! * `hpke` — RFC 9180 single-shot seal of a 32-byte key (what a stanza
//!   wraps), X25519 / HKDF-SHA256 / ChaCha20-Poly1305, both sides drawing
//!   from the operating system's generator: doormat's `hpke::seal`
//!   (x25519-dalek 3) against rust-hpke's `single_shot_seal`.
//!
//! Every input is built outside the timed closure; nothing asserts a timing.

use std::hint::black_box;
use std::io::{self, Read, Write};
use std::iter;
use std::time::Duration;

use criterion::{
    criterion_group, criterion_main, BenchmarkId, Criterion, SamplingMode, Throughput,
};

use doormat::e2e::{self, PayloadCipher};
use doormat::hpke::{self as dm_hpke, Aead, Kdf, PrivateKey, SenderMode, Suite, X25519};
use doormat::keys::Identity;
use doormat::random::{SystemRng, TryRng};

use hpke::Kem as _;

/// Large enough that per-file costs vanish and both sides run at their
/// chunk throughput.
const PEER_BULK: usize = 64 << 20;

fn random_bytes(len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    SystemRng
        .try_fill_bytes(&mut v)
        .expect("the operating system's generator");
    v
}

fn age_encrypt(recipient: &age::x25519::Recipient, plaintext: &[u8]) -> Vec<u8> {
    let encryptor = age::Encryptor::with_recipients(iter::once(recipient as &dyn age::Recipient))
        .expect("one recipient");
    // Room for the whole file up front, so age pays no reallocation.
    let mut out = Vec::with_capacity(plaintext.len() + plaintext.len() / 4096 + 4096);
    let mut writer = encryptor.wrap_output(&mut out).expect("header");
    writer.write_all(plaintext).expect("write");
    writer.finish().expect("finish");
    out
}

fn age_decrypt(identity: &age::x25519::Identity, file: &[u8], len: usize) -> Vec<u8> {
    let decryptor = age::Decryptor::new_buffered(file).expect("header");
    let mut reader = decryptor
        .decrypt(iter::once(identity as &dyn age::Identity))
        .expect("stanza");
    let mut out = Vec::with_capacity(len);
    reader.read_to_end(&mut out).expect("payload");
    out
}

fn age(c: &mut Criterion) {
    let mut g = c.benchmark_group("peers_age");
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(PEER_BULK as u64));
    let plaintext = random_bytes(PEER_BULK);
    let size = "64MiB";

    let age_id = age::x25519::Identity::generate();
    let age_to = age_id.to_public();
    let age_file = age_encrypt(&age_to, &plaintext);
    assert!(age_decrypt(&age_id, &age_file, PEER_BULK) == plaintext);
    g.bench_function(BenchmarkId::new("age_seal", size), |b| {
        b.iter(|| age_encrypt(&age_to, black_box(&plaintext)))
    });
    g.bench_function(BenchmarkId::new("age_open", size), |b| {
        b.iter(|| age_decrypt(&age_id, black_box(&age_file), PEER_BULK))
    });
    g.bench_function(BenchmarkId::new("age_seal_stream", size), |b| {
        b.iter(|| {
            let encryptor =
                age::Encryptor::with_recipients(iter::once(&age_to as &dyn age::Recipient))
                    .expect("one recipient");
            let mut writer = encryptor.wrap_output(io::sink()).expect("header");
            io::copy(&mut black_box(&plaintext[..]), &mut writer).expect("copy");
            writer.finish().expect("finish")
        })
    });
    g.bench_function(BenchmarkId::new("age_open_stream", size), |b| {
        b.iter(|| {
            let decryptor = age::Decryptor::new_buffered(black_box(&age_file[..])).expect("header");
            let mut reader = decryptor
                .decrypt(iter::once(&age_id as &dyn age::Identity))
                .expect("stanza");
            io::copy(&mut reader, &mut io::sink()).expect("copy")
        })
    });

    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to_bob = [bob.public()];
    let sealer = e2e::Sealer::new(&alice, &to_bob).cipher(PayloadCipher::ChaCha20Poly1305);
    let opener = e2e::Opener::new(&bob);
    let envelope = sealer.seal(&plaintext).expect("seal");
    g.bench_function(BenchmarkId::new("doormat_seal", size), |b| {
        b.iter(|| sealer.seal(black_box(&plaintext)).expect("seal"))
    });
    g.bench_function(BenchmarkId::new("doormat_open", size), |b| {
        b.iter(|| opener.open(black_box(&envelope)).expect("open"))
    });
    g.bench_function(BenchmarkId::new("doormat_seal_stream", size), |b| {
        b.iter(|| {
            sealer
                .seal_stream(black_box(&plaintext[..]), io::sink())
                .expect("seal")
        })
    });
    g.bench_function(BenchmarkId::new("doormat_open_stream", size), |b| {
        b.iter(|| {
            opener
                .open_stream(black_box(&envelope[..]), io::sink())
                .expect("open")
        })
    });
    g.finish();
}

fn rust_hpke(c: &mut Criterion) {
    type Kem = hpke::kem::X25519HkdfSha256;
    let mut g = c.benchmark_group("peers_hpke");
    g.throughput(Throughput::Elements(1));
    let key = random_bytes(32);
    let info = b"doormat/v1 stanza\x00\x03";
    let id = "seal[msglen=32,aadlen=0]";

    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let pk_recip = PrivateKey::<X25519>::generate().public_key();
    g.bench_function(BenchmarkId::new("doormat", id), |b| {
        b.iter(|| {
            dm_hpke::seal(
                suite,
                &SenderMode::Base,
                &pk_recip,
                info,
                b"",
                black_box(&key),
                &mut SystemRng,
            )
            .expect("seal")
        })
    });

    let (_, theirs) = Kem::gen_keypair(&mut OsGenerator);
    g.bench_function(BenchmarkId::new("rust_hpke", id), |b| {
        b.iter(|| {
            hpke::single_shot_seal::<hpke::aead::ChaCha20Poly1305, hpke::kdf::HkdfSha256, Kem, _>(
                &hpke::OpModeS::Base,
                &theirs,
                info,
                black_box(&key),
                b"",
                &mut OsGenerator,
            )
            .expect("seal")
        })
    });
    g.finish();
}

/// The operating system's generator (doormat's `SystemRng`, through ring)
/// behind rust-hpke's `rand_core` 0.9 traits: both sides draw from the same
/// source.
struct OsGenerator;

impl hpke::rand_core::RngCore for OsGenerator {
    fn next_u32(&mut self) -> u32 {
        SystemRng
            .try_next_u32()
            .expect("the operating system's generator")
    }

    fn next_u64(&mut self) -> u64 {
        SystemRng
            .try_next_u64()
            .expect("the operating system's generator")
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        SystemRng
            .try_fill_bytes(dest)
            .expect("the operating system's generator")
    }
}

impl hpke::rand_core::CryptoRng for OsGenerator {}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! {
    name = peers;
    config = config();
    targets = age, rust_hpke
}
criterion_main!(peers);
