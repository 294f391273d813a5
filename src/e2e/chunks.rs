//! Where chunks and checkpoints sit in the payload, and the in-memory chunk
//! loops, written once for one core and all cores.
//!
//! ```text
//! payload = chunk_0 .. chunk_{N-1} | checkpoint_1 | chunk_N .. chunk_{2N-1} | checkpoint_2 | …
//!           … | chunk_{c-1}                      (no checkpoint after the last chunk)
//! ```
//!
//! `N` is the header's checkpoint interval; a checkpoint follows chunk `i`
//! when `(i + 1) % N == 0` and `i` is not the last chunk.

use super::payload::{chunk_hash, counter, ChunkHash, EnvelopeKeys, PayloadDigest};
use super::pool;
use crate::hpke::TAG_LEN;
use crate::keys::SIGNATURE_LEN;
use crate::{Error, Result};

/// Length of a sealed checkpoint: one signature and its tag.
pub const CHECKPOINT_LEN: usize = SIGNATURE_LEN + TAG_LEN;

/// Where everything is in a payload of `count` chunks.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PayloadLayout {
    chunk: usize,
    interval: usize,
    count: usize,
    /// Plaintext length of the last chunk.
    last_len: usize,
}

impl PayloadLayout {
    /// The layout of a plaintext of `len` bytes. An empty plaintext is one
    /// empty, last chunk; a plaintext that fills its last chunk exactly has
    /// no extra empty chunk, so one plaintext has one chunking.
    pub(crate) fn of_plaintext(len: usize, chunk: usize, interval: usize) -> PayloadLayout {
        let count = len.div_ceil(chunk).max(1);
        PayloadLayout {
            chunk,
            interval,
            count,
            last_len: len - (count - 1) * chunk,
        }
    }

    /// The layout of a sealed payload (chunks and checkpoints) of `len`
    /// bytes, or [`Error::Truncated`] if no payload has that length: cut
    /// inside a tag, or right after a checkpoint.
    pub(crate) fn of_payload(len: usize, chunk: usize, interval: usize) -> Result<PayloadLayout> {
        let ct = chunk + TAG_LEN;
        // Complete groups (interval chunks and their checkpoint) before the
        // last group, which holds 1..=interval chunks and no checkpoint.
        // The last group is shorter than a complete one, so the split is unique.
        let group = interval * ct + CHECKPOINT_LEN;
        let groups = len / group;
        let rest = len - groups * group;
        if rest < TAG_LEN || rest > interval * ct {
            return Err(Error::Truncated);
        }
        let in_last_group = rest.div_ceil(ct);
        let last_ct = rest - (in_last_group - 1) * ct;
        if last_ct < TAG_LEN {
            return Err(Error::Truncated);
        }
        Ok(PayloadLayout {
            chunk,
            interval,
            count: groups * interval + in_last_group,
            last_len: last_ct - TAG_LEN,
        })
    }

    /// How many checkpoints: one after every `interval` chunks but the last.
    pub(crate) fn checkpoints(&self) -> usize {
        (self.count - 1) / self.interval
    }

    /// The length of the sealed payload, chunks and checkpoints.
    pub(crate) fn len(&self) -> usize {
        self.plaintext_len() + self.count * TAG_LEN + self.checkpoints() * CHECKPOINT_LEN
    }

    /// The length of the plaintext.
    pub(crate) fn plaintext_len(&self) -> usize {
        (self.count - 1) * self.chunk + self.last_len
    }

    /// Where sealed chunk `i` starts in the payload.
    fn chunk_start(&self, i: usize) -> usize {
        i * (self.chunk + TAG_LEN) + (i / self.interval) * CHECKPOINT_LEN
    }

    /// Where checkpoint `k` (`1..=checkpoints`) starts in the payload.
    fn checkpoint_start(&self, k: usize) -> usize {
        self.chunk_start(k * self.interval) - CHECKPOINT_LEN
    }

    /// The sealed length of chunk `i`.
    fn chunk_len(&self, i: usize) -> usize {
        let pt = if i + 1 == self.count {
            self.last_len
        } else {
            self.chunk
        };
        pt + TAG_LEN
    }
}

/// Runs `f(i, input_i, output_i)` over paired slices, on all cores with the
/// `parallel` feature, and returns the results in order; the first error
/// in chunk order wins. The one chunk loop of the in-memory seal and open.
fn map_pairs<T, F>(pairs: Vec<(&[u8], &mut [u8])>, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize, &[u8], &mut [u8]) -> Result<T> + Sync,
{
    pool::map(pairs, |i, (a, b)| f(i, a, b))
}

/// Runs `f(j, slot_j)` over `buf` cut into slots of `stride` bytes (the
/// last may be shorter), on all cores with the `parallel` feature, and
/// returns the results in order. The one chunk loop of streaming, which
/// seals and opens a batch in place.
pub(crate) fn map_in_place<T, F>(buf: &mut [u8], stride: usize, f: F) -> Result<Vec<T>>
where
    T: Send,
    F: Fn(usize, &mut [u8]) -> Result<T> + Sync,
{
    pool::map(buf.chunks_mut(stride).collect(), f)
}

/// Cuts `buf` into the slices at `ranges`, which are sorted and disjoint.
fn cut_mut(mut buf: &mut [u8], ranges: impl Iterator<Item = (usize, usize)>) -> Vec<&mut [u8]> {
    let mut at = 0;
    let mut out = Vec::new();
    for (start, len) in ranges {
        let (_, rest) = buf.split_at_mut(start - at);
        let (piece, rest) = rest.split_at_mut(len);
        out.push(piece);
        buf = rest;
        at = start + len;
    }
    out
}

/// What the sender signs over the folded chunk hashes: the digest of the
/// chunks before checkpoint `k`, or of the whole payload.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Signed {
    Checkpoint(u64),
    Payload,
}

/// Folds the chunk hashes in order: the running digest at every checkpoint,
/// then the digest of the whole payload, each with what signs it. The
/// signatures are independent of each other, so they can be made or
/// checked on all cores.
fn fold(layout: &PayloadLayout, hashes: &[ChunkHash]) -> Result<Vec<(Signed, ChunkHash)>> {
    let mut digest = PayloadDigest::new();
    let mut signed = Vec::with_capacity(layout.checkpoints() + 1);
    for (i, h) in hashes.iter().enumerate() {
        digest.push(h);
        if (i + 1) % layout.interval == 0 && i + 1 < layout.count {
            let k = counter((i + 1) / layout.interval)?;
            signed.push((Signed::Checkpoint(k), digest.snapshot()));
        }
    }
    signed.push((Signed::Payload, digest.finish()));
    Ok(signed)
}

/// Seals `plaintext` into `out` (exactly `layout.len()` bytes): every chunk,
/// on all cores, then every checkpoint, and returns the sealed signature
/// block; `sign(what, digest)` makes each sealed block, on all cores.
pub(crate) fn seal_payload(
    keys: &EnvelopeKeys,
    layout: &PayloadLayout,
    plaintext: &[u8],
    out: &mut [u8],
    sign: impl Fn(Signed, &ChunkHash) -> Vec<u8> + Sync,
) -> Result<Vec<u8>> {
    let count = layout.count;
    let slots = cut_mut(
        out,
        (0..count).map(|i| (layout.chunk_start(i), layout.chunk_len(i))),
    );
    let pieces = (0..count).map(|i| {
        let start = i * layout.chunk;
        &plaintext[start..start + layout.chunk_len(i) - TAG_LEN]
    });
    let seal_one = |i: usize, pt: &[u8], slot: &mut [u8]| -> Result<ChunkHash> {
        seal_chunk_in_slot(keys, counter(i)?, i + 1 == count, pt, slot)
    };
    let hashes = map_pairs(pieces.zip(slots).collect(), seal_one)?;
    let mut blocks = pool::map(fold(layout, &hashes)?, |_, (what, digest)| {
        Ok((what, sign(what, &digest)))
    })?;
    let (_, signature) = blocks.pop().expect("the payload's signature comes last");
    for (what, block) in blocks {
        if let Signed::Checkpoint(k) = what {
            let at = layout.checkpoint_start(usize::try_from(k).expect("a chunk index"));
            out[at..at + CHECKPOINT_LEN].copy_from_slice(&block);
        }
    }
    Ok(signature)
}

/// Copies chunk `pt` into `slot` (`pt.len() + TAG_LEN` bytes), hashes it
/// there while it is in cache, seals it in place and appends the tag.
/// Returns the chunk's hash.
pub(crate) fn seal_chunk_in_slot(
    keys: &EnvelopeKeys,
    ctr: u64,
    last: bool,
    pt: &[u8],
    slot: &mut [u8],
) -> Result<ChunkHash> {
    let (body, tag_slot) = slot.split_at_mut(pt.len());
    body.copy_from_slice(pt);
    let hash = chunk_hash(body);
    let tag = keys.seal_chunk(ctr, last, body);
    tag_slot.copy_from_slice(tag.as_ref());
    Ok(hash)
}

/// Opens a sealed payload into `plaintext` (exactly
/// `layout.plaintext_len()` bytes): every chunk, on all cores, then every
/// checkpoint and the signature block through `verify(what, digest,
/// sealed_block)`, also on all cores. The first failure in payload order
/// wins. On an error, `plaintext` holds unverified bytes: the caller
/// discards them.
pub(crate) fn open_payload(
    keys: &EnvelopeKeys,
    layout: &PayloadLayout,
    payload: &[u8],
    signature: &[u8],
    plaintext: &mut [u8],
    verify: impl Fn(Signed, &ChunkHash, &[u8]) -> Result<()> + Sync,
) -> Result<()> {
    let count = layout.count;
    let chunk = layout.chunk;
    let (middle_pt, last_pt) = plaintext.split_at_mut((count - 1) * chunk);
    let sealed = |i: usize| {
        let start = layout.chunk_start(i);
        &payload[start..start + layout.chunk_len(i)]
    };
    let pairs = (0..count - 1)
        .map(sealed)
        .zip(middle_pt.chunks_mut(chunk))
        .collect();
    let open_one = |i: usize, ct: &[u8], out: &mut [u8]| -> Result<ChunkHash> {
        let (body, tag) = ct.split_at(chunk);
        keys.open_chunk_into(counter(i)?, false, body, tag, out)?;
        Ok(chunk_hash(out))
    };
    let mut hashes = map_pairs(pairs, open_one)?;
    open_last_chunk_into(keys, counter(count - 1)?, sealed(count - 1), last_pt)?;
    hashes.push(chunk_hash(last_pt));
    pool::map(fold(layout, &hashes)?, |_, (what, digest)| {
        let block = match what {
            Signed::Checkpoint(k) => {
                let at = layout.checkpoint_start(usize::try_from(k).expect("a chunk index"));
                &payload[at..at + CHECKPOINT_LEN]
            }
            Signed::Payload => signature,
        };
        verify(what, &digest, block)
    })?;
    Ok(())
}

/// Opens the final chunk in place (`buf` is ciphertext then tag) and
/// returns the plaintext length; [`Error::Truncated`] as
/// [`open_last_chunk_into`].
pub(crate) fn open_last_chunk(keys: &EnvelopeKeys, ctr: u64, buf: &mut [u8]) -> Result<usize> {
    let sealed = buf.to_vec();
    let n = sealed.len() - TAG_LEN;
    open_last_chunk_into(keys, ctr, &sealed, &mut buf[..n])?;
    Ok(n)
}

/// Opens the final chunk `sealed` (ciphertext and tag) into `out`, which is
/// `sealed.len() - TAG_LEN` bytes. A chunk that only opens as a *middle*
/// chunk means the payload was cut at a chunk boundary: [`Error::Truncated`].
pub(crate) fn open_last_chunk_into(
    keys: &EnvelopeKeys,
    ctr: u64,
    sealed: &[u8],
    out: &mut [u8],
) -> Result<()> {
    // An empty final chunk is only canonical as the sole chunk.
    if sealed.len() == TAG_LEN && ctr > 0 {
        return Err(Error::Truncated);
    }
    let (ct, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    keys.open_chunk_into(ctr, true, ct, tag, out).map_err(|e| {
        match keys.open_chunk_into(ctr, false, ct, tag, out) {
            Ok(()) => Error::Truncated,
            Err(_) => e,
        }
    })
}
