//! The networks, losses and optimisers: shapes, parameter counts, loss values, the gradient
//! penalty and Adam / RMSprop steps against hand computation.

use clap::ValueEnum;
use colorize::config::{ModeDefaults, ModelConfig, NormKind};
use colorize::loss::{self, GanMode};
use colorize::model::layers::{count_parameters, init_weights};
use colorize::model::{PatchDiscriminator, UnetGenerator};
use colorize::optim::{Adam, OptimKind, Optimizer, RmsProp};
use std::sync::{Mutex, MutexGuard};

use tch::{nn, Device, Kind, Tensor};

/// libtorch has one global RNG: tests of this binary run in parallel threads, so every
/// test that draws random numbers holds this lock (the seeded-init test needs it).
static RNG: Mutex<()> = Mutex::new(());

fn rng_lock() -> MutexGuard<'static, ()> {
    RNG.lock().unwrap_or_else(|e| e.into_inner())
}

fn cfg(size: i64, ngf: i64) -> ModelConfig {
    ModelConfig {
        image_size: size,
        ngf,
        ndf: ngf,
        ..ModelConfig::default()
    }
}

fn rand(shape: &[i64]) -> Tensor {
    Tensor::rand(shape, (Kind::Float, Device::Cpu)) * 2.0 - 1.0
}

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
        let c = cfg(size, 4);
        let g = UnetGenerator::new(&vs.root(), &c);
        init_weights(&vs);
        let y = g.forward_t(&rand(&[batch, 1, size, size]), true);
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
    let _g = UnetGenerator::new(&vs.root(), &cfg(256, 8));
    assert_eq!(count_parameters(&vs), pix2pix_unet_params(1, 3, 8, 8));
    assert_eq!(pix2pix_unet_params(1, 3, 64, 8), 54_411_907);
}

#[test]
fn dropout_only_in_train_mode() {
    let _rng = rng_lock();
    tch::manual_seed(1);
    let vs = nn::VarStore::new(Device::Cpu);
    let g = UnetGenerator::new(&vs.root(), &cfg(128, 4));
    init_weights(&vs);
    let x = rand(&[2, 1, 128, 128]);
    let e1 = g.forward_t(&x, false);
    let e2 = g.forward_t(&x, false);
    assert!(e1.equal(&e2), "eval mode is deterministic");
    let t1 = g.forward_t(&x, true);
    let t2 = g.forward_t(&x, true);
    assert!(!t1.equal(&t2), "train mode draws new dropout masks");

    let vs = nn::VarStore::new(Device::Cpu);
    let mut c = cfg(128, 4);
    c.dropout = false;
    let g = UnetGenerator::new(&vs.root(), &c);
    let t1 = g.forward_t(&x, true);
    let t2 = g.forward_t(&x, true);
    assert!(t1.equal(&t2), "no dropout when disabled");
}

#[test]
fn discriminator_patch_map_shapes_and_norms() {
    let _rng = rng_lock();
    for (size, patch) in [(128, 14), (256, 30), (64, 6)] {
        let vs = nn::VarStore::new(Device::Cpu);
        let d = PatchDiscriminator::new(&vs.root(), &cfg(size, 4));
        let y = d.forward_t(&rand(&[2, 1, size, size]), &rand(&[2, 3, size, size]), true);
        assert_eq!(y.size(), vec![2, 1, patch, patch], "size {size}");
    }
    for norm in [NormKind::Batch, NormKind::Instance, NormKind::None] {
        let vs = nn::VarStore::new(Device::Cpu);
        let mut c = cfg(64, 4);
        c.norm_d = norm;
        let d = PatchDiscriminator::new(&vs.root(), &c);
        let y = d.forward_t(&rand(&[1, 1, 64, 64]), &rand(&[1, 3, 64, 64]), true);
        assert_eq!(y.size(), vec![1, 1, 6, 6]);
        let names: Vec<String> = vs.variables().into_keys().collect();
        let has_bn = names.iter().any(|n| n.contains(".norm."));
        let inner_bias = names.contains(&"layer1.conv.bias".to_string());
        assert_eq!(has_bn, norm == NormKind::Batch, "{norm:?}");
        assert_eq!(inner_bias, norm != NormKind::Batch, "{norm:?}");
    }
}

#[test]
fn discriminator_parameter_count_is_pix2pix_n_layers_3() {
    let _rng = rng_lock();
    let vs = nn::VarStore::new(Device::Cpu);
    let _d = PatchDiscriminator::new(&vs.root(), &ModelConfig::default());
    // conv(4->64)+b, conv(64->128)+BN, conv(128->256)+BN, conv(256->512)+BN, conv(512->1)+b
    let expected = (4 * 64 * 16 + 64)
        + (64 * 128 * 16 + 256)
        + (128 * 256 * 16 + 512)
        + (256 * 512 * 16 + 1024)
        + (512 * 16 + 1);
    assert_eq!(count_parameters(&vs), expected);
    assert_eq!(expected, 2_766_657);
}

#[test]
fn init_weights_is_pix2pix_normal_and_seeded() {
    let _rng = rng_lock();
    let build = || {
        tch::manual_seed(7);
        let vs = nn::VarStore::new(Device::Cpu);
        let _g = UnetGenerator::new(&vs.root(), &cfg(128, 16));
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

fn scalar(t: &Tensor) -> f64 {
    t.double_value(&[])
}

#[test]
fn loss_values_per_mode() {
    let _rng = rng_lock();
    let zeros = Tensor::zeros([2, 1, 3, 3], (Kind::Float, Device::Cpu));
    let ln2 = std::f64::consts::LN_2;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // Logit 0 = D undecided: BCE ln 2 on both sides, halved sum = ln 2.
    assert!(close(
        scalar(&loss::discriminator_loss(GanMode::Vanilla, &zeros, &zeros).total),
        ln2
    ));
    assert!(close(
        scalar(&loss::generator_gan_loss(GanMode::Vanilla, &zeros)),
        ln2
    ));
    let real = zeros.ones_like() * 2.0;
    let fake = zeros.ones_like() * -2.0;
    // lsgan: 0.5 * ((2-1)^2 + (-2)^2) = 2.5; G: (-2-1)^2 = 9.
    assert!(close(
        scalar(&loss::discriminator_loss(GanMode::Lsgan, &real, &fake).total),
        2.5
    ));
    assert!(close(
        scalar(&loss::generator_gan_loss(GanMode::Lsgan, &fake)),
        9.0
    ));
    // wgan: E[fake] - E[real] = -4, not halved; G: -E[fake] = 2.
    for m in [GanMode::Wgan, GanMode::WganGp] {
        assert!(close(
            scalar(&loss::discriminator_loss(m, &real, &fake).total),
            -4.0
        ));
        assert!(close(scalar(&loss::generator_gan_loss(m, &fake)), 2.0));
    }
    // hinge: margins satisfied -> 0; reversed: relu(1+2) + relu(1+2) = 6.
    assert!(close(
        scalar(&loss::discriminator_loss(GanMode::Hinge, &real, &fake).total),
        0.0
    ));
    assert!(close(
        scalar(&loss::discriminator_loss(GanMode::Hinge, &fake, &real).total),
        6.0
    ));
    // kl: vanilla D loss; G minimises -E[logit].
    assert!(close(
        scalar(&loss::discriminator_loss(GanMode::Kl, &zeros, &zeros).total),
        ln2
    ));
    assert!(close(
        scalar(&loss::generator_gan_loss(GanMode::Kl, &fake)),
        2.0
    ));
    let d = loss::discriminator_loss(GanMode::Vanilla, &real, &fake);
    let expected = (1.0 + (-2.0f64).exp()).ln(); // softplus(-2) on both sides
    assert!(close(scalar(&d.real), expected) && close(scalar(&d.fake), expected));
    let l1 = loss::l1(&real, &fake);
    assert!(close(scalar(&l1), 4.0));
}

#[test]
fn every_gan_mode_gives_finite_losses_and_gradients_on_the_networks() {
    let _rng = rng_lock();
    tch::manual_seed(3);
    let c = cfg(64, 4);
    let line = rand(&[2, 1, 64, 64]);
    let color = rand(&[2, 3, 64, 64]);
    for &mode in GanMode::value_variants() {
        let mut c = c.clone();
        c.norm_d = ModeDefaults::of(mode).default_norm;
        let gvs = nn::VarStore::new(Device::Cpu);
        let dvs = nn::VarStore::new(Device::Cpu);
        let g = UnetGenerator::new(&gvs.root(), &c);
        let d = PatchDiscriminator::new(&dvs.root(), &c);
        init_weights(&gvs);
        init_weights(&dvs);
        let fake = g.forward_t(&line, true);
        let mut loss_d = loss::discriminator_loss(
            mode,
            &d.forward_t(&line, &color, true),
            &d.forward_t(&line, &fake.detach(), true),
        )
        .total;
        if let Some(lambda) = ModeDefaults::of(mode).gp_lambda {
            let gp = loss::gradient_penalty(|x| d.forward_t(&line, x, true), &color, &fake);
            loss_d += gp * lambda;
        }
        let loss_g = loss::generator_gan_loss(mode, &d.forward_t(&line, &fake, true))
            + loss::l1(&fake, &color) * 100.0;
        for (what, l) in [("D", &loss_d), ("G", &loss_g)] {
            assert!(scalar(l).is_finite(), "{mode:?} {what} loss {l:?}");
        }
        let mut opt = colorize::optim::build(OptimKind::Adam, &gvs, 0.5, 0.999, 0.0).unwrap();
        let before = gvs.variables()["down2.conv.weight"].copy();
        opt.backward_step(&loss_g, 2e-4);
        let after = &gvs.variables()["down2.conv.weight"];
        assert!(!after.equal(&before), "{mode:?}: G step changed nothing");
        assert!(scalar(&after.isfinite().all().to_kind(Kind::Float)) == 1.0);
    }
}

#[test]
fn mode_defaults_follow_the_papers() {
    let _rng = rng_lock();
    let v = ModeDefaults::of(GanMode::Vanilla);
    assert_eq!((v.lr, v.beta1, v.beta2, v.n_critic), (2e-4, 0.5, 0.999, 1));
    assert_eq!(v.optimizer, OptimKind::Adam);
    let w = ModeDefaults::of(GanMode::Wgan);
    assert_eq!(
        (w.lr, w.optimizer, w.n_critic, w.clip),
        (5e-5, OptimKind::RmsProp, 5, Some(0.01))
    );
    let gp = ModeDefaults::of(GanMode::WganGp);
    assert_eq!(
        (gp.lr, gp.beta1, gp.beta2, gp.n_critic),
        (1e-4, 0.5, 0.9, 5)
    );
    assert_eq!(gp.gp_lambda, Some(10.0));
    assert_ne!(
        gp.default_norm,
        NormKind::Batch,
        "no batch norm in a WGAN-GP critic"
    );
    assert!(GanMode::Vanilla.halves_d_loss() && !GanMode::Wgan.halves_d_loss());
}

#[test]
fn gradient_penalty_of_a_linear_critic_is_hand_computable() {
    let _rng = rng_lock();
    // D(x) = sum(w * x) per sample: grad_x D = w everywhere, whatever the interpolate, so
    // the penalty is (||w||_2 - 1)^2 exactly. w = 0.5 on 3x4x4 -> ||w|| = 0.5 * sqrt(48).
    let w = Tensor::full([3, 4, 4], 0.5, (Kind::Float, Device::Cpu)).set_requires_grad(true);
    let critic = |x: &Tensor| (x * &w).sum_dim_intlist([1i64, 2, 3].as_slice(), false, Kind::Float);
    let real = rand(&[5, 3, 4, 4]);
    let fake = rand(&[5, 3, 4, 4]);
    let gp = loss::gradient_penalty(critic, &real, &fake);
    let norm = 0.5 * 48f64.sqrt();
    let expected = (norm - 1.0).powi(2);
    assert!(
        (scalar(&gp) - expected).abs() < 1e-4,
        "{} vs {expected}",
        scalar(&gp)
    );
    // It is differentiable w.r.t. the critic: d/dw (||w|| - 1)^2 = 2 (||w|| - 1) w / ||w||.
    gp.backward();
    let g = w.grad().double_value(&[0, 0, 0]);
    let expected_g = 2.0 * (norm - 1.0) * 0.5 / norm;
    assert!((g - expected_g).abs() < 1e-4, "{g} vs {expected_g}");
}

/// One parameter vector, fixed gradient sequence, torch.optim.Adam's update by hand in f64.
/// Both the fused kernel (the default) and the per-tensor path.
#[test]
fn adam_matches_hand_computed_torch_steps() {
    let _rng = rng_lock();
    for fused in [true, false] {
        adam_matches_torch(fused);
    }
}

fn adam_matches_torch(fused: bool) {
    let p0 = [1.0f64, -2.0, 0.5];
    let grads = [[0.1f64, -0.3, 2.0], [0.2, 0.1, -1.0], [-0.4, 0.0, 0.5]];
    let (b1, b2, eps, wd, lr) = (0.5, 0.999, 1e-8, 0.01, 2e-4);
    let var = Tensor::from_slice(&p0.map(|x| x as f32)).set_requires_grad(true);
    let mut opt = Adam::from_vars(vec![("w".into(), var.shallow_clone())], b1, b2, eps, wd);
    opt.fused = fused;
    let (mut p, mut m, mut v) = (p0, [0.0; 3], [0.0; 3]);
    for (t, g) in grads.iter().enumerate() {
        let t = (t + 1) as f64;
        for i in 0..3 {
            let gi = g[i] + wd * p[i];
            m[i] = b1 * m[i] + (1.0 - b1) * gi;
            v[i] = b2 * v[i] + (1.0 - b2) * gi * gi;
            let denom = (v[i] / (1.0 - b2.powf(t))).sqrt() + eps;
            p[i] -= lr / (1.0 - b1.powf(t)) * m[i] / denom;
        }
        let gt = Tensor::from_slice(&g.map(|x| x as f32));
        opt.step_with_grads(&[gt], lr);
    }
    let got: Vec<f32> = Vec::try_from(&var.detach()).unwrap();
    for i in 0..3 {
        assert!(
            (got[i] as f64 - p[i]).abs() < 1e-6,
            "fused {fused}, p[{i}]: {} vs {}",
            got[i],
            p[i]
        );
    }
    assert_eq!(opt.steps(), 3);
    assert_eq!(
        opt.fused, fused,
        "the fused kernel ran without falling back"
    );
    assert!((got[0] as f64 - p0[0]).abs() > 1e-5, "the weights moved");
    // torch.optim.Adam(lr=2e-4, betas=(0.5, 0.999), weight_decay=0.01) on the same inputs
    // (run once with the venv's torch 2.11, float32): 0.999700904, -1.999718189, 0.499755472.
    let torch = [0.999_700_904_f64, -1.999_718_189, 0.499_755_472];
    for i in 0..3 {
        assert!(
            (got[i] as f64 - torch[i]).abs() < 3e-7,
            "fused {fused}, p[{i}]: {} vs torch {}",
            got[i],
            torch[i]
        );
    }
}

/// The fused kernel and the per-tensor update agree on many variables of different shapes
/// over several steps, skip variables without a gradient, and leave the same moments.
#[test]
fn fused_adam_equals_per_tensor_adam() {
    let _rng = rng_lock();
    tch::manual_seed(7);
    let shapes: [&[i64]; 4] = [&[64, 1, 4, 4], &[64], &[3, 128, 4, 4], &[1000]];
    let make = |fused: bool| {
        let vars: Vec<(String, Tensor)> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let t = Tensor::randn(*s, (Kind::Float, Device::Cpu)).set_requires_grad(true);
                (format!("v{i}"), t)
            })
            .collect();
        let mut opt = Adam::from_vars(vars, 0.5, 0.999, 1e-8, 0.01);
        opt.fused = fused;
        opt
    };
    tch::manual_seed(7);
    let mut a = make(true);
    tch::manual_seed(7);
    let mut b = make(false);
    for step in 0..5 {
        let grads: Vec<Tensor> = shapes
            .iter()
            .enumerate()
            .map(|(i, s)| {
                if i == 1 && step % 2 == 0 {
                    Tensor::new() // undefined: this variable is skipped this step
                } else {
                    Tensor::randn(*s, (Kind::Float, Device::Cpu))
                }
            })
            .collect();
        a.step_with_grads(&grads, 2e-4);
        b.step_with_grads(&grads, 2e-4);
    }
    assert!(a.fused, "the fused kernel ran without falling back");
    let (sa, sb) = (a.state(), b.state());
    assert_eq!(sa.len(), sb.len());
    for ((name, x), (_, y)) in a.variables().iter().zip(b.variables()) {
        let diff = (x - y).abs().max().double_value(&[]);
        assert!(diff < 1e-6, "{name}: max difference {diff}");
    }
    for ((name, x), (_, y)) in sa.iter().zip(&sb) {
        let diff = (x.to_kind(Kind::Double) - y.to_kind(Kind::Double))
            .abs()
            .max()
            .double_value(&[]);
        assert!(diff < 1e-6, "{name}: max difference {diff}");
    }
    // The variables moved from where they started.
    tch::manual_seed(7);
    let fresh = make(true);
    let moved = (&a.variables()[0].1 - &fresh.variables()[0].1)
        .abs()
        .max()
        .double_value(&[]);
    assert!(moved > 1e-5, "moved by {moved}");
}

#[test]
fn rmsprop_matches_hand_computed_torch_steps() {
    let _rng = rng_lock();
    let p0 = [1.0f64, -2.0];
    let grads = [[0.5f64, -0.25], [0.1, 0.3]];
    let (alpha, eps, lr) = (0.99, 1e-8, 5e-5);
    let var = Tensor::from_slice(&p0.map(|x| x as f32)).set_requires_grad(true);
    let mut opt = RmsProp::from_vars(vec![("w".into(), var.shallow_clone())], alpha, eps, 0.0);
    let (mut p, mut s) = (p0, [0.0; 2]);
    for g in &grads {
        for i in 0..2 {
            s[i] = alpha * s[i] + (1.0 - alpha) * g[i] * g[i];
            p[i] -= lr * g[i] / (s[i].sqrt() + eps);
        }
        opt.step_with_grads(&[Tensor::from_slice(&g.map(|x| x as f32))], lr);
    }
    let got: Vec<f32> = Vec::try_from(&var.detach()).unwrap();
    for i in 0..2 {
        assert!(
            (got[i] as f64 - p[i]).abs() < 1e-6,
            "p[{i}]: {} vs {}",
            got[i],
            p[i]
        );
    }
}

#[test]
fn backward_then_step_equals_backward_step() {
    let _rng = rng_lock();
    let make = || {
        let w = Tensor::from_slice(&[0.3f32, -0.7]).set_requires_grad(true);
        let opt = Adam::from_vars(vec![("w".into(), w.shallow_clone())], 0.5, 0.999, 1e-8, 0.0);
        (w, opt)
    };
    let x = Tensor::from_slice(&[2.0f32, 3.0]);
    let (w1, mut o1) = make();
    let (w2, mut o2) = make();
    for _ in 0..2 {
        let l1 = (&w1 * &x).square().sum(Kind::Float);
        l1.backward();
        o1.step(1e-2);
        o1.zero_grad();
        let l2 = (&w2 * &x).square().sum(Kind::Float);
        o2.backward_step(&l2, 1e-2);
    }
    assert!(w1.equal(&w2));
    assert!(!w2.grad().defined(), "no .grad accumulated");
}

#[test]
fn optimiser_state_round_trip_continues_identically() {
    let _rng = rng_lock();
    for kind in [OptimKind::Adam, OptimKind::RmsProp] {
        let make = || {
            let vs = nn::VarStore::new(Device::Cpu);
            let _ = vs.root().var("w", &[4], nn::Init::Const(0.5));
            let beta1 = if kind == OptimKind::Adam { 0.5 } else { 0.0 };
            let opt = colorize::optim::build(kind, &vs, beta1, 0.99, 0.0).unwrap();
            (vs, opt)
        };
        let grad = |i: i64| Tensor::arange(4, (Kind::Float, Device::Cpu)) * (i as f64 + 1.0) - 1.0;
        let (vs_a, mut a) = make();
        for i in 0..3 {
            a.step_with_grads(&[grad(i)], 1e-2);
        }
        // A fresh optimiser given A's weights and state continues exactly like A.
        let (mut vs_b, mut b) = make();
        vs_b.copy(&vs_a).unwrap();
        let state: Vec<(String, Tensor)> =
            a.state().into_iter().map(|(n, t)| (n, t.copy())).collect();
        b.load_state(&state).unwrap();
        assert_eq!(b.steps(), 3);
        a.step_with_grads(&[grad(3)], 1e-2);
        b.step_with_grads(&[grad(3)], 1e-2);
        assert!(
            vs_a.variables()["w"].equal(&vs_b.variables()["w"]),
            "{kind:?}"
        );

        // Missing or mis-shaped state is refused and leaves the optimiser as it was.
        let (_vs_c, mut c) = make();
        let err = c.load_state(&state[..1]).unwrap_err().to_string();
        assert!(err.contains("missing tensor `w."), "{err}");
        let mut bad: Vec<(String, Tensor)> = state
            .iter()
            .map(|(n, t)| (n.clone(), t.shallow_clone()))
            .collect();
        bad[1].1 = Tensor::zeros([5], (Kind::Float, Device::Cpu));
        let err = c.load_state(&bad).unwrap_err().to_string();
        assert!(err.contains("shape"), "{err}");
        assert_eq!(c.steps(), 0);
    }
}

#[test]
fn leaky_relu_has_slope_0_2_and_its_gradient() {
    let _rng = rng_lock();
    let x = Tensor::from_slice(&[-3.0f32, -0.5, 0.0, 0.25, 2.0]).set_requires_grad(true);
    let y = colorize::model::layers::leaky_relu(&x);
    let got: Vec<f32> = Vec::try_from(&y.detach()).unwrap();
    let want = [-0.6f32, -0.1, 0.0, 0.25, 2.0];
    for (g, w) in got.iter().zip(want) {
        assert!((g - w).abs() < 1e-6, "{got:?}");
    }
    y.sum(Kind::Float).backward();
    let grad: Vec<f32> = Vec::try_from(&x.grad()).unwrap();
    for (g, w) in grad.iter().zip([0.2f32, 0.2, 0.2, 1.0, 1.0]) {
        assert!((g - w).abs() < 1e-6, "{grad:?}");
    }

    // The in-place form, on a fresh product (whose backward does not read its output):
    // the same values, and the gradient through it is 3 x slope.
    let x2 = x.detach().set_requires_grad(true);
    let y2 = colorize::model::layers::leaky_relu_inplace(&x2 * 3.0);
    let got2: Vec<f32> = Vec::try_from(&y2.detach()).unwrap();
    for (g, w) in got2.iter().zip(want) {
        assert!((g - 3.0 * w).abs() < 1e-5, "{got2:?}");
    }
    y2.sum(Kind::Float).backward();
    let grad2: Vec<f32> = Vec::try_from(&x2.grad()).unwrap();
    for (g, w) in grad2.iter().zip([0.6f32, 0.6, 0.6, 3.0, 3.0]) {
        assert!((g - w).abs() < 1e-5, "{grad2:?}");
    }
}
