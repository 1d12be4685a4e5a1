//! Training data loader throughput (decode, augment, simulate and spread hints, stack) on
//! the prepared datasets, without any network: how many images/s the CPU can feed a GPU.
//!
//! `cargo run --release --example loader_bench -- THREADS BATCHES DATASET...`
use std::sync::Arc;
use std::time::Instant;

use colorize::config::{DataSource, HintSimConfig};
use colorize::data::{Augment, Dataset, Loader, LoaderConfig};
use data_prep::manifest::Split;

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let threads: usize = args.first().map_or(Ok(1), |s| s.parse())?;
    let batches: u64 = args.get(1).map_or(Ok(50), |s| s.parse())?;
    let sources: Vec<DataSource> = args[2..].iter().map(DataSource::new).collect();
    let data = Arc::new(Dataset::open_all(&sources, Split::Train)?);
    let cfg = LoaderConfig {
        batch_size: 32,
        aug: Augment {
            size: 128,
            load_size: 143,
            flip: true,
        },
        seed: 0,
        hints: Some(HintSimConfig::default()),
        hint_spread: 16,
        threads,
        prefetch: 4,
    };
    let mut loader = Loader::new(data, cfg, 0)?;
    loader.next_batch()?;
    let t = Instant::now();
    for _ in 0..batches {
        loader.next_batch()?;
    }
    let s = t.elapsed().as_secs_f64();
    println!(
        "{threads} threads: {:.0} images/s ({:.2} ms per image per thread)",
        (batches * 32) as f64 / s,
        s * 1e3 * threads as f64 / (batches * 32) as f64
    );
    Ok(())
}
