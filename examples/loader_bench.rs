//! Training data loader throughput (decode, augment, simulate and spread hints, stack) on
//! the prepared datasets, without any network: how many images/s the CPU can feed a GPU.
//! The loader is configured as `colorize train` configures it (`train::loader_config` of a
//! default hint run), at batch 32 and THREADS decoding threads.
//!
//! `cargo run --release --example loader_bench -- THREADS BATCHES DATASET[:W]...`
//! `SCALE_MAX=256 ROUGH=0.3` (environment) set `train --scale-max` and `--rough`, as the
//! default model's recipe (`scripts/train-default.sh`) does.
use std::sync::Arc;
use std::time::Instant;

use colorize::config::{DataSource, TrainConfig};
use colorize::data::{Dataset, Loader};
use colorize::loss::GanMode;
use colorize::train;
use data_prep::manifest::Split;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads: usize = args.first().map_or(Ok(1), |s| s.parse())?;
    let batches: u64 = args.get(1).map_or(Ok(50), |s| s.parse())?;
    let sources = args[2..]
        .iter()
        .map(|a| DataSource::parse(a).map_err(anyhow::Error::msg))
        .collect::<anyhow::Result<Vec<_>>>()?;
    let data = Arc::new(Dataset::open_all(&sources, Split::Train)?);
    let mut cfg = TrainConfig::for_mode(GanMode::Vanilla, "unused".into());
    cfg.batch_size = 32;
    cfg.loader_threads = threads;
    if let Ok(v) = std::env::var("SCALE_MAX") {
        cfg.scale_max = v.parse()?;
    }
    if let Ok(v) = std::env::var("ROUGH") {
        cfg.rough = v.parse()?;
    }
    let mut loader = Loader::new(data, train::loader_config(&cfg), 0)?;
    loader.next_batch()?;
    let t = Instant::now();
    for _ in 0..batches {
        loader.next_batch()?;
    }
    let s = t.elapsed().as_secs_f64();
    let images = (batches * 32) as f64;
    println!(
        "{threads} threads, scale_max {}, rough {}: {:.0} images/s ({:.2} ms per image per thread)",
        cfg.scale_max,
        cfg.rough,
        images / s,
        s * 1e3 * threads as f64 / images
    );
    Ok(())
}
