//! Streaming `doormat::e2e`: `seal_stream` and `open_stream` agree with the
//! in-memory functions whatever the reader's and writer's granularity, release
//! only authenticated chunks, and report I/O errors as `SealError::Io` and
//! `OpenError::Io`.

mod common;

use std::io::{self, Read, Write};

use common::*;
use doormat::e2e::{self, OpenError, Opener, PayloadCipher, SealError, Sealer, DEFAULT_CHUNK_SIZE};
use doormat::keys::Identity;

/// seal_stream → open, seal → open_stream, and stream → stream, for sizes
/// around chunk boundaries, with byte-at-a-time (and interrupted) readers
/// and byte-at-a-time writers.
#[test]
fn stream_round_trip_matches_memory() {
    let alice = Identity::generate();
    let rs = identities(3);
    let to = publics(&rs);
    let fps = fingerprints(&to);
    let mut cases = 0;
    for (cs, cipher, key_ids) in [
        (1024u32, PayloadCipher::ChaCha20Poly1305, false),
        (1500, PayloadCipher::Aes256Gcm, true),
        (DEFAULT_CHUNK_SIZE, PayloadCipher::ChaCha20Poly1305, false),
    ] {
        let c = cs as usize;
        let mut sizes = vec![0, 1, c - 1, c, c + 1, 2 * c, 3 * c - 1, 3 * c + 1];
        if c < 4096 {
            sizes.extend([17 * c, 17 * c + 5]);
        }
        for len in sizes {
            let pt = bytes(len as u64 + 1, len);
            let what = format!("chunk {cs} {cipher:?} key_ids={key_ids} len {len}");
            let sealer = Sealer::new(&alice, &to)
                .chunk_size(cs)
                .cipher(cipher)
                .key_ids(key_ids)
                .associated_data(b"stream");
            let opener = |r| Opener::new(&rs[r]).associated_data(b"stream");

            // seal_stream → open (memory).
            let mut streamed = Vec::new();
            let n = sealer.seal_stream(&pt[..], &mut streamed).unwrap();
            assert_eq!(n, len as u64, "{what}: seal_stream count");
            let env_len = expected_len(len, 3, key_ids, cs);
            assert_eq!(streamed.len(), env_len, "{what}: stream envelope length");
            let opened = opener(0).open(&streamed).unwrap();
            assert!(opened.plaintext() == pt, "{what}: stream → memory");
            assert_eq!(opened.sender(), &alice.public());
            assert_eq!(opened.recipients(), &fps[..]);

            // seal (memory) → open_stream, same layout as the streamed one.
            let mem = sealer.seal(&pt).unwrap();
            assert_eq!(mem.len(), streamed.len(), "{what}: same length both ways");
            let (lm, ls) = (Layout::parse(&mem), Layout::parse(&streamed));
            assert_eq!(lm.header, ls.header);
            assert_eq!(lm.chunks, ls.chunks);
            assert_eq!(mem[..17], streamed[..17], "{what}: same fixed header");
            let mut out = Vec::new();
            let so = opener(1).open_stream(&mem[..], &mut out).unwrap();
            assert!(out == pt, "{what}: memory → stream");
            assert_eq!(so.plaintext_len(), len as u64);
            assert_eq!(so.sender(), &alice.public());
            assert_eq!(so.recipients(), &fps[..]);
            assert_eq!(so.header().chunk_size(), cs);
            assert_eq!(so.header().cipher(), cipher);
            assert_eq!(so.header().has_key_ids(), key_ids);

            // Byte-at-a-time everywhere (small payloads only: it is slow on purpose).
            if len <= 30_000 {
                let mut trickled = Vec::new();
                let n = sealer
                    .seal_stream(Trickle::new(&pt[..]), OneByteWriter(Vec::new()))
                    .unwrap();
                assert_eq!(n, len as u64);
                sealer
                    .seal_stream(Trickle::new(&pt[..]), &mut trickled)
                    .unwrap();
                assert_eq!(trickled.len(), env_len);
                assert!(
                    opener(2).open(&trickled).unwrap().plaintext() == pt,
                    "{what}"
                );
                let mut w = OneByteWriter(Vec::new());
                let so = opener(2)
                    .open_stream(Trickle::new(&trickled[..]), &mut w)
                    .unwrap();
                assert!(w.0 == pt, "{what}: trickle → trickle");
                assert_eq!(so.plaintext_len(), len as u64);
                let mut w = OneByteWriter(Vec::new());
                opener(0)
                    .open_stream(Trickle::new(&mem[..]), &mut w)
                    .unwrap();
                assert!(w.0 == pt, "{what}: memory → trickle");
            }
            cases += 1;
        }
    }
    println!("{cases} size/option combinations, each sealed and opened 4-8 ways");
}

/// A damaged chunk stops `open_stream` before anything of it (or after it)
/// reaches the writer: what was written is a prefix of the plaintext that
/// ends at or before the damaged chunk — the signed batches (16 chunks of
/// 64 KiB each, here: 1 MiB, the least span allowed) before the batch that
/// holds it.
#[test]
fn stream_releases_only_authenticated_chunks() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let cs = 64usize << 10;
    let every = 16;
    // Five checkpoints and a last chunk of 100 bytes.
    let pt = bytes(9, 5 * every * cs + 100);
    let env = Sealer::new(&alice, &[bob.public()])
        .chunk_size(cs as u32)
        .checkpoint_interval(every as u32)
        .seal(&pt)
        .unwrap();
    let layout = Layout::parse(&env);
    assert_eq!(layout.chunks.len(), 5 * every + 1);
    assert_eq!(layout.checkpoints.len(), 5);
    for (i, c) in layout.chunks.iter().enumerate() {
        let bad = flipped(&env, c.start + c.len() / 2, 3);
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&bad[..], &mut out);
        assert!(
            matches!(r, Err(OpenError::PayloadTampered)),
            "chunk {i}: {r:?}"
        );
        assert!(out.len() <= i * cs, "chunk {i}: wrote {} bytes", out.len());
        assert!(
            pt.starts_with(&out),
            "chunk {i}: wrote bytes that are not the plaintext"
        );
        // Batch-by-batch release: every signed batch before the damage arrived.
        let signed = i / every * every * cs;
        assert_eq!(out.len(), signed, "chunk {i}: earlier batches are released");
    }
    // A swapped pair releases exactly the chunks before the first of them.
    let (a, b) = (
        layout.chunks[every].clone(),
        layout.chunks[every + 1].clone(),
    );
    let bad = swapped(&env, a, b);
    let mut out = Vec::new();
    let r = Opener::new(&bob).open_stream(&bad[..], &mut out);
    assert!(matches!(r, Err(OpenError::PayloadTampered)), "{r:?}");
    assert_eq!(out, pt[..every * cs]);
}

/// A reader that yields `ok` bytes of zeros, then fails.
struct FailingReader {
    ok: usize,
}

impl Read for FailingReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("reader broke"));
        }
        let n = buf.len().min(self.ok);
        buf[..n].fill(0);
        self.ok -= n;
        Ok(n)
    }
}

/// A writer that accepts `ok` bytes, then fails.
struct FailingWriter {
    ok: usize,
}

impl Write for FailingWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.ok == 0 {
            return Err(io::Error::other("writer broke"));
        }
        let n = buf.len().min(self.ok);
        self.ok -= n;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn assert_io<T: std::fmt::Debug, E: Into<doormat::Error>>(what: &str, r: Result<T, E>, msg: &str) {
    let r = r.map_err(Into::into);
    if let Err(e) = &r {
        assert_eq!(e.kind(), doormat::ErrorKind::Io, "{what}: {e:?}");
    }
    match r {
        Err(doormat::Error::Seal(SealError::Io(e)) | doormat::Error::Open(OpenError::Io(e))) => {
            assert_eq!(e.to_string(), msg, "{what}")
        }
        other => panic!("{what}: expected an I/O error, got {other:?}"),
    }
}

/// Reader and writer failures surface as `SealError::Io` or `OpenError::Io`
/// with the cause, from
/// both directions, at the start, in the middle and at the end.
#[test]
fn stream_io_errors_are_reported() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let sealer = Sealer::new(&alice, &to).chunk_size(1024);
    let pt = bytes(4, 8000);
    let env = sealer.seal(&pt).unwrap();
    for ok in [0, 1, 1023, 1024, 1025, 7999] {
        assert_io(
            &format!("seal_stream, reader fails after {ok}"),
            sealer.seal_stream(FailingReader { ok }, io::sink()),
            "reader broke",
        );
    }
    for ok in [0, 10, 300, env.len() - 1] {
        assert_io(
            &format!("seal_stream, writer fails after {ok}"),
            sealer.seal_stream(&pt[..], FailingWriter { ok }),
            "writer broke",
        );
        assert_io(
            &format!("open_stream, writer fails after {ok}"),
            Opener::new(&bob).open_stream(
                &env[..],
                FailingWriter {
                    ok: ok.min(pt.len() - 1),
                },
            ),
            "writer broke",
        );
    }
    let header_len = Layout::parse(&env).header.end;
    for ok in [0, 3, 30, header_len + 10, env.len() - 100, env.len() - 1] {
        let r =
            Opener::new(&bob).open_stream((&env[..ok]).chain(FailingReader { ok: 0 }), io::sink());
        assert_io(
            &format!("open_stream, reader fails after {ok}"),
            r,
            "reader broke",
        );
    }
    // Sanity: the same envelope opens when nothing fails.
    assert_eq!(e2e::open(&bob, &env).unwrap().plaintext(), &pt[..]);
}

/// A reader that reports having read more bytes than it was given room for.
struct Liar<'a> {
    inner: &'a [u8],
    extra: usize,
}

impl Read for Liar<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        Ok(if n == 0 { 0 } else { n + self.extra })
    }
}

/// A misbehaving `Read` that over-reports is clamped: streaming openers and
/// sealers return a typed error or a result, never panic on a slice.
#[test]
fn a_reader_that_over_reports_cannot_cause_a_panic() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let sealer = Sealer::new(&alice, &to).chunk_size(1024);
    let pt = bytes(5, 8000);
    let env = sealer.seal(&pt).unwrap();
    for extra in [1, 7, 1 << 20] {
        let opened = std::panic::catch_unwind(|| {
            Opener::new(&bob).open_stream(Liar { inner: &env, extra }, io::sink())
        });
        let opened = opened.unwrap_or_else(|_| panic!("open_stream panicked (extra {extra})"));
        assert!(
            opened.is_err(),
            "a lying reader cannot produce a valid open"
        );
        let sealed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            sealer.seal_stream(Liar { inner: &pt, extra }, io::sink())
        }));
        assert!(sealed.is_ok(), "seal_stream panicked (extra {extra})");
    }
}

/// Records the length of every write.
#[derive(Default)]
struct Writes(Vec<usize>);

impl Write for Writes {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.push(buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// `open_stream` releases plaintext one signed checkpoint at a time: no
/// write straddles a checkpoint boundary, and an envelope cut after
/// checkpoint `k` releases exactly the `k` signed batches, then fails. The
/// chunks are 100,000 bytes, 11 to a checkpoint: a span of 1.1 MB, just
/// over the 1 MiB floor and longer than a streaming work batch.
#[test]
fn checkpoints_release_signed_batches_only() {
    let alice = Identity::generate();
    let bob = Identity::generate();
    let to = [bob.public()];
    let (chunk, interval) = (100_000usize, 11u32);
    let batch = chunk * interval as usize;
    assert!(batch > e2e::STREAM_BATCH_SPAN && batch as u64 >= e2e::MIN_CHECKPOINT_SPAN);
    let pt = bytes(6, 35 * chunk + 42);
    let env = Sealer::new(&alice, &to)
        .chunk_size(chunk as u32)
        .checkpoint_interval(interval)
        .seal(&pt)
        .unwrap();
    let layout = Layout::parse(&env);
    assert_eq!(layout.chunks.len(), 36);
    assert_eq!(layout.checkpoints.len(), 3, "after chunks 10, 21 and 32");

    let mut writes = Writes::default();
    let opened = Opener::new(&bob)
        .open_stream(&env[..], &mut writes)
        .unwrap();
    assert_eq!(opened.plaintext_len(), pt.len() as u64);
    let ends: Vec<usize> = writes
        .0
        .iter()
        .scan(0, |at, w| {
            *at += w;
            Some(*at)
        })
        .collect();
    for k in 1..=3 {
        assert!(
            ends.contains(&(k * batch)),
            "a write ends at checkpoint {k}: {ends:?}"
        );
    }
    assert_eq!(ends.last(), Some(&pt.len()));

    // Cut one byte after checkpoint k: k signed batches, then Truncated.
    // Cut right at its end, the checkpoint could still be a signature block
    // (its chunk the last), so its batch stays held back.
    for (k, cp) in layout.checkpoints.iter().enumerate() {
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&env[..cp.end + 1], &mut out);
        assert!(
            matches!(r, Err(OpenError::Truncated)),
            "after checkpoint {}",
            k + 1
        );
        assert_eq!(
            out,
            pt[..(k + 1) * batch],
            "signed prefix after checkpoint {}",
            k + 1
        );
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&env[..cp.end], &mut out);
        assert!(
            matches!(r, Err(OpenError::Truncated)),
            "at checkpoint {}",
            k + 1
        );
        assert_eq!(out, pt[..k * batch], "held back at checkpoint {}", k + 1);
        // Cut inside the checkpoint: the batch before it is held back.
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&env[..cp.start + 40], &mut out);
        assert!(r.is_err());
        assert_eq!(out, pt[..k * batch], "inside checkpoint {}", k + 1);
        // A checkpoint block out of place fails its tag.
        let moved = swapped(&env, cp.clone(), layout.signature.clone());
        let mut out = Vec::new();
        let r = Opener::new(&bob).open_stream(&moved[..], &mut out);
        assert!(matches!(r, Err(OpenError::PayloadTampered)), "{r:?}");
        assert!(matches!(
            e2e::open(&bob, &moved),
            Err(OpenError::PayloadTampered)
        ));
    }
}

/// A writer that fails once, transiently (`WouldBlock`), after `ok` bytes,
/// and would take everything after that: what a non-blocking pipe does.
struct FailsOnce {
    ok: usize,
    failed: bool,
    out: Vec<u8>,
    after_failure: usize,
}

impl Write for FailsOnce {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.failed {
            self.after_failure += buf.len();
            self.out.extend_from_slice(buf);
            return Ok(buf.len());
        }
        let room = self.ok - self.out.len();
        if room == 0 {
            self.failed = true;
            return Err(io::Error::new(io::ErrorKind::WouldBlock, "try again"));
        }
        let n = room.min(buf.len());
        self.out.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// After the writer fails once, `open_stream` writes nothing more: the
/// output is a prefix of the plaintext, never signed pieces with a hole
/// between them (the failed batch missing, the next ones written).
#[test]
fn a_failed_write_ends_the_output() {
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to = [bob.public()];
    // Default geometry: 64 KiB chunks, a checkpoint every 4 MiB, so several
    // signed batches are in flight when the writer fails.
    let pt = bytes(7, 9 << 20);
    let env = Sealer::new(&alice, &to).seal(&pt).unwrap();
    for ok in [1 << 20, (1 << 20) + 12345, 4 << 20, (5 << 20) + 1] {
        let mut w = FailsOnce {
            ok,
            failed: false,
            out: Vec::new(),
            after_failure: 0,
        };
        let r = Opener::new(&bob).open_stream(&env[..], &mut w);
        assert!(matches!(r, Err(OpenError::Io(_))), "ok {ok}: {r:?}");
        assert!(w.failed, "ok {ok}: the writer failed");
        assert_eq!(
            w.after_failure, 0,
            "ok {ok}: bytes written after the failure"
        );
        assert_eq!(w.out.len(), ok, "ok {ok}");
        assert_eq!(&w.out[..], &pt[..ok], "ok {ok}: a prefix of the plaintext");
    }
}
