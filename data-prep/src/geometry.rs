//! Making images square before the resize: pad with white (keeps the whole drawing, the
//! default) or crop the centre. The centred padding ([`pad_centered`]) is shared with
//! inference in `colorize`, which pads the working sketch to the U-Net's multiple.

use image::{ImageBuffer, Pixel};

use crate::resize::{resize_area_rows, RowSource};

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
    let side = img.width().max(img.height());
    pad_centered(img, side, side, fill).0
}

/// Centres `img` on a `width x height` canvas of `fill` (odd leftovers go to the right /
/// bottom). Returns the canvas and the image's offset on it, `(x, y)`. Panics if the canvas
/// is smaller than the image.
pub fn pad_centered<P>(
    img: &ImageBuffer<P, Vec<u8>>,
    width: u32,
    height: u32,
    fill: P,
) -> (ImageBuffer<P, Vec<u8>>, (u32, u32))
where
    P: Pixel<Subpixel = u8>,
{
    let (w, h) = img.dimensions();
    assert!(w <= width && h <= height, "the canvas must hold the image");
    if (w, h) == (width, height) {
        return (img.clone(), (0, 0));
    }
    let cn = P::CHANNEL_COUNT as usize;
    let (x0, y0) = ((width - w) / 2, (height - h) / 2);
    let mut out = ImageBuffer::from_pixel(width, height, fill);
    let src = img.as_raw();
    let row = w as usize * cn;
    let dst = &mut *out;
    for y in 0..h as usize {
        let d = ((y + y0 as usize) * width as usize + x0 as usize) * cn;
        dst[d..d + row].copy_from_slice(&src[y * row..(y + 1) * row]);
    }
    (out, (x0, y0))
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

/// A read-only square view of an image (padded or cropped) for [`resize_area_rows`]: the
/// square is never materialised, which matters for the 16000-px files met in openclipart.
pub struct SquareView<'a> {
    data: &'a [u8],
    img_width: usize,
    cn: usize,
    side: usize,
    /// Offset of the image in the square (padding) or of the square in the image (crop).
    x0: usize,
    y0: usize,
    rows: usize,
    crop: bool,
    fill_row: Vec<u8>,
}

impl<'a> SquareView<'a> {
    /// The square `how` makes of `img`, padding with `fill`.
    pub fn new<P: Pixel<Subpixel = u8>>(
        img: &'a ImageBuffer<P, Vec<u8>>,
        how: Square,
        fill: P,
    ) -> Self {
        let (w, h) = (img.width() as usize, img.height() as usize);
        let cn = P::CHANNEL_COUNT as usize;
        let (side, crop) = match how {
            Square::Pad => (w.max(h), false),
            Square::Crop => (w.min(h), true),
        };
        let (x0, y0) = if crop {
            ((w - side) / 2, (h - side) / 2)
        } else {
            ((side - w) / 2, (side - h) / 2)
        };
        let fill_row = if crop {
            Vec::new()
        } else {
            fill.channels().repeat(side)
        };
        SquareView {
            data: img.as_raw(),
            img_width: w,
            cn,
            side,
            x0,
            y0,
            rows: h,
            crop,
            fill_row,
        }
    }
}

impl RowSource for SquareView<'_> {
    fn width(&self) -> usize {
        self.side
    }
    fn height(&self) -> usize {
        self.side
    }
    fn channels(&self) -> usize {
        self.cn
    }
    fn is_fill_row(&self, y: usize) -> bool {
        !self.crop && (y < self.y0 || y >= self.y0 + self.rows)
    }
    fn row<'b>(&'b self, y: usize, scratch: &'b mut Vec<u8>) -> &'b [u8] {
        let (stride, cn) = (self.img_width * self.cn, self.cn);
        if self.crop {
            let start = (y + self.y0) * stride + self.x0 * cn;
            return &self.data[start..start + self.side * cn];
        }
        if y < self.y0 || y >= self.y0 + self.rows {
            return &self.fill_row;
        }
        let src = &self.data[(y - self.y0) * stride..(y - self.y0 + 1) * stride];
        if self.x0 == 0 && self.side == self.img_width {
            return src; // only padded above and below: rows are the image's own
        }
        scratch.clear();
        scratch.extend_from_slice(&self.fill_row);
        scratch[self.x0 * cn..self.x0 * cn + stride].copy_from_slice(src);
        scratch
    }
}

/// Makes `img` square (see [`make_square`]) and resizes it to `size x size` with INTER_AREA
/// in one pass, without building the square image. Equal to
/// `resize_area_image(&make_square(img, how, fill), size, size)`.
pub fn square_resize<P>(
    img: &ImageBuffer<P, Vec<u8>>,
    how: Square,
    fill: P,
    size: u32,
) -> ImageBuffer<P, Vec<u8>>
where
    P: Pixel<Subpixel = u8>,
{
    let out = resize_area_rows(
        &SquareView::new(img, how, fill),
        size as usize,
        size as usize,
    );
    ImageBuffer::from_raw(size, size, out).expect("size*size pixels")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resize::resize_area_image;
    use image::{GrayImage, Luma, Rgb, RgbImage};

    #[test]
    fn pad_centered_puts_odd_leftovers_right_and_below() {
        let img = GrayImage::from_fn(3, 2, |x, y| Luma([(x + 3 * y) as u8]));
        let (out, offset) = pad_centered(&img, 8, 5, Luma([255]));
        assert_eq!(offset, (2, 1));
        let mut expect = GrayImage::from_pixel(8, 5, Luma([255]));
        image::imageops::replace(&mut expect, &img, 2, 1);
        assert_eq!(out, expect);
        assert_eq!(pad_centered(&img, 3, 2, Luma([0])), (img, (0, 0)));
    }

    #[test]
    fn square_resize_equals_materialising_the_square() {
        let img = RgbImage::from_fn(37, 23, |x, y| {
            Rgb([(x * 7) as u8, (y * 11) as u8, ((x * y) % 256) as u8])
        });
        let white = Rgb([255, 255, 255]);
        for how in [Square::Pad, Square::Crop] {
            for size in [8, 16, 23, 40] {
                let expect = resize_area_image(&make_square(&img, how, white), size, size);
                assert_eq!(
                    square_resize(&img, how, white, size),
                    expect,
                    "{how:?} {size}"
                );
            }
        }
        let padded = pad_to_square(&img, white);
        assert_eq!(padded.dimensions(), (37, 37));
        assert_eq!(padded.get_pixel(0, 0).0, [255, 255, 255]);
        assert_eq!(padded.get_pixel(5, 7), img.get_pixel(5, 0));
        assert_eq!(crop_center(&img).get_pixel(0, 0), img.get_pixel(7, 0));
    }
}
