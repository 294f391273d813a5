//! One interface over both hashes, and the matching rule a scanner deploys:
//! "the hash of this image is within `threshold` bits of a listed hash".

use image::RgbImage;

use super::neuralhash::{self, NeuralHasher};
use super::phash;

/// A perceptual hash whose value fits in 128 bits.
pub trait PerceptualHash {
    /// A short display name.
    fn name(&self) -> &'static str;
    /// Number of hash bits.
    fn bits(&self) -> u32;
    /// The hash of `img`, in the low [`PerceptualHash::bits`] bits.
    fn hash_bits(&self, img: &RgbImage) -> u128;
}

/// The DCT pHash of [`super::phash`].
#[derive(Clone, Copy, Debug, Default)]
pub struct PHasher;

impl PerceptualHash for PHasher {
    fn name(&self) -> &'static str {
        "pHash"
    }
    fn bits(&self) -> u32 {
        phash::BITS
    }
    fn hash_bits(&self, img: &RgbImage) -> u128 {
        phash::phash(img).0 as u128
    }
}

impl PerceptualHash for NeuralHasher {
    fn name(&self) -> &'static str {
        "NeuralHash-shaped"
    }
    fn bits(&self) -> u32 {
        neuralhash::BITS as u32
    }
    fn hash_bits(&self, img: &RgbImage) -> u128 {
        self.hash(img).0
    }
}

/// Hamming distance of two hash values.
pub fn hamming(a: u128, b: u128) -> u32 {
    (a ^ b).count_ones()
}

/// A hash with the threshold a scanner applies to it.
#[derive(Clone, Copy)]
pub struct Matcher<'a> {
    /// The hash.
    pub hash: &'a dyn PerceptualHash,
    /// Largest Hamming distance that still counts as a match.
    pub threshold: u32,
    /// What this configuration stands for, e.g. "deployed" or "tolerant".
    pub label: &'static str,
}

impl core::fmt::Debug for Matcher<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl<'a> Matcher<'a> {
    /// pHash at its deployed threshold ([`phash::DEPLOYED_THRESHOLD`]).
    pub fn phash_deployed(h: &'a PHasher) -> Self {
        Self {
            hash: h,
            threshold: phash::DEPLOYED_THRESHOLD,
            label: "deployed",
        }
    }

    /// The NeuralHash-shaped hash at Apple's rule: exact equality.
    pub fn neuralhash_deployed(h: &'a NeuralHasher) -> Self {
        Self {
            hash: h,
            threshold: neuralhash::DEPLOYED_THRESHOLD,
            label: "deployed (exact, as Apple)",
        }
    }

    /// The NeuralHash-shaped hash with [`neuralhash::TOLERANT_THRESHOLD`]
    /// bits of slack: what one would deploy to absorb bit flips, at the
    /// price of false matches.
    pub fn neuralhash_tolerant(h: &'a NeuralHasher) -> Self {
        Self {
            hash: h,
            threshold: neuralhash::TOLERANT_THRESHOLD,
            label: "tolerant variant",
        }
    }

    /// Whether two hash values match under this rule.
    pub fn matches(&self, a: u128, b: u128) -> bool {
        hamming(a, b) <= self.threshold
    }

    /// "name ≤ threshold" for tables.
    pub fn describe(&self) -> String {
        format!(
            "{} ≤{}/{} ({})",
            self.hash.name(),
            self.threshold,
            self.hash.bits(),
            self.label
        )
    }
}
