//! Streaming in batches: `seal_stream` and `open_stream` hand the payload to
//! the pool in batches of [`STREAM_BATCH_SPAN`] bytes that also end at every
//! checkpoint. With 1 KiB chunks (the smallest allowed) a batch is 1,024
//! chunks; with a checkpoint every 2,500 chunks a span (2.4 MiB, above the
//! 1 MiB floor) is two full batches and a short one. Around every kind of boundary the streamed envelope is byte for byte
//! the in-memory one, and a damaged or cut stream releases exactly the
//! signed spans before the damage.

mod common;

use common::*;
use doormat::e2e::{OpenError, Opener, Sealer, SIGNATURE_BLOCK_LEN, STREAM_BATCH_SPAN};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};

const CHUNK: usize = 1024;
const INTERVAL: usize = 2_500;
/// Chunks per batch at this chunk size.
const BATCH: usize = STREAM_BATCH_SPAN / CHUNK;
// A span is 2.4 batches: whole batches, then a short one cut by the checkpoint.
const _: () = assert!(BATCH < INTERVAL && INTERVAL < 3 * BATCH);
// And a span the format allows: at least 1 MiB, at most 16 MiB.
const _: () = assert!(INTERVAL * CHUNK >= 1 << 20 && INTERVAL * CHUNK <= 16 << 20);

#[test]
fn batched_streams_match_memory_byte_for_byte() {
    let alice = Identity::generate();
    let rs = identities(2);
    let to = publics(&rs);
    let sizes = [
        BATCH * CHUNK - 1,
        BATCH * CHUNK,
        BATCH * CHUNK + 1,
        2 * BATCH * CHUNK,
        INTERVAL * CHUNK - 1,
        INTERVAL * CHUNK,
        INTERVAL * CHUNK + 1,
        (INTERVAL + BATCH) * CHUNK + 7,
        2 * INTERVAL * CHUNK,
        2 * INTERVAL * CHUNK + 1,
    ];
    for (i, len) in sizes.into_iter().enumerate() {
        let what = format!(
            "{len} bytes ({:.3} spans)",
            len as f64 / (INTERVAL * CHUNK) as f64
        );
        let pt = bytes(i as u64, len);
        let sealer = || {
            Sealer::new(&alice, &to)
                .chunk_size(CHUNK as u32)
                .checkpoint_interval(INTERVAL as u32)
        };
        let (mut rng_a, mut rng_b) = (
            SeededRng::from_seed([i as u8; 32]),
            SeededRng::from_seed([i as u8; 32]),
        );
        let memory = sealer().rng(&mut rng_a).seal(&pt).unwrap();
        let mut streamed = Vec::new();
        let n = sealer()
            .rng(&mut rng_b)
            .seal_stream(&pt[..], &mut streamed)
            .unwrap();
        assert_eq!(n, len as u64, "{what}");
        assert!(streamed == memory, "{what}: seal_stream = seal");
        assert_eq!(
            Layout::parse(&memory).checkpoints.len(),
            checkpoint_count(len, CHUNK, INTERVAL),
            "{what}"
        );

        let mut out = Vec::with_capacity(len);
        let opened = Opener::new(&rs[1])
            .open_stream(&memory[..], &mut out)
            .unwrap();
        assert_eq!(opened.plaintext_len(), len as u64, "{what}");
        assert!(out == pt, "{what}: open_stream");
    }
}

#[test]
fn a_damaged_batch_releases_exactly_the_signed_spans_before_it() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let count = 2 * INTERVAL + 5;
    let pt = bytes(77, count * CHUNK - 3);
    let envelope = Sealer::new(&alice, &to)
        .chunk_size(CHUNK as u32)
        .checkpoint_interval(INTERVAL as u32)
        .seal(&pt)
        .unwrap();
    let layout = Layout::parse(&envelope);
    assert_eq!(layout.chunks.len(), count);
    assert_eq!(layout.checkpoints.len(), 2);
    let span = INTERVAL * CHUNK;
    let signed_before = |chunk: usize| &pt[..(chunk / INTERVAL) * span];

    for chunk in [
        0,
        BATCH - 1,
        BATCH,
        2 * BATCH,
        INTERVAL - 1,
        INTERVAL,
        INTERVAL + BATCH,
        2 * INTERVAL - 1,
        count - 1,
    ] {
        // A flipped bit in the chunk: the batch that holds it fails.
        let damaged = flipped(&envelope, layout.chunks[chunk].start + 3, 4);
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&damaged[..], &mut out);
        assert!(
            matches!(r, Err(OpenError::PayloadTampered)),
            "chunk {chunk}: {r:?}"
        );
        assert!(
            out == signed_before(chunk),
            "chunk {chunk}: {} bytes",
            out.len()
        );

        // Cut after the chunk and 80 more bytes (which pass for a signature
        // block): the chunk opens only as a middle chunk.
        if chunk + 1 < count && (chunk + 1) % INTERVAL != 0 {
            let cut = &envelope[..layout.chunks[chunk].end + SIGNATURE_BLOCK_LEN];
            let mut out = Vec::new();
            let r = Opener::new(&bob).open_stream(cut, &mut out);
            assert!(
                matches!(r, Err(OpenError::Truncated)),
                "cut after {chunk}: {r:?}"
            );
            assert!(out == signed_before(chunk), "cut after {chunk}");
        }
    }

    // A writer that takes everything: the whole plaintext, in order.
    let mut out = Vec::new();
    Opener::new(&bob)
        .open_stream(&envelope[..], &mut out)
        .unwrap();
    assert!(out == pt);
}

/// A caller whose every rayon thread streams at once: each stream's batches
/// must not wait on a channel for jobs that only a waiting thread could run.
/// Against a pool of two threads, each sealing and opening several batches,
/// every stream ends with its own bytes, and ends at all: a deadlock fails
/// the test after two minutes instead of hanging the suite.
#[cfg(feature = "parallel")]
#[test]
fn streams_on_every_thread_of_the_callers_pool_finish() {
    use rayon::prelude::*;
    use std::sync::mpsc;
    use std::time::Duration;

    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let alice = Identity::generate();
        let rs = identities(2);
        let to = publics(&rs);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        let len = 5 * BATCH * CHUNK + 11;
        let outcomes: Vec<bool> = pool.install(|| {
            (0..6u64)
                .into_par_iter()
                .map(|i| {
                    let pt = bytes(100 + i, len);
                    let mut sealed = Vec::new();
                    Sealer::new(&alice, &to)
                        .chunk_size(CHUNK as u32)
                        .seal_stream(&pt[..], &mut sealed)
                        .unwrap();
                    let mut out = Vec::new();
                    Opener::new(&rs[(i % 2) as usize])
                        .open_stream(&sealed[..], &mut out)
                        .unwrap();
                    out == pt
                })
                .collect()
        });
        let _ = tx.send(outcomes);
    });
    let outcomes = rx
        .recv_timeout(Duration::from_secs(120))
        .expect("six streams on a two-thread pool end within two minutes");
    assert_eq!(outcomes, vec![true; 6]);
}
