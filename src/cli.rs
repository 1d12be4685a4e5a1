//! Command-line declarations (clap derive) only: doc comments become `--help`, and each
//! command's module turns its arguments into a validated configuration.

mod defaults;
mod eval;
mod infer;
mod serve;
mod suggest;
mod tools;
mod train;

use clap::{Parser, Subcommand};
use data_prep::exit::EXIT_STATUS_HELP;

pub use eval::{BaselineArg, EvalArgs, EvalStyle};
pub use infer::InferArgs;
pub use serve::ServeArgs;
pub use suggest::SuggestArgs;
pub use tools::{ExportArgs, InfoArgs, RegionsArgs};
pub use train::TrainArgs;

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
    /// Where to hint next: the sketch's areas the model is least sure of, best first, each
    /// with a point well inside it (given the hints so far).
    Suggest(SuggestArgs),
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
