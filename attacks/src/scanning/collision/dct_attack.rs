//! The pHash collision: closed-form, because everything before the median
//! threshold is linear.

use image::RgbImage;

use super::super::phash::{self, basis, PHash, LOW, SIDE};
use super::super::raster::{Planes, Resampler};
use super::CollisionConfig;

/// Margin, in DCT coefficient units, by which each kept coefficient is put
/// past the common level (absorbs 8-bit rounding).
const PHASH_MARGIN: f64 = 4.0;

/// Smooth full-resolution versions of the DCT basis rows `u = 1..=8`, each
/// scaled so that area-resizing it to 32 samples gives back `basis(u)`
/// (exactly when the length is a multiple of 32).
fn smooth_basis(len: usize) -> Vec<Vec<f64>> {
    let area = Resampler::area(len, SIDE);
    (1..=LOW)
        .map(|u| {
            let b = basis(u);
            let alpha = (2.0 / SIDE as f64).sqrt();
            let f: Vec<f64> = (0..len)
                .map(|x| {
                    let t = (x as f64 + 0.5) * SIDE as f64 / len as f64 - 0.5;
                    alpha
                        * (std::f64::consts::PI * (2.0 * t + 1.0) * u as f64 / (2 * SIDE) as f64)
                            .cos()
                })
                .collect();
            let down: Vec<f64> = area
                .taps
                .iter()
                .map(|t| t.iter().map(|&(i, w)| w as f64 * f[i as usize]).sum())
                .collect();
            let s = down.iter().zip(&b).map(|(d, b)| d * b).sum::<f64>()
                / b.iter().map(|b| b * b).sum::<f64>();
            f.iter().map(|v| v / s).collect()
        })
        .collect()
}

/// The smooth luma pattern (row-major, `fy[0].len()` rows of `fx[0].len()`)
/// whose area-resize to 32×32 moves kept coefficient `(v, u)` by
/// `shift[v*8 + u]` and leaves every other DCT coefficient alone.
fn synthesize(shift: &[f64; 64], fx: &[Vec<f64>], fy: &[Vec<f64>]) -> Vec<f64> {
    let (w, h) = (fx[0].len(), fy[0].len());
    // g[v][x] = Σ_u shift[v][u] fx[u][x]; then p[y][x] = Σ_v fy[v][y] g[v][x].
    let mut g = vec![0.0f64; LOW * w];
    for v in 0..LOW {
        for u in 0..LOW {
            let s = shift[v * LOW + u];
            if s != 0.0 {
                for (gx, f) in g[v * w..(v + 1) * w].iter_mut().zip(&fx[u]) {
                    *gx += s * f;
                }
            }
        }
    }
    let mut p = vec![0.0f64; w * h];
    for y in 0..h {
        for v in 0..LOW {
            let a = fy[v][y];
            for (px, gx) in p[y * w..(y + 1) * w].iter_mut().zip(&g[v * w..(v + 1) * w]) {
                *px += a * gx;
            }
        }
    }
    p
}

/// The smallest (L2) shift of the 64 kept coefficients that leaves every bit
/// of `target` on its side of a common level with margin `margin`; median
/// thresholding then reproduces `target` exactly (it has 32 bits set).
pub fn required_shift(c: &[f64; 64], target: PHash, margin: f64) -> [f64; 64] {
    let want = |i: usize| target.0 >> i & 1 == 1;
    let cost = |m: f64| -> f64 {
        (0..64)
            .map(|i| {
                if want(i) {
                    (m + margin - c[i]).max(0.0)
                } else {
                    (c[i] - (m - margin)).max(0.0)
                }
            })
            .map(|d| d * d)
            .sum()
    };
    // The cost is convex and piecewise quadratic in the level m; its
    // breakpoints are c_i ± margin. Golden-section search on the hull.
    let (mut lo, mut hi) = (
        c.iter().cloned().fold(f64::INFINITY, f64::min) - margin,
        c.iter().cloned().fold(f64::NEG_INFINITY, f64::max) + margin,
    );
    for _ in 0..100 {
        let (a, b) = (lo + (hi - lo) * 0.382, lo + (hi - lo) * 0.618);
        if cost(a) < cost(b) {
            hi = b;
        } else {
            lo = a;
        }
    }
    let m = 0.5 * (lo + hi);
    std::array::from_fn(|i| {
        if want(i) {
            (m + margin - c[i]).max(0.0)
        } else {
            -(c[i] - (m - margin)).max(0.0)
        }
    })
}

/// Modifies `original` until its pHash is `target` (or within the deployed
/// threshold when `cfg.exact` is false), never moving a sample more than
/// `cfg.max_change`.
pub fn phash_collision(
    original: &RgbImage,
    target: PHash,
    cfg: &CollisionConfig,
) -> (RgbImage, usize) {
    let (w, h) = (original.width() as usize, original.height() as usize);
    let (fx, fy) = (smooth_basis(w), smooth_basis(h));
    let orig = Planes::from_rgb(original);
    let mut cur = orig.clone();
    let goal = if cfg.exact {
        0
    } else {
        phash::DEPLOYED_THRESHOLD
    };
    let mut best = (original.clone(), u32::MAX);
    for it in 0..cfg.max_iters {
        let q = cur.to_rgb();
        let c = phash::coefficients(&q);
        let d = phash::hash_coefficients(&c).distance(target);
        if d < best.1 {
            best = (q.clone(), d);
        }
        if d <= goal {
            return (q, it);
        }
        let shift = required_shift(&c, target, PHASH_MARGIN);
        let pattern = synthesize(&shift, &fx, &fy);
        for y in 0..h {
            for x in 0..w {
                let p = pattern[y * w + x];
                for ch in 0..3 {
                    let i = ch * w * h + y * w + x;
                    let o = orig.data[i];
                    cur.data[i] = (cur.data[i] + p as f32).clamp(
                        (o - cfg.max_change).max(0.0),
                        (o + cfg.max_change).min(255.0),
                    );
                }
            }
        }
    }
    (best.0, cfg.max_iters)
}

#[cfg(test)]
mod tests {
    use super::super::super::phash::{dct2, kept_coefficients, resized_luma_planes};
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(super::super::super::test_support::proptest_config(64))]

        #[test]
        fn required_shift_produces_the_target_hash(
            c in proptest::array::uniform32(-500.0f64..500.0),
            d in proptest::array::uniform32(-500.0f64..500.0),
            order in Just((0..64usize).collect::<Vec<_>>()).prop_shuffle(),
        ) {
            let mut all = [0.0; 64];
            all[..32].copy_from_slice(&c);
            all[32..].copy_from_slice(&d);
            // Any target with 32 bits set is reachable.
            let target = PHash(order[..32].iter().fold(0u64, |h, i| h | 1 << i));
            let shift = required_shift(&all, target, 1.0);
            let moved: [f64; 64] = std::array::from_fn(|i| all[i] + shift[i]);
            prop_assert_eq!(phash::hash_coefficients(&moved), target);
        }
    }

    #[test]
    fn smooth_pattern_moves_exactly_the_kept_coefficients() {
        for size in [128usize, 256] {
            let (fx, fy) = (smooth_basis(size), smooth_basis(size));
            let shift: [f64; 64] = std::array::from_fn(|i| ((i * 37 % 17) as f64 - 8.0) * 3.0);
            let p = synthesize(&shift, &fx, &fy);
            let luma = Planes {
                width: size,
                height: size,
                channels: 1,
                data: p.iter().map(|v| *v as f32).collect(),
            };
            let block = resized_luma_planes(&luma);
            let kept = kept_coefficients(&block);
            for i in 0..64 {
                assert!(
                    (kept[i] - shift[i]).abs() < 1e-3,
                    "{size}: coefficient {i}: {} vs {}",
                    kept[i],
                    shift[i]
                );
            }
            let all = dct2(&block);
            let stray = (0..SIDE * SIDE)
                .filter(|k| !(1..=LOW).contains(&(k / SIDE)) || !(1..=LOW).contains(&(k % SIDE)))
                .map(|k| all[k].abs())
                .fold(0.0, f64::max);
            assert!(stray < 1e-3, "{size}: stray coefficient {stray}");
        }
    }
}
