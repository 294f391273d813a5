//! `open_stream`'s stages: read sealed chunks with the look-ahead that finds
//! the end, open them in place on the pool, fold, verify checkpoints and
//! the signature, and write only what they cover.

use std::collections::VecDeque;
use std::io::{self, IoSlice, Read, Write};

use super::{ensure_len, read_growing, run, Geometry, Stages, LOOK_AHEAD, OPEN_DEPTH};
use crate::e2e::chunks::{map_in_place, open_last_chunk, CHECKPOINT_LEN};
use crate::e2e::payload::{chunk_hash, counter, ChunkHash, EnvelopeKeys, PayloadDigest};
use crate::e2e::{OpenError, SIGNATURE_BLOCK_LEN};
use crate::hpke::TAG_LEN;
type Result<T> = core::result::Result<T, OpenError>;

/// A chunk counter past `u64::MAX`: never in practice.
const OVERFLOW: OpenError = OpenError::MalformedHeader("chunk counter overflow");

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
/// the error is returned, so the output is exactly the signed prefix that a
/// one-chunk-at-a-time opener writes — unless the error is the writer's
/// own: after a failed write nothing more is written, so the output is
/// never a splice of signed pieces with a hole between them.
pub(crate) fn open<V: Verify>(
    keys: &EnvelopeKeys,
    chunk: usize,
    interval: u32,
    reader: impl Read,
    writer: impl Write,
    verify: &V,
) -> Result<u64> {
    let mut opening = Opening {
        geometry: Geometry::new(chunk, interval),
        reader,
        writer,
        verify,
        carry: Vec::with_capacity(LOOK_AHEAD),
        next_first: 0,
        done: false,
        held: VecDeque::new(),
        released: VecDeque::new(),
        spare: Vec::new(),
        digest: PayloadDigest::new(),
        written: 0,
        write_failed: false,
    };
    match run(&mut opening, OPEN_DEPTH, &|batch: &mut Sealed| {
        batch.open(keys)
    }) {
        Ok(()) => Ok(opening.written),
        Err(e) => {
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
struct Opening<'v, R, W, V> {
    geometry: Geometry,
    reader: R,
    writer: W,
    verify: &'v V,
    /// Bytes read past the last batch: the look-ahead.
    carry: Vec<u8>,
    /// The counter of the next chunk to read.
    next_first: u64,
    /// Whether the last chunk has been read.
    done: bool,
    /// Opened batches whose signature has not been checked yet.
    held: VecDeque<Sealed>,
    /// Signed batches not yet written: one goes out per batch finished.
    released: VecDeque<Sealed>,
    spare: Vec<Vec<u8>>,
    digest: PayloadDigest,
    written: u64,
    /// Set by the first failed write: from then on nothing is written.
    write_failed: bool,
}

impl<R: Read, W: Write, V: Verify> Stages for Opening<'_, R, W, V> {
    type Batch = Sealed;
    type Error = OpenError;

    fn read(&mut self) -> Result<Option<Sealed>> {
        if self.done {
            return Ok(None);
        }
        let buf = self.spare.pop().unwrap_or_default();
        let batch = self.read_batch(buf)?;
        self.next_first = batch.next_first()?;
        self.done = batch.is_final();
        Ok(Some(batch))
    }

    fn finish(&mut self, batch: Sealed, hashes: Result<Vec<ChunkHash>>) -> Result<()> {
        for h in &hashes? {
            self.digest.push(h);
        }
        match batch.end {
            End::More => self.held.push_back(batch),
            End::Checkpoint => {
                let k = batch.next_first()? / self.geometry.interval;
                self.verify
                    .checkpoint(k, &self.digest.snapshot(), batch.trailer())?;
                self.held.push_back(batch);
                self.released.extend(self.held.drain(..));
            }
            End::Final => {
                self.verify
                    .signature(batch.trailer(), &self.digest.snapshot())?;
                self.held.push_back(batch);
                self.released.extend(self.held.drain(..));
                while let Some(batch) = self.released.pop_front() {
                    self.write(&batch)?;
                }
                self.writer.flush()?;
                return Ok(());
            }
        }
        // One signed batch goes out while the pool opens the next ones.
        if let Some(batch) = self.released.pop_front() {
            self.write(&batch)?;
            self.spare.push(batch.buf);
        }
        Ok(())
    }
}

impl<R: Read, W: Write, V> Opening<'_, R, W, V> {
    /// Reads the batch that starts at chunk `next_first` into `buf`, with
    /// the look-ahead that tells where the payload ends: a chunk followed by
    /// more than a signature block is a middle chunk.
    fn read_batch(&mut self, buf: Vec<u8>) -> Result<Sealed> {
        let first = self.next_first;
        let (n, at_checkpoint) = self.geometry.take(first);
        let stride = self.geometry.sealed();
        let trailer = if at_checkpoint { CHECKPOINT_LEN } else { 0 };
        let capacity = n * stride + CHECKPOINT_LEN + LOOK_AHEAD;
        let mut filled = self.carry.len();
        let mut batch = Sealed {
            buf,
            stride,
            first,
            count: n,
            chunks: n * stride,
            end: End::More,
            last_len: 0,
        };
        ensure_len(&mut batch.buf, filled, capacity)?;
        batch.buf[..filled].copy_from_slice(&self.carry);
        self.carry.clear();
        // Chunk by chunk, each growing the buffer only as bytes arrive, so a
        // short stream touches only what it holds, whatever its chunk size.
        for j in 1..=n {
            let want = j * stride + LOOK_AHEAD;
            filled += read_growing(&mut self.reader, &mut batch.buf, filled, want, capacity)?;
            if filled < want {
                return batch.into_final(filled);
            }
        }
        // Every chunk is a middle one, and a checkpoint (if due) follows.
        let want = n * stride + trailer + LOOK_AHEAD;
        filled += read_growing(&mut self.reader, &mut batch.buf, filled, want, capacity)?;
        if at_checkpoint {
            batch.end = End::Checkpoint;
        }
        let next = n * stride + trailer;
        self.carry.extend_from_slice(&batch.buf[next..filled]);
        Ok(batch)
    }

    /// Writes the plaintext of an opened batch: its chunks, without their
    /// tags, in one vectored write where the writer takes it (one system
    /// call for a batch of sixteen 64 KiB chunks instead of sixteen). After
    /// a write fails, writes nothing more: a later batch must never follow
    /// a hole.
    fn write(&mut self, batch: &Sealed) -> Result<()> {
        if self.write_failed {
            return Err(OpenError::Io(std::io::Error::other(
                "an earlier write to the output failed",
            )));
        }
        let chunk = self.geometry.chunk;
        let mut pieces: Vec<IoSlice<'_>> = (0..batch.count)
            .map(|j| {
                let len = if j + 1 == batch.count && batch.is_final() {
                    batch.last_len
                } else {
                    chunk
                };
                let at = j * batch.stride;
                IoSlice::new(&batch.buf[at..at + len])
            })
            .filter(|piece| !piece.is_empty())
            .collect();
        let mut slices = &mut pieces[..];
        while !slices.is_empty() {
            match self.writer.write_vectored(slices) {
                Ok(0) => {
                    self.write_failed = true;
                    return Err(OpenError::Io(io::ErrorKind::WriteZero.into()));
                }
                Ok(n) => {
                    self.written += n as u64;
                    IoSlice::advance_slices(&mut slices, n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.write_failed = true;
                    return Err(e.into());
                }
            }
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
            return Err(OpenError::Truncated);
        }
        let sealed = filled - SIGNATURE_BLOCK_LEN;
        self.count = sealed.div_ceil(self.stride);
        if sealed - (self.count - 1) * self.stride < TAG_LEN {
            return Err(OpenError::Truncated);
        }
        self.chunks = sealed;
        self.end = End::Final;
        Ok(self)
    }

    fn next_first(&self) -> Result<u64> {
        self.first.checked_add(counter(self.count)).ok_or(OVERFLOW)
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
            let ctr = first.checked_add(counter(j)).ok_or(OVERFLOW)?;
            let n = keys.open_chunk(ctr, false, slot)?;
            Ok::<_, OpenError>(chunk_hash(&slot[..n]))
        })?;
        if last {
            let ctr = first.checked_add(counter(middle)).ok_or(OVERFLOW)?;
            self.last_len = open_last_chunk(keys, ctr, rest)?;
            hashes.push(chunk_hash(&rest[..self.last_len]));
        }
        Ok(hashes)
    }
}
