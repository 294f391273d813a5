//! The umbrella error: every layer's error in one type, for callers that do
//! not care which layer failed, and a [`kind`](Error::kind) that says what
//! a person or a script should do about it.
//!
//! Each layer has its own error, and its functions return it:
//! [`hpke::Error`], [`keys::Error`], [`e2e::SealError`] and
//! [`e2e::OpenError`] (which carry a [`Layer`](e2e::Layer)'s own error
//! boxed), [`session::Error`] (likewise), [`escrow::Error`]. `?` turns any
//! of them into this one.

use core::fmt;
use std::error::Error as StdError;

use crate::e2e::{OpenError, SealError};
use crate::{escrow, hpke, keys, session};

/// Any doormat error.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// From HPKE.
    Hpke(hpke::Error),
    /// From keys and their text forms.
    Key(keys::Error),
    /// From sealing an envelope.
    Seal(SealError),
    /// From opening an envelope.
    Open(OpenError),
    /// From a session, its prekeys or its saved state.
    Session(session::Error),
    /// From the escrow twin (including a layer error of its own that came
    /// out of an envelope).
    Escrow(escrow::Error),
}

/// What kind of failure, whatever the layer: what to do about it.
///
/// Deliberately exhaustive, so a caller (the command-line tool's exit
/// codes, say) maps every kind without a catch-all; a new kind would be a
/// breaking change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The caller asked for something impossible: bad options, a mode the
    /// KEM does not have, a spent context, too few key shares. Fix the call.
    Usage,
    /// The operating system failed: a read, a write, or its random number
    /// generator. Retry or fix the environment.
    Io,
    /// The key given does not open this: not a recipient, a field for
    /// another authority, another sender than expected, key shares that do
    /// not rebuild a key.
    WrongKey,
    /// The input is not valid: not an envelope or a key, malformed,
    /// truncated, tampered with, or a signature that does not verify.
    InvalidInput,
    /// A layer refused an otherwise valid envelope: a compliant client's
    /// check, or a third-party layer's own.
    Refused,
}

impl Error {
    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Hpke(e) => hpke_kind(*e),
            Error::Key(e) => key_kind(*e),
            Error::Seal(e) => seal_kind(e),
            Error::Open(e) => open_kind(e),
            Error::Session(e) => session_kind(e),
            Error::Escrow(e) => escrow_kind(e),
        }
    }
}

fn hpke_kind(e: hpke::Error) -> ErrorKind {
    use hpke::Error as E;
    match e {
        E::RandomFailed => ErrorKind::Io,
        E::OpenFailed | E::ZeroSharedSecret => ErrorKind::WrongKey,
        E::InvalidLength { .. } | E::InvalidKey => ErrorKind::InvalidInput,
        _ => ErrorKind::Usage,
    }
}

fn key_kind(e: keys::Error) -> ErrorKind {
    use keys::Error as E;
    match e {
        E::RandomFailed => ErrorKind::Io,
        _ => ErrorKind::InvalidInput,
    }
}

fn seal_kind(e: &SealError) -> ErrorKind {
    match e {
        SealError::Io(_) | SealError::RandomFailed => ErrorKind::Io,
        SealError::Layer(inner) => layer_kind(&**inner),
        SealError::Hpke(e) => hpke_kind(*e),
        _ => ErrorKind::Usage,
    }
}

fn open_kind(e: &OpenError) -> ErrorKind {
    match e {
        OpenError::Io(_) => ErrorKind::Io,
        OpenError::NotARecipient | OpenError::UnexpectedSender => ErrorKind::WrongKey,
        OpenError::UnknownExtension(_) => ErrorKind::Refused,
        OpenError::Layer(inner) => layer_kind(&**inner),
        _ => ErrorKind::InvalidInput,
    }
}

fn session_kind(e: &session::Error) -> ErrorKind {
    use session::Error as E;
    match e {
        E::RandomFailed => ErrorKind::Io,
        E::InvalidArgument(_) | E::ChainExhausted => ErrorKind::Usage,
        // No session or prekey of this user's opens it.
        E::UnknownPrekey | E::WrongIdentity | E::OtherSession | E::NotASetupMessage => {
            ErrorKind::WrongKey
        }
        E::Layer(inner) => layer_kind(&**inner),
        _ => ErrorKind::InvalidInput,
    }
}

fn escrow_kind(e: &escrow::Error) -> ErrorKind {
    use escrow::Error as E;
    match e {
        E::NotEscrowed | E::InvalidAccessField => ErrorKind::Refused,
        E::InvalidArgument(_) => ErrorKind::Usage,
        // Shares that do not rebuild a key are, to whoever holds them, the
        // wrong key: too few, one twice, or shares of different keys.
        E::TooFewShares { .. } | E::DuplicateShare(_) | E::InconsistentShares => {
            ErrorKind::WrongKey
        }
        E::RandomFailed => ErrorKind::Io,
        E::Key(e) => key_kind(*e),
        E::Seal(e) => seal_kind(e),
        E::Open(e) => open_kind(e),
        E::Session(e) => session_kind(e),
    }
}

/// A layer's own error: escrow's by its kind, any other layer's a refusal.
fn layer_kind(e: &(dyn StdError + Send + Sync + 'static)) -> ErrorKind {
    match e.downcast_ref::<escrow::Error>() {
        Some(e) => escrow_kind(e),
        None => ErrorKind::Refused,
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Hpke(e) => e.fmt(f),
            Error::Key(e) => e.fmt(f),
            Error::Seal(e) => e.fmt(f),
            Error::Open(e) => e.fmt(f),
            Error::Session(e) => e.fmt(f),
            Error::Escrow(e) => e.fmt(f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Hpke(e) => Some(e),
            Error::Key(e) => Some(e),
            Error::Seal(e) => Some(e),
            Error::Open(e) => Some(e),
            Error::Session(e) => Some(e),
            Error::Escrow(e) => Some(e),
        }
    }
}

impl From<hpke::Error> for Error {
    fn from(e: hpke::Error) -> Error {
        Error::Hpke(e)
    }
}

impl From<keys::Error> for Error {
    fn from(e: keys::Error) -> Error {
        Error::Key(e)
    }
}

impl From<SealError> for Error {
    /// An escrow layer's error comes out of its box as [`Error::Escrow`].
    fn from(e: SealError) -> Error {
        match escrow::Error::from(e) {
            escrow::Error::Seal(e) => Error::Seal(e),
            e => Error::Escrow(e),
        }
    }
}

impl From<OpenError> for Error {
    /// An escrow layer's error comes out of its box as [`Error::Escrow`].
    fn from(e: OpenError) -> Error {
        match escrow::Error::from(e) {
            escrow::Error::Open(e) => Error::Open(e),
            e => Error::Escrow(e),
        }
    }
}

impl From<session::Error> for Error {
    /// An escrow layer's error comes out of its box as [`Error::Escrow`].
    fn from(e: session::Error) -> Error {
        match escrow::Error::from(e) {
            escrow::Error::Session(e) => Error::Session(e),
            e => Error::Escrow(e),
        }
    }
}

impl From<escrow::Error> for Error {
    fn from(e: escrow::Error) -> Error {
        match e {
            escrow::Error::Key(e) => Error::Key(e),
            escrow::Error::Seal(e) => Error::Seal(e),
            escrow::Error::Open(e) => Error::Open(e),
            escrow::Error::Session(e) => Error::Session(e),
            e => Error::Escrow(e),
        }
    }
}

/// `Result` with the umbrella [`Error`].
pub type Result<T, E = Error> = core::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// Every kind is reachable, and an escrow refusal boxed in the envelope
    /// comes out as escrow's, not as an opaque layer error.
    #[test]
    fn kinds_by_layer() {
        let boxed = OpenError::Layer(Box::new(escrow::Error::NotEscrowed));
        let e = Error::from(boxed);
        assert!(matches!(e, Error::Escrow(escrow::Error::NotEscrowed)));
        assert_eq!(e.kind(), ErrorKind::Refused);
        assert_eq!(
            Error::from(OpenError::NotARecipient).kind(),
            ErrorKind::WrongKey
        );
        assert_eq!(
            Error::from(OpenError::BadSignature).kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            Error::from(SealError::InvalidArgument("x")).kind(),
            ErrorKind::Usage
        );
        let io = std::io::Error::other("disk");
        assert_eq!(Error::from(OpenError::Io(io)).kind(), ErrorKind::Io);
        assert_eq!(Error::from(hpke::Error::RandomFailed).kind(), ErrorKind::Io);
        let nested = escrow::Error::Open(OpenError::Truncated);
        assert!(matches!(
            Error::from(nested),
            Error::Open(OpenError::Truncated)
        ));
        // The same for sessions: an escrow refusal in a session layer's box
        // comes out as escrow's; the session's own errors by their kind.
        let boxed = session::Error::Layer(Box::new(escrow::Error::InvalidAccessField));
        let e = Error::from(boxed);
        assert!(matches!(
            e,
            Error::Escrow(escrow::Error::InvalidAccessField)
        ));
        assert_eq!(e.kind(), ErrorKind::Refused);
        let other = Error::from(session::Error::Layer("a layer of its own".into()));
        assert!(matches!(other, Error::Session(session::Error::Layer(_))));
        assert_eq!(other.kind(), ErrorKind::Refused);
        assert_eq!(
            Error::from(session::Error::Replay).kind(),
            ErrorKind::InvalidInput
        );
        assert_eq!(
            Error::from(session::Error::UnknownPrekey).kind(),
            ErrorKind::WrongKey
        );
        assert_eq!(
            Error::from(session::Error::RandomFailed).kind(),
            ErrorKind::Io
        );
    }
}
