//! `colorize train`: the run, the data and the model and optimisation hyper-parameters.

use std::path::PathBuf;

use clap::Args;
use colorize::config::{DataSource, NormKind, DEFAULT_EPOCHS, DEFAULT_GAN_MODE, RMSPROP_BETAS};
use colorize::device::DeviceChoice;
use colorize::loss::GanMode;
use colorize::optim::OptimKind;

use super::defaults::{name, num, opt, per_mode, plain, rmsprop, with_default};

/// `colorize train`
///
/// Hyper-parameters left out take the chosen `--gan-mode`'s paper defaults (or, with
/// `--resume`, the resumed run's values).
#[derive(Debug, Args, Default)]
pub struct TrainArgs {
    /// Dataset directory made by `prep` (line/, color/, manifest.jsonl). Repeat it to train
    /// on several datasets, each keeping its own splits; `DIR:W` draws that dataset's
    /// training pairs W times per epoch (default 1; 0.5 = a different seeded half each
    /// epoch).
    #[arg(
        long,
        value_name = "DATASET[:W]",
        required_unless_present = "resume",
        value_parser = DataSource::parse
    )]
    pub data: Vec<DataSource>,
    /// Run directory: config.json, checkpoints/, generator.safetensors, TensorBoard events
    /// [default with --resume: the resumed run].
    #[arg(long, value_name = "RUN", required_unless_present = "resume")]
    pub out: Option<PathBuf>,
    /// Continue the run in RUN from its latest checkpoint (weights, step, learning-rate
    /// schedule, optimiser moments, data order).
    #[arg(long, value_name = "RUN")]
    pub resume: Option<PathBuf>,
    #[arg(
        long,
        conflicts_with = "epochs",
        help = format!(
            "Generator updates in total [default: {DEFAULT_EPOCHS} epochs, pix2pix's 100 + 100]"
        )
    )]
    pub steps: Option<u64>,
    /// Length of the run in passes over the training split (converted to steps).
    #[arg(long)]
    pub epochs: Option<f64>,
    /// Model shape and optimisation settings.
    #[command(flatten)]
    pub hp: Box<HyperArgs>,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads (default: libtorch's choice, usually the core count; --resume:
    /// the run's own, so that the resumed steps are bit for bit the same).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Also write one JSON object per logged step to RUN/log.jsonl.
    #[arg(long)]
    pub json_log: bool,
    /// Mixed precision: bfloat16 autocast for the forward and backward passes, float32
    /// weights and optimiser state. On CUDA; on a CPU with AVX512-BF16 or AMX about 1.6x
    /// faster than float32 (bench/README.md), elsewhere slower. Kept on resume.
    #[arg(long)]
    pub amp: bool,
    /// Start the generator from this model's weights (a run or model directory of the same
    /// shape, e.g. models/default) instead of a random initialisation: a fine-tune. The
    /// discriminator and optimisers start fresh; recorded in the run's config.
    #[arg(long, value_name = "MODEL", conflicts_with = "resume")]
    pub init_from: Option<PathBuf>,
}

/// `colorize train` hyper-parameters (boxed in `TrainArgs` to keep `Command` small).
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Model and optimisation")]
pub struct HyperArgs {
    #[arg(long, help = format!("Images per batch [default: {}, as pix2pix]", plain().batch_size))]
    pub batch_size: Option<usize>,
    #[arg(
        long,
        help = with_default(
            "Training image side S (a power of two >= 32; the U-Net has log2(S) levels)",
            plain().model.image_size,
        )
    )]
    pub size: Option<i64>,
    /// Resize images to this side, then random-crop S (pix2pix load_size) [default: S].
    #[arg(long)]
    pub load_size: Option<u32>,
    /// No random horizontal flips.
    #[arg(long)]
    pub no_flip: bool,
    /// Several scales: resize each pair to a random side between the load size and this (at
    /// most the pair's own side) before the S crop, so training sees the large areas of
    /// large pictures (use with datasets prepared larger than S, e.g. `prep --size 256`)
    /// [default: off].
    #[arg(long, value_name = "SIDE")]
    pub scale_max: Option<u32>,
    /// Share (0-1) of training samples whose line art is roughened as if drawn by hand and
    /// scanned: line width, wobble, gaps, pencil grain, paper tone, blur, noise, JPEG
    /// [default: 0].
    #[arg(long, value_name = "SHARE")]
    pub rough: Option<f64>,
    #[arg(long, help = with_default("Generator filters in the outermost layer", plain().model.ngf))]
    pub ngf: Option<i64>,
    #[arg(long, help = with_default("Discriminator filters in the first layer", plain().model.ndf))]
    pub ndf: Option<i64>,
    #[arg(
        long,
        help = with_default("PatchGAN layers (3 = 70x70 patches)", plain().model.n_layers_d)
    )]
    pub n_layers_d: Option<i64>,
    #[arg(
        long,
        value_enum,
        help = per_mode("Discriminator normalisation", |d| name(d.default_norm), "")
    )]
    pub norm: Option<NormKind>,
    /// No dropout in the generator's innermost up-blocks.
    #[arg(long)]
    pub no_dropout: bool,
    /// Train the plain model: line art in, no colour-hint channels (by default a new run
    /// also takes hints, simulated from the targets while training).
    #[arg(long)]
    pub no_hints: bool,
    #[arg(long, value_name = "SHARE", help = with_default(
        "Share of training samples shown without any hint", plain().hints.none_share))]
    pub hint_none_share: Option<f64>,
    #[arg(long, value_name = "N", help = with_default(
        "Mean number of simulated hints (dots and strokes) of a hinted sample",
        plain().hints.mean_count))]
    pub hint_mean_count: Option<f64>,
    #[arg(long, value_name = "PX", help = with_default(
        "Radius (pixels at --size) over which hints are spread along the paper, never across \
         lines, before entering the network; 0 = as drawn",
        plain().model.hint_spread))]
    pub hint_spread: Option<u32>,
    #[arg(long, value_enum, help = with_default("Adversarial objective", name(DEFAULT_GAN_MODE)))]
    pub gan_mode: Option<GanMode>,
    #[arg(long, help = with_default("Weight of the L1 term", plain().lambda_l1))]
    pub lambda_l1: Option<f64>,
    /// Train with L1 alone (no discriminator): the baseline that collapses to flat colours.
    #[arg(long)]
    pub l1_only: bool,
    #[arg(long, value_enum, help = per_mode("Optimiser", |d| name(d.optimizer), ""))]
    pub optimizer: Option<OptimKind>,
    #[arg(long, help = per_mode("Learning rate", |d| num(d.lr), ""))]
    pub lr: Option<f64>,
    #[arg(long, help = per_mode("Adam beta1", |d| num(d.beta1), &rmsprop(RMSPROP_BETAS.0)))]
    pub beta1: Option<f64>,
    #[arg(
        long,
        help = per_mode("Adam beta2 or RMSprop alpha", |d| num(d.beta2), &rmsprop(RMSPROP_BETAS.1))
    )]
    pub beta2: Option<f64>,
    #[arg(long, help = with_default("L2 weight decay", plain().weight_decay))]
    pub weight_decay: Option<f64>,
    #[arg(
        long,
        help = per_mode("Critic updates per generator update", |d| d.n_critic.to_string(), "")
    )]
    pub n_critic: Option<u32>,
    #[arg(long, help = per_mode("Critic weight clipping", |d| opt(d.clip), ""))]
    pub clip: Option<f64>,
    #[arg(long, help = per_mode("Gradient-penalty weight", |d| opt(d.gp_lambda), ""))]
    pub gp_lambda: Option<f64>,
    #[arg(
        long,
        help = per_mode(
            "EBGAN margin: the discriminator pushes the fakes' energies (mean squared \
             reconstruction errors) up to it",
            |d| opt(d.margin),
            "",
        )
    )]
    pub margin: Option<f64>,
    #[arg(
        long,
        help = per_mode("EBGAN pull-away term weight", |d| opt(d.pt_weight), "")
    )]
    pub pt_weight: Option<f64>,
    /// Steps at the end over which the learning rate decays linearly to 0 [default: half].
    #[arg(long)]
    pub decay_steps: Option<u64>,
    #[arg(
        long,
        help = with_default(
            "Seed of initialisation, data order, augmentation and dropout",
            plain().seed,
        )
    )]
    pub seed: Option<u64>,
    #[arg(
        long,
        help = with_default(
            "Checkpoint every N steps (also at the end and on Ctrl-C)",
            plain().save_every,
        )
    )]
    pub save_every: Option<u64>,
    #[arg(long, help = with_default("Checkpoints to keep", plain().keep))]
    pub keep: Option<usize>,
    #[arg(
        long,
        help = with_default(
            "Log losses, lr and speed to TensorBoard every N steps",
            plain().log_every,
        )
    )]
    pub log_every: Option<u64>,
    #[arg(long, help = with_default("Write the sample grid every N steps", plain().sample_every))]
    pub sample_every: Option<u64>,
    #[arg(long, help = with_default("Validation examples in the sample grid", plain().num_samples))]
    pub num_samples: Option<usize>,
    #[arg(
        long,
        help = with_default(
            "Compute validation L1/PSNR/SSIM/colourfulness every N steps",
            plain().val_every,
        )
    )]
    pub val_every: Option<u64>,
    #[arg(long, help = with_default("Validation pairs used for the metrics", plain().val_pairs))]
    pub val_pairs: Option<usize>,
    #[arg(long, help = with_default("Background PNG-decoding threads", plain().loader_threads))]
    pub loader_threads: Option<usize>,
}
