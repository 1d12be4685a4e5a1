//! Shared by the colorize integration tests: the one lock on libtorch's global RNG, tiny
//! synthetic datasets in the `prep` format (line/<id>.png, color/<id>.png, manifest.jsonl),
//! tiny model and training configs, untrained model directories, and running the binary.

use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::{Arc, Mutex, MutexGuard, Once};

use assert_cmd::Command;
use colorize::config::{ModelConfig, TrainConfig};
use colorize::data::{Dataset, Loader};
use colorize::loss::GanMode;
use colorize::model::UnetGenerator;
use colorize::run_dir;
use colorize::train::{self, StepLosses, Trainer};
use data_prep::manifest::{self, Entry, Split, MANIFEST_FILE};
use image::{GrayImage, RgbImage};
use tch::{nn, Device, Kind, Tensor};

/// libtorch has one global random generator, and cargo runs this binary's tests on
/// parallel threads: a test that seeds it or draws from it in this process (building a
/// network, whose default init is random; `Tensor::rand`; dropout; a Trainer, which
/// re-seeds it at every step) holds this guard for its whole body, or one test's draws
/// would change another's (flaky bit-exact checks). Tests that only run the `colorize`
/// binary draw in the child process and need not hold it. A panicking test poisons the
/// mutex; the lock carries on, as what it guards is libtorch's state, not the `()`.
///
/// The first call also gives libtorch one intra-op thread for the rest of the binary: the
/// tests' tiny tensors gain nothing from more, and on a busy machine OpenMP's spinning
/// threads make them up to a hundred times slower. Set before any guarded test body runs,
/// it never changes under a bit-exact comparison.
pub fn rng_lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    static ONE_THREAD: Once = Once::new();
    let guard = LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    ONE_THREAD.call_once(|| tch::set_num_threads(1));
    guard
}

/// A model config of `size` px with `ngf` = `ndf` filters, the rest pix2pix's defaults.
pub fn model_config(size: i64, ngf: i64) -> ModelConfig {
    ModelConfig {
        image_size: size,
        ngf,
        ndf: ngf,
        ..ModelConfig::default()
    }
}

/// Uniform random values in [-1, 1), the range of the networks' inputs (draws from the
/// global RNG: hold [`rng_lock`]).
pub fn rand_pm1(shape: &[i64]) -> Tensor {
    Tensor::rand(shape, (Kind::Float, Device::Cpu)) * 2.0 - 1.0
}

/// The value of a one-element tensor.
pub fn scalar(t: &Tensor) -> f64 {
    t.double_value(&[])
}

/// Writes `n_train + n_val` pairs of `size` px: coloured rectangles on a gradient, and
/// their outlines as black lines on white.
pub fn make_dataset(dir: &Path, size: u32, n_train: usize, n_val: usize) -> PathBuf {
    let pairs = (0..n_train + n_val).map(|i| {
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
        let split = if i < n_train {
            Split::Train
        } else {
            Split::Val
        };
        (id, line, color, split)
    });
    write_pairs(dir, pairs)
}

/// Writes synthetic pairs as `prep` lays them out: `line/<id>.png`, `color/<id>.png` and
/// `manifest.jsonl` listing each with its split. Returns `dir`.
pub fn write_pairs(
    dir: &Path,
    pairs: impl IntoIterator<Item = (String, GrayImage, RgbImage, Split)>,
) -> PathBuf {
    std::fs::create_dir_all(dir.join("line")).unwrap();
    std::fs::create_dir_all(dir.join("color")).unwrap();
    let mut entries = Vec::new();
    for (id, line, color, split) in pairs {
        line.save(dir.join("line").join(format!("{id}.png")))
            .unwrap();
        color
            .save(dir.join("color").join(format!("{id}.png")))
            .unwrap();
        entries.push(manifest_entry(&id, split, line.width()));
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

/// Writes `generator.safetensors` + `config.json` of an untrained generator (32 px, `ngf`
/// filters, seeded pix2pix init) into `dir`, as `colorize export` would lay a model out.
/// Seeds and draws from the global RNG: hold [`rng_lock`].
pub fn make_model(dir: &Path, ngf: i64) -> PathBuf {
    let model = ModelConfig {
        ndf: 4,
        ..model_config(32, ngf)
    };
    make_model_of(dir, model)
}

/// [`make_model`] of any shape (e.g. 64 px, the smallest with dropout layers). Seeds and
/// draws from the global RNG: hold [`rng_lock`].
pub fn make_model_of(dir: &Path, model: ModelConfig) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let _g = UnetGenerator::new(&vs.root(), &model);
    colorize::model::layers::init_weights(&vs);
    colorize::checkpoint::save_generator(&vs, &dir.join("generator.safetensors")).unwrap();
    let mut cfg = TrainConfig::for_mode(GanMode::Vanilla, PathBuf::from("data/x"));
    cfg.model = model;
    std::fs::write(
        dir.join("config.json"),
        serde_json::to_string_pretty(&cfg).unwrap(),
    )
    .unwrap();
    dir.to_path_buf()
}

/// The `colorize` binary, ready for arguments.
pub fn colorize_cmd() -> Command {
    Command::cargo_bin("colorize").unwrap()
}

/// The `colorize` binary with its model search confined to `root`, where there is no
/// model until a test puts one: `$COLORIZE_MODEL` and `$XDG_DATA_HOME` unset, `$HOME` =
/// `root/home`, the project's `models/default` = `root/project/models/default`.
pub fn colorize_confined(root: &Path) -> Command {
    let mut cmd = colorize_cmd();
    cmd.env_remove(run_dir::MODEL_ENV)
        .env_remove("XDG_DATA_HOME")
        .env("HOME", root.join("home"))
        .env(run_dir::PROJECT_DIR_ENV, root.join("project"));
    cmd
}

/// Runs `colorize export MODEL DEST`.
pub fn colorize_export(model: &Path, dest: &Path) -> Output {
    colorize_cmd()
        .arg("export")
        .arg(model)
        .arg(dest)
        .output()
        .unwrap()
}

/// Runs `colorize ARGS`; returns (success, stdout, stderr).
pub fn run_colorize<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> (bool, String, String) {
    let out = colorize_cmd().args(args).output().unwrap();
    (out.status.success(), stdout_of(&out), stderr_of(&out))
}

/// A finished command's standard output, as text.
pub fn stdout_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A finished command's standard error, as text.
pub fn stderr_of(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The write end of a pipe whose reader has already exited, as for `colorize ... | head`
/// once `head` is done: writing to it fails with a broken pipe (EPIPE).
fn closed_pipe() -> std::process::Stdio {
    let mut reader = std::process::Command::new("true")
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let write_end = reader.stdin.take().unwrap();
    reader.wait().unwrap();
    write_end.into()
}

/// Runs `colorize ARGS` with its stdout on a closed pipe.
pub fn colorize_into_closed_pipe<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_colorize"))
        .args(args)
        .stdout(closed_pipe())
        .output()
        .unwrap()
}

/// Exit status 0 and nothing on stderr that looks like a failure.
pub fn assert_quiet_success(out: &Output) {
    let stderr = stderr_of(out);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("error"),
        "{stderr}"
    );
}

/// Runs `n` steps through the loader the loop uses, returning every step's losses.
pub fn run_steps(trainer: &mut Trainer, n: u64) -> Vec<StepLosses> {
    let cfg = trainer.config().clone();
    let data = Arc::new(Dataset::open_all(&cfg.data, Split::Train).unwrap());
    let start = trainer.steps_done() * cfg.batches_per_step();
    let mut loader = Loader::new(data, train::loader_config(&cfg), start).unwrap();
    (0..n)
        .map(|_| {
            let batches: Vec<_> = (0..cfg.batches_per_step())
                .map(|_| loader.next_batch().unwrap())
                .collect();
            trainer.step(&batches).unwrap()
        })
        .collect()
}
