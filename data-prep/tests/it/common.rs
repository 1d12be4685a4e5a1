//! Helpers shared by the data-prep integration tests: generated drawings and file writers.

use std::path::Path;

use image::{Rgb, RgbImage, Rgba, RgbaImage};

/// A small "illustration": white paper, a coloured disc with a 3 px black outline and a black
/// stroke inside. `seed` moves and recolours it so files differ.
pub fn drawing(w: u32, h: u32, seed: u32) -> RgbImage {
    let (cx, cy) = (
        w as f32 / 2.0 + (seed % 7) as f32,
        h as f32 / 2.0 - (seed % 5) as f32,
    );
    let r = w.min(h) as f32 * 0.35;
    let fill = Rgb([
        (40 * seed % 256) as u8,
        (200 - 13 * seed % 150) as u8,
        (90 + 31 * seed % 160) as u8,
    ]);
    RgbImage::from_fn(w, h, |x, y| {
        let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
        let inner_stroke = (y as f32 - cy).abs() < 2.0 && (x as f32 - cx).abs() < r * 0.6;
        if (d - r).abs() < 1.5 || inner_stroke {
            Rgb([0, 0, 0])
        } else if d < r {
            fill
        } else {
            Rgb([255, 255, 255])
        }
    })
}

/// The drawing's line art: its black outline and stroke on white.
pub fn line_art(w: u32, h: u32, seed: u32) -> RgbImage {
    let mut line = drawing(w, h, seed);
    line.pixels_mut()
        .filter(|p| p.0 != [0, 0, 0])
        .for_each(|p| p.0 = [255, 255, 255]);
    line
}

/// The drawing with a transparent background whose hidden RGB is black (as in openclipart).
pub fn transparent_drawing(w: u32, h: u32, seed: u32) -> RgbaImage {
    let rgb = drawing(w, h, seed);
    RgbaImage::from_fn(w, h, |x, y| {
        let p = rgb.get_pixel(x, y);
        if p.0 == [255, 255, 255] {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([p[0], p[1], p[2], 255])
        }
    })
}

pub fn save_png(img: &RgbImage, path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    img.save(path).unwrap();
}

/// Standard CRC-32 (for hand-made PNG chunks).
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut c = 0xffff_ffffu32;
    for &b in bytes {
        c ^= b as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xedb8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
    }
    !c
}

/// A PNG announcing `w x h` pixels with one byte of (stored, valid zlib) image data: a
/// decompression bomb's header, which must be rejected before any buffer is allocated.
pub fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut chunk = |kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB
    chunk(b"IHDR", &ihdr);
    // zlib header, one final stored block holding a single 0 byte, Adler-32 of [0].
    chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x01, 0x00, 0xfe, 0xff, 0x00, 0x00, 0x01, 0x00, 0x01,
        ],
    );
    chunk(b"IEND", &[]);
    out
}

/// The write end of a pipe whose reader has already exited, as for `prep ... | head` once
/// `head` is done: writing to it fails with a broken pipe (EPIPE).
pub fn closed_pipe() -> std::process::Stdio {
    let mut reader = std::process::Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    write_end.into()
}
