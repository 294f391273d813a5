//! Where no generator is given, a sender's HPKE ephemeral key is ring's
//! (faster); receivers and seeded senders use x25519-dalek. These tests show
//! that the two meet: everything ring seals, the x25519-dalek receiver
//! opens, in every mode and suite, and ring refuses the low-order keys
//! x25519-dalek refuses.

mod common;

use common::*;
use doormat::e2e::{self, Sealer};
use doormat::hpke::{
    self, hazmat, Aead, Kdf, PrivateKey, PublicKey, ReceiverMode, SenderMode, Suite,
};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};
use doormat::Error;

const PSK: &[u8] = b"a pre-shared key of at least 32 bytes";

/// `hpke::seal` and `hpke::setup_sender` (ring's ephemeral key) are opened
/// by `hpke::open` and `hpke::setup_receiver` (x25519-dalek's DH), in all
/// four modes, every KDF and every sealing AEAD.
#[test]
fn ring_sealed_stanzas_open_with_dalek() {
    let sk_recip = PrivateKey::generate();
    let pk_recip = sk_recip.public_key();
    let sk_sender = PrivateKey::generate();
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
        for kdf in Kdf::ALL {
            for aead in [Aead::Aes128Gcm, Aead::Aes256Gcm, Aead::ChaCha20Poly1305] {
                let suite = Suite::new(kdf, aead);
                let what = format!("{kdf:?} {aead:?} mode {}", s_mode.mode_id());
                let (enc, ct) =
                    hpke::seal(suite, s_mode, &pk_recip, b"info", b"aad", b"hello").expect(&what);
                let pt =
                    hpke::open(suite, r_mode, &enc, &sk_recip, b"info", b"aad", &ct).expect(&what);
                assert_eq!(pt, b"hello", "{what}");

                // A context: several messages, and the same exported secret.
                let (enc, mut tx) = hpke::setup_sender(suite, s_mode, &pk_recip, b"ctx").unwrap();
                let mut rx = hpke::setup_receiver(suite, r_mode, &enc, &sk_recip, b"ctx").unwrap();
                for msg in [&b"one"[..], b"two", b""] {
                    let ct = tx.seal(b"", msg).unwrap();
                    assert_eq!(rx.open(b"", &ct).unwrap(), msg, "{what}");
                }
                assert_eq!(*tx.export(b"e", 32).unwrap(), *rx.export(b"e", 32).unwrap());

                // Every enc is a valid, fresh public key.
                let pk_eph = PublicKey::from_bytes(&enc).unwrap();
                pk_eph.validate().expect(&what);
                encs.push(enc);
            }
        }
    }
    let mut unique = encs.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), encs.len(), "every ephemeral key is fresh");
}

/// ring's Diffie-Hellman refuses the low-order points, as x25519-dalek's
/// does: the same error on both sender paths and in the envelope.
#[test]
fn ring_refuses_low_order_recipients() {
    let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
    let mut rng = SeededRng::from_seed([3; 32]);
    for point in x25519_low_order() {
        let pk = PublicKey::from_bytes(&point).unwrap();
        let ring = hpke::seal(suite, &SenderMode::Base, &pk, b"", b"", b"x");
        assert!(
            matches!(ring, Err(Error::ZeroSharedSecret)),
            "ring: {ring:?}"
        );
        let dalek = hpke::seal_with_rng(suite, &SenderMode::Base, &pk, b"", b"", b"x", &mut rng);
        assert!(
            matches!(dalek, Err(Error::ZeroSharedSecret)),
            "dalek: {dalek:?}"
        );
        let sk_eph = PrivateKey::generate();
        let hazmat = hazmat::encap(&pk, &sk_eph, None);
        assert!(matches!(hazmat, Err(Error::ZeroSharedSecret)));
    }
}

/// The envelope with the default generator (ring's stanzas) opens for
/// every recipient, each one finding its stanza with x25519-dalek; with a
/// caller's generator (x25519-dalek's stanzas) it replays byte for byte.
#[test]
fn default_envelopes_open_for_every_recipient() {
    let alice = Identity::generate();
    let rs = identities(5);
    let to = publics(&rs);
    for key_ids in [false, true] {
        let envelope = Sealer::new(&alice, &to)
            .key_ids(key_ids)
            .seal(b"ring sealed, dalek opened")
            .unwrap();
        let layout = Layout::parse(&envelope);
        for (r, stanza) in rs.iter().zip(&layout.stanzas) {
            let opened = e2e::open(r, &envelope).unwrap();
            assert_eq!(opened.plaintext(), b"ring sealed, dalek opened");
            let enc_at = stanza.start + if key_ids { KEY_ID } else { 0 };
            let enc = PublicKey::from_bytes(&envelope[enc_at..enc_at + ENC]).unwrap();
            enc.validate().unwrap();
        }
    }
    let seeded = |seed| {
        let mut rng = SeededRng::from_seed(seed);
        let envelope = Sealer::new(&alice, &to).rng(&mut rng).seal(b"replay");
        envelope.unwrap()
    };
    assert_eq!(seeded([9; 32]), seeded([9; 32]));
}
