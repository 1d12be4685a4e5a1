//! The generator's forward pass alone, as `colorize infer` runs it (eval mode, no autograd,
//! batch 1): the pix2pix U-Net for 128 px (7 levels), in a process doing nothing else,
//! after a warm-up call — the measurement bench/infer/pytorch_infer.py makes for PyTorch.
//! Two implementations alternate call by call on the same weights: `plain`, the
//! `UnetGenerator` as trained (libtorch's transposed convolutions and BatchNorm), and
//! `fast`, the `model::fast::FastGenerator` that `Colorizer` runs (folded, packed, phase
//! decomposed, float16 weights at the inner levels of a float16 model on AVX-512 CPUs);
//! their outputs are checked equal within 1e-4. Where the fast network uses float16
//! weights, a third, `fast32`, is the same fast network with float32 weights throughout
//! (the path before `half_conv`, and the one other CPUs take).
//! Inside `colorize infer DIR` the decoder and the writer thread share the cores with the
//! network; this leaves them out.
//!     cargo run --release --example net_bench -- [--samples] [--model DIR | --ngf N --in C] \
//!         [--half-isa avx2|avx512] [threads] [reps] [sizes...]
//! `--half-isa avx2` runs the float16 kernel's AVX2 build; with `ONEDNN_MAX_CPU_ISA=AVX2`
//! (oneDNN's own switch) the whole network then runs as on a CPU without AVX-512.
//! `--model DIR` runs a saved model (its config.json and generator.safetensors); otherwise
//! an untrained generator for 128 px with pix2pix's init (speed does not depend on the
//! weights), ngf 64 and 1 input channel unless given.
//! Prints the median and minimum wall milliseconds per size and implementation, or with
//! `--samples` every timing as a line `net-IMPL SIZE MS` (bench/infer/run.sh reads those),
//! and on stderr the one-off cost of building the fast network. Sizes must be multiples
//! of 128 (the U-Net's 7 levels).

use std::time::Instant;

use colorize::config::ModelConfig;
use colorize::model::fast::{FastGenerator, FastOptions};
use colorize::model::generator::{ForwardMode, UnetGenerator};
use colorize::model::layers::init_weights;
use tch::{nn, Device, Kind, Tensor};

fn main() {
    // As the `colorize` binary does (src/main.rs).
    colorize::memory::keep_freed_memory();
    let mut args = std::env::args().skip(1).peekable();
    let samples = args.next_if(|a| a == "--samples").is_some();
    let mut cfg = ModelConfig::default();
    let mut model = None;
    if args.next_if(|a| a == "--model").is_some() {
        let dir = std::path::PathBuf::from(args.next().expect("--model DIR"));
        cfg = colorize::run_dir::read_model_config(&dir).expect("the model's config.json");
        model = Some(dir);
    }
    if args.next_if(|a| a == "--ngf").is_some() {
        cfg.ngf = args.next().and_then(|a| a.parse().ok()).expect("--ngf N");
    }
    if args.next_if(|a| a == "--in").is_some() {
        cfg.in_channels = args.next().and_then(|a| a.parse().ok()).expect("--in C");
    }
    let mut options = FastOptions::default();
    if args.next_if(|a| a == "--half-isa").is_some() {
        options.half_isa = match args.next().as_deref() {
            Some("avx2") => Some(colorize::native::HalfConvIsa::Avx2),
            Some("avx512") => Some(colorize::native::HalfConvIsa::Avx512),
            other => panic!("--half-isa avx2|avx512, not {other:?}"),
        };
    }
    let threads: i32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2);
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut sizes: Vec<i64> = args.filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = vec![128, 512];
    }
    tch::set_num_threads(threads);
    tch::manual_seed(0);
    let t = Instant::now();
    let mut vs = nn::VarStore::new(Device::Cpu);
    let g = match model {
        Some(_) => UnetGenerator::new_for_loading(&vs.root(), &cfg),
        None => UnetGenerator::new(&vs.root(), &cfg),
    };
    let t_new = t.elapsed().as_secs_f64() * 1e3;
    let t = Instant::now();
    match &model {
        Some(dir) => colorize::checkpoint::load_generator_into(
            &mut vs,
            &dir.join(colorize::run_dir::GENERATOR_FILE),
        )
        .expect("the model's generator.safetensors"),
        None => init_weights(&vs),
    }
    eprintln!(
        "building the generator took {t_new:.1} ms, loading or initialising its weights \
         {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let fast = FastGenerator::with_options(&g, cfg.in_channels, cfg.image_size, options)
        .expect("fast generator");
    eprintln!(
        "ngf {}, {} input channels: folding and packing took {:.1} ms",
        cfg.ngf,
        cfg.in_channels,
        t.elapsed().as_secs_f64() * 1e3
    );
    let no_half = FastOptions {
        half_weights: false,
        ..options
    };
    let fast32 = match fast.uses_half_weights() {
        true => Some(
            FastGenerator::with_options(&g, cfg.in_channels, cfg.image_size, no_half)
                .expect("fast generator, float32 weights"),
        ),
        false => None,
    };
    for size in sizes {
        let shape = [1, cfg.in_channels, size, size];
        let x = Tensor::rand(shape, (Kind::Float, Device::Cpu)) * 2.0 - 1.0;
        let plain = || tch::no_grad(|| g.forward_mode(&x, ForwardMode::Eval));
        let run = |name: &str| match name {
            "plain" => plain(),
            "fast" => fast.forward(&x).expect("fast forward"),
            _ => fast32
                .as_ref()
                .unwrap()
                .forward(&x)
                .expect("fast32 forward"),
        };
        let mut ms: Vec<(&str, Vec<f64>)> = vec![("plain", vec![]), ("fast", vec![])];
        if fast32.is_some() {
            ms.push(("fast32", vec![]));
        }
        // Warm-up (oneDNN's first-call set-up) and the equality check.
        let reference = plain();
        for (name, _) in &ms[1..] {
            let d = (&reference - run(name)).abs().max().double_value(&[]);
            assert!(d < 1e-4, "{name} and plain differ by {d} at {size}");
        }
        // Rep r starts at implementation r mod n, so each follows each other equally often
        // (what runs before a call changes it: the plain network's large temporaries, freed,
        // slowed the fast network that always ran next by 10 % at 512 px).
        let n = ms.len();
        for r in 0..reps {
            for i in 0..n {
                let (name, times) = &mut ms[(r + i) % n];
                let t = Instant::now();
                let y = run(name);
                times.push(t.elapsed().as_secs_f64() * 1e3);
                assert_eq!(y.size(), [1, 3, size, size]);
            }
        }
        for (name, times) in ms.iter_mut() {
            if samples {
                times
                    .iter()
                    .for_each(|t| println!("net-{name} {size} {t:.3}"));
            } else {
                times.sort_by(f64::total_cmp);
                println!(
                    "{name:6} {size}x{size}, ngf {}, {threads} threads: median {:.2} ms, \
                     min {:.2} ms ({reps} reps)",
                    cfg.ngf,
                    times[times.len() / 2],
                    times[0]
                );
            }
        }
    }
}
