//! The GAN losses: hand-computed values for every mode, finite losses and gradients through
//! the real networks, the papers' per-mode defaults, and the WGAN-GP gradient penalty.

use clap::ValueEnum;
use colorize::config::{ModeDefaults, NormKind};
use colorize::loss::{self, GanMode};
use colorize::model::layers::init_weights;
use colorize::model::{PatchDiscriminator, UnetGenerator};
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
