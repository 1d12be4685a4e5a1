//! Command-line declarations (clap derive) only: doc comments become `--help`, and each
//! command's module turns its arguments into a validated configuration.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::device::DeviceChoice;

/// Colour line art (sketches, manga/anime line drawings, clip-art outlines) with a
/// pix2pix-style conditional GAN: train on your own (line art, colour) pairs, watch it in
/// TensorBoard, colour sketches of any size.
#[derive(Debug, Parser)]
#[command(name = "colorize", version, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Train a U-Net generator against a PatchGAN discriminator on a dataset made by `prep`.
    Train(TrainArgs),
    /// Colour sketches with a trained model (any size; output keeps the input's size).
    Infer(InferArgs),
    /// Quality figures (L1, PSNR, SSIM, colourfulness) of a model on a held-out split.
    Eval(EvalArgs),
    /// Copy a training run's generator into a self-contained model directory.
    Export(ExportArgs),
    /// Show the torch version, the device that would be used and the thread count.
    Info(InfoArgs),
}

/// `colorize train`
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Dataset directory made by `prep` (line/, color/, manifest.jsonl).
    #[arg(long, value_name = "DATASET")]
    pub data: PathBuf,
    /// Run directory: config.json, checkpoints/, generator.safetensors, TensorBoard events.
    #[arg(long, value_name = "RUN")]
    pub out: PathBuf,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads (default: libtorch's choice, usually the core count).
    #[arg(long)]
    pub threads: Option<usize>,
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
    /// Model: a run directory or a model directory (default: models/default).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Longer side of the working resolution in pixels (default: the model's training
    /// size). The sketch is scaled to it, padded with white, and the colour scaled back.
    #[arg(long, value_name = "S", value_parser = clap::value_parser!(u32).range(1..=8192))]
    pub work_size: Option<u32>,
    /// Write the network's colour alone (resized to the input size), without laying the
    /// original lines over it.
    #[arg(long)]
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

/// `colorize eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model: a run directory or a model directory (default: models/default; not needed
    /// with --baseline).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Dataset directory made by `prep`.
    #[arg(long, value_name = "DATASET")]
    pub data: PathBuf,
    /// Which split of the manifest to evaluate.
    #[arg(long, default_value = "test")]
    pub split: String,
    /// Print the figures as JSON on stdout instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Evaluate a trivial baseline instead of a model.
    #[arg(long, value_enum)]
    pub baseline: Option<BaselineArg>,
    /// Write a contact sheet (rows of line | output | target) of the first N examples.
    #[arg(long, value_name = "PNG")]
    pub save_sheet: Option<PathBuf>,
    /// Number of examples on the contact sheet.
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
}

/// `colorize info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
