#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![warn(rust_2018_idioms)]

mod error;
mod hash;

#[cfg(feature = "armor")]
pub mod armor;
pub mod e2e;
pub mod escrow;
#[cfg(feature = "hazmat")]
pub mod hazmat;
pub mod hpke;
pub mod keys;
pub mod random;
pub mod session;

pub use error::{Error, ErrorKind, Result};
