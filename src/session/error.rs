//! The session's errors: shapes, keys, the ratchet's refusals, and a slot
//! for a [`Layer`](super::Layer)'s own error.
//!
//! Every variant is returned before any state changes: a session that fails
//! to encrypt or decrypt is exactly as it was, and nothing is released.

use core::fmt;
use std::error::Error as StdError;

use crate::random::RandomFailed;
use crate::{hpke, keys};

/// A [`Layer`](super::Layer)'s own error, carried through the session
/// unchanged and given back by type with [`Error::layer`].
pub type LayerError = Box<dyn StdError + Send + Sync + 'static>;

/// What can go wrong with a session, its prekeys or its saved state.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The bytes do not start with the magic of what was expected (a
    /// session message, a prekey bundle, saved prekeys or session state).
    NotASessionObject,
    /// A version this build does not read.
    UnsupportedVersion(u8),
    /// A message, bundle or saved state of the wrong shape: a length or
    /// count out of bounds, unknown flags, records out of order, trailing
    /// bytes. The reason says which rule failed (`docs/FORMAT.md`, section 8).
    Malformed(&'static str),
    /// The caller asked for something the format cannot carry: layers
    /// whose extension types clash or whose records exceed
    /// [`MAX_EXTENSIONS_LEN`](super::MAX_EXTENSIONS_LEN), more one-time
    /// prekeys than [`MAX_ONE_TIME_PREKEYS`](super::MAX_ONE_TIME_PREKEYS).
    InvalidArgument(&'static str),
    /// Bytes of the right length that are not a valid key: a non-canonical
    /// or low-order X25519 key, an invalid identity, a Diffie-Hellman with
    /// an all-zero result.
    InvalidKey,
    /// The prekey bundle's signature does not verify under the identity it
    /// names.
    BadPrekeySignature,
    /// A set-up message names a prekey these prekeys do not hold: another
    /// user's, rotated away, or a one-time prekey already used (a replayed
    /// set-up message).
    UnknownPrekey,
    /// A set-up message to an identity that does not own these prekeys.
    WrongIdentity,
    /// A set-up message arrived for a session that was set up differently
    /// (the peer started over, or both sides started at once): it needs
    /// [`Session::respond`](super::Session::respond), not this session.
    OtherSession,
    /// A message that is not a set-up message, where only a set-up message
    /// can start a session.
    NotASetupMessage,
    /// The header's counter is more than [`MAX_SKIP`](super::MAX_SKIP)
    /// messages ahead of the chain: refused before any key is derived.
    TooFarAhead {
        /// How many message keys the header would make the receiver derive
        /// and keep.
        claimed: u64,
    },
    /// The message's key is gone: it was already received (a replay or a
    /// duplicate), or its chain ended longer ago than the receiver
    /// remembers.
    Replay,
    /// The message does not authenticate under the key its header leads to:
    /// modified, forged, for another session, or with the wrong identities.
    Tampered,
    /// The sending chain has sent 2^32 - 1 messages; the peer must reply
    /// (a DH ratchet step) before more can be sent.
    ChainExhausted,
    /// The random number generator failed.
    RandomFailed,
    /// A layer refused the message (or, unlocking, found no key), with its
    /// own error.
    Layer(LayerError),
}

impl Error {
    /// The layer's error, if a layer failed with an error of type `E`.
    pub fn layer<E: StdError + 'static>(&self) -> Option<&E> {
        match self {
            Error::Layer(e) => e.downcast_ref(),
            _ => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotASessionObject => f.write_str("not a doormat session object"),
            Error::UnsupportedVersion(v) => write!(f, "unsupported session format version {v}"),
            Error::Malformed(why) => write!(f, "malformed session object: {why}"),
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::InvalidKey => f.write_str("bytes are not a valid key"),
            Error::BadPrekeySignature => f.write_str("prekey signature does not verify"),
            Error::UnknownPrekey => f.write_str("set-up message names an unknown or used prekey"),
            Error::WrongIdentity => f.write_str("these prekeys belong to another identity"),
            Error::OtherSession => f.write_str("set-up message of another session"),
            Error::NotASetupMessage => f.write_str("only a set-up message starts a session"),
            Error::TooFarAhead { claimed } => {
                write!(f, "message counter {claimed} keys ahead of its chain")
            }
            Error::Replay => f.write_str("message key already used or forgotten (a replay?)"),
            Error::Tampered => f.write_str("message does not authenticate"),
            Error::ChainExhausted => f.write_str("sending chain exhausted"),
            Error::RandomFailed => f.write_str("the random number generator failed"),
            Error::Layer(e) => e.fmt(f),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        match self {
            Error::Layer(e) => Some(&**e),
            _ => None,
        }
    }
}

impl From<RandomFailed> for Error {
    fn from(_: RandomFailed) -> Error {
        Error::RandomFailed
    }
}

impl From<hpke::Error> for Error {
    /// Only generator failures and key checks reach here.
    fn from(e: hpke::Error) -> Error {
        match e {
            hpke::Error::RandomFailed => Error::RandomFailed,
            _ => Error::InvalidKey,
        }
    }
}

impl From<keys::Error> for Error {
    /// Only generator failures and key checks reach here.
    fn from(e: keys::Error) -> Error {
        match e {
            keys::Error::RandomFailed => Error::RandomFailed,
            keys::Error::BadSignature => Error::BadPrekeySignature,
            _ => Error::InvalidKey,
        }
    }
}

/// `Result` with the session's [`Error`].
pub type Result<T> = core::result::Result<T, Error>;
