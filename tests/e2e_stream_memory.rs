//! 256 MiB through `seal_stream` and `open_stream` in constant memory, and a
//! tiny envelope whose header claims 16 MiB chunks in memory that follows
//! its bytes, not its header.
//!
//! One test, alone in its binary, so that `VmHWM` (peak resident memory)
//! and the peak of live heap bytes measure it only.

mod common;

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use common::*;
use doormat::e2e::{
    overhead, Opener, Sealer, DEFAULT_CHECKPOINT_SPAN, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE,
    STREAM_BATCH_SPAN,
};
use doormat::keys::Identity;

// ----- live heap bytes, current and peak -----

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(by: usize) {
    let now = LIVE.fetch_add(by, Ordering::Relaxed) + by;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: forwards every call to `System` unchanged and only counts sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: AllocLayout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        System.dealloc(ptr, layout);
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: AllocLayout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
            grew(new_size);
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Resets the peak to the current live size; returns the current live size.
fn reset_peak() -> usize {
    let live = LIVE.load(Ordering::Relaxed);
    PEAK.store(live, Ordering::Relaxed);
    live
}

// ----- generator and checker -----

const SEED: u64 = 0x5eed_0fd0_0e00;

/// Yields `remaining` deterministic pseudo-random bytes, never holding more
/// than what the caller asks for; checksums and counts them.
struct Generator {
    rng: SplitMix64,
    remaining: u64,
    fnv: Fnv1a,
    produced: u64,
}

impl Read for Generator {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf
            .len()
            .min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        self.rng.fill(&mut buf[..n]);
        self.fnv.update(&buf[..n]);
        self.remaining -= n as u64;
        self.produced += n as u64;
        Ok(n)
    }
}

/// Checks every written byte against the regenerated stream as it arrives,
/// and checksums and counts them.
struct Checker {
    rng: SplitMix64,
    scratch: Vec<u8>,
    fnv: Fnv1a,
    received: u64,
    first_mismatch: Option<u64>,
}

impl Write for Checker {
    /// Takes at most 64 KiB per call (`write_all` comes back for the rest),
    /// so the checker's own scratch stays small.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let buf = &buf[..buf.len().min(1 << 16)];
        self.scratch.resize(buf.len(), 0);
        self.rng.fill(&mut self.scratch);
        if self.first_mismatch.is_none() && self.scratch[..] != *buf {
            let i = self
                .scratch
                .iter()
                .zip(buf)
                .position(|(a, b)| a != b)
                .unwrap();
            self.first_mismatch = Some(self.received + i as u64);
        }
        self.fnv.update(buf);
        self.received += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Removes the temporary envelope file however the test ends.
struct TempFile(PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn mib(bytes: u64, secs: f64) -> f64 {
    bytes as f64 / (1 << 20) as f64 / secs
}

/// A streaming batch's plaintext: [`STREAM_BATCH_SPAN`], or four chunks per
/// core of rayon's pool if that is more (not on a machine of up to four
/// cores).
fn batch_span() -> usize {
    #[cfg(feature = "parallel")]
    let threads = rayon::current_num_threads();
    #[cfg(not(feature = "parallel"))]
    let threads = 1;
    STREAM_BATCH_SPAN.max(4 * threads * DEFAULT_CHUNK_SIZE as usize)
}

/// 256 MiB (and a bit) sealed from a generator into a file and opened from
/// the file into a checker, with peak memory a few batches.
#[test]
fn stream_256_mib_constant_memory() {
    const LEN: u64 = (256 << 20) + 12_345;
    let alice = Identity::generate();
    let rs = identities(3);
    let to = publics(&rs);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = TempFile(std::env::temp_dir().join(format!(
        "doormat-e2e-stream-{}-{nanos:x}.env",
        std::process::id()
    )));

    let hwm0 = vm_hwm_kib();
    let live0 = reset_peak();

    // Seal: generator → BufWriter<File>.
    let t = Instant::now();
    let mut gen = Generator {
        rng: SplitMix64::new(SEED),
        remaining: LEN,
        fnv: Fnv1a::default(),
        produced: 0,
    };
    let file = File::create(&tmp.0).expect("create temporary file");
    let mut writer = BufWriter::with_capacity(1 << 16, file);
    let sealed = Sealer::new(&alice, &to)
        .seal_stream(&mut gen, &mut writer)
        .expect("seal_stream");
    writer.flush().unwrap();
    writer.into_inner().unwrap().sync_all().unwrap();
    let seal_secs = t.elapsed().as_secs_f64();
    let seal_peak = PEAK.load(Ordering::Relaxed) - live0;
    let hwm1 = vm_hwm_kib();

    assert_eq!(sealed, LEN);
    assert_eq!(gen.produced, LEN);
    let chunks = LEN.div_ceil(u64::from(DEFAULT_CHUNK_SIZE));
    let checkpoints = checkpoint_count(
        LEN as usize,
        DEFAULT_CHUNK_SIZE as usize,
        default_interval(DEFAULT_CHUNK_SIZE),
    ) as u64;
    assert_eq!(
        checkpoints, 64,
        "one signed checkpoint per 4 MiB but the last"
    );
    let env_len = std::fs::metadata(&tmp.0).unwrap().len();
    assert_eq!(
        env_len,
        LEN + overhead(3, false) as u64 + TAG as u64 * chunks + CHECKPOINT as u64 * checkpoints
    );

    // Open: BufReader<File> → checker.
    let live1 = reset_peak();
    let t = Instant::now();
    let mut checker = Checker {
        rng: SplitMix64::new(SEED),
        scratch: Vec::new(),
        fnv: Fnv1a::default(),
        received: 0,
        first_mismatch: None,
    };
    let reader = BufReader::with_capacity(1 << 16, File::open(&tmp.0).unwrap());
    let opened = Opener::new(&rs[2])
        .open_stream(reader, &mut checker)
        .expect("open_stream");
    let open_secs = t.elapsed().as_secs_f64();
    let open_peak = PEAK.load(Ordering::Relaxed) - live1;
    let hwm2 = vm_hwm_kib();

    assert_eq!(opened.plaintext_len(), LEN);
    assert_eq!(opened.sender(), &alice.public());
    assert_eq!(checker.received, LEN);
    assert_eq!(checker.first_mismatch, None, "plaintext differs");
    assert_eq!(checker.fnv, gen.fnv, "checksums differ");

    println!(
        "plaintext {LEN} B ({} chunks of {DEFAULT_CHUNK_SIZE}), envelope {env_len} B",
        chunks
    );
    println!(
        "seal_stream {seal_secs:.2} s ({:.0} MiB/s), open_stream {open_secs:.2} s ({:.0} MiB/s)",
        mib(LEN, seal_secs),
        mib(LEN, open_secs)
    );
    println!(
        "FNV-1a {:016x} both sides; peak live heap: seal +{} KiB, open +{} KiB",
        gen.fnv.0,
        seal_peak >> 10,
        open_peak >> 10
    );
    println!(
        "VmHWM: {hwm0} kB before, {hwm1} kB after seal, {hwm2} kB after open (+{} kB)",
        hwm2 - hwm0
    );

    // Sealing: three batches (one read, one sealed on all cores, one
    // written), each a batch of chunks and their tags. Opening: the
    // plaintext held back until its checkpoint verifies (one checkpoint
    // span, DEFAULT_CHECKPOINT_SPAN = 4 MiB, in batches) and two more
    // batches (one read, one opened). Both also count the test's 64 KiB I/O
    // buffers and scratch, hence the 512 KiB of slack. Nowhere near the
    // 256 MiB that went through.
    let batch = batch_span();
    println!(
        "bounds: seal 3 x {} KiB batches, open {} KiB span + 2 batches, each + 512 KiB",
        batch >> 10,
        DEFAULT_CHECKPOINT_SPAN >> 10
    );
    assert!(
        seal_peak < 3 * batch + (512 << 10),
        "seal_stream held {seal_peak} live bytes"
    );
    assert!(
        open_peak < DEFAULT_CHECKPOINT_SPAN as usize + 2 * batch + (512 << 10),
        "open_stream held {open_peak} live bytes"
    );
    assert!(hwm2 - hwm0 < 16 << 10, "VmHWM grew by {} kB", hwm2 - hwm0);

    tiny_envelopes_of_huge_chunks_hold_only_their_bytes();
}

/// A sender picks the chunk size, up to 16 MiB, and a stream's buffers are
/// sized from it; but they grow only as bytes arrive, so a few hundred bytes
/// claiming 16 MiB chunks cost a few hundred KiB, not a batch of 32 MiB
/// (counted here as the heap asked for, reserved or not, which `VmHWM`
/// would miss).
fn tiny_envelopes_of_huge_chunks_hold_only_their_bytes() {
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let plaintext = b"a few bytes in a huge chunk";
    let live = reset_peak();
    let mut envelope = Vec::new();
    Sealer::new(&alice, &[bob.public()])
        .chunk_size(MAX_CHUNK_SIZE)
        .seal_stream(&plaintext[..], &mut envelope)
        .expect("seal_stream");
    let seal_peak = PEAK.load(Ordering::Relaxed) - live;
    let live = reset_peak();
    let mut opened = Vec::new();
    Opener::new(&bob)
        .open_stream(&envelope[..], &mut opened)
        .expect("open_stream");
    let open_peak = PEAK.load(Ordering::Relaxed) - live;
    assert_eq!(opened, plaintext);
    println!(
        "{}-byte envelope of {MAX_CHUNK_SIZE}-byte chunks: peak live heap seal +{} KiB, open +{} KiB",
        envelope.len(),
        seal_peak >> 10,
        open_peak >> 10
    );
    assert!(seal_peak < 512 << 10, "seal_stream held {seal_peak} bytes");
    assert!(open_peak < 512 << 10, "open_stream held {open_peak} bytes");
}
