//! Colour hints: the `HintMap` (hint colour + mask at one resolution), its 4 model channels,
//! the hint-fidelity metric and the line-art overlay used for TensorBoard and contact sheets.
//!
//! A user's hints arrive as an RGBA image the size of the sketch (transparent = no hint; any
//! alpha > 0 is a hint so anti-aliased stroke edges count, with the pixel's RGB as colour) or
//! as `--hint X,Y,#RRGGBB` points rendered into such an image (`point`). `canvas` scales them
//! onto the working canvas so that no thin stroke or 1-px dot vanishes. Training simulates
//! hints from the target instead (`crate::hint_sim`).

mod canvas;
mod fill;
mod point;
mod spread;

pub use canvas::{to_canvas, Placement};
pub(crate) use fill::neighbours4;
pub use fill::{coloured_fills, is_solid, lift_fills};
pub use point::{dot_radius, draw_points, parse_hint, render_points, PointHint, UserHints};
pub use spread::{hint_channels, SPREAD_PAPER};

use image::{GrayImage, Luma, Rgb, RgbImage, RgbaImage};
use tch::Tensor;

/// Model input channels the hints add: RGB in [-1, 1] (0 where unhinted) + mask (0/1).
pub const HINT_CHANNELS: i64 = 4;
/// Grey level from which a line-art pixel counts as paper (below it is ink): hints belong
/// on paper or inside a solid fill, never on a line (see `HintMap::drop_on_lines`).
pub const INK_LEVEL: u8 = 128;
/// Mask value of a hinted pixel (unhinted pixels are 0).
const HINTED: u8 = 255;
/// Grey level of the outline `draw_over_line` puts around hinted blobs.
const OUTLINE: u8 = 40;

/// What can be wrong with user hints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HintError {
    /// The hints image does not have the sketch's size.
    #[error("hints image is {}x{} but the sketch is {}x{}", hints.0, hints.1, sketch.0, sketch.1)]
    SizeMismatch {
        /// Width and height of the hints image.
        hints: (u32, u32),
        /// Width and height of the sketch.
        sketch: (u32, u32),
    },
    /// A `--hint` value is not `X,Y,#RRGGBB`.
    #[error("invalid hint `{input}`: {reason} (expected X,Y,#RRGGBB, e.g. 120,80,#ff8800)")]
    Parse {
        /// The text as given.
        input: String,
        /// Which part is wrong and what was expected there.
        reason: String,
    },
    /// The hints image cannot be read or decoded.
    #[error("{}: {reason}", path.display())]
    Unreadable {
        /// The hints image file.
        path: std::path::PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A point hint lies outside the sketch.
    #[error(
        "hint at ({x}, {y}) is outside the {width}x{height} sketch \
         (x must be below {width} and y below {height})"
    )]
    OutOfBounds {
        /// The hint's column.
        x: u32,
        /// The hint's row.
        y: u32,
        /// The sketch's width.
        width: u32,
        /// The sketch's height.
        height: u32,
    },
}

/// Hints at one resolution: a colour per pixel and a mask (255 = hinted, 0 = not). Unhinted
/// pixels always hold colour 0, so two maps with the same hints compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HintMap {
    colour: RgbImage,
    mask: GrayImage,
}

impl HintMap {
    /// A `width` x `height` map without any hint.
    pub fn empty(width: u32, height: u32) -> Self {
        HintMap {
            colour: RgbImage::new(width, height),
            mask: GrayImage::new(width, height),
        }
    }

    /// The hints of an RGBA image at its own resolution: alpha > 0 is a hint of the
    /// pixel's RGB colour.
    pub fn from_rgba(hints: &RgbaImage) -> Self {
        let mut map = HintMap::empty(hints.width(), hints.height());
        for (x, y, p) in hints.enumerate_pixels() {
            if p[3] > 0 {
                map.set(x, y, Rgb([p[0], p[1], p[2]]));
            }
        }
        map
    }

    /// Removes the hints on lines (ink, `line < INK_LEVEL`, that is not inside a solid
    /// fill, see `is_solid`), as training never shows any there: a user's stroke that
    /// grazes a line, or its anti-aliased edge grown by the any-pixel scaling, must not
    /// colour the line. Hints inside a fill stay: they colour the fill.
    ///
    /// # Panics
    /// If `line` and the map differ in size.
    pub fn drop_on_lines(&mut self, line: &GrayImage) {
        assert_eq!(line.dimensions(), self.dimensions(), "sizes must match");
        for (x, y, g) in line.enumerate_pixels() {
            if g[0] < INK_LEVEL && self.get(x, y).is_some() && !is_solid(line, x, y) {
                self.colour.put_pixel(x, y, Rgb([0; 3]));
                self.mask.put_pixel(x, y, Luma([0]));
            }
        }
    }

    /// Width and height.
    pub fn dimensions(&self) -> (u32, u32) {
        self.mask.dimensions()
    }

    /// Marks `(x, y)` as hinted with `colour` (overwriting an earlier hint there).
    ///
    /// # Panics
    /// If `(x, y)` is outside the map.
    pub fn set(&mut self, x: u32, y: u32, colour: Rgb<u8>) {
        self.colour.put_pixel(x, y, colour);
        self.mask.put_pixel(x, y, Luma([HINTED]));
    }

    /// The hint colour at `(x, y)`, `None` where unhinted or outside the map.
    pub fn get(&self, x: u32, y: u32) -> Option<Rgb<u8>> {
        match self.mask.get_pixel_checked(x, y) {
            Some(m) if m[0] != 0 => Some(*self.colour.get_pixel(x, y)),
            _ => None,
        }
    }

    /// Hint colours (black where unhinted).
    pub fn colour(&self) -> &RgbImage {
        &self.colour
    }

    /// The mask: 255 where hinted, 0 elsewhere.
    pub fn mask(&self) -> &GrayImage {
        &self.mask
    }

    /// The map as a hints image (what `colorize infer --hints` reads): hinted pixels
    /// opaque in their colour, the others transparent.
    pub fn to_rgba(&self) -> RgbaImage {
        RgbaImage::from_fn(self.colour.width(), self.colour.height(), |x, y| {
            let [r, g, b] = self.colour.get_pixel(x, y).0;
            image::Rgba([r, g, b, self.mask.get_pixel(x, y)[0]])
        })
    }

    /// Number of hinted pixels.
    pub fn hinted_count(&self) -> usize {
        self.mask.as_raw().iter().filter(|&&m| m != 0).count()
    }

    /// True when no pixel is hinted.
    pub fn is_empty(&self) -> bool {
        self.mask.as_raw().iter().all(|&m| m == 0)
    }

    /// The hinted pixels in row-major order: `(x, y, colour)`.
    pub fn hinted_pixels(&self) -> impl Iterator<Item = (u32, u32, Rgb<u8>)> + '_ {
        self.mask
            .enumerate_pixels()
            .filter(|(_, _, m)| m[0] != 0)
            .map(|(x, y, _)| (x, y, *self.colour.get_pixel(x, y)))
    }
}

/// The hints as model channels, `[4, H, W]` f32: RGB as `v / 127.5 - 1` where hinted and 0
/// elsewhere, then the mask (1 = hinted, 0 = not).
pub fn hint_tensor(map: &HintMap) -> Tensor {
    let (w, h) = map.dimensions();
    let n = (w as usize) * (h as usize);
    let mut data = vec![0f32; 4 * n];
    for (i, (&m, rgb)) in map
        .mask
        .as_raw()
        .iter()
        .zip(map.colour.as_raw().chunks_exact(3))
        .enumerate()
    {
        if m != 0 {
            for c in 0..3 {
                data[c * n + i] = f32::from(rgb[c]) / 127.5 - 1.0;
            }
            data[3 * n + i] = 1.0;
        }
    }
    Tensor::from_slice(&data).view([HINT_CHANNELS, i64::from(h), i64::from(w)]) // [4, H, W]
}

/// The channels of "no hints" at `width` x `height`: `[4, H, W]` zeros.
pub fn empty_hint_tensor(width: u32, height: u32) -> Tensor {
    hint_tensor(&HintMap::empty(width, height))
}

/// Reads a hints image (PNG or any format the sketch may have, `data_prep::load::load_rgba`)
/// as RGBA, keeping its alpha: transparent pixels are "no hint". The sketch's size and
/// bomb guards apply. The error names the file.
pub fn load_hints_image(path: &std::path::Path) -> Result<RgbaImage, HintError> {
    use data_prep::load::{load_rgba, LoadLimits};
    load_rgba(path, &LoadLimits::default()).map_err(|e| HintError::Unreadable {
        path: path.to_path_buf(),
        reason: format!("not a usable hints image: {}", e.reason()),
    })
}

/// The generator input for `in_channels`: `input` as it is when it already has that many
/// channels, else line art `[B, 1, H, W]` followed by "no hints" (zeros) up to
/// `in_channels`. So a caller with line art alone can drive any model.
pub fn with_hint_channels(input: &Tensor, in_channels: i64) -> Tensor {
    let size = input.size();
    if size[1] >= in_channels {
        return input.shallow_clone();
    }
    let zeros = Tensor::zeros(
        [size[0], in_channels - size[1], size[2], size[3]],
        (input.kind(), input.device()),
    );
    Tensor::cat(&[input, &zeros], 1) // [B, in_channels, H, W]
}

/// Hint fidelity: the mean absolute difference between `output` and the hint colours over
/// the hinted pixels and the three channels, on the 0..255 scale. `None` without hints.
///
/// # Panics
/// If `output` and `map` differ in size.
pub fn hint_fidelity(output: &RgbImage, map: &HintMap) -> Option<f64> {
    assert_eq!(output.dimensions(), map.dimensions(), "sizes must match");
    let (mut sum, mut n) = (0u64, 0u64);
    for (x, y, hint) in map.hinted_pixels() {
        let out = output.get_pixel(x, y);
        sum += (0..3)
            .map(|c| u64::from(out[c].abs_diff(hint[c])))
            .sum::<u64>();
        n += 3;
    }
    (n > 0).then(|| sum as f64 / n as f64)
}

/// The line art as grey RGB with every hinted pixel painted in its hint colour, and a dark
/// 1-px outline on the unhinted pixels 4-adjacent to a hint so light colours stay visible.
///
/// # Panics
/// If `line` and `map` differ in size.
pub fn draw_over_line(line: &GrayImage, map: &HintMap) -> RgbImage {
    assert_eq!(line.dimensions(), map.dimensions(), "sizes must match");
    let (w, h) = line.dimensions();
    let hinted = |x: i64, y: i64| {
        x >= 0
            && y >= 0
            && x < i64::from(w)
            && y < i64::from(h)
            && map.mask[(x as u32, y as u32)][0] != 0
    };
    RgbImage::from_fn(w, h, |x, y| {
        if let Some(c) = map.get(x, y) {
            return c;
        }
        let (xi, yi) = (i64::from(x), i64::from(y));
        if [(1, 0), (-1, 0), (0, 1), (0, -1)]
            .iter()
            .any(|(dx, dy)| hinted(xi + dx, yi + dy))
        {
            Rgb([OUTLINE; 3])
        } else {
            let g = line[(x, y)][0];
            Rgb([g, g, g])
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor_values(t: &Tensor) -> Vec<f32> {
        let t = t.contiguous();
        let mut v = vec![0f32; t.numel()];
        let n = v.len();
        t.copy_data(&mut v, n);
        v
    }

    #[test]
    fn all_transparent_hints_give_an_all_zero_tensor() {
        let rgba = RgbaImage::from_pixel(7, 5, image::Rgba([200, 100, 50, 0]));
        let map = HintMap::from_rgba(&rgba);
        assert!(map.is_empty());
        assert_eq!(map, HintMap::empty(7, 5));
        let t = hint_tensor(&map);
        assert_eq!(t.size(), vec![4, 5, 7]);
        assert!(tensor_values(&t).iter().all(|&v| v == 0.0));
        assert_eq!(tensor_values(&empty_hint_tensor(7, 5)), tensor_values(&t));
    }

    #[test]
    fn any_alpha_is_a_hint_of_the_pixel_rgb() {
        let mut rgba = RgbaImage::new(3, 2);
        rgba.put_pixel(1, 0, image::Rgba([10, 20, 30, 1])); // anti-aliased edge
        rgba.put_pixel(2, 1, image::Rgba([250, 0, 5, 255]));
        let map = HintMap::from_rgba(&rgba);
        assert_eq!(map.hinted_count(), 2);
        assert_eq!(map.get(1, 0), Some(Rgb([10, 20, 30])));
        assert_eq!(map.get(2, 1), Some(Rgb([250, 0, 5])));
        assert_eq!(map.get(0, 0), None);
        assert_eq!(map.get(9, 9), None);
        let listed: Vec<_> = map.hinted_pixels().collect();
        assert_eq!(
            listed,
            vec![(1, 0, Rgb([10, 20, 30])), (2, 1, Rgb([250, 0, 5]))]
        );
    }

    #[test]
    fn hint_tensor_scales_colour_where_hinted_and_is_zero_elsewhere() {
        let mut map = HintMap::empty(4, 3);
        map.set(2, 1, Rgb([255, 0, 51]));
        let t = hint_tensor(&map);
        assert_eq!(t.size(), vec![4, 3, 4]);
        assert_eq!(t.double_value(&[0, 1, 2]), 1.0);
        assert_eq!(t.double_value(&[1, 1, 2]), -1.0);
        assert!((t.double_value(&[2, 1, 2]) - (51.0 / 127.5 - 1.0)).abs() < 1e-6);
        assert_eq!(t.double_value(&[3, 1, 2]), 1.0);
        for c in 0..4 {
            assert_eq!(t.double_value(&[c, 1, 1]), 0.0, "channel {c} unhinted");
            assert_eq!(t.double_value(&[c, 0, 2]), 0.0, "channel {c} unhinted");
        }
        // Exactly one hinted pixel: mask sums to 1.
        assert_eq!(t.get(3).sum(tch::Kind::Float).double_value(&[]), 1.0);
    }

    #[test]
    fn hints_on_lines_are_dropped_and_the_map_stays_canonical() {
        let line = GrayImage::from_fn(4, 1, |x, _| Luma([[255, 127, 128, 0][x as usize]]));
        let mut map = HintMap::empty(4, 1);
        (0..4).for_each(|x| map.set(x, 0, Rgb([9, 8, 7])));
        map.drop_on_lines(&line);
        let mut want = HintMap::empty(4, 1);
        want.set(0, 0, Rgb([9, 8, 7]));
        want.set(2, 0, Rgb([9, 8, 7]));
        assert_eq!(map, want);
        // Inside a solid fill (here the centre of a 3x3 block of ink) a hint stays.
        let block = GrayImage::from_pixel(3, 3, Luma([0]));
        let mut map = HintMap::empty(3, 3);
        (0..3).for_each(|i| map.set(i, i, Rgb([9, 8, 7])));
        map.drop_on_lines(&block);
        let mut want = HintMap::empty(3, 3);
        want.set(1, 1, Rgb([9, 8, 7]));
        assert_eq!(map, want);
    }

    #[test]
    fn hint_fidelity_is_the_mean_abs_error_over_hinted_pixels() {
        let mut map = HintMap::empty(3, 3);
        let out = RgbImage::from_pixel(3, 3, Rgb([100, 100, 100]));
        assert_eq!(hint_fidelity(&out, &map), None);
        map.set(0, 0, Rgb([110, 100, 70])); // errors 10, 0, 30
        map.set(2, 2, Rgb([100, 100, 100])); // errors 0, 0, 0
        assert_eq!(hint_fidelity(&out, &map), Some(40.0 / 6.0));
    }

    #[test]
    fn overlay_paints_hints_outlines_them_and_keeps_the_line_elsewhere() {
        let line = GrayImage::from_fn(6, 6, |x, _| Luma([if x == 5 { 0 } else { 230 }]));
        let mut map = HintMap::empty(6, 6);
        map.set(2, 2, Rgb([255, 255, 0]));
        let img = draw_over_line(&line, &map);
        assert_eq!(img[(2, 2)], Rgb([255, 255, 0]));
        for (x, y) in [(1, 2), (3, 2), (2, 1), (2, 3)] {
            assert_eq!(img[(x, y)], Rgb([OUTLINE; 3]), "outline at ({x}, {y})");
        }
        assert_eq!(img[(0, 0)], Rgb([230; 3]));
        assert_eq!(img[(1, 1)], Rgb([230; 3])); // diagonal neighbour: no outline
        assert_eq!(img[(5, 4)], Rgb([0; 3]));
    }
}
