//! The envelope's keys and what they seal: STREAM-style chunks (age's
//! construction) under a key bound to the header, and the meta blocks (sender
//! block, checkpoints, signature) under a second key.
//!
//! ```text
//! prk          = HKDF-Extract(salt = SHA-256(header), ikm = content_key)
//! payload_key  = HKDF-Expand(prk, "doormat/v1 payload" || SHA-256(aad), Nk)
//! meta_key     = HKDF-Expand(prk, "doormat/v1 meta"    || SHA-256(aad), Nk)
//! chunk i      = AEAD(payload_key, nonce = I2OSP(i, 11) || last, "", pt_i)
//! meta block n = AEAD(meta_key, nonce = I2OSP(n, 12), "", block)
//!                n = 0 sender block, 1 signature, 1 + k checkpoint k
//! ```
//!
//! The last-chunk flag in the nonce makes truncation and extension fail; the
//! counter makes reordering fail; the header hash in the key makes a splice
//! of one envelope's header onto another's payload fail.

use ring::aead::{Aad, LessSafeKey, Nonce, Tag};
use ring::hkdf;
use zeroize::Zeroizing;

use super::error::OpenError as Error;
use super::format::PayloadCipher;
use super::layer::ContentKey;
use crate::hash::SHA256_LEN;
use crate::hpke::{NONCE_LEN, TAG_LEN};

type Result<T> = core::result::Result<T, Error>;

/// Nonce of the sealed sender block under the meta key.
const SENDER_BLOCK_NONCE: u64 = 0;
/// Nonce of the sealed signature block under the meta key.
const SIGNATURE_BLOCK_NONCE: u64 = 1;
/// Label of the payload key's HKDF-Expand.
const PAYLOAD_KEY_LABEL: &[u8] = b"doormat/v1 payload";
/// Label of the meta key's HKDF-Expand.
const META_KEY_LABEL: &[u8] = b"doormat/v1 meta";

/// Length of a chunk hash and of the payload digest: BLAKE3's default output.
pub(crate) const DIGEST_LEN: usize = blake3::OUT_LEN;

/// The hash of one plaintext chunk, and of the folded payload digest.
pub(crate) type ChunkHash = [u8; DIGEST_LEN];

/// BLAKE3 key-derivation context of a chunk hash: domain separation, so a
/// chunk hash is never a BLAKE3 value computed anywhere else.
const CHUNK_HASH_CONTEXT: &str = "doormat/v1 chunk hash";
/// BLAKE3 key-derivation context of the fold of the chunk hashes.
const PAYLOAD_DIGEST_CONTEXT: &str = "doormat/v1 payload digest";

/// The two AEAD keys of one envelope. ring's key copies are not wiped (see
/// the crate docs); the derivation inputs are.
pub(crate) struct EnvelopeKeys {
    payload: LessSafeKey,
    meta: LessSafeKey,
}

/// The longest payload-cipher key.
const MAX_KEY_LEN: usize = 32;

struct KeyLen(usize);

impl hkdf::KeyType for KeyLen {
    fn len(&self) -> usize {
        self.0
    }
}

impl EnvelopeKeys {
    /// Derives both keys from the content key, the header and the associated data.
    pub(crate) fn derive(
        cipher: PayloadCipher,
        content_key: &ContentKey,
        header_hash: &[u8; SHA256_LEN],
        aad_hash: &[u8; SHA256_LEN],
    ) -> EnvelopeKeys {
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, header_hash).extract(content_key.as_bytes());
        let aead = cipher.aead();
        let key = |label: &[u8]| {
            let mut k = Zeroizing::new([0u8; MAX_KEY_LEN]);
            let k = &mut k[..aead.key_len()];
            prk.expand(&[label, aad_hash], KeyLen(k.len()))
                .and_then(|okm| okm.fill(k))
                .expect("32 bytes is under the HKDF-SHA256 limit");
            aead.key(k).expect("key length matches the cipher")
        };
        EnvelopeKeys {
            payload: key(PAYLOAD_KEY_LABEL),
            meta: key(META_KEY_LABEL),
        }
    }

    /// Seals the sender block (sender identity and recipient fingerprints).
    pub(crate) fn seal_sender_block(&self, pt: &[u8]) -> Vec<u8> {
        seal_meta(&self.meta, SENDER_BLOCK_NONCE, pt)
    }

    /// Opens the sender block; `None` if it fails authentication.
    pub(crate) fn open_sender_block(&self, ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open_meta(&self.meta, SENDER_BLOCK_NONCE, ct)
    }

    /// Seals the signature block.
    pub(crate) fn seal_signature_block(&self, sig: &[u8]) -> Vec<u8> {
        seal_meta(&self.meta, SIGNATURE_BLOCK_NONCE, sig)
    }

    /// Opens the signature block; `None` if it fails authentication.
    pub(crate) fn open_signature_block(&self, ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open_meta(&self.meta, SIGNATURE_BLOCK_NONCE, ct)
    }

    /// Seals the signature of checkpoint `k` (`k >= 1`).
    pub(crate) fn seal_checkpoint(&self, k: u64, sig: &[u8]) -> Vec<u8> {
        seal_meta(&self.meta, checkpoint_nonce(k), sig)
    }

    /// Opens checkpoint `k`; `None` if it fails authentication.
    pub(crate) fn open_checkpoint(&self, k: u64, ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
        open_meta(&self.meta, checkpoint_nonce(k), ct)
    }

    /// Seals chunk `counter` in place and returns its tag.
    pub(crate) fn seal_chunk(&self, counter: u64, last: bool, buf: &mut [u8]) -> Tag {
        self.payload
            .seal_in_place_separate_tag(chunk_nonce(counter, last), Aad::empty(), buf)
            .expect("a chunk is far below the AEAD's length limit")
    }

    /// Opens chunk `counter` in place (`buf` is ciphertext then tag) and
    /// returns the plaintext length.
    pub(crate) fn open_chunk(&self, counter: u64, last: bool, buf: &mut [u8]) -> Result<usize> {
        self.payload
            .open_in_place(chunk_nonce(counter, last), Aad::empty(), buf)
            .map(|pt| pt.len())
            .map_err(|_| Error::PayloadTampered)
    }

    /// Opens the ciphertext `ct` of chunk `counter` (without its tag) into
    /// `out`, which must be as long as `ct`.
    pub(crate) fn open_chunk_into(
        &self,
        counter: u64,
        last: bool,
        ct: &[u8],
        tag: &[u8],
        out: &mut [u8],
    ) -> Result<()> {
        let tag = Tag::try_from(tag).map_err(|_| Error::PayloadTampered)?;
        out.copy_from_slice(ct);
        self.payload
            .open_in_place_separate_tag(chunk_nonce(counter, last), Aad::empty(), tag, out, 0..)
            .map(|_| ())
            .map_err(|_| Error::PayloadTampered)
    }
}

/// `I2OSP(counter, 11) || last`: the one place a chunk nonce is made.
fn chunk_nonce(counter: u64, last: bool) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[3..11].copy_from_slice(&counter.to_be_bytes());
    nonce[11] = u8::from(last);
    Nonce::assume_unique_for_key(nonce)
}

/// Checkpoint `k` (`k >= 1`) takes meta nonce `1 + k`; a count of chunks,
/// so it cannot wrap.
fn checkpoint_nonce(k: u64) -> u64 {
    SIGNATURE_BLOCK_NONCE.saturating_add(k)
}

fn meta_nonce(n: u64) -> Nonce {
    let mut nonce = [0u8; NONCE_LEN];
    nonce[4..].copy_from_slice(&n.to_be_bytes());
    Nonce::assume_unique_for_key(nonce)
}

fn seal_meta(key: &LessSafeKey, n: u64, pt: &[u8]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(pt.len() + TAG_LEN);
    buf.extend_from_slice(pt);
    key.seal_in_place_append_tag(meta_nonce(n), Aad::empty(), &mut buf)
        .expect("a meta block is far below the AEAD's length limit");
    buf
}

fn open_meta(key: &LessSafeKey, n: u64, ct: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    let mut buf = Zeroizing::new(ct.to_vec());
    let len = key
        .open_in_place(meta_nonce(n), Aad::empty(), &mut buf)
        .ok()?
        .len();
    buf.truncate(len);
    Some(buf)
}

/// The running digest of the payload the signature covers:
/// `BLAKE3[payload digest](h_0 || h_1 || …)` with `h_i = BLAKE3[chunk
/// hash](pt_i)` (key-derivation mode, one context each). Per-chunk hashes
/// let chunks be hashed on any core, in any order, then folded in order.
///
/// BLAKE3 because the signature's cost is this hash: the fold must be
/// collision-resistant (that is what stops a co-recipient, who knows the
/// content key, from swapping a chunk), and BLAKE3 hashes about 4 times
/// faster per core than SHA-256 here (about 8 against 1.9 GiB/s, README,
/// "Benchmarks"), several times faster than the AEAD itself.
pub(crate) struct PayloadDigest(blake3::Hasher);

impl PayloadDigest {
    pub(crate) fn new() -> PayloadDigest {
        PayloadDigest(blake3::Hasher::new_derive_key(PAYLOAD_DIGEST_CONTEXT))
    }

    /// Folds in one chunk's hash (from [`chunk_hash`]), in chunk order.
    pub(crate) fn push(&mut self, chunk_hash: &ChunkHash) {
        self.0.update(chunk_hash);
    }

    pub(crate) fn finish(self) -> ChunkHash {
        self.snapshot()
    }

    /// The digest of the chunks folded so far, leaving the fold running: what
    /// a checkpoint signs.
    pub(crate) fn snapshot(&self) -> ChunkHash {
        *self.0.finalize().as_bytes()
    }
}

/// The hash of one plaintext chunk.
pub(crate) fn chunk_hash(pt: &[u8]) -> ChunkHash {
    *blake3::Hasher::new_derive_key(CHUNK_HASH_CONTEXT)
        .update(pt)
        .finalize()
        .as_bytes()
}

/// A chunk index as a counter: `usize` is at most 64 bits wide on every
/// platform Rust supports, so this never truncates.
pub(crate) const fn counter(i: usize) -> u64 {
    i as u64
}
