//! Cost of one Adam update of the pix2pix U-Net generator (128 px, ngf 64, 41.8 M
//! parameters): colorize's default fused kernel against its per-tensor path, alternating,
//! in one process. Random gradients; wall and CPU milliseconds per update.
//!     cargo run --release --example adam_bench -- [threads] [updates]
//! bench/train/adam_micro.py measures `torch.optim.Adam` both ways for comparison.

mod common;

use std::time::Instant;

use colorize::config::ModelConfig;
use colorize::model::generator::UnetGenerator;
use colorize::optim::{Adam, Optimizer};
use tch::{nn, Device, Tensor};

/// CPU seconds so far; 0 where `/proc` cannot be read (the CPU column then shows 0).
fn cpu_seconds() -> f64 {
    common::cpu_seconds().unwrap_or(0.0)
}

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let updates: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    tch::set_num_threads(threads);
    let vs = nn::VarStore::new(Device::Cpu);
    let _g = UnetGenerator::new(&vs.root(), &ModelConfig::default());
    let mut opt = Adam::new(&vs, 0.5, 0.999, 1e-8, 0.0);
    let grads: Vec<Tensor> = opt
        .variables()
        .iter()
        .map(|(_, v)| v.randn_like())
        .collect();
    let params: i64 = opt.variables().iter().map(|(_, v)| v.numel() as i64).sum();
    println!("{params} parameters, {threads} threads, {updates} updates per round");
    println!("| round | fused ms (wall / CPU) | per-tensor ms (wall / CPU) | speed-up |");
    println!("|---|---|---|---|");
    for round in 1..=3 {
        let mut cells = [(0.0, 0.0); 2];
        for (k, fused) in [true, false].into_iter().enumerate() {
            opt.fused = fused;
            opt.step_with_grads(&grads, 2e-4); // warm-up
            let (t, c) = (Instant::now(), cpu_seconds());
            for _ in 0..updates {
                opt.step_with_grads(&grads, 2e-4);
            }
            let n = updates as f64;
            cells[k] = (
                t.elapsed().as_secs_f64() * 1000.0 / n,
                (cpu_seconds() - c) * 1000.0 / n,
            );
            assert_eq!(opt.fused, fused, "the fused kernel fell back");
        }
        let [(fw, fc), (sw, sc)] = cells;
        println!(
            "| {round} | {fw:.1} / {fc:.1} | {sw:.1} / {sc:.1} | {:.1}x |",
            sw / fw
        );
    }
}
