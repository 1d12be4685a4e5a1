//! What the `flat` and `shaded` finishes cost on one core, next to finding the areas they
//! need: a synthetic S x S sketch (a 2-px grid of lines every 40 px, circles inside every
//! other cell, a solid block per 8 cells: about S²/1600 * 1.5 areas) under a smooth
//! synthetic network colour, the median of R runs each of `Regions::compute`,
//! `Regions::nearest_labels` (part of the finish) and `style::finish` in each style.
//!     cargo run --example style_bench -- [S] [R]      (defaults 1024 and 11)

use std::time::Instant;

use colorize::regions::{RegionOptions, Regions};
use colorize::style::{self, Style};
use image::{GrayImage, Luma, Rgb, RgbImage};

fn main() {
    // As the `colorize` binary does at start-up (`memory::keep_freed_memory`).
    colorize::memory::keep_freed_memory();
    let mut args = std::env::args().skip(1);
    let s: u32 = args.next().map_or(1024, |a| a.parse().expect("size"));
    let reps: usize = args.next().map_or(11, |a| a.parse().expect("runs"));
    let gray = GrayImage::from_fn(s, s, |x, y| {
        let (cx, cy) = (x % 40, y % 40);
        let grid = cx < 2 || cy < 2;
        let (dx, dy) = (cx as f32 - 21.0, cy as f32 - 21.0);
        let cell = (x / 40 + y / 40 * 97) % 8;
        let ring = cell % 2 == 0 && ((dx * dx + dy * dy).sqrt() - 11.0).abs() < 1.0;
        let block = cell == 3 && (14..28).contains(&cx) && (14..28).contains(&cy);
        Luma([if grid || ring || block { 0 } else { 255 }])
    });
    let colour = RgbImage::from_fn(s, s, |x, y| {
        let f = |v: u32, p: u32| (128.0 + 100.0 * ((v as f32) / p as f32).sin()) as u8;
        Rgb([f(x, 97), f(y, 131), f(x + y, 173)])
    });
    let opts = RegionOptions::default();
    let regions = Regions::compute(&gray, &opts);
    println!(
        "{s}x{s} sketch, {} areas, median of {reps} runs, one thread:",
        regions.areas().len()
    );
    report("Regions::compute", reps, || {
        Regions::compute(&gray, &opts);
    });
    report("Regions::nearest_labels", reps, || {
        regions.nearest_labels();
    });
    report("Regions::neighbours(2)", reps, || {
        regions.neighbours(2);
    });
    for st in Style::ALL {
        report(&format!("style::finish {st}"), reps, || {
            style::finish(st, &gray, &colour, Some(&regions), None);
        });
    }
}

fn report(what: &str, reps: usize, mut f: impl FnMut()) {
    let mut ms: Vec<f64> = (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    println!("  {what:<28} {:7.2} ms (min {:.2})", ms[reps / 2], ms[0]);
}
