//! `doormat::e2e`: round trips, who can open, what is bound, what is hidden,
//! argument checking and the documented size overhead.

mod common;

use common::*;
use doormat::e2e::{
    self, overhead, OpenError, Opener, PayloadCipher, SealError, Sealer, DEFAULT_CHUNK_SIZE, MAGIC,
    MAX_CHECKPOINT_SPAN, MAX_CHUNK_SIZE, MAX_HEADER_LEN, MAX_RECIPIENTS, MIN_CHECKPOINT_SPAN,
    MIN_CHUNK_SIZE, SIGNATURE_BLOCK_LEN, VERSION,
};
use doormat::keys::{DecryptionKey, Identity, Kem, PublicIdentity};
use proptest::prelude::*;

const MIB: usize = 1 << 20;

fn cipher_of(aes: bool) -> PayloadCipher {
    if aes {
        PayloadCipher::Aes256Gcm
    } else {
        PayloadCipher::ChaCha20Poly1305
    }
}

/// Opens as every recipient and checks plaintext, sender, recipient list and
/// header facts.
#[allow(clippy::too_many_arguments)]
fn check_all_open(
    env: &[u8],
    sender: &Identity,
    recipients: &[Identity],
    plaintext: &[u8],
    aad: &[u8],
    cipher: PayloadCipher,
    chunk_size: u32,
    key_ids: bool,
) {
    let fps = fingerprints(&publics(recipients));
    let layout = Layout::parse(env);
    for (i, r) in recipients.iter().enumerate() {
        let opened = Opener::new(r)
            .associated_data(aad)
            .open(env)
            .unwrap_or_else(|e| panic!("recipient {i} of {}: {e:?}", recipients.len()));
        assert!(
            opened.plaintext() == plaintext,
            "recipient {i}: plaintext differs"
        );
        assert_eq!(opened.sender(), &sender.public(), "recipient {i}: sender");
        assert_eq!(
            opened.recipients(),
            &fps[..],
            "recipient {i}: recipient list"
        );
        let h = opened.header();
        assert_eq!(h.cipher(), cipher);
        assert_eq!(h.chunk_size(), chunk_size);
        assert_eq!(h.stanza_count(), recipients.len());
        assert_eq!(h.has_key_ids(), key_ids);
        assert_eq!(h.as_bytes(), &env[layout.header.clone()]);
    }
}

#[derive(Debug, Clone)]
struct Case {
    chunk_size: u32,
    len: usize,
    recipients: usize,
    aes: bool,
    key_ids: bool,
    aad: Vec<u8>,
    seed: u64,
}

/// Lengths up to 1 MiB: random, or exact multiples of the chunk size, or one
/// byte either side of a multiple.
fn case() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just(MIN_CHUNK_SIZE),
            Just(1500u32),
            Just(4096u32),
            Just(DEFAULT_CHUNK_SIZE)
        ],
        0u8..4,
        0..=MIB,
        1usize..=16,
        any::<bool>(),
        any::<bool>(),
        prop::collection::vec(any::<u8>(), 0..3),
        any::<u64>(),
    )
        .prop_map(
            |(chunk_size, shape, r, recipients, aes, key_ids, aad, seed)| {
                let cs = chunk_size as usize;
                let k = r % (MIB / cs + 1);
                let len = match shape {
                    0 => r,
                    1 => k * cs,
                    2 => (k * cs).saturating_sub(1),
                    _ => (k * cs + 1).min(MIB),
                };
                Case {
                    chunk_size,
                    len,
                    recipients,
                    aes,
                    key_ids,
                    aad,
                    seed,
                }
            },
        )
}

proptest! {
    #![proptest_config(config(24))]

    /// Every recipient opens every envelope to exactly the plaintext, sees the
    /// true sender and the recipient fingerprints in order.
    #[test]
    fn round_trip(c in case()) {
        let sender = Identity::generate();
        let recipients = identities(c.recipients);
        let pubs = publics(&recipients);
        let plaintext = bytes(c.seed, c.len);
        let cipher = cipher_of(c.aes);
        let env = Sealer::new(&sender, &pubs)
            .cipher(cipher)
            .chunk_size(c.chunk_size)
            .key_ids(c.key_ids)
            .associated_data(&c.aad)
            .seal(&plaintext)
            .unwrap();
        prop_assert_eq!(env.len(), expected_len(c.len, c.recipients, c.key_ids, c.chunk_size));
        check_all_open(&env, &sender, &recipients, &plaintext, &c.aad, cipher, c.chunk_size, c.key_ids);
    }
}

/// The sizes where chunking can go wrong, for both ciphers and both stanza
/// shapes, deterministically (the property test may not draw them).
#[test]
fn round_trip_edge_sizes() {
    let sender = Identity::generate();
    let recipients = identities(2);
    let pubs = publics(&recipients);
    let cs = MIN_CHUNK_SIZE as usize;
    for len in [
        0,
        1,
        cs - 1,
        cs,
        cs + 1,
        2 * cs - 1,
        2 * cs,
        2 * cs + 1,
        10 * cs,
    ] {
        for (aes, key_ids) in [(false, false), (true, true), (false, true), (true, false)] {
            let pt = bytes(len as u64, len);
            let env = Sealer::new(&sender, &pubs)
                .cipher(cipher_of(aes))
                .chunk_size(MIN_CHUNK_SIZE)
                .key_ids(key_ids)
                .seal(&pt)
                .unwrap();
            assert_eq!(env.len(), expected_len(len, 2, key_ids, MIN_CHUNK_SIZE));
            check_all_open(
                &env,
                &sender,
                &recipients,
                &pt,
                b"",
                cipher_of(aes),
                MIN_CHUNK_SIZE,
                key_ids,
            );
        }
    }
    // The default options, through the free functions.
    let env = e2e::seal(&sender, &pubs, b"hello").unwrap();
    let opened = e2e::open(&recipients[1], &env).unwrap();
    assert_eq!(opened.plaintext(), b"hello");
    assert_eq!(opened.header().chunk_size(), DEFAULT_CHUNK_SIZE);
    assert_eq!(opened.header().cipher(), PayloadCipher::ChaCha20Poly1305);
    assert!(!opened.header().has_key_ids());
    assert_eq!(&env[..7], MAGIC);
    assert_eq!(env[7], VERSION);
    assert_eq!(u16::from_be_bytes([env[8], env[9]]), 0x0003);
    let aes = Sealer::new(&sender, &pubs)
        .cipher(PayloadCipher::Aes256Gcm)
        .seal(b"x")
        .unwrap();
    assert_eq!(u16::from_be_bytes([aes[8], aes[9]]), 0x0002);
    assert_eq!(PayloadCipher::Aes256Gcm.id(), 0x0002);
    assert_eq!(PayloadCipher::ChaCha20Poly1305.id(), 0x0003);
    assert_eq!(opened.into_plaintext(), b"hello".to_vec());
}

/// Only the named recipients open; an identity sharing a recipient's X25519
/// key but not its signing key is not a recipient; a sender who borrows
/// someone's X25519 key cannot pass as them.
#[test]
fn exclusivity() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let carol = Identity::generate();
    let dave = Identity::generate();
    let to = [bob.public(), carol.public()];
    let other_seed = [0x5au8; 32];

    for key_ids in [false, true] {
        let env = Sealer::new(&alice, &to)
            .key_ids(key_ids)
            .seal(b"for bob and carol")
            .unwrap();
        assert_eq!(
            e2e::open(&bob, &env).unwrap().plaintext(),
            b"for bob and carol"
        );
        assert_eq!(
            e2e::open(&carol, &env).unwrap().plaintext(),
            b"for bob and carol"
        );
        for outsider in [&alice, &dave] {
            assert!(
                matches!(e2e::open(outsider, &env), Err(OpenError::NotARecipient)),
                "key_ids={key_ids}: a non-recipient"
            );
            assert!(matches!(
                Opener::new(outsider).open_stream(&env[..], std::io::sink()),
                Err(OpenError::NotARecipient)
            ));
        }

        // Bob's decryption key, someone else's signing key: the stanza opens
        // but the signed recipient set names Bob's *full* identity.
        let x25519 = DecryptionKey::from_bytes(Kem::X25519, &bob.decryption_key().to_bytes()[..]);
        let bob_twin = Identity::from_decryption_key(x25519.unwrap(), &other_seed);
        assert_eq!(
            bob_twin.public().encryption_key().as_bytes(),
            bob.public().encryption_key().as_bytes()
        );
        assert_ne!(bob_twin.public(), bob.public());
        assert!(
            matches!(e2e::open(&bob_twin, &env), Err(OpenError::NotARecipient)),
            "key_ids={key_ids}: same X25519 key, other Ed25519 key"
        );
        assert!(matches!(
            Opener::new(&bob_twin).open_stream(&env[..], std::io::sink()),
            Err(OpenError::NotARecipient)
        ));
    }

    // An impostor with Alice's X25519 key and its own signing key: its
    // envelope opens, but names the impostor as sender, never Alice.
    let x25519 = DecryptionKey::from_bytes(Kem::X25519, &alice.decryption_key().to_bytes()[..]);
    let impostor = Identity::from_decryption_key(x25519.unwrap(), &other_seed);
    let forged = e2e::seal(&impostor, &to, b"love, alice").unwrap();
    let opened = e2e::open(&bob, &forged).unwrap();
    assert_eq!(opened.plaintext(), b"love, alice");
    assert_ne!(opened.sender(), &alice.public());
    assert_ne!(opened.sender().fingerprint(), alice.public().fingerprint());
    assert_ne!(
        opened.sender().verifying_key(),
        alice.public().verifying_key()
    );
    assert_eq!(opened.sender(), &impostor.public());
}

/// Associated data is bound, not sent: only the exact bytes open.
#[test]
fn associated_data_is_bound() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let pt = bytes(7, 5000);
    for aes in [false, true] {
        let env = Sealer::new(&alice, &to)
            .cipher(cipher_of(aes))
            .chunk_size(1024)
            .associated_data(b"ticket #42")
            .seal(&pt)
            .unwrap();
        assert!(!contains(&env, b"ticket #42"), "aad must not travel");
        let ok = Opener::new(&bob)
            .associated_data(b"ticket #42")
            .open(&env)
            .unwrap();
        assert_eq!(ok.plaintext(), &pt[..]);
        let mut out = Vec::new();
        Opener::new(&bob)
            .associated_data(b"ticket #42")
            .open_stream(&env[..], &mut out)
            .unwrap();
        assert_eq!(out, pt);
        for wrong in [&b""[..], b"ticket #43", b"ticket #42\0", b"ticket #4"] {
            let r = Opener::new(&bob).associated_data(wrong).open(&env);
            assert!(
                matches!(r, Err(OpenError::HeaderTampered)),
                "aad {wrong:?}: {r:?}"
            );
            let mut out = Vec::new();
            let r = Opener::new(&bob)
                .associated_data(wrong)
                .open_stream(&env[..], &mut out);
            assert!(
                matches!(r, Err(OpenError::HeaderTampered)),
                "aad {wrong:?}: {r:?}"
            );
            assert!(
                out.is_empty(),
                "nothing written before the sender block opens"
            );
        }
        assert!(matches!(
            e2e::open(&bob, &env),
            Err(OpenError::HeaderTampered)
        ));

        // And the other way: sealed without, opened with.
        let plain = Sealer::new(&alice, &to)
            .cipher(cipher_of(aes))
            .seal(&pt)
            .unwrap();
        assert!(e2e::open(&bob, &plain).is_ok());
        assert!(matches!(
            Opener::new(&bob).associated_data(b"x").open(&plain),
            Err(OpenError::HeaderTampered)
        ));
    }
}

fn assert_invalid_argument(what: &str, r: Result<Vec<u8>, SealError>) {
    assert!(
        matches!(r, Err(SealError::InvalidArgument(_))),
        "{what}: {r:?}"
    );
}

/// Bad options are refused with `InvalidArgument`, by `seal` and by
/// `seal_stream` (which then writes nothing).
#[test]
fn invalid_arguments_are_refused() {
    let alice = Identity::generate();
    let many = identities(MAX_RECIPIENTS + 1);
    let too_many = publics(&many);
    let (bob, carol) = (too_many[0].clone(), too_many[1].clone());

    assert_invalid_argument("no recipients", e2e::seal(&alice, &[], b"x"));
    assert_invalid_argument("1025 recipients", e2e::seal(&alice, &too_many, b"x"));
    assert_invalid_argument(
        "duplicate recipient",
        e2e::seal(&alice, &[bob.clone(), carol.clone(), bob.clone()], b"x"),
    );
    let to = [bob.clone(), carol.clone()];
    for cs in [0, 1, MIN_CHUNK_SIZE - 1, MAX_CHUNK_SIZE + 1, u32::MAX] {
        assert_invalid_argument(
            &format!("chunk size {cs}"),
            Sealer::new(&alice, &to).chunk_size(cs).seal(b"x"),
        );
    }
    for (cs, interval) in [
        (MIN_CHUNK_SIZE, 0u32),
        (MIN_CHUNK_SIZE, (16 << 20) / MIN_CHUNK_SIZE + 1),
        (MAX_CHUNK_SIZE, 2),
        (1 << 20, 17),
        (MIN_CHUNK_SIZE, u32::MAX),
        // Below the floor of 1 MiB between checkpoints.
        (MIN_CHUNK_SIZE, 1),
        (MIN_CHUNK_SIZE, (1 << 20) / MIN_CHUNK_SIZE - 1),
        (DEFAULT_CHUNK_SIZE, 15),
        (1 << 19, 1),
    ] {
        assert_invalid_argument(
            &format!("checkpoint interval {interval} with chunk size {cs}"),
            Sealer::new(&alice, &to)
                .chunk_size(cs)
                .checkpoint_interval(interval)
                .seal(b"x"),
        );
    }
    assert_invalid_argument(
        "duplicate extension type",
        Sealer::new(&alice, &to)
            .extension(9, b"a".to_vec())
            .extension(3, b"b".to_vec())
            .extension(9, b"c".to_vec())
            .seal(b"x"),
    );

    // seal_stream checks the same things before writing a byte.
    let sealers: Vec<(&str, Sealer<'_>)> = vec![
        ("no recipients", Sealer::new(&alice, &[])),
        ("1025 recipients", Sealer::new(&alice, &too_many)),
        (
            "small chunk",
            Sealer::new(&alice, &to).chunk_size(MIN_CHUNK_SIZE - 1),
        ),
        (
            "big chunk",
            Sealer::new(&alice, &to).chunk_size(MAX_CHUNK_SIZE + 1),
        ),
        (
            "duplicate extension",
            Sealer::new(&alice, &to)
                .extension(1, vec![])
                .extension(1, vec![]),
        ),
        (
            "checkpoint interval 0",
            Sealer::new(&alice, &to).checkpoint_interval(0),
        ),
        (
            "checkpoint span below 1 MiB",
            Sealer::new(&alice, &to)
                .chunk_size(MIN_CHUNK_SIZE)
                .checkpoint_interval(1023),
        ),
    ];
    for (what, sealer) in sealers {
        let mut out = Vec::new();
        let r = sealer.seal_stream(&b"payload"[..], &mut out);
        assert!(
            matches!(r, Err(SealError::InvalidArgument(_))),
            "{what}: {r:?}"
        );
        assert!(out.is_empty(), "{what}: wrote {} bytes", out.len());
    }

    // The bounds themselves are accepted: 16 MiB between checkpoints, and
    // 1 MiB.
    assert_eq!(MAX_CHECKPOINT_SPAN, 16 << 20);
    assert_eq!(MIN_CHECKPOINT_SPAN, 1 << 20);
    for (cs, interval) in [
        (MIN_CHUNK_SIZE, (16 << 20) / MIN_CHUNK_SIZE),
        (MAX_CHUNK_SIZE, 1),
        (1 << 20, 16),
        (MIN_CHUNK_SIZE, (1 << 20) / MIN_CHUNK_SIZE),
        (DEFAULT_CHUNK_SIZE, 16),
        (1 << 20, 1),
    ] {
        let env = Sealer::new(&alice, &to)
            .chunk_size(cs)
            .checkpoint_interval(interval)
            .seal(b"bounds")
            .unwrap();
        let opened = e2e::open(&many[1], &env).unwrap();
        assert_eq!(opened.header().checkpoint_interval(), interval);
    }
    for cs in [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE] {
        let env = Sealer::new(&alice, &to)
            .chunk_size(cs)
            .seal(b"bounds")
            .unwrap();
        let opened = e2e::open(&many[1], &env).unwrap();
        assert_eq!(opened.plaintext(), b"bounds");
        assert_eq!(opened.header().chunk_size(), cs);
    }
}

/// Exactly `MAX_RECIPIENTS` works, and the last of them opens (with and
/// without key ids).
#[test]
fn max_recipients_is_accepted() {
    let alice = Identity::generate();
    let ids = identities(MAX_RECIPIENTS);
    let pubs = publics(&ids);
    for key_ids in [false, true] {
        let env = Sealer::new(&alice, &pubs)
            .key_ids(key_ids)
            .seal(b"to everyone")
            .unwrap();
        assert_eq!(
            env.len(),
            expected_len(11, MAX_RECIPIENTS, key_ids, DEFAULT_CHUNK_SIZE)
        );
        let last = ids.last().unwrap();
        let opened = e2e::open(last, &env).unwrap();
        assert_eq!(opened.plaintext(), b"to everyone");
        assert_eq!(opened.recipients().len(), MAX_RECIPIENTS);
        assert_eq!(
            opened.recipients()[MAX_RECIPIENTS - 1],
            last.public().fingerprint()
        );
        assert_eq!(opened.sender(), &alice.public());
        assert_eq!(
            e2e::open(&ids[0], &env).unwrap().plaintext(),
            b"to everyone"
        );
    }
}

/// A header of exactly `MAX_HEADER_LEN` bytes is written and read; one byte
/// more is refused.
#[test]
fn header_size_limit_is_exact() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    // fixed + one stanza + ext_len + one record header.
    let room = MAX_HEADER_LEN - (FIXED + ENC + WRAPPED + 4 + 6);
    let env = Sealer::new(&alice, &to)
        .extension(0xbeef, vec![0xab; room])
        .seal(b"big header")
        .unwrap();
    let opened = e2e::open(&bob, &env).unwrap();
    assert_eq!(opened.header().as_bytes().len(), MAX_HEADER_LEN);
    assert_eq!(opened.extension(0xbeef).map(<[u8]>::len), Some(room));
    assert_eq!(opened.plaintext(), b"big header");
    assert_invalid_argument(
        "header one byte over",
        Sealer::new(&alice, &to)
            .extension(0xbeef, vec![0xab; room + 1])
            .seal(b"x"),
    );
}

/// Extensions round-trip, travel in clear in the header, and are
/// authenticated: changing a body byte fails.
#[test]
fn extensions_are_authenticated() {
    let alice = Identity::generate();
    let rs = identities(2);
    let to = publics(&rs);
    let long = bytes(99, 300);
    for key_ids in [false, true] {
        let env = Sealer::new(&alice, &to)
            .key_ids(key_ids)
            .chunk_size(1024)
            .extension(0xffff, long.clone())
            .extension(5, b"hello extension".to_vec())
            .extension(1, Vec::new())
            .seal(&bytes(1, 4000))
            .unwrap();
        let layout = Layout::parse(&env);
        let opened = e2e::open(&rs[1], &env).unwrap();
        assert_eq!(opened.extension(5), Some(&b"hello extension"[..]));
        assert_eq!(opened.extension(1), Some(&b""[..]));
        assert_eq!(opened.extension(0xffff), Some(&long[..]));
        assert_eq!(opened.extension(2), None);
        let all: Vec<(u16, Vec<u8>)> = opened
            .header()
            .extensions()
            .map(|(t, b)| (t, b.to_vec()))
            .collect();
        assert_eq!(
            all,
            vec![
                (1, vec![]),
                (5, b"hello extension".to_vec()),
                (0xffff, long.clone())
            ],
            "sorted by type"
        );
        let streamed = Opener::new(&rs[0])
            .open_stream(&env[..], std::io::sink())
            .unwrap();
        assert_eq!(streamed.extension(5), Some(&b"hello extension"[..]));

        // In clear, in the header, in type order.
        assert_eq!(layout.extensions.len(), 3);
        let (t, l, body) = layout.extensions[1].clone();
        assert_eq!(&env[t], &5u16.to_be_bytes());
        assert_eq!(&env[l], &15u32.to_be_bytes());
        assert_eq!(&env[body.clone()], b"hello extension");
        assert!(body.end <= layout.header.end);
        assert_eq!(
            opened.header().core_bytes(),
            &env[..layout.ext_len_field.start]
        );

        // Every byte of every body is authenticated.
        for (_, _, body) in &layout.extensions {
            for at in body.clone() {
                for bit in [0, 7] {
                    let bad = flipped(&env, at, bit);
                    let r = e2e::open(&rs[1], &bad);
                    assert!(
                        matches!(r, Err(OpenError::HeaderTampered)),
                        "byte {at}: {r:?}"
                    );
                }
            }
        }
        // So are types and lengths (whatever the parser makes of them).
        for (t, l, _) in &layout.extensions {
            for at in t.start..l.end {
                for bit in 0..8 {
                    must_fail(&format!("ext field byte {at} bit {bit}"), || {
                        e2e::open(&rs[1], &flipped(&env, at, bit))
                    });
                }
            }
        }
    }
}

/// The envelope carries no public key, fingerprint or (by default) key id of
/// the sender or any recipient; with key ids on, exactly the key ids appear.
#[test]
fn sender_and_recipients_hidden() {
    // The test's SHA-256 against FIPS 180-4 vectors and the crate's fingerprints.
    assert_eq!(
        hex::encode(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex::encode(sha256(b"")),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let sender = Identity::generate();
    let rs = identities(3);
    let to = publics(&rs);
    for p in to.iter().chain([&sender.public()]) {
        let fp = sha256(&[&b"doormat fingerprint v1"[..], &p.to_bytes()].concat());
        assert_eq!(
            &fp,
            p.fingerprint().as_bytes(),
            "test SHA-256 disagrees with the crate"
        );
    }
    let key_id = |p: &PublicIdentity| -> [u8; 8] {
        let h = sha256(&[&b"doormat/v1 key id"[..], p.encryption_key().as_bytes()].concat());
        h[..8].try_into().unwrap()
    };
    let everyone: Vec<PublicIdentity> = to.iter().cloned().chain([sender.public()]).collect();

    for aes in [false, true] {
        for key_ids in [false, true] {
            let sealer = Sealer::new(&sender, &to)
                .cipher(cipher_of(aes))
                .chunk_size(1024)
                .key_ids(key_ids);
            let mem = sealer.seal(&bytes(3, 7000)).unwrap();
            let mut streamed = Vec::new();
            sealer
                .seal_stream(&bytes(3, 7000)[..], &mut streamed)
                .unwrap();
            for env in [&mem, &streamed] {
                for p in &everyone {
                    let what = format!("aes={aes} key_ids={key_ids} {p:?}");
                    assert!(
                        !contains(env, p.encryption_key().as_bytes()),
                        "{what}: X25519 key"
                    );
                    assert!(!contains(env, p.verifying_key()), "{what}: Ed25519 key");
                    assert!(
                        !contains(env, p.fingerprint().as_bytes()),
                        "{what}: fingerprint"
                    );
                    assert!(
                        !contains(env, &p.fingerprint().as_bytes()[..8]),
                        "{what}: fp prefix"
                    );
                }
                assert!(!contains(env, &key_id(&sender.public())), "sender key id");
                let layout = Layout::parse(env);
                assert_eq!(layout.key_ids, key_ids);
                for (r, stanza) in to.iter().zip(&layout.stanzas) {
                    let id = key_id(r);
                    if key_ids {
                        assert_eq!(&env[stanza.start..stanza.start + 8], &id, "key id in place");
                    } else {
                        assert!(!contains(env, &id), "key id without key ids");
                    }
                }
            }
        }
    }
}

/// `len(envelope) = len(plaintext) + overhead(n, key_ids) + 16 × chunks +
/// 80 × checkpoints`, with 185 fixed bytes and 112 (120 with key ids) per
/// recipient, and a checkpoint after every `interval` chunks but the last.
/// Checkpoints are at least 1 MiB apart, so the lengths include a few MiB:
/// one span less a byte, one span, one span and a byte, three spans and a
/// few bytes.
#[test]
fn overhead_is_as_documented() {
    let fixed = overhead(0, false);
    let per = overhead(1, false) - overhead(0, false);
    let per_ids = overhead(1, true) - overhead(0, true);
    println!(
        "overhead: fixed {fixed} B, per recipient {per} B ({per_ids} B with key ids), \
         plus {TAG} B per chunk and {CHECKPOINT} B per checkpoint; e.g. overhead(1) = {}, \
         overhead(10) = {}, overhead(1024, key ids) = {}",
        overhead(1, false),
        overhead(10, false),
        overhead(1024, true)
    );
    // header fixed 21 + ext_len 4 + sender identity 64 + tag 16 + signature block 80.
    assert_eq!(fixed, FIXED + 4 + 64 + TAG + SIGNATURE_BLOCK_LEN);
    assert_eq!(fixed, 185);
    assert_eq!(CHECKPOINT, doormat::e2e::CHECKPOINT_LEN);
    // stanza (enc 32 + wrapped 48) + fingerprint 32, + 8 for a key id.
    assert_eq!(per, ENC + WRAPPED + 32);
    assert_eq!(per_ids, per + KEY_ID);
    for n in [0, 1, 2, 17, 1024] {
        assert_eq!(overhead(n, false), fixed + n * per);
        assert_eq!(overhead(n, true), fixed + n * per_ids);
    }

    let sender = Identity::generate();
    let rs = identities(16);
    let to = publics(&rs);
    let mut with_checkpoints = 0;
    for n in [1, 2, 3, 16] {
        for key_ids in [false, true] {
            for (cs, interval) in [
                (MIN_CHUNK_SIZE, None),
                (MIN_CHUNK_SIZE, Some(1024)),
                (1500, Some(700)),
                (1500, None),
                (DEFAULT_CHUNK_SIZE, Some(16)),
                (DEFAULT_CHUNK_SIZE, None),
            ] {
                let c = cs as usize;
                let every = interval.map_or(default_interval(cs), |i| i as usize);
                let mut lens = vec![0, 1, c - 1, c, c + 1, 3 * c, 3 * c + 5];
                if interval.is_some() {
                    let span = every * c;
                    lens.extend([span - 1, span, span + 1, 3 * span + 5]);
                }
                for len in lens {
                    let mut sealer = Sealer::new(&sender, &to[..n])
                        .key_ids(key_ids)
                        .chunk_size(cs);
                    if let Some(i) = interval {
                        sealer = sealer.checkpoint_interval(i);
                    }
                    let env = sealer.seal(&vec![0x11; len]).unwrap();
                    let chunks = chunk_count(len, c);
                    let checkpoints = checkpoint_count(len, c, every);
                    with_checkpoints += usize::from(checkpoints > 0);
                    let what = format!("n={n} key_ids={key_ids} chunk={cs}/{every} len={len}");
                    assert_eq!(
                        env.len(),
                        len + overhead(n, key_ids) + TAG * chunks + CHECKPOINT * checkpoints,
                        "{what}"
                    );
                    let layout = Layout::parse(&env);
                    assert_eq!(layout.checkpoint_interval, every, "{what}");
                    assert_eq!(layout.checkpoints.len(), checkpoints, "{what}");
                    let header_len = env.len()
                        - len
                        - TAG * chunks
                        - CHECKPOINT * checkpoints
                        - SIGNATURE_BLOCK_LEN
                        - sender_block_len(n);
                    assert_eq!(layout.header.len(), header_len);
                    assert_eq!(layout.chunks.len(), chunks);
                    let last = layout.chunks.last().unwrap().len();
                    let expect_last = if len == 0 {
                        TAG
                    } else {
                        len - (chunks - 1) * c + TAG
                    };
                    assert_eq!(last, expect_last);
                    if n == 1 && (len == 1 || checkpoints > 0) {
                        let opened = e2e::open(&rs[0], &env).unwrap();
                        assert_eq!(opened.header().as_bytes().len(), header_len);
                        assert_eq!(opened.plaintext(), &vec![0x11; len][..], "{what}");
                    }
                }
            }
        }
    }
    assert!(
        with_checkpoints >= 40,
        "{with_checkpoints} envelopes had checkpoints"
    );
}

/// `Debug` of the builders, the header and an opened envelope says what
/// they are without printing a secret key, the associated data or the
/// plaintext.
#[test]
fn debug_shows_no_secrets() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let aad = b"associated-data-marker";
    let plaintext = b"plaintext-marker";
    let sealer = Sealer::new(&alice, &to).associated_data(aad);
    let envelope = sealer.seal(plaintext).unwrap();
    let opener = Opener::new(&bob).associated_data(aad);
    let opened = opener.open(&envelope).unwrap();
    let forbidden: Vec<String> = [&alice.to_bytes()[..], &bob.to_bytes()[..]]
        .iter()
        .flat_map(|k| {
            [
                hex::encode(k),
                hex::encode_upper(k),
                format!("{:?}", &k[..8]),
            ]
        })
        .chain(["associated-data-marker".into(), "plaintext-marker".into()])
        .collect();
    for (what, shown) in [
        ("Sealer", format!("{sealer:?} {sealer:#?}")),
        ("Opener", format!("{opener:?} {opener:#?}")),
        ("Header", format!("{:?}", opened.header())),
        ("Opened", format!("{opened:?}")),
    ] {
        for secret in &forbidden {
            assert!(
                !shown.contains(secret.as_str()),
                "{what} Debug shows {secret}: {shown}"
            );
        }
    }
    assert!(format!("{sealer:?}").contains(&alice.public().fingerprint().to_string()));
    assert!(format!("{:?}", opened.header()).contains("stanzas: 1"));
}

/// `expect_sender` fails closed: an envelope from anyone else is refused
/// before anything is released, in memory and streaming.
#[test]
fn expect_sender_fails_closed() {
    let ids = identities(3);
    let (alice, mallory, bob) = (&ids[0], &ids[1], &ids[2]);
    let to = [bob.public()];
    let from_alice = e2e::seal(alice, &to, b"from alice").unwrap();
    let from_mallory = e2e::seal(mallory, &to, b"from mallory").unwrap();
    let alice_pub = alice.public();
    let expecting = |who| Opener::new(bob).expect_sender(who);
    assert_eq!(
        expecting(&alice_pub).open(&from_alice).unwrap().plaintext(),
        b"from alice"
    );
    assert!(matches!(
        expecting(&alice_pub).open(&from_mallory),
        Err(OpenError::UnexpectedSender)
    ));
    let mut out = Vec::new();
    let r = expecting(&alice_pub).open_stream(&from_mallory[..], &mut out);
    assert!(matches!(r, Err(OpenError::UnexpectedSender)));
    assert!(out.is_empty(), "nothing released");
    // Without the expectation, the same envelope opens and names Mallory.
    assert_eq!(
        Opener::new(bob).open(&from_mallory).unwrap().sender(),
        &mallory.public()
    );
}
