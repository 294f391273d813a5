//! The keys layer's errors: parsing text forms and keys, and verifying
//! application signatures.

use core::fmt;

use crate::hpke;
use crate::random::RandomFailed;

/// What can go wrong with keys and their text forms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Error {
    /// A text form did not start with the expected typed, versioned prefix.
    WrongPrefix {
        /// The prefix that was expected, e.g. `doormat-public-1`.
        expected: &'static str,
    },
    /// A text form whose prefix names no kind of key doormat knows.
    UnknownPrefix,
    /// An input had the wrong length (in bytes, or in hex digits for a text form).
    InvalidLength {
        /// The length required.
        expected: usize,
        /// The length given.
        got: usize,
    },
    /// A text form contained something other than lowercase hex digits.
    InvalidHex,
    /// Bytes of the right length that are not a valid key: not the
    /// canonical encoding of a point, a point of small order, or an X-Wing
    /// key that fails its check. No honest key is any of these.
    InvalidKey,
    /// The random number generator failed.
    RandomFailed,
    /// A signature that does not verify.
    BadSignature,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WrongPrefix { expected } => {
                write!(f, "text form does not start with `{expected}`")
            }
            Error::UnknownPrefix => f.write_str("not the text form of a doormat key"),
            Error::InvalidLength { expected, got } => {
                write!(f, "wrong length: expected {expected}, got {got}")
            }
            Error::InvalidHex => f.write_str("text form is not lowercase hex"),
            Error::InvalidKey => f.write_str("bytes are not a valid key"),
            Error::RandomFailed => f.write_str("the random number generator failed"),
            Error::BadSignature => f.write_str("signature does not verify"),
        }
    }
}

impl std::error::Error for Error {}

impl From<RandomFailed> for Error {
    fn from(_: RandomFailed) -> Error {
        Error::RandomFailed
    }
}

impl From<hpke::Error> for Error {
    /// Parsing a key meets only HPKE's length and key checks; anything
    /// else is a key that cannot be used.
    fn from(e: hpke::Error) -> Error {
        match e {
            hpke::Error::InvalidLength { expected, got } => Error::InvalidLength { expected, got },
            hpke::Error::RandomFailed => Error::RandomFailed,
            _ => Error::InvalidKey,
        }
    }
}
