#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(missing_debug_implementations)]
#![warn(rust_2018_idioms)]

mod error;
mod hash;
mod text;

pub mod attacks;
pub mod e2e;
pub mod escrow;
pub mod hpke;
pub mod keys;
pub mod random;

pub use error::{Error, Result};
