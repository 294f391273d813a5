//! HPKE's own errors: what RFC 9180 names, and nothing from the layers above.

use core::fmt;

use crate::random::RandomFailed;

/// What can go wrong in HPKE (RFC 9180) and its KEMs.
///
/// Small and `Copy`, like the RFC's error list. Decryption failures are
/// deliberately coarse: [`Error::OpenFailed`] never says *which* check
/// failed, so no oracle leaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// An input had the wrong length: a key, an `enc`, randomness.
    InvalidLength {
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// Bytes of the right length that are not a valid key (a non-canonical
    /// or low-order X25519 point where it is checked, an ML-KEM key that
    /// fails FIPS 203's check).
    InvalidKey,
    /// The random number generator failed.
    RandomFailed,
    /// The context's sequence number would overflow (RFC 9180 §5.2,
    /// `MessageLimitReachedError`); the context is spent.
    MessageLimitReached,
    /// `psk` and `psk_id` must be both present or both absent, and present
    /// exactly in the PSK modes (RFC 9180 §5.1, `VerifyPSKInputs`).
    InconsistentPsk,
    /// A PSK shorter than [`MIN_PSK_LEN`](super::MIN_PSK_LEN) bytes (RFC
    /// 9180 §5.1.2 requires 32 bytes of entropy).
    PskTooShort,
    /// A Diffie-Hellman output was all zeros: the peer's public key is a
    /// low-order point (RFC 9180 §7.1.4).
    ZeroSharedSecret,
    /// An HPKE mode that does not exist, or that the KEM does not define
    /// (draft-ietf-hpke-pq gives the post-quantum KEMs no authenticated modes).
    UnsupportedMode(u8),
    /// `export` asked for more than 255 × Nh bytes (RFC 9180 §5.3).
    ExportTooLong,
    /// `seal` or `open` on a context set up with [`Aead::ExportOnly`](super::Aead::ExportOnly).
    ExportOnly,
    /// A plaintext too long for the AEAD.
    PlaintextTooLong,
    /// Decryption failed. Deliberately opaque: wrong key, wrong `info`,
    /// wrong `aad`, wrong PSK or a modified ciphertext all look the same.
    OpenFailed,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidLength { expected, got } => {
                write!(f, "wrong length: expected {expected}, got {got}")
            }
            Error::InvalidKey => f.write_str("bytes are not a valid key"),
            Error::RandomFailed => f.write_str("the random number generator failed"),
            Error::MessageLimitReached => f.write_str("HPKE sequence number exhausted"),
            Error::InconsistentPsk => f.write_str("inconsistent psk / psk_id for this HPKE mode"),
            Error::PskTooShort => f.write_str("HPKE PSK shorter than 32 bytes"),
            Error::ZeroSharedSecret => {
                f.write_str("all-zero Diffie-Hellman output (low-order public key)")
            }
            Error::UnsupportedMode(m) => write!(f, "HPKE mode {m} is not defined for this KEM"),
            Error::ExportTooLong => f.write_str("HPKE export length over 255 * Nh"),
            Error::ExportOnly => f.write_str("seal/open on an export-only HPKE context"),
            Error::PlaintextTooLong => f.write_str("plaintext too long for the AEAD"),
            Error::OpenFailed => f.write_str("HPKE decryption failed"),
        }
    }
}

impl std::error::Error for Error {}

impl From<RandomFailed> for Error {
    fn from(_: RandomFailed) -> Error {
        Error::RandomFailed
    }
}

/// `Result` with HPKE's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;

/// The length check every fixed-size input passes.
pub(crate) fn check_len(bytes: &[u8], expected: usize) -> Result<()> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(Error::InvalidLength {
            expected,
            got: bytes.len(),
        })
    }
}
