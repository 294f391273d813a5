//! Property 3 of docs/DESIGN.md (integrity) on *escrowed* envelopes: any change to
//! any byte — header (the access field included), sender block, payload
//! chunk, signature block — any truncation, extension or chunk reordering,
//! and any splice of two envelopes fails to open, with a typed error and no
//! panic, for the recipients (`escrow::open`, `e2e::open`, streaming) and for
//! the escrow authority alike. And an access field moved to another envelope
//! does not open it for the authority (`leaf_moved_to_another_envelope_is_rejected`).
//!
//! Every test prints how many mutations it tried and which errors they
//! produced (`cargo test --release --test escrow_integrity -- --nocapture`).

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

use common::{chunk_count, identity, kind, publics, recipients, swapped, Layout, SplitMix64, TAG};
use doormat::e2e::{self, OpenError, Opened, PayloadCipher};
use doormat::escrow::{self, Compliance, EscrowAuthority, EscrowKey, FamilyKey, LeafCheck};
use doormat::escrow::{LEAF_EXTENSION, LEAF_LEN};
use doormat::keys::Identity;
use doormat::Error;

/// One way of opening an envelope: its plaintext, or the error (as the
/// umbrella error, so every opener's failures are told apart the same way).
type OpenFn<'a> = Box<dyn Fn(&[u8]) -> doormat::Result<Vec<u8>> + 'a>;

/// Every party who can open an escrowed envelope, each in memory and (for
/// the compliant recipient and the authority) streaming.
fn openers<'a>(
    r0: &'a Identity,
    r1: &'a Identity,
    authority: &'a EscrowAuthority,
    aad: &'a [u8],
) -> Vec<(&'static str, OpenFn<'a>)> {
    vec![
        (
            "recipient 0, escrow::Opener",
            Box::new(move |e: &[u8]| {
                escrow::opener(r0, &authority.public_key())
                    .associated_data(aad)
                    .open(e)
                    .map(Opened::into_plaintext)
                    .map_err(Error::from)
            }),
        ),
        (
            "recipient 1, e2e::Opener",
            Box::new(move |e: &[u8]| {
                e2e::Opener::new(r1)
                    .associated_data(aad)
                    .open(e)
                    .map(Opened::into_plaintext)
                    .map_err(Error::from)
            }),
        ),
        (
            "authority",
            Box::new(move |e: &[u8]| {
                authority
                    .opener()
                    .associated_data(aad)
                    .open(e)
                    .map(Opened::into_plaintext)
                    .map_err(Error::from)
            }),
        ),
        (
            "recipient 1, escrow::Opener streaming",
            Box::new(move |e: &[u8]| {
                let mut out = Vec::new();
                escrow::opener(r1, &authority.public_key())
                    .associated_data(aad)
                    .open_stream(e, &mut out)
                    .map(|_| out)
                    .map_err(Error::from)
            }),
        ),
        (
            "authority streaming",
            Box::new(move |e: &[u8]| {
                let mut out = Vec::new();
                authority
                    .opener()
                    .associated_data(aad)
                    .open_stream(e, &mut out)
                    .map(|_| out)
                    .map_err(Error::from)
            }),
        ),
    ]
}

/// Runs mutations against every opener and tallies the errors per region.
struct Suite<'a> {
    openers: Vec<(&'static str, OpenFn<'a>)>,
    tally: BTreeMap<&'static str, (usize, BTreeMap<String, usize>)>,
}

impl<'a> Suite<'a> {
    fn new(openers: Vec<(&'static str, OpenFn<'a>)>) -> Suite<'a> {
        Suite {
            openers,
            tally: BTreeMap::new(),
        }
    }

    /// Every opener must return a typed error for `mutated`, without panicking.
    fn must_fail(&mut self, region: &'static str, what: &dyn Fn() -> String, mutated: &[u8]) {
        let entry = self.tally.entry(region).or_default();
        entry.0 += 1;
        for (name, open) in &self.openers {
            match catch_unwind(AssertUnwindSafe(|| open(mutated))) {
                Err(_) => panic!("{name} panicked on {region}: {}", what()),
                Ok(Ok(_)) => panic!("{name} opened a mutated envelope ({region}: {})", what()),
                Ok(Err(Error::Open(OpenError::Io(e)))) => {
                    panic!("{name}: I/O error from a slice ({region}: {}): {e}", what())
                }
                Ok(Err(e)) => *entry.1.entry(kind(&e)).or_default() += 1,
            }
        }
    }

    fn total(&self) -> usize {
        self.tally.values().map(|(n, _)| n).sum()
    }

    fn report(&self, title: &str) {
        println!(
            "{title}: {} mutations × {} openers",
            self.total(),
            self.openers.len()
        );
        for (region, (n, errors)) in &self.tally {
            println!("  {region:<34} {n:>5}  {errors:?}");
        }
    }
}

/// Every bit of `envelope[range]`, flipped in turn.
fn flip_every_bit(
    suite: &mut Suite<'_>,
    region: &'static str,
    envelope: &[u8],
    range: std::ops::Range<usize>,
) {
    let mut mutated = envelope.to_vec();
    for byte in range {
        for bit in 0..8 {
            mutated[byte] ^= 1 << bit;
            suite.must_fail(region, &|| format!("byte {byte} bit {bit}"), &mutated);
            mutated[byte] ^= 1 << bit;
        }
    }
}

struct Case {
    len: usize,
    chunk_size: u32,
    cipher: PayloadCipher,
    aad: &'static [u8],
    /// Payload bits sampled at random.
    payload_bits: usize,
}

/// Property 3 on escrowed envelopes: the whole mutation suite, for every
/// opener (two recipients, in memory and streaming, and the authority).
#[test]
fn integrity() {
    let cases = [
        // Five full chunks and a partial last chunk.
        Case {
            len: 5 * 1024 + 500,
            chunk_size: 1024,
            cipher: PayloadCipher::ChaCha20Poly1305,
            aad: b"",
            payload_bits: 500,
        },
        // Six full chunks (a full last chunk), another cipher, associated data.
        Case {
            len: 6 * 2048,
            chunk_size: 2048,
            cipher: PayloadCipher::Aes256Gcm,
            aad: b"case file 7",
            payload_bits: 500,
        },
    ];
    let mut grand_total = 0;
    for (n, case) in cases.iter().enumerate() {
        let seed = 0x1e6_0000 + n as u64;
        let authority = EscrowAuthority::generate();
        let sender = identity(seed, 0);
        let recipients = recipients(seed, 2);
        let pubs = publics(&recipients);
        let mut rng = SplitMix64::new(seed);
        let plaintext = rng.bytes(case.len);
        let envelope = escrow::sealer(&sender, &pubs, &authority.public_key())
            .associated_data(case.aad)
            .cipher(case.cipher)
            .chunk_size(case.chunk_size)
            .seal(&plaintext)
            .unwrap();
        let mut suite = Suite::new(openers(
            &recipients[0],
            &recipients[1],
            &authority,
            case.aad,
        ));

        // The untouched envelope opens for everyone; the parsed layout
        // agrees with the opened header.
        for (name, open) in &suite.openers {
            assert_eq!(open(&envelope).unwrap(), plaintext, "{name}");
        }
        let layout = Layout::parse(&envelope);
        let opened = escrow::opener(&recipients[0], &authority.public_key())
            .associated_data(case.aad)
            .open(&envelope)
            .unwrap();
        assert_eq!(layout.header.len(), opened.header().as_bytes().len());
        assert_eq!(layout.core.len(), opened.header().core_bytes().len());
        assert_eq!(layout.chunk_size, case.chunk_size as usize);
        let chunks = &layout.chunks;
        assert_eq!(chunks.len(), chunk_count(case.len, layout.chunk_size));
        let leaf_start = layout.header.end - LEAF_LEN;
        assert_eq!(
            &envelope[leaf_start..layout.header.end],
            opened.extension(LEAF_EXTENSION).unwrap()
        );

        // Every bit of the header, the access field included.
        flip_every_bit(&mut suite, "header: core", &envelope, layout.core.clone());
        flip_every_bit(
            &mut suite,
            "header: extension lengths, type",
            &envelope,
            layout.core.end..leaf_start,
        );
        flip_every_bit(
            &mut suite,
            "header: access field",
            &envelope,
            leaf_start..layout.header.end,
        );
        // Every bit of the sender block and of the signature block.
        flip_every_bit(
            &mut suite,
            "sender block",
            &envelope,
            layout.sender_block.clone(),
        );
        flip_every_bit(
            &mut suite,
            "signature block",
            &envelope,
            layout.signature.clone(),
        );
        // A sample of payload bits.
        let payload = layout.payload();
        let mut mutated = envelope.to_vec();
        for _ in 0..case.payload_bits {
            let byte = payload.start + rng.below(payload.len());
            let bit = rng.below(8);
            mutated[byte] ^= 1 << bit;
            suite.must_fail(
                "payload bit",
                &|| format!("byte {byte} bit {bit}"),
                &mutated,
            );
            mutated[byte] ^= 1 << bit;
        }

        // Truncation at every chunk boundary, every section boundary, and
        // about 100 random lengths.
        let mut lengths = BTreeSet::from([
            0,
            1,
            7,
            layout.core.end,
            leaf_start,
            layout.header.end,
            layout.sender_block.end,
            layout.signature.start,
            envelope.len() - 1,
        ]);
        for chunk in chunks {
            lengths.insert(chunk.start);
            lengths.insert(chunk.end);
            lengths.insert(chunk.end - TAG);
        }
        for _ in 0..100 {
            lengths.insert(rng.below(envelope.len()));
        }
        lengths.retain(|&l| l < envelope.len());
        for &len in &lengths {
            suite.must_fail(
                "truncation",
                &|| format!("to {len} of {} bytes", envelope.len()),
                &envelope[..len],
            );
        }

        // Appended bytes.
        let appendices: Vec<(&str, Vec<u8>)> = vec![
            ("one zero byte", vec![0]),
            ("16 zero bytes", vec![0; 16]),
            ("64 random bytes", rng.bytes(64)),
            (
                "a copy of the last chunk",
                envelope[chunks.last().unwrap().clone()].to_vec(),
            ),
            (
                "a copy of the signature block",
                envelope[layout.signature.clone()].to_vec(),
            ),
            ("the whole envelope again", envelope.clone()),
        ];
        for (what, tail) in &appendices {
            let mut extended = envelope.clone();
            extended.extend_from_slice(tail);
            suite.must_fail("appended bytes", &|| (*what).to_owned(), &extended);
        }

        // Chunk reordering: swaps of equal-size chunks, a dropped chunk, a
        // duplicated chunk.
        let full: Vec<usize> = (0..chunks.len())
            .filter(|&i| chunks[i].len() == layout.chunk_size + TAG)
            .collect();
        assert!(full.len() >= 4, "the case needs several full chunks");
        let last_full = *full.last().unwrap();
        let mut swaps =
            BTreeSet::from([(0, 1), (0, last_full), (1, 2), (last_full - 1, last_full)]);
        swaps.insert((full[full.len() / 2], full[full.len() / 2 + 1]));
        for &(i, j) in &swaps {
            let bad = swapped(&envelope, chunks[i].clone(), chunks[j].clone());
            suite.must_fail("chunks swapped", &|| format!("chunks {i} and {j}"), &bad);
        }
        for i in [0, chunks.len() / 2, chunks.len() - 2, chunks.len() - 1] {
            let (start, end) = (chunks[i].start, chunks[i].end);
            let mut dropped = envelope[..start].to_vec();
            dropped.extend_from_slice(&envelope[end..]);
            suite.must_fail("chunk dropped", &|| format!("chunk {i}"), &dropped);
            let mut doubled = envelope[..end].to_vec();
            doubled.extend_from_slice(&envelope[start..]);
            suite.must_fail("chunk duplicated", &|| format!("chunk {i}"), &doubled);
        }

        suite.report(&format!(
            "integrity, case {n} ({} B payload, {} B chunks, {:?}, {}-byte envelope)",
            case.len,
            case.chunk_size,
            case.cipher,
            envelope.len()
        ));
        grand_total += suite.total();
    }
    println!(
        "integrity: {grand_total} mutated envelopes in all, every one refused by every opener"
    );
}

/// An access field moved from envelope A into envelope B (same sender and
/// recipients, another message, correctly signed by a sender with a custom
/// client) does not escrow B: compliant clients reject it, and the authority
/// cannot read B with it. Splicing A's header onto B's body (or the reverse)
/// opens for nobody.
#[test]
fn leaf_moved_to_another_envelope_is_rejected() {
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    let sender = identity(0x1eaf, 0);
    let recipients = recipients(0x1eaf, 2);
    let pubs = publics(&recipients);
    let message_a = SplitMix64::new(1).bytes(3500);
    let a = escrow::sealer(&sender, &pubs, &escrow_key)
        .chunk_size(1024)
        .seal(&message_a)
        .unwrap();
    let leaf_a = escrow::open(&recipients[0], &escrow_key, &a)
        .unwrap()
        .extension(LEAF_EXTENSION)
        .unwrap()
        .to_vec();
    assert_eq!(leaf_a.len(), LEAF_LEN);

    let mut checks = 0;
    let mut authority_errors = BTreeMap::<String, usize>::new();
    let mut clipper_rejections = 0;
    const TRIES: usize = 4;
    for t in 0..TRIES {
        let message_b = SplitMix64::new(100 + t as u64).bytes(3000 + 700 * t);
        let b = e2e::Sealer::new(&sender, &pubs)
            .chunk_size(1024)
            .extension(LEAF_EXTENSION, leaf_a.clone())
            .seal(&message_b)
            .unwrap();
        for me in &recipients {
            // B is a genuine, correctly signed E2E envelope carrying A's field...
            let plain = e2e::open(me, &b).unwrap();
            assert_eq!(plain.plaintext(), &message_b[..]);
            assert_eq!(plain.sender(), &sender.public());
            assert_eq!(plain.extension(LEAF_EXTENSION), Some(&leaf_a[..]));
            // ... which a compliant client rejects: the field is bound to A.
            assert!(matches!(
                escrow::open(me, &escrow_key, &b),
                Err(escrow::Error::InvalidAccessField)
            ));
            let refused = compliant_client(
                me,
                LeafCheck::Recompute,
                Some(&escrow_key),
                FamilyKey::default(),
            )
            .open(&b)
            .unwrap_err();
            assert!(matches!(
                refused.layer::<escrow::Error>(),
                Some(escrow::Error::InvalidAccessField)
            ));
            // The 16-bit checksum covers the core header and the content key,
            // so it also fails, except with probability 2^-16 per try.
            let r = compliant_client(me, LeafCheck::Clipper16, None, FamilyKey::default()).open(&b);
            if matches!(
                r.map_err(escrow::Error::from),
                Err(escrow::Error::InvalidAccessField)
            ) {
                clipper_rejections += 1;
            }
            checks += 3;
        }
        // The authority cannot use A's field to read B.
        match authority.open(&b) {
            Ok(opened) => panic!(
                "the authority opened B with A's access field{}",
                if opened.plaintext() == &message_b[..] {
                    " and read B's plaintext"
                } else {
                    ""
                }
            ),
            Err(e) => *authority_errors.entry(kind(&e)).or_default() += 1,
        }
        let mut out = Vec::new();
        assert!(authority.open_stream(&b[..], &mut out).is_err());
        assert!(out.is_empty());
        checks += 2;

        // Splices of A and B: header, or header and sender block, from one
        // and the rest from the other.
        let (la, lb) = (Layout::parse(&a), Layout::parse(&b));
        let all = openers(&recipients[0], &recipients[1], &authority, b"");
        let mut suite = Suite::new(all);
        for (cut_a, cut_b, what) in [
            (la.header.end, lb.header.end, "header"),
            (
                la.sender_block.end,
                lb.sender_block.end,
                "header and sender block",
            ),
        ] {
            let mut a_head_b_body = a[..cut_a].to_vec();
            a_head_b_body.extend_from_slice(&b[cut_b..]);
            suite.must_fail("A's head, B's body", &|| what.to_owned(), &a_head_b_body);
            let mut b_head_a_body = b[..cut_b].to_vec();
            b_head_a_body.extend_from_slice(&a[cut_a..]);
            suite.must_fail("B's head, A's body", &|| what.to_owned(), &b_head_a_body);
        }
        checks += suite.total() * suite.openers.len();
        if t == 0 {
            suite.report("leaf_moved_to_another_envelope_is_rejected, splices");
        }
    }
    assert!(
        authority_errors.keys().all(|v| v == "InvalidAccessField"),
        "{authority_errors:?}"
    );
    // Two recipients per try: a false failure needs two 2^-16 coincidences.
    assert!(clipper_rejections >= 2 * TRIES - 1, "{clipper_rejections}");
    println!(
        "leaf_moved_to_another_envelope_is_rejected: {TRIES} moved fields, {checks} checks; \
         authority errors {authority_errors:?}; Clipper16 rejected {clipper_rejections} of {}",
        2 * TRIES
    );
}

/// A compliant client for `me`: `policy`, pinned to `trust` (or unpinned),
/// of chip family `family`.
fn compliant_client<'a>(
    me: &'a Identity,
    policy: LeafCheck,
    trust: Option<&EscrowKey>,
    family: FamilyKey,
) -> e2e::Opener<'a> {
    let check = match trust {
        Some(key) => Compliance::pinned(key),
        None => Compliance::unpinned(),
    };
    e2e::Opener::new(me).layer(check.policy(policy).family(family))
}
