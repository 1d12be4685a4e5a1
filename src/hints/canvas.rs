//! Scaling a sketch-sized hints image onto the working canvas without losing any hint.
//!
//! Shrinking (the usual case: a 2000 px sketch, a 128 px network) cannot average the hints
//! the way INTER_AREA averages the line art: a 1-px dot would fade to nothing. Instead a
//! working pixel is hinted if ANY hint pixel of the sketch falls in it, with the mean colour
//! of those pixels. Enlarging takes the nearest sketch pixel, so a hinted area keeps its
//! relative size. `infer::WorkCanvas` places the sketch with the same `Placement`.

use image::{Rgb, RgbaImage};

use super::{HintError, HintMap};

/// Where the scaled sketch sits on the working canvas (the geometry of `infer::WorkCanvas`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    /// Width of the sketch (and of its hints image).
    pub sketch_w: u32,
    /// Height of the sketch (and of its hints image).
    pub sketch_h: u32,
    /// Width of the padded canvas.
    pub canvas_w: u32,
    /// Height of the padded canvas.
    pub canvas_h: u32,
    /// Left edge of the scaled sketch on the canvas.
    pub x: u32,
    /// Top edge of the scaled sketch on the canvas.
    pub y: u32,
    /// Width of the scaled sketch.
    pub w: u32,
    /// Height of the scaled sketch.
    pub h: u32,
}

impl Placement {
    /// The placement `WorkCanvas::new` computes: the longer side scaled to `work_size`
    /// (sides rounded, at least 1), centred on a canvas padded to multiples of `multiple`.
    pub fn fit(sketch_w: u32, sketch_h: u32, work_size: u32, multiple: u32) -> Self {
        let work_size = work_size.max(1);
        let scale = f64::from(work_size) / f64::from(sketch_w.max(sketch_h).max(1));
        let w = ((f64::from(sketch_w) * scale).round() as u32).clamp(1, work_size);
        let h = ((f64::from(sketch_h) * scale).round() as u32).clamp(1, work_size);
        let round_up = |v: u32| v.div_ceil(multiple.max(1)) * multiple.max(1);
        let (canvas_w, canvas_h) = (round_up(w), round_up(h));
        Placement {
            sketch_w,
            sketch_h,
            canvas_w,
            canvas_h,
            x: (canvas_w - w) / 2,
            y: (canvas_h - h) / 2,
            w,
            h,
        }
    }
}

/// The hints of a sketch-sized RGBA image on the working canvas described by `p`: working
/// pixel `(p.x + floor(sx * w / W), p.y + floor(sy * h / H))` gathers sketch pixel
/// `(sx, sy)` when shrinking (hinted if any gathered pixel is, mean colour of those); when
/// enlarging each working pixel takes the sketch pixel under its centre. Padding is unhinted.
///
/// # Panics
/// If the scaled sketch does not fit on the canvas (`x + w > canvas_w`, ...).
pub fn to_canvas(hints: &RgbaImage, p: &Placement) -> Result<HintMap, HintError> {
    if hints.dimensions() != (p.sketch_w, p.sketch_h) {
        return Err(HintError::SizeMismatch {
            hints: hints.dimensions(),
            sketch: (p.sketch_w, p.sketch_h),
        });
    }
    assert!(
        p.x + p.w <= p.canvas_w && p.y + p.h <= p.canvas_h,
        "placement {p:?} does not fit its canvas"
    );
    let mut map = HintMap::empty(p.canvas_w, p.canvas_h);
    let cols = source_ranges(p.sketch_w, p.w);
    let rows = source_ranges(p.sketch_h, p.h);
    for (j, &(y0, y1)) in rows.iter().enumerate() {
        for (i, &(x0, x1)) in cols.iter().enumerate() {
            let (mut sum, mut n) = ([0u64; 3], 0u64);
            for sy in y0..y1 {
                for sx in x0..x1 {
                    let px = hints.get_pixel(sx, sy);
                    if px[3] > 0 {
                        (0..3).for_each(|c| sum[c] += u64::from(px[c]));
                        n += 1;
                    }
                }
            }
            if n > 0 {
                let mean = sum.map(|s| ((s + n / 2) / n) as u8);
                map.set(p.x + i as u32, p.y + j as u32, Rgb(mean));
            }
        }
    }
    Ok(map)
}

/// For each of the `dst` working pixels along one axis, the half-open range of the `src`
/// sketch pixels it gathers. Shrinking (`dst <= src`): the `s` with `floor(s * dst / src)`
/// equal to the index (never empty, together exactly `0..src`); enlarging: the one pixel
/// under the working pixel's centre.
fn source_ranges(src: u32, dst: u32) -> Vec<(u32, u32)> {
    let (s, d) = (u64::from(src), u64::from(dst));
    (0..d)
        .map(|i| {
            if d <= s {
                ((i * s).div_ceil(d) as u32, ((i + 1) * s).div_ceil(d) as u32)
            } else {
                let k = ((2 * i + 1) * s / (2 * d)) as u32;
                (k, k + 1)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgba;

    const RED: Rgba<u8> = Rgba([220, 30, 40, 255]);

    #[test]
    fn shrinking_keeps_a_thin_diagonal_stroke_and_a_single_dot() {
        let (sw, sh) = (2000u32, 1500u32);
        let p = Placement::fit(sw, sh, 128, 128);
        assert_eq!(
            (p.canvas_w, p.canvas_h, p.x, p.y, p.w, p.h),
            (128, 128, 0, 16, 128, 96)
        );
        let mut hints = RgbaImage::new(sw, sh);
        let stroke: Vec<(u32, u32)> = (0..1200).map(|i| (100 + i, 200 + i)).collect();
        for &(x, y) in &stroke {
            hints.put_pixel(x, y, RED);
        }
        let dot = (1777u32, 123u32);
        hints.put_pixel(dot.0, dot.1, Rgba([1, 254, 77, 255]));
        let map = to_canvas(&hints, &p).unwrap();
        let work = |sx: u32, sy: u32| (p.x + sx * p.w / sw, p.y + sy * p.h / sh);
        for &(x, y) in &stroke {
            let (wx, wy) = work(x, y);
            assert_eq!(
                map.get(wx, wy),
                Some(Rgb([220, 30, 40])),
                "stroke ({x}, {y})"
            );
        }
        let (dx, dy) = work(dot.0, dot.1);
        assert_eq!(map.get(dx, dy), Some(Rgb([1, 254, 77])));
        // Nothing else: a diagonal of 1200 px covers at most 1200 * (1 + ...) working pixels
        // and each hinted working pixel must contain a hint pixel.
        for (wx, wy, _) in map.hinted_pixels() {
            let from_stroke = stroke.iter().any(|&(x, y)| work(x, y) == (wx, wy));
            assert!(
                from_stroke || (wx, wy) == (dx, dy),
                "spurious hint ({wx}, {wy})"
            );
        }
    }

    #[test]
    fn a_working_pixel_shared_by_two_colours_gets_their_mean() {
        // 4x4 -> 2x2: each working pixel gathers a 2x2 block.
        let p = Placement::fit(4, 4, 2, 1);
        assert_eq!((p.w, p.h, p.x, p.y), (2, 2, 0, 0));
        let mut hints = RgbaImage::new(4, 4);
        hints.put_pixel(0, 0, Rgba([100, 0, 255, 255]));
        hints.put_pixel(1, 1, Rgba([201, 50, 0, 128]));
        hints.put_pixel(1, 0, Rgba([9, 9, 9, 0])); // transparent: ignored
        let map = to_canvas(&hints, &p).unwrap();
        assert_eq!(map.get(0, 0), Some(Rgb([151, 25, 128]))); // (301+1)/2, 50/2, (255+1)/2
        assert_eq!(map.hinted_count(), 1);
    }

    #[test]
    fn mapping_follows_the_floor_formula_at_odd_ratios() {
        for &(sw, sh, work, multiple) in &[(1000, 700, 128, 32), (333, 517, 100, 16)] {
            let p = Placement::fit(sw, sh, work, multiple);
            for (sx, sy) in [(0, 0), (sw - 1, sh - 1), (sw / 3, sh / 2), (17, sh - 5)] {
                let mut hints = RgbaImage::new(sw, sh);
                hints.put_pixel(sx, sy, RED);
                let map = to_canvas(&hints, &p).unwrap();
                let want = (
                    p.x + (u64::from(sx) * u64::from(p.w) / u64::from(sw)) as u32,
                    p.y + (u64::from(sy) * u64::from(p.h) / u64::from(sh)) as u32,
                );
                let got: Vec<_> = map.hinted_pixels().map(|(x, y, _)| (x, y)).collect();
                assert_eq!(got, vec![want], "{sw}x{sh} pixel ({sx}, {sy})");
            }
        }
    }

    #[test]
    fn enlarging_keeps_the_relative_size_of_a_hint() {
        // 10x8 -> 40x32: each sketch pixel becomes a 4x4 block.
        let p = Placement::fit(10, 8, 40, 8);
        assert_eq!(
            (p.w, p.h, p.x, p.y, p.canvas_w, p.canvas_h),
            (40, 32, 0, 0, 40, 32)
        );
        let mut hints = RgbaImage::new(10, 8);
        hints.put_pixel(3, 2, RED);
        let map = to_canvas(&hints, &p).unwrap();
        assert_eq!(map.hinted_count(), 16);
        for (x, y, c) in map.hinted_pixels() {
            assert!((12..16).contains(&x) && (8..12).contains(&y), "({x}, {y})");
            assert_eq!(c, Rgb([220, 30, 40]));
        }
    }

    #[test]
    fn padding_is_never_hinted_and_a_wrong_size_is_refused() {
        let p = Placement::fit(30, 10, 30, 16); // 30x10 on 32x16 at (1, 3)
        let hints = RgbaImage::from_pixel(30, 10, RED);
        let map = to_canvas(&hints, &p).unwrap();
        assert_eq!(map.dimensions(), (32, 16));
        assert_eq!(map.hinted_count(), 300);
        assert!(map
            .hinted_pixels()
            .all(|(x, y, _)| (1..31).contains(&x) && (3..13).contains(&y)));
        let err = to_canvas(&RgbaImage::new(29, 10), &p).unwrap_err();
        assert_eq!(
            err.to_string(),
            "hints image is 29x10 but the sketch is 30x10"
        );
    }

    #[test]
    fn source_ranges_partition_the_sketch_when_shrinking() {
        for &(src, dst) in &[(2000, 128), (7, 3), (5, 5), (1000, 999), (3, 1)] {
            let r = source_ranges(src, dst);
            assert_eq!(r.len(), dst as usize);
            assert_eq!(r[0].0, 0);
            assert_eq!(r[r.len() - 1].1, src);
            assert!(r.windows(2).all(|w| w[0].1 == w[1].0));
            assert!(r.iter().all(|&(a, b)| a < b));
        }
    }
}
