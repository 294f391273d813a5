//! The lessons' one error: a scenario asked for something that does not
//! exist, or doormat failed underneath.

use core::fmt;

use doormat::e2e::{OpenError, SealError};
use doormat::{escrow, hpke, keys, session};

/// Why a lesson could not run.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A scenario's parameters do not fit its world: no such user, a world
    /// in the wrong mode, a parameter out of range.
    InvalidArgument(&'static str),
    /// doormat refused or failed, with its own error.
    Doormat(doormat::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::InvalidArgument(why) => write!(f, "invalid scenario: {why}"),
            Error::Doormat(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Doormat(e) => Some(e),
            Error::InvalidArgument(_) => None,
        }
    }
}

macro_rules! from_doormat {
    ($($ty:ty),*) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Error {
                Error::Doormat(doormat::Error::from(e))
            }
        }
    )*};
}

from_doormat!(
    hpke::Error,
    keys::Error,
    SealError,
    OpenError,
    session::Error,
    escrow::Error
);

impl From<doormat::Error> for Error {
    fn from(e: doormat::Error) -> Error {
        Error::Doormat(e)
    }
}

/// `Result` with the lessons' [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
