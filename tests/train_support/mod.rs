//! Shared by tests/train.rs and tests/summary.rs: tiny synthetic datasets in the `prep`
//! format (line/<id>.png, color/<id>.png, manifest.jsonl) and tiny training configs.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use colorize::config::TrainConfig;
use colorize::loss::GanMode;
use image::{GrayImage, RgbImage};

/// libtorch has one global random generator, which the Trainer re-seeds at every step, and
/// cargo runs a file's tests on parallel threads: tests that draw from it in this process
/// hold this lock, or one test's draws would change another's (flaky bit-exact checks).
pub fn libtorch_rng() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Writes `n_train + n_val` pairs of `size` px: coloured rectangles on a gradient, and
/// their outlines as black lines on white.
pub fn make_dataset(dir: &Path, size: u32, n_train: usize, n_val: usize) -> PathBuf {
    std::fs::create_dir_all(dir.join("line")).unwrap();
    std::fs::create_dir_all(dir.join("color")).unwrap();
    let mut manifest = String::new();
    for i in 0..n_train + n_val {
        let id = format!("pair{i:03}");
        let (x0, y0) = (
            2 + (i as u32 * 5) % (size / 2),
            3 + (i as u32 * 7) % (size / 2),
        );
        let (x1, y1) = (x0 + size / 3, y0 + size / 3);
        let inside = |x: u32, y: u32| (x0..=x1).contains(&x) && (y0..=y1).contains(&y);
        let edge = |x: u32, y: u32| inside(x, y) && (x == x0 || x == x1 || y == y0 || y == y1);
        let color = RgbImage::from_fn(size, size, |x, y| {
            if edge(x, y) {
                image::Rgb([20, 20, 20])
            } else if inside(x, y) {
                image::Rgb([
                    (200 - (i * 40) % 160) as u8,
                    (60 + (i * 50) % 150) as u8,
                    40,
                ])
            } else {
                image::Rgb([(x * 255 / size) as u8, 180, (y * 255 / size) as u8])
            }
        });
        let line = GrayImage::from_fn(size, size, |x, y| {
            image::Luma([if edge(x, y) { 0 } else { 255 }])
        });
        color
            .save(dir.join("color").join(format!("{id}.png")))
            .unwrap();
        line.save(dir.join("line").join(format!("{id}.png")))
            .unwrap();
        let split = if i < n_train { "train" } else { "val" };
        manifest.push_str(&format!(
            "{{\"id\":\"{id}\",\"split\":\"{split}\",\"source\":\"synthetic/{id}.png\",\"method\":\"synthetic\"}}\n"
        ));
    }
    std::fs::write(dir.join("manifest.jsonl"), manifest).unwrap();
    dir.to_path_buf()
}

/// A config small enough for CPU tests: 32 px, ngf/ndf 8, batch 2, no periodic side work.
pub fn tiny_config(mode: GanMode, data: &Path, steps: u64) -> TrainConfig {
    // Tiny tensors gain nothing from intra-op threads, and on a busy machine OpenMP's
    // spinning threads make them many times slower.
    tch::set_num_threads(1);
    let mut c = TrainConfig::for_mode(mode, data.to_path_buf());
    c.model.image_size = 32;
    c.model.ngf = 8;
    c.model.ndf = 8;
    c.load_size = 32;
    c.batch_size = 2;
    c.steps = steps;
    c.decay_steps = steps / 2;
    c.seed = 7;
    c.save_every = 1000;
    c.log_every = 1;
    c.sample_every = 1000;
    c.val_every = 1000;
    c.num_samples = 2;
    c.val_pairs = 2;
    c.loader_threads = 2;
    c
}
