//! The small commands: `colorize export`, `colorize info` and `colorize regions`.

use std::path::PathBuf;

use clap::Args;

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
    /// Store the weights as 8-bit integers with a float32 scale per output channel (biases
    /// and normalisation in float16): about a quarter of the float32 file, half of --half's.
    /// Loading converts them back to float32.
    #[arg(long, conflicts_with = "half")]
    pub int8: bool,
    /// The hardware and time the training took, for the model card (e.g. "1x H200, 9 min").
    #[arg(long, value_name = "TEXT")]
    pub trained_on: Option<String>,
    /// A Markdown file appended to the model card (figures measured by other tools, such as
    /// the Hint-AUC, or what was seen on a contact sheet).
    #[arg(long, value_name = "MD")]
    pub notes: Option<PathBuf>,
    /// Figures for the card and `eval.json`, as `colorize eval --json` prints them, instead
    /// of the run's own `eval.json` (e.g. the figures of a blend, measured after exporting).
    #[arg(long, value_name = "JSON")]
    pub eval: Option<PathBuf>,
    /// Export the weight average of RUN's generator and this model's (same network), e.g.
    /// a fine-tune blended with the model it started from: it keeps more of what that
    /// model knew. The card records it.
    #[arg(long, value_name = "MODEL")]
    pub blend_with: Option<PathBuf>,
    /// Export the mean of the generators of RUN's last K checkpoints (K >= 2; a run keeps
    /// its last `train --keep`, default 3): checkpoint averaging, which smooths the noise of the
    /// last steps out of the weights. With --blend-with, the mean is what gets blended. The
    /// card records the steps.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u16).range(2..))]
    pub average_last: Option<u16>,
    /// With --blend-with: the share of RUN's weights in the average (1: RUN alone).
    #[arg(long, value_name = "SHARE", default_value_t = 0.5, requires = "blend_with",
          value_parser = parse_share)]
    pub blend: f64,
}

fn parse_share(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|e| format!("{e}"))?;
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{v} is not between 0 and 1"))
    }
}

/// `colorize info`
#[derive(Debug, Args)]
pub struct InfoArgs {
    /// Print as JSON.
    #[arg(long)]
    pub json: bool,
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
