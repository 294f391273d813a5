//! **Hazardous materials: teaching hooks and the RFC's building blocks. Do
//! not build on these.** Public only with the `hazmat` cargo feature, which
//! the lessons' crate and doormat's own known-answer tests enable; an
//! importer of doormat compiles none of it unless it asks.
//!
//! Each item here exposes something a careful API hides: a shared secret,
//! a derandomized encapsulation (reusing its randomness reuses keys), or a
//! compliant client's private check as an oracle. They exist so that tests
//! can check intermediate values against published vectors, and so that the
//! lessons can show attacks by running them.

/// HPKE's steps one by one (RFC 9180 §4, §5.1): `Encap`/`Decap` with the
/// shared secret visible, `KeySchedule` with its outputs readable, and a
/// sender setup from caller-chosen randomness — what known-answer tests
/// need and nothing else should.
pub mod hpke {
    pub use crate::hpke::hazmat::{decap, encap_derand, setup_sender_derand, KeySchedule};

    use crate::hpke::{PublicKey, XWing};

    /// The X25519 component of an X-Wing public key (its last 32 bytes):
    /// what a quantum computer that solves X25519 — and only X25519 —
    /// could attack. For the lesson that simulates one.
    pub fn xwing_x25519_component(pk: &PublicKey<XWing>) -> [u8; 32] {
        pk.x25519_component()
    }
}

/// What an observer reads in an envelope header, by stanza: for lessons
/// that attack the stanzas' public parts.
pub mod e2e {
    use crate::e2e::Header;

    /// The HPKE `enc` of stanza `i`, in clear for every observer: an
    /// ephemeral X25519 public key (32 bytes), or an X-Wing ciphertext
    /// (1,120 bytes).
    pub fn stanza_enc(header: &Header, i: usize) -> Option<&[u8]> {
        header.stanza_enc(i)
    }
}

/// A compliant client's check as a yes/no device, as Matt Blaze had in
/// 1994: for the LEAF-forgery lesson.
pub mod escrow {
    pub use crate::escrow::client::FieldOracle;

    use crate::e2e::Sealing;
    use crate::escrow::Compliance;

    /// `client`'s check as a device that answers yes or no, for one
    /// envelope being sealed: would it accept a given access field in that
    /// envelope? The family key stays sealed inside; under
    /// [`LeafCheck::Recompute`](crate::escrow::LeafCheck::Recompute) the
    /// expected field is rebuilt once per named key, not once per question.
    pub fn field_oracle<'s>(client: &'s Compliance, sealing: &'s Sealing<'s>) -> FieldOracle<'s> {
        client.field_oracle(sealing)
    }
}

/// Shamir secret sharing of bytes over GF(2^8): the split behind escrow's
/// k-of-n custody ([`EscrowAuthority::split_with`](crate::escrow::EscrowAuthority::split_with)),
/// open to lessons that need a threshold of their own — the scanning
/// lesson's safety vouchers, which a provider can open only once an account
/// has sent `t` matching pictures.
///
/// Any `threshold` shares rebuild the secret; fewer say nothing about it.
/// Each byte of the secret is the constant term of its own random
/// polynomial of degree `threshold - 1`; a share is the point `(x, f(x))` of
/// every such polynomial, for a public index `x` in `1..=shares`.
///
/// ```
/// use doormat::hazmat::shamir;
/// use doormat::random::{SeedableRng, SeededRng};
///
/// let mut rng = SeededRng::from_seed([7; 32]);
/// let shares = shamir::split(b"voucher key", 3, 5, &mut rng)?;
/// assert_eq!((shares[4].index(), shares[4].threshold()), (5, 3));
/// assert_eq!(&shamir::combine(&shares[1..4])?[..], b"voucher key");
/// assert!(shamir::combine(&shares[..2]).is_err());
/// // A share travels as its three parts and is rebuilt from them.
/// let copy = shamir::Share::from_parts(shares[0].index(), 3, shares[0].bytes())?;
/// assert_eq!(&shamir::combine(&[copy, shares[2].clone(), shares[3].clone()])?[..], b"voucher key");
/// # Ok::<(), doormat::escrow::Error>(())
/// ```
pub mod shamir {
    use zeroize::Zeroizing;

    use crate::escrow::{shamir, Error};
    use crate::random::TryCryptoRng;

    pub use crate::escrow::shamir::Share;

    /// Splits `secret` into `shares` shares (indices `1..=shares`), any
    /// `threshold` of which rebuild it; the polynomial coefficients come from
    /// `rng` and are wiped after use. `threshold == 1` replicates the secret.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for an empty secret, a zero threshold or
    /// share count, or a threshold above the share count;
    /// [`Error::RandomFailed`] if `rng` fails.
    pub fn split<R: TryCryptoRng + ?Sized>(
        secret: &[u8],
        threshold: u8,
        shares: u8,
        rng: &mut R,
    ) -> Result<Vec<Share>, Error> {
        shamir::split(secret, threshold, shares, rng)
    }

    /// Rebuilds the secret from at least `threshold` shares, in any order;
    /// shares beyond the threshold must lie on the same polynomials.
    ///
    /// # Errors
    ///
    /// [`Error::TooFewShares`], [`Error::DuplicateShare`] (an index given
    /// twice), [`Error::InconsistentShares`] (shares of different splits or
    /// thresholds, or a malformed share).
    pub fn combine(shares: &[Share]) -> Result<Zeroizing<Vec<u8>>, Error> {
        shamir::combine(shares)
    }
}
