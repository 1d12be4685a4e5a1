//! Ink vs paper: the threshold that adapts to the sketch, and the ink mask.

use image::GrayImage;

use crate::hints::INK_LEVEL;

/// The ink threshold of `gray` (grey below it is ink): `data_prep::paper::ink_threshold`,
/// Otsu's split with the threshold at the midpoint of the two classes' means (Otsu alone is
/// flat between two spikes: a clean black-on-white drawing has every threshold from 1 to 255
/// equally good, and the first one would count anti-aliased edges as paper). A clean
/// drawing's threshold is exactly [`INK_LEVEL`] (128), the level hints use; pencil at 170 on
/// paper at 245 gets 208.
///
/// Without contrast (`data_prep::paper::MIN_CONTRAST`) the page is all paper or all ink,
/// and [`INK_LEVEL`] decides which, as it does for hints.
pub(super) fn adaptive_threshold(gray: &GrayImage) -> u8 {
    data_prep::paper::ink_threshold(gray).unwrap_or(INK_LEVEL)
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
