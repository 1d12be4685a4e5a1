//! The paper of a scanned or photographed sketch taken back to white: its tone and most of
//! its noise, so that the network sees what it learnt from (lines on white paper) whatever
//! the scanner made of the page. A drawing on white paper comes back unchanged, pixel for
//! pixel.
//!
//! The split between ink and paper is Otsu's ([`otsu_means`]); the paper's level is read
//! from the page's frame (where a scan shows bare paper) when the frame is mostly paper,
//! else from the whole page: the most frequent paper grey, less twice the noise seen above
//! it. Every grey is then scaled so that level becomes white; black stays black.
//!
//! The ink is left as it is: taking its 5th percentile to black as well made clean drawings
//! with thin, anti-aliased lines (openclipart's at 128 px) score 0.2 dB lower and no rough
//! copy better (bench/README.md, "Scanned sketches").

use image::GrayImage;

/// Below this difference between the mean grey of the two classes Otsu finds, the page has
/// no lines to speak of (blank paper with scanner or JPEG noise, or a page of ink): the
/// split would cut paper from paper. Faint pencil (200 on 245) is still above it.
pub const MIN_CONTRAST: f64 = 32.0;

/// The frame read for the paper's level: this share of the shorter side, at least 2 px.
const FRAME_SHARE: f64 = 0.03;

/// `gray` scaled so that `white` becomes 255 (and black stays 0), clamped and rounded;
/// `white` 255 (or 0) leaves it as it is.
pub fn apply_white(gray: &GrayImage, white: u8) -> GrayImage {
    if white == 255 || white == 0 {
        return gray.clone();
    }
    let w = f64::from(white);
    let lut: Vec<u8> = (0..256)
        .map(|g| (g as f64 * 255.0 / w).round().clamp(0.0, 255.0) as u8)
        .collect();
    let mut out = gray.clone();
    out.iter_mut().for_each(|v| *v = lut[*v as usize]);
    out
}

/// The 256-bin grey histogram of some pixels.
fn histogram<'a>(px: impl Iterator<Item = &'a u8>) -> [u64; 256] {
    let mut hist = [0u64; 256];
    px.for_each(|&g| hist[g as usize] += 1);
    hist
}

/// The mean grey of the two classes of Otsu's split of `hist` (ink = grey below the split,
/// paper = the rest), the first maximum winning; `None` for a histogram of one grey.
pub fn otsu_means(hist: &[u64; 256]) -> Option<(f64, f64)> {
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(g, &n)| g as f64 * n as f64)
        .sum();
    let (mut best, mut means) = (-1.0f64, None);
    let (mut w0, mut sum0) = (0u64, 0.0f64);
    for t in 1..256usize {
        w0 += hist[t - 1];
        sum0 += (t - 1) as f64 * hist[t - 1] as f64;
        let w1 = total - w0;
        if w0 == 0 || w1 == 0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0 as f64, (sum - sum0) / w1 as f64);
        let between = w0 as f64 * w1 as f64 * (m1 - m0) * (m1 - m0);
        if between > best {
            best = between;
            means = Some((m0, m1));
        }
    }
    means
}

/// The ink/paper threshold of a page (grey below it is ink): the midpoint of Otsu's two
/// class means, rounded up, or `None` when the page lacks contrast ([`MIN_CONTRAST`]).
/// A clean black-on-white drawing gets exactly 128; pencil at 170 on paper at 245, 208.
pub fn ink_threshold(gray: &GrayImage) -> Option<u8> {
    threshold_of(&histogram(gray.as_raw().iter()))
}

/// [`ink_threshold`] of a page's grey histogram.
fn threshold_of(hist: &[u64; 256]) -> Option<u8> {
    match otsu_means(hist) {
        Some((m0, m1)) if m1 - m0 >= MIN_CONTRAST => {
            Some(((m0 + m1) / 2.0).ceil().clamp(1.0, 255.0) as u8)
        }
        _ => None,
    }
}

/// The pixels of `gray`'s frame (the outer [`FRAME_SHARE`] of the shorter side).
fn frame(gray: &GrayImage) -> Vec<u8> {
    let (w, h) = gray.dimensions();
    let m = ((f64::from(w.min(h)) * FRAME_SHARE).round() as u32).max(2);
    gray.enumerate_pixels()
        .filter(|(x, y, _)| *x < m || *y < m || *x + m >= w || *y + m >= h)
        .map(|(_, _, p)| p[0])
        .collect()
}

/// The paper's level in `hist` above the threshold `t`: the most frequent grey (the peak of
/// the 5-grey window with the most pixels, so noise does not split it), less twice the
/// root-mean-square distance of the greys above it (the noise, which is symmetric about the
/// paper's grey).
fn paper_white(hist: &[u64; 256], t: usize) -> Option<u8> {
    let windowed = |g: usize| -> u64 { hist[g.saturating_sub(2)..(g + 3).min(256)].iter().sum() };
    let peak = (t..256).max_by_key(|&g| (windowed(g), hist[g]))?;
    if windowed(peak) == 0 {
        return None;
    }
    // The most frequent grey inside the winning window: white paper with a few light
    // anti-aliased pixels is at 255, not at the window's centre below it.
    let mode =
        (peak.saturating_sub(2).max(t)..(peak + 3).min(256)).max_by_key(|&g| (hist[g], g))?;
    let (mut n, mut sq) = (0u64, 0.0f64);
    for (g, &c) in hist.iter().enumerate().skip(mode + 1) {
        n += c;
        sq += c as f64 * ((g - mode) as f64).powi(2);
    }
    let noise = if n > 0 { (sq / n as f64).sqrt() } else { 0.0 };
    // Never into the faint ink: at least halfway from the threshold to the paper.
    let floor = (t + mode).div_ceil(2) as f64;
    Some((mode as f64 - 2.0 * noise).max(floor).round() as u8)
}

/// The paper's level of a page, the grey [`level_paper`] takes to white: 255 for a drawing
/// on white paper or a page without lines.
pub fn paper_level(gray: &GrayImage) -> u8 {
    let all = histogram(gray.as_raw().iter());
    let Some(t) = threshold_of(&all) else {
        return 255;
    };
    let t = t as usize;
    let edge = frame(gray);
    let edge_hist = histogram(edge.iter());
    let edge_paper: u64 = edge_hist[t..].iter().sum();
    let paper_hist = if edge_paper * 2 >= edge.len() as u64 {
        &edge_hist
    } else {
        &all
    };
    paper_white(paper_hist, t).unwrap_or(255)
}

/// `gray` with its paper taken to white ([`paper_level`]); a drawing on white paper is
/// returned unchanged.
pub fn level_paper(gray: &GrayImage) -> GrayImage {
    apply_white(gray, paper_level(gray))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SplitMix64;
    use crate::rough;

    /// A 96x96 page: a 3 px black square outline, a diagonal stroke, anti-aliased edges.
    fn page() -> GrayImage {
        GrayImage::from_fn(96, 96, |x, y| {
            let on_square = (20..77).contains(&x)
                && (20..77).contains(&y)
                && !((23..=73).contains(&x) && (23..=73).contains(&y));
            let d = (x as i32 - y as i32).abs();
            image::Luma([match (on_square, d) {
                (true, _) | (_, 0) => 0,
                (_, 1) => 140,
                _ => 255,
            }])
        })
    }

    fn mean_abs_diff(a: &GrayImage, b: &GrayImage) -> f64 {
        a.as_raw()
            .iter()
            .zip(b.as_raw())
            .map(|(&x, &y)| (f64::from(x) - f64::from(y)).abs())
            .sum::<f64>()
            / a.as_raw().len() as f64
    }

    #[test]
    fn a_clean_drawing_and_a_blank_page_are_left_as_they_are() {
        let p = page();
        assert_eq!(paper_level(&p), 255);
        assert_eq!(level_paper(&p), p);
        // Grey lines on white paper too: the ink is not touched.
        let mut grey = p.clone();
        grey.iter_mut().for_each(|v| *v = (*v).max(120));
        assert_eq!(level_paper(&grey), grey);
        // Light anti-aliased pixels next to white paper are not a paper tone.
        let mut light = p.clone();
        light.iter_mut().for_each(|v| {
            if *v == 140 {
                *v = 251
            }
        });
        assert_eq!(level_paper(&light), light);
        let blank = GrayImage::from_pixel(40, 30, image::Luma([231]));
        assert_eq!(paper_level(&blank), 255);
        assert_eq!(level_paper(&blank), blank);
    }

    #[test]
    fn the_threshold_of_a_clean_drawing_is_128_and_of_pencil_208() {
        let mut ink = page();
        ink.iter_mut()
            .for_each(|v| *v = if *v == 255 { 255 } else { 0 });
        assert_eq!(ink_threshold(&ink), Some(128));
        let mut pencil = page();
        pencil
            .iter_mut()
            .for_each(|v| *v = if *v == 255 { 245 } else { 170 });
        assert_eq!(ink_threshold(&pencil), Some(208));
        assert_eq!(
            ink_threshold(&GrayImage::from_pixel(8, 8, image::Luma([9]))),
            None
        );
    }

    #[test]
    fn tinted_paper_becomes_white_again_and_the_ink_stays_black() {
        let clean = page();
        for level in [212u8, 230, 251] {
            let mut toned = clean.clone();
            rough::paper(&mut toned, level);
            assert_eq!(paper_level(&toned), level);
            let back = level_paper(&toned);
            for (a, b) in back.as_raw().iter().zip(clean.as_raw()) {
                assert!((i32::from(*a) - i32::from(*b)).abs() <= 1, "paper {level}");
            }
        }
    }

    #[test]
    fn noisy_grey_paper_is_mostly_white_after_levelling() {
        let clean = page();
        let mut scan = clean.clone();
        rough::paper(&mut scan, 225);
        rough::noise(&mut scan, 6.0, &mut SplitMix64::new(7));
        let white = paper_level(&scan);
        assert!((205..=217).contains(&white), "{white}");
        let out = level_paper(&scan);
        let paper: Vec<u8> = out
            .as_raw()
            .iter()
            .zip(clean.as_raw())
            .filter(|(_, &c)| c == 255)
            .map(|(&o, _)| o)
            .collect();
        let white = paper.iter().filter(|&&v| v == 255).count() as f64 / paper.len() as f64;
        assert!(white > 0.9, "{white}");
        assert!(mean_abs_diff(&out, &clean) < mean_abs_diff(&scan, &clean) / 4.0);
    }

    #[test]
    fn a_light_grey_area_inside_the_drawing_is_not_taken_for_paper() {
        // White frame, a large light-grey fill in the middle: the frame says the paper is
        // white, so the fill keeps its grey.
        let mut p = page();
        for y in 30..66 {
            for x in 30..66 {
                if p.get_pixel(x, y)[0] == 255 {
                    p.put_pixel(x, y, image::Luma([200]));
                }
            }
        }
        assert_eq!(paper_level(&p), 255);
    }
}
