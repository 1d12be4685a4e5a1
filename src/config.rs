//! Every default in one place: `ModelConfig` (the network's shape, all that inference needs)
//! inside `TrainConfig` (everything a run used, saved in the run directory), with the plain
//! pix2pix defaults (`TrainConfig::for_mode`) and each GAN mode's paper defaults
//! (`ModeDefaults::of`). `colorize train --help` shows the values from here.

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::loss::GanMode;
use crate::optim::OptimKind;
use crate::{Error, Result};

/// Normalisation layer of the discriminator (a WGAN-GP critic must not use batch norm).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum NormKind {
    /// Batch normalisation (pix2pix's choice).
    Batch,
    /// Instance normalisation: per-sample statistics.
    Instance,
    /// No normalisation layer.
    None,
}

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

/// An inclusive range `min..=max` of sizes in pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    /// Smallest value.
    pub min: u32,
    /// Largest value (inclusive).
    pub max: u32,
}

/// How training simulates hints (saved in the run's config; all sizes in working pixels;
/// the defaults were chosen by measurement, see bench/README.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HintSimConfig {
    /// Share of samples that get no hint at all (the model must still colour alone).
    pub none_share: f64,
    /// Mean number of hints of a hinted sample (geometric: mostly a few, sometimes many).
    pub mean_count: f64,
    /// Cap on the number of hints of a sample.
    pub max_count: u32,
    /// Share of hints that are strokes (the rest are dots).
    pub stroke_share: f64,
    /// Dot radius (1 = a plus of 5 pixels, 2 = a disc 5 pixels across).
    pub dot_radius: Span,
    /// Stroke length in steps of one pixel.
    pub stroke_len: Span,
    /// Stroke width (a square brush of this side).
    pub stroke_width: Span,
    /// Largest per-channel difference from a hint's first pixel that stays in its region.
    pub region_tolerance: u8,
    /// Probability of keeping a hint placed on white (all channels >= 240): white
    /// backgrounds cover most of a typical clip-art image, so uniform positions would make
    /// most hints white ones, which teach the model little.
    pub white_keep: f64,
}

impl Default for HintSimConfig {
    fn default() -> Self {
        HintSimConfig {
            none_share: 0.6,
            mean_count: 8.0,
            max_count: 40,
            stroke_share: 0.5,
            dot_radius: Span { min: 1, max: 2 },
            stroke_len: Span { min: 4, max: 16 },
            stroke_width: Span { min: 1, max: 3 },
            region_tolerance: 24,
            white_keep: 0.1,
        }
    }
}

impl HintSimConfig {
    /// Checks shares are in [0, 1], counts and sizes are at least 1 and spans are ordered.
    pub fn validate(&self) -> Result<()> {
        let bad = |msg: String| Err(Error::Config(format!("hint simulation: {msg}")));
        for (name, v) in [
            ("none_share", self.none_share),
            ("stroke_share", self.stroke_share),
            ("white_keep", self.white_keep),
        ] {
            if !(0.0..=1.0).contains(&v) {
                return bad(format!("{name} must be in [0, 1], got {v}"));
            }
        }
        if !(self.mean_count >= 1.0 && self.mean_count.is_finite()) || self.max_count < 1 {
            return bad(format!(
                "mean_count must be >= 1 and max_count >= 1, got {} and {}",
                self.mean_count, self.max_count
            ));
        }
        for (name, s, least) in [
            ("dot_radius", self.dot_radius, 0),
            ("stroke_len", self.stroke_len, 1),
            ("stroke_width", self.stroke_width, 1),
        ] {
            if s.min < least || s.min > s.max {
                return bad(format!(
                    "{name} must have {least} <= min <= max, got {}..={}",
                    s.min, s.max
                ));
            }
        }
        Ok(())
    }
}

/// `ModelConfig::hint_spread` of a new run with hints (pixels at the training size), chosen
/// by measurement (bench/README.md).
pub const DEFAULT_HINT_SPREAD: u32 = 16;

/// Input channels of a model without hints: the line art.
pub const PLAIN_CHANNELS: i64 = 1;
/// Input channels of a model with hints: line art, hint colour (RGB in [-1, 1], 0 where
/// unhinted) and hint mask (1 = hinted), as PaintsChainer and AlacGAN take them.
pub const HINTED_CHANNELS: i64 = 5;

/// Largest `ModelConfig::image_size` accepted.
const MAX_SIDE: i64 = 1 << 16;
/// Largest channel count (`ngf`, `ndf`, `out_channels`) accepted.
const MAX_WIDTH: i64 = 1 << 16;
/// Largest `ModelConfig::n_layers_d` accepted.
const MAX_LAYERS_D: i64 = 32;

/// The shape of the generator and discriminator. Changing any field changes the weights'
/// shapes, so a run refuses to resume with a different `ModelConfig`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelConfig {
    /// Training image size S (square, a power of two >= 32); the U-Net has log2(S) levels.
    pub image_size: i64,
    /// Generator input channels: `PLAIN_CHANNELS` (line art alone, models made before
    /// hints and `--no-hints`) or `HINTED_CHANNELS` (line art + hint colour RGB + hint mask).
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
    /// Hint models: radius in pixels (at `image_size`; scaled with the working size) over
    /// which each hint's colour is spread along the paper, never across ink, before it
    /// enters the network (`hints::hint_channels`); 0 = hints as drawn.
    #[serde(default)]
    pub hint_spread: u32,
}

/// pix2pix's plain network (`PLAIN_CHANNELS` input); new training runs add the hint
/// channels (`TrainConfig::for_mode`).
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
            hint_spread: 0,
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

    /// Whether the generator takes hint channels after the line art.
    pub fn takes_hints(&self) -> bool {
        self.in_channels == HINTED_CHANNELS
    }

    /// Checks the fields that would otherwise fail deep inside libtorch.
    pub fn validate(&self) -> Result<()> {
        if ![PLAIN_CHANNELS, HINTED_CHANNELS].contains(&self.in_channels) {
            return Err(Error::Config(format!(
                "in_channels must be {PLAIN_CHANNELS} (line art) or {HINTED_CHANNELS} (line art + \
                 hints), got {}",
                self.in_channels
            )));
        }
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
        // Far above any real model, low enough that no layer size computed from them can
        // overflow: a config.json from elsewhere is untrusted input.
        for (name, v, max) in [
            ("image size", s, MAX_SIDE),
            ("out_channels", self.out_channels, MAX_WIDTH),
            ("ngf", self.ngf, MAX_WIDTH),
            ("ndf", self.ndf, MAX_WIDTH),
            ("n_layers_d", self.n_layers_d, MAX_LAYERS_D),
        ] {
            if v > max {
                return Err(Error::Config(format!("{name} must be <= {max}, got {v}")));
            }
        }
        Ok(())
    }
}

/// One dataset of a run: a directory made by `prep`, and how often its training pairs are
/// drawn (`--data DIR:WEIGHT`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DataSource {
    /// The dataset directory.
    pub path: PathBuf,
    /// Each training pair of this dataset is drawn `weight` times per epoch on average: 2
    /// repeats every pair twice, 0.5 keeps a seeded half of them each epoch. Validation and
    /// test splits are never weighted.
    #[serde(default = "unit_weight")]
    pub weight: f64,
}

fn unit_weight() -> f64 {
    1.0
}

impl DataSource {
    /// A dataset of weight 1.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        DataSource {
            path: path.into(),
            weight: 1.0,
        }
    }

    /// Parses `--data DIR` or `--data DIR:WEIGHT` (a positive number after the last colon;
    /// a directory whose own name ends in `:<number>` can be given as `DIR:1`).
    pub fn parse(arg: &str) -> std::result::Result<Self, String> {
        if let Some((path, w)) = arg.rsplit_once(':') {
            if let Ok(weight) = w.parse::<f64>() {
                if !(weight.is_finite() && weight > 0.0) {
                    return Err(format!(
                        "the weight after `:` must be a positive number, got `{w}`"
                    ));
                }
                if path.is_empty() {
                    return Err("no dataset directory before the `:WEIGHT`".into());
                }
                return Ok(DataSource {
                    path: path.into(),
                    weight,
                });
            }
        }
        if arg.is_empty() {
            return Err("empty dataset path".into());
        }
        Ok(DataSource::new(arg))
    }

    /// A short name for reports: the directory's last component.
    pub fn name(&self) -> String {
        self.path.file_name().map_or_else(
            || self.path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }
}

impl std::fmt::Display for DataSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.weight == 1.0 {
            write!(f, "{}", self.path.display())
        } else {
            write!(f, "{}:{}", self.path.display(), self.weight)
        }
    }
}

/// `TrainConfig::data` as written by every version: a list of sources, or one path.
mod data_sources {
    use super::DataSource;
    use serde::{Deserialize, Deserializer};
    use std::path::PathBuf;

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Field {
        One(PathBuf),
        Many(Vec<DataSource>),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<DataSource>, D::Error> {
        Ok(match Field::deserialize(d)? {
            Field::One(path) => vec![DataSource::new(path)],
            Field::Many(list) => list,
        })
    }
}

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
