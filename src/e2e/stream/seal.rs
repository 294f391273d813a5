//! `seal_stream`'s stages: read plaintext into chunk slots, seal them in
//! place on the pool, fold, sign checkpoints and write, in order.

use std::io::{Read, Write};

use super::{ensure_len, read_growing, run, Geometry, Stages, SEAL_DEPTH};
use crate::e2e::chunks::map_in_place;
use crate::e2e::payload::{chunk_hash, counter, ChunkHash, EnvelopeKeys, PayloadDigest};
use crate::e2e::SealError;
use crate::hpke::TAG_LEN;

type Result<T> = core::result::Result<T, SealError>;

/// A chunk counter past `u64::MAX`: never in practice.
const OVERFLOW: SealError = SealError::InvalidArgument("chunk counter overflow");

/// Seals everything `reader` yields into `writer`, calling `checkpoint(k,
/// digest_k)` for each checkpoint's sealed block. Returns the number of
/// plaintext bytes and the digest of the whole payload.
pub(crate) fn seal(
    keys: &EnvelopeKeys,
    chunk: usize,
    interval: u32,
    reader: impl Read,
    writer: impl Write,
    checkpoint: impl FnMut(u64, &ChunkHash) -> Vec<u8>,
) -> Result<(u64, ChunkHash)> {
    let mut sealing = Sealing {
        geometry: Geometry::new(chunk, interval),
        reader,
        writer,
        checkpoint,
        carry: None,
        next_first: 0,
        done: false,
        spare: Vec::new(),
        digest: PayloadDigest::new(),
        total: 0,
    };
    run(&mut sealing, SEAL_DEPTH, &|batch: &mut Plain| {
        batch.seal(keys)
    })?;
    Ok((sealing.total, sealing.digest.finish()))
}

/// The state of one streaming seal.
struct Sealing<R, W, C> {
    geometry: Geometry,
    reader: R,
    writer: W,
    checkpoint: C,
    /// One byte of look-ahead tells a full last chunk from a full middle one.
    carry: Option<u8>,
    /// The counter of the next chunk to read.
    next_first: u64,
    /// Whether the last chunk has been read.
    done: bool,
    spare: Vec<Vec<u8>>,
    digest: PayloadDigest,
    total: u64,
}

impl<R, W, C> Stages for Sealing<R, W, C>
where
    R: Read,
    W: Write,
    C: FnMut(u64, &ChunkHash) -> Vec<u8>,
{
    type Batch = Plain;
    type Error = SealError;

    fn read(&mut self) -> Result<Option<Plain>> {
        if self.done {
            return Ok(None);
        }
        let buf = self.spare.pop().unwrap_or_default();
        let batch = Plain::read(
            &mut self.reader,
            buf,
            &self.geometry,
            self.next_first,
            &mut self.carry,
        )?;
        self.next_first = batch.next_first()?;
        self.done = batch.last;
        Ok(Some(batch))
    }

    fn finish(&mut self, batch: Plain, hashes: Result<Vec<ChunkHash>>) -> Result<()> {
        for h in &hashes? {
            self.digest.push(h);
        }
        self.total += batch.plaintext_len() as u64;
        let end = batch.next_first()?;
        let interval = self.geometry.interval;
        let block = (!batch.last && end % interval == 0)
            .then(|| (self.checkpoint)(end / interval, &self.digest.snapshot()));
        batch.write(&mut self.writer, block.as_deref())?;
        self.spare.push(batch.buf);
        Ok(())
    }
}

/// A batch of plaintext chunks, each in a slot of `chunk + TAG_LEN` bytes,
/// sealed in place.
struct Plain {
    buf: Vec<u8>,
    /// The slot length: a sealed full chunk.
    stride: usize,
    first: u64,
    count: usize,
    /// Plaintext length of the batch's last chunk.
    last_len: usize,
    /// Whether the batch ends the payload.
    last: bool,
}

impl Plain {
    /// Reads the batch that starts at chunk `first` into `buf`.
    fn read(
        reader: &mut impl Read,
        buf: Vec<u8>,
        geometry: &Geometry,
        first: u64,
        carry: &mut Option<u8>,
    ) -> Result<Plain> {
        let (n, _) = geometry.take(first);
        let (chunk, stride) = (geometry.chunk, geometry.sealed());
        let mut batch = Plain {
            buf,
            stride,
            first,
            count: n,
            last_len: chunk,
            last: false,
        };
        let capacity = n * stride;
        for j in 0..n {
            // The look-ahead byte lands where the tag goes, overwritten later.
            let start = j * stride;
            let mut filled = 0;
            if let Some(byte) = carry.take() {
                ensure_len(&mut batch.buf, start + 1, capacity)?;
                batch.buf[start] = byte;
                filled = 1;
            }
            let want = start + chunk + 1;
            filled += read_growing(reader, &mut batch.buf, start + filled, want, capacity)?;
            if filled <= chunk {
                // The last chunk, and room for its tag only.
                ensure_len(&mut batch.buf, start + filled + TAG_LEN, capacity)?;
                batch.count = j + 1;
                batch.last_len = filled;
                batch.last = true;
                break;
            }
            ensure_len(&mut batch.buf, start + stride, capacity)?;
            *carry = Some(batch.buf[start + chunk]);
        }
        Ok(batch)
    }

    /// The counter of the chunk after this batch.
    fn next_first(&self) -> Result<u64> {
        self.first.checked_add(counter(self.count)).ok_or(OVERFLOW)
    }

    fn plaintext_len(&self) -> usize {
        (self.count - 1) * (self.stride - TAG_LEN) + self.last_len
    }

    /// The length of the batch once sealed.
    fn sealed_len(&self) -> usize {
        (self.count - 1) * self.stride + self.last_len + TAG_LEN
    }

    /// Hashes and seals every chunk in place, on all cores.
    fn seal(&mut self, keys: &EnvelopeKeys) -> Result<Vec<ChunkHash>> {
        let len = self.sealed_len();
        let (first, count, last) = (self.first, self.count, self.last);
        map_in_place(&mut self.buf[..len], self.stride, |j, slot| {
            let ctr = first.checked_add(counter(j)).ok_or(OVERFLOW)?;
            let (body, tag_slot) = slot.split_at_mut(slot.len() - TAG_LEN);
            let hash = chunk_hash(body);
            let tag = keys.seal_chunk(ctr, last && j + 1 == count, body);
            tag_slot.copy_from_slice(tag.as_ref());
            Ok(hash)
        })
    }

    /// Writes the sealed batch, then the checkpoint block after it, if any.
    fn write(&self, writer: &mut impl Write, block: Option<&[u8]>) -> Result<()> {
        writer.write_all(&self.buf[..self.sealed_len()])?;
        if let Some(block) = block {
            writer.write_all(block)?;
        }
        Ok(())
    }
}
