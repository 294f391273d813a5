//! Fingerprints and safety numbers: what two people compare out of band.

use core::fmt;

use super::PublicIdentity;
use crate::hash::SHA256_LEN;

/// Length of a [`Fingerprint`] (a SHA-256 output).
pub const FINGERPRINT_LEN: usize = SHA256_LEN;
/// Length of a [`SafetyNumber`] (a SHA-512 output).
const SAFETY_NUMBER_LEN: usize = 64;
const SAFETY_NUMBER_LABEL: &[u8] = b"doormat safety number v1";

/// A key's fingerprint: 32 bytes of SHA-256, displayed as the first 16 bytes
/// in eight groups of four hex digits (128 bits is plenty for a human check).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fingerprint(pub(super) [u8; FINGERPRINT_LEN]);

impl Fingerprint {
    /// A fingerprint from its 32 bytes.
    pub const fn from_bytes(bytes: [u8; FINGERPRINT_LEN]) -> Fingerprint {
        Fingerprint(bytes)
    }

    /// The full 32 bytes.
    pub fn as_bytes(&self) -> &[u8; FINGERPRINT_LEN] {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, pair) in self.0[..FINGERPRINT_LEN / 2].chunks(2).enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}", hex::encode(pair))?;
        }
        Ok(())
    }
}

impl fmt::Debug for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Fingerprint({self})")
    }
}

/// A number two users compare out of band (read aloud, or side by side) to
/// know they hold each other's true keys: a key directory that swapped or
/// added a key changes it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct SafetyNumber([u8; SAFETY_NUMBER_LEN]);

impl fmt::Display for SafetyNumber {
    /// Twelve groups of five decimal digits, as in Signal.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Six 64-bit words, each giving ten digits: 2^64 mod 10^10 leaves a
        // bias below 10^-9.
        const WORDS: usize = 6;
        for (i, chunk) in self.0[..WORDS * 8].chunks_exact(8).enumerate() {
            let word = u64::from_be_bytes(chunk.try_into().expect("chunks of 8"));
            let n = word % 10_000_000_000;
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{:05} {:05}", n / 100_000, n % 100_000)?;
        }
        Ok(())
    }
}

impl fmt::Debug for SafetyNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SafetyNumber({self})")
    }
}

/// The safety number of a pair of users; the same whichever order they are given.
pub fn safety_number(a: &PublicIdentity, b: &PublicIdentity) -> SafetyNumber {
    let (fa, fb) = (a.fingerprint(), b.fingerprint());
    let (lo, hi) = if fa <= fb { (fa, fb) } else { (fb, fa) };
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA512);
    for part in [SAFETY_NUMBER_LABEL, &lo.0, &hi.0] {
        ctx.update(part);
    }
    let mut out = [0u8; SAFETY_NUMBER_LEN];
    out.copy_from_slice(ctx.finish().as_ref());
    SafetyNumber(out)
}
