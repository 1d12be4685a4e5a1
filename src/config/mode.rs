//! Each GAN mode's paper defaults (`ModeDefaults::of`) and the constants they are built from.

use crate::loss::GanMode;
use crate::optim::OptimKind;

use super::NormKind;

/// The GAN mode of a new run given no `--gan-mode`: pix2pix's.
pub const DEFAULT_GAN_MODE: GanMode = GanMode::Vanilla;

/// Length of a new run given neither `--steps` nor `--epochs`: pix2pix's 100 epochs at a
/// constant learning rate plus 100 decaying.
pub const DEFAULT_EPOCHS: f64 = 200.0;

/// RMSprop's own `(beta1, beta2)`: no momentum, smoothing constant alpha 0.99 (PyTorch's
/// defaults, and what the WGAN paper's RMSprop used).
pub const RMSPROP_BETAS: (f64, f64) = (0.0, 0.99);

/// EBGAN's margin m on our energy, the per-element mean squared reconstruction error.
///
/// The paper's energy is the L2 norm of the reconstruction error of a 3-channel image,
/// `||Dec(Enc(x)) - x||`, with m = 20 at 64x64 (CelebA) and m = 40 at 128x128 (ImageNet):
/// a norm m over n = 3 S^2 elements is a mean squared error of m^2 / n, and both settings
/// give the same 20^2 / (3 * 64^2) = 40^2 / (3 * 128^2) = 0.03255, an RMS error of 0.18 per
/// element on [-1, 1] images (rounded to 3 significant digits here).
pub const EBGAN_MARGIN: f64 = 0.0326;

/// EBGAN's pull-away term weight: 0.1, the paper's "EBGAN-PT" setting.
pub const EBGAN_PT_WEIGHT: f64 = 0.1;

/// Hyper-parameters a GAN mode's paper uses unless the user overrides them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ModeDefaults {
    /// Learning rate of both networks.
    pub lr: f64,
    /// Adam beta1; for RMSprop, its momentum (0).
    pub beta1: f64,
    /// Adam beta2; for RMSprop, its smoothing constant alpha (0.99).
    pub beta2: f64,
    /// Optimiser of both networks.
    pub optimizer: OptimKind,
    /// Discriminator (critic) updates per generator update.
    pub n_critic: u32,
    /// WGAN weight clipping: the critic's weights are clamped to [-c, c] after each step.
    pub clip: Option<f64>,
    /// WGAN-GP penalty weight lambda.
    pub gp_lambda: Option<f64>,
    /// EBGAN energy margin m.
    pub margin: Option<f64>,
    /// EBGAN pull-away term weight.
    pub pt_weight: Option<f64>,
    /// Discriminator normalisation. WGAN-GP penalises each sample's gradient, which batch
    /// statistics would couple across the batch, so its critic uses instance norm.
    pub default_norm: NormKind,
}

impl ModeDefaults {
    /// The papers' values: vanilla/lsgan/hinge/kl Adam 2e-4 (0.5, 0.999) as pix2pix; wgan
    /// RMSprop 5e-5, clip 0.01, 5 critic steps (Arjovsky et al.); wgan-gp Adam 1e-4
    /// (0.5, 0.9), lambda 10, 5 critic steps (Gulrajani et al.); ebgan margin
    /// `EBGAN_MARGIN`, pull-away weight 0.1 (Zhao et al.) with pix2pix's Adam, one D step
    /// per G step as in the paper.
    pub fn of(mode: GanMode) -> Self {
        let adam = ModeDefaults {
            lr: 2e-4,
            beta1: 0.5,
            beta2: 0.999,
            optimizer: OptimKind::Adam,
            n_critic: 1,
            clip: None,
            gp_lambda: None,
            margin: None,
            pt_weight: None,
            default_norm: NormKind::Batch,
        };
        match mode {
            GanMode::Vanilla | GanMode::Lsgan | GanMode::Hinge | GanMode::Kl => adam,
            GanMode::Wgan => ModeDefaults {
                lr: 5e-5,
                beta1: RMSPROP_BETAS.0,
                beta2: RMSPROP_BETAS.1,
                optimizer: OptimKind::RmsProp,
                n_critic: 5,
                clip: Some(0.01),
                ..adam
            },
            GanMode::WganGp => ModeDefaults {
                lr: 1e-4,
                beta2: 0.9,
                n_critic: 5,
                gp_lambda: Some(10.0),
                default_norm: NormKind::Instance,
                ..adam
            },
            GanMode::Ebgan => ModeDefaults {
                margin: Some(EBGAN_MARGIN),
                pt_weight: Some(EBGAN_PT_WEIGHT),
                ..adam
            },
        }
    }
}
