//! Helpers shared by `tests/escrow.rs` and `tests/escrow_integrity.rs`:
//! deterministic identities and payloads from a seed (so a failing proptest
//! case replays exactly), the wire-format offsets of an envelope, and a
//! proptest configuration that writes no regression files.

// Each test crate uses its own subset of these helpers.
#![allow(dead_code)]

use doormat::keys::{Identity, PublicIdentity};
use proptest::test_runner::Config;

/// SplitMix64: a tiny deterministic generator for test inputs (not for keys
/// that protect anything).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`n > 0`); the tiny modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    pub fn fill(&mut self, buf: &mut [u8]) {
        for chunk in buf.chunks_mut(8) {
            let word = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&word[..chunk.len()]);
        }
    }

    pub fn bytes(&mut self, len: usize) -> Vec<u8> {
        let mut out = vec![0u8; len];
        self.fill(&mut out);
        out
    }
}

/// Identity number `index` of the population derived from `seed`: distinct
/// indices give distinct identities (with overwhelming probability).
pub fn identity(seed: u64, index: u64) -> Identity {
    let mut rng = Rng::new(seed ^ index.wrapping_mul(0xd1b5_4a32_d192_ed03));
    let mut bytes = [0u8; 64];
    rng.fill(&mut bytes);
    Identity::from_bytes(&bytes).expect("64 bytes make an identity")
}

/// `count` distinct recipients from `seed` (indices 1..=count; the sender
/// conventionally takes index 0).
pub fn recipients(seed: u64, count: usize) -> Vec<Identity> {
    (1..=count as u64).map(|i| identity(seed, i)).collect()
}

pub fn publics(ids: &[Identity]) -> Vec<PublicIdentity> {
    ids.iter().map(Identity::public).collect()
}

/// A proptest configuration with `cases` cases and no regression files (these
/// tests must not create files next to the sources).
pub fn config(cases: u32) -> Config {
    Config {
        failure_persistence: None,
        ..Config::with_cases(cases)
    }
}

/// Length of the fixed part of a header: magic 7 | version 1 | suite 2 |
/// flags 1 | chunk_size u32 | count u16.
pub const FIXED_LEN: usize = 7 + 1 + 2 + 1 + 4 + 2;
/// Length of the sealed sender block's tag and of an AEAD tag in general.
pub const TAG_LEN: usize = 16;
/// Public identity (X25519 key and Ed25519 key).
pub const PUBLIC_IDENTITY_LEN: usize = 64;
/// Sealed signature block: Ed25519 signature and tag.
pub const SIGNATURE_BLOCK_LEN: usize = 64 + TAG_LEN;

/// Where the parts of a well-formed envelope lie, parsed from the wire format
/// (see `src/e2e/format.rs` and `docs/FORMAT.md`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Bytes before the extension section (fixed part and stanzas).
    pub core_len: usize,
    /// The whole header: core, `ext_len u32`, extension records.
    pub header_len: usize,
    /// The sealed sender block: sender identity, one fingerprint per
    /// recipient, tag.
    pub sender_block_len: usize,
    /// Payload chunk size (plaintext bytes per full chunk).
    pub chunk_size: usize,
    /// Offset of the first payload chunk.
    pub payload_start: usize,
    /// Offset of the sealed signature block (the last 80 bytes).
    pub signature_start: usize,
}

impl Layout {
    /// Parses the offsets of a well-formed envelope (panics on a malformed
    /// one: only used on envelopes the tests sealed themselves).
    pub fn of(envelope: &[u8]) -> Layout {
        assert_eq!(&envelope[..7], b"doormat");
        let key_ids = envelope[10] & 1 != 0;
        let chunk_size = u32::from_be_bytes(envelope[11..15].try_into().unwrap()) as usize;
        let count = usize::from(u16::from_be_bytes([envelope[15], envelope[16]]));
        let stanza_len = if key_ids { 8 } else { 0 } + 32 + 48;
        let core_len = FIXED_LEN + count * stanza_len;
        let ext_len =
            u32::from_be_bytes(envelope[core_len..core_len + 4].try_into().unwrap()) as usize;
        let header_len = core_len + 4 + ext_len;
        let sender_block_len = PUBLIC_IDENTITY_LEN + 32 * count + TAG_LEN;
        let payload_start = header_len + sender_block_len;
        Layout {
            core_len,
            header_len,
            sender_block_len,
            chunk_size,
            payload_start,
            signature_start: envelope.len() - SIGNATURE_BLOCK_LEN,
        }
    }

    /// The `[start, end)` ranges of the payload's ciphertext chunks.
    pub fn chunks(&self) -> Vec<(usize, usize)> {
        let ct_chunk = self.chunk_size + TAG_LEN;
        let mut out = Vec::new();
        let mut at = self.payload_start;
        while at < self.signature_start {
            let end = (at + ct_chunk).min(self.signature_start);
            out.push((at, end));
            at = end;
        }
        out
    }
}
