//! Training-speed benchmark, Rust side: `Trainer::step` (the code `colorize train` runs:
//! D on a detached fake, then G with GAN + 100 * L1, Adam 2e-4 (0.5, 0.999)) on random
//! tensors, the same work as `bench/train/pytorch_train.py`. Run both with
//! `bench/train/run.sh`.
//!
//! Prints one JSON line on stdout: images/s over the timed steps and peak RSS (VmHWM).
//!     cargo run --release --example train_bench -- --batch 1 --threads 2 --warmup 2 --steps 5

mod common;

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Context, Result};
use colorize::config::TrainConfig;
use colorize::data::Batch;
use colorize::loss::GanMode;
use colorize::model::layers::count_parameters;
use colorize::train::Trainer;
use common::cpu_seconds;
use tch::{Device, Kind, Tensor};

struct Args {
    size: i64,
    batch: i64,
    ngf: i64,
    ndf: i64,
    threads: i32,
    warmup: usize,
    steps: usize,
    amp: bool,
}

fn parse_args() -> Result<Args> {
    let mut a = Args {
        size: 128,
        batch: 1,
        ngf: 64,
        ndf: 64,
        threads: 2,
        warmup: 2,
        steps: 5,
        amp: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let bad = || format!("bad value for {flag}: {value}");
        match flag.as_str() {
            "--size" => a.size = value.parse().with_context(bad)?,
            "--batch" => a.batch = value.parse().with_context(bad)?,
            "--ngf" => a.ngf = value.parse().with_context(bad)?,
            "--ndf" => a.ndf = value.parse().with_context(bad)?,
            "--threads" => a.threads = value.parse().with_context(bad)?,
            "--warmup" => a.warmup = value.parse().with_context(bad)?,
            "--steps" => a.steps = value.parse().with_context(bad)?,
            "--amp" => a.amp = value == "1",
            _ => bail!("unknown flag {flag}"),
        }
    }
    Ok(a)
}

/// Peak resident set size of this process in MiB (Linux `VmHWM`).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<()> {
    // As the `colorize` binary does (src/main.rs).
    colorize::memory::keep_freed_memory();
    let a = parse_args()?;
    tch::set_num_threads(a.threads);
    let mut cfg = TrainConfig::for_mode(GanMode::Vanilla, PathBuf::from("unused"));
    cfg.model.image_size = a.size;
    cfg.model.ngf = a.ngf;
    cfg.model.ndf = a.ndf;
    // The plain 1-channel network, as the PyTorch pix2pix baseline it is compared with.
    cfg.model.in_channels = colorize::config::PLAIN_CHANNELS;
    cfg.model.hint_spread = 0;
    cfg.load_size = a.size as u32;
    cfg.batch_size = a.batch as usize;
    cfg.steps = (a.warmup + a.steps) as u64;
    cfg.decay_steps = 0;
    cfg.amp = a.amp;
    let mut trainer = Trainer::new(cfg, Device::Cpu)?;
    let opts = (Kind::Float, Device::Cpu);
    let batch = Batch {
        input: Tensor::rand([a.batch, 1, a.size, a.size], opts) * 2.0 - 1.0,
        color: Tensor::rand([a.batch, 3, a.size, a.size], opts) * 2.0 - 1.0,
    };
    let batches = [batch];
    for _ in 0..a.warmup {
        trainer.step(&batches)?;
    }
    let cpu0 = cpu_seconds();
    let t0 = Instant::now();
    let mut last = None;
    for _ in 0..a.steps {
        last = Some(trainer.step(&batches)?);
    }
    let secs = t0.elapsed().as_secs_f64();
    let cpu = cpu_seconds()
        .zip(cpu0)
        .map(|(b, a)| ((b - a) * 100.0).round() / 100.0);
    let last = last.unwrap_or_default();
    let json = serde_json::json!({
        "impl": "rust",
        "torch": colorize::device::RuntimeInfo::collect().torch_build_version,
        "size": a.size,
        "batch": a.batch,
        "ngf": a.ngf,
        "ndf": a.ndf,
        "amp": a.amp,
        "threads": tch::get_num_threads(),
        "steps": a.steps,
        "seconds": (secs * 1000.0).round() / 1000.0,
        "cpu_seconds": cpu,
        "imgs_per_s": ((a.batch as f64 * a.steps as f64 / secs) * 1000.0).round() / 1000.0,
        "peak_rss_mb": peak_rss_mib().map(|m| (m * 10.0).round() / 10.0),
        "g_params": count_parameters(trainer.generator_vars()),
        "d_params": count_parameters(trainer.discriminator_vars()),
        "last_losses": [0.5 * (last.d_real + last.d_fake), last.g_gan + 100.0 * last.g_l1],
    });
    println!("{json}");
    Ok(())
}
