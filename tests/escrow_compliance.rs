//! Property 10 of docs/DESIGN.md, complete compliance: an escrowed envelope
//! that a compliant client accepts opens for the authority it names,
//! whatever options the sender chose; evasion needs a modified client (or
//! superencryption), never an option.
//!
//! The modified clients here are written from `docs/FORMAT.md` section 5 as
//! a `Layer` that builds the access field by hand — the public extension
//! point, nothing private. A sanity test shows the hand-built field equals
//! the crate's byte for byte when nothing is changed.

mod common;

use common::{config, identities, publics};
use doormat::e2e::{self, Layer, LayerError, OpenError, PayloadCipher, Sealing};
use doormat::escrow::{
    self, AccessField, Compliance, EscrowAuthority, EscrowKey, FamilyKey, LeafCheck, FAMILY_PREFIX,
    LEAF_EXTENSION, LEAF_LEN, PQ_LEAF_LEN,
};
use doormat::hazmat::hpke::setup_sender_derand;
use doormat::hpke::{self, Aead, Kdf, Kem, PublicKey, SenderMode, Suite, XWing, X25519};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};
use proptest::prelude::*;
use ring::hmac;

/// Two users who agreed on 32 secret bytes.
const SECRET: [u8; 32] = *b"only alice and bob know this key";

/// `n` bytes of `SeededRng(seed)`'s stream, written from its definition
/// (`src/random.rs`): BLAKE3 keyed by the seed, over the label, read as an
/// extendable output.
fn seeded_stream(seed: &[u8; 32], n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    blake3::Hasher::new_keyed(seed)
        .update(b"doormat seeded generator v1")
        .finalize_xof()
        .fill(&mut out);
    out
}

/// A client that builds its own access field: escrowed to `pk` (any 32 bytes
/// for X25519, or an X-Wing key), for the associated data's hash `aad_hash`
/// (the real one if `None`), checksummed under `family` (zeros if unknown).
#[derive(Debug)]
struct HandMade {
    pk: Vec<u8>,
    aad_hash: Option<[u8; 32]>,
    family: [u8; 32],
}

impl HandMade {
    /// `(enc, wrapped)`: HPKE base mode to `pk`, the encapsulation's
    /// randomness (X25519's ephemeral key, or X-Wing's 64 bytes) the first
    /// bytes of `SeededRng(seed)`.
    fn wrap(&self, seed: &[u8; 32], aad: &[u8], pt: &[u8]) -> hpke::Result<(Vec<u8>, Vec<u8>)> {
        let suite = Suite::new(Kdf::HkdfSha256, Aead::ChaCha20Poly1305);
        let info = b"doormat/v1 leaf";
        let (enc, mut ctx) = if self.pk.len() == X25519::PUBLIC_KEY_LEN {
            let pk = PublicKey::<X25519>::from_bytes(&self.pk)?;
            let randomness = seeded_stream(seed, X25519::ENCAP_RANDOMNESS_LEN);
            setup_sender_derand(suite, &SenderMode::Base, &pk, info, &randomness)?
        } else {
            let pk = PublicKey::<XWing>::from_bytes(&self.pk)?;
            let randomness = seeded_stream(seed, XWing::ENCAP_RANDOMNESS_LEN);
            setup_sender_derand(suite, &SenderMode::Base, &pk, info, &randomness)?
        };
        Ok((enc, ctx.seal(aad, pt)?))
    }
}

impl Layer for HandMade {
    /// The field of `src/escrow/leaf.rs`: `seed = BLAKE3-derive-key("doormat/v1
    /// leaf randomness", content_key || SHA-256(core header) || aad_hash)`,
    /// then HPKE to the escrow key with `aad = SHA-256(core header)`,
    /// `pt = content_key || aad_hash`, its randomness from `SeededRng(seed)`.
    fn extensions(&self, s: &Sealing<'_>) -> Result<Vec<(u16, Vec<u8>)>, LayerError> {
        let aad_hash = self.aad_hash.unwrap_or(*s.aad_hash());
        let key = s.content_key().as_bytes();
        let core_hash = common::sha256(s.core_header());
        let seed = blake3::derive_key(
            "doormat/v1 leaf randomness",
            &[&key[..], &core_hash, &aad_hash].concat(),
        );
        let (enc, wrapped) = match self.wrap(&seed, &core_hash, &[&key[..], &aad_hash].concat()) {
            Ok(sealed) => sealed,
            // HPKE refuses a low-order key: a forger writes anything.
            Err(_) => (vec![7; 32], vec![7; 80]),
        };
        let body = [&self.pk[..], &enc, &wrapped].concat();
        // The checksum covers the real aad hash: a forger who knows the
        // family key makes it right.
        let mac = hmac::Key::new(hmac::HMAC_SHA256, &self.family);
        let mut h = hmac::Context::with_key(&mac);
        for part in [
            &b"doormat/v1 leaf checksum"[..],
            &core_hash,
            s.aad_hash(),
            key,
            &body,
        ] {
            h.update(part);
        }
        let checksum = h.sign();
        Ok(vec![(
            LEAF_EXTENSION,
            [&body[..], &checksum.as_ref()[..2]].concat(),
        )])
    }
}

/// Whether `r` is a compliance refusal of the access field, out of the
/// envelope's box.
fn field_refused<T>(r: Result<T, OpenError>) -> bool {
    matches!(
        r.map_err(escrow::Error::from),
        Err(escrow::Error::InvalidAccessField)
    )
}

/// A family whose bytes the test knows (as a forger who extracted them
/// from a client would), and the same family loaded as a client's key.
fn known_family(seed: u8) -> ([u8; 32], FamilyKey) {
    let text = FamilyKey::generate_text_with(&mut SeededRng::from_seed([seed; 32])).unwrap();
    let hex = text.strip_prefix(FAMILY_PREFIX).unwrap();
    let bytes: [u8; 32] = hex::decode(hex).unwrap().try_into().unwrap();
    (bytes, text.parse().unwrap())
}

struct World {
    alice: Identity,
    bob: Identity,
    authority: EscrowAuthority,
}

fn world() -> World {
    let mut ids = identities(2);
    World {
        bob: ids.pop().unwrap(),
        alice: ids.pop().unwrap(),
        authority: EscrowAuthority::generate(),
    }
}

impl World {
    fn key(&self) -> EscrowKey {
        self.authority.public_key()
    }

    /// A compliant client for Bob with `policy`, pinned to the authority,
    /// of the family `family`.
    fn client(&self, policy: LeafCheck, family: FamilyKey) -> e2e::Opener<'_> {
        let check = Compliance::pinned(&self.key())
            .policy(policy)
            .family(family);
        e2e::Opener::new(&self.bob)
            .associated_data(&SECRET)
            .layer(check)
    }
}

/// The crate's field and the hand-made one agree byte for byte, for an
/// X25519 and an X-Wing escrow key, so the modified clients below differ
/// from a compliant one only where they mean to.
#[test]
fn the_hand_made_field_is_the_documented_field() {
    let w = world();
    let (family_bytes, _) = known_family(1);
    let to = [w.bob.public()];
    let post_quantum = EscrowAuthority::generate_post_quantum();
    for (authority, len) in [(&w.authority, LEAF_LEN), (&post_quantum, PQ_LEAF_LEN)] {
        let key = authority.public_key();
        let mut fields = Vec::new();
        for hand in [false, true] {
            let mut rng = SeededRng::from_seed([7; 32]);
            let sealer = e2e::Sealer::new(&w.alice, &to)
                .associated_data(&SECRET)
                .rng(&mut rng);
            let sealer = if hand {
                sealer.layer(HandMade {
                    pk: key.public_key().as_bytes().to_vec(),
                    aad_hash: None,
                    family: family_bytes,
                })
            } else {
                sealer.layer(AccessField::to(&key).family(known_family(1).1))
            };
            let env = sealer.seal(b"same").unwrap();
            drop(sealer);
            fields.push(
                e2e::Header::parse(&env)
                    .unwrap()
                    .extension(LEAF_EXTENSION)
                    .unwrap()
                    .to_vec(),
            );
        }
        assert_eq!(fields[0].len(), len, "{:?}", key.kem());
        assert_eq!(fields[0], fields[1], "{:?}", key.kem());
        // And the crate's compliant client of that family accepts the
        // hand-made field (the checksum is right too), under both policies.
        let env = e2e::Sealer::new(&w.alice, &to)
            .associated_data(&SECRET)
            .layer(HandMade {
                pk: key.public_key().as_bytes().to_vec(),
                aad_hash: None,
                family: family_bytes,
            })
            .seal(b"hand made")
            .unwrap();
        for policy in [LeafCheck::Clipper16, LeafCheck::Recompute] {
            let client = Compliance::pinned(&key)
                .policy(policy)
                .family(known_family(1).1);
            let opened = e2e::Opener::new(&w.bob)
                .associated_data(&SECRET)
                .layer(client)
                .open(&env);
            assert!(opened.is_ok(), "{:?} {policy:?}: {opened:?}", key.kem());
        }
        assert!(authority.open(&env).is_ok());
    }
}

/// Secret associated data cannot dodge escrow. The compliant path exposes:
/// the field carries SHA-256(aad), so the authority opens with nothing but
/// the envelope. Only a modified client evades: a field built for other
/// associated data is refused by every compliant client under `Recompute`,
/// read by a non-compliant one, and unreadable by the authority — material
/// for the superencryption lesson.
#[test]
fn secret_associated_data_cannot_dodge_escrow() {
    let w = world();
    let to = [w.bob.public()];
    // The compliant path.
    let env = escrow::sealer(&w.alice, &to, &w.key())
        .associated_data(&SECRET)
        .seal(b"meet at the usual place")
        .unwrap();
    assert!(w
        .client(LeafCheck::Recompute, FamilyKey::default())
        .open(&env)
        .is_ok());
    let seized = w.authority.open(&env).expect("the authority needs no aad");
    assert_eq!(seized.plaintext(), b"meet at the usual place");
    // Bob without the secret cannot open it, of course.
    assert!(matches!(
        escrow::open(&w.bob, &w.key(), &env),
        Err(escrow::Error::Open(OpenError::HeaderTampered))
    ));

    // A modified client: the field claims there was no associated data.
    let dodge = HandMade {
        pk: w.key().public_key().as_bytes().to_vec(),
        aad_hash: Some(common::sha256(b"")),
        family: [0; 32],
    };
    let env = e2e::Sealer::new(&w.alice, &to)
        .associated_data(&SECRET)
        .layer(dodge)
        .seal(b"meet at the usual place")
        .unwrap();
    assert!(field_refused(
        w.client(LeafCheck::Recompute, FamilyKey::default())
            .open(&env)
    ));
    let plain = e2e::Opener::new(&w.bob)
        .associated_data(&SECRET)
        .open(&env)
        .expect("a non-compliant reader opens it");
    assert_eq!(plain.plaintext(), b"meet at the usual place");
    assert!(matches!(
        w.authority.open(&env),
        Err(escrow::Error::Open(OpenError::HeaderTampered))
    ));
}

/// A field that names a non-canonical encoding of the authority's key (the
/// high bit set: the same curve point) or a low-order key is refused by
/// every compliant client — pinned or not, under both policies — since the
/// authority could not open it.
#[test]
fn a_field_naming_an_invalid_escrow_key_is_refused() {
    let w = world();
    let to = [w.bob.public()];
    let (family_bytes, _) = known_family(2);
    let mut non_canonical = w.key().public_key().as_bytes().to_vec();
    non_canonical[31] |= 0x80;
    let low_order = vec![0u8; 32];
    let mut refused = 0;
    for (what, pk) in [("non-canonical", non_canonical), ("low order", low_order)] {
        let layer = HandMade {
            pk,
            aad_hash: None,
            family: family_bytes,
        };
        let env = e2e::Sealer::new(&w.alice, &to)
            .associated_data(&SECRET)
            .layer(layer)
            .seal(b"x")
            .unwrap();
        for policy in [LeafCheck::Recompute, LeafCheck::Clipper16] {
            let unpinned = Compliance::unpinned()
                .policy(policy)
                .family(known_family(2).1);
            let r = e2e::Opener::new(&w.bob)
                .associated_data(&SECRET)
                .layer(unpinned)
                .open(&env);
            let shown = format!("{r:?}");
            assert!(field_refused(r), "{what}, {policy:?}, unpinned: {shown}");
            let r = w.client(policy, known_family(2).1).open(&env);
            let shown = format!("{r:?}");
            assert!(field_refused(r), "{what}, {policy:?}, pinned: {shown}");
            refused += 2;
        }
        assert!(w.authority.open(&env).is_err(), "{what}");
    }
    assert_eq!(refused, 8);
}

/// Compliant clients are told which authority they comply with: a field
/// escrowed to any other key is refused, by `escrow::open` and by
/// `Compliance::pinned`; only the explicit `Compliance::unpinned` accepts it.
#[test]
fn compliant_clients_name_their_authority() {
    let w = world();
    let to = [w.bob.public()];
    let own_key = EscrowAuthority::generate();
    let self_escrowed = escrow::seal(&w.alice, &to, &own_key.public_key(), b"x").unwrap();
    assert!(matches!(
        escrow::open(&w.bob, &w.key(), &self_escrowed),
        Err(escrow::Error::InvalidAccessField)
    ));
    for policy in [LeafCheck::Recompute, LeafCheck::Clipper16] {
        let pinned = Compliance::pinned(&w.key()).policy(policy);
        assert!(field_refused(
            e2e::Opener::new(&w.bob).layer(pinned).open(&self_escrowed)
        ));
    }
    let unpinned = Compliance::unpinned();
    assert!(e2e::Opener::new(&w.bob)
        .layer(unpinned)
        .open(&self_escrowed)
        .is_ok());
    assert!(own_key.open(&self_escrowed).is_ok());
    assert!(w.authority.open(&self_escrowed).is_err());
}

/// A family key is loaded from its text form and never read back: clients
/// that load the same text (say, two processes) accept each other's
/// `Clipper16` checksums; another family refuses them; `Debug` shows nothing.
#[test]
fn a_family_key_loads_from_text_and_stays_sealed() {
    let w = world();
    let to = [w.bob.public()];
    let text = FamilyKey::generate_text_with(&mut SeededRng::from_seed([3; 32])).unwrap();
    assert!(text.starts_with(FAMILY_PREFIX));
    let hex = &text[FAMILY_PREFIX.len()..];
    let loaded: FamilyKey = text.parse().unwrap();
    assert!(!format!("{loaded:?}").contains(hex));
    assert_eq!(format!("{loaded:?}"), "FamilyKey([sealed])");
    let mut other_rejects = 0;
    for i in 0..8 {
        let env = e2e::Sealer::new(&w.alice, &to)
            .associated_data(&SECRET)
            .layer(AccessField::to(&w.key()).family(text.parse().unwrap()))
            .seal(&[i; 10])
            .unwrap();
        assert!(w
            .client(LeafCheck::Clipper16, text.parse().unwrap())
            .open(&env)
            .is_ok());
        let r = w
            .client(LeafCheck::Clipper16, FamilyKey::generate())
            .open(&env);
        other_rejects += usize::from(field_refused(r));
    }
    // A foreign family passes by chance one time in 65,536.
    assert!(other_rejects >= 7, "{other_rejects}");
    for bad in [
        "doormat-family-1",
        "doormat-secret-1",
        &text[..text.len() - 1],
    ] {
        assert!(bad.parse::<FamilyKey>().is_err(), "{bad}");
    }
}

#[derive(Debug, Clone)]
struct Options {
    aad: Vec<u8>,
    cipher: PayloadCipher,
    chunk_size: u32,
    /// The checkpoint interval: the default, or the fewest chunks that make
    /// a span of 1, 2 or 3 MiB (a span of at least 1 MiB is the floor).
    interval: Option<u32>,
    key_ids: bool,
    recipients: usize,
    len: usize,
}

fn options() -> impl Strategy<Value = Options> {
    (
        prop_oneof![
            Just(Vec::new()),
            Just(SECRET.to_vec()),
            prop::collection::vec(any::<u8>(), 1..100),
        ],
        prop_oneof![
            Just(PayloadCipher::ChaCha20Poly1305),
            Just(PayloadCipher::Aes256Gcm)
        ],
        prop::sample::select(vec![1024u32, 1500, 65536]),
        prop::option::of(1u32..4),
        any::<bool>(),
        1usize..5,
        // A few chunks, or a few MiB: past one or more checkpoints.
        prop_oneof![0usize..3000, (1usize << 20)..(3 << 20) + 5000],
    )
        .prop_map(
            |(aad, cipher, chunk_size, spans, key_ids, recipients, len)| Options {
                aad,
                cipher,
                chunk_size,
                interval: spans.map(|m| (m << 20).div_ceil(chunk_size)),
                key_ids,
                recipients,
                len,
            },
        )
}

/// Whatever options the sender chose — associated data (secret or not),
/// cipher, chunk size, checkpoint interval, key ids, recipients, size — an
/// envelope a compliant client accepts opens for the authority it names,
/// from the envelope alone.
#[test]
fn complete_compliance() {
    let authority = EscrowAuthority::generate();
    let key = authority.public_key();
    let people = identities(5);
    let cases = std::cell::Cell::new(0);
    proptest!(config(48), |(o in options())| {
        let to = publics(&people[1..=o.recipients]);
        let pt = vec![0x5a; o.len];
        let mut sealer = escrow::sealer(&people[0], &to, &key)
            .associated_data(&o.aad)
            .cipher(o.cipher)
            .chunk_size(o.chunk_size)
            .key_ids(o.key_ids);
        if let Some(n) = o.interval {
            sealer = sealer.checkpoint_interval(n);
        }
        let env = sealer.seal(&pt).unwrap();
        for me in &people[1..=o.recipients] {
            let opened = escrow::opener(me, &key).associated_data(&o.aad).open(&env);
            prop_assert!(opened.is_ok(), "{:?}: {:?}", o, opened.err());
        }
        let seized = authority.open(&env);
        prop_assert!(seized.is_ok(), "{:?}: {:?}", o, seized.as_ref().err());
        let seized = seized.unwrap();
        prop_assert_eq!(seized.plaintext(), &pt[..]);
        let mut out = Vec::new();
        prop_assert!(authority.open_stream(&env[..], &mut out).is_ok());
        prop_assert_eq!(out, pt);
        cases.set(cases.get() + 1);
    });
    assert_eq!(cases.get(), 48);
}
