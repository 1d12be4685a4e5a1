//! What folding BatchNorm into the convolutions buys `colorize infer`: the pix2pix U-Net
//! generator (128 px model, ngf 64) in eval mode, `forward_t(x, false)` against the folded
//! network `colorize infer` runs, alternating in one process, no autograd, batch 1.
//! Median wall milliseconds per forward pass at each input size; with `--samples` first,
//! every timing as a line `eval|folded SIZE MS` instead (bench/infer/run.sh reads those).
//!     cargo run --release --example fold_bench -- [--samples] [threads] [reps] [sizes...]

use std::time::Instant;

use colorize::config::ModelConfig;
use colorize::model::generator::UnetGenerator;
use colorize::model::layers::init_weights;
use tch::{nn, Device, Kind, Tensor};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn time_ms(f: impl FnOnce() -> Tensor) -> f64 {
    let t = Instant::now();
    let y = f();
    let _ = y.sum(Kind::Float).double_value(&[]); // make sure the work is done
    t.elapsed().as_secs_f64() * 1e3
}

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
    let folded = g.fold_batch_norm();
    if !samples {
        println!("{threads} threads, {reps} reps per size, alternating; median ms per forward");
        println!("| input | eval mode (BatchNorm) | folded | folded / eval |");
        println!("|---|---|---|---|");
    }
    for size in sizes {
        let x = Tensor::rand([1, 1, size, size], (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
        let (mut plain, mut fold) = (Vec::new(), Vec::new());
        tch::no_grad(|| {
            // One warm-up pass each, then alternate so both see the same background load.
            let _ = g.forward_t(&x, false);
            let _ = folded.forward(&x);
            for _ in 0..reps {
                plain.push(time_ms(|| g.forward_t(&x, false)));
                fold.push(time_ms(|| folded.forward(&x)));
            }
        });
        if samples {
            for (p, f) in plain.iter().zip(&fold) {
                println!("eval {size} {p:.3}\nfolded {size} {f:.3}");
            }
            continue;
        }
        let (p, f) = (median(plain), median(fold));
        println!("| {size}x{size} | {p:.1} | {f:.1} | {:.2}x |", f / p);
    }
}
