//! Pix2pix's preprocessing of one pair: resize (INTER_AREA), crop, flip.

use image::{imageops, GrayImage, RgbImage};

/// Preprocessing as pix2pix's `resize_and_crop`: resize to `load_size` (INTER_AREA), take
/// a `size` crop (random when training, centred otherwise), flip half of the samples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Augment {
    /// Side of the square crop (the training image size).
    pub size: u32,
    /// Side the pair is resized to before cropping (>= `size`).
    pub load_size: u32,
    /// Random horizontal flips (training only).
    pub flip: bool,
    /// Several scales (training only; 0: off): each pair is resized to a random side in
    /// `load_size..=scale_max`, at most its own side, before the crop, so the crop shows the
    /// larger areas of a larger picture.
    pub scale_max: u32,
    /// Share of the training samples whose line art is roughened (`data_prep::rough`: line
    /// width, wobble, gaps, grain, paper tone, blur, noise, JPEG; 0: none).
    pub rough: f64,
}

impl Augment {
    /// Pix2pix's resize and crop, without the training-only extras.
    pub fn plain(size: u32, load_size: u32, flip: bool) -> Self {
        Augment {
            size,
            load_size,
            flip,
            scale_max: 0,
            rough: 0.0,
        }
    }
}

/// Resize + crop + flip of one pair: `S x S` images.
pub(super) fn prepare(
    line: &GrayImage,
    color: &RgbImage,
    aug: &Augment,
    (x, y): (u32, u32),
    flip: bool,
) -> (GrayImage, RgbImage) {
    let (l, s) = (aug.load_size, aug.size);
    let line = data_prep::resize::resize_area_gray(line, l, l); // a copy when already l x l
    let color = data_prep::resize::resize_area_rgb(color, l, l);
    let mut line = imageops::crop_imm(&line, x, y, s, s).to_image();
    let mut color = imageops::crop_imm(&color, x, y, s, s).to_image();
    if flip {
        imageops::flip_horizontal_in_place(&mut line);
        imageops::flip_horizontal_in_place(&mut color);
    }
    (line, color)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tensor_image::{gray_to_tensor, rgb_to_tensor};

    #[test]
    fn prepare_flips_and_crops() {
        let line = GrayImage::from_fn(4, 4, |x, y| image::Luma([(x * 10 + y * 50) as u8]));
        let color = RgbImage::from_fn(4, 4, |x, _| image::Rgb([x as u8 * 85, 0, 255]));
        let aug = Augment::plain(2, 4, true);
        let (l, c) = prepare(&line, &color, &aug, (1, 2), true);
        let l = Vec::<f32>::try_from(gray_to_tensor(&l).flatten(0, -1)).unwrap();
        let c = Vec::<f32>::try_from(rgb_to_tensor(&c).flatten(0, -1)).unwrap();
        let v = |p: u8| f32::from(p) / 127.5 - 1.0;
        // Crop x 1..3, y 2..4, mirrored: first output column is source x = 2.
        assert_eq!(l, vec![v(120), v(110), v(170), v(160)]);
        assert_eq!(c[0], v(170));
        assert_eq!(c[8], 1.0); // blue plane
    }
}
