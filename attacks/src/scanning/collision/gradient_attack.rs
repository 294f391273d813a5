//! The NeuralHash-shaped collision: gradient descent through the network.

use image::RgbImage;

use super::super::neuralhash::{self, NeuralHash, NeuralHasher, BITS as NH_BITS, INPUT};
use super::super::raster::{psnr, Planes, Resampler};
use super::CollisionConfig;

/// Tuning of the gradient search.
#[derive(Clone, Debug)]
pub struct GradientTuning {
    /// Hinge margin κ on each projection.
    pub margin: f32,
    /// Weight λ of the perceptual penalty `mean(δ²)` (δ in 8-bit levels).
    pub l2_weight: f32,
    /// Adam step size, in 8-bit levels.
    pub step: f32,
    /// Iterations to keep refining (shrinking δ) after the first match.
    pub refine_iters: usize,
}

impl Default for GradientTuning {
    fn default() -> Self {
        Self {
            margin: 0.01,
            l2_weight: 0.05,
            step: 0.6,
            refine_iters: 30,
        }
    }
}

/// Gradient-descent collision against the NeuralHash-shaped hash: returns
/// the best (highest-PSNR) matching 8-bit image found, else the closest one,
/// and the iterations used.
pub fn neuralhash_collision(
    hasher: &NeuralHasher,
    original: &RgbImage,
    target: NeuralHash,
    cfg: &CollisionConfig,
    tune: &GradientTuning,
) -> (RgbImage, usize) {
    let (w, h) = (original.width() as usize, original.height() as usize);
    let (upx, upy) = (Resampler::bilinear(INPUT, w), Resampler::bilinear(INPUT, h));
    let (dnx, dny) = (Resampler::area(w, INPUT), Resampler::area(h, INPUT));
    let orig = Planes::from_rgb(original);
    let signs: [f32; NH_BITS] = std::array::from_fn(|i| target.sign(i));
    let goal = if cfg.exact {
        0
    } else {
        neuralhash::DEPLOYED_THRESHOLD
    };
    let mut delta = Planes::zeros(3, INPUT, INPUT);
    let (mut m, mut v) = (
        vec![0.0f32; delta.data.len()],
        vec![0.0f32; delta.data.len()],
    );
    let (b1, b2) = (0.9f32, 0.999f32);
    let mut best: Option<(RgbImage, f64)> = None;
    let mut closest = (original.clone(), u32::MAX);
    let mut first_match = None;
    let npix = (3 * w * h) as f32;
    for it in 0..cfg.max_iters {
        let up = delta.resample(&upx, &upy);
        // Clamp to the valid range; clamped samples pass no gradient.
        let mut full = orig.clone();
        let mut mask = vec![1.0f32; full.data.len()];
        for ((f, mk), u) in full.data.iter_mut().zip(mask.iter_mut()).zip(&up.data) {
            let x = *f + u;
            if !(0.0..=255.0).contains(&x) {
                *mk = 0.0;
            }
            *f = x.clamp(0.0, 255.0);
        }
        let input = NeuralHasher::input_from_planes(&full);
        // Hinge: d/dy of Σ max(0, κ − s·y) is −s where active.
        let (y, g_in) = hasher.value_and_grad(&input, |y| {
            std::array::from_fn(|i| {
                if signs[i] * y[i] < tune.margin {
                    -signs[i]
                } else {
                    0.0
                }
            })
        });
        if y.iter().zip(&signs).all(|(y, s)| y * s >= 0.0) || it + 1 == cfg.max_iters {
            let q = full.to_rgb();
            let d = hasher.hash(&q).distance(target);
            if d < closest.1 {
                closest = (q.clone(), d);
            }
            if d <= goal {
                let p = psnr(original, &q);
                if best.as_ref().is_none_or(|b| p > b.1) {
                    best = Some((q, p));
                }
                first_match.get_or_insert(it);
            }
        }
        if first_match.is_some_and(|f| it >= f + tune.refine_iters) {
            return (best.map(|b| b.0).unwrap_or(closest.0), it + 1);
        }
        let g_low = Planes {
            width: INPUT,
            height: INPUT,
            channels: 3,
            data: g_in.iter().map(|g| g / 127.5).collect(),
        };
        let mut g_full = g_low.resample_transpose(&dnx, &dny);
        // Plus the perceptual penalty's gradient, 2λ(x − x₀)/N.
        for (((g, mk), f), o) in g_full
            .data
            .iter_mut()
            .zip(&mask)
            .zip(&full.data)
            .zip(&orig.data)
        {
            *g = *g * mk + 2.0 * tune.l2_weight * (f - o) / npix;
        }
        let g = g_full.resample_transpose(&upx, &upy);
        let t = (it + 1) as i32;
        for i in 0..delta.data.len() {
            m[i] = b1 * m[i] + (1.0 - b1) * g.data[i];
            v[i] = b2 * v[i] + (1.0 - b2) * g.data[i] * g.data[i];
            let (mh, vh) = (m[i] / (1.0 - b1.powi(t)), v[i] / (1.0 - b2.powi(t)));
            delta.data[i] = (delta.data[i] - tune.step * mh / (vh.sqrt() + 1e-8))
                .clamp(-cfg.max_change, cfg.max_change);
        }
    }
    (best.map(|b| b.0).unwrap_or(closest.0), cfg.max_iters)
}
