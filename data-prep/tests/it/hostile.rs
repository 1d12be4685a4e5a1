//! Hostile SVGs (docs/RELIABILITY.md): what `<image href>` may reach. usvg's defaults read
//! any local file an SVG names (a sketch from elsewhere could pull a private picture into a
//! dataset, or `/dev/zero` until memory ran out) and decode embedded images without our
//! pixel guard (a 267-byte SVG aborted `prep` with "memory allocation of 30000000000 bytes
//! failed").

use std::path::Path;

use data_prep::load::{decode_rgb, decode_rgba, LoadLimits};
use image::{Rgb, RgbImage};

use crate::common::bomb_png;

fn svg_with_image(href: &str) -> Vec<u8> {
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="8" height="8"><image width="8" height="8" xlink:href="{href}"/></svg>"#
    )
    .into_bytes()
}

fn png_bytes(img: &RgbImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for c in bytes.chunks(3) {
        let n = c
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            s.push(if i <= c.len() {
                ABC[(n >> (18 - 6 * i) & 63) as usize] as char
            } else {
                '='
            });
        }
    }
    s
}

#[test]
fn an_svg_cannot_pull_in_a_local_file() {
    let dir = tempfile::tempdir().unwrap();
    let black = dir.path().join("private.png");
    std::fs::write(&black, png_bytes(&RgbImage::new(8, 8))).unwrap();
    let svg = svg_with_image(black.to_str().unwrap());
    let img = decode_rgb(Path::new("a.svg"), &svg, &LoadLimits::default()).unwrap();
    assert!(
        img.pixels().all(|p| *p == Rgb([255, 255, 255])),
        "the referenced file must not be drawn"
    );
}

#[test]
fn an_embedded_image_is_drawn_only_within_the_pixel_guard() {
    let black = png_bytes(&RgbImage::new(8, 8));
    let small = svg_with_image(&format!("data:image/png;base64,{}", base64(&black)));
    let img = decode_rgb(Path::new("a.svg"), &small, &LoadLimits::default()).unwrap();
    assert_eq!(
        img.get_pixel(4, 4),
        &Rgb([0, 0, 0]),
        "a small embedded PNG is drawn"
    );

    let bomb = svg_with_image(&format!(
        "data:image/png;base64,{}",
        base64(&bomb_png(100_000, 100_000))
    ));
    for decode in [
        |b: &[u8]| decode_rgb(Path::new("b.svg"), b, &LoadLimits::default()).map(|_| ()),
        |b: &[u8]| decode_rgba(Path::new("b.svg"), b, &LoadLimits::default()).map(|_| ()),
    ] {
        decode(&bomb).expect("drawn without the oversized image");
    }
}

#[test]
fn hints_keep_their_alpha_and_meet_the_same_guards() {
    let limits = LoadLimits::default();
    let err = decode_rgba(Path::new("h.png"), &bomb_png(100_000, 100_000), &limits).unwrap_err();
    assert_eq!(err.kind(), "too large", "{err}");
    let svg = br##"<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"><rect width="2" height="4" fill="#ff0000"/></svg>"##;
    let rgba = decode_rgba(Path::new("h.svg"), svg, &limits).unwrap();
    assert_eq!(rgba.get_pixel(0, 0).0, [255, 0, 0, 255]);
    assert_eq!(
        rgba.get_pixel(3, 0).0[3],
        0,
        "transparent where nothing is drawn"
    );
}

/// Under a file-size limit (`ulimit -f`) SIGXFSZ used to kill `prep` silently in its
/// first write; it is ignored now, so the write fails with an error naming the file.
#[test]
fn a_file_size_limit_is_an_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir(&src).unwrap();
    for i in 0..3 {
        crate::common::drawing(64, 64, i)
            .save(src.join(format!("{i}.png")))
            .unwrap();
    }
    let prep = assert_cmd::cargo::cargo_bin("prep");
    let out = std::process::Command::new("bash")
        .args(["-c", "ulimit -f 0 && exec \"$0\" \"$@\""])
        .arg(&prep)
        .arg(&src)
        .arg("-o")
        .arg(dir.path().join("out"))
        .args(["--size", "32"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
}
