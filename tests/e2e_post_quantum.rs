//! Post-quantum envelopes: X-Wing stanzas, the wide sender slot, the refusal
//! to mix classical and post-quantum recipients (and its opt-in), what an
//! observer sees, and hostile post-quantum headers.

#[path = "common/co_recipient.rs"]
#[allow(dead_code)]
mod co_recipient;
mod common;

use common::{
    chunk_count, must_fail_with, Layout, ENC, FIXED, PQ_ENC, TAG, WIDE_SENDER_SLOT, WRAPPED,
    XWING_KEM_ID,
};
use doormat::e2e::{
    self, overhead, overhead_post_quantum, Header, OpenError, Opener, SealError, Sealer,
    MAX_POST_QUANTUM_RECIPIENTS,
};
use doormat::hazmat::e2e::stanza_enc;
use doormat::keys::{Identity, Kem, PublicIdentity};
use doormat::random::{SeedableRng, SeededRng};

fn pq(seed: u64) -> Identity {
    let mut rng = SeededRng::from_seed(blake3::hash(&seed.to_be_bytes()).into());
    Identity::generate_post_quantum_with(&mut rng).unwrap()
}

fn classical(seed: u64) -> Identity {
    common::identity(seed, 0)
}

fn publics(ids: &[Identity]) -> Vec<PublicIdentity> {
    ids.iter().map(Identity::public).collect()
}

/// Opens `env` as `me` in memory and streaming; both must give `expected`.
fn opens_both_ways(me: &Identity, sender: &Identity, env: &[u8], expected: &[u8]) {
    let opened = e2e::open(me, env).unwrap();
    assert_eq!(opened.plaintext(), expected);
    assert_eq!(opened.sender(), &sender.public());
    assert!(opened.recipients().contains(&me.public().fingerprint()));
    let mut out = Vec::new();
    Opener::new(me).open_stream(env, &mut out).unwrap();
    assert_eq!(out, expected);
}

#[test]
fn post_quantum_recipients_get_x_wing_stanzas_from_either_sender() {
    let recipients: Vec<Identity> = (1..=3).map(pq).collect();
    let to = publics(&recipients);
    let message = common::bytes(7, 150_000);
    for sender in [pq(10), classical(10)] {
        let env = Sealer::new(&sender, &to).seal(&message).unwrap();
        let header = Header::parse(&env).unwrap();
        assert!(header.is_post_quantum());
        for i in 0..3 {
            assert_eq!(header.stanza_kem(i), Some(Kem::XWing));
            assert_eq!(stanza_enc(&header, i).unwrap().len(), PQ_ENC);
        }
        // Post-quantum stanzas and the wide sender slot, whoever sends.
        let layout = Layout::parse(&env);
        assert!(layout.post_quantum && layout.wide_sender && !layout.kinds);
        assert_eq!(env[10], 0x0a);
        assert!(layout.stanzas.iter().all(|s| s.len() == PQ_ENC + WRAPPED));
        // The length is what the format says, sender kind or not.
        let chunks = chunk_count(message.len(), 64 << 10);
        assert_eq!(
            env.len(),
            overhead_post_quantum(3, false) + message.len() + TAG * chunks
        );
        for me in &recipients {
            opens_both_ways(me, &sender, &env, &message);
        }
        // A classical identity has no stanza here, even with the same seed.
        assert!(matches!(
            e2e::open(&classical(1), &env),
            Err(OpenError::NotARecipient)
        ));
    }
}

#[test]
fn a_post_quantum_sender_to_classical_recipients_uses_the_wide_slot() {
    let (alice, bob) = (pq(20), classical(21));
    let env = e2e::seal(&alice, &[bob.public()], b"to a classical recipient").unwrap();
    let header = Header::parse(&env).unwrap();
    assert!(!header.is_post_quantum());
    assert_eq!(stanza_enc(&header, 0).unwrap().len(), ENC);
    assert_eq!(env[10], 0x08);
    assert_eq!(
        env.len(),
        overhead(1, false) + WIDE_SENDER_SLOT - 64 + b"to a classical recipient".len() + TAG
    );
    opens_both_ways(&bob, &alice, &env, b"to a classical recipient");
    // A classical sender to classical recipients: the format as before.
    let env = e2e::seal(&classical(22), &[bob.public()], b"x").unwrap();
    assert_eq!(env[10], 0);
    assert_eq!(env.len(), overhead(1, false) + 1 + TAG);
}

#[test]
fn mixing_kems_is_refused_unless_the_sender_opts_in() {
    let (alice, carol, dave) = (pq(30), pq(31), classical(32));
    let to = [carol.public(), dave.public()];
    let refused = Sealer::new(&alice, &to).seal(b"mixed");
    assert!(matches!(refused, Err(SealError::MixedKems)), "{refused:?}");
    let mut sink = Vec::new();
    let refused = Sealer::new(&alice, &to).seal_stream(&b"mixed"[..], &mut sink);
    assert!(matches!(refused, Err(SealError::MixedKems)));
    assert!(sink.is_empty(), "nothing written before the refusal");
    // Opting out of the opt-in is the default.
    let refused = Sealer::new(&alice, &to)
        .allow_mixed_kems(false)
        .seal(b"mixed");
    assert!(matches!(refused, Err(SealError::MixedKems)));

    let env = Sealer::new(&alice, &to)
        .allow_mixed_kems(true)
        .seal(b"mixed")
        .unwrap();
    // The observer sees each stanza's kind: that is all it must see.
    let header = Header::parse(&env).unwrap();
    assert_eq!(header.stanza_kem(0), Some(Kem::XWing));
    assert_eq!(header.stanza_kem(1), Some(Kem::X25519));
    assert_eq!(env[10], 0x0c);
    let layout = Layout::parse(&env);
    assert!(layout.kinds && layout.wide_sender && !layout.post_quantum);
    let kinds: Vec<[u8; 2]> = layout
        .stanzas
        .iter()
        .map(|s| [env[s.start], env[s.start + 1]])
        .collect();
    assert_eq!(kinds, [XWING_KEM_ID.to_be_bytes(), 0x0020u16.to_be_bytes()]);
    assert_eq!(layout.stanzas[0].len(), 2 + PQ_ENC + WRAPPED);
    assert_eq!(layout.stanzas[1].len(), 2 + ENC + WRAPPED);
    opens_both_ways(&carol, &alice, &env, b"mixed");
    opens_both_ways(&dave, &alice, &env, b"mixed");
}

#[test]
fn key_ids_work_for_post_quantum_stanzas() {
    let (alice, recipients) = (pq(40), [pq(41), pq(42)]);
    let env = Sealer::new(&alice, &publics(&recipients))
        .key_ids(true)
        .seal(b"with key ids")
        .unwrap();
    assert_eq!(env[10], 0x0b);
    assert!(Layout::parse(&env)
        .stanzas
        .iter()
        .all(|s| s.len() == 8 + PQ_ENC + WRAPPED));
    for me in &recipients {
        opens_both_ways(me, &alice, &env, b"with key ids");
    }

    // The header's accessors agree with an independent parse, in every
    // stanza layout: key ids, the sender slot and the sealed sender block.
    let (pq_to, classical_to) = (pq(43).public(), classical(44).public());
    for (sender, to) in [
        (classical(45), vec![classical_to.clone()]),
        (pq(46), vec![classical_to.clone()]),
        (classical(47), vec![pq_to.clone()]),
        (pq(48), vec![pq_to.clone(), classical_to.clone()]),
        (classical(49), vec![classical_to.clone(), pq_to.clone()]),
    ] {
        let env = Sealer::new(&sender, &to)
            .key_ids(true)
            .allow_mixed_kems(true)
            .seal(b"")
            .unwrap();
        let (header, layout) = (Header::parse(&env).unwrap(), Layout::parse(&env));
        assert_eq!(header.has_wide_sender_slot(), layout.wide_sender);
        assert_eq!(header.sealed_sender_block_len(), layout.sender_block.len());
        for (i, range) in layout.stanzas.iter().enumerate() {
            let at = range.start + if layout.kinds { 2 } else { 0 };
            let id =
                co_recipient::sha256(&[b"doormat/v1 key id", to[i].encryption_key().as_bytes()]);
            assert_eq!(header.stanza_key_id(i).unwrap(), env[at..at + 8]);
            assert_eq!(header.stanza_key_id(i).unwrap(), id[..8]);
        }
        assert_eq!(header.stanza_key_id(to.len()), None);
    }
    let plain = e2e::seal(&alice, &[pq_to], b"").unwrap();
    assert_eq!(Header::parse(&plain).unwrap().stanza_key_id(0), None);
}

#[test]
fn the_header_limit_bounds_post_quantum_recipients() {
    assert_eq!(MAX_POST_QUANTUM_RECIPIENTS, 897);
    let alice = pq(50);
    let many: Vec<PublicIdentity> = (0..=MAX_POST_QUANTUM_RECIPIENTS as u64)
        .map(|i| pq(1000 + i).public())
        .collect();
    let too_many = Sealer::new(&alice, &many).seal(b"");
    assert!(
        matches!(too_many, Err(SealError::InvalidArgument(_))),
        "{too_many:?}"
    );
    let env = Sealer::new(&alice, &many[..MAX_POST_QUANTUM_RECIPIENTS])
        .seal(b"")
        .unwrap();
    assert_eq!(
        Header::parse(&env).unwrap().as_bytes().len(),
        FIXED + MAX_POST_QUANTUM_RECIPIENTS * (PQ_ENC + WRAPPED) + 4
    );
}

/// A fixed header with these flags and count, then `rest`.
fn header_with(flags: u8, count: u16, rest: &[u8]) -> Vec<u8> {
    let mut h = b"doormat\x01\x00\x03".to_vec();
    h.push(flags);
    h.extend_from_slice(&(64u32 << 10).to_be_bytes());
    h.extend_from_slice(&64u32.to_be_bytes());
    h.extend_from_slice(&count.to_be_bytes());
    h.extend_from_slice(rest);
    h
}

#[test]
fn hostile_post_quantum_headers_are_refused_by_type() {
    let me = pq(60);
    let stanza = vec![0x55u8; PQ_ENC + WRAPPED];
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "post-quantum stanzas without the wide slot",
            header_with(0x02, 1, &stanza),
            "post-quantum stanzas without the wide sender slot",
        ),
        (
            "mixed stanzas without the wide slot",
            header_with(0x04, 1, &stanza),
            "post-quantum stanzas without the wide sender slot",
        ),
        (
            "both stanza flags",
            header_with(0x0e, 1, &stanza),
            "conflicting stanza flags",
        ),
        (
            "an unknown flag",
            header_with(0x1a, 1, &stanza),
            "unknown header flags",
        ),
        (
            // 1024 × 1,168 bytes would pass 1 MiB: refused before reading.
            "1024 post-quantum stanzas",
            header_with(0x0a, 1024, &stanza),
            "header longer than 1 MiB",
        ),
        (
            "a truncated post-quantum stanza",
            header_with(0x0a, 1, &stanza[..PQ_ENC]),
            "truncated header",
        ),
        (
            "an unknown stanza kind",
            header_with(0x0c, 1, &[&[0x12, 0x34][..], &stanza].concat()),
            "unknown stanza kind",
        ),
        (
            "kinds on stanzas of one kind",
            header_with(
                0x0c,
                2,
                &[
                    &XWING_KEM_ID.to_be_bytes()[..],
                    &stanza,
                    &XWING_KEM_ID.to_be_bytes(),
                    &[0x66; PQ_ENC + WRAPPED],
                    &[0; 4],
                ]
                .concat(),
            ),
            "stanza kinds on unmixed stanzas",
        ),
        (
            "mixed stanzas past 1 MiB",
            header_with(
                0x0c,
                1000,
                &[&XWING_KEM_ID.to_be_bytes()[..], &stanza]
                    .concat()
                    .repeat(1000),
            ),
            "header longer than 1 MiB",
        ),
        (
            // 888 X-Wing and 117 classical stanzas with their KEM ids: the
            // header would be 1 MiB + 3 bytes, just over the bound.
            "mixed stanzas 3 bytes past 1 MiB",
            header_with(
                0x0c,
                888 + 117,
                &[
                    [&XWING_KEM_ID.to_be_bytes()[..], &stanza]
                        .concat()
                        .repeat(888),
                    [&0x0020u16.to_be_bytes()[..], &[0x77; ENC + WRAPPED]]
                        .concat()
                        .repeat(117),
                ]
                .concat(),
            ),
            "header longer than 1 MiB",
        ),
    ];
    assert_eq!(
        FIXED + 888 * (2 + PQ_ENC + WRAPPED) + 117 * (2 + ENC + WRAPPED) + 4,
        (1 << 20) + 3
    );
    for (what, bytes, why) in cases {
        let e = must_fail_with(what, &["MalformedHeader"], || Header::parse(&bytes));
        assert!(
            matches!(e, OpenError::MalformedHeader(w) if w == why),
            "{what}: {e:?}"
        );
        must_fail_with(what, &["MalformedHeader"], || e2e::open(&me, &bytes));
    }
}

/// Just under the bound, a mixed header of 888 X-Wing and 116 classical
/// stanzas (1 MiB − 79 bytes) parses: the bound refuses nothing it allows.
#[test]
fn the_largest_mixed_headers_still_parse() {
    let distinct = |i: usize, len: usize| {
        let mut s = vec![0x33u8; len];
        s[..4].copy_from_slice(&(i as u32).to_be_bytes());
        s
    };
    let mut stanzas = Vec::new();
    for i in 0..888 {
        stanzas.extend_from_slice(&XWING_KEM_ID.to_be_bytes());
        stanzas.extend(distinct(i, PQ_ENC + WRAPPED));
    }
    for i in 0..116 {
        stanzas.extend_from_slice(&0x0020u16.to_be_bytes());
        stanzas.extend(distinct(i, ENC + WRAPPED));
    }
    let bytes = header_with(0x0c, 888 + 116, &[&stanzas[..], &[0; 4]].concat());
    assert_eq!(bytes.len(), (1 << 20) - 79);
    let header = Header::parse(&bytes).unwrap();
    assert_eq!(header.stanza_count(), 1004);
    assert_eq!(header.as_bytes(), &bytes[..]);
    assert_eq!(header.stanza_kem(1003), Some(Kem::X25519));
}

/// The wide slot has one encoding: a sender who pads its identity with
/// anything but zeros (and signs that) is refused, though every tag and the
/// signature verify. The control, re-signed with zero padding, opens.
#[test]
fn the_wide_sender_slot_padding_must_be_zero() {
    let (alice, bob) = (classical(70), pq(71));
    let env = e2e::seal(&alice, &[bob.public()], b"padded").unwrap();
    let parts = co_recipient::Parts::open(&bob, &env, b"").unwrap();
    // KEM id, Alice's 64 public bytes, then 1,184 bytes of padding.
    assert_eq!(parts.sender_block[..2], 0x0020u16.to_be_bytes());
    assert_eq!(parts.sender_block[2..66], alice.public().to_bytes()[..]);
    assert!(parts.sender_block[66..WIDE_SENDER_SLOT]
        .iter()
        .all(|&b| b == 0));
    let resign = |parts: &mut co_recipient::Parts| {
        parts.signature = co_recipient::raw_sign(&alice, &parts.signed_message()).to_vec();
    };

    let mut control = parts.clone();
    resign(&mut control);
    assert_eq!(
        e2e::open(&bob, &control.seal()).unwrap().plaintext(),
        b"padded"
    );

    let mut padded = parts;
    padded.sender_block[1000] = 1;
    resign(&mut padded);
    let alice_public = alice.public();
    let signed = ring::signature::UnparsedPublicKey::new(
        &ring::signature::ED25519,
        alice_public.verifying_key(),
    );
    assert!(signed
        .verify(&padded.signed_message(), &padded.signature)
        .is_ok());
    let e = e2e::open(&bob, &padded.seal()).unwrap_err();
    assert!(
        matches!(e, OpenError::MalformedHeader("invalid sender key")),
        "{e:?}"
    );
}

/// The wide slot appears only where it is needed: a classical sender who
/// sets flag `0x08` on an all-X25519 envelope and widens its slot (signing
/// all of it) is refused, though every tag and the signature verify.
#[test]
fn a_wide_slot_for_a_classical_envelope_is_refused() {
    let (alice, bob) = (classical(80), classical(81));
    let env = e2e::seal(&alice, &[bob.public()], b"widened").unwrap();
    let mut parts = co_recipient::Parts::open(&bob, &env, b"").unwrap();
    assert_eq!(parts.header[10], 0);
    parts.header[10] |= 0x08;
    let fingerprints = parts.sender_block[64..].to_vec();
    let mut block = 0x0020u16.to_be_bytes().to_vec();
    block.extend_from_slice(&alice.public().to_bytes());
    block.resize(WIDE_SENDER_SLOT, 0);
    block.extend(fingerprints);
    parts.sender_block = block;
    parts.signature = co_recipient::raw_sign(&alice, &parts.signed_message()).to_vec();
    let forged = parts.seal();
    let e = e2e::open(&bob, &forged).unwrap_err();
    assert!(
        matches!(
            e,
            OpenError::MalformedHeader("wide sender slot for a classical sender")
        ),
        "{e:?}"
    );
    let e = Opener::new(&bob)
        .open_stream(&forged[..], std::io::sink())
        .unwrap_err();
    assert!(matches!(e, OpenError::MalformedHeader(_)), "{e:?}");
}

/// The documented draw order: the content key, then per recipient its
/// encapsulation randomness — 32 bytes for X25519, 64 for X-Wing. Rebuilding
/// each stanza from the same stream gives the header's bytes.
#[test]
fn a_seeded_sealer_draws_per_recipient_kem() {
    use doormat::hpke::{self, Kdf, SenderMode, Suite};
    use doormat::keys::EncryptionKey;
    use doormat::random::Rng;
    let alice = pq(90);
    let (carol, dave, erin) = (classical(91), pq(92), classical(93));
    let to = [carol.public(), dave.public(), erin.public()];
    let seed = [9u8; 32];
    let env = Sealer::new(&alice, &to)
        .allow_mixed_kems(true)
        .rng(&mut SeededRng::from_seed(seed))
        .seal(b"draw order")
        .unwrap();
    let header = Header::parse(&env).unwrap();
    let mut stream = SeededRng::from_seed(seed);
    let mut content_key = [0u8; 32];
    stream.fill_bytes(&mut content_key);
    let suite = Suite::new(Kdf::HkdfSha256, hpke::Aead::ChaCha20Poly1305);
    let info = [&b"doormat/v1 stanza"[..], &[0x00, 0x03]].concat();
    // Carol (X25519): 32 bytes.
    let EncryptionKey::X25519(carol_pk) = carol.public().encryption_key().clone() else {
        panic!("Carol is classical")
    };
    let mode = SenderMode::Base;
    let (enc, _) = hpke::seal(
        suite,
        &mode,
        &carol_pk,
        &info,
        b"",
        &content_key,
        &mut stream,
    )
    .unwrap();
    assert_eq!(stanza_enc(&header, 0).unwrap(), enc.as_slice());
    // Dave (X-Wing): 64 bytes.
    let EncryptionKey::XWing(dave_pk) = dave.public().encryption_key().clone() else {
        panic!("Dave is post-quantum")
    };
    let (enc, _) = hpke::seal(
        suite,
        &SenderMode::Base,
        &dave_pk,
        &info,
        b"",
        &content_key,
        &mut stream,
    )
    .unwrap();
    assert_eq!(stanza_enc(&header, 1).unwrap(), enc.as_slice());
    // Erin (X25519) again: only if Dave took exactly 64 bytes does this match.
    let EncryptionKey::X25519(erin_pk) = erin.public().encryption_key().clone() else {
        panic!("Erin is classical")
    };
    let (enc, _) = hpke::seal(
        suite,
        &mode,
        &erin_pk,
        &info,
        b"",
        &content_key,
        &mut stream,
    )
    .unwrap();
    assert_eq!(stanza_enc(&header, 2).unwrap(), enc.as_slice());
}
