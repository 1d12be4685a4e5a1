//! The suggestions drawn over a picture, as `colorize infer --suggest` writes them and as
//! the page draws them: a numbered disc at each suggested point, best first.

use image::{Rgb, RgbImage};
use imageproc::drawing::draw_filled_circle_mut;

use super::Suggestion;

/// The markers' ink: a magenta that no drawing's usual colours hide.
pub const MARKER_INK: Rgb<u8> = Rgb([216, 27, 96]);

/// Digits 0-9 as 3 x 5 bitmaps, a row per entry, the high bit on the left.
const DIGITS: [[u8; 5]; 10] = [
    [0b111, 0b101, 0b101, 0b101, 0b111],
    [0b010, 0b110, 0b010, 0b010, 0b111],
    [0b111, 0b001, 0b111, 0b100, 0b111],
    [0b111, 0b001, 0b011, 0b001, 0b111],
    [0b101, 0b101, 0b111, 0b001, 0b001],
    [0b111, 0b100, 0b111, 0b001, 0b111],
    [0b111, 0b100, 0b111, 0b101, 0b111],
    [0b111, 0b001, 0b010, 0b010, 0b010],
    [0b111, 0b101, 0b111, 0b101, 0b111],
    [0b111, 0b101, 0b111, 0b001, 0b111],
];

/// The markers' radius on a picture of this size: a 28th of its shorter side, 6 to 24 px.
pub fn marker_radius(width: u32, height: u32) -> u32 {
    (width.min(height) / 28).clamp(6, 24)
}

/// Draws marker `1..` of `suggestions` (in their order) on `img`: a white disc with a
/// magenta ring and its number, centred on the suggested point (kept inside the picture).
pub fn draw_markers(img: &mut RgbImage, suggestions: &[Suggestion]) {
    let (w, h) = img.dimensions();
    let r = marker_radius(w, h) as i32;
    let ring = (r / 5).max(1);
    for (i, s) in suggestions.iter().enumerate() {
        let cx = (s.x as i32).clamp(r.min(w as i32 / 2), (w as i32 - 1 - r).max(0));
        let cy = (s.y as i32).clamp(r.min(h as i32 / 2), (h as i32 - 1 - r).max(0));
        draw_filled_circle_mut(img, (cx, cy), r, MARKER_INK);
        draw_filled_circle_mut(img, (cx, cy), r - ring, Rgb([255, 255, 255]));
        draw_number(img, cx, cy, i + 1, r - ring);
    }
}

/// `n` in the marker's ink, centred on `(cx, cy)`, fitting a disc of radius `inner`.
fn draw_number(img: &mut RgbImage, cx: i32, cy: i32, n: usize, inner: i32) {
    let digits: Vec<usize> = n
        .to_string()
        .bytes()
        .map(|b| usize::from(b - b'0'))
        .collect();
    // Glyphs 3 wide with a gap of 1, 5 high; the text's box fits inside the disc.
    let cols = digits.len() as i32 * 4 - 1;
    let scale = ((inner * 7 / 5) / cols.max(5)).max(1);
    let (tw, th) = (cols * scale, 5 * scale);
    let (x0, y0) = (cx - tw / 2, cy - th / 2);
    for (k, &d) in digits.iter().enumerate() {
        for (row, bits) in DIGITS[d].iter().enumerate() {
            for col in 0..3 {
                if bits & (0b100 >> col) == 0 {
                    continue;
                }
                let gx = x0 + (k as i32 * 4 + col) * scale;
                let gy = y0 + row as i32 * scale;
                for y in gy..gy + scale {
                    for x in gx..gx + scale {
                        if x >= 0 && y >= 0 && (x as u32) < img.width() && (y as u32) < img.height()
                        {
                            img.put_pixel(x as u32, y as u32, MARKER_INK);
                        }
                    }
                }
            }
        }
    }
}
