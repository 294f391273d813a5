//! The envelope's errors: one enum for sealing, one for opening, each with
//! a slot for a [`Layer`](super::Layer)'s own error.
//!
//! Shape problems (a malformed header, too many recipients) get their own
//! variants so callers can tell a bug from an attack. Authentication
//! failures stay coarse — a stanza that does not open is
//! [`OpenError::NotARecipient`] whatever the reason — so no oracle leaks.

use core::fmt;
use std::error::Error as StdError;
use std::io;

use crate::hpke;
use crate::random::RandomFailed;

/// A [`Layer`](super::Layer)'s own error, carried through the envelope
/// unchanged: the envelope does not know what layers exist, so it boxes
/// whatever they report, and callers get it back with
/// [`SealError::layer`] or [`OpenError::layer`].
pub type LayerError = Box<dyn StdError + Send + Sync + 'static>;

/// Why an envelope could not be sealed.
#[derive(Debug)]
#[non_exhaustive]
pub enum SealError {
    /// The caller asked for something the format cannot carry: no
    /// recipients, more than [`MAX_RECIPIENTS`](super::MAX_RECIPIENTS), the
    /// same recipient twice, a chunk size or checkpoint interval out of
    /// range, a duplicate extension type, a header over 1 MiB.
    InvalidArgument(&'static str),
    /// Post-quantum and classical recipients in one envelope, without the
    /// sealer's opt-in ([`Sealer::allow_mixed_kems`](super::Sealer::allow_mixed_kems)):
    /// the classical stanza would let a future quantum computer read what
    /// the post-quantum ones protect.
    MixedKems,
    /// The random number generator failed.
    RandomFailed,
    /// Wrapping the content key failed (no valid recipient key does this).
    Hpke(hpke::Error),
    /// An I/O error from a streaming reader or writer.
    Io(io::Error),
    /// A layer refused to seal, with its own error.
    Layer(LayerError),
}

/// Why an envelope did not open. Nothing is released on any of these, and a
/// streaming open may have written only a signed prefix.
#[derive(Debug)]
#[non_exhaustive]
pub enum OpenError {
    /// The bytes do not start with a doormat envelope's magic.
    NotAnEnvelope,
    /// A doormat envelope of a version this build does not read.
    UnsupportedVersion(u8),
    /// A suite (payload cipher) id this build does not know.
    UnsupportedSuite(u16),
    /// The envelope header is malformed: a length or count out of bounds, a
    /// duplicated stanza or recipient, extensions out of order, an unknown flag.
    MalformedHeader(&'static str),
    /// None of the envelope's stanzas opens with this identity's key, or one
    /// does but the sender's signed recipient set does not name this identity
    /// (same KEM key, different signing key).
    NotARecipient,
    /// The header (or the associated data) does not match the one the
    /// content key was sealed with: the sealed sender block fails to open.
    HeaderTampered,
    /// The sender's signature over header and payload does not verify.
    BadSignature,
    /// The envelope verified, but its sender is not the one the opener was
    /// told to expect ([`Opener::expect_sender`](super::Opener::expect_sender)).
    UnexpectedSender,
    /// A payload chunk or a sealed signature block failed authentication:
    /// modified, reordered, spliced, or with bytes appended.
    PayloadTampered,
    /// The payload ended early: cut at a chunk boundary (the last chunk present
    /// was sealed as a middle one) or inside the final blocks.
    Truncated,
    /// The header carries an extension of this type, and the opener was
    /// told to refuse any it does not know
    /// ([`Opener::refuse_unknown_extensions`](super::Opener::refuse_unknown_extensions)).
    UnknownExtension(u16),
    /// An I/O error from a streaming reader or writer.
    Io(io::Error),
    /// A layer refused the envelope (or, unlocking, found no key), with its
    /// own error.
    Layer(LayerError),
}

impl SealError {
    /// The layer's error, if a layer of type-erased error `E` failed.
    pub fn layer<E: StdError + 'static>(&self) -> Option<&E> {
        match self {
            SealError::Layer(e) => e.downcast_ref(),
            _ => None,
        }
    }
}

impl OpenError {
    /// The layer's error, if a layer failed with an error of type `E`.
    ///
    /// ```
    /// use doormat::e2e::{self, Layer, LayerError, Opening};
    /// use doormat::keys::Identity;
    ///
    /// /// Refuses every envelope, with an I/O-free error of its own.
    /// #[derive(Debug)]
    /// struct Closed;
    ///
    /// impl Layer for Closed {
    ///     fn check(&self, _: &Opening<'_>) -> Result<(), LayerError> {
    ///         Err("closed for the holidays".into())
    ///     }
    /// }
    ///
    /// let (alice, bob) = (Identity::generate(), Identity::generate());
    /// let envelope = e2e::seal(&alice, &[bob.public()], b"hi")?;
    /// let refused = e2e::Opener::new(&bob).layer(Closed).open(&envelope).unwrap_err();
    /// assert!(matches!(refused, e2e::OpenError::Layer(_)));
    /// assert_eq!(refused.to_string(), "closed for the holidays");
    /// assert!(refused.layer::<std::io::Error>().is_none());
    /// # Ok::<(), doormat::Error>(())
    /// ```
    pub fn layer<E: StdError + 'static>(&self) -> Option<&E> {
        match self {
            OpenError::Layer(e) => e.downcast_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for SealError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SealError::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            SealError::MixedKems => f.write_str(
                "post-quantum and classical recipients in one envelope (a quantum computer \
                 could read it through the classical stanza); opt in to allow it",
            ),
            SealError::RandomFailed => f.write_str("the random number generator failed"),
            SealError::Hpke(e) => write!(f, "wrapping the content key failed: {e}"),
            SealError::Io(e) => write!(f, "I/O error: {e}"),
            SealError::Layer(e) => write!(f, "{e}"),
        }
    }
}

impl fmt::Display for OpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OpenError::NotAnEnvelope => f.write_str("not a doormat envelope"),
            OpenError::UnsupportedVersion(v) => write!(f, "unsupported envelope version {v}"),
            OpenError::UnsupportedSuite(s) => write!(f, "unsupported suite 0x{s:04x}"),
            OpenError::MalformedHeader(why) => write!(f, "malformed envelope header: {why}"),
            OpenError::NotARecipient => f.write_str("not a recipient of this envelope"),
            OpenError::HeaderTampered => f.write_str("header or associated data does not match"),
            OpenError::BadSignature => f.write_str("sender signature does not verify"),
            OpenError::UnexpectedSender => f.write_str("envelope is from another sender"),
            OpenError::PayloadTampered => f.write_str("payload chunk failed authentication"),
            OpenError::Truncated => f.write_str("payload truncated or extended"),
            OpenError::UnknownExtension(t) => {
                write!(
                    f,
                    "header extension 0x{t:04x} is not one this opener accepts"
                )
            }
            OpenError::Io(e) => write!(f, "I/O error: {e}"),
            OpenError::Layer(e) => write!(f, "{e}"),
        }
    }
}

impl StdError for SealError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            SealError::Io(e) => Some(e),
            SealError::Hpke(e) => Some(e),
            SealError::Layer(e) => Some(&**e),
            _ => None,
        }
    }
}

impl StdError for OpenError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            OpenError::Io(e) => Some(e),
            OpenError::Layer(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<io::Error> for SealError {
    fn from(e: io::Error) -> SealError {
        SealError::Io(e)
    }
}

impl From<io::Error> for OpenError {
    fn from(e: io::Error) -> OpenError {
        OpenError::Io(e)
    }
}

impl From<RandomFailed> for SealError {
    fn from(_: RandomFailed) -> SealError {
        SealError::RandomFailed
    }
}

impl From<hpke::Error> for SealError {
    fn from(e: hpke::Error) -> SealError {
        match e {
            hpke::Error::RandomFailed => SealError::RandomFailed,
            e => SealError::Hpke(e),
        }
    }
}
