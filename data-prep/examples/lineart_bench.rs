//! Scores each line-extraction method and order (`--extract-at source|target`) against real,
//! human-drawn OpenMoji line art, to choose `prep`'s default by measurement.
//!
//! Run after `scripts/fetch-openmoji.sh`:
//!     cargo run --release -p data-prep --example lineart_bench -- [OPENMOJI_DIR] [EVERY_NTH]
//! For each pair, the colour SVG and its black line-art SVG are rasterised at 512 px on white,
//! padded square and reduced to 128 px with INTER_AREA (the reference). Each method turns the
//! colour image into line art either at the source resolution (then INTER_AREA to 128) or at
//! 128 px. Scores: ink IoU (pixels < 128 in both / in either) and mean |difference| in grey
//! levels, averaged over the pairs. Pairs whose reference has no ink inside its outline (flags) are left
//! out, as `prep` skips them.

use std::path::PathBuf;

use data_prep::geometry::pad_to_square;
use data_prep::gray::to_gray;
use data_prep::lineart::{extract, inner_ink_fraction, LineMethod, Xdog};
use data_prep::load::{load_rgb, LoadLimits};
use data_prep::resize::{resize_area_gray, resize_area_rgb};
use image::{GrayImage, Luma, Rgb};
use rayon::prelude::*;

const SIZE: u32 = 128;
const SOURCE: u32 = 512;

fn scores(pred: &GrayImage, reference: &GrayImage) -> (f64, f64) {
    let (mut inter, mut union, mut abs) = (0u64, 0u64, 0u64);
    for (&p, &r) in pred.as_raw().iter().zip(reference.as_raw()) {
        let (a, b) = (p < 128, r < 128);
        inter += (a && b) as u64;
        union += (a || b) as u64;
        abs += p.abs_diff(r) as u64;
    }
    let iou = if union == 0 {
        1.0
    } else {
        inter as f64 / union as f64
    };
    (iou, abs as f64 / pred.as_raw().len() as f64)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let root = PathBuf::from(args.get(1).map(String::as_str).unwrap_or("data/openmoji"));
    let every: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("color/svg"))
        .expect("run scripts/fetch-openmoji.sh first")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    files.sort();
    let files: Vec<PathBuf> = files.into_iter().step_by(every).collect();
    let limits = LoadLimits {
        svg_long_side: Some(SOURCE),
        ..LoadLimits::default()
    };

    let x = |sigma: f32, k: f32, eps: f32, phi: f32| {
        LineMethod::Xdog(Xdog {
            sigma,
            k,
            tau: 0.98,
            eps,
            phi,
        })
    };
    // (label, method, at source?)
    // At the source (512 px) the parameters are given both as-is and scaled by 512/128, which
    // is what `prep --extract-at source` does with its (output-pixel) parameters.
    let variants: Vec<(String, LineMethod, bool)> = vec![
        (
            "dilate k3 (article)".into(),
            LineMethod::Dilate { kernel: 3 },
            true,
        ),
        (
            "dilate k5 -> k20 (prep scaling)".into(),
            LineMethod::Dilate { kernel: 20 },
            true,
        ),
        ("xdog s0.7 unscaled".into(), x(0.7, 1.6, 0.0, 200.0), true),
        (
            "xdog s0.7 -> s2.8 (prep scaling)".into(),
            x(2.8, 1.6, 0.0, 200.0),
            true,
        ),
        ("dilate k3".into(), LineMethod::Dilate { kernel: 3 }, false),
        (
            "dilate k5 (prep default)".into(),
            LineMethod::Dilate { kernel: 5 },
            false,
        ),
        ("xdog s0.5".into(), x(0.5, 1.6, 0.0, 200.0), false),
        (
            "xdog s0.7 (prep default)".into(),
            x(0.7, 1.6, 0.0, 200.0),
            false,
        ),
        ("xdog s1.0".into(), x(1.0, 1.6, 0.0, 200.0), false),
        (
            "xdog s0.7 eps -0.01".into(),
            x(0.7, 1.6, -0.01, 200.0),
            false,
        ),
        ("xdog s0.7 eps 0.01".into(), x(0.7, 1.6, 0.01, 200.0), false),
        ("xdog s0.7 phi 50".into(), x(0.7, 1.6, 0.0, 50.0), false),
        ("xdog s0.7 k 3".into(), x(0.7, 3.0, 0.0, 200.0), false),
    ];

    let per_image: Vec<Vec<(f64, f64)>> = files
        .par_iter()
        .filter_map(|color_path| {
            let line_path = root.join("black/svg").join(color_path.file_name()?);
            let color = pad_to_square(&load_rgb(color_path, &limits).ok()?, Rgb([255, 255, 255]));
            let line = pad_to_square(&to_gray(&load_rgb(&line_path, &limits).ok()?), Luma([255]));
            let reference = resize_area_gray(&line, SIZE, SIZE);
            if inner_ink_fraction(&reference, 128, 4) < 0.001 {
                return None;
            }
            let small = resize_area_rgb(&color, SIZE, SIZE);
            let (g_src, g_dst) = (to_gray(&color), to_gray(&small));
            Some(
                variants
                    .iter()
                    .map(|(_, m, at_source)| {
                        let pred = if *at_source {
                            resize_area_gray(&extract(&g_src, m), SIZE, SIZE)
                        } else {
                            extract(&g_dst, m)
                        };
                        scores(&pred, &reference)
                    })
                    .collect(),
            )
        })
        .collect();

    let n = per_image.len() as f64;
    println!(
        "OpenMoji pairs scored: {} (every {every}th colour SVG, line art without inner ink (flags) left out)",
        per_image.len()
    );
    println!("| method | extract at | ink IoU | mean abs diff |");
    println!("|---|---|---|---|");
    for (i, (label, _, at_source)) in variants.iter().enumerate() {
        let iou = per_image.iter().map(|s| s[i].0).sum::<f64>() / n;
        let mad = per_image.iter().map(|s| s[i].1).sum::<f64>() / n;
        let at = if *at_source {
            "source (512)"
        } else {
            "target (128)"
        };
        println!("| {label} | {at} | {iou:.3} | {mad:.1} |");
    }
}
