//! The one error type of the crate.
//!
//! Shape problems (a wrong prefix, a malformed header, too many recipients) get
//! their own variants so callers can tell a bug from an attack. Authentication
//! failures are deliberately coarse: HPKE's `open` reports a single
//! [`Error::OpenFailed`], never *which* check failed, so no oracle leaks.

use core::fmt;

/// Everything that can go wrong in doormat.
///
/// `#[non_exhaustive]`: new variants may appear in minor releases.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    // ----- text forms and keys -----
    /// A text form did not start with the expected typed, versioned prefix.
    WrongPrefix {
        /// The prefix that was expected, e.g. `doormat-public-1`.
        expected: &'static str,
    },
    /// An input had the wrong length (in bytes, or in hex digits for a text form).
    InvalidLength {
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A text form contained something other than lowercase hex digits.
    InvalidHex,
    /// Bytes of the right length that are not a valid key.
    InvalidKey,
    /// The random number generator failed to supply bytes (the operating
    /// system's, or one the caller gave).
    RandomFailed,

    // ----- HPKE (RFC 9180) -----
    /// The context's sequence number would overflow (RFC 9180 §5.2,
    /// `MessageLimitReachedError`); the context is spent.
    MessageLimitReached,
    /// `psk` and `psk_id` must be both present or both absent, and present
    /// exactly in the PSK modes (RFC 9180 §5.1, `VerifyPSKInputs`).
    InconsistentPsk,
    /// A PSK shorter than 32 bytes (RFC 9180 §5.1.2 requires 32 bytes of
    /// entropy).
    PskTooShort,
    /// A Diffie-Hellman output was all zeros: the peer's public key is a
    /// low-order point (RFC 9180 §7.1.4).
    ZeroSharedSecret,
    /// An HPKE mode the KEM does not define (draft-ietf-hpke-pq gives the
    /// post-quantum KEMs no authenticated modes).
    UnsupportedMode(u8),
    /// `export` asked for more than 255 × Nh bytes (RFC 9180 §5.3).
    ExportTooLong,
    /// `seal` or `open` on a context set up with [`Aead::ExportOnly`](crate::hpke::Aead::ExportOnly).
    ExportOnly,
    /// HPKE decryption failed. Deliberately opaque: wrong key, wrong `info`,
    /// wrong `aad`, wrong PSK or a modified ciphertext all look the same.
    OpenFailed,

    // ----- envelopes -----
    /// The bytes do not start with a doormat envelope's magic.
    NotAnEnvelope,
    /// A doormat envelope of a version this build does not read.
    UnsupportedVersion(u8),
    /// A suite (payload cipher) id this build does not know.
    UnsupportedSuite(u16),
    /// The envelope header is malformed: a length or count out of bounds, a
    /// duplicated stanza or recipient, extensions out of order, an unknown flag.
    MalformedHeader(&'static str),
    /// The caller asked for something the format cannot carry (no recipients,
    /// more than the recipient limit, a chunk size out of range).
    InvalidArgument(&'static str),
    /// Post-quantum and classical recipients in one envelope, without the
    /// sealer's opt-in ([`Sealer::allow_mixed_kems`](crate::e2e::Sealer::allow_mixed_kems)):
    /// the classical stanza would let a future quantum computer read what
    /// the post-quantum ones protect.
    MixedKems,
    /// None of the envelope's stanzas opens with this identity's key, or one
    /// does but the sender's signed recipient set does not name this identity
    /// (same X25519 key, different signing key).
    NotARecipient,
    /// The header (or the associated data) does not match the one the
    /// content key was sealed with: the sealed sender block fails to open.
    HeaderTampered,
    /// The sender's signature over header and payload does not verify.
    BadSignature,
    /// The envelope verified, but its sender is not the one the opener was
    /// told to expect ([`Opener::expect_sender`](crate::e2e::Opener::expect_sender)).
    UnexpectedSender,
    /// A payload chunk or the sealed signature block failed authentication:
    /// modified, reordered, spliced, or with bytes appended.
    PayloadTampered,
    /// The payload ended early: cut at a chunk boundary (the last chunk present
    /// was sealed as a middle one) or inside the final blocks.
    Truncated,
    /// An I/O error from a streaming reader or writer.
    Io(std::io::Error),

    // ----- escrow -----
    /// The envelope carries no escrow access field: it is a clean E2E envelope
    /// and there is nothing for an escrow authority to open.
    NotEscrowed,
    /// The escrow access field is present but fails the compliance check, or
    /// (for an authority) is forged or made for another authority.
    InvalidAccessField,
    /// Fewer key shares than the threshold.
    TooFewShares {
        /// Shares needed.
        needed: u8,
        /// Shares given.
        got: usize,
    },
    /// Two shares with the same index.
    DuplicateShare(u8),
    /// Shares that do not belong together (different thresholds, sets or lengths),
    /// or that recombine to a key whose check fails.
    InconsistentShares,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongPrefix { expected } => {
                write!(f, "text form does not start with `{expected}`")
            }
            Error::InvalidLength { expected, got } => {
                write!(f, "wrong length: expected {expected}, got {got}")
            }
            Error::InvalidHex => f.write_str("text form is not lowercase hex"),
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
            Error::OpenFailed => f.write_str("HPKE decryption failed"),
            Error::NotAnEnvelope => f.write_str("not a doormat envelope"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported envelope version {v}"),
            Error::UnsupportedSuite(s) => write!(f, "unsupported suite 0x{s:04x}"),
            Error::MalformedHeader(why) => write!(f, "malformed envelope header: {why}"),
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::MixedKems => f.write_str(
                "post-quantum and classical recipients in one envelope (a quantum computer \
                 could read it through the classical stanza); opt in to allow it",
            ),
            Error::NotARecipient => f.write_str("not a recipient of this envelope"),
            Error::HeaderTampered => f.write_str("header or associated data does not match"),
            Error::BadSignature => f.write_str("sender signature does not verify"),
            Error::UnexpectedSender => f.write_str("envelope is from another sender"),
            Error::PayloadTampered => f.write_str("payload chunk failed authentication"),
            Error::Truncated => f.write_str("payload truncated or extended"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::NotEscrowed => f.write_str("envelope has no escrow access field"),
            Error::InvalidAccessField => {
                f.write_str("escrow access field fails the compliance check")
            }
            Error::TooFewShares { needed, got } => write!(f, "need {needed} key shares, got {got}"),
            Error::DuplicateShare(i) => write!(f, "key share {i} given twice"),
            Error::InconsistentShares => f.write_str("key shares do not belong together"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e)
    }
}

/// `Result` with doormat's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
