//! RFC 9180 Appendix A known-answer tests for DHKEM(X25519, HKDF-SHA256), in
//! the CFRG JSON layout (`tests/data/rfc9180-x25519.json`, copied from the
//! RFC's test-vector repository). Both roles are checked, with every
//! intermediate value.

use doormat::hazmat::hpke::{self as hazmat, KeySchedule};
use doormat::hpke::{
    self, Aead, Kdf, Kem, PrivateKey, PublicKey, ReceiverMode, SenderMode, Suite, X25519,
};
use serde::Deserialize;

const VECTORS: &str = include_str!("data/rfc9180-x25519.json");

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
    #[serde(rename = "skEm", with = "hex")]
    sk_eph: Vec<u8>,
    #[serde(rename = "pkEm", with = "hex")]
    pk_eph: Vec<u8>,
    #[serde(rename = "ikmR", with = "hex")]
    ikm_recip: Vec<u8>,
    #[serde(rename = "skRm", with = "hex")]
    sk_recip: Vec<u8>,
    #[serde(rename = "pkRm", with = "hex")]
    pk_recip: Vec<u8>,
    #[serde(rename = "skSm", default, with = "opt_hex")]
    sk_sender: Option<Vec<u8>>,
    #[serde(rename = "pkSm", default, with = "opt_hex")]
    pk_sender: Option<Vec<u8>>,
    #[serde(default, with = "opt_hex")]
    psk: Option<Vec<u8>>,
    #[serde(default, with = "opt_hex")]
    psk_id: Option<Vec<u8>>,
    #[serde(with = "hex")]
    enc: Vec<u8>,
    #[serde(with = "hex")]
    shared_secret: Vec<u8>,
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
    sequence_number: u64,
    #[serde(with = "hex")]
    pt: Vec<u8>,
    #[serde(with = "hex")]
    aad: Vec<u8>,
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

mod opt_hex {
    use serde::{Deserialize, Deserializer};
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let s: Option<String> = Option::deserialize(d)?;
        s.map(|s| hex::decode(s).map_err(serde::de::Error::custom))
            .transpose()
    }
}

/// What the run checked, so it can fail if the file silently shrank.
#[derive(Default, Debug)]
struct Counts {
    setups: usize,
    encryptions: usize,
    exports: usize,
}

fn sender_mode<'a>(
    v: &'a Setup,
    sk_sender: Option<&'a PrivateKey<X25519>>,
) -> SenderMode<'a, X25519> {
    match (v.mode, v.psk.as_deref(), v.psk_id.as_deref(), sk_sender) {
        (0, None, None, None) => SenderMode::Base,
        (1, Some(psk), Some(psk_id), None) => SenderMode::Psk { psk, psk_id },
        (2, None, None, Some(sender)) => SenderMode::Auth { sender },
        (3, Some(psk), Some(psk_id), Some(sender)) => SenderMode::AuthPsk {
            psk,
            psk_id,
            sender,
        },
        _ => panic!("vector with inconsistent mode {}", v.mode),
    }
}

fn receiver_mode<'a>(
    v: &'a Setup,
    pk_sender: Option<&'a PublicKey<X25519>>,
) -> ReceiverMode<'a, X25519> {
    match (v.mode, v.psk.as_deref(), v.psk_id.as_deref(), pk_sender) {
        (0, None, None, None) => ReceiverMode::Base,
        (1, Some(psk), Some(psk_id), None) => ReceiverMode::Psk { psk, psk_id },
        (2, None, None, Some(sender)) => ReceiverMode::Auth { sender },
        (3, Some(psk), Some(psk_id), Some(sender)) => ReceiverMode::AuthPsk {
            psk,
            psk_id,
            sender,
        },
        _ => panic!("vector with inconsistent mode {}", v.mode),
    }
}

fn check_setup(i: usize, v: &Setup, counts: &mut Counts) {
    let ctx = format!(
        "setup {i} (mode {}, kdf {:#06x}, aead {:#06x})",
        v.mode, v.kdf_id, v.aead_id
    );
    assert_eq!(v.kem_id, X25519::ID, "{ctx}");
    let suite = Suite::new(
        Kdf::from_id(v.kdf_id).expect("known kdf"),
        Aead::from_id(v.aead_id).expect("known aead"),
    );

    // DeriveKeyPair and key serialization.
    let sk_eph = PrivateKey::<X25519>::derive(&v.ikm_eph);
    assert_eq!(&sk_eph.to_bytes()[..], &v.sk_eph[..], "{ctx}: skEm");
    assert_eq!(sk_eph.public_key().as_bytes(), &v.pk_eph[..], "{ctx}: pkEm");
    let sk_recip = PrivateKey::<X25519>::derive(&v.ikm_recip);
    assert_eq!(&sk_recip.to_bytes()[..], &v.sk_recip[..], "{ctx}: skRm");
    let pk_recip = PublicKey::<X25519>::from_bytes(&v.pk_recip).unwrap();
    assert_eq!(sk_recip.public_key(), pk_recip, "{ctx}: pkRm");
    let sk_sender = v
        .sk_sender
        .as_deref()
        .map(|b| PrivateKey::from_bytes(b).unwrap());
    let pk_sender = v
        .pk_sender
        .as_deref()
        .map(|b| PublicKey::from_bytes(b).unwrap());
    if let (Some(sk), Some(pk)) = (&sk_sender, &pk_sender) {
        assert_eq!(sk.public_key(), *pk, "{ctx}: pkSm");
    }

    // Intermediate values: Encap/Decap and KeySchedule.
    let (ss_sender, enc) =
        hazmat::encap_derand(&pk_recip, &sk_eph.to_bytes(), sk_sender.as_ref()).unwrap();
    assert_eq!(&enc[..], &v.enc[..], "{ctx}: enc");
    assert_eq!(
        &ss_sender.as_bytes()[..],
        &v.shared_secret[..],
        "{ctx}: shared_secret (encap)"
    );
    let ss_recip = hazmat::decap(&v.enc, &sk_recip, pk_sender.as_ref()).unwrap();
    assert_eq!(
        &ss_recip.as_bytes()[..],
        &v.shared_secret[..],
        "{ctx}: shared_secret (decap)"
    );
    let psk = v.psk.as_deref().unwrap_or_default();
    let psk_id = v.psk_id.as_deref().unwrap_or_default();
    let ks = KeySchedule::new(X25519::ID, suite, v.mode, &ss_recip, &v.info, psk, psk_id).unwrap();
    assert_eq!(ks.key(), &v.key[..], "{ctx}: key");
    assert_eq!(ks.base_nonce(), &v.base_nonce[..], "{ctx}: base_nonce");
    assert_eq!(
        ks.exporter_secret(),
        &v.exporter_secret[..],
        "{ctx}: exporter_secret"
    );

    // The public setup functions, both roles.
    let s_mode = sender_mode(v, sk_sender.as_ref());
    let (enc, mut sender) =
        hazmat::setup_sender_derand(suite, &s_mode, &pk_recip, &v.info, &sk_eph.to_bytes())
            .unwrap();
    assert_eq!(enc, v.enc, "{ctx}: enc from setup_sender");
    let r_mode = receiver_mode(v, pk_sender.as_ref());
    let mut receiver = hpke::setup_receiver(suite, &r_mode, &v.enc, &sk_recip, &v.info).unwrap();

    // Encryptions at their sequence numbers. The sender walks its context
    // forward (sealing filler) so the plain API is what gets checked; the
    // receiver opens each at a context started at that sequence number.
    let mut seq = 0u64;
    for (j, e) in v.encryptions.iter().enumerate() {
        while seq < e.sequence_number {
            sender.seal(b"", b"").unwrap();
            seq += 1;
        }
        let ct = sender.seal(&e.aad, &e.pt).unwrap();
        seq += 1;
        assert_eq!(ct, e.ct, "{ctx}: encryption {j} seal");
        let ss = hazmat::decap(&v.enc, &sk_recip, pk_sender.as_ref()).unwrap();
        let mut at_seq = KeySchedule::new(X25519::ID, suite, v.mode, &ss, &v.info, psk, psk_id)
            .unwrap()
            .into_receiver(e.sequence_number)
            .unwrap();
        assert_eq!(
            at_seq.open(&e.aad, &e.ct).unwrap(),
            e.pt,
            "{ctx}: encryption {j} open"
        );
        counts.encryptions += 1;
    }
    // The plain receiver context opens the first encryption (sequence 0).
    if let Some(first) = v.encryptions.first() {
        assert_eq!(first.sequence_number, 0);
        assert_eq!(
            receiver.open(&first.aad, &first.ct).unwrap(),
            first.pt,
            "{ctx}: open seq 0"
        );
    } else {
        assert_eq!(
            suite.aead,
            Aead::ExportOnly,
            "{ctx}: only export-only has no encryptions"
        );
        assert!(matches!(
            sender.seal(b"", b""),
            Err(hpke::Error::ExportOnly)
        ));
        assert!(matches!(
            receiver.open(b"", b""),
            Err(hpke::Error::ExportOnly)
        ));
    }

    for (j, x) in v.exports.iter().enumerate() {
        let s = sender.export(&x.exporter_context, x.len).unwrap();
        let r = receiver.export(&x.exporter_context, x.len).unwrap();
        assert_eq!(&s[..], &x.exported_value[..], "{ctx}: export {j} sender");
        assert_eq!(&r[..], &x.exported_value[..], "{ctx}: export {j} receiver");
        counts.exports += 1;
    }
    counts.setups += 1;
}

#[test]
fn rfc9180_appendix_a_x25519() {
    let vectors: Vec<Setup> = serde_json::from_str(VECTORS).expect("vector file parses");
    let mut counts = Counts::default();
    for (i, v) in vectors.iter().enumerate() {
        check_setup(i, v, &mut counts);
    }
    println!("RFC 9180 vectors checked: {counts:?}");
    assert!(counts.setups >= 12, "only {} setups checked", counts.setups);
    assert!(
        counts.encryptions >= 48,
        "only {} encryptions checked",
        counts.encryptions
    );
    assert!(
        counts.exports >= 36,
        "only {} exports checked",
        counts.exports
    );
}
