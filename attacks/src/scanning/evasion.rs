//! Evasion: the smallest everyday edit that takes a listed image out of the
//! matcher's reach.
//!
//! For each listed image and each edit family — centred crop (percent of
//! each side's length removed in total), rotation (degrees, our own bilinear
//! rotation about the centre, edges clamped), JPEG re-encoding (quality, via
//! `image`'s encoder and decoder) and additive Gaussian noise (sigma, 8-bit
//! levels) — the edit is applied at each strength of a fixed ladder, mildest
//! first, and the edited image's hash is compared with the listed hash. An
//! image *evades* at a strength when the distance exceeds the threshold.
//! The report gives, per matcher and family, the fraction of listed images
//! that evade at each strength, and each image's smallest evading strength
//! (the first rung of the ladder that evades; `None` if none does).

use image::RgbImage;

use super::images::ImageKind;
use super::matcher::{hamming, Matcher, PerceptualHash};
use super::raster::{add_gaussian_noise, crop_center, jpeg_roundtrip, rotate_bilinear};
use super::rng::derive_seed;

/// The families of everyday edits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditFamily {
    /// Centred crop.
    Crop,
    /// Rotation about the centre.
    Rotation,
    /// JPEG re-encoding.
    Jpeg,
    /// Additive Gaussian noise.
    Noise,
}

impl EditFamily {
    /// All families.
    pub const ALL: [EditFamily; 4] = [
        EditFamily::Crop,
        EditFamily::Rotation,
        EditFamily::Jpeg,
        EditFamily::Noise,
    ];

    /// Display name.
    pub fn name(self) -> &'static str {
        match self {
            EditFamily::Crop => "crop",
            EditFamily::Rotation => "rotation",
            EditFamily::Jpeg => "JPEG",
            EditFamily::Noise => "noise",
        }
    }

    /// Unit of the strength.
    pub fn unit(self) -> &'static str {
        match self {
            EditFamily::Crop => "% cropped",
            EditFamily::Rotation => "degrees",
            EditFamily::Jpeg => "quality",
            EditFamily::Noise => "sigma",
        }
    }

    /// The strengths tried, mildest first (for JPEG, falling quality).
    pub fn ladder(self) -> Vec<f64> {
        match self {
            EditFamily::Crop => vec![
                1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 12.0, 15.0, 20.0, 25.0,
            ],
            EditFamily::Rotation => vec![
                0.25, 0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0, 15.0,
            ],
            EditFamily::Jpeg => vec![
                95.0, 90.0, 80.0, 70.0, 60.0, 50.0, 40.0, 30.0, 20.0, 10.0, 5.0,
            ],
            EditFamily::Noise => vec![1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 32.0, 48.0],
        }
    }

    /// Applies the edit at `strength`; `seed` drives the noise.
    pub fn apply(self, img: &RgbImage, strength: f64, seed: u64) -> RgbImage {
        match self {
            EditFamily::Crop => crop_center(img, strength),
            EditFamily::Rotation => rotate_bilinear(img, strength),
            EditFamily::Jpeg => jpeg_roundtrip(img, strength.round() as u8),
            EditFamily::Noise => add_gaussian_noise(img, strength, seed),
        }
    }
}

/// Settings of the experiment.
#[derive(Clone, Debug)]
pub struct EvasionConfig {
    /// Number of listed images (scenes, posters and protest posters in turn).
    pub listed: usize,
    /// Side of the images.
    pub size: u32,
    /// Seed for the listed images and the noise.
    pub seed: u64,
}

impl Default for EvasionConfig {
    fn default() -> Self {
        Self {
            listed: 12,
            size: 128,
            seed: 0xE7A5,
        }
    }
}

/// One family's results under one matcher.
#[derive(Clone, Debug)]
pub struct FamilyResult {
    /// The edit family.
    pub family: EditFamily,
    /// The strengths tried.
    pub strengths: Vec<f64>,
    /// Fraction of listed images that evade, per strength.
    pub evade_fraction: Vec<f64>,
    /// Mean Hamming distance to the listed hash, per strength.
    pub mean_distance: Vec<f64>,
    /// Each listed image's smallest evading strength.
    pub smallest: Vec<Option<f64>>,
    /// Median over listed images of the smallest evading strength
    /// (`None` if at least half never evade).
    pub median_smallest: Option<f64>,
}

/// All families under one matcher.
#[derive(Clone, Debug)]
pub struct MatcherEvasion {
    /// The matcher, described.
    pub matcher: String,
    /// Its threshold.
    pub threshold: u32,
    /// Per family.
    pub families: Vec<FamilyResult>,
}

/// The experiment's report.
#[derive(Clone, Debug)]
pub struct EvasionReport {
    /// Number of listed images.
    pub listed: usize,
    /// Per matcher.
    pub matchers: Vec<MatcherEvasion>,
}

/// The listed images of the experiment.
pub fn listed_images(cfg: &EvasionConfig) -> Vec<RgbImage> {
    let kinds = [
        ImageKind::Scene,
        ImageKind::Poster,
        ImageKind::ProtestPoster,
    ];
    (0..cfg.listed)
        .map(|i| kinds[i % 3].generate(derive_seed(cfg.seed, i as u64), cfg.size))
        .collect()
}

/// Hamming distances indexed `[image][family][strength]`.
pub type Distances = Vec<Vec<Vec<u32>>>;

/// Distances `[hash][image][family][strength]` from each listed image's
/// hash to its edited versions' hashes, for each of `hashes`. Each edited
/// image is made once and hashed by every hash.
pub fn edit_distances(
    hashes: &[&dyn PerceptualHash],
    images: &[RgbImage],
    seed: u64,
) -> Vec<Distances> {
    let mut out: Vec<Distances> = vec![Vec::with_capacity(images.len()); hashes.len()];
    for (i, img) in images.iter().enumerate() {
        let h0: Vec<u128> = hashes.iter().map(|h| h.hash_bits(img)).collect();
        let mut per_hash: Vec<Vec<Vec<u32>>> = vec![Vec::new(); hashes.len()];
        for f in EditFamily::ALL {
            let mut rows: Vec<Vec<u32>> = vec![Vec::new(); hashes.len()];
            for s in f.ladder() {
                let edited = f.apply(img, s, derive_seed(seed, 1000 + i as u64));
                for (k, h) in hashes.iter().enumerate() {
                    rows[k].push(hamming(h0[k], h.hash_bits(&edited)));
                }
            }
            for (k, r) in rows.into_iter().enumerate() {
                per_hash[k].push(r);
            }
        }
        for (k, d) in per_hash.into_iter().enumerate() {
            out[k].push(d);
        }
    }
    out
}

/// Turns distances into the per-family results for a given threshold.
pub fn summarize(matcher: &Matcher<'_>, distances: &[Vec<Vec<u32>>]) -> MatcherEvasion {
    let n = distances.len().max(1) as f64;
    let families = EditFamily::ALL
        .iter()
        .enumerate()
        .map(|(fi, f)| {
            let ladder = f.ladder();
            let evade_fraction = (0..ladder.len())
                .map(|s| {
                    distances
                        .iter()
                        .filter(|d| d[fi][s] > matcher.threshold)
                        .count() as f64
                        / n
                })
                .collect();
            let mean_distance = (0..ladder.len())
                .map(|s| distances.iter().map(|d| d[fi][s] as f64).sum::<f64>() / n)
                .collect();
            let smallest: Vec<Option<f64>> = distances
                .iter()
                .map(|d| {
                    d[fi]
                        .iter()
                        .position(|x| *x > matcher.threshold)
                        .map(|s| ladder[s])
                })
                .collect();
            // Order by edit severity: rung index, since JPEG quality falls as severity rises.
            let mut rungs: Vec<usize> = smallest
                .iter()
                .map(|s| {
                    s.map_or(usize::MAX, |v| {
                        ladder.iter().position(|l| *l == v).unwrap_or(usize::MAX)
                    })
                })
                .collect();
            rungs.sort_unstable();
            let mid = rungs[(rungs.len() - 1) / 2];
            FamilyResult {
                family: *f,
                strengths: ladder.clone(),
                evade_fraction,
                mean_distance,
                smallest,
                median_smallest: (mid != usize::MAX).then(|| ladder[mid]),
            }
        })
        .collect();
    MatcherEvasion {
        matcher: matcher.describe(),
        threshold: matcher.threshold,
        families,
    }
}

/// Runs the experiment for each matcher (hashing each edited image once per distinct hash).
pub fn run(cfg: &EvasionConfig, matchers: &[Matcher<'_>]) -> EvasionReport {
    let images = listed_images(cfg);
    // Matchers sharing one hash object share its distances.
    let mut hashes: Vec<&dyn PerceptualHash> = Vec::new();
    let slots: Vec<usize> = matchers
        .iter()
        .map(|m| {
            hashes
                .iter()
                .position(|h| std::ptr::addr_eq(*h, m.hash))
                .unwrap_or_else(|| {
                    hashes.push(m.hash);
                    hashes.len() - 1
                })
        })
        .collect();
    let distances = edit_distances(&hashes, &images, cfg.seed);
    let matchers = matchers
        .iter()
        .zip(slots)
        .map(|(m, k)| summarize(m, &distances[k]))
        .collect();
    EvasionReport {
        listed: images.len(),
        matchers,
    }
}

#[cfg(test)]
mod tests {
    use super::super::matcher::PHasher;
    use super::*;

    #[test]
    fn a_zero_threshold_evades_sooner_than_the_deployed_one() {
        let cfg = EvasionConfig {
            listed: 6,
            size: 96,
            seed: 3,
        };
        let ph = PHasher;
        let deployed = Matcher::phash_deployed(&ph);
        let strict = Matcher {
            threshold: 0,
            label: "exact",
            ..deployed
        };
        let r = run(&cfg, &[deployed, strict]);
        let (d, s) = (&r.matchers[0], &r.matchers[1]);
        let mut strictly_more = false;
        for (fd, fs) in d.families.iter().zip(&s.families) {
            for (a, b) in fd.evade_fraction.iter().zip(&fs.evade_fraction) {
                assert!(
                    b >= a,
                    "{:?}: exact matching must evade at least as often",
                    fd.family
                );
                strictly_more |= b > a;
            }
        }
        assert!(strictly_more, "the threshold made no difference");
        // At the deployed threshold the mildest JPEG and noise rungs keep the match.
        for f in [EditFamily::Jpeg, EditFamily::Noise] {
            let fr = d.families.iter().find(|x| x.family == f).unwrap();
            assert_eq!(fr.evade_fraction[0], 0.0, "{f:?}");
        }
    }

    #[test]
    fn stronger_edits_move_hashes_further_on_average() {
        let cfg = EvasionConfig {
            listed: 6,
            size: 96,
            seed: 4,
        };
        let ph = PHasher;
        let r = run(&cfg, &[Matcher::phash_deployed(&ph)]);
        for f in &r.matchers[0].families {
            let (first, last) = (f.mean_distance[0], *f.mean_distance.last().unwrap());
            assert!(last > first, "{:?}: {first} → {last}", f.family);
        }
    }
}
