//! One encapsulation path: every X25519 operation is x25519-dalek's, and
//! every encapsulation — an X25519 ephemeral key, X-Wing's 64 bytes — is
//! drawn through the generator the caller gives (the operating system's,
//! `SystemRng`, by default). So a seal with the operating system's generator
//! and a seal with a seeded one run the same code, apart from where the
//! bytes come from.
//!
//! These tests pin that down with a recording generator around `SystemRng`:
//! the OS-generator path draws exactly the documented bytes (the KEM's
//! `ENCAP_RANDOMNESS_LEN` per encapsulation; for an envelope, the content key
//! and then each stanza's in recipient order), and replaying the recorded
//! bytes through another generator reproduces its output byte for byte. A
//! second sender path (ring's ephemeral X25519 keys, drawn behind the
//! generator's back) would draw nothing from the recorder, or produce an
//! output the replay cannot reproduce, and fail them.

mod common;

use common::*;
use doormat::e2e::{self, Header, Sealer};
use doormat::hazmat::e2e::stanza_enc;
use doormat::hazmat::hpke::{encap_derand, setup_sender_derand};
use doormat::hpke::{
    self, Aead, Kdf, Kem, PrivateKey, PublicKey, ReceiverMode, SenderMode, Suite, XWing, X25519,
};
use doormat::keys::{EncryptionKey, Identity, PublicIdentity};
use doormat::random::{RandomFailed, SeedableRng, SeededRng, SystemRng, TryCryptoRng, TryRng};

const PSK: &[u8] = b"a pre-shared key of at least 32 bytes";

/// A generator that passes `inner`'s bytes through and records them, and
/// the size of every draw.
struct Recording<R> {
    inner: R,
    drawn: Vec<u8>,
    draws: Vec<usize>,
}

impl<R> Recording<R> {
    fn new(inner: R) -> Recording<R> {
        Recording {
            inner,
            drawn: Vec::new(),
            draws: Vec::new(),
        }
    }
}

impl<R: TryRng> TryRng for Recording<R> {
    type Error = R::Error;

    fn try_next_u32(&mut self) -> Result<u32, R::Error> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, R::Error> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), R::Error> {
        self.inner.try_fill_bytes(dest)?;
        self.drawn.extend_from_slice(dest);
        self.draws.push(dest.len());
        Ok(())
    }
}

impl<R: TryCryptoRng> TryCryptoRng for Recording<R> {}

/// A generator that hands out recorded bytes once, in order, and fails when
/// they run out (never repeats).
struct Replay<'b> {
    bytes: &'b [u8],
}

impl Replay<'_> {
    fn is_spent(&self) -> bool {
        self.bytes.is_empty()
    }
}

impl TryRng for Replay<'_> {
    type Error = RandomFailed;

    fn try_next_u32(&mut self) -> Result<u32, RandomFailed> {
        let mut b = [0; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, RandomFailed> {
        let mut b = [0; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), RandomFailed> {
        if dest.len() > self.bytes.len() {
            return Err(RandomFailed);
        }
        let (now, rest) = self.bytes.split_at(dest.len());
        dest.copy_from_slice(now);
        self.bytes = rest;
        Ok(())
    }
}

impl TryCryptoRng for Replay<'_> {}

/// The sealing suites (every KDF, every AEAD but export-only).
fn suites() -> Vec<Suite> {
    Kdf::ALL
        .into_iter()
        .flat_map(|kdf| {
            [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305]
                .map(|aead| Suite::new(kdf, aead))
        })
        .collect()
}

/// For X25519, in all four modes and every sealing suite: `hpke::seal` and
/// `hpke::setup_sender` with the operating system's generator draw exactly
/// one 32-byte ephemeral key from it, in one draw; `enc` is that key's public
/// key; replaying the bytes through another generator, or handing them to
/// `setup_sender_derand`, gives the same `enc` and ciphertexts byte for
/// byte; and the receiver opens it all.
#[test]
fn x25519_os_generator_seal_is_the_replayable_path() {
    let sk_recip = PrivateKey::<X25519>::generate();
    let pk_recip = sk_recip.public_key();
    let sk_sender = PrivateKey::<X25519>::generate();
    let pk_sender = sk_sender.public_key();
    let modes = [
        (SenderMode::Base, ReceiverMode::Base),
        (
            SenderMode::Psk {
                psk: PSK,
                psk_id: b"id",
            },
            ReceiverMode::Psk {
                psk: PSK,
                psk_id: b"id",
            },
        ),
        (
            SenderMode::Auth { sender: &sk_sender },
            ReceiverMode::Auth { sender: &pk_sender },
        ),
        (
            SenderMode::AuthPsk {
                sender: &sk_sender,
                psk: PSK,
                psk_id: b"id",
            },
            ReceiverMode::AuthPsk {
                sender: &pk_sender,
                psk: PSK,
                psk_id: b"id",
            },
        ),
    ];
    let mut encs = Vec::new();
    for (s_mode, r_mode) in &modes {
        for suite in suites() {
            let what = format!("{suite:?} mode {}", s_mode.mode_id());

            // Single-shot.
            let mut os = Recording::new(SystemRng);
            let (enc, ct) =
                hpke::seal(suite, s_mode, &pk_recip, b"info", b"aad", b"hello", &mut os)
                    .expect(&what);
            assert_eq!(os.draws, [X25519::ENCAP_RANDOMNESS_LEN], "{what}");
            let sk_eph = PrivateKey::<X25519>::from_bytes(&os.drawn).unwrap();
            assert_eq!(enc, sk_eph.public_key().to_array(), "{what}: enc");
            let mut replay = Replay { bytes: &os.drawn };
            let replayed = hpke::seal(
                suite,
                s_mode,
                &pk_recip,
                b"info",
                b"aad",
                b"hello",
                &mut replay,
            )
            .expect(&what);
            assert!(replay.is_spent(), "{what}: the replay drew every byte");
            assert_eq!(replayed, (enc.clone(), ct.clone()), "{what}: replay");
            let pt = hpke::open(suite, r_mode, &enc, &sk_recip, b"info", b"aad", &ct).expect(&what);
            assert_eq!(pt, b"hello", "{what}");

            // A context: several messages, the same exported secret, and the
            // derandomized setup from the recorded bytes agrees throughout.
            let mut os = Recording::new(SystemRng);
            let (enc, mut tx) =
                hpke::setup_sender(suite, s_mode, &pk_recip, b"ctx", &mut os).unwrap();
            assert_eq!(os.draws, [X25519::ENCAP_RANDOMNESS_LEN], "{what}");
            let (enc_derand, mut tx_derand) =
                setup_sender_derand(suite, s_mode, &pk_recip, b"ctx", &os.drawn).unwrap();
            assert_eq!(enc, enc_derand, "{what}: setup_sender_derand");
            let mut rx = hpke::setup_receiver(suite, r_mode, &enc, &sk_recip, b"ctx").unwrap();
            for msg in [&b"one"[..], b"two", b""] {
                let ct = tx.seal(b"", msg).unwrap();
                assert_eq!(ct, tx_derand.seal(b"", msg).unwrap(), "{what}");
                assert_eq!(rx.open(b"", &ct).unwrap(), msg, "{what}");
            }
            assert_eq!(*tx.export(b"e", 32).unwrap(), *rx.export(b"e", 32).unwrap());

            // Every enc is a valid public key, and fresh.
            PublicKey::<X25519>::from_bytes(&enc)
                .unwrap()
                .validate()
                .expect(&what);
            encs.push(enc);
        }
    }
    let mut unique = encs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), encs.len(), "every ephemeral key is fresh");
}

/// The same for X-Wing, in its two modes: one 64-byte draw per seal, and
/// the recorded bytes reproduce `enc` and the ciphertext, through a replay
/// generator and through `encap_derand`.
#[test]
fn xwing_os_generator_seal_is_the_replayable_path() {
    let sk_recip = PrivateKey::<XWing>::generate();
    let pk_recip = sk_recip.public_key();
    let modes = [
        (SenderMode::Base, ReceiverMode::Base),
        (
            SenderMode::Psk {
                psk: PSK,
                psk_id: b"id",
            },
            ReceiverMode::Psk {
                psk: PSK,
                psk_id: b"id",
            },
        ),
    ];
    for (s_mode, r_mode) in &modes {
        for suite in suites() {
            let what = format!("{suite:?} mode {}", s_mode.mode_id());
            let mut os = Recording::new(SystemRng);
            let (enc, ct) =
                hpke::seal(suite, s_mode, &pk_recip, b"info", b"aad", b"hi", &mut os).expect(&what);
            assert_eq!(os.draws, [XWing::ENCAP_RANDOMNESS_LEN], "{what}");
            assert_eq!(enc.len(), XWing::ENC_LEN);
            let (_, enc_derand) = encap_derand(&pk_recip, &os.drawn, None).unwrap();
            assert_eq!(enc, enc_derand, "{what}: encap_derand");
            let mut replay = Replay { bytes: &os.drawn };
            let replayed = hpke::seal(
                suite,
                s_mode,
                &pk_recip,
                b"info",
                b"aad",
                b"hi",
                &mut replay,
            )
            .expect(&what);
            assert!(replay.is_spent(), "{what}");
            assert_eq!(replayed, (enc.clone(), ct.clone()), "{what}: replay");
            let pt = hpke::open(suite, r_mode, &enc, &sk_recip, b"info", b"aad", &ct).expect(&what);
            assert_eq!(pt, b"hi", "{what}");
        }
    }
}

/// Every sender path refuses the low-order recipients with the same error:
/// the operating system's generator, a seeded one, and the derandomized
/// encapsulation, in every mode.
#[test]
fn every_sender_path_refuses_low_order_recipients() {
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let mut rng = SeededRng::from_seed([3; 32]);
    let sk_sender = PrivateKey::<X25519>::generate();
    for point in x25519_low_order() {
        let pk = PublicKey::<X25519>::from_bytes(&point).unwrap();
        for mode in [SenderMode::Base, SenderMode::Auth { sender: &sk_sender }] {
            let os = hpke::seal(suite, &mode, &pk, b"", b"", b"x", &mut SystemRng);
            assert_eq!(os, Err(hpke::Error::ZeroSharedSecret), "{mode:?}");
            let seeded = hpke::seal(suite, &mode, &pk, b"", b"", b"x", &mut rng);
            assert_eq!(seeded, Err(hpke::Error::ZeroSharedSecret), "{mode:?}");
        }
        let sk_eph = PrivateKey::<X25519>::generate();
        let derand = encap_derand(&pk, &sk_eph.to_bytes(), None);
        assert!(matches!(derand, Err(hpke::Error::ZeroSharedSecret)));
    }
}

/// The sealer both runs of [`check_envelope_draws`] use.
fn sealer<'a>(
    sender: &'a Identity,
    to: &'a [PublicIdentity],
    key_ids: bool,
    mixed: bool,
) -> Sealer<'a> {
    Sealer::new(sender, to)
        .key_ids(key_ids)
        .allow_mixed_kems(mixed)
}

/// `recipients` sealed to with the operating system's generator behind a
/// recorder: the draws are the content key, then each stanza's randomness in
/// recipient order; each stanza's `enc` is what its drawn bytes give; and
/// sealing again from the recorded bytes gives the envelope byte for byte.
fn check_envelope_draws(sender: &Identity, recipients: &[Identity], mixed: bool) {
    let to = publics(recipients);
    for key_ids in [false, true] {
        let mut os = Recording::new(SystemRng);
        let envelope = sealer(sender, &to, key_ids, mixed)
            .rng(&mut os)
            .seal(b"one path")
            .unwrap();
        let expected: Vec<usize> = std::iter::once(32)
            .chain(to.iter().map(|r| r.kem().encap_randomness_len()))
            .collect();
        assert_eq!(os.draws, expected, "the documented draws, in order");

        let header = Header::parse(&envelope).unwrap();
        let mut at = 32;
        for (i, r) in to.iter().enumerate() {
            let n = r.kem().encap_randomness_len();
            let draw = &os.drawn[at..at + n];
            at += n;
            let enc = match r.encryption_key() {
                EncryptionKey::X25519(pk) => encap_derand(pk, draw, None).unwrap().1,
                EncryptionKey::XWing(pk) => encap_derand(pk, draw, None).unwrap().1,
            };
            assert_eq!(
                stanza_enc(&header, i),
                Some(&enc[..]),
                "stanza {i} is encapsulated with its drawn bytes"
            );
        }

        let mut replay = Replay { bytes: &os.drawn };
        let replayed = sealer(sender, &to, key_ids, mixed)
            .rng(&mut replay)
            .seal(b"one path")
            .unwrap();
        assert!(replay.is_spent());
        assert!(
            replayed == envelope,
            "replaying the OS bytes reproduces the envelope"
        );
        for r in recipients {
            assert_eq!(e2e::open(r, &envelope).unwrap().plaintext(), b"one path");
        }
    }
}

#[test]
fn envelope_with_the_os_generator_replays_byte_for_byte() {
    let alice = Identity::generate();
    check_envelope_draws(&alice, &identities(5), false);
    let pq: Vec<Identity> = (0..3).map(|_| Identity::generate_post_quantum()).collect();
    check_envelope_draws(&Identity::generate_post_quantum(), &pq, false);
    let mixed = [
        Identity::generate(),
        Identity::generate_post_quantum(),
        Identity::generate(),
    ];
    check_envelope_draws(&alice, &mixed, true);
}

/// The envelope with no generator given (the operating system's) opens for
/// every recipient, each stanza's `enc` a valid and fresh public key; with a
/// caller's generator it replays byte for byte.
#[test]
fn default_envelopes_open_for_every_recipient() {
    let alice = Identity::generate();
    let rs = identities(5);
    let to = publics(&rs);
    let mut encs = Vec::new();
    for key_ids in [false, true] {
        let envelope = Sealer::new(&alice, &to)
            .key_ids(key_ids)
            .seal(b"sealed and opened by one X25519")
            .unwrap();
        let layout = Layout::parse(&envelope);
        for (r, stanza) in rs.iter().zip(&layout.stanzas) {
            let opened = e2e::open(r, &envelope).unwrap();
            assert_eq!(opened.plaintext(), b"sealed and opened by one X25519");
            let enc_at = stanza.start + if key_ids { KEY_ID } else { 0 };
            let enc = &envelope[enc_at..enc_at + ENC];
            PublicKey::<X25519>::from_bytes(enc)
                .unwrap()
                .validate()
                .unwrap();
            encs.push(enc.to_vec());
        }
    }
    let n = encs.len();
    encs.sort();
    encs.dedup();
    assert_eq!(encs.len(), n, "every ephemeral key is fresh");
    let seeded = |seed| {
        let mut rng = SeededRng::from_seed(seed);
        let envelope = Sealer::new(&alice, &to).rng(&mut rng).seal(b"replay");
        envelope.unwrap()
    };
    assert_eq!(seeded([9; 32]), seeded([9; 32]));
}
