//! Posters: event posters and protest posters, their text drawn with the
//! built-in 5×7 bitmap font (the crate's `font` module).

use image::{Rgb, RgbImage};

use super::super::font;
use super::super::rng::{derive_seed, SplitMix64};
use super::canvas::{jitter, lerp, luminance, pick, to_rgb8, Canvas};

/// Slogans for [`protest_poster_seeded`].
pub const SLOGANS: [&str; 8] = [
    "STOP CHAT CONTROL",
    "HANDS OFF OUR CHATS",
    "PRIVACY IS A RIGHT",
    "NO SCANNER IN MY POCKET",
    "ENCRYPT EVERYTHING",
    "MY PHONE IS NOT A SPY",
    "NO MASS SURVEILLANCE",
    "SECRET LETTERS ARE LEGAL",
];

const HEADLINES: [&str; 12] = [
    "JAZZ NIGHT",
    "BAKE SALE",
    "LOST CAT",
    "OPEN DAY",
    "FILM CLUB",
    "FLEA MARKET",
    "CHOIR",
    "YOGA",
    "BOOK SWAP",
    "CONCERT",
    "GARDEN FAIR",
    "CHESS CUP",
];
const DAYS: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
const PLACES: [&str; 6] = [
    "CITY HALL",
    "MAIN SQUARE",
    "PARK GATE",
    "STATION",
    "TOWN HALL",
    "HARBOUR",
];

/// Greedy word wrap to at most `max_chars` per line.
fn wrap(text: &str, max_chars: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match lines.last_mut() {
            Some(l) if l.len() + 1 + word.len() <= max_chars => {
                l.push(' ');
                l.push_str(word);
            }
            _ => lines.push(word.to_string()),
        }
    }
    lines
}

/// Draws `text` wrapped and centred in the box `[x0, x0+bw) × [y0, y0+bh)`
/// at the largest integer scale that fits; returns the box height used.
fn draw_block(
    img: &mut RgbImage,
    text: &str,
    x0: u32,
    y0: u32,
    bw: u32,
    bh: u32,
    color: Rgb<u8>,
) -> u32 {
    for scale in (1..=16u32).rev() {
        let max_chars = ((bw / scale + 1) / font::ADVANCE) as usize;
        if max_chars == 0 {
            continue;
        }
        let lines = wrap(text, max_chars);
        let line_h = (font::GLYPH_H + 2) * scale;
        let fits_w = lines.iter().all(|l| font::text_width(l, scale) <= bw);
        if fits_w && lines.len() as u32 * line_h <= bh + 2 * scale {
            let total = lines.len() as u32 * line_h;
            let mut y = y0 + bh.saturating_sub(total) / 2;
            for l in &lines {
                let x = x0 + (bw - font::text_width(l, scale)) / 2;
                font::draw_text(img, x as i64, y as i64, scale, color, l);
                y += line_h;
            }
            return total;
        }
    }
    0
}

/// An event poster of `w × h` fixed by `seed`.
pub fn poster(seed: u64, w: u32, h: u32) -> RgbImage {
    let mut g = SplitMix64::new(derive_seed(seed, 3));
    let mut cv = Canvas::new(w, h);
    let (wf, hf) = (w as f32, h as f32);
    let bg = [
        g.range_f32(30.0, 250.0),
        g.range_f32(30.0, 250.0),
        g.range_f32(30.0, 250.0),
    ];
    let bg2 = jitter(&mut g, bg, 60.0);
    for y in 0..cv.h {
        let c = lerp(bg, bg2, y as f32 / hf);
        cv.px[y * cv.w..(y + 1) * cv.w].fill(c);
    }
    let accent = [
        g.range_f32(0.0, 255.0),
        g.range_f32(0.0, 255.0),
        g.range_f32(0.0, 255.0),
    ];
    match g.below(3) {
        0 => cv.disc(
            wf * g.range_f32(0.2, 0.8),
            hf * g.range_f32(0.45, 0.75),
            wf * g.range_f32(0.15, 0.3),
            accent,
        ),
        1 => {
            let n = 3 + g.below(4) as usize;
            for i in 0..n {
                let y = hf * (0.4 + 0.45 * i as f32 / n as f32);
                cv.rect(0.0, y, wf, y + hf * 0.04, accent);
            }
        }
        _ => {
            let s = wf * g.range_f32(0.2, 0.4);
            let (x, y) = (wf * g.range_f32(0.05, 0.6), hf * g.range_f32(0.35, 0.6));
            cv.rect(x, y, x + s, y + s, accent);
        }
    }
    cv.add_texture(derive_seed(seed, 4), 4.0, 4.0);
    let ink = if luminance(lerp(bg, bg2, 0.3)) > 128.0 {
        [20.0, 20.0, 30.0]
    } else {
        [245.0, 245.0, 235.0]
    };
    let mut img = cv.into_rgb();
    let margin = w / 12;
    let headline = *pick(&mut g, &HEADLINES);
    draw_block(
        &mut img,
        headline,
        margin,
        h / 16,
        w - 2 * margin,
        h * 3 / 10,
        to_rgb8(ink),
    );
    let info = format!(
        "{} {} {}:00",
        pick(&mut g, &DAYS),
        1 + g.below(28),
        10 + g.below(12)
    );
    draw_block(
        &mut img,
        &info,
        margin,
        h * 3 / 4,
        w - 2 * margin,
        h / 10,
        to_rgb8(ink),
    );
    let place = *pick(&mut g, &PLACES);
    draw_block(
        &mut img,
        place,
        margin,
        h * 17 / 20,
        w - 2 * margin,
        h / 12,
        to_rgb8(ink),
    );
    img
}

/// A protest poster of `w × h` carrying `slogan`, its colours and layout fixed by `seed`.
pub fn protest_poster(seed: u64, w: u32, h: u32, slogan: &str) -> RgbImage {
    let mut g = SplitMix64::new(derive_seed(seed, 5));
    let mut cv = Canvas::new(w, h);
    let (wf, hf) = (w as f32, h as f32);
    let schemes = [
        ([200.0, 30.0, 30.0], [250.0, 245.0, 235.0]),
        ([20.0, 20.0, 20.0], [250.0, 220.0, 40.0]),
        ([250.0, 220.0, 40.0], [20.0, 20.0, 20.0]),
        ([30.0, 60.0, 160.0], [250.0, 250.0, 250.0]),
        ([245.0, 240.0, 225.0], [190.0, 20.0, 30.0]),
    ];
    let (bg, ink) = *pick(&mut g, &schemes);
    let (bg, ink) = (jitter(&mut g, bg, 12.0), jitter(&mut g, ink, 8.0));
    cv.px.fill(bg);
    let b = wf * g.range_f32(0.025, 0.05);
    cv.rect(0.0, 0.0, wf, b, ink);
    cv.rect(0.0, hf - b, wf, hf, ink);
    cv.rect(0.0, 0.0, b, hf, ink);
    cv.rect(wf - b, 0.0, wf, hf, ink);
    // Padlock emblem: shackle ring, then body.
    let (lx, ly, ls) = (
        wf * g.range_f32(0.35, 0.65),
        hf * g.range_f32(0.62, 0.7),
        wf * g.range_f32(0.07, 0.1),
    );
    cv.disc(lx, ly - 0.55 * ls, 0.75 * ls, ink);
    cv.disc(lx, ly - 0.55 * ls, 0.45 * ls, bg);
    cv.rect(lx - ls, ly - 0.5 * ls, lx + ls, ly + 0.9 * ls, ink);
    cv.disc(lx, ly + 0.1 * ls, 0.18 * ls, bg);
    cv.add_texture(derive_seed(seed, 6), 3.0, 5.0);
    let mut img = cv.into_rgb();
    let m = (b as u32) + w / 20;
    draw_block(
        &mut img,
        slogan,
        m,
        m,
        w - 2 * m,
        h * 11 / 20 - m,
        to_rgb8(ink),
    );
    let call = format!(
        "DEMO {} {}:00 {}",
        pick(&mut g, &DAYS),
        10 + g.below(9),
        pick(&mut g, &PLACES)
    );
    draw_block(
        &mut img,
        &call,
        m,
        h * 4 / 5,
        w - 2 * m,
        h / 5 - m,
        to_rgb8(ink),
    );
    img
}

/// A protest poster whose slogan is also chosen by `seed` from [`SLOGANS`].
pub fn protest_poster_seeded(seed: u64, w: u32, h: u32) -> RgbImage {
    protest_poster(seed, w, h, slogan_for(seed))
}

/// The slogan [`protest_poster_seeded`] puts on the poster of `seed`.
pub fn slogan_for(seed: u64) -> &'static str {
    SLOGANS[SplitMix64::new(derive_seed(seed, 7)).below(SLOGANS.len() as u64) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_respects_width() {
        assert_eq!(
            wrap("NO SCANNER IN MY POCKET", 10),
            vec!["NO SCANNER", "IN MY", "POCKET"]
        );
    }
}
