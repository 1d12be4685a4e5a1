//! One level of the fast network at a time: `native::half_conv` (float16 weights; its
//! AVX-512 and AVX2 builds, those this CPU runs) against oneDNN's prepacked float32
//! convolution (`native::conv_packed`), same shapes, batch 1, alternating call by call;
//! prints medians in microseconds. Chose `model::fast::HALF_MAX_PIXELS`.
//!     cargo run --release --example half_layer_bench -- [threads] [reps]
use std::time::Instant;

use colorize::model::fast::phase_kernels;
use colorize::native::{
    conv_packed, half_conv, half_conv_isa, half_conv_weights, pack_conv_weight, Activation,
    HalfConvIsa, HalfConvMode,
};
use tch::{Device, Kind, Tensor};

fn cl(t: &Tensor) -> Tensor {
    t.permute([0, 2, 3, 1]).contiguous().permute([0, 3, 1, 2])
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let mut args = std::env::args().skip(1);
    let threads: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
    tch::set_num_threads(threads);
    let f = (Kind::Float, Device::Cpu);
    // (down?, c_in, c_out, input side)
    let shapes = [
        (true, 256, 256, 2),
        (true, 256, 256, 4),
        (true, 256, 256, 8),
        (true, 128, 256, 16),
        (true, 256, 256, 16),
        (false, 256, 256, 1),
        (false, 512, 256, 2),
        (false, 512, 256, 4),
        (false, 512, 128, 8),
        (false, 512, 256, 8),
        (false, 256, 64, 16),
        (false, 512, 256, 16),
        (true, 64, 128, 32),
        (true, 128, 256, 32),
        (false, 256, 64, 32),
        (false, 128, 32, 64),
    ];
    for (down, c_in, c_out, side) in shapes {
        let x = cl(&(Tensor::rand([1, c_in, side, side], f) * 2.0 - 1.0));
        let scale = Tensor::ones([c_out], f);
        let shift = Tensor::zeros([c_out], f);
        let (dense, half, mode, pad, stride, out_size, phase) = if down {
            let w = (Tensor::rand([c_out, c_in, 4, 4], f) - 0.5) * 0.1;
            let w = w.to_kind(Kind::Half).to_kind(Kind::Float);
            let taps = w.permute([2, 3, 1, 0]).reshape([1, 16, c_in, c_out]);
            let half = half_conv_weights(&taps).unwrap();
            let mode = HalfConvMode::Conv {
                kernel: 4,
                stride: 2,
                padding: 1,
            };
            (w, half, mode, 1, 2, [1, c_out, side / 2, side / 2], false)
        } else {
            let w = (Tensor::rand([c_in, c_out, 4, 4], f) - 0.5) * 0.1;
            let w = w.to_kind(Kind::Half).to_kind(Kind::Float);
            let ph = phase_kernels(&w);
            let taps = ph
                .view([4, c_out, c_in, 2, 2])
                .permute([0, 3, 4, 2, 1])
                .reshape([4, 4, c_in, c_out]);
            (
                ph,
                half_conv_weights(&taps).unwrap(),
                HalfConvMode::Phases,
                1,
                1,
                [1, c_out, 2 * side, 2 * side],
                true,
            )
        };
        let packed = pack_conv_weight(&dense, pad, stride, [1, c_in, side, side]).unwrap();
        let bias = if phase {
            shift.repeat([4])
        } else {
            shift.shallow_clone()
        };
        let mut out = cl(&Tensor::zeros(out_size, f));
        let best = half_conv_isa().expect("a CPU with AVX2 or AVX-512F, F16C and FMA");
        let isas: Vec<HalfConvIsa> = [HalfConvIsa::Avx512, HalfConvIsa::Avx2]
            .into_iter()
            .filter(|i| *i <= best)
            .collect();
        let mut times = vec![vec![]; isas.len() + 1];
        for i in 0..reps + 10 {
            for (k, isa) in isas.iter().enumerate() {
                let t = Instant::now();
                half_conv(
                    Some(*isa),
                    &x,
                    &half,
                    &scale,
                    &shift,
                    mode,
                    Activation::Relu,
                    &mut out,
                )
                .unwrap();
                if i >= 10 {
                    times[k].push(t.elapsed().as_secs_f64() * 1e6);
                }
            }
            let t = Instant::now();
            let _y = conv_packed(&x, &packed, &bias, pad, stride, Activation::Relu).unwrap();
            if i >= 10 {
                times[isas.len()].push(t.elapsed().as_secs_f64() * 1e6);
            }
        }
        let mut line = format!(
            "{} {c_in}->{c_out} side {side}:",
            if down { "down" } else { "up  " }
        );
        for (k, isa) in isas.iter().enumerate() {
            line += &format!(" half {isa:?} {:.0},", median(times[k].clone()));
        }
        println!("{line} oneDNN f32 {:.0}", median(times[isas.len()].clone()));
    }
}
