//! Images the crate makes itself, each fixed by a `u64` seed: photo-like
//! landscape scenes, event posters, protest posters with a slogan, and noise.
//!
//! Nothing is read from disk or the network. The scenes are deliberately
//! "ordinary photos" — sky and ground gradients, a sun, hills, trees and
//! houses, a soft noise texture — because the lesson's innocent images are
//! ordinary photos; the posters carry text drawn with the built-in
//! [`super::font`], because a list that can hold one picture can hold a
//! protest poster just as well.

use image::RgbImage;

use super::rng::{derive_seed, SplitMix64};

mod canvas;
mod posters;

use canvas::{jitter, lerp, pick, Canvas, ValueNoise};
pub use posters::{poster, protest_poster, protest_poster_seeded, slogan_for, SLOGANS};

/// The kinds of generated image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ImageKind {
    /// A landscape "photo": sky, sun, hills, trees, houses, texture.
    Scene,
    /// An event poster: coloured background, shapes, headline and small print.
    Poster,
    /// A protest poster: bold slogan, padlock emblem, call to a demonstration.
    ProtestPoster,
    /// Coloured fractal noise with grain.
    Noise,
}

impl ImageKind {
    /// All kinds, in corpus order.
    pub const ALL: [ImageKind; 4] = [
        ImageKind::Scene,
        ImageKind::Poster,
        ImageKind::ProtestPoster,
        ImageKind::Noise,
    ];

    /// A short lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            ImageKind::Scene => "scene",
            ImageKind::Poster => "poster",
            ImageKind::ProtestPoster => "protest",
            ImageKind::Noise => "noise",
        }
    }

    /// Generates the image of this kind for `seed` at `size × size`.
    pub fn generate(self, seed: u64, size: u32) -> RgbImage {
        match self {
            ImageKind::Scene => scene(seed, size, size),
            ImageKind::Poster => poster(seed, size, size),
            ImageKind::ProtestPoster => protest_poster_seeded(seed, size, size),
            ImageKind::Noise => noise_image(seed, size, size),
        }
    }
}

/// A landscape "photo" of `w × h` fixed by `seed`.
pub fn scene(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut g = SplitMix64::new(derive_seed(seed, 1));
    let mut cv = Canvas::new(w, h);
    let (wf, hf) = (w as f32, h as f32);
    // Palettes: (sky top, horizon, sun) for day, sunset, overcast, dusk.
    let palettes = [
        (
            [40.0, 100.0, 200.0],
            [170.0, 210.0, 240.0],
            [255.0, 250.0, 215.0],
        ),
        (
            [70.0, 60.0, 140.0],
            [250.0, 160.0, 90.0],
            [255.0, 220.0, 120.0],
        ),
        (
            [120.0, 130.0, 145.0],
            [200.0, 205.0, 210.0],
            [235.0, 235.0, 225.0],
        ),
        (
            [20.0, 30.0, 80.0],
            [150.0, 110.0, 150.0],
            [250.0, 200.0, 170.0],
        ),
    ];
    let (top, horizon_c, sun_c) = *pick(&mut g, &palettes);
    let (top, horizon_c) = (jitter(&mut g, top, 25.0), jitter(&mut g, horizon_c, 25.0));
    let horizon = hf * g.range_f32(0.42, 0.68);
    for y in 0..h as usize {
        let t = (y as f32 / horizon).min(1.0).powf(1.3);
        let c = lerp(top, horizon_c, t);
        cv.px[y * cv.w..(y + 1) * cv.w].fill(c);
    }
    // Sun with a soft glow.
    let (sx, sy, sr) = (
        wf * g.range_f32(0.1, 0.9),
        horizon * g.range_f32(0.15, 0.75),
        wf * g.range_f32(0.035, 0.08),
    );
    for y in 0..(horizon.ceil() as usize).min(cv.h) {
        for x in 0..cv.w {
            let d2 = ((x as f32 - sx).powi(2) + (y as f32 - sy).powi(2)) / (sr * sr);
            let glow = 0.55 * (-d2 / 9.0).exp();
            let p = &mut cv.px[y * cv.w + x];
            *p = lerp(*p, sun_c, glow);
        }
    }
    cv.disc(sx, sy, sr, sun_c);
    // Hill layers, back to front, each darker and closer.
    let ground_base = *pick(
        &mut g,
        &[
            [70.0, 130.0, 60.0],
            [120.0, 120.0, 70.0],
            [150.0, 130.0, 90.0],
        ],
    );
    let ground_base = jitter(&mut g, ground_base, 20.0);
    let layers = 2 + g.below(2) as usize;
    let mut ridge_front = vec![horizon; cv.w];
    for l in 0..layers {
        let depth = (l + 1) as f32 / layers as f32;
        let base = horizon - hf * g.range_f32(0.02, 0.15) * (1.0 - depth) + hf * 0.08 * depth;
        let waves: Vec<(f32, f32, f32)> = (0..3)
            .map(|k| {
                (
                    hf * g.range_f32(0.01, 0.06) / (k + 1) as f32,
                    g.range_f32(0.5, 3.0) * (k + 1) as f32,
                    g.range_f32(0.0, 6.3),
                )
            })
            .collect();
        let far = lerp(horizon_c, ground_base, 0.35 + 0.65 * depth);
        let near = lerp(far, [20.0, 30.0, 15.0], 0.35 * depth);
        for (x, front) in ridge_front.iter_mut().enumerate() {
            let u = x as f32 / wf;
            let ridge = base
                - waves
                    .iter()
                    .map(|(a, f, p)| a * (std::f32::consts::TAU * f * u + p).sin())
                    .sum::<f32>();
            *front = ridge;
            for y in ridge.max(0.0) as usize..cv.h {
                let t = (y as f32 - ridge) / (hf - ridge).max(1.0);
                cv.px[y * cv.w + x] = lerp(far, near, t.clamp(0.0, 1.0));
            }
        }
    }
    // Trees and houses on the front layer, farther (higher) ones first.
    let mut objects: Vec<(f32, f32, bool)> = (0..3 + g.below(7))
        .map(|_| {
            let x = wf * g.range_f32(0.0, 1.0);
            let ridge = ridge_front[(x as usize).min(cv.w - 1)];
            (
                x,
                ridge + (hf - ridge) * g.range_f32(0.05, 0.8),
                g.below(4) == 0,
            )
        })
        .collect();
    objects.sort_by(|a, b| a.1.total_cmp(&b.1));
    for (x, foot, house) in objects {
        let s = hf * (0.05 + 0.12 * (foot / hf - 0.4).max(0.0));
        if house {
            let wall = jitter(&mut g, [215.0, 200.0, 170.0], 30.0);
            let roof = *pick(
                &mut g,
                &[[150.0, 50.0, 40.0], [90.0, 80.0, 80.0], [120.0, 70.0, 40.0]],
            );
            let roof = jitter(&mut g, roof, 20.0);
            cv.rect(x - s, foot - 1.2 * s, x + s, foot, wall);
            cv.triangle(x, foot - 2.0 * s, foot - 1.2 * s, 1.25 * s, roof);
            cv.rect(
                x - 0.25 * s,
                foot - 0.7 * s,
                x + 0.15 * s,
                foot,
                [60.0, 40.0, 30.0],
            );
            cv.rect(
                x + 0.35 * s,
                foot - 0.9 * s,
                x + 0.75 * s,
                foot - 0.5 * s,
                [240.0, 230.0, 150.0],
            );
        } else {
            let leaf = jitter(&mut g, [35.0, 90.0, 40.0], 20.0);
            cv.rect(
                x - 0.12 * s,
                foot - 0.8 * s,
                x + 0.12 * s,
                foot,
                [90.0, 60.0, 35.0],
            );
            if g.below(2) == 0 {
                cv.triangle(x, foot - 2.6 * s, foot - 0.6 * s, 0.7 * s, leaf);
            } else {
                cv.disc(x, foot - 1.3 * s, 0.75 * s, leaf);
            }
        }
    }
    cv.add_texture(derive_seed(seed, 2), 10.0, 6.0);
    cv.into_rgb()
}

/// A coloured fractal-noise image with grain, fixed by `seed`.
pub fn noise_image(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut g = SplitMix64::new(derive_seed(seed, 8));
    let cells = 2 + g.below(6) as usize;
    let fields: Vec<ValueNoise> = (0..3)
        .map(|c| ValueNoise::new(derive_seed(seed, 100 + c), cells))
        .collect();
    let base = [
        g.range_f32(60.0, 200.0),
        g.range_f32(60.0, 200.0),
        g.range_f32(60.0, 200.0),
    ];
    let (amp, grain) = (g.range_f32(50.0, 110.0), g.range_f32(5.0, 60.0));
    let mut cv = Canvas::new(w, h);
    for y in 0..cv.h {
        for x in 0..cv.w {
            let (u, v) = (x as f32 / w as f32, y as f32 / h as f32);
            let p = [0, 1, 2]
                .map(|c| base[c] + amp * fields[c].fractal(u, v, 4) + grain * (g.next_f32() - 0.5));
            cv.px[y * cv.w + x] = p;
        }
    }
    cv.into_rgb()
}

/// One image of a generated corpus.

#[derive(Clone, Debug)]
pub struct CorpusImage {
    /// What kind of image it is.
    pub kind: ImageKind,
    /// The seed it was generated from.
    pub seed: u64,
    /// The pixels.
    pub image: RgbImage,
}

impl CorpusImage {
    /// Whether two corpus images carry the same content: the same image, or
    /// two protest posters with the same slogan (re-coloured, re-laid-out
    /// variants of one poster, which a perceptual hash is *meant* to match).
    pub fn same_content(&self, other: &CorpusImage) -> bool {
        (self.kind == other.kind && self.seed == other.seed)
            || (self.kind == ImageKind::ProtestPoster
                && other.kind == ImageKind::ProtestPoster
                && slogan_for(self.seed) == slogan_for(other.seed))
    }
}

/// `n` images of each kind at `size × size`, seeds derived from `seed`
/// (kind after kind, in [`ImageKind::ALL`] order).
pub fn corpus(n: usize, size: u32, seed: u64) -> Vec<CorpusImage> {
    let mut out = Vec::with_capacity(4 * n);
    for (k, kind) in ImageKind::ALL.into_iter().enumerate() {
        for i in 0..n {
            let s = derive_seed(seed, ((k as u64) << 32) | i as u64);
            out.push(CorpusImage {
                kind,
                seed: s,
                image: kind.generate(s, size),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_seed_dependent() {
        for kind in ImageKind::ALL {
            let a = kind.generate(11, 64);
            assert_eq!(a, kind.generate(11, 64), "{kind:?} not deterministic");
            assert_ne!(a, kind.generate(12, 64), "{kind:?} ignores its seed");
        }
    }

    #[test]
    fn corpus_images_are_distinct_and_not_flat() {
        let c = corpus(6, 64, 1);
        assert_eq!(c.len(), 24);
        for (i, a) in c.iter().enumerate() {
            let (lo, hi) = a
                .image
                .iter()
                .fold((255u8, 0u8), |(l, h), v| (l.min(*v), h.max(*v)));
            assert!(hi - lo > 60, "{:?} {} is nearly flat", a.kind, a.seed);
            for b in &c[i + 1..] {
                assert_ne!(a.image, b.image);
            }
        }
    }
}
