//! **Forward secrecy, and how escrow reverses it.** (The lesson's run comes
//! with the world's session mode.)

mod thief;

pub use thief::Thief;
