//! Property tests for `doormat::hpke` (RFC 9180): round trips in every suite
//! and mode, every tampering and every wrong input refused, and the typed
//! errors (inconsistent PSK, export length, message limit, low-order points,
//! lengths, export-only).
//!
//! The known answers are in `hpke_vectors.rs`; these tests check behaviour on
//! random keys and inputs.

mod common;

use common::x25519_low_order;
use doormat::hazmat::hpke::{self as hazmat, KeySchedule};
use doormat::hpke::{
    self, Aead, Error, Kdf, Kem, ReceiverContext, SenderContext, SharedSecret, Suite, TAG_LEN,
    X25519,
};
use doormat::random::SystemRng;
use proptest::prelude::*;

// ----- helpers -----

/// Every test here is of DHKEM(X25519); X-Wing has `hpke_xwing.rs`.
type PrivateKey = hpke::PrivateKey<X25519>;
type PublicKey = hpke::PublicKey<X25519>;
type SenderMode<'a> = hpke::SenderMode<'a, X25519>;
type ReceiverMode<'a> = hpke::ReceiverMode<'a, X25519>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Base,
    Psk,
    Auth,
    AuthPsk,
}

const MODES: [Mode; 4] = [Mode::Base, Mode::Psk, Mode::Auth, Mode::AuthPsk];

impl Mode {
    fn has_psk(self) -> bool {
        matches!(self, Mode::Psk | Mode::AuthPsk)
    }

    fn has_auth(self) -> bool {
        matches!(self, Mode::Auth | Mode::AuthPsk)
    }

    fn id(self) -> u8 {
        self as u8
    }
}

fn sender_mode<'a>(m: Mode, psk: &'a [u8], psk_id: &'a [u8], sk: &'a PrivateKey) -> SenderMode<'a> {
    match m {
        Mode::Base => SenderMode::Base,
        Mode::Psk => SenderMode::Psk { psk, psk_id },
        Mode::Auth => SenderMode::Auth { sender: sk },
        Mode::AuthPsk => SenderMode::AuthPsk {
            psk,
            psk_id,
            sender: sk,
        },
    }
}

fn receiver_mode<'a>(
    m: Mode,
    psk: &'a [u8],
    psk_id: &'a [u8],
    pk: &'a PublicKey,
) -> ReceiverMode<'a> {
    match m {
        Mode::Base => ReceiverMode::Base,
        Mode::Psk => ReceiverMode::Psk { psk, psk_id },
        Mode::Auth => ReceiverMode::Auth { sender: pk },
        Mode::AuthPsk => ReceiverMode::AuthPsk {
            psk,
            psk_id,
            sender: pk,
        },
    }
}

/// The nine suites that seal and open.
fn aead_suites() -> Vec<Suite> {
    Kdf::ALL
        .iter()
        .flat_map(|&kdf| {
            Aead::ALL
                .iter()
                .filter(|&&a| a != Aead::ExportOnly)
                .map(move |&aead| Suite::new(kdf, aead))
        })
        .collect()
}

/// The three export-only suites.
fn export_only_suites() -> Vec<Suite> {
    Kdf::ALL
        .iter()
        .map(|&kdf| Suite::new(kdf, Aead::ExportOnly))
        .collect()
}

/// Random inputs for one HPKE exchange.
#[derive(Debug, Clone)]
struct Inputs {
    ikm_recip: [u8; 32],
    ikm_sender: [u8; 32],
    info: Vec<u8>,
    aad: Vec<u8>,
    pt: Vec<u8>,
    psk: [u8; 32],
    psk_id: Vec<u8>,
}

fn inputs() -> impl Strategy<Value = Inputs> {
    (
        any::<[u8; 32]>(),
        any::<[u8; 32]>(),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(any::<u8>(), 0..64),
        proptest::collection::vec(any::<u8>(), 0..512),
        any::<[u8; 32]>(),
        proptest::collection::vec(any::<u8>(), 1..32),
    )
        .prop_map(
            |(ikm_recip, ikm_sender, info, aad, pt, psk, psk_id)| Inputs {
                ikm_recip,
                ikm_sender,
                info,
                aad,
                pt,
                psk,
                psk_id,
            },
        )
}

/// The keys of one exchange, and a second, unrelated set for "wrong key" tests.
struct Keys {
    sk_recip: PrivateKey,
    pk_recip: PublicKey,
    sk_sender: PrivateKey,
    pk_sender: PublicKey,
    other_sk_recip: PrivateKey,
    other_pk_sender: PublicKey,
}

fn flip_first_bit(ikm: &[u8; 32]) -> [u8; 32] {
    let mut x = *ikm;
    x[0] ^= 0x01;
    x
}

impl Keys {
    fn new(inp: &Inputs) -> Keys {
        let sk_recip = PrivateKey::derive(&inp.ikm_recip);
        let sk_sender = PrivateKey::derive(&inp.ikm_sender);
        let keys = Keys {
            pk_recip: sk_recip.public_key(),
            pk_sender: sk_sender.public_key(),
            sk_recip,
            sk_sender,
            other_sk_recip: PrivateKey::derive(&flip_first_bit(&inp.ikm_recip)),
            other_pk_sender: PrivateKey::derive(&flip_first_bit(&inp.ikm_sender)).public_key(),
        };
        assert_ne!(keys.other_sk_recip.public_key(), keys.pk_recip);
        assert_ne!(keys.other_pk_sender, keys.pk_sender);
        keys
    }
}

/// Sets up a sender and seals `inp.pt` once; returns `(enc, ct, sender)`.
fn seal_one(suite: Suite, m: Mode, inp: &Inputs, k: &Keys) -> (Vec<u8>, Vec<u8>, SenderContext) {
    let smode = sender_mode(m, &inp.psk, &inp.psk_id, &k.sk_sender);
    let (enc, mut sender) =
        hpke::setup_sender(suite, &smode, &k.pk_recip, &inp.info, &mut SystemRng).unwrap();
    let ct = sender.seal(&inp.aad, &inp.pt).unwrap();
    (enc, ct, sender)
}

/// The receiver that matches `seal_one`.
fn good_receiver(suite: Suite, m: Mode, inp: &Inputs, k: &Keys, enc: &[u8]) -> ReceiverContext {
    let rmode = receiver_mode(m, &inp.psk, &inp.psk_id, &k.pk_sender);
    hpke::setup_receiver(suite, &rmode, enc, &k.sk_recip, &inp.info).unwrap()
}

/// `Err(OpenFailed)` from a receiver set up with these (wrong) inputs, for
/// the message `(enc, ct)`.
fn assert_open_fails(
    what: &str,
    suite: Suite,
    rmode: &ReceiverMode<'_>,
    sk: &PrivateKey,
    info: &[u8],
    aad: &[u8],
    (enc, ct): (&[u8], &[u8]),
) {
    let mut r = hpke::setup_receiver(suite, rmode, enc, sk, info)
        .unwrap_or_else(|e| panic!("{what}: setup_receiver failed early: {e:?}"));
    let got = r.open(aad, ct);
    assert!(
        matches!(got, Err(Error::OpenFailed)),
        "{what} ({suite:?}, {rmode:?}): expected OpenFailed, got {got:?}"
    );
    let got = hpke::open(suite, rmode, enc, sk, info, aad, ct);
    assert!(
        matches!(got, Err(Error::OpenFailed)),
        "{what} ({suite:?}, {rmode:?}), single-shot: expected OpenFailed, got {got:?}"
    );
}

/// The X25519 points of small order (`tests/data/x25519-low-order.txt`),
/// each also with the (ignored) high bit set.
fn low_order_points() -> Vec<[u8; 32]> {
    x25519_low_order()
        .into_iter()
        .flat_map(|p| {
            let mut high = p;
            high[31] |= 0x80;
            [p, high]
        })
        .collect()
}

/// A shared secret from the KEM, for building key schedules directly.
fn shared_secret(seed: u8) -> SharedSecret {
    let sk_recip = PrivateKey::derive(&[seed; 32]);
    let sk_eph = PrivateKey::derive(&[seed ^ 0xff; 32]);
    hazmat::encap_derand(&sk_recip.public_key(), &sk_eph.to_bytes(), None)
        .unwrap()
        .0
}

// ----- round trips -----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every AEAD suite, every mode: three messages on one context open in
    /// order, exports agree, and single-shot seal / open round-trip too.
    #[test]
    fn round_trip_every_suite_and_mode(
        inp in inputs(),
        exporter_context in proptest::collection::vec(any::<u8>(), 0..64),
        export_len in 0usize..200,
    ) {
        let k = Keys::new(&inp);
        let msgs: [&[u8]; 3] = [&inp.pt, b"", &inp.pt];
        for suite in aead_suites() {
            for m in MODES {
                let smode = sender_mode(m, &inp.psk, &inp.psk_id, &k.sk_sender);
                let rmode = receiver_mode(m, &inp.psk, &inp.psk_id, &k.pk_sender);
                let (enc, mut sender) =
                    hpke::setup_sender(suite, &smode, &k.pk_recip, &inp.info, &mut SystemRng).unwrap();
                assert_eq!(enc.len(), X25519::ENC_LEN);
                let mut receiver =
                    hpke::setup_receiver(suite, &rmode, &enc, &k.sk_recip, &inp.info).unwrap();
                let mut cts = Vec::new();
                for (i, msg) in msgs.iter().enumerate() {
                    let aad = [&inp.aad[..], &[i as u8]].concat();
                    let ct = sender.seal(&aad, msg).unwrap();
                    assert_eq!(ct.len(), msg.len() + TAG_LEN, "{suite:?} {m:?}");
                    let pt = receiver.open(&aad, &ct).unwrap();
                    assert_eq!(&pt[..], *msg, "{suite:?} {m:?} message {i}");
                    cts.push(ct);
                }
                // The same plaintext at another sequence number is another
                // ciphertext (the nonce moved on).
                assert_ne!(cts[0], cts[2], "{suite:?} {m:?}: nonce reused");

                let e_s = sender.export(&exporter_context, export_len).unwrap();
                let e_r = receiver.export(&exporter_context, export_len).unwrap();
                assert_eq!(e_s.len(), export_len);
                assert_eq!(*e_s, *e_r, "{suite:?} {m:?}: exports differ");
                let other_ctx = [&exporter_context[..], b"x"].concat();
                if export_len >= 16 {
                    assert_ne!(*e_s, *sender.export(&other_ctx, export_len).unwrap());
                }

                let (enc1, ct1) =
                    hpke::seal(suite, &smode, &k.pk_recip, &inp.info, &inp.aad, &inp.pt, &mut SystemRng).unwrap();
                assert_ne!(enc1, enc, "fresh ephemeral key per setup");
                let pt1 =
                    hpke::open(suite, &rmode, &enc1, &k.sk_recip, &inp.info, &inp.aad, &ct1)
                        .unwrap();
                assert_eq!(pt1, inp.pt, "{suite:?} {m:?}: single-shot");
            }
        }
    }

    /// `Encap` / `Decap` (and their Auth forms) agree on the shared secret;
    /// `setup_sender_derand` is deterministic and its `enc` is the public key
    /// of the randomness (the ephemeral private key).
    #[test]
    fn kem_agrees_and_fixed_ephemeral_is_deterministic(
        inp in inputs(),
        ikm_eph in any::<[u8; 32]>(),
        m in prop::sample::select(MODES.to_vec()),
        suite in prop::sample::select(aead_suites()),
    ) {
        let k = Keys::new(&inp);
        let sk_eph = PrivateKey::derive(&ikm_eph);
        let auth_sk = m.has_auth().then_some(&k.sk_sender);
        let auth_pk = m.has_auth().then_some(&k.pk_sender);
        let (ss_s, enc) = hazmat::encap_derand(&k.pk_recip, &sk_eph.to_bytes(), auth_sk).unwrap();
        assert_eq!(enc, sk_eph.public_key().to_array());
        let ss_r = hazmat::decap(&enc, &k.sk_recip, auth_pk).unwrap();
        assert_eq!(ss_s.as_bytes(), ss_r.as_bytes());
        // Base and auth encapsulations of the same ephemeral key differ.
        let (ss_base, _) = hazmat::encap_derand(&k.pk_recip, &sk_eph.to_bytes(), None).unwrap();
        let (ss_auth, _) =
            hazmat::encap_derand(&k.pk_recip, &sk_eph.to_bytes(), Some(&k.sk_sender)).unwrap();
        assert_ne!(ss_base.as_bytes(), ss_auth.as_bytes());

        let smode = sender_mode(m, &inp.psk, &inp.psk_id, &k.sk_sender);
        let randomness = sk_eph.to_bytes();
        let (enc1, mut s1) =
            hazmat::setup_sender_derand(suite, &smode, &k.pk_recip, &inp.info, &randomness)
                .unwrap();
        let (enc2, mut s2) =
            hazmat::setup_sender_derand(suite, &smode, &k.pk_recip, &inp.info, &randomness)
                .unwrap();
        assert_eq!(&enc1[..], &enc[..]);
        assert_eq!(enc1, enc2);
        assert_eq!(s1.seal(&inp.aad, &inp.pt).unwrap(), s2.seal(&inp.aad, &inp.pt).unwrap());

        // And the key schedule built by hand from the KEM's secret matches.
        let (psk, psk_id): (&[u8], &[u8]) =
            if m.has_psk() { (&inp.psk, &inp.psk_id) } else { (b"", b"") };
        let mut by_hand = KeySchedule::new(X25519::ID, suite, m.id(), &ss_s, &inp.info, psk, psk_id)
            .unwrap()
            .into_sender(1)
            .unwrap();
        assert_eq!(s1.seal(b"", b"second").unwrap(), by_hand.seal(b"", b"second").unwrap());
    }
}

// ----- failures -----

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Wrong recipient key, info, aad, psk, psk_id, sender key or mode: the
    /// receiver sets up, and `open` fails with `OpenFailed`.
    #[test]
    fn wrong_inputs_fail(inp in inputs(), suite in prop::sample::select(aead_suites())) {
        let k = Keys::new(&inp);
        for m in MODES {
            let (enc, ct, _) = seal_one(suite, m, &inp, &k);
            let rmode = receiver_mode(m, &inp.psk, &inp.psk_id, &k.pk_sender);
            let open = |what, rmode: &ReceiverMode<'_>, sk, info: &[u8], aad: &[u8]| {
                assert_open_fails(what, suite, rmode, sk, info, aad, (&enc, &ct))
            };

            open("wrong recipient key", &rmode, &k.other_sk_recip, &inp.info, &inp.aad);
            let info = [&inp.info[..], b"\0"].concat();
            open("info longer", &rmode, &k.sk_recip, &info, &inp.aad);
            if !inp.info.is_empty() {
                let mut info = inp.info.clone();
                info[0] ^= 0x80;
                open("info changed", &rmode, &k.sk_recip, &info, &inp.aad);
            }
            let aad = [&inp.aad[..], b"\0"].concat();
            open("aad longer", &rmode, &k.sk_recip, &inp.info, &aad);
            if !inp.aad.is_empty() {
                let aad = &inp.aad[..inp.aad.len() - 1];
                open("aad shorter", &rmode, &k.sk_recip, &inp.info, aad);
            }

            if m.has_psk() {
                let mut psk = inp.psk;
                psk[31] ^= 0x01;
                let r = receiver_mode(m, &psk, &inp.psk_id, &k.pk_sender);
                open("wrong psk", &r, &k.sk_recip, &inp.info, &inp.aad);
                let mut psk_id = inp.psk_id.clone();
                psk_id[0] ^= 0x01;
                let r = receiver_mode(m, &inp.psk, &psk_id, &k.pk_sender);
                open("wrong psk_id", &r, &k.sk_recip, &inp.info, &inp.aad);
                let psk_id = [&inp.psk_id[..], b"\0"].concat();
                let r = receiver_mode(m, &inp.psk, &psk_id, &k.pk_sender);
                open("longer psk_id", &r, &k.sk_recip, &inp.info, &inp.aad);
            }
            if m.has_auth() {
                let r = receiver_mode(m, &inp.psk, &inp.psk_id, &k.other_pk_sender);
                open("wrong sender key", &r, &k.sk_recip, &inp.info, &inp.aad);
            }
            // Every other mode with the right keys and PSK.
            for other in MODES.into_iter().filter(|&o| o != m) {
                let r = receiver_mode(other, &inp.psk, &inp.psk_id, &k.pk_sender);
                open("wrong mode", &r, &k.sk_recip, &inp.info, &inp.aad);
            }

            // A failed open leaves the context where it was: the right aad
            // still opens the message afterwards.
            let mut r = good_receiver(suite, m, &inp, &k, &enc);
            assert!(matches!(r.open(&aad, &ct), Err(Error::OpenFailed)));
            assert_eq!(r.open(&inp.aad, &ct).unwrap(), inp.pt);
        }
    }

    /// Any single flipped bit of `enc` makes `open` fail (or the setup, with
    /// `ZeroSharedSecret`, should the flip land on a low-order point). Bit 7
    /// of byte 31 is masked by X25519 (RFC 7748 §5), so the DH output is the
    /// same, but `enc` is part of `kem_context`, so the shared secret differs.
    #[test]
    fn flipped_enc_bit_fails(
        inp in inputs(),
        suite in prop::sample::select(aead_suites()),
        m in prop::sample::select(MODES.to_vec()),
        bit in prop_oneof![Just(255usize), 0usize..256],
    ) {
        let k = Keys::new(&inp);
        let (enc, ct, _) = seal_one(suite, m, &inp, &k);
        check_flipped_enc_bit(suite, m, &inp, &k, &enc, &ct, bit);
    }

    /// Any single flipped bit of the ciphertext (body or tag) makes `open`
    /// fail with `OpenFailed`, and does not advance the receiver.
    #[test]
    fn flipped_ciphertext_bit_fails(
        inp in inputs(),
        suite in prop::sample::select(aead_suites()),
        m in prop::sample::select(MODES.to_vec()),
        bit_seed in any::<prop::sample::Index>(),
    ) {
        let k = Keys::new(&inp);
        let (enc, ct, _) = seal_one(suite, m, &inp, &k);
        let bit = bit_seed.index(ct.len() * 8);
        let mut bad = ct.clone();
        bad[bit / 8] ^= 1 << (bit % 8);
        let mut r = good_receiver(suite, m, &inp, &k, &enc);
        let got = r.open(&inp.aad, &bad);
        assert!(matches!(got, Err(Error::OpenFailed)), "bit {bit}: {got:?}");
        // Truncated by one byte, or with a byte appended: also refused.
        assert!(matches!(r.open(&inp.aad, &ct[..ct.len() - 1]), Err(Error::OpenFailed)));
        let longer = [&ct[..], b"\0"].concat();
        assert!(matches!(r.open(&inp.aad, &longer), Err(Error::OpenFailed)));
        assert!(matches!(r.open(&inp.aad, &ct[..TAG_LEN - 1]), Err(Error::OpenFailed)));
        assert!(matches!(r.open(&inp.aad, b""), Err(Error::OpenFailed)));
        // The genuine ciphertext still opens: the failures did not advance the context.
        assert_eq!(r.open(&inp.aad, &ct).unwrap(), inp.pt);
    }

    /// Messages opened out of order, skipped or replayed fail; in order they open.
    #[test]
    fn out_of_order_open_fails(
        inp in inputs(),
        suite in prop::sample::select(aead_suites()),
        m in prop::sample::select(MODES.to_vec()),
    ) {
        let k = Keys::new(&inp);
        let (enc, c0, mut sender) = seal_one(suite, m, &inp, &k);
        let c1 = sender.seal(&inp.aad, &inp.pt).unwrap();
        let c2 = sender.seal(&inp.aad, &inp.pt).unwrap();
        let mut r = good_receiver(suite, m, &inp, &k, &enc);
        let fails = |r: &mut ReceiverContext, ct: &[u8], what: &str| {
            let got = r.open(&inp.aad, ct);
            assert!(matches!(got, Err(Error::OpenFailed)), "{what}: {got:?}");
        };
        fails(&mut r, &c1, "second message first");
        fails(&mut r, &c2, "third message first");
        assert_eq!(r.open(&inp.aad, &c0).unwrap(), inp.pt);
        fails(&mut r, &c0, "first message replayed");
        fails(&mut r, &c2, "second message skipped");
        assert_eq!(r.open(&inp.aad, &c1).unwrap(), inp.pt);
        assert_eq!(r.open(&inp.aad, &c2).unwrap(), inp.pt);
        fails(&mut r, &c2, "third message replayed");
        // A fresh receiver cannot open the second message first either.
        let mut fresh = good_receiver(suite, m, &inp, &k, &enc);
        fails(&mut fresh, &c1, "fresh receiver, second message");
    }

    /// Export-only suites export, both sides agree, and seal / open refuse
    /// with `ExportOnly`.
    #[test]
    fn export_only_suites_export_but_refuse_seal_and_open(
        inp in inputs(),
        exporter_context in proptest::collection::vec(any::<u8>(), 0..64),
        export_len in 1usize..200,
    ) {
        let k = Keys::new(&inp);
        for suite in export_only_suites() {
            for m in MODES {
                let smode = sender_mode(m, &inp.psk, &inp.psk_id, &k.sk_sender);
                let rmode = receiver_mode(m, &inp.psk, &inp.psk_id, &k.pk_sender);
                let (enc, mut sender) =
                    hpke::setup_sender(suite, &smode, &k.pk_recip, &inp.info, &mut SystemRng).unwrap();
                let mut receiver =
                    hpke::setup_receiver(suite, &rmode, &enc, &k.sk_recip, &inp.info).unwrap();
                let e_s = sender.export(&exporter_context, export_len).unwrap();
                let e_r = receiver.export(&exporter_context, export_len).unwrap();
                assert_eq!(e_s.len(), export_len);
                assert_eq!(*e_s, *e_r, "{suite:?} {m:?}");
                // A receiver with the wrong key exports something else (32
                // bytes: two 1-byte exports collide once in 256).
                let wrong = hpke::setup_receiver(suite, &rmode, &enc, &k.other_sk_recip, &inp.info)
                    .unwrap();
                assert_ne!(
                    *wrong.export(&exporter_context, 32).unwrap(),
                    *receiver.export(&exporter_context, 32).unwrap()
                );

                let got = sender.seal(&inp.aad, &inp.pt);
                assert!(matches!(got, Err(Error::ExportOnly)), "{suite:?} {m:?}: {got:?}");
                let got = receiver.open(&inp.aad, &[0u8; 32]);
                assert!(matches!(got, Err(Error::ExportOnly)), "{suite:?} {m:?}: {got:?}");
                let got = hpke::seal(suite, &smode, &k.pk_recip, &inp.info, &inp.aad, &inp.pt, &mut SystemRng);
                assert!(matches!(got, Err(Error::ExportOnly)), "{suite:?} {m:?}: {got:?}");
                let got = hpke::open(suite, &rmode, &enc, &k.sk_recip, &inp.info, &inp.aad, &[0; 16]);
                assert!(matches!(got, Err(Error::ExportOnly)), "{suite:?} {m:?}: {got:?}");
                // Refusing did not spoil the exporter.
                assert_eq!(*sender.export(&exporter_context, export_len).unwrap(), *e_s);
            }
        }
    }
}

fn check_flipped_enc_bit(
    suite: Suite,
    m: Mode,
    inp: &Inputs,
    k: &Keys,
    enc: &[u8],
    ct: &[u8],
    bit: usize,
) {
    let mut bad = enc.to_vec();
    bad[bit / 8] ^= 1 << (bit % 8);
    let rmode = receiver_mode(m, &inp.psk, &inp.psk_id, &k.pk_sender);
    let auth_pk = m.has_auth().then_some(&k.pk_sender);

    if bit == 255 {
        // Masked by X25519: the same DH output ...
        let dh = k.sk_recip.dh(&PublicKey::from_bytes(enc).unwrap()).unwrap();
        let dh_bad = k
            .sk_recip
            .dh(&PublicKey::from_bytes(&bad).unwrap())
            .unwrap();
        assert_eq!(*dh, *dh_bad, "the high bit of a u-coordinate is not masked");
        // ... but another kem_context, so another shared secret ...
        let ss = hazmat::decap(enc, &k.sk_recip, auth_pk).unwrap();
        let ss_bad = hazmat::decap(&bad, &k.sk_recip, auth_pk).unwrap();
        assert_ne!(
            ss.as_bytes(),
            ss_bad.as_bytes(),
            "enc is not in kem_context"
        );
        // ... so open fails.
        assert_open_fails(
            "enc bit 255",
            suite,
            &rmode,
            &k.sk_recip,
            &inp.info,
            &inp.aad,
            (&bad, ct),
        );
        return;
    }
    match hpke::setup_receiver(suite, &rmode, &bad, &k.sk_recip, &inp.info) {
        Ok(mut r) => {
            let got = r.open(&inp.aad, ct);
            assert!(
                matches!(got, Err(Error::OpenFailed)),
                "enc bit {bit}: {got:?}"
            );
        }
        Err(Error::ZeroSharedSecret) => {
            // Only a low-order point may give this.
            assert!(
                low_order_points().iter().any(|p| p[..] == bad[..]),
                "enc bit {bit}"
            );
        }
        Err(e) => panic!("enc bit {bit}: unexpected {e:?}"),
    }
}

/// All 256 bits of `enc`, in every mode, for one exchange.
#[test]
fn every_flipped_enc_bit_fails() {
    let inp = Inputs {
        ikm_recip: [1; 32],
        ikm_sender: [2; 32],
        info: b"info".to_vec(),
        aad: b"aad".to_vec(),
        pt: b"the plaintext".to_vec(),
        psk: [3; 32],
        psk_id: b"psk id".to_vec(),
    };
    let k = Keys::new(&inp);
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    for m in MODES {
        let (enc, ct, _) = seal_one(suite, m, &inp, &k);
        assert_eq!(
            good_receiver(suite, m, &inp, &k, &enc)
                .open(&inp.aad, &ct)
                .unwrap(),
            inp.pt
        );
        for bit in 0..256 {
            check_flipped_enc_bit(suite, m, &inp, &k, &enc, &ct, bit);
        }
    }
}

// ----- typed errors -----

#[test]
fn inconsistent_psk_is_refused() {
    let sk_recip = PrivateKey::derive(b"recipient");
    let pk_recip = sk_recip.public_key();
    let sk_sender = PrivateKey::derive(b"sender");
    let pk_sender = sk_sender.public_key();
    let suite = Suite::new(Kdf::HkdfSha256, Aead::Aes128Gcm);
    let (good_enc, _) =
        hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, b"", &mut SystemRng).unwrap();

    let pairs: [(&[u8], &[u8]); 3] = [
        (b"", b"id"),
        (b"a psk of 32 bytes...............", b""),
        (b"", b""),
    ];
    for (psk, psk_id) in pairs {
        let senders = [
            SenderMode::Psk { psk, psk_id },
            SenderMode::AuthPsk {
                psk,
                psk_id,
                sender: &sk_sender,
            },
        ];
        for mode in &senders {
            let got = hpke::setup_sender(suite, mode, &pk_recip, b"info", &mut SystemRng);
            assert!(
                matches!(got, Err(Error::InconsistentPsk)),
                "{mode:?} {psk:?} {psk_id:?}: {got:?}"
            );
            let got = hpke::seal(suite, mode, &pk_recip, b"info", b"", b"pt", &mut SystemRng);
            assert!(
                matches!(got, Err(Error::InconsistentPsk)),
                "{mode:?}: {got:?}"
            );
        }
        let receivers = [
            ReceiverMode::Psk { psk, psk_id },
            ReceiverMode::AuthPsk {
                psk,
                psk_id,
                sender: &pk_sender,
            },
        ];
        for mode in &receivers {
            let got = hpke::setup_receiver(suite, mode, &good_enc, &sk_recip, b"info");
            assert!(
                matches!(got, Err(Error::InconsistentPsk)),
                "{mode:?} {psk:?} {psk_id:?}: {got:?}"
            );
            let got = hpke::open(suite, mode, &good_enc, &sk_recip, b"info", b"", &[0; 16]);
            assert!(
                matches!(got, Err(Error::InconsistentPsk)),
                "{mode:?}: {got:?}"
            );
        }
    }

    // The key schedule checks too: a PSK in the base / auth modes, none in
    // the PSK modes, half a PSK, and a mode byte that does not exist.
    let ss = shared_secret(7);
    let psk = [9u8; 32];
    for (mode, psk, psk_id) in [
        (0u8, &psk[..], &b"id"[..]),
        (2, &psk[..], &b"id"[..]),
        (1, &b""[..], &b""[..]),
        (3, &b""[..], &b""[..]),
        (1, &psk[..], &b""[..]),
        (3, &b""[..], &b"id"[..]),
    ] {
        let got = KeySchedule::new(X25519::ID, suite, mode, &ss, b"", psk, psk_id);
        assert!(
            matches!(got, Err(Error::InconsistentPsk)),
            "mode {mode}: {got:?}"
        );
    }
    // A PSK shorter than 32 bytes is refused on both sides and in the key
    // schedule (RFC 9180 §5.1.2); 32 bytes are accepted.
    for len in [1usize, 16, 31] {
        let short = vec![7u8; len];
        let smode = SenderMode::Psk {
            psk: &short,
            psk_id: b"id",
        };
        let got = hpke::setup_sender(suite, &smode, &pk_recip, b"info", &mut SystemRng);
        assert!(matches!(got, Err(Error::PskTooShort)), "{len}: {got:?}");
        let rmode = ReceiverMode::AuthPsk {
            psk: &short,
            psk_id: b"id",
            sender: &pk_sender,
        };
        let got = hpke::setup_receiver(suite, &rmode, &good_enc, &sk_recip, b"info");
        assert!(matches!(got, Err(Error::PskTooShort)), "{len}: {got:?}");
        let got = KeySchedule::new(X25519::ID, suite, 1, &ss, b"", &short, b"id");
        assert!(matches!(got, Err(Error::PskTooShort)), "{len}: {got:?}");
    }
    assert_eq!(hpke::MIN_PSK_LEN, 32);
    // Mode bytes RFC 9180 does not define are refused as such, naming the mode.
    for (mode, psk, psk_id) in [(4u8, &b""[..], &b""[..]), (255, &psk[..], &b"id"[..])] {
        let got = KeySchedule::new(X25519::ID, suite, mode, &ss, b"", psk, psk_id);
        assert!(
            matches!(got, Err(Error::UnsupportedMode(m)) if m == mode),
            "mode {mode}: {got:?}"
        );
    }
    // The consistent ones work.
    for (mode, psk, psk_id) in [(0u8, &b""[..], &b""[..]), (1, &psk[..], &b"id"[..])] {
        assert!(KeySchedule::new(X25519::ID, suite, mode, &ss, b"", psk, psk_id).is_ok());
    }
}

#[test]
fn export_longer_than_255_nh_is_refused() {
    let ss = shared_secret(1);
    for kdf in Kdf::ALL {
        for aead in Aead::ALL {
            let suite = Suite::new(kdf, aead);
            let max = 255 * kdf.hash_len();
            let schedule =
                || KeySchedule::new(X25519::ID, suite, 0, &ss, b"info", b"", b"").unwrap();
            let sender = schedule().into_sender(0).unwrap();
            let receiver = schedule().into_receiver(0).unwrap();
            assert_eq!(schedule().exporter_secret().len(), kdf.hash_len());

            let a = sender.export(b"ctx", max).unwrap();
            let b = receiver.export(b"ctx", max).unwrap();
            assert_eq!(a.len(), max);
            assert_eq!(*a, *b, "{suite:?}");
            assert!(a.iter().any(|&x| x != 0));
            for len in [max + 1, max + kdf.hash_len(), 1 << 16, usize::MAX] {
                let got = sender.export(b"ctx", len);
                assert!(
                    matches!(got, Err(Error::ExportTooLong)),
                    "{suite:?} len {len}: {got:?}"
                );
                let got = receiver.export(b"ctx", len);
                assert!(
                    matches!(got, Err(Error::ExportTooLong)),
                    "{suite:?} len {len}: {got:?}"
                );
            }
            // The refusal does not spoil the context.
            assert_eq!(*sender.export(b"ctx", max).unwrap(), *a);
        }
    }
}

#[test]
fn message_limit_reached_at_u64_max() {
    let ss = shared_secret(2);
    for suite in aead_suites() {
        let schedule = || KeySchedule::new(X25519::ID, suite, 0, &ss, b"info", b"", b"").unwrap();

        // Starting at u64::MAX: nothing, ever.
        let mut s = schedule().into_sender(u64::MAX).unwrap();
        for _ in 0..3 {
            let got = s.seal(b"", b"pt");
            assert!(
                matches!(got, Err(Error::MessageLimitReached)),
                "{suite:?}: {got:?}"
            );
        }
        let mut r = schedule().into_receiver(u64::MAX).unwrap();
        for _ in 0..3 {
            let got = r.open(b"", &[0u8; 32]);
            assert!(
                matches!(got, Err(Error::MessageLimitReached)),
                "{suite:?}: {got:?}"
            );
        }
        // A spent context still exports.
        assert_eq!(*s.export(b"e", 32).unwrap(), *r.export(b"e", 32).unwrap());

        // At u64::MAX - 1: exactly one message, then the context is spent.
        let mut s = schedule().into_sender(u64::MAX - 1).unwrap();
        let ct = s.seal(b"aad", b"last").unwrap();
        for _ in 0..3 {
            let got = s.seal(b"aad", b"one too many");
            assert!(
                matches!(got, Err(Error::MessageLimitReached)),
                "{suite:?}: {got:?}"
            );
        }
        let mut r = schedule().into_receiver(u64::MAX - 1).unwrap();
        // A wrong ciphertext at the last sequence number is OpenFailed and
        // does not spend the context ...
        assert!(matches!(r.open(b"other aad", &ct), Err(Error::OpenFailed)));
        assert_eq!(r.open(b"aad", &ct).unwrap(), b"last");
        // ... and after the last message, everything is MessageLimitReached.
        for _ in 0..3 {
            let got = r.open(b"aad", &ct);
            assert!(
                matches!(got, Err(Error::MessageLimitReached)),
                "{suite:?}: {got:?}"
            );
        }
        // The nonce depends on the sequence number: a receiver at 0 cannot
        // open the message sealed at u64::MAX - 1.
        let mut r0 = schedule().into_receiver(0).unwrap();
        assert!(matches!(r0.open(b"aad", &ct), Err(Error::OpenFailed)));
        // A sender started at seq 1 produces the second message of a normal context.
        let mut s0 = schedule().into_sender(0).unwrap();
        let mut s1 = schedule().into_sender(1).unwrap();
        s0.seal(b"", b"first").unwrap();
        assert_eq!(
            s0.seal(b"", b"second").unwrap(),
            s1.seal(b"", b"second").unwrap()
        );
    }
}

#[test]
fn low_order_points_give_zero_shared_secret() {
    let suite = Suite::new(Kdf::HkdfSha256, Aead::Aes256Gcm);
    let sk_recip = PrivateKey::derive(b"recipient");
    let pk_recip = sk_recip.public_key();
    let sk_sender = PrivateKey::derive(b"sender");
    let pk_sender = sk_sender.public_key();
    let psk = [5u8; 32];
    let psk_id = b"id";
    let (good_enc, _) =
        hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, b"", &mut SystemRng).unwrap();

    for point in low_order_points() {
        let low = PublicKey::from_bytes(&point).unwrap();
        let name = hex::encode(point);
        for m in MODES {
            // A low-order recipient key.
            let smode = sender_mode(m, &psk, psk_id, &sk_sender);
            let got = hpke::setup_sender(suite, &smode, &low, b"info", &mut SystemRng);
            assert!(
                matches!(got, Err(Error::ZeroSharedSecret)),
                "pkR {name} {m:?}: {got:?}"
            );
            let got = hpke::seal(suite, &smode, &low, b"info", b"", b"pt", &mut SystemRng);
            assert!(
                matches!(got, Err(Error::ZeroSharedSecret)),
                "pkR {name} {m:?}: {got:?}"
            );

            // A low-order enc.
            let rmode = receiver_mode(m, &psk, psk_id, &pk_sender);
            let got = hpke::setup_receiver(suite, &rmode, &point, &sk_recip, b"info");
            assert!(
                matches!(got, Err(Error::ZeroSharedSecret)),
                "enc {name} {m:?}: {got:?}"
            );
            let got = hpke::open(suite, &rmode, &point, &sk_recip, b"info", b"", &[0; 16]);
            assert!(
                matches!(got, Err(Error::ZeroSharedSecret)),
                "enc {name} {m:?}: {got:?}"
            );

            // A low-order sender key, in the auth modes, with a good enc.
            if m.has_auth() {
                let rmode = receiver_mode(m, &psk, psk_id, &low);
                let got = hpke::setup_receiver(suite, &rmode, &good_enc, &sk_recip, b"info");
                assert!(
                    matches!(got, Err(Error::ZeroSharedSecret)),
                    "pkS {name} {m:?}: {got:?}"
                );
            }
        }
        // The KEM itself, and the DH under it.
        let got = hazmat::encap_derand(&low, &sk_sender.to_bytes(), None);
        assert!(
            matches!(got, Err(Error::ZeroSharedSecret)),
            "{name}: {:?}",
            got.map(|x| x.1)
        );
        let got = hazmat::decap(&point, &sk_recip, None);
        assert!(
            matches!(got, Err(Error::ZeroSharedSecret)),
            "{name}: {got:?}"
        );
        let got = sk_recip.dh(&low);
        assert!(matches!(got, Err(Error::ZeroSharedSecret)), "{name}");
    }
}

#[test]
fn wrong_length_enc_and_keys_are_refused() {
    let suite = Suite::new(Kdf::HkdfSha384, Aead::ChaCha20Poly1305);
    let sk_recip = PrivateKey::derive(b"recipient");
    let pk_recip = sk_recip.public_key();
    let (enc, _) =
        hpke::setup_sender(suite, &SenderMode::Base, &pk_recip, b"", &mut SystemRng).unwrap();
    let long = [&enc[..], &[0]].concat();
    for bad in [&enc[..31], &long[..], &[][..], &[0u8; 64][..]] {
        let n = bad.len();
        let is_len_err =
            |e: &Error| matches!(e, Error::InvalidLength { expected: 32, got } if *got == n);
        let got = hpke::setup_receiver(suite, &ReceiverMode::Base, bad, &sk_recip, b"");
        assert!(
            matches!(&got, Err(e) if is_len_err(e)),
            "enc of {n} bytes: {got:?}"
        );
        let got = hpke::open(
            suite,
            &ReceiverMode::Base,
            bad,
            &sk_recip,
            b"",
            b"",
            &[0; 16],
        );
        assert!(
            matches!(&got, Err(e) if is_len_err(e)),
            "enc of {n} bytes: {got:?}"
        );
        let got = hazmat::decap(bad, &sk_recip, None);
        assert!(
            matches!(&got, Err(e) if is_len_err(e)),
            "enc of {n} bytes: {got:?}"
        );
        let got = PublicKey::from_bytes(bad);
        assert!(
            matches!(&got, Err(e) if is_len_err(e)),
            "public key of {n} bytes: {got:?}"
        );
        let got = PrivateKey::from_bytes(bad);
        assert!(
            matches!(&got, Err(e) if is_len_err(e)),
            "private key of {n} bytes: {got:?}"
        );
    }
    // 32 bytes are fine, and keys survive their byte forms.
    let sk = PrivateKey::from_bytes(sk_recip.to_bytes().as_ref()).unwrap();
    assert!(sk == sk_recip);
    assert_eq!(
        PublicKey::from_bytes(pk_recip.as_bytes()).unwrap(),
        pk_recip
    );
    assert_eq!(sk.public_key(), pk_recip);
}
