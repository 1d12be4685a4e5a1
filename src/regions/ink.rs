//! Ink vs paper: the threshold that adapts to the sketch, and the ink mask.

use image::GrayImage;

use crate::hints::INK_LEVEL;

/// Below this difference between the mean grey of the two classes Otsu finds, the page has
/// no lines to speak of (blank paper with scanner or JPEG noise, or a page of ink): the
/// split would cut paper from paper. Faint pencil (200 on 245) is still above it.
const MIN_CONTRAST: f64 = 32.0;

/// The ink threshold of `gray` (grey below it is ink).
///
/// Otsu's split of the grey histogram finds the two classes; the threshold is then the
/// midpoint of their means, rounded up. Otsu alone is flat between two spikes (a clean
/// black-on-white drawing has every threshold from 1 to 255 equally good, and the first
/// one would count anti-aliased edges as paper); the midpoint puts a clean drawing's
/// threshold at exactly [`INK_LEVEL`] (128), the level hints use, and pencil at 170 on
/// paper at 245 at 208.
///
/// Without contrast ([`MIN_CONTRAST`]) the page is all paper or all ink, and [`INK_LEVEL`]
/// decides which, as it does for hints.
pub(super) fn adaptive_threshold(gray: &GrayImage) -> u8 {
    let mut hist = [0u64; 256];
    for &g in gray.as_raw() {
        hist[g as usize] += 1;
    }
    let total: u64 = hist.iter().sum();
    let sum: f64 = hist
        .iter()
        .enumerate()
        .map(|(g, &n)| g as f64 * n as f64)
        .sum();
    // Otsu: maximise w0 * w1 * (m0 - m1)^2 over "ink = grey < t"; the first maximum wins.
    let (mut best, mut best_t) = (-1.0f64, None);
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
            best_t = Some((m0, m1));
        }
    }
    match best_t {
        Some((m0, m1)) if m1 - m0 >= MIN_CONTRAST => {
            ((m0 + m1) / 2.0).ceil().clamp(1.0, 255.0) as u8
        }
        _ => INK_LEVEL,
    }
}

/// 1 where `gray` is ink (below `threshold`), 0 on paper; row-major.
pub(super) fn ink_mask(gray: &GrayImage, threshold: u8) -> Vec<u8> {
    gray.as_raw()
        .iter()
        .map(|&g| u8::from(g < threshold))
        .collect()
}

/// 1 where the ink is solid: ink whose eight neighbours are all inside the image and ink
/// (`hints::is_solid`'s definition, on this sketch's own ink mask, so a pencil fill counts
/// too). A line up to two pixels wide has none; a fill keeps all but its one-pixel rim.
pub(super) fn solid_mask(ink: &[u8], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut solid = vec![0u8; w * h];
    if w < 3 || h < 3 {
        return solid;
    }
    // Rows of three-wide horizontal runs first, then three of those stacked: 2 + 2 ANDs per
    // pixel instead of 8.
    let mut run = vec![0u8; w * h];
    for y in 0..h {
        let row = &ink[y * w..(y + 1) * w];
        let out = &mut run[y * w..(y + 1) * w];
        for x in 1..w - 1 {
            out[x] = row[x - 1] & row[x] & row[x + 1];
        }
    }
    for y in 1..h - 1 {
        let (above, here, below) = (
            &run[(y - 1) * w..y * w],
            &run[y * w..(y + 1) * w],
            &run[(y + 1) * w..(y + 2) * w],
        );
        let out = &mut solid[y * w..(y + 1) * w];
        for x in 0..w {
            out[x] = above[x] & here[x] & below[x];
        }
    }
    solid
}
