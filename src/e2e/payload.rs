//! The payload: STREAM-style chunks (age's construction) under a key bound to
//! the header, plus the two sealed blocks around them.
//!
//! ```text
//! prk          = HKDF-Extract(salt = SHA-256(header), ikm = content_key)
//! payload_key  = HKDF-Expand(prk, "doormat/v1 payload" || SHA-256(aad), Nk)
//! meta_key     = HKDF-Expand(prk, "doormat/v1 meta"    || SHA-256(aad), Nk)
//! chunk i      = AEAD(payload_key, nonce = I2OSP(i, 11) || last, "", pt_i)
//! ```
//!
//! The last-chunk flag in the nonce makes truncation and extension fail; the
//! counter makes reordering fail; the header hash in the key makes a splice
//! of one envelope's header onto another's payload fail.
//!
//! The chunk loops live here too, written once for one core and all cores.

use ring::aead::{Aad, LessSafeKey, Nonce, Tag};
use ring::digest::{Context as Digest, SHA256};
use ring::hkdf;
use zeroize::Zeroizing;

use super::format::PayloadCipher;
use super::layer::ContentKey;
use crate::hash::{sha256, SHA256_LEN};
use crate::hpke::{NONCE_LEN, TAG_LEN};
use crate::{Error, Result};

/// Nonce of the sealed sender block under the meta key.
const SENDER_BLOCK_NONCE: u64 = 0;
/// Nonce of the sealed signature block under the meta key.
const SIGNATURE_BLOCK_NONCE: u64 = 1;
/// Label of the payload key's HKDF-Expand.
const PAYLOAD_KEY_LABEL: &[u8] = b"doormat/v1 payload";
/// Label of the meta key's HKDF-Expand.
const META_KEY_LABEL: &[u8] = b"doormat/v1 meta";

/// The hash of one plaintext chunk, and of the folded payload digest.
pub(crate) type ChunkHash = [u8; SHA256_LEN];

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
/// `SHA-256(SHA-256(pt_0) || SHA-256(pt_1) || …)`. Per-chunk hashes let
/// chunks be hashed on any core, in any order, then folded in order.
pub(crate) struct PayloadDigest(Digest);

impl PayloadDigest {
    pub(crate) fn new() -> PayloadDigest {
        PayloadDigest(Digest::new(&SHA256))
    }

    /// Folds in one chunk's hash (from [`chunk_hash`]), in chunk order.
    pub(crate) fn push(&mut self, chunk_hash: &ChunkHash) {
        self.0.update(chunk_hash);
    }

    pub(crate) fn finish(self) -> ChunkHash {
        let mut out = [0u8; SHA256_LEN];
        out.copy_from_slice(self.0.finish().as_ref());
        out
    }
}

/// The hash of one plaintext chunk.
pub(crate) fn chunk_hash(pt: &[u8]) -> ChunkHash {
    sha256(&[pt])
}

/// How a payload of `len` bytes splits into chunks: `(count, last_len)`.
/// An empty payload is one empty, last chunk.
pub(crate) fn chunk_layout(len: usize, chunk_size: usize) -> (usize, usize) {
    if len == 0 {
        return (1, 0);
    }
    let count = len.div_ceil(chunk_size);
    (count, len - (count - 1) * chunk_size)
}

/// A chunk counter as `u64`, refusing (not wrapping) past the end.
pub(crate) fn counter(i: usize) -> Result<u64> {
    u64::try_from(i).map_err(|_| Error::InvalidArgument("chunk counter overflow"))
}

/// Runs `f(i, input_i, output_i)` over the paired chunks of `input` and
/// `output`, on all cores with the `parallel` feature, and returns the
/// results in chunk order; the first error wins. The one chunk loop of the
/// in-memory seal and open.
fn map_chunks<T, F>(
    input: &[u8],
    in_chunk: usize,
    output: &mut [u8],
    out_chunk: usize,
    f: F,
) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize, &[u8], &mut [u8]) -> Result<T> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        input
            .par_chunks(in_chunk)
            .zip(output.par_chunks_mut(out_chunk))
            .enumerate()
            .map(|(i, (a, b))| f(i, a, b))
            .collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        input
            .chunks(in_chunk)
            .zip(output.chunks_mut(out_chunk))
            .enumerate()
            .map(|(i, (a, b))| f(i, a, b))
            .collect()
    }
}

/// Encrypts `plaintext` chunk by chunk into `out` (sized for ciphertext and
/// tags) and returns the payload digest.
pub(crate) fn seal_chunks(
    keys: &EnvelopeKeys,
    plaintext: &[u8],
    out: &mut [u8],
    chunk: usize,
) -> Result<ChunkHash> {
    let (count, _) = chunk_layout(plaintext.len(), chunk);
    let seal_one = |i: usize, pt: &[u8], slot: &mut [u8]| -> Result<ChunkHash> {
        let (body, tag_slot) = slot.split_at_mut(pt.len());
        body.copy_from_slice(pt);
        let tag = keys.seal_chunk(counter(i)?, i + 1 == count, body);
        tag_slot.copy_from_slice(tag.as_ref());
        Ok(chunk_hash(pt))
    };
    let hashes = if plaintext.is_empty() {
        vec![seal_one(0, &[], out)?]
    } else {
        map_chunks(plaintext, chunk, out, chunk + TAG_LEN, seal_one)?
    };
    Ok(fold(&hashes))
}

/// Decrypts an in-memory payload (ciphertext chunks with tags) and returns
/// the plaintext and the payload digest.
pub(crate) fn open_chunks(
    keys: &EnvelopeKeys,
    payload: &[u8],
    chunk: usize,
) -> Result<(Vec<u8>, ChunkHash)> {
    let ct_chunk = chunk + TAG_LEN;
    let count = payload.len().div_ceil(ct_chunk);
    let last_ct = payload.len() - (count - 1) * ct_chunk;
    if last_ct < TAG_LEN {
        return Err(Error::Truncated);
    }
    let mut plaintext = vec![0u8; payload.len() - count * TAG_LEN];
    let (middle_ct, last_ct) = payload.split_at((count - 1) * ct_chunk);
    let (middle_pt, last_pt) = plaintext.split_at_mut((count - 1) * chunk);
    let open_one = |i: usize, ct: &[u8], out: &mut [u8]| -> Result<ChunkHash> {
        let (body, tag) = ct.split_at(chunk);
        keys.open_chunk_into(counter(i)?, false, body, tag, out)?;
        Ok(chunk_hash(out))
    };
    let mut hashes = map_chunks(middle_ct, ct_chunk, middle_pt, chunk, open_one)?;
    let mut last = last_ct.to_vec();
    let n = open_last_chunk(keys, counter(count - 1)?, &mut last)?;
    last_pt.copy_from_slice(&last[..n]);
    hashes.push(chunk_hash(last_pt));
    Ok((plaintext, fold(&hashes)))
}

/// Opens the final chunk. A chunk that only opens as a *middle* chunk means
/// the payload was cut at a chunk boundary: [`Error::Truncated`].
pub(crate) fn open_last_chunk(keys: &EnvelopeKeys, ctr: u64, buf: &mut [u8]) -> Result<usize> {
    // An empty final chunk is only canonical as the sole chunk.
    if buf.len() == TAG_LEN && ctr > 0 {
        return Err(Error::Truncated);
    }
    let copy = buf.to_vec();
    keys.open_chunk(ctr, true, buf).map_err(|e| {
        let mut probe = copy;
        match keys.open_chunk(ctr, false, &mut probe) {
            Ok(_) => Error::Truncated,
            Err(_) => e,
        }
    })
}

/// Folds chunk hashes, in order, into the payload digest.
fn fold(hashes: &[ChunkHash]) -> ChunkHash {
    let mut digest = PayloadDigest::new();
    hashes.iter().for_each(|h| digest.push(h));
    digest.finish()
}
