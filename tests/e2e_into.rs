//! `Sealer::seal_into` and `Opener::open_into`: the in-memory envelope in a
//! caller's buffer. Same bytes as `seal`, same checks as `open`, the buffer's
//! allocation reused, and an error leaves the buffer empty.

mod common;

use common::*;
use doormat::e2e::{
    self, OpenError, Opener, PayloadCipher, SealError, Sealer, SIGNATURE_BLOCK_LEN,
};
use doormat::keys::Identity;
use doormat::random::{SeedableRng, SeededRng};

/// With the same generator, `seal_into` writes exactly the bytes `seal`
/// returns, whatever the buffer held before (shorter, longer, garbage), and
/// `open_into` yields exactly what `open` does.
#[test]
fn into_buffers_match_the_simple_functions() {
    let alice = Identity::generate();
    let rs = identities(2);
    let to = publics(&rs);
    let mut envelope = vec![0xa5; 3];
    let mut plaintext = vec![0x5a; 100_000];
    // Each geometry at least 1 MiB between checkpoints (the floor), so the
    // payloads that cross checkpoints are a few MiB: 1 KiB chunks with three
    // checkpoints, 1500-byte chunks with two, 64 KiB chunks with two.
    for (len, cs, cipher, interval) in [
        (0, 1024, PayloadCipher::ChaCha20Poly1305, 1024),
        (1, 1024, PayloadCipher::Aes256Gcm, 1024),
        (
            (3 << 20) + 1000,
            1024,
            PayloadCipher::ChaCha20Poly1305,
            1024,
        ),
        (2_200_000, 1500, PayloadCipher::Aes256Gcm, 700),
        (5, 1500, PayloadCipher::ChaCha20Poly1305, 700),
        (
            (2 << 20) + 300_000,
            65_536,
            PayloadCipher::ChaCha20Poly1305,
            16,
        ),
        (17, 1 << 20, PayloadCipher::Aes256Gcm, 1),
    ] {
        let what = format!("len {len}, chunk {cs}, {cipher:?}, interval {interval}");
        let pt = bytes(len as u64, len);
        let sealer = || {
            Sealer::new(&alice, &to)
                .chunk_size(cs)
                .cipher(cipher)
                .checkpoint_interval(interval)
                .associated_data(b"into")
        };
        let (mut rng_a, mut rng_b) = (
            SeededRng::from_seed([len as u8; 32]),
            SeededRng::from_seed([len as u8; 32]),
        );
        let simple = sealer().rng(&mut rng_a).seal(&pt).unwrap();
        sealer()
            .rng(&mut rng_b)
            .seal_into(&pt, &mut envelope)
            .unwrap();
        assert_eq!(envelope, simple, "{what}: seal_into = seal");
        let checkpoints = checkpoint_count(len, cs as usize, interval as usize);
        assert_eq!(Layout::parse(&envelope).checkpoints.len(), checkpoints);

        let opener = Opener::new(&rs[1]).associated_data(b"into");
        let opened = opener.open(&envelope).unwrap();
        let into = opener.open_into(&envelope, &mut plaintext).unwrap();
        assert!(plaintext == pt, "{what}: open_into = plaintext");
        assert_eq!(into.plaintext_len(), len as u64, "{what}");
        assert_eq!(into.sender(), opened.sender(), "{what}");
        assert_eq!(into.recipients(), opened.recipients(), "{what}");
        assert_eq!(
            into.header().as_bytes(),
            opened.header().as_bytes(),
            "{what}"
        );
    }
}

/// Sealing and opening a series of messages into the same two buffers
/// reuses their allocations: once the buffers are large enough they are
/// never reallocated, larger messages first or not.
#[test]
fn buffers_are_reused() {
    let (alice, bob) = (Identity::generate(), Identity::generate());
    let to = [bob.public()];
    let sealer = Sealer::new(&alice, &to).chunk_size(4096);
    let opener = Opener::new(&bob);
    let (mut envelope, mut plaintext) = (Vec::new(), Vec::new());
    let sizes = [200_000, 1, 150_000, 0, 199_999, 4096, 12_345];
    let messages: Vec<Vec<u8>> = sizes
        .iter()
        .enumerate()
        .map(|(i, &n)| bytes(i as u64, n))
        .collect();
    let mut allocations = Vec::new();
    for message in &messages {
        sealer.seal_into(message, &mut envelope).unwrap();
        opener.open_into(&envelope, &mut plaintext).unwrap();
        assert!(plaintext == *message, "{} bytes", message.len());
        assert_eq!(
            e2e::open(&bob, &envelope).unwrap().plaintext(),
            &message[..]
        );
        allocations.push((envelope.as_ptr(), plaintext.as_ptr()));
    }
    assert!(
        allocations.windows(2).all(|w| w[0] == w[1]),
        "the largest message came first: no buffer moved"
    );
}

/// Which error a case expects.
type Expected = fn(&OpenError) -> bool;

/// An error leaves the buffer empty, and the next call succeeds in it.
#[test]
fn errors_leave_the_buffer_empty() {
    let alice = Identity::generate();
    let rs = identities(2);
    let to = publics(&rs[..1]);
    let stranger = Identity::generate();
    // Ten full chunks.
    let pt = bytes(9, 10 * 1024);
    let sealer = Sealer::new(&alice, &to).chunk_size(1024);
    let envelope = sealer.seal(&pt).unwrap();
    let layout = Layout::parse(&envelope);

    let mut out = vec![7u8; 50];
    let r = Sealer::new(&alice, &[]).seal_into(&pt, &mut out);
    assert!(matches!(r, Err(SealError::InvalidArgument(_))), "{r:?}");
    assert!(out.is_empty(), "seal_into error: {} bytes left", out.len());
    let r = Sealer::new(&alice, &to)
        .chunk_size(1)
        .seal_into(&pt, &mut out);
    assert!(matches!(r, Err(SealError::InvalidArgument(_))), "{r:?}");
    assert!(out.is_empty());

    let cases: Vec<(&str, Vec<u8>, &Identity, Expected)> = vec![
        ("not a recipient", envelope.clone(), &stranger, |e| {
            matches!(e, OpenError::NotARecipient)
        }),
        (
            "damaged chunk",
            flipped(&envelope, layout.chunks[3].start + 5, 0),
            &rs[0],
            |e| matches!(e, OpenError::PayloadTampered),
        ),
        // The last chunk: every chunk before it opened into the buffer.
        (
            "damaged last chunk",
            flipped(&envelope, layout.chunks[9].start, 1),
            &rs[0],
            |e| matches!(e, OpenError::PayloadTampered),
        ),
        (
            "damaged signature",
            flipped(&envelope, layout.signature.start + 9, 2),
            &rs[0],
            |e| matches!(e, OpenError::PayloadTampered),
        ),
        // Cut after chunk 5 and 80 bytes of chunk 6, which pass for the
        // signature block: chunk 5 opens, but only as a middle chunk.
        (
            "cut after a chunk",
            envelope[..layout.chunks[6].start + SIGNATURE_BLOCK_LEN].to_vec(),
            &rs[0],
            |e| matches!(e, OpenError::Truncated),
        ),
        ("not an envelope", b"hello".to_vec(), &rs[0], |e| {
            matches!(e, OpenError::NotAnEnvelope)
        }),
    ];
    for (what, env, who, expected) in cases {
        let mut plaintext = vec![1u8; 20_000];
        let r = Opener::new(who).open_into(&env, &mut plaintext);
        let e = r.expect_err(what);
        assert!(expected(&e), "{what}: {e:?}");
        assert!(
            plaintext.is_empty(),
            "{what}: {} bytes left",
            plaintext.len()
        );
        Opener::new(&rs[0])
            .open_into(&envelope, &mut plaintext)
            .unwrap();
        assert!(plaintext == pt, "{what}: the buffer works again");
    }
}
