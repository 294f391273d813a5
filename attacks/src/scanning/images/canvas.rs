//! Drawing helpers shared by the generators: a float canvas with simple
//! shapes, smooth value noise, and colour utilities.

use image::{Rgb, RgbImage};

use super::super::rng::{derive_seed, SplitMix64};

/// A float RGB canvas used while drawing.
pub(super) struct Canvas {
    pub(super) w: usize,
    pub(super) h: usize,
    pub(super) px: Vec<[f32; 3]>,
}

impl Canvas {
    pub(super) fn new(w: u32, h: u32) -> Self {
        Self {
            w: w as usize,
            h: h as usize,
            px: vec![[0.0; 3]; (w * h) as usize],
        }
    }

    pub(super) fn set(&mut self, x: i64, y: i64, c: [f32; 3]) {
        if x >= 0 && y >= 0 && (x as usize) < self.w && (y as usize) < self.h {
            self.px[y as usize * self.w + x as usize] = c;
        }
    }

    pub(super) fn rect(&mut self, x0: f32, y0: f32, x1: f32, y1: f32, c: [f32; 3]) {
        for y in y0.round() as i64..y1.round() as i64 {
            for x in x0.round() as i64..x1.round() as i64 {
                self.set(x, y, c);
            }
        }
    }

    pub(super) fn disc(&mut self, cx: f32, cy: f32, r: f32, c: [f32; 3]) {
        for y in (cy - r).floor() as i64..=(cy + r).ceil() as i64 {
            for x in (cx - r).floor() as i64..=(cx + r).ceil() as i64 {
                let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
                if dx * dx + dy * dy <= r * r {
                    self.set(x, y, c);
                }
            }
        }
    }

    /// A filled isosceles triangle with apex `(cx, top)` and base `[cx-half, cx+half]` at `bottom`.
    pub(super) fn triangle(&mut self, cx: f32, top: f32, bottom: f32, half: f32, c: [f32; 3]) {
        for y in top.round() as i64..bottom.round() as i64 {
            let t = (y as f32 + 0.5 - top) / (bottom - top).max(1e-3);
            let hw = half * t;
            for x in (cx - hw).round() as i64..(cx + hw).round() as i64 {
                self.set(x, y, c);
            }
        }
    }

    pub(super) fn add_texture(&mut self, seed: u64, amp: f32, grain: f32) {
        let noise = ValueNoise::new(seed, 8);
        let mut g = SplitMix64::new(derive_seed(seed, 9));
        for y in 0..self.h {
            for x in 0..self.w {
                let n = noise.fractal(x as f32 / self.w as f32, y as f32 / self.h as f32, 3);
                let d = amp * n + grain * (g.next_f32() - 0.5);
                for v in self.px[y * self.w + x].iter_mut() {
                    *v += d;
                }
            }
        }
    }

    pub(super) fn into_rgb(self) -> RgbImage {
        let w = self.w;
        RgbImage::from_fn(self.w as u32, self.h as u32, |x, y| {
            let p = self.px[y as usize * w + x as usize];
            Rgb(p.map(|v| v.round().clamp(0.0, 255.0) as u8))
        })
    }
}

/// Smooth lattice noise in `[-1, 1]` on the unit square (`cells` per side, wrapping).
pub(super) struct ValueNoise {
    cells: usize,
    grid: Vec<f32>,
}

impl ValueNoise {
    pub(super) fn new(seed: u64, cells: usize) -> Self {
        let mut g = SplitMix64::new(seed);
        let n = cells * 8; // room for the finer octaves
        Self {
            cells,
            grid: (0..n * n).map(|_| g.next_f32() * 2.0 - 1.0).collect(),
        }
    }

    fn sample(&self, x: f32, y: f32, cells: usize) -> f32 {
        let n = self.cells * 8;
        let (fx, fy) = (x * cells as f32, y * cells as f32);
        let (x0, y0) = (fx.floor(), fy.floor());
        let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
        let (tx, ty) = (smooth(fx - x0), smooth(fy - y0));
        let at = |i: i64, j: i64| {
            self.grid[(j.rem_euclid(n as i64) as usize) * n + i.rem_euclid(n as i64) as usize]
        };
        let (i, j) = (x0 as i64, y0 as i64);
        let top = at(i, j) * (1.0 - tx) + at(i + 1, j) * tx;
        let bot = at(i, j + 1) * (1.0 - tx) + at(i + 1, j + 1) * tx;
        top * (1.0 - ty) + bot * ty
    }

    pub(super) fn fractal(&self, x: f32, y: f32, octaves: u32) -> f32 {
        let (mut sum, mut amp, mut norm) = (0.0, 1.0, 0.0);
        for o in 0..octaves {
            sum += amp * self.sample(x, y, self.cells << o);
            norm += amp;
            amp *= 0.5;
        }
        sum / norm
    }
}

pub(super) fn lerp(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t)
}

pub(super) fn jitter(g: &mut SplitMix64, c: [f32; 3], by: f32) -> [f32; 3] {
    c.map(|v| (v + g.range_f32(-by, by)).clamp(0.0, 255.0))
}

pub(super) fn pick<'a, T>(g: &mut SplitMix64, xs: &'a [T]) -> &'a T {
    &xs[g.below(xs.len() as u64) as usize]
}

/// Rounds and clamps a float colour to 8 bits.
pub(super) fn to_rgb8(c: [f32; 3]) -> Rgb<u8> {
    Rgb(c.map(|v| v.round().clamp(0.0, 255.0) as u8))
}

/// Rec. 601 luma of a float colour.
pub(super) fn luminance(c: [f32; 3]) -> f32 {
    0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]
}
