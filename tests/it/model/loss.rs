//! The GAN losses: hand-computed values for every mode, finite losses and gradients through
//! the real networks, the papers' per-mode defaults, the WGAN-GP gradient penalty, and
//! EBGAN's energy, margin loss and pull-away term.

use clap::ValueEnum;
use colorize::config::{ModeDefaults, NormKind};
use colorize::loss::{self, GanMode};
use colorize::model::layers::init_weights;
use colorize::model::{Discriminator, UnetGenerator};
use colorize::optim::OptimKind;
use tch::{nn, Device, Kind, Tensor};

use crate::support::{model_config, rand_pm1, rng_lock, scalar};

#[test]
fn loss_values_per_mode() {
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
    let c = model_config(64, 4);
    let line = rand_pm1(&[2, 1, 64, 64]);
    let color = rand_pm1(&[2, 3, 64, 64]);
    for &mode in GanMode::value_variants() {
        let mut c = c.clone();
        c.norm_d = ModeDefaults::of(mode).default_norm;
        let gvs = nn::VarStore::new(Device::Cpu);
        let dvs = nn::VarStore::new(Device::Cpu);
        let g = UnetGenerator::new(&gvs.root(), &c);
        let d = Discriminator::new(&dvs.root(), &c, mode);
        init_weights(&gvs);
        init_weights(&dvs);
        let fake = g.forward_t(&line, true);
        let score = |x: &Tensor| d.forward_t(&line, x, true).score;
        let defaults = ModeDefaults::of(mode);
        let (real_s, fake_s) = (score(&color), score(&fake.detach()));
        let mut loss_d = match defaults.margin {
            Some(m) => loss::ebgan_discriminator_loss(&real_s, &fake_s, m),
            None => loss::discriminator_loss(mode, &real_s, &fake_s),
        }
        .total;
        if let Some(lambda) = defaults.gp_lambda {
            let gp = loss::gradient_penalty(score, &color, &fake);
            loss_d += gp * lambda;
        }
        let verdict = d.forward_t(&line, &fake, true);
        let mut loss_g =
            loss::generator_gan_loss(mode, &verdict.score) + loss::l1(&fake, &color) * 100.0;
        if let (Some(code), Some(w)) = (&verdict.code, defaults.pt_weight) {
            loss_g += loss::pull_away(code) * w;
        }
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
    // EBGAN: pix2pix's Adam, the paper's pull-away weight 0.1, and its margin m = 20 at
    // 64x64 (or 40 at 128x128) on the L2 norm of a 3-channel image's reconstruction error,
    // as a mean squared error: m^2 / (3 S^2).
    let eb = ModeDefaults::of(GanMode::Ebgan);
    assert_eq!(
        (eb.optimizer, eb.lr, eb.beta1, eb.beta2, eb.n_critic),
        (OptimKind::Adam, 2e-4, 0.5, 0.999, 1)
    );
    assert_eq!(eb.pt_weight, Some(0.1));
    let margin = eb.margin.unwrap();
    for (m, side) in [(20.0, 64.0), (40.0, 128.0)] {
        let mse: f64 = m * m / (3.0 * side * side);
        assert!((margin - mse).abs() < 1e-4, "{margin} vs {mse}");
    }
    assert!(!GanMode::Ebgan.halves_d_loss());
    for mode in [GanMode::Vanilla, GanMode::Wgan, GanMode::WganGp] {
        let d = ModeDefaults::of(mode);
        assert_eq!((d.margin, d.pt_weight), (None, None), "{mode:?}");
    }
}

fn codes(rows: &[[f64; 4]]) -> Tensor {
    // [N, 1, 2, 2]: codes are flattened per sample.
    let flat: Vec<f64> = rows.iter().flatten().copied().collect();
    Tensor::from_slice(&flat)
        .to_kind(Kind::Float)
        .view([rows.len() as i64, 1, 2, 2])
}

#[test]
fn pull_away_term_by_hand() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    let pt = |rows: &[[f64; 4]]| scalar(&loss::pull_away(&codes(rows)));
    // Orthogonal codes: every cosine 0.
    let e = |i: usize| {
        let mut r = [0.0; 4];
        r[i] = 1.0;
        r
    };
    assert!(close(pt(&[e(0), e(1), e(2), e(3)]), 0.0));
    // The same direction (any length, either sign): every squared cosine 1.
    let s = [1.0, -2.0, 0.5, 3.0];
    let t = s.map(|v| -2.5 * v);
    assert!(close(pt(&[s, s, s]), 1.0));
    assert!(close(pt(&[s, t]), 1.0));
    // s1 = (1,0,0,0), s2 = (1,1,0,0), s3 = (0,1,0,0): cos^2(s1,s2) = cos^2(s2,s3) = 1/2,
    // cos^2(s1,s3) = 0; the 6 ordered pairs i != j sum to 2, over N(N-1) = 6: 1/3.
    // Lengths do not matter (s2 scaled by 3).
    let s2 = [3.0, 3.0, 0.0, 0.0];
    assert!(
        close(pt(&[e(0), s2, e(1)]), 1.0 / 3.0),
        "{}",
        pt(&[e(0), s2, e(1)])
    );
    // One sample has no pair: 0.
    assert_eq!(pt(&[s]), 0.0);
    // It is differentiable (the generator is trained through it).
    let x = codes(&[e(0), s2]).set_requires_grad(true);
    let l = loss::pull_away(&x);
    l.backward();
    assert!(scalar(&x.grad().abs().sum(Kind::Float)) > 0.0);
}

#[test]
fn ebgan_energy_and_margin_loss_by_hand() {
    let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
    // Energy = mean squared reconstruction error per sample: sample 0 off by 1 everywhere,
    // sample 1 off by 0.5 in one of its 8 values.
    let x = Tensor::zeros([2, 2, 2, 2], (Kind::Float, Device::Cpu));
    let recon = x.copy();
    let _ = recon.get(0).fill_(1.0);
    let _ = recon.get(1).get(1).get(0).get(0).fill_(0.5);
    let e = loss::reconstruction_energy(&x, &recon);
    assert_eq!(e.size(), [2]);
    assert!(close(e.double_value(&[0]), 1.0) && close(e.double_value(&[1]), 0.25 / 8.0));
    // D loss = mean E(real) + mean_i max(0, m - E(fake)_i), m = 1:
    // real (0.1, 0.3) -> 0.2; fake (0.5, 2.0) -> (0.5 + 0) / 2 = 0.25; total 0.45.
    let real = Tensor::from_slice(&[0.1f32, 0.3]);
    let fake = Tensor::from_slice(&[0.5f32, 2.0]);
    let d = loss::ebgan_discriminator_loss(&real, &fake, 1.0);
    assert!(close(scalar(&d.real), 0.2) && close(scalar(&d.fake), 0.25));
    assert!(close(scalar(&d.total), 0.45));
    assert!(close(scalar(&loss::margin_hinge(&fake, 1.0)), 0.25));
    // Every fake past the margin: only the real term is left.
    let d = loss::ebgan_discriminator_loss(&real, &fake, 0.4);
    assert!(close(scalar(&d.fake), 0.0) && close(scalar(&d.total), 0.2));
    // The generator minimises its fakes' mean energy.
    assert!(close(
        scalar(&loss::generator_gan_loss(GanMode::Ebgan, &fake)),
        1.25
    ));
}

#[test]
fn gradient_penalty_of_a_linear_critic_is_hand_computable() {
    let _rng = rng_lock();
    // D(x) = sum(w * x) per sample: grad_x D = w everywhere, whatever the interpolate, so
    // the penalty is (||w||_2 - 1)^2 exactly. w = 0.5 on 3x4x4 -> ||w|| = 0.5 * sqrt(48).
    let w = Tensor::full([3, 4, 4], 0.5, (Kind::Float, Device::Cpu)).set_requires_grad(true);
    let critic = |x: &Tensor| (x * &w).sum_dim_intlist([1i64, 2, 3].as_slice(), false, Kind::Float);
    let real = rand_pm1(&[5, 3, 4, 4]);
    let fake = rand_pm1(&[5, 3, 4, 4]);
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
