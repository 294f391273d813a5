//! Targeted collisions: change an innocent picture, invisibly or nearly so,
//! until its perceptual hash equals a *listed* hash — here the hash of a
//! protest poster that the scene does not resemble at all.
//!
//! * **pHash** is linear up to the final median threshold (luma, area resize
//!   and DCT are all linear maps), so the search is closed-form: pick the
//!   smallest shift of the 64 kept coefficients that puts each on the
//!   target's side of a common level, synthesise the smooth cosine pattern
//!   that produces exactly that shift after resizing, add it to R, G and B,
//!   clip to the perturbation bound, re-quantise, repeat until the bits agree.
//! * **NeuralHash-shaped**: gradient descent (Adam) on a hinge loss over the
//!   96 pre-sign projections, `Σ max(0, κ − s_i·y_i)`, plus a perceptual
//!   penalty `λ·mean(δ²)`, through the exact gradient of
//!   [`NeuralHasher::projections_vjp`] — the recipe of the August 2021
//!   attacks on Apple's model. The perturbation is parameterised as a 64×64
//!   colour field (the network's input size) upsampled bilinearly to the
//!   image, so it is smooth, and projected onto the L∞ ball of the bound
//!   after every step (bilinear interpolation never exceeds its inputs, so
//!   the bound holds for every pixel).
//!
//! A trial succeeds when the **8-bit** image (what would be sent) hashes to
//! the target within the deployed threshold *and* no sample moved by more
//! than the bound. The report says whether the match is exact.

use std::path::Path;
use std::time::Instant;

use image::RgbImage;

use super::images::{protest_poster_seeded, scene};
use super::neuralhash::NeuralHasher;
use super::phash;
use super::raster::{max_abs_diff, psnr, save_png};
use super::rng::derive_seed;

mod dct_attack;
mod gradient_attack;

pub use dct_attack::{phash_collision, required_shift};
pub use gradient_attack::{neuralhash_collision, GradientTuning};

/// Settings shared by both searches.
#[derive(Clone, Debug)]
pub struct CollisionConfig {
    /// Number of (scene, poster) pairs to attack.
    pub trials: usize,
    /// Side of the generated images.
    pub size: u32,
    /// Seed for choosing scenes and posters.
    pub seed: u64,
    /// L∞ bound on the change of any 8-bit sample.
    pub max_change: f32,
    /// Iteration cap per trial.
    pub max_iters: usize,
    /// Stop only at an exact match (otherwise: within the deployed threshold).
    pub exact: bool,
}

impl CollisionConfig {
    /// Defaults for the pHash search: bound 24 levels, exact match.
    pub fn phash_default() -> Self {
        Self {
            trials: 8,
            size: 256,
            seed: 2021,
            max_change: 24.0,
            max_iters: 60,
            exact: true,
        }
    }

    /// Defaults for the NeuralHash search: bound 16 levels, exact match (the deployed rule).
    pub fn neuralhash_default() -> Self {
        Self {
            trials: 6,
            size: 256,
            seed: 2021,
            max_change: 16.0,
            max_iters: 600,
            exact: true,
        }
    }
}

/// The outcome of one collision search.
#[derive(Clone, Debug)]
pub struct CollisionOutcome {
    /// Seed of the innocent scene.
    pub scene_seed: u64,
    /// Seed of the listed poster whose hash is the target.
    pub target_seed: u64,
    /// Hamming distance from the scene's own hash to the target before the attack.
    pub initial_distance: u32,
    /// Hamming distance of the modified image's hash to the target.
    pub final_distance: u32,
    /// Whether the modified image matches within the threshold and the bound.
    pub success: bool,
    /// Whether the match is exact (distance 0).
    pub exact: bool,
    /// Iterations used.
    pub iterations: usize,
    /// Wall-clock seconds for the search.
    pub seconds: f64,
    /// Largest change of any sample, in 8-bit levels.
    pub max_abs_change: u8,
    /// PSNR of the modified image against the original, in dB.
    pub psnr_db: f64,
    /// The innocent original.
    pub original: RgbImage,
    /// The modified image.
    pub collided: RgbImage,
    /// The listed image whose hash was targeted.
    pub target: RgbImage,
}

impl CollisionOutcome {
    /// Writes the original and the modified image as PNG files.
    pub fn save_pair(&self, original_path: &Path, collided_path: &Path) -> std::io::Result<()> {
        save_png(&self.original, original_path)?;
        save_png(&self.collided, collided_path)
    }

    /// Original, modified and target side by side (4-pixel white gutters).
    pub fn triptych(&self) -> RgbImage {
        let (w, h) = self.original.dimensions();
        let mut out = RgbImage::from_pixel(3 * w + 8, h, image::Rgb([255, 255, 255]));
        for (i, img) in [&self.original, &self.collided, &self.target]
            .into_iter()
            .enumerate()
        {
            image::imageops::replace(&mut out, img, i as i64 * (w as i64 + 4), 0);
        }
        out
    }
}

/// The triptychs of `outcomes` stacked, one row each, 4-pixel white
/// gutters between rows (the figure the README shows).
pub fn stacked_triptychs(outcomes: &[&CollisionOutcome]) -> RgbImage {
    let rows: Vec<RgbImage> = outcomes.iter().map(|o| o.triptych()).collect();
    let w = rows.iter().map(RgbImage::width).max().unwrap_or(0);
    let h: u32 = rows
        .iter()
        .map(|r| r.height() + 4)
        .sum::<u32>()
        .saturating_sub(4);
    let mut out = RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let mut y = 0i64;
    for row in &rows {
        image::imageops::replace(&mut out, row, 0, y);
        y += i64::from(row.height()) + 4;
    }
    out
}

/// Figures over all trials of one hash.
#[derive(Clone, Debug)]
pub struct CollisionReport {
    /// Name of the hash attacked.
    pub hash_name: &'static str,
    /// The deployed threshold (Hamming distance).
    pub threshold: u32,
    /// The L∞ bound in force.
    pub max_change: f32,
    /// Every trial.
    pub outcomes: Vec<CollisionOutcome>,
    /// Fraction of trials that succeeded.
    pub success_rate: f64,
    /// Fraction of trials that ended in an exact match.
    pub exact_rate: f64,
    /// Mean seconds per successful search.
    pub mean_seconds: f64,
    /// Mean PSNR of successful searches, in dB.
    pub mean_psnr_db: f64,
    /// Lowest PSNR among successful searches, in dB.
    pub min_psnr_db: f64,
    /// Largest sample change among all trials.
    pub max_abs_change: u8,
}

fn summarize(
    hash_name: &'static str,
    threshold: u32,
    max_change: f32,
    outcomes: Vec<CollisionOutcome>,
) -> CollisionReport {
    let ok: Vec<&CollisionOutcome> = outcomes.iter().filter(|o| o.success).collect();
    let n = outcomes.len().max(1) as f64;
    let mean = |f: &dyn Fn(&CollisionOutcome) -> f64| {
        if ok.is_empty() {
            f64::NAN
        } else {
            ok.iter().map(|o| f(o)).sum::<f64>() / ok.len() as f64
        }
    };
    CollisionReport {
        hash_name,
        threshold,
        max_change,
        success_rate: ok.len() as f64 / n,
        exact_rate: outcomes.iter().filter(|o| o.exact && o.success).count() as f64 / n,
        mean_seconds: mean(&|o| o.seconds),
        mean_psnr_db: mean(&|o| o.psnr_db),
        min_psnr_db: ok.iter().map(|o| o.psnr_db).fold(f64::INFINITY, f64::min),
        max_abs_change: outcomes.iter().map(|o| o.max_abs_change).max().unwrap_or(0),
        outcomes,
    }
}

/// The (scene seed, poster seed) pair of trial `i`.
pub fn trial_seeds(seed: u64, i: usize) -> (u64, u64) {
    (
        derive_seed(seed, 2 * i as u64),
        derive_seed(seed, 2 * i as u64 + 1),
    )
}

/// One attack's inputs: an innocent scene and the listed poster it must collide with.
struct Trial {
    scene_seed: u64,
    target_seed: u64,
    original: RgbImage,
    target: RgbImage,
}

impl Trial {
    fn new(cfg: &CollisionConfig, i: usize) -> Self {
        let (scene_seed, target_seed) = trial_seeds(cfg.seed, i);
        Self {
            scene_seed,
            target_seed,
            original: scene(scene_seed, cfg.size, cfg.size),
            target: protest_poster_seeded(target_seed, cfg.size, cfg.size),
        }
    }

    /// Scores the attack's result. `distances` = (before, after) to the
    /// target hash, `goal` the largest distance that counts as success.
    fn finish(
        self,
        collided: RgbImage,
        distances: (u32, u32),
        goal: u32,
        cfg: &CollisionConfig,
        effort: (usize, f64),
    ) -> CollisionOutcome {
        let max_abs_change = max_abs_diff(&self.original, &collided);
        CollisionOutcome {
            scene_seed: self.scene_seed,
            target_seed: self.target_seed,
            initial_distance: distances.0,
            final_distance: distances.1,
            success: distances.1 <= goal && max_abs_change as f32 <= cfg.max_change,
            exact: distances.1 == 0,
            iterations: effort.0,
            seconds: effort.1,
            max_abs_change,
            psnr_db: psnr(&self.original, &collided),
            original: self.original,
            collided,
            target: self.target,
        }
    }
}

/// Runs `cfg.trials` pHash collisions: scene `i` made to collide with protest poster `i`.
pub fn run_phash(cfg: &CollisionConfig) -> CollisionReport {
    let outcomes = (0..cfg.trials)
        .map(|i| {
            let t = Trial::new(cfg, i);
            let th = phash::phash(&t.target);
            let t0 = Instant::now();
            let (collided, iters) = phash_collision(&t.original, th, cfg);
            let secs = t0.elapsed().as_secs_f64();
            let d = (
                phash::phash(&t.original).distance(th),
                phash::phash(&collided).distance(th),
            );
            let goal = if cfg.exact {
                0
            } else {
                phash::DEPLOYED_THRESHOLD
            };
            t.finish(collided, d, goal, cfg, (iters, secs))
        })
        .collect();
    summarize(
        "pHash (DCT, 64 bits)",
        phash::DEPLOYED_THRESHOLD,
        cfg.max_change,
        outcomes,
    )
}

/// Runs `cfg.trials` NeuralHash-shaped collisions: scene `i` against protest poster `i`.
pub fn run_neuralhash(
    hasher: &NeuralHasher,
    cfg: &CollisionConfig,
    tune: &GradientTuning,
) -> CollisionReport {
    let outcomes = (0..cfg.trials)
        .map(|i| {
            let t = Trial::new(cfg, i);
            let th = hasher.hash(&t.target);
            let t0 = Instant::now();
            let (collided, iters) = neuralhash_collision(hasher, &t.original, th, cfg, tune);
            let secs = t0.elapsed().as_secs_f64();
            let d = (
                hasher.hash(&t.original).distance(th),
                hasher.hash(&collided).distance(th),
            );
            let goal = if cfg.exact {
                0
            } else {
                super::neuralhash::DEPLOYED_THRESHOLD
            };
            t.finish(collided, d, goal, cfg, (iters, secs))
        })
        .collect();
    summarize(
        "NeuralHash-shaped (CNN + 96 hyperplanes)",
        super::neuralhash::DEPLOYED_THRESHOLD,
        cfg.max_change,
        outcomes,
    )
}
