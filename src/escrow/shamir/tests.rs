//! Unit tests of the GF(2^8) arithmetic and of Shamir splitting and
//! combining, which are private to the module.

use super::*;
use crate::random::SystemRng;
use proptest::prelude::*;

/// Textbook carry-less multiply into 16 bits, then long division by
/// 0x11b: a different algorithm from `gf_mul`, with branches.
fn reference_mul(a: u8, b: u8) -> u8 {
    let mut wide: u16 = 0;
    for bit in 0..8 {
        if b & (1 << bit) != 0 {
            wide ^= u16::from(a) << bit;
        }
    }
    for bit in (8..16).rev() {
        if wide & (1 << bit) != 0 {
            wide ^= 0x11b << (bit - 8);
        }
    }
    u8::try_from(wide).expect("reduced below 2^8")
}

/// Shares whose bits are set in `mask`, in x order.
fn subset(shares: &[Share], mask: u32) -> Vec<Share> {
    shares
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, share)| share.clone())
        .collect()
}

/// All masks over `n` shares with exactly `k` bits set.
fn masks(n: u8, k: u8) -> impl Iterator<Item = u32> {
    (0u32..1 << n).filter(move |m| m.count_ones() == u32::from(k))
}

fn share(x: u8, threshold: u8, y: &[u8]) -> Share {
    Share {
        x,
        threshold,
        y: Zeroizing::new(y.to_vec()),
    }
}

fn split_sys(secret: &[u8], k: u8, n: u8) -> Vec<Share> {
    split(secret, k, n, &mut SystemRng).expect("valid split")
}

// ----- field -----

#[test]
fn gf_mul_matches_reference_for_all_pairs() {
    for a in 0..=255u8 {
        for b in 0..=255u8 {
            assert_eq!(gf_mul(a, b), reference_mul(a, b), "{a:#04x} * {b:#04x}");
        }
    }
}

#[test]
fn gf_mul_fips197_vectors() {
    // FIPS-197 §4.2 and §4.2.1; {53}{ca} = {01} is the classic inverse pair.
    assert_eq!(gf_mul(0x57, 0x83), 0xc1);
    assert_eq!(gf_mul(0x57, 0x13), 0xfe);
    assert_eq!(gf_mul(0x57, 0x02), 0xae);
    assert_eq!(gf_mul(0x57, 0x10), 0x07);
    assert_eq!(gf_mul(0x53, 0xca), 0x01);
}

#[test]
fn gf_one_and_zero() {
    for a in 0..=255u8 {
        assert_eq!(gf_mul(a, 1), a);
        assert_eq!(gf_mul(1, a), a);
        assert_eq!(gf_mul(a, 0), 0);
        assert_eq!(gf_mul(0, a), 0);
    }
}

#[test]
fn gf_inv_is_inverse_for_all_nonzero() {
    for a in 1..=255u8 {
        let inv = gf_inv(a);
        assert_eq!(gf_mul(a, inv), 1, "{a:#04x} * inv = 1");
        assert_eq!(gf_inv(inv), a, "inverse is an involution");
    }
    assert_eq!(gf_inv(0), 0);
    assert_eq!(gf_inv(0x53), 0xca);
}

proptest! {
    #[test]
    fn gf_field_axioms(a: u8, b: u8, c: u8) {
        prop_assert_eq!(gf_mul(a, b), gf_mul(b, a));
        prop_assert_eq!(gf_mul(gf_mul(a, b), c), gf_mul(a, gf_mul(b, c)));
        prop_assert_eq!(gf_mul(a, b ^ c), gf_mul(a, b) ^ gf_mul(a, c));
    }
}

// ----- split -----

#[test]
fn split_rejects_bad_arguments() {
    let mut rng = SystemRng;
    let cases: [(&[u8], u8, u8, &str); 5] = [
        (&[], 2, 3, "secret to split must not be empty"),
        (&[1], 0, 3, "share threshold must be at least 1"),
        (&[1], 0, 0, "share threshold must be at least 1"),
        (&[1], 1, 0, "number of shares must be at least 1"),
        (
            &[1],
            4,
            3,
            "share threshold must not exceed the number of shares",
        ),
    ];
    for (secret, k, n, why) in cases {
        match split(secret, k, n, &mut rng) {
            Err(Error::InvalidArgument(msg)) => assert_eq!(msg, why, "k={k} n={n}"),
            other => panic!("k={k} n={n}: expected InvalidArgument, got {other:?}"),
        }
    }
}

#[test]
fn split_sets_x_threshold_and_length() {
    let secret = [7u8; 32];
    let shares = split_sys(&secret, 3, 255);
    assert_eq!(shares.len(), 255);
    for (i, share) in shares.iter().enumerate() {
        assert_eq!(usize::from(share.x), i + 1);
        assert_eq!(share.threshold, 3);
        assert_eq!(share.y.len(), 32);
    }
    assert_eq!(&*combine(&shares[252..]).expect("combine"), &secret);
}

#[test]
fn threshold_one_shares_are_the_secret() {
    let secret = b"replicated, not shared".to_vec();
    let shares = split_sys(&secret, 1, 4);
    for share in &shares {
        assert_eq!(&*share.y, &secret);
        assert_eq!(
            &*combine(core::slice::from_ref(share)).expect("one"),
            &secret
        );
    }
}

#[test]
fn shares_hide_the_secret_for_threshold_two_or_more() {
    // Each share byte equals the secret byte only if its coefficients
    // vanish at x: chance 2^-256 per 32-byte share.
    let secret = [0x5au8; 32];
    for k in 2..=5 {
        for share in split_sys(&secret, k, 5) {
            assert_ne!(&*share.y, &secret, "k={k} x={}", share.x);
        }
    }
}

#[test]
fn split_known_answer() {
    // f(x) = 0x42 + 3x: f(1) = 0x41, f(2) = 0x42 ^ 0x06, f(3) = 0x42 ^ 0x05
    // (3*3 = (X+1)^2 = X^2+1).
    let shares = split_with_coefficients(&[0x42], 2, 3, &[0x03]);
    let ys: Vec<u8> = shares.iter().map(|s| s.y[0]).collect();
    assert_eq!(ys, [0x41, 0x44, 0x47]);
    assert_eq!(&*combine(&shares[1..]).expect("combine"), &[0x42]);
    assert_eq!(
        &*combine(&[shares[2].clone(), shares[0].clone()]).expect("combine"),
        &[0x42]
    );
}

proptest! {
    #[test]
    fn split_matches_naive_evaluation(
        secret in proptest::collection::vec(any::<u8>(), 1..=16),
        (n, k) in (1u8..=12).prop_flat_map(|n| (Just(n), 1..=n)),
        seed: u64,
    ) {
        // Deterministic "random" coefficients from the seed.
        let rows = usize::from(k - 1);
        let mut state = seed | 1;
        let coefficients: Vec<u8> = (0..rows * secret.len())
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state.to_le_bytes()[0]
            })
            .collect();
        let shares = split_with_coefficients(&secret, k, n, &coefficients);
        prop_assert_eq!(shares.len(), usize::from(n));
        for share in &shares {
            for (b, &s) in secret.iter().enumerate() {
                let mut want = s;
                let mut power = 1u8;
                for j in 0..rows {
                    power = reference_mul(power, share.x);
                    want ^= reference_mul(coefficients[j * secret.len() + b], power);
                }
                prop_assert_eq!(share.y[b], want);
            }
        }
    }
}

// ----- combine: round trips -----

proptest! {
    #[test]
    fn every_k_subset_recovers_secret(
        secret in proptest::collection::vec(any::<u8>(), 1..=64),
        (n, k) in (1u8..=10).prop_flat_map(|n| (Just(n), 1..=n)),
    ) {
        let shares = split_sys(&secret, k, n);
        // At most C(10, 5) = 252 subsets: check them all, in both orders.
        for mask in masks(n, k) {
            let mut chosen = subset(&shares, mask);
            prop_assert_eq!(&**combine(&chosen).expect("k shares"), &secret[..]);
            chosen.reverse();
            prop_assert_eq!(&**combine(&chosen).expect("k shares"), &secret[..]);
        }
        // All n shares: the extras verify and the secret comes back.
        let mut all = shares.clone();
        prop_assert_eq!(&**combine(&all).expect("all shares"), &secret[..]);
        all.reverse();
        prop_assert_eq!(&**combine(&all).expect("all shares"), &secret[..]);
    }

    #[test]
    fn fewer_than_k_shares_do_not_recover(
        secret in proptest::collection::vec(any::<u8>(), 32),
        (n, k) in (2u8..=10).prop_flat_map(|n| (Just(n), 2..=n)),
    ) {
        let shares = split_sys(&secret, k, n);
        for mask in masks(n, k - 1) {
            let chosen = subset(&shares, mask);
            // Honest shares refuse outright.
            let too_few = matches!(
                combine(&chosen),
                Err(Error::TooFewShares { needed, got }) if needed == k && got == usize::from(k - 1)
            );
            prop_assert!(too_few);
            // Lie about the threshold: k-1 points define a polynomial of
            // degree k-2 that misses f(0) unless the top coefficient of
            // every byte is 0 (chance 2^-256).
            let forged: Vec<Share> = chosen
                .into_iter()
                .map(|mut s| { s.threshold = k - 1; s })
                .collect();
            let guess = combine(&forged).expect("consistent forged shares");
            prop_assert_ne!(&**guess, &secret[..]);
        }
    }

    #[test]
    fn combine_never_panics(
        raw in proptest::collection::vec(
            (any::<u8>(), 0u8..=4, proptest::collection::vec(any::<u8>(), 0..=3)),
            0..=6,
        ),
    ) {
        let shares: Vec<Share> = raw.iter().map(|(x, k, y)| share(*x, *k, y)).collect();
        match combine(&shares) {
            Ok(secret) => {
                prop_assert_eq!(secret.len(), shares[0].y.len());
                prop_assert!(shares.len() >= usize::from(shares[0].threshold));
            }
            Err(Error::TooFewShares { .. })
            | Err(Error::DuplicateShare(_))
            | Err(Error::InconsistentShares) => {}
            Err(other) => prop_assert!(false, "unexpected error {other:?}"),
        }
    }
}

// ----- combine: errors -----

#[test]
fn combine_empty_is_too_few() {
    assert!(matches!(
        combine(&[]),
        Err(Error::TooFewShares { needed: 1, got: 0 })
    ));
}

#[test]
fn combine_too_few() {
    let shares = split_sys(&[1, 2, 3], 3, 5);
    assert!(matches!(
        combine(&shares[..2]),
        Err(Error::TooFewShares { needed: 3, got: 2 })
    ));
    assert!(matches!(
        combine(&shares[4..]),
        Err(Error::TooFewShares { needed: 3, got: 1 })
    ));
}

#[test]
fn combine_duplicate() {
    let shares = split_sys(&[1, 2, 3], 2, 5);
    let twice = [shares[3].clone(), shares[3].clone()];
    assert!(matches!(combine(&twice), Err(Error::DuplicateShare(4))));
    // Same x with a different y is still a duplicate, even with enough others.
    let mut other = shares[1].clone();
    other.x = 1;
    let mixed = [shares[0].clone(), shares[2].clone(), other];
    assert!(matches!(combine(&mixed), Err(Error::DuplicateShare(1))));
}

#[test]
fn combine_inconsistent_threshold() {
    let a = split_sys(&[9; 16], 2, 3);
    let b = split_sys(&[9; 16], 3, 3);
    let mixed = [a[0].clone(), b[1].clone(), b[2].clone()];
    assert!(matches!(combine(&mixed), Err(Error::InconsistentShares)));
    let mixed = [b[0].clone(), b[1].clone(), a[2].clone()];
    assert!(matches!(combine(&mixed), Err(Error::InconsistentShares)));
}

#[test]
fn combine_inconsistent_length() {
    let a = split_sys(&[9; 16], 2, 3);
    let b = split_sys(&[9; 17], 2, 3);
    let mixed = [a[0].clone(), b[1].clone()];
    assert!(matches!(combine(&mixed), Err(Error::InconsistentShares)));
}

#[test]
fn combine_rejects_malformed_shares() {
    // x == 0 would be the secret itself; split never makes it.
    let zero_x = [share(0, 2, &[1, 2]), share(1, 2, &[3, 4])];
    assert!(matches!(combine(&zero_x), Err(Error::InconsistentShares)));
    let zero_x_later = [share(1, 2, &[1, 2]), share(0, 2, &[3, 4])];
    assert!(matches!(
        combine(&zero_x_later),
        Err(Error::InconsistentShares)
    ));
    let zero_threshold = [share(1, 0, &[1, 2])];
    assert!(matches!(
        combine(&zero_threshold),
        Err(Error::InconsistentShares)
    ));
    let empty_y = [share(1, 1, &[])];
    assert!(matches!(combine(&empty_y), Err(Error::InconsistentShares)));
}

#[test]
fn tampered_extra_share_is_inconsistent() {
    let secret = [0x11u8; 32];
    let mut shares = split_sys(&secret, 3, 5);
    assert_eq!(&*combine(&shares).expect("untampered"), &secret);
    shares[4].y[31] ^= 0x80;
    assert!(matches!(combine(&shares), Err(Error::InconsistentShares)));
    // The first three alone still rebuild the secret.
    assert_eq!(&*combine(&shares[..3]).expect("first three"), &secret);
}

#[test]
fn tampered_used_share_is_caught_or_wrong() {
    let secret = [0x22u8; 32];
    let mut shares = split_sys(&secret, 3, 5);
    shares[0].y[0] ^= 1;
    // With only k shares there is nothing to check against: wrong secret.
    let wrong = combine(&shares[..3]).expect("shape is fine");
    assert_ne!(&*wrong, &secret);
    assert_eq!(&wrong[1..], &secret[1..], "only the tampered byte changes");
    // With extras the lie is detected.
    assert!(matches!(combine(&shares), Err(Error::InconsistentShares)));
}

// ----- Share -----

#[test]
fn debug_redacts_y() {
    let s = share(7, 3, &[0xab; 32]);
    let shown = format!("{s:?}");
    assert_eq!(shown, "Share { x: 7, threshold: 3, y: [redacted] }");
    let pretty = format!("{s:#?}");
    assert!(pretty.contains("[redacted]"));
    for text in [&shown, &pretty] {
        assert!(!text.contains("171"), "{text}");
        assert!(!text.to_lowercase().contains("ab"), "{text}");
    }
}

proptest! {
    #[test]
    fn debug_never_shows_y(
        x: u8,
        k: u8,
        y in proptest::collection::vec(any::<u8>(), 4..=64),
    ) {
        let s = share(x, k, &y);
        let hex: String = y.iter().map(|b| format!("{b:02x}")).collect();
        for shown in [format!("{s:?}"), format!("{s:#?}")] {
            prop_assert!(shown.contains("[redacted]"));
            let listed = format!("{y:?}");
            let listed_prefix = format!("{:?}", &y[..4]);
            prop_assert!(!shown.contains(&listed));
            prop_assert!(!shown.contains(&listed_prefix));
            prop_assert!(!shown.to_lowercase().contains(&hex));
            prop_assert!(!shown.to_lowercase().contains(&hex[..8]));
        }
    }
}

#[test]
fn clone_is_independent() {
    let original = share(5, 2, &[1, 2, 3]);
    let mut copy = original.clone();
    assert_eq!(
        (copy.x, copy.threshold, &copy.y[..]),
        (5, 2, &[1u8, 2, 3][..])
    );
    copy.y[0] = 9;
    assert_eq!(&*original.y, &[1, 2, 3]);
}
