//! `load_rgb`: formats by content, alpha over white, grey/16-bit/palette conversion, and
//! typed errors that name the file.

use std::io::Cursor;

use data_prep::load::{load_rgb, LoadLimits};
use data_prep::Error;
use image::{DynamicImage, ImageFormat, Luma, LumaA, Rgba};

use crate::common::{bomb_png, drawing, transparent_drawing};

fn limits() -> LoadLimits {
    LoadLimits::default()
}

#[test]
fn every_raster_format_loads_to_the_same_pixels() {
    let dir = tempfile::tempdir().unwrap();
    let img = drawing(40, 30, 3);
    for (fmt, ext) in [
        (ImageFormat::Png, "png"),
        (ImageFormat::Bmp, "bmp"),
        (ImageFormat::Tiff, "tiff"),
        (ImageFormat::WebP, "webp"),
        (ImageFormat::Gif, "gif"),
        (ImageFormat::Jpeg, "jpg"),
    ] {
        // Saved under a misleading extension: the content decides.
        let path = dir.path().join(format!("img_{ext}.dat"));
        let mut buf = Cursor::new(Vec::new());
        DynamicImage::ImageRgb8(img.clone())
            .write_to(&mut buf, fmt)
            .unwrap();
        std::fs::write(&path, buf.into_inner()).unwrap();
        let got = load_rgb(&path, &limits()).unwrap_or_else(|e| panic!("{ext}: {e}"));
        assert_eq!(got.dimensions(), (40, 30), "{ext}");
        let lossless = matches!(
            fmt,
            ImageFormat::Png | ImageFormat::Bmp | ImageFormat::Tiff | ImageFormat::WebP
        );
        if lossless {
            assert_eq!(got, img, "{ext} is lossless");
        } else {
            let max = got
                .as_raw()
                .iter()
                .zip(img.as_raw())
                .map(|(a, b)| a.abs_diff(*b))
                .max()
                .unwrap();
            // JPEG and GIF (256-colour palette) are approximate, but not garbage.
            let mean: f64 = got
                .as_raw()
                .iter()
                .zip(img.as_raw())
                .map(|(a, b)| a.abs_diff(*b) as f64)
                .sum::<f64>()
                / got.as_raw().len() as f64;
            assert!(mean < 8.0, "{ext}: mean diff {mean}, max {max}");
        }
    }
}

#[test]
fn transparent_pixels_hiding_black_become_white() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.png");
    let mut img = transparent_drawing(32, 32, 1);
    img.put_pixel(0, 1, Rgba([0, 0, 0, 128])); // half-transparent black -> mid grey
    img.save(&path).unwrap();
    let rgb = load_rgb(&path, &limits()).unwrap();
    assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
    assert_eq!(rgb.get_pixel(0, 1).0, [127, 127, 127]);
    assert_eq!(
        rgb.get_pixel(16, 16).0,
        drawing(32, 32, 1).get_pixel(16, 16).0
    );
}

#[test]
fn grey_alpha_and_16_bit_are_converted() {
    let dir = tempfile::tempdir().unwrap();
    let la = image::ImageBuffer::from_fn(4, 4, |x, _| LumaA([50u8, if x == 0 { 0 } else { 255 }]));
    la.save(dir.path().join("la.png")).unwrap();
    let rgb = load_rgb(&dir.path().join("la.png"), &limits()).unwrap();
    assert_eq!(rgb.get_pixel(0, 0).0, [255, 255, 255]);
    assert_eq!(rgb.get_pixel(1, 0).0, [50, 50, 50]);

    let g16 = image::ImageBuffer::from_pixel(4, 4, Luma([65535u16 / 2]));
    g16.save(dir.path().join("g16.png")).unwrap();
    let rgb = load_rgb(&dir.path().join("g16.png"), &limits()).unwrap();
    assert_eq!(rgb.get_pixel(2, 2).0, [127, 127, 127]);
}

#[test]
fn svg_is_rasterised_on_white_at_the_requested_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.svg");
    std::fs::write(
        &path,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 72 36" width="72" height="36">
           <rect x="0" y="0" width="36" height="36" fill="#ff0000"/></svg>"##,
    )
    .unwrap();
    let rgb = load_rgb(
        &path,
        &LoadLimits {
            svg_long_side: Some(144),
            ..limits()
        },
    )
    .unwrap();
    assert_eq!(rgb.dimensions(), (144, 72));
    assert_eq!(rgb.get_pixel(10, 10).0, [255, 0, 0]);
    assert_eq!(
        rgb.get_pixel(130, 10).0,
        [255, 255, 255],
        "transparent SVG background is white"
    );
}

#[test]
fn bad_files_give_typed_errors_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = |n: &str| dir.path().join(n);
    std::fs::write(p("empty.png"), b"").unwrap();
    std::fs::write(p("text.jpg"), b"hello, I am not a picture").unwrap();
    let mut png = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(drawing(64, 64, 2))
        .write_to(&mut png, ImageFormat::Png)
        .unwrap();
    let png = png.into_inner();
    std::fs::write(p("truncated.png"), &png[..png.len() / 2]).unwrap();
    std::fs::write(p("bomb.png"), bomb_png(100_000, 100_000)).unwrap();

    let err = |n: &str| load_rgb(&p(n), &limits()).unwrap_err();
    assert!(matches!(err("empty.png"), Error::Empty { .. }));
    assert!(matches!(err("text.jpg"), Error::NotAnImage { .. }));
    assert!(
        matches!(err("truncated.png"), Error::Decode { .. }),
        "{}",
        err("truncated.png")
    );
    assert!(matches!(
        err("bomb.png"),
        Error::TooLarge {
            width: 100_000,
            height: 100_000,
            ..
        }
    ));
    assert!(matches!(err("missing.png"), Error::Io { .. }));
    for n in [
        "empty.png",
        "text.jpg",
        "truncated.png",
        "bomb.png",
        "missing.png",
    ] {
        assert!(err(n).to_string().contains(n), "{n}: {}", err(n));
    }
}
