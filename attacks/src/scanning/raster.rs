//! Float rasters, exact linear resampling (with transposes, for gradients),
//! and the everyday edits the evasion experiment applies: crop, rotation,
//! JPEG re-encoding and additive noise, plus the PSNR metric and PNG output.

use std::io::Cursor;
use std::path::Path;

use image::codecs::jpeg::JpegEncoder;
use image::{ImageFormat, Rgb, RgbImage};

use super::rng::SplitMix64;

/// Rec. 601 luma weights (they sum to one, so adding `d` to R, G and B adds `d` to luma).
pub const LUMA: [f32; 3] = [0.299, 0.587, 0.114];

/// A planar float image: `channels` planes of `width × height`, row-major,
/// values in pixel units (0–255).
#[derive(Clone, Debug, PartialEq)]
pub struct Planes {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Number of planes (1 for luma, 3 for RGB).
    pub channels: usize,
    /// `channels * height * width` samples, plane after plane.
    pub data: Vec<f32>,
}

impl Planes {
    /// An all-zero raster.
    pub fn zeros(channels: usize, width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            channels,
            data: vec![0.0; channels * width * height],
        }
    }

    /// The three colour planes of `img`.
    pub fn from_rgb(img: &RgbImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let mut p = Self::zeros(3, w, h);
        for (i, px) in img.pixels().enumerate() {
            for c in 0..3 {
                p.data[c * w * h + i] = px.0[c] as f32;
            }
        }
        p
    }

    /// The Rec. 601 luma plane of `img`.
    pub fn luma_of(img: &RgbImage) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let data = img
            .pixels()
            .map(|p| LUMA[0] * p.0[0] as f32 + LUMA[1] * p.0[1] as f32 + LUMA[2] * p.0[2] as f32)
            .collect();
        Self {
            width: w,
            height: h,
            channels: 1,
            data,
        }
    }

    /// Plane `c` as a slice.
    pub fn plane(&self, c: usize) -> &[f32] {
        let n = self.width * self.height;
        &self.data[c * n..(c + 1) * n]
    }

    /// Rounds and clamps a 3-plane raster back to 8-bit RGB.
    pub fn to_rgb(&self) -> RgbImage {
        assert_eq!(self.channels, 3, "to_rgb needs three planes");
        let n = self.width * self.height;
        RgbImage::from_fn(self.width as u32, self.height as u32, |x, y| {
            let i = y as usize * self.width + x as usize;
            Rgb([0, 1, 2].map(|c| self.data[c * n + i].round().clamp(0.0, 255.0) as u8))
        })
    }

    /// Resamples every plane with `rx` along x and `ry` along y.
    pub fn resample(&self, rx: &Resampler, ry: &Resampler) -> Self {
        assert_eq!(
            (rx.in_len, ry.in_len),
            (self.width, self.height),
            "resampler size"
        );
        let mut out = Self::zeros(self.channels, rx.out_len, ry.out_len);
        let (n_in, n_out) = (self.width * self.height, rx.out_len * ry.out_len);
        for c in 0..self.channels {
            let src = &self.data[c * n_in..(c + 1) * n_in];
            let dst = &mut out.data[c * n_out..(c + 1) * n_out];
            resample_plane(src, self.width, self.height, rx, ry, dst);
        }
        out
    }

    /// Applies the transpose of [`Planes::resample`]: maps a gradient at the
    /// output size back to the input size (`rx`, `ry` as in the forward call).
    pub fn resample_transpose(&self, rx: &Resampler, ry: &Resampler) -> Self {
        assert_eq!(
            (rx.out_len, ry.out_len),
            (self.width, self.height),
            "resampler size"
        );
        let mut out = Self::zeros(self.channels, rx.in_len, ry.in_len);
        let (n_in, n_out) = (rx.in_len * ry.in_len, self.width * self.height);
        for c in 0..self.channels {
            let g = &self.data[c * n_out..(c + 1) * n_out];
            // Transpose of (row pass then column pass) is column-transpose then row-transpose.
            let mut mid = vec![0.0f32; rx.out_len * ry.in_len];
            for (oy, taps) in ry.taps.iter().enumerate() {
                for &(iy, wt) in taps {
                    let (src, dst) = (
                        &g[oy * rx.out_len..(oy + 1) * rx.out_len],
                        iy as usize * rx.out_len,
                    );
                    for (x, v) in src.iter().enumerate() {
                        mid[dst + x] += wt * v;
                    }
                }
            }
            let dst = &mut out.data[c * n_in..(c + 1) * n_in];
            for y in 0..ry.in_len {
                for (ox, taps) in rx.taps.iter().enumerate() {
                    let v = mid[y * rx.out_len + ox];
                    for &(ix, wt) in taps {
                        dst[y * rx.in_len + ix as usize] += wt * v;
                    }
                }
            }
        }
        out
    }
}

/// A 1-D linear resampling, stored as taps `(input index, weight)` per output sample.
#[derive(Clone, Debug)]
pub struct Resampler {
    /// Input length.
    pub in_len: usize,
    /// Output length.
    pub out_len: usize,
    /// For each output sample, its input taps.
    pub taps: Vec<Vec<(u32, f32)>>,
}

impl Resampler {
    /// Exact area averaging (box filter): each output sample is the mean of
    /// the input interval it covers, partial samples weighted by overlap.
    /// For an integer ratio this is plain block averaging.
    pub fn area(in_len: usize, out_len: usize) -> Self {
        let scale = in_len as f64 / out_len as f64;
        let taps = (0..out_len)
            .map(|o| {
                let (a, b) = (o as f64 * scale, (o + 1) as f64 * scale);
                let mut t = Vec::new();
                let mut i = a.floor() as usize;
                while (i as f64) < b && i < in_len {
                    let overlap = (b.min(i as f64 + 1.0) - a.max(i as f64)).max(0.0);
                    if overlap > 1e-12 {
                        t.push((i as u32, (overlap / scale) as f32));
                    }
                    i += 1;
                }
                t
            })
            .collect();
        Self {
            in_len,
            out_len,
            taps,
        }
    }

    /// Bilinear (tent) interpolation with pixel centres aligned, edges clamped.
    pub fn bilinear(in_len: usize, out_len: usize) -> Self {
        let scale = in_len as f64 / out_len as f64;
        let taps = (0..out_len)
            .map(|o| {
                let x = ((o as f64 + 0.5) * scale - 0.5).clamp(0.0, (in_len - 1) as f64);
                let i0 = x.floor() as usize;
                let f = (x - i0 as f64) as f32;
                if i0 + 1 < in_len && f > 0.0 {
                    vec![(i0 as u32, 1.0 - f), (i0 as u32 + 1, f)]
                } else {
                    vec![(i0 as u32, 1.0)]
                }
            })
            .collect();
        Self {
            in_len,
            out_len,
            taps,
        }
    }
}

fn resample_plane(
    src: &[f32],
    w: usize,
    h: usize,
    rx: &Resampler,
    ry: &Resampler,
    dst: &mut [f32],
) {
    let ow = rx.out_len;
    let mut mid = vec![0.0f32; ow * h];
    for y in 0..h {
        let row = &src[y * w..(y + 1) * w];
        for (ox, taps) in rx.taps.iter().enumerate() {
            mid[y * ow + ox] = taps.iter().map(|&(i, wt)| wt * row[i as usize]).sum();
        }
    }
    for (oy, taps) in ry.taps.iter().enumerate() {
        let out = &mut dst[oy * ow..(oy + 1) * ow];
        out.fill(0.0);
        for &(iy, wt) in taps {
            let m = &mid[iy as usize * ow..(iy as usize + 1) * ow];
            for (o, v) in out.iter_mut().zip(m) {
                *o += wt * v;
            }
        }
    }
}

/// Area-resizes a raster to `w × h`.
pub fn resize_area(p: &Planes, w: usize, h: usize) -> Planes {
    p.resample(&Resampler::area(p.width, w), &Resampler::area(p.height, h))
}

/// Keeps the centred `(100 - percent)%` of each dimension (at least 1 pixel).
pub fn crop_center(img: &RgbImage, percent: f64) -> RgbImage {
    let keep = (1.0 - percent / 100.0).clamp(0.0, 1.0);
    let (w, h) = (img.width(), img.height());
    let (cw, ch) = (
        ((w as f64 * keep).round() as u32).max(1),
        ((h as f64 * keep).round() as u32).max(1),
    );
    image::imageops::crop_imm(img, (w - cw) / 2, (h - ch) / 2, cw, ch).to_image()
}

/// Rotates by `degrees` (counter-clockwise) about the centre, same size,
/// bilinear sampling, with samples outside the source clamped to its edge.
pub fn rotate_bilinear(img: &RgbImage, degrees: f64) -> RgbImage {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let (s, c) = degrees.to_radians().sin_cos();
    let (cx, cy) = ((w as f64 - 1.0) / 2.0, (h as f64 - 1.0) / 2.0);
    let at = |x: i64, y: i64, ch: usize| {
        img.get_pixel(x.clamp(0, w - 1) as u32, y.clamp(0, h - 1) as u32)
            .0[ch] as f64
    };
    RgbImage::from_fn(w as u32, h as u32, |x, y| {
        // Inverse map: the destination pixel samples the source rotated back.
        let (dx, dy) = (x as f64 - cx, y as f64 - cy);
        let sx = c * dx - s * dy + cx;
        let sy = s * dx + c * dy + cy;
        let (x0, y0) = (sx.floor() as i64, sy.floor() as i64);
        let (fx, fy) = (sx - x0 as f64, sy - y0 as f64);
        Rgb([0, 1, 2].map(|ch| {
            let top = at(x0, y0, ch) * (1.0 - fx) + at(x0 + 1, y0, ch) * fx;
            let bot = at(x0, y0 + 1, ch) * (1.0 - fx) + at(x0 + 1, y0 + 1, ch) * fx;
            (top * (1.0 - fy) + bot * fy).round().clamp(0.0, 255.0) as u8
        }))
    })
}

/// Encodes as baseline JPEG at `quality` (1–100) and decodes again.
pub fn jpeg_roundtrip(img: &RgbImage, quality: u8) -> RgbImage {
    let mut buf = Vec::new();
    JpegEncoder::new_with_quality(&mut buf, quality.clamp(1, 100))
        .encode_image(img)
        .expect("JPEG encoding into memory cannot fail for an RGB8 image");
    image::load_from_memory_with_format(&buf, ImageFormat::Jpeg)
        .expect("decoding the JPEG just encoded")
        .to_rgb8()
}

/// Adds independent Gaussian noise of standard deviation `sigma` (pixel
/// units) to every sample, seeded, rounded and clamped.
pub fn add_gaussian_noise(img: &RgbImage, sigma: f64, seed: u64) -> RgbImage {
    let mut g = SplitMix64::new(seed);
    let mut out = img.clone();
    for v in out.iter_mut() {
        *v = (*v as f64 + sigma * g.gaussian()).round().clamp(0.0, 255.0) as u8;
    }
    out
}

/// Peak signal-to-noise ratio in dB between two same-size images
/// (`f64::INFINITY` when identical).
pub fn psnr(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions(), "psnr of different sizes");
    let se: f64 = a
        .iter()
        .zip(b.iter())
        .map(|(x, y)| (*x as f64 - *y as f64).powi(2))
        .sum();
    let mse = se / a.as_raw().len() as f64;
    if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    }
}

/// Largest absolute per-sample difference.
pub fn max_abs_diff(a: &RgbImage, b: &RgbImage) -> u8 {
    a.iter()
        .zip(b.iter())
        .map(|(x, y)| x.abs_diff(*y))
        .max()
        .unwrap_or(0)
}

/// Encodes as PNG in memory.
pub fn png_bytes(img: &RgbImage) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, ImageFormat::Png)
        .expect("PNG encoding into memory");
    buf.into_inner()
}

/// Writes `img` as a PNG file at `path`.
pub fn save_png(img: &RgbImage, path: &Path) -> std::io::Result<()> {
    std::fs::write(path, png_bytes(img))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn area_weights_sum_to_one_and_integer_ratio_is_block_mean() {
        for (i, o) in [(128, 32), (115, 32), (32, 32), (7, 3)] {
            let r = Resampler::area(i, o);
            for t in &r.taps {
                let s: f32 = t.iter().map(|x| x.1).sum();
                assert!((s - 1.0).abs() < 1e-5, "{i}->{o}: {s}");
            }
        }
        let r = Resampler::area(8, 2);
        assert_eq!(r.taps[1], vec![(4, 0.25), (5, 0.25), (6, 0.25), (7, 0.25)]);
    }

    #[test]
    fn resample_transpose_is_the_adjoint() {
        let mut g = SplitMix64::new(3);
        let mut a = Planes::zeros(2, 20, 12);
        a.data.iter_mut().for_each(|v| *v = g.next_f32());
        let (rx, ry) = (Resampler::bilinear(20, 33), Resampler::area(12, 5));
        let mut b = Planes::zeros(2, 33, 5);
        b.data.iter_mut().for_each(|v| *v = g.next_f32());
        let lhs: f32 = a
            .resample(&rx, &ry)
            .data
            .iter()
            .zip(&b.data)
            .map(|(x, y)| x * y)
            .sum();
        let rhs: f32 = a
            .data
            .iter()
            .zip(&b.resample_transpose(&rx, &ry).data)
            .map(|(x, y)| x * y)
            .sum();
        assert!(
            (lhs - rhs).abs() < 1e-3 * lhs.abs().max(1.0),
            "{lhs} vs {rhs}"
        );
    }

    #[test]
    fn edits_keep_identity_at_zero_strength() {
        let img = RgbImage::from_fn(16, 16, |x, y| Rgb([(x * 15) as u8, (y * 15) as u8, 90]));
        assert_eq!(rotate_bilinear(&img, 0.0), img);
        assert_eq!(crop_center(&img, 0.0), img);
        assert_eq!(add_gaussian_noise(&img, 0.0, 1), img);
        assert_eq!(psnr(&img, &img), f64::INFINITY);
        let j = jpeg_roundtrip(&img, 95);
        assert!(psnr(&img, &j) > 30.0);
        assert_eq!(crop_center(&img, 50.0).dimensions(), (8, 8));
    }
}
