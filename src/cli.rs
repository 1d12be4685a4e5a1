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
    /// Sketches to colour: image files and/or directories (walked recursively).
    #[arg(required = true, value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Output file (one input) or directory (several inputs or a directory).
    #[arg(short, long, value_name = "OUT")]
    pub output: Option<PathBuf>,
    /// Model: a run directory or a model directory (default: models/default).
    #[arg(long, value_name = "M")]
    pub model: Option<PathBuf>,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Intra-op CPU threads.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `colorize eval`
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Model: a run directory or a model directory.
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
}

/// `colorize info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
}
