//! RGB -> grey exactly as OpenCV's `cvtColor(..., COLOR_RGB2GRAY)` does for 8-bit images:
//! 15-bit fixed-point weights (0.299, 0.587, 0.114 scaled by 2^15 and rounded) with rounding.
//! The `image` crate's `to_luma8` uses Rec. 709 weights and would shift every grey level
//! against line art produced by OpenCV-based pipelines.

use image::{GrayImage, RgbImage};

const R2Y: u32 = 9798;
const G2Y: u32 = 19235;
const B2Y: u32 = 3735;
const SHIFT: u32 = 15;

/// The grey level of one RGB pixel (OpenCV's rounding: add half, shift).
#[inline]
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    ((r as u32 * R2Y + g as u32 * G2Y + b as u32 * B2Y + (1 << (SHIFT - 1))) >> SHIFT) as u8
}

/// Converts an RGB image to grey, bit-exact with OpenCV's `cvtColor` RGB2GRAY.
pub fn to_gray(img: &RgbImage) -> GrayImage {
    let (w, h) = img.dimensions();
    let out: Vec<u8> = img
        .as_raw()
        .chunks_exact(3)
        .map(|p| luma(p[0], p[1], p[2]))
        .collect();
    GrayImage::from_raw(w, h, out).expect("one grey byte per RGB pixel")
}
