//! Hostile input for `doormat::e2e`: every bit flip of the header and the
//! sealed blocks, sampled payload flips, truncation, extension, reordering,
//! splicing, arbitrary bytes and absurd declared lengths. Every case must
//! fail with a typed error, never a panic, through `open` and `open_stream`.

mod common;

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;
use std::io::{self, Read};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use doormat::e2e::{
    OpenError, Opened, Opener, PayloadCipher, Sealer, StreamOpened, MAGIC, MAX_CHECKPOINT_SPAN,
    MAX_CHUNK_SIZE, MAX_HEADER_LEN, MAX_RECIPIENTS, MIN_CHUNK_SIZE, SIGNATURE_BLOCK_LEN,
};
use doormat::keys::{Identity, PublicIdentity};
use proptest::prelude::*;

// ----- the largest single allocation, per thread -----

/// The system allocator, noting the largest single request of each thread:
/// a header that made the parser allocate by a declared length would show.
struct LargestAllocation;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

fn note(size: usize) {
    let _ = LARGEST.try_with(|m| {
        if size > m.get() {
            m.set(size);
        }
    });
}

// SAFETY: forwards every call to `System` unchanged; `note` does not allocate.
unsafe impl GlobalAlloc for LargestAllocation {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        note(layout.size());
        System.alloc(layout)
    }

    unsafe fn alloc_zeroed(&self, layout: AllocLayout) -> *mut u8 {
        note(layout.size());
        System.alloc_zeroed(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        note(new_size);
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: LargestAllocation = LargestAllocation;

/// The largest single allocation `f` made on this thread.
fn largest_allocation<T>(f: impl FnOnce() -> T) -> (T, usize) {
    LARGEST.with(|m| m.set(0));
    let out = f();
    (out, LARGEST.with(Cell::get))
}

// ----- fixtures -----

/// An envelope under attack, the identity that opens it and what it holds.
struct Fixture {
    name: &'static str,
    sender: Identity,
    recipients: Vec<Identity>,
    /// Index of the recipient who opens.
    me: usize,
    aad: Vec<u8>,
    cipher: PayloadCipher,
    key_ids: bool,
    chunk_size: u32,
    extensions: Vec<(u16, Vec<u8>)>,
    plaintext: Vec<u8>,
    env: Vec<u8>,
    layout: Layout,
}

impl Fixture {
    #[allow(clippy::too_many_arguments)]
    fn new(
        name: &'static str,
        n: usize,
        me: usize,
        cipher: PayloadCipher,
        key_ids: bool,
        chunk_size: u32,
        len: usize,
        aad: &[u8],
        extensions: Vec<(u16, Vec<u8>)>,
    ) -> Fixture {
        let sender = Identity::generate();
        let recipients = identities(n);
        let mut fx = Fixture {
            name,
            sender,
            recipients,
            me,
            aad: aad.to_vec(),
            cipher,
            key_ids,
            chunk_size,
            extensions,
            plaintext: bytes(len as u64 ^ 0xfeed, len),
            env: Vec::new(),
            layout: Layout::parse(&[MAGIC.as_slice(), &[0; 100]].concat()),
        };
        fx.env = fx.seal(&fx.plaintext);
        fx.layout = Layout::parse(&fx.env);
        let opened = fx.open(&fx.env).unwrap();
        assert_eq!(opened.plaintext(), &fx.plaintext[..]);
        // The header is the prefix before the sender block, by the format's
        // arithmetic, by the test's parser and by the crate's.
        let chunks = chunk_count(len, chunk_size as usize);
        let header_len =
            fx.env.len() - len - TAG * chunks - SIGNATURE_BLOCK_LEN - sender_block_len(n);
        assert_eq!(fx.layout.header.len(), header_len);
        assert_eq!(opened.header().as_bytes(), &fx.env[..header_len]);
        assert_eq!(fx.layout.chunks.len(), chunks);
        fx
    }

    /// Another envelope with the same sender, recipients and options.
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let to: Vec<PublicIdentity> = publics(&self.recipients);
        let mut sealer = Sealer::new(&self.sender, &to)
            .associated_data(&self.aad)
            .cipher(self.cipher)
            .key_ids(self.key_ids)
            .chunk_size(self.chunk_size);
        for (t, body) in &self.extensions {
            sealer = sealer.extension(*t, body.clone());
        }
        sealer.seal(plaintext).unwrap()
    }

    fn opener(&self) -> Opener<'_> {
        Opener::new(&self.recipients[self.me]).associated_data(&self.aad)
    }

    fn open(&self, env: &[u8]) -> Result<Opened, OpenError> {
        self.opener().open(env)
    }

    fn open_stream(&self, env: &[u8]) -> Result<StreamOpened, OpenError> {
        self.opener().open_stream(env, io::sink())
    }

    /// `open` and `open_stream` both fail, with one of `allowed` (any error
    /// if empty), and neither panics.
    fn both_fail(&self, what: &str, env: &[u8], allowed: &[&str], stream: bool) -> OpenError {
        let what = format!("{}: {what}", self.name);
        let e = if allowed.is_empty() {
            must_fail(&what, || self.open(env))
        } else {
            must_fail_with(&what, allowed, || self.open(env))
        };
        if stream {
            let what = format!("{what} (stream)");
            if allowed.is_empty() {
                must_fail(&what, || self.open_stream(env));
            } else {
                must_fail_with(&what, allowed, || self.open_stream(env));
            }
        }
        e
    }

    fn ct_chunk(&self) -> usize {
        self.chunk_size as usize + TAG
    }
}

fn fixtures() -> Vec<Fixture> {
    vec![
        // 47 chunks (46 full, one of 56 bytes); a ciphertext chunk (80) is as
        // long as the signature block.
        Fixture::new(
            "chacha/64/3 recipients",
            3,
            1,
            PayloadCipher::ChaCha20Poly1305,
            false,
            64,
            3000,
            b"",
            vec![],
        ),
        // 16 full chunks, key ids, two extensions, associated data.
        Fixture::new(
            "aes/256/key ids/extensions",
            3,
            1,
            PayloadCipher::Aes256Gcm,
            true,
            256,
            4096,
            b"ctx",
            vec![(1, b"one".to_vec()), (0x0700, bytes(5, 40))],
        ),
        // 13 chunks (12 full, one of 100 bytes), the first recipient opens.
        Fixture::new(
            "chacha/200/2 recipients",
            2,
            0,
            PayloadCipher::ChaCha20Poly1305,
            false,
            200,
            2500,
            b"",
            vec![(42, b"x".to_vec())],
        ),
    ]
}

fn range_of(fx: &Fixture, at: usize) -> &'static str {
    let l = &fx.layout;
    if at < FIXED {
        "fixed"
    } else if l.stanzas.iter().any(|s| s.contains(&at)) {
        "stanza"
    } else if l.ext_len_field.contains(&at) {
        "ext_len"
    } else {
        "extension"
    }
}

/// What flipping `bit` of header byte `at` must give, as far as the format
/// makes it unambiguous (empty: any error).
fn header_flip_expectation(fx: &Fixture, at: usize, bit: u32) -> Vec<&'static str> {
    let l = &fx.layout;
    let env = &fx.env;
    let mask = 1u8 << bit;
    let be32 = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    match at {
        0..=6 => vec!["NotAnEnvelope"],
        7 => vec!["UnsupportedVersion"],
        8 | 9 => {
            let mut s = [env[8], env[9]];
            s[at - 8] ^= mask;
            match u16::from_be_bytes(s) {
                // The other cipher: the stanzas do not open under its suite.
                0x0002 | 0x0003 => vec!["NotARecipient"],
                _ => vec!["UnsupportedSuite"],
            }
        }
        10 if bit == 0 => vec![],
        // The wide sender slot: a longer sender block than was sealed.
        10 if bit == 3 => vec!["HeaderTampered", "Truncated"],
        // Post-quantum or mixed stanzas without the wide slot; unknown flags.
        10 => vec!["MalformedHeader"],
        11..=18 => {
            // Chunk size (11..15) and checkpoint interval (15..19).
            let mut f: [u8; 8] = env[11..19].try_into().unwrap();
            f[at - 11] ^= mask;
            let (chunk, interval) = (be32(&f[..4]), be32(&f[4..]));
            let span = u64::from(interval) * u64::from(chunk);
            let fits = (MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk)
                && interval >= 1
                && span <= MAX_CHECKPOINT_SPAN;
            if fits {
                // The key still unwraps; the header hash changed.
                vec!["HeaderTampered"]
            } else {
                vec!["MalformedHeader"]
            }
        }
        19 | 20 => {
            let mut c = [env[19], env[20]];
            c[at - 19] ^= mask;
            let count = usize::from(u16::from_be_bytes(c));
            if count == 0 || count > MAX_RECIPIENTS {
                vec!["MalformedHeader"]
            } else {
                vec![]
            }
        }
        _ => {
            if let Some(j) = l.stanzas.iter().position(|s| s.contains(&at)) {
                if j == fx.me {
                    vec!["NotARecipient"]
                } else {
                    vec!["HeaderTampered"]
                }
            } else if l.extensions.iter().any(|(_, _, body)| body.contains(&at)) {
                vec!["HeaderTampered"]
            } else {
                // ext_len, extension type and length fields: the parser may
                // read anything after them.
                vec![]
            }
        }
    }
}

/// Every single-bit flip of the header fails, with the specific error where
/// the flipped field determines it; a third of them also through the stream.
#[test]
fn every_header_bit_flip_fails() {
    for fx in fixtures() {
        let mut tally = std::collections::BTreeMap::<String, usize>::new();
        for at in fx.layout.header.clone() {
            for bit in 0..8u32 {
                let bad = flipped(&fx.env, at, bit);
                let allowed = header_flip_expectation(&fx, at, bit);
                let what = format!("header byte {at} ({}) bit {bit}", range_of(&fx, at));
                let stream = (at * 8 + bit as usize).is_multiple_of(3);
                let e = fx.both_fail(&what, &bad, &allowed, stream);
                match (&e, at) {
                    (OpenError::UnsupportedVersion(v), 7) => assert_eq!(*v, bad[7]),
                    (OpenError::UnsupportedSuite(s), _) => {
                        assert_eq!(*s, u16::from_be_bytes([bad[8], bad[9]]))
                    }
                    _ => {}
                }
                *tally.entry(kind(&e)).or_default() += 1;
            }
        }
        println!(
            "{}: {} header bits flipped: {tally:?}",
            fx.name,
            fx.layout.header.len() * 8
        );
    }
}

/// Every bit of the sealed sender block (→ `HeaderTampered`) and of the
/// sealed signature block (→ `PayloadTampered`: its AEAD fails before the
/// signature is checked).
#[test]
fn every_sealed_block_bit_flip_fails() {
    for fx in fixtures() {
        for at in fx.layout.sender_block.clone() {
            for bit in 0..8 {
                let bad = flipped(&fx.env, at, bit);
                let what = format!("sender block byte {at} bit {bit}");
                fx.both_fail(&what, &bad, &["HeaderTampered"], bit % 2 == 0);
            }
        }
        for at in fx.layout.signature.clone() {
            for bit in 0..8 {
                let bad = flipped(&fx.env, at, bit);
                let what = format!("signature block byte {at} bit {bit}");
                fx.both_fail(&what, &bad, &["PayloadTampered"], bit % 2 == 0);
            }
        }
    }
}

/// 2000 random payload bit flips per envelope: `PayloadTampered`; the
/// stream writes nothing from the damaged chunk on.
#[test]
fn payload_bit_flips_fail() {
    let mut rng = SplitMix64::new(2024);
    for fx in fixtures() {
        let payload = fx.layout.payload();
        for i in 0..2000 {
            let at = payload.start + rng.below(payload.len());
            let bit = rng.below(8) as u32;
            let bad = flipped(&fx.env, at, bit);
            let what = format!("payload byte {at} bit {bit}");
            fx.both_fail(&what, &bad, &["PayloadTampered"], false);
            if i % 4 == 0 {
                let mut out = Vec::new();
                let r = fx.opener().open_stream(&bad[..], &mut out);
                assert!(
                    matches!(r, Err(OpenError::PayloadTampered)),
                    "{what} (stream): {r:?}"
                );
                let damaged = (at - payload.start) / fx.ct_chunk();
                assert!(
                    out.len() <= damaged * fx.chunk_size as usize,
                    "{what}: wrote past damage"
                );
                assert!(fx.plaintext.starts_with(&out), "{what}: wrote wrong bytes");
            }
        }
    }
}

/// What truncating to `len` bytes must give.
fn truncation_expectation(fx: &Fixture, len: usize) -> &'static [&'static str] {
    let l = &fx.layout;
    if len < MAGIC.len() {
        &["NotAnEnvelope"]
    } else if len < l.header.end {
        &["MalformedHeader"]
    } else if len < l.sender_block.end {
        &["Truncated"]
    } else {
        // The last 80 bytes are taken as the signature block, so the final
        // chunk is cut short (PayloadTampered), shorter than a tag, or a
        // whole middle chunk (both Truncated).
        &["Truncated", "PayloadTampered"]
    }
}

/// Truncation anywhere fails: at every chunk boundary, at every length up to
/// 20 bytes, around every field boundary, and at 200 random lengths.
#[test]
fn truncation_fails() {
    let mut rng = SplitMix64::new(7);
    for fx in fixtures() {
        let l = &fx.layout;
        let mut cuts: Vec<usize> = (0..=20).collect();
        cuts.extend(l.chunks.iter().flat_map(|c| [c.start, c.end]));
        for edge in [
            l.ext_len_field.start,
            l.header.end,
            l.sender_block.end,
            l.signature.start,
            fx.env.len(),
        ] {
            cuts.extend(edge.saturating_sub(2)..edge + 2);
        }
        cuts.extend(l.stanzas.iter().map(|s| s.start + 5));
        cuts.extend((0..200).map(|_| rng.below(fx.env.len())));
        cuts.extend((0..20).map(|_| l.header.start + rng.below(l.header.len())));
        cuts.extend((0..20).map(|_| l.sender_block.start + rng.below(l.sender_block.len())));
        cuts.extend((0..20).map(|_| l.signature.start + rng.below(l.signature.len())));
        cuts.retain(|&c| c < fx.env.len());
        cuts.sort_unstable();
        cuts.dedup();
        for &cut in &cuts {
            let what = format!("truncated to {cut} of {}", fx.env.len());
            fx.both_fail(
                &what,
                &fx.env[..cut],
                truncation_expectation(&fx, cut),
                true,
            );
        }
        // Through a reader that trickles a byte at a time, at the boundaries.
        for c in &l.chunks {
            let r = fx
                .opener()
                .open_stream(Trickle::new(&fx.env[..c.start]), io::sink());
            assert!(
                matches!(r, Err(OpenError::Truncated | OpenError::PayloadTampered)),
                "{}: trickled cut at {}: {r:?}",
                fx.name,
                c.start
            );
        }
        println!("{}: {} truncations", fx.name, cuts.len());
    }
}

/// Dropping whole final chunks but keeping the signature block is always
/// `Truncated`: the new final chunk only opens as a middle chunk. With 64-byte
/// chunks a ciphertext chunk is as long as the signature block, so a plain cut
/// at a full-chunk boundary is the same attack and also `Truncated`.
#[test]
fn dropping_final_chunks_is_truncated() {
    for fx in fixtures() {
        let l = &fx.layout;
        for keep in 0..l.chunks.len() {
            let end = l.chunks.get(keep).map_or(l.signature.start, |c| c.start);
            let bad = [&fx.env[..end], &fx.env[l.signature.clone()]].concat();
            let what = format!("kept {keep} of {} chunks and the signature", l.chunks.len());
            fx.both_fail(&what, &bad, &["Truncated"], true);
        }
        if fx.chunk_size == 64 {
            for c in &l.chunks {
                let what = format!("cut at chunk boundary {}", c.start);
                fx.both_fail(&what, &fx.env[..c.start], &["Truncated"], true);
            }
        }
    }
}

/// Appended bytes fail: 1, 16, a whole chunk's worth, a copy of a chunk, a
/// second signature block.
#[test]
fn appended_bytes_fail() {
    for fx in fixtures() {
        let l = &fx.layout;
        let tails: Vec<(&str, Vec<u8>)> = vec![
            ("1 zero byte", vec![0]),
            ("16 bytes", bytes(1, 16)),
            ("a chunk of random bytes", bytes(2, fx.ct_chunk())),
            ("a copy of chunk 0", fx.env[l.chunks[0].clone()].to_vec()),
            (
                "a copy of the last chunk",
                fx.env[l.chunks.last().unwrap().clone()].to_vec(),
            ),
            (
                "the signature block again",
                fx.env[l.signature.clone()].to_vec(),
            ),
        ];
        for (what, tail) in tails {
            let bad = [&fx.env[..], &tail].concat();
            fx.both_fail(what, &bad, &["Truncated", "PayloadTampered"], true);
        }
        // An extra chunk before the signature block.
        let bad = [
            &fx.env[..l.signature.start],
            &fx.env[l.chunks[1].clone()],
            &fx.env[l.signature.clone()],
        ]
        .concat();
        fx.both_fail(
            "chunk 1 appended",
            &bad,
            &["Truncated", "PayloadTampered"],
            true,
        );
    }
}

/// Swapped, duplicated or removed chunks: `PayloadTampered`.
#[test]
fn reordered_chunks_fail() {
    for fx in fixtures() {
        let l = &fx.layout;
        let full: Vec<usize> = (0..l.chunks.len())
            .filter(|&i| l.chunks[i].len() == fx.ct_chunk())
            .collect();
        let mut pairs: Vec<(usize, usize)> = full.windows(2).map(|w| (w[0], w[1])).collect();
        pairs.push((full[0], *full.last().unwrap()));
        for (i, j) in pairs {
            let bad = swapped(&fx.env, l.chunks[i].clone(), l.chunks[j].clone());
            fx.both_fail(
                &format!("chunks {i} and {j} swapped"),
                &bad,
                &["PayloadTampered"],
                true,
            );
        }
        for (i, c) in l.chunks.iter().enumerate() {
            let dup = [&fx.env[..c.end], &fx.env[c.clone()], &fx.env[c.end..]].concat();
            fx.both_fail(
                &format!("chunk {i} duplicated"),
                &dup,
                &["PayloadTampered"],
                true,
            );
            if i + 1 < l.chunks.len() {
                let gone = [&fx.env[..c.start], &fx.env[c.end..]].concat();
                fx.both_fail(
                    &format!("chunk {i} removed"),
                    &gone,
                    &["PayloadTampered"],
                    true,
                );
            }
        }
    }
}

/// Pieces of two envelopes with the same sender, recipients, options and
/// sizes do not combine; rearranged or removed stanzas, a stripped key id or
/// a changed suite do not open either.
#[test]
fn spliced_envelopes_fail() {
    for fx in fixtures() {
        let a = &fx.env;
        let la = &fx.layout;
        let b = fx.seal(&bytes(0xb, fx.plaintext.len()));
        let lb = Layout::parse(&b);
        assert_eq!(a.len(), b.len());
        assert_eq!(la.sender_block, lb.sender_block);
        let (hdr, sb, pay, sig) = (
            la.header.clone(),
            la.sender_block.clone(),
            la.payload(),
            la.signature.clone(),
        );
        let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
            (
                "A header+sender block, B payload+signature",
                [&a[..sb.end], &b[sb.end..]].concat(),
                &["PayloadTampered"],
            ),
            (
                "A header, B sender block and rest",
                [&a[hdr.clone()], &b[sb.start..]].concat(),
                &["HeaderTampered"],
            ),
            (
                "A header, B sender block, A rest",
                [&a[hdr.clone()], &b[sb.clone()], &a[sb.end..]].concat(),
                &["HeaderTampered"],
            ),
            (
                "B header, A rest",
                [&b[hdr.clone()], &a[sb.start..]].concat(),
                &["HeaderTampered"],
            ),
            (
                "A with B's signature block",
                [&a[..sig.start], &b[sig.clone()]].concat(),
                &["PayloadTampered"],
            ),
            (
                "A with B's payload",
                [&a[..pay.start], &b[pay.clone()], &a[sig.clone()]].concat(),
                &["PayloadTampered"],
            ),
            (
                "A with B's chunk 2",
                [
                    &a[..la.chunks[2].start],
                    &b[lb.chunks[2].clone()],
                    &a[la.chunks[2].end..],
                ]
                .concat(),
                &["PayloadTampered"],
            ),
            (
                "A with B's last chunk",
                {
                    let last = la.chunks.last().unwrap().clone();
                    [&a[..last.start], &b[last.clone()], &a[last.end..]].concat()
                },
                &["PayloadTampered"],
            ),
        ];
        for (what, bad, allowed) in &cases {
            assert_eq!(bad.len(), a.len(), "{what}: same length");
            fx.both_fail(what, bad, allowed, true);
        }

        // Stanzas reordered: the key unwraps, the header hash differs.
        let (s0, s1) = (la.stanzas[0].clone(), la.stanzas[1].clone());
        let swapped = [&a[..s0.start], &a[s1.clone()], &a[s0.clone()], &a[s1.end..]].concat();
        fx.both_fail(
            "stanzas 0 and 1 swapped",
            &swapped,
            &["HeaderTampered"],
            true,
        );

        // A stanza removed (count decremented): someone else's, then mine.
        for (j, s) in la.stanzas.iter().enumerate() {
            let mut bad = [&a[..s.start], &a[s.end..]].concat();
            bad[19..21].copy_from_slice(&((la.count - 1) as u16).to_be_bytes());
            let allowed: &[&str] = if j == fx.me {
                &["NotARecipient"]
            } else {
                &["HeaderTampered"]
            };
            fx.both_fail(&format!("stanza {j} removed"), &bad, allowed, true);
        }

        // The other cipher's suite id.
        let mut bad = a.clone();
        let other = if la.suite == 2 { 3u16 } else { 2 };
        bad[8..10].copy_from_slice(&other.to_be_bytes());
        fx.both_fail("suite switched", &bad, &["NotARecipient"], true);

        // Key ids stripped (flag cleared): a downgrade the header hash catches.
        if la.key_ids {
            let mut bad = a[..FIXED].to_vec();
            bad[10] &= !1;
            for s in &la.stanzas {
                bad.extend_from_slice(&a[s.start + KEY_ID..s.end]);
            }
            bad.extend_from_slice(&a[la.ext_len_field.start..]);
            fx.both_fail("key ids stripped", &bad, &["HeaderTampered"], true);
        }
    }
}

// ----- arbitrary input -----

struct Target {
    me: Identity,
    env: Vec<u8>,
}

fn target() -> &'static Target {
    static T: OnceLock<Target> = OnceLock::new();
    T.get_or_init(|| {
        let sender = Identity::generate();
        let rs = identities(3);
        let to = publics(&rs);
        let env = Sealer::new(&sender, &to)
            .chunk_size(64)
            .extension(3, b"ext".to_vec())
            .seal(&bytes(3, 700))
            .unwrap();
        Target {
            me: rs.into_iter().nth(2).unwrap(),
            env,
        }
    })
}

fn fixed_header(suite: u16, flags: u8, chunk: u32, count: u16) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.push(1);
    h.extend_from_slice(&suite.to_be_bytes());
    h.push(flags);
    h.extend_from_slice(&chunk.to_be_bytes());
    h.extend_from_slice(&count.to_be_bytes());
    h
}

fn arbitrary_input() -> impl Strategy<Value = Vec<u8>> {
    let tail = || prop::collection::vec(any::<u8>(), 0..4096);
    prop_oneof![
        // Anything.
        tail(),
        // The magic and version, then anything.
        tail().prop_map(|t| [&MAGIC[..], &[1], &t].concat()),
        // A plausible fixed header, then anything.
        (
            prop_oneof![Just(2u16), Just(3u16)],
            0u8..2,
            64u32..2048,
            1u16..5,
            tail()
        )
            .prop_map(|(s, f, c, n, t)| [fixed_header(s, f, c, n), t].concat()),
        // A real envelope with 1-4 bytes changed.
        prop::collection::vec((any::<prop::sample::Index>(), 1u8..=255), 1..5).prop_map(|edits| {
            let mut env = target().env.clone();
            let len = env.len();
            // Distinct positions, each changed by a non-zero xor.
            let edits: std::collections::BTreeMap<usize, u8> = edits
                .into_iter()
                .map(|(at, x)| (at.index(len), x))
                .collect();
            for (at, x) in edits {
                env[at] ^= x;
            }
            env
        }),
        // A real envelope cut short, then anything.
        (
            any::<prop::sample::Index>(),
            prop::collection::vec(any::<u8>(), 0..300)
        )
            .prop_map(|(cut, t)| {
                let env = &target().env;
                [&env[..cut.index(env.len())], &t].concat()
            }),
    ]
}

proptest! {
    #![proptest_config(config(2000))]

    /// Arbitrary bytes: `open` and `open_stream` return an error, never panic.
    #[test]
    fn arbitrary_bytes_never_panic(input in arbitrary_input()) {
        let t = target();
        // Two distinct edits can cancel only by accident of position; skip
        // the (rare) cut-and-tail that rebuilds the original.
        prop_assume!(input != t.env);
        must_fail("open", || Opener::new(&t.me).open(&input));
        must_fail("open_stream", || Opener::new(&t.me).open_stream(&input[..], io::sink()));
    }
}

/// Absurd counts and lengths in a tiny input: `MalformedHeader`, promptly,
/// without allocating by the declared length (the largest single allocation
/// is measured), whether the input ends or goes on forever.
#[test]
fn huge_declared_lengths_do_not_allocate() {
    let me = Identity::generate();
    let stanza = bytes(1, ENC + WRAPPED);
    let one = |ext: &[u8]| [fixed_header(3, 0, 1024, 1), stanza.clone(), ext.to_vec()].concat();
    let limit = MAX_HEADER_LEN - (FIXED + ENC + WRAPPED + 4);
    let u32be = |v: usize| (v as u32).to_be_bytes();
    // (what, input, largest allocation allowed)
    let small = 128 << 10;
    let cases: Vec<(&str, Vec<u8>, usize)> = vec![
        (
            "count 0xFFFF",
            [fixed_header(3, 0, 1024, 0xFFFF), bytes(2, 64)].concat(),
            small,
        ),
        (
            "count 0xFFFF, key ids",
            [fixed_header(2, 1, 1024, 0xFFFF), bytes(2, 64)].concat(),
            small,
        ),
        (
            "count 1025",
            [fixed_header(3, 0, 1024, 1025), bytes(2, 64)].concat(),
            small,
        ),
        (
            "count 0",
            [fixed_header(3, 0, 1024, 0), bytes(2, 64)].concat(),
            small,
        ),
        (
            "count 1024, 10 stanza bytes",
            [fixed_header(3, 1, 1024, 1024), bytes(2, 10)].concat(),
            small,
        ),
        (
            "chunk size u32::MAX",
            [fixed_header(3, 0, u32::MAX, 1), bytes(2, 100)].concat(),
            small,
        ),
        (
            "chunk size 0",
            [fixed_header(3, 0, 0, 1), bytes(2, 100)].concat(),
            small,
        ),
        (
            "chunk size MAX+1",
            [fixed_header(3, 0, MAX_CHUNK_SIZE + 1, 1), bytes(2, 100)].concat(),
            small,
        ),
        ("ext_len u32::MAX", one(&u32::MAX.to_be_bytes()), small),
        ("ext_len one over the limit", one(&u32be(limit + 1)), small),
        (
            "extension len u32::MAX",
            one(&[&u32be(6)[..], &[0, 1], &u32::MAX.to_be_bytes()].concat()),
            small,
        ),
        (
            "second extension len u32::MAX",
            one(&[
                &u32be(13)[..],
                &[0, 1, 0, 0, 0, 1, 9],
                &[0, 2],
                &u32::MAX.to_be_bytes(),
            ]
            .concat()),
            small,
        ),
        // The one legal large allocation: an extension section at the limit.
        (
            "ext_len at the limit, input ends",
            one(&u32be(limit)),
            MAX_HEADER_LEN + (64 << 10),
        ),
    ];
    let hwm_before = vm_hwm_kib();
    let started = Instant::now();
    for (what, input, bound) in &cases {
        assert!(input.len() < 300, "{what}: the input itself is tiny");
        let t = Instant::now();
        let (r, big) = largest_allocation(|| Opener::new(&me).open(input));
        let took = t.elapsed();
        assert!(
            matches!(r, Err(OpenError::MalformedHeader(_))),
            "{what}: {r:?}"
        );
        assert!(
            big <= *bound,
            "{what}: allocated {big} bytes in one go (bound {bound})"
        );
        let (r, big_s) =
            largest_allocation(|| Opener::new(&me).open_stream(&input[..], io::sink()));
        assert!(
            matches!(r, Err(OpenError::MalformedHeader(_))),
            "{what} (stream): {r:?}"
        );
        assert!(
            big_s <= *bound,
            "{what} (stream): allocated {big_s} bytes in one go"
        );
        // Followed by endless zeros: still refused, still bounded.
        let (r, big_z) = largest_allocation(|| {
            Opener::new(&me).open_stream((&input[..]).chain(io::repeat(0)), io::sink())
        });
        assert!(
            matches!(r, Err(OpenError::MalformedHeader(_))),
            "{what} (endless): {r:?}"
        );
        assert!(
            big_z <= *bound,
            "{what} (endless): allocated {big_z} bytes in one go"
        );
        assert!(took < Duration::from_secs(1), "{what}: took {took:?}");
        println!(
            "{what}: {r:?}; largest allocation {big} / {big_s} / {big_z} B; {took:?}",
            r = Opener::new(&me).open(input).err().unwrap()
        );
    }
    let hwm_after = vm_hwm_kib();
    println!(
        "VmHWM {hwm_before} kB -> {hwm_after} kB over {} cases in {:?}",
        cases.len(),
        started.elapsed()
    );
    assert!(
        hwm_after - hwm_before < 16 << 10,
        "VmHWM grew by {} kB",
        hwm_after - hwm_before
    );
}

/// Stanza `enc` values that are low-order X25519 points (an all-zero
/// Diffie-Hellman) or copies of another stanza's: refused, not a panic.
#[test]
fn degenerate_stanzas_fail() {
    let low_order = x25519_low_order();
    for fx in fixtures() {
        let l = &fx.layout;
        let enc_at = |s: &std::ops::Range<usize>| s.start + if l.key_ids { KEY_ID } else { 0 };
        for point in &low_order {
            let mut bad = fx.env.clone();
            let at = enc_at(&l.stanzas[fx.me]);
            bad[at..at + ENC].copy_from_slice(point);
            fx.both_fail("low-order enc in my stanza", &bad, &["NotARecipient"], true);
        }
        // Every stanza's enc a different low-order point.
        let mut bad = fx.env.clone();
        for (s, point) in l.stanzas.iter().zip(&low_order) {
            let at = enc_at(s);
            bad[at..at + ENC].copy_from_slice(point);
        }
        fx.both_fail("low-order enc everywhere", &bad, &["NotARecipient"], true);
        // Two stanzas with the same enc: a malformed header, whatever else.
        let mut bad = fx.env.clone();
        let (a, b) = (enc_at(&l.stanzas[0]), enc_at(&l.stanzas[1]));
        let enc = bad[a..a + ENC].to_vec();
        bad[b..b + ENC].copy_from_slice(&enc);
        fx.both_fail("duplicate stanza enc", &bad, &["MalformedHeader"], true);
    }
}
