//! The Trainer: one optimisation step (pix2pix's `optimize_parameters`), checkpoints and
//! resume. The loop around it (schedule, logging, validation, Ctrl-C) is in `train/fit.rs`.
//!
//! Reproducibility: libtorch's generator is re-seeded from `(seed, step)` before every step,
//! so dropout and the WGAN-GP interpolation draws depend only on the step number; with the
//! data order a function of the batch number (see `data.rs`), a resumed run repeats exactly
//! the steps an uninterrupted one would have taken.

mod fit;
mod val;

pub use fit::{fit, loader_config, FitOptions, FitOutcome, Progress};
pub use val::{ValFigures, VAL_HINTS};

use std::path::{Path, PathBuf};

use tch::{nn, Device, Kind, Tensor};

use crate::checkpoint;
use crate::config::{ModelConfig, TrainConfig};
use crate::data::{mix_seed, Batch};
use crate::hints::with_hint_channels;
use crate::loss::{self, GanMode};
use crate::model::generator::ForwardMode;
use crate::model::{layers, Discriminator, UnetGenerator};
use crate::optim::{self, Optimizer};
use crate::run_dir::GENERATOR_FILE;
use crate::{Error, Result};

/// Losses of one step (discriminator terms before any halving; zeros when `--l1-only`).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct StepLosses {
    /// Discriminator term on real pairs (`loss/D_real`).
    pub d_real: f64,
    /// Discriminator term on fake pairs (`loss/D_fake`).
    pub d_fake: f64,
    /// Gradient penalty (already times lambda) of the last critic update; 0 outside WGAN-GP.
    pub d_gp: f64,
    /// The generator's adversarial loss (`loss/G_gan`).
    pub g_gan: f64,
    /// The L1 term before `lambda_l1`.
    pub g_l1: f64,
    /// EBGAN: mean energy of the real pairs in the last D update (`loss/E_real`); else 0.
    pub e_real: f64,
    /// EBGAN: mean energy of the fake pairs in the last D update (`loss/E_fake`); else 0.
    pub e_fake: f64,
    /// EBGAN: the pull-away term of the generator's fakes, before `pt_weight` (`loss/G_pt`).
    pub g_pt: f64,
}

/// Generator, discriminator, their optimisers and the step counter.
pub struct Trainer {
    cfg: TrainConfig,
    device: Device,
    g_vs: nn::VarStore,
    d_vs: nn::VarStore,
    gen: UnetGenerator,
    /// PatchGAN, or EBGAN's auto-encoder (`Discriminator::new` picks by the GAN mode).
    disc: Discriminator,
    opt_g: Box<dyn Optimizer>,
    opt_d: Box<dyn Optimizer>,
    /// Steps completed.
    step: u64,
}

impl std::fmt::Debug for Trainer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Trainer")
            .field("step", &self.step)
            .field("device", &self.device)
            .finish()
    }
}

impl Trainer {
    /// Fresh networks initialised N(0, 0.02) from `cfg.seed`.
    pub fn new(cfg: TrainConfig, device: Device) -> Result<Self> {
        cfg.validate()?;
        tch::manual_seed(cfg.seed as i64);
        let g_vs = nn::VarStore::new(device);
        let d_vs = nn::VarStore::new(device);
        let gen = UnetGenerator::new(&g_vs.root(), &cfg.model);
        let disc = Discriminator::new(&d_vs.root(), &cfg.model, cfg.gan_mode);
        layers::init_weights(&g_vs);
        layers::init_weights(&d_vs);
        let (b1, b2, wd) = (cfg.beta1, cfg.beta2, cfg.weight_decay);
        let opt_g = optim::build(cfg.optimizer, &g_vs, b1, b2, wd)?;
        let opt_d = optim::build(cfg.optimizer, &d_vs, b1, b2, wd)?;
        Ok(Trainer {
            cfg,
            device,
            g_vs,
            d_vs,
            gen,
            disc,
            opt_g,
            opt_d,
            step: 0,
        })
    }

    /// Replaces the generator's weights by those of the model (run or model directory) in
    /// `dir`, whose shape must be this run's: the start of a fine-tune.
    pub fn init_generator_from(&mut self, dir: &Path) -> Result<()> {
        let theirs = crate::run_dir::read_model_config(dir)?;
        let ours = &self.cfg.model;
        let shape = |m: &ModelConfig| {
            (
                m.image_size,
                m.ngf,
                m.in_channels,
                m.out_channels,
                m.dropout,
            )
        };
        if shape(&theirs) != shape(ours) {
            return Err(Error::Config(format!(
                "{} has a different network (size, ngf, in, out channels, dropout: {:?}) from \
                 this run's ({:?})",
                dir.display(),
                shape(&theirs),
                shape(ours)
            )));
        }
        checkpoint::load_generator_into(&mut self.g_vs, &dir.join(GENERATOR_FILE))
    }

    /// Networks, optimiser moments and step restored from a `step-N.safetensors` file.
    pub fn resume(cfg: TrainConfig, device: Device, checkpoint: &Path) -> Result<Self> {
        let mut t = Trainer::new(cfg, device)?;
        let step = checkpoint::load_checkpoint(
            checkpoint,
            &t.g_vs,
            &t.d_vs,
            t.opt_g.as_mut(),
            t.opt_d.as_mut(),
        )?;
        t.step = u64::try_from(step).map_err(|_| Error::Checkpoint {
            path: checkpoint.to_path_buf(),
            reason: format!("negative step {step}"),
        })?;
        Ok(t)
    }

    /// The run's configuration.
    pub fn config(&self) -> &TrainConfig {
        &self.cfg
    }

    /// Steps completed so far.
    pub fn steps_done(&self) -> u64 {
        self.step
    }

    /// Where the networks live.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The generator's variables.
    pub fn generator_vars(&self) -> &nn::VarStore {
        &self.g_vs
    }

    /// The discriminator's variables.
    pub fn discriminator_vars(&self) -> &nn::VarStore {
        &self.d_vs
    }

    /// One generator update preceded by `n_critic` discriminator updates, one per batch
    /// (the generator step reuses the last batch). Fails, before updating anything with it,
    /// on a NaN or infinite loss.
    pub fn step(&mut self, batches: &[Batch]) -> Result<StepLosses> {
        if self.cfg.amp {
            crate::native::autocast_bf16(self.device, || self.step_in_precision(batches))?
        } else {
            self.step_in_precision(batches)
        }
    }

    /// `step` in the precision set by the caller (float32, or inside autocast).
    fn step_in_precision(&mut self, batches: &[Batch]) -> Result<StepLosses> {
        let expected = self.cfg.batches_per_step() as usize;
        if batches.len() != expected {
            return Err(Error::Internal(format!(
                "a step takes {expected} batches, got {}",
                batches.len()
            )));
        }
        let lr = self.cfg.lr_at(self.step);
        tch::manual_seed(mix_seed(self.cfg.seed, self.step) as i64);
        let mut losses = StepLosses::default();
        let (last, critic_only) = batches.split_last().expect("at least one batch");
        for batch in critic_only {
            let (input, color) = self.to_device(batch);
            let fake = tch::no_grad(|| self.gen.forward_t(&input, true));
            self.d_step(&input, &color, &fake, lr, &mut losses)?;
        }
        let (input, color) = self.to_device(last);
        let fake = self.gen.forward_t(&input, true); // [B, 3, S, S]
        if !self.cfg.l1_only {
            self.d_step(&input, &color, &fake.detach(), lr, &mut losses)?;
        }
        self.g_step(&input, &color, &fake, lr, &mut losses)?;
        self.step += 1;
        Ok(losses)
    }

    fn to_device(&self, b: &Batch) -> (Tensor, Tensor) {
        (
            b.input.to_device(self.device),
            b.color.to_device(self.device),
        )
    }

    /// Discriminator: real pairs towards "real", detached fakes towards "fake". D sees what
    /// G sees (`input`: line art, and hints when the model takes them) plus the colour.
    fn d_step(
        &mut self,
        input: &Tensor,
        color: &Tensor,
        fake: &Tensor,
        lr: f64,
        out: &mut StepLosses,
    ) -> Result<()> {
        let real_score = self.disc.forward_t(input, color, true).score;
        let fake_score = self.disc.forward_t(input, fake, true).score;
        let d_loss = self.d_loss(&real_score, &fake_score, out)?;
        let mut total = d_loss.total;
        if let Some(lambda) = self.cfg.gp_lambda {
            let d = |c: &Tensor| self.disc.forward_t(input, c, true).score;
            let gp = loss::gradient_penalty(d, color, fake) * lambda;
            out.d_gp = self.finite("gradient penalty", &gp)?;
            total += gp;
        }
        out.d_real = self.finite("D loss on real pairs", &d_loss.real)?;
        out.d_fake = self.finite("D loss on fake pairs", &d_loss.fake)?;
        self.opt_d.backward_step(&total, lr);
        if let Some(c) = self.cfg.clip {
            optim::clip_weights(&self.d_vs, c);
        }
        Ok(())
    }

    /// The mode's D loss from D's scores on real and fake pairs (logits, or EBGAN's
    /// energies, which it also records).
    fn d_loss(
        &self,
        real: &Tensor,
        fake: &Tensor,
        out: &mut StepLosses,
    ) -> Result<loss::DiscriminatorLoss> {
        // `validate` gives every EBGAN run a margin.
        let (GanMode::Ebgan, Some(margin)) = (self.cfg.gan_mode, self.cfg.margin) else {
            return Ok(loss::discriminator_loss(self.cfg.gan_mode, real, fake));
        };
        out.e_real = self.finite("energy of real pairs", &real.mean(Kind::Float))?;
        out.e_fake = self.finite("energy of fake pairs", &fake.mean(Kind::Float))?;
        Ok(loss::ebgan_discriminator_loss(real, fake, margin))
    }

    /// Generator: fool D (unless `--l1-only`) and stay close to the target in L1.
    fn g_step(
        &mut self,
        input: &Tensor,
        color: &Tensor,
        fake: &Tensor,
        lr: f64,
        out: &mut StepLosses,
    ) -> Result<()> {
        let l1 = loss::l1(fake, color);
        out.g_l1 = self.finite("G L1 loss", &l1)?;
        let mut total = l1 * self.cfg.lambda_l1;
        if !self.cfg.l1_only {
            let verdict = self.disc.forward_t(input, fake, true);
            let gan = loss::generator_gan_loss(self.cfg.gan_mode, &verdict.score);
            out.g_gan = self.finite("G adversarial loss", &gan)?;
            total += gan;
            if let (Some(code), Some(weight)) = (&verdict.code, self.cfg.pt_weight) {
                let pt = loss::pull_away(code);
                out.g_pt = self.finite("G pull-away term", &pt)?;
                total += pt * weight;
            }
        }
        self.opt_g.backward_step(&total, lr);
        Ok(())
    }

    /// The scalar value of a loss, or `Error::NonFinite` naming it and the step (1-based).
    fn finite(&self, what: &str, t: &Tensor) -> Result<f64> {
        let value = t.double_value(&[]);
        if value.is_finite() {
            Ok(value)
        } else {
            Err(Error::NonFinite {
                step: self.step + 1,
                what: what.to_string(),
                value,
            })
        }
    }

    /// Colours `input` with the generator in eval mode (running statistics, no dropout), as
    /// `infer` does: `[B, in_channels, S, S]`, or line art `[B, 1, S, S]` alone, which means
    /// "no hints" for a model that takes them.
    pub fn generate(&self, input: &Tensor) -> Tensor {
        self.generate_mode(input, ForwardMode::Eval)
    }

    /// `generate` in any forward mode (e.g. `ForwardMode::Dropout` for diversity samples),
    /// without autograd.
    pub fn generate_mode(&self, input: &Tensor, mode: ForwardMode) -> Tensor {
        let input = with_hint_channels(input, self.cfg.model.in_channels);
        tch::no_grad(|| self.gen.forward_mode(&input.to_device(self.device), mode))
    }

    /// Whether the generator has dropout layers (its only noise).
    pub fn has_dropout(&self) -> bool {
        self.gen.has_dropout()
    }

    /// Writes `RUN/checkpoints/step-N.safetensors` and `RUN/generator.safetensors`, then
    /// deletes all but the last `keep` checkpoints.
    pub fn save(&self, run_dir: &Path) -> Result<PathBuf> {
        let path = checkpoint::save_checkpoint(
            run_dir,
            self.step as i64,
            &self.g_vs,
            &self.d_vs,
            self.opt_g.as_ref(),
            self.opt_d.as_ref(),
        )?;
        checkpoint::save_generator(&self.g_vs, &run_dir.join(GENERATOR_FILE))?;
        checkpoint::prune_checkpoints(run_dir, self.cfg.keep)?;
        Ok(path)
    }
}
