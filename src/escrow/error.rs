//! The escrow twin's errors: its own refusals and custody failures, and the
//! envelope's and keys' errors it passes on.

use core::fmt;
use std::error::Error as StdError;

use crate::e2e::{OpenError, SealError};
use crate::random::RandomFailed;
use crate::{keys, session};

/// What can go wrong with escrow: a compliance refusal, a field for another
/// authority, split custody, or an envelope or key error underneath.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The envelope carries no escrow access field: it is a clean E2E
    /// envelope and there is nothing for an escrow authority to open (a
    /// compliant client refuses it).
    NotEscrowed,
    /// The escrow access field is present but fails the compliance check,
    /// or (for an authority) is forged or made for another authority.
    InvalidAccessField,
    /// A split the format cannot make: a threshold of 0 or over the share count.
    InvalidArgument(&'static str),
    /// Fewer key shares than the threshold.
    TooFewShares {
        /// Shares needed.
        needed: u8,
        /// Shares given.
        got: usize,
    },
    /// Two shares with the same index.
    DuplicateShare(u8),
    /// Shares that do not belong together (different thresholds, sets or
    /// lengths), or that recombine to a key whose check fails.
    InconsistentShares,
    /// The random number generator failed.
    RandomFailed,
    /// A key or text form that does not parse.
    Key(keys::Error),
    /// The envelope could not be sealed.
    Seal(SealError),
    /// The envelope did not open.
    Open(OpenError),
    /// A session failed (not by an escrow layer's refusal, which is this
    /// error's own variant).
    Session(session::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotEscrowed => f.write_str("envelope has no escrow access field"),
            Error::InvalidAccessField => {
                f.write_str("escrow access field fails the compliance check")
            }
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::TooFewShares { needed, got } => write!(f, "need {needed} key shares, got {got}"),
            Error::DuplicateShare(i) => write!(f, "key share {i} given twice"),
            Error::InconsistentShares => f.write_str("key shares do not belong together"),
            Error::RandomFailed => f.write_str("the random number generator failed"),
            Error::Key(e) => write!(f, "{e}"),
            Error::Seal(e) => write!(f, "{e}"),
            Error::Open(e) => write!(f, "{e}"),
            Error::Session(e) => write!(f, "{e}"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Key(e) => Some(e),
            Error::Seal(e) => Some(e),
            Error::Open(e) => Some(e),
            Error::Session(e) => Some(e),
            _ => None,
        }
    }
}

impl From<keys::Error> for Error {
    /// A failed generator stays a failed generator, whichever layer drew.
    fn from(e: keys::Error) -> Error {
        match e {
            keys::Error::RandomFailed => Error::RandomFailed,
            e => Error::Key(e),
        }
    }
}

impl From<RandomFailed> for Error {
    fn from(_: RandomFailed) -> Error {
        Error::RandomFailed
    }
}

impl From<SealError> for Error {
    /// An escrow layer's own error comes back out of the envelope's box.
    fn from(e: SealError) -> Error {
        match e {
            SealError::Layer(inner) => match inner.downcast::<Error>() {
                Ok(escrow) => *escrow,
                Err(other) => Error::Seal(SealError::Layer(other)),
            },
            e => Error::Seal(e),
        }
    }
}

impl From<OpenError> for Error {
    /// An escrow layer's own error (a compliance refusal, a field for
    /// another authority) comes back out of the envelope's box.
    fn from(e: OpenError) -> Error {
        match e {
            OpenError::Layer(inner) => match inner.downcast::<Error>() {
                Ok(escrow) => *escrow,
                Err(other) => Error::Open(OpenError::Layer(other)),
            },
            e => Error::Open(e),
        }
    }
}

impl From<session::Error> for Error {
    /// An escrow layer's own error comes back out of the session's box.
    fn from(e: session::Error) -> Error {
        match e {
            session::Error::Layer(inner) => match inner.downcast::<Error>() {
                Ok(escrow) => *escrow,
                Err(other) => Error::Session(session::Error::Layer(other)),
            },
            e => Error::Session(e),
        }
    }
}

/// `Result` with the escrow twin's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
