//! HPKE with MLKEM768-X25519 ("X-Wing", kem 0x647a): the known-answer
//! vector of draft-ietf-hpke-pq for HKDF-SHA256 / ChaCha20-Poly1305
//! (`tests/data/hpke-pq-xwing.json`, taken from the draft's
//! `test-vectors.json` at commit 74dafaa of github.com/hpkewg/hpke-pq), both
//! roles and every intermediate value; then round trips and refusals in the
//! manner of `hpke_properties.rs`.

mod common;

use doormat::hazmat::hpke::{decap, encap_derand, xwing_x25519_component, KeySchedule};
use doormat::hpke::{
    self, Aead, Error, Kdf, Kem, PrivateKey, PublicKey, ReceiverMode, SenderMode, Suite, XWing,
};
use doormat::random::{SeedableRng, SeededRng, SystemRng};
use proptest::prelude::*;
use serde::Deserialize;

const VECTORS: &str = include_str!("data/hpke-pq-xwing.json");

#[derive(Deserialize)]
struct Setup {
    mode: u8,
    kem_id: u16,
    kdf_id: u16,
    aead_id: u16,
    #[serde(with = "hex")]
    info: Vec<u8>,
    #[serde(rename = "ikmE", with = "hex")]
    ikm_eph: Vec<u8>,
    #[serde(rename = "ikmR", with = "hex")]
    ikm_recip: Vec<u8>,
    #[serde(rename = "skRm", with = "hex")]
    sk_recip: Vec<u8>,
    #[serde(rename = "pkRm", with = "hex")]
    pk_recip: Vec<u8>,
    #[serde(with = "hex")]
    enc: Vec<u8>,
    #[serde(with = "hex")]
    shared_secret: Vec<u8>,
    #[serde(with = "hex")]
    suite_id: Vec<u8>,
    #[serde(with = "hex")]
    key: Vec<u8>,
    #[serde(with = "hex")]
    base_nonce: Vec<u8>,
    #[serde(with = "hex")]
    exporter_secret: Vec<u8>,
    encryptions: Vec<Encryption>,
    exports: Vec<Export>,
}

#[derive(Deserialize)]
struct Encryption {
    #[serde(with = "hex")]
    pt: Vec<u8>,
    #[serde(with = "hex")]
    aad: Vec<u8>,
    #[serde(with = "hex")]
    nonce: Vec<u8>,
    #[serde(with = "hex")]
    ct: Vec<u8>,
}

#[derive(Deserialize)]
struct Export {
    #[serde(with = "hex")]
    exporter_context: Vec<u8>,
    #[serde(rename = "L")]
    len: usize,
    #[serde(with = "hex")]
    exported_value: Vec<u8>,
}

#[test]
fn draft_ietf_hpke_pq_xwing_vectors() {
    let setups: Vec<Setup> = serde_json::from_str(VECTORS).unwrap();
    let (mut n_setups, mut n_encryptions, mut n_exports) = (0, 0, 0);
    for v in &setups {
        assert_eq!((v.kem_id, v.mode), (XWing::ID, 0));
        let suite = Suite::new(
            Kdf::from_id(v.kdf_id).unwrap(),
            Aead::from_id(v.aead_id).unwrap(),
        );
        assert_eq!(&v.suite_id[..6], b"HPKE\x64\x7a");

        // DeriveKeyPair and serialization.
        let sk = PrivateKey::<XWing>::derive(&v.ikm_recip);
        assert_eq!(&sk.to_bytes()[..], &v.sk_recip[..], "skRm");
        assert_eq!(sk.public_key().as_bytes(), &v.pk_recip[..], "pkRm");
        let pk = PublicKey::<XWing>::from_bytes(&v.pk_recip).unwrap();
        assert_eq!(pk, sk.public_key());
        assert!(PrivateKey::<XWing>::from_bytes(&v.sk_recip).unwrap() == sk);

        // Encap with the vector's randomness, Decap, and the key schedule.
        let randomness: [u8; 64] = v.ikm_eph.clone().try_into().unwrap();
        let (ss, enc) = encap_derand(&pk, &randomness, None).unwrap();
        assert_eq!(enc, v.enc, "enc");
        assert_eq!(&ss.as_bytes()[..], &v.shared_secret[..], "shared_secret");
        let ss_r = decap(&v.enc, &sk, None).unwrap();
        assert_eq!(&ss_r.as_bytes()[..], &v.shared_secret[..], "decap");
        let ks = KeySchedule::new(XWing::ID, suite, 0, &ss, &v.info, b"", b"").unwrap();
        assert_eq!(ks.key(), &v.key[..], "key");
        assert_eq!(ks.base_nonce(), &v.base_nonce[..], "base_nonce");
        assert_eq!(
            ks.exporter_secret(),
            &v.exporter_secret[..],
            "exporter_secret"
        );

        // Both roles, every encryption in sequence order, every export.
        let mut sender = ks.into_sender(0).unwrap();
        let mut receiver =
            hpke::setup_receiver(suite, &ReceiverMode::Base, &v.enc, &sk, &v.info).unwrap();
        for (i, e) in v.encryptions.iter().enumerate() {
            assert_eq!(e.nonce.len(), 12);
            assert_eq!(sender.seal(&e.aad, &e.pt).unwrap(), e.ct, "encryption {i}");
            assert_eq!(
                receiver.open(&e.aad, &e.ct).unwrap(),
                e.pt,
                "decryption {i}"
            );
            n_encryptions += 1;
        }
        for (i, x) in v.exports.iter().enumerate() {
            assert_eq!(
                *sender.export(&x.exporter_context, x.len).unwrap(),
                x.exported_value,
                "export {i}"
            );
            assert_eq!(
                *receiver.export(&x.exporter_context, x.len).unwrap(),
                x.exported_value
            );
            n_exports += 1;
        }
        n_setups += 1;
    }
    println!("X-Wing vectors: {n_setups} setup, {n_encryptions} encryptions, {n_exports} exports");
    assert_eq!((n_setups, n_encryptions, n_exports), (1, 10, 5));
}

fn suites() -> impl Strategy<Value = Suite> {
    (
        prop::sample::select(Kdf::ALL.to_vec()),
        prop::sample::select(vec![
            Aead::Aes128Gcm,
            Aead::Aes256Gcm,
            Aead::ChaCha20Poly1305,
        ]),
    )
        .prop_map(|(kdf, aead)| Suite::new(kdf, aead))
}

proptest! {
    #![proptest_config(common::config(24))]

    /// Round trips in base and psk mode, every suite; a wrong key, info,
    /// aad or psk, or a flipped bit of `enc`, fails.
    #[test]
    fn xwing_round_trip_and_refusals(
        suite in suites(),
        ikm in any::<[u8; 32]>(),
        info in prop::collection::vec(any::<u8>(), 0..40),
        aad in prop::collection::vec(any::<u8>(), 0..40),
        pt in prop::collection::vec(any::<u8>(), 0..200),
        psk in any::<[u8; 32]>(),
        flip in 0..XWing::ENC_LEN * 8,
        seed in any::<[u8; 32]>(),
    ) {
        let sk = PrivateKey::<XWing>::derive(&ikm);
        let mut rng = SeededRng::from_seed(seed);
        let pk = sk.public_key();
        let modes = [
            (SenderMode::Base, ReceiverMode::Base),
            (SenderMode::Psk { psk: &psk, psk_id: b"id" }, ReceiverMode::Psk { psk: &psk, psk_id: b"id" }),
        ];
        for (smode, rmode) in &modes {
            let (enc, ct) = hpke::seal(suite, smode, &pk, &info, &aad, &pt, &mut rng).unwrap();
            prop_assert_eq!(enc.len(), XWing::ENC_LEN);
            prop_assert_eq!(hpke::open(suite, rmode, &enc, &sk, &info, &aad, &ct).unwrap(), pt.clone());
            let other = PrivateKey::<XWing>::derive(&[ikm, [1; 32]].concat());
            prop_assert!(hpke::open(suite, rmode, &enc, &other, &info, &aad, &ct).is_err());
            prop_assert!(hpke::open(suite, rmode, &enc, &sk, b"other info", &aad, &ct).is_err());
            prop_assert!(hpke::open(suite, rmode, &enc, &sk, &info, b"other aad", &ct).is_err());
            let mut bad = enc.clone();
            bad[flip / 8] ^= 1 << (flip % 8);
            prop_assert!(hpke::open(suite, rmode, &bad, &sk, &info, &aad, &ct).is_err());
        }
        let mut wrong_psk = psk;
        wrong_psk[0] ^= 1;
        let (enc, ct) = hpke::seal(suite, &modes[1].0, &pk, &info, &aad, &pt, &mut rng).unwrap();
        let r = ReceiverMode::Psk { psk: &wrong_psk, psk_id: b"id" };
        prop_assert!(hpke::open(suite, &r, &enc, &sk, &info, &aad, &ct).is_err());
    }
}

/// No authenticated modes for X-Wing; wrong lengths are typed errors.
///
/// A mode's sender key has the KEM of the recipient's key, so a classical
/// sender key with an X-Wing recipient no longer compiles; an X-Wing sender
/// key is refused at run time, by every entry point, naming the mode asked
/// for (the bare `encap_derand`/`decap` building blocks have no mode and
/// report `AuthEncap`'s, 2).
#[test]
fn xwing_refuses_auth_modes_and_bad_lengths() {
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let sk = PrivateKey::<XWing>::generate();
    let pk = sk.public_key();
    let sender = PrivateKey::<XWing>::generate();
    let auth = SenderMode::Auth { sender: &sender };
    assert!(matches!(
        hpke::setup_sender(suite, &auth, &pk, b"", &mut SystemRng),
        Err(Error::UnsupportedMode(2))
    ));
    let psk = [7u8; 32];
    let auth_psk = SenderMode::AuthPsk {
        psk: &psk,
        psk_id: b"id",
        sender: &sender,
    };
    assert!(matches!(
        hpke::seal(suite, &auth_psk, &pk, b"", b"", b"x", &mut SystemRng),
        Err(Error::UnsupportedMode(3))
    ));
    assert!(matches!(
        encap_derand(&pk, &[0; XWing::ENCAP_RANDOMNESS_LEN], Some(&sender)),
        Err(Error::UnsupportedMode(2))
    ));
    let pk_sender = sender.public_key();
    let r_auth = ReceiverMode::Auth { sender: &pk_sender };
    let (enc, _) = hpke::setup_sender(suite, &SenderMode::Base, &pk, b"", &mut SystemRng).unwrap();
    assert!(matches!(
        hpke::setup_receiver(suite, &r_auth, &enc, &sk, b""),
        Err(Error::UnsupportedMode(2))
    ));
    let r_auth_psk = ReceiverMode::AuthPsk {
        psk: &psk,
        psk_id: b"id",
        sender: &pk_sender,
    };
    assert!(matches!(
        hpke::setup_receiver(suite, &r_auth_psk, &enc, &sk, b""),
        Err(Error::UnsupportedMode(3))
    ));
    assert!(matches!(
        decap(&enc, &sk, Some(&pk_sender)),
        Err(Error::UnsupportedMode(2))
    ));
    for len in [0, 32, XWing::ENC_LEN - 1, XWing::ENC_LEN + 1] {
        assert_eq!(
            hpke::setup_receiver(suite, &ReceiverMode::Base, &vec![0; len], &sk, b"").unwrap_err(),
            Error::InvalidLength {
                expected: XWing::ENC_LEN,
                got: len
            }
        );
    }
    for len in [0, 63, 65] {
        assert_eq!(
            encap_derand(&pk, &vec![0; len], None).unwrap_err(),
            Error::InvalidLength {
                expected: XWing::ENCAP_RANDOMNESS_LEN,
                got: len
            }
        );
    }
    assert!(matches!(
        PublicKey::<XWing>::from_bytes(&[0; 32]),
        Err(Error::InvalidLength { .. })
    ));
    assert!(matches!(
        PrivateKey::<XWing>::from_bytes(&[0; 31]),
        Err(Error::InvalidLength { .. })
    ));
    // A PSK shorter than 32 bytes is refused here too.
    let short = SenderMode::Psk {
        psk: &psk[..16],
        psk_id: b"id",
    };
    assert!(matches!(
        hpke::setup_sender(suite, &short, &pk, b"", &mut SystemRng),
        Err(Error::PskTooShort)
    ));
    assert_eq!(format!("{sk:?}"), "PrivateKey<X-Wing>([redacted])");
    assert_eq!(
        xwing_x25519_component(&pk),
        pk.as_bytes()[XWing::PUBLIC_KEY_LEN - 32..]
    );
}
