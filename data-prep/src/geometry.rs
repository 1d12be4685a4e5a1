//! Making images square before the resize: pad with white (keeps the whole drawing, the
//! default) or crop the centre. Shared by `prep` and by inference in `colorize`.

use image::{ImageBuffer, Pixel};

/// How a non-square image becomes square.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Square {
    /// Centre the image on a white square whose side is the longer side.
    #[default]
    Pad,
    /// Keep the central square whose side is the shorter side.
    Crop,
}

/// Pads `img` to a square of side max(w, h), centred, filling with `fill`.
/// Returns a copy when the image is already square.
pub fn pad_to_square<P>(img: &ImageBuffer<P, Vec<u8>>, fill: P) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let (w, h) = img.dimensions();
    let side = w.max(h);
    if w == h {
        return img.clone();
    }
    let cn = P::CHANNEL_COUNT as usize;
    let (x0, y0) = ((side - w) / 2, (side - h) / 2);
    let mut out = ImageBuffer::from_pixel(side, side, fill);
    let src = img.as_raw();
    let row = w as usize * cn;
    let dst = &mut *out;
    for y in 0..h as usize {
        let d = ((y + y0 as usize) * side as usize + x0 as usize) * cn;
        dst[d..d + row].copy_from_slice(&src[y * row..(y + 1) * row]);
    }
    out
}

/// The central square of side min(w, h) (odd leftovers go to the right / bottom).
pub fn crop_center<P>(img: &ImageBuffer<P, Vec<u8>>) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let (w, h) = img.dimensions();
    let side = w.min(h);
    if w == h {
        return img.clone();
    }
    let cn = P::CHANNEL_COUNT as usize;
    let (x0, y0) = (((w - side) / 2) as usize, ((h - side) / 2) as usize);
    let src = img.as_raw();
    let mut out = Vec::with_capacity(side as usize * side as usize * cn);
    for y in 0..side as usize {
        let s = ((y + y0) * w as usize + x0) * cn;
        out.extend_from_slice(&src[s..s + side as usize * cn]);
    }
    ImageBuffer::from_raw(side, side, out).expect("side*side pixels")
}

/// Makes `img` square with the chosen strategy; padding uses white (`fill`).
pub fn make_square<P>(
    img: &ImageBuffer<P, Vec<u8>>,
    how: Square,
    fill: P,
) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    match how {
        Square::Pad => pad_to_square(img, fill),
        Square::Crop => crop_center(img),
    }
}
