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

use super::error::{OpenError, SealError};
use super::payload::{chunk_hash, counter, ChunkHash, EnvelopeKeys, PayloadDigest};
use super::pool;
use crate::hpke::TAG_LEN;
use crate::keys::SIGNATURE_LEN;

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
    /// bytes, or [`OpenError::Truncated`] if no payload has that length: cut
    /// inside a tag, or right after a checkpoint.
    pub(crate) fn of_payload(
        len: usize,
        chunk: usize,
        interval: usize,
    ) -> Result<PayloadLayout, OpenError> {
        let (count, last_len) =
            chunks_of(len as u64, chunk as u64, interval as u64).ok_or(OpenError::Truncated)?;
        Ok(PayloadLayout {
            chunk,
            interval,
            count: usize::try_from(count).map_err(|_| OpenError::Truncated)?,
            last_len: usize::try_from(last_len).map_err(|_| OpenError::Truncated)?,
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

/// The chunk count and the last chunk's plaintext length of a sealed
/// payload of `len` bytes, or `None` if no payload has that length: the one
/// place the payload's layout is worked out from its length.
fn chunks_of(len: u64, chunk: u64, interval: u64) -> Option<(u64, u64)> {
    let (tag, ct) = (TAG_LEN as u64, chunk + TAG_LEN as u64);
    // Complete groups (interval chunks and their checkpoint) before the
    // last group, which holds 1..=interval chunks and no checkpoint.
    // The last group is shorter than a complete one, so the split is unique.
    let group = interval
        .checked_mul(ct)?
        .checked_add(CHECKPOINT_LEN as u64)?;
    let groups = len / group;
    let rest = len - groups * group;
    if rest < tag || rest > interval * ct {
        return None;
    }
    let in_last_group = rest.div_ceil(ct);
    let last_ct = rest - (in_last_group - 1) * ct;
    if last_ct < tag {
        return None;
    }
    Some((groups * interval + in_last_group, last_ct - tag))
}

/// What a sealed payload holds, worked out from its length and the header
/// alone — what an observer without keys can tell
/// ([`Header::payload_shape`](super::Header::payload_shape)).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PayloadShape {
    /// Bytes of plaintext.
    pub plaintext_len: u64,
    /// Chunks, the last one included (an empty plaintext is one empty chunk).
    pub chunks: u64,
    /// Signed checkpoints: one after every interval of chunks but the last.
    pub checkpoints: u64,
}

impl PayloadShape {
    /// The shape of a sealed payload of `len` bytes, or `None` if no
    /// payload with this geometry has that length.
    pub(crate) fn of(len: u64, chunk: u32, interval: u32) -> Option<PayloadShape> {
        let (chunk, interval) = (u64::from(chunk), u64::from(interval));
        let (chunks, last_len) = chunks_of(len, chunk, interval)?;
        Some(PayloadShape {
            plaintext_len: (chunks - 1) * chunk + last_len,
            chunks,
            checkpoints: (chunks - 1) / interval,
        })
    }
}

/// Runs `f(i, input_i, output_i)` over paired slices, on all cores with the
/// `parallel` feature, and returns the results in order; the first error
/// in chunk order wins. The one chunk loop of the in-memory seal and open.
fn map_pairs<T, E, F>(pairs: Vec<(&[u8], &mut [u8])>, f: F) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
    F: Fn(usize, &[u8], &mut [u8]) -> Result<T, E> + Sync,
{
    pool::map(pairs, |i, (a, b)| f(i, a, b))
}

/// Runs `f(j, slot_j)` over `buf` cut into slots of `stride` bytes (the
/// last may be shorter), on all cores with the `parallel` feature, and
/// returns the results in order. The one chunk loop of streaming, which
/// seals and opens a batch in place.
pub(crate) fn map_in_place<T, E, F>(buf: &mut [u8], stride: usize, f: F) -> Result<Vec<T>, E>
where
    T: Send,
    E: Send,
    F: Fn(usize, &mut [u8]) -> Result<T, E> + Sync,
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
fn fold(layout: &PayloadLayout, hashes: &[ChunkHash]) -> Vec<(Signed, ChunkHash)> {
    let mut digest = PayloadDigest::new();
    let mut signed = Vec::with_capacity(layout.checkpoints() + 1);
    for (i, h) in hashes.iter().enumerate() {
        digest.push(h);
        if (i + 1) % layout.interval == 0 && i + 1 < layout.count {
            let k = counter((i + 1) / layout.interval);
            signed.push((Signed::Checkpoint(k), digest.snapshot()));
        }
    }
    signed.push((Signed::Payload, digest.finish()));
    signed
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
) -> Result<Vec<u8>, SealError> {
    let count = layout.count;
    let slots = cut_mut(
        out,
        (0..count).map(|i| (layout.chunk_start(i), layout.chunk_len(i))),
    );
    let pieces = (0..count).map(|i| {
        let start = i * layout.chunk;
        &plaintext[start..start + layout.chunk_len(i) - TAG_LEN]
    });
    let seal_one = |i: usize, pt: &[u8], slot: &mut [u8]| -> Result<ChunkHash, SealError> {
        Ok(seal_chunk_in_slot(
            keys,
            counter(i),
            i + 1 == count,
            pt,
            slot,
        ))
    };
    let hashes = map_pairs(pieces.zip(slots).collect(), seal_one)?;
    let mut blocks = pool::map(fold(layout, &hashes), |_, (what, digest)| {
        Ok::<_, SealError>((what, sign(what, &digest)))
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
) -> ChunkHash {
    let (body, tag_slot) = slot.split_at_mut(pt.len());
    body.copy_from_slice(pt);
    let hash = chunk_hash(body);
    let tag = keys.seal_chunk(ctr, last, body);
    tag_slot.copy_from_slice(tag.as_ref());
    hash
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
    verify: impl Fn(Signed, &ChunkHash, &[u8]) -> Result<(), OpenError> + Sync,
) -> Result<(), OpenError> {
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
    let open_one = |i: usize, ct: &[u8], out: &mut [u8]| -> Result<ChunkHash, OpenError> {
        let (body, tag) = ct.split_at(chunk);
        keys.open_chunk_into(counter(i), false, body, tag, out)?;
        Ok(chunk_hash(out))
    };
    let mut hashes = map_pairs(pairs, open_one)?;
    open_last_chunk_into(keys, counter(count - 1), sealed(count - 1), last_pt)?;
    hashes.push(chunk_hash(last_pt));
    pool::map(fold(layout, &hashes), |_, (what, digest)| {
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
/// returns the plaintext length; [`OpenError::Truncated`] as
/// [`open_last_chunk_into`].
pub(crate) fn open_last_chunk(
    keys: &EnvelopeKeys,
    ctr: u64,
    buf: &mut [u8],
) -> Result<usize, OpenError> {
    let sealed = buf.to_vec();
    let n = sealed.len() - TAG_LEN;
    open_last_chunk_into(keys, ctr, &sealed, &mut buf[..n])?;
    Ok(n)
}

/// Opens the final chunk `sealed` (ciphertext and tag) into `out`, which is
/// `sealed.len() - TAG_LEN` bytes. A chunk that only opens as a *middle*
/// chunk means the payload was cut at a chunk boundary: [`OpenError::Truncated`].
pub(crate) fn open_last_chunk_into(
    keys: &EnvelopeKeys,
    ctr: u64,
    sealed: &[u8],
    out: &mut [u8],
) -> Result<(), OpenError> {
    // An empty final chunk is only canonical as the sole chunk.
    if sealed.len() == TAG_LEN && ctr > 0 {
        return Err(OpenError::Truncated);
    }
    let (ct, tag) = sealed.split_at(sealed.len() - TAG_LEN);
    keys.open_chunk_into(ctr, true, ct, tag, out).map_err(|e| {
        match keys.open_chunk_into(ctr, false, ct, tag, out) {
            Ok(()) => OpenError::Truncated,
            Err(_) => e,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sealed length of a plaintext of `len` bytes, worked forward.
    fn sealed_len(len: u64, chunk: u64, interval: u64) -> u64 {
        let chunks = len.div_ceil(chunk).max(1);
        len + chunks * TAG_LEN as u64 + (chunks - 1) / interval * CHECKPOINT_LEN as u64
    }

    #[test]
    fn payload_shape_inverts_the_sealed_length() {
        for (chunk, interval) in [(64, 1), (64, 3), (65536, 64)] {
            for len in [0, 1, 63, 64, 65, 128, 191, 192, 193, 1000, 200_000] {
                let sealed = sealed_len(len, u64::from(chunk), u64::from(interval));
                let shape = PayloadShape::of(sealed, chunk, interval).expect("a valid length");
                assert_eq!(
                    shape.plaintext_len, len,
                    "chunk {chunk} interval {interval}"
                );
                assert_eq!(shape.chunks, len.div_ceil(u64::from(chunk)).max(1));
                assert_eq!(shape.checkpoints, (shape.chunks - 1) / u64::from(interval));
                let layout =
                    PayloadLayout::of_payload(sealed as usize, chunk as usize, interval as usize)
                        .expect("the same answer in memory");
                assert_eq!(layout.plaintext_len() as u64, len);
            }
        }
    }

    #[test]
    fn impossible_lengths_have_no_shape() {
        assert_eq!(PayloadShape::of(15, 64, 1), None);
        // One full chunk, its checkpoint, and nothing after it.
        assert_eq!(PayloadShape::of(80 + CHECKPOINT_LEN as u64, 64, 1), None);
        assert!(PayloadLayout::of_payload(15, 64, 1).is_err());
    }
}
