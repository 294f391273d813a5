//! Streaming on all cores. The payload goes through in *batches* of chunks:
//! while the pool seals or opens one batch in place, the caller's thread
//! writes the batch before it and reads the batch after it. Reading,
//! writing and the cryptography overlap, and memory stays a few batches.
//!
//! A batch ends at the next checkpoint or after [`batch_chunks`] chunks,
//! whichever comes first, so a checkpoint only ever follows a whole batch.
//! Only the reader and the writer stay on the caller's thread: they need
//! not be `Send`.
//!
//! * Sealing holds three batches: one being read, one being sealed, one
//!   being written.
//! * Opening holds back every batch until the sender's signature over it
//!   verifies (one checkpoint span, `N × C` bytes at most) and writes one
//!   released batch per step, while the next span is opened: at most the
//!   span plus two batches, one being read and one being opened.

use std::collections::VecDeque;
use std::io::{Read, Write};

use super::chunks::{map_in_place, open_last_chunk, CHECKPOINT_LEN};
use super::format::read_up_to;
use super::payload::{chunk_hash, counter, ChunkHash, EnvelopeKeys, PayloadDigest};
use super::{counter_overflow, SIGNATURE_BLOCK_LEN};
use crate::hpke::TAG_LEN;
use crate::{Error, Result};

/// A streaming batch holds this much plaintext (at least one chunk), or four
/// chunks per core of the pool if that is more (on a machine of more than
/// four cores, with 64 KiB chunks). Big enough that handing a batch to the
/// pool costs little next to sealing it; small enough that the three
/// batches of `seal_stream`, and the two batches `open_stream` adds to its
/// checkpoint span, stay a few MiB. A batch also ends at every checkpoint.
pub const STREAM_BATCH_SPAN: usize = 1 << 20;

/// On a machine with many cores a batch grows to this many chunks per core.
const CHUNKS_PER_CORE: usize = 4;

/// How many chunks of `chunk` bytes a batch holds at most: see
/// [`STREAM_BATCH_SPAN`]. Never more than a checkpoint interval in
/// practice, since a batch also ends at every checkpoint.
pub(crate) fn batch_chunks(chunk: usize) -> usize {
    let span = STREAM_BATCH_SPAN.max(CHUNKS_PER_CORE * threads() * chunk);
    (span / chunk).max(1)
}

/// The pool's size: rayon's global pool, or one without `parallel`.
fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// Runs `work` on the pool and `io` on the caller's thread at the same time,
/// and returns both results once both are done. Without `parallel`, one
/// after the other.
fn alongside<W: Send, I>(work: impl FnOnce() -> W + Send, io: impl FnOnce() -> I) -> (W, I) {
    #[cfg(feature = "parallel")]
    {
        let mut done = None;
        let io_result = rayon::in_place_scope(|scope| {
            scope.spawn(|_| done = Some(work()));
            io()
        });
        (done.expect("a scope waits for its tasks"), io_result)
    }
    #[cfg(not(feature = "parallel"))]
    {
        (work(), io())
    }
}

/// A chunk is a middle one once more than a signature block follows it.
const LOOK_AHEAD: usize = SIGNATURE_BLOCK_LEN + 1;

/// Makes `buf` at least `len` bytes long, allocating `capacity` bytes the
/// first time: every batch buffer has the same capacity, so a reused one
/// never reallocates (which could double it).
fn grow(buf: &mut Vec<u8>, len: usize, capacity: usize) {
    if buf.capacity() < capacity {
        buf.reserve_exact(capacity - buf.len());
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
}

/// The geometry every batch shares.
#[derive(Clone, Copy)]
struct Geometry {
    chunk: usize,
    interval: u64,
    batch: usize,
}

impl Geometry {
    fn new(chunk: usize, interval: u32) -> Geometry {
        Geometry {
            chunk,
            interval: u64::from(interval),
            batch: batch_chunks(chunk),
        }
    }

    /// A sealed chunk: plaintext and tag.
    fn sealed(&self) -> usize {
        self.chunk + TAG_LEN
    }

    /// How many chunks the batch starting at chunk `first` takes: up to the
    /// next checkpoint, and at most a batch. Whether it ends at a checkpoint.
    fn take(&self, first: u64) -> (usize, bool) {
        let to_checkpoint = self.interval - first % self.interval;
        match usize::try_from(to_checkpoint) {
            Ok(n) if n <= self.batch => (n, true),
            _ => (self.batch, false),
        }
    }
}

/// Seals everything `reader` yields into `writer`, calling `checkpoint(k,
/// digest_k)` for each checkpoint's sealed block. Returns the number of
/// plaintext bytes and the digest of the whole payload.
pub(crate) fn seal(
    keys: &EnvelopeKeys,
    chunk: usize,
    interval: u32,
    mut reader: impl Read,
    mut writer: impl Write,
    mut checkpoint: impl FnMut(u64, &ChunkHash) -> Vec<u8>,
) -> Result<(u64, ChunkHash)> {
    let geometry = Geometry::new(chunk, interval);
    let mut digest = PayloadDigest::new();
    let mut total: u64 = 0;
    // One byte of look-ahead tells a full last chunk from a full middle one.
    let mut carry = None;
    let mut spare: Vec<Vec<u8>> = Vec::new();
    let mut cur = Plain::read(&mut reader, Vec::new(), &geometry, 0, &mut carry)?;
    let mut pending: Option<(Plain, Option<Vec<u8>>)> = None;
    loop {
        let next_first = cur.next_first()?;
        let more = !cur.last;
        let buf = spare.pop().unwrap_or_default();
        let (hashes, (wrote, next)) = alongside(
            || cur.seal(keys),
            || {
                let wrote = pending.take().map(|(batch, block)| {
                    let wrote = batch.write(&mut writer, block.as_deref());
                    spare.push(batch.buf);
                    wrote
                });
                let next =
                    more.then(|| Plain::read(&mut reader, buf, &geometry, next_first, &mut carry));
                (wrote, next)
            },
        );
        wrote.transpose()?;
        for h in &hashes? {
            digest.push(h);
        }
        total += cur.plaintext_len() as u64;
        if cur.last {
            cur.write(&mut writer, None)?;
            return Ok((total, digest.finish()));
        }
        let block = (next_first % geometry.interval == 0)
            .then(|| checkpoint(next_first / geometry.interval, &digest.snapshot()));
        pending = Some((cur, block));
        cur = next.expect("read while sealing")?;
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
        for j in 0..n {
            grow(&mut batch.buf, (j + 1) * stride, geometry.batch * stride);
            // The look-ahead byte lands where the tag goes, overwritten later.
            let slot = &mut batch.buf[j * stride..j * stride + chunk + 1];
            let mut filled = 0;
            if let Some(byte) = carry.take() {
                slot[0] = byte;
                filled = 1;
            }
            filled += read_up_to(reader, &mut slot[filled..])?;
            if filled <= chunk {
                batch.count = j + 1;
                batch.last_len = filled;
                batch.last = true;
                break;
            }
            *carry = Some(slot[chunk]);
        }
        Ok(batch)
    }

    /// The counter of the chunk after this batch.
    fn next_first(&self) -> Result<u64> {
        self.first
            .checked_add(counter(self.count)?)
            .ok_or_else(counter_overflow)
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
            let ctr = first
                .checked_add(counter(j)?)
                .ok_or_else(counter_overflow)?;
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

/// What opening needs from the envelope's signatures: both run on the
/// caller's thread, between batches.
pub(crate) trait Verify {
    /// Opens checkpoint `k` and checks the sender's signature over `digest`.
    fn checkpoint(&self, k: u64, digest: &ChunkHash, block: &[u8]) -> Result<()>;
    /// Opens the signature block and checks the final signature.
    fn signature(&self, block: &[u8], digest: &ChunkHash) -> Result<()>;
}

/// Opens the payload from `reader` into `writer`, writing only what a
/// verified checkpoint or the final signature covers. Returns the number of
/// plaintext bytes written.
///
/// On an error, the batches already released (signed) are written before
/// the error is returned, so the output is exactly the signed prefix that
/// the one-chunk-at-a-time opener wrote.
pub(crate) fn open(
    keys: &EnvelopeKeys,
    chunk: usize,
    interval: u32,
    reader: impl Read,
    writer: impl Write,
    verify: &impl Verify,
) -> Result<u64> {
    let mut opening = Opening {
        geometry: Geometry::new(chunk, interval),
        reader,
        writer,
        carry: Vec::with_capacity(LOOK_AHEAD),
        held: VecDeque::new(),
        released: VecDeque::new(),
        spare: Vec::new(),
        written: 0,
    };
    match opening.run(keys, verify) {
        Ok(()) => Ok(opening.written),
        Err(e) => {
            // Signed batches: the caller sees the same prefix as before batching.
            while let Some(batch) = opening.released.pop_front() {
                if opening.write(&batch).is_err() {
                    break;
                }
            }
            Err(e)
        }
    }
}

/// The state of one streaming open.
struct Opening<R, W> {
    geometry: Geometry,
    reader: R,
    writer: W,
    /// Bytes read past the current batch: the look-ahead.
    carry: Vec<u8>,
    /// Opened batches whose signature has not been checked yet.
    held: VecDeque<Sealed>,
    /// Signed batches not yet written: one goes out per step.
    released: VecDeque<Sealed>,
    spare: Vec<Vec<u8>>,
    written: u64,
}

impl<R: Read, W: Write> Opening<R, W> {
    fn run(&mut self, keys: &EnvelopeKeys, verify: &impl Verify) -> Result<()> {
        let mut digest = PayloadDigest::new();
        let mut cur = self.read(Vec::new(), 0)?;
        loop {
            let next_first = cur.next_first()?;
            let more = !cur.is_final();
            let buf = self.spare.pop().unwrap_or_default();
            let (hashes, (wrote, next)) = alongside(
                || cur.open(keys),
                || {
                    let wrote = self.released.pop_front().map(|batch| {
                        let wrote = self.write(&batch);
                        self.spare.push(batch.buf);
                        wrote
                    });
                    (wrote, more.then(|| self.read(buf, next_first)))
                },
            );
            wrote.transpose()?;
            for h in &hashes? {
                digest.push(h);
            }
            match cur.end {
                End::More => self.held.push_back(cur),
                End::Checkpoint => {
                    let k = next_first / self.geometry.interval;
                    verify.checkpoint(k, &digest.snapshot(), cur.trailer())?;
                    self.held.push_back(cur);
                    self.released.extend(self.held.drain(..));
                }
                End::Final => {
                    verify.signature(cur.trailer(), &digest.finish())?;
                    while let Some(batch) = self.released.pop_front() {
                        self.write(&batch)?;
                    }
                    while let Some(batch) = self.held.pop_front() {
                        self.write(&batch)?;
                    }
                    self.write(&cur)?;
                    self.writer.flush()?;
                    return Ok(());
                }
            }
            cur = next.expect("read while opening")?;
        }
    }

    /// Reads the batch that starts at chunk `first` into `buf`, with the
    /// look-ahead that tells where the payload ends: a chunk followed by
    /// more than a signature block is a middle chunk.
    fn read(&mut self, mut buf: Vec<u8>, first: u64) -> Result<Sealed> {
        let (n, at_checkpoint) = self.geometry.take(first);
        let stride = self.geometry.sealed();
        let trailer = if at_checkpoint { CHECKPOINT_LEN } else { 0 };
        let capacity = self.geometry.batch * stride + CHECKPOINT_LEN + LOOK_AHEAD;
        let mut filled = self.carry.len();
        grow(&mut buf, filled, capacity);
        buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        let mut batch = Sealed {
            buf,
            stride,
            first,
            count: n,
            chunks: n * stride,
            end: End::More,
            last_len: 0,
        };
        // Chunk by chunk, so a short stream does not touch a whole batch.
        for j in 1..=n {
            let want = j * stride + LOOK_AHEAD;
            grow(&mut batch.buf, want, capacity);
            filled += read_up_to(&mut self.reader, &mut batch.buf[filled..want])?;
            if filled < want {
                return batch.into_final(filled);
            }
        }
        // Every chunk is a middle one, and a checkpoint (if due) follows.
        let want = n * stride + trailer + LOOK_AHEAD;
        grow(&mut batch.buf, want, capacity);
        filled += read_up_to(&mut self.reader, &mut batch.buf[filled..want])?;
        if at_checkpoint {
            batch.end = End::Checkpoint;
        }
        let next = n * stride + trailer;
        self.carry.extend_from_slice(&batch.buf[next..filled]);
        Ok(batch)
    }

    /// Writes the plaintext of an opened batch.
    fn write(&mut self, batch: &Sealed) -> Result<()> {
        let chunk = self.geometry.chunk;
        for j in 0..batch.count {
            let len = if j + 1 == batch.count && batch.is_final() {
                batch.last_len
            } else {
                chunk
            };
            let at = j * batch.stride;
            self.writer.write_all(&batch.buf[at..at + len])?;
            self.written += len as u64;
        }
        Ok(())
    }
}

/// How a batch of sealed chunks ends.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    /// More chunks follow, no checkpoint yet.
    More,
    /// A checkpoint follows the batch.
    Checkpoint,
    /// The payload's last chunk ends the batch; the signature block follows.
    Final,
}

/// A batch of sealed chunks as read, opened in place.
struct Sealed {
    buf: Vec<u8>,
    /// A sealed full chunk.
    stride: usize,
    first: u64,
    count: usize,
    /// The length of the sealed chunks; the checkpoint or signature block
    /// follows them.
    chunks: usize,
    end: End,
    /// Plaintext length of the last chunk, once a final batch is opened.
    last_len: usize,
}

impl Sealed {
    fn is_final(&self) -> bool {
        self.end == End::Final
    }

    /// The payload ends in this batch: its `filled` bytes are chunks, then
    /// the signature block.
    fn into_final(mut self, filled: usize) -> Result<Sealed> {
        if filled < TAG_LEN + SIGNATURE_BLOCK_LEN {
            return Err(Error::Truncated);
        }
        let sealed = filled - SIGNATURE_BLOCK_LEN;
        self.count = sealed.div_ceil(self.stride);
        if sealed - (self.count - 1) * self.stride < TAG_LEN {
            return Err(Error::Truncated);
        }
        self.chunks = sealed;
        self.end = End::Final;
        Ok(self)
    }

    fn next_first(&self) -> Result<u64> {
        self.first
            .checked_add(counter(self.count)?)
            .ok_or_else(counter_overflow)
    }

    /// The checkpoint or signature block after the chunks.
    fn trailer(&self) -> &[u8] {
        let len = if self.is_final() {
            SIGNATURE_BLOCK_LEN
        } else {
            CHECKPOINT_LEN
        };
        &self.buf[self.chunks..self.chunks + len]
    }

    /// Opens and hashes every chunk in place, the middle ones on all cores,
    /// then the last one, which is also probed for truncation.
    fn open(&mut self, keys: &EnvelopeKeys) -> Result<Vec<ChunkHash>> {
        let last = self.is_final();
        let middle = if last { self.count - 1 } else { self.count };
        let first = self.first;
        let (middle_bytes, rest) = self.buf[..self.chunks].split_at_mut(middle * self.stride);
        let mut hashes = map_in_place(middle_bytes, self.stride, |j, slot| {
            let ctr = first
                .checked_add(counter(j)?)
                .ok_or_else(counter_overflow)?;
            let n = keys.open_chunk(ctr, false, slot)?;
            Ok(chunk_hash(&slot[..n]))
        })?;
        if last {
            let ctr = first
                .checked_add(counter(middle)?)
                .ok_or_else(counter_overflow)?;
            self.last_len = open_last_chunk(keys, ctr, rest)?;
            hashes.push(chunk_hash(&rest[..self.last_len]));
        }
        Ok(hashes)
    }
}
