//! Where `prep`'s time goes: runs the extract pipeline single-threaded over a directory and
//! sums the time of each stage (read, decode + alpha over white, square + INTER_AREA, grey +
//! line extraction, PNG encoding of both images).
//!     cargo run --release -p data-prep --example stage_profile -- DIR [xdog|dilate]

use std::io::Cursor;
use std::path::Path;
use std::time::{Duration, Instant};

use data_prep::geometry::{square_resize, Square};
use data_prep::gray::to_gray;
use data_prep::lineart::{extract, LineMethod, Xdog};
use data_prep::load::{decode_rgb, read_bytes, LoadLimits};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder, Rgb};

fn encode(data: &[u8], side: u32, color: ExtendedColorType) -> Vec<u8> {
    let mut buf = Cursor::new(Vec::new());
    PngEncoder::new_with_quality(&mut buf, CompressionType::Fast, FilterType::Adaptive)
        .write_image(data, side, side, color)
        .unwrap();
    buf.into_inner()
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .expect("usage: stage_profile DIR [xdog|dilate]");
    let method = match std::env::args().nth(2).as_deref() {
        Some("dilate") => LineMethod::Dilate { kernel: 5 },
        _ => LineMethod::Xdog(Xdog::default()),
    };
    let limits = LoadLimits::default();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut t = [Duration::ZERO; 5];
    let mut n = 0;
    let mut lap = |i: usize, start: &mut Instant| {
        t[i] += start.elapsed();
        *start = Instant::now();
    };
    for f in &files {
        let mut s = Instant::now();
        let Ok(bytes) = read_bytes(Path::new(f), &limits) else {
            continue;
        };
        lap(0, &mut s);
        let Ok(rgb) = decode_rgb(f, &bytes, &limits) else {
            continue;
        };
        lap(1, &mut s);
        let color = square_resize(&rgb, Square::Pad, Rgb([255, 255, 255]), 128);
        lap(2, &mut s);
        let line = extract(&to_gray(&color), &method);
        lap(3, &mut s);
        std::hint::black_box((
            encode(line.as_raw(), 128, ExtendedColorType::L8),
            encode(color.as_raw(), 128, ExtendedColorType::Rgb8),
        ));
        lap(4, &mut s);
        n += 1;
    }
    let total: f64 = t.iter().map(Duration::as_secs_f64).sum();
    println!("prep stages, single thread, {n} images, {total:.1} s:");
    for (name, d) in [
        "read",
        "decode + alpha over white",
        "square + INTER_AREA",
        "grey + line extraction",
        "PNG encode x2",
    ]
    .iter()
    .zip(t)
    {
        println!(
            "  {name}: {:.2} s ({:.0}%)",
            d.as_secs_f64(),
            100.0 * d.as_secs_f64() / total
        );
    }
}
