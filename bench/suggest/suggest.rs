//! `cargo bench --bench suggest`: how long `colorize::suggest::suggest` takes for a 512 px
//! sketch with the shipped model (`models/default`), wall-clock p50 and p90 of repeated
//! runs (issue 25's goal: at most 300 ms p50 on this CPU, so the page can refresh the
//! suggestions after every stroke). Each method, and the parts of the default one: the
//! areas (`Regions::compute`) and the network's dropout samples. Sketches: the first
//! OpenMoji black outlines of `data/openmoji-512` when present, and a synthetic page.
//! libtorch uses its default thread count (printed).

use std::path::Path;
use std::time::Instant;

use colorize::infer::{Colorizer, InferOptions};
use colorize::regions::{RegionOptions, Regions};
use colorize::suggest::{suggest, Method, SuggestOptions, DEFAULT_SAMPLES};
use image::{GrayImage, Luma};
use tch::Device;

/// Runs of each timing (after one warm-up run).
const RUNS: usize = 25;

/// A 512 x 512 page: a grid of outlined circles and squares, 3 px lines (the areas count is
/// printed).
fn synthetic() -> GrayImage {
    GrayImage::from_fn(512, 512, |x, y| {
        let (cx, cy) = (x % 85, y % 85);
        let (dx, dy) = (cx as f64 - 42.0, cy as f64 - 42.0);
        let ink = if (x / 85 + y / 85) % 2 == 0 {
            ((dx * dx + dy * dy).sqrt() - 34.0).abs() < 1.5
        } else {
            (dx.abs().max(dy.abs()) - 32.0).abs() < 1.5
        };
        Luma([if ink { 0 } else { 255 }])
    })
}

/// Wall-clock p50 and p90 in ms of `f` over [`RUNS`] runs, after a warm-up.
fn percentiles(mut f: impl FnMut()) -> (f64, f64) {
    f();
    let mut ms: Vec<f64> = (0..RUNS)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    (ms[RUNS / 2], ms[RUNS * 9 / 10])
}

fn main() {
    colorize::memory::keep_freed_memory();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let colorizer = Colorizer::load_for(&root.join("models/default"), Device::Cpu, false, None)
        .expect("models/default loads");
    let mut sketches = vec![("synthetic page".to_string(), synthetic())];
    let dir = root.join("data/openmoji-512/line");
    if let Ok(entries) = std::fs::read_dir(&dir) {
        let mut files: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        files.sort();
        for f in files.into_iter().take(4) {
            if let Ok(img) = image::open(&f) {
                let name = format!("OpenMoji {}", f.file_stem().unwrap().to_string_lossy());
                sketches.push((name, img.to_luma8()));
            }
        }
    }
    println!(
        "suggest, 512 px sketches, models/default, {} libtorch threads, {RUNS} runs: wall ms p50 / p90",
        tch::get_num_threads()
    );
    println!(
        "{:<22} {:>6} {:>16} {:>16} {:>16} {:>16} {:>16}",
        "sketch", "areas", "dropout (8)", "spread", "largest", "areas alone", "8 samples alone"
    );
    for (name, gray) in &sketches {
        let regions = Regions::compute(gray, &RegionOptions::default());
        let time = |method| {
            let opts = SuggestOptions {
                method,
                ..Default::default()
            };
            percentiles(|| {
                std::hint::black_box(suggest(&colorizer, gray, None, &opts).unwrap());
            })
        };
        let areas = percentiles(|| {
            std::hint::black_box(Regions::compute(gray, &RegionOptions::default()));
        });
        let canvas = colorizer.canvas(gray, &InferOptions::default());
        let samples = percentiles(|| {
            std::hint::black_box(
                colorizer
                    .run_canvas_samples(&canvas, None, DEFAULT_SAMPLES, 0)
                    .unwrap(),
            );
        });
        let cell = |(p50, p90): (f64, f64)| format!("{p50:.1} / {p90:.1}");
        println!(
            "{:<22} {:>6} {:>16} {:>16} {:>16} {:>16} {:>16}",
            name,
            regions.areas().len(),
            cell(time(Method::Dropout)),
            cell(time(Method::Spread)),
            cell(time(Method::Largest)),
            cell(areas),
            cell(samples)
        );
    }
}
