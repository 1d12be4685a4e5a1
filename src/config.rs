//! Serde configurations with the pix2pix defaults: `ModelConfig` (the network's shape, all
//! that inference needs) inside `TrainConfig` (everything a run used), saved as `config.json`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::TrainArgs;
use crate::loss::GanMode;
use crate::optim::OptimKind;
use crate::{Error, Result};

/// Normalisation layer of the discriminator (a WGAN-GP critic must not use batch norm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    Batch,
    Instance,
    None,
}

/// The shape of the generator and discriminator. Changing any field changes the weights'
/// shapes, so a run refuses to resume with a different `ModelConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Training image size S (square, a power of two >= 32); the U-Net has log2(S) levels.
    pub image_size: i64,
    /// Generator input channels: 1 (line art); colour hints would add channels.
    pub in_channels: i64,
    /// Generator output channels: 3 (RGB).
    pub out_channels: i64,
    /// Generator filters in the outermost layer.
    pub ngf: i64,
    /// Discriminator filters in the first layer.
    pub ndf: i64,
    /// PatchGAN conv layers (3 gives the 70x70 receptive field).
    pub n_layers_d: i64,
    /// Discriminator normalisation.
    pub norm_d: NormKind,
    /// Dropout 0.5 in the innermost up-blocks of the generator.
    pub dropout: bool,
}

impl Default for ModelConfig {
    fn default() -> Self {
        ModelConfig {
            image_size: 128,
            in_channels: 1,
            out_channels: 3,
            ngf: 64,
            ndf: 64,
            n_layers_d: 3,
            norm_d: NormKind::Batch,
            dropout: true,
        }
    }
}

impl ModelConfig {
    /// Number of down-sampling blocks of the U-Net: 7 at 128 px, 8 at 256 px.
    pub fn num_downs(&self) -> i64 {
        63 - i64::from(self.image_size.max(1).leading_zeros() as u8)
    }

    /// Input sides must be a multiple of this (each down-block halves the size).
    pub fn size_multiple(&self) -> i64 {
        1 << self.num_downs()
    }

    /// Checks the fields that would otherwise fail deep inside libtorch.
    pub fn validate(&self) -> Result<()> {
        let s = self.image_size;
        if s < 32 || s.count_ones() != 1 {
            return Err(Error::Config(format!(
                "image size must be a power of two >= 32, got {s}"
            )));
        }
        for (name, v) in [
            ("in_channels", self.in_channels),
            ("out_channels", self.out_channels),
            ("ngf", self.ngf),
            ("ndf", self.ndf),
            ("n_layers_d", self.n_layers_d),
        ] {
            if v < 1 {
                return Err(Error::Config(format!("{name} must be >= 1, got {v}")));
            }
        }
        Ok(())
    }
}

/// Everything a training run used, saved as `RUN/config.json` before step 1 and read back
/// on `--resume`. Per-mode defaults come from `GanMode::defaults` (the papers' values).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The network's shape; a resumed run must keep it.
    pub model: ModelConfig,
    /// Dataset directory (made by `prep`).
    pub data: PathBuf,
    pub gan_mode: GanMode,
    /// Train the generator with L1 alone (the flat-sepia baseline); no discriminator step.
    pub l1_only: bool,
    /// Weight of the L1 term next to the adversarial one.
    pub lambda_l1: f64,
    /// Generator updates in the whole run.
    pub steps: u64,
    /// The last `decay_steps` steps decay the learning rate linearly to 0 (pix2pix's
    /// `n_epochs_decay`); the steps before keep it constant.
    pub decay_steps: u64,
    pub batch_size: usize,
    /// Images are resized to this side, then a random `model.image_size` crop is taken
    /// (pix2pix `load_size`); equal to the image size means no crop.
    pub load_size: u32,
    /// Random horizontal flips.
    pub flip: bool,
    pub optimizer: OptimKind,
    pub lr: f64,
    /// Adam beta1 (RMSprop: must be 0).
    pub beta1: f64,
    /// Adam beta2 (RMSprop: alpha).
    pub beta2: f64,
    /// L2 weight decay of both optimisers.
    pub weight_decay: f64,
    /// Discriminator (critic) updates per generator update; each uses a fresh batch.
    pub n_critic: u32,
    /// WGAN weight clipping of the critic to [-clip, clip].
    pub clip: Option<f64>,
    /// WGAN-GP gradient penalty weight.
    pub gp_lambda: Option<f64>,
    /// Seed of the weights' initialisation, data order, augmentation and dropout.
    pub seed: u64,
    /// Checkpoint every N steps (and at the end and on Ctrl-C).
    pub save_every: u64,
    /// Checkpoints kept (older ones are deleted).
    pub keep: usize,
    /// Loss / lr / speed scalars every N steps.
    pub log_every: u64,
    /// Sample grid (line | generated | target) every N steps.
    pub sample_every: u64,
    /// Rows (fixed validation examples) in the sample grid.
    pub num_samples: usize,
    /// Validation metrics every N steps.
    pub val_every: u64,
    /// Validation pairs evaluated (the first N of the split).
    pub val_pairs: usize,
    /// Background data-loading threads.
    pub loader_threads: usize,
}

impl TrainConfig {
    /// The defaults of `mode` (pix2pix's for vanilla); `steps` must still be set.
    pub fn for_mode(mode: GanMode, data: PathBuf) -> Self {
        let d = mode.defaults();
        let model = ModelConfig {
            norm_d: d.default_norm,
            ..ModelConfig::default()
        };
        TrainConfig {
            load_size: model.image_size as u32,
            model,
            data,
            gan_mode: mode,
            l1_only: false,
            lambda_l1: 100.0,
            steps: 1000,
            decay_steps: 500,
            batch_size: 1,
            flip: true,
            optimizer: d.optimizer,
            lr: d.lr,
            beta1: d.beta1,
            beta2: d.beta2,
            weight_decay: 0.0,
            n_critic: d.n_critic,
            clip: d.clip,
            gp_lambda: d.gp_lambda,
            seed: 0,
            save_every: 1000,
            keep: 3,
            log_every: 10,
            sample_every: 500,
            num_samples: 4,
            val_every: 500,
            val_pairs: 32,
            loader_threads: 2,
        }
    }

    /// Batches a step consumes: one per critic update (the generator reuses the last).
    pub fn batches_per_step(&self) -> u64 {
        if self.l1_only {
            1
        } else {
            u64::from(self.n_critic)
        }
    }

    /// Learning rate of step `step` (0-based): constant, then linear decay over the last
    /// `decay_steps` steps, reaching `lr / (decay_steps + 1)` at the final step as pix2pix.
    pub fn lr_at(&self, step: u64) -> f64 {
        let decay_start = self.steps - self.decay_steps;
        if step < decay_start {
            return self.lr;
        }
        let done = (step - decay_start + 1) as f64;
        self.lr * (1.0 - done / (self.decay_steps + 1) as f64)
    }

    /// Rejects inconsistent or out-of-range values with a message naming the flag.
    pub fn validate(&self) -> Result<()> {
        self.model.validate()?;
        let bad = |msg: String| Err(Error::Config(msg));
        if self.steps == 0 || self.batch_size == 0 || self.n_critic == 0 {
            return bad("--steps, --batch-size and --n-critic must be >= 1".into());
        }
        if self.decay_steps > self.steps {
            return bad(format!(
                "--decay-steps {} exceeds --steps {}",
                self.decay_steps, self.steps
            ));
        }
        if i64::from(self.load_size) < self.model.image_size {
            return bad(format!(
                "--load-size {} is smaller than --size {}",
                self.load_size, self.model.image_size
            ));
        }
        if !(self.lr > 0.0 && self.lr.is_finite()) {
            return bad(format!("--lr must be positive, got {}", self.lr));
        }
        if !(0.0..1.0).contains(&self.beta1) || !(0.0..1.0).contains(&self.beta2) {
            return bad("--beta1 and --beta2 must be in [0, 1)".into());
        }
        if self.optimizer == OptimKind::RmsProp && self.beta1 != 0.0 {
            return bad("RMSprop takes no momentum: --beta1 must be 0".into());
        }
        if self.lambda_l1 < 0.0 || (self.l1_only && self.lambda_l1 == 0.0) {
            return bad("--lambda-l1 must be >= 0 (and > 0 with --l1-only)".into());
        }
        if self.clip.is_some_and(|c| c <= 0.0) || self.gp_lambda.is_some_and(|g| g < 0.0) {
            return bad("--clip must be > 0 and --gp-lambda >= 0".into());
        }
        if self.gan_mode == GanMode::WganGp && self.model.norm_d == NormKind::Batch {
            return bad(
                "a WGAN-GP critic must not use batch norm (its penalty is per sample): \
                 use --norm instance or none"
                    .into(),
            );
        }
        let every = [
            self.save_every,
            self.log_every,
            self.sample_every,
            self.val_every,
        ];
        if every.contains(&0) || self.keep == 0 {
            return bad(
                "--save-every, --log-every, --sample-every, --val-every, --keep must be >= 1"
                    .into(),
            );
        }
        Ok(())
    }

    /// Turns the command line into a config: mode defaults (or the resumed run's config,
    /// `base`) overridden by every flag given. `train_pairs` converts `--epochs` to steps.
    /// Resuming refuses a different model shape, GAN mode or optimiser.
    pub fn from_args(
        args: &TrainArgs,
        base: Option<&TrainConfig>,
        train_pairs: usize,
    ) -> Result<Self> {
        let hp = &args.hp;
        let mode = hp
            .gan_mode
            .or(base.map(|b| b.gan_mode))
            .unwrap_or(GanMode::Vanilla);
        let data = args.data.clone().or(base.map(|b| b.data.clone()));
        let data = data.ok_or_else(|| Error::Config("--data is required".into()))?;
        let fresh = base.is_none();
        let mut c = base
            .cloned()
            .unwrap_or_else(|| TrainConfig::for_mode(mode, data.clone()));
        c.data = data;
        c.gan_mode = mode;
        let m = &mut c.model;
        set(&mut m.image_size, hp.size);
        set(&mut m.ngf, hp.ngf);
        set(&mut m.ndf, hp.ndf);
        set(&mut m.n_layers_d, hp.n_layers_d);
        set(&mut m.norm_d, hp.norm);
        m.dropout &= !hp.no_dropout;
        c.load_size = hp.load_size.unwrap_or(if fresh {
            c.model.image_size as u32
        } else {
            c.load_size
        });
        c.l1_only |= hp.l1_only;
        c.flip &= !hp.no_flip;
        set(&mut c.lambda_l1, hp.lambda_l1);
        set(&mut c.batch_size, hp.batch_size);
        if hp.optimizer == Some(OptimKind::RmsProp) && c.optimizer != OptimKind::RmsProp {
            // RMSprop's own defaults (no momentum, alpha 0.99) unless given.
            (c.beta1, c.beta2) = (0.0, 0.99);
        }
        set(&mut c.optimizer, hp.optimizer);
        set(&mut c.lr, hp.lr);
        set(&mut c.beta1, hp.beta1);
        set(&mut c.beta2, hp.beta2);
        set(&mut c.weight_decay, hp.weight_decay);
        set(&mut c.n_critic, hp.n_critic);
        c.clip = hp.clip.or(c.clip);
        c.gp_lambda = hp.gp_lambda.or(c.gp_lambda);
        set(&mut c.seed, hp.seed);
        set(&mut c.save_every, hp.save_every);
        set(&mut c.keep, hp.keep);
        set(&mut c.log_every, hp.log_every);
        set(&mut c.sample_every, hp.sample_every);
        set(&mut c.num_samples, hp.num_samples);
        set(&mut c.val_every, hp.val_every);
        set(&mut c.val_pairs, hp.val_pairs);
        set(&mut c.loader_threads, hp.loader_threads);
        // A new run with neither --steps nor --epochs trains pix2pix's 200 epochs.
        let default_epochs = (fresh && args.steps.is_none()).then_some(200.0);
        if let Some(epochs) = args.epochs.or(default_epochs) {
            let per_step = (c.batch_size as u64 * c.batches_per_step()) as f64;
            c.steps = (epochs * train_pairs as f64 / per_step).ceil().max(1.0) as u64;
        }
        set(&mut c.steps, args.steps);
        // pix2pix: half the run at constant lr, half decaying.
        let default_decay = if fresh {
            c.steps / 2
        } else {
            c.decay_steps.min(c.steps)
        };
        c.decay_steps = hp.decay_steps.unwrap_or(default_decay);
        if let Some(b) = base {
            check_resumable(b, &c)?;
        }
        c.validate()?;
        Ok(c)
    }
}

/// `RUN/config.json`.
pub const CONFIG_FILE: &str = "config.json";

impl TrainConfig {
    /// Writes `run_dir/config.json` atomically (temporary file in the same directory, then
    /// rename), creating the directory.
    pub fn save(&self, run_dir: &Path) -> Result<()> {
        std::fs::create_dir_all(run_dir).map_err(|e| Error::io(run_dir, e))?;
        let path = run_dir.join(CONFIG_FILE);
        let tmp = run_dir.join(format!(".{CONFIG_FILE}.{}.tmp", std::process::id()));
        let mut text = serde_json::to_string_pretty(self).expect("config serialises");
        text.push('\n');
        std::fs::write(&tmp, text).map_err(|e| Error::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))
    }

    /// Reads `run_dir/config.json`.
    pub fn load(run_dir: &Path) -> Result<Self> {
        let path = run_dir.join(CONFIG_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::Run {
            path: run_dir.to_path_buf(),
            reason: format!("cannot read config.json ({e}); is this a training run directory?"),
        })?;
        serde_json::from_str(&text).map_err(|e| Error::Run {
            path,
            reason: format!("config.json is not a training config: {e}"),
        })
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(v) = value {
        *field = v;
    }
}

/// A resumed run must keep what its checkpoint's tensors depend on.
fn check_resumable(old: &TrainConfig, new: &TrainConfig) -> Result<()> {
    if old.model != new.model {
        return Err(Error::Config(format!(
            "refusing to resume: the model's shape would change (checkpoint: {:?}; asked for: {:?})",
            old.model, new.model
        )));
    }
    if old.gan_mode != new.gan_mode || old.optimizer != new.optimizer || old.l1_only != new.l1_only
    {
        return Err(Error::Config(
            "refusing to resume: --gan-mode, --optimizer and --l1-only must stay as the run started".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_follows_image_size() {
        let mut cfg = ModelConfig::default();
        assert_eq!(cfg.num_downs(), 7);
        assert_eq!(cfg.size_multiple(), 128);
        cfg.image_size = 256;
        assert_eq!(cfg.num_downs(), 8);
        cfg.image_size = 100;
        assert!(cfg.validate().is_err());
    }

    fn args(data: &str) -> TrainArgs {
        TrainArgs {
            data: Some(PathBuf::from(data)),
            out: Some(PathBuf::from("run")),
            ..TrainArgs::default()
        }
    }

    #[test]
    fn lr_is_constant_then_decays_linearly() {
        let mut c = TrainConfig::for_mode(GanMode::Vanilla, "d".into());
        (c.steps, c.decay_steps, c.lr) = (10, 4, 1.0);
        let lrs: Vec<f64> = (0..10).map(|s| c.lr_at(s)).collect();
        assert_eq!(&lrs[..6], &[1.0; 6]);
        // pix2pix's rule: 1 - k / (decay + 1) for the k-th decay step.
        assert_eq!(&lrs[6..], &[0.8, 0.6, 0.4, 0.19999999999999996]);
    }

    #[test]
    fn each_mode_gets_its_paper_defaults_unless_overridden() {
        let mut a = args("d");
        a.hp.gan_mode = Some(GanMode::Wgan);
        let c = TrainConfig::from_args(&a, None, 100).unwrap();
        assert_eq!(
            (c.optimizer, c.lr, c.n_critic, c.clip),
            (OptimKind::RmsProp, 5e-5, 5, Some(0.01))
        );
        a.hp.gan_mode = Some(GanMode::WganGp);
        a.hp.lr = Some(3e-4);
        let c = TrainConfig::from_args(&a, None, 100).unwrap();
        assert_eq!((c.lr, c.beta2, c.gp_lambda), (3e-4, 0.9, Some(10.0)));
        assert_eq!(c.model.norm_d, NormKind::Instance);
        a.hp.optimizer = Some(OptimKind::RmsProp);
        let c = TrainConfig::from_args(&a, None, 100).unwrap();
        assert_eq!(
            (c.optimizer, c.beta1, c.beta2, c.lr),
            (OptimKind::RmsProp, 0.0, 0.99, 3e-4)
        );
        a.hp.optimizer = None;
        a.hp.norm = Some(NormKind::Batch);
        let err = TrainConfig::from_args(&a, None, 100).unwrap_err();
        assert!(err.to_string().contains("batch norm"), "{err}");
    }

    #[test]
    fn epochs_become_steps_and_half_decay() {
        let mut a = args("d");
        a.epochs = Some(2.0);
        a.hp.batch_size = Some(4);
        let c = TrainConfig::from_args(&a, None, 10).unwrap();
        assert_eq!((c.steps, c.decay_steps), (5, 2)); // ceil(2 * 10 / 4)
        a.hp.gan_mode = Some(GanMode::WganGp); // 5 batches per step
        let c = TrainConfig::from_args(&a, None, 10).unwrap();
        assert_eq!(c.steps, 1);
    }

    #[test]
    fn resume_keeps_the_run_and_refuses_a_new_shape() {
        let mut a = args("d");
        a.hp.ngf = Some(8);
        a.hp.lr = Some(1e-3);
        a.steps = Some(10);
        let base = TrainConfig::from_args(&a, None, 10).unwrap();
        let mut r = TrainArgs {
            steps: Some(20),
            ..TrainArgs::default()
        };
        let c = TrainConfig::from_args(&r, Some(&base), 10).unwrap();
        assert_eq!(
            (c.model.ngf, c.lr, c.steps, c.data.clone()),
            (8, 1e-3, 20, base.data.clone())
        );
        r.hp.ngf = Some(16);
        let err = TrainConfig::from_args(&r, Some(&base), 10).unwrap_err();
        assert!(err.to_string().contains("shape"), "{err}");
        r.hp.ngf = None;
        r.hp.gan_mode = Some(GanMode::Wgan);
        assert!(TrainConfig::from_args(&r, Some(&base), 10).is_err());
    }

    #[test]
    fn config_json_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let c = TrainConfig::for_mode(GanMode::Hinge, "data".into());
        c.save(dir.path()).unwrap();
        assert_eq!(TrainConfig::load(dir.path()).unwrap(), c);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file left behind");
    }
}
