//! Shared by the colorize integration tests: tiny synthetic datasets in the `prep` format
//! (line/<id>.png, color/<id>.png, manifest.jsonl), tiny training configs, and running the
//! binary with its stdout on a closed pipe.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use colorize::config::TrainConfig;
use colorize::loss::GanMode;
use data_prep::manifest::{self, Entry, Split, MANIFEST_FILE};
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
    let mut entries = Vec::new();
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
        let split = if i < n_train {
            Split::Train
        } else {
            Split::Val
        };
        entries.push(manifest_entry(&id, split, size));
    }
    manifest::write(&dir.join(MANIFEST_FILE), &entries).unwrap();
    dir.to_path_buf()
}

/// The manifest entry `prep` would write for a synthetic pair `line/<id>.png`,
/// `color/<id>.png` of `size` px.
pub fn manifest_entry(id: &str, split: Split, size: u32) -> Entry {
    Entry {
        id: id.into(),
        split,
        line: format!("line/{id}.png"),
        color: format!("color/{id}.png"),
        source: format!("synthetic/{id}.png"),
        lines_source: None,
        method: "synthetic".into(),
        size,
        settings: "synthetic".into(),
        source_stamp: "?".into(),
        split_key: "0".into(),
    }
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

/// The write end of a pipe whose reader has already exited, as for `colorize ... | head`
/// once `head` is done: writing to it fails with a broken pipe (EPIPE).
pub fn closed_pipe() -> std::process::Stdio {
    let mut reader = std::process::Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    write_end.into()
}

/// Runs `colorize ARGS` with its stdout on a closed pipe.
pub fn colorize_into_closed_pipe<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_colorize"))
        .args(args)
        .stdout(closed_pipe())
        .output()
        .unwrap()
}

/// Exit status 0 and nothing on stderr that looks like a failure.
pub fn assert_quiet_success(out: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}
