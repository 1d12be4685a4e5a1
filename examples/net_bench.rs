//! The generator's forward pass alone, as `colorize infer` runs it (eval mode, no autograd,
//! batch 1): the pix2pix U-Net for 128 px, ngf 64, in a process doing nothing else, after
//! a warm-up call — the measurement bench/infer/pytorch_infer.py makes for PyTorch.
//! Inside `colorize infer DIR` the decoder and the writer thread share the cores with the
//! network; this leaves them out.
//!     cargo run --release --example net_bench -- [--samples] [threads] [reps] [sizes...]
//! Prints the median and minimum wall milliseconds per size, or with `--samples` every
//! timing as a line `SIZE MS` (bench/infer/run.sh reads those). Sizes must be multiples of
//! 128 (the U-Net's 7 levels).

use std::time::Instant;

use colorize::config::ModelConfig;
use colorize::model::generator::UnetGenerator;
use colorize::model::layers::init_weights;
use tch::{nn, Device, Kind, Tensor};

fn main() {
    let mut args = std::env::args().skip(1).peekable();
    let samples = args.next_if(|a| a == "--samples").is_some();
    let threads: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut sizes: Vec<i64> = args.filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![128, 512];
    }
    tch::set_num_threads(threads);
    tch::manual_seed(0);
    let vs = nn::VarStore::new(Device::Cpu);
    let g = UnetGenerator::new(&vs.root(), &ModelConfig::default());
    init_weights(&vs);
    for size in sizes {
        let x = Tensor::rand([1, 1, size, size], (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
        let mut ms: Vec<f64> = tch::no_grad(|| {
            let _ = g.forward_t(&x, false); // warm-up: oneDNN's first-call set-up
            (0..reps)
                .map(|_| {
                    let t = Instant::now();
                    let y = g.forward_t(&x, false);
                    assert_eq!(y.size(), [1, 3, size, size]);
                    t.elapsed().as_secs_f64() * 1e3
                })
                .collect()
        });
        if samples {
            ms.iter().for_each(|t| println!("{size} {t:.3}"));
        } else {
            ms.sort_by(f64::total_cmp);
            println!(
                "{size}x{size}, {threads} threads: median {:.1} ms, min {:.1} ms ({reps} reps)",
                ms[ms.len() / 2],
                ms[0]
            );
        }
    }
}
