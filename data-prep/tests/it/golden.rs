//! INTER_AREA resize and RGB->grey against goldens written by OpenCV
//! (data-prep/tools/make_goldens.py); the source pattern is recomputed here bit for bit.

use std::path::PathBuf;

use data_prep::gray::to_gray;
use data_prep::resize::{resize_area_gray, resize_area_rgb};
use image::{GrayImage, RgbImage};

/// Same integer function as `pattern()` in make_goldens.py.
fn pattern(w: u32, h: u32, c: i64) -> Vec<u8> {
    let (wi, hi) = (w as i64, h as i64);
    let mut out = Vec::with_capacity((w * h) as usize);
    for y in 0..hi {
        for x in 0..wi {
            let mut v = (((x / 7) ^ (y / 5 + c)) * (29 + 2 * c) + 85 * c) & 255;
            if (x + 2 * y + 5 * c) % 37 < 2 {
                v = 0;
            }
            let r = wi.min(hi) / 5;
            if (x - wi / 2).pow(2) + (y - hi / 3).pow(2) < r * r {
                v = 255 - 40 * c;
            }
            out.push(v as u8);
        }
    }
    out
}

fn pattern_gray(w: u32, h: u32) -> GrayImage {
    GrayImage::from_raw(w, h, pattern(w, h, 0)).unwrap()
}

fn pattern_rgb(w: u32, h: u32) -> RgbImage {
    let chans: Vec<Vec<u8>> = (0..3).map(|c| pattern(w, h, c)).collect();
    let data = (0..(w * h) as usize)
        .flat_map(|i| [chans[0][i], chans[1][i], chans[2][i]])
        .collect();
    RgbImage::from_raw(w, h, data).unwrap()
}

fn golden(name: &str) -> image::DynamicImage {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    image::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// (max |difference|, number of differing samples).
fn diff(a: &[u8], b: &[u8]) -> (u8, usize) {
    assert_eq!(a.len(), b.len());
    let max = a.iter().zip(b).map(|(x, y)| x.abs_diff(*y)).max().unwrap();
    (max, a.iter().zip(b).filter(|(x, y)| x != y).count())
}

const CASES: [(u32, u32); 11] = [
    (512, 512),
    (300, 300),
    (517, 517),
    (129, 129),
    (256, 256),
    (384, 384),
    (300, 200),
    (100, 300),
    (64, 64),
    (100, 100),
    (77, 77),
];

#[test]
fn inter_area_gray_matches_opencv_within_one_level() {
    let mut report = Vec::new();
    for (sw, sh) in CASES {
        let ours = resize_area_gray(&pattern_gray(sw, sh), 128, 128);
        let cv = golden(&format!("area_gray_{sw}x{sh}_to_128x128.png")).to_luma8();
        let (max, n) = diff(ours.as_raw(), cv.as_raw());
        report.push(format!("{sw}x{sh}->128: max {max}, {n} differ"));
        assert!(
            max <= 1,
            "{sw}x{sh} -> 128x128 differs from OpenCV by {max} ({n} samples)"
        );
    }
    eprintln!("gray INTER_AREA vs OpenCV: {}", report.join("; "));
}

#[test]
fn inter_area_rgb_matches_opencv_within_one_level() {
    let mut report = Vec::new();
    for (sw, sh) in [(517, 517), (100, 300), (77, 77)] {
        let ours = resize_area_rgb(&pattern_rgb(sw, sh), 128, 128);
        let cv = golden(&format!("area_rgb_{sw}x{sh}_to_128x128.png")).to_rgb8();
        let (max, n) = diff(ours.as_raw(), cv.as_raw());
        report.push(format!("{sw}x{sh}->128: max {max}, {n} differ"));
        assert!(
            max <= 1,
            "RGB {sw}x{sh} -> 128x128 differs from OpenCV by {max} ({n} samples)"
        );
    }
    eprintln!("rgb INTER_AREA vs OpenCV: {}", report.join("; "));
}

#[test]
fn integer_ratio_shrink_is_exact() {
    for (sw, sh) in [(512, 512), (256, 256), (384, 384)] {
        let ours = resize_area_gray(&pattern_gray(sw, sh), 128, 128);
        let cv = golden(&format!("area_gray_{sw}x{sh}_to_128x128.png")).to_luma8();
        assert_eq!(diff(ours.as_raw(), cv.as_raw()), (0, 0), "{sw}x{sh}");
    }
}

#[test]
fn gray_is_bit_exact_with_cvtcolor() {
    for (w, h) in [(300, 200), (64, 64)] {
        let ours = to_gray(&pattern_rgb(w, h));
        let cv = golden(&format!("gray_of_rgb_{w}x{h}.png")).to_luma8();
        assert_eq!(diff(ours.as_raw(), cv.as_raw()), (0, 0), "{w}x{h}");
    }
}
