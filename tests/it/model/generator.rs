//! The U-Net generator: output shapes and variable names at 128 and 256 px, parameter counts
//! against pix2pix's `unet_128`/`unet_256`, dropout only in train mode (or alone, in the
//! dropout forward mode), and the seeded pix2pix weight init.

use colorize::config::ModelConfig;
use colorize::model::generator::ForwardMode;
use colorize::model::layers::{count_parameters, init_weights};
use colorize::model::UnetGenerator;
use tch::{nn, Device, Kind};

use crate::support::{model_config, rand_pm1, rng_lock};

/// Parameters of pix2pix's `UnetGenerator` (BatchNorm, so no conv bias except the
/// outermost transposed conv), summed over its `UnetSkipConnectionBlock`s as pix2pix
/// builds them: innermost (8,8), num_downs-5 x (8,8), (4,8), (2,4), (1,2), outermost.
fn pix2pix_unet_params(in_ch: i64, out_ch: i64, ngf: i64, num_downs: i64) -> i64 {
    let conv = |i: i64, o: i64| i * o * 16;
    let bn = |c: i64| 2 * c;
    let mut total = 0;
    // innermost: LReLU, down(8->8), ReLU, up(8->8), BN(8)
    total += conv(8 * ngf, 8 * ngf) + conv(8 * ngf, 8 * ngf) + bn(8 * ngf);
    // middle blocks: LReLU, down, BN(inner), sub, ReLU, up(2*inner -> outer), BN(outer)
    let mut middle = vec![(8, 8); (num_downs - 5) as usize];
    middle.extend([(4, 8), (2, 4), (1, 2)]);
    for (outer, inner) in middle {
        let (o, i) = (outer * ngf, inner * ngf);
        total += conv(o, i) + bn(i) + conv(2 * i, o) + bn(o);
    }
    // outermost: down(in -> ngf), sub, ReLU, up(2*ngf -> out) with bias, Tanh
    total += conv(in_ch, ngf) + conv(2 * ngf, out_ch) + out_ch;
    total
}

#[test]
fn generator_output_shapes_at_128_and_256() {
    let _rng = rng_lock();
    for (size, batch) in [(128, 2), (256, 1)] {
        let vs = nn::VarStore::new(Device::Cpu);
        let c = model_config(size, 4);
        let g = UnetGenerator::new(&vs.root(), &c);
        init_weights(&vs);
        let y = g.forward_t(&rand_pm1(&[batch, 1, size, size]), true);
        assert_eq!(y.size(), vec![batch, 3, size, size]);
        assert!(y.abs().max().double_value(&[]) <= 1.0, "tanh output");
        // One down- and one up-block per level: 7 at 128 px, 8 at 256 px.
        let names: Vec<String> = vs.variables().into_keys().collect();
        let n = if size == 128 { 7 } else { 8 };
        assert!(names.contains(&format!("down{n}.conv.weight")));
        assert!(!names.contains(&format!("down{}.conv.weight", n + 1)));
        // The outermost and innermost down-blocks have no norm; up1 has the only bias.
        assert!(!names.contains(&"down1.norm.weight".to_string()));
        assert!(!names.contains(&format!("down{n}.norm.weight")));
        assert!(names.contains(&"down2.norm.running_mean".to_string()));
        let biases: Vec<&String> = names.iter().filter(|n| n.ends_with("conv.bias")).collect();
        assert_eq!(biases, vec!["up1.conv.bias"]);
    }
}

#[test]
fn generator_parameter_count_equals_pix2pix_unet_128() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let _g = UnetGenerator::new(&vs.root(), &ModelConfig::default());
    let ours = count_parameters(&vs);
    assert_eq!(ours, pix2pix_unet_params(1, 3, 64, 7));
    // The same figure as PyTorch's parameter sum for a pix2pix-structured unet_128 with 1
    // input channel (bench/train/pytorch_train.py --count-only); pix2pix's RGB-input
    // unet_128 is 41,828,995 ("41.829 M"), 2,048 more weights in the first conv.
    assert_eq!(ours, 41_826_947);
    assert_eq!(pix2pix_unet_params(3, 3, 64, 7), 41_828_995);
}

#[test]
fn generator_parameter_count_at_256_follows_the_formula() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let _g = UnetGenerator::new(&vs.root(), &model_config(256, 8));
    assert_eq!(count_parameters(&vs), pix2pix_unet_params(1, 3, 8, 8));
    assert_eq!(pix2pix_unet_params(1, 3, 64, 8), 54_411_907);
}

#[test]
fn dropout_only_in_train_mode() {
    let _rng = rng_lock();
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let g = UnetGenerator::new(&vs.root(), &model_config(128, 4));
    init_weights(&vs);
    let x = rand_pm1(&[2, 1, 128, 128]);
    let e1 = g.forward_t(&x, false);
    let e2 = g.forward_t(&x, false);
    assert!(e1.equal(&e2), "eval mode is deterministic");
    let t1 = g.forward_t(&x, true);
    let t2 = g.forward_t(&x, true);
    assert!(!t1.equal(&t2), "train mode draws new dropout masks");

    let vs = nn::VarStore::new(Device::Cpu);
    let mut c = model_config(128, 4);
    c.dropout = false;
    let g = UnetGenerator::new(&vs.root(), &c);
    let t1 = g.forward_t(&x, true);
    let t2 = g.forward_t(&x, true);
    assert!(t1.equal(&t2), "no dropout when disabled");
}

/// `ForwardMode::Dropout` (diversity): dropout draws with BatchNorm's running statistics,
/// which it leaves alone; the eval and train modes are `forward_t`'s, bit for bit.
#[test]
fn dropout_mode_samples_without_touching_eval_mode() {
    let _rng = rng_lock();
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let g = UnetGenerator::new(&vs.root(), &model_config(128, 4));
    init_weights(&vs);
    assert!(g.has_dropout());
    let x = rand_pm1(&[2, 1, 128, 128]);
    let eval = g.forward_t(&x, false);
    assert!(g.forward_mode(&x, ForwardMode::Eval).equal(&eval));
    assert_eq!(ForwardMode::default(), ForwardMode::Eval);

    tch::manual_seed(3);
    let d1 = g.forward_mode(&x, ForwardMode::Dropout);
    let d2 = g.forward_mode(&x, ForwardMode::Dropout);
    assert!(!d1.equal(&d2), "new dropout masks per call");
    assert!(!d1.equal(&eval));
    tch::manual_seed(3);
    assert!(
        g.forward_mode(&x, ForwardMode::Dropout).equal(&d1),
        "seeded"
    );
    tch::manual_seed(3);
    assert!(
        !g.forward_mode(&x, ForwardMode::Train).equal(&d1),
        "train mode also uses the batch's statistics"
    );
    // Train mode moved the running statistics; the dropout mode did not: eval mode after
    // dropout samples alone is unchanged.
    let vs = nn::VarStore::new(Device::Cpu);
    tch::manual_seed(1);
    let g = UnetGenerator::new(&vs.root(), &model_config(128, 4));
    init_weights(&vs);
    let eval = g.forward_t(&x, false);
    for _ in 0..3 {
        let _ = g.forward_mode(&x, ForwardMode::Dropout);
    }
    assert!(g.forward_t(&x, false).equal(&eval));

    // Without dropout layers (the --no-dropout shape, or below 64 px) the mode is eval.
    for c in [
        ModelConfig {
            dropout: false,
            ..model_config(128, 4)
        },
        model_config(32, 4),
    ] {
        let vs = nn::VarStore::new(Device::Cpu);
        let g = UnetGenerator::new(&vs.root(), &c);
        assert!(!g.has_dropout());
        let x = rand_pm1(&[1, 1, c.image_size, c.image_size]);
        let d = g.forward_mode(&x, ForwardMode::Dropout);
        assert!(d.equal(&g.forward_t(&x, false)));
    }
}

#[test]
fn init_weights_is_pix2pix_normal_and_seeded() {
    let _rng = rng_lock();
    let build = || {
        tch::manual_seed(7);
        let vs = nn::VarStore::new(Device::Cpu);
        let _g = UnetGenerator::new(&vs.root(), &model_config(128, 16));
        init_weights(&vs);
        vs
    };
    let (a, b) = (build(), build());
    let va = a.variables();
    for (name, t) in b.variables() {
        assert!(t.equal(&va[&name]), "{name} differs for the same seed");
    }
    let w = &va["down3.conv.weight"];
    let std = w.std(true).double_value(&[]);
    assert!((std - 0.02).abs() < 0.001, "conv std {std}");
    assert!(w.mean(Kind::Float).double_value(&[]).abs() < 0.001);
    let gamma = &va["down3.norm.weight"];
    assert!((gamma.mean(Kind::Float).double_value(&[]) - 1.0).abs() < 0.01);
    assert!(
        gamma.std(true).double_value(&[]) > 0.005,
        "gamma is N(1, 0.02)"
    );
    assert_eq!(
        va["down3.norm.bias"]
            .abs()
            .sum(Kind::Float)
            .double_value(&[]),
        0.0
    );
    assert_eq!(
        va["up1.conv.bias"].abs().sum(Kind::Float).double_value(&[]),
        0.0
    );
    assert_eq!(
        va["down3.norm.running_var"]
            .mean(Kind::Float)
            .double_value(&[]),
        1.0
    );
}
