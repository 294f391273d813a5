//! Streaming on all cores. The payload goes through in *batches* of chunks,
//! in a pipeline: up to a few batches are sealed or opened in place on the
//! pool while the caller's thread reads the next batch and finishes the
//! oldest one (folds its chunk hashes into the digest, signs or verifies a
//! checkpoint, writes). The pool never waits for the caller's thread, and
//! memory stays a few batches. Only the reader and the writer stay on the
//! caller's thread: they need not be `Send`.
//!
//! A batch ends at the next checkpoint or after [`batch_chunks`] chunks,
//! whichever comes first, so a checkpoint only ever follows a whole batch.
//!
//! * Sealing holds [`SEAL_DEPTH`] batches: being read, sealed or written.
//! * Opening holds back every batch until the sender's signature over it
//!   verifies (one checkpoint span, `N × C` bytes at most) and writes one
//!   signed batch each time it finishes one, while the next span is
//!   opened: at most the span plus [`OPEN_DEPTH`] batches.

mod open;
mod seal;

pub(crate) use open::{open, Verify};
pub(crate) use seal::seal;

use std::io::{self, Read};

use super::format::read_up_to;
use super::payload::ChunkHash;
use super::pool;
use super::SIGNATURE_BLOCK_LEN;
use crate::hpke::TAG_LEN;

/// A streaming batch holds this much plaintext (at least one chunk), or four
/// chunks per core of the pool if that is more (on a machine of more than
/// four cores, with 64 KiB chunks). Big enough that handing a batch to the
/// pool costs little next to sealing it; small enough that `seal_stream`'s
/// three batches, and the two that `open_stream` adds to its checkpoint
/// span, stay a few MiB. A batch also ends at every checkpoint.
pub const STREAM_BATCH_SPAN: usize = 1 << 20;

/// On a machine with many cores a batch grows to this many chunks per core.
const CHUNKS_PER_CORE: usize = 4;

/// A batch never holds more than this many bytes of plaintext, however many
/// cores and however large the chunks (unless one chunk is larger): what a
/// header's chunk size can make an opener reserve is bounded by it.
pub(crate) const MAX_BATCH_SPAN: usize = 32 << 20;

/// The first step in which a batch buffer grows while bytes arrive; each
/// step after it doubles what was read, so memory follows the bytes the
/// stream really holds, not what its header claims.
const FIRST_STEP: usize = 64 << 10;

/// Batches in flight while sealing: one being read, one being sealed, one
/// waiting (or being written), so the pool always has the next batch.
const SEAL_DEPTH: usize = 3;

/// Batches in flight while opening, on top of the held-back span.
const OPEN_DEPTH: usize = 2;

/// How many chunks of `chunk` bytes a batch holds at most: see
/// [`STREAM_BATCH_SPAN`], and at most [`MAX_BATCH_SPAN`] bytes (but one
/// chunk). Never more than a checkpoint interval in practice, since a batch
/// also ends at every checkpoint.
pub(crate) fn batch_chunks(chunk: usize) -> usize {
    let span = STREAM_BATCH_SPAN
        .max(CHUNKS_PER_CORE * pool::threads() * chunk)
        .min(MAX_BATCH_SPAN);
    (span / chunk).max(1)
}

/// A chunk is a middle one once more than a signature block follows it.
const LOOK_AHEAD: usize = SIGNATURE_BLOCK_LEN + 1;

/// Reads from `reader` into `buf[from..want]`, growing `buf` step by step
/// as the bytes arrive (each step at most doubles what is there, and no
/// reservation goes past `capacity`, the batch's size), until `want` or the
/// end of the stream. Returns how many bytes were read.
///
/// So a header that claims 16 MiB chunks costs an opener what the stream
/// really carries, not 16 MiB per chunk per core; and an allocation that
/// fails is an error (`io::ErrorKind::OutOfMemory`), not an abort.
fn read_growing(
    reader: &mut impl Read,
    buf: &mut Vec<u8>,
    from: usize,
    want: usize,
    capacity: usize,
) -> io::Result<usize> {
    let mut at = from;
    while at < want {
        let step = want.min(at + FIRST_STEP.max(at));
        ensure_len(buf, step, capacity)?;
        let n = read_up_to(reader, &mut buf[at..step])?;
        at += n;
        if at < step {
            break;
        }
    }
    Ok(at - from)
}

/// Makes `buf` at least `len` bytes long, reserving capacity by doubling
/// (never past `capacity`, unless `len` is), and reporting a failed
/// allocation as an error.
fn ensure_len(buf: &mut Vec<u8>, len: usize, capacity: usize) -> io::Result<()> {
    if buf.capacity() < len {
        let target = len.max(buf.capacity().saturating_mul(2).min(capacity));
        buf.try_reserve_exact(target - buf.len()).map_err(|_| {
            io::Error::new(
                io::ErrorKind::OutOfMemory,
                format!("cannot reserve {target} bytes for a streaming batch"),
            )
        })?;
    }
    if buf.len() < len {
        buf.resize(len, 0);
    }
    Ok(())
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

/// The caller's side of a streaming pass, on the caller's thread.
trait Stages {
    type Batch: Send;
    /// The pass's error: sealing's or opening's.
    type Error: Send;
    /// Reads the next batch; `None` after the last one.
    fn read(&mut self) -> Result<Option<Self::Batch>, Self::Error>;
    /// Takes a batch back from the pool, in order, with what sealing or
    /// opening it gave.
    fn finish(
        &mut self,
        batch: Self::Batch,
        hashes: Result<Vec<ChunkHash>, Self::Error>,
    ) -> Result<(), Self::Error>;
}

/// Runs a streaming pass: up to `depth` batches go through `work` on the
/// pool at once, while this thread reads the next ones and finishes the
/// oldest, in order (on the caller's own rayon pool, each batch on this
/// thread with its chunks spread over the pool). The first error in stream
/// order wins, as in a pass that reads, processes and finishes one batch
/// at a time.
fn run<S, F>(stages: &mut S, depth: usize, work: &F) -> Result<(), S::Error>
where
    S: Stages,
    F: Fn(&mut S::Batch) -> Result<Vec<ChunkHash>, S::Error> + Sync,
{
    #[cfg(feature = "parallel")]
    if let Some(pool) = pool::workers() {
        use std::collections::VecDeque;
        use std::panic::{self, AssertUnwindSafe};
        use std::sync::mpsc;

        let (tx, rx) = mpsc::channel();
        return pool.in_place_scope(|scope| {
            // The batches in flight, oldest first; `Some` once back.
            type Back<B, E> = Option<(B, std::thread::Result<Result<Vec<ChunkHash>, E>>)>;
            let mut in_flight: VecDeque<Back<S::Batch, S::Error>> = VecDeque::new();
            let (mut next, mut oldest) = (0usize, 0usize);
            let mut more = true;
            // A read error is reported after the batches before it finish,
            // as a one-batch-at-a-time pass would.
            let mut read_error = None;
            loop {
                while more && in_flight.len() < depth {
                    let mut batch = match stages.read() {
                        Ok(Some(batch)) => batch,
                        Ok(None) => {
                            more = false;
                            break;
                        }
                        Err(e) => {
                            (more, read_error) = (false, Some(e));
                            break;
                        }
                    };
                    if pool.may_wait() {
                        let (tx, index) = (tx.clone(), next);
                        scope.spawn(move |_| {
                            // A panic comes back as a value, so nobody waits forever.
                            let done = panic::catch_unwind(AssertUnwindSafe(|| work(&mut batch)));
                            let _ = tx.send((index, batch, done));
                        });
                        in_flight.push_back(None);
                    } else {
                        // On the caller's own pool: this batch here, its
                        // chunks over the pool (see `Workers::may_wait`).
                        let hashes = work(&mut batch);
                        in_flight.push_back(Some((batch, Ok(hashes))));
                    }
                    next += 1;
                }
                if in_flight.is_empty() {
                    return read_error.map_or(Ok(()), Err);
                }
                while in_flight[0].is_none() {
                    let (index, batch, done) = rx.recv().expect("every task sends");
                    in_flight[index - oldest] = Some((batch, done));
                }
                let (batch, done) = in_flight.pop_front().flatten().expect("the oldest is back");
                oldest += 1;
                let hashes = done.unwrap_or_else(|p| panic::resume_unwind(p));
                stages.finish(batch, hashes)?;
            }
        });
    }
    // One batch at a time, on this thread: without `parallel`, or on a
    // system that refused the pool its threads.
    let _ = depth;
    while let Some(mut batch) = stages.read()? {
        let hashes = work(&mut batch);
        stages.finish(batch, hashes)?;
    }
    Ok(())
}
