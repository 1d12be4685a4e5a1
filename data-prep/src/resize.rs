//! OpenCV-compatible `INTER_AREA` resize for 8-bit images, written from OpenCV's documented
//! algorithm (modules/imgproc/src/resize.cpp) so that our datasets are bit for bit those of
//! colourisation pipelines built on `cv2.resize(..., interpolation=cv2.INTER_AREA)`:
//! - shrink by integer factors: plain box average (`(sum + 2) >> 2` for 2x2, otherwise
//!   `sum * (1/area)` in f32 rounded half-to-even);
//! - shrink by other factors: coverage-weighted average with f32 weights, rows accumulated
//!   in f32, rounded half-to-even;
//! - enlarge (either axis): OpenCV's "area" flavour of bilinear: nearest neighbour, blending
//!   linearly only in output pixels that straddle a source-pixel edge, in 11-bit fixed point.
//!
//! The `image` crate's filters and `fast_image_resize`'s Box are not this at non-integer
//! ratios (they differ by tens of grey levels; figures in bench/README.md), hence our own.

use image::{GrayImage, ImageBuffer, Pixel, RgbImage};

/// Resizes a grey image like `cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)`.
pub fn resize_area_gray(img: &GrayImage, w: u32, h: u32) -> GrayImage {
    resize_area_image(img, w, h)
}

/// Resizes an RGB image like `cv2.resize(img, (w, h), interpolation=cv2.INTER_AREA)`
/// (channel order does not matter: channels are independent).
pub fn resize_area_rgb(img: &RgbImage, w: u32, h: u32) -> RgbImage {
    resize_area_image(img, w, h)
}

/// INTER_AREA on any 8-bit image buffer type (grey, RGB, RGBA, ...).
pub fn resize_area_image<P>(
    img: &ImageBuffer<P, Vec<u8>>,
    w: u32,
    h: u32,
) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let (sw, sh) = img.dimensions();
    let cn = P::CHANNEL_COUNT as usize;
    let out = resize_area(
        img.as_raw(),
        sw as usize,
        sh as usize,
        cn,
        w as usize,
        h as usize,
    );
    ImageBuffer::from_raw(w, h, out).expect("w*h pixels")
}

/// A source image read row by row, so that a padded or cropped view of an image can be
/// resized without materialising it (a 16000 x 4000 clip-art padded square would be 768 MB).
pub trait RowSource {
    /// Width in pixels.
    fn width(&self) -> usize;
    /// Height in pixels.
    fn height(&self) -> usize;
    /// Interleaved 8-bit channels per pixel.
    fn channels(&self) -> usize;
    /// Row `y`: `width * channels` bytes. `scratch` may be used to assemble it.
    fn row<'a>(&'a self, y: usize, scratch: &'a mut Vec<u8>) -> &'a [u8];
    /// True if row `y` is the uniform fill row (padding), so work on it can be reused.
    fn is_fill_row(&self, _y: usize) -> bool {
        false
    }
}

/// A packed, interleaved 8-bit buffer.
pub struct Packed<'a> {
    /// `width * height * channels` bytes, row after row.
    pub data: &'a [u8],
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Channels per pixel.
    pub channels: usize,
}

impl RowSource for Packed<'_> {
    fn width(&self) -> usize {
        self.width
    }
    fn height(&self) -> usize {
        self.height
    }
    fn channels(&self) -> usize {
        self.channels
    }
    fn row<'a>(&'a self, y: usize, _: &'a mut Vec<u8>) -> &'a [u8] {
        let stride = self.width * self.channels;
        &self.data[y * stride..(y + 1) * stride]
    }
}

/// INTER_AREA on a packed, interleaved 8-bit buffer of `sw x sh` pixels with `cn` channels.
/// Returns `dw x dh` pixels. Panics if any dimension is zero.
pub fn resize_area(src: &[u8], sw: usize, sh: usize, cn: usize, dw: usize, dh: usize) -> Vec<u8> {
    assert_eq!(
        src.len(),
        sw * sh * cn,
        "buffer does not match its dimensions"
    );
    resize_area_rows(
        &Packed {
            data: src,
            width: sw,
            height: sh,
            channels: cn,
        },
        dw,
        dh,
    )
}

/// INTER_AREA on any row source. Returns `dw x dh` packed pixels.
pub fn resize_area_rows<R: RowSource>(src: &R, dw: usize, dh: usize) -> Vec<u8> {
    let (sw, sh, cn) = (src.width(), src.height(), src.channels());
    assert!(
        sw > 0 && sh > 0 && dw > 0 && dh > 0 && cn > 0,
        "resize of an empty image"
    );
    if sw == dw && sh == dh {
        let mut scratch = Vec::new();
        return (0..sh)
            .flat_map(|y| src.row(y, &mut scratch).to_vec())
            .collect();
    }
    // Same arithmetic as cv::resize: the scale is the inverse of dst/src.
    let inv_sx = dw as f64 / sw as f64;
    let inv_sy = dh as f64 / sh as f64;
    let (sx, sy) = (1.0 / inv_sx, 1.0 / inv_sy);
    if sx >= 1.0 && sy >= 1.0 {
        let (ix, iy) = (sx.round() as usize, sy.round() as usize);
        if (sx - ix as f64).abs() < f64::EPSILON && (sy - iy as f64).abs() < f64::EPSILON {
            return shrink_integer(src, dw, dh, ix, iy);
        }
        return shrink_area(src, dw, dh, sx, sy);
    }
    enlarge_area(src, dw, dh, [sx, sy, inv_sx, inv_sy])
}

/// Integer factors: box average over `ix x iy` cells.
fn shrink_integer<R: RowSource>(src: &R, dw: usize, dh: usize, ix: usize, iy: usize) -> Vec<u8> {
    let cn = src.channels();
    let mut out = vec![0u8; dw * dh * cn];
    let (mut s0, mut s1) = (Vec::new(), Vec::new());
    if ix == 2 && iy == 2 {
        // OpenCV's dedicated 2x2 path rounds half up with integer arithmetic.
        for (dy, drow) in out.chunks_exact_mut(dw * cn).enumerate() {
            let r0 = src.row(2 * dy, &mut s0);
            let r1 = src.row(2 * dy + 1, &mut s1);
            for dx in 0..dw {
                for c in 0..cn {
                    let i = 2 * dx * cn + c;
                    let s = r0[i] as u32 + r0[i + cn] as u32 + r1[i] as u32 + r1[i + cn] as u32;
                    drow[dx * cn + c] = ((s + 2) >> 2) as u8;
                }
            }
        }
        return out;
    }
    let scale = 1.0f32 / (ix * iy) as f32;
    let mut sums = vec![0u32; dw * cn];
    for (dy, drow) in out.chunks_exact_mut(dw * cn).enumerate() {
        sums.iter_mut().for_each(|s| *s = 0);
        for y in dy * iy..(dy + 1) * iy {
            let row = src.row(y, &mut s0);
            for (dx, cell) in row.chunks_exact(ix * cn).take(dw).enumerate() {
                let sum = &mut sums[dx * cn..(dx + 1) * cn];
                for px in cell.chunks_exact(cn) {
                    for (acc, &v) in sum.iter_mut().zip(px) {
                        *acc += v as u32;
                    }
                }
            }
        }
        for (d, &s) in drow.iter_mut().zip(&sums) {
            *d = round_u8(s as f32 * scale);
        }
    }
    out
}

/// One source pixel's contribution to one destination pixel along an axis.
#[derive(Clone, Copy, Debug)]
struct Decimate {
    di: usize,
    si: usize,
    alpha: f32,
}

/// OpenCV's `computeResizeAreaTab`: coverage of each source pixel in each destination cell.
fn area_tab(ssize: usize, dsize: usize, scale: f64) -> Vec<Decimate> {
    let mut tab = Vec::with_capacity(ssize * 2);
    for dx in 0..dsize {
        let fsx1 = dx as f64 * scale;
        let fsx2 = fsx1 + scale;
        let cell = scale.min(ssize as f64 - fsx1);
        let mut sx2 = fsx2.floor() as i64;
        sx2 = sx2.min(ssize as i64 - 1);
        let sx1 = (fsx1.ceil() as i64).min(sx2);
        if sx1 as f64 - fsx1 > 1e-3 {
            tab.push(Decimate {
                di: dx,
                si: (sx1 - 1) as usize,
                alpha: ((sx1 as f64 - fsx1) / cell) as f32,
            });
        }
        for sx in sx1..sx2 {
            tab.push(Decimate {
                di: dx,
                si: sx as usize,
                alpha: (1.0 / cell) as f32,
            });
        }
        if fsx2 - sx2 as f64 > 1e-3 {
            let a = (fsx2 - sx2 as f64).min(1.0).min(cell) / cell;
            tab.push(Decimate {
                di: dx,
                si: sx2 as usize,
                alpha: a as f32,
            });
        }
    }
    tab
}

/// Non-integer shrink: separable coverage weights, f32 accumulation in OpenCV's order.
#[allow(clippy::too_many_arguments)]
fn shrink_area<R: RowSource>(src: &R, dw: usize, dh: usize, sx: f64, sy: f64) -> Vec<u8> {
    let (sw, sh, cn) = (src.width(), src.height(), src.channels());
    let mut scratch = Vec::new();
    let xtab = area_tab(sw, dw, sx);
    let ytab = area_tab(sh, dh, sy);
    let width = dw * cn;
    let mut out = vec![0u8; width * dh];
    let mut buf = vec![0f32; width];
    let mut sum = vec![0f32; width];
    let mut prev_dy = ytab[0].di;
    // The horizontal pass of a row is reused when the next entry is the same source row
    // (a row straddling two output rows) or padding again: same values, same f32 order.
    let mut last: Option<(bool, usize)> = None;
    for y in &ytab {
        let key = if src.is_fill_row(y.si) {
            (true, 0)
        } else {
            (false, y.si)
        };
        if last != Some(key) {
            let row = src.row(y.si, &mut scratch);
            buf.iter_mut().for_each(|b| *b = 0.0);
            match cn {
                1 => hpass::<1>(row, &xtab, &mut buf),
                3 => hpass::<3>(row, &xtab, &mut buf),
                4 => hpass::<4>(row, &xtab, &mut buf),
                _ => {
                    for x in &xtab {
                        let (d, s) = (x.di * cn, x.si * cn);
                        for c in 0..cn {
                            buf[d + c] += row[s + c] as f32 * x.alpha;
                        }
                    }
                }
            }
            last = Some(key);
        }
        if y.di != prev_dy {
            let drow = &mut out[prev_dy * width..(prev_dy + 1) * width];
            for ((d, s), &b) in drow.iter_mut().zip(sum.iter_mut()).zip(&buf) {
                *d = round_u8(*s);
                *s = y.alpha * b;
            }
            prev_dy = y.di;
        } else {
            for (s, &b) in sum.iter_mut().zip(&buf) {
                *s += y.alpha * b;
            }
        }
    }
    let drow = &mut out[prev_dy * width..(prev_dy + 1) * width];
    for (d, &s) in drow.iter_mut().zip(&sum) {
        *d = round_u8(s);
    }
    out
}

/// Horizontal coverage pass for a fixed channel count (lets the compiler unroll it).
#[inline]
fn hpass<const CN: usize>(row: &[u8], xtab: &[Decimate], buf: &mut [f32]) {
    for x in xtab {
        let src: &[u8; CN] = row[x.si * CN..x.si * CN + CN].try_into().expect("CN bytes");
        let dst: &mut [f32; CN] = (&mut buf[x.di * CN..x.di * CN + CN])
            .try_into()
            .expect("CN floats");
        for c in 0..CN {
            dst[c] += src[c] as f32 * x.alpha;
        }
    }
}

const COEF_BITS: u32 = 11;
const COEF_SCALE: f32 = (1 << COEF_BITS) as f32;

/// Per destination index along one axis: left source index and the two 11-bit weights.
fn enlarge_tab(
    ssize: usize,
    dsize: usize,
    scale: f64,
    inv_scale: f64,
) -> Vec<(usize, usize, i32, i32)> {
    (0..dsize)
        .map(|d| {
            let mut s = (d as f64 * scale).floor() as i64;
            let mut f = ((d + 1) as f64 - (s + 1) as f64 * inv_scale) as f32;
            f = if f <= 0.0 { 0.0 } else { f - f.floor() };
            if s >= ssize as i64 - 1 {
                f = 0.0;
                s = ssize as i64 - 1;
            }
            let s = s.max(0) as usize;
            let s1 = (s + 1).min(ssize - 1);
            let a0 = ((1.0 - f) * COEF_SCALE).round_ties_even() as i32;
            let a1 = (f * COEF_SCALE).round_ties_even() as i32;
            (s, s1, a0, a1)
        })
        .collect()
}

/// Enlarging: OpenCV's INTER_AREA falls back to bilinear with "area" coefficients
/// (weights only where a destination pixel straddles a source edge), fixed point.
/// `scales` = [sx, sy, 1/sx, 1/sy] as cv::resize computes them.
fn enlarge_area<R: RowSource>(src: &R, dw: usize, dh: usize, scales: [f64; 4]) -> Vec<u8> {
    let [sx, sy, inv_sx, inv_sy] = scales;
    let (sw, sh, cn) = (src.width(), src.height(), src.channels());
    let xt = enlarge_tab(sw, dw, sx, inv_sx);
    let yt = enlarge_tab(sh, dh, sy, inv_sy);
    let width = dw * cn;
    // Horizontal pass once per used source row (enlarging: at most dh rows are used).
    let hrow = |y: usize| -> Vec<i32> {
        let mut scratch = Vec::new();
        let row = src.row(y, &mut scratch);
        let mut out = vec![0i32; width];
        for (dx, &(s0, s1, a0, a1)) in xt.iter().enumerate() {
            for c in 0..cn {
                out[dx * cn + c] = row[s0 * cn + c] as i32 * a0 + row[s1 * cn + c] as i32 * a1;
            }
        }
        out
    };
    let mut cache: Vec<Option<Vec<i32>>> = vec![None; sh];
    let mut out = vec![0u8; width * dh];
    for (dy, &(s0, _, b0, b1)) in yt.iter().enumerate() {
        // Vertically OpenCV clamps the row index rather than the weight.
        let r0 = s0.min(sh - 1);
        let r1 = (s0 + 1).min(sh - 1);
        for r in [r0, r1] {
            if cache[r].is_none() {
                cache[r] = Some(hrow(r));
            }
        }
        let (h0, h1) = (cache[r0].as_ref().unwrap(), cache[r1].as_ref().unwrap());
        let drow = &mut out[dy * width..(dy + 1) * width];
        for x in 0..width {
            let v = ((b0 * (h0[x] >> 4)) >> 16) + ((b1 * (h1[x] >> 4)) >> 16) + 2;
            drow[x] = (v >> 2).clamp(0, 255) as u8;
        }
    }
    out
}

/// OpenCV's `saturate_cast<uchar>(float)`: round half to even, then clamp.
#[inline]
fn round_u8(v: f32) -> u8 {
    v.round_ties_even().clamp(0.0, 255.0) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_shrink_is_box_average() {
        // 4x4 -> 1x1 over values 0..16: mean 7.5 rounds half to even -> 8.
        let src: Vec<u8> = (0..16).collect();
        assert_eq!(resize_area(&src, 4, 4, 1, 1, 1), vec![8]);
        // 2x2 path rounds half up: (1 + 2 + 3 + 4 + 2) >> 2 = 3.
        assert_eq!(resize_area(&[1, 2, 3, 4], 2, 2, 1, 1, 1), vec![3]);
    }

    #[test]
    fn non_integer_shrink_weights_cover_the_cell() {
        // 3 -> 2: cells [0, 1.5) and [1.5, 3).
        let out = resize_area(&[0, 90, 180], 3, 1, 1, 2, 1);
        assert_eq!(out, vec![30, 150]);
    }

    #[test]
    fn enlarge_repeats_pixels_when_the_ratio_is_integer() {
        let out = resize_area(&[10, 200], 2, 1, 1, 4, 1);
        assert_eq!(out, vec![10, 10, 200, 200]);
    }
}
