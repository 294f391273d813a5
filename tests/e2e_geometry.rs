//! The geometry floor: a chunk is at least 1 KiB, and at least 1 MiB of
//! plaintext lies between two checkpoints (`e2e::MIN_CHUNK_SIZE`,
//! `e2e::MIN_CHECKPOINT_SPAN`). Every chunk costs an opener an AEAD call and
//! a hash, every checkpoint an Ed25519 verification; without the floor a
//! sender could pick 64-byte chunks with a checkpoint after each, and make
//! opening cost about a thousand times more per byte than with the default
//! geometry.
//!
//! * The sealer refuses a chunk size below 1 KiB (`InvalidArgument("chunk
//!   size out of range")`) and a span below 1 MiB (`InvalidArgument
//!   ("checkpoint interval out of range")`), from `seal`, `seal_into` and
//!   `seal_stream` (which then writes nothing), and accepts the edges: 1 KiB
//!   chunks, exactly 1 MiB between checkpoints, one 16 MiB chunk per
//!   checkpoint.
//! * The parser refuses a header with such a geometry with
//!   `OpenError::MalformedHeader` before it reads a single stanza: in memory
//!   and streaming, for a recipient and for anyone else. The envelopes are
//!   built with the independent kit of `common/co_recipient.rs` and signed
//!   by their sender, so they are perfect but for their geometry: before
//!   the floor, every one of them opened.
//!
//! The limits are written out here (1024, 1 MiB), not read from the crate's
//! constants, so these tests check the floor itself.

mod common;
#[allow(dead_code)]
#[path = "common/co_recipient.rs"]
mod kit;

use std::io::{self, Read};

use common::{bytes, checkpoint_count, identity, Layout, FIXED};
use doormat::e2e::{self, Header, OpenError, Opener, SealError, Sealer};
use doormat::keys::Identity;
use kit::Parts;

const KIB: u32 = 1 << 10;
const MIB: u32 = 1 << 20;
const CHUNK_REASON: &str = "chunk size out of range";
const SPAN_REASON: &str = "checkpoint interval out of range";

/// Alice sends to Bob and Carol; Dave is no recipient.
struct Cast {
    alice: Identity,
    bob: Identity,
    carol: Identity,
    dave: Identity,
}

fn cast() -> Cast {
    let id = |i| identity(0x9e0_f100, i);
    Cast {
        alice: id(0),
        bob: id(1),
        carol: id(2),
        dave: id(3),
    }
}

/// A sealer from Alice to Bob and Carol with this chunk size and checkpoint
/// interval (the default interval if `None`).
fn sealer<'a>(
    c: &'a Cast,
    to: &'a [doormat::keys::PublicIdentity],
    cs: u32,
    n: Option<u32>,
) -> Sealer<'a> {
    let sealer = Sealer::new(&c.alice, to).chunk_size(cs);
    match n {
        Some(n) => sealer.checkpoint_interval(n),
        None => sealer,
    }
}

fn refused_with<T>(r: &Result<T, SealError>, reason: &str) -> bool {
    matches!(r, Err(SealError::InvalidArgument(why)) if *why == reason)
}

/// What a sealer gave, without the envelope's bytes.
fn shown<T>(r: &Result<T, SealError>) -> String {
    match r {
        Ok(_) => "an envelope".to_owned(),
        Err(e) => format!("{e:?}"),
    }
}

/// Below the floor, every way to seal refuses, and names the field; at its
/// edges, sealing works, and the envelope opens with the geometry asked for
/// and the checkpoints it implies.
#[test]
fn the_sealer_refuses_geometries_below_the_floor_and_accepts_its_edges() {
    let c = cast();
    let to = [c.bob.public(), c.carol.public()];
    let pt = bytes(1, 3000);
    let below: [(&str, u32, Option<u32>, &str); 7] = [
        ("64-byte chunks", 64, None, CHUNK_REASON),
        (
            "64-byte chunks, a checkpoint per chunk",
            64,
            Some(1),
            CHUNK_REASON,
        ),
        ("1023-byte chunks", KIB - 1, None, CHUNK_REASON),
        (
            "1023-byte chunks, 1 MiB spans",
            KIB - 1,
            Some(1026),
            CHUNK_REASON,
        ),
        (
            "1 KiB × 1023: a span of 1 MiB − 1 KiB",
            KIB,
            Some(1023),
            SPAN_REASON,
        ),
        (
            "64 KiB × 15: a span of 960 KiB",
            64 * KIB,
            Some(15),
            SPAN_REASON,
        ),
        (
            "1 KiB × 1: a checkpoint per chunk",
            KIB,
            Some(1),
            SPAN_REASON,
        ),
    ];
    for (what, cs, n, reason) in below {
        let r = sealer(&c, &to, cs, n).seal(&pt);
        assert!(refused_with(&r, reason), "{what}: seal gave {}", shown(&r));
        let mut out = vec![7u8; 10];
        let r = sealer(&c, &to, cs, n).seal_into(&pt, &mut out);
        assert!(
            refused_with(&r, reason),
            "{what}: seal_into gave {}",
            shown(&r)
        );
        assert!(out.is_empty(), "{what}: seal_into left {} bytes", out.len());
        let mut out = Vec::new();
        let r = sealer(&c, &to, cs, n).seal_stream(&pt[..], &mut out);
        assert!(
            refused_with(&r, reason),
            "{what}: seal_stream gave {}",
            shown(&r)
        );
        assert!(
            out.is_empty(),
            "{what}: seal_stream wrote {} bytes",
            out.len()
        );
    }

    // The edges: 1 KiB chunks with exactly 1 MiB between checkpoints, 64 KiB
    // chunks with 1 MiB, one 16 MiB chunk per checkpoint, and 1 KiB chunks
    // with the default interval (4 MiB).
    let big = bytes(2, 2 * MIB as usize + 1);
    let edges: [(u32, Option<u32>, &[u8], usize); 4] = [
        (KIB, Some(1024), &big, 2),
        (64 * KIB, Some(16), &big, 2),
        (16 * MIB, Some(1), &pt, 0),
        (KIB, None, &big, 0),
    ];
    for (cs, n, pt, checkpoints) in edges {
        let what = format!("chunk {cs} × interval {n:?}, {} bytes", pt.len());
        let env = sealer(&c, &to, cs, n).seal(pt).unwrap();
        let layout = Layout::parse(&env);
        let interval = n.unwrap_or(4 * MIB / cs) as usize;
        assert_eq!(layout.checkpoints.len(), checkpoints, "{what}");
        assert_eq!(
            checkpoint_count(pt.len(), cs as usize, interval),
            checkpoints
        );
        let opened = e2e::open(&c.carol, &env).unwrap();
        assert!(opened.plaintext() == pt, "{what}");
        assert_eq!(opened.header().chunk_size(), cs, "{what}");
        assert_eq!(opened.header().checkpoint_interval() as usize, interval);
        let mut out = Vec::new();
        Opener::new(&c.bob).open_stream(&env[..], &mut out).unwrap();
        assert!(out == pt, "{what}: stream");
        let mut streamed = Vec::new();
        sealer(&c, &to, cs, n)
            .seal_stream(pt, &mut streamed)
            .unwrap();
        assert_eq!(streamed.len(), env.len(), "{what}: seal_stream");
    }
}

/// Alice seals `pt` to Bob and Carol at the floor (1 KiB chunks, 1 MiB
/// spans). Then, with the kit, her own client writes `chunk × interval` into
/// the header, chunks the same plaintext again and signs every checkpoint
/// and the whole: an envelope perfect but for its geometry. Returns Alice's
/// envelope and the hand-built one.
fn hand_built(c: &Cast, chunk: u32, interval: u32, pt: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let to = [c.bob.public(), c.carol.public()];
    let env = sealer(c, &to, KIB, Some(1024)).seal(pt).unwrap();
    let mut parts = Parts::open(&c.bob, &env, b"").unwrap();
    parts.set_geometry(chunk, interval);
    parts.resign(&c.alice);
    assert!(parts.signature_verifies(), "Alice signed it");
    assert_eq!(parts.checkpoints.len(), parts.checkpoint_count());
    let built = parts.seal();
    (env, built)
}

/// A reader that hands out `fixed`, then fails: an opener that reads past
/// the fixed part of the header gets `OpenError::Io`.
struct FixedThenFail<'a> {
    fixed: &'a [u8],
}

impl Read for FixedThenFail<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.fixed.is_empty() {
            return Err(io::Error::other("read past the fixed header"));
        }
        self.fixed.read(buf)
    }
}

fn malformed_with<T: std::fmt::Debug>(r: &Result<T, OpenError>, reason: &str) -> bool {
    matches!(r, Err(OpenError::MalformedHeader(why)) if *why == reason)
}

/// The envelope built by [`hand_built`] with `chunk × interval` is refused
/// with `MalformedHeader(reason)` by every opener, before any stanza is
/// tried: the same error for Dave, who has no stanza (had a stanza been
/// tried, `NotARecipient`), for the fixed 21 bytes alone (had the stanzas
/// been read, `"truncated header"`), from a stream that fails after them
/// (had it read on, `Io`), and with every stanza byte garbled.
fn parser_refuses(chunk: u32, interval: u32, len: usize, reason: &str) {
    let c = cast();
    let what = format!("chunk {chunk} × interval {interval}");
    let pt = bytes(u64::from(chunk), len);
    let (_, env) = hand_built(&c, chunk, interval, &pt);
    assert_eq!(env[11..15], chunk.to_be_bytes(), "{what}: chunk size field");
    assert_eq!(
        env[15..19],
        interval.to_be_bytes(),
        "{what}: interval field"
    );
    // The kit reads FORMAT.md the same way.
    assert!(!kit::geometry_allowed(chunk as usize, interval as usize));
    assert_eq!(
        Parts::open(&c.carol, &env, b""),
        Err("geometry out of range".to_owned()),
        "{what}: the kit"
    );

    let r = Header::parse(&env);
    assert!(
        malformed_with(&r, reason),
        "{what}: Header::parse gave {r:?}"
    );
    let mut garbled = env.clone();
    let core_end = Layout::parse(&env).core.end;
    garbled[FIXED..core_end].fill(0xa5);
    for (name, input) in [
        ("the envelope", &env[..]),
        ("the fixed header alone", &env[..FIXED]),
        ("every stanza byte garbled", &garbled[..]),
    ] {
        for (who, id) in [("Carol", &c.carol), ("Dave", &c.dave)] {
            let case = format!("{what}, {name}, {who}");
            let r = e2e::open(id, input);
            assert!(malformed_with(&r, reason), "{case}: open gave {r:?}");
            let mut buf = vec![1u8; 100];
            let r = Opener::new(id).open_into(input, &mut buf);
            assert!(malformed_with(&r, reason), "{case}: open_into gave {r:?}");
            assert!(buf.is_empty(), "{case}: open_into left bytes");
            let mut out = Vec::new();
            let r = Opener::new(id).open_stream(input, &mut out);
            assert!(malformed_with(&r, reason), "{case}: open_stream gave {r:?}");
            assert!(out.is_empty(), "{case}: open_stream wrote bytes");
        }
    }
    let stream = FixedThenFail {
        fixed: &env[..FIXED],
    };
    let r = Opener::new(&c.carol).open_stream(stream, io::sink());
    assert!(
        malformed_with(&r, reason),
        "{what}: read past the fixed header: {r:?}"
    );

    // Control: the same construction at the floor is Alice's own envelope,
    // byte for byte, and at 64 KiB × 16 (also 1 MiB) it opens as hers.
    let (alice, same) = hand_built(&c, KIB, 1024, &pt);
    assert!(same == alice, "{what}: control");
    let (_, at_floor) = hand_built(&c, 64 * KIB, 16, &pt);
    let opened = e2e::open(&c.carol, &at_floor).unwrap();
    assert_eq!(opened.sender(), &c.alice.public(), "{what}: control");
    assert!(opened.plaintext() == &pt[..], "{what}: control");
    let mut out = Vec::new();
    Opener::new(&c.carol)
        .open_stream(&at_floor[..], &mut out)
        .unwrap();
    assert!(out == pt, "{what}: control, streaming");
}

/// 64-byte chunks with a checkpoint after every one (47 chunks, 46
/// checkpoints, each signed by Alice): `"chunk size out of range"`.
#[test]
fn the_parser_refuses_64_byte_chunks_with_a_checkpoint_per_chunk() {
    parser_refuses(64, 1, 3000, CHUNK_REASON);
}

/// 1 KiB chunks with a checkpoint every 1023 chunks, a span of 1 MiB − 1 KiB
/// (1027 chunks, one checkpoint): `"checkpoint interval out of range"`.
#[test]
fn the_parser_refuses_a_span_of_1_mib_less_1_kib() {
    parser_refuses(KIB, 1023, MIB as usize + 3000, SPAN_REASON);
}

/// 64 KiB chunks with a checkpoint every 15 chunks, a span of 960 KiB (32
/// chunks, two checkpoints): `"checkpoint interval out of range"`.
#[test]
fn the_parser_refuses_64_kib_chunks_with_a_checkpoint_every_15() {
    parser_refuses(64 * KIB, 15, 2 * MIB as usize, SPAN_REASON);
}
