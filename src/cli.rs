//! Command-line declarations (clap derive) only: doc comments become `--help`, and each
//! command's module turns its arguments into a validated configuration.

mod defaults;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use colorize::config::{DataSource, NormKind, DEFAULT_EPOCHS, DEFAULT_GAN_MODE, RMSPROP_BETAS};
use colorize::device::DeviceChoice;
use colorize::hints::PointHint;
use colorize::loss::GanMode;
use colorize::optim::OptimKind;
use colorize::regions::RegionOptions;
use colorize::style::Style;
use data_prep::exit::EXIT_STATUS_HELP;
use data_prep::manifest::Split;
use defaults::{name, num, opt, per_mode, plain, rmsprop, with_default};

/// Colour line art (sketches, manga/anime line drawings, clip-art outlines) with a
/// pix2pix-style conditional GAN: train on your own (line art, colour) pairs, watch it in
/// TensorBoard, colour sketches of any size.
#[derive(Debug, Parser)]
#[command(
    name = "colorize",
    version,
    propagate_version = true,
    after_help = EXIT_STATUS_HELP
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a U-Net generator against a PatchGAN discriminator (an auto-encoder with
    /// `--gan-mode ebgan`) on a dataset made by `prep`.
    Train(TrainArgs),
    /// Colour sketches with a trained model (any size; output keeps the input's size).
    Infer(InferArgs),
    /// Quality figures (L1, PSNR, SSIM, colourfulness) of a model on a held-out split.
    Eval(EvalArgs),
    /// Copy a training run's generator into a self-contained model directory.
    Export(ExportArgs),
    /// Show the torch version, the device that would be used and the thread count.
    Info(InfoArgs),
    /// Serve a local web page to colour sketches and paint hints interactively (and its
    /// HTTP API). Binds to 127.0.0.1; Ctrl-C stops it.
    Serve(ServeArgs),
    /// Show a sketch's closed areas (what the flat and shaded styles fill) as a
    /// false-colour image: every area its own colour, lines black.
    Regions(RegionsArgs),
}

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

/// `colorize infer`
#[derive(Debug, Args)]
pub struct InferArgs {
    /// Sketches to colour: image files (PNG, JPEG, WebP, BMP, GIF, TIFF, SVG) and/or
    /// directories (walked recursively; files named `*_color.png` are skipped there).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file (one input file) or directory (several inputs or a directory; created
    /// if needed). Default: `<name>_color.png` beside each input.
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Model: a run directory or a model directory. Default: $COLORIZE_MODEL, else
    /// $XDG_DATA_HOME/colorize/models/default (~/.local/share/...), else the project's
    /// models/default; `colorize info` shows which.
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Longer side of the working resolution in pixels (default: the model's training
    /// size). The sketch is scaled to it, padded with white, and the colour scaled back.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u32).range(1..=8192))]
    pub work_size: Option<u32>,
    /// Colour hints for the one INPUT: an RGBA image of the sketch's size; transparent
    /// pixels mean "no hint", the others ask for their colour there (what the web page saves).
    #[arg(long, value_name = "PNG")]
    pub hints: Option<PathBuf>,
    /// A colour hint at pixel X,Y of the one INPUT (0,0 = top left), drawn as a small dot,
    /// e.g. `--hint 120,80,#ff8800`; repeat it for more (drawn over --hints).
    #[arg(long = "hint", value_name = "X,Y,#RRGGBB")]
    pub hint: Vec<PointHint>,
    /// How the picture is finished: `soft` (the network's colour as it is), `flat` (one
    /// colour per closed area of the sketch: a hint fills its whole area like a paint
    /// bucket that respects the lines) or `shaded` (flat colours with the network's
    /// lightness inside each area).
    #[arg(long, value_name = "STYLE", default_value_t = Style::default())]
    pub style: Style,
    /// Also write the layers as OpenRaster (Krita, GIMP and MyPaint open it): lines, flat
    /// colours, shading and the merged picture. Without a value, `<output stem>.ora` beside
    /// each PNG; with one, that file (one input only).
    #[arg(long, value_name = "OUT.ora", num_args = 0..=1, default_missing_value = "")]
    pub layers: Option<PathBuf>,
    /// Gaps in the sketch's lines up to this many pixels are closed when finding its areas
    /// (`flat`, `shaded`), so colour does not escape through them.
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().gap)]
    pub gap: u32,
    /// Closed areas smaller than this many pixels are merged into a neighbour (`flat`,
    /// `shaded`).
    #[arg(long, value_name = "PX", default_value_t = RegionOptions::default().min_area)]
    pub min_area: u32,
    /// Write the network's colour alone (resized to the input size), without laying the
    /// original lines over it.
    #[arg(long, conflicts_with_all = ["layers"])]
    pub raw: bool,
    /// Overwrite existing output files.
    #[arg(long)]
    pub force: bool,
    /// pix2pix's "train mode at test time": batch statistics and dropout stay on, so
    /// outputs vary from run to run (default: eval mode, running statistics, no dropout).
    #[arg(long)]
    pub train_mode: bool,
    /// Print per-image timings (decode, network, finish + write) on stderr.
    #[arg(long)]
    pub timings: bool,
    /// Run the plain network (libtorch's transposed convolutions and BatchNorm) instead of
    /// the folded, packed CPU fast path: for benchmarks (bench/infer) and comparisons.
    #[arg(long, hide = true)]
    pub plain_network: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// A trivial "model" for `colorize eval --baseline`, to put a model's figures in context.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum BaselineArg {
    /// The output is the line art itself, as grey RGB.
    Gray,
    /// The output is a flat image of the mean colour of the train split's targets.
    MeanColor,
}

/// What `colorize eval --style` scores: a model's outputs finished in a style, or raw
/// (`None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EvalStyle(pub Option<Style>);

impl EvalStyle {
    /// `raw`, or a style's name.
    fn parse(s: &str) -> Result<EvalStyle, String> {
        if s.trim().eq_ignore_ascii_case(colorize::eval::RAW) {
            return Ok(EvalStyle(None));
        }
        s.parse::<Style>()
            .map(|st| EvalStyle(Some(st)))
            .map_err(|_| format!("expected soft, flat, shaded or {}", colorize::eval::RAW))
    }
}

/// `colorize eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model: a run directory or a model directory (default: as for `infer`, see
    /// `colorize info`; not needed with --baseline).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Dataset directory made by `prep`. Repeat it to evaluate on several datasets: one
    /// row per dataset, then their union (`all`). Without it, a model run's own datasets.
    #[arg(long, value_name = "DATASET")]
    pub data: Vec<PathBuf>,
    /// Also score with N simulated colour hints per image (dots at positions fixed per pair,
    /// each of the target's colour there), for each N of a comma-separated list; reports
    /// hint fidelity (mean colour error at the hinted pixels) too. Models with hints only.
    #[arg(
        long,
        value_name = "N[,N...]",
        value_delimiter = ',',
        default_value = "0"
    )]
    pub hints: Vec<usize>,
    /// Which split of the manifest to evaluate.
    #[arg(long, value_enum, default_value_t = Split::Test)]
    pub split: Split,
    /// Print the figures as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Also evaluate a trivial baseline, for context (without --model: the baseline alone).
    #[arg(long, value_enum)]
    pub baseline: Option<BaselineArg>,
    /// Write a contact sheet (rows of line | output | target) of the first N examples.
    #[arg(long, value_name = "PNG")]
    pub save_sheet: Option<PathBuf>,
    /// Also write the simulated hints of the first N examples, for each hint count N > 0,
    /// as `DIR/<id>.hints<N>.png` (RGBA, the dataset's size): try them with `colorize infer
    /// DATASET/line/<id>.png --hints ...`.
    #[arg(long, value_name = "DIR")]
    pub save_hints: Option<PathBuf>,
    /// Number of examples on the contact sheet (and with --save-hints).
    #[arg(short = 'n', long, default_value_t = 8, value_name = "N")]
    pub sheet_count: usize,
    /// Evaluate at most this many pairs of the split (default: all).
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,
    /// Images per network call.
    #[arg(long, default_value_t = 16)]
    pub batch_size: usize,
    /// pix2pix's "train mode at test time" (batch statistics + dropout); default eval mode.
    #[arg(long)]
    pub train_mode: bool,
    /// Also colour each sketch K times with dropout on (BatchNorm in eval mode, fixed seed)
    /// and report the diversity: mean pairwise L1 between the K outputs (0 = the generator
    /// ignores its noise).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(2..))]
    pub diversity: Option<u16>,
    /// Score a model's outputs finished in each of these styles, as `colorize infer --style`
    /// finishes them at the dataset's size (one row per style; one network call serves
    /// them all): soft, flat, shaded, or raw (the default: the network's output alone, as
    /// training's `val/*` figures and the figures of earlier versions).
    #[arg(
        long,
        value_name = "STYLE[,STYLE...]",
        value_delimiter = ',',
        default_value = "raw",
        value_parser = EvalStyle::parse
    )]
    pub style: Vec<EvalStyle>,
    /// Do not write `eval.json` into the model directory.
    #[arg(long)]
    pub no_save: bool,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `colorize export`
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Training run directory to export from.
    #[arg(value_name = "RUN")]
    pub run: PathBuf,
    /// New model directory (e.g. models/NAME).
    #[arg(value_name = "DIR")]
    pub dest: PathBuf,
    /// Replace the files of an existing model directory.
    #[arg(long)]
    pub force: bool,
    /// Store the weights in float16 (half the file; loading converts them back to float32).
    #[arg(long)]
    pub half: bool,
    /// The hardware and time the training took, for the model card (e.g. "1x H200, 9 min").
    #[arg(long, value_name = "TEXT")]
    pub trained_on: Option<String>,
}

/// `colorize serve`
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Model: a run directory or a model directory (default: the default model).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Address to listen on. The page has no login: anything but a loopback address lets
    /// other machines use it.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0: any free port; the URL printed says which).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Intra-op CPU threads of the inference thread.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Requests that may wait while one is being coloured; more are answered 503 with
    /// Retry-After.
    #[arg(long, value_name = "N", default_value_t = colorize::serve::DEFAULT_QUEUE)]
    pub queue: usize,
    /// Largest request body in MiB (413 above it).
    #[arg(long, value_name = "MIB", default_value_t = (colorize::serve::DEFAULT_MAX_BODY_BYTES >> 20) as u32,
          value_parser = clap::value_parser!(u32).range(1..=4096))]
    pub max_body_mb: u32,
    /// Largest sketch in megapixels, width x height (413 above it).
    #[arg(long, value_name = "MP", default_value_t = colorize::serve::DEFAULT_MAX_PIXELS as f64 / 1e6)]
    pub max_megapixels: f64,
    /// Largest working size a request may ask for, in pixels.
    #[arg(long, value_name = "S", default_value_t = colorize::serve::DEFAULT_MAX_WORK_SIZE,
          value_parser = clap::value_parser!(u32).range(32..=8192))]
    pub max_work_size: u32,
}

/// `colorize info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        Cli::command().debug_assert();
    }
}

/// `colorize regions`
#[derive(Debug, Args)]
pub struct RegionsArgs {
    /// The sketch (PNG, JPEG, WebP, SVG, ...): dark lines on light paper.
    #[arg(value_name = "SKETCH")]
    pub sketch: PathBuf,
    /// Where to write the false-colour PNG.
    #[arg(short, long, value_name = "PNG")]
    pub output: PathBuf,
    /// Close gaps in lines up to this many pixels, so colour cannot escape through them
    /// (0: none) [default: 2].
    #[arg(long, value_name = "N")]
    pub gap: Option<u32>,
    /// Merge paper areas smaller than this many pixels into the neighbour they share the
    /// longest border with [default: 16].
    #[arg(long, value_name = "N")]
    pub min_area: Option<u32>,
    /// Grey level below which a pixel is ink [default: adapts to the sketch].
    #[arg(long, value_name = "0-255")]
    pub threshold: Option<u8>,
    /// Also print the areas as JSON on standard output.
    #[arg(long)]
    pub json: bool,
    /// Replace an existing output file.
    #[arg(long)]
    pub force: bool,
}
