//! Post-quantum keys: X-Wing identities (text forms, fingerprints and safety
//! numbers that cover the KEM key) and X-Wing escrow keys (access fields
//! wrapped to them, split custody).

mod common;

use doormat::e2e;
use doormat::escrow::{
    self, AccessField, Compliance, EscrowAuthority, EscrowKey, LeafCheck, LEAF_EXTENSION, LEAF_LEN,
    PQ_ESCROW_KEY_PREFIX, PQ_ESCROW_SECRET_PREFIX, PQ_LEAF_LEN,
};
use doormat::keys::{
    self, safety_number, Identity, Kem, PublicIdentity, PQ_PUBLIC_IDENTITY_LEN, PQ_PUBLIC_PREFIX,
    PQ_SECRET_PREFIX,
};
use doormat::random::{SeedableRng, SeededRng};

fn pq_identity(seed: u8) -> Identity {
    Identity::generate_post_quantum_with(&mut SeededRng::from_seed([seed; 32])).unwrap()
}

#[test]
fn post_quantum_identities_have_their_own_text_forms() {
    let id = pq_identity(1);
    assert_eq!(id.kem(), Kem::XWing);
    assert!(id.kem().is_post_quantum());
    let public = id.public();
    assert_eq!(public.to_bytes().len(), PQ_PUBLIC_IDENTITY_LEN);
    let text = public.to_string();
    assert!(text.starts_with(PQ_PUBLIC_PREFIX));
    assert_eq!(text.parse::<PublicIdentity>().unwrap(), public);
    let secret = id.to_secret_string();
    assert!(secret.starts_with(PQ_SECRET_PREFIX));
    let parsed: Identity = secret.parse().unwrap();
    assert!(parsed == id);
    assert_eq!(parsed.public(), public);
    // The same 64 secret bytes as a classical identity are another key.
    let classical = Identity::from_bytes(id.to_bytes().as_ref()).unwrap();
    assert_eq!(classical.kem(), Kem::X25519);
    assert_ne!(classical.public().fingerprint(), public.fingerprint());
    // A prefix names the kind: the wrong one is refused by name.
    let swapped = format!("doormat-public-1{}", &text[PQ_PUBLIC_PREFIX.len()..]);
    assert!(swapped.parse::<PublicIdentity>().is_err());
    assert!(format!("{id:?}").contains("[redacted]"));
    assert!(!format!("{id:?}").contains(&secret[PQ_SECRET_PREFIX.len()..][..16]));
}

/// The fingerprint, and so the safety number, covers the X-Wing key: change
/// any byte of it and both change (or the key no longer parses).
#[test]
fn fingerprints_and_safety_numbers_cover_the_kem_key() {
    let (alice, bob) = (pq_identity(2), pq_identity(3));
    let sn = safety_number(&alice.public(), &bob.public());
    assert_eq!(sn, safety_number(&bob.public(), &alice.public()));
    let bytes = bob.public().to_bytes();
    let mut changed = 0;
    for at in [0, 100, 1183, 1184, 1215, 1216, 1247] {
        let mut b = bytes.clone();
        b[at] ^= 0x01;
        match PublicIdentity::from_bytes(&b) {
            Ok(other) => {
                assert_ne!(other.fingerprint(), bob.public().fingerprint(), "byte {at}");
                assert_ne!(safety_number(&alice.public(), &other), sn, "byte {at}");
                changed += 1;
            }
            Err(e) => assert!(matches!(e, keys::Error::InvalidKey), "byte {at}: {e:?}"),
        }
    }
    assert!(changed >= 5, "{changed}");
}

#[test]
fn post_quantum_escrow_keys_and_fields() {
    let mut rng = SeededRng::from_seed([4; 32]);
    let authority = EscrowAuthority::generate_post_quantum_with(&mut rng).unwrap();
    assert_eq!(authority.kem(), Kem::XWing);
    let key = authority.public_key();
    let text = key.to_string();
    assert!(text.starts_with(PQ_ESCROW_KEY_PREFIX));
    assert_eq!(text.parse::<EscrowKey>().unwrap(), key);
    let secret = authority.to_secret_string();
    assert!(secret.starts_with(PQ_ESCROW_SECRET_PREFIX));
    let copy: EscrowAuthority = secret.parse().unwrap();
    assert!(copy == authority);
    assert_ne!(
        key.fingerprint(),
        EscrowAuthority::from_bytes(authority.to_bytes().as_ref())
            .unwrap()
            .public_key()
            .fingerprint()
    );

    let ids = common::identities(2);
    let to = [ids[1].public()];
    let env = escrow::seal(&ids[0], &to, &key, b"post-quantum field").unwrap();
    let field_len = e2e::Header::parse(&env)
        .unwrap()
        .extension(LEAF_EXTENSION)
        .unwrap()
        .len();
    assert_eq!(field_len, PQ_LEAF_LEN);
    assert_eq!(copy.open(&env).unwrap().plaintext(), b"post-quantum field");
    assert!(escrow::open(&ids[1], &key, &env).is_ok());
    let clipper = Compliance::pinned(&key).policy(LeafCheck::Clipper16);
    assert!(e2e::Opener::new(&ids[1]).layer(clipper).open(&env).is_ok());
    // A classical authority, and a classical client pinned to it, refuse it.
    let classical = EscrowAuthority::generate();
    assert!(matches!(
        classical.open(&env),
        Err(escrow::Error::InvalidAccessField)
    ));
    assert!(matches!(
        escrow::open(&ids[1], &classical.public_key(), &env),
        Err(escrow::Error::InvalidAccessField)
    ));
    // The classical field stays its old size.
    let classical_env = e2e::Sealer::new(&ids[0], &to)
        .layer(AccessField::to(&classical.public_key()))
        .seal(b"x")
        .unwrap();
    let len = e2e::Header::parse(&classical_env)
        .unwrap()
        .extension(LEAF_EXTENSION)
        .unwrap()
        .len();
    assert_eq!(len, LEAF_LEN);

    // Split custody works for the X-Wing seed, and the kind comes back.
    let shares = authority.split(2, 3).unwrap();
    let rebuilt = EscrowAuthority::recover(&shares[1..]).unwrap();
    assert_eq!(rebuilt.kem(), Kem::XWing);
    assert!(rebuilt == authority);
    assert!(rebuilt.open(&env).is_ok());
}

/// One key, one encoding, for X-Wing too (FORMAT.md): the X25519 half of an
/// X-Wing public key is refused, as a classical key is, when its encoding
/// is not canonical (the high bit set, or u = p + 2, an alias of u = 2) or
/// its point has small order (u = 0, u = 1, u = p - 1). The genuine key
/// and a canonical full-order half still parse.
#[test]
fn the_x25519_half_of_an_x_wing_key_is_canonical_and_of_full_order() {
    let public = pq_identity(4).public().to_bytes();
    assert_eq!(public.len(), PQ_PUBLIC_IDENTITY_LEN);
    // The X-Wing key (ML-KEM-768's, then X25519's), then Ed25519's.
    let end = PQ_PUBLIC_IDENTITY_LEN - 32;
    let with_half = |x: [u8; 32]| {
        let mut b = public.clone();
        b[end - 32..end].copy_from_slice(&x);
        b
    };
    let mut high_bit = public.clone();
    high_bit[end - 1] |= 0x80;
    let u = |low: u8, fill: u8, top: u8| {
        let mut x = [fill; 32];
        x[0] = low;
        x[31] = top;
        x
    };
    let bad = [
        ("high bit", high_bit),
        ("u = p + 2", with_half(u(0xef, 0xff, 0x7f))),
        ("u = p - 1 (order 2)", with_half(u(0xec, 0xff, 0x7f))),
        ("u = 0", with_half([0; 32])),
        ("u = 1 (order 4)", with_half(u(1, 0, 0))),
    ];
    for (what, bytes) in bad {
        assert!(
            matches!(
                PublicIdentity::from_bytes(&bytes),
                Err(keys::Error::InvalidKey)
            ),
            "an X-Wing key whose X25519 half has {what} must be refused as InvalidKey"
        );
    }
    assert!(PublicIdentity::from_bytes(&public).is_ok());
    assert!(PublicIdentity::from_bytes(&with_half(u(2, 0, 0))).is_ok());
}
