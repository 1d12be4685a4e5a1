//! Conversions between 8-bit images and CHW `f32` tensors in [-1, 1] (0 -> -1, 255 -> +1).
//!
//! Line art is one channel (white paper = +1, black ink = -1), colour three (RGB). The
//! inverse maps back with clamping and rounding, so `to_tensor -> to_image` is lossless.

use image::{GrayImage, RgbImage};
use tch::{Device, Kind, Tensor};

use crate::{Error, Result};

fn u8_to_tensor(data: &[u8], shape: [i64; 3]) -> Tensor {
    let t = Tensor::from_slice(data).view(shape); // [H, W, C] u8
    t.permute([2, 0, 1]).to_kind(Kind::Float) / 127.5 - 1.0 // [C, H, W]
}

/// `[1, H, W]` tensor of a grey image.
pub fn gray_to_tensor(img: &GrayImage) -> Tensor {
    let (w, h) = img.dimensions();
    u8_to_tensor(img.as_raw(), [h as i64, w as i64, 1])
}

/// `[3, H, W]` tensor of an RGB image.
pub fn rgb_to_tensor(img: &RgbImage) -> Tensor {
    let (w, h) = img.dimensions();
    u8_to_tensor(img.as_raw(), [h as i64, w as i64, 3])
}

/// Bytes of a `[C, H, W]` tensor in [-1, 1] as interleaved `H x W x C` u8 (any device).
fn tensor_to_u8(t: &Tensor, channels: i64) -> Result<(u32, u32, Vec<u8>)> {
    let size = t.size();
    if size.len() != 3 || size[0] != channels {
        return Err(Error::Internal(format!(
            "expected a [{channels}, H, W] tensor, got {size:?}"
        )));
    }
    let hwc = ((t.to_device(Device::Cpu).to_kind(Kind::Float) + 1.0) * 127.5)
        .clamp(0.0, 255.0)
        .round()
        .to_kind(Kind::Uint8)
        .permute([1, 2, 0])
        .contiguous();
    let mut bytes = vec![0u8; hwc.numel()];
    let n = bytes.len();
    hwc.copy_data(&mut bytes, n);
    Ok((size[2] as u32, size[1] as u32, bytes))
}

/// RGB image of a `[3, H, W]` tensor in [-1, 1].
pub fn tensor_to_rgb(t: &Tensor) -> Result<RgbImage> {
    let (w, h, bytes) = tensor_to_u8(t, 3)?;
    Ok(RgbImage::from_raw(w, h, bytes).expect("buffer size matches dimensions"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_round_trip_is_lossless_and_scaled() {
        let img = RgbImage::from_fn(5, 3, |x, y| image::Rgb([x as u8 * 50, y as u8 * 100, 255]));
        let t = rgb_to_tensor(&img);
        assert_eq!(t.size(), vec![3, 3, 5]);
        assert_eq!(t.double_value(&[2, 0, 0]), 1.0); // blue 255 -> +1
        assert_eq!(t.double_value(&[0, 0, 0]), -1.0); // red 0 -> -1
        assert_eq!(tensor_to_rgb(&t).unwrap(), img);
    }

    #[test]
    fn gray_round_trip_and_shape_check() {
        let img = GrayImage::from_fn(4, 7, |x, y| image::Luma([(x * 60 + y) as u8]));
        let t = gray_to_tensor(&img);
        assert_eq!(t.size(), vec![1, 7, 4]);
        assert_eq!(tensor_to_u8(&t, 1).unwrap(), (4, 7, img.into_raw()));
        assert!(tensor_to_rgb(&t).is_err());
    }
}
