//! `colorize eval`: what is scored, on which split, in which styles.

use std::path::PathBuf;

use clap::Args;
use colorize::device::DeviceChoice;
use colorize::style::Style;
use data_prep::manifest::Split;

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
    /// Give the model the line art as it is, without `infer`'s levelling of the paper's
    /// tone and noise to white (`colorize infer --keep-paper`). The grey baseline always shows
    /// the line art as it is.
    #[arg(long)]
    pub keep_paper: bool,
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
    /// Instead of the figures above: the hint-efficiency curve. On each pair, hints are
    /// added one at a time, K of them (default 10), each a scribble in the target's mean
    /// colour over the area a method chooses given the hints so far; the PSNR after each
    /// step (finished in the first --style; raw counts as soft) and the curve's area (mean
    /// PSNR over k = 1..K) per method and dataset.
    #[arg(long, value_name = "K", num_args = 0..=1, default_missing_value = "10",
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub suggest: Option<u32>,
    /// The methods the curve compares (`--suggest`): dropout, spread, largest, random.
    #[arg(
        long,
        value_name = "METHOD[,METHOD...]",
        value_delimiter = ',',
        default_value = "dropout,spread,largest,random",
        requires = "suggest"
    )]
    pub suggest_methods: Vec<colorize::suggest::Method>,
    /// Dropout samples per suggestion of the `dropout` method (`--suggest`).
    #[arg(long, value_name = "K", default_value_t = colorize::suggest::DEFAULT_SAMPLES as u32,
          value_parser = clap::value_parser!(u32).range(2..=64), requires = "suggest")]
    pub suggest_samples: u32,
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
