//! Injectable randomness (`doormat::random`): every random draw can come from
//! the caller's generator, a seeded generator makes sealing replayable, the
//! draws happen in the documented order, and a failing generator is reported
//! as its layer's `RandomFailed` everywhere — never a panic.
//!
//! The whole-envelope known-answer vectors (`tests/data/envelope-kat.json`)
//! are checked both ways: sealing with the vector's seed gives its bytes, and
//! its bytes open for every recipient (and, escrowed, for the authority and a
//! compliant client). A vector whose envelope is a few MiB (it needs 1 MiB
//! between checkpoints) keeps a recipe for its plaintext and the envelope's
//! length, SHA-256, first and last 4 KiB instead of the bytes.

mod common;

use doormat::e2e::{self, Layer, LayerError, PayloadCipher, SealError, Sealing};
use doormat::escrow::{self, AccessField, EscrowAuthority, FamilyKey};
use doormat::hpke::{self, Aead, Kdf, PrivateKey, SenderMode, Suite, XWing, X25519};
use doormat::keys::{DecryptionKey, EncryptionKey, Identity, Kem};
use doormat::random::{Rng, SeedableRng, SeededRng, TryCryptoRng, TryRng};
use doormat::{keys, ErrorKind};
use serde::{Deserialize, Serialize};
use std::sync::Mutex;

const KAT_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/envelope-kat.json");

/// A generator's own error type, which doormat knows nothing about.
#[derive(Debug)]
struct Unplugged;

impl std::fmt::Display for Unplugged {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the generator is unplugged")
    }
}

impl std::error::Error for Unplugged {}

/// A generator that fails on every draw.
struct Broken;

impl TryRng for Broken {
    type Error = Unplugged;

    fn try_next_u32(&mut self) -> Result<u32, Unplugged> {
        unreachable!("doormat draws with try_fill_bytes")
    }
    fn try_next_u64(&mut self) -> Result<u64, Unplugged> {
        unreachable!("doormat draws with try_fill_bytes")
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Unplugged> {
        Err(Unplugged)
    }
}

impl TryCryptoRng for Broken {}

/// A generator that works for `left` bytes, then fails.
struct RunsDry {
    inner: SeededRng,
    left: usize,
}

impl TryRng for RunsDry {
    type Error = Unplugged;

    fn try_next_u32(&mut self) -> Result<u32, Unplugged> {
        unreachable!()
    }
    fn try_next_u64(&mut self) -> Result<u64, Unplugged> {
        unreachable!()
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), Unplugged> {
        if dest.len() > self.left {
            return Err(Unplugged);
        }
        self.left -= dest.len();
        self.inner.fill_bytes(dest);
        Ok(())
    }
}

impl TryCryptoRng for RunsDry {}

fn seeded(n: u8) -> SeededRng {
    SeededRng::from_seed([n; 32])
}

#[test]
fn seeded_generator_is_deterministic_and_seed_dependent() {
    let draw = |seed: u8| {
        let mut out = [0u8; 100];
        seeded(seed).fill_bytes(&mut out);
        out
    };
    assert_eq!(draw(1), draw(1));
    assert_ne!(draw(1), draw(2));
    // One long draw is the same stream as many short ones.
    let mut rng = seeded(1);
    let mut pieces = Vec::new();
    for len in [1usize, 7, 32, 60] {
        let mut buf = vec![0u8; len];
        rng.fill_bytes(&mut buf);
        pieces.extend(buf);
    }
    assert_eq!(pieces, draw(1));
    assert_eq!(format!("{:?}", seeded(1)), "SeededRng([redacted])");
}

#[test]
fn seeded_sealing_replays_byte_for_byte() {
    let ids = |rng: &mut SeededRng| -> Vec<Identity> {
        (0..3)
            .map(|_| Identity::generate_with(rng).unwrap())
            .collect()
    };
    let seal = |seed: u8| {
        let mut rng = seeded(seed);
        let people = ids(&mut rng);
        let to = common::publics(&people[1..]);
        let envelope = e2e::Sealer::new(&people[0], &to)
            .chunk_size(1024)
            .rng(&mut rng)
            .seal(&[42u8; 3000])
            .unwrap();
        envelope
    };
    assert_eq!(seal(3), seal(3));
    assert_ne!(seal(3), seal(4));

    // Identities, HPKE keys and escrow authorities replay too.
    assert_eq!(
        Identity::generate_with(&mut seeded(5)).unwrap(),
        Identity::generate_with(&mut seeded(5)).unwrap()
    );
    assert_eq!(
        PrivateKey::<X25519>::generate_with(&mut seeded(5)).unwrap(),
        PrivateKey::<X25519>::generate_with(&mut seeded(5)).unwrap()
    );
    assert_eq!(
        PrivateKey::<XWing>::generate_with(&mut seeded(5)).unwrap(),
        PrivateKey::<XWing>::generate_with(&mut seeded(5)).unwrap()
    );
    assert_eq!(
        EscrowAuthority::generate_with(&mut seeded(5)).unwrap(),
        EscrowAuthority::generate_with(&mut seeded(5)).unwrap()
    );
    let authority = EscrowAuthority::generate_with(&mut seeded(6)).unwrap();
    let shares = |seed| -> Vec<String> {
        authority
            .split_with(2, 3, &mut seeded(seed))
            .unwrap()
            .iter()
            .map(|s| s.to_secret_string().to_string())
            .collect()
    };
    assert_eq!(shares(7), shares(7));
    assert_ne!(shares(7), shares(8));
}

/// Records the content key a sealer drew.
#[derive(Debug, Default)]
struct ContentKeySpy(Mutex<Option<[u8; 32]>>);

impl Layer for ContentKeySpy {
    fn extensions(&self, sealing: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        *self.0.lock().unwrap() = Some(*sealing.content_key().as_bytes());
        Ok(Vec::new())
    }
}

/// `Sealer::rng` documents its draws: the content key, then one ephemeral
/// X25519 key per recipient, in recipient order. Checked against the stream.
#[test]
fn sealer_draws_in_the_documented_order() {
    let people = common::identities(3);
    let to = common::publics(&people[1..]);
    let spy = ContentKeySpy::default();
    let envelope = e2e::Sealer::new(&people[0], &to)
        .layer(&spy)
        .rng(&mut seeded(9))
        .seal(b"order")
        .unwrap();

    let mut stream = seeded(9);
    let mut content_key = [0u8; 32];
    stream.fill_bytes(&mut content_key);
    assert_eq!(spy.0.lock().unwrap().unwrap(), content_key);
    let layout = common::Layout::parse(&envelope);
    for stanza in &layout.stanzas {
        let sk_eph = PrivateKey::<X25519>::generate_with(&mut stream).unwrap();
        assert_eq!(
            &envelope[stanza.start..stanza.start + 32],
            sk_eph.public_key().as_bytes(),
            "stanza enc is the next ephemeral key of the stream"
        );
    }
    // Both recipients open it; nothing about a seeded envelope is special.
    for r in &people[1..] {
        assert_eq!(e2e::open(r, &envelope).unwrap().plaintext(), b"order");
    }
}

/// Whether `r` failed with its layer's `RandomFailed`, which the umbrella
/// error reports as an I/O failure.
fn random_failed<T, E: Into<doormat::Error>>(r: Result<T, E>) -> bool {
    match r.map_err(Into::into) {
        Err(e) => common::kind(&e) == "RandomFailed" && e.kind() == ErrorKind::Io,
        Ok(_) => false,
    }
}

#[test]
fn a_failing_generator_is_an_error_not_a_panic() {
    let people = common::identities(2);
    let to = common::publics(&people[1..]);

    // Each layer reports its own `RandomFailed`, whatever the generator's
    // own error type was.
    assert!(matches!(
        Identity::generate_with(&mut Broken),
        Err(keys::Error::RandomFailed)
    ));
    assert!(matches!(
        Identity::generate_for(Kem::XWing, &mut Broken),
        Err(keys::Error::RandomFailed)
    ));
    for kem in Kem::ALL {
        assert!(matches!(
            DecryptionKey::generate_with(kem, &mut Broken),
            Err(keys::Error::RandomFailed)
        ));
    }
    assert!(matches!(
        PrivateKey::<X25519>::generate_with(&mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    assert!(matches!(
        PrivateKey::<XWing>::generate_with(&mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    assert!(matches!(
        FamilyKey::generate_with(&mut Broken),
        Err(escrow::Error::RandomFailed)
    ));
    // The authority's key is a keys-layer key: its failure may come out as
    // escrow's own or wrapped from the keys layer, and is `RandomFailed`
    // either way.
    assert!(matches!(
        EscrowAuthority::generate_with(&mut Broken),
        Err(escrow::Error::RandomFailed | escrow::Error::Key(keys::Error::RandomFailed))
    ));
    assert!(random_failed(EscrowAuthority::generate_with(&mut Broken)));
    assert!(random_failed(EscrowAuthority::generate_post_quantum_with(
        &mut Broken
    )));
    let authority = EscrowAuthority::generate();
    assert!(matches!(
        authority.split_with(2, 3, &mut Broken),
        Err(escrow::Error::RandomFailed)
    ));
    // k = 1 draws no coefficients: nothing to fail.
    assert!(authority.split_with(1, 3, &mut Broken).is_ok());

    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let key = people[1].public().encryption_key().clone();
    let EncryptionKey::X25519(pk) = &key else {
        panic!("a classical identity")
    };
    assert!(matches!(
        hpke::setup_sender(suite, &SenderMode::Base, pk, b"", &mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    assert!(matches!(
        hpke::seal(suite, &SenderMode::Base, pk, b"", b"", b"pt", &mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    let pq = PrivateKey::<XWing>::generate().public_key();
    assert!(matches!(
        hpke::seal(suite, &SenderMode::Base, &pq, b"", b"", b"pt", &mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    assert!(matches!(
        key.wrap(suite, b"", b"", b"pt", &mut Broken),
        Err(hpke::Error::RandomFailed)
    ));
    assert!(matches!(
        e2e::Sealer::new(&people[0], &to)
            .rng(&mut Broken)
            .seal(b"x"),
        Err(SealError::RandomFailed)
    ));
    assert!(matches!(
        e2e::Sealer::new(&people[0], &to)
            .rng(&mut Broken)
            .seal_stream(&b"x"[..], std::io::sink()),
        Err(SealError::RandomFailed)
    ));
    let escrowed = escrow::sealer(&people[0], &to, &authority.public_key())
        .rng(&mut Broken)
        .seal(b"x");
    assert!(matches!(escrowed, Err(SealError::RandomFailed)));
    assert!(random_failed(
        e2e::Sealer::new(&people[0], &to)
            .rng(&mut Broken)
            .seal(b"x")
    ));
    // A generator that runs dry after the content key fails on the first
    // stanza's ephemeral key, and one that dies in the middle of a
    // multi-recipient seal fails too; nothing is written by the stream sealer.
    let many = common::publics(&common::identities(4));
    for left in [0, 32, 64, 96] {
        let mut rng = RunsDry {
            inner: seeded(1),
            left,
        };
        let mut out = Vec::new();
        let r = e2e::Sealer::new(&people[0], &many)
            .rng(&mut rng)
            .seal_stream(&b"x"[..], &mut out);
        assert!(
            matches!(r, Err(SealError::RandomFailed)),
            "dry after {left} bytes: {r:?}"
        );
        assert!(out.is_empty(), "nothing written before the header is whole");
    }
}

// ----- whole-envelope known-answer vectors -----

/// How much of each end of a long envelope a vector keeps.
const EDGE: usize = 4096;

#[derive(Serialize, Deserialize)]
struct KatFile {
    comment: Vec<String>,
    vectors: Vec<Kat>,
}

#[derive(Serialize, Deserialize)]
struct Kat {
    name: String,
    /// Text forms of the sender's and the recipients' identities.
    sender: String,
    recipients: Vec<String>,
    /// The escrow authority's secret text form and the seed of its chip
    /// family, for escrowed vectors.
    escrow: Option<String>,
    #[serde(with = "hex")]
    family_seed: Vec<u8>,
    /// The seed of the sealer's `SeededRng`.
    #[serde(with = "hex")]
    seed: Vec<u8>,
    cipher: String,
    chunk_size: u32,
    /// Chunks between checkpoints, when not the default (one per 4 MiB).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    checkpoint_interval: Option<u32>,
    key_ids: bool,
    #[serde(with = "hex")]
    aad: Vec<u8>,
    /// The plaintext, or empty when `plaintext_recipe` gives it.
    #[serde(with = "hex")]
    plaintext: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    plaintext_recipe: Option<Recipe>,
    /// The envelope, or empty when it is longer than `2 × EDGE` bytes and
    /// `envelope_digest` stands for it.
    #[serde(with = "hex")]
    envelope: Vec<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    envelope_digest: Option<Digest>,
}

/// A long plaintext: the first `len` bytes of
/// `SeededRng::from_seed(seed)` (`fill_bytes`).
#[derive(Serialize, Deserialize)]
struct Recipe {
    #[serde(with = "hex")]
    seed: Vec<u8>,
    len: usize,
}

/// A long envelope: its length, its SHA-256, its first and last `EDGE` bytes.
#[derive(Serialize, Deserialize, PartialEq, Debug)]
struct Digest {
    len: usize,
    #[serde(with = "hex")]
    sha256: Vec<u8>,
    #[serde(with = "hex")]
    head: Vec<u8>,
    #[serde(with = "hex")]
    tail: Vec<u8>,
}

impl Digest {
    fn of(envelope: &[u8]) -> Digest {
        Digest {
            len: envelope.len(),
            sha256: ring::digest::digest(&ring::digest::SHA256, envelope)
                .as_ref()
                .to_vec(),
            head: envelope[..EDGE].to_vec(),
            tail: envelope[envelope.len() - EDGE..].to_vec(),
        }
    }
}

impl Kat {
    fn plaintext(&self) -> Vec<u8> {
        match &self.plaintext_recipe {
            None => self.plaintext.clone(),
            Some(recipe) => {
                assert!(self.plaintext.is_empty(), "{}: two plaintexts", self.name);
                let seed: [u8; 32] = recipe.seed.clone().try_into().unwrap();
                let mut pt = vec![0u8; recipe.len];
                SeededRng::from_seed(seed).fill_bytes(&mut pt);
                pt
            }
        }
    }

    /// Whether `envelope` is the recorded one: the same bytes, or for a long
    /// envelope the same length, SHA-256, head and tail.
    fn records(&self, envelope: &[u8]) -> bool {
        match &self.envelope_digest {
            None => self.envelope == envelope,
            Some(digest) => {
                assert!(self.envelope.is_empty(), "{}: two envelopes", self.name);
                envelope.len() > 2 * EDGE && *digest == Digest::of(envelope)
            }
        }
    }

    /// Records `envelope`: whole, or by its digest if it is long.
    fn record(&mut self, envelope: Vec<u8>) {
        if envelope.len() > 2 * EDGE {
            self.envelope_digest = Some(Digest::of(&envelope));
            self.envelope = Vec::new();
        } else {
            self.envelope_digest = None;
            self.envelope = envelope;
        }
    }

    fn seal(&self) -> Vec<u8> {
        let sender: Identity = self.sender.parse().unwrap();
        let to: Vec<_> = self
            .recipients
            .iter()
            .map(|r| r.parse::<Identity>().unwrap().public())
            .collect();
        let cipher = match self.cipher.as_str() {
            "chacha20poly1305" => PayloadCipher::ChaCha20Poly1305,
            "aes256gcm" => PayloadCipher::Aes256Gcm,
            other => panic!("unknown cipher {other}"),
        };
        let mut rng = SeededRng::from_seed(self.seed.clone().try_into().unwrap());
        let mut sealer = e2e::Sealer::new(&sender, &to)
            .cipher(cipher)
            .chunk_size(self.chunk_size)
            .key_ids(self.key_ids)
            .associated_data(&self.aad);
        if let Some(interval) = self.checkpoint_interval {
            sealer = sealer.checkpoint_interval(interval);
        }
        if let Some(escrow) = &self.escrow {
            let authority: EscrowAuthority = escrow.parse().unwrap();
            let family_seed: [u8; 32] = self.family_seed.clone().try_into().unwrap();
            let family = FamilyKey::generate_with(&mut SeededRng::from_seed(family_seed)).unwrap();
            sealer = sealer.layer(AccessField::to(&authority.public_key()).family(family));
        }
        let envelope = sealer.rng(&mut rng).seal(&self.plaintext()).unwrap();
        envelope
    }
}

fn read_kats() -> KatFile {
    serde_json::from_str(&std::fs::read_to_string(KAT_PATH).unwrap()).unwrap()
}

/// Sealing with each vector's seed gives its envelope byte for byte (for a
/// long one, its length, SHA-256, first and last 4 KiB), and the envelope
/// opens for every recipient, in memory and streaming (and, escrowed, for
/// the authority and a compliant client) with the vector's plaintext and
/// sender. The vectors pin the checkpoint encoding at the least span (1 MiB
/// between checkpoints, in 1 KiB chunks) and the X-Wing stanzas and access
/// field.
#[test]
fn whole_envelope_known_answers() {
    let kats = read_kats();
    assert!(kats.vectors.len() >= 6, "at least six vectors");
    let (mut escrowed, mut checkpoints, mut post_quantum) = (0, 0, 0);
    for kat in &kats.vectors {
        let sealed = kat.seal();
        assert!(
            kat.records(&sealed),
            "{}: sealing with the seed no longer gives the recorded bytes",
            kat.name
        );
        // The recorded bytes, or bytes with the recorded SHA-256.
        let envelope = &sealed;
        let layout = common::Layout::parse(envelope);
        checkpoints += layout.checkpoints.len();
        let header = e2e::Header::parse(envelope).unwrap();
        let pq_escrow = kat.escrow.as_ref().is_some_and(|e| {
            let authority: EscrowAuthority = e.parse().unwrap();
            authority.public_key().public_key().kem() == Kem::XWing
        });
        if header.is_post_quantum() && pq_escrow {
            post_quantum += 1;
        }
        let plaintext = kat.plaintext();
        let sender: Identity = kat.sender.parse().unwrap();
        for r in &kat.recipients {
            let r: Identity = r.parse().unwrap();
            let opener = e2e::Opener::new(&r).associated_data(&kat.aad);
            let opened = opener
                .open(envelope)
                .unwrap_or_else(|e| panic!("{}: {e}", kat.name));
            assert!(opened.plaintext() == plaintext, "{}", kat.name);
            assert_eq!(opened.sender(), &sender.public(), "{}", kat.name);
            let mut out = Vec::new();
            let streamed = opener.open_stream(&envelope[..], &mut out).unwrap();
            assert!(out == plaintext, "{}: streaming", kat.name);
            assert_eq!(streamed.sender(), &sender.public(), "{}", kat.name);
        }
        if let Some(escrow) = &kat.escrow {
            escrowed += 1;
            let authority: EscrowAuthority = escrow.parse().unwrap();
            let opened = authority
                .opener()
                .associated_data(&kat.aad)
                .open(envelope)
                .unwrap();
            assert!(opened.plaintext() == plaintext, "{}", kat.name);
            assert_eq!(opened.sender(), &sender.public(), "{}", kat.name);
            for r in &kat.recipients {
                let r: Identity = r.parse().unwrap();
                let compliant =
                    escrow::opener(&r, &authority.public_key()).associated_data(&kat.aad);
                assert!(compliant.open(envelope).is_ok(), "{}", kat.name);
            }
        }
    }
    assert!(escrowed >= 2, "at least two escrowed vectors");
    assert!(checkpoints >= 2, "the checkpoint encoding is pinned too");
    assert!(
        post_quantum >= 1,
        "an X-Wing envelope with an X-Wing access field"
    );
}

/// Rewrites the envelopes of `tests/data/envelope-kat.json` from its inputs,
/// after a deliberate format change: `cargo test --release --test randomness
/// -- --ignored regenerate`. An envelope longer than 8 KiB is recorded by its
/// length, SHA-256, first and last 4 KiB. Review the diff before committing
/// it.
#[test]
#[ignore = "rewrites tests/data/envelope-kat.json"]
fn regenerate_envelope_kat() {
    let mut kats = read_kats();
    for kat in &mut kats.vectors {
        let envelope = kat.seal();
        kat.record(envelope);
    }
    let json = serde_json::to_string_pretty(&kats).unwrap();
    std::fs::write(KAT_PATH, json + "\n").unwrap();
}
