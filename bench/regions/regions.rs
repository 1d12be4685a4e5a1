//! `cargo bench --bench regions`: how long `Regions::compute` takes on one core, median of
//! repeated runs, for a synthetic 1024 x 1024 drawing with many closed shapes (and at
//! 2048 x 2048), and for real outline drawings rendered at 1024 px when `data/` has them
//! (OpenMoji black, EmojiOne line art); then the `flat` finish on those areas, and both one
//! after the other (issue 23's goal: at most 30 ms for 1024 x 1024). Also times
//! `neighbours(2)` and `nearest_labels()`. CPU milliseconds of this thread (median).
//! The areas code is single-threaded; nothing here starts a thread pool.

use std::path::Path;
use std::time::Instant;

use colorize::regions::{RegionOptions, Regions};
use colorize::style::{self, Style};
use data_prep::load::{load_gray, LoadLimits};
use image::{GrayImage, Luma, Rgb, RgbImage};

/// Runs of each timing; the median is printed.
const RUNS: usize = 15;

/// A `size` x `size` page of circles and squares outlined 2 px wide on a 64 px grid, some
/// with a one-pixel break, so every stage (closing, growth, merging) has work.
fn synthetic(size: u32) -> GrayImage {
    GrayImage::from_fn(size, size, |x, y| {
        let (cx, cy) = (x % 64, y % 64);
        let (cell_x, cell_y) = (x / 64, y / 64);
        let (dx, dy) = (cx as f64 - 32.0, cy as f64 - 32.0);
        let ink = if (cell_x + cell_y) % 2 == 0 {
            let r = (dx * dx + dy * dy).sqrt();
            (r - 24.0).abs() < 1.0 && !(cx == 56 && (cell_x % 3 == 0))
        } else {
            let m = dx.abs().max(dy.abs());
            (m - 20.0).abs() < 1.0 || (m - 8.0).abs() < 1.0
        };
        Luma([if ink { 0 } else { 255 }])
    })
}

/// This thread's CPU time in ms: on a shared machine, the time the work itself took on a
/// core, whatever else runs (wall time is printed too).
fn thread_cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec into the valid struct it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Median wall and thread-CPU milliseconds of `f` over [`RUNS`] runs.
fn median_ms(mut f: impl FnMut()) -> (f64, f64) {
    let (mut wall, mut cpu): (Vec<f64>, Vec<f64>) = (0..RUNS)
        .map(|_| {
            let (start, cpu0) = (Instant::now(), thread_cpu_ms());
            f();
            (start.elapsed().as_secs_f64() * 1e3, thread_cpu_ms() - cpu0)
        })
        .unzip();
    wall.sort_by(f64::total_cmp);
    cpu.sort_by(f64::total_cmp);
    (wall[RUNS / 2], cpu[RUNS / 2])
}

/// A smooth stand-in for the network's colour at the sketch's size (the finish reads it
/// only through area medians, so its content hardly changes the timing).
fn network_colour(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let f = |v: u32, p: u32| (128.0 + 100.0 * ((v as f32) / p as f32).sin()) as u8;
        Rgb([f(x, 97), f(y, 131), f(x + y, 173)])
    })
}

fn report(name: &str, gray: &GrayImage) {
    let opts = RegionOptions::default();
    let regions = Regions::compute(gray, &opts);
    let colour = network_colour(gray.width(), gray.height());
    let compute = median_ms(|| {
        std::hint::black_box(Regions::compute(gray, &opts));
    });
    let flat = median_ms(|| {
        std::hint::black_box(style::finish(
            Style::Flat,
            gray,
            &colour,
            Some(&regions),
            None,
        ));
    });
    // The goal's figure: areas found and the flat finish made, one after the other.
    let both = median_ms(|| {
        let regions = Regions::compute(gray, &opts);
        std::hint::black_box(style::finish(
            Style::Flat,
            gray,
            &colour,
            Some(&regions),
            None,
        ));
    });
    let neighbours = median_ms(|| {
        std::hint::black_box(regions.neighbours(2));
    });
    let nearest = median_ms(|| {
        std::hint::black_box(regions.nearest_labels());
    });
    println!(
        "{name:<32} {:>4}x{:<4} {:>5} areas  compute {:6.1} ms  flat finish {:6.1}  areas+flat {:6.1} (wall {:6.1})  neighbours(2) {:5.1}  nearest_labels {:5.1}",
        gray.width(),
        gray.height(),
        regions.areas().len(),
        compute.1,
        flat.1,
        both.1,
        both.0,
        neighbours.1,
        nearest.1
    );
}

fn main() {
    // As the `colorize` binary does at start-up: freed memory stays in the process, so each
    // run reuses the last one's pages instead of faulting in fresh zeroed ones.
    colorize::memory::keep_freed_memory();
    report("synthetic shapes", &synthetic(1024));
    report("synthetic shapes", &synthetic(2048));
    let limits = LoadLimits {
        svg_long_side: Some(1024),
        ..LoadLimits::default()
    };
    for (name, path) in [
        (
            "openmoji black: 1F431 cat face",
            "data/openmoji/black/svg/1F431.svg",
        ),
        (
            "openmoji black: 1F3E0 house",
            "data/openmoji/black/svg/1F3E0.svg",
        ),
        ("emojione line: cat-face", "data/emojione/line/cat-face.svg"),
    ] {
        match load_gray(Path::new(path), &limits) {
            Ok(gray) => report(name, &gray),
            Err(e) => println!("{name:<34} skipped: {e}"),
        }
    }
}
