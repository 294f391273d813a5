//! Property tests for `doormat::escrow`, the key-escrowed twin, named after
//! the properties of docs/DESIGN.md ("Properties that must hold"):
//!
//! * 4. `escrow_completeness`: the authority opens every escrowed envelope;
//! * 5. `holder_indifference`: a leaked or rebuilt copy of the key is the key;
//! * 6. `transparency`: recipients see exactly what E2E shows them;
//! * 7. `threshold_custody`: k of n shares rebuild the key, k - 1 do not;
//! * 2. (escrow side) `clean_envelopes_have_nothing_to_open`;
//!
//! plus the compliant clients' policies (`compliance_policies`) and the text
//! forms and redacted `Debug` of the escrow types (`text_forms_and_debug`).
//! The mutation suite (property 3 on escrowed envelopes) is in
//! `tests/escrow_integrity.rs`.
//!
//! Every test counts the cases it checked and prints the count
//! (`cargo test --release --test escrow -- --nocapture` shows them).

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};

use common::{config, fingerprints, identity, publics, recipients, SplitMix64};
use doormat::e2e::{self, Opened, PayloadCipher};
use doormat::escrow::Error;
use doormat::escrow::{
    self, AccessField, Compliance, EscrowAuthority, EscrowKey, FamilyKey, KeyShare, LeafCheck,
    ESCROW_KEY_PREFIX, ESCROW_SECRET_PREFIX, LEAF_EXTENSION, LEAF_LEN, SHARE_PREFIX,
};
use doormat::keys::{self, Fingerprint, Identity, PublicIdentity};
use proptest::prelude::*;
use proptest::test_runner::TestRunner;

// ----- helpers -----

/// The largest payload the completeness property seals.
const MAX_PAYLOAD: usize = 256 << 10;

/// An authority whose key comes from `seed`, so a failing case replays.
fn authority_from_seed(seed: u64) -> EscrowAuthority {
    EscrowAuthority::from_bytes(&SplitMix64::new(seed ^ 0xa17f_0e5c_0000_0001).bytes(32))
        .expect("32 bytes make an authority")
}

fn cipher() -> impl Strategy<Value = PayloadCipher> {
    prop_oneof![
        Just(PayloadCipher::ChaCha20Poly1305),
        Just(PayloadCipher::Aes256Gcm)
    ]
}

/// A share's text form re-encoded with another threshold: the text is
/// `SHARE_PREFIX` + hex(set_id 8 | threshold 1 | index 1 | y 32).
fn relabel_threshold(share: &KeyShare, threshold: u8) -> KeyShare {
    let text = share.to_secret_string();
    let mut bytes = hex::decode(&text[SHARE_PREFIX.len()..]).expect("share text is hex");
    assert_eq!(bytes.len(), 8 + 1 + 1 + 32);
    assert_eq!(bytes[8], share.threshold());
    assert_eq!(bytes[9], share.index());
    bytes[8] = threshold;
    format!("{SHARE_PREFIX}{}", hex::encode(&bytes))
        .parse()
        .expect("relabelled share parses")
}

/// The shares selected by the bits of `mask`.
fn subset(shares: &[KeyShare], mask: u32) -> Vec<KeyShare> {
    shares
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, s)| s.clone())
        .collect()
}

/// Every mask over `n` bits with exactly `k` bits set.
fn masks(n: u8, k: u8) -> impl Iterator<Item = u32> {
    (0u32..1 << n).filter(move |m| m.count_ones() == u32::from(k))
}

fn binomial(n: u32, k: u32) -> u32 {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

/// Everything an opener returns that a holder could compare.
fn summary(opened: &Opened) -> (Vec<u8>, PublicIdentity, Vec<Fingerprint>, Vec<u8>) {
    (
        opened.plaintext().to_vec(),
        opened.sender().clone(),
        opened.recipients().to_vec(),
        opened.header().as_bytes().to_vec(),
    )
}

/// Whether `text` shows any 4-byte window of `secret` as hex, in either case.
fn shows_secret_hex(text: &str, secret: &[u8]) -> bool {
    let lower = hex::encode(secret);
    let upper = lower.to_uppercase();
    (0..=lower.len() - 8)
        .step_by(2)
        .any(|i| text.contains(&lower[i..i + 8]) || text.contains(&upper[i..i + 8]))
}

// ----- 4. escrow completeness -----

#[derive(Clone, Debug)]
struct CompletenessCase {
    seed: u64,
    recipients: usize,
    len: usize,
    aad: Vec<u8>,
    cipher: PayloadCipher,
    chunk_size: u32,
    key_ids: bool,
    seal_stream: bool,
}

fn completeness_cases() -> impl Strategy<Value = CompletenessCase> {
    (
        any::<u64>(),
        1usize..=16,
        prop::sample::select(vec![1024u32, 4096, 65536]),
        0u8..4,
        0usize..=MAX_PAYLOAD,
        -1i64..=1,
        prop::collection::vec(any::<u8>(), 0..=64),
        cipher(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                seed,
                recipients,
                chunk_size,
                kind,
                raw,
                delta,
                aad,
                cipher,
                key_ids,
                seal_stream,
            )| {
                let chunk = chunk_size as usize;
                let len = match kind {
                    // Anywhere in 0 ..= 256 KiB.
                    0 => raw,
                    // A few chunks at most.
                    1 => raw % (2 * chunk + 1),
                    // A multiple of the chunk size, or one byte either side.
                    2 => {
                        let multiple = (raw % (MAX_PAYLOAD / chunk + 1) * chunk) as i64;
                        (multiple + delta).clamp(0, MAX_PAYLOAD as i64) as usize
                    }
                    // Empty or a single byte.
                    _ => raw % 2,
                };
                CompletenessCase {
                    seed,
                    recipients,
                    len,
                    aad,
                    cipher,
                    chunk_size,
                    key_ids,
                    seal_stream,
                }
            },
        )
}

/// Property 4: the escrow authority opens every escrowed envelope — for every
/// sender, every recipient set (1 to 16), every payload size (0 B to 256 KiB,
/// around chunk boundaries too), both ciphers, any associated data and chunk
/// size — to exactly the plaintext, the true sender and the signed recipient
/// set, in memory and streaming.
#[test]
fn escrow_completeness() {
    let cases = AtomicUsize::new(0);
    let bytes = AtomicUsize::new(0);
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&completeness_cases(), |case| {
            let authority = authority_from_seed(case.seed);
            let escrow_key = authority.public_key();
            let sender = identity(case.seed, 0);
            let recipients = recipients(case.seed, case.recipients);
            let pubs = publics(&recipients);
            let plaintext = SplitMix64::new(case.seed ^ 0x5eed).bytes(case.len);

            let sealer = escrow::sealer(&sender, &pubs, &escrow_key)
                .associated_data(&case.aad)
                .cipher(case.cipher)
                .chunk_size(case.chunk_size)
                .key_ids(case.key_ids);
            let envelope = if case.seal_stream {
                let mut out = Vec::new();
                let sealed = sealer
                    .seal_stream(&plaintext[..], &mut out)
                    .expect("seal_stream");
                prop_assert_eq!(sealed, case.len as u64);
                out
            } else {
                sealer.seal(&plaintext).expect("seal")
            };
            let want_recipients = fingerprints(&pubs);

            // In memory.
            let opener = authority.opener().associated_data(&case.aad);
            let opened = opener.open(&envelope).expect("the authority opens");
            prop_assert!(
                opened.plaintext() == &plaintext[..],
                "plaintext differs ({} vs {} bytes)",
                opened.plaintext().len(),
                plaintext.len()
            );
            prop_assert_eq!(opened.sender(), &sender.public());
            prop_assert_eq!(opened.recipients(), &want_recipients[..]);
            let field = opened.extension(LEAF_EXTENSION).expect("access field");
            prop_assert_eq!(field.len(), LEAF_LEN);
            prop_assert_eq!(&field[..32], escrow_key.public_key().as_bytes());

            // Streaming.
            let mut out = Vec::new();
            let streamed = opener
                .open_stream(&envelope[..], &mut out)
                .expect("the authority opens the stream");
            prop_assert!(out == plaintext, "streamed plaintext differs");
            prop_assert_eq!(streamed.plaintext_len(), case.len as u64);
            prop_assert_eq!(streamed.sender(), &sender.public());
            prop_assert_eq!(streamed.recipients(), &want_recipients[..]);

            // The bare call, which is given no associated data: the access
            // field carries its hash, so the authority needs nothing else.
            let bare = authority.open(&envelope).expect("the bare call opens");
            prop_assert!(bare.plaintext() == &plaintext[..]);

            // And one recipient, for comparison.
            let me = &recipients[case.seed as usize % recipients.len()];
            let mine = escrow::opener(me, &escrow_key)
                .associated_data(&case.aad)
                .open(&envelope)
                .expect("a recipient opens");
            prop_assert!(mine.plaintext() == opened.plaintext());

            cases.fetch_add(1, Ordering::Relaxed);
            bytes.fetch_add(case.len, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    println!(
        "escrow_completeness: {} cases, {} plaintext bytes opened by the authority (in memory and streaming)",
        cases.into_inner(),
        bytes.into_inner()
    );
}

// ----- 5. holder indifference -----

/// Property 5: an `EscrowAuthority` rebuilt from leaked text
/// (`to_secret_string().parse()`), from leaked bytes
/// (`from_bytes(to_bytes())`) or from any k of its n shares opens every
/// envelope byte for byte like the original: same plaintext, sender,
/// recipient set and header.
///
/// Nothing in the mathematics can tell the "state" copy from the "criminal"
/// copy, and the API has nowhere to ask: `EscrowAuthority::open` takes the
/// envelope and nothing else. That point is made at compile time, not by a
/// runtime check — its type, `fn(&EscrowAuthority, &[u8]) -> Result<Opened>`,
/// is the proof, and the test below both coerces the method to that exact
/// function-pointer type (which stops compiling if a warrant, identity,
/// purpose or date parameter is ever added) and calls it as
/// `holder.open(&envelope)`, with nothing else.
#[test]
fn holder_indifference() {
    // The type is the proof: only the authority and the envelope bytes go in.
    let open_takes_only_the_envelope: fn(&EscrowAuthority, &[u8]) -> escrow::Result<Opened> =
        EscrowAuthority::open;

    let cases = AtomicUsize::new(0);
    let opens = AtomicUsize::new(0);
    let strategy = (
        any::<u64>(),
        (1u8..=5)
            .prop_flat_map(|k| (Just(k), k..=7u8))
            .prop_flat_map(|(k, n)| {
                (
                    Just(k),
                    Just(n),
                    prop::sample::subsequence((0..n).collect::<Vec<u8>>(), usize::from(k))
                        .prop_shuffle(),
                )
            }),
        1usize..=4,
    );
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&strategy, |(seed, (k, n, chosen), envelopes)| {
            let original = authority_from_seed(seed);
            let escrow_key = original.public_key();

            // Envelopes from different senders to different recipient sets.
            let mut rng = SplitMix64::new(seed ^ 0xe7e1_0be5);
            let mut sealed = Vec::new();
            for j in 0..envelopes as u64 {
                let sender = identity(seed, 100 + j);
                let to = publics(&recipients(seed ^ (j << 32), 1 + rng.below(4)));
                let len = rng.below(5000);
                let plaintext = rng.bytes(len);
                let chunk = [1024, 4096, 65536][rng.below(3)];
                sealed.push(
                    escrow::sealer(&sender, &to, &escrow_key)
                        .chunk_size(chunk)
                        .seal(&plaintext)
                        .expect("seal"),
                );
            }

            // The copies: leaked text, leaked bytes, rebuilt from k shares.
            let leaked_text: EscrowAuthority = original
                .to_secret_string()
                .parse()
                .expect("text form parses");
            let leaked_bytes =
                EscrowAuthority::from_bytes(original.to_bytes().as_ref()).expect("bytes parse");
            let shares = original.split(k, n).expect("split");
            let picked: Vec<KeyShare> = chosen
                .iter()
                .map(|&i| shares[usize::from(i)].clone())
                .collect();
            let recovered = EscrowAuthority::recover(&picked).expect("k shares recover");

            for (name, holder) in [
                ("leaked text", &leaked_text),
                ("leaked bytes", &leaked_bytes),
                ("recovered from shares", &recovered),
            ] {
                prop_assert!(holder == &original, "{} differs from the original", name);
                prop_assert_eq!(holder.public_key(), escrow_key.clone());
                for envelope in &sealed {
                    let want = summary(&original.open(envelope).expect("original opens"));
                    // Exactly `(&envelope)`: there is nothing else to give.
                    let got = summary(&holder.open(envelope).expect("copy opens"));
                    prop_assert!(got == want, "{} opened differently", name);
                    let via_pointer =
                        summary(&open_takes_only_the_envelope(holder, envelope).expect("opens"));
                    prop_assert!(via_pointer == want);
                    let (mut a, mut b) = (Vec::new(), Vec::new());
                    original.open_stream(&envelope[..], &mut a).expect("stream");
                    holder.open_stream(&envelope[..], &mut b).expect("stream");
                    prop_assert!(a == b && a == want.0, "{} streamed differently", name);
                    opens.fetch_add(1, Ordering::Relaxed);
                }
            }
            cases.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    println!(
        "holder_indifference: {} cases, {} envelope openings by a copy identical to the original's",
        cases.into_inner(),
        opens.into_inner()
    );
}

// ----- 6. transparency -----

/// Property 6: recipients of an escrowed envelope see what E2E shows them.
/// `escrow::open` of the escrowed envelope, `e2e::open` of a clean envelope of
/// the same message, and `e2e::open` of the escrowed envelope (which *is* an
/// E2E envelope plus one authenticated header extension) give identical
/// plaintext, sender and recipients; the only difference on the wire is the
/// access field and its 6-byte extension record header.
#[test]
fn transparency() {
    struct Config {
        recipients: usize,
        len: usize,
        cipher: PayloadCipher,
        chunk_size: u32,
        key_ids: bool,
        aad: &'static [u8],
    }
    let configs = [
        Config {
            recipients: 1,
            len: 0,
            cipher: PayloadCipher::ChaCha20Poly1305,
            chunk_size: 1024,
            key_ids: false,
            aad: b"",
        },
        Config {
            recipients: 2,
            len: 1,
            cipher: PayloadCipher::Aes256Gcm,
            chunk_size: 1024,
            key_ids: true,
            aad: b"ticket #42",
        },
        Config {
            recipients: 3,
            len: 5000,
            cipher: PayloadCipher::ChaCha20Poly1305,
            chunk_size: 1500,
            key_ids: false,
            aad: b"",
        },
        Config {
            recipients: 1,
            len: 16 * 1024,
            cipher: PayloadCipher::Aes256Gcm,
            chunk_size: 1024,
            key_ids: false,
            aad: b"file.txt",
        },
        Config {
            recipients: 5,
            len: 70_000,
            cipher: PayloadCipher::Aes256Gcm,
            chunk_size: 65536,
            key_ids: true,
            aad: b"",
        },
        Config {
            recipients: 16,
            len: 3000,
            cipher: PayloadCipher::ChaCha20Poly1305,
            chunk_size: 1024,
            key_ids: false,
            aad: b"",
        },
    ];
    let authority = EscrowAuthority::generate();
    let escrow_key = authority.public_key();
    let mut checks = 0;
    let mut differences = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let seed = 0x7a11_5000 + i as u64;
        let sender = identity(seed, 0);
        let recipients = recipients(seed, c.recipients);
        let pubs = publics(&recipients);
        let plaintext = SplitMix64::new(seed).bytes(c.len);
        let clean = e2e::Sealer::new(&sender, &pubs)
            .associated_data(c.aad)
            .cipher(c.cipher)
            .chunk_size(c.chunk_size)
            .key_ids(c.key_ids)
            .seal(&plaintext)
            .unwrap();
        let escrowed = escrow::sealer(&sender, &pubs, &escrow_key)
            .associated_data(c.aad)
            .cipher(c.cipher)
            .chunk_size(c.chunk_size)
            .key_ids(c.key_ids)
            .seal(&plaintext)
            .unwrap();
        let want_recipients = fingerprints(&pubs);

        for me in &recipients {
            let via_escrow = escrow::opener(me, &escrow_key)
                .associated_data(c.aad)
                .open(&escrowed)
                .unwrap();
            let via_e2e_clean = e2e::Opener::new(me)
                .associated_data(c.aad)
                .open(&clean)
                .unwrap();
            let via_e2e_escrowed = e2e::Opener::new(me)
                .associated_data(c.aad)
                .open(&escrowed)
                .unwrap();
            for opened in [&via_escrow, &via_e2e_clean, &via_e2e_escrowed] {
                assert!(opened.plaintext() == &plaintext[..]);
                assert_eq!(opened.sender(), &sender.public());
                assert_eq!(opened.recipients(), &want_recipients[..]);
            }
            if c.aad.is_empty() {
                let plain_call = escrow::open(me, &escrow_key, &escrowed).unwrap();
                assert_eq!(summary(&plain_call).0, plaintext);
                assert_eq!(
                    summary(&e2e::open(me, &escrowed).unwrap()),
                    summary(&plain_call)
                );
            }
            // Streaming, too.
            let mut out = Vec::new();
            let streamed = escrow::opener(me, &escrow_key)
                .associated_data(c.aad)
                .open_stream(&escrowed[..], &mut out)
                .unwrap();
            assert_eq!(out, plaintext);
            assert_eq!(streamed.sender(), &sender.public());
            assert_eq!(streamed.recipients(), &want_recipients[..]);

            // Nothing but the access field differs.
            let field = via_escrow.extension(LEAF_EXTENSION).unwrap();
            assert_eq!(field.len(), LEAF_LEN);
            assert_eq!(via_e2e_escrowed.extension(LEAF_EXTENSION), Some(field));
            assert_eq!(via_e2e_clean.extension(LEAF_EXTENSION), None);
            assert_eq!(via_e2e_clean.header().extensions().count(), 0);
            let escrowed_extensions: Vec<u16> =
                via_escrow.header().extensions().map(|(t, _)| t).collect();
            assert_eq!(escrowed_extensions, [LEAF_EXTENSION]);
            let (h_clean, h_escrow) = (via_e2e_clean.header(), via_escrow.header());
            assert_eq!(h_clean.cipher(), h_escrow.cipher());
            assert_eq!(h_clean.chunk_size(), h_escrow.chunk_size());
            assert_eq!(h_clean.stanza_count(), h_escrow.stanza_count());
            assert_eq!(h_clean.has_key_ids(), h_escrow.has_key_ids());
            assert_eq!(h_clean.core_bytes().len(), h_escrow.core_bytes().len());
            assert_eq!(
                h_escrow.as_bytes().len() - h_clean.as_bytes().len(),
                LEAF_LEN + 6
            );
            checks += 1;
        }
        differences.push(escrowed.len() as i64 - clean.len() as i64);
    }
    assert!(
        differences.iter().all(|&d| d == (LEAF_LEN + 6) as i64),
        "size differences {differences:?}"
    );
    println!(
        "transparency: {} configurations, {} recipient checks; the escrowed envelope is {} bytes \
         longer than the clean one in every configuration (LEAF_LEN {} + 6-byte extension record header)",
        configs.len(),
        checks,
        differences[0],
        LEAF_LEN
    );
}

// ----- 7. threshold custody -----

/// Property 7: every k-subset of the n shares rebuilds the authority (which
/// then opens an envelope), every (k-1)-subset is refused, and shares edited
/// to claim a threshold of k - 1 either are refused or rebuild a key that
/// opens nothing. Plus the typed errors of `split` and `recover`.
#[test]
fn threshold_custody() {
    let cases = AtomicUsize::new(0);
    let enough = AtomicUsize::new(0);
    let too_few = AtomicUsize::new(0);
    let relabelled_refused = AtomicUsize::new(0);
    let relabelled_useless = AtomicUsize::new(0);
    let strategy = (
        any::<u64>(),
        (1u8..=5).prop_flat_map(|k| (Just(k), k..=7u8)),
    );
    let mut runner = TestRunner::new(config(48));
    runner
        .run(&strategy, |(seed, (k, n))| {
            let authority = authority_from_seed(seed);
            let escrow_key = authority.public_key();
            let sender = identity(seed, 0);
            let to = publics(&recipients(seed, 2));
            let envelope = escrow::seal(&sender, &to, &escrow_key, b"custody").unwrap();

            let shares = authority.split(k, n).expect("split");
            prop_assert_eq!(shares.len(), usize::from(n));
            for (i, share) in shares.iter().enumerate() {
                prop_assert_eq!(share.index(), i as u8 + 1);
                prop_assert_eq!(share.threshold(), k);
            }

            // Any k of n: all C(n, k) <= 35 subsets, in both orders.
            let mut count = 0;
            for mask in masks(n, k) {
                let mut chosen = subset(&shares, mask);
                for _ in 0..2 {
                    let rebuilt = EscrowAuthority::recover(&chosen).expect("k shares");
                    prop_assert!(rebuilt == authority);
                    let opened = rebuilt.open(&envelope).expect("rebuilt key opens");
                    prop_assert_eq!(opened.plaintext(), b"custody");
                    chosen.reverse();
                }
                count += 1;
            }
            prop_assert_eq!(count, binomial(n.into(), k.into()));
            enough.fetch_add(count as usize, Ordering::Relaxed);

            // Any k - 1 of n: refused; and lying about the threshold does not help.
            if k >= 2 {
                for mask in masks(n, k - 1) {
                    let chosen = subset(&shares, mask);
                    let refused = matches!(
                        EscrowAuthority::recover(&chosen),
                        Err(Error::TooFewShares { needed, got })
                            if needed == k && got == usize::from(k - 1)
                    );
                    prop_assert!(
                        refused,
                        "{} of {} shares (threshold {}) were not refused",
                        k - 1,
                        n,
                        k
                    );
                    too_few.fetch_add(1, Ordering::Relaxed);

                    let lying: Vec<KeyShare> =
                        chosen.iter().map(|s| relabel_threshold(s, k - 1)).collect();
                    match EscrowAuthority::recover(&lying) {
                        Err(Error::InconsistentShares) => {
                            relabelled_refused.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok(wrong) => {
                            prop_assert!(wrong != authority);
                            prop_assert!(matches!(
                                wrong.open(&envelope),
                                Err(Error::InvalidAccessField)
                            ));
                            relabelled_useless.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(other) => prop_assert!(false, "relabelled shares: {:?}", other),
                    }
                }
            }

            // A share given twice.
            let twice = [shares[0].clone(), shares[0].clone()];
            prop_assert!(matches!(
                EscrowAuthority::recover(&twice),
                Err(Error::DuplicateShare(1))
            ));
            let mut padded = shares[..usize::from(k)].to_vec();
            padded.push(shares[usize::from(k) - 1].clone());
            prop_assert!(matches!(
                EscrowAuthority::recover(&padded),
                Err(Error::DuplicateShare(i)) if i == k
            ));

            // Shares of two different authorities' splits.
            let other = authority_from_seed(!seed);
            let theirs = other.split(k, n).expect("split");
            let mut mixed = vec![shares[0].clone()];
            mixed.extend(theirs[1..].iter().cloned());
            if mixed.len() < 2 {
                mixed.push(theirs[0].clone());
            }
            prop_assert!(matches!(
                EscrowAuthority::recover(&mixed),
                Err(Error::InconsistentShares)
            ));
            // Two splits of the same key: for k >= 2 their points lie on
            // different polynomials, so mixing them rebuilds a wrong key,
            // which the set id catches. (For k = 1 every share *is* the key,
            // so any mix of splits legitimately rebuilds it.)
            let again = authority.split(k, n).expect("split");
            let mut mixed = shares[..usize::from(k) - 1].to_vec();
            mixed.push(again[usize::from(k) - 1].clone());
            match EscrowAuthority::recover(&mixed) {
                Err(Error::InconsistentShares) => prop_assert!(k >= 2),
                Ok(rebuilt) => prop_assert!(k == 1 && rebuilt == authority),
                Err(other) => prop_assert!(false, "mixed splits: {:?}", other),
            }

            // Invalid splits.
            for (bad_k, bad_n) in [(0, n), (n + 1, n), (0, 0), (1, 0), (k, 0)] {
                prop_assert!(
                    matches!(
                        authority.split(bad_k, bad_n),
                        Err(Error::InvalidArgument(_))
                    ),
                    "split({}, {}) was not refused",
                    bad_k,
                    bad_n
                );
            }
            let none_refused = matches!(
                EscrowAuthority::recover(&[]),
                Err(Error::TooFewShares { needed: 1, got: 0 })
            );
            prop_assert!(none_refused);

            cases.fetch_add(1, Ordering::Relaxed);
            Ok(())
        })
        .unwrap();
    println!(
        "threshold_custody: {} cases; {} k-subsets rebuilt the key and opened; {} (k-1)-subsets refused \
         (TooFewShares); relabelled to threshold k-1: {} refused (InconsistentShares), {} rebuilt a key that opens nothing",
        cases.into_inner(),
        enough.into_inner(),
        too_few.into_inner(),
        relabelled_refused.into_inner(),
        relabelled_useless.into_inner()
    );
}

// ----- 2. exclusivity, escrow side -----

/// Property 2 from the authority's side: a clean E2E envelope carries no
/// access field, so the authority has nothing to open (`NotEscrowed`), in
/// memory and streaming; a compliant client refuses it for the same reason;
/// and another authority cannot open an escrowed envelope
/// (`InvalidAccessField`).
#[test]
fn clean_envelopes_have_nothing_to_open() {
    let authority = EscrowAuthority::generate();
    let stranger = EscrowAuthority::generate();
    let sender = identity(0xc1ea, 0);
    let recipients = recipients(0xc1ea, 3);
    let pubs = publics(&recipients);
    let mut checks = 0;
    for len in [0usize, 1, 100, 5000] {
        let plaintext = SplitMix64::new(len as u64).bytes(len);
        let clean = e2e::Sealer::new(&sender, &pubs)
            .chunk_size(1024)
            .seal(&plaintext)
            .unwrap();
        let with_other_extension = e2e::Sealer::new(&sender, &pubs)
            .extension(0x0001, b"not an access field".to_vec())
            .seal(&plaintext)
            .unwrap();
        for envelope in [&clean, &with_other_extension] {
            assert!(matches!(authority.open(envelope), Err(Error::NotEscrowed)));
            let mut out = Vec::new();
            assert!(matches!(
                authority.open_stream(&envelope[..], &mut out),
                Err(Error::NotEscrowed)
            ));
            assert!(out.is_empty(), "nothing is written before the refusal");
            for me in &recipients {
                assert!(matches!(
                    escrow::open(me, &authority.public_key(), envelope),
                    Err(Error::NotEscrowed)
                ));
                let mut out = Vec::new();
                let streamed = escrow::opener(me, &authority.public_key())
                    .open_stream(&envelope[..], &mut out);
                assert!(matches!(
                    streamed.map_err(Error::from),
                    Err(Error::NotEscrowed)
                ));
                assert!(out.is_empty());
                // The recipients themselves read it as E2E, of course.
                assert_eq!(e2e::open(me, envelope).unwrap().plaintext(), &plaintext[..]);
            }
            checks += 1;
        }
        let escrowed = escrow::seal(&sender, &pubs, &authority.public_key(), &plaintext).unwrap();
        assert!(matches!(
            stranger.open(&escrowed),
            Err(Error::InvalidAccessField)
        ));
        let mut out = Vec::new();
        assert!(matches!(
            stranger.open_stream(&escrowed[..], &mut out),
            Err(Error::InvalidAccessField)
        ));
        assert!(out.is_empty());
        assert_eq!(
            authority.open(&escrowed).unwrap().plaintext(),
            &plaintext[..]
        );
        checks += 1;
    }
    println!("clean_envelopes_have_nothing_to_open: {checks} envelopes checked");
}

/// The escrow layers' refusals come back out of the envelope as escrow's
/// own errors, by every path: from the `e2e::Opener` with the layer attached
/// (boxed in `OpenError::Layer`, found by type), from the escrow functions
/// (unboxed), and through the umbrella error (as `Error::Escrow`, a
/// refusal); an envelope error underneath stays the envelope's.
#[test]
fn escrow_errors_come_out_of_the_envelope_by_type() {
    let authority = EscrowAuthority::generate();
    let stranger = EscrowAuthority::generate();
    let key = authority.public_key();
    let sender = identity(0xe7, 0);
    let recipients = recipients(0xe7, 2);
    let pubs = publics(&recipients[..1]);
    let clean = e2e::seal(&sender, &pubs, b"clean").unwrap();
    let escrowed = escrow::seal(&sender, &pubs, &key, b"escrowed").unwrap();

    let cases: [(&str, Result<Opened, e2e::OpenError>, Error); 4] = [
        (
            "compliant client, clean envelope",
            escrow::opener(&recipients[0], &key).open(&clean),
            Error::NotEscrowed,
        ),
        (
            "authority's opener, clean envelope",
            authority.opener().open(&clean),
            Error::NotEscrowed,
        ),
        (
            "another authority's opener",
            stranger.opener().open(&escrowed),
            Error::InvalidAccessField,
        ),
        (
            "client pinned to another authority",
            escrow::opener(&recipients[0], &stranger.public_key()).open(&escrowed),
            Error::InvalidAccessField,
        ),
    ];
    for (what, r, want) in cases {
        let e = r.expect_err(what);
        let boxed = e.layer::<Error>();
        assert!(
            boxed.is_some_and(|b| b.to_string() == want.to_string()),
            "{what}: {e:?}"
        );
        let umbrella = doormat::Error::from(e);
        assert!(
            matches!(&umbrella, doormat::Error::Escrow(inner) if inner.to_string() == want.to_string()),
            "{what}: {umbrella:?}"
        );
        assert_eq!(umbrella.kind(), doormat::ErrorKind::Refused, "{what}");
    }
    // The escrow functions unbox them.
    assert!(matches!(authority.open(&clean), Err(Error::NotEscrowed)));
    assert!(matches!(
        escrow::open(&recipients[0], &key, &clean),
        Err(Error::NotEscrowed)
    ));
    assert!(matches!(
        stranger.open(&escrowed),
        Err(Error::InvalidAccessField)
    ));
    // Not a recipient is the envelope's error, escrowed or not.
    let outsider = escrow::open(&recipients[1], &key, &escrowed);
    assert!(matches!(
        outsider,
        Err(Error::Open(e2e::OpenError::NotARecipient))
    ));
    let umbrella = doormat::Error::from(outsider.unwrap_err());
    assert!(matches!(
        umbrella,
        doormat::Error::Open(e2e::OpenError::NotARecipient)
    ));
    assert_eq!(umbrella.kind(), doormat::ErrorKind::WrongKey);
}

// ----- compliant clients -----

/// Compliant clients: both policies accept genuine envelopes; a client of
/// another chip family rejects them under `Clipper16`; pinning the authority
/// under `Recompute` accepts the right key and rejects another; a forged
/// field (random bytes, correctly signed by a sender running a custom client)
/// is rejected by `Recompute` and almost always by `Clipper16`, and the
/// authority cannot open it.
#[test]
fn compliance_policies() {
    let authority = EscrowAuthority::generate();
    let right_key = authority.public_key();
    let other_key = EscrowAuthority::generate().public_key();
    let sender = identity(0xc0de, 0);
    let recipients = recipients(0xc0de, 2);
    let pubs = publics(&recipients);
    let me = &recipients[1];
    let message = b"compliance";
    let genuine = escrow::seal(&sender, &pubs, &right_key, message).unwrap();
    let mut checks = 0;

    let compliant = |policy, trust: Option<&EscrowKey>, family, envelope: &[u8]| {
        // The compliance layer's refusal, out of the envelope's box.
        compliant_client(me, policy, trust, family)
            .open(envelope)
            .map_err(Error::from)
    };
    let accepts = |r: escrow::Result<Opened>| r.is_ok_and(|o| o.plaintext() == message);
    let invalid = |r: escrow::Result<Opened>| matches!(r, Err(Error::InvalidAccessField));

    // Genuine envelopes pass both policies of the default family.
    assert!(accepts(compliant(
        LeafCheck::Clipper16,
        None,
        FamilyKey::default(),
        &genuine
    )));
    assert!(accepts(compliant(
        LeafCheck::Recompute,
        None,
        FamilyKey::default(),
        &genuine
    )));
    assert!(accepts(escrow::open(me, &right_key, &genuine)));
    assert_eq!(LeafCheck::default(), LeafCheck::Recompute);
    checks += 3;

    // A client of another family checks a checksum keyed differently. Each
    // foreign family matches a genuine checksum with probability 2^-16, so
    // of four families at least three must reject (a false failure needs two
    // 2^-16 coincidences).
    let foreign_rejections = (0..4)
        .filter(|_| {
            invalid(compliant(
                LeafCheck::Clipper16,
                None,
                FamilyKey::generate(),
                &genuine,
            ))
        })
        .count();
    assert!(foreign_rejections >= 3, "{foreign_rejections} of 4");
    checks += 4;

    // Pinning the authority (Recompute).
    assert!(accepts(compliant(
        LeafCheck::Recompute,
        Some(&right_key),
        FamilyKey::default(),
        &genuine
    )));
    assert!(invalid(compliant(
        LeafCheck::Recompute,
        Some(&other_key),
        FamilyKey::default(),
        &genuine
    )));
    // An envelope escrowed to a key of the sender's choosing passes an
    // unpinned client and fails a pinned one.
    let self_escrowed = escrow::seal(&sender, &pubs, &other_key, message).unwrap();
    assert!(accepts(compliant(
        LeafCheck::Recompute,
        None,
        FamilyKey::default(),
        &self_escrowed
    )));
    // escrow::open always names the authority it complies with.
    assert!(invalid(escrow::open(me, &right_key, &self_escrowed)));
    assert!(invalid(compliant(
        LeafCheck::Recompute,
        Some(&right_key),
        FamilyKey::default(),
        &self_escrowed
    )));
    checks += 4;

    // Forged fields: random bytes, signed by the sender with a custom client.
    // Recompute rejects every one. Clipper16 checks only a 16-bit checksum, so
    // each random field passes with probability 2^-16 (that is Blaze's 1994
    // attack, done on purpose with ~65,536 tries): of four fields at least
    // three must be rejected — a false failure needs two coincidences, about
    // 6 * 2^-32.
    let mut rng = SplitMix64::new(0xf0f0);
    let mut clipper_rejections = 0;
    for attempt in 0..4 {
        let mut forged = rng.bytes(LEAF_LEN);
        if attempt % 2 == 1 {
            // Name the real authority, so only the rest is forged.
            forged[..32].copy_from_slice(right_key.public_key().as_bytes());
        }
        let envelope = e2e::Sealer::new(&sender, &pubs)
            .extension(LEAF_EXTENSION, forged)
            .seal(message)
            .unwrap();
        // A correctly signed E2E envelope: recipients without the check read it.
        assert!(accepts(e2e::open(me, &envelope).map_err(Error::from)));
        assert!(invalid(escrow::open(me, &right_key, &envelope)));
        assert!(invalid(compliant(
            LeafCheck::Recompute,
            Some(&right_key),
            FamilyKey::default(),
            &envelope
        )));
        if invalid(compliant(
            LeafCheck::Clipper16,
            None,
            FamilyKey::default(),
            &envelope,
        )) {
            clipper_rejections += 1;
        }
        assert!(invalid(authority.open(&envelope)));
        checks += 4;
    }
    assert!(clipper_rejections >= 3, "{clipper_rejections} of 4");

    // A field of the wrong length is no field at all.
    for len in [0, LEAF_LEN - 1, LEAF_LEN + 1] {
        let envelope = e2e::Sealer::new(&sender, &pubs)
            .extension(LEAF_EXTENSION, vec![7; len])
            .seal(message)
            .unwrap();
        assert!(invalid(escrow::open(me, &right_key, &envelope)));
        assert!(invalid(compliant(
            LeafCheck::Clipper16,
            None,
            FamilyKey::default(),
            &envelope
        )));
        assert!(invalid(authority.open(&envelope)));
        checks += 3;
    }
    println!(
        "compliance_policies: {checks} checks; Clipper16 rejected {clipper_rejections} of 4 forged \
         fields and a foreign family rejected {foreign_rejections} of 4 genuine ones"
    );
}

/// A compliant client of another chip family, under `Recompute`, should
/// accept a genuine envelope: the family key only keys the 16-bit Clipper16
/// checksum, and `Recompute` proves the field from the content key and the
/// header. Conversely an envelope sealed by another family's client should
/// pass a default `Recompute` client.
#[test]
fn compliance_policies_other_family_recompute_accepts() {
    let authority = EscrowAuthority::generate();
    let key = authority.public_key();
    let sender = identity(0xfa111, 0);
    let recipients = recipients(0xfa111, 2);
    let pubs = publics(&recipients);
    let me = &recipients[0];
    let genuine = escrow::seal(&sender, &pubs, &key, b"family").unwrap();
    let foreign = FamilyKey::generate();
    let opened = compliant_client(me, LeafCheck::Recompute, None, foreign).open(&genuine);
    assert!(
        opened.is_ok(),
        "another family's Recompute client: {:?}",
        opened.err()
    );

    let family = FamilyKey::generate();
    let from_other_family = e2e::Sealer::new(&sender, &pubs)
        .layer(AccessField::to(&key).family(family))
        .seal(b"family")
        .unwrap();
    let opened = escrow::open(me, &key, &from_other_family);
    assert!(
        opened.is_ok(),
        "default Recompute client on another family's envelope: {:?}",
        opened.err()
    );
    assert_eq!(
        authority.open(&from_other_family).unwrap().plaintext(),
        b"family"
    );
    println!("compliance_policies_other_family_recompute_accepts: 2 checks");
}

// ----- text forms and Debug -----

/// `EscrowKey`, `EscrowAuthority` and `KeyShare` round-trip through their
/// typed text forms and refuse a wrong prefix, a wrong length and bad hex
/// with typed errors; `Debug` (plain and pretty) of `EscrowAuthority`,
/// `KeyShare` and `FamilyKey` shows no secret byte in hex and says so.
#[test]
fn text_forms_and_debug() {
    let mut checks = 0;
    for round in 0..16u64 {
        let authority = authority_from_seed(round);
        let secret = authority.to_bytes();
        let key = authority.public_key();

        // Round trips.
        let key_text = key.to_string();
        assert!(key_text.starts_with(ESCROW_KEY_PREFIX));
        assert_eq!(key_text.parse::<EscrowKey>().unwrap(), key);
        assert_eq!(
            EscrowKey::from_bytes(key.public_key().as_bytes()).unwrap(),
            key
        );
        let secret_text = authority.to_secret_string();
        assert!(secret_text.starts_with(ESCROW_SECRET_PREFIX));
        assert_eq!(
            secret_text.as_str(),
            format!("{ESCROW_SECRET_PREFIX}{}", hex::encode(secret.as_ref()))
        );
        assert_eq!(secret_text.parse::<EscrowAuthority>().unwrap(), authority);
        let k = 1 + (round % 3) as u8;
        let shares = authority.split(k, 3).unwrap();
        for share in &shares {
            let text = share.to_secret_string();
            assert!(text.starts_with(SHARE_PREFIX));
            let parsed: KeyShare = text.parse().unwrap();
            assert_eq!(parsed.index(), share.index());
            assert_eq!(parsed.threshold(), share.threshold());
            assert_eq!(parsed.to_secret_string(), text);
        }
        let reparsed: Vec<KeyShare> = shares
            .iter()
            .map(|s| s.to_secret_string().parse().unwrap())
            .collect();
        assert_eq!(EscrowAuthority::recover(&reparsed).unwrap(), authority);
        checks += 3;

        // Wrong prefix: each form is refused by the other parsers by name.
        let share_text = shares[0].to_secret_string();
        assert!(matches!(
            secret_text.parse::<EscrowKey>(),
            Err(Error::Key(keys::Error::WrongPrefix { expected })) if expected == ESCROW_KEY_PREFIX
        ));
        assert!(matches!(
            key_text.parse::<EscrowAuthority>(),
            Err(Error::Key(keys::Error::WrongPrefix { expected })) if expected == ESCROW_SECRET_PREFIX
        ));
        assert!(matches!(
            key_text.parse::<KeyShare>(),
            Err(Error::Key(keys::Error::WrongPrefix { expected })) if expected == SHARE_PREFIX
        ));
        assert!(matches!(
            share_text.parse::<EscrowAuthority>(),
            Err(Error::Key(keys::Error::WrongPrefix { .. }))
        ));
        assert!(matches!(
            share_text.parse::<EscrowKey>(),
            Err(Error::Key(keys::Error::WrongPrefix { .. }))
        ));
        assert!(matches!(
            "".parse::<EscrowKey>(),
            Err(Error::Key(keys::Error::WrongPrefix { .. }))
        ));
        checks += 6;

        // Wrong length: one hex digit short, two long.
        let digits = |text: &str, prefix: &str| text.len() - prefix.len();
        for (text, prefix) in [
            (key_text.as_str(), ESCROW_KEY_PREFIX),
            (secret_text.as_str(), ESCROW_SECRET_PREFIX),
            (share_text.as_str(), SHARE_PREFIX),
        ] {
            let want = digits(text, prefix);
            let short = &text[..text.len() - 1];
            let long = format!("{text}00");
            let bare = prefix.to_owned();
            for (input, got) in [
                (short, want - 1),
                (long.as_str(), want + 2),
                (bare.as_str(), 0),
            ] {
                let errors = [
                    input.parse::<EscrowKey>().err(),
                    input.parse::<EscrowAuthority>().err(),
                    input.parse::<KeyShare>().err(),
                ];
                let length_errors = errors
                    .iter()
                    .filter(|e| {
                        matches!(e, Some(Error::Key(keys::Error::InvalidLength { expected, got: g }))
                            if *expected == want && *g == got)
                    })
                    .count();
                assert_eq!(length_errors, 1, "{input}: {errors:?}");
                checks += 1;
            }
        }
        assert_eq!(digits(&key_text, ESCROW_KEY_PREFIX), 64);
        assert_eq!(digits(&secret_text, ESCROW_SECRET_PREFIX), 64);
        assert_eq!(digits(&share_text, SHARE_PREFIX), 2 * (8 + 1 + 1 + 32));

        // Bad hex: uppercase, a non-hex letter, a non-ASCII character.
        let uppercase =
            |text: &str, prefix: &str| format!("{prefix}{}", text[prefix.len()..].to_uppercase());
        let key_upper = uppercase(&key_text, ESCROW_KEY_PREFIX);
        let secret_upper = uppercase(&secret_text, ESCROW_SECRET_PREFIX);
        let share_upper = uppercase(&share_text, SHARE_PREFIX);
        if key_upper != key_text {
            assert!(matches!(
                key_upper.parse::<EscrowKey>(),
                Err(Error::Key(keys::Error::InvalidHex))
            ));
        }
        if secret_upper != secret_text.as_str() {
            assert!(matches!(
                secret_upper.parse::<EscrowAuthority>(),
                Err(Error::Key(keys::Error::InvalidHex))
            ));
        }
        if share_upper != share_text.as_str() {
            assert!(matches!(
                share_upper.parse::<KeyShare>(),
                Err(Error::Key(keys::Error::InvalidHex))
            ));
        }
        let g = |text: &str| format!("{}g", &text[..text.len() - 1]);
        assert!(matches!(
            g(&key_text).parse::<EscrowKey>(),
            Err(Error::Key(keys::Error::InvalidHex))
        ));
        assert!(matches!(
            g(&secret_text).parse::<EscrowAuthority>(),
            Err(Error::Key(keys::Error::InvalidHex))
        ));
        assert!(matches!(
            g(&share_text).parse::<KeyShare>(),
            Err(Error::Key(keys::Error::InvalidHex))
        ));
        // "é" is two bytes: the length in bytes is right, the content is not hex.
        let accent = format!("{}é", &key_text[..key_text.len() - 2]);
        assert!(matches!(
            accent.parse::<EscrowKey>(),
            Err(Error::Key(keys::Error::InvalidHex))
        ));
        checks += 7;

        // Debug: no secret hex, and it says so.
        let share_secret = hex::decode(&share_text[SHARE_PREFIX.len() + 20..]).unwrap();
        for (shown, secrets) in [
            (
                vec![format!("{authority:?}"), format!("{authority:#?}")],
                vec![secret.to_vec()],
            ),
            (
                vec![format!("{:?}", shares[0]), format!("{:#?}", shares[0])],
                vec![share_secret.clone(), secret.to_vec()],
            ),
        ] {
            for text in shown {
                assert!(text.contains("redacted"), "{text}");
                for s in &secrets {
                    assert!(!shows_secret_hex(&text, s), "{text}");
                }
                checks += 1;
            }
        }
    }

    // Low-order points are not escrow keys.
    let zero = format!("{ESCROW_KEY_PREFIX}{}", "00".repeat(32));
    assert!(matches!(
        zero.parse::<EscrowKey>(),
        Err(Error::Key(keys::Error::InvalidKey))
    ));
    assert!(matches!(
        EscrowKey::from_bytes(&[0u8; 31]),
        Err(Error::Key(keys::Error::InvalidLength { .. }))
    ));
    // Shares with index 0 or threshold 0 are not shares.
    let share = EscrowAuthority::generate().split(2, 3).unwrap().remove(0);
    let mut bytes = hex::decode(&share.to_secret_string()[SHARE_PREFIX.len()..]).unwrap();
    for (at, value) in [(8, 0u8), (9, 0u8)] {
        let saved = bytes[at];
        bytes[at] = value;
        let text = format!("{SHARE_PREFIX}{}", hex::encode(&bytes));
        assert!(matches!(
            text.parse::<KeyShare>(),
            Err(Error::Key(keys::Error::InvalidKey))
        ));
        bytes[at] = saved;
    }
    checks += 4;

    // FamilyKey: the process's default family (random, drawn on first use)
    // and a generated one are never printed, in whole or in part.
    for family in [FamilyKey::default(), FamilyKey::generate()] {
        for text in [format!("{family:?}"), format!("{family:#?}")] {
            assert!(
                text.contains("sealed") || text.contains("redacted"),
                "{text}"
            );
            // A family key cannot be read back, so refuse any long hex run.
            let longest_hex_run = text
                .split(|c: char| !c.is_ascii_hexdigit())
                .map(str::len)
                .max()
                .unwrap_or(0);
            assert!(longest_hex_run < 8, "{text}");
            checks += 1;
        }
    }
    println!("text_forms_and_debug: {checks} checks over 16 authorities");
}

/// A client that pins the authority should refuse an envelope escrowed to
/// another key whatever its policy: under `Clipper16` too, the field names
/// its escrow key in its first 32 bytes, in clear.
#[test]
fn compliance_policies_pinned_authority_under_clipper16() {
    let right_key = EscrowAuthority::generate().public_key();
    let other_key = EscrowAuthority::generate().public_key();
    let sender = identity(0x9172, 0);
    let recipients = recipients(0x9172, 1);
    let pubs = publics(&recipients);
    let self_escrowed = escrow::seal(&sender, &pubs, &other_key, b"pinned").unwrap();
    let opened = compliant_client(
        &recipients[0],
        LeafCheck::Clipper16,
        Some(&right_key),
        FamilyKey::default(),
    )
    .open(&self_escrowed)
    .map_err(Error::from);
    assert!(
        matches!(opened, Err(Error::InvalidAccessField)),
        "a Clipper16 client pinned to one authority accepted an envelope escrowed to another: {:?}",
        opened.map(|o| o.plaintext().to_vec())
    );
    println!("compliance_policies_pinned_authority_under_clipper16: 1 check");
}

/// A compliant client for `me`: `policy`, pinned to `trust` (or unpinned),
/// of chip family `family`.
fn compliant_client<'a>(
    me: &'a Identity,
    policy: LeafCheck,
    trust: Option<&EscrowKey>,
    family: FamilyKey,
) -> e2e::Opener<'a> {
    let check = match trust {
        Some(key) => Compliance::pinned(key),
        None => Compliance::unpinned(),
    };
    e2e::Opener::new(me).layer(check.policy(policy).family(family))
}
