//! Hand-drawn and scanned variation of clean line art: line width, wobble, small gaps, pencil
//! grain, paper tone, light blur, sensor noise and JPEG. [`roughen`] is a pure function of the
//! image and a seed: training draws one seed per stream position (so a resumed run sees the
//! same pixels), and `rough-copy` one per pair id (a fixed rough copy of a test split).
//!
//! Each effect is applied with its own probability and strength, all drawn from the seed's
//! SplitMix64 stream in a fixed order, so changing one effect's parameters never changes the
//! draws of those before it.

use image::{GrayImage, ImageDecoder, Luma};

use crate::lineart::{dilate, gaussian_blur};
use crate::rng::SplitMix64;

/// What [`roughen`] did to one image (for tests, logs and the rough copy's manifest).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RoughDraw {
    /// Lines thickened by a square of this side (0: unchanged).
    pub thicken: u32,
    /// Wobble amplitude in pixels (0: none).
    pub wobble: f32,
    /// Gaps cut into the lines.
    pub gaps: u32,
    /// Pencil grain: least remaining darkness of an ink pixel, 0-1 (1: none).
    pub grain: f32,
    /// Paper level, 0-255 (255: white paper).
    pub paper: u8,
    /// Gaussian blur sigma (0: none).
    pub blur: f32,
    /// Sensor noise standard deviation in grey levels (0: none).
    pub noise: f32,
    /// JPEG quality (0: not re-encoded).
    pub jpeg: u8,
}

/// One effect of [`roughen`], for a copy with that effect alone ([`roughen_only`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// Thicker lines.
    Thicken,
    /// Wobbly lines.
    Wobble,
    /// Small gaps cut into the lines.
    Gaps,
    /// Pencil grain.
    Grain,
    /// Tinted paper.
    Paper,
    /// Light blur.
    Blur,
    /// Sensor noise.
    Noise,
    /// JPEG re-encoding.
    Jpeg,
}

impl Effect {
    /// Every effect, in the order [`roughen`] applies them.
    pub const ALL: [Effect; 8] = [
        Effect::Thicken,
        Effect::Wobble,
        Effect::Gaps,
        Effect::Grain,
        Effect::Paper,
        Effect::Blur,
        Effect::Noise,
        Effect::Jpeg,
    ];

    /// The effect's name, as `rough-copy --only` takes it.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Thicken => "thicken",
            Effect::Wobble => "wobble",
            Effect::Gaps => "gaps",
            Effect::Grain => "grain",
            Effect::Paper => "paper",
            Effect::Blur => "blur",
            Effect::Noise => "noise",
            Effect::Jpeg => "jpeg",
        }
    }

    /// The effect of that name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.name() == name)
    }

    /// Sets this effect's field of `d` to a strength drawn from `r` (the ranges [`draw`]
    /// uses; `scale`: effects grow with the picture, `area`: its pixels).
    fn set(self, d: &mut RoughDraw, r: &mut SplitMix64, scale: f32, area: f64) {
        match self {
            Effect::Thicken => d.thicken = 2 + (r.below(2) as u32) * (scale.round() as u32).max(1),
            Effect::Wobble => d.wobble = (0.4 + 0.8 * r.unit() as f32) * scale,
            Effect::Gaps => d.gaps = 1 + (r.unit() * area / 4096.0) as u32,
            Effect::Grain => d.grain = 0.45 + 0.4 * r.unit() as f32,
            Effect::Paper => d.paper = 212 + r.below(40) as u8,
            Effect::Blur => d.blur = (0.3 + 0.5 * r.unit() as f32) * scale,
            Effect::Noise => d.noise = 2.0 + 8.0 * r.unit() as f32,
            Effect::Jpeg => d.jpeg = 35 + r.below(51) as u8,
        }
    }

    /// The chance [`draw`] gives this effect.
    fn chance(self) -> f64 {
        match self {
            Effect::Thicken => 0.35,
            Effect::Wobble | Effect::Paper => 0.5,
            Effect::Gaps | Effect::Grain => 0.4,
            Effect::Blur | Effect::Noise | Effect::Jpeg => 0.3,
        }
    }
}

/// No effect at all: `roughen` with this draw returns the line art unchanged.
fn untouched() -> RoughDraw {
    RoughDraw {
        paper: 255,
        grain: 1.0,
        ..RoughDraw::default()
    }
}

/// Scale of the effects with the picture (a 128 px training crop gets 1 px effects) and its
/// area in pixels.
fn extent((w, h): (u32, u32)) -> (f32, f64) {
    (
        (w.min(h) as f32 / 128.0).max(1.0),
        f64::from(w) * f64::from(h),
    )
}

/// Draws the effects for `seed` (without applying them): each with its own chance, then its
/// strength.
pub fn draw(seed: u64, dims: (u32, u32)) -> RoughDraw {
    let mut r = SplitMix64::new(seed);
    let (scale, area) = extent(dims);
    let mut d = untouched();
    for effect in Effect::ALL {
        if r.unit() < effect.chance() {
            effect.set(&mut d, &mut r, scale, area);
        }
    }
    d
}

/// `effect` alone, always on, at a strength drawn for `seed` from [`draw`]'s range.
pub fn draw_only(seed: u64, dims: (u32, u32), effect: Effect) -> RoughDraw {
    let mut r = SplitMix64::new(seed);
    let (scale, area) = extent(dims);
    let mut d = untouched();
    effect.set(&mut d, &mut r, scale, area);
    d
}

/// `line` made to look drawn by hand, on paper, scanned: the effects of [`draw`]`(seed, ..)`.
pub fn roughen(line: &GrayImage, seed: u64) -> (GrayImage, RoughDraw) {
    let d = draw(seed, line.dimensions());
    (apply(line, &d, seed), d)
}

/// `line` with `effect` alone ([`draw_only`]): what one effect costs, measured apart.
pub fn roughen_only(line: &GrayImage, seed: u64, effect: Effect) -> (GrayImage, RoughDraw) {
    let d = draw_only(seed, line.dimensions(), effect);
    (apply(line, &d, seed), d)
}

/// Applies the effects of `d` to `line` in a fixed order.
fn apply(line: &GrayImage, d: &RoughDraw, seed: u64) -> GrayImage {
    // Positions of gaps, grain and noise come from a second stream of the same seed.
    let mut r = SplitMix64::new(crate::rng::mix_seed(seed, 0x7261_6e64));
    let mut img = line.clone();
    if d.thicken > 0 {
        img = thicken(&img, d.thicken);
    }
    if d.wobble > 0.0 {
        img = wobble(&img, d.wobble, &mut r);
    }
    if d.gaps > 0 {
        cut_gaps(&mut img, d.gaps, &mut r);
    }
    if d.grain < 1.0 {
        grain(&mut img, d.grain, &mut r);
    }
    if d.paper < 255 {
        paper(&mut img, d.paper);
    }
    if d.blur > 0.0 {
        img = blur(&img, d.blur);
    }
    if d.noise > 0.0 {
        noise(&mut img, d.noise, &mut r);
    }
    if d.jpeg > 0 {
        img = jpeg(&img, d.jpeg);
    }
    img
}

/// Grey erosion (minimum) with a k x k square: dark lines grow by k - 1 pixels.
pub fn thicken(img: &GrayImage, k: u32) -> GrayImage {
    let inv = GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([255 - img.get_pixel(x, y).0[0]])
    });
    let grown = dilate(&inv, k);
    GrayImage::from_fn(img.width(), img.height(), |x, y| {
        Luma([255 - grown.get_pixel(x, y).0[0]])
    })
}

/// A smooth displacement (two sinusoids per axis, random phase and wavelength 24-72 px)
/// of at most `amp` pixels, sampled bilinearly: lines drawn with a less steady hand.
pub fn wobble(img: &GrayImage, amp: f32, r: &mut SplitMix64) -> GrayImage {
    let tau = std::f32::consts::TAU;
    let mut waves = [[0f32; 3]; 4];
    for w in &mut waves {
        *w = [
            24.0 + 48.0 * r.unit() as f32,
            tau * r.unit() as f32,
            0.5 * amp * (0.5 + 0.5 * r.unit() as f32),
        ];
    }
    let (w, h) = img.dimensions();
    let at = |x: f32, y: f32| -> f32 {
        let x = x.clamp(0.0, (w - 1) as f32);
        let y = y.clamp(0.0, (h - 1) as f32);
        let (x0, y0) = (x.floor() as u32, y.floor() as u32);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let p = |x, y| img.get_pixel(x, y).0[0] as f32;
        (p(x0, y0) * (1.0 - fx) + p(x1, y0) * fx) * (1.0 - fy)
            + (p(x0, y1) * (1.0 - fx) + p(x1, y1) * fx) * fy
    };
    GrayImage::from_fn(w, h, |x, y| {
        let (xf, yf) = (x as f32, y as f32);
        let wave = |k: usize, t: f32| waves[k][2] * (tau * t / waves[k][0] + waves[k][1]).sin();
        let dx = wave(0, yf) + wave(1, xf + yf);
        let dy = wave(2, xf) + wave(3, xf - yf);
        Luma([at(xf + dx, yf + dy).round() as u8])
    })
}

/// Cuts `n` gaps into the lines: at ink pixels found by random probing, a disc of radius 1-2
/// pixels is painted paper-white (the pen lifted, a break in a scanned stroke).
pub fn cut_gaps(img: &mut GrayImage, n: u32, r: &mut SplitMix64) {
    let (w, h) = img.dimensions();
    for _ in 0..n {
        // A few probes per gap: sparse drawings get fewer gaps rather than a long search.
        for _ in 0..64 {
            let (x, y) = (r.below(w.into()) as i64, r.below(h.into()) as i64);
            if img.get_pixel(x as u32, y as u32).0[0] >= 128 {
                continue;
            }
            let rad = 1 + r.below(2) as i64;
            for dy in -rad..=rad {
                for dx in -rad..=rad {
                    let (px, py) = (x + dx, y + dy);
                    if dx * dx + dy * dy <= rad * rad
                        && (0..w as i64).contains(&px)
                        && (0..h as i64).contains(&py)
                    {
                        img.put_pixel(px as u32, py as u32, Luma([255]));
                    }
                }
            }
            break;
        }
    }
}

/// Pencil grain: each pixel keeps a random share in `[least, 1]` of its darkness.
pub fn grain(img: &mut GrayImage, least: f32, r: &mut SplitMix64) {
    for p in img.pixels_mut() {
        let dark = 255.0 - p.0[0] as f32;
        if dark > 0.0 {
            let keep = least + (1.0 - least) * r.unit() as f32;
            p.0[0] = (255.0 - dark * keep).round() as u8;
        }
    }
}

/// Tinted paper: white becomes `level`, black stays black (a linear map of the grey).
pub fn paper(img: &mut GrayImage, level: u8) {
    for p in img.pixels_mut() {
        p.0[0] = ((p.0[0] as u32 * level as u32 + 127) / 255) as u8;
    }
}

/// Gaussian blur of `sigma` pixels.
pub fn blur(img: &GrayImage, sigma: f32) -> GrayImage {
    let (w, h) = (img.width() as usize, img.height() as usize);
    let src: Vec<f32> = img.as_raw().iter().map(|&v| v as f32).collect();
    let out = gaussian_blur(&src, w, h, sigma);
    GrayImage::from_raw(
        w as u32,
        h as u32,
        out.iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect(),
    )
    .expect("same size")
}

/// Additive Gaussian noise of standard deviation `sd` grey levels (Box-Muller).
pub fn noise(img: &mut GrayImage, sd: f32, r: &mut SplitMix64) {
    for p in img.pixels_mut() {
        let (u1, u2) = (r.unit().max(1e-12), r.unit());
        let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
        p.0[0] = (p.0[0] as f32 + sd * z as f32).round().clamp(0.0, 255.0) as u8;
    }
}

/// A JPEG round trip at `quality` (block artefacts and ringing around the lines).
pub fn jpeg(img: &GrayImage, quality: u8) -> GrayImage {
    let mut bytes = Vec::new();
    let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality);
    if image::ImageEncoder::write_image(
        enc,
        img.as_raw(),
        img.width(),
        img.height(),
        image::ExtendedColorType::L8,
    )
    .is_err()
    {
        return img.clone();
    }
    let Ok(dec) = image::codecs::jpeg::JpegDecoder::new(std::io::Cursor::new(&bytes)) else {
        return img.clone();
    };
    let mut out = vec![0u8; dec.total_bytes() as usize];
    if dec.read_image(&mut out).is_err() || out.len() != img.as_raw().len() {
        return img.clone();
    }
    GrayImage::from_raw(img.width(), img.height(), out).expect("same size")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 64x64 page: a 2 px black square outline and a diagonal stroke.
    fn page() -> GrayImage {
        GrayImage::from_fn(64, 64, |x, y| {
            let on_square = (10..54).contains(&x) && (10..54).contains(&y) && {
                let edge = |v: u32| (10..12).contains(&v) || (52..54).contains(&v);
                edge(x) || edge(y)
            };
            let on_diag = (x as i32 - y as i32).abs() <= 1 && (20..44).contains(&x);
            Luma([if on_square || on_diag { 0 } else { 255 }])
        })
    }

    fn ink(img: &GrayImage) -> usize {
        img.pixels().filter(|p| p.0[0] < 128).count()
    }

    #[test]
    fn roughen_is_a_pure_function_of_image_and_seed() {
        let p = page();
        for seed in 0..20 {
            assert_eq!(roughen(&p, seed), roughen(&p, seed));
        }
        let outs: std::collections::HashSet<Vec<u8>> =
            (0..20).map(|s| roughen(&p, s).0.into_raw()).collect();
        assert!(
            outs.len() >= 15,
            "seeds give different pictures: {}",
            outs.len()
        );
    }

    #[test]
    fn every_effect_is_drawn_with_its_share() {
        let n = 2000;
        let draws: Vec<RoughDraw> = (0..n).map(|s| draw(s, (128, 128))).collect();
        let share = |f: &dyn Fn(&RoughDraw) -> bool| {
            draws.iter().filter(|d| f(d)).count() as f64 / n as f64
        };
        for (name, got, want) in [
            ("thicken", share(&|d| d.thicken > 0), 0.35),
            ("wobble", share(&|d| d.wobble > 0.0), 0.5),
            ("gaps", share(&|d| d.gaps > 0), 0.4),
            ("grain", share(&|d| d.grain < 1.0), 0.4),
            ("paper", share(&|d| d.paper < 255), 0.5),
            ("blur", share(&|d| d.blur > 0.0), 0.3),
            ("noise", share(&|d| d.noise > 0.0), 0.3),
            ("jpeg", share(&|d| d.jpeg > 0), 0.3),
        ] {
            assert!((got - want).abs() < 0.05, "{name}: {got} vs {want}");
        }
        assert!(draws
            .iter()
            .all(|d| d.paper >= 212 && (d.jpeg == 0 || (35..=85).contains(&d.jpeg))));
    }

    #[test]
    fn one_effect_alone_is_always_on_and_the_others_off() {
        let p = page();
        let untouched = untouched();
        for effect in Effect::ALL {
            assert_eq!(Effect::from_name(effect.name()), Some(effect));
            for seed in 0..50 {
                let d = draw_only(seed, (128, 128), effect);
                // Exactly one field differs from "no effect", and it is this effect's.
                let fields = [
                    ("thicken", d.thicken != untouched.thicken),
                    ("wobble", d.wobble != untouched.wobble),
                    ("gaps", d.gaps != untouched.gaps),
                    ("grain", d.grain != untouched.grain),
                    ("paper", d.paper != untouched.paper),
                    ("blur", d.blur != untouched.blur),
                    ("noise", d.noise != untouched.noise),
                    ("jpeg", d.jpeg != untouched.jpeg),
                ];
                let on: Vec<_> = fields.iter().filter(|f| f.1).map(|f| f.0).collect();
                assert_eq!(on, [effect.name()], "seed {seed}");
            }
            let (img, d) = roughen_only(&p, 4, effect);
            assert_eq!((img.clone(), d), roughen_only(&p, 4, effect), "pure");
            assert_ne!(img, p, "{}: the page changes", effect.name());
        }
        assert_eq!(Effect::from_name("smudge"), None);
        // Tinted paper alone is exactly `paper` at the drawn level.
        let (img, d) = roughen_only(&p, 9, Effect::Paper);
        let mut want = p.clone();
        paper(&mut want, d.paper);
        assert_eq!(img, want);
    }

    #[test]
    fn each_effect_does_what_it_says() {
        let p = page();
        let mut r = SplitMix64::new(3);
        assert!(ink(&thicken(&p, 3)) > ink(&p) * 3 / 2, "thicker lines");
        let mut g = p.clone();
        cut_gaps(&mut g, 5, &mut r);
        assert!(
            ink(&g) < ink(&p) && ink(&g) > ink(&p) / 2,
            "gaps remove a little ink"
        );
        let mut t = p.clone();
        paper(&mut t, 230);
        assert_eq!(t.get_pixel(0, 0).0[0], 230, "the paper takes the tone");
        assert_eq!(t.get_pixel(10, 10).0[0], 0, "black stays black");
        let mut gr = p.clone();
        grain(&mut gr, 0.5, &mut r);
        let v = gr.get_pixel(10, 10).0[0];
        assert!((0..=128).contains(&v), "grain greys the ink: {v}");
        assert_eq!(gr.get_pixel(0, 0).0[0], 255, "and leaves paper alone");
        let b = blur(&p, 1.0);
        assert!(
            b.get_pixel(9, 30).0[0] < 255 && b.get_pixel(10, 30).0[0] > 0,
            "blur softens edges"
        );
        let wob = wobble(&p, 1.5, &mut r);
        assert_ne!(wob, p);
        assert!(
            (ink(&wob) as f64 / ink(&p) as f64 - 1.0).abs() < 0.3,
            "wobble moves, keeps ink"
        );
        let j = jpeg(&p, 40);
        assert_eq!(j.dimensions(), p.dimensions());
        assert_ne!(j, p);
        assert!(j
            .pixels()
            .zip(p.pixels())
            .all(|(a, b)| (a.0[0] as i32 - b.0[0] as i32).abs() < 128));
    }

    #[test]
    fn a_rough_page_keeps_most_of_its_lines() {
        // Whatever the draw, the drawing stays a drawing: most ink survives, paper stays light.
        let p = page();
        for seed in 0..50 {
            let (r, d) = roughen(&p, seed);
            let kept = p
                .pixels()
                .zip(r.pixels())
                .filter(|(a, b)| a.0[0] == 0 && b.0[0] < 160)
                .count();
            assert!(
                kept * 10 >= ink(&p) * 6,
                "seed {seed} {d:?}: {kept} of {}",
                ink(&p)
            );
            assert!(r.get_pixel(2, 2).0[0] > 170, "seed {seed} {d:?}: paper");
        }
    }
}
