//! Every default in one place: `ModelConfig` (the network's shape, all that inference needs)
//! inside `TrainConfig` (everything a run used, saved in the run directory), with the plain
//! pix2pix defaults (`TrainConfig::for_mode`) and each GAN mode's paper defaults
//! (`ModeDefaults::of`). `colorize train --help` shows the values from here. By concern:
//! `model` (the network's shape), `mode` (GAN modes' defaults), `hint_sim` (hint
//! simulation), `data` (the datasets); the run's whole configuration is here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::loss::GanMode;
use crate::optim::OptimKind;
use crate::{Error, Result};

mod data;
mod hint_sim;
mod mode;
mod model;

use data::data_sources;
pub use data::DataSource;
pub use hint_sim::{HintSimConfig, Span};
pub use mode::{
    ModeDefaults, DEFAULT_EPOCHS, DEFAULT_GAN_MODE, EBGAN_MARGIN, EBGAN_PT_WEIGHT, RMSPROP_BETAS,
};
pub use model::{ModelConfig, NormKind, DEFAULT_HINT_SPREAD, HINTED_CHANNELS, PLAIN_CHANNELS};

/// Everything a training run used, saved in the run directory before step 1 and read back
/// on `--resume` (see `crate::run_dir`). Per-mode defaults come from `ModeDefaults::of`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    /// The network's shape; a resumed run must keep it.
    pub model: ModelConfig,
    /// The datasets (directories made by `prep`), each with its sampling weight. A run
    /// made before several datasets existed has a single path here; it reads as one
    /// dataset of weight 1.
    #[serde(deserialize_with = "data_sources::deserialize")]
    pub data: Vec<DataSource>,
    /// Adversarial objective (`--gan-mode`).
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
    /// Images per batch.
    pub batch_size: usize,
    /// Images are resized to this side, then a random `model.image_size` crop is taken
    /// (pix2pix `load_size`); equal to the image size means no crop.
    pub load_size: u32,
    /// Random horizontal flips.
    pub flip: bool,
    /// Several scales (`--scale-max`; 0: off): each pair is resized to a random side in
    /// `load_size..=scale_max` (at most its own) before the crop. Runs made before it have 0.
    #[serde(default)]
    pub scale_max: u32,
    /// Share of training samples whose line art is roughened (`--rough`; 0: none).
    #[serde(default)]
    pub rough: f64,
    /// Optimiser of both networks.
    pub optimizer: OptimKind,
    /// Learning rate of both networks before the decay.
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
    /// EBGAN: the margin m up to which the discriminator pushes the fakes' energies (mean
    /// squared reconstruction errors). Absent from runs of other modes and from runs made
    /// before EBGAN existed.
    #[serde(default)]
    pub margin: Option<f64>,
    /// EBGAN: weight of the pull-away term in the generator's loss.
    #[serde(default)]
    pub pt_weight: Option<f64>,
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
    /// Intra-op CPU threads (`--threads`; none: libtorch's default, the core count). Kept so
    /// that `--resume` trains with the same number: how oneDNN splits its gradient sums
    /// depends on it, so a resume is bit-exact only with the same count. Runs made before
    /// it was kept have none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threads: Option<usize>,
    /// How the loader simulates hints (used when `model.takes_hints()`; runs made before
    /// hints existed have no such field and get the defaults).
    #[serde(default)]
    pub hints: HintSimConfig,
    /// Mixed precision (`--amp`): forward and backward passes in bfloat16 autocast, float32
    /// weights and optimiser state, on CUDA or the CPU.
    #[serde(default)]
    pub amp: bool,
    /// The model (run or model directory) whose generator weights started this run
    /// (`--init-from`: a fine-tune) instead of a random initialisation; the discriminator
    /// and the optimisers start fresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_from: Option<PathBuf>,
}

impl TrainConfig {
    /// The defaults of `mode` (pix2pix's for vanilla); `steps` must still be set.
    pub fn for_mode(mode: GanMode, data: PathBuf) -> Self {
        let d = ModeDefaults::of(mode);
        let model = ModelConfig {
            norm_d: d.default_norm,
            in_channels: HINTED_CHANNELS,
            hint_spread: DEFAULT_HINT_SPREAD,
            ..ModelConfig::default()
        };
        TrainConfig {
            load_size: model.image_size as u32,
            model,
            data: vec![DataSource::new(data)],
            gan_mode: mode,
            l1_only: false,
            lambda_l1: 100.0,
            steps: 1000,
            decay_steps: 500,
            batch_size: 1,
            flip: true,
            scale_max: 0,
            rough: 0.0,
            optimizer: d.optimizer,
            lr: d.lr,
            beta1: d.beta1,
            beta2: d.beta2,
            weight_decay: 0.0,
            n_critic: d.n_critic,
            clip: d.clip,
            gp_lambda: d.gp_lambda,
            margin: d.margin,
            pt_weight: d.pt_weight,
            seed: 0,
            save_every: 1000,
            keep: 3,
            log_every: 10,
            sample_every: 500,
            num_samples: 4,
            val_every: 500,
            val_pairs: 32,
            loader_threads: 2,
            threads: None,
            hints: HintSimConfig::default(),
            amp: false,
            init_from: None,
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
        if self.model.takes_hints() {
            self.hints.validate()?;
        }
        let bad = |msg: String| Err(Error::Config(msg));
        if self.data.is_empty() {
            return bad("--data is required".into());
        }
        if let Some(d) = self
            .data
            .iter()
            .find(|d| !(d.weight.is_finite() && d.weight > 0.0))
        {
            return bad(format!(
                "--data {}: the weight must be positive",
                d.path.display()
            ));
        }
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
        if self.scale_max != 0 && self.scale_max < self.load_size {
            return bad(format!(
                "--scale-max {} is smaller than the load size {}",
                self.scale_max, self.load_size
            ));
        }
        if !(0.0..=1.0).contains(&self.rough) {
            return bad(format!(
                "--rough must be a share in [0, 1], got {}",
                self.rough
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
        self.validate_ebgan()?;
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

    /// EBGAN runs need a positive margin and a pull-away weight >= 0 (other modes take
    /// neither), and an auto-encoder whose `n_layers_d` halvings leave at least 1x1.
    fn validate_ebgan(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(msg));
        if self.gan_mode != GanMode::Ebgan {
            if self.margin.is_some() || self.pt_weight.is_some() {
                return bad("--margin and --pt-weight apply to --gan-mode ebgan only".into());
            }
            return Ok(());
        }
        let margin_ok = self.margin.is_some_and(|m| m > 0.0 && m.is_finite());
        let pt_ok = self.pt_weight.is_some_and(|w| w >= 0.0 && w.is_finite());
        if !margin_ok || !pt_ok {
            return bad(format!(
                "--gan-mode ebgan needs --margin > 0 and --pt-weight >= 0, got {:?} and {:?}",
                self.margin, self.pt_weight
            ));
        }
        if self.model.n_layers_d > self.model.num_downs() {
            return bad(format!(
                "the EBGAN auto-encoder halves the image --n-layers-d times: {} is too many \
                 for --size {} (at most {})",
                self.model.n_layers_d,
                self.model.image_size,
                self.model.num_downs()
            ));
        }
        Ok(())
    }
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
    fn data_flags_parse_paths_and_weights() {
        let d = DataSource::parse("data/a-128").unwrap();
        assert_eq!((d.path, d.weight), (PathBuf::from("data/a-128"), 1.0));
        let d = DataSource::parse("data/b:2.5").unwrap();
        assert_eq!((d.path, d.weight), (PathBuf::from("data/b"), 2.5));
        // A colon not followed by a number is part of the path.
        let d = DataSource::parse("c:/sets/x").unwrap();
        assert_eq!((d.path, d.weight), (PathBuf::from("c:/sets/x"), 1.0));
        for bad in ["d:0", "d:-1", "d:inf", ":2", ""] {
            assert!(DataSource::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(DataSource::parse("e:0.5").unwrap().to_string(), "e:0.5");
        assert_eq!(DataSource::new("e").to_string(), "e");
        assert_eq!(DataSource::new("x/y/openmoji-128").name(), "openmoji-128");
    }

    #[test]
    fn a_config_with_one_data_path_reads_as_one_source() {
        let mut c = TrainConfig::for_mode(GanMode::Vanilla, "first".into());
        c.data.push(DataSource {
            path: "second".into(),
            weight: 3.0,
        });
        let json = serde_json::to_value(&c).unwrap();
        assert_eq!(json["data"][1]["weight"], 3.0);
        let back: TrainConfig = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(back, c);
        // Runs made before several datasets existed wrote a single path, without `amp`.
        let mut old = json;
        old["data"] = serde_json::json!("data/openmoji-128");
        old.as_object_mut().unwrap().remove("amp");
        let back: TrainConfig = serde_json::from_value(old).unwrap();
        assert_eq!(back.data, vec![DataSource::new("data/openmoji-128")]);
        assert!(!back.amp);
        c.data.clear();
        assert!(c.validate().unwrap_err().to_string().contains("--data"));
    }
}
