//! `doormat::keys`: text forms and their typed errors, fingerprints, safety
//! numbers, signatures, and the redacted `Debug` of every secret-holding type
//! (identities and the HPKE keys, secrets, schedules, contexts and modes).

mod common;

use common::x25519_low_order;
use doormat::hazmat::hpke::{encap_derand, KeySchedule};
use doormat::hpke::{self, Aead, Kdf, Kem, Suite, X25519};
use doormat::keys::{
    safety_number, DecryptionKey, Error, Identity, PublicIdentity, IDENTITY_LEN,
    PUBLIC_IDENTITY_LEN, PUBLIC_PREFIX, SECRET_PREFIX, SIGNATURE_LEN,
};
use proptest::prelude::*;

/// The application purpose the signature tests sign for.
const CONTEXT: &[u8] = b"doormat tests/keys v1";

/// The classical identities' KEM keys.
type PrivateKey = hpke::PrivateKey<X25519>;
type PublicKey = hpke::PublicKey<X25519>;
type SenderMode<'a> = hpke::SenderMode<'a, X25519>;
type ReceiverMode<'a> = hpke::ReceiverMode<'a, X25519>;

/// A deterministic identity from 64 bytes of key material.
fn identity(x25519_ikm: &[u8; 32], seed: &[u8; 32]) -> Identity {
    Identity::from_decryption_key(DecryptionKey::X25519(PrivateKey::derive(x25519_ikm)), seed)
}

/// A classical identity's X25519 key.
fn x25519_key(id: &Identity) -> &PrivateKey {
    match id.decryption_key() {
        DecryptionKey::X25519(sk) => sk,
        other => panic!("not a classical identity: {other:?}"),
    }
}

/// A copy of an identity's X25519 key (`PrivateKey` is intentionally not `Clone`).
fn copy_key(sk: &PrivateKey) -> PrivateKey {
    PrivateKey::from_bytes(sk.to_bytes().as_ref()).unwrap()
}

fn public_text(id: &Identity) -> String {
    id.public().to_string()
}

fn secret_text(id: &Identity) -> String {
    id.to_secret_string().as_str().to_owned()
}

/// Replaces the character at byte offset `at` (an ASCII one) with `with`.
fn replace_at(s: &str, at: usize, with: &str) -> String {
    format!("{}{}{}", &s[..at], with, &s[at + 1..])
}

fn keys() -> impl Strategy<Value = ([u8; 32], [u8; 32])> {
    (any::<[u8; 32]>(), any::<[u8; 32]>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn public_identity_text_round_trip((ikm, seed) in keys()) {
        let id = identity(&ikm, &seed);
        let public = id.public();
        let text = public.to_string();
        assert!(text.starts_with(PUBLIC_PREFIX), "{text}");
        assert_eq!(text.len(), PUBLIC_PREFIX.len() + 2 * PUBLIC_IDENTITY_LEN);
        assert_eq!(&text[PUBLIC_PREFIX.len()..], hex::encode(public.to_bytes()));
        let parsed: PublicIdentity = text.parse().unwrap();
        assert_eq!(&parsed, &public);
        assert_eq!(parsed.to_string(), text);
        assert_eq!(parsed.encryption_key(), &id.decryption_key().public_key());
        assert_eq!(PublicIdentity::from_bytes(&public.to_bytes()).unwrap(), public);
    }

    #[test]
    fn identity_secret_text_round_trip((ikm, seed) in keys()) {
        let id = identity(&ikm, &seed);
        let text = secret_text(&id);
        assert!(text.starts_with(SECRET_PREFIX), "wrong prefix");
        assert_eq!(text.len(), SECRET_PREFIX.len() + 2 * IDENTITY_LEN);
        let parsed: Identity = text.parse().unwrap();
        assert!(parsed == id, "parsed identity differs");
        assert_eq!(parsed.public(), id.public());
        assert_eq!(parsed.to_bytes().as_ref(), id.to_bytes().as_ref());
        assert_eq!(secret_text(&parsed), text);
        // The secret bytes are the X25519 key, then the Ed25519 seed.
        assert_eq!(&id.to_bytes()[..32], id.decryption_key().to_bytes().as_ref());
        assert_eq!(&id.to_bytes()[32..], &seed[..]);
        let from_bytes = Identity::from_bytes(id.to_bytes().as_ref()).unwrap();
        assert!(from_bytes == id, "from_bytes(to_bytes) differs");
        // Signatures made by the parsed identity verify under the original.
        id.public().verify(b"ctx", b"msg", &parsed.sign(b"ctx", b"msg")).unwrap();
    }

    #[test]
    fn sign_verify_accepts_only_the_signed_message(
        (ikm, seed) in keys(),
        msg in proptest::collection::vec(any::<u8>(), 0..256),
        flip in 0..SIGNATURE_LEN * 8,
    ) {
        let id = identity(&ikm, &seed);
        let public = id.public();
        let sig = id.sign(CONTEXT, &msg);
        assert_eq!(sig.len(), SIGNATURE_LEN);
        assert!(public.verify(CONTEXT, &msg, &sig).is_ok());

        // A changed message: one more byte, or one byte altered.
        let mut longer = msg.clone();
        longer.push(0);
        assert!(matches!(public.verify(CONTEXT, &longer, &sig), Err(Error::BadSignature)));
        if !msg.is_empty() {
            let mut altered = msg.clone();
            altered[msg.len() / 2] ^= 0x01;
            assert!(matches!(public.verify(CONTEXT, &altered, &sig), Err(Error::BadSignature)));
        }

        // Any flipped signature bit.
        let mut bad = sig;
        bad[flip / 8] ^= 1 << (flip % 8);
        assert!(matches!(public.verify(CONTEXT, &msg, &bad), Err(Error::BadSignature)));

        // A truncated or extended signature.
        assert!(matches!(public.verify(CONTEXT, &msg, &sig[..63]), Err(Error::BadSignature)));
        let mut extended = sig.to_vec();
        extended.push(0);
        assert!(matches!(public.verify(CONTEXT, &msg, &extended), Err(Error::BadSignature)));

        // Another context: the signature is bound to the purpose it was made for.
        assert!(matches!(public.verify(b"another purpose", &msg, &sig), Err(Error::BadSignature)));

        // Another identity's key (only the seed differs).
        let mut other_seed = seed;
        other_seed[0] ^= 0x01;
        let other = identity(&ikm, &other_seed);
        assert!(matches!(other.public().verify(CONTEXT, &msg, &sig), Err(Error::BadSignature)));
    }

    #[test]
    fn from_decryption_key_with_another_seed_keeps_x25519_changes_ed25519((ikm, seed) in keys()) {
        let id = identity(&ikm, &seed);
        let mut other_seed = seed;
        other_seed[31] ^= 0x80;
        let reseeded = Identity::from_decryption_key(
            DecryptionKey::X25519(copy_key(x25519_key(&id))),
            &other_seed,
        );
        assert_eq!(reseeded.public().encryption_key(), id.public().encryption_key());
        assert_ne!(reseeded.public().verifying_key(), id.public().verifying_key());
        assert_ne!(reseeded.public(), id.public());
        assert_ne!(reseeded.public().fingerprint(), id.public().fingerprint());
        assert!(reseeded != id, "identities with different seeds compare equal");
        assert!(matches!(
            reseeded.public().verify(b"c", b"m", &id.sign(b"c", b"m")),
            Err(Error::BadSignature)
        ));
        // The same seed again gives the same verifying key (from_decryption_key
        // is deterministic).
        let again =
            Identity::from_decryption_key(DecryptionKey::X25519(copy_key(x25519_key(&id))), &seed);
        assert_eq!(again.public(), id.public());
        assert!(again == id, "same keys, unequal identities");
    }

    #[test]
    fn fingerprint_is_deterministic_distinct_and_formatted((ikm, seed) in keys()) {
        let id = identity(&ikm, &seed);
        let fp = id.public().fingerprint();
        assert_eq!(fp, id.public().fingerprint());
        let reparsed: PublicIdentity = public_text(&id).parse().unwrap();
        assert_eq!(reparsed.fingerprint(), fp);

        let text = fp.to_string();
        let groups: Vec<&str> = text.split(' ').collect();
        assert_eq!(groups.len(), 8, "{}", text);
        for g in &groups {
            assert_eq!(g.len(), 4, "{}", text);
            assert!(g.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')), "{}", text);
        }
        assert_eq!(text.len(), 8 * 4 + 7);
        // The displayed digits are the first 16 bytes of the fingerprint.
        assert_eq!(text.replace(' ', ""), hex::encode(&fp.as_bytes()[..16]));
        assert!(format!("{fp:?}").contains(&text));

        // Another X25519 key, or another Ed25519 key: another fingerprint.
        let mut ikm2 = ikm;
        ikm2[0] ^= 0x01;
        let mut seed2 = seed;
        seed2[0] ^= 0x01;
        assert_ne!(identity(&ikm2, &seed).public().fingerprint(), fp);
        assert_ne!(identity(&ikm, &seed2).public().fingerprint(), fp);
    }

    #[test]
    fn safety_number_is_symmetric_distinct_and_formatted(
        (ikm_a, seed_a) in keys(),
        (ikm_b, seed_b) in keys(),
        (ikm_c, seed_c) in keys(),
    ) {
        let a = identity(&ikm_a, &seed_a).public();
        let b = identity(&ikm_b, &seed_b).public();
        let c = identity(&ikm_c, &seed_c).public();
        prop_assume!(a != b && b != c && a != c);
        let ab = safety_number(&a, &b);
        assert_eq!(ab, safety_number(&b, &a));
        assert_eq!(ab, safety_number(&a, &b));
        assert_ne!(ab, safety_number(&a, &c));
        assert_ne!(ab, safety_number(&c, &b));
        assert_ne!(ab, safety_number(&a, &a));
        assert_eq!(ab.to_string(), safety_number(&b, &a).to_string());
        assert_ne!(ab.to_string(), safety_number(&a, &c).to_string());

        let text = ab.to_string();
        let groups: Vec<&str> = text.split(' ').collect();
        assert_eq!(groups.len(), 12, "{}", text);
        for g in &groups {
            assert_eq!(g.len(), 5, "{}", text);
            assert!(g.bytes().all(|c| c.is_ascii_digit()), "{}", text);
        }
        assert_eq!(text.len(), 12 * 5 + 11);
        assert!(format!("{ab:?}").contains(&text));
    }
}

#[test]
fn wrong_prefix_is_refused_by_name() {
    let id = Identity::generate();
    let public = public_text(&id);
    let secret = secret_text(&id);
    let body_pub = &public[PUBLIC_PREFIX.len()..];
    let body_sec = &secret[SECRET_PREFIX.len()..];

    let pub_err = |s: &str| s.parse::<PublicIdentity>().map(|_| ()).unwrap_err();
    let sec_err = |s: &str| s.parse::<Identity>().map(|_| ()).unwrap_err();

    // A secret where a public key belongs, and the other way round.
    assert!(
        matches!(pub_err(&secret), Error::WrongPrefix { expected } if expected == PUBLIC_PREFIX),
        "{:?}",
        pub_err(&secret)
    );
    assert!(
        matches!(sec_err(&public), Error::WrongPrefix { expected } if expected == SECRET_PREFIX),
        "{:?}",
        sec_err(&public)
    );

    let bad_public = [
        format!("doormat-public-2{body_pub}"),
        format!("doormat-public-0{body_pub}"),
        format!("DOORMAT-PUBLIC-1{body_pub}"),
        format!(" {public}"),
        format!("doormat-public{body_pub}"),
        body_pub.to_owned(),
        String::new(),
        "doormat-public-".to_owned(),
    ];
    for s in &bad_public {
        let e = pub_err(s);
        assert!(
            matches!(e, Error::WrongPrefix { expected } if expected == PUBLIC_PREFIX),
            "{s:?} gave {e:?}"
        );
    }
    let bad_secret = [
        format!("doormat-secret-2{body_sec}"),
        format!("Doormat-secret-1{body_sec}"),
        format!("\n{secret}"),
        body_sec.to_owned(),
        String::new(),
    ];
    for s in &bad_secret {
        let e = sec_err(s);
        assert!(
            matches!(e, Error::WrongPrefix { expected } if expected == SECRET_PREFIX),
            "{s:?} gave {e:?}"
        );
    }
}

#[test]
fn wrong_length_is_refused() {
    let id = Identity::generate();
    let public = public_text(&id);
    let secret = secret_text(&id);

    let pub_len = 2 * PUBLIC_IDENTITY_LEN;
    let cases_pub = [
        (public[..public.len() - 1].to_owned(), pub_len - 1),
        (public[..public.len() - 2].to_owned(), pub_len - 2),
        (format!("{public}0"), pub_len + 1),
        (format!("{public}00"), pub_len + 2),
        (format!("{public}\n"), pub_len + 1),
        (PUBLIC_PREFIX.to_owned(), 0),
        (
            format!("{PUBLIC_PREFIX}{}", "ab".repeat(IDENTITY_LEN + 1)),
            pub_len + 2,
        ),
    ];
    for (s, got_len) in &cases_pub {
        let e = s.parse::<PublicIdentity>().unwrap_err();
        assert!(
            matches!(e, Error::InvalidLength { expected, got } if expected == pub_len && got == *got_len),
            "{s:?} gave {e:?}"
        );
    }

    let sec_len = 2 * IDENTITY_LEN;
    let cases_sec = [
        (secret[..secret.len() - 1].to_owned(), sec_len - 1),
        (format!("{secret}ff"), sec_len + 2),
        (SECRET_PREFIX.to_owned(), 0),
    ];
    for (s, got_len) in &cases_sec {
        let e = s.parse::<Identity>().map(|_| ()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidLength { expected, got } if expected == sec_len && got == *got_len),
            "{s:?} gave {e:?}"
        );
    }

    // The byte forms too.
    let bytes: [u8; 64] = id.public().to_bytes().try_into().unwrap();
    for bad in [&bytes[..63], &[0u8; 65][..], &[][..]] {
        let e = PublicIdentity::from_bytes(bad).unwrap_err();
        assert!(
            matches!(e, Error::InvalidLength { expected: 64, got } if got == bad.len()),
            "{} bytes gave {e:?}",
            bad.len()
        );
        let e = Identity::from_bytes(bad).map(|_| ()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidLength { expected: 64, got } if got == bad.len()),
            "{} bytes gave {e:?}",
            bad.len()
        );
    }
}

#[test]
fn non_lowercase_hex_is_refused() {
    let id = Identity::generate();
    let public = public_text(&id);
    let secret = secret_text(&id);
    let p = PUBLIC_PREFIX.len();
    let s = SECRET_PREFIX.len();

    // Uppercase: the whole body (it has letters with overwhelming probability,
    // and we make sure by planting one), or a single digit.
    let planted = replace_at(&public, p + 5, "c");
    let upper_body = format!("{PUBLIC_PREFIX}{}", planted[p..].to_uppercase());
    assert_ne!(upper_body, planted);
    let mut bad_public = vec![upper_body];
    for c in ["A", "F", "g", "G", "x", " ", "-", "+", "\0"] {
        bad_public.push(replace_at(&public, p, c));
        bad_public.push(replace_at(&public, public.len() - 1, c));
        bad_public.push(replace_at(&public, p + 63, c));
    }
    // A two-byte UTF-8 character in place of two hex digits: the right length
    // in bytes, but not hex.
    bad_public.push(format!("{}é{}", &public[..p + 10], &public[p + 12..]));
    for t in &bad_public {
        assert_eq!(
            t.len(),
            public.len(),
            "test case of the wrong length: {t:?}"
        );
        let e = t.parse::<PublicIdentity>().unwrap_err();
        assert!(matches!(e, Error::InvalidHex), "{t:?} gave {e:?}");
    }

    let planted = replace_at(&secret, s + 7, "e");
    let upper_body = format!("{SECRET_PREFIX}{}", planted[s..].to_uppercase());
    let mut bad_secret = vec![upper_body];
    for c in ["B", "z", " "] {
        bad_secret.push(replace_at(&secret, s, c));
        bad_secret.push(replace_at(&secret, secret.len() - 1, c));
    }
    for t in &bad_secret {
        let e = t.parse::<Identity>().map(|_| ()).unwrap_err();
        assert!(
            matches!(e, Error::InvalidHex),
            "{:?} gave {e:?}",
            &t[..s + 4]
        );
    }
}

#[test]
fn low_order_x25519_public_key_is_invalid_key() {
    let id = Identity::generate();
    let verifying = *id.public().verifying_key();
    for point in x25519_low_order() {
        // With and without the high bit, which X25519 ignores (RFC 7748 §5).
        for high_bit in [0u8, 0x80] {
            let mut x = point;
            x[31] |= high_bit;
            let mut bytes = [0u8; PUBLIC_IDENTITY_LEN];
            bytes[..32].copy_from_slice(&x);
            bytes[32..].copy_from_slice(&verifying);
            let e = PublicIdentity::from_bytes(&bytes).unwrap_err();
            assert!(
                matches!(e, Error::InvalidKey),
                "{} gave {e:?}",
                hex::encode(x)
            );
            let text = format!("{PUBLIC_PREFIX}{}", hex::encode(bytes));
            let e = text.parse::<PublicIdentity>().unwrap_err();
            assert!(matches!(e, Error::InvalidKey), "{text} gave {e:?}");
        }
    }
    // The genuine key with the same verifying key parses: the refusal is
    // about the X25519 part.
    let mut good: [u8; 64] = id.public().to_bytes().try_into().unwrap();
    good[32..].copy_from_slice(&verifying);
    assert_eq!(PublicIdentity::from_bytes(&good).unwrap(), id.public());
}

// ----- Debug redaction -----

/// Every way `secret` could show up in a `Debug` output: lowercase or
/// uppercase hex of any 8-byte window, or any 4 consecutive bytes as decimal
/// numbers in a row (`[12, 200, 7, 1, …]`, also spread over lines by `{:#?}`).
/// Returns what leaked, if anything.
fn find_leak(debug: &str, secret: &[u8]) -> Option<String> {
    assert!(secret.len() >= 8, "secret too short to check");
    let lower = debug.to_lowercase();
    for w in secret.windows(8) {
        let h = hex::encode(w);
        if lower.contains(&h) {
            return Some(format!("hex {h}"));
        }
    }
    // Decimal numbers in the output, in order.
    let numbers: Vec<u64> = debug
        .split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty() && t.len() <= 3)
        .filter_map(|t| t.parse().ok())
        .collect();
    for w in secret.windows(4) {
        let w: Vec<u64> = w.iter().map(|&b| u64::from(b)).collect();
        if numbers.windows(4).any(|n| n == &w[..]) {
            return Some(format!("decimals {w:?}"));
        }
    }
    None
}

fn assert_redacted(what: &str, debug: &str, secret: &[u8]) {
    if let Some(leak) = find_leak(debug, secret) {
        panic!("{what}: Debug output shows a secret ({leak}): {debug}");
    }
}

/// Both `{:?}` and `{:#?}` of `value` are free of every one of `secrets`.
fn assert_debug_redacted<T: std::fmt::Debug>(what: &str, value: &T, secrets: &[&[u8]]) {
    for debug in [format!("{value:?}"), format!("{value:#?}")] {
        for secret in secrets {
            assert_redacted(what, &debug, secret);
        }
    }
}

#[test]
fn leak_detector_catches_leaks() {
    // The checker itself must be able to fail.
    let secret: Vec<u8> = (200..232).collect();
    for leak in [
        hex::encode(&secret),
        hex::encode_upper(&secret),
        format!("Key({})", hex::encode(&secret[20..30])),
        format!("{secret:?}"),
        format!("{secret:#?}"),
        format!("X {{ k: {:?} }}", &secret[3..12]),
    ] {
        assert!(find_leak(&leak, &secret).is_some(), "not caught: {leak}");
    }
    assert!(find_leak("PrivateKey([redacted])", &secret).is_none());
    assert!(find_leak(&format!("{:?}", &secret[..3]), &secret).is_none());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn debug_redacts_every_secret(
        (ikm, seed) in keys(),
        ikm_eph in any::<[u8; 32]>(),
        psk in any::<[u8; 32]>(),
        kdf in prop::sample::select(Kdf::ALL.to_vec()),
        aead in prop::sample::select(Aead::ALL[..3].to_vec()),
    ) {
        // Identity: the X25519 secret and the Ed25519 seed.
        let id = identity(&ikm, &seed);
        let id_bytes = id.to_bytes();
        let x_sk = id.decryption_key().to_bytes();
        let secrets_id: [&[u8]; 3] = [&id_bytes[..], &x_sk[..], &seed[..]];
        assert_debug_redacted("Identity", &id, &secrets_id);
        for debug in [format!("{id:?}"), format!("{id:#?}")] {
            assert!(debug.contains(&id.public().fingerprint().to_string()), "{}", debug);
            assert!(debug.contains("[redacted]"), "{}", debug);
        }

        // PrivateKey.
        let sk = PrivateKey::derive(&ikm);
        assert_debug_redacted("PrivateKey", &sk, &[&sk.to_bytes()[..]]);
        assert!(format!("{sk:?}").contains("[redacted]"));

        // SharedSecret, from an authenticated encapsulation.
        let sk_recip = PrivateKey::derive(&seed);
        let pk_recip: PublicKey = sk_recip.public_key();
        let sk_eph = PrivateKey::derive(&ikm_eph);
        let (ss, _enc) = encap_derand(&pk_recip, &sk_eph.to_bytes(), Some(&sk)).unwrap();
        let ss_bytes = *ss.as_bytes();
        assert_debug_redacted("SharedSecret", &ss, &[&ss_bytes[..]]);

        // KeySchedule, and the contexts made from it (built twice: the
        // schedule is consumed by into_sender / into_receiver).
        let suite = Suite::new(kdf, aead);
        let psk_id = b"psk id";
        let schedule = || KeySchedule::new(X25519::ID, suite, 3, &ss, b"info", &psk, psk_id).unwrap();
        let ks = schedule();
        let key = ks.key().to_vec();
        let nonce = ks.base_nonce().to_vec();
        let exporter = ks.exporter_secret().to_vec();
        assert!(key.len() >= 16 && nonce.len() == 12 && exporter.len() >= 32);
        let secrets_ks: [&[u8]; 6] =
            [&key, &nonce, &exporter, &ss_bytes, &psk, &sk.to_bytes()[..]];
        assert_debug_redacted("KeySchedule", &ks, &secrets_ks);
        let sender = schedule().into_sender(0).unwrap();
        assert_debug_redacted("SenderContext", &sender, &secrets_ks);
        let receiver = schedule().into_receiver(0).unwrap();
        assert_debug_redacted("ReceiverContext", &receiver, &secrets_ks);

        // The modes carrying a PSK (and the sender's key).
        let secrets_mode: [&[u8]; 2] = [&psk, &sk.to_bytes()[..]];
        let pk_sender = sk.public_key();
        assert_debug_redacted("SenderMode::Psk", &SenderMode::Psk { psk: &psk, psk_id }, &secrets_mode);
        assert_debug_redacted(
            "SenderMode::AuthPsk",
            &SenderMode::AuthPsk { psk: &psk, psk_id, sender: &sk },
            &secrets_mode,
        );
        assert_debug_redacted("SenderMode::Auth", &SenderMode::Auth { sender: &sk }, &secrets_mode);
        assert_debug_redacted("ReceiverMode::Psk", &ReceiverMode::Psk { psk: &psk, psk_id }, &secrets_mode);
        assert_debug_redacted(
            "ReceiverMode::AuthPsk",
            &ReceiverMode::AuthPsk { psk: &psk, psk_id, sender: &pk_sender },
            &secrets_mode,
        );
        // The modes still say which mode they are.
        assert!(format!("{:?}", SenderMode::AuthPsk { psk: &psk, psk_id, sender: &sk }).contains("AuthPsk"));
        assert!(format!("{:?}", ReceiverMode::Psk { psk: &psk, psk_id }).contains("Psk"));
    }
}

/// One key, one encoding: a non-canonical encoding of an X25519 key (the
/// high bit set, which X25519 ignores, or u + p) would otherwise be a second
/// text form, fingerprint and safety number for the same curve point, and
/// HPKE (which binds the raw bytes) would not open for the owner. Likewise
/// for Ed25519: an encoding that is not a point, is not canonical, or has
/// small order (a signature by it can verify for any message) is refused.
#[test]
fn non_canonical_or_degenerate_keys_are_refused() {
    let id = Identity::generate();
    let public: [u8; 64] = id.public().to_bytes().try_into().unwrap();
    let with_x25519 = |x: [u8; 32]| {
        let mut b = public;
        b[..32].copy_from_slice(&x);
        b
    };
    let with_ed25519 = |e: [u8; 32]| {
        let mut b = public;
        b[32..].copy_from_slice(&e);
        b
    };
    let mut high_bit = public;
    high_bit[31] |= 0x80;
    // u = p + 2 = 2^255 - 17.
    let mut p_plus_two = [0xffu8; 32];
    p_plus_two[0] = 0xef;
    p_plus_two[31] = 0x7f;
    // u = p - 1 is canonical and of small order: refused for that reason.
    let mut p_minus_one = [0xffu8; 32];
    p_minus_one[0] = 0xec;
    p_minus_one[31] = 0x7f;
    // Ed25519: the identity point (y = 1), the identity with the sign bit
    // (non-canonical), a y with no curve point (y = 2), and y = p + 1
    // (non-canonical encoding of the identity).
    let mut ed_identity = [0u8; 32];
    ed_identity[0] = 1;
    let mut ed_identity_signed = ed_identity;
    ed_identity_signed[31] = 0x80;
    let mut ed_not_a_point = [0u8; 32];
    ed_not_a_point[0] = 2;
    let mut ed_p_plus_one = [0xffu8; 32];
    ed_p_plus_one[0] = 0xee;
    ed_p_plus_one[31] = 0x7f;

    let bad = [
        ("X25519 high bit", high_bit),
        ("X25519 u = p + 2", with_x25519(p_plus_two)),
        ("X25519 u = p - 1 (order 2)", with_x25519(p_minus_one)),
        ("X25519 u = 0", with_x25519([0; 32])),
        ("Ed25519 identity", with_ed25519(ed_identity)),
        (
            "Ed25519 identity, sign bit",
            with_ed25519(ed_identity_signed),
        ),
        ("Ed25519 not a point", with_ed25519(ed_not_a_point)),
        ("Ed25519 y = p + 1", with_ed25519(ed_p_plus_one)),
    ];
    for (what, bytes) in bad {
        assert!(
            matches!(PublicIdentity::from_bytes(&bytes), Err(Error::InvalidKey)),
            "{what} must be refused as InvalidKey"
        );
    }
    // The genuine key still parses, and equality is on the bytes.
    assert_eq!(PublicIdentity::from_bytes(&public).unwrap(), id.public());
    // With u = 2 (canonical, full order on the twist is fine for X25519),
    // parsing succeeds and p + 2, its alias, is still refused.
    let mut two = [0u8; 32];
    two[0] = 2;
    assert!(PublicIdentity::from_bytes(&with_x25519(two)).is_ok());
}

/// Whether a little-endian u-coordinate is below p = 2^255 - 19.
fn is_canonical(u: &[u8; 32]) -> bool {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    u.iter().rev().lt(p.iter().rev())
}

/// The low-order list that `PublicIdentity` refuses by comparison must be
/// exactly the canonical keys that DH maps to zero: every listed point gives
/// `ZeroSharedSecret` in a real DH, and a sample of other canonical keys
/// (random, and small u from 2 to 1000) neither gives zero nor is refused.
#[test]
fn low_order_refusal_matches_the_dh() {
    let sk = PrivateKey::generate();
    let ed: [u8; 64] = Identity::generate().public().to_bytes().try_into().unwrap();
    let parse = |x: [u8; 32]| {
        let mut b = ed;
        b[..32].copy_from_slice(&x);
        PublicIdentity::from_bytes(&b)
    };
    let mut refused = 0;
    let mut candidates: Vec<[u8; 32]> = (0u16..=1000)
        .map(|u| {
            let mut x = [0u8; 32];
            x[..2].copy_from_slice(&u.to_le_bytes());
            x
        })
        .collect();
    candidates.extend((0..200).map(|_| {
        let mut x = [0u8; 32];
        x.copy_from_slice(&Identity::generate().public().to_bytes()[..32]);
        x
    }));
    // The listed points that are canonical (u < p) and not among the small u
    // above: p - 1 and the two order-8 points.
    let listed: Vec<[u8; 32]> = x25519_low_order()
        .into_iter()
        .filter(|x| is_canonical(x) && !candidates.contains(x))
        .collect();
    candidates.extend(listed);
    for x in candidates {
        let zero = matches!(
            sk.dh(&PublicKey::from_bytes(&x).unwrap()),
            Err(hpke::Error::ZeroSharedSecret)
        );
        let rejected = matches!(parse(x), Err(Error::InvalidKey));
        assert_eq!(zero, rejected, "u = {}", hex::encode(x));
        refused += usize::from(rejected);
    }
    assert_eq!(refused, 5, "0, 1, p - 1 and the two points of order 8");
}
