//! Client-side scanning, by running code: two perceptual hashes, the
//! collisions and evasions that break them, what their false-match rates
//! mean once a scanner runs on every phone — and the scanning client itself,
//! an [`e2e::Layer`](doormat::e2e::Layer) on the clean sealer, with a
//! blinded match list and threshold vouchers after Apple's 2021 design.
//!
//! Client-side scanning (Apple's NeuralHash plan of 2021, the EU "chat
//! control" CSA Regulation proposal, the UK Online Safety Act's "accredited
//! technology") hashes each picture on the device and compares the hash
//! with a list the user cannot read. A *perceptual* hash must give similar
//! pictures similar hashes, and that one requirement is the whole problem:
//!
//! * [`collision`]: anyone who knows a listed hash can make an innocent
//!   picture carry it, with a change the eye barely sees — in milliseconds
//!   for pHash (it is linear), in a fraction of a second for a
//!   NeuralHash-shaped network (gradient descent through it);
//! * [`evasion`]: anyone holding a listed picture can get it past the
//!   matcher with a small crop or rotation;
//! * [`false_flags`]: distinct innocent pictures do match, and a tiny
//!   per-image rate times hundreds of millions of users is daily reports;
//! * [`blinded`], [`voucher`], [`client`]: the list is blinded with the
//!   provider's key, so the client cannot tell what it searches for — a
//!   protest poster added to it looks like any other entry.
//!
//! The building blocks: [`images`] (procedural scenes, posters, protest
//! posters and noise, from a seed; text from the built-in [`font`]),
//! [`phash`] (DCT pHash), [`neuralhash`] (seeded CNN + 96 hyperplanes, with
//! exact gradients), [`matcher`] (one interface and the deployed
//! thresholds), [`raster`] (float rasters, resampling, edits, PSNR, PNG),
//! [`binomial`] (log-space binomial tails) and [`rng`] (SplitMix64).
//!
//! Everything is deterministic from seeds: no network, no files read at run
//! time. Library code never prints; every experiment returns a report.

pub mod binomial;
#[cfg(feature = "hazmat")]
pub mod blinded;
#[cfg(feature = "hazmat")]
pub mod client;
pub mod collision;
pub mod evasion;
pub mod false_flags;
pub mod font;
pub mod images;
pub mod matcher;
pub mod neuralhash;
pub mod phash;
#[cfg(feature = "hazmat")]
pub mod provider;
pub mod raster;
pub mod rng;
#[cfg(feature = "hazmat")]
pub mod voucher;

#[cfg(test)]
mod test_support;

/// The pixel container every picture here is (from the `image` crate).
pub use image::RgbImage;
