//! The DCT perceptual hash ("pHash"), 64 bits.
//!
//! Pipeline, after the pHash.org reference (`ph_dct_imagehash`): Rec. 601
//! luma → area-resize to 32×32 → orthonormal 2-D DCT-II → keep the 8×8 block
//! of frequencies `1..=8` in each direction (row 0 and column 0, hence the DC
//! term, excluded) → bit *i* is set when coefficient *i* exceeds the median
//! of the 64. Distance is Hamming distance. (The reference also blurs with a
//! 7×7 mean filter before resizing; the area resize already averages 16 or
//! 64 pixels per cell at the sizes used here, so we leave that step out.)
//!
//! **Why not `image_hasher`.** Its "Mean/Median + DCT preprocessing" hash
//! resizes to *2×* the hash side (16×16 for a 64-bit hash, not 32×32), keeps
//! the DC term, and returns only the finished bits: the real-valued DCT
//! coefficients stay private. The collision search below needs exactly those
//! coefficients, and needs every stage to be a known linear map (luma, area
//! resize, DCT) so that it can solve for a perturbation in closed form. So
//! this module implements the classic pHash itself, in about a hundred lines,
//! with no dependency beyond `image` for the pixel container.
//!
//! Everything between the pixels and the 64 coefficients is **linear**. That
//! is what makes pHash so easy to collide on purpose (see
//! [`super::collision`]): you can write down exactly which smooth image
//! change moves which coefficient by how much.

use std::sync::OnceLock;

use image::{DynamicImage, GrayImage, RgbImage};

use super::raster::{resize_area, Planes};

/// Side of the resized luma image the DCT runs on.
pub const SIDE: usize = 32;
/// Side of the kept block of low frequencies.
pub const LOW: usize = 8;
/// Number of hash bits.
pub const BITS: u32 = 64;

/// The deployed match threshold: Hamming distance ≤ 8 of 64 bits counts as a
/// match. This is Meta's PDQ recommendation (31 of 256 bits, about 12%)
/// scaled to 64 bits, and in the range (≤ 8–10) pHash users commonly pick.
pub const DEPLOYED_THRESHOLD: u32 = 8;

/// A 64-bit pHash; bit *i* (least significant first) belongs to kept
/// coefficient *i* (row-major over frequencies `(v, u)`, `v, u ∈ 1..=8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PHash(pub u64);

impl PHash {
    /// Hamming distance to `other`.
    pub fn distance(self, other: PHash) -> u32 {
        (self.0 ^ other.0).count_ones()
    }
}

/// The orthonormal DCT-II matrix `C[u][x] = α(u) cos(π (2x+1) u / 2N)`, N = 32.
fn dct_matrix() -> &'static [[f64; SIDE]; SIDE] {
    static M: OnceLock<[[f64; SIDE]; SIDE]> = OnceLock::new();
    M.get_or_init(|| {
        let mut m = [[0.0; SIDE]; SIDE];
        for (u, row) in m.iter_mut().enumerate() {
            let alpha = if u == 0 {
                (1.0 / SIDE as f64).sqrt()
            } else {
                (2.0 / SIDE as f64).sqrt()
            };
            for (x, v) in row.iter_mut().enumerate() {
                *v = alpha
                    * (std::f64::consts::PI * (2 * x + 1) as f64 * u as f64 / (2 * SIDE) as f64)
                        .cos();
            }
        }
        m
    })
}

/// One basis row `α(u) cos(π (2x+1) u / 64)` of the 32-point DCT, for `x ∈ 0..32`.
pub fn basis(u: usize) -> [f64; SIDE] {
    dct_matrix()[u]
}

/// Orthonormal 2-D DCT-II of a row-major 32×32 block: `out[v*32+u]`, `v` the vertical frequency.
pub fn dct2(input: &[f64]) -> Vec<f64> {
    assert_eq!(input.len(), SIDE * SIDE, "dct2 takes 32×32 samples");
    let m = dct_matrix();
    // Rows first (x → u), then columns (y → v).
    let mut tmp = vec![0.0; SIDE * SIDE];
    for y in 0..SIDE {
        for u in 0..SIDE {
            tmp[y * SIDE + u] = (0..SIDE).map(|x| m[u][x] * input[y * SIDE + x]).sum();
        }
    }
    let mut out = vec![0.0; SIDE * SIDE];
    for v in 0..SIDE {
        for u in 0..SIDE {
            out[v * SIDE + u] = (0..SIDE).map(|y| m[v][y] * tmp[y * SIDE + u]).sum();
        }
    }
    out
}

/// Inverse of [`dct2`] (the DCT-III, i.e. the transpose, since the matrix is orthonormal).
pub fn idct2(coeffs: &[f64]) -> Vec<f64> {
    assert_eq!(coeffs.len(), SIDE * SIDE, "idct2 takes 32×32 coefficients");
    let m = dct_matrix();
    let mut tmp = vec![0.0; SIDE * SIDE];
    for y in 0..SIDE {
        for u in 0..SIDE {
            tmp[y * SIDE + u] = (0..SIDE).map(|v| m[v][y] * coeffs[v * SIDE + u]).sum();
        }
    }
    let mut out = vec![0.0; SIDE * SIDE];
    for y in 0..SIDE {
        for x in 0..SIDE {
            out[y * SIDE + x] = (0..SIDE).map(|u| m[u][x] * tmp[y * SIDE + u]).sum();
        }
    }
    out
}

/// The 32×32 area-resized luma the DCT runs on (row-major, pixel units).
pub fn resized_luma(img: &RgbImage) -> Vec<f64> {
    resized_luma_planes(&Planes::luma_of(img))
}

/// As [`resized_luma`], from a 1-plane luma raster.
pub fn resized_luma_planes(luma: &Planes) -> Vec<f64> {
    resize_area(luma, SIDE, SIDE)
        .data
        .iter()
        .map(|v| *v as f64)
        .collect()
}

/// The 64 kept DCT coefficients of a 32×32 block, index `(v-1)*8 + (u-1)`.
pub fn kept_coefficients(block: &[f64]) -> [f64; 64] {
    let d = dct2(block);
    let mut c = [0.0; 64];
    for v in 0..LOW {
        for u in 0..LOW {
            c[v * LOW + u] = d[(v + 1) * SIDE + (u + 1)];
        }
    }
    c
}

/// The 64 kept DCT coefficients of `img`.
pub fn coefficients(img: &RgbImage) -> [f64; 64] {
    kept_coefficients(&resized_luma(img))
}

/// The median of 64 values (mean of the 32nd and 33rd smallest).
pub fn median64(c: &[f64; 64]) -> f64 {
    let mut s = *c;
    s.sort_by(f64::total_cmp);
    0.5 * (s[31] + s[32])
}

/// Thresholds the 64 kept coefficients at their median.
pub fn hash_coefficients(c: &[f64; 64]) -> PHash {
    let m = median64(c);
    PHash(
        c.iter()
            .enumerate()
            .fold(0u64, |h, (i, v)| if *v > m { h | 1 << i } else { h }),
    )
}

/// The pHash of an RGB image.
pub fn phash(img: &RgbImage) -> PHash {
    hash_coefficients(&coefficients(img))
}

/// The pHash of a grayscale image (its values taken as luma).
pub fn phash_gray(img: &GrayImage) -> PHash {
    let luma = Planes {
        width: img.width() as usize,
        height: img.height() as usize,
        channels: 1,
        data: img.iter().map(|v| *v as f32).collect(),
    };
    hash_coefficients(&kept_coefficients(&resized_luma_planes(&luma)))
}

/// The pHash of any decoded image (converted to RGB8 first).
pub fn phash_dynamic(img: &DynamicImage) -> PHash {
    phash(&img.to_rgb8())
}

#[cfg(test)]
mod tests {
    use super::super::images::{scene, ImageKind};
    use super::super::raster::add_gaussian_noise;
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(super::super::test_support::proptest_config(32))]

        #[test]
        fn dct_round_trips_and_preserves_energy(v in proptest::collection::vec(-255.0f64..255.0, SIDE * SIDE)) {
            let d = dct2(&v);
            let back = idct2(&d);
            for (a, b) in v.iter().zip(&back) {
                prop_assert!((a - b).abs() < 1e-8);
            }
            let (e1, e2): (f64, f64) = (v.iter().map(|x| x * x).sum(), d.iter().map(|x| x * x).sum());
            prop_assert!((e1 - e2).abs() < 1e-6 * e1.max(1.0));
        }

        #[test]
        fn hamming_is_a_metric(a: u64, b: u64, c: u64) {
            let (a, b, c) = (PHash(a), PHash(b), PHash(c));
            prop_assert_eq!(a.distance(a), 0);
            prop_assert_eq!(a.distance(b), b.distance(a));
            prop_assert!(a.distance(c) <= a.distance(b) + b.distance(c));
            prop_assert_eq!(a.distance(PHash(!a.0)), 64);
        }

        #[test]
        fn median_threshold_sets_half_the_bits(c in proptest::array::uniform32(-1e3f64..1e3)) {
            // 64 distinct values (two shifted copies) → exactly 32 above the median.
            let mut v = [0.0; 64];
            for i in 0..32 { v[i] = c[i]; v[32 + i] = c[i] + 2e3 + i as f64 * 1e-3; }
            prop_assume!({ let mut s = v; s.sort_by(f64::total_cmp); s.windows(2).all(|w| w[0] < w[1]) });
            prop_assert_eq!(hash_coefficients(&v).0.count_ones(), 32);
        }
    }

    #[test]
    fn dct_of_a_basis_image_is_one_coefficient() {
        let (bu, bv) = (basis(3), basis(5));
        let block: Vec<f64> = (0..SIDE * SIDE)
            .map(|i| bv[i / SIDE] * bu[i % SIDE])
            .collect();
        let d = dct2(&block);
        for (i, x) in d.iter().enumerate() {
            let want = if i == 5 * SIDE + 3 { 1.0 } else { 0.0 };
            assert!((x - want).abs() < 1e-12, "coefficient {i} = {x}");
        }
    }

    #[test]
    fn phash_is_deterministic_and_ignores_brightness_offset() {
        let img = scene(4, 128, 128);
        assert_eq!(phash(&img), phash(&img.clone()));
        // A uniform offset only moves the DC term, which is not kept.
        let brighter = RgbImage::from_fn(128, 128, |x, y| {
            image::Rgb(img.get_pixel(x, y).0.map(|v| v.saturating_add(3).min(250)))
        });
        assert!(phash(&img).distance(phash(&brighter)) <= 2);
    }

    #[test]
    fn gray_and_rgb_entry_points_agree_on_gray_images() {
        let g = GrayImage::from_fn(64, 64, |x, y| image::Luma([((x * 3 + y * 5) % 256) as u8]));
        let rgb = DynamicImage::ImageLuma8(g.clone()).to_rgb8();
        assert_eq!(phash_gray(&g), phash(&rgb));
        assert_eq!(
            phash_dynamic(&DynamicImage::ImageRgb8(rgb.clone())),
            phash(&rgb)
        );
    }

    #[test]
    fn noisy_copies_match_at_the_deployed_threshold() {
        for kind in ImageKind::ALL {
            for s in 0..4 {
                let img = kind.generate(s, 128);
                let noisy = add_gaussian_noise(&img, 4.0, 99 + s);
                assert!(
                    phash(&img).distance(phash(&noisy)) <= DEPLOYED_THRESHOLD,
                    "{kind:?} {s}"
                );
            }
        }
    }
}
