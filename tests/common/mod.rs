//! Helpers shared by the integration tests (`e2e*`, `escrow*`, `keys`,
//! `hpke_properties`): a deterministic pseudo-random generator, identities
//! (fresh or derived from a seed, so a failing proptest case replays), the
//! wire-format sizes and an independent parser of the envelope layout, the
//! X25519 low-order points (`tests/data/x25519-low-order.txt`), mutation
//! helpers, a test-only SHA-256, byte-at-a-time readers and writers, and a
//! panic guard.
//!
//! Each test binary uses a different subset, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::fmt::Debug;
use std::io::{self, Read, Write};
use std::ops::Range;
use std::panic::{catch_unwind, AssertUnwindSafe};

use doormat::e2e::{overhead, MAGIC, SIGNATURE_BLOCK_LEN};
use doormat::keys::{Fingerprint, Identity, PublicIdentity};
use proptest::test_runner::Config;

// ----- wire format -----

/// AEAD tag length (both payload ciphers, the sealed sender block).
pub const TAG: usize = 16;
/// X25519 public key / HPKE `enc` length.
pub const ENC: usize = 32;
/// X-Wing HPKE `enc` length (an ML-KEM-768 ciphertext and an X25519 key).
pub const PQ_ENC: usize = 1120;
/// X-Wing KEM id, which starts each stanza of a mixed header.
pub const XWING_KEM_ID: u16 = 0x647a;
/// Wrapped content key in a stanza: 32-byte key + tag.
pub const WRAPPED: usize = 48;
/// Opt-in recipient key id length.
pub const KEY_ID: usize = 8;
/// The fixed part of a header: magic 7 | version 1 | suite 2 | flags 1 |
/// chunk_size u32 | checkpoint_interval u32 | count u16.
pub const FIXED: usize = 7 + 1 + 2 + 1 + 4 + 4 + 2;
/// A sealed checkpoint (signature and tag), as the signature block.
pub const CHECKPOINT: usize = 64 + TAG;
/// A public identity (X25519 key and Ed25519 key), as in the sender block.
pub const PUBLIC_IDENTITY: usize = 64;
/// The wide sender slot: KEM id, then a public identity zero-padded to a
/// post-quantum identity's 1,248 bytes.
pub const WIDE_SENDER_SLOT: usize = 2 + 1248;
/// A recipient fingerprint, as in the sender block.
pub const FINGERPRINT: usize = 32;

/// The sealed sender block for `n` recipients: the sender's public identity,
/// one fingerprint per recipient, a tag.
pub fn sender_block_len(n: usize) -> usize {
    PUBLIC_IDENTITY + FINGERPRINT * n + TAG
}

/// [`sender_block_len`] with the wide sender slot (flag `0x08`).
pub fn wide_sender_block_len(n: usize) -> usize {
    WIDE_SENDER_SLOT + FINGERPRINT * n + TAG
}

/// How many chunks a payload of `len` bytes takes (an empty payload is one
/// empty chunk).
pub fn chunk_count(len: usize, chunk_size: usize) -> usize {
    len.div_ceil(chunk_size).max(1)
}

/// How many checkpoints a payload of `len` bytes carries with `interval`
/// chunks between checkpoints: one after every `interval` chunks but the last.
pub fn checkpoint_count(len: usize, chunk_size: usize, interval: usize) -> usize {
    (chunk_count(len, chunk_size) - 1) / interval
}

/// The checkpoint interval a sealer uses by default: 4 MiB of plaintext.
pub fn default_interval(chunk_size: u32) -> usize {
    ((4usize << 20) / chunk_size as usize).max(1)
}

/// Envelope length implied by the wire format for a payload of `len` bytes
/// sealed to `n` recipients, with the default checkpoint interval.
pub fn expected_len(len: usize, n: usize, key_ids: bool, chunk_size: u32) -> usize {
    let chunk = chunk_size as usize;
    len + overhead(n, key_ids)
        + TAG * chunk_count(len, chunk)
        + CHECKPOINT * checkpoint_count(len, chunk, default_interval(chunk_size))
}

/// Where everything is in an envelope, found by a parser written from the
/// format description (`docs/FORMAT.md`), independently of the crate's own.
/// Panics on a malformed envelope: only used on envelopes the tests sealed.
#[derive(Clone, Debug)]
pub struct Layout {
    pub suite: u16,
    pub key_ids: bool,
    /// Flag `0x02`: every stanza is X-Wing.
    pub post_quantum: bool,
    /// Flag `0x04`: each stanza starts with its KEM id.
    pub kinds: bool,
    /// Flag `0x08`: the sender block has the wide slot.
    pub wide_sender: bool,
    pub chunk_size: usize,
    pub checkpoint_interval: usize,
    pub count: usize,
    /// Each stanza's byte range (key id included when present).
    pub stanzas: Vec<Range<usize>>,
    /// The core header: the fixed part and the stanzas (what
    /// `Header::core_bytes` returns).
    pub core: Range<usize>,
    /// The 4-byte extension length field.
    pub ext_len_field: Range<usize>,
    /// Each extension record: (type field, len field, body).
    pub extensions: Vec<(Range<usize>, Range<usize>, Range<usize>)>,
    /// Magic through extensions.
    pub header: Range<usize>,
    pub sender_block: Range<usize>,
    /// Ciphertext chunks, each with its tag.
    pub chunks: Vec<Range<usize>>,
    /// Sealed checkpoints, in order (checkpoint k is `checkpoints[k - 1]`).
    pub checkpoints: Vec<Range<usize>>,
    pub signature: Range<usize>,
}

impl Layout {
    pub fn parse(env: &[u8]) -> Layout {
        assert_eq!(&env[..7], MAGIC, "not an envelope");
        let be16 = |at: usize| usize::from(u16::from_be_bytes([env[at], env[at + 1]]));
        let be32 = |at: usize| u32::from_be_bytes(env[at..at + 4].try_into().unwrap()) as usize;
        let suite = be16(8) as u16;
        let key_ids = env[10] & 1 != 0;
        let post_quantum = env[10] & 2 != 0;
        let kinds = env[10] & 4 != 0;
        let wide_sender = env[10] & 8 != 0;
        let chunk_size = be32(11);
        let checkpoint_interval = be32(15);
        let count = be16(19);
        let mut p = FIXED;
        let mut stanzas = Vec::with_capacity(count);
        for _ in 0..count {
            let xwing = post_quantum || (kinds && be16(p) == usize::from(XWING_KEM_ID));
            let len = if kinds { 2 } else { 0 }
                + if key_ids { KEY_ID } else { 0 }
                + if xwing { PQ_ENC } else { ENC }
                + WRAPPED;
            stanzas.push(p..p + len);
            p += len;
        }
        let core = 0..p;
        let ext_len_field = p..p + 4;
        let ext_len = be32(p);
        p += 4;
        let ext_end = p + ext_len;
        let mut extensions = Vec::new();
        while p < ext_end {
            let len = be32(p + 2);
            extensions.push((p..p + 2, p + 2..p + 6, p + 6..p + 6 + len));
            p += 6 + len;
        }
        assert_eq!(p, ext_end, "extension records overrun");
        let header = 0..p;
        let sender_block = p..p + if wide_sender {
            wide_sender_block_len(count)
        } else {
            sender_block_len(count)
        };
        let signature = env.len() - SIGNATURE_BLOCK_LEN..env.len();
        let ct_chunk = chunk_size + TAG;
        let mut chunks = Vec::new();
        let mut checkpoints = Vec::new();
        let mut q = sender_block.end;
        while q < signature.start {
            let end = (q + ct_chunk).min(signature.start);
            chunks.push(q..end);
            q = end;
            if chunks.len() % checkpoint_interval == 0 && q < signature.start {
                checkpoints.push(q..q + CHECKPOINT);
                q += CHECKPOINT;
            }
        }
        Layout {
            suite,
            key_ids,
            post_quantum,
            kinds,
            wide_sender,
            chunk_size,
            checkpoint_interval,
            count,
            stanzas,
            core,
            ext_len_field,
            extensions,
            header,
            sender_block,
            chunks,
            checkpoints,
            signature,
        }
    }

    /// The ciphertext chunks, from the end of the sender block to the
    /// signature block.
    pub fn payload(&self) -> Range<usize> {
        self.sender_block.end..self.signature.start
    }
}

/// The X25519 public keys of small order, as little-endian u-coordinates,
/// from `tests/data/x25519-low-order.txt` (RFC 7748 §6.1, the list libsodium
/// refuses): 0, 1, the two points of order 8, p - 1, p, p + 1, in that order.
pub fn x25519_low_order() -> Vec<[u8; 32]> {
    const FILE: &str = include_str!("../data/x25519-low-order.txt");
    let points: Vec<[u8; 32]> = FILE
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            assert_eq!(l, l.to_lowercase(), "x25519-low-order.txt: not lowercase");
            let bytes = hex::decode(l)
                .unwrap_or_else(|e| panic!("x25519-low-order.txt: {l:?} is not hex: {e}"));
            bytes.try_into().unwrap_or_else(|b: Vec<u8>| {
                panic!("x25519-low-order.txt: {l:?} is {} bytes, not 32", b.len())
            })
        })
        .collect();
    assert_eq!(
        points.len(),
        7,
        "x25519-low-order.txt must list exactly the 7 low-order points"
    );
    points
}

// ----- deterministic inputs -----

/// SplitMix64: a tiny deterministic generator for test inputs (never for
/// keys that protect anything). Every seed, 0 included, is good, and
/// distinct seeds give distinct streams.
#[derive(Clone)]
pub struct SplitMix64 {
    state: u64,
    /// The rest of a word that `fill` split.
    word: [u8; 8],
    used: usize,
}

impl SplitMix64 {
    pub fn new(seed: u64) -> SplitMix64 {
        SplitMix64 {
            state: seed,
            word: [0; 8],
            used: 8,
        }
    }

    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`); the tiny modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// Fills `buf` with the next bytes of the stream; over consecutive calls
    /// the byte sequence does not depend on how the calls split it.
    pub fn fill(&mut self, buf: &mut [u8]) {
        let mut i = 0;
        while i < buf.len() {
            if self.used == 8 {
                if buf.len() - i >= 8 {
                    let w = self.next_u64().to_le_bytes();
                    buf[i..i + 8].copy_from_slice(&w);
                    i += 8;
                    continue;
                }
                self.word = self.next_u64().to_le_bytes();
                self.used = 0;
            }
            buf[i] = self.word[self.used];
            self.used += 1;
            i += 1;
        }
    }

    /// The next `len` bytes of the stream.
    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut v = vec![0u8; len];
        self.fill(&mut v);
        v
    }
}

/// `len` deterministic pseudo-random bytes.
pub fn bytes(seed: u64, len: usize) -> Vec<u8> {
    SplitMix64::new(seed).bytes(len)
}

/// A proptest configuration with `cases` cases and no regression files (the
/// tests must not create files next to the sources).
pub fn config(cases: u32) -> Config {
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

// ----- identities -----

/// `n` fresh random identities.
pub fn identities(n: usize) -> Vec<Identity> {
    (0..n).map(|_| Identity::generate()).collect()
}

/// Identity number `index` of the population derived from `seed`: distinct
/// indices give distinct identities (with overwhelming probability).
pub fn identity(seed: u64, index: u64) -> Identity {
    let key = SplitMix64::new(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03)).bytes(64);
    Identity::from_bytes(&key).expect("64 bytes make an identity")
}

/// `count` distinct recipients from `seed` (indices 1..=count; the sender
/// conventionally takes index 0).
pub fn recipients(seed: u64, count: usize) -> Vec<Identity> {
    (1..=count as u64).map(|i| identity(seed, i)).collect()
}

pub fn publics(ids: &[Identity]) -> Vec<PublicIdentity> {
    ids.iter().map(Identity::public).collect()
}

pub fn fingerprints(ids: &[PublicIdentity]) -> Vec<Fingerprint> {
    ids.iter().map(PublicIdentity::fingerprint).collect()
}

// ----- checksums -----

/// 64-bit FNV-1a, incremental.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a(pub u64);

impl Default for Fnv1a {
    fn default() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv1a {
    pub fn update(&mut self, data: &[u8]) {
        let mut h = self.0;
        for &b in data {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01B3);
        }
        self.0 = h;
    }
}

// ----- errors and mutations -----

/// The variant name of an error (`"MalformedHeader"` for
/// `MalformedHeader("…")`), for assertions and tallies over many cases. The
/// wrappers that only say which layer an error came from are looked through:
/// the umbrella `doormat::Error`'s (`Open(MalformedHeader(…))`), escrow's
/// (`Open(…)`, `Key(…)`), a sealing error's `Hpke(…)`, and a layer's own
/// error boxed in `OpenError::Layer` (`Layer(NotEscrowed)`), so the same
/// failure has the same kind whichever function reported it.
pub fn kind<E: Debug>(e: &E) -> String {
    const WRAPPERS: [&str; 6] = ["Hpke(", "Key(", "Seal(", "Open(", "Escrow(", "Layer("];
    let shown = format!("{e:?}");
    let mut inner = shown.as_str();
    while let Some(rest) = WRAPPERS.iter().find_map(|w| inner.strip_prefix(w)) {
        inner = rest;
    }
    inner
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Runs `f`, which must return an error and must not panic; returns the error.
pub fn must_fail<T, E: Debug>(what: &str, f: impl FnOnce() -> Result<T, E>) -> E {
    match catch_unwind(AssertUnwindSafe(f)) {
        Err(_) => panic!("{what}: panicked instead of returning an error"),
        Ok(Ok(_)) => panic!("{what}: opened successfully"),
        Ok(Err(e)) => e,
    }
}

/// As [`must_fail`], and the error must be one of `allowed` (see [`kind`]).
pub fn must_fail_with<T, E: Debug>(
    what: &str,
    allowed: &[&str],
    f: impl FnOnce() -> Result<T, E>,
) -> E {
    let e = must_fail(what, f);
    assert!(
        allowed.contains(&kind(&e).as_str()),
        "{what}: got {e:?}, expected one of {allowed:?}"
    );
    e
}

/// Flips bit `bit` (0..8) of byte `at`.
pub fn flipped(env: &[u8], at: usize, bit: u32) -> Vec<u8> {
    let mut v = env.to_vec();
    v[at] ^= 1 << bit;
    v
}

/// `env` with the ranges `a` and `b` (equally long, not overlapping) swapped.
pub fn swapped(env: &[u8], a: Range<usize>, b: Range<usize>) -> Vec<u8> {
    let mut v = env.to_vec();
    v[a.clone()].copy_from_slice(&env[b.clone()]);
    v[b].copy_from_slice(&env[a]);
    v
}

pub fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

// ----- I/O and memory -----

/// A reader that hands out at most one byte per call, and every third call
/// reports `Interrupted` first (which `read_exact`-style loops must retry).
pub struct Trickle<R> {
    inner: R,
    calls: u64,
}

impl<R> Trickle<R> {
    pub fn new(inner: R) -> Trickle<R> {
        Trickle { inner, calls: 0 }
    }
}

impl<R: Read> Read for Trickle<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.calls += 1;
        if self.calls.is_multiple_of(3) {
            return Err(io::ErrorKind::Interrupted.into());
        }
        let n = buf.len().min(1);
        self.inner.read(&mut buf[..n])
    }
}

/// A writer that accepts at most one byte per call.
pub struct OneByteWriter(pub Vec<u8>);

impl Write for OneByteWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match buf.first() {
            Some(&b) => {
                self.0.push(b);
                Ok(1)
            }
            None => Ok(0),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Peak resident set size of this process (`VmHWM`), in KiB.
pub fn vm_hwm_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM line")
}

// ----- SHA-256 -----

/// A minimal SHA-256 (FIPS 180-4), only to recompute values the envelope
/// must or must not reveal; checked against FIPS vectors and the crate's
/// own fingerprints by the tests that use it.
pub fn sha256(data: &[u8]) -> [u8; 32] {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
        0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
        0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
        0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
        0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
        0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
        0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
        0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
        0xc67178f2,
    ];
    let mut h: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    let mut msg = data.to_vec();
    msg.push(0x80);
    while msg.len() % 64 != 56 {
        msg.push(0);
    }
    msg.extend_from_slice(&((data.len() as u64) * 8).to_be_bytes());
    for block in msg.chunks_exact(64) {
        let mut w = [0u32; 64];
        for (wi, word) in w.iter_mut().zip(block.chunks_exact(4)) {
            *wi = u32::from_be_bytes(word.try_into().unwrap());
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16]
                .wrapping_add(s0)
                .wrapping_add(w[i - 7])
                .wrapping_add(s1);
        }
        let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut hh] = h;
        for (k, wi) in K.iter().zip(w.iter()) {
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh
                .wrapping_add(s1)
                .wrapping_add(ch)
                .wrapping_add(*k)
                .wrapping_add(*wi);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            let t2 = s0.wrapping_add(maj);
            hh = g;
            g = f;
            f = e;
            e = d.wrapping_add(t1);
            d = c;
            c = b;
            b = a;
            a = t1.wrapping_add(t2);
        }
        for (hi, v) in h.iter_mut().zip([a, b, c, d, e, f, g, hh]) {
            *hi = hi.wrapping_add(v);
        }
    }
    let mut out = [0u8; 32];
    for (o, hi) in out.chunks_exact_mut(4).zip(h) {
        o.copy_from_slice(&hi.to_be_bytes());
    }
    out
}
