//! GAN losses (vanilla, lsgan, wgan, wgan-gp, hinge, kl, ebgan) and the L1 term: formulas
//! only (each mode's hyper-parameter defaults live in `crate::config::ModeDefaults`).
//!
//! Conventions:
//! - The PatchGAN discriminator's output is raw logits (no sigmoid in the network).
//! - EBGAN's discriminator is an auto-encoder whose output is an energy per sample, the
//!   mean squared reconstruction error (`reconstruction_energy`; low = real). Its D loss,
//!   `ebgan_discriminator_loss`, takes the margin m; its generator minimises the energy of
//!   its fakes (`generator_gan_loss`) plus `pt_weight * pull_away(codes)`.
//! - `discriminator_loss` is `weight * (real_term + fake_term)` where the weight is 0.5 for
//!   the modes pix2pix halves (vanilla, lsgan and kl, which uses the vanilla D loss) and 1
//!   for the Wasserstein and hinge critics, whose papers do not halve.
//! - `gradient_penalty` returns the bare `E[(||grad||_2 - 1)^2]`; the caller multiplies it
//!   by the WGAN-GP weight lambda (`TrainConfig::gp_lambda`, 10 by default) and adds it to
//!   the critic loss.

use serde::{Deserialize, Serialize};
use tch::{Kind, Reduction, Tensor};

/// Adversarial objective (`--gan-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum GanMode {
    /// pix2pix: BCE on logits, non-saturating generator loss.
    Vanilla,
    /// Least squares (Mao et al.): MSE to 1 / 0.
    Lsgan,
    /// Wasserstein with weight clipping (Arjovsky et al.).
    Wgan,
    /// Wasserstein with gradient penalty (Gulrajani et al.).
    WganGp,
    /// Hinge loss (Lim & Ye; SAGAN).
    Hinge,
    /// Vanilla D loss; the generator maximises log(D / (1 - D)) = the D logit.
    Kl,
    /// Energy-based (Zhao et al.): an auto-encoder D, reconstruction error as the energy,
    /// a margin on the fakes' energies and a pull-away term for the generator.
    Ebgan,
}

impl GanMode {
    /// Whether `discriminator_loss` halves the sum of its two terms (as pix2pix does).
    pub fn halves_d_loss(self) -> bool {
        matches!(self, GanMode::Vanilla | GanMode::Lsgan | GanMode::Kl)
    }
}

fn bce_logits(logits: &Tensor, target: f64) -> Tensor {
    let t = logits.full_like(target);
    logits.binary_cross_entropy_with_logits::<Tensor>(&t, None, None, Reduction::Mean)
}

fn mse(xs: &Tensor, target: f64) -> Tensor {
    (xs - target).square().mean(Kind::Float)
}

/// The discriminator (critic) loss of one update and the two terms it is made of.
#[derive(Debug)]
pub struct DiscriminatorLoss {
    /// The term on real pairs, before any halving (logged as `loss/D_real`).
    pub real: Tensor,
    /// The term on fake pairs, before any halving (logged as `loss/D_fake`).
    pub fake: Tensor,
    /// What the discriminator minimises: `real + fake`, halved for the modes pix2pix halves
    /// (see the module doc). Add `gp_lambda * gradient_penalty(..)` for WGAN-GP.
    pub total: Tensor,
}

/// The discriminator's two terms `(on real, on fake)`, before any halving. `real` and
/// `fake` are D logits.
///
/// # Panics
/// On `GanMode::Ebgan`, whose loss needs its margin: use `ebgan_discriminator_loss`.
fn discriminator_terms(mode: GanMode, real: &Tensor, fake: &Tensor) -> (Tensor, Tensor) {
    match mode {
        GanMode::Vanilla | GanMode::Kl => (bce_logits(real, 1.0), bce_logits(fake, 0.0)),
        GanMode::Lsgan => (mse(real, 1.0), mse(fake, 0.0)),
        GanMode::Wgan | GanMode::WganGp => (-real.mean(Kind::Float), fake.mean(Kind::Float)),
        GanMode::Hinge => (
            (real.neg() + 1.0).relu().mean(Kind::Float),
            (fake + 1.0).relu().mean(Kind::Float),
        ),
        GanMode::Ebgan => panic!("EBGAN's D loss takes a margin: use ebgan_discriminator_loss"),
    }
}

/// Discriminator (critic) loss from its logits on real and fake pairs, with its two terms.
/// For every mode but EBGAN (which takes `ebgan_discriminator_loss`; this panics on it).
pub fn discriminator_loss(mode: GanMode, real: &Tensor, fake: &Tensor) -> DiscriminatorLoss {
    let (real, fake) = discriminator_terms(mode, real, fake);
    let sum = &real + &fake;
    let total = if mode.halves_d_loss() { sum * 0.5 } else { sum };
    DiscriminatorLoss { real, fake, total }
}

/// The generator's adversarial loss from D's logits on its output.
pub fn generator_gan_loss(mode: GanMode, fake: &Tensor) -> Tensor {
    match mode {
        GanMode::Vanilla => bce_logits(fake, 1.0),
        GanMode::Lsgan => mse(fake, 1.0),
        // Wasserstein, hinge (SAGAN) and the KL update (the generator maximises
        // log(D / (1 - D)), which is the logit itself) all minimise -E[logit].
        GanMode::Wgan | GanMode::WganGp | GanMode::Hinge | GanMode::Kl => -fake.mean(Kind::Float),
        // `fake` are energies: the generator lowers its fakes' reconstruction error.
        GanMode::Ebgan => fake.mean(Kind::Float),
    }
}

/// EBGAN's energy of each sample: the mean squared error `[B]` of the reconstruction `recon`
/// of `x` (both `[B, ...]`).
pub fn reconstruction_energy(x: &Tensor, recon: &Tensor) -> Tensor {
    (recon - x)
        .square()
        .flatten(1, -1)
        .mean_dim([1i64].as_slice(), false, Kind::Float)
}

/// EBGAN's hinge on the margin, `mean_i max(0, m - E_i)` over the energies `[B]` of fakes:
/// 0 once every fake's energy reaches m, so D stops pushing fakes it already rejects.
pub fn margin_hinge(energy: &Tensor, margin: f64) -> Tensor {
    (energy.neg() + margin).relu().mean(Kind::Float)
}

/// EBGAN's discriminator loss `E(real) + max(0, m - E(fake))` from the energies `[B]` of real
/// and fake pairs (the paper's per-sample loss, averaged over the batch; not halved). Its
/// `real` term is the real pairs' mean energy, its `fake` term the `margin_hinge`.
pub fn ebgan_discriminator_loss(real: &Tensor, fake: &Tensor, margin: f64) -> DiscriminatorLoss {
    let real = real.mean(Kind::Float);
    let fake = margin_hinge(fake, margin);
    let total = &real + &fake;
    DiscriminatorLoss { real, fake, total }
}

/// EBGAN's pull-away term on the codes `[N, ...]` of N fakes (each flattened to a vector
/// s_i): the mean squared cosine similarity of different samples' codes,
/// `1/(N(N-1)) sum_{i != j} (s_i . s_j / (|s_i| |s_j|))^2`, in [0, 1]; 0 when N = 1. Low
/// when the fakes' codes point in different directions: it keeps the generator from
/// collapsing onto one mode. Multiplied by `pt_weight` by the caller.
pub fn pull_away(codes: &Tensor) -> Tensor {
    let n = codes.size()[0];
    if n < 2 {
        return Tensor::zeros([], (Kind::Float, codes.device()));
    }
    let s = codes.flatten(1, -1); // [N, D]
    let norms = s.norm_scalaropt_dim(2, [1i64], true).clamp_min(1e-12); // [N, 1]
    let unit = s / norms;
    // [N, N]; the diagonal holds each code with itself (1, or 0 for a zero code): no pair.
    let cos2 = unit.matmul(&unit.tr()).square();
    let off_diagonal = cos2.sum(Kind::Float) - cos2.trace();
    off_diagonal / (n * (n - 1)) as f64
}

/// WGAN-GP penalty `E[(||grad_x D(x_hat)||_2 - 1)^2]` on random interpolates
/// `x_hat = a * real + (1 - a) * fake`, one `a ~ U[0, 1]` per sample. `d` maps a batch
/// `[B, ...]` of colour images to logits (close over the line art for the conditional D).
/// Differentiable (create_graph) so the penalty trains the critic; not multiplied by lambda.
pub fn gradient_penalty(d: impl Fn(&Tensor) -> Tensor, real: &Tensor, fake: &Tensor) -> Tensor {
    let b = real.size()[0];
    let mut alpha_shape = vec![1i64; real.dim()];
    alpha_shape[0] = b;
    let alpha = Tensor::rand(alpha_shape.as_slice(), (real.kind(), real.device()));
    let fake = fake.detach();
    let x_hat = (real.detach() * &alpha + fake * (alpha.neg() + 1.0)).set_requires_grad(true);
    let out = d(&x_hat);
    // Summing the outputs = grad_outputs of ones: each sample's gradient is its own.
    let grads = Tensor::run_backward(&[out.sum(Kind::Float)], &[&x_hat], true, true);
    // pix2pix adds 1e-16 so the norm's gradient is defined at 0. (`reshape`: the gradient
    // comes back in D's layout, channels-last on the CPU.)
    let norms = (&grads[0] + 1e-16)
        .reshape([b, -1])
        .norm_scalaropt_dim(2, [1i64], false);
    (norms - 1.0).square().mean(Kind::Float)
}

/// Mean absolute error (pix2pix's `criterionL1`), multiplied by `lambda_l1` by the caller.
pub fn l1(fake: &Tensor, target: &Tensor) -> Tensor {
    fake.l1_loss(target, Reduction::Mean)
}
