//! Hostile input for `doormat::e2e`: every bit flip of the header and the
//! sealed blocks, sampled payload flips, truncation, extension, reordering,
//! splicing, arbitrary bytes and absurd declared lengths. Every case must
//! fail with a typed error, never a panic, through `open` and `open_stream`.
//!
//! Four envelopes are attacked ([`fixtures`]): three of a few KiB, in chunks
//! of 1 KiB (the least the format allows) and 1500 bytes, without
//! checkpoints; and one of 2.2 MB in 64 KiB chunks with a checkpoint every
//! 16 (1 MiB, the least span allowed), so two checkpoints, each between two
//! full chunks. The small envelopes are swept as they always were. In the
//! large one every byte of the small regions (header, sender block, each
//! checkpoint, signature block) is flipped, one bit per byte, the bit
//! turning with the byte; its chunks are sampled densely and
//! deterministically: the first, middle and last byte of every chunk, every
//! chunk and checkpoint boundary, and the chunks next to each checkpoint.
//! Each test says which.

mod common;

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::Cell;
use std::io::{self, Read};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::*;
use doormat::e2e::{
    OpenError, Opened, Opener, PayloadCipher, Sealer, StreamOpened, MAGIC, MAX_CHECKPOINT_SPAN,
    MAX_CHUNK_SIZE, MAX_HEADER_LEN, MAX_RECIPIENTS, MIN_CHECKPOINT_SPAN, MIN_CHUNK_SIZE,
    SIGNATURE_BLOCK_LEN,
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
    /// The checkpoint interval, if not the default (one per 4 MiB).
    interval: Option<u32>,
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
        (chunk_size, interval): (u32, Option<u32>),
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
            interval,
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
        let every = interval.map_or(default_interval(chunk_size), |i| i as usize);
        let checkpoints = checkpoint_count(len, chunk_size as usize, every);
        let header_len = fx.env.len()
            - len
            - TAG * chunks
            - CHECKPOINT * checkpoints
            - SIGNATURE_BLOCK_LEN
            - sender_block_len(n);
        assert_eq!(fx.layout.header.len(), header_len);
        assert_eq!(opened.header().as_bytes(), &fx.env[..header_len]);
        assert_eq!(fx.layout.chunks.len(), chunks);
        assert_eq!(fx.layout.checkpoints.len(), checkpoints);
        fx
    }

    /// The envelope of a few MiB, whose chunks are sampled, not swept.
    fn is_large(&self) -> bool {
        self.plaintext.len() > 1 << 20
    }

    /// The chunks between two checkpoints.
    fn every(&self) -> usize {
        self.layout.checkpoint_interval
    }

    /// How many plaintext bytes `open_stream` releases before it meets
    /// damage at byte `at` of the payload (a chunk's or a checkpoint's):
    /// every span whose checkpoint verified before it.
    fn released_before(&self, at: usize) -> usize {
        let l = &self.layout;
        let span = self.every() * self.chunk_size as usize;
        if let Some(i) = l.chunks.iter().position(|c| c.contains(&at)) {
            return i / self.every() * span;
        }
        let k = l.checkpoints.iter().position(|c| c.contains(&at));
        k.expect("a payload byte is in a chunk or a checkpoint") * span
    }

    /// Another envelope with the same sender, recipients and options.
    fn seal(&self, plaintext: &[u8]) -> Vec<u8> {
        let to: Vec<PublicIdentity> = publics(&self.recipients);
        let mut sealer = Sealer::new(&self.sender, &to)
            .associated_data(&self.aad)
            .cipher(self.cipher)
            .key_ids(self.key_ids)
            .chunk_size(self.chunk_size);
        if let Some(interval) = self.interval {
            sealer = sealer.checkpoint_interval(interval);
        }
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
        // 6 chunks of the least size (5 full, one of 56 bytes).
        Fixture::new(
            "chacha/1 KiB/3 recipients",
            3,
            1,
            PayloadCipher::ChaCha20Poly1305,
            false,
            (MIN_CHUNK_SIZE, None),
            5 * 1024 + 56,
            b"",
            vec![],
        ),
        // 4 full chunks, key ids, two extensions, associated data.
        Fixture::new(
            "aes/1 KiB/key ids/extensions",
            3,
            1,
            PayloadCipher::Aes256Gcm,
            true,
            (MIN_CHUNK_SIZE, None),
            4 * 1024,
            b"ctx",
            vec![(1, b"one".to_vec()), (0x0700, bytes(5, 40))],
        ),
        // 4 chunks (3 full, one of 100 bytes), the first recipient opens.
        Fixture::new(
            "chacha/1500/2 recipients",
            2,
            0,
            PayloadCipher::ChaCha20Poly1305,
            false,
            (1500, None),
            3 * 1500 + 100,
            b"",
            vec![(42, b"x".to_vec())],
        ),
        // 36 chunks of 64 KiB (35 full, one of 100 bytes), a checkpoint
        // after chunks 15 and 31: the least span, 1 MiB.
        Fixture::new(
            "aes/64 KiB × 16/checkpoints",
            2,
            1,
            PayloadCipher::Aes256Gcm,
            false,
            (64 << 10, Some(16)),
            (2 << 20) + 3 * (64 << 10) + 100,
            b"big",
            vec![],
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
                && (MIN_CHECKPOINT_SPAN..=MAX_CHECKPOINT_SPAN).contains(&span);
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

/// The bits of byte `at` a sweep flips: all eight in a small envelope; in
/// the large one, one per byte, turning with the byte.
fn bits_of(fx: &Fixture, at: usize) -> std::ops::Range<u32> {
    if fx.is_large() {
        let bit = (at % 8) as u32;
        bit..bit + 1
    } else {
        0..8
    }
}

/// Every single-bit flip of the header fails (in the large envelope, one bit
/// of every byte), with the specific error where the flipped field
/// determines it; a third of them also through the stream.
#[test]
fn every_header_bit_flip_fails() {
    for fx in fixtures() {
        let mut tally = std::collections::BTreeMap::<String, usize>::new();
        let mut bad = fx.env.clone();
        for at in fx.layout.header.clone() {
            for bit in bits_of(&fx, at) {
                bad[at] ^= 1 << bit;
                let allowed = header_flip_expectation(&fx, at, bit);
                let what = format!("header byte {at} ({}) bit {bit}", range_of(&fx, at));
                let stream = (at * 8 + bit as usize).is_multiple_of(3) || fx.is_large();
                let e = fx.both_fail(&what, &bad, &allowed, stream);
                match (&e, at) {
                    (OpenError::UnsupportedVersion(v), 7) => assert_eq!(*v, bad[7]),
                    (OpenError::UnsupportedSuite(s), _) => {
                        assert_eq!(*s, u16::from_be_bytes([bad[8], bad[9]]))
                    }
                    _ => {}
                }
                *tally.entry(kind(&e)).or_default() += 1;
                bad[at] ^= 1 << bit;
            }
        }
        println!(
            "{}: {} header bits flipped: {tally:?}",
            fx.name,
            tally.values().sum::<usize>()
        );
    }
}

/// Every bit of the sealed sender block (→ `HeaderTampered`), of every
/// sealed checkpoint and of the sealed signature block (→ `PayloadTampered`:
/// their AEAD fails before the signature is checked); in the large envelope
/// one bit of every byte. A damaged checkpoint `k` releases exactly the
/// `k − 1` spans before it from the stream.
#[test]
fn every_sealed_block_bit_flip_fails() {
    let mut checkpoint_flips = 0;
    for fx in fixtures() {
        let mut bad = fx.env.clone();
        for at in fx.layout.sender_block.clone() {
            for bit in bits_of(&fx, at) {
                bad[at] ^= 1 << bit;
                let what = format!("sender block byte {at} bit {bit}");
                fx.both_fail(&what, &bad, &["HeaderTampered"], bit % 2 == 0);
                bad[at] ^= 1 << bit;
            }
        }
        for (k, cp) in fx.layout.checkpoints.iter().enumerate() {
            for at in cp.clone() {
                for bit in bits_of(&fx, at) {
                    bad[at] ^= 1 << bit;
                    let what = format!("checkpoint {} byte {at} bit {bit}", k + 1);
                    fx.both_fail(&what, &bad, &["PayloadTampered"], false);
                    if bit % 2 == 0 {
                        let mut out = Vec::new();
                        let r = fx.opener().open_stream(&bad[..], &mut out);
                        assert!(
                            matches!(r, Err(OpenError::PayloadTampered)),
                            "{what} (stream): {r:?}"
                        );
                        assert!(out == fx.plaintext[..fx.released_before(at)], "{what}");
                    }
                    checkpoint_flips += 1;
                    bad[at] ^= 1 << bit;
                }
            }
        }
        for at in fx.layout.signature.clone() {
            for bit in bits_of(&fx, at) {
                bad[at] ^= 1 << bit;
                let what = format!("signature block byte {at} bit {bit}");
                fx.both_fail(&what, &bad, &["PayloadTampered"], bit % 2 == 0);
                bad[at] ^= 1 << bit;
            }
        }
    }
    assert_eq!(
        checkpoint_flips,
        2 * CHECKPOINT,
        "both checkpoints, every byte"
    );
}

/// Payload bit flips: `PayloadTampered`; the stream writes exactly the
/// signed spans before the damage, nothing from the damaged chunk on. In
/// each small envelope 2000 random flips; in the large one the first,
/// middle and last byte of every chunk (its tag) and of every checkpoint,
/// and 200 random flips.
#[test]
fn payload_bit_flips_fail() {
    let mut rng = SplitMix64::new(2024);
    for fx in fixtures() {
        let l = &fx.layout;
        let payload = l.payload();
        let mut targets: Vec<(usize, u32)> = Vec::new();
        let random = if fx.is_large() {
            for r in l.chunks.iter().chain(&l.checkpoints) {
                for (j, at) in [r.start, (r.start + r.end) / 2, r.end - 1]
                    .into_iter()
                    .enumerate()
                {
                    targets.push((at, (at + j) as u32 % 8));
                }
            }
            200
        } else {
            2000
        };
        for _ in 0..random {
            targets.push((
                payload.start + rng.below(payload.len()),
                rng.below(8) as u32,
            ));
        }
        let mut bad = fx.env.clone();
        for (i, &(at, bit)) in targets.iter().enumerate() {
            bad[at] ^= 1 << bit;
            let what = format!("payload byte {at} bit {bit}");
            fx.both_fail(&what, &bad, &["PayloadTampered"], false);
            if i % 4 == 0 {
                let mut out = Vec::new();
                let r = fx.opener().open_stream(&bad[..], &mut out);
                assert!(
                    matches!(r, Err(OpenError::PayloadTampered)),
                    "{what} (stream): {r:?}"
                );
                assert!(
                    out == fx.plaintext[..fx.released_before(at)],
                    "{what}: wrote {} bytes, not the signed spans before the damage",
                    out.len()
                );
            }
            bad[at] ^= 1 << bit;
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
/// 20 bytes, around every field boundary (each checkpoint's too), and at 200
/// random lengths. A stream that trickles in a byte at a time is cut at every
/// chunk boundary of the small envelopes, and of the large one at the first
/// three, the last, and those next to each checkpoint.
#[test]
fn truncation_fails() {
    let mut rng = SplitMix64::new(7);
    for fx in fixtures() {
        let l = &fx.layout;
        let mut cuts: Vec<usize> = (0..=20).collect();
        cuts.extend(l.chunks.iter().flat_map(|c| [c.start, c.end]));
        let checkpoint_edges = l
            .checkpoints
            .iter()
            .flat_map(|c| [c.start, c.start + 40, c.end]);
        for edge in [
            l.ext_len_field.start,
            l.header.end,
            l.sender_block.end,
            l.signature.start,
            fx.env.len(),
        ]
        .into_iter()
        .chain(checkpoint_edges)
        {
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
        let every = fx.every();
        let trickled = l.chunks.iter().enumerate().filter(|&(i, _)| {
            let near_checkpoint = (i + 1) % every == 0 || (i >= every && i % every <= 1);
            !fx.is_large() || i < 3 || i + 1 == l.chunks.len() || near_checkpoint
        });
        for (_, c) in trickled {
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
/// `Truncated`: the new final chunk only opens as a middle chunk (or, right
/// after a checkpoint, no payload has that length).
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

/// Swapped, duplicated or removed chunks: `PayloadTampered`; and swapped,
/// duplicated or removed checkpoints.
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
        // Checkpoints swapped, duplicated or removed (the large envelope has
        // two): a checkpoint out of its place fails its tag; one too many or
        // too few moves every boundary after it.
        if let [c1, c2] = &l.checkpoints[..] {
            let bad = swapped(&fx.env, c1.clone(), c2.clone());
            fx.both_fail("checkpoints swapped", &bad, &["PayloadTampered"], true);
            for (k, c) in [(1, c1), (2, c2)] {
                let dup = [&fx.env[..c.end], &fx.env[c.clone()], &fx.env[c.end..]].concat();
                let what = format!("checkpoint {k} duplicated");
                fx.both_fail(&what, &dup, &["PayloadTampered", "Truncated"], true);
                let gone = [&fx.env[..c.start], &fx.env[c.end..]].concat();
                let what = format!("checkpoint {k} removed");
                fx.both_fail(&what, &gone, &["PayloadTampered", "Truncated"], true);
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
            .chunk_size(MIN_CHUNK_SIZE)
            .extension(3, b"ext".to_vec())
            .seal(&bytes(3, 2500))
            .unwrap();
        Target {
            me: rs.into_iter().nth(2).unwrap(),
            env,
        }
    })
}

/// The 21-byte fixed header: magic, version 1, suite, flags, chunk size,
/// checkpoint interval, recipient count.
fn fixed_header(suite: u16, flags: u8, chunk: u32, interval: u32, count: u16) -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.push(1);
    h.extend_from_slice(&suite.to_be_bytes());
    h.push(flags);
    h.extend_from_slice(&chunk.to_be_bytes());
    h.extend_from_slice(&interval.to_be_bytes());
    h.extend_from_slice(&count.to_be_bytes());
    assert_eq!(h.len(), FIXED);
    h
}

fn arbitrary_input() -> impl Strategy<Value = Vec<u8>> {
    let tail = || prop::collection::vec(any::<u8>(), 0..4096);
    prop_oneof![
        // Anything.
        tail(),
        // The magic and version, then anything.
        tail().prop_map(|t| [&MAGIC[..], &[1], &t].concat()),
        // A plausible fixed header (its geometry on either side of the
        // floor), then anything.
        (
            prop_oneof![Just(2u16), Just(3u16)],
            0u8..2,
            512u32..4096,
            256u32..2048,
            1u16..5,
            tail()
        )
            .prop_map(|(s, f, c, i, n, t)| [fixed_header(s, f, c, i, n), t].concat()),
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

/// Absurd counts, lengths and geometries in a tiny input:
/// `MalformedHeader`, with the reason the field calls for, promptly, without
/// allocating by the declared length (the largest single allocation is
/// measured), whether the input ends or goes on forever.
#[test]
fn huge_declared_lengths_do_not_allocate() {
    let me = Identity::generate();
    let stanza = bytes(1, ENC + WRAPPED);
    // 1 KiB chunks, a checkpoint every 1024: the least geometry allowed.
    let fixed = |suite, flags, count| fixed_header(suite, flags, 1024, 1024, count);
    let one = |ext: &[u8]| [fixed(3, 0, 1), stanza.clone(), ext.to_vec()].concat();
    let limit = MAX_HEADER_LEN - (FIXED + ENC + WRAPPED + 4);
    let u32be = |v: usize| (v as u32).to_be_bytes();
    let (count, chunk, span) = (
        "recipient count out of range",
        "chunk size out of range",
        "checkpoint interval out of range",
    );
    let (truncated, too_long, ext_too_long) = (
        "truncated header",
        "header longer than 1 MiB",
        "extension longer than the header",
    );
    // (what, input, the reason, largest allocation allowed)
    let small = 128 << 10;
    let cases: Vec<(&str, Vec<u8>, &str, usize)> = vec![
        (
            "count 0xFFFF",
            [fixed(3, 0, 0xFFFF), bytes(2, 64)].concat(),
            count,
            small,
        ),
        (
            "count 0xFFFF, key ids",
            [fixed(2, 1, 0xFFFF), bytes(2, 64)].concat(),
            count,
            small,
        ),
        (
            "count 1025",
            [fixed(3, 0, 1025), bytes(2, 64)].concat(),
            count,
            small,
        ),
        (
            "count 0",
            [fixed(3, 0, 0), bytes(2, 64)].concat(),
            count,
            small,
        ),
        (
            "count 1024, 10 stanza bytes",
            [fixed(3, 1, 1024), bytes(2, 10)].concat(),
            truncated,
            small,
        ),
        (
            "chunk size u32::MAX",
            [fixed_header(3, 0, u32::MAX, 1, 1), bytes(2, 100)].concat(),
            chunk,
            small,
        ),
        (
            "chunk size 0",
            [fixed_header(3, 0, 0, 1024, 1), bytes(2, 100)].concat(),
            chunk,
            small,
        ),
        (
            "chunk size MAX+1",
            [fixed_header(3, 0, MAX_CHUNK_SIZE + 1, 1, 1), bytes(2, 100)].concat(),
            chunk,
            small,
        ),
        (
            "64-byte chunks, a checkpoint per chunk",
            [fixed_header(3, 0, 64, 1, 1), bytes(2, 100)].concat(),
            chunk,
            small,
        ),
        (
            "checkpoint interval 0",
            [fixed_header(3, 0, 1024, 0, 1), bytes(2, 100)].concat(),
            span,
            small,
        ),
        (
            "checkpoint interval u32::MAX",
            [fixed_header(3, 0, 1024, u32::MAX, 1), bytes(2, 100)].concat(),
            span,
            small,
        ),
        (
            "a span of 1 MiB - 1 KiB",
            [fixed_header(3, 0, 1024, 1023, 1), bytes(2, 100)].concat(),
            span,
            small,
        ),
        (
            "ext_len u32::MAX",
            one(&u32::MAX.to_be_bytes()),
            too_long,
            small,
        ),
        (
            "ext_len one over the limit",
            one(&u32be(limit + 1)),
            too_long,
            small,
        ),
        (
            "extension len u32::MAX",
            one(&[&u32be(6)[..], &[0, 1], &u32::MAX.to_be_bytes()].concat()),
            ext_too_long,
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
            ext_too_long,
            small,
        ),
        // The one legal large allocation: an extension section at the limit.
        (
            "ext_len at the limit, input ends",
            one(&u32be(limit)),
            truncated,
            MAX_HEADER_LEN + (64 << 10),
        ),
    ];
    let hwm_before = vm_hwm_kib();
    let started = Instant::now();
    for (what, input, reason, bound) in &cases {
        assert!(input.len() < 300, "{what}: the input itself is tiny");
        let t = Instant::now();
        let (r, big) = largest_allocation(|| Opener::new(&me).open(input));
        let took = t.elapsed();
        assert!(
            matches!(r, Err(OpenError::MalformedHeader(why)) if why == *reason),
            "{what}: {r:?}, not {reason:?}"
        );
        assert!(
            big <= *bound,
            "{what}: allocated {big} bytes in one go (bound {bound})"
        );
        let (r, big_s) =
            largest_allocation(|| Opener::new(&me).open_stream(&input[..], io::sink()));
        assert!(
            matches!(r, Err(OpenError::MalformedHeader(why)) if why == *reason),
            "{what} (stream): {r:?}, not {reason:?}"
        );
        assert!(
            big_s <= *bound,
            "{what} (stream): allocated {big_s} bytes in one go"
        );
        // Followed by endless zeros: still refused (where the input was cut
        // short, for what the zeros make of the rest), still bounded.
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
