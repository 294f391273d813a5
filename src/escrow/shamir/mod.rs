//! Shamir secret sharing over GF(2^8), one byte at a time.
//!
//! The escrow authority's key is split so that any `threshold` of `shares`
//! custodians can rebuild it, and fewer learn nothing about it. Each byte of
//! the secret is the constant term of its own random polynomial of degree
//! `threshold - 1` over GF(2^8); a share is the point `(x, f(x))` of every
//! such polynomial, for one public `x` in `1..=shares`.
//!
//! The field is the AES field, GF(2)[X] / (X^8 + X^4 + X^3 + X + 1) (0x11b).
//! Addition is XOR. Everything that touches secret bytes (the secret,
//! polynomial coefficients, share values) is constant time: multiplication is
//! a fixed eight-round shift-and-xor with masks instead of branches, and there
//! are no lookup tables indexed by secret values. The share x-coordinates are
//! public, so code may branch on them; inversion is nevertheless a fixed
//! square-and-multiply chain computing a^254.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::error::{Error, Result};
use crate::random::{self, TryCryptoRng};

/// One share: point (x, f(x)) of each byte polynomial.
///
/// `x` and `threshold` are public; `y` is as sensitive as the secret itself
/// (with `threshold - 1` others it rebuilds the key), so it is wiped on drop
/// and never printed by `Debug`.
///
/// With the `hazmat` feature this is `doormat::hazmat::shamir::Share`:
/// [`Share::index`], [`Share::threshold`] and [`Share::bytes`] read it, and
/// [`Share::from_parts`] rebuilds one from them.
#[derive(Clone)]
pub struct Share {
    /// The public x-coordinate, `1..=255`; never 0, because f(0) is the secret.
    pub(crate) x: u8,
    /// How many shares rebuild the secret, carried so `combine` can refuse
    /// too few shares instead of returning a wrong key.
    pub(crate) threshold: u8,
    /// f(x) for each byte's polynomial: as long as the secret. Zeroized on drop.
    pub(crate) y: Zeroizing<Vec<u8>>,
}

#[cfg(feature = "hazmat")]
impl Share {
    /// A share from its parts, as [`Share::index`], [`Share::threshold`] and
    /// [`Share::bytes`] gave them.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for index 0 (the secret's own point),
    /// threshold 0, or no bytes.
    pub fn from_parts(index: u8, threshold: u8, bytes: &[u8]) -> Result<Share> {
        if index == 0 || threshold == 0 || bytes.is_empty() {
            return Err(Error::InvalidArgument(
                "a share needs a non-zero index and threshold and some bytes",
            ));
        }
        Ok(Share {
            x: index,
            threshold,
            y: Zeroizing::new(bytes.to_vec()),
        })
    }

    /// The share's public index `x`, in `1..=255`.
    pub fn index(&self) -> u8 {
        self.x
    }

    /// How many shares rebuild the secret (public).
    pub fn threshold(&self) -> u8 {
        self.threshold
    }

    /// `f(x)` for each byte of the secret: as secret as the secret, with
    /// `threshold - 1` other shares.
    pub fn bytes(&self) -> &[u8] {
        &self.y
    }
}

/// Prints only the public fields, so shares can appear in logs and test
/// failures without leaking key material.
impl fmt::Debug for Share {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Share")
            .field("x", &self.x)
            .field("threshold", &self.threshold)
            .field("y", &format_args!("[redacted]"))
            .finish()
    }
}

/// Splits `secret` into `shares` shares, any `threshold` of which rebuild it.
///
/// Shares get x-coordinates `1..=shares`, in order. The polynomial
/// coefficients come from `rng` and are wiped after use.
///
/// `threshold == 1` is allowed: the polynomials are constant, so every share's
/// `y` *is* the secret (plain replication, no secrecy against any custodian).
///
/// # Errors
///
/// [`Error::InvalidArgument`] for an empty secret, `threshold == 0`,
/// `shares == 0`, `threshold > shares`; [`Error::RandomFailed`] if `rng` fails.
pub(crate) fn split<R: TryCryptoRng + ?Sized>(
    secret: &[u8],
    threshold: u8,
    shares: u8,
    rng: &mut R,
) -> Result<Vec<Share>> {
    if secret.is_empty() {
        return Err(Error::InvalidArgument("secret to split must not be empty"));
    }
    if threshold == 0 {
        return Err(Error::InvalidArgument("share threshold must be at least 1"));
    }
    if shares == 0 {
        return Err(Error::InvalidArgument(
            "number of shares must be at least 1",
        ));
    }
    if threshold > shares {
        return Err(Error::InvalidArgument(
            "share threshold must not exceed the number of shares",
        ));
    }
    // Coefficients 1..threshold-1 of every byte's polynomial; coefficient 0 is
    // the secret byte. Can only overflow for absurd secret lengths.
    let coefficient_len = secret
        .len()
        .checked_mul(usize::from(threshold - 1))
        .ok_or(Error::InvalidArgument("secret too long to split"))?;
    let mut coefficients = Zeroizing::new(vec![0u8; coefficient_len]);
    if !coefficients.is_empty() {
        random::fill(rng, &mut coefficients)?;
    }
    Ok(split_with_coefficients(
        secret,
        threshold,
        shares,
        &coefficients,
    ))
}

/// The deterministic half of [`split`], separate so tests can fix the
/// coefficients.
///
/// `coefficients` holds `threshold - 1` rows of `secret.len()` bytes: row `j`
/// is coefficient `j + 1` of every byte's polynomial. The caller has checked
/// the arguments (non-empty secret, `1 <= threshold <= shares`, matching
/// `coefficients` length).
fn split_with_coefficients(
    secret: &[u8],
    threshold: u8,
    shares: u8,
    coefficients: &[u8],
) -> Vec<Share> {
    (1..=shares)
        .map(|x| {
            // Horner: f(x) = s + x(c1 + x(c2 + ... + x c_{k-1})).
            let mut y = Zeroizing::new(vec![0u8; secret.len()]);
            for row in coefficients.chunks_exact(secret.len()).rev() {
                for (acc, &c) in y.iter_mut().zip(row) {
                    *acc = gf_mul(*acc ^ c, x);
                }
            }
            for (acc, &s) in y.iter_mut().zip(secret) {
                *acc ^= s;
            }
            Share { x, threshold, y }
        })
        .collect()
}

/// Rebuilds the secret from at least `threshold` shares.
///
/// The first `threshold` shares are interpolated at 0. Any further shares
/// are not needed, but they are checked: they must lie on the same
/// polynomials, or the shares do not belong together and nothing is returned
/// (a corrupted or foreign extra share is reported, not silently ignored).
/// The order of the shares does not matter otherwise.
///
/// # Errors
///
/// - [`Error::TooFewShares`] for no shares (`needed: 1, got: 0`, since the
///   threshold is unknown) or fewer than the shares' threshold;
/// - [`Error::DuplicateShare`] if an x-coordinate appears twice;
/// - [`Error::InconsistentShares`] if a share has `x == 0`, `threshold == 0`
///   or an empty `y`, if the shares disagree on threshold or `y` length, or if
///   shares beyond the threshold do not lie on the interpolated polynomials.
///
/// Never panics.
pub(crate) fn combine(shares: &[Share]) -> Result<Zeroizing<Vec<u8>>> {
    let first = shares
        .first()
        .ok_or(Error::TooFewShares { needed: 1, got: 0 })?;
    let threshold = first.threshold;
    let len = first.y.len();
    // `split` never makes a threshold-0 or empty share.
    if threshold == 0 || len == 0 {
        return Err(Error::InconsistentShares);
    }
    let mut seen = [false; 256];
    for share in shares {
        if share.x == 0 || share.threshold != threshold || share.y.len() != len {
            return Err(Error::InconsistentShares);
        }
        let slot = &mut seen[usize::from(share.x)];
        if *slot {
            return Err(Error::DuplicateShare(share.x));
        }
        *slot = true;
    }
    let needed = usize::from(threshold);
    if shares.len() < needed {
        return Err(Error::TooFewShares {
            needed: threshold,
            got: shares.len(),
        });
    }
    let (used, extra) = shares.split_at(needed);
    let xs: Vec<u8> = used.iter().map(|share| share.x).collect();

    let mut secret = Zeroizing::new(vec![0u8; len]);
    interpolate(used, &lagrange_weights(&xs, 0), &mut secret);

    // Every extra share must equal the polynomials' value at its x.
    let mut difference = 0u8;
    let mut expected = Zeroizing::new(vec![0u8; len]);
    for share in extra {
        interpolate(used, &lagrange_weights(&xs, share.x), &mut expected);
        for (&want, &got) in expected.iter().zip(share.y.iter()) {
            difference |= want ^ got;
        }
    }
    if bool::from(difference.ct_ne(&0)) {
        return Err(Error::InconsistentShares);
    }
    Ok(secret)
}

/// Evaluates the polynomials through `shares` at the point `weights` were
/// made for (see [`lagrange_weights`]): `out[b] = sum_i weights[i] * y_i[b]`.
///
/// Constant time in the `y` values. Shares must all be `out.len()` long.
fn interpolate(shares: &[Share], weights: &[u8], out: &mut [u8]) {
    out.fill(0);
    for (share, &weight) in shares.iter().zip(weights) {
        for (acc, &y) in out.iter_mut().zip(share.y.iter()) {
            *acc ^= gf_mul(weight, y);
        }
    }
}

/// Lagrange basis values at `at` for the distinct public nodes `xs`:
/// `l_i(at) = prod_{j != i} (at - x_j) / (x_i - x_j)`, where minus is XOR.
///
/// Depends only on public x-coordinates, so it may branch on them.
fn lagrange_weights(xs: &[u8], at: u8) -> Vec<u8> {
    xs.iter()
        .enumerate()
        .map(|(i, &xi)| {
            let mut numerator = 1u8;
            let mut denominator = 1u8;
            for (j, &xj) in xs.iter().enumerate() {
                if i != j {
                    numerator = gf_mul(numerator, at ^ xj);
                    denominator = gf_mul(denominator, xi ^ xj);
                }
            }
            gf_mul(numerator, gf_inv(denominator))
        })
        .collect()
}

/// Multiplication in GF(2^8) mod 0x11b, constant time in both operands.
///
/// Eight fixed rounds; each bit of `b` and the carry out of `a` become
/// all-zeros/all-ones masks, so there are no data-dependent branches or
/// table lookups.
#[inline]
fn gf_mul(a: u8, b: u8) -> u8 {
    let mut a = a;
    let mut b = b;
    let mut product = 0u8;
    for _ in 0..8 {
        product ^= a & 0u8.wrapping_sub(b & 1);
        let carry = 0u8.wrapping_sub(a >> 7);
        a = (a << 1) ^ (0x1b & carry);
        b >>= 1;
    }
    product
}

/// Inverse in GF(2^8) as a^254 (= a^-1 since a^255 = 1), by a fixed
/// square-and-multiply chain: constant time, and maps 0 to 0.
fn gf_inv(a: u8) -> u8 {
    // 254 = 0b1111_1110: build a^(2^m - 1) for m = 2..7, then square once.
    let a3 = gf_mul(gf_mul(a, a), a);
    let a7 = gf_mul(gf_mul(a3, a3), a);
    let a15 = gf_mul(gf_mul(a7, a7), a);
    let a31 = gf_mul(gf_mul(a15, a15), a);
    let a63 = gf_mul(gf_mul(a31, a31), a);
    let a127 = gf_mul(gf_mul(a63, a63), a);
    gf_mul(a127, a127)
}

#[cfg(test)]
mod tests;
